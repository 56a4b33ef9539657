//! End-to-end tests of the GPU layer through the command line: the GPU examples run on
//! the CPU device, `mj run --device`, and device code (`--emit ptx`, `--emit gpu-obj`,
//! `--emit gpu-llvm`) with its errors. Assembling the PTX with `ptxas` is
//! `scripts/gpu-check` (it needs the PyPI wheel); here the PTX text itself is checked.

mod common;

use std::path::{Path, PathBuf};

use common::*;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn example(name: &str) -> String {
    repo().join("examples/gpu").join(name).display().to_string()
}

/// `mj build FILE ARGS...` in `d`.
fn build(d: &TempDir, file: &Path, args: &[&str]) -> std::process::Output {
    let f = file.display().to_string();
    let mut all = vec!["build", f.as_str()];
    all.extend_from_slice(args);
    mj_in(d, &all)
}

const KERNEL: &str = "\
from std.gpu import thread_idx, barrier
from std.gpu.host import DeviceContext
from std.memory import AddressSpace
from std.atomic import Atomic

def scale(out: UnsafePointer[Float32, MutAnyOrigin], k: Float32, n: Int):
    var s = stack_allocation[64, Float32, address_space=AddressSpace.SHARED]()
    var i = Int(thread_idx.x)
    s[i] = Float32(i)
    barrier()
    if i < n - 1:
        out[i] = s[63 - i] * k
    _ = Atomic[DType.float32].fetch_add(out + (n - 1), 1.0)

