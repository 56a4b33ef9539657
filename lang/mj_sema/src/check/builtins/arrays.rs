//! `InlineArray[T, n]` (construction, checked indexing, methods) and `Span[T]` (borrowing a
//! List, an array or raw memory, with checked indexing). Indices here are checked like List
//! indices, through the same runtime failure (`mj_abort_index`).

use mj_syntax::ast::{self, Arg, Expr};
use mj_syntax::{Diag, Span};

use crate::check::body::FnCx;
use crate::check::expr::is_place;
use crate::check::{E_ARITY, E_KWARG, E_MISMATCH, E_NO_MEMBER};
use crate::rt::Rt;
use crate::suggest::did_you_mean;
use crate::tir::{TBin, TCmp, TExpr, TExprKind as K, TStmt};
use crate::ty::Ty;

/// Arrays longer than this are filled by a loop instead of one aggregate value.
const MAX_UNROLLED_FILL: u32 = 64;

impl FnCx<'_> {
    /// `InlineArray[T, n](fill=v)`, `InlineArray[T, n](a, b, ...)`,
    /// `InlineArray[T, n](uninitialized=True)`.
    pub(super) fn construct_array(
        &mut self,
        ty: Ty,
        elem: &Ty,
        n: u32,
        args: &[Arg],
        span: Span,
    ) -> TExpr {
        let line = self.line(span);
        // `InlineArray[T, n](v)` with `n > 1`: every element is `v` (Mojo's fill
        // constructor).
        if let [a] = args
            && a.name.is_none()
            && n > 1
        {
            let fill = Arg {
                name: Some(ast::Ident {
                    name: "fill".into(),
                    span: a.span,
                }),
                ..a.clone()
            };
            return self.construct_array(ty, elem, n, &[fill], span);
        }
        if let [a] = args
            && let Some(k) = &a.name
        {
            match k.name.as_str() {
                "fill" => {
                    let v = self.expr(&a.value, Some(elem));
                    let v = self.coerce(v, elem, a.value.span);
                    let (s0, v) = self.temp(v);
                    if n <= MAX_UNROLLED_FILL {
                        let agg = TExpr::new(K::Aggregate(vec![v; n as usize]), ty.clone(), line);
                        return TExpr::new(K::Seq(vec![s0], Box::new(agg)), ty, line);
                    }
                    let arr = self.new_local("", ty.clone(), false);
                    let arr = TExpr::new(K::Local(arr), ty.clone(), line);
                    let base = self.address_of(arr.clone(), line);
                    let base = TExpr {
                        ty: Ty::RawPtr(Box::new(elem.clone()), 0),
                        ..base
                    };
                    let (s1, base) = self.temp(base);
                    let stop = self.int(n.into(), line);
                    let start = self.int(0, line);
                    let mut stmts = vec![s0, s1];
                    stmts.extend(self.index_loop(start, stop, |fx, i| {
                        let place = fx.deref(fx.offset(base, i));
                        vec![TStmt::Assign(place, v)]
                    }));
                    return TExpr::new(K::Seq(stmts, Box::new(arr)), ty, line);
                }
                "uninitialized" => {
                    self.expr(&a.value, Some(&Ty::Bool));
                    let arr = self.new_local("", ty.clone(), false);
                    return TExpr::new(K::Local(arr), ty, line);
                }
                other => {
                    let msg = format!("`InlineArray` has no argument named `{other}`");
                    self.error(
                        Diag::error(E_KWARG, msg, k.span)
                            .with_hint("use `fill=`, or pass one value per element"),
                    );
                    return self.unknown(line);
                }
            }
        }
        if args.len() != n as usize || args.iter().any(|a| a.name.is_some()) {
            let msg = format!(
                "`{}` takes `fill=` or {n} values, found {} argument(s)",
                self.ty_name(&ty),
                args.len()
            );
            self.error(Diag::error(E_ARITY, msg, span));
            for a in args {
                self.expr(&a.value, None);
            }
            return self.unknown(line);
        }
        let vals = args
            .iter()
            .map(|a| {
                let v = self.expr(&a.value, Some(elem));
                self.coerce(v, elem, a.value.span)
            })
            .collect();
        TExpr::new(K::Aggregate(vals), ty, line)
    }

    /// `x in arr`: whether some element equals `x` (compared with `==`).
    pub(crate) fn array_contains(&mut self, arr: TExpr, x: TExpr, span: Span) -> TExpr {
        let line = arr.line;
        let Ty::Array(elem, n) = arr.ty.clone() else {
            return self.unknown(line);
        };
        let x = self.coerce(x, &elem, span);
        let mut st = Vec::new();
        let arr = if is_place(&arr) {
            arr
        } else {
            self.spill_to(arr, &mut st)
        };
        let x = self.spill_to(x, &mut st);
        let mut any = TExpr::new(K::Bool(false), Ty::Bool, line);
        for k in 0..n {
            let base = TExpr::new(
                K::AddrOf(Box::new(arr.clone())),
                Ty::RawPtr(elem.clone(), 0),
                line,
            );
            let e = self.deref(self.offset(base, self.int(k.into(), line)));
            let eq = self.compare(ast::CmpOp::Eq, e, x.clone(), span);
            any = TExpr::new(K::Or(Box::new(any), Box::new(eq)), Ty::Bool, line);
        }
        TExpr::new(K::Seq(st, Box::new(any)), Ty::Bool, line)
    }

    /// Element `i` of an array place, bounds-checked (negative indices count from the end).
    pub(super) fn array_elem(
        &mut self,
        arr: TExpr,
        elem: &Ty,
        n: u32,
        i: TExpr,
        idx: &Expr,
    ) -> TExpr {
        let line = arr.line;
        let arr = if is_place(&arr) {
            arr
        } else {
            self.as_place(arr)
        };
        let base = TExpr::new(
            K::AddrOf(Box::new(arr)),
            Ty::RawPtr(Box::new(elem.clone()), 0),
            line,
        );
        let len = i128::from(n);
        if let K::Int(k) = i.kind {
            let k = if k < 0 { k + len } else { k };
            if !(0..len).contains(&k) {
                let msg = format!("index {k} is out of range for an InlineArray of {n}");
                self.error(Diag::error(crate::check::E_NOT_INDEXABLE, msg, idx.span));
                return self.unknown(line);
            }
            return self.deref(self.offset(base, self.int(k, line)));
        }
        let (s0, i) = self.temp(i);
        let n = self.int(len, line);
        let (mut stmts, fin) = self.checked_index(i, n, line);
        stmts.insert(0, s0);
        let place = self.deref(self.offset(base, fin));
        let ty = place.ty.clone();
        TExpr::new(K::Seq(stmts, Box::new(place)), ty, line)
    }

    /// The bounds check of `xs[i]` (`i` and `len` are locals or constants): the position
    /// (a negative `i` counts from the end) and the statements that compute it and abort,
    /// naming the caller's file and line, when it is out of range. The common case costs
    /// one unsigned comparison: only an index that is not in `0..len` as it stands takes
    /// the slow path (a negative one, or an error).
    pub(crate) fn checked_index(&mut self, i: TExpr, len: TExpr, line: u32) -> (Vec<TStmt>, TExpr) {
        let as_u = |e: TExpr| TExpr::new(K::Cast(Box::new(e)), Ty::UINT, line);
        let outside = |a: TExpr, b: TExpr| {
            TExpr::new(
                K::Cmp(TCmp::Ge, Box::new(as_u(a)), Box::new(as_u(b))),
                Ty::Bool,
                line,
            )
        };
        let (s0, fin) = self.temp(i.clone());
        let neg = TExpr::new(
            K::Cmp(TCmp::Lt, Box::new(i.clone()), Box::new(self.int(0, line))),
            Ty::Bool,
            line,
        );
        let wrapped = TExpr::new(
            K::Binary(TBin::Add, Box::new(i.clone()), Box::new(len.clone())),
            Ty::INT,
            line,
        );
        let file = TExpr::new(
            K::Str(self.cx.modules[self.m].input.path.clone()),
            Ty::Str,
            line,
        );
        let abort = self.rt_call(
            Rt::AbortIndex,
            vec![
                file,
                self.int(self.lines.absolute(line).into(), line),
                i.clone(),
                len.clone(),
            ],
            Ty::Unit,
            line,
        );
        let slow = vec![
            TStmt::If(neg, vec![TStmt::Assign(fin.clone(), wrapped)], Vec::new()),
            TStmt::If(
                outside(fin.clone(), len.clone()),
                vec![TStmt::Expr(abort)],
                Vec::new(),
            ),
        ];
        let check = TStmt::If(outside(i, len), slow, Vec::new());
        (vec![s0, check], fin)
    }

    pub(super) fn array_method(
        &mut self,
        recv: TExpr,
        name: &ast::Ident,
        args: &[Arg],
        span: Span,
    ) -> TExpr {
        let line = self.line(span);
        let Ty::Array(elem, n) = recv.ty.clone() else {
            return self.unknown(line);
        };
        match name.name.as_str() {
            "__len__" => self.int(n.into(), line),
            "unsafe_ptr" => {
                self.arity("unsafe_ptr", args, 0, 0, span);
                let place = if is_place(&recv) {
                    recv
                } else {
                    self.as_place(recv)
                };
                TExpr::new(K::AddrOf(Box::new(place)), Ty::RawPtr(elem, 0), line)
            }
            "copy" => recv,
            // `arr.unsafe_get(i)`: the element, not bounds-checked.
            "unsafe_get" => {
                if !self.arity("unsafe_get", args, 1, 1, span) {
                    return self.unknown(line);
                }
                let i = self.expr(&args[0].value, Some(&Ty::INT));
                let i = self.coerce(i, &Ty::INT, args[0].value.span);
                let place = if is_place(&recv) {
                    recv
                } else {
                    self.as_place(recv)
                };
                let base = TExpr::new(K::AddrOf(Box::new(place)), Ty::RawPtr(elem, 0), line);
                self.deref(self.offset(base, i))
            }
            "__contains__" => {
                if !self.arity("__contains__", args, 1, 1, span) {
                    return self.unknown(line);
                }
                let x = self.expr(&args[0].value, Some(&elem));
                self.array_contains(recv, x, span)
            }
            m => {
                let msg = format!("`{}` has no method `{m}`", self.ty_name(&recv.ty));
                let mut d = Diag::error(E_NO_MEMBER, msg, name.span);
                if let Some(s) = did_you_mean(m, ["unsafe_ptr", "copy"].into_iter()) {
                    d = d.with_hint(format!("did you mean `{s}`?"));
                }
                self.error(d);
                self.unknown(line)
            }
        }
    }
}

