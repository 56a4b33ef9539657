//! The built-in part of `std.testing`: the `with assert_raises(...)` context manager and
//! the "not supported" diagnostics of `assert_raises`/`TestSuite` misuse. The assertions
//! themselves (`assert_equal`, `assert_true`, `assert_almost_equal`, ...) are mj code in
//! `stdlib/std/testing.mj`; `assert_raises` reports its failure in their format:
//!
//! ```text
//! At tests/test_x.mj:12:5: AssertionError: Didn't raise
//! ```

use mj_syntax::ast::{Arg, CmpOp, Expr, ExprKind, Ident, Stmt};
use mj_syntax::{Diag, Span};

use crate::check::body::FnCx;
use crate::check::{E_ARITY, E_KWARG, E_UNSUPPORTED};
use crate::tir::{TExpr, TExprKind as K, TStmt, TUn};
use crate::ty::Ty;

/// The built-in part of `std.testing` (the assertions are mj code: `stdlib/std/testing.mj`).
pub(crate) const TESTING_FNS: &[&str] = &["assert_raises", "TestSuite"];

/// Matches call arguments to named parameters (`params`, positional or keyword, in order)
/// and keyword-only ones (`kw_only`). `required` is how many leading parameters must be
/// given. Reports bad keywords and arity; returns the slots in `params ++ kw_only` order.
fn bind_args<'a>(
    fx: &mut FnCx<'_>,
    fname: &str,
    args: &'a [Arg],
    params: &[&str],
    kw_only: &[&str],
    required: usize,
    span: Span,
) -> Option<Vec<Option<&'a Expr>>> {
    let mut slots: Vec<Option<&Expr>> = vec![None; params.len() + kw_only.len()];
    let mut positional = 0;
    let mut ok = true;
    for a in args {
        match &a.name {
            None => {
                if positional < params.len() {
                    slots[positional] = Some(&a.value);
                } else {
                    let msg = format!(
                        "`{fname}` takes at most {} positional argument(s), found {}",
                        params.len(),
                        positional + 1
                    );
                    fx.error(Diag::error(E_ARITY, msg, a.span));
                    ok = false;
                }
                positional += 1;
            }
            Some(n) => {
                let pos = params
                    .iter()
                    .chain(kw_only)
                    .position(|p| *p == n.name.as_str());
                match pos {
                    Some(i) if slots[i].is_none() => slots[i] = Some(&a.value),
                    Some(_) => {
                        let msg = format!("argument `{}` is given more than once", n.name);
                        fx.error(Diag::error(E_KWARG, msg, n.span));
                        ok = false;
                    }
                    None => {
                        let all: Vec<String> = params
                            .iter()
                            .chain(kw_only)
                            .map(|p| format!("`{p}`"))
                            .collect();
                        let msg = format!("`{fname}` has no argument named `{}`", n.name);
                        fx.error(
                            Diag::error(E_KWARG, msg, n.span)
                                .with_hint(format!("`{fname}` takes {}", all.join(", "))),
                        );
                        ok = false;
                    }
                }
            }
        }
    }
    if let Some(missing) = params[..required]
        .iter()
        .zip(&slots)
        .find(|(_, s)| s.is_none())
    {
        let msg = format!("`{fname}` is missing its argument `{}`", missing.0);
        fx.error(Diag::error(E_ARITY, msg, span));
        ok = false;
    }
    if !ok {
        for a in args {
            fx.expr(&a.value, None);
        }
        return None;
    }
    Some(slots)
}

fn not(e: TExpr) -> TExpr {
    let line = e.line;
    TExpr::new(K::Unary(TUn::Not, Box::new(e)), Ty::Bool, line)
}

impl FnCx<'_> {
    /// `At FILE:LINE:COL: AssertionError: ` for the call at `span`.
    fn assert_prefix(&self, span: Span) -> String {
        let (line, col) = self.line_col(span);
        let path = &self.cx.modules[self.m].input.path;
        format!("At {path}:{line}:{col}: AssertionError: ")
    }

    /// Whether `e` names `std.testing.assert_raises` (imported, or as `testing.assert_raises`).
    fn is_assert_raises(&self, e: &Expr) -> bool {
        if let ExprKind::Name(n) = &e.kind
            && self.lookup_local(n).is_some()
        {
            return false;
        }
        self.cx.names_builtin(self.m, e, "testing", "assert_raises")
    }
}

