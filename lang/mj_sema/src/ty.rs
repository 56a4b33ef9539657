//! Semantic types and compile-time arguments.
//!
//! Generic items are checked per instantiation (see `check/generics.rs`): a template's
//! signature and fields mention its parameters as `Ty::Param(i)` / `CtArg::Param(i)`, and
//! `subst` replaces them with the arguments of one instance. An instance of a generic
//! struct is `Ty::Struct(id, args)`; after checking, the assembler gives every instance a
//! struct of its own, so later stages see only `Ty::Struct(id, [])`.

use std::fmt;
use std::sync::Arc;

/// A compile-time argument of a generic function or struct: a type or a value.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum CtArg {
    Type(Ty),
    Int(i128),
    Bool(bool),
    Str(String),
    /// A float value, by its bits (so that arguments can be hashed and compared).
    Float(u64),
    /// Parameter `i` of the template being described (in signatures and field types).
    Param(u32),
    /// A function passed as a compile-time parameter (`apply[square](3)`), by index.
    Func(u32),
    /// The values of a variadic value parameter (`*dims: Int` bound by `[2, 3, 4]`).
    Pack(Vec<CtArg>),
}

/// The compile-time arguments of a struct instance; empty for a non-generic struct.
pub type Targs = Arc<[CtArg]>;

