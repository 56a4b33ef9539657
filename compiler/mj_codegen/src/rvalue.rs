//! Operands, constants and rvalues.

use inkwell::types::{BasicType, BasicTypeEnum, IntType};
use inkwell::values::{BasicValue, BasicValueEnum, IntValue};
use inkwell::{FloatPredicate, IntPredicate};
use mj_mir::{BinOp, CmpOp, Const, Operand, Rvalue, Ty, UnOp};

use crate::func::FnCx;
use crate::module::ll;
use crate::tbaa::Access;

/// An integer constant of any width from the MIR's `i128` (bits above the width are dropped).
pub(crate) fn const_int_bits<'ctx>(ty: IntType<'ctx>, v: i128) -> IntValue<'ctx> {
    if ty.get_bit_width() <= 64 {
        ty.const_int(v as u64, false)
    } else {
        let u = v as u128;
        ty.const_int_arbitrary_precision(&[u as u64, (u >> 64) as u64])
    }
}

/// The scalar element type of a scalar or vector type, which decides signedness and
/// int/float operations.
fn scalar(ty: &Ty) -> &Ty {
    match ty {
        Ty::Vector(e, _) => e,
        other => other,
    }
}

impl<'m, 'a, 'ctx> FnCx<'m, 'a, 'ctx> {
    pub fn operand(&self, op: &Operand) -> Result<BasicValueEnum<'ctx>, String> {
        match op {
            Operand::Copy(place) => self.load_place(place),
            Operand::Const(c) => self.constant(c),
        }
    }

    fn constant(&self, c: &Const) -> Result<BasicValueEnum<'ctx>, String> {
        let t = &self.m.types;
        Ok(match c {
            Const::Int(v, ty) => match t.basic(ty)? {
                BasicTypeEnum::IntType(it) => const_int_bits(it, *v).into(),
                BasicTypeEnum::VectorType(vt) => {
                    let lane = const_int_bits(vt.get_element_type().into_int_type(), *v);
                    inkwell::types::VectorType::const_vector(&vec![lane; vt.get_size() as usize])
                        .into()
                }
                _ => return Err(format!("integer constant of type {ty:?}")),
            },
            Const::Float(v, ty) => match t.basic(ty)? {
                BasicTypeEnum::FloatType(ft) => ft.const_float(*v).into(),
                BasicTypeEnum::VectorType(vt) => {
                    let lane = vt.get_element_type().into_float_type().const_float(*v);
                    inkwell::types::VectorType::const_vector(&vec![lane; vt.get_size() as usize])
                        .into()
                }
                _ => return Err(format!("float constant of type {ty:?}")),
            },
            Const::Bool(v) => self
                .m
                .ctx
                .bool_type()
                .const_int(u64::from(*v), false)
                .into(),
            Const::Str(s) => self.m.str_const(s).into(),
            Const::Null(ty) => match t.basic(ty)? {
                BasicTypeEnum::PointerType(pt) => pt.const_null().into(),
                _ => return Err(format!("null constant of non-pointer type {ty:?}")),
            },
            Const::FnAddr(f) => self
                .m
                .fns
                .get(f.0 as usize)
                .ok_or_else(|| format!("no function #{}", f.0))?
                .as_global_value()
                .as_pointer_value()
                .into(),
            Const::Unit => self.m.ctx.const_struct(&[], false).into(),
        })
    }

    pub fn rvalue(&self, rv: &Rvalue) -> Result<BasicValueEnum<'ctx>, String> {
        let b = &self.m.builder;
        match rv {
            Rvalue::Use(op) => self.operand(op),
            Rvalue::Binary(op, l, r) => {
                let ty = self.operand_ty(l)?;
                let (lv, rv) = (self.operand(l)?, self.operand(r)?);
                if lv.get_type() != rv.get_type() {
                    return Err(format!("binary {op:?} on different types"));
                }
                self.binary(*op, &ty, lv, rv)
            }
            Rvalue::Cmp(op, l, r) => {
                let ty = self.operand_ty(l)?;
                let (lv, rv) = (self.operand(l)?, self.operand(r)?);
                if lv.get_type() != rv.get_type() {
                    return Err(format!("comparison {op:?} of different types"));
                }
                self.compare(*op, &ty, lv, rv)
            }
            Rvalue::Unary(op, x) => {
                let ty = self.operand_ty(x)?;
                let v = self.operand(x)?;
                Ok(match (op, v) {
                    (UnOp::Neg, BasicValueEnum::IntValue(i)) => {
                        ll(b.build_int_neg(i, "neg"))?.into()
                    }
                    (UnOp::Neg, BasicValueEnum::FloatValue(f)) => {
                        ll(b.build_float_neg(f, "fneg"))?.into()
                    }
                    (UnOp::Neg, BasicValueEnum::VectorValue(v)) if scalar(&ty).is_float() => {
                        ll(b.build_float_neg(v, "fneg"))?.into()
                    }
                    (UnOp::Neg, BasicValueEnum::VectorValue(v)) => {
                        ll(b.build_int_neg(v, "neg"))?.into()
                    }
                    (UnOp::Not, BasicValueEnum::IntValue(i)) => ll(b.build_not(i, "not"))?.into(),
                    (UnOp::Not, BasicValueEnum::VectorValue(v)) if !scalar(&ty).is_float() => {
                        ll(b.build_not(v, "not"))?.into()
                    }
                    (op, _) => return Err(format!("{op:?} of type {ty:?}")),
                })
            }
            Rvalue::Cast(x, to) => {
                let from = self.operand_ty(x)?;
                let v = self.operand(x)?;
                self.cast(v, &from, to)
            }
            Rvalue::Aggregate(ty, ops) => {
                let llty = self.m.types.basic(ty)?;
                let vals = ops
                    .iter()
                    .map(|o| self.operand(o))
                    .collect::<Result<Vec<_>, _>>()?;
                match llty {
                    BasicTypeEnum::StructType(st) => {
                        if st.count_fields() as usize != vals.len() {
                            return Err(format!("aggregate of {ty:?} with {} fields", vals.len()));
                        }
                        let mut agg = st.get_undef();
                        for (i, v) in vals.into_iter().enumerate() {
                            agg = ll(b.build_insert_value(agg, v, i as u32, "agg"))?
                                .into_struct_value();
                        }
                        Ok(agg.into())
                    }
                    BasicTypeEnum::VectorType(vt) => {
                        let mut vec = vt.get_undef();
                        for (i, v) in vals.into_iter().enumerate() {
                            let idx = self.m.ctx.i32_type().const_int(i as u64, false);
                            vec = ll(b.build_insert_element(vec, v, idx, "vec"))?;
                        }
                        Ok(vec.into())
                    }
                    BasicTypeEnum::ArrayType(at) => {
                        if at.len() as usize != vals.len() {
                            return Err(format!("aggregate of {ty:?} with {} values", vals.len()));
                        }
                        let mut agg = at.get_undef();
                        for (i, v) in vals.into_iter().enumerate() {
                            agg = ll(b.build_insert_value(agg, v, i as u32, "arr"))?
                                .into_array_value();
                        }
                        Ok(agg.into())
                    }
                    _ => Err(format!("aggregate of non-aggregate type {ty:?}")),
                }
            }
            Rvalue::AddrOf(place) => Ok(self.place_addr(place)?.0.into()),
            Rvalue::Len(x) => {
                let p = self.pointer(x)?;
                let v = ll(b.build_load(self.m.types.i64(), p, "len"))?;
                self.m.tag_access(v.as_instruction_value(), Access::Len);
                Ok(v)
            }
            Rvalue::PtrOffset(p, n) => {
                let pointee = match self.operand_ty(p)? {
                    Ty::Ptr(e, _) => *e,
                    other => return Err(format!("pointer offset of non-pointer type {other:?}")),
                };
                let pv = self.pointer(p)?;
                let i = self.int(n)?;
                let llty = self.m.types.basic(&pointee)?;
                // SAFETY: as above, a plain GEP is only address arithmetic.
                Ok(ll(unsafe { b.build_gep(llty, pv, &[i], "off") })?.into())
            }
            Rvalue::Select(c, x, y) => {
                let (xv, yv) = (self.operand(x)?, self.operand(y)?);
                if xv.get_type() != yv.get_type() {
                    return Err("select between different types".into());
                }
                if let BasicValueEnum::VectorValue(cv) = self.operand(c)? {
                    return self.select_lanes(cv, xv, yv);
                }
                let c = self.int(c)?;
                Ok(ll(b.build_select(c, xv, yv, "sel"))?)
            }
            Rvalue::Load(ty, p) => self.load_through(ty, p),
            Rvalue::Extract(v, i) => self.extract(v, i),
            Rvalue::Insert(v, i, x) => self.insert(v, i, x),
            Rvalue::Shuffle(a, c, mask) => self.shuffle(a, c, mask),
            Rvalue::Reduce(op, x) => self.reduce(*op, x),
            Rvalue::SizeOf(ty) => {
                let llty = self.m.types.basic(ty)?;
                let size = self.m.target_data.get_abi_size(&llty);
                Ok(self.m.types.i64().const_int(size, false).into())
            }
        }
    }

    fn pointer(&self, op: &Operand) -> Result<inkwell::values::PointerValue<'ctx>, String> {
        match self.operand(op)? {
            BasicValueEnum::PointerValue(p) => Ok(p),
            _ => Err("expected a pointer operand".into()),
        }
    }

    fn int(&self, op: &Operand) -> Result<IntValue<'ctx>, String> {
        match self.operand(op)? {
            BasicValueEnum::IntValue(i) => Ok(i),
            _ => Err("expected an integer operand".into()),
        }
    }

    pub(crate) fn binary(
        &self,
        op: BinOp,
        ty: &Ty,
        l: BasicValueEnum<'ctx>,
        r: BasicValueEnum<'ctx>,
    ) -> Result<BasicValueEnum<'ctx>, String> {
        use inkwell::values::InstructionOpcode as I;
        let elem = scalar(ty);
        let signed = elem.is_signed();
        let opcode = if elem.is_float() {
            match op {
                BinOp::Add => I::FAdd,
                BinOp::Sub => I::FSub,
                BinOp::Mul => I::FMul,
                BinOp::Div => I::FDiv,
                BinOp::Rem => I::FRem,
                other => return Err(format!("{other:?} on floats")),
            }
        } else if matches!(elem, Ty::Int { .. } | Ty::Bool) {
            if matches!(op, BinOp::Shl | BinOp::Shr) {
                return self.shift(op, signed, l, r);
            }
            match op {
                BinOp::Add => I::Add,
                BinOp::Sub => I::Sub,
                BinOp::Mul => I::Mul,
                BinOp::Div if signed => I::SDiv,
                BinOp::Div => I::UDiv,
                BinOp::Rem if signed => I::SRem,
                BinOp::Rem => I::URem,
                BinOp::And => I::And,
                BinOp::Or => I::Or,
                BinOp::Xor => I::Xor,
                BinOp::Shl => I::Shl,
                BinOp::Shr if signed => I::AShr,
                BinOp::Shr => I::LShr,
            }
        } else {
            return Err(format!("{op:?} on type {ty:?}"));
        };
        ll(self.m.builder.build_binop(opcode, l, r, "bin"))
    }

    /// A shift defined for every count: one at least the width (or negative, read
    /// unsigned) shifts every bit out: `<<` and a logical `>>` give 0, an arithmetic `>>`
    /// the sign (0 or -1). LLVM leaves such shifts undefined (poison); x86 would use the
    /// count modulo the width.
    fn shift(
        &self,
        op: BinOp,
        signed: bool,
        l: BasicValueEnum<'ctx>,
        r: BasicValueEnum<'ctx>,
    ) -> Result<BasicValueEnum<'ctx>, String> {
        use inkwell::values::InstructionOpcode as I;
        let b = &self.m.builder;
        let (elem_ty, lanes) = match l.get_type() {
            BasicTypeEnum::IntType(t) => (t, None),
            BasicTypeEnum::VectorType(v) => {
                (v.get_element_type().into_int_type(), Some(v.get_size()))
            }
            other => return Err(format!("shift of {other:?}")),
        };
        let width = u64::from(elem_ty.get_bit_width());
        let constant = |v: u64| -> BasicValueEnum<'ctx> {
            let c = elem_ty.const_int(v, false);
            match lanes {
                None => c.into(),
                Some(n) => inkwell::types::VectorType::const_vector(&vec![c; n as usize]).into(),
            }
        };
        let limit = constant(width);
        if op == BinOp::Shr && signed {
            let count = self.select_if_below(r, limit, r, constant(width - 1))?;
            return ll(b.build_binop(I::AShr, l, count, "ashr"));
        }
        let opcode = if op == BinOp::Shl { I::Shl } else { I::LShr };
        let shifted = ll(b.build_binop(opcode, l, r, "shift"))?;
        self.select_if_below(r, limit, shifted, constant(0))
    }

    /// `x if r < limit else y` (unsigned, lane-wise for vectors).
    fn select_if_below(
        &self,
        r: BasicValueEnum<'ctx>,
        limit: BasicValueEnum<'ctx>,
        x: BasicValueEnum<'ctx>,
        y: BasicValueEnum<'ctx>,
    ) -> Result<BasicValueEnum<'ctx>, String> {
        let b = &self.m.builder;
        match (r, limit) {
            (BasicValueEnum::IntValue(a), BasicValueEnum::IntValue(c)) => {
                let below = ll(b.build_int_compare(IntPredicate::ULT, a, c, "below"))?;
                ll(b.build_select(below, x, y, "sel"))
            }
            (BasicValueEnum::VectorValue(a), BasicValueEnum::VectorValue(c)) => {
                let below = ll(b.build_int_compare(IntPredicate::ULT, a, c, "below"))?;
                ll(b.build_select(below, x, y, "vsel"))
            }
            _ => Err("shift operands of different shapes".into()),
        }
    }

    fn compare(
        &self,
        op: CmpOp,
        ty: &Ty,
        l: BasicValueEnum<'ctx>,
        r: BasicValueEnum<'ctx>,
    ) -> Result<BasicValueEnum<'ctx>, String> {
        let b = &self.m.builder;
        let elem = scalar(ty);
        if elem.is_float() {
            let pred = match op {
                CmpOp::Eq => FloatPredicate::OEQ,
                // `!=` must be true when either side is NaN, as in Python and C.
                CmpOp::Ne => FloatPredicate::UNE,
                CmpOp::Lt => FloatPredicate::OLT,
                CmpOp::Le => FloatPredicate::OLE,
                CmpOp::Gt => FloatPredicate::OGT,
                CmpOp::Ge => FloatPredicate::OGE,
            };
            return Ok(match (l, r) {
                (BasicValueEnum::FloatValue(a), BasicValueEnum::FloatValue(c)) => {
                    ll(b.build_float_compare(pred, a, c, "fcmp"))?.into()
                }
                (BasicValueEnum::VectorValue(a), BasicValueEnum::VectorValue(c)) => {
                    ll(b.build_float_compare(pred, a, c, "fcmp"))?.into()
                }
                _ => return Err(format!("float comparison of {ty:?}")),
            });
        }
        let signed = elem.is_signed();
        let pred = match op {
            CmpOp::Eq => IntPredicate::EQ,
            CmpOp::Ne => IntPredicate::NE,
            CmpOp::Lt if signed => IntPredicate::SLT,
            CmpOp::Lt => IntPredicate::ULT,
            CmpOp::Le if signed => IntPredicate::SLE,
            CmpOp::Le => IntPredicate::ULE,
            CmpOp::Gt if signed => IntPredicate::SGT,
            CmpOp::Gt => IntPredicate::UGT,
            CmpOp::Ge if signed => IntPredicate::SGE,
            CmpOp::Ge => IntPredicate::UGE,
        };
        Ok(match (l, r) {
            (BasicValueEnum::IntValue(a), BasicValueEnum::IntValue(c)) => {
                ll(b.build_int_compare(pred, a, c, "icmp"))?.into()
            }
            (BasicValueEnum::VectorValue(a), BasicValueEnum::VectorValue(c)) => {
                ll(b.build_int_compare(pred, a, c, "icmp"))?.into()
            }
            // Pointer identity (e.g. a handle against null).
            (BasicValueEnum::PointerValue(a), BasicValueEnum::PointerValue(c)) => {
                ll(b.build_int_compare(pred, a, c, "pcmp"))?.into()
            }
            _ => return Err(format!("comparison of {ty:?}")),
        })
    }

    /// Numeric conversions, following the rules in `mj_mir::Rvalue::Cast`.
    fn cast(
        &self,
        v: BasicValueEnum<'ctx>,
        from: &Ty,
        to: &Ty,
    ) -> Result<BasicValueEnum<'ctx>, String> {
        let b = &self.m.builder;
        let to_ll = self.m.types.basic(to)?;
        if v.get_type() == to_ll && !matches!((from, to), (Ty::Int { .. }, Ty::Bool)) {
            // Same representation: int<->int of the same width, pointer<->pointer.
            return Ok(v);
        }
        let is_ptr = |t: &Ty| matches!(t, Ty::Str | Ty::Ptr(..));
        Ok(match (from, to, v) {
            (Ty::Int { .. }, Ty::Bool, BasicValueEnum::IntValue(i)) => {
                let zero = i.get_type().const_zero();
                ll(b.build_int_compare(IntPredicate::NE, i, zero, "tobool"))?.into()
            }
            (Ty::Bool, Ty::Int { .. }, BasicValueEnum::IntValue(i)) => {
                ll(b.build_int_z_extend(i, to_ll.into_int_type(), "zext"))?.into()
            }
            (Ty::Int { .. }, Ty::Int { .. }, BasicValueEnum::IntValue(i)) => {
                ll(b.build_int_cast_sign_flag(i, to_ll.into_int_type(), from.is_signed(), "icast"))?
                    .into()
            }
            (Ty::Int { .. } | Ty::Bool, Ty::Float { .. }, BasicValueEnum::IntValue(i)) => {
                let ft = to_ll.into_float_type();
                if from.is_signed() {
                    ll(b.build_signed_int_to_float(i, ft, "sitofp"))?.into()
                } else {
                    ll(b.build_unsigned_int_to_float(i, ft, "uitofp"))?.into()
                }
            }
            (Ty::Float { .. }, Ty::Int { .. }, BasicValueEnum::FloatValue(_)) => {
                self.float_to_int(v, from, to, to_ll)?
            }
            (Ty::Float { bits: fb }, Ty::Float { bits: tb }, BasicValueEnum::FloatValue(_))
                if fb != tb && fb & 0x7f == 16 && tb & 0x7f == 16 =>
            {
                self.half_cast(v, to_ll)?
            }
            // To a 16-bit float (`narrow_to_half`): no compiler-rt call (`__truncdfbf2`,
            // `__truncsfbf2`), which neither the JIT nor a plain link provides. (`Float64`
            // goes through `Float32`: rounding twice can differ from one rounding in the last
            // bit for rare inputs exactly halfway at `Float32`'s precision.)
            (Ty::Float { .. }, Ty::Float { bits: tb }, BasicValueEnum::FloatValue(_))
                if tb & 0x7f == 16 =>
            {
                self.narrow_to_half(v, to_ll)?
            }
            (Ty::Float { .. }, Ty::Float { .. }, BasicValueEnum::FloatValue(f)) => {
                ll(b.build_float_cast(f, to_ll.into_float_type(), "fcast"))?.into()
            }
            (f, Ty::Int { .. }, BasicValueEnum::PointerValue(p)) if is_ptr(f) => {
                ll(b.build_ptr_to_int(p, to_ll.into_int_type(), "ptoi"))?.into()
            }
            (Ty::Int { .. }, t, BasicValueEnum::IntValue(i)) if is_ptr(t) => {
                ll(b.build_int_to_ptr(i, to_ll.into_pointer_type(), "itop"))?.into()
            }
            (Ty::Vector(..), Ty::Vector(..), BasicValueEnum::VectorValue(vv)) => {
                self.vector_cast(vv, from, to, to_ll)?
            }
            (from, to, _) => return Err(format!("unsupported cast from {from:?} to {to:?}")),
        })
    }

    /// Float to integer, saturating: NaN gives 0, a value beyond the type's range its
    /// minimum or maximum (`Int(1e300) == Int.MAX`, `UInt8(-5.5) == 0`), the rest rounds
    /// toward zero. (A plain `fptosi` is undefined out of range.)
    fn float_to_int(
        &self,
        v: BasicValueEnum<'ctx>,
        from: &Ty,
        to: &Ty,
        to_ll: BasicTypeEnum<'ctx>,
    ) -> Result<BasicValueEnum<'ctx>, String> {
        let kind = if scalar(to).is_signed() {
            "fptosi"
        } else {
            "fptoui"
        };
        let name = format!(
            "llvm.{kind}.sat.{}.{}",
            crate::types::intrinsic_suffix(to)?,
            crate::types::intrinsic_suffix(from)?
        );
        let fty = to_ll.fn_type(&[v.get_type().into()], false);
        let f = self.m.declare_extern(&name, fty)?;
        let call = ll(self.m.builder.build_call(f, &[v.into()], "sat"))?;
        call.try_as_basic_value()
            .basic()
            .ok_or_else(|| format!("{name} returned nothing"))
    }

    /// Element-wise conversion of SIMD vectors, with the scalar rules.
    fn vector_cast(
        &self,
        v: inkwell::values::VectorValue<'ctx>,
        from: &Ty,
        to: &Ty,
        to_ll: BasicTypeEnum<'ctx>,
    ) -> Result<BasicValueEnum<'ctx>, String> {
        use inkwell::values::InstructionOpcode as I;
        let (fe, te) = (scalar(from), scalar(to));
        let fw = self.m.types.basic(fe)?;
        let tw = self.m.types.basic(te)?;
        let bits = |t: BasicTypeEnum<'ctx>| self.m.target_data.get_bit_size(&t);
        if let (Ty::Float { bits: a }, Ty::Float { bits: b }) = (fe, te)
            && a != b
            && bits(fw) == bits(tw)
        {
            // Float16 <-> BFloat16.
            return self.half_cast(v.as_basic_value_enum(), to_ll);
        }
        if let (Ty::Float { .. }, Ty::Float { bits: tb }) = (fe, te)
            && tb & 0x7f == 16
            && bits(fw) > bits(tw)
        {
            // Lanes narrowed to 16-bit floats, as scalars are (`narrow_to_half`).
            return self.narrow_to_half(v.as_basic_value_enum(), to_ll);
        }
        let op = match (fe, te) {
            (Ty::Int { .. }, Ty::Int { .. }) if bits(fw) > bits(tw) => I::Trunc,
            (Ty::Int { signed: true, .. }, Ty::Int { .. }) => I::SExt,
            (Ty::Int { .. }, Ty::Int { .. }) => I::ZExt,
            (Ty::Bool, Ty::Int { .. }) => I::ZExt,
            (Ty::Bool, Ty::Float { .. }) => I::UIToFP,
            (Ty::Int { .. } | Ty::Float { .. }, Ty::Bool) => {
                // Lane-wise `x != 0`.
                let zero = self.m.types.basic(from)?.const_zero();
                return self.compare(CmpOp::Ne, from, v.as_basic_value_enum(), zero);
            }
            (Ty::Int { signed: true, .. }, Ty::Float { .. }) => I::SIToFP,
            (Ty::Int { .. }, Ty::Float { .. }) => I::UIToFP,
            (Ty::Float { .. }, Ty::Int { .. }) => {
                return self.float_to_int(v.as_basic_value_enum(), from, to, to_ll);
            }
            (Ty::Float { .. }, Ty::Float { .. }) if bits(fw) > bits(tw) => I::FPTrunc,
            (Ty::Float { .. }, Ty::Float { .. }) => I::FPExt,
            _ => return Err(format!("unsupported vector cast from {from:?} to {to:?}")),
        };
        ll(self
            .m
            .builder
            .build_cast(op, v.as_basic_value_enum(), to_ll, "vcast"))
    }
}
