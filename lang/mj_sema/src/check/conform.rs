//! Compile-time conformance tests: `conforms_to(T, Trait)`, `where` clauses on functions
//! and methods (`def f[T: AnyType](x: T) where conforms_to(T, Writable)`), conditional
//! conformance in a struct's conformance list (`Writable where conforms_to(T, Writable)`)
//! and `trait_downcast[Trait](x)`.
//!
//! Generic bodies are checked per instance, so every condition here is decided with the
//! instance's concrete arguments; in a template (parameters still open) a condition is
//! undecided (`None`) and nothing is reported.

use std::collections::HashMap;
use std::sync::Mutex;

use mj_syntax::Diag;
use mj_syntax::ast::{self, Arg, Expr, ExprKind};

use super::body::FnCx;
use super::generics::{
    E_CONFORMANCE, TyScope, conforms, function_instance_names, resolve_traits,
    struct_instance_names,
};
use super::items::{const_eval, resolve_type};
use super::{ConstVal, Ctx, TraitRef};
use crate::tir::{FnId, TExpr, TExprKind as K};
use crate::ty::{CtArg, Ty};

/// Evaluates a compile-time condition: `True`/`False`, `not`, `and`, `or`,
/// `conforms_to(T, Trait)`, predicates of parameters (`n.is_power_of_two()`,
/// `dt.is_floating_point()`) and whatever `const_eval` folds (`n > 0`). `None` when the
/// condition cannot be decided here (a template, or an expression that is not constant).
pub(crate) fn ct_bool(
    cx: &Ctx,
    m: usize,
    e: &Expr,
    scope: &TyScope,
    diags: &mut Vec<(usize, Diag)>,
) -> Option<bool> {
    match &e.kind {
        ExprKind::Bool(b) => Some(*b),
        ExprKind::Unary {
            op: ast::UnOp::Not,
            expr,
        } => ct_bool(cx, m, expr, scope, diags).map(|b| !b),
        ExprKind::Binary {
            op: op @ (ast::BinOp::And | ast::BinOp::Or),
            lhs,
            rhs,
        } => {
            let l = ct_bool(cx, m, lhs, scope, diags)?;
            match (op, l) {
                (ast::BinOp::And, false) => Some(false),
                (ast::BinOp::Or, true) => Some(true),
                _ => ct_bool(cx, m, rhs, scope, diags),
            }
        }
        ExprKind::Call { func, args } if is_name(func, "conforms_to") => {
            let [t, tr] = args.as_slice() else {
                diags.push((m, arity_error(e.span)));
                return None;
            };
            let ty = type_expr(cx, m, &t.value, scope, diags);
            conforms_to(cx, m, &ty, &tr.value, diags)
        }
        ExprKind::Call { func, args } if args.is_empty() => {
            let ExprKind::Attr { base, name } = &func.kind else {
                return const_bool(cx, m, e, scope);
            };
            // `CompilationTarget.is_x86()` and other receivers that are not values.
            let Some(recv) = const_eval(cx, m, base, scope.consts) else {
                return const_bool(cx, m, e, scope);
            };
            match recv {
                ConstVal::Int(v, _) => match name.name.as_str() {
                    "is_power_of_two" => Some(v > 0 && v & (v - 1) == 0),
                    _ => None,
                },
                ConstVal::DType(t) => dtype_predicate(&t, &name.name),
                _ => None,
            }
        }
        _ => const_bool(cx, m, e, scope),
    }
}

/// A type operand of `conforms_to`: a type expression, where `Self.T` names the owner
/// struct's parameter `T`.
fn type_expr(cx: &Ctx, m: usize, e: &Expr, scope: &TyScope, diags: &mut Vec<(usize, Diag)>) -> Ty {
    if let ExprKind::Attr { base, name } = &e.kind
        && is_name(base, "Self")
        && let Some(t) = scope.types.get(&name.name)
    {
        return t.clone();
    }
    resolve_type(cx, m, e, scope, diags)
}

