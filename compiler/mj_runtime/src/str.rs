//! String operations. Indices are byte offsets; character-level behaviour (whitespace,
//! case predicates, `strip` sets) decodes UTF-8, treating invalid bytes as U+FFFD.

use std::alloc::{Layout, alloc};

use crate::MjStr;
use crate::process::{fatal, fatal_at};

// ----------------------------------------------------------------------------------------
// Allocation and access helpers shared by the whole crate.

/// The bytes of a string; a null pointer reads as the empty string (defensive: the
/// compiler should never pass one).
///
/// # Safety
/// `s` must be null or point to a valid `MjStr` whose bytes outlive `'a`.
pub unsafe fn bytes<'a>(s: *const MjStr) -> &'a [u8] {
    if s.is_null() {
        return &[];
    }
    let s = unsafe { &*s };
    if s.len <= 0 || s.data.is_null() {
        return &[];
    }
    unsafe { std::slice::from_raw_parts(s.data, s.len as usize) }
}

fn str_layout(len: usize) -> Layout {
    let header = std::mem::size_of::<MjStr>();
    match Layout::from_size_align(header + len, std::mem::align_of::<MjStr>()) {
        Ok(l) => l,
        Err(_) => fatal(b"error: string too large"),
    }
}

/// Allocates a new string (header and bytes in one block) with one reference.
pub fn new_str(b: &[u8]) -> *const MjStr {
    let header = std::mem::size_of::<MjStr>();
    let layout = str_layout(b.len());
    // SAFETY: the layout is non-zero sized (the header alone is 16 bytes); the block is
    // fully initialised before it is handed out.
    unsafe {
        let p = alloc(layout);
        if p.is_null() {
            crate::crash::out_of_memory(layout.size());
        }
        let data = p.add(header);
        std::ptr::copy_nonoverlapping(b.as_ptr(), data, b.len());
        let s = p as *mut MjStr;
        s.write(MjStr {
            len: b.len() as i64,
            data,
            rc: 1,
        });
        s
    }
}

/// Frees a string made by [`new_str`] whose last reference was released.
///
/// # Safety
/// `s` must come from [`new_str`] and not be used again.
pub unsafe fn free_str(s: *const MjStr) {
    unsafe {
        let layout = str_layout((*s).len.max(0) as usize);
        std::alloc::dealloc(s as *mut u8, layout);
    }
}

/// Static one-byte strings, so indexing and `chr` of ASCII do not allocate.
struct ByteStrs([MjStr; 256]);
// SAFETY: the strings point into the immutable static `BYTES` and are never written.
unsafe impl Sync for ByteStrs {}

static BYTES: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = i as u8;
        i += 1;
    }
    t
};

static BYTE_STRS: ByteStrs = {
    let mut t = [const {
        MjStr {
            len: 1,
            data: std::ptr::null(),
            rc: 0,
        }
    }; 256];
    let mut i = 0;
    while i < 256 {
        t[i].data = BYTES.as_ptr().wrapping_add(i);
        i += 1;
    }
    ByteStrs(t)
};

/// The one-byte string `[b]`.
pub fn byte_str(b: u8) -> *const MjStr {
    &BYTE_STRS.0[b as usize]
}

/// Stores an error message through a raising function's `err` out-parameter.
///
/// # Safety
/// `err` must be null or writable.
pub unsafe fn set_err(err: *mut *const MjStr, msg: &str) {
    if !err.is_null() {
        unsafe { *err = new_str(msg.as_bytes()) };
    }
}

/// Decodes the character at byte `i` (which must be < `b.len()`): `(char, byte length)`.
/// Invalid or truncated sequences decode as one U+FFFD byte.
pub fn decode_at(b: &[u8], i: usize) -> (char, usize) {
    let c0 = b[i];
    if c0 < 0x80 {
        return (c0 as char, 1);
    }
    let n = match c0 {
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => return ('\u{FFFD}', 1),
    };
    if i + n > b.len() {
        return ('\u{FFFD}', 1);
    }
    match std::str::from_utf8(&b[i..i + n]) {
        Ok(s) => (s.chars().next().unwrap_or('\u{FFFD}'), n),
        Err(_) => ('\u{FFFD}', 1),
    }
}

