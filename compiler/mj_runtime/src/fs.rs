//! Files, directories and the environment, for `open()`/`FileHandle`, `std.os`,
//! `std.os.path` and `std.pathlib`.
//!
//! Paths and contents cross as strings (bytes; paths need not be UTF-8). Failures that mj
//! code can catch are raised through the `err` slot with Python's wording:
//! `[Errno 2] No such file or directory: 'x.txt'`.
//!
//! An open file is an index into a process-wide table rather than a pointer, so a
//! `FileHandle` copy used after `close()` finds an empty slot (and raises or aborts with
//! `I/O operation on closed file`) instead of touching freed memory. Writes go straight to
//! the file (no buffer of our own), so nothing is lost if a program never closes a file.

use std::ffi::OsStr;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::sync::Mutex;

use crate::MjStr;
use crate::str::{bytes, new_str, set_err};

static FILES: Mutex<Vec<Option<File>>> = Mutex::new(Vec::new());

unsafe fn path<'a>(s: *const MjStr) -> &'a Path {
    Path::new(OsStr::from_bytes(unsafe { bytes(s) }))
}

/// `[Errno N] Message: 'path'`, as Python's `OSError` prints.
fn os_error(e: &std::io::Error, p: &Path) -> String {
    let text = e.to_string();
    let text = match text.find(" (os error ") {
        Some(i) => text[..i].to_string(),
        None => text,
    };
    let shown = p.as_os_str().to_string_lossy();
    match e.raw_os_error() {
        Some(n) => format!("[Errno {n}] {text}: '{shown}'"),
        None => format!("{text}: '{shown}'"),
    }
}

fn closed(err: *mut *const MjStr) {
    unsafe { set_err(err, "I/O operation on closed file") };
}

/// `open(path, mode)`: modes `r`, `w`, `a`, `rw` (read and write, no truncation) and
/// their `b`/`+` spellings. Returns the handle (>= 0).
///
/// # Safety
/// `p` and `mode` must be valid strings; `err` null or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_file_open(
    p: *const MjStr,
    mode: *const MjStr,
    err: *mut *const MjStr,
) -> i64 {
    let m = unsafe { bytes(mode) };
    let mut o = OpenOptions::new();
    let plain: Vec<u8> = m.iter().copied().filter(|&c| c != b'b').collect();
    match plain.as_slice() {
        b"r" => o.read(true),
        b"w" => o.write(true).create(true).truncate(true),
        b"a" => o.append(true).create(true),
        b"rw" | b"r+" => o.read(true).write(true),
        b"w+" => o.read(true).write(true).create(true).truncate(true),
        b"a+" => o.read(true).append(true).create(true),
        _ => {
            let msg = format!("invalid mode: '{}'", String::from_utf8_lossy(m));
            unsafe { set_err(err, &msg) };
            return -1;
        }
    };
    let p = unsafe { path(p) };
    if p.is_dir() {
        let msg = format!("[Errno 21] Is a directory: '{}'", p.to_string_lossy());
        unsafe { set_err(err, &msg) };
        return -1;
    }
    match o.open(p) {
        Ok(f) => {
            // Slots are never reused: a stale copy of a closed handle must not reach a
            // file opened later.
            let mut t = FILES.lock().unwrap_or_else(|e| e.into_inner());
            t.push(Some(f));
            t.len() as i64 - 1
        }
        Err(e) => {
            unsafe { set_err(err, &os_error(&e, p)) };
            -1
        }
    }
}

fn with_file<R>(h: i64, f: impl FnOnce(&mut File) -> R) -> Option<R> {
    let mut t = FILES.lock().unwrap_or_else(|e| e.into_inner());
    let file = usize::try_from(h)
        .ok()
        .and_then(|i| t.get_mut(i))?
        .as_mut()?;
    Some(f(file))
}

