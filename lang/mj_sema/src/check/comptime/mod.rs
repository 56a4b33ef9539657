//! Calls of ordinary functions at compile time (`comptime N = fib(10)`,
//! `comptime if is_prime(n):`, `InlineArray[Int, square(3)]`, `f[table_size(4)]()`).
//!
//! **What is interpreted.** The syntax tree of the called functions, with their checked
//! signatures (parameter and result types, conventions) from the item table. Not TIR:
//! the TIR of another function is the result of its own `infer` query, and reading it
//! from inside `infer` would make queries depend on each other's bodies and cycle (a
//! function whose `comptime` value calls itself); not MIR: that exists only after
//! lowering the whole program. The called functions are still type-checked as ordinary
//! bodies, so their errors are reported there; the interpreter only has to compute, and
//! stops with a diagnostic (E0118) at anything it cannot do at compile time.
//!
//! **Where the bodies come from.** Item collection sees item trees only (no bodies), so
//! it evaluates no calls: a module-level or struct constant whose value needs a call is
//! kept as a deferred constant (`ConstVal::Expr`) and evaluated where a body uses it.
//! Body checking runs inside an [`Env`] that holds the full trees of the modules it may
//! read: its own, and any other one it turns out to need. A module that is needed and
//! not loaded stops the evaluation (`Stop::Need`); [`check_body_lazy`] then loads it (in
//! the salsa database: `parse(file)`, so the dependency is recorded only for bodies that
//! really evaluate code of that file) and checks the body again. Each round loads at
//! least one new module, so this ends. Errors of deferred constants that no body uses
//! are reported by [`check_consts`].
//!
//! The environment reaches `const_eval` (which only gets the item table) through a
//! thread-local, installed for the duration of one body check; the evaluation itself
//! runs on a thread of its own with a large stack, so deep (but bounded) recursion of
//! the interpreted code cannot overflow the compiler's stack.

mod builtins;
mod calls;
mod interp;
mod value;

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use mj_syntax::ast::{Expr, ExprKind, Module};
use mj_syntax::{Diag, Span};

use super::{ConstVal, Ctx, E_COMPTIME, Item, Items};
use crate::tir::TFunction;
use crate::ty::{CtArg, Ty};
use interp::{Frame, Interp, Stop};

/// Statements, loop iterations and calls one compile-time evaluation may run.
pub(crate) const MAX_STEPS: u64 = 1_000_000;
/// Nested calls one compile-time evaluation may make.
pub(crate) const MAX_DEPTH: u32 = 1000;
/// The largest compile-time list and string.
pub(crate) const MAX_LIST: usize = 1 << 22;
pub(crate) const MAX_STR: usize = 1 << 24;
/// Nested statements, blocks and expressions being evaluated at once: a guard on the
/// interpreter's own stack (`MAX_DEPTH` calls of ordinary code stay far below it).
pub(crate) const MAX_NESTING: u32 = 30_000;
/// Stack of the evaluation thread (reserved, touched only as deep as evaluation goes):
/// unoptimized builds use up to about 6 KiB per nesting level.
const STACK_BYTES: usize = 512 << 20;

/// What one body check may read and what compile-time evaluation found.
pub(crate) struct Env {
    trees: HashMap<usize, Arc<Module>>,
    /// Modules whose trees evaluation needed and did not have.
    missing: BTreeSet<usize>,
    /// Deferred constants already evaluated, by where their value is written.
    memo: HashMap<Key, Result<ConstVal, (usize, Box<Diag>)>>,
    /// Deferred constants being evaluated (to report a constant that needs itself).
    forcing: Vec<Key>,
    errors: Vec<(usize, Diag)>,
    /// Where an evaluation that failed was started: the checker's own "not a
    /// compile-time constant" error there is replaced by the error that says why.
    failed: Vec<(usize, Span)>,
    /// The nested `def`s visible where the body being checked evaluates a constant
    /// (`comptime ten = add_one(9)`), by name: the definition, its signature and module.
    pub nested: HashMap<String, NestedDef>,
}

