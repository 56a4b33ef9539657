//! The C foreign-function interface: `external_call["symbol", Ret, Arg...](args)` and the
//! checks on `@export` functions.
//!
//! `external_call` becomes a call of an external symbol with the C ABI; codegen declares
//! it from the argument and result types, the JIT resolves it in the process (libc, libm)
//! and `mj build` links it. Only types with a C equivalent cross the boundary: `Int`,
//! `UInt`, the sized integers, `Float32`/`Float64`, `Bool`, pointers, and `None` as a
//! result.

use mj_syntax::ast::Arg;
use mj_syntax::{Diag, Span};

use crate::check::body::FnCx;
use crate::check::{ConstVal, Ctx, E_ARITY, E_COMPTIME, E_KWARG, E_MISMATCH, E_UNSUPPORTED};
use crate::tir::{Callee, FnId, TArg, TExpr, TExprKind as K};
use crate::ty::Ty;

const C_TYPES_HINT: &str = "C functions take and return `Int`, `UInt`, sized integers, `Float32`, `Float64`, `Bool` or pointers";

/// Whether values of `t` can be passed to or returned from C.
fn c_compatible(t: &Ty) -> bool {
    matches!(
        t,
        Ty::Int { .. }
            | Ty::Float { bits: 32 | 64 }
            | Ty::Bool
            | Ty::Ptr(_)
            | Ty::RawPtr(..)
            | Ty::Unknown
    )
}

/// Symbols the compiler defines or treats specially: `main` is the C entry point, and the
/// back end's own namespace (`llvm.*`, its intrinsics) is not callable as a C function.
fn reserved(sym: &str) -> bool {
    sym.split('.').next() == Some(BACKEND_NAMESPACE) || sym == "main"
}

/// The first dotted segment of the code generator's reserved symbols.
const BACKEND_NAMESPACE: &str = "llvm";

/// A compile-time string: a literal, a `comptime` name, or an expression over them
/// (`NAME + dim`, with `NAME` a string and `dim` a compile-time parameter).
fn const_str(fx: &FnCx<'_>, e: &mj_syntax::ast::Expr) -> Option<String> {
    match crate::check::items::const_eval(fx.cx, fx.m, e, &fx.consts)? {
        ConstVal::Str(s) => Some(s),
        _ => None,
    }
}

/// `llvm_intrinsic[name, T](args...)` (Mojo's `sys.intrinsics.llvm_intrinsic`): a call of
/// the code generator's intrinsic `name` (a compile-time string in its namespace) with
/// result type `T` (`NoneType` or absent: none). The name is data for the back end, which
/// completes an overloaded intrinsic's name from its first argument's type (the square
/// root of a `Float64` gets the `f64` suffix); `has_side_effect=` is accepted.
pub(crate) fn llvm_intrinsic(fx: &mut FnCx<'_>, params: &[Arg], args: &[Arg], span: Span) -> TExpr {
    let line = fx.line(span);
    let vals: Vec<TExpr> = args.iter().map(|a| fx.expr(&a.value, None)).collect();
    let positional: Vec<&Arg> = params.iter().filter(|p| p.name.is_none()).collect();
    let name = positional.first().and_then(|p| const_str(fx, &p.value));
    let Some(name) = name.filter(|n| n.starts_with(BACKEND_NAMESPACE) && n.contains('.')) else {
        let at = positional.first().map_or(span, |p| p.value.span);
        let d = Diag::error(
            E_COMPTIME,
            "`llvm_intrinsic` needs the intrinsic's name",
            at,
        )
        .with_hint("write the name as a string literal: `llvm_intrinsic[NAME, Float64](x)`");
        fx.error(d);
        return fx.unknown(line);
    };
    if let Some(a) = args.iter().find(|a| a.name.is_some()) {
        let msg = "an intrinsic takes positional arguments only";
        fx.error(Diag::error(E_KWARG, msg, a.span));
        return fx.unknown(line);
    }
    let ret = match positional.get(1) {
        Some(p) => fx.resolve_ty(&p.value),
        None => Ty::Unit,
    };
    let targs = vals.into_iter().map(TArg::Value).collect();
    TExpr::new(K::Call(Callee::Llvm(name), targs), ret, line)
}

