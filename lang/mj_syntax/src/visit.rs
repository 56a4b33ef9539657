//! Read-only traversal of syntax trees: every expression of a block, nested ones included
//! (the statements of nested blocks too, but not the bodies of nested `def`s, structs or
//! traits, which are scopes of their own). For checks that look for a shape of code
//! without type information (the compiler's check of generic bodies against their trait
//! bounds, for one).

use crate::ast::{CompFor, Expr, ExprKind, FStringPart, Stmt, StmtKind};

/// Calls `f` on every expression in `stmts`, parents before children.
pub fn walk_exprs<'a>(stmts: &'a [Stmt], f: &mut dyn FnMut(&'a Expr)) {
    for s in stmts {
        walk_stmt(s, f);
    }
}

fn walk_stmt<'a>(s: &'a Stmt, f: &mut dyn FnMut(&'a Expr)) {
    let opt = |e: &'a Option<Expr>, f: &mut dyn FnMut(&'a Expr)| {
        if let Some(e) = e {
            walk_expr(e, f);
        }
    };
    let block = |b: &'a Option<Vec<Stmt>>, f: &mut dyn FnMut(&'a Expr)| {
        if let Some(b) = b {
            walk_exprs(b, f);
        }
    };
    match &s.kind {
        StmtKind::Expr(e) | StmtKind::Return(Some(e)) | StmtKind::Raise(Some(e)) => walk_expr(e, f),
        StmtKind::Var { ty, value, .. } => {
            opt(ty, f);
            opt(value, f);
        }
        StmtKind::Assign { targets, value } => {
            targets.iter().for_each(|t| walk_expr(t, f));
            walk_expr(value, f);
        }
        StmtKind::AnnAssign { ty, value, .. } => {
            walk_expr(ty, f);
            opt(value, f);
        }
        StmtKind::AugAssign { target, value, .. } => {
            walk_expr(target, f);
            walk_expr(value, f);
        }
        StmtKind::Comptime { ty, value, .. } => {
            opt(ty, f);
            walk_expr(value, f);
        }
        StmtKind::Assert { cond, msg, .. } => {
            walk_expr(cond, f);
            opt(msg, f);
        }
        StmtKind::If {
            branches,
            else_body,
            ..
        } => {
            for (c, b) in branches {
                walk_expr(c, f);
                walk_exprs(b, f);
            }
            block(else_body, f);
        }
        StmtKind::While {
            cond,
            body,
            else_body,
        } => {
            walk_expr(cond, f);
            walk_exprs(body, f);
            block(else_body, f);
        }
        StmtKind::For {
            target,
            iter,
            body,
            else_body,
            ..
        } => {
            walk_expr(target, f);
            walk_expr(iter, f);
            walk_exprs(body, f);
            block(else_body, f);
        }
        StmtKind::Try {
            body,
            handlers,
            else_body,
            finally_body,
        } => {
            walk_exprs(body, f);
            for h in handlers {
                opt(&h.ty, f);
                walk_exprs(&h.body, f);
            }
            block(else_body, f);
            block(finally_body, f);
        }
        StmtKind::Match { subject, arms } => {
            walk_expr(subject, f);
            for a in arms {
                walk_expr(&a.pattern, f);
                opt(&a.guard, f);
                walk_exprs(&a.body, f);
            }
        }
        StmtKind::With { items, body } => {
            items.iter().for_each(|(e, _)| walk_expr(e, f));
            walk_exprs(body, f);
        }
        StmtKind::Return(None)
        | StmtKind::Raise(None)
        | StmtKind::Break
        | StmtKind::Continue
        | StmtKind::Pass
        | StmtKind::Def(_)
        | StmtKind::Struct(_)
        | StmtKind::Trait(_)
        | StmtKind::Import { .. }
        | StmtKind::FromImport { .. }
        | StmtKind::Error => {}
    }
}

/// Calls `f` on every expression of a module: its statements and the bodies of its
/// functions, structs and traits (nested ones too).
pub fn walk_module_exprs(stmts: &[Stmt], f: &mut dyn FnMut(&Expr)) {
    walk_exprs(stmts, f);
    for s in stmts {
        match &s.kind {
            StmtKind::Def(d) => walk_module_exprs(&d.body, f),
            StmtKind::Struct(d) => walk_module_exprs(&d.body, f),
            StmtKind::Trait(d) => walk_module_exprs(&d.body, f),
            _ => {}
        }
    }
}

/// Calls `f` on every statement of a module: nested blocks and the bodies of functions,
/// structs and traits included, parents before children.
pub fn walk_module_stmts(stmts: &[Stmt], f: &mut dyn FnMut(&Stmt)) {
    for s in stmts {
        f(s);
        let mut nested = blocks(s);
        match &s.kind {
            StmtKind::Def(d) => nested.push(&d.body),
            StmtKind::Struct(d) => nested.push(&d.body),
            StmtKind::Trait(d) => nested.push(&d.body),
            _ => {}
        }
        for b in nested {
            walk_module_stmts(b, f);
        }
    }
}

