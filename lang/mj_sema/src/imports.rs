//! Which modules a file imports, resolved to dotted names (relative imports included).

use mj_syntax::ast::{Module, StmtKind};

/// `(level, dotted)` pairs are flattened to absolute dotted names; the number is the
/// statement's byte offset, for error messages.
pub fn imports_of(m: &Module, this: &str) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    for s in &m.body {
        match &s.kind {
            StmtKind::Import { path, .. } => {
                out.push((
                    s.span.start,
                    path.iter()
                        .map(|i| i.name.as_str())
                        .collect::<Vec<_>>()
                        .join("."),
                ));
            }
            StmtKind::FromImport {
                level,
                module,
                names,
                ..
            } => {
                let mut dotted = module
                    .iter()
                    .map(|i| i.name.as_str())
                    .collect::<Vec<_>>()
                    .join(".");
                if *level > 0 {
                    let mut parts: Vec<&str> = this.split('.').collect();
                    for _ in 0..*level {
                        parts.pop();
                    }
                    if !dotted.is_empty() {
                        parts.push(&dotted);
                    }
                    dotted = parts.join(".");
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
