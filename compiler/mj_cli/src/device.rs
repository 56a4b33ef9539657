//! `mj build --emit ptx|gpu-obj|gpu-llvm --gpu ARCH`: the device code of the kernels a
//! program launches, for an NVIDIA GPU (PTX text for `sm_80`, `sm_90a`, `sm_100a`, ...)
//! or an AMD GPU (a code object for `gfx942`, `gfx950`, ..., linked with `ld.lld`).
//!
//! The program is loaded and checked again for the GPU target (`driver::load_for`), so
//! the library's `comptime if is_nvidia_gpu()` branches pick that GPU's intrinsics.

use std::path::Path;

use mj_sema::db;

use crate::driver;

/// The NVIDIA GPUs whose kernels host code embeds (`mj run`, `mj build`, `mj test`):
/// those `--gpu` names (comma-separated), else the CUDA device of this machine, if it has
/// one and `--device`/`MJ_DEVICE` does not ask for another device. The second result says
/// whether the user asked for them (then a kernel that does not compile for the GPU is an
/// error; otherwise the program runs its kernels on the CPU device).
pub fn embed_arches(
    gpu: Option<&str>,
    device: Option<&str>,
) -> Result<(Vec<String>, bool), String> {
    if let Some(g) = gpu {
        let arches: Vec<String> = g.split(',').map(|a| a.trim().to_string()).collect();
        for a in &arches {
            gpu_target("ptx", Some(a))?;
        }
        return Ok((arches, true));
    }
    let env = std::env::var("MJ_DEVICE").ok();
    match device.or(env.as_deref()) {
        Some("cpu") | Some("hip") => Ok((Vec::new(), false)),
        asked => Ok((
            mj_runtime::cuda::device_arch().into_iter().collect(),
            asked == Some("cuda"),
        )),
    }
}

/// The device image that host code of `file` (lowered to `host`) embeds: the PTX of the
/// kernels it launches for each GPU of `arches` and the entry of each launch (the
/// runtime's `image.rs`); `None` when it launches no kernel or no GPU is named.
pub fn host_image(
    file: &Path,
    host: &mj_mir::Program,
    arches: &[String],
    opt: u8,
) -> Result<Option<Vec<u8>>, String> {
    let launches = mj_codegen::device_entries(host);
    if arches.is_empty() || launches.is_empty() {
        return Ok(None);
    }
    let mut ptx = Vec::new();
    for arch in arches {
        let target = gpu_target("ptx", Some(arch))?;
        let l = driver::load_for(file, target.clone())?;
        let diags = db::diagnostics(&l.db, l.program);
        if let Some((_, d)) = diags.iter().find(|(_, d)| d.is_error()) {
            return Err(format!(
                "the kernels do not compile for {arch}: {} (`mj build --emit ptx --gpu {arch}` shows where)",
                d.message
            ));
        }
        let checked = db::check(&l.db, l.program);
        let mir = mj_lower::lower_program(&checked.0.program)
            .map_err(|e| format!("internal compiler error: {e}"))?;
        if mj_codegen::device_entries(&mir) != launches {
            return Err(format!(
                "the program's launches differ when compiled for {arch} (a launch inside `comptime if is_gpu()`?)"
            ));
        }
        let code = mj_codegen::emit_device(&mir, &target, opt, mj_codegen::DeviceOutput::Ptx)
            .map_err(|e| format!("compiling the kernels for {arch}: {e}"))?;
        ptx.push((arch.clone(), String::from_utf8_lossy(&code).into_owned()));
    }
    Ok(Some(mj_runtime::image::Image::write(&launches, &ptx)))
}

