//! Function bodies: stack slots, places, statements, calls and terminators.

use inkwell::basic_block::BasicBlock;
use inkwell::types::{BasicType, BasicTypeEnum};
use inkwell::values::{
    AggregateValueEnum, BasicMetadataValueEnum, BasicValue, BasicValueEnum, FunctionValue,
    PointerValue,
};
use mj_mir::{BlockId, Callee, Function, Operand, Place, Proj, Rvalue, Stmt, Terminator, Ty};

use crate::module::{ModCx, ll};
use crate::tbaa::Access;

/// Per-function state.
pub(crate) struct FnCx<'m, 'a, 'ctx> {
    pub m: &'m ModCx<'a, 'ctx>,
    pub f: &'a Function,
    pub llfn: FunctionValue<'ctx>,
    /// One `alloca` per MIR local, all in the entry block so that mem2reg promotes them.
    locals: Vec<PointerValue<'ctx>>,
    blocks: Vec<BasicBlock<'ctx>>,
    /// The LLVM entry block, which holds only allocas and a branch to `bb0`; extra slots
    /// (for `TryCall` error slots) are added before its terminator.
    alloca_bb: BasicBlock<'ctx>,
    /// The trailing error-slot parameter of a raising function.
    err_slot: Option<PointerValue<'ctx>>,
}

pub(crate) fn compile_function<'a, 'ctx>(
    m: &ModCx<'a, 'ctx>,
    f: &'a Function,
    llfn: FunctionValue<'ctx>,
) -> Result<(), String> {
    let ctx = |e: String| format!("in function {}: {e}", f.name);
    if f.blocks.is_empty() {
        return Err(ctx("function has no blocks".into()));
    }
    let b = &m.builder;
    let alloca_bb = m.ctx.append_basic_block(llfn, "entry");
    b.position_at_end(alloca_bb);
    let mut locals = Vec::with_capacity(f.locals.len());
    for (i, decl) in f.locals.iter().enumerate() {
        let ty = m.types.basic(&decl.ty).map_err(ctx)?;
        let name = decl.name.clone().unwrap_or_else(|| format!("_{i}"));
        let slot = ll(b.build_alloca(ty, &name))?;
        // AMDGPU's allocas are private (address space 5): used as flat pointers.
        locals.push(crate::gpu::generic(m.ctx, b, slot)?);
    }
    for (i, l) in f.params.iter().enumerate() {
        let slot = *locals
            .get(l.0 as usize)
            .ok_or_else(|| ctx(format!("parameter _{} has no declaration", l.0)))?;
        let v = llfn
            .get_nth_param(i as u32)
            .ok_or_else(|| ctx(format!("missing parameter {i}")))?;
        ll(b.build_store(slot, v))?;
    }
    let err_slot = if f.raises {
        let p = llfn
            .get_nth_param(f.params.len() as u32)
            .ok_or_else(|| ctx("missing error slot parameter".into()))?;
        Some(p.into_pointer_value())
    } else {
        None
    };
    let blocks: Vec<_> = (0..f.blocks.len())
        .map(|i| m.ctx.append_basic_block(llfn, &format!("bb{i}")))
        .collect();
    ll(b.build_unconditional_branch(blocks[0]))?;

    let mut fx = FnCx {
        m,
        f,
        llfn,
        locals,
        blocks,
        alloca_bb,
        err_slot,
    };
    for (i, block) in f.blocks.iter().enumerate() {
        m.builder.position_at_end(fx.blocks[i]);
        for stmt in &block.stmts {
            fx.stmt(stmt).map_err(|e| ctx(format!("bb{i}: {e}")))?;
        }
        fx.terminator(&block.term)
            .map_err(|e| ctx(format!("bb{i}: {e}")))?;
    }
    Ok(())
}

