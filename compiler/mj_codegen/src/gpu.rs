//! Device code: the kernels a program launches, compiled for an NVIDIA (PTX) or AMD (code
//! object) GPU.
//!
//! The program is checked for the GPU target (so `is_nvidia_gpu()` and friends fold to
//! that target and the library picks its intrinsics), lowered to MIR as usual, and then
//! only the functions reachable from the kernel launches are compiled. A launch's
//! trampoline (`<caller>.<kernel>$launch<n>`, made by the checker) reads the kernel's
//! arguments from an environment tuple; the device entry point `<kernel>` takes the
//! tuple's fields as kernel parameters (by value, as a host launch passes them), stores
//! them in a local tuple and calls the trampoline, which LLVM inlines.
//!
//! Runtime operations have a device form here: shared memory (`mj_gpu_shared_alloc`)
//! becomes one shared-memory global per allocation site once the optimizer has inlined
//! the library's helpers (its size must then be a constant), atomics become `atomicrmw`/
//! `cmpxchg`, and run-time errors (bounds checks, aborts) become `llvm.trap`. Anything else
//! of the host runtime (strings, printing, lists) is an error that names it.
//!
//! Every pointer is a generic (flat) pointer on the device; shared-memory globals are cast
//! to it. Allocas live in the target's private address space and are cast likewise.

use std::collections::HashSet;

use inkwell::AddressSpace;
use inkwell::context::Context;
use inkwell::module::{Linkage as LlLinkage, Module};
use inkwell::targets::{FileType, TargetMachine};
use inkwell::values::{AsValueRef, BasicValue, BasicValueEnum, InstructionOpcode};
use mj_mir::{Callee, Const, FuncId, Operand, Program, Rvalue, Stmt, Terminator, Ty};
use mj_target::Kind;

use crate::module::ll;

/// The marker of a kernel-launch trampoline in a function's name (the checker's
/// `gpu_launch.rs` names them `...$launch<n>`).
pub const LAUNCH_MARK: &str = "$launch";

/// The runtime's kernel launch (`Rt::GpuLaunch`).
pub const LAUNCH_FN: &str = "mj_gpu_launch";

/// The arguments host code adds to a kernel launch (`args`, whose first is the
/// trampoline): the trampoline's name, which the device image maps to its PTX entry, and
/// the image (null when the program was compiled without one).
pub(crate) fn launch_extra_args<'ctx>(
    m: &crate::module::ModCx<'_, 'ctx>,
    args: &[Operand],
) -> Result<[inkwell::values::PointerValue<'ctx>; 2], String> {
    let Some(Operand::Const(Const::FnAddr(id))) = args.first() else {
        return Err("a kernel launch must name its trampoline".into());
    };
    let tramp = &m.program.functions[id.0 as usize].name;
    let name = m.cstr_const(".mj.launch", tramp.as_bytes());
    let image = match m.gpu_image {
        Some(bytes) => match m.module.get_global("__mj_gpu_image") {
            Some(g) => g.as_pointer_value(),
            None => m.cstr_const("__mj_gpu_image", bytes),
        },
        None => m.ctx.ptr_type(AddressSpace::default()).const_null(),
    };
    Ok([name, image])
}

/// What device code to produce.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeviceOutput {
    /// PTX assembly text (NVIDIA).
    Ptx,
    /// A relocatable AMDGPU object, to be linked by `ld.lld` into a code object.
    AmdObject,
    /// The optimized LLVM IR of the device module.
    LlvmIr,
}

