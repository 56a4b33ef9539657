//! Operator methods of the built-in value types called by name, as Mojo programs (and
//! Mojo's own tests) write them: `x.__add__(y)`, `Int.__add__(1, 2)`, `n.__bool__()`,
//! `s.__len__()`. Each is the operator or conversion it names (`x + y`, `Bool(n)`,
//! `len(s)`), so a call by name and the operator always agree.

use mj_syntax::Span;
use mj_syntax::ast::{Arg, BinOp, CmpOp};

use super::body::FnCx;
use crate::tir::{TExpr, TExprKind as K};
use crate::ty::Ty;

/// What a dunder method of a built-in value stands for.
enum Dunder {
    /// `self op other` (and the reflected form, `other op self`).
    Binary(BinOp, bool),
    Compare(CmpOp),
    /// `other in self` (`s.__contains__(x)`).
    Contains,
    /// `-self`, `+self`, `~self`.
    Neg,
    Pos,
    Invert,
    /// `Bool(self)`, `Int(self)`, `Float64(self)`, `String(self)`, `len(self)`, `abs(self)`.
    ToBool,
    ToInt,
    ToFloat,
    ToStr,
    Len,
    Abs,
    /// `math.ceil`/`floor`/`trunc`/`round` of a number (an integer is itself).
    Rounding(crate::tir::Intrinsic),
    /// `n.is_power_of_two()` of an integer.
    PowerOfTwo,
}

fn dunder(name: &str) -> Option<Dunder> {
    use BinOp as B;
    let bin = |op, reflected| Some(Dunder::Binary(op, reflected));
    match name {
        "__add__" => bin(B::Add, false),
        "__sub__" => bin(B::Sub, false),
        "__mul__" => bin(B::Mul, false),
        "__truediv__" => bin(B::Div, false),
        "__floordiv__" => bin(B::FloorDiv, false),
        "__mod__" => bin(B::Mod, false),
        "__pow__" => bin(B::Pow, false),
        "__and__" => bin(B::BitAnd, false),
        "__or__" => bin(B::BitOr, false),
        "__xor__" => bin(B::BitXor, false),
        "__lshift__" => bin(B::Shl, false),
        "__rshift__" => bin(B::Shr, false),
        "__radd__" => bin(B::Add, true),
        "__rsub__" => bin(B::Sub, true),
        "__rmul__" => bin(B::Mul, true),
        "__rtruediv__" => bin(B::Div, true),
        "__rfloordiv__" => bin(B::FloorDiv, true),
        "__rmod__" => bin(B::Mod, true),
        "__rpow__" => bin(B::Pow, true),
        "__rand__" => bin(B::BitAnd, true),
        "__ror__" => bin(B::BitOr, true),
        "__rxor__" => bin(B::BitXor, true),
        "__rlshift__" => bin(B::Shl, true),
        "__rrshift__" => bin(B::Shr, true),
        "__contains__" => Some(Dunder::Contains),
        "__eq__" => Some(Dunder::Compare(CmpOp::Eq)),
        "__ne__" => Some(Dunder::Compare(CmpOp::Ne)),
        "__lt__" => Some(Dunder::Compare(CmpOp::Lt)),
        "__le__" => Some(Dunder::Compare(CmpOp::Le)),
        "__gt__" => Some(Dunder::Compare(CmpOp::Gt)),
        "__ge__" => Some(Dunder::Compare(CmpOp::Ge)),
        "__neg__" => Some(Dunder::Neg),
        "__pos__" => Some(Dunder::Pos),
        "__invert__" => Some(Dunder::Invert),
        "__bool__" => Some(Dunder::ToBool),
        "__int__" | "__index__" => Some(Dunder::ToInt),
        "__float__" => Some(Dunder::ToFloat),
        "__str__" => Some(Dunder::ToStr),
        "__len__" => Some(Dunder::Len),
        "__abs__" => Some(Dunder::Abs),
        "__ceil__" => Some(Dunder::Rounding(crate::tir::Intrinsic::Ceil)),
        "__floor__" => Some(Dunder::Rounding(crate::tir::Intrinsic::Floor)),
        "__trunc__" => Some(Dunder::Rounding(crate::tir::Intrinsic::Trunc)),
        "__round__" => Some(Dunder::Rounding(crate::tir::Intrinsic::RoundEven)),
        "is_power_of_two" => Some(Dunder::PowerOfTwo),
        _ => None,
    }
}

