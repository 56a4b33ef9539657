//! Compile-time parameter features beyond declaring and binding them (`generics.rs`):
//! `rebind[T](value)`, parameters read from values and types (`v.dtype`, `v.size`,
//! `SIMD[dt, 2].size`, `x.T`), and automatic parameterization of argument types
//! (`def f(v: SIMD)`, `def g(x: Fudge[5, ...])`).

use mj_syntax::Diag;
use mj_syntax::Span;
use mj_syntax::ast::{Arg, Expr, ExprKind, FnDef, Ident, ParamMode};

use std::collections::HashMap;

use super::body::FnCx;
use super::generics::TyScope;
use super::{ConstVal, Ctx, E_ARITY, E_MISMATCH, GKind, GParam, Item, ParamSig};
use crate::rt::Rt;
use crate::tir::TExpr;
use crate::ty::{CtArg, Ty};

impl FnCx<'_> {
    /// `rebind[T](value)`: the value, as type `T`. Bodies are checked per instance, so the
    /// two types are concrete here and must be the same type.
    pub(crate) fn rebind(&mut self, params: &[Arg], args: &[Arg], span: Span) -> TExpr {
        let line = self.line(span);
        let ([p], [a]) = (params, args) else {
            self.error(Diag::error(
                E_ARITY,
                "`rebind` takes one type parameter and one argument: `rebind[T](value)`",
                span,
            ));
            for a in args {
                self.expr(&a.value, None);
            }
            return self.unknown(line);
        };
        let want = self.resolve_ty(&p.value);
        let mut v = self.expr(&a.value, Some(&want));
        if v.ty.is_unknown() || want.is_unknown() {
            return v;
        }
        if v.ty != want {
            let msg = format!(
                "`rebind` cannot turn a `{}` into a `{}`: the types differ in this instance",
                self.ty_name(&v.ty),
                self.ty_name(&want)
            );
            self.error(Diag::error(E_MISMATCH, msg, a.value.span));
            return self.unknown(line);
        }
        v.ty = want;
        v
    }
}

/// `a.b` (a name and one attribute) as the key `"a.b"`: how the hidden parameters of an
/// automatically parameterized argument are named (`v.dtype`, `x.T`).
pub(crate) fn dotted(e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Attr { base, name } => dotted_attr(base, &name.name),
        _ => None,
    }
}

/// The dotted name of `base.name` (`x.T`, `Self.L.SIZE`) when `base` is a chain of names.
pub(crate) fn dotted_attr(base: &Expr, name: &str) -> Option<String> {
    match &base.kind {
        ExprKind::Name(b) => Some(format!("{b}.{name}")),
        // `Self.L.SIZE`: a member of a type parameter of the struct.
        ExprKind::Attr { .. } => Some(format!("{}.{name}", dotted(base)?)),
        _ => None,
    }
}

/// The compile-time members of the structs bound to type parameters, under their dotted
/// names (`L.SIZE`, `Self.L.SIZE`, `L.d0`): `T.member` of a type parameter is a
/// compile-time value of the instance.
pub(crate) fn type_param_members(
    cx: &super::Ctx,
    tparams: &HashMap<String, Ty>,
    consts: &mut HashMap<String, ConstVal>,
) {
    for (name, t) in tparams {
        let Ty::Struct(s, a) = t else { continue };
        let (_, mut members) = super::generics::struct_instance_names(cx, *s, a);
        // Members that need no parameter (`comptime S2 = 1`) are the struct's own.
        for (k, v) in &cx.structs[*s as usize].consts {
            members.entry(k.clone()).or_insert_with(|| v.clone());
        }
        for (k, v) in members {
            consts.insert(format!("Self.{name}.{k}"), v.clone());
            consts.insert(format!("{name}.{k}"), v);
        }
    }
}

/// `type_of(x)` naming an earlier argument of the signature: that argument's type.
pub(crate) fn type_of_arg(e: &Expr, def: &FnDef, params: &[ParamSig]) -> Option<Ty> {
    let ExprKind::Call { func, args } = &e.kind else {
        return None;
    };
    let (ExprKind::Name(f), [a]) = (&func.kind, args.as_slice()) else {
        return None;
    };
    let ExprKind::Name(x) = &a.value.kind else {
        return None;
    };
    if f != "type_of" || !def.args.iter().any(|p| p.name.name == *x) {
        return None;
    }
    params.iter().find(|p| p.name == *x).map(|p| p.ty.clone())
}

fn name_expr(n: &str, span: Span) -> Expr {
    Expr {
        kind: ExprKind::Name(n.to_string()),
        span,
    }
}