/// `inlined_assembly[text, T, constraints=..., has_side_effect=True](args...)` (Mojo's
/// `sys._assembly.inlined_assembly`): the target's assembly `text` (`$0`, `$1`, ... name
/// the operands) with operand `constraints` (outputs first) and result type `T`
/// (`NoneType`: none). The frontend carries the text; the back end checks it.
pub(crate) fn inlined_assembly(
    fx: &mut FnCx<'_>,
    params: &[Arg],
    args: &[Arg],
    span: Span,
) -> TExpr {
    let line = fx.line(span);
    let vals: Vec<TExpr> = args.iter().map(|a| fx.expr(&a.value, None)).collect();
    let positional: Vec<&Arg> = params.iter().filter(|p| p.name.is_none()).collect();
    let named = |n: &str| {
        params
            .iter()
            .find(|p| p.name.as_ref().is_some_and(|x| x.name == n))
    };
    let text = positional.first().and_then(|p| const_str(fx, &p.value));
    let constraints = named("constraints").and_then(|p| const_str(fx, &p.value));
    let (Some(text), Some(constraints)) = (text, constraints) else {
        fx.error(
            Diag::error(
                E_COMPTIME,
                "`inlined_assembly` needs its text and `constraints=` as compile-time strings",
                span,
            )
            .with_hint("write `inlined_assembly[\"add.s32 $0, $1, $2;\", Int32, constraints=\"=r,r,r\"](a, b)`"),
        );
        return fx.unknown(line);
    };
    if let Some(a) = args.iter().find(|a| a.name.is_some()) {
        let msg = "inline assembly takes positional arguments only";
        fx.error(Diag::error(E_KWARG, msg, a.span));
        return fx.unknown(line);
    }
    let side_effect = match named("has_side_effect") {
        None => true,
        Some(p) => match crate::check::items::const_eval(fx.cx, fx.m, &p.value, &fx.consts) {
            Some(ConstVal::Bool(b)) => b,
            _ => {
                let msg = "`has_side_effect=` must be a compile-time `Bool`";
                fx.error(Diag::error(E_COMPTIME, msg, p.value.span));
                return fx.unknown(line);
            }
        },
    };
    let ret = match positional.get(1) {
        Some(p) => fx.resolve_ty(&p.value),
        None => Ty::Unit,
    };
    if let Err(why) = asm_operands_match(&constraints, &ret, vals.len()) {
        fx.error(
            Diag::error(E_MISMATCH, format!("inline assembly: {why}"), span).with_hint(
                "list one `=` constraint per result (a `Tuple` for several), then one per argument, then `~{...}` clobbers",
            ),
        );
        return fx.unknown(line);
    }
    let targs = vals.into_iter().map(TArg::Value).collect();
    let asm = crate::tir::AsmText {
        text,
        constraints,
        side_effect,
    };
    TExpr::new(K::Call(Callee::Asm(Box::new(asm)), targs), ret, line)
}

