//! Compile-time side of SIMD and raw memory: `DType` values, the parameterized types
//! `SIMD[dtype, width]`, `Scalar[dtype]`, `UnsafePointer[T, address_space=...]` and
//! `InlineArray[T, n]`, and the target queries (`simd_width_of`, `is_gpu`, ...) that
//! `comptime` expressions may call.

use std::collections::HashMap;

use mj_syntax::ast::{Arg, Expr, ExprKind};
use mj_syntax::{Diag, Span};

use crate::check::generics::TyScope;
use crate::check::items::{const_eval, resolve_type};
use crate::check::{ConstVal, Ctx, E_COMPTIME, E_UNKNOWN_TYPE, Item};
use crate::suggest::did_you_mean;
use crate::ty::{BF16_BITS, Ty};

/// The `DType` members, with the scalar type each names.
pub(crate) const DTYPES: &[&str] = &[
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float16",
    "bfloat16", "float32", "float64", "index", "int", "uint",
];

pub(crate) fn dtype_by_name(n: &str) -> Option<Ty> {
    let int = |bits, signed| Ty::Int { bits, signed };
    Some(match n {
        "bool" => Ty::Bool,
        "int8" => int(8, true),
        "int16" => int(16, true),
        "int32" => int(32, true),
        // (`DType.int`/`DType.uint` are `Int`'s and `UInt`'s: 64 bits on every target here.)
        "int64" | "index" | "int" => Ty::INT,
        "uint8" => int(8, false),
        "uint16" => int(16, false),
        "uint32" => int(32, false),
        "uint64" | "uint" => Ty::UINT,
        "float16" => Ty::F16,
        "bfloat16" => Ty::BF16,
        "float32" => Ty::F32,
        "float64" => Ty::F64,
        _ => return None,
    })
}

/// `SIMD[elem, width]` as a type: width 1 is the scalar itself.
pub(crate) fn simd_of(elem: Ty, width: u32) -> Ty {
    if width == 1 {
        elem
    } else {
        Ty::Vector(Box::new(elem), width)
    }
}

/// The lane type and count of a SIMD value (scalars are one lane).
pub(crate) fn lanes(t: &Ty) -> Option<(Ty, u32)> {
    match t {
        Ty::Vector(e, n) => Some(((**e).clone(), *n)),
        Ty::Bool | Ty::Int { .. } | Ty::Float { .. } => Some((t.clone(), 1)),
        _ => None,
    }
}

/// Named address spaces of `UnsafePointer` (NVPTX/AMDGPU numbering).
fn address_space(n: &str) -> Option<u8> {
    Some(match n {
        "GENERIC" => 0,
        "GLOBAL" => 1,
        "SHARED" => 3,
        "CONSTANT" => 4,
        "LOCAL" => 5,
        _ => return None,
    })
}

/// `simd_width_of[dtype]()`: lanes of `dtype` in the target's widest vector register.
pub(crate) fn simd_width_for(target: &mj_target::Target, elem: &Ty) -> i128 {
    let bits = match elem {
        Ty::Bool => 8,
        Ty::Int { bits, .. } => u32::from(*bits),
        Ty::Float { bits } => u32::from(*bits & 0x7f),
        _ => 64,
    };
    i128::from(target.simd_width(bits))
}

/// Evaluates a `DType` expression (`DType.float32`, or a `comptime` name bound to one).
pub(crate) fn eval_dtype(
    cx: &Ctx,
    m: usize,
    e: &Expr,
    consts: &HashMap<String, ConstVal>,
) -> Result<Ty, Diag> {
    if let ExprKind::Attr { base, name } = &e.kind
        && matches!(&base.kind, ExprKind::Name(b) if b == "DType")
    {
        return dtype_by_name(&name.name).ok_or_else(|| {
            let mut d = Diag::error(
                E_UNKNOWN_TYPE,
                format!("`DType` has no member `{}`", name.name),
                name.span,
            );
            if let Some(s) = did_you_mean(&name.name, DTYPES.iter().copied()) {
                d = d.with_hint(format!("did you mean `DType.{s}`?"));
            }
            d
        });
    }
    match const_eval(cx, m, e, consts) {
        Some(ConstVal::DType(t)) => Ok(t),
        _ => Err(Diag::error(
            E_COMPTIME,
            "expected a compile-time `DType` such as `DType.float32`",
            e.span,
        )),
    }
}

