//! Moving a tree's spans: every `Span` of a statement, mutably, in one walk. The editor's
//! database stores an item's tree at a place of its own (`mj_sema::db`'s item positions),
//! so that a tree does not change when an edit before its item moves the text.
//!
//! The walk names every field of every node (no `..`), so a new node or field with a
//! span does not compile until it is handled here.

use crate::ast::*;
use crate::{Diag, Span};

/// Adds `delta` to every span of `s` (wrapping: the editor's item positions sit at the
/// top of the range).
pub fn shift_stmt(s: &mut Stmt, delta: u32) {
    if delta != 0 {
        stmt_spans(s, &mut |sp| shift_span(sp, delta));
    }
}

/// Adds `delta` to a diagnostic's span and its labels' spans.
pub fn shift_diag(d: &mut Diag, delta: u32) {
    shift_span(&mut d.span, delta);
    d.labels
        .iter_mut()
        .for_each(|l| shift_span(&mut l.span, delta));
}

fn shift_span(sp: &mut Span, delta: u32) {
    sp.start = sp.start.wrapping_add(delta);
    sp.end = sp.end.wrapping_add(delta);
}

/// Calls `f` on every span of `s` (its own, its nodes', its identifiers').
pub fn stmt_spans(s: &mut Stmt, f: &mut dyn FnMut(&mut Span)) {
    f(&mut s.span);
    match &mut s.kind {
        StmtKind::Expr(e) => expr_spans(e, f),
        StmtKind::Var {
            name,
            ty,
            value,
            is_ref: _,
        } => {
            f(&mut name.span);
            opt(ty, f);
            opt(value, f);
        }
        StmtKind::Assign { targets, value } => {
            targets.iter_mut().for_each(|t| expr_spans(t, f));
            expr_spans(value, f);
        }
        StmtKind::AnnAssign { target, ty, value } => {
            f(&mut target.span);
            expr_spans(ty, f);
            opt(value, f);
        }
        StmtKind::AugAssign {
            target,
            op: _,
            value,
        } => {
            expr_spans(target, f);
            expr_spans(value, f);
        }
        StmtKind::Comptime {
            name,
            params,
            ty,
            value,
        } => {
            f(&mut name.span);
            params.iter_mut().for_each(|p| generic_spans(p, f));
            opt(ty, f);
            expr_spans(value, f);
        }
        StmtKind::Assert {
            cond,
            msg,
            comptime: _,
        } => {
            expr_spans(cond, f);
            opt(msg, f);
        }
        StmtKind::If {
            branches,
            else_body,
            comptime: _,
        } => {
            for (c, b) in branches {
                expr_spans(c, f);
                block(b, f);
            }
            opt_block(else_body, f);
        }
        StmtKind::While {
            cond,
            body,
            else_body,
        } => {
            expr_spans(cond, f);
            block(body, f);
            opt_block(else_body, f);
        }
        StmtKind::For {
            target,
            iter,
            body,
            else_body,
            comptime: _,
        } => {
            expr_spans(target, f);
            expr_spans(iter, f);
            block(body, f);
            opt_block(else_body, f);
        }
        StmtKind::Break | StmtKind::Continue | StmtKind::Pass | StmtKind::Error => {}
        StmtKind::Return(e) | StmtKind::Raise(e) => opt(e, f),
        StmtKind::Try {
            body,
            handlers,
            else_body,
            finally_body,
        } => {
            block(body, f);
            for h in handlers {
                let ExceptHandler {
                    ty,
                    name,
                    body,
                    span,
                } = h;
                opt(ty, f);
                if let Some(n) = name {
                    f(&mut n.span);
                }
                block(body, f);
                f(span);
            }
            opt_block(else_body, f);
            opt_block(finally_body, f);
        }
        StmtKind::Match { subject, arms } => {
            expr_spans(subject, f);
            for a in arms {
                let MatchArm {
                    pattern,
                    guard,
                    body,
                    span,
                } = a;
                expr_spans(pattern, f);
                opt(guard, f);
                block(body, f);
                f(span);
            }
        }
        StmtKind::With { items, body } => {
            for (e, n) in items {
                expr_spans(e, f);
                if let Some(n) = n {
                    f(&mut n.span);
                }
            }
            block(body, f);
        }
        StmtKind::Def(d) => def_spans(d, f),
        StmtKind::Struct(sd) => {
            let StructDef {
                decorators,
                name,
                params,
                traits,
                trait_where,
                docstring: _,
                body,
                span,
            } = sd;
            decorator_spans(decorators, f);
            f(&mut name.span);
            params.iter_mut().for_each(|p| generic_spans(p, f));
            traits.iter_mut().for_each(|t| expr_spans(t, f));
            trait_where.iter_mut().for_each(|w| opt(w, f));
            block(body, f);
            f(span);
        }
        StmtKind::Trait(td) => {
            let TraitDef {
                decorators,
                name,
                parents,
                docstring: _,
                body,
                span,
            } = td;
            decorator_spans(decorators, f);
            f(&mut name.span);
            parents.iter_mut().for_each(|p| expr_spans(p, f));
            block(body, f);
            f(span);
        }
        StmtKind::Import { path, alias } => {
            path.iter_mut().for_each(|i| f(&mut i.span));
            if let Some(a) = alias {
                f(&mut a.span);
            }
        }
        StmtKind::FromImport {
            level: _,
            module,
            names,
            star: _,
        } => {
            module.iter_mut().for_each(|i| f(&mut i.span));
            for (n, a) in names {
                f(&mut n.span);
                if let Some(a) = a {
                    f(&mut a.span);
                }
            }
        }
    }
}

