//! Code generation checks that need no linking: IR shape, operations, error reporting.

mod common;

use common::*;
use mj_codegen::{Jit, Options};
use mj_mir::*;

fn ir(p: &Program, opt: u8) -> Result<String, String> {
    mj_codegen::emit_llvm_ir(
        p,
        &Options {
            opt_level: opt,
            ..Default::default()
        },
    )
}

/// JIT-compiles an exported `i64 f(i64, i64)` built by `body` and returns it with its JIT.
fn jit2(
    body: impl FnOnce(&mut FnB, BlockId, Local, Local) -> Local,
    a: Ty,
    ret: Ty,
) -> (Jit, usize) {
    let mut b = FnB::new("f", &[("a", a.clone()), ("b", a)], ret).export();
    let bb = b.block();
    let (x, y) = (b.param(0), b.param(1));
    let r = body(&mut b, bb, x, y);
    b.term(bb, Terminator::Return(copy(r)));
    let obj = mj_codegen::emit_object(
        &program(vec![b.finish()], None),
        &Options {
            opt_level: 1,
            ..Default::default()
        },
    )
    .expect("codegen");
    let j = Jit::new(&obj, &[]).expect("jit");
    let addr = j.lookup("f").expect("lookup");
    (j, addr)
}

#[test]
fn internal_functions_are_internal_and_exports_external() {
    let mut f = FnB::new("main.helper", &[("x", Ty::INT)], Ty::INT);
    let bb = f.block();
    f.term(bb, Terminator::Return(copy(f.param(0))));
    let mut g = FnB::new("api", &[("x", Ty::INT)], Ty::INT).export();
    let y = g.local(Ty::INT);
    let bb = g.block();
    g.call(bb, Some(y), Callee::Fn(FuncId(0)), vec![copy(g.param(0))]);
    g.term(bb, Terminator::Return(copy(y)));
    let text = ir(&program(vec![f.finish(), g.finish()], None), 0).expect("ir");
    assert!(
        text.contains("define internal i64 @main.helper(i64"),
        "{text}"
    );
    assert!(text.contains("define i64 @api(i64"), "{text}");
    // At -O2 the helper is inlined and removed.
    let text = ir(&program(vec![], None), 2).expect("empty program");
    assert!(!text.contains("define"));
}

#[test]
fn unsigned_division_and_shifts() {
    let (_j, f) = jit2(
        |b, bb, x, y| {
            let r = b.local(Ty::UINT);
            b.assign(bb, r, Rvalue::Binary(BinOp::Div, copy(x), copy(y)));
            r
        },
        Ty::UINT,
        Ty::UINT,
    );
    // SAFETY: `u64 f(u64, u64)`.
    let f: extern "C" fn(u64, u64) -> u64 = unsafe { std::mem::transmute(f) };
    assert_eq!(f(u64::MAX, 2), u64::MAX / 2);

    let (_j, g) = jit2(
        |b, bb, x, y| {
            let r = b.local(Ty::INT);
            b.assign(bb, r, Rvalue::Binary(BinOp::Shr, copy(x), copy(y)));
            r
        },
        Ty::INT,
        Ty::INT,
    );
    // SAFETY: `i64 f(i64, i64)`.
    let g: extern "C" fn(i64, i64) -> i64 = unsafe { std::mem::transmute(g) };
    assert_eq!(g(-16, 2), -4);
}

#[test]
fn float_ne_is_unordered() {
    let (_j, f) = jit2(
        |b, bb, x, y| {
            let (c, r) = (b.local(Ty::Bool), b.local(Ty::INT));
            b.assign(bb, c, Rvalue::Cmp(CmpOp::Ne, copy(x), copy(y)));
            b.assign(bb, r, Rvalue::Cast(copy(c), Ty::INT));
            r
        },
        Ty::F64,
        Ty::INT,
    );
    // SAFETY: `i64 f(f64, f64)`.
    let f: extern "C" fn(f64, f64) -> i64 = unsafe { std::mem::transmute(f) };
    assert_eq!(f(f64::NAN, f64::NAN), 1);
    assert_eq!(f(1.0, 1.0), 0);
}

