//! Module-level items: declarations, imports, constants, struct fields and signatures.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use mj_syntax::Diag;
use mj_syntax::ast::{
    self, Convention, DefKeyword, Expr, ExprKind, FnDef, ParamKind, StmtKind, StructDef,
};

use super::builtins::{builtin_module, builtin_module_has};
use super::generics::{self, TyScope};
use super::{
    ConstVal, Conv, Ctx, E_DECORATOR, E_DUPLICATE, E_IMPORT, E_MISMATCH, E_UNDEFINED,
    E_UNKNOWN_TYPE, E_UNSUPPORTED, FuncData, GKind, GParam, Item, ParamSig, Sig, StructData,
    TraitData, TraitRef, W_FN_DEPRECATED, W_IGNORED,
};
use crate::suggest::did_you_mean;
use crate::tir::FnId;
use crate::ty::{CtArg, Ty};

const KNOWN_DECORATORS: &[&str] = &[
    "fieldwise_init",
    "staticmethod",
    "always_inline",
    "no_inline",
    "export",
    "parameter",
    "value",
    "register_passable",
    "implicit",
    "nonmaterializable",
    // Documentation markers of Mojo's library: no effect on the program.
    "doc_private",
    "doc_hidden",
    // Marks a method whose `self` is a differently parameterized `Self` (the manual's
    // conditional conformance example); such methods are accepted without it too.
    "__allow_legacy_custom_self_type",
    // Accepted with a warning that it has no effect here (`check_decorators`).
    "align",
];

pub(crate) fn collect(cx: &mut Ctx) {
    // The imported modules take their ids first and the main module (0) last, so that
    // an edit of the main module's items leaves the library's ids as they were (a body
    // depends on the rows it read, `tables`).
    for m in (0..cx.modules.len()).rev() {
        if m == 0 && cx.stable_ids {
            super::stable_ids::open(cx, m);
        }
        declare(cx, m);
        inject_builtins(cx, m);
    }
    inject_prelude(cx);
    // Constants first (imports may name them), then again for constants built from imports.
    for m in 0..cx.modules.len() {
        eval_consts(cx, m, false);
    }
    // Again for the prelude's constants (`default_hasher`, an alias of a struct).
    inject_prelude(cx);
    // Imports may re-export names imported by other modules; two rounds settle chains of two.
    for round in 0..2 {
        for m in 0..cx.modules.len() {
            resolve_imports(cx, m, round == 1);
        }
    }
    inject_io_prelude(cx);
    for m in 0..cx.modules.len() {
        eval_consts(cx, m, true);
    }
    resolve_generics(cx);
    generic_type_aliases(cx);
    // Imports of those aliases (`from mod import ListNode`).
    for m in 0..cx.modules.len() {
        resolve_imports(cx, m, false);
    }
    for m in 0..cx.modules.len() {
        late_struct_consts(cx, m);
    }
    for s in cx.struct_order.clone() {
        resolve_fields(cx, s);
    }
    check_containment(cx);
    // (In declaration order, `Ctx::fn_order`: the diagnostics come in it.)
    for f in cx.fn_order.clone() {
        resolve_sig(cx, FnId(f));
        super::builtins::check_export(cx, FnId(f));
    }
    check_overload_sets(cx);
    check_conformance(cx);
    for s in cx.struct_order.clone() {
        synthesize_fieldwise_init(cx, s);
    }
    super::ownership::check_lifecycle(cx);
    super::generic_copies::check_implicit_copy_fields(cx);
    super::stable_ids::close(cx);
}

/// Reports structs that contain themselves by value through other structs or tuples
/// (`struct A: var b: B` / `struct B: var a: A`): such a type has no size. (A direct
/// `var x: A` inside `A` is reported where the field is read; generic instances are
/// checked for their arguments, as the instance's fields say.) The field on the cycle loses
/// its type, so later walks over fields end.
fn check_containment(cx: &mut Ctx) {
    for s in cx.struct_order.clone() {
        if !cx.structs[s as usize].params.is_empty() {
            continue;
        }
        let fields = cx.structs[s as usize].fields.clone();
        for (i, (name, t)) in fields.iter().enumerate() {
            let mut seen = HashSet::new();
            let Some(path) = contains_struct(cx, t, s, &mut seen, 0) else {
                continue;
            };
            let sd = &cx.structs[s as usize];
            let (m, span) = (sd.module, sd.span);
            let msg = format!(
                "struct `{}` contains itself by value: {}",
                short_name(&sd.name),
                std::iter::once(format!("field `{name}`"))
                    .chain(path)
                    .collect::<Vec<_>>()
                    .join(" -> ")
            );
            cx.error(
                m,
                Diag::error(E_MISMATCH, msg, span)
                    .with_hint("hold one of them through a pointer (`List`, `UnsafePointer`)"),
            );
            cx.structs[s as usize].fields[i].1 = Ty::Unknown;
        }
    }
}

/// Whether a value of type `t` holds a `target` struct by value; the path of field names
/// from `t` to it.
fn contains_struct(
    cx: &Ctx,
    t: &Ty,
    target: u32,
    seen: &mut HashSet<Ty>,
    depth: usize,
) -> Option<Vec<String>> {
    if depth > crate::ty::MAX_TYPE_DEPTH {
        return None;
    }
    match t {
        Ty::Struct(id, _) => {
            if *id == target {
                return Some(Vec::new());
            }
            if !seen.insert(t.clone()) {
                return None;
            }
            for (name, ft) in super::generics::fields_of(cx, t).unwrap_or_default() {
                if let Some(mut path) = contains_struct(cx, &ft, target, seen, depth + 1) {
                    path.insert(
                        0,
                        format!("`{}.{name}`", short_name(&cx.structs[*id as usize].name)),
                    );
                    return Some(path);
                }
            }
            None
        }
        Ty::Tuple(ts) => ts
            .iter()
            .find_map(|e| contains_struct(cx, e, target, seen, depth + 1)),
        Ty::Array(e, _) | Ty::Uninit(e) => contains_struct(cx, e, target, seen, depth + 1),
        _ => None,
    }
}

/// Reports a trait that inherits from itself (`trait A(B)` / `trait B(A)`) and cuts the
/// cycle, so walks over parents end.
fn check_trait_cycles(cx: &mut Ctx) {
    for t in 0..cx.traits.len() as u32 {
        // Depth-first over parents, keeping the path that leads to each trait.
        let mut stack: Vec<(u32, Vec<u32>)> = vec![(t, vec![t])];
        let mut seen = HashSet::new();
        let mut cycle = None;
        while let Some((i, path)) = stack.pop() {
            for p in &cx.traits[i as usize].parents {
                let TraitRef::User(p) = p else { continue };
                if *p == t {
                    cycle = Some(path.clone());
                    break;
                }
                if seen.insert(*p) {
                    let mut next = path.clone();
                    next.push(*p);
                    stack.push((*p, next));
                }
            }
            if cycle.is_some() {
                break;
            }
        }
        let Some(path) = cycle else { continue };
        let names: Vec<String> = path
            .iter()
            .chain([&t])
            .map(|i| format!("`{}`", cx.traits[*i as usize].name))
            .collect();
        let td = &cx.traits[t as usize];
        let (m, span) = (td.module, td.span);
        cx.error(
            m,
            Diag::error(
                E_MISMATCH,
                format!("trait inherits from itself: {}", names.join(" -> ")),
                span,
            ),
        );
        cx.traits[t as usize].parents.clear();
    }
}

/// How deeply type applications nest in `e` (`List[List[Int]]` is 2), or `limit + 1`
/// once that is known to be over `limit`.
fn type_expr_depth(e: &Expr, limit: usize) -> usize {
    let ExprKind::Index { args, .. } = &e.kind else {
        return 0;
    };
    if limit == 0 {
        return 1;
    }
    let mut deepest = 0;
    for a in args {
        deepest = deepest.max(type_expr_depth(&a.value, limit - 1));
        if deepest >= limit {
            break;
        }
    }
    1 + deepest
}

/// A struct's name without its module.
fn short_name(qualified: &str) -> &str {
    qualified.rsplit('.').next().unwrap_or(qualified)
}

fn decorator_names(decs: &[ast::Decorator]) -> Vec<(String, mj_syntax::Span)> {
    decs.iter()
        .map(|d| {
            let e = match &d.expr.kind {
                ExprKind::Call { func, .. } => func.as_ref(),
                _ => &d.expr,
            };
            match &e.kind {
                ExprKind::Name(n) => (n.clone(), d.span),
                ExprKind::Attr { name, .. } => (name.name.clone(), d.span),
                _ => (String::new(), d.span),
            }
        })
        .collect()
}

fn check_decorators(cx: &mut Ctx, m: usize, decs: &[ast::Decorator]) {
    for (name, span) in decorator_names(decs) {
        if !KNOWN_DECORATORS.contains(&name.as_str()) {
            let mut d = Diag::error(E_DECORATOR, format!("unknown decorator `@{name}`"), span);
            if let Some(s) = did_you_mean(&name, KNOWN_DECORATORS.iter().copied()) {
                d = d.with_hint(format!("did you mean `@{s}`?"));
            }
            cx.error(m, d);
        } else if name == "align" {
            cx.error(
                m,
                Diag::warning(
                    W_IGNORED,
                    "`@align` is not honoured yet: the struct keeps its natural alignment and size",
                    span,
                )
                .with_hint("over-aligned structs are not supported; the decorator is ignored"),
            );
        }
    }
}

fn declare_name(cx: &mut Ctx, m: usize, name: &ast::Ident, item: Item) {
    if cx.modules[m].scope.contains_key(&name.name) {
        cx.error(
            m,
            Diag::error(
                E_DUPLICATE,
                format!("`{}` is defined more than once", name.name),
                name.span,
            ),
        );
        return;
    }
    cx.modules[m].scope.insert(name.name.clone(), item);
}

/// Whether a module is written for older Mojo: it defines a function with `fn`.
fn legacy_module(cx: &Ctx, m: usize) -> bool {
    cx.tree(m)
        .body
        .iter()
        .any(|st| matches!(&st.kind, StmtKind::Def(d) if d.keyword == DefKeyword::Fn))
}

fn new_func(
    cx: &mut Ctx,
    m: usize,
    def: &FnDef,
    owner: Option<u32>,
    loc: (usize, Option<usize>),
) -> FnId {
    if def.keyword == DefKeyword::Fn {
        cx.error(
            m,
            Diag::warning(W_FN_DEPRECATED, "`fn` is deprecated", def.name.span)
                .with_hint("write `def` instead"),
        );
    }
    deprecated_spellings(cx, m, def, owner.is_some());
    check_decorators(cx, m, &def.decorators);
    // Older Mojo, in which `def` raised implicitly: in a module that still defines
    // functions with `fn`, `def main()` may raise (as if written `def main() raises`).
    let legacy_main;
    let def = if owner.is_none()
        && def.name.name == "main"
        && def.keyword == DefKeyword::Def
        && !def.raises
        && legacy_module(cx, m)
    {
        let mut d = def.clone();
        d.raises = true;
        legacy_main = d;
        &legacy_main
    } else {
        def
    };
    let decs = decorator_names(&def.decorators);
    let export = decs.iter().any(|(n, _)| n == "export");
    let inline = if decs.iter().any(|(n, _)| n == "always_inline") {
        Some(true)
    } else if decs.iter().any(|(n, _)| n == "no_inline") {
        Some(false)
    } else {
        None
    };
    let modname = cx.modules[m].input.name.clone();
    let mangled = match owner {
        Some(s) => format!("{}.{}", cx.structs[s as usize].name, def.name.name),
        None if export => def.name.name.clone(),
        None => format!("{modname}.{}", def.name.name),
    };
    // (Its id: by its container's name and its own, `stable_ids`.)
    let container = match (owner, loc.1) {
        (Some(s), _) => cx.structs[s as usize].name.clone(),
        (None, Some(_)) => match &cx.modules[m].input.ast.body.get(loc.0).map(|s| &s.kind) {
            Some(StmtKind::Trait(td)) => td.name.name.clone(),
            _ => String::new(),
        },
        (None, None) => String::new(),
    };
    let key = super::stable_ids::key_of(&container, &def.name.name, super::stable_ids::FUNCTION);
    super::stable_ids::add(
        cx,
        key,
        FuncData {
            mangled,
            module: m,
            def: Arc::new(def.clone()),
            owner,
            sig: Sig {
                params: Vec::new(),
                ret: Ty::Unit,
                raises: def.raises,
                raises_ty: None,
                has_self: false,
            },
            fieldwise: false,
            loc: Some(loc),
            export,
            inline,
            generics: Vec::new(),
            trait_owner: None,
            required: false,
            late: Vec::new(),
            auto_types: Vec::new(),
            overloads: Vec::new(),
        },
    )
}

