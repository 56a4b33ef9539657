//! Lists: a header plus a heap buffer of `elem_size`-byte elements. The runtime only
//! moves bytes; typed operations (sort, find, repr) exist for the element types the
//! compiler asks for.

use std::alloc::{Layout, alloc, handle_alloc_error, realloc};
use std::cmp::Ordering;

use crate::float_repr::repr_f64;
use crate::process::{fatal, fatal_at};
use crate::rc::{KIND_PLAIN, KIND_STR, release_elem, retain_elem};
use crate::str::{bytes, new_str, py_repr, slice_indices};
use crate::{MjList, MjStr};

/// Buffers are 16-byte aligned so that any element type the compiler lays out (up to
/// 16-byte alignment) can be accessed in place.
const ALIGN: usize = 16;

fn layout(bytes: usize) -> Layout {
    match Layout::from_size_align(bytes.max(1), ALIGN) {
        Ok(l) => l,
        Err(_) => fatal(b"error: list too large"),
    }
}

fn byte_size(cap: i64, elem: i64) -> usize {
    match (cap as usize).checked_mul(elem as usize) {
        Some(n) if n <= isize::MAX as usize => n,
        _ => fatal(b"error: list too large"),
    }
}

/// Grows `l`'s buffer to hold at least `need` elements (capacity doubles).
unsafe fn reserve(l: &mut MjList, need: i64) {
    if need <= l.cap {
        return;
    }
    let new_cap = need.max(l.cap.saturating_mul(2)).max(4);
    let es = l.elem_size;
    let new_layout = layout(byte_size(new_cap, es));
    // SAFETY: `data` was allocated here with `layout(cap * es)` (or is null for cap 0).
    let p = unsafe {
        if l.data.is_null() || l.cap == 0 {
            alloc(new_layout)
        } else {
            realloc(l.data, layout(byte_size(l.cap, es)), new_layout.size())
        }
    };
    if p.is_null() {
        handle_alloc_error(new_layout);
    }
    l.data = p;
    l.cap = new_cap;
}

fn elem_bytes(l: &MjList) -> usize {
    l.elem_size as usize
}

/// The list's elements as one byte slice.
///
/// # Safety
/// `l` must be a valid list.
unsafe fn raw<'a>(l: &MjList) -> &'a [u8] {
    if l.len <= 0 || l.data.is_null() {
        return &[];
    }
    unsafe { std::slice::from_raw_parts(l.data, l.len as usize * elem_bytes(l)) }
}

/// # Safety
/// `l` must be a valid list of `T` (`elem_size == size_of::<T>()`).
unsafe fn typed<'a, T>(l: *mut MjList) -> &'a mut [T] {
    let l = unsafe { &*l };
    if l.len <= 0 || l.data.is_null() {
        return &mut [];
    }
    unsafe { std::slice::from_raw_parts_mut(l.data as *mut T, l.len as usize) }
}

/// The `String` pointers of a `List[String]`.
///
/// # Safety
/// `l` must be null or a valid `List[String]`.
pub unsafe fn list_strs<'a>(l: *mut MjList) -> &'a [*const MjStr] {
    if l.is_null() {
        return &[];
    }
    unsafe { typed::<*const MjStr>(l) }
}

/// Builds a `List[String]` from string pointers.
pub fn list_from_strs(items: &[*const MjStr]) -> *mut MjList {
    unsafe {
        let l = mj_list_new_kind(8, items.len() as i64, KIND_STR);
        if !items.is_empty() {
            std::ptr::copy_nonoverlapping(items.as_ptr() as *const u8, (*l).data, items.len() * 8);
        }
        (*l).len = items.len() as i64;
        l
    }
}

/// # Safety
/// Always safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_list_new(elem_size: i64, cap: i64) -> *mut MjList {
    unsafe { mj_list_new_kind(elem_size, cap, KIND_PLAIN) }
}

