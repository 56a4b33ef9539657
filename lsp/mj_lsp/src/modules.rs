//! Modules on disk, for the editor: the names to complete in an import line, what a
//! module exports, and which modules define a name (the "add missing import" quick fix).
//! Module resolution itself is `mj_sema::workspace`; this lists what it could find: the
//! modules beside the document and the library's under its root.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use mj_sema::ide::{self, DefKind};
use mj_syntax::ast::StmtKind;

/// The modules and packages directly in `dir`: `x.mj` is `x`, a folder with `.mj` files
/// in it is a package (`true`).
fn children(dir: &Path) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        let Some(name) = p.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if !is_identifier(name) {
            continue;
        }
        if p.is_dir() {
            if has_modules(&p) {
                out.push((name.to_string(), true));
            }
        } else if p.extension().is_some_and(|x| x == "mj") && name != "__init__" {
            out.push((name.to_string(), false));
        }
    }
    out.sort();
    out.dedup_by(|a, b| a.0 == b.0);
    out
}

fn has_modules(dir: &Path) -> bool {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .any(|e| {
            let p = e.path();
            p.extension().is_some_and(|x| x == "mj") || (p.is_dir() && has_modules(&p))
        })
}

fn is_identifier(s: &str) -> bool {
    let mut cs = s.chars();
    cs.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && cs.all(|c| c.is_alphanumeric() || c == '_')
}

/// The folders a dotted package name may name: beside the document (`root`), and in the
/// library (`std.x`, and the bare names that mean a library module, `math` for `std.math`).
fn package_dirs(root: &Path, stdlib: &Path, dotted: &str) -> Vec<PathBuf> {
    let rel: PathBuf = dotted.split('.').filter(|s| !s.is_empty()).collect();
    let mut dirs = vec![root.join(&rel)];
    if dotted == "std" || dotted.starts_with("std.") || mj_sema::imports::library_package(dotted) {
        dirs.push(stdlib.join(&rel));
    } else if mj_sema::imports::std_alias(dotted) {
        dirs.push(stdlib.join("std").join(&rel));
    }
    dirs
}

/// A module's file, beside the document or in the library (as `package_dirs`).
fn module_path(root: &Path, stdlib: &Path, dotted: &str) -> Option<PathBuf> {
    package_dirs(root, stdlib, dotted)
        .into_iter()
        .find_map(|d| {
            let file = d.with_extension("mj");
            let init = d.join("__init__.mj");
            [file, init].into_iter().find(|p| p.is_file())
        })
}

/// A completion candidate: its label and kind.
pub struct Candidate {
    pub label: String,
    pub kind: DefKind,
    pub detail: String,
}

/// Completions for an import line, given the line's text up to the cursor: module names
/// after `import` and `from` (the children of the package typed so far), and the names a
/// module exports (and its submodules) after `from m import`. `None` when the line is not
/// an import.
pub fn import_completions(line: &str, root: &Path, stdlib: &Path) -> Option<Vec<Candidate>> {
    let t = line.trim_start();
    let path_chars = |s: &str| {
        s.chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
    };
    if let Some(rest) = t.strip_prefix("from ") {
        let rest = rest.trim_start();
        if let Some((module, names)) = rest.split_once(" import ") {
            let module = module.trim();
            if !path_chars(module) || names.contains('(') && names.contains(')') {
                return None;
            }
            return Some(module_members(root, stdlib, module));
        }
        return path_chars(rest).then(|| submodules(root, stdlib, rest));
    }
    let rest = t.strip_prefix("import ")?;
    let last = rest.rsplit(',').next().unwrap_or("").trim_start();
    let last = last.split(" as ").next().unwrap_or(last);
    path_chars(last).then(|| submodules(root, stdlib, last))
}

