//! Reference counts of the runtime's handles (`String`/`Error`).
//!
//! Every heap object carries an `rc` word: 1 when created, +1 for each `*_retain`, -1 for
//! each `*_release`; the object (and, for containers, the handles it holds) is freed when
//! it drops to 0. An `rc` of 0 on a live object marks it immortal: string literals emitted
//! by the compiler and the runtime's static one-byte strings are never counted or freed.
//! Counts are atomic so that handles shared by `parallelize` workers stay correct.

use std::sync::atomic::{AtomicI64, Ordering, fence};

use crate::MjStr;

/// +1 on a counted object (no-op for immortal ones).
///
/// # Safety
/// `rc` must point to the live object's count word.
pub unsafe fn inc(rc: *mut i64) {
    let a = unsafe { AtomicI64::from_ptr(rc) };
    if a.load(Ordering::Relaxed) > 0 {
        a.fetch_add(1, Ordering::Relaxed);
    }
}

/// -1 on a counted object; true when that was the last reference (the caller frees).
///
/// # Safety
/// `rc` must point to the live object's count word.
pub unsafe fn dec(rc: *mut i64) -> bool {
    let a = unsafe { AtomicI64::from_ptr(rc) };
    if a.load(Ordering::Relaxed) <= 0 {
        return false;
    }
    if a.fetch_sub(1, Ordering::Release) == 1 {
        fence(Ordering::Acquire);
        return true;
    }
    false
}

/// # Safety
/// `s` must be null or a valid `MjStr`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_str_retain(s: *const MjStr) -> *const MjStr {
    if !s.is_null() {
        unsafe { inc(&raw const (*s).rc as *mut i64) };
    }
    s
}

/// # Safety
/// `s` must be null or a valid `MjStr` the caller holds a reference to.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_str_release(s: *const MjStr) {
    if !s.is_null() && unsafe { dec(&raw const (*s).rc as *mut i64) } {
        unsafe { crate::str::free_str(s) };
    }
}
