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

#[derive(Clone, Debug, PartialEq)]
pub struct TProgram {
    /// Mangled struct names and fields; `Ty::Struct(i)` indexes this.
    pub structs: Vec<TStruct>,
    pub functions: Vec<TFunction>,
    pub entry: Option<FnId>,
    /// The target the program was checked for (its `std.sys` queries are folded for it);
    /// lowering and code generation compile for the same one.
    pub target: mj_target::Target,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TStruct {
    pub name: String,
    pub fields: Vec<(String, Ty)>,
    /// The destructor `__del__(deinit self)`, if the struct has one (see `check/ownership.rs`).
    pub del: Option<FnId>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct TFunction {
    pub name: String,
    /// A generic template: it is not code itself (its instances are); lowering emits an
    /// empty body for it.
    pub template: bool,
    pub file: String,
    /// Parameters are the first locals, in order.
    pub params: Vec<LocalId>,
    pub ret: Ty,
    pub raises: bool,
    /// The typed error of a `raises T` function (`None`: `Error`). Such a function's
    /// error slot holds a heap box `(String, T)`: the error's message, then the value
    /// (see `mj_lower`'s `typed_errors.rs`).
    pub raises_ty: Option<Ty>,
    pub export: bool,
    /// `@always_inline` (`Some(true)`) or `@no_inline` (`Some(false)`).
    pub inline: Option<bool>,
    pub locals: Vec<TLocal>,
    pub body: Vec<TStmt>,
    /// Closures defined in this body, as functions of their own (`Callee::Closure(i)` is
    /// `lifted[i]`); the assembler appends them to the program.
    pub lifted: Vec<TFunction>,
    /// Facts the lowering needs to destroy values (see `check/ownership.rs`).
    pub drops: TDrops,
    /// The type of each expression the body checked, by its span (the checker's spans:
    /// item positions in the editor's database), closures' bodies included: the editor's
    /// hover on any expression. Lowering ignores it; `db::check` drops it.
    pub expr_types: Vec<(mj_syntax::Span, Ty)>,
}

/// Ownership facts of one function for the lowering. Which locals are destroyed where is
/// in the body itself (`TStmt::Scope`, `TStmt::Drop`, `TExprKind::Move`).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct TDrops {
    /// `out` parameters: their storage starts uninitialized, so a store into them (or into
    /// their fields) destroys no previous value.
    pub out_params: Vec<LocalId>,
    /// A `deinit` parameter (`__del__`'s `self`, a move constructor's source): when the
    /// function ends its fields are destroyed, except the listed ones, which were moved out;
    /// its own `__del__` never runs.
    pub deinit: Option<(LocalId, Vec<u32>)>,
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
    /// Store into a place expression (`Local`, `Field`, `Deref`).
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
    /// A block that owns `locals` (in declaration order): each one still alive when control
    /// leaves `body` (falling off its end, `break`, `continue`, `return`, or an error) is
    /// destroyed, in reverse order. Only locals whose type has a destructor are listed.
    Scope {
        locals: Vec<LocalId>,
        body: Vec<TStmt>,
    },
    /// Destroys a local now if it holds a live value (a temporary at the end of its statement).
    Drop(LocalId),
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
    /// An instance of a generic function: the template and its compile-time arguments.
    /// The assembler replaces it by `Fn` of the instance (see `check/mono.rs`).
    Inst(FnId, crate::ty::Targs),
    /// A closure lifted out of the calling function: its index in `TFunction::lifted`.
    Closure(u32),
    /// A call through a function value (`Ty::Func`): the first argument is the address;
    /// the flag says the function raises (it then takes the error slot).
    Indirect(bool),
    /// A C function by its symbol (`external_call`), with the MIR-level signature derived
    /// from the argument types and the result type.
    Extern(String),
    /// A runtime operation; the lowering maps it to its symbol.
    Runtime(crate::rt::Rt),
    /// A math operation the back end implements (as an LLVM intrinsic on the CPU), typed
    /// by its arguments: scalar or SIMD.
    Intrinsic(Intrinsic),
    /// `llvm_intrinsic[name, T](...)`: a back-end intrinsic named by the program (the
    /// frontend only carries the name).
    Llvm(String),
    /// `inlined_assembly[text, T, constraints=...](...)`: the target's assembly, as text
    /// the frontend only carries.
    Asm(Box<AsmText>),
}

/// The text of an inline-assembly call (`Callee::Asm`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AsmText {
    /// The instructions, with `$0`, `$1`, ... for the operands.
    pub text: String,
    /// The operand constraints (`=r,r,r`), outputs first.
    pub constraints: String,
    /// Whether it has effects beyond its result (it is then never removed or moved).
    pub side_effect: bool,
}