/// Iterates `(byte offset, char, byte length)` over a byte string.
pub fn chars(b: &[u8]) -> impl Iterator<Item = (usize, char, usize)> + '_ {
    let mut i = 0;
    std::iter::from_fn(move || {
        if i >= b.len() {
            return None;
        }
        let (c, n) = decode_at(b, i);
        let r = (i, c, n);
        i += n;
        Some(r)
    })
}

/// The character ending at byte `j` (> 0): `(char, byte length)`.
fn decode_before(b: &[u8], j: usize) -> (char, usize) {
    let mut k = j - 1;
    while k > 0 && j - k < 4 && b[k] & 0xC0 == 0x80 {
        k -= 1;
    }
    let (c, n) = decode_at(b, k);
    if k + n == j { (c, n) } else { ('\u{FFFD}', 1) }
}

/// Python's `str.isspace` for one character (Rust's White_Space plus the ASCII
/// information separators U+001C..U+001F, which Python also treats as whitespace).
pub fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// 64-bit string hash (word-at-a-time multiply/rotate, then a murmur3 finaliser).
pub fn hash_bytes(b: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h = b.len() as u64;
    let mut it = b.chunks_exact(8);
    for c in &mut it {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
    }
    let r = it.remainder();
    if !r.is_empty() {
        let mut w = [0u8; 8];
        w[..r.len()].copy_from_slice(r);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
    }
    fmix64(h)
}

/// murmur3's 64-bit finaliser: spreads every input bit over the whole word.
pub fn fmix64(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// First occurrence of `n` in `h` at or after `from`.
pub fn find_bytes(h: &[u8], n: &[u8], from: usize) -> Option<usize> {
    if from > h.len() {
        return None;
    }
    if n.is_empty() {
        return Some(from);
    }
    if n.len() > h.len() - from {
        return None;
    }
    let first = n[0];
    let last_start = h.len() - n.len();
    let mut i = from;
    while i <= last_start {
        match h[i..=last_start].iter().position(|&b| b == first) {
            None => return None,
            Some(k) => {
                i += k;
                if &h[i..i + n.len()] == n {
                    return Some(i);
                }
                i += 1;
            }
        }
    }
    None
}

fn rfind_bytes(h: &[u8], n: &[u8]) -> Option<usize> {
    if n.len() > h.len() {
        return None;
    }
    (0..=h.len() - n.len())
        .rev()
        .find(|&i| &h[i..i + n.len()] == n)
}

/// Python's `slice.indices` followed by the length computation: `(start, step, count)`.
/// `flags` bit 0: `lo` given, bit 1: `hi` given, bit 2: `step` given. `None` for step 0.
pub fn slice_indices(len: i64, lo: i64, hi: i64, step: i64, flags: i64) -> Option<(i64, i64, i64)> {
    let len = len as i128;
    let step = if flags & 4 != 0 { step as i128 } else { 1 };
    if step == 0 {
        return None;
    }
    let adjust = |v: i128, given: bool, default: i128| -> i128 {
        if !given {
            return default;
        }
        if v < 0 {
            let v = v + len;
            if v < 0 {
                if step < 0 { -1 } else { 0 }
            } else {
                v
            }
        } else if v >= len {
            if step < 0 { len - 1 } else { len }
        } else {
            v
        }
    };
    let start = adjust(
        lo as i128,
        flags & 1 != 0,
        if step < 0 { len - 1 } else { 0 },
    );
    let stop = adjust(hi as i128, flags & 2 != 0, if step < 0 { -1 } else { len });
    let count = if step < 0 {
        if stop < start {
            (start - stop - 1) / (-step) + 1
        } else {
            0
        }
    } else if start < stop {
        (stop - start - 1) / step + 1
    } else {
        0
    };
    Some((start as i64, step as i64, count as i64))
}

/// Python `repr` of a string: quote choice and escapes as CPython does them.
pub fn py_repr(b: &[u8]) -> String {
    let has_single = b.contains(&b'\'');
    let has_double = b.contains(&b'"');
    let quote = if has_single && !has_double { '"' } else { '\'' };
    let mut out = String::with_capacity(b.len() + 2);
    out.push(quote);
    let mut i = 0;
    while i < b.len() {
        let (c, n) = decode_at(b, i);
        if c == '\u{FFFD}' && n == 1 && b[i] >= 0x80 {
            // An invalid byte: show it like Python's surrogateescape would.
            out.push_str(&format!("\\x{:02x}", b[i]));
        } else {
            match c {
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if c == quote => {
                    out.push('\\');
                    out.push(c);
                }
                c if is_printable(c) => out.push(c),
                c if (c as u32) < 0x100 => out.push_str(&format!("\\x{:02x}", c as u32)),
                c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
                c => out.push_str(&format!("\\U{:08x}", c as u32)),
            }
        }
        i += n;
    }
    out.push(quote);
    out
}

/// Approximates Python's `str.isprintable` per character: control, format, separator
/// (other than space), private-use and unassigned-looking code points are not printable.
fn is_printable(c: char) -> bool {
    let u = c as u32;
    if u < 0x80 {
        return (0x20..0x7f).contains(&u);
    }
    !matches!(u,
        0x80..=0xA0 | 0xAD | 0x34F | 0x61C | 0x1680 | 0x180E | 0x2000..=0x200F
        | 0x2028..=0x202F | 0x205F..=0x206F | 0x3000 | 0xD800..=0xF8FF | 0xFEFF
        | 0xFFF0..=0xFFFB | 0xFFFE | 0xFFFF | 0xE0000..=0xE0FFF | 0xF0000..)
}

// ----------------------------------------------------------------------------------------
// Exported functions.

/// # Safety
/// `s` must be null or a valid `MjStr`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_str_repr(s: *const MjStr) -> *const MjStr {
    new_str(py_repr(unsafe { bytes(s) }).as_bytes())
}

