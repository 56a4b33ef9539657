//! The abstract syntax tree produced by the parser.
//!
//! Every node carries a byte span into its source file. Parsing never fails: where the
//! parser could not make sense of the input it leaves an `Error` node (statement or
//! expression) and records a diagnostic, so later phases still see every well-formed item.
//! Types are written as ordinary expressions (`List[Int]`, `SIMD[DType.float32, 4]`,
//! `def(Int) -> Int`, `A & B`); the checker interprets them.

use crate::Span;

#[derive(Clone, Debug, PartialEq)]
pub struct Module {
    pub docstring: Option<String>,
    pub body: Vec<Stmt>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum StmtKind {
    /// An expression evaluated for its effect (a call, a docstring, `...`).
    Expr(Expr),
    /// `var x: T = e`, `var x = e`, `var x: T`; `ref x = e` (`is_ref`) binds a name
    /// to the place `e` (a reference local: reads and writes go to that place).
    Var {
        name: Ident,
        ty: Option<Expr>,
        value: Option<Expr>,
        is_ref: bool,
    },
    /// `target = value`; chained `a = b = 1` produces two targets. Tuple targets
    /// (`a, b = b, a`) are an `ExprKind::Tuple` target.
    Assign {
        targets: Vec<Expr>,
        value: Expr,
    },
    /// `x: T = e` (an annotated implicit declaration).
    AnnAssign {
        target: Ident,
        ty: Expr,
        value: Option<Expr>,
    },
    /// `target op= value`.
    AugAssign {
        target: Expr,
        op: BinOp,
        value: Expr,
    },
    /// `comptime N = 16`, `comptime N: Int = 16`, and the legacy `alias N = 16`.
    /// `comptime AddOne[a: Int]: Int = a + 1` and `comptime Pair[dt: DType] = SIMD[dt, 2]`
    /// carry `params` (a parametric `comptime` value or type alias).
    Comptime {
        name: Ident,
        params: Vec<GenericParam>,
        ty: Option<Expr>,
        value: Expr,
    },
    /// `comptime assert cond, "msg"` (and `assert cond, msg` when `comptime` is false).
    Assert {
        cond: Expr,
        msg: Option<Expr>,
        comptime: bool,
    },
    /// `if`/`elif`/`else`. `comptime if` (or `@parameter if`) sets `comptime`.
    If {
        branches: Vec<(Expr, Vec<Stmt>)>,
        else_body: Option<Vec<Stmt>>,
        comptime: bool,
    },
    While {
        cond: Expr,
        body: Vec<Stmt>,
        else_body: Option<Vec<Stmt>>,
    },
    /// `for target in iter:`; `target` is a name or a tuple of names.
    For {
        target: Expr,
        iter: Expr,
        body: Vec<Stmt>,
        else_body: Option<Vec<Stmt>>,
        comptime: bool,
    },
    Break,
    Continue,
    Pass,
    Return(Option<Expr>),
    /// `raise e` / bare `raise` (re-raise inside `except`).
    Raise(Option<Expr>),
    Try {
        body: Vec<Stmt>,
        handlers: Vec<ExceptHandler>,
        else_body: Option<Vec<Stmt>>,
        finally_body: Option<Vec<Stmt>>,
    },
    Match {
        subject: Expr,
        arms: Vec<MatchArm>,
    },
    /// `with ctx [as name], ...:` (`std.testing.assert_raises`, or any value with
    /// `__enter__` and `__exit__`: `mj_sema`'s `check/with_stmt.rs`).
    With {
        items: Vec<(Expr, Option<Ident>)>,
        body: Vec<Stmt>,
    },
    Def(FnDef),
    Struct(StructDef),
    Trait(TraitDef),
    /// `import a.b` / `import a.b as c`.
    Import {
        path: Vec<Ident>,
        alias: Option<Ident>,
    },
    /// `from a.b import c as d, e` / `from . import x` (leading dots in `level`) /
    /// `from a import *` (`names` empty, `star` true).
    FromImport {
        level: u32,
        module: Vec<Ident>,
        names: Vec<(Ident, Option<Ident>)>,
        star: bool,
    },
    /// A statement the parser could not understand; the diagnostic is already recorded.
    Error,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ExceptHandler {
    /// `except Error as e` -> ty = Some(Error), name = Some(e); `except e:` (Mojo) ->
    /// ty = None, name = Some(e); bare `except:` -> both None.
    pub ty: Option<Expr>,
    pub name: Option<Ident>,
    pub body: Vec<Stmt>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct MatchArm {
    /// `case 1 | 2:` is `BinOp::BitOr`; `case _:` is `Name("_")`.
    pub pattern: Expr,
    pub guard: Option<Expr>,
    pub body: Vec<Stmt>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Decorator {
    /// `@staticmethod` -> Name; `@register_passable("trivial")` -> Call.
    pub expr: Expr,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DefKeyword {
    Def,
    /// The deprecated `fn` spelling.
    Fn,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FnDef {
    pub decorators: Vec<Decorator>,
    pub keyword: DefKeyword,
    pub name: Ident,
    /// Compile-time parameters in `[...]`.
    pub params: Vec<GenericParam>,
    /// Run-time arguments in `(...)`.
    pub args: Vec<Param>,
    pub raises: bool,
    /// `raises T`: the typed error the function raises (`None`: `Error`, or no `raises`).
    pub raises_ty: Option<Expr>,
    pub ret: Option<Expr>,
    /// `where cond` after the result type: the function exists only for the compile-time
    /// arguments that make `cond` true.
    pub where_clause: Option<Expr>,
    /// `-> ref[origin] T`: the function returns a reference to a place (the origin
    /// list is accepted and not kept).
    pub ret_ref: bool,
    /// The capture list of a closure (`def f(x: Int) {imm a, mut b} -> Int`); `None`
    /// when the header has none.
    pub captures: Option<Vec<Capture>>,
    /// Run-time arguments of a function type, made compile-time parameters of the same
    /// name by `desugar.rs`: a call passes them in `[...]`.
    pub fn_value_args: Vec<FnValueArg>,
    pub docstring: Option<String>,
    /// Empty only for an error-recovered header; a required trait method has `...`.
    pub body: Vec<Stmt>,
    pub span: Span,
}

/// A run-time argument of a function type (`greet: G`, `G: def(String) -> None`), now the
/// compile-time parameter `greet`.
#[derive(Clone, Debug, PartialEq)]
pub struct FnValueArg {
    pub name: String,
    /// Its index among the positional arguments of a call (`None`: keyword only).
    pub position: Option<usize>,
}

/// How a closure captures an outer value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaptureKind {
    /// `imm x` (also a bare `x`): an immutable reference.
    Imm,
    /// `mut x`: a mutable reference.
    Mut,
    /// `ref x`: a reference with the origin's own mutability.
    Ref,
    /// `var x`: a copy made where the closure is defined.
    Var,
    /// `var x^`: the value moved into the closure.
    VarMove,
}

/// One entry of a capture list: a convention for `name`, or for every used outer value
/// when `name` is `None` (`{mut}`).
#[derive(Clone, Debug, PartialEq)]
pub struct Capture {
    pub kind: CaptureKind,
    pub name: Option<Ident>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct GenericParam {
    pub name: Ident,
    /// `T: Copyable & Movable` -> the bound expression; `n: Int` -> `Int`.
    pub ty: Option<Expr>,
    pub default: Option<Expr>,
    /// How the parameter may be passed, from the `//`, `/` and `*` markers around it.
    pub mode: ParamMode,
    /// `*Ts: Writable`: a variadic parameter (a pack of types, one per argument).
    pub variadic: bool,
    pub span: Span,
}

/// How a compile-time parameter may be given at a use site (`[a, b, //, c, /, d, *, e]`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ParamMode {
    /// By position or by keyword.
    #[default]
    Normal,
    /// Before `//`: inferred from the other parameters or arguments (or given by keyword);
    /// positional arguments skip it.
    InferOnly,
    /// Before `/`: by position only.
    PosOnly,
    /// After `*`: by keyword only.
    KwOnly,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Convention {
    /// No keyword written (`read` semantics).
    Default,
    Read,
    Mut,
    Var,
    Out,
    Deinit,
    /// Older Mojo spellings, accepted: `owned` = var, `inout` = mut, `borrowed` = read.
    Owned,
    Inout,
    Borrowed,
    Ref,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ParamKind {
    Normal,
    /// `*args`
    VarArgs,
    /// `**kwargs`
    KwArgs,
    /// A bare `/` or `*` separator in the argument list; `name` is `/` or `*`.
    Separator,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    pub convention: Convention,
    pub kind: ParamKind,
    pub name: Ident,
    /// `None` for `self` and for separators.
    pub ty: Option<Expr>,
    pub default: Option<Expr>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct StructDef {
    pub decorators: Vec<Decorator>,
    pub name: Ident,
    pub params: Vec<GenericParam>,
    /// The conformance list `(Copyable, Writable)`.
    pub traits: Vec<Expr>,
    /// For each entry of `traits`, its condition (`Writable where conforms_to(T, Writable)`):
    /// the struct conforms only for the compile-time arguments that make it true.
    pub trait_where: Vec<Option<Expr>>,
    pub docstring: Option<String>,
    /// Fields are `Var` statements, methods `Def`, plus `Comptime` and `Pass`.
    pub body: Vec<Stmt>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TraitDef {
    pub decorators: Vec<Decorator>,
    pub name: Ident,
    pub parents: Vec<Expr>,
    pub docstring: Option<String>,
    pub body: Vec<Stmt>,
    pub span: Span,
}

/// A further `for target in iter if cond` clause of a comprehension.
#[derive(Clone, Debug, PartialEq)]
pub struct CompFor {
    pub target: Expr,
    pub iter: Expr,
    pub cond: Option<Expr>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// The literal's value; literals too large for u128 are an error with value 0.
    Int(u128),
    Float(f64),
    Str(String),
    FString(Vec<FStringPart>),
    Bool(bool),
    None,
    /// `...`
    Ellipsis,
    Name(String),
    Attr {
        base: Box<Expr>,
        name: Ident,
    },
    Call {
        func: Box<Expr>,
        args: Vec<Arg>,
    },
    /// `base[args]`: indexing, slicing (`ExprKind::Slice` args), type application
    /// (`List[Int]`) and parameter binding (`f[width=4]`).
    Index {
        base: Box<Expr>,
        args: Vec<Arg>,
    },
    /// `lo:hi:step` inside brackets; each part optional.
    Slice {
        lo: Option<Box<Expr>>,
        hi: Option<Box<Expr>>,
        step: Option<Box<Expr>>,
    },
    Unary {
        op: UnOp,
        expr: Box<Expr>,
    },
    Binary {
        op: BinOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// `a < b <= c` -> first = a, rest = [(Lt, b), (Le, c)].
    Compare {
        first: Box<Expr>,
        rest: Vec<(CmpOp, Expr)>,
    },
    /// `then if cond else otherwise`
    IfExp {
        cond: Box<Expr>,
        then: Box<Expr>,
        otherwise: Box<Expr>,
    },
    List(Vec<Expr>),
    /// A parenthesized tuple `(a, b)`, `(a,)`, `()`, or a bare `a, b` where allowed.
    Tuple(Vec<Expr>),
    Dict(Vec<(Expr, Expr)>),
    Set(Vec<Expr>),
    /// `[elt for target in iter if cond]`; `more` holds further `for` clauses, each
    /// nested in the one before (`[x * y for x in a for y in b if y > x]`).
    ListComp {
        elt: Box<Expr>,
        target: Box<Expr>,
        iter: Box<Expr>,
        cond: Option<Box<Expr>>,
        more: Vec<CompFor>,
    },
    /// `{key: value for target in iter if cond ...}`: builds a `Dict`.
    DictComp {
        key: Box<Expr>,
        value: Box<Expr>,
        target: Box<Expr>,
        iter: Box<Expr>,
        cond: Option<Box<Expr>>,
        more: Vec<CompFor>,
    },
    /// `{elt for target in iter if cond ...}`: builds a `Set`.
    SetComp {
        elt: Box<Expr>,
        target: Box<Expr>,
        iter: Box<Expr>,
        cond: Option<Box<Expr>>,
        more: Vec<CompFor>,
    },
    /// `x^`: the transfer (move) sigil.
    Transfer(Box<Expr>),
    /// A function type `def(Int, Float64) raises -> Int` (also `fn(...)`).
    FnType {
        params: Vec<Expr>,
        ret: Option<Box<Expr>>,
        raises: bool,
    },
    /// `lambda x: e` (optional in the language; parsed so it can be diagnosed).
    Lambda {
        params: Vec<Ident>,
        body: Box<Expr>,
    },
    /// `{count = 4, fill = 0}`: Mojo's initializer list, a call of the constructor of
    /// the type the context expects with these (keyword) arguments.
    InitList(Vec<Arg>),
    /// An expression the parser could not understand; the diagnostic is recorded.
    Error,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Arg {
    /// `name=value` keyword argument (or keyword parameter in `[...]`).
    pub name: Option<Ident>,
    pub value: Expr,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum FStringPart {
    Lit(String),
    /// `{expr}`, `{expr:spec}`, `{expr!r}`; `spec` is the raw text after the colon.
    Expr {
        expr: Expr,
        conversion: Option<char>,
        spec: Option<String>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnOp {
    Neg,
    Pos,
    Not,
    /// `~`
    Invert,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    /// `/`
    Div,
    /// `//`
    FloorDiv,
    Mod,
    Pow,
    /// `@`
    MatMul,
    BitAnd,
    BitOr,
    BitXor,
    Shl,
    Shr,
    And,
    Or,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    NotIn,
    Is,
    IsNot,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::FloorDiv => "//",
            BinOp::Mod => "%",
            BinOp::Pow => "**",
            BinOp::MatMul => "@",
            BinOp::BitAnd => "&",
            BinOp::BitOr => "|",
            BinOp::BitXor => "^",
            BinOp::Shl => "<<",
            BinOp::Shr => ">>",
            BinOp::And => "and",
            BinOp::Or => "or",
        }
    }

    /// The Python/Mojo dunder implementing this operator (`__add__`), if overloadable.
    pub fn dunder(self) -> Option<&'static str> {
        Some(match self {
            BinOp::Add => "__add__",
            BinOp::Sub => "__sub__",
            BinOp::Mul => "__mul__",
            BinOp::Div => "__truediv__",
            BinOp::FloorDiv => "__floordiv__",
            BinOp::Mod => "__mod__",
            BinOp::Pow => "__pow__",
            BinOp::MatMul => "__matmul__",
            BinOp::BitAnd => "__and__",
            BinOp::BitOr => "__or__",
            BinOp::BitXor => "__xor__",
            BinOp::Shl => "__lshift__",
            BinOp::Shr => "__rshift__",
            BinOp::And | BinOp::Or => return None,
        })
    }
}

impl CmpOp {
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
            CmpOp::In => "in",
            CmpOp::NotIn => "not in",
            CmpOp::Is => "is",
            CmpOp::IsNot => "is not",
        }
    }

    pub fn dunder(self) -> Option<&'static str> {
        Some(match self {
            CmpOp::Eq => "__eq__",
            CmpOp::Ne => "__ne__",
            CmpOp::Lt => "__lt__",
            CmpOp::Le => "__le__",
            CmpOp::Gt => "__gt__",
            CmpOp::Ge => "__ge__",
            CmpOp::In | CmpOp::NotIn => "__contains__",
            CmpOp::Is | CmpOp::IsNot => return None,
        })
    }
}
