//! Compile-time parameters: declaring them, resolving `Type[args]`, trait bounds and
//! conformance, and working out the arguments of a call to a generic function.
//!
//! Generics are instantiated like templates: a generic function's body is checked once
//! per distinct argument list, with the parameters bound to concrete types and values
//! (`body::check_function` with `targs`). Signatures and struct fields are kept in
//! template form (`Ty::Param(i)`), and call sites substitute them. Static dispatch only.

use std::collections::HashMap;

use mj_syntax::Diag;
use mj_syntax::ast::{self, Arg, Expr, ExprKind};

use super::body::FnCx;
use super::items::{const_eval, resolve_type};
use super::{ConstVal, Ctx, FuncData, GKind, GParam, Item, Sig, TraitRef};
use crate::tir::FnId;
use crate::ty::{CtArg, Targs, Ty};

pub(crate) const E_GENERIC: &str = "E0120";
pub(crate) const E_CONFORMANCE: &str = "E0121";

/// Traits the compiler knows. Built-in types conform to all of them that make sense;
/// a struct conforms when it says so (or, for the structural ones, has the methods).
pub(crate) const BUILTIN_TRAITS: &[&str] = &[
    "AnyType",
    "Copyable",
    "ImplicitlyCopyable",
    "Movable",
    "Defaultable",
    "Writable",
    "Stringable",
    "Representable",
    "EqualityComparable",
    "Equatable",
    "ImplicitlyDeletable",
    "ImplicitlyDestructible",
    "Deinitable",
    "Comparable",
    "Hashable",
    "KeyElement",
    "Boolable",
    "Intable",
    "Indexer",
    "Floatable",
    "Sized",
    "Absable",
    "Powable",
    "Roundable",
    "Writer",
    "ExplicitlyCopyable",
    "TrivialRegisterType",
    "TrivialRegisterPassable",
    "RegisterPassable",
];

/// What type names mean where a type is resolved: `Self`, the compile-time parameters in
/// scope (as `Ty::Param` in templates, concrete in instances) and compile-time values.
pub(crate) struct TyScope<'a> {
    pub self_ty: Option<Ty>,
    pub types: &'a HashMap<String, Ty>,
    pub consts: &'a HashMap<String, ConstVal>,
}

impl<'a> TyScope<'a> {
    pub fn empty() -> TyScope<'static> {
        static EMPTY_T: std::sync::OnceLock<HashMap<String, Ty>> = std::sync::OnceLock::new();
        static EMPTY_C: std::sync::OnceLock<HashMap<String, ConstVal>> = std::sync::OnceLock::new();
        TyScope {
            self_ty: None,
            types: EMPTY_T.get_or_init(HashMap::new),
            consts: EMPTY_C.get_or_init(HashMap::new),
        }
    }
}

/// The names of a template's parameters, bound to `Param(i)`.
pub(crate) fn template_names(
    params: &[GParam],
) -> (HashMap<String, Ty>, HashMap<String, ConstVal>) {
    let mut types = HashMap::new();
    let mut consts = HashMap::new();
    for (i, p) in params.iter().enumerate() {
        match &p.kind {
            GKind::Type(_) => {
                types.insert(p.name.clone(), Ty::Param(i as u32));
            }
            GKind::Value(t) => {
                consts.insert(p.name.clone(), ConstVal::Param(i as u32, t.clone()));
            }
            GKind::DType => {
                consts.insert(p.name.clone(), ConstVal::DType(Ty::Param(i as u32)));
            }
            GKind::Func(..) => {
                consts.insert(p.name.clone(), ConstVal::Param(i as u32, Ty::Unit));
            }
        }
    }
    (types, consts)
}

/// The names of an instance's parameters, bound to its arguments.
pub(crate) fn instance_names(
    params: &[GParam],
    args: &[CtArg],
) -> (HashMap<String, Ty>, HashMap<String, ConstVal>) {
    let mut types = HashMap::new();
    let mut consts = HashMap::new();
    for (p, a) in params.iter().zip(args) {
        match (&p.kind, a) {
            (GKind::Type(_), CtArg::Type(t)) => {
                types.insert(p.name.clone(), t.clone());
            }
            (GKind::Value(t), a) => {
                // A dependent type (`value: Scalar[dtype]`) names earlier arguments.
                let t = &t.subst(args);
                if let Some(v) = ct_to_const(a, t) {
                    consts.insert(p.name.clone(), v);
                }
            }
            (GKind::DType, CtArg::Type(t)) => {
                consts.insert(p.name.clone(), ConstVal::DType(t.clone()));
            }
            (GKind::Func(..), CtArg::Func(f)) => {
                consts.insert(p.name.clone(), ConstVal::Func(FnId(*f)));
            }
            _ => {}
        }
    }
    (types, consts)
}

pub(crate) fn ct_to_const(a: &CtArg, t: &Ty) -> Option<ConstVal> {
    Some(match a {
        CtArg::Int(i) if t.is_float() => ConstVal::Float(*i as f64, t.clone()),
        CtArg::Int(i) => ConstVal::Int(*i, if t.is_int() { t.clone() } else { Ty::INT }),
        CtArg::Bool(b) => ConstVal::Bool(*b),
        CtArg::Str(s) => ConstVal::Str(s.clone()),
        CtArg::Float(b) => ConstVal::Float(f64::from_bits(*b), t.clone()),
        CtArg::Param(i) => ConstVal::Param(*i, t.clone()),
        CtArg::Func(f) => ConstVal::Func(FnId(*f)),
        // A variadic value parameter is a compile-time list of its values (Mojo's
        // `VariadicList`): `len(values)`, `values[i]`, `comptime for v in values`.
        CtArg::Pack(vs) => ConstVal::List(
            vs.iter()
                .map(|v| ct_to_const(v, t))
                .collect::<Option<Vec<_>>>()?
                .into(),
            t.clone(),
        ),
        CtArg::Type(_) => return None,
    })
}

pub(crate) fn const_to_ct(v: &ConstVal) -> CtArg {
    match v {
        ConstVal::Int(i, _) => CtArg::Int(*i),
        ConstVal::Float(f, _) => CtArg::Float(f.to_bits()),
        ConstVal::Bool(b) => CtArg::Bool(*b),
        ConstVal::Str(s) => CtArg::Str(s.clone()),
        ConstVal::Param(i, _) => CtArg::Param(*i),
        ConstVal::DType(t) | ConstVal::Type(t) => CtArg::Type(t.clone()),
        // Rejected by `value_fits` before it gets here.
        ConstVal::Expr(..) | ConstVal::List(..) | ConstVal::Tuple(..) | ConstVal::Alias(_) => {
            CtArg::Bool(false)
        }
        ConstVal::Func(f) => CtArg::Func(f.0),
    }
}

