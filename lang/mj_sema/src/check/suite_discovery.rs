//! `TestSuite.discover_tests[__functions_in_module()](...)`: the one part of `std.testing`'s
//! `TestSuite` (mj code, `stdlib/std/testing.mj`) that needs the compiler, because only it
//! knows the functions of a module. The call is rewritten into mj calls that register each
//! `test_*` function of the module, in declaration order:
//!
//! ```text
//! TestSuite._discovered(...)._with[test_a]("test_a")._with[test_b]("test_b")
//! ```
//!
//! A `test_*` function with arguments or compile-time parameters becomes
//! `._nonconforming("test_x")`, which raises as Mojo's discovery does.

use mj_syntax::Span;
use mj_syntax::ast::{Arg, Expr, ExprKind, Ident};

use super::body::FnCx;

/// The rewritten call when `func` is `X.discover_tests[__functions_in_module()]`.
pub(crate) fn discovery_call(fx: &FnCx<'_>, func: &Expr, args: &[Arg], span: Span) -> Option<Expr> {
    let ExprKind::Index { base, args: params } = &func.kind else {
        return None;
    };
    let ExprKind::Attr { base: suite, name } = &base.kind else {
        return None;
    };
    let [p] = params.as_slice() else { return None };
    let is_module_fns = matches!(&p.value.kind, ExprKind::Call { func, args }
        if args.is_empty() && matches!(&func.kind, ExprKind::Name(n) if n == "__functions_in_module"));
    if name.name != "discover_tests" || !is_module_fns {
        return None;
    }
    let ident = |n: &str| Ident {
        name: n.to_string(),
        span,
    };
    let expr = |kind| Expr { kind, span };
    let attr = |base: Expr, n: &str| {
        expr(ExprKind::Attr {
            base: Box::new(base),
            name: ident(n),
        })
    };
    let arg = |value: Expr| Arg {
        name: None,
        value,
        span,
    };
    let call = |func: Expr, args: Vec<Arg>| {
        expr(ExprKind::Call {
            func: Box::new(func),
            args,
        })
    };
    let mut acc = call(attr((**suite).clone(), "_discovered"), args.to_vec());
    for (name, plain) in test_functions(fx) {
        let label = arg(expr(ExprKind::Str(name.clone())));
        acc = if plain {
            let with = expr(ExprKind::Index {
                base: Box::new(attr(acc, "_with")),
                args: vec![arg(expr(ExprKind::Name(name)))],
            });
            call(with, vec![label])
        } else {
            call(attr(acc, "_nonconforming"), vec![label])
        };
    }
    Some(acc)
}

/// The module's functions named `test_*`, in declaration order, each with whether it can
/// be a test (no arguments, no compile-time parameters).
fn test_functions(fx: &FnCx<'_>) -> Vec<(String, bool)> {
    let mut v: Vec<(usize, String, bool)> = fx
        .cx
        .funcs
        .iter()
        .filter(|f| {
            f.module == fx.m
                && f.owner.is_none()
                && f.trait_owner.is_none()
                && f.def.name.name.starts_with("test_")
        })
        .map(|f| {
            let plain = f.generics.is_empty() && f.sig.params.is_empty();
            // (Declaration order: where its statement is. Spans at item positions do not
            // follow the file's order, `db::place_slots`.)
            let at = f.loc.map_or(usize::MAX, |(stmt, _)| stmt);
            (at, f.def.name.name.clone(), plain)
        })
        .collect();
    v.sort_by_key(|t| t.0);
    v.dedup_by(|a, b| a.1 == b.1);
    v.into_iter().map(|(_, n, p)| (n, p)).collect()
}
