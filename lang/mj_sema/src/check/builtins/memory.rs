//! Raw memory: `UnsafePointer` (construction, arithmetic, indexing, `load`/`store` of
//! scalars and SIMD vectors, strided access), `alloc`/`free`, `stack_allocation`,
//! `memcpy`/`memset`, `InlineArray`, and the calls with compile-time parameters
//! (`f[params](args)`) of this module and `simd.rs`.
//!
//! Pointer accesses are unchecked, as in Mojo; `InlineArray` indices are checked.

use mj_syntax::ast::{self, Arg, Expr, ExprKind};
use mj_syntax::{Diag, Span};

use super::simd_types::{eval_count, eval_dtype, lanes, simd_of, simd_width_for};
use crate::check::body::FnCx;
use crate::check::expr::is_place;
use crate::check::{ConstVal, E_ARITY, E_COMPTIME, E_KWARG, E_MISMATCH, E_NO_MEMBER, Item};
use crate::rt::Rt;
use crate::suggest::did_you_mean;
use crate::tir::{Prim, TBin, TCmp, TExpr, TExprKind as K, TStmt};
use crate::ty::Ty;

const PTR_METHODS: &[&str] = &[
    "free",
    "as_immutable",
    "unsafe_origin_cast",
    "load",
    "store",
    "strided_load",
    "strided_store",
    "offset",
    "bitcast",
    "unsafe_offset",
    "unsafe_write",
    "unsafe_bitcast",
    "unsafe_free",
    "unsafe_load",
    "unsafe_store",
    "unsafe_take_pointee",
    "unsafe_deinit_pointee",
];

