//! SIMD values: construction, lane-wise operators, the methods of `SIMD` (`cast`,
//! `reduce_*`, comparisons, `select`, `shuffle`, `slice`, `fma`), lane indexing and
//! printing. Scalars are one-lane SIMD values, so the methods work on them too.

use mj_syntax::ast::{self, Arg, BinOp, Expr};
use mj_syntax::{Diag, Span};

use super::s;
use super::simd_types::{eval_width, lanes, simd_of};
use crate::check::body::FnCx;
use crate::check::{E_ARITY, E_MISMATCH, E_NOT_INDEXABLE, E_OPERATOR};
use crate::rt::Rt;
use crate::tir::{Callee, Prim, ReduceOp, TArg, TBin, TCmp, TExpr, TExprKind as K, TStmt, TUn};
use crate::ty::Ty;

pub(super) fn prim(op: Prim, args: Vec<TExpr>, ty: Ty, line: u32) -> TExpr {
    TExpr::new(K::Prim(op, args), ty, line)
}

fn is_const(e: &TExpr) -> bool {
    matches!(e.kind, K::Int(_) | K::Float(_) | K::Bool(_) | K::Local(_))
}

impl FnCx<'_> {
    /// Broadcasts a scalar of the lane type to `width` lanes.
    pub(crate) fn splat(&mut self, v: TExpr, width: u32) -> TExpr {
        if width == 1 {
            return v;
        }
        let line = v.line;
        let ty = Ty::Vector(Box::new(v.ty.clone()), width);
        if is_const(&v) {
            return TExpr::new(K::Aggregate(vec![v; width as usize]), ty, line);
        }
        let (st, t) = self.temp(v);
        let agg = TExpr::new(K::Aggregate(vec![t; width as usize]), ty.clone(), line);
        TExpr::new(K::Seq(vec![st], Box::new(agg)), ty, line)
    }

    /// `v` converted to `width` lanes of `elem`: scalars (literals, or values of the lane
    /// type) are broadcast; vectors must already match.
    pub(super) fn broadcast_to(&mut self, v: TExpr, elem: &Ty, width: u32, span: Span) -> TExpr {
        if v.ty.is_unknown() {
            return v;
        }
        match lanes(&v.ty) {
            Some((e, 1)) if width > 1 => {
                let _ = e;
                let v = self.coerce(v, elem, span);
                self.splat(v, width)
            }
            Some((e, w)) if w == width && e == *elem => v,
            _ => {
                let want = simd_of(elem.clone(), width);
                self.coerce(v, &want, span)
            }
        }
    }

    /// `SIMD[dtype, width](...)`: zero, a splat, or one value per lane.
    pub(crate) fn construct_simd(&mut self, ty: Ty, args: &[Arg], span: Span) -> TExpr {
        let line = self.line(span);
        let Some((elem, width)) = lanes(&ty) else {
            return self.unknown(line);
        };
        // `SIMD[dt, n](fill=x)`: every lane `x`, as the one-value form.
        if let [a] = args
            && a.name.as_ref().is_some_and(|n| n.name == "fill")
        {
            let mut plain = a.clone();
            plain.name = None;
            return self.construct_simd(ty, std::slice::from_ref(&plain), span);
        }
        if let Some(a) = args.iter().find(|a| a.name.is_some()) {
            let msg = format!("`{}` takes no keyword arguments", self.ty_name(&ty));
            self.error(
                Diag::error(super::super::E_KWARG, msg, a.span)
                    .with_hint("pass the lane values, or one value as `fill=`"),
            );
            return self.unknown(line);
        }
        match args.len() {
            0 => {
                let zero = self.cast(self.int(0, line), elem.clone());
                let zero = if elem == Ty::Bool {
                    TExpr::new(K::Bool(false), Ty::Bool, line)
                } else {
                    zero
                };
                self.splat(zero, width)
            }
            1 => {
                let v = self.expr(&args[0].value, Some(&elem));
                match lanes(&v.ty) {
                    // `SIMD[DType.float32, 4](other_vector)`: a lane-wise conversion.
                    Some((_, w)) if w == width && w > 1 => self.lane_cast(v, &elem),
                    Some((_, 1)) => {
                        let v = if v.ty.is_numeric() || v.ty == Ty::Bool {
                            self.scalar_convert(v, &elem)
                        } else {
                            v
                        };
                        self.splat(v, width)
                    }
                    _ => self.broadcast_to(v, &elem, width, args[0].value.span),
                }
            }
            n if n == width as usize => {
                let vals = args
                    .iter()
                    .map(|a| {
                        let v = self.expr(&a.value, Some(&elem));
                        self.coerce(v, &elem, a.value.span)
                    })
                    .collect();
                TExpr::new(K::Aggregate(vals), ty, line)
            }
            n => {
                let msg = format!(
                    "`{}` takes 1 value (a splat) or {width} values, found {n}",
                    self.ty_name(&ty)
                );
                self.error(Diag::error(E_ARITY, msg, span));
                for a in args {
                    self.expr(&a.value, None);
                }
                self.unknown(line)
            }
        }
    }

    /// An explicit scalar conversion (`Float32(x)`, `Scalar[dt](x)`), `Bool` by truth value.
    fn scalar_convert(&mut self, v: TExpr, to: &Ty) -> TExpr {
        if *to == Ty::Bool && v.ty != Ty::Bool {
            let line = v.line;
            let zero = self.cast(self.int(0, line), v.ty.clone());
            return TExpr::new(
                K::Cmp(TCmp::Ne, Box::new(v), Box::new(zero)),
                Ty::Bool,
                line,
            );
        }
        self.cast(v, to.clone())
    }

    /// Lane-wise conversion of a SIMD value to lanes of `elem` (`.cast[...]()`).
    pub(super) fn lane_cast(&mut self, v: TExpr, elem: &Ty) -> TExpr {
        let Some((from, width)) = lanes(&v.ty) else {
            return v;
        };
        if from == *elem {
            return v;
        }
        if width == 1 {
            return self.scalar_convert(v, elem);
        }
        let line = v.line;
        TExpr::new(
            K::Cast(Box::new(v)),
            Ty::Vector(Box::new(elem.clone()), width),
            line,
        )
    }

    /// Lane-wise arithmetic where at least one side is a vector.
    pub(crate) fn simd_binary(&mut self, op: BinOp, a: TExpr, b: TExpr, span: Span) -> TExpr {
        let line = self.line(span);
        let (Some((ea, wa)), Some((eb, wb))) = (lanes(&a.ty), lanes(&b.ty)) else {
            let msg = format!(
                "no operator `{}` for `{}` and `{}`",
                op.symbol(),
                self.ty_name(&a.ty),
                self.ty_name(&b.ty)
            );
            self.error(Diag::error(E_OPERATOR, msg, span));
            return self.unknown(line);
        };
        if wa > 1 && wb > 1 && wa != wb {
            let msg = format!(
                "mismatched SIMD widths: `{}` and `{}`",
                self.ty_name(&a.ty),
                self.ty_name(&b.ty)
            );
            self.error(Diag::error(E_MISMATCH, msg, span));
            return self.unknown(line);
        }
        let (elem, width) = if wa >= wb { (ea, wa) } else { (eb, wb) };
        let a = self.broadcast_to(a, &elem, width, span);
        let b = self.broadcast_to(b, &elem, width, span);
        let ty = simd_of(elem.clone(), width);
        let bin = |k, a: TExpr, b: TExpr| {
            TExpr::new(K::Binary(k, Box::new(a), Box::new(b)), ty.clone(), line)
        };
        let bitwise = matches!(
            op,
            BinOp::BitAnd | BinOp::BitOr | BinOp::BitXor | BinOp::Shl | BinOp::Shr
        );
        if op == BinOp::Pow && elem.is_float() {
            let args = vec![crate::tir::TArg::Value(a), crate::tir::TArg::Value(b)];
            let pow = crate::tir::Callee::Intrinsic(crate::tir::Intrinsic::Pow);
            return TExpr::new(K::Call(pow, args), ty, line);
        }
        // Integer lanes: the exact square-and-multiply of `std.builtin.simd_methods`.
        if op == BinOp::Pow
            && elem.is_int()
            && let Some(id) = crate::lang_items::simd_method(self.cx, "__pow__")
        {
            let prefix = vec![
                crate::ty::CtArg::Type(elem.clone()),
                crate::ty::CtArg::Int(i128::from(width)),
            ];
            let Some((_, ct)) = self.instantiate(id, prefix, None, &[], 2, span) else {
                return self.unknown(line);
            };
            let args = vec![crate::tir::TArg::Value(a), crate::tir::TArg::Value(b)];
            return TExpr::new(K::Call(self.callee(id, &ct), args), ty, line);
        }
        if (bitwise && elem.is_float()) || (!bitwise && elem == Ty::Bool) || op == BinOp::Pow {
            let msg = format!("no operator `{}` for `{}`", op.symbol(), self.ty_name(&ty));
            self.error(Diag::error(E_OPERATOR, msg, span));
            return self.unknown(line);
        }
        match op {
            BinOp::Add => bin(TBin::Add, a, b),
            BinOp::Sub => bin(TBin::Sub, a, b),
            BinOp::Mul => bin(TBin::Mul, a, b),
            // Integer lanes divide truncating toward zero, as Mojo's SIMD `/`.
            BinOp::Div => bin(TBin::Div, a, b),
            BinOp::BitAnd => bin(TBin::BitAnd, a, b),
            BinOp::BitOr => bin(TBin::BitOr, a, b),
            BinOp::BitXor => bin(TBin::BitXor, a, b),
            BinOp::Shl => bin(TBin::Shl, a, b),
            BinOp::Shr => bin(TBin::Shr, a, b),
            // Integer `//` floors, `%` takes the divisor's sign, as for scalars.
            BinOp::FloorDiv | BinOp::Mod => {
                self.floor_div_mod(op == BinOp::Mod, a, b, &elem, width, line)
            }
            _ => {
                let msg = format!("no operator `{}` for `{}`", op.symbol(), self.ty_name(&ty));
                self.error(Diag::error(E_OPERATOR, msg, span));
                self.unknown(line)
            }
        }
    }

    /// Lane-wise floor division or modulo (no zero check, as in Mojo).
    fn floor_div_mod(
        &mut self,
        modulo: bool,
        a: TExpr,
        b: TExpr,
        elem: &Ty,
        width: u32,
        line: u32,
    ) -> TExpr {
        let ty = simd_of(elem.clone(), width);
        let mask_ty = simd_of(Ty::Bool, width);
        let bin = |k, a: &TExpr, b: &TExpr| {
            TExpr::new(
                K::Binary(k, Box::new(a.clone()), Box::new(b.clone())),
                ty.clone(),
                line,
            )
        };
        let (s0, a) = self.temp(a);
        let (s1, b) = self.temp(b);
        if elem.is_float() && !modulo {
            let q = bin(TBin::Div, &a, &b);
            let f = TExpr::new(
                K::Call(
                    Callee::Intrinsic(crate::tir::Intrinsic::Floor),
                    vec![TArg::Value(q)],
                ),
                ty.clone(),
                line,
            );
            return TExpr::new(K::Seq(vec![s0, s1], Box::new(f)), ty, line);
        }
        let (s2, q) = self.temp(bin(TBin::Div, &a, &b));
        let (s3, r) = self.temp(bin(TBin::Rem, &a, &b));
        let mut stmts = vec![s0, s1, s2, s3];
        let signed = elem.is_float() || elem.is_signed_int();
        let result = if !signed {
            if modulo { r } else { q }
        } else {
            let zero = self.cast(self.int(0, line), elem.clone());
            let zero = self.splat(zero, width);
            let cmp = |op, x: &TExpr| {
                TExpr::new(
                    K::Cmp(op, Box::new(x.clone()), Box::new(zero.clone())),
                    mask_ty.clone(),
                    line,
                )
            };
            let mbin = |k, x: TExpr, y: TExpr| {
                TExpr::new(
                    K::Binary(k, Box::new(x), Box::new(y)),
                    mask_ty.clone(),
                    line,
                )
            };
            // Adjust lanes whose remainder is non-zero and differs in sign from the divisor.
            let differ = mbin(TBin::BitXor, cmp(TCmp::Lt, &r), cmp(TCmp::Lt, &b));
            let adjust = mbin(TBin::BitAnd, cmp(TCmp::Ne, &r), differ);
            let (s4, adjust) = self.temp(adjust);
            stmts.push(s4);
            if modulo {
                let fixed = bin(TBin::Add, &r, &b);
                prim(Prim::Select, vec![adjust, fixed, r], ty.clone(), line)
            } else {
                let one = self.cast(self.int(1, line), elem.clone());
                let one = self.splat(one, width);
                let fixed = bin(TBin::Sub, &q, &one);
                prim(Prim::Select, vec![adjust, fixed, q], ty.clone(), line)
            }
        };
        TExpr::new(K::Seq(stmts, Box::new(result)), ty, line)
    }

    /// `-v` and `~v` on vectors.
    pub(crate) fn simd_unary(&mut self, neg: bool, v: TExpr, span: Span) -> TExpr {
        let line = v.line;
        let ty = v.ty.clone();
        let Some((elem, _)) = lanes(&ty) else {
            return self.unknown(line);
        };
        if (neg && elem == Ty::Bool) || (!neg && elem.is_float()) {
            let msg = format!(
                "cannot apply `{}` to a `{}`",
                if neg { "-" } else { "~" },
                self.ty_name(&ty)
            );
            self.error(Diag::error(E_OPERATOR, msg, span));
            return self.unknown(line);
        }
        let op = if neg { TUn::Neg } else { TUn::Not };
        TExpr::new(K::Unary(op, Box::new(v)), ty, line)
    }

    /// `a == b` / `a != b` on vectors: one `Bool` over all lanes.
    pub(crate) fn simd_compare(&mut self, op: ast::CmpOp, a: TExpr, b: TExpr, span: Span) -> TExpr {
        let line = self.line(span);
        let (cmp, all) = match op {
            ast::CmpOp::Eq | ast::CmpOp::Is => (TCmp::Eq, true),
            ast::CmpOp::Ne | ast::CmpOp::IsNot => (TCmp::Ne, false),
            _ => {
                self.error(
                    Diag::error(
                        E_OPERATOR,
                        "ordering comparisons of SIMD vectors are lane-wise methods",
                        span,
                    )
                    .with_hint("use `a.lt(b)`, `.le`, `.gt` or `.ge`, which return a SIMD mask"),
                );
                return TExpr::new(K::Bool(false), Ty::Bool, line);
            }
        };
        let mask = self.lane_compare(cmp, a, b, span);
        if mask.ty.is_unknown() {
            return TExpr::new(K::Bool(false), Ty::Bool, line);
        }
        let r = if all { ReduceOp::And } else { ReduceOp::Or };
        prim(Prim::Reduce(r), vec![mask], Ty::Bool, line)
    }

    /// Lane-wise comparison: a mask of `Bool` lanes.
    /// `x in v`: whether some lane of `v` equals `x`.
    pub(crate) fn simd_contains(&mut self, v: TExpr, x: TExpr, span: Span) -> TExpr {
        let line = self.line(span);
        let Some((elem, _)) = lanes(&v.ty) else {
            return self.unknown(line);
        };
        let x = self.coerce(x, &elem, span);
        let mask = self.lane_compare(TCmp::Eq, v, x, span);
        prim(Prim::Reduce(ReduceOp::Or), vec![mask], Ty::Bool, line)
    }

    pub(super) fn lane_compare(&mut self, op: TCmp, a: TExpr, b: TExpr, span: Span) -> TExpr {
        let line = self.line(span);
        let (Some((ea, wa)), Some((eb, wb))) = (lanes(&a.ty), lanes(&b.ty)) else {
            if !a.ty.is_unknown() && !b.ty.is_unknown() {
                let msg = format!(
                    "cannot compare `{}` with `{}`",
                    self.ty_name(&a.ty),
                    self.ty_name(&b.ty)
                );
                self.error(Diag::error(E_OPERATOR, msg, span));
            }
            return self.unknown(line);
        };
        if wa > 1 && wb > 1 && wa != wb {
            let msg = format!(
                "mismatched SIMD widths: `{}` and `{}`",
                self.ty_name(&a.ty),
                self.ty_name(&b.ty)
            );
            self.error(Diag::error(E_MISMATCH, msg, span));
            return self.unknown(line);
        }
        let (elem, width) = if wa >= wb { (ea, wa) } else { (eb, wb) };
        let a = self.broadcast_to(a, &elem, width, span);
        let b = self.broadcast_to(b, &elem, width, span);
        TExpr::new(
            K::Cmp(op, Box::new(a), Box::new(b)),
            simd_of(Ty::Bool, width),
            line,
        )
    }

    /// `fma(a, b, c)` / `a.fma(b, c)`: `a * b + c` with one rounding, lane-wise.
    pub(crate) fn simd_fma(&mut self, vals: Vec<TExpr>, span: Span) -> TExpr {
        let line = self.line(span);
        if vals.iter().any(|v| v.ty.is_unknown()) {
            return self.unknown(line);
        }
        let Some((elem, width)) = vals
            .iter()
            .filter_map(|v| lanes(&v.ty))
            .max_by_key(|(_, w)| *w)
            .map(|(e, w)| {
                // Integer literals next to floats take the float type.
                let e = vals
                    .iter()
                    .filter_map(|v| lanes(&v.ty))
                    .map(|(e, _)| e)
                    .find(Ty::is_float)
                    .unwrap_or(e);
                (e, w)
            })
        else {
            self.error(Diag::error(
                E_MISMATCH,
                "`fma` needs SIMD or float values",
                span,
            ));
            return self.unknown(line);
        };
        if !elem.is_float() {
            let a = vals.into_iter().collect::<Vec<_>>();
            let mut it = a.into_iter();
            let (x, y, z) = match (it.next(), it.next(), it.next()) {
                (Some(x), Some(y), Some(z)) => (x, y, z),
                _ => return self.unknown(line),
            };
            let m = self.simd_binary(BinOp::Mul, x, y, span);
            return self.simd_binary(BinOp::Add, m, z, span);
        }
        let args = vals
            .into_iter()
            .map(|v| TArg::Value(self.broadcast_to(v, &elem, width, span)))
            .collect();
        TExpr::new(
            K::Call(Callee::Intrinsic(crate::tir::Intrinsic::Fma), args),
            simd_of(elem, width),
            line,
        )
    }

    /// `min`/`max` of SIMD values (lane-wise) and `abs`.
    pub(crate) fn simd_min_max(&mut self, is_max: bool, vals: Vec<TExpr>, span: Span) -> TExpr {
        let line = self.line(span);
        let mut it = vals.into_iter();
        let Some(mut acc) = it.next() else {
            return self.unknown(line);
        };
        for v in it {
            let (Some((ea, wa)), Some((eb, wb))) = (lanes(&acc.ty), lanes(&v.ty)) else {
                self.error(Diag::error(
                    E_MISMATCH,
                    "`min`/`max` of SIMD and other values",
                    span,
                ));
                return self.unknown(line);
            };
            if wa > 1 && wb > 1 && wa != wb {
                self.error(Diag::error(E_MISMATCH, "mismatched SIMD widths", span));
                return self.unknown(line);
            }
            let (elem, width) = if wa >= wb { (ea, wa) } else { (eb, wb) };
            let a = self.broadcast_to(acc, &elem, width, span);
            let b = self.broadcast_to(v, &elem, width, span);
            let f = match (&elem, is_max) {
                (Ty::Float { .. }, true) => crate::tir::Intrinsic::MaxNum,
                (Ty::Float { .. }, false) => crate::tir::Intrinsic::MinNum,
                (Ty::Int { signed: true, .. }, true) => crate::tir::Intrinsic::SMax,
                (Ty::Int { signed: true, .. }, false) => crate::tir::Intrinsic::SMin,
                (_, true) => crate::tir::Intrinsic::UMax,
                (_, false) => crate::tir::Intrinsic::UMin,
            };
            acc = TExpr::new(
                K::Call(Callee::Intrinsic(f), vec![TArg::Value(a), TArg::Value(b)]),
                simd_of(elem, width),
                line,
            );
        }
        acc
    }

    pub(crate) fn simd_abs(&mut self, v: TExpr) -> TExpr {
        let line = v.line;
        let ty = v.ty.clone();
        let Some((elem, _)) = lanes(&ty) else {
            return self.unknown(line);
        };
        let args = if elem.is_float() {
            return TExpr::new(
                K::Call(
                    Callee::Intrinsic(crate::tir::Intrinsic::Fabs),
                    vec![TArg::Value(v)],
                ),
                ty,
                line,
            );
        } else if elem.is_signed_int() {
            vec![
                TArg::Value(v),
                TArg::Value(TExpr::new(K::Bool(false), Ty::Bool, line)),
            ]
        } else {
            return v;
        };
        TExpr::new(
            K::Call(Callee::Intrinsic(crate::tir::Intrinsic::Abs), args),
            ty,
            line,
        )
    }

    /// `v[i]` on a vector: one lane.
    pub(crate) fn simd_lane(&mut self, v: TExpr, idx: &Expr) -> TExpr {
        let line = v.line;
        let Some((elem, width)) = lanes(&v.ty) else {
            return self.unknown(line);
        };
        let Some(i) = self.lane_index(idx, width) else {
            return self.unknown(line);
        };
        prim(Prim::Extract, vec![v, i], elem, line)
    }

    /// A lane index: constants are checked against the width now; run-time indices are
    /// not checked (as in Mojo, where the check is a debug assertion).
    pub(super) fn lane_index(&mut self, idx: &Expr, width: u32) -> Option<TExpr> {
        let i = self.expr(idx, Some(&Ty::INT));
        let i = self.coerce(i, &Ty::INT, idx.span);
        if let K::Int(k) = i.kind {
            let k = if k < 0 { k + i128::from(width) } else { k };
            if !(0..i128::from(width)).contains(&k) {
                let msg = format!("lane index out of range for a SIMD width of {width}");
                self.error(Diag::error(E_NOT_INDEXABLE, msg, idx.span));
                return None;
            }
            return Some(self.int(k, i.line));
        }
        Some(i)
    }

    /// `v[i] = x` on a vector place: the vector with one lane replaced.
    pub(crate) fn simd_set_lane(
        &mut self,
        place: TExpr,
        idx: &Expr,
        val: TExpr,
        vspan: Span,
        out: &mut Vec<TStmt>,
    ) {
        let line = place.line;
        let Some((elem, width)) = lanes(&place.ty) else {
            return;
        };
        if !crate::check::expr::is_place(&place) {
            self.error(Diag::error(
                super::super::E_ASSIGN,
                "cannot assign to a lane of a temporary value",
                vspan,
            ));
            return;
        }
        let Some(i) = self.lane_index(idx, width) else {
            return;
        };
        let val = self.coerce(val, &elem, vspan);
        let ty = place.ty.clone();
        let ins = prim(Prim::Insert, vec![place.clone(), i, val], ty, line);
        out.push(TStmt::Assign(place, ins));
    }

    /// `String(v)`: `[a, b, ...]`, each lane printed like its scalar.
    pub(crate) fn simd_to_string(&mut self, v: TExpr, span: Span) -> TExpr {
        let line = v.line;
        let Some((elem, width)) = lanes(&v.ty) else {
            return self.unknown(line);
        };
        let (st, tmp) = self.temp(v);
        let mut acc = s("[", line);
        for i in 0..width {
            if i > 0 {
                acc = self.rt_call(Rt::StrConcat, vec![acc, s(", ", line)], Ty::Str, line);
            }
            let lane = prim(
                Prim::Extract,
                vec![tmp.clone(), self.int(i.into(), line)],
                elem.clone(),
                line,
            );
            let part = self.stringify(lane, span);
            acc = self.rt_call(Rt::StrConcat, vec![acc, part], Ty::Str, line);
        }
        acc = self.rt_call(Rt::StrConcat, vec![acc, s("]", line)], Ty::Str, line);
        TExpr::new(K::Seq(vec![st], Box::new(acc)), Ty::Str, line)
    }

    /// `SIMD[...]`-typed parameters in method calls (`v.cast[DType.x]`) are checked by the
    /// method; this resolves a standalone width parameter (`p.load[width=8]`).
    pub(crate) fn width_param(&mut self, params: &[Arg], what: &str) -> Option<u32> {
        let p = params
            .iter()
            .find(|p| p.name.as_ref().is_none_or(|n| n.name == "width"))?;
        match eval_width(self.cx, self.m, &p.value, &self.consts) {
            Ok(w) => Some(w),
            Err(d) => {
                let d = d.with_hint(format!("`{what}` needs a compile-time width"));
                self.error(d);
                Some(0)
            }
        }
    }
}