/// A nested `def` callable at compile time: its definition, signature and module.
pub(crate) type NestedDef = (Arc<mj_syntax::ast::FnDef>, super::Sig, usize);

/// Runs `f` with the nested `def`s `defs` callable by compile-time evaluation.
pub(crate) fn with_nested_defs<T>(defs: HashMap<String, NestedDef>, f: impl FnOnce() -> T) -> T {
    let saved = with_env(|env| std::mem::replace(&mut env.nested, defs));
    let r = f();
    if let Some(saved) = saved {
        with_env(|env| env.nested = saved);
    }
    r
}

impl Env {
    fn new(trees: HashMap<usize, Arc<Module>>) -> Env {
        Env {
            trees,
            missing: BTreeSet::new(),
            memo: HashMap::new(),
            forcing: Vec::new(),
            errors: Vec::new(),
            failed: Vec::new(),
            nested: HashMap::new(),
        }
    }

    /// The body's diagnostics with the evaluation errors in place of the generic ones.
    fn finish(self, mut diags: Vec<(usize, Diag)>) -> Vec<(usize, Diag)> {
        let failed = self.failed;
        diags.retain(|(m, d)| {
            !((d.code == E_COMPTIME || d.code == super::generics::E_GENERIC)
                && failed
                    .iter()
                    .any(|(fm, s)| fm == m && d.span.start <= s.start && s.end <= d.span.end))
        });
        diags.extend(self.errors);
        diags
    }
}

thread_local! {
    static ENV: RefCell<Option<Env>> = const { RefCell::new(None) };
}

/// Installs an environment for the current thread; dropping the guard restores the
/// previous one (also when checking panics).
struct Installed {
    previous: Option<Env>,
    done: bool,
}

impl Installed {
    fn new(env: Env) -> Installed {
        Installed {
            previous: ENV.with(|c| c.borrow_mut().replace(env)),
            done: false,
        }
    }

    /// Removes the environment and hands it back.
    fn take(mut self) -> Option<Env> {
        self.done = true;
        let prev = self.previous.take();
        ENV.with(|c| std::mem::replace(&mut *c.borrow_mut(), prev))
    }
}

impl Drop for Installed {
    fn drop(&mut self) {
        if !self.done {
            let prev = self.previous.take();
            ENV.with(|c| *c.borrow_mut() = prev);
        }
    }
}

/// Runs `f` with the installed environment, if any (taken out meanwhile, so that the
/// interpreter's own use of the checker does not evaluate calls again).
fn with_env<T>(f: impl FnOnce(&mut Env) -> T) -> Option<T> {
    let mut env = ENV.with(|c| c.borrow_mut().take())?;
    let r = f(&mut env);
    ENV.with(|c| *c.borrow_mut() = Some(env));
    Some(r)
}

/// How an evaluation ended without a value.
enum Failure {
    Diag(usize, Box<Diag>),
    Need(usize),
}

impl Env {
    fn record(&mut self, f: Failure, site: Option<(usize, Span)>) {
        match f {
            Failure::Diag(m, d) => {
                if !self.errors.iter().any(|(em, ed)| *em == m && ed == &*d) {
                    self.errors.push((m, *d));
                }
            }
            Failure::Need(m) => {
                self.missing.insert(m);
            }
        }
        if let Some(s) = site {
            self.failed.push(s);
        }
    }
}

