//! Set literals `{a, b}`, dict comprehensions `{k: v for x in xs if c}` and set
//! comprehensions `{x for x in xs if c}`. They build the library's `Dict` and `Set`
//! (lang items, mj structs) through their own constructors and `__setitem__`/`add`, as
//! dict literals do (`collections.rs`), so no runtime helper is involved.

use mj_syntax::ast::{CompFor, Expr, ExprKind};
use mj_syntax::{Diag, Span};

use super::GKind;
use super::body::FnCx;
use super::collections::move_out;
use super::generics::{E_CONFORMANCE, conforms, trait_name};
use crate::lang_items::{LangItem, lang_struct};
use crate::tir::{LocalId, TBin, TCmp, TExpr, TExprKind as K, TStmt};
use crate::ty::{CtArg, Ty};

/// What one iteration of a comprehension adds: the result's type, the call that adds the
/// element(s) to the result, and the empty result to start from.
pub(super) type Added = Option<(Ty, TExpr, TExpr)>;

/// One `for target in iter if cond` clause of a comprehension.
pub(super) type Clause<'a> = (&'a Expr, &'a Expr, Option<&'a Expr>);

impl FnCx<'_> {
    /// The type arguments of `expected` when it is the library struct playing `item`.
    fn lang_targs(&self, item: LangItem, expected: Option<&Ty>) -> Vec<Option<Ty>> {
        let s = lang_struct(self.cx, item);
        match expected {
            Some(Ty::Struct(id, a)) if Some(*id) == s => a
                .iter()
                .map(|c| match c {
                    CtArg::Type(t) => Some(t.clone()),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// `Set[T]` of the library, or a diagnostic when its module is not loaded (it is
    /// loaded for any file with a set literal, so this is a fallback).
    fn set_type(&mut self, elem: Ty, span: Span) -> Option<Ty> {
        match lang_struct(self.cx, LangItem::Set) {
            Some(s) => {
                if !self.lang_bounds_ok(s, std::slice::from_ref(&elem), span) {
                    return None;
                }
                Some(Ty::Struct(s, vec![CtArg::Type(elem)].into()))
            }
            None => {
                self.unsupported("set literals here", span);
                None
            }
        }
    }

    /// `{a, b, c}`: `Set[T]()`, then `add` of each element in order. `T` is the expected
    /// element type, else the first element's.
    pub(super) fn set_literal(
        &mut self,
        items: &[Expr],
        expected: Option<&Ty>,
        span: Span,
    ) -> TExpr {
        let line = self.line(span);
        let want = self
            .lang_targs(LangItem::Set, expected)
            .into_iter()
            .next()
            .flatten();
        let (vals, elem) = self.literal_items(items, want);
        let Some(elem) = elem.filter(|t| !t.is_unknown()) else {
            return self.unknown(line);
        };
        let Some(st) = self.set_type(elem.clone(), span) else {
            return self.unknown(line);
        };
        let new = self.construct_ty(st.clone(), &[], span);
        let calls = vals
            .into_iter()
            .map(|(v, vs)| (vec![self.coerce(v, &elem, vs)], vs))
            .collect();
        self.build_by_calls(st, new, "add", calls, line)
    }

    /// `e` checked against `want` and converted to it when there is one.
    fn expr_coerced(&mut self, e: &Expr, want: Option<&Ty>) -> TExpr {
        let v = self.expr(e, want);
        match want {
            Some(t) => self.coerce(v, t, e.span),
            None => v,
        }
    }

    /// `{key: value for target in iter if cond}`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn dict_comp(
        &mut self,
        key: &Expr,
        value: &Expr,
        first: Clause<'_>,
        more: &[CompFor],
        expected: Option<&Ty>,
        span: Span,
    ) -> TExpr {
        let want = self.lang_targs(LangItem::Dict, expected);
        let wk = want.first().cloned().flatten();
        let wv = want.get(1).cloned().flatten();
        self.comp_loop(first, more, span, &mut |cx, result| {
            let k = cx.expr_coerced(key, wk.as_ref());
            let v = cx.expr_coerced(value, wv.as_ref());
            cx.check_stored(&k, key.span);
            cx.check_stored(&v, value.span);
            if k.ty.is_unknown() || v.ty.is_unknown() {
                return None; // (after a diagnostic)
            }
            let Some(ds) = lang_struct(cx.cx, LangItem::Dict) else {
                cx.unsupported("dict comprehensions here", span);
                return None;
            };
            if !cx.lang_bounds_ok(ds, &[k.ty.clone(), v.ty.clone()], key.span) {
                return None;
            }
            let dt = Ty::Struct(
                ds,
                vec![CtArg::Type(k.ty.clone()), CtArg::Type(v.ty.clone())].into(),
            );
            let res = cx.set_result_type(result, &dt, span);
            let add = cx.dunder_call(res, "__setitem__", vec![k, v], key.span)?;
            let empty = cx.construct_ty(dt.clone(), &[], span);
            Some((dt, add, empty))
        })
    }

    /// `{elt for target in iter if cond}`.
    pub(super) fn set_comp(
        &mut self,
        elt: &Expr,
        first: Clause<'_>,
        more: &[CompFor],
        expected: Option<&Ty>,
        span: Span,
    ) -> TExpr {
        let want = self
            .lang_targs(LangItem::Set, expected)
            .into_iter()
            .next()
            .flatten();
        self.comp_loop(first, more, span, &mut |cx, result| {
            let v = cx.expr_coerced(elt, want.as_ref());
            cx.check_stored(&v, elt.span);
            if v.ty.is_unknown() {
                return None;
            }
            let st = cx.set_type(v.ty.clone(), span)?;
            let res = cx.set_result_type(result, &st, span);
            let add = cx.dunder_call(res, "add", vec![v], elt.span)?;
            let empty = cx.construct_ty(st.clone(), &[], span);
            Some((st, add, empty))
        })
    }

    /// Whether `args` meet the bounds of the type parameters of library struct `s` (a
    /// `Set` element must be hashable); else a diagnostic at the literal, not one inside
    /// the library's code.
    fn lang_bounds_ok(&mut self, s: u32, args: &[Ty], span: Span) -> bool {
        let params = self.cx.structs[s as usize].params.clone();
        for (p, t) in params.iter().zip(args) {
            let GKind::Type(bounds) = &p.kind else {
                continue;
            };
            for b in bounds {
                if t.has_param() || conforms(self.cx, t, b) {
                    continue;
                }
                let (tn, mut bn) = (self.cx.ty_name(t), trait_name(self.cx, b));
                bn = format!("`{bn}`");
                if bn == "`KeyElement`" {
                    bn.push_str(" (`Hashable` and `Equatable`)");
                }
                let full = &self.cx.structs[s as usize].name;
                let what = full.rsplit('.').next().unwrap_or(full);
                let msg = format!(
                    "`{tn}` does not conform to {bn}, required by parameter `{}` of `{what}`",
                    p.name
                );
                let hint = match t {
                    Ty::Struct(..) => format!(
                        "declare it: `struct {tn}(Hashable, Equatable, ...)` and define \
                         `__hash__` and `__eq__`"
                    ),
                    _ => "use elements of a type that conforms to the trait".to_string(),
                };
                self.error(Diag::error(E_CONFORMANCE, msg, span).with_hint(hint));
                return false;
            }
        }
        true
    }

    /// Gives the comprehension's result local its type (known once the element is typed)
    /// and returns a read of it.
    pub(super) fn set_result_type(&mut self, result: LocalId, t: &Ty, span: Span) -> TExpr {
        let line = self.line(span);
        self.locals[result.0 as usize].ty = t.clone();
        TExpr::new(K::Local(result), t.clone(), line)
    }

    /// The loops of a comprehension, checked as the statement
    /// `result = empty; for target in iter: if cond: (next clause ...) add`, each `target`
    /// scoped to its loop. `add` types the element(s) inside the innermost scope and says
    /// what to add.
    pub(super) fn comp_loop(
        &mut self,
        first: Clause<'_>,
        more: &[CompFor],
        span: Span,
        add: &mut dyn FnMut(&mut Self, LocalId) -> Added,
    ) -> TExpr {
        let line = self.line(span);
        let result = self.new_local("", Ty::Unknown, false);
        let mut clauses = vec![first];
        clauses.extend(more.iter().map(|c| (&c.target, &c.iter, c.cond.as_ref())));
        let Some((mut stmts, ty, empty)) = self.comp_nest(&clauses, result, add) else {
            return self.unknown(line);
        };
        let res = TExpr::new(K::Local(result), ty.clone(), line);
        stmts.insert(0, TStmt::Assign(res.clone(), empty));
        TExpr::new(K::Seq(stmts, Box::new(move_out(res))), ty, line)
    }

    /// The loop of the first of `clauses`, with the loops of the others inside it and the
    /// addition to `result` innermost: its statements, the result's type and the empty
    /// collection to start from.
    fn comp_nest(
        &mut self,
        clauses: &[Clause<'_>],
        result: LocalId,
        add: &mut dyn FnMut(&mut Self, LocalId) -> Added,
    ) -> Option<(Vec<TStmt>, Ty, TExpr)> {
        let ((target, iter, cond), rest) = clauses.split_first()?;
        let it = self.expr(iter, None);
        // A struct iterates through `__iter__` and its iterator's `__next__` (`d.items()`, a
        // `Set`), as in a `for` statement (`iter_protocol.rs`).
        let it = self.struct_iterator(it, iter.span)?;
        let mut stmts = Vec::new();
        self.scopes.push(Default::default());
        let mut inner = Vec::new();
        let Some(while_cond) = self.comp_head(target, it, iter.span, &mut stmts, &mut inner) else {
            self.scopes.pop();
            return None;
        };
        // The filter is checked before the element, as it runs first.
        let c = cond.map(|c| self.cond(c));
        let body = if rest.is_empty() {
            add(self, result).map(|(ty, push, empty)| (vec![TStmt::Expr(push)], ty, empty))
        } else {
            self.comp_nest(rest, result, add)
        };
        self.scopes.pop();
        let (body, ty, empty) = body?;
        match c {
            Some(c) => inner.push(TStmt::If(c, body, Vec::new())),
            None => inner.extend(body),
        }
        stmts.push(TStmt::While {
            cond: while_cond,
            body: inner,
            else_body: Vec::new(),
        });
        Some((stmts, ty, empty))
    }

    /// The head of a comprehension's loop: the setup goes to `stmts`, the binding of
    /// `target` to the next element to `inner`; returns the loop's condition.
    fn comp_head(
        &mut self,
        target: &Expr,
        it: TExpr,
        span: Span,
        stmts: &mut Vec<TStmt>,
        inner: &mut Vec<TStmt>,
    ) -> Option<TExpr> {
        let line = it.line;
        if let Ty::Struct(..) = it.ty {
            // The iterator lives in an owned local of its own for the whole loop.
            let l = self.new_local("", it.ty.clone(), false);
            self.own_local(l, false);
            let iv = TExpr::new(K::Local(l), it.ty.clone(), line);
            stmts.push(TStmt::Assign(iv.clone(), it));
            let (cond, next, raised) = self.protocol_step(iv, span)?;
            let next = self.ref_result(next);
            self.declare_comp_vars(target, &next.ty);
            let mut head = Vec::new();
            self.bind_loop_var(target, next, span, &mut head);
            inner.extend(self.stop_on_error(head, raised));
            return Some(cond);
        }
        let plan = super::builtins::iteration_plan(self, it, span)?;
        let coll = self.spill_to(plan.collection, stmts);
        let (s2, idx) = self.temp(self.int(0, line));
        stmts.push(s2);
        let count = (plan.count)(self, coll.clone());
        let (s3, cur) = self.temp(idx.clone());
        inner.push(s3);
        let one = self.int(1, line);
        let inc = TExpr::new(
            K::Binary(TBin::Add, Box::new(idx.clone()), Box::new(one)),
            Ty::INT,
            line,
        );
        inner.push(TStmt::Assign(idx.clone(), inc));
        if let Some(skip) = (plan.skip)(self, coll.clone(), cur.clone()) {
            inner.push(TStmt::If(skip, vec![TStmt::Continue], Vec::new()));
        }
        let elem = (plan.element)(self, coll, cur);
        self.declare_comp_vars(target, &elem.ty);
        self.bind_loop_var(target, elem, span, inner);
        Some(TExpr::new(
            K::Cmp(TCmp::Lt, Box::new(idx), Box::new(count)),
            Ty::Bool,
            line,
        ))
    }

    /// Declares the comprehension's variables in its own scope, so that they neither
    /// leak out nor write to a variable of the same name outside (which may be a
    /// reference bound by an earlier `for`): as in Mojo and Python 3.
    fn declare_comp_vars(&mut self, target: &Expr, ty: &Ty) {
        match (&target.kind, ty) {
            (ExprKind::Name(n), _) if !ty.is_unknown() => {
                let l = self.new_local(n, ty.clone(), false);
                if let Some(sc) = self.scopes.last_mut() {
                    sc.insert(n.clone(), l);
                }
            }
            (ExprKind::Tuple(ts), Ty::Tuple(tys)) if ts.len() == tys.len() => {
                for (t, ty) in ts.iter().zip(tys.iter()) {
                    self.declare_comp_vars(t, ty);
                }
            }
            _ => {}
        }
    }
}
