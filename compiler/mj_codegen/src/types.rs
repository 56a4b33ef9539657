//! Mapping MIR types to LLVM types.

use std::num::NonZeroU32;

use inkwell::AddressSpace;
use inkwell::context::Context;
use inkwell::types::{BasicMetadataTypeEnum, BasicType, BasicTypeEnum, FunctionType, StructType};
use mj_mir::{Program, Ty};

/// The LLVM types of one program: the named struct types are created up front (opaque, then
/// filled in) so that structs can refer to each other in any order.
pub(crate) struct Types<'ctx> {
    pub ctx: &'ctx Context,
    structs: Vec<StructType<'ctx>>,
    /// `MjStr { i64 len, ptr bytes, i64 rc }`, the layout of string literals (`rc` 0:
    /// immortal, never counted or freed by the runtime).
    pub str_obj: StructType<'ctx>,
    /// Whether pointers keep their MIR address space (GPU targets); on a CPU every
    /// address space is the default one.
    address_spaces: bool,
}

impl<'ctx> Types<'ctx> {
    pub fn new(ctx: &'ctx Context, p: &Program, address_spaces: bool) -> Result<Self, String> {
        let i64t = ctx.i64_type().into();
        let ptr = ctx.ptr_type(AddressSpace::default()).into();
        let t = Types {
            ctx,
            structs: p
                .structs
                .iter()
                .map(|s| ctx.opaque_struct_type(&s.name))
                .collect(),
            str_obj: ctx.struct_type(&[i64t, ptr, i64t], false),
            address_spaces,
        };
        for (i, def) in p.structs.iter().enumerate() {
            let fields = def
                .fields
                .iter()
                .map(|(_, ty)| t.basic(ty))
                .collect::<Result<Vec<_>, _>>()?;
            t.structs[i].set_body(&fields, false);
        }
        // A struct that contains itself by value has no size; LLVM would loop or crash later.
        for (i, def) in p.structs.iter().enumerate() {
            if !t.structs[i].is_sized() {
                return Err(format!("struct {} contains itself by value", def.name));
            }
        }
        Ok(t)
    }

    pub fn ptr(&self) -> BasicTypeEnum<'ctx> {
        self.ctx.ptr_type(AddressSpace::default()).into()
    }

    pub fn i64(&self) -> inkwell::types::IntType<'ctx> {
        self.ctx.i64_type()
    }

    /// The LLVM type of a value of type `ty` in a register or in memory. `Unit` becomes the
    /// empty struct so that unit-typed locals and fields need no special cases; only function
    /// results use `void` (see [`Types::fn_type`]).
    pub fn basic(&self, ty: &Ty) -> Result<BasicTypeEnum<'ctx>, String> {
        Ok(match ty {
            Ty::Unit => self.ctx.struct_type(&[], false).into(),
            Ty::Bool => self.ctx.bool_type().into(),
            Ty::Int { bits, .. } => {
                let bits = NonZeroU32::new(u32::from(*bits)).ok_or("zero-width integer type")?;
                self.ctx
                    .custom_width_int_type(bits)
                    .map_err(|e| e.to_string())?
                    .into()
            }
            Ty::Float { bits: 16 } => self.ctx.f16_type().into(),
            Ty::Float {
                bits: mj_mir::BF16_BITS,
            } => self.ctx.bf16_type().into(),
            Ty::Float { bits: 32 } => self.ctx.f32_type().into(),
            Ty::Float { bits: 64 } => self.ctx.f64_type().into(),
            Ty::Float { bits } => return Err(format!("unsupported float width {bits}")),
            Ty::Ptr(_, space) if self.address_spaces && *space != 0 => self
                .ctx
                .ptr_type(AddressSpace::from(u16::from(*space)))
                .into(),
            Ty::Str | Ty::Ptr(..) => self.ptr(),
            Ty::Tuple(elems) => {
                let fields = elems
                    .iter()
                    .map(|e| self.basic(e))
                    .collect::<Result<Vec<_>, _>>()?;
                self.ctx.struct_type(&fields, false).into()
            }
            Ty::Struct(id) => self
                .structs
                .get(id.0 as usize)
                .ok_or_else(|| format!("no struct #{}", id.0))?
                .as_basic_type_enum(),
            Ty::Vector(elem, n) => match self.basic(elem)? {
                BasicTypeEnum::IntType(t) => t.vec_type(*n).into(),
                BasicTypeEnum::FloatType(t) => t.vec_type(*n).into(),
                BasicTypeEnum::PointerType(t) => t.vec_type(*n).into(),
                _ => return Err(format!("vector of non-scalar type {elem:?}")),
            },
            Ty::Array(elem, n) => self.basic(elem)?.array_type(*n).into(),
        })
    }

    /// A function type from parameter and result types; `Unit` results are `void`.
    pub fn fn_type(
        &self,
        params: &[Ty],
        ret: &Ty,
        error_slot: bool,
    ) -> Result<FunctionType<'ctx>, String> {
        let mut ps: Vec<BasicMetadataTypeEnum<'ctx>> = params
            .iter()
            .map(|t| self.basic(t).map(Into::into))
            .collect::<Result<_, _>>()?;
        if error_slot {
            ps.push(self.ptr().into());
        }
        Ok(match ret {
            Ty::Unit => self.ctx.void_type().fn_type(&ps, false),
            other => self.basic(other)?.fn_type(&ps, false),
        })
    }
}

/// The overload suffix LLVM uses for a type in intrinsic names: `f64`, `i32`, `v4f32`.
pub(crate) fn intrinsic_suffix(ty: &Ty) -> Result<String, String> {
    Ok(match ty {
        Ty::Bool => "i1".into(),
        Ty::Int { bits, .. } => format!("i{bits}"),
        Ty::Float {
            bits: mj_mir::BF16_BITS,
        } => "bf16".into(),
        Ty::Float { bits } => format!("f{bits}"),
        Ty::Vector(elem, n) => format!("v{n}{}", intrinsic_suffix(elem)?),
        Ty::Str | Ty::Ptr(..) => "p0".into(),
        other => return Err(format!("no intrinsic overload for type {other:?}")),
    })
}