/// A condition as source-like text, for messages.
fn cond_text(e: &Expr) -> String {
    let args = |a: &[Arg]| {
        a.iter()
            .map(|a| cond_text(&a.value))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match &e.kind {
        ExprKind::Name(n) => n.clone(),
        ExprKind::Int(v) => v.to_string(),
        ExprKind::Bool(b) => if *b { "True" } else { "False" }.into(),
        ExprKind::Attr { base, name } => format!("{}.{}", cond_text(base), name.name),
        ExprKind::Call { func, args: a } => format!("{}({})", cond_text(func), args(a)),
        ExprKind::Index { base, args: a } => format!("{}[{}]", cond_text(base), args(a)),
        ExprKind::Unary {
            op: ast::UnOp::Not,
            expr,
        } => format!("not {}", cond_text(expr)),
        ExprKind::Binary { op, lhs, rhs } => {
            format!("{} {} {}", cond_text(lhs), op.symbol(), cond_text(rhs))
        }
        ExprKind::Compare { first, rest } => {
            let mut s = cond_text(first);
            for (op, e) in rest {
                s += &format!(" {} {}", op.symbol(), cond_text(e));
            }
            s
        }
        _ => "...".into(),
    }
}

fn const_bool(cx: &Ctx, m: usize, e: &Expr, scope: &TyScope) -> Option<bool> {
    match const_eval(cx, m, e, scope.consts)? {
        ConstVal::Bool(b) => Some(b),
        _ => None,
    }
}

/// `DType` predicates usable in conditions (`dt.is_floating_point()`).
pub(crate) fn dtype_predicate(t: &Ty, name: &str) -> Option<bool> {
    if t.has_param() {
        return None;
    }
    Some(match name {
        "is_floating_point" => t.is_float(),
        "is_integral" => t.is_int(),
        "is_signed" => t.is_float() || matches!(t, Ty::Int { signed: true, .. }),
        "is_unsigned" => matches!(t, Ty::Int { signed: false, .. }),
        "is_numeric" => t.is_int() || t.is_float(),
        "is_bool" => *t == Ty::Bool,
        _ => return None,
    })
}

pub(crate) fn is_name(e: &Expr, n: &str) -> bool {
    matches!(&e.kind, ExprKind::Name(x) if x == n)
}

fn arity_error(span: mj_syntax::Span) -> Diag {
    Diag::error(
        E_CONFORMANCE,
        "`conforms_to` takes a type and a trait",
        span,
    )
    .with_hint("write `conforms_to(T, Trait)`")
}

/// Whether `ty` conforms to every trait of the trait expression `tr` (`Writable & Copyable`).
fn conforms_to(
    cx: &Ctx,
    m: usize,
    ty: &Ty,
    tr: &Expr,
    diags: &mut Vec<(usize, Diag)>,
) -> Option<bool> {
    let traits = resolve_traits(cx, m, tr, diags);
    if ty.has_param() || ty.is_unknown() {
        return None;
    }
    Some(traits.iter().all(|t| conforms(cx, ty, t)))
}

/// The conditional conformances of a struct instance that give trait `tr`: `Some(true)`
/// if one of their conditions holds, `Some(false)` if all are false, `None` if the struct
/// declares none for `tr` (or they cannot be decided).
/// Memoized answers of [`conditional`], kept while an outermost call runs. Asking whether
/// `List[List[...[Int]]]` is `Copyable` asks it of every level once per bound of the
/// level above: without the memo that is exponential in the nesting depth. The memo is
/// emptied when the outermost call returns, because the item tables it reads may still
/// grow between questions.
#[derive(Default)]
pub(crate) struct Memo(Mutex<MemoState>);

type MemoKey = (u32, Vec<CtArg>, TraitRef);

#[derive(Default)]
struct MemoState {
    depth: usize,
    answers: HashMap<MemoKey, Option<bool>>,
}

impl PartialEq for Memo {
    fn eq(&self, _: &Memo) -> bool {
        true
    }
}

impl std::fmt::Debug for Memo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Memo")
    }
}