/// Whether `constraints` (comma-separated: outputs `=...`, inputs, clobbers `~{...}`) fit
/// a result of type `ret` and `args` arguments; a tied input (`0`) must name an output.
fn asm_operands_match(constraints: &str, ret: &Ty, args: usize) -> Result<(), String> {
    let parts: Vec<&str> = if constraints.is_empty() {
        Vec::new()
    } else {
        constraints.split(',').map(str::trim).collect()
    };
    let outputs = parts.iter().filter(|c| c.starts_with('=')).count();
    let clobbers = parts.iter().filter(|c| c.starts_with('~')).count();
    let inputs = parts.len() - outputs - clobbers;
    let want = match ret {
        Ty::Unit => 0,
        Ty::Tuple(fields) => fields.len(),
        _ => 1,
    };
    if outputs != want {
        return Err(format!(
            "the constraints name {outputs} output{} for a result of {want} value{}",
            if outputs == 1 { "" } else { "s" },
            if want == 1 { "" } else { "s" }
        ));
    }
    if inputs != args {
        return Err(format!(
            "the constraints name {inputs} input{} for {args} argument{}",
            if inputs == 1 { "" } else { "s" },
            if args == 1 { "" } else { "s" }
        ));
    }
    for c in &parts {
        if let Ok(k) = c.parse::<usize>()
            && k >= outputs
        {
            return Err(format!("the tied input `{c}` names no output"));
        }
        if c.is_empty() || *c == "=" {
            return Err("an empty constraint".into());
        }
    }
    Ok(())
}

/// `external_call["symbol", Ret, Args...](args...)`.
pub(crate) fn external_call(fx: &mut FnCx<'_>, params: &[Arg], args: &[Arg], span: Span) -> TExpr {
    let line = fx.line(span);
    let bail = |fx: &mut FnCx<'_>| {
        for a in args {
            fx.expr(&a.value, None);
        }
        fx.unknown(line)
    };
    if let Some(p) = params.iter().find(|p| p.name.is_some()) {
        fx.error(Diag::error(
            E_KWARG,
            "`external_call` takes no keyword parameters",
            p.span,
        ));
        return bail(fx);
    }
    let Some(sym_arg) = params.first() else {
        return bail(fx);
    };
    let Some(sym) = const_str(fx, &sym_arg.value) else {
        fx.error(
            Diag::error(
                E_COMPTIME,
                "the symbol of `external_call` must be a string literal",
                sym_arg.value.span,
            )
            .with_hint("write the C function's name: `external_call[\"abs\", Int32](x)`"),
        );
        return bail(fx);
    };
    if sym.is_empty()
        || sym.contains(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '$'))
    {
        let msg = format!("`{sym}` is not a valid C symbol name");
        fx.error(Diag::error(E_MISMATCH, msg, sym_arg.value.span));
        return bail(fx);
    }
    if reserved(&sym) {
        let msg = format!("the symbol `{sym}` is reserved by the mj compiler and runtime");
        fx.error(
            Diag::error(E_UNSUPPORTED, msg, sym_arg.value.span)
                .with_hint("call the mj function directly instead"),
        );
        return bail(fx);
    }
    let Some(ret_arg) = params.get(1) else {
        fx.error(
            Diag::error(
                E_ARITY,
                format!("`external_call[\"{sym}\"]` needs its result type"),
                span,
            )
            .with_hint(format!(
                "write `external_call[\"{sym}\", Int](...)`, or `NoneType` for a C function returning void"
            )),
        );
        return bail(fx);
    };
    let ret = fx.resolve_ty(&ret_arg.value);
    if ret != Ty::Unit && !c_compatible(&ret) {
        let msg = format!(
            "`external_call` cannot return a `{}` from C",
            fx.ty_name(&ret)
        );
        fx.error(Diag::error(E_MISMATCH, msg, ret_arg.value.span).with_hint(C_TYPES_HINT));
        return bail(fx);
    }
    let declared: Vec<(Ty, Span)> = params[2..]
        .iter()
        .map(|p| (fx.resolve_ty(&p.value), p.value.span))
        .collect();
    if let Some((t, sp)) = declared.iter().find(|(t, _)| !c_compatible(t)) {
        let msg = format!("`external_call` cannot pass a `{}` to C", fx.ty_name(t));
        fx.error(Diag::error(E_MISMATCH, msg, *sp).with_hint(C_TYPES_HINT));
        return bail(fx);
    }
    if let Some(a) = args.iter().find(|a| a.name.is_some()) {
        fx.error(Diag::error(
            E_KWARG,
            "C functions take positional arguments only",
            a.span,
        ));
        return bail(fx);
    }
    if !declared.is_empty() && declared.len() != args.len() {
        let msg = format!(
            "`{sym}` is declared with {} argument type(s), but {} argument(s) were given",
            declared.len(),
            args.len()
        );
        fx.error(Diag::error(E_ARITY, msg, span));
        return bail(fx);
    }
    let mut targs = Vec::with_capacity(args.len());
    for (i, a) in args.iter().enumerate() {
        let v = match declared.get(i) {
            Some((t, _)) => {
                let v = fx.expr(&a.value, Some(t));
                fx.coerce(v, t, a.value.span)
            }
            None => {
                let v = fx.expr(&a.value, None);
                if !c_compatible(&v.ty) {
                    let msg = format!(
                        "mismatched types: `external_call` cannot pass a `{}` to C",
                        fx.ty_name(&v.ty)
                    );
                    fx.error(Diag::error(E_MISMATCH, msg, a.value.span).with_hint(C_TYPES_HINT));
                }
                v
            }
        };
        targs.push(TArg::Value(v));
    }
    TExpr::new(K::Call(Callee::Extern(sym), targs), ret, line)
}

