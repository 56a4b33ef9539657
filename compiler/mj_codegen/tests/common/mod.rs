//! Helpers for building MIR by hand and running the compiled result.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;

use mj_mir::*;

pub mod programs;

/// A function under construction.
pub struct FnB {
    pub f: Function,
}

impl FnB {
    pub fn new(name: &str, params: &[(&str, Ty)], ret: Ty) -> FnB {
        let mut f = Function {
            name: name.to_string(),
            params: Vec::new(),
            ret,
            raises: false,
            locals: Vec::new(),
            blocks: Vec::new(),
            linkage: Linkage::Internal,
            inline: Default::default(),
            file: "test.mj".to_string(),
        };
        for (n, ty) in params {
            f.params.push(Local(f.locals.len() as u32));
            f.locals.push(LocalDecl {
                ty: ty.clone(),
                name: Some(n.to_string()),
            });
        }
        FnB { f }
    }

    pub fn raises(mut self) -> Self {
        self.f.raises = true;
        self
    }

    pub fn export(mut self) -> Self {
        self.f.linkage = Linkage::Export;
        self
    }

    pub fn param(&self, i: usize) -> Local {
        self.f.params[i]
    }

    pub fn local(&mut self, ty: Ty) -> Local {
        self.f.locals.push(LocalDecl { ty, name: None });
        Local(self.f.locals.len() as u32 - 1)
    }

    /// A new block, terminated by `Unreachable` until `term` sets it.
    pub fn block(&mut self) -> BlockId {
        self.f.blocks.push(Block {
            stmts: Vec::new(),
            term: Terminator::Unreachable,
        });
        BlockId(self.f.blocks.len() as u32 - 1)
    }

    pub fn assign(&mut self, bb: BlockId, dest: Local, rv: Rvalue) {
        self.assign_p(bb, Place::local(dest), rv);
    }

    pub fn assign_p(&mut self, bb: BlockId, dest: Place, rv: Rvalue) {
        self.f.blocks[bb.0 as usize]
            .stmts
            .push(Stmt::Assign(dest, rv));
    }

    pub fn call(&mut self, bb: BlockId, dest: Option<Local>, callee: Callee, args: Vec<Operand>) {
        self.f.blocks[bb.0 as usize].stmts.push(Stmt::Call {
            dest: dest.map(Place::local),
            callee,
            args,
        });
    }

    pub fn ext(&mut self, bb: BlockId, dest: Option<Local>, name: &str, args: Vec<Operand>) {
        self.call(bb, dest, Callee::Extern(name.to_string()), args);
    }

    /// `mj_write(s)`.
    pub fn write(&mut self, bb: BlockId, s: Operand) {
        self.ext(bb, None, "mj_write", vec![s]);
    }

    /// `mj_write(mj_str_from_int(v))`, then a newline.
    pub fn print_int(&mut self, bb: BlockId, v: Operand) {
        let s = self.local(Ty::Str);
        self.ext(bb, Some(s), "mj_str_from_int", vec![v]);
        self.write(bb, copy(s));
        self.write(bb, st("\n"));
    }

    pub fn term(&mut self, bb: BlockId, t: Terminator) {
        self.f.blocks[bb.0 as usize].term = t;
    }

    pub fn finish(self) -> Function {
        self.f
    }
}

pub fn copy(l: Local) -> Operand {
    Operand::Copy(Place::local(l))
}

pub fn copy_p(p: Place) -> Operand {
    Operand::Copy(p)
}

pub fn int(v: i128) -> Operand {
    Operand::Const(Const::Int(v, Ty::INT))
}

pub fn float(v: f64) -> Operand {
    Operand::Const(Const::Float(v, Ty::F64))
}

pub fn st(s: &str) -> Operand {
    Operand::Const(Const::Str(s.to_string()))
}

pub fn unit() -> Operand {
    Operand::Const(Const::Unit)
}

pub fn field(l: Local, n: u32) -> Place {
    Place {
        local: l,
        proj: vec![Proj::Field(n)],
    }
}

pub fn deref(l: Local) -> Place {
    Place {
        local: l,
        proj: vec![Proj::Deref],
    }
}

pub fn program(functions: Vec<Function>, entry: Option<u32>) -> Program {
    Program {
        structs: Vec::new(),
        functions,
        entry: entry.map(FuncId),
    }
}

pub struct RunResult {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Compiles `p` at `opt` to an executable in a scratch directory and runs it.
pub fn build_and_run(p: &Program, opt: u8, name: &str) -> RunResult {
    let obj = mj_codegen::emit_object(
        p,
        &mj_codegen::Options {
            opt_level: opt,
            ..Default::default()
        },
    )
    .expect("codegen");
    let dir = std::env::temp_dir().join(format!("mj_codegen_tests_{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let exe: PathBuf = dir.join(format!("{name}_O{opt}"));
    let rt = mj_codegen::find_runtime_lib().expect("libmj_runtime.a not found");
    mj_codegen::link_executable(&obj, &exe, &rt).expect("link");
    let out = Command::new(&exe).output().expect("run");
    let _ = std::fs::remove_file(&exe);
    RunResult {
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}
