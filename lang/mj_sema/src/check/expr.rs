//! Expressions: names, literals, operators, indexing and implicit conversions. Calls live
//! in `calls.rs`; collection literals, comprehensions and `in` in `collections.rs`.

use mj_syntax::ast::{self, Arg, BinOp, CmpOp, Expr, ExprKind, UnOp};
use mj_syntax::{Diag, Span};

use super::body::FnCx;
use super::{ConstVal, E_MISMATCH, E_NO_MEMBER, E_NOT_INDEXABLE, E_OPERATOR, E_UNDEFINED, Item};
use crate::rt::Rt;
use crate::suggest::did_you_mean;
use crate::tir::{Callee, TArg, TBin, TCmp, TExpr, TExprKind as K, TUn};
use crate::ty::Ty;

impl FnCx<'_> {
    pub fn expr(&mut self, e: &Expr, expected: Option<&Ty>) -> TExpr {
        let t = self.expr_kind(e, expected);
        self.expr_types.push((e.span, t.ty.clone()));
        t
    }

    fn expr_kind(&mut self, e: &Expr, expected: Option<&Ty>) -> TExpr {
        let line = self.line(e.span);
        match &e.kind {
            ExprKind::Int(v) => {
                let v = i128::try_from(*v).unwrap_or(i128::MAX);
                match expected {
                    Some(t @ Ty::Float { .. }) => TExpr::new(K::Float(v as f64), t.clone(), line),
                    // (A sized integer takes a literal up to its unsigned range as a bit
                    // pattern: `SIMD[DType.int64, 2](0xEFCDAB8967452301, ...)`.)
                    Some(t @ Ty::Int { .. }) if v <= u64::MAX as i128 => {
                        TExpr::new(K::Int(v), t.clone(), line)
                    }
                    _ => {
                        // (`-9223372036854775808` is handled with its minus, in `unary`.)
                        if v > i64::MAX as i128 {
                            self.error(
                                Diag::error(
                                    super::E_MISMATCH,
                                    format!("integer literal {v} does not fit in `Int`"),
                                    e.span,
                                )
                                .with_hint("`Int` holds -9223372036854775808 to 9223372036854775807; use `UInt64` for larger values"),
                            );
                        }
                        let t = match expected {
                            Some(t @ Ty::Int { .. }) => t.clone(),
                            _ => Ty::INT,
                        };
                        TExpr::new(K::Int(v), t, line)
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
            ExprKind::Name(n) => {
                // A compile-time list constant where the library's `List` is expected is
                // built as that list, like a literal written there.
                if let Some(t) = expected.filter(|t| self.is_library_list(t))
                    && self.lookup_local(n).is_none()
                    && let Some(lit) = self.const_list_literal(n, e.span)
                {
                    return self.expr(&lit, Some(t));
                }
                self.name(n, e.span, line)
            }
            ExprKind::Attr { base, name }
                if name.name == "mut" && self.origin_of_arg(base).is_some() =>
            {
                self.origin_mut(base, line)
            }
            // `Self.Ts.length` of a type pack: a constant.
            ExprKind::Attr { base, name }
                if matches!(name.name.as_str(), "length" | "size")
                    && super::items::pack_type(base, &self.tscope()).is_some() =>
            {
                match self.type_value(e) {
                    Some(v) => self.const_value(v, line),
                    None => self.unknown(line),
                }
            }
            ExprKind::Attr { base, name } => self.attr(base, name, e.span, line),
            ExprKind::Call { func, args } => self.call(func, args, e.span, expected),
            ExprKind::Index { base, args } => self.index(base, args, e.span, line),
            ExprKind::Unary { op, expr } => self.unary(*op, expr, e.span, expected),
            ExprKind::Binary { op, lhs, rhs } => self.binary(*op, lhs, rhs, e.span, expected),
            // `type_of(x) == List[Int]`, `T == Float64`: types compared at compile time.
            ExprKind::Compare { first, rest }
                if rest.len() == 1
                    && matches!(rest[0].0, CmpOp::Eq | CmpOp::Ne)
                    && let Some(same) = self.types_compared(first, &rest[0].1) =>
            {
                TExpr::new(K::Bool(same == (rest[0].0 == CmpOp::Eq)), Ty::Bool, line)
            }
            ExprKind::Compare { first, rest } => {
                // `[] < xs`, `{} == s`: an empty literal on the left takes the right side's
                // type (evaluated first, once).
                let mut pre = None;
                let mut lhs = match rest.first() {
                    Some((op, r))
                        if is_empty_collection(first)
                            && !is_empty_collection(r)
                            && !matches!(op, CmpOp::In | CmpOp::NotIn) =>
                    {
                        let rv = self.expr(r, None);
                        let lv = match rv.ty {
                            Ty::Struct(..) => self.expr(first, Some(&rv.ty)),
                            _ => self.expr(first, None),
                        };
                        pre = Some(rv);
                        lv
                    }
                    _ => self.expr(first, None),
                };
                let mut result: Option<TExpr> = None;
                let mut stmts = Vec::new();
                for (i, (op, r)) in rest.iter().enumerate() {
                    let hint = if lhs.ty.is_numeric() && !matches!(op, CmpOp::In | CmpOp::NotIn) {
                        Some(lhs.ty.clone())
                    } else if !matches!(op, CmpOp::In | CmpOp::NotIn | CmpOp::Is | CmpOp::IsNot)
                        && matches!(
                            r.kind,
                            ExprKind::List(_)
                                | ExprKind::ListComp { .. }
                                | ExprKind::Dict(_)
                                | ExprKind::Set(_)
                        )
                        && matches!(lhs.ty, Ty::Struct(..))
                    {
                        // `xs == [1, 2]`, `s == {}`: the literal is of the left side's type
                        // (a `List`, a `Set`, a `Dict`, or what converts from a literal).
                        Some(lhs.ty.clone())
                    } else {
                        super::builtins::simd_types::lanes(&lhs.ty).map(|(e, _)| e)
                    };
                    let mut rhs = match pre.take() {
                        Some(v) => v,
                        None => self.expr(r, hint.as_ref()),
                    };
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
                // A handle that is a new reference on one branch and borrowed on the other
                // (`s[1:] if c else s`): the borrowed one takes a reference too, so the
                // result is always the consumer's to release.
                let (a, b) = {
                    use crate::handles::{Own, ownership};
                    match (ownership(&a), ownership(&b)) {
                        (Own::Owned, Own::Borrowed) if crate::handles::is_handle(&ty) => {
                            let b = self.retained(b);
                            (a, b)
                        }
                        (Own::Borrowed, Own::Owned) if crate::handles::is_handle(&ty) => {
                            (self.retained(a), b)
                        }
                        _ => (a, b),
                    }
                };
                TExpr::new(K::IfExp(Box::new(c), Box::new(a), Box::new(b)), ty, line)
            }
            ExprKind::List(items) => {
                // (Checked once, at the outermost literal that is too deep.)
                let limit = crate::ty::MAX_TYPE_DEPTH;
                if super::collections::literal_depth(e, limit) > limit {
                    self.error(super::collections::too_deep_type(e.span));
                    return self.unknown(line);
                }
                let want = match expected {
                    Some(t @ Ty::Struct(..)) if self.is_library_list(t) => {
                        return self.library_list_literal(items, t.clone(), e.span);
                    }
                    // `var q: Deque[Int] = [1, 2]`, `var v: SIMD[DType.uint8, 4] = [1, 2,
                    // 3, 4]`: the elements are the arguments of a constructor that takes
                    // them one by one (variadic), as Mojo's list-literal constructors do.
                    Some(t) if self.takes_elements(t) => {
                        let args: Vec<mj_syntax::ast::Arg> = items
                            .iter()
                            .map(|i| mj_syntax::ast::Arg {
                                name: None,
                                value: i.clone(),
                                span: i.span,
                            })
                            .collect();
                        return match t {
                            Ty::Struct(..) => self.construct_ty(t.clone(), &args, e.span),
                            _ => self.construct_typed(t.clone(), &args, e.span),
                        };
                    }
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
                    .map(|(i, w)| {
                        let v = self.expr(i, w.as_ref());
                        // A tuple owns its elements.
                        self.check_stored(&v, i.span);
                        v
                    })
                    .collect();
                let ty = Ty::Tuple(vals.iter().map(|v| v.ty.clone()).collect());
                TExpr::new(K::Aggregate(vals), ty, line)
            }
            // `{}` where a `Set` (or another non-dict struct, a SIMD vector, a number) is
            // expected: the value its constructor without arguments makes (`Optional`'s
            // empty one, a zero vector), as Mojo's empty initializer list.
            ExprKind::Dict(pairs)
                if pairs.is_empty()
                    && (matches!(expected, Some(Ty::Struct(s, _))
                    if Some(*s) != crate::lang_items::lang_struct(
                        self.cx,
                        crate::lang_items::LangItem::Dict,
                    )) || matches!(
                        expected,
                        Some(Ty::Vector(..) | Ty::Int { .. } | Ty::Float { .. } | Ty::Bool)
                    )) =>
            {
                let t = expected.cloned().unwrap_or(Ty::Unknown);
                self.construct_ty(t, &[], e.span)
            }
            // `var t: Tuple[Int, String] = {}`: each element's default value.
            ExprKind::Dict(pairs) if pairs.is_empty() && matches!(expected, Some(Ty::Tuple(_))) => {
                let Some(Ty::Tuple(ts)) = expected.cloned() else {
                    return self.unknown(line);
                };
                let vals = ts
                    .iter()
                    .map(|t| self.construct_ty(t.clone(), &[], e.span))
                    .collect();
                TExpr::new(K::Aggregate(vals), Ty::Tuple(ts), line)
            }
            ExprKind::Dict(pairs) => {
                let lib =
                    crate::lang_items::lang_struct(self.cx, crate::lang_items::LangItem::Dict);
                let (wk, wv) = match expected {
                    Some(Ty::Struct(s, a)) if Some(*s) == lib && a.len() == 2 => {
                        match (&a[0], &a[1]) {
                            (crate::ty::CtArg::Type(k), crate::ty::CtArg::Type(v)) => {
                                (Some(k.clone()), Some(v.clone()))
                            }
                            _ => (None, None),
                        }
                    }
                    _ => (None, None),
                };
                self.dict_literal(pairs, wk, wv, e.span, line)
            }
            ExprKind::ListComp {
                elt,
                target,
                iter,
                cond,
                more,
            } => {
                let lib = expected.filter(|t| self.is_library_list(t)).cloned();
                let first = (&**target, &**iter, cond.as_deref());
                self.list_comp(elt, first, more, lib, e.span)
            }
            ExprKind::Transfer(inner) => self.transfer(inner, e.span, expected),
            ExprKind::Set(items) => self.set_literal(items, expected, e.span),
            ExprKind::DictComp {
                key,
                value,
                target,
                iter,
                cond,
                more,
            } => {
                let first = (&**target, &**iter, cond.as_deref());
                self.dict_comp(key, value, first, more, expected, e.span)
            }
            ExprKind::SetComp {
                elt,
                target,
                iter,
                cond,
                more,
            } => {
                let first = (&**target, &**iter, cond.as_deref());
                self.set_comp(elt, first, more, expected, e.span)
            }
            ExprKind::Lambda { .. } => self.unsupported("lambda expressions", e.span),
            ExprKind::InitList(args) => self.init_list(args, expected, e.span),
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
            self.note_access(l, true, span);
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
            return self.const_value(v, line);
        }
        if let Some(v) = self
            .owner
            .and_then(|s| self.cx.structs[s as usize].consts.get(n).cloned())
        {
            return self.const_value(v, line);
        }
        match self.cx.modules[self.m].scope.get(n).cloned() {
            Some(Item::Const(v)) => return self.const_value(v, line),
            Some(Item::Builtin(module, name)) => {
                if let Some(v) = super::builtins::builtin_constant(module, &name, line) {
                    return v;
                }
            }
            Some(Item::Func(id)) => return self.function_value(id, n, span),
            Some(_) => {
                self.error(
                    Diag::error(E_MISMATCH, format!("`{n}` is not a value"), span)
                        .with_hint("types can be called, not used as values"),
                );
                return self.unknown(line);
            }
            None => {}
        }
        self.undefined(n, span);
        self.unknown(line)
    }

    /// The dotted text of `base` when it is a chain of names whose head is not a local.
    pub(super) fn module_base(&self, base: &Expr) -> Option<String> {
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

    /// `Int.MAX`, `UInt8.MIN`, `Scalar[dt].MAX`, `Float64.MAX_FINITE`: the limits of a
    /// scalar type (a float's `MAX`/`MIN` are the infinities, as in Mojo).
    fn scalar_limit(&self, base: &Expr, name: &ast::Ident) -> Option<ConstVal> {
        if !matches!(
            name.name.as_str(),
            "MAX" | "MIN" | "MAX_FINITE" | "MIN_FINITE"
        ) {
            return None;
        }
        match &base.kind {
            ExprKind::Name(b) if self.lookup_local(b).is_none() => {}
            ExprKind::Index { .. } => {}
            _ => return None,
        }
        let mut diags = Vec::new();
        let t = super::items::resolve_type(self.cx, self.m, base, &self.tscope(), &mut diags);
        if !diags.is_empty() {
            return None;
        }
        match (&t, name.name.as_str()) {
            (Ty::Int { bits, signed }, n) => {
                let b = u32::from(*bits);
                let (lo, hi) = if *signed {
                    (-(1i128 << (b - 1)), (1i128 << (b - 1)) - 1)
                } else {
                    (0, (1i128 << b) - 1)
                };
                let v = if n.starts_with("MAX") { hi } else { lo };
                Some(ConstVal::Int(v, t.clone()))
            }
            (Ty::Float { bits }, n) => {
                let finite = match bits {
                    16 => 65504.0,
                    32 => f64::from(f32::MAX),
                    _ => f64::MAX,
                };
                let v = match n {
                    "MAX" => f64::INFINITY,
                    "MIN" => f64::NEG_INFINITY,
                    "MAX_FINITE" => finite,
                    _ => -finite,
                };
                Some(ConstVal::Float(v, t.clone()))
            }
            _ => None,
        }
    }

    fn attr(&mut self, base: &Expr, name: &ast::Ident, span: Span, line: u32) -> TExpr {
        // `v.dtype` of an automatically parameterized argument, `SIMD[dt, 4].size`.
        if let Some(v) = self.param_attr_static(base, name, span, line) {
            return v;
        }
        if let ExprKind::Name(b) = &base.kind
            && b == "DType"
            && self.lookup_local(b).is_none()
        {
            let e = Expr {
                kind: ExprKind::Attr {
                    base: Box::new(base.clone()),
                    name: name.clone(),
                },
                span,
            };
            return match super::builtins::simd_types::eval_dtype(self.cx, self.m, &e, &self.consts)
            {
                Ok(t) => const_expr(ConstVal::DType(t), line),
                Err(d) => {
                    self.error(d);
                    self.unknown(line)
                }
            };
        }
        if let Some(v) = self.scalar_limit(base, name) {
            return self.const_value(v, line);
        }
        // `String.ASCII_LETTERS`, `String.DIGITS`, ...: Mojo's character-class constants.
        if let ExprKind::Name(b) = &base.kind
            && b == "String"
            && self.lookup_local(b).is_none()
            && !self.cx.modules[self.m].scope.contains_key(b)
            && let Some(text) = string_constant(&name.name)
        {
            return TExpr::new(K::Str(text.to_string()), Ty::Str, line);
        }
        // `L.SIZE` / `Self.L.SIZE`: a compile-time member of the struct bound to a type
        // parameter (`params::type_param_members`).
        if !matches!(&base.kind, ExprKind::Name(b) if self.lookup_local(b).is_some())
            && let Some(d) = super::params::dotted_attr(base, &name.name)
            && let Some(v) = self.consts.get(&d).cloned()
        {
            return self.const_value(v, line);
        }
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
                    return self.const_value(v, line);
                }
                // `Self.n`: a parameter of the struct instance we are in.
                if b == "Self"
                    && (self.cx.structs[s as usize]
                        .params
                        .iter()
                        .any(|p| p.name == name.name)
                        || self.cx.structs[s as usize]
                            .late_consts
                            .iter()
                            .any(|(n, _)| *n == name.name))
                    && let Some(v) = self.consts.get(&name.name).cloned()
                {
                    return self.const_value(v, line);
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
                        Some(Item::Const(v)) => self.const_value(v, line),
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
        // The base of a field access is borrowed: a temporary struct dies with the statement.
        let b = self.hold_temp(b);
        match b.ty.clone() {
            Ty::Struct(s, _) => {
                let fields = &super::generics::fields_of(self.cx, &b.ty).unwrap_or_default();
                if let Some(i) = fields.iter().position(|(f, _)| *f == name.name) {
                    let ty = fields[i].1.clone();
                    return TExpr::new(K::Field(Box::new(b), i as u32), ty, line);
                }
                if let Some(v) = super::params::param_of_type(self.cx, &b.ty, &name.name) {
                    return self.const_value(v, line);
                }
                // Mojo's dynamic attributes: `v.x` on a struct without a field `x` calls
                // `v.__getattr__["x"]()` (a compile-time name) or `v.__getattr__("x")`, on
                // the receiver already checked.
                if let Some(&g) = self.cx.structs[s as usize].methods.get("__getattr__") {
                    let own = self.cx.structs[s as usize].params.len();
                    let takes_param = self.cx.funcs[g.0 as usize].generics.len() > own;
                    let at = name.span;
                    let arg = [ast::Arg {
                        name: None,
                        value: ast::Expr {
                            kind: ast::ExprKind::Str(name.name.clone()),
                            span: at,
                        },
                        span: at,
                    }];
                    let method = ast::Ident {
                        name: "__getattr__".into(),
                        span: at,
                    };
                    return if takes_param {
                        self.method_call_ex(base, b, &method, Some(&arg), &[], span)
                    } else {
                        self.method_call_ex(base, b, &method, None, &arg, span)
                    };
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
            Ty::Vector(_, n) | Ty::Array(_, n) if name.name == "size" => self.int(n.into(), line),
            Ty::Unknown => self.unknown(line),
            t if super::params::param_of_type(self.cx, &t, &name.name).is_some() => {
                let v = super::params::param_of_type(self.cx, &t, &name.name);
                self.const_value(v.unwrap_or(ConstVal::Bool(false)), line)
            }
            t => {
                let msg = format!("`{}` has no attribute `{}`", self.ty_name(&t), name.name);
                self.error(Diag::error(E_NO_MEMBER, msg, span));
                self.unknown(line)
            }
        }
    }

    /// Whether every subscript argument is a type (`v[String]`).
    pub(crate) fn all_types(&mut self, args: &[Arg]) -> bool {
        args.iter().all(|a| {
            let mut diags = Vec::new();
            let scope = self.tscope();
            let t = super::items::resolve_type(self.cx, self.m, &a.value, &scope, &mut diags);
            a.name.is_none() && diags.is_empty() && !t.is_unknown()
        })
    }

    fn index(&mut self, base: &Expr, args: &[Arg], span: Span, line: u32) -> TExpr {
        if self.lookup_local_expr(base).is_none()
            && let Some(al) = super::params::lookup_alias(self.cx, self.m, base, &self.consts)
        {
            return self.alias_expr(&al, args, span, line);
        }
        let b = self.expr(base, None);
        if let Ty::Struct(s, _) = &b.ty {
            // `v[T]` with a type: `v.__getitem_param__[T]()` (Mojo's `Variant`).
            if self.cx.structs[*s as usize]
                .methods
                .contains_key("__getitem_param__")
                && self.all_types(args)
            {
                let name = ast::Ident {
                    name: "__getitem_param__".into(),
                    span: base.span,
                };
                return self.method_call_ex(base, b, &name, Some(args), &[], span);
            }
        }
        if let Ty::Struct(..) = b.ty {
            if let [a] = args
                && a.name.is_none()
                && let ExprKind::Slice { lo, hi, step } = &a.value.kind
            {
                return self.struct_slice(b, [lo, hi, step], a.value.span, span);
            }
            if let [a] = args
                && a.name.is_none()
                && self.is_library_list(&b.ty)
            {
                return self.library_list_elem(b, &a.value);
            }
            return self.struct_method_call(b, "__getitem__", args, span, "cannot be indexed");
        }
        if matches!(
            b.ty,
            Ty::Vector(..) | Ty::RawPtr(..) | Ty::Array(..) | Ty::Span(_)
        ) {
            return self.memory_index(b, args, span);
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
                    // (A number the program reads: the file's line.)
                    TArg::Value(self.int(self.lines.absolute(line) as i128, line)),
                ];
                TExpr::new(K::Call(Callee::Runtime(Rt::StrAt), args), Ty::Str, line)
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
            // A scalar is a SIMD vector of one lane: `x[0]` is `x` (Mojo's `Scalar`).
            t @ (Ty::Int { .. } | Ty::Float { .. } | Ty::Bool) => {
                let i = self.expr(a, Some(&Ty::INT));
                let i = self.coerce(i, &Ty::INT, a.span);
                TExpr::new(
                    K::Seq(vec![crate::tir::TStmt::Expr(i)], Box::new(b)),
                    t,
                    line,
                )
            }
            Ty::Unknown => self.unknown(line),
            t => {
                let msg = format!("`{}` cannot be indexed", self.ty_name(&t));
                self.error(Diag::error(E_NOT_INDEXABLE, msg, span));
                self.unknown(line)
            }
        }
    }

    /// `obj[a:b:c]` on a struct: `obj.__getitem__(Slice(a, b, c))`, each missing part
    /// `None` (the `Slice` of the prelude; the overload keyed `SLICE_GETITEM`).
    fn struct_slice(
        &mut self,
        b: TExpr,
        parts: [&Option<Box<Expr>>; 3],
        sspan: Span,
        span: Span,
    ) -> TExpr {
        let line = self.line(span);
        let key = crate::lang_items::SLICE_GETITEM;
        let slice = crate::lang_items::lang_struct(self.cx, crate::lang_items::LangItem::Slice);
        let (Some(slice), true) = (slice, self.has_method(&b.ty, key)) else {
            if !b.ty.is_unknown() {
                let msg = format!("`{}` cannot be sliced", self.ty_name(&b.ty));
                self.error(Diag::error(E_NOT_INDEXABLE, msg, span).with_hint(
                    "define `def __getitem__(self, s: Slice) -> Self` to support `[a:b:c]`",
                ));
            }
            return self.unknown(line);
        };
        let args: Vec<Arg> = parts
            .iter()
            .map(|p| {
                let value = match p {
                    Some(e) => (**e).clone(),
                    None => Expr {
                        kind: ExprKind::None,
                        span: sspan,
                    },
                };
                Arg {
                    name: None,
                    span: value.span,
                    value,
                }
            })
            .collect();
        let sv = self.construct_ty(Ty::Struct(slice, Vec::new().into()), &args, sspan);
        let Some(call) = self.dunder_call(b, key, vec![sv], span) else {
            return self.unknown(line);
        };
        self.ref_result(call)
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
            Ty::Str => Callee::Runtime(Rt::StrSlice),
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
        TExpr::new(K::Call(f, args), ty, line)
    }

    fn unary(&mut self, op: UnOp, inner: &Expr, span: Span, expected: Option<&Ty>) -> TExpr {
        let line = self.line(span);
        match op {
            UnOp::Not => {
                let c = self.cond(inner);
                TExpr::new(K::Unary(TUn::Not, Box::new(c)), Ty::Bool, line)
            }
            UnOp::Neg
                if matches!(inner.kind, ExprKind::Int(v) if v == 1u128 << 63)
                    && !matches!(
                        expected,
                        Some(Ty::Int { signed: false, .. } | Ty::Float { .. })
                    ) =>
            {
                // `-9223372036854775808`: `Int.MIN` written out (its digits alone do not fit).
                let t = match expected {
                    Some(t @ Ty::Int { bits: 64, .. }) => t.clone(),
                    _ => Ty::INT,
                };
                TExpr::new(K::Int(i128::from(i64::MIN)), t, line)
            }
            UnOp::Neg | UnOp::Pos => {
                let v = self.expr(inner, expected.filter(|t| t.is_numeric()));
                if let Ty::Struct(..) = v.ty {
                    let name = if op == UnOp::Neg {
                        "__neg__"
                    } else {
                        "__pos__"
                    };
                    return self
                        .dunder_call(v, name, Vec::new(), span)
                        .unwrap_or_else(|| self.unknown(line));
                }
                if !v.ty.is_numeric() && !v.ty.is_unknown() && !matches!(v.ty, Ty::Vector(..)) {
                    let msg = format!("cannot negate a `{}`", self.ty_name(&v.ty));
                    self.error(Diag::error(E_OPERATOR, msg, span));
                    return self.unknown(line);
                }
                if op == UnOp::Pos {
                    return v;
                }
                if let Ty::Vector(..) = v.ty {
                    return self.simd_unary(true, v, span);
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
                if let Ty::Vector(..) = v.ty {
                    return self.simd_unary(false, v, span);
                }
                if let Ty::Struct(..) = v.ty {
                    return self
                        .dunder_call(v, "__invert__", Vec::new(), span)
                        .unwrap_or_else(|| self.unknown(line));
                }
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
        // Literal-only arithmetic is exact (`literal_fold.rs`), rounded once at the end.
        if let Some(f) = super::literal_fold::fold(op, lhs, rhs) {
            match (f, expected) {
                (super::literal_fold::Folded::Float(v), None) => {
                    return TExpr::new(K::Float(v), Ty::F64, line);
                }
                (super::literal_fold::Folded::Float(v), Some(t @ Ty::Float { .. })) => {
                    return TExpr::new(K::Float(v), t.clone(), line);
                }
                (super::literal_fold::Folded::Int(v), None) => {
                    return TExpr::new(K::Int(v), Ty::INT, line);
                }
                (super::literal_fold::Folded::Int(v), Some(t)) if *t == Ty::INT => {
                    return TExpr::new(K::Int(v), Ty::INT, line);
                }
                (super::literal_fold::Folded::TooBig(digits), None) => {
                    self.error(
                        Diag::error(
                            super::E_MISMATCH,
                            format!("this literal expression is {digits}, which does not fit in `Int`"),
                            span,
                        )
                        .with_hint("`Int` holds -9223372036854775808 to 9223372036854775807; only literal arithmetic is exact"),
                    );
                    return self.unknown(line);
                }
                _ => {}
            }
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
                super::builtins::simd_types::lanes(&b.ty).map(|(e, _)| e)
            };
            (self.expr(lhs, h.as_ref()), b)
        } else {
            let a = self.expr(lhs, hint);
            let h = if a.ty.is_float() || (a.ty.is_int() && op != BinOp::Pow) {
                Some(a.ty.clone())
            } else if matches!(a.ty, Ty::Struct(..)) && is_empty_collection(rhs) {
                // `s | {}`, `l + []`: an empty literal takes the struct's type.
                Some(a.ty.clone())
            } else {
                super::builtins::simd_types::lanes(&a.ty).map(|(e, _)| e)
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
        if let (Ty::Struct(..), false) = (&b.ty, matches!(a.ty, Ty::Struct(..)))
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
        if matches!(a.ty, Ty::Vector(..)) || matches!(b.ty, Ty::Vector(..)) {
            return self.simd_binary(op, a, b, span);
        }
        if matches!(a.ty, Ty::RawPtr(..)) || matches!(b.ty, Ty::RawPtr(..)) {
            return self.pointer_binary(op, a, b, span);
        }
        if let Ty::Struct(..) = a.ty {
            let name = op.dunder().unwrap_or("__add__");
            return self
                .dunder_call(a, name, vec![b], span)
                .unwrap_or_else(|| self.unknown(line));
        }
        match (&a.ty, &b.ty, op) {
            (Ty::Str, Ty::Str, BinOp::Add) => {
                return self.rt_call(Rt::StrConcat, vec![a, b], Ty::Str, line);
            }
            (Ty::Str, Ty::Int { .. }, BinOp::Mul) => {
                let b = self.coerce(b, &Ty::INT, span);
                return self.rt_call(Rt::StrRepeat, vec![a, b], Ty::Str, line);
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
        let (a, b) = if matches!(op, BinOp::Shl | BinOp::Shr) {
            let t = a.ty.clone();
            (a, self.coerce(b, &t, span))
        } else {
            self.unify_numeric(a, b, span)
        };
        let ty = a.ty.clone();
        if op == BinOp::Pow {
            return if ty.is_int() {
                // A sized integer computes in `Int` and wraps to its own width.
                let a64 = self.cast(a, Ty::INT);
                let b64 = self.cast(b, Ty::INT);
                let r = self.rt_call(Rt::PowInt, vec![a64, b64], Ty::INT, line);
                self.cast(r, ty)
            } else {
                TExpr::new(
                    K::Call(
                        Callee::Intrinsic(crate::tir::Intrinsic::Pow),
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
        // A literal (or a `comptime` value without a declared type) takes the other
        // side's type, as Mojo's `IntLiteral`/`FloatLiteral` do: `x < LIMIT` with
        // `x: Int32`.
        let literal = |e: &TExpr| matches!(e.kind, K::Int(_) | K::Float(_));
        if literal(&b) && !literal(&a) && (a.ty.is_float() || (a.ty.is_int() && b.ty.is_int())) {
            let t = a.ty.clone();
            return (a, self.cast(b, t));
        }
        if literal(&a) && !literal(&b) && (b.ty.is_float() || (b.ty.is_int() && a.ty.is_int())) {
            let t = b.ty.clone();
            return (self.cast(a, t), b);
        }
        if a.ty.is_float() && b.ty.is_int() {
            let t = a.ty.clone();
            return (a, self.cast(b, t));
        }
        if b.ty.is_float() && a.ty.is_int() {
            let t = b.ty.clone();
            return (self.cast(a, t), b);
        }
        // `UInt` and `Int` meet in `UInt`, through `UInt`'s implicit constructor from
        // `Int` (`thread_idx.x < size` with `size: Int`).
        if a.ty == Ty::UINT && b.ty == Ty::INT {
            return (a, self.cast(b, Ty::UINT));
        }
        if a.ty == Ty::INT && b.ty == Ty::UINT {
            return (self.cast(a, Ty::UINT), b);
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
    pub fn coerce(&mut self, mut v: TExpr, to: &Ty, span: Span) -> TExpr {
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
            // A pointer into shared (or any) memory where a generic pointer to the same
            // type is expected: address spaces are not part of the type here.
            (Ty::RawPtr(a, _), Ty::RawPtr(b, _)) if a == b => {
                return TExpr::new(K::Cast(Box::new(v)), to.clone(), self.line(span));
            }
            // `UInt` and `Int` convert implicitly into each other (both are indices:
            // `tensor[thread_idx.x]`, `UInt` parameters given an `Int`).
            (a, b) if (*a == Ty::UINT && *b == Ty::INT) || (*a == Ty::INT && *b == Ty::UINT) => {
                return self.cast(v, to.clone());
            }
            (Ty::Str, Ty::Error) => return TExpr { ty: Ty::Error, ..v },
            // A function that does not raise where a raising one is expected (`def()
            // raises`): the address of a trampoline that calls it and takes the error slot.
            (Ty::Func(ps, r, false), Ty::Func(qs, q, true)) if ps == qs && r == q => {
                if let K::FnAddr(crate::tir::Callee::Fn(id)) = v.kind
                    && let Some(t) = self.raising_trampoline(id, to, v.line)
                {
                    return t;
                }
            }
            // A List (or InlineArray) passed where a Span is expected is borrowed.
            (Ty::Array(a, _), Ty::Span(b)) if a == b => return self.span_of(v),
            (Ty::Struct(..), Ty::Span(b))
                if crate::lang_items::list_elem(self.cx, &v.ty).is_some_and(|a| a == **b) =>
            {
                return self.span_of(v);
            }
            // A scalar where a SIMD vector is expected is broadcast to every lane.
            (s, Ty::Vector(e, n))
                if super::builtins::simd_types::lanes(s).is_some_and(|(_, w)| w == 1) =>
            {
                let (e, n) = ((**e).clone(), *n);
                let v = self.coerce(v, &e, span);
                return self.splat(v, n);
            }
            // An `@implicit` constructor (`check/overloads.rs`).
            (_, Ty::Struct(..)) => match self.implicit_convert(v, to, span) {
                Ok(c) => return c,
                Err(back) => v = back,
            },
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
            Ty::Str => {
                let len = TExpr::new(K::Len(Box::new(v)), Ty::INT, line);
                TExpr::new(
                    K::Cmp(TCmp::Ne, Box::new(len), Box::new(self.int(0, line))),
                    Ty::Bool,
                    line,
                )
            }
            Ty::Struct(..) => self
                .dunder_call(v, "__bool__", Vec::new(), span)
                .unwrap_or_else(|| self.unknown(line)),
            // `if ptr:`: the pointer is not null (Mojo's `UnsafePointer.__bool__`).
            Ty::RawPtr(..) => {
                let null = TExpr::new(K::Null, v.ty.clone(), line);
                TExpr::new(
                    K::Cmp(TCmp::Ne, Box::new(v), Box::new(null)),
                    Ty::Bool,
                    line,
                )
            }
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
        if matches!(a.ty, Ty::Vector(..)) || matches!(b.ty, Ty::Vector(..)) {
            return self.simd_compare(op, a, b, span);
        }
        // Arrays are equal when their elements are (`std.collections.inline_array`).
        if matches!(a.ty, Ty::Array(..))
            && a.ty == b.ty
            && matches!(op, CmpOp::Eq | CmpOp::Ne)
            && let Some(r) = self.array_function("_array_eq", a.clone(), Some(b.clone()), span)
        {
            return if op == CmpOp::Ne {
                TExpr::new(K::Unary(TUn::Not, Box::new(r)), Ty::Bool, line)
            } else {
                r
            };
        }
        if let (Ty::RawPtr(..), Ty::RawPtr(..)) = (&a.ty, &b.ty) {
            return TExpr::new(K::Cmp(tcmp(op), Box::new(a), Box::new(b)), Ty::Bool, line);
        }
        if let Ty::Struct(..) = a.ty {
            // `x is None` / `x is not None` (Mojo's `__is__` / `__isnot__`).
            let is = match op {
                CmpOp::Is => Some("__is__"),
                CmpOp::IsNot => Some("__isnot__"),
                _ => None,
            };
            if let Some(is) = is.filter(|n| self.has_method(&a.ty, n)) {
                return self
                    .dunder_call(a, is, vec![b], span)
                    .unwrap_or_else(|| self.unknown(line));
            }
            if matches!(op, CmpOp::Eq | CmpOp::Ne)
                && !self.has_method(&a.ty, "__eq__")
                && a.ty == b.ty
                && self.declares_equatable(&a.ty)
            {
                return self.fieldwise_eq(op, a, b, span);
            }
            // Mojo's `Comparable` defaults: from `__lt__` alone, `a > b` is `b < a`,
            // `a <= b` is `not (b < a)` and `a >= b` is `not (a < b)`.
            if matches!(op, CmpOp::Gt | CmpOp::Le | CmpOp::Ge)
                && !self.has_method(&a.ty, op.dunder().unwrap_or("__eq__"))
                && self.has_method(&a.ty, "__lt__")
                && a.ty == b.ty
            {
                let mut st = Vec::new();
                let av = self.spill_to(a, &mut st);
                let bv = self.spill_to(b, &mut st);
                let (x, y) = if op == CmpOp::Ge { (av, bv) } else { (bv, av) };
                let lt = self
                    .dunder_call(x, "__lt__", vec![y], span)
                    .unwrap_or_else(|| self.unknown(line));
                let r = if op == CmpOp::Gt {
                    lt
                } else {
                    TExpr::new(K::Unary(TUn::Not, Box::new(lt)), Ty::Bool, line)
                };
                return TExpr::new(K::Seq(st, Box::new(r)), Ty::Bool, line);
            }
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
                let c = self.rt_call(Rt::StrCmp, vec![a, b], Ty::INT, line);
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
            // `False < True`, as Mojo's `Bool` is `Comparable`.
            (Ty::Bool, Ty::Bool) if matches!(op, CmpOp::Lt | CmpOp::Le | CmpOp::Gt | CmpOp::Ge) => {
                let (a, b) = (self.cast(a, Ty::INT), self.cast(b, Ty::INT));
                return TExpr::new(K::Cmp(tcmp(op), Box::new(a), Box::new(b)), Ty::Bool, line);
            }
            (Ty::Unit, Ty::Unit) => {
                return TExpr::new(K::Bool(matches!(op, CmpOp::Eq | CmpOp::Is)), Ty::Bool, line);
            }
            // Tuples are equal when their elements are, pairwise (Mojo's `Tuple.__eq__`).
            (Ty::Tuple(ts), Ty::Tuple(us))
                if ts.len() == us.len() && matches!(op, CmpOp::Eq | CmpOp::Ne) =>
            {
                let parts: Vec<(Ty, Ty)> = ts.iter().cloned().zip(us.iter().cloned()).collect();
                return self.pairwise_eq(op, a, b, &parts, span);
            }
            // Tuples of different lengths are never equal; `<`, `<=`, `>`, `>=` compare
            // lexicographically, a prefix first (Mojo's and Python's tuple order).
            (Ty::Tuple(ts), Ty::Tuple(us)) if !matches!(op, CmpOp::Is | CmpOp::IsNot) => {
                let (ts, us) = (ts.clone(), us.clone());
                if matches!(op, CmpOp::Eq | CmpOp::Ne) {
                    return TExpr::new(K::Bool(op == CmpOp::Ne), Ty::Bool, line);
                }
                let mut stmts = Vec::new();
                let av = self.spill_to(a, &mut stmts);
                let bv = self.spill_to(b, &mut stmts);
                let n = ts.len().min(us.len());
                let by_len = match op {
                    CmpOp::Lt => ts.len() < us.len(),
                    CmpOp::Le => ts.len() <= us.len(),
                    CmpOp::Gt => ts.len() > us.len(),
                    _ => ts.len() >= us.len(),
                };
                let strict = if matches!(op, CmpOp::Lt | CmpOp::Le) {
                    CmpOp::Lt
                } else {
                    CmpOp::Gt
                };
                let mut r = TExpr::new(K::Bool(by_len), Ty::Bool, line);
                for i in (0..n).rev() {
                    let x = TExpr::new(
                        K::Field(Box::new(av.clone()), i as u32),
                        ts[i].clone(),
                        line,
                    );
                    let y = TExpr::new(
                        K::Field(Box::new(bv.clone()), i as u32),
                        us[i].clone(),
                        line,
                    );
                    let differ = self.compare(CmpOp::Ne, x.clone(), y.clone(), span);
                    let decided = self.compare(strict, x, y, span);
                    r = TExpr::new(
                        K::IfExp(Box::new(differ), Box::new(decided), Box::new(r)),
                        Ty::Bool,
                        line,
                    );
                }
                return TExpr::new(K::Seq(stmts, Box::new(r)), Ty::Bool, line);
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
}

impl FnCx<'_> {
    /// Whether a list literal where a `t` is expected builds a `t` from its elements: a
    /// SIMD vector, an `InlineArray`, or a struct with a variadic constructor.
    fn takes_elements(&self, t: &Ty) -> bool {
        match t {
            Ty::Vector(..) | Ty::Array(..) => true,
            Ty::Struct(s, _) => self.init_overloads(*s).iter().any(|id| {
                self.cx.funcs[id.0 as usize]
                    .sig
                    .params
                    .iter()
                    .any(|p| p.variadic)
            }),
            _ => false,
        }
    }

    /// Whether struct type `t` declares `Equatable` (directly or through a trait).
    fn declares_equatable(&self, t: &Ty) -> bool {
        let Ty::Struct(s, _) = t else {
            return false;
        };
        let eq = super::TraitRef::Builtin("Equatable");
        self.cx.structs[*s as usize]
            .traits
            .iter()
            .any(|d| super::generics::implies(self.cx, d, &eq))
    }

    /// Mojo's default `__eq__` of a struct that declares `Equatable` without defining it:
    /// every field equal (through reflection in Mojo; field by field here).
    fn fieldwise_eq(&mut self, op: CmpOp, a: TExpr, b: TExpr, span: Span) -> TExpr {
        let fields = super::generics::fields_of(self.cx, &a.ty).unwrap_or_default();
        let parts: Vec<(Ty, Ty)> = fields.into_iter().map(|(_, t)| (t.clone(), t)).collect();
        self.pairwise_eq(op, a, b, &parts, span)
    }

    /// `a == b` (or `!=`) of two aggregates (tuples, structs) whose parts, of the types
    /// `parts`, are equal pairwise.
    fn pairwise_eq(
        &mut self,
        op: CmpOp,
        a: TExpr,
        b: TExpr,
        parts: &[(Ty, Ty)],
        span: Span,
    ) -> TExpr {
        let line = a.line;
        let mut stmts = Vec::new();
        let av = self.spill_to(a, &mut stmts);
        let bv = self.spill_to(b, &mut stmts);
        let mut all = TExpr::new(K::Bool(true), Ty::Bool, line);
        for (i, (t, u)) in parts.iter().enumerate() {
            let x = TExpr::new(K::Field(Box::new(av.clone()), i as u32), t.clone(), line);
            let y = TExpr::new(K::Field(Box::new(bv.clone()), i as u32), u.clone(), line);
            let c = self.compare(CmpOp::Eq, x, y, span);
            all = TExpr::new(K::And(Box::new(all), Box::new(c)), Ty::Bool, line);
        }
        if op == CmpOp::Ne {
            all = TExpr::new(K::Unary(TUn::Not, Box::new(all)), Ty::Bool, line);
        }
        TExpr::new(K::Seq(stmts, Box::new(all)), Ty::Bool, line)
    }

    /// The literal of the compile-time list constant `n`, if `n` names one.
    fn const_list_literal(&mut self, n: &str, span: Span) -> Option<Expr> {
        let v = match self.consts.get(n).cloned() {
            Some(v) => v,
            None => match self.cx.modules[self.m].scope.get(n).cloned() {
                Some(Item::Const(v)) => v,
                _ => return None,
            },
        };
        let v = match super::comptime::force(self.cx, &v, None, &self.consts) {
            super::comptime::Forced::Value(c) => c,
            super::comptime::Forced::Failed(_) => return None,
            super::comptime::Forced::NotApplicable => v,
        };
        match v {
            ConstVal::List(..) => super::comptime::to_literal(&v, span),
            _ => None,
        }
    }

    /// The value of a compile-time constant at a use site. A struct-valued constant
    /// (`comptime RED = Color(0)`) is its expression, checked where it is used.
    pub fn const_value(&mut self, v: ConstVal, line: u32) -> TExpr {
        match super::comptime::force(self.cx, &v, None, &self.consts) {
            super::comptime::Forced::Value(c) => return self.const_value(c, line),
            super::comptime::Forced::Failed(d) => {
                // Reported with this body, so that its unknown type is not reported too.
                self.diags.extend(d);
                return self.unknown(line);
            }
            super::comptime::Forced::NotApplicable => {}
        }
        match v {
            // A compile-time function parameter used as a value (`_Test(f, name)` in
            // `def test[f: def() raises](...)`): the function's address.
            ConstVal::Func(id) => {
                let span = self.span_of_line(line);
                let name = self.cx.funcs[id.0 as usize].def.name.name.clone();
                self.function_value(id, &name, span)
            }
            ConstVal::List(..) | ConstVal::Tuple(..) => {
                // Built at each use, like a literal written there.
                let span = self.span_of_line(line);
                match super::comptime::to_literal(&v, span) {
                    Some(e) => {
                        let list = crate::lang_items::lang_struct(
                            self.cx,
                            crate::lang_items::LangItem::List,
                        );
                        self.expr(&e, Some(&super::comptime::const_type(&v, list)))
                    }
                    None => self.unknown(line),
                }
            }
            ConstVal::Expr(m, e) => {
                let saved = self.m;
                self.m = m;
                let v = self.expr(&e, None);
                self.m = saved;
                v
            }
            // A compile-time integer is exact; as a run-time `Int` it must fit.
            ConstVal::Int(i, ref t) if *t == Ty::INT && i64::try_from(i).is_err() => {
                let span = self.span_of_line(line);
                self.error(
                    Diag::error(
                        super::E_MISMATCH,
                        format!("the compile-time value {i} does not fit in `Int`"),
                        span,
                    )
                    .with_hint("`Int` holds -9223372036854775808 to 9223372036854775807"),
                );
                self.unknown(line)
            }
            v => const_expr(v, line),
        }
    }
}

pub fn const_expr(v: ConstVal, line: u32) -> TExpr {
    match v {
        ConstVal::Int(i, t) => TExpr::new(K::Int(i), t, line),
        ConstVal::Float(f, t) => TExpr::new(K::Float(f), t, line),
        ConstVal::Bool(b) => TExpr::new(K::Bool(b), Ty::Bool, line),
        ConstVal::Str(s) => TExpr::new(K::Str(s), Ty::Str, line),
        // Only templates have parameters, and templates are not checked as bodies.
        ConstVal::Param(..)
        | ConstVal::Expr(..)
        | ConstVal::Func(_)
        | ConstVal::List(..)
        | ConstVal::Tuple(..)
        | ConstVal::Alias(_) => TExpr::new(K::Unit, Ty::Unknown, line),
        // A type used as a value has already been reported by the caller; keep its name.
        ConstVal::Type(t) => TExpr::new(K::Str(format!("{t:?}")), Ty::Str, line),
        // At run time a `DType` is its name, which is also how Mojo prints it.
        ConstVal::DType(t) => {
            let name = crate::ty::dtype_name(&t).replace("DType.", "");
            TExpr::new(K::Str(name), Ty::Str, line)
        }
    }
}

/// Whether an expression denotes a storage location.
/// `{}` or `[]`: a literal whose type only its context can give.
pub(crate) fn is_empty_collection(e: &Expr) -> bool {
    matches!(&e.kind, ExprKind::Dict(p) if p.is_empty())
        || matches!(&e.kind, ExprKind::List(p) if p.is_empty())
}

pub fn is_place(e: &TExpr) -> bool {
    match &e.kind {
        K::Local(_) | K::Deref(_) => true,
        K::Field(b, _) => is_place(b),
        K::Seq(_, v) => is_place(v),
        _ => false,
    }
}

impl FnCx<'_> {
    /// A module-level function used as a value (`var f: def(Int) -> Int = square`): its
    /// address, called later through `Callee::Indirect`.
    pub fn function_value(&mut self, id: crate::tir::FnId, n: &str, span: Span) -> TExpr {
        let line = self.line(span);
        let f = &self.cx.funcs[id.0 as usize];
        // A raising function is a value too (`def() raises`), when it raises `Error`.
        let plain = f.generics.is_empty()
            && f.sig.raises_ty.is_none()
            && !f.sig.has_self
            && f.sig
                .params
                .iter()
                .all(|p| matches!(p.conv, super::Conv::Read | super::Conv::Owned) && !p.variadic);
        if !plain {
            self.error(
                Diag::error(
                    E_MISMATCH,
                    format!("`{n}` cannot be used as a function value"),
                    span,
                )
                .with_hint(
                    "a function value is a plain `def` without compile-time parameters, typed `raises`, or `mut`/`out` arguments",
                ),
            );
            return self.unknown(line);
        }
        let ty = Ty::Func(
            f.sig.params.iter().map(|p| p.ty.clone()).collect(),
            Box::new(f.sig.ret.clone()),
            f.sig.raises,
        );
        TExpr::new(K::FnAddr(crate::tir::Callee::Fn(id)), ty, line)
    }

    /// A call through a function value.
    pub fn call_value(&mut self, fv: TExpr, args: &[mj_syntax::ast::Arg], span: Span) -> TExpr {
        let line = self.line(span);
        let Ty::Func(params, ret, raises) = fv.ty.clone() else {
            return self.unknown(line);
        };
        if args.len() != params.len() || args.iter().any(|a| a.name.is_some()) {
            let msg = format!(
                "a `{}` takes {} positional argument(s), found {}",
                self.ty_name(&fv.ty),
                params.len(),
                args.len()
            );
            self.error(Diag::error(super::E_ARITY, msg, span));
            return self.unknown(line);
        }
        let mut targs = vec![crate::tir::TArg::Value(fv)];
        for (p, a) in params.iter().zip(args) {
            let v = self.expr(&a.value, Some(p));
            let v = self.coerce(v, p, a.value.span);
            targs.push(crate::tir::TArg::Value(v));
        }
        if raises {
            self.check_may_raise("a call of a raising function value", span);
        }
        TExpr::new(
            K::Call(crate::tir::Callee::Indirect(raises), targs),
            *ret,
            line,
        )
    }
}

/// The character classes Mojo's `String` names as constants.
fn string_constant(name: &str) -> Option<&'static str> {
    const LOWER: &str = "abcdefghijklmnopqrstuvwxyz";
    const UPPER: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    const PUNCT: &str = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
    Some(match name {
        "ASCII_LOWERCASE" => LOWER,
        "ASCII_UPPERCASE" => UPPER,
        "ASCII_LETTERS" => "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "DIGITS" => "0123456789",
        "HEX_DIGITS" => "0123456789abcdefABCDEF",
        "OCT_DIGITS" => "01234567",
        "PUNCTUATION" => PUNCT,
        "PRINTABLE" => {
            "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ \t\n\r\x0b\x0c"
        }
        _ => return None,
    })
}

/// Whether `e` can name a type: `T`, `List[Int]`, `Self.T`, `type_of(x)`.
fn type_shaped(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Name(_) => true,
        ExprKind::Index { base, .. } | ExprKind::Attr { base, .. } => {
            matches!(base.kind, ExprKind::Name(_))
        }
        ExprKind::Call { func, args } => {
            args.len() == 1 && matches!(&func.kind, ExprKind::Name(n) if n == "type_of")
        }
        _ => false,
    }
}

impl FnCx<'_> {
    /// `a == b` of two types: whether they are the same type; `None` when either side is
    /// not a type.
    fn types_compared(&mut self, a: &Expr, b: &Expr) -> Option<bool> {
        if !type_shaped(a) || !type_shaped(b) {
            return None;
        }
        match (self.type_value(a)?, self.type_value(b)?) {
            (ConstVal::Type(x), ConstVal::Type(y)) => Some(x == y),
            _ => None,
        }
    }
}
