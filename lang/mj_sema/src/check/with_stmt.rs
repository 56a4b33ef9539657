//! The `with` statement for context managers: any value whose type defines
//! `__enter__` and `__exit__` (`std.testing.assert_raises` is handled in
//! `builtins/testing.rs`).
//!
//! `with EXPR as NAME: BODY` is checked as the statements
//!
//! ```text
//! var <with#> = EXPR            # skipped when EXPR is a local variable: it is used as is
//! NAME = <with#>.__enter__()    # or just the call, without `as`
//! try:
//!     BODY
//! finally:
//!     <with#>.__exit__()
//! ```
//!
//! so `__exit__` runs on every way out of the body (falling off its end, `return`,
//! `break`, `continue`, or an error, which then propagates) through the `try`/`finally`
//! lowering. `NAME` is bound like an assignment (visible after the block, as in Python).
//! Several items nest: `with a as x, b as y:` is `with a as x:` around `with b as y:`.

use mj_syntax::ast::{Arg, ExceptHandler, Expr, ExprKind, Ident, Stmt, StmtKind, UnOp};
use mj_syntax::{Diag, Span};

use super::body::FnCx;
use super::{E_NO_MEMBER, E_UNHANDLED_RAISE};
use crate::tir::TStmt;
use crate::ty::Ty;