/// Compiles the kernels that `p` launches for the GPU `target`.
pub fn emit_device(
    p: &Program,
    target: &mj_target::Target,
    opt: u8,
    out: DeviceOutput,
) -> Result<Vec<u8>, String> {
    if !target.is_gpu() {
        return Err(format!("`{}` is not a GPU target", target.triple));
    }
    let roots: Vec<usize> = p
        .functions
        .iter()
        .enumerate()
        .filter(|(_, f)| f.name.contains(LAUNCH_MARK))
        .map(|(i, _)| i)
        .collect();
    if roots.is_empty() {
        return Err(
            "the program launches no kernel: device code is made for the functions given to \
             `ctx.enqueue_function[kernel](...)`"
                .into(),
        );
    }
    let reach = reachable(p, &roots);
    let tm = crate::target::machine_for(target, opt)?;
    let context = Context::create();
    let module = crate::module::build_device_module(&context, p, &tm, target, &reach)?;
    for (&r, (_, name)) in roots.iter().zip(device_entries(p)) {
        add_entry(
            &context,
            &module,
            p,
            r,
            &name,
            target,
            &tm.get_target_data(),
        )?;
    }
    module
        .verify()
        .map_err(|e| format!("LLVM device module verification failed:\n{}", e.to_string()))?;
    crate::target::optimize(&module, &tm, opt.max(1))?;
    place_shared_memory(&context, &module)?;
    module
        .verify()
        .map_err(|e| format!("LLVM device module verification failed:\n{}", e.to_string()))?;
    crate::target::optimize(&module, &tm, opt.max(1))?;
    match out {
        DeviceOutput::LlvmIr => Ok(module.print_to_string().to_bytes().to_vec()),
        DeviceOutput::Ptx => write(&tm, &module, FileType::Assembly),
        DeviceOutput::AmdObject => write(&tm, &module, FileType::Object),
    }
}

fn write(tm: &TargetMachine, m: &Module<'_>, ft: FileType) -> Result<Vec<u8>, String> {
    tm.write_to_memory_buffer(m, ft)
        .map(|b| b.as_slice().to_vec())
        .map_err(|e| format!("device code emission failed: {}", e.to_string()))
}

/// The functions reachable from `roots` through calls and function addresses.
fn reachable(p: &Program, roots: &[usize]) -> HashSet<usize> {
    let mut seen: HashSet<usize> = roots.iter().copied().collect();
    let mut work: Vec<usize> = roots.to_vec();
    let mut refs = Vec::new();
    while let Some(i) = work.pop() {
        refs.clear();
        fn_refs(&p.functions[i], &mut refs);
        for id in &refs {
            if seen.insert(id.0 as usize) {
                work.push(id.0 as usize);
            }
        }
    }
    seen
}

/// The functions `f` calls or takes the address of.
fn fn_refs(f: &mj_mir::Function, out: &mut Vec<FuncId>) {
    let addr = |o: &Operand| match o {
        Operand::Const(Const::FnAddr(id)) => Some(*id),
        _ => None,
    };
    for b in &f.blocks {
        for s in &b.stmts {
            match s {
                Stmt::Call { callee, args, .. } => {
                    if let Callee::Fn(id) = callee {
                        out.push(*id);
                    }
                    out.extend(args.iter().filter_map(addr));
                }
                Stmt::Assign(_, Rvalue::Use(o)) | Stmt::Store { value: o, .. } => {
                    out.extend(addr(o));
                }
                Stmt::Assign(_, Rvalue::Aggregate(_, ops)) => {
                    out.extend(ops.iter().filter_map(addr))
                }
                _ => {}
            }
        }
        if let Terminator::TryCall { callee, args, .. } = &b.term {
            if let Callee::Fn(id) = callee {
                out.push(*id);
            }
            out.extend(args.iter().filter_map(addr));
        }
    }
}

/// Whether `f` calls the shared-memory allocator itself.
pub(crate) fn allocates_shared(f: &mj_mir::Function) -> bool {
    f.blocks.iter().any(|b| {
        b.stmts.iter().any(|s| {
            matches!(s, Stmt::Call { callee: Callee::Extern(n), .. } if n == "mj_gpu_shared_alloc")
        })
    })
}

/// The launches of `p` as (trampoline, device entry) names, in the program's order: the
/// device image maps each launch to its entry with them.
pub fn device_entries(p: &Program) -> Vec<(String, String)> {
    let mut taken: HashSet<String> = HashSet::new();
    p.functions
        .iter()
        .filter(|f| f.name.contains(LAUNCH_MARK))
        .map(|f| (f.name.clone(), entry_name(&f.name, &mut taken)))
        .collect()
}

