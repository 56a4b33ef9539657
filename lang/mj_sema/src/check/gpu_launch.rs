//! Kernel launches: `ctx.enqueue_function[kernel](args..., grid_dim=..., block_dim=...,
//! shared_mem_bytes=...)` on the library's `DeviceContext` (`std.gpu.host`).
//!
//! The launch is checked like a call of the kernel (its compile-time arguments, the
//! run-time arguments against its parameters, implicit conversions), with one extra
//! conversion: a `DeviceBuffer[dtype]` or `HostBuffer[dtype]` argument passes its
//! pointer. The kernel must not raise and its arguments must be device-passable
//! (scalars, pointers and structs of those, without destructors).
//!
//! It becomes: the arguments evaluated into an environment tuple, a trampoline `(env)`
//! lifted next to the caller that calls the kernel with the tuple's fields, and a call of
//! the runtime's launch (`Rt::GpuLaunch`: trampoline, env, grid xyz, block xyz, shared bytes,
//! the context's device API), which runs the trampoline once per GPU thread on the CPU
//! device, or the trampoline's device entry on a GPU. The same kernel function is what the
//! device compiler emits for a GPU target (`mj build --emit ptx`).

use mj_syntax::ast::{self, Arg, Expr, ExprKind};
use mj_syntax::{Diag, Span};

use super::body::FnCx;
use super::{E_ARITY, E_KWARG, E_MISMATCH, Item};
use crate::tir::{Callee, FnId, LocalId, TArg, TExpr, TExprKind as K, TStmt};
use crate::ty::Ty;

/// The methods of `DeviceContext` that launch a kernel.
pub(crate) const LAUNCH_METHODS: &[&str] = &[
    "enqueue_function",
    "enqueue_function_checked",
    "enqueue_function_experimental",
];

/// The methods of `DeviceContext` that compile a kernel ahead of its launches.
pub(crate) const COMPILE_METHODS: &[&str] = &[
    "compile_function",
    "compile_function_checked",
    "compile_function_unchecked",
    "compile_function_experimental",
];

/// The kernel of `ctx.compile_function[kernel](...)`, for a variable bound to it.
pub(crate) fn compiled_kernel(e: &Expr) -> Option<Expr> {
    let ExprKind::Call { func, .. } = &e.kind else {
        return None;
    };
    let ExprKind::Index { base, args } = &func.kind else {
        return None;
    };
    let ExprKind::Attr { name, .. } = &base.kind else {
        return None;
    };
    if !COMPILE_METHODS.contains(&name.name.as_str()) {
        return None;
    }
    args.first().map(|a| a.value.clone())
}

/// What a launch names: a module-level function (with its explicit compile-time
/// arguments) or a nested `def` of the launching function.
enum Kernel {
    Module(FnId, Option<Vec<Arg>>),
    Nested(usize),
}

/// The module of the library's host API.
const HOST_MODULE: &str = "std.gpu.host.device_context";

