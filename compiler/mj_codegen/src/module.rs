//! Module-level code generation: function declarations, string literals, external
//! declarations and the C `main` wrapper.

use std::cell::RefCell;
use std::collections::HashMap;

use inkwell::AddressSpace;
use inkwell::builder::Builder;
use inkwell::context::Context;
use inkwell::module::{Linkage as LlLinkage, Module};
use inkwell::targets::{TargetData, TargetMachine};
use inkwell::types::FunctionType;
use inkwell::values::{BasicValue, FunctionValue, PointerValue};
use mj_mir::{Linkage, Program, Ty};

use crate::types::Types;

/// Maps an inkwell builder error (only possible on misuse) to our error type.
pub(crate) fn ll<T>(r: Result<T, inkwell::builder::BuilderError>) -> Result<T, String> {
    r.map_err(|e| format!("LLVM builder error: {e}"))
}

/// State shared by all functions of one module.
pub(crate) struct ModCx<'a, 'ctx> {
    pub ctx: &'ctx Context,
    pub module: Module<'ctx>,
    pub builder: Builder<'ctx>,
    pub types: Types<'ctx>,
    pub program: &'a Program,
    pub target_data: TargetData,
    /// LLVM functions of `program.functions`, by `FuncId`.
    pub fns: Vec<FunctionValue<'ctx>>,
    /// String literals already emitted, so identical literals share one object.
    strings: RefCell<HashMap<String, PointerValue<'ctx>>>,
    /// Alias-analysis access tags by name (see `tbaa.rs`).
    pub tbaa: RefCell<HashMap<String, inkwell::values::MetadataValue<'ctx>>>,
    /// The GPU this module is device code for (`gpu.rs`); `None` for CPU code.
    pub device: Option<mj_target::Kind>,
    /// The program's device image (the runtime's `image.rs`), which host code hands to
    /// its kernel launches (`gpu::launch_extra_args`).
    pub gpu_image: Option<&'a [u8]>,
}

/// Builds the (unoptimized, unverified) LLVM module for a program.
pub(crate) fn build_module<'ctx>(
    ctx: &'ctx Context,
    p: &Program,
    tm: &TargetMachine,
    target: &mj_target::Target,
    gpu_image: Option<&[u8]>,
) -> Result<Module<'ctx>, String> {
    build(ctx, p, tm, target, None, gpu_image)
}

/// The device module of a GPU program: only the functions in `reach` (those reachable
/// from its kernel launches, `gpu.rs`) get bodies; the others are dropped.
pub(crate) fn build_device_module<'ctx>(
    ctx: &'ctx Context,
    p: &Program,
    tm: &TargetMachine,
    target: &mj_target::Target,
    reach: &std::collections::HashSet<usize>,
) -> Result<Module<'ctx>, String> {
    build(ctx, p, tm, target, Some(reach), None)
}

