//! The built-in part of `std.testing`: `TestSuite` (`suite.rs`) and the diagnostic of its
//! misuse. The assertions (`assert_equal`, `assert_true`, `assert_almost_equal`, ...) and
//! the `assert_raises` context manager are mj code in `stdlib/std/testing.mj`.

use mj_syntax::Diag;
use mj_syntax::Span;
use mj_syntax::ast::Arg;

use crate::check::E_UNSUPPORTED;
use crate::check::body::FnCx;
use crate::tir::TExpr;

/// The built-in part of `std.testing` (the rest is mj code: `stdlib/std/testing.mj`).
pub(crate) const TESTING_FNS: &[&str] = &["TestSuite"];

/// A use of `TestSuite` other than `TestSuite.discover_tests[...]().run()`.
pub(crate) fn call_testing(fx: &mut FnCx<'_>, _name: &str, args: &[Arg], span: Span) -> TExpr {
    let line = fx.line(span);
    let d = Diag::error(
        E_UNSUPPORTED,
        "this use of `TestSuite` is not supported",
        span,
    )
    .with_hint("write `TestSuite.discover_tests[__functions_in_module()]().run()` in `main`");
    fx.error(d);
    for a in args {
        fx.expr(&a.value, None);
    }
    fx.unknown(line)
}
