//! Methods of the built-in types (`List`, `String`, `Error`); each lowers to
//! TIR operations or runtime calls.

use mj_syntax::ast::{self, Arg};
use mj_syntax::{Diag, Span};

use crate::check::body::FnCx;
use crate::check::expr::is_place;
use crate::check::{E_ASSIGN, E_KWARG, E_NO_MEMBER, E_UNSUPPORTED};
use crate::rt::Rt;
use crate::suggest::did_you_mean;
use crate::tir::{TExpr, TExprKind as K, TStmt};
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
    if let Some(e) = fx.write_method_fallback(&recv, &name.name, args, span) {
        return e;
    }
    // `storage.unsafe_ptr()` of an `UnsafeMaybeUninit[T]`: the address of its storage, as
    // an `UnsafePointer[T]` (initialized, read and destroyed through it by the owner).
    if let Ty::Uninit(t) = recv.ty.clone() {
        let line = fx.line(span);
        if name.name != "unsafe_ptr" {
            let msg = format!("`{}` has no method `{}`", fx.ty_name(&recv.ty), name.name);
            fx.error(Diag::error(E_NO_MEMBER, msg, name.span).with_hint("use `unsafe_ptr()`"));
            return fx.unknown(line);
        }
        fx.arity("unsafe_ptr", args, 0, 0, span);
        let place = fx.as_place(recv);
        let at = Ty::Ptr(Box::new(Ty::Uninit(t.clone())));
        let addr = TExpr::new(K::AddrOf(Box::new(place)), at, line);
        return TExpr::new(K::Cast(Box::new(addr)), Ty::RawPtr(t, 0), line);
    }
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
            // (The other methods are mj code: `std.collections.string`.)
            const KNOWN: &[&str] = &[
                "copy",
                "__len__",
                "write",
                "write_string",
                "unsafe_ptr",
                "as_bytes",
                "unsafe_as_bytes_mut",
            ];
            let ok = |fx: &mut FnCx<'_>, min, max| fx.arity(m, args, min, max, span);
            match m {
                "copy" if ok(fx, 0, 0) => recv,
                "write" | "write_string" => {
                    // A String is a `Writer`: `s.write(a, b)` appends `String(a)`, `String(b)`
                    // (`write_string(s)` is the `Writer` trait's one-string method).
                    if m == "write_string" && !ok(fx, 1, 1) {
                        return fx.unknown(line);
                    }
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
                "__len__" if ok(fx, 0, 0) => TExpr::new(K::Len(Box::new(recv)), Ty::INT, line),
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
                _ => {
                    let all: Vec<&str> = KNOWN
                        .iter()
                        .chain(crate::lang_items::STRING_METHOD_NAMES)
                        .copied()
                        .collect();
                    unknown_method(fx, &all)
                }
            }
        }
        Ty::Tuple(_) | Ty::Struct(..) if m == "copy" => recv,
        // `t.reverse()`, `t.concat(u)`: new tuples of copies of the elements (Mojo's).
        Ty::Tuple(ts) if m == "reverse" || m == "concat" => {
            let want = usize::from(m == "concat");
            if !fx.arity(m, args, want, want, span) {
                return fx.unknown(line);
            }
            let mut stmts = Vec::new();
            let mut parts: Vec<(TExpr, Vec<Ty>)> = Vec::new();
            let t = fx.spill_to(recv, &mut stmts);
            parts.push((t, ts));
            if let Some(a) = args.first() {
                let o = fx.expr(&a.value, None);
                let Ty::Tuple(us) = o.ty.clone() else {
                    if !o.ty.is_unknown() {
                        let msg = format!("`concat` takes a tuple, found `{}`", fx.ty_name(&o.ty));
                        fx.error(Diag::error(crate::check::E_MISMATCH, msg, a.value.span));
                    }
                    return fx.unknown(line);
                };
                let o = fx.spill_to(o, &mut stmts);
                parts.push((o, us));
            }
            let mut vals = Vec::new();
            let mut tys = Vec::new();
            for (base, elem_tys) in parts {
                for (i, et) in elem_tys.into_iter().enumerate() {
                    let f =
                        TExpr::new(K::Field(Box::new(base.clone()), i as u32), et.clone(), line);
                    vals.push(fx.copy_value(f, span));
                    tys.push(et);
                }
            }
            if m == "reverse" {
                vals.reverse();
                tys.reverse();
            }
            let ty = Ty::Tuple(tys);
            let agg = TExpr::new(K::Aggregate(vals), ty.clone(), line);
            TExpr::new(K::Seq(stmts, Box::new(agg)), ty, line)
        }
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