fn build<'ctx>(
    ctx: &'ctx Context,
    p: &Program,
    tm: &TargetMachine,
    target: &mj_target::Target,
    only: Option<&std::collections::HashSet<usize>>,
    gpu_image: Option<&[u8]>,
) -> Result<Module<'ctx>, String> {
    let module = ctx.create_module("mj");
    module.set_triple(&tm.get_triple());
    let target_data = tm.get_target_data();
    module.set_data_layout(&target_data.get_data_layout());
    // Device code uses generic (flat) pointers throughout (`gpu.rs`).
    let types = Types::new(ctx, p, false)?;

    // Declare every function first so that bodies can call any of them.
    let mut fns = Vec::with_capacity(p.functions.len());
    for f in &p.functions {
        if module.get_function(&f.name).is_some() {
            return Err(format!("function {} is defined twice", f.name));
        }
        let params = f
            .params
            .iter()
            .map(|l| {
                f.locals
                    .get(l.0 as usize)
                    .map(|d| d.ty.clone())
                    .ok_or_else(|| format!("{}: parameter _{} has no declaration", f.name, l.0))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let fty = types.fn_type(&params, &f.ret, f.raises)?;
        let linkage = match f.linkage {
            // Internal linkage lets LLVM inline and drop functions it has fully inlined.
            Linkage::Internal => LlLinkage::Internal,
            Linkage::Export => LlLinkage::External,
        };
        let fv = module.add_function(&f.name, fty, Some(linkage));
        if f.linkage == Linkage::Export && !f.raises {
            c_abi_attrs(ctx, fv, &params, &f.ret);
        }
        // Device code: a function that allocates shared memory is inlined into every
        // caller, so that each call gets shared memory of its own (`gpu.rs` turns each
        // remaining allocation site into one shared global).
        let shared = target.is_gpu() && crate::gpu::allocates_shared(f);
        let inline = match f.inline {
            _ if shared => Some("alwaysinline"),
            mj_mir::Inline::Always => Some("alwaysinline"),
            mj_mir::Inline::Never => Some("noinline"),
            mj_mir::Inline::Auto => None,
        };
        if let Some(name) = inline {
            let kind = inkwell::attributes::Attribute::get_named_enum_kind_id(name);
            fv.add_attribute(
                inkwell::attributes::AttributeLoc::Function,
                ctx.create_enum_attribute(kind, 0),
            );
        }
        if !target.is_gpu() {
            // A frame larger than a page (a big `InlineArray` local) touches each page on
            // the way down, so running out of stack always hits the guard page and is
            // reported as a stack overflow, instead of jumping past it into other memory.
            fv.add_attribute(
                inkwell::attributes::AttributeLoc::Function,
                ctx.create_string_attribute("probe-stack", "inline-asm"),
            );
        }
        fns.push(fv);
    }

    let cx = ModCx {
        ctx,
        builder: ctx.create_builder(),
        module,
        types,
        program: p,
        tbaa: RefCell::new(HashMap::new()),
        target_data,
        fns,
        strings: RefCell::new(HashMap::new()),
        device: target.is_gpu().then_some(target.kind),
        gpu_image,
    };
    for (i, f) in p.functions.iter().enumerate() {
        if only.is_some_and(|r| !r.contains(&i)) {
            continue;
        }
        crate::func::compile_function(&cx, f, cx.fns[i])?;
    }
    if let Some(r) = only {
        for (i, fv) in cx.fns.iter().enumerate() {
            if !r.contains(&i) {
                // SAFETY: not reachable from any compiled body, so nothing refers to it.
                unsafe { fv.delete() };
            }
        }
    } else if let Some(entry) = p.entry {
        cx.emit_c_main(entry)?;
    }
    Ok(cx.module)
}

/// The C ABI wants integers narrower than 32 bits (and `bool`) widened by the caller of an
/// argument and by the callee of a result; LLVM does that when the declaration says
/// `signext`/`zeroext`, as clang's would. Without them, a C function taking a `char` or
/// returning a `bool` may see or leave garbage in the upper bits of the register.
pub(crate) fn c_abi_attrs<'ctx>(
    ctx: &'ctx Context,
    f: FunctionValue<'ctx>,
    params: &[Ty],
    ret: &Ty,
) {
    use inkwell::attributes::{Attribute, AttributeLoc};
    let ext = |t: &Ty| match t {
        Ty::Bool => Some("zeroext"),
        Ty::Int { bits, signed } if *bits < 32 => Some(if *signed { "signext" } else { "zeroext" }),
        _ => None,
    };
    let attr = |name: &str| ctx.create_enum_attribute(Attribute::get_named_enum_kind_id(name), 0);
    for (i, p) in params.iter().enumerate() {
        if let Some(a) = ext(p) {
            f.add_attribute(AttributeLoc::Param(i as u32), attr(a));
        }
    }
    if let Some(a) = ext(ret) {
        f.add_attribute(AttributeLoc::Return, attr(a));
    }
}

