//! `__hash__` of the built-in types (Mojo's `Hashable` on `Int`, `String`, `SIMD`, tuples):
//! `x.__hash__(hasher)` feeds `x` to the hasher (`stdlib/std/hashlib/hash.mj`) through the
//! hasher's own methods, so any `Hasher` written in mj works:
//! - integers and `Bool` widen to one `UInt64` word (`_update_with_simd`);
//! - floats feed their bits (so `-0.0` and `0.0` differ, as in Mojo, where SIMD hashing
//!   reads the bits too);
//! - vectors feed each lane; tuples feed each element (a struct element through its own
//!   `__hash__`);
//! - strings feed their UTF-8 bytes (`_update_with_bytes(ptr, len)`).

use mj_syntax::ast::{Arg, Ident};
use mj_syntax::{Diag, Span};

use super::simd::prim;
use super::simd_types::lanes;
use crate::check::E_NO_MEMBER;
use crate::check::body::FnCx;
use crate::tir::{Prim, TExpr, TExprKind as K, TStmt};
use crate::ty::Ty;

/// Whether a built-in type is `Hashable` (the library trait of `std.hashlib.hash`).
pub(crate) fn builtin_hashable(t: &Ty) -> bool {
    match t {
        Ty::Bool | Ty::Int { .. } | Ty::Float { .. } | Ty::Str | Ty::Vector(..) => true,
        Ty::Tuple(ts) => ts.iter().all(builtin_hashable_elem),
        _ => false,
    }
}

/// A tuple element: a built-in hashable, or a struct (its `__hash__` is checked at the call).
fn builtin_hashable_elem(t: &Ty) -> bool {
    matches!(t, Ty::Struct(..) | Ty::Param(_) | Ty::Unknown) || builtin_hashable(t)
}

impl FnCx<'_> {
    /// `recv.__hash__(hasher)` on a built-in value.
    pub(crate) fn builtin_hash(&mut self, recv: TExpr, args: &[Arg], span: Span) -> TExpr {
        let line = self.line(span);
        if !builtin_hashable(&recv.ty) {
            let msg = format!("`{}` has no method `__hash__`", self.ty_name(&recv.ty));
            self.error(Diag::error(E_NO_MEMBER, msg, span).with_hint(
                "only numbers, strings, SIMD vectors and tuples of hashables are `Hashable`",
            ));
            return self.unknown(line);
        }
        if !self.arity("__hash__", args, 1, 1, span) {
            return self.unknown(line);
        }
        let hasher = self.expr(&args[0].value, None);
        if !matches!(hasher.ty, Ty::Struct(..)) {
            let msg = format!(
                "`__hash__` takes a `Hasher`, found `{}`",
                self.ty_name(&hasher.ty)
            );
            self.error(Diag::error(E_NO_MEMBER, msg, args[0].value.span));
            return self.unknown(line);
        }
        let mut stmts = Vec::new();
        let v = self.spill_to(recv, &mut stmts);
        self.feed(v, &hasher, span, &mut stmts);
        TExpr::new(
            K::Seq(stmts, Box::new(TExpr::new(K::Unit, Ty::Unit, line))),
            Ty::Unit,
            line,
        )
    }

    /// Statements feeding value `v` (a place or a pure read) to `hasher`.
    fn feed(&mut self, v: TExpr, hasher: &TExpr, span: Span, out: &mut Vec<TStmt>) {
        let line = v.line;
        match v.ty.clone() {
            Ty::Bool | Ty::Int { .. } => {
                let w = TExpr::new(K::Cast(Box::new(v)), Ty::UINT, line);
                self.feed_word(w, hasher, span, out);
            }
            Ty::Float { bits } => {
                // The float's bits: store it, read the same bytes as an unsigned integer.
                let ut = Ty::Int {
                    bits,
                    signed: false,
                };
                let (st, place) = self.temp(v);
                out.push(st);
                let ft = place.ty.clone();
                let addr = TExpr::new(K::AddrOf(Box::new(place)), Ty::Ptr(Box::new(ft)), line);
                let addr = TExpr::new(
                    K::Cast(Box::new(addr)),
                    Ty::RawPtr(Box::new(ut.clone()), 0),
                    line,
                );
                let bits = TExpr::new(K::Deref(Box::new(addr)), ut, line);
                let w = TExpr::new(K::Cast(Box::new(bits)), Ty::UINT, line);
                self.feed_word(w, hasher, span, out);
            }
            Ty::Vector(..) => {
                let Some((elem, width)) = lanes(&v.ty) else {
                    return;
                };
                for i in 0..width {
                    let idx = self.int(i128::from(i), line);
                    let lane = prim(Prim::Extract, vec![v.clone(), idx], elem.clone(), line);
                    self.feed(lane, hasher, span, out);
                }
            }
            Ty::Tuple(ts) => {
                for (i, t) in ts.iter().enumerate() {
                    let e = TExpr::new(K::Field(Box::new(v.clone()), i as u32), t.clone(), line);
                    self.feed(e, hasher, span, out);
                }
            }
            Ty::Str => {
                let ident = Ident {
                    name: "unsafe_ptr".to_string(),
                    span,
                };
                let ptr = super::builtin_method(self, v.clone(), &ident, &[], span);
                let len = TExpr::new(K::Len(Box::new(v)), Ty::INT, line);
                if let Some(c) =
                    self.dunder_call(hasher.clone(), "_update_with_bytes", vec![ptr, len], span)
                {
                    out.push(TStmt::Expr(c));
                }
            }
            Ty::Struct(..) => {
                if let Some(c) = self.dunder_call(v, "__hash__", vec![hasher.clone()], span) {
                    out.push(TStmt::Expr(c));
                }
            }
            _ => {}
        }
    }

    fn feed_word(&mut self, w: TExpr, hasher: &TExpr, span: Span, out: &mut Vec<TStmt>) {
        if let Some(c) = self.dunder_call(hasher.clone(), "_update_with_simd", vec![w], span) {
            out.push(TStmt::Expr(c));
        }
    }
}
