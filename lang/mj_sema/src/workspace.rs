//! Module resolution: from an entry file to the program of every module it imports,
//! through the database. Files come in through `Files` (the disk for the CLI; the disk
//! with the editor's unsaved texts over it for the language server), so both find the
//! same modules in the same way, and a `Workspace` kept across edits reuses its inputs:
//! an edit sets one file's text, and salsa re-runs only what depends on it.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use salsa::{Durability, Setter};

use crate::db::{self, Database, Program, SourceFile};

/// Where source files come from.
pub trait Files {
    /// A file's text (a missing or unreadable file is an error naming it).
    fn read(&self, path: &Path) -> Result<String, String>;
    fn exists(&self, path: &Path) -> bool;
}

/// The file of a dotted module name under `root`: `a/b.mj`, else `a/b/__init__.mj`.
pub fn module_file(files: &dyn Files, root: &Path, dotted: &str) -> Option<PathBuf> {
    let rel: PathBuf = dotted.split('.').collect();
    let file = root.join(&rel).with_extension("mj");
    if files.exists(&file) {
        return Some(file);
    }
    let init = root.join(&rel).join("__init__.mj");
    files.exists(&init).then_some(init)
}

/// The database, every source file it has seen (by path and module name), and the
/// programs made from them (by entry file).
pub struct Workspace {
    pub db: Database,
    stdlib: PathBuf,
    target: mj_target::Target,
    sources: HashMap<(PathBuf, String), SourceFile>,
    programs: HashMap<PathBuf, Program>,
    /// Whether its programs keep function and struct ids by name (`Program::stable_ids`).
    stable_ids: bool,
}

impl Workspace {
    pub fn new(stdlib: PathBuf, target: mj_target::Target) -> Workspace {
        Workspace {
            db: Database::default(),
            stdlib,
            target,
            sources: HashMap::new(),
            programs: HashMap::new(),
            stable_ids: false,
        }
    }

    /// A workspace for the editor: its programs keep function and struct ids by name, so
    /// an item inserted before others does not re-check them (they are checked, not
    /// lowered).
    pub fn for_editor(stdlib: PathBuf, target: mj_target::Target) -> Workspace {
        Workspace {
            stable_ids: true,
            ..Workspace::new(stdlib, target)
        }
    }

    pub fn stdlib(&self) -> &Path {
        &self.stdlib
    }

    /// A file's input, made on first use; the text is set when it differs (so salsa sees
    /// an edit only when there is one). The library's files are durable: editing a user
    /// file never revalidates queries over them.
    fn source(&mut self, path: &Path, module: &str, text: String) -> SourceFile {
        let key = (path.to_path_buf(), module.to_string());
        if let Some(f) = self.sources.get(&key).copied() {
            if *f.text(&self.db) != text {
                f.set_text(&mut self.db).to(text);
            }
            return f;
        }
        let durable = path.starts_with(&self.stdlib);
        let f = SourceFile::builder(module.to_string(), path.display().to_string(), text)
            .text_durability(if durable {
                Durability::HIGH
            } else {
                Durability::LOW
            })
            .new(&self.db);
        self.sources.insert(key, f);
        f
    }

    /// The program of `entry` and every module it imports, its files read through
    /// `files`. The main module is named after the entry's file; user modules are found
    /// beside it, the library's (`std`, bare names of built-in modules, and `layout`/`max`
    /// unless the program has its own) under the library's root.
    pub fn program(&mut self, entry: &Path, files: &dyn Files) -> Result<Program, String> {
        let text = files.read(entry)?;
        let dir = |p: Option<&Path>| match p {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let mut root = dir(entry.parent());
        let mut main_name = entry
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("main")
            .to_string();
        // A package's `__init__.mj` is the package's module: named after its folder, found
        // beside it, so that its relative imports (`from .shapes import Rect`) name the
        // package's modules.
        // (The folder as given where it names one, `pkg/__init__.mj`, so that paths in
        // messages stay as the user wrote them; else its full path, `./__init__.mj`.)
        let package = |r: &Path| Some((r.file_name()?.to_str()?.to_string(), dir(r.parent())));
        if main_name == "__init__"
            && let Some((name, parent)) =
                package(&root).or_else(|| package(&root.canonicalize().ok()?))
        {
            main_name = name;
            root = parent;
        }
        let stdlib = self.stdlib.clone();
        let mut list = vec![self.source(entry, &main_name, text)];
        let mut seen: HashSet<String> = HashSet::from([main_name]);
        let mut i = 0;
        while i < list.len() {
            let imports = db::imports(&self.db, list[i]).clone();
            for (_, dotted) in imports {
                if !seen.insert(dotted.clone()) {
                    continue;
                }
                let std_alias = crate::imports::std_alias(&dotted);
                let library = dotted == "std"
                    || dotted.starts_with("std.")
                    || (crate::imports::library_package(&dotted)
                        && module_file(files, &root, &dotted).is_none());
                let (found, dotted) = if library {
                    (module_file(files, &stdlib, &dotted), dotted)
                } else if std_alias && module_file(files, &root, &dotted).is_none() {
                    let std_name = format!("std.{dotted}");
                    if !seen.insert(std_name.clone()) {
                        continue;
                    }
                    (module_file(files, &stdlib, &std_name), std_name)
                } else {
                    (module_file(files, &root, &dotted), dotted)
                };
                let Some(path) = found else { continue };
                let t = files.read(&path)?;
                list.push(self.source(&path, &dotted, t));
            }
            i += 1;
        }
        let program = match self.programs.get(entry).copied() {
            Some(p) => {
                if *p.files(&self.db) != list {
                    p.set_files(&mut self.db).to(list);
                }
                p
            }
            None => {
                let p = Program::new(&self.db, list, self.target.clone(), self.stable_ids);
                self.programs.insert(entry.to_path_buf(), p);
                p
            }
        };
        Ok(program)
    }
}
