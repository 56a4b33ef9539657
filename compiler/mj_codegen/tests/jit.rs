//! In-process execution through ORC LLJIT: exported functions called directly, and a whole
//! program's C `main` run with the runtime's symbols.

mod common;

use common::programs;
use common::*;
use mj_codegen::{Jit, Options};
use mj_mir::*;

fn jit(p: &Program, opt: u8) -> Jit {
    let obj = mj_codegen::emit_object(
        p,
        &Options {
            opt_level: opt,
            ..Default::default()
        },
    )
    .expect("codegen");
    Jit::new(&obj, &mj_runtime::symbols()).expect("jit")
}

#[test]
fn call_exported_function() {
    let mut fib = programs::fib_fn("fib");
    fib.linkage = Linkage::Export;
    let p = program(vec![fib], None);
    for opt in [0, 3] {
        let j = jit(&p, opt);
        let addr = j.lookup("fib").expect("lookup");
        // SAFETY: `fib` is `i64 fib(i64)` with the C ABI.
        let f: extern "C" fn(i64) -> i64 = unsafe { std::mem::transmute(addr) };
        assert_eq!(f(30), 832040);
    }
}

#[test]
fn intrinsics_and_libm() {
    // hyp(a, b) = sqrt(a*a + b*b) + tanh(0.0) + fabs(-1.0) via llvm.sqrt, libm's tanh and
    // llvm.fabs; iabs(x) = llvm.abs.i64(x, false).
    let mut b = FnB::new("hyp", &[("a", Ty::F64), ("b", Ty::F64)], Ty::F64).export();
    let (a, bb_) = (b.param(0), b.param(1));
    let (s, r, t, f) = (
        b.local(Ty::F64),
        b.local(Ty::F64),
        b.local(Ty::F64),
        b.local(Ty::F64),
    );
    let bb = b.block();
    let (aa, bb2) = (b.local(Ty::F64), b.local(Ty::F64));
    b.assign(bb, aa, Rvalue::Binary(BinOp::Mul, copy(a), copy(a)));
    b.assign(bb, bb2, Rvalue::Binary(BinOp::Mul, copy(bb_), copy(bb_)));
    b.assign(bb, s, Rvalue::Binary(BinOp::Add, copy(aa), copy(bb2)));
    b.call(
        bb,
        Some(r),
        Callee::Intrinsic("llvm.sqrt".into()),
        vec![copy(s)],
    );
    b.ext(bb, Some(t), "tanh", vec![float(0.0)]);
    b.call(
        bb,
        Some(f),
        Callee::Intrinsic("llvm.fabs".into()),
        vec![float(-1.0)],
    );
    b.assign(bb, r, Rvalue::Binary(BinOp::Add, copy(r), copy(t)));
    b.assign(bb, r, Rvalue::Binary(BinOp::Add, copy(r), copy(f)));
    b.term(bb, Terminator::Return(copy(r)));

    let mut c = FnB::new("iabs", &[("x", Ty::INT)], Ty::INT).export();
    let x = c.param(0);
    let y = c.local(Ty::INT);
    let cb = c.block();
    c.call(
        cb,
        Some(y),
        Callee::Intrinsic("llvm.abs".into()),
        vec![copy(x), Operand::Const(Const::Bool(false))],
    );
    c.term(cb, Terminator::Return(copy(y)));

    let p = program(vec![b.finish(), c.finish()], None);
    for opt in [0, 2] {
        let j = jit(&p, opt);
        // SAFETY: signatures as built above.
        let hyp: extern "C" fn(f64, f64) -> f64 =
            unsafe { std::mem::transmute(j.lookup("hyp").expect("hyp")) };
        let iabs: extern "C" fn(i64) -> i64 =
            unsafe { std::mem::transmute(j.lookup("iabs").expect("iabs")) };
        assert_eq!(hyp(3.0, 4.0), 6.0);
        assert_eq!(iabs(-9), 9);
    }
}

#[test]
fn run_main_in_process() {
    // The program's output goes to the real stdout (not captured by the test harness);
    // here we check that linking against the runtime's symbol table works and the status.
    let obj = mj_codegen::emit_object(
        &programs::loop_program(),
        &Options {
            opt_level: 2,
            ..Default::default()
        },
    )
    .expect("codegen");
    let status = mj_codegen::run_object_in_process(&obj, &["loop".to_string()]).expect("run");
    assert_eq!(status, 0);
    // A warm run reuses the same bytes without code generation.
    let status = mj_codegen::run_object_in_process(&obj, &["loop".to_string(), "x".to_string()])
        .expect("run");
    assert_eq!(status, 0);
}

#[test]
fn unresolved_symbol_is_an_error() {
    let mut b = FnB::new("f", &[], Ty::Unit).export();
    let bb = b.block();
    b.ext(bb, None, "mj_no_such_function_anywhere", vec![]);
    b.term(bb, Terminator::Return(unit()));
    let p = program(vec![b.finish()], None);
    let j = jit(&p, 0);
    let err = j.lookup("f").expect_err("must fail");
    assert!(err.contains("mj_no_such_function_anywhere"), "{err}");
}