impl FnCx<'_> {
    /// The type `size_of[T]()` / `align_of[T]()` measure: a struct (also a generic one,
    /// `size_of[Optional[Int]]()`), or any other type or `DType`.
    fn size_of_arg(&mut self, e: &ast::Expr) -> Ty {
        let head = match &e.kind {
            ast::ExprKind::Index { base, .. } => base.as_ref(),
            _ => e,
        };
        let names_struct = matches!(&head.kind, ast::ExprKind::Name(n)
            if self.lookup_local(n).is_none()
                && matches!(self.cx.modules[self.m].scope.get(n), Some(Item::Struct(_))));
        if names_struct {
            return self.resolve_ty(e);
        }
        match eval_dtype(self.cx, self.m, e, &self.consts) {
            Ok(t) => t,
            Err(_) => self.resolve_ty(e),
        }
    }

    /// `ptr + n` (in elements) as an address.
    pub(super) fn offset(&self, p: TExpr, n: TExpr) -> TExpr {
        let line = p.line;
        if matches!(n.kind, K::Int(0)) {
            return p;
        }
        let ty = p.ty.clone();
        TExpr::new(K::Prim(Prim::PtrOffset, vec![p, n]), ty, line)
    }

    /// The element at `ptr` as a place.
    pub(super) fn deref(&self, p: TExpr) -> TExpr {
        let line = p.line;
        let elem = match &p.ty {
            Ty::RawPtr(t, _) => (**t).clone(),
            _ => Ty::Unknown,
        };
        TExpr::new(K::Deref(Box::new(p)), elem, line)
    }

    /// An `Int` offset argument: any integer converts (`UInt`, `Int32`, ...).
    pub(super) fn offset_arg(&mut self, e: &Expr) -> TExpr {
        let v = self.expr(e, Some(&Ty::INT));
        if v.ty.is_int() && v.ty != Ty::INT {
            return self.cast(v, Ty::INT);
        }
        self.coerce(v, &Ty::INT, e.span)
    }

    /// `f[params](args)`: SIMD/pointer/array constructors, `alloc`, `stack_allocation`,
    /// `simd_width_of`, and methods with compile-time parameters (`v.cast[DType.x]()`,
    /// `p.load[width=8](i)`). `None` leaves the call to the generic path.
    pub(crate) fn call_indexed(
        &mut self,
        func: &Expr,
        base: &Expr,
        params: &[Arg],
        args: &[Arg],
        span: Span,
    ) -> Option<TExpr> {
        let line = self.line(span);
        match &base.kind {
            ExprKind::Name(n) => {
                if self.lookup_local(n).is_some()
                    || matches!(
                        self.cx.modules[self.m].scope.get(n),
                        Some(Item::Func(_) | Item::Struct(_) | Item::Module(_))
                    )
                {
                    return None;
                }
                match n.as_str() {
                    "SIMD" | "Scalar" | "InlineArray" | "Array" | "UnsafePointer" | "Pointer"
                    | "Span" | "UnsafeMaybeUninit" => {
                        let ty = self.resolve_ty(func);
                        Some(self.construct_typed(ty, args, span))
                    }
                    "alloc" => Some(self.alloc(params, args, span)),
                    // `materialize[v]()`, `global_constant[v]()`: a compile-time value
                    // at run time (a list constant is built anew, like a literal).
                    "materialize" | "global_constant" => {
                        self.arity(n, args, 0, 0, span);
                        let [p] = params else {
                            let msg = format!("`{n}` takes one compile-time value");
                            self.error(Diag::error(E_COMPTIME, msg, span));
                            return Some(self.unknown(line));
                        };
                        Some(self.expr(&p.value, None))
                    }
                    "trait_downcast" => Some(self.trait_downcast(params, args, span)),
                    "rebind" => Some(self.rebind(params, args, span)),
                    "masked_load" | "masked_store" => {
                        Some(self.masked_access(n == "masked_load", params, args, span))
                    }
                    "stack_allocation" => Some(self.stack_allocation(params, args, span)),
                    "simd_width_of" | "simdwidthof" => {
                        self.arity(n, args, 0, 0, span);
                        let [p] = params else {
                            let msg = format!("`{n}` takes one DType parameter");
                            self.error(Diag::error(E_COMPTIME, msg, span));
                            return Some(self.unknown(line));
                        };
                        Some(match eval_dtype(self.cx, self.m, &p.value, &self.consts) {
                            Ok(t) => self.int(simd_width_for(&self.cx.target, &t), line),
                            Err(d) => {
                                self.error(d);
                                self.unknown(line)
                            }
                        })
                    }
                    "is_trivially_copyable"
                    | "is_trivially_movable"
                    | "is_trivially_destructible" => {
                        let Some(p) = self.one_type_param(n, params, args, span) else {
                            return Some(self.unknown(line));
                        };
                        let t = self.resolve_ty(&p.value);
                        let v = self.cx.trivially(n, &t);
                        Some(TExpr::new(K::Bool(v), Ty::Bool, line))
                    }
                    "size_of" | "sizeof" => {
                        let Some(p) = self.one_type_param(n, params, args, span) else {
                            return Some(self.unknown(line));
                        };
                        let t = self.size_of_arg(&p.value);
                        Some(TExpr::new(K::SizeOf(t), Ty::INT, line))
                    }
                    "align_of" | "alignof" | "bit_width_of" | "bitwidthof" => {
                        let Some(p) = self.one_type_param(n, params, args, span) else {
                            return Some(self.unknown(line));
                        };
                        let t = self.size_of_arg(&p.value);
                        let size = TExpr::new(K::SizeOf(t.clone()), Ty::INT, line);
                        Some(if n.starts_with("bit") {
                            let eight = self.int(8, line);
                            TExpr::new(
                                K::Binary(TBin::Mul, Box::new(size), Box::new(eight)),
                                Ty::INT,
                                line,
                            )
                        } else {
                            match super::target::align_of(&self.cx.target, &t) {
                                Some(a) => self.int(i128::from(a), line),
                                None => size,
                            }
                        })
                    }
                    _ => None,
                }
            }
            ExprKind::Attr { base: recv, name } => {
                if self.module_base(recv).is_some()
                    && (self.cx.module_path(self.m, recv).is_some()
                        || matches!(&recv.kind, ExprKind::Name(r)
                            if self.cx.modules[self.m].scope.contains_key(r)))
                {
                    return None;
                }
                let r = self.expr(recv, None);
                Some(self.method_with_params(r, name, params, args, span))
            }
            _ => None,
        }
    }

    /// A method call on a built-in value, with its compile-time parameters (maybe none).
    pub(crate) fn method_with_params(
        &mut self,
        recv: TExpr,
        name: &ast::Ident,
        params: &[Arg],
        args: &[Arg],
        span: Span,
    ) -> TExpr {
        let line = self.line(span);
        let recv = match recv.ty {
            Ty::RawPtr(..) => return self.ptr_method(recv, name, params, args, span),
            Ty::Array(..) => return self.array_method(recv, name, args, span),
            Ty::Unknown => {
                for a in args {
                    self.expr(&a.value, None);
                }
                return self.unknown(line);
            }
            _ => match self.simd_method(recv, name, params, args, span) {
                Ok(v) => return v,
                Err(r) => r,
            },
        };
        let msg = format!(
            "`{}` has no method `{}` with compile-time parameters",
            self.ty_name(&recv.ty),
            name.name
        );
        let mut d = Diag::error(E_NO_MEMBER, msg, name.span);
        if PTR_METHODS.contains(&name.name.as_str()) {
            d = d.with_hint(format!("`{}` is a method of `UnsafePointer`", name.name));
        }
        self.error(d);
        for a in args {
            self.expr(&a.value, None);
        }
        self.unknown(line)
    }

    /// `T(args)` for the parameterized built-in types.
    pub(crate) fn construct_typed(&mut self, ty: Ty, args: &[Arg], span: Span) -> TExpr {
        let line = self.line(span);
        match ty.clone() {
            Ty::Unknown => {
                for a in args {
                    self.expr(&a.value, None);
                }
                self.unknown(line)
            }
            Ty::RawPtr(t, _) => self.construct_pointer(ty, &t, args, span),
            // An alias of a struct (`comptime default_hasher = Fnv1a`, `Pair = P[Int]`).
            Ty::Struct(s, targs) => {
                let prefix = (!targs.is_empty()).then(|| targs.to_vec());
                self.construct(s, prefix, args, span)
            }
            Ty::Array(t, n) => self.construct_array(ty, &t, n, args, span),
            // `UnsafeMaybeUninit[T]()`: storage with nothing in it (a fresh local's).
            Ty::Uninit(_) => {
                self.arity("UnsafeMaybeUninit", args, 0, 0, span);
                let l = self.new_local("", ty.clone(), false);
                TExpr::new(K::Local(l), ty, line)
            }
            Ty::Vector(..) => self.construct_simd(ty, args, span),
            Ty::Span(_) => {
                let v = self.construct_span(args, span);
                self.coerce(v, &ty, span)
            }
            // `Scalar[dt](x)` / `SIMD[dt, 1](x)`: a scalar conversion.
            scalar => {
                if args.is_empty() {
                    return self.construct_simd(scalar, args, span);
                }
                if !self.arity("Scalar", args, 1, 1, span) {
                    return self.unknown(line);
                }
                let v = self.expr(&args[0].value, Some(&scalar));
                if v.ty.is_numeric() || v.ty == Ty::Bool {
                    if scalar == Ty::Bool && v.ty != Ty::Bool {
                        let zero = self.cast(self.int(0, line), v.ty.clone());
                        return TExpr::new(
                            K::Cmp(TCmp::Ne, Box::new(v), Box::new(zero)),
                            Ty::Bool,
                            line,
                        );
                    }
                    let r = self.cast(v, scalar.clone());
                    // A typed value, not a literal that adapts: `Scalar[DType.uint8](104)`
                    // is a `UInt8` (no implicit conversion to `Int` afterwards).
                    return if matches!(r.kind, K::Int(_) | K::Float(_)) {
                        TExpr::new(K::Cast(Box::new(r)), scalar, line)
                    } else {
                        r
                    };
                }
                self.coerce(v, &scalar, args[0].value.span)
            }
        }
    }

    /// `UnsafePointer[T]()` (null) and `UnsafePointer(to=x)` (the address of a variable).
    fn construct_pointer(&mut self, ty: Ty, elem: &Ty, args: &[Arg], span: Span) -> TExpr {
        let line = self.line(span);
        match args {
            [] => TExpr::new(K::Null, ty, line),
            [a] if a
                .name
                .as_ref()
                .is_some_and(|n| n.name == "unsafe_from_address") =>
            {
                let v = self.offset_arg(&a.value);
                TExpr::new(K::Cast(Box::new(v)), ty, line)
            }
            [a] if a.name.as_ref().is_some_and(|n| n.name == "to") => {
                let v = self.expr(&a.value, (!elem.is_unknown()).then_some(elem));
                if v.ty.is_unknown() {
                    return self.unknown(line);
                }
                if !elem.is_unknown() && v.ty != *elem {
                    let v = self.coerce(v, elem, a.value.span);
                    return self.address_of(v, line);
                }
                self.address_of(v, line)
            }
            _ => {
                self.error(
                    Diag::error(
                        E_ARITY,
                        "`UnsafePointer` takes `to=` a variable, or nothing",
                        span,
                    )
                    .with_hint("write `UnsafePointer(to=x)`, or `alloc[T](n)` for heap memory"),
                );
                for a in args {
                    self.expr(&a.value, None);
                }
                self.unknown(line)
            }
        }
    }

    /// The address of a place (temporaries are stored in a fresh local first).
    pub(super) fn address_of(&mut self, v: TExpr, line: u32) -> TExpr {
        let place = if is_place(&v) { v } else { self.as_place(v) };
        let ty = Ty::RawPtr(Box::new(place.ty.clone()), 0);
        TExpr::new(K::AddrOf(Box::new(place)), ty, line)
    }

    /// `alloc[T](n)`: `n` uninitialized values of `T` on the heap (64-byte aligned).
    pub(crate) fn alloc(&mut self, params: &[Arg], args: &[Arg], span: Span) -> TExpr {
        let line = self.line(span);
        if let [a] = args
            && a.name.is_none()
            && layout_arg(&a.value)
        {
            return self.alloc_layout(params, args, span);
        }
        let [p] = params else {
            self.error(
                Diag::error(
                    E_COMPTIME,
                    "`alloc` takes the element type as its parameter",
                    span,
                )
                .with_hint("write `alloc[Float32](n)`"),
            );
            return self.unknown(line);
        };
        let elem = self.param_type(p);
        let count = args
            .iter()
            .find(|a| a.name.as_ref().is_none_or(|n| n.name == "count"));
        for a in args {
            if let Some(k) = &a.name
                && k.name != "count"
                && k.name != "alignment"
            {
                let msg = format!("`alloc` has no argument named `{}`", k.name);
                self.error(Diag::error(E_KWARG, msg, k.span));
            }
        }
        let Some(count) = count else {
            self.error(Diag::error(E_ARITY, "`alloc` needs a count", span));
            return self.unknown(line);
        };
        let n = self.offset_arg(&count.value);
        if elem.is_unknown() {
            return self.unknown(line);
        }
        let size = TExpr::new(K::SizeOf(elem.clone()), Ty::INT, line);
        let bytes = TExpr::new(
            K::Binary(TBin::Mul, Box::new(n), Box::new(size)),
            Ty::INT,
            line,
        );
        self.rt_call(Rt::Alloc, vec![bytes], Ty::RawPtr(Box::new(elem), 0), line)
    }

    /// A type parameter that may also be written as a `DType` (`stack_allocation[8, DType.float32]`).
    fn param_type(&mut self, p: &Arg) -> Ty {
        // A type first (`alloc[Self.T]`): evaluating `Self.T` as a value would report.
        let mut diags = Vec::new();
        let t = crate::check::items::resolve_type(
            self.cx,
            self.m,
            &p.value,
            &self.tscope(),
            &mut diags,
        );
        if diags.is_empty() {
            return t;
        }
        if let Ok(t) = eval_dtype(self.cx, self.m, &p.value, &self.consts) {
            return t;
        }
        self.resolve_ty(&p.value)
    }

    /// `stack_allocation[n, T]()`: a pointer to `n` values of `T` in this function's frame
    /// (one stack slot in the entry block, so a call inside a loop reuses it).
    fn stack_allocation(&mut self, params: &[Arg], args: &[Arg], span: Span) -> TExpr {
        let line = self.line(span);
        self.arity("stack_allocation", args, 0, 0, span);
        let positional: Vec<&Arg> = params.iter().filter(|p| p.name.is_none()).collect();
        let [count, elem] = positional.as_slice() else {
            self.error(
                Diag::error(
                    E_COMPTIME,
                    "`stack_allocation` takes a count and an element type",
                    span,
                )
                .with_hint("write `stack_allocation[16, Float32]()`"),
            );
            return self.unknown(line);
        };
        let mut space = 0;
        for p in params.iter().filter(|p| p.name.is_some()) {
            let key = p.name.as_ref().map(|n| n.name.as_str()).unwrap_or("");
            match key {
                "alignment" => {}
                "address_space" => {
                    if let ExprKind::Attr { name, .. } = &p.value.kind {
                        space = match name.name.as_str() {
                            "GLOBAL" => 1,
                            "SHARED" => 3,
                            "CONSTANT" => 4,
                            "LOCAL" => 5,
                            _ => 0,
                        };
                    }
                }
                k => {
                    let msg = format!("`stack_allocation` has no parameter `{k}`");
                    self.error(Diag::error(E_KWARG, msg, p.span));
                }
            }
        }
        let n = match eval_count(
            self.cx,
            self.m,
            &count.value,
            &self.consts,
            "a stack allocation count",
        ) {
            Ok(n) => n,
            Err(d) => {
                self.error(d);
                return self.unknown(line);
            }
        };
        let elem = self.param_type(elem);
        if elem.is_unknown() {
            return self.unknown(line);
        }
        if space == 3 {
            // Shared memory of a GPU kernel: one region per block, which the device
            // provides (`Rt::GpuSharedAlloc`: the CPU device's runtime, or a shared
            // global on a GPU target). The k-th allocation of every thread of a block
            // is the same memory.
            let size = TExpr::new(K::SizeOf(elem.clone()), Ty::INT, line);
            let bytes = TExpr::new(
                K::Binary(
                    crate::tir::TBin::Mul,
                    Box::new(size),
                    Box::new(TExpr::new(K::Int(i128::from(n)), Ty::INT, line)),
                ),
                Ty::INT,
                line,
            );
            let align = TExpr::new(K::Int(16), Ty::INT, line);
            return self.rt_call(
                crate::rt::Rt::GpuSharedAlloc,
                vec![bytes, align],
                Ty::RawPtr(Box::new(elem), space),
                line,
            );
        }
        let arr_ty = Ty::Array(Box::new(elem.clone()), n);
        let arr = self.new_local("", arr_ty.clone(), false);
        let arr = TExpr::new(K::Local(arr), arr_ty, line);
        TExpr::new(
            K::AddrOf(Box::new(arr)),
            Ty::RawPtr(Box::new(elem), space),
            line,
        )
    }

    /// `p[i]`, `arr[i]` as places; `v[i]` on SIMD values is a lane read.
    pub(crate) fn memory_index(&mut self, b: TExpr, args: &[Arg], span: Span) -> TExpr {
        let line = self.line(span);
        if args.is_empty() && matches!(b.ty, Ty::RawPtr(..)) {
            // `p[]`: the pointee.
            return self.deref(b);
        }
        if let [a] = args
            && a.name.as_ref().is_some_and(|n| n.name == "unsafe_offset")
            && matches!(b.ty, Ty::RawPtr(..))
        {
            // `p[unsafe_offset=i]`: the element `i` places after the pointee.
            let i = self.offset_arg(&a.value);
            return self.deref(self.offset(b, i));
        }
        let [a] = args else {
            let msg = format!("`{}` takes one index", self.ty_name(&b.ty));
            self.error(Diag::error(crate::check::E_NOT_INDEXABLE, msg, span));
            return self.unknown(line);
        };
        match b.ty.clone() {
            Ty::RawPtr(..) => {
                let i = self.offset_arg(&a.value);
                self.deref(self.offset(b, i))
            }
            Ty::Array(t, n) => {
                let i = self.offset_arg(&a.value);
                self.array_elem(b, &t, n, i, &a.value)
            }
            Ty::Span(t) => {
                let i = self.offset_arg(&a.value);
                self.span_elem(b, &t, i)
            }
            _ => self.simd_lane(b, &a.value),
        }
    }

    fn ptr_method(
        &mut self,
        p: TExpr,
        name: &ast::Ident,
        params: &[Arg],
        args: &[Arg],
        span: Span,
    ) -> TExpr {
        let line = self.line(span);
        let Ty::RawPtr(elem, space) = p.ty.clone() else {
            return self.unknown(line);
        };
        let elem = *elem;
        let m = canonical_ptr_method(name.name.as_str(), args);
        let unit = |stmts: Vec<TStmt>| {
            TExpr::new(
                K::Seq(stmts, Box::new(TExpr::new(K::Unit, Ty::Unit, line))),
                Ty::Unit,
                line,
            )
        };
        let pty = p.ty.clone();
        let vector_elem = |fx: &mut Self| -> bool {
            if lanes(&elem).is_some_and(|(_, w)| w == 1) {
                return true;
            }
            let msg = format!(
                "`{m}` of SIMD values needs a pointer to scalars, found `{}`",
                fx.ty_name(&pty)
            );
            fx.error(Diag::error(E_MISMATCH, msg, name.span));
            false
        };
        if super::pointee::POINTEE_METHODS.contains(&m) {
            // `init_pointee(take=v)`, `unsafe_write(copy=v)`: the keyword chose the method.
            let plain: Vec<Arg> = args
                .iter()
                .map(|a| match &a.name {
                    Some(k) if k.name == "take" || k.name == "copy" => Arg {
                        name: None,
                        ..a.clone()
                    },
                    _ => a.clone(),
                })
                .collect();
            return self.pointee_method(p, &elem, m, &plain, span);
        }
        match m {
            // Pointers are trivially copyable (`Optional[Pointer[...]].value()`).
            "copy" => {
                self.arity(m, args, 0, 0, span);
                p
            }
            "free" => {
                self.arity(m, args, 0, 0, span);
                let f = self.rt_call(Rt::Free, vec![p], Ty::Unit, line);
                unit(vec![TStmt::Expr(f)])
            }
            // Origins and mutability are not tracked in pointer types: these casts keep
            // the pointer (Mojo's `as_immutable()`, `unsafe_origin_cast[o]()`, ...).
            "as_immutable"
            | "as_imm"
            | "as_mut"
            | "unsafe_mut_cast"
            | "unsafe_origin_cast"
            | "as_any_origin"
            | "as_unsafe_any_origin"
            | "as_legacy_pointer" => {
                self.arity(m, args, 0, 0, span);
                p
            }
            "offset" => {
                if !self.arity(m, args, 1, 1, span) {
                    return self.unknown(line);
                }
                let n = self.offset_arg(&args[0].value);
                self.offset(p, n)
            }
            "bitcast" => {
                self.arity(m, args, 0, 0, span);
                let [t] = params else {
                    self.error(Diag::error(
                        E_COMPTIME,
                        "`bitcast` takes the new pointee type",
                        span,
                    ));
                    return self.unknown(line);
                };
                let t = self.param_type(t);
                TExpr::new(K::Cast(Box::new(p)), Ty::RawPtr(Box::new(t), space), line)
            }
            "load" => {
                let width = self.width_param(params, "load").unwrap_or(1);
                if width == 0 || !self.arity(m, args, 0, 1, span) {
                    return self.unknown(line);
                }
                let addr = match args.first() {
                    Some(a) => {
                        let i = self.offset_arg(&a.value);
                        self.offset(p, i)
                    }
                    None => p,
                };
                if width == 1 {
                    return self.deref(addr);
                }
                if !vector_elem(self) {
                    return self.unknown(line);
                }
                TExpr::new(K::Prim(Prim::Load, vec![addr]), simd_of(elem, width), line)
            }
            "store" => {
                if !self.arity(m, args, 1, 2, span) {
                    return self.unknown(line);
                }
                let (addr, val) = if args.len() == 2 {
                    let i = self.offset_arg(&args[0].value);
                    (self.offset(p, i), &args[1].value)
                } else {
                    (p, &args[0].value)
                };
                let v = self.expr(val, Some(&elem));
                match lanes(&v.ty) {
                    Some((e, w)) if w > 1 => {
                        if !vector_elem(self) {
                            return self.unknown(line);
                        }
                        if e != elem {
                            let msg = format!(
                                "cannot store a `{}` through a pointer to `{}`",
                                self.ty_name(&v.ty),
                                self.ty_name(&elem)
                            );
                            self.error(Diag::error(E_MISMATCH, msg, val.span));
                            return self.unknown(line);
                        }
                        let st = TExpr::new(K::Prim(Prim::Store, vec![addr, v]), Ty::Unit, line);
                        unit(vec![TStmt::Expr(st)])
                    }
                    _ => {
                        let v = self.coerce(v, &elem, val.span);
                        let place = self.deref(addr);
                        unit(vec![TStmt::Assign(place, v)])
                    }
                }
            }
            "strided_load" | "strided_store" => {
                let Some(width) = self.width_param(params, m) else {
                    let msg = format!("`{m}` needs its width: `p.{m}[width=4](...)`");
                    self.error(Diag::error(E_COMPTIME, msg, name.span));
                    return self.unknown(line);
                };
                let load = m == "strided_load";
                let n = if load { 1 } else { 2 };
                if width == 0 || !self.arity(m, args, n, n, span) || !vector_elem(self) {
                    return self.unknown(line);
                }
                let vty = simd_of(elem.clone(), width);
                let mut stmts = Vec::new();
                let val = if load {
                    None
                } else {
                    let v = self.expr(&args[0].value, Some(&vty));
                    let v = self.coerce(v, &vty, args[0].value.span);
                    let (st, v) = self.temp(v);
                    stmts.push(st);
                    Some(v)
                };
                let stride = self.offset_arg(&args[n - 1].value);
                let (s0, stride) = self.temp(stride);
                let (s1, base) = self.temp(p);
                stmts.push(s0);
                stmts.push(s1);
                let mut lanes_out = Vec::new();
                for k in 0..width {
                    let off = TExpr::new(
                        K::Binary(
                            TBin::Mul,
                            Box::new(stride.clone()),
                            Box::new(self.int(k.into(), line)),
                        ),
                        Ty::INT,
                        line,
                    );
                    let place = self.deref(self.offset(base.clone(), off));
                    match &val {
                        None => lanes_out.push(place),
                        Some(v) => {
                            let lane = if width == 1 {
                                v.clone()
                            } else {
                                TExpr::new(
                                    K::Prim(
                                        Prim::Extract,
                                        vec![v.clone(), self.int(k.into(), line)],
                                    ),
                                    elem.clone(),
                                    line,
                                )
                            };
                            stmts.push(TStmt::Assign(place, lane));
                        }
                    }
                }
                if load {
                    let v = if width == 1 {
                        lanes_out.remove(0)
                    } else {
                        TExpr::new(K::Aggregate(lanes_out), vty.clone(), line)
                    };
                    TExpr::new(K::Seq(stmts, Box::new(v)), vty, line)
                } else {
                    unit(stmts)
                }
            }
            _ => {
                let mut d = Diag::error(
                    E_NO_MEMBER,
                    format!("`{}` has no method `{m}`", self.ty_name(&p.ty)),
                    name.span,
                );
                if let Some(s) = did_you_mean(m, PTR_METHODS.iter().copied()) {
                    d = d.with_hint(format!("did you mean `{s}`?"));
                }
                self.error(d);
                for a in args {
                    self.expr(&a.value, None);
                }
                self.unknown(line)
            }
        }
    }

    /// Pointer arithmetic and comparisons: `p + n`, `p - n`, `p == q`, `p < q`.
    pub(crate) fn pointer_binary(
        &mut self,
        op: ast::BinOp,
        a: TExpr,
        b: TExpr,
        span: Span,
    ) -> TExpr {
        let line = self.line(span);
        match (op, &a.ty, &b.ty) {
            (ast::BinOp::Add | ast::BinOp::Sub, Ty::RawPtr(..), t) if t.is_int() => {
                let n = self.cast(b, Ty::INT);
                let n = if op == ast::BinOp::Sub {
                    TExpr::new(K::Unary(crate::tir::TUn::Neg, Box::new(n)), Ty::INT, line)
                } else {
                    n
                };
                self.offset(a, n)
            }
            (ast::BinOp::Add, t, Ty::RawPtr(..)) if t.is_int() => {
                let n = self.cast(a, Ty::INT);
                self.offset(b, n)
            }
            _ => {
                let msg = format!(
                    "no operator `{}` for `{}` and `{}`",
                    op.symbol(),
                    self.ty_name(&a.ty),
                    self.ty_name(&b.ty)
                );
                self.error(
                    Diag::error(crate::check::E_OPERATOR, msg, span)
                        .with_hint("pointers support `+ n`, `- n` and comparisons"),
                );
                self.unknown(line)
            }
        }
    }

    /// Built-in functions of this module called by bare name (`None` if not one of them).
    pub(crate) fn memory_call(&mut self, name: &str, args: &[Arg], span: Span) -> Option<TExpr> {
        let line = self.line(span);
        Some(match name {
            "UnsafePointer" | "Pointer" => {
                let [a] = args else {
                    self.error(
                        Diag::error(E_ARITY, "`UnsafePointer(...)` takes `to=` a variable", span)
                            .with_hint(
                                "write `UnsafePointer(to=x)`, or `UnsafePointer[T]()` for null",
                            ),
                    );
                    return Some(self.unknown(line));
                };
                self.construct_pointer(
                    Ty::RawPtr(Box::new(Ty::Unknown), 0),
                    &Ty::Unknown,
                    std::slice::from_ref(a),
                    span,
                )
            }
            "memcpy" | "memset" | "memset_zero" => {
                let names: &[&str] = match name {
                    "memcpy" => &["dest", "src", "count"],
                    "memset" => &["ptr", "value", "count"],
                    _ => &["ptr", "count"],
                };
                let mut slots: Vec<Option<&Expr>> = vec![None; names.len()];
                let mut pos = 0;
                for a in args {
                    let i = match &a.name {
                        None => {
                            pos += 1;
                            pos - 1
                        }
                        Some(k) => match names.iter().position(|n| *n == k.name) {
                            Some(i) => i,
                            None => {
                                let msg = format!("`{name}` has no argument named `{}`", k.name);
                                self.error(Diag::error(E_KWARG, msg, k.span));
                                return Some(self.unknown(line));
                            }
                        },
                    };
                    if i < slots.len() {
                        slots[i] = Some(&a.value);
                    }
                }
                if pos > names.len() || slots.iter().any(Option::is_none) {
                    let msg = format!("`{name}` takes ({})", names.join(", "));
                    self.error(Diag::error(E_ARITY, msg, span));
                    return Some(self.unknown(line));
                }
                let slots: Vec<&Expr> = slots.into_iter().flatten().collect();
                let dest = self.expr(slots[0], None);
                let Ty::RawPtr(elem, _) = dest.ty.clone() else {
                    if !dest.ty.is_unknown() {
                        let msg = format!(
                            "`{name}` needs an `UnsafePointer`, found `{}`",
                            self.ty_name(&dest.ty)
                        );
                        self.error(Diag::error(E_MISMATCH, msg, slots[0].span));
                    }
                    return Some(self.unknown(line));
                };
                let count = self.offset_arg(slots[slots.len() - 1]);
                let size = TExpr::new(K::SizeOf((*elem).clone()), Ty::INT, line);
                let bytes = TExpr::new(
                    K::Binary(TBin::Mul, Box::new(count), Box::new(size)),
                    Ty::INT,
                    line,
                );
                match name {
                    "memcpy" => {
                        let src = self.expr(slots[1], Some(&dest.ty));
                        let src = if matches!(src.ty, Ty::RawPtr(..)) {
                            src
                        } else {
                            self.coerce(src, &dest.ty, slots[1].span)
                        };
                        self.rt_call(Rt::Memcpy, vec![dest, src, bytes], Ty::Unit, line)
                    }
                    "memset" => {
                        let v = self.offset_arg(slots[1]);
                        self.rt_call(Rt::Memset, vec![dest, v, bytes], Ty::Unit, line)
                    }
                    _ => {
                        let zero = self.int(0, line);
                        self.rt_call(Rt::Memset, vec![dest, zero, bytes], Ty::Unit, line)
                    }
                }
            }
            "fma" => {
                if !self.arity(name, args, 3, 3, span) {
                    return Some(self.unknown(line));
                }
                let mut vals = Vec::new();
                for a in args {
                    let hint = vals
                        .iter()
                        .find_map(|v: &TExpr| lanes(&v.ty).map(|(e, _)| e));
                    vals.push(self.expr(&a.value, hint.as_ref()));
                }
                self.simd_fma(vals, span)
            }
            "num_physical_cores" | "num_logical_cores" => {
                self.arity(name, args, 0, 0, span);
                self.rt_call(Rt::NumPhysicalCores, Vec::new(), Ty::INT, line)
            }
            "num_performance_cores" => {
                self.arity(name, args, 0, 0, span);
                self.rt_call(Rt::NumPhysicalCores, Vec::new(), Ty::INT, line)
            }
            _ if super::target::target_query(&self.cx.target, name, false).is_some() => {
                self.arity(name, args, 0, 0, span);
                match super::target::target_query(&self.cx.target, name, false) {
                    Some(ConstVal::Int(v, t)) => TExpr::new(K::Int(v), t, line),
                    Some(ConstVal::Bool(v)) => TExpr::new(K::Bool(v), Ty::Bool, line),
                    _ => self.unknown(line),
                }
            }
            "Span" => self.construct_span(args, span),
            // `alloc(layout)`: the owning form (`std.memory.alloc`).
            "alloc"
                if args.len() == 1
                    && args[0].name.is_none()
                    && (layout_arg(&args[0].value)
                        || matches!(
                            args[0].value.kind,
                            ExprKind::Name(_) | ExprKind::Attr { .. }
                        )) =>
            {
                self.alloc_layout(&[], args, span)
            }
            "SIMD" | "Scalar" | "InlineArray" | "Array" | "alloc" | "stack_allocation"
            | "simd_width_of" | "size_of" => {
                let msg = format!("`{name}` needs its compile-time parameters: `{name}[...]`");
                self.error(Diag::error(E_COMPTIME, msg, span));
                for a in args {
                    self.expr(&a.value, None);
                }
                self.unknown(line)
            }
            _ => return None,
        })
    }
}