#[test]
fn casts_and_select_and_switch() {
    // f(a, b) = switch a { 0 => i8(b) as i64 (sign-extended after truncation), 1 => select(b > 0, 10, 20), _ => int(float(b) * 0.5) }
    let mut b = FnB::new("f", &[("a", Ty::INT), ("b", Ty::INT)], Ty::INT).export();
    let (a, x) = (b.param(0), b.param(1));
    let i8t = Ty::Int {
        bits: 8,
        signed: true,
    };
    let (n8, r, c, fl) = (
        b.local(i8t),
        b.local(Ty::INT),
        b.local(Ty::Bool),
        b.local(Ty::F64),
    );
    let (bb0, c0, c1, other) = (b.block(), b.block(), b.block(), b.block());
    b.term(
        bb0,
        Terminator::Switch {
            value: copy(a),
            cases: vec![(0, c0), (1, c1)],
            otherwise: other,
        },
    );
    b.assign(
        c0,
        n8,
        Rvalue::Cast(
            copy(x),
            Ty::Int {
                bits: 8,
                signed: true,
            },
        ),
    );
    b.assign(c0, r, Rvalue::Cast(copy(n8), Ty::INT));
    b.term(c0, Terminator::Return(copy(r)));
    b.assign(c1, c, Rvalue::Cmp(CmpOp::Gt, copy(x), int(0)));
    b.assign(c1, r, Rvalue::Select(copy(c), int(10), int(20)));
    b.term(c1, Terminator::Return(copy(r)));
    b.assign(other, fl, Rvalue::Cast(copy(x), Ty::F64));
    b.assign(other, fl, Rvalue::Binary(BinOp::Mul, copy(fl), float(0.5)));
    b.assign(other, r, Rvalue::Cast(copy(fl), Ty::INT));
    b.term(other, Terminator::Return(copy(r)));
    let obj = mj_codegen::emit_object(
        &program(vec![b.finish()], None),
        &Options {
            opt_level: 0,
            ..Default::default()
        },
    )
    .expect("codegen");
    let j = Jit::new(&obj, &[]).expect("jit");
    // SAFETY: `i64 f(i64, i64)`.
    let f: extern "C" fn(i64, i64) -> i64 =
        unsafe { std::mem::transmute(j.lookup("f").expect("f")) };
    assert_eq!(f(0, 255), -1);
    assert_eq!(f(1, 5), 10);
    assert_eq!(f(1, -5), 20);
    assert_eq!(f(7, 9), 4);
}

#[test]
fn simd_vectors() {
    // f(a, b) = sum of lanes of (splat(a) * [1,2,3,4]) + b, via extract... done with casts:
    // v = [a, a, a, a] * [1, 2, 3, 4] as SIMD[f64, 4]; return v.1 (through a tuple-free path)
    let v4 = Ty::Vector(Box::new(Ty::F64), 4);
    let mut b = FnB::new("f", &[("a", Ty::F64)], v4.clone()).export();
    let a = b.param(0);
    let (v, w, r) = (
        b.local(v4.clone()),
        b.local(v4.clone()),
        b.local(v4.clone()),
    );
    let bb = b.block();
    b.assign(
        bb,
        v,
        Rvalue::Aggregate(v4.clone(), vec![copy(a), copy(a), copy(a), copy(a)]),
    );
    b.assign(
        bb,
        w,
        Rvalue::Aggregate(
            v4.clone(),
            vec![float(1.0), float(2.0), float(3.0), float(4.0)],
        ),
    );
    b.assign(bb, r, Rvalue::Binary(BinOp::Mul, copy(v), copy(w)));
    b.call(
        bb,
        Some(r),
        Callee::Intrinsic("llvm.sqrt".into()),
        vec![copy(r)],
    );
    b.term(bb, Terminator::Return(copy(r)));
    let text = ir(&program(vec![b.finish()], None), 2).expect("ir");
    assert!(text.contains("<4 x double>"), "{text}");
    assert!(text.contains("llvm.sqrt.v4f64"), "{text}");
}

