//! Unit tests calling the exported functions through small safe wrappers.

#![allow(clippy::excessive_precision, clippy::unwrap_used)]

mod abi;
mod format;
#[rustfmt::skip]
mod py_tables;
mod rc;
mod strings;

use crate::MjStr;
use crate::str::{bytes, new_str};

/// A runtime string from Rust text.
pub fn s(t: &str) -> *const MjStr {
    new_str(t.as_bytes())
}

/// Rust text from a runtime string.
pub fn t(p: *const MjStr) -> String {
    String::from_utf8(unsafe { bytes(p) }.to_vec()).unwrap()
}
