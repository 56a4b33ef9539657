//! `std.testing`: `assert_equal`, `assert_not_equal`, `assert_true`, `assert_false`,
//! `assert_almost_equal` and the `with assert_raises(...)` context manager.
//!
//! They are compiler built-ins rather than mj code so that they work on every printable,
//! comparable type without generics, and so that the failure message can name the call
//! site. Each expands at the call into a check that raises an `Error` on failure. The
//! message follows Mojo's `testing` module:
//!
//! ```text
//! At tests/test_x.mj:12:5: AssertionError: `left == right` comparison failed:
//!    left: 3
//!   right: 4
//!   reason: optional msg
//! ```

use mj_syntax::ast::{Arg, CmpOp, Expr, ExprKind, Ident, Stmt};
use mj_syntax::{Diag, Span};

use super::s;
use crate::check::body::FnCx;
use crate::check::{E_ARITY, E_KWARG, E_MISMATCH, E_UNSUPPORTED, Item};
use crate::rt::Rt;
use crate::tir::{Callee, TArg, TCmp, TExpr, TExprKind as K, TStmt, TUn};
use crate::ty::Ty;

pub(crate) const TESTING_FNS: &[&str] = &[
    "assert_equal",
    "assert_not_equal",
    "assert_true",
    "assert_false",
    "assert_almost_equal",
    "assert_raises",
    "TestSuite",
];

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

fn concat(fx: &mut FnCx<'_>, a: TExpr, b: TExpr) -> TExpr {
    let line = a.line;
    fx.rt_call(Rt::StrConcat, vec![a, b], Ty::Str, line)
}

