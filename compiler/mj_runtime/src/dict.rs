//! Insertion-ordered dictionaries (the CPython 3.6+ design): entries are appended to a
//! dense array whose positions are the ABI's *slots*, and a separate open-addressing table
//! (linear probing, Fibonacci hashing) finds them by key. Each table word holds the entry
//! index plus the upper 32 bits of the key's hash, so probing past other keys rarely has to
//! touch the entry array (the cache misses there dominate lookups in large dicts).
//!
//! Values live in their own 16-byte-aligned byte buffer with a fixed stride, so
//! `mj_dict_get_*` can hand out a stable pointer (valid until the next insertion or
//! deletion) that compiled code reads and writes in place.

use crate::MjStr;
use crate::rc::{KIND_PLAIN, release_elem, retain_elem};
use crate::str::{bytes, fmix64, hash_bytes};

const KEY_INT: i64 = 0;
const EMPTY: u64 = u64::MAX;
const TOMBSTONE: u64 = u64::MAX - 1;
/// Entry indices must stay below this so a table word never equals `EMPTY`/`TOMBSTONE`.
const MAX_ENTRIES: usize = u32::MAX as usize - 1;

/// The table word for entry `slot` with hash `hash`.
fn word(hash: u64, slot: usize) -> u64 {
    (hash & 0xFFFF_FFFF_0000_0000) | slot as u64
}

fn word_slot(w: u64) -> usize {
    (w & 0xFFFF_FFFF) as usize
}

/// One 16-byte-aligned unit of value storage.
#[derive(Clone, Copy)]
#[repr(C, align(16))]
struct Chunk([u8; 16]);

#[derive(Clone, Copy)]
struct Entry {
    hash: u64,
    /// The `Int` key, or the `*const MjStr` of a `String` key (strings are immutable,
    /// so keeping the caller's pointer is as good as a copy).
    key: i64,
    alive: bool,
}

#[derive(Clone)]
pub struct MjDict {
    key_kind: i64,
    val_size: usize,
    /// Distance between values: `val_size` rounded up to its natural alignment (8 for
    /// small values, 16 above 8 bytes) so every value is suitably aligned.
    stride: usize,
    entries: Vec<Entry>,
    values: Vec<Chunk>,
    /// Power-of-two table of [`word`]s, `EMPTY` or `TOMBSTONE`.
    index: Vec<u64>,
    /// `64 - log2(index.len())`: the shift that turns a multiplied hash into a position.
    shift: u32,
    live: usize,
    /// Non-`EMPTY` index positions (live entries plus tombstones).
    used: usize,
    /// Reference count (`rc.rs`).
    rc: i64,
    /// Whether values are handles to retain/release (`rc::KIND_*`). `String` keys are
    /// always retained while they are in the dict.
    val_kind: i64,
}

fn int_hash(k: i64) -> u64 {
    fmix64(k as u64)
}

impl MjDict {
    fn new(key_kind: i64, val_size: i64, val_kind: i64) -> Self {
        let val_size = val_size.max(0) as usize;
        let stride = match val_size {
            0..=8 => 8,
            n => n.div_ceil(16) * 16,
        };
        let mut d = MjDict {
            key_kind,
            val_size,
            stride,
            entries: Vec::new(),
            values: Vec::new(),
            index: Vec::new(),
            shift: 0,
            live: 0,
            used: 0,
            rc: 1,
            val_kind: if val_size == 8 { val_kind } else { KIND_PLAIN },
        };
        d.rebuild(8);
        d
    }

    fn key_eq(&self, e: &Entry, hash: u64, key: i64) -> bool {
        if e.hash != hash {
            return false;
        }
        if self.key_kind == KEY_INT || e.key == key {
            return e.key == key;
        }
        unsafe { bytes(e.key as *const MjStr) == bytes(key as *const MjStr) }
    }

    fn hash_of(&self, key: i64) -> u64 {
        if self.key_kind == KEY_INT {
            int_hash(key)
        } else {
            hash_bytes(unsafe { bytes(key as *const MjStr) })
        }
    }

