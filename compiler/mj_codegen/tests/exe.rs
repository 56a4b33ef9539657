//! End-to-end tests: hand-written MIR -> object -> executable (linked with the runtime) ->
//! run, checking stdout, stderr and the exit status at -O0 and -O2.

mod common;

use common::programs;
use common::*;
use mj_mir::*;

fn run_both(p: &Program, name: &str) -> RunResult {
    let r0 = build_and_run(p, 0, name);
    let r2 = build_and_run(p, 2, name);
    assert_eq!(
        (r0.status, &r0.stdout, &r0.stderr),
        (r2.status, &r2.stdout, &r2.stderr),
        "O0 vs O2"
    );
    r2
}

#[test]
fn fib_recursion() {
    let r = run_both(&programs::fib_program(), "fib");
    assert_eq!(r.stdout, "6765\n");
    assert_eq!(r.status, 0);
}

#[test]
fn while_loop() {
    let r = run_both(&programs::loop_program(), "loop");
    assert_eq!(r.stdout, "328350\n");
}

#[test]
fn struct_fields_and_pointers() {
    // struct Point { x: f64, y: f64 }
    // p = Point(1.5, 2.0); q = &p; q->y = p.x * 4.0; print(int(p.y + p.x)) -> 7
    let mut m = FnB::new("main.main", &[], Ty::Unit);
    let pt = Ty::Struct(StructId(0));
    let (p, q, t, s, i) = (
        m.local(pt.clone()),
        m.local(Ty::ptr(pt.clone())),
        m.local(Ty::F64),
        m.local(Ty::F64),
        m.local(Ty::INT),
    );
    let bb = m.block();
    m.assign(
        bb,
        p,
        Rvalue::Aggregate(pt.clone(), vec![float(1.5), float(2.0)]),
    );
    m.assign(bb, q, Rvalue::AddrOf(Place::local(p)));
    m.assign(
        bb,
        t,
        Rvalue::Binary(BinOp::Mul, copy_p(field(p, 0)), float(4.0)),
    );
    m.assign_p(
        bb,
        Place {
            local: q,
            proj: vec![Proj::Deref, Proj::Field(1)],
        },
        Rvalue::Use(copy(t)),
    );
    m.assign(
        bb,
        s,
        Rvalue::Binary(BinOp::Add, copy_p(field(p, 1)), copy_p(field(p, 0))),
    );
    m.assign(bb, i, Rvalue::Cast(copy(s), Ty::INT));
    m.print_int(bb, copy(i));
    // A tuple of (Int, Bool) and a field read from it.
    let tup_ty = Ty::Tuple(vec![Ty::INT, Ty::Bool]);
    let (tup, k) = (m.local(tup_ty.clone()), m.local(Ty::INT));
    m.assign(
        bb,
        tup,
        Rvalue::Aggregate(tup_ty, vec![int(41), Operand::Const(Const::Bool(true))]),
    );
    m.assign(bb, k, Rvalue::Cast(copy_p(field(tup, 1)), Ty::INT));
    m.assign(
        bb,
        k,
        Rvalue::Binary(BinOp::Add, copy(k), copy_p(field(tup, 0))),
    );
    m.print_int(bb, copy(k));
    m.term(bb, Terminator::Return(unit()));
    let mut prog = program(vec![m.finish()], Some(0));
    prog.structs.push(StructDef {
        name: "main.Point".into(),
        fields: vec![("x".into(), Ty::F64), ("y".into(), Ty::F64)],
    });
    let r = run_both(&prog, "structs");
    assert_eq!(r.stdout, "7\n42\n");
}

/// `fn check(x) raises -> Int: if x < 0: raise "negative" ; return x * 2`
fn check_fn() -> Function {
    let mut b = FnB::new("main.check", &[("x", Ty::INT)], Ty::INT).raises();
    let x = b.param(0);
    let (neg, r) = (b.local(Ty::Bool), b.local(Ty::INT));
    let (bb0, bad, good) = (b.block(), b.block(), b.block());
    b.assign(bb0, neg, Rvalue::Cmp(CmpOp::Lt, copy(x), int(0)));
    b.term(
        bb0,
        Terminator::Branch {
            cond: copy(neg),
            then_bb: bad,
            else_bb: good,
        },
    );
    b.term(bad, Terminator::Raise(st("negative")));
    b.assign(good, r, Rvalue::Binary(BinOp::Mul, copy(x), int(2)));
    b.term(good, Terminator::Return(copy(r)));
    b.finish()
}