fn declare(cx: &mut Ctx, m: usize) {
    let ast = cx.tree(m).clone();
    for (si, stmt) in ast.body.iter().enumerate() {
        match &stmt.kind {
            StmtKind::Def(def) => {
                let id = new_func(cx, m, def, None, (si, None));
                // Another `def` of the same name is an overload of the first (a call picks
                // one by its arguments, `overloads.rs`).
                if let Some(Item::Func(first)) = cx.modules[m].scope.get(&def.name.name).cloned() {
                    let set = &mut cx.funcs[first.0 as usize].overloads;
                    if set.is_empty() {
                        set.push(first);
                    }
                    set.push(id);
                    let k = set.len();
                    cx.funcs[id.0 as usize].mangled.push_str(&format!(".{k}"));
                    continue;
                }
                declare_name(cx, m, &def.name, Item::Func(id));
            }
            StmtKind::Struct(sd) => declare_struct(cx, m, sd, si),
            StmtKind::Trait(td) => declare_trait(cx, m, td, si),
            StmtKind::Comptime { .. }
            | StmtKind::Import { .. }
            | StmtKind::FromImport { .. }
            | StmtKind::Pass
            | StmtKind::Error => {}
            StmtKind::Expr(e) if matches!(e.kind, ExprKind::Str(_) | ExprKind::Ellipsis) => {}
            StmtKind::Return(_) | StmtKind::Break | StmtKind::Continue => {
                let what = match stmt.kind {
                    StmtKind::Return(_) => "return",
                    StmtKind::Break => "break",
                    _ => "continue",
                };
                cx.error(
                    m,
                    Diag::error(
                        super::E_OUTSIDE,
                        format!("`{what}` outside of a function"),
                        stmt.span,
                    ),
                );
            }
            _ => cx.error(
                m,
                Diag::error(
                    E_UNSUPPORTED,
                    "only declarations are allowed at module level",
                    stmt.span,
                )
                .with_hint("move this statement into `def main():`"),
            ),
        }
    }
}

/// Older Mojo spellings that still work, each with a deprecation warning (W0001, like
/// `fn`): argument conventions `owned`/`inout`/`borrowed` and the lifecycle methods
/// `__copyinit__`/`__moveinit__`. (`alias` and `@parameter if` are reported by the parser,
/// `@value` by `declare_struct`.)
fn deprecated_spellings(cx: &mut Ctx, m: usize, def: &FnDef, method: bool) {
    for p in &def.args {
        let (old, new) = match p.convention {
            ast::Convention::Owned => ("owned", "var"),
            ast::Convention::Inout => ("inout", "mut"),
            ast::Convention::Borrowed => ("borrowed", "read"),
            _ => continue,
        };
        cx.error(
            m,
            Diag::warning(
                W_FN_DEPRECATED,
                format!("the argument convention `{old}` is deprecated"),
                p.span,
            )
            .with_hint(format!("write `{new}` instead")),
        );
    }
    let hint = match def.name.name.as_str() {
        "__copyinit__" if method => {
            "write the copy constructor `def __init__(out self, *, copy: Self)`"
        }
        "__moveinit__" if method => {
            "write the move constructor `def __init__(out self, *, deinit take: Self)`"
        }
        _ => return,
    };
    cx.error(
        m,
        Diag::warning(
            W_FN_DEPRECATED,
            format!("`{}` is deprecated", def.name.name),
            def.name.span,
        )
        .with_hint(hint),
    );
}

fn declare_struct(cx: &mut Ctx, m: usize, sd: &StructDef, si: usize) {
    check_decorators(cx, m, &sd.decorators);
    for (name, span) in decorator_names(&sd.decorators) {
        if name == "value" {
            cx.error(
                m,
                Diag::warning(W_FN_DEPRECATED, "`@value` is deprecated", span).with_hint(
                    "write `@fieldwise_init` and declare the traits: `struct S(Copyable, Movable)`",
                ),
            );
        }
    }
    let modname = cx.modules[m].input.name.clone();
    let key = super::stable_ids::key_of("", &sd.name.name, super::stable_ids::STRUCT);
    let data = StructData {
        name: format!("{modname}.{}", sd.name.name),
        module: m,
        fields: Vec::new(),
        methods: HashMap::new(),
        consts: HashMap::new(),
        span: sd.name.span,
        params: Vec::new(),
        traits: Vec::new(),
        cond_traits: Vec::new(),
        trait_names: super::ownership::declared_traits(sd),
        late_consts: Vec::new(),
        late_fields: Vec::new(),
        materialize: super::params::nonmaterializable_target(&sd.decorators),
        declared: {
            let erased = super::refs::erased_params(&sd.params);
            sd.params
                .iter()
                .map(|g| (g.name.name.clone(), g.mode, erased.contains(&g.name.name)))
                .collect()
        },
    };
    let idx = super::stable_ids::add_struct(cx, key, data, sd.name.name.clone());
    declare_name(cx, m, &sd.name, Item::Struct(idx));
    for (k, stmt) in sd.body.iter().enumerate() {
        if let StmtKind::Def(def) = &stmt.kind {
            let id = new_func(cx, m, def, Some(idx), (si, Some(k)));
            // Mojo 1.0 spells the copy and move constructors as `__init__` overloads.
            let mut key = super::ownership::lifecycle_key(def)
                .unwrap_or(&def.name.name)
                .to_string();
            // Constructors may be overloaded (`check/overloads.rs`): the second one is
            // `__init__#2`, and so on.
            if key == "__init__" {
                key = super::overloads::overload_key(&cx.structs[idx as usize].methods, &key);
            }
            // `__exit__(self, err)` (which may swallow the error of a `with` body) is an
            // overload of `__exit__(self)`: see `with_stmt.rs`.
            if key == "__exit__" && def.args.len() > 1 {
                key = super::with_stmt::ERROR_EXIT.to_string();
            }
            // `__getitem__(self, s: Slice)` is the overload `obj[a:b]` calls.
            if key == "__getitem__"
                && def.args.len() == 2
                && matches!(
                    def.args[1].ty.as_ref().map(|t| &t.kind),
                    Some(ExprKind::Name(n)) if n == "Slice"
                )
            {
                key = crate::lang_items::SLICE_GETITEM.to_string();
            }
            // Other methods with `self` may be overloaded by their arguments too
            // (`get(key)` and `get(key, default)`): `name#2`, ... (`check/overloads.rs`).
            let has_self = |d: &ast::FnDef| d.args.first().is_some_and(|a| a.name.name == "self");
            if has_self(def)
                && !key.starts_with("__init__")
                && let Some(prev) = cx.structs[idx as usize].methods.get(&key)
                && has_self(&cx.funcs[prev.0 as usize].def)
            {
                key = super::overloads::overload_key(&cx.structs[idx as usize].methods, &key);
            }
            if key != def.name.name {
                cx.funcs[id.0 as usize].mangled = format!(
                    "{}.{}",
                    cx.structs[idx as usize].name,
                    key.replace('#', ".")
                );
            }
            if cx.structs[idx as usize].methods.insert(key, id).is_some() {
                cx.error(
                    m,
                    Diag::error(
                        E_DUPLICATE,
                        format!("method `{}` is defined more than once", def.name.name),
                        def.name.span,
                    )
                    .with_hint("overloading by argument types is not supported yet"),
                );
            }
        }
    }
}

fn declare_trait(cx: &mut Ctx, m: usize, td: &ast::TraitDef, si: usize) {
    check_decorators(cx, m, &td.decorators);
    let idx = cx.traits.len() as u32;
    let modname = cx.modules[m].input.name.clone();
    cx.traits.push(TraitData {
        name: td.name.name.clone(),
        module: m,
        parents: Vec::new(),
        methods: Vec::new(),
        assoc: Vec::new(),
        span: td.name.span,
    });
    declare_name(cx, m, &td.name, Item::Trait(idx));
    for (k, stmt) in td.body.iter().enumerate() {
        match &stmt.kind {
            StmtKind::Def(def) => {
                let id = new_func(cx, m, def, None, (si, Some(k)));
                let f = &mut cx.funcs[id.0 as usize];
                f.mangled = format!("{modname}.{}.{}", td.name.name, def.name.name);
                f.trait_owner = Some(idx);
                f.required = matches!(
                    def.body.as_slice(),
                    [] | [ast::Stmt {
                        kind: StmtKind::Expr(Expr {
                            kind: ExprKind::Ellipsis,
                            ..
                        }),
                        ..
                    }] | [ast::Stmt {
                        kind: StmtKind::Pass,
                        ..
                    }]
                );
                let t = &mut cx.traits[idx as usize];
                if t.methods.iter().any(|(n, _)| *n == def.name.name) {
                    cx.error(
                        m,
                        Diag::error(
                            E_DUPLICATE,
                            format!("method `{}` is defined more than once", def.name.name),
                            def.name.span,
                        ),
                    );
                } else {
                    t.methods.push((def.name.name.clone(), id));
                }
            }
            // `comptime Element: Movable`: each conforming struct says what it is.
            StmtKind::Comptime { name, value, .. } if matches!(value.kind, ExprKind::Ellipsis) => {
                cx.traits[idx as usize].assoc.push(name.name.clone());
            }
            StmtKind::Pass | StmtKind::Error => {}
            StmtKind::Expr(e) if matches!(e.kind, ExprKind::Str(_) | ExprKind::Ellipsis) => {}
            _ => cx.error(
                m,
                Diag::error(
                    E_UNSUPPORTED,
                    "a trait holds method declarations and `comptime` members without a value only",
                    stmt.span,
                ),
            ),
        }
    }
}

/// The struct, trait or function definition an item was declared from.
fn struct_def(cx: &Ctx, s: u32) -> Option<StructDef> {
    let m = cx.structs[s as usize].module;
    cx.tree(m).body.iter().find_map(|st| match &st.kind {
        StmtKind::Struct(sd) if cx.structs[s as usize].span == sd.name.span => Some(sd.clone()),
        _ => None,
    })
}

/// Compile-time parameters of structs and functions, conformance lists and trait parents.
fn resolve_generics(cx: &mut Ctx) {
    let mut diags = Vec::new();
    for s in cx.struct_order.clone() {
        let s = s as usize;
        let Some(sd) = struct_def(cx, s as u32) else {
            continue;
        };
        let m = cx.structs[s].module;
        let params = generics::declare_params(cx, m, &sd.params, &[], &mut diags);
        cx.structs[s].params = params;
        let mut traits = Vec::new();
        let mut cond_traits = Vec::new();
        for (k, t) in sd.traits.iter().enumerate() {
            let ts = generics::resolve_traits(cx, m, t, &mut diags);
            match sd.trait_where.get(k).cloned().flatten() {
                Some(cond) => cond_traits.push((ts, cond)),
                None => traits.extend(ts),
            }
        }
        cx.structs[s].traits = traits;
        cx.structs[s].cond_traits = cond_traits;
    }
    for t in 0..cx.traits.len() {
        let m = cx.traits[t].module;
        let span = cx.traits[t].span;
        let Some(td) = cx.tree(m).body.iter().find_map(|st| match &st.kind {
            StmtKind::Trait(td) if td.name.span == span => Some(td.clone()),
            _ => None,
        }) else {
            continue;
        };
        let mut parents = Vec::new();
        for p in &td.parents {
            parents.extend(generics::resolve_traits(cx, m, p, &mut diags));
        }
        cx.traits[t].parents = parents;
    }
    check_trait_cycles(cx);
    for f in cx.fn_order.clone() {
        let f = f as usize;
        let (m, def, owner, tr) = {
            let fd = &cx.funcs[f];
            (fd.module, fd.def.clone(), fd.owner, fd.trait_owner)
        };
        let mut outer = match (owner, tr) {
            (Some(s), _) => cx.structs[s as usize].params.clone(),
            (None, Some(t)) => vec![GParam {
                name: "Self".into(),
                kind: GKind::Type(vec![TraitRef::User(t)]),
                default: None,
                mode: ast::ParamMode::InferOnly,
                pack: false,
                span: def.name.span,
            }],
            _ => Vec::new(),
        };
        // `def write_to[W: Writer](self, mut writer: W)`: the writer is a String buffer,
        // not a parameter of the instance.
        let own: Vec<ast::GenericParam> = def
            .params
            .iter()
            .filter(
                |g| !matches!(&g.ty, Some(Expr { kind: ExprKind::Name(b), .. }) if b == "Writer"),
            )
            .cloned()
            .collect();
        let mine = generics::declare_params(cx, m, &own, &outer, &mut diags);
        outer.extend(mine);
        // Unbound and partially bound argument types add infer-only parameters.
        let (hidden, auto_types) = super::params::auto_params(cx, m, &def, &outer);
        outer.extend(hidden);
        cx.funcs[f].generics = outer;
        cx.funcs[f].auto_types = auto_types;
    }
    cx.diags.extend(diags);
}