/// Whether a compile-time value fits a value parameter of type `want`.
fn value_fits(v: &ConstVal, want: &Ty) -> bool {
    match (v, want) {
        (ConstVal::Param(_, t), w) => t == w || (t.is_int() && w.is_int()),
        (ConstVal::Int(..), w) => w.is_int() || w.is_float(),
        (ConstVal::Float(..), w) => w.is_float(),
        (ConstVal::Bool(_), Ty::Bool) => true,
        (ConstVal::Str(_), Ty::Str) => true,
        _ => false,
    }
}

/// Whether `e` names traits only (`Copyable`, `A & B`, another trait alias): the value of
/// a trait alias `comptime Basics = Equatable & Copyable`.
pub(crate) fn is_trait_expr(cx: &Ctx, m: usize, e: &Expr, depth: u32) -> bool {
    if depth > 8 {
        return false;
    }
    match &e.kind {
        ExprKind::Binary {
            op: ast::BinOp::BitAnd,
            lhs,
            rhs,
        } => is_trait_expr(cx, m, lhs, depth + 1) && is_trait_expr(cx, m, rhs, depth + 1),
        ExprKind::Name(n) => match cx.modules[m].scope.get(n) {
            Some(Item::Trait(_)) => true,
            Some(Item::Const(ConstVal::Expr(m2, e))) => is_trait_expr(cx, *m2, e, depth + 1),
            Some(_) => false,
            None => BUILTIN_TRAITS.contains(&n.as_str()),
        },
        _ => false,
    }
}

/// Resolves the traits of a bound (`Copyable & Shape`) or a conformance list entry.
pub(crate) fn resolve_traits(
    cx: &Ctx,
    m: usize,
    e: &Expr,
    diags: &mut Vec<(usize, Diag)>,
) -> Vec<TraitRef> {
    match &e.kind {
        ExprKind::Binary {
            op: ast::BinOp::BitAnd,
            lhs,
            rhs,
        } => {
            let mut v = resolve_traits(cx, m, lhs, diags);
            v.extend(resolve_traits(cx, m, rhs, diags));
            v
        }
        ExprKind::Name(n) => match cx.modules[m].scope.get(n) {
            Some(Item::Trait(t)) => vec![TraitRef::User(*t)],
            Some(Item::Const(ConstVal::Expr(m2, e))) if is_trait_expr(cx, *m2, e, 0) => {
                resolve_traits(cx, *m2, e, diags)
            }
            _ => match BUILTIN_TRAITS.iter().find(|b| **b == n) {
                Some(b) => vec![TraitRef::Builtin(b)],
                None => {
                    let mut d = Diag::error(E_CONFORMANCE, format!("unknown trait `{n}`"), e.span);
                    let mut cands: Vec<&str> = BUILTIN_TRAITS.to_vec();
                    for (k, v) in &cx.modules[m].scope {
                        if matches!(v, Item::Trait(_)) {
                            cands.push(k);
                        }
                    }
                    if let Some(s) = crate::suggest::did_you_mean(n, cands.into_iter()) {
                        d = d.with_hint(format!("did you mean `{s}`?"));
                    }
                    diags.push((m, d));
                    Vec::new()
                }
            },
        },
        ExprKind::Attr { base, name } => {
            if let Some(Item::Module(t)) = cx.module_path(m, base)
                && let Some(Item::Trait(tr)) = cx.modules[t].scope.get(&name.name)
            {
                return vec![TraitRef::User(*tr)];
            }
            diags.push((m, Diag::error(E_CONFORMANCE, "unknown trait", e.span)));
            Vec::new()
        }
        _ => {
            diags.push((m, Diag::error(E_CONFORMANCE, "expected a trait", e.span)));
            Vec::new()
        }
    }
}

/// Declares the compile-time parameters `[T: Bound, n: Int = 4]`. `offset` is the index
/// of the first one (a method's own parameters follow its struct's).
pub(crate) fn declare_params(
    cx: &Ctx,
    m: usize,
    params: &[ast::GenericParam],
    outer: &[GParam],
    diags: &mut Vec<(usize, Diag)>,
) -> Vec<GParam> {
    let mut out: Vec<GParam> = Vec::new();
    let erased = super::refs::erased_params(params);
    for p in params {
        if erased.contains(&p.name.name) {
            continue;
        }
        // `[value: SIMD]`: the vector's `dtype` and `size` become infer-only parameters.
        let auto;
        let p = match super::params::auto_value_param(cx, m, p, outer, &mut out) {
            Some(q) => {
                auto = q;
                &auto
            }
            None => p,
        };
        if outer.iter().chain(&out).any(|o| o.name == p.name.name) {
            diags.push((
                m,
                Diag::error(
                    super::E_DUPLICATE,
                    format!("parameter `{}` is defined more than once", p.name.name),
                    p.name.span,
                ),
            ));
            continue;
        }
        let kind = match &p.ty {
            None => GKind::Type(Vec::new()),
            Some(Expr {
                kind: ExprKind::Name(n),
                ..
            }) if n == "DType" => GKind::DType,
            Some(Expr {
                kind: ExprKind::FnType { params, ret, .. },
                ..
            }) => {
                let mut all: Vec<GParam> = outer.to_vec();
                all.extend(out.iter().cloned());
                let (types, consts) = template_names(&all);
                let scope = TyScope {
                    self_ty: None,
                    types: &types,
                    consts: &consts,
                };
                let ps = params
                    .iter()
                    .map(|t| resolve_type(cx, m, t, &scope, diags))
                    .collect();
                let r = match ret {
                    Some(r) => resolve_type(cx, m, r, &scope, diags),
                    None => Ty::Unit,
                };
                GKind::Func(ps, r)
            }
            Some(e) => {
                // (`threshold: T` after `T: Comparable`: a value of an earlier type parameter.)
                let of_param = matches!(&e.kind, ExprKind::Name(n)
                    if outer.iter().chain(&out).any(|o| o.name == *n && matches!(o.kind, GKind::Type(_))));
                if of_param || is_value_type(cx, m, e) {
                    let mut all: Vec<GParam> = outer.to_vec();
                    all.extend(out.iter().cloned());
                    let (types, consts) = template_names(&all);
                    let scope = TyScope {
                        self_ty: None,
                        types: &types,
                        consts: &consts,
                    };
                    GKind::Value(resolve_type(cx, m, e, &scope, diags))
                } else {
                    GKind::Type(resolve_traits(cx, m, e, diags))
                }
            }
        };
        out.push(GParam {
            name: p.name.name.clone(),
            kind,
            default: p.default.clone(),
            mode: p.mode,
            pack: p.variadic,
            span: p.name.span,
        });
    }
    out
}

/// Whether a parameter's annotation names a value type (`n: Int`) rather than a trait.
fn is_value_type(cx: &Ctx, m: usize, e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Name(n) => {
            super::items::scalar_type(n).is_some()
                || matches!(
                    n.as_str(),
                    "String" | "StringLiteral" | "StaticString" | "DType" | "SIMDLength"
                )
                || matches!(
                    cx.modules[m].scope.get(n),
                    Some(Item::Struct(_) | Item::Const(ConstVal::Type(_)))
                )
        }
        // `value: Scalar[dtype]`, `v: SIMD[dt, 4]`: a value of a SIMD type.
        ExprKind::Index { base, .. } => {
            matches!(&base.kind, ExprKind::Name(n) if n == "SIMD" || n == "Scalar")
        }
        _ => false,
    }
}

