//! Calls: free functions, methods, struct construction, static methods, operator
//! dunders and runtime externs, all checked against a signature's argument conventions.

use mj_syntax::ast::{self, Arg, Expr, ExprKind};
use mj_syntax::{Diag, Span};

use super::body::FnCx;
use super::expr::is_place;
use super::{
    Conv, E_ARITY, E_KWARG, E_MISMATCH, E_NO_MEMBER, E_NOT_CALLABLE, E_NOT_INDEXABLE, E_OPERATOR,
    Item, Sig,
};
use crate::suggest::did_you_mean;
use crate::tir::{Callee, FnId, TArg, TExpr, TExprKind as K};
use crate::ty::Ty;

impl FnCx<'_> {
    /// `obj[i]` / `obj[i] = v` on a struct: calls `__getitem__` / `__setitem__`.
    pub fn struct_method_call(
        &mut self,
        recv: TExpr,
        name: &str,
        args: &[Arg],
        span: Span,
        what: &str,
    ) -> TExpr {
        let line = self.line(span);
        let s = recv.ty.struct_id().unwrap_or(0);
        // `__getitem__(self, i)` and `__getitem__(self, i, j)`: the overload for this
        // many indices.
        let picked = if self.cx.structs[s as usize]
            .methods
            .contains_key(&format!("{name}#2"))
        {
            self.pick_overload(s, name, None, args)
        } else {
            self.cx.structs[s as usize].methods.get(name).copied()
        };
        let Some(id) = picked else {
            let sname = self.cx.struct_names[s as usize].clone();
            self.error(
                Diag::error(E_NOT_INDEXABLE, format!("`{sname}` {what}"), span).with_hint(format!(
                    "define `def {name}({}self, ...)` in `{sname}` to support `[...]`",
                    if name == "__setitem__" { "mut " } else { "" }
                )),
            );
            for a in args {
                if !matches!(a.value.kind, ExprKind::Slice { .. }) {
                    self.expr(&a.value, None);
                }
            }
            return self.unknown(line);
        };
        if !self.cx.funcs[id.0 as usize].sig.has_self {
            let msg = format!("`{name}` must take `self`");
            self.error(Diag::error(E_MISMATCH, msg, span));
            return self.unknown(line);
        }
        if let Some(a) = args
            .iter()
            .find(|a| matches!(a.value.kind, ExprKind::Slice { .. }))
        {
            return self.unsupported("slices of structs", a.value.span);
        }
        let prefix = self.method_prefix(id, &recv.ty);
        let Some((sig, ct)) = self.instantiate(id, prefix, None, args, 1, span) else {
            return self.unknown(line);
        };
        let mut targs = vec![self.self_arg(recv, &sig)];
        targs.extend(self.check_args(name, &sig, 1, args, span));
        if sig.raises {
            self.check_may_raise_ty(&format!("`{name}`"), sig.raises_ty.as_ref(), span);
        }
        let call = TExpr::new(K::Call(self.callee(id, &ct), targs), sig.ret, line);
        self.note_never_returns(id);
        self.ref_result(call)
    }

    pub fn has_method(&self, t: &Ty, name: &str) -> bool {
        match t {
            Ty::Struct(s, _) => self.cx.structs[*s as usize].methods.contains_key(name),
            _ => false,
        }
    }

    /// Calls an operator method on a struct value; reports a missing method.
    pub fn dunder_call(
        &mut self,
        recv: TExpr,
        name: &str,
        args: Vec<TExpr>,
        span: Span,
    ) -> Option<TExpr> {
        let Ty::Struct(s, _) = recv.ty else {
            return None;
        };
        let picked = if self.cx.structs[s as usize]
            .methods
            .contains_key(&format!("{name}#2"))
        {
            self.pick_typed(&recv.ty, name, &args)
        } else {
            self.cx.structs[s as usize].methods.get(name).copied()
        };
        let Some(id) = picked else {
            let msg = format!(
                "`{}` does not implement `{name}`",
                self.cx.struct_names[s as usize]
            );
            self.error(
                Diag::error(E_OPERATOR, msg, span)
                    .with_hint(format!("define `def {name}(self, ...)` in the struct")),
            );
            return None;
        };
        let prefix = self.method_prefix(id, &recv.ty);
        let tys: Vec<Ty> = args.iter().map(|a| a.ty.clone()).collect();
        let (sig, ct) = self.instantiate_typed(id, prefix, &tys, span)?;
        if sig.params.len() != args.len() + 1 {
            let msg = format!(
                "`{name}` takes {} arguments, found {}",
                sig.params.len().saturating_sub(1),
                args.len()
            );
            self.error(Diag::error(E_ARITY, msg, span));
            return None;
        }
        let mut targs = vec![self.self_arg(recv, &sig)];
        for (p, a) in sig.params[1..].iter().zip(args) {
            let a = self.coerce(a, &p.ty, span);
            let a = match p.conv {
                Conv::Owned => self.owned_value(a, span),
                _ => self.hold_temp(a),
            };
            targs.push(TArg::Value(a));
        }
        if sig.raises {
            self.check_may_raise_ty(&format!("`{name}`"), sig.raises_ty.as_ref(), span);
        }
        let line = self.line(span);
        Some(TExpr::new(
            K::Call(self.callee(id, &ct), targs),
            sig.ret.clone(),
            line,
        ))
    }

    /// Passes the receiver of a method by value or by address, as its convention says.
    pub fn self_arg(&mut self, recv: TExpr, sig: &Sig) -> TArg {
        match sig.params.first().map(|p| p.conv) {
            Some(Conv::Mut) | Some(Conv::Out) | Some(Conv::Ref) => TArg::Ref(self.as_place(recv)),
            Some(Conv::Read) => TArg::Value(self.hold_temp(recv)),
            _ => TArg::Value(recv),
        }
    }

    /// Makes a value addressable: places stay, temporaries are stored in a fresh local.
    pub fn as_place(&mut self, v: TExpr) -> TExpr {
        if is_place(&v) {
            return v;
        }
        if self.cx.needs_drop(&v.ty)
            && (!self.cx.has_handles(&v.ty)
                || crate::handles::ownership(&v) == crate::handles::Own::Owned)
        {
            return self.hold_temp(v);
        }
        let line = v.line;
        let ty = v.ty.clone();
        let (st, tmp) = self.temp(v);
        TExpr::new(K::Seq(vec![st], Box::new(tmp)), ty, line)
    }

    /// A call of a runtime operation.
    pub fn rt_call(&self, f: crate::rt::Rt, args: Vec<TExpr>, ret: Ty, line: u32) -> TExpr {
        TExpr::new(
            K::Call(
                Callee::Runtime(f),
                args.into_iter().map(TArg::Value).collect(),
            ),
            ret,
            line,
        )
    }

    /// Checks the arguments of a call against a signature. `skip` parameters (the
    /// receiver) are supplied by the caller.
    pub fn check_args(
        &mut self,
        fname: &str,
        sig: &Sig,
        skip: usize,
        args: &[Arg],
        span: Span,
    ) -> Vec<TArg> {
        let params = &sig.params[skip..];
        let mut slots: Vec<Option<&Expr>> = vec![None; params.len()];
        let mut positional = 0;
        let mut bad_keyword = false;
        // `*values: T` takes the positional arguments from its position on, as a list.
        let variadic = params.iter().position(|p| p.variadic);
        let mut rest: Vec<Expr> = Vec::new();
        for a in args {
            match &a.name {
                None if variadic.is_some_and(|v| positional >= v) => {
                    rest.push(a.value.clone());
                    positional += 1;
                }
                None => {
                    if positional < params.len() && params[positional].kw_only {
                        let p = &params[positional].name;
                        self.error(
                            Diag::error(
                                E_KWARG,
                                format!("the argument `{p}` of `{fname}` is keyword-only"),
                                a.value.span,
                            )
                            .with_hint(format!("write `{p}=...`")),
                        );
                        bad_keyword = true;
                    } else if positional < params.len() {
                        slots[positional] = Some(&a.value);
                    }
                    positional += 1;
                }
                Some(n) => match params.iter().position(|p| p.name == n.name) {
                    Some(i) if slots[i].is_none() => slots[i] = Some(&a.value),
                    Some(_) => {
                        let msg = format!("argument `{}` is given more than once", n.name);
                        self.error(Diag::error(E_KWARG, msg, n.span));
                    }
                    None => {
                        bad_keyword = true;
                        let mut d = Diag::error(
                            E_KWARG,
                            format!("`{fname}` has no argument named `{}`", n.name),
                            n.span,
                        );
                        if let Some(s) =
                            did_you_mean(&n.name, params.iter().map(|p| p.name.as_str()))
                        {
                            d = d.with_hint(format!("did you mean `{s}`?"));
                        }
                        self.error(d);
                    }
                },
            }
        }
        let is_pack = matches!(variadic.map(|v| &params[v].ty), Some(Ty::Tuple(_)));
        if is_pack {
            // A heterogeneous pack (`*args: *Ts`) reads its arguments; here it holds them
            // in a tuple, so a variable of a copyable type that is not implicitly
            // copyable (`format(dog, dog)`) goes in as an explicit copy.
            for e in rest.iter_mut() {
                if matches!(
                    e.kind,
                    ExprKind::Name(_) | ExprKind::Attr { .. } | ExprKind::Index { .. }
                ) {
                    let t = self.on_the_side(|fx| fx.expr(e, None)).ty;
                    if matches!(t, Ty::Struct(..))
                        && !self.cx.implicitly_copyable(&t)
                        && self.cx.copyable(&t)
                    {
                        let es = e.span;
                        *e = Expr {
                            kind: ExprKind::Call {
                                func: Box::new(Expr {
                                    kind: ExprKind::Attr {
                                        base: Box::new(e.clone()),
                                        name: ast::Ident {
                                            name: "copy".into(),
                                            span: es,
                                        },
                                    },
                                    span: es,
                                }),
                                args: Vec::new(),
                            },
                            span: es,
                        };
                    }
                }
            }
        }
        let packed = Expr {
            kind: if is_pack {
                ExprKind::Tuple(rest)
            } else {
                ExprKind::List(rest)
            },
            span,
        };
        if let Some(v) = variadic {
            slots[v] = Some(&packed);
        }
        if variadic.is_none() && positional > params.len() {
            let msg = format!(
                "`{fname}` takes {} argument(s), but {positional} were given",
                params.len()
            );
            self.error(Diag::error(E_ARITY, msg, span));
        }
        let mut out = Vec::new();
        let n = params.len();
        // Arguments as written, for the aliasing check: (expression, `mut`, by reference).
        let receiver = self.mut_receiver.take();
        let mut aliasing: Vec<(&Expr, bool, bool)> = Vec::new();
        if let Some(r) = &receiver {
            aliasing.push((r, true, true));
        }
        for (k, (p, slot)) in params.iter().zip(slots).enumerate() {
            let defaulted = slot.is_none();
            if let Some(e) = slot {
                let by_ref = match p.conv {
                    Conv::Mut | Conv::Out | Conv::Ref => true,
                    Conv::Read => !self.cx.implicitly_copyable(&p.ty),
                    Conv::Owned => false,
                };
                aliasing.push((e, matches!(p.conv, Conv::Mut | Conv::Out), by_ref));
            }
            let e = match slot.or(p.default.as_ref()) {
                Some(e) => e,
                None => {
                    let msg = format!("`{fname}` is missing its argument `{}`", p.name);
                    // A misspelled keyword already explains the missing argument.
                    if !bad_keyword {
                        self.error(
                            Diag::error(E_ARITY, msg, span)
                                .with_hint(format!("pass a `{}`", self.ty_name(&p.ty))),
                        );
                    }
                    out.push(TArg::Value(self.unknown(0)));
                    continue;
                }
            };
            let call_site = defaulted
                && matches!(&e.kind, ExprKind::Call { func, .. }
                    if matches!(&func.kind, ExprKind::Name(n) if n == super::reflect::CALL_SITE_MARKER));
            let v = if call_site {
                // `call_location()` in the callee: the location of this call.
                self.location_value(span).unwrap_or_else(|| self.unknown(0))
            } else if defaulted && p.module != self.m {
                // A default value means what it means where the function is written.
                let saved = (self.m, std::mem::take(&mut self.scopes));
                self.m = p.module;
                self.scopes = vec![std::collections::HashMap::new()];
                let v = self.expr(e, Some(&p.ty));
                (self.m, self.scopes) = saved;
                v
            } else {
                self.expr(e, Some(&p.ty))
            };
            let v = self.coerce(v, &p.ty, e.span);
            match p.conv {
                Conv::Mut | Conv::Out => {
                    if is_place(&v) {
                        self.check_mut_use(e, &format!("the `mut` argument `{}`", p.name));
                    }
                    if !is_place(&v) && !v.ty.is_unknown() {
                        let msg = format!(
                            "argument `{}` is `mut`: pass a variable, not a temporary value",
                            p.name
                        );
                        self.error(Diag::error(super::E_ASSIGN, msg, e.span));
                    }
                    out.push(TArg::Ref(v));
                }
                Conv::Owned => {
                    let v = self.owned_value(v, e.span);
                    out.push(TArg::Value(self.owned_arg(v, k + 1 < n)));
                }
                Conv::Read => out.push(TArg::Value(self.hold_temp(v))),
                Conv::Ref => out.push(TArg::Ref(self.as_place(v))),
            }
        }
        if aliasing.iter().any(|(_, m, _)| *m) && aliasing.len() > 1 {
            self.check_argument_aliasing(fname, &aliasing);
        }
        out
    }

    /// An owned argument with more arguments after it: kept in a temporary the enclosing
    /// scope owns and moved into the call, so that a later argument that raises (the
    /// call never happens) releases it on the error path.
    fn owned_arg(&mut self, v: TExpr, more: bool) -> TExpr {
        if !more || !self.cx.needs_drop(&v.ty) || self.own.drop_scopes.is_empty() {
            return v;
        }
        let (ty, line) = (v.ty.clone(), v.line);
        let (st, read) = self.owning_temp(v);
        let K::Local(l) = read.kind else {
            return TExpr::new(K::Seq(vec![st], Box::new(read)), ty, line);
        };
        TExpr::new(
            K::Seq(vec![st], Box::new(TExpr::new(K::Move(l), ty.clone(), line))),
            ty,
            line,
        )
    }

    pub(super) fn call(
        &mut self,
        func: &Expr,
        args: &[Arg],
        span: Span,
        expected: Option<&Ty>,
    ) -> TExpr {
        let line = self.line(span);
        if super::reflect::looks_reflective(func)
            && let Some(v) = self.reflection_call(func, args, span)
        {
            return v;
        }
        // `TestSuite.discover_tests[__functions_in_module()]()`: registers the module's tests.
        if let Some(e) = super::suite_discovery::discovery_call(self, func, args, span) {
            return self.expr(&e, expected);
        }
        // `type_of(x)(args)`: a constructor call of `x`'s type (bound to a hidden type
        // name of the body, as in a type annotation).
        if let ExprKind::Call { func: f, args: a } = &func.kind
            && matches!(&f.kind, ExprKind::Name(n) if n == "type_of"
                && self.lookup_local(n).is_none())
            && a.len() == 1
        {
            let callee = self.bind_type_of(func);
            return self.call(&callee, args, span, expected);
        }
        match &func.kind {
            // `NoneType()`: the `None` value.
            ExprKind::Name(n)
                if n == "NoneType"
                    && args.is_empty()
                    && self.lookup_local(n).is_none()
                    && !self.cx.modules[self.m].scope.contains_key(n) =>
            {
                TExpr::new(K::Unit, Ty::Unit, line)
            }
            // `CompilationTarget.is_x86()` and the other target queries (`std.sys`).
            ExprKind::Attr { base, name }
                if matches!(&base.kind, ExprKind::Name(b) if b == "CompilationTarget")
                    && self.lookup_local("CompilationTarget").is_none()
                    && matches!(
                        self.cx.modules[self.m].scope.get("CompilationTarget"),
                        Some(super::Item::Builtin(..))
                    ) =>
            {
                for a in args {
                    self.expr(&a.value, None);
                }
                match super::builtins::target::target_query(&self.cx.target, &name.name, true) {
                    Some(super::ConstVal::Bool(v)) if args.is_empty() => {
                        TExpr::new(K::Bool(v), Ty::Bool, line)
                    }
                    _ => {
                        let msg = format!("`CompilationTarget` has no query `{}`", name.name);
                        self.error(Diag::error(super::E_NO_MEMBER, msg, name.span));
                        self.unknown(line)
                    }
                }
            }
            ExprKind::Name(n)
                if n == "Self"
                    && self.self_ty.is_some()
                    && !self.cx.modules[self.m].scope.contains_key(n) =>
            {
                let t = self.self_ty.clone().unwrap_or(Ty::Unknown);
                self.construct_ty(t, args, span)
            }
            ExprKind::Name(n) if self.tparams.contains_key(n) && self.lookup_local(n).is_none() => {
                // `T(...)` with `T` a type parameter.
                let t = self.tparams[n].clone();
                self.construct_ty(t, args, span)
            }
            ExprKind::Name(n) if self.lookup_closure(n).is_some() => {
                let k = self.lookup_closure(n).unwrap_or_default();
                let k = self.pick_closure_overload(k, args, span);
                self.call_closure(k, None, args, span)
            }
            ExprKind::Name(n)
                if self.lookup_local(n).is_none() && self.closure_params.contains_key(n) =>
            {
                self.call_closure_param(n, args, span)
            }
            ExprKind::Name(n)
                if self.lookup_local(n).is_none()
                    && matches!(self.consts.get(n), Some(super::ConstVal::Func(_))) =>
            {
                // A function passed as a compile-time parameter.
                let Some(super::ConstVal::Func(id)) = self.consts.get(n).cloned() else {
                    return self.unknown(line);
                };
                self.call_fn(id, n, args, span)
            }
            ExprKind::Name(n)
                if self.lookup_local(n).is_none()
                    && let Some(super::ConstVal::Type(t)) = self.consts.get(n).cloned() =>
            {
                self.construct_typed(t, args, span)
            }
            ExprKind::Name(n) if self.lookup_local(n).is_none() && !self.consts.contains_key(n) => {
                match self.cx.modules[self.m].scope.get(n).cloned() {
                    Some(item) => self.call_item(item, n, args, span, expected),
                    None => {
                        if let Some(v) =
                            super::builtins::call_builtin(self, n, args, span, expected)
                        {
                            return v;
                        }
                        self.undefined(n, func.span);
                        for a in args {
                            self.expr(&a.value, None);
                        }
                        self.unknown(line)
                    }
                }
            }
            ExprKind::Attr { base, name }
                if name.name == "format"
                    && let ExprKind::Str(template) = &base.kind
                    && let Some(v) = self.literal_format(template, args, line) =>
            {
                v
            }
            ExprKind::Attr { base, name } => {
                if let Some(v) = self.dtype_method(func, args, span) {
                    return v;
                }
                // `UnsafePointer[T].alloc(n)`: the spelling before Mojo 1.0's `alloc[T](n)`.
                if name.name == "alloc"
                    && let ExprKind::Index {
                        base: pb,
                        args: params,
                    } = &base.kind
                    && matches!(&pb.kind, ExprKind::Name(p) if p == "UnsafePointer"
                        && self.lookup_local(p).is_none()
                        && !matches!(self.cx.modules[self.m].scope.get(p), Some(Item::Struct(_))))
                    && let Some(elem) = params.first()
                {
                    return self.alloc(std::slice::from_ref(elem), args, span);
                }
                if name.name == "write"
                    && matches!(&base.kind, ExprKind::Name(b) if b == "String"
                        && self.lookup_local(b).is_none()
                        && !self.cx.modules[self.m].scope.contains_key(b))
                {
                    return self.string_write(args, span);
                }
                // `Int.__add__(1, 2)`, `Float64.__neg__(x)`.
                if let ExprKind::Name(b) = &base.kind
                    && self.lookup_local(b).is_none()
                    && !self.cx.modules[self.m].scope.contains_key(b)
                    && name.name.starts_with("__")
                    && let Some(t) =
                        super::items::scalar_type(b).or_else(|| (b == "String").then_some(Ty::Str))
                    && let Some(v) = self.builtin_static_dunder(&t, &name.name, args, span)
                {
                    return v;
                }
                // module.func(...) or Type.staticmethod(...)
                if let Some(b) = self.module_base(base) {
                    let b = &b;
                    let item = match self.cx.module_path(self.m, base) {
                        Some(it) => Some(it),
                        None => match &base.kind {
                            ExprKind::Name(n) => self.cx.modules[self.m].scope.get(n).cloned(),
                            _ => None,
                        },
                    };
                    match item {
                        Some(Item::Module(t)) => {
                            return match self.cx.modules[t].scope.get(&name.name).cloned() {
                                Some(item) => {
                                    self.call_item(item, &name.name, args, span, expected)
                                }
                                None => {
                                    let msg = format!("module `{b}` has no member `{}`", name.name);
                                    self.error(Diag::error(E_NO_MEMBER, msg, name.span));
                                    self.unknown(line)
                                }
                            };
                        }
                        Some(Item::BuiltinModule(m)) => {
                            return self.call_item(
                                Item::Builtin(m, name.name.clone()),
                                &name.name,
                                args,
                                span,
                                expected,
                            );
                        }
                        Some(Item::Struct(s)) => {
                            return self.static_call(Ty::st(s), name, None, args, span);
                        }
                        // `ListNode.make_node(...)` through `comptime ListNode = Node[T]`.
                        Some(Item::Const(super::ConstVal::Type(t @ Ty::Struct(..)))) => {
                            return self.static_call(t, name, None, args, span);
                        }
                        _ => {}
                    }
                }
                // `mod.Type.staticmethod(...)`
                if let ExprKind::Attr { base: mb, name: tn } = &base.kind
                    && self.module_base(mb).is_some()
                    && let Some(Item::Module(t)) = self.cx.module_path(self.m, mb)
                    && let Some(Item::Struct(s)) = self.cx.modules[t].scope.get(&tn.name).cloned()
                {
                    return self.static_call(Ty::st(s), name, None, args, span);
                }
                if let Some(t) = self.type_base(base) {
                    return self.static_call(t, name, None, args, span);
                }
                // `Float32.__floor__(x)`, `F.__add__(a, b)`: a built-in type's method called
                // through the type, the receiver first.
                if let Some(t) = self.builtin_type_base(base)
                    && let Some((first, rest)) = args.split_first()
                    && first.name.is_none()
                {
                    let recv = self.expr(&first.value, Some(&t));
                    let recv = self.coerce(recv, &t, first.value.span);
                    return self.method_call(&first.value, recv, name, rest, span);
                }
                let recv = self.expr(base, None);
                // `ctx.enqueue_function(compiled, args...)`.
                if super::gpu_launch::LAUNCH_METHODS.contains(&name.name.as_str())
                    && self.is_host_struct(&recv.ty, "DeviceContext")
                {
                    return self.gpu_launch(recv, &name.name, &[], args, span);
                }
                self.method_call(base, recv, name, args, span)
            }
            ExprKind::Index { base, args: targs }
                if matches!(&base.kind, ExprKind::Name(n) if n == "external_call"
                    && self.lookup_local(n).is_none()
                    && !self.cx.modules[self.m].scope.contains_key(n)) =>
            {
                super::builtins::external_call(self, targs, args, span)
            }
            ExprKind::Index { base, args: targs }
                if matches!(&base.kind, ExprKind::Name(n) if self.lookup_local(n).is_none()
                    && matches!(self.cx.modules[self.m].scope.get(n),
                        Some(Item::Builtin(_, b)) if b == "llvm_intrinsic")) =>
            {
                super::builtins::llvm_intrinsic(self, targs, args, span)
            }
            ExprKind::Index { base, args: targs }
                if matches!(&base.kind, ExprKind::Name(n) if self.lookup_local(n).is_none()
                    && matches!(self.cx.modules[self.m].scope.get(n),
                        Some(Item::Builtin(_, b)) if b == "inlined_assembly")) =>
            {
                super::builtins::inlined_assembly(self, targs, args, span)
            }
            ExprKind::Index { base, args: cargs } => {
                // `Self.Ts.contains[T]()`: a compile-time `Bool`.
                if let ExprKind::Attr {
                    base: pack,
                    name: m,
                } = &base.kind
                    && m.name == "contains"
                    && super::items::pack_type(pack, &self.tscope()).is_some()
                {
                    let call = Expr {
                        kind: ExprKind::Call {
                            func: Box::new(func.clone()),
                            args: args.to_vec(),
                        },
                        span,
                    };
                    if let Some(v) = self.type_value(&call) {
                        return self.const_value(v, line);
                    }
                }
                // `Self.Ts[i](...)`: constructs one type of a type pack.
                if super::items::pack_type(base, &self.tscope()).is_some() {
                    return match self.resolve_ty(func) {
                        t @ Ty::Struct(..) => self.construct_ty(t, args, span),
                        t => self.construct_typed(t, args, span),
                    };
                }
                // `Pair[DType.float32](1.0, 2.0)`: a parametric type alias.
                if self.lookup_local_expr(base).is_none()
                    && super::params::lookup_alias(self.cx, self.m, base, &self.consts).is_some()
                {
                    let ty = self.resolve_ty(func);
                    return self.construct_typed(ty, args, span);
                }
                // `f[T](...)`, `obj.method[n](...)`, `Type.method[n](...)`.
                if let Some(v) = self.explicit_call(base, cargs, args, span) {
                    return v;
                }
                // `SIMD[...](...)`, `alloc[T](n)`, `simd_width_of[dt]()`, ...
                if let Some(v) = self.call_indexed(func, base, cargs, args, span) {
                    return v;
                }
                // `List[Int](...)`, `Dict[String, Int]()`, `Box[Int](...)`
                let ty = self.resolve_ty(func);
                if let Ty::Struct(..) = ty {
                    return self.construct_ty(ty, args, span);
                }
                super::builtins::construct_builtin(self, ty, args, span)
            }
            _ => {
                let f = self.expr(func, None);
                if let Ty::Func(..) = f.ty {
                    return self.call_value(f, args, span);
                }
                if !f.ty.is_unknown() {
                    let msg = format!("a `{}` is not callable", self.ty_name(&f.ty));
                    self.error(Diag::error(E_NOT_CALLABLE, msg, func.span));
                }
                self.unknown(line)
            }
        }
    }

    fn call_item(
        &mut self,
        item: Item,
        n: &str,
        args: &[Arg],
        span: Span,
        expected: Option<&Ty>,
    ) -> TExpr {
        let line = self.line(span);
        match item {
            Item::Func(id) => self.call_fn(id, n, args, span),
            Item::Struct(s) => self.construct(s, None, args, span),
            Item::Builtin("algorithm", name) => self
                .algorithm_call(&name, &[], args, span)
                .unwrap_or_else(|| self.unknown(line)),
            Item::Builtin(m, name) => {
                super::builtins::call_module_builtin(self, m, &name, args, span, expected)
                    .unwrap_or_else(|| self.unknown(line))
            }
            Item::Const(super::ConstVal::Type(t @ Ty::Struct(..))) => {
                self.construct_ty(t, args, span)
            }
            Item::Const(super::ConstVal::Type(t)) => self.construct_typed(t, args, span),
            Item::Const(_) | Item::Module(_) | Item::BuiltinModule(_) | Item::Trait(_) => {
                let msg = format!("`{n}` is not callable");
                self.error(Diag::error(E_NOT_CALLABLE, msg, span));
                self.unknown(line)
            }
        }
    }

    pub fn call_fn(&mut self, id: FnId, n: &str, args: &[Arg], span: Span) -> TExpr {
        if let Some(e) = self.call_fn_values(id, n, None, args, span) {
            return e;
        }
        self.call_fn_with(id, n, Vec::new(), None, args, span)
    }

    /// A call of function `id` with owner arguments `prefix` and explicit `[...]` ones.
    pub fn call_fn_with(
        &mut self,
        id: FnId,
        n: &str,
        prefix: Vec<crate::ty::CtArg>,
        explicit: Option<&[Arg]>,
        args: &[Arg],
        span: Span,
    ) -> TExpr {
        let line = self.line(span);
        let id = if self.cx.funcs[id.0 as usize].overloads.is_empty() {
            id
        } else {
            self.pick_free(id, args)
        };
        let Some((sig, ct)) = self.instantiate(id, prefix, explicit, args, 0, span) else {
            for a in args {
                self.expr(&a.value, None);
            }
            return self.unknown(line);
        };
        let targs = self.check_args(n, &sig, 0, args, span);
        if sig.raises {
            self.check_may_raise_ty(&format!("call to `{n}`"), sig.raises_ty.as_ref(), span);
        }
        let call = TExpr::new(K::Call(self.callee(id, &ct), targs), sig.ret, line);
        self.note_never_returns(id);
        self.ref_result(call)
    }

    /// The type a call's base names when it is `Self`, a type parameter, or a struct
    /// (possibly with arguments): `Self.make()`, `T.zero()`, `Box[Int].new()`.
    /// `base` naming a built-in value type (`Int`, `Float32`, `String`, `SIMD[...]`, or a
    /// `comptime` alias of one), as a namespace of its methods.
    fn builtin_type_base(&mut self, base: &Expr) -> Option<Ty> {
        let builtin = |n: &str| {
            super::items::scalar_type(n).is_some() || matches!(n, "String" | "SIMD" | "Scalar")
        };
        let named = |fx: &Self, n: &str| {
            fx.lookup_local(n).is_none()
                && match fx.cx.modules[fx.m].scope.get(n) {
                    Some(Item::Builtin(_, b)) => builtin(b),
                    Some(Item::Const(super::ConstVal::Type(t))) => !matches!(t, Ty::Struct(..)),
                    None => match fx.consts.get(n) {
                        Some(super::ConstVal::Type(t)) => !matches!(t, Ty::Struct(..)),
                        Some(_) => false,
                        None => builtin(n),
                    },
                    _ => false,
                }
        };
        let ok = match &base.kind {
            ExprKind::Name(n) => named(self, n),
            ExprKind::Index { base: b, .. } => {
                matches!(&b.kind, ExprKind::Name(n) if (n == "SIMD" || n == "Scalar") && named(self, n))
            }
            _ => false,
        };
        if !ok {
            return None;
        }
        let t = self.resolve_ty(base);
        (!t.is_unknown() && !matches!(t, Ty::Struct(..))).then_some(t)
    }

    pub fn type_base(&mut self, base: &Expr) -> Option<Ty> {
        match &base.kind {
            ExprKind::Name(b) if self.lookup_local(b).is_none() => {
                if b == "Self" && !self.cx.modules[self.m].scope.contains_key(b) {
                    return self.self_ty.clone();
                }
                if let Some(t) = self.tparams.get(b) {
                    return Some(t.clone());
                }
                // A `comptime` alias of a struct type (`IntOrStr.is_type_supported[T]()`).
                match self.cx.modules[self.m].scope.get(b) {
                    Some(Item::Const(super::ConstVal::Type(t @ Ty::Struct(..)))) => Some(t.clone()),
                    _ => match self.consts.get(b) {
                        Some(super::ConstVal::Type(t @ Ty::Struct(..))) => Some(t.clone()),
                        _ => None,
                    },
                }
            }
            // `Self.L.method()`: a type parameter of the struct we are in.
            ExprKind::Attr { base: sb, name }
                if matches!(&sb.kind, ExprKind::Name(b) if b == "Self"
                    && self.lookup_local(b).is_none())
                    && self.tparams.contains_key(&name.name) =>
            {
                self.tparams.get(&name.name).cloned()
            }
            ExprKind::Index { base: inner, .. } => match &inner.kind {
                ExprKind::Name(b)
                    if self.lookup_local(b).is_none()
                        && matches!(
                            self.cx.modules[self.m].scope.get(b),
                            Some(Item::Struct(_))
                        ) =>
                {
                    Some(self.resolve_ty(base))
                }
                // `Pointer[T, origin].unsafe_dangling()`
                ExprKind::Name(b)
                    if (b == "Pointer" || b == "UnsafePointer")
                        && self.lookup_local(b).is_none()
                        && !self.cx.modules[self.m].scope.contains_key(b) =>
                {
                    Some(self.resolve_ty(base))
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// `f[...](...)`, `obj.method[...](...)`, `Type.method[...](...)`: a call with explicit
    /// compile-time arguments. `None` when `base` is not a function (it is a type).
    fn explicit_call(
        &mut self,
        base: &Expr,
        cargs: &[Arg],
        args: &[Arg],
        span: Span,
    ) -> Option<TExpr> {
        match &base.kind {
            ExprKind::Name(n) if self.lookup_closure(n).is_some() => {
                let k = self.lookup_closure(n).unwrap_or_default();
                Some(self.call_closure(k, Some(cargs), args, span))
            }
            ExprKind::Name(n)
                if self.lookup_local(n).is_none() && !self.tparams.contains_key(n) =>
            {
                match self.cx.modules[self.m].scope.get(n).cloned() {
                    Some(Item::Func(id))
                        if !self.cx.funcs[id.0 as usize].def.fn_value_args.is_empty() =>
                    {
                        self.call_fn_values(id, n, Some(cargs), args, span)
                    }
                    Some(Item::Func(id)) if self.passes_closure(id, cargs) => {
                        Some(self.generic_with_closures(id, n, cargs, args, span))
                    }
                    Some(Item::Func(id)) => {
                        Some(self.call_fn_with(id, n, Vec::new(), Some(cargs), args, span))
                    }
                    Some(Item::Builtin("algorithm", name)) => {
                        self.algorithm_call(&name, cargs, args, span)
                    }
                    // `sort[stable=True](list)`, `sort[stable=True](list, cmp)`: every sort
                    // here is stable, so the flag changes nothing (its value is still
                    // checked).
                    None if n == "sort"
                        && (args.len() == 1 || args.len() == 2)
                        && cargs
                            .iter()
                            .any(|c| c.name.as_ref().is_some_and(|k| k.name == "stable")) =>
                    {
                        let (flag, rest): (Vec<&Arg>, Vec<&Arg>) = cargs
                            .iter()
                            .partition(|c| c.name.as_ref().is_some_and(|k| k.name == "stable"));
                        for f in flag {
                            let v = self.expr(&f.value, Some(&Ty::Bool));
                            self.coerce(v, &Ty::Bool, f.value.span);
                        }
                        let func = Expr {
                            kind: ExprKind::Name(n.clone()),
                            span,
                        };
                        let callee = if rest.is_empty() {
                            func
                        } else {
                            Expr {
                                kind: ExprKind::Index {
                                    base: Box::new(func),
                                    args: rest.into_iter().cloned().collect(),
                                },
                                span,
                            }
                        };
                        Some(self.call(&callee, args, span, None))
                    }
                    // `sort[less](list)`: older Mojo's spelling of `sort(list, less)`.
                    None if n == "sort" && cargs.len() == 1 && args.len() == 1 => Some(
                        super::builtins::sort_by(self, &args[0].value, &cargs[0].value, span),
                    ),
                    _ => None,
                }
            }
            ExprKind::Attr { base: ob, name } => {
                if self.module_base(ob).is_some()
                    && let Some(Item::Module(t)) = self.cx.module_path(self.m, ob)
                {
                    return match self.cx.modules[t].scope.get(&name.name).cloned() {
                        Some(Item::Func(id)) => Some(self.call_fn_with(
                            id,
                            &name.name,
                            Vec::new(),
                            Some(cargs),
                            args,
                            span,
                        )),
                        _ => None,
                    };
                }
                if let Some(t) = self.type_base(ob) {
                    return Some(self.static_call(t, name, Some(cargs), args, span));
                }
                if let ExprKind::Name(b) = &ob.kind
                    && self.lookup_local(b).is_none()
                    && let Some(Item::Struct(s)) = self.cx.modules[self.m].scope.get(b).cloned()
                {
                    return Some(self.static_call(Ty::st(s), name, Some(cargs), args, span));
                }
                // A module-level `comptime` value (`thread_idx.get[...]()`) is a receiver.
                let value_const = matches!(&ob.kind, ExprKind::Name(r)
                    if self.lookup_local(r).is_none()
                        && matches!(self.cx.modules[self.m].scope.get(r), Some(Item::Const(_))));
                if !value_const
                    && self.module_base(ob).is_some()
                    && (self.cx.module_path(self.m, ob).is_some()
                        || matches!(&ob.kind, ExprKind::Name(r)
                            if self.cx.modules[self.m].scope.contains_key(r)))
                {
                    return None;
                }
                let recv = self.expr(ob, None);
                if super::gpu_launch::LAUNCH_METHODS.contains(&name.name.as_str())
                    && self.is_host_struct(&recv.ty, "DeviceContext")
                {
                    return Some(self.gpu_launch(recv, &name.name, cargs, args, span));
                }
                if super::gpu_launch::COMPILE_METHODS.contains(&name.name.as_str())
                    && self.is_host_struct(&recv.ty, "DeviceContext")
                {
                    return Some(self.gpu_compile(recv, cargs, span));
                }
                if let Ty::Struct(..) = recv.ty {
                    return Some(self.method_call_ex(ob, recv, name, Some(cargs), args, span));
                }
                // Built-in values: `p.load[width=8](i)`, `v.cast[DType.int32]()`, ...
                Some(self.method_with_params(recv, name, cargs, args, span))
            }
            _ => None,
        }
    }

    fn static_call(
        &mut self,
        ty: Ty,
        name: &ast::Ident,
        explicit: Option<&[Arg]>,
        args: &[Arg],
        span: Span,
    ) -> TExpr {
        let line = self.line(span);
        if let Ty::RawPtr(elem, _) = &ty
            && name.name == "unsafe_dangling"
        {
            // A non-null, aligned address that must not be dereferenced.
            self.arity(&name.name, args, 0, 0, span);
            let size = TExpr::new(K::SizeOf((**elem).clone()), Ty::INT, line);
            return TExpr::new(K::Cast(Box::new(size)), ty, line);
        }
        if let Ty::Struct(s, a) = &ty
            && !self.cx.structs[*s as usize]
                .methods
                .contains_key(&name.name)
            && explicit.is_none()
            && let Some(super::ConstVal::Type(t)) =
                super::generics::struct_instance_names(self.cx, *s, a)
                    .1
                    .get(&name.name)
        {
            // `Self.NodePointer()`: constructs the struct's `comptime` type alias.
            return match t {
                Ty::Struct(..) => self.construct_ty(t.clone(), args, span),
                t => self.construct_typed(t.clone(), args, span),
            };
        }
        // `Self.T()`: constructs the struct instance's type parameter `T`.
        if let Ty::Struct(s, a) = &ty
            && !self.cx.structs[*s as usize]
                .methods
                .contains_key(&name.name)
            && explicit.is_none()
            && let Some(t) = super::generics::struct_instance_names(self.cx, *s, a)
                .0
                .get(&name.name)
                .filter(|t| !t.has_param())
                .cloned()
        {
            return self.construct_ty(t, args, span);
        }
        let Ty::Struct(s, _) = ty else {
            if !ty.is_unknown() {
                let msg = format!("`{}` has no method `{}`", self.ty_name(&ty), name.name);
                self.error(Diag::error(E_NO_MEMBER, msg, name.span));
            }
            return self.unknown(line);
        };
        match self.cx.structs[s as usize].methods.get(&name.name).copied() {
            // `Type.method(...)` of a static method, or `Type.method(obj, ...)`: an unbound
            // method call with explicit self.
            Some(id) => {
                let prefix = self.method_prefix(id, &ty);
                self.call_fn_with(id, &name.name, prefix, explicit, args, span)
            }
            None => {
                let msg = format!(
                    "`{}` has no method `{}`",
                    self.cx.struct_names[s as usize], name.name
                );
                self.error(Diag::error(E_NO_MEMBER, msg, name.span));
                self.unknown(line)
            }
        }
    }

    /// Constructs a value of type `t` (a struct, or a built-in type through its
    /// conversion) from call arguments.
    pub fn construct_ty(&mut self, t: Ty, args: &[Arg], span: Span) -> TExpr {
        match t {
            Ty::Struct(s, a) => self.construct(s, Some(a.to_vec()), args, span),
            Ty::Unknown => {
                let line = self.line(span);
                self.unknown(line)
            }
            // `T()` / `T(x)` with `T` bound to a built-in type: its default value or its
            // conversion (`String()` is empty, `String(x)` writes `x`).
            Ty::Str if args.iter().all(|a| a.name.is_none()) && args.len() <= 1 => {
                let line = self.line(span);
                match args.first() {
                    None => TExpr::new(K::Str(String::new()), Ty::Str, line),
                    Some(a) => {
                        let v = self.expr(&a.value, None);
                        self.stringify(v, span)
                    }
                }
            }
            t @ (Ty::Bool
            | Ty::Int { .. }
            | Ty::Float { .. }
            | Ty::Vector(..)
            | Ty::Array(..)
            | Ty::Uninit(..)) => self.construct_typed(t, args, span),
            t => super::builtins::construct_builtin(self, t, args, span),
        }
    }

    /// Constructs struct `s` through its `__init__`. `prefix` are its compile-time
    /// arguments; `None` infers them from the arguments (`Pair(1, "a")`).
    pub fn construct(
        &mut self,
        s: u32,
        prefix: Option<Vec<crate::ty::CtArg>>,
        args: &[Arg],
        span: Span,
    ) -> TExpr {
        let line = self.line(span);
        let sname = self.cx.struct_names[s as usize].clone();
        if let Some(v) = self.copy_construct(s, args, span) {
            return v;
        }
        let Some(id) = self.pick_init(s, prefix.as_deref(), args) else {
            self.error(
                Diag::error(E_NOT_CALLABLE, format!("`{sname}` has no `__init__`"), span)
                    .with_hint("add `def __init__(out self, ...)` or decorate the struct with `@fieldwise_init`"),
            );
            return self.unknown(line);
        };
        if self.cx.funcs[id.0 as usize]
            .sig
            .params
            .first()
            .map(|p| p.conv)
            != Some(Conv::Out)
        {
            self.error(
                Diag::error(E_MISMATCH, "`__init__` must take `out self`", span)
                    .with_hint("write `def __init__(out self, ...)`"),
            );
            return self.unknown(line);
        }
        let Some((sig, ct)) = self.instantiate(id, prefix.unwrap_or_default(), None, args, 1, span)
        else {
            for a in args {
                self.expr(&a.value, None);
            }
            return self.unknown(line);
        };
        let targs = self.check_args(&sname, &sig, 1, args, span);
        if sig.raises {
            self.check_may_raise_ty(&format!("`{sname}(...)`"), sig.raises_ty.as_ref(), span);
        }
        let k = self.cx.structs[s as usize].params.len();
        let ty = Ty::Struct(s, ct[..k.min(ct.len())].to_vec().into());
        if ct.is_empty() {
            TExpr::new(K::Construct(id, targs), ty, line)
        } else {
            TExpr::new(K::ConstructInst(id, ct, targs), ty, line)
        }
    }

    /// A call of a function declared `-> Never` (it always raises or aborts) ends the
    /// path: what follows is dead, and a function need not return after it.
    fn note_never_returns(&mut self, id: FnId) {
        let ret = &self.cx.funcs[id.0 as usize].def.ret;
        if matches!(ret, Some(Expr { kind: ExprKind::Name(n), .. }) if n == "Never") {
            self.dead = true;
        }
    }

    /// Between overloads that differ only in how they take `self` (`__iter__(ref self)`
    /// and `__iter__(var self)`), the one that takes ownership when the receiver is moved
    /// (`xs^.__iter__()`), and a borrowing one otherwise.
    fn by_receiver_convention(&self, s: u32, name: &str, id: FnId, base: &Expr) -> FnId {
        let moved = matches!(base.kind, ExprKind::Transfer(_));
        let sig = |f: FnId| &self.cx.funcs[f.0 as usize].sig;
        let owned = |f: FnId| {
            sig(f).has_self && sig(f).params.first().is_some_and(|p| p.conv == Conv::Owned)
        };
        if owned(id) == moved {
            return id;
        }
        let arity = sig(id).params.len();
        self.method_overloads(s, name)
            .into_iter()
            .find(|&f| owned(f) == moved && sig(f).params.len() == arity)
            .unwrap_or(id)
    }

    fn method_call(
        &mut self,
        base: &Expr,
        recv: TExpr,
        name: &ast::Ident,
        args: &[Arg],
        span: Span,
    ) -> TExpr {
        self.method_call_ex(base, recv, name, None, args, span)
    }

    pub(crate) fn method_call_ex(
        &mut self,
        base: &Expr,
        recv: TExpr,
        name: &ast::Ident,
        explicit: Option<&[Arg]>,
        args: &[Arg],
        span: Span,
    ) -> TExpr {
        let line = self.line(span);
        // A method of the built-in `String` written in mj (`std.collections.string`).
        if recv.ty == Ty::Str
            && let Some(id) = crate::lang_items::string_method(self.cx, &name.name)
        {
            let id = self.pick_free(id, args);
            return match self.call_with_receiver(
                id,
                Vec::new(),
                base,
                recv,
                name,
                explicit,
                args,
                span,
            ) {
                Some((call, _)) => call,
                None => self.unknown(line),
            };
        }
        match recv.ty.clone() {
            Ty::Struct(s, _) => {
                // A field holding a function value: `op.f(x)`.
                if !self.cx.structs[s as usize].methods.contains_key(&name.name)
                    && let Some(fields) = super::generics::fields_of(self.cx, &recv.ty)
                    && let Some(i) = fields.iter().position(|(n, _)| *n == name.name)
                    && let Ty::Func(..) = fields[i].1
                {
                    let fty = fields[i].1.clone();
                    let fv = TExpr::new(K::Field(Box::new(recv), i as u32), fty, line);
                    return self.call_value(fv, args, span);
                }
                let overloaded = self.cx.structs[s as usize]
                    .methods
                    .contains_key(&format!("{}#2", name.name));
                let picked = if overloaded {
                    let prefix = match &recv.ty {
                        Ty::Struct(_, a) if !a.is_empty() => Some(a.to_vec()),
                        _ => None,
                    };
                    let id = self.pick_overload(s, &name.name, prefix.as_deref(), args);
                    id.map(|id| self.by_receiver_convention(s, &name.name, id, base))
                } else {
                    self.cx.structs[s as usize].methods.get(&name.name).copied()
                };
                let Some(id) = picked else {
                    if let Some(e) = self.write_method_fallback(&recv, &name.name, args, span) {
                        return e;
                    }
                    if name.name == "copy" && args.is_empty() {
                        // The explicit copy: the copy constructor, or field by field.
                        return self.copy_value(recv, span);
                    }
                    let mut d = Diag::error(
                        E_NO_MEMBER,
                        format!(
                            "`{}` has no method `{}`",
                            self.cx.struct_names[s as usize], name.name
                        ),
                        name.span,
                    );
                    let names: Vec<String> = self.cx.structs[s as usize]
                        .methods
                        .keys()
                        .cloned()
                        .collect();
                    if let Some(sug) = did_you_mean(&name.name, names.iter().map(String::as_str)) {
                        d = d.with_hint(format!("did you mean `{sug}`?"));
                    }
                    self.error(d);
                    for a in args {
                        self.expr(&a.value, None);
                    }
                    return self.unknown(line);
                };
                let prefix = self.method_prefix(id, &recv.ty);
                if !self.cx.funcs[id.0 as usize].sig.has_self {
                    return self.call_fn_with(id, &name.name, prefix, explicit, args, span);
                }
                let Some((call, guard_recv)) =
                    self.call_with_receiver(id, prefix, base, recv, name, explicit, args, span)
                else {
                    return self.unknown(line);
                };
                self.optional_guard(&guard_recv, s, &name.name, call, span)
            }
            Ty::Unknown => {
                for a in args {
                    self.expr(&a.value, None);
                }
                self.unknown(line)
            }
            // `args.__len__()` of a variadic pack (a tuple): its length, a constant.
            Ty::Tuple(ts) if name.name == "__len__" && args.is_empty() => {
                self.int(ts.len() as i128, line)
            }
            // `.copy()` of a built-in value (`Int`, `String`, tuples...): Mojo's `Copyable`.
            Ty::Bool
            | Ty::Int { .. }
            | Ty::Float { .. }
            | Ty::Str
            | Ty::Tuple(_)
            | Ty::Error
            | Ty::Vector(..)
            | Ty::RawPtr(..)
            | Ty::Span(_)
                if name.name == "copy" && args.is_empty() =>
            {
                self.copy_value(recv, span)
            }
            // `Hashable` built-ins feed the hasher (`builtins/hashing.rs`).
            _ if name.name == "__hash__" => self.builtin_hash(recv, args, span),
            _ => match self.builtin_dunder_call(recv, &name.name, args, span) {
                Ok(v) => v,
                Err(recv) => super::builtins::builtin_method(self, recv, name, args, span),
            },
        }
    }

    /// A call of method `id` (its first parameter the receiver `recv`) with the call's
    /// own arguments; gives the call and the receiver argument.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn call_with_receiver(
        &mut self,
        id: FnId,
        prefix: Vec<crate::ty::CtArg>,
        base: &Expr,
        recv: TExpr,
        name: &ast::Ident,
        explicit: Option<&[Arg]>,
        args: &[Arg],
        span: Span,
    ) -> Option<(TExpr, TArg)> {
        if let Some((c, rest)) = self.split_fn_value_args(id, explicit, args) {
            return self.call_with_receiver(id, prefix, base, recv, name, Some(&c), &rest, span);
        }
        // A nested `def` passed to the method: its instance is lifted into this function.
        if let Some(c) = explicit
            && self.passes_closure(id, c)
        {
            let recv_arg = TArg::Value(recv.clone());
            let call =
                self.generic_with_closures_on(id, &name.name, Some((prefix, recv)), c, args, span);
            return Some((call, recv_arg));
        }
        let line = self.line(span);
        let Some((sig, ct)) = self.instantiate(id, prefix, explicit, args, 1, span) else {
            for a in args {
                self.expr(&a.value, None);
            }
            return None;
        };
        // A `var self` method takes ownership of its receiver; others borrow it.
        let recv = match sig.params[0].conv {
            Conv::Owned => self.owned_value(recv, base.span),
            Conv::Read => self.hold_temp(recv),
            _ => recv,
        };
        if sig.params[0].conv == Conv::Mut && is_place(&recv) {
            // (Calling a `mut self` method on a temporary is allowed; it mutates the copy.)
            let what = format!("calling `{}` (a `mut self` method)", name.name);
            self.check_mut_use(base, &what);
        }
        let recv_arg = self.self_arg(recv, &sig);
        let guard_recv = recv_arg.clone();
        let mut targs = vec![recv_arg];
        if sig.params[0].conv == Conv::Mut {
            self.mut_receiver = Some(base.clone());
        }
        targs.extend(self.check_args(&name.name, &sig, 1, args, span));
        if sig.raises {
            self.check_may_raise_ty(
                &format!("call to `{}`", name.name),
                sig.raises_ty.as_ref(),
                span,
            );
        }
        let call = TExpr::new(K::Call(self.callee(id, &ct), targs), sig.ret, line);
        let call = self.ref_result(call);
        self.note_never_returns(id);
        Some((call, guard_recv))
    }
}
