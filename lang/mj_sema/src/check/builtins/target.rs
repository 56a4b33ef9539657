//! Target queries of `std.sys` / `std.sys.info` that take no arguments and fold to
//! constants: the accelerator queries (always `False`: mj compiles for the CPU), byte
//! order and pointer width, the operating system, and the `CompilationTarget` static
//! methods (`CompilationTarget.is_x86()`, `.has_avx2()`, `.is_linux()`, ...), decided for
//! the host the compiler runs on, which is the target it generates code for.

use crate::check::ConstVal;
use crate::ty::Ty;

/// Free functions of `std.sys` answered here.
pub(crate) const TARGET_FNS: &[&str] = &[
    "has_accelerator",
    "has_nvidia_gpu_accelerator",
    "has_amd_gpu_accelerator",
    "has_apple_gpu_accelerator",
    "is_little_endian",
    "is_big_endian",
    "is_64bit",
    "is_32bit",
    "os_is_linux",
    "os_is_macos",
    "os_is_windows",
    "simd_bit_width",
    "simd_byte_width",
    "CompilationTarget",
];

#[cfg(target_arch = "x86_64")]
fn x86_feature(name: &str) -> bool {
    match name {
        "sse4" => std::arch::is_x86_feature_detected!("sse4.1"),
        "avx" => std::arch::is_x86_feature_detected!("avx"),
        "avx2" => std::arch::is_x86_feature_detected!("avx2"),
        "avx512f" => std::arch::is_x86_feature_detected!("avx512f"),
        "fma" => std::arch::is_x86_feature_detected!("fma"),
        "vnni" => std::arch::is_x86_feature_detected!("avx512vnni"),
        _ => false,
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn x86_feature(_name: &str) -> bool {
    false
}

/// The value of the zero-argument query `name` (a free function of `std.sys`, or with
/// `method` a static method of `CompilationTarget`); `None` for other names.
pub(crate) fn target_query(name: &str, method: bool) -> Option<ConstVal> {
    let b = |v: bool| Some(ConstVal::Bool(v));
    let linux = cfg!(target_os = "linux");
    let macos = cfg!(target_os = "macos");
    let vector_bits = i128::from(super::simd_types::host_vector_bits());
    if method {
        return match name {
            "is_x86" => b(cfg!(target_arch = "x86_64") || cfg!(target_arch = "x86")),
            "is_arm" => b(cfg!(target_arch = "aarch64") || cfg!(target_arch = "arm")),
            "is_riscv" => b(cfg!(target_arch = "riscv64") || cfg!(target_arch = "riscv32")),
            "is_rv64" => b(cfg!(target_arch = "riscv64")),
            "is_rv32" => b(cfg!(target_arch = "riscv32")),
            "is_linux" => b(linux),
            "is_macos" => b(macos),
            "is_apple_silicon" => b(macos && cfg!(target_arch = "aarch64")),
            "is_apple_m1"
            | "is_apple_m2"
            | "is_apple_m3"
            | "is_apple_m4"
            | "is_apple_m5"
            | "is_neoverse_n1"
            | "has_intel_amx"
            | "has_neon_int8_dotprod"
            | "has_neon_int8_matmul" => b(false),
            "has_neon" => b(cfg!(target_arch = "aarch64")),
            "has_sse4" | "has_avx" | "has_avx2" | "has_avx512f" | "has_fma" | "has_vnni" => {
                b(x86_feature(&name[4..]))
            }
            _ => None,
        };
    }
    match name {
        "has_accelerator"
        | "has_nvidia_gpu_accelerator"
        | "has_amd_gpu_accelerator"
        | "has_apple_gpu_accelerator"
        | "is_big_endian"
        | "is_32bit" => b(false),
        "is_little_endian" | "is_64bit" => b(true),
        "os_is_linux" => b(linux),
        "os_is_macos" => b(macos),
        "os_is_windows" => b(cfg!(target_os = "windows")),
        "simd_bit_width" => Some(ConstVal::Int(vector_bits, Ty::INT)),
        "simd_byte_width" => Some(ConstVal::Int(vector_bits / 8, Ty::INT)),
        _ => None,
    }
}

/// `align_of[T]()` where the type's alignment is fixed: scalars and vectors align to
/// their size, arrays to their element; `None` leaves it to the size (structs, handles).
pub(crate) fn align_of(t: &Ty) -> Option<u32> {
    match t {
        Ty::Array(e, _) => align_of(e),
        Ty::Bool | Ty::Int { .. } | Ty::Float { .. } | Ty::Vector(..) => {
            super::simd_types::fixed_size(t)
        }
        Ty::RawPtr(..) | Ty::Str | Ty::List(_) | Ty::Dict(..) => Some(8),
        _ => None,
    }
}

/// `DType` methods folded at compile time: `dt.is_floating_point()`, `dt.bit_width()`, ...
pub(crate) fn dtype_query(t: &Ty, name: &str) -> Option<ConstVal> {
    let b = |v: bool| Some(ConstVal::Bool(v));
    let bits = match t {
        Ty::Bool => 1,
        Ty::Int { bits, .. } => i128::from(*bits),
        Ty::Float { bits } => i128::from(*bits & 0x7f),
        _ => return None,
    };
    match name {
        "is_floating_point" => b(t.is_float()),
        "is_integral" => b(t.is_int()),
        "is_unsigned" => b(matches!(t, Ty::Int { signed: false, .. })),
        "is_signed" => b(matches!(t, Ty::Int { signed: true, .. }) || t.is_float()),
        "is_numeric" => b(t.is_int() || t.is_float()),
        "is_bool" => b(*t == Ty::Bool),
        "bit_width" => Some(ConstVal::Int(bits, Ty::INT)),
        "size_of" | "sizeof" => Some(ConstVal::Int(
            i128::from(super::simd_types::fixed_size(t)?),
            Ty::INT,
        )),
        _ => None,
    }
}
