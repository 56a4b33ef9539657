//! Function bodies: scopes, statements, and the desugaring of `match`. Loops, assignment
//! and initialization flow live in `loops.rs`, `assign.rs` and `flow.rs`.

use std::collections::{HashMap, HashSet};

use mj_syntax::ast::{self, Expr, ExprKind, FnDef, Stmt, StmtKind};
use mj_syntax::{Diag, Span};

use super::flow::{FlowState, always_exits};
use super::{
    ConstVal, Conv, Ctx, E_COMPTIME, E_MISMATCH, E_MISSING_RETURN, E_OUTSIDE, E_UNHANDLED_RAISE,
    E_UNSUPPORTED,
};
use crate::tir::{FnId, LocalId, TBin, TCmp, TExpr, TExprKind as K, TFunction, TLocal, TStmt};
use crate::ty::{CtArg, Ty};

/// What identifies a generic function's instance lifted with closures: the function, its
/// compile-time arguments, and (per function parameter name) the bound closure.
pub(crate) type GenericLiftKey = (u32, Vec<CtArg>, Vec<(String, u32)>);

pub(crate) struct FnCx<'c> {
    pub cx: &'c Ctx,
    /// Diagnostics found in this body, by module index.
    pub diags: Vec<(usize, Diag)>,
    /// Where the lines of this function's module start, for run-time error locations.
    pub lines: &'c dyn super::Lines,
    pub m: usize,
    pub name: String,
    pub ret: Ty,
    pub raises: bool,
    /// The typed error this function raises (`raises T`); `None`: `Error`.
    pub raises_ty: Option<Ty>,
    /// The error type of each enclosing `try` body with a handler, innermost last: `None`
    /// until the first raising call or `raise` in the body decides it (`typed_errors.rs`).
    pub try_errors: Vec<Option<Ty>>,
    pub owner: Option<u32>,
    pub locals: Vec<TLocal>,
    /// The type of each expression checked, by span (`TFunction::expr_types`).
    pub expr_types: Vec<(Span, Ty)>,
    /// Locals that may not be assigned (`read` arguments).
    pub immutable: Vec<bool>,
    pub scopes: Vec<HashMap<String, LocalId>>,
    pub consts: HashMap<String, ConstVal>,
    pub loop_depth: u32,
    /// Nesting of `try` bodies with a handler: raising calls there are caught.
    pub try_depth: u32,
    /// The error bound by the innermost enclosing `except`, for a bare `raise`.
    pub current_error: Vec<LocalId>,
    /// Initialization state along the current path (see `FlowState`).
    pub flow: FlowState,
    /// Whether the current path has already left the block (return, raise, break, continue).
    pub dead: bool,
    /// Loop variables bound by reference to a List element (`for p in particles:`): the
    /// local holds the element's address, and the name reads and writes through it.
    pub ref_locals: HashSet<LocalId>,
    /// References live while the statements being checked run (`exclusivity.rs`).
    pub borrows: Vec<super::exclusivity::Borrow>,
    /// The receiver of a `mut self` method whose arguments are being checked, for the
    /// aliasing check of `check_args`.
    pub mut_receiver: Option<Expr>,
    /// Type parameters of this instance, bound to concrete types.
    pub tparams: HashMap<String, Ty>,
    /// Variables bound to `ctx.compile_function[kernel]()`: the kernel expression, for a
    /// later `ctx.enqueue_function(compiled, ...)` (`gpu_launch.rs`).
    pub compiled_kernels: HashMap<String, ast::Expr>,
    /// What `Self` means here (a struct type, or a trait method's `Self` argument).
    pub self_ty: Option<Ty>,
    /// Nested `def`s declared so far, and which names refer to them in each block.
    pub closures: Vec<super::closures::Closure>,
    pub closure_scopes: Vec<HashMap<String, usize>>,
    /// Closure instances checked as functions of their own (see `closures.rs`).
    pub lifted: Vec<TFunction>,
    /// Inside a generic function instantiated with a nested `def` of its caller: the
    /// parameter's name, the closure's lifted function, signature, and the locals that hold
    /// the addresses of its captured variables (`closures.rs`, `generic_with_closures`).
    pub closure_params: HashMap<String, (u32, super::Sig, Vec<LocalId>)>,
    /// Generic functions already instantiated inside this function with closures (the
    /// function, its compile-time arguments, and which closure each function parameter
    /// is bound to), and the lifted instance: a recursive call (`_quicksort_range`
    /// calling itself with its `cmp_fn`) reuses the instance instead of lifting forever.
    /// Travels with `lifted` into and out of each lifted child.
    pub generic_lifts: Vec<(GenericLiftKey, u32)>,
    /// The path left the block inside a `comptime if` branch: what follows is dead in this
    /// instance only (another instance may take the other branch), so it is not reported
    /// as unreachable.
    pub comptime_exit: bool,
    /// The loop depth at each enclosing `comptime for` (innermost last): a `continue` at
    /// that depth ends the unrolled iteration at compile time.
    pub ct_for_depth: Vec<u32>,
    /// Set by such a `continue`: the rest of the iteration is not checked.
    pub ct_skip: bool,
    /// Where each named `var` was declared (for diagnostics about its whole life).
    pub decl_spans: HashMap<LocalId, Span>,
    /// Destruction scopes, temporaries and moves (see `ownership.rs`).
    pub own: super::ownership::OwnState,
}

