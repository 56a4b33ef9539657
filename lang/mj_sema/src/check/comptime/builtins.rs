//! Built-in functions and methods in the compile-time interpreter. Pure ones compute;
//! the others (I/O, memory, FFI) stop with a diagnostic that says why.

use std::cmp::Ordering;

use mj_syntax::ast::{Arg, CmpOp, Expr};

use super::interp::{Frame, Interp, R, fail};
use super::value::{self, Val};
use super::{MAX_LIST, MAX_STR};
use crate::ty::Ty;

/// The truth value of a condition (`Bool`, or a number, string or list as in Python).
pub(crate) fn truth(v: &Val) -> Option<bool> {
    Some(match v {
        Val::Bool(b) => *b,
        Val::Int(i, _) => *i != 0,
        Val::Float(f, _) => *f != 0.0,
        Val::Str(s) => !s.is_empty(),
        Val::List(items, _) => !items.borrow().is_empty(),
        _ => return None,
    })
}

/// A list literal: its element type is the first element's (a float anywhere makes an
/// `Int`/`Float` mix a `Float64` list, as the checker types `[1, 2.5]`).
pub(crate) fn list_of(vals: Vec<Val>, list: Option<u32>) -> Val {
    let any_float = vals.iter().any(|v| matches!(v, Val::Float(..)));
    let elem = match vals.first() {
        Some(Val::Int(..)) if any_float => Ty::F64,
        Some(v) => v.ty(list),
        None => Ty::Unknown,
    };
    let vals = if any_float {
        vals.into_iter()
            .map(|v| match v {
                Val::Int(i, _) => Val::Float(i as f64, Ty::F64),
                v => v,
            })
            .collect()
    } else {
        vals
    };
    Val::list(vals, elem)
}

/// Element `k` of an iterable (`None` past the end). Lists are read at each step, so a
/// loop sees elements appended by its body, like the run-time loop over the length.
pub(crate) fn nth_item(v: &Val, k: usize) -> Result<Option<Val>, String> {
    Ok(match v {
        Val::List(items, _) => items.borrow().get(k).cloned(),
        Val::Tuple(items) => items.get(k).cloned(),
        Val::Str(s) => s.get(k..k + 1).map(Val::str),
        _ => return Err(format!("iterating over a `{}`", v.type_name())),
    })
}

fn norm_index(i: i128, n: usize) -> Result<usize, String> {
    let k = if i < 0 { i + n as i128 } else { i };
    if (0..n as i128).contains(&k) {
        Ok(k as usize)
    } else {
        Err(format!("index {i} is out of range for length {n}"))
    }
}

pub(crate) fn index(b: &Val, i: i128) -> Result<Val, String> {
    match b {
        Val::List(items, _) => {
            let items = items.borrow();
            Ok(items[norm_index(i, items.len())?].clone())
        }
        Val::Tuple(items) => Ok(items[norm_index(i, items.len())?].clone()),
        Val::Str(s) => {
            let k = norm_index(i, s.len())?;
            s.get(k..k + 1)
                .map(Val::str)
                .ok_or_else(|| "indexing inside a multi-byte character".to_string())
        }
        _ => Err(format!("indexing a `{}`", b.type_name())),
    }
}

/// Python slicing `b[lo:hi:step]` of a list or a string.
pub(crate) fn slice(
    b: &Val,
    lo: Option<i128>,
    hi: Option<i128>,
    step: i128,
) -> Result<Val, String> {
    if step == 0 {
        return Err("a slice step of zero".into());
    }
    let n = match b {
        Val::List(items, _) => items.borrow().len(),
        Val::Str(s) => s.len(),
        _ => return Err(format!("slicing a `{}`", b.type_name())),
    } as i128;
    let clamp = |x: Option<i128>, dflt: i128, lo_b: i128, hi_b: i128| match x {
        None => dflt,
        Some(v) => {
            let v = if v < 0 { v + n } else { v };
            v.clamp(lo_b, hi_b)
        }
    };
    let idx: Vec<usize> = if step > 0 {
        let (a, z) = (clamp(lo, 0, 0, n), clamp(hi, n, 0, n));
        (a..z.max(a))
            .step_by(step as usize)
            .map(|i| i as usize)
            .collect()
    } else {
        let (a, z) = (clamp(lo, n - 1, -1, n - 1), clamp(hi, -1, -1, n - 1));
        let mut out = Vec::new();
        let mut i = a;
        while i > z {
            out.push(i as usize);
            i += step;
        }
        out
    };
    Ok(match b {
        Val::List(items, e) => {
            let items = items.borrow();
            Val::list(
                idx.iter().map(|&i| items[i].deep_copy()).collect(),
                e.clone(),
            )
        }
        Val::Str(s) => {
            let bytes: Vec<u8> = idx.iter().map(|&i| s.as_bytes()[i]).collect();
            Val::str(String::from_utf8(bytes).map_err(|_| "slicing inside a multi-byte character")?)
        }
        _ => Val::Unit,
    })
}

