//! Conversions to text and the Python format-spec mini-language:
//! `[[fill]align][sign][z][#][0][width][grouping][.precision][type]`.
//!
//! Invalid specs cannot raise here (these functions are not raising in the ABI), so they
//! produce a best-effort result instead of Python's `ValueError`.

use crate::MjStr;
use crate::float_repr::{
    fixed_layout, repr_f32, repr_f64, rounded_digits, sci_layout, shortest_f64,
};
use crate::str::{bytes, new_str};

/// A parsed format spec.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    pub fill: char,
    /// One of `< > ^ =`, or `None` for the type's default.
    pub align: Option<char>,
    /// `+`, `-` or ` `.
    pub sign: char,
    pub z: bool,
    pub alt: bool,
    pub width: usize,
    /// `,` or `_`.
    pub grouping: Option<char>,
    pub precision: Option<usize>,
    pub ty: Option<char>,
}

fn is_align(c: char) -> bool {
    matches!(c, '<' | '>' | '^' | '=')
}

/// Parses a spec. `numeric` selects the default alignment (`>` for numbers, `<` for
/// strings), which decides whether the `0` flag also implies `=` alignment (as in CPython).
pub fn parse_spec(spec: &str, numeric: bool) -> Spec {
    let cs: Vec<char> = spec.chars().collect();
    let mut s = Spec {
        fill: ' ',
        align: None,
        sign: '-',
        z: false,
        alt: false,
        width: 0,
        grouping: None,
        precision: None,
        ty: None,
    };
    let mut i = 0;
    let mut fill_given = false;
    if cs.len() >= 2 && is_align(cs[1]) {
        s.fill = cs[0];
        s.align = Some(cs[1]);
        fill_given = true;
        i = 2;
    } else if !cs.is_empty() && is_align(cs[0]) {
        s.align = Some(cs[0]);
        i = 1;
    }
    if i < cs.len() && matches!(cs[i], '+' | '-' | ' ') {
        s.sign = cs[i];
        i += 1;
    }
    if i < cs.len() && cs[i] == 'z' {
        s.z = true;
        i += 1;
    }
    if i < cs.len() && cs[i] == '#' {
        s.alt = true;
        i += 1;
    }
    // The `0` flag: zero fill unless a fill was given, and `=` alignment for numbers
    // unless an alignment was given. Otherwise the `0` is just part of the width.
    if !fill_given && i < cs.len() && cs[i] == '0' {
        s.fill = '0';
        if s.align.is_none() && numeric {
            s.align = Some('=');
        }
        i += 1;
    }
    let mut width = 0usize;
    while i < cs.len() && cs[i].is_ascii_digit() {
        width = width
            .saturating_mul(10)
            .saturating_add(cs[i] as usize - '0' as usize);
        i += 1;
    }
    s.width = width;
    if i < cs.len() && matches!(cs[i], ',' | '_') {
        s.grouping = Some(cs[i]);
        i += 1;
    }
    if i < cs.len() && cs[i] == '.' {
        i += 1;
        let mut p = 0usize;
        while i < cs.len() && cs[i].is_ascii_digit() {
            p = p
                .saturating_mul(10)
                .saturating_add(cs[i] as usize - '0' as usize);
            i += 1;
        }
        s.precision = Some(p);
    }
    if i < cs.len() {
        s.ty = Some(cs[i]);
    }
    s
}

