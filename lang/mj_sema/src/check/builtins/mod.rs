//! Built-in functions, built-in modules (`std.math`, `std.sys`) and the methods of the
//! built-in types (`List`, `String`). Each lowers to TIR operations and runtime
//! calls (`compiler/mj_runtime/ABI.md`). This file keeps the name tables, the built-in
//! modules and the constructors of built-in types; the rest is split by kind below.

mod arrays;
mod ffi;
mod functions;
pub(crate) mod hashing;
mod intrinsics;
mod iter;
mod memory;
mod methods;
mod optional;
mod pointee;
mod simd;
mod simd_methods;
pub(crate) mod simd_types;
mod stringify;
pub(crate) mod target;

pub(crate) use ffi::{check_export, external_call, inlined_assembly, llvm_intrinsic};
pub(crate) use functions::{call_builtin, round_value, sort_by};
pub(crate) use iter::iteration_plan;
pub(crate) use memory::memory_method;
pub(crate) use methods::builtin_method;

use mj_syntax::ast::Arg;
use mj_syntax::{Diag, Span};

use super::E_ARITY;
use super::body::FnCx;
use crate::rt::Rt;
use crate::tir::{TBin, TExpr, TExprKind as K, TStmt};
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
    "StringSlice",
    "ImmStringSlice",
    "MutStringSlice",
    "StringSpan",
    "ImmStringSpan",
    "MutStringSpan",
    "StaticString",
    "atol",
    "atof",
    "Int",
    "UInt",
    "Float64",
    "Float32",
    "Float16",
    "BFloat16",
    "SIMD",
    "Scalar",
    "DType",
    "UnsafePointer",
    "Pointer",
    "InlineArray",
    "Array",
    "alloc",
    "fma",
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
    "VariadicList",
    "index",
    "Error",
    "List",
    "Dict",
    "str",
    "repr",
    "_element_repr",
    "abort",
    "external_call",
    "global_constant",
    "materialize",
    "True",
    "False",
    "None",
];

pub(crate) fn builtin_module(dotted: &str) -> Option<&'static str> {
    Some(match dotted {
        "std.math" | "math" => "math",
        "std.sys" | "sys" | "std.sys.info" | "sys.info" | "std.sys.intrinsics"
        | "sys.intrinsics" | "std.sys._assembly" | "sys._assembly" => "sys",
        "std.memory" | "memory" | "std.memory.unsafe_pointer" | "memory.unsafe_pointer" => "memory",
        "std.time" | "time" => "time",
        "std.testing" | "testing" => "testing",
        "std.collections"
        | "collections"
        | "std.collections.list"
        | "std.collections.dict"
        | "std.collections.array"
        | "std.collections.inline_array" => "collections",
        "std" | "std.builtin" | "builtin" | "std.builtin.globals" | "builtin.globals" => "builtin",
        "std.algorithm" | "algorithm" | "std.algorithm.functional" => "algorithm",
        "std._intrinsics" => "intrinsics",
        "std.reflection" | "reflection" => "reflection",
        _ => return None,
    })
}

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
/// Target queries of `std.sys` (`simd.rs`, `simd_types.rs`).
pub(crate) const SYS_QUERIES: &[&str] = &[
    "simd_width_of",
    "simdwidthof",
    "num_physical_cores",
    "num_logical_cores",
    "is_gpu",
    "is_nvidia_gpu",
    "is_amd_gpu",
    "is_apple_gpu",
    "is_x86",
    "size_of",
    "align_of",
    "bit_width_of",
    "num_performance_cores",
    "masked_load",
    "masked_store",
    "llvm_intrinsic",
    "inlined_assembly",
];
/// `std.memory` (`memory.rs`).
pub(crate) const MEMORY_NAMES: &[&str] = &[
    "UnsafePointer",
    "Pointer",
    "alloc",
    "memcpy",
    "memset",
    "memset_zero",
    "stack_allocation",
    "AddressSpace",
    "Span",
    "UnsafeMaybeUninit",
    "is_trivially_copyable",
    "is_trivially_movable",
    "is_trivially_destructible",
];
const MATH_CONSTS: &[&str] = &["pi", "e", "tau", "inf", "nan"];

pub(crate) fn builtin_module_has(m: &str, name: &str) -> bool {
    match m {
        // (The functions of `std.math` are mj code, `stdlib/std/math.mj`, over
        // `llvm_intrinsic` and `external_call`; these are the built-in rest.)
        "math" => MATH_CONSTS.contains(&name) || ["abs", "min", "max"].contains(&name),
        "sys" => {
            name == "argv"
                || name == "exit"
                || SYS_QUERIES.contains(&name)
                || target::TARGET_FNS.contains(&name)
        }
        "memory" => MEMORY_NAMES.contains(&name),
        "time" => TIME_FNS.contains(&name),
        "testing" => false,
        "collections" => ["InlineArray", "Array", "Span"].contains(&name),
        "builtin" => BUILTIN_NAMES.contains(&name),
        "algorithm" => ["vectorize", "parallelize", "map"].contains(&name),
        "intrinsics" => intrinsics::has(name),
        "reflection" => super::reflect::REFLECTION_NAMES.contains(&name),
        _ => false,
    }
}