/// Resolves the arguments of `Type[args]` for struct `s`; `None` after reporting.
pub(crate) fn struct_args(
    cx: &Ctx,
    m: usize,
    s: u32,
    args: &[Arg],
    scope: &TyScope,
    diags: &mut Vec<(usize, Diag)>,
    span: mj_syntax::Span,
) -> Option<Targs> {
    let params = &cx.structs[s as usize].params;
    let name = &cx.struct_names[s as usize];
    let declared = &cx.structs[s as usize].declared;
    let kept = unerased_args(declared, args);
    let args = kept.as_slice();
    // Only origins given to a struct that has no other parameters: no arguments. (One
    // with other parameters whose declarations are not read yet falls through and
    // reports, so a `comptime` alias of it is resolved later.)
    if params.is_empty() && args.is_empty() && declared.iter().all(|d| d.2) {
        return Some(Targs::from(Vec::new()));
    }
    if params.is_empty() {
        diags.push((
            m,
            Diag::error(
                E_GENERIC,
                format!("`{name}` takes no compile-time parameters"),
                span,
            ),
        ));
        return None;
    }
    let mut binds: Vec<Option<CtArg>> = vec![None; params.len()];
    let ok = bind_explicit(cx, m, name, params, 0, args, scope, &mut binds, diags);
    finish_binds(cx, m, name, params, binds, ok, diags, span).map(Targs::from)
}

/// The arguments of `Type[args]` without those of erased parameters (origins and address
/// spaces, which mj accepts and does not track): `Box[ptr.origin, flag=True]` ->
/// `[flag=True]`. Positional arguments skip infer-only parameters, as in binding.
fn unerased_args(declared: &[(String, ast::ParamMode, bool)], args: &[Arg]) -> Vec<Arg> {
    if !declared.iter().any(|d| d.2) {
        return args.to_vec();
    }
    let mut pos = 0;
    let mut out = Vec::new();
    for a in args {
        let erased = match &a.name {
            Some(n) => declared.iter().any(|d| d.0 == n.name && d.2),
            None => {
                while pos < declared.len() && declared[pos].1 == ast::ParamMode::InferOnly {
                    pos += 1;
                }
                pos += 1;
                declared.get(pos - 1).is_some_and(|d| d.2)
            }
        };
        if !erased {
            out.push(a.clone());
        }
    }
    out
}

/// Binds `[a, b, name=c]` to `params[first..]`. Returns false after reporting.
#[allow(clippy::too_many_arguments)]
pub(crate) fn bind_explicit(
    cx: &Ctx,
    m: usize,
    what: &str,
    params: &[GParam],
    first: usize,
    args: &[Arg],
    scope: &TyScope,
    binds: &mut [Option<CtArg>],
    diags: &mut Vec<(usize, Diag)>,
) -> bool {
    let mut ok = true;
    let mut pos = first;
    // A variadic parameter takes the positional arguments from its position on: the types
    // of `Variant[A, B]` (`struct Variant[*Ts: AnyType]`) as one tuple, the values of
    // `MyTensor[2, 3, 4]` (`struct MyTensor[*dims: Int]`) as a pack.
    let pack = params
        .iter()
        .enumerate()
        .skip(first)
        .find(|(_, p)| p.pack && matches!(p.kind, GKind::Type(_) | GKind::Value(_)))
        .map(|(i, _)| i);
    let mut pack_types: Vec<Ty> = Vec::new();
    let mut pack_values: Vec<CtArg> = Vec::new();
    for a in args {
        if let Some(k) = pack
            && a.name.is_none()
            && pos >= k
        {
            pos = k + 1;
            if matches!(params[k].kind, GKind::Value(_)) {
                match ct_arg(cx, m, &params[k], &a.value, scope, diags) {
                    Some(v) => pack_values.push(v),
                    None => ok = false,
                }
            } else {
                pack_types.push(resolve_type(cx, m, &a.value, scope, diags));
            }
            continue;
        }
        let i = match &a.name {
            Some(n) => match params.iter().position(|p| p.name == n.name) {
                Some(i) if i >= first && params[i].mode == ast::ParamMode::PosOnly => {
                    diags.push((
                        m,
                        Diag::error(
                            E_GENERIC,
                            format!(
                                "the compile-time parameter `{}` of `{what}` is positional-only",
                                n.name
                            ),
                            n.span,
                        )
                        .with_hint("pass it without its name"),
                    ));
                    ok = false;
                    continue;
                }
                Some(i) if i >= first => i,
                // The keywords of erased parameters (origins, address spaces and their
                // mutability) are accepted and not tracked.
                None if matches!(n.name.as_str(), "address_space" | "origin" | "mut") => {
                    continue;
                }
                _ => {
                    diags.push((
                        m,
                        Diag::error(
                            E_GENERIC,
                            format!("`{what}` has no compile-time parameter `{}`", n.name),
                            n.span,
                        ),
                    ));
                    ok = false;
                    continue;
                }
            },
            None => {
                // Positional arguments skip infer-only parameters.
                while pos < params.len() && params[pos].mode == ast::ParamMode::InferOnly {
                    pos += 1;
                }
                let i = pos;
                pos += 1;
                if i < params.len() && params[i].mode == ast::ParamMode::KwOnly {
                    diags.push((
                        m,
                        Diag::error(
                            E_GENERIC,
                            format!(
                                "the compile-time parameter `{}` of `{what}` is keyword-only",
                                params[i].name
                            ),
                            a.value.span,
                        )
                        .with_hint(format!("write `{}=...`", params[i].name)),
                    ));
                    ok = false;
                    continue;
                }
                if i >= params.len() {
                    let n = params[first.min(params.len())..]
                        .iter()
                        .filter(|p| {
                            !matches!(p.mode, ast::ParamMode::InferOnly | ast::ParamMode::KwOnly)
                        })
                        .count();
                    let mut d = Diag::error(
                        E_GENERIC,
                        format!("`{what}` takes {n} compile-time parameter(s), found more",),
                        a.value.span,
                    );
                    if let Some(h) = infer_only_hint(&params[first.min(params.len())..]) {
                        d = d.with_hint(h);
                    }
                    diags.push((m, d));
                    ok = false;
                    continue;
                }
                i
            }
        };
        let dep = super::params::dependent_param(cx, m, &params[i], &a.value, scope, binds);
        let before = diags.len();
        match ct_arg(
            cx,
            m,
            dep.as_ref().unwrap_or(&params[i]),
            &a.value,
            scope,
            diags,
        ) {
            Some(v) => binds[i] = Some(v),
            None => {
                ok = false;
                if a.name.is_none()
                    && let Some(h) = infer_only_hint(&params[first.min(params.len())..])
                {
                    for (_, d) in &mut diags[before..] {
                        *d = d.clone().with_hint(h.clone());
                    }
                }
            }
        }
    }
    if let Some(k) = pack
        && binds[k].is_none()
    {
        if matches!(params[k].kind, GKind::Value(_)) {
            binds[k] = Some(CtArg::Pack(pack_values));
        } else if !pack_types.is_empty() || !args.is_empty() {
            binds[k] = Some(CtArg::Type(Ty::Tuple(pack_types)));
        }
    }
    ok
}

