//! The textual form of MIR, for dumps (`mj build --emit mir`), test expectations and
//! debugging. The format is stable and line-oriented, modelled on rustc's MIR dumps:
//!
//! ```text
//! struct main.Point { x: f64, y: f64 }
//!
//! entry main.main
//!
//! // file: main.mj
//! fn main.add(_0: i64, _1: i64) -> i64 {
//!   debug _0 => a
//!   debug _1 => b
//!   let _2: i64 // t
//! bb0:
//!   _2 = add _0, _1
//!   return _2
//! }
//! ```
//!
//! Places are `_n` followed by `.k` for fields, with `(*p)` for a dereference; constants
//! carry their type (`1i64`, `2.5f64`, `"text"`, `null::<str>`, `()`); callees are a
//! program function's name, `extern name` or `intrinsic name`.

use std::fmt::Write;

use crate::*;

/// Prints a whole program: structs, the entry point, then every function in order.
/// Generic templates (named `...<template>`, empty: only their instances are code) are
/// left out.
pub fn print_program(p: &Program) -> String {
    let mut out = String::new();
    let template = |name: &str| name.ends_with("<template>");
    for s in p.structs.iter().filter(|s| !template(&s.name)) {
        let fields: Vec<String> = s
            .fields
            .iter()
            .map(|(n, t)| format!("{n}: {}", ty(p, t)))
            .collect();
        let _ = writeln!(out, "struct {} {{ {} }}", s.name, fields.join(", "));
    }
    if p.structs.iter().any(|s| !template(&s.name)) {
        out.push('\n');
    }
    if let Some(e) = p.entry {
        let _ = writeln!(out, "entry {}\n", fn_name(p, e));
    }
    for (i, f) in p
        .functions
        .iter()
        .filter(|f| !template(&f.name))
        .enumerate()
    {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&print_function(p, f));
    }
    out
}

/// Prints one function (the program supplies struct and callee names).
pub fn print_function(p: &Program, f: &Function) -> String {
    let mut out = String::new();
    if !f.file.is_empty() {
        let _ = writeln!(out, "// file: {}", f.file);
    }
    let params: Vec<String> = f
        .params
        .iter()
        .map(|l| format!("_{}: {}", l.0, local_ty(p, f, *l)))
        .collect();
    let _ = write!(out, "fn {}({})", f.name, params.join(", "));
    if f.ret != Ty::Unit {
        let _ = write!(out, " -> {}", ty(p, &f.ret));
    }
    if f.raises {
        out.push_str(" raises");
    }
    if f.linkage == Linkage::Export {
        out.push_str(" export");
    }
    out.push_str(" {\n");
    for (i, d) in f.locals.iter().enumerate() {
        let is_param = f.params.iter().any(|l| l.0 as usize == i);
        match (is_param, &d.name) {
            (true, Some(n)) => {
                let _ = writeln!(out, "  debug _{i} => {n}");
            }
            (true, None) => {}
            (false, name) => {
                let _ = write!(out, "  let _{i}: {}", ty(p, &d.ty));
                if let Some(n) = name {
                    let _ = write!(out, " // {n}");
                }
                out.push('\n');
            }
        }
    }
    for (i, b) in f.blocks.iter().enumerate() {
        let _ = writeln!(out, "bb{i}:");
        for s in &b.stmts {
            let _ = writeln!(out, "  {}", stmt(p, s));
        }
        let _ = writeln!(out, "  {}", terminator(p, &b.term));
    }
    out.push_str("}\n");
    out
}

fn local_ty(p: &Program, f: &Function, l: Local) -> String {
    f.locals
        .get(l.0 as usize)
        .map(|d| ty(p, &d.ty))
        .unwrap_or_else(|| "<missing>".into())
}

fn fn_name(p: &Program, id: FuncId) -> String {
    p.functions
        .get(id.0 as usize)
        .map(|f| f.name.clone())
        .unwrap_or_else(|| format!("<fn#{}>", id.0))
}

