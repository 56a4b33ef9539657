//! Values of the compile-time interpreter and the arithmetic on them.
//!
//! Integers carry their type and are kept normalized to its width (the run-time
//! semantics: integer arithmetic wraps), floats carry theirs (`Float32` results are
//! rounded to `f32` after every operation). Lists are shared, mutable cells: the checker
//! rejects implicit copies of a `List`, so sharing is only observable where the language
//! says it is (a `mut` argument, an element updated in place).

use std::cell::RefCell;
use std::rc::Rc;

use mj_syntax::ast::{BinOp, CmpOp};

use super::super::ConstVal;
use crate::ty::Ty;

#[derive(Clone, Debug)]
pub(crate) enum Val {
    Int(i128, Ty),
    Float(f64, Ty),
    Bool(bool),
    Str(Rc<str>),
    /// The elements and the element type (known even for an empty list).
    List(Rc<RefCell<Vec<Val>>>, Ty),
    Tuple(Rc<[Val]>),
    /// `None` / the result of a function without a result type.
    Unit,
}

/// Why an operation has no value; the caller turns it into a diagnostic at its span.
pub(crate) type OpResult = Result<Val, String>;

impl Val {
    pub fn int(v: i128) -> Val {
        Val::Int(v, Ty::INT)
    }

    pub fn str(s: impl Into<Rc<str>>) -> Val {
        Val::Str(s.into())
    }

    pub fn list(items: Vec<Val>, elem: Ty) -> Val {
        Val::List(Rc::new(RefCell::new(items)), elem)
    }

    /// The static type of the value; `list` is the library's `List` struct (a list value
    /// is a `List[T]`).
    pub fn ty(&self, list: Option<u32>) -> Ty {
        match self {
            Val::Int(_, t) | Val::Float(_, t) => t.clone(),
            Val::Bool(_) => Ty::Bool,
            Val::Str(_) => Ty::Str,
            Val::List(_, e) => list_type(list, e.clone()),
            Val::Tuple(vs) => Ty::Tuple(vs.iter().map(|v| v.ty(list)).collect()),
            Val::Unit => Ty::Unit,
        }
    }

    /// A deep copy (`.copy()`, and values leaving the interpreter).
    pub fn deep_copy(&self) -> Val {
        match self {
            Val::List(items, e) => Val::list(
                items.borrow().iter().map(Val::deep_copy).collect(),
                e.clone(),
            ),
            Val::Tuple(vs) => Val::Tuple(vs.iter().map(Val::deep_copy).collect()),
            v => v.clone(),
        }
    }

    /// The value as a compile-time constant of the checker.
    pub fn to_const(&self) -> Option<ConstVal> {
        Some(match self {
            Val::Int(i, t) => ConstVal::Int(*i, t.clone()),
            Val::Float(f, t) => ConstVal::Float(*f, t.clone()),
            Val::Bool(b) => ConstVal::Bool(*b),
            Val::Str(s) => ConstVal::Str(s.to_string()),
            Val::List(items, e) => ConstVal::List(
                items
                    .borrow()
                    .iter()
                    .map(Val::to_const)
                    .collect::<Option<Vec<_>>>()?
                    .into(),
                e.clone(),
            ),
            Val::Tuple(vs) => ConstVal::Tuple(
                vs.iter()
                    .map(Val::to_const)
                    .collect::<Option<Vec<_>>>()?
                    .into(),
            ),
            Val::Unit => return None,
        })
    }

    /// A checker constant as a value; `None` for types, `DType`s and deferred constants.
    pub fn from_const(c: &ConstVal) -> Option<Val> {
        Some(match c {
            ConstVal::Int(i, t) => Val::Int(*i, t.clone()),
            ConstVal::Float(f, t) => Val::Float(*f, t.clone()),
            ConstVal::Bool(b) => Val::Bool(*b),
            ConstVal::Str(s) => Val::str(s.as_str()),
            ConstVal::List(items, e) => Val::list(
                items.iter().map(Val::from_const).collect::<Option<_>>()?,
                e.clone(),
            ),
            ConstVal::Tuple(items) => {
                Val::Tuple(items.iter().map(Val::from_const).collect::<Option<_>>()?)
            }
            _ => return None,
        })
    }

