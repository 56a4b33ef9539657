//! Closures: nested `def`s. A closure captures the enclosing function's variables by
//! reference and is called directly or passed as a compile-time parameter to the
//! `std.algorithm` higher-order functions (`vectorize`, `parallelize`, `map`).
//!
//! Each distinct instance of a closure (its own compile-time parameters bound, e.g. the
//! `width` of a `vectorize` body) is checked as a function of its own, "lifted" out of the
//! enclosing one: its captured variables become extra `mut`-like parameters that the call
//! passes by address. Lifted functions travel with the enclosing `TFunction`
//! (`TFunction::lifted`, called through `Callee::Closure`) and the assembler appends them
//! to the program.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use mj_syntax::ast::{Arg, Expr, ExprKind, FnDef, ParamKind};
use mj_syntax::{Diag, Span};

use super::body::FnCx;
use super::flow::always_exits;
use super::generics::{self, TyScope};
use super::{Conv, E_MISSING_RETURN, GParam, ParamSig, Sig};
use crate::rt::Rt;
use crate::tir::{Callee, LocalId, TArg, TExpr, TExprKind as K, TFunction, TStmt};
use crate::ty::{CtArg, Targs, Ty};

/// A nested `def` declared in a body.
#[derive(Clone)]
pub(crate) struct Closure {
    pub def: Arc<FnDef>,
    pub generics: Vec<GParam>,
    /// The signature with the closure's own parameters as `Param(i)`.
    pub sig: Sig,
    /// Variables visible where the closure is defined (what it may capture).
    pub visible: HashMap<String, LocalId>,
    /// Checked instances: index in `lifted`, signature, captured outer locals.
    pub instances: HashMap<Targs, (u32, Sig, Vec<LocalId>)>,
    /// An earlier nested `def` of the same name in the same block: this one overloads it
    /// (a call picks the one whose arguments fit).
    pub prev: Option<usize>,
}