impl FnCx<'_> {
    /// The one type parameter of a query that takes no run-time arguments (`size_of[T]()`,
    /// `is_trivially_copyable[T]()`); `None` after reporting when there is not exactly one.
    fn one_type_param<'a>(
        &mut self,
        n: &str,
        params: &'a [Arg],
        args: &[Arg],
        span: Span,
    ) -> Option<&'a Arg> {
        self.arity(n, args, 0, 0, span);
        let [p] = params else {
            let msg = format!("`{n}` takes one type parameter");
            self.error(Diag::error(E_COMPTIME, msg, span));
            return None;
        };
        Some(p)
    }
}

/// An argument of `alloc` that is a `Layout` (an initializer list or a `Layout[...]` call).
fn layout_arg(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::InitList(_) => true,
        ExprKind::Call { func, .. } => match &func.kind {
            ExprKind::Index { base, .. } => {
                matches!(&base.kind, ExprKind::Name(n) if n == "Layout")
            }
            ExprKind::Attr { base, .. } => matches!(&base.kind,
                ExprKind::Index { base, .. } if matches!(&base.kind, ExprKind::Name(n) if n == "Layout")),
            _ => false,
        },
        _ => false,
    }
}

impl FnCx<'_> {
    /// `alloc[T](layout)` through the built-in name: `std.memory.alloc`'s `alloc`.
    fn alloc_layout(&mut self, params: &[Arg], args: &[Arg], span: Span) -> TExpr {
        let line = self.line(span);
        let id = self
            .cx
            .modules
            .iter()
            .find(|md| md.input.name == "std.memory.alloc")
            .and_then(|md| match md.scope.get("alloc") {
                Some(Item::Func(id)) => Some(*id),
                _ => None,
            });
        let Some(id) = id else {
            self.error(
                Diag::error(E_COMPTIME, "`alloc` of a `Layout` needs `std.memory`", span)
                    .with_hint("add `from std.memory import alloc, dealloc, Layout`"),
            );
            return self.unknown(line);
        };
        let explicit = (!params.is_empty()).then_some(params);
        self.call_fn_with(id, "alloc", Vec::new(), explicit, args, span)
    }
}