    fn start(&self, hash: u64) -> usize {
        (hash.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    /// `Ok(index position)` of the key, or `Err(position to insert at)`.
    fn probe(&self, hash: u64, key: i64) -> Result<usize, usize> {
        let mask = self.index.len() - 1;
        let mut pos = self.start(hash);
        let mut free = None;
        loop {
            match self.index[pos] {
                EMPTY => return Err(free.unwrap_or(pos)),
                TOMBSTONE => {
                    free.get_or_insert(pos);
                }
                w => {
                    if (w ^ hash) >> 32 == 0 && self.key_eq(&self.entries[word_slot(w)], hash, key)
                    {
                        return Ok(pos);
                    }
                }
            }
            pos = (pos + 1) & mask;
        }
    }

    /// Rebuilds the index with at least `min_size` positions; drops tombstones and, when
    /// dead entries dominate, compacts the entries (which renumbers slots — acceptable
    /// only because it happens on insertion).
    fn rebuild(&mut self, min_size: usize) {
        if self.live < self.entries.len()
            && (self.entries.len() - self.live) * 2 >= self.entries.len()
        {
            let mut values = Vec::with_capacity(self.values.len());
            let mut entries = Vec::with_capacity(self.live);
            let stride = self.stride;
            let mut dst = 0usize;
            for (slot, e) in self.entries.iter().enumerate() {
                if e.alive {
                    entries.push(*e);
                    let need = (dst + 1) * stride;
                    values.resize(need.div_ceil(16), Chunk([0; 16]));
                    let src = self.value_ptr(slot);
                    unsafe {
                        let to = (values.as_mut_ptr() as *mut u8).add(dst * stride);
                        std::ptr::copy_nonoverlapping(src, to, self.val_size);
                    }
                    dst += 1;
                }
            }
            self.entries = entries;
            self.values = values;
        }
        let mut size = 8;
        while size < min_size {
            size *= 2;
        }
        self.index.clear();
        self.index.resize(size, EMPTY);
        self.shift = 64 - size.trailing_zeros();
        let mask = size - 1;
        for (slot, e) in self.entries.iter().enumerate() {
            if e.alive {
                let mut pos = self.start(e.hash);
                while self.index[pos] != EMPTY {
                    pos = (pos + 1) & mask;
                }
                self.index[pos] = word(e.hash, slot);
            }
        }
        self.used = self.live;
    }

    fn value_ptr(&self, slot: usize) -> *mut u8 {
        unsafe { (self.values.as_ptr() as *mut u8).add(slot * self.stride) }
    }

    fn get(&self, key: i64) -> *mut u8 {
        let hash = self.hash_of(key);
        match self.probe(hash, key) {
            Ok(pos) => self.value_ptr(word_slot(self.index[pos])),
            Err(_) => std::ptr::null_mut(),
        }
    }

    unsafe fn set(&mut self, key: i64, val: *const u8) {
        let hash = self.hash_of(key);
        let pos = match self.probe(hash, key) {
            Ok(pos) => {
                let dst = self.value_ptr(word_slot(self.index[pos]));
                // The new value is the caller's reference; the old one dies. Read the old
                // value first: `val` may be this very value (`d[k] = d[k]`, `ptr::copy`).
                let mut old = [0u8; 8];
                if self.val_kind != KIND_PLAIN {
                    unsafe { std::ptr::copy_nonoverlapping(dst, old.as_mut_ptr(), 8) };
                }
                unsafe { std::ptr::copy(val, dst, self.val_size) };
                unsafe { release_elem(self.val_kind, old.as_ptr()) };
                return;
            }
            Err(pos) => pos,
        };
        // Copy the value first: `val` may point into `values`, which may move below.
        let mut tmp = [Chunk([0; 16]); 4];
        let mut heap;
        let buf: &mut [u8] = if self.val_size <= 64 {
            unsafe { std::slice::from_raw_parts_mut(tmp.as_mut_ptr() as *mut u8, 64) }
        } else {
            heap = vec![0u8; self.val_size];
            &mut heap
        };
        unsafe { std::ptr::copy_nonoverlapping(val, buf.as_mut_ptr(), self.val_size) };
        let mut pos = pos;
        let reused_tombstone = self.index[pos] == TOMBSTONE;
        // Keep the table at most ~70% full (live + tombstones) for short probe runs.
        if !reused_tombstone && (self.used + 1) * 10 > self.index.len() * 7 {
            let want = (self.live + 1) * 2;
            self.rebuild(want.max(8));
            pos = match self.probe(hash, key) {
                Err(p) => p,
                Ok(p) => p,
            };
        }
        if self.entries.len() >= MAX_ENTRIES {
            crate::process::fatal(b"error: dictionary too large");
        }
        let slot = self.entries.len();
        // The dict keeps its own reference to a new `String` key.
        if self.key_kind != KEY_INT {
            unsafe { crate::rc::mj_str_retain(key as *const MjStr) };
        }
        self.entries.push(Entry {
            hash,
            key,
            alive: true,
        });
        let need = (slot + 1) * self.stride;
        if self.values.len() * 16 < need {
            self.values.resize(need.div_ceil(16), Chunk([0; 16]));
        }
        let dst = self.value_ptr(slot);
        unsafe { std::ptr::copy_nonoverlapping(buf.as_ptr(), dst, self.val_size) };
        if self.index[pos] == EMPTY {
            self.used += 1;
        }
        self.index[pos] = word(hash, slot);
        self.live += 1;
    }

    fn del(&mut self, key: i64) -> bool {
        let hash = self.hash_of(key);
        match self.probe(hash, key) {
            Ok(pos) => {
                let slot = word_slot(self.index[pos]);
                self.index[pos] = TOMBSTONE;
                self.entries[slot].alive = false;
                self.live -= 1;
                unsafe { self.release_entry(slot) };
                true
            }
            Err(_) => false,
        }
    }

    /// Releases the key and value of entry `slot` (which is being removed).
    unsafe fn release_entry(&self, slot: usize) {
        if self.key_kind != KEY_INT {
            let k = self.entries[slot].key as *const MjStr;
            unsafe { crate::rc::mj_str_release(k) };
        }
        unsafe { release_elem(self.val_kind, self.value_ptr(slot)) };
    }

    /// Releases every live entry's key and value.
    unsafe fn release_all(&self) {
        if self.key_kind == KEY_INT && self.val_kind == KIND_PLAIN {
            return;
        }
        for (slot, e) in self.entries.iter().enumerate() {
            if e.alive {
                unsafe { self.release_entry(slot) };
            }
        }
    }

    /// Retains every live entry's key and value (for a copy that shares them).
    unsafe fn retain_all(&self) {
        if self.key_kind == KEY_INT && self.val_kind == KIND_PLAIN {
            return;
        }
        for (slot, e) in self.entries.iter().enumerate() {
            if e.alive {
                if self.key_kind != KEY_INT {
                    unsafe { crate::rc::mj_str_retain(e.key as *const MjStr) };
                }
                unsafe { retain_elem(self.val_kind, self.value_ptr(slot)) };
            }
        }
    }

    fn clear(&mut self) {
        unsafe { self.release_all() };
        self.entries.clear();
        self.values.clear();
        self.live = 0;
        self.rebuild(8);
    }

    fn entry(&self, slot: i64) -> Option<&Entry> {
        usize::try_from(slot).ok().and_then(|s| self.entries.get(s))
    }
}

/// # Safety
/// Always safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_dict_new(key_kind: i64, val_size: i64) -> *mut MjDict {
    Box::into_raw(Box::new(MjDict::new(key_kind, val_size, KIND_PLAIN)))
}

/// A new dict (one reference) whose values are of `val_kind` (`rc::KIND_*`).
///
/// # Safety
/// Always safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_dict_new_kind(
    key_kind: i64,
    val_size: i64,
    val_kind: i64,
) -> *mut MjDict {
    Box::into_raw(Box::new(MjDict::new(key_kind, val_size, val_kind)))
}