/// The largest compile-time count (array length, stack allocation) accepted.
const MAX_COUNT: i128 = 1 << 24;
/// The widest SIMD vector: far beyond any register, small enough for LLVM to split quickly.
const MAX_SIMD_WIDTH: u32 = 1024;

/// Evaluates a compile-time `Int` parameter (a SIMD width, an array length).
pub(crate) fn eval_count(
    cx: &Ctx,
    m: usize,
    e: &Expr,
    consts: &HashMap<String, ConstVal>,
    what: &str,
) -> Result<u32, Diag> {
    match const_eval(cx, m, e, consts) {
        // A value parameter of a template being described (`SIMD[dt, width]`).
        Some(ConstVal::Param(i, _)) => Ok(crate::ty::COUNT_PARAM | i),
        Some(ConstVal::Int(v, _)) if (1..=MAX_COUNT).contains(&v) => Ok(v as u32),
        Some(ConstVal::Int(v, _)) if v > MAX_COUNT => Err(Diag::error(
            E_COMPTIME,
            format!("{what} of {v} is too large (at most {MAX_COUNT})"),
            e.span,
        )),
        Some(ConstVal::Int(v, _)) => Err(Diag::error(
            E_COMPTIME,
            format!("{what} must be positive, found {v}"),
            e.span,
        )),
        _ => Err(Diag::error(
            E_COMPTIME,
            format!("{what} must be a compile-time `Int`"),
            e.span,
        )
        .with_hint(
            crate::check::comptime::outside_body_hint(cx, m, e)
                .unwrap_or_else(|| "use a literal or a `comptime` constant".into()),
        )),
    }
}

/// A compile-time `Int` that may be zero (a lane index, an offset).
pub(crate) fn eval_index(
    cx: &Ctx,
    m: usize,
    e: &Expr,
    consts: &HashMap<String, ConstVal>,
    what: &str,
) -> Result<u32, Diag> {
    match const_eval(cx, m, e, consts) {
        Some(ConstVal::Int(v, _)) if (0..=1 << 16).contains(&v) => Ok(v as u32),
        _ => Err(Diag::error(
            E_COMPTIME,
            format!("{what} must be a compile-time `Int` of at least 0"),
            e.span,
        )),
    }
}

/// A SIMD width: a compile-time power of two.
pub(crate) fn eval_width(
    cx: &Ctx,
    m: usize,
    e: &Expr,
    consts: &HashMap<String, ConstVal>,
) -> Result<u32, Diag> {
    let w = eval_count(cx, m, e, consts, "a SIMD width")?;
    if w & crate::ty::COUNT_PARAM != 0 {
        return Ok(w);
    }
    if w > MAX_SIMD_WIDTH {
        return Err(Diag::error(
            E_COMPTIME,
            format!("a SIMD width of {w} is too large (at most {MAX_SIMD_WIDTH})"),
            e.span,
        ));
    }
    if !w.is_power_of_two() {
        return Err(Diag::error(
            E_COMPTIME,
            format!("a SIMD width must be a power of two, found {w}"),
            e.span,
        ));
    }
    Ok(w)
}