/// `FileHandle.read(size)`: up to `size` bytes (all the rest when `size < 0`).
///
/// # Safety
/// `err` must be null or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_file_read(h: i64, size: i64, err: *mut *const MjStr) -> *const MjStr {
    let r = with_file(h, |f| {
        let mut buf = Vec::new();
        let res = if size < 0 {
            f.read_to_end(&mut buf).map(|_| ())
        } else {
            f.take(size as u64).read_to_end(&mut buf).map(|_| ())
        };
        res.map(|_| buf)
    });
    match r {
        Some(Ok(buf)) => new_str(&buf),
        Some(Err(e)) => {
            unsafe { set_err(err, &os_error(&e, Path::new("<file>"))) };
            std::ptr::null()
        }
        None => {
            closed(err);
            std::ptr::null()
        }
    }
}

/// `FileHandle.write(s)`: writes all of `s`. Like Mojo's `Writer`, this does not raise: a
/// failed write (closed file, full disk) is a fatal error.
///
/// # Safety
/// `s` must be a valid string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_file_write(h: i64, s: *const MjStr) {
    let data = unsafe { bytes(s) };
    match with_file(h, |f| f.write_all(data)) {
        Some(Ok(())) => {}
        Some(Err(e)) => crate::process::fatal(format!("error: write failed: {e}").as_bytes()),
        None => crate::process::fatal(b"error: write to a closed file"),
    }
}

/// `FileHandle.close()`: closing twice is harmless.
#[unsafe(no_mangle)]
pub extern "C" fn mj_file_close(h: i64) {
    let mut t = FILES.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(slot) = usize::try_from(h).ok().and_then(|i| t.get_mut(i)) {
        *slot = None;
    }
}

/// What is at `path`: 0 nothing, 1 a file, 2 a directory, 3 something else (follows links).
///
/// # Safety
/// `p` must be a valid string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_fs_kind(p: *const MjStr) -> i64 {
    match std::fs::metadata(unsafe { path(p) }) {
        Ok(m) if m.is_file() => 1,
        Ok(m) if m.is_dir() => 2,
        Ok(_) => 3,
        Err(_) => 0,
    }
}

/// The whole file as a string (`Path.read_text()`).
///
/// # Safety
/// `p` must be a valid string; `err` null or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_fs_read(p: *const MjStr, err: *mut *const MjStr) -> *const MjStr {
    let p = unsafe { path(p) };
    match std::fs::read(p) {
        Ok(b) => new_str(&b),
        Err(e) => {
            unsafe { set_err(err, &os_error(&e, p)) };
            std::ptr::null()
        }
    }
}

/// Writes (or, with `append` 1, appends) `s` to the file, creating it (`Path.write_text`).
///
/// # Safety
/// `p`, `s` must be valid strings; `err` null or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_fs_write(
    p: *const MjStr,
    s: *const MjStr,
    append: i64,
    err: *mut *const MjStr,
) -> i64 {
    let p = unsafe { path(p) };
    let data = unsafe { bytes(s) };
    let r = OpenOptions::new()
        .write(true)
        .create(true)
        .append(append != 0)
        .truncate(append == 0)
        .open(p)
        .and_then(|mut f| f.write_all(data));
    match r {
        Ok(()) => data.len() as i64,
        Err(e) => {
            unsafe { set_err(err, &os_error(&e, p)) };
            0
        }
    }
}

/// `os.listdir(path)`: the entry names, sorted bytewise (Python leaves the order to the
/// file system; sorting makes programs reproducible), without `.` and `..`, in one string
/// with a NUL byte after each name (no name contains one); the library splits it.
///
/// # Safety
/// `p` must be a valid string; `err` null or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_fs_listdir(p: *const MjStr, err: *mut *const MjStr) -> *const MjStr {
    let p = unsafe { path(p) };
    let rd = match std::fs::read_dir(p) {
        Ok(rd) => rd,
        Err(e) => {
            unsafe { set_err(err, &os_error(&e, p)) };
            return std::ptr::null();
        }
    };
    let mut names: Vec<Vec<u8>> = Vec::new();
    for ent in rd {
        match ent {
            Ok(ent) => names.push(ent.file_name().as_bytes().to_vec()),
            Err(e) => {
                unsafe { set_err(err, &os_error(&e, p)) };
                return std::ptr::null();
            }
        }
    }
    names.sort();
    let mut joined = Vec::new();
    for n in &names {
        joined.extend_from_slice(n);
        joined.push(0);
    }
    new_str(&joined)
}

