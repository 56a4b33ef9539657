//! The content-addressed compile cache: object code keyed by a hash of every source file,
//! the compiler version, the target and the options. A warm `mj run` of an unchanged
//! program reads the object back and does no code generation.
//!
//! The cache runs code it reads, so it trusts nothing it has not checked:
//! - every entry ends with a checksum of its content and its key; an entry that is
//!   truncated, emptied or changed fails the check, is removed and is compiled again;
//! - the directory must belong to the user running `mj` and be closed to others (mode
//!   0700); without `HOME` it is a per-user directory under the temporary directory. A
//!   directory that fails these checks is not used (the program is compiled each time).

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::PathBuf;

/// Marks the end of an entry, before its checksum.
const TRAILER: &[u8; 8] = b"mjcache1";

fn uid() -> u32 {
    // SAFETY: `getuid` takes nothing, cannot fail and touches no memory of ours.
    unsafe { libc::getuid() }
}

/// Where entries live, as configured (not yet checked).
fn configured_dir() -> PathBuf {
    if let Ok(d) = std::env::var("MJ_CACHE_DIR") {
        return PathBuf::from(d);
    }
    if let Ok(d) = std::env::var("XDG_CACHE_HOME")
        && !d.is_empty()
    {
        return PathBuf::from(d).join("mj");
    }
    match std::env::var("HOME") {
        Ok(h) if !h.is_empty() => PathBuf::from(h).join(".cache").join("mj"),
        // Never a name shared by all users: another user could plant objects there.
        _ => std::env::temp_dir().join(format!("mj-cache-{}", uid())),
    }
}

/// The cache directory, created if missing, or `None` when it is not safe to use.
fn dir() -> Option<PathBuf> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
    let d = configured_dir();
    if !d.exists() {
        let _ = std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&d);
    }
    // (`symlink_metadata`: a link planted in place of the directory is refused too.)
    let meta = std::fs::symlink_metadata(&d).ok()?;
    let mine = meta.is_dir() && meta.uid() == uid();
    if !mine {
        warn_once(&format!(
            "warning: not using the compile cache `{}`: it is not a directory owned by you",
            d.display()
        ));
        return None;
    }
    if meta.permissions().mode() & 0o077 != 0 {
        // Ours but open to others: close it.
        let closed = std::fs::Permissions::from_mode(0o700);
        if std::fs::set_permissions(&d, closed).is_err() {
            return None;
        }
    }
    Some(d)
}

fn warn_once(msg: &str) {
    static WARNED: std::sync::Once = std::sync::Once::new();
    WARNED.call_once(|| eprintln!("{msg}"));
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

/// The checksum stored after an entry's content: a hash of the key and every byte.
fn checksum(key: &str, content: &[u8]) -> [u8; 8] {
    let mut h = DefaultHasher::new();
    key.hash(&mut h);
    content.hash(&mut h);
    h.finish().to_le_bytes()
}

/// The content of a stored entry, when it passes its check.
fn verified(key: &str, entry: &[u8]) -> Option<Vec<u8>> {
    let n = entry.len().checked_sub(TRAILER.len() + 8)?;
    let (content, rest) = entry.split_at(n);
    let (mark, sum) = rest.split_at(TRAILER.len());
    (mark == TRAILER && sum == checksum(key, content)).then(|| content.to_vec())
}

/// Where the executable cached under `key` lives (`mj generate` runs its program as a
/// cached executable); `None` without a usable cache directory.
pub fn exe_path(key: &str) -> Option<PathBuf> {
    Some(dir()?.join(format!("{key}.exe")))
}

pub fn get(key: &str) -> Option<Vec<u8>> {
    let path = dir()?.join(format!("{key}.o"));
    let entry = std::fs::read(&path).ok()?;
    let content = verified(key, &entry);
    if content.is_none() {
        // Damaged (or written by something else): never run it; compile afresh.
        let _ = std::fs::remove_file(&path);
    }
    content
}

/// Stores an object; failures only cost a later recompilation, so they are ignored.
pub fn put(key: &str, obj: &[u8]) {
    let Some(d) = dir() else { return };
    let mut entry = Vec::with_capacity(obj.len() + TRAILER.len() + 8);
    entry.extend_from_slice(obj);
    entry.extend_from_slice(TRAILER);
    entry.extend_from_slice(&checksum(key, obj));
    // Write then rename, so a concurrent reader never sees half a file.
    let tmp = d.join(format!("{key}.{}.tmp", std::process::id()));
    if std::fs::write(&tmp, &entry).is_ok() {
        let _ = std::fs::rename(&tmp, d.join(format!("{key}.o")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(key: &str, obj: &[u8]) -> Vec<u8> {
        let mut e = obj.to_vec();
        e.extend_from_slice(TRAILER);
        e.extend_from_slice(&checksum(key, obj));
        e
    }

    #[test]
    fn a_sound_entry_reads_back() {
        let e = entry("k", b"object code");
        assert_eq!(verified("k", &e).as_deref(), Some(&b"object code"[..]));
    }

    #[test]
    fn damaged_entries_are_refused() {
        let e = entry("k", b"object code");
        assert_eq!(verified("k", &e[..e.len() - 1]), None, "truncated");
        assert_eq!(verified("k", &[]), None, "emptied");
        let mut flipped = e.clone();
        flipped[3] ^= 0x10;
        assert_eq!(verified("k", &flipped), None, "one bit changed");
        assert_eq!(verified("other", &e), None, "another key's entry");
    }
}
