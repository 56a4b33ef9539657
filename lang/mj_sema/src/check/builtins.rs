//! Built-in functions, built-in modules (`std.math`, `std.sys`) and the methods of the
//! built-in types (`List`, `String`, `Dict`). Each lowers to TIR operations and runtime
//! calls (`compiler/mj_runtime/ABI.md`).

use mj_syntax::ast::{self, Arg};
use mj_syntax::{Diag, Span};

use super::body::FnCx;
use super::expr::is_place;
use super::items::scalar_type;
use super::{E_ARITY, E_ASSIGN, E_KWARG, E_MISMATCH, E_NO_MEMBER, E_OPERATOR, E_UNSUPPORTED};
use crate::suggest::did_you_mean;
use crate::tir::{Callee, TArg, TBin, TCmp, TExpr, TExprKind as K, TStmt, TUn};
use crate::ty::Ty;

pub(crate) const BUILTIN_NAMES: &[&str] = &[
    "divmod",
    "hex",
    "bin",
    "oct",
    "pow",
    "print",
    "len",
    "range",
    "String",
    "Int",
    "UInt",
    "Float64",
    "Float32",
    "Bool",
    "Int8",
    "Int16",
    "Int32",
    "Int64",
    "UInt8",
    "UInt16",
    "UInt32",
    "UInt64",
    "ord",
    "chr",
    "abs",
    "round",
    "min",
    "max",
    "sort",
    "enumerate",
    "reversed",
    "Error",
    "List",
    "Dict",
    "str",
    "repr",
    "abort",
    "True",
    "False",
    "None",
];

pub(crate) fn builtin_module(dotted: &str) -> Option<&'static str> {
    Some(match dotted {
        "std.math" | "math" => "math",
        "std.sys" | "sys" => "sys",
        "std.time" | "time" => "time",
        "std.collections" | "collections" | "std.collections.list" | "std.collections.dict" => {
            "collections"
        }
        "std" | "std.builtin" | "builtin" => "builtin",
        _ => return None,
    })
}

const MATH_FNS: &[&str] = &[
    "sqrt", "exp", "log", "log2", "log10", "sin", "cos", "tan", "tanh", "sinh", "cosh", "asin",
    "acos", "atan", "atan2", "pow", "floor", "ceil", "trunc", "fabs", "copysign", "hypot", "fmod",
    "isnan", "isinf", "exp2", "cbrt", "erf", "log1p", "expm1", "fma",
];
const TIME_FNS: &[&str] = &[
    "perf_counter_ns",
    "perf_counter",
    "monotonic_ns",
    "monotonic",
    "time_ns",
    "time",
    "now",
    "sleep",
];
const MATH_CONSTS: &[&str] = &["pi", "e", "tau", "inf", "nan"];

pub(crate) fn builtin_module_has(m: &str, name: &str) -> bool {
    match m {
        "math" => {
            MATH_FNS.contains(&name)
                || MATH_CONSTS.contains(&name)
                || ["abs", "min", "max"].contains(&name)
        }
        "sys" => name == "argv" || name == "exit",
        "time" => TIME_FNS.contains(&name),
        "collections" => ["List", "Dict"].contains(&name),
        "builtin" => BUILTIN_NAMES.contains(&name),
        _ => false,
    }
}

/// Every name a built-in module exports.
pub(crate) fn builtin_module_names(m: &str) -> Vec<&'static str> {
    match m {
        "math" => MATH_FNS
            .iter()
            .chain(MATH_CONSTS)
            .chain(&["abs", "min", "max"])
            .copied()
            .collect(),
        "sys" => vec!["argv", "exit"],
        "time" => TIME_FNS.to_vec(),
        "collections" => vec!["List", "Dict"],
        _ => Vec::new(),
    }
}

pub(crate) fn builtin_constant(m: &str, name: &str, line: u32) -> Option<TExpr> {
    if m != "math" {
        return None;
    }
    let v = match name {
        "pi" => std::f64::consts::PI,
        "e" => std::f64::consts::E,
        "tau" => std::f64::consts::TAU,
        "inf" => f64::INFINITY,
        "nan" => f64::NAN,
        _ => return None,
    };
    Some(TExpr::new(K::Float(v), Ty::F64, line))
}

fn s(v: &str, line: u32) -> TExpr {
    TExpr::new(K::Str(v.into()), Ty::Str, line)
}

