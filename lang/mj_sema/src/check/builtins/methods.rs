//! Methods of the built-in types (`List`, `String`, `Error`); each lowers to
//! TIR operations or runtime calls.

use mj_syntax::ast::{self, Arg};
use mj_syntax::{Diag, Span};

use crate::check::body::FnCx;
use crate::check::expr::is_place;
use crate::check::{E_ASSIGN, E_KWARG, E_NO_MEMBER, E_UNSUPPORTED};
use crate::rt::Rt;
use crate::suggest::did_you_mean;
use crate::tir::{TCmp, TExpr, TExprKind as K, TStmt};
use crate::ty::Ty;

/// Methods of `List`, `String` and `Error`.
pub(crate) fn builtin_method(
    fx: &mut FnCx<'_>,
    recv: TExpr,
    name: &ast::Ident,
    args: &[Arg],
    span: Span,
) -> TExpr {
    let recv = match super::memory_method(fx, recv, name, args, span) {
        Ok(v) => return v,
        Err(r) => r,
    };
    let line = fx.line(span);
    let m = name.name.as_str();
    let ty = recv.ty.clone();
    let unknown_method = |fx: &mut FnCx<'_>, known: &[&str]| {
        let mut d = Diag::error(
            E_NO_MEMBER,
            format!("`{}` has no method `{m}`", fx.ty_name(&ty)),
            name.span,
        );
        if let Some(s) = did_you_mean(m, known.iter().copied()) {
            d = d.with_hint(format!("did you mean `{s}`?"));
        }
        fx.error(d);
        for a in args {
            fx.expr(&a.value, None);
        }
        fx.unknown(line)
    };
    // A known method that ends up with no value has either reported a bad call already
    // (arity) or is not implemented for this receiver; the latter must still be an error.
    let errors_before = fx.diags.len();
    let not_done = |fx: &mut FnCx<'_>| {
        if fx.diags.len() == errors_before {
            let msg = format!("`{}.{m}` is not supported yet", fx.ty_name(&ty));
            fx.error(Diag::error(E_UNSUPPORTED, msg, name.span));
        }
        fx.unknown(line)
    };
    match ty.clone() {
        Ty::Str => {
            const KNOWN: &[&str] = &[
                "strip",
                "lstrip",
                "rstrip",
                "upper",
                "lower",
                "find",
                "rfind",
                "count",
                "replace",
                "startswith",
                "endswith",
                "removeprefix",
                "removesuffix",
                "isdigit",
                "isalpha",
                "isspace",
                "isupper",
                "islower",
                "isalnum",
                "codepoint_slices",
                "copy",
                "byte_length",
                "count_codepoints",
                "__len__",
                "write",
                "unsafe_ptr",
                "as_bytes",
                "unsafe_as_bytes_mut",
            ];
            let ok = |fx: &mut FnCx<'_>, min, max| fx.arity(m, args, min, max, span);
            let yes = |fx: &mut FnCx<'_>, r: TExpr| {
                TExpr::new(
                    K::Cmp(TCmp::Ne, Box::new(r), Box::new(fx.int(0, line))),
                    Ty::Bool,
                    line,
                )
            };
            match m {
                "strip" | "lstrip" | "rstrip" if ok(fx, 0, 1) => {
                    let chars = if args.is_empty() {
                        TExpr::new(K::Null, Ty::Str, line)
                    } else {
                        fx.typed_arg(&args[0], &Ty::Str)
                    };
                    str_method(fx, m, vec![recv, chars], Ty::Str, line)
                }
                "upper" | "lower" if ok(fx, 0, 0) => str_method(fx, m, vec![recv], Ty::Str, line),
                "find" if ok(fx, 1, 2) => {
                    let sub = fx.typed_arg(&args[0], &Ty::Str);
                    let start = if args.len() > 1 {
                        fx.typed_arg(&args[1], &Ty::INT)
                    } else {
                        fx.int(0, line)
                    };
                    fx.rt_call(Rt::StrFind, vec![recv, sub, start], Ty::INT, line)
                }
                "rfind" | "count" if ok(fx, 1, 1) => {
                    let sub = fx.typed_arg(&args[0], &Ty::Str);
                    str_method(fx, m, vec![recv, sub], Ty::INT, line)
                }
                "replace" if ok(fx, 2, 2) => {
                    let a = fx.typed_arg(&args[0], &Ty::Str);
                    let b = fx.typed_arg(&args[1], &Ty::Str);
                    fx.rt_call(Rt::StrReplace, vec![recv, a, b], Ty::Str, line)
                }
                // `s.startswith(p, start, end)` tests `s[start:end]`.
                "startswith" | "endswith" if ok(fx, 1, 3) => {
                    let recv = match args.get(1) {
                        Some(a) => {
                            let hi = args.get(2).map(|a| &a.value);
                            fx.slice_value(recv, Some(&a.value), hi, span, line)
                        }
                        None => recv,
                    };
                    let p = fx.typed_arg(&args[0], &Ty::Str);
                    let r = str_method(fx, m, vec![recv, p], Ty::INT, line);
                    yes(fx, r)
                }
                // `s.removeprefix(p)`: `s[len(p):]` when `s` starts with `p`, else `s`.
                "removeprefix" | "removesuffix" if ok(fx, 1, 1) => {
                    let mut st = Vec::new();
                    let sv = fx.spill_to(recv, &mut st);
                    let p = fx.typed_arg(&args[0], &Ty::Str);
                    let pv = fx.spill_to(p, &mut st);
                    let test = if m == "removeprefix" {
                        "startswith"
                    } else {
                        "endswith"
                    };
                    let r = str_method(fx, test, vec![sv.clone(), pv.clone()], Ty::INT, line);
                    let has = yes(fx, r);
                    let n = TExpr::new(K::Len(Box::new(sv.clone())), Ty::INT, line);
                    let pn = TExpr::new(K::Len(Box::new(pv)), Ty::INT, line);
                    let (lo, hi, flags) = if m == "removeprefix" {
                        (pn, fx.int(0, line), 1)
                    } else {
                        let keep = TExpr::new(
                            K::Binary(crate::tir::TBin::Sub, Box::new(n), Box::new(pn)),
                            Ty::INT,
                            line,
                        );
                        (fx.int(0, line), keep, 2)
                    };
                    let cut = fx.rt_call(
                        Rt::StrSlice,
                        vec![sv.clone(), lo, hi, fx.int(1, line), fx.int(flags, line)],
                        Ty::Str,
                        line,
                    );
                    let kept = fx.retained(sv);
                    let pick = TExpr::new(
                        K::IfExp(Box::new(has), Box::new(cut), Box::new(kept)),
                        Ty::Str,
                        line,
                    );
                    TExpr::new(K::Seq(st, Box::new(pick)), Ty::Str, line)
                }
                "isdigit" | "isalpha" | "isspace" | "isupper" | "islower" | "isalnum"
                    if ok(fx, 0, 0) =>
                {
                    let r = str_method(fx, m, vec![recv], Ty::INT, line);
                    yes(fx, r)
                }
                "copy" if ok(fx, 0, 0) => recv,
                "write" => {
                    // A String is a `Writer`: `s.write(a, b)` appends `String(a)`, `String(b)`.
                    if !is_place(&recv) {
                        fx.error(Diag::error(
                            E_ASSIGN,
                            "`write` needs a variable to append to, not a temporary value",
                            span,
                        ));
                    }
                    let mut stmts = Vec::new();
                    for a in args {
                        if a.name.is_some() {
                            fx.error(Diag::error(
                                E_KWARG,
                                "`write` takes no keyword arguments",
                                a.span,
                            ));
                            continue;
                        }
                        let v = fx.expr(&a.value, None);
                        let v = fx.stringify(v, a.value.span);
                        let cat = fx.rt_call(Rt::StrConcat, vec![recv.clone(), v], Ty::Str, line);
                        stmts.push(TStmt::Assign(recv.clone(), cat));
                    }
                    TExpr::new(
                        K::Seq(stmts, Box::new(TExpr::new(K::Unit, Ty::Unit, line))),
                        Ty::Unit,
                        line,
                    )
                }
                // Iterating a String already goes character by character.
                "codepoint_slices" if ok(fx, 0, 0) => recv,
                "byte_length" | "__len__" if ok(fx, 0, 0) => {
                    TExpr::new(K::Len(Box::new(recv)), Ty::INT, line)
                }
                "count_codepoints" if ok(fx, 0, 0) => {
                    fx.rt_call(Rt::StrCountCodepoints, vec![recv], Ty::INT, line)
                }
                // The string's bytes (read-only: strings are immutable and may be shared).
                // A `String` handle points at `{len, data, rc}` (ABI.md): load `data`.
                "unsafe_ptr" if ok(fx, 0, 0) => {
                    let byte = Ty::Int {
                        bits: 8,
                        signed: false,
                    };
                    let bp = Ty::RawPtr(Box::new(byte), 0);
                    let hdr =
                        TExpr::new(K::Cast(Box::new(recv)), Ty::RawPtr(Box::new(bp), 0), line);
                    let one = fx.int(1, line);
                    let field = fx.offset(hdr, one);
                    fx.deref(field)
                }
                // A `Span[Byte]` over the string's bytes. The mutable one first gives the
                // variable a copy of its own (a string may be shared or a literal).
                "as_bytes" | "unsafe_as_bytes_mut" if ok(fx, 0, 0) => {
                    let byte = Ty::Int {
                        bits: 8,
                        signed: false,
                    };
                    let mut stmts = Vec::new();
                    let s = if m == "unsafe_as_bytes_mut" {
                        if !is_place(&recv) {
                            fx.error(Diag::error(
                                E_ASSIGN,
                                "`unsafe_as_bytes_mut` needs a variable, not a temporary value",
                                span,
                            ));
                            return fx.unknown(line);
                        }
                        let ptr = str_data(fx, recv.clone(), line);
                        let len = TExpr::new(K::Len(Box::new(recv.clone())), Ty::INT, line);
                        let fresh = fx.rt_call(Rt::StrFromBytes, vec![ptr, len], Ty::Str, line);
                        stmts.push(TStmt::Assign(recv.clone(), fresh));
                        recv
                    } else {
                        let (st, l) = fx.temp(recv);
                        stmts.push(st);
                        l
                    };
                    let data = str_data(fx, s.clone(), line);
                    let len = TExpr::new(K::Len(Box::new(s)), Ty::INT, line);
                    let sp = TExpr::new(
                        K::Aggregate(vec![data, len]),
                        Ty::Span(Box::new(byte.clone())),
                        line,
                    );
                    TExpr::new(K::Seq(stmts, Box::new(sp)), Ty::Span(Box::new(byte)), line)
                }
                _ if KNOWN.contains(&m) => not_done(fx),
                _ => unknown_method(fx, KNOWN),
            }
        }
        Ty::Tuple(_) | Ty::Struct(..) if m == "copy" => recv,
        _ => unknown_method(fx, &[]),
    }
}

/// The address of a `String`'s bytes: a handle points at `{len, data, rc}` (ABI.md).
fn str_data(fx: &mut FnCx<'_>, s: TExpr, line: u32) -> TExpr {
    let byte = Ty::Int {
        bits: 8,
        signed: false,
    };
    let bp = Ty::RawPtr(Box::new(byte), 0);
    let hdr = TExpr::new(K::Cast(Box::new(s)), Ty::RawPtr(Box::new(bp), 0), line);
    let one = fx.int(1, line);
    let field = fx.offset(hdr, one);
    fx.deref(field)
}

/// A `String` method that is one runtime operation (`Rt::str_method`).
fn str_method(fx: &mut FnCx<'_>, m: &str, args: Vec<TExpr>, ret: Ty, line: u32) -> TExpr {
    match Rt::str_method(m) {
        Some(op) => fx.rt_call(op, args, ret, line),
        None => fx.unknown(line),
    }
}