/// Inserts group separators into `digits` (ASCII), zero padding to at least `min_width`
/// characters with separators in the padding too — CPython's
/// `_PyUnicode_InsertThousandsGrouping` algorithm.
fn group_digits(digits: &str, sep: char, size: usize, min_width: i64) -> String {
    let d = digits.as_bytes();
    let mut remaining = d.len() as i64;
    let mut min_width = min_width;
    let size = size as i64;
    // Built right to left, reversed at the end.
    let mut out: Vec<u8> = Vec::with_capacity(d.len() * 2);
    let mut use_sep = false;
    loop {
        let l = size.min(remaining.max(min_width).max(1));
        let n_zeros = (l - remaining).max(0);
        let n_chars = remaining.min(l).max(0);
        if use_sep {
            out.push(sep as u8);
        }
        for k in 0..n_chars {
            out.push(d[(remaining - 1 - k) as usize]);
        }
        out.extend(std::iter::repeat_n(b'0', n_zeros as usize));
        use_sep = true;
        remaining -= n_chars;
        min_width -= l;
        if remaining <= 0 && min_width <= 0 {
            break;
        }
        min_width -= 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// Pads `body` to the spec's width with its fill char and alignment.
fn pad(body: &str, spec: &Spec, default_align: char) -> String {
    let n = body.chars().count();
    if n >= spec.width {
        return body.to_string();
    }
    let padn = spec.width - n;
    let fill = |k: usize| std::iter::repeat_n(spec.fill, k).collect::<String>();
    match spec.align.unwrap_or(default_align) {
        '<' => format!("{body}{}", fill(padn)),
        '^' => format!("{}{body}{}", fill(padn / 2), fill(padn - padn / 2)),
        _ => format!("{}{body}", fill(padn)),
    }
}

/// Assembles a formatted number: sign, prefix (`0x`), integer digits (grouped), and the
/// rest (fraction, exponent, `%`), then pads it (`=` pads between prefix and digits).
fn finish_number(
    spec: &Spec,
    neg: bool,
    prefix: &str,
    int_digits: &str,
    rest: &str,
    group_size: usize,
) -> String {
    let sign = if neg {
        "-"
    } else {
        match spec.sign {
            '+' => "+",
            ' ' => " ",
            _ => "",
        }
    };
    let align = spec.align.unwrap_or('>');
    let fixed_len = (sign.len() + prefix.len() + rest.chars().count()) as i64;
    let grouped = match spec.grouping {
        Some(sep) => {
            let min_width = if spec.fill == '0' && align == '=' {
                spec.width as i64 - fixed_len
            } else {
                0
            };
            group_digits(int_digits, sep, group_size, min_width)
        }
        None => int_digits.to_string(),
    };
    if align == '=' {
        let n = fixed_len as usize + grouped.chars().count();
        let padn = spec.width.saturating_sub(n);
        let fill: String = std::iter::repeat_n(spec.fill, padn).collect();
        format!("{sign}{prefix}{fill}{grouped}{rest}")
    } else {
        pad(&format!("{sign}{prefix}{grouped}{rest}"), spec, '>')
    }
}

/// Splits a positional/scientific body at the end of its leading digits.
fn split_int_part(body: &str) -> (&str, &str) {
    let k = body
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(body.len());
    body.split_at(k)
}

fn strip_trailing_zeros(mant: &str) -> &str {
    if mant.contains('.') {
        mant.trim_end_matches('0').trim_end_matches('.')
    } else {
        mant
    }
}

/// Formats a float according to `spec` (any type; non-float types fall back to `g`).
pub fn format_f64(v: f64, spec: &Spec) -> String {
    let ty = spec.ty.unwrap_or('\0');
    let upper = matches!(ty, 'E' | 'F' | 'G');
    // Python never prints a sign for NaN.
    let mut neg = v.is_sign_negative() && !v.is_nan();
    let a = v.abs();
    if !a.is_finite() {
        let mut body = if a.is_nan() { "nan" } else { "inf" }.to_string();
        if upper {
            body.make_ascii_uppercase();
        }
        if ty == '%' {
            body.push('%');
        }
        // No digits, so nothing to group (zero padding stays plain, as in CPython).
        let plain = Spec {
            grouping: None,
            ..spec.clone()
        };
        return finish_number(&plain, neg, "", "", &body, 3);
    }
    let body = match ty {
        'f' | 'F' | '%' => {
            let p = spec.precision.unwrap_or(6);
            let x = if ty == '%' { a * 100.0 } else { a };
            let mut s = format!("{x:.p$}");
            if spec.alt && p == 0 {
                s.push('.');
            }
            if ty == '%' {
                s.push('%');
            }
            s
        }
        'e' | 'E' => {
            let p = spec.precision.unwrap_or(6);
            let (d, e) = rounded_digits(a, p + 1);
            sci_layout(&d, e, upper, spec.alt)
        }
        '\0' if spec.precision.is_none() => {
            // repr, with `.0` added to integral positional results.
            let (d, e) = shortest_f64(a);
            if !(-4..16).contains(&e) {
                sci_layout(&d, e, false, false)
            } else {
                fixed_layout(&d, e + 1, 1)
            }
        }
        _ => {
            // `g`, `G`, `n`, and no type with a precision: like `g`, except that no type
            // switches to scientific one exponent earlier and keeps a `.0` on integers.
            let p = spec.precision.unwrap_or(6).max(1);
            let no_type = ty == '\0';
            let (d, e) = rounded_digits(a, p);
            let exp_limit = if no_type { p as i32 - 1 } else { p as i32 };
            if e < -4 || e >= exp_limit {
                let m = sci_layout(&d, 0, upper, spec.alt);
                let m = m.split_once(['e', 'E']).map_or(m.as_str(), |x| x.0);
                let m = if spec.alt { m } else { strip_trailing_zeros(m) };
                format!("{m}{}", crate::float_repr::exp_suffix(e, upper))
            } else {
                let s = fixed_layout(&d, e + 1, 0);
                if spec.alt {
                    if s.contains('.') { s } else { format!("{s}.") }
                } else {
                    let t = strip_trailing_zeros(&s).to_string();
                    if no_type && !t.contains('.') {
                        format!("{t}.0")
                    } else {
                        t
                    }
                }
            }
        }
    };
    if neg && spec.z {
        let mant = body.split(['e', 'E']).next().unwrap_or("");
        if !mant.bytes().any(|b| (b'1'..=b'9').contains(&b)) {
            neg = false;
        }
    }
    let (int_part, rest) = split_int_part(&body);
    finish_number(spec, neg, "", int_part, rest, 3)
}

/// Formats an integer (`i128` covers both `Int` and `UInt`).
pub fn format_int(v: i128, spec: &Spec) -> String {
    let ty = spec.ty.unwrap_or('d');
    let neg = v < 0;
    let m = v.unsigned_abs();
    let (prefix, digits, group) = match ty {
        'b' => ("0b", format!("{m:b}"), 4),
        'o' => ("0o", format!("{m:o}"), 4),
        'x' => ("0x", format!("{m:x}"), 4),
        'X' => ("0X", format!("{m:X}"), 4),
        'c' => {
            let c = u32::try_from(v)
                .ok()
                .and_then(char::from_u32)
                .unwrap_or('\u{FFFD}');
            return finish_number(spec, false, "", "", &c.to_string(), 3);
        }
        'e' | 'E' | 'f' | 'F' | 'g' | 'G' | '%' => return format_f64(v as f64, spec),
        _ => ("", m.to_string(), 3),
    };
    let prefix = if spec.alt { prefix } else { "" };
    // `,` always groups by three; `_` groups non-decimal bases by four.
    let group = if spec.grouping == Some(',') { 3 } else { group };
    finish_number(spec, neg, prefix, &digits, "", group)
}

/// Formats a string: precision truncates, default alignment is left.
pub fn format_str(s: &str, spec: &Spec) -> String {
    let body: String = match spec.precision {
        Some(p) => s.chars().take(p).collect(),
        None => s.to_string(),
    };
    pad(&body, spec, '<')
}

unsafe fn spec_of(spec: *const MjStr, numeric: bool) -> Spec {
    parse_spec(&String::from_utf8_lossy(unsafe { bytes(spec) }), numeric)
}

/// # Safety
/// Always safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_str_from_int(v: i64) -> *const MjStr {
    new_str(v.to_string().as_bytes())
}

/// # Safety
/// Always safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_str_from_uint(v: i64) -> *const MjStr {
    new_str((v as u64).to_string().as_bytes())
}

