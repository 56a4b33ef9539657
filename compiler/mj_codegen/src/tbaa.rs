//! Type-based alias analysis tags.
//!
//! Without them LLVM must assume that a store to a list element may change the list's own
//! header (`len`, `data`), so every `xs[i]` in a loop reloads the header and re-checks the
//! bounds from memory. Each scalar type, and each header field, gets its own type node
//! directly under one root, so accesses of different kinds never alias. Aggregate loads
//! and stores stay untagged (they may alias anything), which is always correct.

use inkwell::values::{InstructionValue, MetadataValue};
use mj_mir::Ty;

use crate::module::ModCx;

/// What an access touches.
pub(crate) enum Access<'t> {
    /// A scalar of this type (struct fields included).
    Value(&'t Ty),
    /// The `len` field of a string object.
    Len,
}

impl<'ctx> ModCx<'_, 'ctx> {
    fn tbaa_tag(&self, name: &str) -> MetadataValue<'ctx> {
        if let Some(t) = self.tbaa.borrow().get(name) {
            return *t;
        }
        let root = self
            .ctx
            .metadata_node(&[self.ctx.metadata_string("mj tbaa").into()]);
        let i64t = self.ctx.i64_type();
        let ty = self.ctx.metadata_node(&[
            self.ctx.metadata_string(name).into(),
            root.into(),
            i64t.const_zero().into(),
        ]);
        let tag = self
            .ctx
            .metadata_node(&[ty.into(), ty.into(), i64t.const_zero().into()]);
        self.tbaa.borrow_mut().insert(name.to_string(), tag);
        tag
    }

    /// Attaches the alias tag of `access` to a load or store instruction.
    pub(crate) fn tag_access(&self, inst: Option<InstructionValue<'ctx>>, access: Access<'_>) {
        let name = match access {
            Access::Len => "mj.len".to_string(),
            Access::Value(t) => match t {
                Ty::Bool => "bool".into(),
                Ty::Int { bits, .. } => format!("i{bits}"),
                Ty::Float { bits } => format!("f{bits}"),
                Ty::Str | Ty::Ptr(..) => "ptr".into(),
                Ty::Unit | Ty::Tuple(_) | Ty::Struct(_) | Ty::Vector(..) | Ty::Array(..) => return,
            },
        };
        let Some(inst) = inst else { return };
        let kind = self.ctx.get_kind_id("tbaa");
        // Attaching metadata to a load/store cannot fail; ignore the impossible error.
        let _ = inst.set_metadata(self.tbaa_tag(&name), kind);
    }
}
