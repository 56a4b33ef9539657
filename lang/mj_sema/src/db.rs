//! The salsa database: source files are inputs; parsing and checking are tracked queries.
//!
//! Only one owner holds `&mut` to the database (to set inputs); readers work on clones.
//! The standard library's files are set with high durability, so editing a user file
//! does not revalidate queries over the library.

use std::sync::Arc;

use mj_syntax::Diag;
use mj_syntax::ast::{Module, Stmt, StmtKind};

use crate::check::{
    CheckResult, Items, ModuleInput, assemble, assemble_diags, check_body_lazy, check_consts,
    collect_items, strip_stmt,
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

/// A file's top-level items (`mj_syntax::item_ranges`), each a query of its own text and
/// place, so that an edit re-parses the item it touches (and, when it changes the text's
/// length, the items after it); the others come from the memo. The split is trusted only
/// when every item's tokens and layout are clean: otherwise the file is one item.
#[salsa::tracked(returns(ref))]
pub fn file_items<'db>(db: &'db dyn salsa::Database, file: SourceFile) -> Vec<ItemText<'db>> {
    let text = file.text(db);
    let items: Vec<ItemText<'db>> = mj_syntax::item_ranges(text)
        .into_iter()
        .map(|(start, end)| ItemText::new(db, text[start..end].to_string(), start as u32))
        .collect();
    if items.len() > 1 && items.iter().any(|it| !parse_item(db, *it).clean) {
        return vec![ItemText::new(db, text.clone(), 0)];
    }
    items
}

/// The whole parse of a file, assembled from its items (for the readers that walk the
/// whole tree; the checker's queries read the items).
#[salsa::tracked(returns(ref))]
pub fn parse(db: &dyn salsa::Database, file: SourceFile) -> Parsed {
    let mut body = Vec::new();
    let mut diags = Vec::new();
    for item in file_items(db, file) {
        let p = parse_item(db, *item);
        body.extend(p.body.iter().map(|s| (**s).clone()));
        diags.extend(p.diags.iter().cloned());
    }
    let (module, diags) = mj_syntax::assemble(body, diags);
    Parsed {
        module: Arc::new(module),
        diags,
    }
}

/// A file's syntax diagnostics, as `parse` orders them, without assembling its tree.
#[salsa::tracked(returns(ref))]
pub fn syntax_diags(db: &dyn salsa::Database, file: SourceFile) -> Vec<Diag> {
    let diags = file_items(db, file)
        .iter()
        .flat_map(|item| parse_item(db, *item).diags.iter().cloned())
        .collect();
    mj_syntax::assemble(Vec::new(), diags).1
}

/// One top-level item's text and where it starts in its file.
#[salsa::interned(debug)]
pub struct ItemText<'db> {
    #[returns(ref)]
    pub text: String,
    pub start: u32,
}

/// The statements and diagnostics of one item (spans are the file's), and whether its
/// tokens and layout were clean.
#[derive(Clone, Debug, PartialEq)]
pub struct ParsedItem {
    /// (Shared, so that a function's `fn_syntax` is its statement without a copy.)
    pub body: Vec<Arc<Stmt>>,
    pub diags: Vec<Diag>,
    pub clean: bool,
}

#[salsa::tracked(returns(ref))]
pub fn parse_item<'db>(db: &'db dyn salsa::Database, item: ItemText<'db>) -> ParsedItem {
    let start = *item.start(db) as usize;
    let padded = "\n".repeat(start) + item.text(db);
    let (body, diags, clean) = mj_syntax::parse_item(&padded, start);
    ParsedItem {
        body: body.into_iter().map(Arc::new).collect(),
        diags,
        clean,
    }
}

/// Where each line of a file starts, for turning offsets into line numbers.
#[salsa::tracked(returns(ref))]
pub fn line_index(db: &dyn salsa::Database, file: SourceFile) -> Vec<u32> {
    crate::check::line_starts(file.text(db))
}