/// The operator of an in-place method (`__iadd__` is `+`).
fn in_place(name: &str) -> Option<BinOp> {
    use BinOp as B;
    Some(match name {
        "__iadd__" => B::Add,
        "__isub__" => B::Sub,
        "__imul__" => B::Mul,
        "__itruediv__" => B::Div,
        "__ifloordiv__" => B::FloorDiv,
        "__imod__" => B::Mod,
        "__ipow__" => B::Pow,
        "__iand__" => B::BitAnd,
        "__ior__" => B::BitOr,
        "__ixor__" => B::BitXor,
        "__ilshift__" => B::Shl,
        "__irshift__" => B::Shr,
        _ => return None,
    })
}

/// Whether values of `t` answer operator methods by name here.
fn builtin_value(t: &Ty) -> bool {
    matches!(
        t,
        Ty::Bool | Ty::Int { .. } | Ty::Float { .. } | Ty::Str | Ty::Vector(..)
    )
}

impl FnCx<'_> {
    /// `recv.name(args)` for a built-in `recv` when `name` is an operator method; `None`
    /// when it is not one (the caller looks further).
    pub(crate) fn builtin_dunder_call(
        &mut self,
        recv: TExpr,
        name: &str,
        args: &[Arg],
        span: Span,
    ) -> Result<TExpr, TExpr> {
        // `t.__contains__(x)` of a tuple: `x in t` (an element of any type may be asked).
        if name == "__contains__"
            && matches!(recv.ty, Ty::Tuple(_))
            && self.arity(name, args, 1, 1, span)
        {
            let x = self.expr(&args[0].value, None);
            return Ok(self.compare(CmpOp::In, x, recv, span));
        }
        // `x.__round__()` / `x.__round__(ndigits)`: `round(x)` / `round(x, ndigits)`.
        if name == "__round__"
            && (recv.ty.is_numeric() || matches!(recv.ty, Ty::Vector(..)))
            && args.len() <= 1
        {
            let nd = args.first().map(|a| self.typed_arg(a, &Ty::INT));
            return Ok(super::builtins::round_value(self, recv, nd, span));
        }
        // `x.__iadd__(y)` of a number, vector or string variable: `x += y`.
        if let Some(op) = in_place(name).filter(|_| builtin_value(&recv.ty)) {
            let line = recv.line;
            if !self.arity(name, args, 1, 1, span) {
                return Ok(self.unknown(line));
            }
            if !crate::check::expr::is_place(&recv) {
                let msg = format!("`{name}` needs a variable to update, not a temporary value");
                self.error(mj_syntax::Diag::error(super::E_ASSIGN, msg, span));
                return Ok(self.unknown(line));
            }
            let ty = recv.ty.clone();
            let other = self.expr(&args[0].value, Some(&ty));
            let v = self.binary_typed(op, recv.clone(), other, span);
            let v = self.coerce(v, &ty, span);
            return Ok(TExpr::new(
                K::Seq(
                    vec![crate::tir::TStmt::Assign(recv, v)],
                    Box::new(TExpr::new(K::Unit, Ty::Unit, line)),
                ),
                Ty::Unit,
                line,
            ));
        }
        let Some(d) = dunder(name).filter(|_| builtin_value(&recv.ty)) else {
            return Err(recv);
        };
        // (A vector's `is_power_of_two` is mj code: `std.builtin.simd_methods`.)
        if matches!(d, Dunder::PowerOfTwo) && matches!(recv.ty, Ty::Vector(..)) {
            return Err(recv);
        }
        let line = recv.line;
        let want = match d {
            Dunder::Binary(..) | Dunder::Compare(_) | Dunder::Contains => 1,
            _ => 0,
        };
        if !self.arity(name, args, want, want, span) {
            return Ok(self.unknown(line));
        }
        let ty = recv.ty.clone();
        let scalar = matches!(ty, Ty::Bool | Ty::Int { .. } | Ty::Float { .. });
        let other = args.first().map(|a| {
            let v = self.expr(&a.value, Some(&ty));
            self.coerce(v, &ty, a.value.span)
        });
        Ok(match (d, other) {
            (Dunder::Binary(op, false), Some(o)) => self.binary_typed(op, recv, o, span),
            (Dunder::Binary(op, true), Some(o)) => self.binary_typed(op, o, recv, span),
            (Dunder::Compare(op), Some(o)) => self.compare(op, recv, o, span),
            (Dunder::Contains, Some(o)) if ty == Ty::Str => self.compare(CmpOp::In, o, recv, span),
            (Dunder::Neg, _) if ty != Ty::Str && ty != Ty::Bool => {
                let zero = self.cast(TExpr::new(K::Int(0), Ty::INT, line), ty);
                self.binary_typed(BinOp::Sub, zero, recv, span)
            }
            (Dunder::Pos, _) => recv,
            (Dunder::Invert, _) if ty.is_int() || matches!(ty, Ty::Vector(..)) => {
                let ones = self.cast(TExpr::new(K::Int(-1), Ty::INT, line), ty);
                self.binary_typed(BinOp::BitXor, recv, ones, span)
            }
            (Dunder::ToBool, _) if !matches!(ty, Ty::Vector(..)) => self.truthy(recv, span),
            // A string parses (and raises on bad text), as `Int(s)` / `Float64(s)`.
            (Dunder::ToInt, _) if ty == Ty::Str => {
                self.check_may_raise(&format!("`{name}`"), span);
                let ten = TExpr::new(K::Int(10), Ty::INT, line);
                self.rt_call(crate::rt::Rt::StrToInt, vec![recv, ten], Ty::INT, line)
            }
            (Dunder::ToFloat, _) if ty == Ty::Str => {
                self.check_may_raise(&format!("`{name}`"), span);
                self.rt_call(crate::rt::Rt::StrToF64, vec![recv], Ty::F64, line)
            }
            (Dunder::ToInt, _) if scalar => self.cast(recv, Ty::INT),
            (Dunder::ToFloat, _) if scalar => self.cast(recv, Ty::F64),
            (Dunder::ToStr, _) => self.stringify(recv, span),
            (Dunder::Len, _) if ty == Ty::Str => TExpr::new(K::Len(Box::new(recv)), Ty::INT, line),
            (Dunder::Abs, _) if ty.is_int() || ty.is_float() => {
                let zero = self.cast(TExpr::new(K::Int(0), Ty::INT, line), ty.clone());
                let neg = self.binary_typed(BinOp::Sub, zero.clone(), recv.clone(), span);
                let lt = self.compare(CmpOp::Lt, recv.clone(), zero, span);
                TExpr::new(
                    K::IfExp(Box::new(lt), Box::new(neg), Box::new(recv)),
                    ty,
                    line,
                )
            }
            (Dunder::PowerOfTwo, _) if ty.is_int() => {
                // `n > 0 and n & (n - 1) == 0`
                let mut st = Vec::new();
                let n = self.spill_to(recv, &mut st);
                let zero = self.cast(TExpr::new(K::Int(0), Ty::INT, line), ty.clone());
                let one = self.cast(TExpr::new(K::Int(1), Ty::INT, line), ty.clone());
                let pos = self.compare(CmpOp::Gt, n.clone(), zero.clone(), span);
                let m1 = self.binary_typed(BinOp::Sub, n.clone(), one, span);
                let and = self.binary_typed(BinOp::BitAnd, n, m1, span);
                let none = self.compare(CmpOp::Eq, and, zero, span);
                let both = TExpr::new(K::And(Box::new(pos), Box::new(none)), Ty::Bool, line);
                TExpr::new(K::Seq(st, Box::new(both)), Ty::Bool, line)
            }
            (Dunder::Rounding(_), _) if ty.is_int() => recv,
            (Dunder::Rounding(f), _) if matches!(&ty, Ty::Vector(e, _) if e.is_float()) => {
                TExpr::new(
                    K::Call(
                        crate::tir::Callee::Intrinsic(f),
                        vec![crate::tir::TArg::Value(recv)],
                    ),
                    ty,
                    line,
                )
            }
            // Integers and booleans are their own floor, ceiling and truncation.
            (Dunder::Rounding(_), _)
                if ty == Ty::Bool
                    || matches!(&ty, Ty::Vector(e, _) if e.is_int() || **e == Ty::Bool) =>
            {
                recv
            }
            (Dunder::Rounding(f), _) if ty.is_float() => TExpr::new(
                K::Call(
                    crate::tir::Callee::Intrinsic(f),
                    vec![crate::tir::TArg::Value(recv)],
                ),
                ty,
                line,
            ),
            _ => {
                let msg = format!("`{}` has no method `{name}`", self.ty_name(&ty));
                self.error(mj_syntax::Diag::error(super::E_NO_MEMBER, msg, span));
                self.unknown(line)
            }
        })
    }

    /// `Int.__add__(1, 2)`: an operator method called on a built-in type name, the first
    /// argument being `self`.
    pub(crate) fn builtin_static_dunder(
        &mut self,
        ty: &Ty,
        name: &str,
        args: &[Arg],
        span: Span,
    ) -> Option<TExpr> {
        dunder(name)?;
        if !builtin_value(ty) || args.is_empty() {
            return None;
        }
        let recv = self.expr(&args[0].value, Some(ty));
        let recv = self.coerce(recv, ty, args[0].value.span);
        self.builtin_dunder_call(recv, name, &args[1..], span).ok()
    }
}
