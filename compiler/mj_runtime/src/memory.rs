//! Raw memory for `std.memory`: `alloc`/`free` of `UnsafePointer` buffers, `memcpy`,
//! `memset`, and `num_physical_cores` for `std.sys`. Pointer loads and stores themselves
//! are inline code, not calls.

use std::ffi::c_void;

unsafe extern "C" {
    fn posix_memalign(out: *mut *mut c_void, align: usize, size: usize) -> i32;
    fn free(p: *mut c_void);
}

/// Every `alloc[T](n)` buffer is aligned to a cache line, which is also enough for any
/// SIMD vector up to 512 bits.
pub const ALLOC_ALIGN: usize = 64;

/// `alloc[T](n)`: `bytes` uninitialized bytes aligned to [`ALLOC_ALIGN`]. A request of 0
/// bytes still returns a unique pointer that `mj_free` accepts. Out of memory (or a
/// negative size) is fatal.
#[unsafe(no_mangle)]
pub extern "C" fn mj_alloc(bytes: i64) -> *mut u8 {
    let Ok(size) = usize::try_from(bytes) else {
        crate::process::fatal(format!("alloc: invalid size of {bytes} bytes").as_bytes());
    };
    let mut p: *mut c_void = std::ptr::null_mut();
    // SAFETY: `p` is a valid out-pointer and the alignment is a power of two multiple of
    // the pointer size, as posix_memalign requires.
    let rc = unsafe { posix_memalign(&mut p, ALLOC_ALIGN, size.max(1)) };
    if rc != 0 || p.is_null() {
        crate::crash::out_of_memory(size);
    }
    p.cast()
}

/// `p.free()` of a pointer from `mj_alloc` (null is ignored).
///
/// # Safety
/// `p` is null or came from `mj_alloc` and was not freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_free(p: *mut u8) {
    if !p.is_null() {
        // SAFETY: the caller passes a live posix_memalign block.
        unsafe { free(p.cast()) };
    }
}

/// `memcpy(dest=, src=, count=)`, with the count already in bytes; the regions may overlap.
///
/// # Safety
/// Both pointers are valid for `bytes` bytes (or `bytes <= 0`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_memcpy(dest: *mut u8, src: *const u8, bytes: i64) {
    if bytes > 0 {
        // SAFETY: guaranteed by the caller; `copy` allows overlap.
        unsafe { std::ptr::copy(src, dest, bytes as usize) };
    }
}

/// `memset(ptr, value, count)` / `memset_zero(ptr, count)`, the count in bytes; `value` is
/// truncated to a byte as in C.
///
/// # Safety
/// `dest` is valid for `bytes` bytes (or `bytes <= 0`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_memset(dest: *mut u8, value: i64, bytes: i64) {
    if bytes > 0 {
        // SAFETY: guaranteed by the caller.
        unsafe { std::ptr::write_bytes(dest, value as u8, bytes as usize) };
    }
}

/// `num_physical_cores()`: distinct (package, core) pairs of `/proc/cpuinfo` on Linux;
/// elsewhere, or when that file says nothing, the number of logical CPUs.
#[unsafe(no_mangle)]
pub extern "C" fn mj_num_physical_cores() -> i64 {
    let logical = std::thread::available_parallelism().map_or(1, |n| n.get()) as i64;
    let Ok(info) = std::fs::read_to_string("/proc/cpuinfo") else {
        return logical;
    };
    let mut cores = std::collections::HashSet::new();
    let mut package = String::new();
    for line in info.lines() {
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        match k.trim() {
            "physical id" => package = v.trim().to_string(),
            "core id" => {
                cores.insert((package.clone(), v.trim().to_string()));
            }
            _ => {}
        }
    }
    if cores.is_empty() {
        logical
    } else {
        (cores.len() as i64).min(logical)
    }
}