fn num_order(a: &Val, b: &Val) -> Result<Ordering, String> {
    match value::compare(CmpOp::Lt, a, b)? {
        Val::Bool(true) => Ok(Ordering::Less),
        _ => match value::compare(CmpOp::Gt, a, b)? {
            Val::Bool(true) => Ok(Ordering::Greater),
            _ => Ok(Ordering::Equal),
        },
    }
}

/// `min`/`max` of two or more values, or of the elements of one list.
fn extreme(vals: &[Val], want: Ordering) -> Result<Val, String> {
    let items: Vec<Val> = match vals {
        [Val::List(items, _)] => items.borrow().clone(),
        _ => vals.to_vec(),
    };
    let mut it = items.into_iter();
    let mut best = it.next().ok_or("`min`/`max` of nothing")?;
    for v in it {
        if num_order(&v, &best)? == want {
            best = v;
        }
    }
    Ok(best)
}

fn int_type(name: &str) -> Option<Ty> {
    Some(match name {
        "Int" => Ty::INT,
        "UInt" => Ty::UINT,
        _ => {
            let (signed, rest) = match name.strip_prefix("UInt") {
                Some(r) => (false, r),
                None => (true, name.strip_prefix("Int")?),
            };
            let bits: u8 = rest.parse().ok()?;
            if ![8, 16, 32, 64].contains(&bits) {
                return None;
            }
            Ty::Int { bits, signed }
        }
    })
}