/// The scope of a function's signature: its parameters as `Param(i)`, `Self`.
fn sig_names(cx: &Ctx, id: FnId) -> (HashMap<String, Ty>, HashMap<String, ConstVal>, Option<Ty>) {
    let f = &cx.funcs[id.0 as usize];
    let (mut types, mut consts) = generics::template_names(&f.generics);
    super::params::self_param_names(cx, f, &mut types, &mut consts);
    // The owner's `comptime` type aliases (`-> Self.NodePointer`).
    if let Some(s) = f.owner {
        for (n, v) in &cx.structs[s as usize].consts {
            if let ConstVal::Type(_) = v {
                consts.entry(n.clone()).or_insert_with(|| v.clone());
            }
        }
    }
    let self_ty = match (f.owner, f.trait_owner) {
        (Some(s), _) => Some(struct_self(cx, s)),
        (None, Some(_)) => Some(Ty::Param(0)),
        _ => None,
    };
    (types, consts, self_ty)
}

/// `Self` inside struct `s`: the struct with its own parameters as arguments.
pub(crate) fn struct_self(cx: &Ctx, s: u32) -> Ty {
    let n = cx.structs[s as usize].params.len();
    if n == 0 {
        return Ty::st(s);
    }
    let args: Vec<CtArg> = cx.structs[s as usize]
        .params
        .iter()
        .enumerate()
        .map(|(i, p)| match p.kind {
            GKind::Type(_) | GKind::DType => CtArg::Type(Ty::Param(i as u32)),
            GKind::Value(_) | GKind::Func(..) => CtArg::Param(i as u32),
        })
        .collect();
    Ty::Struct(s, args.into())
}

/// Two module-level functions of one name must differ in their arguments (count, types
/// or keyword names); otherwise the second is a redefinition.
fn check_overload_sets(cx: &mut Ctx) {
    for f in cx.fn_order.clone() {
        let f = f as usize;
        let set = cx.funcs[f].overloads.clone();
        for (k, b) in set.iter().enumerate() {
            let fb = &cx.funcs[b.0 as usize];
            let clash = set[..k].iter().any(|a| {
                let fa = &cx.funcs[a.0 as usize];
                fa.generics.len() == fb.generics.len()
                    && fa.sig.params.len() == fb.sig.params.len()
                    && fa
                        .sig
                        .params
                        .iter()
                        .zip(&fb.sig.params)
                        .all(|(x, y)| x.ty == y.ty && x.name == y.name)
            });
            if clash {
                let name = fb.def.name.clone();
                let d = Diag::error(
                    E_DUPLICATE,
                    format!("`{}` is defined more than once", name.name),
                    name.span,
                )
                .with_hint("an overload needs arguments of other types, or another number of them");
                cx.error(fb.module, d);
            }
        }
    }
}

/// Checks that each struct defines the methods of the traits it declares, and gives it
/// the traits' default methods it does not define.
fn check_conformance(cx: &mut Ctx) {
    for s in cx.struct_order.clone() {
        let s = s as usize;
        let mut todo: Vec<u32> = Vec::new();
        let mut stack: Vec<TraitRef> = cx.structs[s].traits.clone();
        while let Some(t) = stack.pop() {
            if let TraitRef::User(i) = t
                && !todo.contains(&i)
            {
                todo.push(i);
                stack.extend(cx.traits[i as usize].parents.clone());
            }
        }
        let m = cx.structs[s].module;
        let sname = cx.struct_names[s].clone();
        let self_ty = struct_self(cx, s as u32);
        for t in todo {
            let tname = cx.traits[t as usize].name.clone();
            for a in cx.traits[t as usize].assoc.clone() {
                let sd = &cx.structs[s];
                if !sd.consts.contains_key(&a) && !sd.late_consts.iter().any(|(n, _)| *n == a) {
                    let msg = format!(
                        "`{sname}` does not define `comptime {a}`, required by trait `{tname}`"
                    );
                    let hint = format!("add `comptime {a} = ...` to the struct");
                    cx.error(
                        m,
                        Diag::error(generics::E_CONFORMANCE, msg, sd.span).with_hint(hint),
                    );
                }
            }
            for (mname, fid) in cx.traits[t as usize].methods.clone() {
                let req = &cx.funcs[fid.0 as usize];
                match cx.structs[s].methods.get(&mname).copied() {
                    Some(have) => {
                        // Same arity and, with `Self` as this struct, the same types. The
                        // method's own parameters (`def __hash__[H: Hasher]`) follow `Self` in
                        // the trait and the struct's parameters in the struct: line them up.
                        let nstruct = cx.structs[s].params.len();
                        let mut targs = vec![CtArg::Type(self_ty.clone())];
                        for (i, g) in req.generics.iter().enumerate().skip(1) {
                            let k = (nstruct + i - 1) as u32;
                            targs.push(match g.kind {
                                GKind::Type(_) | GKind::DType => CtArg::Type(Ty::Param(k)),
                                GKind::Value(_) | GKind::Func(..) => CtArg::Param(k),
                            });
                        }
                        let want = generics::subst_sig(&req.sig, &targs);
                        let have_f = &cx.funcs[have.0 as usize];
                        let got = &have_f.sig;
                        let same = want.params.len() == got.params.len()
                            && req.generics.len() - 1 + nstruct == have_f.generics.len()
                            && want.has_self == got.has_self
                            && want
                                .params
                                .iter()
                                .zip(&got.params)
                                .skip(usize::from(want.has_self))
                                .all(|(a, b)| a.ty == b.ty || a.ty.is_unknown())
                            // (Unknown: a type naming an associated member, `Self.Element`,
                            // known per conforming struct only.)
                            && (want.ret == got.ret || want.ret.is_unknown())
                            && (got.raises <= want.raises);
                        if !same {
                            let span = cx.funcs[have.0 as usize].def.name.span;
                            let msg = format!(
                                "method `{mname}` of `{sname}` does not match its declaration in trait `{tname}`"
                            );
                            let hint =
                                format!("the trait declares `{}`", describe_sig(cx, &mname, fid));
                            cx.error(
                                m,
                                Diag::error(generics::E_CONFORMANCE, msg, span).with_hint(hint),
                            );
                        }
                    }
                    None if cx.funcs[fid.0 as usize].required => {
                        let span = cx.structs[s].span;
                        let msg = format!(
                            "`{sname}` does not implement `{mname}`, required by trait `{tname}`"
                        );
                        let hint = format!("add `{}` to the struct", describe_sig(cx, &mname, fid));
                        cx.error(
                            m,
                            Diag::error(generics::E_CONFORMANCE, msg, span).with_hint(hint),
                        );
                    }
                    None => {
                        cx.structs[s].methods.insert(mname, fid);
                    }
                }
            }
        }
        // A conditional conformance (`Hashable where conforms_to(T, Hashable)`) gives the
        // traits' default methods too; an instance for which the condition fails never
        // calls them (bodies are checked per instance).
        let mut stack: Vec<TraitRef> = cx.structs[s]
            .cond_traits
            .iter()
            .flat_map(|(ts, _)| ts.iter().cloned())
            .collect();
        let mut seen: Vec<u32> = Vec::new();
        while let Some(t) = stack.pop() {
            let TraitRef::User(i) = t else { continue };
            if seen.contains(&i) {
                continue;
            }
            seen.push(i);
            stack.extend(cx.traits[i as usize].parents.clone());
            for (mname, fid) in cx.traits[i as usize].methods.clone() {
                if !cx.funcs[fid.0 as usize].required {
                    cx.structs[s].methods.entry(mname).or_insert(fid);
                }
            }
        }
    }
}

/// A trait method as its declaration reads (`def __hash__[H: Hasher](self, mut hasher: H)`):
/// the method's own parameters by name, `Self` as `Self`.
fn describe_sig(cx: &Ctx, name: &str, fid: FnId) -> String {
    let f = &cx.funcs[fid.0 as usize];
    let ty = |t: &Ty| -> String {
        let mut s = cx.ty_name(t);
        for (i, g) in f.generics.iter().enumerate().rev() {
            let shown = if i == 0 { "Self" } else { g.name.as_str() };
            s = s.replace(&format!("<param {i}>"), shown);
        }
        s
    };
    let sig = &f.sig;
    let ps: Vec<String> = sig
        .params
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let conv = match p.conv {
                Conv::Mut => "mut ",
                Conv::Ref => "ref ",
                Conv::Owned => "var ",
                _ => "",
            };
            if i == 0 && sig.has_self {
                format!("{conv}self")
            } else {
                format!("{conv}{}: {}", p.name, ty(&p.ty))
            }
        })
        .collect();
    let ret = if sig.ret == Ty::Unit {
        String::new()
    } else {
        format!(" -> {}", ty(&sig.ret))
    };
    let raises = if sig.raises { " raises" } else { "" };
    let own: Vec<String> = f
        .generics
        .iter()
        .skip(1)
        .map(|g| match &g.kind {
            GKind::Type(b) if !b.is_empty() => {
                let bs: Vec<String> = b.iter().map(|t| generics::trait_name(cx, t)).collect();
                format!("{}: {}", g.name, bs.join(" & "))
            }
            _ => g.name.clone(),
        })
        .collect();
    let own = if own.is_empty() {
        String::new()
    } else {
        format!("[{}]", own.join(", "))
    };
    format!("def {name}{own}({}){raises}{ret}", ps.join(", "))
}

/// Finds a module by dotted name. A built-in module name (`math`) also finds its library
/// file (`std.math`), whose mj definitions sit beside the compiler's built-ins.
/// Built-in functions that Mojo's library modules written in mj here also export: the
/// built-in module that provides them.
fn builtin_reexport(module: &str, name: &str) -> Option<&'static str> {
    match (module.strip_prefix("std.").unwrap_or(module), name) {
        ("os", "abort") => Some("builtin"),
        ("collections.string", "String" | "StaticString") => Some("builtin"),
        ("collections.string", n) if is_string_view_name(n) => Some("builtin"),
        _ => None,
    }
}

/// Mojo's names of string views (`StringSlice` and its 1.0 spellings): all one string
/// type here.
pub(crate) fn is_string_view_name(n: &str) -> bool {
    matches!(
        n,
        "StringSlice"
            | "ImmStringSlice"
            | "MutStringSlice"
            | "StringSpan"
            | "ImmStringSpan"
            | "MutStringSpan"
    )
}

fn find_module(cx: &Ctx, name: &str) -> Option<usize> {
    let exact = cx.modules.iter().position(|md| md.input.name == name);
    exact.or_else(|| {
        if builtin_module(name).is_none() && !crate::imports::std_alias(name) {
            return None;
        }
        let std_name = format!("std.{name}");
        cx.modules.iter().position(|md| md.input.name == std_name)
    })
}

/// Makes the prelude's names (`Optional`) visible in every module that does not define
/// the name itself; an import of the same name replaces it.
fn inject_prelude(cx: &mut Ctx) {
    for pm in crate::PRELUDE_MODULES {
        let Some(p) = cx.modules.iter().position(|md| md.input.name == *pm) else {
            continue;
        };
        for n in crate::PRELUDE_NAMES {
            let Some(item) = cx.modules[p].scope.get(n).cloned() else {
                continue;
            };
            for md in &mut cx.modules {
                md.scope
                    .entry(n.to_string())
                    .or_insert_with(|| item.clone());
            }
        }
    }
}

/// A library module that shares its name with a built-in module (`stdlib/std/math.mj`)
/// also exports the built-in names, so `from std.math import sqrt, gcd` finds both.
fn inject_builtins(cx: &mut Ctx, m: usize) {
    let name = cx.modules[m].input.name.clone();
    let Some(b) = builtin_module(&name) else {
        return;
    };
    for n in super::builtins::builtin_module_names(b) {
        cx.modules[m]
            .scope
            .entry(n.to_string())
            .or_insert_with(|| Item::Builtin(b, n.to_string()));
    }
}

/// Makes the built-ins written in mj (`open`, `FileHandle` of `std.io.file`, loaded on
/// demand: `db::imports`) visible in every module that does not define or import them.
fn inject_io_prelude(cx: &mut Ctx) {
    let name = crate::imports::PRELUDE_MODULE;
    let Some(p) = cx.modules.iter().position(|md| md.input.name == name) else {
        return;
    };
    for n in crate::imports::PRELUDE_NAMES {
        let Some(item) = cx.modules[p].scope.get(n).cloned() else {
            continue;
        };
        for m in (0..cx.modules.len()).filter(|&m| m != p) {
            cx.modules[m]
                .scope
                .entry(n.to_string())
                .or_insert_with(|| item.clone());
        }
    }
}