/// The math operations a call can name directly (`Callee::Intrinsic`, or `Callee::Libm`
/// for the math library's `Float64` version). The frontend only names the operation; the
/// lowering maps it to the back end's symbol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Intrinsic {
    Pow,
    Floor,
    Ceil,
    Trunc,
    /// Round half away from zero.
    Round,
    /// Round half to even (Python's and Mojo's `round`).
    RoundEven,
    /// Float absolute value.
    Fabs,
    /// Fused multiply-add `a * b + c`.
    Fma,
    /// Float maximum/minimum ignoring NaN (IEEE maxNum/minNum).
    MaxNum,
    MinNum,
    SMax,
    SMin,
    UMax,
    UMin,
    /// Integer absolute value; the second argument says whether `MIN` is poison.
    Abs,
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
    /// The place a pointer points to (`d[k]` storage returned by the runtime).
    Deref(Box<TExpr>),
    Call(Callee, Vec<TArg>),
    /// Construct a struct through its `__init__(out self, ...)` function.
    Construct(FnId, Vec<TArg>),
    /// `Construct` through an instance of a generic `__init__` (replaced by `Construct` of
    /// the instance before lowering).
    ConstructInst(FnId, crate::ty::Targs, Vec<TArg>),
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
    /// The address of a function, as a C-ABI callback (`Ptr(Unit)`); `Callee`-like, so a
    /// closure index is rewritten to the program's function by the assembler.
    FnAddr(Callee),
    /// `x^`: the value of a local, whose lifetime ends here (it is no longer destroyed at
    /// the end of its scope).
    Move(LocalId),
    /// A SIMD or raw-memory operation on its operands (see [`Prim`]).
    Prim(Prim, Vec<TExpr>),
}