pub fn no_targs() -> Targs {
    Arc::from(Vec::new())
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum Ty {
    /// `None`: the result of a function without `-> T`.
    #[default]
    Unit,
    Bool,
    Int {
        bits: u8,
        signed: bool,
    },
    Float {
        bits: u8,
    },
    Str,
    Tuple(Vec<Ty>),
    /// A user struct: index into the program's struct table, with the compile-time
    /// arguments of a generic struct's instance (empty otherwise).
    Struct(u32, Targs),
    /// Type parameter `i` of the template being described (never in a checked body).
    Param(u32),
    /// A function value `def(Int) -> Int` (`def() raises` when the flag is set): the
    /// address of a module-level function.
    Func(Vec<Ty>, Box<Ty>, bool),
    /// The built-in `Error` raised by `raise Error("...")`; carries a message.
    Error,
    /// A raw pointer (internal for now: runtime element addresses).
    Ptr(Box<Ty>),
    /// `SIMD[dtype, width]` with `width > 1` (a power of two); the element is `Bool`, an
    /// `Int` or a `Float`. Width 1 is the scalar type itself (`SIMD[DType.float32, 1]` is
    /// `Float32`), so scalars never appear here.
    Vector(Box<Ty>, u32),
    /// `UnsafePointer[T, address_space=...]`: a user-visible raw pointer. The address space
    /// (0 generic, 1 global, 3 shared, 4 constant, 5 local: the NVPTX/AMDGPU numbering) is
    /// kept for the GPU back ends; on the CPU every space is the default one.
    RawPtr(Box<Ty>, u8),
    /// `InlineArray[T, n]`: `n` values stored inline (an LLVM array).
    Array(Box<Ty>, u32),
    /// `Span[T]`: a pointer to contiguous values and their count (a `(ptr, len)` pair) that
    /// borrows a List, an InlineArray or raw memory.
    Span(Box<Ty>),
    /// `UnsafeMaybeUninit[T]`: storage for one `T` inline (its size and alignment) that is
    /// never initialized, copied or destroyed on its own: its owner does that through
    /// `unsafe_ptr()` (how `Optional` keeps its value without a heap cell).
    Uninit(Box<Ty>),
    /// The type of an expression that already produced a diagnostic; it unifies with
    /// everything so that one mistake is reported once.
    Unknown,
}

/// A SIMD width or array length that is value parameter `i` of a template
/// (`SIMD[dtype, width]` in a generic signature) is stored as `COUNT_PARAM | i`.
pub const COUNT_PARAM: u32 = 1 << 31;

/// Types nested deeper than this (`List[List[...]]`) are an error: checking grows with the
/// depth, and a generic that wraps its own type argument (`f[List[T]]` from `f[T]`) would
/// otherwise instantiate forever.
pub const MAX_TYPE_DEPTH: usize = 64;

/// Substitutes a count that may be a parameter.
fn subst_count(n: u32, args: &[CtArg]) -> u32 {
    if n & COUNT_PARAM == 0 {
        return n;
    }
    match args.get((n & !COUNT_PARAM) as usize) {
        Some(CtArg::Int(v)) => u32::try_from(*v).unwrap_or(0),
        _ => n,
    }
}

/// The width field of `BFloat16` (see [`Ty::BF16`]): 16 bits with the high bit set, so
/// that it never equals a real IEEE width.
pub const BF16_BITS: u8 = 0x80 | 16;

impl Ty {
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
    pub const F16: Ty = Ty::Float { bits: 16 };
    /// `BFloat16` is a 16-bit float with `Float32`'s exponent range. It is a `Float` (so
    /// every float rule applies to it) whose width field carries the marker [`BF16_BITS`].
    pub const BF16: Ty = Ty::Float { bits: BF16_BITS };

    pub fn is_int(&self) -> bool {
        matches!(self, Ty::Int { .. })
    }
    pub fn is_float(&self) -> bool {
        matches!(self, Ty::Float { .. })
    }
    pub fn is_signed_int(&self) -> bool {
        matches!(self, Ty::Int { signed: true, .. })
    }
    pub fn is_numeric(&self) -> bool {
        self.is_int() || self.is_float()
    }
    pub fn is_unknown(&self) -> bool {
        matches!(self, Ty::Unknown)
    }

    /// A non-generic struct type.
    pub fn st(id: u32) -> Ty {
        Ty::Struct(id, no_targs())
    }

    /// The struct index of a struct type.
    pub fn struct_id(&self) -> Option<u32> {
        match self {
            Ty::Struct(s, _) => Some(*s),
            _ => None,
        }
    }

    /// Whether the type mentions a template parameter.
    /// How deeply the type nests (`Int` 1, `List[Int]` 2, `List[List[Int]]` 3).
    pub fn depth(&self) -> usize {
        let arg = |a: &CtArg| match a {
            CtArg::Type(t) => t.depth(),
            _ => 0,
        };
        1 + match self {
            Ty::Ptr(e) | Ty::Vector(e, _) | Ty::Array(e, _) => e.depth(),
            Ty::RawPtr(e, _) | Ty::Span(e) | Ty::Uninit(e) => e.depth(),
            Ty::Tuple(ts) => ts.iter().map(Ty::depth).max().unwrap_or(0),
            Ty::Struct(_, a) => a.iter().map(arg).max().unwrap_or(0),
            Ty::Func(ps, r, _) => ps.iter().map(Ty::depth).max().unwrap_or(0).max(r.depth()),
            _ => 0,
        }
    }

    pub fn has_param(&self) -> bool {
        match self {
            Ty::Param(_) => true,
            Ty::Ptr(t) => t.has_param(),
            Ty::Tuple(ts) => ts.iter().any(Ty::has_param),
            Ty::Struct(_, a) => a.iter().any(CtArg::has_param),
            Ty::Vector(e, n) | Ty::Array(e, n) => e.has_param() || n & COUNT_PARAM != 0,
            Ty::RawPtr(e, _) | Ty::Span(e) | Ty::Uninit(e) => e.has_param(),
            Ty::Func(ps, r, _) => ps.iter().any(Ty::has_param) || r.has_param(),
            _ => false,
        }
    }

    /// Replaces template parameters by `args` (parameters beyond `args` stay).
    pub fn subst(&self, args: &[CtArg]) -> Ty {
        match self {
            Ty::Param(i) => match args.get(*i as usize) {
                Some(CtArg::Type(t)) => t.clone(),
                Some(_) => Ty::Unknown,
                None => self.clone(),
            },
            Ty::Ptr(t) => Ty::Ptr(Box::new(t.subst(args))),
            Ty::Tuple(ts) => Ty::Tuple(ts.iter().map(|t| t.subst(args)).collect()),
            Ty::Struct(s, a) if !a.is_empty() => {
                Ty::Struct(*s, a.iter().map(|c| c.subst(args)).collect())
            }
            Ty::Vector(e, n) => {
                let (e, n) = (e.subst(args), subst_count(*n, args));
                if n == 1 {
                    e
                } else {
                    Ty::Vector(Box::new(e), n)
                }
            }
            Ty::Array(e, n) => Ty::Array(Box::new(e.subst(args)), subst_count(*n, args)),
            Ty::RawPtr(e, s) => Ty::RawPtr(Box::new(e.subst(args)), *s),
            Ty::Span(e) => Ty::Span(Box::new(e.subst(args))),
            Ty::Uninit(e) => Ty::Uninit(Box::new(e.subst(args))),
            Ty::Func(ps, r, raises) => Ty::Func(
                ps.iter().map(|t| t.subst(args)).collect(),
                Box::new(r.subst(args)),
                *raises,
            ),
            t => t.clone(),
        }
    }

    /// Name as written in source, with struct names looked up in `names`.
    pub fn display<'a>(&'a self, names: &'a [String]) -> TyDisplay<'a> {
        TyDisplay { ty: self, names }
    }
}

pub struct TyDisplay<'a> {
    ty: &'a Ty,
    names: &'a [String],
}

impl fmt::Display for TyDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_ty(f, self.ty, self.names)
    }
}

