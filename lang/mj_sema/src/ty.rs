//! Semantic types. They are monomorphic for now; compile-time parameters arrive with the
//! generics work, at which point `Ty` gains parameter and instance variants.

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Ty {
    /// `None`: the result of a function without `-> T`.
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
    List(Box<Ty>),
    Dict(Box<Ty>, Box<Ty>),
    Tuple(Vec<Ty>),
    /// A user struct: index into the program's struct table.
    Struct(u32),
    /// The built-in `Error` raised by `raise Error("...")`; carries a message.
    Error,
    /// A raw pointer (internal for now: runtime element addresses).
    Ptr(Box<Ty>),
    /// An iteration helper value of `dict.items()` elements (`.key`, `.value`).
    Entry(Box<Ty>, Box<Ty>),
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
    /// The type of an expression that already produced a diagnostic; it unifies with
    /// everything so that one mistake is reported once.
    Unknown,
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

    /// The element type when iterating or indexing a list.
    pub fn list_elem(&self) -> Option<&Ty> {
        match self {
            Ty::List(t) => Some(t),
            _ => None,
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
        Ty::Str => write!(f, "String"),
        Ty::List(t) => {
            write!(f, "List[")?;
            write_ty(f, t, names)?;
            write!(f, "]")
        }
        Ty::Dict(k, v) => {
            write!(f, "Dict[")?;
            write_ty(f, k, names)?;
            write!(f, ", ")?;
            write_ty(f, v, names)?;
            write!(f, "]")
        }
        Ty::Entry(k, v) => {
            write!(f, "DictEntry[")?;
            write_ty(f, k, names)?;
            write!(f, ", ")?;
            write_ty(f, v, names)?;
            write!(f, "]")
        }
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
        Ty::Struct(i) => write!(
            f,
            "{}",
            names.get(*i as usize).map(String::as_str).unwrap_or("?")
        ),
        Ty::Error => write!(f, "Error"),
        Ty::Ptr(t) => {
            write!(f, "UnsafePointer[")?;
            write_ty(f, t, names)?;
            write!(f, "]")
        }
        Ty::Unknown => write!(f, "<unknown>"),
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