/// Says which parameters positional arguments skipped because they are infer-only.
fn infer_only_hint(params: &[GParam]) -> Option<String> {
    let infer: Vec<&str> = params
        .iter()
        .filter(|p| p.mode == ast::ParamMode::InferOnly && !p.name.contains('.'))
        .map(|p| p.name.as_str())
        .collect();
    (!infer.is_empty()).then(|| {
        format!(
            "`{}` is infer-only (before `//`): positional arguments skip it; it is inferred from the arguments, or given by keyword",
            infer.join("`, `")
        )
    })
}

/// Evaluates one compile-time argument for parameter `p`.
pub(crate) fn ct_arg(
    cx: &Ctx,
    m: usize,
    p: &GParam,
    e: &Expr,
    scope: &TyScope,
    diags: &mut Vec<(usize, Diag)>,
) -> Option<CtArg> {
    match &p.kind {
        GKind::Func(want_params, want_ret) => {
            let f = match &e.kind {
                ExprKind::Name(n) => match scope.consts.get(n) {
                    Some(ConstVal::Func(f)) => Some(*f),
                    _ => match cx.modules[m].scope.get(n) {
                        Some(Item::Func(f)) => Some(*f),
                        _ => None,
                    },
                },
                ExprKind::Attr { base, name } => match cx.module_path(m, base) {
                    Some(Item::Module(t)) => match cx.modules[t].scope.get(&name.name) {
                        Some(Item::Func(f)) => Some(*f),
                        _ => None,
                    },
                    _ => None,
                },
                _ => None,
            };
            let Some(f) = f else {
                diags.push((
                    m,
                    Diag::error(
                        E_GENERIC,
                        format!("parameter `{}` wants a function", p.name),
                        e.span,
                    )
                    .with_hint(
                        "pass the name of a module-level `def` (nested `def`s can be passed to `std.algorithm` only)",
                    ),
                ));
                return None;
            };
            let fd = &cx.funcs[f.0 as usize];
            let got: Vec<&Ty> = fd.sig.params.iter().map(|q| &q.ty).collect();
            let fits = fd.generics.is_empty()
                && got.len() == want_params.len()
                && got
                    .iter()
                    .zip(want_params)
                    .all(|(a, b)| *a == b || b.has_param())
                && (fd.sig.ret == *want_ret || want_ret.has_param());
            if !fits {
                let want: Vec<String> = want_params.iter().map(|t| cx.ty_name(t)).collect();
                diags.push((
                    m,
                    Diag::error(
                        super::E_MISMATCH,
                        format!(
                            "`{}` does not match parameter `{}`: expected `def({}) -> {}`",
                            fd.def.name.name,
                            p.name,
                            want.join(", "),
                            cx.ty_name(want_ret)
                        ),
                        e.span,
                    ),
                ));
                return None;
            }
            Some(CtArg::Func(f.0))
        }
        GKind::DType => match super::builtins::simd_types::eval_dtype(cx, m, e, scope.consts) {
            Ok(t) => Some(CtArg::Type(t)),
            Err(d) => {
                diags.push((m, d));
                None
            }
        },
        GKind::Type(_) => {
            let before = diags.len();
            let t = resolve_type(cx, m, e, scope, diags);
            (diags.len() == before && !t.is_unknown()).then_some(CtArg::Type(t))
        }
        GKind::Value(want) => match const_eval(cx, m, e, scope.consts) {
            Some(v) if value_fits(&v, want) => Some(match (&v, want) {
                (ConstVal::Int(i, _), w) if w.is_float() => CtArg::Float((*i as f64).to_bits()),
                _ => const_to_ct(&v),
            }),
            Some(_) => {
                diags.push((
                    m,
                    Diag::error(
                        super::E_MISMATCH,
                        format!(
                            "parameter `{}` wants a compile-time `{}`",
                            p.name,
                            cx.ty_name(want)
                        ),
                        e.span,
                    ),
                ));
                None
            }
            None => {
                diags.push((
                    m,
                    Diag::error(
                        super::E_COMPTIME,
                        format!("the argument for `{}` is not a compile-time value", p.name),
                        e.span,
                    )
                    .with_hint("use literals, `comptime` names and other parameters"),
                ));
                None
            }
        },
    }
}

/// Fills defaults, reports parameters left unbound and checks trait bounds.
#[allow(clippy::too_many_arguments)]
pub(crate) fn finish_binds(
    cx: &Ctx,
    m: usize,
    what: &str,
    params: &[GParam],
    mut binds: Vec<Option<CtArg>>,
    mut ok: bool,
    diags: &mut Vec<(usize, Diag)>,
    span: mj_syntax::Span,
) -> Option<Vec<CtArg>> {
    for i in 0..params.len() {
        if binds[i].is_some() {
            continue;
        }
        if params[i].pack && matches!(params[i].kind, GKind::Value(_)) {
            // A variadic value parameter given no values is empty.
            binds[i] = Some(CtArg::Pack(Vec::new()));
            continue;
        }
        let Some(d) = params[i].default.clone() else {
            if ok {
                diags.push((
                    m,
                    Diag::error(
                        E_GENERIC,
                        format!(
                            "cannot infer the compile-time parameter `{}` of `{what}`",
                            params[i].name
                        ),
                        span,
                    )
                    .with_hint(format!(
                        "pass it explicitly: `{what}[{}=...]`",
                        params[i].name
                    )),
                ));
            }
            ok = false;
            continue;
        };
        // Defaults may use the parameters before them.
        let bound: Vec<CtArg> = binds[..i]
            .iter()
            .map(|b| b.clone().unwrap_or(CtArg::Bool(false)))
            .collect();
        let (types, consts) = instance_names(&params[..i], &bound);
        let scope = TyScope {
            self_ty: None,
            types: &types,
            consts: &consts,
        };
        match ct_arg(cx, m, &params[i], &d, &scope, diags) {
            Some(v) => binds[i] = Some(v),
            None => ok = false,
        }
    }
    if !ok {
        return None;
    }
    let args: Vec<CtArg> = binds
        .into_iter()
        .map(|b| b.unwrap_or(CtArg::Bool(false)))
        .collect();
    for (p, a) in params.iter().zip(&args) {
        if let (GKind::Type(bounds), CtArg::Type(whole)) = (&p.kind, a) {
            let elems = match whole {
                Ty::Tuple(ts) if p.pack => ts.clone(),
                t => vec![t.clone()],
            };
            for (b, t) in bounds
                .iter()
                .flat_map(|b| elems.iter().map(move |t| (b, t)))
            {
                if !t.has_param() && !conforms(cx, t, b) {
                    diags.push((
                        m,
                        Diag::error(
                            E_CONFORMANCE,
                            format!(
                                "`{}` does not conform to `{}`, required by parameter `{}` of `{what}`",
                                cx.ty_name(t),
                                trait_name(cx, b),
                                p.name
                            ),
                            span,
                        )
                        .with_hint(match t {
                            Ty::Struct(..) => format!(
                                "declare it: `struct {}({})` and define the trait's methods",
                                cx.ty_name(t),
                                trait_name(cx, b)
                            ),
                            _ => "pass a type that conforms to the trait".to_string(),
                        }),
                    ));
                    return None;
                }
            }
        }
    }
    Some(args)
}

