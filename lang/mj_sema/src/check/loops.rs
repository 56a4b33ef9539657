//! `for` loops, including `@parameter for` unrolled at compile time; they desugar to
//! index-based `while` loops over an iteration plan.

use std::collections::HashMap;

use mj_syntax::ast::{Expr, ExprKind, Stmt, StmtKind};
use mj_syntax::{Diag, Span};

use super::body::FnCx;
use super::{ConstVal, E_COMPTIME, E_MISMATCH};
use crate::tir::{LocalId, TExpr, TExprKind as K, TStmt};
use crate::ty::Ty;

impl FnCx<'_> {
    /// A loop variable `n` that aliases the element (a reference local of type `ptr_ty`):
    /// declared in the function's scope when new, else shadowing in the loop's scope.
    pub(crate) fn bind_ref_loop_var(&mut self, n: &str, ptr_ty: Ty) -> LocalId {
        let l = self.new_local(n, ptr_ty, false);
        self.ref_locals.insert(l);
        if self.lookup_local(n).is_none() {
            self.scopes[0].insert(n.to_string(), l);
        } else if let Some(sc) = self.scopes.last_mut() {
            sc.insert(n.to_string(), l);
        }
        l
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn for_loop(
        &mut self,
        target: &Expr,
        iter: &Expr,
        body: &[Stmt],
        else_body: Option<&[Stmt]>,
        comptime: bool,
        span: Span,
        out: &mut Vec<TStmt>,
    ) {
        let line = self.line(span);
        if comptime {
            self.comptime_for(target, iter, body, out);
            return;
        }
        if self.enumerate_struct(target, iter, body, else_body, span, out) {
            return;
        }
        // for x in range(...)
        if let ExprKind::Call { func, args } = &iter.kind
            && matches!(&func.kind, ExprKind::Name(n) if n == "range" && self.lookup_local(n).is_none())
            && self.int_range_args(args)
        {
            let mut vals: Vec<TExpr> = Vec::new();
            for a in args {
                let v = self.expr(&a.value, Some(&Ty::INT));
                vals.push(self.coerce(v, &Ty::INT, a.value.span));
            }
            let int = |v: i128| TExpr::new(K::Int(v), Ty::INT, line);
            let (start, stop, step) = match vals.len() {
                1 => (int(0), vals.remove(0), int(1)),
                2 => {
                    let s = vals.remove(0);
                    (s, vals.remove(0), int(1))
                }
                3 => {
                    let s = vals.remove(0);
                    let e = vals.remove(0);
                    (s, e, vals.remove(0))
                }
                n => {
                    let msg = format!("`range` takes 1 to 3 arguments, found {n}");
                    self.error(Diag::error(super::E_ARITY, msg, iter.span));
                    return;
                }
            };
            let (s1, i) = self.temp(start);
            let (s2, stop) = self.temp(stop);
            let step_const = match &step.kind {
                K::Int(v) => Some(*v),
                _ => None,
            };
            if step_const == Some(0) {
                self.error(Diag::error(
                    E_MISMATCH,
                    "`range` step must not be zero",
                    iter.span,
                ));
            }
            let (s3, step) = self.temp(step);
            out.extend([s1, s2, s3]);
            if step_const.is_none() {
                // A zero step known only at run time would never end: it raises an
                // `Error` where one can be raised (Python raises `ValueError`), and stops
                // the program elsewhere (Mojo's `range` asserts).
                const MSG: &str = "range() step must not be zero";
                let nonzero = TExpr::new(
                    K::Cmp(
                        crate::tir::TCmp::Ne,
                        Box::new(step.clone()),
                        Box::new(int(0)),
                    ),
                    Ty::Bool,
                    line,
                );
                let fail = if self.can_raise_error() {
                    self.check_may_raise("`range` with a zero step", iter.span);
                    TStmt::Raise(TExpr::new(K::Str(MSG.into()), Ty::Error, line))
                } else {
                    TStmt::Abort(line, MSG.into())
                };
                out.push(TStmt::If(nonzero, Vec::new(), vec![fail]));
            }
            let lt = TExpr::new(
                K::Cmp(
                    crate::tir::TCmp::Lt,
                    Box::new(i.clone()),
                    Box::new(stop.clone()),
                ),
                Ty::Bool,
                line,
            );
            let gt = TExpr::new(
                K::Cmp(
                    crate::tir::TCmp::Gt,
                    Box::new(i.clone()),
                    Box::new(stop.clone()),
                ),
                Ty::Bool,
                line,
            );
            let cond = match step_const {
                Some(v) if v > 0 => lt,
                Some(_) => gt,
                None => {
                    let pos = TExpr::new(
                        K::Cmp(
                            crate::tir::TCmp::Gt,
                            Box::new(step.clone()),
                            Box::new(int(0)),
                        ),
                        Ty::Bool,
                        line,
                    );
                    TExpr::new(
                        K::IfExp(Box::new(pos), Box::new(lt), Box::new(gt)),
                        Ty::Bool,
                        line,
                    )
                }
            };
            let mut b = Vec::new();
            self.scopes.push(HashMap::new());
            self.assign_value(target, i.clone(), iter.span, &mut b);
            let inc = TExpr::new(
                K::Binary(crate::tir::TBin::Add, Box::new(i.clone()), Box::new(step)),
                Ty::INT,
                line,
            );
            b.push(TStmt::Assign(i.clone(), inc));
            self.finish_loop(cond, b, body, else_body, out);
            return;
        }
        let it = self.expr(iter, None);
        self.iterate(target, it, iter.span, body, else_body, out);
    }

    /// `for i, x in enumerate(v)` over a struct (a `Dict`, a `Set`, a view, a user
    /// iterator): `$i = start - 1; for $x in v: $i += 1; i, x = ($i, $x); body`. (Lists and
    /// strings keep the built-in `enumerate`.) Returns false when this is not that loop.
    fn enumerate_struct(
        &mut self,
        target: &Expr,
        iter: &Expr,
        body: &[Stmt],
        else_body: Option<&[Stmt]>,
        span: Span,
        out: &mut Vec<TStmt>,
    ) -> bool {
        use mj_syntax::ast::{BinOp, Ident};
        let ExprKind::Call { func, args } = &iter.kind else {
            return false;
        };
        if !matches!(&func.kind, ExprKind::Name(n) if n == "enumerate"
            && self.lookup_local(n).is_none()
            && !self.cx.modules[self.m].scope.contains_key(n))
        {
            return false;
        }
        let Some(src) = args.iter().find(|a| a.name.is_none()) else {
            return false;
        };
        let t = self.on_the_side(|fx| fx.expr(&src.value, None)).ty;
        if !matches!(t, Ty::Struct(..)) || self.is_library_list(&t) {
            return false;
        }
        let at = |k: ExprKind| Expr { kind: k, span };
        let name = |n: &str| at(ExprKind::Name(n.to_string()));
        let k = self.locals.len();
        let (iv, xv) = (format!("$enum_i{k}"), format!("$enum_x{k}"));
        let start = args
            .iter()
            .find(|a| a.name.as_ref().is_some_and(|n| n.name == "start"))
            .map(|a| a.value.clone())
            .unwrap_or_else(|| at(ExprKind::Int(0)));
        let first = at(ExprKind::Binary {
            op: BinOp::Sub,
            lhs: Box::new(start),
            rhs: Box::new(at(ExprKind::Int(1))),
        });
        let stmt = |k: StmtKind| Stmt { kind: k, span };
        let mut inner = vec![
            stmt(StmtKind::AugAssign {
                target: name(&iv),
                op: BinOp::Add,
                value: at(ExprKind::Int(1)),
            }),
            // (The element is copied: it may be a reference into the collection.)
            stmt(StmtKind::Assign {
                targets: vec![target.clone()],
                value: at(ExprKind::Tuple(vec![
                    name(&iv),
                    at(ExprKind::Call {
                        func: Box::new(at(ExprKind::Attr {
                            base: Box::new(name(&xv)),
                            name: Ident {
                                name: "copy".into(),
                                span,
                            },
                        })),
                        args: Vec::new(),
                    }),
                ])),
            }),
        ];
        inner.extend(body.iter().cloned());
        let prog = [
            stmt(StmtKind::Var {
                name: Ident {
                    name: iv.clone(),
                    span,
                },
                ty: None,
                value: Some(first),
                is_ref: false,
            }),
            stmt(StmtKind::For {
                target: name(&xv),
                iter: src.value.clone(),
                body: inner,
                else_body: else_body.map(<[Stmt]>::to_vec),
                comptime: false,
            }),
        ];
        for st in &prog {
            self.stmt(st, out);
        }
        true
    }

    /// Whether `range(args)` counts `Int`s (a counted loop); other bounds (`UInt8`,
    /// `Float64`) make the library's range structs (`std.builtin.range`).
    fn int_range_args(&mut self, args: &[mj_syntax::ast::Arg]) -> bool {
        match self.cx.modules[self.m].scope.get("range") {
            Some(super::Item::Func(id)) => {
                // (A `range` of the user's own is an ordinary function.)
                let m = self.cx.funcs[id.0 as usize].module;
                if self.cx.modules[m].input.name != "std.builtin.range" {
                    return false;
                }
            }
            _ => return true,
        }
        args.iter().all(|a| {
            a.name.is_none() && {
                let t = self.on_the_side(|fx| fx.expr(&a.value, Some(&Ty::INT))).ty;
                t == Ty::INT || t.is_unknown()
            }
        })
    }

    /// Desugars iteration over a List, String, Dict (keys), or the views `keys()`,
    /// `values()`, `items()`, `enumerate(...)` and `reversed(...)` into a `while` loop.
    #[allow(clippy::too_many_arguments)]
    pub fn iterate(
        &mut self,
        target: &Expr,
        it: TExpr,
        span: Span,
        body: &[Stmt],
        else_body: Option<&[Stmt]>,
        out: &mut Vec<TStmt>,
    ) {
        // A user struct iterates through `__iter__` (`iter_protocol.rs`).
        let generic = self.generic_elements(&it);
        let Some(it) = self.struct_iterator(it, span) else {
            return;
        };
        if let Ty::Struct(..) = it.ty {
            self.iterate_protocol(target, it, span, body, else_body, generic, out);
            return;
        }
        let line = it.line;
        // (`for x in xs` with `xs: List[T]`: `x` is a `T`, `generic_copies.rs`.)
        let generic = self.generic_elements(&it);
        let plan = super::builtins::iteration_plan(self, it, span);
        let Some(plan) = plan else { return };
        // (A new collection, like `s.split()`, is released after the loop.)
        let coll = self.spill_to(plan.collection, out);
        let int = |v: i128| TExpr::new(K::Int(v), Ty::INT, line);
        let (s2, idx) = self.temp(int(0));
        out.push(s2);
        let count = (plan.count)(self, coll.clone());
        let cond = TExpr::new(
            K::Cmp(crate::tir::TCmp::Lt, Box::new(idx.clone()), Box::new(count)),
            Ty::Bool,
            line,
        );
        let mut b = Vec::new();
        let (s3, cur) = self.temp(idx.clone());
        b.push(s3);
        let inc = TExpr::new(
            K::Binary(
                crate::tir::TBin::Add,
                Box::new(idx.clone()),
                Box::new(int(1)),
            ),
            Ty::INT,
            line,
        );
        b.push(TStmt::Assign(idx, inc));
        if let Some(skip) = (plan.skip)(self, coll.clone(), cur.clone()) {
            b.push(TStmt::If(skip, vec![TStmt::Continue], Vec::new()));
        }
        let elem = (plan.element)(self, coll, cur);
        self.scopes.push(HashMap::new());
        self.bind_loop_var(target, elem, span, &mut b);
        self.note_generic_loop_var(target, generic);
        self.finish_loop(cond, b, body, else_body, out);
    }

    /// Appends the user's loop body to the desugared `head` statements (which bind the loop
    /// variable in a scope the caller pushed), closes that scope and emits the `while`.
    pub(super) fn finish_loop(
        &mut self,
        cond: TExpr,
        head: Vec<TStmt>,
        body: &[Stmt],
        else_body: Option<&[Stmt]>,
        out: &mut Vec<TStmt>,
    ) {
        self.finish_loop_scoped(cond, head, None, body, else_body, out);
    }

    /// [`Self::finish_loop`] where `iteration` (when given) opens a drop scope the caller
    /// has pushed (`open_scope`): those statements and the body form one scope per
    /// iteration, which destroys what it declared (an owned loop variable) at its end.
    pub(super) fn finish_loop_scoped(
        &mut self,
        cond: TExpr,
        mut head: Vec<TStmt>,
        iteration: Option<Vec<TStmt>>,
        body: &[Stmt],
        else_body: Option<&[Stmt]>,
        out: &mut Vec<TStmt>,
    ) {
        self.loop_depth += 1;
        let block = self.block(body);
        match iteration {
            Some(mut iteration) => {
                iteration.extend(block);
                head.extend(self.close_scope(iteration));
            }
            None => head.extend(block),
        }
        self.loop_depth -= 1;
        self.scopes.pop();
        let else_body = else_body.map(|e| self.block(e)).unwrap_or_default();
        out.push(TStmt::While {
            cond,
            body: head,
            else_body,
        });
    }

    fn comptime_for(&mut self, target: &Expr, iter: &Expr, body: &[Stmt], out: &mut Vec<TStmt>) {
        let ExprKind::Name(var) = &target.kind else {
            self.error(Diag::error(
                E_COMPTIME,
                "`comptime for` needs a single name",
                target.span,
            ));
            return;
        };
        // `comptime for x in LIST` over a compile-time list (of values or types).
        // (`reversed(range(...))` walks the same bounds backward.)
        let (range_call, backward) = match &iter.kind {
            ExprKind::Call { func, args }
                if matches!(&func.kind, ExprKind::Name(n) if n == "reversed")
                    && args.len() == 1 =>
            {
                (&args[0].value, true)
            }
            _ => (iter, false),
        };
        let is_range = matches!(&range_call.kind, ExprKind::Call { func, .. }
            if matches!(&func.kind, ExprKind::Name(n) if n == "range"));
        if !is_range && let Some(ConstVal::List(items, _)) = self.comptime_value(iter) {
            if let Some(sp) = runtime_continue(body) {
                let msg = "`continue` in a run-time branch of a `comptime for` is not supported";
                self.error(Diag::error(super::E_UNSUPPORTED, msg, sp));
                return;
            }
            self.ct_for_depth.push(self.loop_depth);
            for v in items.iter() {
                let saved = self.consts.insert(var.clone(), v.clone());
                out.push(TStmt::Block(self.block(body)));
                self.ct_skip = false;
                match saved {
                    Some(v) => self.consts.insert(var.clone(), v),
                    None => self.consts.remove(var),
                };
            }
            self.ct_for_depth.pop();
            return;
        }
        // The element type is the bounds' (`range(UInt8(10))` counts `UInt8`s).
        let mut elem_ty = Ty::INT;
        let bounds: Option<Vec<i128>> = match &range_call.kind {
            ExprKind::Call { func, args } if is_range => args
                .iter()
                .enumerate()
                .map(|(k, a)| match self.comptime_value(&a.value) {
                    Some(ConstVal::Int(i, t)) => {
                        if k == 0 {
                            elem_ty = t;
                        }
                        Some(i)
                    }
                    _ => None,
                })
                .collect(),
            _ => None,
        };
        let (start, stop, step) = match bounds.as_deref() {
            Some([e]) => (0, *e, 1),
            Some([s, e]) => (*s, *e, 1),
            Some([s, e, st]) if *st != 0 => (*s, *e, *st),
            _ => {
                self.error(Diag::error(
                    E_COMPTIME,
                    "`comptime for` needs `range` with compile-time bounds",
                    iter.span,
                ));
                return;
            }
        };
        if let Some(sp) = runtime_continue(body) {
            let msg = "`continue` in a run-time branch of a `comptime for` is not supported";
            self.error(Diag::error(super::E_UNSUPPORTED, msg, sp).with_hint(
                "a `continue` directly in the loop or under `comptime if` skips the rest of the unrolled iteration",
            ));
            return;
        }
        let mut values = Vec::new();
        let mut i = start;
        while (step > 0 && i < stop) || (step < 0 && i > stop) {
            if values.len() == 4096 {
                self.error(Diag::error(
                    E_COMPTIME,
                    "`comptime for` unrolls more than 4096 times",
                    iter.span,
                ));
                return;
            }
            values.push(i);
            i += step;
        }
        if backward {
            values.reverse();
        }
        self.ct_for_depth.push(self.loop_depth);
        for i in values {
            let saved = self
                .consts
                .insert(var.clone(), ConstVal::Int(i, elem_ty.clone()));
            out.push(TStmt::Block(self.block(body)));
            self.ct_skip = false;
            match saved {
                Some(v) => self.consts.insert(var.clone(), v),
                None => self.consts.remove(var),
            };
        }
        self.ct_for_depth.pop();
    }
}