    pub fn type_name(&self) -> String {
        match self {
            Val::Int(_, t) | Val::Float(_, t) => scalar_name(t),
            Val::Bool(_) => "Bool".into(),
            Val::Str(_) => "String".into(),
            Val::List(..) => "List".into(),
            Val::Tuple(_) => "Tuple".into(),
            Val::Unit => "None".into(),
        }
    }
}

pub(crate) fn scalar_name(t: &Ty) -> String {
    match t {
        Ty::Int {
            bits: 64,
            signed: true,
        } => "Int".into(),
        Ty::Int {
            bits: 64,
            signed: false,
        } => "UInt".into(),
        Ty::Int { bits, signed } => format!("{}Int{bits}", if *signed { "" } else { "U" }),
        Ty::Float { bits } => format!("Float{bits}"),
        _ => "value".into(),
    }
}

/// `v` wrapped to the width of integer type `t`.
pub(crate) fn wrap(v: i128, t: &Ty) -> i128 {
    let Ty::Int { bits, signed } = t else {
        return v;
    };
    let bits = u32::from(*bits).clamp(1, 64);
    let mask = (1i128 << bits) - 1;
    let low = v & mask;
    if *signed && low >> (bits - 1) & 1 == 1 {
        low - (1i128 << bits)
    } else {
        low
    }
}

/// Rounds a float result to its type's precision.
pub(crate) fn round_float(f: f64, t: &Ty) -> f64 {
    if *t == Ty::F32 { f as f32 as f64 } else { f }
}

/// The type two integer operands are brought to: a plain `Int` (what an unannotated
/// literal is) takes the other side's type, as the checker types `x + 1`.
fn common_int(a: &Ty, b: &Ty) -> Ty {
    if a == b || *b == Ty::INT {
        a.clone()
    } else {
        b.clone()
    }
}

