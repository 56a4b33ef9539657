//! The methods of SIMD values (`cast`, `reduce_*`, lane-wise comparisons, `select`, `fma`,
//! `shuffle`, `slice`, `join`), which numeric scalars share as one-lane vectors.

use mj_syntax::ast::{self, Arg};
use mj_syntax::{Diag, Span};

use super::simd::prim;
use super::simd_types::{eval_dtype, lanes, simd_of};
use crate::check::body::FnCx;
use crate::check::{E_COMPTIME, E_MISMATCH, E_NO_MEMBER, E_NOT_INDEXABLE, E_OPERATOR};
use crate::suggest::did_you_mean;
use crate::tir::{Prim, ReduceOp, TCmp, TExpr, TExprKind as K};
use crate::ty::Ty;

const SIMD_METHODS: &[&str] = &[
    "cast",
    "reduce_add",
    "reduce_mul",
    "reduce_max",
    "reduce_min",
    "reduce_and",
    "reduce_or",
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "select",
    "fma",
    "shuffle",
    "slice",
    "insert",
    "join",
    "__len__",
];

impl FnCx<'_> {
    /// Methods of SIMD values (and of numeric scalars, their one-lane case). Gives the
    /// receiver back when `name` is not a SIMD method of a scalar.
    pub(crate) fn simd_method(
        &mut self,
        recv: TExpr,
        name: &ast::Ident,
        params: &[Arg],
        args: &[Arg],
        span: Span,
    ) -> Result<TExpr, TExpr> {
        let line = self.line(span);
        let Some((elem, width)) = lanes(&recv.ty) else {
            return Err(recv);
        };
        let m = name.name.as_str();
        if let Some(e) = self.write_method_fallback(&recv, m, args, span) {
            return Ok(e);
        }
        // The methods written in mj (`std.builtin.simd_methods`), with the receiver's
        // element type and width as their first compile-time arguments.
        if !SIMD_METHODS.contains(&m)
            && let Some(id) = crate::lang_items::simd_method(self.cx, m)
        {
            let prefix = vec![
                crate::ty::CtArg::Type(elem.clone()),
                crate::ty::CtArg::Int(i128::from(width)),
            ];
            let base = ast::Expr {
                kind: ast::ExprKind::Name("self".into()),
                span: name.span,
            };
            let explicit = (!params.is_empty()).then_some(params);
            return Ok(
                match self.call_with_receiver(id, prefix, &base, recv, name, explicit, args, span) {
                    Some((call, _)) => call,
                    None => self.unknown(line),
                },
            );
        }
        if width == 1 && !SIMD_METHODS.contains(&m) {
            return Err(recv);
        }
        let ty = recv.ty.clone();
        let mask_ty = simd_of(Ty::Bool, width);
        let reduce = |fx: &mut Self, op: ReduceOp, recv: TExpr| {
            if width == 1 {
                return recv;
            }
            let _ = fx;
            prim(Prim::Reduce(op), vec![recv], elem.clone(), line)
        };
        let nargs = |fx: &mut Self, n: usize| fx.arity(m, args, n, n, span);
        let no_params = |fx: &mut Self| {
            if let Some(p) = params.first() {
                let msg = format!("`{m}` takes no compile-time parameters");
                fx.error(Diag::error(E_COMPTIME, msg, p.span));
                return false;
            }
            true
        };
        Ok(match m {
            "cast" => {
                if !nargs(self, 0) {
                    return Ok(self.unknown(line));
                }
                let [p] = params else {
                    self.error(
                        Diag::error(E_COMPTIME, "`cast` needs the target DType", name.span)
                            .with_hint("write `v.cast[DType.float64]()`"),
                    );
                    return Ok(self.unknown(line));
                };
                match eval_dtype(self.cx, self.m, &p.value, &self.consts) {
                    Ok(to) => self.lane_cast(recv, &to),
                    Err(d) => {
                        self.error(d);
                        self.unknown(line)
                    }
                }
            }
            "reduce_add" | "reduce_mul" | "reduce_max" | "reduce_min" | "reduce_and"
            | "reduce_or" => {
                if !nargs(self, 0) || !no_params(self) {
                    return Ok(self.unknown(line));
                }
                let op = match m {
                    "reduce_add" => ReduceOp::Add,
                    "reduce_mul" => ReduceOp::Mul,
                    "reduce_max" => ReduceOp::Max,
                    "reduce_min" => ReduceOp::Min,
                    "reduce_and" => ReduceOp::And,
                    _ => ReduceOp::Or,
                };
                let bad = match op {
                    ReduceOp::And | ReduceOp::Or => elem.is_float(),
                    _ => elem == Ty::Bool,
                };
                if bad {
                    let msg = format!("`{m}` is not defined for `{}`", self.ty_name(&ty));
                    self.error(Diag::error(E_OPERATOR, msg, name.span));
                    return Ok(self.unknown(line));
                }
                reduce(self, op, recv)
            }
            "eq" | "ne" | "lt" | "le" | "gt" | "ge" => {
                if !nargs(self, 1) || !no_params(self) {
                    return Ok(self.unknown(line));
                }
                let op = match m {
                    "eq" => TCmp::Eq,
                    "ne" => TCmp::Ne,
                    "lt" => TCmp::Lt,
                    "le" => TCmp::Le,
                    "gt" => TCmp::Gt,
                    _ => TCmp::Ge,
                };
                let other = self.expr(&args[0].value, Some(&elem));
                self.lane_compare(op, recv, other, span)
            }
            "select" => {
                if !nargs(self, 2) || !no_params(self) {
                    return Ok(self.unknown(line));
                }
                if elem != Ty::Bool {
                    let msg = format!(
                        "`select` needs a mask of `Bool` lanes, found `{}`",
                        self.ty_name(&ty)
                    );
                    self.error(Diag::error(E_OPERATOR, msg, name.span));
                    return Ok(self.unknown(line));
                }
                let a = self.expr(&args[0].value, None);
                let b = self.expr(&args[1].value, Some(&a.ty));
                let Some((le, lw)) = lanes(&a.ty).or_else(|| lanes(&b.ty)) else {
                    if !a.ty.is_unknown() && !b.ty.is_unknown() {
                        let msg = format!("`select` of `{}` values", self.ty_name(&a.ty));
                        self.error(Diag::error(E_MISMATCH, msg, args[0].value.span));
                    }
                    return Ok(self.unknown(line));
                };
                let le = match lanes(&b.ty) {
                    Some((e, _)) if lw == 1 && le != e && e.is_float() => e,
                    _ => le,
                };
                if lw != 1 && lw != width {
                    let msg = format!("`select` of {lw}-lane values with a {width}-lane mask");
                    self.error(Diag::error(E_MISMATCH, msg, args[0].value.span));
                    return Ok(self.unknown(line));
                }
                let a = self.broadcast_to(a, &le, width, args[0].value.span);
                let b = self.broadcast_to(b, &le, width, args[1].value.span);
                prim(Prim::Select, vec![recv, a, b], simd_of(le, width), line)
            }
            "fma" => {
                if !nargs(self, 2) || !no_params(self) {
                    return Ok(self.unknown(line));
                }
                let b = self.expr(&args[0].value, Some(&elem));
                let c = self.expr(&args[1].value, Some(&elem));
                self.simd_fma(vec![recv, b, c], span)
            }
            "shuffle" => {
                if !nargs(self, 0) {
                    return Ok(self.unknown(line));
                }
                let mut mask = Vec::new();
                for p in params {
                    match super::simd_types::eval_index(
                        self.cx,
                        self.m,
                        &p.value,
                        &self.consts,
                        "a shuffle index",
                    ) {
                        Ok(i) if i < width => mask.push(i),
                        Ok(i) => {
                            let msg =
                                format!("shuffle index {i} is out of range for a width of {width}");
                            self.error(Diag::error(E_NOT_INDEXABLE, msg, p.span));
                            return Ok(self.unknown(line));
                        }
                        Err(d) => {
                            self.error(d);
                            return Ok(self.unknown(line));
                        }
                    }
                }
                if !mask.len().is_power_of_two() {
                    let msg = format!(
                        "`shuffle` needs a power-of-two number of indices, found {}",
                        mask.len()
                    );
                    self.error(Diag::error(E_COMPTIME, msg, name.span));
                    return Ok(self.unknown(line));
                }
                let out = simd_of(elem.clone(), mask.len() as u32);
                if width == 1 {
                    return Ok(self.splat(recv, mask.len() as u32));
                }
                let (st, t) = self.temp(recv);
                let sh = prim(Prim::Shuffle(mask), vec![t.clone(), t], out.clone(), line);
                TExpr::new(K::Seq(vec![st], Box::new(sh)), out, line)
            }
            "slice" => {
                if !nargs(self, 0) {
                    return Ok(self.unknown(line));
                }
                let mut size = None;
                let mut offset = 0;
                for p in params {
                    let key = p.name.as_ref().map(|n| n.name.as_str());
                    let v = super::simd_types::eval_index(
                        self.cx,
                        self.m,
                        &p.value,
                        &self.consts,
                        "a slice bound",
                    );
                    match (key, v) {
                        (None, Ok(v)) => size = Some(v),
                        (Some("offset"), Ok(v)) => offset = v,
                        (_, Err(d)) => {
                            self.error(d);
                            return Ok(self.unknown(line));
                        }
                        (Some(k), _) => {
                            let msg = format!("`slice` has no parameter `{k}`");
                            self.error(Diag::error(super::super::E_KWARG, msg, p.span));
                            return Ok(self.unknown(line));
                        }
                    }
                }
                let Some(size) = size.filter(|s| s.is_power_of_two() && s + offset <= width) else {
                    let msg = format!(
                        "`slice[size, offset=...]` must stay within the {width} lanes and have a power-of-two size"
                    );
                    self.error(Diag::error(E_COMPTIME, msg, name.span));
                    return Ok(self.unknown(line));
                };
                let out = simd_of(elem.clone(), size);
                if size == 1 {
                    let i = self.int(offset.into(), line);
                    return Ok(prim(Prim::Extract, vec![recv, i], elem, line));
                }
                let (st, t) = self.temp(recv);
                let mask = (offset..offset + size).collect();
                let sh = prim(Prim::Shuffle(mask), vec![t.clone(), t], out.clone(), line);
                TExpr::new(K::Seq(vec![st], Box::new(sh)), out, line)
            }
            "join" => {
                if !nargs(self, 1) || !no_params(self) {
                    return Ok(self.unknown(line));
                }
                let other = self.expr(&args[0].value, Some(&elem));
                let other = self.broadcast_to(other, &elem, width, args[0].value.span);
                let out = simd_of(elem, width * 2);
                if width == 1 {
                    return Ok(TExpr::new(K::Aggregate(vec![recv, other]), out, line));
                }
                let mask = (0..width * 2).collect();
                prim(Prim::Shuffle(mask), vec![recv, other], out, line)
            }
            "__len__" => self.int(width.into(), line),
            _ => {
                let mut d = Diag::error(
                    E_NO_MEMBER,
                    format!("`{}` has no method `{m}`", self.ty_name(&ty)),
                    name.span,
                );
                if let Some(sug) = did_you_mean(m, SIMD_METHODS.iter().copied()) {
                    d = d.with_hint(format!("did you mean `{sug}`?"));
                }
                self.error(d);
                for a in args {
                    self.expr(&a.value, None);
                }
                let _ = mask_ty;
                self.unknown(line)
            }
        })
    }
}