/// The blocks of a compound statement (`if`, loops, `try`, `match`, `with`): not the
/// bodies of `def`s, structs or traits, which are scopes of their own.
pub fn blocks(s: &Stmt) -> Vec<&[Stmt]> {
    let mut v: Vec<&[Stmt]> = Vec::new();
    match &s.kind {
        StmtKind::If {
            branches,
            else_body,
            ..
        } => {
            v.extend(branches.iter().map(|(_, b)| b.as_slice()));
            v.extend(else_body.as_deref());
        }
        StmtKind::While {
            body, else_body, ..
        }
        | StmtKind::For {
            body, else_body, ..
        } => {
            v.push(body);
            v.extend(else_body.as_deref());
        }
        StmtKind::Try {
            body,
            handlers,
            else_body,
            finally_body,
        } => {
            v.push(body);
            v.extend(handlers.iter().map(|h| h.body.as_slice()));
            v.extend(else_body.as_deref());
            v.extend(finally_body.as_deref());
        }
        StmtKind::Match { arms, .. } => v.extend(arms.iter().map(|a| a.body.as_slice())),
        StmtKind::With { body, .. } => v.push(body),
        _ => {}
    }
    v
}

/// The `import`/`from ... import` statements inside the functions of a module (Mojo
/// allows them there, as Python does).
pub fn body_imports(module: &[Stmt]) -> Vec<Stmt> {
    let mut out = Vec::new();
    for s in module {
        if matches!(
            s.kind,
            StmtKind::Import { .. } | StmtKind::FromImport { .. }
        ) {
            continue;
        }
        walk_module_stmts(std::slice::from_ref(s), &mut |st| {
            if matches!(
                st.kind,
                StmtKind::Import { .. } | StmtKind::FromImport { .. }
            ) {
                out.push(st.clone());
            }
        });
    }
    out
}

/// Calls `f` on `e` and every expression inside it, parents before children.
pub fn walk_expr<'a>(e: &'a Expr, f: &mut dyn FnMut(&'a Expr)) {
    f(e);
    match &e.kind {
        ExprKind::Attr { base, .. } | ExprKind::Transfer(base) => walk_expr(base, f),
        ExprKind::Unary { expr, .. } => walk_expr(expr, f),
        ExprKind::Call { func: base, args } | ExprKind::Index { base, args } => {
            walk_expr(base, f);
            args.iter().for_each(|a| walk_expr(&a.value, f));
        }
        ExprKind::InitList(args) => args.iter().for_each(|a| walk_expr(&a.value, f)),
        ExprKind::Slice { lo, hi, step } => {
            for x in [lo, hi, step].into_iter().flatten() {
                walk_expr(x, f);
            }
        }
        ExprKind::Binary { lhs, rhs, .. } => {
            walk_expr(lhs, f);
            walk_expr(rhs, f);
        }
        ExprKind::Compare { first, rest } => {
            walk_expr(first, f);
            rest.iter().for_each(|(_, x)| walk_expr(x, f));
        }
        ExprKind::IfExp {
            cond,
            then,
            otherwise,
        } => {
            walk_expr(cond, f);
            walk_expr(then, f);
            walk_expr(otherwise, f);
        }
        ExprKind::List(xs) | ExprKind::Tuple(xs) | ExprKind::Set(xs) => {
            xs.iter().for_each(|x| walk_expr(x, f))
        }
        ExprKind::Dict(kv) => kv.iter().for_each(|(k, v)| {
            walk_expr(k, f);
            walk_expr(v, f);
        }),
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
            walk_expr(elt, f);
            walk_expr(target, f);
            walk_expr(iter, f);
            if let Some(c) = cond {
                walk_expr(c, f);
            }
            walk_comp_fors(more, f);
        }
        ExprKind::DictComp {
            key,
            value,
            target,
            iter,
            cond,
            more,
        } => {
            walk_expr(key, f);
            walk_expr(value, f);
            walk_expr(target, f);
            walk_expr(iter, f);
            if let Some(c) = cond {
                walk_expr(c, f);
            }
            walk_comp_fors(more, f);
        }
        ExprKind::FString(parts) => {
            for p in parts {
                if let FStringPart::Expr { expr, .. } = p {
                    walk_expr(expr, f);
                }
            }
        }
        ExprKind::FnType { params, ret, .. } => {
            params.iter().for_each(|x| walk_expr(x, f));
            if let Some(r) = ret {
                walk_expr(r, f);
            }
        }
        ExprKind::Lambda { body, .. } => walk_expr(body, f),
        ExprKind::Int(_)
        | ExprKind::Float(_)
        | ExprKind::Str(_)
        | ExprKind::Bool(_)
        | ExprKind::None
        | ExprKind::Ellipsis
        | ExprKind::Name(_)
        | ExprKind::Error => {}
    }
}

/// The further `for` clauses of a comprehension.
fn walk_comp_fors<'a>(more: &'a [CompFor], f: &mut dyn FnMut(&'a Expr)) {
    for c in more {
        walk_expr(&c.target, f);
        walk_expr(&c.iter, f);
        if let Some(x) = &c.cond {
            walk_expr(x, f);
        }
    }
}