pub(crate) fn trait_name(cx: &Ctx, t: &TraitRef) -> String {
    match t {
        TraitRef::User(i) => cx.traits[*i as usize].name.clone(),
        TraitRef::Builtin(b) => b.to_string(),
    }
}

/// Whether a concrete type conforms to a trait.
pub(crate) fn conforms(cx: &Ctx, t: &Ty, tr: &TraitRef) -> bool {
    match t {
        Ty::Unknown | Ty::Param(_) => true,
        Ty::Struct(s, args) => {
            if let Some(b) = super::conform::conditional(cx, *s, args, tr) {
                return b;
            }
            let sd = &cx.structs[*s as usize];
            if sd.traits.iter().any(|d| implies(cx, d, tr)) {
                return true;
            }
            match tr {
                TraitRef::User(_) => false,
                TraitRef::Builtin(b) => {
                    let has = |n: &str| sd.methods.contains_key(n);
                    match *b {
                        // A struct with a destructor and no copy constructor is not copyable.
                        "Copyable" => cx.copyable(t),
                        // Only by declaration (above), never by shape.
                        "ImplicitlyCopyable" => cx.implicitly_copyable(t),
                        // (`String(x)` and `print` also write a struct through its
                        // `__str__`, so such a struct is written like a `Writable`.)
                        "Writable" => has("write_to") || has("__str__"),
                        "Stringable" => has("__str__"),
                        "Representable" => has("__repr__"),
                        "EqualityComparable" | "Equatable" => has("__eq__"),
                        "Comparable" => has("__lt__"),
                        "Hashable" => has("__hash__"),
                        // (`T: KeyElement` of a library module that does not import the
                        // alias: `Set`'s.)
                        "KeyElement" => {
                            // (A declared `Equatable` has the default `__eq__`.)
                            let eq = TraitRef::Builtin("Equatable");
                            has("__hash__")
                                && (has("__eq__") || sd.traits.iter().any(|d| implies(cx, d, &eq)))
                        }
                        "Boolable" => has("__bool__"),
                        "Intable" => has("__int__"),
                        "Indexer" => has("__index__"),
                        "Sized" => has("__len__"),
                        "Defaultable" => sd
                            .methods
                            .get("__init__")
                            .is_some_and(|f| cx.funcs[f.0 as usize].sig.params.len() == 1),
                        _ => true,
                    }
                }
            }
        }
        _ => match tr {
            // As in Mojo, `String` is a `std.os.PathLike` (paths are strings).
            TraitRef::User(i) => {
                (*t == Ty::Str && is_std_pathlike(cx, *i))
                    || (is_std_trait(cx, *i, "std.hashlib.hash", "Hashable")
                        && super::builtins::hashing::builtin_hashable(t))
            }
            TraitRef::Builtin(b) => match *b {
                "Sized" => matches!(t, Ty::Str),
                // Integers (and `Bool`) index.
                "Indexer" => matches!(t, Ty::Int { .. } | Ty::Bool),
                // Every number (floats by their bits), `Bool`, `String`, SIMD vectors and
                // tuples of those, as Mojo's `SIMD`, `String` and `Tuple` are `Hashable`.
                "Hashable" | "KeyElement" => super::builtins::hashing::builtin_hashable(t),
                "Comparable" => !matches!(t, Ty::Error),
                // Mojo's `List` and `Dict` copy only explicitly (`.copy()`).
                "ImplicitlyCopyable" => cx.implicitly_copyable(t),
                "Copyable" => cx.copyable(t),
                _ => true,
            },
        },
    }
}

/// Whether user trait `i` is the library's trait `name` of module `module`.
pub(crate) fn is_std_trait(cx: &Ctx, i: u32, module: &str, name: &str) -> bool {
    let t = &cx.traits[i as usize];
    t.name == name && cx.modules[t.module].input.name == module
}

fn is_std_pathlike(cx: &Ctx, i: u32) -> bool {
    let t = &cx.traits[i as usize];
    t.name == "PathLike" && cx.modules[t.module].input.name == "std.os.pathlike"
}

/// Whether declaring trait `have` also gives trait `want` (itself or a parent's parent).
pub(crate) fn implies(cx: &Ctx, have: &TraitRef, want: &TraitRef) -> bool {
    if have == want {
        return true;
    }
    match have {
        TraitRef::User(i) => cx.traits[*i as usize]
            .parents
            .iter()
            .any(|p| implies(cx, p, want)),
        // `KeyElement` named where the library alias is not in scope still means the
        // library's `Hashable` (std.hashlib) among its parts.
        TraitRef::Builtin("KeyElement" | "Hashable") if matches!(want, TraitRef::User(i) if is_std_trait(cx, *i, "std.hashlib.hash", "Hashable")) => {
            true
        }
        TraitRef::Builtin(b) => {
            // The copy traits imply the weaker ones.
            matches!(
                (*b, want),
                (
                    "TrivialRegisterType" | "TrivialRegisterPassable",
                    TraitRef::Builtin("ImplicitlyCopyable" | "Copyable" | "Movable")
                ) | (
                    "ImplicitlyCopyable",
                    TraitRef::Builtin("Copyable" | "Movable")
                ) | ("Copyable", TraitRef::Builtin("Movable"))
                    | (
                        "Comparable",
                        TraitRef::Builtin("EqualityComparable" | "Equatable")
                    )
                    | ("Equatable", TraitRef::Builtin("EqualityComparable"))
                    | ("EqualityComparable", TraitRef::Builtin("Equatable"))
                    | (
                        "KeyElement",
                        TraitRef::Builtin(
                            "Hashable"
                                | "EqualityComparable"
                                | "Equatable"
                                | "Copyable"
                                | "Movable"
                        )
                    )
            )
        }
    }
}