pub(crate) fn with_context(
    fx: &mut FnCx<'_>,
    items: &[(Expr, Option<Ident>)],
    body: &[Stmt],
    span: Span,
    out: &mut Vec<TStmt>,
) {
    let Some((e, name)) = items.first() else {
        let b = fx.block(body);
        out.push(TStmt::Block(b));
        return;
    };
    let inner: Vec<Stmt> = if items.len() > 1 {
        vec![Stmt {
            kind: StmtKind::With {
                items: items[1..].to_vec(),
                body: body.to_vec(),
            },
            span,
        }]
    } else {
        body.to_vec()
    };
    // The context value: a local variable is used in place (a lock, a file handle the
    // program keeps); anything else is evaluated once into a hidden variable.
    let local = match &e.kind {
        ExprKind::Name(n) => fx.lookup_local(n).map(|l| (l, n.clone())),
        _ => None,
    };
    let (l, ctx_name) = match local {
        Some(x) => x,
        None => {
            let hidden = format!("<with{}>", fx.locals.len());
            let decl = Stmt {
                kind: StmtKind::Var {
                    name: Ident {
                        name: hidden.clone(),
                        span: e.span,
                    },
                    ty: None,
                    value: Some(e.clone()),
                    is_ref: false,
                },
                span: e.span,
            };
            fx.stmt(&decl, out);
            match fx.lookup_local(&hidden) {
                Some(l) => (l, hidden),
                None => {
                    let b = fx.block(&inner);
                    out.push(TStmt::Block(b));
                    return;
                }
            }
        }
    };
    let ty = fx.local_ty(l);
    if ty.is_unknown() {
        let b = fx.block(&inner);
        out.push(TStmt::Block(b));
        return;
    }
    if let Some(d) = not_a_context_manager(fx, &ty, e.span) {
        fx.error(d);
        // Bind the name anyway (to an unknown type), so the body reports its own errors only.
        if let Some(n) = name {
            let l = fx.new_local(&n.name, Ty::Unknown, false);
            if let Some(sc) = fx.scopes.last_mut() {
                sc.insert(n.name.clone(), l);
            }
        }
        let b = fx.block(&inner);
        out.push(TStmt::Block(b));
        return;
    }
    let ename = |name: &str| Expr {
        kind: ExprKind::Name(name.to_string()),
        span: e.span,
    };
    let call_method = |method: &str, args: Vec<Expr>| Expr {
        kind: ExprKind::Call {
            func: Box::new(Expr {
                kind: ExprKind::Attr {
                    base: Box::new(ename(&ctx_name)),
                    name: Ident {
                        name: method.to_string(),
                        span: e.span,
                    },
                },
                span: e.span,
            }),
            args: args
                .into_iter()
                .map(|value| Arg {
                    name: None,
                    span: value.span,
                    value,
                })
                .collect(),
        },
        span: e.span,
    };
    let method_call = |method: &str| call_method(method, Vec::new());
    let stmt = |kind: StmtKind| Stmt { kind, span: e.span };
    let enter = match name {
        Some(n) => StmtKind::Assign {
            targets: vec![Expr {
                kind: ExprKind::Name(n.name.clone()),
                span: n.span,
            }],
            value: method_call("__enter__"),
        },
        None => StmtKind::Expr(method_call("__enter__")),
    };
    fx.stmt(&stmt(enter), out);
    let exit = stmt(StmtKind::Expr(method_call("__exit__")));
    if !has_error_exit(fx, &ty) {
        let guarded = Stmt {
            kind: StmtKind::Try {
                body: inner,
                handlers: Vec::new(),
                else_body: None,
                finally_body: Some(vec![exit]),
            },
            span,
        };
        guarded_stmt(fx, &guarded, &ty, e.span, out);
        return;
    }
    // `__exit__(self, err) -> Bool` receives an error of the body: it returns True to
    // swallow it, False to let it propagate; `__exit__(self)` runs on every other way out.
    let n = fx.locals.len();
    let flag = format!("<with_clean{n}>");
    let err = format!("<with_err{n}>");
    let bool_lit = |b: bool| Expr {
        kind: ExprKind::Bool(b),
        span: e.span,
    };
    fx.stmt(
        &stmt(StmtKind::Var {
            name: Ident {
                name: flag.clone(),
                span: e.span,
            },
            ty: None,
            value: Some(bool_lit(true)),
            is_ref: false,
        }),
        out,
    );
    // An `__exit__(self, err: Error)` sees a typed error of the body as an `Error` (its
    // message); a bare `raise` below still moves the original on.
    let erases = match &ty {
        Ty::Struct(sid, _) => fx.cx.structs[*sid as usize]
            .methods
            .get(ERROR_EXIT)
            .is_some_and(|id| {
                let ps = &fx.cx.funcs[id.0 as usize].sig.params;
                ps.len() == 2 && ps[1].ty == Ty::Error
            }),
        _ => false,
    };
    let err_arg = if erases {
        Expr {
            kind: ExprKind::Call {
                func: Box::new(ename("Error")),
                args: vec![Arg {
                    name: None,
                    span: e.span,
                    value: ename(&err),
                }],
            },
            span: e.span,
        }
    } else {
        ename(&err)
    };
    let swallowed = call_method(ERROR_EXIT, vec![err_arg]);
    let handler = vec![
        stmt(StmtKind::Assign {
            targets: vec![ename(&flag)],
            value: bool_lit(false),
        }),
        stmt(StmtKind::If {
            branches: vec![(
                Expr {
                    kind: ExprKind::Unary {
                        op: UnOp::Not,
                        expr: Box::new(swallowed),
                    },
                    span: e.span,
                },
                // A bare `raise` moves the caught error on (a typed one is not copied).
                vec![stmt(StmtKind::Raise(None))],
            )],
            else_body: None,
            comptime: false,
        }),
    ];
    let caught = stmt(StmtKind::Try {
        body: inner,
        handlers: vec![ExceptHandler {
            ty: None,
            name: Some(Ident {
                name: err,
                span: e.span,
            }),
            body: handler,
            span: e.span,
        }],
        else_body: None,
        finally_body: None,
    });
    let clean_exit = stmt(StmtKind::If {
        branches: vec![(ename(&flag), vec![exit])],
        else_body: None,
        comptime: false,
    });
    let guarded = Stmt {
        kind: StmtKind::Try {
            body: vec![caught],
            handlers: Vec::new(),
            else_body: None,
            finally_body: Some(vec![clean_exit]),
        },
        span,
    };
    guarded_stmt(fx, &guarded, &ty, e.span, out);
}