/// `arg.param` as an expression (the hidden parameter's name in types).
fn hidden_ref(arg: &str, param: &str, span: Span) -> Expr {
    Expr {
        kind: ExprKind::Attr {
            base: Box::new(name_expr(arg, span)),
            name: Ident {
                name: param.to_string(),
                span,
            },
        },
        span,
    }
}

/// Whether an argument of `Type[...]` leaves its parameter unbound (`_`).
fn is_unbound(e: &Expr) -> bool {
    matches!(&e.kind, ExprKind::Name(n) if n == "_")
}

/// Automatic parameterization: each argument whose type is an unbound or partially bound
/// parametric type (`v: SIMD`, `s: Scalar`, `f: Fudge[5, ...]`, `f: Fudge[_, 6, _]`,
/// `t: MyType` for a generic struct) gets infer-only hidden parameters named
/// `arg.param`, and its type is rewritten to bind them (`SIMD[v.dtype, v.size]`).
/// Returns the hidden parameters (to append to `outer`) and the rewritten types.
pub(crate) fn auto_params(
    cx: &Ctx,
    m: usize,
    def: &FnDef,
    outer: &[GParam],
) -> (Vec<GParam>, Vec<(usize, Expr)>) {
    let mut hidden: Vec<GParam> = Vec::new();
    let mut types = Vec::new();
    let shadowed =
        |n: &str| outer.iter().any(|p| p.name == n) || cx.modules[m].scope.contains_key(n);
    for (i, a) in def.args.iter().enumerate() {
        let Some(t) = &a.ty else { continue };
        let arg = a.name.name.as_str();
        let span = t.span;
        let add = |hidden: &mut Vec<GParam>, name: &str, kind: GKind| {
            hidden.push(GParam {
                name: format!("{arg}.{name}"),
                kind,
                default: None,
                mode: ParamMode::InferOnly,
                pack: false,
                span,
            });
        };
        match &t.kind {
            // `x: Some[Trait]`: a hidden type parameter bound by the trait (`Some[Writer]`
            // stays the writer of `write_to`).
            ExprKind::Index { base, args }
                if matches!(&base.kind, ExprKind::Name(n) if n == "Some" && !shadowed(n))
                    && args.len() == 1
                    && !matches!(&args[0].value.kind, ExprKind::Name(w) if w == "Writer") =>
            {
                let mut diags = Vec::new();
                let bounds = super::generics::resolve_traits(cx, m, &args[0].value, &mut diags);
                if diags.is_empty() {
                    add(&mut hidden, "T", GKind::Type(bounds));
                    types.push((i, hidden_ref(arg, "T", span)));
                }
            }
            ExprKind::Name(n) if (n == "SIMD" || n == "Scalar") && !shadowed(n) => {
                add(&mut hidden, "dtype", GKind::DType);
                let mut args = vec![Arg {
                    name: None,
                    value: hidden_ref(arg, "dtype", span),
                    span,
                }];
                if n == "SIMD" {
                    add(&mut hidden, "size", GKind::Value(Ty::INT));
                    args.push(Arg {
                        name: None,
                        value: hidden_ref(arg, "size", span),
                        span,
                    });
                }
                let e = Expr {
                    kind: ExprKind::Index {
                        base: Box::new(t.clone()),
                        args,
                    },
                    span,
                };
                types.push((i, e));
            }
            ExprKind::Name(n) => {
                if let Some(Item::Struct(s)) = cx.modules[m].scope.get(n)
                    && !outer.iter().any(|p| p.name == *n)
                    && !cx.structs[*s as usize].params.is_empty()
                {
                    let params = cx.structs[*s as usize].params.clone();
                    let given: Vec<Option<Expr>> = vec![None; params.len()];
                    let unbound = vec![true; params.len()];
                    let e = rebuild(
                        t,
                        &params,
                        given,
                        unbound,
                        arg,
                        span,
                        &mut |h, p| add(h, &p.name, p.kind.clone()),
                        &mut hidden,
                    );
                    types.push((i, e));
                }
            }
            ExprKind::Index { base, args } => {
                let ExprKind::Name(n) = &base.kind else {
                    continue;
                };
                let Some(Item::Struct(s)) = cx.modules[m].scope.get(n) else {
                    continue;
                };
                if outer.iter().any(|p| p.name == *n) {
                    continue;
                }
                let params = cx.structs[*s as usize].params.clone();
                let Some((given, unbound)) = partial_binding(&params, args) else {
                    continue;
                };
                let e = rebuild(
                    base,
                    &params,
                    given,
                    unbound,
                    arg,
                    span,
                    &mut |h, p| add(h, &p.name, p.kind.clone()),
                    &mut hidden,
                );
                types.push((i, e));
            }
            _ => {}
        }
    }
    (hidden, types)
}

