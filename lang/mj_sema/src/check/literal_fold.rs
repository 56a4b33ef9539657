//! Literal arithmetic at compile-time precision: an expression made only of numeric
//! literals (`3.0 * (4.0 / 3.0 - 1.0)`, `10**20 // 10**18`) is computed exactly, as
//! Mojo's `FloatLiteral`/`IntLiteral` arithmetic is, and only the result is rounded to
//! `Float64` or checked against `Int`. Exact values are rationals of `i128`s; a literal
//! tree whose value does not fit falls back to the ordinary (typed) evaluation.

use mj_syntax::ast::{BinOp, Expr, ExprKind, UnOp};

#[derive(Clone, Copy, Debug, PartialEq)]
struct Q {
    n: i128,
    d: i128,
}

fn gcd(mut a: i128, mut b: i128) -> i128 {
    a = a.abs();
    b = b.abs();
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

impl Q {
    fn new(n: i128, d: i128) -> Option<Q> {
        if d == 0 {
            return None;
        }
        let g = gcd(n, d).max(1);
        let (n, d) = (n / g, d / g);
        Some(if d < 0 {
            Q {
                n: n.checked_neg()?,
                d: d.checked_neg()?,
            }
        } else {
            Q { n, d }
        })
    }
    fn int(n: i128) -> Q {
        Q { n, d: 1 }
    }
    fn add(self, o: Q) -> Option<Q> {
        let n = self
            .n
            .checked_mul(o.d)?
            .checked_add(o.n.checked_mul(self.d)?)?;
        Q::new(n, self.d.checked_mul(o.d)?)
    }
    fn neg(self) -> Option<Q> {
        Q::new(self.n.checked_neg()?, self.d)
    }
    fn mul(self, o: Q) -> Option<Q> {
        let g1 = gcd(self.n, o.d).max(1);
        let g2 = gcd(o.n, self.d).max(1);
        Q::new(
            (self.n / g1).checked_mul(o.n / g2)?,
            (self.d / g2).checked_mul(o.d / g1)?,
        )
    }
    fn div(self, o: Q) -> Option<Q> {
        if o.n == 0 {
            return None;
        }
        self.mul(Q::new(o.d, o.n)?)
    }
    fn pow(self, e: Q) -> Option<Q> {
        if e.d != 1 || !(0..=256).contains(&e.n) {
            return None;
        }
        let e = u32::try_from(e.n).ok()?;
        Q::new(self.n.checked_pow(e)?, self.d.checked_pow(e)?)
    }
    fn to_f64(self) -> f64 {
        const EXACT: i128 = 1 << 53;
        if self.n.abs() <= EXACT && self.d <= EXACT {
            // Both operands are exact doubles: IEEE division rounds correctly.
            return self.n as f64 / self.d as f64;
        }
        // Otherwise go through a decimal string, which Rust parses correctly rounded.
        let int = self.n / self.d;
        let mut rem = (self.n % self.d).abs();
        let mut s = format!("{}{int}.", if self.n < 0 && int == 0 { "-" } else { "" });
        for _ in 0..40 {
            rem *= 10;
            s.push(char::from(b'0' + (rem / self.d) as u8));
            rem %= self.d;
        }
        s.parse().unwrap_or(self.n as f64 / self.d as f64)
    }
}

/// A float literal's value as the decimal it was written as (`0.1` is 1/10, not the
/// nearest double): the shortest decimal that reads back as the same double.
fn from_f64(f: f64) -> Option<Q> {
    if !f.is_finite() {
        return None;
    }
    let s = format!("{f:e}");
    let (mant, exp) = s.split_once('e')?;
    let exp: i32 = exp.parse().ok()?;
    let (neg, mant) = mant.strip_prefix('-').map_or((false, mant), |m| (true, m));
    let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
    let digits: i128 = format!("{int}{frac}").parse().ok()?;
    let scale = exp - frac.len() as i32;
    let ten = |k: i32| 10i128.checked_pow(u32::try_from(k).ok()?);
    let q = if scale >= 0 {
        Q::int(digits.checked_mul(ten(scale)?)?)
    } else {
        Q::new(digits, ten(-scale)?)?
    };
    if neg { q.neg() } else { Some(q) }
}

/// The exact value of a literal-only expression, and whether a float literal occurs.
fn eval(e: &Expr) -> Option<(Q, bool)> {
    match &e.kind {
        ExprKind::Int(v) => Some((Q::int(i128::try_from(*v).ok()?), false)),
        ExprKind::Float(f) => Some((from_f64(*f)?, true)),
        ExprKind::Unary { op, expr } => {
            let (v, f) = eval(expr)?;
            match op {
                UnOp::Neg => Some((v.neg()?, f)),
                UnOp::Pos => Some((v, f)),
                _ => None,
            }
        }
        ExprKind::Binary { op, lhs, rhs } => binary(*op, lhs, rhs),
        _ => None,
    }
}

fn binary(op: BinOp, lhs: &Expr, rhs: &Expr) -> Option<(Q, bool)> {
    let (a, fa) = eval(lhs)?;
    let (b, fb) = eval(rhs)?;
    let float = fa || fb;
    let v = match op {
        BinOp::Add => a.add(b)?,
        BinOp::Sub => a.add(b.neg()?)?,
        BinOp::Mul => a.mul(b)?,
        // `Int / Int` truncates (an `Int`, as in Mojo): integer trees take the typed path.
        BinOp::Div if float => a.div(b)?,
        BinOp::Pow => a.pow(b)?,
        BinOp::FloorDiv | BinOp::Mod if !float && a.d == 1 && b.d == 1 && b.n != 0 => {
            let q = a.n.div_euclid(b.n) - i128::from(b.n < 0 && a.n.rem_euclid(b.n) != 0);
            if op == BinOp::FloorDiv {
                Q::int(q)
            } else {
                Q::int(a.n.checked_sub(q.checked_mul(b.n)?)?)
            }
        }
        _ => return None,
    };
    Some((v, float))
}

/// The folded value of the literal expression `lhs op rhs`: a float when a float literal
/// occurs in it, otherwise an integer that fits `Int`.
pub(crate) enum Folded {
    Float(f64),
    Int(i128),
}

pub(crate) fn fold(op: BinOp, lhs: &Expr, rhs: &Expr) -> Option<Folded> {
    let (v, float) = binary(op, lhs, rhs)?;
    if float {
        return Some(Folded::Float(v.to_f64()));
    }
    (v.d == 1 && i64::try_from(v.n).is_ok()).then_some(Folded::Int(v.n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check() -> Option<()> {
        assert_eq!(from_f64(0.1), Q::new(1, 10));
        assert_eq!(from_f64(-2.5e3), Some(Q::int(-2500)));
        let third = Q::new(4, 3)?.add(Q::int(-1))?;
        assert_eq!(Q::int(3).mul(third)?.to_f64(), 1.0);
        assert_eq!(Q::new(1, 10)?.add(Q::new(2, 10)?)?.to_f64(), 0.3);
        Some(())
    }

    #[test]
    fn exact_decimal_values() {
        assert!(check().is_some());
    }
}