pub(crate) fn check_function(
    cx: &Ctx,
    id: FnId,
    full: Option<&FnDef>,
    lines: &dyn super::Lines,
    targs: &[CtArg],
) -> (TFunction, Vec<(usize, Diag)>) {
    let f = &cx.funcs[id.0 as usize];
    let (m, owner, fieldwise, export, inline) =
        (f.module, f.owner, f.fieldwise, f.export, f.inline);
    if f.generics.len() != targs.len() || f.required {
        // A template (checked per instance) or a trait's required method: no code.
        let func = TFunction {
            name: format!("{}<template>", f.mangled),
            template: true,
            file: cx.modules[m].input.path.clone(),
            params: Vec::new(),
            ret: Ty::Unit,
            raises: false,
            raises_ty: None,
            export: false,
            inline: None,
            locals: Vec::new(),
            body: Vec::new(),
            lifted: Vec::new(),
            drops: Default::default(),
            expr_types: Vec::new(),
        };
        // Once per generic function: its body against its parameters' trait bounds.
        let diags = match full {
            Some(def) if !f.required => super::bounds::check_bounds(cx, id, def),
            _ => Vec::new(),
        };
        return (func, diags);
    }
    // Problems in types resolved for this instance are reported at its call sites.
    let sig = super::generics::instance_sig(cx, f, targs, &mut Vec::new());
    let (tparams, pconsts, self_ty) = super::generics::function_instance_names(cx, f, targs);
    // The item tree's definition has no body; the full one comes from the module's parse.
    let def = full.cloned().unwrap_or_else(|| (*f.def).clone());
    let mut mangled = f.mangled.clone();
    if !targs.is_empty() {
        let a: Vec<String> = targs.iter().map(|a| cx.arg_name(a)).collect();
        mangled = format!("{mangled}[{}]", a.join(", "));
    }
    let mut fx = FnCx::new(
        cx,
        m,
        lines,
        def.name.name.clone(),
        sig.ret.clone(),
        sig.raises,
        owner,
    );
    fx.consts = pconsts;
    fx.tparams = tparams;
    fx.self_ty = self_ty;
    fx.raises_ty = sig.raises_ty.clone();
    let mut params = Vec::new();
    for p in &sig.params {
        let by_ref = matches!(p.conv, Conv::Mut | Conv::Out | Conv::Ref);
        let l = fx.new_local(&p.name, p.ty.clone(), by_ref);
        fx.immutable[l.0 as usize] = matches!(p.conv, Conv::Read | Conv::Ref);
        fx.scopes[0].insert(p.name.clone(), l);
        params.push(l);
    }
    fx.own_params(&def, &sig, &params);
    fx.note_generic_params(f, &params);
    let mut body = Vec::new();
    if fieldwise {
        // self.f = f for every field, in order.
        let self_l = params[0];
        let fields = fx
            .self_ty
            .as_ref()
            .and_then(|t| super::generics::fields_of(cx, t))
            .unwrap_or_default();
        for (i, (_, t)) in fields.iter().enumerate() {
            let target = TExpr::new(
                K::Field(
                    Box::new(TExpr::new(K::Local(self_l), sig.params[0].ty.clone(), 0)),
                    i as u32,
                ),
                t.clone(),
                0,
            );
            body.push(TStmt::Assign(
                target,
                TExpr::new(K::Move(params[i + 1]), t.clone(), 0),
            ));
        }
        fx.flow.uninit_fields.clear();
        body = fx.finish_body(body, def.name.span);
    } else {
        body = fx.block(&def.body);
        // (A path that ends in a call of a `-> Never` function is dead here too.)
        let ends_dead = fx.dead;
        body = fx.finish_body(body, def.name.span);
        let never = matches!(&def.ret, Some(Expr { kind: ExprKind::Name(n), .. }) if n == "Never");
        if never && !ends_dead && !always_exits(&def.body) {
            let span = def.ret.as_ref().map(|r| r.span).unwrap_or(def.name.span);
            let msg = format!(
                "function `{}` is declared `-> Never` but may reach its end",
                fx.name
            );
            fx.error(
                Diag::error(E_MISSING_RETURN, msg, span).with_hint(
                    "end every path with `raise` or `abort()`, or declare a result type",
                ),
            );
        } else if fx.ret != Ty::Unit
            && !fx.ret.is_unknown()
            && !ends_dead
            && !always_exits(&def.body)
        {
            let span = def.ret.as_ref().map(|r| r.span).unwrap_or(def.name.span);
            let msg = format!(
                "function `{}` may reach its end without returning a `{}`",
                fx.name,
                fx.ty_name(&fx.ret)
            );
            fx.error(
                Diag::error(E_MISSING_RETURN, msg, span)
                    .with_hint("add a `return` at the end of the function"),
            );
        }
    }
    let func = TFunction {
        name: mangled,
        template: false,
        file: fx.cx.modules[m].input.path.clone(),
        params,
        ret: sig.ret,
        raises: sig.raises,
        raises_ty: fx.raises_ty.clone(),
        export,
        inline,
        locals: fx.locals,
        body,
        lifted: fx.lifted,
        drops: std::mem::take(&mut fx.own.drops),
        expr_types: std::mem::take(&mut fx.expr_types),
    };
    let mut diags = fx.diags;
    // A signature with an unknown type was reported with the items.
    let sig_known = !func.ret.is_unknown()
        && func
            .params
            .iter()
            .all(|p| !func.locals[p.0 as usize].ty.is_unknown());
    let items_ok = !cx.item_errors();
    if sig_known
        && items_ok
        && !diags.iter().any(|(_, d)| d.is_error())
        && crate::tir::has_unknown(&func)
    {
        let d = Diag::error(
            super::E_UNSUPPORTED,
            format!(
                "the compiler could not work out every type in `{}`",
                def.name.name
            ),
            def.name.span,
        )
        .with_hint(
            "this construct is not supported yet; please report it with the code that caused it",
        );
        diags.push((m, d));
    }
    (func, diags)
}

