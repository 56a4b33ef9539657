//! Which modules a file imports, resolved to dotted names (relative imports included).

use mj_syntax::ast::{Module, StmtKind};

/// `(level, dotted)` pairs are flattened to absolute dotted names; the number is the
/// statement's byte offset, for error messages. `is_package`: the file is a package's
/// `__init__.mj`, whose relative imports start at the package itself.
pub fn imports_of(m: &Module, this: &str, is_package: bool) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    for s in &m.body {
        match &s.kind {
            StmtKind::Import { path, .. } => {
                // `import a.b` also loads the package `a` (its `__init__.mj`), as in Python.
                for k in 1..path.len() {
                    out.push((s.span.start, dotted(&path[..k])));
                }
                out.push((s.span.start, dotted(path)));
            }
            StmtKind::FromImport {
                level,
                module,
                names,
                ..
            } => {
                let mut dotted = dotted(module);
                if *level > 0 {
                    dotted = relative_module(this, is_package, *level, &dotted);
                }
                out.push((s.span.start, dotted.clone()));
                // `from pkg import mod` may name a submodule.
                for (n, _) in names {
                    out.push((s.span.start, format!("{dotted}.{}", n.name)));
                }
            }
            _ => {}
        }
    }
    out
}

/// `a.b.c` from the identifiers of an import path.
pub fn dotted(path: &[mj_syntax::ast::Ident]) -> String {
    path.iter()
        .map(|i| i.name.as_str())
        .collect::<Vec<_>>()
        .join(".")
}

/// The absolute name of `from {"." * level}{dotted} import ...` written in module `this`.
pub fn relative_module(this: &str, is_package: bool, level: u32, dotted: &str) -> String {
    let mut parts: Vec<&str> = this.split('.').collect();
    let drop = if is_package { level - 1 } else { level };
    for _ in 0..drop {
        parts.pop();
    }
    if !dotted.is_empty() {
        parts.push(dotted);
    }
    parts.join(".")
}
