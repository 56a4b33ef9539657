//! Edits that change items (a function removed, two items swapped, a signature's type
//! changed, a function renamed, a new function added, one named after a name in use) leave the database's answers equal
//! to a fresh database's. A body depends on the parts of the items it read
//! (`check::tables`, `db::items_part`), not on all of them: a part its check reads and
//! the tables do not note would make an edited program keep a stale answer, and this test
//! finds it.
//!
//! Each corpus program (tests/run, tests/fail) goes through a few edits in one database
//! kept across them; after each, `check_diags` and the checked program are compared with a
//! fresh database's. Both are the editor's (function and struct ids kept by name, `check::stable_ids`),
//! and the diagnostics are also compared with those of `mj check`'s database (ids in
//! order): the same, in the same order. By default every 6th program is taken; `MJ_ITEM_EDITS=all` takes
//! them all.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use mj_sema::db;
use mj_sema::workspace::{Files, Workspace};

/// The disk, with the edited file's text over it.
struct Overlay(Mutex<HashMap<PathBuf, String>>);

impl Files for Overlay {
    fn read(&self, path: &Path) -> Result<String, String> {
        if let Some(t) = self.0.lock().expect("overlay").get(path) {
            return Ok(t.clone());
        }
        std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
    }
    fn exists(&self, path: &Path) -> bool {
        self.0.lock().expect("overlay").contains_key(path) || path.is_file()
    }
}

fn target() -> mj_target::Target {
    mj_target::Target::new("x86_64-unknown-linux-gnu", "x86-64-v3", "+avx,+avx2,+fma")
}

/// A small deterministic generator (xorshift).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

/// One edit of the items of `text`.
fn edit(text: &str, rng: &mut Rng) -> String {
    let items = mj_syntax::item_ranges(text);
    if items.is_empty() {
        return format!("{text}\ndef added(x: Int) -> Int:\n    return x\n");
    }
    let (a, b) = items[rng.below(items.len())];
    let item = &text[a..b];
    let header_end = item.find('\n').map_or(b, |i| a + i);
    let header = &text[a..header_end];
    let with = |new: &str, lo: usize, hi: usize| format!("{}{new}{}", &text[..lo], &text[hi..]);
    match rng.below(8) {
        // A function named after a name the program calls, at the end: what the name
        // means changes in the bodies that use it, though they read no changed row.
        6 | 7 => {
            let called: Vec<&str> = text
                .split(|c: char| !c.is_alphanumeric() && c != '_' && c != '(')
                .filter_map(|w| w.strip_suffix('('))
                .filter(|w| {
                    w.chars()
                        .next()
                        .is_some_and(|c| c.is_alphabetic() || c == '_')
                })
                .filter(|w| !w.contains('('))
                .collect();
            let name = called
                .get(rng.below(called.len()))
                .copied()
                .unwrap_or("added");
            format!(
                "{text}

def {name}(x: Int) -> Int:
    return x
"
            )
        }
        // Remove the item.
        0 => with("", a, b),
        // Swap it with the next one.
        1 => match items
            .iter()
            .position(|r| r.0 == a)
            .and_then(|k| items.get(k + 1))
        {
            Some(&(c, d)) => {
                format!(
                    "{}{}{}{}",
                    &text[..a],
                    &text[c..d],
                    &text[b..c],
                    &text[a..b]
                ) + &text[d..]
            }
            None => with("", a, b),
        },
        // A type in its header changes.
        2 if header.contains("Int") => with(&header.replacen("Int", "Float64", 1), a, header_end),
        2 | 3 if header.starts_with("def ") || header.starts_with("fn ") => {
            // The function is renamed.
            let name_end = header.find('(').unwrap_or(header.len());
            let renamed = format!("{}_renamed{}", &header[..name_end], &header[name_end..]);
            with(&renamed, a, header_end)
        }
        // A function is added before it.
        4 => with("def added(x: Int) -> Int:\n    return x\n\n", a, a),
        // A copy of the item (a second definition of its names).
        _ => with(&format!("{item}\n"), b, b),
    }
}

fn answers(ws: &mut Workspace, path: &Path, files: &Overlay) -> Result<(String, String), String> {
    let p = ws.program(path, files)?;
    let diags = format!(
        "{:?}",
        db::diagnostics(&ws.db, p)
            .iter()
            .map(|(f, d)| (f.path(&ws.db).clone(), d.clone()))
            .collect::<Vec<_>>()
    );
    let checked = db::check(&ws.db, p);
    Ok((diags, format!("{:?}", checked.0.program)))
}

#[test]
fn item_edits_match_a_fresh_database() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let all = std::env::var("MJ_ITEM_EDITS").is_ok_and(|v| v == "all");
    let mut programs: Vec<PathBuf> = ["tests/run", "tests/fail"]
        .iter()
        .flat_map(|d| {
            std::fs::read_dir(root.join(d))
                .into_iter()
                .flatten()
                .flatten()
        })
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "mj"))
        .collect();
    programs.sort();
    let step = if all { 1 } else { 6 };
    let mut compared = 0;
    for (k, path) in programs.iter().enumerate().filter(|(k, _)| k % step == 0) {
        let Ok(original) = std::fs::read_to_string(path) else {
            continue;
        };
        let files = Overlay(Mutex::new(HashMap::new()));
        let mut ws = Workspace::for_editor(root.join("stdlib"), target());
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ (k as u64 + 1));
        let mut text = original.clone();
        if answers(&mut ws, path, &files).is_err() {
            continue;
        }
        for step in 0..4 {
            text = if step == 3 {
                original.clone()
            } else {
                edit(&text, &mut rng)
            };
            files
                .0
                .lock()
                .expect("overlay")
                .insert(path.clone(), text.clone());
            let got = answers(&mut ws, path, &files);
            let mut fresh = Workspace::for_editor(root.join("stdlib"), target());
            let want = answers(&mut fresh, path, &files);
            assert!(
                got == want,
                "{}: after edit {step}, the database kept across edits answers differently from a fresh one.\n--- text:\n{text}\n--- kept:\n{got:?}\n--- fresh:\n{want:?}",
                path.display()
            );
            // The editor's diagnostics are `mj check`'s (ids in order), in the same order.
            let mut dense = Workspace::new(root.join("stdlib"), target());
            let cli = answers(&mut dense, path, &files);
            assert!(
                got.as_ref().map(|g| &g.0) == cli.as_ref().map(|c| &c.0),
                "{}: after edit {step}, the editor's diagnostics differ from mj check's.\n--- text:\n{text}\n--- editor:\n{got:?}\n--- mj check:\n{cli:?}",
                path.display()
            );
            compared += 1;
        }
    }
    assert!(compared > 50, "only {compared} edits compared");
}
