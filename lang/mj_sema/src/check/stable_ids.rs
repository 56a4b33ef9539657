//! Function and struct ids kept by name, for the editor.
//!
//! Function and struct ids are indexes into the program's tables. Numbered in
//! declaration order, a function or struct inserted in the middle of the main module
//! would renumber every one after it, and the bodies that hold those ids (the functions
//! they call, the types they use) and read their rows would be checked again. With stable
//! ids (`db::Program::stable_ids`, the language server's programs) the main module's
//! functions and structs take ids in blocks of their own, where a hash of each one's name
//! puts it (for a method its struct's or trait's name too; items of one name by their
//! order), so an insertion moves no other id. A block's free ids are holes: rows that no
//! name reaches and that the walks in declaration order (`Ctx::fn_order`,
//! `Ctx::struct_order`) leave out. The imported modules are numbered in order (they come
//! first; an edit of the main module leaves them as they were). Lowering reads dense ids,
//! so `mj run`, `build` and `check` do not use these. Trait ids are still in order.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use mj_syntax::ast::{self, DefKeyword, FnDef, StmtKind};

use super::{Ctx, FuncData, Sig, StructData};
use crate::ty::Ty;

/// The id block of one module in one table.
#[derive(Debug, PartialEq)]
pub(crate) struct Block {
    module: usize,
    base: u32,
    used: Vec<bool>,
    /// How many items of each key took an id so far.
    seen: HashMap<u64, u64>,
}

impl Block {
    /// A block of ids from `base`: sixteen per item the module declares, at least `least`.
    /// (An item inserted takes the id of one declared after it when their hashes meet:
    /// the fewer taken, the rarer. The block's size changes, and every id with it, only
    /// when the count crosses a power of two above `least / 16`.)
    fn new(module: usize, base: usize, count: usize, least: usize) -> Block {
        let cap = (16 * count).max(least).next_power_of_two();
        Block {
            module,
            base: base as u32,
            used: vec![false; cap],
            seen: HashMap::new(),
        }
    }

    /// The id for the next item named by `key`, or None where the block is full (the
    /// item then takes the next id after the table).
    fn take(&mut self, key: u64) -> Option<u32> {
        let nth = self.seen.entry(key).or_insert(0);
        *nth += 1;
        let cap = self.used.len();
        let start = (mix(key ^ *nth) as usize) % cap;
        let free = (0..cap)
            .map(|i| (start + i) % cap)
            .find(|&i| !self.used[i])?;
        self.used[free] = true;
        Some(self.base + free as u32)
    }
}

/// A 64-bit finalizer (splitmix64): spreads a hash over a block of ids (or of places,
/// `db::place_slots`).
pub(crate) fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d049bb133111eb);
    x ^ (x >> 31)
}

/// What names an item for its id: its container's name (a struct's or a trait's, or
/// `""`), its own, and what it is (a struct, a synthesized constructor, a function).
pub(crate) fn key_of(container: &str, name: &str, what: u8) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    (container, name, what).hash(&mut h);
    h.finish()
}

/// A function's key (`key_of`).
pub(crate) const FUNCTION: u8 = 0;
/// A synthesized `@fieldwise_init` constructor's key.
pub(crate) const SYNTHESIZED: u8 = 1;
/// A struct's key.
pub(crate) const STRUCT: u8 = 2;

/// Opens the id blocks of module `m` (before its items are declared).
pub(crate) fn open(cx: &mut Ctx, m: usize) {
    let tree = cx.modules[m].input.ast.clone();
    let defs = |body: &[ast::Stmt]| {
        body.iter()
            .filter(|s| matches!(s.kind, StmtKind::Def(_)))
            .count()
    };
    // (A struct may gain a synthesized constructor.)
    let (mut functions, mut structs) = (0, 0);
    for s in &tree.body {
        match &s.kind {
            StmtKind::Def(_) => functions += 1,
            StmtKind::Struct(sd) => {
                functions += 1 + defs(&sd.body);
                structs += 1;
            }
            StmtKind::Trait(td) => functions += defs(&td.body),
            _ => {}
        }
    }
    let block = Block::new(m, cx.funcs.len(), functions, 4096);
    let hole = hole_function();
    for _ in 0..block.used.len() {
        cx.funcs.push(FuncData {
            module: m,
            ..hole.clone()
        });
    }
    cx.fn_slots = Some(block);
    let block = Block::new(m, cx.structs.len(), structs, 512);
    for _ in 0..block.used.len() {
        cx.structs.push(hole_struct(m));
        cx.struct_names.push(String::new());
    }
    cx.struct_slots = Some(block);
}