pub(crate) fn binary(op: BinOp, a: &Val, b: &Val) -> OpResult {
    use BinOp as B;
    match (a, b) {
        (Val::Int(x, ta), Val::Int(y, tb)) => {
            let t = common_int(ta, tb);
            let (x, y) = (*x, *y);
            let zero = || Err("division by zero at compile time".to_string());
            let v = match op {
                B::Add => x.wrapping_add(y),
                B::Sub => x.wrapping_sub(y),
                B::Mul => x.wrapping_mul(y),
                // `Int / Int` truncates toward zero and stays an `Int`, as in Mojo.
                B::Div => {
                    if y == 0 {
                        return zero();
                    }
                    x.wrapping_div(y)
                }
                B::FloorDiv => {
                    if y == 0 {
                        return zero();
                    }
                    let q = x.wrapping_div(y);
                    if (x % y != 0) && ((x < 0) != (y < 0)) {
                        q - 1
                    } else {
                        q
                    }
                }
                B::Mod => {
                    if y == 0 {
                        return zero();
                    }
                    let r = x % y;
                    if r != 0 && ((r < 0) != (y < 0)) {
                        r + y
                    } else {
                        r
                    }
                }
                B::Pow => {
                    if y < 0 {
                        return Err("a negative integer exponent at compile time".into());
                    }
                    let mut acc: i128 = 1;
                    let mut base = x;
                    let mut e = y;
                    while e > 0 {
                        if e & 1 == 1 {
                            acc = wrap(acc.wrapping_mul(base), &t);
                        }
                        base = wrap(base.wrapping_mul(base), &t);
                        e >>= 1;
                    }
                    acc
                }
                B::BitAnd => x & y,
                B::BitOr => x | y,
                B::BitXor => x ^ y,
                B::Shl => {
                    if !(0..64).contains(&y) {
                        return Err(format!("shift by {y} at compile time"));
                    }
                    x.wrapping_shl(y as u32)
                }
                B::Shr => {
                    if !(0..64).contains(&y) {
                        return Err(format!("shift by {y} at compile time"));
                    }
                    x >> y
                }
                _ => return Err(format!("no operator `{}` for integers", op_symbol(op))),
            };
            Ok(Val::Int(wrap(v, &t), t))
        }
        (Val::Int(..) | Val::Float(..), Val::Int(..) | Val::Float(..)) => {
            let t = match (a, b) {
                (Val::Float(_, t), _) | (_, Val::Float(_, t)) => t.clone(),
                _ => Ty::F64,
            };
            let (x, y) = (as_f64(a), as_f64(b));
            let v = match op {
                B::Add => x + y,
                B::Sub => x - y,
                B::Mul => x * y,
                B::Div => x / y,
                B::FloorDiv => (x / y).floor(),
                B::Mod => {
                    let r = x % y;
                    if r != 0.0 && ((r < 0.0) != (y < 0.0)) {
                        r + y
                    } else {
                        r
                    }
                }
                B::Pow => x.powf(y),
                _ => return Err(format!("no operator `{}` for floats", op_symbol(op))),
            };
            Ok(Val::Float(round_float(v, &t), t))
        }
        (Val::Str(x), Val::Str(y)) if op == B::Add => Ok(Val::str(format!("{x}{y}"))),
        (Val::Str(x), Val::Int(n, _)) if op == B::Mul => {
            let n = usize::try_from(*n).unwrap_or(0);
            if x.len().saturating_mul(n) > super::MAX_STR {
                return Err(too_large());
            }
            Ok(Val::str(x.repeat(n)))
        }
        (Val::List(x, e), Val::List(y, _)) if op == B::Add => {
            let mut v: Vec<Val> = x.borrow().iter().map(Val::deep_copy).collect();
            v.extend(y.borrow().iter().map(Val::deep_copy));
            Ok(Val::list(v, e.clone()))
        }
        (Val::List(x, e), Val::Int(n, _)) if op == B::Mul => {
            let n = usize::try_from(*n).unwrap_or(0);
            let src = x.borrow();
            if src.len().saturating_mul(n) > super::MAX_LIST {
                return Err(too_large());
            }
            let mut v = Vec::with_capacity(src.len() * n);
            for _ in 0..n {
                v.extend(src.iter().map(Val::deep_copy));
            }
            Ok(Val::list(v, e.clone()))
        }
        (Val::Bool(x), Val::Bool(y)) => match op {
            B::BitAnd => Ok(Val::Bool(x & y)),
            B::BitOr => Ok(Val::Bool(x | y)),
            B::BitXor => Ok(Val::Bool(x ^ y)),
            _ => Err(format!("no operator `{}` for `Bool`", op_symbol(op))),
        },
        _ => Err(format!(
            "no operator `{}` for `{}` and `{}`",
            op_symbol(op),
            a.type_name(),
            b.type_name()
        )),
    }
}

/// How deeply lists and tuples may nest (well-typed code nests as deep as its types;
/// the limit keeps recursive walks over values, and dropping them, shallow).
pub(crate) const MAX_NESTED: usize = 32;

/// How deeply a value nests lists and tuples.
pub(crate) fn nesting(v: &Val) -> usize {
    match v {
        Val::List(items, _) => 1 + items.borrow().iter().map(nesting).max().unwrap_or(0),
        Val::Tuple(items) => 1 + items.iter().map(nesting).max().unwrap_or(0),
        _ => 0,
    }
}

/// Whether `v` is or contains the list `target` (storing it would make a cycle).
pub(crate) fn holds(v: &Val, target: &Rc<RefCell<Vec<Val>>>) -> bool {
    match v {
        Val::List(items, _) => {
            Rc::ptr_eq(items, target) || items.borrow().iter().any(|x| holds(x, target))
        }
        Val::Tuple(items) => items.iter().any(|x| holds(x, target)),
        _ => false,
    }
}

pub(crate) fn too_large() -> String {
    "a compile-time value grew too large".into()
}