impl<'c> FnCx<'c> {
    pub fn new(
        cx: &'c Ctx,
        m: usize,
        lines: &'c dyn super::Lines,
        name: String,
        ret: Ty,
        raises: bool,
        owner: Option<u32>,
    ) -> FnCx<'c> {
        FnCx {
            cx,
            diags: Vec::new(),
            lines,
            m,
            name,
            ret,
            raises,
            raises_ty: None,
            try_errors: Vec::new(),
            owner,
            locals: Vec::new(),
            expr_types: Vec::new(),
            immutable: Vec::new(),
            scopes: vec![HashMap::new()],
            consts: HashMap::new(),
            loop_depth: 0,
            try_depth: 0,
            current_error: Vec::new(),
            flow: FlowState::default(),
            dead: false,
            ref_locals: HashSet::new(),
            borrows: Vec::new(),
            mut_receiver: None,
            tparams: HashMap::new(),
            compiled_kernels: HashMap::new(),
            self_ty: None,
            closures: Vec::new(),
            closure_scopes: vec![HashMap::new()],
            lifted: Vec::new(),
            closure_params: HashMap::new(),
            generic_lifts: Vec::new(),
            own: Default::default(),
            comptime_exit: false,
            ct_for_depth: Vec::new(),
            ct_skip: false,
            decl_spans: HashMap::new(),
        }
    }
}

