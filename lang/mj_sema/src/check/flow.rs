//! Definite-initialization flow: the state of possibly uninitialized or moved locals,
//! merged across branches and loop bodies, and whether a block always leaves its function.

use std::collections::{HashMap, HashSet};

use mj_syntax::Span;
use mj_syntax::ast::{Expr, ExprKind, Stmt, StmtKind};

use super::body::FnCx;
use crate::tir::LocalId;

/// Which locals may be uninitialized or moved-from at the current point. Branches are
/// merged by union, so a value initialized on only one path still counts as uninitialized.
#[derive(Clone, Default)]
pub(crate) struct FlowState {
    pub uninit: HashSet<LocalId>,
    pub moved: HashMap<LocalId, Span>,
    /// Fields of `out` arguments not yet initialized (see `ownership.rs`).
    pub uninit_fields: HashSet<(LocalId, u32)>,
}

impl FlowState {
    pub(super) fn union(mut self, other: &FlowState) -> FlowState {
        self.uninit.extend(other.uninit.iter().copied());
        self.uninit_fields
            .extend(other.uninit_fields.iter().copied());
        for (k, v) in &other.moved {
            self.moved.entry(*k).or_insert(*v);
        }
        self
    }
}

/// Whether control can never fall off the end of this statement list.
pub(super) fn always_exits(stmts: &[Stmt]) -> bool {
    stmts.iter().any(|s| match &s.kind {
        StmtKind::Return(_) | StmtKind::Raise(_) => true,
        StmtKind::If {
            branches,
            else_body: Some(e),
            ..
        } => branches.iter().all(|(_, b)| always_exits(b)) && always_exits(e),
        StmtKind::While { cond, body, .. } => {
            matches!(cond.kind, ExprKind::Bool(true)) && !contains_break(body)
        }
        StmtKind::Try {
            body,
            handlers,
            finally_body,
            ..
        } => {
            finally_body.as_ref().is_some_and(|f| always_exits(f))
                || (always_exits(body) && handlers.iter().all(|h| always_exits(&h.body)))
        }
        StmtKind::Match { arms, .. } => {
            arms.iter()
                .any(|a| matches!(&a.pattern.kind, ExprKind::Name(n) if n == "_"))
                && arms.iter().all(|a| always_exits(&a.body))
        }
        StmtKind::Expr(e) => is_abort_call(e),
        _ => false,
    })
}

fn is_abort_call(e: &Expr) -> bool {
    matches!(&e.kind, ExprKind::Call { func, .. } if matches!(&func.kind, ExprKind::Name(n) if n == "abort"))
}

fn contains_break(stmts: &[Stmt]) -> bool {
    stmts.iter().any(|s| match &s.kind {
        StmtKind::Break => true,
        StmtKind::If {
            branches,
            else_body,
            ..
        } => {
            branches.iter().any(|(_, b)| contains_break(b))
                || else_body.as_ref().is_some_and(|b| contains_break(b))
        }
        StmtKind::Try {
            body,
            handlers,
            else_body,
            finally_body,
        } => {
            contains_break(body)
                || handlers.iter().any(|h| contains_break(&h.body))
                || else_body.as_ref().is_some_and(|b| contains_break(b))
                || finally_body.as_ref().is_some_and(|b| contains_break(b))
        }
        StmtKind::Match { arms, .. } => arms.iter().any(|a| contains_break(&a.body)),
        StmtKind::With { body, .. } => contains_break(body),
        _ => false,
    })
}

impl FnCx<'_> {
    /// Runs `f` on each alternative path from the current state and merges the states of
    /// the paths that fall through; `exhaustive` is false when the paths may all be skipped.
    pub fn branches<T>(
        &mut self,
        n: usize,
        exhaustive: bool,
        mut f: impl FnMut(&mut Self, usize) -> T,
    ) -> Vec<T> {
        let before = self.flow.clone();
        let mut merged: Option<FlowState> = if exhaustive {
            None
        } else {
            Some(before.clone())
        };
        let mut out = Vec::new();
        for i in 0..n {
            self.flow = before.clone();
            self.dead = false;
            self.comptime_exit = false;
            out.push(f(self, i));
            if !self.dead {
                merged = Some(match merged {
                    None => self.flow.clone(),
                    Some(m) => m.union(&self.flow),
                });
            }
        }
        match merged {
            Some(m) => {
                self.flow = m;
                self.dead = false;
                self.comptime_exit = false;
            }
            None => {
                self.flow = before;
                self.dead = true;
            }
        }
        out
    }

    /// A loop body may run zero or more times: its effects are merged with the state before.
    pub(super) fn loop_body<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> T {
        let before = self.flow.clone();
        self.loop_enter();
        let r = f(self);
        self.loop_exit(&before);
        self.flow = before.union(&self.flow);
        self.dead = false;
        self.comptime_exit = false;
        r
    }
}