/// Calls of `std.testing` functions.
pub(crate) fn call_testing(fx: &mut FnCx<'_>, name: &str, args: &[Arg], span: Span) -> TExpr {
    let line = fx.line(span);
    let d = match name {
        "assert_raises" => Diag::error(
            E_UNSUPPORTED,
            "`assert_raises` is a context manager",
            span,
        )
        .with_hint("write `with assert_raises():` (or `with assert_raises(contains=\"text\"):`) above the code that must raise"),
        _ => Diag::error(
            E_UNSUPPORTED,
            "this use of `TestSuite` is not supported",
            span,
        )
        .with_hint("write `TestSuite.discover_tests[__functions_in_module()]().run()` in `main`"),
    };
    fx.error(d);
    for a in args {
        fx.expr(&a.value, None);
    }
    fx.unknown(line)
}

/// `with assert_raises(contains="..."): body`: the body must raise an error (whose message
/// contains the text, when given); the error is swallowed. Lowered to
/// `try: body / except e: [re-raise e unless it contains the text] / else: raise Error(...)`.
/// No other context managers exist yet.
pub(crate) fn with_stmt(
    fx: &mut FnCx<'_>,
    items: &[(Expr, Option<Ident>)],
    body: &[Stmt],
    span: Span,
    out: &mut Vec<TStmt>,
) {
    let line = fx.line(span);
    let call = match items {
        [(e, None)] => match &e.kind {
            ExprKind::Call { func, args } if fx.is_assert_raises(func) => Some((args, e.span)),
            _ => None,
        },
        _ => None,
    };
    let Some((args, call_span)) = call else {
        crate::check::with_stmt::with_context(fx, items, body, span, out);
        return;
    };
    let contains = bind_args(fx, "assert_raises", args, &[], &["contains"], 0, call_span)
        .and_then(|slots| slots[0])
        .map(|e| {
            let v = fx.expr(e, Some(&Ty::Str));
            fx.coerce(v, &Ty::Str, e.span)
        });
    // In a function that may not raise (Mojo's test files use `def test_x():` without
    // `raises`), a failed check stops the program with a run-time error instead.
    let aborts = !fx.raises && fx.try_depth == 0;
    if !aborts {
        fx.check_may_raise("`assert_raises`", call_span);
    }
    let contains = contains.map(|c| {
        let (st, c) = fx.temp(c);
        out.push(st);
        c
    });
    let before = fx.flow.clone();
    fx.try_depth += 1;
    // Typed errors of the body become `Error`s (their messages) for the check.
    fx.try_errors.push(Some(Ty::Error));
    let b = fx.block(body);
    fx.try_errors.pop();
    fx.try_depth -= 1;
    // The handler (and what follows) may start after any prefix of the body.
    fx.flow = fx.flow.clone().union(&before);
    fx.dead = false;
    let err = fx.new_local("<error>", Ty::Error, false);
    let err_read = TExpr::new(K::Local(err), Ty::Error, line);
    let handler = match contains {
        Some(c) => {
            let text = TExpr {
                ty: Ty::Str,
                ..err_read.clone()
            };
            let found = fx.compare(CmpOp::In, c, text, call_span);
            let fail = if aborts {
                let msg = format!(
                    "{}the error raised does not contain the expected text",
                    fx.assert_prefix(call_span)
                );
                TStmt::Abort(line, msg)
            } else {
                TStmt::Raise(err_read)
            };
            vec![TStmt::If(not(found), vec![fail], Vec::new())]
        }
        None => Vec::new(),
    };
    let msg = format!("{}Didn't raise", fx.assert_prefix(call_span));
    let no_raise = if aborts {
        TStmt::Abort(line, msg)
    } else {
        TStmt::Raise(TExpr::new(K::Str(msg), Ty::Error, line))
    };
    out.push(TStmt::Try {
        body: b,
        // The handler owns the caught error (released when it ends).
        handler: Some((
            Some(err),
            vec![TStmt::Scope {
                locals: vec![err],
                body: handler,
            }],
        )),
        else_body: vec![no_raise],
        finally_body: Vec::new(),
    });
}