/// The address of a dict's reference count.
///
/// # Safety
/// `d` must be a valid dict.
pub unsafe fn rc_ptr(d: *mut MjDict) -> *mut i64 {
    unsafe { &raw mut (*d).rc }
}

/// Frees a dict whose last reference was released, releasing its keys and values.
///
/// # Safety
/// `d` must be a valid dict that is not used again.
pub unsafe fn free_dict(d: *mut MjDict) {
    unsafe {
        let b = Box::from_raw(d);
        b.release_all();
    }
}

/// # Safety
/// `d` must be a valid dict.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_dict_len(d: *mut MjDict) -> i64 {
    unsafe { (*d).live as i64 }
}

/// # Safety
/// `d` must be a valid `Int`-keyed dict; `val` must point to `val_size` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_dict_set_int(d: *mut MjDict, k: i64, val: *const u8) {
    unsafe { (*d).set(k, val) }
}

/// # Safety
/// `d` must be a valid `String`-keyed dict, `k` a valid `MjStr`, `val` `val_size` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_dict_set_str(d: *mut MjDict, k: *const MjStr, val: *const u8) {
    unsafe { (*d).set(k as i64, val) }
}

/// # Safety
/// `d` must be a valid `Int`-keyed dict.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_dict_get_int(d: *mut MjDict, k: i64) -> *mut u8 {
    unsafe { (*d).get(k) }
}

