//! The content-addressed compile cache: object code keyed by a hash of every source file,
//! the compiler version, the target and the options. A warm `mj run` of an unchanged
//! program reads the object back and does no code generation.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::PathBuf;

pub fn dir() -> PathBuf {
    if let Ok(d) = std::env::var("MJ_CACHE_DIR") {
        return PathBuf::from(d);
    }
    if let Ok(d) = std::env::var("XDG_CACHE_HOME") {
        return PathBuf::from(d).join("mj");
    }
    match std::env::var("HOME") {
        Ok(h) => PathBuf::from(h).join(".cache").join("mj"),
        Err(_) => std::env::temp_dir().join("mj-cache"),
    }
}

/// The key of a compilation. `DefaultHasher::new()` is deterministic, and the compiler
/// version is part of the key, so a different build never reads a stale entry.
pub fn key(files: &[(String, String)], target: &mj_target::Target, opts: &str) -> String {
    let mut h = DefaultHasher::new();
    env!("CARGO_PKG_VERSION").hash(&mut h);
    // The binary's own identity: a rebuilt compiler must not reuse old objects.
    if let Ok(exe) = std::env::current_exe()
        && let Ok(meta) = std::fs::metadata(exe)
    {
        meta.len().hash(&mut h);
        if let Ok(t) = meta.modified() {
            t.hash(&mut h);
        }
    }
    // What the code is specialized for (and what `std.sys` queries were folded for).
    target.hash(&mut h);
    opts.hash(&mut h);
    for (p, t) in files {
        p.hash(&mut h);
        t.hash(&mut h);
    }
    format!("{:016x}", h.finish())
}

pub fn get(key: &str) -> Option<Vec<u8>> {
    std::fs::read(dir().join(format!("{key}.o"))).ok()
}

/// Stores an object; failures only cost a later recompilation, so they are ignored.
pub fn put(key: &str, obj: &[u8]) {
    let d = dir();
    if std::fs::create_dir_all(&d).is_err() {
        return;
    }
    // Write then rename, so a concurrent reader never sees half a file.
    let tmp = d.join(format!("{key}.{}.tmp", std::process::id()));
    if std::fs::write(&tmp, obj).is_ok() {
        let _ = std::fs::rename(&tmp, d.join(format!("{key}.o")));
    }
}
