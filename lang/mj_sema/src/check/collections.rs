//! List and Dict literals (a dict literal builds the library's `Dict`), list comprehensions
//! and `in`; these lower to runtime calls and TIR loops rather than to single operations.

use mj_syntax::ast::{Arg, Expr, ExprKind, Ident};
use mj_syntax::{Diag, Span};

use super::E_OPERATOR;
use super::body::FnCx;
use crate::rt::Rt;
use crate::tir::{TCmp, TExpr, TExprKind as K, TStmt};
use crate::ty::{CtArg, Ty};

impl FnCx<'_> {
    pub(super) fn list_literal(
        &mut self,
        items: &[Expr],
        want: Option<Ty>,
        span: Span,
        line: u32,
    ) -> TExpr {
        let (vals, mut elem) = self.literal_items(items, want.clone());
        // A list of ints and floats is a list of floats.
        if want.is_none() && vals.iter().any(|(v, _)| v.ty.is_float()) {
            elem = vals
                .iter()
                .find(|(v, _)| v.ty.is_float())
                .map(|(v, _)| v.ty.clone());
        }
        let elem = elem.unwrap_or(Ty::Unknown);
        if elem.is_unknown() && items.is_empty() && want.is_none() {
            self.error(
                Diag::error(
                    super::E_UNKNOWN_TYPE,
                    "cannot infer the element type of an empty list",
                    span,
                )
                .with_hint("write `List[Int]()` (or the element type you mean)"),
            );
            // (Not a `List[<unknown>]`: its instance would report errors of its own.)
            return self.unknown(line);
        }
        let vals: Vec<TExpr> = vals
            .into_iter()
            .map(|(v, s)| self.coerce(v, &elem, s))
            .collect();
        self.build_list(elem, vals, line)
    }

    /// The type of a list of `elem`: the library's `List[elem]` (unknown when its module
    /// is not loaded; `build_list` reports that).
    pub fn list_ty(&self, elem: Ty) -> Ty {
        match crate::lang_items::lang_struct(self.cx, crate::lang_items::LangItem::List) {
            Some(ls) => Ty::Struct(ls, vec![crate::ty::CtArg::Type(elem)].into()),
            None => Ty::Unknown,
        }
    }

    /// Whether `t` is the library's `List[T]` (the `List` lang item).
    pub(super) fn is_library_list(&self, t: &Ty) -> bool {
        let list = crate::lang_items::lang_struct(self.cx, crate::lang_items::LangItem::List);
        list.is_some() && t.struct_id() == list
    }

    /// `[a, b, c]` where the library's `List[T]` is expected: `List[T](capacity=n)`, then
    /// `append` of each element (calls of the struct's own methods).
    pub(super) fn library_list_literal(&mut self, items: &[Expr], lt: Ty, span: Span) -> TExpr {
        let line = self.line(span);
        let elem = crate::lang_items::list_elem(self.cx, &lt).unwrap_or(Ty::Unknown);
        let new = self.library_list_with_capacity(lt.clone(), items.len(), span);
        let mut calls = Vec::new();
        for it in items {
            let v = self.expr(it, Some(&elem));
            let v = self.coerce(v, &elem, it.span);
            self.check_stored(&v, it.span);
            calls.push((vec![v], it.span));
        }
        self.build_by_calls(lt, new, "append", calls, line)
    }

    /// `List[T](capacity=n)` of the library's list type `lt`.
    fn library_list_with_capacity(&mut self, lt: Ty, n: usize, span: Span) -> TExpr {
        let cap = Arg {
            name: Some(Ident {
                name: "capacity".into(),
                span,
            }),
            value: Expr {
                kind: ExprKind::Int(n as u128),
                span,
            },
            span,
        };
        self.construct_ty(lt, &[cap], span)
    }

    /// Checks the items of a list or set literal against `elem` (the expected element type,
    /// else the first item's, which is returned): each value with its span.
    pub(super) fn literal_items(
        &mut self,
        items: &[Expr],
        mut elem: Option<Ty>,
    ) -> (Vec<(TExpr, Span)>, Option<Ty>) {
        let mut vals = Vec::new();
        for it in items {
            let v = self.expr(it, elem.as_ref());
            if elem.is_none() && !v.ty.is_unknown() {
                elem = Some(v.ty.clone());
            }
            self.check_stored(&v, it.span);
            vals.push((v, it.span));
        }
        (vals, elem)
    }

    /// `tmp = new`, then `tmp.method(args)` for each argument list, then `tmp` (moved
    /// out): how literals of the library's containers are built. The values were checked
    /// where they were written (`check_stored`), so an implicit copy is reported there and
    /// not again by the calls.
    pub(super) fn build_by_calls(
        &mut self,
        ty: Ty,
        new: TExpr,
        method: &str,
        calls: Vec<(Vec<TExpr>, Span)>,
        line: u32,
    ) -> TExpr {
        let (s, tmp) = self.temp(new);
        let mut stmts = vec![s];
        let before = self.diags.len();
        for (args, at) in calls {
            if let Some(call) = self.dunder_call(tmp.clone(), method, args, at) {
                stmts.push(TStmt::Expr(call));
            }
        }
        let added = self.diags.split_off(before);
        self.diags.extend(
            added
                .into_iter()
                .filter(|(_, d)| d.code != super::ownership::E_IMPLICIT_COPY),
        );
        TExpr::new(K::Seq(stmts, Box::new(move_out(tmp))), ty, line)
    }

    /// A new library `List` of `vals`: `List[T](capacity=n)`, then `append` of each.
    pub fn build_list(&mut self, elem: Ty, vals: Vec<TExpr>, line: u32) -> TExpr {
        let lt = self.list_ty(elem);
        let span = self.span_of_line(line);
        if !self.is_library_list(&lt) {
            let msg = "this needs the library's `List`, which this module does not import";
            let d = Diag::error(super::E_UNKNOWN_TYPE, msg, span)
                .with_hint("add `from std.collections import List`");
            self.error(d);
            return self.unknown(line);
        }
        let new = self.library_list_with_capacity(lt.clone(), vals.len(), span);
        let calls = vals.into_iter().map(|v| (vec![v], span)).collect();
        self.build_by_calls(lt, new, "append", calls, line)
    }

    /// `list.append(v)` on a library `List`.
    pub fn list_push(&mut self, list: TExpr, v: TExpr) -> TExpr {
        let line = v.line;
        let span = self.span_of_line(line);
        self.dunder_call(list, "append", vec![v], span)
            .unwrap_or_else(|| self.unknown(line))
    }

    pub(super) fn dict_literal(
        &mut self,
        pairs: &[(Expr, Expr)],
        wk: Option<Ty>,
        wv: Option<Ty>,
        span: Span,
        line: u32,
    ) -> TExpr {
        let mut kt = wk;
        let mut vt = wv;
        let mut vals = Vec::new();
        for (k, v) in pairs {
            let kv = self.expr(k, kt.as_ref());
            kt.get_or_insert(kv.ty.clone());
            let vv = self.expr(v, vt.as_ref());
            vt.get_or_insert(vv.ty.clone());
            self.check_stored(&kv, k.span);
            self.check_stored(&vv, v.span);
            vals.push((kv, k.span, vv, v.span));
        }
        let (Some(kt), Some(vt)) = (kt, vt) else {
            self.error(
                Diag::error(
                    super::E_UNKNOWN_TYPE,
                    "cannot infer the types of an empty dict",
                    span,
                )
                .with_hint("write `Dict[String, Int]()` (or the types you mean)"),
            );
            return self.unknown(line);
        };
        // The library's `Dict` (`std.collections.dict`, a lang item): `Dict[K, V]()`, then
        // `__setitem__` of each pair, in order.
        let Some(ds) = crate::lang_items::lang_struct(self.cx, crate::lang_items::LangItem::Dict)
        else {
            // Only a program without the standard library gets here.
            self.error(Diag::error(
                super::E_UNKNOWN_TYPE,
                "`Dict` is not available (no `std.collections.dict`)",
                span,
            ));
            return self.unknown(line);
        };
        let targs: crate::ty::Targs = vec![
            crate::ty::CtArg::Type(kt.clone()),
            crate::ty::CtArg::Type(vt.clone()),
        ]
        .into();
        let dt = Ty::Struct(ds, targs);
        let new = self.construct_ty(dt.clone(), &[], span);
        let calls = vals
            .into_iter()
            .map(|(k, ks, v, vs)| {
                let k = self.coerce(k, &kt, ks);
                let v = self.coerce(v, &vt, vs);
                (vec![k, v], ks)
            })
            .collect();
        self.build_by_calls(dt, new, "__setitem__", calls, line)
    }

    /// `[elt for target in iter if cond]`: where the library's `List[T]` is expected
    /// (`lib`), one built with its `append`; otherwise the built-in list. The loop is the
    /// comprehensions' (`comprehensions.rs`).
    pub(super) fn list_comp(
        &mut self,
        elt: &Expr,
        first: super::comprehensions::Clause<'_>,
        more: &[mj_syntax::ast::CompFor],
        lib: Option<Ty>,
        span: Span,
    ) -> TExpr {
        let line = self.line(span);
        let lib_elem = lib
            .as_ref()
            .and_then(|t| crate::lang_items::list_elem(self.cx, t));
        self.comp_loop(first, more, span, &mut |cx, result| {
            let v = cx.expr(elt, lib_elem.as_ref());
            let (list_ty, v) = match (&lib, &lib_elem) {
                (Some(lt), Some(e)) => (lt.clone(), cx.coerce(v, e, elt.span)),
                _ => (cx.list_ty(v.ty.clone()), v),
            };
            let elem_ty = v.ty.clone();
            cx.check_stored(&v, elt.span);
            let res = cx.set_result_type(result, &list_ty, span);
            if cx.is_library_list(&list_ty) {
                let push = cx.dunder_call(res, "append", vec![v], elt.span)?;
                let empty = cx.construct_ty(list_ty.clone(), &[], span);
                Some((list_ty, push, empty))
            } else {
                let push = cx.list_push(res, v);
                let empty = cx.build_list(elem_ty, Vec::new(), line);
                Some((list_ty, push, empty))
            }
        })
    }

    /// `x in c`: membership in a List or String (or `__contains__` on a struct).
    pub(super) fn contains(&mut self, coll: TExpr, item: TExpr, span: Span) -> TExpr {
        let line = self.line(span);
        let yes = |fx: &Self, r: TExpr| {
            TExpr::new(
                K::Cmp(TCmp::Ne, Box::new(r), Box::new(fx.int(0, line))),
                Ty::Bool,
                line,
            )
        };
        match coll.ty.clone() {
            Ty::Str => {
                let item = self.coerce(item, &Ty::Str, span);
                let r = self.rt_call(Rt::StrContains, vec![coll, item], Ty::INT, line);
                yes(self, r)
            }
            Ty::Struct(..) => self
                .dunder_call(coll, "__contains__", vec![item], span)
                .unwrap_or_else(|| self.unknown(line)),
            // `x in (1, True, "s")`: equal to an element of the same type (elements of other
            // types never are).
            Ty::Tuple(ts) => {
                let mut st = Vec::new();
                let cv = self.spill_to(coll, &mut st);
                let iv = self.spill_to(item, &mut st);
                let mut any = TExpr::new(K::Bool(false), Ty::Bool, line);
                for (i, t) in ts.iter().enumerate() {
                    let same = *t == iv.ty
                        || (t.is_numeric()
                            && iv.ty.is_numeric()
                            && matches!(iv.kind, K::Int(_) | K::Float(_)));
                    if !same {
                        continue;
                    }
                    let x = TExpr::new(K::Field(Box::new(cv.clone()), i as u32), t.clone(), line);
                    let eq = self.compare(mj_syntax::ast::CmpOp::Eq, x, iv.clone(), span);
                    any = TExpr::new(K::Or(Box::new(any), Box::new(eq)), Ty::Bool, line);
                }
                TExpr::new(K::Seq(st, Box::new(any)), Ty::Bool, line)
            }
            // `x in v` of a SIMD vector: some lane equals `x`.
            Ty::Vector(..) => self.simd_contains(coll, item, span),
            Ty::Array(..) => self.array_contains(coll, item, span),
            t => {
                let msg = format!("`in` is not supported for `{}`", self.ty_name(&t));
                self.error(Diag::error(E_OPERATOR, msg, span));
                self.unknown(line)
            }
        }
    }
}

