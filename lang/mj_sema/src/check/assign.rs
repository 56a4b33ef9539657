//! Assignment statements (`=`, `+=`, ...): place typing, coercion of the stored value
//! and the checks that a target may be written to.

use mj_syntax::ast::{self, Expr, ExprKind};
use mj_syntax::{Diag, Span};

use super::body::FnCx;
use super::expr::is_place;
use super::{E_ASSIGN, E_MISMATCH, E_NOT_INDEXABLE};
use crate::tir::{TExpr, TExprKind as K, TStmt};
use crate::ty::Ty;

impl FnCx<'_> {
    /// Assigns `value` (an AST expression) to `target`, declaring names implicitly.
    pub(super) fn assign(&mut self, target: &Expr, value: &Expr, out: &mut Vec<TStmt>) {
        // `reflect[T].field_ref[i](x) = v`: the field of `x`.
        if let Some(field) = self.field_ref_expr(target) {
            return self.assign(&field, value, out);
        }
        // `_ = value` evaluates and discards the value (of any type, every time).
        if matches!(&target.kind, ExprKind::Name(n) if n == "_") {
            let v = self.expr(value, None);
            let v = if self.cx.needs_drop(&v.ty) {
                self.discarded(v)
            } else {
                v
            };
            out.push(TStmt::Expr(v));
            return;
        }
        if let ExprKind::Name(n) = &target.kind
            && self.lookup_local(n).is_none()
        {
            if self.reject_const_assign(n, target.span) {
                self.expr(value, None);
                return;
            }
            let v = self.expr(value, None);
            if n == "_" && self.cx.needs_drop(&v.ty) {
                // `_ = value` discards the value: it dies at the end of the statement.
                let v = self.discarded(v);
                out.push(TStmt::Expr(v));
                return;
            }
            let v = self.owned_value(v, value.span);
            let v = self.moved_into_variable(v, value);
            let ty = if v.ty == Ty::Unit {
                Ty::Unknown
            } else {
                v.ty.clone()
            };
            let l = self.new_local(n, ty.clone(), false);
            self.decl_spans.insert(l, target.span);
            // Implicit declarations are function-scoped, as in Python.
            self.scopes[0].insert(n.clone(), l);
            self.own_local(l, true);
            let line = self.line(target.span);
            out.push(TStmt::Assign(TExpr::new(K::Local(l), ty, line), v));
            return;
        }
        if let ExprKind::Tuple(_) = &target.kind {
            let v = self.expr(value, None);
            self.assign_value(target, v, value.span, out);
            return;
        }
        let expected = self.place_type(target);
        let v = self.expr(value, expected.as_ref());
        let v = if matches!(target.kind, ExprKind::Name(_)) {
            self.moved_into_variable(v, value)
        } else {
            v
        };
        self.assign_value(target, v, value.span, out);
    }

    /// Reports an assignment to a `comptime` constant (which Mojo rejects; it is not a new
    /// local that shadows the constant). Returns whether `n` names a constant.
    pub(super) fn reject_const_assign(&mut self, n: &str, span: Span) -> bool {
        let is_const = self.consts.contains_key(n)
            || self
                .owner
                .is_some_and(|s| self.cx.structs[s as usize].consts.contains_key(n))
            || matches!(
                self.cx.modules[self.m].scope.get(n),
                Some(super::Item::Const(_))
            );
        if is_const {
            self.error(
                Diag::error(
                    E_ASSIGN,
                    format!("cannot assign to `{n}`: it is a `comptime` constant"),
                    span,
                )
                .with_hint(format!(
                    "declare a variable initialized from it: `var {} = {n}`",
                    n.to_lowercase()
                )),
            );
        }
        is_const
    }

    /// The type of an existing assignable place, without reporting errors.
    fn place_type(&mut self, target: &Expr) -> Option<Ty> {
        match &target.kind {
            ExprKind::Name(n) => self.lookup_local(n).map(|l| self.local_ty(l)),
            ExprKind::Attr { base, name } => {
                let bt = self.place_type(base)?;
                match bt {
                    t @ Ty::Struct(..) => super::generics::fields_of(self.cx, &t)?
                        .into_iter()
                        .find(|(f, _)| *f == name.name)
                        .map(|(_, t)| t),
                    _ => None,
                }
            }
            ExprKind::Index { base, .. } => match self.place_type(base)? {
                Ty::RawPtr(t, _) | Ty::Array(t, _) | Ty::Vector(t, _) | Ty::Span(t) => Some(*t),
                t @ Ty::Struct(..) => {
                    let s = t.struct_id()?;
                    let methods = &self.cx.structs[s as usize].methods;
                    if !methods.contains_key("__setitem__") {
                        // An element reached through a `-> ref` `__getitem__`.
                        let id = *methods.get("__getitem__")?;
                        let sig = super::generics::subst_sig(
                            &self.cx.funcs[id.0 as usize].sig,
                            &self.method_prefix(id, &t),
                        );
                        return match sig.ret {
                            Ty::Ptr(e) => Some(*e),
                            _ => None,
                        };
                    }
                    let id = *self.cx.structs[s as usize].methods.get("__setitem__")?;
                    let sig = super::generics::subst_sig(
                        &self.cx.funcs[id.0 as usize].sig,
                        &self.method_prefix(id, &t),
                    );
                    sig.params
                        .last()
                        .filter(|_| sig.params.len() >= 3)
                        .map(|p| p.ty.clone())
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// Stores an already-checked value into `target`.
    pub fn assign_value(&mut self, target: &Expr, v: TExpr, vspan: Span, out: &mut Vec<TStmt>) {
        let line = self.line(target.span);
        match &target.kind {
            ExprKind::Name(n) => match self.lookup_local(n) {
                Some(l) if self.ref_locals.contains(&l) => {
                    // A loop variable bound to a List element: assign through the reference.
                    let place = self.local_read(l, line);
                    let ty = place.ty.clone();
                    let v = self.coerce(v, &ty, vspan);
                    let v = self.owned_value(v, vspan);
                    out.push(TStmt::Assign(place, v));
                }
                Some(l) => {
                    // (Overwriting a value that owns nothing leaves a reference to it
                    // valid; one that owns memory frees it.)
                    if self.cx.needs_drop(&self.local_ty(l)) {
                        self.check_exclusive(target, "assigning to it");
                    }
                    self.note_access(l, false, target.span);
                    self.flow.uninit.remove(&l);
                    self.flow.moved.remove(&l);
                    if self.immutable[l.0 as usize] {
                        self.error(
                            Diag::error(
                                E_ASSIGN,
                                format!("cannot assign to `{n}`: it is a read-only argument"),
                                target.span,
                            )
                            .with_hint(format!("declare the argument as `mut {n}` or `var {n}`")),
                        );
                    }
                    let ty = self.locals[l.0 as usize].ty.clone();
                    if ty.is_unknown() && !v.ty.is_unknown() {
                        self.locals[l.0 as usize].ty = v.ty.clone();
                    }
                    let ty = self.locals[l.0 as usize].ty.clone();
                    let v = self.coerce(v, &ty, vspan);
                    let v = self.owned_value(v, vspan);
                    let place = TExpr::new(K::Local(l), ty, line);
                    self.note_init(&place);
                    out.push(TStmt::Assign(place, v));
                }
                None => {
                    if self.reject_const_assign(n, target.span) {
                        return;
                    }
                    let v = self.owned_value(v, vspan);
                    let ty = v.ty.clone();
                    let l = self.new_local(n, ty.clone(), false);
                    self.scopes[0].insert(n.clone(), l);
                    self.own_local(l, true);
                    out.push(TStmt::Assign(TExpr::new(K::Local(l), ty, line), v));
                }
            },
            ExprKind::Tuple(items) | ExprKind::List(items) => {
                // A new tuple is released at the end of the statement; the names take
                // copies of its elements. The elements of a new tuple are moved out of it
                // (`a, b = b.copy(), a.copy()`), so they need not be implicitly copyable.
                let parts_moved = !is_place(&v) || self.own.moving_parts;
                let tmp = self.spill_to(v, out);
                let saved = std::mem::replace(&mut self.own.moving_parts, parts_moved);
                match tmp.ty.clone() {
                    Ty::Tuple(ts) if ts.len() == items.len() => {
                        for (i, (it, t)) in items.iter().zip(ts).enumerate() {
                            // `a, _ = f()`: `_` discards its element (it names nothing).
                            if matches!(&it.kind, ExprKind::Name(n) if n == "_")
                                && self.lookup_local("_").is_none()
                            {
                                continue;
                            }
                            let f = TExpr::new(K::Field(Box::new(tmp.clone()), i as u32), t, line);
                            self.assign_value(it, f, vspan, out);
                        }
                    }
                    Ty::Unknown => {}
                    t => {
                        let msg = format!(
                            "cannot unpack a `{}` into {} names",
                            self.ty_name(&t),
                            items.len()
                        );
                        self.error(Diag::error(E_MISMATCH, msg, vspan));
                    }
                }
                self.own.moving_parts = saved;
            }
            ExprKind::Index { base, args } if !args.is_empty() => {
                let b = self.expr(base, None);
                // `v[T] = x` of a `Variant`: the reference `__getitem_param__[T]` returns.
                let param_get = matches!(b.ty, Ty::Struct(..))
                    && self.has_method(&b.ty, "__getitem_param__")
                    && self.all_types(args);
                if let Ty::Struct(..) = b.ty
                    && (param_get
                        || (!self.has_method(&b.ty, "__setitem__")
                            && self.has_method(&b.ty, "__getitem__")))
                {
                    // No `__setitem__`: a `__getitem__` that returns a reference
                    // (`-> ref[self] T`) is the place to store into.
                    if self.is_library_list(&b.ty) {
                        self.check_mut_use(target, "assigning to an element");
                    } else {
                        self.check_field_assignable(base, target.span);
                        self.check_assign_exclusive(target);
                    }
                    let place = if param_get {
                        let name = ast::Ident {
                            name: "__getitem_param__".into(),
                            span: base.span,
                        };
                        self.method_call_ex(base, b, &name, Some(args), &[], target.span)
                    } else if let [a] = args.as_slice()
                        && a.name.is_none()
                        && self.is_library_list(&b.ty)
                    {
                        self.library_list_elem(b, &a.value)
                    } else {
                        self.struct_method_call(b, "__getitem__", args, target.span, "")
                    };
                    if !matches!(place.kind, K::Deref(_)) {
                        if !place.ty.is_unknown() {
                            self.error(
                                Diag::error(E_ASSIGN, "cannot assign to this element", target.span)
                                    .with_hint(
                                        "define `__setitem__`, or return a reference from \
                                         `__getitem__` (`-> ref[self] T`)",
                                    ),
                            );
                        }
                        return;
                    }
                    let ty = place.ty.clone();
                    let v = self.coerce(v, &ty, vspan);
                    let v = self.owned_value(v, vspan);
                    out.push(TStmt::Assign(place, v));
                    return;
                }
                if let Ty::Struct(..) = b.ty {
                    // `obj[i] = v` calls `obj.__setitem__(i, v)`. A `__setitem__` that
                    // takes `self` by `read` writes through a pointer (a tensor view): the
                    // view itself need not be mutable.
                    let writes_through =
                        b.ty.struct_id()
                            .and_then(|s| self.cx.structs[s as usize].methods.get("__setitem__"))
                            .and_then(|id| self.cx.funcs[id.0 as usize].sig.params.first())
                            .is_some_and(|p| p.conv == super::Conv::Read);
                    if !writes_through {
                        self.check_field_assignable(base, target.span);
                    }
                    self.check_assign_exclusive(target);
                    let mut all: Vec<ast::Arg> = args.to_vec();
                    let owned =
                        b.ty.struct_id()
                            .and_then(|s| self.cx.structs[s as usize].methods.get("__setitem__"))
                            .and_then(|id| self.cx.funcs[id.0 as usize].sig.params.last())
                            .is_some_and(|p| p.conv == super::Conv::Owned);
                    // The value the `var` parameter takes over: a place is copied (or is an
                    // error when it cannot be copied implicitly), as for any `var` argument.
                    let v = if owned { self.owned_value(v, vspan) } else { v };
                    let (st, tmp) = self.temp(v);
                    out.push(st);
                    let tmp_name = format!("$setitem{}", self.locals.len());
                    let K::Local(l) = tmp.kind else { return };
                    if let Some(scope) = self.scopes.last_mut() {
                        scope.insert(tmp_name.clone(), l);
                    }
                    let name = Expr {
                        kind: ExprKind::Name(tmp_name.clone()),
                        span: vspan,
                    };
                    // A `var value` parameter takes the stored value over (`tmp^`).
                    let value = if owned {
                        Expr {
                            kind: ExprKind::Transfer(Box::new(name)),
                            span: vspan,
                        }
                    } else {
                        name
                    };
                    all.push(ast::Arg {
                        name: None,
                        value,
                        span: vspan,
                    });
                    let call = self.struct_method_call(
                        b,
                        "__setitem__",
                        &all,
                        target.span,
                        "does not support item assignment",
                    );
                    if let Some(sc) = self.scopes.last_mut() {
                        sc.remove(&tmp_name);
                    }
                    out.push(TStmt::Expr(call));
                    return;
                }
                if args.len() != 1 {
                    let msg = format!("`{}` takes one index", self.ty_name(&b.ty));
                    self.error(Diag::error(E_NOT_INDEXABLE, msg, target.span));
                    return;
                }
                match b.ty.clone() {
                    Ty::Vector(..) => {
                        self.check_mut_use(target, "assigning to a lane");
                        self.simd_set_lane(b, &args[0].value, v, vspan, out);
                    }
                    Ty::Array(..) => {
                        self.check_mut_use(target, "assigning to an element");
                        let place = self.expr(target, None);
                        let ty = place.ty.clone();
                        let v = self.coerce(v, &ty, vspan);
                        self.check_stored(&v, vspan);
                        out.push(TStmt::Assign(place, v));
                    }
                    // A scalar's only lane: `x[0] = v` assigns `x`.
                    Ty::Int { .. } | Ty::Float { .. } | Ty::Bool if is_place(&b) => {
                        self.check_mut_use(target, "assigning to a lane");
                        let i = self.expr(&args[0].value, Some(&Ty::INT));
                        let i = self.coerce(i, &Ty::INT, args[0].value.span);
                        out.push(TStmt::Expr(i));
                        let ty = b.ty.clone();
                        let v = self.coerce(v, &ty, vspan);
                        out.push(TStmt::Assign(b, v));
                    }
                    Ty::RawPtr(..) | Ty::Span(_) | Ty::Unknown => {
                        let place = self.expr(target, None);
                        let ty = place.ty.clone();
                        let v = self.coerce(v, &ty, vspan);
                        self.check_stored(&v, vspan);
                        out.push(TStmt::Assign(place, v));
                    }
                    t => {
                        let msg = format!("cannot assign to an element of `{}`", self.ty_name(&t));
                        self.error(Diag::error(E_NOT_INDEXABLE, msg, target.span).with_hint(
                            if t == Ty::Str {
                                "strings are immutable; build a new String instead"
                            } else {
                                "only List and Dict elements can be assigned"
                            },
                        ));
                    }
                }
            }
            ExprKind::Attr { base, .. } => {
                self.check_field_assignable(base, target.span);
                self.check_assign_exclusive(target);
                let place = self.expr(target, None);
                if !matches!(place.kind, K::Field(..)) && !place.ty.is_unknown() {
                    self.error(Diag::error(
                        E_ASSIGN,
                        "cannot assign to this expression",
                        target.span,
                    ));
                    return;
                }
                let ty = place.ty.clone();
                let v = self.coerce(v, &ty, vspan);
                let v = self.owned_value(v, vspan);
                self.note_init(&place);
                out.push(TStmt::Assign(place, v));
            }
            ExprKind::Error => {}
            // `p[] = v` (a pointee) and `f(x) = v` (a call returning a reference).
            ExprKind::Index { .. } | ExprKind::Call { .. } => {
                let place = self.expr(target, None);
                // (A call may come with checks before it: `opt.value()` tests the value is
                // there; the place is what the sequence ends in.)
                let refers = match &place.kind {
                    K::Deref(_) => true,
                    K::Seq(_, v) => matches!(v.kind, K::Deref(_)),
                    _ => false,
                };
                if !refers {
                    if !place.ty.is_unknown() {
                        self.error(
                            Diag::error(E_ASSIGN, "cannot assign to this expression", target.span)
                                .with_hint(
                                    "a call can be assigned to only when it returns a `ref`",
                                ),
                        );
                    }
                    return;
                }
                let ty = place.ty.clone();
                let v = self.coerce(v, &ty, vspan);
                let v = self.owned_value(v, vspan);
                out.push(TStmt::Assign(place, v));
            }
            _ => self.error(
                Diag::error(E_ASSIGN, "cannot assign to this expression", target.span)
                    .with_hint("assign to a name, a field (`a.x`) or an element (`a[i]`)"),
            ),
        }
    }

    /// The name of the read-only argument a place expression is rooted in, following
    /// field accesses (and element accesses when `through_index`), if any.
    fn read_only_root<'e>(&self, place: &'e Expr, through_index: bool) -> Option<&'e str> {
        let mut root = place;
        loop {
            match &root.kind {
                ExprKind::Attr { base, .. } => root = base,
                ExprKind::Index { base, .. } if through_index => root = base,
                _ => break,
            }
        }
        let ExprKind::Name(n) = &root.kind else {
            return None;
        };
        let l = self.lookup_local(n)?;
        self.immutable[l.0 as usize].then_some(n.as_str())
    }

    /// `self.x = ...` in a method whose `self` is read-only is an error.
    fn check_field_assignable(&mut self, base: &Expr, span: Span) {
        if let Some(n) = self.read_only_root(base, false) {
            self.error(
                Diag::error(
                    E_ASSIGN,
                    format!("cannot assign to a field of `{n}`: it is read-only here"),
                    span,
                )
                .with_hint(format!("declare it as `mut {n}`")),
            );
        }
    }

    /// A `mut` use (a `mut self` method call, a `mut` argument) of a place rooted in a
    /// read-only argument is an error: the callee would modify the caller's value.
    /// The place of `origin_of(place)`, if `e` is that call (and `origin_of` is not a
    /// user name).
    pub(super) fn origin_of_arg<'e>(&self, e: &'e Expr) -> Option<&'e Expr> {
        match &e.kind {
            ExprKind::Call { func, args } => match (&func.kind, args.as_slice()) {
                (ExprKind::Name(n), [a])
                    if n == "origin_of"
                        && a.name.is_none()
                        && self.lookup_local(n).is_none()
                        && !self.cx.modules[self.m].scope.contains_key(n) =>
                {
                    Some(&a.value)
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// `origin_of(x).mut`: whether `x` may be mutated here (a variable, a `mut` argument
    /// or a field of one), as a compile-time `Bool`.
    pub(super) fn origin_mut(&mut self, e: &Expr, line: u32) -> TExpr {
        let place = self.origin_of_arg(e).cloned();
        let mutable = match place {
            Some(p) => {
                let v = self.expr(&p, None);
                is_place(&v) && self.read_only_root(&p, true).is_none()
            }
            None => false,
        };
        TExpr::new(K::Bool(mutable), Ty::Bool, line)
    }

    /// An assignment to a field or an element, against live references (a field that
    /// owns nothing can be overwritten under a reference to it).
    fn check_assign_exclusive(&mut self, target: &Expr) {
        if self.borrows.is_empty() {
            return;
        }
        if matches!(target.kind, ExprKind::Index { .. }) {
            self.check_exclusive(target, "assigning to an element");
        } else if self
            .place_type(target)
            .is_none_or(|t| self.cx.needs_drop(&t))
        {
            self.check_exclusive(target, "assigning to a field");
        }
    }

    pub(super) fn check_mut_use(&mut self, place: &Expr, what: &str) {
        self.check_exclusive(place, what);
        if let Some(n) = self.read_only_root(place, true) {
            self.error(
                Diag::error(
                    E_ASSIGN,
                    format!("{what} needs a mutable value, but `{n}` is read-only here"),
                    place.span,
                )
                .with_hint(format!("declare it as `mut {n}`")),
            );
        }
    }

    pub(super) fn aug_assign(
        &mut self,
        target: &Expr,
        op: ast::BinOp,
        value: &Expr,
        span: Span,
        out: &mut Vec<TStmt>,
    ) {
        // `d[k] op= v` reads (raising on a missing key) and writes back through the runtime.
        let as_binary = Expr {
            kind: ExprKind::Binary {
                op,
                lhs: Box::new(target.clone()),
                rhs: Box::new(value.clone()),
            },
            span,
        };
        if let ExprKind::Name(n) = &target.kind
            && self.lookup_local(n).is_none()
        {
            if self.reject_const_assign(n, target.span) {
                self.expr(value, None);
                return;
            }
            let mut d = Diag::error(
                super::E_UNDEFINED,
                format!("use of undefined name `{n}`"),
                target.span,
            );
            let names = self.visible_local_names();
            if let Some(s) = self.cx.suggest_global(
                self.m,
                n,
                &names.iter().map(String::as_str).collect::<Vec<_>>(),
            ) {
                d = d.with_hint(format!("did you mean `{s}`?"));
            }
            self.error(d);
            return;
        }
        // `obj[k()] op= v` on a struct (the library's `List`, `Dict`): the key is
        // evaluated once, into a hidden local, and `obj[tmp] = obj[tmp] op v` follows.
        if let ExprKind::Index { base, args } = &target.kind
            && let [a] = args.as_slice()
            && a.name.is_none()
            && !matches!(
                a.value.kind,
                ExprKind::Slice { .. } | ExprKind::Name(_) | ExprKind::Int(_) | ExprKind::Str(_)
            )
            && !is_hidden_key_copy(&a.value)
            && let Some(Ty::Struct(..)) = self.place_type(base)
        {
            let k = self.expr(&a.value, None);
            let k_ty = k.ty.clone();
            let name = format!("$key{}", self.locals.len());
            let l = self.new_local(&name, k.ty.clone(), false);
            self.own_local(l, false);
            let line = self.line(a.value.span);
            out.push(TStmt::Assign(
                TExpr::new(K::Local(l), k.ty.clone(), line),
                k,
            ));
            if let Some(sc) = self.scopes.last_mut() {
                sc.insert(name.clone(), l);
            }
            let implicit = self.cx.implicitly_copyable(&k_ty);
            let mut key = a.clone();
            key.value = Expr {
                kind: ExprKind::Name(name),
                span: a.value.span,
            };
            // (The key is used twice, `__getitem__` and `__setitem__`: a key that is not
            // `ImplicitlyCopyable` is copied explicitly, as `d[k] = d[k] + v` would need.)
            if !implicit {
                key.value = Expr {
                    kind: ExprKind::Call {
                        func: Box::new(Expr {
                            kind: ExprKind::Attr {
                                base: Box::new(key.value),
                                name: mj_syntax::ast::Ident {
                                    name: "copy".into(),
                                    span: a.value.span,
                                },
                            },
                            span: a.value.span,
                        }),
                        args: Vec::new(),
                    },
                    span: a.value.span,
                };
            }
            let target = Expr {
                kind: ExprKind::Index {
                    base: base.clone(),
                    args: vec![key],
                },
                span: target.span,
            };
            self.aug_assign(&target, op, value, span, out);
            return;
        }
        // `a op= b` on a struct with `__iop__` mutates it in place.
        if let Some(Ty::Struct(s, _)) = self.place_type(target)
            && let Some(d) = op.dunder()
        {
            let iname = format!("__i{}", &d[2..]);
            if self.cx.structs[s as usize].methods.contains_key(&iname) {
                let place = self.expr(target, None);
                // `s |= {}`, `l += []`: an empty literal takes the target's type.
                let hint = super::expr::is_empty_collection(value).then(|| place.ty.clone());
                let rhs = self.expr(value, hint.as_ref());
                if let Some(call) = self.dunder_call(place, &iname, vec![rhs], span) {
                    out.push(TStmt::Expr(call));
                }
                return;
            }
        }
        let v = self.expr(&as_binary, None);
        self.assign_value(target, v, span, out);
    }
}

/// `$keyN.copy()`: the hidden key of `obj[k()] op= v`, copied (already evaluated once).
fn is_hidden_key_copy(e: &Expr) -> bool {
    matches!(&e.kind, ExprKind::Call { func, args } if args.is_empty()
        && matches!(&func.kind, ExprKind::Attr { base, name } if name.name == "copy"
            && matches!(&base.kind, ExprKind::Name(n) if n.starts_with("$key"))))
}