fn resolve_imports(cx: &mut Ctx, m: usize, report: bool) {
    let ast = cx.tree(m).clone();
    let this = cx.modules[m].input.name.clone();
    for stmt in &ast.body {
        match &stmt.kind {
            StmtKind::Import { path, alias } => {
                let dotted = crate::imports::dotted(path);
                let item = if let Some(t) = find_module(cx, &dotted) {
                    Item::Module(t)
                } else if let Some(b) = builtin_module(&dotted) {
                    Item::BuiltinModule(b)
                } else {
                    if report {
                        cx.error(
                            m,
                            Diag::error(E_IMPORT, format!("no module named `{dotted}`"), stmt.span),
                        );
                    }
                    continue;
                };
                // `import a.b` binds `a.b` through `a`; we bind the last component's full path
                // under the first name only when aliased, else under the full dotted name's head.
                let bind = match alias {
                    Some(a) => a.name.clone(),
                    None => path.last().map(|i| i.name.clone()).unwrap_or_default(),
                };
                cx.modules[m].scope.insert(bind.clone(), item.clone());
                if alias.is_none() && path.len() > 1 {
                    cx.modules[m].scope.insert(dotted.clone(), item);
                    cx.modules[m]
                        .scope
                        .entry(path[0].name.clone())
                        .or_insert(Item::BuiltinModule("<package>"));
                }
            }
            StmtKind::FromImport {
                level,
                module,
                names,
                star,
            } => {
                let mut dotted = crate::imports::dotted(module);
                if *level > 0 {
                    // Relative import: drop `level` trailing components of this module's name.
                    let is_package = cx.modules[m].input.path.ends_with("__init__.mj");
                    dotted = crate::imports::relative_module(&this, is_package, *level, &dotted);
                }
                if let Some(b) =
                    builtin_module(&dotted).filter(|_| find_module(cx, &dotted).is_none())
                {
                    if *star {
                        // `from std.testing import *`: every name the module exports.
                        for n in super::builtins::builtin_module_names(b) {
                            cx.modules[m]
                                .scope
                                .insert(n.to_string(), Item::Builtin(b, n.to_string()));
                        }
                    }
                    for (name, alias) in names {
                        // `from std.sys import info`: the submodule `std.sys.info`.
                        if b == "sys" && name.name == "info" {
                            let bind = alias.as_ref().unwrap_or(name).name.clone();
                            cx.modules[m].scope.insert(bind, Item::BuiltinModule("sys"));
                            continue;
                        }
                        if !builtin_module_has(b, &name.name) {
                            if report {
                                cx.error(
                                    m,
                                    Diag::error(
                                        E_IMPORT,
                                        format!("cannot import `{}` from `{dotted}`", name.name),
                                        name.span,
                                    ),
                                );
                            }
                            continue;
                        }
                        let bind = alias.as_ref().unwrap_or(name).name.clone();
                        cx.modules[m]
                            .scope
                            .insert(bind, Item::Builtin(b, name.name.clone()));
                    }
                    continue;
                }
                let Some(t) = find_module(cx, &dotted) else {
                    if report {
                        cx.error(
                            m,
                            Diag::error(E_IMPORT, format!("no module named `{dotted}`"), stmt.span),
                        );
                    }
                    continue;
                };
                if *star {
                    let items: Vec<(String, Item)> = cx.modules[t]
                        .scope
                        .iter()
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect();
                    for (k, v) in items {
                        cx.modules[m].scope.entry(k).or_insert(v);
                    }
                    continue;
                }
                for (name, alias) in names {
                    let bind = alias.as_ref().unwrap_or(name).name.clone();
                    let sub = format!("{dotted}.{}", name.name);
                    if let Some(item) = cx.modules[t].scope.get(&name.name).cloned() {
                        cx.modules[m].scope.insert(bind, item);
                    } else if let Some(b) = builtin_reexport(&dotted, &name.name) {
                        // A built-in that Mojo's library module defines (`from std.os import
                        // abort`): the built-in, under the imported name.
                        cx.modules[m]
                            .scope
                            .insert(bind, Item::Builtin(b, name.name.clone()));
                    } else if let Some(sm) = find_module(cx, &sub) {
                        cx.modules[m].scope.insert(bind, Item::Module(sm));
                    } else if pending_alias(cx, t, &name.name) {
                        // A generic struct alias, imported once it is resolved.
                    } else if report {
                        let mut d = Diag::error(
                            E_IMPORT,
                            format!("cannot import `{}` from `{dotted}`", name.name),
                            name.span,
                        );
                        let keys: Vec<String> = cx.modules[t].scope.keys().cloned().collect();
                        if let Some(s) = did_you_mean(&name.name, keys.iter().map(String::as_str)) {
                            d = d.with_hint(format!("did you mean `{s}`?"));
                        }
                        cx.error(m, d);
                    }
                }
            }
            _ => {}
        }
    }
}

/// `comptime NAME: Trait` without a value outside a trait.
pub(crate) fn comptime_needs_value(name: &ast::Ident) -> Diag {
    Diag::error(
        super::E_COMPTIME,
        format!("`comptime {}` needs a value", name.name),
        name.span,
    )
    .with_hint("only a trait declares a `comptime` member without a value: write `= value`")
}

fn eval_consts(cx: &mut Ctx, m: usize, report: bool) {
    let ast = cx.tree(m).clone();
    for stmt in &ast.body {
        if let StmtKind::Comptime {
            name,
            params,
            ty,
            value,
        } = &stmt.kind
        {
            if matches!(cx.modules[m].scope.get(&name.name), Some(Item::Const(_))) {
                continue;
            }
            if matches!(value.kind, ExprKind::Ellipsis) {
                if report {
                    cx.error(m, comptime_needs_value(name));
                }
                continue;
            }
            let mut diags = Vec::new();
            let alias = super::params::alias_of(cx, m, &name.name, params, value, &mut diags);
            if let Some(a) = alias {
                // Before imports are resolved a parameter type may not be known yet.
                if !report && !diags.is_empty() {
                    continue;
                }
                cx.diags.extend(diags);
                cx.modules[m]
                    .scope
                    .insert(name.name.clone(), Item::Const(a));
                continue;
            }
            // `comptime thread_idx = _ThreadIdx()`: a value of a struct of this module is
            // known before imports, so other modules can import it.
            if !report
                && let ExprKind::Call { func, .. } = &value.kind
                && let ExprKind::Name(f) = &func.kind
                && matches!(cx.modules[m].scope.get(f), Some(Item::Struct(_)))
            {
                cx.modules[m].scope.insert(
                    name.name.clone(),
                    Item::Const(ConstVal::Expr(m, Arc::new(value.clone()))),
                );
                continue;
            }
            if !report && const_eval(cx, m, value, &HashMap::new()).is_none() {
                continue;
            }
            // `comptime layout = row_major[8, 8]()` and `comptime L = type_of(layout)`:
            // decided once generic aliases of every module are known
            // (`late_struct_consts`).
            if report
                && late_shaped(cx, m, value)
                && const_eval(cx, m, value, &HashMap::new()).is_none()
            {
                continue;
            }
            if report && generics::is_trait_expr(cx, m, value, 0) {
                // A trait alias (`comptime Basics = Equatable & Copyable`): kept as its
                // expression, which `resolve_traits` expands where a trait is expected.
                cx.modules[m].scope.insert(
                    name.name.clone(),
                    Item::Const(ConstVal::Expr(m, Arc::new(value.clone()))),
                );
                continue;
            }
            if report
                && super::comptime::deferrable(cx, m, value)
                && const_eval(cx, m, value, &HashMap::new()).is_none()
            {
                // A struct-valued constant (checked where it is used) or one computed by
                // calls (evaluated where a body uses it, see `comptime.rs`).
                cx.modules[m].scope.insert(
                    name.name.clone(),
                    Item::Const(ConstVal::Expr(m, Arc::new(value.clone()))),
                );
                continue;
            }
            if report && generic_struct_instance(cx, m, value) {
                // `comptime ListNode = Node[Element]`: resolved once the structs'
                // parameters are known (`generic_type_aliases`).
                continue;
            }
            let want = ty
                .as_ref()
                .map(|t| resolve_type_here(cx, m, t, &TyScope::empty()));
            match const_eval(cx, m, value, &HashMap::new()) {
                Some(v) => {
                    let v = match (want, v) {
                        (Some(t), ConstVal::Int(i, _)) if t.is_int() => ConstVal::Int(i, t),
                        (Some(t), ConstVal::Int(i, _)) if t.is_float() => {
                            ConstVal::Float(i as f64, t)
                        }
                        (Some(t), ConstVal::Float(f, _)) if t.is_float() => ConstVal::Float(f, t),
                        (_, v) => v,
                    };
                    if report && cx.modules[m].scope.contains_key(&name.name) {
                        cx.error(
                            m,
                            Diag::error(
                                E_DUPLICATE,
                                format!("`{}` is defined more than once", name.name),
                                name.span,
                            ),
                        );
                    } else {
                        cx.modules[m]
                            .scope
                            .insert(name.name.clone(), Item::Const(v));
                    }
                }
                None => {
                    let d = const_failure(cx, m, &name.name, value, &HashMap::new());
                    cx.error(m, d);
                    // Defined (as a value of no type), so its uses report nothing more.
                    cx.modules[m]
                        .scope
                        .entry(name.name.clone())
                        .or_insert(Item::Const(ConstVal::Int(0, Ty::Unknown)));
                }
            }
        }
    }
}

/// `Layout.row_major(rows, cols)` / `Layout.col_major(...)` of the `layout` package: a
/// layout known at compile time, which mj represents as a type (`RowMajorLayout[rows,
/// cols, -1]`), so that a compile-time parameter `layout: Layout` (a type parameter
/// bounded by the `Layout` trait) takes it and a tensor's indexing folds to constants.
pub(crate) fn layout_ctor(
    cx: &Ctx,
    m: usize,
    e: &Expr,
    locals: &HashMap<String, ConstVal>,
) -> Option<Ty> {
    let ExprKind::Call { func, args } = &e.kind else {
        return None;
    };
    let ExprKind::Attr { base, name } = &func.kind else {
        return None;
    };
    let target = match name.name.as_str() {
        "row_major" => "RowMajorLayout",
        "col_major" => "ColMajorLayout",
        _ => return None,
    };
    if !matches!(&base.kind, ExprKind::Name(b) if b == "Layout" && !locals.contains_key(b)) {
        return None;
    }
    // Only the `layout` package's `Layout`.
    let lm = cx
        .modules
        .iter()
        .position(|md| md.input.name == "layout.tile_layout")?;
    match cx.modules[m].scope.get("Layout") {
        Some(Item::Trait(_)) | Some(Item::Const(_)) => {}
        _ => return None,
    }
    let Some(Item::Struct(sid)) = cx.modules[lm].scope.get(target).cloned() else {
        return None;
    };
    if args.is_empty() || args.len() > 3 || args.iter().any(|a| a.name.is_some()) {
        return None;
    }
    let mut dims: Vec<crate::ty::CtArg> = Vec::new();
    for a in args {
        match const_eval(cx, m, &a.value, locals)? {
            ConstVal::Int(v, _) => dims.push(crate::ty::CtArg::Int(v)),
            _ => return None,
        }
    }
    while dims.len() < 3 {
        dims.push(crate::ty::CtArg::Int(-1));
    }
    Some(Ty::Struct(sid, dims.into()))
}

/// A constant that may be a struct constructed from its type alone
/// (`row_major[8, 8]()`) or the type of one (`type_of(layout)`).
fn late_shaped(cx: &Ctx, m: usize, value: &Expr) -> bool {
    let ExprKind::Call { func, args } = &value.kind else {
        return false;
    };
    match &func.kind {
        ExprKind::Name(n) if n == "type_of" => {
            matches!(args.as_slice(), [a] if matches!(&a.value.kind, ExprKind::Name(_)))
        }
        ExprKind::Index { base, .. } => match &base.kind {
            ExprKind::Name(n) => !matches!(cx.modules[m].scope.get(n), Some(Item::Func(_))),
            _ => false,
        },
        _ => false,
    }
}