/// Evaluates `e` in module `m` on a thread with a large stack. `locals` are the
/// compile-time names in scope (parameters of the instance, `comptime` values).
fn run(
    cx: &Ctx,
    env: &mut Env,
    m: usize,
    e: &Expr,
    locals: &HashMap<String, ConstVal>,
) -> Result<ConstVal, Failure> {
    let root = (m, e.span);
    let job = move || {
        let mut it = Interp {
            cx,
            env,
            steps: 0,
            depth: 0,
            nesting: 0,
            root,
        };
        let mut frame = Frame::new(m, locals.clone());
        finish_value(m, e.span, it.eval(&mut frame, e))
    };
    let spawned = std::thread::scope(|s| {
        std::thread::Builder::new()
            .name("mj-comptime".into())
            .stack_size(STACK_BYTES)
            .spawn_scoped(s, job)
            .map(|h| h.join())
    });
    match spawned {
        Ok(Ok(r)) => r,
        Ok(Err(_)) => Err(internal(m, e.span, "compile-time evaluation crashed")),
        Err(_) => Err(internal(
            m,
            e.span,
            "could not start compile-time evaluation",
        )),
    }
}

fn internal(m: usize, span: Span, what: &str) -> Failure {
    Failure::Diag(
        m,
        Box::new(
            Diag::error(E_COMPTIME, format!("internal compiler error: {what}"), span)
                .with_hint("please report this; compute the value at run time meanwhile"),
        ),
    )
}

fn finish_value(m: usize, span: Span, r: interp::R<value::Val>) -> Result<ConstVal, Failure> {
    match r {
        Ok(v) => v.to_const().ok_or_else(|| {
            Failure::Diag(
                m,
                Box::new(
                    Diag::error(
                        E_COMPTIME,
                        "this compile-time expression has no value",
                        span,
                    )
                    .with_hint("the function returns nothing"),
                ),
            )
        }),
        Err(Stop::Fail(dm, d)) => Err(Failure::Diag(dm, d)),
        Err(Stop::Need(nm)) => Err(Failure::Need(nm)),
        Err(_) => Err(internal(
            m,
            span,
            "control flow left a compile-time expression",
        )),
    }
}

/// Hook of `const_eval` for what it cannot fold itself (calls, indexing, lists): the
/// interpreter's value, or `None` (with the reason recorded) outside bodies or on failure.
pub(crate) fn eval_expr(
    cx: &Ctx,
    m: usize,
    e: &Expr,
    locals: &HashMap<String, ConstVal>,
) -> Option<ConstVal> {
    if !matches!(
        e.kind,
        ExprKind::Call { .. }
            | ExprKind::Index { .. }
            | ExprKind::Attr { .. }
            | ExprKind::List(_)
            | ExprKind::ListComp { .. }
            | ExprKind::FString(_)
            | ExprKind::Tuple(_)
    ) {
        return None;
    }
    with_env(|env| match run(cx, env, m, e, locals) {
        Ok(v) => Some(v),
        Err(f) => {
            env.record(f, Some((m, e.span)));
            None
        }
    })
    .flatten()
}

/// The outcome of evaluating a named constant.
pub(crate) enum Forced {
    Value(ConstVal),
    /// Not a deferred constant that is computed by calls (a plain value, or a
    /// struct-valued constant, which is checked at each use), or no environment.
    NotApplicable,
    /// Evaluation failed. The error is recorded where the checker reports its own error
    /// at the use (`site`); otherwise it is handed back to be reported with the body.
    Failed(Option<(usize, Diag)>),
}

/// Evaluates a deferred constant (memoized). `site` is where it is used, when the
/// checker reports its own error there on failure; `locals` are the compile-time names
/// there. A constant of a generic struct may use the struct's parameters (`comptime SQ =
/// sq(n)`): they are taken from `locals`, and without them (or with other names that only
/// a body knows) the constant stays an expression checked at its use.
pub(crate) fn force(
    cx: &Ctx,
    c: &ConstVal,
    site: Option<(usize, Span)>,
    locals: &HashMap<String, ConstVal>,
) -> Forced {
    let ConstVal::Expr(dm, e) = c else {
        return Forced::NotApplicable;
    };
    if struct_valued(cx, *dm, e) {
        return Forced::NotApplicable;
    }
    let mut free = Vec::new();
    free_names(cx, *dm, e, &mut free);
    let mut bound = HashMap::new();
    for n in free {
        match locals.get(&n) {
            Some(v) if !matches!(v, ConstVal::Expr(..) | ConstVal::Param(..)) => {
                bound.insert(n, v.clone());
            }
            _ => return Forced::NotApplicable,
        }
    }
    with_env(|env| match (force_top(cx, env, *dm, e, &bound), site) {
        (Ok(v), _) => Forced::Value(v),
        (Err(Failure::Diag(m, d)), None) => Forced::Failed(Some((m, *d))),
        (Err(f), site) => {
            env.record(f, site);
            Forced::Failed(None)
        }
    })
    .unwrap_or(Forced::NotApplicable)
}

