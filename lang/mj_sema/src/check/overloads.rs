//! Constructor, method and function overloads, and implicit conversions.
//!
//! A struct may declare several `__init__`s (Mojo's `Optional` has `__init__(out self)`,
//! `__init__(out self, var value: T)` and `__init__(out self, value: NoneType)`). The first
//! is the method `__init__`, the next ones `__init__#2`, `__init__#3`, ... A call picks the
//! overload whose parameters the arguments fit: first by count and keyword names, then, when
//! several remain, by the arguments' types (typed on the side, as call-site inference does).
//! Module-level functions overload the same way: the first `def` of a name holds the set
//! (`FuncData::overloads`), so imports and the prelude carry it with the name.
//!
//! An `@implicit` one-argument constructor converts its argument's type to the struct
//! wherever a value of the struct is expected (`var x: Optional[Int] = 5`, `= None`,
//! `return None`, arguments), as in Mojo.

use std::collections::HashMap;

use mj_syntax::Span;
use mj_syntax::ast::{Arg, ExprKind, ParamKind};

use super::Conv;
use super::body::FnCx;
use crate::tir::{FnId, TArg, TExpr, TExprKind as K};
use crate::ty::{CtArg, Ty};

/// The method key of the next method `name` declared in a struct: `name` for the first,
/// then `name#2`, `name#3`, ... (constructors, and methods overloaded by their arguments
/// such as `Dict.get(key)` / `Dict.get(key, default)`).
pub(crate) fn overload_key(methods: &HashMap<String, FnId>, name: &str) -> String {
    if !methods.contains_key(name) {
        return name.into();
    }
    (2..)
        .map(|k| format!("{name}#{k}"))
        .find(|k| !methods.contains_key(k))
        .unwrap_or_default()
}

