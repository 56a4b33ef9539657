//! The lang-item table: which library item (mj code under `stdlib/`) backs a language
//! construct or a built-in. The checker finds these items by role, through this table, and
//! checks calls of their methods like any user code; it names no runtime symbol for them.
//!
//! Each entry names the module and the public name of the item. A module listed here is
//! loaded only when the program needs it (a prelude module on demand, see `db::imports`, or
//! through an ordinary import); `lang_struct` answers `None` when it is not loaded.

use crate::check::{Ctx, Item};

/// A role that a library item plays for the compiler.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum LangItem {
    /// `Optional[T]`: the result of `Dict.get(key)`; `opt.value()`/`opt.take()` on a
    /// place check emptiness at the call (`check/builtins/optional.rs`).
    Optional,
    /// `List[T]` written in mj (`std.collections.list`). Not yet the type of list
    /// literals and of `List[T]()`, which are still the compiler's built-in list.
    List,
    /// `Slice`: the value of `a:b:c` in `obj[a:b:c]` on a struct, passed to its
    /// `__getitem__(self, s: Slice)` overload (`SLICE_GETITEM`).
    Slice,
    /// `Dict[K, V]` written in mj (`std.collections.dict`): the type of dict literals.
    Dict,
    /// `Set[T]` written in mj (`std.collections.set`): the type of set literals and set
    /// comprehensions (loaded on demand for them, see `db::imports`).
    Set,
}

/// The method key of a struct's `__getitem__` overload that takes a `Slice` (the other
/// `__getitem__` keeps its own name).
pub const SLICE_GETITEM: &str = "__getitem__#slice";

/// Where a lang item lives.
pub struct LangItemDef {
    pub item: LangItem,
    /// The dotted module name (`std.collections.optional`).
    pub module: &'static str,
    /// The item's name in that module.
    pub name: &'static str,
}

/// Every lang item, one entry per role.
pub const LANG_ITEMS: &[LangItemDef] = &[
    LangItemDef {
        item: LangItem::Optional,
        module: "std.collections.optional",
        name: "Optional",
    },
    LangItemDef {
        item: LangItem::List,
        module: "std.collections.list",
        name: "List",
    },
    LangItemDef {
        item: LangItem::Dict,
        module: "std.collections.dict",
        name: "Dict",
    },
    LangItemDef {
        item: LangItem::Set,
        module: "std.collections.set",
        name: "Set",
    },
    LangItemDef {
        item: LangItem::Slice,
        module: "std.builtin.builtin_slice",
        name: "Slice",
    },
];

/// The table entry of `item`.
pub fn lang_item_def(item: LangItem) -> &'static LangItemDef {
    LANG_ITEMS
        .iter()
        .find(|d| d.item == item)
        .expect("every LangItem has an entry in LANG_ITEMS")
}

/// The struct that plays `item` in this program, if its module is loaded.
pub(crate) fn lang_struct(cx: &Ctx, item: LangItem) -> Option<u32> {
    let def = lang_item_def(item);
    let md = cx.modules.iter().find(|md| md.input.name == def.module)?;
    match md.scope.get(def.name) {
        Some(Item::Struct(s)) => Some(*s),
        _ => None,
    }
}

/// The module whose functions are methods of the built-in `String`: each takes
/// `self: String` first (`def split(self: String, sep: String) -> List[String]`), and
/// `s.split(",")` calls it. Loaded when a program mentions one of them (`db::imports`).
pub const STRING_METHODS: &str = "std.collections.string";

/// The module of the functions the compiler calls to print, compare and search an
/// `InlineArray` (`_array_text`, `_array_eq`, `_array_contains`).
pub const ARRAY_FUNCTIONS: &str = "std.collections.inline_array";

/// The methods `std.collections.string` defines: a call `.name(` of one of them in a file
/// loads the module (`imports::mentions_string_methods`; a unit test keeps this list and
/// the module's functions the same).
pub const STRING_METHOD_NAMES: &[&str] = &[
    "split",
    "splitlines",
    "join",
    "strip",
    "lstrip",
    "rstrip",
    "upper",
    "lower",
    "find",
    "rfind",
    "count",
    "__contains__",
    "replace",
    "startswith",
    "endswith",
    "removeprefix",
    "removesuffix",
    "isdigit",
    "isalpha",
    "isspace",
    "isupper",
    "islower",
    "isalnum",
    "is_ascii_digit",
    "is_ascii_printable",
    "ascii_ljust",
    "ascii_rjust",
    "ascii_center",
    "ljust",
    "rjust",
    "center",
    "byte_length",
    "count_codepoints",
    "codepoint_slices",
    "format",
    "as_string_slice",
    "codepoints",
];

