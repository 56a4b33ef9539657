//! Loading a program from disk: the entry file and every module it imports, found by
//! `mj_sema::workspace` (shared with the language server) through `Disk` (the frontend
//! itself never touches the file system).

use std::path::{Path, PathBuf};

use mj_sema::db::{Database, Program};
use mj_sema::workspace::{Files, Workspace};

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

/// The disk, as the loader's source of files.
pub struct Disk;

impl Files for Disk {
    fn read(&self, path: &Path) -> Result<String, String> {
        read_source(path)
    }

    fn exists(&self, path: &Path) -> bool {
        path.is_file()
    }
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
    let mut ws = Workspace::new(stdlib_root(), target.clone());
    let program = ws.program(entry, &Disk)?;
    let files = program
        .files(&ws.db)
        .iter()
        .map(|f| (f.path(&ws.db).clone(), f.text(&ws.db).clone()))
        .collect();
    Ok(Loaded {
        db: ws.db,
        program,
        files,
        target,
    })
}
