//! Rewrites of function headers that need no types, done once after parsing.
//!
//! **Function-typed arguments.** Mojo gives every function and closure a type of its own, so
//! a run-time argument whose type is a function signature (`greet: G` with
//! `G: def(String) -> None`, or `func: Some[def(Int) -> None]`) names one function per
//! instance and carries no data the callee could not know statically. The argument becomes a
//! compile-time function parameter of the same name (`[greet: def(String) -> None]`), so
//! calls through it are direct calls and a nested `def` passed there keeps its captures by
//! reference (the machinery of `apply[body](n)`). The call site moves the argument into the
//! compile-time arguments ([`FnDef::fn_value_args`] says which).
//!
//! **`*pack: *SomeTypeList[Trait]`** is `[*pack.Ts: Trait](*pack: *pack.Ts)`.
//!
//! **An `out` argument other than `self`** (`def f(x: Int, out result: T)`) is the
//! function's result, as in Mojo: the argument leaves the argument list, the function
//! returns `T`, its body starts with `var result: T` (uninitialized) and every bare
//! `return` (and the end of the body) returns `result`.

use crate::ast::{
    Convention, Expr, ExprKind, FnDef, FnValueArg, GenericParam, Ident, ParamKind, ParamMode, Stmt,
    StmtKind,
};
use crate::visit::walk_expr;

pub(crate) fn fn_header(def: &mut FnDef) {
    some_type_lists(def);
    fn_value_args(def);
    out_result(def);
}

/// `def f(x: Int, out result: T)` -> `def f(x: Int) -> T` returning `result`.
fn out_result(def: &mut FnDef) {
    if def.ret.is_some() || def.body.is_empty() {
        return;
    }
    let Some(k) = def
        .args
        .iter()
        .position(|a| a.convention == Convention::Out && a.name.name != "self" && a.ty.is_some())
    else {
        return;
    };
    let arg = def.args.remove(k);
    let span = arg.span;
    let name = arg.name.clone();
    def.ret = arg.ty.clone();
    let result = Expr {
        kind: ExprKind::Name(name.name.clone()),
        span,
    };
    return_result(&mut def.body, &result);
    if !def
        .body
        .last()
        .is_some_and(|s| matches!(s.kind, StmtKind::Return(_) | StmtKind::Raise(_)))
    {
        def.body.push(Stmt {
            kind: StmtKind::Return(Some(result.clone())),
            span,
        });
    }
    def.body.insert(
        0,
        Stmt {
            kind: StmtKind::Var {
                name,
                ty: arg.ty,
                value: None,
                is_ref: false,
            },
            span,
        },
    );
}

/// Makes every bare `return` of `body` (not of nested functions) `return result`.
fn return_result(body: &mut [Stmt], result: &Expr) {
    for s in body {
        match &mut s.kind {
            StmtKind::Return(v @ None) => *v = Some(result.clone()),
            StmtKind::If {
                branches,
                else_body,
                ..
            } => {
                for (_, b) in branches {
                    return_result(b, result);
                }
                if let Some(b) = else_body {
                    return_result(b, result);
                }
            }
            StmtKind::While {
                body, else_body, ..
            }
            | StmtKind::For {
                body, else_body, ..
            } => {
                return_result(body, result);
                if let Some(b) = else_body {
                    return_result(b, result);
                }
            }
            StmtKind::Try {
                body,
                handlers,
                else_body,
                finally_body,
            } => {
                return_result(body, result);
                for h in handlers {
                    return_result(&mut h.body, result);
                }
                for b in [else_body, finally_body].into_iter().flatten() {
                    return_result(b, result);
                }
            }
            StmtKind::Match { arms, .. } => {
                for a in arms {
                    return_result(&mut a.body, result);
                }
            }
            StmtKind::With { body, .. } => return_result(body, result),
            _ => {}
        }
    }
}

