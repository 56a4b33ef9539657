//! `db::check_diags` (what `mj check` and the language server report, found without
//! building the program) gives exactly `db::check`'s diagnostics, in the same order, on
//! every compile-fail program of the tests and on the run programs that use generics.

use std::path::{Path, PathBuf};

use mj_sema::db;
use mj_sema::workspace::{Files, Workspace};

struct Disk;

impl Files for Disk {
    fn read(&self, path: &Path) -> Result<String, String> {
        std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
    }
    fn exists(&self, path: &Path) -> bool {
        path.is_file()
    }
}

fn programs(dir: &Path, keep: &dyn Fn(&str) -> bool) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "mj"))
        .filter(|p| std::fs::read_to_string(p).is_ok_and(|t| keep(&t)))
        .collect();
    out.sort();
    out
}

#[test]
fn check_diags_equals_check() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let target = mj_target::Target::new("x86_64-unknown-linux-gnu", "x86-64-v3", "+avx,+avx2,+fma");
    // (The editor's programs: their free ids are where the two could differ too.)
    let mut ws = Workspace::for_editor(root.join("stdlib"), target);
    let mut all = programs(&root.join("tests/fail"), &|_| true);
    // (Generic functions and structs: the instances are where the two could differ.)
    all.extend(programs(&root.join("tests/run"), &|t| {
        t.contains("def ") && t.contains("[T") && t.len() < 4000
    }));
    assert!(all.len() > 150, "the corpus is there ({})", all.len());
    for p in &all {
        let Ok(program) = ws.program(p, &Disk) else {
            continue;
        };
        let want = &db::check(&ws.db, program).0.diags;
        let got = &db::check_diags(&ws.db, program).diags;
        assert_eq!(got, want, "diagnostics of {}", p.display());
    }
    println!("{} programs", all.len());
}