/// # Safety
/// Arguments must be null or valid `MjStr`s.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_str_concat(a: *const MjStr, b: *const MjStr) -> *const MjStr {
    let (a, b) = unsafe { (bytes(a), bytes(b)) };
    let mut v = Vec::with_capacity(a.len() + b.len());
    v.extend_from_slice(a);
    v.extend_from_slice(b);
    new_str(&v)
}

/// # Safety
/// Arguments must be null or valid `MjStr`s.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_str_eq(a: *const MjStr, b: *const MjStr) -> i64 {
    (a == b || unsafe { bytes(a) == bytes(b) }) as i64
}

/// # Safety
/// Arguments must be null or valid `MjStr`s.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_str_cmp(a: *const MjStr, b: *const MjStr) -> i64 {
    unsafe { bytes(a).cmp(bytes(b)) as i64 }
}

/// # Safety
/// `s` must be null or a valid `MjStr`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_str_hash(s: *const MjStr) -> i64 {
    hash_bytes(unsafe { bytes(s) }) as i64
}

/// # Safety
/// `s` and `file` must be null or valid `MjStr`s.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_str_at(
    s: *const MjStr,
    i: i64,
    file: *const MjStr,
    line: i64,
) -> *const MjStr {
    let b = unsafe { bytes(s) };
    let len = b.len() as i64;
    let j = if i < 0 { i.wrapping_add(len) } else { i };
    if j < 0 || j >= len {
        unsafe {
            fatal_at(
                file,
                line,
                &format!("index out of range: index {i}, length {len}"),
            )
        }
    }
    byte_str(b[j as usize])
}

/// 1 if byte `i` of `s` starts a UTF-8 character (it is not a continuation byte), else 0;
/// used to iterate a string by character.
///
/// # Safety
/// `s` must be null or a valid `MjStr`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_str_is_char_start(s: *const MjStr, i: i64) -> i64 {
    let b = unsafe { bytes(s) };
    match usize::try_from(i).ok().and_then(|i| b.get(i)) {
        Some(c) => i64::from(c & 0xC0 != 0x80),
        None => 0,
    }
}