/// What the import discovery reads of one item: its import statements (top-level, and
/// inside its functions) and which prelude modules its text may use.
#[derive(Clone, Debug, PartialEq)]
pub struct ItemFacts {
    pub top_imports: Vec<mj_syntax::ast::Stmt>,
    pub inner_imports: Vec<mj_syntax::ast::Stmt>,
    /// Whether the item mentions a prelude name, then one flag per `PRELUDE_MODULES` entry.
    pub mentions: Vec<bool>,
}

#[salsa::tracked(returns(ref))]
pub fn item_facts<'db>(db: &'db dyn salsa::Database, item: ItemText<'db>) -> ItemFacts {
    use crate::imports as im;
    use mj_syntax::ast::StmtKind;
    let text = item.text(db);
    let module = Module {
        docstring: None,
        body: parse_item(db, item)
            .body
            .iter()
            .map(|s| (**s).clone())
            .collect(),
    };
    let body = &module.body;
    let mut mentions = vec![im::mentions_prelude(text)];
    for pm in crate::PRELUDE_MODULES {
        mentions.push(match *pm {
            "std.iter" => im::mentions_iter(text),
            "std.hashlib.hash" => im::mentions_hashing(text),
            "std.collections.dict" => im::mentions_dict(text, &module),
            // `Set` is not a prelude name (Mojo imports it from `collections`); the module
            // is loaded for the set literals and comprehensions it backs.
            "std.collections.set" => im::has_set_literal(&module),
            "std.collections.list" => im::mentions_list(text, &module),
            "std.builtin.builtin_slice" => im::mentions_word(text, "Slice"),
            // `range` as a value (a `for` over `Int` bounds needs no library code).
            "std.builtin.range" => im::mentions_word(text, "range"),
            "std.collections.string" => {
                im::mentions_string_methods(text) || im::mentions_word(text, "Codepoint")
            }
            // `partition(list, k, cmp)` is a built-in name written in mj.
            "std.builtin.sort" => im::mentions_call(text, "partition"),
            "std.builtin.bool" => im::mentions_call(text, "all") || im::mentions_call(text, "any"),
            // Printing and comparing arrays (the functions the compiler calls for them).
            "std.collections.inline_array" => {
                im::mentions_word(text, "InlineArray") || im::mentions_word(text, "Array")
            }
            "std.builtin.simd_methods" => im::mentions_simd_methods(text),
            _ => im::mentions_optional(text),
        });
    }
    ItemFacts {
        top_imports: body
            .iter()
            .filter(|s| {
                matches!(
                    s.kind,
                    StmtKind::Import { .. } | StmtKind::FromImport { .. }
                )
            })
            .cloned()
            .collect(),
        inner_imports: mj_syntax::visit::body_imports(body),
        mentions,
    }
}

/// The dotted names of the modules a file imports (for the driver to load them), from
/// its items' facts: an edit inside one item reads that item's text again, not the file's.
#[salsa::tracked(returns(ref))]
pub fn imports(db: &dyn salsa::Database, file: SourceFile) -> Vec<(u32, String)> {
    let facts: Vec<&ItemFacts> = file_items(db, file)
        .iter()
        .map(|item| item_facts(db, *item))
        .collect();
    let top: Vec<_> = facts
        .iter()
        .flat_map(|f| f.top_imports.iter().cloned())
        .collect();
    let inner: Vec<_> = facts
        .iter()
        .flat_map(|f| f.inner_imports.iter().cloned())
        .collect();
    let this = file.module(db);
    let mut v =
        crate::imports::imports_in(&top, &inner, this, file.path(db).ends_with("__init__.mj"));
    let mentions = |k: usize| facts.iter().any(|f| f.mentions[k]);
    // `open()` and `FileHandle` are built-ins written in mj: load their module on demand.
    if this != crate::imports::PRELUDE_MODULE && mentions(0) {
        v.push((0, crate::imports::PRELUDE_MODULE.to_string()));
    }
    // `Optional` (also the result of `Dict.get(k)`) and the other prelude modules are
    // loaded the same way, so a program that never uses one does not pay for checking it.
    for (k, pm) in crate::PRELUDE_MODULES.iter().enumerate() {
        // Library modules import most of them by name when they use them (a library's own
        // `.count()` of another type must not load `String`'s methods for every program).
        let also_in_library = matches!(
            *pm,
            "std.collections.optional"
                | "std.iter"
                | "std.hashlib.hash"
                | "std.builtin.builtin_slice"
        );
        let wanted = (also_in_library || !this.starts_with("std.")) && mentions(k + 1);
        if this != pm && wanted {
            v.push((0, pm.to_string()));
        }
    }
    v
}