/// The final read of a temporary that holds a new reference (a list or dict just built):
/// a move, so that the reference counts as the consumer's (`crate::handles::ownership`).
pub(super) fn move_out(read: TExpr) -> TExpr {
    match read.kind {
        K::Local(l) => TExpr::new(K::Move(l), read.ty, read.line),
        _ => read,
    }
}

impl FnCx<'_> {
    /// Calls `std.collections.inline_array`'s `fname` with the array `recv` as its receiver
    /// (and `other` as its one argument): how arrays print, compare and answer `in`.
    /// `None` when the module is not loaded (a program that never names an array type).
    pub(crate) fn array_function(
        &mut self,
        fname: &str,
        recv: TExpr,
        other: Option<TExpr>,
        span: Span,
    ) -> Option<TExpr> {
        let Ty::Array(elem, n) = recv.ty.clone() else {
            return None;
        };
        let id = crate::lang_items::function_of_module(
            self.cx,
            crate::lang_items::ARRAY_FUNCTIONS,
            fname,
        )?;
        let line = recv.line;
        let prefix = vec![CtArg::Type(*elem), CtArg::Int(i128::from(n))];
        let name = Ident {
            name: fname.to_string(),
            span,
        };
        let base = Expr {
            kind: ExprKind::Name("self".into()),
            span,
        };
        // The argument is already checked: it is handed over through a hidden local.
        let mut stmts = Vec::new();
        let mut args = Vec::new();
        if let Some(o) = other {
            let (st, read) = self.temp(o);
            stmts.push(st);
            if let K::Local(l) = read.kind {
                let hidden = format!("$arg{}", l.0);
                if let Some(sc) = self.scopes.last_mut() {
                    sc.insert(hidden.clone(), l);
                }
                args.push(Arg {
                    name: None,
                    value: Expr {
                        kind: ExprKind::Name(hidden),
                        span,
                    },
                    span,
                });
            }
        }
        let (call, _) =
            self.call_with_receiver(id, prefix, &base, recv, &name, None, &args, span)?;
        if stmts.is_empty() {
            return Some(call);
        }
        let ty = call.ty.clone();
        Some(TExpr::new(K::Seq(stmts, Box::new(call)), ty, line))
    }
}

