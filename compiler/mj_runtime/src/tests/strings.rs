//! String operations.

use super::{s, t};
use crate::str::*;

fn slice(x: &str, lo: Option<i64>, hi: Option<i64>, step: Option<i64>) -> String {
    let flags = lo.is_some() as i64 | (hi.is_some() as i64) << 1 | (step.is_some() as i64) << 2;
    t(unsafe {
        mj_str_slice(
            s(x),
            lo.unwrap_or(99),
            hi.unwrap_or(99),
            step.unwrap_or(99),
            flags,
        )
    })
}

/// Python's slicing, for comparison.
fn py_slice(x: &str, lo: Option<i64>, hi: Option<i64>, step: Option<i64>) -> String {
    let b = x.as_bytes();
    let n = b.len() as i64;
    let st = step.unwrap_or(1);
    let clamp = |v: Option<i64>, def: i64| -> i64 {
        match v {
            None => def,
            Some(v) if v < 0 => (v + n).max(if st < 0 { -1 } else { 0 }),
            Some(v) => v.min(if st < 0 { n - 1 } else { n }),
        }
    };
    let (a, z) = if st > 0 {
        (clamp(lo, 0), clamp(hi, n))
    } else {
        (clamp(lo, n - 1), clamp(hi, -1))
    };
    let mut out = Vec::new();
    let mut i = a;
    while (st > 0 && i < z) || (st < 0 && i > z) {
        out.push(b[i as usize]);
        i += st;
    }
    String::from_utf8(out).unwrap()
}

#[test]
fn slices() {
    assert_eq!(slice("hello", Some(1), Some(3), None), "el");
    assert_eq!(slice("hello", None, None, Some(-1)), "olleh");
    assert_eq!(slice("hello", Some(-3), None, None), "llo");
    assert_eq!(slice("hello", None, Some(-1), None), "hell");
    assert_eq!(slice("hello", None, None, Some(2)), "hlo");
    assert_eq!(slice("hello", Some(3), Some(0), Some(-1)), "lle");
    assert_eq!(slice("hello", Some(-100), Some(100), None), "hello");
    assert_eq!(slice("hello", Some(10), None, Some(-2)), "olh");
    assert_eq!(slice("", None, None, Some(-1)), "");
    let vals = [
        None,
        Some(-7),
        Some(-5),
        Some(-2),
        Some(0),
        Some(1),
        Some(4),
        Some(5),
        Some(9),
    ];
    let steps = [
        None,
        Some(1),
        Some(2),
        Some(3),
        Some(-1),
        Some(-2),
        Some(-4),
        Some(i64::MIN),
        Some(i64::MAX),
    ];
    for lo in vals {
        for hi in vals {
            for st in steps {
                let st2 = st.map(|v| v.clamp(-1000, 1000));
                assert_eq!(
                    slice("abcde", lo, hi, st),
                    py_slice("abcde", lo, hi, st2),
                    "{lo:?} {hi:?} {st:?}"
                );
            }
        }
    }
}

#[test]
fn concat_repeat() {
    unsafe {
        assert_eq!(t(mj_str_concat(s("ab"), s("cd"))), "abcd");
        assert_eq!(t(mj_str_repeat(s("ab"), 3)), "ababab");
        assert_eq!(t(mj_str_repeat(s("ab"), -1)), "");
    }
}

#[test]
fn strips() {
    let n = std::ptr::null();
    unsafe {
        assert_eq!(t(mj_str_strip(s(" \t x y \n"), n)), "x y");
        assert_eq!(t(mj_str_lstrip(s("  x "), n)), "x ");
        assert_eq!(t(mj_str_rstrip(s("  x "), n)), "  x");
        assert_eq!(t(mj_str_strip(s("xxhixyx"), s("xy"))), "hi");
        assert_eq!(t(mj_str_strip(s("ééaé"), s("é"))), "a");
        assert_eq!(t(mj_str_rstrip(s("a\u{3000}"), n)), "a");
        assert_eq!(t(mj_str_strip(s("   "), n)), "");
        assert_eq!(t(mj_str_strip(s("abc"), s(""))), "abc");
    }
}