/// # Safety
/// Always safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_str_from_f64(v: f64) -> *const MjStr {
    new_str(repr_f64(v).as_bytes())
}

/// # Safety
/// Always safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_str_from_f32(v: f64) -> *const MjStr {
    new_str(repr_f32(v as f32).as_bytes())
}

/// # Safety
/// `spec` must be null or a valid `MjStr`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_fmt_int(v: i64, spec: *const MjStr) -> *const MjStr {
    let spec = unsafe { spec_of(spec, true) };
    new_str(format_int(v as i128, &spec).as_bytes())
}

/// # Safety
/// `spec` must be null or a valid `MjStr`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_fmt_uint(v: i64, spec: *const MjStr) -> *const MjStr {
    let spec = unsafe { spec_of(spec, true) };
    new_str(format_int(v as u64 as i128, &spec).as_bytes())
}

/// # Safety
/// `spec` must be null or a valid `MjStr`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_fmt_f64(v: f64, spec: *const MjStr) -> *const MjStr {
    let spec = unsafe { spec_of(spec, true) };
    new_str(format_f64(v, &spec).as_bytes())
}

/// # Safety
/// `s` and `spec` must be null or valid `MjStr`s.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_fmt_str(s: *const MjStr, spec: *const MjStr) -> *const MjStr {
    let spec = unsafe { spec_of(spec, false) };
    let text = String::from_utf8_lossy(unsafe { bytes(s) });
    new_str(format_str(&text, &spec).as_bytes())
}
