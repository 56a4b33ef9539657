//! Module-level items: declarations, imports, constants, struct fields and signatures.

use std::collections::HashMap;
use std::sync::Arc;

use mj_syntax::Diag;
use mj_syntax::ast::{
    self, Convention, DefKeyword, Expr, ExprKind, FnDef, ParamKind, StmtKind, StructDef,
};

use super::builtins::{builtin_module, builtin_module_has};
use super::{
    ConstVal, Conv, Ctx, E_DECORATOR, E_DUPLICATE, E_IMPORT, E_MISMATCH, E_UNDEFINED,
    E_UNKNOWN_TYPE, E_UNSUPPORTED, FuncData, Item, ParamSig, Sig, StructData, W_FN_DEPRECATED,
};
use crate::suggest::did_you_mean;
use crate::tir::FnId;
use crate::ty::Ty;

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
];

pub(crate) fn collect(cx: &mut Ctx) {
    for m in 0..cx.modules.len() {
        declare(cx, m);
        inject_builtins(cx, m);
    }
    // Constants first (imports may name them), then again for constants built from imports.
    for m in 0..cx.modules.len() {
        eval_consts(cx, m, false);
    }
    // Imports may re-export names imported by other modules; two rounds settle chains of two.
    for round in 0..2 {
        for m in 0..cx.modules.len() {
            resolve_imports(cx, m, round == 1);
        }
    }
    for m in 0..cx.modules.len() {
        eval_consts(cx, m, true);
    }
    for s in 0..cx.structs.len() {
        resolve_fields(cx, s as u32);
    }
    for f in 0..cx.funcs.len() {
        resolve_sig(cx, FnId(f as u32));
    }
    let nstructs = cx.structs.len();
    for s in 0..nstructs {
        synthesize_fieldwise_init(cx, s as u32);
    }
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
    check_decorators(cx, m, &def.decorators);
    let decs = decorator_names(&def.decorators);
    let export = decs.iter().any(|(n, _)| n == "export");
    let modname = cx.modules[m].input.name.clone();
    let mangled = match owner {
        Some(s) => format!("{}.{}", cx.structs[s as usize].name, def.name.name),
        None if export => def.name.name.clone(),
        None => format!("{modname}.{}", def.name.name),
    };
    let id = FnId(cx.funcs.len() as u32);
    cx.funcs.push(FuncData {
        mangled,
        module: m,
        def: Arc::new(def.clone()),
        owner,
        sig: Sig {
            params: Vec::new(),
            ret: Ty::Unit,
            raises: def.raises,
            has_self: false,
        },
        fieldwise: false,
        loc: Some(loc),
        export,
    });
    id
}

