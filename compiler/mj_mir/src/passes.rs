//! Small clean-up passes over MIR.

use crate::{BlockId, Function, Terminator};

fn successors(t: &Terminator) -> Vec<BlockId> {
    match t {
        Terminator::Goto(b) => vec![*b],
        Terminator::Branch {
            then_bb, else_bb, ..
        } => vec![*then_bb, *else_bb],
        Terminator::Switch {
            cases, otherwise, ..
        } => {
            let mut v: Vec<BlockId> = cases.iter().map(|(_, b)| *b).collect();
            v.push(*otherwise);
            v
        }
        Terminator::TryCall { next, on_error, .. } => vec![*next, *on_error],
        Terminator::Return(_)
        | Terminator::Raise(_)
        | Terminator::Abort { .. }
        | Terminator::Unreachable => Vec::new(),
    }
}

fn remap(t: &mut Terminator, map: &[u32]) {
    let f = |b: &mut BlockId| b.0 = map[b.0 as usize];
    match t {
        Terminator::Goto(b) => f(b),
        Terminator::Branch {
            then_bb, else_bb, ..
        } => {
            f(then_bb);
            f(else_bb);
        }
        Terminator::Switch {
            cases, otherwise, ..
        } => {
            for (_, b) in cases {
                f(b);
            }
            f(otherwise);
        }
        Terminator::TryCall { next, on_error, .. } => {
            f(next);
            f(on_error);
        }
        Terminator::Return(_)
        | Terminator::Raise(_)
        | Terminator::Abort { .. }
        | Terminator::Unreachable => {}
    }
}

/// Removes blocks that cannot be reached from the entry block and renumbers the rest in
/// their original order. The lowering leaves such blocks after `return`, `break` and
/// similar; dropping them keeps the MIR readable and the LLVM module small.
pub fn remove_unreachable_blocks(f: &mut Function) {
    let n = f.blocks.len();
    if n == 0 {
        return;
    }
    let mut live = vec![false; n];
    let mut stack = vec![0usize];
    while let Some(b) = stack.pop() {
        if b >= n || live[b] {
            continue;
        }
        live[b] = true;
        stack.extend(
            successors(&f.blocks[b].term)
                .into_iter()
                .map(|s| s.0 as usize),
        );
    }
    let mut map = vec![u32::MAX; n];
    let mut next = 0;
    for (i, l) in live.iter().enumerate() {
        if *l {
            map[i] = next;
            next += 1;
        }
    }
    let old = std::mem::take(&mut f.blocks);
    for (i, mut b) in old.into_iter().enumerate() {
        if live[i] {
            remap(&mut b.term, &map);
            f.blocks.push(b);
        }
    }
}
