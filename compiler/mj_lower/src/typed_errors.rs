//! Typed errors (`raises T`, `mj_sema`'s `check/typed_errors.rs`).
//!
//! An `Error` travels in the error slot as its `Str` handle. A typed error travels as a
//! heap box `(Str, T)` made by `mj_alloc`: the error's message (the value's `write_to`
//! output, computed where it is raised) and the value. The slot of a handler or of a
//! `finally` re-raise has the type of the errors that reach it, so:
//! - `raise value` in a typed context boxes the tuple the checker built; in an `Error`
//!   context it raises the message and destroys the value;
//! - a call of a typed function whose error goes to an `Error` context takes the message
//!   out of the box, destroys the value and frees the box (Mojo's type erasure);
//! - a typed `except e:` moves the value out of the box, releases the message and frees
//!   the box.

use mj_mir::{self as mir, Callee, Operand, Place, Proj, Rvalue, Stmt};
use mj_sema::ty::Ty;

use super::{Fx, R};
use crate::lower_ty;

/// The MIR type of an error slot for errors of type `t` (`None` or `Error`: `Str`).
pub(super) fn err_slot_ty(t: Option<&Ty>) -> R<mir::Ty> {
    match t {
        None | Some(Ty::Error) => Ok(mir::Ty::Str),
        Some(t) => Ok(mir::Ty::ptr(mir::Ty::Tuple(vec![
            mir::Ty::Str,
            lower_ty(t)?,
        ]))),
    }
}

fn field(p: mir::Local, k: u32) -> Place {
    Place {
        local: p,
        proj: vec![Proj::Deref, Proj::Field(k)],
    }
}

impl Fx<'_> {
    /// The slot type of the place an error raised here goes to.
    pub(super) fn target_err_ty(&self) -> R<mir::Ty> {
        match self.err_targets.last() {
            Some(t) => Ok(self.locals[t.slot.0 as usize].ty.clone()),
            None => err_slot_ty(self.f.raises_ty.as_ref()),
        }
    }

    fn target_is_error(&self) -> R<bool> {
        Ok(self.target_err_ty()? == mir::Ty::Str)
    }

    /// `raise (message, value)` of a typed error (`tuple` has the sema type `(Str, T)`).
    pub(super) fn raise_typed(&mut self, op: Operand, tuple: &Ty) -> R<()> {
        let Ty::Tuple(parts) = tuple else {
            return Err("internal error: a typed raise without its message".into());
        };
        let mty = lower_ty(tuple)?;
        if self.target_is_error()? {
            let t = self.temp(mty);
            self.push(Stmt::Assign(Place::local(t), Rvalue::Use(op)));
            let msg = self.temp(mir::Ty::Str);
            let at = |k| Place {
                local: t,
                proj: vec![Proj::Field(k)],
            };
            self.push(Stmt::Assign(
                Place::local(msg),
                Rvalue::Use(Operand::Copy(at(0))),
            ));
            if let Some(v) = parts.get(1) {
                self.drop_place(at(1), v);
            }
            self.raise(Operand::Copy(Place::local(msg)));
            return Ok(());
        }
        let size = self.temp(mir::Ty::INT);
        self.push(Stmt::Assign(
            Place::local(size),
            Rvalue::SizeOf(mty.clone()),
        ));
        let p = self.temp(mir::Ty::ptr(mty));
        self.push(Stmt::Call {
            dest: Some(Place::local(p)),
            callee: Callee::Extern("mj_alloc".into()),
            args: vec![Operand::Copy(Place::local(size))],
        });
        self.push(Stmt::Assign(
            Place {
                local: p,
                proj: vec![Proj::Deref],
            },
            Rvalue::Use(op),
        ));
        self.raise(Operand::Copy(Place::local(p)));
        Ok(())
    }

    /// The error of a call whose callee raises `callee_err`, as the current target wants it.
    pub(super) fn incoming_error(
        &mut self,
        err: mir::Local,
        callee_err: Option<&Ty>,
    ) -> R<Operand> {
        let Some(t) = callee_err.filter(|t| **t != Ty::Error) else {
            return Ok(Operand::Copy(Place::local(err)));
        };
        if !self.target_is_error()? {
            return Ok(Operand::Copy(Place::local(err)));
        }
        let msg = self.temp(mir::Ty::Str);
        self.push(Stmt::Assign(
            Place::local(msg),
            Rvalue::Use(Operand::Copy(field(err, 0))),
        ));
        self.drop_place(field(err, 1), t);
        self.free(err);
        Ok(Operand::Copy(Place::local(msg)))
    }

    /// At the entry of a typed handler: moves the value out of the box in `slot` into
    /// `local`, releases the message and frees the box.
    pub(super) fn unbox_caught(&mut self, slot: mir::Local, local: mir::Local) {
        self.push(Stmt::Assign(
            Place::local(local),
            Rvalue::Use(Operand::Copy(field(slot, 1))),
        ));
        self.release_place(field(slot, 0), &Ty::Str);
        self.free(slot);
    }

    fn free(&mut self, p: mir::Local) {
        self.push(Stmt::Call {
            dest: None,
            callee: Callee::Extern("mj_free".into()),
            args: vec![Operand::Copy(Place::local(p))],
        });
    }
}