/// A call of a built-in name (`len`, `min`, `String`, `List[Int]`, ...); `params` are the
/// compile-time arguments in `[...]`.
pub(crate) fn call_builtin(
    it: &mut Interp<'_>,
    f: &mut Frame,
    e: &Expr,
    name: &str,
    params: Option<&[Arg]>,
    args: &[Arg],
) -> R<Val> {
    let m = f.m;
    let io = |what: &str| {
        fail(
            m,
            e.span,
            format!("`{what}` does input or output"),
            "compile-time code cannot do I/O; compute the value at compile time and print it at run time",
        )
    };
    match name {
        "print" | "input" | "open" | "external_call" => return io(name),
        "alloc" | "UnsafePointer" | "stack_allocation" | "Span" | "memcpy" | "memset" => {
            return fail(
                m,
                e.span,
                format!("`{name}` works with memory"),
                "memory does not exist at compile time; use a List",
            );
        }
        "Error" => {
            return fail(
                m,
                e.span,
                "an `Error` value",
                "a function called at compile time must not raise",
            );
        }
        "List" => return list_ctor(it, f, e, params, args),
        // `VariadicList(values)` of a variadic parameter: the values themselves.
        "VariadicList" if params.is_none() && args.len() == 1 => {
            return it.eval(f, &args[0].value);
        }
        _ => {}
    }
    if params.is_some() {
        return fail(m, e.span, format!("`{name}[...]`"), "");
    }
    let vals = it.positional(f, args)?;
    let r = match (name, &vals[..]) {
        ("len", [v]) => match v {
            Val::List(items, _) => Ok(Val::int(items.borrow().len() as i128)),
            Val::Str(s) => Ok(Val::int(s.len() as i128)),
            Val::Tuple(items) => Ok(Val::int(items.len() as i128)),
            _ => Err(format!("`len` of a `{}`", v.type_name())),
        },
        ("min", vs) if !vs.is_empty() => extreme(vs, Ordering::Less),
        ("max", vs) if !vs.is_empty() => extreme(vs, Ordering::Greater),
        ("abs", [Val::Int(i, t)]) => Ok(Val::Int(value::wrap(i.abs(), t), t.clone())),
        ("abs", [Val::Float(x, t)]) => Ok(Val::Float(x.abs(), t.clone())),
        ("String" | "str", [v]) => value::to_string(v)
            .map(Val::str)
            .ok_or_else(|| format!("`String` of a `{}`", v.type_name())),
        ("String" | "str", []) => Ok(Val::str("")),
        ("Bool", [v]) => truth(v)
            .map(Val::Bool)
            .ok_or_else(|| "`Bool` of this value".into()),
        ("Float64" | "Float32", [v]) => {
            let t = if name == "Float32" { Ty::F32 } else { Ty::F64 };
            let x = match v {
                Val::Int(i, _) => Ok(*i as f64),
                Val::Float(x, _) => Ok(*x),
                Val::Str(s) => s
                    .trim()
                    .parse::<f64>()
                    .map_err(|_| format!("`{name}(\"{s}\")` raises: the string is not a number")),
                _ => Err(format!("`{name}` of a `{}`", v.type_name())),
            };
            x.map(|x| Val::Float(value::round_float(x, &t), t))
        }
        (n, [v]) if int_type(n).is_some() => {
            let t = int_type(n).unwrap_or(Ty::INT);
            let i = match v {
                Val::Int(i, _) => Ok(*i),
                Val::Bool(b) => Ok(i128::from(*b)),
                Val::Float(x, _) if x.is_finite() => Ok(x.trunc() as i128),
                Val::Str(s) => s
                    .trim()
                    .parse::<i128>()
                    .map_err(|_| format!("`{n}(\"{s}\")` raises: the string is not an integer")),
                _ => Err(format!("`{n}` of this value")),
            };
            i.map(|i| Val::Int(value::wrap(i, &t), t))
        }
        ("ord", [Val::Str(s)]) => s
            .chars()
            .next()
            .map(|c| Val::int(c as i128))
            .ok_or_else(|| "`ord` of an empty string".into()),
        ("chr", [Val::Int(i, _)]) => u32::try_from(*i)
            .ok()
            .and_then(char::from_u32)
            .map(|c| Val::str(c.to_string()))
            .ok_or_else(|| format!("`chr({i})`")),
        ("sort", [Val::List(items, _)]) => {
            let mut v = items.borrow().clone();
            let mut err = None;
            v.sort_by(|a, b| {
                num_order(a, b).unwrap_or_else(|msg| {
                    err = Some(msg);
                    Ordering::Equal
                })
            });
            match err {
                Some(msg) => Err(msg),
                None => {
                    *items.borrow_mut() = v;
                    Ok(Val::Unit)
                }
            }
        }
        ("enumerate", [v]) => (|| {
            let mut out = Vec::new();
            let mut k = 0;
            while let Some(x) = nth_item(v, k)? {
                out.push(Val::Tuple(vec![Val::int(k as i128), x].into()));
                k += 1;
            }
            Ok(Val::list(out, Ty::Unknown))
        })(),
        ("range", _) => Err("`range` outside a `for` loop".into()),
        _ => {
            return fail(
                m,
                e.span,
                format!("a call of `{name}`"),
                "compile-time code can call module-level functions and the pure built-ins (`len`, `min`, `max`, `abs`, `String`, `Int`, ...)",
            );
        }
    };
    r.or_else(|msg| fail(m, e.span, msg, ""))
}

/// `List[T]()`, `List[T](a, b)`, `List[T](length=n, fill=v)`.
fn list_ctor(
    it: &mut Interp<'_>,
    f: &mut Frame,
    e: &Expr,
    params: Option<&[Arg]>,
    args: &[Arg],
) -> R<Val> {
    let elem = match params {
        Some([p]) => it.resolve_ty(f, &p.value)?,
        _ => Ty::Unknown,
    };
    let mut length = None;
    let mut fill = None;
    let mut items = Vec::new();
    for a in args {
        let v = it.eval(f, &a.value)?;
        match a.name.as_ref().map(|k| k.name.as_str()) {
            None => items.push(it.convert(f.m, v, &elem, a.value.span)?),
            Some("length") => length = Some(v),
            Some("fill") => fill = Some(it.convert(f.m, v, &elem, a.value.span)?),
            Some(k) => return fail(f.m, a.span, format!("the keyword `{k}` of `List`"), ""),
        }
    }
    if let (Some(Val::Int(n, _)), Some(v)) = (&length, &fill) {
        let n = usize::try_from(*n).unwrap_or(0);
        if n > MAX_LIST {
            return fail(f.m, e.span, value::too_large(), "");
        }
        items = (0..n).map(|_| v.deep_copy()).collect();
    } else if length.is_some() || fill.is_some() {
        return fail(
            f.m,
            e.span,
            "this `List` constructor",
            "write `List[T](length=n, fill=v)`",
        );
    }
    let elem = match (elem, items.first()) {
        (Ty::Unknown, Some(v)) => v.ty(it.list_struct()),
        (t, _) => t,
    };
    let v = Val::list(items, elem);
    it.check_nesting(f, &v, e.span)?;
    Ok(v)
}