/// Matches a template type against a concrete one, binding parameters.
pub(crate) fn unify(tmpl: &Ty, actual: &Ty, binds: &mut [Option<CtArg>]) {
    match (tmpl, actual) {
        (Ty::Param(i), a) => {
            if let Some(b) = binds.get_mut(*i as usize)
                && b.is_none()
                && !a.is_unknown()
            {
                *b = Some(CtArg::Type(a.clone()));
            }
        }
        (Ty::Ptr(t), Ty::Ptr(a))
        | (Ty::RawPtr(t, _), Ty::RawPtr(a, _))
        | (Ty::Span(t), Ty::Span(a))
        | (Ty::Uninit(t), Ty::Uninit(a))
        | (Ty::Span(t), Ty::Array(a, _)) => unify(t, a, binds),
        (Ty::Vector(te, tn), a) | (Ty::Array(te, tn), a) if tn & crate::ty::COUNT_PARAM != 0 => {
            let lanes = match (tmpl, a) {
                (Ty::Array(..), Ty::Array(ae, an)) => Some(((**ae).clone(), *an)),
                (Ty::Vector(..), a) => super::builtins::simd_types::lanes(a),
                _ => None,
            };
            if let Some((ae, an)) = lanes {
                unify(te, &ae, binds);
                if let Some(b) = binds.get_mut((tn & !crate::ty::COUNT_PARAM) as usize)
                    && b.is_none()
                {
                    *b = Some(CtArg::Int(i128::from(an)));
                }
            }
        }
        (Ty::Vector(te, _), Ty::Vector(ae, _)) | (Ty::Array(te, _), Ty::Array(ae, _)) => {
            unify(te, ae, binds)
        }
        (Ty::Tuple(ts), Ty::Tuple(xs)) => {
            for (t, a) in ts.iter().zip(xs) {
                unify(t, a, binds);
            }
        }
        (Ty::Struct(s, ts), Ty::Struct(sa, xs)) if s == sa => {
            for (t, a) in ts.iter().zip(xs.iter()) {
                match (t, a) {
                    (CtArg::Param(i), a) => {
                        if let Some(b) = binds.get_mut(*i as usize)
                            && b.is_none()
                        {
                            *b = Some(a.clone());
                        }
                    }
                    (CtArg::Type(t), CtArg::Type(a)) => unify(t, a, binds),
                    _ => {}
                }
            }
        }
        _ => {}
    }
}

/// What names mean in an instance of function `f`: its parameters bound to `args`, the
/// owner struct's `comptime` members computed from them, and `Self`.
pub(crate) fn function_instance_names(
    cx: &Ctx,
    f: &FuncData,
    args: &[CtArg],
) -> (HashMap<String, Ty>, HashMap<String, ConstVal>, Option<Ty>) {
    let (mut types, mut consts) = instance_names(&f.generics, args);
    super::params::self_param_names(cx, f, &mut types, &mut consts);
    if let Some(s) = f.owner {
        let (_, sc) = struct_instance_names(cx, s, args);
        for (n, v) in sc {
            consts.entry(n).or_insert(v);
        }
    }
    let self_ty = match (f.owner, f.trait_owner) {
        (Some(s), _) => {
            let k = cx.structs[s as usize].params.len();
            Some(Ty::Struct(s, args[..k.min(args.len())].to_vec().into()))
        }
        (None, Some(_)) => match args.first() {
            Some(CtArg::Type(t)) => Some(t.clone()),
            _ => None,
        },
        _ => None,
    };
    super::params::type_param_members(cx, &types, &mut consts);
    (types, consts, self_ty)
}

/// The signature of an instance of `f`: parameters substituted, and the types that do
/// arithmetic on parameters resolved with the instance's values.
pub(crate) fn instance_sig(
    cx: &Ctx,
    f: &FuncData,
    args: &[CtArg],
    diags: &mut Vec<(usize, Diag)>,
) -> Sig {
    let mut sig = subst_sig(&f.sig, args);
    if f.late.is_empty() {
        return sig;
    }
    let (types, consts, self_ty) = function_instance_names(cx, f, args);
    let scope = TyScope {
        self_ty,
        types: &types,
        consts: &consts,
    };
    for (i, e) in &f.late {
        let t = resolve_type(cx, f.module, e, &scope, diags);
        if *i == usize::MAX {
            sig.ret = t;
        } else if *i == super::LATE_REF_RESULT {
            sig.ret = Ty::Ptr(Box::new(t));
        } else if let Some(p) = sig.params.get_mut(*i) {
            p.ty = t;
        }
    }
    sig
}

/// A signature with the parameters of an instance substituted.
pub(crate) fn subst_sig(sig: &Sig, args: &[CtArg]) -> Sig {
    let mut s = sig.clone();
    for p in &mut s.params {
        p.ty = p.ty.subst(args);
    }
    s.ret = s.ret.subst(args);
    s.raises_ty = s.raises_ty.map(|t| t.subst(args));
    s
}