/// Closes the blocks once the items are collected (ids are handed out no more).
pub(crate) fn close(cx: &mut Ctx) {
    cx.fn_slots = None;
    cx.struct_slots = None;
}

/// Adds function `f` to the table, at its stable id where its module has a block.
pub(crate) fn add(cx: &mut Ctx, key: u64, f: FuncData) -> crate::tir::FnId {
    let at = match &mut cx.fn_slots {
        Some(block) if block.module == f.module => block.take(key),
        _ => None,
    };
    let id = match at.and_then(|i| Some((i, cx.funcs.get_mut(i as usize)?))) {
        Some((i, row)) => {
            *row = f;
            i
        }
        None => {
            cx.funcs.push(f);
            cx.funcs.len() as u32 - 1
        }
    };
    cx.fn_order.push(id);
    crate::tir::FnId(id)
}

/// Adds struct `s` (named `name` where the user reads it) to the tables, at its stable id
/// where its module has a block.
pub(crate) fn add_struct(cx: &mut Ctx, key: u64, s: StructData, name: String) -> u32 {
    let at = match &mut cx.struct_slots {
        Some(block) if block.module == s.module => block.take(key),
        _ => None,
    };
    let id = match at.filter(|i| (*i as usize) < cx.structs.len()) {
        Some(i) => {
            if let Some(row) = cx.structs.get_mut(i as usize) {
                *row = s;
            }
            if let Some(row) = cx.struct_names.get_mut(i as usize) {
                *row = name;
            }
            i
        }
        None => {
            cx.structs.push(s);
            cx.struct_names.push(name);
            cx.structs.len() as u32 - 1
        }
    };
    cx.struct_order.push(id);
    id
}

/// A free function id's row: no name reaches it; it reads as a required method (no body,
/// no code) where a walk over every row meets it.
fn hole_function() -> FuncData {
    let name = ast::Ident {
        name: String::new(),
        span: mj_syntax::Span::default(),
    };
    FuncData {
        mangled: String::new(),
        module: 0,
        def: Arc::new(empty_def(name, mj_syntax::Span::default())),
        owner: None,
        sig: Sig {
            params: Vec::new(),
            ret: Ty::Unit,
            raises: false,
            raises_ty: None,
            has_self: false,
        },
        fieldwise: false,
        loc: None,
        export: false,
        inline: None,
        generics: Vec::new(),
        trait_owner: None,
        required: true,
        late: Vec::new(),
        auto_types: Vec::new(),
        overloads: Vec::new(),
    }
}

/// A free struct id's row: an empty struct no name reaches.
fn hole_struct(m: usize) -> StructData {
    StructData {
        name: String::new(),
        module: m,
        fields: Vec::new(),
        methods: HashMap::new(),
        consts: HashMap::new(),
        span: mj_syntax::Span::default(),
        params: Vec::new(),
        traits: Vec::new(),
        cond_traits: Vec::new(),
        trait_names: Vec::new(),
        late_consts: Vec::new(),
        late_fields: Vec::new(),
        materialize: None,
        declared: Vec::new(),
    }
}

/// A definition with no parameters and no body (a synthesized function's, a free id's).
pub(crate) fn empty_def(name: ast::Ident, span: mj_syntax::Span) -> FnDef {
    FnDef {
        decorators: Vec::new(),
        keyword: DefKeyword::Def,
        name,
        params: Vec::new(),
        args: Vec::new(),
        raises: false,
        raises_ty: None,
        ret: None,
        where_clause: None,
        ret_ref: false,
        captures: None,
        fn_value_args: Vec::new(),
        docstring: None,
        body: Vec::new(),
        span,
    }
}
