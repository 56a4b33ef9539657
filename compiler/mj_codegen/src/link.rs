//! Linking an object file with the runtime into an executable, using the system C compiler
//! as the linker driver (it knows the C runtime start files and library paths).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};

/// Links `object` with the runtime static library into the executable `out`.
pub fn link_executable(object: &[u8], out: &Path, runtime_lib: &Path) -> Result<(), String> {
    run_linker(object, out, runtime_lib, &[])
}

/// Runs the C compiler as the linker on `object` and the runtime, `first` arguments first.
fn run_linker(object: &[u8], out: &Path, runtime_lib: &Path, first: &[&str]) -> Result<(), String> {
    let obj = TempFile::new("o");
    std::fs::write(&obj.0, object).map_err(|e| format!("cannot write {}: {e}", obj.0.display()))?;
    let cc = std::env::var_os("CC").unwrap_or_else(|| "cc".into());
    let output = Command::new(&cc)
        .args(first)
        .arg(&obj.0)
        .arg(runtime_lib)
        .args(NATIVE_LIBS)
        // Drops the unused parts of the runtime (and of Rust's std) from the output.
        .arg("-Wl,--gc-sections")
        .arg("-o")
        .arg(out)
        .output()
        .map_err(|e| format!("cannot run the linker `{}`: {e}", cc.to_string_lossy()))?;
    if !output.status.success() {
        return Err(format!(
            "linking {} failed ({}):\n{}",
            out.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(())
}

/// What a Rust static library needs from the system on Linux
/// (`rustc --print native-static-libs`); C programs linking an mj library need them too.
pub const NATIVE_LIBS: &[&str] = &[
    "-lgcc_s",
    "-lutil",
    "-lrt",
    "-lpthread",
    "-lm",
    "-ldl",
    "-lc",
];

/// Builds the static library `out` (`libNAME.a`): the runtime's archive plus `object` as
/// one more member, so a C program links it alone (with [`NATIVE_LIBS`]).
pub fn link_static_lib(object: &[u8], out: &Path, runtime_lib: &Path) -> Result<(), String> {
    let dir = TempFile::new("d");
    std::fs::create_dir_all(&dir.0)
        .map_err(|e| format!("cannot create {}: {e}", dir.0.display()))?;
    let member = dir.0.join("mj_module.o");
    std::fs::write(&member, object)
        .map_err(|e| format!("cannot write {}: {e}", member.display()))?;
    let _ = std::fs::remove_file(out);
    std::fs::copy(runtime_lib, out).map_err(|e| {
        format!(
            "cannot copy the runtime library {} to {}: {e}",
            runtime_lib.display(),
            out.display()
        )
    })?;
    let ar = archiver();
    let output = Command::new(&ar)
        .arg("rs")
        .arg(out)
        .arg(&member)
        .output()
        .map_err(|e| format!("cannot run the archiver `{}`: {e}", ar.to_string_lossy()))?;
    let _ = std::fs::remove_file(&member);
    let _ = std::fs::remove_dir(&dir.0);
    if !output.status.success() {
        return Err(format!(
            "creating {} failed ({}):\n{}",
            out.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(())
}

/// The archiver: `$AR`, else `llvm-ar` (any version), else `ar`. GNU `ar` comes last
/// because it loads the system's LLVM gold plugin to index members, and a plugin older
/// than the Rust toolchain rejects the runtime's objects ("Invalid encoding") or indexes
/// them only partly, which leaves the library unlinkable.
fn archiver() -> std::ffi::OsString {
    if let Some(a) = std::env::var_os("AR") {
        return a;
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for name in ["llvm-ar-22", "llvm-ar"] {
        if std::env::split_paths(&path).any(|d| d.join(name).is_file()) {
            return name.into();
        }
    }
    // The LLVM the compiler is built with (scripts/setup) ships one outside PATH.
    let prefix =
        std::env::var_os("LLVM_SYS_221_PREFIX").unwrap_or_else(|| "/usr/lib/llvm-22".into());
    let bundled = PathBuf::from(prefix).join("bin/llvm-ar");
    if bundled.is_file() {
        return bundled.into_os_string();
    }
    "ar".into()
}

/// Links `object` and the runtime into the shared library `out` (`libNAME.so`); only the
/// `@export`ed functions are meant to be called from outside.
pub fn link_shared_lib(object: &[u8], out: &Path, runtime_lib: &Path) -> Result<(), String> {
    run_linker(object, out, runtime_lib, &["-shared"])
}

/// Finds `libmj_runtime.a`: `$MJ_RUNTIME_LIB` if set, else next to the running executable
/// or in its parent directory (`target/debug/` holds the library after `cargo build`; test
/// binaries run from `target/debug/deps/`). Cargo leaves a dependency's static library in
/// `deps/` with a hash in its name, so `libmj_runtime-*.a` counts too (the newest wins).
pub fn find_runtime_lib() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("MJ_RUNTIME_LIB") {
        return Some(PathBuf::from(p));
    }
    let exe = std::env::current_exe().ok()?;
    let dir = exe.parent()?;
    let mut dirs = vec![dir.to_path_buf()];
    if let Some(parent) = dir.parent() {
        dirs.push(parent.to_path_buf());
    }
    dirs.push(dir.join("deps"));
    for d in &dirs {
        let exact = d.join("libmj_runtime.a");
        if exact.is_file() {
            return Some(exact);
        }
    }
    let mut best: Option<(std::time::SystemTime, PathBuf)> = None;
    for d in &dirs {
        let Ok(entries) = std::fs::read_dir(d) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name();
            let name = name.to_string_lossy();
            if name.starts_with("libmj_runtime-") && name.ends_with(".a") {
                let t = e.metadata().and_then(|m| m.modified()).ok()?;
                if best.as_ref().is_none_or(|(bt, _)| t > *bt) {
                    best = Some((t, e.path()));
                }
            }
        }
    }
    best.map(|(_, p)| p)
}

/// A uniquely named file in the temporary directory, removed on drop.
struct TempFile(PathBuf);

impl TempFile {
    fn new(ext: &str) -> TempFile {
        static N: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let name = format!(
            "mj-{}-{}-{nanos}.{ext}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        TempFile(std::env::temp_dir().join(name))
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