/// Reads `Type[args]` against the struct's parameters: what each parameter is given and
/// whether it is unbound. `None` when the type is fully bound (nothing to do) or the
/// arguments do not fit (the ordinary resolution reports it).
#[allow(clippy::type_complexity)]
fn partial_binding(params: &[GParam], args: &[Arg]) -> Option<(Vec<Option<Expr>>, Vec<bool>)> {
    let mut given: Vec<Option<Expr>> = vec![None; params.len()];
    let mut unbound = vec![false; params.len()];
    let mut rest = false;
    let mut pos = 0;
    for a in args {
        if matches!(a.value.kind, ExprKind::Ellipsis) && a.name.is_none() {
            rest = true;
            continue;
        }
        let k = match &a.name {
            Some(n) => params.iter().position(|p| p.name == n.name)?,
            None => {
                while pos < params.len() && params[pos].mode == ParamMode::InferOnly {
                    pos += 1;
                }
                pos += 1;
                pos - 1
            }
        };
        if k >= params.len() {
            return None;
        }
        if is_unbound(&a.value) {
            unbound[k] = true;
        } else {
            given[k] = Some(a.value.clone());
        }
    }
    for k in 0..params.len() {
        if given[k].is_none() && !unbound[k] && (rest || params[k].default.is_none()) {
            // `...` unbinds every parameter not written (defaults ignored); without it an
            // omitted parameter with no default is unbound.
            unbound[k] = true;
        }
    }
    unbound.iter().any(|u| *u).then_some((given, unbound))
}

/// `Type[...]` with every parameter given: written ones as written, unbound ones as
/// hidden parameters (`arg.p`), defaults left to the struct.
#[allow(clippy::too_many_arguments)]
fn rebuild(
    base: &Expr,
    params: &[GParam],
    given: Vec<Option<Expr>>,
    unbound: Vec<bool>,
    arg: &str,
    span: Span,
    add: &mut dyn FnMut(&mut Vec<GParam>, &GParam),
    hidden: &mut Vec<GParam>,
) -> Expr {
    let mut args = Vec::new();
    for (k, p) in params.iter().enumerate() {
        let value = if unbound[k] {
            add(hidden, p);
            Some(hidden_ref(arg, &p.name, span))
        } else {
            given[k].clone()
        };
        let value = match (value, p.mode) {
            (Some(v), _) => v,
            // A positional-only parameter before others must be written out.
            (None, ParamMode::PosOnly) => match &p.default {
                Some(d) => d.clone(),
                None => continue,
            },
            (None, _) => continue,
        };
        let name = (p.mode != ParamMode::PosOnly).then(|| Ident {
            name: p.name.clone(),
            span,
        });
        args.push(Arg { name, value, span });
    }
    Expr {
        kind: ExprKind::Index {
            base: Box::new(base.clone()),
            args,
        },
        span,
    }
}

/// A compile-time parameter of a type read as an attribute: `dtype` and `size` (or
/// `length`) of a SIMD vector or scalar, or a struct instance's value parameter by name
/// (a field of that name wins; the caller looks fields up first).
pub(crate) fn param_of_type(cx: &Ctx, t: &Ty, name: &str) -> Option<ConstVal> {
    match t {
        Ty::Vector(e, n) => match name {
            "dtype" => Some(ConstVal::DType((**e).clone())),
            "size" | "length" => Some(ConstVal::Int(i128::from(*n), Ty::INT)),
            _ => None,
        },
        Ty::Int { .. } | Ty::Float { .. } | Ty::Bool => match name {
            "dtype" => Some(ConstVal::DType(t.clone())),
            "size" | "length" => Some(ConstVal::Int(1, Ty::INT)),
            _ => None,
        },
        Ty::Struct(s, args) => {
            let sd = &cx.structs[*s as usize];
            let k = sd.params.iter().position(|p| p.name == name)?;
            let a = args.get(k)?;
            match (&sd.params[k].kind, a) {
                (GKind::DType, CtArg::Type(t)) => Some(ConstVal::DType(t.clone())),
                (GKind::Type(_), CtArg::Type(t)) => Some(ConstVal::Type(t.clone())),
                (GKind::Value(vt), a) => super::generics::ct_to_const(a, &vt.subst(args)),
                _ => None,
            }
        }
        _ => None,
    }
}