/// The GPU a `--gpu` name denotes, checked against the kind of output.
pub fn gpu_target(emit: &str, gpu: Option<&str>) -> Result<mj_target::Target, String> {
    let amd = emit == "gpu-obj";
    let arch = gpu.unwrap_or(if amd { "gfx942" } else { "sm_90a" });
    let nvidia = arch.starts_with("sm_")
        && arch[3..]
            .trim_end_matches('a')
            .chars()
            .all(|c| c.is_ascii_digit())
        && arch.len() > 3;
    let is_amd = arch.starts_with("gfx") && arch.len() > 3;
    match (emit, nvidia, is_amd) {
        ("ptx", true, _) => Ok(mj_target::Target::nvidia_gpu(arch)),
        ("gpu-obj", _, true) => Ok(mj_target::Target::amd_gpu(arch)),
        ("gpu-llvm", true, _) => Ok(mj_target::Target::nvidia_gpu(arch)),
        ("gpu-llvm", _, true) => Ok(mj_target::Target::amd_gpu(arch)),
        ("ptx", _, _) => Err(format!(
            "`--emit ptx` needs an NVIDIA GPU such as `--gpu sm_90a` (not `{arch}`)"
        )),
        ("gpu-obj", _, _) => Err(format!(
            "`--emit gpu-obj` needs an AMD GPU such as `--gpu gfx942` (not `{arch}`)"
        )),
        _ => Err(format!(
            "unknown GPU `{arch}`: use an NVIDIA `sm_XX` (sm_80, sm_90a, sm_100a) or an AMD `gfxNNN` (gfx942, gfx950)"
        )),
    }
}

/// Builds the device code of `file` and writes it to `out` (standard output for text when
/// `out` is `None` or `-`). Returns `Ok(false)` when the program has errors (reported).
pub fn build(
    file: &Path,
    emit: &str,
    gpu: Option<&str>,
    out: Option<&str>,
    opt: u8,
    short: bool,
) -> Result<bool, String> {
    let target = gpu_target(emit, gpu)?;
    let l = driver::load_for(file, target.clone())?;
    let Some(mir) = crate::compile_mir(&l, short)? else {
        return Ok(false);
    };
    let kind = match emit {
        "ptx" => mj_codegen::DeviceOutput::Ptx,
        "gpu-obj" => mj_codegen::DeviceOutput::AmdObject,
        _ => mj_codegen::DeviceOutput::LlvmIr,
    };
    let code = mj_codegen::emit_device(&mir, &target, opt, kind)?;
    let stem = file
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("kernels")
        .to_string();
    if emit == "gpu-obj" {
        let out = out.map(str::to_string).unwrap_or(format!("{stem}.hsaco"));
        link_amd(&code, Path::new(&out))?;
        return Ok(true);
    }
    match out {
        None | Some("-") => print!("{}", String::from_utf8_lossy(&code)),
        Some(p) => std::fs::write(p, &code).map_err(|e| format!("cannot write `{p}`: {e}"))?,
    }
    Ok(true)
}

/// The linker of AMD code objects: `ld.lld` (Debian's `lld-22` installs `ld.lld-22`).
fn find_lld() -> Option<String> {
    let candidates = [
        std::env::var("MJ_LLD").unwrap_or_default(),
        "ld.lld-22".into(),
        "ld.lld".into(),
        "/usr/lib/llvm-22/bin/ld.lld".into(),
    ];
    candidates.into_iter().filter(|c| !c.is_empty()).find(|c| {
        std::process::Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

/// Links a relocatable AMDGPU object into a code object (a shared ELF the HIP runtime
/// loads).
fn link_amd(obj: &[u8], out: &Path) -> Result<(), String> {
    let lld = find_lld().ok_or(
        "cannot find `ld.lld` to link the AMD code object (install Debian's `lld-22`, or set MJ_LLD)",
    )?;
    let dir = std::env::temp_dir().join(format!("mj-gpu-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
    let o = dir.join("kernels.o");
    std::fs::write(&o, obj).map_err(|e| format!("cannot write `{}`: {e}", o.display()))?;
    let r = std::process::Command::new(&lld)
        .arg("-shared")
        .arg(&o)
        .arg("-o")
        .arg(out)
        .output()
        .map_err(|e| format!("cannot run `{lld}`: {e}"));
    let _ = std::fs::remove_dir_all(&dir);
    let r = r?;
    if !r.status.success() {
        return Err(format!(
            "`{lld}` failed to link the AMD code object:\n{}",
            String::from_utf8_lossy(&r.stderr)
        ));
    }
    Ok(())
}
