//! The lifecycle methods of `UnsafePointer[T]` that treat the pointee as a value with an
//! owner (Mojo's names): `init_pointee_move(v^)` and `init_pointee_copy(v)` store into
//! uninitialized memory (nothing is destroyed), `take_pointee()` moves the value out
//! (the memory is uninitialized afterwards) and `destroy_pointee()` runs its destructor.
//! The library's own containers (`Optional`, `Set`) are written with them.

use mj_syntax::Span;
use mj_syntax::ast::Arg;

use crate::check::body::FnCx;
use crate::tir::{TExpr, TExprKind as K, TStmt};
use crate::ty::Ty;

pub(crate) const POINTEE_METHODS: &[&str] = &[
    "init_pointee_move",
    "init_pointee_copy",
    "take_pointee",
    "destroy_pointee",
    "move_pointee_into",
];

impl FnCx<'_> {
    pub(super) fn pointee_method(
        &mut self,
        p: TExpr,
        elem: &Ty,
        m: &str,
        args: &[Arg],
        span: Span,
    ) -> TExpr {
        let line = self.line(span);
        let unit = |stmts: Vec<TStmt>| {
            TExpr::new(
                K::Seq(stmts, Box::new(TExpr::new(K::Unit, Ty::Unit, line))),
                Ty::Unit,
                line,
            )
        };
        let pty = p.ty.clone();
        let deref = TExpr::new(K::Deref(Box::new(p)), elem.clone(), line);
        if m == "move_pointee_into" {
            // `src.move_pointee_into(dst)`: one move from `src`'s memory into `dst`'s
            // uninitialized memory (`src` is uninitialized afterwards).
            if !self.arity(m, args, 1, 1, span) {
                return self.unknown(line);
            }
            let dst = self.expr(&args[0].value, Some(&pty));
            let dst = self.coerce(dst, &pty, args[0].value.span);
            let taken = self.taken_pointee(deref);
            let moved = self.through_move_ctor(taken);
            let target = TExpr::new(K::Deref(Box::new(dst)), elem.clone(), line);
            return unit(vec![TStmt::Assign(target, moved)]);
        }
        match m {
            "init_pointee_move" | "init_pointee_copy" => {
                if !self.arity(m, args, 1, 1, span) {
                    return self.unknown(line);
                }
                let a = &args[0].value;
                let v = self.expr(a, Some(elem));
                let v = self.coerce(v, elem, a.span);
                let v = if m == "init_pointee_copy" {
                    self.copy_value(v, a.span)
                } else {
                    let v = self.owned_value(v, a.span);
                    self.through_move_ctor(v)
                };
                // A store into raw memory: there is no old value to destroy.
                unit(vec![TStmt::Assign(deref, v)])
            }
            _ => {
                if !self.arity(m, args, 0, 0, span) {
                    return self.unknown(line);
                }
                let taken = self.taken_pointee(deref);
                if m == "take_pointee" {
                    return self.through_move_ctor(taken);
                }
                let v = self.hold_temp(taken);
                unit(vec![TStmt::Expr(v)])
            }
        }
    }
}

impl FnCx<'_> {
    /// The value in the memory `deref` reads, moved out: its bits go to an unowned
    /// temporary, and reading that with a move makes the result an owned value (not a
    /// place that would need a copy).
    fn taken_pointee(&mut self, deref: TExpr) -> TExpr {
        let (ty, line) = (deref.ty.clone(), deref.line);
        let l = self.new_local("", ty.clone(), false);
        let st = TStmt::Assign(TExpr::new(K::Local(l), ty.clone(), line), deref);
        TExpr::new(
            K::Seq(vec![st], Box::new(TExpr::new(K::Move(l), ty.clone(), line))),
            ty,
            line,
        )
    }
}