/// `Some[def(...)]` or the name of a compile-time parameter declared `G: def(...)`: the
/// function type, and the parameter it came from.
fn fn_type_of(def: &FnDef, ty: &Expr) -> Option<(Expr, Option<usize>)> {
    match &ty.kind {
        ExprKind::Index { base, args } => match (&base.kind, args.as_slice()) {
            (ExprKind::Name(s), [a])
                if s == "Some" && matches!(a.value.kind, ExprKind::FnType { .. }) =>
            {
                Some((a.value.clone(), None))
            }
            _ => None,
        },
        ExprKind::Name(g) => def
            .params
            .iter()
            .position(|p| p.name.name == *g)
            .and_then(|i| {
                let t = def.params[i].ty.as_ref()?;
                matches!(t.kind, ExprKind::FnType { .. }).then(|| (t.clone(), Some(i)))
            }),
        _ => None,
    }
}

fn names(e: &Expr, n: &str) -> bool {
    let mut hit = false;
    walk_expr(e, &mut |x: &Expr| {
        hit |= matches!(&x.kind, ExprKind::Name(m) if m == n);
    });
    hit
}

/// Whether the signature or the body names `n` outside the type of argument `skip_arg`.
fn uses_elsewhere(def: &FnDef, n: &str, skip_arg: usize) -> bool {
    let in_args = def
        .args
        .iter()
        .enumerate()
        .any(|(i, a)| i != skip_arg && a.ty.as_ref().is_some_and(|t| names(t, n)));
    let in_params = def
        .params
        .iter()
        .any(|p| p.ty.as_ref().is_some_and(|t| names(t, n)));
    let in_ret = [&def.ret, &def.where_clause]
        .iter()
        .any(|e| e.as_ref().is_some_and(|t| names(t, n)));
    let mut in_body = false;
    crate::visit::walk_exprs(&def.body, &mut |x: &Expr| {
        in_body |= matches!(&x.kind, ExprKind::Name(m) if m == n);
    });
    in_args || in_params || in_ret || in_body
}

fn fn_value_args(def: &mut FnDef) {
    if def.captures.is_some() {
        return;
    }
    let mut i = 0;
    // Positional index of each remaining argument as a call site counts them.
    let mut position = 0usize;
    let mut positional = true;
    while i < def.args.len() {
        let a = &def.args[i];
        match a.kind {
            ParamKind::Separator if a.name.name == "*" => positional = false,
            ParamKind::VarArgs | ParamKind::KwArgs => positional = false,
            _ => {}
        }
        let lift = match (&a.kind, &a.ty, a.default.is_none()) {
            (ParamKind::Normal, Some(t), true) => fn_type_of(def, t),
            _ => None,
        };
        let Some((fty, from)) = lift.filter(|(_, from)| match from {
            Some(g) => !uses_elsewhere(def, &def.params[*g].name.name.clone(), i),
            None => true,
        }) else {
            // (`self` is the receiver, not a positional argument of the call.)
            if def.args[i].kind == ParamKind::Normal && def.args[i].name.name != "self" {
                position += 1;
            }
            i += 1;
            continue;
        };
        let arg = def.args.remove(i);
        let param = GenericParam {
            name: arg.name.clone(),
            ty: Some(fty),
            default: None,
            mode: ParamMode::KwOnly,
            variadic: false,
            span: arg.span,
        };
        match from {
            Some(g) => {
                let mode = def.params[g].mode;
                def.params[g] = GenericParam { mode, ..param };
            }
            None => def.params.push(param),
        }
        def.fn_value_args.push(FnValueArg {
            name: arg.name.name.clone(),
            position: positional.then_some(position),
        });
        if positional {
            position += 1;
        }
    }
}

fn some_type_lists(def: &mut FnDef) {
    for a in &mut def.args {
        if a.kind != ParamKind::VarArgs {
            continue;
        }
        let Some(Expr {
            kind: ExprKind::Index { base, args },
            span,
        }) = &a.ty
        else {
            continue;
        };
        let (ExprKind::Name(s), [bound]) = (&base.kind, args.as_slice()) else {
            continue;
        };
        if s != "SomeTypeList" {
            continue;
        }
        let span = *span;
        let name = format!("{}.Ts", a.name.name);
        def.params.push(GenericParam {
            name: Ident {
                name: name.clone(),
                span,
            },
            ty: Some(bound.value.clone()),
            default: None,
            mode: ParamMode::InferOnly,
            variadic: true,
            span,
        });
        a.ty = Some(Expr {
            kind: ExprKind::Name(name),
            span,
        });
    }
}