impl FnCx<'_> {
    /// `v.dtype` where `v` is an automatically parameterized argument (a hidden
    /// parameter), and parameters read from a written type (`SIMD[DType.int8, 4].size`,
    /// `Fudge[1, 2].sugar`).
    pub(crate) fn param_attr_static(
        &mut self,
        base: &Expr,
        name: &Ident,
        span: Span,
        line: u32,
    ) -> Option<TExpr> {
        let e = Expr {
            kind: ExprKind::Attr {
                base: Box::new(base.clone()),
                name: name.clone(),
            },
            span,
        };
        if let Some(key) = dotted(&e)
            && let Some(v) = self.consts.get(&key).cloned()
        {
            return Some(self.const_value(v, line));
        }
        let ExprKind::Index { base: tb, .. } = &base.kind else {
            return None;
        };
        let ExprKind::Name(n) = &tb.kind else {
            return None;
        };
        if self.lookup_local(n).is_some() {
            return None;
        }
        let is_type = matches!(n.as_str(), "SIMD" | "Scalar")
            && !self.cx.modules[self.m].scope.contains_key(n)
            || matches!(self.cx.modules[self.m].scope.get(n), Some(Item::Struct(_)));
        if !is_type {
            return None;
        }
        let t = self.resolve_ty(base);
        if t.is_unknown() {
            return Some(self.unknown(line));
        }
        let v = param_of_type(self.cx, &t, &name.name)?;
        Some(self.const_value(v, line))
    }
}

/// `dt.is_floating_point()` and the other queries of a compile-time `DType`.
pub(crate) fn dtype_query(t: &Ty, name: &str) -> Option<ConstVal> {
    let bits = |t: &Ty| match t {
        Ty::Bool => 1,
        Ty::Int { bits, .. } => i128::from(*bits),
        Ty::Float { bits } => i128::from(*bits & 0x7f),
        _ => 0,
    };
    Some(match name {
        "is_floating_point" => ConstVal::Bool(t.is_float()),
        "is_integral" => ConstVal::Bool(t.is_int()),
        "is_signed" => ConstVal::Bool(t.is_signed_int() || t.is_float()),
        "is_unsigned" => ConstVal::Bool(matches!(t, Ty::Int { signed: false, .. })),
        "is_numeric" => ConstVal::Bool(t.is_numeric()),
        "bit_width" | "bitwidth" => ConstVal::Int(bits(t), Ty::INT),
        "size_of" | "sizeof" => ConstVal::Int((bits(t) + 7) / 8, Ty::INT),
        _ => return None,
    })
}

/// `base.name()` where `base` is a compile-time `DType`: its query, folded.
pub(crate) fn dtype_call(
    cx: &Ctx,
    m: usize,
    func: &Expr,
    args: &[Arg],
    locals: &std::collections::HashMap<String, ConstVal>,
) -> Option<ConstVal> {
    let ExprKind::Attr { base, name } = &func.kind else {
        return None;
    };
    if !args.is_empty() {
        return None;
    }
    // Only names that are compile-time `DType`s (no general evaluation of the base: it
    // may be any run-time expression).
    let t = match &base.kind {
        ExprKind::Name(n) => match locals.get(n) {
            Some(ConstVal::DType(t)) => t.clone(),
            _ => match cx.modules[m].scope.get(n) {
                Some(Item::Const(ConstVal::DType(t))) => t.clone(),
                _ => return None,
            },
        },
        ExprKind::Attr { base: b, name: dn } => {
            if matches!(&b.kind, ExprKind::Name(d) if d == "DType") {
                super::builtins::simd_types::dtype_by_name(&dn.name)?
            } else {
                match locals.get(&dotted(base)?) {
                    Some(ConstVal::DType(t)) => t.clone(),
                    _ => return None,
                }
            }
        }
        _ => return None,
    };
    dtype_query(&t, &name.name)
}

impl FnCx<'_> {
    /// `dt.is_floating_point()` on a compile-time `DType` (not a local variable).
    pub(crate) fn dtype_method(&mut self, func: &Expr, args: &[Arg], span: Span) -> Option<TExpr> {
        let ExprKind::Attr { base, .. } = &func.kind else {
            return None;
        };
        if let ExprKind::Name(n) = &base.kind
            && self.lookup_local(n).is_some()
        {
            return None;
        }
        let v = dtype_call(self.cx, self.m, func, args, &self.consts)?;
        let line = self.line(span);
        Some(self.const_value(v, line))
    }
}

