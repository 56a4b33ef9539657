//! The item tables of [`Ctx`](super::Ctx), with a record of what a body's check reads.
//!
//! A body's check reads the program's items (signatures, structs, traits, module scopes)
//! through these tables only. While [`Reads::record`] is on (the editor database's
//! `infer`), each row, name and count read is noted; the database then makes the body
//! depend on those parts of the items alone (`db::items_part`), so an edit that changes an
//! item re-checks the bodies that read it, not every body (as rust-analyzer's and ty's
//! per-item queries). Writing needs no record: the tables are written only while the
//! items are collected, before any body is checked.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::ops::{Index, IndexMut};

/// Which table a row belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Func,
    Struct,
    Trait,
    StructName,
}

/// One part of the items a body's check read.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Part {
    /// Row `i` of a table (absent rows included: a row read as missing is a part too).
    Row(Kind, u32),
    /// The number of rows of a table.
    Len(Kind),
    /// Every row of a table (a walk over all of them).
    All(Kind),
    /// What `name` means at the top of module `m` (absent included).
    Name(u32, String),
    /// Every name of module `m`'s scope (a walk, or a did-you-mean over them).
    Scope(u32),
    /// The item tree of module `m`.
    Tree(u32),
    /// Whether collecting the items found an error.
    ItemErrors,
}

#[derive(Default)]
struct Record {
    parts: HashSet<Part>,
    /// `Name` parts by module, so that a name already noted costs no allocation.
    names: HashMap<u32, HashSet<String>>,
}

thread_local! {
    /// The records of the checks running on this thread, innermost last.
    static READS: RefCell<Vec<Record>> = const { RefCell::new(Vec::new()) };
}

/// Notes a read, when a record is on.
fn note(part: impl FnOnce() -> Part) {
    READS.with(|r| {
        if let Some(rec) = r.borrow_mut().last_mut() {
            rec.parts.insert(part());
        }
    });
}

fn note_name(m: u32, name: &str) {
    READS.with(|r| {
        if let Some(rec) = r.borrow_mut().last_mut() {
            let set = rec.names.entry(m).or_default();
            if !set.contains(name) {
                set.insert(name.to_string());
            }
        }
    });
}

/// Notes a read of module `m`'s item tree.
pub(crate) fn note_tree(m: usize) {
    note(|| Part::Tree(m as u32));
}

/// Notes a read of whether the items have errors.
pub(crate) fn note_item_errors() {
    note(|| Part::ItemErrors);
}

/// A record of reads, on from `record` until `finish`.
pub struct Reads {
    done: bool,
}

impl Reads {
    pub fn record() -> Reads {
        READS.with(|r| r.borrow_mut().push(Record::default()));
        Reads { done: false }
    }

    /// The parts read since `record`, in a stable order. (A record inside another one
    /// counts for the outer one too.)
    pub fn finish(mut self) -> Vec<Part> {
        self.done = true;
        let rec = READS.with(|r| r.borrow_mut().pop()).unwrap_or_default();
        let mut parts: Vec<Part> = rec.parts.into_iter().collect();
        for (m, names) in rec.names {
            parts.extend(names.into_iter().map(|n| Part::Name(m, n)));
        }
        READS.with(|r| {
            if let Some(outer) = r.borrow_mut().last_mut() {
                outer.parts.extend(parts.iter().cloned());
            }
        });
        parts.sort();
        parts
    }
}

impl Drop for Reads {
    fn drop(&mut self) {
        if !self.done {
            READS.with(|r| r.borrow_mut().pop());
        }
    }
}

/// A table of items (functions, structs, traits) indexed by id; reads are noted.
#[derive(Debug, PartialEq)]
pub struct Table<T> {
    kind: Kind,
    rows: Vec<T>,
}

impl<T> Table<T> {
    pub fn new(kind: Kind) -> Table<T> {
        Table {
            kind,
            rows: Vec::new(),
        }
    }

    pub fn get(&self, i: usize) -> Option<&T> {
        note(|| Part::Row(self.kind, i as u32));
        self.rows.get(i)
    }

    pub fn get_mut(&mut self, i: usize) -> Option<&mut T> {
        self.rows.get_mut(i)
    }

    pub fn len(&self) -> usize {
        note(|| Part::Len(self.kind));
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        note(|| Part::All(self.kind));
        self.rows.iter()
    }

    /// Every row, as a slice (a read of them all).
    pub fn as_slice(&self) -> &[T] {
        note(|| Part::All(self.kind));
        &self.rows
    }

    pub fn push(&mut self, row: T) {
        self.rows.push(row);
    }

    /// The rows, unnoted: for the database's parts only.
    pub(crate) fn rows(&self) -> &[T] {
        &self.rows
    }
}

impl<T> Index<usize> for Table<T> {
    type Output = T;
    fn index(&self, i: usize) -> &T {
        note(|| Part::Row(self.kind, i as u32));
        &self.rows[i]
    }
}

impl<T> IndexMut<usize> for Table<T> {
    fn index_mut(&mut self, i: usize) -> &mut T {
        &mut self.rows[i]
    }
}

impl<'a, T> IntoIterator for &'a Table<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// The names at the top of one module; reads are noted.
#[derive(Debug, PartialEq)]
pub struct Scope<V> {
    module: u32,
    names: HashMap<String, V>,
}

impl<V> Scope<V> {
    pub fn new(module: usize) -> Scope<V> {
        Scope {
            module: module as u32,
            names: HashMap::new(),
        }
    }

    pub fn get(&self, name: &str) -> Option<&V> {
        note_name(self.module, name);
        self.names.get(name)
    }

    pub fn contains_key(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    pub fn insert(&mut self, name: String, v: V) -> Option<V> {
        self.names.insert(name, v)
    }

    pub fn entry(&mut self, name: String) -> std::collections::hash_map::Entry<'_, String, V> {
        self.names.entry(name)
    }

    pub fn keys(&self) -> std::collections::hash_map::Keys<'_, String, V> {
        note(|| Part::Scope(self.module));
        self.names.keys()
    }

    pub fn values(&self) -> std::collections::hash_map::Values<'_, String, V> {
        note(|| Part::Scope(self.module));
        self.names.values()
    }

    pub fn iter(&self) -> std::collections::hash_map::Iter<'_, String, V> {
        note(|| Part::Scope(self.module));
        self.names.iter()
    }

    /// The names, unnoted: for the database's parts only.
    pub(crate) fn all(&self) -> &HashMap<String, V> {
        &self.names
    }
}

impl<'a, V> IntoIterator for &'a Scope<V> {
    type Item = (&'a String, &'a V);
    type IntoIter = std::collections::hash_map::Iter<'a, String, V>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}
