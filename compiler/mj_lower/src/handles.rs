//! Reference counts of runtime handles (`String`, `Error`, `List`, `Dict`) in the lowering.
//!
//! The checker makes handles values with a destructor (`mj_sema/src/check/ownership.rs`):
//! owning locals and temporaries are released by the drop machinery (`drops.rs`, which
//! calls [`Fx::release_place`]) and implicit copies are explicit retains in the TIR. What
//! is left for the lowering, using the shared classification `mj_sema::handles::ownership`:
//! - a new reference passed to a runtime function (which only borrows its arguments) is
//!   released right after the call (`concat(concat(a, b), c)`, `print(s + t)`);
//! - borrowed values that become part of a new value (aggregate elements), a result, an
//!   error being raised, or a new list element are retained (a safety net where the
//!   checker has not already made them new references);

use mj_mir::{self as mir, Callee, Operand, Place, Proj, Stmt};
use mj_sema::handles::{Own, extern_result_owned, is_handle, ownership, release_fn, retain_fn};
use mj_sema::tir::{TArg, TExpr};
use mj_sema::ty::Ty;

use super::{Fx, R};
use crate::lower_ty;

impl Fx<'_> {
    /// Whether a value of this type holds a handle (itself, in a field or tuple element).
    pub(super) fn has_handles(&self, t: &Ty) -> bool {
        self.has_handles_at(t, 0)
    }

    fn has_handles_at(&self, t: &Ty, depth: u32) -> bool {
        if depth > 64 {
            return false;
        }
        match t {
            Ty::Struct(s, _) => self.tp.structs.get(*s as usize).is_some_and(|st| {
                st.fields
                    .iter()
                    .any(|(_, f)| self.has_handles_at(f, depth + 1))
            }),
            Ty::Tuple(ts) => ts.iter().any(|t| self.has_handles_at(t, depth + 1)),
            t => is_handle(t),
        }
    }

    /// Drops the reference held at `place` (a handle-typed place).
    pub(super) fn release_place(&mut self, place: Place, ty: &Ty) {
        if let Some(f) = release_fn(ty) {
            self.push(Stmt::Call {
                dest: None,
                callee: Callee::Extern(crate::rt_symbol(f).into()),
                args: vec![Operand::Copy(place)],
            });
        }
    }

    /// Adds a reference to every handle in the value at `place`.
    fn retain_place(&mut self, place: Place, ty: &Ty, depth: u32) -> R<()> {
        if depth > 64 {
            return Ok(());
        }
        if let Some(f) = retain_fn(ty) {
            let t = self.temp(lower_ty(ty)?);
            self.push(Stmt::Call {
                dest: Some(Place::local(t)),
                callee: Callee::Extern(crate::rt_symbol(f).into()),
                args: vec![Operand::Copy(place)],
            });
            return Ok(());
        }
        let fields: Vec<Ty> = match ty {
            Ty::Struct(s, _) => match self.tp.structs.get(*s as usize) {
                Some(st) => st.fields.iter().map(|(_, t)| t.clone()).collect(),
                None => return Ok(()),
            },
            Ty::Tuple(ts) => ts.clone(),
            _ => return Ok(()),
        };
        for (i, ft) in fields.iter().enumerate() {
            if self.has_handles(ft) {
                let mut p = place.clone();
                p.proj.push(Proj::Field(i as u32));
                self.retain_place(p, ft, depth + 1)?;
            }
        }
        Ok(())
    }

    /// The value of `e` as a reference of its own: a borrowed value holding handles is
    /// copied to a temporary whose handles are retained.
    pub(super) fn owned_operand(&mut self, e: &TExpr) -> R<Operand> {
        let op = self.operand(e)?;
        if !self.has_handles(&e.ty) || ownership(e) != Own::Borrowed {
            return Ok(op);
        }
        let p = self.materialize_copy(op, &e.ty)?;
        self.retain_place(p.clone(), &e.ty, 0)?;
        Ok(Operand::Copy(p))
    }

    /// Stores an operand in a fresh local (always a copy, unlike `materialize`).
    fn materialize_copy(&mut self, op: Operand, ty: &Ty) -> R<Place> {
        let t = self.temp(lower_ty(ty)?);
        self.push(Stmt::Assign(Place::local(t), mir::Rvalue::Use(op)));
        Ok(Place::local(t))
    }

    /// The new references among the handle arguments of a runtime function call, to
    /// release after it. None when the result may point into an argument (a pointer, a
    /// borrowed handle): those arguments are left alone (a leak, never a dangling result).
    pub(super) fn extern_temps(&self, name: &str, args: &[TArg], ret: &Ty) -> Vec<usize> {
        if !extern_result_owned(name) || matches!(ret, Ty::Ptr(..) | Ty::RawPtr(..)) {
            return Vec::new();
        }
        args.iter()
            .enumerate()
            .filter(|(_, a)| {
                matches!(a, TArg::Value(v) if is_handle(&v.ty) && ownership(v) == Own::Owned)
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// Releases the given argument operands (new references a call only borrowed).
    pub(super) fn release_args(&mut self, ops: &[Operand], args: &[TArg], which: &[usize]) {
        for &i in which {
            if let (Some(Operand::Copy(p)), Some(TArg::Value(v))) = (ops.get(i), args.get(i)) {
                self.release_place(p.clone(), &v.ty);
            }
        }
    }
}
