//! MIR: the typed, monomorphic, control-flow-graph IR between the checker and LLVM.
//!
//! Everything here is explicit: every local has a concrete [`Ty`], every call names its
//! callee, run-time checks (bounds, division by zero) are already branches to `Abort`
//! terminators, and raising calls carry their error edge. The MIR knows nothing about the
//! source language's surface or about LLVM, so the same function can be compiled for any
//! target, and backend tests can be written as MIR without the parser.
//!
//! Conventions shared with the code generator and the runtime (`compiler/mj_runtime/ABI.md`):
//! - `Ty::Str` and `Ty::Ptr` are both one machine pointer.
//! - A function with `raises = true` takes one extra trailing parameter, a pointer to an
//!   error slot (a `Str` handle, initially null). To raise, it stores the error message
//!   into the slot and returns (any value). The caller tests the slot after the call.
//! - `Bool` is `i1` in registers and in memory.

pub mod passes;
mod print;
mod typing;

pub use print::{print_function, print_program};

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Ty {
    /// No value (`None`); functions returning nothing return `Unit` (LLVM `void`).
    Unit,
    Bool,
    /// Integers: `Int` is `Int { bits: 64, signed: true }`, `UInt` is 64 unsigned.
    Int {
        bits: u8,
        signed: bool,
    },
    /// 16, 32 or 64; `BFloat16` is [`BF16_BITS`].
    Float {
        bits: u8,
    },
    /// Immutable runtime string handle (pointer to `MjStr`).
    Str,
    /// An anonymous aggregate passed by value.
    Tuple(Vec<Ty>),
    /// A user struct passed by value; index into `Program::structs`.
    Struct(StructId),
    /// A raw pointer to a value of the given type (also used for `mut` arguments and
    /// element addresses), in an address space (0: generic; GPU numbering otherwise:
    /// 1 global, 3 shared, 4 constant, 5 local). CPU code generation treats every space
    /// as the default one; GPU targets keep it in the LLVM pointer type.
    Ptr(Box<Ty>, u8),
    /// `SIMD[dtype, width]` with width > 1: an LLVM vector.
    Vector(Box<Ty>, u32),
    /// `InlineArray[T, n]`: `n` values inline (an LLVM array), passed by value.
    Array(Box<Ty>, u32),
}

/// The width field of `BFloat16` (`Float { bits: BF16_BITS }`): 16 with the high bit set,
/// so it differs from IEEE half (`Float { bits: 16 }`).
pub const BF16_BITS: u8 = 0x80 | 16;

impl Ty {
    /// A pointer to `t` in the default address space.
    pub fn ptr(t: Ty) -> Ty {
        Ty::Ptr(Box::new(t), 0)
    }

    pub const INT: Ty = Ty::Int {
        bits: 64,
        signed: true,
    };
    pub const UINT: Ty = Ty::Int {
        bits: 64,
        signed: false,
    };
    pub const F64: Ty = Ty::Float { bits: 64 };
    pub const F32: Ty = Ty::Float { bits: 32 };
    pub const BF16: Ty = Ty::Float { bits: BF16_BITS };