/// A function of a built-in module (`std.math`); `None` when it has no compile-time form.
pub(crate) fn module_fn(module: &str, name: &str, vals: &[Val]) -> Option<Result<Val, String>> {
    if module != "math" {
        return None;
    }
    let fl = |v: &Val| match v {
        Val::Int(i, _) => Some((*i as f64, Ty::F64)),
        Val::Float(x, t) => Some((*x, t.clone())),
        _ => None,
    };
    let one = |g: fn(f64) -> f64| {
        let (x, t) = fl(vals.first()?)?;
        (vals.len() == 1).then(|| Ok(Val::Float(value::round_float(g(x), &t), t)))
    };
    match (name, vals) {
        // As the library's `Int` overloads: an integer square root, integral floor/ceil.
        ("sqrt", [Val::Int(i, t)]) => {
            let mut r = (*i.max(&0) as f64).sqrt() as i128;
            while r * r > *i {
                r -= 1;
            }
            while (r + 1) * (r + 1) <= *i {
                r += 1;
            }
            return Some(Ok(Val::Int(r.max(0), t.clone())));
        }
        ("floor" | "ceil" | "trunc", [v @ Val::Int(..)]) => return Some(Ok(v.clone())),
        _ => {}
    }
    match name {
        "sqrt" => one(f64::sqrt),
        "floor" => one(f64::floor),
        "ceil" => one(f64::ceil),
        "trunc" => one(f64::trunc),
        "exp" => one(f64::exp),
        "log" => one(f64::ln),
        "log2" => one(f64::log2),
        "sin" => one(f64::sin),
        "cos" => one(f64::cos),
        "pow" => match vals {
            [a, b] => {
                let ((x, t), (y, _)) = (fl(a)?, fl(b)?);
                Some(Ok(Val::Float(value::round_float(x.powf(y), &t), t)))
            }
            _ => None,
        },
        "fma" => match vals {
            [Val::Int(a, t), Val::Int(b, _), Val::Int(c, _)] => {
                Some(Ok(Val::Int(a * b + c, t.clone())))
            }
            [a, b, c] => {
                let ((x, t), (y, _), (z, _)) = (fl(a)?, fl(b)?, fl(c)?);
                Some(Ok(Val::Float(value::round_float(x.mul_add(y, z), &t), t)))
            }
            _ => None,
        },
        "gcd" => match vals {
            [Val::Int(a, t), Val::Int(b, _)] => {
                let (mut a, mut b) = (a.abs(), b.abs());
                while b != 0 {
                    (a, b) = (b, a % b);
                }
                Some(Ok(Val::Int(a, t.clone())))
            }
            _ => None,
        },
        _ => None,
    }
}

/// A method call on a value. Lists are updated in place (they are shared cells).
pub(crate) fn method(recv: &Val, name: &str, args: Vec<Val>) -> Result<Val, String> {
    match (recv, name, &args[..]) {
        (Val::List(items, _), "append", [v]) => {
            items.borrow_mut().push(v.clone());
            Ok(Val::Unit)
        }
        (Val::List(items, _), "pop", rest) => {
            let mut items = items.borrow_mut();
            let i = match rest {
                [] => -1,
                [Val::Int(i, _)] => *i,
                _ => return Err("`pop` with this argument".into()),
            };
            let k =
                norm_index(i, items.len()).map_err(|_| "`pop` from an empty list".to_string())?;
            Ok(items.remove(k))
        }
        (Val::List(items, _), "insert", [Val::Int(i, _), v]) => {
            let mut items = items.borrow_mut();
            let n = items.len() as i128;
            let k = if *i < 0 { (i + n).max(0) } else { (*i).min(n) };
            items.insert(k as usize, v.clone());
            Ok(Val::Unit)
        }
        (Val::List(items, _), "extend", [Val::List(more, _)]) => {
            let more: Vec<Val> = more.borrow().iter().map(Val::deep_copy).collect();
            items.borrow_mut().extend(more);
            Ok(Val::Unit)
        }
        (Val::List(items, _), "clear", []) => {
            items.borrow_mut().clear();
            Ok(Val::Unit)
        }
        (Val::List(items, _), "reverse", []) => {
            items.borrow_mut().reverse();
            Ok(Val::Unit)
        }
        (v @ (Val::List(..) | Val::Str(_)), "copy", []) => Ok(v.deep_copy()),
        (Val::List(items, _), "count", [v]) => Ok(Val::int(
            items
                .borrow()
                .iter()
                .filter(|x| value::equal(x, v) == Some(true))
                .count() as i128,
        )),
        (Val::List(items, _), "index", [v]) => items
            .borrow()
            .iter()
            .position(|x| value::equal(x, v) == Some(true))
            .map(|k| Val::int(k as i128))
            .ok_or_else(|| "`index` of a value that is not in the list (raises)".into()),
        (v, "__len__", []) => match v {
            Val::List(items, _) => Ok(Val::int(items.borrow().len() as i128)),
            Val::Str(s) => Ok(Val::int(s.len() as i128)),
            _ => Err("`__len__` of this value".into()),
        },
        (Val::Str(s), _, _) => str_method(s, name, &args),
        _ => Err(format!(
            "the method `{name}` of `{}` at compile time",
            recv.type_name()
        )),
    }
}

