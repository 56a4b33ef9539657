//! Function ids kept by name, for the editor.
//!
//! Function ids are indexes into the program's function table. Numbered in declaration
//! order, a function inserted in the middle of the main module would renumber every one
//! after it, and their bodies (which hold the ids they call and read the rows of the
//! ids they use) would be checked again. With stable ids (`db::Program::stable_ids`, the
//! language server's programs) the main module's functions take ids in a block of its
//! own where a hash of each one's name puts it (its struct's or trait's name, its own,
//! its order among functions of that name), so an insertion moves no other id. The
//! block's free ids are holes: rows that no name reaches and that `bodies` skips. The
//! imported modules are numbered in order (they come first; an edit of the main module
//! leaves them as they were). Lowering reads dense ids, so `mj run` and `mj build` do
//! not use these.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use mj_syntax::ast::{self, DefKeyword, FnDef, StmtKind};

use super::{Ctx, FuncData, Sig};
use crate::ty::Ty;

/// The id block of one module.
#[derive(Debug, PartialEq)]
pub(crate) struct FnSlots {
    module: usize,
    base: u32,
    used: Vec<bool>,
    /// How many functions of each key took an id so far.
    seen: HashMap<u64, u64>,
}

impl FnSlots {
    /// The id for the next function named by `key` (`key_of`), or None where the block is
    /// full (the function then takes the next id after the table).
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

/// A 64-bit finalizer (splitmix64): spreads a hash over the block.
pub(crate) fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d049bb133111eb);
    x ^ (x >> 31)
}

/// What names a function for its id: its container's name (a struct's or a trait's, or
/// `""`) and its own, and whether it is a synthesized constructor.
pub(crate) fn key_of(container: &str, name: &str, synthesized: bool) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    (container, name, synthesized).hash(&mut h);
    h.finish()
}

/// Opens the id block of module `m` (before its functions are declared): sixteen ids per
/// function its tree declares (a struct may gain a synthesized constructor), at least
/// 256. (A function inserted takes the id of one declared after it when their hashes
/// meet: the fewer taken, the rarer.)
pub(crate) fn open(cx: &mut Ctx, m: usize) {
    let tree = cx.modules[m].input.ast.clone();
    let defs = |body: &[ast::Stmt]| {
        body.iter()
            .filter(|s| matches!(s.kind, StmtKind::Def(_)))
            .count()
    };
    let count: usize = tree
        .body
        .iter()
        .map(|s| match &s.kind {
            StmtKind::Def(_) => 1,
            StmtKind::Struct(sd) => 1 + defs(&sd.body),
            StmtKind::Trait(td) => defs(&td.body),
            _ => 0,
        })
        .sum();
    let cap = (16 * count).max(256).next_power_of_two();
    let base = cx.funcs.len() as u32;
    let hole = hole();
    for _ in 0..cap {
        cx.funcs.push(FuncData {
            module: m,
            ..hole.clone()
        });
    }
    cx.fn_slots = Some(FnSlots {
        module: m,
        base,
        used: vec![false; cap],
        seen: HashMap::new(),
    });
}

/// Adds function `f` to the table, at its stable id where its module has a block.
pub(crate) fn add(cx: &mut Ctx, key: u64, f: FuncData) -> crate::tir::FnId {
    let at = match &mut cx.fn_slots {
        Some(slots) if slots.module == f.module => slots.take(key),
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

/// A free id's row: no name reaches it, and it is not in `Ctx::fn_order` (walks over the
/// functions go by that); it reads as a required method (no body, no code) where a walk
/// over every row meets it.
fn hole() -> FuncData {
    let name = ast::Ident {
        name: String::new(),
        span: mj_syntax::Span::default(),
    };
    FuncData {
        mangled: String::new(),
        module: 0,
        def: Arc::new(FnDef {
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
            span: mj_syntax::Span::default(),
        }),
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
