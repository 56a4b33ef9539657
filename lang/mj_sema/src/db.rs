//! The salsa database: source files are inputs; parsing and checking are tracked queries.
//!
//! Only one owner holds `&mut` to the database (to set inputs); readers work on clones.
//! The standard library's files are set with high durability, so editing a user file
//! does not revalidate queries over the library.

use std::sync::Arc;

use mj_syntax::Diag;
use mj_syntax::ast::Module;

use crate::check::{
    CheckResult, Items, ModuleInput, assemble, check_body_lazy, check_consts, collect_items,
    strip_bodies,
};
use crate::tir::TFunction;
use crate::ty::Targs;

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

/// The set of files making up one program; `files[0]` is the main module. `target` is
/// what it is checked for: the same files checked for another target are another
/// `Program` (the parses are shared; items and bodies are checked again).
#[salsa::input(debug)]
pub struct Program {
    #[returns(ref)]
    pub files: Vec<SourceFile>,
    #[returns(ref)]
    pub target: mj_target::Target,
}

/// The parse of one file. Equality is by content, so an edit that leaves the tree
/// unchanged (whitespace inside a line, say) does not re-run the checker.
#[derive(Clone, Debug, PartialEq)]
pub struct Parsed {
    pub module: Arc<Module>,
    pub diags: Vec<Diag>,
}

/// A file parsed item by item (`mj_syntax::item_ranges`): each top-level item is a
/// query of its own text and place, so an edit re-parses the item it touches (and, when
/// it changes the text's length, the items after it); the others come from the memo.
#[salsa::tracked(returns(ref))]
pub fn parse(db: &dyn salsa::Database, file: SourceFile) -> Parsed {
    let text = file.text(db);
    let mut body = Vec::new();
    let mut diags = Vec::new();
    for (start, end) in mj_syntax::item_ranges(text) {
        let item = ItemText::new(db, text[start..end].to_string(), start as u32);
        let p = parse_item(db, item);
        body.extend(p.body.iter().cloned());
        diags.extend(p.diags.iter().cloned());
    }
    let (module, diags) = mj_syntax::assemble(body, diags);
    Parsed {
        module: Arc::new(module),
        diags,
    }
}

/// One top-level item's text and where it starts in its file.
#[salsa::interned(debug)]
pub struct ItemText<'db> {
    #[returns(ref)]
    pub text: String,
    pub start: u32,
}

/// The statements and diagnostics of one item (spans are the file's).
#[derive(Clone, Debug, PartialEq)]
pub struct ParsedItem {
    pub body: Vec<mj_syntax::ast::Stmt>,
    pub diags: Vec<Diag>,
}

#[salsa::tracked(returns(ref))]
pub fn parse_item<'db>(db: &'db dyn salsa::Database, item: ItemText<'db>) -> ParsedItem {
    let start = *item.start(db) as usize;
    let padded = "\n".repeat(start) + item.text(db);
    let (body, diags) = mj_syntax::parse_item(&padded, start);
    ParsedItem { body, diags }
}

/// Where each line of a file starts, for turning offsets into line numbers.
#[salsa::tracked(returns(ref))]
pub fn line_index(db: &dyn salsa::Database, file: SourceFile) -> Vec<u32> {
    crate::check::line_starts(file.text(db))
}