/// Checks the desugared `with`. Its `__exit__` calls and re-raise all sit at the context
/// manager's span: in a function that may not raise they would each report E0103, so
/// they become one diagnostic that names the `with`.
fn guarded_stmt(fx: &mut FnCx<'_>, guarded: &Stmt, ty: &Ty, at: Span, out: &mut Vec<TStmt>) {
    // `with assert_raises():` in a function that may not raise (Mojo's test files write
    // `def test_x():`, the manual too): a failed check stops the program with a run-time
    // error (the message of the error `__exit__` raised) instead of raising.
    if !fx.raises && fx.try_depth == 0 && is_assert_raises(fx, ty) {
        let name = |n: &str| Expr {
            kind: ExprKind::Name(n.to_string()),
            span: at,
        };
        let call = |f: &str, arg: Expr| Expr {
            kind: ExprKind::Call {
                func: Box::new(name(f)),
                args: vec![Arg {
                    name: None,
                    span: at,
                    value: arg,
                }],
            },
            span: at,
        };
        let err = format!("<assert_raises{}>", fx.locals.len());
        let stop = call("abort", call("String", name(&err)));
        let wrapped = Stmt {
            kind: StmtKind::Try {
                body: vec![guarded.clone()],
                handlers: vec![ExceptHandler {
                    ty: None,
                    name: Some(Ident {
                        name: err,
                        span: at,
                    }),
                    body: vec![Stmt {
                        kind: StmtKind::Expr(stop),
                        span: at,
                    }],
                    span: at,
                }],
                else_body: None,
                finally_body: None,
            },
            span: at,
        };
        fx.stmt(&wrapped, out);
        return;
    }
    let before = fx.diags.len();
    fx.stmt(guarded, out);
    let is_ours = |d: &Diag| d.code == E_UNHANDLED_RAISE && d.span == at;
    let mut ours = fx.diags[before..].iter().filter(|(_, d)| is_ours(d));
    let Some((m, first)) = ours.next().cloned() else {
        return;
    };
    let mut i = before;
    while i < fx.diags.len() {
        if is_ours(&fx.diags[i].1) {
            fx.diags.remove(i);
        } else {
            i += 1;
        }
    }
    let msg = format!(
        "this `with` may raise (its `__exit__` raises), but `{}` is not marked `raises`",
        fx.name
    );
    fx.diags.push((
        m,
        Diag {
            message: msg,
            ..first
        },
    ));
}

/// Whether `ty` is `std.testing.assert_raises`.
fn is_assert_raises(fx: &FnCx<'_>, ty: &Ty) -> bool {
    let Ty::Struct(s, _) = ty else { return false };
    let sd = &fx.cx.structs[*s as usize];
    fx.cx.struct_names[*s as usize] == "assert_raises"
        && fx.cx.modules[sd.module].input.name == "std.testing"
}

/// The key under which a struct keeps its `__exit__(self, err)` overload (`items.rs`);
/// `__exit__` is the one without an error.
pub(crate) const ERROR_EXIT: &str = "__exit_err__";

fn has_error_exit(fx: &FnCx<'_>, ty: &Ty) -> bool {
    fx.has_method(ty, ERROR_EXIT)
}

/// Why a value of type `ty` cannot be used in `with`, if it cannot.
fn not_a_context_manager(fx: &FnCx<'_>, ty: &Ty, span: Span) -> Option<Diag> {
    if let Some(m) = ["__enter__", "__exit__"]
        .into_iter()
        .find(|m| !fx.has_method(ty, m))
    {
        let msg = if m == "__exit__" && has_error_exit(fx, ty) {
            format!(
                "`{}` has `__exit__(self, err)` but no `__exit__(self)` for a body that does not raise",
                fx.ty_name(ty)
            )
        } else {
            format!(
                "`{}` is not a context manager: it has no `{m}` method",
                fx.ty_name(ty)
            )
        };
        return Some(Diag::error(E_NO_MEMBER, msg, span).with_hint(
            "a value used in `with` needs `def __enter__(self) -> T` and `def __exit__(self)`",
        ));
    }
    let _ = span;
    None
}