/// Mojo 1.0's `unsafe_`-prefixed pointer methods (and `init_pointee(take=/copy=)`) by the
/// names of the operations they share with the older spellings.
fn canonical_ptr_method<'a>(m: &'a str, args: &[Arg]) -> &'a str {
    let copy = args
        .first()
        .is_some_and(|a| a.name.as_ref().is_some_and(|n| n.name == "copy"));
    match m {
        "unsafe_offset" => "offset",
        "unsafe_bitcast" => "bitcast",
        "unsafe_free" => "free",
        "unsafe_load" => "load",
        "unsafe_store" => "store",
        "unsafe_strided_load" => "strided_load",
        "unsafe_strided_store" => "strided_store",
        "unsafe_deinit_pointee" => "destroy_pointee",
        "unsafe_take_pointee" => "take_pointee",
        "unsafe_write" | "init_pointee" | "write" if copy => "init_pointee_copy",
        "unsafe_write" | "init_pointee" | "write" => "init_pointee_move",
        m => m,
    }
}

/// Methods of SIMD values, pointers and arrays called without compile-time parameters;
/// gives the receiver back for other types (and for scalar methods that are not SIMD's).
pub(crate) fn memory_method(
    fx: &mut FnCx<'_>,
    recv: TExpr,
    name: &ast::Ident,
    args: &[Arg],
    span: Span,
) -> Result<TExpr, TExpr> {
    match recv.ty.clone() {
        Ty::Vector(..) | Ty::RawPtr(..) | Ty::Array(..) => {
            Ok(fx.method_with_params(recv, name, &[], args, span))
        }
        Ty::Span(elem) => match name.name.as_str() {
            "swap_elements" => Ok(fx.span_swap(recv, &elem, args, span)),
            "unsafe_ptr" => {
                fx.arity("unsafe_ptr", args, 0, 0, span);
                let line = recv.line;
                Ok(TExpr::new(
                    K::Field(Box::new(recv), 0),
                    Ty::RawPtr(elem, 0),
                    line,
                ))
            }
            "__len__" => {
                fx.arity("__len__", args, 0, 0, span);
                let line = recv.line;
                Ok(TExpr::new(K::Field(Box::new(recv), 1), Ty::INT, line))
            }
            _ => Err(recv),
        },
        _ => fx.simd_method(recv, name, &[], args, span),
    }
}