#[test]
fn searching() {
    unsafe {
        assert_eq!(mj_str_find(s("hello"), s("l"), 0), 2);
        assert_eq!(mj_str_find(s("hello"), s("l"), 3), 3);
        assert_eq!(mj_str_find(s("hello"), s("l"), -1), -1);
        assert_eq!(mj_str_find(s("hello"), s("o"), -1), 4);
        assert_eq!(mj_str_find(s("hello"), s(""), 5), 5);
        assert_eq!(mj_str_find(s("hello"), s(""), 6), -1);
        assert_eq!(mj_str_find(s("hello"), s("z"), 0), -1);
        assert_eq!(mj_str_rfind(s("hello"), s("l")), 3);
        assert_eq!(mj_str_rfind(s("hello"), s("")), 5);
        assert_eq!(mj_str_rfind(s("hello"), s("hello!")), -1);
        assert_eq!(mj_str_count(s("aaaa"), s("aa")), 2);
        assert_eq!(mj_str_count(s("héllo"), s("")), 6);
        assert_eq!(mj_str_count(s("abc"), s("d")), 0);
        assert_eq!(mj_str_contains(s("abc"), s("bc")), 1);
        assert_eq!(mj_str_contains(s("abc"), s("")), 1);
        assert_eq!(mj_str_contains(s("abc"), s("cb")), 0);
        assert_eq!(mj_str_startswith(s("abc"), s("ab")), 1);
        assert_eq!(mj_str_endswith(s("abc"), s("ab")), 0);
        assert_eq!(t(mj_str_replace(s("a.b.c"), s("."), s("::"))), "a::b::c");
        assert_eq!(t(mj_str_replace(s("ab"), s(""), s("-"))), "-a-b");
        assert_eq!(t(mj_str_replace(s("aaa"), s("aa"), s("b"))), "ba");
    }
}

#[test]
fn compare_hash_index() {
    unsafe {
        assert_eq!(mj_str_eq(s("ab"), s("ab")), 1);
        assert_eq!(mj_str_eq(s("ab"), s("abc")), 0);
        assert_eq!(mj_str_cmp(s("ab"), s("abc")), -1);
        assert_eq!(mj_str_cmp(s("b"), s("abc")), 1);
        assert_eq!(mj_str_cmp(s(""), s("")), 0);
        assert_eq!(mj_str_hash(s("key")), mj_str_hash(s("key")));
        assert_ne!(mj_str_hash(s("key1")), mj_str_hash(s("key2")));
        let f = s("f.mj");
        assert_eq!(t(mj_str_at(s("abc"), 1, f, 1)), "b");
        assert_eq!(t(mj_str_at(s("abc"), -1, f, 1)), "c");
        let lit = crate::MjStr {
            len: 3,
            data: b"xyz".as_ptr(),
            rc: 0,
        };
        assert_eq!(t(mj_str_at(&lit, 0, f, 1)), "x");
        assert_eq!(mj_str_ptr(&lit), b"xyz".as_ptr());
        assert_eq!(t(mj_str_from_bytes(b"hey".as_ptr(), 3)), "hey");
    }
}

#[test]
fn case_and_predicates() {
    unsafe {
        assert_eq!(t(mj_str_upper(s("abC1é"))), "ABC1é");
        assert_eq!(t(mj_str_lower(s("ABc1"))), "abc1");
        let cases: &[(&str, [i64; 6])] = &[
            // digit, alpha, space, upper, lower, alnum
            ("", [0, 0, 0, 0, 0, 0]),
            ("123", [1, 0, 0, 0, 0, 1]),
            ("abc", [0, 1, 0, 0, 1, 1]),
            ("ABC", [0, 1, 0, 1, 0, 1]),
            ("A1", [0, 0, 0, 1, 0, 1]),
            ("a b", [0, 0, 0, 0, 1, 0]),
            (" \t\n", [0, 0, 1, 0, 0, 0]),
            ("Ab", [0, 1, 0, 0, 0, 1]),
            ("12", [1, 0, 0, 0, 0, 1]),
            ("é", [0, 1, 0, 0, 1, 1]),
        ];
        for (x, want) in cases {
            let x = s(x);
            let got = [
                mj_str_isdigit(x),
                mj_str_isalpha(x),
                mj_str_isspace(x),
                mj_str_isupper(x),
                mj_str_islower(x),
                mj_str_isalnum(x),
            ];
            assert_eq!(&got, want, "{:?}", t(x));
        }
    }
}

#[test]
fn ord_chr() {
    unsafe {
        assert_eq!(mj_ord(s("A")), 65);
        assert_eq!(mj_ord(s("é!")), 0xe9);
        assert_eq!(mj_ord(s("😀")), 0x1F600);
        assert_eq!(t(mj_chr(65)), "A");
        assert_eq!(t(mj_chr(0x20AC)), "€");
        assert_eq!(t(mj_chr(0x1F600)), "😀");
        for c in [0, 0x7f, 0x80, 0x7ff, 0x800, 0xffff, 0x10000, 0x10ffff] {
            assert_eq!(mj_ord(mj_chr(c)), c);
        }
    }
}