def main() raises:
    var ctx = DeviceContext(api=\"cpu\")
    var b = ctx.enqueue_create_buffer[DType.float32](64)
    b.enqueue_fill(0)
    ctx.enqueue_function[scale](b, Float32(2), 64, grid_dim=1, block_dim=64)
    with b.map_to_host() as h:
        print(h[0], h[1], h[63])
";

#[test]
fn gpu_examples_run_on_the_cpu_device() {
    let d = TempDir::new("gpu-examples");
    let mut ran = 0;
    for e in std::fs::read_dir(repo().join("examples/gpu")).expect("examples/gpu") {
        let p = e.expect("entry").path();
        if p.extension().and_then(|x| x.to_str()) != Some("mj") {
            continue;
        }
        let o = mj_in(&d, &["run", &p.display().to_string()]);
        assert_eq!(code(&o), 0, "{}: {}", p.display(), describe(&o));
        assert!(
            stdout(&o).contains(" ok"),
            "{}: {}",
            p.display(),
            describe(&o)
        );
        ran += 1;
    }
    assert!(ran >= 3, "only {ran} GPU examples");
}

#[test]
fn kernel_runs_with_shared_memory_barrier_and_atomics() {
    let d = TempDir::new("gpu-kernel");
    let f = d.write("k.mj", KERNEL);
    let o = mj_in(&d, &["run", &f.display().to_string()]);
    assert_eq!(code(&o), 0, "{}", describe(&o));
    // out[i] = (63 - i) * 2; out[63] counts the 64 threads atomically.
    assert_eq!(stdout(&o), "126.0 124.0 64.0\n", "{}", describe(&o));
}

#[test]
fn device_option_chooses_the_default_device() {
    let d = TempDir::new("gpu-device");
    let ex = example("vector_add.mj");
    let o = mj_in(&d, &["run", "--device", "cpu", &ex]);
    assert_eq!(code(&o), 0, "{}", describe(&o));
    assert!(
        !stderr(&o).contains("uses the CPU device"),
        "{}",
        describe(&o)
    );
    let o = mj_in(&d, &["run", &ex]);
    assert!(
        stderr(&o).contains("DeviceContext() uses the CPU device"),
        "{}",
        describe(&o)
    );
    let o = mj_in(&d, &["run", "--device", "hip", &ex]);
    assert_eq!(code(&o), 1, "{}", describe(&o));
    assert!(stderr(&o).contains("api=\"hip\""), "{}", describe(&o));
    let o = mj_in(&d, &["run", "--device", "tpu", &ex]);
    assert_eq!(code(&o), 1, "{}", describe(&o));
    assert!(
        stderr(&o).contains("unknown device `tpu`"),
        "{}",
        describe(&o)
    );
}

#[test]
fn emit_ptx_for_each_architecture() {
    let d = TempDir::new("gpu-ptx");
    let f = d.write("k.mj", KERNEL);
    for sm in ["sm_80", "sm_90a", "sm_100a"] {
        let o = build(&d, &f, &["--emit", "ptx", "--gpu", sm]);
        assert_eq!(code(&o), 0, "{sm}: {}", describe(&o));
        let ptx = stdout(&o);
        assert!(ptx.contains(&format!(".target {sm}")), "{sm}:\n{ptx}");
        assert!(ptx.contains(".visible .entry scale("), "{sm}:\n{ptx}");
        assert!(ptx.contains("bar.sync"), "barrier missing:\n{ptx}");
        assert!(ptx.contains(".shared"), "shared memory missing:\n{ptx}");
        assert!(ptx.contains("atom."), "atomic missing:\n{ptx}");
        assert!(ptx.contains("%tid.x"), "thread index missing:\n{ptx}");
        // No host runtime call survives in device code.
        assert!(
            !ptx.contains(".extern .func"),
            "host call in device code:\n{ptx}"
        );
    }
    let out = d.path().join("k.ptx");
    let o = build(&d, &f, &["--emit", "ptx", "-o", &out.display().to_string()]);
    assert_eq!(code(&o), 0, "{}", describe(&o));
    let ptx = std::fs::read_to_string(&out).expect("ptx written");
    assert!(ptx.contains(".target sm_90a"), "default GPU:\n{ptx}");
}

#[test]
fn emit_amd_code_object() {
    let d = TempDir::new("gpu-amd");
    let f = d.write("k.mj", KERNEL);
    let out = d.path().join("k.hsaco");
    let o = build(
        &d,
        &f,
        &[
            "--emit",
            "gpu-obj",
            "--gpu",
            "gfx942",
            "-o",
            &out.display().to_string(),
        ],
    );
    assert_eq!(code(&o), 0, "{}", describe(&o));
    let bytes = std::fs::read(&out).expect("code object written");
    assert_eq!(&bytes[..4], b"\x7fELF", "not an ELF file");
    assert!(
        bytes.windows(6).any(|w| w == b"scale\0"),
        "kernel symbol `scale` missing"
    );
    let o = build(&d, &f, &["--emit", "gpu-llvm", "--gpu", "gfx950"]);
    assert_eq!(code(&o), 0, "{}", describe(&o));
    assert!(stdout(&o).contains("amdgpu_kernel"), "{}", describe(&o));
}

#[test]
fn device_code_errors_are_clear() {
    let d = TempDir::new("gpu-errors");
    let f = d.write("k.mj", KERNEL);
    let o = build(&d, &f, &["--emit", "ptx", "--gpu", "gfx942"]);
    assert_eq!(code(&o), 1, "{}", describe(&o));
    assert!(
        stderr(&o).contains("needs an NVIDIA GPU"),
        "{}",
        describe(&o)
    );
    let o = build(&d, &f, &["--emit", "gpu-obj", "--gpu", "sm_90a"]);
    assert_eq!(code(&o), 1, "{}", describe(&o));
    assert!(stderr(&o).contains("needs an AMD GPU"), "{}", describe(&o));
    let o = build(&d, &f, &["--gpu", "gfx942"]);
    assert_eq!(code(&o), 1, "{}", describe(&o));
    assert!(
        stderr(&o).contains("needs an NVIDIA GPU"),
        "{}",
        describe(&o)
    );
    let plain = d.write("plain.mj", "def main():\n    print(1)\n");
    let o = build(&d, &plain, &["--emit", "ptx"]);
    assert_eq!(code(&o), 1, "{}", describe(&o));
    assert!(
        stderr(&o).contains("launches no kernel"),
        "{}",
        describe(&o)
    );
    let printing = d.write(
        "p.mj",
        "from std.gpu.host import DeviceContext\n\ndef k(n: Int):\n    print(n)\n\ndef main() raises:\n    var ctx = DeviceContext(api=\"cpu\")\n    ctx.enqueue_function[k](3, grid_dim=1, block_dim=1)\n",
    );
    let o = build(&d, &printing, &["--emit", "ptx"]);
    assert_eq!(code(&o), 1, "{}", describe(&o));
    assert!(
        stderr(&o).contains("kernel code cannot use"),
        "{}",
        describe(&o)
    );
    assert_no_panic(&o);
    // The same kernel prints on the CPU device.
    let o = mj_in(&d, &["run", &printing.display().to_string()]);
    assert_eq!(stdout(&o), "3\n", "{}", describe(&o));
}

#[test]
fn shared_memory_helper_called_twice_gets_two_regions() {
    let d = TempDir::new("gpu-shared2");
    let f = repo().join("tests/run/gpu_shared_helper_twice.mj");
    let o = build(&d, &f, &["--emit", "ptx"]);
    assert_eq!(code(&o), 0, "{}", describe(&o));
    let ptx = stdout(&o);
    assert_eq!(ptx.matches(".shared .align").count(), 2, "{ptx}");
}

/// `mj build --gpu sm_80,sm_90a` embeds the kernels' PTX in the executable (the device
/// image the CUDA device launches from); the executable still runs on the CPU device, and
/// asking it for CUDA without a driver is a clear error, never a crash.
#[test]
fn executables_carry_their_kernels() {
    let d = TempDir::new("gpu-image");
    let f = d.write("k.mj", &KERNEL.replace("api=\"cpu\"", ""));
    let o = build(&d, &f, &["--gpu", "sm_80,sm_90a", "-o", "k"]);
    assert_eq!(code(&o), 0, "{}", describe(&o));
    let exe = d.path().join("k");
    let bytes = std::fs::read(&exe).expect("executable");
    let text = String::from_utf8_lossy(&bytes);
    // (The runtime's own reader holds the header too: find the image by its first entry.)
    let at = text.find("mj-gpu-image 1\nentry ").expect("device image");
    let image = &text[at..];
    assert!(
        image.contains("entry k.main.scale$launch0 scale\n"),
        "{image:.300}"
    );
    for arch in ["sm_80", "sm_90a"] {
        assert!(
            image.contains(&format!("\nptx {arch} ")),
            "no PTX for {arch}"
        );
        assert!(
            image.contains(&format!(".target {arch}")),
            "no .target {arch}"
        );
    }
    assert!(image.contains(".visible .entry scale("), "{image:.600}");
    let run = |device: &str| {
        std::process::Command::new(&exe)
            .env("MJ_DEVICE", device)
            .output()
            .expect("run the executable")
    };
    let o = run("cpu");
    assert_eq!(code(&o), 0, "{}", describe(&o));
    assert_eq!(stdout(&o).trim(), "126.0 124.0 64.0", "{}", describe(&o));
    let o = run("cuda");
    if o.status.success() {
        // A machine with an NVIDIA GPU: the same answer from it.
        assert_eq!(stdout(&o).trim(), "126.0 124.0 64.0", "{}", describe(&o));
    } else {
        assert_eq!(code(&o), 1, "{}", describe(&o));
        assert!(stderr(&o).contains("CUDA"), "{}", describe(&o));
    }
    // Without `--gpu`, on a machine without a GPU, nothing is embedded.
    let o = build(&d, &f, &["-o", "plain"]);
    assert_eq!(code(&o), 0, "{}", describe(&o));
    let plain = std::fs::read(d.path().join("plain")).expect("executable");
    let has_gpu = std::path::Path::new("/dev/nvidiactl").exists();
    if !has_gpu {
        assert!(
            !String::from_utf8_lossy(&plain).contains("mj-gpu-image 1\nentry "),
            "an image without a GPU"
        );
    }
}