/// `[value: SIMD]` (or `Scalar`) in a parameter list: pushes the hidden infer-only
/// `value.dtype` (and `value.size`) parameters onto `out` and returns the parameter with
/// its type bound to them. `None` for any other parameter.
pub(crate) fn auto_value_param(
    cx: &Ctx,
    m: usize,
    p: &mj_syntax::ast::GenericParam,
    outer: &[GParam],
    out: &mut Vec<GParam>,
) -> Option<mj_syntax::ast::GenericParam> {
    let t = p.ty.as_ref()?;
    let ExprKind::Name(n) = &t.kind else {
        return None;
    };
    if !(n == "SIMD" || n == "Scalar")
        || cx.modules[m].scope.contains_key(n)
        || outer.iter().chain(out.iter()).any(|o| o.name == *n)
    {
        return None;
    }
    let arg = p.name.name.as_str();
    let span = t.span;
    let mut args = Vec::new();
    let mut names = vec![("dtype", GKind::DType)];
    if n == "SIMD" {
        names.push(("size", GKind::Value(Ty::INT)));
    }
    for (k, kind) in names {
        out.push(GParam {
            name: format!("{arg}.{k}"),
            kind,
            default: None,
            mode: ParamMode::InferOnly,
            pack: false,
            span,
        });
        args.push(Arg {
            name: None,
            value: hidden_ref(arg, k, span),
            span,
        });
    }
    let mut q = p.clone();
    q.ty = Some(Expr {
        kind: ExprKind::Index {
            base: Box::new(t.clone()),
            args,
        },
        span,
    });
    Some(q)
}

impl FnCx<'_> {
    /// `String.write(a, b, ...)`: a new string holding each argument written in turn.
    pub(crate) fn string_write(&mut self, args: &[Arg], span: Span) -> TExpr {
        let line = self.line(span);
        let mut acc: Option<TExpr> = None;
        // `sep=` goes between the pieces (`String.write(a, b, sep=", ")`), `end=` after.
        let mut sep: Option<TExpr> = None;
        let mut end: Option<TExpr> = None;
        let mut stmts = Vec::new();
        for a in args.iter().filter(|a| a.name.is_some()) {
            let which = a.name.as_ref().map(|n| n.name.as_str());
            if !matches!(which, Some("sep" | "end")) {
                self.error(Diag::error(
                    super::E_KWARG,
                    "`String.write` takes the values, `sep=` and `end=`",
                    a.span,
                ));
                continue;
            }
            let v = self.expr(&a.value, Some(&Ty::Str));
            let v = self.coerce(v, &Ty::Str, a.value.span);
            let (st, tmp) = self.temp(v);
            stmts.push(st);
            if which == Some("sep") {
                sep = Some(tmp);
            } else {
                end = Some(tmp);
            }
        }
        for a in args.iter().filter(|a| a.name.is_none()) {
            let v = self.expr(&a.value, None);
            let piece = self.stringify(v, a.value.span);
            acc = Some(match acc {
                Some(prev) => {
                    let prev = match &sep {
                        Some(s) => {
                            self.rt_call(Rt::StrConcat, vec![prev, s.clone()], Ty::Str, line)
                        }
                        None => prev,
                    };
                    self.rt_call(Rt::StrConcat, vec![prev, piece], Ty::Str, line)
                }
                None => piece,
            });
        }
        if let Some(e) = end {
            let base = acc.unwrap_or_else(|| {
                TExpr::new(crate::tir::TExprKind::Str(String::new()), Ty::Str, line)
            });
            acc = Some(self.rt_call(Rt::StrConcat, vec![base, e], Ty::Str, line));
        }
        let acc = acc.unwrap_or_else(|| {
            TExpr::new(crate::tir::TExprKind::Str(String::new()), Ty::Str, line)
        });
        if stmts.is_empty() {
            return acc;
        }
        TExpr::new(
            crate::tir::TExprKind::Seq(stmts, Box::new(acc)),
            Ty::Str,
            line,
        )
    }
}

/// A parametric `comptime` value or type alias: its parameters (declared in `module`) and
/// the expression they are substituted into.
#[derive(Debug, PartialEq)]
pub(crate) struct Alias {
    pub name: String,
    pub module: usize,
    pub params: Vec<GParam>,
    pub value: Expr,
}

