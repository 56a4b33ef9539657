//! Calls in the compile-time interpreter: user functions (arguments, conventions,
//! compile-time parameters, the depth limit), the dispatch to built-ins and methods, and
//! conversions to declared types.

use std::collections::HashMap;
use std::sync::Arc;

use mj_syntax::Diag;
use mj_syntax::Span;
use mj_syntax::ast::{Arg, Expr, ExprKind, FnDef, Module, StmtKind};

use super::super::generics::{self, TyScope};
use super::super::items::resolve_type;
use super::super::{ConstVal, Conv, E_COMPTIME, E_MISMATCH, GKind, Item, Sig};
use super::MAX_DEPTH;
use super::interp::{Frame, Interp, R, Stop, fail};
use super::value::{self, Val};
use crate::ty::{CtArg, Ty};

impl Interp<'_> {
    pub(super) fn call(&mut self, f: &mut Frame, e: &Expr, func: &Expr, args: &[Arg]) -> R<Val> {
        let m = f.m;
        match &func.kind {
            // A nested `def` of the body being checked (plain: no compile-time parameters).
            ExprKind::Name(n) if f.lookup(n).is_none() && self.env.nested.contains_key(n) => {
                let Some((def, sig, module)) = self.env.nested.get(n).cloned() else {
                    return fail(m, e.span, format!("`{n}`"), "");
                };
                self.run_call(f, e, n, module, &sig, HashMap::new(), args, &def)
            }
            ExprKind::Name(n) if f.lookup(n).is_none() => {
                match self.cx.modules[m].scope.get(n).cloned() {
                    Some(Item::Func(id)) => self.call_user(f, e, id.0, &[], args),
                    // The library's `List` is the interpreter's list value.
                    Some(Item::Struct(s)) if self.is_list_struct(s) => {
                        super::builtins::call_builtin(self, f, e, "List", None, args)
                    }
                    Some(Item::Struct(_)) => fail(
                        m,
                        e.span,
                        format!("constructing the struct `{n}`"),
                        "structs are not supported at compile time yet; use numbers, strings, lists or tuples",
                    ),
                    Some(Item::Builtin(module, name)) => {
                        let vals = self.positional(f, args)?;
                        super::builtins::module_fn(module, &name, &vals)
                            .unwrap_or_else(|| Err(format!("`{name}` from `std.{module}`")))
                            .or_else(|msg| fail(m, e.span, msg, ""))
                    }
                    _ => super::builtins::call_builtin(self, f, e, n, None, args),
                }
            }
            ExprKind::Index { base, args: params } => match &base.kind {
                ExprKind::Name(n) if f.lookup(n).is_none() => {
                    match self.cx.modules[m].scope.get(n).cloned() {
                        Some(Item::Func(id)) => self.call_user(f, e, id.0, params, args),
                        Some(Item::Struct(s)) if self.is_list_struct(s) => {
                            super::builtins::call_builtin(self, f, e, "List", Some(params), args)
                        }
                        Some(Item::Struct(_)) => fail(
                            m,
                            e.span,
                            format!("constructing the struct `{n}`"),
                            "structs are not supported at compile time yet",
                        ),
                        _ => super::builtins::call_builtin(self, f, e, n, Some(params), args),
                    }
                }
                _ => fail(m, e.span, "this call", ""),
            },
            ExprKind::Attr { base, name } => {
                if let Some(Item::Module(t)) = self.cx.module_path(m, base) {
                    return match self.cx.modules[t].scope.get(&name.name).cloned() {
                        Some(Item::Func(id)) => self.call_user(f, e, id.0, &[], args),
                        _ => fail(
                            m,
                            e.span,
                            format!("`{}`", name.name),
                            "only functions of a module can be called at compile time",
                        ),
                    };
                }
                if let Some(Item::BuiltinModule(bm)) = self.cx.module_path(m, base) {
                    let vals = self.positional(f, args)?;
                    return super::builtins::module_fn(bm, &name.name, &vals)
                        .unwrap_or_else(|| Err(format!("`{}` from `std.{bm}`", name.name)))
                        .or_else(|msg| fail(m, e.span, msg, ""));
                }
                let recv = self.eval(f, base)?;
                let mut vals = self.positional(f, args)?;
                // What goes into a list takes its element type (`xs.append(250)` on a
                // `List[UInt8]`), and never the list itself.
                if let Val::List(items, elem) = &recv {
                    let k = match (name.name.as_str(), vals.len()) {
                        ("append", 1) => Some(0),
                        ("insert", 2) => Some(1),
                        _ => None,
                    };
                    if let Some(k) = k {
                        let v = std::mem::replace(&mut vals[k], Val::Unit);
                        vals[k] = self.element(f, items, elem, v, e.span)?;
                    }
                    if name.name == "extend" && vals.len() == 1 {
                        let v = std::mem::replace(&mut vals[0], Val::Unit);
                        let want = super::value::list_type(self.list_struct(), elem.clone());
                        vals[0] = self.convert(m, v, &want, e.span)?;
                    }
                }
                let r = super::builtins::method(&recv, &name.name, vals)
                    .or_else(|msg| fail(m, e.span, msg, ""))?;
                self.check_len(f, &recv, e.span)?;
                Ok(r)
            }
            _ => fail(m, e.span, "this call", ""),
        }
    }

    /// Whether struct `s` is the library's `List` (the `List` lang item).
    pub(super) fn is_list_struct(&self, s: u32) -> bool {
        self.list_struct() == Some(s)
    }

    /// The library's `List` struct, when its module is loaded.
    pub(super) fn list_struct(&self) -> Option<u32> {
        crate::lang_items::lang_struct(self.cx, crate::lang_items::LangItem::List)
    }

    /// Positional arguments only (built-ins and methods).
    pub fn positional(&mut self, f: &mut Frame, args: &[Arg]) -> R<Vec<Val>> {
        args.iter()
            .map(|a| match &a.name {
                None => self.eval(f, &a.value),
                Some(k) => fail(
                    f.m,
                    a.span,
                    format!("the keyword argument `{}`", k.name),
                    "",
                ),
            })
            .collect()
    }

    /// Calls user function `id` with explicit compile-time arguments `params`.
    fn call_user(
        &mut self,
        f: &mut Frame,
        e: &Expr,
        id: u32,
        params: &[Arg],
        args: &[Arg],
    ) -> R<Val> {
        let cx = self.cx;
        let m = f.m;
        let fd = &cx.funcs[id as usize];
        let name = fd.def.name.name.clone();
        // `std.math`'s functions are written over the back end's intrinsics: at compile
        // time they compute by their Rust reference instead.
        if cx.modules[fd.module].input.name == "std.math" {
            let vals = self.positional(f, args)?;
            if let Some(r) = super::builtins::module_fn("math", &name, &vals) {
                return r.or_else(|msg| fail(m, e.span, msg, ""));
            }
        }
        // `std.bit` is written over the back end's bit intrinsics: at compile time it
        // computes by its reference, at the integer's own width (`Int32(255)` has 24
        // leading zeros).
        if cx.modules[fd.module].input.name == "std.bit" {
            let vals = self.positional(f, args)?;
            if let [Val::Int(v, t)] = vals.as_slice()
                && let Some(r) = super::builtins::bit_function(&name, *v, t)
            {
                return Ok(Val::Int(r, t.clone()));
            }
        }
        if fd.owner.is_some() || fd.trait_owner.is_some() {
            return fail(m, e.span, format!("the method `{name}`"), "");
        }
        // Compile-time parameters: value parameters only, given or defaulted.
        let mut targs = Vec::new();
        let mut pconsts = HashMap::new();
        for (i, gp) in fd.generics.iter().enumerate() {
            let GKind::Value(want) = &gp.kind else {
                return fail(
                    m,
                    e.span,
                    format!(
                        "the generic function `{name}` (type parameter `{}`)",
                        gp.name
                    ),
                    "only value parameters (`n: Int`) are supported at compile time",
                );
            };
            if gp.pack {
                // `total[1, 2, 3]()` of `def total[*values: Int]()`: the positional
                // arguments from here on, as a list.
                let mut items = Vec::new();
                for a in params.iter().skip(i).filter(|a| a.name.is_none()) {
                    let v = self.eval(f, &a.value)?;
                    let v = self.convert(m, v, want, e.span)?;
                    items.push(
                        v.to_const()
                            .ok_or(())
                            .or_else(|()| fail(m, e.span, "this compile-time argument", ""))?,
                    );
                }
                targs.push(CtArg::Pack(
                    items.iter().map(generics::const_to_ct).collect(),
                ));
                pconsts.insert(gp.name.clone(), ConstVal::List(items.into(), want.clone()));
                continue;
            }
            let given = params
                .iter()
                .find(|a| a.name.as_ref().is_some_and(|k| k.name == gp.name))
                .or_else(|| {
                    // Parameters after a variadic one are keyword-only.
                    let after_pack = fd.generics[..i].iter().any(|g| g.pack);
                    params.get(i).filter(|a| a.name.is_none() && !after_pack)
                });
            let v = match (given, &gp.default) {
                (Some(a), _) => self.eval(f, &a.value)?,
                (None, Some(d)) => {
                    let mut df = Frame::new(fd.module, pconsts.clone());
                    self.eval(&mut df, d)?
                }
                (None, None) => {
                    return fail(
                        m,
                        e.span,
                        format!("`{name}` without its parameter `{}`", gp.name),
                        "write the compile-time arguments explicitly: `f[3](x)`",
                    );
                }
            };
            let v = self.convert(m, v, want, e.span)?;
            let Some(c) = v.to_const() else {
                return fail(m, e.span, "this compile-time argument", "");
            };
            targs.push(generics::const_to_ct(&c));
            pconsts.insert(gp.name.clone(), c);
        }
        let sig = generics::subst_sig(&fd.sig, &targs);
        let tree = self.tree(fd.module)?;
        let def = locate(&tree, fd.loc).ok_or(()).or_else(|()| {
            fail(
                m,
                e.span,
                format!("`{name}` (its body is not available)"),
                "",
            )
        })?;
        self.run_call(f, e, &name, fd.module, &sig, pconsts, args, def)
    }

    /// Calls the function `def` (named `name`, written in `module`, with signature `sig`
    /// and compile-time values `pconsts`) with the caller's `args`: binds them, runs the
    /// body, copies `mut` arguments back and converts the result.
    #[allow(clippy::too_many_arguments)]
    fn run_call(
        &mut self,
        f: &mut Frame,
        e: &Expr,
        name: &str,
        module: usize,
        sig: &Sig,
        pconsts: HashMap<String, ConstVal>,
        args: &[Arg],
        def: &FnDef,
    ) -> R<Val> {
        let m = f.m;
        for p in &sig.params {
            if matches!(p.ty, Ty::RawPtr(..) | Ty::Ptr(_) | Ty::Span(_)) {
                return fail(
                    m,
                    e.span,
                    format!("`{name}` takes a pointer argument (`{}`)", p.name),
                    "memory does not exist at compile time; pass values instead",
                );
            }
            if p.conv == Conv::Out {
                return fail(m, e.span, format!("`{name}` has an `out` argument"), "");
            }
        }
        // Bind the arguments: positional, then keywords, then defaults.
        let mut vals: Vec<Option<Val>> = vec![None; sig.params.len()];
        let mut places: Vec<Option<&Expr>> = vec![None; sig.params.len()];
        let mut pos = 0;
        for a in args {
            let k = match &a.name {
                None => {
                    let k = pos;
                    pos += 1;
                    k
                }
                Some(kw) => match sig.params.iter().position(|p| p.name == kw.name) {
                    Some(k) => k,
                    None => {
                        return fail(m, a.span, format!("unknown argument `{}`", kw.name), "");
                    }
                },
            };
            if k >= vals.len() {
                return fail(m, a.span, format!("too many arguments for `{name}`"), "");
            }
            vals[k] = Some(self.eval(f, &a.value)?);
            places[k] = Some(&a.value);
        }
        let mut callee = Frame::new(module, pconsts);
        for (k, p) in sig.params.iter().enumerate() {
            let v = match vals[k].take() {
                Some(v) => v,
                None => match &p.default {
                    Some(d) => {
                        let mut df = Frame::new(module, callee.consts.clone());
                        self.eval(&mut df, d)?
                    }
                    None => {
                        return fail(m, e.span, format!("missing argument `{}`", p.name), "");
                    }
                },
            };
            let span = places[k].map_or(e.span, |x| x.span);
            let v = self.convert(m, v, &p.ty, span)?;
            callee.declare(&p.name, v);
        }
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            let (rm, rs) = self.root;
            let mut d = Diag::error(
                E_COMPTIME,
                format!("compile-time evaluation recursed deeper than {MAX_DEPTH} calls"),
                rs,
            )
            .with_hint(format!(
                "does `{name}` reach its base case? compute the value at run time instead"
            ));
            if m == rm {
                d = d.with_label(e.span, "too deep here");
            }
            return Err(Stop::Fail(rm, Box::new(d)));
        }
        let r = self.block(&mut callee, &def.body);
        self.depth -= 1;
        let result = match r {
            Ok(()) | Err(Stop::Break | Stop::Continue) => Val::Unit,
            Err(Stop::Return(v)) => v,
            Err(e) => return Err(e),
        };
        // `mut` arguments: copy the final values back into the caller's places.
        for (k, p) in sig.params.iter().enumerate() {
            if p.conv == Conv::Mut
                && let Some(place) = places[k]
                && let Some(v) = callee.lookup(&p.name).cloned()
            {
                self.store(f, place, v)?;
            }
        }
        if sig.ret == Ty::Unit {
            return Ok(Val::Unit);
        }
        self.convert(module, result, &sig.ret, def.name.span)
    }

    fn tree(&mut self, m: usize) -> R<Arc<Module>> {
        match self.env.trees.get(&m) {
            Some(t) => Ok(t.clone()),
            None => Err(Stop::Need(m)),
        }
    }

    pub fn resolve_ty(&mut self, f: &Frame, t: &Expr) -> R<Ty> {
        let types = HashMap::new();
        let scope = TyScope {
            self_ty: None,
            types: &types,
            consts: &f.consts,
        };
        let mut diags = Vec::new();
        let ty = resolve_type(self.cx, f.m, t, &scope, &mut diags);
        match diags.into_iter().next() {
            Some((dm, d)) => Err(Stop::Fail(dm, Box::new(d))),
            None => Ok(ty),
        }
    }

    /// Converts a value to a declared type the way the checker's implicit conversions do
    /// (an `Int` literal adapts to any integer or float type); anything else is a mismatch.
    pub fn convert(&mut self, m: usize, v: Val, t: &Ty, span: Span) -> R<Val> {
        // The library's `List[T]` is the interpreter's list of `T`.
        let want = match t {
            Ty::Struct(s, _) if self.is_list_struct(*s) => crate::lang_items::list_elem(self.cx, t),
            _ => None,
        };
        if let (Val::List(items, e), Some(want)) = (&v, &want) {
            if e == want {
                return Ok(v);
            }
            let old: Vec<Val> = items.borrow().clone();
            let mut out = Vec::with_capacity(old.len());
            for x in old {
                out.push(self.convert(m, x, want, span)?);
            }
            return Ok(Val::list(out, want.clone()));
        }
        Ok(match (v, t) {
            (v, Ty::Unknown) => v,
            (_, Ty::Float { bits }) if *t != Ty::F64 && *t != Ty::F32 => {
                let _ = bits;
                return fail(
                    m,
                    span,
                    format!("a `{}` value", self.cx.ty_name(t)),
                    "use `Float32` or `Float64` in compile-time code",
                );
            }
            (Val::Int(i, _), Ty::Int { .. }) => Val::Int(value::wrap(i, t), t.clone()),
            (Val::Int(i, _), Ty::Float { .. }) => {
                Val::Float(value::round_float(i as f64, t), t.clone())
            }
            (Val::Float(x, _), Ty::Float { .. }) => Val::Float(value::round_float(x, t), t.clone()),
            (v @ Val::Bool(_), Ty::Bool) | (v @ Val::Str(_), Ty::Str) => v,
            (Val::Unit, Ty::Unit) => Val::Unit,
            (Val::Tuple(vs), Ty::Tuple(ts)) if vs.len() == ts.len() => {
                let mut out = Vec::with_capacity(vs.len());
                for (x, t) in vs.iter().zip(ts) {
                    out.push(self.convert(m, x.clone(), t, span)?);
                }
                Val::Tuple(out.into())
            }
            (v, Ty::Struct(..) | Ty::Vector(..) | Ty::Array(..)) => {
                let _ = v;
                return fail(
                    m,
                    span,
                    format!("a value of type `{}`", self.cx.ty_name(t)),
                    "compile-time code supports numbers, Bool, String, List and tuples",
                );
            }
            (v, _) => {
                let d = Diag::error(
                    E_MISMATCH,
                    format!(
                        "mismatched types at compile time: expected `{}`, found `{}`",
                        self.cx.ty_name(t),
                        v.type_name()
                    ),
                    span,
                );
                return Err(Stop::Fail(m, Box::new(d)));
            }
        })
    }
}

/// The full definition of a function in its module's tree (`loc` from the item table).
pub(crate) fn locate(tree: &Module, loc: Option<(usize, Option<usize>)>) -> Option<&FnDef> {
    let (stmt, member) = loc?;
    match (&tree.body.get(stmt)?.kind, member) {
        (StmtKind::Def(d), None) => Some(d),
        // A method (of a struct or a trait).
        (StmtKind::Struct(sd), Some(k)) => match &sd.body.get(k)?.kind {
            StmtKind::Def(d) => Some(d),
            _ => None,
        },
        (StmtKind::Trait(td), Some(k)) => match &td.body.get(k)?.kind {
            StmtKind::Def(d) => Some(d),
            _ => None,
        },
        _ => None,
    }
}
