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