/// A type as written in MIR dumps: `i64`, `u8`, `f64`, `bool`, `str`, `list[T]`,
/// `dict[K, V]`, `(A, B)`, a struct's name, `*T`, `<4 x f32>`, `()`.
fn ty(p: &Program, t: &Ty) -> String {
    match t {
        Ty::Unit => "()".into(),
        Ty::Bool => "bool".into(),
        Ty::Int { bits, signed: true } => format!("i{bits}"),
        Ty::Int {
            bits,
            signed: false,
        } => format!("u{bits}"),
        Ty::Float {
            bits: crate::BF16_BITS,
        } => "bf16".into(),
        Ty::Float { bits } => format!("f{bits}"),
        Ty::Str => "str".into(),
        Ty::Tuple(es) if es.len() == 1 => format!("({},)", ty(p, &es[0])),
        Ty::Tuple(es) => {
            let es: Vec<String> = es.iter().map(|e| ty(p, e)).collect();
            format!("({})", es.join(", "))
        }
        Ty::Struct(id) => p
            .structs
            .get(id.0 as usize)
            .map(|s| s.name.clone())
            .unwrap_or_else(|| format!("<struct#{}>", id.0)),
        Ty::Ptr(e, 0) => format!("*{}", ty(p, e)),
        Ty::Ptr(e, space) => format!("*addrspace({space}) {}", ty(p, e)),
        Ty::Vector(e, n) => format!("<{n} x {}>", ty(p, e)),
        Ty::Array(e, n) => format!("[{n} x {}]", ty(p, e)),
    }
}

fn place(pl: &Place) -> String {
    let mut s = format!("_{}", pl.local.0);
    for proj in &pl.proj {
        match proj {
            Proj::Field(n) => {
                let _ = write!(s, ".{n}");
            }
            Proj::Deref => s = format!("(*{s})"),
        }
    }
    s
}

fn constant(p: &Program, c: &Const) -> String {
    match c {
        Const::Int(v, t) => format!("{v}{}", ty(p, t)),
        Const::Float(v, t) => format!("{v:?}{}", ty(p, t)),
        Const::Bool(b) => b.to_string(),
        Const::Str(s) => format!("{s:?}"),
        Const::Null(t) => format!("null::<{}>", ty(p, t)),
        Const::FnAddr(f) => format!("fn_addr(#{})", f.0),
        Const::Unit => "()".into(),
    }
}

fn operand(p: &Program, o: &Operand) -> String {
    match o {
        Operand::Copy(pl) => place(pl),
        Operand::Const(c) => constant(p, c),
    }
}

fn operands(p: &Program, os: &[Operand]) -> String {
    os.iter()
        .map(|o| operand(p, o))
        .collect::<Vec<_>>()
        .join(", ")
}