impl FnCx<'_> {
    fn arity(&mut self, fname: &str, args: &[Arg], min: usize, max: usize, span: Span) -> bool {
        for a in args {
            if let Some(n) = &a.name {
                let msg = format!("`{fname}` has no argument named `{}`", n.name);
                self.error(Diag::error(super::E_KWARG, msg, n.span));
                return false;
            }
        }
        if args.len() < min || args.len() > max {
            let want = if min == max {
                format!("{min}")
            } else {
                format!("{min} to {max}")
            };
            let msg = format!("`{fname}` takes {want} argument(s), found {}", args.len());
            self.error(Diag::error(E_ARITY, msg, span));
            for a in args {
                self.expr(&a.value, None);
            }
            return false;
        }
        true
    }

    fn typed_arg(&mut self, a: &Arg, t: &Ty) -> TExpr {
        let v = self.expr(&a.value, Some(t));
        self.coerce(v, t, a.value.span)
    }

    /// `String(obj)` for a `Writable` struct: `obj.write_to(tmp)` into a fresh String.
    fn write_to_string(&mut self, v: TExpr, span: Span) -> TExpr {
        let line = v.line;
        let (st, buf) = self.temp(s("", line));
        let Ty::Struct(sid) = v.ty else {
            return self.unknown(line);
        };
        let Some(id) = self.cx.structs[sid as usize]
            .methods
            .get("write_to")
            .copied()
        else {
            return self.unknown(line);
        };
        let sig = self.cx.funcs[id.0 as usize].sig.clone();
        if sig.params.len() != 2 || sig.params[1].ty != Ty::Str || !sig.has_self {
            self.error(
                Diag::error(
                    E_OPERATOR,
                    format!(
                        "`{}.write_to` must take `(self, mut writer: Some[Writer])`",
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
            K::Call(Callee::Fn(id), vec![recv, TArg::Ref(buf.clone())]),
            Ty::Unit,
            line,
        );
        if sig.raises {
            self.check_may_raise("`write_to`", span);
        }
        TExpr::new(
            K::Seq(vec![st, TStmt::Expr(call)], Box::new(buf)),
            Ty::Str,
            line,
        )
    }

    /// Converts any printable value to a `String`.
    pub fn stringify(&mut self, v: TExpr, span: Span) -> TExpr {
        let line = v.line;
        match v.ty.clone() {
            Ty::Str | Ty::Error => TExpr { ty: Ty::Str, ..v },
            Ty::Int { bits, signed: true } => {
                let v = if bits == 64 { v } else { self.cast(v, Ty::INT) };
                self.extern_call("mj_str_from_int", vec![v], Ty::Str, line)
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
                self.extern_call("mj_str_from_uint", vec![v], Ty::Str, line)
            }
            Ty::Float { bits: 64 } => self.extern_call("mj_str_from_f64", vec![v], Ty::Str, line),
            Ty::Float { .. } => {
                let v = self.cast(v, Ty::F64);
                self.extern_call("mj_str_from_f32", vec![v], Ty::Str, line)
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
            Ty::List(t) => {
                let f = match &*t {
                    Ty::Int {
                        bits: 64,
                        signed: true,
                    } => "mj_list_repr_int",
                    Ty::Float { bits: 64 } => "mj_list_repr_f64",
                    Ty::Str => "mj_list_repr_str",
                    Ty::Bool => "mj_list_repr_bool",
                    _ => return self.list_to_string(v, &t, span),
                };
                self.extern_call(f, vec![v], Ty::Str, line)
            }
            Ty::Tuple(ts) => {
                let (st, tmp) = self.temp(v);
                let mut acc = s("(", line);
                for (i, t) in ts.iter().enumerate() {
                    if i > 0 {
                        acc = self.extern_call(
                            "mj_str_concat",
                            vec![acc, s(", ", line)],
                            Ty::Str,
                            line,
                        );
                    }
                    let f = TExpr::new(K::Field(Box::new(tmp.clone()), i as u32), t.clone(), line);
                    let part = self.repr_string(f, span);
                    acc = self.extern_call("mj_str_concat", vec![acc, part], Ty::Str, line);
                }
                if ts.len() == 1 {
                    acc = self.extern_call("mj_str_concat", vec![acc, s(",", line)], Ty::Str, line);
                }
                acc = self.extern_call("mj_str_concat", vec![acc, s(")", line)], Ty::Str, line);
                TExpr::new(K::Seq(vec![st], Box::new(acc)), Ty::Str, line)
            }
            Ty::Struct(_) => {
                let name = if self.has_method(&v.ty, "__str__") {
                    "__str__"
                } else if self.has_method(&v.ty, "write_to") {
                    "write_to"
                } else {
                    "__repr__"
                };
                if name == "write_to" {
                    return self.write_to_string(v, span);
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

    /// `repr`-style text: strings quoted, everything else as `to_string`.
    fn repr_string(&mut self, v: TExpr, span: Span) -> TExpr {
        if v.ty == Ty::Str {
            let line = v.line;
            return self.extern_call("mj_str_repr", vec![v], Ty::Str, line);
        }
        self.stringify(v, span)
    }

    /// `[a, b]` for lists whose elements the runtime cannot print directly.
    fn list_to_string(&mut self, v: TExpr, t: &Ty, span: Span) -> TExpr {
        let line = v.line;
        let (s0, l) = self.temp(v);
        let (s1, acc) = self.temp(s("[", line));
        let (s2, i) = self.temp(self.int(0, line));
        let len = TExpr::new(K::Len(Box::new(l.clone())), Ty::INT, line);
        let cond = TExpr::new(
            K::Cmp(TCmp::Lt, Box::new(i.clone()), Box::new(len)),
            Ty::Bool,
            line,
        );
        let elem = TExpr::new(
            K::ListElem(Box::new(l), Box::new(i.clone())),
            t.clone(),
            line,
        );
        let part = self.repr_string(elem, span);
        let sep_needed = TExpr::new(
            K::Cmp(TCmp::Gt, Box::new(i.clone()), Box::new(self.int(0, line))),
            Ty::Bool,
            line,
        );
        let with_sep = self.extern_call(
            "mj_str_concat",
            vec![acc.clone(), s(", ", line)],
            Ty::Str,
            line,
        );
        let appended = self.extern_call("mj_str_concat", vec![acc.clone(), part], Ty::Str, line);
        let inc = TExpr::new(
            K::Binary(TBin::Add, Box::new(i.clone()), Box::new(self.int(1, line))),
            Ty::INT,
            line,
        );
        let body = vec![
            TStmt::If(
                sep_needed,
                vec![TStmt::Assign(acc.clone(), with_sep)],
                Vec::new(),
            ),
            TStmt::Assign(acc.clone(), appended),
            TStmt::Assign(i, inc),
        ];
        let close = self.extern_call("mj_str_concat", vec![acc, s("]", line)], Ty::Str, line);
        let w = TStmt::While {
            cond,
            body,
            else_body: Vec::new(),
        };
        TExpr::new(K::Seq(vec![s0, s1, s2, w], Box::new(close)), Ty::Str, line)
    }

    fn print(&mut self, args: &[Arg], span: Span) -> TExpr {
        let line = self.line(span);
        let mut sep = s(" ", line);
        let mut end = s("\n", line);
        let mut stmts = Vec::new();
        let mut values = Vec::new();
        for a in args {
            match a.name.as_ref().map(|n| n.name.as_str()) {
                None => values.push(&a.value),
                Some("sep") => sep = self.typed_arg(a, &Ty::Str),
                Some("end") => end = self.typed_arg(a, &Ty::Str),
                Some("flush") => {
                    self.typed_arg(a, &Ty::Bool);
                }
                Some(other) => {
                    let msg = format!("`print` has no argument named `{other}`");
                    self.error(
                        Diag::error(super::E_KWARG, msg, a.span)
                            .with_hint("`print` accepts `sep`, `end` and `flush`"),
                    );
                }
            }
        }
        let (s1, sep) = self.temp(sep);
        stmts.push(s1);
        for (i, v) in values.into_iter().enumerate() {
            if i > 0 {
                stmts.push(TStmt::Expr(self.extern_call(
                    "mj_write",
                    vec![sep.clone()],
                    Ty::Unit,
                    line,
                )));
            }
            let te = self.expr(v, None);
            let st = self.stringify(te, v.span);
            stmts.push(TStmt::Expr(self.extern_call(
                "mj_write",
                vec![st],
                Ty::Unit,
                line,
            )));
        }
        stmts.push(TStmt::Expr(self.extern_call(
            "mj_write",
            vec![end],
            Ty::Unit,
            line,
        )));
        TExpr::new(
            K::Seq(stmts, Box::new(TExpr::new(K::Unit, Ty::Unit, line))),
            Ty::Unit,
            line,
        )
    }

    /// `min(a, b, ...)` / `max(...)` over numbers or strings.
    fn min_max(&mut self, is_max: bool, args: &[Arg], span: Span) -> TExpr {
        let line = self.line(span);
        let name = if is_max { "max" } else { "min" };
        if !self.arity(name, args, 1, 16, span) {
            return self.unknown(line);
        }
        let mut vals: Vec<TExpr> = args.iter().map(|a| self.expr(&a.value, None)).collect();
        if vals.len() == 1 {
            if let Ty::List(t) = vals[0].ty.clone() {
                return self.min_max_list(is_max, vals.remove(0), &t, span);
            }
            self.error(Diag::error(
                E_ARITY,
                format!("`{name}` of one value needs a List"),
                span,
            ));
            return self.unknown(line);
        }
        if vals.iter().any(|v| v.ty.is_float()) {
            let t = vals
                .iter()
                .find(|v| v.ty.is_float())
                .map(|v| v.ty.clone())
                .unwrap_or(Ty::F64);
            vals = vals
                .into_iter()
                .map(|v| {
                    if v.ty.is_int() {
                        self.cast(v, t.clone())
                    } else {
                        v
                    }
                })
                .collect();
        }
        let mut stmts = Vec::new();
        let first = vals.remove(0);
        let (st, mut acc) = self.temp(first);
        stmts.push(st);
        for v in vals {
            let (st, b) = self.temp(v);
            stmts.push(st);
            let op = if is_max {
                ast::CmpOp::Gt
            } else {
                ast::CmpOp::Lt
            };
            let better = self.compare(op, b.clone(), acc.clone(), span);
            let ty = acc.ty.clone();
            let pick = TExpr::new(
                K::IfExp(Box::new(better), Box::new(b), Box::new(acc.clone())),
                ty,
                line,
            );
            let (st, a2) = self.temp(pick);
            stmts.push(st);
            acc = a2;
        }
        let ty = acc.ty.clone();
        TExpr::new(K::Seq(stmts, Box::new(acc)), ty, line)
    }

    fn min_max_list(&mut self, is_max: bool, list: TExpr, t: &Ty, span: Span) -> TExpr {
        let line = list.line;
        let (s0, l) = self.temp(list);
        let len = TExpr::new(K::Len(Box::new(l.clone())), Ty::INT, line);
        let first = TExpr::new(
            K::ListElem(Box::new(l.clone()), Box::new(self.int(0, line))),
            t.clone(),
            line,
        );
        let (s1, acc) = self.temp(first);
        let (s2, i) = self.temp(self.int(1, line));
        let cond = TExpr::new(
            K::Cmp(TCmp::Lt, Box::new(i.clone()), Box::new(len)),
            Ty::Bool,
            line,
        );
        let elem = TExpr::new(
            K::ListElem(Box::new(l), Box::new(i.clone())),
            t.clone(),
            line,
        );
        let (s3, e) = self.temp(elem);
        let op = if is_max {
            ast::CmpOp::Gt
        } else {
            ast::CmpOp::Lt
        };
        let better = self.compare(op, e.clone(), acc.clone(), span);
        let inc = TExpr::new(
            K::Binary(TBin::Add, Box::new(i.clone()), Box::new(self.int(1, line))),
            Ty::INT,
            line,
        );
        let body = vec![
            s3,
            TStmt::If(better, vec![TStmt::Assign(acc.clone(), e)], Vec::new()),
            TStmt::Assign(i, inc),
        ];
        let w = TStmt::While {
            cond,
            body,
            else_body: Vec::new(),
        };
        TExpr::new(K::Seq(vec![s0, s1, s2, w], Box::new(acc)), t.clone(), line)
    }

    fn convert_to(&mut self, target: Ty, tname: &str, args: &[Arg], span: Span) -> TExpr {
        let line = self.line(span);
        if args.is_empty() {
            return match target {
                Ty::Bool => TExpr::new(K::Bool(false), Ty::Bool, line),
                Ty::Float { .. } => TExpr::new(K::Float(0.0), target, line),
                _ => TExpr::new(K::Int(0), target, line),
            };
        }
        if !self.arity(tname, args, 1, 1, span) {
            return self.unknown(line);
        }
        let v = self.expr(&args[0].value, Some(&target));
        match v.ty.clone() {
            Ty::Unknown => self.unknown(line),
            Ty::Str if target.is_int() => {
                self.check_may_raise(&format!("`{tname}(String)`"), span);
                let r = self.extern_call("mj_str_to_int", vec![v], Ty::INT, line);
                self.cast(r, target)
            }
            Ty::Str if target.is_float() => {
                self.check_may_raise(&format!("`{tname}(String)`"), span);
                let r = self.extern_call("mj_str_to_f64", vec![v], Ty::F64, line);
                self.cast(r, target)
            }
            _ if target == Ty::Bool => self.truthy(v, args[0].value.span),
            t if t.is_numeric() || t == Ty::Bool => TExpr::new(K::Cast(Box::new(v)), target, line),
            t => {
                let msg = format!("cannot convert a `{}` to `{tname}`", self.ty_name(&t));
                self.error(Diag::error(E_MISMATCH, msg, args[0].value.span));
                self.unknown(line)
            }
        }
    }
}

/// Runtime functions that take a trailing error slot and may raise.
pub const RAISING_EXTERNS: &[&str] = &["mj_str_to_int", "mj_str_to_f64"];

/// A plan for iterating a collection by index.
pub(crate) struct IterPlan {
    pub collection: TExpr,
    pub count: Box<dyn Fn(&mut FnCx<'_>, TExpr) -> TExpr>,
    pub skip: Box<dyn Fn(&mut FnCx<'_>, TExpr, TExpr) -> Option<TExpr>>,
    pub element: Box<dyn Fn(&mut FnCx<'_>, TExpr, TExpr) -> TExpr>,
}

pub(crate) fn iteration_plan(fx: &mut FnCx<'_>, it: TExpr, span: Span) -> Option<IterPlan> {
    let line = it.line;
    match it.ty.clone() {
        Ty::List(t) => Some(IterPlan {
            collection: it,
            count: Box::new(move |_, c| TExpr::new(K::Len(Box::new(c)), Ty::INT, line)),
            skip: Box::new(|_, _, _| None),
            element: Box::new(move |_, c, i| {
                TExpr::new(K::ListElem(Box::new(c), Box::new(i)), (*t).clone(), line)
            }),
        }),
        Ty::Str => {
            let file = fx.cx.modules[fx.m].input.path.clone();
            Some(IterPlan {
                collection: it,
                count: Box::new(move |_, c| TExpr::new(K::Len(Box::new(c)), Ty::INT, line)),
                skip: Box::new(|_, _, _| None),
                element: Box::new(move |fx, c, i| {
                    let f = TExpr::new(K::Str(file.clone()), Ty::Str, line);
                    let l = fx.int(line as i128, line);
                    fx.extern_call("mj_str_at", vec![c, i, f, l], Ty::Str, line)
                }),
            })
        }
        Ty::Dict(k, _) => Some(IterPlan {
            collection: it,
            count: Box::new(move |fx, c| fx.extern_call("mj_dict_slots", vec![c], Ty::INT, line)),
            skip: Box::new(move |fx, c, i| {
                let alive = fx.extern_call("mj_dict_alive", vec![c, i], Ty::INT, line);
                Some(TExpr::new(
                    K::Cmp(TCmp::Eq, Box::new(alive), Box::new(fx.int(0, line))),
                    Ty::Bool,
                    line,
                ))
            }),
            element: Box::new(move |fx, c, i| dict_key_at(fx, c, i, &k, line)),
        }),
        Ty::Unknown => None,
        t => {
            let msg = format!("`{}` is not iterable", fx.ty_name(&t));
            fx.error(
                Diag::error(super::E_NOT_INDEXABLE, msg, span)
                    .with_hint("iterate over a List, String, Dict or range(...)"),
            );
            None
        }
    }
}

fn dict_key_at(fx: &mut FnCx<'_>, d: TExpr, i: TExpr, k: &Ty, line: u32) -> TExpr {
    if *k == Ty::Str {
        fx.extern_call("mj_dict_key_str", vec![d, i], Ty::Str, line)
    } else {
        let r = fx.extern_call("mj_dict_key_int", vec![d, i], Ty::INT, line);
        fx.cast(r, k.clone())
    }
}

fn dict_val_at(fx: &mut FnCx<'_>, d: TExpr, i: TExpr, v: &Ty, line: u32) -> TExpr {
    let p = fx.extern_call(
        "mj_dict_val",
        vec![d, i],
        Ty::Ptr(Box::new(v.clone())),
        line,
    );
    TExpr::new(K::Deref(Box::new(p)), v.clone(), line)
}

/// Materializes a view of a dict (`keys`, `values`, `items`) as a List.
fn dict_view(fx: &mut FnCx<'_>, d: TExpr, kt: &Ty, vt: &Ty, which: &str, line: u32) -> TExpr {
    let elem = match which {
        "keys" => kt.clone(),
        "values" => vt.clone(),
        _ => Ty::Entry(Box::new(kt.clone()), Box::new(vt.clone())),
    };
    let (s0, dict) = fx.temp(d);
    let out = fx.build_list(elem.clone(), Vec::new(), line);
    let (s1, list) = fx.temp(out);
    let (s2, i) = fx.temp(fx.int(0, line));
    let slots = fx.extern_call("mj_dict_slots", vec![dict.clone()], Ty::INT, line);
    let cond = TExpr::new(
        K::Cmp(TCmp::Lt, Box::new(i.clone()), Box::new(slots)),
        Ty::Bool,
        line,
    );
    let alive = fx.extern_call(
        "mj_dict_alive",
        vec![dict.clone(), i.clone()],
        Ty::INT,
        line,
    );
    let is_alive = TExpr::new(
        K::Cmp(TCmp::Ne, Box::new(alive), Box::new(fx.int(0, line))),
        Ty::Bool,
        line,
    );
    let value = match which {
        "keys" => dict_key_at(fx, dict.clone(), i.clone(), kt, line),
        "values" => dict_val_at(fx, dict.clone(), i.clone(), vt, line),
        _ => {
            let k = dict_key_at(fx, dict.clone(), i.clone(), kt, line);
            let v = dict_val_at(fx, dict.clone(), i.clone(), vt, line);
            TExpr::new(K::Aggregate(vec![k, v]), elem.clone(), line)
        }
    };
    let push = fx.list_push(list.clone(), value);
    let inc = TExpr::new(
        K::Binary(TBin::Add, Box::new(i.clone()), Box::new(fx.int(1, line))),
        Ty::INT,
        line,
    );
    let body = vec![
        TStmt::If(is_alive, vec![TStmt::Expr(push)], Vec::new()),
        TStmt::Assign(i, inc),
    ];
    let w = TStmt::While {
        cond,
        body,
        else_body: Vec::new(),
    };
    let ty = list.ty.clone();
    TExpr::new(K::Seq(vec![s0, s1, s2, w], Box::new(list)), ty, line)
}

pub(crate) fn new_dict(fx: &mut FnCx<'_>, dt: &Ty, line: u32) -> TExpr {
    let Ty::Dict(k, v) = dt else {
        return fx.unknown(line);
    };
    let kind = i128::from(**k == Ty::Str);
    let size = TExpr::new(K::SizeOf((**v).clone()), Ty::INT, line);
    fx.extern_call(
        "mj_dict_new",
        vec![fx.int(kind, line), size],
        dt.clone(),
        line,
    )
}

/// `List[T](...)`, `Dict[K, V]()`.
pub(crate) fn construct_builtin(fx: &mut FnCx<'_>, ty: Ty, args: &[Arg], span: Span) -> TExpr {
    let line = fx.line(span);
    match ty.clone() {
        Ty::List(t) => {
            let mut length = None;
            let mut fill = None;
            let mut items = Vec::new();
            for a in args {
                match a.name.as_ref().map(|n| n.name.as_str()) {
                    Some("length") => length = Some(fx.typed_arg(a, &Ty::INT)),
                    Some("fill") => fill = Some(fx.typed_arg(a, &t)),
                    Some("capacity") => {
                        fx.typed_arg(a, &Ty::INT);
                    }
                    Some(other) => {
                        let msg = format!("`List` has no argument named `{other}`");
                        fx.error(
                            Diag::error(super::E_KWARG, msg, a.span)
                                .with_hint("use `length=` and `fill=`"),
                        );
                    }
                    None => items.push(fx.typed_arg(a, &t)),
                }
            }
            match (length, fill) {
                (Some(n), Some(f)) => {
                    let size = TExpr::new(K::SizeOf((*t).clone()), Ty::INT, line);
                    let (s0, n) = fx.temp(n);
                    let new =
                        fx.extern_call("mj_list_new", vec![size, n.clone()], ty.clone(), line);
                    let (s1, list) = fx.temp(new);
                    let (s2, fv) = fx.temp(f);
                    let addr =
                        TExpr::new(K::AddrOf(Box::new(fv)), Ty::Ptr(Box::new(Ty::Unit)), line);
                    let resize = fx.extern_call(
                        "mj_list_resize",
                        vec![list.clone(), n, addr],
                        Ty::Unit,
                        line,
                    );
                    TExpr::new(
                        K::Seq(vec![s0, s1, s2, TStmt::Expr(resize)], Box::new(list)),
                        ty,
                        line,
                    )
                }
                (None, None) => fx.build_list((*t).clone(), items, line),
                _ => {
                    fx.error(Diag::error(
                        E_ARITY,
                        "`List(length=...)` needs `fill=` too",
                        span,
                    ));
                    fx.unknown(line)
                }
            }
        }
        Ty::Dict(..) => {
            if !args.is_empty() {
                fx.error(Diag::error(
                    E_ARITY,
                    "`Dict[K, V]()` takes no arguments",
                    span,
                ));
            }
            new_dict(fx, &ty, line)
        }
        Ty::Unknown => fx.unknown(line),
        t => {
            let msg = format!("`{}` cannot be constructed this way", fx.ty_name(&t));
            fx.error(Diag::error(super::E_NOT_CALLABLE, msg, span));
            fx.unknown(line)
        }
    }
}

/// Built-in functions called by bare name; `None` if `name` is not a built-in.
pub(crate) fn call_builtin(
    fx: &mut FnCx<'_>,
    name: &str,
    args: &[Arg],
    span: Span,
    expected: Option<&Ty>,
) -> Option<TExpr> {
    let line = fx.line(span);
    if let Some(t) = scalar_type(name) {
        return Some(fx.convert_to(t, name, args, span));
    }
    Some(match name {
        "print" => fx.print(args, span),
        "len" => {
            if !fx.arity("len", args, 1, 1, span) {
                return Some(fx.unknown(line));
            }
            let v = fx.expr(&args[0].value, None);
            match v.ty.clone() {
                Ty::Str | Ty::List(_) => TExpr::new(K::Len(Box::new(v)), Ty::INT, line),
                Ty::Dict(..) => fx.extern_call("mj_dict_len", vec![v], Ty::INT, line),
                Ty::Struct(_) => fx
                    .dunder_call(v, "__len__", Vec::new(), span)
                    .unwrap_or_else(|| fx.unknown(line)),
                Ty::Unknown => fx.unknown(line),
                t => {
                    let msg = format!("`{}` has no length", fx.ty_name(&t));
                    fx.error(Diag::error(E_OPERATOR, msg, args[0].value.span));
                    fx.unknown(line)
                }
            }
        }
        "String" | "str" => {
            if args.is_empty() {
                return Some(s("", line));
            }
            if !fx.arity(name, args, 1, 1, span) {
                return Some(fx.unknown(line));
            }
            let v = fx.expr(&args[0].value, None);
            fx.stringify(v, args[0].value.span)
        }
        "repr" => {
            if !fx.arity(name, args, 1, 1, span) {
                return Some(fx.unknown(line));
            }
            let v = fx.expr(&args[0].value, None);
            fx.repr_string(v, args[0].value.span)
        }
        "Error" => {
            if args.is_empty() {
                return Some(TExpr::new(K::Str(String::new()), Ty::Error, line));
            }
            if !fx.arity(name, args, 1, 1, span) {
                return Some(fx.unknown(line));
            }
            let v = fx.expr(&args[0].value, Some(&Ty::Str));
            let v = fx.stringify(v, args[0].value.span);
            TExpr { ty: Ty::Error, ..v }
        }
        "divmod" => {
            if !fx.arity(name, args, 2, 2, span) {
                return Some(fx.unknown(line));
            }
            let a = fx.expr(&args[0].value, None);
            let b = fx.expr(&args[1].value, Some(&a.ty));
            let (a, b) = fx.unify_numeric(a, b, span);
            if !a.ty.is_numeric() {
                let msg = format!("`divmod` of a `{}`", fx.ty_name(&a.ty));
                fx.error(Diag::error(E_OPERATOR, msg, args[0].value.span));
                return Some(fx.unknown(line));
            }
            let ty = a.ty.clone();
            let (s0, a) = fx.temp(a);
            let (s1, b) = fx.temp(b);
            let q = TExpr::new(
                K::Binary(TBin::FloorDiv, Box::new(a.clone()), Box::new(b.clone())),
                ty.clone(),
                line,
            );
            let r = TExpr::new(
                K::Binary(TBin::FloorMod, Box::new(a), Box::new(b)),
                ty.clone(),
                line,
            );
            let pair = TExpr::new(
                K::Aggregate(vec![q, r]),
                Ty::Tuple(vec![ty.clone(), ty]),
                line,
            );
            let t = pair.ty.clone();
            TExpr::new(K::Seq(vec![s0, s1], Box::new(pair)), t, line)
        }
        "hex" | "bin" | "oct" => {
            if !fx.arity(name, args, 1, 1, span) {
                return Some(fx.unknown(line));
            }
            let v = fx.expr(&args[0].value, None);
            if !v.ty.is_int() && !v.ty.is_unknown() {
                let msg = format!("`{name}` needs an integer, found `{}`", fx.ty_name(&v.ty));
                fx.error(Diag::error(E_MISMATCH, msg, args[0].value.span));
                return Some(fx.unknown(line));
            }
            let spec = match name {
                "hex" => "#x",
                "bin" => "#b",
                _ => "#o",
            };
            let v = fx.cast(v, Ty::INT);
            fx.extern_call("mj_fmt_int", vec![v, s(spec, line)], Ty::Str, line)
        }
        "pow" => {
            if !fx.arity(name, args, 2, 2, span) {
                return Some(fx.unknown(line));
            }
            let a = fx.expr(&args[0].value, expected);
            let b = fx.expr(
                &args[1].value,
                if a.ty.is_float() { Some(&a.ty) } else { None },
            );
            fx.binary_typed(ast::BinOp::Pow, a, b, span)
        }
        "ord" => {
            if !fx.arity(name, args, 1, 1, span) {
                return Some(fx.unknown(line));
            }
            let v = fx.typed_arg(&args[0], &Ty::Str);
            fx.extern_call("mj_ord", vec![v], Ty::INT, line)
        }
        "chr" => {
            if !fx.arity(name, args, 1, 1, span) {
                return Some(fx.unknown(line));
            }
            let v = fx.typed_arg(&args[0], &Ty::INT);
            fx.extern_call("mj_chr", vec![v], Ty::Str, line)
        }
        "abs" => {
            if !fx.arity(name, args, 1, 1, span) {
                return Some(fx.unknown(line));
            }
            let v = fx.expr(&args[0].value, expected);
            abs(fx, v, args[0].value.span)
        }
        "round" => {
            if !fx.arity(name, args, 1, 2, span) {
                return Some(fx.unknown(line));
            }
            let v = fx.expr(&args[0].value, expected.filter(|t| t.is_numeric()));
            if v.ty.is_int() || v.ty.is_unknown() {
                if args.len() == 2 {
                    fx.typed_arg(&args[1], &Ty::INT);
                }
                return Some(v);
            }
            if !v.ty.is_float() {
                let msg = format!("`round` needs a number, found `{}`", fx.ty_name(&v.ty));
                fx.error(Diag::error(E_MISMATCH, msg, args[0].value.span));
                return Some(fx.unknown(line));
            }
            let ft = v.ty.clone();
            let round = |v: TExpr| {
                TExpr::new(
                    K::Call(Callee::Intrinsic("llvm.round".into()), vec![TArg::Value(v)]),
                    ft.clone(),
                    line,
                )
            };
            if args.len() == 1 {
                return Some(round(v));
            }
            // round(x, n): ties away from zero at the n-th decimal digit.
            let n = fx.typed_arg(&args[1], &Ty::INT);
            let n = fx.cast(n, ft.clone());
            let ten = TExpr::new(K::Float(10.0), ft.clone(), line);
            let scale = TExpr::new(
                K::Call(
                    Callee::Intrinsic("llvm.pow".into()),
                    vec![TArg::Value(ten), TArg::Value(n)],
                ),
                ft.clone(),
                line,
            );
            let (st, scale) = fx.temp(scale);
            let scaled = TExpr::new(
                K::Binary(TBin::Mul, Box::new(v), Box::new(scale.clone())),
                ft.clone(),
                line,
            );
            let r = TExpr::new(
                K::Binary(TBin::Div, Box::new(round(scaled)), Box::new(scale)),
                ft.clone(),
                line,
            );
            TExpr::new(K::Seq(vec![st], Box::new(r)), ft, line)
        }
        "min" => fx.min_max(false, args, span),
        "max" => fx.min_max(true, args, span),
        "sort" => {
            if !fx.arity(name, args, 1, 1, span) {
                return Some(fx.unknown(line));
            }
            let v = fx.expr(&args[0].value, None);
            sort_list(fx, v, fx.int(0, line), span)
        }
        "range" => {
            if !fx.arity(name, args, 1, 3, span) {
                return Some(fx.unknown(line));
            }
            // Outside a `for`, a range is materialized as a List[Int].
            let vals: Vec<TExpr> = args.iter().map(|a| fx.typed_arg(a, &Ty::INT)).collect();
            range_list(fx, vals, line)
        }
        "enumerate" => {
            if !fx.arity(name, args, 1, 1, span) {
                return Some(fx.unknown(line));
            }
            let v = fx.expr(&args[0].value, None);
            enumerate(fx, v, args[0].value.span)
        }
        "reversed" => {
            if !fx.arity(name, args, 1, 1, span) {
                return Some(fx.unknown(line));
            }
            let v = fx.expr(&args[0].value, None);
            match v.ty.clone() {
                Ty::List(_) => {
                    let ty = v.ty.clone();
                    let copy = fx.extern_call("mj_list_copy", vec![v], ty.clone(), line);
                    let (s0, c) = fx.temp(copy);
                    let rev = fx.extern_call("mj_list_reverse", vec![c.clone()], Ty::Unit, line);
                    TExpr::new(K::Seq(vec![s0, TStmt::Expr(rev)], Box::new(c)), ty, line)
                }
                Ty::Unknown => fx.unknown(line),
                t => {
                    let msg = format!("`reversed` of a `{}` is not supported", fx.ty_name(&t));
                    fx.error(Diag::error(E_UNSUPPORTED, msg, span));
                    fx.unknown(line)
                }
            }
        }
        "abort" => {
            let msg = match args.first().map(|a| &a.value.kind) {
                Some(ast::ExprKind::Str(m)) => m.clone(),
                _ => "abort".into(),
            };
            TExpr::new(
                K::Seq(
                    vec![TStmt::Abort(line, msg)],
                    Box::new(TExpr::new(K::Unit, Ty::Unit, line)),
                ),
                Ty::Unit,
                line,
            )
        }
        "List" | "Dict" => {
            let msg = format!("`{name}` needs its type parameters here");
            fx.error(
                Diag::error(super::E_UNKNOWN_TYPE, msg, span)
                    .with_hint(format!("write `{name}[Int]()` or a literal")),
            );
            fx.unknown(line)
        }
        _ => return None,
    })
}

fn abs(fx: &mut FnCx<'_>, v: TExpr, span: Span) -> TExpr {
    let line = v.line;
    match v.ty.clone() {
        t if t.is_float() => TExpr::new(
            K::Call(Callee::Intrinsic("llvm.fabs".into()), vec![TArg::Value(v)]),
            t,
            line,
        ),
        t if t.is_int() => {
            let (s0, x) = fx.temp(v);
            let zero = fx.cast(fx.int(0, line), t.clone());
            let neg = TExpr::new(
                K::Cmp(TCmp::Lt, Box::new(x.clone()), Box::new(zero)),
                Ty::Bool,
                line,
            );
            let minus = TExpr::new(K::Unary(TUn::Neg, Box::new(x.clone())), t.clone(), line);
            let pick = TExpr::new(
                K::IfExp(Box::new(neg), Box::new(minus), Box::new(x)),
                t.clone(),
                line,
            );
            TExpr::new(K::Seq(vec![s0], Box::new(pick)), t, line)
        }
        Ty::Struct(_) => fx
            .dunder_call(v, "__abs__", Vec::new(), span)
            .unwrap_or_else(|| fx.unknown(line)),
        Ty::Unknown => fx.unknown(line),
        t => {
            let msg = format!("`abs` of a `{}`", fx.ty_name(&t));
            fx.error(Diag::error(E_OPERATOR, msg, span));
            fx.unknown(line)
        }
    }
}

/// Sorts a list in place with `<` (or `__lt__`): a stable insertion sort in TIR.
fn insertion_sort(fx: &mut FnCx<'_>, v: TExpr, elem: Ty, reverse: TExpr, span: Span) -> TExpr {
    let line = v.line;
    let int = |v: i128| TExpr::new(K::Int(v), Ty::INT, line);
    let bin = |op: TBin, a: TExpr, b: TExpr| {
        TExpr::new(K::Binary(op, Box::new(a), Box::new(b)), Ty::INT, line)
    };
    let cmp = |op: TCmp, a: TExpr, b: TExpr| {
        TExpr::new(K::Cmp(op, Box::new(a), Box::new(b)), Ty::Bool, line)
    };
    let (s0, lst) = fx.temp(v);
    let (s1, rev) = fx.temp(reverse);
    let n = TExpr::new(K::Len(Box::new(lst.clone())), Ty::INT, line);
    let (s2, n) = fx.temp(n);
    let (s3, i) = fx.temp(int(1));
    let at = |k: TExpr| {
        TExpr::new(
            K::ListElem(Box::new(lst.clone()), Box::new(k)),
            elem.clone(),
            line,
        )
    };
    let (s4, key) = fx.temp(at(i.clone()));
    let (s5, j) = fx.temp(bin(TBin::Sub, i.clone(), int(1)));
    let fwd = fx.compare(ast::CmpOp::Lt, key.clone(), at(j.clone()), span);
    let bwd = fx.compare(ast::CmpOp::Lt, at(j.clone()), key.clone(), span);
    let rev_true = cmp(TCmp::Ne, rev, int(0));
    let out_of_order = TExpr::new(
        K::IfExp(Box::new(rev_true), Box::new(bwd), Box::new(fwd)),
        Ty::Bool,
        line,
    );
    let inner_cond = TExpr::new(
        K::And(
            Box::new(cmp(TCmp::Ge, j.clone(), int(0))),
            Box::new(out_of_order),
        ),
        Ty::Bool,
        line,
    );
    let inner = TStmt::While {
        cond: inner_cond,
        body: vec![
            TStmt::Assign(at(bin(TBin::Add, j.clone(), int(1))), at(j.clone())),
            TStmt::Assign(j.clone(), bin(TBin::Sub, j.clone(), int(1))),
        ],
        else_body: Vec::new(),
    };
    let outer = TStmt::While {
        cond: cmp(TCmp::Lt, i.clone(), n),
        body: vec![
            s4,
            s5,
            inner,
            TStmt::Assign(at(bin(TBin::Add, j, int(1))), key),
            TStmt::Assign(i.clone(), bin(TBin::Add, i, int(1))),
        ],
        else_body: Vec::new(),
    };
    let unit = TExpr::new(K::Unit, Ty::Unit, line);
    TExpr::new(
        K::Seq(vec![s0, s1, s2, s3, outer], Box::new(unit)),
        Ty::Unit,
        line,
    )
}

fn sort_list(fx: &mut FnCx<'_>, v: TExpr, reverse: TExpr, span: Span) -> TExpr {
    let line = v.line;
    let f = match v.ty.list_elem() {
        Some(Ty::Int {
            bits: 64,
            signed: true,
        }) => "mj_list_sort_int",
        Some(Ty::Float { bits: 64 }) => "mj_list_sort_f64",
        Some(Ty::Str) => "mj_list_sort_str",
        Some(Ty::Unknown) | None if v.ty.is_unknown() => return fx.unknown(line),
        Some(t @ (Ty::Struct(_) | Ty::Int { .. } | Ty::Float { .. } | Ty::Bool)) => {
            if let Ty::Struct(_) = t
                && !fx.has_method(t, "__lt__")
            {
                let msg = format!(
                    "cannot sort a `{}`: `{}` does not implement `__lt__`",
                    fx.ty_name(&v.ty),
                    fx.ty_name(t)
                );
                fx.error(Diag::error(E_OPERATOR, msg, span).with_hint(format!(
                    "define `def __lt__(self, other: {}) -> Bool` in the struct",
                    fx.ty_name(t)
                )));
                return fx.unknown(line);
            }
            let t = t.clone();
            return insertion_sort(fx, v, t, reverse, span);
        }
        _ => {
            let msg = format!("sorting a `{}` is not supported yet", fx.ty_name(&v.ty));
            fx.error(
                Diag::error(E_UNSUPPORTED, msg, span)
                    .with_hint("lists of Int, Float64 and String can be sorted"),
            );
            return fx.unknown(line);
        }
    };
    fx.extern_call(f, vec![v, reverse], Ty::Unit, line)
}

fn range_list(fx: &mut FnCx<'_>, mut vals: Vec<TExpr>, line: u32) -> TExpr {
    let (start, stop, step) = match vals.len() {
        1 => (fx.int(0, line), vals.remove(0), fx.int(1, line)),
        2 => {
            let a = vals.remove(0);
            (a, vals.remove(0), fx.int(1, line))
        }
        _ => {
            let a = vals.remove(0);
            let b = vals.remove(0);
            (a, b, vals.remove(0))
        }
    };
    let list = fx.build_list(Ty::INT, Vec::new(), line);
    let (s0, l) = fx.temp(list);
    let (s1, i) = fx.temp(start);
    let (s2, stop) = fx.temp(stop);
    let (s3, step) = fx.temp(step);
    let pos = TExpr::new(
        K::Cmp(TCmp::Gt, Box::new(step.clone()), Box::new(fx.int(0, line))),
        Ty::Bool,
        line,
    );
    let lt = TExpr::new(
        K::Cmp(TCmp::Lt, Box::new(i.clone()), Box::new(stop.clone())),
        Ty::Bool,
        line,
    );
    let gt = TExpr::new(
        K::Cmp(TCmp::Gt, Box::new(i.clone()), Box::new(stop)),
        Ty::Bool,
        line,
    );
    let cond = TExpr::new(
        K::IfExp(Box::new(pos), Box::new(lt), Box::new(gt)),
        Ty::Bool,
        line,
    );
    let push = fx.list_push(l.clone(), i.clone());
    let inc = TExpr::new(
        K::Binary(TBin::Add, Box::new(i.clone()), Box::new(step)),
        Ty::INT,
        line,
    );
    let w = TStmt::While {
        cond,
        body: vec![TStmt::Expr(push), TStmt::Assign(i, inc)],
        else_body: Vec::new(),
    };
    TExpr::new(
        K::Seq(vec![s0, s1, s2, s3, w], Box::new(l)),
        Ty::List(Box::new(Ty::INT)),
        line,
    )
}

fn enumerate(fx: &mut FnCx<'_>, v: TExpr, span: Span) -> TExpr {
    let line = v.line;
    let Some(plan) = iteration_plan(fx, v, span) else {
        return fx.unknown(line);
    };
    let (s0, c) = fx.temp(plan.collection);
    let count = (plan.count)(fx, c.clone());
    let (s1, i) = fx.temp(fx.int(0, line));
    let (s2, n) = fx.temp(fx.int(0, line));
    let skip = (plan.skip)(fx, c.clone(), i.clone());
    let elem = (plan.element)(fx, c, i.clone());
    let et = Ty::Tuple(vec![Ty::INT, elem.ty.clone()]);
    let list = fx.build_list(et.clone(), Vec::new(), line);
    let (s3, l) = fx.temp(list);
    let pair = TExpr::new(K::Aggregate(vec![n.clone(), elem]), et.clone(), line);
    let push = fx.list_push(l.clone(), pair);
    let inc_n = TExpr::new(
        K::Binary(TBin::Add, Box::new(n.clone()), Box::new(fx.int(1, line))),
        Ty::INT,
        line,
    );
    let inc_i = TExpr::new(
        K::Binary(TBin::Add, Box::new(i.clone()), Box::new(fx.int(1, line))),
        Ty::INT,
        line,
    );
    let step = vec![TStmt::Expr(push), TStmt::Assign(n, inc_n)];
    let body = match skip {
        Some(sk) => vec![
            TStmt::If(sk, Vec::new(), step),
            TStmt::Assign(i.clone(), inc_i),
        ],
        None => {
            let mut b = step;
            b.push(TStmt::Assign(i.clone(), inc_i));
            b
        }
    };
    let cond = TExpr::new(
        K::Cmp(TCmp::Lt, Box::new(i), Box::new(count)),
        Ty::Bool,
        line,
    );
    let w = TStmt::While {
        cond,
        body,
        else_body: Vec::new(),
    };
    TExpr::new(
        K::Seq(vec![s0, s1, s2, s3, w], Box::new(l)),
        Ty::List(Box::new(et)),
        line,
    )
}

/// Functions from built-in modules: `std.math`, `std.sys`, `std.collections`.
pub(crate) fn call_module_builtin(
    fx: &mut FnCx<'_>,
    module: &str,
    name: &str,
    args: &[Arg],
    span: Span,
    expected: Option<&Ty>,
) -> Option<TExpr> {
    let line = fx.line(span);
    match module {
        "sys" if name == "exit" => {
            if !fx.arity(name, args, 0, 1, span) {
                return Some(fx.unknown(line));
            }
            let code = if args.is_empty() {
                fx.int(0, line)
            } else {
                fx.typed_arg(&args[0], &Ty::INT)
            };
            return Some(fx.extern_call("mj_exit", vec![code], Ty::Unit, line));
        }
        "time" => {
            let nargs = usize::from(name == "sleep");
            if !fx.arity(name, args, nargs, nargs, span) {
                return Some(fx.unknown(line));
            }
            return Some(match name {
                "sleep" => {
                    let secs = fx.typed_arg(&args[0], &Ty::F64);
                    fx.extern_call("mj_sleep", vec![secs], Ty::Unit, line)
                }
                "perf_counter" | "monotonic" | "time" => {
                    let f = if name == "time" {
                        "mj_time_unix_ns"
                    } else {
                        "mj_time_monotonic_ns"
                    };
                    let ns = fx.extern_call(f, Vec::new(), Ty::INT, line);
                    let ns = fx.cast(ns, Ty::F64);
                    let scale = TExpr::new(K::Float(1e9), Ty::F64, line);
                    TExpr::new(
                        K::Binary(TBin::Div, Box::new(ns), Box::new(scale)),
                        Ty::F64,
                        line,
                    )
                }
                "time_ns" => fx.extern_call("mj_time_unix_ns", Vec::new(), Ty::INT, line),
                _ => fx.extern_call("mj_time_monotonic_ns", Vec::new(), Ty::INT, line),
            });
        }
        "sys" if name == "argv" => {
            fx.arity(name, args, 0, 0, span);
            return Some(fx.extern_call("mj_argv", Vec::new(), Ty::List(Box::new(Ty::Str)), line));
        }
        "builtin" => return call_builtin(fx, name, args, span, expected),
        "collections" => {
            let msg = format!("`{name}` needs its type parameters here");
            fx.error(Diag::error(super::E_UNKNOWN_TYPE, msg, span));
            return None;
        }
        "math" => {}
        _ => return None,
    }
    if matches!(name, "abs" | "min" | "max") {
        return call_builtin(fx, name, args, span, expected);
    }
    let nargs = match name {
        "atan2" | "pow" | "copysign" | "hypot" | "fmod" => 2,
        "fma" => 3,
        _ => 1,
    };
    if !fx.arity(name, args, nargs, nargs, span) {
        return Some(fx.unknown(line));
    }
    let mut vals: Vec<TExpr> = args
        .iter()
        .map(|a| fx.expr(&a.value, expected.filter(|t| t.is_float())))
        .collect();
    let ft = vals
        .iter()
        .find(|v| v.ty.is_float())
        .map(|v| v.ty.clone())
        .unwrap_or(Ty::F64);
    for (v, a) in vals.iter_mut().zip(args) {
        let taken = std::mem::replace(v, TExpr::new(K::Unit, Ty::Unit, line));
        *v = fx.coerce(taken, &ft, a.value.span);
    }
    if name == "isnan" {
        let x = vals.remove(0);
        let (s0, x) = fx.temp(x);
        let c = TExpr::new(
            K::Cmp(TCmp::Ne, Box::new(x.clone()), Box::new(x)),
            Ty::Bool,
            line,
        );
        return Some(TExpr::new(K::Seq(vec![s0], Box::new(c)), Ty::Bool, line));
    }
    if name == "isinf" {
        let x = vals.remove(0);
        let a = TExpr::new(
            K::Call(Callee::Intrinsic("llvm.fabs".into()), vec![TArg::Value(x)]),
            ft.clone(),
            line,
        );
        let inf = fx.cast(TExpr::new(K::Float(f64::INFINITY), Ty::F64, line), ft);
        return Some(TExpr::new(
            K::Cmp(TCmp::Eq, Box::new(a), Box::new(inf)),
            Ty::Bool,
            line,
        ));
    }
    let intrinsic = matches!(
        name,
        "sqrt"
            | "exp"
            | "log"
            | "log2"
            | "log10"
            | "sin"
            | "cos"
            | "pow"
            | "floor"
            | "ceil"
            | "trunc"
            | "fabs"
            | "copysign"
            | "exp2"
            | "fma"
    );
    let args: Vec<TArg> = vals.into_iter().map(TArg::Value).collect();
    if intrinsic {
        return Some(TExpr::new(
            K::Call(Callee::Intrinsic(format!("llvm.{name}")), args),
            ft,
            line,
        ));
    }
    // libm: call the double version and convert back for Float32.
    let args64: Vec<TArg> = args
        .into_iter()
        .map(|a| match a {
            TArg::Value(v) => TArg::Value(fx.cast(v, Ty::F64)),
            r => r,
        })
        .collect();
    let r = TExpr::new(
        K::Call(Callee::Extern(name.to_string()), args64),
        Ty::F64,
        line,
    );
    Some(fx.cast(r, ft))
}

/// Methods of `List`, `String`, `Dict` and `Error`.
pub(crate) fn builtin_method(
    fx: &mut FnCx<'_>,
    recv: TExpr,
    name: &ast::Ident,
    args: &[Arg],
    span: Span,
) -> TExpr {
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
    let file = fx.cx.modules[fx.m].input.path.clone();
    match ty.clone() {
        Ty::List(t) => {
            const KNOWN: &[&str] = &[
                "append", "pop", "insert", "clear", "copy", "extend", "reverse", "sort", "index",
                "count",
            ];
            let ok = |fx: &mut FnCx<'_>, min, max| fx.arity(m, args, min, max, span);
            match m {
                "append" if ok(fx, 1, 1) => {
                    let v = fx.typed_arg(&args[0], &t);
                    fx.list_push(recv, v)
                }
                "pop" if ok(fx, 0, 1) => {
                    let i = if args.is_empty() {
                        fx.int(-1, line)
                    } else {
                        fx.typed_arg(&args[0], &Ty::INT)
                    };
                    let out = fx.new_local("", (*t).clone(), false);
                    let out = TExpr::new(K::Local(out), (*t).clone(), line);
                    let addr = TExpr::new(
                        K::AddrOf(Box::new(out.clone())),
                        Ty::Ptr(Box::new(Ty::Unit)),
                        line,
                    );
                    let call = fx.extern_call(
                        "mj_list_pop",
                        vec![recv, i, addr, s(&file, line), fx.int(line as i128, line)],
                        Ty::Unit,
                        line,
                    );
                    TExpr::new(
                        K::Seq(vec![TStmt::Expr(call)], Box::new(out)),
                        (*t).clone(),
                        line,
                    )
                }
                "insert" if ok(fx, 2, 2) => {
                    let i = fx.typed_arg(&args[0], &Ty::INT);
                    let v = fx.typed_arg(&args[1], &t);
                    let (s0, tmp) = fx.temp(v);
                    let addr =
                        TExpr::new(K::AddrOf(Box::new(tmp)), Ty::Ptr(Box::new(Ty::Unit)), line);
                    let call =
                        fx.extern_call("mj_list_insert", vec![recv, i, addr], Ty::Unit, line);
                    TExpr::new(K::Seq(vec![s0], Box::new(call)), Ty::Unit, line)
                }
                "clear" if ok(fx, 0, 0) => {
                    fx.extern_call("mj_list_clear", vec![recv], Ty::Unit, line)
                }
                "copy" if ok(fx, 0, 0) => fx.extern_call("mj_list_copy", vec![recv], ty, line),
                "reverse" if ok(fx, 0, 0) => {
                    fx.extern_call("mj_list_reverse", vec![recv], Ty::Unit, line)
                }
                "extend" if ok(fx, 1, 1) => {
                    let o = fx.typed_arg(&args[0], &ty);
                    fx.extern_call("mj_list_extend", vec![recv, o], Ty::Unit, line)
                }
                "sort" => {
                    let mut rev = fx.int(0, line);
                    for a in args {
                        match a.name.as_ref().map(|n| n.name.as_str()) {
                            Some("reverse") => {
                                let b = fx.typed_arg(a, &Ty::Bool);
                                rev = fx.cast(b, Ty::INT);
                            }
                            _ => {
                                fx.error(Diag::error(
                                    super::E_KWARG,
                                    "`sort` takes only `reverse=`",
                                    a.span,
                                ));
                            }
                        }
                    }
                    sort_list(fx, recv, rev, span)
                }
                "index" if ok(fx, 1, 1) => {
                    let f = match &*t {
                        Ty::Str => "mj_list_find_str",
                        Ty::Float { bits: 64 } => "mj_list_find_f64",
                        Ty::Int { bits: 64, .. } => "mj_list_find_int",
                        _ => {
                            fx.error(Diag::error(
                                E_UNSUPPORTED,
                                "`index` works on lists of Int, Float64 and String",
                                span,
                            ));
                            return fx.unknown(line);
                        }
                    };
                    let v = fx.typed_arg(&args[0], &t);
                    fx.check_may_raise("`index`", span);
                    let r = fx.extern_call(f, vec![recv, v], Ty::INT, line);
                    let (s0, idx) = fx.temp(r);
                    let missing = TExpr::new(
                        K::Cmp(TCmp::Lt, Box::new(idx.clone()), Box::new(fx.int(0, line))),
                        Ty::Bool,
                        line,
                    );
                    let raise = TStmt::Raise(TExpr::new(
                        K::Str("ValueError: value is not in the list".into()),
                        Ty::Error,
                        line,
                    ));
                    TExpr::new(
                        K::Seq(
                            vec![s0, TStmt::If(missing, vec![raise], Vec::new())],
                            Box::new(idx),
                        ),
                        Ty::INT,
                        line,
                    )
                }
                _ if KNOWN.contains(&m) => fx.unknown(line),
                _ => unknown_method(fx, KNOWN),
            }
        }
        Ty::Str => {
            const KNOWN: &[&str] = &[
                "split",
                "join",
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
                "isdigit",
                "isalpha",
                "isspace",
                "isupper",
                "islower",
                "isalnum",
                "splitlines",
                "copy",
                "byte_length",
                "__len__",
                "write",
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
                "split" => {
                    let mut sep = TExpr::new(K::Null, Ty::Str, line);
                    let mut maxsplit = fx.int(-1, line);
                    for (i, a) in args.iter().enumerate() {
                        match (i, a.name.as_ref().map(|n| n.name.as_str())) {
                            (0, None) | (_, Some("sep")) => sep = fx.typed_arg(a, &Ty::Str),
                            (1, None) | (_, Some("maxsplit")) => {
                                maxsplit = fx.typed_arg(a, &Ty::INT)
                            }
                            _ => fx.error(Diag::error(
                                E_ARITY,
                                "`split` takes `sep` and `maxsplit`",
                                a.span,
                            )),
                        }
                    }
                    fx.extern_call(
                        "mj_str_split",
                        vec![recv, sep, maxsplit],
                        Ty::List(Box::new(Ty::Str)),
                        line,
                    )
                }
                "join" if ok(fx, 1, 1) => {
                    let l = fx.typed_arg(&args[0], &Ty::List(Box::new(Ty::Str)));
                    fx.extern_call("mj_str_join", vec![recv, l], Ty::Str, line)
                }
                "strip" | "lstrip" | "rstrip" if ok(fx, 0, 1) => {
                    let chars = if args.is_empty() {
                        TExpr::new(K::Null, Ty::Str, line)
                    } else {
                        fx.typed_arg(&args[0], &Ty::Str)
                    };
                    fx.extern_call(&format!("mj_str_{m}"), vec![recv, chars], Ty::Str, line)
                }
                "upper" | "lower" if ok(fx, 0, 0) => {
                    fx.extern_call(&format!("mj_str_{m}"), vec![recv], Ty::Str, line)
                }
                "splitlines" if ok(fx, 0, 0) => fx.extern_call(
                    "mj_str_splitlines",
                    vec![recv],
                    Ty::List(Box::new(Ty::Str)),
                    line,
                ),
                "find" if ok(fx, 1, 2) => {
                    let sub = fx.typed_arg(&args[0], &Ty::Str);
                    let start = if args.len() > 1 {
                        fx.typed_arg(&args[1], &Ty::INT)
                    } else {
                        fx.int(0, line)
                    };
                    fx.extern_call("mj_str_find", vec![recv, sub, start], Ty::INT, line)
                }
                "rfind" | "count" if ok(fx, 1, 1) => {
                    let sub = fx.typed_arg(&args[0], &Ty::Str);
                    fx.extern_call(&format!("mj_str_{m}"), vec![recv, sub], Ty::INT, line)
                }
                "replace" if ok(fx, 2, 2) => {
                    let a = fx.typed_arg(&args[0], &Ty::Str);
                    let b = fx.typed_arg(&args[1], &Ty::Str);
                    fx.extern_call("mj_str_replace", vec![recv, a, b], Ty::Str, line)
                }
                "startswith" | "endswith" if ok(fx, 1, 1) => {
                    let p = fx.typed_arg(&args[0], &Ty::Str);
                    let r = fx.extern_call(&format!("mj_str_{m}"), vec![recv, p], Ty::INT, line);
                    yes(fx, r)
                }
                "isdigit" | "isalpha" | "isspace" | "isupper" | "islower" | "isalnum"
                    if ok(fx, 0, 0) =>
                {
                    let r = fx.extern_call(&format!("mj_str_{m}"), vec![recv], Ty::INT, line);
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
                        let cat =
                            fx.extern_call("mj_str_concat", vec![recv.clone(), v], Ty::Str, line);
                        stmts.push(TStmt::Assign(recv.clone(), cat));
                    }
                    TExpr::new(
                        K::Seq(stmts, Box::new(TExpr::new(K::Unit, Ty::Unit, line))),
                        Ty::Unit,
                        line,
                    )
                }
                "byte_length" | "__len__" if ok(fx, 0, 0) => {
                    TExpr::new(K::Len(Box::new(recv)), Ty::INT, line)
                }
                _ if KNOWN.contains(&m) => fx.unknown(line),
                _ => unknown_method(fx, KNOWN),
            }
        }
        Ty::Dict(k, v) => {
            const KNOWN: &[&str] = &[
                "get",
                "keys",
                "values",
                "items",
                "pop",
                "clear",
                "copy",
                "setdefault",
            ];
            let ok = |fx: &mut FnCx<'_>, min, max| fx.arity(m, args, min, max, span);
            match m {
                "get" if ok(fx, 1, 2) => {
                    let key = fx.typed_arg(&args[0], &k);
                    if args.len() == 1 {
                        fx.error(
                            Diag::error(E_UNSUPPORTED, "`get` without a default returns an Optional, which is not supported yet", span)
                                .with_hint("pass a default: `d.get(key, default)`"),
                        );
                        return fx.unknown(line);
                    }
                    let def = fx.typed_arg(&args[1], &v);
                    let p = fx.dict_lookup(recv, key, &v, line);
                    let (s0, ptr) = fx.temp(p);
                    let null = fx.is_null(ptr.clone(), line);
                    let val = TExpr::new(K::Deref(Box::new(ptr)), (*v).clone(), line);
                    let pick = TExpr::new(
                        K::IfExp(Box::new(null), Box::new(def), Box::new(val)),
                        (*v).clone(),
                        line,
                    );
                    TExpr::new(K::Seq(vec![s0], Box::new(pick)), (*v).clone(), line)
                }
                "keys" | "values" | "items" if ok(fx, 0, 0) => dict_view(fx, recv, &k, &v, m, line),
                "pop" if ok(fx, 1, 2) => {
                    let key = fx.typed_arg(&args[0], &k);
                    let (s0, d) = fx.temp(recv);
                    let (s1, key) = fx.temp(key);
                    let p = fx.dict_lookup(d.clone(), key.clone(), &v, line);
                    let (s2, ptr) = fx.temp(p);
                    let null = fx.is_null(ptr.clone(), line);
                    let result = fx.new_local("", (*v).clone(), false);
                    let result = TExpr::new(K::Local(result), (*v).clone(), line);
                    let missing = if args.len() == 2 {
                        let def = fx.typed_arg(&args[1], &v);
                        vec![TStmt::Assign(result.clone(), def)]
                    } else {
                        fx.check_may_raise("`pop`", span);
                        vec![TStmt::Raise(TExpr::new(
                            K::Str("KeyError".into()),
                            Ty::Error,
                            line,
                        ))]
                    };
                    let del = if *k == Ty::Str {
                        "mj_dict_del_str"
                    } else {
                        "mj_dict_del_int"
                    };
                    let key_arg = if *k == Ty::Str {
                        key
                    } else {
                        fx.cast(key, Ty::INT)
                    };
                    let delete = fx.extern_call(del, vec![d, key_arg], Ty::INT, line);
                    let present = vec![
                        TStmt::Assign(
                            result.clone(),
                            TExpr::new(K::Deref(Box::new(ptr)), (*v).clone(), line),
                        ),
                        TStmt::Expr(delete),
                    ];
                    let st = TStmt::If(null, missing, present);
                    TExpr::new(
                        K::Seq(vec![s0, s1, s2, st], Box::new(result)),
                        (*v).clone(),
                        line,
                    )
                }
                "clear" if ok(fx, 0, 0) => {
                    fx.extern_call("mj_dict_clear", vec![recv], Ty::Unit, line)
                }
                "copy" if ok(fx, 0, 0) => fx.extern_call("mj_dict_copy", vec![recv], ty, line),
                "setdefault" if ok(fx, 2, 2) => {
                    let key = fx.typed_arg(&args[0], &k);
                    let def = fx.typed_arg(&args[1], &v);
                    let (s0, d) = fx.temp(recv);
                    let (s1, key) = fx.temp(key);
                    let p = fx.dict_lookup(d.clone(), key.clone(), &v, line);
                    let null = fx.is_null(p, line);
                    let set = fx.dict_set(d.clone(), key.clone(), def, line);
                    let st = TStmt::If(null, vec![TStmt::Expr(set)], Vec::new());
                    let again = fx.dict_lookup(d, key, &v, line);
                    let val = TExpr::new(K::Deref(Box::new(again)), (*v).clone(), line);
                    TExpr::new(K::Seq(vec![s0, s1, st], Box::new(val)), (*v).clone(), line)
                }
                _ if KNOWN.contains(&m) => fx.unknown(line),
                _ => unknown_method(fx, KNOWN),
            }
        }
        Ty::Tuple(_) | Ty::Struct(_) if m == "copy" => recv,
        _ => unknown_method(fx, &[]),
    }
}
