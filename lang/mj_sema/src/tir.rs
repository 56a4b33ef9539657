//! The typed IR (TIR): the checker's output for code generation.
//!
//! Every name is resolved, every expression has its type, every call names its callee,
//! implicit conversions are explicit `Cast`s, and `for` loops over ranges, lists, strings
//! and dicts are already desugared into `while` loops. What is left for the lowering is
//! control flow, places, and error propagation.

use crate::ty::Ty;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FnId(pub u32);
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LocalId(pub u32);

#[derive(Clone, Debug, PartialEq, Default)]
pub struct TProgram {
    /// Mangled struct names and fields; `Ty::Struct(i)` indexes this.
    pub structs: Vec<TStruct>,
    pub functions: Vec<TFunction>,
    pub entry: Option<FnId>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TStruct {
    pub name: String,
    pub fields: Vec<(String, Ty)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TFunction {
    pub name: String,
    pub file: String,
    /// Parameters are the first locals, in order.
    pub params: Vec<LocalId>,
    pub ret: Ty,
    pub raises: bool,
    pub export: bool,
    pub locals: Vec<TLocal>,
    pub body: Vec<TStmt>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TLocal {
    pub name: String,
    pub ty: Ty,
    /// A `mut`/`out` parameter: the local holds the address of the caller's value.
    pub by_ref: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TStmt {
    Expr(TExpr),
    /// Store into a place expression (`Local`, `Field`, `ListElem`).
    Assign(TExpr, TExpr),
    If(TExpr, Vec<TStmt>, Vec<TStmt>),
    While {
        cond: TExpr,
        body: Vec<TStmt>,
        else_body: Vec<TStmt>,
    },
    Break,
    Continue,
    Return(Option<TExpr>),
    /// Raise an `Error` value (a message string).
    Raise(TExpr),
    Try {
        body: Vec<TStmt>,
        /// The local bound by `except e` (of type `Error`) and the handler body. With no
        /// handler, errors propagate after the `finally` body.
        handler: Option<(Option<LocalId>, Vec<TStmt>)>,
        else_body: Vec<TStmt>,
        finally_body: Vec<TStmt>,
    },
    /// Abort with a run-time error message at `line`.
    Abort(u32, String),
    Block(Vec<TStmt>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct TExpr {
    pub kind: TExprKind,
    pub ty: Ty,
    /// 1-based source line, for run-time error messages.
    pub line: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Callee {
    Fn(FnId),
    /// A runtime function (`mj_*`) or a C function, with the MIR-level signature derived
    /// from the argument types and the result type.
    Extern(String),
    /// An LLVM intrinsic base name (`llvm.sqrt`).
    Intrinsic(String),
}

#[derive(Clone, Debug, PartialEq)]
pub enum TArg {
    Value(TExpr),
    /// Pass the address of a place (for `mut` and `out` parameters).
    Ref(TExpr),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TBin {
    Add,
    Sub,
    Mul,
    /// Float division, or truncating integer division (used after a zero check).
    Div,
    /// Truncating remainder.
    Rem,
    /// Python `//` on integers (floor, checked for zero) and floats (floor of quotient).
    FloorDiv,
    /// Python `%` on integers (sign of the divisor, checked for zero) and floats.
    FloorMod,
    BitAnd,
    BitOr,
    BitXor,
    Shl,
    Shr,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TCmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TUn {
    Neg,
    /// Logical not (Bool) or bitwise invert (ints).
    Not,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TExprKind {
    Int(i128),
    Float(f64),
    Bool(bool),
    Str(String),
    /// The `None` value / no value.
    Unit,
    Local(LocalId),
    /// Field `n` of a struct, tuple or dict entry value.
    Field(Box<TExpr>, u32),
    /// `list[index]` after normalization: bounds-checked element place.
    ListElem(Box<TExpr>, Box<TExpr>),
    /// The place a pointer points to (`d[k]` storage returned by the runtime).
    Deref(Box<TExpr>),
    Call(Callee, Vec<TArg>),
    /// Construct a struct through its `__init__(out self, ...)` function.
    Construct(FnId, Vec<TArg>),
    /// A struct or tuple built from its fields, in order.
    Aggregate(Vec<TExpr>),
    Binary(TBin, Box<TExpr>, Box<TExpr>),
    Cmp(TCmp, Box<TExpr>, Box<TExpr>),
    Unary(TUn, Box<TExpr>),
    /// Numeric or bool conversion to `self.ty`.
    Cast(Box<TExpr>),
    And(Box<TExpr>, Box<TExpr>),
    Or(Box<TExpr>, Box<TExpr>),
    IfExp(Box<TExpr>, Box<TExpr>, Box<TExpr>),
    /// `len` of a String or List handle.
    Len(Box<TExpr>),
    /// The ABI size of a type, for runtime calls that copy element bytes.
    SizeOf(Ty),
    /// The address of a place, as a raw pointer (an `Int`-sized pointer value).
    AddrOf(Box<TExpr>),
    /// Run statements, then produce the value.
    Seq(Vec<TStmt>, Box<TExpr>),
    /// A null pointer of a handle type (used for absent optional runtime arguments).
    Null,
}

impl TExpr {
    pub fn new(kind: TExprKind, ty: Ty, line: u32) -> TExpr {
        TExpr { kind, ty, line }
    }
}

/// Whether any expression or local in a body still has the type `Unknown`. The checker
/// gives `Unknown` only to expressions it has reported an error for; this is the safety net
/// that turns a missed case into a diagnostic instead of an internal compiler error.
pub fn has_unknown(f: &TFunction) -> bool {
    f.locals.iter().any(|l| l.ty == Ty::Unknown) || f.body.iter().any(stmt_has_unknown)
}

fn stmt_has_unknown(s: &TStmt) -> bool {
    let block = |b: &[TStmt]| b.iter().any(stmt_has_unknown);
    match s {
        TStmt::Expr(e) | TStmt::Raise(e) => expr_has_unknown(e),
        TStmt::Assign(a, b) => expr_has_unknown(a) || expr_has_unknown(b),
        TStmt::If(c, a, b) => expr_has_unknown(c) || block(a) || block(b),
        TStmt::While {
            cond,
            body,
            else_body,
        } => expr_has_unknown(cond) || block(body) || block(else_body),
        TStmt::Return(e) => e.as_ref().is_some_and(expr_has_unknown),
        TStmt::Try {
            body,
            handler,
            else_body,
            finally_body,
        } => {
            block(body)
                || handler.as_ref().is_some_and(|(_, h)| block(h))
                || block(else_body)
                || block(finally_body)
        }
        TStmt::Block(b) => block(b),
        TStmt::Break | TStmt::Continue | TStmt::Abort(..) => false,
    }
}

fn expr_has_unknown(e: &TExpr) -> bool {
    if e.ty == Ty::Unknown {
        return true;
    }
    let arg = |a: &TArg| match a {
        TArg::Value(v) | TArg::Ref(v) => expr_has_unknown(v),
    };
    match &e.kind {
        TExprKind::Field(b, _)
        | TExprKind::Deref(b)
        | TExprKind::Unary(_, b)
        | TExprKind::Cast(b) => expr_has_unknown(b),
        TExprKind::Len(b) | TExprKind::AddrOf(b) => expr_has_unknown(b),
        TExprKind::ListElem(a, b)
        | TExprKind::Binary(_, a, b)
        | TExprKind::Cmp(_, a, b)
        | TExprKind::And(a, b)
        | TExprKind::Or(a, b) => expr_has_unknown(a) || expr_has_unknown(b),
        TExprKind::IfExp(c, a, b) => {
            expr_has_unknown(c) || expr_has_unknown(a) || expr_has_unknown(b)
        }
        TExprKind::Call(_, args) | TExprKind::Construct(_, args) => args.iter().any(arg),
        TExprKind::Aggregate(vs) => vs.iter().any(expr_has_unknown),
        TExprKind::Seq(ss, v) => ss.iter().any(stmt_has_unknown) || expr_has_unknown(v),
        TExprKind::SizeOf(t) => *t == Ty::Unknown,
        TExprKind::Int(_)
        | TExprKind::Float(_)
        | TExprKind::Bool(_)
        | TExprKind::Str(_)
        | TExprKind::Unit
        | TExprKind::Local(_)
        | TExprKind::Null => false,
    }
}
