//! The host target machine and the optimization pipeline.

use std::sync::OnceLock;

use inkwell::OptimizationLevel;
use inkwell::module::Module;
use inkwell::passes::PassBuilderOptions;
use inkwell::targets::{CodeModel, InitializationConfig, RelocMode, Target, TargetMachine};

/// Registers the native target once per process; LLVM's registries are global.
pub(crate) fn init_native() -> Result<(), String> {
    static INIT: OnceLock<Result<(), String>> = OnceLock::new();
    INIT.get_or_init(|| Target::initialize_native(&InitializationConfig::default()))
        .clone()
}

fn level(opt: u8) -> OptimizationLevel {
    match opt {
        0 => OptimizationLevel::None,
        1 => OptimizationLevel::Less,
        2 => OptimizationLevel::Default,
        _ => OptimizationLevel::Aggressive,
    }
}

/// A target machine for the host CPU with all its features (like `-march=native`). PIC so
/// that the object links into a PIE with the system `cc` and also loads under the JIT.
pub(crate) fn host_machine(opt: u8) -> Result<TargetMachine, String> {
    init_native()?;
    let triple = TargetMachine::get_default_triple();
    let target =
        Target::from_triple(&triple).map_err(|e| format!("unsupported host target: {e}"))?;
    let cpu = TargetMachine::get_host_cpu_name().to_string();
    let features = TargetMachine::get_host_cpu_features().to_string();
    target
        .create_target_machine(
            &triple,
            &cpu,
            &features,
            level(opt),
            RelocMode::PIC,
            CodeModel::Default,
        )
        .ok_or_else(|| format!("cannot create a target machine for {}", triple))
}

/// Runs the standard `default<On>` pipeline of the new pass manager.
pub(crate) fn optimize(module: &Module<'_>, tm: &TargetMachine, opt: u8) -> Result<(), String> {
    let pipeline = format!("default<O{}>", opt.min(3));
    module
        .run_passes(&pipeline, tm, PassBuilderOptions::create())
        .map_err(|e| format!("LLVM optimization failed: {}", e.to_string()))
}
