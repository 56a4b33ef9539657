//! Ownership: which values have destructors, implicit and explicit copies, moves (`x^`),
//! and the argument conventions' rules (`read`, `mut`, `var`, `out`, `deinit`).
//!
//! The checker decides and records; the lowering (`mj_lower/src/drops.rs`) inserts the
//! destructor calls. What the checker records in the TIR:
//! - every block that declares a local whose type has a destructor is a `TStmt::Scope`
//!   listing those locals (function-scoped implicit declarations and owned `var` arguments
//!   belong to the function's outermost scope);
//! - a struct-valued temporary that nobody takes ownership of (a discarded constructor
//!   call, an argument to a `read` parameter, the base of a field access) is stored in a
//!   fresh local of the current scope and destroyed by a `TStmt::Drop` at the end of its
//!   statement;
//! - `x^` is `TExprKind::Move`, which ends `x`'s lifetime (no destructor at scope end);
//! - `TFunction::drops` lists the `out` arguments (storing into them destroys nothing) and
//!   the `deinit` argument (only its fields are destroyed when the function ends).
//!
//! Copies follow Mojo's `ImplicitlyCopyable` ([`Ctx::implicitly_copyable`]): scalars,
//! SIMD vectors, pointers, `String` and structs that declare it copy implicitly; `List`,
//! `Dict`, structs that are only `Copyable` and, in a generic body, values of a type
//! parameter not bound by it (`generic_copies.rs`) do not: an implicit copy of such a place
//! is E0124 (new values are moved, never copied). A value is *trivial* when copying its
//! bits is a complete copy and nothing needs destroying (`Bool`, integers, floats,
//! pointers, and tuples and structs of those without `__del__` or a copy constructor); that
//! decides how copies are made, not whether they are allowed. `.copy()` (or `T(copy=x)`) is
//! the explicit copy, available on `Copyable` types: a struct's copy constructor
//! (`def __init__(out self, *, copy: Self)` or the legacy `__copyinit__`) or field by field.
//! Moves copy the bits: user move constructors are accepted but not called.
//! Values stored in `List`/`Dict` are never destroyed (the runtime containers do not run
//! destructors yet).
//!
//! Handles (`String`, `Error`, `List`, `Dict`) are reference counted: they count as values
//! with a destructor (releasing the reference), so handle locals, temporaries, fields and
//! tuple elements are released exactly where struct values are destroyed. An implicit copy
//! of a handle that someone else owns (a *borrowed* value, see `crate::handles`) retains
//! it (`retained`); a new reference (a call's result, a move) is taken over as is. The
//! copy shares the object, as before: only the count changes. Containers release handle
//! elements themselves (the runtime knows their kind); a handle or a struct holding
//! handles that is put into a container from a place is retained first.

use std::collections::HashMap;

use mj_syntax::ast::{self, Convention, Expr, ExprKind, FnDef, ParamKind, StmtKind, StructDef};
use mj_syntax::{Diag, Span};

use super::body::FnCx;
use super::expr::is_place;
use super::{Conv, Ctx, E_UNINIT, Sig};
use crate::handles::{Own, is_handle, ownership, retain_fn};
use crate::tir::{LocalId, TArg, TDrops, TExpr, TExprKind as K, TStmt};
use crate::ty::Ty;

/// An implicit copy of a value that is not implicitly copyable, or a move out of a place
/// that cannot be moved from.
pub(crate) const E_COPY: &str = "E0122";
/// An implicit copy (a binding, an assignment, a `var` argument, a stored field or element,
/// a returned place) of a value whose type is not `ImplicitlyCopyable`.
pub(crate) const E_IMPLICIT_COPY: &str = "E0124";
/// A malformed lifecycle method (`__del__`, copy/move constructors) or a misplaced `deinit`.
pub(crate) const E_LIFECYCLE: &str = "E0123";

/// The trait names in a struct's conformance list; `@register_passable("trivial")` counts
/// as `ImplicitlyCopyable`.
pub(crate) fn declared_traits(sd: &StructDef) -> Vec<String> {
    let mut out: Vec<String> = sd
        .traits
        .iter()
        .enumerate()
        // A conditional entry (`Copyable where ...`) is not an unconditional declaration.
        .filter(|(k, _)| sd.trait_where.get(*k).is_none_or(Option::is_none))
        .filter_map(|(_, t)| match &t.kind {
            ExprKind::Name(n) => Some(n.clone()),
            ExprKind::Attr { name, .. } => Some(name.name.clone()),
            _ => None,
        })
        .collect();
    // The legacy `@value` decorator synthesized the copy and move constructors, and a
    // legacy `__copyinit__` defined one; in the Mojo of those spellings a type with a copy
    // constructor was copied implicitly (`var b = a`), so old programs keep running.
    let legacy_copy = sd
        .decorators
        .iter()
        .any(|d| matches!(&d.expr.kind, ExprKind::Name(n) if n == "value"))
        || sd
            .body
            .iter()
            .any(|st| matches!(&st.kind, StmtKind::Def(f) if f.name.name == "__copyinit__"));
    if legacy_copy {
        out.push("Copyable".into());
        out.push("ImplicitlyCopyable".into());
    }
    let trivial = sd.decorators.iter().any(|d| {
        matches!(&d.expr.kind, ExprKind::Call { func, args }
            if matches!(&func.kind, ExprKind::Name(n) if n == "register_passable")
                && args.iter().any(|a| matches!(&a.value.kind, ExprKind::Str(s) if s == "trivial")))
    });
    if trivial {
        out.push("ImplicitlyCopyable".into());
    }
    out
}

