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
    List(Box<Ty>),
    Dict(Box<Ty>, Box<Ty>),
    Tuple(Vec<Ty>),
    /// A user struct: index into the program's struct table, with the compile-time
    /// arguments of a generic struct's instance (empty otherwise).
    Struct(u32, Targs),
    /// Type parameter `i` of the template being described (never in a checked body).
    Param(u32),
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
    pub fn has_param(&self) -> bool {
        match self {
            Ty::Param(_) => true,
            Ty::List(t) | Ty::Ptr(t) => t.has_param(),
            Ty::Dict(k, v) | Ty::Entry(k, v) => k.has_param() || v.has_param(),
            Ty::Tuple(ts) => ts.iter().any(Ty::has_param),
            Ty::Struct(_, a) => a.iter().any(CtArg::has_param),
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
            Ty::List(t) => Ty::List(Box::new(t.subst(args))),
            Ty::Ptr(t) => Ty::Ptr(Box::new(t.subst(args))),
            Ty::Dict(k, v) => Ty::Dict(Box::new(k.subst(args)), Box::new(v.subst(args))),
            Ty::Entry(k, v) => Ty::Entry(Box::new(k.subst(args)), Box::new(v.subst(args))),
            Ty::Tuple(ts) => Ty::Tuple(ts.iter().map(|t| t.subst(args)).collect()),
            Ty::Struct(s, a) if !a.is_empty() => {
                Ty::Struct(*s, a.iter().map(|c| c.subst(args)).collect())
            }
            t => t.clone(),
        }
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
    }
}
