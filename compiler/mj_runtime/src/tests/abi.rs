//! The exported symbol table against ABI.md.

use std::collections::BTreeSet;

/// Every `mj_*` name mentioned in ABI.md's tables.
fn abi_names() -> BTreeSet<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/ABI.md");
    let text = std::fs::read_to_string(path).unwrap();
    let mut names = BTreeSet::new();
    for line in text.lines().filter(|l| l.starts_with('|')) {
        let b = line.as_bytes();
        let mut i = 0;
        while let Some(k) = line[i..].find("mj_") {
            let start = i + k;
            let mut end = start;
            while end < b.len() && (b[end].is_ascii_alphanumeric() || b[end] == b'_') {
                end += 1;
            }
            let boundary =
                start == 0 || !(b[start - 1].is_ascii_alphanumeric() || b[start - 1] == b'_');
            if boundary {
                names.insert(line[start..end].to_string());
            }
            i = end;
        }
    }
    names
}

#[test]
fn symbols_cover_abi() {
    let names = abi_names();
    assert!(names.len() > 80, "parsed too few names: {names:?}");
    let syms: BTreeSet<String> = crate::symbols()
        .iter()
        .map(|(n, _)| n.to_string())
        .collect();
    let missing: Vec<_> = names.difference(&syms).collect();
    assert!(missing.is_empty(), "missing from symbols(): {missing:?}");
    let extra: Vec<_> = syms.difference(&names).collect();
    assert!(extra.is_empty(), "not documented in ABI.md: {extra:?}");
}

#[test]
fn symbols_are_distinct_and_nonnull() {
    let syms = crate::symbols();
    let names: BTreeSet<_> = syms.iter().map(|s| s.0).collect();
    assert_eq!(names.len(), syms.len(), "duplicate names");
    assert!(syms.iter().all(|s| s.1 != 0));
}

#[test]
fn layouts() {
    use crate::MjStr;
    use std::mem::{offset_of, size_of};
    assert_eq!(size_of::<MjStr>(), 24);
    assert_eq!(offset_of!(MjStr, data), 8);
    assert_eq!(offset_of!(MjStr, rc), 16);
}

#[test]
fn pow_int() {
    use crate::process::mj_pow_int;
    unsafe {
        assert_eq!(mj_pow_int(2, 10), 1024);
        assert_eq!(mj_pow_int(-3, 3), -27);
        assert_eq!(mj_pow_int(5, 0), 1);
        assert_eq!(mj_pow_int(0, 0), 1);
        assert_eq!(mj_pow_int(2, -1), 0);
        assert_eq!(mj_pow_int(1, -5), 1);
        assert_eq!(mj_pow_int(-1, -3), -1);
        assert_eq!(mj_pow_int(-1, -2), 1);
        assert_eq!(mj_pow_int(2, 63), i64::MIN);
        assert_eq!(mj_pow_int(2, 64), 0);
        assert_eq!(mj_pow_int(3, 41), 3i64.wrapping_pow(41));
    }
}

#[test]
fn argv_round_trip() {
    use std::ffi::CString;
    let args = [CString::new("prog").unwrap(), CString::new("-x").unwrap()];
    let ptrs: Vec<_> = args.iter().map(|a| a.as_ptr()).collect();
    unsafe {
        crate::process::mj_rt_init(2, ptrs.as_ptr());
        assert_eq!(crate::process::mj_argc(), 2);
        assert_eq!(super::t(crate::process::mj_arg(0)), "prog");
        assert_eq!(super::t(crate::process::mj_arg(1)), "-x");
        assert_eq!(super::t(crate::process::mj_arg(2)), "");
        assert_eq!(super::t(crate::process::mj_arg(-1)), "");
    }
}

/// Runs this test binary again with `MJ_RT_CHILD=<mode>`, so that the child executes the
/// exiting runtime function inside `child_body`.
fn run_child(test: &str, mode: &str) -> std::process::Output {
    std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env("MJ_RT_CHILD", mode)
        .output()
        .unwrap()
}

#[test]
fn fatal_paths_flush_and_exit() {
    use super::s;
    if let Ok(mode) = std::env::var("MJ_RT_CHILD") {
        unsafe {
            crate::io::mj_write(s("out:"));
            crate::io::mj_write(s(&mode));
            match mode.as_str() {
                "abort" => crate::process::mj_rt_abort(s("f.mj"), 3, s("boom")),
                "unhandled" => crate::process::mj_rt_unhandled(s("ValueError")),
                "index" => crate::process::mj_abort_index(s("g.mj"), 7, 5, 3),
                "div" => crate::process::mj_abort_div_zero(s("h.mj"), 1),
                _ => std::process::exit(crate::process::mj_rt_exit() as i32 + 42),
            }
        }
    }
    let me = "tests::abi::fatal_paths_flush_and_exit";
    for (mode, code, err) in [
        ("abort", 1, "f.mj:3: error: boom\n"),
        (
            "unhandled",
            1,
            "Unhandled exception caught during execution: ValueError\n",
        ),
        (
            "index",
            1,
            "g.mj:7: error: index out of range: index 5, length 3\n",
        ),
        ("div", 1, "h.mj:1: error: division by zero\n"),
        ("exit", 42, ""),
    ] {
        let out = run_child(me, mode);
        assert_eq!(out.status.code(), Some(code), "{mode}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.contains(&format!("out:{mode}")),
            "{mode}: {stdout:?}"
        );
        assert!(
            String::from_utf8_lossy(&out.stderr).ends_with(err),
            "{mode}: {:?}",
            out.stderr
        );
    }
}

#[test]
fn large_output_is_complete() {
    use super::s;
    if std::env::var("MJ_RT_CHILD").is_ok() {
        let line = s("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\n");
        for _ in 0..10_000 {
            unsafe { crate::io::mj_write(line) };
        }
        std::process::exit(unsafe { crate::process::mj_rt_exit() } as i32);
    }
    let out = run_child("tests::abi::large_output_is_complete", "big");
    assert_eq!(out.status.code(), Some(0));
    let n = out.stdout.windows(4).filter(|w| w == b"cde\n").count();
    assert_eq!(n, 10_000);
}