fn declare(cx: &mut Ctx, m: usize) {
    let ast = cx.modules[m].input.ast.clone();
    for (si, stmt) in ast.body.iter().enumerate() {
        match &stmt.kind {
            StmtKind::Def(def) => {
                let id = new_func(cx, m, def, None, (si, None));
                declare_name(cx, m, &def.name, Item::Func(id));
            }
            StmtKind::Struct(sd) => declare_struct(cx, m, sd, si),
            StmtKind::Trait(td) => cx.error(
                m,
                Diag::error(E_UNSUPPORTED, "traits are not supported yet", td.name.span)
                    .with_hint("traits arrive with generics; use a concrete struct for now"),
            ),
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

fn declare_struct(cx: &mut Ctx, m: usize, sd: &StructDef, si: usize) {
    check_decorators(cx, m, &sd.decorators);
    if !sd.params.is_empty() {
        cx.error(
            m,
            Diag::error(
                E_UNSUPPORTED,
                "struct parameters are not supported yet",
                sd.name.span,
            )
            .with_hint("compile-time parameters arrive with generics"),
        );
    }
    let idx = cx.structs.len() as u32;
    let modname = cx.modules[m].input.name.clone();
    cx.structs.push(StructData {
        name: format!("{modname}.{}", sd.name.name),
        module: m,
        fields: Vec::new(),
        methods: HashMap::new(),
        consts: HashMap::new(),
        span: sd.name.span,
    });
    cx.struct_names.push(sd.name.name.clone());
    declare_name(cx, m, &sd.name, Item::Struct(idx));
    for (k, stmt) in sd.body.iter().enumerate() {
        if let StmtKind::Def(def) = &stmt.kind {
            let id = new_func(cx, m, def, Some(idx), (si, Some(k)));
            if cx.structs[idx as usize]
                .methods
                .insert(def.name.name.clone(), id)
                .is_some()
            {
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

/// Finds a module by dotted name. A built-in module name (`math`) also finds its library
/// file (`std.math`), whose mj definitions sit beside the compiler's built-ins.
fn find_module(cx: &Ctx, name: &str) -> Option<usize> {
    let exact = cx.modules.iter().position(|md| md.input.name == name);
    exact.or_else(|| {
        builtin_module(name)?;
        let std_name = format!("std.{name}");
        cx.modules.iter().position(|md| md.input.name == std_name)
    })
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

fn resolve_imports(cx: &mut Ctx, m: usize, report: bool) {
    let ast = cx.modules[m].input.ast.clone();
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
                    for (name, alias) in names {
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
                    } else if let Some(sm) = find_module(cx, &sub) {
                        cx.modules[m].scope.insert(bind, Item::Module(sm));
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

fn eval_consts(cx: &mut Ctx, m: usize, report: bool) {
    let ast = cx.modules[m].input.ast.clone();
    for stmt in &ast.body {
        if let StmtKind::Comptime { name, ty, value } = &stmt.kind {
            if matches!(cx.modules[m].scope.get(&name.name), Some(Item::Const(_))) {
                continue;
            }
            if !report && const_eval(cx, m, value, &HashMap::new()).is_none() {
                continue;
            }
            let want = ty.as_ref().map(|t| resolve_type_here(cx, m, t, None));
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
                None => cx.error(
                    m,
                    Diag::error(
                        super::E_COMPTIME,
                        "this value is not a compile-time constant",
                        value.span,
                    )
                    .with_hint(
                        "a `comptime` value may use literals, operators and other `comptime` names",
                    ),
                ),
            }
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
    Some(match &e.kind {
        ExprKind::Int(v) => ConstVal::Int(i128::try_from(*v).ok()?, Ty::INT),
        ExprKind::Float(f) => ConstVal::Float(*f, Ty::F64),
        ExprKind::Bool(b) => ConstVal::Bool(*b),
        ExprKind::Str(s) => ConstVal::Str(s.clone()),
        ExprKind::Name(n) => match locals.get(n) {
            Some(v) => v.clone(),
            None => match cx.modules[m].scope.get(n) {
                Some(Item::Const(v)) => v.clone(),
                _ => return None,
            },
        },
        ExprKind::Unary { op, expr } => match (op, const_eval(cx, m, expr, locals)?) {
            (ast::UnOp::Neg, ConstVal::Int(i, t)) => ConstVal::Int(-i, t),
            (ast::UnOp::Neg, ConstVal::Float(f, t)) => ConstVal::Float(-f, t),
            (ast::UnOp::Pos, v) => v,
            (ast::UnOp::Not, ConstVal::Bool(b)) => ConstVal::Bool(!b),
            (ast::UnOp::Invert, ConstVal::Int(i, t)) => ConstVal::Int(!i, t),
            _ => return None,
        },
        ExprKind::Binary {
            op: B::And | B::Or, ..
        } => return super::builtins::simd_types::const_eval_extra(cx, m, e, locals),
        ExprKind::Binary { op, lhs, rhs } => {
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
                        B::Div if b != 0 => {
                            return Some(ConstVal::Float(a as f64 / b as f64, Ty::F64));
                        }
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
        _ => return super::builtins::simd_types::const_eval_extra(cx, m, e, locals),
    })
}

/// Resolves a type expression. `self_struct` is the struct whose body we are in (`Self`).
/// Resolves a type during item collection, keeping the diagnostics with the items.
pub(crate) fn resolve_type_here(cx: &mut Ctx, m: usize, e: &Expr, self_struct: Option<u32>) -> Ty {
    let mut diags = Vec::new();
    let t = resolve_type(cx, m, e, self_struct, &mut diags);
    cx.diags.extend(diags);
    t
}

/// Resolves a type expression, reporting into `diags`. `self_struct` is the struct whose
/// body we are in (`Self`).
pub(crate) fn resolve_type(
    cx: &Ctx,
    m: usize,
    e: &Expr,
    self_struct: Option<u32>,
    diags: &mut Vec<(usize, Diag)>,
) -> Ty {
    resolve_type_in(cx, m, e, self_struct, &HashMap::new(), diags)
}

/// [`resolve_type`] inside a function body, whose `comptime` values (`consts`) may appear
/// as type parameters (`SIMD[DType.float32, width]`).
pub(crate) fn resolve_type_in(
    cx: &Ctx,
    m: usize,
    e: &Expr,
    self_struct: Option<u32>,
    consts: &HashMap<String, ConstVal>,
    diags: &mut Vec<(usize, Diag)>,
) -> Ty {
    match &e.kind {
        ExprKind::Name(n) => {
            if let Some(t) = scalar_type(n) {
                return t;
            }
            match n.as_str() {
                "String" | "StringSlice" | "StaticString" | "StringLiteral" => return Ty::Str,
                "Error" => return Ty::Error,
                "NoneType" => return Ty::Unit,
                "Self" => {
                    if let Some(s) = self_struct {
                        return Ty::Struct(s);
                    }
                }
                _ => {}
            }
            if let Some(ConstVal::Type(t)) = consts.get(n) {
                return t.clone();
            }
            match cx.modules[m].scope.get(n) {
                Some(Item::Struct(s)) => Ty::Struct(*s),
                Some(Item::Const(ConstVal::Type(t))) => t.clone(),
                _ => {
                    let mut d = Diag::error(E_UNKNOWN_TYPE, format!("unknown type `{n}`"), e.span);
                    let mut cands: Vec<String> = TYPE_NAMES.iter().map(|s| s.to_string()).collect();
                    for (k, v) in &cx.modules[m].scope {
                        if matches!(v, Item::Struct(_)) {
                            cands.push(k.clone());
                        }
                    }
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
            // `mod.Type`
            if let Some(Item::Module(t)) = cx.module_path(m, base)
                && let Some(Item::Struct(s)) = cx.modules[t].scope.get(&name.name)
            {
                return Ty::Struct(*s);
            }
            diags.push((m, Diag::error(E_UNKNOWN_TYPE, "unknown type", e.span)));
            Ty::Unknown
        }
        ExprKind::Index { base, args } => {
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
            if let Some(t) = super::builtins::simd_types::param_type(
                cx,
                m,
                n,
                args,
                self_struct,
                consts,
                e.span,
                diags,
            ) {
                return t;
            }
            let mut tys: Vec<Ty> = Vec::new();
            for a in args {
                tys.push(resolve_type_in(cx, m, &a.value, self_struct, consts, diags));
            }
            let want = |k: usize| -> Option<usize> { (tys.len() != k).then_some(k) };
            let bad = match n.as_str() {
                "List" => want(1),
                "Dict" => want(2),
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
            match n.as_str() {
                "List" => Ty::List(Box::new(tys.remove(0))),
                "Dict" => {
                    let k = tys.remove(0);
                    if !matches!(k, Ty::Int { .. } | Ty::Str | Ty::Bool | Ty::Unknown) {
                        let msg = format!(
                            "dictionary keys of type `{}` are not supported",
                            cx.ty_name(&k)
                        );
                        diags.push((
                            m,
                            Diag::error(E_UNSUPPORTED, msg, args[0].span)
                                .with_hint("use `Int` or `String` keys"),
                        ));
                    }
                    Ty::Dict(Box::new(k), Box::new(tys.remove(0)))
                }
                _ => Ty::Tuple(tys),
            }
        }
        ExprKind::Tuple(items) => {
            let tys = items
                .iter()
                .map(|i| resolve_type_in(cx, m, i, self_struct, consts, diags))
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
    "InlineArray",
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
    let ast = cx.modules[m].input.ast.clone();
    let Some(sd) = ast.body.iter().find_map(|st| match &st.kind {
        StmtKind::Struct(sd) if cx.structs[s as usize].span == sd.name.span => Some(sd),
        _ => None,
    }) else {
        return;
    };
    let mut fields: Vec<(String, Ty)> = Vec::new();
    let mut consts: HashMap<String, ConstVal> = HashMap::new();
    for stmt in &sd.body {
        if let StmtKind::Comptime { name, ty, value } = &stmt.kind {
            match const_eval(cx, m, value, &consts) {
                Some(v) => {
                    let v = match (ty.as_ref().map(|t| resolve_type_here(cx, m, t, Some(s))), v) {
                        (Some(t), ConstVal::Int(i, _)) if t.is_float() => {
                            ConstVal::Float(i as f64, t)
                        }
                        (Some(t), ConstVal::Int(i, _)) if t.is_int() => ConstVal::Int(i, t),
                        (_, v) => v,
                    };
                    consts.insert(name.name.clone(), v);
                }
                None => cx.error(
                    m,
                    Diag::error(
                        super::E_COMPTIME,
                        "this value is not a compile-time constant",
                        value.span,
                    )
                    .with_hint(
                        "a `comptime` value may use literals, operators and other `comptime` names",
                    ),
                ),
            }
        }
        if let StmtKind::Var { name, ty, value } = &stmt.kind {
            let t = match ty {
                Some(t) => resolve_type_here(cx, m, t, Some(s)),
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
            if t == Ty::Struct(s) {
                cx.error(
                    m,
                    Diag::error(
                        E_MISMATCH,
                        "a struct cannot contain itself by value",
                        stmt.span,
                    ),
                );
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
    cx.structs[s as usize].fields = fields;
    cx.structs[s as usize].consts = consts;
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
    if def.params.len() != writer_params.len() {
        cx.error(
            m,
            Diag::error(
                E_UNSUPPORTED,
                "compile-time parameters are not supported yet",
                def.name.span,
            )
            .with_hint("generic functions arrive with the parameters work"),
        );
    }
    for (i, p) in def.args.iter().enumerate() {
        if p.kind != ParamKind::Normal {
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
            Convention::Default | Convention::Read | Convention::Borrowed | Convention::Ref => {
                Conv::Read
            }
            Convention::Mut | Convention::Inout => Conv::Mut,
            Convention::Out => Conv::Out,
            Convention::Var | Convention::Owned | Convention::Deinit => Conv::Owned,
        };
        let ty = if i == 0 && owner.is_some() && !is_static && p.ty.is_none() {
            has_self = true;
            Ty::Struct(owner.unwrap_or(0))
        } else {
            match &p.ty {
                Some(Expr {
                    kind: ExprKind::Name(n),
                    ..
                }) if writer_params.contains(&n.as_str()) => Ty::Str,
                // A rejected compile-time parameter: already reported above.
                Some(Expr {
                    kind: ExprKind::Name(n),
                    ..
                }) if def.params.iter().any(|g| g.name.name == *n) => Ty::Unknown,
                Some(t) => resolve_type_here(cx, m, t, owner),
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
        params.push(ParamSig {
            name: p.name.name.clone(),
            ty,
            conv,
            default: p.default.clone(),
        });
    }
    let ret = match &def.ret {
        Some(Expr {
            kind: ExprKind::Name(n),
            ..
        }) if def.params.iter().any(|g| g.name.name == *n) => Ty::Unknown,
        Some(r) => resolve_type_here(cx, m, r, owner),
        None => Ty::Unit,
    };
    if owner.is_none() && is_static {
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
    cx.funcs[id.0 as usize].sig = Sig {
        params,
        ret,
        raises: def.raises,
        has_self,
    };
}

fn synthesize_fieldwise_init(cx: &mut Ctx, s: u32) {
    let m = cx.structs[s as usize].module;
    let ast = cx.modules[m].input.ast.clone();
    let Some(sd) = ast.body.iter().find_map(|st| match &st.kind {
        StmtKind::Struct(sd) if cx.structs[s as usize].span == sd.name.span => Some(sd),
        _ => None,
    }) else {
        return;
    };
    let wants = decorator_names(&sd.decorators)
        .iter()
        .any(|(n, _)| n == "fieldwise_init" || n == "value");
    if !wants || cx.structs[s as usize].methods.contains_key("__init__") {
        return;
    }
    let def = FnDef {
        decorators: Vec::new(),
        keyword: DefKeyword::Def,
        name: ast::Ident {
            name: "__init__".into(),
            span: sd.name.span,
        },
        params: Vec::new(),
        args: Vec::new(),
        raises: false,
        ret: None,
        docstring: None,
        body: Vec::new(),
        span: sd.span,
    };
    let id = FnId(cx.funcs.len() as u32);
    let mut params = vec![ParamSig {
        name: "self".into(),
        ty: Ty::Struct(s),
        conv: Conv::Out,
        default: None,
    }];
    for (n, t) in &cx.structs[s as usize].fields {
        params.push(ParamSig {
            name: n.clone(),
            ty: t.clone(),
            conv: Conv::Owned,
            default: None,
        });
    }
    cx.funcs.push(FuncData {
        mangled: format!("{}.__init__", cx.structs[s as usize].name),
        module: m,
        def: Arc::new(def),
        owner: Some(s),
        sig: Sig {
            params,
            ret: Ty::Unit,
            raises: false,
            has_self: true,
        },
        fieldwise: true,
        loc: None,
        export: false,
    });
    cx.structs[s as usize].methods.insert("__init__".into(), id);
}