/// The alias a `comptime` declaration makes, if it is one: parameters written
/// (`comptime AddOne[a: Int] = a + 1`) or a partially bound type
/// (`comptime StringKeyDict = Dict[String, _]`, each `_` a parameter in order).
pub(crate) fn alias_of(
    cx: &Ctx,
    m: usize,
    name: &str,
    params: &[mj_syntax::ast::GenericParam],
    value: &Expr,
    diags: &mut Vec<(usize, Diag)>,
) -> Option<ConstVal> {
    if params.is_empty()
        && let Some(t) = type_alias_of(cx, m, value)
    {
        return Some(t);
    }
    if !params.is_empty() {
        let params = super::generics::declare_params(cx, m, params, &[], diags);
        return Some(ConstVal::Alias(std::sync::Arc::new(Alias {
            name: name.to_string(),
            module: m,
            params,
            value: value.clone(),
        })));
    }
    let ExprKind::Index { base, args } = &value.kind else {
        return None;
    };
    if !args.iter().any(|a| is_unbound(&a.value)) {
        return None;
    }
    let ExprKind::Name(tn) = &base.kind else {
        return None;
    };
    // The kind of each parameter of the type being aliased, by position.
    let kinds: Vec<GKind> = match cx.modules[m].scope.get(tn) {
        Some(Item::Struct(s)) => cx.structs[*s as usize]
            .params
            .iter()
            .map(|p| p.kind.clone())
            .collect(),
        _ => match tn.as_str() {
            "SIMD" => vec![GKind::DType, GKind::Value(Ty::INT)],
            "Scalar" => vec![GKind::DType],
            "InlineArray" | "Array" => vec![GKind::Type(Vec::new()), GKind::Value(Ty::INT)],
            _ => vec![GKind::Type(Vec::new()); args.len()],
        },
    };
    let mut out = Vec::new();
    let mut new_args = Vec::new();
    for (k, a) in args.iter().enumerate() {
        if !is_unbound(&a.value) {
            new_args.push(a.clone());
            continue;
        }
        let pname = format!("_{k}");
        out.push(GParam {
            name: pname.clone(),
            kind: kinds.get(k).cloned().unwrap_or(GKind::Type(Vec::new())),
            default: None,
            mode: ParamMode::Normal,
            pack: false,
            span: a.span,
        });
        new_args.push(Arg {
            name: a.name.clone(),
            value: name_expr(&pname, a.value.span),
            span: a.span,
        });
    }
    Some(ConstVal::Alias(std::sync::Arc::new(Alias {
        name: name.to_string(),
        module: m,
        params: out,
        value: Expr {
            kind: ExprKind::Index {
                base: base.clone(),
                args: new_args,
            },
            span: value.span,
        },
    })))
}

/// The parameter names of alias `al` applied to `[args]` (evaluated in module `m` with
/// `scope`); `None` after reporting.
fn alias_names(
    cx: &Ctx,
    m: usize,
    al: &Alias,
    args: &[Arg],
    scope: &TyScope,
    diags: &mut Vec<(usize, Diag)>,
    span: Span,
) -> Option<(HashMap<String, Ty>, HashMap<String, ConstVal>)> {
    let mut binds = vec![None; al.params.len()];
    let ok = super::generics::bind_explicit(
        cx, m, &al.name, &al.params, 0, args, scope, &mut binds, diags,
    );
    let targs = super::generics::finish_binds(cx, m, &al.name, &al.params, binds, ok, diags, span)?;
    Some(super::generics::instance_names(&al.params, &targs))
}

/// `Alias[args]` in a type: the aliased type with the arguments substituted.
pub(crate) fn alias_type(
    cx: &Ctx,
    m: usize,
    al: &Alias,
    args: &[Arg],
    scope: &TyScope,
    diags: &mut Vec<(usize, Diag)>,
    span: Span,
) -> Ty {
    let Some((types, consts)) = alias_names(cx, m, al, args, scope, diags, span) else {
        return Ty::Unknown;
    };
    let inner = TyScope {
        self_ty: None,
        types: &types,
        consts: &consts,
    };
    super::items::resolve_type(cx, al.module, &al.value, &inner, diags)
}

/// `Alias[args]` as a compile-time value (`AddOne[8]`, or a type alias as `Type`).
pub(crate) fn alias_value(
    cx: &Ctx,
    m: usize,
    al: &Alias,
    args: &[Arg],
    locals: &HashMap<String, ConstVal>,
    span: Span,
) -> Option<ConstVal> {
    let types = HashMap::new();
    let scope = TyScope {
        self_ty: None,
        types: &types,
        consts: locals,
    };
    let mut diags = Vec::new();
    let (types, consts) = alias_names(cx, m, al, args, &scope, &mut diags, span)?;
    // The type parameters are compile-time values of the body too
    // (`comptime IsTriviallyCopyable[T: AnyType]: Bool = is_trivially_copyable[T]()`).
    let mut with_types = consts.clone();
    for (n, t) in &types {
        with_types
            .entry(n.clone())
            .or_insert_with(|| ConstVal::Type(t.clone()));
    }
    if let Some(v) = super::items::const_eval(cx, al.module, &al.value, &with_types) {
        return Some(v);
    }
    let inner = TyScope {
        self_ty: None,
        types: &types,
        consts: &consts,
    };
    let t = super::items::resolve_type(cx, al.module, &al.value, &inner, &mut diags);
    (diags.is_empty() && !t.is_unknown()).then_some(ConstVal::Type(t))
}