/// Every name a built-in module exports.
pub(crate) fn builtin_module_names(m: &str) -> Vec<&'static str> {
    match m {
        "math" => MATH_CONSTS
            .iter()
            .chain(&["abs", "min", "max"])
            .copied()
            .collect(),
        "sys" => ["argv", "exit"]
            .iter()
            .chain(SYS_QUERIES)
            .chain(target::TARGET_FNS)
            .copied()
            .collect(),
        "memory" => MEMORY_NAMES.to_vec(),
        "time" => TIME_FNS.to_vec(),
        "testing" => Vec::new(),
        "collections" => vec!["InlineArray", "Array", "Span"],
        "algorithm" => vec!["vectorize", "parallelize", "map"],
        "intrinsics" => intrinsics::names(),
        "reflection" => super::reflect::REFLECTION_NAMES.to_vec(),
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
    pub(crate) fn arity(
        &mut self,
        fname: &str,
        args: &[Arg],
        min: usize,
        max: usize,
        span: Span,
    ) -> bool {
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

    pub(crate) fn typed_arg(&mut self, a: &Arg, t: &Ty) -> TExpr {
        let v = self.expr(&a.value, Some(t));
        self.coerce(v, t, a.value.span)
    }
}

/// A call of a type that has no constructor of its own here.
pub(crate) fn construct_builtin(fx: &mut FnCx<'_>, ty: Ty, args: &[Arg], span: Span) -> TExpr {
    let line = fx.line(span);
    match ty {
        Ty::Unknown => fx.unknown(line),
        // `Tuple[Int, String](1, "a")`, `Tuple[]()`: one value per element type.
        // `Tuple[Int, String]()`: each element default-constructed.
        Ty::Tuple(ts) if args.is_empty() && !ts.is_empty() => {
            let vals = ts
                .iter()
                .map(|t| fx.construct_ty(t.clone(), &[], span))
                .collect();
            TExpr::new(K::Aggregate(vals), Ty::Tuple(ts), line)
        }
        Ty::Tuple(ts) => {
            let name = fx.ty_name(&Ty::Tuple(ts.clone()));
            if !fx.arity(&name, args, ts.len(), ts.len(), span) {
                return fx.unknown(line);
            }
            let vals = args
                .iter()
                .zip(&ts)
                .map(|(a, t)| {
                    let v = fx.typed_arg(a, t);
                    fx.owned_value(v, a.value.span)
                })
                .collect();
            TExpr::new(K::Aggregate(vals), Ty::Tuple(ts), line)
        }
        t => {
            let msg = format!("`{}` cannot be constructed this way", fx.ty_name(&t));
            fx.error(Diag::error(super::E_NOT_CALLABLE, msg, span));
            fx.unknown(line)
        }
    }
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
        "reflection" if matches!(name, "source_location" | "call_location") => {
            return Some(fx.location_call(name, args, span));
        }
        "sys" if name == "exit" => {
            if !fx.arity(name, args, 0, 1, span) {
                return Some(fx.unknown(line));
            }
            let code = if args.is_empty() {
                fx.int(0, line)
            } else {
                fx.typed_arg(&args[0], &Ty::INT)
            };
            return Some(fx.rt_call(Rt::Exit, vec![code], Ty::Unit, line));
        }
        "time" => {
            let nargs = usize::from(name == "sleep");
            if !fx.arity(name, args, nargs, nargs, span) {
                return Some(fx.unknown(line));
            }
            return Some(match name {
                "sleep" => {
                    let secs = fx.typed_arg(&args[0], &Ty::F64);
                    fx.rt_call(Rt::Sleep, vec![secs], Ty::Unit, line)
                }
                "perf_counter" | "monotonic" | "time" => {
                    let f = if name == "time" {
                        Rt::TimeUnixNs
                    } else {
                        Rt::TimeMonotonicNs
                    };
                    let ns = fx.rt_call(f, Vec::new(), Ty::INT, line);
                    let ns = fx.cast(ns, Ty::F64);
                    let scale = TExpr::new(K::Float(1e9), Ty::F64, line);
                    TExpr::new(
                        K::Binary(TBin::Div, Box::new(ns), Box::new(scale)),
                        Ty::F64,
                        line,
                    )
                }
                "time_ns" => fx.rt_call(Rt::TimeUnixNs, Vec::new(), Ty::INT, line),
                _ => fx.rt_call(Rt::TimeMonotonicNs, Vec::new(), Ty::INT, line),
            });
        }
        // `argv()`: a new `List[String]` of the process's arguments, read one by one.
        "sys" if name == "argv" => {
            fx.arity(name, args, 0, 0, span);
            let out = fx.build_list(Ty::Str, Vec::new(), line);
            let (s0, out) = fx.temp(out);
            let count = fx.rt_call(Rt::Argc, Vec::new(), Ty::INT, line);
            let start = fx.int(0, line);
            let lp = fx.index_loop(start, count, |fx, i| {
                let arg = fx.rt_call(Rt::Arg, vec![i], Ty::Str, line);
                vec![TStmt::Expr(fx.list_push(out.clone(), arg))]
            });
            let mut stmts = vec![s0];
            stmts.extend(lp);
            let ty = out.ty.clone();
            let v = TExpr::new(
                K::Seq(stmts, Box::new(super::collections::move_out(out))),
                ty,
                line,
            );
            return Some(v);
        }
        "builtin" | "memory" | "sys" => return call_builtin(fx, name, args, span, expected),
        "collections" if name == "Span" => return call_builtin(fx, name, args, span, expected),
        "intrinsics" => return Some(intrinsics::call(fx, name, args, span)),
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
    None
}
