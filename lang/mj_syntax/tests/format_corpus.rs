//! The formatter over every `.mj` file of the repository (`tests/` and `stdlib/`) that
//! parses without errors: it must accept the file, give the same tree (the AST dump, which
//! has no spans), keep every comment, and be idempotent.

use std::path::{Path, PathBuf};

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "mj") {
            out.push(p);
        }
    }
}

#[test]
fn corpus_formats_to_the_same_tree_idempotently() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut paths = Vec::new();
    collect(&root.join("tests"), &mut paths);
    collect(&root.join("stdlib"), &mut paths);
    let mut checked = 0;
    let mut changed = 0;
    let mut failures = Vec::new();
    for path in &paths {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let (module, diags) = mj_syntax::parse(&text);
        if diags.iter().any(|d| d.is_error()) {
            continue;
        }
        checked += 1;
        let name = path
            .strip_prefix(&root)
            .unwrap_or(path)
            .display()
            .to_string();
        let once = match mj_syntax::format(&text) {
            Ok(t) => t,
            Err(d) => {
                failures.push(format!(
                    "{name}: refused:\n{}",
                    mj_syntax::dump_diags(&text, &d)
                ));
                continue;
            }
        };
        if once != text {
            changed += 1;
        }
        match mj_syntax::format(&once) {
            Ok(twice) if twice == once => {}
            Ok(twice) => failures.push(format!(
                "{name}: not idempotent:\n--- once ---\n{once}\n--- twice ---\n{twice}"
            )),
            Err(d) => failures.push(format!(
                "{name}: its formatted text is refused:\n{}",
                mj_syntax::dump_diags(&once, &d)
            )),
        }
        let (after, after_diags) = mj_syntax::parse(&once);
        if after_diags.iter().any(|d| d.is_error()) {
            failures.push(format!("{name}: the formatted text has syntax errors"));
        }
        if mj_syntax::dump(&after) != mj_syntax::dump(&module) {
            failures.push(format!("{name}: the tree changed"));
        }
        if mj_syntax::comments(&once) != mj_syntax::comments(&text) {
            failures.push(format!("{name}: comments changed"));
        }
    }
    println!(
        "format corpus: {checked} files checked ({changed} changed by formatting), {} failures",
        failures.len()
    );
    assert!(
        checked >= 400,
        "expected at least 400 parsable .mj files, found {checked}"
    );
    assert!(
        failures.is_empty(),
        "{} of {checked} files fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
