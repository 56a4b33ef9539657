//! The salsa database: source files are inputs; parsing and checking are tracked queries.
//!
//! Only one owner holds `&mut` to the database (to set inputs); readers work on clones.
//! The standard library's files are set with high durability, so editing a user file
//! does not revalidate queries over the library.

use std::sync::Arc;

use mj_syntax::Diag;
use mj_syntax::ast::Module;

use crate::check::{CheckResult, ModuleInput, check_program};

/// One source file: its dotted module name, its path (for messages) and its text.
#[salsa::input(debug)]
pub struct SourceFile {
    #[returns(ref)]
    pub module: String,
    #[returns(ref)]
    pub path: String,
    #[returns(ref)]
    pub text: String,
}

/// The set of files making up one program; `files[0]` is the main module.
#[salsa::input(debug)]
pub struct Program {
    #[returns(ref)]
    pub files: Vec<SourceFile>,
}

/// The parse of one file. Equality is by content, so an edit that leaves the tree
/// unchanged (whitespace inside a line, say) does not re-run the checker.
#[derive(Clone, Debug, PartialEq)]
pub struct Parsed {
    pub module: Arc<Module>,
    pub diags: Vec<Diag>,
}

#[salsa::tracked(returns(ref))]
pub fn parse(db: &dyn salsa::Database, file: SourceFile) -> Parsed {
    let (module, diags) = mj_syntax::parse(file.text(db));
    Parsed {
        module: Arc::new(module),
        diags,
    }
}

/// The dotted names of the modules a file imports (for the driver to load them).
#[salsa::tracked(returns(ref))]
pub fn imports(db: &dyn salsa::Database, file: SourceFile) -> Vec<(u32, String)> {
    crate::imports::imports_of(
        &parse(db, file).module,
        file.module(db),
        file.path(db).ends_with("__init__.mj"),
    )
}

#[derive(Clone, Debug, PartialEq)]
pub struct Checked(pub Arc<CheckResult>);

/// Type-checks the whole program.
#[salsa::tracked(returns(ref))]
pub fn check(db: &dyn salsa::Database, program: Program) -> Checked {
    let inputs = program
        .files(db)
        .iter()
        .map(|f| ModuleInput {
            name: f.module(db).clone(),
            path: f.path(db).clone(),
            text: Arc::from(f.text(db).as_str()),
            ast: parse(db, *f).module.clone(),
        })
        .collect();
    Checked(Arc::new(check_program(inputs, 0)))
}

/// All diagnostics of a program, per file: syntax errors first, then semantic ones.
pub fn diagnostics(db: &dyn salsa::Database, program: Program) -> Vec<(SourceFile, Diag)> {
    let files = program.files(db).clone();
    let mut out = Vec::new();
    for f in &files {
        for d in &parse(db, *f).diags {
            out.push((*f, d.clone()));
        }
    }
    for (m, d) in &check(db, program).0.diags {
        let Some(f) = files.get(*m) else { continue };
        // A file with syntax errors was parsed with recovery: its semantic errors would
        // mostly be echoes of the syntax errors, so only the latter are reported.
        if parse(db, *f).diags.iter().any(Diag::is_error) {
            continue;
        }
        out.push((*f, d.clone()));
    }
    out
}

#[salsa::db]
#[derive(Clone, Default)]
pub struct Database {
    storage: salsa::Storage<Self>,
}

#[salsa::db]
impl salsa::Database for Database {}