/// A deferred constant: its module, where its value is written, and the values of the
/// parameters it uses (empty for a module constant).
type Key = (usize, u32, u32, String);

fn key(m: usize, e: &Expr) -> Key {
    (m, e.span.start, e.span.end, String::new())
}

/// Names in value positions of `e` that module `m` does not define: parameters of a
/// generic struct, `Self`, or names only a body knows.
fn free_names(cx: &Ctx, m: usize, e: &Expr, out: &mut Vec<String>) {
    let mut go = |x: &Expr| free_names(cx, m, x, out);
    match &e.kind {
        ExprKind::Name(n)
            if !cx.modules[m].scope.contains_key(n)
                && !super::builtins::BUILTIN_NAMES.contains(&n.as_str())
                && super::items::scalar_type(n).is_none()
                && ![
                    "List",
                    "String",
                    "Tuple",
                    "DType",
                    "SIMD",
                    "InlineArray",
                    "Array",
                ]
                .contains(&n.as_str()) =>
        {
            out.push(n.clone());
        }
        // The callee is a function or a type; its `[...]` arguments are values.
        ExprKind::Call { func, args } => {
            if let ExprKind::Index { args: params, .. } = &func.kind {
                params.iter().for_each(|a| go(&a.value));
            }
            if let ExprKind::Attr { base, .. } = &func.kind {
                go(base);
            }
            args.iter().for_each(|a| go(&a.value));
        }
        ExprKind::Attr { base, .. } => go(base),
        ExprKind::Unary { expr, .. } | ExprKind::Transfer(expr) => go(expr),
        ExprKind::Binary { lhs, rhs, .. } => {
            go(lhs);
            go(rhs);
        }
        ExprKind::Compare { first, rest } => {
            go(first);
            rest.iter().for_each(|(_, x)| go(x));
        }
        ExprKind::IfExp {
            cond,
            then,
            otherwise,
        } => {
            go(cond);
            go(then);
            go(otherwise);
        }
        ExprKind::Index { base, args } => {
            go(base);
            args.iter().for_each(|a| go(&a.value));
        }
        ExprKind::List(xs) | ExprKind::Tuple(xs) => xs.iter().for_each(go),
        ExprKind::FString(parts) => {
            for p in parts {
                if let mj_syntax::ast::FStringPart::Expr { expr, .. } = p {
                    go(expr);
                }
            }
        }
        // A comprehension binds its own names; leave it to the interpreter.
        _ => {}
    }
}

fn force_top(
    cx: &Ctx,
    env: &mut Env,
    dm: usize,
    e: &Expr,
    bound: &HashMap<String, ConstVal>,
) -> Result<ConstVal, Failure> {
    let mut k = key(dm, e);
    if !bound.is_empty() {
        // One value per instance: the parameters' values are part of the key.
        let mut b: Vec<String> = bound.iter().map(|(n, v)| format!("{n}={v:?}")).collect();
        b.sort();
        k.3 = b.join(",");
    }
    if let Some(r) = env.memo.get(&k) {
        return r.clone().map_err(|(m, d)| Failure::Diag(m, d));
    }
    env.forcing.push(k.clone());
    let r = run(cx, env, dm, e, bound);
    env.forcing.pop();
    match r {
        Ok(v) => {
            env.memo.insert(k, Ok(v.clone()));
            Ok(v)
        }
        Err(Failure::Diag(m, d)) => {
            env.memo.insert(k, Err((m, d.clone())));
            Err(Failure::Diag(m, d))
        }
        Err(f) => Err(f),
    }
}