/// The dotted names of the modules a file imports (for the driver to load them).
#[salsa::tracked(returns(ref))]
pub fn imports(db: &dyn salsa::Database, file: SourceFile) -> Vec<(u32, String)> {
    let mut v = crate::imports::imports_of(
        &parse(db, file).module,
        file.module(db),
        file.path(db).ends_with("__init__.mj"),
    );
    // `open()` and `FileHandle` are built-ins written in mj: load their module on demand.
    if file.module(db) != crate::imports::PRELUDE_MODULE
        && crate::imports::mentions_prelude(file.text(db))
    {
        v.push((0, crate::imports::PRELUDE_MODULE.to_string()));
    }
    // `Optional` (also the result of `Dict.get(k)`) is loaded the same way, so a program
    // that never uses it does not pay for checking it.
    for pm in crate::PRELUDE_MODULES {
        let wanted = match *pm {
            "std.iter" => crate::imports::mentions_iter(file.text(db)),
            "std.hashlib.hash" => crate::imports::mentions_hashing(file.text(db)),
            // (Library modules import `Dict` by name when they use it.)
            "std.collections.dict" => {
                !file.module(db).starts_with("std.")
                    && crate::imports::mentions_dict(file.text(db), &parse(db, file).module)
            }
            // `Set` is not a prelude name (Mojo imports it from `collections`); the module
            // is loaded for the set literals and comprehensions it backs.
            "std.collections.set" => {
                !file.module(db).starts_with("std.")
                    && crate::imports::has_set_literal(&parse(db, file).module)
            }
            // (A library module's lists are the library's `List` when the program loads
            // it; a program that makes no list does not.)
            "std.collections.list" => {
                !file.module(db).starts_with("std.")
                    && crate::imports::mentions_list(file.text(db), &parse(db, file).module)
            }
            "std.builtin.builtin_slice" => crate::imports::mentions_word(file.text(db), "Slice"),
            // `range` as a value (a `for` over `Int` bounds needs no library code).
            "std.builtin.range" => {
                !file.module(db).starts_with("std.")
                    && crate::imports::mentions_word(file.text(db), "range")
            }
            // (Library modules import it when they call its methods: a library's own
            // `.count()` of another type must not load it for every program.)
            "std.collections.string" => {
                !file.module(db).starts_with("std.")
                    && (crate::imports::mentions_string_methods(file.text(db))
                        || crate::imports::mentions_word(file.text(db), "Codepoint"))
            }
            // `partition(list, k, cmp)` is a built-in name written in mj.
            "std.builtin.sort" => {
                !file.module(db).starts_with("std.")
                    && crate::imports::mentions_call(file.text(db), "partition")
            }
            "std.builtin.bool" => {
                !file.module(db).starts_with("std.")
                    && (crate::imports::mentions_call(file.text(db), "all")
                        || crate::imports::mentions_call(file.text(db), "any"))
            }
            // Printing and comparing arrays (the functions the compiler calls for them).
            "std.collections.inline_array" => {
                !file.module(db).starts_with("std.")
                    && (crate::imports::mentions_word(file.text(db), "InlineArray")
                        || crate::imports::mentions_word(file.text(db), "Array"))
            }
            "std.builtin.simd_methods" => {
                !file.module(db).starts_with("std.")
                    && crate::imports::mentions_simd_methods(file.text(db))
            }
            _ => crate::imports::mentions_optional(file.text(db)),
        };
        if file.module(db) != *pm && wanted {
            v.push((0, pm.to_string()));
        }
    }
    v
}

/// A file's item tree: its parse with every function body removed. It changes only when
/// an item (signature, struct, import, constant) changes or moves.
#[salsa::tracked(returns(ref))]
pub fn item_tree(db: &dyn salsa::Database, file: SourceFile) -> Arc<Module> {
    Arc::new(strip_bodies(&parse(db, file).module))
}

/// Name resolution and signatures for the whole program: scopes, imports, constants,
/// struct fields and function signatures (from item trees only, so editing inside a body
/// does not invalidate it unless an item moved).
#[salsa::tracked(returns(ref))]
pub fn items(db: &dyn salsa::Database, program: Program) -> Arc<Items> {
    let inputs = program
        .files(db)
        .iter()
        .map(|f| ModuleInput {
            name: f.module(db).clone(),
            path: f.path(db).clone(),
            ast: item_tree(db, *f).clone(),
        })
        .collect();
    Arc::new(collect_items(inputs, program.target(db).clone()))
}

/// One function of a program, by its index in the item table.
#[salsa::interned(debug)]
pub struct FnKey<'db> {
    #[returns(copy)]
    pub program: Program,
    #[returns(copy)]
    pub index: u32,
}

/// A function's signature as text (`def m.f(a: Int) raises -> String`).
#[salsa::tracked(returns(ref))]
pub fn signature<'db>(db: &'db dyn salsa::Database, key: FnKey<'db>) -> Option<String> {
    items(db, key.program(db)).signature_text(key.index(db))
}

/// The syntax one function's check reads: its module's statements, with only its own
/// definition in full (a method: its struct with the other methods' bodies stripped) and
/// every other statement a placeholder at the same place. Its value stays equal when
/// another function's body changes, so salsa does not re-check this one: a body query
/// that depends on its own function's syntax, not on the whole file's.
#[salsa::tracked(returns(ref))]
pub fn fn_syntax<'db>(db: &'db dyn salsa::Database, key: FnKey<'db>) -> Arc<Module> {
    let program = key.program(db);
    let its = items(db, program);
    let Some((m, loc)) = its.function_location(key.index(db)) else {
        return Arc::new(Module {
            docstring: None,
            body: Vec::new(),
        });
    };
    let file = program.files(db)[m];
    let full = &parse(db, file).module;
    let Some((stmt, method)) = loc else {
        return item_tree(db, file).clone();
    };
    let tree = item_tree(db, file);
    let body = tree
        .body
        .iter()
        .enumerate()
        .map(|(i, s)| {
            if i != stmt {
                return placeholder(s);
            }
            match (method, &s.kind, full.body.get(i).map(|f| &f.kind)) {
                (None, _, Some(_)) => full.body[i].clone(),
                (
                    Some(j),
                    mj_syntax::ast::StmtKind::Struct(sd),
                    Some(mj_syntax::ast::StmtKind::Struct(fd)),
                ) => {
                    let mut sd = sd.clone();
                    if let (Some(dst), Some(src)) = (sd.body.get_mut(j), fd.body.get(j)) {
                        *dst = src.clone();
                    }
                    mj_syntax::ast::Stmt {
                        kind: mj_syntax::ast::StmtKind::Struct(sd),
                        span: s.span,
                    }
                }
                _ => s.clone(),
            }
        })
        .collect();
    Arc::new(Module {
        docstring: tree.docstring.clone(),
        body,
    })
}

