//! Implicit copies in generic bodies.
//!
//! Generic functions are checked per instance, with their type parameters bound to concrete
//! types, so `var y = x` with `x: T` would be accepted whenever `T` happens to be `Int`.
//! Mojo checks the body against the bounds: a value of a type parameter that is not bound
//! by `ImplicitlyCopyable` (`T: Copyable`, `T: AnyType`, a user trait that does not refine
//! it) cannot be copied implicitly in any instance; the body writes `x.copy()` or `x^`.
//!
//! Which values have such a type is read from the template, not the instance: arguments
//! whose template type is the parameter itself (`x: T`), `var y: T` declarations, locals
//! initialized from such a value (`var y = x^`, `var y = x.copy()`), and the fields of
//! `self`'s own struct whose declared type is a parameter (`self.value` with
//! `var value: T`), and the elements of generic container arguments (`xs[i]` and
//! `for x in xs` with `xs: List[T]` or `*xs: T`). Values reached in other ways (a call's
//! result, a local list of `T`) are checked as their instance type: a limitation, not a
//! rule.
//!
//! Also here: a struct declared `ImplicitlyCopyable` without a copy constructor must have
//! implicitly copyable fields ([`check_implicit_copy_fields`]).

use std::collections::{HashMap, HashSet};

use mj_syntax::ast::{Expr, ExprKind};
use mj_syntax::{Diag, Span};

use super::body::FnCx;
use super::ownership::E_IMPLICIT_COPY;
use super::{Ctx, FuncData, GKind, GParam, TraitRef};
use crate::tir::{LocalId, TExpr, TExprKind as K};
use crate::ty::Ty;

/// The locals of one instance whose type is, in the template, a type parameter that is not
/// implicitly copyable, with the parameter's name; and the names of those parameters.
#[derive(Default)]
pub(crate) struct GenericLocals {
    locals: HashMap<LocalId, String>,
    /// Arguments that hold such values: `xs: List[T]`, `*rest: T`, spans and arrays of `T`.
    containers: HashMap<LocalId, String>,
    /// Loop variables over those (views of the elements: they cannot be moved from).
    views: HashSet<LocalId>,
    params: Vec<String>,
}

impl GenericLocals {
    /// `l` holds a container (a span of a list) of values of type parameter `param`.
    pub(crate) fn note_container(&mut self, l: LocalId, param: String) {
        self.containers.insert(l, param);
    }
}

/// Whether values of type parameter `p` may not be copied implicitly.
fn not_implicit(cx: &Ctx, p: &GParam) -> bool {
    let GKind::Type(bounds) = &p.kind else {
        return false;
    };
    let want = TraitRef::Builtin("ImplicitlyCopyable");
    !p.pack
        && !bounds
            .iter()
            .any(|b| super::generics::implies(cx, b, &want))
}