/// The whole UTF-8 character that starts at byte `i` (a one-byte string for a stray or
/// truncated byte, so that invalid text still iterates).
///
/// # Safety
/// `s` must be null or a valid `MjStr`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_str_char_at(s: *const MjStr, i: i64) -> *const MjStr {
    let b = unsafe { bytes(s) };
    let Some(start) = usize::try_from(i).ok().filter(|&i| i < b.len()) else {
        return new_str(b"");
    };
    let mut end = start + 1;
    while end < b.len() && b[end] & 0xC0 == 0x80 && end - start < 4 {
        end += 1;
    }
    match std::str::from_utf8(&b[start..end]) {
        Ok(_) => new_str(&b[start..end]),
        Err(_) => byte_str(b[start]),
    }
}

/// # Safety
/// `s` must be null or a valid `MjStr`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_str_slice(
    s: *const MjStr,
    lo: i64,
    hi: i64,
    step: i64,
    flags: i64,
) -> *const MjStr {
    let b = unsafe { bytes(s) };
    let Some((start, step, count)) = slice_indices(b.len() as i64, lo, hi, step, flags) else {
        fatal(b"error: slice step cannot be zero")
    };
    if step == 1 {
        return new_str(&b[start as usize..(start + count) as usize]);
    }
    let v: Vec<u8> = (0..count).map(|k| b[(start + k * step) as usize]).collect();
    new_str(&v)
}

/// # Safety
/// `s` must be null or a valid `MjStr`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_str_repeat(s: *const MjStr, n: i64) -> *const MjStr {
    let b = unsafe { bytes(s) };
    if n <= 0 || b.is_empty() {
        return new_str(&[]);
    }
    if b.len()
        .checked_mul(n as usize)
        .is_none_or(|t| t > isize::MAX as usize)
    {
        fatal(b"error: string repetition too large")
    }
    new_str(&b.repeat(n as usize))
}

/// # Safety
/// Arguments must be null or valid `MjStr`s.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_str_contains(s: *const MjStr, sub: *const MjStr) -> i64 {
    unsafe { find_bytes(bytes(s), bytes(sub), 0).is_some() as i64 }
}

/// `s.find(sub, start)`: a negative `start` counts from the end.
///
/// # Safety
/// Arguments must be null or valid `MjStr`s.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_str_find(s: *const MjStr, sub: *const MjStr, start: i64) -> i64 {
    let (h, n) = unsafe { (bytes(s), bytes(sub)) };
    let len = h.len() as i64;
    let from = if start < 0 {
        (start.wrapping_add(len)).max(0)
    } else {
        start
    };
    if from > len {
        return -1;
    }
    find_bytes(h, n, from as usize).map_or(-1, |i| i as i64)
}

/// # Safety
/// Arguments must be null or valid `MjStr`s.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_str_rfind(s: *const MjStr, sub: *const MjStr) -> i64 {
    unsafe { rfind_bytes(bytes(s), bytes(sub)).map_or(-1, |i| i as i64) }
}

/// # Safety
/// Arguments must be null or valid `MjStr`s.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_str_count(s: *const MjStr, sub: *const MjStr) -> i64 {
    let (h, n) = unsafe { (bytes(s), bytes(sub)) };
    if n.is_empty() {
        // Python counts the positions between characters.
        return chars(h).count() as i64 + 1;
    }
    let mut count = 0;
    let mut i = 0;
    while let Some(k) = find_bytes(h, n, i) {
        count += 1;
        i = k + n.len();
    }
    count
}