fn str_method(s: &str, name: &str, args: &[Val]) -> Result<Val, String> {
    let strs: Vec<&str> = args
        .iter()
        .filter_map(|a| match a {
            Val::Str(x) => Some(&**x),
            _ => None,
        })
        .collect();
    Ok(match (name, &strs[..], args.len()) {
        ("upper", [], 0) => Val::str(s.to_uppercase()),
        ("lower", [], 0) => Val::str(s.to_lowercase()),
        ("strip", [], 0) => Val::str(s.trim()),
        ("lstrip", [], 0) => Val::str(s.trim_start()),
        ("rstrip", [], 0) => Val::str(s.trim_end()),
        ("startswith", [p], 1) => Val::Bool(s.starts_with(p)),
        ("endswith", [p], 1) => Val::Bool(s.ends_with(p)),
        ("find", [p], 1) => Val::int(s.find(p).map_or(-1, |k| k as i128)),
        ("count", [p], 1) if !p.is_empty() => Val::int(s.matches(p).count() as i128),
        ("replace", [a, b], 2) if !a.is_empty() => {
            let r = s.replace(a, b);
            if r.len() > MAX_STR {
                return Err(value::too_large());
            }
            Val::str(r)
        }
        ("split", [sep], 1) if !sep.is_empty() => {
            Val::list(s.split(sep).map(Val::str).collect(), Ty::Str)
        }
        ("split", [], 0) => Val::list(s.split_whitespace().map(Val::str).collect(), Ty::Str),
        ("join", [], 1) => match &args[0] {
            Val::List(items, _) => {
                let parts: Option<Vec<String>> = items
                    .borrow()
                    .iter()
                    .map(|v| match v {
                        Val::Str(x) => Some(x.to_string()),
                        _ => None,
                    })
                    .collect();
                Val::str(
                    parts
                        .ok_or("`join` of a list that is not of strings")?
                        .join(s),
                )
            }
            _ => return Err("`join` of this value".into()),
        },
        _ => return Err(format!("the method `{name}` of `String` at compile time")),
    })
}

/// A `std.bit` function of an integer `v` of type `t`, at that width (the library's
/// run-time code is the back end's bit intrinsics; this is their reference).
pub(crate) fn bit_function(name: &str, v: i128, t: &Ty) -> Option<i128> {
    let Ty::Int { bits, signed } = *t else {
        return None;
    };
    let bits = u32::from(bits).min(128);
    let mask: u128 = if bits == 128 {
        u128::MAX
    } else {
        (1u128 << bits) - 1
    };
    let u = (v as u128) & mask;
    let lz = |u: u128| u128::from(u.leading_zeros() - (128 - bits));
    let r: u128 = match name {
        "count_leading_zeros" => lz(u),
        "count_trailing_zeros" => u128::from(if u == 0 { bits } else { u.trailing_zeros() }),
        "pop_count" => u128::from(u.count_ones()),
        "bit_reverse" => u.reverse_bits() >> (128 - bits),
        "byte_swap" if bits == 8 => u,
        "byte_swap" if bits % 16 == 0 => u.swap_bytes() >> (128 - bits),
        "bit_not" => !u,
        "bit_width" if signed && v < 0 => u128::from(bits) - lz(!u & mask),
        "bit_width" => u128::from(bits) - lz(u),
        _ => return None,
    };
    // Back into the type's range: a signed value with its top bit set is negative.
    let r = r & mask;
    Some(if signed && bits < 128 && r >> (bits - 1) == 1 {
        r as i128 - (1i128 << bits)
    } else {
        r as i128
    })
}