/// A statement that holds the place of another function's definition (or of any other
/// item) in `fn_syntax`: imports stay (a body may read them), the rest is `pass`.
fn placeholder(s: &mj_syntax::ast::Stmt) -> mj_syntax::ast::Stmt {
    use mj_syntax::ast::StmtKind;
    match &s.kind {
        StmtKind::Import { .. } | StmtKind::FromImport { .. } => s.clone(),
        _ => mj_syntax::ast::Stmt {
            kind: StmtKind::Pass,
            span: s.span,
        },
    }
}

/// The typed body of one function and its diagnostics (by module index). It depends on the
/// program's items and on its own file only.
#[derive(Clone, Debug, PartialEq)]
pub struct Inferred {
    pub function: Arc<TFunction>,
    pub diags: Vec<(usize, Diag)>,
}

#[salsa::tracked(returns(ref))]
pub fn infer<'db>(db: &'db dyn salsa::Database, key: FnKey<'db>) -> Inferred {
    let program = key.program(db);
    let its = items(db, program);
    let index = key.index(db);
    let module = its.function_location(index).map(|(m, _)| m).unwrap_or(0);
    let file = program.files(db)[module];
    let files = program.files(db);
    let (function, diags) = check_body_lazy(
        its,
        index,
        &[],
        fn_syntax(db, key).clone(),
        line_index(db, file),
        &mut |m| parse(db, files[m]).module.clone(),
    );
    Inferred {
        function: Arc::new(function),
        diags,
    }
}

/// One instance of a generic function: the template and its compile-time arguments.
#[salsa::interned(debug)]
pub struct InstKey<'db> {
    #[returns(copy)]
    pub program: Program,
    #[returns(copy)]
    pub index: u32,
    #[returns(ref)]
    pub targs: Targs,
}

/// The typed body of one instance of a generic function (cached per instance).
#[salsa::tracked(returns(ref))]
pub fn infer_instance<'db>(db: &'db dyn salsa::Database, key: InstKey<'db>) -> Inferred {
    let program = key.program(db);
    let its = items(db, program);
    let index = key.index(db);
    let module = its.function_location(index).map(|(m, _)| m).unwrap_or(0);
    let file = program.files(db)[module];
    let files = program.files(db);
    let (function, diags) = check_body_lazy(
        its,
        index,
        key.targs(db),
        parse(db, file).module.clone(),
        line_index(db, file),
        &mut |m| parse(db, files[m]).module.clone(),
    );
    Inferred {
        function: Arc::new(function),
        diags,
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Checked(pub Arc<CheckResult>);

/// Type-checks the whole program: the items, then every body through `infer`.
#[salsa::tracked(returns(ref))]
pub fn check(db: &dyn salsa::Database, program: Program) -> Checked {
    let its = items(db, program);
    let mut diags = its.diags().to_vec();
    // Constants computed by calls that no body uses still report their errors.
    let files = program.files(db);
    diags.extend(check_consts(its, &mut |m| {
        parse(db, files[m]).module.clone()
    }));
    let mut functions = Vec::with_capacity(its.function_count());
    for i in 0..its.function_count() as u32 {
        let inferred = infer(db, FnKey::new(db, program, i));
        functions.push((*inferred.function).clone());
        diags.extend(inferred.diags.iter().cloned());
    }
    let mut instance = |index: u32, targs: &Targs| {
        let inferred = infer_instance(db, InstKey::new(db, program, index, targs.clone()));
        ((*inferred.function).clone(), inferred.diags.clone())
    };
    let (tp, entry_diags) = assemble(its, functions, 0, &mut instance);
    diags.extend(entry_diags);
    crate::check::dedup_diags(&mut diags);
    Checked(Arc::new(CheckResult { program: tp, diags }))
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
    // In a file with syntax errors, the items that hold them were parsed with recovery:
    // their semantic errors would mostly be echoes, so only the syntax errors are
    // reported there. The file's other items are whole, and their type errors count.
    let broken: Vec<Vec<(usize, usize)>> = files
        .iter()
        .map(|f| {
            let errs: Vec<u32> = parse(db, *f)
                .diags
                .iter()
                .filter(|d| d.is_error())
                .map(|d| d.span.start)
                .collect();
            if errs.is_empty() {
                return Vec::new();
            }
            mj_syntax::item_ranges(f.text(db))
                .into_iter()
                .filter(|(a, b)| errs.iter().any(|&e| (*a..=*b).contains(&(e as usize))))
                .collect()
        })
        .collect();
    for (m, d) in &check(db, program).0.diags {
        let Some(f) = files.get(*m) else { continue };
        let at = d.span.start as usize;
        if broken[*m].iter().any(|(a, b)| (*a..=*b).contains(&at)) {
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
