//! Expressions: names, literals, operators, indexing, calls and implicit conversions.

use mj_syntax::ast::{self, Arg, BinOp, CmpOp, Expr, ExprKind, UnOp};
use mj_syntax::{Diag, Span};

use super::body::FnCx;
use super::{
    ConstVal, Conv, E_ARITY, E_KWARG, E_MISMATCH, E_NO_MEMBER, E_NOT_CALLABLE, E_NOT_INDEXABLE,
    E_OPERATOR, E_UNDEFINED, Item, Sig,
};
use crate::suggest::did_you_mean;
use crate::tir::{Callee, FnId, TArg, TBin, TCmp, TExpr, TExprKind as K, TStmt, TUn};
use crate::ty::Ty;

impl FnCx<'_> {
    pub fn expr(&mut self, e: &Expr, expected: Option<&Ty>) -> TExpr {
        let line = self.line(e.span);
        match &e.kind {
            ExprKind::Int(v) => {
                let v = i128::try_from(*v).unwrap_or(i128::MAX);
                match expected {
                    Some(t @ Ty::Float { .. }) => TExpr::new(K::Float(v as f64), t.clone(), line),
                    Some(t @ Ty::Int { .. }) => TExpr::new(K::Int(v), t.clone(), line),
                    _ => {
                        if v > u64::MAX as i128 {
                            self.error(Diag::error(
                                super::E_MISMATCH,
                                "integer literal is too large for `Int`",
                                e.span,
                            ));
                        }
                        TExpr::new(K::Int(v), Ty::INT, line)
                    }
                }
            }
            ExprKind::Float(f) => match expected {
                Some(t @ Ty::Float { .. }) => TExpr::new(K::Float(*f), t.clone(), line),
                _ => TExpr::new(K::Float(*f), Ty::F64, line),
            },
            ExprKind::Str(s) => TExpr::new(K::Str(s.clone()), Ty::Str, line),
            ExprKind::FString(parts) => self.fstring(parts, line),
            ExprKind::Bool(b) => TExpr::new(K::Bool(*b), Ty::Bool, line),
            ExprKind::None => TExpr::new(K::Unit, Ty::Unit, line),
            ExprKind::Name(n) => self.name(n, e.span, line),
            ExprKind::Attr { base, name } => self.attr(base, name, e.span, line),
            ExprKind::Call { func, args } => self.call(func, args, e.span, expected),
            ExprKind::Index { base, args } => self.index(base, args, e.span, line),
            ExprKind::Unary { op, expr } => self.unary(*op, expr, e.span, expected),
            ExprKind::Binary { op, lhs, rhs } => self.binary(*op, lhs, rhs, e.span, expected),
            ExprKind::Compare { first, rest } => {
                let mut lhs = self.expr(first, None);
                let mut result: Option<TExpr> = None;
                let mut stmts = Vec::new();
                for (i, (op, r)) in rest.iter().enumerate() {
                    let hint = if lhs.ty.is_numeric() && !matches!(op, CmpOp::In | CmpOp::NotIn) {
                        Some(lhs.ty.clone())
                    } else {
                        None
                    };
                    let mut rhs = self.expr(r, hint.as_ref());
                    if i + 1 < rest.len() {
                        // The middle operand of a chain is evaluated once.
                        let (st, tmp) = self.temp(rhs);
                        stmts.push(st);
                        rhs = tmp;
                    }
                    let c = self.compare(*op, lhs, rhs.clone(), r.span);
                    result = Some(match result {
                        None => c,
                        Some(p) => TExpr::new(K::And(Box::new(p), Box::new(c)), Ty::Bool, line),
                    });
                    lhs = rhs;
                }
                let r = result.unwrap_or_else(|| TExpr::new(K::Bool(true), Ty::Bool, line));
                if stmts.is_empty() {
                    r
                } else {
                    TExpr::new(K::Seq(stmts, Box::new(r)), Ty::Bool, line)
                }
            }
            ExprKind::IfExp {
                cond,
                then,
                otherwise,
            } => {
                let c = self.cond(cond);
                let a = self.expr(then, expected);
                let b = self.expr(otherwise, Some(&a.ty));
                let (a, b) = self.unify_numeric(a, b, e.span);
                let ty = if a.ty.is_unknown() {
                    b.ty.clone()
                } else {
                    a.ty.clone()
                };
                let b = self.coerce(b, &ty, otherwise.span);
                TExpr::new(K::IfExp(Box::new(c), Box::new(a), Box::new(b)), ty, line)
            }
            ExprKind::List(items) => {
                let want = match expected {
                    Some(Ty::List(t)) => Some((**t).clone()),
                    _ => None,
                };
                self.list_literal(items, want, e.span, line)
            }
            ExprKind::Tuple(items) => {
                let want: Vec<Option<Ty>> = match expected {
                    Some(Ty::Tuple(ts)) if ts.len() == items.len() => {
                        ts.iter().cloned().map(Some).collect()
                    }
                    _ => vec![None; items.len()],
                };
                let vals: Vec<TExpr> = items
                    .iter()
                    .zip(want)
                    .map(|(i, w)| self.expr(i, w.as_ref()))
                    .collect();
                let ty = Ty::Tuple(vals.iter().map(|v| v.ty.clone()).collect());
                TExpr::new(K::Aggregate(vals), ty, line)
            }
            ExprKind::Dict(pairs) => {
                let (wk, wv) = match expected {
                    Some(Ty::Dict(k, v)) => (Some((**k).clone()), Some((**v).clone())),
                    _ => (None, None),
                };
                self.dict_literal(pairs, wk, wv, e.span, line)
            }
            ExprKind::ListComp {
                elt,
                target,
                iter,
                cond,
            } => self.list_comp(elt, target, iter, cond.as_deref(), e.span),
            ExprKind::Transfer(inner) => {
                let v = self.expr(inner, expected);
                if let (ExprKind::Name(_), K::Local(l)) = (&inner.kind, &v.kind) {
                    self.flow.moved.insert(*l, e.span);
                }
                v
            }
            ExprKind::Set(_) => self.unsupported("set literals", e.span),
            ExprKind::Lambda { .. } => self.unsupported("lambda expressions", e.span),
            ExprKind::FnType { .. } => self.unsupported("function types", e.span),
            ExprKind::Slice { .. } => {
                self.error(Diag::error(
                    E_MISMATCH,
                    "a slice is only allowed inside `[...]`",
                    e.span,
                ));
                self.unknown(line)
            }
            ExprKind::Ellipsis => TExpr::new(K::Unit, Ty::Unit, line),
            ExprKind::Error => self.unknown(line),
        }
    }

    pub fn unknown(&self, line: u32) -> TExpr {
        TExpr::new(K::Unit, Ty::Unknown, line)
    }

    pub fn unsupported(&mut self, what: &str, span: Span) -> TExpr {
        self.error(Diag::error(
            super::E_UNSUPPORTED,
            format!("{what} are not supported yet"),
            span,
        ));
        let line = self.line(span);
        self.unknown(line)
    }

    fn name(&mut self, n: &str, span: Span, line: u32) -> TExpr {
        if let Some(l) = self.lookup_local(n) {
            if self.flow.uninit.remove(&l) {
                self.error(
                    Diag::error(
                        super::E_UNINIT,
                        format!("use of `{n}` before it is initialized"),
                        span,
                    )
                    .with_hint(format!("assign a value to `{n}` first")),
                );
            } else if let Some(moved_at) = self.flow.moved.remove(&l) {
                self.error(
                    Diag::error(
                        super::E_UNINIT,
                        format!("use of `{n}` after it was moved"),
                        span,
                    )
                    .with_label(moved_at, "moved here")
                    .with_hint(format!(
                        "copy it with `{n}.copy()` before the move, or assign it again"
                    )),
                );
            }
            return self.local_read(l, line);
        }
        if let Some(v) = self.consts.get(n).cloned() {
            return const_expr(v, line);
        }
        if let Some(v) = self
            .owner
            .and_then(|s| self.cx.structs[s as usize].consts.get(n).cloned())
        {
            return const_expr(v, line);
        }
        match self.cx.modules[self.m].scope.get(n).cloned() {
            Some(Item::Const(v)) => return const_expr(v, line),
            Some(Item::Builtin(module, name)) => {
                if let Some(v) = super::builtins::builtin_constant(module, &name, line) {
                    return v;
                }
            }
            Some(_) => {
                self.error(
                    Diag::error(E_MISMATCH, format!("`{n}` is not a value"), span)
                        .with_hint("functions and types can be called, not used as values (yet)"),
                );
                return self.unknown(line);
            }
            None => {}
        }
        self.undefined(n, span);
        self.unknown(line)
    }

    /// The dotted text of `base` when it is a chain of names whose head is not a local.
    fn module_base(&self, base: &Expr) -> Option<String> {
        let head = super::head_name(base)?;
        if self.lookup_local(head).is_some() || self.consts.contains_key(head) {
            return None;
        }
        super::dotted_name(base)
    }

    pub fn undefined(&mut self, n: &str, span: Span) {
        let mut d = Diag::error(E_UNDEFINED, format!("use of undefined name `{n}`"), span);
        let mut extra = self.visible_local_names();
        extra.extend(self.consts.keys().cloned());
        let extra_refs: Vec<&str> = extra.iter().map(String::as_str).collect();
        if let Some(s) = self.cx.suggest_global(self.m, n, &extra_refs) {
            d = d.with_hint(format!("did you mean `{s}`?"));
        }
        self.error(d);
    }

    fn attr(&mut self, base: &Expr, name: &ast::Ident, span: Span, line: u32) -> TExpr {
        // `Self.NAME` / `Type.NAME`: a struct's compile-time member.
        if let ExprKind::Name(b) = &base.kind
            && self.lookup_local(b).is_none()
        {
            let s = match self.cx.modules[self.m].scope.get(b) {
                Some(Item::Struct(s)) => Some(*s),
                _ if b == "Self" => self.owner,
                _ => None,
            };
            if let Some(s) = s {
                if let Some(v) = self.cx.structs[s as usize].consts.get(&name.name).cloned() {
                    return const_expr(v, line);
                }
                let msg = format!(
                    "`{}` has no compile-time member `{}`",
                    self.cx.struct_names[s as usize], name.name
                );
                self.error(Diag::error(E_NO_MEMBER, msg, name.span));
                return self.unknown(line);
            }
        }
        // `module.CONST`
        if let Some(b) = self.module_base(base) {
            let b = &b;
            match self.cx.module_path(self.m, base) {
                Some(Item::Module(t)) => {
                    return match self.cx.modules[t].scope.get(&name.name).cloned() {
                        Some(Item::Const(v)) => const_expr(v, line),
                        Some(Item::Builtin(bm, bn))
                            if super::builtins::builtin_constant(bm, &bn, line).is_some() =>
                        {
                            super::builtins::builtin_constant(bm, &bn, line)
                                .unwrap_or_else(|| self.unknown(line))
                        }
                        _ => {
                            let msg = format!("module `{b}` has no value `{}`", name.name);
                            self.error(Diag::error(E_NO_MEMBER, msg, name.span));
                            self.unknown(line)
                        }
                    };
                }
                Some(Item::BuiltinModule(m)) => {
                    if let Some(v) = super::builtins::builtin_constant(m, &name.name, line) {
                        return v;
                    }
                }
                _ => {}
            }
        }
        let b = self.expr(base, None);
        match b.ty.clone() {
            Ty::Struct(s) => {
                let fields = &self.cx.structs[s as usize].fields;
                if let Some(i) = fields.iter().position(|(f, _)| *f == name.name) {
                    let ty = fields[i].1.clone();
                    return TExpr::new(K::Field(Box::new(b), i as u32), ty, line);
                }
                let mut d = Diag::error(
                    E_NO_MEMBER,
                    format!(
                        "`{}` has no field `{}`",
                        self.cx.struct_names[s as usize], name.name
                    ),
                    name.span,
                );
                let cands: Vec<String> = fields.iter().map(|(f, _)| f.clone()).collect();
                if let Some(sug) = did_you_mean(&name.name, cands.iter().map(String::as_str)) {
                    d = d.with_hint(format!("did you mean `{sug}`?"));
                } else if self.cx.structs[s as usize].methods.contains_key(&name.name) {
                    d = d.with_hint(format!("`{}` is a method: call it with `(...)`", name.name));
                }
                self.error(d);
                self.unknown(line)
            }
            Ty::Entry(k, v) if name.name == "key" || name.name == "value" => {
                let (i, t) = if name.name == "key" { (0, *k) } else { (1, *v) };
                TExpr::new(K::Field(Box::new(b), i), t, line)
            }
            Ty::Unknown => self.unknown(line),
            t => {
                let msg = format!("`{}` has no attribute `{}`", self.ty_name(&t), name.name);
                self.error(Diag::error(E_NO_MEMBER, msg, span));
                self.unknown(line)
            }
        }
    }

    fn index(&mut self, base: &Expr, args: &[Arg], span: Span, line: u32) -> TExpr {
        let b = self.expr(base, None);
        if let Ty::Struct(s) = b.ty {
            return self.struct_method_call(s, b, "__getitem__", args, span, "cannot be indexed");
        }
        if args.len() != 1 {
            if !b.ty.is_unknown() {
                let msg = format!("`{}` takes one index", self.ty_name(&b.ty));
                self.error(Diag::error(E_NOT_INDEXABLE, msg, span));
            }
            return self.unknown(line);
        }
        let a = &args[0].value;
        if let ExprKind::Slice { lo, hi, step } = &a.kind {
            return self.slice(b, lo.as_deref(), hi.as_deref(), step.as_deref(), span, line);
        }
        match b.ty.clone() {
            Ty::List(t) => {
                let i = self.expr(a, Some(&Ty::INT));
                let i = self.coerce(i, &Ty::INT, a.span);
                TExpr::new(K::ListElem(Box::new(b), Box::new(i)), *t, line)
            }
            Ty::Str => {
                let i = self.expr(a, Some(&Ty::INT));
                let i = self.coerce(i, &Ty::INT, a.span);
                let file = TExpr::new(
                    K::Str(self.cx.modules[self.m].input.path.clone()),
                    Ty::Str,
                    line,
                );
                let args = vec![
                    TArg::Value(b),
                    TArg::Value(i),
                    TArg::Value(file),
                    TArg::Value(self.int(line as i128, line)),
                ];
                TExpr::new(
                    K::Call(Callee::Extern("mj_str_at".into()), args),
                    Ty::Str,
                    line,
                )
            }
            Ty::Tuple(ts) => {
                let idx = match &a.kind {
                    ExprKind::Int(v) => Some(*v as usize),
                    ExprKind::Name(_) => match self.expr(a, None).kind {
                        K::Int(v) => Some(v as usize),
                        _ => None,
                    },
                    _ => None,
                };
                match idx {
                    Some(i) if i < ts.len() => {
                        TExpr::new(K::Field(Box::new(b), i as u32), ts[i].clone(), line)
                    }
                    _ => {
                        let msg = format!("a tuple index must be a constant below {}", ts.len());
                        self.error(Diag::error(E_NOT_INDEXABLE, msg, a.span));
                        self.unknown(line)
                    }
                }
            }
            Ty::Dict(k, v) => {
                let key = self.expr(a, Some(&k));
                let key = self.coerce(key, &k, a.span);
                self.check_may_raise("a dictionary lookup", span);
                self.dict_get_or_raise(b, key, *v, line)
            }
            Ty::Unknown => self.unknown(line),
            t => {
                let msg = format!("`{}` cannot be indexed", self.ty_name(&t));
                self.error(Diag::error(E_NOT_INDEXABLE, msg, span));
                self.unknown(line)
            }
        }
    }

    /// `obj[i]` / `obj[i] = v` on a struct: calls `__getitem__` / `__setitem__`.
    pub fn struct_method_call(
        &mut self,
        s: u32,
        recv: TExpr,
        name: &str,
        args: &[Arg],
        span: Span,
        what: &str,
    ) -> TExpr {
        let line = self.line(span);
        let Some(id) = self.cx.structs[s as usize].methods.get(name).copied() else {
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
        let sig = self.cx.funcs[id.0 as usize].sig.clone();
        if !sig.has_self {
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
        let mut targs = vec![self.self_arg(recv, &sig)];
        targs.extend(self.check_args(name, &sig, 1, args, span));
        if sig.raises {
            self.check_may_raise(&format!("`{name}`"), span);
        }
        TExpr::new(K::Call(Callee::Fn(id), targs), sig.ret, line)
    }

    fn slice(
        &mut self,
        b: TExpr,
        lo: Option<&Expr>,
        hi: Option<&Expr>,
        step: Option<&Expr>,
        span: Span,
        line: u32,
    ) -> TExpr {
        let f = match &b.ty {
            Ty::Str => "mj_str_slice",
            Ty::List(_) => "mj_list_slice",
            Ty::Unknown => return self.unknown(line),
            t => {
                let msg = format!("`{}` cannot be sliced", self.ty_name(t));
                self.error(Diag::error(E_NOT_INDEXABLE, msg, span));
                return self.unknown(line);
            }
        };
        let mut flags = 0;
        let mut part = |fx: &mut Self, e: Option<&Expr>, bit: i128| match e {
            Some(e) => {
                flags |= bit;
                let v = fx.expr(e, Some(&Ty::INT));
                fx.coerce(v, &Ty::INT, e.span)
            }
            None => fx.int(0, line),
        };
        let l = part(self, lo, 1);
        let h = part(self, hi, 2);
        let s = part(self, step, 4);
        let ty = b.ty.clone();
        let args = vec![
            TArg::Value(b),
            TArg::Value(l),
            TArg::Value(h),
            TArg::Value(s),
            TArg::Value(self.int(flags, line)),
        ];
        TExpr::new(K::Call(Callee::Extern(f.into()), args), ty, line)
    }

    fn unary(&mut self, op: UnOp, inner: &Expr, span: Span, expected: Option<&Ty>) -> TExpr {
        let line = self.line(span);
        match op {
            UnOp::Not => {
                let c = self.cond(inner);
                TExpr::new(K::Unary(TUn::Not, Box::new(c)), Ty::Bool, line)
            }
            UnOp::Neg | UnOp::Pos => {
                let v = self.expr(inner, expected.filter(|t| t.is_numeric()));
                if let Ty::Struct(_) = v.ty {
                    let name = if op == UnOp::Neg {
                        "__neg__"
                    } else {
                        "__pos__"
                    };
                    return self
                        .dunder_call(v, name, Vec::new(), span)
                        .unwrap_or_else(|| self.unknown(line));
                }
                if !v.ty.is_numeric() && !v.ty.is_unknown() {
                    let msg = format!("cannot negate a `{}`", self.ty_name(&v.ty));
                    self.error(Diag::error(E_OPERATOR, msg, span));
                    return self.unknown(line);
                }
                if op == UnOp::Pos {
                    return v;
                }
                match v.kind {
                    K::Int(i) => TExpr::new(K::Int(-i), v.ty, line),
                    K::Float(f) => TExpr::new(K::Float(-f), v.ty, line),
                    _ => {
                        let ty = v.ty.clone();
                        TExpr::new(K::Unary(TUn::Neg, Box::new(v)), ty, line)
                    }
                }
            }
            UnOp::Invert => {
                let v = self.expr(inner, expected.filter(|t| t.is_int()));
                if v.ty == Ty::Bool {
                    return TExpr::new(K::Unary(TUn::Not, Box::new(v)), Ty::Bool, line);
                }
                if !v.ty.is_int() && !v.ty.is_unknown() {
                    let msg = format!("cannot apply `~` to a `{}`", self.ty_name(&v.ty));
                    self.error(Diag::error(E_OPERATOR, msg, span));
                    return self.unknown(line);
                }
                let ty = v.ty.clone();
                TExpr::new(K::Unary(TUn::Not, Box::new(v)), ty, line)
            }
        }
    }

    /// Whether an expression is a numeric literal whose type should follow its partner.
    fn is_literal(e: &Expr) -> bool {
        match &e.kind {
            ExprKind::Int(_) | ExprKind::Float(_) => true,
            ExprKind::Unary { expr, .. } => Self::is_literal(expr),
            ExprKind::Binary { lhs, rhs, .. } => Self::is_literal(lhs) && Self::is_literal(rhs),
            _ => false,
        }
    }

    fn binary(
        &mut self,
        op: BinOp,
        lhs: &Expr,
        rhs: &Expr,
        span: Span,
        expected: Option<&Ty>,
    ) -> TExpr {
        let line = self.line(span);
        if matches!(op, BinOp::And | BinOp::Or) {
            let a = self.cond(lhs);
            let b = self.cond(rhs);
            let k = if op == BinOp::And {
                K::And(Box::new(a), Box::new(b))
            } else {
                K::Or(Box::new(a), Box::new(b))
            };
            return TExpr::new(k, Ty::Bool, line);
        }
        // Type the non-literal side first so that `x * 2` makes `2` the type of `x`.
        // Bit operations only exist on integers: a float context must not make their
        // literal operands floats (`Float64(3 | 1)`).
        let bitwise = matches!(
            op,
            BinOp::BitAnd | BinOp::BitOr | BinOp::BitXor | BinOp::Shl | BinOp::Shr
        );
        let hint = expected.filter(|t| if bitwise { t.is_int() } else { t.is_numeric() });
        let (a, b) = if Self::is_literal(lhs) && !Self::is_literal(rhs) {
            let b = self.expr(rhs, hint);
            let h = if b.ty.is_numeric() {
                Some(b.ty.clone())
            } else {
                None
            };
            (self.expr(lhs, h.as_ref()), b)
        } else {
            let a = self.expr(lhs, hint);
            let h = if a.ty.is_float() || (a.ty.is_int() && op != BinOp::Pow) {
                Some(a.ty.clone())
            } else {
                None
            };
            (a, self.expr(rhs, h.as_ref()))
        };
        self.binary_typed(op, a, b, span)
    }

    pub fn binary_typed(&mut self, op: BinOp, a: TExpr, b: TExpr, span: Span) -> TExpr {
        let line = self.line(span);
        if a.ty.is_unknown() || b.ty.is_unknown() {
            return self.unknown(line);
        }
        if let (Ty::Struct(_), false) = (&b.ty, matches!(a.ty, Ty::Struct(_)))
            && let Some(d) = op.dunder()
        {
            // `2 * v` calls `v.__rmul__(2)`.
            let rname = format!("__r{}", &d[2..]);
            if self.has_method(&b.ty, &rname) {
                return self
                    .dunder_call(b, &rname, vec![a], span)
                    .unwrap_or_else(|| self.unknown(line));
            }
        }
        if let Ty::Struct(_) = a.ty {
            let name = op.dunder().unwrap_or("__add__");
            return self
                .dunder_call(a, name, vec![b], span)
                .unwrap_or_else(|| self.unknown(line));
        }
        match (&a.ty, &b.ty, op) {
            (Ty::Str, Ty::Str, BinOp::Add) => {
                return self.extern_call("mj_str_concat", vec![a, b], Ty::Str, line);
            }
            (Ty::Str, Ty::Int { .. }, BinOp::Mul) => {
                let b = self.coerce(b, &Ty::INT, span);
                return self.extern_call("mj_str_repeat", vec![a, b], Ty::Str, line);
            }
            (Ty::List(_), Ty::List(_), BinOp::Add) if a.ty == b.ty => {
                let ty = a.ty.clone();
                let (s1, copy) =
                    self.temp(self.extern_call_expr("mj_list_copy", vec![a], ty.clone(), line));
                let ext = self.extern_call("mj_list_extend", vec![copy.clone(), b], Ty::Unit, line);
                return TExpr::new(K::Seq(vec![s1, TStmt::Expr(ext)], Box::new(copy)), ty, line);
            }
            (Ty::List(elem), Ty::Int { .. }, BinOp::Mul) => {
                // `[0] * n`: a new list with `n` copies of the elements.
                let ty = a.ty.clone();
                let elem = (**elem).clone();
                let n = self.coerce(b, &Ty::INT, span);
                let (s0, src) = self.temp(a);
                let (s1, n) = self.temp(n);
                let empty = self.build_list(elem, Vec::new(), line);
                let (s2, out) = self.temp(empty);
                let (s3, i) = self.temp(self.int(0, line));
                let cond = TExpr::new(
                    K::Cmp(TCmp::Lt, Box::new(i.clone()), Box::new(n)),
                    Ty::Bool,
                    line,
                );
                let ext =
                    self.extern_call("mj_list_extend", vec![out.clone(), src], Ty::Unit, line);
                let inc = TExpr::new(
                    K::Binary(TBin::Add, Box::new(i.clone()), Box::new(self.int(1, line))),
                    Ty::INT,
                    line,
                );
                let lp = TStmt::While {
                    cond,
                    body: vec![TStmt::Expr(ext), TStmt::Assign(i, inc)],
                    else_body: Vec::new(),
                };
                return TExpr::new(K::Seq(vec![s0, s1, s2, s3, lp], Box::new(out)), ty, line);
            }
            (Ty::Bool, Ty::Bool, BinOp::BitAnd | BinOp::BitOr | BinOp::BitXor) => {
                let k = match op {
                    BinOp::BitAnd => TBin::BitAnd,
                    BinOp::BitOr => TBin::BitOr,
                    _ => TBin::BitXor,
                };
                return TExpr::new(K::Binary(k, Box::new(a), Box::new(b)), Ty::Bool, line);
            }
            _ => {}
        }
        if !a.ty.is_numeric() || !b.ty.is_numeric() {
            let msg = format!(
                "no operator `{}` for `{}` and `{}`",
                op.symbol(),
                self.ty_name(&a.ty),
                self.ty_name(&b.ty)
            );
            let mut d = Diag::error(E_OPERATOR, msg, span);
            if (a.ty == Ty::Str) != (b.ty == Ty::Str) && op == BinOp::Add {
                d = d.with_hint("convert the other operand with `String(...)`");
            }
            self.error(d);
            return self.unknown(line);
        }
        if op == BinOp::Div && a.ty.is_int() && b.ty.is_int() {
            // `Int / Int` is true division, as in Python and Mojo.
            let a = self.coerce(a, &Ty::F64, span);
            let b = self.coerce(b, &Ty::F64, span);
            return TExpr::new(
                K::Binary(TBin::Div, Box::new(a), Box::new(b)),
                Ty::F64,
                line,
            );
        }
        let (a, b) = if matches!(op, BinOp::Shl | BinOp::Shr) {
            let t = a.ty.clone();
            (a, self.coerce(b, &t, span))
        } else {
            self.unify_numeric(a, b, span)
        };
        let ty = a.ty.clone();
        if op == BinOp::Pow {
            return if ty.is_int() {
                let a64 = self.coerce(a, &Ty::INT, span);
                let b64 = self.coerce(b, &Ty::INT, span);
                let r = self.extern_call("mj_pow_int", vec![a64, b64], Ty::INT, line);
                self.coerce(r, &ty, span)
            } else {
                TExpr::new(
                    K::Call(
                        Callee::Intrinsic("llvm.pow".into()),
                        vec![TArg::Value(a), TArg::Value(b)],
                    ),
                    ty,
                    line,
                )
            };
        }
        let k = match op {
            BinOp::Add => TBin::Add,
            BinOp::Sub => TBin::Sub,
            BinOp::Mul => TBin::Mul,
            BinOp::Div => TBin::Div,
            BinOp::FloorDiv => TBin::FloorDiv,
            BinOp::Mod => TBin::FloorMod,
            BinOp::BitAnd => TBin::BitAnd,
            BinOp::BitOr => TBin::BitOr,
            BinOp::BitXor => TBin::BitXor,
            BinOp::Shl => TBin::Shl,
            BinOp::Shr => TBin::Shr,
            _ => {
                let msg = format!("no operator `{}` for `{}`", op.symbol(), self.ty_name(&ty));
                self.error(Diag::error(E_OPERATOR, msg, span));
                return self.unknown(line);
            }
        };
        if ty.is_float()
            && matches!(
                k,
                TBin::BitAnd | TBin::BitOr | TBin::BitXor | TBin::Shl | TBin::Shr
            )
        {
            let msg = format!("no operator `{}` for `{}`", op.symbol(), self.ty_name(&ty));
            self.error(Diag::error(E_OPERATOR, msg, span));
            return self.unknown(line);
        }
        TExpr::new(K::Binary(k, Box::new(a), Box::new(b)), ty, line)
    }

    /// Brings two numeric operands to a common type: Int widens to Float.
    pub fn unify_numeric(&mut self, a: TExpr, b: TExpr, span: Span) -> (TExpr, TExpr) {
        if a.ty == b.ty || !a.ty.is_numeric() || !b.ty.is_numeric() {
            return (a, b);
        }
        if a.ty.is_float() && b.ty.is_int() {
            let t = a.ty.clone();
            return (a, self.cast(b, t));
        }
        if b.ty.is_float() && a.ty.is_int() {
            let t = b.ty.clone();
            return (self.cast(a, t), b);
        }
        let msg = format!(
            "mismatched types: `{}` and `{}`",
            self.ty_name(&a.ty),
            self.ty_name(&b.ty)
        );
        self.error(Diag::error(E_MISMATCH, msg, span).with_hint(format!(
            "convert one side explicitly, e.g. `{}(x)`",
            self.ty_name(&a.ty)
        )));
        (a, b)
    }

    pub fn cast(&self, v: TExpr, to: Ty) -> TExpr {
        if v.ty == to {
            return v;
        }
        let line = v.line;
        match (&v.kind, &to) {
            (K::Int(i), Ty::Float { .. }) => TExpr::new(K::Float(*i as f64), to, line),
            (K::Int(i), Ty::Int { .. }) => TExpr::new(K::Int(*i), to, line),
            _ => TExpr::new(K::Cast(Box::new(v)), to, line),
        }
    }

    /// Converts `v` to `to` where the language allows it implicitly, else reports E0101.
    pub fn coerce(&mut self, v: TExpr, to: &Ty, span: Span) -> TExpr {
        if &v.ty == to || v.ty.is_unknown() || to.is_unknown() {
            return v;
        }
        match (&v.ty, to) {
            (Ty::Int { .. }, Ty::Float { .. }) => return self.cast(v, to.clone()),
            (Ty::Float { .. }, Ty::Float { .. }) if matches!(v.kind, K::Float(_)) => {
                return self.cast(v, to.clone());
            }
            (Ty::Int { .. }, Ty::Int { .. }) if matches!(v.kind, K::Int(_)) => {
                return self.cast(v, to.clone());
            }
            (Ty::Str, Ty::Error) => return TExpr { ty: Ty::Error, ..v },
            (Ty::List(a), Ty::List(b)) if a.is_unknown() || b.is_unknown() => {
                return TExpr {
                    ty: to.clone(),
                    ..v
                };
            }
            (Ty::Dict(..), Ty::Dict(..))
                if matches!(v.kind, K::Seq(..)) && self.is_empty_dict(&v) =>
            {
                return TExpr {
                    ty: to.clone(),
                    ..v
                };
            }
            _ => {}
        }
        let msg = format!(
            "mismatched types: expected `{}`, found `{}`",
            self.ty_name(to),
            self.ty_name(&v.ty)
        );
        let mut d = Diag::error(E_MISMATCH, msg, span);
        if *to == Ty::Str {
            d = d.with_hint("convert it with `String(...)`");
        } else if to.is_numeric() && v.ty == Ty::Str {
            d = d.with_hint(format!("parse it with `{}(...)`", self.ty_name(to)));
        } else if to.is_numeric() && v.ty.is_numeric() {
            d = d.with_hint(format!(
                "convert it explicitly with `{}(...)`",
                self.ty_name(to)
            ));
        }
        self.error(d);
        TExpr {
            ty: to.clone(),
            ..v
        }
    }

    fn is_empty_dict(&self, _v: &TExpr) -> bool {
        false
    }

    /// Converts a value to `Bool` by its truth value.
    pub fn truthy(&mut self, v: TExpr, span: Span) -> TExpr {
        let line = v.line;
        match &v.ty {
            Ty::Bool | Ty::Unknown => v,
            Ty::Int { .. } | Ty::Float { .. } => {
                let zero = self.cast(TExpr::new(K::Int(0), Ty::INT, line), v.ty.clone());
                TExpr::new(
                    K::Cmp(TCmp::Ne, Box::new(v), Box::new(zero)),
                    Ty::Bool,
                    line,
                )
            }
            Ty::Str | Ty::List(_) => {
                let len = TExpr::new(K::Len(Box::new(v)), Ty::INT, line);
                TExpr::new(
                    K::Cmp(TCmp::Ne, Box::new(len), Box::new(self.int(0, line))),
                    Ty::Bool,
                    line,
                )
            }
            Ty::Dict(..) => {
                let len = self.extern_call("mj_dict_len", vec![v], Ty::INT, line);
                TExpr::new(
                    K::Cmp(TCmp::Ne, Box::new(len), Box::new(self.int(0, line))),
                    Ty::Bool,
                    line,
                )
            }
            Ty::Struct(_) => self
                .dunder_call(v, "__bool__", Vec::new(), span)
                .unwrap_or_else(|| self.unknown(line)),
            t => {
                let msg = format!(
                    "mismatched types: expected `Bool`, found `{}`",
                    self.ty_name(t)
                );
                self.error(Diag::error(E_MISMATCH, msg, span));
                self.unknown(line)
            }
        }
    }

    pub fn compare(&mut self, op: CmpOp, a: TExpr, b: TExpr, span: Span) -> TExpr {
        let line = a.line.max(self.line(span));
        if a.ty.is_unknown() || b.ty.is_unknown() {
            return TExpr::new(K::Bool(false), Ty::Bool, line);
        }
        let tcmp = |op: CmpOp| match op {
            CmpOp::Eq | CmpOp::Is => TCmp::Eq,
            CmpOp::Ne | CmpOp::IsNot => TCmp::Ne,
            CmpOp::Lt => TCmp::Lt,
            CmpOp::Le => TCmp::Le,
            CmpOp::Gt => TCmp::Gt,
            _ => TCmp::Ge,
        };
        if matches!(op, CmpOp::In | CmpOp::NotIn) {
            let r = self.contains(b, a, span);
            return if op == CmpOp::NotIn {
                TExpr::new(K::Unary(TUn::Not, Box::new(r)), Ty::Bool, line)
            } else {
                r
            };
        }
        if let Ty::Struct(_) = a.ty {
            let (name, negate) = match op {
                CmpOp::Ne if !self.has_method(&a.ty, "__ne__") => ("__eq__", true),
                _ => (op.dunder().unwrap_or("__eq__"), false),
            };
            let r = self
                .dunder_call(a, name, vec![b], span)
                .unwrap_or_else(|| self.unknown(line));
            return if negate {
                TExpr::new(K::Unary(TUn::Not, Box::new(r)), Ty::Bool, line)
            } else {
                r
            };
        }
        match (&a.ty, &b.ty) {
            (Ty::Str, Ty::Str) => {
                let c = self.extern_call("mj_str_cmp", vec![a, b], Ty::INT, line);
                return TExpr::new(
                    K::Cmp(tcmp(op), Box::new(c), Box::new(self.int(0, line))),
                    Ty::Bool,
                    line,
                );
            }
            (Ty::Bool, Ty::Bool)
                if matches!(op, CmpOp::Eq | CmpOp::Ne | CmpOp::Is | CmpOp::IsNot) =>
            {
                return TExpr::new(K::Cmp(tcmp(op), Box::new(a), Box::new(b)), Ty::Bool, line);
            }
            (Ty::Unit, Ty::Unit) => {
                return TExpr::new(K::Bool(matches!(op, CmpOp::Eq | CmpOp::Is)), Ty::Bool, line);
            }
            _ => {}
        }
        if !a.ty.is_numeric() || !b.ty.is_numeric() {
            let msg = format!(
                "cannot compare `{}` with `{}`",
                self.ty_name(&a.ty),
                self.ty_name(&b.ty)
            );
            self.error(Diag::error(E_OPERATOR, msg, span));
            return TExpr::new(K::Bool(false), Ty::Bool, line);
        }
        let (a, b) = self.unify_numeric(a, b, span);
        TExpr::new(K::Cmp(tcmp(op), Box::new(a), Box::new(b)), Ty::Bool, line)
    }

    pub fn has_method(&self, t: &Ty, name: &str) -> bool {
        match t {
            Ty::Struct(s) => self.cx.structs[*s as usize].methods.contains_key(name),
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
        let Ty::Struct(s) = recv.ty else { return None };
        let Some(id) = self.cx.structs[s as usize].methods.get(name).copied() else {
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
        let sig = self.cx.funcs[id.0 as usize].sig.clone();
        if sig.params.len() != args.len() + 1 {
            let msg = format!(
                "`{name}` takes {} arguments, found {}",
                sig.params.len() - 1,
                args.len()
            );
            self.error(Diag::error(E_ARITY, msg, span));
            return None;
        }
        let mut targs = vec![self.self_arg(recv, &sig)];
        for (p, a) in sig.params[1..].iter().zip(args) {
            let a = self.coerce(a, &p.ty, span);
            targs.push(TArg::Value(a));
        }
        if sig.raises {
            self.check_may_raise(&format!("`{name}`"), span);
        }
        let line = self.line(span);
        Some(TExpr::new(
            K::Call(Callee::Fn(id), targs),
            sig.ret.clone(),
            line,
        ))
    }

    /// Passes the receiver of a method by value or by address, as its convention says.
    pub fn self_arg(&mut self, recv: TExpr, sig: &Sig) -> TArg {
        match sig.params.first().map(|p| p.conv) {
            Some(Conv::Mut) | Some(Conv::Out) => TArg::Ref(self.as_place(recv)),
            _ => TArg::Value(recv),
        }
    }

    /// Makes a value addressable: places stay, temporaries are stored in a fresh local.
    pub fn as_place(&mut self, v: TExpr) -> TExpr {
        if is_place(&v) {
            return v;
        }
        let line = v.line;
        let ty = v.ty.clone();
        let (st, tmp) = self.temp(v);
        TExpr::new(K::Seq(vec![st], Box::new(tmp)), ty, line)
    }

    pub fn extern_call_expr(&self, f: &str, args: Vec<TExpr>, ret: Ty, line: u32) -> TExpr {
        TExpr::new(
            K::Call(
                Callee::Extern(f.into()),
                args.into_iter().map(TArg::Value).collect(),
            ),
            ret,
            line,
        )
    }

    pub fn extern_call(&mut self, f: &str, args: Vec<TExpr>, ret: Ty, line: u32) -> TExpr {
        self.extern_call_expr(f, args, ret, line)
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
        for a in args {
            match &a.name {
                None => {
                    if positional < params.len() {
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
        if positional > params.len() {
            let msg = format!(
                "`{fname}` takes {} argument(s), but {positional} were given",
                params.len()
            );
            self.error(Diag::error(E_ARITY, msg, span));
        }
        let mut out = Vec::new();
        for (p, slot) in params.iter().zip(slots) {
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
            let v = self.expr(e, Some(&p.ty));
            let v = self.coerce(v, &p.ty, e.span);
            match p.conv {
                Conv::Mut | Conv::Out => {
                    if !is_place(&v) && !v.ty.is_unknown() {
                        let msg = format!(
                            "argument `{}` is `mut`: pass a variable, not a temporary value",
                            p.name
                        );
                        self.error(Diag::error(super::E_ASSIGN, msg, e.span));
                    }
                    out.push(TArg::Ref(v));
                }
                _ => out.push(TArg::Value(v)),
            }
        }
        out
    }

    fn call(&mut self, func: &Expr, args: &[Arg], span: Span, expected: Option<&Ty>) -> TExpr {
        let line = self.line(span);
        match &func.kind {
            ExprKind::Name(n)
                if n == "Self"
                    && self.owner.is_some()
                    && !self.cx.modules[self.m].scope.contains_key(n) =>
            {
                let s = self.owner.unwrap_or_default();
                self.construct(s, args, span)
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
            ExprKind::Attr { base, name } => {
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
                        Some(Item::Struct(s)) => return self.static_call(s, name, args, span),
                        _ => {}
                    }
                }
                // `mod.Type.staticmethod(...)`
                if let ExprKind::Attr { base: mb, name: tn } = &base.kind
                    && self.module_base(mb).is_some()
                    && let Some(Item::Module(t)) = self.cx.module_path(self.m, mb)
                    && let Some(Item::Struct(s)) = self.cx.modules[t].scope.get(&tn.name).cloned()
                {
                    return self.static_call(s, name, args, span);
                }
                if let ExprKind::Name(b) = &base.kind
                    && b == "Self"
                    && let Some(s) = self.owner
                {
                    return self.static_call(s, name, args, span);
                }
                let recv = self.expr(base, None);
                self.method_call(recv, name, args, span)
            }
            ExprKind::Index { base, args: targs } => {
                // `List[Int](...)`, `Dict[String, Int]()`
                let ty =
                    super::items::resolve_type(self.cx, self.m, func, self.owner, &mut self.diags);
                let _ = (base, targs);
                super::builtins::construct_builtin(self, ty, args, span)
            }
            _ => {
                let f = self.expr(func, None);
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
            Item::Struct(s) => self.construct(s, args, span),
            Item::Builtin(m, name) => {
                super::builtins::call_module_builtin(self, m, &name, args, span, expected)
                    .unwrap_or_else(|| self.unknown(line))
            }
            Item::Const(_) | Item::Module(_) | Item::BuiltinModule(_) => {
                let msg = format!("`{n}` is not callable");
                self.error(Diag::error(E_NOT_CALLABLE, msg, span));
                self.unknown(line)
            }
        }
    }

    pub fn call_fn(&mut self, id: FnId, n: &str, args: &[Arg], span: Span) -> TExpr {
        let line = self.line(span);
        let sig = self.cx.funcs[id.0 as usize].sig.clone();
        let targs = self.check_args(n, &sig, 0, args, span);
        if sig.raises {
            self.check_may_raise(&format!("call to `{n}`"), span);
        }
        TExpr::new(K::Call(Callee::Fn(id), targs), sig.ret, line)
    }

    fn static_call(&mut self, s: u32, name: &ast::Ident, args: &[Arg], span: Span) -> TExpr {
        let line = self.line(span);
        match self.cx.structs[s as usize].methods.get(&name.name).copied() {
            Some(id) if !self.cx.funcs[id.0 as usize].sig.has_self => {
                self.call_fn(id, &name.name, args, span)
            }
            Some(id) => {
                // `Type.method(obj, ...)`: an unbound method call with explicit self.
                let sig = self.cx.funcs[id.0 as usize].sig.clone();
                let targs = self.check_args(&name.name, &sig, 0, args, span);
                if sig.raises {
                    self.check_may_raise(&format!("call to `{}`", name.name), span);
                }
                TExpr::new(K::Call(Callee::Fn(id), targs), sig.ret, line)
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

    pub fn construct(&mut self, s: u32, args: &[Arg], span: Span) -> TExpr {
        let line = self.line(span);
        let sname = self.cx.struct_names[s as usize].clone();
        let Some(id) = self.cx.structs[s as usize].methods.get("__init__").copied() else {
            self.error(
                Diag::error(E_NOT_CALLABLE, format!("`{sname}` has no `__init__`"), span)
                    .with_hint("add `def __init__(out self, ...)` or decorate the struct with `@fieldwise_init`"),
            );
            return self.unknown(line);
        };
        let sig = self.cx.funcs[id.0 as usize].sig.clone();
        if sig.params.first().map(|p| p.conv) != Some(Conv::Out) {
            self.error(
                Diag::error(E_MISMATCH, "`__init__` must take `out self`", span)
                    .with_hint("write `def __init__(out self, ...)`"),
            );
            return self.unknown(line);
        }
        let targs = self.check_args(&sname, &sig, 1, args, span);
        if sig.raises {
            self.check_may_raise(&format!("`{sname}(...)`"), span);
        }
        TExpr::new(K::Construct(id, targs), Ty::Struct(s), line)
    }

    fn method_call(&mut self, recv: TExpr, name: &ast::Ident, args: &[Arg], span: Span) -> TExpr {
        let line = self.line(span);
        match recv.ty.clone() {
            Ty::Struct(s) => {
                let Some(id) = self.cx.structs[s as usize].methods.get(&name.name).copied() else {
                    if name.name == "copy" && args.is_empty() {
                        // Structs are values: the default copy is a field-wise copy.
                        return recv;
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
                let sig = self.cx.funcs[id.0 as usize].sig.clone();
                if !sig.has_self {
                    return self.call_fn(id, &name.name, args, span);
                }
                if sig.params[0].conv == Conv::Mut && !is_place(&recv) {
                    // Calling a `mut self` method on a temporary is allowed; it mutates the copy.
                }
                let recv_arg = self.self_arg(recv, &sig);
                let mut targs = vec![recv_arg];
                targs.extend(self.check_args(&name.name, &sig, 1, args, span));
                if sig.raises {
                    self.check_may_raise(&format!("call to `{}`", name.name), span);
                }
                TExpr::new(K::Call(Callee::Fn(id), targs), sig.ret, line)
            }
            Ty::Unknown => {
                for a in args {
                    self.expr(&a.value, None);
                }
                self.unknown(line)
            }
            _ => super::builtins::builtin_method(self, recv, name, args, span),
        }
    }

    fn list_literal(&mut self, items: &[Expr], want: Option<Ty>, span: Span, line: u32) -> TExpr {
        let mut vals = Vec::new();
        let mut elem = want.clone();
        for it in items {
            let v = self.expr(it, elem.as_ref());
            if elem.is_none() && !v.ty.is_unknown() {
                elem = Some(v.ty.clone());
            }
            vals.push((v, it.span));
        }
        // A list of ints and floats is a list of floats.
        if want.is_none() && vals.iter().any(|(v, _)| v.ty.is_float()) {
            elem = vals
                .iter()
                .find(|(v, _)| v.ty.is_float())
                .map(|(v, _)| v.ty.clone());
        }
        let elem = elem.unwrap_or(Ty::Unknown);
        if elem.is_unknown() && items.is_empty() && want.is_none() {
            self.error(
                Diag::error(
                    super::E_UNKNOWN_TYPE,
                    "cannot infer the element type of an empty list",
                    span,
                )
                .with_hint("write `List[Int]()` (or the element type you mean)"),
            );
        }
        let vals: Vec<TExpr> = vals
            .into_iter()
            .map(|(v, s)| self.coerce(v, &elem, s))
            .collect();
        self.build_list(elem, vals, line)
    }

    /// `tmp = mj_list_new(size, n); push each; tmp`
    pub fn build_list(&mut self, elem: Ty, vals: Vec<TExpr>, line: u32) -> TExpr {
        let lt = Ty::List(Box::new(elem.clone()));
        let size = TExpr::new(K::SizeOf(elem.clone()), Ty::INT, line);
        let n = self.int(vals.len() as i128, line);
        let new = self.extern_call("mj_list_new", vec![size, n], lt.clone(), line);
        let (s, list) = self.temp(new);
        let mut stmts = vec![s];
        for v in vals {
            stmts.push(TStmt::Expr(self.list_push(list.clone(), v)));
        }
        TExpr::new(K::Seq(stmts, Box::new(list)), lt, line)
    }

    /// `mj_list_push(list, &tmp)` with the value stored in a temporary first.
    pub fn list_push(&mut self, list: TExpr, v: TExpr) -> TExpr {
        let line = v.line;
        let (s, tmp) = self.temp(v);
        let addr = TExpr::new(K::AddrOf(Box::new(tmp)), Ty::Ptr(Box::new(Ty::Unit)), line);
        let call = self.extern_call("mj_list_push", vec![list, addr], Ty::Unit, line);
        TExpr::new(K::Seq(vec![s], Box::new(call)), Ty::Unit, line)
    }

    fn dict_literal(
        &mut self,
        pairs: &[(Expr, Expr)],
        wk: Option<Ty>,
        wv: Option<Ty>,
        span: Span,
        line: u32,
    ) -> TExpr {
        let mut kt = wk;
        let mut vt = wv;
        let mut vals = Vec::new();
        for (k, v) in pairs {
            let kv = self.expr(k, kt.as_ref());
            kt.get_or_insert(kv.ty.clone());
            let vv = self.expr(v, vt.as_ref());
            vt.get_or_insert(vv.ty.clone());
            vals.push((kv, k.span, vv, v.span));
        }
        let (Some(kt), Some(vt)) = (kt, vt) else {
            self.error(
                Diag::error(
                    super::E_UNKNOWN_TYPE,
                    "cannot infer the types of an empty dict",
                    span,
                )
                .with_hint("write `Dict[String, Int]()` (or the types you mean)"),
            );
            return self.unknown(line);
        };
        let dt = Ty::Dict(Box::new(kt.clone()), Box::new(vt.clone()));
        let d = super::builtins::new_dict(self, &dt, line);
        let (s, dict) = self.temp(d);
        let mut stmts = vec![s];
        for (k, ks, v, vs) in vals {
            let k = self.coerce(k, &kt, ks);
            let v = self.coerce(v, &vt, vs);
            stmts.push(TStmt::Expr(self.dict_set(dict.clone(), k, v, line)));
        }
        TExpr::new(K::Seq(stmts, Box::new(dict)), dt, line)
    }

    fn list_comp(
        &mut self,
        elt: &Expr,
        target: &Expr,
        iter: &Expr,
        cond: Option<&Expr>,
        span: Span,
    ) -> TExpr {
        let line = self.line(span);
        // Type the element once in a scratch scope to learn the list's element type.
        let it = self.expr(iter, None);
        let (s0, coll) = self.temp(it);
        let result_local = self.new_local("", Ty::Unknown, false);
        let mut stmts = vec![s0];
        let mut body = Vec::new();
        // We desugar by checking a synthetic loop: `for target in coll: if cond: result.append(elt)`.
        let mut inner = Vec::new();
        self.scopes.push(Default::default());
        let plan = super::builtins::iteration_plan(self, coll.clone(), iter.span);
        let Some(plan) = plan else {
            self.scopes.pop();
            return self.unknown(line);
        };
        let (s1, c2) = self.temp(plan.collection);
        stmts.push(s1);
        let (s2, idx) = self.temp(self.int(0, line));
        stmts.push(s2);
        let count = (plan.count)(self, c2.clone());
        let (s3, cur) = self.temp(idx.clone());
        inner.push(s3);
        let inc = TExpr::new(
            K::Binary(
                TBin::Add,
                Box::new(idx.clone()),
                Box::new(self.int(1, line)),
            ),
            Ty::INT,
            line,
        );
        inner.push(TStmt::Assign(idx.clone(), inc));
        if let Some(skip) = (plan.skip)(self, c2.clone(), cur.clone()) {
            inner.push(TStmt::If(skip, vec![TStmt::Continue], Vec::new()));
        }
        let elem = (plan.element)(self, c2, cur);
        self.assign_value(target, elem, iter.span, &mut inner);
        let v = self.expr(elt, None);
        let elem_ty = v.ty.clone();
        self.locals[result_local.0 as usize].ty = Ty::List(Box::new(elem_ty.clone()));
        let result = TExpr::new(
            K::Local(result_local),
            Ty::List(Box::new(elem_ty.clone())),
            line,
        );
        let push = self.list_push(result.clone(), v);
        match cond {
            Some(c) => {
                let c = self.cond(c);
                inner.push(TStmt::If(c, vec![TStmt::Expr(push)], Vec::new()));
            }
            None => inner.push(TStmt::Expr(push)),
        }
        self.scopes.pop();
        let empty = self.build_list(elem_ty.clone(), Vec::new(), line);
        stmts.push(TStmt::Assign(result.clone(), empty));
        let cond = TExpr::new(
            K::Cmp(TCmp::Lt, Box::new(idx), Box::new(count)),
            Ty::Bool,
            line,
        );
        body.push(TStmt::While {
            cond,
            body: inner,
            else_body: Vec::new(),
        });
        stmts.extend(body);
        let ty = result.ty.clone();
        TExpr::new(K::Seq(stmts, Box::new(result)), ty, line)
    }

    pub fn dict_set(&mut self, d: TExpr, k: TExpr, v: TExpr, line: u32) -> TExpr {
        let f = if k.ty == Ty::Str {
            "mj_dict_set_str"
        } else {
            "mj_dict_set_int"
        };
        let k = if k.ty == Ty::Str {
            k
        } else {
            self.cast(k, Ty::INT)
        };
        let (s, tmp) = self.temp(v);
        let addr = TExpr::new(K::AddrOf(Box::new(tmp)), Ty::Ptr(Box::new(Ty::Unit)), line);
        let call = self.extern_call(f, vec![d, k, addr], Ty::Unit, line);
        TExpr::new(K::Seq(vec![s], Box::new(call)), Ty::Unit, line)
    }

    /// The address of `d[k]`'s value, or null.
    pub fn dict_lookup(&mut self, d: TExpr, k: TExpr, vt: &Ty, line: u32) -> TExpr {
        let f = if k.ty == Ty::Str {
            "mj_dict_get_str"
        } else {
            "mj_dict_get_int"
        };
        let k = if k.ty == Ty::Str {
            k
        } else {
            self.cast(k, Ty::INT)
        };
        self.extern_call(f, vec![d, k], Ty::Ptr(Box::new(vt.clone())), line)
    }

    pub fn is_null(&self, p: TExpr, line: u32) -> TExpr {
        let as_int = TExpr::new(K::Cast(Box::new(p)), Ty::INT, line);
        TExpr::new(
            K::Cmp(TCmp::Eq, Box::new(as_int), Box::new(self.int(0, line))),
            Ty::Bool,
            line,
        )
    }

    fn dict_get_or_raise(&mut self, d: TExpr, k: TExpr, vt: Ty, line: u32) -> TExpr {
        let key_text = match &k.ty {
            Ty::Str => self.extern_call("mj_str_repr", vec![k.clone()], Ty::Str, line),
            _ => {
                let i = self.cast(k.clone(), Ty::INT);
                self.extern_call("mj_str_from_int", vec![i], Ty::Str, line)
            }
        };
        let p = self.dict_lookup(d, k, &vt, line);
        let (s, ptr) = self.temp(p);
        let msg = self.extern_call(
            "mj_str_concat",
            vec![
                TExpr::new(K::Str("KeyError: ".into()), Ty::Str, line),
                key_text,
            ],
            Ty::Str,
            line,
        );
        let raise = TStmt::Raise(TExpr {
            ty: Ty::Error,
            ..msg
        });
        let check = TStmt::If(self.is_null(ptr.clone(), line), vec![raise], Vec::new());
        TExpr::new(
            K::Seq(
                vec![s, check],
                Box::new(TExpr::new(K::Deref(Box::new(ptr)), vt.clone(), line)),
            ),
            vt,
            line,
        )
    }

    /// `x in c`: membership in a List, String or Dict (or `__contains__` on a struct).
    fn contains(&mut self, coll: TExpr, item: TExpr, span: Span) -> TExpr {
        let line = self.line(span);
        let yes = |fx: &Self, r: TExpr| {
            TExpr::new(
                K::Cmp(TCmp::Ne, Box::new(r), Box::new(fx.int(0, line))),
                Ty::Bool,
                line,
            )
        };
        match coll.ty.clone() {
            Ty::Str => {
                let item = self.coerce(item, &Ty::Str, span);
                let r = self.extern_call("mj_str_contains", vec![coll, item], Ty::INT, line);
                yes(self, r)
            }
            Ty::List(t) => {
                let f = match &*t {
                    Ty::Str => "mj_list_find_str",
                    Ty::Float { bits: 64 } => "mj_list_find_f64",
                    Ty::Int { bits: 64, .. } => "mj_list_find_int",
                    _ => {
                        return self.contains_loop(coll, item, &t, span);
                    }
                };
                let item = self.coerce(item, &t, span);
                let r = self.extern_call(f, vec![coll, item], Ty::INT, line);
                TExpr::new(
                    K::Cmp(TCmp::Ge, Box::new(r), Box::new(self.int(0, line))),
                    Ty::Bool,
                    line,
                )
            }
            Ty::Dict(k, vt) => {
                let item = self.coerce(item, &k, span);
                let p = self.dict_lookup(coll, item, &vt, line);
                let n = self.is_null(p, line);
                TExpr::new(K::Unary(TUn::Not, Box::new(n)), Ty::Bool, line)
            }
            Ty::Struct(_) => self
                .dunder_call(coll, "__contains__", vec![item], span)
                .unwrap_or_else(|| self.unknown(line)),
            t => {
                let msg = format!("`in` is not supported for `{}`", self.ty_name(&t));
                self.error(Diag::error(E_OPERATOR, msg, span));
                self.unknown(line)
            }
        }
    }

    /// Membership by a loop with `==` for element types the runtime does not search.
    fn contains_loop(&mut self, coll: TExpr, item: TExpr, t: &Ty, span: Span) -> TExpr {
        let line = self.line(span);
        let item = self.coerce(item, t, span);
        let (s0, c) = self.temp(coll);
        let (s1, it) = self.temp(item);
        let (s2, found) = self.temp(TExpr::new(K::Bool(false), Ty::Bool, line));
        let (s3, i) = self.temp(self.int(0, line));
        let len = TExpr::new(K::Len(Box::new(c.clone())), Ty::INT, line);
        let cond = TExpr::new(
            K::Cmp(TCmp::Lt, Box::new(i.clone()), Box::new(len)),
            Ty::Bool,
            line,
        );
        let elem = TExpr::new(
            K::ListElem(Box::new(c), Box::new(i.clone())),
            t.clone(),
            line,
        );
        let eq = self.compare(CmpOp::Eq, elem, it, span);
        let inc = TExpr::new(
            K::Binary(TBin::Add, Box::new(i.clone()), Box::new(self.int(1, line))),
            Ty::INT,
            line,
        );
        let body = vec![
            TStmt::If(
                eq,
                vec![
                    TStmt::Assign(found.clone(), TExpr::new(K::Bool(true), Ty::Bool, line)),
                    TStmt::Break,
                ],
                Vec::new(),
            ),
            TStmt::Assign(i, inc),
        ];
        let w = TStmt::While {
            cond,
            body,
            else_body: Vec::new(),
        };
        TExpr::new(
            K::Seq(vec![s0, s1, s2, s3, w], Box::new(found)),
            Ty::Bool,
            line,
        )
    }
}

pub fn const_expr(v: ConstVal, line: u32) -> TExpr {
    match v {
        ConstVal::Int(i, t) => TExpr::new(K::Int(i), t, line),
        ConstVal::Float(f, t) => TExpr::new(K::Float(f), t, line),
        ConstVal::Bool(b) => TExpr::new(K::Bool(b), Ty::Bool, line),
        ConstVal::Str(s) => TExpr::new(K::Str(s), Ty::Str, line),
    }
}

/// Whether an expression denotes a storage location.
pub fn is_place(e: &TExpr) -> bool {
    match &e.kind {
        K::Local(_) | K::ListElem(..) | K::Deref(_) => true,
        K::Field(b, _) => is_place(b),
        K::Seq(_, v) => is_place(v),
        _ => false,
    }
}