/// A new list (one reference) whose elements are of `kind` (`rc::KIND_*`): handle
/// elements are released when removed or when the list is freed.
///
/// # Safety
/// Always safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_list_new_kind(elem_size: i64, cap: i64, kind: i64) -> *mut MjList {
    let mut l = MjList {
        len: 0,
        cap: 0,
        data: std::ptr::null_mut(),
        elem_size: elem_size.max(1),
        rc: 1,
        // Handle kinds only make sense for pointer-sized elements.
        elem_kind: if elem_size == 8 { kind } else { KIND_PLAIN },
    };
    // Always allocate, so that `data` is never null even for an empty list.
    unsafe { reserve(&mut l, cap.max(1)) };
    Box::into_raw(Box::new(l))
}

/// Releases the handle elements `from..to` of `l` (no-op for plain elements).
///
/// # Safety
/// `l` must be a valid list and `from..to` within its length.
unsafe fn release_range(l: &MjList, from: i64, to: i64) {
    if l.elem_kind == KIND_PLAIN {
        return;
    }
    let es = elem_bytes(l);
    for k in from.max(0)..to {
        unsafe { release_elem(l.elem_kind, l.data.add(k as usize * es)) };
    }
}

/// Retains the handle elements `from..to` of `l` (copies of elements just made).
///
/// # Safety
/// As [`release_range`].
unsafe fn retain_range(l: &MjList, from: i64, to: i64) {
    if l.elem_kind == KIND_PLAIN {
        return;
    }
    let es = elem_bytes(l);
    for k in from.max(0)..to {
        unsafe { retain_elem(l.elem_kind, l.data.add(k as usize * es)) };
    }
}

/// Frees a list whose last reference was released, releasing its handle elements.
///
/// # Safety
/// `l` must be a valid list from [`mj_list_new_kind`] that is not used again.
pub unsafe fn free_list(l: *mut MjList) {
    unsafe {
        let b = Box::from_raw(l);
        release_range(&b, 0, b.len);
        if !b.data.is_null() && b.cap > 0 {
            std::alloc::dealloc(b.data, layout(byte_size(b.cap, b.elem_size)));
        }
    }
}

/// # Safety
/// `l` must be a valid list; `elem` must point to `elem_size` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_list_push(l: *mut MjList, elem: *const u8) {
    let l = unsafe { &mut *l };
    if l.len == l.cap {
        // `elem` may point into this list's own buffer, which `reserve` can move.
        let mut tmp = vec![0u8; elem_bytes(l)];
        unsafe {
            std::ptr::copy_nonoverlapping(elem, tmp.as_mut_ptr(), tmp.len());
            reserve(l, l.len + 1);
            std::ptr::copy_nonoverlapping(
                tmp.as_ptr(),
                l.data.add(l.len as usize * tmp.len()),
                tmp.len(),
            );
        }
    } else {
        let es = elem_bytes(l);
        unsafe { std::ptr::copy_nonoverlapping(elem, l.data.add(l.len as usize * es), es) };
    }
    l.len += 1;
}

/// # Safety
/// `l` must be a valid list; `elem` must point to `elem_size` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_list_insert(l: *mut MjList, i: i64, elem: *const u8) {
    let l = unsafe { &mut *l };
    let es = elem_bytes(l);
    let i = if i < 0 {
        (i.wrapping_add(l.len)).max(0)
    } else {
        i.min(l.len)
    } as usize;
    let mut tmp = vec![0u8; es];
    unsafe {
        std::ptr::copy_nonoverlapping(elem, tmp.as_mut_ptr(), es);
        reserve(l, l.len + 1);
        let at = l.data.add(i * es);
        std::ptr::copy(at, at.add(es), (l.len as usize - i) * es);
        std::ptr::copy_nonoverlapping(tmp.as_ptr(), at, es);
    }
    l.len += 1;
}

/// # Safety
/// `l` must be a valid list; `out` null or writable for `elem_size` bytes; `file` null
/// or a valid `MjStr`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_list_pop(
    l: *mut MjList,
    i: i64,
    out: *mut u8,
    file: *const MjStr,
    line: i64,
) {
    let l = unsafe { &mut *l };
    if l.len == 0 {
        unsafe { fatal_at(file, line, "pop from empty list") }
    }
    let j = if i < 0 { i.wrapping_add(l.len) } else { i };
    if j < 0 || j >= l.len {
        unsafe {
            fatal_at(
                file,
                line,
                &format!("index out of range: index {i}, length {}", l.len),
            )
        }
    }
    let es = elem_bytes(l);
    let j = j as usize;
    unsafe {
        let at = l.data.add(j * es);
        if !out.is_null() {
            std::ptr::copy(at, out, es);
        } else {
            // Nobody takes the element: its reference dies here.
            release_elem(l.elem_kind, at);
        }
        std::ptr::copy(at.add(es), at, (l.len as usize - j - 1) * es);
    }
    l.len -= 1;
}