impl FnCx<'_> {
    /// The constructors of struct `s`, in declaration order.
    pub(crate) fn init_overloads(&self, s: u32) -> Vec<FnId> {
        self.method_overloads(s, "__init__")
    }

    /// The overloads of method `name` of struct `s`, in declaration order.
    pub(crate) fn method_overloads(&self, s: u32, name: &str) -> Vec<FnId> {
        let methods = &self.cx.structs[s as usize].methods;
        let mut out: Vec<FnId> = methods.get(name).copied().into_iter().collect();
        for k in 2.. {
            match methods.get(&format!("{name}#{k}")) {
                Some(&id) => out.push(id),
                None => break,
            }
        }
        out
    }

    /// Picks the constructor of struct `s` that a call with `args` means. `prefix` holds
    /// the struct's compile-time arguments when they are written (`Optional[Int](...)`).
    pub(crate) fn pick_init(
        &mut self,
        s: u32,
        prefix: Option<&[CtArg]>,
        args: &[Arg],
    ) -> Option<FnId> {
        self.pick_overload(s, "__init__", prefix, args)
    }

    /// Picks the overload of method `name` (with `self` first) of struct `s` that a call
    /// with `args` means: by count and keyword names, then by the arguments' types.
    pub(crate) fn pick_overload(
        &mut self,
        s: u32,
        name: &str,
        prefix: Option<&[CtArg]>,
        args: &[Arg],
    ) -> Option<FnId> {
        let all = self.method_overloads(s, name);
        self.pick_among(all, prefix, args)
    }

    /// The overload of operator method `name` of struct instance `recv` that already
    /// typed arguments fit best (`opt == None` against `opt == 10`).
    pub(crate) fn pick_typed(&self, recv: &Ty, name: &str, args: &[TExpr]) -> Option<FnId> {
        let Ty::Struct(s, targs) = recv else {
            return None;
        };
        let all = self.method_overloads(*s, name);
        let same_arity: Vec<FnId> = all
            .iter()
            .copied()
            .filter(|id| self.cx.funcs[id.0 as usize].sig.params.len() == args.len() + 1)
            .collect();
        let typed: Vec<(Option<String>, TExpr)> = args.iter().map(|a| (None, a.clone())).collect();
        self.best_fit(&same_arity, &typed, Some(targs))
            .or(all.first().copied())
    }

    /// The overload of module-level function `id` (the first of its set) that a call with
    /// `args` means.
    pub(crate) fn pick_free(&mut self, id: FnId, args: &[Arg]) -> FnId {
        let all = self.cx.funcs[id.0 as usize].overloads.clone();
        self.pick_among(all, None, args).unwrap_or(id)
    }

    /// Picks among overloads `all`: by count and keyword names, then by the arguments'
    /// types.
    fn pick_among(
        &mut self,
        all: Vec<FnId>,
        prefix: Option<&[CtArg]>,
        args: &[Arg],
    ) -> Option<FnId> {
        if all.len() <= 1 {
            return all.first().copied();
        }
        let shaped: Vec<FnId> = all
            .iter()
            .copied()
            .filter(|&id| self.shape_fits(id, args))
            .collect();
        match shaped.len() {
            0 => return all.first().copied(),
            1 => return shaped.first().copied(),
            _ => {}
        }
        // Several overloads take this many arguments: type the arguments on the side
        // (diagnostics and flow effects discarded; the chosen call checks them again).
        let typed: Vec<(Option<String>, TExpr)> = self.on_the_side(|fx| {
            args.iter()
                .map(|a| {
                    (
                        a.name.as_ref().map(|n| n.name.clone()),
                        fx.expr(&a.value, None),
                    )
                })
                .collect()
        });
        self.best_fit(&shaped, &typed, prefix)
            .or(shaped.first().copied())
    }

    /// The candidate whose parameters the typed arguments (with their keyword names) fit
    /// best: every argument must fit, and the closest fits win (`fit`). `prefix` holds the
    /// owner's compile-time arguments.
    fn best_fit(
        &self,
        candidates: &[FnId],
        typed: &[(Option<String>, TExpr)],
        prefix: Option<&[CtArg]>,
    ) -> Option<FnId> {
        let mut best: Option<(u32, FnId)> = None;
        for &id in candidates {
            let sig = &self.cx.funcs[id.0 as usize].sig;
            let params = &sig.params[self.self_skip(id).min(sig.params.len())..];
            let mut score = 0;
            let mut pos = 0;
            let mut ok = true;
            let variadic = params.iter().position(|p| p.variadic);
            for (name, v) in typed {
                let p = match name {
                    Some(n) => params.iter().find(|p| &p.name == n),
                    None => {
                        pos += 1;
                        match variadic {
                            Some(vi) if pos > vi => params.get(vi),
                            _ => params.get(pos - 1),
                        }
                    }
                };
                let Some(p) = p else {
                    ok = false;
                    break;
                };
                let mut pty = match prefix {
                    Some(a) => p.ty.subst(a),
                    None => p.ty.clone(),
                };
                if p.variadic
                    && let Some(e) = crate::lang_items::list_elem(self.cx, &pty)
                {
                    // One element of `*values: T`.
                    pty = e;
                }
                match self.fit(v, &pty) {
                    0 => {
                        ok = false;
                        break;
                    }
                    n => score += n,
                }
            }
            if ok && best.is_none_or(|(b, _)| score > b) {
                best = Some((score, id));
            }
        }
        best.map(|(_, id)| id)
    }

    /// Whether `args` can bind to the parameters of constructor `id` by count and names.
    fn shape_fits(&self, id: FnId, args: &[Arg]) -> bool {
        let sig = &self.cx.funcs[id.0 as usize].sig;
        let params = &sig.params[self.self_skip(id).min(sig.params.len())..];
        let variadic = params.iter().position(|p| p.variadic);
        // Parameters after a bare `*` (or after `*args`) are keyword-only.
        let mut seen = 0usize;
        let mut kw_only = None;
        for a in &self.cx.funcs[id.0 as usize].def.args {
            match a.kind {
                ParamKind::Normal => seen += 1,
                ParamKind::VarArgs => {
                    seen += 1;
                    kw_only.get_or_insert(seen);
                }
                ParamKind::Separator if a.name.name == "*" => {
                    kw_only.get_or_insert(seen);
                }
                _ => {}
            }
        }
        let skip = self.self_skip(id);
        let kw_only = kw_only.map(|k| k.saturating_sub(skip));
        let mut bound = vec![false; params.len()];
        let mut pos = 0;
        for a in args {
            let i = match &a.name {
                Some(n) => match params.iter().position(|p| p.name == n.name) {
                    Some(i) => i,
                    None => return false,
                },
                None => {
                    pos += 1;
                    match variadic {
                        // Any number of extra positional arguments.
                        Some(v) if pos > v => {
                            bound[v] = true;
                            continue;
                        }
                        _ if kw_only.is_some_and(|k| pos > k) => return false,
                        _ => pos - 1,
                    }
                }
            };
            if i >= params.len() || bound[i] {
                return false;
            }
            bound[i] = true;
        }
        params
            .iter()
            .zip(bound)
            .all(|(p, b)| b || p.default.is_some() || p.variadic)
    }

    /// The parameters before the call's arguments: `self` of a method (of a constructor,
    /// `out self`), none of a module-level function.
    fn self_skip(&self, id: FnId) -> usize {
        let f = &self.cx.funcs[id.0 as usize];
        usize::from(f.owner.is_some() || crate::lang_items::is_string_method(self.cx, id))
    }

    /// How well a typed argument fits a parameter type: 0 not at all, 1 through a type
    /// parameter, 2 by an implicit conversion, 3 exactly.
    fn fit(&self, v: &TExpr, p: &Ty) -> u32 {
        if v.ty == *p {
            return 3;
        }
        if v.ty.is_unknown() || p.is_unknown() {
            return 1;
        }
        if p.has_param() {
            // A `Span[T]` takes what lends its elements (a list, an array, a span), and
            // better than a bare `T` would.
            if let Ty::Span(_) = p {
                let lends = matches!(v.ty, Ty::Array(..) | Ty::Span(_))
                    || crate::lang_items::list_elem(self.cx, &v.ty).is_some();
                return if lends { 2 } else { 0 };
            }
            // A template that the argument's type fills (`List[T]` for a `List[Int]`)
            // fits better than a bare `T`, which binds anything but `None` (an empty
            // `Optional(None)` has its own overload).
            if !matches!(p, Ty::Param(_)) && super::params::fits_template(p, &v.ty) {
                return 2;
            }
            return u32::from(v.ty != Ty::Unit);
        }
        let literal_int = matches!(v.kind, K::Int(_));
        let convertible = match (&v.ty, p) {
            (Ty::Int { .. }, Ty::Float { .. }) => true,
            (Ty::Int { .. }, Ty::Int { .. }) => literal_int,
            (Ty::Float { .. }, Ty::Float { .. }) => matches!(v.kind, K::Float(_)),
            (Ty::Str, Ty::Error) => true,
            (Ty::Array(a, _), Ty::Span(b)) => a == b,
            (l @ Ty::Struct(..), Ty::Span(b)) => {
                crate::lang_items::list_elem(self.cx, l).is_some_and(|a| a == **b)
            }
            (_, Ty::Struct(s, a)) => self.implicit_init(*s, a, v).is_some(),
            _ => false,
        };
        if convertible { 2 } else { 0 }
    }

    /// The `@implicit` constructor of struct instance `s[targs]` that takes `v` (of its
    /// type, or a literal of a type it converts to).
    fn implicit_init(&self, s: u32, targs: &[CtArg], v: &TExpr) -> Option<FnId> {
        self.init_overloads(s).into_iter().find(|&id| {
            let f = &self.cx.funcs[id.0 as usize];
            let implicit = f
                .def
                .decorators
                .iter()
                .any(|d| matches!(&d.expr.kind, ExprKind::Name(n) if n == "implicit"));
            implicit
                && match &f.sig.params[..] {
                    [_, p] => {
                        let pt = p.ty.subst(targs);
                        super::params::fits_template(&pt, &v.ty)
                            || matches!(
                                (&v.kind, &pt),
                                (K::Int(_), Ty::Int { .. } | Ty::Float { .. })
                                    | (K::Float(_), Ty::Float { .. })
                            )
                    }
                    _ => false,
                }
        })
    }

    /// Converts `v` to struct type `to` through an `@implicit` constructor, if one takes
    /// `v`'s type (`None` or `5` where an `Optional[Int]` is expected).
    pub(crate) fn implicit_convert(
        &mut self,
        v: TExpr,
        to: &Ty,
        span: Span,
    ) -> Result<TExpr, TExpr> {
        let Ty::Struct(s, targs) = to else {
            return Err(v);
        };
        let Some(id) = self.implicit_init(*s, targs, &v) else {
            return Err(v);
        };
        let tys = [v.ty.clone()];
        let Some((sig, ct)) = self.instantiate_typed(id, targs.to_vec(), &tys, span) else {
            return Err(v);
        };
        let line = v.line;
        let v = self.coerce(v, &sig.params[1].ty, span);
        let arg = match sig.params[1].conv {
            Conv::Owned => self.owned_value(v, span),
            _ => self.hold_temp(v),
        };
        let args = vec![TArg::Value(arg)];
        Ok(if ct.is_empty() {
            TExpr::new(K::Construct(id, args), to.clone(), line)
        } else {
            TExpr::new(K::ConstructInst(id, ct, args), to.clone(), line)
        })
    }
}