/// The entry symbol of the kernel launched by trampoline `tramp`
/// (`main.main.add_10$launch0` -> `add_10`): the kernel's name, made a valid PTX
/// identifier, numbered when two launches name the same kernel differently.
fn entry_name(tramp: &str, taken: &mut HashSet<String>) -> String {
    let head = tramp.split(LAUNCH_MARK).next().unwrap_or(tramp);
    let kernel = head.rsplit('.').next().unwrap_or(head);
    let mut base: String = kernel
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if base.is_empty() || base.starts_with(|c: char| c.is_ascii_digit()) {
        base = format!("k_{base}");
    }
    let mut name = base.clone();
    let mut k = 2;
    while !taken.insert(name.clone()) {
        name = format!("{base}_{k}");
        k += 1;
    }
    name
}

/// Adds the device entry `name` for trampoline `r`. On NVIDIA the entry takes the
/// trampoline's environment tuple as one by-value parameter (a `byval` pointer, as clang
/// passes a struct to a CUDA kernel), so the host launches it with the address of the
/// tuple it built (`mj_runtime::cuda::launch`); the layouts agree because both sides lay
/// the tuple out by the same rules. On AMD the parameters are the tuple's fields.
fn add_entry<'ctx>(
    ctx: &'ctx Context,
    module: &Module<'ctx>,
    p: &Program,
    r: usize,
    name: &str,
    target: &mj_target::Target,
    td: &inkwell::targets::TargetData,
) -> Result<(), String> {
    let f = &p.functions[r];
    let env_ty = match f.params.first().map(|l| &f.locals[l.0 as usize].ty) {
        Some(Ty::Ptr(inner, _)) => (**inner).clone(),
        _ => {
            return Err(format!(
                "{}: a launch trampoline takes its environment",
                f.name
            ));
        }
    };
    let Ty::Tuple(fields) = &env_ty else {
        return Err(format!("{}: the launch environment is not a tuple", f.name));
    };
    let types = crate::types::Types::new(ctx, p, false)?;
    let env_ll = types.basic(&env_ty)?.into_struct_type();
    let tramp = module
        .get_function(&f.name)
        .ok_or_else(|| format!("{}: trampoline not in the device module", f.name))?;
    let b = ctx.create_builder();
    if target.kind != Kind::AmdGpu {
        let fty = ctx
            .void_type()
            .fn_type(&[ctx.ptr_type(AddressSpace::default()).into()], false);
        let entry = module.add_function(name, fty, Some(LlLinkage::External));
        entry.set_call_conventions(71); // ptx_kernel
        use inkwell::attributes::{Attribute, AttributeLoc};
        let byval = Attribute::get_named_enum_kind_id("byval");
        entry.add_attribute(
            AttributeLoc::Param(0),
            ctx.create_type_attribute(byval, env_ll.into()),
        );
        let align = Attribute::get_named_enum_kind_id("align");
        entry.add_attribute(
            AttributeLoc::Param(0),
            ctx.create_enum_attribute(align, u64::from(td.get_abi_alignment(&env_ll).max(8))),
        );
        b.position_at_end(ctx.append_basic_block(entry, "entry"));
        let env = entry
            .get_nth_param(0)
            .ok_or("missing kernel parameter")?
            .into_pointer_value();
        ll(b.build_call(tramp, &[env.into()], ""))?;
        ll(b.build_return(None))?;
        return Ok(());
    }
    let params = fields
        .iter()
        .map(|t| types.basic(t).map(Into::into))
        .collect::<Result<Vec<_>, _>>()?;
    let fty = ctx.void_type().fn_type(&params, false);
    let entry = module.add_function(name, fty, Some(LlLinkage::External));
    entry.set_call_conventions(91); // amdgpu_kernel
    let bb = ctx.append_basic_block(entry, "entry");
    b.position_at_end(bb);
    let slot = ll(b.build_alloca(env_ll, "env"))?;
    let slot = generic(ctx, &b, slot)?;
    for i in 0..fields.len() {
        let v = entry
            .get_nth_param(i as u32)
            .ok_or("missing kernel parameter")?;
        let gep = ll(b.build_struct_gep(env_ll, slot, i as u32, "field"))?;
        ll(b.build_store(gep, v))?;
    }
    ll(b.build_call(tramp, &[slot.into()], ""))?;
    ll(b.build_return(None))?;
    Ok(())
}

