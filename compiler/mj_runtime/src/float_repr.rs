//! Python-compatible float `repr`.
//!
//! Rust's `{:e}` formatting already produces the shortest digit string that round-trips
//! (and `{:.Ne}` correctly rounds to N+1 significant digits, ties to even, like Python's
//! dtoa), so we only have to lay the digits out the way CPython's `float_repr_style ==
//! 'short'` does.

/// Splits Rust's `{:e}` output (`"1.2345e-5"`) for a finite, non-negative value into the
/// significant digits (`"12345"`) and the decimal exponent of the first digit (`-5`).
pub fn split_sci(s: &str) -> (String, i32) {
    let (mant, exp) = s.split_once('e').unwrap_or((s, "0"));
    let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    (digits, exp.parse().unwrap_or(0))
}

/// Shortest round-trip digits of `|v|` (finite) and the exponent of the first digit.
pub fn shortest_f64(v: f64) -> (String, i32) {
    let a = v.abs();
    let (d, e) = split_sci(&format!("{a:e}"));
    // When two shortest candidates are equally close (the value lies exactly halfway,
    // e.g. ...599.25 at 17 digits), Rust may pick the upper one while CPython's dtoa picks
    // the correctly rounded (ties-to-even) one. That can only happen once the digit
    // count reaches the type's precision, so only then compare against the correctly
    // rounded string of the same length and prefer it if it also round-trips.
    if d.len() >= 15 {
        let (c, ce) = split_sci(&format!("{:.*e}", d.len() - 1, a));
        if c != d && sci_value(&c, ce).parse::<f64>() == Ok(a) {
            return (c, ce);
        }
    }
    (d, e)
}

/// Like [`shortest_f64`] but the digits only need to round-trip through `f32`.
pub fn shortest_f32(v: f32) -> (String, i32) {
    let a = v.abs();
    let (d, e) = split_sci(&format!("{a:e}"));
    if d.len() >= 6 {
        let (c, ce) = split_sci(&format!("{:.*e}", d.len() - 1, a));
        if c != d && sci_value(&c, ce).parse::<f32>() == Ok(a) {
            return (c, ce);
        }
    }
    (d, e)
}

/// `d1.d2d3...e<exp>` text for re-parsing a digit string.
fn sci_value(digits: &str, exp: i32) -> String {
    format!("{}.{}e{exp}", &digits[..1], &digits[1..])
}

/// `ndigits` (>= 1) correctly rounded significant digits of `|v|` (finite).
pub fn rounded_digits(v: f64, ndigits: usize) -> (String, i32) {
    split_sci(&format!("{:.*e}", ndigits.max(1) - 1, v.abs()))
}

/// Positional layout of `0.d1d2... * 10^decpt`, with `min_frac` digits after the point
/// at least (zero padded). No point is emitted when there are no fraction digits.
pub fn fixed_layout(digits: &str, decpt: i32, min_frac: usize) -> String {
    let n = digits.len() as i32;
    let mut out = String::with_capacity(digits.len() + 8);
    let frac: String = if decpt <= 0 {
        out.push('0');
        let mut f = "0".repeat((-decpt) as usize);
        f.push_str(digits);
        f
    } else if decpt >= n {
        out.push_str(digits);
        out.push_str(&"0".repeat((decpt - n) as usize));
        String::new()
    } else {
        out.push_str(&digits[..decpt as usize]);
        digits[decpt as usize..].to_string()
    };
    let frac = if frac.len() < min_frac {
        format!("{frac}{}", "0".repeat(min_frac - frac.len()))
    } else {
        frac
    };
    if !frac.is_empty() {
        out.push('.');
        out.push_str(&frac);
    }
    out
}

/// Exponent suffix the way Python writes it: `e+05`, `e-10`, `e+100`.
pub fn exp_suffix(exp: i32, upper: bool) -> String {
    let e = if upper { 'E' } else { 'e' };
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{e}{sign}{:02}", exp.unsigned_abs())
}

/// Scientific layout `d[.ddd]e+XX` of a digit string (no trailing-zero removal here).
pub fn sci_layout(digits: &str, exp: i32, upper: bool, force_point: bool) -> String {
    let mut out = String::with_capacity(digits.len() + 6);
    out.push_str(&digits[..1]);
    if digits.len() > 1 || force_point {
        out.push('.');
        out.push_str(&digits[1..]);
    }
    out.push_str(&exp_suffix(exp, upper));
    out
}

/// Python `repr` layout of shortest digits: scientific when the exponent is < -4 or
/// >= 16, otherwise positional with at least one fraction digit.
fn repr_from_digits(neg: bool, digits: &str, exp: i32) -> String {
    let body = if !(-4..16).contains(&exp) {
        sci_layout(digits, exp, false, false)
    } else {
        fixed_layout(digits, exp + 1, 1)
    };
    if neg { format!("-{body}") } else { body }
}

fn non_finite(v: f64) -> Option<String> {
    if v.is_nan() {
        Some("nan".into())
    } else if v.is_infinite() {
        Some(if v < 0.0 { "-inf" } else { "inf" }.into())
    } else {
        None
    }
}

/// Python `repr(float)`.
pub fn repr_f64(v: f64) -> String {
    if let Some(s) = non_finite(v) {
        return s;
    }
    let (d, e) = shortest_f64(v);
    repr_from_digits(v.is_sign_negative(), &d, e)
}

/// The same layout with the shortest digits that round-trip as `f32`.
pub fn repr_f32(v: f32) -> String {
    if let Some(s) = non_finite(v as f64) {
        return s;
    }
    let (d, e) = shortest_f32(v);
    repr_from_digits(v.is_sign_negative(), &d, e)
}
