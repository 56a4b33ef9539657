//! Compile-time reflection (`std.reflection`): `get_type_name[T]()`,
//! `struct_field_count[T]()`, `struct_field_names[T]()`, `struct_field_types[T]()`,
//! `get_function_name[f]()`, the `reflect[T]` handle (`.name()`, `.base_name()`,
//! `.field_count()`, `.field_names()`, `.field_types()`, `.field_offset[index=i]()`,
//! `.field_ref[i](value)`) and `__struct_field_ref(i, value)`.
//!
//! Generic bodies are checked per instance, so `T` is concrete here. The results are
//! compile-time constants: a name is a `String`, a count an `Int`, the names a list of
//! strings and the types a list of `ConstVal::Type`, indexed by a `comptime for`
//! variable. A field reference is the field access itself (`value.name`), so it reads and
//! assigns like one.

use mj_syntax::Diag;
use mj_syntax::ast::{Arg, Expr, ExprKind, Ident};

use super::body::FnCx;
use super::generics::fields_of;
use super::items::const_eval;
use super::{ConstVal, E_COMPTIME, Item};
use crate::tir::TExpr;
use crate::ty::Ty;

/// The names `std.reflection` exports.
pub(crate) const REFLECTION_NAMES: &[&str] = &[
    "get_type_name",
    "struct_field_count",
    "struct_field_names",
    "struct_field_types",
    "get_function_name",
    "get_linkage_name",
    "reflect",
    "source_location",
    "call_location",
];

/// The hidden argument through which a function that calls `call_location()` receives
/// its caller's location (a `SourceLocation`, defaulted at each call site).
pub(crate) const CALL_LOCATION_PARAM: &str = "__call_location";

/// The default value of that argument: the location of the call that fills it.
pub(crate) const CALL_SITE_MARKER: &str = "__call_site_location";

/// What of `d`'s body the item tree keeps: one `call_location()` call when the body makes
/// one (the signature depends on it), else nothing.
pub(crate) fn call_location_marker(d: &mj_syntax::ast::FnDef) -> Vec<mj_syntax::ast::Stmt> {
    let mut found = None;
    mj_syntax::visit::walk_exprs(&d.body, &mut |e| {
        if let ExprKind::Call { func, .. } = &e.kind
            && name_of(func) == Some("call_location")
        {
            found.get_or_insert_with(|| e.clone());
        }
    });
    found
        .map(|e| {
            vec![mj_syntax::ast::Stmt {
                span: e.span,
                kind: mj_syntax::ast::StmtKind::Expr(e),
            }]
        })
        .unwrap_or_default()
}

/// A cheap test of a callee's shape before `reflection_call` looks closer.
pub(crate) fn looks_reflective(func: &Expr) -> bool {
    match &func.kind {
        ExprKind::Name(n) => n == "__struct_field_ref",
        ExprKind::Index { base, .. } => match &base.kind {
            ExprKind::Name(n) => REFLECTION_NAMES.contains(&n.as_str()),
            ExprKind::Attr { base, .. } => looks_reflective(base),
            _ => false,
        },
        ExprKind::Attr { base, .. } => {
            matches!(&base.kind, ExprKind::Index { base, .. } if name_of(base) == Some("reflect"))
        }
        _ => false,
    }
}

fn name_of(e: &Expr) -> Option<&str> {
    match &e.kind {
        ExprKind::Name(n) => Some(n),
        _ => None,
    }
}

