//! How `for` loops and comprehensions walk a collection by index, shared by Lists,
//! Strings and Dicts, plus materialized dict views (`keys`, `values`, `items`).

use mj_syntax::{Diag, Span};

use crate::check::E_NOT_INDEXABLE;
use crate::check::body::FnCx;
use crate::rt::Rt;
use crate::tir::{Prim, TCmp, TExpr, TExprKind as K, TStmt};
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
        Ty::List(t) => Some(IterPlan {
            collection: it,
            count: Box::new(move |_, c| TExpr::new(K::Len(Box::new(c)), Ty::INT, line)),
            skip: Box::new(|_, _, _| None),
            element: Box::new(move |_, c, i| {
                TExpr::new(K::ListElem(Box::new(c), Box::new(i)), (*t).clone(), line)
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
        Ty::Dict(k, _) => Some(IterPlan {
            collection: it,
            count: Box::new(move |fx, c| fx.extern_call("mj_dict_slots", vec![c], Ty::INT, line)),
            skip: Box::new(move |fx, c, i| {
                let alive = fx.extern_call("mj_dict_alive", vec![c, i], Ty::INT, line);
                Some(TExpr::new(
                    K::Cmp(TCmp::Eq, Box::new(alive), Box::new(fx.int(0, line))),
                    Ty::Bool,
                    line,
                ))
            }),
            element: Box::new(move |fx, c, i| dict_key_at(fx, c, i, &k, line)),
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

fn dict_key_at(fx: &mut FnCx<'_>, d: TExpr, i: TExpr, k: &Ty, line: u32) -> TExpr {
    if *k == Ty::Str {
        fx.extern_call("mj_dict_key_str", vec![d, i], Ty::Str, line)
    } else {
        let r = fx.extern_call("mj_dict_key_int", vec![d, i], Ty::INT, line);
        fx.cast(r, k.clone())
    }
}

fn dict_val_at(fx: &mut FnCx<'_>, d: TExpr, i: TExpr, v: &Ty, line: u32) -> TExpr {
    let p = fx.extern_call(
        "mj_dict_val",
        vec![d, i],
        Ty::Ptr(Box::new(v.clone())),
        line,
    );
    TExpr::new(K::Deref(Box::new(p)), v.clone(), line)
}

/// Materializes a view of a dict (`keys`, `values`, `items`) as a List.
pub(super) fn dict_view(
    fx: &mut FnCx<'_>,
    d: TExpr,
    kt: &Ty,
    vt: &Ty,
    which: &str,
    line: u32,
) -> TExpr {
    let elem = match which {
        "keys" => kt.clone(),
        "values" => vt.clone(),
        _ => Ty::Entry(Box::new(kt.clone()), Box::new(vt.clone())),
    };
    let mut stmts = Vec::new();
    let dict = fx.spill_to(d, &mut stmts);
    let out = fx.build_list(elem.clone(), Vec::new(), line);
    let (s1, list) = fx.temp(out);
    let slots = fx.extern_call("mj_dict_slots", vec![dict.clone()], Ty::INT, line);
    let start = fx.int(0, line);
    let lp = fx.index_loop(start, slots, |fx, i| {
        let alive = fx.extern_call(
            "mj_dict_alive",
            vec![dict.clone(), i.clone()],
            Ty::INT,
            line,
        );
        let zero = fx.int(0, line);
        let is_alive = TExpr::new(
            K::Cmp(TCmp::Ne, Box::new(alive), Box::new(zero)),
            Ty::Bool,
            line,
        );
        let value = match which {
            "keys" => dict_key_at(fx, dict.clone(), i, kt, line),
            "values" => dict_val_at(fx, dict.clone(), i, vt, line),
            _ => {
                let k = dict_key_at(fx, dict.clone(), i.clone(), kt, line);
                let v = dict_val_at(fx, dict.clone(), i, vt, line);
                TExpr::new(K::Aggregate(vec![k, v]), elem.clone(), line)
            }
        };
        let push = fx.list_push(list.clone(), value);
        vec![TStmt::If(is_alive, vec![TStmt::Expr(push)], Vec::new())]
    });
    let ty = list.ty.clone();
    stmts.push(s1);
    stmts.extend(lp);
    let list = crate::check::collections::move_out(list);
    TExpr::new(K::Seq(stmts, Box::new(list)), ty, line)
}
