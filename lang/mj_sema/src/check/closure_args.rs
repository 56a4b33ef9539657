//! A nested `def` passed to a user-defined generic function as a compile-time parameter
//! (`apply[body](n)` with `def apply[f: def(Int) -> None](n: Int)`).
//!
//! The closure captures the caller's variables by reference, so the generic function
//! cannot be an ordinary program-wide instance: it is instantiated inside the caller, like
//! a closure of its own (`closures.rs`). Its body is checked with the parameter bound to
//! the closure; the lifted instance receives the addresses of the closure's captured
//! variables as extra parameters and passes them on wherever it calls the parameter.

use mj_syntax::ast::{Arg, ExprKind, Ident};
use mj_syntax::{Diag, Span};

use super::body::FnCx;
use super::generics::{self, E_GENERIC};
use super::{GKind, Sig};
use crate::tir::{Callee, LocalId, TArg, TExpr, TExprKind as K};
use crate::ty::{CtArg, Ty};

/// A nested `def` bound to a function parameter of a lifted instance: the parameter's
/// name, the closure's lifted function, its signature and the outer locals it captures.
pub(crate) type BoundClosure = (String, u32, Sig, Vec<LocalId>);

impl<'c> FnCx<'c> {
    /// Hands the `bound` closures to the lifted instance `child`: one hidden parameter per
    /// captured variable (appended to `params`; the caller passes the outer local, appended
    /// to `outer`), and calls through each function parameter reach its closure
    /// (`closure_params`).
    pub(crate) fn bind_closure_params(
        &self,
        child: &mut FnCx<'c>,
        bound: &[BoundClosure],
        params: &mut Vec<LocalId>,
        outer: &mut Vec<LocalId>,
    ) {
        for (pname, cidx, csig, caps) in bound {
            let mut inner = Vec::new();
            for &c in caps {
                let l = child.new_local("", self.local_ty(c), true);
                params.push(l);
                inner.push(l);
                outer.push(c);
            }
            child
                .closure_params
                .insert(pname.clone(), (*cidx, csig.clone(), inner));
        }
    }
}