/// A file's item tree: its parse with every function body removed. It changes only when
/// an item (signature, struct, import, constant) changes or moves.
#[salsa::tracked(returns(ref))]
pub fn item_tree(db: &dyn salsa::Database, file: SourceFile) -> Arc<Module> {
    let items = file_items(db, file);
    let mut body: Vec<mj_syntax::ast::Stmt> = items
        .iter()
        .flat_map(|item| item_stubs(db, *item).iter().cloned())
        .collect();
    let (module, _) = mj_syntax::assemble(std::mem::take(&mut body), Vec::new());
    let mut module = module;
    // An import inside a function binds its names module-wide (`check::strip_bodies`).
    for item in items {
        module
            .body
            .extend(item_facts(db, *item).inner_imports.iter().cloned());
    }
    Arc::new(module)
}

/// One item's statements with their function bodies removed.
#[salsa::tracked(returns(ref))]
pub fn item_stubs<'db>(
    db: &'db dyn salsa::Database,
    item: ItemText<'db>,
) -> Vec<mj_syntax::ast::Stmt> {
    parse_item(db, item)
        .body
        .iter()
        .map(|s| strip_stmt(s))
        .collect()
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

/// The syntax one function's check reads: the statement that defines it, in full (a
/// method: its struct with the other methods' bodies stripped). Its value stays equal when
/// another function's body changes, so salsa does not re-check this one: a body query
/// that depends on its own function's syntax, not on the whole file's.
#[salsa::tracked(returns(ref))]
pub fn fn_syntax<'db>(db: &'db dyn salsa::Database, key: FnKey<'db>) -> Option<Arc<Stmt>> {
    let program = key.program(db);
    let its = items(db, program);
    let (m, Some((stmt, method))) = its.function_location(key.index(db))? else {
        return None;
    };
    let file = program.files(db)[m];
    let (item, j) = (*stmt_at(db, StmtSlot::new(db, file, stmt as u32)))?;
    let full = parse_item(db, item).body.get(j as usize)?;
    let stub = item_tree(db, file).body.get(stmt)?;
    Some(Arc::new(match (method, &stub.kind, &full.kind) {
        (Some(k), StmtKind::Struct(sd), StmtKind::Struct(fd)) => {
            let mut sd = sd.clone();
            if let (Some(dst), Some(src)) = (sd.body.get_mut(k), fd.body.get(k)) {
                *dst = src.clone();
            }
            Stmt {
                kind: StmtKind::Struct(sd),
                span: stub.span,
            }
        }
        _ => return Some(full.clone()),
    }))
}

/// Statement `index` of a file's module (the item tree's numbering).
#[salsa::interned(debug)]
pub struct StmtSlot<'db> {
    #[returns(copy)]
    pub file: SourceFile,
    #[returns(copy)]
    pub index: u32,
}