impl FnCx<'_> {
    /// `Span(list)`, `Span(array)`, `Span(ptr=p, length=n)`.
    pub(super) fn construct_span(&mut self, args: &[Arg], span: Span) -> TExpr {
        let line = self.line(span);
        let key = |a: &Arg| a.name.as_ref().map(|n| n.name.clone());
        match args {
            [a] if key(a).is_none() => {
                let v = self.expr(&a.value, None);
                match v.ty {
                    Ty::Array(..) | Ty::Span(_) => self.span_of(v),
                    _ if self.is_library_list(&v.ty) => self.span_of(v),
                    Ty::Unknown => self.unknown(line),
                    _ => {
                        let msg = format!("cannot make a `Span` of a `{}`", self.ty_name(&v.ty));
                        self.error(Diag::error(E_MISMATCH, msg, a.value.span).with_hint(
                            "a Span borrows a List, an InlineArray, or `ptr=`/`length=`",
                        ));
                        self.unknown(line)
                    }
                }
            }
            // `Span(ptr=p, length=n)`, or Mojo 1.0's `unsafe_ptr=`.
            [p, n]
                if matches!(key(p).as_deref(), Some("ptr" | "unsafe_ptr"))
                    && key(n).as_deref() == Some("length") =>
            {
                let pv = self.expr(&p.value, None);
                let Ty::RawPtr(t, _) = pv.ty.clone() else {
                    if !pv.ty.is_unknown() {
                        let msg = format!(
                            "`ptr=` needs an `UnsafePointer`, found `{}`",
                            self.ty_name(&pv.ty)
                        );
                        self.error(Diag::error(E_MISMATCH, msg, p.value.span));
                    }
                    return self.unknown(line);
                };
                let len = self.offset_arg(&n.value);
                TExpr::new(K::Aggregate(vec![pv, len]), Ty::Span(t), line)
            }
            _ => {
                self.error(Diag::error(
                    E_ARITY,
                    "`Span` takes a List or InlineArray, or `ptr=` and `length=`",
                    span,
                ));
                for a in args {
                    self.expr(&a.value, None);
                }
                self.unknown(line)
            }
        }
    }

    /// A Span borrowing a List's elements or an array (which must be a place: the Span
    /// points into it).
    pub(crate) fn span_of(&mut self, v: TExpr) -> TExpr {
        let line = v.line;
        match v.ty.clone() {
            Ty::Array(t, n) => {
                let place = if is_place(&v) { v } else { self.as_place(v) };
                let data = TExpr::new(K::AddrOf(Box::new(place)), Ty::RawPtr(t.clone(), 0), line);
                let len = self.int(n.into(), line);
                TExpr::new(K::Aggregate(vec![data, len]), Ty::Span(t), line)
            }
            t if self.is_library_list(&t) => {
                // The list's buffer and length (`unsafe_ptr()`, `len()`).
                let Some(elem) = crate::lang_items::list_elem(self.cx, &t) else {
                    return v;
                };
                let span = self.span_of_line(line);
                let mut stmts = Vec::new();
                let l = self.spill_to(v, &mut stmts);
                let data = self.dunder_call(l.clone(), "unsafe_ptr", Vec::new(), span);
                let len = self.dunder_call(l, "__len__", Vec::new(), span);
                let (Some(data), Some(len)) = (data, len) else {
                    return self.unknown(line);
                };
                let sty = Ty::Span(Box::new(elem));
                let sp = TExpr::new(K::Aggregate(vec![data, len]), sty.clone(), line);
                TExpr::new(K::Seq(stmts, Box::new(sp)), sty, line)
            }
            _ => v,
        }
    }

    /// `span[i]`: bounds-checked like a List index (negative indices count from the end).
    pub(super) fn span_elem(&mut self, sp: TExpr, elem: &Ty, i: TExpr) -> TExpr {
        let (s0, sp) = self.temp(sp);
        self.span_elem_of_local(vec![s0], sp, elem, i)
    }

    /// `span[i]` of a span held in a local, after the statements `pre` (which run inside
    /// the element's address, so the element stays a place).
    fn span_elem_of_local(&mut self, pre: Vec<TStmt>, sp: TExpr, elem: &Ty, i: TExpr) -> TExpr {
        let line = sp.line;
        let (s1, i) = self.temp(i);
        let len = TExpr::new(K::Field(Box::new(sp.clone()), 1), Ty::INT, line);
        let (s2, len) = self.temp(len);
        let (checks, fin) = self.checked_index(i, len, line);
        let pty = Ty::RawPtr(Box::new(elem.clone()), 0);
        let data = TExpr::new(K::Field(Box::new(sp), 0), pty, line);
        // The checks run inside the address, so the element stays a place (`sp[i].f = v`,
        // `sp[i].append(x)` write through it).
        let addr = self.offset(data, fin);
        let aty = addr.ty.clone();
        let mut stmts = pre;
        stmts.extend([s1, s2]);
        stmts.extend(checks);
        let addr = TExpr::new(K::Seq(stmts, Box::new(addr)), aty, line);
        self.deref(addr)
    }

    /// `xs[i]` on the library's `List`: the element, bounds-checked at the caller (so an
    /// abort names the caller's file and line), a place.
    /// An index as an `Int`: a struct that is an `Indexer` through its `__index__`, any
    /// other value converted as an `Int` argument is.
    pub(crate) fn as_index(&mut self, i: TExpr, span: Span) -> TExpr {
        if matches!(i.ty, Ty::Struct(..)) && self.has_method(&i.ty, "__index__") {
            let line = i.line;
            return self
                .dunder_call(i, "__index__", Vec::new(), span)
                .unwrap_or_else(|| self.unknown(line));
        }
        if let Ty::Int { .. } | Ty::Bool = i.ty
            && i.ty != Ty::INT
        {
            return self.cast(i, Ty::INT);
        }
        self.coerce(i, &Ty::INT, span)
    }

    pub(crate) fn library_list_elem(&mut self, list: TExpr, idx: &ast::Expr) -> TExpr {
        let elem = crate::lang_items::list_elem(self.cx, &list.ty).unwrap_or(Ty::Unknown);
        let i = self.expr(idx, Some(&Ty::INT));
        let i = self.as_index(i, idx.span);
        let generic = self.generic_elements(&list);
        let sp = self.span_of(list);
        let (s0, sp) = self.temp(sp);
        if let (Some(n), K::Local(l)) = (generic, &sp.kind) {
            // `xs[i]` with `xs: List[T]` is a `T` (`generic_copies.rs`).
            self.own.generic.note_container(*l, n);
        }
        self.span_elem_of_local(vec![s0], sp, &elem, i)
    }
}
