//! Linking an object file with the runtime into an executable, using the system C compiler
//! as the linker driver (it knows the C runtime start files and library paths).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};

/// Links `object` with the runtime static library into the executable `out`.
pub fn link_executable(object: &[u8], out: &Path, runtime_lib: &Path) -> Result<(), String> {
    let obj = TempFile::new("o");
    std::fs::write(&obj.0, object).map_err(|e| format!("cannot write {}: {e}", obj.0.display()))?;
    let cc = std::env::var_os("CC").unwrap_or_else(|| "cc".into());
    let output = Command::new(&cc)
        .arg(&obj.0)
        .arg(runtime_lib)
        // What a Rust staticlib needs from the system on Linux
        // (`rustc --print native-static-libs`).
        .args([
            "-lgcc_s",
            "-lutil",
            "-lrt",
            "-lpthread",
            "-lm",
            "-ldl",
            "-lc",
        ])
        // Drops the unused parts of the runtime (and of Rust's std) from the executable.
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