pub(crate) fn conditional(cx: &Ctx, s: u32, args: &[CtArg], tr: &TraitRef) -> Option<bool> {
    let sd = &cx.structs[s as usize];
    let relevant: Vec<&Expr> = sd
        .cond_traits
        .iter()
        .filter(|(ts, _)| ts.iter().any(|t| super::generics::implies(cx, t, tr)))
        .map(|(_, cond)| cond)
        .collect();
    if relevant.is_empty() {
        return None;
    }
    if args.iter().any(|a| match a {
        CtArg::Param(_) => true,
        CtArg::Type(t) => t.has_param(),
        _ => false,
    }) {
        return None;
    }
    let key = (s, args.to_vec(), tr.clone());
    {
        let mut m = cx.conform_memo.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(a) = m.answers.get(&key) {
            return *a;
        }
        m.depth += 1;
    }
    let answer = decide_conditions(cx, s, args, &relevant);
    let mut m = cx.conform_memo.0.lock().unwrap_or_else(|e| e.into_inner());
    m.depth -= 1;
    if m.depth == 0 {
        m.answers.clear();
    } else {
        m.answers.insert(key, answer);
    }
    answer
}

/// Evaluates the conditions of a struct instance's conditional conformances: true when
/// one holds, false when all are false, unknown otherwise.
fn decide_conditions(cx: &Ctx, s: u32, args: &[CtArg], conds: &[&Expr]) -> Option<bool> {
    let sd = &cx.structs[s as usize];
    let (types, consts) = struct_instance_names(cx, s, args);
    let scope = TyScope {
        self_ty: Some(Ty::Struct(s, args.to_vec().into())),
        types: &types,
        consts: &consts,
    };
    let mut diags = Vec::new();
    let mut any = false;
    for cond in conds {
        match ct_bool(cx, sd.module, cond, &scope, &mut diags) {
            Some(true) => return Some(true),
            Some(false) => {}
            None => any = true,
        }
    }
    if any { None } else { Some(false) }
}

/// Checks the `where` clause of function `id` for the compile-time arguments `args`;
/// reports at `span` (in module `m`) when it is false.
pub(crate) fn check_where(
    cx: &Ctx,
    id: FnId,
    args: &[CtArg],
    span: mj_syntax::Span,
) -> Option<Diag> {
    let f = &cx.funcs[id.0 as usize];
    let cond = f.def.where_clause.as_ref()?;
    let (types, consts, self_ty) = function_instance_names(cx, f, args);
    let scope = TyScope {
        self_ty,
        types: &types,
        consts: &consts,
    };
    let mut diags = Vec::new();
    if ct_bool(cx, f.module, cond, &scope, &mut diags) != Some(false) {
        return None;
    }
    let msg = format!(
        "`{}` cannot be called here: its `where` clause is false for these compile-time arguments",
        f.def.name.name
    );
    Some(
        Diag::error(E_CONFORMANCE, msg, span)
            .with_hint(format!("it requires `{}`", cond_text(cond))),
    )
}

