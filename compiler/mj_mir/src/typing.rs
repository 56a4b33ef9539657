//! Type queries over MIR: the type of a place, an operand or a constant.
//!
//! The MIR stores types only on locals; everything else is derived here so that the code
//! generator, the printer and the interpreter agree on one definition.

use crate::{Const, Function, Operand, Place, Program, Proj, Ty};

impl Program {
    /// The type of the value stored at `place` in function `f`: the local's type, narrowed by
    /// each projection (`Field(n)` of a struct or tuple gives the field's type, `Deref` of
    /// `Ptr(T)` gives `T`). An ill-formed place is an error, not a panic, because MIR can come
    /// from hand-written tests or a buggy lowering.
    pub fn place_ty(&self, f: &Function, place: &Place) -> Result<Ty, String> {
        let mut ty = f
            .locals
            .get(place.local.0 as usize)
            .ok_or_else(|| format!("{}: no local _{}", f.name, place.local.0))?
            .ty
            .clone();
        for proj in &place.proj {
            ty = self
                .project_ty(&ty, proj)
                .map_err(|e| format!("{}: {e}", f.name))?;
        }
        Ok(ty)
    }

    /// The type reached by applying one projection to a value of type `ty`.
    pub fn project_ty(&self, ty: &Ty, proj: &Proj) -> Result<Ty, String> {
        match (proj, ty) {
            (Proj::Field(n), Ty::Tuple(fields)) => fields
                .get(*n as usize)
                .cloned()
                .ok_or_else(|| format!("tuple has no field {n}")),
            (Proj::Field(n), Ty::Struct(id)) => {
                let def = self
                    .structs
                    .get(id.0 as usize)
                    .ok_or_else(|| format!("no struct #{}", id.0))?;
                def.fields
                    .get(*n as usize)
                    .map(|(_, t)| t.clone())
                    .ok_or_else(|| format!("struct {} has no field {n}", def.name))
            }
            (Proj::Deref, Ty::Ptr(inner, _)) => Ok((**inner).clone()),
            (Proj::Field(n), other) => Err(format!("field {n} of non-aggregate type {other:?}")),
            (Proj::Deref, other) => Err(format!("deref of non-pointer type {other:?}")),
        }
    }

    /// The type of an operand in function `f`.
    pub fn operand_ty(&self, f: &Function, op: &Operand) -> Result<Ty, String> {
        match op {
            Operand::Copy(place) => self.place_ty(f, place),
            Operand::Const(c) => Ok(c.ty()),
        }
    }
}

impl Const {
    /// The type of a constant. `Int` and `Float` carry theirs; a string literal is a `Str`.
    pub fn ty(&self) -> Ty {
        match self {
            Const::Int(_, ty) | Const::Float(_, ty) | Const::Null(ty) => ty.clone(),
            Const::FnAddr(_) => Ty::ptr(Ty::Unit),
            Const::Bool(_) => Ty::Bool,
            Const::Str(_) => Ty::Str,
            Const::Unit => Ty::Unit,
        }
    }
}