/// Machine-level operations of `SIMD`, `UnsafePointer` and `InlineArray`
/// (`check/builtins/simd.rs`, `memory.rs`). Each maps to one MIR rvalue or statement, so
/// vector code reaches LLVM without calls or checks.
#[derive(Clone, Debug, PartialEq)]
pub enum Prim {
    /// `[ptr, n]`: the address `n` elements after `ptr` (a `RawPtr`).
    PtrOffset,
    /// `[ptr]`: a value of the expression's type read from `ptr`, aligned only as the
    /// pointee (so `p.load[width=8](i)` may be unaligned).
    Load,
    /// `[ptr, value]`: stores `value` at `ptr`, aligned as the pointee; the result is `None`.
    Store,
    /// `[vector, index]`: one lane.
    Extract,
    /// `[vector, index, value]`: the vector with one lane replaced.
    Insert,
    /// `[a, b]`: lanes of `a` then `b` picked by constant indices (`shufflevector`).
    Shuffle(Vec<u32>),
    /// `[mask, a, b]`: lane-wise `mask ? a : b`.
    Select,
    /// `[vector]`: all lanes combined into one scalar.
    Reduce(ReduceOp),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReduceOp {
    Add,
    Mul,
    Min,
    Max,
    And,
    Or,
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
    let mut found = f.locals.iter().any(|l| l.ty == Ty::Unknown);
    walk(&f.body, &mut |_| {}, &mut |e| {
        found |=
            e.ty == Ty::Unknown || matches!(&e.kind, TExprKind::SizeOf(t) if *t == Ty::Unknown);
    });
    found
}

/// Visits every statement and expression of a body, nested ones included (the statements
/// inside `Seq` expressions too), parents before children.
pub fn walk<'a>(
    stmts: &'a [TStmt],
    on_stmt: &mut dyn FnMut(&'a TStmt),
    on_expr: &mut dyn FnMut(&'a TExpr),
) {
    for s in stmts {
        on_stmt(s);
        let mut ex = |e: &'a TExpr| walk_expr(e, on_stmt, on_expr);
        match s {
            TStmt::Expr(e) | TStmt::Raise(e) => ex(e),
            TStmt::Assign(a, b) => {
                ex(a);
                ex(b);
            }
            TStmt::If(c, a, b) => {
                ex(c);
                walk(a, on_stmt, on_expr);
                walk(b, on_stmt, on_expr);
            }
            TStmt::While {
                cond,
                body,
                else_body,
            } => {
                ex(cond);
                walk(body, on_stmt, on_expr);
                walk(else_body, on_stmt, on_expr);
            }
            TStmt::Return(e) => {
                if let Some(e) = e {
                    ex(e);
                }
            }
            TStmt::Try {
                body,
                handler,
                else_body,
                finally_body,
            } => {
                walk(body, on_stmt, on_expr);
                if let Some((_, h)) = handler {
                    walk(h, on_stmt, on_expr);
                }
                walk(else_body, on_stmt, on_expr);
                walk(finally_body, on_stmt, on_expr);
            }
            TStmt::Block(b) | TStmt::Scope { body: b, .. } => walk(b, on_stmt, on_expr),
            TStmt::Break | TStmt::Continue | TStmt::Abort(..) | TStmt::Drop(_) => {}
        }
    }
}

fn walk_expr<'a>(
    e: &'a TExpr,
    on_stmt: &mut dyn FnMut(&'a TStmt),
    on_expr: &mut dyn FnMut(&'a TExpr),
) {
    on_expr(e);
    let mut ex = |e: &'a TExpr| walk_expr(e, on_stmt, on_expr);
    match &e.kind {
        TExprKind::Field(b, _)
        | TExprKind::Deref(b)
        | TExprKind::Unary(_, b)
        | TExprKind::Cast(b)
        | TExprKind::Len(b)
        | TExprKind::AddrOf(b) => ex(b),
        TExprKind::Binary(_, a, b)
        | TExprKind::Cmp(_, a, b)
        | TExprKind::And(a, b)
        | TExprKind::Or(a, b) => {
            ex(a);
            ex(b);
        }
        TExprKind::IfExp(c, a, b) => {
            ex(c);
            ex(a);
            ex(b);
        }
        TExprKind::Call(_, args)
        | TExprKind::Construct(_, args)
        | TExprKind::ConstructInst(_, _, args) => {
            for a in args {
                match a {
                    TArg::Value(v) | TArg::Ref(v) => ex(v),
                }
            }
        }
        TExprKind::Aggregate(vs) | TExprKind::Prim(_, vs) => vs.iter().for_each(ex),
        TExprKind::Seq(ss, v) => {
            walk(ss, on_stmt, on_expr);
            walk_expr(v, on_stmt, on_expr);
        }
        TExprKind::Int(_)
        | TExprKind::Float(_)
        | TExprKind::Bool(_)
        | TExprKind::Str(_)
        | TExprKind::Unit
        | TExprKind::Local(_)
        | TExprKind::SizeOf(_)
        | TExprKind::Move(_)
        | TExprKind::Null
        | TExprKind::FnAddr(_) => {}
    }
}

/// Visits every expression of a body, children before parents: `rewrite`'s order,
/// without changing anything.
pub fn walk_post<'a>(stmts: &'a [TStmt], f: &mut dyn FnMut(&'a TExpr)) {
    for s in stmts {
        match s {
            TStmt::Expr(e) | TStmt::Raise(e) => walk_post_expr(e, f),
            TStmt::Assign(a, b) => {
                walk_post_expr(a, f);
                walk_post_expr(b, f);
            }
            TStmt::If(c, a, b) => {
                walk_post_expr(c, f);
                walk_post(a, f);
                walk_post(b, f);
            }
            TStmt::While {
                cond,
                body,
                else_body,
            } => {
                walk_post_expr(cond, f);
                walk_post(body, f);
                walk_post(else_body, f);
            }
            TStmt::Return(e) => {
                if let Some(e) = e {
                    walk_post_expr(e, f);
                }
            }
            TStmt::Try {
                body,
                handler,
                else_body,
                finally_body,
            } => {
                walk_post(body, f);
                if let Some((_, h)) = handler {
                    walk_post(h, f);
                }
                walk_post(else_body, f);
                walk_post(finally_body, f);
            }
            TStmt::Block(b) | TStmt::Scope { body: b, .. } => walk_post(b, f),
            TStmt::Break | TStmt::Continue | TStmt::Abort(..) | TStmt::Drop(_) => {}
        }
    }
}

fn walk_post_expr<'a>(e: &'a TExpr, f: &mut dyn FnMut(&'a TExpr)) {
    match &e.kind {
        TExprKind::Field(b, _)
        | TExprKind::Deref(b)
        | TExprKind::Unary(_, b)
        | TExprKind::Cast(b)
        | TExprKind::Len(b)
        | TExprKind::AddrOf(b) => walk_post_expr(b, f),
        TExprKind::Binary(_, a, b)
        | TExprKind::Cmp(_, a, b)
        | TExprKind::And(a, b)
        | TExprKind::Or(a, b) => {
            walk_post_expr(a, f);
            walk_post_expr(b, f);
        }
        TExprKind::IfExp(c, a, b) => {
            walk_post_expr(c, f);
            walk_post_expr(a, f);
            walk_post_expr(b, f);
        }
        TExprKind::Call(_, args)
        | TExprKind::Construct(_, args)
        | TExprKind::ConstructInst(_, _, args) => {
            for a in args {
                match a {
                    TArg::Value(v) | TArg::Ref(v) => walk_post_expr(v, f),
                }
            }
        }
        TExprKind::Aggregate(vs) | TExprKind::Prim(_, vs) => {
            vs.iter().for_each(|v| walk_post_expr(v, f))
        }
        TExprKind::Seq(ss, v) => {
            walk_post(ss, f);
            walk_post_expr(v, f);
        }
        _ => {}
    }
    f(e);
}

/// Rewrites every expression of a body in place, children before parents.
pub fn rewrite(stmts: &mut [TStmt], f: &mut dyn FnMut(&mut TExpr)) {
    rewrite_with(stmts, f, &mut |_| {});
}

/// Every line number of a function (its expressions' and its aborts', its closures'
/// too) passed through `g`.
pub fn map_lines(func: &mut TFunction, g: &mut dyn FnMut(u32) -> u32) {
    let g = std::cell::RefCell::new(g);
    rewrite_with(
        &mut func.body,
        &mut |e| e.line = (g.borrow_mut())(e.line),
        &mut |line| *line = (g.borrow_mut())(*line),
    );
    for f in &mut func.lifted {
        map_lines(f, *g.borrow_mut());
    }
}

/// `rewrite`, with `abort` called on the line of every `Abort` statement.
fn rewrite_with(
    stmts: &mut [TStmt],
    f: &mut dyn FnMut(&mut TExpr),
    abort: &mut dyn FnMut(&mut u32),
) {
    for s in stmts {
        match s {
            TStmt::Expr(e) | TStmt::Raise(e) => rewrite_expr(e, f, abort),
            TStmt::Assign(a, b) => {
                rewrite_expr(a, f, abort);
                rewrite_expr(b, f, abort);
            }
            TStmt::If(c, a, b) => {
                rewrite_expr(c, f, abort);
                rewrite_with(a, f, abort);
                rewrite_with(b, f, abort);
            }
            TStmt::While {
                cond,
                body,
                else_body,
            } => {
                rewrite_expr(cond, f, abort);
                rewrite_with(body, f, abort);
                rewrite_with(else_body, f, abort);
            }
            TStmt::Return(e) => {
                if let Some(e) = e {
                    rewrite_expr(e, f, abort);
                }
            }
            TStmt::Try {
                body,
                handler,
                else_body,
                finally_body,
            } => {
                rewrite_with(body, f, abort);
                if let Some((_, h)) = handler {
                    rewrite_with(h, f, abort);
                }
                rewrite_with(else_body, f, abort);
                rewrite_with(finally_body, f, abort);
            }
            TStmt::Block(b) | TStmt::Scope { body: b, .. } => rewrite_with(b, f, abort),
            TStmt::Abort(line, _) => abort(line),
            TStmt::Break | TStmt::Continue | TStmt::Drop(_) => {}
        }
    }
}

fn rewrite_expr(e: &mut TExpr, f: &mut dyn FnMut(&mut TExpr), abort: &mut dyn FnMut(&mut u32)) {
    match &mut e.kind {
        TExprKind::Field(b, _)
        | TExprKind::Deref(b)
        | TExprKind::Unary(_, b)
        | TExprKind::Cast(b)
        | TExprKind::Len(b)
        | TExprKind::AddrOf(b) => rewrite_expr(b, f, abort),
        TExprKind::Binary(_, a, b)
        | TExprKind::Cmp(_, a, b)
        | TExprKind::And(a, b)
        | TExprKind::Or(a, b) => {
            rewrite_expr(a, f, abort);
            rewrite_expr(b, f, abort);
        }
        TExprKind::IfExp(c, a, b) => {
            rewrite_expr(c, f, abort);
            rewrite_expr(a, f, abort);
            rewrite_expr(b, f, abort);
        }
        TExprKind::Call(_, args)
        | TExprKind::Construct(_, args)
        | TExprKind::ConstructInst(_, _, args) => {
            for a in args {
                match a {
                    TArg::Value(v) | TArg::Ref(v) => rewrite_expr(v, f, abort),
                }
            }
        }
        TExprKind::Aggregate(vs) | TExprKind::Prim(_, vs) => {
            vs.iter_mut().for_each(|v| rewrite_expr(v, f, abort))
        }
        TExprKind::Seq(ss, v) => {
            rewrite_with(ss, f, abort);
            rewrite_expr(v, f, abort);
        }
        _ => {}
    }
    f(e);
}