/// The constants `eval_consts` left for later (`late_shaped`): a struct built from its
/// type alone is kept as its expression, `type_of` of one is its type; anything else gets
/// the error it would have had.
fn late_struct_consts(cx: &mut Ctx, m: usize) {
    let ast = cx.tree(m).clone();
    for stmt in &ast.body {
        let StmtKind::Comptime {
            name,
            params,
            value,
            ..
        } = &stmt.kind
        else {
            continue;
        };
        if !params.is_empty()
            || cx.modules[m].scope.contains_key(&name.name)
            || !late_shaped(cx, m, value)
        {
            continue;
        }
        if struct_call_type(cx, m, value).is_some() {
            cx.modules[m].scope.insert(
                name.name.clone(),
                Item::Const(ConstVal::Expr(m, Arc::new(value.clone()))),
            );
            continue;
        }
        if let ExprKind::Call { args, .. } = &value.kind
            && let [a] = args.as_slice()
            && let ExprKind::Name(x) = &a.value.kind
            && let Some(Item::Const(ConstVal::Expr(xm, xe))) = cx.modules[m].scope.get(x).cloned()
            && let Some(t) = struct_call_type(cx, xm, &xe)
        {
            cx.modules[m]
                .scope
                .insert(name.name.clone(), Item::Const(ConstVal::Type(t)));
            continue;
        }
        let d = const_failure(cx, m, &name.name, value, &HashMap::new());
        cx.error(m, d);
        cx.modules[m]
            .scope
            .entry(name.name.clone())
            .or_insert(Item::Const(ConstVal::Int(0, Ty::Unknown)));
    }
}

/// The type of `T[...](...)` when `T[...]` names a struct type (a constructor call).
fn struct_call_type(cx: &Ctx, m: usize, value: &Expr) -> Option<Ty> {
    let ExprKind::Call { func, .. } = &value.kind else {
        return None;
    };
    if !matches!(func.kind, ExprKind::Index { .. } | ExprKind::Name(_)) {
        return None;
    }
    let mut quiet = Vec::new();
    match resolve_type(cx, m, func, &TyScope::empty(), &mut quiet) {
        t @ Ty::Struct(..) if quiet.is_empty() => Some(t),
        _ => None,
    }
}

/// The error for the constant `name = value` (of a module, a struct or a body, whose
/// other constants are `locals`) that could not be computed: its cause when it is one a
/// person can fix (a division by zero, a value past the range of compile-time integers,
/// constants defined in terms of each other), else the general message.
pub(crate) fn const_failure(
    cx: &Ctx,
    m: usize,
    name: &str,
    value: &Expr,
    locals: &HashMap<String, ConstVal>,
) -> Diag {
    match const_failure_cause(cx, m, name, value, locals) {
        Some((why, span)) => Diag::error(super::E_COMPTIME, why, span),
        None => Diag::error(
            super::E_COMPTIME,
            "this value is not a compile-time constant",
            value.span,
        )
        .with_hint("a `comptime` value may use literals, operators and other `comptime` names"),
    }
}

fn const_failure_cause(
    cx: &Ctx,
    m: usize,
    name: &str,
    value: &Expr,
    locals: &HashMap<String, ConstVal>,
) -> Option<(String, mj_syntax::Span)> {
    let mut found = None;
    let mut visit = |e: &Expr| {
        if found.is_some() {
            return;
        }
        match &e.kind {
            ExprKind::Binary { op, lhs, rhs } => {
                let eval = |x: &Expr| const_eval(cx, m, x, locals);
                let (l, r) = (eval(lhs), eval(rhs));
                let zero = matches!(r, Some(ConstVal::Int(0, _)))
                    || matches!(r, Some(ConstVal::Float(f, _)) if f == 0.0);
                if zero && matches!(op, ast::BinOp::Div | ast::BinOp::FloorDiv | ast::BinOp::Mod) {
                    found = Some((
                        "division by zero in a compile-time value".to_string(),
                        e.span,
                    ));
                } else if matches!((l, r), (Some(ConstVal::Int(..)), Some(ConstVal::Int(..))))
                    && eval(e).is_none()
                {
                    found = Some((
                        "this compile-time integer overflows (beyond 128 bits)".to_string(),
                        e.span,
                    ));
                }
            }
            ExprKind::Name(n)
                if !cx.modules[m].scope.contains_key(n) && !locals.contains_key(n) =>
            {
                if let Some(path) = const_cycle(cx, m, n, name, &mut vec![name.to_string()]) {
                    found = Some((
                        format!(
                            "compile-time values defined in terms of each other: {}",
                            path.join(" -> ")
                        ),
                        e.span,
                    ));
                }
            }
            _ => {}
        }
    };
    mj_syntax::visit::walk_expr(value, &mut visit);
    found
}

/// Whether the module-level constant `from` reaches `target` through the names its value
/// mentions; the chain of names, starting at `target`.
fn const_cycle(
    cx: &Ctx,
    m: usize,
    from: &str,
    target: &str,
    path: &mut Vec<String>,
) -> Option<Vec<String>> {
    if path.len() > 64 || path.iter().skip(1).any(|p| p == from) {
        return None;
    }
    path.push(from.to_string());
    if from == target {
        return Some(path.clone());
    }
    let value = cx.tree(m).body.iter().find_map(|st| match &st.kind {
        StmtKind::Comptime { name, value, .. } if name.name == from => Some(value),
        _ => None,
    });
    let mut names = Vec::new();
    if let Some(v) = value {
        mj_syntax::visit::walk_expr(v, &mut |e: &Expr| {
            if let ExprKind::Name(n) = &e.kind {
                names.push(n.clone());
            }
        });
    }
    for n in names {
        if let Some(p) = const_cycle(cx, m, &n, target, path) {
            return Some(p);
        }
    }
    path.pop();
    None
}

/// Whether `e` applies a user struct to arguments (`Node[Element]`).
fn generic_struct_instance(cx: &Ctx, m: usize, e: &Expr) -> bool {
    matches!(&e.kind, ExprKind::Index { base, .. }
        if matches!(&base.kind, ExprKind::Name(n)
            if matches!(cx.modules[m].scope.get(n), Some(Item::Struct(_)))))
}

/// Whether module `t` defines `name` as an alias of a generic struct instance not resolved
/// yet (`generic_type_aliases`).
fn pending_alias(cx: &Ctx, t: usize, name: &str) -> bool {
    // (Any `X[...]` alias: the struct it names may itself be imported in a later round.)
    cx.tree(t).body.iter().any(|st| {
        matches!(&st.kind, StmtKind::Comptime { name: n, value, .. }
            if n.name == name && matches!(&value.kind, ExprKind::Index { base, .. }
                if matches!(base.kind, ExprKind::Name(_))))
    })
}

/// Module-level aliases of generic struct instances (`comptime ListNode = Node[Element]`),
/// after the structs' parameters are resolved.
fn generic_type_aliases(cx: &mut Ctx) {
    for m in 0..cx.modules.len() {
        let ast = cx.tree(m).clone();
        for stmt in &ast.body {
            let StmtKind::Comptime {
                name,
                params,
                value,
                ..
            } = &stmt.kind
            else {
                continue;
            };
            if !params.is_empty()
                || matches!(cx.modules[m].scope.get(&name.name), Some(Item::Const(_)))
                || !generic_struct_instance(cx, m, value)
            {
                continue;
            }
            let mut diags = Vec::new();
            let t = resolve_type(cx, m, value, &TyScope::empty(), &mut diags);
            cx.diags.extend(diags);
            cx.modules[m]
                .scope
                .insert(name.name.clone(), Item::Const(ConstVal::Type(t)));
        }
    }
}

/// Folds a constant expression. `locals` holds function-level `comptime` values.
pub(crate) fn const_eval(
    cx: &Ctx,
    m: usize,
    e: &Expr,
    locals: &HashMap<String, ConstVal>,
) -> Option<ConstVal> {
    use ast::BinOp as B;
    if let Some(t) = layout_ctor(cx, m, e, locals) {
        return Some(ConstVal::Type(t));
    }
    Some(match &e.kind {
        ExprKind::Int(v) => ConstVal::Int(i128::try_from(*v).ok()?, Ty::INT),
        ExprKind::Float(f) => ConstVal::Float(*f, Ty::F64),
        ExprKind::Bool(b) => ConstVal::Bool(*b),
        ExprKind::Str(s) => ConstVal::Str(s.clone()),
        ExprKind::Name(n) => {
            let v = match locals.get(n) {
                Some(v) => v,
                None => match cx.modules[m].scope.get(n) {
                    Some(Item::Const(v)) => v,
                    _ => return None,
                },
            };
            // A constant computed by calls is evaluated here, inside bodies.
            match super::comptime::force(cx, v, Some((m, e.span)), locals) {
                super::comptime::Forced::Value(v) => v,
                super::comptime::Forced::NotApplicable => v.clone(),
                super::comptime::Forced::Failed(_) => return None,
            }
        }
        ExprKind::Unary { op, expr } => match (op, const_eval(cx, m, expr, locals)?) {
            (ast::UnOp::Neg, ConstVal::Int(i, t)) => ConstVal::Int(-i, t),
            (ast::UnOp::Neg, ConstVal::Float(f, t)) => ConstVal::Float(-f, t),
            (ast::UnOp::Pos, v) => v,
            (ast::UnOp::Not, ConstVal::Bool(b)) => ConstVal::Bool(!b),
            (ast::UnOp::Invert, ConstVal::Int(i, t)) => ConstVal::Int(!i, t),
            _ => return None,
        },
        ExprKind::Attr { base, name }
            if matches!(&base.kind, ExprKind::Name(b) if b == "Self")
                && locals.contains_key(&name.name) =>
        {
            locals.get(&name.name)?.clone()
        }
        // `DType.int8`
        ExprKind::Attr { base, .. } if matches!(&base.kind, ExprKind::Name(b) if b == "DType" && !locals.contains_key(b)) => {
            ConstVal::DType(super::builtins::simd_types::eval_dtype(cx, m, e, locals).ok()?)
        }
        // `[DType.int8, DType.float32]`: a list of dtypes (for `comptime for dt in ...`);
        // lists of values are the compile-time interpreter's.
        ExprKind::List(items)
            if !items.is_empty()
                && items.iter().all(|i| {
                    matches!(&i.kind, ExprKind::Attr { base, .. }
                        if matches!(&base.kind, ExprKind::Name(b) if b == "DType"))
                }) =>
        {
            let vals = items
                .iter()
                .map(|i| match const_eval(cx, m, i, locals)? {
                    v @ ConstVal::DType(_) => Some(v),
                    _ => None,
                })
                .collect::<Option<Vec<_>>>()?;
            ConstVal::List(vals.into(), Ty::Unknown)
        }
        // `comptime THREADS = (3, 3)`: a tuple of compile-time values.
        ExprKind::Tuple(items) if !items.is_empty() => {
            let vals = items
                .iter()
                .map(|i| const_eval(cx, m, i, locals))
                .collect::<Option<Vec<_>>>()?;
            ConstVal::Tuple(vals.into())
        }
        // `v.dtype` of an automatically parameterized argument: a hidden parameter.
        ExprKind::Attr { .. }
            if super::params::dotted(e).is_some_and(|n| locals.contains_key(&n)) =>
        {
            locals.get(&super::params::dotted(e)?)?.clone()
        }
        ExprKind::Compare { first, rest } => {
            let mut l = const_eval(cx, m, first, locals)?;
            for (op, e) in rest {
                let r = const_eval(cx, m, e, locals)?;
                if !const_compare(&l, *op, &r)? {
                    return Some(ConstVal::Bool(false));
                }
                l = r;
            }
            ConstVal::Bool(true)
        }
        ExprKind::IfExp {
            cond,
            then,
            otherwise,
        } => match const_eval(cx, m, cond, locals)? {
            ConstVal::Bool(true) => const_eval(cx, m, then, locals)?,
            ConstVal::Bool(false) => const_eval(cx, m, otherwise, locals)?,
            _ => return None,
        },
        ExprKind::Binary {
            op: op @ (B::And | B::Or),
            lhs,
            rhs,
        } => match (const_eval(cx, m, lhs, locals)?, op) {
            (ConstVal::Bool(false), B::And) => ConstVal::Bool(false),
            (ConstVal::Bool(true), B::Or) => ConstVal::Bool(true),
            (ConstVal::Bool(_), _) => match const_eval(cx, m, rhs, locals)? {
                ConstVal::Bool(b) => ConstVal::Bool(b),
                _ => return None,
            },
            _ => return None,
        },
        ExprKind::Binary { op, lhs, rhs } => {
            match super::literal_fold::fold(*op, lhs, rhs) {
                Some(super::literal_fold::Folded::Float(v)) => {
                    return Some(ConstVal::Float(v, Ty::F64));
                }
                Some(super::literal_fold::Folded::Int(v)) => {
                    return Some(ConstVal::Int(v, Ty::INT));
                }
                // (Within 128 bits it is kept, and reported where it becomes an `Int`.)
                Some(super::literal_fold::Folded::TooBig(digits)) => {
                    return digits.parse().ok().map(|v| ConstVal::Int(v, Ty::INT));
                }
                None => {}
            }
            let l = const_eval(cx, m, lhs, locals)?;
            let r = const_eval(cx, m, rhs, locals)?;
            match (l, r) {
                (ConstVal::Int(a, t), ConstVal::Int(b, _)) => ConstVal::Int(
                    match op {
                        B::Add => a.checked_add(b)?,
                        B::Sub => a.checked_sub(b)?,
                        B::Mul => a.checked_mul(b)?,
                        B::FloorDiv if b != 0 => {
                            a.div_euclid(b) - i128::from(b < 0 && a.rem_euclid(b) != 0)
                        }
                        B::Mod if b != 0 => {
                            let r = a.rem_euclid(b);
                            if b < 0 && r != 0 { r + b } else { r }
                        }
                        B::Pow if (0..128).contains(&b) => a.checked_pow(b as u32)?,
                        B::BitAnd => a & b,
                        B::BitOr => a | b,
                        B::BitXor => a ^ b,
                        B::Shl if (0..64).contains(&b) => a.checked_shl(b as u32)?,
                        B::Shr if (0..64).contains(&b) => a >> b,
                        // `Int / Int` truncates toward zero, as in Mojo.
                        B::Div if b != 0 => a.checked_div(b)?,
                        _ => return None,
                    },
                    t,
                ),
                (l, r) => {
                    let f = |v: &ConstVal| match v {
                        ConstVal::Int(i, _) => Some(*i as f64),
                        ConstVal::Float(f, _) => Some(*f),
                        _ => None,
                    };
                    if let (ConstVal::Str(a), ConstVal::Str(b), B::Add) = (&l, &r, op) {
                        return Some(ConstVal::Str(format!("{a}{b}")));
                    }
                    // `"=" * 40`: a string repeated (empty for a count below one).
                    if let (ConstVal::Str(a), ConstVal::Int(n, _), B::Mul)
                    | (ConstVal::Int(n, _), ConstVal::Str(a), B::Mul) = (&l, &r, op)
                    {
                        let n = usize::try_from((*n).max(0)).ok()?;
                        if a.len().saturating_mul(n) > 1 << 24 {
                            return None;
                        }
                        return Some(ConstVal::Str(a.repeat(n)));
                    }
                    let (a, b) = (f(&l)?, f(&r)?);
                    ConstVal::Float(
                        match op {
                            B::Add => a + b,
                            B::Sub => a - b,
                            B::Mul => a * b,
                            B::Div => a / b,
                            B::Pow => a.powf(b),
                            _ => return None,
                        },
                        Ty::F64,
                    )
                }
            }
        }
        // `(DType.bool, DType.int8)`: a tuple of constants the interpreter has no values
        // for (dtypes, types) is built element by element.
        ExprKind::Tuple(items)
            if items
                .iter()
                .any(|i| matches!(i.kind, ExprKind::Attr { .. } | ExprKind::Name(_))) =>
        {
            let vals: Option<Vec<ConstVal>> =
                items.iter().map(|i| const_eval(cx, m, i, locals)).collect();
            match vals {
                Some(v) => ConstVal::Tuple(v.into()),
                None => {
                    return super::builtins::simd_types::const_eval_extra(cx, m, e, locals)
                        .or_else(|| super::comptime::eval_expr(cx, m, e, locals));
                }
            }
        }
        _ => {
            return super::builtins::simd_types::const_eval_extra(cx, m, e, locals)
                .or_else(|| super::comptime::eval_expr(cx, m, e, locals));
        }
    })
}