/// The module whose functions are methods of the built-in SIMD vectors and numeric
/// scalars (`def clamp[dtype: DType, width: Int, //](self: SIMD[dtype, width], ...)`),
/// looked up after the compiler's own SIMD methods. Loaded as [`STRING_METHODS`] is.
pub const SIMD_METHODS: &str = "std.builtin.simd_methods";

/// The methods `std.builtin.simd_methods` defines.
pub const SIMD_METHOD_NAMES: &[&str] = &[
    "clamp",
    "reversed",
    "rotate_left",
    "rotate_right",
    "shift_left",
    "shift_right",
    "split",
    "interleave",
    "deinterleave",
    "reduce_bit_count",
    "is_power_of_two",
    "__pow__",
];

/// The mj function that implements the SIMD method `name`, if its module is loaded.
pub(crate) fn simd_method(cx: &Ctx, name: &str) -> Option<crate::tir::FnId> {
    method_of_module(cx, SIMD_METHODS, name)
}

/// The mj function that implements `String.<name>`, if its module is loaded.
pub(crate) fn string_method(cx: &Ctx, name: &str) -> Option<crate::tir::FnId> {
    method_of_module(cx, STRING_METHODS, name)
}

/// The function `name` of `module` (a module of methods of a built-in type) when it is
/// one of its methods: its first parameter is `self`, the receiver.
fn method_of_module(cx: &Ctx, module: &str, name: &str) -> Option<crate::tir::FnId> {
    function_of_module(cx, module, name).filter(|f| takes_self(cx, *f))
}

/// The module-level function `name` of library module `module`, if that module is loaded.
pub(crate) fn function_of_module(cx: &Ctx, module: &str, name: &str) -> Option<crate::tir::FnId> {
    let md = cx.modules.iter().find(|md| md.input.name == module)?;
    match md.scope.get(name) {
        Some(Item::Func(f)) => Some(*f),
        _ => None,
    }
}

fn takes_self(cx: &Ctx, f: crate::tir::FnId) -> bool {
    let fd = &cx.funcs[f.0 as usize];
    fd.sig.params.first().is_some_and(|p| p.name == "self")
}

/// Whether function `f` is a method of the built-in `String`: a function of
/// [`STRING_METHODS`] whose first parameter is `self` (its receiver).
pub(crate) fn is_string_method(cx: &Ctx, f: crate::tir::FnId) -> bool {
    let fd = &cx.funcs[f.0 as usize];
    cx.modules[fd.module].input.name == STRING_METHODS && takes_self(cx, f)
}

/// The element type of the library's `List[T]`.
pub(crate) fn list_elem(cx: &Ctx, t: &crate::ty::Ty) -> Option<crate::ty::Ty> {
    use crate::ty::{CtArg, Ty};
    match t {
        Ty::Struct(s, a) if Some(*s) == lang_struct(cx, LangItem::List) => match a.first() {
            Some(CtArg::Type(e)) => Some(e.clone()),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_method_names_match_the_module() {
        let src = include_str!("../../../stdlib/std/collections/string.mj");
        let mut defined: Vec<&str> = src
            .lines()
            .filter_map(|l| l.strip_prefix("def "))
            .filter(|l| l.contains("(self: String"))
            .map(|l| l.split(['(', '[']).next().unwrap_or(""))
            .filter(|n| !n.starts_with('_') || n.starts_with("__"))
            .collect();
        defined.sort();
        defined.dedup();
        let mut listed = STRING_METHOD_NAMES.to_vec();
        listed.sort();
        assert_eq!(defined, listed);
    }

    #[test]
    fn simd_method_names_match_the_module() {
        let src = include_str!("../../../stdlib/std/builtin/simd_methods.mj");
        let mut defined: Vec<&str> = src
            .lines()
            .filter_map(|l| l.strip_prefix("def "))
            .map(|l| l.split(['(', '[']).next().unwrap_or(""))
            .collect();
        defined.sort();
        let mut listed = SIMD_METHOD_NAMES.to_vec();
        listed.sort();
        assert_eq!(defined, listed);
    }

    #[test]
    fn every_item_has_one_entry() {
        for item in [
            LangItem::Optional,
            LangItem::List,
            LangItem::Slice,
            LangItem::Dict,
            LangItem::Set,
        ] {
            assert_eq!(LANG_ITEMS.iter().filter(|d| d.item == item).count(), 1);
            assert_eq!(lang_item_def(item).item, item);
        }
    }
}
