//! How `for` loops and comprehensions walk a built-in collection by index (Lists,
//! Strings, Arrays, Spans, SIMD vectors); `Dict` and other library types iterate through
//! `__iter__` (`iter_protocol.rs`).

use mj_syntax::{Diag, Span};

use crate::check::E_NOT_INDEXABLE;
use crate::check::body::FnCx;
use crate::rt::Rt;
use crate::tir::{Prim, TCmp, TExpr, TExprKind as K};
use crate::ty::Ty;

/// A plan for iterating a collection by index.
pub(crate) struct IterPlan {
    pub collection: TExpr,
    pub count: Box<dyn Fn(&mut FnCx<'_>, TExpr) -> TExpr>,
    pub skip: Box<dyn Fn(&mut FnCx<'_>, TExpr, TExpr) -> Option<TExpr>>,
    pub element: Box<dyn Fn(&mut FnCx<'_>, TExpr, TExpr) -> TExpr>,
}

pub(crate) fn iteration_plan(fx: &mut FnCx<'_>, it: TExpr, span: Span) -> Option<IterPlan> {
    let line = it.line;
    match it.ty.clone() {
        // The library's `List` (comprehensions, `enumerate`): `__len__()` elements, each
        // `unsafe_get(i)` (a reference into the list).
        t @ Ty::Struct(..) if fx.is_library_list(&t) => Some(IterPlan {
            collection: it,
            count: Box::new(move |fx, c| {
                fx.dunder_call(c, "__len__", Vec::new(), span)
                    .unwrap_or_else(|| fx.unknown(line))
            }),
            skip: Box::new(|_, _, _| None),
            element: Box::new(move |fx, c, i| {
                match fx.dunder_call(c, "unsafe_get", vec![i], span) {
                    Some(e) => fx.ref_result(e),
                    None => fx.unknown(line),
                }
            }),
        }),
        // A string iterates by character (UTF-8 code point), as Mojo's `codepoint_slices()`.
        Ty::Str => Some(IterPlan {
            collection: it,
            count: Box::new(move |_, c| TExpr::new(K::Len(Box::new(c)), Ty::INT, line)),
            skip: Box::new(move |fx, c, i| {
                let start = fx.rt_call(Rt::StrIsCharStart, vec![c, i], Ty::INT, line);
                let zero = fx.int(0, line);
                Some(TExpr::new(
                    K::Cmp(TCmp::Eq, Box::new(start), Box::new(zero)),
                    Ty::Bool,
                    line,
                ))
            }),
            element: Box::new(move |fx, c, i| fx.rt_call(Rt::StrCharAt, vec![c, i], Ty::Str, line)),
        }),
        Ty::Array(t, n) => Some(IterPlan {
            collection: it,
            count: Box::new(move |fx, _| fx.int(n.into(), line)),
            skip: Box::new(|_, _, _| None),
            element: Box::new(move |_, c, i| {
                let base = TExpr::new(K::AddrOf(Box::new(c)), Ty::RawPtr(t.clone(), 0), line);
                let p = TExpr::new(
                    K::Prim(Prim::PtrOffset, vec![base, i]),
                    Ty::RawPtr(t.clone(), 0),
                    line,
                );
                TExpr::new(K::Deref(Box::new(p)), (*t).clone(), line)
            }),
        }),
        Ty::Span(t) => Some(IterPlan {
            collection: it,
            count: Box::new(move |_, c| TExpr::new(K::Field(Box::new(c), 1), Ty::INT, line)),
            skip: Box::new(|_, _, _| None),
            element: Box::new(move |_, c, i| {
                let pty = Ty::RawPtr(t.clone(), 0);
                let base = TExpr::new(K::Field(Box::new(c), 0), pty.clone(), line);
                let p = TExpr::new(K::Prim(Prim::PtrOffset, vec![base, i]), pty, line);
                TExpr::new(K::Deref(Box::new(p)), (*t).clone(), line)
            }),
        }),
        Ty::Vector(t, n) => Some(IterPlan {
            collection: it,
            count: Box::new(move |fx, _| fx.int(n.into(), line)),
            skip: Box::new(|_, _, _| None),
            element: Box::new(move |_, c, i| {
                TExpr::new(K::Prim(Prim::Extract, vec![c, i]), (*t).clone(), line)
            }),
        }),
        Ty::Unknown => None,
        t => {
            let msg = format!("`{}` is not iterable", fx.ty_name(&t));
            fx.error(
                Diag::error(E_NOT_INDEXABLE, msg, span)
                    .with_hint("iterate over a List, String, Dict or range(...)"),
            );
            None
        }
    }
}