fn write_ty(f: &mut fmt::Formatter<'_>, ty: &Ty, names: &[String]) -> fmt::Result {
    match ty {
        Ty::Unit => write!(f, "None"),
        Ty::Bool => write!(f, "Bool"),
        Ty::Int {
            bits: 64,
            signed: true,
        } => write!(f, "Int"),
        Ty::Int {
            bits: 64,
            signed: false,
        } => write!(f, "UInt"),
        Ty::Int { bits, signed: true } => write!(f, "Int{bits}"),
        Ty::Int {
            bits,
            signed: false,
        } => write!(f, "UInt{bits}"),
        Ty::Float { bits: BF16_BITS } => write!(f, "BFloat16"),
        Ty::Float { bits } => write!(f, "Float{bits}"),
        Ty::Vector(e, n) => write!(f, "SIMD[{}, {n}]", dtype_name(e)),
        Ty::RawPtr(t, _) => {
            write!(f, "UnsafePointer[")?;
            write_ty(f, t, names)?;
            write!(f, "]")
        }
        Ty::Array(t, n) => {
            write!(f, "InlineArray[")?;
            write_ty(f, t, names)?;
            write!(f, ", {n}]")
        }
        Ty::Span(t) => {
            write!(f, "Span[")?;
            write_ty(f, t, names)?;
            write!(f, "]")
        }
        Ty::Uninit(t) => {
            write!(f, "UnsafeMaybeUninit[")?;
            write_ty(f, t, names)?;
            write!(f, "]")
        }
        Ty::Str => write!(f, "String"),
        Ty::Tuple(ts) => {
            write!(f, "Tuple[")?;
            for (i, t) in ts.iter().enumerate() {
                if i > 0 {
                    write!(f, ", ")?;
                }
                write_ty(f, t, names)?;
            }
            write!(f, "]")
        }
        Ty::Struct(i, args) => {
            write!(
                f,
                "{}",
                names.get(*i as usize).map(String::as_str).unwrap_or("?")
            )?;
            if !args.is_empty() {
                write!(f, "[")?;
                for (k, a) in args.iter().enumerate() {
                    if k > 0 {
                        write!(f, ", ")?;
                    }
                    write_arg(f, a, names)?;
                }
                write!(f, "]")?;
            }
            Ok(())
        }
        Ty::Param(i) => write!(f, "<param {i}>"),
        Ty::Func(ps, r, raises) => {
            write!(f, "def(")?;
            for (i, t) in ps.iter().enumerate() {
                if i > 0 {
                    write!(f, ", ")?;
                }
                write_ty(f, t, names)?;
            }
            write!(f, "){} -> ", if *raises { " raises" } else { "" })?;
            write_ty(f, r, names)
        }
        Ty::Error => write!(f, "Error"),
        Ty::Ptr(t) => {
            write!(f, "UnsafePointer[")?;
            write_ty(f, t, names)?;
            write!(f, "]")
        }
        Ty::Unknown => write!(f, "<unknown>"),
    }
}

impl CtArg {
    pub fn has_param(&self) -> bool {
        match self {
            CtArg::Param(_) => true,
            CtArg::Type(t) => t.has_param(),
            _ => false,
        }
    }

    pub fn subst(&self, args: &[CtArg]) -> CtArg {
        match self {
            CtArg::Param(i) => args.get(*i as usize).cloned().unwrap_or(CtArg::Param(*i)),
            CtArg::Type(t) => CtArg::Type(t.subst(args)),
            c => c.clone(),
        }
    }

    pub fn display<'a>(&'a self, names: &'a [String]) -> CtArgDisplay<'a> {
        CtArgDisplay { arg: self, names }
    }
}

pub struct CtArgDisplay<'a> {
    arg: &'a CtArg,
    names: &'a [String],
}

impl fmt::Display for CtArgDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_arg(f, self.arg, self.names)
    }
}

fn write_arg(f: &mut fmt::Formatter<'_>, a: &CtArg, names: &[String]) -> fmt::Result {
    match a {
        CtArg::Type(t) => write_ty(f, t, names),
        CtArg::Int(i) => write!(f, "{i}"),
        CtArg::Bool(b) => write!(f, "{}", if *b { "True" } else { "False" }),
        CtArg::Str(s) => write!(f, "{s:?}"),
        CtArg::Float(b) => write!(f, "{}", f64::from_bits(*b)),
        CtArg::Param(i) => write!(f, "<param {i}>"),
        CtArg::Func(i) => write!(f, "<fn {i}>"),
        CtArg::Pack(vs) => {
            for (i, v) in vs.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write_arg(f, v, names)?;
            }
            Ok(())
        }
    }
}

/// The `DType` spelling of a scalar type (`DType.float32`), as Mojo prints it.
pub fn dtype_name(t: &Ty) -> String {
    match t {
        Ty::Bool => "DType.bool".into(),
        Ty::Int { bits, signed: true } => format!("DType.int{bits}"),
        Ty::Int {
            bits,
            signed: false,
        } => format!("DType.uint{bits}"),
        Ty::Float { bits: BF16_BITS } => "DType.bfloat16".into(),
        Ty::Float { bits } => format!("DType.float{bits}"),
        _ => "DType.invalid".into(),
    }
}
