//! Reference counts of the runtime's handles (`String`/`Error`, `List`).
//!
//! Every heap object carries an `rc` word: 1 when created, +1 for each `*_retain`, -1 for
//! each `*_release`; the object (and, for containers, the handles it holds) is freed when
//! it drops to 0. An `rc` of 0 on a live object marks it immortal: string literals emitted
//! by the compiler and the runtime's static one-byte strings are never counted or freed.
//! Counts are atomic so that handles shared by `parallelize` workers stay correct.
//!
//! Containers know whether their elements are handles through an element *kind*
//! ([`KIND_PLAIN`], [`KIND_STR`], [`KIND_LIST`]): a list of handles
//! retains elements it copies (`copy`, `slice`, `extend`, `resize` fills) and releases the
//! ones it drops (`pop` without a destination, `clear`, freeing).
//! Elements that are structs or tuples holding handles are `KIND_PLAIN`: their handles are
//! not released by the container (a documented leak, see docs/porting.md).

use std::sync::atomic::{AtomicI64, Ordering, fence};

use crate::{MjList, MjStr};

/// Elements that hold no handle (or hold them inside structs: not released).
pub const KIND_PLAIN: i64 = 0;
/// `String` / `Error` elements.
pub const KIND_STR: i64 = 1;
/// `List` elements.
pub const KIND_LIST: i64 = 2;

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

/// Retains the handle stored at `p` (an element of the given kind).
///
/// # Safety
/// `p` must point to an element of `kind` (a valid handle or null for handle kinds).
pub unsafe fn retain_elem(kind: i64, p: *const u8) {
    unsafe {
        match kind {
            KIND_STR => {
                mj_str_retain(*(p as *const *const MjStr));
            }
            KIND_LIST => {
                mj_list_retain(*(p as *const *mut MjList));
            }
            _ => {}
        }
    }
}

/// Releases the handle stored at `p` (an element of the given kind).
///
/// # Safety
/// As [`retain_elem`]; the element must not be used afterwards.
pub unsafe fn release_elem(kind: i64, p: *const u8) {
    unsafe {
        match kind {
            KIND_STR => mj_str_release(*(p as *const *const MjStr)),
            KIND_LIST => mj_list_release(*(p as *const *mut MjList)),
            _ => {}
        }
    }
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

/// # Safety
/// `l` must be null or a valid list.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_list_retain(l: *mut MjList) -> *mut MjList {
    if !l.is_null() {
        unsafe { inc(&raw mut (*l).rc) };
    }
    l
}

/// # Safety
/// `l` must be null or a valid list the caller holds a reference to.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_list_release(l: *mut MjList) {
    if !l.is_null() && unsafe { dec(&raw mut (*l).rc) } {
        unsafe { crate::list::free_list(l) };
    }
}