/// Where a top-level statement comes from: its item and its place in the item's parse.
/// Every slot is asked again after an edit, but its answer stays equal unless the
/// statement's own item changed, so the function that reads it is not re-run.
#[salsa::tracked]
pub fn stmt_at<'db>(
    db: &'db dyn salsa::Database,
    slot: StmtSlot<'db>,
) -> Option<(ItemText<'db>, u32)> {
    stmt_table(db, slot.file(db))
        .get(slot.index(db) as usize)
        .copied()
}

/// The item and place of each top-level statement of a file, in the module's order (the
/// docstring taken out).
#[salsa::tracked(returns(ref))]
pub fn stmt_table<'db>(
    db: &'db dyn salsa::Database,
    file: SourceFile,
) -> Vec<(ItemText<'db>, u32)> {
    let mut table: Vec<(ItemText<'db>, u32)> = file_items(db, file)
        .iter()
        .flat_map(|item| (0..parse_item(db, *item).body.len() as u32).map(|j| (*item, j)))
        .collect();
    if item_tree(db, file).docstring.is_some() && !table.is_empty() {
        table.remove(0);
    }
    table
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
        fn_syntax(db, key).as_deref(),
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
        crate::check::own_stmt(its, index, &parse(db, file).module),
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

/// Type-checks the whole program: the items, then every body through `infer`, then the
/// instances of generic functions; the checked program is what the back end lowers.
#[salsa::tracked(returns(ref))]
pub fn check(db: &dyn salsa::Database, program: Program) -> Checked {
    let its = items(db, program);
    let (mut diags, functions) = bodies(db, program);
    let functions = functions.iter().map(|f| (**f).clone()).collect();
    let (tp, entry_diags) = assemble(its, functions, 0, &mut |index, targs| {
        let inferred = infer_instance(db, InstKey::new(db, program, index, targs.clone()));
        ((*inferred.function).clone(), inferred.diags.clone())
    });
    diags.extend(entry_diags);
    crate::check::dedup_diags(&mut diags);
    Checked(Arc::new(CheckResult { program: tp, diags }))
}

/// What `check` reports, without building the program (`check::assemble_diags`): after an
/// edit, the bodies and instances come from the memo and nothing is copied.
#[salsa::tracked(returns(ref))]
pub fn check_diags(db: &dyn salsa::Database, program: Program) -> Vec<(usize, Diag)> {
    let its = items(db, program);
    let (mut diags, functions) = bodies(db, program);
    diags.extend(assemble_diags(its, functions, 0, &mut |index, targs| {
        let inferred = infer_instance(db, InstKey::new(db, program, index, targs.clone()));
        (inferred.function.clone(), inferred.diags.clone())
    }));
    crate::check::dedup_diags(&mut diags);
    diags
}

/// The diagnostics of the items, the constants and every body, and the checked bodies.
fn bodies(db: &dyn salsa::Database, program: Program) -> (Vec<(usize, Diag)>, Vec<Arc<TFunction>>) {
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
        functions.push(inferred.function.clone());
        diags.extend(inferred.diags.iter().cloned());
    }
    (diags, functions)
}

/// All diagnostics of a program, per file: syntax errors first, then semantic ones.
pub fn diagnostics(db: &dyn salsa::Database, program: Program) -> Vec<(SourceFile, Diag)> {
    let files = program.files(db).clone();
    let mut out = Vec::new();
    for f in &files {
        for d in syntax_diags(db, *f) {
            out.push((*f, d.clone()));
        }
    }
    // In a file with syntax errors, the items that hold them were parsed with recovery:
    // their semantic errors would mostly be echoes, so only the syntax errors are
    // reported there. The file's other items are whole, and their type errors count.
    let broken: Vec<Vec<(usize, usize)>> = files
        .iter()
        .map(|f| {
            file_items(db, *f)
                .iter()
                .filter(|item| parse_item(db, **item).diags.iter().any(|d| d.is_error()))
                .map(|item| {
                    let start = *item.start(db) as usize;
                    (start, start + item.text(db).len())
                })
                .collect()
        })
        .collect();
    for (m, d) in check_diags(db, program) {
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