fn def_spans(d: &mut FnDef, f: &mut dyn FnMut(&mut Span)) {
    let FnDef {
        decorators,
        keyword: _,
        name,
        params,
        args,
        raises: _,
        raises_ty,
        ret,
        where_clause,
        ret_ref: _,
        captures,
        fn_value_args: _,
        docstring: _,
        body,
        span,
    } = d;
    decorator_spans(decorators, f);
    f(&mut name.span);
    params.iter_mut().for_each(|p| generic_spans(p, f));
    for p in args {
        let Param {
            convention: _,
            kind: _,
            name,
            ty,
            default,
            span,
        } = p;
        f(&mut name.span);
        opt(ty, f);
        opt(default, f);
        f(span);
    }
    opt(raises_ty, f);
    opt(ret, f);
    opt(where_clause, f);
    for c in captures.iter_mut().flatten() {
        let Capture {
            kind: _,
            name,
            span,
        } = c;
        if let Some(n) = name {
            f(&mut n.span);
        }
        f(span);
    }
    block(body, f);
    f(span);
}

fn decorator_spans(ds: &mut [Decorator], f: &mut dyn FnMut(&mut Span)) {
    for d in ds {
        expr_spans(&mut d.expr, f);
        f(&mut d.span);
    }
}

fn generic_spans(p: &mut GenericParam, f: &mut dyn FnMut(&mut Span)) {
    let GenericParam {
        name,
        ty,
        default,
        mode: _,
        variadic: _,
        span,
    } = p;
    f(&mut name.span);
    opt(ty, f);
    opt(default, f);
    f(span);
}

fn block(b: &mut [Stmt], f: &mut dyn FnMut(&mut Span)) {
    b.iter_mut().for_each(|s| stmt_spans(s, f));
}

fn opt_block(b: &mut Option<Vec<Stmt>>, f: &mut dyn FnMut(&mut Span)) {
    if let Some(b) = b {
        block(b, f);
    }
}

fn opt(e: &mut Option<Expr>, f: &mut dyn FnMut(&mut Span)) {
    if let Some(e) = e {
        expr_spans(e, f);
    }
}