impl FnCx<'_> {
    /// Whether `n` means the reflection built-in here (not a local or a user item).
    fn is_reflection(&self, n: &str) -> bool {
        REFLECTION_NAMES.contains(&n)
            && self.lookup_local(n).is_none()
            && !self.consts.contains_key(n)
            && match self.cx.modules[self.m].scope.get(n) {
                None => n == "reflect",
                Some(Item::Builtin(m, _)) => *m == "reflection",
                _ => false,
            }
    }

    /// `reflect[T]` -> the reflected type.
    fn reflect_handle(&mut self, e: &Expr) -> Option<Ty> {
        let ExprKind::Index { base, args } = &e.kind else {
            return None;
        };
        if name_of(base).is_some_and(|n| n == "reflect" && self.is_reflection(n))
            && let [a] = args.as_slice()
        {
            return Some(self.type_arg(&a.value));
        }
        None
    }

    /// A type argument of a reflection call: a type, `type_of(x)`, or a compile-time
    /// element of `struct_field_types[T]()` (`types[idx]`).
    pub(crate) fn type_arg(&mut self, e: &Expr) -> Ty {
        if let Some(ConstVal::Type(t)) = self.const_index(e) {
            return t;
        }
        self.type_operand(e)
    }

    /// `name[i]` where `name` is a compile-time list and `i` a compile-time integer.
    pub(crate) fn const_index(&mut self, e: &Expr) -> Option<ConstVal> {
        let ExprKind::Index { base, args } = &e.kind else {
            return None;
        };
        let [a] = args.as_slice() else { return None };
        let list = match name_of(base) {
            Some(n) => self.consts.get(n).cloned(),
            None if matches!(base.kind, ExprKind::Call { .. }) => {
                self.reflect_const(base).and_then(Result::ok)
            }
            None => None,
        };
        let items = match list {
            Some(ConstVal::List(items, _) | ConstVal::Tuple(items)) => items,
            _ => return None,
        };
        let ConstVal::Int(i, _) = const_eval(self.cx, self.m, &a.value, &self.consts)? else {
            return None;
        };
        let i = if i < 0 { i + items.len() as i128 } else { i };
        items.get(usize::try_from(i).ok()?).cloned()
    }

    /// The value of a compile-time expression in a body: reflection queries, elements
    /// of compile-time lists of types, `conforms_to`, and whatever `const_eval` folds.
    pub(crate) fn comptime_value(&mut self, e: &Expr) -> Option<ConstVal> {
        if let Some(r) = self.reflect_const(e) {
            return r.ok();
        }
        if let Some(v) = self.const_index(e) {
            return Some(v);
        }
        if let Some(n) = self.pack_len(e) {
            return Some(ConstVal::Int(n as i128, Ty::INT));
        }
        if let Some(v) = self.type_value(e) {
            return Some(v);
        }
        // `x.length`, `x.dtype` of a run-time value: its type's compile-time parameters.
        if let ExprKind::Attr { base, name } = &e.kind
            && let ExprKind::Name(n) = &base.kind
            && let Some(l) = self.lookup_local(n)
        {
            let t = self.local_ty(l);
            if let Some(v) = super::params::param_of_type(self.cx, &t, &name.name) {
                return Some(v);
            }
        }
        // (Inside a larger expression, `x.length // 2`: such attributes as literals.)
        if let Some(inlined) = self.inline_type_params(e) {
            return self.comptime_value(&inlined);
        }
        if let Some(v) = const_eval(self.cx, self.m, e, &self.consts) {
            return Some(v);
        }
        if let ExprKind::Call { func, .. } = &e.kind
            && name_of(func) == Some("conforms_to")
        {
            return self.ct_cond(e).map(ConstVal::Bool);
        }
        None
    }

    /// `e` with each `x.length` / `x.size` of a local `x` of a SIMD or scalar type written
    /// as the number it is; `None` when `e` has none.
    pub(crate) fn inline_type_params(&self, e: &Expr) -> Option<Expr> {
        let mut found = false;
        let mut out = e.clone();
        fn walk(fx: &FnCx<'_>, e: &mut Expr, found: &mut bool) {
            if let ExprKind::Attr { base, name } = &e.kind
                && let ExprKind::Name(n) = &base.kind
                && let Some(l) = fx.lookup_local(n)
                && let Some(ConstVal::Int(v, _)) =
                    super::params::param_of_type(fx.cx, &fx.locals[l.0 as usize].ty, &name.name)
                && let Ok(v) = u128::try_from(v)
            {
                e.kind = ExprKind::Int(v);
                *found = true;
                return;
            }
            match &mut e.kind {
                ExprKind::Binary { lhs, rhs, .. } => {
                    walk(fx, lhs, found);
                    walk(fx, rhs, found);
                }
                ExprKind::Unary { expr, .. } => walk(fx, expr, found),
                ExprKind::Compare { first, rest } => {
                    walk(fx, first, found);
                    for (_, r) in rest {
                        walk(fx, r, found);
                    }
                }
                _ => {}
            }
        }
        walk(self, &mut out, &mut found);
        found.then_some(out)
    }

    /// A type as a compile-time value (`comptime if Self.Ts[i] == T:`), and the length of
    /// a type pack (`Self.Ts.length`, `Ts.size`).
    pub(crate) fn type_value(&mut self, e: &Expr) -> Option<ConstVal> {
        let scope = self.tscope();
        if let ExprKind::Attr { base, name } = &e.kind
            && matches!(name.name.as_str(), "length" | "size")
            && let Some(Ty::Tuple(ts)) = super::items::pack_type(base, &scope)
        {
            return Some(ConstVal::Int(ts.len() as i128, Ty::INT));
        }
        if let ExprKind::Call { func, args } = &e.kind
            && args.is_empty()
            && let ExprKind::Index {
                base: m,
                args: targs,
            } = &func.kind
            && let ExprKind::Attr { base, name } = &m.kind
            && name.name == "contains"
            && let [t] = targs.as_slice()
            && let Some(Ty::Tuple(ts)) = super::items::pack_type(base, &scope)
        {
            let want =
                super::items::resolve_type(self.cx, self.m, &t.value, &scope, &mut Vec::new());
            return Some(ConstVal::Bool(ts.contains(&want)));
        }
        // `type_of(x) == List[Int]`: the type of a run-time value.
        if let ExprKind::Call { func, args } = &e.kind
            && super::conform::is_name(func, "type_of")
            && self.lookup_local("type_of").is_none()
            && args.len() == 1
        {
            return Some(ConstVal::Type(self.type_operand(e)));
        }
        let shaped = match &e.kind {
            ExprKind::Name(n) => self.lookup_local(n).is_none(),
            ExprKind::Attr { base, .. } => matches!(&base.kind, ExprKind::Name(b) if b == "Self"),
            ExprKind::Index { base, .. } => {
                super::items::pack_type(base, &scope).is_some()
                    || matches!(&base.kind, ExprKind::Name(b) if self.lookup_local(b).is_none()
                        && !self.consts.contains_key(b))
            }
            _ => false,
        };
        if !shaped {
            return None;
        }
        let mut diags = Vec::new();
        let t = super::items::resolve_type(self.cx, self.m, e, &scope, &mut diags);
        (diags.is_empty() && !t.is_unknown()).then_some(ConstVal::Type(t))
    }

    /// `len(args)` / `args.__len__()` of a tuple-typed local (a variadic pack).
    fn pack_len(&mut self, e: &Expr) -> Option<usize> {
        let ExprKind::Call { func, args } = &e.kind else {
            return None;
        };
        let operand = match (&func.kind, args.as_slice()) {
            (ExprKind::Name(n), [a]) if n == "len" && self.lookup_local(n).is_none() => &a.value,
            (ExprKind::Attr { base, name }, []) if name.name == "__len__" => base,
            _ => return None,
        };
        let ExprKind::Name(v) = &operand.kind else {
            return None;
        };
        let l = self.lookup_local(v)?;
        match &self.locals[l.0 as usize].ty {
            Ty::Tuple(ts) => Some(ts.len()),
            _ => None,
        }
    }

    /// A reflection query as a compile-time value; `None` if `e` is not one, `Err` (after
    /// reporting) if it is one that does not apply.
    pub(crate) fn reflect_const(&mut self, e: &Expr) -> Option<Result<ConstVal, ()>> {
        let ExprKind::Call { func, args } = &e.kind else {
            return None;
        };
        if !args.is_empty() {
            return None;
        }
        match &func.kind {
            // `get_type_name[T]()`, `struct_field_count[T]()`, ...
            ExprKind::Index { base, args: ps } => {
                if let Some(n) = name_of(base)
                    && self.is_reflection(n)
                    && n != "reflect"
                {
                    let [p] = ps.as_slice() else {
                        let msg = format!("`{n}` takes one compile-time parameter");
                        self.error(Diag::error(E_COMPTIME, msg, func.span));
                        return Some(Err(()));
                    };
                    if n == "get_function_name" {
                        return Some(self.function_name(&p.value));
                    }
                    if n == "get_linkage_name" {
                        return Some(self.linkage_name(&p.value));
                    }
                    let t = self.type_arg(&p.value);
                    let q = match n {
                        "get_type_name" => "name",
                        "struct_field_count" => "field_count",
                        "struct_field_names" => "field_names",
                        _ => "field_types",
                    };
                    return Some(self.query(&t, q, e));
                }
                // `reflect[T].field_offset[index=i]()`
                if let ExprKind::Attr { base: h, name } = &base.kind
                    && name.name == "field_offset"
                    && let Some(t) = self.reflect_handle(h)
                {
                    return Some(self.field_offset(&t, ps, e));
                }
                // `reflect[T].field_index["x"]()`: the field's position.
                if let ExprKind::Attr { base: h, name } = &base.kind
                    && name.name == "field_index"
                    && let Some(t) = self.reflect_handle(h)
                    && let [p] = ps.as_slice()
                {
                    let fields = fields_of(self.cx, &t).unwrap_or_default();
                    let want = match const_eval(self.cx, self.m, &p.value, &self.consts) {
                        Some(ConstVal::Str(s)) => s,
                        _ => String::new(),
                    };
                    return Some(match fields.iter().position(|(n, _)| *n == want) {
                        Some(i) => Ok(ConstVal::Int(i as i128, Ty::INT)),
                        None => {
                            let msg = format!("`{}` has no field `{want}`", self.cx.ty_name(&t));
                            self.error(Diag::error(super::E_NO_MEMBER, msg, p.value.span));
                            Err(())
                        }
                    });
                }
                None
            }
            // `reflect[T].name()`, `.field_count()`, ...
            ExprKind::Attr { base, name } => {
                let t = self.reflect_handle(base)?;
                Some(self.query(&t, &name.name, e))
            }
            _ => None,
        }
    }

    fn query(&mut self, t: &Ty, q: &str, at: &Expr) -> Result<ConstVal, ()> {
        let fields = fields_of(self.cx, t).unwrap_or_default();
        Ok(match q {
            "name" => ConstVal::Str(reflected_name(self.cx, t)),
            "base_name" => {
                let n = reflected_name(self.cx, t);
                ConstVal::Str(n.split('[').next().unwrap_or_default().to_string())
            }
            "field_count" => ConstVal::Int(fields.len() as i128, Ty::INT),
            // Every type here is a struct in Mojo's sense (`Int` wraps a primitive too).
            "is_struct" => ConstVal::Bool(!t.is_unknown()),
            "field_names" => ConstVal::List(
                fields
                    .iter()
                    .map(|(n, _)| ConstVal::Str(n.clone()))
                    .collect(),
                Ty::Str,
            ),
            "field_types" => ConstVal::List(
                fields
                    .iter()
                    .map(|(_, t)| ConstVal::Type(t.clone()))
                    .collect(),
                Ty::Unknown,
            ),
            _ => {
                let msg = format!("`reflect` has no method `{q}`");
                self.error(Diag::error(super::E_NO_MEMBER, msg, at.span));
                return Err(());
            }
        })
    }

    fn function_name(&mut self, e: &Expr) -> Result<ConstVal, ()> {
        if let Some(n) = name_of(e)
            && let Some(Item::Func(_)) = self.cx.modules[self.m].scope.get(n)
        {
            return Ok(ConstVal::Str(n.to_string()));
        }
        // A compile-time function parameter (`get_function_name[f]()` in `def g[f: def()]`).
        if let Some(n) = name_of(e)
            && self.lookup_local(n).is_none()
            && let Some(ConstVal::Func(id)) = self.consts.get(n)
        {
            let name = self.cx.funcs[id.0 as usize].def.name.name.clone();
            return Ok(ConstVal::Str(name));
        }
        self.error(Diag::error(E_COMPTIME, "expected a function name", e.span));
        Err(())
    }

    /// `reflect[T].field["name"]`: the handle of a field, kept as the field's type (its
    /// `.T` is that type).
    pub(crate) fn reflect_field_handle(&mut self, e: &Expr) -> Option<Ty> {
        let ExprKind::Index { base, args } = &e.kind else {
            return None;
        };
        let ExprKind::Attr { base: h, name } = &base.kind else {
            return None;
        };
        if name.name != "field" {
            return None;
        }
        let t = self.reflect_handle(h)?;
        let [a] = args.as_slice() else {
            return None;
        };
        let fname = match const_eval(self.cx, self.m, &a.value, &self.consts) {
            Some(ConstVal::Str(s)) => s,
            _ => return None,
        };
        let fields = fields_of(self.cx, &t).unwrap_or_default();
        match fields.iter().find(|(n, _)| *n == fname) {
            Some((_, ft)) => Some(ft.clone()),
            None => {
                let msg = format!("`{}` has no field `{fname}`", self.cx.ty_name(&t));
                self.error(Diag::error(super::E_NO_MEMBER, msg, a.value.span));
                Some(Ty::Unknown)
            }
        }
    }

    /// `get_linkage_name[f]()`: the symbol the function is compiled to (its module-
    /// qualified name).
    fn linkage_name(&mut self, e: &Expr) -> Result<ConstVal, ()> {
        if let Some(n) = name_of(e)
            && let Some(Item::Func(id)) = self.cx.modules[self.m].scope.get(n)
        {
            return Ok(ConstVal::Str(self.cx.funcs[id.0 as usize].mangled.clone()));
        }
        self.error(Diag::error(E_COMPTIME, "expected a function name", e.span));
        Err(())
    }

    /// A `SourceLocation` (`std.reflection`) of `span` in the module being checked;
    /// `None` when that module is not loaded.
    pub(crate) fn location_value(&mut self, span: mj_syntax::Span) -> Option<TExpr> {
        let m = self
            .cx
            .modules
            .iter()
            .position(|md| md.input.name == "std.reflection")?;
        let Some(Item::Struct(s)) = self.cx.modules[m].scope.get("SourceLocation").cloned() else {
            return None;
        };
        let (line, col) = self.line_col(span);
        let path = self.cx.modules[self.m].input.path.clone();
        let lit = |k: ExprKind| Arg {
            name: None,
            value: Expr { kind: k, span },
            span,
        };
        let args = [
            lit(ExprKind::Int(u128::from(line))),
            lit(ExprKind::Int(u128::from(col))),
            lit(ExprKind::Str(path)),
        ];
        Some(self.construct(s, None, &args, span))
    }

    /// `source_location()` (here) and `call_location()` (where the function calling it
    /// was called: its hidden argument; in `main`, or a function called from nowhere
    /// known, the call itself).
    pub(crate) fn location_call(
        &mut self,
        name: &str,
        args: &[Arg],
        span: mj_syntax::Span,
    ) -> TExpr {
        let line = self.line(span);
        if !args.is_empty() {
            let msg = format!("`{name}` takes no arguments");
            self.error(Diag::error(super::E_ARITY, msg, span));
            return self.unknown(line);
        }
        if name == "call_location"
            && let Some(l) = self.lookup_local(CALL_LOCATION_PARAM)
        {
            let read = self.local_read(l, line);
            return self.copy_value(read, span);
        }
        match self.location_value(span) {
            Some(v) => v,
            None => {
                let msg = format!("`{name}` needs `from std.reflection import {name}`");
                self.error(Diag::error(super::E_UNDEFINED, msg, span));
                self.unknown(line)
            }
        }
    }

    /// `field_offset[index=i]()`: the byte offset of field `i` with C layout (each field
    /// aligned to its size, up to 8 bytes).
    fn field_offset(&mut self, t: &Ty, ps: &[Arg], at: &Expr) -> Result<ConstVal, ()> {
        let fields = fields_of(self.cx, t).unwrap_or_default();
        // `[index=i]` or `[name="x"]`.
        let idx = match ps {
            [p] => match const_eval(self.cx, self.m, &p.value, &self.consts) {
                Some(ConstVal::Int(i, _)) => usize::try_from(i).ok(),
                Some(ConstVal::Str(n)) => fields.iter().position(|(f, _)| *f == n),
                _ => None,
            },
            _ => None,
        };
        let Some(idx) = idx.filter(|i| *i < fields.len()) else {
            let msg = "`field_offset` needs a compile-time field index in range";
            self.error(Diag::error(E_COMPTIME, msg, at.span));
            return Err(());
        };
        let mut off = 0u64;
        for (k, (_, ft)) in fields.iter().enumerate() {
            let (size, align) = size_align(ft);
            off = off.div_ceil(align) * align;
            if k == idx {
                break;
            }
            off += size;
        }
        Ok(ConstVal::Int(i128::from(off), Ty::INT))
    }

    /// A reflection query in a run-time expression: its value as a constant.
    pub(crate) fn reflection_call(
        &mut self,
        func: &Expr,
        args: &[Arg],
        span: mj_syntax::Span,
    ) -> Option<TExpr> {
        let line = self.line(span);
        let call = Expr {
            kind: ExprKind::Call {
                func: Box::new(func.clone()),
                args: args.to_vec(),
            },
            span,
        };
        if let Some(field) = self.field_ref_expr(&call) {
            return Some(self.expr(&field, None));
        }
        match self.reflect_const(&call)? {
            Ok(v) => Some(self.const_value(v, line)),
            Err(()) => Some(self.unknown(line)),
        }
    }

    /// `reflect[T].field_ref[i](value)` or `__struct_field_ref(i, value)`: the field access
    /// `value.<name of field i>`.
    pub(crate) fn field_ref_expr(&mut self, e: &Expr) -> Option<Expr> {
        let ExprKind::Call { func, args } = &e.kind else {
            return None;
        };
        let (idx, value) = match (&func.kind, args.as_slice()) {
            (ExprKind::Name(n), [i, v])
                if n == "__struct_field_ref" && self.lookup_local(n).is_none() =>
            {
                (&i.value, &v.value)
            }
            (ExprKind::Index { base, args: ps }, [v]) => match (&base.kind, ps.as_slice()) {
                (ExprKind::Attr { base: h, name }, [i]) if name.name == "field_ref" => {
                    self.reflect_handle(h)?;
                    (&i.value, &v.value)
                }
                _ => return None,
            },
            _ => return None,
        };
        let vt = self.on_the_side(|fx| fx.expr(value, None)).ty;
        let fields = fields_of(self.cx, &vt).unwrap_or_default();
        let i = match const_eval(self.cx, self.m, idx, &self.consts) {
            Some(ConstVal::Int(i, _)) => usize::try_from(i).ok(),
            _ => None,
        };
        let Some((fname, _)) = i.and_then(|i| fields.get(i)) else {
            if !vt.is_unknown() {
                let msg = format!(
                    "no field with this index in `{}` (it has {} fields)",
                    self.cx.ty_name(&vt),
                    fields.len()
                );
                self.error(Diag::error(E_COMPTIME, msg, idx.span));
            }
            return Some(Expr {
                kind: ExprKind::Error,
                span: e.span,
            });
        };
        Some(Expr {
            kind: ExprKind::Attr {
                base: Box::new(value.clone()),
                name: Ident {
                    name: fname.clone(),
                    span: e.span,
                },
            },
            span: e.span,
        })
    }
}