/// # Safety
/// Arguments must be null or valid `MjStr`s.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_str_replace(
    s: *const MjStr,
    old: *const MjStr,
    new: *const MjStr,
) -> *const MjStr {
    let (h, o, n) = unsafe { (bytes(s), bytes(old), bytes(new)) };
    let mut out = Vec::with_capacity(h.len());
    if o.is_empty() {
        // Mojo inserts `new` before every character (Python also appends one at the end).
        for (i, _, len) in chars(h) {
            out.extend_from_slice(n);
            out.extend_from_slice(&h[i..i + len]);
        }
        return new_str(&out);
    }
    let mut i = 0;
    while let Some(k) = find_bytes(h, o, i) {
        out.extend_from_slice(&h[i..k]);
        out.extend_from_slice(n);
        i = k + o.len();
    }
    out.extend_from_slice(&h[i..]);
    new_str(&out)
}

/// # Safety
/// Arguments must be null or valid `MjStr`s.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_str_startswith(s: *const MjStr, p: *const MjStr) -> i64 {
    unsafe { bytes(s).starts_with(bytes(p)) as i64 }
}

/// # Safety
/// Arguments must be null or valid `MjStr`s.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_str_endswith(s: *const MjStr, p: *const MjStr) -> i64 {
    unsafe { bytes(s).ends_with(bytes(p)) as i64 }
}

/// Byte range of `h` left after stripping characters matching `strip` from the
/// requested ends.
fn strip_range(h: &[u8], chars_arg: *const MjStr, left: bool, right: bool) -> (usize, usize) {
    let set: Option<Vec<char>> = if chars_arg.is_null() {
        None
    } else {
        Some(
            chars(unsafe { bytes(chars_arg) })
                .map(|(_, c, _)| c)
                .collect(),
        )
    };
    let strip = |c: char| match &set {
        None => is_py_space(c),
        Some(s) => s.contains(&c),
    };
    let (mut i, mut j) = (0, h.len());
    if left {
        while i < j {
            let (c, n) = decode_at(h, i);
            if !strip(c) {
                break;
            }
            i += n;
        }
    }
    if right {
        while j > i {
            let (c, n) = decode_before(h, j);
            if !strip(c) {
                break;
            }
            j -= n;
        }
    }
    (i, j)
}

unsafe fn strip_impl(
    s: *const MjStr,
    chars_arg: *const MjStr,
    left: bool,
    right: bool,
) -> *const MjStr {
    let h = unsafe { bytes(s) };
    let (i, j) = strip_range(h, chars_arg, left, right);
    if i == 0 && j == h.len() {
        // Strings are immutable, so an unchanged string can be returned as is (as a new
        // reference: results of runtime functions are owned by the caller).
        return unsafe { crate::rc::mj_str_retain(s) };
    }
    new_str(&h[i..j])
}

/// # Safety
/// `s` must be null or a valid `MjStr`; `chars` null (whitespace) or valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_str_strip(s: *const MjStr, chars: *const MjStr) -> *const MjStr {
    unsafe { strip_impl(s, chars, true, true) }
}

/// # Safety
/// As [`mj_str_strip`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_str_lstrip(s: *const MjStr, chars: *const MjStr) -> *const MjStr {
    unsafe { strip_impl(s, chars, true, false) }
}

/// # Safety
/// As [`mj_str_strip`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_str_rstrip(s: *const MjStr, chars: *const MjStr) -> *const MjStr {
    unsafe { strip_impl(s, chars, false, true) }
}

/// # Safety
/// `s` must be null or a valid `MjStr`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_str_upper(s: *const MjStr) -> *const MjStr {
    new_str(&unsafe { bytes(s) }.to_ascii_uppercase())
}

/// # Safety
/// `s` must be null or a valid `MjStr`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_str_lower(s: *const MjStr) -> *const MjStr {
    new_str(&unsafe { bytes(s) }.to_ascii_lowercase())
}

/// Non-empty and every character satisfies `f`.
unsafe fn all_chars(s: *const MjStr, f: impl Fn(char) -> bool) -> i64 {
    let b = unsafe { bytes(s) };
    (!b.is_empty() && chars(b).all(|(_, c, _)| f(c))) as i64
}