#[test]
fn raise_and_try_call() {
    let mut m = FnB::new("main.main", &[], Ty::Unit);
    let (v, e) = (m.local(Ty::INT), m.local(Ty::Str));
    let (bb0, ok1, err1, ok2, err2, end) = (
        m.block(),
        m.block(),
        m.block(),
        m.block(),
        m.block(),
        m.block(),
    );
    let try_call = |x: i128, next, on_error| Terminator::TryCall {
        dest: Some(Place::local(v)),
        callee: Callee::Fn(FuncId(0)),
        args: vec![int(x)],
        next,
        err_dest: Place::local(e),
        on_error,
    };
    m.term(bb0, try_call(21, ok1, err1));
    m.print_int(ok1, copy(v));
    m.term(ok1, try_call(-1, ok2, err2));
    m.write(err1, st("unexpected error\n"));
    m.term(err1, Terminator::Return(unit()));
    m.write(ok2, st("unexpected success\n"));
    m.term(ok2, Terminator::Goto(end));
    m.write(err2, st("caught: "));
    m.write(err2, copy(e));
    m.write(err2, st("\n"));
    m.term(err2, Terminator::Goto(end));
    m.term(end, Terminator::Return(unit()));
    let r = run_both(&program(vec![check_fn(), m.finish()], Some(1)), "raise");
    assert_eq!(r.stdout, "42\ncaught: negative\n");
    assert_eq!(r.status, 0);
}

#[test]
fn unhandled_error_from_entry() {
    // A raising `main` whose error escapes: the C main reports it and exits 1.
    let mut m = FnB::new("main.main", &[], Ty::Unit).raises();
    let v = m.local(Ty::INT);
    let e = m.local(Ty::Str);
    let (bb0, ok, err) = (m.block(), m.block(), m.block());
    m.write(bb0, st("before\n"));
    m.term(
        bb0,
        Terminator::TryCall {
            dest: Some(Place::local(v)),
            callee: Callee::Fn(FuncId(0)),
            args: vec![int(-5)],
            next: ok,
            err_dest: Place::local(e),
            on_error: err,
        },
    );
    m.term(ok, Terminator::Return(unit()));
    m.term(err, Terminator::Raise(copy(e)));
    let r = run_both(&program(vec![check_fn(), m.finish()], Some(1)), "unhandled");
    assert_eq!(r.stdout, "before\n");
    assert_eq!(r.status, 1);
    assert!(
        r.stderr
            .contains("Unhandled exception caught during execution: negative"),
        "{}",
        r.stderr
    );
}

#[test]
fn raising_runtime_function() {
    // mj_str_to_int follows the same error-slot convention as mj functions.
    let mut m = FnB::new("main.main", &[], Ty::Unit);
    let (v, e) = (m.local(Ty::INT), m.local(Ty::Str));
    let (bb0, ok1, ok2, err) = (m.block(), m.block(), m.block(), m.block());
    let parse = |s: &str, next, on_error| Terminator::TryCall {
        dest: Some(Place::local(v)),
        callee: Callee::Extern("mj_str_to_int".into()),
        args: vec![st(s), int(10)],
        next,
        err_dest: Place::local(e),
        on_error,
    };
    m.term(bb0, parse("123", ok1, err));
    m.print_int(ok1, copy(v));
    m.term(ok1, parse("x1", ok2, err));
    m.term(ok2, Terminator::Return(unit()));
    m.write(err, copy(e));
    m.write(err, st("\n"));
    m.term(err, Terminator::Return(unit()));
    let r = run_both(&program(vec![m.finish()], Some(0)), "parse");
    assert_eq!(
        r.stdout,
        "123\nString is not convertible to integer with base 10: 'x1'\n"
    );
}

#[test]
fn string_len_and_dedup() {
    let mut m = FnB::new("main.main", &[], Ty::Unit);
    let n = m.local(Ty::INT);
    let bb = m.block();
    m.assign(bb, n, Rvalue::Len(st("héllo")));
    m.print_int(bb, copy(n));
    m.write(bb, st("héllo"));
    m.write(bb, st("\n"));
    m.term(bb, Terminator::Return(unit()));
    let p = program(vec![m.finish()], Some(0));
    let r = run_both(&p, "strings");
    assert_eq!(r.stdout, "6\nhéllo\n");
    // Identical literals share one object.
    let ir = mj_codegen::emit_llvm_ir(
        &p,
        &mj_codegen::Options {
            opt_level: 0,
            ..Default::default()
        },
    )
    .expect("ir");
    assert_eq!(ir.matches("c\"h\\C3\\A9llo\\00\"").count(), 1, "{ir}");
}

#[test]
fn abort_reports_location() {
    let mut m = FnB::new("main.main", &[], Ty::Unit);
    let bb = m.block();
    m.write(bb, st("partial output\n"));
    m.term(
        bb,
        Terminator::Abort {
            line: 7,
            message: "index out of range".into(),
        },
    );
    let r = run_both(&program(vec![m.finish()], Some(0)), "abort");
    assert_eq!(r.status, 1);
    assert_eq!(r.stdout, "partial output\n");
    assert!(
        r.stderr.contains("test.mj:7: error: index out of range"),
        "{}",
        r.stderr
    );
}