impl FnCx<'_> {
    /// The scope for resolving type names in this body.
    pub fn tscope(&self) -> TyScope<'_> {
        TyScope {
            self_ty: self.self_ty.clone(),
            types: &self.tparams,
            consts: &self.consts,
        }
    }

    /// Resolves a type expression in this body.
    pub fn resolve_ty(&mut self, e: &Expr) -> Ty {
        // `x.ElementType` of a variable `x`: a member of its type (`type_of(x).ElementType`).
        let rewritten;
        let e = match &e.kind {
            ExprKind::Attr { base, name } if matches!(&base.kind, ExprKind::Name(n) if self.lookup_local(n).is_some()) =>
            {
                rewritten = Expr {
                    kind: ExprKind::Attr {
                        base: Box::new(Expr {
                            kind: ExprKind::Call {
                                func: Box::new(Expr {
                                    kind: ExprKind::Name("type_of".into()),
                                    span: base.span,
                                }),
                                args: vec![ast::Arg {
                                    name: None,
                                    value: (**base).clone(),
                                    span: base.span,
                                }],
                            },
                            span: base.span,
                        }),
                        name: name.clone(),
                    },
                    span: e.span,
                };
                &rewritten
            }
            _ => e,
        };
        let e = self.bind_type_of(e);
        let mut diags = Vec::new();
        let t = resolve_type(self.cx, self.m, &e, &self.tscope(), &mut diags);
        self.diags.extend(diags);
        t
    }

    /// `type_of(x)` inside a type expression: the type of the expression `x` (typed on
    /// the side), bound to a hidden type name of this body that the expression then uses.
    pub(crate) fn bind_type_of(&mut self, e: &Expr) -> Expr {
        let mut out = e.clone();
        let mut found = Vec::new();
        mj_syntax::visit::walk_expr(e, &mut |x| {
            if let ExprKind::Call { func, args } = &x.kind
                && matches!(&func.kind, ExprKind::Name(n) if n == "type_of")
                && let [a] = args.as_slice()
            {
                found.push((x.span, a.value.clone()));
            }
        });
        for (span, arg) in found {
            let t = self.on_the_side(|fx| fx.expr(&arg, None)).ty;
            let name = format!("$type_of{}", self.tparams.len());
            self.tparams.insert(name.clone(), t);
            replace_at(&mut out, span, &name);
        }
        out
    }

    /// Works out the compile-time arguments of a call to `id` and its signature for them.
    /// `prefix` are the owner's arguments (the receiver struct's, or a trait method's
    /// `Self`), `explicit` the `f[...]` ones; the rest are inferred from the run-time
    /// arguments (`args`, after `skip` receiver parameters; `recv` is the receiver's type).
    #[allow(clippy::too_many_arguments)]
    pub fn instantiate(
        &mut self,
        id: FnId,
        prefix: Vec<CtArg>,
        explicit: Option<&[Arg]>,
        args: &[Arg],
        skip: usize,
        span: mj_syntax::Span,
    ) -> Option<(Sig, Targs)> {
        let f: &FuncData = &self.cx.funcs[id.0 as usize];
        let fname = f.def.name.name.clone();
        let params = f.generics.clone();
        let first = prefix.len();
        if params.len() == first && explicit.is_none() {
            let mut diags = Vec::new();
            let isig = instance_sig(self.cx, f, &prefix, &mut diags);
            self.report_sig_diags(&fname, diags, span);
            if let Some(d) = super::conform::check_where(self.cx, id, &prefix, span) {
                self.error(d);
                return None;
            }
            return Some((isig, Targs::from(prefix)));
        }
        let sig = f.sig.clone();
        let mut binds: Vec<Option<CtArg>> = vec![None; params.len()];
        // A method whose `self` is written with the struct's own parameters
        // (`self: Container[T]`, Mojo's `@__allow_legacy_custom_self_type`): its
        // parameters come from the receiver's type.
        let custom_self = sig.has_self
            && skip == 1
            && f.owner.is_some()
            && sig.params.first().is_some_and(|p| p.ty.has_param())
            && f.def.args.first().is_some_and(|a| a.ty.is_some());
        if custom_self && let Some(owner) = f.owner {
            let recv_ty = Ty::Struct(owner, Targs::from(prefix.clone()));
            unify(&sig.params[0].ty, &recv_ty, &mut binds);
        }
        for (i, a) in prefix.into_iter().enumerate() {
            binds[i] = Some(a);
        }
        let mut ok = true;
        if let Some(ex) = explicit {
            if params.len() == first {
                let msg = format!("`{fname}` takes no compile-time parameters");
                self.error(Diag::error(E_GENERIC, msg, span));
                return None;
            }
            let ex: Vec<Arg> = ex
                .iter()
                .map(|a| Arg {
                    value: self.bind_type_of(&a.value),
                    ..a.clone()
                })
                .collect();
            let mut diags = Vec::new();
            let scope = self.tscope();
            ok = bind_explicit(
                self.cx, self.m, &fname, &params, first, &ex, &scope, &mut binds, &mut diags,
            );
            self.diags.extend(diags);
        }
        // A function given for a function parameter (`Mapper: def(var T) -> To`) decides
        // the type parameters in its signature (`To`).
        for (p, b) in params.iter().zip(binds.clone()) {
            if let (GKind::Func(want, ret), Some(CtArg::Func(f))) = (&p.kind, b) {
                let fsig = &self.cx.funcs[f as usize].sig;
                for (w, q) in want.iter().zip(&fsig.params) {
                    unify(w, &q.ty, &mut binds);
                }
                unify(ret, &fsig.ret, &mut binds);
            }
        }
        if binds.iter().any(Option::is_none) {
            let all_known = self.infer_from_args(&sig, skip, args, &mut binds);
            // After an error in an argument, a parameter it would have decided is not
            // reported again (the caller reports the argument's own error).
            if !all_known
                && binds
                    .iter()
                    .zip(&params)
                    .any(|(b, p)| b.is_none() && p.default.is_none())
            {
                return None;
            }
        }
        let mut diags = Vec::new();
        let callee_m = self.cx.funcs[id.0 as usize].module;
        let r = finish_binds(
            self.cx, callee_m, &fname, &params, binds, ok, &mut diags, span,
        );
        // Problems are reported where the call is.
        self.diags
            .extend(diags.into_iter().map(|(_, d)| (self.m, d)));
        let args = r?;
        let mut diags = Vec::new();
        let f = &self.cx.funcs[id.0 as usize];
        let isig = instance_sig(self.cx, f, &args, &mut diags);
        self.report_sig_diags(&fname, diags, span);
        if let Some(d) = super::conform::check_where(self.cx, id, &args, span) {
            self.error(d);
            return None;
        }
        Some((isig, Targs::from(args)))
    }

    /// Problems of a signature resolved for one instance (`-> T.Element` where `T` has no
    /// such member): reported at the call, which chose the arguments (the spans point into
    /// the callee's signature, possibly in another file).
    fn report_sig_diags(&mut self, fname: &str, diags: Vec<(usize, Diag)>, span: mj_syntax::Span) {
        for (_, d) in diags {
            let msg = format!(
                "{} (in the signature of `{fname}` for this call)",
                d.message
            );
            let mut e = Diag::error(d.code, msg, span);
            e.hint = d.hint;
            self.error(e);
        }
    }

    /// Binds parameters from the types of the run-time arguments. The arguments are
    /// checked on the side (diagnostics and flow effects are discarded; the call checks
    /// them again against the instance's signature).
    /// Binds the compile-time parameters that the arguments' types decide. Returns
    /// whether every argument had a known type (after an error in an argument, a
    /// parameter left unbound is not reported again).
    pub(crate) fn infer_from_args(
        &mut self,
        sig: &Sig,
        skip: usize,
        args: &[Arg],
        binds: &mut [Option<CtArg>],
    ) -> bool {
        let mut all_known = true;
        let params = &sig.params[skip.min(sig.params.len())..];
        let variadic = params.iter().position(|p| p.variadic);
        // `*args: *Ts`: the pack is the tuple of the extra arguments' types.
        if let Some(v) = variadic
            && let Ty::Param(i) = params[v].ty
            && binds.get(i as usize).is_some_and(Option::is_none)
        {
            let extra: Vec<&Arg> = args.iter().filter(|a| a.name.is_none()).skip(v).collect();
            let tys: Vec<Ty> = extra
                .iter()
                .map(|a| self.on_the_side(|fx| fx.expr(&a.value, None)).ty)
                .collect();
            binds[i as usize] = Some(CtArg::Type(Ty::Tuple(tys)));
        }
        let mut pos = 0;
        // A numeric literal adapts to the type the other arguments give a parameter
        // (`assert_equal(3, x)` with `x: UInt8` is a `UInt8` comparison, as Mojo's literal
        // types make it): literals bind only what nothing else did.
        let mut literals: Vec<(Ty, Ty)> = Vec::new();
        for a in args {
            let i = match &a.name {
                Some(n) => match params.iter().position(|p| p.name == n.name) {
                    Some(i) => i,
                    None => continue,
                },
                None => {
                    pos += 1;
                    match variadic {
                        Some(v) if pos > v => v,
                        _ => pos - 1,
                    }
                }
            };
            let Some(p) = params.get(i) else { continue };
            if !p.ty.has_param() {
                continue;
            }
            if p.variadic {
                // Each extra argument is one element of the list.
                if let Some(elem) = crate::lang_items::list_elem(self.cx, &p.ty) {
                    let v = self.on_the_side(|fx| fx.expr(&a.value, None));
                    unify(&elem, &v.ty, binds);
                }
                continue;
            }
            let v = self.on_the_side(|fx| fx.expr(&a.value, None));
            all_known &= !v.ty.is_unknown();
            // A library `List` passed for a `Span` parameter lends its elements.
            let at = match (&p.ty, crate::lang_items::list_elem(self.cx, &v.ty)) {
                (Ty::Span(_), Some(e)) => Ty::Span(Box::new(e)),
                _ => v.ty.clone(),
            };
            if matches!(
                v.kind,
                crate::tir::TExprKind::Int(_) | crate::tir::TExprKind::Float(_)
            ) {
                literals.push((p.ty.clone(), at));
                continue;
            }
            unify(&p.ty, &at, binds);
        }
        for (pt, at) in literals {
            unify(&pt, &at, binds);
        }
        all_known
    }

    /// Runs `f` (typing expressions to learn their types) and then drops the diagnostics
    /// and flow effects it had: the call that uses the answer checks them again.
    pub fn on_the_side<R>(&mut self, f: impl FnOnce(&mut Self) -> R) -> R {
        let saved_diags = self.diags.len();
        let saved_flow = self.flow.clone();
        // Closures lifted while checking on the side are dropped too: their diagnostics
        // are, so the real check must lift (and report) them again.
        let saved_lifted = self.lifted.len();
        let saved_generic_lifts = self.generic_lifts.len();
        let r = f(self);
        self.diags.truncate(saved_diags);
        self.flow = saved_flow;
        self.lifted.truncate(saved_lifted);
        self.generic_lifts.truncate(saved_generic_lifts);
        for c in &mut self.closures {
            c.instances
                .retain(|_, inst| (inst.0 as usize) < saved_lifted);
        }
        r
    }

    /// The callee of a call to `id` with compile-time arguments `targs`.
    pub fn callee(&self, id: FnId, targs: &Targs) -> crate::tir::Callee {
        if targs.is_empty() {
            crate::tir::Callee::Fn(id)
        } else {
            crate::tir::Callee::Inst(id, targs.clone())
        }
    }

    /// The owner arguments for calling method `id` on a receiver of type `recv`.
    pub fn method_prefix(&self, id: FnId, recv: &Ty) -> Vec<CtArg> {
        let f = &self.cx.funcs[id.0 as usize];
        if f.trait_owner.is_some() {
            return vec![CtArg::Type(recv.clone())];
        }
        match recv {
            Ty::Struct(_, a) => a.to_vec(),
            _ => Vec::new(),
        }
    }
}