/// Python's cased-string predicates: at least one cased character, and no cased
/// character of the other case.
unsafe fn cased(s: *const MjStr, upper: bool) -> i64 {
    let mut seen = false;
    for (_, c, _) in chars(unsafe { bytes(s) }) {
        let (is_this, is_other) = if upper {
            (c.is_uppercase(), c.is_lowercase())
        } else {
            (c.is_lowercase(), c.is_uppercase())
        };
        if is_other {
            return 0;
        }
        seen |= is_this;
    }
    seen as i64
}

/// # Safety
/// `s` must be null or a valid `MjStr`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_str_isdigit(s: *const MjStr) -> i64 {
    unsafe {
        all_chars(s, |c| {
            c.is_ascii_digit() || (!c.is_ascii() && c.is_numeric())
        })
    }
}

/// # Safety
/// `s` must be null or a valid `MjStr`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_str_isalpha(s: *const MjStr) -> i64 {
    unsafe { all_chars(s, char::is_alphabetic) }
}

/// # Safety
/// `s` must be null or a valid `MjStr`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_str_isspace(s: *const MjStr) -> i64 {
    unsafe { all_chars(s, is_py_space) }
}

/// # Safety
/// `s` must be null or a valid `MjStr`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_str_isupper(s: *const MjStr) -> i64 {
    unsafe { cased(s, true) }
}

/// # Safety
/// `s` must be null or a valid `MjStr`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_str_islower(s: *const MjStr) -> i64 {
    unsafe { cased(s, false) }
}

/// # Safety
/// `s` must be null or a valid `MjStr`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_str_isalnum(s: *const MjStr) -> i64 {
    unsafe { all_chars(s, char::is_alphanumeric) }
}

/// # Safety
/// `s` must be null or a valid `MjStr`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_ord(s: *const MjStr) -> i64 {
    let b = unsafe { bytes(s) };
    if b.is_empty() {
        fatal(b"error: ord() expected a character, but string of length 0 found")
    }
    decode_at(b, 0).0 as i64
}

/// UTF-8 encoding of a code point. Surrogates (which Rust's `char` cannot hold) are
/// encoded with the generalized 3-byte form so that `chr`/`ord` stay inverse.
///
/// # Safety
/// Always safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_chr(c: i64) -> *const MjStr {
    if (0..0x80).contains(&c) {
        return byte_str(c as u8);
    }
    if !(0..0x110000).contains(&c) {
        fatal(b"error: chr() arg not in range(0x110000)")
    }
    let u = c as u32;
    match char::from_u32(u) {
        Some(ch) => new_str(ch.encode_utf8(&mut [0; 4]).as_bytes()),
        None => new_str(&[
            0xE0 | (u >> 12) as u8,
            0x80 | ((u >> 6) & 0x3F) as u8,
            0x80 | (u & 0x3F) as u8,
        ]),
    }
}

/// Strips Python whitespace from both ends.
fn trim_py(b: &[u8]) -> &[u8] {
    let mut i = 0;
    while i < b.len() {
        let (c, n) = decode_at(b, i);
        if !is_py_space(c) {
            break;
        }
        i += n;
    }
    let mut j = b.len();
    while j > i {
        let (c, n) = decode_before(b, j);
        if !is_py_space(c) {
            break;
        }
        j -= n;
    }
    &b[i..j]
}

/// Digits with single underscores between them (PEP 515), underscores removed.
fn strip_underscores(t: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(t.len());
    for (k, &c) in t.iter().enumerate() {
        if c == b'_' {
            let prev_ok = k > 0 && t[k - 1].is_ascii_digit();
            let next_ok = t.get(k + 1).is_some_and(u8::is_ascii_digit);
            if !(prev_ok && next_ok) {
                return None;
            }
        } else {
            out.push(c);
        }
    }
    Some(out)
}