/// File-system operations on one path, selected by `op`: 0 `remove` (a file), 1 `rmdir`,
/// 2 `mkdir`, 3 `makedirs`, 4 `makedirs(exist_ok=True)`. Returns 1, or raises.
///
/// # Safety
/// `p` must be a valid string; `err` null or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_fs_op(p: *const MjStr, op: i64, err: *mut *const MjStr) -> i64 {
    let p = unsafe { path(p) };
    let r = match op {
        0 => {
            if p.is_dir() {
                Err(std::io::Error::from_raw_os_error(21))
            } else {
                std::fs::remove_file(p)
            }
        }
        1 => std::fs::remove_dir(p),
        2 => std::fs::create_dir(p),
        3 if p.exists() => Err(std::io::Error::from_raw_os_error(17)),
        3 | 4 => std::fs::create_dir_all(p),
        _ => Ok(()),
    };
    match r {
        Ok(()) => 1,
        Err(e) => {
            unsafe { set_err(err, &os_error(&e, p)) };
            0
        }
    }
}

/// `os.getenv(name, default)`.
///
/// # Safety
/// `name` and `default` must be valid strings.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_os_getenv(name: *const MjStr, default: *const MjStr) -> *const MjStr {
    let n = OsStr::from_bytes(unsafe { bytes(name) });
    if n.is_empty() || n.as_bytes().contains(&b'=') {
        return new_str(unsafe { bytes(default) });
    }
    match std::env::var_os(n) {
        Some(v) => new_str(v.as_bytes()),
        // A fresh copy: the result is a new string, whoever owns `default`.
        None => new_str(unsafe { bytes(default) }),
    }
}

/// `os.setenv(name, value, overwrite)`: 1 on success, 0 for an invalid name.
///
/// # Safety
/// `name` and `value` must be valid strings.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_os_setenv(
    name: *const MjStr,
    value: *const MjStr,
    overwrite: i64,
) -> i64 {
    let n = OsStr::from_bytes(unsafe { bytes(name) });
    let v = OsStr::from_bytes(unsafe { bytes(value) });
    if n.is_empty() || n.as_bytes().contains(&b'=') || n.as_bytes().contains(&0) {
        return 0;
    }
    if v.as_bytes().contains(&0) {
        return 0;
    }
    if overwrite == 0 && std::env::var_os(n).is_some() {
        return 1;
    }
    // SAFETY: mj programs change the environment only from their own code; the runtime
    // reads it only in `getenv` above, under the same single-writer discipline as C.
    unsafe { std::env::set_var(n, v) };
    1
}

/// `os.unsetenv(name)`: 1 on success, 0 for an invalid name.
///
/// # Safety
/// `name` must be a valid string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_os_unsetenv(name: *const MjStr) -> i64 {
    let n = OsStr::from_bytes(unsafe { bytes(name) });
    if n.is_empty() || n.as_bytes().contains(&b'=') || n.as_bytes().contains(&0) {
        return 0;
    }
    // SAFETY: as in `mj_os_setenv`.
    unsafe { std::env::remove_var(n) };
    1
}

/// `os.getpid()`.
#[unsafe(no_mangle)]
pub extern "C" fn mj_os_getpid() -> i64 {
    i64::from(std::process::id())
}

/// `os.getcwd()` / `Path.cwd()`.
///
/// # Safety
/// `err` must be null or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_os_getcwd(err: *mut *const MjStr) -> *const MjStr {
    match std::env::current_dir() {
        Ok(d) => new_str(d.as_os_str().as_bytes()),
        Err(e) => {
            unsafe { set_err(err, &os_error(&e, Path::new("."))) };
            std::ptr::null()
        }
    }
}
