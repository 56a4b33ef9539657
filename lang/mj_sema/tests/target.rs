//! The checker answers `std.sys` target queries from the `Target` of the `Program` input,
//! never from the machine it runs on: the same files checked for an NVIDIA GPU, an AMD GPU
//! and an x86 CPU fold `is_gpu()` differently, pick different `comptime if` branches and
//! size `simd_width_of` vectors for that target.

use mj_sema::db::{self, Database, Program, SourceFile};
use mj_target::Target;

const MAIN: &str = "\
from sys import is_gpu, is_nvidia_gpu, is_amd_gpu, simd_width_of, CompilationTarget

def main():
    comptime W = simd_width_of[DType.float32]()
    var v = SIMD[DType.float32, W](1.5)
    comptime if is_gpu():
        print(\"on a gpu\", is_nvidia_gpu(), is_amd_gpu())
    else:
        print(\"on a cpu\", CompilationTarget.is_x86(), CompilationTarget.has_avx512f())
    print(v)
";

/// The debug text of `main`'s checked body for `target`.
fn main_body(target: Target) -> String {
    let db = Database::default();
    let main = SourceFile::new(&db, "main".into(), "main.mj".into(), MAIN.into());
    let program = Program::new(&db, vec![main], target, false);
    let checked = db::check(&db, program);
    assert!(!checked.0.has_errors(), "{:?}", checked.0.diags);
    let f = checked
        .0
        .program
        .functions
        .iter()
        .find(|f| f.name.ends_with("main"))
        .expect("main");
    format!("{:?}", f.body)
}

fn vector_width(body: &str) -> Option<&str> {
    let at = body.find("Vector(Float { bits: 32 }, ")?;
    let rest = &body[at + "Vector(Float { bits: 32 }, ".len()..];
    rest.split(')').next()
}

#[test]
fn a_gpu_target_folds_is_gpu_true_and_selects_its_branch() {
    let body = main_body(Target::nvidia_gpu("sm_90"));
    assert!(
        body.contains("\"on a gpu\"") && !body.contains("\"on a cpu\""),
        "{body}"
    );
    // `is_nvidia_gpu()` true, `is_amd_gpu()` false, in that order.
    let args = &body[body.find("\"on a gpu\"").expect("gpu branch")..];
    let t = args.find("Bool(true)").expect("is_nvidia_gpu");
    let f = args.find("Bool(false)").expect("is_amd_gpu");
    assert!(t < f, "{args}");
    // GPUs load 128 bits per thread: four `Float32` lanes.
    assert_eq!(vector_width(&body), Some("4"), "{body}");

    let amd = main_body(Target::amd_gpu("gfx942"));
    let args = &amd[amd.find("\"on a gpu\"").expect("gpu branch")..];
    assert!(args.find("Bool(false)") < args.find("Bool(true)"), "{args}");
}

#[test]
fn a_cpu_target_selects_the_cpu_branch_with_its_own_features() {
    let avx512 = Target::new("x86_64-unknown-linux-gnu", "znver4", "+avx,+avx2,+avx512f");
    let body = main_body(avx512);
    assert!(
        body.contains("\"on a cpu\"") && !body.contains("\"on a gpu\""),
        "{body}"
    );
    assert!(
        !body.contains("Bool(false)"),
        "is_x86 and has_avx512f: {body}"
    );
    assert_eq!(vector_width(&body), Some("16"), "{body}");

    let avx2 = Target::new("x86_64-unknown-linux-gnu", "x86-64-v3", "+avx,+avx2");
    let body = main_body(avx2);
    assert!(body.contains("Bool(false)"), "no AVX-512: {body}");
    assert_eq!(vector_width(&body), Some("8"), "{body}");

    let arm = Target::new("aarch64-unknown-linux-gnu", "neoverse-n1", "+neon");
    assert_eq!(vector_width(&main_body(arm)), Some("4"));
}

#[test]
fn changing_the_target_input_rechecks_the_program() {
    use salsa::Setter;
    let mut db = Database::default();
    let main = SourceFile::new(&db, "main".into(), "main.mj".into(), MAIN.into());
    let cpu = Target::new("x86_64-unknown-linux-gnu", "x86-64-v3", "+avx,+avx2");
    let program = Program::new(&db, vec![main], cpu, false);
    let body = |db: &Database| {
        let checked = db::check(db, program);
        assert!(!checked.0.has_errors(), "{:?}", checked.0.diags);
        assert_eq!(checked.0.program.target, *program.target(db));
        format!("{:?}", checked.0.program.functions)
    };
    assert!(body(&db).contains("\"on a cpu\""));
    program.set_target(&mut db).to(Target::nvidia_gpu("sm_80"));
    assert!(body(&db).contains("\"on a gpu\""));
}
