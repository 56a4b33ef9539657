//! Generic bodies against their trait bounds.
//!
//! Generic functions are type-checked per instance (see `generics.rs`), which on its own
//! would accept a call that happens to work for the types a program uses. Mojo checks a
//! generic body against the bounds of its parameters, so this pass does the part of that
//! which matters most: on a value whose declared type is a type parameter bound by a user
//! trait (`x: T` with `T: Shape`), a method call must name a method the bound declares,
//! and fields cannot be read. It runs once per generic function, on its syntax tree.

use std::collections::{HashMap, HashSet};

use mj_syntax::ast::{Expr, ExprKind, FnDef, StmtKind};
use mj_syntax::visit::walk_exprs;
use mj_syntax::{Diag, Span};

use super::generics::{E_CONFORMANCE, trait_name};
use super::{Ctx, GKind, TraitRef};
use crate::tir::FnId;

/// Diagnostics for method calls and field reads on type-parameter values that the
/// parameters' trait bounds do not allow.
pub(crate) fn check_bounds(cx: &Ctx, id: FnId, def: &FnDef) -> Vec<(usize, Diag)> {
    let f = &cx.funcs[id.0 as usize];
    // Type parameters bound by at least one user trait, with the methods they allow.
    let mut allowed: HashMap<String, (HashSet<String>, String)> = HashMap::new();
    for p in &f.generics {
        let GKind::Type(bounds) = &p.kind else {
            continue;
        };
        if !bounds.iter().any(|b| matches!(b, TraitRef::User(_))) {
            continue;
        }
        let mut methods = HashSet::new();
        let mut stack: Vec<TraitRef> = bounds.clone();
        let mut seen = HashSet::new();
        while let Some(t) = stack.pop() {
            if let TraitRef::User(i) = t
                && seen.insert(i)
            {
                let td = &cx.traits[i as usize];
                methods.extend(td.methods.iter().map(|(n, _)| n.clone()));
                stack.extend(td.parents.iter().cloned());
            }
        }
        let names: Vec<String> = bounds.iter().map(|b| trait_name(cx, b)).collect();
        allowed.insert(p.name.clone(), (methods, names.join(" & ")));
    }
    if allowed.is_empty() {
        return Vec::new();
    }
    // Names whose declared type is one of those parameters.
    let mut typed: HashMap<String, String> = HashMap::new();
    let param_of = |ty: &Option<Expr>| match ty {
        Some(Expr {
            kind: ExprKind::Name(t),
            ..
        }) if allowed.contains_key(t) => Some(t.clone()),
        _ => None,
    };
    for a in &def.args {
        if let Some(t) = param_of(&a.ty) {
            typed.insert(a.name.name.clone(), t);
        }
    }
    for s in &def.body {
        if let StmtKind::Var { name, ty, .. } = &s.kind
            && let Some(t) = param_of(ty)
        {
            typed.insert(name.name.clone(), t);
        }
    }
    let mut calls: HashSet<(u32, u32)> = HashSet::new();
    let mut diags = Vec::new();
    let m = f.module;
    let mut report = |name: &str, t: &str, member: &str, span: Span, call: bool| {
        let Some((methods, bound)) = allowed.get(t) else {
            return;
        };
        // Dunders and `copy` come with the built-in traits (operators, copies).
        if call && (methods.contains(member) || member.starts_with("__") || member == "copy") {
            return;
        }
        let d = if call {
            Diag::error(
                E_CONFORMANCE,
                format!(
                    "`{name}` is a `{t}`, and its bound `{bound}` declares no method `{member}`"
                ),
                span,
            )
            .with_hint(format!(
                "declare `{member}` in the trait, or bound `{t}` by a trait that declares it"
            ))
        } else {
            Diag::error(
                E_CONFORMANCE,
                format!("`{name}` is a `{t}`: a generic value has no field `{member}`"),
                span,
            )
            .with_hint("reach it through a method the trait declares")
        };
        diags.push((m, d));
    };
    walk_exprs(&def.body, &mut |e| {
        let ExprKind::Call { func, .. } = &e.kind else {
            return;
        };
        let ExprKind::Attr { base, name } = &func.kind else {
            return;
        };
        calls.insert((func.span.start, func.span.end));
        if let ExprKind::Name(v) = &base.kind {
            if let Some(t) = typed.get(v) {
                report(v, t, &name.name, name.span, true);
            } else if allowed.contains_key(v) && !typed.contains_key(v) {
                // `T.make()`: a static method of the bound.
                report(v, v, &name.name, name.span, true);
            }
        }
    });
    walk_exprs(&def.body, &mut |e| {
        if let ExprKind::Attr { base, name } = &e.kind
            && !calls.contains(&(e.span.start, e.span.end))
            && let ExprKind::Name(v) = &base.kind
            && let Some(t) = typed.get(v)
        {
            report(v, t, &name.name, name.span, false);
        }
    });
    diags
}