/// A `continue` of a `comptime for` body that sits under a run-time branch (`if`, `try`,
/// ...) rather than directly in the body or under `comptime if`: its span.
fn runtime_continue(body: &[Stmt]) -> Option<mj_syntax::Span> {
    fn any_continue(stmts: &[Stmt]) -> Option<mj_syntax::Span> {
        for s in stmts {
            let found = match &s.kind {
                StmtKind::Continue => Some(s.span),
                StmtKind::If {
                    branches,
                    else_body,
                    ..
                } => branches
                    .iter()
                    .find_map(|(_, b)| any_continue(b))
                    .or_else(|| else_body.as_deref().and_then(any_continue)),
                StmtKind::Try {
                    body,
                    handlers,
                    else_body,
                    finally_body,
                } => any_continue(body)
                    .or_else(|| handlers.iter().find_map(|h| any_continue(&h.body)))
                    .or_else(|| else_body.as_deref().and_then(any_continue))
                    .or_else(|| finally_body.as_deref().and_then(any_continue)),
                StmtKind::With { body, .. } => any_continue(body),
                StmtKind::Match { arms, .. } => arms.iter().find_map(|a| any_continue(&a.body)),
                _ => None,
            };
            if found.is_some() {
                return found;
            }
        }
        None
    }
    for s in body {
        let found = match &s.kind {
            StmtKind::If {
                branches,
                else_body,
                comptime: true,
            } => branches
                .iter()
                .find_map(|(_, b)| runtime_continue(b))
                .or_else(|| else_body.as_deref().and_then(runtime_continue)),
            StmtKind::If { .. }
            | StmtKind::Try { .. }
            | StmtKind::With { .. }
            | StmtKind::Match { .. } => any_continue(std::slice::from_ref(s)),
            _ => None,
        };
        if found.is_some() {
            return found;
        }
    }
    None
}