/// Python `int(s)` in base 10, limited to the `Int` range.
pub fn parse_int(b: &[u8], base: i64) -> Result<i64, String> {
    if base != 0 && !(2..=36).contains(&base) {
        return Err("int() base must be >= 2 and <= 36, or 0".to_string());
    }
    // Mojo's message (its `atol`/`Int(String)`), the text between single quotes as given.
    let invalid = || {
        format!(
            "String is not convertible to integer with base {base}: '{}'",
            String::from_utf8_lossy(b)
        )
    };
    let t = trim_py(b);
    let (neg, t) = match t.first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    // A `0x`/`0o`/`0b` prefix names the base (base 0), or repeats it.
    let prefixed = |c: u8| match c.to_ascii_lowercase() {
        b'x' => Some(16),
        b'o' => Some(8),
        b'b' => Some(2),
        _ => None,
    };
    let (base, t) = match t {
        [b'0', p, rest @ ..] if prefixed(*p).is_some_and(|pb| base == 0 || base == pb) => {
            let rest = rest.strip_prefix(b"_").unwrap_or(rest);
            (prefixed(*p).unwrap_or(10), rest)
        }
        // Base 0 without a prefix is decimal, where a leading zero must be the only digit.
        _ if base == 0 => {
            if t.len() > 1 && t[0] == b'0' && t.iter().any(|c| c.is_ascii_digit() && *c != b'0') {
                return Err(invalid());
            }
            (10, t)
        }
        _ => (base, t),
    };
    let digit = |c: u8| (c as char).to_digit(base as u32);
    if t.is_empty() || digit(t[0]).is_none() {
        return Err(invalid());
    }
    let digits = strip_underscores(t).ok_or_else(invalid)?;
    let mut v: i128 = 0;
    for &c in &digits {
        let Some(d) = digit(c) else {
            return Err(invalid());
        };
        v = v * base as i128 + d as i128;
        if v > 1i128 << 64 {
            return Err(format!("int too large to convert to Int: {}", py_repr(b)));
        }
    }
    let v = if neg { -v } else { v };
    i64::try_from(v).map_err(|_| format!("int too large to convert to Int: {}", py_repr(b)))
}

/// Python `float(s)`.
pub fn parse_f64(b: &[u8]) -> Result<f64, String> {
    let invalid = || format!("could not convert string to float: {}", py_repr(b));
    let t = trim_py(b);
    // Only ASCII can be part of a float literal.
    if t.is_empty() || !t.is_ascii() {
        return Err(invalid());
    }
    let clean = strip_underscores(t).ok_or_else(invalid)?;
    let s = std::str::from_utf8(&clean).map_err(|_| invalid())?;
    // Rust's grammar matches Python's (decimal, exponent, inf/infinity/nan in any case,
    // optional sign) once underscores are gone.
    s.parse::<f64>().map_err(|_| invalid())
}

/// The number of UTF-8 characters (`String.count_codepoints()`): bytes that do not
/// continue a sequence.
///
/// # Safety
/// `s` must be null or a valid `MjStr`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_str_count_codepoints(s: *const MjStr) -> i64 {
    let b = unsafe { bytes(s) };
    b.iter().filter(|c| *c & 0xC0 != 0x80).count() as i64
}

/// # Safety
/// `s` must be null or a valid `MjStr`; `err` null or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_str_to_int(s: *const MjStr, base: i64, err: *mut *const MjStr) -> i64 {
    match parse_int(unsafe { bytes(s) }, base) {
        Ok(v) => v,
        Err(m) => {
            unsafe { set_err(err, &m) };
            0
        }
    }
}

/// # Safety
/// `s` must be null or a valid `MjStr`; `err` null or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_str_to_f64(s: *const MjStr, err: *mut *const MjStr) -> f64 {
    match parse_f64(unsafe { bytes(s) }) {
        Ok(v) => v,
        Err(m) => {
            unsafe { set_err(err, &m) };
            0.0
        }
    }
}

/// # Safety
/// `p` must point to `n` readable bytes (or `n` <= 0).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_str_from_bytes(p: *const u8, n: i64) -> *const MjStr {
    if n <= 0 || p.is_null() {
        return new_str(&[]);
    }
    new_str(unsafe { std::slice::from_raw_parts(p, n as usize) })
}

/// # Safety
/// `s` must be null or a valid `MjStr`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_str_ptr(s: *const MjStr) -> *const u8 {
    if s.is_null() {
        return std::ptr::null();
    }
    unsafe { (*s).data }
}