#[test]
fn conflicting_extern_signatures_are_an_error() {
    let mut b = FnB::new("main.f", &[], Ty::Unit);
    let bb = b.block();
    b.ext(bb, None, "mj_write", vec![st("a")]);
    b.ext(bb, None, "mj_write", vec![int(1)]);
    b.term(bb, Terminator::Return(unit()));
    let err = ir(&program(vec![b.finish()], None), 0).expect_err("conflict");
    assert!(err.contains("mj_write"), "{err}");
}

#[test]
fn ill_formed_mir_is_an_error_not_a_panic() {
    // Adding an Int to a Float.
    let mut b = FnB::new("main.f", &[], Ty::INT);
    let r = b.local(Ty::INT);
    let bb = b.block();
    b.assign(bb, r, Rvalue::Binary(BinOp::Add, int(1), float(2.0)));
    b.term(bb, Terminator::Return(copy(r)));
    let err = ir(&program(vec![b.finish()], None), 0).expect_err("type error");
    assert!(err.contains("main.f"), "{err}");

    // A jump to a block that does not exist.
    let mut b = FnB::new("main.g", &[], Ty::Unit);
    let bb = b.block();
    b.term(bb, Terminator::Goto(BlockId(9)));
    let err = ir(&program(vec![b.finish()], None), 0).expect_err("bad block");
    assert!(err.contains("bb9"), "{err}");

    // A field of an Int, a missing function, a wrong return type (caught by the verifier).
    let mut b = FnB::new("main.h", &[("x", Ty::INT)], Ty::F64);
    let bb = b.block();
    b.term(bb, Terminator::Return(copy(b.param(0))));
    let err = ir(&program(vec![b.finish()], None), 0).expect_err("verifier");
    assert!(
        err.contains("verification") || err.contains("main.h"),
        "{err}"
    );

    let mut b = FnB::new("main.k", &[("x", Ty::INT)], Ty::INT);
    let bb = b.block();
    b.term(bb, Terminator::Return(copy_p(field(b.param(0), 0))));
    assert!(ir(&program(vec![b.finish()], None), 0).is_err());

    let mut b = FnB::new("main.m", &[], Ty::Unit);
    let bb = b.block();
    b.call(bb, None, Callee::Fn(FuncId(5)), vec![]);
    b.term(bb, Terminator::Return(unit()));
    assert!(ir(&program(vec![b.finish()], None), 0).is_err());
}

#[test]
fn asm_and_object() {
    let p = program(vec![], None);
    let o = Options {
        opt_level: 3,
        ..Default::default()
    };
    assert!(mj_codegen::emit_asm(&p, &o).is_ok());
    let obj = mj_codegen::emit_object(&p, &o).expect("object");
    assert!(obj.starts_with(b"\x7fELF") || obj.len() > 4);
}

#[test]
fn inline_requests_become_llvm_attributes() {
    let identity = |name: &str, inline: Inline| {
        let mut b = FnB::new(name, &[("x", Ty::INT)], Ty::INT);
        let bb = b.block();
        b.term(bb, Terminator::Return(copy(b.param(0))));
        let mut f = b.finish();
        f.inline = inline;
        // Exported, so that no pass removes an unused function.
        f.linkage = Linkage::Export;
        f
    };
    let p = program(
        vec![
            identity("small", Inline::Always),
            identity("cold", Inline::Never),
            identity("plain", Inline::Auto),
        ],
        None,
    );
    let text = ir(&p, 0).expect("ir");
    // The attribute group of a function's `define` line (`... #0 {`), spelled out.
    let attrs_of = |name: &str| -> String {
        let Some(line) = text
            .lines()
            .find(|l| l.starts_with("define") && l.contains(name))
        else {
            return String::new();
        };
        let Some(group) = line.split('#').nth(1).map(|g| g.trim_end_matches(" {")) else {
            return String::new();
        };
        text.lines()
            .find(|l| l.starts_with(&format!("attributes #{group} ")))
            .unwrap_or_default()
            .to_string()
    };
    assert!(attrs_of("@small(").contains("alwaysinline"), "{text}");
    assert!(attrs_of("@cold(").contains("noinline"), "{text}");
    let plain = attrs_of("@plain(");
    assert!(
        !plain.contains("alwaysinline") && !plain.contains("noinline"),
        "{text}"
    );
}