/// Size and alignment of a field type, for `field_offset` (handles and pointers are one
/// machine word; a struct is laid out like C).
fn size_align(t: &Ty) -> (u64, u64) {
    match t {
        Ty::Bool => (1, 1),
        Ty::Int { bits, .. } | Ty::Float { bits } => {
            let b = u64::from(*bits / 8).max(1);
            (b, b)
        }
        Ty::Unit => (0, 1),
        _ => (8, 8),
    }
}

/// A type's name as Mojo 1.0's reflection spells it: a numeric scalar is the SIMD type it
/// is (`Int` is `SIMD[DType.int, 1]`, `Float64` `SIMD[DType.float64, 1]`), also inside the
/// parameters of a generic type; other names (`Bool`, `String`, structs) are as written.
fn reflected_name(cx: &super::Ctx, t: &Ty) -> String {
    let scalar = |t: &Ty| -> Option<String> {
        let dt = match t {
            t if *t == Ty::INT => "int".to_string(),
            t if *t == Ty::UINT => "uint".to_string(),
            Ty::Int { bits, signed } => format!("{}int{bits}", if *signed { "" } else { "u" }),
            Ty::Float { .. } => cx.ty_name(t).to_lowercase(),
            _ => return None,
        };
        Some(format!("SIMD[DType.{dt}, 1]"))
    };
    if let Some(n) = scalar(t) {
        return n;
    }
    let mut name = cx.ty_name(t);
    if let Ty::Struct(_, args) = t {
        for a in args.iter() {
            if let crate::ty::CtArg::Type(at) = a
                && let Some(n) = scalar(at)
            {
                name = name.replacen(&cx.ty_name(at), &n, 1);
            }
        }
    }
    name
}
