//! Typed errors (`def f() raises ValidationError -> T:`), Mojo's structured errors.
//!
//! - A function declares at most one error type: `raises` alone (or `raises Error`) is the
//!   built-in `Error`, `raises T` with a struct `T` a typed error, `raises Never` is no
//!   `raises` at all.
//! - Every raising operation goes to a *context*: the innermost `try` with a handler, or
//!   the function itself. A `try` body's error type is decided by its first raising call
//!   or `raise` (Mojo infers it the same way); the handler's `except e:` binds a value of
//!   that type, so `e.field` works.
//! - An error of a typed context must have exactly its type. A typed error may go to an
//!   `Error` context (a `def ... raises` calling `validate()` without `try`,
//!   `assert_raises`): it becomes an `Error` whose message is the value's `write_to`
//!   output (Mojo's type erasure). The lowering does that conversion at the call's error
//!   edge.
//! - `raise value` of a struct builds the typed error: the TIR raises the tuple
//!   `(String(value), value)`; the lowering boxes it on the heap and the error slot carries
//!   the box (`mj_lower`'s `typed_errors.rs`).

use mj_syntax::ast::{ExprKind, FnDef};
use mj_syntax::{Diag, Span};

use super::body::FnCx;
use super::generics::TyScope;
use super::{Ctx, E_MISMATCH, E_UNSUPPORTED};
use crate::tir::{TExpr, TExprKind as K, TStmt};
use crate::ty::Ty;

/// `(raises, typed error)` of a definition's header.
pub(crate) fn declared_error(
    cx: &mut Ctx,
    m: usize,
    def: &FnDef,
    scope: &TyScope,
) -> (bool, Option<Ty>) {
    let Some(e) = def.raises_ty.as_ref().filter(|_| def.raises) else {
        return (def.raises, None);
    };
    match &e.kind {
        ExprKind::Name(n) if n == "Never" => return (false, None),
        ExprKind::Name(n) if n == "Error" => return (true, None),
        _ => {}
    }
    let t = super::items::resolve_type_here(cx, m, e, scope);
    match t {
        Ty::Error | Ty::Unknown => (true, None),
        Ty::Struct(..) | Ty::Param(_) => {
            if def.name.name == "main" {
                cx.error(
                    m,
                    Diag::error(E_UNSUPPORTED, "`main` cannot raise a typed error", e.span)
                        .with_hint(
                            "declare `def main() raises:` and handle the typed error inside",
                        ),
                );
                return (true, None);
            }
            (true, Some(t))
        }
        _ => {
            let msg = format!("an error type must be a struct, not `{}`", cx.ty_name(&t));
            cx.error(m, Diag::error(E_MISMATCH, msg, e.span));
            (true, None)
        }
    }
}

fn ty_text(fx: &FnCx<'_>, t: &Ty) -> String {
    match t {
        Ty::Error => "Error".into(),
        t => fx.ty_name(t),
    }
}

impl FnCx<'_> {
    /// The error type of the context a raising operation here goes to (`None`: an
    /// enclosing `try` whose type is not decided yet).
    fn error_context(&self) -> Option<Ty> {
        if self.try_depth > 0 {
            return self.try_errors.last().cloned().unwrap_or(Some(Ty::Error));
        }
        Some(self.raises_ty.clone().unwrap_or(Ty::Error))
    }

    /// Sends an error of type `err` (`None`: `Error`) to the current context: decides an
    /// undecided `try`, or checks that the context accepts it.
    pub(crate) fn route_error(&mut self, what: &str, err: Option<&Ty>, span: Span) {
        let err = err.cloned().unwrap_or(Ty::Error);
        let Some(target) = self.error_context() else {
            if let Some(slot) = self.try_errors.last_mut() {
                *slot = Some(err);
            }
            return;
        };
        if target == err || target == Ty::Error || err.is_unknown() || target.is_unknown() {
            return;
        }
        let msg = format!(
            "{what} may raise `{}` in a context that supports an error type of `{}`",
            ty_text(self, &err),
            ty_text(self, &target)
        );
        self.error(Diag::error(E_MISMATCH, msg, span).with_hint(
            "call functions with different error types in separate `try` blocks, or convert the error in an `except` clause",
        ));
    }

    /// The type a `raise` without a value re-raises, and how the handler's error is read.
    /// Whether an `Error` raised here is handled: by an enclosing `try` whose error type is
    /// `Error` or not decided yet, or by a function that `raises` `Error`.
    pub(crate) fn can_raise_error(&self) -> bool {
        (self.raises || self.try_depth > 0)
            && matches!(self.error_context(), Some(Ty::Error) | None)
    }

    pub(crate) fn expected_raise(&self) -> Option<Ty> {
        match self.error_context() {
            Some(Ty::Error) => Some(Ty::Error),
            _ => None,
        }
    }

    /// `raise value` of a struct `value` (already routed by `check_may_raise_ty`): the
    /// tuple `(String(value), value)` (see the module comment).
    pub(crate) fn typed_raise(&mut self, te: TExpr, span: Span) -> TStmt {
        let line = te.line;
        let ty = te.ty.clone();
        // `raise x` of a variable copies it (or needs `x^`), like any owned value.
        let te = self.owned_value(te, span);
        let l = self.new_local("", ty.clone(), false);
        let read = TExpr::new(K::Local(l), ty.clone(), line);
        let store = TStmt::Assign(read.clone(), te);
        let msg = if self.has_method(&ty, "write_to") || self.has_method(&ty, "__str__") {
            self.stringify(read, span)
        } else {
            TExpr::new(K::Str(ty_text(self, &ty)), Ty::Str, line)
        };
        let value = TExpr::new(K::Move(l), ty.clone(), line);
        let tuple_ty = Ty::Tuple(vec![Ty::Str, ty]);
        let agg = TExpr::new(K::Aggregate(vec![msg, value]), tuple_ty.clone(), line);
        TStmt::Raise(TExpr::new(
            K::Seq(vec![store], Box::new(agg)),
            tuple_ty,
            line,
        ))
    }
}