impl FnCx<'_> {
    /// `def name(...)` inside a body.
    pub fn declare_closure(&mut self, d: &FnDef, out: &mut Vec<TStmt>) {
        let with_siblings = self.with_sibling_defs(d);
        let d = &with_siblings;
        let mut diags = Vec::new();
        let scope = self.tscope();
        let own = generics::declare_params(self.cx, self.m, &d.params, &[], &mut diags);
        let (mut types, mut consts) = generics::template_names(&own);
        for (k, v) in scope.types {
            types.entry(k.clone()).or_insert_with(|| v.clone());
        }
        for (k, v) in scope.consts {
            consts.entry(k.clone()).or_insert_with(|| v.clone());
        }
        let inner = TyScope {
            self_ty: scope.self_ty.clone(),
            types: &types,
            consts: &consts,
        };
        let mut params = Vec::new();
        for p in &d.args {
            let variadic = p.kind == mj_syntax::ast::ParamKind::VarArgs;
            if p.kind != mj_syntax::ast::ParamKind::Normal && !variadic {
                continue;
            }
            let ty = match &p.ty {
                Some(t) => super::items::resolve_type(self.cx, self.m, t, &inner, &mut diags),
                None => {
                    diags.push((
                        self.m,
                        Diag::error(
                            super::E_UNKNOWN_TYPE,
                            format!("argument `{}` needs a type", p.name.name),
                            p.name.span,
                        ),
                    ));
                    Ty::Unknown
                }
            };
            let conv = match p.convention {
                mj_syntax::ast::Convention::Mut | mj_syntax::ast::Convention::Inout => Conv::Mut,
                mj_syntax::ast::Convention::Var | mj_syntax::ast::Convention::Owned => Conv::Owned,
                _ => Conv::Read,
            };
            // `*values: T` is a `List[T]` of the extra arguments, as in a function.
            let ty = if variadic {
                match crate::lang_items::lang_struct(self.cx, crate::lang_items::LangItem::List) {
                    Some(ls) => Ty::Struct(ls, vec![CtArg::Type(ty)].into()),
                    None => Ty::Unknown,
                }
            } else {
                ty
            };
            let kw_only = d.args.iter().take_while(|a| !std::ptr::eq(*a, p)).any(|a| {
                a.kind == ParamKind::VarArgs
                    || (a.kind == ParamKind::Separator && a.name.name == "*")
            });
            params.push(ParamSig {
                name: p.name.name.clone(),
                ty,
                conv: if variadic { Conv::Read } else { conv },
                default: p.default.clone(),
                module: self.m,
                variadic,
                kw_only,
            });
        }
        let ret = match &d.ret {
            Some(r) => super::items::resolve_type(self.cx, self.m, r, &inner, &mut diags),
            None => Ty::Unit,
        };
        self.diags.extend(diags);
        let mut visible = HashMap::new();
        for s in &self.scopes {
            for (k, v) in s {
                // Loop variables bound to list elements by address stay out of reach.
                if !self.ref_locals.contains(v) {
                    visible.insert(k.clone(), *v);
                }
            }
        }
        if let Some(caps) = &d.captures {
            visible = self.apply_captures(d, caps, &visible, out);
        }
        let k = self.closures.len();
        self.closures.push(Closure {
            def: Arc::new(d.clone()),
            generics: own,
            sig: Sig {
                params,
                ret,
                raises: d.raises,
                raises_ty: None,
                has_self: false,
            },
            visible,
            instances: HashMap::new(),
            prev: self
                .closure_scopes
                .last()
                .and_then(|s| s.get(&d.name.name).copied()),
        });
        if let Some(s) = self.closure_scopes.last_mut() {
            s.insert(d.name.name.clone(), k);
        }
    }

    /// Among the overloads of nested `def` `k` (it and the earlier ones of its name in its
    /// block), the first, latest first, whose parameters take `args` (count, keywords and
    /// types); `k` itself when none does (its call then reports why).
    pub(crate) fn pick_closure_overload(&mut self, k: usize, args: &[Arg], span: Span) -> usize {
        if self.closures[k].prev.is_none() {
            return k;
        }
        let mut candidate = Some(k);
        while let Some(c) = candidate {
            if self.closure_fits(c, args, span) {
                return c;
            }
            candidate = self.closures[c].prev;
        }
        k
    }

    fn closure_fits(&mut self, c: usize, args: &[Arg], span: Span) -> bool {
        let sig = self.closures[c].sig.clone();
        let generic = !self.closures[c].generics.is_empty();
        let positional = args.iter().filter(|a| a.name.is_none()).count();
        let required = sig
            .params
            .iter()
            .filter(|p| p.default.is_none() && !p.variadic)
            .count();
        let variadic = sig.params.iter().any(|p| p.variadic);
        // Parameters after a bare `*` take keywords only.
        let positional_max = sig.params.iter().filter(|p| !p.kw_only).count();
        if (positional > positional_max && !variadic) || args.len() < required {
            return false;
        }
        if args
            .iter()
            .filter_map(|a| a.name.as_ref())
            .any(|n| !sig.params.iter().any(|p| p.name == n.name))
        {
            return false;
        }
        if generic {
            return true;
        }
        let mut pos = 0;
        for a in args {
            let p = match &a.name {
                Some(n) => sig.params.iter().find(|p| p.name == n.name),
                None => {
                    pos += 1;
                    sig.params.get(pos - 1)
                }
            };
            let Some(p) = p else { continue };
            let want = p.ty.clone();
            let fits = self.on_the_side(|fx| {
                let v = fx.expr(&a.value, Some(&want));
                let before = fx.diags.len();
                let _ = fx.coerce(v, &want, span);
                fx.diags.len() == before
            });
            if !fits {
                return false;
            }
        }
        true
    }

    /// `d` with the nested `def`s declared before it in this body that it calls (or
    /// names) copied to the front of its body: a nested function may call an earlier one,
    /// as in Mojo, and each caller gets a copy of its own (sharing what the copy captures).
    fn with_sibling_defs(&self, d: &FnDef) -> FnDef {
        let mut used: HashSet<String> = HashSet::new();
        let mut note = |e: &Expr| {
            mj_syntax::visit::walk_expr(e, &mut |x| {
                if let ExprKind::Name(n) = &x.kind {
                    used.insert(n.clone());
                }
            });
        };
        mj_syntax::visit::walk_exprs(&d.body, &mut note);
        mj_syntax::visit::walk_module_stmts(&d.body, &mut |st| {
            if let mj_syntax::ast::StmtKind::Def(inner) = &st.kind {
                mj_syntax::visit::walk_exprs(&inner.body, &mut note);
            }
        });
        let own: HashSet<&str> = d.args.iter().map(|a| a.name.name.as_str()).collect();
        let mut ks: Vec<usize> = used
            .iter()
            .filter(|n| *n != &d.name.name && !own.contains(n.as_str()))
            .filter_map(|n| self.lookup_closure(n))
            .collect();
        if ks.is_empty() {
            return d.clone();
        }
        ks.sort_unstable();
        ks.dedup();
        let mut out = d.clone();
        let defs = ks.into_iter().map(|k| mj_syntax::ast::Stmt {
            span: self.closures[k].def.span,
            kind: mj_syntax::ast::StmtKind::Def((*self.closures[k].def).clone()),
        });
        out.body = defs.chain(d.body.iter().cloned()).collect();
        out
    }

    /// What a closure with capture list `caps` sees: the names it captures by reference
    /// (`imm`, `mut`, `ref`, a bare name) as the outer locals themselves, and those it
    /// captures by value (`var x`, `var x^`) as hidden locals copied (or moved) here, where
    /// the closure is defined. An entry without a name (`{mut}`, `{var}`) applies to every
    /// outer value the body uses; `{}` captures nothing.
    fn apply_captures(
        &mut self,
        d: &FnDef,
        caps: &[mj_syntax::ast::Capture],
        outer: &HashMap<String, LocalId>,
        out: &mut Vec<TStmt>,
    ) -> HashMap<String, LocalId> {
        let mut seen = HashMap::new();
        for c in caps {
            let key = c.name.as_ref().map(|n| n.name.clone());
            if seen.insert(key.clone(), c.span).is_some() {
                let what = match &key {
                    Some(n) => format!("`{n}` is captured more than once"),
                    None => "a capture list has at most one entry without a name".to_string(),
                };
                self.error(Diag::error(super::E_DUPLICATE, what, c.span));
            }
        }
        let mut vis = HashMap::new();
        let named: Vec<(&mj_syntax::ast::Ident, mj_syntax::ast::CaptureKind)> = caps
            .iter()
            .filter_map(|c| c.name.as_ref().map(|n| (n, c.kind)))
            .collect();
        for (n, kind) in &named {
            match outer.get(&n.name) {
                Some(&l) => {
                    let l = self.capture_local(&n.name, l, *kind, n.span, out);
                    vis.insert(n.name.clone(), l);
                }
                None => {
                    let msg = format!("no variable `{}` to capture here", n.name);
                    self.error(Diag::error(super::E_UNDEFINED, msg, n.span));
                }
            }
        }
        if let Some(all) = caps.iter().find(|c| c.name.is_none()) {
            let mut used = HashSet::new();
            for s in &d.body {
                names_in(&format!("{:?}", s.kind), &mut used);
            }
            let own: HashSet<&str> = d.args.iter().map(|a| a.name.name.as_str()).collect();
            let mut rest: Vec<(&String, &LocalId)> = outer
                .iter()
                .filter(|(n, _)| {
                    used.contains(n.as_str()) && !own.contains(n.as_str()) && !vis.contains_key(*n)
                })
                .collect();
            rest.sort_by_key(|(_, l)| l.0);
            for (n, &l) in rest {
                let l = self.capture_local(n, l, all.kind, all.span, out);
                vis.insert(n.clone(), l);
            }
        }
        vis
    }

    /// The local a closure reads for outer `name` (local `l`) captured as `kind`.
    fn capture_local(
        &mut self,
        name: &str,
        l: LocalId,
        kind: mj_syntax::ast::CaptureKind,
        span: Span,
        out: &mut Vec<TStmt>,
    ) -> LocalId {
        use mj_syntax::ast::CaptureKind as C;
        if !matches!(kind, C::Var | C::VarMove) {
            return l;
        }
        let e = Expr {
            kind: ExprKind::Name(name.to_string()),
            span,
        };
        let v = if kind == C::VarMove {
            self.transfer(&e, span, None)
        } else {
            let read = self.expr(&e, None);
            self.copy_value(read, span)
        };
        let ty = self.locals[l.0 as usize].ty.clone();
        let h = self.new_local(name, ty.clone(), false);
        self.own_local(h, false);
        let line = self.line(span);
        out.push(TStmt::Assign(TExpr::new(K::Local(h), ty, line), v));
        h
    }

    /// The nested `def`s in scope without compile-time parameters, for compile-time
    /// evaluation (`comptime ten = add_one(9)`).
    pub(crate) fn nested_defs(&self) -> HashMap<String, super::comptime::NestedDef> {
        let mut out = HashMap::new();
        for s in &self.closure_scopes {
            for (n, &k) in s {
                let c = &self.closures[k];
                if c.generics.is_empty() && self.lookup_local(n).is_none() {
                    out.insert(n.clone(), (c.def.clone(), c.sig.clone(), self.m));
                }
            }
        }
        out
    }

    pub fn lookup_closure(&self, name: &str) -> Option<usize> {
        if self.lookup_local(name).is_some() {
            return None;
        }
        self.closure_scopes
            .iter()
            .rev()
            .find_map(|s| s.get(name).copied())
    }

    /// `name(args)` or `name[params](args)` of a closure.
    pub fn call_closure(
        &mut self,
        k: usize,
        explicit: Option<&[Arg]>,
        args: &[Arg],
        span: Span,
    ) -> TExpr {
        let line = self.line(span);
        let c = self.closures[k].clone();
        // Function-typed run-time arguments (`greet: G`) join the compile-time ones.
        if let Some((ex, rest)) =
            super::closure_args::split_fn_value_args_of(&c.def, explicit, args)
        {
            return self.call_closure(k, Some(&ex), &rest, span);
        }
        let name = c.def.name.name.clone();
        let mut binds: Vec<Option<CtArg>> = vec![None; c.generics.len()];
        let mut ok = true;
        // Nested `def`s bound to function parameters (`greet_all[greet=greeter]`): the
        // instance calls them through `closure_params`, with their captures passed along.
        let (bound, explicit_rest) = self.closure_bound_params(&c, explicit);
        for (i, _) in &bound {
            binds[*i] = Some(CtArg::Bool(false));
        }
        let explicit = explicit_rest.as_deref();
        if let Some(ex) = explicit {
            let mut diags = Vec::new();
            let scope = self.tscope();
            ok = generics::bind_explicit(
                self.cx,
                self.m,
                &name,
                &c.generics,
                0,
                ex,
                &scope,
                &mut binds,
                &mut diags,
            );
            self.diags.extend(diags);
        }
        if binds.iter().any(Option::is_none) {
            let _ = self.infer_from_args(&c.sig, 0, args, &mut binds);
        }
        let mut diags = Vec::new();
        let targs = generics::finish_binds(
            self.cx,
            self.m,
            &name,
            &c.generics,
            binds,
            ok,
            &mut diags,
            span,
        );
        self.diags.extend(diags);
        let Some(targs) = targs else {
            return self.unknown(line);
        };
        let mut with: Vec<super::closure_args::BoundClosure> = Vec::new();
        for (i, k2) in bound {
            if !self.closures[k2].generics.is_empty() {
                let msg = "a nested `def` with compile-time parameters cannot be passed here yet";
                self.error(Diag::error(generics::E_GENERIC, msg, span));
                return self.unknown(line);
            }
            let (cidx, csig, caps) = self.closure_instance_pub(k2);
            with.push((c.generics[i].name.clone(), cidx, csig, caps));
        }
        let (idx, sig, caps) = self.closure_instance_with(k, Targs::from(targs), &with);
        let mut targs = self.check_args(&name, &sig, 0, args, span);
        self.finish_closure_call(idx, &sig, &caps, &mut targs, span, line)
    }

    /// The compile-time arguments of a call of closure `c` that bind one of its function
    /// parameters to a nested `def` (parameter index, closure), and the other arguments
    /// (by name).
    fn closure_bound_params(
        &self,
        c: &Closure,
        explicit: Option<&[Arg]>,
    ) -> (Vec<(usize, usize)>, Option<Vec<Arg>>) {
        let Some(ex) = explicit else {
            return (Vec::new(), None);
        };
        let mut bound = Vec::new();
        let mut rest = Vec::new();
        let mut pos = 0;
        for a in ex {
            let i = match &a.name {
                Some(n) => c.generics.iter().position(|g| g.name == n.name),
                None => {
                    pos += 1;
                    Some(pos - 1)
                }
            };
            if let Some(i) = i
                && let Some(g) = c.generics.get(i)
                && matches!(g.kind, super::GKind::Func(..))
                && let ExprKind::Name(n) = &a.value.kind
                && let Some(k2) = self.lookup_closure(n)
            {
                bound.push((i, k2));
                continue;
            }
            // (Positional ones keep their place by name.)
            let mut a = a.clone();
            if a.name.is_none()
                && let Some(g) = i.and_then(|i| c.generics.get(i))
            {
                a.name = Some(mj_syntax::ast::Ident {
                    name: g.name.clone(),
                    span: a.value.span,
                });
            }
            rest.push(a);
        }
        if bound.is_empty() {
            return (bound, Some(ex.to_vec()));
        }
        (bound, Some(rest))
    }

    /// A call of closure `k`'s instance `targs` with already checked argument values.
    pub fn call_closure_values(
        &mut self,
        k: usize,
        targs: Vec<CtArg>,
        vals: Vec<TExpr>,
        span: Span,
    ) -> TExpr {
        let line = self.line(span);
        let (idx, sig, caps) = self.closure_instance(k, Targs::from(targs));
        let mut args: Vec<TArg> = Vec::new();
        for (p, v) in sig.params.iter().zip(vals) {
            let v = self.coerce(v, &p.ty, span);
            args.push(TArg::Value(v));
        }
        self.finish_closure_call(idx, &sig, &caps, &mut args, span, line)
    }

    fn finish_closure_call(
        &mut self,
        idx: u32,
        sig: &Sig,
        caps: &[LocalId],
        args: &mut Vec<TArg>,
        span: Span,
        line: u32,
    ) -> TExpr {
        for &l in caps {
            let place = self.local_read(l, line);
            args.push(TArg::Ref(place));
        }
        if sig.raises {
            self.check_may_raise("call to a closure", span);
        }
        TExpr::new(
            K::Call(Callee::Closure(idx), std::mem::take(args)),
            sig.ret.clone(),
            line,
        )
    }

    /// The lifted function of closure `k` (without compile-time parameters).
    pub fn closure_instance_pub(&mut self, k: usize) -> (u32, Sig, Vec<LocalId>) {
        self.closure_instance(k, Targs::from(Vec::new()))
    }

    /// Checks (once) the instance `targs` of closure `k` as a lifted function.
    fn closure_instance(&mut self, k: usize, targs: Targs) -> (u32, Sig, Vec<LocalId>) {
        self.closure_instance_with(k, targs, &[])
    }

    /// [`Self::closure_instance`], with function parameters bound to nested `def`s
    /// (`bound`: parameter name, lifted closure, its signature and captures): such an
    /// instance is made for each call, receives the bound closures' captures after its own
    /// and calls them through `closure_params`.
    fn closure_instance_with(
        &mut self,
        k: usize,
        targs: Targs,
        bound: &[super::closure_args::BoundClosure],
    ) -> (u32, Sig, Vec<LocalId>) {
        if bound.is_empty()
            && let Some(r) = self.closures[k].instances.get(&targs)
        {
            return r.clone();
        }
        let c = self.closures[k].clone();
        let sig = generics::subst_sig(&c.sig, &targs);
        let (own_types, own_consts) = generics::instance_names(&c.generics, &targs);
        let mut tparams = self.tparams.clone();
        tparams.extend(own_types);
        let mut consts = self.consts.clone();
        consts.extend(own_consts);
        // Captures: the enclosing variables the body names (and the closure does not
        // declare as its own arguments).
        let mut used = HashSet::new();
        for s in &c.def.body {
            names_in(&format!("{:?}", s.kind), &mut used);
        }
        let own_names: HashSet<&str> = sig.params.iter().map(|p| p.name.as_str()).collect();
        let mut caps: Vec<(String, LocalId)> = c
            .visible
            .iter()
            .filter(|(n, _)| used.contains(n.as_str()) && !own_names.contains(n.as_str()))
            .map(|(n, l)| (n.clone(), *l))
            .collect();
        caps.sort_by_key(|(_, l)| l.0);
        let (idx, mut child, mut params) =
            self.lift_begin(self.m, &c.def.name.name, &sig, self.owner);
        child.tparams = tparams;
        child.consts = consts;
        child.self_ty = self.self_ty.clone();
        for (n, outer) in &caps {
            let ty = self.local_ty(*outer);
            let l = child.new_local(n, ty, true);
            child.immutable[l.0 as usize] = self.immutable[outer.0 as usize];
            child.scopes[0].insert(n.clone(), l);
            params.push(l);
        }
        let mut outer: Vec<LocalId> = caps.iter().map(|(_, l)| *l).collect();
        self.bind_closure_params(&mut child, bound, &mut params, &mut outer);
        let mut name = format!("{}.{}", self.name, c.def.name.name);
        if !targs.is_empty() {
            let a: Vec<String> = targs.iter().map(|a| self.cx.arg_name(a)).collect();
            name = format!("{name}[{}]", a.join(", "));
        }
        let hint = Some("add a `return` at the end of the closure");
        self.lift_finish(child, &c.def, idx, name, params, &sig, "closure", hint);
        let r = (idx, sig, outer);
        if bound.is_empty() {
            self.closures[k].instances.insert(targs, r.clone());
        }
        r
    }
}