/// # Safety
/// `l` must be a valid list.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_list_clear(l: *mut MjList) {
    unsafe {
        release_range(&*l, 0, (*l).len);
        (*l).len = 0;
    }
}

/// # Safety
/// `l` must be a valid list.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_list_copy(l: *mut MjList) -> *mut MjList {
    let src = unsafe { &*l };
    let n = unsafe { mj_list_new_kind(src.elem_size, src.len, src.elem_kind) };
    unsafe {
        let b = raw(src);
        std::ptr::copy_nonoverlapping(b.as_ptr(), (*n).data, b.len());
        (*n).len = src.len;
        retain_range(&*n, 0, src.len);
    }
    n
}

/// # Safety
/// `l` and `other` must be valid lists with the same `elem_size` (they may be the same).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_list_extend(l: *mut MjList, other: *mut MjList) {
    let n = unsafe { (*other).len };
    if n <= 0 {
        return;
    }
    unsafe {
        let old = (*l).len;
        reserve(&mut *l, old + n);
        // Read `other.data` after reserving: for `l.extend(l)` the buffer just moved.
        let es = elem_bytes(&*l);
        std::ptr::copy_nonoverlapping(
            (*other).data,
            (*l).data.add(old as usize * es),
            n as usize * es,
        );
        (*l).len = old + n;
        retain_range(&*l, old, old + n);
    }
}

/// # Safety
/// `l` must be a valid list.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_list_reverse(l: *mut MjList) {
    let l = unsafe { &mut *l };
    let es = elem_bytes(l);
    let n = l.len as usize;
    for k in 0..n / 2 {
        unsafe {
            std::ptr::swap_nonoverlapping(l.data.add(k * es), l.data.add((n - 1 - k) * es), es);
        }
    }
}

/// # Safety
/// `l` must be a valid list.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_list_slice(
    l: *mut MjList,
    lo: i64,
    hi: i64,
    step: i64,
    flags: i64,
) -> *mut MjList {
    let src = unsafe { &*l };
    let Some((start, step, count)) = slice_indices(src.len, lo, hi, step, flags) else {
        fatal(b"error: slice step cannot be zero")
    };
    let es = elem_bytes(src);
    let n = unsafe { mj_list_new_kind(src.elem_size, count, src.elem_kind) };
    unsafe {
        if step == 1 {
            std::ptr::copy_nonoverlapping(
                src.data.add(start as usize * es),
                (*n).data,
                count as usize * es,
            );
        } else {
            for k in 0..count {
                let from = (start + k * step) as usize;
                std::ptr::copy_nonoverlapping(
                    src.data.add(from * es),
                    (*n).data.add(k as usize * es),
                    es,
                );
            }
        }
        (*n).len = count;
        retain_range(&*n, 0, count);
    }
    n
}

/// # Safety
/// `l` must be a valid list; `fill` null (zero bytes) or `elem_size` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_list_resize(l: *mut MjList, n: i64, fill: *const u8) {
    let l = unsafe { &mut *l };
    let n = n.max(0);
    if n <= l.len {
        unsafe { release_range(l, n, l.len) };
        l.len = n;
        return;
    }
    let es = elem_bytes(l);
    let mut tmp = vec![0u8; es];
    unsafe {
        if !fill.is_null() {
            std::ptr::copy_nonoverlapping(fill, tmp.as_mut_ptr(), es);
        }
        reserve(l, n);
        for k in l.len as usize..n as usize {
            std::ptr::copy_nonoverlapping(tmp.as_ptr(), l.data.add(k * es), es);
        }
        // Each new element is a copy of the caller's `fill` (which the caller keeps).
        let old = l.len;
        l.len = n;
        if !fill.is_null() {
            retain_range(l, old, n);
        }
    }
}

