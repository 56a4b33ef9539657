//! The SIMD and pointer operations compile to straight LLVM vector code: unaligned vector
//! loads and stores, vector arithmetic and `llvm.fma`, with no run-time calls or checks in
//! the loop (the lead's register-blocked matmul depends on this).

use std::process::Command;

const KERNEL: &str = "\
@export
def axpy(a: Float32, x: UnsafePointer[Float32], y: UnsafePointer[Float32], n: Int):
    var i = 0
    while i + 8 <= n:
        y.store(i, x.load[width=8](i).fma(a, y.load[width=8](i)))
        i += 8

@export
def scale(p: UnsafePointer[Float32], n: Int, s: Float32):
    var i = 0
    while i + 8 <= n:
        p.store(i, p.load[width=8](i) * s)
        i += 8

def main():
    pass
";

/// The optimized LLVM IR of one exported function.
fn function_ir(ir: &str, name: &str) -> String {
    let start = ir
        .find(&format!("@{name}("))
        .and_then(|i| ir[..i].rfind("define "))
        .unwrap_or_else(|| panic!("no function {name} in:\n{ir}"));
    let end = ir[start..].find("\n}").map_or(ir.len(), |e| start + e);
    ir[start..end].to_string()
}

#[test]
fn simd_loops_are_vector_code() {
    let dir = std::env::temp_dir().join(format!("mj-simd-codegen-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let src = dir.join("kernel.mj");
    std::fs::write(&src, KERNEL).expect("write source");
    let out = Command::new(env!("CARGO_BIN_EXE_mj"))
        .args(["build", "--emit", "llvm", "-o", "-"])
        .arg(&src)
        .env("MJ_CACHE_DIR", dir.join("cache"))
        .output()
        .expect("run mj");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ir = String::from_utf8_lossy(&out.stdout);

    let axpy = function_ir(&ir, "axpy");
    assert!(axpy.contains("load <8 x float>"), "{axpy}");
    assert!(axpy.contains("@llvm.fma.v8f32"), "{axpy}");
    assert!(axpy.contains("store <8 x float>"), "{axpy}");
    // Element alignment only: the buffers may be at any float offset.
    assert!(axpy.contains("align 4"), "{axpy}");
    let calls: Vec<&str> = axpy
        .lines()
        .filter(|l| l.contains("call ") && !l.contains("@llvm."))
        .collect();
    assert!(calls.is_empty(), "unexpected calls in axpy: {calls:?}");

    let scale = function_ir(&ir, "scale");
    assert!(scale.contains("fmul <8 x float>"), "{scale}");
    assert!(!scale.contains("call "), "{scale}");
}
