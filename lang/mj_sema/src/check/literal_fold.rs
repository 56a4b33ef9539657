//! Literal arithmetic at compile-time precision: an expression made only of numeric
//! literals (`3.0 * (4.0 / 3.0 - 1.0)`, `10**20 // 10**18`, `2**200 // 2**190`) is
//! computed exactly, as Mojo's `FloatLiteral`/`IntLiteral` arithmetic is, and only the
//! result is rounded to `Float64` or checked against `Int`. Exact values are rationals of
//! arbitrary-precision integers (at most [`MAX_BITS`] bits, so `10**10**10` stays cheap).

use mj_syntax::ast::{BinOp, Expr, ExprKind, UnOp};
use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{One, Signed, ToPrimitive, Zero};

/// Literal values wider than this are not computed (the expression is typed as usual).
const MAX_BITS: u64 = 1 << 16;

/// A rational `n / d` in lowest terms, `d > 0`.
#[derive(Clone, Debug, PartialEq)]
struct Q {
    n: BigInt,
    d: BigInt,
}

impl Q {
    fn new(n: BigInt, d: BigInt) -> Option<Q> {
        if d.is_zero() || n.bits() > MAX_BITS || d.bits() > MAX_BITS {
            return None;
        }
        let g = n.gcd(&d);
        let (mut n, mut d) = if g.is_zero() {
            (n, d)
        } else {
            (n / &g, d / &g)
        };
        if d.is_negative() {
            n = -n;
            d = -d;
        }
        Some(Q { n, d })
    }
    fn int(n: impl Into<BigInt>) -> Q {
        Q {
            n: n.into(),
            d: BigInt::one(),
        }
    }
    fn is_int(&self) -> bool {
        self.d.is_one()
    }
    fn add(self, o: Q) -> Option<Q> {
        Q::new(&self.n * &o.d + &o.n * &self.d, self.d * o.d)
    }
    fn neg(self) -> Option<Q> {
        Some(Q {
            n: -self.n,
            d: self.d,
        })
    }
    fn mul(self, o: Q) -> Option<Q> {
        Q::new(self.n * o.n, self.d * o.d)
    }
    fn div(self, o: Q) -> Option<Q> {
        if o.n.is_zero() {
            return None;
        }
        Q::new(self.n * o.d, self.d * o.n)
    }
    fn pow(self, e: Q) -> Option<Q> {
        if !e.is_int() {
            return None;
        }
        let e = e.n.to_u32()?;
        // (Reject before computing: the result has about `bits * e` bits.)
        if self
            .n
            .bits()
            .max(self.d.bits())
            .saturating_mul(u64::from(e))
            > MAX_BITS
        {
            return None;
        }
        Q::new(self.n.pow(e), self.d.pow(e))
    }
    fn to_f64(&self) -> f64 {
        let exact = BigInt::one() << 53;
        if self.n.abs() <= exact && self.d <= exact {
            // Both operands are exact doubles: IEEE division rounds correctly.
            return self.n.to_f64().unwrap_or(f64::NAN) / self.d.to_f64().unwrap_or(f64::NAN);
        }
        // Otherwise go through a decimal string, which Rust parses correctly rounded.
        let (int, rem) = self.n.abs().div_rem(&self.d);
        let mut s = format!("{}{int}.", if self.n.is_negative() { "-" } else { "" });
        let mut rem = rem;
        for _ in 0..40 {
            rem *= 10;
            let (digit, r) = rem.div_rem(&self.d);
            s.push_str(&digit.to_string());
            rem = r;
        }
        s.parse().unwrap_or(f64::NAN)
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
    let digits: BigInt = format!("{int}{frac}").parse().ok()?;
    let scale = exp - frac.len() as i32;
    let ten = |k: i32| BigInt::from(10).pow(k.unsigned_abs());
    let q = if scale >= 0 {
        Q::int(digits * ten(scale))
    } else {
        Q::new(digits, ten(scale))?
    };
    if neg { q.neg() } else { Some(q) }
}

/// The exact value of a literal-only expression, and whether a float literal occurs.
fn eval(e: &Expr) -> Option<(Q, bool)> {
    match &e.kind {
        ExprKind::Int(v) => Some((Q::int(*v), false)),
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
        BinOp::FloorDiv | BinOp::Mod if !float && a.is_int() && b.is_int() && !b.n.is_zero() => {
            // Python's floor semantics: the remainder takes the divisor's sign.
            let (q, r) = a.n.div_mod_floor(&b.n);
            Q::int(if op == BinOp::FloorDiv { q } else { r })
        }
        _ => return None,
    };
    Some((v, float))
}

/// The folded value of the literal expression `lhs op rhs`: a float when a float literal
/// occurs in it, otherwise an integer, which fits `Int` or is too large for it.
pub(crate) enum Folded {
    Float(f64),
    Int(i128),
    /// An exact integer outside `Int`'s range (its decimal digits).
    TooBig(String),
}

pub(crate) fn fold(op: BinOp, lhs: &Expr, rhs: &Expr) -> Option<Folded> {
    let (v, float) = binary(op, lhs, rhs)?;
    if float {
        return Some(Folded::Float(v.to_f64()));
    }
    if !v.is_int() {
        return None;
    }
    Some(match v.n.to_i64() {
        Some(i) => Folded::Int(i128::from(i)),
        None => Folded::TooBig(v.n.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(n: i64, d: i64) -> Option<Q> {
        Q::new(BigInt::from(n), BigInt::from(d))
    }

    fn check() -> Option<()> {
        assert_eq!(from_f64(0.1), q(1, 10));
        assert_eq!(from_f64(-2.5e3), Some(Q::int(-2500)));
        let third = q(4, 3)?.add(Q::int(-1))?;
        assert_eq!(Q::int(3).mul(third)?.to_f64(), 1.0);
        assert_eq!(q(1, 10)?.add(q(2, 10)?)?.to_f64(), 0.3);
        // Beyond 128 bits, still exact.
        let big = Q::int(2).pow(Q::int(200))?;
        assert_eq!(big.clone().div(Q::int(2).pow(Q::int(190))?)?, Q::int(1024));
        assert_eq!(big.to_f64(), 2f64.powi(200));
        Some(())
    }

    #[test]
    fn exact_decimal_values() {
        assert!(check().is_some());
    }
}