impl FnCx<'_> {
    pub fn error(&mut self, d: Diag) {
        self.diags.push((self.m, d));
    }

    pub fn ty_name(&self, t: &Ty) -> String {
        self.cx.ty_name(t)
    }

    pub fn line(&self, span: Span) -> u32 {
        self.lines.line(span.start)
    }

    /// The 1-based line (in the file) and column of the start of `span`.
    pub fn line_col(&self, span: Span) -> (u32, u32) {
        let start = self.lines.line_start(span.start);
        let line = self.lines.absolute(self.line(span));
        (line, span.start.saturating_sub(start) + 1)
    }

    /// A span at the start of `line` (for code the checker makes up, whose diagnostics
    /// only need the line).
    pub fn span_of_line(&self, line: u32) -> Span {
        self.lines.span_of_line(line)
    }

    pub fn new_local(&mut self, name: &str, ty: Ty, by_ref: bool) -> LocalId {
        let id = LocalId(self.locals.len() as u32);
        self.locals.push(TLocal {
            name: name.to_string(),
            ty,
            by_ref,
        });
        self.immutable.push(false);
        id
    }

    /// A fresh compiler temporary holding `value`; returns the statement and a read of it.
    pub fn temp(&mut self, value: TExpr) -> (TStmt, TExpr) {
        let l = self.new_local("", value.ty.clone(), false);
        let read = TExpr::new(K::Local(l), value.ty.clone(), value.line);
        (TStmt::Assign(read.clone(), value), read)
    }

    /// The type a local's name has in expressions (the element type for reference locals).
    pub fn local_ty(&self, l: LocalId) -> Ty {
        match &self.locals[l.0 as usize].ty {
            Ty::Ptr(t) if self.ref_locals.contains(&l) => (**t).clone(),
            t => t.clone(),
        }
    }

    /// A read of a local's name: through the address for reference locals.
    pub fn local_read(&self, l: LocalId, line: u32) -> TExpr {
        let raw = TExpr::new(K::Local(l), self.locals[l.0 as usize].ty.clone(), line);
        if self.ref_locals.contains(&l) {
            TExpr::new(K::Deref(Box::new(raw)), self.local_ty(l), line)
        } else {
            raw
        }
    }

    pub fn lookup_local(&self, name: &str) -> Option<LocalId> {
        self.scopes.iter().rev().find_map(|s| s.get(name).copied())
    }

    pub fn visible_local_names(&self) -> Vec<String> {
        self.scopes.iter().flat_map(|s| s.keys().cloned()).collect()
    }

    /// Reports a call or `raise` that may raise where nothing handles it.
    pub fn check_may_raise(&mut self, what: &str, span: Span) {
        self.check_may_raise_ty(what, None, span);
    }

    /// Like `check_may_raise`, for an error of type `err` (`None`: `Error`), which must
    /// suit the context it goes to (`typed_errors.rs`).
    pub fn check_may_raise_ty(&mut self, what: &str, err: Option<&Ty>, span: Span) {
        if self.raises || self.try_depth > 0 {
            self.route_error(what, err, span);
        }
        if !self.raises && self.try_depth == 0 {
            let msg = format!(
                "{what} may raise, but `{}` is not marked `raises`",
                self.name
            );
            self.error(Diag::error(E_UNHANDLED_RAISE, msg, span).with_hint(format!(
                "add `raises` to `def {}(...)`, or handle the error with try/except",
                self.name
            )));
        }
    }

    pub fn block(&mut self, stmts: &[Stmt]) -> Vec<TStmt> {
        self.scopes.push(HashMap::new());
        self.closure_scopes.push(HashMap::new());
        self.open_scope();
        let mut out = Vec::new();
        let mut warned = false;
        let borrows = self.borrows.len();
        for (i, s) in stmts.iter().enumerate() {
            self.borrow_ref_binding(stmts, i);
            if self.dead
                && !warned
                && !self.comptime_exit
                && !matches!(s.kind, StmtKind::Pass | StmtKind::Error)
            {
                warned = true;
                self.error(
                    Diag::warning(super::W_UNREACHABLE, "unreachable code", s.span).with_hint(
                        "this statement comes after a `return`, `raise`, `break` or `continue`",
                    ),
                );
            }
            let mark = self.own.pending_temps.len();
            self.stmt(s, &mut out);
            self.flush_temps(mark, &mut out);
            if self.ct_skip {
                break;
            }
            // A `comptime if` branch taken in this instance left the function: the rest
            // is not part of this instance (Mojo does not instantiate it), so it is not
            // checked (`reduce_add` of a 2-wide vector never slices it to width 1).
            if self.dead && self.comptime_exit {
                break;
            }
        }
        self.end_borrows(borrows);
        if let Some(names) = self.scopes.pop() {
            let mut ls: Vec<LocalId> = names.values().copied().collect();
            ls.sort_by_key(|l| l.0);
            self.check_explicit_destroy(&ls);
        }
        self.closure_scopes.pop();
        self.close_scope(out)
    }

    pub(crate) fn stmt(&mut self, s: &Stmt, out: &mut Vec<TStmt>) {
        let line = self.line(s.span);
        match &s.kind {
            StmtKind::Expr(e) => {
                if matches!(e.kind, ExprKind::Str(_) | ExprKind::Ellipsis) {
                    return;
                }
                let te = self.expr(e, None);
                let te = self.discarded(te);
                out.push(TStmt::Expr(te));
            }
            StmtKind::Var {
                name,
                value: Some(value),
                is_ref: true,
                ..
            } => self.ref_binding(name, value, out),
            // `var _ = e`: the value is discarded at once, as `_ = e` does (nothing can
            // name it, so Mojo destroys it right away).
            StmtKind::Var {
                name,
                ty: None,
                value: Some(value),
                is_ref: false,
            } if name.name == "_" => {
                let discard = Stmt {
                    kind: StmtKind::Assign {
                        targets: vec![Expr {
                            kind: ExprKind::Name("_".into()),
                            span: name.span,
                        }],
                        value: value.clone(),
                    },
                    span: s.span,
                };
                self.stmt(&discard, out);
            }
            // `var also = f` of a nested `def`: another name of the closure (Mojo copies a
            // closure value; a closure's captures are places, so the copy calls the same one).
            StmtKind::Var {
                name,
                ty: None,
                value:
                    Some(Expr {
                        kind: ExprKind::Name(c),
                        ..
                    }),
                ..
            } if self.lookup_closure(c).is_some() => {
                let k = self.lookup_closure(c).unwrap_or_default();
                if let Some(scope) = self.closure_scopes.last_mut() {
                    scope.insert(name.name.clone(), k);
                }
            }
            StmtKind::Var {
                name, ty, value, ..
            } => {
                if let Some(k) = value.as_ref().and_then(super::gpu_launch::compiled_kernel) {
                    self.compiled_kernels.insert(name.name.clone(), k);
                }
                let ty_ast = ty;
                // `var l: List = [1, 2, 3]`: a generic struct named without its parameters
                // takes them from the value (`l` is a `List[Int]`).
                let open_generic = match (ty, value) {
                    (
                        Some(Expr {
                            kind: ExprKind::Name(n),
                            ..
                        }),
                        Some(_),
                    ) if self.lookup_local(n).is_none() => {
                        match self.cx.modules[self.m].scope.get(n) {
                            Some(super::Item::Struct(s))
                                if !self.cx.structs[*s as usize].params.is_empty()
                                    && self.cx.structs[*s as usize]
                                        .params
                                        .iter()
                                        .any(|p| p.default.is_none()) =>
                            {
                                Some(*s)
                            }
                            _ => None,
                        }
                    }
                    _ => None,
                };
                let declared = match open_generic {
                    Some(s) => {
                        let v = value
                            .as_ref()
                            .map(|v| self.on_the_side(|fx| fx.expr(v, None)).ty);
                        match v {
                            Some(t @ Ty::Struct(vs, _)) if vs == s => Some(t),
                            _ => ty.as_ref().map(|t| self.resolve_ty(t)),
                        }
                    }
                    None => ty.as_ref().map(|t| self.resolve_ty(t)),
                };
                let init = value.as_ref().map(|v| self.expr(v, declared.as_ref()));
                let ty = match (&declared, &init) {
                    (Some(t), _) => t.clone(),
                    // A `@nonmaterializable` value becomes its run-time type.
                    (None, Some(i)) => self.materialized(&i.ty).unwrap_or_else(|| i.ty.clone()),
                    (None, None) => {
                        self.error(
                            Diag::error(
                                super::E_UNKNOWN_TYPE,
                                format!("`var {}` needs a type or a value", name.name),
                                name.span,
                            )
                            .with_hint(format!(
                                "write `var {}: Int` or `var {} = 0`",
                                name.name, name.name
                            )),
                        );
                        Ty::Unknown
                    }
                };
                let l = self.new_local(&name.name, ty.clone(), false);
                self.note_generic_local(l, ty_ast.as_ref(), value.as_ref());
                self.decl_spans.insert(l, name.span);
                self.own_local(l, false);
                if let Some(init) = init {
                    let vspan = value.as_ref().map(|v| v.span).unwrap_or(s.span);
                    let init = self.coerce(init, &ty, vspan);
                    let init = self.owned_value(init, vspan);
                    let init = match value {
                        Some(v) => self.moved_into_variable(init, v),
                        None => init,
                    };
                    out.push(TStmt::Assign(TExpr::new(K::Local(l), ty, line), init));
                } else {
                    self.flow.uninit.insert(l);
                }
                self.scopes
                    .last_mut()
                    .map(|sc| sc.insert(name.name.clone(), l));
            }
            StmtKind::AnnAssign { target, ty, value } => {
                let t = self.resolve_ty(ty);
                let l = self.new_local(&target.name, t.clone(), false);
                self.note_generic_local(l, Some(ty), value.as_ref());
                self.own_local(l, false);
                if let Some(v) = value {
                    let init = self.expr(v, Some(&t));
                    let init = self.coerce(init, &t, v.span);
                    let init = self.owned_value(init, v.span);
                    out.push(TStmt::Assign(TExpr::new(K::Local(l), t, line), init));
                }
                self.scopes
                    .last_mut()
                    .map(|sc| sc.insert(target.name.clone(), l));
            }
            StmtKind::Assign { targets, value } => {
                if let [t] = targets.as_slice()
                    && let ExprKind::Name(n) = &t.kind
                    && let Some(k) = super::gpu_launch::compiled_kernel(value)
                {
                    self.compiled_kernels.insert(n.clone(), k);
                }
                if targets.len() == 1 {
                    self.assign(&targets[0], value, out);
                } else {
                    let v = self.expr(value, None);
                    let tmp = self.spill_to(v, out);
                    for t in targets {
                        self.assign_value(t, tmp.clone(), value.span, out);
                    }
                }
            }
            StmtKind::AugAssign { target, op, value } => {
                self.aug_assign(target, *op, value, s.span, out)
            }
            StmtKind::Comptime {
                name,
                params,
                ty,
                value,
            } => {
                if matches!(value.kind, ExprKind::Ellipsis) {
                    self.error(super::items::comptime_needs_value(name));
                    return;
                }
                if let Some(t) = self.reflect_field_handle(value) {
                    self.consts.insert(name.name.clone(), ConstVal::Type(t));
                    return;
                }
                // `comptime T = type_of(x)`: the type of a run-time value.
                if let ExprKind::Call { func, args } = &value.kind
                    && matches!(&func.kind, ExprKind::Name(n) if n == "type_of")
                    && args.len() == 1
                    && params.is_empty()
                {
                    let t = self.type_operand(value);
                    self.consts.insert(name.name.clone(), ConstVal::Type(t));
                    return;
                }
                // `comptime kernel = my_kernel[layout, 4]`: a function instance, named for a
                // kernel launch (`gpu_launch.rs`); kept as its expression.
                if params.is_empty()
                    && let ExprKind::Index { base, .. } = &value.kind
                    && let ExprKind::Name(f) = &base.kind
                    && self.lookup_local(f).is_none()
                    && matches!(
                        self.cx.modules[self.m].scope.get(f),
                        Some(super::Item::Func(_))
                    )
                {
                    self.consts.insert(
                        name.name.clone(),
                        ConstVal::Expr(self.m, std::sync::Arc::new(value.clone())),
                    );
                    return;
                }
                let mut diags = Vec::new();
                let alias =
                    super::params::alias_of(self.cx, self.m, &name.name, params, value, &mut diags);
                self.diags.extend(diags);
                if let Some(a) = alias {
                    self.consts.insert(name.name.clone(), a);
                    return;
                }
                // A struct value (`comptime s = Box[1]() + Box[2]()`): its expression,
                // checked at each use.
                if super::comptime::struct_valued(self.cx, self.m, value) {
                    let e = std::sync::Arc::new(value.clone());
                    self.consts
                        .insert(name.name.clone(), ConstVal::Expr(self.m, e));
                    return;
                }
                let nested = self.nested_defs();
                let value_now = if nested.is_empty() {
                    self.comptime_value(value)
                } else {
                    super::comptime::with_nested_defs(nested, || self.comptime_value(value))
                };
                match value_now {
                    Some(v) => {
                        let v = match (ty.as_ref().map(|t| self.resolve_ty(t)), v) {
                            (Some(t), ConstVal::Int(i, _)) if t.is_float() => {
                                ConstVal::Float(i as f64, t)
                            }
                            (Some(t), ConstVal::Int(i, _)) if t.is_int() => ConstVal::Int(i, t),
                            (Some(t), ConstVal::Float(f, _)) if t.is_float() => {
                                ConstVal::Float(f, t)
                            }
                            (_, v) => v,
                        };
                        self.consts.insert(name.name.clone(), v);
                    }
                    None if super::generics::is_trait_expr(self.cx, self.m, value, 0)
                        || self.local_trait_alias(value) =>
                    {
                        // A trait alias local to the body (`comptime Usable = Copyable & ...`).
                        self.consts.insert(
                            name.name.clone(),
                            ConstVal::Expr(self.m, std::sync::Arc::new(value.clone())),
                        );
                    }
                    None => {
                        let d = super::items::const_failure(
                            self.cx,
                            self.m,
                            &name.name,
                            value,
                            &self.consts,
                        );
                        self.error(d);
                        // Keep the name known so later uses do not report it as undefined.
                        let l = self.new_local(&name.name, Ty::Unknown, false);
                        self.scopes
                            .last_mut()
                            .map(|sc| sc.insert(name.name.clone(), l));
                    }
                }
            }
            StmtKind::Assert {
                cond,
                msg,
                comptime,
            } => self.assert_stmt(cond, msg.as_ref(), *comptime, line, out),
            StmtKind::If {
                branches,
                else_body,
                comptime,
            } => {
                if *comptime {
                    for (c, b) in branches {
                        match self.ct_cond(c) {
                            Some(true) => {
                                out.push(TStmt::Block(self.block(b)));
                                self.comptime_exit |= self.dead;
                                return;
                            }
                            Some(false) => {}
                            None => {
                                self.error(Diag::error(
                                    E_COMPTIME,
                                    "`comptime if` needs a compile-time Bool",
                                    c.span,
                                ));
                                return;
                            }
                        }
                    }
                    if let Some(e) = else_body {
                        out.push(TStmt::Block(self.block(e)));
                        self.comptime_exit |= self.dead;
                    }
                    return;
                }
                out.push(self.if_chain(branches, else_body.as_deref()));
            }
            StmtKind::While {
                cond,
                body,
                else_body,
            } => {
                let c = self.cond(cond);
                self.loop_depth += 1;
                let b = self.loop_body(|fx| fx.block(body));
                self.loop_depth -= 1;
                let e = else_body
                    .as_ref()
                    .map(|e| self.block(e))
                    .unwrap_or_default();
                out.push(TStmt::While {
                    cond: c,
                    body: b,
                    else_body: e,
                });
            }
            // `for x in xs^`: the value moves into the loop (checked before it, so the
            // move is not one "in the previous iteration").
            StmtKind::For {
                target,
                iter,
                body,
                else_body,
                comptime: false,
            } if matches!(iter.kind, ExprKind::Transfer(_)) => {
                let it = self.owned_iterable(iter);
                self.loop_body(|fx| {
                    fx.iterate(target, it, iter.span, body, else_body.as_deref(), out)
                })
            }
            StmtKind::For {
                target,
                iter,
                body,
                else_body,
                comptime,
            } => self.loop_body(|fx| {
                // The loop holds a reference to what it iterates over (`exclusivity.rs`).
                let mark = if *comptime {
                    fx.borrows.len()
                } else {
                    fx.borrow_for_loop(iter)
                };
                fx.for_loop(
                    target,
                    iter,
                    body,
                    else_body.as_deref(),
                    *comptime,
                    s.span,
                    out,
                );
                fx.end_borrows(mark);
            }),
            StmtKind::Continue if self.ct_for_depth.last() == Some(&self.loop_depth) => {
                self.ct_skip = true;
            }
            StmtKind::Break | StmtKind::Continue => {
                if self.loop_depth == 0 {
                    let w = if matches!(s.kind, StmtKind::Break) {
                        "break"
                    } else {
                        "continue"
                    };
                    self.error(Diag::error(
                        E_OUTSIDE,
                        format!("`{w}` outside of a loop"),
                        s.span,
                    ));
                }
                if matches!(s.kind, StmtKind::Continue) {
                    self.note_continue();
                }
                out.push(if matches!(s.kind, StmtKind::Break) {
                    TStmt::Break
                } else {
                    TStmt::Continue
                });
                self.dead = true;
            }
            StmtKind::Pass => {}
            StmtKind::Return(e) => {
                self.check_out_initialized(s.span);
                let ret = self.ret.clone();
                match e {
                    Some(e) => {
                        if ret == Ty::Unit {
                            let te = self.expr(e, None);
                            if te.ty != Ty::Unit && !te.ty.is_unknown() {
                                let msg = format!(
                                    "`{}` returns nothing, but a `{}` is returned here",
                                    self.name,
                                    self.ty_name(&te.ty)
                                );
                                self.error(Diag::error(E_MISMATCH, msg, e.span).with_hint(
                                    format!(
                                        "declare the result type: `def {}(...) -> {}:`",
                                        self.name,
                                        self.ty_name(&te.ty)
                                    ),
                                ));
                            }
                            out.push(TStmt::Expr(te));
                            out.push(TStmt::Return(None));
                        } else if let Ty::Ptr(t) = &ret {
                            let te = self.returned_ref(e, t);
                            out.push(TStmt::Return(Some(te)));
                        } else {
                            let te = self.expr(e, Some(&ret));
                            let te = self.coerce(te, &ret, e.span);
                            let te = self.returned_value(te, e.span);
                            out.push(TStmt::Return(Some(te)));
                        }
                    }
                    None => {
                        if ret != Ty::Unit && !ret.is_unknown() {
                            let msg = format!("expected a `{}` to return", self.ty_name(&ret));
                            self.error(Diag::error(E_MISMATCH, msg, s.span));
                        }
                        out.push(TStmt::Return(None));
                    }
                }
                self.dead = true;
            }
            StmtKind::Raise(e) => {
                match e {
                    Some(e) => {
                        let expected = self.expected_raise();
                        let te = self.expr(e, expected.as_ref());
                        match te.ty {
                            Ty::Error | Ty::Unknown | Ty::Str => {
                                self.check_may_raise("`raise`", s.span);
                                out.push(TStmt::Raise(TExpr {
                                    ty: Ty::Error,
                                    ..te
                                }));
                            }
                            Ty::Struct(..) => {
                                self.check_may_raise_ty("`raise`", Some(&te.ty), s.span);
                                let st = self.typed_raise(te, e.span);
                                out.push(st);
                            }
                            _ => {
                                let msg = format!(
                                    "expected an `Error` to raise, found `{}`",
                                    self.ty_name(&te.ty)
                                );
                                self.error(
                                    Diag::error(E_MISMATCH, msg, e.span)
                                        .with_hint("write `raise Error(\"message\")`"),
                                );
                                out.push(TStmt::Raise(te));
                            }
                        }
                    }
                    None => match self.current_error.last().copied() {
                        Some(l) => {
                            let ty = self.local_ty(l);
                            let read = TExpr::new(K::Local(l), ty.clone(), line);
                            if matches!(ty, Ty::Struct(..)) {
                                self.check_may_raise_ty("`raise`", Some(&ty), s.span);
                                // The handler's value moves into the new error.
                                let moved = TExpr::new(K::Move(l), ty.clone(), line);
                                let st = self.typed_raise(moved, s.span);
                                out.push(st);
                            } else {
                                self.check_may_raise("`raise`", s.span);
                                out.push(TStmt::Raise(read));
                            }
                        }
                        None => self.error(Diag::error(
                            E_OUTSIDE,
                            "a bare `raise` is only allowed inside `except`",
                            s.span,
                        )),
                    },
                }
                self.dead = true;
            }
            StmtKind::Try {
                body,
                handlers,
                else_body,
                finally_body,
            } => {
                if handlers.len() > 1 {
                    self.error(
                        Diag::error(
                            E_UNSUPPORTED,
                            "only one `except` clause is supported",
                            handlers[1].span,
                        )
                        .with_hint("all errors have the type `Error`; handle them in one clause"),
                    );
                }
                if !handlers.is_empty() {
                    self.try_depth += 1;
                    self.try_errors.push(None);
                }
                let before = self.flow.clone();
                let b = self.block(body);
                let body_dead = self.dead;
                let body_flow = self.flow.clone();
                // The handler may start after any prefix of the body.
                self.flow = self.flow.clone().union(&before);
                self.dead = false;
                self.comptime_exit = false;
                let caught = if handlers.is_empty() {
                    Ty::Error
                } else {
                    self.try_depth -= 1;
                    self.try_errors.pop().flatten().unwrap_or(Ty::Error)
                };
                let handler = handlers.first().map(|h| {
                    self.scopes.push(HashMap::new());
                    let l = self.new_local(
                        h.name
                            .as_ref()
                            .map(|n| n.name.as_str())
                            .unwrap_or("<error>"),
                        caught.clone(),
                        false,
                    );
                    if let Some(n) = &h.name {
                        self.scopes
                            .last_mut()
                            .map(|sc| sc.insert(n.name.clone(), l));
                    }
                    self.current_error.push(l);
                    let hb = self.block(&h.body);
                    self.current_error.pop();
                    self.scopes.pop();
                    // The handler owns the caught error (released when it ends; the
                    // lowering marks it live on entry).
                    let hb = vec![TStmt::Scope {
                        locals: vec![l],
                        body: hb,
                    }];
                    (Some(l), hb)
                });
                let handler_dead = handlers.is_empty() || self.dead;
                let handler_flow = self.flow.clone();
                // `else:` runs only when the body completed: it starts from the body's end
                // (a variable the body assigned is initialized there).
                let (e, body_flow, body_dead) = match else_body {
                    Some(eb) => {
                        self.flow = body_flow;
                        self.dead = body_dead;
                        self.comptime_exit = false;
                        let e = self.block(eb);
                        (e, self.flow.clone(), self.dead)
                    }
                    None => (Vec::new(), body_flow, body_dead),
                };
                // After the statement: the body (and `else:`) completed, or the handler
                // did (a handler that always raises or returns contributes nothing).
                self.flow = match (body_dead, handler_dead) {
                    (false, true) => body_flow,
                    (true, false) => handler_flow,
                    _ => body_flow.union(&handler_flow),
                };
                self.dead = false;
                self.comptime_exit = false;
                let f = finally_body
                    .as_ref()
                    .map(|e| self.block(e))
                    .unwrap_or_default();
                self.dead = self.dead || (body_dead && handler_dead);
                out.push(TStmt::Try {
                    body: b,
                    handler,
                    else_body: e,
                    finally_body: f,
                });
            }
            StmtKind::Match { subject, arms } => self.match_stmt(subject, arms, out),
            StmtKind::With { items, body } => {
                super::with_stmt::with_context(self, items, body, s.span, out)
            }
            StmtKind::Def(d) => self.declare_closure(d, out),
            StmtKind::Struct(d) => self.error(Diag::error(
                E_UNSUPPORTED,
                "structs must be defined at module level",
                d.name.span,
            )),
            StmtKind::Trait(d) => self.error(Diag::error(
                E_UNSUPPORTED,
                "traits must be defined at module level",
                d.name.span,
            )),
            // An import inside a function is resolved with the module's own imports
            // (`strip_bodies` moves it there): nothing to do here.
            StmtKind::Import { .. } | StmtKind::FromImport { .. } => {}
            StmtKind::Error => {}
        }
    }

    fn if_chain(&mut self, branches: &[(Expr, Vec<Stmt>)], else_body: Option<&[Stmt]>) -> TStmt {
        let (c, b) = &branches[0];
        let cond = self.cond(c);
        let mut parts = self.branches(2, true, |fx, i| {
            if i == 0 {
                fx.block(b)
            } else if branches.len() > 1 {
                vec![fx.if_chain(&branches[1..], else_body)]
            } else {
                else_body.map(|e| fx.block(e)).unwrap_or_default()
            }
        });
        let otherwise = parts.pop().unwrap_or_default();
        let then = parts.pop().unwrap_or_default();
        TStmt::If(cond, then, otherwise)
    }

    fn assert_stmt(
        &mut self,
        cond: &Expr,
        msg: Option<&Expr>,
        comptime: bool,
        line: u32,
        out: &mut Vec<TStmt>,
    ) {
        let text = msg.and_then(|m| match &m.kind {
            ExprKind::Str(s) => Some(s.clone()),
            _ => None,
        });
        if comptime {
            match self.ct_cond(cond) {
                Some(true) => {}
                Some(false) => {
                    let m = text.unwrap_or_else(|| "comptime assertion failed".into());
                    self.error(Diag::error(
                        E_COMPTIME,
                        format!("comptime assert failed: {m}"),
                        cond.span,
                    ));
                }
                _ => self.error(Diag::error(
                    E_COMPTIME,
                    "`comptime assert` needs a compile-time Bool",
                    cond.span,
                )),
            }
            return;
        }
        let c = self.cond(cond);
        let m = text
            .map(|t| format!("assertion failed: {t}"))
            .unwrap_or_else(|| "assertion failed".into());
        out.push(TStmt::If(c, Vec::new(), vec![TStmt::Abort(line, m)]));
    }

    fn match_stmt(&mut self, subject: &Expr, arms: &[ast::MatchArm], out: &mut Vec<TStmt>) {
        let s = self.expr(subject, None);
        let tmp = self.spill_to(s, out);
        let mut chain: Option<TStmt> = None;
        let has_wildcard = arms
            .iter()
            .any(|a| matches!(&a.pattern.kind, ExprKind::Name(n) if n == "_"));
        let mut bodies = self.branches(arms.len(), has_wildcard, |fx, i| fx.block(&arms[i].body));
        for arm in arms.iter().rev() {
            let body = bodies.pop().unwrap_or_default();
            let cond = self.pattern_cond(&tmp, &arm.pattern);
            let cond = match (&cond, &arm.guard) {
                (_, Some(g)) => {
                    let g = self.cond(g);
                    let c = cond.unwrap_or_else(|| TExpr::new(K::Bool(true), Ty::Bool, g.line));
                    Some(TExpr::new(K::And(Box::new(c), Box::new(g)), Ty::Bool, 0))
                }
                _ => cond,
            };
            chain = Some(match cond {
                None => TStmt::Block(body),
                Some(c) => TStmt::If(c, body, chain.map(|c| vec![c]).unwrap_or_default()),
            });
        }
        if let Some(c) = chain {
            out.push(c);
        }
    }

    /// The condition under which `pat` matches `subject`; `None` for the wildcard `_`.
    fn pattern_cond(&mut self, subject: &TExpr, pat: &Expr) -> Option<TExpr> {
        match &pat.kind {
            ExprKind::Name(n) if n == "_" => None,
            ExprKind::Binary {
                op: ast::BinOp::BitOr,
                lhs,
                rhs,
            } => {
                let l = self.pattern_cond(subject, lhs);
                let r = self.pattern_cond(subject, rhs);
                match (l, r) {
                    (Some(l), Some(r)) => Some(TExpr::new(
                        K::Or(Box::new(l), Box::new(r)),
                        Ty::Bool,
                        subject.line,
                    )),
                    _ => None,
                }
            }
            _ => {
                let p = self.expr(pat, Some(&subject.ty));
                Some(self.compare(ast::CmpOp::Eq, subject.clone(), p, pat.span))
            }
        }
    }

    /// A condition: Bool, or a value with a truth value (numbers, strings, lists).
    pub fn cond(&mut self, e: &Expr) -> TExpr {
        let te = self.expr(e, Some(&Ty::Bool));
        self.truthy(te, e.span)
    }
}