impl FnCx<'_> {
    /// `span.swap_elements(a, b)`: exchanges two elements (bounds-checked). The values move
    /// bitwise, so only elements without handles are allowed (bytes, numbers, pointers).
    fn span_swap(&mut self, sp: TExpr, elem: &Ty, args: &[Arg], span: Span) -> TExpr {
        let line = self.line(span);
        if !self.arity("swap_elements", args, 2, 2, span) {
            return self.unknown(line);
        }
        if self.cx.has_handles(elem) || matches!(elem, Ty::Struct(..)) {
            let msg = format!(
                "`swap_elements` of a `Span[{}]` is not supported yet",
                self.ty_name(elem)
            );
            self.error(
                Diag::error(E_MISMATCH, msg, span).with_hint("swap by index with a temporary"),
            );
            return self.unknown(line);
        }
        let (s0, sp) = self.temp(sp);
        let a = self.offset_arg(&args[0].value);
        let b = self.offset_arg(&args[1].value);
        let pa = self.span_elem(sp.clone(), elem, a);
        let pb = self.span_elem(sp, elem, b);
        let (s1, va) = self.temp(pa.clone());
        let (s2, vb) = self.temp(pb.clone());
        let stmts = vec![s0, s1, s2, TStmt::Assign(pa, vb), TStmt::Assign(pb, va)];
        TExpr::new(
            K::Seq(stmts, Box::new(TExpr::new(K::Unit, Ty::Unit, line))),
            Ty::Unit,
            line,
        )
    }
}

