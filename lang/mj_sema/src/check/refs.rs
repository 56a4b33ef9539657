//! References: `ref x = place` (a local that aliases a place), `-> ref[origin] T`
//! results (the function returns the address of a place; each call reads or writes
//! through it), and initializer lists `{count = 4}` (the expected type's constructor).
//!
//! A reference is a `Ty::Ptr(T)` underneath: a reference local is one of the
//! `ref_locals` (reads and writes of its name go through the address), and a call whose
//! signature returns `Ty::Ptr(T)` is dereferenced where it is used. Origins are parsed
//! and not kept: exclusivity is not checked.

use mj_syntax::ast::{Arg, Expr, Ident};
use mj_syntax::{Diag, Span};

use super::body::FnCx;
use super::expr::is_place;
use super::{E_MISMATCH, E_UNKNOWN_TYPE};
use crate::tir::{TExpr, TExprKind as K, TStmt};
use crate::ty::Ty;

/// The local a place is rooted in, if the place lives in a local's own storage (not
/// behind a pointer or in a collection's heap memory).
fn storage_root(e: &TExpr) -> Option<crate::tir::LocalId> {
    match &e.kind {
        K::Local(l) => Some(*l),
        K::Field(b, _) => storage_root(b),
        K::Seq(_, v) => storage_root(v),
        _ => None,
    }
}

impl FnCx<'_> {
    /// `ref name = value`: binds `name` to the place `value` (a temporary gets a slot of
    /// its own that lives to the end of the function).
    pub(crate) fn ref_binding(&mut self, name: &Ident, value: &Expr, out: &mut Vec<TStmt>) {
        let line = self.line(value.span);
        let v = self.expr(value, None);
        if v.ty.is_unknown() {
            let l = self.new_local(&name.name, Ty::Unknown, false);
            self.scopes
                .last_mut()
                .map(|sc| sc.insert(name.name.clone(), l));
            return;
        }
        let place = if is_place(&v) {
            v
        } else {
            // A temporary lives as long as the reference: it becomes a hidden variable,
            // destroyed at the end of the scope like one.
            let ty = v.ty.clone();
            let vspan = value.span;
            let v = self.owned_value(v, vspan);
            let l = self.new_local("", ty.clone(), false);
            self.own_local(l, false);
            let slot = TExpr::new(K::Local(l), ty, line);
            out.push(TStmt::Assign(slot.clone(), v));
            slot
        };
        let ty = place.ty.clone();
        let ptr_ty = Ty::Ptr(Box::new(ty));
        let l = self.new_local(&name.name, ptr_ty.clone(), false);
        self.ref_locals.insert(l);
        let addr = TExpr::new(K::AddrOf(Box::new(place)), ptr_ty.clone(), line);
        out.push(TStmt::Assign(TExpr::new(K::Local(l), ptr_ty, line), addr));
        self.scopes
            .last_mut()
            .map(|sc| sc.insert(name.name.clone(), l));
    }

    /// `return place` in a function declared `-> ref[...] T`: the place's address.
    pub(crate) fn returned_ref(&mut self, e: &Expr, t: &Ty) -> TExpr {
        let line = self.line(e.span);
        let v = self.expr(e, Some(t));
        if v.ty.is_unknown() || t.is_unknown() {
            return self.unknown(line);
        }
        if v.ty != *t {
            let msg = format!(
                "this function returns a reference to `{}`, found `{}`",
                self.ty_name(t),
                self.ty_name(&v.ty)
            );
            self.error(Diag::error(E_MISMATCH, msg, e.span));
            return self.unknown(line);
        }
        let local_storage = storage_root(&v).is_some_and(|l| {
            let local = &self.locals[l.0 as usize];
            !local.by_ref && !self.ref_locals.contains(&l)
        });
        if !is_place(&v) || local_storage {
            let what = if is_place(&v) {
                "a value that lives in this function (a local variable or an argument passed by value)"
            } else {
                "a temporary value"
            };
            self.error(
                Diag::error(
                    E_MISMATCH,
                    format!("a `ref` result cannot refer to {what}"),
                    e.span,
                )
                .with_hint(
                    "return an element of a collection, a field of a `mut` argument, or a pointee",
                ),
            );
            return self.unknown(line);
        }
        TExpr::new(K::AddrOf(Box::new(v)), Ty::Ptr(Box::new(t.clone())), line)
    }

    /// The value of a call: a call of a function that returns a reference is the place
    /// it refers to.
    pub(crate) fn ref_result(&self, call: TExpr) -> TExpr {
        match &call.ty {
            Ty::Ptr(t) => {
                let t = (**t).clone();
                let line = call.line;
                TExpr::new(K::Deref(Box::new(call)), t, line)
            }
            _ => call,
        }
    }

    /// `{name = value, ...}`: the constructor of the type the context expects.
    pub(crate) fn init_list(&mut self, args: &[Arg], expected: Option<&Ty>, span: Span) -> TExpr {
        let line = self.line(span);
        match expected {
            Some(t) if !t.is_unknown() => self.construct_ty(t.clone(), args, span),
            _ => {
                self.error(
                    Diag::error(
                        E_UNKNOWN_TYPE,
                        "the type of this initializer list is not known here",
                        span,
                    )
                    .with_hint("use it where a type is expected (an argument, an annotated variable), or call the constructor: `T(name=value)`"),
                );
                for a in args {
                    self.expr(&a.value, None);
                }
                self.unknown(line)
            }
        }
    }
}

/// The bounds of compile-time parameters that mj erases: origins and address spaces are
/// accepted and not tracked, so `origin: Origin[mut=m]` needs no argument.
const ERASED_BOUNDS: &[&str] = &[
    "Origin",
    "MutOrigin",
    "ImmutOrigin",
    "ImmutableOrigin",
    "MutableOrigin",
    "OriginSet",
    "AddressSpace",
];

/// The compile-time parameters that are origins (or address spaces), and the `Bool`
/// parameters that only say such an origin's mutability (`origin: Origin[mut=m]`).
pub(crate) fn erased_params(params: &[mj_syntax::ast::GenericParam]) -> Vec<String> {
    use mj_syntax::ast::ExprKind;
    let mut out = Vec::new();
    for p in params {
        let Some(t) = &p.ty else { continue };
        let (head, args) = match &t.kind {
            ExprKind::Name(n) => (n, &[][..]),
            ExprKind::Index { base, args } => match &base.kind {
                ExprKind::Name(n) => (n, args.as_slice()),
                _ => continue,
            },
            _ => continue,
        };
        if !ERASED_BOUNDS.contains(&head.as_str()) {
            continue;
        }
        out.push(p.name.name.clone());
        for a in args {
            if let ExprKind::Name(n) = &a.value.kind
                && params.iter().any(|q| q.name.name == *n)
            {
                out.push(n.clone());
            }
        }
    }
    out
}
