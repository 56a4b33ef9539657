//! The host's `mj_target::Target` (from LLVM's host queries: the one place that looks at the
//! machine the compiler runs on), target machines for a `Target`, and the optimization
//! pipeline.

use std::sync::OnceLock;

use inkwell::OptimizationLevel;
use inkwell::module::Module;
use inkwell::passes::PassBuilderOptions;
use inkwell::targets::{
    CodeModel, InitializationConfig, RelocMode, Target, TargetMachine, TargetTriple,
};

/// Registers the native target once per process; LLVM's registries are global.
pub(crate) fn init_native() -> Result<(), String> {
    static INIT: OnceLock<Result<(), String>> = OnceLock::new();
    INIT.get_or_init(|| Target::initialize_native(&InitializationConfig::default()))
        .clone()
}

/// Registers the NVPTX and AMDGPU back ends once per process.
fn init_gpus() {
    static INIT: OnceLock<()> = OnceLock::new();
    INIT.get_or_init(|| {
        let c = InitializationConfig::default();
        Target::initialize_nvptx(&c);
        Target::initialize_amd_gpu(&c);
    });
}

fn level(opt: u8) -> OptimizationLevel {
    match opt {
        0 => OptimizationLevel::None,
        1 => OptimizationLevel::Less,
        2 => OptimizationLevel::Default,
        _ => OptimizationLevel::Aggressive,
    }
}

/// The host: its triple, CPU and all its features (like `-march=native`).
///
/// `MJ_TARGET_CPU` (an LLVM CPU name such as `x86-64-v2`) replaces the host CPU, with the
/// features of `MJ_TARGET_FEATURES` (LLVM's `+avx2,+fma` form; none when unset, so LLVM
/// takes the CPU's own): tools that cannot run every instruction of the build machine
/// (valgrind has no AVX-512) and binaries meant for older machines need it.
pub fn host_target() -> mj_target::Target {
    static HOST: OnceLock<mj_target::Target> = OnceLock::new();
    HOST.get_or_init(|| {
        let mut t = host_cpu();
        // Kernels always have a device to run on: a GPU when launches on one are
        // supported, else the CPU device (docs/gpu.md), so `has_accelerator()` holds.
        t.accelerator = Some(mj_target::Kind::Cpu);
        t
    })
    .clone()
}

fn host_cpu() -> mj_target::Target {
    {
        let triple = TargetMachine::get_default_triple();
        let triple = triple.as_str().to_string_lossy();
        match std::env::var("MJ_TARGET_CPU") {
            Ok(cpu) if !cpu.trim().is_empty() => {
                let features = std::env::var("MJ_TARGET_FEATURES").unwrap_or_default();
                mj_target::Target::new(&triple, cpu.trim(), &features)
            }
            _ => mj_target::Target::new(
                &triple,
                &TargetMachine::get_host_cpu_name().to_string(),
                &TargetMachine::get_host_cpu_features().to_string(),
            ),
        }
    }
}

/// A target machine for `t` (its triple, CPU and feature string). PIC so that the object
/// links into a PIE with the system `cc` and also loads under the JIT.
pub(crate) fn machine_for(t: &mj_target::Target, opt: u8) -> Result<TargetMachine, String> {
    if t.is_gpu() {
        init_gpus();
    } else {
        init_native()?;
    }
    let triple = TargetTriple::create(&t.triple);
    let target = Target::from_triple(&triple)
        .map_err(|e| format!("unsupported target `{}`: {e}", t.triple))?;
    target
        .create_target_machine(
            &triple,
            &t.cpu,
            &t.feature_string,
            level(opt),
            RelocMode::PIC,
            CodeModel::Default,
        )
        .ok_or_else(|| format!("cannot create a target machine for {}", t.triple))
}

/// Runs the standard `default<On>` pipeline of the new pass manager.
pub(crate) fn optimize(module: &Module<'_>, tm: &TargetMachine, opt: u8) -> Result<(), String> {
    let pipeline = format!("default<O{}>", opt.min(3));
    module
        .run_passes(&pipeline, tm, PassBuilderOptions::create())
        .map_err(|e| format!("LLVM optimization failed: {}", e.to_string()))
}