impl<'c> FnCx<'c> {
    /// Starts a body lifted out of this one (a closure, or a generic function instantiated
    /// with one): reserves its slot in `lifted` (its own body may lift more), hands the
    /// lifted functions to the child checker, and declares the signature's parameters.
    pub(super) fn lift_begin(
        &mut self,
        module: usize,
        fname: &str,
        sig: &Sig,
        owner: Option<u32>,
    ) -> (u32, FnCx<'c>, Vec<LocalId>) {
        let idx = self.lifted.len() as u32;
        self.lifted.push(TFunction::default());
        let mut child = FnCx::new(
            self.cx,
            module,
            self.lines,
            fname.to_string(),
            sig.ret.clone(),
            sig.raises,
            owner,
        );
        child.lifted = std::mem::take(&mut self.lifted);
        child.generic_lifts = std::mem::take(&mut self.generic_lifts);
        let mut params = Vec::new();
        for p in &sig.params {
            let by_ref = matches!(p.conv, Conv::Mut | Conv::Out | Conv::Ref);
            let l = child.new_local(&p.name, p.ty.clone(), by_ref);
            child.immutable[l.0 as usize] = matches!(p.conv, Conv::Read | Conv::Ref);
            child.scopes[0].insert(p.name.clone(), l);
            params.push(l);
        }
        (idx, child, params)
    }