/// Resolves `SIMD[...]`, `Scalar[...]`, `UnsafePointer[...]` and `InlineArray[...]`
/// (`None` when `name` is none of them, or is shadowed by a user struct).
#[allow(clippy::too_many_arguments)]
pub(crate) fn param_type(
    cx: &Ctx,
    m: usize,
    name: &str,
    args: &[Arg],
    scope: &TyScope,
    span: Span,
    diags: &mut Vec<(usize, Diag)>,
) -> Option<Ty> {
    let consts = scope.consts;
    if matches!(cx.modules[m].scope.get(name), Some(Item::Struct(_))) {
        return None;
    }
    let fail = |diags: &mut Vec<(usize, Diag)>, d: Diag| {
        diags.push((m, d));
        Ty::Unknown
    };
    let positional: Vec<&Arg> = args.iter().filter(|a| a.name.is_none()).collect();
    let keyword = |k: &str| {
        args.iter()
            .find(|a| a.name.as_ref().is_some_and(|n| n.name == k))
    };
    let want = |n: usize, k: &str| -> Option<Diag> {
        (positional.len() != n).then(|| {
            Diag::error(
                E_UNKNOWN_TYPE,
                format!(
                    "`{name}` takes {n} parameter(s) ({k}), found {}",
                    positional.len()
                ),
                span,
            )
        })
    };
    Some(match name {
        "SIMD" => {
            if let Some(d) = want(2, "a DType and a width") {
                return Some(fail(diags, d));
            }
            let elem = match eval_dtype(cx, m, &positional[0].value, consts) {
                Ok(t) => t,
                Err(d) => return Some(fail(diags, d)),
            };
            match eval_width(cx, m, &positional[1].value, consts) {
                Ok(w) => simd_of(elem, w),
                Err(d) => fail(diags, d),
            }
        }
        "Scalar" => {
            if let Some(d) = want(1, "a DType") {
                return Some(fail(diags, d));
            }
            match eval_dtype(cx, m, &positional[0].value, consts) {
                Ok(t) => t,
                Err(d) => fail(diags, d),
            }
        }
        // `Pointer[T, origin]` is Mojo 1.0's name; the origin (and `mut=`) are accepted
        // and not tracked.
        "UnsafePointer" | "Pointer" => {
            if positional.len() == 2 {
                // `UnsafePointer[T, origin]`
            } else if let Some(d) = want(1, "the pointee type and an origin") {
                return Some(fail(diags, d));
            }
            let space = match keyword("address_space") {
                None => 0,
                Some(a) => match &a.value.kind {
                    ExprKind::Attr { base, name: sp }
                        if matches!(&base.kind, ExprKind::Name(b) if b == "AddressSpace")
                            && address_space(&sp.name).is_some() =>
                    {
                        address_space(&sp.name).unwrap_or(0)
                    }
                    _ => {
                        return Some(fail(
                            diags,
                            Diag::error(E_UNKNOWN_TYPE, "unknown address space", a.value.span)
                                .with_hint(
                                    "use `AddressSpace.GENERIC`, `GLOBAL`, `SHARED`, `CONSTANT` or `LOCAL`",
                                ),
                        ));
                    }
                },
            };
            let t = resolve_type(cx, m, &positional[0].value, scope, diags);
            Ty::RawPtr(Box::new(t), space)
        }
        // `Span[T]` (Mojo's origin and mutability parameters are accepted and ignored).
        "Span" if !positional.is_empty() => {
            let t = resolve_type(cx, m, &positional[0].value, scope, diags);
            Ty::Span(Box::new(t))
        }
        "UnsafeMaybeUninit" => {
            if let Some(d) = want(1, "the type of the value it may hold") {
                return Some(fail(diags, d));
            }
            let t = resolve_type(cx, m, &positional[0].value, scope, diags);
            Ty::Uninit(Box::new(t))
        }
        // `Array` is Mojo 1.0's name; `InlineArray` the earlier one, kept as an alias.
        "InlineArray" | "Array" => {
            if let Some(d) = want(2, "an element type and a length") {
                return Some(fail(diags, d));
            }
            let t = resolve_type(cx, m, &positional[0].value, scope, diags);
            match eval_count(cx, m, &positional[1].value, consts, "an InlineArray length") {
                Ok(n) => Ty::Array(Box::new(t), n),
                Err(d) => fail(diags, d),
            }
        }
        _ => return None,
    })
}

