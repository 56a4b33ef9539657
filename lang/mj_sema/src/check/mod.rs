//! The checker: collects items of every module, resolves imports, struct fields and
//! signatures, then type-checks each body into TIR.
//!
//! It works on already-parsed modules and returns values only (TIR and diagnostics),
//! so the salsa layer in `db.rs` can cache it and the CLI and the language server share it.

mod assign;
mod body;
mod bounds;
mod builtin_dunders;
mod builtins;
/// The names the checker knows without a definition in a source file (for tools too).
pub(crate) use builtins::BUILTIN_NAMES;
mod calls;
mod closure_args;
mod closures;
mod collections;
mod comprehensions;
pub(crate) mod comptime;
mod conform;
mod exclusivity;
pub use comptime::{check_body_lazy, check_consts};
mod expr;
mod flow;
mod format;
mod generic_copies;
mod generics;
mod gpu_launch;
mod items;
mod iter_protocol;
mod literal_fold;
mod loops;
mod mono;
mod overloads;
mod ownership;
pub(crate) mod params;
mod reflect;
mod refs;
pub(crate) mod stable_ids;
mod suite_discovery;
pub mod tables;
mod typed_errors;
mod with_stmt;

use std::collections::HashMap;
use std::sync::Arc;

use mj_syntax::ast::{self, FnDef, Module};
use mj_syntax::{Diag, Span};

use crate::suggest::did_you_mean;
use crate::tir::{FnId, TFunction, TProgram};
use crate::ty::{CtArg, Ty};
use tables::{Kind, Table};

/// One parsed module handed to the checker.
#[derive(Clone, Debug, PartialEq)]
pub struct ModuleInput {
    /// Dotted module name (`main`, `lib.helpers`).
    pub name: String,
    /// Path shown in diagnostics and run-time errors.
    pub path: String,
    /// The module's tree. For [`collect_items`] this is the item tree (function bodies
    /// removed, see [`strip_bodies`]); bodies are handed to [`check_body`] one at a time.
    pub ast: Arc<Module>,
}

/// The checker's result for a whole program.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckResult {
    pub program: TProgram,
    /// Diagnostics with the index of the module they belong to.
    pub diags: Vec<(usize, Diag)>,
}

impl CheckResult {
    pub fn has_errors(&self) -> bool {
        self.diags.iter().any(|(_, d)| d.is_error())
    }
}

/// What a name at module scope refers to.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Item {
    Func(FnId),
    Struct(u32),
    Trait(u32),
    Const(ConstVal),
    /// An imported module (by index), for `mod.name` access.
    Module(usize),
    /// A built-in module such as `std.math`.
    BuiltinModule(&'static str),
    /// A name from a built-in module (`sqrt` from `std.math`), with its module.
    Builtin(&'static str, String),
}

/// A compile-time constant value.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum ConstVal {
    Int(i128, Ty),
    Float(f64, Ty),
    Bool(bool),
    Str(String),
    /// A `DType` value (`DType.float32`): the scalar type it names.
    DType(Ty),
    /// A type alias (`comptime Vec4 = SIMD[DType.float32, 4]`).
    Type(Ty),
    /// Value parameter `i` of the template being described (signatures, fields).
    Param(u32, Ty),
    /// A struct-valued constant (`comptime RED = Color(0)`): the expression, in its module,
    /// checked at each use; or a constant computed by calls, evaluated at compile time
    /// where a body uses it (`comptime/mod.rs`).
    Expr(usize, Arc<ast::Expr>),
    /// A function bound to a function-typed compile-time parameter.
    Func(FnId),
    /// A list computed at compile time, with its element type; a run-time use builds it.
    List(Arc<[ConstVal]>, Ty),
    /// A tuple computed at compile time.
    Tuple(Arc<[ConstVal]>),
    /// A parametric `comptime` value or type alias (`comptime AddOne[a: Int] = a + 1`,
    /// `comptime StringKeyDict = Dict[String, _]`), applied where it is used.
    Alias(Arc<params::Alias>),
}

/// A compile-time parameter of a generic function or struct (`T: Copyable`, `n: Int = 4`).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct GParam {
    pub name: String,
    pub kind: GKind,
    pub default: Option<ast::Expr>,
    /// Infer-only (`//`), positional-only (`/`) or keyword-only (`*`).
    pub mode: ast::ParamMode,
    /// `*Ts: Writable`: bound to a `Tuple` of the types of a call's extra arguments.
    pub pack: bool,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum GKind {
    /// A type parameter and the traits it must conform to.
    Type(Vec<TraitRef>),
    /// A value parameter of the given type.
    Value(Ty),
    /// A `DType` parameter (`dtype: DType`); its argument is the scalar type it names.
    DType,
    /// A function parameter (`f: def(Int) -> Int`): its argument types and result.
    Func(Vec<Ty>, Ty),
}

