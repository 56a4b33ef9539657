//! Built-in help for the library's `Optional[T]` (`stdlib/std/collections/optional.mj`,
//! a prelude module): the call-site check of `opt.value()` / `opt.take()`.

use mj_syntax::Span;

use crate::check::body::FnCx;
use crate::tir::{TArg, TExpr, TExprKind as K, TStmt, TUn};
use crate::ty::Ty;

impl FnCx<'_> {
    /// The struct `Optional` of the prelude (a lang item), if the program has it.
    fn optional_struct(&self) -> Option<u32> {
        crate::lang_items::lang_struct(self.cx, crate::lang_items::LangItem::Optional)
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