/// # Safety
/// `d` must be a valid `String`-keyed dict and `k` a valid `MjStr`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_dict_get_str(d: *mut MjDict, k: *const MjStr) -> *mut u8 {
    unsafe { (*d).get(k as i64) }
}

/// # Safety
/// `d` must be a valid `Int`-keyed dict.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_dict_del_int(d: *mut MjDict, k: i64) -> i64 {
    unsafe { (*d).del(k) as i64 }
}

/// # Safety
/// `d` must be a valid `String`-keyed dict and `k` a valid `MjStr`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_dict_del_str(d: *mut MjDict, k: *const MjStr) -> i64 {
    unsafe { (*d).del(k as i64) as i64 }
}

/// # Safety
/// `d` must be a valid dict.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_dict_slots(d: *mut MjDict) -> i64 {
    unsafe { (*d).entries.len() as i64 }
}

/// # Safety
/// `d` must be a valid dict.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_dict_alive(d: *mut MjDict, slot: i64) -> i64 {
    unsafe { (*d).entry(slot).is_some_and(|e| e.alive) as i64 }
}

/// # Safety
/// `d` must be a valid `Int`-keyed dict.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_dict_key_int(d: *mut MjDict, slot: i64) -> i64 {
    unsafe { (*d).entry(slot).map_or(0, |e| e.key) }
}

/// # Safety
/// `d` must be a valid `String`-keyed dict.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_dict_key_str(d: *mut MjDict, slot: i64) -> *const MjStr {
    unsafe {
        (*d).entry(slot)
            .map_or(std::ptr::null(), |e| e.key as *const MjStr)
    }
}

/// # Safety
/// `d` must be a valid dict.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_dict_val(d: *mut MjDict, slot: i64) -> *mut u8 {
    let d = unsafe { &*d };
    match d.entry(slot) {
        Some(_) => d.value_ptr(slot as usize),
        None => std::ptr::null_mut(),
    }
}

/// # Safety
/// `d` must be a valid dict.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_dict_copy(d: *mut MjDict) -> *mut MjDict {
    let mut c = unsafe { (*d).clone() };
    c.rc = 1;
    unsafe { c.retain_all() };
    Box::into_raw(Box::new(c))
}

/// # Safety
/// `d` must be a valid dict.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_dict_clear(d: *mut MjDict) {
    unsafe { (*d).clear() }
}