    /// Checks the lifted body `def` in `child`, and stores the function in slot `idx`.
    /// `what` names it in the missing-return error.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn lift_finish(
        &mut self,
        mut child: FnCx<'c>,
        def: &FnDef,
        idx: u32,
        name: String,
        params: Vec<LocalId>,
        sig: &Sig,
        what: &str,
        hint: Option<&str>,
    ) {
        let body = child.block(&def.body);
        if child.ret != Ty::Unit && !child.ret.is_unknown() && !always_exits(&def.body) {
            let span = def.ret.as_ref().map(|r| r.span).unwrap_or(def.name.span);
            let msg = format!(
                "{what} `{}` may reach its end without returning a `{}`",
                def.name.name,
                self.ty_name(&child.ret)
            );
            let mut d = Diag::error(E_MISSING_RETURN, msg, span);
            if let Some(h) = hint {
                d = d.with_hint(h);
            }
            child.error(d);
        }
        let func = TFunction {
            name,
            template: false,
            file: self.cx.modules[child.m].input.path.clone(),
            params,
            ret: sig.ret.clone(),
            raises: sig.raises,
            raises_ty: None,
            export: false,
            inline: None,
            locals: std::mem::take(&mut child.locals),
            body,
            lifted: Vec::new(),
            drops: std::mem::take(&mut child.own.drops),
            expr_types: Vec::new(),
        };
        self.diags.append(&mut child.diags);
        self.expr_types.append(&mut child.expr_types);
        self.lifted = std::mem::take(&mut child.lifted);
        self.generic_lifts = std::mem::take(&mut child.generic_lifts);
        self.lifted[idx as usize] = func;
    }
}