fn concat_all(fx: &mut FnCx<'_>, parts: Vec<TExpr>) -> TExpr {
    let mut it = parts.into_iter();
    let first = it.next().unwrap_or_else(|| s("", 0));
    it.fold(first, |acc, p| concat(fx, acc, p))
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

    /// The optional `msg` argument as a String.
    fn msg_arg(&mut self, e: Option<&Expr>) -> Option<TExpr> {
        e.map(|e| {
            let v = self.expr(e, Some(&Ty::Str));
            self.coerce(v, &Ty::Str, e.span)
        })
    }

    /// `if not ok: raise Error(message)`, as an expression of type `None`.
    fn raise_unless(&mut self, setup: Vec<TStmt>, ok: TExpr, message: TExpr, span: Span) -> TExpr {
        let line = self.line(span);
        let err = TExpr {
            ty: Ty::Error,
            ..message
        };
        let mut stmts = setup;
        stmts.push(TStmt::If(not(ok), vec![TStmt::Raise(err)], Vec::new()));
        TExpr::new(
            K::Seq(stmts, Box::new(TExpr::new(K::Unit, Ty::Unit, line))),
            Ty::Unit,
            line,
        )
    }

    /// `a == b` for values `assert_equal` accepts: what `==` compares, plus tuples of
    /// those, element by element.
    fn values_equal(&mut self, a: TExpr, b: TExpr, span: Span) -> TExpr {
        let line = a.line;
        match (a.ty.clone(), b.ty.clone()) {
            (Ty::Tuple(ta), Ty::Tuple(tb)) if ta.len() == tb.len() => {
                let (s0, x) = self.held_temp(a);
                let (s1, y) = self.held_temp(b);
                let mut acc = TExpr::new(K::Bool(true), Ty::Bool, line);
                for (i, (t, u)) in ta.iter().zip(&tb).enumerate() {
                    let fa = TExpr::new(K::Field(Box::new(x.clone()), i as u32), t.clone(), line);
                    let fb = TExpr::new(K::Field(Box::new(y.clone()), i as u32), u.clone(), line);
                    let eq = self.values_equal(fa, fb, span);
                    acc = TExpr::new(K::And(Box::new(acc), Box::new(eq)), Ty::Bool, line);
                }
                TExpr::new(K::Seq(vec![s0, s1], Box::new(acc)), Ty::Bool, line)
            }
            _ => self.compare(CmpOp::Eq, a, b, span),
        }
    }

    /// `assert_equal` / `assert_not_equal`.
    fn assert_cmp(&mut self, name: &str, args: &[Arg], span: Span) -> TExpr {
        let line = self.line(span);
        let Some(slots) = bind_args(self, name, args, &["lhs", "rhs", "msg"], &[], 2, span) else {
            return self.unknown(line);
        };
        let (Some(lhs), Some(rhs)) = (slots[0], slots[1]) else {
            return self.unknown(line);
        };
        let a = self.expr(lhs, None);
        let b = self.expr(rhs, Some(&a.ty));
        let msg = self.msg_arg(slots[2]);
        if a.ty.is_unknown() || b.ty.is_unknown() {
            return self.unknown(line);
        }
        let (s0, a) = self.held_temp(a);
        let (s1, b) = self.held_temp(b);
        let eq = self.values_equal(a.clone(), b.clone(), rhs.span);
        let (ok, op) = if name == "assert_equal" {
            (eq, "==")
        } else {
            (not(eq), "!=")
        };
        let head = format!(
            "{}`left {op} right` comparison failed:\n   left: ",
            self.assert_prefix(span)
        );
        let left = self.stringify(a, lhs.span);
        let right = self.stringify(b, rhs.span);
        let mut parts = vec![s(&head, line), left, s("\n  right: ", line), right];
        if let Some(m) = msg {
            parts.push(self.reason(m, "\n  reason: ", ""));
        }
        let message = concat_all(self, parts);
        self.raise_unless(vec![s0, s1], ok, message, span)
    }

    /// `prefix + m + suffix` when `m` is not empty, else the empty string.
    fn reason(&mut self, m: TExpr, prefix: &str, suffix: &str) -> TExpr {
        let line = m.line;
        let (st, m) = self.temp(m);
        let cond = self.truthy(m.clone(), Span::default());
        let text = concat_all(self, vec![s(prefix, line), m, s(suffix, line)]);
        TExpr::new(
            K::Seq(
                vec![st],
                Box::new(TExpr::new(
                    K::IfExp(Box::new(cond), Box::new(text), Box::new(s("", line))),
                    Ty::Str,
                    line,
                )),
            ),
            Ty::Str,
            line,
        )
    }

    /// `assert_true` / `assert_false`: the message is `msg` when given, else Mojo's default.
    fn assert_bool(&mut self, name: &str, args: &[Arg], span: Span) -> TExpr {
        let line = self.line(span);
        let Some(slots) = bind_args(self, name, args, &["val", "msg"], &[], 1, span) else {
            return self.unknown(line);
        };
        let Some(val) = slots[0] else {
            return self.unknown(line);
        };
        let v = self.cond(val);
        let want = name == "assert_true";
        let ok = if want { v } else { not(v) };
        let default = if want {
            "condition was unexpectedly False"
        } else {
            "condition was unexpectedly True"
        };
        let text = match self.msg_arg(slots[1]) {
            Some(m) => m,
            None => s(default, line),
        };
        let message = concat(self, s(&self.assert_prefix(span), line), text);
        self.raise_unless(Vec::new(), ok, message, span)
    }

    fn fabs(&self, v: TExpr) -> TExpr {
        let line = v.line;
        TExpr::new(
            K::Call(
                Callee::Intrinsic(crate::tir::Intrinsic::Fabs),
                vec![TArg::Value(v)],
            ),
            Ty::F64,
            line,
        )
    }

    /// `assert_almost_equal(lhs, rhs, msg="", *, atol=1e-08, rtol=1e-05, equal_nan=False)`:
    /// passes when `lhs == rhs`, or both are NaN and `equal_nan`, or
    /// `|lhs - rhs| <= max(atol, rtol * max(|lhs|, |rhs|))` (computed in `Float64`).
    fn assert_almost_equal(&mut self, args: &[Arg], span: Span) -> TExpr {
        let name = "assert_almost_equal";
        let line = self.line(span);
        let kw = ["atol", "rtol", "equal_nan"];
        let Some(slots) = bind_args(self, name, args, &["lhs", "rhs", "msg"], &kw, 2, span) else {
            return self.unknown(line);
        };
        let (Some(lhs), Some(rhs)) = (slots[0], slots[1]) else {
            return self.unknown(line);
        };
        let a = self.expr(lhs, None);
        let b = self.expr(rhs, Some(&a.ty));
        let msg = self.msg_arg(slots[2]);
        let f64_arg = |fx: &mut Self, e: Option<&Expr>, default: f64| match e {
            Some(e) => {
                let v = fx.expr(e, Some(&Ty::F64));
                fx.coerce(v, &Ty::F64, e.span)
            }
            None => TExpr::new(K::Float(default), Ty::F64, line),
        };
        let atol = f64_arg(self, slots[3], 1e-8);
        let rtol = f64_arg(self, slots[4], 1e-5);
        let equal_nan = match slots[5] {
            Some(e) => {
                let v = self.expr(e, Some(&Ty::Bool));
                self.coerce(v, &Ty::Bool, e.span)
            }
            None => TExpr::new(K::Bool(false), Ty::Bool, line),
        };
        for (v, e) in [(&a, lhs), (&b, rhs)] {
            if !v.ty.is_numeric() && !v.ty.is_unknown() {
                let msg = format!(
                    "`assert_almost_equal` compares numbers, found `{}`",
                    self.ty_name(&v.ty)
                );
                self.error(Diag::error(E_MISMATCH, msg, e.span));
                return self.unknown(line);
            }
        }
        if a.ty.is_unknown() || b.ty.is_unknown() {
            return self.unknown(line);
        }
        let (s0, a) = self.held_temp(a);
        let (s1, b) = self.held_temp(b);
        let (s2, x) = self.temp(self.cast(a.clone(), Ty::F64));
        let (s3, y) = self.temp(self.cast(b.clone(), Ty::F64));
        let bin = |op, l: TExpr, r: TExpr| {
            TExpr::new(K::Binary(op, Box::new(l), Box::new(r)), Ty::F64, line)
        };
        let cmp = |op, l: TExpr, r: TExpr| {
            TExpr::new(K::Cmp(op, Box::new(l), Box::new(r)), Ty::Bool, line)
        };
        let max = |l: TExpr, r: TExpr| {
            let c = cmp(TCmp::Gt, l.clone(), r.clone());
            TExpr::new(
                K::IfExp(Box::new(c), Box::new(l), Box::new(r)),
                Ty::F64,
                line,
            )
        };
        let diff = self.fabs(bin(crate::tir::TBin::Sub, x.clone(), y.clone()));
        let (s4, diff) = self.temp(diff);
        let scale = max(self.fabs(x.clone()), self.fabs(y.clone()));
        let tol = max(atol, bin(crate::tir::TBin::Mul, rtol, scale));
        let both_nan = TExpr::new(
            K::And(
                Box::new(cmp(TCmp::Ne, x.clone(), x.clone())),
                Box::new(cmp(TCmp::Ne, y.clone(), y.clone())),
            ),
            Ty::Bool,
            line,
        );
        let or = |l: TExpr, r: TExpr| TExpr::new(K::Or(Box::new(l), Box::new(r)), Ty::Bool, line);
        let and = |l: TExpr, r: TExpr| TExpr::new(K::And(Box::new(l), Box::new(r)), Ty::Bool, line);
        let ok = or(
            or(cmp(TCmp::Eq, x, y), and(equal_nan, both_nan)),
            cmp(TCmp::Le, diff.clone(), tol),
        );
        let left = self.stringify(a, lhs.span);
        let right = self.stringify(b, rhs.span);
        let d = self.stringify(diff, span);
        let mut parts = vec![
            s(&self.assert_prefix(span), line),
            left,
            s(" is not close to ", line),
            right,
            s(" with a diff of ", line),
            d,
        ];
        if let Some(m) = msg {
            parts.push(self.reason(m, " (", ")"));
        }
        let message = concat_all(self, parts);
        self.raise_unless(vec![s0, s1, s2, s3, s4], ok, message, span)
    }

    /// Whether `e` names `std.testing.assert_raises` (imported, or as `testing.assert_raises`).
    fn is_assert_raises(&self, e: &Expr) -> bool {
        match &e.kind {
            ExprKind::Name(n) if self.lookup_local(n).is_none() => matches!(
                self.cx.modules[self.m].scope.get(n),
                Some(Item::Builtin("testing", f)) if f == "assert_raises"
            ),
            ExprKind::Attr { base, name } if name.name == "assert_raises" => {
                matches!(
                    self.cx.module_path(self.m, base),
                    Some(Item::BuiltinModule("testing"))
                ) || matches!(&base.kind, ExprKind::Name(b)
                    if matches!(self.cx.modules[self.m].scope.get(b), Some(Item::BuiltinModule("testing"))))
            }
            _ => false,
        }
    }
}

