//! What a program is compiled for: a plain description (triple, CPU, features, pointer
//! width, vector width, kind of device) that the checker, the lowering and the code
//! generator all read, so the frontend answers `std.sys` queries (`simd_width_of`,
//! `is_gpu()`, `CompilationTarget.has_avx512f()`, `os_is_linux()`, ...) without looking at
//! the machine it runs on. The host's `Target` is computed by the back end
//! (`mj_codegen::host_target`, from LLVM's host queries); `lang/` only receives it.
//!
//! No dependency, no I/O: a `Target` is a value, hashed into salsa inputs and cache keys.

/// The kind of device code runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Cpu,
    NvidiaGpu,
    AmdGpu,
    AppleGpu,
}

/// The instruction-set family, decided from the triple.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Arch {
    X86_64,
    X86,
    Aarch64,
    Arm,
    Riscv64,
    Riscv32,
    Nvptx64,
    Amdgcn,
    Other,
}

/// The operating system of the triple (`None` for bare device code such as `nvptx64-nvidia-cuda`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Os {
    Linux,
    Macos,
    Windows,
    None,
}

/// One compilation target.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Target {
    /// LLVM target triple, e.g. `x86_64-unknown-linux-gnu`, `nvptx64-nvidia-cuda`.
    pub triple: String,
    /// CPU (or GPU architecture) name as LLVM spells it: `znver4`, `apple-m1`, `sm_90`, `gfx942`.
    pub cpu: String,
    /// Enabled features, LLVM spelling without the `+` (`avx2`, `avx512f`, `neon`), sorted.
    pub features: Vec<String>,
    /// The feature string as given (`+avx2,-avx512fp16,...`): the code generator passes it
    /// on unchanged, since the disabled entries matter too (a CPU model may imply a feature
    /// that this machine lacks).
    pub feature_string: String,
    pub kind: Kind,
    pub arch: Arch,
    pub os: Os,
    /// Bits of a pointer (and of an address-sized integer).
    pub pointer_bits: u32,
    pub little_endian: bool,
    /// Bits of the widest vector register used for `simd_width_of` / `simd_bit_width()`.
    pub vector_bits: u32,
    /// The accelerator a host program may launch work on (`has_accelerator()`); `None`
    /// until the driver detects devices.
    pub accelerator: Option<Kind>,
}

impl Target {
    /// A target from an LLVM triple, CPU name and feature string (`+avx2,-avx512f,...`
    /// or a list of names): the rest is derived.
    pub fn new(triple: &str, cpu: &str, features: &str) -> Target {
        let mut feats: Vec<String> = features
            .split(',')
            .map(str::trim)
            .filter(|f| !f.is_empty() && !f.starts_with('-'))
            .map(|f| f.trim_start_matches('+').to_string())
            .collect();
        feats.sort();
        feats.dedup();
        let arch_name = triple.split('-').next().unwrap_or("");
        let arch = match arch_name {
            "x86_64" => Arch::X86_64,
            "i386" | "i486" | "i586" | "i686" | "x86" => Arch::X86,
            "aarch64" | "arm64" => Arch::Aarch64,
            a if a.starts_with("arm") || a.starts_with("thumb") => Arch::Arm,
            "riscv64" => Arch::Riscv64,
            "riscv32" => Arch::Riscv32,
            "nvptx64" | "nvptx" => Arch::Nvptx64,
            "amdgcn" => Arch::Amdgcn,
            _ => Arch::Other,
        };
        let os = if triple.contains("linux") {
            Os::Linux
        } else if triple.contains("darwin") || triple.contains("macos") {
            Os::Macos
        } else if triple.contains("windows") {
            Os::Windows
        } else {
            Os::None
        };
        let kind = match arch {
            Arch::Nvptx64 => Kind::NvidiaGpu,
            Arch::Amdgcn => Kind::AmdGpu,
            _ if triple.starts_with("air") => Kind::AppleGpu,
            _ => Kind::Cpu,
        };
        let pointer_bits = match arch {
            Arch::X86 | Arch::Arm | Arch::Riscv32 => 32,
            _ => 64,
        };
        let has = |f: &str| feats.iter().any(|x| x == f);
        // The widest register the vectorizer may use: AVX-512 and AVX on x86; GPUs load
        // 128 bits per thread; NEON and SSE are 128 bits.
        let vector_bits = match arch {
            Arch::X86_64 | Arch::X86 if has("avx512f") => 512,
            Arch::X86_64 | Arch::X86 if has("avx") => 256,
            _ => 128,
        };
        Target {
            triple: triple.to_string(),
            cpu: cpu.to_string(),
            features: feats,
            feature_string: features.to_string(),
            kind,
            arch,
            os,
            pointer_bits,
            little_endian: true,
            vector_bits,
            accelerator: None,
        }
    }

    /// An NVIDIA GPU of compute capability `sm` (e.g. `sm_90`).
    pub fn nvidia_gpu(sm: &str) -> Target {
        Target::new("nvptx64-nvidia-cuda", sm, "")
    }

    /// An AMD GPU (e.g. `gfx942`).
    pub fn amd_gpu(arch: &str) -> Target {
        Target::new("amdgcn-amd-amdhsa", arch, "")
    }

    /// Whether the feature (LLVM spelling) is enabled.
    pub fn has_feature(&self, f: &str) -> bool {
        self.features.iter().any(|x| x == f)
    }

    pub fn is_gpu(&self) -> bool {
        self.kind != Kind::Cpu
    }

    pub fn is_x86(&self) -> bool {
        matches!(self.arch, Arch::X86_64 | Arch::X86)
    }

    /// Lanes of an element of `elem_bits` bits in the widest vector register (at least 1).
    pub fn simd_width(&self, elem_bits: u32) -> u32 {
        (self.vector_bits / elem_bits.max(8)).max(1)
    }

    /// Bytes of a pointer.
    pub fn pointer_bytes(&self) -> u32 {
        self.pointer_bits / 8
    }

    /// A stable one-line identity (triple, CPU, feature string), for cache keys and messages.
    pub fn id(&self) -> String {
        format!("{} {} {}", self.triple, self.cpu, self.feature_string)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_like_x86_with_avx512() {
        let t = Target::new(
            "x86_64-unknown-linux-gnu",
            "znver4",
            "+avx,+avx2,-amx-tile,+avx512f",
        );
        assert_eq!(t.kind, Kind::Cpu);
        assert!(t.is_x86() && !t.is_gpu());
        assert_eq!(t.os, Os::Linux);
        assert_eq!(t.vector_bits, 512);
        assert_eq!(t.simd_width(32), 16);
        assert!(t.has_feature("avx2") && !t.has_feature("amx-tile"));
        assert_eq!(t.pointer_bytes(), 8);
    }

    #[test]
    fn gpus() {
        let n = Target::nvidia_gpu("sm_90");
        assert_eq!(
            (n.kind, n.arch, n.os),
            (Kind::NvidiaGpu, Arch::Nvptx64, Os::None)
        );
        assert_eq!(n.simd_width(32), 4);
        let a = Target::amd_gpu("gfx942");
        assert!(a.is_gpu() && a.kind == Kind::AmdGpu);
    }

    #[test]
    fn arm_mac() {
        let t = Target::new("arm64-apple-darwin", "apple-m1", "+neon");
        assert_eq!((t.arch, t.os), (Arch::Aarch64, Os::Macos));
        assert_eq!(t.simd_width(64), 2);
    }
}