/// Adds the names a statement's debug text mentions (`Name("x")`): a cheap, conservative
/// free-variable scan (capturing a name the closure shadows is harmless).
fn names_in(debug: &str, out: &mut HashSet<String>) {
    let mut rest = debug;
    while let Some(i) = rest.find("Name(\"") {
        rest = &rest[i + 6..];
        if let Some(j) = rest.find('"') {
            out.insert(rest[..j].to_string());
            rest = &rest[j..];
        }
    }
}

/// Whether `e` names a closure parameter in `[...]` (`vectorize[body, 8]`).
pub(crate) fn closure_name(fx: &FnCx<'_>, e: &Expr) -> Option<usize> {
    match &e.kind {
        ExprKind::Name(n) => fx.lookup_closure(n),
        _ => None,
    }
}

impl FnCx<'_> {
    /// `vectorize[body, width](n)`, `parallelize[body](n)`, `map[body](n)` from
    /// `std.algorithm`, and Mojo's current spellings with the closure as a run-time
    /// argument: `vectorize[width](n, body)`, `vectorize[width, size=n](body)`,
    /// `parallelize(body, n)`, `map(body, n)`.
    pub fn algorithm_call(
        &mut self,
        name: &str,
        cargs: &[Arg],
        args: &[Arg],
        span: Span,
    ) -> Option<TExpr> {
        let given = cargs.first().and_then(|a| closure_name(self, &a.value));
        let at = args
            .iter()
            .position(|a| closure_name(self, &a.value).is_some());
        if let (None, Some(p)) = (given, at) {
            let mut c = vec![args[p].clone()];
            let mut rest: Vec<Arg> = args.iter().take(p).cloned().collect();
            rest.extend(args.iter().skip(p + 1).cloned());
            for a in cargs {
                match a.name.as_ref().map(|k| k.name.as_str()) {
                    Some("size") if rest.is_empty() => rest.push(Arg {
                        name: None,
                        ..a.clone()
                    }),
                    Some("unroll_factor") => {}
                    _ => c.push(a.clone()),
                }
            }
            return self.algorithm_call(name, &c, &rest, span);
        }
        let line = self.line(span);
        let Some(k) = cargs.first().and_then(|a| closure_name(self, &a.value)) else {
            let at = cargs.first().map(|a| a.value.span).unwrap_or(span);
            self.error(
                Diag::error(
                    generics::E_GENERIC,
                    format!("`{name}` takes a nested `def` as its first compile-time parameter"),
                    at,
                )
                .with_hint(format!(
                    "define `def body(i: Int):` inside the function and write `{name}[body](n)`"
                )),
            );
            return Some(self.unknown(line));
        };
        let width = if name == "vectorize" {
            let Some(w) = cargs.get(1) else {
                self.error(Diag::error(
                    generics::E_GENERIC,
                    "`vectorize` needs a width: `vectorize[body, width](n)`",
                    span,
                ));
                return Some(self.unknown(line));
            };
            match super::items::const_eval(self.cx, self.m, &w.value, &self.consts) {
                Some(super::ConstVal::Int(v, _)) if v > 0 => v,
                _ => {
                    self.error(Diag::error(
                        super::E_COMPTIME,
                        "the width of `vectorize` must be a positive compile-time Int",
                        w.value.span,
                    ));
                    return Some(self.unknown(line));
                }
            }
        } else {
            1
        };
        let Some(n_arg) = args.first() else {
            self.error(Diag::error(
                super::E_ARITY,
                format!("`{name}` needs the number of work items"),
                span,
            ));
            return Some(self.unknown(line));
        };
        let n = self.typed_arg(n_arg, &Ty::INT);
        // Extra run-time arguments (`num_workers`) are checked and ignored.
        for a in &args[1..] {
            self.typed_arg(a, &Ty::INT);
        }
        if name == "parallelize" && self.closures[k].generics.is_empty() {
            return Some(self.parallel_for(k, n, span));
        }
        let (s_n, n) = self.temp(n);
        let i = self.new_local("", Ty::INT, false);
        let read_i = TExpr::new(K::Local(i), Ty::INT, line);
        let int = |v: i128| TExpr::new(K::Int(v), Ty::INT, line);
        let add = |a: TExpr, b: TExpr| {
            TExpr::new(
                K::Binary(crate::tir::TBin::Add, Box::new(a), Box::new(b)),
                Ty::INT,
                line,
            )
        };
        let cmp = |op, a: TExpr, b: TExpr| {
            TExpr::new(K::Cmp(op, Box::new(a), Box::new(b)), Ty::Bool, line)
        };
        let takes_width = !self.closures[k].generics.is_empty();
        let call_with = |fx: &mut Self, w: i128| {
            let targs = if takes_width {
                vec![CtArg::Int(w)]
            } else {
                Vec::new()
            };
            fx.call_closure_values(k, targs, vec![read_i.clone()], span)
        };
        let mut out = vec![s_n, TStmt::Assign(read_i.clone(), int(0))];
        // Full vectors, then (for `vectorize`) the remainder one element at a time.
        let main = call_with(self, width);
        out.push(TStmt::While {
            cond: cmp(
                crate::tir::TCmp::Le,
                add(read_i.clone(), int(width)),
                n.clone(),
            ),
            body: vec![
                TStmt::Expr(main),
                TStmt::Assign(read_i.clone(), add(read_i.clone(), int(width))),
            ],
            else_body: Vec::new(),
        });
        if width > 1 {
            let tail = call_with(self, 1);
            out.push(TStmt::While {
                cond: cmp(crate::tir::TCmp::Lt, read_i.clone(), n.clone()),
                body: vec![
                    TStmt::Expr(tail),
                    TStmt::Assign(read_i.clone(), add(read_i.clone(), int(1))),
                ],
                else_body: Vec::new(),
            });
        }
        Some(TExpr::new(
            K::Seq(out, Box::new(TExpr::new(K::Unit, Ty::Unit, line))),
            Ty::Unit,
            line,
        ))
    }
}