/// Calls of `std.testing` functions.
pub(crate) fn call_testing(fx: &mut FnCx<'_>, name: &str, args: &[Arg], span: Span) -> TExpr {
    let line = fx.line(span);
    let v = match name {
        "assert_equal" | "assert_not_equal" => fx.assert_cmp(name, args, span),
        "assert_true" | "assert_false" => fx.assert_bool(name, args, span),
        "assert_almost_equal" => fx.assert_almost_equal(args, span),
        "assert_raises" => {
            fx.error(
                Diag::error(
                    E_UNSUPPORTED,
                    "`assert_raises` is a context manager",
                    span,
                )
                .with_hint("write `with assert_raises():` (or `with assert_raises(contains=\"text\"):`) above the code that must raise"),
            );
            for a in args {
                fx.expr(&a.value, None);
            }
            return fx.unknown(line);
        }
        "TestSuite" => {
            fx.error(
                Diag::error(
                    E_UNSUPPORTED,
                    "this use of `TestSuite` is not supported",
                    span,
                )
                .with_hint(
                    "write `TestSuite.discover_tests[__functions_in_module()]().run()` in `main`",
                ),
            );
            for a in args {
                fx.expr(&a.value, None);
            }
            return fx.unknown(line);
        }
        _ => return fx.unknown(line),
    };
    if !v.ty.is_unknown() {
        fx.check_may_raise(&format!("`{name}`"), span);
    }
    v
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