    pub fn is_int(&self) -> bool {
        matches!(self, Ty::Int { .. })
    }
    pub fn is_float(&self) -> bool {
        matches!(self, Ty::Float { .. })
    }
    pub fn is_signed(&self) -> bool {
        matches!(self, Ty::Int { signed: true, .. })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StructId(pub u32);
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FuncId(pub u32);
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Local(pub u32);
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BlockId(pub u32);

#[derive(Clone, Debug, PartialEq)]
pub struct Program {
    pub structs: Vec<StructDef>,
    pub functions: Vec<Function>,
    /// The user's `main`, if this program is an executable. The code generator emits a C
    /// `main(argc, argv)` that calls `mj_rt_init(argc, argv)`, then this function, reports an
    /// escaped error with `mj_rt_unhandled(err)` (which exits 1), and returns `mj_rt_exit()`.
    pub entry: Option<FuncId>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct StructDef {
    /// Mangled name, unique in the program (e.g. `main.Point`).
    pub name: String,
    pub fields: Vec<(String, Ty)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Function {
    /// Mangled symbol name, unique in the program (e.g. `main.fib`, `main.Point.__init__`).
    /// An `@export` function keeps its source name.
    pub name: String,
    /// The first `params.len()` locals are the parameters, in order.
    pub params: Vec<Local>,
    pub ret: Ty,
    pub raises: bool,
    /// Every local's type; indexed by `Local`. Each local is a stack slot in codegen
    /// (an `alloca` promoted by mem2reg).
    pub locals: Vec<LocalDecl>,
    /// `blocks[0]` is the entry block.
    pub blocks: Vec<Block>,
    pub linkage: Linkage,
    /// `@always_inline` / `@no_inline` (LLVM's `alwaysinline` / `noinline`).
    pub inline: Inline,
    /// Source file path, for run-time error messages.
    pub file: String,
}

/// An inlining request from the source (`@always_inline`, `@no_inline`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Inline {
    /// LLVM decides.
    #[default]
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Linkage {
    /// Internal to the program.
    Internal,
    /// `@export`: external symbol with the C ABI.
    Export,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LocalDecl {
    pub ty: Ty,
    /// The source name, for the printer and debugging; temporaries have none.
    pub name: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    pub stmts: Vec<Stmt>,
    pub term: Terminator,
}

/// A memory location: a local followed by projections.
#[derive(Clone, Debug, PartialEq)]
pub struct Place {
    pub local: Local,
    pub proj: Vec<Proj>,
}

impl Place {
    pub fn local(local: Local) -> Place {
        Place {
            local,
            proj: Vec::new(),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Proj {
    /// Field `n` of a struct or tuple.
    Field(u32),
    /// Follow a `Ptr(T)`: the place becomes the pointee.
    Deref,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Operand {
    /// Read the value stored at the place.
    Copy(Place),
    Const(Const),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Const {
    /// An integer of the given `Ty::Int` (or `Ty::Bool` for 0/1); the bits are truncated.
    /// Of a `Ty::Vector` type: that value in every lane.
    Int(i128, Ty),
    /// A float of the given `Ty::Float` (or in every lane of a `Ty::Vector`).
    Float(f64, Ty),
    Bool(bool),
    /// A string literal: codegen emits a constant `MjStr` and yields its address.
    Str(String),
    /// The null pointer of a `Ptr`/`Str` type.
    Null(Ty),
    /// The address of a function (a C-ABI callback for the runtime), of type `Ptr(Unit)`.
    FnAddr(FuncId),
    Unit,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Stmt {
    Assign(Place, Rvalue),
    /// Call a function that does not raise; `dest` is `None` for `Unit` results.
    Call {
        dest: Option<Place>,
        callee: Callee,
        args: Vec<Operand>,
    },
    /// Store `value` through the pointer `ptr` (a `Ptr(T)`), aligned only as `T`: a vector
    /// stored into a buffer of its elements may be unaligned.
    Store {
        ptr: Operand,
        value: Operand,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub enum Rvalue {
    Use(Operand),
    /// Both operands have the same type (ints of the same width, floats, or bools for the
    /// bit ops). Integer `Div`/`Rem` are truncating (signed or unsigned by the type);
    /// the lowering builds Python's floor semantics and the zero check around them.
    Binary(BinOp, Operand, Operand),
    /// Comparisons yield `Bool`. Floats compare ordered (`Ne` is unordered-or-not-equal).
    Cmp(CmpOp, Operand, Operand),
    Unary(UnOp, Operand),
    /// Numeric conversion to the target type: int<->int (sign- or zero-extend by the
    /// source type, or truncate), int<->float, float<->float, Bool->int (zext),
    /// int->Bool (`!= 0`), pointer<->pointer (no-op), Ptr<->Int(64) (ptrtoint/inttoptr).
    Cast(Operand, Ty),
    /// Build a struct or tuple from its fields in order.
    Aggregate(Ty, Vec<Operand>),
    /// The address of a place, of type `Ptr(type of place)`.
    AddrOf(Place),
    /// `len` field of a `Str` handle (offset 0 of the runtime object), an `Int`.
    Len(Operand),
    /// Pointer arithmetic: `Ptr(T)` plus an `Int` count of elements.
    PtrOffset(Operand, Operand),
    /// `select(cond, a, b)` without branches; a vector of `Bool` selects lane by lane.
    Select(Operand, Operand, Operand),
    /// Read a value of the given type through a `Ptr(T)`, aligned only as `T` (the SIMD
    /// `load` of a buffer of scalars).
    Load(Ty, Operand),
    /// Lane `index` (an `Int`) of a vector.
    Extract(Operand, Operand),
    /// A vector with lane `index` replaced: `(vector, index, value)`.
    Insert(Operand, Operand, Operand),
    /// `shufflevector a, b, mask`: lane `i` of the result is lane `mask[i]` of `a ++ b`.
    Shuffle(Operand, Operand, Vec<u32>),
    /// All lanes of a vector combined into one scalar. `Add` and `Mul` combine pairwise
    /// halves (a tree, as Mojo's `reduce_add` does), which fixes the float rounding order.
    Reduce(ReduceOp, Operand),
    /// The ABI size in bytes of a type (as laid out by the target), an `Int`.
    SizeOf(Ty),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    And,
    Or,
    Xor,
    Shl,
    /// Arithmetic for signed types, logical for unsigned.
    Shr,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReduceOp {
    Add,
    Mul,
    Min,
    Max,
    /// All lanes true (vectors of `Bool`).
    And,
    /// Any lane true.
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
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnOp {
    /// Arithmetic negation (ints wrap; floats `fneg`).
    Neg,
    /// Logical not of a `Bool`, bitwise not of an int.
    Not,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Callee {
    /// A function of this program.
    Fn(FuncId),
    /// A runtime-library function (`mj_*`, see ABI.md) or a C library symbol (`tanh`).
    /// Its LLVM signature is derived from the argument operand types and the destination
    /// type (`Unit` when `dest` is `None`).
    Extern(String),
    /// An LLVM intrinsic such as `llvm.sqrt` or `llvm.pow`; codegen appends the overload
    /// suffix from the first argument's type (`llvm.sqrt.f64`).
    Intrinsic(String),
    /// A call through a function address (a `Ptr`); the LLVM signature is derived like an
    /// extern's.
    Indirect(Operand),
    /// Inline assembly of the target (`inlined_assembly`), typed like an extern.
    Asm {
        text: String,
        constraints: String,
        side_effect: bool,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub enum Terminator {
    Goto(BlockId),
    Branch {
        cond: Operand,
        then_bb: BlockId,
        else_bb: BlockId,
    },
    /// Jump on an integer value; `otherwise` when no case matches.
    Switch {
        value: Operand,
        cases: Vec<(i128, BlockId)>,
        otherwise: BlockId,
    },
    /// Return a value (`Const::Unit` for a `Unit` function).
    Return(Operand),
    /// Raise from the current (raising) function: store `error` (a `Str`) in the error
    /// slot parameter and return.
    Raise(Operand),
    /// A call to a raising callee. Codegen passes the address of a fresh null error slot;
    /// on return, a non-null slot stores the error into `err_dest` and jumps to `on_error`,
    /// otherwise the result goes to `dest` and control to `next`.
    TryCall {
        dest: Option<Place>,
        callee: Callee,
        args: Vec<Operand>,
        next: BlockId,
        err_dest: Place,
        on_error: BlockId,
    },
    /// Run-time error: calls `mj_rt_abort(file, line, message)`, which never returns.
    Abort {
        line: u32,
        message: String,
    },
    Unreachable,
}

impl Program {
    pub fn func(&self, id: FuncId) -> &Function {
        &self.functions[id.0 as usize]
    }
}

impl Function {
    pub fn local_ty(&self, l: Local) -> &Ty {
        &self.locals[l.0 as usize].ty
    }
}