/// `external_call(...)` without `[...]`.
pub(crate) fn external_call_without_params(fx: &mut FnCx<'_>, args: &[Arg], span: Span) -> TExpr {
    let line = fx.line(span);
    fx.error(
        Diag::error(
            E_ARITY,
            "`external_call` needs the symbol and the result type in `[...]`",
            span,
        )
        .with_hint("write `external_call[\"name\", ResultType](args...)`"),
    );
    for a in args {
        fx.expr(&a.value, None);
    }
    fx.unknown(line)
}

/// `@export` gives a top-level function a C symbol of its own name: it may not raise (C
/// callers have no error slot) and must use C-compatible types.
pub(crate) fn check_export(cx: &mut Ctx, id: FnId) {
    let f = &cx.funcs[id.0 as usize];
    if !f.export {
        return;
    }
    let (m, def) = (f.module, f.def.clone());
    let mut diags = Vec::new();
    if f.owner.is_some() {
        diags.push(Diag::error(
            E_UNSUPPORTED,
            "`@export` applies to top-level functions only",
            def.name.span,
        ));
    }
    if f.sig.raises {
        diags.push(
            Diag::error(
                E_UNSUPPORTED,
                format!(
                    "the `@export` function `{}` cannot be `raises`: C callers cannot receive an error",
                    def.name.name
                ),
                def.name.span,
            )
            .with_hint("handle the error inside with try/except and return a status code"),
        );
    }
    for (p, a) in f.sig.params.iter().zip(&def.args) {
        if !c_compatible(&p.ty) {
            diags.push(
                Diag::error(
                    E_MISMATCH,
                    format!(
                        "the `@export` function `{}` cannot take a `{}` from C",
                        def.name.name,
                        cx.ty_name(&p.ty)
                    ),
                    a.span,
                )
                .with_hint(C_TYPES_HINT),
            );
        }
    }
    if f.sig.ret != Ty::Unit && !c_compatible(&f.sig.ret) {
        let span = def.ret.as_ref().map_or(def.name.span, |r| r.span);
        diags.push(
            Diag::error(
                E_MISMATCH,
                format!(
                    "the `@export` function `{}` cannot return a `{}` to C",
                    def.name.name,
                    cx.ty_name(&f.sig.ret)
                ),
                span,
            )
            .with_hint(C_TYPES_HINT),
        );
    }
    if reserved(&def.name.name) && f.owner.is_none() {
        diags.push(Diag::error(
            E_UNSUPPORTED,
            format!("`{}` is reserved and cannot be exported", def.name.name),
            def.name.span,
        ));
    }
    for d in diags {
        cx.error(m, d);
    }
}