/// A deferred constant met inside the interpreter: evaluated with a budget of its own
/// and its own position for budget errors, so its errors do not depend on the use.
pub(crate) fn force_in(it: &mut Interp<'_>, dm: usize, e: &Expr) -> interp::R<ConstVal> {
    let k = key(dm, e);
    if let Some(r) = it.env.memo.get(&k) {
        return r.clone().map_err(|(m, d)| Stop::Fail(m, d));
    }
    if it.env.forcing.contains(&k) {
        let d = Diag::error(
            E_COMPTIME,
            "this compile-time constant depends on itself",
            e.span,
        )
        .with_hint("its value calls code that uses the constant again");
        return Err(Stop::Fail(dm, Box::new(d)));
    }
    if struct_valued(it.cx, dm, e) {
        return interp::fail(
            dm,
            e.span,
            "a struct value",
            "structs are not supported at compile time yet",
        );
    }
    it.env.forcing.push(k.clone());
    let saved = (it.steps, it.root);
    it.steps = 0;
    it.root = (dm, e.span);
    let mut frame = Frame::new(dm, HashMap::new());
    let r = it.eval(&mut frame, e);
    (it.steps, it.root) = saved;
    it.env.forcing.pop();
    let r = finish_value(dm, e.span, r);
    match r {
        Ok(v) => {
            it.env.memo.insert(k, Ok(v.clone()));
            Ok(v)
        }
        Err(Failure::Diag(m, d)) => {
            it.env.memo.insert(k, Err((m, d.clone())));
            Err(Stop::Fail(m, d))
        }
        Err(Failure::Need(nm)) => Err(Stop::Need(nm)),
    }
}

/// A constant whose value is a struct (`comptime RED = Color(0)`, a function returning
/// a struct): not evaluated at compile time but checked at each use, as before.
pub(crate) fn struct_valued(cx: &Ctx, m: usize, e: &Expr) -> bool {
    // `Box[1]() + Box[2]()`: an operator on struct values.
    if let ExprKind::Binary { lhs, rhs, .. } = &e.kind {
        return struct_valued(cx, m, lhs) || struct_valued(cx, m, rhs);
    }
    let ExprKind::Call { func, .. } = &e.kind else {
        return false;
    };
    let head = match &func.kind {
        ExprKind::Index { base, .. } => base,
        _ => func,
    };
    match &head.kind {
        // `SIMD[DType.int8, 4](1, 2, 3, 4)`: a vector (the interpreter has scalars only),
        // also checked at each use; LLVM folds it to a constant.
        ExprKind::Name(n)
            if matches!(n.as_str(), "SIMD" | "InlineArray" | "Array")
                && matches!(func.kind, ExprKind::Index { .. })
                && !cx.modules[m].scope.contains_key(n) =>
        {
            true
        }
        ExprKind::Name(n) => match cx.modules[m].scope.get(n) {
            // A struct, or an alias of one (`row_major[8]()`).
            Some(Item::Struct(_))
            | Some(Item::Const(ConstVal::Alias(_)))
            | Some(Item::Const(ConstVal::Type(Ty::Struct(..)))) => true,
            Some(Item::Func(id)) => {
                matches!(
                    cx.funcs[id.0 as usize].sig.ret,
                    Ty::Struct(..) | Ty::Param(_)
                )
            }
            _ => false,
        },
        // `Type.make()`, `Type[Int].make()`: a static method.
        ExprKind::Attr { base, .. } => match &base.kind {
            ExprKind::Name(n) => matches!(cx.modules[m].scope.get(n), Some(Item::Struct(_))),
            ExprKind::Index { base, .. } => matches!(&base.kind,
                ExprKind::Name(n) if matches!(cx.modules[m].scope.get(n), Some(Item::Struct(_)))),
            _ => false,
        },
        _ => false,
    }
}

