//! Process lifecycle: start-up, exit, fatal errors, and a few numeric helpers whose
//! failure paths end the process.

use std::ffi::{CStr, c_char};
use std::io::Write;
use std::sync::Mutex;

use crate::MjStr;
use crate::str::{bytes, new_str};

/// The process's arguments, saved by `mj_rt_init`; `mj_arg` hands out a fresh string of
/// one of them (the library's `sys.argv()` builds its list from them).
static ARGS: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());

/// Flushes stdout, prints `msg` to stderr and exits with status 1.
pub fn fatal(msg: &[u8]) -> ! {
    crate::io::flush();
    let stderr = std::io::stderr();
    let mut w = stderr.lock();
    let _ = w.write_all(msg);
    let _ = w.write_all(b"\n");
    let _ = w.flush();
    std::process::exit(1)
}

/// Fatal error with a source location: `file:line: error: msg`.
///
/// # Safety
/// `file` must be null or a valid `MjStr`.
pub unsafe fn fatal_at(file: *const MjStr, line: i64, msg: &str) -> ! {
    let mut out = Vec::new();
    out.extend_from_slice(unsafe { bytes(file) });
    out.extend_from_slice(format!(":{line}: error: {msg}").as_bytes());
    fatal(&out)
}

/// # Safety
/// `argv` must hold `argc` valid NUL-terminated strings (or be null with `argc` 0).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_rt_init(argc: i64, argv: *const *const c_char) {
    let mut args: Vec<Vec<u8>> = Vec::new();
    if !argv.is_null() {
        for i in 0..argc.max(0) as usize {
            let p = unsafe { *argv.add(i) };
            if p.is_null() {
                break;
            }
            args.push(unsafe { CStr::from_ptr(p) }.to_bytes().to_vec());
        }
    }
    *ARGS.lock().unwrap_or_else(|e| e.into_inner()) = args;
    crate::crash::install();
}

/// # Safety
/// Always safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_rt_exit() -> i64 {
    crate::io::flush();
    0
}

/// # Safety
/// `file` and `msg` must be null or valid `MjStr`s.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_rt_abort(file: *const MjStr, line: i64, msg: *const MjStr) -> ! {
    let mut out = Vec::new();
    out.extend_from_slice(unsafe { bytes(file) });
    out.extend_from_slice(format!(":{line}: error: ").as_bytes());
    out.extend_from_slice(unsafe { bytes(msg) });
    fatal(&out)
}

/// # Safety
/// `err` must be null or a valid `MjStr`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_rt_unhandled(err: *const MjStr) -> ! {
    let mut out = b"Unhandled exception caught during execution: ".to_vec();
    out.extend_from_slice(unsafe { bytes(err) });
    fatal(&out)
}

/// The number of process arguments (the program's path first).
///
/// # Safety
/// Always safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_argc() -> i64 {
    ARGS.lock().unwrap_or_else(|e| e.into_inner()).len() as i64
}

/// Argument `i` as a new string (empty when out of range).
///
/// # Safety
/// Always safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_arg(i: i64) -> *const MjStr {
    let args = ARGS.lock().unwrap_or_else(|e| e.into_inner());
    let arg = usize::try_from(i).ok().and_then(|i| args.get(i));
    new_str(arg.map_or(&[][..], |a| a.as_slice()))
}

/// Integer power with wrapping; a negative exponent gives 0 (see ABI.md).
///
/// # Safety
/// Always safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_pow_int(a: i64, b: i64) -> i64 {
    if b < 0 {
        // The integer part of `a ** b`: only 1 and -1 have non-zero negative powers.
        return match a {
            1 => 1,
            -1 => {
                if b % 2 == 0 {
                    1
                } else {
                    -1
                }
            }
            _ => 0,
        };
    }
    let (mut base, mut exp, mut acc) = (a, b as u64, 1i64);
    while exp > 0 {
        if exp & 1 == 1 {
            acc = acc.wrapping_mul(base);
        }
        base = base.wrapping_mul(base);
        exp >>= 1;
    }
    acc
}

/// An index out of bounds (`InlineArray`, `Span`, SIMD lanes): the caller's file and line.
///
/// # Safety
/// `file` must be null or a valid `MjStr`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_abort_index(file: *const MjStr, line: i64, i: i64, len: i64) -> ! {
    unsafe {
        fatal_at(
            file,
            line,
            &format!("index out of range: index {i}, length {len}"),
        )
    }
}

/// # Safety
/// `file` must be null or a valid `MjStr`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_abort_div_zero(file: *const MjStr, line: i64) -> ! {
    unsafe { fatal_at(file, line, "division by zero") }
}