/// The modules to offer after `typed` (`a.b.` or `a.b.partial`): the children of `a.b`.
fn submodules(root: &Path, stdlib: &Path, typed: &str) -> Vec<Candidate> {
    let typed = typed.trim_start_matches('.');
    let parent = typed.rsplit_once('.').map_or("", |(p, _)| p);
    let mut names: Vec<(String, bool)> = Vec::new();
    for d in package_dirs(root, stdlib, parent) {
        names.extend(children(&d));
    }
    if parent.is_empty() {
        names.push(("std".to_string(), true));
        // The library's modules that Mojo programs import by their bare name.
        names.extend(
            children(&stdlib.join("std"))
                .into_iter()
                .filter(|(n, _)| mj_sema::imports::std_alias(n)),
        );
    }
    names.sort();
    names.dedup_by(|a, b| a.0 == b.0);
    names
        .into_iter()
        .map(|(label, package)| Candidate {
            detail: if package { "package" } else { "module" }.to_string(),
            label,
            kind: DefKind::Module,
        })
        .collect()
}

/// What `from module import ...` may name: the module's public items and, for a
/// package, its submodules.
fn module_members(root: &Path, stdlib: &Path, module: &str) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = module_path(root, stdlib, module)
        .map(|p| exports(&p))
        .unwrap_or_default()
        .into_iter()
        .map(|(label, kind)| Candidate {
            detail: module.to_string(),
            label,
            kind,
        })
        .collect();
    for d in package_dirs(root, stdlib, module) {
        for (label, _) in children(&d) {
            if !out.iter().any(|c| c.label == label) {
                out.push(Candidate {
                    label,
                    kind: DefKind::Module,
                    detail: "module".to_string(),
                });
            }
        }
    }
    out
}

/// The public names a module's file defines or imports (a package's `__init__.mj`
/// re-exports its modules' names).
fn exports(path: &Path) -> Vec<(String, DefKind)> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    let (module, _) = mj_syntax::parse(&text);
    let mut out: Vec<(String, DefKind)> = ide::symbols(&module)
        .into_iter()
        .map(|s| (s.name, s.kind))
        .collect();
    // (A module's own imports are its business; a package's are what it offers.)
    let package = path.file_name().is_some_and(|n| n == "__init__.mj");
    for s in module.body.iter().filter(|_| package) {
        if let StmtKind::FromImport { names, .. } = &s.kind {
            for (n, alias) in names {
                let name = alias.as_ref().unwrap_or(n);
                out.push((name.name.clone(), DefKind::Variable));
            }
        }
    }
    out.retain(|(n, _)| !n.starts_with('_') && n != "*");
    out
}

/// The library's public names, each with the modules that export it (built once).
fn library_index(stdlib: &Path) -> &'static HashMap<String, Vec<String>> {
    static INDEX: OnceLock<HashMap<String, Vec<String>>> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut index: HashMap<String, Vec<String>> = HashMap::new();
        let mut files = Vec::new();
        walk(&stdlib.join("std"), "std", &mut files);
        for (dotted, path) in files {
            for (name, _) in exports(&path) {
                index.entry(name).or_default().push(dotted.clone());
            }
        }
        index
    })
}

/// Every module file under `dir`, with its dotted name.
fn walk(dir: &Path, dotted: &str, out: &mut Vec<(String, PathBuf)>) {
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        let Some(name) = p.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if p.is_dir() {
            walk(&p, &format!("{dotted}.{name}"), out);
        } else if p.extension().is_some_and(|x| x == "mj") {
            let d = if name == "__init__" {
                dotted.to_string()
            } else {
                format!("{dotted}.{name}")
            };
            out.push((d, p));
        }
    }
}

/// The modules from which `name` can be imported, best first (at most three): the
/// document's neighbours, then the library's (a package before the module inside it that
/// defines the name), spelled as a Mojo program imports them (`math`, not `std.math`).
pub fn modules_defining(name: &str, root: &Path, stdlib: &Path, this: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for (m, package) in children(root) {
        let path = if package {
            root.join(&m).join("__init__.mj")
        } else {
            root.join(format!("{m}.mj"))
        };
        if path != this && exports(&path).iter().any(|(n, _)| n == name) {
            out.push(m);
        }
    }
    let mut lib: Vec<String> = library_index(stdlib)
        .get(name)
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|d| {
            let bare = d.strip_prefix("std.").unwrap_or(&d);
            if mj_sema::imports::std_alias(bare) {
                bare.to_string()
            } else {
                d
            }
        })
        .collect();
    lib.sort_by_key(|d| (d.matches('.').count(), d.len(), d.clone()));
    lib.dedup();
    out.extend(lib);
    out.truncate(3);
    out
}
