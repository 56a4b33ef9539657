//! The compile-time interpreter: statements and expressions of ordinary functions,
//! evaluated over their syntax trees (see `mod.rs` for why not over TIR or MIR).
//!
//! The called functions are also type-checked as ordinary bodies, so the interpreter may
//! rely on well-typed code; where it meets something else it stops with a diagnostic
//! instead of guessing. Built-in functions and methods are in `builtins.rs`.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use mj_syntax::ast::{self, Arg, Expr, ExprKind, Stmt, StmtKind};
use mj_syntax::{Diag, Span};

use super::super::{ConstVal, Ctx, E_COMPTIME, Item};
use super::value::{self, Val};
use super::{Env, MAX_LIST, MAX_NESTING, MAX_STEPS};
use crate::ty::Ty;

/// Why evaluation left the normal flow.
pub(crate) enum Stop {
    /// A diagnostic, in the module it belongs to.
    Fail(usize, Box<Diag>),
    /// The full tree of this module is needed and not loaded yet: the body is checked
    /// again once it is (see `check_body_lazy`).
    Need(usize),
    Return(Val),
    Break,
    Continue,
}

pub(crate) type R<T> = Result<T, Stop>;

/// One activation: its module, its variables (innermost last; `marks` are where each
/// block's variables start) and its compile-time names (the instance's parameters and
/// the `comptime` values declared so far). A few variables are searched faster linearly
/// than hashed.
pub(crate) struct Frame {
    pub m: usize,
    vars: Vec<(String, Val)>,
    marks: Vec<usize>,
    pub consts: HashMap<String, ConstVal>,
}

impl Frame {
    pub fn new(m: usize, consts: HashMap<String, ConstVal>) -> Frame {
        Frame {
            m,
            vars: Vec::new(),
            marks: vec![0],
            consts,
        }
    }

    pub fn push_scope(&mut self) {
        self.marks.push(self.vars.len());
    }

    pub fn pop_scope(&mut self) {
        if self.marks.len() > 1
            && let Some(k) = self.marks.pop()
        {
            self.vars.truncate(k);
        }
    }

    pub fn lookup(&self, n: &str) -> Option<&Val> {
        self.vars.iter().rev().find(|(k, _)| k == n).map(|(_, v)| v)
    }

    /// Assigns an existing variable, or declares it at function level (`x = 1`).
    fn assign(&mut self, n: &str, v: Val) {
        if let Some(slot) = self.vars.iter_mut().rev().find(|(k, _)| k == n) {
            slot.1 = v;
            return;
        }
        let at = self.marks.get(1).copied().unwrap_or(self.vars.len());
        self.vars.insert(at, (n.to_string(), v));
        for k in self.marks.iter_mut().skip(1) {
            *k += 1;
        }
    }

    pub fn declare(&mut self, n: &str, v: Val) {
        self.vars.push((n.to_string(), v));
    }
}

pub(crate) struct Interp<'a> {
    pub cx: &'a Ctx,
    pub env: &'a mut Env,
    pub steps: u64,
    pub depth: u32,
    /// Statements and expressions being evaluated (see `MAX_NESTING`).
    pub nesting: u32,
    /// Where this evaluation started (module, span): budget and depth errors point here.
    pub root: (usize, Span),
}

pub(crate) fn fail<T>(m: usize, span: Span, what: impl Into<String>, hint: &str) -> R<T> {
    let d = Diag::error(
        E_COMPTIME,
        format!("cannot be evaluated at compile time: {}", what.into()),
        span,
    );
    let d = if hint.is_empty() {
        d
    } else {
        d.with_hint(hint)
    };
    Err(Stop::Fail(m, Box::new(d)))
}