/// Resolves a signature type, reporting problems, except in a generic signature where the
/// type does arithmetic on compile-time parameters (`SIMD[dt, n + m]`): that one is
/// resolved per instance (`None`).
fn late_type(
    cx: &mut Ctx,
    m: usize,
    e: &Expr,
    scope: &TyScope,
    types: &HashMap<String, Ty>,
    consts: &HashMap<String, ConstVal>,
) -> Option<Ty> {
    let mut diags = Vec::new();
    let t = resolve_type(cx, m, e, scope, &mut diags);
    if diags.is_empty() {
        return Some(t);
    }
    let mut mentions = false;
    // (`Self.Element` in a trait's method: `Self` is the conforming struct, known per
    // instance.)
    // (Also `Self.Element` of a generic struct whose member depends on its parameters,
    // `comptime Element = Tuple[A.Element, B.Element]`: resolved per instance.)
    let trait_self = scope.self_ty.as_ref().is_some_and(Ty::has_param);
    mj_syntax::visit::walk_expr(e, &mut |x| {
        if let ExprKind::Name(n) = &x.kind {
            mentions |= types.contains_key(n) || consts.contains_key(n);
            mentions |= trait_self && n == "Self";
        }
        if let Some(n) = super::params::dotted(x) {
            mentions |= types.contains_key(&n) || consts.contains_key(&n);
        }
    });
    if mentions && !t.has_param() {
        return None;
    }
    cx.diags.extend(diags);
    Some(t)
}

/// Compares two compile-time values; `None` when they cannot be compared.
fn const_compare(l: &ConstVal, op: ast::CmpOp, r: &ConstVal) -> Option<bool> {
    use ast::CmpOp as C;
    use std::cmp::Ordering;
    let ord = match (l, r) {
        (ConstVal::Int(a, _), ConstVal::Int(b, _)) => a.cmp(b),
        (ConstVal::Bool(a), ConstVal::Bool(b)) => a.cmp(b),
        (ConstVal::Str(a), ConstVal::Str(b)) => a.cmp(b),
        (ConstVal::DType(a), ConstVal::DType(b)) | (ConstVal::Type(a), ConstVal::Type(b)) => {
            return match op {
                C::Eq | C::Is => Some(a == b),
                C::Ne | C::IsNot => Some(a != b),
                _ => None,
            };
        }
        (ConstVal::Int(a, _), ConstVal::Float(b, _)) => (*a as f64).partial_cmp(b)?,
        (ConstVal::Float(a, _), ConstVal::Int(b, _)) => a.partial_cmp(&(*b as f64))?,
        (ConstVal::Float(a, _), ConstVal::Float(b, _)) => a.partial_cmp(b)?,
        _ => return None,
    };
    Some(match op {
        C::Eq | C::Is => ord == Ordering::Equal,
        C::Ne | C::IsNot => ord != Ordering::Equal,
        C::Lt => ord == Ordering::Less,
        C::Le => ord != Ordering::Greater,
        C::Gt => ord == Ordering::Greater,
        C::Ge => ord != Ordering::Less,
        C::In | C::NotIn => return None,
    })
}

/// Resolves a type during item collection, keeping the diagnostics with the items.
/// The type a pack parameter (`*Ts`, written `Ts` or `Self.Ts`) is bound to here: the
/// tuple of its elements in an instance.
pub(crate) fn pack_type(e: &Expr, scope: &TyScope) -> Option<Ty> {
    let name = match &e.kind {
        ExprKind::Name(n) => n,
        ExprKind::Attr { base, name } if matches!(&base.kind, ExprKind::Name(b) if b == "Self") => {
            &name.name
        }
        _ => return None,
    };
    match scope.types.get(name) {
        Some(t @ Ty::Tuple(_)) => Some(t.clone()),
        _ => None,
    }
}

/// Whether `e` is a type expression here (resolves without a diagnostic).
pub(crate) fn is_type_here(cx: &Ctx, m: usize, e: &Expr, scope: &TyScope) -> bool {
    let mut diags = Vec::new();
    let t = resolve_type(cx, m, e, scope, &mut diags);
    diags.is_empty() && !t.is_unknown()
}

pub(crate) fn resolve_type_here(cx: &mut Ctx, m: usize, e: &Expr, scope: &TyScope) -> Ty {
    let mut diags = Vec::new();
    let t = resolve_type(cx, m, e, scope, &mut diags);
    cx.diags.extend(diags);
    t
}

