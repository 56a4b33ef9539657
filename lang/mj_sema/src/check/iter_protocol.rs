//! `for x in value` over a user struct, through Mojo's iteration methods:
//! - `__iter__(self)` returns the iterator. When that is a built-in iterable (a `List`, a
//!   `Dict`, a `String`...), the loop walks it (`Set` returns its `Dict` of elements);
//! - otherwise the iterator is a struct with `__next__(mut self) raises StopIteration -> T`
//!   (Mojo 1.0's `Iterator`), and the loop is
//!   `it = value.__iter__(); while True: try: x = it.__next__() except: break; body`;
//!   an iterator written for older Mojo also has `__has_next__(self) -> Bool`, which is
//!   then the loop's condition (and a `__next__` that cannot raise needs no `try`).

use mj_syntax::ast::{Expr, ExprKind, Stmt};
use mj_syntax::{Diag, Span};

use super::E_NOT_INDEXABLE;
use super::body::FnCx;
use crate::tir::{TExpr, TExprKind as K, TStmt};
use crate::ty::Ty;

impl FnCx<'_> {
    /// The iterator of a struct value (its `__iter__()`), or the value itself when it is
    /// not a struct or is its own iterator. `None` after a diagnostic.
    pub(crate) fn struct_iterator(&mut self, it: TExpr, span: Span) -> Option<TExpr> {
        if !matches!(it.ty, Ty::Struct(..)) {
            return Some(it);
        }
        if self.has_method(&it.ty, "__iter__") {
            let it_ty = it.ty.clone();
            let inner = self.dunder_call(it, "__iter__", Vec::new(), span)?;
            // `__iter__` returning an iterable that is not an iterator (a `List`): it lives
            // in a local for the whole loop, and its own `__iter__` gives the iterator.
            // (One level only: an `__iter__` that returns its own type without being an
            // iterator is reported below, not followed forever.)
            if matches!(inner.ty, Ty::Struct(..))
                && inner.ty != it_ty
                && !self.has_method(&inner.ty, "__next__")
                && self.has_method(&inner.ty, "__iter__")
            {
                let line = inner.line;
                let l = self.new_local("", inner.ty.clone(), false);
                self.own_local(l, false);
                let held = TExpr::new(K::Local(l), inner.ty.clone(), line);
                let set = TStmt::Assign(held.clone(), inner);
                let next = self.dunder_call(held, "__iter__", Vec::new(), span)?;
                let ty = next.ty.clone();
                return Some(TExpr::new(K::Seq(vec![set], Box::new(next)), ty, line));
            }
            return Some(inner);
        }
        if self.has_method(&it.ty, "__next__") {
            return Some(it);
        }
        let msg = format!("a `{}` is not iterable", self.ty_name(&it.ty));
        self.error(Diag::error(E_NOT_INDEXABLE, msg, span).with_hint(
            "define `__iter__(self)` returning a collection or an iterator, or make it an \
             iterator: `__next__(mut self) raises StopIteration -> T`",
        ));
        None
    }

    /// The iterable of `for x in xs^`: the moved value, or, for a struct with an owning
    /// `__iter__(var self)` (Mojo's `IterableOwned`), the iterator it gives, which yields
    /// the elements by value.
    pub(crate) fn owned_iterable(&mut self, iter: &Expr) -> TExpr {
        let v = self.expr(iter, None);
        let ExprKind::Transfer(base) = &iter.kind else {
            return v;
        };
        let Ty::Struct(s, _) = v.ty.clone() else {
            return v;
        };
        let owning = self.method_overloads(s, "__iter__").into_iter().find(|id| {
            let sig = &self.cx.funcs[id.0 as usize].sig;
            sig.has_self
                && sig
                    .params
                    .first()
                    .is_some_and(|p| p.conv == super::Conv::Owned)
        });
        let Some(id) = owning else {
            return v;
        };
        let name = mj_syntax::ast::Ident {
            name: "__iter__".into(),
            span: iter.span,
        };
        let prefix = self.method_prefix(id, &v.ty);
        let line = v.line;
        match self.call_with_receiver(id, prefix, base, v, &name, None, &[], iter.span) {
            Some((call, _)) => call,
            None => self.unknown(line),
        }
    }

    /// The `__has_next__`/`__next__` loop over a struct iterator. The iterator lives in a
    /// local of its own, in a scope around the loop: it is destroyed as soon as the loop
    /// ends (with what it still holds: the rest of `for x in xs^` after a `break`).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn iterate_protocol(
        &mut self,
        target: &Expr,
        iter: TExpr,
        span: Span,
        body: &[Stmt],
        else_body: Option<&[Stmt]>,
        generic: Option<String>,
        out: &mut Vec<TStmt>,
    ) {
        self.open_scope();
        let mut inner = Vec::new();
        self.iterate_protocol_in(target, iter, span, body, else_body, generic, &mut inner);
        out.extend(self.close_scope(inner));
    }

    #[allow(clippy::too_many_arguments)]
    fn iterate_protocol_in(
        &mut self,
        target: &Expr,
        iter: TExpr,
        span: Span,
        body: &[Stmt],
        else_body: Option<&[Stmt]>,
        generic: Option<String>,
        out: &mut Vec<TStmt>,
    ) {
        let l = self.new_local("", iter.ty.clone(), false);
        self.own_local(l, false);
        let line = iter.line;
        let it = TExpr::new(K::Local(l), iter.ty.clone(), line);
        out.push(TStmt::Assign(it.clone(), iter));
        let Some((cond, next, raised)) = self.protocol_step(it, span) else {
            return;
        };
        let mut head = Vec::new();
        self.scopes.push(std::collections::HashMap::new());
        if let (Ty::Ptr(_), ExprKind::Name(n)) = (&next.ty, &target.kind) {
            // `__next__` returns a reference (`-> ref[...] T`): the loop variable aliases
            // the element, as Mojo binds `for x in list` (`x.field = v` updates it).
            let ptr_ty = next.ty.clone();
            let l = self.bind_ref_loop_var(n, ptr_ty.clone());
            head.push(TStmt::Assign(TExpr::new(K::Local(l), ptr_ty, line), next));
        } else if let ExprKind::Name(n) = &target.kind
            && self.cx.needs_drop(&next.ty)
            && crate::handles::ownership(&next) == crate::handles::Own::Owned
        {
            // `__next__` gives an element of its own (`for x in xs^`): the loop variable
            // owns it for one iteration, in a scope that destroys it at the end of the
            // iteration (unless the body moved it). The element first lands in a hidden
            // local, so that the end of the sequence leaves the loop before the scope.
            let ty = next.ty.clone();
            let hold = self.new_local("", ty.clone(), false);
            head.push(TStmt::Assign(
                TExpr::new(K::Local(hold), ty.clone(), line),
                next,
            ));
            let head = self.stop_on_error(head, raised);
            self.open_scope();
            let l = self.new_local(n, ty.clone(), false);
            if let Some(sc) = self.scopes.last_mut() {
                sc.insert(n.to_string(), l);
            }
            if let Some(ds) = self.own.drop_scopes.last_mut() {
                ds.push(l);
            }
            let iteration = vec![TStmt::Assign(
                TExpr::new(K::Local(l), ty.clone(), line),
                TExpr::new(K::Move(hold), ty, line),
            )];
            self.finish_loop_scoped(cond, head, Some(iteration), body, else_body, out);
            return;
        } else {
            let next = self.ref_result(next);
            self.bind_loop_var(target, next, span, &mut head);
        }
        let head = self.stop_on_error(head, raised);
        // (`for x in xs` with `xs: List[T]`: `x` is a `T`, `generic_copies.rs`.)
        self.note_generic_loop_var(target, generic);
        self.finish_loop(cond, head, body, else_body, out);
    }

    /// One step of a struct iterator `it` (a place): the loop's condition (`__has_next__()`
    /// of an iterator written for older Mojo, else `True`), the `__next__()` call, and the
    /// type of the error that call raises (`StopIteration`), if any.
    pub(crate) fn protocol_step(
        &mut self,
        it: TExpr,
        span: Span,
    ) -> Option<(TExpr, TExpr, Option<Ty>)> {
        let line = it.line;
        let cond = if self.has_method(&it.ty, "__has_next__") {
            let cond = self.dunder_call(it.clone(), "__has_next__", Vec::new(), span)?;
            self.coerce(cond, &Ty::Bool, span)
        } else {
            TExpr::new(K::Bool(true), Ty::Bool, line)
        };
        // `__next__` is called as inside a `try` whose handler ends the loop: the error
        // it raises (`StopIteration`) is the end of the sequence.
        self.try_depth += 1;
        self.try_errors.push(None);
        let next = self.dunder_call(it, "__next__", Vec::new(), span);
        self.try_depth -= 1;
        let raised = self.try_errors.pop().flatten();
        Some((cond, next?, raised))
    }

    /// The statements that bind the next element, run so that an error of type `raised`
    /// (the iterator's `StopIteration`) leaves the loop.
    pub(crate) fn stop_on_error(&mut self, head: Vec<TStmt>, raised: Option<Ty>) -> Vec<TStmt> {
        let Some(err) = raised else {
            return head;
        };
        let l = self.new_local("<error>", err, false);
        let handler = vec![TStmt::Scope {
            locals: vec![l],
            body: vec![TStmt::Break],
        }];
        vec![TStmt::Try {
            body: head,
            handler: Some((Some(l), handler)),
            else_body: Vec::new(),
            finally_body: Vec::new(),
        }]
    }
}
