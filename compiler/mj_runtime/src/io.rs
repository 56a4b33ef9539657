//! The process-global buffered stdout.
//!
//! mj programs print a lot of small strings, so output is collected in one buffer and
//! written in large chunks. A `Mutex` (rather than a thread-local) keeps ordering correct
//! if a program ever prints from several threads and lets `mj_rt_exit`/aborts flush
//! everything from wherever they are called.

use std::io::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::MjStr;
use crate::str::bytes;

/// Flush once the buffer grows past this many bytes.
const FLUSH_THRESHOLD: usize = 64 * 1024;

static OUT: Mutex<Vec<u8>> = Mutex::new(Vec::new());

/// Set once stdout is gone (e.g. a closed pipe): further output is discarded instead of
/// failing on every write.
static BROKEN: AtomicBool = AtomicBool::new(false);

fn lock() -> std::sync::MutexGuard<'static, Vec<u8>> {
    // A poisoned lock only means another thread panicked mid-append; the bytes are
    // still a valid buffer, so keep going rather than panic across the FFI boundary.
    OUT.lock().unwrap_or_else(|e| e.into_inner())
}

fn write_out(buf: &mut Vec<u8>) {
    if buf.is_empty() {
        return;
    }
    if !BROKEN.load(Ordering::Relaxed) {
        let stdout = std::io::stdout();
        let mut w = stdout.lock();
        if let Err(e) = w.write_all(buf).and_then(|_| w.flush()) {
            BROKEN.store(true, Ordering::Relaxed);
            // A reader that went away (`mj run x | head -1`) is the normal end of a pipe:
            // the rest of the output is dropped, as the SIGPIPE of C programs would.
            // Any other failure (a full disk, a closed descriptor) loses output the user
            // asked for: that is an error.
            if e.kind() != std::io::ErrorKind::BrokenPipe {
                // (The caller holds the buffer's lock: end here, without `exit`'s flush.)
                let msg = format!("error: cannot write to standard output: {e}\n");
                crate::crash::say(&[msg.as_bytes()]);
                // SAFETY: ends the process; nothing is left to run.
                unsafe { libc::_exit(1) }
            }
        }
    }
    buf.clear();
}

/// Whether stdout is a terminal: then output is written at each end of line, so a person
/// watching sees each line when it is printed.
fn interactive() -> bool {
    static TTY: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    // SAFETY: `isatty` only inspects the descriptor.
    *TTY.get_or_init(|| unsafe { libc::isatty(1) == 1 })
}

/// Writes the buffer out from a path that is ending the process (a signal handler, out
/// of memory): no allocation, and nothing if another thread holds the buffer.
pub(crate) fn flush_for_crash() {
    let Ok(mut buf) = OUT.try_lock() else { return };
    let mut rest: &[u8] = &buf;
    while !rest.is_empty() {
        // SAFETY: `rest` is a valid buffer of `rest.len()` bytes.
        let n = unsafe { libc::write(1, rest.as_ptr().cast(), rest.len()) };
        if n <= 0 {
            break;
        }
        rest = &rest[n as usize..];
    }
    buf.clear();
}

unsafe extern "C" {
    fn atexit(f: extern "C" fn()) -> i32;
}

extern "C" fn flush_at_exit() {
    flush();
}

/// Appends bytes to the stdout buffer (flushing when it is large).
pub fn write_bytes(b: &[u8]) {
    // Executables flush in `mj_rt_exit`, but `@export`ed functions called from C (a library
    // built with `mj build --emit shared-lib`) never pass through it: flush at process exit.
    static AT_EXIT: std::sync::Once = std::sync::Once::new();
    // SAFETY: `atexit` only records the function pointer; `flush_at_exit` cannot unwind.
    AT_EXIT.call_once(|| unsafe {
        atexit(flush_at_exit);
    });
    let mut buf = lock();
    buf.extend_from_slice(b);
    if buf.len() > FLUSH_THRESHOLD || (interactive() && b.contains(&b'\n')) {
        write_out(&mut buf);
    }
}

/// Writes out everything buffered so far.
pub fn flush() {
    let mut buf = lock();
    write_out(&mut buf);
}

/// # Safety
/// `s` must be null or point to a valid `MjStr`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_write(s: *const MjStr) {
    write_bytes(unsafe { bytes(s) });
}

/// # Safety
/// Always safe; `unsafe` only for a uniform ABI surface.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_flush() {
    flush();
}