impl FnCx<'_> {
    /// A condition of `comptime if` / `comptime assert` / a `where` clause in this body.
    /// `conforms_to(type_of(x), Trait)` types `x` on the side.
    pub(crate) fn ct_cond(&mut self, e: &Expr) -> Option<bool> {
        if let Some(inlined) = self.inline_type_params(e) {
            return self.ct_cond(&inlined);
        }
        if let ExprKind::Call { func, args } = &e.kind
            && is_name(func, "conforms_to")
            && let [t, tr] = args.as_slice()
        {
            let ty = self.type_operand(&t.value);
            let tr = self.expand_trait_aliases(&tr.value);
            let mut diags = Vec::new();
            let r = conforms_to(self.cx, self.m, &ty, &tr, &mut diags);
            self.diags.extend(diags);
            return r;
        }
        match &e.kind {
            ExprKind::Unary {
                op: ast::UnOp::Not,
                expr,
            } => return self.ct_cond(expr).map(|b| !b),
            ExprKind::Binary {
                op: op @ (ast::BinOp::And | ast::BinOp::Or),
                lhs,
                rhs,
            } => {
                let l = self.ct_cond(lhs)?;
                return match (op, l) {
                    (ast::BinOp::And, false) => Some(false),
                    (ast::BinOp::Or, true) => Some(true),
                    _ => self.ct_cond(rhs),
                };
            }
            // `get_type_name[T]() == "Int"`: compile-time values compared.
            ExprKind::Compare { first, rest } if rest.len() == 1 => {
                let (op, r) = &rest[0];
                if matches!(op, ast::CmpOp::Eq | ast::CmpOp::Ne)
                    && let Some(a) = self.comptime_value(first)
                    && let Some(b) = self.comptime_value(r)
                {
                    let same = match (&a, &b) {
                        (ConstVal::Str(x), ConstVal::Str(y)) => Some(x == y),
                        (ConstVal::Type(x), ConstVal::Type(y)) => Some(x == y),
                        _ => None,
                    };
                    if let Some(same) = same {
                        return Some(same == (*op == ast::CmpOp::Eq));
                    }
                }
            }
            _ => {}
        }
        // `Self.Ts.contains[T]()` of a type pack.
        if let Some(ConstVal::Bool(b)) = self.type_value(e) {
            return Some(b);
        }
        let mut diags = Vec::new();
        let r = ct_bool(self.cx, self.m, e, &self.tscope(), &mut diags);
        self.diags.extend(diags);
        r
    }

    /// A trait expression with the body's trait aliases (`comptime Usable = A & B`)
    /// replaced by their values.
    pub(crate) fn expand_trait_aliases(&self, e: &Expr) -> Expr {
        match &e.kind {
            ExprKind::Name(n) => match self.consts.get(n) {
                Some(ConstVal::Expr(_, v)) => self.expand_trait_aliases(v),
                _ => e.clone(),
            },
            ExprKind::Binary {
                op: ast::BinOp::BitAnd,
                lhs,
                rhs,
            } => Expr {
                kind: ExprKind::Binary {
                    op: ast::BinOp::BitAnd,
                    lhs: Box::new(self.expand_trait_aliases(lhs)),
                    rhs: Box::new(self.expand_trait_aliases(rhs)),
                },
                span: e.span,
            },
            _ => e.clone(),
        }
    }

    /// Whether `e` is a trait expression that uses the body's trait aliases.
    pub(crate) fn local_trait_alias(&self, e: &Expr) -> bool {
        let x = self.expand_trait_aliases(e);
        x != *e && super::generics::is_trait_expr(self.cx, self.m, &x, 0)
    }

    /// The type named by a type operand: a type expression, or `type_of(value)`.
    pub(crate) fn type_operand(&mut self, e: &Expr) -> Ty {
        if let ExprKind::Call { func, args } = &e.kind
            && is_name(func, "type_of")
            && let [a] = args.as_slice()
        {
            return self.on_the_side(|fx| fx.expr(&a.value, None)).ty;
        }
        if let Some(ConstVal::Type(t)) = self.const_index(e) {
            return t;
        }
        let mut diags = Vec::new();
        let t = type_expr(self.cx, self.m, e, &self.tscope(), &mut diags);
        self.diags.extend(diags);
        t
    }

    /// `conforms_to(T, Trait)` as a value: a `Bool` constant.
    pub(crate) fn conforms_to_value(&mut self, args: &[Arg], span: mj_syntax::Span) -> TExpr {
        let line = self.line(span);
        if args.len() != 2 {
            self.error(arity_error(span));
            return self.unknown(line);
        }
        let call = Expr {
            kind: ExprKind::Call {
                func: Box::new(Expr {
                    kind: ExprKind::Name("conforms_to".into()),
                    span,
                }),
                args: args.to_vec(),
            },
            span,
        };
        match self.ct_cond(&call) {
            Some(b) => TExpr::new(K::Bool(b), Ty::Bool, line),
            None => self.unknown(line),
        }
    }

    /// `trait_downcast[Trait](x)`: `x` itself, after checking that its type conforms.
    pub(crate) fn trait_downcast(
        &mut self,
        params: &[Arg],
        args: &[Arg],
        span: mj_syntax::Span,
    ) -> TExpr {
        let line = self.line(span);
        let ([p], [a]) = (params, args) else {
            let msg = "`trait_downcast` takes one trait parameter and one argument";
            self.error(Diag::error(E_CONFORMANCE, msg, span));
            return self.unknown(line);
        };
        let v = self.expr(&a.value, None);
        let mut diags = Vec::new();
        if conforms_to(self.cx, self.m, &v.ty, &p.value, &mut diags) == Some(false) {
            let msg = format!(
                "`{}` does not conform to `{}`",
                self.cx.ty_name(&v.ty),
                cond_text(&p.value)
            );
            diags.push((self.m, Diag::error(E_CONFORMANCE, msg, a.value.span)));
        }
        self.diags.extend(diags);
        v
    }
}
