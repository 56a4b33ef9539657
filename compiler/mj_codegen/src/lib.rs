//! LLVM code generation for MIR (`mj_mir`), and the native back ends built on it: optimized
//! LLVM IR, assembly and object code for the host, linking with the system C compiler, and
//! running an object in-process through ORC LLJIT.
//!
//! Pipeline: [`mj_mir::Program`] -> LLVM module ([`module::build_module`]) -> verify ->
//! the new pass manager at `default<On>` -> text or object bytes. Every failure is an `Err`
//! with a readable message; a panic here is a bug.

mod func;
mod gpu;
mod jit;
mod link;
mod module;
mod rvalue;
mod simd;
mod target;
mod tbaa;
mod types;

use inkwell::context::Context;
use inkwell::targets::FileType;
use mj_mir::Program;

pub use gpu::{DeviceOutput, LAUNCH_MARK, device_entries, emit_device};
pub use jit::{Jit, run_object_in_process, run_object_with_symbols};
pub use link::{NATIVE_LIBS, find_runtime_lib, link_executable, link_shared_lib, link_static_lib};

pub use target::host_target;

/// Code generation options.
#[derive(Clone, Debug)]
pub struct Options {
    /// LLVM optimization level, 0..=3 (values above 3 act as 3).
    pub opt_level: u8,
    /// What to generate code for: the target the program was checked for
    /// (`TProgram::target`); the host by default.
    pub target: mj_target::Target,
    /// The device image (the runtime's `image.rs`: the PTX of the kernels the program
    /// launches) that host code embeds for launches on a GPU; `None` for none.
    pub gpu_image: Option<Vec<u8>>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            opt_level: 2,
            target: host_target(),
            gpu_image: None,
        }
    }
}

/// Builds, verifies and optimizes the module for `p`, then hands it to `f`. The context is
/// created per call so that compilations are independent (and could run on threads).
fn with_module<R>(
    p: &Program,
    o: &Options,
    f: impl FnOnce(&inkwell::module::Module<'_>, &inkwell::targets::TargetMachine) -> Result<R, String>,
) -> Result<R, String> {
    let tm = target::machine_for(&o.target, o.opt_level)?;
    let context = Context::create();
    let module = module::build_module(&context, p, &tm, &o.target, o.gpu_image.as_deref())?;
    module
        .verify()
        .map_err(|e| format!("LLVM module verification failed:\n{}", e.to_string()))?;
    target::optimize(&module, &tm, o.opt_level)?;
    f(&module, &tm)
}

/// The optimized LLVM IR of the program, as text.
pub fn emit_llvm_ir(p: &Program, o: &Options) -> Result<String, String> {
    with_module(p, o, |m, _| Ok(m.print_to_string().to_string()))
}

/// Host assembly for the program.
pub fn emit_asm(p: &Program, o: &Options) -> Result<String, String> {
    with_module(p, o, |m, tm| {
        let buf = tm
            .write_to_memory_buffer(m, FileType::Assembly)
            .map_err(|e| format!("assembly emission failed: {}", e.to_string()))?;
        Ok(String::from_utf8_lossy(buf.as_slice()).into_owned())
    })
}

/// A host relocatable object file (ELF on Linux) for the program.
pub fn emit_object(p: &Program, o: &Options) -> Result<Vec<u8>, String> {
    with_module(p, o, |m, tm| {
        let buf = tm
            .write_to_memory_buffer(m, FileType::Object)
            .map_err(|e| format!("object emission failed: {}", e.to_string()))?;
        Ok(buf.as_slice().to_vec())
    })
}