fn opt_box(e: &mut Option<Box<Expr>>, f: &mut dyn FnMut(&mut Span)) {
    if let Some(e) = e {
        expr_spans(e, f);
    }
}

fn args(a: &mut [Arg], f: &mut dyn FnMut(&mut Span)) {
    for a in a {
        if let Some(n) = &mut a.name {
            f(&mut n.span);
        }
        expr_spans(&mut a.value, f);
        f(&mut a.span);
    }
}

fn comp_spans(
    target: &mut Expr,
    iter: &mut Expr,
    cond: &mut Option<Box<Expr>>,
    more: &mut [CompFor],
    f: &mut dyn FnMut(&mut Span),
) {
    expr_spans(target, f);
    expr_spans(iter, f);
    opt_box(cond, f);
    for c in more {
        expr_spans(&mut c.target, f);
        expr_spans(&mut c.iter, f);
        opt(&mut c.cond, f);
    }
}

/// Calls `f` on every span of `e`.
pub fn expr_spans(e: &mut Expr, f: &mut dyn FnMut(&mut Span)) {
    f(&mut e.span);
    match &mut e.kind {
        ExprKind::Int(_)
        | ExprKind::Float(_)
        | ExprKind::Str(_)
        | ExprKind::Bool(_)
        | ExprKind::None
        | ExprKind::Ellipsis
        | ExprKind::Name(_)
        | ExprKind::Error => {}
        ExprKind::FString(parts) => {
            for p in parts {
                if let FStringPart::Expr {
                    expr,
                    conversion: _,
                    spec: _,
                } = p
                {
                    expr_spans(expr, f);
                }
            }
        }
        ExprKind::Attr { base, name } => {
            expr_spans(base, f);
            f(&mut name.span);
        }
        ExprKind::Call {
            func: base,
            args: a,
        }
        | ExprKind::Index { base, args: a } => {
            expr_spans(base, f);
            args(a, f);
        }
        ExprKind::InitList(a) => args(a, f),
        ExprKind::Slice { lo, hi, step } => {
            opt_box(lo, f);
            opt_box(hi, f);
            opt_box(step, f);
        }
        ExprKind::Unary { op: _, expr } | ExprKind::Transfer(expr) => expr_spans(expr, f),
        ExprKind::Binary { op: _, lhs, rhs } => {
            expr_spans(lhs, f);
            expr_spans(rhs, f);
        }
        ExprKind::Compare { first, rest } => {
            expr_spans(first, f);
            rest.iter_mut().for_each(|(_, e)| expr_spans(e, f));
        }
        ExprKind::IfExp {
            cond,
            then,
            otherwise,
        } => {
            expr_spans(cond, f);
            expr_spans(then, f);
            expr_spans(otherwise, f);
        }
        ExprKind::List(xs) | ExprKind::Tuple(xs) | ExprKind::Set(xs) => {
            xs.iter_mut().for_each(|x| expr_spans(x, f))
        }
        ExprKind::Dict(kvs) => {
            for (k, v) in kvs {
                expr_spans(k, f);
                expr_spans(v, f);
            }
        }
        ExprKind::ListComp {
            elt,
            target,
            iter,
            cond,
            more,
        }
        | ExprKind::SetComp {
            elt,
            target,
            iter,
            cond,
            more,
        } => {
            expr_spans(elt, f);
            comp_spans(target, iter, cond, more, f);
        }
        ExprKind::DictComp {
            key,
            value,
            target,
            iter,
            cond,
            more,
        } => {
            expr_spans(key, f);
            expr_spans(value, f);
            comp_spans(target, iter, cond, more, f);
        }
        ExprKind::FnType {
            params,
            ret,
            raises: _,
        } => {
            params.iter_mut().for_each(|p| expr_spans(p, f));
            opt_box(ret, f);
        }
        ExprKind::Lambda { params, body } => {
            params.iter_mut().for_each(|p| f(&mut p.span));
            expr_spans(body, f);
        }
    }
}