/// Resolves a type expression, reporting into `diags`. `scope` says what `Self` and the
/// compile-time parameter names mean here.
pub(crate) fn resolve_type(
    cx: &Ctx,
    m: usize,
    e: &Expr,
    scope: &TyScope,
    diags: &mut Vec<(usize, Diag)>,
) -> Ty {
    if matches!(e.kind, ExprKind::Index { .. })
        && type_expr_depth(e, crate::ty::MAX_TYPE_DEPTH) > crate::ty::MAX_TYPE_DEPTH
    {
        diags.push((m, super::collections::too_deep_type(e.span)));
        return Ty::Unknown;
    }
    if let Some(t) = layout_ctor(cx, m, e, scope.consts) {
        return t;
    }
    // `type_of(layout)` of a module constant built from its type (`row_major[4]()`).
    if let ExprKind::Call { func, args } = &e.kind
        && matches!(&func.kind, ExprKind::Name(n) if n == "type_of")
        && let [a] = args.as_slice()
        && let ExprKind::Name(x) = &a.value.kind
        && !scope.consts.contains_key(x)
        && let Some(Item::Const(ConstVal::Expr(xm, xe))) = cx.modules[m].scope.get(x)
        && let Some(t) = struct_call_type(cx, *xm, xe)
    {
        return t;
    }
    match &e.kind {
        ExprKind::Name(n) => {
            if let Some(t) = scope.types.get(n) {
                return t.clone();
            }
            if let Some(t) = scalar_type(n) {
                return t;
            }
            match n.as_str() {
                "String" | "StaticString" | "StringLiteral" => return Ty::Str,
                n if is_string_view_name(n) => return Ty::Str,
                // Mojo's `comptime SIMDLength = Int` (the type of SIMD widths).
                "SIMDLength" if !cx.modules[m].scope.contains_key(n) => return Ty::INT,
                "Error" => return Ty::Error,
                "NoneType" => return Ty::Unit,
                // `-> Never`: the function does not return (calls end the path: `calls.rs`).
                "Never" if !cx.modules[m].scope.contains_key(n) => return Ty::Unit,
                "Self" => {
                    if let Some(t) = &scope.self_ty {
                        return t.clone();
                    }
                }
                _ => {}
            }
            if let Some(ConstVal::Type(t)) = scope.consts.get(n) {
                return t.clone();
            }
            match cx.modules[m].scope.get(n) {
                Some(Item::Struct(s)) => bare_struct(cx, m, *s, e.span, diags),
                Some(Item::Const(ConstVal::Type(t))) => t.clone(),
                _ => {
                    let mut d = Diag::error(E_UNKNOWN_TYPE, format!("unknown type `{n}`"), e.span);
                    if scope.consts.contains_key(n) {
                        d = Diag::error(
                            E_UNKNOWN_TYPE,
                            format!("`{n}` is a compile-time value, not a type"),
                            e.span,
                        );
                        diags.push((m, d));
                        return Ty::Unknown;
                    }
                    let mut cands: Vec<String> = TYPE_NAMES.iter().map(|s| s.to_string()).collect();
                    for (k, v) in &cx.modules[m].scope {
                        if matches!(v, Item::Struct(_)) {
                            cands.push(k.clone());
                        }
                    }
                    cands.extend(scope.types.keys().cloned());
                    if let Some(s) = did_you_mean(n, cands.iter().map(String::as_str)) {
                        d = d.with_hint(format!("did you mean `{s}`?"));
                    }
                    diags.push((m, d));
                    Ty::Unknown
                }
            }
        }
        ExprKind::None => Ty::Unit,
        ExprKind::Attr { base, name } => {
            // `x.T`: the hidden type parameter of an argument `x: Some[Trait]`.
            if let Some(n) = super::params::dotted(e)
                && let Some(t) = scope.types.get(&n)
            {
                return t.clone();
            }
            // `handle.T` of a reflected field (`comptime h = reflect[C].field["x"]`).
            if name.name == "T"
                && let ExprKind::Name(b) = &base.kind
                && let Some(ConstVal::Type(t)) = scope.consts.get(b)
            {
                return t.clone();
            }
            // `Self.T`: a type parameter of the struct being described, or one of its
            // `comptime` type aliases.
            if matches!(&base.kind, ExprKind::Name(b) if b == "Self") {
                if let Some(t) = scope.types.get(&name.name) {
                    return t.clone();
                }
                if let Some(ConstVal::Type(t)) = scope.consts.get(&name.name) {
                    return t.clone();
                }
            }
            // `mod.Type`
            if let Some(Item::Module(t)) = cx.module_path(m, base)
                && let Some(Item::Struct(s)) = cx.modules[t].scope.get(&name.name)
            {
                return bare_struct(cx, m, *s, e.span, diags);
            }
            // `T.Element`, `C.Element`, `Self.Inner.Element`: a `comptime` type member of a
            // struct type.
            let mut quiet = Vec::new();
            if cx.module_path(m, base).is_none()
                && let Ty::Struct(s, args) = resolve_type(cx, m, base, scope, &mut quiet)
                && quiet.is_empty()
            {
                if let Some(t) = generics::struct_member_type(cx, s, &args, &name.name) {
                    return t;
                }
                let msg = format!(
                    "`{}` has no `comptime` type member `{}`",
                    cx.ty_name(&Ty::Struct(s, args)),
                    name.name
                );
                diags.push((m, Diag::error(E_UNKNOWN_TYPE, msg, e.span)));
                return Ty::Unknown;
            }
            diags.push((m, Diag::error(E_UNKNOWN_TYPE, "unknown type", e.span)));
            Ty::Unknown
        }
        ExprKind::Index { base, args } => {
            // `StringSlice[origin]`, `StringSlice[mut=False, ...]`: strings are one type
            // here (origins are not tracked), whatever the view's parameters.
            if let ExprKind::Name(n) = &base.kind
                && is_string_view_name(n)
                && !scope.types.contains_key(n)
                && matches!(cx.modules[m].scope.get(n), None | Some(Item::Builtin(..)))
            {
                return Ty::Str;
            }
            // `Self.Ts[i]`: element `i` (a compile-time index) of a type pack.
            if let [a] = args.as_slice()
                && a.name.is_none()
                && let Some(Ty::Tuple(elems)) = pack_type(base, scope)
            {
                return match const_eval(cx, m, &a.value, scope.consts) {
                    Some(ConstVal::Int(i, _)) if (0..elems.len() as i128).contains(&i) => {
                        elems[i as usize].clone()
                    }
                    _ => {
                        let msg = format!(
                            "a type pack of {} types needs a compile-time index below {}",
                            elems.len(),
                            elems.len()
                        );
                        diags.push((m, Diag::error(E_UNKNOWN_TYPE, msg, a.value.span)));
                        Ty::Unknown
                    }
                };
            }
            // `Self.IteratorType[origin_of(self)]`: a parametric member over origins is its
            // value (origins do not change a type here).
            if let ExprKind::Attr { base: b, .. } = &base.kind
                && cx.module_path(m, b).is_none()
            {
                let mut quiet = Vec::new();
                let t = resolve_type(cx, m, base, scope, &mut quiet);
                if quiet.is_empty() {
                    return t;
                }
            }
            if let Some(al) = super::params::lookup_alias(cx, m, base, scope.consts) {
                return super::params::alias_type(cx, m, &al, args, scope, diags, e.span);
            }
            // A user generic struct: `Box[Int]`, `mod.Pair[Int, String]`.
            let user = match &base.kind {
                ExprKind::Name(n) if !scope.types.contains_key(n) => {
                    match cx.modules[m].scope.get(n) {
                        Some(Item::Struct(s)) => Some(*s),
                        _ => None,
                    }
                }
                ExprKind::Attr { base: mb, name } => match cx.module_path(m, mb) {
                    Some(Item::Module(t)) => match cx.modules[t].scope.get(&name.name) {
                        Some(Item::Struct(s)) => Some(*s),
                        _ => None,
                    },
                    _ => None,
                },
                _ => None,
            };
            if let Some(s) = user {
                return match generics::struct_args(cx, m, s, args, scope, diags, e.span) {
                    Some(a) => Ty::Struct(s, a),
                    None => Ty::Unknown,
                };
            }
            let ExprKind::Name(n) = &base.kind else {
                diags.push((m, Diag::error(E_UNKNOWN_TYPE, "unknown type", e.span)));
                return Ty::Unknown;
            };
            if n == "Some"
                && let [a] = args.as_slice()
                && matches!(&a.value.kind, ExprKind::Name(w) if w == "Writer")
            {
                // `mut writer: Some[Writer]` in `write_to`: the writer is a String buffer.
                return Ty::Str;
            }
            if let Some(t) =
                super::builtins::simd_types::param_type(cx, m, n, args, scope, e.span, diags)
            {
                return t;
            }
            // `Tuple[*Ts]` of a type pack `Ts`: the pack's own tuple type.
            if n == "Tuple"
                && let [a] = args.as_slice()
                && a.name.as_ref().is_some_and(|k| k.name == "*")
            {
                return resolve_type(cx, m, &a.value, scope, diags);
            }
            let mut tys: Vec<Ty> = Vec::new();
            for a in args {
                if a.name.as_ref().is_some_and(|k| k.name == "*") {
                    let d = Diag::error(
                        E_UNKNOWN_TYPE,
                        "a spread type pack `*Ts` is only supported as the whole of `Tuple[*Ts]`",
                        a.span,
                    );
                    diags.push((m, d));
                    return Ty::Unknown;
                }
                tys.push(resolve_type(cx, m, &a.value, scope, diags));
            }
            let bad: Option<usize> = match n.as_str() {
                "List" => {
                    // The library's `List` when its module is not loaded here: a library
                    // module must import it (a program loads it by naming it).
                    let msg = "`List` is not imported in this module";
                    let d = Diag::error(E_UNKNOWN_TYPE, msg, e.span)
                        .with_hint("add `from std.collections import List`");
                    diags.push((m, d));
                    return Ty::Unknown;
                }
                "Tuple" => None,
                _ => {
                    diags.push((
                        m,
                        Diag::error(
                            E_UNKNOWN_TYPE,
                            format!("unknown generic type `{n}`"),
                            base.span,
                        ),
                    ));
                    return Ty::Unknown;
                }
            };
            if let Some(k) = bad {
                diags.push((
                    m,
                    Diag::error(
                        E_UNKNOWN_TYPE,
                        format!("`{n}` takes {k} type parameter(s), found {}", tys.len()),
                        e.span,
                    ),
                ));
                return Ty::Unknown;
            }
            Ty::Tuple(tys)
        }
        ExprKind::FnType {
            params,
            ret,
            raises,
        } => {
            let ps = params
                .iter()
                .map(|p| resolve_type(cx, m, p, scope, diags))
                .collect();
            let r = match ret {
                Some(r) => resolve_type(cx, m, r, scope, diags),
                None => Ty::Unit,
            };
            Ty::Func(ps, Box::new(r), *raises)
        }
        ExprKind::Tuple(items) => {
            let tys = items
                .iter()
                .map(|i| resolve_type(cx, m, i, scope, diags))
                .collect();
            Ty::Tuple(tys)
        }
        ExprKind::Error => Ty::Unknown,
        _ => {
            diags.push((m, Diag::error(E_UNKNOWN_TYPE, "expected a type", e.span)));
            Ty::Unknown
        }
    }
}

/// A struct named without `[...]`: a generic one needs defaults for all its parameters.
fn bare_struct(
    cx: &Ctx,
    m: usize,
    s: u32,
    span: mj_syntax::Span,
    diags: &mut Vec<(usize, Diag)>,
) -> Ty {
    let params = &cx.structs[s as usize].params;
    if params.is_empty() {
        return Ty::st(s);
    }
    if params.iter().all(|p| p.default.is_some()) {
        let scope = TyScope::empty();
        return match generics::struct_args(cx, m, s, &[], &scope, diags, span) {
            Some(a) => Ty::Struct(s, a),
            None => Ty::Unknown,
        };
    }
    let names: Vec<&str> = params.iter().map(|p| p.name.as_str()).collect();
    diags.push((
        m,
        Diag::error(
            generics::E_GENERIC,
            format!(
                "`{}` needs its compile-time parameters",
                cx.struct_names[s as usize]
            ),
            span,
        )
        .with_hint(format!(
            "write `{}[{}]`",
            cx.struct_names[s as usize],
            names.join(", ")
        )),
    ));
    Ty::Unknown
}

const TYPE_NAMES: &[&str] = &[
    "Int",
    "UInt",
    "Bool",
    "String",
    "Float64",
    "Float32",
    "Int8",
    "Int16",
    "Int32",
    "Int64",
    "UInt8",
    "UInt16",
    "UInt32",
    "UInt64",
    "List",
    "Dict",
    "Tuple",
    "Error",
    "Float16",
    "BFloat16",
    "SIMD",
    "Scalar",
    "UnsafePointer",
    "Pointer",
    "InlineArray",
    "Array",
];

pub(crate) fn scalar_type(n: &str) -> Option<Ty> {
    Some(match n {
        "Int" => Ty::INT,
        "UInt" => Ty::UINT,
        "Bool" => Ty::Bool,
        "Float64" => Ty::F64,
        "Float32" => Ty::F32,
        "Float16" => Ty::F16,
        "BFloat16" => Ty::BF16,
        "Int8" => Ty::Int {
            bits: 8,
            signed: true,
        },
        "Int16" => Ty::Int {
            bits: 16,
            signed: true,
        },
        "Int32" => Ty::Int {
            bits: 32,
            signed: true,
        },
        "Int64" => Ty::Int {
            bits: 64,
            signed: true,
        },
        "UInt8" | "Byte" => Ty::Int {
            bits: 8,
            signed: false,
        },
        "UInt16" => Ty::Int {
            bits: 16,
            signed: false,
        },
        "UInt32" => Ty::Int {
            bits: 32,
            signed: false,
        },
        "UInt64" => Ty::Int {
            bits: 64,
            signed: false,
        },
        _ => return None,
    })
}

fn resolve_fields(cx: &mut Ctx, s: u32) {
    let m = cx.structs[s as usize].module;
    let ast = cx.tree(m).clone();
    let Some(sd) = ast.body.iter().find_map(|st| match &st.kind {
        StmtKind::Struct(sd) if cx.structs[s as usize].span == sd.name.span => Some(sd),
        _ => None,
    }) else {
        return;
    };
    let mut fields: Vec<(String, Ty)> = Vec::new();
    let (types, pconsts) = generics::template_names(&cx.structs[s as usize].params);
    let self_ty = struct_self(cx, s);
    let mut consts: HashMap<String, ConstVal> = pconsts.clone();
    let mut late_consts: Vec<(String, Expr)> = Vec::new();
    let mut late_fields: Vec<(usize, Expr)> = Vec::new();
    let param_names: Vec<String> = cx.structs[s as usize]
        .params
        .iter()
        .map(|p| p.name.clone())
        .collect();
    for stmt in &sd.body {
        let scope = TyScope {
            self_ty: Some(self_ty.clone()),
            types: &types,
            consts: &pconsts,
        };
        if let StmtKind::Comptime {
            name, ty, value, ..
        } = &stmt.kind
        {
            // A type alias (`comptime Ptr = UnsafePointer[Self, MutExternalOrigin]`): the
            // template's type here, substituted per instance (`struct_instance_names`).
            let tscope = TyScope {
                self_ty: Some(self_ty.clone()),
                types: &types,
                consts: &consts,
            };
            if matches!(value.kind, ExprKind::Ellipsis) {
                cx.error(m, comptime_needs_value(name));
                continue;
            }
            // (A parametric member, `comptime IteratorType[origin: Origin]: Iterator = Self`,
            // is its value: origin parameters do not change a type here.)
            if matches!(
                value.kind,
                ExprKind::Index { .. } | ExprKind::Attr { .. } | ExprKind::Name(_)
            ) && is_type_here(cx, m, value, &tscope)
            {
                let mut diags = Vec::new();
                let t = resolve_type(cx, m, value, &tscope, &mut diags);
                if t.has_param() || mentions_any(value, &["Self".to_string()]) {
                    late_consts.push((name.name.clone(), value.clone()));
                }
                consts.insert(name.name.clone(), ConstVal::Type(t));
                continue;
            }
            match const_eval(cx, m, value, &consts) {
                Some(v) => {
                    let v = match (ty.as_ref().map(|t| resolve_type_here(cx, m, t, &scope)), v) {
                        (Some(t), ConstVal::Int(i, _)) if t.is_float() => {
                            ConstVal::Float(i as f64, t)
                        }
                        (Some(t), ConstVal::Int(i, _)) if t.is_int() => ConstVal::Int(i, t),
                        (_, v) => v,
                    };
                    consts.insert(name.name.clone(), v);
                }
                None if super::comptime::deferrable(cx, m, value) => {
                    consts.insert(
                        name.name.clone(),
                        ConstVal::Expr(m, Arc::new(value.clone())),
                    );
                }
                // Computed from the parameters: one value per instance.
                None if mentions_any(value, &param_names)
                    || late_consts
                        .iter()
                        .any(|(n, _)| mentions_any(value, std::slice::from_ref(n))) =>
                {
                    late_consts.push((name.name.clone(), value.clone()));
                }
                None => {
                    let d = const_failure(cx, m, &name.name, value, &consts);
                    cx.error(m, d);
                    // Known (as a value of no type), so its uses report nothing more.
                    consts.insert(name.name.clone(), ConstVal::Int(0, Ty::Unknown));
                }
            }
        }
        if let StmtKind::Var {
            name, ty, value, ..
        } = &stmt.kind
        {
            let late_names: Vec<String> = late_consts.iter().map(|(n, _)| n.clone()).collect();
            let mut t = match ty {
                Some(t) if !late_names.is_empty() && mentions_any(t, &late_names) => {
                    late_fields.push((fields.len(), t.clone()));
                    Ty::Unknown
                }
                Some(t) => resolve_type_here(cx, m, t, &scope),
                None => {
                    cx.error(
                        m,
                        Diag::error(E_UNKNOWN_TYPE, "a field needs a type", name.span),
                    );
                    Ty::Unknown
                }
            };
            if value.is_some() {
                cx.error(
                    m,
                    Diag::error(
                        E_UNSUPPORTED,
                        "field default values are not supported",
                        stmt.span,
                    )
                    .with_hint("initialize the field in `__init__`"),
                );
            }
            if t.struct_id() == Some(s) {
                cx.error(
                    m,
                    Diag::error(
                        E_MISMATCH,
                        "a struct cannot contain itself by value",
                        stmt.span,
                    ),
                );
                // (The field has no type: walks over the fields must not recurse forever.)
                t = Ty::Unknown;
            }
            if fields.iter().any(|(n, _)| *n == name.name) {
                cx.error(
                    m,
                    Diag::error(
                        E_DUPLICATE,
                        format!("field `{}` is defined more than once", name.name),
                        name.span,
                    ),
                );
            }
            fields.push((name.name.clone(), t));
        }
    }
    // Value parameters are reachable as `Self.n` but are not constants of the template.
    consts.retain(|_, v| !matches!(v, ConstVal::Param(..)));
    cx.structs[s as usize].fields = fields;
    cx.structs[s as usize].consts = consts;
    cx.structs[s as usize].late_consts = late_consts;
    cx.structs[s as usize].late_fields = late_fields;
}

