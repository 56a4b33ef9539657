//! Lowering from the checker's typed IR (TIR) to MIR: control flow becomes a graph of
//! basic blocks, places become projections, run-time checks become explicit branches to
//! `Abort`, and raising calls get their error edges (`try`/`except`/`finally` included).
//!
//! The checker has already reported every user error, so a failure here is a compiler bug
//! and comes back as an `Err` with a message, never a panic.

mod func;
mod rt;

pub use rt::rt_symbol;

use mj_mir as mir;
use mj_sema::tir::{Intrinsic, TProgram};
use mj_sema::ty::Ty;

/// Lowers a whole checked program.
pub fn lower_program(tp: &TProgram) -> Result<mir::Program, String> {
    let structs = tp
        .structs
        .iter()
        .map(|s| {
            let fields = s
                .fields
                .iter()
                .map(|(n, t)| {
                    let t = lower_ty(t).map_err(|e| format!("{e} (field `{}.{n}`)", s.name))?;
                    Ok((n.clone(), t))
                })
                .collect::<Result<_, String>>()?;
            Ok(mir::StructDef {
                name: s.name.clone(),
                fields,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let mut functions = Vec::with_capacity(tp.functions.len());
    for f in &tp.functions {
        functions.push(func::lower_function(tp, f).map_err(|e| format!("{e} (in `{}`)", f.name))?);
    }
    Ok(mir::Program {
        structs,
        functions,
        entry: tp.entry.map(|id| mir::FuncId(id.0)),
    })
}

/// The LLVM intrinsic (base name, overloaded on the argument types by the code generator)
/// that implements a TIR math operation.
pub fn intrinsic_name(op: Intrinsic) -> &'static str {
    use Intrinsic as I;
    match op {
        I::Pow => "llvm.pow",
        I::Floor => "llvm.floor",
        I::Ceil => "llvm.ceil",
        I::Trunc => "llvm.trunc",
        I::Round => "llvm.round",
        I::RoundEven => "llvm.roundeven",
        I::Fabs => "llvm.fabs",
        I::Fma => "llvm.fma",
        I::MaxNum => "llvm.maxnum",
        I::MinNum => "llvm.minnum",
        I::SMax => "llvm.smax",
        I::SMin => "llvm.smin",
        I::UMax => "llvm.umax",
        I::UMin => "llvm.umin",
        I::Abs => "llvm.abs",
    }
}

/// The MIR type of a checked type.
pub fn lower_ty(t: &Ty) -> Result<mir::Ty, String> {
    Ok(match t {
        Ty::Unit => mir::Ty::Unit,
        Ty::Bool => mir::Ty::Bool,
        Ty::Int { bits, signed } => mir::Ty::Int {
            bits: *bits,
            signed: *signed,
        },
        Ty::Float { bits } => mir::Ty::Float { bits: *bits },
        Ty::Str | Ty::Error => mir::Ty::Str,
        Ty::Tuple(ts) => mir::Ty::Tuple(ts.iter().map(lower_ty).collect::<Result<_, _>>()?),
        Ty::Struct(i, a) if a.is_empty() => mir::Ty::Struct(mir::StructId(*i)),
        Ty::Func(..) => mir::Ty::ptr(mir::Ty::Unit),
        Ty::Struct(..) | Ty::Param(_) => {
            return Err("internal error: a generic type reached lowering".into());
        }
        Ty::Ptr(t) => mir::Ty::ptr(lower_ty(t)?),
        // The address space stays in the MIR; only GPU code generation uses it.
        Ty::RawPtr(t, space) => mir::Ty::Ptr(Box::new(lower_ty(t)?), *space),
        Ty::Vector(e, n) => mir::Ty::Vector(Box::new(lower_ty(e)?), *n),
        Ty::Array(e, n) => mir::Ty::Array(Box::new(lower_ty(e)?), *n),
        // Storage for one value: its layout, with no drop of its own.
        Ty::Uninit(e) => mir::Ty::Array(Box::new(lower_ty(e)?), 1),
        // `(data pointer, length)`, field order fixed by `check/builtins/memory.rs`.
        Ty::Span(e) => mir::Ty::Tuple(vec![mir::Ty::ptr(lower_ty(e)?), mir::Ty::INT]),
        Ty::Unknown => return Err("internal error: an unresolved type reached lowering".into()),
    })
}
