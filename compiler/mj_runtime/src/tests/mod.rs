//! Unit tests calling the exported functions through small safe wrappers.

#![allow(clippy::excessive_precision, clippy::unwrap_used)]

mod abi;
mod collections;
mod format;
#[rustfmt::skip]
mod py_tables;
mod rc;
mod strings;

use crate::str::{bytes, new_str};
use crate::{MjList, MjStr};

/// A runtime string from Rust text.
pub fn s(t: &str) -> *const MjStr {
    new_str(t.as_bytes())
}

/// Rust text from a runtime string.
pub fn t(p: *const MjStr) -> String {
    String::from_utf8(unsafe { bytes(p) }.to_vec()).unwrap()
}

/// The strings of a `List[String]`.
pub fn strs(l: *mut MjList) -> Vec<String> {
    unsafe { crate::list::list_strs(l) }
        .iter()
        .map(|&p| t(p))
        .collect()
}

/// The elements of a list of `T`.
pub fn elems<T: Copy>(l: *mut MjList) -> Vec<T> {
    let l = unsafe { &*l };
    assert_eq!(l.elem_size as usize, std::mem::size_of::<T>().max(1));
    (0..l.len as usize)
        .map(|i| unsafe { *(l.data as *const T).add(i) })
        .collect()
}

/// A list of `T` built with `mj_list_push`.
pub fn list_of<T: Copy>(items: &[T]) -> *mut MjList {
    unsafe {
        let l = crate::list::mj_list_new(std::mem::size_of::<T>() as i64, 0);
        for x in items {
            crate::list::mj_list_push(l, x as *const T as *const u8);
        }
        l
    }
}

/// A `List[String]`.
pub fn str_list(items: &[&str]) -> *mut MjList {
    let ptrs: Vec<*const MjStr> = items.iter().map(|x| s(x)).collect();
    list_of(&ptrs)
}