impl FnCx<'_> {
    /// Whether `t` is the library struct `name` of the host API (`DeviceContext`,
    /// `DeviceBuffer`, `HostBuffer`).
    pub(crate) fn is_host_struct(&self, t: &Ty, name: &str) -> bool {
        self.is_library_struct(t, HOST_MODULE, name)
    }

    /// Whether `t` is the struct `name` of library module `module`.
    fn is_library_struct(&self, t: &Ty, module: &str, name: &str) -> bool {
        let Ty::Struct(s, _) = t else { return false };
        let sd = &self.cx.structs[*s as usize];
        self.cx.modules[sd.module].input.name == module && sd.name.rsplit('.').next() == Some(name)
    }

    /// The function a kernel expression names, with its explicit compile-time
    /// arguments: `kernel`, `kernel[params]`, `module.kernel[params]`.
    fn kernel_fn(&mut self, e: &Expr) -> Option<(FnId, Option<Vec<Arg>>)> {
        // `comptime kernel = my_kernel[layout, 4]`: the alias's expression.
        if let ExprKind::Name(n) = &e.kind
            && self.lookup_local(n).is_none()
        {
            match self.consts.get(n).cloned() {
                Some(super::ConstVal::Expr(_, x)) => return self.kernel_fn(&x),
                Some(super::ConstVal::Func(id)) => return Some((id, None)),
                _ => {}
            }
            if let Some(Item::Const(super::ConstVal::Expr(_, x))) =
                self.cx.modules[self.m].scope.get(n).cloned()
            {
                return self.kernel_fn(&x);
            }
        }
        let (base, cargs) = match &e.kind {
            ExprKind::Index { base, args } => (&**base, Some(args.clone())),
            _ => (e, None),
        };
        let item = match &base.kind {
            ExprKind::Name(n) if self.lookup_local(n).is_none() => {
                self.cx.modules[self.m].scope.get(n).cloned()
            }
            ExprKind::Attr { base: mb, name } => match self.cx.module_path(self.m, mb) {
                Some(Item::Module(t)) => self.cx.modules[t].scope.get(&name.name).cloned(),
                _ => None,
            },
            _ => None,
        };
        match item {
            Some(Item::Func(id)) => Some((id, cargs)),
            _ => None,
        }
    }

    /// What a kernel expression names: a module-level function, or a `def` nested in
    /// this function (which must capture nothing; `gpu_launch` checks). Reports an
    /// expression that names neither; `usage` shows the right spelling.
    fn resolve_kernel(&mut self, e: &Expr, usage: &str) -> Option<Kernel> {
        if let ExprKind::Name(n) = &e.kind
            && let Some(ck) = self.lookup_closure(n)
        {
            return Some(Kernel::Nested(ck));
        }
        if let Some((id, kcargs)) = self.kernel_fn(e) {
            return Some(Kernel::Module(id, kcargs));
        }
        self.error(
            Diag::error(
                E_MISMATCH,
                "a kernel must be a module-level function",
                e.span,
            )
            .with_hint(format!(
                "pass the name of a function defined with `def`: `{usage}`"
            )),
        );
        None
    }

    /// `ctx.enqueue_function[kernel](...)`; see the module's comment.
    pub(crate) fn gpu_launch(
        &mut self,
        ctx: TExpr,
        method: &str,
        cargs: &[Arg],
        args: &[Arg],
        span: Span,
    ) -> TExpr {
        let line = self.line(span);
        // `ctx.enqueue_function(compiled, args...)` with `compiled =
        // ctx.compile_function[kernel]()`: the kernel named at the compilation.
        if cargs.is_empty()
            && let Some(first) = args.first()
            && first.name.is_none()
            && let ExprKind::Name(n) = &first.value.kind
            && let Some(k) = self.compiled_kernels.get(n).cloned()
        {
            let karg = Arg {
                name: None,
                value: k,
                span: first.span,
            };
            return self.gpu_launch(ctx, method, &[karg], &args[1..], span);
        }
        let Some(k) = cargs.first() else {
            self.error(
                Diag::error(
                    E_ARITY,
                    format!("`{method}` needs the kernel as its compile-time parameter"),
                    span,
                )
                .with_hint(
                    "write `ctx.enqueue_function[kernel](args..., grid_dim=..., block_dim=...)`",
                ),
            );
            return self.unknown(line);
        };
        let Some(target) = self.resolve_kernel(&k.value, "enqueue_function[my_kernel]") else {
            return self.unknown(line);
        };
        let (kname, arg_names): (String, Vec<String>) = match &target {
            Kernel::Module(id, _) => {
                let d = &self.cx.funcs[id.0 as usize].def;
                (
                    d.name.name.clone(),
                    d.args.iter().map(|p| p.name.name.clone()).collect(),
                )
            }
            Kernel::Nested(ck) => {
                let c = &self.closures[*ck];
                (
                    c.def.name.name.clone(),
                    c.def.args.iter().map(|p| p.name.name.clone()).collect(),
                )
            }
        };
        // The launch's own keywords, and the kernel's arguments.
        let mut dims: [Option<&Expr>; 3] = [None, None, None];
        let mut kargs: Vec<Arg> = Vec::new();
        for a in args {
            match a.name.as_ref().map(|n| n.name.as_str()) {
                Some("grid_dim") => dims[0] = Some(&a.value),
                Some("block_dim") => dims[1] = Some(&a.value),
                Some("shared_mem_bytes") => dims[2] = Some(&a.value),
                // Options of real devices that change nothing on the CPU device.
                Some("attributes" | "constant_memory" | "func_attribute" | "location") => {
                    self.expr(&a.value, None);
                }
                Some(other) if !arg_names.iter().any(|p| p == other) => {
                    let msg = format!("`{method}` has no keyword `{other}`");
                    self.error(Diag::error(E_KWARG, msg, a.span).with_hint(
                        "the launch takes `grid_dim`, `block_dim` and `shared_mem_bytes`",
                    ));
                }
                _ => kargs.push(self.device_arg(a)),
            }
        }
        let mut pre: Vec<TStmt> = Vec::new();
        let mut dim_vals: Vec<TExpr> = Vec::new();
        for (i, what) in ["grid_dim", "block_dim"].iter().enumerate() {
            let Some(e) = dims[i] else {
                let msg = format!("a kernel launch needs `{what}=`");
                self.error(Diag::error(E_ARITY, msg, span).with_hint(
                    "give the extents as an Int or a tuple: `grid_dim=(2, 2), block_dim=(16, 16)`",
                ));
                return self.unknown(line);
            };
            match self.launch_extent(e, what, &mut pre) {
                Some(v) => dim_vals.extend(v),
                None => return self.unknown(line),
            }
        }
        let shared = match dims[2] {
            Some(e) => {
                let v = self.expr(e, Some(&Ty::INT));
                self.int_value(v, e.span)
            }
            None => TExpr::new(K::Int(0), Ty::INT, line),
        };
        // The kernel's signature for these arguments.
        let (sig, callee) = match target {
            Kernel::Module(id, kcargs) => {
                let Some((sig, ct)) =
                    self.instantiate(id, Vec::new(), kcargs.as_deref(), &kargs, 0, span)
                else {
                    for a in &kargs {
                        self.expr(&a.value, None);
                    }
                    return self.unknown(line);
                };
                let callee = self.callee(id, &ct);
                (sig, callee)
            }
            Kernel::Nested(ck) => {
                if !self.closures[ck].generics.is_empty() {
                    self.error(Diag::error(
                        E_MISMATCH,
                        format!("the nested kernel `{kname}` has compile-time parameters; define it at module level to launch an instance"),
                        k.value.span,
                    ));
                    return self.unknown(line);
                }
                let (idx, sig, caps) = self.closure_instance_pub(ck);
                if let Some(c) = caps.first() {
                    let var = self.locals[c.0 as usize].name.clone();
                    self.error(
                        Diag::error(
                            E_MISMATCH,
                            format!("the kernel `{kname}` uses `{var}` of the enclosing function; a kernel receives its values as arguments"),
                            k.value.span,
                        )
                        .with_hint(format!("pass `{var}` to the kernel as an argument")),
                    );
                    return self.unknown(line);
                }
                (sig, Callee::Closure(idx))
            }
        };
        if sig.raises {
            self.error(
                Diag::error(
                    E_MISMATCH,
                    format!("the kernel `{kname}` raises; a kernel cannot raise"),
                    k.value.span,
                )
                .with_hint("handle errors inside the kernel, or drop `raises` from its signature"),
            );
        }
        if sig.ret != Ty::Unit {
            self.error(Diag::error(
                E_MISMATCH,
                format!("the kernel `{kname}` returns a value; a kernel returns nothing"),
                k.value.span,
            ));
        }
        let targs = self.check_args(&kname, &sig, 0, &kargs, span);
        // The environment: the argument values (a `read` argument's value too).
        let values: Vec<TExpr> = targs
            .iter()
            .map(|a| match a {
                TArg::Value(e) | TArg::Ref(e) => e.clone(),
            })
            .collect();
        for (e, a) in values.iter().zip(&kargs) {
            if !self.device_passable(&e.ty, 0) {
                let msg = format!("a `{}` cannot be passed to a kernel", self.ty_name(&e.ty));
                self.error(Diag::error(E_MISMATCH, msg, a.value.span).with_hint(
                    "kernel arguments are scalars, pointers, buffers and structs of those",
                ));
            }
        }
        let field_tys: Vec<Ty> = values.iter().map(|e| e.ty.clone()).collect();
        let env_ty = Ty::Tuple(field_tys.clone());
        let env = self.new_local("", env_ty.clone(), false);
        let env_read = TExpr::new(K::Local(env), env_ty.clone(), line);
        pre.push(TStmt::Assign(
            env_read.clone(),
            TExpr::new(K::Aggregate(values), env_ty.clone(), line),
        ));
        // The trampoline: `(env)` calls the kernel with the fields.
        let env_ptr_ty = Ty::Ptr(Box::new(env_ty.clone()));
        let env_place = TExpr::new(
            K::Deref(Box::new(TExpr::new(
                K::Local(LocalId(0)),
                env_ptr_ty.clone(),
                line,
            ))),
            env_ty.clone(),
            line,
        );
        let call_args: Vec<TArg> = targs
            .iter()
            .enumerate()
            .map(|(j, a)| {
                let field = TExpr::new(
                    K::Field(Box::new(env_place.clone()), j as u32),
                    field_tys[j].clone(),
                    line,
                );
                match a {
                    TArg::Value(_) => TArg::Value(field),
                    TArg::Ref(_) => TArg::Ref(field),
                }
            })
            .collect();
        let call = TExpr::new(K::Call(callee, call_args), Ty::Unit, line);
        let name = format!("{}.{kname}$launch{}", self.name, self.lifted.len());
        let locals = vec![crate::tir::TLocal {
            name: "env".into(),
            ty: env_ptr_ty,
            by_ref: false,
        }];
        let (f, env_addr) = self.lift_trampoline(name, locals, call, env_read, env_ty, line);
        // The context names the device: its `_api` field (0 the CPU device, 1 CUDA).
        let (s_ctx, ctx_read) = self.temp(ctx);
        pre.insert(0, s_ctx);
        let api = self.context_api(ctx_read, line);
        let mut launch_args = vec![f, env_addr];
        launch_args.extend(dim_vals);
        launch_args.push(shared);
        launch_args.push(api);
        let launch = self.rt_call(crate::rt::Rt::GpuLaunch, launch_args, Ty::Unit, line);
        pre.push(TStmt::Expr(launch));
        TExpr::new(
            K::Seq(pre, Box::new(TExpr::new(K::Unit, Ty::Unit, line))),
            Ty::Unit,
            line,
        )
    }

    /// The device API of a `DeviceContext` value (its `_api` field); the CPU device's 0
    /// for any other context type.
    fn context_api(&self, ctx: TExpr, line: u32) -> TExpr {
        let fields = super::generics::fields_of(self.cx, &ctx.ty).unwrap_or_default();
        match fields.iter().position(|(n, _)| n == "_api") {
            Some(i) if self.is_host_struct(&ctx.ty, "DeviceContext") => {
                let ty = fields[i].1.clone();
                TExpr::new(K::Field(Box::new(ctx), i as u32), ty, line)
            }
            _ => TExpr::new(K::Int(0), Ty::INT, line),
        }
    }

    /// `ctx.compile_function[kernel]()`: checks that `kernel` names a kernel and gives a
    /// `DeviceFunction` (kernels are compiled with the program; the value only names it
    /// for `enqueue_function(compiled, ...)`).
    pub(crate) fn gpu_compile(&mut self, ctx: TExpr, cargs: &[Arg], span: Span) -> TExpr {
        let line = self.line(span);
        let Some(k) = cargs.first() else {
            self.error(Diag::error(
                E_ARITY,
                "`compile_function` needs the kernel as its compile-time parameter",
                span,
            ));
            return self.unknown(line);
        };
        if self
            .resolve_kernel(&k.value, "compile_function[my_kernel]()")
            .is_none()
        {
            return self.unknown(line);
        }
        let (s_ctx, _) = self.temp(ctx);
        let ty = match self
            .cx
            .modules
            .iter()
            .position(|md| md.input.name == HOST_MODULE)
        {
            Some(hm) => match self.cx.modules[hm].scope.get("DeviceFunction") {
                Some(Item::Struct(s)) => Ty::Struct(*s, crate::ty::no_targs()),
                _ => Ty::Unknown,
            },
            None => Ty::Unknown,
        };
        if ty.is_unknown() {
            return self.unknown(line);
        }
        let value = TExpr::new(K::Aggregate(Vec::new()), ty.clone(), line);
        TExpr::new(K::Seq(vec![s_ctx], Box::new(value)), ty, line)
    }

    /// A kernel argument: a device or host buffer passes its pointer.
    fn device_arg(&mut self, a: &Arg) -> Arg {
        // Typed on the side (diagnostics and flow effects discarded): the launch checks the
        // argument again.
        let t = self.on_the_side(|fx| fx.expr(&a.value, None)).ty;
        if !(self.is_host_struct(&t, "DeviceBuffer") || self.is_host_struct(&t, "HostBuffer")) {
            return a.clone();
        }
        let sp = a.value.span;
        let get = Expr {
            kind: ExprKind::Attr {
                base: Box::new(a.value.clone()),
                name: ast::Ident {
                    name: "unsafe_ptr".into(),
                    span: sp,
                },
            },
            span: sp,
        };
        Arg {
            name: a.name.clone(),
            value: Expr {
                kind: ExprKind::Call {
                    func: Box::new(get),
                    args: Vec::new(),
                },
                span: sp,
            },
            span: a.span,
        }
    }

    /// `grid_dim=`/`block_dim=`: an `Int`, a tuple of one to three `Int`s, or a `Dim`;
    /// the x, y, z extents (missing ones are 1).
    fn launch_extent(&mut self, e: &Expr, what: &str, pre: &mut Vec<TStmt>) -> Option<Vec<TExpr>> {
        let line = self.line(e.span);
        let v = self.expr(e, None);
        let one = || TExpr::new(K::Int(1), Ty::INT, line);
        let bad = |fx: &mut Self, t: &Ty| {
            let msg = format!(
                "`{what}` wants an Int or a tuple of up to three Ints, not `{}`",
                fx.ty_name(t)
            );
            fx.error(
                Diag::error(E_MISMATCH, msg, e.span).with_hint("write `(x, y)` or `(x, y, z)`"),
            );
        };
        match v.ty.clone() {
            t if t.is_int() => {
                let x = self.int_value(v, e.span);
                Some(vec![x, one(), one()])
            }
            Ty::Tuple(ts) if (1..=3).contains(&ts.len()) && ts.iter().all(Ty::is_int) => {
                let (s, read) = self.temp(v);
                pre.push(s);
                let mut out: Vec<TExpr> = ts
                    .iter()
                    .enumerate()
                    .map(|(i, t)| {
                        let f =
                            TExpr::new(K::Field(Box::new(read.clone()), i as u32), t.clone(), line);
                        self.int_value(f, e.span)
                    })
                    .collect();
                while out.len() < 3 {
                    out.push(one());
                }
                Some(out)
            }
            t @ Ty::Struct(..) if self.is_library_struct(&t, "std.gpu.host.dim", "Dim") => {
                let (s, read) = self.temp(v);
                pre.push(s);
                Some(
                    (0..3)
                        .map(|i| TExpr::new(K::Field(Box::new(read.clone()), i), Ty::INT, line))
                        .collect(),
                )
            }
            t if t.is_unknown() => None,
            t => {
                bad(self, &t);
                None
            }
        }
    }

    /// An integer extent as an `Int`.
    fn int_value(&mut self, v: TExpr, span: Span) -> TExpr {
        if v.ty == Ty::INT || v.ty.is_unknown() {
            return v;
        }
        if v.ty.is_int() {
            return self.cast(v, Ty::INT);
        }
        let msg = format!(
            "a launch extent must be an Int, not `{}`",
            self.ty_name(&v.ty)
        );
        self.error(Diag::error(E_MISMATCH, msg, span));
        v
    }

    /// Whether a value of `t` can be copied to a device: scalars, SIMD vectors, pointers,
    /// and tuples, arrays and structs of those whose copies need no code (no destructor).
    fn device_passable(&self, t: &Ty, depth: u32) -> bool {
        if depth > 16 {
            return false;
        }
        match t {
            Ty::Bool | Ty::Int { .. } | Ty::Float { .. } | Ty::Vector(..) | Ty::RawPtr(..) => true,
            Ty::Unknown => true,
            Ty::Array(e, _) => self.device_passable(e, depth + 1),
            Ty::Tuple(ts) => ts.iter().all(|e| self.device_passable(e, depth + 1)),
            Ty::Struct(s, _) => {
                let sd = &self.cx.structs[*s as usize];
                !sd.methods.contains_key("__del__")
                    && super::generics::fields_of(self.cx, t)
                        .unwrap_or_default()
                        .iter()
                        .all(|(_, ft)| self.device_passable(ft, depth + 1))
            }
            _ => false,
        }
    }
}
