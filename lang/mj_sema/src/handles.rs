//! Reference-counted runtime handles (`String`, `Error`): which types are
//! handles, and whether an expression's value is a reference of its own.
//!
//! Shared by the checker (`check/ownership.rs` inserts retains where a handle is copied
//! into an owner) and the lowering (`mj_lower/src/handles.rs` releases owned temporaries
//! passed to runtime functions and retains borrowed values put into aggregates). Both must
//! agree on [`ownership`], so it lives here.
//!
//! The rule that keeps this safe: an expression is [`Own::Owned`] only when its value is
//! certainly a new reference (a call's result, a move, a fresh aggregate). Everything else
//! counts as borrowed, so a doubtful case costs a retain (at worst a leak), never a
//! release too many.

use crate::rt::Rt;
use crate::tir::{Callee, TExpr, TExprKind as K};
use crate::ty::Ty;

/// Whether values of this type are runtime handles with a reference count.
pub fn is_handle(t: &Ty) -> bool {
    matches!(t, Ty::Str | Ty::Error)
}

/// The runtime operation that adds a reference to a handle of this type (returns it).
pub fn retain_fn(t: &Ty) -> Option<Rt> {
    match t {
        Ty::Str | Ty::Error => Some(Rt::StrRetain),
        _ => None,
    }
}

/// The runtime operation that drops a reference to a handle of this type.
pub fn release_fn(t: &Ty) -> Option<Rt> {
    match t {
        Ty::Str | Ty::Error => Some(Rt::StrRelease),
        _ => None,
    }
}

/// Runtime functions whose handle result points into an argument (not a new reference).
const BORROWED_RESULTS: &[&str] = &[];

/// Whether a runtime function's handle result is a new reference.
pub fn extern_result_owned(name: &str) -> bool {
    !BORROWED_RESULTS.contains(&name)
}

/// Whose reference an expression's value is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Own {
    /// A new reference the consumer must take over or release.
    Owned,
    /// A view of a value someone else owns (a place, a dict key): retain to keep it.
    Borrowed,
    /// An immortal value (a literal, a null handle): neither retained nor released.
    Static,
}

/// Whose reference the value of `e` is (see the module comment).
pub fn ownership(e: &TExpr) -> Own {
    match &e.kind {
        K::Str(_) | K::Null => Own::Static,
        K::Move(_) | K::Construct(..) | K::ConstructInst(..) | K::Aggregate(_) => Own::Owned,
        // Every runtime operation's handle result is a new reference.
        K::Call(Callee::Runtime(_), _) => Own::Owned,
        K::Call(Callee::Extern(n), _) => {
            if extern_result_owned(n) {
                Own::Owned
            } else {
                Own::Borrowed
            }
        }
        K::Call(Callee::Intrinsic(_), _) => Own::Borrowed,
        K::Call(..) => Own::Owned,
        K::Seq(_, v) => ownership(v),
        K::IfExp(_, a, b) => match (ownership(a), ownership(b)) {
            (Own::Borrowed, _) | (_, Own::Borrowed) => Own::Borrowed,
            (Own::Static, Own::Static) => Own::Static,
            _ => Own::Owned,
        },
        _ => Own::Borrowed,
    }
}
