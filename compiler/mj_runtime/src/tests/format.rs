//! Float repr and format specs against tables generated with CPython 3.11
//! (`py_tables.rs`).

use super::py_tables::*;
use super::{s, t};
use crate::fmt::*;

fn collect_failures<I: Iterator<Item = (String, String, String)>>(it: I) {
    let bad: Vec<_> = it.filter(|(_, got, want)| got != want).collect();
    assert!(
        bad.is_empty(),
        "{} mismatches (case, got, want):\n{}",
        bad.len(),
        bad.iter()
            .map(|(c, g, w)| format!("  {c}: {g:?} != {w:?}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn repr_f64_matches_python() {
    collect_failures(REPR_F64.iter().map(|&(bits, want)| {
        let v = f64::from_bits(bits);
        (
            format!("{v:?}"),
            t(unsafe { mj_str_from_f64(v) }),
            want.to_string(),
        )
    }));
}

#[test]
fn repr_f32_shortest() {
    collect_failures(REPR_F32.iter().map(|&(v, want)| {
        (
            format!("{v:?}"),
            t(unsafe { mj_str_from_f32(v as f64) }),
            want.to_string(),
        )
    }));
    assert_eq!(t(unsafe { mj_str_from_f32(f64::INFINITY) }), "inf");
    assert_eq!(t(unsafe { mj_str_from_f32(-0.0) }), "-0.0");
}

#[test]
fn fmt_f64_matches_python() {
    collect_failures(FMT_F64.iter().map(|&(bits, spec, want)| {
        let v = f64::from_bits(bits);
        (
            format!("format({v:?}, {spec:?})"),
            t(unsafe { mj_fmt_f64(v, s(spec)) }),
            want.to_string(),
        )
    }));
}

#[test]
fn fmt_int_matches_python() {
    collect_failures(FMT_INT.iter().map(|&(v, spec, want)| {
        (
            format!("format({v}, {spec:?})"),
            t(unsafe { mj_fmt_int(v, s(spec)) }),
            want.to_string(),
        )
    }));
}

#[test]
fn fmt_uint_matches_python() {
    collect_failures(FMT_UINT.iter().map(|&(v, spec, want)| {
        (
            format!("format({v}, {spec:?})"),
            t(unsafe { mj_fmt_uint(v as i64, s(spec)) }),
            want.to_string(),
        )
    }));
}

#[test]
fn fmt_str_matches_python() {
    collect_failures(FMT_STR.iter().map(|&(v, spec, want)| {
        (
            format!("format({v:?}, {spec:?})"),
            t(unsafe { mj_fmt_str(s(v), s(spec)) }),
            want.to_string(),
        )
    }));
}

#[test]
fn int_to_text() {
    unsafe {
        assert_eq!(t(mj_str_from_int(0)), "0");
        assert_eq!(t(mj_str_from_int(i64::MIN)), "-9223372036854775808");
        assert_eq!(t(mj_str_from_uint(-1)), "18446744073709551615");
    }
}

#[test]
fn parse_spec_fields() {
    let sp = parse_spec("*^+z#012,.3f", true);
    assert_eq!(sp.fill, '*');
    assert_eq!(sp.align, Some('^'));
    assert_eq!(sp.sign, '+');
    assert!(sp.z && sp.alt);
    // An explicit fill makes the `0` part of the width.
    assert_eq!(sp.width, 12);
    assert_eq!(sp.grouping, Some(','));
    assert_eq!(sp.precision, Some(3));
    assert_eq!(sp.ty, Some('f'));
    let sp = parse_spec("é<5", false);
    assert_eq!((sp.fill, sp.align, sp.width), ('é', Some('<'), 5));
}

#[test]
fn shortest_repr_round_trips() {
    // Pseudo-random bit patterns: repr must parse back to the same value.
    let mut x: u64 = 0x1234_5678_9abc_def0;
    for _ in 0..20000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let v = f64::from_bits(x);
        if !v.is_finite() {
            continue;
        }
        let r = crate::float_repr::repr_f64(v);
        assert_eq!(r.parse::<f64>().unwrap().to_bits(), v.to_bits(), "{r}");
    }
}