/// A pointer in another address space (an alloca's on AMDGPU), as a generic pointer.
pub(crate) fn generic<'ctx>(
    ctx: &'ctx Context,
    b: &inkwell::builder::Builder<'ctx>,
    p: inkwell::values::PointerValue<'ctx>,
) -> Result<inkwell::values::PointerValue<'ctx>, String> {
    if p.get_type().get_address_space() == AddressSpace::default() {
        return Ok(p);
    }
    ll(b.build_address_space_cast(p, ctx.ptr_type(AddressSpace::default()), "flat"))
}

/// Replaces every call `mj_gpu_shared_alloc(bytes, align)` (constant arguments, after
/// inlining) with a shared-memory global of its own.
fn place_shared_memory<'ctx>(ctx: &'ctx Context, module: &Module<'ctx>) -> Result<(), String> {
    let Some(alloc) = module.get_function("mj_gpu_shared_alloc") else {
        return Ok(());
    };
    let mut calls = Vec::new();
    for f in module.get_functions() {
        for bb in f.get_basic_blocks() {
            let mut inst = bb.get_first_instruction();
            while let Some(i) = inst {
                if i.get_opcode() == InstructionOpcode::Call
                    && let Some(callee) = i.get_operand(i.get_num_operands() - 1)
                    && let Some(v) = callee.value()
                    && v.is_pointer_value()
                    && v.into_pointer_value() == alloc.as_global_value().as_pointer_value()
                {
                    calls.push((f, i));
                }
                inst = i.get_next_instruction();
            }
        }
    }
    let shared = AddressSpace::from(3u16);
    for (n, (f, call)) in calls.into_iter().enumerate() {
        let arg = |k: u32| {
            call.get_operand(k)
                .and_then(|o| o.value())
                .and_then(|v| match v {
                    BasicValueEnum::IntValue(iv) => iv.get_zero_extended_constant(),
                    _ => None,
                })
        };
        let (Some(bytes), Some(align)) = (arg(0), arg(1)) else {
            return Err(format!(
                "in kernel code `{}`: the size of a shared-memory allocation must be known at compile time",
                f.get_name().to_string_lossy()
            ));
        };
        let arr = ctx.i8_type().array_type(bytes.max(1) as u32);
        let g = module.add_global(arr, Some(shared), &format!("__mj_shared{n}"));
        g.set_linkage(LlLinkage::Internal);
        g.set_initializer(&arr.get_undef());
        g.set_alignment(align.clamp(1, 256) as u32);
        let flat = g
            .as_pointer_value()
            .const_address_space_cast(ctx.ptr_type(AddressSpace::default()));
        // SAFETY: both values belong to this module and have the same (pointer) type.
        unsafe {
            llvm_sys::core::LLVMReplaceAllUsesWith(call.as_value_ref(), flat.as_value_ref());
        }
        call.erase_from_basic_block();
    }
    Ok(())
}