/// How deeply list, set, dict and tuple literals nest in `e` (counting `e`), or
/// `limit + 1` once that is known to be over `limit`.
pub(crate) fn literal_depth(e: &Expr, limit: usize) -> usize {
    use mj_syntax::ast::ExprKind;
    let items: Box<dyn Iterator<Item = &Expr>> = match &e.kind {
        ExprKind::List(xs) | ExprKind::Set(xs) | ExprKind::Tuple(xs) => Box::new(xs.iter()),
        ExprKind::Dict(ps) => Box::new(ps.iter().flat_map(|(k, v)| [k, v])),
        _ => return 0,
    };
    if limit == 0 {
        return 1;
    }
    let mut deepest = 0;
    for x in items {
        deepest = deepest.max(literal_depth(x, limit - 1));
        if deepest >= limit {
            break;
        }
    }
    1 + deepest
}

/// The error for a type nested deeper than [`crate::ty::MAX_TYPE_DEPTH`] levels.
pub(crate) fn too_deep_type(span: Span) -> Diag {
    Diag::error(
        super::E_UNKNOWN_TYPE,
        format!(
            "this type nests more than {} levels deep",
            crate::ty::MAX_TYPE_DEPTH
        ),
        span,
    )
    .with_hint("use a struct to give the inner levels a name")
}