fn as_f64(v: &Val) -> f64 {
    match v {
        Val::Int(i, _) => *i as f64,
        Val::Float(f, _) => *f,
        _ => 0.0,
    }
}

fn op_symbol(op: BinOp) -> &'static str {
    use BinOp as B;
    match op {
        B::Add => "+",
        B::Sub => "-",
        B::Mul => "*",
        B::Div => "/",
        B::FloorDiv => "//",
        B::Mod => "%",
        B::Pow => "**",
        B::MatMul => "@",
        B::BitAnd => "&",
        B::BitOr => "|",
        B::BitXor => "^",
        B::Shl => "<<",
        B::Shr => ">>",
        B::And => "and",
        B::Or => "or",
    }
}

/// Equality of two values (`==`), or `None` when they cannot be compared.
pub(crate) fn equal(a: &Val, b: &Val) -> Option<bool> {
    Some(match (a, b) {
        (Val::Int(x, _), Val::Int(y, _)) => x == y,
        (Val::Int(..) | Val::Float(..), Val::Int(..) | Val::Float(..)) => as_f64(a) == as_f64(b),
        (Val::Bool(x), Val::Bool(y)) => x == y,
        (Val::Str(x), Val::Str(y)) => x == y,
        (Val::List(x, _), Val::List(y, _)) => {
            let (x, y) = (x.borrow(), y.borrow());
            x.len() == y.len()
                && x.iter()
                    .zip(y.iter())
                    .map(|(p, q)| equal(p, q))
                    .collect::<Option<Vec<_>>>()?
                    .into_iter()
                    .all(|e| e)
        }
        (Val::Tuple(x), Val::Tuple(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y.iter())
                    .map(|(p, q)| equal(p, q))
                    .collect::<Option<Vec<_>>>()?
                    .into_iter()
                    .all(|e| e)
        }
        (Val::Unit, Val::Unit) => true,
        _ => return None,
    })
}

pub(crate) fn compare(op: CmpOp, a: &Val, b: &Val) -> OpResult {
    use std::cmp::Ordering as O;
    let msg = || format!("cannot compare `{}` and `{}`", a.type_name(), b.type_name());
    let fail = || Err(msg());
    match op {
        CmpOp::Eq | CmpOp::Is => return equal(a, b).map(Val::Bool).ok_or_else(msg),
        CmpOp::Ne | CmpOp::IsNot => {
            return equal(a, b).map(|e| Val::Bool(!e)).ok_or_else(msg);
        }
        CmpOp::In | CmpOp::NotIn => {
            let found = match b {
                Val::List(items, _) => {
                    let items = items.borrow();
                    items.iter().any(|x| equal(a, x) == Some(true))
                }
                Val::Str(s) => match a {
                    Val::Str(n) => s.contains(&**n),
                    _ => return fail(),
                },
                Val::Tuple(items) => items.iter().any(|x| equal(a, x) == Some(true)),
                _ => return fail(),
            };
            return Ok(Val::Bool(found == (op == CmpOp::In)));
        }
        _ => {}
    }
    let ord = match (a, b) {
        (Val::Int(x, _), Val::Int(y, _)) => x.cmp(y),
        (Val::Int(..) | Val::Float(..), Val::Int(..) | Val::Float(..)) => {
            match as_f64(a).partial_cmp(&as_f64(b)) {
                Some(o) => o,
                // Every ordered comparison with NaN is false.
                None => return Ok(Val::Bool(false)),
            }
        }
        (Val::Bool(x), Val::Bool(y)) => x.cmp(y),
        (Val::Str(x), Val::Str(y)) => x.cmp(y),
        _ => return fail(),
    };
    Ok(Val::Bool(match op {
        CmpOp::Lt => ord == O::Less,
        CmpOp::Le => ord != O::Greater,
        CmpOp::Gt => ord == O::Greater,
        _ => ord != O::Less,
    }))
}