impl FnCx<'_> {
    /// `i = start; while i < stop: <body(i)>; i += 1` over `Int` indices. The increment runs
    /// before the body so that a `continue` inside it cannot skip it. Returns the statements.
    pub fn index_loop(
        &mut self,
        start: TExpr,
        stop: TExpr,
        body: impl FnOnce(&mut Self, TExpr) -> Vec<TStmt>,
    ) -> Vec<TStmt> {
        let line = start.line;
        let (s0, i) = self.temp(start);
        let cond = TExpr::new(
            K::Cmp(TCmp::Lt, Box::new(i.clone()), Box::new(stop)),
            Ty::Bool,
            line,
        );
        let (s1, cur) = self.temp(i.clone());
        let inc = TExpr::new(
            K::Binary(TBin::Add, Box::new(i.clone()), Box::new(self.int(1, line))),
            Ty::INT,
            line,
        );
        let mut stmts = vec![s1, TStmt::Assign(i, inc)];
        stmts.extend(body(self, cur));
        vec![
            s0,
            TStmt::While {
                cond,
                body: stmts,
                else_body: Vec::new(),
            },
        ]
    }

    pub fn int(&self, v: i128, line: u32) -> TExpr {
        TExpr::new(K::Int(v), Ty::INT, line)
    }
}