/// Compile-time values that `const_eval` does not know by itself: `DType.x`, comparisons
/// of constants, and the target queries.
pub(crate) fn const_eval_extra(
    cx: &Ctx,
    m: usize,
    e: &Expr,
    locals: &HashMap<String, ConstVal>,
) -> Option<ConstVal> {
    match &e.kind {
        ExprKind::Attr { base, name } if matches!(&base.kind, ExprKind::Name(b) if b == "DType") => {
            dtype_by_name(&name.name).map(ConstVal::DType)
        }
        ExprKind::Compare { first, rest } if rest.len() == 1 => {
            use mj_syntax::ast::CmpOp as C;
            let a = const_eval(cx, m, first, locals)?;
            let b = const_eval(cx, m, &rest[0].1, locals)?;
            let op = rest[0].0;
            let ord = match (&a, &b) {
                (ConstVal::Int(x, _), ConstVal::Int(y, _)) => x.partial_cmp(y),
                (ConstVal::Float(x, _), ConstVal::Float(y, _)) => x.partial_cmp(y),
                (ConstVal::Int(x, _), ConstVal::Float(y, _)) => (*x as f64).partial_cmp(y),
                (ConstVal::Float(x, _), ConstVal::Int(y, _)) => x.partial_cmp(&(*y as f64)),
                (ConstVal::Bool(x), ConstVal::Bool(y)) => x.partial_cmp(y),
                (ConstVal::Str(x), ConstVal::Str(y)) => x.partial_cmp(y),
                (ConstVal::DType(x), ConstVal::DType(y)) => {
                    return match op {
                        C::Eq | C::Is => Some(ConstVal::Bool(x == y)),
                        C::Ne | C::IsNot => Some(ConstVal::Bool(x != y)),
                        _ => None,
                    };
                }
                _ => return None,
            }?;
            use std::cmp::Ordering as O;
            Some(ConstVal::Bool(match op {
                C::Eq | C::Is => ord == O::Equal,
                C::Ne | C::IsNot => ord != O::Equal,
                C::Lt => ord == O::Less,
                C::Le => ord != O::Greater,
                C::Gt => ord == O::Greater,
                C::Ge => ord != O::Less,
                _ => return None,
            }))
        }
        ExprKind::Binary { op, lhs, rhs }
            if matches!(op, mj_syntax::ast::BinOp::And | mj_syntax::ast::BinOp::Or) =>
        {
            let (ConstVal::Bool(a), ConstVal::Bool(b)) = (
                const_eval(cx, m, lhs, locals)?,
                const_eval(cx, m, rhs, locals)?,
            ) else {
                return None;
            };
            Some(ConstVal::Bool(if *op == mj_syntax::ast::BinOp::And {
                a && b
            } else {
                a || b
            }))
        }
        // A type alias: `comptime Vec4 = SIMD[DType.float32, 4]`.
        ExprKind::Index { base, args } => {
            if let Some(al) = crate::check::params::lookup_alias(cx, m, base, locals) {
                return crate::check::params::alias_value(cx, m, &al, args, locals, e.span);
            }
            let ExprKind::Name(n) = &base.kind else {
                return None;
            };
            let mut d = Vec::new();
            let types = HashMap::new();
            let scope = TyScope {
                self_ty: None,
                types: &types,
                consts: locals,
            };
            let t = param_type(cx, m, n, args, &scope, e.span, &mut d)?;
            (d.is_empty() && !t.is_unknown()).then_some(ConstVal::Type(t))
        }
        ExprKind::Call { func, args }
            if crate::check::params::dtype_call(cx, m, func, args, locals).is_some() =>
        {
            crate::check::params::dtype_call(cx, m, func, args, locals)
        }
        ExprKind::Call { func, args } if args.is_empty() => {
            if let ExprKind::Attr { base, name } = &func.kind {
                // `CompilationTarget.is_x86()`, `dtype.is_floating_point()`.
                if matches!(&base.kind, ExprKind::Name(b) if b == "CompilationTarget")
                    && matches!(
                        cx.modules[m].scope.get("CompilationTarget"),
                        Some(Item::Builtin(..))
                    )
                {
                    return super::target::target_query(&cx.target, &name.name, true);
                }
                let t = eval_dtype(cx, m, base, locals).ok()?;
                return super::target::dtype_query(&cx.target, &t, &name.name);
            }
            let (name, params) = match &func.kind {
                ExprKind::Name(n) => (n.as_str(), &[][..]),
                ExprKind::Index { base, args } => match &base.kind {
                    ExprKind::Name(n) => (n.as_str(), &args[..]),
                    _ => return None,
                },
                _ => return None,
            };
            if matches!(
                cx.modules[m].scope.get(name),
                Some(Item::Func(_) | Item::Struct(_))
            ) {
                return None;
            }
            // A type argument, resolved against the compile-time names here; `None` when
            // it does not name a type (its diagnostics belong to the run-time check).
            let quiet_type = |e: &Expr| -> Option<Ty> {
                let mut d = Vec::new();
                let types = HashMap::new();
                let scope = TyScope {
                    self_ty: None,
                    types: &types,
                    consts: locals,
                };
                let t = resolve_type(cx, m, e, &scope, &mut d);
                d.is_empty().then_some(t)
            };
            match (name, params) {
                (q, []) if super::target::target_query(&cx.target, q, false).is_some() => {
                    super::target::target_query(&cx.target, q, false)
                }
                // `is_nvidia_gpu["sm_90a"]()`: compiling for that GPU.
                ("is_nvidia_gpu" | "is_amd_gpu", [p]) => {
                    let arch = match crate::check::items::const_eval(cx, m, &p.value, locals)? {
                        ConstVal::Str(s) => s,
                        _ => return None,
                    };
                    let kind = super::target::target_query(&cx.target, name, false);
                    Some(ConstVal::Bool(
                        kind == Some(ConstVal::Bool(true)) && cx.target.cpu == arch,
                    ))
                }
                ("align_of" | "alignof" | "bit_width_of" | "bitwidthof", [p]) => {
                    let t = match eval_dtype(cx, m, &p.value, locals) {
                        Ok(t) => t,
                        Err(_) => quiet_type(&p.value)?,
                    };
                    let size = fixed_size(&cx.target, &t)?;
                    let v = if name.starts_with("bit") {
                        size * 8
                    } else {
                        super::target::align_of(&cx.target, &t)?
                    };
                    Some(ConstVal::Int(i128::from(v), Ty::INT))
                }
                ("simd_width_of" | "simdwidthof", [p]) => {
                    let t = eval_dtype(cx, m, &p.value, locals).ok()?;
                    Some(ConstVal::Int(simd_width_for(&cx.target, &t), Ty::INT))
                }
                (
                    "is_trivially_copyable" | "is_trivially_movable" | "is_trivially_destructible",
                    [p],
                ) => {
                    let t = quiet_type(&p.value).filter(|t| !t.has_param())?;
                    Some(ConstVal::Bool(cx.trivially(name, &t)))
                }
                ("size_of" | "sizeof", [p]) => {
                    let t = quiet_type(&p.value)?;
                    Some(ConstVal::Int(
                        i128::from(fixed_size(&cx.target, &t)?),
                        Ty::INT,
                    ))
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// The byte size of a fixed-size scalar, vector or array type (what `size_of` folds);
/// pointers and handles are the target's pointer size.
pub(crate) fn fixed_size(target: &mj_target::Target, t: &Ty) -> Option<u32> {
    Some(match t {
        Ty::Bool => 1,
        Ty::Int { bits, .. } => u32::from(*bits) / 8,
        Ty::Float { bits: BF16_BITS } => 2,
        Ty::Float { bits } => u32::from(*bits) / 8,
        Ty::Vector(e, n) => fixed_size(target, e)? * n,
        Ty::Array(e, n) => fixed_size(target, e)? * n,
        Ty::RawPtr(..) | Ty::Str => target.pointer_bytes(),
        _ => return None,
    })
}