/// The lifecycle method an `__init__` overload stands for, in Mojo 1.0's spelling:
/// `__init__(out self, *, copy: Self)` is the copy constructor and
/// `__init__(out self, *, deinit take: Self)` the move constructor.
pub(crate) fn lifecycle_key(def: &FnDef) -> Option<&'static str> {
    // Mojo 1.0 names the destructor `__deinit__`; `__del__` is the older spelling.
    if def.name.name == "__deinit__" {
        return Some("__del__");
    }
    if def.name.name != "__init__" {
        return None;
    }
    match def.args.get(1..)? {
        [sep, p] if sep.kind == ParamKind::Separator && p.kind == ParamKind::Normal => {
            if p.convention == Convention::Deinit || p.name.name == "take" {
                Some("__moveinit__")
            } else if p.name.name == "copy" {
                Some("__copyinit__")
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Checks the shapes of `__del__` and the constructors, and where `deinit` may appear.
pub(crate) fn check_lifecycle(cx: &mut Ctx) {
    let mut diags = Vec::new();
    for f in cx.fn_order.iter().map(|&i| &cx.funcs[i as usize]) {
        let def = &f.def;
        let in_struct = f.owner.is_some();
        let key = if in_struct {
            lifecycle_key(def).unwrap_or(&def.name.name)
        } else {
            ""
        };
        if key == "__del__" {
            let self_ok = def.args.len() == 1
                && matches!(
                    def.args[0].convention,
                    Convention::Deinit | Convention::Owned
                );
            if !self_ok || def.raises || def.ret.is_some() {
                diags.push((
                    f.module,
                    Diag::error(
                        E_LIFECYCLE,
                        "a destructor must be `def __del__(deinit self)`",
                        def.name.span,
                    )
                    .with_hint("take only `deinit self`, return nothing and do not raise"),
                ));
            }
        }
        for (i, p) in def.args.iter().enumerate() {
            if p.convention != Convention::Deinit {
                continue;
            }
            // Any method may consume its receiver with `deinit self` (an explicitly
            // destroyed type's `def close(deinit self)`).
            let ok = (key == "__del__" && i == 0)
                || (key == "__moveinit__" && i > 0)
                || (in_struct && i == 0 && p.name.name == "self" && key != "__init__");
            if !ok {
                diags.push((
                    f.module,
                    Diag::error(
                        E_LIFECYCLE,
                        format!("`deinit` is not allowed on `{}` here", p.name.name),
                        p.span,
                    )
                    .with_hint(
                        "`deinit` is only for `self` (in `__del__` or a method that consumes its receiver) and the \
                         source of a move constructor; write `var` to take ownership of an argument",
                    ),
                ));
            }
        }
    }
    cx.diags.extend(diags);
}

impl Ctx {
    pub(crate) fn declares(&self, s: u32, tr: &str) -> bool {
        self.structs[s as usize].trait_names.iter().any(|t| t == tr)
    }

    fn struct_has(&self, s: u32, method: &str) -> bool {
        self.structs[s as usize].methods.contains_key(method)
    }

    /// Mojo's triviality queries (`is_trivially_copyable[T]()`, `..._movable`,
    /// `..._destructible`; `query` is the name): whether copying, moving or destroying a
    /// `T` is only its bits (copied, or nothing), with no constructor or destructor of its
    /// own or of a field, element or handle inside (a string handle copies by a retain and
    /// dies by a release, but moves by its bits).
    pub(crate) fn trivially(&self, query: &str, t: &Ty) -> bool {
        self.trivially_at(query, t, 0)
    }

    fn trivially_at(&self, query: &str, t: &Ty, depth: u32) -> bool {
        if depth > 64 {
            return true;
        }
        let inner = |t: &Ty| self.trivially_at(query, t, depth + 1);
        let own = match query {
            "is_trivially_copyable" => "__copyinit__",
            "is_trivially_movable" => "__moveinit__",
            _ => "__del__",
        };
        match t {
            Ty::Struct(s, _) => {
                !self.struct_has(*s, own)
                    && super::generics::fields_of(self, t)
                        .unwrap_or_default()
                        .iter()
                        .all(|(_, f)| inner(f))
            }
            Ty::Tuple(ts) => ts.iter().all(inner),
            Ty::Array(e, _) => inner(e),
            t => own == "__moveinit__" || !is_handle(t),
        }
    }

    /// Whether destroying a value of this type runs code (a `__del__`, here or in a field).
    pub(crate) fn needs_drop(&self, t: &Ty) -> bool {
        self.needs_drop_at(t, 0)
    }

    fn needs_drop_at(&self, t: &Ty, depth: u32) -> bool {
        // Releasing a reference is the other kind of destruction.
        self.del_inside(t, depth, false, is_handle)
    }

    /// Whether a value of this type holds a struct with a `__del__` (itself or inside).
    pub(crate) fn has_del(&self, t: &Ty, depth: u32) -> bool {
        self.del_inside(t, depth, true, |_| false)
    }

    /// Whether `t` is a struct with a `__del__`, or a value for which `leaf` holds, or holds
    /// one in its fields, tuple elements or (with `arrays`) array elements.
    fn del_inside(&self, t: &Ty, depth: u32, arrays: bool, leaf: fn(&Ty) -> bool) -> bool {
        // (A struct cannot contain itself; the depth only guards against malformed input.)
        if depth > 64 {
            return false;
        }
        let inner = |t: &Ty| self.del_inside(t, depth + 1, arrays, leaf);
        match t {
            Ty::Struct(s, _) => {
                self.struct_has(*s, "__del__")
                    || super::generics::fields_of(self, t)
                        .unwrap_or_default()
                        .iter()
                        .any(|(_, f)| inner(f))
            }
            Ty::Tuple(ts) => ts.iter().any(inner),
            Ty::Array(e, _) if arrays => inner(e),
            t => leaf(t),
        }
    }

    /// Handles and tuples of handles and trivial values: destroying them only releases.
    pub(crate) fn only_handles(&self, t: &Ty) -> bool {
        match t {
            Ty::Tuple(ts) => ts
                .iter()
                .all(|t| self.is_trivial(t) || self.only_handles(t)),
            t => is_handle(t),
        }
    }

    /// Whether a value of this type holds a reference-counted handle (itself, or in a
    /// field or tuple element).
    pub(crate) fn has_handles(&self, t: &Ty) -> bool {
        self.has_handles_at(t, 0)
    }

    fn has_handles_at(&self, t: &Ty, depth: u32) -> bool {
        if depth > 64 {
            return false;
        }
        match t {
            Ty::Struct(..) => super::generics::fields_of(self, t)
                .unwrap_or_default()
                .iter()
                .any(|(_, f)| self.has_handles_at(f, depth + 1)),
            Ty::Tuple(ts) => ts.iter().any(|t| self.has_handles_at(t, depth + 1)),
            t => is_handle(t),
        }
    }

    /// Trivial values: copying the bits is a complete copy and nothing needs destroying.
    pub(crate) fn is_trivial(&self, t: &Ty) -> bool {
        self.is_trivial_at(t, 0)
    }

    fn is_trivial_at(&self, t: &Ty, depth: u32) -> bool {
        if depth > 64 {
            return false;
        }
        match t {
            Ty::Unit | Ty::Bool | Ty::Int { .. } | Ty::Float { .. } | Ty::Ptr(_) => true,
            Ty::Tuple(ts) => ts.iter().all(|t| self.is_trivial_at(t, depth + 1)),
            Ty::Struct(s, _) => {
                !self.struct_has(*s, "__del__")
                    && !self.struct_has(*s, "__copyinit__")
                    && super::generics::fields_of(self, t)
                        .unwrap_or_default()
                        .iter()
                        .all(|(_, f)| self.is_trivial_at(f, depth + 1))
            }
            _ => false,
        }
    }

    /// Whether `var b = a` may copy `a` without being asked: Mojo's `ImplicitlyCopyable`.
    /// Scalars, SIMD vectors, pointers, `String`, spans and function values are; `List`
    /// and `Dict` are not (their copies cost O(n): `.copy()`); a struct is when it declares
    /// `ImplicitlyCopyable` (directly, through a trait that refines it, conditionally, or
    /// as `@register_passable("trivial")`); tuples and `InlineArray`s when their elements
    /// are.
    pub(crate) fn implicitly_copyable(&self, t: &Ty) -> bool {
        self.implicitly_copyable_at(t, 0)
    }

    fn implicitly_copyable_at(&self, t: &Ty, depth: u32) -> bool {
        if depth > 64 {
            return true;
        }
        match t {
            Ty::Struct(..) => self.declares_implicit_copy(t),
            Ty::Tuple(ts) => ts.iter().all(|t| self.implicitly_copyable_at(t, depth + 1)),
            Ty::Array(e, _) => self.implicitly_copyable_at(e, depth + 1),
            // Its bits are copied (the owner copies the value it may hold; `.copy()` of
            // a struct holding one needs the struct's own copy constructor).
            Ty::Uninit(_) => true,
            _ => true,
        }
    }

    /// Whether a struct type conforms to `ImplicitlyCopyable` by declaration.
    pub(crate) fn declares_implicit_copy(&self, t: &Ty) -> bool {
        let Ty::Struct(s, args) = t else {
            return false;
        };
        let want = super::TraitRef::Builtin("ImplicitlyCopyable");
        // An unconditional declaration wins over a conditional one that does not hold.
        self.declares(*s, "ImplicitlyCopyable")
            || self.structs[*s as usize]
                .traits
                .iter()
                .any(|d| super::generics::implies(self, d, &want))
            || super::conform::conditional(self, *s, args, &want) == Some(true)
    }

    /// Whether `.copy()` is available: Mojo's `Copyable`.
    pub(crate) fn copyable(&self, t: &Ty) -> bool {
        match t {
            Ty::Struct(s, args) => {
                let cond = super::conform::conditional(
                    self,
                    *s,
                    args,
                    &super::TraitRef::Builtin("Copyable"),
                );
                // An unconditional `Copyable` wins over a conditional trait implying it
                // (`ImplicitlyCopyable where ...`) that does not hold.
                let uncond = self.declares(*s, "Copyable")
                    || self.structs[*s as usize].traits.iter().any(|d| {
                        super::generics::implies(self, d, &super::TraitRef::Builtin("Copyable"))
                    })
                    || self.struct_has(*s, "__copyinit__");
                if uncond {
                    return true;
                }
                if let Some(b) = cond {
                    return b;
                }
                self.declares_implicit_copy(t)
            }
            Ty::Tuple(ts) => ts.iter().all(|t| self.copyable(t)),
            Ty::Array(e, _) => self.copyable(e),
            Ty::Uninit(_) => false,
            _ => true,
        }
    }
}

/// Per-function ownership state of the checker.
#[derive(Default)]
pub(crate) struct OwnState {
    /// Locals to destroy, per open block (the first entry is the function's outermost scope).
    pub drop_scopes: Vec<Vec<LocalId>>,
    /// Temporaries of the statements being checked, destroyed when their statement ends.
    pub pending_temps: Vec<LocalId>,
    pub loops: Vec<LoopTrack>,
    pub drops: TDrops,
    /// `out` arguments whose fields must all be initialized before the function returns.
    out_structs: Vec<LocalId>,
    /// Binding a loop variable to a collection's element: a view, neither a copy nor an owner.
    binding: bool,
    /// Unpacking a new tuple (`a, b = b.copy(), a.copy()`): its elements are moved out, so
    /// they need not be implicitly copyable.
    pub moving_parts: bool,
    /// Values whose template type is a type parameter that is not implicitly copyable.
    pub generic: super::generic_copies::GenericLocals,
}

/// What a loop body does to the locals declared before the loop, to find values moved in
/// one iteration and used again in the next.
pub(crate) struct LoopTrack {
    /// Locals with a smaller id were declared before the loop.
    outer: u32,
    /// The first access of each local in the body: whether it reads it, and where.
    first: HashMap<LocalId, (bool, Span)>,
    /// Locals moved on a path that reaches a `continue`.
    continued: HashMap<LocalId, Span>,
}

impl FnCx<'_> {
    /// Records the arguments' conventions: owned (`var`) arguments are destroyed by the
    /// callee, `out` arguments start uninitialized, `deinit` arguments lose only their fields.
    pub(crate) fn own_params(&mut self, def: &FnDef, sig: &Sig, params: &[LocalId]) {
        self.own.drop_scopes = vec![Vec::new()];
        let conventions: Vec<Convention> = def
            .args
            .iter()
            .filter(|a| a.kind == ParamKind::Normal)
            .map(|a| a.convention)
            .collect();
        let is_del =
            matches!(def.name.name.as_str(), "__del__" | "__deinit__") && self.owner.is_some();
        let is_legacy_move = def.name.name == "__moveinit__" && self.owner.is_some();
        for (i, (p, &l)) in sig.params.iter().zip(params).enumerate() {
            let conv = conventions.get(i).copied().unwrap_or(Convention::Default);
            // The legacy `__moveinit__(out self, owned existing: Self)` takes its source
            // as `deinit`: its fields move to `self`, it is not destroyed as a whole.
            let deinit =
                conv == Convention::Deinit || (is_del && i == 0) || (is_legacy_move && i == 1);
            if deinit {
                self.own.drops.deinit = Some((l, Vec::new()));
                self.own.drop_scopes[0].push(l);
            } else if p.conv == Conv::Owned && self.cx.needs_drop(&p.ty) {
                self.own.drop_scopes[0].push(l);
            } else if p.conv == Conv::Out {
                self.own.drops.out_params.push(l);
                if let Ty::Struct(s, _) = p.ty {
                    let n = self.cx.structs[s as usize].fields.len() as u32;
                    self.flow.uninit_fields.extend((0..n).map(|f| (l, f)));
                    self.own.out_structs.push(l);
                }
            }
        }
    }

    /// Wraps a checked function body in its outermost scope, after checking that `out`
    /// arguments are initialized when it falls off its end.
    pub(crate) fn finish_body(&mut self, body: Vec<TStmt>, span: Span) -> Vec<TStmt> {
        if !self.dead {
            self.check_out_initialized(span);
        }
        if let Some(names) = self.scopes.first() {
            let mut ls: Vec<LocalId> = names.values().copied().collect();
            ls.sort_by_key(|l| l.0);
            self.check_explicit_destroy(&ls);
        }
        let locals = self.own.drop_scopes.pop().unwrap_or_default();
        wrap_scope(locals, body)
    }

    /// Every field of an `out` argument must be initialized where the function returns.
    pub(crate) fn check_out_initialized(&mut self, span: Span) {
        for l in self.own.out_structs.clone() {
            let Ty::Struct(s, _) = self.locals[l.0 as usize].ty else {
                continue;
            };
            let mut missing: Vec<u32> = self
                .flow
                .uninit_fields
                .iter()
                .filter(|(x, _)| *x == l)
                .map(|(_, f)| *f)
                .collect();
            missing.sort_unstable();
            let Some(&f) = missing.first() else { continue };
            let pname = self.locals[l.0 as usize].name.clone();
            let field = self.cx.structs[s as usize].fields[f as usize].0.clone();
            self.error(
                Diag::error(
                    E_UNINIT,
                    format!("`{pname}.{field}` is not initialized on every path through `{}`", self.name),
                    span,
                )
                .with_hint(format!(
                    "an `out` argument must be fully initialized: assign `{pname}.{field} = ...` on every path"
                )),
            );
            // Report each field once.
            self.flow.uninit_fields.retain(|(x, _)| *x != l);
        }
    }

    /// A store into `self.f` (of an `out` argument) initializes that field; a store into
    /// the whole argument initializes all of them.
    pub(crate) fn note_init(&mut self, place: &TExpr) {
        match &place.kind {
            K::Local(l) => self.flow.uninit_fields.retain(|(x, _)| x != l),
            K::Field(b, i) => {
                if let K::Local(l) = b.kind {
                    self.flow.uninit_fields.remove(&(l, *i));
                }
            }
            _ => {}
        }
    }

    pub(crate) fn open_scope(&mut self) {
        self.own.drop_scopes.push(Vec::new());
    }

    /// Closes the innermost block's scope around its statements.
    pub(crate) fn close_scope(&mut self, body: Vec<TStmt>) -> Vec<TStmt> {
        let locals = self.own.drop_scopes.pop().unwrap_or_default();
        wrap_scope(locals, body)
    }

    /// A value of a type that is not `Deinitable` (`struct S(Deinitable where False)`) must
    /// be consumed by one of its `deinit self` methods: reaching the end of its scope while
    /// it is certainly still alive is an error.
    pub(crate) fn check_explicit_destroy(&mut self, locals: &[LocalId]) {
        if self.dead {
            return;
        }
        let deinit = self.own.drops.deinit.as_ref().map(|(l, _)| *l);
        for &l in locals {
            if Some(l) == deinit
                || self.flow.moved.contains_key(&l)
                || self.flow.uninit.contains(&l)
            {
                continue;
            }
            let local = &self.locals[l.0 as usize];
            let Ty::Struct(s, args) = &local.ty else {
                continue;
            };
            let destroyable = [
                "Deinitable",
                "ImplicitlyDeletable",
                "ImplicitlyDestructible",
            ]
            .iter()
            .all(|t| {
                super::conform::conditional(self.cx, *s, args, &super::TraitRef::Builtin(t))
                    != Some(false)
            });
            if destroyable {
                continue;
            }
            let msg = format!(
                "`{}` is still alive at the end of its scope, but its type `{}` is not `Deinitable`",
                local.name,
                self.cx.ty_name(&local.ty)
            );
            let Some(span) = self.decl_spans.get(&l).copied() else {
                continue;
            };
            self.error(
                Diag::error(E_COPY, msg, span).with_hint(
                    "consume it with one of its `deinit self` methods (`value^.method()`)",
                ),
            );
        }
    }

    /// Binds the variable of a `for` loop or comprehension to an element. Mojo binds a
    /// reference; here the variable holds the element's bits, so it neither counts as a
    /// copy nor owns (destroys) the value.
    pub(crate) fn bind_loop_var(
        &mut self,
        target: &Expr,
        elem: TExpr,
        span: Span,
        out: &mut Vec<TStmt>,
    ) {
        // A new reference (a character of a String, a tuple of `enumerate`) is kept in a
        // temporary that releases it when the next element replaces it.
        let elem = if self.cx.only_handles(&elem.ty) {
            self.hold_temp(elem)
        } else {
            elem
        };
        let saved = std::mem::replace(&mut self.own.binding, true);
        self.assign_value(target, elem, span, out);
        self.own.binding = saved;
    }

    /// Registers a declared local for destruction at the end of the innermost block, or of
    /// the function's body for Python-style implicit declarations.
    pub(crate) fn own_local(&mut self, l: LocalId, function_scope: bool) {
        if self.own.binding
            || !self.cx.needs_drop(&self.locals[l.0 as usize].ty)
            || self.own.drop_scopes.is_empty()
        {
            return;
        }
        let n = self.own.drop_scopes.len();
        let i = if function_scope { 1.min(n - 1) } else { n - 1 };
        self.own.drop_scopes[i].push(l);
    }

    /// Keeps a struct-valued temporary that nobody takes ownership of in a local of the
    /// current scope, destroyed at the end of the statement.
    pub(crate) fn hold_temp(&mut self, v: TExpr) -> TExpr {
        if is_place(&v) || !self.cx.needs_drop(&v.ty) || self.own.drop_scopes.is_empty() {
            return v;
        }
        // Only a new reference may be released; a borrowed handle is left alone.
        if self.cx.has_handles(&v.ty) && ownership(&v) != Own::Owned {
            return v;
        }
        let (ty, line) = (v.ty.clone(), v.line);
        let (st, read) = self.temp(v);
        if let K::Local(l) = read.kind {
            if let Some(s) = self.own.drop_scopes.last_mut() {
                s.push(l);
            }
            self.own.pending_temps.push(l);
        }
        TExpr::new(K::Seq(vec![st], Box::new(read)), ty, line)
    }

    /// A temporary that owns what is stored in it (each store releases the previous
    /// value), released at the end of the statement.
    pub(crate) fn owning_temp(&mut self, v: TExpr) -> (TStmt, TExpr) {
        let (st, read) = self.temp(v);
        if let K::Local(l) = read.kind
            && self.cx.needs_drop(&read.ty)
            && let Some(s) = self.own.drop_scopes.last_mut()
        {
            s.push(l);
            self.own.pending_temps.push(l);
        }
        (st, read)
    }

    /// Stores a value in a temporary now (the store goes to `stmts`) and returns its read;
    /// a new reference there is released at the end of the statement like any temporary.
    pub(crate) fn spill_to(&mut self, v: TExpr, stmts: &mut Vec<TStmt>) -> TExpr {
        let v = self.hold_temp(v);
        if let K::Seq(st, read) = v.kind {
            stmts.extend(st);
            return *read;
        }
        let (st, read) = self.temp(v);
        stmts.push(st);
        read
    }

    /// The statements destroying the temporaries created since `mark`, newest first.
    pub(crate) fn flush_temps(&mut self, mark: usize, out: &mut Vec<TStmt>) {
        let mark = mark.min(self.own.pending_temps.len());
        let temps: Vec<LocalId> = self.own.pending_temps.drain(mark..).collect();
        out.extend(temps.into_iter().rev().map(TStmt::Drop));
    }

    /// A value whose result is discarded (an expression statement).
    pub(crate) fn discarded(&mut self, v: TExpr) -> TExpr {
        if v.ty == Ty::Unit {
            v
        } else {
            self.hold_temp(v)
        }
    }

    /// A value stored where an owned value is needed (a variable, a field, a `var`
    /// argument, a result): a place is copied if its type allows implicit copies, and is an
    /// error otherwise; temporaries and moved values are owned already.
    pub(crate) fn owned_value(&mut self, v: TExpr, span: Span) -> TExpr {
        if self.own.binding {
            return v;
        }
        if !is_place(&v) {
            return self.retained(v);
        }
        if let Some(p) = self.generic_place(&v) {
            self.report_generic_copy(&v, &p, span);
            return v;
        }
        if self.cx.implicitly_copyable(&v.ty) || self.moved_part(&v.ty) {
            return if matches!(v.ty, Ty::Struct(..) | Ty::Tuple(_)) {
                self.implicit_copy(v)
            } else {
                self.retained(v)
            };
        }
        self.report_implicit_copy(&v, span);
        v
    }

    /// A value a built-in container takes (a list or dict literal's item, `append`, a
    /// stored element): a place must be implicitly copyable, as for [`Self::owned_value`].
    pub(crate) fn check_stored(&mut self, v: &TExpr, span: Span) {
        if !self.own.binding
            && is_place(v)
            && let Some(p) = self.generic_place(v)
        {
            self.report_generic_copy(v, &p, span);
            return;
        }
        if !self.own.binding
            && !self.moved_part(&v.ty)
            && is_place(v)
            && !self.cx.implicitly_copyable(&v.ty)
        {
            self.report_implicit_copy(v, span);
        }
    }

    /// An element of a new tuple being unpacked: it is taken over by a copy of its bits (or
    /// references) while the tuple is released, which is a move for every type without a
    /// `__del__` (the tuple would destroy a destructor's resources under the new owner).
    fn moved_part(&self, t: &Ty) -> bool {
        self.own.moving_parts && !self.cx.has_del(t, 0)
    }

    /// The diagnostic for an implicit copy of a place whose type is not
    /// `ImplicitlyCopyable`.
    pub(crate) fn report_implicit_copy(&mut self, v: &TExpr, span: Span) {
        let t = self.ty_name(&v.ty);
        let what = self.describe(v);
        let mut hint = match &what {
            Some(n) if matches!(v.kind, K::Local(l) if self.owns(l)) => {
                format!("write `{n}.copy()` for a copy or `{n}^` to move")
            }
            Some(n) => format!("write `{n}.copy()` for a copy"),
            None => "write `.copy()` for a copy".to_string(),
        };
        if let Ty::Struct(s, _) = v.ty
            && self.cx.structs[s as usize].params.is_empty()
        {
            hint.push_str(&format!(" (or declare `struct {t}(ImplicitlyCopyable)`)"));
        }
        self.error(
            Diag::error(
                E_IMPLICIT_COPY,
                format!("`{t}` cannot be copied implicitly: it is not `ImplicitlyCopyable`"),
                span,
            )
            .with_hint(hint),
        );
    }

    /// `var b = a^` / `b = a^`: a value moved into a variable goes through the type's own
    /// move constructor when it defines one (`__init__(out self, *, deinit take: Self)`),
    /// as Mojo does; otherwise the move is the bits.
    pub(crate) fn moved_into_variable(&mut self, v: TExpr, value: &Expr) -> TExpr {
        if !matches!(value.kind, ExprKind::Transfer(_)) || !matches!(v.kind, K::Move(_)) {
            return v;
        }
        self.through_move_ctor(v)
    }

    /// An owned value moved to a new place through its type's own move constructor, when
    /// the type defines one (once: a value that is already the result of that constructor
    /// is returned as is, so `p.init_pointee_move(q.take_pointee())` moves once, as
    /// Mojo's `move_pointee_into`).
    pub(crate) fn through_move_ctor(&mut self, v: TExpr) -> TExpr {
        let Ty::Struct(s, _) = v.ty else {
            return v;
        };
        let Some(&id) = self.cx.structs[s as usize].methods.get("__moveinit__") else {
            return v;
        };
        if matches!(&v.kind, K::Construct(f, _) | K::ConstructInst(f, _, _) if *f == id) {
            return v;
        }
        let (t, line) = (v.ty.clone(), v.line);
        construct_copy(id, t, v, line)
    }

    /// An implicit copy: the user's copy constructor if there is one, else the bits.
    fn implicit_copy(&mut self, v: TExpr) -> TExpr {
        match v.ty {
            Ty::Struct(s, _) => match self.cx.structs[s as usize].methods.get("__copyinit__") {
                Some(&id) => {
                    let line = v.line;
                    let t = v.ty.clone();
                    construct_copy(id, t, v, line)
                }
                None => self.retained(v),
            },
            _ => self.retained(v),
        }
    }

    /// A value that holds its own references: a borrowed handle is retained, and a
    /// borrowed struct or tuple holding handles is rebuilt from retained fields (a struct
    /// with a copy constructor is copied with it). Anything else is returned as is.
    pub(crate) fn retained(&mut self, v: TExpr) -> TExpr {
        self.retained_at(v, 0)
    }

    fn retained_at(&mut self, v: TExpr, depth: u32) -> TExpr {
        if depth > 64 || !self.cx.has_handles(&v.ty) || ownership(&v) != Own::Borrowed {
            return v;
        }
        let (line, ty) = (v.line, v.ty.clone());
        if let Some(f) = retain_fn(&ty) {
            return self.rt_call(f, vec![v], ty, line);
        }
        if let Ty::Struct(s, _) = ty
            && let Some(&id) = self.cx.structs[s as usize].methods.get("__copyinit__")
        {
            return TExpr::new(K::Construct(id, vec![TArg::Value(v)]), ty, line);
        }
        let fields: Vec<Ty> = match &ty {
            Ty::Struct(..) => super::generics::fields_of(self.cx, &ty)
                .unwrap_or_default()
                .into_iter()
                .map(|(_, t)| t)
                .collect(),
            Ty::Tuple(ts) => ts.clone(),
            _ => return v,
        };
        let (stmts, base) = self.spill(v);
        let vals = fields
            .into_iter()
            .enumerate()
            .map(|(i, ft)| {
                let f = TExpr::new(K::Field(Box::new(base.clone()), i as u32), ft, line);
                self.retained_at(f, depth + 1)
            })
            .collect();
        let agg = TExpr::new(K::Aggregate(vals), ty.clone(), line);
        if stmts.is_empty() {
            agg
        } else {
            TExpr::new(K::Seq(stmts, Box::new(agg)), ty, line)
        }
    }

    /// A returned value: returning an owned local moves it out.
    pub(crate) fn returned_value(&mut self, v: TExpr, span: Span) -> TExpr {
        if let K::Local(l) = v.kind
            && self.owns(l)
            && (self.cx.needs_drop(&v.ty) || !self.cx.implicitly_copyable(&v.ty))
        {
            self.flow.moved.insert(l, span);
            return TExpr::new(K::Move(l), v.ty, v.line);
        }
        self.owned_value(v, span)
    }

    /// Whether a local holds its own value (a variable or `var` argument), not a reference.
    pub(crate) fn owns(&self, l: LocalId) -> bool {
        let local = &self.locals[l.0 as usize];
        !local.by_ref
            && !self.immutable[l.0 as usize]
            && !self.ref_locals.contains(&l)
            && self.own.drops.deinit.as_ref().is_none_or(|(d, _)| *d != l)
    }

    /// `x^`: ends the lifetime of the local `x` and yields its value.
    pub(crate) fn transfer(&mut self, inner: &Expr, span: Span, expected: Option<&Ty>) -> TExpr {
        let v = self.expr(inner, expected);
        if let ExprKind::Name(n) = &inner.kind
            && let Some(l) = self.lookup_local(n)
            && matches!(v.kind, K::Local(_) | K::Deref(_))
        {
            if let Some(why) = self.unmovable(l) {
                self.error(
                    Diag::error(E_COPY, format!("cannot move out of `{n}`: {why}"), span)
                        .with_hint(format!("copy it with `{n}.copy()` instead")),
                );
                // (An rvalue, so the error is not reported again as an implicit copy.)
                return self.rebuilt(v);
            }
            self.flow.moved.insert(l, span);
            return TExpr::new(K::Move(l), v.ty, v.line);
        }
        if let K::Field(b, i) = &v.kind
            && let K::Local(d) = b.kind
            && self.is_deinit(d)
        {
            // Moving a field out of a `deinit` argument: that field is not destroyed.
            let i = *i;
            if let Some((_, moved)) = self.own.drops.deinit.as_mut() {
                moved.push(i);
            }
            if !matches!(v.ty, Ty::Struct(..) | Ty::Tuple(_)) {
                // A moved value, not a place (so no implicit-copy check applies).
                let (ty, line) = (v.ty.clone(), v.line);
                return TExpr::new(K::Seq(Vec::new(), Box::new(v)), ty, line);
            }
            return self.rebuilt(v);
        }
        if is_place(&v) && !self.cx.implicitly_copyable(&v.ty) {
            let what = if matches!(v.kind, K::Field(..)) {
                "a field"
            } else {
                "an element"
            };
            self.error(
                Diag::error(E_COPY, format!("cannot move out of {what}"), span)
                    .with_hint("move the whole value (`x^`), or copy the part with `.copy()`"),
            );
            return self.rebuilt(v);
        }
        v
    }

    /// The value of a struct place as a new value (an aggregate of its fields), so that it
    /// counts as moved rather than copied.
    fn rebuilt(&self, v: TExpr) -> TExpr {
        // The field types of this instance (a generic struct's with its arguments).
        let types: Vec<Ty> = match &v.ty {
            Ty::Struct(..) => super::generics::fields_of(self.cx, &v.ty)
                .unwrap_or_default()
                .into_iter()
                .map(|(_, t)| t)
                .collect(),
            Ty::Tuple(ts) => ts.clone(),
            _ => return v,
        };
        let line = v.line;
        let fields = types
            .into_iter()
            .enumerate()
            .map(|(i, t)| TExpr::new(K::Field(Box::new(v.clone()), i as u32), t, line))
            .collect();
        TExpr::new(K::Aggregate(fields), v.ty, line)
    }

    fn is_deinit(&self, l: LocalId) -> bool {
        self.own.drops.deinit.as_ref().is_some_and(|(d, _)| *d == l)
    }

    /// Why a local cannot be moved from, if it cannot.
    fn unmovable(&self, l: LocalId) -> Option<&'static str> {
        if self.ref_locals.contains(&l) {
            Some("it refers to a collection element")
        } else if self.immutable[l.0 as usize] {
            Some("it is a read-only argument (declare it `var` to own it)")
        } else if self.locals[l.0 as usize].by_ref {
            Some("it is a `mut` argument, a reference to the caller's value")
        } else if self.is_deinit(l) {
            Some("it is being destroyed")
        } else {
            None
        }
    }

    /// `T(copy=x)`: Mojo 1.0's spelling of an explicit copy.
    pub(crate) fn copy_construct(
        &mut self,
        s: u32,
        args: &[ast::Arg],
        span: Span,
    ) -> Option<TExpr> {
        let [a] = args else { return None };
        if a.name.as_ref().is_none_or(|n| n.name != "copy") {
            return None;
        }
        // A user `__init__` with an ordinary argument named `copy` keeps its meaning.
        if let Some(&init) = self.cx.structs[s as usize].methods.get("__init__")
            && self.cx.funcs[init.0 as usize]
                .sig
                .params
                .iter()
                .any(|p| p.name == "copy")
        {
            return None;
        }
        if !self.cx.structs[s as usize].params.is_empty() {
            // A generic struct: the instance is the argument's.
            let v = self.expr(&a.value, None);
            return Some(self.copy_value(v, span));
        }
        let want = Ty::st(s);
        let v = self.expr(&a.value, Some(&want));
        let v = self.coerce(v, &want, a.value.span);
        Some(self.copy_value(v, span))
    }

    /// `x.copy()` / `T(copy=x)`: an explicit copy.
    pub(crate) fn copy_value(&mut self, v: TExpr, span: Span) -> TExpr {
        if !self.cx.copyable(&v.ty) {
            let t = self.ty_name(&v.ty);
            self.error(
                Diag::error(E_COPY, format!("`{t}` is not copyable"), span).with_hint(format!(
                    "declare `struct {t}(Copyable)` to give it `.copy()`"
                )),
            );
            return self.rebuilt(v);
        }
        let c = self.copy_of(v, 0);
        self.new_value(c)
    }

    /// A scalar place used as a new value (the explicit copy `x.copy()` or the conversion
    /// `Bool(x)` of a scalar is the value itself): read into a temporary, so that it counts
    /// as a new value (with `x: T`, `var y = x.copy()` is not an implicit copy).
    pub(crate) fn new_value(&mut self, v: TExpr) -> TExpr {
        if !is_place(&v) || matches!(v.kind, K::Seq(..)) || self.cx.needs_drop(&v.ty) {
            return v;
        }
        let (ty, line) = (v.ty.clone(), v.line);
        let (st, read) = self.temp(v);
        TExpr::new(K::Seq(vec![st], Box::new(read)), ty, line)
    }

    fn copy_of(&mut self, v: TExpr, depth: u32) -> TExpr {
        let line = v.line;
        let v_ty0 = v.ty.clone();
        match v.ty.clone() {
            Ty::Struct(s, _) if depth < 64 => {
                if let Some(&id) = self.cx.structs[s as usize].methods.get("__copyinit__") {
                    let v = self.hold_temp(v);
                    return construct_copy(id, v_ty0, v, line);
                }
                // Field by field, each field copied as its own type copies.
                let (stmts, base) = self.spill(v);
                let fields = super::generics::fields_of(self.cx, &v_ty0).unwrap_or_default();
                let mut vals = Vec::with_capacity(fields.len());
                for (i, (_, ft)) in fields.into_iter().enumerate() {
                    let f = TExpr::new(K::Field(Box::new(base.clone()), i as u32), ft, line);
                    vals.push(self.copy_of(f, depth + 1));
                }
                let agg = TExpr::new(K::Aggregate(vals), v_ty0.clone(), line);
                if stmts.is_empty() {
                    agg
                } else {
                    // (A `Seq` ending in a value, not a place: the copy is a new value.)
                    TExpr::new(K::Seq(stmts, Box::new(agg)), v_ty0, line)
                }
            }
            Ty::Tuple(ts) if depth < 64 && ts.iter().any(|t| !self.cx.implicitly_copyable(t)) => {
                // Element by element: a tuple holding a list copies the list.
                let (stmts, base) = self.spill(v);
                let vals = ts
                    .into_iter()
                    .enumerate()
                    .map(|(i, t)| {
                        let e = TExpr::new(K::Field(Box::new(base.clone()), i as u32), t, line);
                        self.copy_of(e, depth + 1)
                    })
                    .collect();
                let agg = TExpr::new(K::Aggregate(vals), v_ty0.clone(), line);
                if stmts.is_empty() {
                    agg
                } else {
                    TExpr::new(K::Seq(stmts, Box::new(agg)), v_ty0, line)
                }
            }
            _ => self.retained(v),
        }
    }

    /// A place that can be read several times without repeating side effects: the
    /// statements to run first and the place.
    fn spill(&mut self, v: TExpr) -> (Vec<TStmt>, TExpr) {
        match v.kind {
            K::Local(_) => (Vec::new(), v),
            K::Field(..) if is_place(&v) && !has_seq(&v) => (Vec::new(), v),
            _ => {
                let v = self.hold_temp(v);
                match v.kind {
                    K::Seq(st, read) => (st, *read),
                    _ => {
                        let (st, read) = self.temp(v);
                        (vec![st], read)
                    }
                }
            }
        }
    }

    /// `a`, `a.b` for simple places, for hints.
    pub(crate) fn describe(&self, v: &TExpr) -> Option<String> {
        match &v.kind {
            K::Local(l) => {
                let n = &self.locals[l.0 as usize].name;
                (!n.is_empty()).then(|| n.clone())
            }
            K::Deref(b) => self.describe(b),
            K::Field(b, i) => {
                let base = self.describe(b)?;
                let Ty::Struct(s, _) = b.ty else { return None };
                let f = &self.cx.structs[s as usize].fields.get(*i as usize)?.0;
                Some(format!("{base}.{f}"))
            }
            _ => None,
        }
    }

    // ---- moves inside loops ----

    pub(crate) fn loop_enter(&mut self) {
        self.own.loops.push(LoopTrack {
            outer: self.locals.len() as u32,
            first: HashMap::new(),
            continued: HashMap::new(),
        });
    }

    /// Reports a local moved in a loop body (and not assigned again before the next
    /// iteration) that the body uses again before assigning it.
    pub(crate) fn loop_exit(&mut self, before: &super::flow::FlowState) {
        let Some(t) = self.own.loops.pop() else {
            return;
        };
        let mut back = t.continued;
        if !self.dead {
            for (l, s) in &self.flow.moved {
                back.entry(*l).or_insert(*s);
            }
        }
        let mut back: Vec<(LocalId, Span)> = back.into_iter().collect();
        back.sort_by_key(|(l, _)| *l);
        for (l, moved_at) in back {
            if l.0 >= t.outer || before.moved.contains_key(&l) {
                continue;
            }
            if let Some(&(true, used_at)) = t.first.get(&l) {
                let n = self.locals[l.0 as usize].name.clone();
                self.error(
                    Diag::error(
                        E_UNINIT,
                        format!("use of `{n}` after it was moved in the previous iteration of the loop"),
                        used_at,
                    )
                    .with_label(moved_at, "moved here")
                    .with_hint(format!(
                        "assign `{n}` again before the next iteration, copy it with `{n}.copy()`, or `break` after the move"
                    )),
                );
            }
        }
    }

    pub(crate) fn note_continue(&mut self) {
        let moved: Vec<(LocalId, Span)> = self.flow.moved.iter().map(|(l, s)| (*l, *s)).collect();
        if let Some(t) = self.own.loops.last_mut() {
            for (l, s) in moved {
                t.continued.entry(l).or_insert(s);
            }
        }
    }

    /// Records the first access to a local in each enclosing loop body.
    pub(crate) fn note_access(&mut self, l: LocalId, read: bool, span: Span) {
        for t in &mut self.own.loops {
            t.first.entry(l).or_insert((read, span));
        }
    }
}

/// A call of the copy constructor `id` of `t` (of its instance, for a generic struct).
fn construct_copy(id: crate::tir::FnId, t: Ty, v: TExpr, line: u32) -> TExpr {
    let args = vec![TArg::Value(v)];
    match &t {
        Ty::Struct(_, a) if !a.is_empty() => {
            TExpr::new(K::ConstructInst(id, a.clone(), args), t, line)
        }
        _ => TExpr::new(K::Construct(id, args), t, line),
    }
}

fn has_seq(e: &TExpr) -> bool {
    match &e.kind {
        K::Seq(..) => true,
        K::Field(b, _) => has_seq(b),
        _ => false,
    }
}

fn wrap_scope(locals: Vec<LocalId>, body: Vec<TStmt>) -> Vec<TStmt> {
    if locals.is_empty() {
        body
    } else {
        vec![TStmt::Scope { locals, body }]
    }
}