/// `String(v)`: how the value prints.
pub(crate) fn to_string(v: &Val) -> Option<String> {
    Some(match v {
        Val::Int(i, _) => i.to_string(),
        Val::Float(f, t) if *t == Ty::F32 => float_repr(*f, true),
        Val::Float(f, _) => float_repr(*f, false),
        Val::Bool(b) => if *b { "True" } else { "False" }.into(),
        Val::Str(s) => s.to_string(),
        Val::Unit => "None".into(),
        _ => return None,
    })
}

/// Python's `repr(float)` (what the runtime prints): shortest round-trip digits,
/// positional for exponents in -4..16, else `d.ddde+XX`.
pub(crate) fn float_repr(v: f64, single: bool) -> String {
    if v.is_nan() {
        return "nan".into();
    }
    if v.is_infinite() {
        return if v < 0.0 { "-inf" } else { "inf" }.into();
    }
    let a = v.abs();
    let sci = if single {
        format!("{:e}", a as f32)
    } else {
        format!("{a:e}")
    };
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let mut digits: String = mant.chars().filter(char::is_ascii_digit).collect();
    let mut exp: i32 = exp.parse().unwrap_or(0);
    // Ties: prefer the correctly rounded digits when they round-trip too (CPython's dtoa).
    let full = if single { 6 } else { 15 };
    if digits.len() >= full {
        let c = format!("{:.*e}", digits.len() - 1, a);
        let (cm, ce) = c.split_once('e').unwrap_or((&c, "0"));
        let cd: String = cm.chars().filter(char::is_ascii_digit).collect();
        let back = format!("{}.{}e{ce}", &cd[..1], &cd[1..]);
        let same = if single {
            back.parse::<f32>().ok() == Some(a as f32)
        } else {
            back.parse::<f64>().ok() == Some(a)
        };
        if same {
            digits = cd;
            exp = ce.parse().unwrap_or(exp);
        }
    }
    let body = if !(-4..16).contains(&exp) {
        let mut s = digits[..1].to_string();
        if digits.len() > 1 {
            s.push('.');
            s.push_str(&digits[1..]);
        }
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{s}e{sign}{:02}", exp.unsigned_abs())
    } else {
        let decpt = exp + 1;
        let n = digits.len() as i32;
        if decpt <= 0 {
            format!("0.{}{digits}", "0".repeat((-decpt) as usize))
        } else if decpt >= n {
            format!("{digits}{}.0", "0".repeat((decpt - n) as usize))
        } else {
            format!(
                "{}.{}",
                &digits[..decpt as usize],
                &digits[decpt as usize..]
            )
        }
    };
    if v.is_sign_negative() {
        format!("-{body}")
    } else {
        body
    }
}

/// The library's `List[elem]` (`list` is its struct), or unknown when it is not loaded.
pub(crate) fn list_type(list: Option<u32>, elem: Ty) -> Ty {
    match list {
        Some(s) => Ty::Struct(s, vec![crate::ty::CtArg::Type(elem)].into()),
        None => Ty::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_repr_matches_python() {
        assert_eq!(float_repr(200.0, false), "200.0");
        assert_eq!(float_repr(0.1, false), "0.1");
        assert_eq!(float_repr(1e-5, false), "1e-05");
        assert_eq!(float_repr(1e16, false), "1e+16");
        assert_eq!(float_repr(-2.5, false), "-2.5");
        assert_eq!(float_repr(0.1f32 as f64, true), "0.1");
    }

    #[test]
    fn ints_wrap_at_their_width() {
        let u8t = Ty::Int {
            bits: 8,
            signed: false,
        };
        let r = binary(BinOp::Add, &Val::Int(250, u8t.clone()), &Val::int(10));
        assert!(matches!(r, Ok(Val::Int(4, _))));
        let r = binary(BinOp::Mul, &Val::int(i64::MAX as i128), &Val::int(2));
        assert!(matches!(r, Ok(Val::Int(-2, _))));
        let r = binary(BinOp::FloorDiv, &Val::int(-7), &Val::int(2));
        assert!(matches!(r, Ok(Val::Int(-4, _))));
        let r = binary(BinOp::Mod, &Val::int(-7), &Val::int(2));
        assert!(matches!(r, Ok(Val::Int(1, _))));
    }
}