/// The fields of a struct type, with an instance's arguments substituted.
pub(crate) fn fields_of(cx: &Ctx, t: &Ty) -> Option<Vec<(String, Ty)>> {
    let Ty::Struct(s, a) = t else { return None };
    let sd = &cx.structs[*s as usize];
    let fields = &sd.fields;
    if a.is_empty() {
        return Some(fields.clone());
    }
    let mut out: Vec<(String, Ty)> = fields
        .iter()
        .map(|(n, t)| (n.clone(), t.subst(a)))
        .collect();
    if !sd.late_fields.is_empty() {
        let (types, consts) = struct_instance_names(cx, *s, a);
        let scope = TyScope {
            self_ty: Some(t.clone()),
            types: &types,
            consts: &consts,
        };
        for (i, e) in &sd.late_fields {
            let mut diags = Vec::new();
            let ft = resolve_type(cx, sd.module, e, &scope, &mut diags);
            if let Some(f) = out.get_mut(*i) {
                f.1 = ft;
            }
        }
    }
    Some(out)
}

/// The names of struct `s`'s instance `args`: its parameters and its `comptime` members
/// computed from them.
/// A `comptime` type member of a struct instance (`C.Element`, `I.Element` with `I` bound
/// to a struct, `Self.IteratorType`).
pub(crate) fn struct_member_type(cx: &Ctx, s: u32, args: &[CtArg], name: &str) -> Option<Ty> {
    let sd = &cx.structs[s as usize];
    if sd.late_consts.iter().any(|(n, _)| n == name) {
        return match struct_instance_names(cx, s, args).1.remove(name) {
            Some(ConstVal::Type(t)) => Some(t),
            _ => None,
        };
    }
    match sd.consts.get(name) {
        Some(ConstVal::Type(t)) => Some(t.subst(args)),
        _ => None,
    }
}

pub(crate) fn struct_instance_names(
    cx: &Ctx,
    s: u32,
    args: &[CtArg],
) -> (HashMap<String, Ty>, HashMap<String, ConstVal>) {
    let sd = &cx.structs[s as usize];
    let k = sd.params.len().min(args.len());
    let (types, mut consts) = instance_names(&sd.params[..k], &args[..k]);
    for (n, e) in &sd.late_consts {
        // `comptime D0 = Self.d0`: a value parameter under another name (resolving it as
        // a type would ask for this instance's members again).
        if let ExprKind::Attr { base, name } = &e.kind
            && matches!(&base.kind, ExprKind::Name(b) if b == "Self")
            && let Some(v) = consts.get(&name.name).cloned()
        {
            consts.insert(n.clone(), v);
            continue;
        }
        // A type alias naming the parameters or `Self`
        // (`comptime Ptr = UnsafePointer[Self, MutExternalOrigin]`).
        if matches!(
            e.kind,
            ExprKind::Index { .. } | ExprKind::Attr { .. } | ExprKind::Name(_)
        ) {
            let scope = TyScope {
                self_ty: Some(Ty::Struct(s, args.iter().cloned().collect())),
                types: &types,
                consts: &consts,
            };
            let mut diags = Vec::new();
            let t = super::items::resolve_type(cx, sd.module, e, &scope, &mut diags);
            if diags.is_empty() {
                consts.insert(n.clone(), ConstVal::Type(t));
                continue;
            }
        }
        if let Some(v) = const_eval(cx, sd.module, e, &consts) {
            consts.insert(n.clone(), v);
        }
    }
    (types, consts)
}

/// Replaces the subexpression at `span` of `e` by the name `name`.
fn replace_at(e: &mut Expr, span: mj_syntax::Span, name: &str) {
    if e.span == span && matches!(e.kind, ExprKind::Call { .. }) {
        e.kind = ExprKind::Name(name.to_string());
        return;
    }
    match &mut e.kind {
        ExprKind::Index { base, args } => {
            replace_at(base, span, name);
            for a in args {
                replace_at(&mut a.value, span, name);
            }
        }
        ExprKind::Tuple(items) => {
            for i in items {
                replace_at(i, span, name);
            }
        }
        // `type_of(x).ElementType`
        ExprKind::Attr { base, .. } => replace_at(base, span, name),
        _ => {}
    }
}
