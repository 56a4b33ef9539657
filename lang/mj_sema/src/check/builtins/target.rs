//! Target queries of `std.sys` / `std.sys.info` that take no arguments and fold to
//! constants: the accelerator queries, byte order and pointer width, the operating system,
//! `is_gpu()` and friends, and the `CompilationTarget` static methods
//! (`CompilationTarget.is_x86()`, `.has_avx2()`, `.is_linux()`, ...). Every answer comes
//! from the [`Target`] the program is checked for (an input of the database), never from
//! the machine the compiler runs on.

use mj_target::{Arch, Kind, Os, Target};

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

/// The value of the zero-argument query `name` (a free function of `std.sys`, or with
/// `method` a static method of `CompilationTarget`) for target `t`; `None` for other names.
pub(crate) fn target_query(t: &Target, name: &str, method: bool) -> Option<ConstVal> {
    let b = |v: bool| Some(ConstVal::Bool(v));
    let linux = t.os == Os::Linux;
    let macos = t.os == Os::Macos;
    let vector_bits = i128::from(t.vector_bits);
    if method {
        return match name {
            "is_x86" => b(t.is_x86()),
            "is_arm" => b(matches!(t.arch, Arch::Aarch64 | Arch::Arm)),
            "is_riscv" => b(matches!(t.arch, Arch::Riscv64 | Arch::Riscv32)),
            "is_rv64" => b(t.arch == Arch::Riscv64),
            "is_rv32" => b(t.arch == Arch::Riscv32),
            "is_linux" => b(linux),
            "is_macos" => b(macos),
            "is_apple_silicon" => b(macos && t.arch == Arch::Aarch64),
            "is_apple_m1" | "is_apple_m2" | "is_apple_m3" | "is_apple_m4" | "is_apple_m5" => {
                b(t.cpu == format!("apple-m{}", &name[10..]))
            }
            "is_neoverse_n1" => b(t.cpu == "neoverse-n1"),
            "has_intel_amx" => b(t.has_feature("amx-tile")),
            "has_neon" => b(t.arch == Arch::Aarch64 || t.has_feature("neon")),
            "has_neon_int8_dotprod" => b(t.has_feature("dotprod")),
            "has_neon_int8_matmul" => b(t.has_feature("i8mm")),
            "has_sse4" => b(t.has_feature("sse4.1")),
            "has_avx" => b(t.has_feature("avx")),
            "has_avx2" => b(t.has_feature("avx2")),
            "has_avx512f" => b(t.has_feature("avx512f")),
            "has_fma" => b(t.has_feature("fma")),
            "has_vnni" => b(t.has_feature("avx512vnni")),
            _ => None,
        };
    }
    let accel = |k: Option<Kind>| b(t.accelerator.is_some() && (k.is_none() || t.accelerator == k));
    match name {
        "has_accelerator" => accel(None),
        "has_nvidia_gpu_accelerator" => accel(Some(Kind::NvidiaGpu)),
        "has_amd_gpu_accelerator" => accel(Some(Kind::AmdGpu)),
        "has_apple_gpu_accelerator" => accel(Some(Kind::AppleGpu)),
        "is_big_endian" => b(!t.little_endian),
        "is_little_endian" => b(t.little_endian),
        "is_64bit" => b(t.pointer_bits == 64),
        "is_32bit" => b(t.pointer_bits == 32),
        "os_is_linux" => b(linux),
        "os_is_macos" => b(macos),
        "os_is_windows" => b(t.os == Os::Windows),
        "simd_bit_width" => Some(ConstVal::Int(vector_bits, Ty::INT)),
        "simd_byte_width" => Some(ConstVal::Int(vector_bits / 8, Ty::INT)),
        "is_gpu" => b(t.is_gpu()),
        "is_nvidia_gpu" => b(t.kind == Kind::NvidiaGpu),
        "is_amd_gpu" => b(t.kind == Kind::AmdGpu),
        "is_apple_gpu" => b(t.kind == Kind::AppleGpu),
        "is_x86" => b(t.is_x86()),
        _ => None,
    }
}

/// `align_of[T]()` where the type's alignment is fixed: scalars and vectors align to
/// their size, arrays to their element; `None` leaves it to the size (structs, handles).
pub(crate) fn align_of(target: &Target, t: &Ty) -> Option<u32> {
    match t {
        Ty::Array(e, _) => align_of(target, e),
        Ty::Bool | Ty::Int { .. } | Ty::Float { .. } | Ty::Vector(..) => {
            super::simd_types::fixed_size(target, t)
        }
        Ty::RawPtr(..) | Ty::Str => Some(target.pointer_bytes()),
        _ => None,
    }
}

/// `DType` methods folded at compile time: `dt.is_floating_point()`, `dt.bit_width()`, ...
pub(crate) fn dtype_query(target: &Target, t: &Ty, name: &str) -> Option<ConstVal> {
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
            i128::from(super::simd_types::fixed_size(target, t)?),
            Ty::INT,
        )),
        _ => None,
    }
}