impl<'m, 'a, 'ctx> FnCx<'m, 'a, 'ctx> {
    pub fn block(&self, id: BlockId) -> Result<BasicBlock<'ctx>, String> {
        self.blocks
            .get(id.0 as usize)
            .copied()
            .ok_or_else(|| format!("no block bb{}", id.0))
    }

    /// The result type of a call that stores into `dest`.
    fn ret_of(&self, dest: Option<&Place>) -> Result<Ty, String> {
        match dest {
            Some(d) => self.place_ty(d),
            None => Ok(Ty::Unit),
        }
    }

    pub fn place_ty(&self, place: &Place) -> Result<Ty, String> {
        self.m.program.place_ty(self.f, place)
    }

    pub fn operand_ty(&self, op: &Operand) -> Result<Ty, String> {
        self.m.program.operand_ty(self.f, op)
    }

    /// The address of a place and the type stored there.
    pub fn place_addr(&self, place: &Place) -> Result<(PointerValue<'ctx>, Ty), String> {
        let b = &self.m.builder;
        let mut addr = *self
            .locals
            .get(place.local.0 as usize)
            .ok_or_else(|| format!("no local _{}", place.local.0))?;
        let mut ty = self.f.locals[place.local.0 as usize].ty.clone();
        for proj in &place.proj {
            let next = self.m.program.project_ty(&ty, proj)?;
            addr = match proj {
                Proj::Field(n) => {
                    let llty = self.m.types.basic(&ty)?;
                    ll(b.build_struct_gep(llty, addr, *n, "fld"))?
                }
                Proj::Deref => {
                    let v = ll(b.build_load(self.m.types.ptr(), addr, "deref"))?;
                    self.m
                        .tag_access(v.as_instruction_value(), Access::Value(&ty));
                    v.into_pointer_value()
                }
            };
            ty = next;
        }
        Ok((addr, ty))
    }

    pub fn load_place(&self, place: &Place) -> Result<BasicValueEnum<'ctx>, String> {
        let (addr, ty) = self.place_addr(place)?;
        self.load_typed(addr, &ty, 0)
    }

    /// The fields of a small struct or tuple, which are loaded and stored one by one.
    fn split_fields(&self, ty: &Ty, depth: u32) -> Option<Vec<Ty>> {
        let fields: Vec<Ty> = match ty {
            Ty::Tuple(ts) => ts.clone(),
            Ty::Struct(id) => self
                .m
                .program
                .structs
                .get(id.0 as usize)?
                .fields
                .iter()
                .map(|(_, t)| t.clone())
                .collect(),
            _ => return None,
        };
        (depth < 4 && !fields.is_empty() && fields.len() <= 16).then_some(fields)
    }

    /// Loads a `ty` from `addr`. A small struct or tuple is loaded field by field, so that
    /// each scalar load carries its alias tag (`tbaa.rs`): an aggregate load may alias
    /// anything, and LLVM would reload a list's header after every element store.
    fn load_typed(
        &self,
        addr: PointerValue<'ctx>,
        ty: &Ty,
        depth: u32,
    ) -> Result<BasicValueEnum<'ctx>, String> {
        let b = &self.m.builder;
        let llty = self.m.types.basic(ty)?;
        if let (Some(fields), BasicTypeEnum::StructType(st)) = (self.split_fields(ty, depth), llty)
            && st.count_fields() as usize == fields.len()
        {
            let mut agg: AggregateValueEnum<'ctx> = st.get_undef().into();
            for (i, ft) in fields.iter().enumerate() {
                let fa = ll(b.build_struct_gep(st, addr, i as u32, "fld"))?;
                let v = self.load_typed(fa, ft, depth + 1)?;
                agg = ll(b.build_insert_value(agg, v, i as u32, "agg"))?;
            }
            return Ok(agg.as_basic_value_enum());
        }
        let v = ll(b.build_load(llty, addr, "v"))?;
        self.m
            .tag_access(v.as_instruction_value(), Access::Value(ty));
        Ok(v)
    }

    /// Stores `v` (a `ty`) at `addr`, a small struct or tuple field by field (see
    /// [`Self::load_typed`]).
    fn store_typed(
        &self,
        addr: PointerValue<'ctx>,
        v: BasicValueEnum<'ctx>,
        ty: &Ty,
        depth: u32,
    ) -> Result<(), String> {
        let b = &self.m.builder;
        if let (Some(fields), BasicValueEnum::StructValue(sv)) = (self.split_fields(ty, depth), v)
            && sv.get_type().count_fields() as usize == fields.len()
        {
            let st = sv.get_type();
            for (i, ft) in fields.iter().enumerate() {
                let fa = ll(b.build_struct_gep(st, addr, i as u32, "fld"))?;
                let fv = ll(b.build_extract_value(sv, i as u32, "fv"))?;
                self.store_typed(fa, fv, ft, depth + 1)?;
            }
            return Ok(());
        }
        let st = ll(b.build_store(addr, v))?;
        self.m.tag_access(Some(st), Access::Value(ty));
        Ok(())
    }

    pub fn store_place(&self, place: &Place, v: BasicValueEnum<'ctx>) -> Result<(), String> {
        let (addr, ty) = self.place_addr(place)?;
        let llty = self.m.types.basic(&ty)?;
        if v.get_type() != llty {
            return Err(format!(
                "storing a {} into a place of type {ty:?}",
                v.get_type().print_to_string().to_string()
            ));
        }
        self.store_typed(addr, v, &ty, 0)
    }

    /// An extra stack slot in the entry block (the builder keeps its current position).
    fn entry_alloca(
        &self,
        ty: impl BasicType<'ctx>,
        name: &str,
    ) -> Result<PointerValue<'ctx>, String> {
        let b = &self.m.builder;
        let here = b.get_insert_block();
        match self.alloca_bb.get_terminator() {
            Some(t) => b.position_before(&t),
            None => b.position_at_end(self.alloca_bb),
        }
        let slot = ll(b.build_alloca(ty, name));
        if let Some(bb) = here {
            b.position_at_end(bb);
        }
        slot
    }

    /// Whether the value in `place` is an array or struct of more than 256 bytes.
    fn is_large_aggregate(&self, place: &Place) -> Result<bool, String> {
        let ty = self.place_ty(place)?;
        if !matches!(ty, Ty::Array(..) | Ty::Struct(..) | Ty::Tuple(..)) {
            return Ok(false);
        }
        let llty = self.m.types.basic(&ty)?;
        Ok(self.m.target_data.get_abi_size(&llty) > 256)
    }

    fn stmt(&mut self, stmt: &Stmt) -> Result<(), String> {
        match stmt {
            // A large array or struct copied from one place to another: a `memcpy`. As a
            // loaded value (an LLVM first-class aggregate) it would make the optimizer
            // split it into one value per element, whose cost grows with the length
            // (`InlineArray[Int, 1 << 20](fill=7)` took minutes).
            Stmt::Assign(dest, Rvalue::Use(Operand::Copy(src)))
                if self.is_large_aggregate(src)? =>
            {
                let (to, ty) = self.place_addr(dest)?;
                let (from, _) = self.place_addr(src)?;
                let llty = self.m.types.basic(&ty)?;
                let size = llty
                    .size_of()
                    .ok_or_else(|| format!("no size for {ty:?}"))?;
                let align = self.m.target_data.get_abi_alignment(&llty);
                ll(self.m.builder.build_memcpy(to, align, from, align, size))?;
                Ok(())
            }
            Stmt::Assign(place, rv) => {
                let v = self.rvalue(rv)?;
                self.store_place(place, v)
            }
            Stmt::Call { dest, callee, args } => {
                if let Callee::Fn(id) = callee
                    && self
                        .m
                        .program
                        .functions
                        .get(id.0 as usize)
                        .is_some_and(|f| f.raises)
                {
                    return Err("a raising function is called with Call instead of TryCall".into());
                }
                let r = self.call(dest.as_ref(), callee, args, None)?;
                self.store_result(dest.as_ref(), r)
            }
            Stmt::Store { ptr, value } => self.store_through(ptr, value),
        }
    }

    fn store_result(
        &self,
        dest: Option<&Place>,
        r: Option<BasicValueEnum<'ctx>>,
    ) -> Result<(), String> {
        match (dest, r) {
            (Some(d), Some(v)) => self.store_place(d, v),
            (Some(d), None) if self.place_ty(d)? == Ty::Unit => Ok(()),
            (Some(_), None) => Err("the result of a void call is stored".into()),
            (None, _) => Ok(()),
        }
    }

    /// Emits a call; `err_slot` is the trailing error-slot argument of a raising callee.
    fn call(
        &self,
        dest: Option<&Place>,
        callee: &Callee,
        args: &[Operand],
        err_slot: Option<PointerValue<'ctx>>,
    ) -> Result<Option<BasicValueEnum<'ctx>>, String> {
        let mut vals: Vec<BasicMetadataValueEnum<'ctx>> = args
            .iter()
            .map(|a| self.operand(a).map(Into::into))
            .collect::<Result<_, _>>()?;
        if let Some(s) = err_slot {
            vals.push(s.into());
        }
        if let Callee::Indirect(target) = callee {
            let arg_tys = args
                .iter()
                .map(|a| self.operand_ty(a))
                .collect::<Result<Vec<_>, _>>()?;
            let ret = self.ret_of(dest)?;
            let fty = self.m.types.fn_type(&arg_tys, &ret, err_slot.is_some())?;
            let BasicValueEnum::PointerValue(ptr) = self.operand(target)? else {
                return Err("indirect call through a non-pointer".into());
            };
            let call = ll(self.m.builder.build_indirect_call(fty, ptr, &vals, ""))?;
            return Ok(call.try_as_basic_value().basic());
        }
        let func = match callee {
            Callee::Fn(id) => {
                let f = self
                    .m
                    .program
                    .functions
                    .get(id.0 as usize)
                    .ok_or_else(|| format!("call to missing function #{}", id.0))?;
                if f.params.len() != args.len() {
                    return Err(format!(
                        "{} takes {} arguments, {} given",
                        f.name,
                        f.params.len(),
                        args.len()
                    ));
                }
                if f.raises != err_slot.is_some() {
                    return Err(format!("raising convention mismatch calling {}", f.name));
                }
                self.m.fns[id.0 as usize]
            }
            Callee::Extern(name) if self.m.device.is_some() && name.starts_with("mj_") => {
                let plain: Vec<BasicValueEnum<'ctx>> = args
                    .iter()
                    .map(|a| self.operand(a))
                    .collect::<Result<_, _>>()?;
                if let Some(v) = crate::gpu::device_call(self, name, &plain)? {
                    return Ok(v);
                }
                if name != "mj_gpu_shared_alloc" {
                    return Err(crate::gpu::unsupported(name));
                }
                let arg_tys = args
                    .iter()
                    .map(|a| self.operand_ty(a))
                    .collect::<Result<Vec<_>, _>>()?;
                let fty = self.m.types.fn_type(&arg_tys, &self.ret_of(dest)?, false)?;
                self.m.declare_extern(name, fty)?
            }
            // A device intrinsic with one signature: LLVM's own declaration (its pointers
            // may be in another address space; results are used as flat pointers).
            Callee::Intrinsic(name)
                if self.m.device.is_some()
                    && inkwell::intrinsics::Intrinsic::find(name)
                        .is_some_and(|i| !i.is_overloaded()) =>
            {
                let decl = inkwell::intrinsics::Intrinsic::find(name)
                    .and_then(|i| i.get_declaration(&self.m.module, &[]))
                    .ok_or_else(|| format!("cannot declare the intrinsic `{name}`"))?;
                let call = ll(self.m.builder.build_call(decl, &vals, ""))?;
                return match call.try_as_basic_value().basic() {
                    Some(BasicValueEnum::PointerValue(p)) => Ok(Some(
                        crate::gpu::generic(self.m.ctx, &self.m.builder, p)?.into(),
                    )),
                    other => Ok(other),
                };
            }
            // A kernel launch from host code also names its trampoline and the device
            // image, for a launch on a GPU (`gpu::launch_extra_args`).
            Callee::Extern(name) if name == crate::gpu::LAUNCH_FN && self.m.device.is_none() => {
                let arg_tys = args
                    .iter()
                    .map(|a| self.operand_ty(a))
                    .collect::<Result<Vec<_>, _>>()?;
                let base = self.m.types.fn_type(&arg_tys, &Ty::Unit, false)?;
                let mut params = base.get_param_types();
                for extra in crate::gpu::launch_extra_args(self.m, args)? {
                    params.push(self.m.types.ptr().into());
                    vals.push(extra.into());
                }
                let fty = self.m.ctx.void_type().fn_type(&params, false);
                self.m.declare_extern(name, fty)?
            }
            Callee::Extern(name) | Callee::Intrinsic(name) => {
                let arg_tys = args
                    .iter()
                    .map(|a| self.operand_ty(a))
                    .collect::<Result<Vec<_>, _>>()?;
                let ret = self.ret_of(dest)?;
                let fty = self.m.types.fn_type(&arg_tys, &ret, err_slot.is_some())?;
                let full = match callee {
                    Callee::Intrinsic(_) => intrinsic_name(name, arg_tys.first())?,
                    _ => name.clone(),
                };
                // A C function called through `external_call` with other types than at its
                // first use: call it with this call's own type, as C does with a
                // mismatched prototype. (The runtime's `mj_*` functions must agree: a
                // mismatch there is a compiler bug, reported by `declare_extern`.)
                if matches!(callee, Callee::Extern(_))
                    && !full.starts_with("mj_")
                    && let Some(f) = self.m.module.get_function(&full)
                    && f.get_type() != fty
                {
                    let ptr = f.as_global_value().as_pointer_value();
                    let call = ll(self.m.builder.build_indirect_call(fty, ptr, &vals, ""))?;
                    return Ok(call.try_as_basic_value().basic());
                }
                let f = self.m.declare_extern(&full, fty)?;
                if matches!(callee, Callee::Extern(_)) {
                    crate::module::c_abi_attrs(self.m.ctx, f, &arg_tys, &ret);
                }
                f
            }
            Callee::Indirect(_) => return Err("internal error: indirect call".into()),
            Callee::Asm {
                text,
                constraints,
                side_effect,
            } => {
                let arg_tys = args
                    .iter()
                    .map(|a| self.operand_ty(a))
                    .collect::<Result<Vec<_>, _>>()?;
                let fty = self.m.types.fn_type(&arg_tys, &self.ret_of(dest)?, false)?;
                let asm = self.m.ctx.create_inline_asm(
                    fty,
                    text.clone(),
                    constraints.clone(),
                    *side_effect,
                    false,
                    None,
                    false,
                );
                let call = ll(self.m.builder.build_indirect_call(fty, asm, &vals, ""))?;
                return Ok(call.try_as_basic_value().basic());
            }
        };
        let call = ll(self.m.builder.build_call(func, &vals, ""))?;
        Ok(call.try_as_basic_value().basic())
    }

    fn terminator(&mut self, term: &Terminator) -> Result<(), String> {
        let b = &self.m.builder;
        match term {
            Terminator::Goto(t) => {
                ll(b.build_unconditional_branch(self.block(*t)?))?;
            }
            Terminator::Branch {
                cond,
                then_bb,
                else_bb,
            } => {
                let c = self.operand(cond)?;
                let BasicValueEnum::IntValue(c) = c else {
                    return Err("branch condition is not a Bool".into());
                };
                ll(b.build_conditional_branch(c, self.block(*then_bb)?, self.block(*else_bb)?))?;
            }
            Terminator::Switch {
                value,
                cases,
                otherwise,
            } => {
                let BasicValueEnum::IntValue(v) = self.operand(value)? else {
                    return Err("switch on a non-integer".into());
                };
                let ity = v.get_type();
                let cases = cases
                    .iter()
                    .map(|(k, bb)| Ok((crate::rvalue::const_int_bits(ity, *k), self.block(*bb)?)))
                    .collect::<Result<Vec<_>, String>>()?;
                ll(b.build_switch(v, self.block(*otherwise)?, &cases))?;
            }
            Terminator::Return(op) => {
                if self.f.ret == Ty::Unit {
                    ll(b.build_return(None))?;
                } else {
                    let v = self.operand(op)?;
                    ll(b.build_return(Some(&v)))?;
                }
            }
            Terminator::Raise(err) => {
                let slot = self
                    .err_slot
                    .ok_or("Raise in a function that does not raise")?;
                let v = self.operand(err)?;
                ll(b.build_store(slot, v))?;
                // The caller ignores the result when the slot is set, so any value will do.
                if self.f.ret == Ty::Unit {
                    ll(b.build_return(None))?;
                } else {
                    let z = self.m.types.basic(&self.f.ret)?.const_zero();
                    ll(b.build_return(Some(&z)))?;
                }
            }
            Terminator::TryCall {
                dest,
                callee,
                args,
                next,
                err_dest,
                on_error,
            } => {
                let ptr = self.m.types.ptr();
                let slot = self.entry_alloca(ptr, "err.slot")?;
                ll(b.build_store(slot, ptr.into_pointer_type().const_null()))?;
                let r = self.call(dest.as_ref(), callee, args, Some(slot))?;
                let err = ll(b.build_load(ptr, slot, "err"))?.into_pointer_value();
                let failed = ll(b.build_is_not_null(err, "failed"))?;
                let err_bb = self.m.ctx.append_basic_block(self.llfn, "raised");
                let ok_bb = self.m.ctx.append_basic_block(self.llfn, "returned");
                ll(b.build_conditional_branch(failed, err_bb, ok_bb))?;
                b.position_at_end(err_bb);
                self.store_place(err_dest, err.into())?;
                ll(b.build_unconditional_branch(self.block(*on_error)?))?;
                b.position_at_end(ok_bb);
                self.store_result(dest.as_ref(), r)?;
                ll(b.build_unconditional_branch(self.block(*next)?))?;
            }
            Terminator::Abort { .. } if self.m.device.is_some() => {
                // A run-time error in kernel code stops the kernel (the launch fails).
                let trap = self.m.runtime_fn("llvm.trap", &[], &Ty::Unit)?;
                ll(b.build_call(trap, &[], ""))?;
                ll(b.build_unreachable())?;
            }
            Terminator::Abort { line, message } => {
                let abort =
                    self.m
                        .runtime_fn("mj_rt_abort", &[Ty::Str, Ty::INT, Ty::Str], &Ty::Unit)?;
                let file = self.m.str_const(&self.f.file);
                let msg = self.m.str_const(message);
                let line = self.m.types.i64().const_int(u64::from(*line), false);
                ll(b.build_call(abort, &[file.into(), line.into(), msg.into()], ""))?;
                ll(b.build_unreachable())?;
            }
            Terminator::Unreachable => {
                ll(b.build_unreachable())?;
            }
        }
        Ok(())
    }
}

/// `llvm.sqrt` + the overload suffix of the first argument (`llvm.sqrt.f64`), unless the
/// lowering already wrote the suffix.
fn intrinsic_name(name: &str, first: Option<&Ty>) -> Result<String, String> {
    let Some(ty) = first else {
        return Ok(name.to_string());
    };
    // An intrinsic with one signature (`llvm.nvvm.barrier.cta.sync.aligned.all`) keeps
    // its name.
    if inkwell::intrinsics::Intrinsic::find(name).is_some_and(|i| !i.is_overloaded()) {
        return Ok(name.to_string());
    }
    let suffix = crate::types::intrinsic_suffix(ty)?;
    if name.ends_with(&format!(".{suffix}")) {
        Ok(name.to_string())
    } else {
        Ok(format!("{name}.{suffix}"))
    }
}