impl<'a, 'ctx> ModCx<'a, 'ctx> {
    /// The address of a constant `MjStr` for `s`: a private `{ i64 len, ptr bytes, i64 0 }` global
    /// pointing at a private byte array. The bytes are NUL-terminated (not counted in `len`)
    /// as a courtesy to C functions; the runtime never writes to either object.
    pub fn str_const(&self, s: &str) -> PointerValue<'ctx> {
        if let Some(p) = self.strings.borrow().get(s) {
            return *p;
        }
        let n = self.strings.borrow().len();
        let bytes = self.ctx.const_string(s.as_bytes(), true);
        let bytes_g = self
            .module
            .add_global(bytes.get_type(), None, &format!(".str.bytes.{n}"));
        bytes_g.set_initializer(&bytes);
        bytes_g.set_constant(true);
        bytes_g.set_linkage(LlLinkage::Private);
        bytes_g.set_unnamed_addr(true);
        let obj = self.types.str_obj.const_named_struct(&[
            self.types
                .i64()
                .const_int(s.len() as u64, false)
                .as_basic_value_enum(),
            bytes_g.as_pointer_value().as_basic_value_enum(),
            // rc 0: immortal (see the runtime's rc.rs).
            self.types.i64().const_zero().as_basic_value_enum(),
        ]);
        let obj_g = self
            .module
            .add_global(self.types.str_obj, None, &format!(".str.{n}"));
        obj_g.set_initializer(&obj);
        obj_g.set_constant(true);
        obj_g.set_linkage(LlLinkage::Private);
        obj_g.set_unnamed_addr(true);
        let p = obj_g.as_pointer_value();
        self.strings.borrow_mut().insert(s.to_string(), p);
        p
    }

    /// A private constant holding `bytes` and a terminating NUL, for C strings.
    pub fn cstr_const(&self, name: &str, bytes: &[u8]) -> PointerValue<'ctx> {
        let v = self.ctx.const_string(bytes, true);
        let g = self.module.add_global(v.get_type(), None, name);
        g.set_initializer(&v);
        g.set_constant(true);
        g.set_linkage(LlLinkage::Private);
        g.as_pointer_value()
    }

    /// Declares an external function on first use. A later use with another signature means
    /// the lowering disagrees with itself about the callee, which is a compiler bug.
    pub fn declare_extern(
        &self,
        name: &str,
        fty: FunctionType<'ctx>,
    ) -> Result<FunctionValue<'ctx>, String> {
        match self.module.get_function(name) {
            Some(f) if f.get_type() == fty => Ok(f),
            Some(f) => Err(format!(
                "internal compiler error: `{name}` used as {} but already declared as {}",
                fty.print_to_string().to_string(),
                f.get_type().print_to_string().to_string()
            )),
            None => {
                let f = self
                    .module
                    .add_function(name, fty, Some(LlLinkage::External));
                self.mark_cold(name, f);
                Ok(f)
            }
        }
    }

    /// Run-time error paths are `cold` and `noreturn`, so LLVM lays them out of line, keeps
    /// the checks in hot loops to a compare and a not-taken branch, and knows that nothing
    /// after a failed check merges back.
    fn mark_cold(&self, name: &str, f: FunctionValue<'ctx>) {
        const NORETURN: &[&str] = &[
            "mj_rt_abort",
            "mj_rt_unhandled",
            "mj_abort_index",
            "mj_abort_div_zero",
            "mj_exit",
        ];
        if !NORETURN.contains(&name) {
            return;
        }
        let loc = inkwell::attributes::AttributeLoc::Function;
        for a in ["cold", "noreturn", "nounwind"] {
            let kind = inkwell::attributes::Attribute::get_named_enum_kind_id(a);
            f.add_attribute(loc, self.ctx.create_enum_attribute(kind, 0));
        }
    }

    /// Declares a runtime function by MIR types.
    pub fn runtime_fn(
        &self,
        name: &str,
        params: &[Ty],
        ret: &Ty,
    ) -> Result<FunctionValue<'ctx>, String> {
        let fty = self.types.fn_type(params, ret, false)?;
        self.declare_extern(name, fty)
    }

    /// `int main(int argc, char **argv)`: initialize the runtime, run the entry function,
    /// report an escaped error, and return the runtime's exit status.
    fn emit_c_main(&self, entry: mj_mir::FuncId) -> Result<(), String> {
        let f = self
            .program
            .functions
            .get(entry.0 as usize)
            .ok_or_else(|| format!("entry function #{} does not exist", entry.0))?;
        if !f.params.is_empty() {
            return Err(format!("entry function {} must take no parameters", f.name));
        }
        if self.module.get_function("main").is_some() {
            return Err(
                "a function named `main` is already defined; the C entry point needs it".into(),
            );
        }
        let i32t = self.ctx.i32_type();
        let ptr = self.ctx.ptr_type(AddressSpace::default());
        let main = self.module.add_function(
            "main",
            i32t.fn_type(&[i32t.into(), ptr.into()], false),
            None,
        );
        let b = &self.builder;
        let bb = self.ctx.append_basic_block(main, "entry");
        b.position_at_end(bb);

        let argc = main
            .get_nth_param(0)
            .ok_or("main has no argc")?
            .into_int_value();
        let argv = main.get_nth_param(1).ok_or("main has no argv")?;
        let argc64 = ll(b.build_int_s_extend(argc, self.types.i64(), "argc64"))?;
        let init = self.runtime_fn("mj_rt_init", &[Ty::INT, Ty::ptr(Ty::Str)], &Ty::Unit)?;
        ll(b.build_call(init, &[argc64.into(), argv.into()], ""))?;

        let callee = self.fns[entry.0 as usize];
        // Kept out of `main`: its frame (which may be large) is set up after `mj_rt_init`
        // has installed the handler that reports a stack overflow.
        let noinline = inkwell::attributes::Attribute::get_named_enum_kind_id("noinline");
        callee.add_attribute(
            inkwell::attributes::AttributeLoc::Function,
            self.ctx.create_enum_attribute(noinline, 0),
        );
        if f.raises {
            let slot = ll(b.build_alloca(ptr, "err"))?;
            ll(b.build_store(slot, ptr.const_null()))?;
            ll(b.build_call(callee, &[slot.into()], ""))?;
            let err = ll(b.build_load(ptr, slot, "err.val"))?.into_pointer_value();
            let failed = ll(b.build_is_not_null(err, "failed"))?;
            let bad = self.ctx.append_basic_block(main, "unhandled");
            let ok = self.ctx.append_basic_block(main, "ok");
            ll(b.build_conditional_branch(failed, bad, ok))?;
            b.position_at_end(bad);
            let unhandled = self.runtime_fn("mj_rt_unhandled", &[Ty::Str], &Ty::Unit)?;
            ll(b.build_call(unhandled, &[err.into()], ""))?;
            ll(b.build_unreachable())?;
            b.position_at_end(ok);
        } else {
            ll(b.build_call(callee, &[], ""))?;
        }
        let exit = self.runtime_fn("mj_rt_exit", &[], &Ty::INT)?;
        let status = ll(b.build_call(exit, &[], "status"))?
            .try_as_basic_value()
            .basic()
            .ok_or("mj_rt_exit returned void")?
            .into_int_value();
        let status32 = ll(b.build_int_truncate(status, i32t, "status32"))?;
        ll(b.build_return(Some(&status32)))?;
        Ok(())
    }
}