/// Whether item collection should keep a constant it cannot fold as a deferred one: its
/// value needs a call, a list, or another deferred constant.
pub(crate) fn deferrable(cx: &Ctx, m: usize, e: &Expr) -> bool {
    let d = |x: &Expr| deferrable(cx, m, x);
    match &e.kind {
        ExprKind::Call { .. }
        | ExprKind::ListComp { .. }
        | ExprKind::List(_)
        | ExprKind::FString(_) => true,
        ExprKind::Name(n) => matches!(
            cx.modules[m].scope.get(n),
            Some(Item::Const(ConstVal::Expr(..)))
        ),
        ExprKind::Unary { expr, .. } => d(expr),
        ExprKind::Binary { lhs, rhs, .. } => d(lhs) || d(rhs),
        ExprKind::Compare { first, rest } => d(first) || rest.iter().any(|(_, x)| d(x)),
        ExprKind::IfExp {
            cond,
            then,
            otherwise,
        } => d(cond) || d(then) || d(otherwise),
        ExprKind::Index { base, args } => d(base) || args.iter().any(|a| d(&a.value)),
        ExprKind::Tuple(xs) => xs.iter().any(d),
        _ => false,
    }
}

/// Why a constant computed by calls has no value where no body is being checked (a
/// signature, a field type), for the hint of the error there.
pub(crate) fn outside_body_hint(cx: &Ctx, m: usize, e: &Expr) -> Option<String> {
    if !deferrable(cx, m, e) || ENV.with(|c| c.borrow().is_some()) {
        return None;
    }
    Some(
        "a value computed by a function call is known inside function bodies only, not in \
         signatures or field types; use a literal or a `comptime` constant made of literals"
            .into(),
    )
}

/// The type of a compile-time list or tuple value (for materializing it at run time).
pub(crate) fn const_type(c: &ConstVal, list: Option<u32>) -> Ty {
    match c {
        ConstVal::Int(_, t) | ConstVal::Float(_, t) => t.clone(),
        ConstVal::Bool(_) => Ty::Bool,
        ConstVal::Str(_) => Ty::Str,
        ConstVal::List(_, e) => value::list_type(list, e.clone()),
        ConstVal::Tuple(xs) => Ty::Tuple(xs.iter().map(|x| const_type(x, list)).collect()),
        _ => Ty::Unknown,
    }
}

/// A literal expression with the value of a compile-time list or tuple: a use of the
/// constant at run time builds it (checked with the type from [`const_type`]).
pub(crate) fn to_literal(c: &ConstVal, span: Span) -> Option<Expr> {
    use mj_syntax::ast::UnOp;
    let ex = |kind| Expr { kind, span };
    Some(match c {
        ConstVal::Int(i, _) if *i < 0 => ex(ExprKind::Unary {
            op: UnOp::Neg,
            expr: Box::new(ex(ExprKind::Int(i.unsigned_abs()))),
        }),
        ConstVal::Int(i, _) => ex(ExprKind::Int(*i as u128)),
        ConstVal::Float(f, _) => ex(ExprKind::Float(*f)),
        ConstVal::Bool(b) => ex(ExprKind::Bool(*b)),
        ConstVal::Str(s) => ex(ExprKind::Str(s.clone())),
        ConstVal::List(xs, _) => ex(ExprKind::List(
            xs.iter()
                .map(|x| to_literal(x, span))
                .collect::<Option<_>>()?,
        )),
        ConstVal::Tuple(xs) => ex(ExprKind::Tuple(
            xs.iter()
                .map(|x| to_literal(x, span))
                .collect::<Option<_>>()?,
        )),
        _ => return None,
    })
}

