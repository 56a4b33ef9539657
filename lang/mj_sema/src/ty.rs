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
    /// The type of an expression that already produced a diagnostic; it unifies with
    /// everything so that one mistake is reported once.
    Unknown,
}

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

    pub fn is_int(&self) -> bool {
        matches!(self, Ty::Int { .. })
    }
    pub fn is_float(&self) -> bool {
        matches!(self, Ty::Float { .. })
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
        Ty::Float { bits } => write!(f, "Float{bits}"),
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
