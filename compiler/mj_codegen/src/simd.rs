//! SIMD and raw-memory operations: unaligned vector loads and stores through element
//! pointers, lane access, shuffles and reductions. Everything here is straight-line LLVM
//! (no calls except reduction intrinsics), so a SIMD loop in mj compiles to vector code.

use inkwell::types::{BasicType, BasicTypeEnum};
use inkwell::values::{BasicValue, BasicValueEnum, PointerValue, VectorValue};
use mj_mir::{BinOp, Operand, ReduceOp, Ty};

use crate::func::FnCx;
use crate::module::ll;

impl<'m, 'a, 'ctx> FnCx<'m, 'a, 'ctx> {
    /// The pointer value of a `Ptr(T)` operand and the LLVM alignment of `T`.
    fn elem_pointer(&self, ptr: &Operand) -> Result<(PointerValue<'ctx>, u32), String> {
        let pointee = match self.operand_ty(ptr)? {
            Ty::Ptr(t, _) => *t,
            other => return Err(format!("load or store through non-pointer type {other:?}")),
        };
        let BasicValueEnum::PointerValue(p) = self.operand(ptr)? else {
            return Err("expected a pointer operand".into());
        };
        let llty = self.m.types.basic(&pointee)?;
        Ok((p, self.m.target_data.get_abi_alignment(&llty)))
    }