impl Interp<'_> {
    /// Building a string or list copies it: the copy counts against the step budget
    /// (one step per 64 bytes or elements), so quadratic growth stops in good time.
    fn charge(&mut self, f: &Frame, v: &Val, span: Span) -> R<()> {
        let n = match v {
            Val::Str(s) => s.len() / 64,
            Val::List(items, _) => items.borrow().len() / 64,
            _ => 0,
        };
        if n == 0 {
            return Ok(());
        }
        self.steps += n as u64 - 1;
        self.tick(f, span)
    }

    fn tick(&mut self, f: &Frame, span: Span) -> R<()> {
        self.steps += 1;
        if self.steps <= MAX_STEPS {
            return Ok(());
        }
        let (rm, rs) = self.root;
        let mut d = Diag::error(
            E_COMPTIME,
            format!("compile-time evaluation did not finish within {MAX_STEPS} steps"),
            rs,
        )
        .with_hint("a loop or a recursion that never ends? compute the value at run time instead");
        if f.m == rm {
            d = d.with_label(span, "still running here");
        }
        Err(Stop::Fail(rm, Box::new(d)))
    }

    // ---- statements ----

    pub fn block(&mut self, f: &mut Frame, body: &[Stmt]) -> R<()> {
        f.push_scope();
        let r = body.iter().try_for_each(|s| self.stmt(f, s));
        f.pop_scope();
        r
    }

    fn stmt(&mut self, f: &mut Frame, s: &Stmt) -> R<()> {
        self.tick(f, s.span)?;
        self.enter(f, s.span)?;
        let r = self.stmt_inner(f, s);
        self.nesting -= 1;
        r
    }

    /// Guards the interpreter's stack: counts one level of nesting.
    fn enter(&mut self, f: &Frame, span: Span) -> R<()> {
        if self.nesting >= MAX_NESTING {
            let (rm, rs) = self.root;
            let mut d = Diag::error(E_COMPTIME, "compile-time evaluation nested too deeply", rs)
                .with_hint("a recursion that never ends? compute the value at run time instead");
            if f.m == rm {
                d = d.with_label(span, "too deep here");
            }
            return Err(Stop::Fail(rm, Box::new(d)));
        }
        self.nesting += 1;
        Ok(())
    }

    fn stmt_inner(&mut self, f: &mut Frame, s: &Stmt) -> R<()> {
        match &s.kind {
            StmtKind::Expr(e) => {
                // A docstring or `...` is no work.
                if !matches!(e.kind, ExprKind::Str(_) | ExprKind::Ellipsis) {
                    self.eval(f, e)?;
                }
            }
            StmtKind::Pass => {}
            StmtKind::Var {
                name, ty, value, ..
            } => {
                let v = match value {
                    Some(v) => self.eval(f, v)?,
                    None => Val::Unit,
                };
                let v = match ty {
                    Some(t) if value.is_some() => {
                        let t = self.resolve_ty(f, t)?;
                        self.convert(f.m, v, &t, s.span)?
                    }
                    _ => v,
                };
                f.declare(&name.name, v);
            }
            StmtKind::AnnAssign { target, ty, value } => {
                let v = match value {
                    Some(v) => {
                        let v = self.eval(f, v)?;
                        let t = self.resolve_ty(f, ty)?;
                        self.convert(f.m, v, &t, s.span)?
                    }
                    None => Val::Unit,
                };
                f.declare(&target.name, v);
            }
            StmtKind::Assign { targets, value } => {
                let v = self.eval(f, value)?;
                for t in targets {
                    self.store(f, t, v.clone())?;
                }
            }
            StmtKind::AugAssign { target, op, value } => {
                let old = self.eval(f, target)?;
                let rhs = self.eval(f, value)?;
                // `xs += [..]` extends in place.
                if let (Val::List(items, _), Val::List(more, _), ast::BinOp::Add) = (&old, &rhs, op)
                {
                    let more: Vec<Val> = more.borrow().iter().map(Val::deep_copy).collect();
                    items.borrow_mut().extend(more);
                    return self.check_len(f, &old, s.span);
                }
                let v = value::binary(*op, &old, &rhs).or_else(|msg| fail(f.m, s.span, msg, ""))?;
                self.charge(f, &v, s.span)?;
                // The result keeps the target's type (`x += 1` on a `UInt8`).
                let v = match (&old, v) {
                    (Val::Int(_, t), Val::Int(i, _)) => Val::Int(value::wrap(i, t), t.clone()),
                    (_, v) => v,
                };
                self.store(f, target, v)?;
            }
            StmtKind::Comptime {
                name, ty, value, ..
            } => {
                let v = self.eval(f, value)?;
                let v = match ty {
                    Some(t) => {
                        let t = self.resolve_ty(f, t)?;
                        self.convert(f.m, v, &t, s.span)?
                    }
                    None => v,
                };
                f.declare(&name.name, v);
            }
            StmtKind::Assert { cond, msg, .. } => {
                if !self.truthy(f, cond)? {
                    let text = match msg {
                        Some(m) => value::to_string(&self.eval(f, m)?).unwrap_or_default(),
                        None => "assertion failed".into(),
                    };
                    return fail(
                        f.m,
                        cond.span,
                        format!("an assertion failed: {text}"),
                        "the assertion does not hold for the compile-time arguments",
                    );
                }
            }
            StmtKind::If {
                branches,
                else_body,
                ..
            } => {
                for (c, b) in branches {
                    if self.truthy(f, c)? {
                        return self.block(f, b);
                    }
                }
                if let Some(e) = else_body {
                    self.block(f, e)?;
                }
            }
            StmtKind::While {
                cond,
                body,
                else_body,
            } => {
                let mut broke = false;
                while self.truthy(f, cond)? {
                    // Each iteration counts, so a loop with an empty body ends too.
                    self.tick(f, s.span)?;
                    match self.block(f, body) {
                        Ok(()) | Err(Stop::Continue) => {}
                        Err(Stop::Break) => {
                            broke = true;
                            break;
                        }
                        Err(e) => return Err(e),
                    }
                }
                if !broke && let Some(e) = else_body {
                    self.block(f, e)?;
                }
            }
            StmtKind::For {
                target,
                iter,
                body,
                else_body,
                ..
            } => self.for_loop(f, target, iter, body, else_body.as_deref())?,
            StmtKind::Break => return Err(Stop::Break),
            StmtKind::Continue => return Err(Stop::Continue),
            StmtKind::Return(v) => {
                let v = match v {
                    Some(e) => self.eval(f, e)?,
                    None => Val::Unit,
                };
                return Err(Stop::Return(v));
            }
            StmtKind::Raise(e) => {
                let msg = match e.as_ref().map(|e| &e.kind) {
                    Some(ExprKind::Call { args, .. }) if args.len() == 1 => {
                        value::to_string(&self.eval(f, &args[0].value)?).unwrap_or_default()
                    }
                    _ => String::new(),
                };
                let what = if msg.is_empty() {
                    "this raises an error".to_string()
                } else {
                    format!("this raises an error (\"{msg}\")")
                };
                return fail(
                    f.m,
                    s.span,
                    what,
                    "a function called at compile time must not raise; handle the case or compute the value at run time",
                );
            }
            StmtKind::Try { .. } => {
                return fail(f.m, s.span, "`try`", "errors do not exist at compile time");
            }
            StmtKind::Match { .. } => {
                return fail(f.m, s.span, "`match`", "use `if`/`elif` chains");
            }
            StmtKind::With { .. } => return fail(f.m, s.span, "`with`", ""),
            StmtKind::Def(_) => {
                return fail(f.m, s.span, "a nested function", "move it to module level");
            }
            StmtKind::Struct(_) | StmtKind::Trait(_) => {
                return fail(f.m, s.span, "a local type", "");
            }
            StmtKind::Import { .. } | StmtKind::FromImport { .. } => {
                return fail(f.m, s.span, "an import inside a function", "");
            }
            StmtKind::Error => return fail(f.m, s.span, "invalid code", ""),
        }
        Ok(())
    }

    fn for_loop(
        &mut self,
        f: &mut Frame,
        target: &Expr,
        iter: &Expr,
        body: &[Stmt],
        else_body: Option<&[Stmt]>,
    ) -> R<()> {
        // `range` is walked without building a list.
        let range = match &iter.kind {
            ExprKind::Call { func, args }
                if matches!(&func.kind, ExprKind::Name(n) if n == "range")
                    && f.lookup("range").is_none() =>
            {
                let mut b = Vec::new();
                for a in args {
                    match self.eval(f, &a.value)? {
                        Val::Int(i, _) => b.push(i),
                        v => {
                            return fail(
                                f.m,
                                a.value.span,
                                format!("`range` of a `{}`", v.type_name()),
                                "",
                            );
                        }
                    }
                }
                Some(match b[..] {
                    [e] => (0, e, 1),
                    [s, e] => (s, e, 1),
                    [s, e, st] if st != 0 => (s, e, st),
                    _ => {
                        return fail(
                            f.m,
                            iter.span,
                            "this `range`",
                            "`range` needs 1 to 3 arguments and a non-zero step",
                        );
                    }
                })
            }
            _ => None,
        };
        let seq = match range {
            Some(_) => None,
            None => Some(self.eval(f, iter)?),
        };
        let mut k: i128 = 0;
        let mut broke = false;
        loop {
            let item = match (&range, &seq) {
                (Some((s, e, st)), _) => {
                    let i = s + k * st;
                    if (*st > 0 && i >= *e) || (*st < 0 && i <= *e) {
                        break;
                    }
                    Val::int(i)
                }
                (None, Some(v)) => match super::builtins::nth_item(v, k as usize) {
                    Ok(Some(x)) => x,
                    Ok(None) => break,
                    Err(msg) => return fail(f.m, iter.span, msg, ""),
                },
                _ => break,
            };
            k += 1;
            // Each iteration counts, so a huge range with an empty body ends too.
            self.tick(f, iter.span)?;
            f.push_scope();
            let r = self
                .bind_target(f, target, item)
                .and_then(|()| body.iter().try_for_each(|s| self.stmt(f, s)));
            f.pop_scope();
            match r {
                Ok(()) | Err(Stop::Continue) => {}
                Err(Stop::Break) => {
                    broke = true;
                    break;
                }
                Err(e) => return Err(e),
            }
        }
        if !broke && let Some(e) = else_body {
            self.block(f, e)?;
        }
        Ok(())
    }

    /// Binds a loop or comprehension target (a name or a tuple of names) in the innermost
    /// scope.
    fn bind_target(&mut self, f: &mut Frame, target: &Expr, v: Val) -> R<()> {
        match (&target.kind, &v) {
            (ExprKind::Name(n), _) => {
                f.declare(n, v);
                Ok(())
            }
            (ExprKind::Tuple(ts), Val::Tuple(vs)) if ts.len() == vs.len() => {
                for (t, x) in ts.iter().zip(vs.iter()) {
                    self.bind_target(f, t, x.clone())?;
                }
                Ok(())
            }
            _ => fail(f.m, target.span, "this loop target", ""),
        }
    }

    /// Stores into an assignment target: a name, an element, or a tuple of targets.
    pub(super) fn store(&mut self, f: &mut Frame, target: &Expr, v: Val) -> R<()> {
        match &target.kind {
            ExprKind::Name(n) => {
                f.assign(n, v);
                Ok(())
            }
            ExprKind::Index { base, args } if args.len() == 1 => {
                let b = self.eval(f, base)?;
                let i = self.eval(f, &args[0].value)?;
                match (&b, &i) {
                    (Val::List(items, elem), Val::Int(i, _)) => {
                        let v = self.element(f, items, elem, v, target.span)?;
                        let mut items = items.borrow_mut();
                        let n = items.len() as i128;
                        let k = if *i < 0 { i + n } else { *i };
                        if !(0..n).contains(&k) {
                            drop(items);
                            return fail(
                                f.m,
                                target.span,
                                format!("index {i} is out of range for a list of length {n}"),
                                "",
                            );
                        }
                        items[k as usize] = v;
                        Ok(())
                    }
                    _ => fail(
                        f.m,
                        target.span,
                        format!("assignment into a `{}`", b.type_name()),
                        "",
                    ),
                }
            }
            ExprKind::Tuple(ts) | ExprKind::List(ts) => match &v {
                Val::Tuple(vs) if vs.len() == ts.len() => {
                    for (t, x) in ts.iter().zip(vs.iter()) {
                        self.store(f, t, x.clone())?;
                    }
                    Ok(())
                }
                _ => fail(f.m, target.span, "this unpacking", ""),
            },
            _ => fail(
                f.m,
                target.span,
                "this assignment target",
                "structs and fields are not supported at compile time",
            ),
        }
    }

    /// A value about to be stored in a list with element type `elem`: converted to it,
    /// and neither the list itself nor nested too deeply.
    pub(super) fn element(
        &mut self,
        f: &Frame,
        list: &Rc<RefCell<Vec<Val>>>,
        elem: &Ty,
        v: Val,
        span: Span,
    ) -> R<Val> {
        let v = self.convert(f.m, v, elem, span)?;
        if value::holds(&v, list) {
            return fail(f.m, span, "a list stored inside itself", "");
        }
        self.check_nesting(f, &v, span)?;
        Ok(v)
    }

    pub fn check_nesting(&self, f: &Frame, v: &Val, span: Span) -> R<()> {
        if value::nesting(v) >= value::MAX_NESTED {
            return fail(
                f.m,
                span,
                format!(
                    "lists or tuples nested more than {} deep",
                    value::MAX_NESTED
                ),
                "",
            );
        }
        Ok(())
    }

    pub fn check_len(&self, f: &Frame, v: &Val, span: Span) -> R<()> {
        match v {
            Val::List(items, _) if items.borrow().len() > MAX_LIST => {
                fail(f.m, span, value::too_large(), "")
            }
            _ => Ok(()),
        }
    }

    // ---- expressions ----

    pub fn truthy(&mut self, f: &mut Frame, e: &Expr) -> R<bool> {
        let v = self.eval(f, e)?;
        super::builtins::truth(&v).ok_or(()).or_else(|()| {
            fail(
                f.m,
                e.span,
                format!("a `{}` used as a condition", v.type_name()),
                "",
            )
        })
    }

    pub fn eval(&mut self, f: &mut Frame, e: &Expr) -> R<Val> {
        self.enter(f, e.span)?;
        let r = self.eval_inner(f, e);
        self.nesting -= 1;
        r
    }

    fn eval_inner(&mut self, f: &mut Frame, e: &Expr) -> R<Val> {
        let m = f.m;
        match &e.kind {
            ExprKind::Int(v) => match i128::try_from(*v) {
                Ok(v) => Ok(Val::Int(value::wrap(v, &Ty::INT), Ty::INT)),
                Err(_) => fail(m, e.span, "this integer literal", ""),
            },
            ExprKind::Float(x) => Ok(Val::Float(*x, Ty::F64)),
            ExprKind::Str(s) => Ok(Val::str(s.as_str())),
            ExprKind::Bool(b) => Ok(Val::Bool(*b)),
            ExprKind::None => Ok(Val::Unit),
            ExprKind::Name(n) => self.name(f, n, e.span),
            ExprKind::Transfer(x) => self.eval(f, x),
            ExprKind::FString(parts) => {
                let mut out = String::new();
                for p in parts {
                    match p {
                        ast::FStringPart::Lit(s) => out.push_str(s),
                        ast::FStringPart::Expr {
                            expr,
                            conversion: None,
                            spec: None,
                        } => {
                            let v = self.eval(f, expr)?;
                            match value::to_string(&v) {
                                Some(s) => out.push_str(&s),
                                None => {
                                    return fail(
                                        m,
                                        expr.span,
                                        format!("formatting a `{}`", v.type_name()),
                                        "",
                                    );
                                }
                            }
                        }
                        ast::FStringPart::Expr { expr, .. } => {
                            return fail(
                                m,
                                expr.span,
                                "a format spec or conversion in an f-string",
                                "build the string with `String(x)` and `+`",
                            );
                        }
                    }
                }
                Ok(Val::str(out))
            }
            ExprKind::Unary { op, expr } => {
                let v = self.eval(f, expr)?;
                match (op, v) {
                    (ast::UnOp::Neg, Val::Int(i, t)) => Ok(Val::Int(value::wrap(-i, &t), t)),
                    (ast::UnOp::Neg, Val::Float(x, t)) => Ok(Val::Float(-x, t)),
                    (ast::UnOp::Pos, v @ (Val::Int(..) | Val::Float(..))) => Ok(v),
                    (ast::UnOp::Invert, Val::Int(i, t)) => Ok(Val::Int(value::wrap(!i, &t), t)),
                    (ast::UnOp::Not | ast::UnOp::Invert, v) => match super::builtins::truth(&v) {
                        Some(b) => Ok(Val::Bool(!b)),
                        None => fail(m, e.span, "this operator", ""),
                    },
                    (_, v) => fail(
                        m,
                        e.span,
                        format!("this operator on a `{}`", v.type_name()),
                        "",
                    ),
                }
            }
            ExprKind::Binary {
                op: op @ (ast::BinOp::And | ast::BinOp::Or),
                lhs,
                rhs,
            } => {
                let a = self.truthy(f, lhs)?;
                Ok(Val::Bool(match op {
                    ast::BinOp::And => a && self.truthy(f, rhs)?,
                    _ => a || self.truthy(f, rhs)?,
                }))
            }
            ExprKind::Binary { op, lhs, rhs } => {
                // Literal-only arithmetic is exact, as in bodies (`literal_fold.rs`).
                match crate::check::literal_fold::fold(*op, lhs, rhs) {
                    Some(crate::check::literal_fold::Folded::Float(v)) => {
                        return Ok(Val::Float(v, Ty::F64));
                    }
                    Some(crate::check::literal_fold::Folded::Int(v)) => {
                        return Ok(Val::Int(v, Ty::INT));
                    }
                    Some(crate::check::literal_fold::Folded::TooBig(digits)) => {
                        return fail(
                            m,
                            e.span,
                            format!("the integer {digits} does not fit in `Int`"),
                            "",
                        );
                    }
                    None => {}
                }
                let a = self.eval(f, lhs)?;
                let b = self.eval(f, rhs)?;
                let v = value::binary(*op, &a, &b).or_else(|msg| fail(m, e.span, msg, ""))?;
                self.charge(f, &v, e.span)?;
                if let Val::Str(s) = &v
                    && s.len() > super::MAX_STR
                {
                    return fail(m, e.span, value::too_large(), "");
                }
                self.check_len(f, &v, e.span)?;
                Ok(v)
            }
            ExprKind::Compare { first, rest } => {
                let mut l = self.eval(f, first)?;
                for (op, x) in rest {
                    let r = self.eval(f, x)?;
                    match value::compare(*op, &l, &r).or_else(|msg| fail(m, e.span, msg, ""))? {
                        Val::Bool(true) => {}
                        _ => return Ok(Val::Bool(false)),
                    }
                    l = r;
                }
                Ok(Val::Bool(true))
            }
            ExprKind::IfExp {
                cond,
                then,
                otherwise,
            } => {
                if self.truthy(f, cond)? {
                    self.eval(f, then)
                } else {
                    self.eval(f, otherwise)
                }
            }
            ExprKind::List(items) => {
                let vals = items
                    .iter()
                    .map(|x| self.eval(f, x))
                    .collect::<R<Vec<_>>>()?;
                let v = super::builtins::list_of(vals, self.list_struct());
                self.check_nesting(f, &v, e.span)?;
                Ok(v)
            }
            ExprKind::Tuple(items) => {
                let vals = items
                    .iter()
                    .map(|x| self.eval(f, x))
                    .collect::<R<Vec<_>>>()?;
                let v = Val::Tuple(vals.into());
                self.check_nesting(f, &v, e.span)?;
                Ok(v)
            }
            ExprKind::ListComp { more, .. } if !more.is_empty() => fail(
                m,
                e.span,
                "a comprehension with several `for` clauses",
                "write nested loops",
            ),
            ExprKind::ListComp {
                elt,
                target,
                iter,
                cond,
                ..
            } => {
                let seq = self.eval(f, iter)?;
                let mut out = Vec::new();
                let mut k = 0;
                loop {
                    let item = match super::builtins::nth_item(&seq, k) {
                        Ok(Some(x)) => x,
                        Ok(None) => break,
                        Err(msg) => return fail(m, iter.span, msg, ""),
                    };
                    k += 1;
                    self.tick(f, e.span)?;
                    f.push_scope();
                    let r = self.bind_target(f, target, item).and_then(|()| {
                        let keep = match cond {
                            Some(c) => self.truthy(f, c)?,
                            None => true,
                        };
                        Ok(if keep { Some(self.eval(f, elt)?) } else { None })
                    });
                    f.pop_scope();
                    out.extend(r?);
                    if out.len() > MAX_LIST {
                        return fail(m, e.span, value::too_large(), "");
                    }
                }
                let v = super::builtins::list_of(out, self.list_struct());
                self.check_nesting(f, &v, e.span)?;
                Ok(v)
            }
            ExprKind::Index { base, args } => self.index(f, e, base, args),
            ExprKind::Attr { base, name } => self.attr(f, e, base, name),
            ExprKind::Call { func, args } => self.call(f, e, func, args),
            ExprKind::Dict(_)
            | ExprKind::Set(_)
            | ExprKind::DictComp { .. }
            | ExprKind::SetComp { .. } => fail(
                m,
                e.span,
                "a `Dict` or `Set`",
                "compile-time code supports numbers, Bool, String, List and tuples",
            ),
            ExprKind::Lambda { .. } | ExprKind::FnType { .. } => {
                fail(m, e.span, "a function value", "")
            }
            ExprKind::InitList(_) => fail(m, e.span, "an initializer list", ""),
            ExprKind::Slice { .. } | ExprKind::Ellipsis | ExprKind::Error => {
                fail(m, e.span, "this expression", "")
            }
        }
    }

    fn name(&mut self, f: &mut Frame, n: &str, span: Span) -> R<Val> {
        if let Some(v) = f.lookup(n) {
            return Ok(v.clone());
        }
        if let Some(c) = f.consts.get(n).cloned() {
            return self.const_val(f.m, &c, n, span);
        }
        match self.cx.modules[f.m].scope.get(n).cloned() {
            Some(Item::Const(c)) => self.const_val(f.m, &c, n, span),
            Some(Item::Func(_)) => fail(
                f.m,
                span,
                format!("the function `{n}` used as a value"),
                "call it",
            ),
            _ => fail(
                f.m,
                span,
                format!("`{n}` is not known at compile time"),
                "only literals, `comptime` names, compile-time parameters and the locals of functions called at compile time have compile-time values",
            ),
        }
    }

    /// The value of a named constant; a deferred one is evaluated (memoized).
    pub fn const_val(&mut self, m: usize, c: &ConstVal, n: &str, span: Span) -> R<Val> {
        if let ConstVal::Expr(dm, e) = c {
            let c = super::force_in(self, *dm, e)?;
            return Val::from_const(&c)
                .map_or_else(|| fail(m, span, format!("the value of `{n}`"), ""), Ok);
        }
        match Val::from_const(c) {
            Some(v) => Ok(v),
            None => fail(
                m,
                span,
                format!("`{n}` is a type or a `DType`, not a value"),
                "",
            ),
        }
    }

    fn index(&mut self, f: &mut Frame, e: &Expr, base: &Expr, args: &[Arg]) -> R<Val> {
        let m = f.m;
        let b = self.eval(f, base)?;
        if args.len() != 1 {
            return fail(m, e.span, "this indexing", "");
        }
        if let ExprKind::Slice { lo, hi, step } = &args[0].value.kind {
            let mut part = |x: &Option<Box<Expr>>| -> R<Option<i128>> {
                match x {
                    None => Ok(None),
                    Some(x) => match self.eval(f, x)? {
                        Val::Int(i, _) => Ok(Some(i)),
                        _ => fail(m, x.span, "a slice bound that is not an `Int`", ""),
                    },
                }
            };
            let (lo, hi, step) = (part(lo)?, part(hi)?, part(step)?);
            return super::builtins::slice(&b, lo, hi, step.unwrap_or(1))
                .or_else(|msg| fail(m, e.span, msg, ""));
        }
        let i = self.eval(f, &args[0].value)?;
        let Val::Int(i, _) = i else {
            return fail(m, args[0].value.span, "an index that is not an `Int`", "");
        };
        super::builtins::index(&b, i).or_else(|msg| fail(m, e.span, msg, ""))
    }

    fn attr(&mut self, f: &mut Frame, e: &Expr, base: &Expr, name: &ast::Ident) -> R<Val> {
        let m = f.m;
        if let ExprKind::Name(b) = &base.kind
            && f.lookup(b).is_none()
        {
            // `Self.n`: a parameter of the struct instance whose method is being checked.
            if b == "Self"
                && !self.cx.modules[m].scope.contains_key(b)
                && let Some(c) = f.consts.get(&name.name).cloned()
            {
                return self.const_val(m, &c, &name.name, e.span);
            }
            // `Type.NAME` / `Self.NAME`: a struct's compile-time member.
            if let Some(Item::Struct(s)) = self.cx.modules[m].scope.get(b) {
                return match self.cx.structs[*s as usize].consts.get(&name.name).cloned() {
                    Some(c) => self.const_val(m, &c, &name.name, e.span),
                    None => fail(
                        m,
                        e.span,
                        format!("`{b}.{}`", name.name),
                        "only `comptime` members of a struct are known at compile time",
                    ),
                };
            }
        }
        // `Int.MAX`, `UInt8.MIN`: the range of an integer type.
        if let ExprKind::Name(b) = &base.kind
            && f.lookup(b).is_none()
            && !self.cx.modules[m].scope.contains_key(b)
            && let Some(t @ Ty::Int { bits, signed }) = crate::check::items::scalar_type(b)
            && matches!(name.name.as_str(), "MAX" | "MIN")
        {
            let bits = u32::from(bits);
            let v = match (name.name.as_str(), signed) {
                ("MAX", true) => (1i128 << (bits - 1)) - 1,
                ("MIN", true) => -(1i128 << (bits - 1)),
                ("MAX", false) => (1i128 << bits) - 1,
                _ => 0,
            };
            return Ok(Val::Int(v, t));
        }
        // `module.NAME`
        if let Some(Item::Module(t)) = self.cx.module_path(m, base) {
            return match self.cx.modules[t].scope.get(&name.name).cloned() {
                Some(Item::Const(c)) => self.const_val(t, &c, &name.name, e.span),
                _ => fail(
                    m,
                    e.span,
                    format!("`{}`", name.name),
                    "only constants of a module are values at compile time",
                ),
            };
        }
        fail(
            m,
            e.span,
            format!("the attribute `{}`", name.name),
            "structs and their fields are not supported at compile time",
        )
    }
}
