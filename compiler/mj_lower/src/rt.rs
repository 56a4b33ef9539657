//! Runtime symbols: the frontend names runtime operations by [`Rt`]; this is the one
//! table that maps them to the symbols `compiler/mj_runtime` exports (`ABI.md`).

use mj_sema::rt::Rt;

/// The C symbol of a runtime operation.
pub fn rt_symbol(rt: Rt) -> &'static str {
    match rt {
        Rt::StrConcat => "mj_str_concat",
        Rt::StrRepeat => "mj_str_repeat",
        Rt::StrCmp => "mj_str_cmp",
        Rt::StrAt => "mj_str_at",
        Rt::StrSlice => "mj_str_slice",
        Rt::StrFromInt => "mj_str_from_int",
        Rt::StrFromUint => "mj_str_from_uint",
        Rt::StrFromF64 => "mj_str_from_f64",
        Rt::StrFromF32 => "mj_str_from_f32",
        Rt::StrRepr => "mj_str_repr",
        Rt::StrToInt => "mj_str_to_int",
        Rt::StrToF64 => "mj_str_to_f64",
        Rt::StrContains => "mj_str_contains",
        Rt::StrStrip => "mj_str_strip",
        Rt::StrLstrip => "mj_str_lstrip",
        Rt::StrRstrip => "mj_str_rstrip",
        Rt::StrUpper => "mj_str_upper",
        Rt::StrLower => "mj_str_lower",
        Rt::StrFind => "mj_str_find",
        Rt::StrRfind => "mj_str_rfind",
        Rt::StrCount => "mj_str_count",
        Rt::StrStartswith => "mj_str_startswith",
        Rt::StrEndswith => "mj_str_endswith",
        Rt::StrIsdigit => "mj_str_isdigit",
        Rt::StrIsalpha => "mj_str_isalpha",
        Rt::StrIsspace => "mj_str_isspace",
        Rt::StrIsupper => "mj_str_isupper",
        Rt::StrIslower => "mj_str_islower",
        Rt::StrIsalnum => "mj_str_isalnum",
        Rt::StrReplace => "mj_str_replace",
        Rt::StrIsCharStart => "mj_str_is_char_start",
        Rt::StrCharAt => "mj_str_char_at",
        Rt::StrCountCodepoints => "mj_str_count_codepoints",
        Rt::StrFromBytes => "mj_str_from_bytes",
        Rt::StrRetain => "mj_str_retain",
        Rt::StrRelease => "mj_str_release",
        Rt::FmtInt => "mj_fmt_int",
        Rt::FmtUint => "mj_fmt_uint",
        Rt::FmtF64 => "mj_fmt_f64",
        Rt::FmtStr => "mj_fmt_str",
        Rt::Write => "mj_write",
        Rt::Ord => "mj_ord",
        Rt::Chr => "mj_chr",
        Rt::PowInt => "mj_pow_int",
        Rt::Exit => "mj_exit",
        Rt::Sleep => "mj_sleep",
        Rt::TimeUnixNs => "mj_time_unix_ns",
        Rt::TimeMonotonicNs => "mj_time_monotonic_ns",
        Rt::Argc => "mj_argc",
        Rt::Arg => "mj_arg",
        Rt::Alloc => "mj_alloc",
        Rt::Free => "mj_free",
        Rt::Memcpy => "mj_memcpy",
        Rt::Memset => "mj_memset",
        Rt::NumPhysicalCores => "mj_num_physical_cores",
        Rt::ParallelFor => "mj_parallel_for",
        Rt::GpuLaunch => "mj_gpu_launch",
        Rt::GpuSharedAlloc => "mj_gpu_shared_alloc",
        Rt::RtAbort => "mj_rt_abort",
        Rt::AbortIndex => "mj_abort_index",
        Rt::RandomSeed => "mj_random_seed",
        Rt::RandomSeedClock => "mj_random_seed_clock",
        Rt::RandomU64 => "mj_random_u64",
        Rt::RandomF64 => "mj_random_f64",
        Rt::RandomRangeI64 => "mj_random_range_i64",
        Rt::RandomRangeU64 => "mj_random_range_u64",
        Rt::RandomNormal => "mj_random_normal",
        Rt::FileOpen => "mj_file_open",
        Rt::FileRead => "mj_file_read",
        Rt::FileWrite => "mj_file_write",
        Rt::FileClose => "mj_file_close",
        Rt::FsKind => "mj_fs_kind",
        Rt::FsRead => "mj_fs_read",
        Rt::FsWrite => "mj_fs_write",
        Rt::FsListdir => "mj_fs_listdir",
        Rt::FsOp => "mj_fs_op",
        Rt::OsGetenv => "mj_os_getenv",
        Rt::OsSetenv => "mj_os_setenv",
        Rt::OsUnsetenv => "mj_os_unsetenv",
        Rt::OsGetpid => "mj_os_getpid",
        Rt::OsGetcwd => "mj_os_getcwd",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every operation maps to a distinct function the runtime defines.
    #[test]
    fn every_operation_names_a_runtime_function() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../mj_runtime/src");
        let mut text = String::new();
        let mut stack = vec![std::path::PathBuf::from(dir)];
        while let Some(p) = stack.pop() {
            for e in std::fs::read_dir(&p).into_iter().flatten().flatten() {
                let path = e.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|x| x == "rs") {
                    text.push_str(&std::fs::read_to_string(&path).unwrap_or_default());
                }
            }
        }
        let mut seen = std::collections::HashSet::new();
        for &op in Rt::ALL {
            let sym = rt_symbol(op);
            assert!(seen.insert(sym), "{sym} twice");
            assert!(
                text.contains(&format!("fn {sym}(")),
                "{op:?}: no `{sym}` in the runtime"
            );
        }
    }
}