    /// `Rvalue::Load`: a value of type `ty` read through a pointer to its elements.
    pub(crate) fn load_through(
        &self,
        ty: &Ty,
        ptr: &Operand,
    ) -> Result<BasicValueEnum<'ctx>, String> {
        let (p, align) = self.elem_pointer(ptr)?;
        let llty = self.m.types.basic(ty)?;
        let v = ll(self.m.builder.build_load(llty, p, "vload"))?;
        if let Some(inst) = v.as_instruction_value() {
            inst.set_alignment(align).map_err(|e| e.to_string())?;
        }
        // No alias tag: a vector load may read memory written as scalars of its elements.
        Ok(v)
    }

    /// `Stmt::Store`.
    pub(crate) fn store_through(&self, ptr: &Operand, value: &Operand) -> Result<(), String> {
        let (p, align) = self.elem_pointer(ptr)?;
        let v = self.operand(value)?;
        let st = ll(self.m.builder.build_store(p, v))?;
        st.set_alignment(align).map_err(|e| e.to_string())?;
        Ok(())
    }

    fn vector(&self, op: &Operand) -> Result<VectorValue<'ctx>, String> {
        match self.operand(op)? {
            BasicValueEnum::VectorValue(v) => Ok(v),
            _ => Err("expected a vector operand".into()),
        }
    }

    fn lane_index(&self, op: &Operand) -> Result<inkwell::values::IntValue<'ctx>, String> {
        match self.operand(op)? {
            BasicValueEnum::IntValue(i) => Ok(i),
            _ => Err("expected an integer lane index".into()),
        }
    }

    pub(crate) fn extract(&self, v: &Operand, i: &Operand) -> Result<BasicValueEnum<'ctx>, String> {
        let vv = self.vector(v)?;
        let iv = self.lane_index(i)?;
        ll(self.m.builder.build_extract_element(vv, iv, "lane"))
    }

    pub(crate) fn insert(
        &self,
        v: &Operand,
        i: &Operand,
        x: &Operand,
    ) -> Result<BasicValueEnum<'ctx>, String> {
        let vv = self.vector(v)?;
        let iv = self.lane_index(i)?;
        let xv = self.operand(x)?;
        Ok(ll(self.m.builder.build_insert_element(vv, xv, iv, "ins"))?.into())
    }

    fn shuffle_values(
        &self,
        a: VectorValue<'ctx>,
        b: VectorValue<'ctx>,
        mask: &[u32],
    ) -> Result<VectorValue<'ctx>, String> {
        let i32t = self.m.ctx.i32_type();
        let lanes: Vec<_> = mask
            .iter()
            .map(|&m| i32t.const_int(u64::from(m), false))
            .collect();
        let mask = inkwell::types::VectorType::const_vector(&lanes);
        ll(self.m.builder.build_shuffle_vector(a, b, mask, "shuf"))
    }

    pub(crate) fn shuffle(
        &self,
        a: &Operand,
        b: &Operand,
        mask: &[u32],
    ) -> Result<BasicValueEnum<'ctx>, String> {
        let (av, bv) = (self.vector(a)?, self.vector(b)?);
        Ok(self.shuffle_values(av, bv, mask)?.into())
    }

    /// Lane-wise select when the condition is a vector of `Bool`.
    pub(crate) fn select_lanes(
        &self,
        c: VectorValue<'ctx>,
        x: BasicValueEnum<'ctx>,
        y: BasicValueEnum<'ctx>,
    ) -> Result<BasicValueEnum<'ctx>, String> {
        ll(self.m.builder.build_select(c, x, y, "vsel"))
    }

    pub(crate) fn reduce(&self, op: ReduceOp, x: &Operand) -> Result<BasicValueEnum<'ctx>, String> {
        let ty = self.operand_ty(x)?;
        let Ty::Vector(elem, n) = &ty else {
            return Err(format!("reduction of non-vector type {ty:?}"));
        };
        let v = self.vector(x)?;
        match op {
            ReduceOp::Add | ReduceOp::Mul => {
                // Pairwise halves: lanes [0, n/2) plus lanes [n/2, n), down to one lane.
                let bop = if op == ReduceOp::Add {
                    BinOp::Add
                } else {
                    BinOp::Mul
                };
                let mut cur = v;
                let mut width = *n;
                while width > 1 {
                    let half = width / 2;
                    let lo: Vec<u32> = (0..half).collect();
                    let hi: Vec<u32> = (half..width).collect();
                    let a = self.shuffle_values(cur, cur, &lo)?;
                    let b = self.shuffle_values(cur, cur, &hi)?;
                    let hty = Ty::Vector(elem.clone(), half);
                    cur = self.binary_values(bop, &hty, a.into(), b.into())?;
                    width = half;
                }
                let zero = self.m.ctx.i32_type().const_zero();
                ll(self.m.builder.build_extract_element(cur, zero, "red"))
            }
            ReduceOp::Min | ReduceOp::Max | ReduceOp::And | ReduceOp::Or => {
                let kind = match (op, &**elem) {
                    (ReduceOp::And, _) => "and",
                    (ReduceOp::Or, _) => "or",
                    (ReduceOp::Min, Ty::Float { .. }) => "fmin",
                    (ReduceOp::Max, Ty::Float { .. }) => "fmax",
                    (ReduceOp::Min, Ty::Int { signed: true, .. }) => "smin",
                    (ReduceOp::Max, Ty::Int { signed: true, .. }) => "smax",
                    (ReduceOp::Min, _) => "umin",
                    _ => "umax",
                };
                let name = format!(
                    "llvm.vector.reduce.{kind}.{}",
                    crate::types::intrinsic_suffix(&ty)?
                );
                let ret: BasicTypeEnum<'ctx> = self.m.types.basic(elem)?;
                let fty = ret.fn_type(&[v.get_type().into()], false);
                let f = self.m.declare_extern(&name, fty)?;
                let call = ll(self.m.builder.build_call(f, &[v.into()], "red"))?;
                call.try_as_basic_value()
                    .basic()
                    .ok_or_else(|| format!("{name} returned nothing"))
            }
        }
    }

    /// A binary operation on two vector values of type `ty`.
    fn binary_values(
        &self,
        op: BinOp,
        ty: &Ty,
        a: BasicValueEnum<'ctx>,
        b: BasicValueEnum<'ctx>,
    ) -> Result<VectorValue<'ctx>, String> {
        match self.binary(op, ty, a, b)? {
            BasicValueEnum::VectorValue(v) => Ok(v),
            other => Err(format!(
                "vector operation produced {}",
                other.get_type().print_to_string()
            )),
        }
    }

    /// `Float32` or `Float64` (scalar or vector) narrowed to `BFloat16`/`Float16` (`to_ll`).
    /// `Float64` goes through `Float32` first. `BFloat16` is rounded here, to nearest even
    /// (NaN stays a quiet NaN): a plain `fptrunc` to `bfloat` is a call of compiler-rt's
    /// `__truncsfbf2` on CPUs without the instruction, which neither libgcc nor the JIT has.
    pub(crate) fn narrow_to_half(
        &self,
        v: BasicValueEnum<'ctx>,
        to_ll: BasicTypeEnum<'ctx>,
    ) -> Result<BasicValueEnum<'ctx>, String> {
        use inkwell::values::InstructionOpcode as I;
        let ctx = self.m.ctx;
        let b = &self.m.builder;
        let lanes = match to_ll {
            BasicTypeEnum::VectorType(vt) => Some(vt.get_size()),
            _ => None,
        };
        // A scalar type, as a vector of `to_ll`'s width when `to_ll` is one.
        let shaped = |t: BasicTypeEnum<'ctx>| -> BasicTypeEnum<'ctx> {
            match (lanes, t) {
                (Some(n), BasicTypeEnum::FloatType(f)) => f.vec_type(n).into(),
                (Some(n), BasicTypeEnum::IntType(i)) => i.vec_type(n).into(),
                _ => t,
            }
        };
        let f32t = shaped(ctx.f32_type().into());
        let narrow = if v.get_type() == f32t {
            v
        } else {
            ll(b.build_cast(I::FPTrunc, v, f32t, "fnarrow"))?
        };
        let is_bf16 = match to_ll {
            BasicTypeEnum::VectorType(vt) => vt.get_element_type() == ctx.bf16_type().into(),
            t => t == ctx.bf16_type().into(),
        };
        if !is_bf16 {
            return ll(b.build_cast(I::FPTrunc, narrow, to_ll, "hnarrow"));
        }
        let i32t = ctx.i32_type();
        let i16t = shaped(ctx.i16_type().into());
        let splat = |c: u64| -> BasicValueEnum<'ctx> {
            match lanes {
                Some(n) => inkwell::types::VectorType::const_vector(&vec![
                    i32t.const_int(c, false);
                    n as usize
                ])
                .into(),
                None => i32t.const_int(c, false).into(),
            }
        };
        let bits = ll(b.build_bit_cast(narrow, shaped(i32t.into()), "bf.bits"))?;
        let op = |o: I, x: BasicValueEnum<'ctx>, y: BasicValueEnum<'ctx>, n: &str| {
            ll(b.build_binop(o, x, y, n))
        };
        // round to nearest even: bits + 0x7FFF + ((bits >> 16) & 1), keep the high half.
        let top = op(I::LShr, bits, splat(16), "bf.hi")?;
        let lsb = op(I::And, top, splat(1), "bf.lsb")?;
        let rounded = op(
            I::Add,
            op(I::Add, bits, splat(0x7FFF), "bf.r")?,
            lsb,
            "bf.r2",
        )?;
        let high = op(I::LShr, rounded, splat(16), "bf.round")?;
        // NaN: its top half with the quiet bit set (rounding could make it infinite).
        let nan_bits = op(I::Or, top, splat(0x40), "bf.nan")?;
        let is_nan = match narrow {
            BasicValueEnum::FloatValue(f) => {
                ll(b.build_float_compare(inkwell::FloatPredicate::UNO, f, f, "bf.isnan"))?
                    .as_basic_value_enum()
            }
            BasicValueEnum::VectorValue(f) => {
                ll(b.build_float_compare(inkwell::FloatPredicate::UNO, f, f, "bf.isnan"))?
                    .as_basic_value_enum()
            }
            other => {
                return Err(format!(
                    "bfloat16 narrowing of {}",
                    other.get_type().print_to_string()
                ));
            }
        };
        let chosen = match is_nan {
            BasicValueEnum::IntValue(c) => ll(b.build_select(c, nan_bits, high, "bf.pick"))?,
            BasicValueEnum::VectorValue(c) => ll(b.build_select(c, nan_bits, high, "bf.pick"))?,
            _ => high,
        };
        let half = ll(b.build_cast(I::Trunc, chosen, i16t, "bf.trunc"))?;
        ll(b.build_bit_cast(half, to_ll, "bf.value"))
    }

    /// Conversion between `Float16` and `BFloat16` (same width, different layouts): through
    /// `Float32`, which holds both exactly.
    pub(crate) fn half_cast(
        &self,
        v: BasicValueEnum<'ctx>,
        to_ll: BasicTypeEnum<'ctx>,
    ) -> Result<BasicValueEnum<'ctx>, String> {
        use inkwell::values::InstructionOpcode as I;
        let b = &self.m.builder;
        let f32t: BasicTypeEnum<'ctx> = match to_ll {
            BasicTypeEnum::VectorType(vt) => self.m.ctx.f32_type().vec_type(vt.get_size()).into(),
            _ => self.m.ctx.f32_type().into(),
        };
        let wide = ll(b.build_cast(I::FPExt, v.as_basic_value_enum(), f32t, "hwide"))?;
        self.narrow_to_half(wide, to_ll)
    }
}