fn rvalue(p: &Program, rv: &Rvalue) -> String {
    let op = |o: &Operand| operand(p, o);
    match rv {
        Rvalue::Use(o) => op(o),
        Rvalue::Binary(b, l, r) => {
            let name = match b {
                BinOp::Add => "add",
                BinOp::Sub => "sub",
                BinOp::Mul => "mul",
                BinOp::Div => "div",
                BinOp::Rem => "rem",
                BinOp::And => "and",
                BinOp::Or => "or",
                BinOp::Xor => "xor",
                BinOp::Shl => "shl",
                BinOp::Shr => "shr",
            };
            format!("{name} {}, {}", op(l), op(r))
        }
        Rvalue::Cmp(c, l, r) => {
            let name = match c {
                CmpOp::Eq => "eq",
                CmpOp::Ne => "ne",
                CmpOp::Lt => "lt",
                CmpOp::Le => "le",
                CmpOp::Gt => "gt",
                CmpOp::Ge => "ge",
            };
            format!("{name} {}, {}", op(l), op(r))
        }
        Rvalue::Unary(UnOp::Neg, x) => format!("neg {}", op(x)),
        Rvalue::Unary(UnOp::Not, x) => format!("not {}", op(x)),
        Rvalue::Cast(x, t) => format!("cast {} to {}", op(x), ty(p, t)),
        Rvalue::Aggregate(t, os) => format!("aggregate {}({})", ty(p, t), operands(p, os)),
        Rvalue::AddrOf(pl) => format!("&{}", place(pl)),
        Rvalue::Len(x) => format!("len {}", op(x)),
        Rvalue::PtrOffset(x, n) => format!("ptr_offset {}, {}", op(x), op(n)),
        Rvalue::Select(c, a, b) => format!("select {}, {}, {}", op(c), op(a), op(b)),
        Rvalue::SizeOf(t) => format!("size_of {}", ty(p, t)),
        Rvalue::Load(t, x) => format!("load {} {}", ty(p, t), op(x)),
        Rvalue::Extract(v, i) => format!("extract {}, {}", op(v), op(i)),
        Rvalue::Insert(v, i, x) => format!("insert {}, {}, {}", op(v), op(i), op(x)),
        Rvalue::Shuffle(a, b, mask) => {
            let m: Vec<String> = mask.iter().map(u32::to_string).collect();
            format!("shuffle {}, {}, [{}]", op(a), op(b), m.join(", "))
        }
        Rvalue::Reduce(r, x) => format!("reduce_{} {}", format!("{r:?}").to_lowercase(), op(x)),
    }
}

fn callee(p: &Program, c: &Callee) -> String {
    match c {
        Callee::Fn(id) => fn_name(p, *id),
        Callee::Extern(n) => format!("extern {n}"),
        Callee::Intrinsic(n) => format!("intrinsic {n}"),
        Callee::Indirect(op) => format!("indirect {}", operand(p, op)),
        Callee::Asm {
            text, constraints, ..
        } => format!("asm {text:?} {constraints:?}"),
    }
}

fn stmt(p: &Program, s: &Stmt) -> String {
    match s {
        Stmt::Assign(pl, rv) => format!("{} = {}", place(pl), rvalue(p, rv)),
        Stmt::Call {
            dest,
            callee: c,
            args,
        } => {
            let call = format!("call {}({})", callee(p, c), operands(p, args));
            match dest {
                Some(d) => format!("{} = {call}", place(d)),
                None => call,
            }
        }
        Stmt::Store { ptr, value } => {
            format!("store {}, {}", operand(p, ptr), operand(p, value))
        }
    }
}

fn terminator(p: &Program, t: &Terminator) -> String {
    match t {
        Terminator::Goto(b) => format!("goto bb{}", b.0),
        Terminator::Branch {
            cond,
            then_bb,
            else_bb,
        } => {
            format!(
                "branch {}, bb{}, bb{}",
                operand(p, cond),
                then_bb.0,
                else_bb.0
            )
        }
        Terminator::Switch {
            value,
            cases,
            otherwise,
        } => {
            let cases: Vec<String> = cases
                .iter()
                .map(|(k, b)| format!("{k}: bb{}", b.0))
                .collect();
            format!(
                "switch {} [{}], otherwise bb{}",
                operand(p, value),
                cases.join(", "),
                otherwise.0
            )
        }
        Terminator::Return(o) => format!("return {}", operand(p, o)),
        Terminator::Raise(o) => format!("raise {}", operand(p, o)),
        Terminator::TryCall {
            dest,
            callee: c,
            args,
            next,
            err_dest,
            on_error,
        } => {
            let call = format!(
                "try call {}({}) -> bb{}, error {} -> bb{}",
                callee(p, c),
                operands(p, args),
                next.0,
                place(err_dest),
                on_error.0
            );
            match dest {
                Some(d) => format!("{} = {call}", place(d)),
                None => call,
            }
        }
        Terminator::Abort { line, message } => format!("abort {line}, {message:?}"),
        Terminator::Unreachable => "unreachable".into(),
    }
}

#[cfg(test)]
mod tests;