impl FnCx<'_> {
    /// The compile-time and run-time arguments of a call of `id` when it has function-typed
    /// run-time arguments (`desugar.rs`): those move into the compile-time ones, by name.
    pub fn split_fn_value_args(
        &self,
        id: crate::tir::FnId,
        cargs: Option<&[Arg]>,
        args: &[Arg],
    ) -> Option<(Vec<Arg>, Vec<Arg>)> {
        let f = &self.cx.funcs[id.0 as usize];
        if !f.overloads.is_empty() {
            return None;
        }
        split_fn_value_args_of(&f.def, cargs, args)
    }

    /// A call of `id`, a function with function-typed run-time arguments (`greet: G`,
    /// `func: Some[def(Int) -> None]`, made compile-time parameters by the parser's
    /// `desugar.rs`): those arguments join the compile-time ones, by name.
    pub fn call_fn_values(
        &mut self,
        id: crate::tir::FnId,
        n: &str,
        cargs: Option<&[Arg]>,
        args: &[Arg],
        span: Span,
    ) -> Option<TExpr> {
        if self.cx.funcs[id.0 as usize].def.fn_value_args.is_empty() {
            return None;
        }
        let (c, rest) = self
            .split_fn_value_args(id, cargs, args)
            .unwrap_or_else(|| {
                (
                    cargs.map(<[Arg]>::to_vec).unwrap_or_default(),
                    args.to_vec(),
                )
            });
        Some(if self.passes_closure(id, &c) {
            self.generic_with_closures(id, n, &c, &rest, span)
        } else {
            self.call_fn_with(id, n, Vec::new(), Some(&c), &rest, span)
        })
    }

    /// Whether a call's compile-time arguments pass a nested `def` of this body to a
    /// function parameter of `id`.
    pub fn passes_closure(&self, id: crate::tir::FnId, cargs: &[Arg]) -> bool {
        let f = &self.cx.funcs[id.0 as usize];
        f.generics.iter().any(|p| matches!(p.kind, GKind::Func(..)))
            && cargs.iter().any(|a| {
                matches!(&a.value.kind, ExprKind::Name(n)
                    if self.lookup_closure(n).is_some() || self.closure_params.contains_key(n))
            })
    }

    /// A call inside such an instance of the function parameter `n`.
    pub fn call_closure_param(&mut self, n: &str, args: &[Arg], span: Span) -> TExpr {
        let line = self.line(span);
        let Some((idx, sig, caps)) = self.closure_params.get(n).cloned() else {
            return self.unknown(line);
        };
        let mut targs = self.check_args(n, &sig, 0, args, span);
        for l in caps {
            let place = self.local_read(l, line);
            targs.push(TArg::Ref(place));
        }
        if sig.raises {
            self.check_may_raise("call to a closure", span);
        }
        TExpr::new(K::Call(Callee::Closure(idx), targs), sig.ret, line)
    }

    /// `g[closure, ...](args)`: instantiates the generic function `id` inside this body.
    pub fn generic_with_closures(
        &mut self,
        id: crate::tir::FnId,
        n: &str,
        cargs: &[Arg],
        args: &[Arg],
        span: Span,
    ) -> TExpr {
        self.generic_with_closures_on(id, n, None, cargs, args, span)
    }

    /// [`Self::generic_with_closures`], also for a method: `recv` is the receiver and the
    /// compile-time arguments of its struct (`opt.map(closure)`).
    pub fn generic_with_closures_on(
        &mut self,
        id: crate::tir::FnId,
        n: &str,
        recv: Option<(Vec<CtArg>, TExpr)>,
        cargs: &[Arg],
        args: &[Arg],
        span: Span,
    ) -> TExpr {
        let line = self.line(span);
        let f = &self.cx.funcs[id.0 as usize];
        let fail = |fx: &mut Self, msg: String, at: Span| {
            fx.error(Diag::error(E_GENERIC, msg, at));
            for a in args {
                fx.expr(&a.value, None);
            }
            fx.unknown(line)
        };
        if f.trait_owner.is_some() || (f.owner.is_some() && recv.is_none()) {
            return fail(
                self,
                format!("passing a nested `def` to `{n}` this way is not supported yet"),
                span,
            );
        }
        let params = f.generics.clone();
        let mut targs: Vec<Option<CtArg>> = vec![None; params.len()];
        let prefix = recv.as_ref().map_or(0, |(p, _)| p.len());
        if let Some((p, _)) = &recv {
            for (i, a) in p.iter().enumerate() {
                if let Some(t) = targs.get_mut(i) {
                    *t = Some(a.clone());
                }
            }
        }
        let mut closures: Vec<(usize, usize)> = Vec::new();
        // Function parameters of this (lifted) instance passed on: each is a closure
        // already, with this instance's hidden parameters as its captures.
        let mut forwarded: Vec<(usize, u32, Sig, Vec<LocalId>)> = Vec::new();
        let mut pos = prefix;
        for a in cargs {
            let i = match &a.name {
                Some(k) => params.iter().position(|p| p.name == k.name),
                None => {
                    pos += 1;
                    Some(pos - 1)
                }
            };
            let Some(i) = i.filter(|&i| i < params.len()) else {
                return fail(
                    self,
                    format!("`{n}` has no such compile-time parameter"),
                    a.value.span,
                );
            };
            if let (GKind::Func(..), ExprKind::Name(c)) = (&params[i].kind, &a.value.kind)
                && let Some(k) = self.lookup_closure(c)
            {
                closures.push((i, k));
                targs[i] = Some(CtArg::Bool(false));
                continue;
            }
            if let (GKind::Func(..), ExprKind::Name(c)) = (&params[i].kind, &a.value.kind)
                && let Some((cidx, csig, caps)) = self.closure_params.get(c).cloned()
            {
                forwarded.push((i, cidx, csig, caps));
                targs[i] = Some(CtArg::Bool(false));
                continue;
            }
            let mut diags = Vec::new();
            let scope = self.tscope();
            let v = generics::ct_arg(self.cx, self.m, &params[i], &a.value, &scope, &mut diags);
            self.diags.extend(diags);
            match v {
                Some(v) => targs[i] = Some(v),
                None => return self.unknown(line),
            }
        }
        // A closure's signature decides the type parameters in its function parameter's
        // (`To` of `Mapper: def(var T) -> To`).
        let sigs: Vec<(usize, Sig)> = closures
            .iter()
            .map(|&(i, k)| (i, self.closures[k].sig.clone()))
            .chain(forwarded.iter().map(|(i, _, s, _)| (*i, s.clone())))
            .collect();
        for (i, cs) in &sigs {
            if let GKind::Func(want, ret) = &params[*i].kind {
                for (w, p) in want.iter().zip(&cs.params) {
                    generics::unify(w, &p.ty, &mut targs);
                }
                generics::unify(ret, &cs.ret, &mut targs);
            }
        }
        // The other parameters from the run-time arguments, or their defaults.
        if targs.iter().any(Option::is_none) {
            let fsig = self.cx.funcs[id.0 as usize].sig.clone();
            let skip = usize::from(recv.is_some());
            self.infer_from_args(&fsig, skip, args, &mut targs);
            for (i, p) in params.iter().enumerate() {
                if targs[i].is_none()
                    && let Some(d) = &p.default
                {
                    let mut diags = Vec::new();
                    let scope = self.tscope();
                    targs[i] = generics::ct_arg(self.cx, self.m, p, d, &scope, &mut diags);
                }
            }
        }
        if let Some(p) = params
            .iter()
            .zip(&targs)
            .find_map(|(p, t)| t.is_none().then_some(p))
        {
            let msg = format!(
                "cannot infer `{}` of `{n}`: pass it explicitly in `[...]`",
                p.name
            );
            return fail(self, msg, span);
        }
        let targs: Vec<CtArg> = targs.into_iter().flatten().collect();
        // The closures' own lifted functions, and their signatures against the parameters'.
        let mut bound: Vec<BoundClosure> = Vec::new();
        for &(i, k) in &closures {
            if !self.closures[k].generics.is_empty() {
                let msg = "a nested `def` with compile-time parameters cannot be passed here yet"
                    .to_string();
                return fail(self, msg, span);
            }
            let (cidx, csig, caps) = self.closure_instance_pub(k);
            if let GKind::Func(want, ret) = &params[i].kind {
                let want: Vec<Ty> = want.iter().map(|t| t.subst(&targs)).collect();
                let got: Vec<Ty> = csig.params.iter().map(|p| p.ty.clone()).collect();
                let ret = ret.subst(&targs);
                if got != want || csig.ret != ret {
                    let names: Vec<String> = want.iter().map(|t| self.ty_name(t)).collect();
                    let msg = format!(
                        "the nested `def` does not match parameter `{}` of `{n}`: expected `def({}) -> {}`",
                        params[i].name,
                        names.join(", "),
                        self.ty_name(&ret)
                    );
                    return fail(self, msg, span);
                }
            }
            bound.push((params[i].name.clone(), cidx, csig, caps));
        }
        for (i, cidx, csig, caps) in forwarded {
            bound.push((params[i].name.clone(), cidx, csig, caps));
        }
        let key: super::body::GenericLiftKey = (
            id.0,
            targs.clone(),
            bound.iter().map(|b| (b.0.clone(), b.1)).collect(),
        );
        let sig = generics::subst_sig(&self.cx.funcs[id.0 as usize].sig, &targs);
        let known = self
            .generic_lifts
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, g)| *g);
        if let Some(gidx) = known {
            // Already lifted here (or being lifted: a recursive call).
            let mut call_args = Vec::new();
            if let Some((_, r)) = recv {
                call_args.push(self.self_arg(r, &sig));
            }
            let skip = call_args.len();
            call_args.extend(self.check_args(n, &sig, skip, args, span));
            for c in bound.iter().flat_map(|b| b.3.iter().copied()) {
                let place = self.local_read(c, line);
                call_args.push(TArg::Ref(place));
            }
            if sig.raises {
                self.check_may_raise(&format!("call to `{n}`"), span);
            }
            return TExpr::new(K::Call(Callee::Closure(gidx), call_args), sig.ret, line);
        }
        let Some(def) = super::comptime::function_def(self.cx, id) else {
            // The callee's module is being loaded; the body is checked again with it.
            for a in args {
                self.expr(&a.value, None);
            }
            return self.unknown(line);
        };
        let f = &self.cx.funcs[id.0 as usize];
        let module = f.module;
        let owner = f.owner;
        // The instance, lifted into this function (a method's with its `Self`).
        self.generic_lifts.push((key, self.lifted.len() as u32));
        let (gidx, mut child, mut fparams) = self.lift_begin(module, &def.name.name, &sig, owner);
        if recv.is_some() {
            let (types, consts, self_ty) = generics::function_instance_names(self.cx, f, &targs);
            child.tparams = types;
            child.consts = consts;
            child.self_ty = self_ty;
        } else {
            let (types, consts) = generics::instance_names(&params, &targs);
            child.tparams = types;
            child.consts = consts;
        }
        let mut outer_caps: Vec<LocalId> = Vec::new();
        self.bind_closure_params(&mut child, &bound, &mut fparams, &mut outer_caps);
        let name = format!("{}.{}[closure{gidx}]", self.name, def.name.name);
        self.lift_finish(child, &def, gidx, name, fparams, &sig, "function", None);
        // The call: the receiver, the arguments, then the captured variables' addresses.
        let mut call_args = Vec::new();
        if let Some((_, r)) = recv {
            call_args.push(self.self_arg(r, &sig));
        }
        let skip = call_args.len();
        call_args.extend(self.check_args(n, &sig, skip, args, span));
        for c in outer_caps {
            let place = self.local_read(c, line);
            call_args.push(TArg::Ref(place));
        }
        if sig.raises {
            self.check_may_raise(&format!("call to `{n}`"), span);
        }
        TExpr::new(K::Call(Callee::Closure(gidx), call_args), sig.ret, line)
    }
}