/// Checks one body (see [`super::check_body`]) with compile-time evaluation able to read
/// function bodies: `own` is the statement that defines the function (`own_stmt`),
/// `fetch(m)` loads the full tree of module `m` when evaluation needs it.
pub fn check_body_lazy(
    items: &Items,
    index: u32,
    targs: &[CtArg],
    own: Option<&mj_syntax::ast::Stmt>,
    lines: &dyn super::Lines,
    fetch: &mut dyn FnMut(usize) -> Arc<Module>,
) -> (TFunction, Vec<(usize, Diag)>) {
    // `own` holds only this function in full (`db::fn_syntax`): evaluation that reads
    // another body of its module fetches the module's full tree.
    let mut trees = HashMap::new();
    loop {
        let guard = Installed::new(Env::new(trees.clone()));
        let (f, d) = super::check_body(items, index, targs, own, lines);
        let Some(env) = guard.take() else {
            return (f, d);
        };
        let new: Vec<usize> = env
            .missing
            .iter()
            .copied()
            .filter(|m| !trees.contains_key(m) && *m < items.cx.modules.len())
            .collect();
        if new.is_empty() {
            return (f, env.finish(d));
        }
        for m in new {
            trees.insert(m, fetch(m));
        }
    }
}

/// Evaluates every deferred constant of the program once, so that one no body uses
/// still reports its errors (the same diagnostics as at a use; duplicates are dropped).
pub fn check_consts(
    items: &Items,
    fetch: &mut dyn FnMut(usize) -> Arc<Module>,
) -> Vec<(usize, Diag)> {
    let cx = &items.cx;
    let mut seen = HashSet::new();
    let mut todo: Vec<(usize, Arc<Expr>)> = Vec::new();
    let scopes = cx
        .modules
        .iter()
        .flat_map(|md| {
            md.scope.values().filter_map(|it| match it {
                Item::Const(c) => Some(c),
                _ => None,
            })
        })
        .chain(cx.structs.iter().flat_map(|s| s.consts.values()));
    for c in scopes {
        let closed = |dm: usize, e: &Expr| {
            let mut free = Vec::new();
            free_names(cx, dm, e, &mut free);
            free.is_empty()
        };
        if let ConstVal::Expr(dm, e) = c
            && !struct_valued(cx, *dm, e)
            && closed(*dm, e)
            && seen.insert(key(*dm, e))
        {
            todo.push((*dm, e.clone()));
        }
    }
    if todo.is_empty() {
        return Vec::new();
    }
    let order: Vec<_> = (0..cx.modules.len()).map(|m| cx.source_order(m)).collect();
    todo.sort_by_key(|(m, e)| (*m, order[*m](e.span.start)));
    let mut trees = HashMap::new();
    loop {
        let mut env = Env::new(trees.clone());
        for (m, e) in &todo {
            if let Err(f) = force_top(cx, &mut env, *m, e, &HashMap::new()) {
                env.record(f, None);
            }
        }
        let new: Vec<usize> = env
            .missing
            .iter()
            .copied()
            .filter(|m| !trees.contains_key(m) && *m < cx.modules.len())
            .collect();
        if new.is_empty() {
            return env.errors;
        }
        for m in new {
            trees.insert(m, fetch(m));
        }
    }
}

/// The full definition (with its body) of module-level function `id`, from the trees of
/// the current body check. A module whose tree is not loaded yet is asked for: the body
/// is checked again with it (see `check_body_lazy`), and `None` is returned meanwhile.
pub(crate) fn function_def(cx: &Ctx, id: crate::tir::FnId) -> Option<mj_syntax::ast::FnDef> {
    let f = cx.funcs.get(id.0 as usize)?;
    ENV.with(|c| {
        let mut b = c.borrow_mut();
        let env = b.as_mut()?;
        match env.trees.get(&f.module) {
            Some(t) => calls::locate(t, f.loc).cloned(),
            None => {
                env.missing.insert(f.module);
                None
            }
        }
    })
}
