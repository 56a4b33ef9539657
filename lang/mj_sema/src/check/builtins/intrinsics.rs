//! `std._intrinsics`: the runtime functions under the mj code of `std.random`, `std.os`,
//! `std.os.path`, `std.pathlib` and `open()`/`FileHandle` (`stdlib/std/`).
//!
//! Each name is one runtime operation (`Rt`; `file_open` is `Rt::FileOpen`, whose symbol
//! the lowering knows), with a fixed signature checked here. Library modules
//! import them (`from std._intrinsics import fs_read`); user programs may too, but the
//! leading underscore marks them as the library's business.

use mj_syntax::Span;
use mj_syntax::ast::Arg;

use crate::check::body::FnCx;
use crate::rt::Rt;
use crate::tir::TExpr;
use crate::ty::Ty;

#[derive(Clone, Copy)]
enum P {
    Int,
    Str,
    /// No argument: the runtime receives a null string (`str_strip_ws`: strip whitespace).
    Null,
}

#[derive(Clone, Copy)]
enum R {
    Unit,
    Int,
    F64,
    Str,
}

/// (name, runtime operation, parameters, result, raises).
const INTRINSICS: &[(&str, Rt, &[P], R, bool)] = &[
    ("random_seed", Rt::RandomSeed, &[P::Int], R::Unit, false),
    (
        "random_seed_clock",
        Rt::RandomSeedClock,
        &[],
        R::Unit,
        false,
    ),
    ("random_u64", Rt::RandomU64, &[], R::Int, false),
    ("random_f64", Rt::RandomF64, &[], R::F64, false),
    (
        "random_range_i64",
        Rt::RandomRangeI64,
        &[P::Int, P::Int],
        R::Int,
        false,
    ),
    (
        "random_range_u64",
        Rt::RandomRangeU64,
        &[P::Int, P::Int],
        R::Int,
        false,
    ),
    ("random_normal", Rt::RandomNormal, &[], R::F64, false),
    ("file_open", Rt::FileOpen, &[P::Str, P::Str], R::Int, true),
    ("file_read", Rt::FileRead, &[P::Int, P::Int], R::Str, true),
    (
        "file_write",
        Rt::FileWrite,
        &[P::Int, P::Str],
        R::Unit,
        false,
    ),
    ("file_close", Rt::FileClose, &[P::Int], R::Unit, false),
    ("fs_kind", Rt::FsKind, &[P::Str], R::Int, false),
    ("fs_read", Rt::FsRead, &[P::Str], R::Str, true),
    (
        "fs_write",
        Rt::FsWrite,
        &[P::Str, P::Str, P::Int],
        R::Int,
        true,
    ),
    ("fs_listdir", Rt::FsListdir, &[P::Str], R::Str, true),
    ("fs_op", Rt::FsOp, &[P::Str, P::Int], R::Int, true),
    ("os_getenv", Rt::OsGetenv, &[P::Str, P::Str], R::Str, false),
    (
        "os_setenv",
        Rt::OsSetenv,
        &[P::Str, P::Str, P::Int],
        R::Int,
        false,
    ),
    ("os_unsetenv", Rt::OsUnsetenv, &[P::Str], R::Int, false),
    ("os_getpid", Rt::OsGetpid, &[], R::Int, false),
    ("os_getcwd", Rt::OsGetcwd, &[], R::Str, true),
    // Under the `String` methods of `std.collections.string`.
    ("str_strip", Rt::StrStrip, &[P::Str, P::Str], R::Str, false),
    (
        "str_lstrip",
        Rt::StrLstrip,
        &[P::Str, P::Str],
        R::Str,
        false,
    ),
    (
        "str_rstrip",
        Rt::StrRstrip,
        &[P::Str, P::Str],
        R::Str,
        false,
    ),
    (
        "str_strip_ws",
        Rt::StrStrip,
        &[P::Str, P::Null],
        R::Str,
        false,
    ),
    (
        "str_lstrip_ws",
        Rt::StrLstrip,
        &[P::Str, P::Null],
        R::Str,
        false,
    ),
    (
        "str_rstrip_ws",
        Rt::StrRstrip,
        &[P::Str, P::Null],
        R::Str,
        false,
    ),
    ("str_upper", Rt::StrUpper, &[P::Str], R::Str, false),
    ("str_lower", Rt::StrLower, &[P::Str], R::Str, false),
    (
        "str_find",
        Rt::StrFind,
        &[P::Str, P::Str, P::Int],
        R::Int,
        false,
    ),
    ("str_rfind", Rt::StrRfind, &[P::Str, P::Str], R::Int, false),
    ("str_count", Rt::StrCount, &[P::Str, P::Str], R::Int, false),
    (
        "str_replace",
        Rt::StrReplace,
        &[P::Str, P::Str, P::Str],
        R::Str,
        false,
    ),
    (
        "str_startswith",
        Rt::StrStartswith,
        &[P::Str, P::Str],
        R::Int,
        false,
    ),
    (
        "str_endswith",
        Rt::StrEndswith,
        &[P::Str, P::Str],
        R::Int,
        false,
    ),
    ("str_isdigit", Rt::StrIsdigit, &[P::Str], R::Int, false),
    ("str_isalpha", Rt::StrIsalpha, &[P::Str], R::Int, false),
    ("str_isspace", Rt::StrIsspace, &[P::Str], R::Int, false),
    ("str_isupper", Rt::StrIsupper, &[P::Str], R::Int, false),
    ("str_islower", Rt::StrIslower, &[P::Str], R::Int, false),
    ("str_isalnum", Rt::StrIsalnum, &[P::Str], R::Int, false),
    (
        "str_count_codepoints",
        Rt::StrCountCodepoints,
        &[P::Str],
        R::Int,
        false,
    ),
];

pub(crate) fn names() -> Vec<&'static str> {
    INTRINSICS.iter().map(|i| i.0).collect()
}

pub(crate) fn has(name: &str) -> bool {
    INTRINSICS.iter().any(|i| i.0 == name)
}

pub(crate) fn call(fx: &mut FnCx<'_>, name: &str, args: &[Arg], span: Span) -> TExpr {
    let line = fx.line(span);
    let Some(&(_, op, params, ret, raises)) = INTRINSICS.iter().find(|i| i.0 == name) else {
        return fx.unknown(line);
    };
    let given = params.iter().filter(|p| !matches!(p, P::Null)).count();
    if !fx.arity(name, args, given, given, span) {
        return fx.unknown(line);
    }
    let mut vals = Vec::new();
    let mut args = args.iter();
    for p in params {
        let v = match p {
            P::Null => TExpr::new(crate::tir::TExprKind::Null, Ty::Str, line),
            P::Int => fx.typed_arg(args.next().expect("arity checked"), &Ty::INT),
            P::Str => fx.typed_arg(args.next().expect("arity checked"), &Ty::Str),
        };
        vals.push(v);
    }
    if raises {
        fx.check_may_raise(&format!("`{name}`"), span);
    }
    let ty = match ret {
        R::Unit => Ty::Unit,
        R::Int => Ty::INT,
        R::F64 => Ty::F64,
        R::Str => Ty::Str,
    };
    fx.rt_call(op, vals, ty, line)
}

#[cfg(test)]
mod tests {
    /// Lowering passes an error slot exactly to the operations for which `Rt::raises`.
    #[test]
    fn raising_intrinsics_take_an_error_slot() {
        for (name, op, _, _, raises) in super::INTRINSICS {
            assert_eq!(*raises, op.raises(), "{name}");
        }
    }
}