/// [`FnCx::split_fn_value_args`] for the header `def` (a module-level function's or a
/// nested `def`'s).
pub(crate) fn split_fn_value_args_of(
    def: &mj_syntax::ast::FnDef,
    cargs: Option<&[Arg]>,
    args: &[Arg],
) -> Option<(Vec<Arg>, Vec<Arg>)> {
    let lifted = &def.fn_value_args;
    if lifted.is_empty() {
        return None;
    }
    let mut c: Vec<Arg> = cargs.map(<[Arg]>::to_vec).unwrap_or_default();
    // (Already moved: the run-time arguments left are the others.)
    let named = |n: &str| {
        c.iter()
            .any(|a| a.name.as_ref().is_some_and(|k| k.name == n))
    };
    if lifted.iter().any(|v| named(&v.name)) {
        return None;
    }
    let mut rest = Vec::new();
    let mut pos = 0;
    for a in args {
        let hit = match &a.name {
            Some(k) => lifted.iter().find(|v| v.name == k.name),
            None => {
                pos += 1;
                lifted.iter().find(|v| v.position == Some(pos - 1))
            }
        };
        match hit {
            Some(v) => c.push(Arg {
                name: Some(Ident {
                    name: v.name.clone(),
                    span: a.value.span,
                }),
                value: a.value.clone(),
                span: a.span,
            }),
            None => rest.push(a.clone()),
        }
    }
    // (Nothing to move: the call passes them in `[...]` already.)
    (rest.len() < args.len()).then_some((c, rest))
}
