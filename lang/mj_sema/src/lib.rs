//! The mj semantic layer: the salsa database, name resolution, type checking and the
//! typed IR handed to the compiler. Pure: files come in through the database.

pub mod check;
pub mod db;
pub mod handles;
pub mod ide;
pub mod imports;
pub mod lang_items;
pub mod rt;
pub mod suggest;
pub mod tir;
pub mod ty;
pub mod workspace;

/// Library modules loaded into every program, whose public names every module sees
/// without an import (as Mojo's prelude makes `Optional` visible everywhere).
pub const PRELUDE_MODULES: &[&str] = &[
    "std.collections.optional",
    "std.iter",
    "std.builtin.builtin_slice",
    "std.hashlib.hash",
    "std.collections.dict",
    "std.collections.set",
    "std.collections.list",
    "std.builtin.range",
    "std.collections.string",
    "std.builtin.simd_methods",
    "std.builtin.sort",
    "std.builtin.bool",
    "std.collections.inline_array",
];
/// The names the prelude modules export to every module.
pub const PRELUDE_NAMES: &[&str] = &[
    "Optional",
    "zip",
    "Iterator",
    "Iterable",
    "IterableOwned",
    "StopIteration",
    "iter",
    "next",
    "Slice",
    "Hashable",
    "Hasher",
    "hash",
    "default_hasher",
    "Dict",
    "KeyElement",
    "DictEntry",
    "List",
    "range",
    "Codepoint",
    "partition",
    "all",
    "any",
];