/// The alias a name denotes here: a `comptime` of the body (`consts`) or of the module.
pub(crate) fn lookup_alias(
    cx: &Ctx,
    m: usize,
    e: &Expr,
    consts: &HashMap<String, ConstVal>,
) -> Option<std::sync::Arc<Alias>> {
    let ExprKind::Name(n) = &e.kind else {
        return None;
    };
    match consts.get(n) {
        Some(ConstVal::Alias(a)) => Some(a.clone()),
        Some(_) => None,
        None => match cx.modules[m].scope.get(n) {
            Some(Item::Const(ConstVal::Alias(a))) => Some(a.clone()),
            _ => None,
        },
    }
}

impl FnCx<'_> {
    /// A name that is a local variable here.
    pub(crate) fn lookup_local_expr(&self, e: &Expr) -> Option<()> {
        match &e.kind {
            ExprKind::Name(n) => self.lookup_local(n).map(|_| ()),
            _ => None,
        }
    }

    /// `AddOne[8]` used as a value.
    pub(crate) fn alias_expr(&mut self, al: &Alias, args: &[Arg], span: Span, line: u32) -> TExpr {
        match alias_value(self.cx, self.m, al, args, &self.consts, span) {
            Some(ConstVal::Type(_)) | None => {
                let msg = format!("`{}[...]` is not a compile-time value here", al.name);
                self.error(Diag::error(super::E_COMPTIME, msg, span));
                self.unknown(line)
            }
            Some(v) => self.const_value(v, line),
        }
    }
}

/// A simple type alias written as a name (`comptime Width = Int`).
pub(crate) fn type_alias_of(cx: &Ctx, m: usize, value: &Expr) -> Option<ConstVal> {
    // A user generic struct's instance (`comptime ListNode = Node[Element]`).
    if let ExprKind::Index { base, args } = &value.kind
        && let ExprKind::Name(n) = &base.kind
        && let Some(Item::Struct(_)) = cx.modules[m].scope.get(n)
        && !args.iter().any(|a| is_unbound(&a.value))
    {
        let mut diags = Vec::new();
        let t = super::items::resolve_type(cx, m, value, &TyScope::empty(), &mut diags);
        return (diags.is_empty() && !t.is_unknown()).then_some(ConstVal::Type(t));
    }
    let ExprKind::Name(n) = &value.kind else {
        return None;
    };
    if let Some(t) = super::items::scalar_type(n) {
        return Some(ConstVal::Type(t));
    }
    match (n.as_str(), cx.modules[m].scope.get(n)) {
        ("String" | "StaticString" | "StringSlice", None) => Some(ConstVal::Type(Ty::Str)),
        (_, Some(Item::Struct(s))) if cx.structs[*s as usize].params.is_empty() => {
            Some(ConstVal::Type(Ty::st(*s)))
        }
        _ => None,
    }
}

/// The type of a compile-time value, for binding the parameter a dependent value
/// parameter's type names (`value: Scalar[dtype]` given `Float64(2.2)` binds `dtype`).
fn const_type(v: &ConstVal) -> Option<Ty> {
    match v {
        ConstVal::Int(_, t) | ConstVal::Float(_, t) => Some(t.clone()),
        ConstVal::Bool(_) => Some(Ty::Bool),
        ConstVal::Str(_) => Some(Ty::Str),
        _ => None,
    }
}

/// For a value parameter whose type mentions earlier parameters (`value: Scalar[dtype]`):
/// the parameter with the type substituted from `binds`, binding a still-unknown type
/// parameter from the argument's own type. `None` for any other parameter.
pub(crate) fn dependent_param(
    cx: &Ctx,
    m: usize,
    p: &GParam,
    e: &Expr,
    scope: &TyScope,
    binds: &mut [Option<CtArg>],
) -> Option<GParam> {
    let GKind::Value(t) = &p.kind else {
        return None;
    };
    if !t.has_param() {
        return None;
    }
    let want = match t {
        Ty::Param(j) if binds.get(*j as usize).is_some_and(Option::is_none) => {
            let v = super::items::const_eval(cx, m, e, scope.consts)?;
            let vt = const_type(&v)?;
            binds[*j as usize] = Some(CtArg::Type(vt.clone()));
            vt
        }
        t => {
            let sofar: Vec<CtArg> = binds
                .iter()
                .map(|b| b.clone().unwrap_or(CtArg::Bool(false)))
                .collect();
            t.subst(&sofar)
        }
    };
    let mut q = p.clone();
    q.kind = GKind::Value(want);
    Some(q)
}