/// The device form of a runtime call made by kernel code, if it has one; `None` means the
/// call is not a device operation (an error for the caller to report).
pub(crate) fn device_call<'ctx>(
    fx: &crate::func::FnCx<'_, '_, 'ctx>,
    name: &str,
    vals: &[BasicValueEnum<'ctx>],
) -> Result<Option<Option<BasicValueEnum<'ctx>>>, String> {
    use inkwell::AtomicOrdering::SequentiallyConsistent as SC;
    use inkwell::AtomicRMWBinOp as Op;
    let b = &fx.m.builder;
    if let Some(rest) = name.strip_prefix("mj_atomic_") {
        let (op, ty) = rest.split_once('_').ok_or("bad atomic name")?;
        let ptr = vals
            .first()
            .ok_or("atomic without a pointer")?
            .into_pointer_value();
        let float = ty.starts_with('f');
        let signed = ty.starts_with('i');
        let rmw = |o: Op, v: BasicValueEnum<'ctx>| -> Result<BasicValueEnum<'ctx>, String> {
            if float {
                // inkwell's `build_atomicrmw` takes integers only.
                // SAFETY: a valid builder positioned in a block, and values of this module.
                let raw = unsafe {
                    llvm_sys::core::LLVMBuildAtomicRMW(
                        b.as_mut_ptr(),
                        llvm_sys::LLVMAtomicRMWBinOp::LLVMAtomicRMWBinOpFAdd,
                        ptr.as_value_ref(),
                        v.as_value_ref(),
                        llvm_sys::LLVMAtomicOrdering::LLVMAtomicOrderingSequentiallyConsistent,
                        0,
                    )
                };
                // SAFETY: `raw` is the float-typed result of the instruction just built.
                return Ok(unsafe { BasicValueEnum::new(raw) });
            }
            let r = ll(b.build_atomicrmw(o, ptr, v.into_int_value(), SC))?;
            Ok(r.as_basic_value_enum())
        };
        let v = vals.get(1).copied();
        return Ok(Some(Some(match op {
            "add" => rmw(
                if float { Op::FAdd } else { Op::Add },
                v.ok_or("missing value")?,
            )?,
            "max" => rmw(
                if signed { Op::Max } else { Op::UMax },
                v.ok_or("missing value")?,
            )?,
            "min" => rmw(
                if signed { Op::Min } else { Op::UMin },
                v.ok_or("missing value")?,
            )?,
            "xchg" => rmw(Op::Xchg, v.ok_or("missing value")?)?,
            "load" => {
                let t = if ty.ends_with("32") {
                    fx.m.ctx.i32_type()
                } else {
                    fx.m.ctx.i64_type()
                };
                rmw(Op::Add, t.const_zero().into())?
            }
            "store" => {
                rmw(Op::Xchg, v.ok_or("missing value")?)?;
                return Ok(Some(None));
            }
            "cas" => {
                let expected = v.ok_or("missing value")?;
                let desired = vals.get(2).copied().ok_or("missing value")?;
                let pair = ll(b.build_cmpxchg(ptr, expected, desired, SC, SC))?;
                ll(b.build_extract_value(pair, 0, "old"))?
            }
            _ => return Ok(None),
        })));
    }
    match name {
        // Run-time errors (division by zero, an index out of range, `abort`) stop the
        // kernel: the launch reports the failure.
        "mj_abort_div_zero" | "mj_abort_index" | "mj_rt_abort" | "mj_rt_unhandled" => {
            let trap = fx.m.runtime_fn("llvm.trap", &[], &Ty::Unit)?;
            ll(b.build_call(trap, &[], ""))?;
            Ok(Some(None))
        }
        // Dynamic shared memory (`shared_mem_bytes` of the launch): an external shared
        // array of no size, as CUDA's `extern __shared__`.
        "mj_gpu_dynamic_shared" => {
            let m = &fx.m.module;
            let g = match m.get_global("__mj_dynamic_shared") {
                Some(g) => g,
                None => {
                    let arr = fx.m.ctx.i8_type().array_type(0);
                    let g =
                        m.add_global(arr, Some(AddressSpace::from(3u16)), "__mj_dynamic_shared");
                    g.set_linkage(LlLinkage::External);
                    g.set_alignment(16);
                    g
                }
            };
            let flat = ll(b.build_address_space_cast(
                g.as_pointer_value(),
                fx.m.ctx.ptr_type(AddressSpace::default()),
                "dyn_shared",
            ))?;
            Ok(Some(Some(flat.into())))
        }
        // Placed by `place_shared_memory` after inlining; kept as a call until then.
        _ => Ok(None),
    }
}

/// A call of the host runtime that kernel code cannot make.
pub(crate) fn unsupported(name: &str) -> String {
    let what = match name {
        n if n.starts_with("mj_str") || n.starts_with("mj_fmt") => "strings",
        "mj_write" | "mj_flush" => "printing",
        n if n.starts_with("mj_list") => "lists",
        _ => "the host runtime",
    };
    format!("kernel code cannot use {what} on a GPU (it calls `{name}`)")
}