/// # Safety
/// `l` must be a valid `List[Int]`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_list_sort_int(l: *mut MjList, reverse: i64) {
    let v = unsafe { typed::<i64>(l) };
    if reverse != 0 {
        v.sort_by(|a, b| b.cmp(a));
    } else {
        v.sort();
    }
}

/// Python's `<` on floats is a total preorder without NaN (`-0.0 == 0.0`, which keeps
/// their input order under a stable sort). NaNs are placed last so that the comparator
/// stays a valid total order (Rust's sort may panic on inconsistent ones).
fn cmp_f64(a: &f64, b: &f64) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (false, false) => a.partial_cmp(b).unwrap_or(Ordering::Equal),
        (x, y) => x.cmp(&y),
    }
}

/// # Safety
/// `l` must be a valid `List[Float64]`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_list_sort_f64(l: *mut MjList, reverse: i64) {
    let v = unsafe { typed::<f64>(l) };
    if reverse != 0 {
        v.sort_by(|a, b| cmp_f64(b, a));
    } else {
        v.sort_by(cmp_f64);
    }
}

/// # Safety
/// `l` must be a valid `List[String]`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_list_sort_str(l: *mut MjList, reverse: i64) {
    let v = unsafe { typed::<*const MjStr>(l) };
    let key = |p: &*const MjStr| unsafe { bytes(*p) };
    if reverse != 0 {
        v.sort_by(|a, b| key(b).cmp(key(a)));
    } else {
        v.sort_by(|a, b| key(a).cmp(key(b)));
    }
}

fn index_or_neg(p: Option<usize>) -> i64 {
    p.map_or(-1, |i| i as i64)
}

/// # Safety
/// `l` must be a valid `List[Int]`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_list_find_int(l: *mut MjList, v: i64) -> i64 {
    index_or_neg(unsafe { typed::<i64>(l) }.iter().position(|&x| x == v))
}

/// # Safety
/// `l` must be a valid `List[Float64]`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_list_find_f64(l: *mut MjList, v: f64) -> i64 {
    index_or_neg(unsafe { typed::<f64>(l) }.iter().position(|&x| x == v))
}

/// # Safety
/// `l` must be a valid `List[String]`; `s` null or a valid `MjStr`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_list_find_str(l: *mut MjList, s: *const MjStr) -> i64 {
    let want = unsafe { bytes(s) };
    index_or_neg(
        unsafe { typed::<*const MjStr>(l) }
            .iter()
            .position(|&p| unsafe { bytes(p) } == want),
    )
}

fn repr_items<T>(items: &[T], f: impl Fn(&T) -> String) -> *const MjStr {
    let mut out = String::from("[");
    for (k, x) in items.iter().enumerate() {
        if k > 0 {
            out.push_str(", ");
        }
        out.push_str(&f(x));
    }
    out.push(']');
    new_str(out.as_bytes())
}

/// # Safety
/// `l` must be a valid `List[Int]`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_list_repr_int(l: *mut MjList) -> *const MjStr {
    repr_items(unsafe { typed::<i64>(l) }, |x| x.to_string())
}

/// # Safety
/// `l` must be a valid `List[Float64]`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_list_repr_f64(l: *mut MjList) -> *const MjStr {
    repr_items(unsafe { typed::<f64>(l) }, |x| repr_f64(*x))
}

/// # Safety
/// `l` must be a valid `List[String]`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_list_repr_str(l: *mut MjList) -> *const MjStr {
    repr_items(unsafe { typed::<*const MjStr>(l) }, |p| {
        py_repr(unsafe { bytes(*p) })
    })
}

/// # Safety
/// `l` must be a valid `List[Bool]` (1-byte elements).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_list_repr_bool(l: *mut MjList) -> *const MjStr {
    repr_items(unsafe { typed::<u8>(l) }, |&b| {
        if b != 0 { "True" } else { "False" }.to_string()
    })
}

/// # Safety
/// `file` must be null or a valid `MjStr`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_list_abort_index(file: *const MjStr, line: i64, i: i64, len: i64) -> ! {
    unsafe {
        fatal_at(
            file,
            line,
            &format!("index out of range: index {i}, length {len}"),
        )
    }
}