impl FnCx<'_> {
    /// `masked_load[w](ptr, mask, passthrough)` and `masked_store[w](value, ptr, mask)`
    /// (`std.sys.intrinsics`): only the lanes whose mask bit is set touch memory, so a
    /// vector loop's tail can run at full width without reading or writing past the end.
    pub(crate) fn masked_access(
        &mut self,
        load: bool,
        params: &[Arg],
        args: &[Arg],
        span: Span,
    ) -> TExpr {
        let line = self.line(span);
        let name = if load { "masked_load" } else { "masked_store" };
        let width = match params {
            [p] => match super::simd_types::eval_width(self.cx, self.m, &p.value, &self.consts) {
                Ok(w) => w,
                Err(d) => {
                    self.error(d);
                    return self.unknown(line);
                }
            },
            _ => {
                let msg = format!("`{name}` takes the vector width as its parameter");
                self.error(
                    Diag::error(E_COMPTIME, msg, span).with_hint(format!("write `{name}[8](...)`")),
                );
                return self.unknown(line);
            }
        };
        if !self.arity(name, args, 3, 3, span) {
            return self.unknown(line);
        }
        let (ptr_arg, mask_arg, val_arg) = if load {
            (&args[0], &args[1], &args[2])
        } else {
            (&args[1], &args[2], &args[0])
        };
        let ptr = self.expr(&ptr_arg.value, None);
        let Ty::RawPtr(elem, _) = ptr.ty.clone() else {
            if !ptr.ty.is_unknown() {
                let msg = format!(
                    "`{name}` needs an `UnsafePointer`, found `{}`",
                    self.ty_name(&ptr.ty)
                );
                self.error(Diag::error(E_MISMATCH, msg, ptr_arg.value.span));
            }
            return self.unknown(line);
        };
        let vec_ty = simd_of((*elem).clone(), width);
        let mask_ty = simd_of(Ty::Bool, width);
        let mask = self.expr(&mask_arg.value, Some(&mask_ty));
        let mask = self.coerce(mask, &mask_ty, mask_arg.value.span);
        let val = self.expr(&val_arg.value, Some(&vec_ty));
        let val = self.coerce(val, &vec_ty, val_arg.value.span);
        let (s_p, p) = self.temp(ptr);
        let (s_m, m) = self.temp(mask);
        let (s_v, acc) = self.temp(val);
        let mut stmts = vec![s_p, s_m, s_v];
        let lane = |i: u32| TExpr::new(K::Int(i128::from(i)), Ty::INT, line);
        for i in 0..width {
            let (bit, addr) = if width == 1 {
                (m.clone(), p.clone())
            } else {
                (
                    TExpr::new(
                        K::Prim(Prim::Extract, vec![m.clone(), lane(i)]),
                        Ty::Bool,
                        line,
                    ),
                    TExpr::new(
                        K::Prim(Prim::PtrOffset, vec![p.clone(), lane(i)]),
                        p.ty.clone(),
                        line,
                    ),
                )
            };
            let body = if load {
                let v = TExpr::new(K::Prim(Prim::Load, vec![addr]), (*elem).clone(), line);
                let new = if width == 1 {
                    v
                } else {
                    TExpr::new(
                        K::Prim(Prim::Insert, vec![acc.clone(), lane(i), v]),
                        vec_ty.clone(),
                        line,
                    )
                };
                TStmt::Assign(acc.clone(), new)
            } else {
                let v = if width == 1 {
                    acc.clone()
                } else {
                    TExpr::new(
                        K::Prim(Prim::Extract, vec![acc.clone(), lane(i)]),
                        (*elem).clone(),
                        line,
                    )
                };
                TStmt::Expr(TExpr::new(
                    K::Prim(Prim::Store, vec![addr, v]),
                    Ty::Unit,
                    line,
                ))
            };
            stmts.push(TStmt::If(bit, vec![body], Vec::new()));
        }
        if load {
            TExpr::new(K::Seq(stmts, Box::new(acc)), vec_ty, line)
        } else {
            TExpr::new(
                K::Seq(stmts, Box::new(TExpr::new(K::Unit, Ty::Unit, line))),
                Ty::Unit,
                line,
            )
        }
    }
}