impl FnCx<'_> {
    /// Records the arguments whose template type is a type parameter that is not
    /// implicitly copyable (only in instances of generic functions).
    pub(crate) fn note_generic_params(&mut self, f: &FuncData, params: &[LocalId]) {
        if f.generics.is_empty() {
            return;
        }
        let g = &mut self.own.generic;
        g.params = f
            .generics
            .iter()
            .filter(|p| not_implicit(self.cx, p))
            .map(|p| p.name.clone())
            .collect();
        let nc = |j: u32| {
            f.generics
                .get(j as usize)
                .filter(|gp| not_implicit(self.cx, gp))
                .map(|gp| gp.name.clone())
        };
        for (p, &l) in f.sig.params.iter().zip(params) {
            match &p.ty {
                Ty::Param(j) => {
                    if let Some(n) = nc(*j) {
                        g.locals.insert(l, n);
                    }
                }
                Ty::Span(e) | Ty::Array(e, _) => {
                    if let Ty::Param(j) = **e
                        && let Some(n) = nc(j)
                    {
                        g.containers.insert(l, n);
                    }
                }
                t => {
                    if let Some(Ty::Param(j)) = crate::lang_items::list_elem(self.cx, t)
                        && let Some(n) = nc(j)
                    {
                        g.containers.insert(l, n);
                    }
                }
            }
        }
    }

    /// The type parameter of the elements of a generic container argument (`xs: List[T]`).
    pub(crate) fn generic_elements(&self, it: &TExpr) -> Option<String> {
        match &it.kind {
            K::Local(l) => self.own.generic.containers.get(l).cloned(),
            _ => None,
        }
    }

    /// `for x in xs` over a generic container: `x` is a value of its type parameter.
    pub(crate) fn note_generic_loop_var(&mut self, target: &Expr, param: Option<String>) {
        if let (Some(p), ExprKind::Name(n)) = (param, &target.kind)
            && let Some(l) = self.lookup_local(n)
        {
            self.own.generic.locals.insert(l, p);
            self.own.generic.views.insert(l);
        }
    }

    /// A declared local (`var y: T = ...`, `var y = x^`): whether its template type is such a
    /// parameter, from its annotation or its initializer.
    pub(crate) fn note_generic_local(
        &mut self,
        l: LocalId,
        ty: Option<&Expr>,
        init: Option<&Expr>,
    ) {
        if self.own.generic.params.is_empty() {
            return;
        }
        let from_ty = ty.and_then(|t| match &t.kind {
            ExprKind::Name(n) => Some(n.clone()),
            ExprKind::Attr { base, name } if matches!(&base.kind, ExprKind::Name(b) if b == "Self") => {
                Some(name.name.clone())
            }
            _ => None,
        });
        let name = match (ty, from_ty) {
            (Some(_), Some(n)) => self.own.generic.params.contains(&n).then_some(n),
            (Some(_), None) => None,
            (None, _) => init.and_then(|e| self.generic_origin(e)),
        };
        if let Some(n) = name {
            self.own.generic.locals.insert(l, n);
        }
    }

    /// The type parameter an expression's value has in the template, for the forms this
    /// pass follows: a generic local, its move, its `.copy()`, a generic field of `self`.
    fn generic_origin(&self, e: &Expr) -> Option<String> {
        match &e.kind {
            ExprKind::Name(n) => {
                let l = self.lookup_local(n)?;
                self.own.generic.locals.get(&l).cloned()
            }
            ExprKind::Transfer(inner) => self.generic_origin(inner),
            ExprKind::Call { func, args } if args.is_empty() => match &func.kind {
                ExprKind::Attr { base, name } if name.name == "copy" => self.generic_origin(base),
                _ => None,
            },
            ExprKind::Attr { base, name } => {
                let ExprKind::Name(b) = &base.kind else {
                    return None;
                };
                let l = self.lookup_local(b)?;
                let ty = self.locals[l.0 as usize].ty.clone();
                let i = match &ty {
                    Ty::Struct(s, _) => self.cx.structs[*s as usize]
                        .fields
                        .iter()
                        .position(|(f, _)| *f == name.name)?,
                    _ => return None,
                };
                self.generic_field(&ty, i as u32)
            }
            _ => None,
        }
    }

    /// Field `i` of a value of this struct type, inside that struct's own methods, when its
    /// declared type is a type parameter that is not implicitly copyable.
    fn generic_field(&self, ty: &Ty, i: u32) -> Option<String> {
        if self.own.generic.params.is_empty() || self.self_ty.as_ref() != Some(ty) {
            return None;
        }
        let Ty::Struct(s, _) = ty else { return None };
        let sd = &self.cx.structs[*s as usize];
        let Ty::Param(j) = sd.fields.get(i as usize)?.1 else {
            return None;
        };
        let p = sd.params.get(j as usize)?;
        not_implicit(self.cx, p).then(|| p.name.clone())
    }

    /// The type parameter of a place whose template type is one that is not implicitly
    /// copyable.
    pub(crate) fn generic_place(&self, v: &TExpr) -> Option<String> {
        if self.own.generic.params.is_empty() {
            return None;
        }
        match &v.kind {
            K::Local(l) => self.own.generic.locals.get(l).cloned(),
            K::Deref(b) => self.generic_place(b),
            // `xs[i]` of a library `List` (`library_list_elem`): the address is computed
            // from a span of the list held in a temporary.
            K::Seq(_, last) => self.generic_place(last),
            K::Prim(crate::tir::Prim::PtrOffset, a) => {
                a.first().and_then(|p| self.generic_place(p))
            }
            K::Field(b, 0) if matches!(b.ty, Ty::Span(_)) => self.generic_elements(b),
            K::Field(b, i) => self.generic_field(&b.ty, *i),
            _ => None,
        }
    }

    /// E0124 for an implicit copy of a generic value.
    pub(crate) fn report_generic_copy(&mut self, v: &TExpr, param: &str, span: Span) {
        let what = self.describe(v);
        let owned =
            matches!(v.kind, K::Local(l) if self.owns(l) && !self.own.generic.views.contains(&l));
        let hint = match &what {
            Some(n) if owned => format!("write `{n}.copy()` for a copy or `{n}^` to move"),
            Some(n) => format!("write `{n}.copy()` for a copy"),
            None => "write `.copy()` for a copy".to_string(),
        };
        self.error(
            Diag::error(
                E_IMPLICIT_COPY,
                format!("`{param}` cannot be copied implicitly: it is not `ImplicitlyCopyable`"),
                span,
            )
            .with_hint(format!(
                "{hint} (`{param}` is a type parameter, and its bounds do not include `ImplicitlyCopyable`)"
            )),
        );
    }
}

/// A struct declared `ImplicitlyCopyable` without a copy constructor copies field by
/// field, so each field must be implicitly copyable too (as in Mojo, which synthesizes the
/// conformance only then): a `List` field would otherwise be shared by the copy.
pub(crate) fn check_implicit_copy_fields(cx: &mut Ctx) {
    let mut diags = Vec::new();
    for s in cx.struct_order.clone() {
        let s = s as usize;
        let sd = &cx.structs[s];
        let want = TraitRef::Builtin("ImplicitlyCopyable");
        let declared = sd.trait_names.iter().any(|t| t == "ImplicitlyCopyable")
            || sd
                .traits
                .iter()
                .any(|t| super::generics::implies(cx, t, &want));
        if !declared || sd.methods.contains_key("__copyinit__") {
            continue;
        }
        for (name, ty) in &sd.fields {
            let bad = match ty {
                Ty::Param(j) => sd
                    .params
                    .get(*j as usize)
                    .is_some_and(|p| not_implicit(cx, p)),
                t if t.has_param() => false,
                t => !cx.implicitly_copyable(t),
            };
            if !bad {
                continue;
            }
            let tname = match ty {
                Ty::Param(j) => sd.params[*j as usize].name.clone(),
                t => cx.ty_name(t),
            };
            let sname = cx.struct_names[s].clone();
            diags.push((
                sd.module,
                Diag::error(
                    E_IMPLICIT_COPY,
                    format!(
                        "`{sname}` is `ImplicitlyCopyable`, but its field `{name}: {tname}` cannot be copied implicitly"
                    ),
                    sd.span,
                )
                .with_hint(format!(
                    "write a copy constructor `def __init__(out self, *, copy: Self)` that copies `{name}` with `.copy()`, or declare `{sname}(Copyable)` only"
                )),
            ));
        }
    }
    cx.diags.extend(diags);
}
