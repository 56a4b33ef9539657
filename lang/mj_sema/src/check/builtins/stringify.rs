//! Conversion of values to `String` for `print`, `str()` and f-strings: `__str__`,
//! `Writable.write_to`, and the repr of collection elements all funnel through here.

use mj_syntax::{Diag, Span};

use super::s;
use crate::check::E_OPERATOR;
use crate::check::body::FnCx;
use crate::rt::Rt;
use crate::tir::{TArg, TExpr, TExprKind as K, TStmt};
use crate::ty::Ty;

impl FnCx<'_> {
    /// `String(obj)` for a `Writable` struct: `obj.write_to(tmp)` into a fresh String.
    fn write_to_string(&mut self, v: TExpr, span: Span) -> TExpr {
        self.write_method_string(v, "write_to", span)
    }

    /// `obj.<method>(tmp)` (`write_to` or `write_repr_to`) into a fresh String.
    fn write_method_string(&mut self, v: TExpr, method: &str, span: Span) -> TExpr {
        let line = v.line;
        let (st, buf) = self.temp(s("", line));
        let Ty::Struct(sid, _) = v.ty else {
            return self.unknown(line);
        };
        let Some(id) = self.cx.structs[sid as usize].methods.get(method).copied() else {
            return self.unknown(line);
        };
        let prefix = self.method_prefix(id, &v.ty);
        let Some((sig, ct)) = self.instantiate(id, prefix, None, &[], 2, span) else {
            return self.unknown(line);
        };
        if sig.params.len() != 2 || sig.params[1].ty != Ty::Str || !sig.has_self {
            self.error(
                Diag::error(
                    E_OPERATOR,
                    format!(
                        "`{}.{method}` must take `(self, mut writer: Some[Writer])`",
                        self.ty_name(&v.ty)
                    ),
                    span,
                )
                .with_hint("or define `def __str__(self) -> String`"),
            );
            return self.unknown(line);
        }
        let recv = self.self_arg(v, &sig);
        let call = TExpr::new(
            K::Call(self.callee(id, &ct), vec![recv, TArg::Ref(buf.clone())]),
            Ty::Unit,
            line,
        );
        if sig.raises {
            self.check_may_raise(&format!("`{method}`"), span);
        }
        // The buffer's reference is the result.
        let buf = crate::check::collections::move_out(buf);
        TExpr::new(
            K::Seq(vec![st, TStmt::Expr(call)], Box::new(buf)),
            Ty::Str,
            line,
        )
    }

    /// Mojo's default `write_to` of a struct that declares `Writable` without defining it:
    /// `Name[params](field=value, ...)`, each field written as `print` shows it.
    fn default_write(&mut self, v: TExpr, span: Span) -> TExpr {
        self.default_fields(v, false, span)
    }

    /// The default `write_to` (fields as `print` shows them) or `write_repr_to` (fields
    /// as `repr` shows them) of a `Writable` struct.
    fn default_fields(&mut self, v: TExpr, as_repr: bool, span: Span) -> TExpr {
        let line = v.line;
        let s = |t: &str, line| TExpr::new(K::Str(t.into()), Ty::Str, line);
        let fields = crate::check::generics::fields_of(self.cx, &v.ty).unwrap_or_default();
        let mut st = Vec::new();
        let tmp = self.spill_to(v.clone(), &mut st);
        let head = format!("{}(", self.ty_name(&v.ty));
        let mut acc = s(&head, line);
        for (i, (fname, ft)) in fields.iter().enumerate() {
            let sep = if i > 0 { ", " } else { "" };
            let label = format!("{sep}{fname}=");
            acc = self.rt_call(Rt::StrConcat, vec![acc, s(&label, line)], Ty::Str, line);
            let f = TExpr::new(K::Field(Box::new(tmp.clone()), i as u32), ft.clone(), line);
            let part = if as_repr {
                self.mojo_repr(f, span)
            } else {
                self.stringify(f, span)
            };
            acc = self.rt_call(Rt::StrConcat, vec![acc, part], Ty::Str, line);
        }
        acc = self.rt_call(Rt::StrConcat, vec![acc, s(")", line)], Ty::Str, line);
        TExpr::new(K::Seq(st, Box::new(acc)), Ty::Str, line)
    }

    /// Converts any printable value to a `String`.
    pub fn stringify(&mut self, v: TExpr, span: Span) -> TExpr {
        let line = v.line;
        match v.ty.clone() {
            Ty::Str | Ty::Error => TExpr { ty: Ty::Str, ..v },
            Ty::Int { bits, signed: true } => {
                let v = if bits == 64 { v } else { self.cast(v, Ty::INT) };
                self.rt_call(Rt::StrFromInt, vec![v], Ty::Str, line)
            }
            Ty::Int {
                bits,
                signed: false,
            } => {
                let v = if bits == 64 {
                    v
                } else {
                    self.cast(v, Ty::UINT)
                };
                let v = TExpr::new(K::Cast(Box::new(v)), Ty::INT, line);
                self.rt_call(Rt::StrFromUint, vec![v], Ty::Str, line)
            }
            Ty::Float { bits: 64 } => self.rt_call(Rt::StrFromF64, vec![v], Ty::Str, line),
            Ty::Float { .. } => {
                let v = self.cast(v, Ty::F64);
                self.rt_call(Rt::StrFromF32, vec![v], Ty::Str, line)
            }
            Ty::Bool => TExpr::new(
                K::IfExp(
                    Box::new(v),
                    Box::new(s("True", line)),
                    Box::new(s("False", line)),
                ),
                Ty::Str,
                line,
            ),
            Ty::Unit => s("None", line),
            Ty::Vector(..) => self.simd_to_string(v, span),
            Ty::RawPtr(..) => {
                let v = TExpr::new(K::Cast(Box::new(v)), Ty::INT, line);
                self.rt_call(Rt::FmtInt, vec![v, s("#x", line)], Ty::Str, line)
            }
            Ty::Tuple(ts) => self.tuple_text(v, &ts, "(", false, span),
            // `[1, 2, 3]`, by `std.collections.inline_array`.
            Ty::Array(..) => match self.array_function("_array_text", v, None, span) {
                Some(t) => t,
                None => self.unknown(line),
            },
            Ty::Struct(..) => {
                // `write_to` first, as Mojo's `print` and `String(x)` do (a `__str__` that
                // is `String.write(self)` then means the same text, not a recursion).
                let name = if self.has_method(&v.ty, "write_to") {
                    "write_to"
                } else if self.has_method(&v.ty, "__str__") {
                    "__str__"
                } else {
                    "__repr__"
                };
                if name == "write_to" {
                    return self.write_to_string(v, span);
                }
                if !self.has_method(&v.ty, name) && self.declares_writable(&v.ty) {
                    return self.default_write(v, span);
                }
                if !self.has_method(&v.ty, name) {
                    let msg = format!("`{}` cannot be converted to a String", self.ty_name(&v.ty));
                    self.error(
                        Diag::error(E_OPERATOR, msg, span)
                            .with_hint("define `def __str__(self) -> String` in the struct"),
                    );
                    return self.unknown(line);
                }
                self.dunder_call(v, name, Vec::new(), span)
                    .unwrap_or_else(|| self.unknown(line))
            }
            Ty::Unknown => self.unknown(line),
            t => {
                let msg = format!("`{}` cannot be converted to a String", self.ty_name(&t));
                self.error(Diag::error(E_OPERATOR, msg, span));
                self.unknown(line)
            }
        }
    }

    /// A tuple as Mojo writes it: `(1, a)` (`write_to`: the elements as `print` shows
    /// them) or, after `head`, `(Int(1), 'a')` (`write_repr_to`: their `repr`); one
    /// element keeps its trailing comma.
    fn tuple_text(&mut self, v: TExpr, ts: &[Ty], head: &str, as_repr: bool, span: Span) -> TExpr {
        let line = v.line;
        let mut st = Vec::new();
        let tmp = self.spill_to(v, &mut st);
        let mut acc = s(head, line);
        for (i, t) in ts.iter().enumerate() {
            if i > 0 {
                acc = self.rt_call(Rt::StrConcat, vec![acc, s(", ", line)], Ty::Str, line);
            }
            let f = TExpr::new(K::Field(Box::new(tmp.clone()), i as u32), t.clone(), line);
            let part = if as_repr {
                self.mojo_repr(f, span)
            } else {
                self.stringify(f, span)
            };
            acc = self.rt_call(Rt::StrConcat, vec![acc, part], Ty::Str, line);
        }
        if ts.len() == 1 {
            acc = self.rt_call(Rt::StrConcat, vec![acc, s(",", line)], Ty::Str, line);
        }
        acc = self.rt_call(Rt::StrConcat, vec![acc, s(")", line)], Ty::Str, line);
        TExpr::new(K::Seq(st, Box::new(acc)), Ty::Str, line)
    }

    /// `repr`-style text: strings quoted, everything else as `to_string`.
    /// Whether struct type `t` declares `Writable`, unconditionally or by a conditional
    /// conformance that holds for its arguments.
    fn declares_writable(&self, t: &Ty) -> bool {
        let Ty::Struct(sid, args) = t else {
            return false;
        };
        self.cx.declares(*sid, "Writable")
            || crate::check::conform::conditional(
                self.cx,
                *sid,
                args,
                &crate::check::TraitRef::Builtin("Writable"),
            ) == Some(true)
    }

    /// `x.write_to(writer)` / `x.write_repr_to(writer)` of a value whose type does not
    /// define them (a number, a string, a SIMD vector, a struct with the default
    /// `Writable`): appends what `String(x)` / `repr(x)` give to the writer.
    pub(crate) fn write_method_fallback(
        &mut self,
        recv: &TExpr,
        method: &str,
        args: &[mj_syntax::ast::Arg],
        span: Span,
    ) -> Option<TExpr> {
        if !matches!(method, "write_to" | "write_repr_to") || args.len() != 1 {
            return None;
        }
        if let Ty::Struct(..) = &recv.ty
            && !self.declares_writable(&recv.ty)
            && !self.has_method(&recv.ty, "__str__")
        {
            return None;
        }
        let line = recv.line;
        let w = self.expr(&args[0].value, Some(&Ty::Str));
        if w.ty != Ty::Str || !crate::check::expr::is_place(&w) {
            if !w.ty.is_unknown() {
                let msg = format!("`{method}` takes the writer as a `mut` variable (a `String`)");
                self.error(Diag::error(E_OPERATOR, msg, args[0].value.span));
            }
            return Some(self.unknown(line));
        }
        let text = if method == "write_to" {
            self.stringify(recv.clone(), span)
        } else {
            self.mojo_repr(recv.clone(), span)
        };
        let cat = self.rt_call(Rt::StrConcat, vec![w.clone(), text], Ty::Str, line);
        Some(TExpr::new(
            K::Seq(
                vec![TStmt::Assign(w, cat)],
                Box::new(TExpr::new(K::Unit, Ty::Unit, line)),
            ),
            Ty::Unit,
            line,
        ))
    }

    /// `repr(x)` and `x.write_repr_to(w)` as Mojo writes them: a string quoted, a number
    /// with its type (`Int(3)`, `Float64(1.5)`), a SIMD vector as
    /// `SIMD[DType.int32, 4](1, 2, 3, 4)`, a struct through its `write_repr_to` (or
    /// `__repr__`; the default of a `Writable` struct is `Name(field=repr, ...)`).
    pub(crate) fn mojo_repr(&mut self, v: TExpr, span: Span) -> TExpr {
        let line = v.line;
        let wrap = |fx: &mut Self, head: String, inner: TExpr| {
            let a = fx.rt_call(Rt::StrConcat, vec![s(&head, line), inner], Ty::Str, line);
            fx.rt_call(Rt::StrConcat, vec![a, s(")", line)], Ty::Str, line)
        };
        match v.ty.clone() {
            Ty::Int { .. } | Ty::Float { .. } => {
                let head = format!("{}(", self.ty_name(&v.ty));
                let inner = self.stringify(v, span);
                wrap(self, head, inner)
            }
            Ty::Vector(..) => {
                let head = match &v.ty {
                    Ty::Vector(e, n) => format!("SIMD[{}, {n}](", crate::ty::dtype_name(e)),
                    _ => "SIMD(".into(),
                };
                let text = self.simd_to_string(v, span);
                // `[1, 2]` -> `1, 2`: the slice `[1:-1]` (flags: both bounds given).
                let i = |v: i128| TExpr::new(K::Int(v), Ty::INT, line);
                let args = vec![text, i(1), i(-1), i(1), i(3)];
                let inner = self.rt_call(Rt::StrSlice, args, Ty::Str, line);
                wrap(self, head, inner)
            }
            Ty::Struct(..) => {
                if self.has_method(&v.ty, "write_repr_to") {
                    return self.write_method_string(v, "write_repr_to", span);
                }
                if self.has_method(&v.ty, "__repr__") {
                    return self
                        .dunder_call(v, "__repr__", Vec::new(), span)
                        .unwrap_or_else(|| self.unknown(line));
                }
                if !self.has_method(&v.ty, "write_to")
                    && !self.has_method(&v.ty, "__str__")
                    && self.declares_writable(&v.ty)
                {
                    return self.default_fields(v, true, span);
                }
                self.stringify(v, span)
            }
            Ty::Tuple(ts) => {
                let names: Vec<String> = ts.iter().map(|t| self.ty_name(t)).collect();
                let head = format!("Tuple[{}](", names.join(", "));
                self.tuple_text(v, &ts, &head, true, span)
            }
            _ => self.repr_string(v, span),
        }
    }

    pub(super) fn repr_string(&mut self, v: TExpr, span: Span) -> TExpr {
        if v.ty == Ty::Str {
            let line = v.line;
            return self.rt_call(Rt::StrRepr, vec![v], Ty::Str, line);
        }
        // A struct with a repr of its own (`format`'s `{!r}`, a dict's `KeyError`).
        if matches!(v.ty, Ty::Struct(..))
            && (self.has_method(&v.ty, "write_repr_to") || self.has_method(&v.ty, "__repr__"))
        {
            return self.mojo_repr(v, span);
        }
        self.stringify(v, span)
    }
}