#[test]
fn string_repr() {
    let cases = [
        ("abc", "'abc'"),
        ("it's", "\"it's\""),
        ("say \"hi\"", "'say \"hi\"'"),
        ("both ' \"", "'both \\' \"'"),
        ("a\nb\tc\\", "'a\\nb\\tc\\\\'"),
        ("\x00\x1f\x7f", "'\\x00\\x1f\\x7f'"),
        ("é€😀", "'é€😀'"),
        ("\u{a0}\u{85}\u{2028}\u{feff}", "'\\xa0\\x85\\u2028\\ufeff'"),
        ("", "''"),
    ];
    for (x, want) in cases {
        assert_eq!(t(unsafe { mj_str_repr(s(x)) }), want, "{x:?}");
    }
}

fn to_int(x: &str) -> Result<i64, String> {
    to_int_base(x, 10)
}

fn to_int_base(x: &str, base: i64) -> Result<i64, String> {
    let mut err: *const crate::MjStr = std::ptr::null();
    let v = unsafe { mj_str_to_int(s(x), base, &mut err) };
    if err.is_null() { Ok(v) } else { Err(t(err)) }
}

#[test]
fn int_in_other_bases() {
    assert_eq!(to_int_base(" FF", 16), Ok(255));
    assert_eq!(to_int_base("0xff", 16), Ok(255));
    assert_eq!(to_int_base("0x_ff", 0), Ok(255));
    assert_eq!(to_int_base("-0b101", 0), Ok(-5));
    assert_eq!(to_int_base("0o17", 8), Ok(15));
    assert_eq!(to_int_base("155_155 ", 0), Ok(155_155));
    assert_eq!(to_int_base("z", 36), Ok(35));
    assert_eq!(
        to_int_base("010", 0).unwrap_err(),
        "String is not convertible to integer with base 0: '010'"
    );
    assert_eq!(to_int_base("0", 0), Ok(0));
    assert_eq!(
        to_int_base("12", 2).unwrap_err(),
        "String is not convertible to integer with base 2: '12'"
    );
    assert_eq!(
        to_int_base("1", 37).unwrap_err(),
        "int() base must be >= 2 and <= 36, or 0"
    );
}

fn to_f64(x: &str) -> Result<f64, String> {
    let mut err: *const crate::MjStr = std::ptr::null();
    let v = unsafe { mj_str_to_f64(s(x), &mut err) };
    if err.is_null() { Ok(v) } else { Err(t(err)) }
}

#[test]
fn int_parsing() {
    assert_eq!(to_int("42"), Ok(42));
    assert_eq!(to_int("  -17\n"), Ok(-17));
    assert_eq!(to_int("+5"), Ok(5));
    assert_eq!(to_int("007"), Ok(7));
    assert_eq!(to_int("1_000_000"), Ok(1_000_000));
    assert_eq!(to_int("-9223372036854775808"), Ok(i64::MIN));
    assert_eq!(to_int("9223372036854775807"), Ok(i64::MAX));
    let bad = |x: &str| format!("String is not convertible to integer with base 10: '{x}'");
    for x in [
        "abc", "", " ", "1_", "_1", "1__0", "1.5", "- 1", "--1", "1e3", "0x10", "١",
    ] {
        assert_eq!(to_int(x), Err(bad(x)), "{x:?}");
    }
    assert_eq!(
        to_int(" abc "),
        Err("String is not convertible to integer with base 10: ' abc '".into())
    );
    assert!(
        to_int("9223372036854775808")
            .unwrap_err()
            .contains("too large")
    );
    assert!(
        to_int("99999999999999999999999999999999999999999")
            .unwrap_err()
            .contains("too large")
    );
}

#[test]
fn float_parsing() {
    assert_eq!(to_f64("1.5"), Ok(1.5));
    assert_eq!(to_f64("  -2e3 "), Ok(-2000.0));
    assert_eq!(to_f64(".5"), Ok(0.5));
    assert_eq!(to_f64("5."), Ok(5.0));
    assert_eq!(to_f64("1_000.25"), Ok(1000.25));
    assert_eq!(to_f64("1E+2"), Ok(100.0));
    assert_eq!(to_f64("inf"), Ok(f64::INFINITY));
    assert_eq!(to_f64("-Infinity"), Ok(f64::NEG_INFINITY));
    assert_eq!(to_f64("+iNF"), Ok(f64::INFINITY));
    assert!(to_f64("nan").unwrap().is_nan());
    assert!(to_f64("-NaN").unwrap().is_nan());
    assert_eq!(to_f64("1e400"), Ok(f64::INFINITY));
    assert_eq!(to_f64("0.1"), Ok(0.1));
    for x in [
        "abc", "", "1e", "e5", ".", "1_", "1__0", "_1", "1.5f", "in", "0x10", "1 2", "infinit",
    ] {
        assert_eq!(
            to_f64(x),
            Err(format!(
                "could not convert string to float: {}",
                py_repr(x.as_bytes())
            )),
            "{x:?}"
        );
    }
    assert_eq!(
        to_f64("abc"),
        Err("could not convert string to float: 'abc'".into())
    );
}