/// Whether an expression names any of `names` (`n`, or `Self.n`).
pub(crate) fn mentions_any(e: &Expr, names: &[String]) -> bool {
    let mut found = false;
    mj_syntax::visit::walk_expr(e, &mut |x| {
        found |= match &x.kind {
            ExprKind::Name(n) => names.contains(n),
            ExprKind::Attr { name, .. } => names.contains(&name.name),
            ExprKind::Call { args, .. } | ExprKind::Index { args, .. } => args
                .iter()
                .any(|a| a.name.as_ref().is_some_and(|k| names.contains(&k.name))),
            _ => false,
        };
    });
    found
}

fn resolve_sig(cx: &mut Ctx, id: FnId) {
    let (m, def, owner) = {
        let f = &cx.funcs[id.0 as usize];
        (f.module, f.def.clone(), f.owner)
    };
    let is_static = decorator_names(&def.decorators)
        .iter()
        .any(|(n, _)| n == "staticmethod");
    let mut params = Vec::new();
    let mut has_self = false;
    // `def write_to[W: Writer](self, mut writer: W)`: a writer parameter is a String buffer.
    let writer_params: Vec<&str> = def
        .params
        .iter()
        .filter(|g| matches!(&g.ty, Some(Expr { kind: ExprKind::Name(b), .. }) if b == "Writer"))
        .map(|g| g.name.name.as_str())
        .collect();
    let (types, consts, self_ty) = sig_names(cx, id);
    let auto = cx.funcs[id.0 as usize].auto_types.clone();
    let mut late: Vec<(usize, Expr)> = Vec::new();
    for (i, p) in def.args.iter().enumerate() {
        if p.kind != ParamKind::Normal && p.kind != ParamKind::VarArgs {
            if p.kind != ParamKind::Separator {
                cx.error(
                    m,
                    Diag::error(
                        E_UNSUPPORTED,
                        "variadic arguments are not supported yet",
                        p.span,
                    ),
                );
            }
            continue;
        }
        let conv = match p.convention {
            Convention::Ref => Conv::Ref,
            // (`-> ref[self.x] T` may point into `self`.)
            Convention::Default | Convention::Read | Convention::Borrowed
                if def.ret_ref && p.name.name == "self" =>
            {
                Conv::Ref
            }
            Convention::Default | Convention::Read | Convention::Borrowed => Conv::Read,
            Convention::Mut | Convention::Inout => Conv::Mut,
            Convention::Out => Conv::Out,
            Convention::Var | Convention::Owned | Convention::Deinit => Conv::Owned,
        };
        let scope = TyScope {
            self_ty: self_ty.clone(),
            types: &types,
            consts: &consts,
        };
        let in_type = owner.is_some() || cx.funcs[id.0 as usize].trait_owner.is_some();
        if i == 0 && in_type && !is_static && p.name.name == "self" && p.ty.is_some() {
            // `self: Container[T]`: a receiver written with the method's own parameters.
            has_self = true;
        }
        let ty = if i == 0 && in_type && !is_static && p.ty.is_none() {
            has_self = true;
            self_ty.clone().unwrap_or(Ty::Unknown)
        } else {
            match &p.ty {
                Some(Expr {
                    kind: ExprKind::Name(n),
                    ..
                }) if writer_params.contains(&n.as_str()) => Ty::Str,
                Some(t) => {
                    let t = match auto.iter().find(|(k, _)| *k == i) {
                        Some((_, e)) => e,
                        None => t,
                    };
                    match super::params::type_of_arg(t, &def, &params) {
                        Some(ty) => ty,
                        None => match late_type(cx, m, t, &scope, &types, &consts) {
                            Some(t) => t,
                            None => {
                                late.push((params.len(), t.clone()));
                                Ty::Unknown
                            }
                        },
                    }
                }
                None => {
                    cx.error(
                        m,
                        Diag::error(
                            E_UNKNOWN_TYPE,
                            format!("argument `{}` needs a type", p.name.name),
                            p.name.span,
                        )
                        .with_hint(format!(
                            "write `{}: Int` (or the type you mean)",
                            p.name.name
                        )),
                    );
                    Ty::Unknown
                }
            }
        };
        let variadic = p.kind == ParamKind::VarArgs;
        let pack = matches!(ty, Ty::Param(i)
            if cx.funcs[id.0 as usize].generics.get(i as usize).is_some_and(|g| g.pack));
        let kw_only = def.args[..i].iter().any(|a| {
            a.kind == ParamKind::VarArgs || (a.kind == ParamKind::Separator && a.name.name == "*")
        });
        params.push(ParamSig {
            kw_only,
            name: p.name.name.clone(),
            // Inside the function, `*values: T` is a `List[T]` of the arguments, and
            // `*args: *Ts` the tuple of the arguments.
            ty: if variadic && !pack {
                // (The driver loads `List` for every module with a variadic parameter.)
                match crate::lang_items::lang_struct(cx, crate::lang_items::LangItem::List) {
                    Some(ls) => Ty::Struct(ls, vec![crate::ty::CtArg::Type(ty)].into()),
                    None => Ty::Unknown,
                }
            } else {
                ty
            },
            conv: if variadic { Conv::Read } else { conv },
            default: p.default.clone(),
            module: m,
            variadic,
        });
    }
    let scope = TyScope {
        self_ty: self_ty.clone(),
        types: &types,
        consts: &consts,
    };
    let ret = match &def.ret {
        // `-> type_of(x)` (also the type of an `out` result): an argument's type.
        Some(r) if super::params::type_of_arg(r, &def, &params).is_some() => {
            super::params::type_of_arg(r, &def, &params).unwrap_or(Ty::Unknown)
        }
        Some(r) => match late_type(cx, m, r, &scope, &types, &consts) {
            Some(t) if def.ret_ref => Ty::Ptr(Box::new(t)),
            Some(t) => t,
            None => {
                let slot = if def.ret_ref {
                    super::LATE_REF_RESULT
                } else {
                    usize::MAX
                };
                late.push((slot, r.clone()));
                Ty::Unknown
            }
        },
        None => Ty::Unit,
    };
    if owner.is_none() && cx.funcs[id.0 as usize].trait_owner.is_none() && is_static {
        cx.error(
            m,
            Diag::error(
                E_DECORATOR,
                "`@staticmethod` outside a struct",
                def.name.span,
            ),
        );
    }
    if owner.is_some() && !is_static && !has_self {
        cx.error(
            m,
            Diag::error(
                E_UNDEFINED,
                "a method needs `self` as its first argument",
                def.name.span,
            )
            .with_hint("add `self`, or mark the method `@staticmethod`"),
        );
    }
    // A body that calls `call_location()` (kept in the item tree for this) takes its
    // caller's location as a hidden last argument, filled at each call site.
    if !super::reflect::call_location_marker(&def).is_empty()
        && let Some(loc) = cx
            .modules
            .iter()
            .position(|md| md.input.name == "std.reflection")
        && let Some(Item::Struct(s)) = cx.modules[loc].scope.get("SourceLocation").cloned()
    {
        let marker = Expr {
            kind: ExprKind::Call {
                func: Box::new(Expr {
                    kind: ExprKind::Name(super::reflect::CALL_SITE_MARKER.into()),
                    span: def.name.span,
                }),
                args: Vec::new(),
            },
            span: def.name.span,
        };
        params.push(ParamSig {
            name: super::reflect::CALL_LOCATION_PARAM.into(),
            ty: Ty::Struct(s, Vec::new().into()),
            conv: Conv::Read,
            default: Some(marker),
            module: m,
            variadic: false,
            kw_only: false,
        });
    }
    cx.funcs[id.0 as usize].late = late;
    let (raises, raises_ty) = super::typed_errors::declared_error(cx, m, &def, &scope);
    cx.funcs[id.0 as usize].sig = Sig {
        params,
        ret,
        raises,
        raises_ty,
        has_self,
    };
}

fn synthesize_fieldwise_init(cx: &mut Ctx, s: u32) {
    let m = cx.structs[s as usize].module;
    let ast = cx.tree(m).clone();
    let Some(sd) = ast.body.iter().find_map(|st| match &st.kind {
        StmtKind::Struct(sd) if cx.structs[s as usize].span == sd.name.span => Some(sd),
        _ => None,
    }) else {
        return;
    };
    let wants = decorator_names(&sd.decorators)
        .iter()
        .any(|(n, _)| n == "fieldwise_init" || n == "value");
    if !wants {
        return;
    }
    // Mojo adds the field-wise constructor next to the user's own constructors (an
    // overload), unless one of them already takes exactly the fields.
    let field_tys: Vec<Ty> = cx.structs[s as usize]
        .fields
        .iter()
        .map(|(_, t)| t.clone())
        .collect();
    let methods = &cx.structs[s as usize].methods;
    let same_shape = methods
        .iter()
        .filter(|(k, _)| *k == "__init__" || k.starts_with("__init__#"))
        .any(|(_, id)| {
            let ps = &cx.funcs[id.0 as usize].sig.params;
            ps.len() == field_tys.len() + 1
                && ps[1..].iter().zip(&field_tys).all(|(p, t)| p.ty == *t)
        });
    if same_shape {
        return;
    }
    let key = super::overloads::overload_key(methods, "__init__");
    let name = ast::Ident {
        name: "__init__".into(),
        span: sd.name.span,
    };
    let def = super::stable_ids::empty_def(name, sd.span);
    let mut params = vec![ParamSig {
        name: "self".into(),
        ty: struct_self(cx, s),
        conv: Conv::Out,
        default: None,
        module: m,
        variadic: false,
        kw_only: false,
    }];
    for (n, t) in &cx.structs[s as usize].fields {
        params.push(ParamSig {
            name: n.clone(),
            ty: t.clone(),
            conv: Conv::Owned,
            default: None,
            module: m,
            variadic: false,
            kw_only: false,
        });
    }
    let slot = super::stable_ids::key_of(
        &cx.structs[s as usize].name,
        "__init__",
        super::stable_ids::SYNTHESIZED,
    );
    let id = super::stable_ids::add(
        cx,
        slot,
        FuncData {
            mangled: format!("{}.{}", cx.structs[s as usize].name, key.replace('#', ".")),
            module: m,
            def: Arc::new(def),
            owner: Some(s),
            sig: Sig {
                params,
                ret: Ty::Unit,
                raises: false,
                raises_ty: None,
                has_self: true,
            },
            fieldwise: true,
            loc: None,
            export: false,
            inline: None,
            generics: cx.structs[s as usize].params.clone(),
            trait_owner: None,
            required: false,
            late: Vec::new(),
            auto_types: Vec::new(),
            overloads: Vec::new(),
        },
    );
    cx.structs[s as usize].methods.insert(key, id);
}