/// A trait named in a bound or a conformance list.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum TraitRef {
    User(u32),
    /// A trait the compiler knows (`Copyable`, `Writable`, `EqualityComparable`, ...).
    Builtin(&'static str),
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct TraitData {
    pub name: String,
    pub module: usize,
    pub parents: Vec<TraitRef>,
    /// Methods in declaration order; a required method has a body of `...`.
    pub methods: Vec<(String, FnId)>,
    /// Associated compile-time members a conforming struct defines
    /// (`comptime Element: Movable` in `trait Iterator`).
    pub assoc: Vec<String>,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Conv {
    Read,
    /// Read, passed by address: `ref` arguments, and the `read` arguments of a function
    /// that returns a reference (`-> ref[self.x] T` may point into `self`).
    Ref,
    Mut,
    Out,
    Owned,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ParamSig {
    pub name: String,
    pub ty: Ty,
    pub conv: Conv,
    pub default: Option<ast::Expr>,
    /// The module the signature is written in: a default value is evaluated there.
    pub module: usize,
    /// `*values: T`: takes the remaining positional arguments, as a `List[T]`.
    pub variadic: bool,
    /// After a bare `*` or `*values`: given by keyword only.
    pub kw_only: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Sig {
    pub params: Vec<ParamSig>,
    pub ret: Ty,
    pub raises: bool,
    /// `raises T` with a typed error `T` (`None`: the built-in `Error`).
    pub raises_ty: Option<Ty>,
    /// The method takes `self` (as its first parameter in `params`).
    pub has_self: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct FuncData {
    pub mangled: String,
    pub module: usize,
    pub def: Arc<FnDef>,
    pub owner: Option<u32>,
    pub sig: Sig,
    /// Synthesized `@fieldwise_init` constructors have no body to check.
    pub fieldwise: bool,
    /// Where the full definition sits in its module's tree: the index of the top-level
    /// statement and, for a method, of the statement inside the struct body.
    pub loc: Option<(usize, Option<usize>)>,
    pub export: bool,
    /// `@always_inline` (`Some(true)`) or `@no_inline` (`Some(false)`).
    pub inline: Option<bool>,
    /// Compile-time parameters: the owner struct's first, then the method's own. A trait
    /// method has `Self` as its first parameter.
    pub generics: Vec<GParam>,
    /// The trait that declares this method (its `Self` is `generics[0]`).
    pub trait_owner: Option<u32>,
    /// A trait method without a body (`...`): conforming structs must define it.
    pub required: bool,
    /// Types that depend on arithmetic over compile-time parameters
    /// (`-> SIMD[dt, n + m]`): resolved per instance. Each is a parameter index of `sig`
    /// (`usize::MAX` for the result) and its type expression.
    pub late: Vec<(usize, ast::Expr)>,
    /// Argument types rewritten by automatic parameterization (`v: SIMD` is
    /// `v: SIMD[v.dtype, v.size]` over hidden parameters), by index into `def.args`.
    pub auto_types: Vec<(usize, ast::Expr)>,
    /// The overloads of a module-level function, in declaration order, kept on the first
    /// one (the one its name denotes); empty when the function is not overloaded.
    pub overloads: Vec<FnId>,
}

/// The `late` slot of a `-> ref[...] T` result (a reference: `Ty::Ptr(T)` in the signature).
pub(crate) const LATE_REF_RESULT: usize = usize::MAX - 1;

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct StructData {
    pub name: String,
    pub module: usize,
    pub fields: Vec<(String, Ty)>,
    pub methods: HashMap<String, FnId>,
    /// `comptime`/`alias` members, reachable as `Self.NAME`, `Type.NAME` or `NAME` inside.
    pub consts: HashMap<String, ConstVal>,
    pub span: Span,
    /// Compile-time parameters of a generic struct.
    pub params: Vec<GParam>,
    /// The traits the struct declares it conforms to.
    pub traits: Vec<TraitRef>,
    /// Conditional conformances (`Writable where conforms_to(T, Writable)`): the traits and
    /// the condition, decided per instance (`conform.rs`).
    pub cond_traits: Vec<(Vec<TraitRef>, ast::Expr)>,
    /// The names in the struct's conformance list (`Copyable`, `ImplicitlyCopyable`, ...).
    pub trait_names: Vec<String>,
    /// `comptime` members computed from the struct's parameters (`comptime size = rows *
    /// cols`), evaluated per instance, in order.
    pub late_consts: Vec<(String, ast::Expr)>,
    /// Fields whose type needs those values (`InlineArray[Float64, Self.size]`): the field
    /// index and its type expression, resolved per instance.
    pub late_fields: Vec<(usize, ast::Expr)>,
    /// `@nonmaterializable(Target)`: the type a run-time variable of this struct becomes.
    pub materialize: Option<ast::Expr>,
    /// The declared compile-time parameters as a use site passes them: name, mode and
    /// whether mj erases it (an origin or address space, absent from `params`), so
    /// `Box[ptr.origin, flag=True]` drops the origin argument.
    pub declared: Vec<(String, ast::ParamMode, bool)>,
}

#[derive(Debug, PartialEq)]
pub(crate) struct ModuleData {
    pub input: ModuleInput,
    pub scope: tables::Scope<Item>,
}

/// Line starts of a text, for turning byte offsets into 1-based line numbers.
pub fn line_starts(text: &str) -> Vec<u32> {
    let mut starts = vec![0u32];
    for (i, b) in text.bytes().enumerate() {
        if b == b'\n' {
            starts.push(i as u32 + 1);
        }
    }
    starts
}

pub(crate) fn line_of(starts: &[u32], offset: u32) -> u32 {
    match starts.binary_search(&offset) {
        Ok(i) => i as u32 + 1,
        Err(i) => i as u32,
    }
}

/// Where the lines of a function's module start: the checker writes line numbers (and
/// `source_location()` columns) into the typed IR. A file's line starts serve a tree whose
/// spans are the file's; the editor's database answers for trees kept at item positions
/// (`db::ItemLines`), reading only the lines of the item asked about.
pub trait Lines {
    /// The 1-based line of `offset`.
    fn line(&self, offset: u32) -> u32;
    /// Where the line of `offset` starts (in the same coordinates as `offset`).
    fn line_start(&self, offset: u32) -> u32;
    /// A span at the start of 1-based `line` (for code the checker makes up, whose
    /// diagnostics only need the line).
    fn span_of_line(&self, line: u32) -> Span;
    /// The line in the file of a `line` this gives. The editor's database gives lines
    /// relative to their item (so that a line added above a function leaves its typed IR
    /// equal) and turns them into the file's where a number is shown (`source_location()`,
    /// a message) and before lowering (`db::check`).
    fn absolute(&self, line: u32) -> u32 {
        line
    }
}

impl Lines for Vec<u32> {
    fn line(&self, offset: u32) -> u32 {
        line_of(self, offset)
    }

    fn line_start(&self, offset: u32) -> u32 {
        self.span_of_line(line_of(self, offset)).start
    }

    fn span_of_line(&self, line: u32) -> Span {
        let at = self
            .get((line as usize).saturating_sub(1))
            .copied()
            .unwrap_or(0) as usize;
        Span::new(at, at)
    }
}

#[derive(Debug, PartialEq)]
pub(crate) struct Ctx {
    pub modules: Vec<ModuleData>,
    pub structs: Table<StructData>,
    pub funcs: Table<FuncData>,
    pub traits: Table<TraitData>,
    pub diags: Vec<(usize, Diag)>,
    pub struct_names: Table<String>,
    /// What the program is checked for: `std.sys` queries and `size_of` of pointers fold
    /// against it (an input, so checking for another target is another query).
    pub target: mj_target::Target,
    /// Answers of conditional conformance within one outermost question (see
    /// `conform::conditional`).
    pub conform_memo: conform::Memo,
    /// Whether the main module's functions and structs take ids kept by name
    /// (`stable_ids`), and its id blocks while the items are collected.
    pub stable_ids: bool,
    pub fn_slots: Option<stable_ids::Block>,
    pub struct_slots: Option<stable_ids::Block>,
    /// The functions' and the structs' ids in the order they were declared (with stable
    /// ids, not the ids' order): walks over them go in it, so diagnostics come in the
    /// same order as with dense ids (the editor's are `mj check`'s).
    pub fn_order: Vec<u32>,
    pub struct_order: Vec<u32>,
}

impl Ctx {
    pub fn error(&mut self, module: usize, d: Diag) {
        self.diags.push((module, d));
    }

    /// The item tree of module `m` (a read of it is noted, `tables`).
    pub fn tree(&self, m: usize) -> &Arc<Module> {
        tables::note_tree(m);
        &self.modules[m].input.ast
    }

    /// Whether collecting the items found an error (a read of that is noted, `tables`).
    pub fn item_errors(&self) -> bool {
        tables::note_item_errors();
        self.has_item_errors()
    }

    /// `item_errors`, unnoted: for the database's parts only.
    fn has_item_errors(&self) -> bool {
        self.diags.iter().any(|(_, d)| d.is_error())
    }

    pub fn ty_name(&self, t: &Ty) -> String {
        self.note_names(t);
        t.display(self.struct_names.rows()).to_string()
    }

    /// A compile-time argument as text (`Int`, `List[String]`, `3`).
    pub fn arg_name(&self, a: &CtArg) -> String {
        self.note_arg_names(a);
        a.display(self.struct_names.rows()).to_string()
    }

    /// Notes the rows of the struct names that `t`'s text shows (`tables`): a type's
    /// text reads those only, so a struct added elsewhere changes no message.
    fn note_names(&self, t: &Ty) {
        match t {
            Ty::Struct(s, a) => {
                self.struct_names.get(*s as usize);
                a.iter().for_each(|a| self.note_arg_names(a));
            }
            Ty::Tuple(ts) => ts.iter().for_each(|t| self.note_names(t)),
            Ty::Func(ps, r, _) => {
                ps.iter().for_each(|t| self.note_names(t));
                self.note_names(r);
            }
            Ty::Ptr(t)
            | Ty::Vector(t, _)
            | Ty::RawPtr(t, _)
            | Ty::Array(t, _)
            | Ty::Span(t)
            | Ty::Uninit(t) => self.note_names(t),
            _ => {}
        }
    }

    fn note_arg_names(&self, a: &CtArg) {
        match a {
            CtArg::Type(t) => self.note_names(t),
            CtArg::Pack(xs) => xs.iter().for_each(|a| self.note_arg_names(a)),
            _ => {}
        }
    }

    /// A key that orders the offsets of module `m` as its file's text does. (Item
    /// positions, `db::place_slots`, number the places by their items' names: the item
    /// tree says which comes first.)
    pub fn source_order(&self, m: usize) -> impl Fn(u32) -> (usize, u32) + use<> {
        use crate::db::{AT_ITEM, PLACE_BITS};
        let mut rank = HashMap::new();
        for s in &self.modules[m].input.ast.body {
            let members: &[ast::Stmt] = match &s.kind {
                ast::StmtKind::Struct(sd) => &sd.body,
                ast::StmtKind::Trait(td) => &td.body,
                _ => &[],
            };
            for at in std::iter::once(s).chain(members).map(|s| s.span.start) {
                let n = rank.len();
                rank.entry(at >> PLACE_BITS).or_insert(n);
            }
        }
        move |offset: u32| match offset & AT_ITEM {
            0 => (0, offset),
            _ => (
                rank.get(&(offset >> PLACE_BITS))
                    .copied()
                    .unwrap_or(usize::MAX),
                offset & ((1 << PLACE_BITS) - 1),
            ),
        }
    }

    /// The module that a dotted expression (`a`, `a.b`, `std.math`) names in module `m`.
    pub fn module_path(&self, m: usize, e: &ast::Expr) -> Option<Item> {
        use ast::ExprKind;
        let is_mod = |it: &Item| matches!(it, Item::Module(_) | Item::BuiltinModule(_));
        match &e.kind {
            ExprKind::Name(n) => self.modules[m].scope.get(n).filter(|i| is_mod(i)).cloned(),
            ExprKind::Attr { base, name } => {
                let dotted = dotted_name(e)?;
                if let Some(it) = self.modules[m].scope.get(&dotted).filter(|i| is_mod(i)) {
                    return Some(it.clone());
                }
                match self.module_path(m, base)? {
                    Item::Module(t) => match self.modules[t].scope.get(&name.name) {
                        Some(it) if is_mod(it) => Some(it.clone()),
                        _ => {
                            let sub = format!("{}.{}", self.modules[t].input.name, name.name);
                            self.modules
                                .iter()
                                .position(|md| md.input.name == sub)
                                .map(Item::Module)
                        }
                    },
                    Item::BuiltinModule(_) => {
                        if let Some(b) = builtins::builtin_module(&dotted) {
                            return Some(Item::BuiltinModule(b));
                        }
                        self.modules
                            .iter()
                            .position(|md| md.input.name == dotted)
                            .map(Item::Module)
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// Suggests a similar name visible at module scope or among the built-ins.
    pub fn suggest_global(&self, module: usize, name: &str, extra: &[&str]) -> Option<String> {
        let scope = &self.modules[module].scope;
        let mut cands: Vec<&str> = scope.keys().map(String::as_str).collect();
        cands.extend(builtins::BUILTIN_NAMES.iter().copied());
        cands.extend(extra.iter().copied());
        did_you_mean(name, cands.into_iter())
    }
}

/// `a.b.c` as a string, when the expression is a chain of names.
pub(crate) fn dotted_name(e: &ast::Expr) -> Option<String> {
    match &e.kind {
        ast::ExprKind::Name(n) => Some(n.clone()),
        ast::ExprKind::Attr { base, name } => Some(format!("{}.{}", dotted_name(base)?, name.name)),
        _ => None,
    }
}

/// The first name of a chain `a.b.c`.
pub(crate) fn head_name(e: &ast::Expr) -> Option<&str> {
    match &e.kind {
        ast::ExprKind::Name(n) => Some(n),
        ast::ExprKind::Attr { base, .. } => head_name(base),
        _ => None,
    }
}

/// The module-level knowledge of a program: scopes, imports, constants, structs and
/// function signatures, with the diagnostics found collecting them. It is built from item
/// trees, so it compares equal after an edit inside a function body that moves no item,
/// and then nothing that depends only on it is recomputed.
#[derive(Debug)]
pub struct Items {
    cx: Ctx,
    /// Where each function's definition sits, for tools (`function_at`).
    fn_at: std::sync::OnceLock<FnAt>,
}

type FnAt = HashMap<(usize, (usize, Option<usize>)), u32>;

impl PartialEq for Items {
    fn eq(&self, other: &Items) -> bool {
        self.cx == other.cx
    }
}

/// The value of one part of a program's items (`tables::Part`): what a body's check that
/// read it saw. Two values are equal when the part did not change.
#[derive(Clone, Debug, PartialEq)]
pub struct ItemPart(PartValue);

#[derive(Clone, Debug, PartialEq)]
enum PartValue {
    Func(Option<FuncData>),
    Struct(Option<StructData>),
    Trait(Option<TraitData>),
    StructName(Option<String>),
    Len(usize),
    Funcs(Vec<FuncData>),
    Structs(Vec<StructData>),
    Traits(Vec<TraitData>),
    StructNames(Vec<String>),
    Name(Option<Item>),
    Scope(Vec<(String, Item)>),
    Tree(Option<Arc<Module>>),
    ItemErrors(bool),
}

impl Items {
    /// One part of the items, read without noting it (`tables`).
    pub fn part(&self, part: &tables::Part) -> ItemPart {
        use tables::Part;
        let cx = &self.cx;
        let row = |i: &u32| *i as usize;
        ItemPart(match part {
            // (Which top-level statement holds a function says where to find its syntax,
            // which a body reads through queries of its own (`db::fn_syntax`): an item
            // inserted above moves it and changes nothing a body sees.)
            Part::Row(Kind::Func, i) => {
                PartValue::Func(cx.funcs.rows().get(row(i)).map(|f| FuncData {
                    loc: f.loc.map(|(_, member)| (0, member)),
                    ..f.clone()
                }))
            }
            Part::Row(Kind::Struct, i) => PartValue::Struct(cx.structs.rows().get(row(i)).cloned()),
            Part::Row(Kind::Trait, i) => PartValue::Trait(cx.traits.rows().get(row(i)).cloned()),
            Part::Row(Kind::StructName, i) => {
                PartValue::StructName(cx.struct_names.rows().get(row(i)).cloned())
            }
            Part::Len(k) => PartValue::Len(match k {
                Kind::Func => cx.funcs.rows().len(),
                Kind::Struct => cx.structs.rows().len(),
                Kind::Trait => cx.traits.rows().len(),
                Kind::StructName => cx.struct_names.rows().len(),
            }),
            Part::All(Kind::Func) => PartValue::Funcs(cx.funcs.rows().to_vec()),
            Part::All(Kind::Struct) => PartValue::Structs(cx.structs.rows().to_vec()),
            Part::All(Kind::Trait) => PartValue::Traits(cx.traits.rows().to_vec()),
            Part::All(Kind::StructName) => PartValue::StructNames(cx.struct_names.rows().to_vec()),
            Part::Name(m, name) => PartValue::Name(
                cx.modules
                    .get(*m as usize)
                    .and_then(|md| md.scope.all().get(name).cloned()),
            ),
            Part::Scope(m) => PartValue::Scope({
                let mut all: Vec<(String, Item)> = cx
                    .modules
                    .get(*m as usize)
                    .map(|md| {
                        md.scope
                            .all()
                            .iter()
                            .map(|(k, v)| (k.clone(), v.clone()))
                            .collect()
                    })
                    .unwrap_or_default();
                all.sort_by(|a, b| a.0.cmp(&b.0));
                all
            }),
            Part::ItemErrors => PartValue::ItemErrors(cx.has_item_errors()),
            Part::Tree(m) => {
                PartValue::Tree(cx.modules.get(*m as usize).map(|md| md.input.ast.clone()))
            }
        })
    }

    /// Diagnostics about items (imports, signatures, fields), by module index.
    pub fn diags(&self) -> &[(usize, Diag)] {
        &self.cx.diags
    }

    /// Number of function ids (methods and synthesized constructors included; with
    /// stable ids, the free ids too, `function_order`).
    pub fn function_count(&self) -> usize {
        self.cx.funcs.len()
    }

    /// The functions' ids in the order they were declared (free ids left out).
    pub fn function_order(&self) -> &[u32] {
        &self.cx.fn_order
    }

    /// The module of function `index` and where its full definition sits in that module's
    /// tree (`None` for synthesized functions).
    pub fn function_location(&self, index: u32) -> Option<(usize, Option<(usize, Option<usize>)>)> {
        self.cx.funcs.get(index as usize).map(|f| (f.module, f.loc))
    }

    /// The function whose full definition is statement `stmt` of module `module` (or
    /// statement `method` of that struct), for tools.
    pub fn function_at(&self, module: usize, stmt: usize, method: Option<usize>) -> Option<u32> {
        // (A map made on first use: the editor asks this for every name it resolves.)
        let at = self.fn_at.get_or_init(|| {
            let mut at = HashMap::new();
            for &i in &self.cx.fn_order {
                let f = &self.cx.funcs.rows()[i as usize];
                if let (Some(loc), false) = (f.loc, f.fieldwise) {
                    at.entry((f.module, loc)).or_insert(i);
                }
            }
            at
        });
        at.get(&(module, (stmt, method))).copied()
    }

    /// An instance of generic function `index` as a user reads it (`pick[T=Int]`).
    pub fn instance_name(&self, index: u32, targs: &[crate::ty::CtArg]) -> Option<String> {
        let f = self.cx.funcs.get(index as usize)?;
        let args: Vec<String> = f
            .generics
            .iter()
            .zip(targs)
            .map(|(p, a)| format!("{}={}", p.name, self.cx.arg_name(a)))
            .collect();
        Some(format!("{}[{}]", f.def.name.name, args.join(", ")))
    }

    /// A type as the diagnostics spell it (`List[Int]`), for tools.
    pub fn type_name(&self, t: &crate::ty::Ty) -> String {
        self.cx.ty_name(t)
    }

    /// The signature of a function as text (`def f(a: Int) raises -> String`), for tools.
    pub fn signature_text(&self, index: u32) -> Option<String> {
        let f = self.cx.funcs.get(index as usize)?;
        let params: Vec<String> = f
            .sig
            .params
            .iter()
            .map(|p| format!("{}: {}", p.name, self.cx.ty_name(&p.ty)))
            .collect();
        let raises = if f.sig.raises { " raises" } else { "" };
        Some(format!(
            "def {}({}){raises} -> {}",
            f.mangled,
            params.join(", "),
            self.cx.ty_name(&f.sig.ret)
        ))
    }
}

/// Replaces every function body (top-level and methods) by an empty list, keeping the
/// statement positions, so that the result changes only when an item changes.
pub fn strip_bodies(m: &Module) -> Module {
    let mut body: Vec<ast::Stmt> = m.body.iter().map(strip_stmt).collect();
    // An import inside a function (Mojo allows one there) binds its names module-wide: a
    // documented simplification of Python's function scope (docs/porting.md).
    body.extend(mj_syntax::visit::body_imports(&m.body));
    Module {
        docstring: m.docstring.clone(),
        body,
    }
}

/// One top-level statement with its function bodies (its methods' too) removed.
pub fn strip_stmt(s: &ast::Stmt) -> ast::Stmt {
    use ast::StmtKind;
    // A stripped definition spans its header up to its name: its extent must not follow
    // the body's length, or an edit that types inside a body would change the item tree
    // (and re-collect the program's items).
    let head = |span: Span, name: &ast::Ident| Span {
        start: span.start,
        end: name.span.end.max(span.start),
    };
    // (A body that calls `call_location()` keeps that one call: the function then takes
    // its caller's location as a hidden argument, part of its signature.)
    let strip_def = |d: &FnDef| FnDef {
        decorators: d.decorators.clone(),
        keyword: d.keyword,
        name: d.name.clone(),
        params: d.params.clone(),
        args: d.args.clone(),
        raises: d.raises,
        raises_ty: d.raises_ty.clone(),
        ret: d.ret.clone(),
        where_clause: d.where_clause.clone(),
        ret_ref: d.ret_ref,
        captures: d.captures.clone(),
        fn_value_args: d.fn_value_args.clone(),
        docstring: d.docstring.clone(),
        body: reflect::call_location_marker(d),
        span: head(d.span, &d.name),
    };
    match &s.kind {
        StmtKind::Def(d) => ast::Stmt {
            kind: StmtKind::Def(strip_def(d)),
            span: head(s.span, &d.name),
        },
        StmtKind::Struct(sd) => {
            let members = sd
                .body
                .iter()
                .map(|st| match &st.kind {
                    StmtKind::Def(d) => ast::Stmt {
                        kind: StmtKind::Def(strip_def(d)),
                        span: head(st.span, &d.name),
                    },
                    _ => st.clone(),
                })
                .collect();
            ast::Stmt {
                kind: StmtKind::Struct(ast::StructDef {
                    decorators: sd.decorators.clone(),
                    name: sd.name.clone(),
                    params: sd.params.clone(),
                    traits: sd.traits.clone(),
                    trait_where: sd.trait_where.clone(),
                    docstring: sd.docstring.clone(),
                    body: members,
                    span: head(sd.span, &sd.name),
                }),
                span: head(s.span, &sd.name),
            }
        }
        _ => s.clone(),
    }
}

/// Collects the items of every module (whose `ast` should be the item tree); with
/// `stable_ids`, the main module's functions and structs take ids kept by name
/// (`stable_ids.rs`).
pub fn collect_items(
    modules: Vec<ModuleInput>,
    target: mj_target::Target,
    stable_ids: bool,
) -> Items {
    let modules = modules
        .into_iter()
        .enumerate()
        .map(|(m, input)| ModuleData {
            input,
            scope: tables::Scope::new(m),
        })
        .collect();
    let mut cx = Ctx {
        modules,
        structs: Table::new(Kind::Struct),
        funcs: Table::new(Kind::Func),
        traits: Table::new(Kind::Trait),
        diags: Vec::new(),
        struct_names: Table::new(Kind::StructName),
        target,
        conform_memo: Default::default(),
        stable_ids,
        fn_slots: None,
        struct_slots: None,
        fn_order: Vec::new(),
        struct_order: Vec::new(),
    };
    items::collect(&mut cx);
    Items {
        cx,
        fn_at: Default::default(),
    }
}

/// Type-checks the body of function `index` (of its instance for compile-time arguments
/// `targs`; a generic function without them is a template and yields no code). `full` is
/// the module tree that holds its body and `lines` where its lines start.
pub fn check_body(
    items: &Items,
    index: u32,
    targs: &[crate::ty::CtArg],
    own: Option<&ast::Stmt>,
    lines: &dyn Lines,
) -> (TFunction, Vec<(usize, Diag)>) {
    let def = items.cx.funcs.get(index as usize).and_then(|f| {
        let (_, member) = f.loc?;
        match (&own?.kind, member) {
            (ast::StmtKind::Def(d), None) => Some(d),
            (ast::StmtKind::Struct(sd), Some(k)) => match &sd.body.get(k)?.kind {
                ast::StmtKind::Def(d) => Some(d),
                _ => None,
            },
            (ast::StmtKind::Trait(td), Some(k)) => match &td.body.get(k)?.kind {
                ast::StmtKind::Def(d) => Some(d),
                _ => None,
            },
            _ => None,
        }
    });
    body::check_function(&items.cx, FnId(index), def, lines, targs)
}

/// The top-level statement of module `full` that defines function `index` (a method: its
/// struct or trait), what `check_body` reads.
pub fn own_stmt<'a>(items: &Items, index: u32, full: &'a Module) -> Option<&'a ast::Stmt> {
    let (stmt, _) = items.cx.funcs.get(index as usize)?.loc?;
    full.body.get(stmt)
}

/// Puts the checked functions together into a program; `entry` is the main module.
/// `instance(index, targs)` checks one instance of a generic function; it is called for
/// every instance the program uses.
pub fn assemble(
    items: &Items,
    mut functions: Vec<TFunction>,
    entry: usize,
    instance: &mut dyn FnMut(u32, &crate::ty::Targs) -> (TFunction, Vec<(usize, Diag)>),
) -> (TProgram, Vec<(usize, Diag)>) {
    let cx = &items.cx;
    let mut diags = Vec::new();
    let ids = mono::instantiate_all(cx, &mut functions, instance, &mut diags);
    let structs = mono::monomorphize_types(cx, &mut functions, &ids);
    let entry_fn = find_entry(cx, entry, &mut diags);
    (
        TProgram {
            structs,
            functions,
            entry: entry_fn,
            target: cx.target.clone(),
        },
        diags,
    )
}

/// The diagnostics `assemble` reports (the instances' and the entry's), without putting
/// the program together: no body is copied or rewritten. Also the instances of generic
/// functions the program uses (function index, compile-time arguments).
pub fn assemble_diags(
    items: &Items,
    functions: Vec<Arc<TFunction>>,
    entry: usize,
    instance: &mut dyn FnMut(u32, &crate::ty::Targs) -> (Arc<TFunction>, Vec<(usize, Diag)>),
) -> (Vec<(usize, Diag)>, Vec<(u32, crate::ty::Targs)>) {
    let cx = &items.cx;
    let (mut diags, instances) = mono::instance_diags(cx, functions, instance);
    find_entry(cx, entry, &mut diags);
    (diags, instances)
}

/// Checks a whole program in one go (no incremental reuse): `modules[entry]` is the main
/// module; each module comes with its full tree and its text.
pub fn check_program(
    modules: Vec<(ModuleInput, Arc<str>)>,
    entry: usize,
    target: mj_target::Target,
) -> CheckResult {
    let fulls: Vec<(Arc<Module>, Arc<str>)> = modules
        .iter()
        .map(|(m, t)| (m.ast.clone(), t.clone()))
        .collect();
    let inputs = modules
        .into_iter()
        .map(|(m, _)| ModuleInput {
            ast: Arc::new(strip_bodies(&m.ast)),
            ..m
        })
        .collect();
    let items = collect_items(inputs, target, false);
    let mut diags = items.diags().to_vec();
    let mut fetch = |m: usize| fulls[m].0.clone();
    diags.extend(check_consts(&items, &mut fetch));
    let mut functions = Vec::with_capacity(items.function_count());
    for i in 0..items.function_count() as u32 {
        let m = items.cx.funcs[i as usize].module;
        let starts = line_starts(&fulls[m].1);
        let own = own_stmt(&items, i, &fulls[m].0);
        let (f, d) = check_body_lazy(&items, i, &[], own, &starts, &mut fetch);
        functions.push(f);
        diags.extend(d);
    }
    let mut instance = |i: u32, a: &crate::ty::Targs| {
        let m = items.cx.funcs[i as usize].module;
        let starts = line_starts(&fulls[m].1);
        let own = own_stmt(&items, i, &fulls[m].0);
        check_body_lazy(&items, i, a, own, &starts, &mut |m| fulls[m].0.clone())
    };
    let (program, d) = assemble(&items, functions, entry, &mut instance);
    diags.extend(d);
    dedup_diags(&mut diags);
    CheckResult { program, diags }
}

/// Drops repeated diagnostics: a generic body checked for several instances reports the
/// same problem once.
pub fn dedup_diags(diags: &mut Vec<(usize, Diag)>) {
    let mut seen = std::collections::HashSet::with_capacity(diags.len());
    diags.retain(|d| seen.insert(d.clone()));
}

fn find_entry(cx: &Ctx, entry: usize, diags: &mut Vec<(usize, Diag)>) -> Option<FnId> {
    match cx
        .modules
        .get(entry)
        .and_then(|m| m.scope.get("main"))
        .cloned()
    {
        Some(Item::Func(id)) => {
            let f = &cx.funcs[id.0 as usize];
            if !f.sig.params.is_empty() || f.sig.ret != Ty::Unit {
                let span = f.def.name.span;
                diags.push((
                    entry,
                    Diag::error(
                        E_ENTRY,
                        "`main` must take no arguments and return nothing",
                        span,
                    )
                    .with_hint("write `def main():` or `def main() raises:`"),
                ));
            }
            Some(id)
        }
        _ => None,
    }
}

// Diagnostic codes (docs/diagnostics.md).
pub(crate) const E_UNDEFINED: &str = "E0100";
pub(crate) const E_MISMATCH: &str = "E0101";
pub(crate) const E_ARITY: &str = "E0102";
pub(crate) const E_UNHANDLED_RAISE: &str = "E0103";
pub(crate) const E_NO_MEMBER: &str = "E0104";
pub(crate) const E_NOT_CALLABLE: &str = "E0105";
pub(crate) const E_OPERATOR: &str = "E0106";
pub(crate) const E_ASSIGN: &str = "E0107";
pub(crate) const E_MISSING_RETURN: &str = "E0108";
pub(crate) const E_UNKNOWN_TYPE: &str = "E0109";
pub(crate) const E_DUPLICATE: &str = "E0110";
pub(crate) const E_KWARG: &str = "E0111";
pub(crate) const E_OUTSIDE: &str = "E0112";
pub(crate) const E_IMPORT: &str = "E0113";
pub(crate) const E_UNINIT: &str = "E0114";
pub(crate) const E_NOT_INDEXABLE: &str = "E0115";
pub(crate) const E_UNSUPPORTED: &str = "E0116";
pub(crate) const E_ENTRY: &str = "E0117";
pub(crate) const E_COMPTIME: &str = "E0118";
pub(crate) const E_DECORATOR: &str = "E0119";
pub(crate) const W_FN_DEPRECATED: &str = "W0001";
pub(crate) const W_UNREACHABLE: &str = "W0002";
pub(crate) const W_IGNORED: &str = "W0003";