/// The argument of `@nonmaterializable(Target)`, if the struct has that decorator.
pub(crate) fn nonmaterializable_target(decs: &[mj_syntax::ast::Decorator]) -> Option<Expr> {
    decs.iter().find_map(|d| match &d.expr.kind {
        ExprKind::Call { func, args } => match (&func.kind, args.as_slice()) {
            (ExprKind::Name(n), [a]) if n == "nonmaterializable" => Some(a.value.clone()),
            _ => None,
        },
        _ => None,
    })
}

/// In a method, the owner struct's parameters are also reachable as `self.NAME`
/// (`-> Box[self.n + other.n]`).
pub(crate) fn self_param_names(
    cx: &Ctx,
    f: &super::FuncData,
    types: &mut HashMap<String, Ty>,
    consts: &mut HashMap<String, ConstVal>,
) {
    let Some(s) = f.owner else { return };
    if !f.sig.has_self && f.def.args.first().is_none_or(|a| a.name.name != "self") {
        return;
    }
    for p in &cx.structs[s as usize].params {
        let key = format!("self.{}", p.name);
        if let Some(t) = types.get(&p.name).cloned() {
            types.entry(key.clone()).or_insert(t);
        }
        if let Some(v) = consts.get(&p.name).cloned() {
            consts.entry(key).or_insert(v);
        }
    }
}

impl FnCx<'_> {
    /// The run-time type a `@nonmaterializable` struct value becomes in a variable.
    pub(crate) fn materialized(&mut self, t: &Ty) -> Option<Ty> {
        let Ty::Struct(s, _) = t else { return None };
        let sd = &self.cx.structs[*s as usize];
        let e = sd.materialize.clone()?;
        let m = sd.module;
        let mut diags = Vec::new();
        let r = super::items::resolve_type(self.cx, m, &e, &TyScope::empty(), &mut diags);
        self.diags.extend(diags);
        (!r.is_unknown()).then_some(r)
    }
}

impl FnCx<'_> {
    /// Like `instantiate` for a method whose arguments are already typed (operators):
    /// the method's own parameters (automatic ones included) are inferred from `tys`.
    pub(crate) fn instantiate_typed(
        &mut self,
        id: crate::tir::FnId,
        prefix: Vec<CtArg>,
        tys: &[Ty],
        span: Span,
    ) -> Option<(super::Sig, crate::ty::Targs)> {
        let f = &self.cx.funcs[id.0 as usize];
        if f.generics.len() == prefix.len() {
            return self.instantiate(id, prefix, None, &[], 1, span);
        }
        let params = f.generics.clone();
        let fname = f.def.name.name.clone();
        let mut binds: Vec<Option<CtArg>> = vec![None; params.len()];
        for (i, a) in prefix.into_iter().enumerate() {
            binds[i] = Some(a);
        }
        let skip = usize::from(f.sig.has_self);
        for (p, t) in f.sig.params.iter().skip(skip).zip(tys) {
            super::generics::unify(&p.ty, t, &mut binds);
        }
        let mut diags = Vec::new();
        let args = super::generics::finish_binds(
            self.cx, f.module, &fname, &params, binds, true, &mut diags, span,
        );
        let m = self.m;
        self.diags.extend(diags.into_iter().map(|(_, d)| (m, d)));
        let args = args?;
        let mut diags = Vec::new();
        let sig = super::generics::instance_sig(self.cx, f, &args, &mut diags);
        self.diags.extend(diags.into_iter().map(|(_, d)| (m, d)));
        Some((sig, crate::ty::Targs::from(args)))
    }
}

/// Whether a template type with unbound parameters (an automatically parameterized
/// argument, `nms: ParamStruct`) matches a concrete type.
pub(crate) fn fits_template(pt: &Ty, actual: &Ty) -> bool {
    if !pt.has_param() {
        return pt == actual;
    }
    let mut binds: Vec<Option<CtArg>> = vec![None; 64];
    super::generics::unify(pt, actual, &mut binds);
    let args: Vec<CtArg> = binds
        .into_iter()
        .enumerate()
        .map(|(i, b)| b.unwrap_or(CtArg::Param(i as u32)))
        .collect();
    pt.subst(&args) == *actual
}
