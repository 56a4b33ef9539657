//! Loading a program: the entry file and every module it imports, found on disk and fed
//! into the salsa database (the frontend itself never touches the file system).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use mj_sema::db::{self, Database, Program, SourceFile};
use salsa::Durability;

pub struct Loaded {
    pub db: Database,
    pub program: Program,
    /// (path, text) of every file, in the order of `program.files`.
    pub files: Vec<(String, String)>,
    /// What the program is checked and compiled for (the host).
    pub target: mj_target::Target,
}

/// The standard library's root: `$MJ_STDLIB`, or `stdlib/` of the source tree this
/// binary was built from.
pub fn stdlib_root() -> PathBuf {
    if let Ok(p) = std::env::var("MJ_STDLIB") {
        return PathBuf::from(p);
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../stdlib")
}

fn module_file(root: &Path, dotted: &str) -> Option<PathBuf> {
    let rel: PathBuf = dotted.split('.').collect();
    let file = root.join(&rel).with_extension("mj");
    if file.is_file() {
        return Some(file);
    }
    let init = root.join(&rel).join("__init__.mj");
    init.is_file().then_some(init)
}

/// Reads a source file: a regular file (reading a FIFO or a device could block forever)
/// of UTF-8 text, whose byte-order mark, if any, is dropped.
pub fn read_source(path: &Path) -> Result<String, String> {
    let shown = path.display();
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read `{shown}`: {e}"))?;
    if !meta.is_file() {
        return Err(format!("cannot read `{shown}`: not a regular file"));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read `{shown}`: {e}"))?;
    let mut text = String::from_utf8(bytes).map_err(|e| {
        let bytes = e.as_bytes();
        let at = e.utf8_error().valid_up_to();
        let before = &bytes[..at];
        let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        // (The prefix is valid UTF-8: the column counts its characters.)
        let col = 1 + String::from_utf8_lossy(&before[line_start..])
            .chars()
            .count();
        format!(
            "{shown}:{line}:{col}: invalid UTF-8 (byte 0x{:02x}); source files must be UTF-8 text",
            bytes[at]
        )
    })?;
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
    Ok(text)
}

pub fn load(entry: &Path) -> Result<Loaded, String> {
    load_for(entry, mj_codegen::host_target())
}

/// Loads a program to be checked for `target` (the host, or a GPU for device code).
pub fn load_for(entry: &Path, target: mj_target::Target) -> Result<Loaded, String> {
    let text = read_source(entry)?;
    let root = entry.parent().map(Path::to_path_buf).unwrap_or_default();
    let root = if root.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        root
    };
    let stdlib = stdlib_root();
    let db = Database::default();
    let main_name = entry
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("main")
        .to_string();
    let mut files = vec![SourceFile::new(
        &db,
        main_name.clone(),
        entry.display().to_string(),
        text.clone(),
    )];
    let mut texts = vec![(entry.display().to_string(), text)];
    let mut seen: HashMap<String, ()> = HashMap::from([(main_name, ())]);
    let mut i = 0;
    while i < files.len() {
        let imports = db::imports(&db, files[i]).clone();
        for (_, dotted) in imports {
            if seen.contains_key(&dotted) {
                continue;
            }
            seen.insert(dotted.clone(), ());
            // Bare names of built-in modules (`import math`) mean the library's `std.math`.
            let std_alias = mj_sema::imports::std_alias(&dotted);
            // The library's packages: `std`, and `layout`/`max` unless the program has its own.
            let library = dotted == "std"
                || dotted.starts_with("std.")
                || (mj_sema::imports::library_package(&dotted)
                    && module_file(&root, &dotted).is_none());
            let (found, durable, dotted) = if library {
                (module_file(&stdlib, &dotted), true, dotted)
            } else if std_alias && module_file(&root, &dotted).is_none() {
                let std_name = format!("std.{dotted}");
                if seen.contains_key(&std_name) {
                    continue;
                }
                seen.insert(std_name.clone(), ());
                (module_file(&stdlib, &std_name), true, std_name)
            } else {
                (module_file(&root, &dotted), false, dotted)
            };
            let Some(path) = found else { continue };
            let t = read_source(&path)?;
            let f = SourceFile::builder(dotted, path.display().to_string(), t.clone())
                .text_durability(if durable {
                    Durability::HIGH
                } else {
                    Durability::LOW
                })
                .new(&db);
            files.push(f);
            texts.push((path.display().to_string(), t));
        }
        i += 1;
    }
    let program = Program::new(&db, files, target.clone());
    Ok(Loaded {
        db,
        program,
        files: texts,
        target,
    })
}