impl FnCx<'_> {
    /// `parallelize[body](n)`: the runtime runs `body(i)` for `i` in `0..n` on all cores
    /// (`mj_parallel_for`). It calls a C-ABI trampoline `(env, i)` lifted next to the
    /// closure, where `env` holds the addresses of the captured variables.
    fn parallel_for(&mut self, k: usize, n: TExpr, span: Span) -> TExpr {
        let line = self.line(span);
        let (idx, sig, caps) = self.closure_instance(k, Targs::from(Vec::new()));
        let ok_sig = sig.params.len() == 1 && sig.params[0].ty == Ty::INT && sig.ret == Ty::Unit;
        if !ok_sig || sig.raises {
            self.error(
                Diag::error(
                    super::E_MISMATCH,
                    "the body of `parallelize` must be `def body(i: Int):` and must not raise",
                    span,
                )
                .with_hint("handle errors inside the body"),
            );
            return self.unknown(line);
        }
        // The environment: a tuple of the captured variables' addresses.
        let cap_tys: Vec<Ty> = caps
            .iter()
            .map(|l| Ty::Ptr(Box::new(self.local_ty(*l))))
            .collect();
        let env_ty = Ty::Tuple(cap_tys.clone());
        let mut addrs = Vec::new();
        for (&l, t) in caps.iter().zip(&cap_tys) {
            let place = self.local_read(l, line);
            addrs.push(TExpr::new(K::AddrOf(Box::new(place)), t.clone(), line));
        }
        let env = self.new_local("", env_ty.clone(), false);
        let env_read = TExpr::new(K::Local(env), env_ty.clone(), line);
        let init = TStmt::Assign(
            env_read.clone(),
            TExpr::new(K::Aggregate(addrs), env_ty.clone(), line),
        );
        // The trampoline: `(env: Ptr(env), i: Int)` calls the closure with `i` and the
        // captured addresses, passed on as the closure's by-reference parameters.
        let env_ptr_ty = Ty::Ptr(Box::new(env_ty.clone()));
        let tl = |i: u32, ty: &Ty| TExpr::new(K::Local(LocalId(i)), ty.clone(), line);
        let env_place = TExpr::new(K::Deref(Box::new(tl(0, &env_ptr_ty))), env_ty.clone(), line);
        let mut call_args = vec![TArg::Value(tl(1, &Ty::INT))];
        for (j, t) in cap_tys.iter().enumerate() {
            let Ty::Ptr(inner) = t else { continue };
            let ptr = TExpr::new(
                K::Field(Box::new(env_place.clone()), j as u32),
                t.clone(),
                line,
            );
            call_args.push(TArg::Ref(TExpr::new(
                K::Deref(Box::new(ptr)),
                (**inner).clone(),
                line,
            )));
        }
        let call = TExpr::new(K::Call(Callee::Closure(idx), call_args), Ty::Unit, line);
        let name = format!("{}.parallel_body{}", self.name, self.lifted.len());
        let locals = vec![
            crate::tir::TLocal {
                name: "env".into(),
                ty: env_ptr_ty,
                by_ref: false,
            },
            crate::tir::TLocal {
                name: "i".into(),
                ty: Ty::INT,
                by_ref: false,
            },
        ];
        let (f, env_addr) = self.lift_trampoline(name, locals, call, env_read, env_ty, line);
        let run = self.rt_call(Rt::ParallelFor, vec![f, env_addr, n], Ty::Unit, line);
        TExpr::new(
            K::Seq(
                vec![init, TStmt::Expr(run)],
                Box::new(TExpr::new(K::Unit, Ty::Unit, line)),
            ),
            Ty::Unit,
            line,
        )
    }

    /// The address of a lifted function of type `to` (a raising `Ty::Func`) that calls
    /// the non-raising module-level function `id` with its arguments: a non-raising
    /// function where a `def(...) raises` value is expected. `None` when `id` takes an
    /// argument other than by `read` (its forwarding would need a move).
    pub(crate) fn raising_trampoline(
        &mut self,
        id: crate::tir::FnId,
        to: &Ty,
        line: u32,
    ) -> Option<TExpr> {
        let Ty::Func(ps, r, _) = to else { return None };
        let sig = &self.cx.funcs[id.0 as usize].sig;
        if sig.params.iter().any(|p| p.conv != super::Conv::Read) {
            return None;
        }
        let locals: Vec<crate::tir::TLocal> = ps
            .iter()
            .enumerate()
            .map(|(i, t)| crate::tir::TLocal {
                name: format!("a{i}"),
                ty: t.clone(),
                by_ref: false,
            })
            .collect();
        let args = ps
            .iter()
            .enumerate()
            .map(|(i, t)| TArg::Value(TExpr::new(K::Local(LocalId(i as u32)), t.clone(), line)))
            .collect();
        let call = TExpr::new(K::Call(Callee::Fn(id), args), (**r).clone(), line);
        let body = if **r == Ty::Unit {
            vec![TStmt::Expr(call)]
        } else {
            vec![TStmt::Return(Some(call))]
        };
        let tramp = TFunction {
            name: format!("{}.raising_fn{}", self.name, self.lifted.len()),
            template: false,
            file: self.cx.modules[self.m].input.path.clone(),
            params: (0..ps.len() as u32).map(LocalId).collect(),
            ret: (**r).clone(),
            raises: true,
            raises_ty: None,
            export: false,
            inline: None,
            locals,
            body,
            lifted: Vec::new(),
            drops: Default::default(),
            expr_types: Vec::new(),
        };
        let idx = self.lifted.len() as u32;
        self.lifted.push(tramp);
        Some(TExpr::new(
            K::FnAddr(Callee::Closure(idx)),
            to.clone(),
            line,
        ))
    }
}

