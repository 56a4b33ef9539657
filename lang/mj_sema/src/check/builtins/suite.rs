//! `std.testing.TestSuite`: the statement
//! `TestSuite.discover_tests[__functions_in_module()]().run()` runs every `test_*`
//! function of the current module (no arguments, no compile-time parameters), in
//! declaration order, and reports like Mojo's `TestSuite` (`mj_runtime::suite`): the
//! report goes to stdout when every test passed; otherwise `run()` raises it as its error.
//!
//! It is expanded here into, per test,
//!
//! ```text
//! t0 = perf_counter_ns()
//! try: test_x()                       # a non-raising test is just called
//! except e: mj_suite_record("test_x", t0, e)
//! else: mj_suite_record("test_x", t0, null)
//! ```
//!
//! followed by the raising `mj_suite_finish(file)`. Other uses of `TestSuite` (manual
//! registration with `suite.test[f]()`, `skip`, command-line filters) are not supported.

use mj_syntax::ast::{Expr, ExprKind};
use mj_syntax::{Diag, Span};

use super::super::body::FnCx;
use super::super::{E_UNSUPPORTED, FnId};
use crate::rt::Rt;
use crate::tir::{Callee, TExpr, TExprKind as K, TStmt};
use crate::ty::Ty;

/// Whether `e` names `TestSuite` imported from `std.testing`.
fn is_suite_name(fx: &FnCx<'_>, e: &Expr) -> bool {
    if let ExprKind::Name(n) = &e.kind
        && fx.lookup_local(n).is_some()
    {
        return false;
    }
    fx.cx.names_builtin(fx.m, e, "testing", "TestSuite")
}

/// Whether `e` is a use of `TestSuite` at all (for the "not supported" diagnostic).
fn mentions_suite(fx: &FnCx<'_>, e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Call { func, .. } => mentions_suite(fx, func),
        ExprKind::Attr { base, .. } | ExprKind::Index { base, .. } => {
            is_suite_name(fx, e) || mentions_suite(fx, base)
        }
        _ => is_suite_name(fx, e),
    }
}

/// Expands `TestSuite.discover_tests[__functions_in_module()]().run()`; returns false when
/// `e` is not a use of `TestSuite` (the statement is checked as usual).
pub(crate) fn suite_stmt(fx: &mut FnCx<'_>, e: &Expr, out: &mut Vec<TStmt>) -> bool {
    if !mentions_suite(fx, e) {
        return false;
    }
    if !is_discover_and_run(fx, e) {
        fx.error(
            Diag::error(
                E_UNSUPPORTED,
                "this use of `TestSuite` is not supported",
                e.span,
            )
            .with_hint(
                "write `TestSuite.discover_tests[__functions_in_module()]().run()` in `main`",
            ),
        );
        return true;
    }
    expand(fx, e.span, out);
    true
}

fn is_discover_and_run(fx: &FnCx<'_>, e: &Expr) -> bool {
    let ExprKind::Call { func, args } = &e.kind else {
        return false;
    };
    let ExprKind::Attr { base, name } = &func.kind else {
        return false;
    };
    if name.name != "run" || !args.is_empty() {
        return false;
    }
    let ExprKind::Call { func, args } = &base.kind else {
        return false;
    };
    if !args.is_empty() {
        return false;
    }
    let ExprKind::Index { base, args } = &func.kind else {
        return false;
    };
    let [arg] = args.as_slice() else {
        return false;
    };
    let functions_in_module = matches!(
        &arg.value.kind,
        ExprKind::Call { func, args } if args.is_empty()
            && matches!(&func.kind, ExprKind::Name(n) if n == "__functions_in_module")
    );
    let ExprKind::Attr { base, name } = &base.kind else {
        return false;
    };
    functions_in_module && name.name == "discover_tests" && is_suite_name(fx, base)
}

/// The module's test functions, in declaration order.
fn tests(fx: &FnCx<'_>) -> Vec<(FnId, String, bool)> {
    let mut v: Vec<(FnId, String, bool, u32)> = fx
        .cx
        .funcs
        .iter()
        .enumerate()
        .filter(|(_, f)| {
            f.module == fx.m
                && f.owner.is_none()
                && f.trait_owner.is_none()
                && f.generics.is_empty()
                && f.sig.params.is_empty()
                && f.def.name.name.starts_with("test_")
        })
        .map(|(i, f)| {
            (
                FnId(i as u32),
                f.def.name.name.clone(),
                f.sig.raises,
                f.def.name.span.start,
            )
        })
        .collect();
    v.sort_by_key(|t| t.3);
    v.into_iter().map(|(a, b, c, _)| (a, b, c)).collect()
}

fn expand(fx: &mut FnCx<'_>, span: Span, out: &mut Vec<TStmt>) {
    let line = fx.line(span);
    fx.check_may_raise("`TestSuite.run`", span);
    let str_lit = |s: &str| TExpr::new(K::Str(s.to_string()), Ty::Str, line);
    for (id, name, raises) in tests(fx) {
        let now = fx.rt_call(Rt::TimeMonotonicNs, Vec::new(), Ty::INT, line);
        let (st, t0) = fx.temp(now);
        out.push(st);
        let call = TExpr::new(K::Call(Callee::Fn(id), Vec::new()), Ty::Unit, line);
        let record = |fx: &mut FnCx<'_>, err: TExpr| {
            TStmt::Expr(fx.rt_call(
                Rt::SuiteRecord,
                vec![str_lit(&name), t0.clone(), err],
                Ty::Unit,
                line,
            ))
        };
        let passed = record(fx, TExpr::new(K::Null, Ty::Str, line));
        if !raises {
            out.push(TStmt::Expr(call));
            out.push(passed);
            continue;
        }
        let err = fx.new_local("<error>", Ty::Error, false);
        let failed = record(fx, TExpr::new(K::Local(err), Ty::Str, line));
        out.push(TStmt::Try {
            body: vec![TStmt::Expr(call)],
            handler: Some((
                Some(err),
                vec![TStmt::Scope {
                    locals: vec![err],
                    body: vec![failed],
                }],
            )),
            else_body: vec![passed],
            finally_body: Vec::new(),
        });
    }
    let file = fx.cx.modules[fx.m].input.path.clone();
    let finish = fx.rt_call(Rt::SuiteFinish, vec![str_lit(&file)], Ty::Unit, line);
    out.push(TStmt::Expr(finish));
}
