//! Built-ins that produce the library's `Optional[T]` (`stdlib/std/collections/optional.mj`,
//! a prelude module): `Dict.get(key)` without a default.

use mj_syntax::{Diag, Span};

use crate::check::E_UNSUPPORTED;
use crate::check::body::FnCx;
use crate::tir::{TArg, TExpr, TExprKind as K, TStmt, TUn};
use crate::ty::{CtArg, Ty};

impl FnCx<'_> {
    /// The struct `Optional` of the prelude (a lang item), if the program has it.
    fn optional_struct(&self) -> Option<u32> {
        crate::lang_items::lang_struct(self.cx, crate::lang_items::LangItem::Optional)
    }

    /// `Optional[T]()` (`value` None) or `Optional[T](value)` as a value of type
    /// `Optional[T]`; `None` (after a diagnostic) when the library is missing.
    pub(crate) fn make_optional(
        &mut self,
        t: &Ty,
        value: Option<TExpr>,
        span: Span,
    ) -> Option<TExpr> {
        let line = self.line(span);
        let Some(s) = self.optional_struct() else {
            self.error(Diag::error(
                E_UNSUPPORTED,
                "`Optional` is not available: the standard library's `std.collections.optional` was not found",
                span,
            ));
            return None;
        };
        let want = if value.is_some() { 2 } else { 1 };
        let id = self.init_overloads(s).into_iter().find(|id| {
            let ps = &self.cx.funcs[id.0 as usize].sig.params;
            ps.len() == want && ps.get(1).is_none_or(|p| p.ty != Ty::Unit)
        })?;
        let targs: crate::ty::Targs = vec![CtArg::Type(t.clone())].into();
        let args = match value {
            Some(v) => vec![TArg::Value(v)],
            None => Vec::new(),
        };
        Some(TExpr::new(
            K::ConstructInst(id, targs.clone(), args),
            Ty::Struct(s, targs),
            line,
        ))
    }

    /// `d.get(key)`: `Optional(d[key].copy())` when the key is present, else empty.
    /// `ptr` is the dict's value slot for the key (null when absent).
    pub(crate) fn dict_get_optional(&mut self, ptr: TExpr, v: &Ty, span: Span) -> TExpr {
        let line = self.line(span);
        let null = self.is_null(ptr.clone(), line);
        let val = TExpr::new(K::Deref(Box::new(ptr)), v.clone(), line);
        let val = self.copy_value(val, span);
        let (Some(empty), Some(full)) = (
            self.make_optional(v, None, span),
            self.make_optional(v, Some(val), span),
        ) else {
            return self.unknown(line);
        };
        let ty = empty.ty.clone();
        TExpr::new(
            K::IfExp(Box::new(null), Box::new(empty), Box::new(full)),
            ty,
            line,
        )
    }
}

/// The message of an empty `Optional`'s `.value()` / `.take()` (Mojo's wording).
fn empty_message(m: &str) -> String {
    format!(
        "`Optional.{m}()` called on empty `Optional`. Consider using `if optional:` to check \
         whether the `Optional` is empty before calling `.{m}()`, or use `.or_else()` to \
         provide a default value."
    )
}

impl FnCx<'_> {
    /// `opt.value()` / `opt.take()` on a variable or field: the emptiness check runs at the
    /// call, so the abort names the caller's file and line (as Mojo's `call_location()`
    /// does). On other receivers the method's own check (in optional.mj) still aborts.
    pub(crate) fn optional_guard(
        &mut self,
        recv: &TArg,
        owner: u32,
        method: &str,
        call: TExpr,
        span: Span,
    ) -> TExpr {
        if !matches!(method, "value" | "take") || self.optional_struct() != Some(owner) {
            return call;
        }
        let (TArg::Value(r) | TArg::Ref(r)) = recv;
        if !matches!(r.kind, K::Local(_) | K::Field(..)) || !crate::check::expr::is_place(r) {
            return call;
        }
        let line = call.line;
        let Some(full) = self.dunder_call(r.clone(), "__bool__", Vec::new(), span) else {
            return call;
        };
        let empty = TExpr::new(K::Unary(TUn::Not, Box::new(full)), Ty::Bool, line);
        let guard = TStmt::If(
            empty,
            vec![TStmt::Abort(line, empty_message(method))],
            Vec::new(),
        );
        let ty = call.ty.clone();
        TExpr::new(K::Seq(vec![guard], Box::new(call)), ty, line)
    }
}