impl FnCx<'_> {
    /// Lifts a C-ABI trampoline next to this function (`parallelize`'s body, a kernel
    /// launch): parameters are `locals` in order (the first is the environment's address),
    /// the body is `call`. Returns the trampoline's address and the address of the
    /// environment `env_read` (of type `env_ty`) to pass with it.
    pub(crate) fn lift_trampoline(
        &mut self,
        name: String,
        locals: Vec<crate::tir::TLocal>,
        call: TExpr,
        env_read: TExpr,
        env_ty: Ty,
        line: u32,
    ) -> (TExpr, TExpr) {
        let tramp = TFunction {
            name,
            template: false,
            file: self.cx.modules[self.m].input.path.clone(),
            params: (0..locals.len() as u32).map(LocalId).collect(),
            ret: Ty::Unit,
            raises: false,
            raises_ty: None,
            export: false,
            inline: None,
            locals,
            body: vec![TStmt::Expr(call)],
            lifted: Vec::new(),
            drops: Default::default(),
            expr_types: Vec::new(),
        };
        let tramp_idx = self.lifted.len() as u32;
        self.lifted.push(tramp);
        let f = TExpr::new(
            K::FnAddr(Callee::Closure(tramp_idx)),
            Ty::Ptr(Box::new(Ty::Unit)),
            line,
        );
        let env_addr = TExpr::new(
            K::AddrOf(Box::new(env_read)),
            Ty::Ptr(Box::new(env_ty)),
            line,
        );
        (f, env_addr)
    }
}
