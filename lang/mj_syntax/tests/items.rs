//! Parsing item by item (what the database does, so that an edit re-parses one item)
//! gives the same tree and diagnostics as parsing the whole file, on every `.mj` file of
//! the tests and the library, and on those files cut short at several places.

use std::path::{Path, PathBuf};

use mj_syntax::{dump, dump_diags};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "mj") {
            out.push(p);
        }
    }
}

#[test]
fn by_items_equals_whole() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut all = Vec::new();
    files(&root.join("tests"), &mut all);
    files(&root.join("stdlib"), &mut all);
    assert!(all.len() > 500, "the corpus is there ({} files)", all.len());
    let mut checked = 0;
    for p in &all {
        let Ok(text) = std::fs::read_to_string(p) else {
            continue;
        };
        // The file, and the file cut at a few places (unfinished code, as in an editor).
        let mut variants = vec![text.clone()];
        for frac in [3, 2] {
            let mut cut = text.len() / frac;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            variants.push(text[..cut].to_string());
        }
        for v in variants {
            let (m1, d1) = mj_syntax::parse(&v);
            let (m2, d2) = mj_syntax::parse_by_items(&v);
            assert_eq!(dump(&m2), dump(&m1), "tree of {}", p.display());
            assert_eq!(
                dump_diags(&v, &d2),
                dump_diags(&v, &d1),
                "diagnostics of {}",
                p.display()
            );
            assert_eq!(m2, m1, "spans of {}", p.display());
            checked += 1;
        }
    }
    println!("{checked} texts parsed both ways");
}
