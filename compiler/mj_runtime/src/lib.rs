//! The mj runtime library.
//!
//! Linked into every compiled mj program (as `libmj_runtime.a`) and into the `mj` binary
//! for JIT runs, where [`symbols`] maps each exported `mj_*` name to its address.
//! The contract is `ABI.md` next to this crate; every exported function uses only
//! `i64`, `f64` and pointers at the boundary.
//!
//! Nothing here may panic across an `extern "C"` boundary: failures that mj code can
//! observe are reported through the `err` out-parameter, and fatal ones go through
//! [`process::fatal`] which flushes stdout and exits.

pub mod crash;
pub mod cuda;
pub mod float_repr;
pub mod fmt;
pub mod fs;
pub mod gpu;
pub mod image;
pub mod io;
pub mod memory;
pub mod parallel;
pub mod process;
pub mod random;
pub mod rc;
pub mod str;
pub mod time;

#[cfg(test)]
mod tests;

/// An immutable byte string (UTF-8 by convention). Literals are compiler-emitted constants,
/// so the runtime never writes to or frees an `MjStr` it did not allocate.
#[repr(C)]
pub struct MjStr {
    pub len: i64,
    pub data: *const u8,
    /// Reference count (`rc.rs`); 0 marks an immortal string (literals, static strings).
    pub rc: i64,
}

/// Every exported `mj_*` function with its address, for the JIT's symbol resolver.
pub fn symbols() -> Vec<(&'static str, usize)> {
    macro_rules! syms {
        ($($m:ident :: $f:ident),* $(,)?) => {
            vec![$((stringify!($f), $m::$f as *const () as usize)),*]
        };
    }
    syms![
        process::mj_rt_init,
        process::mj_rt_exit,
        time::mj_time_monotonic_ns,
        time::mj_time_unix_ns,
        time::mj_sleep,
        time::mj_exit,
        process::mj_rt_abort,
        process::mj_rt_unhandled,
        process::mj_argc,
        process::mj_arg,
        process::mj_pow_int,
        process::mj_abort_div_zero,
        process::mj_abort_index,
        io::mj_write,
        io::mj_flush,
        fmt::mj_str_from_int,
        fmt::mj_str_from_uint,
        fmt::mj_str_from_f64,
        fmt::mj_str_from_f32,
        fmt::mj_fmt_int,
        fmt::mj_fmt_uint,
        fmt::mj_fmt_f64,
        fmt::mj_fmt_str,
        str::mj_str_repr,
        str::mj_str_concat,
        str::mj_str_eq,
        str::mj_str_cmp,
        str::mj_str_hash,
        str::mj_str_at,
        str::mj_str_is_char_start,
        str::mj_str_count_codepoints,
        str::mj_str_char_at,
        str::mj_str_slice,
        str::mj_str_repeat,
        str::mj_str_contains,
        str::mj_str_find,
        str::mj_str_rfind,
        str::mj_str_count,
        str::mj_str_replace,
        str::mj_str_startswith,
        str::mj_str_endswith,
        str::mj_str_strip,
        str::mj_str_lstrip,
        str::mj_str_rstrip,
        str::mj_str_upper,
        str::mj_str_lower,
        str::mj_str_isdigit,
        str::mj_str_isalpha,
        str::mj_str_isspace,
        str::mj_str_isupper,
        str::mj_str_islower,
        str::mj_str_isalnum,
        str::mj_ord,
        str::mj_chr,
        str::mj_str_to_int,
        str::mj_str_to_f64,
        str::mj_str_from_bytes,
        str::mj_str_ptr,
        rc::mj_str_retain,
        rc::mj_str_release,
        memory::mj_alloc,
        memory::mj_free,
        memory::mj_memcpy,
        memory::mj_memset,
        memory::mj_num_physical_cores,
        parallel::mj_parallel_for,
        parallel::mj_num_workers,
        gpu::mj_gpu_launch,
        cuda::mj_cuda_open,
        cuda::mj_cuda_device_count,
        cuda::mj_cuda_error,
        cuda::mj_cuda_alloc,
        cuda::mj_cuda_alloc_host,
        cuda::mj_cuda_copy,
        cuda::mj_cuda_synchronize,
        cuda::mj_cuda_attribute,
        cuda::mj_cuda_memory_info,
        cuda::mj_cuda_device_name,
        cuda::mj_cuda_driver_version,
        gpu::mj_gpu_mbarrier_init,
        gpu::mj_gpu_mbarrier_arrive,
        gpu::mj_gpu_mbarrier_test_wait,
        gpu::mj_gpu_requested_api,
        gpu::mj_gpu_driver_present,
        gpu::mj_gpu_default_notice,
        gpu::mj_gpu_dim,
        gpu::mj_gpu_lane_id,
        gpu::mj_gpu_barrier,
        gpu::mj_gpu_syncwarp,
        gpu::mj_gpu_shuffle,
        gpu::mj_gpu_shared_alloc,
        gpu::mj_gpu_dynamic_shared,
        gpu::mj_atomic_add_f32,
        gpu::mj_atomic_add_f64,
        gpu::mj_atomic_add_i32,
        gpu::mj_atomic_cas_i32,
        gpu::mj_atomic_max_i32,
        gpu::mj_atomic_min_i32,
        gpu::mj_atomic_xchg_i32,
        gpu::mj_atomic_load_i32,
        gpu::mj_atomic_store_i32,
        gpu::mj_atomic_add_i64,
        gpu::mj_atomic_cas_i64,
        gpu::mj_atomic_max_i64,
        gpu::mj_atomic_min_i64,
        gpu::mj_atomic_xchg_i64,
        gpu::mj_atomic_load_i64,
        gpu::mj_atomic_store_i64,
        gpu::mj_atomic_add_u32,
        gpu::mj_atomic_cas_u32,
        gpu::mj_atomic_max_u32,
        gpu::mj_atomic_min_u32,
        gpu::mj_atomic_xchg_u32,
        gpu::mj_atomic_load_u32,
        gpu::mj_atomic_store_u32,
        gpu::mj_atomic_add_u64,
        gpu::mj_atomic_cas_u64,
        gpu::mj_atomic_max_u64,
        gpu::mj_atomic_min_u64,
        gpu::mj_atomic_xchg_u64,
        gpu::mj_atomic_load_u64,
        gpu::mj_atomic_store_u64,
        random::mj_random_seed,
        random::mj_random_seed_clock,
        random::mj_random_u64,
        random::mj_random_f64,
        random::mj_random_range_i64,
        random::mj_random_range_u64,
        random::mj_random_normal,
        fs::mj_file_open,
        fs::mj_file_read,
        fs::mj_file_write,
        fs::mj_file_close,
        fs::mj_fs_kind,
        fs::mj_fs_read,
        fs::mj_fs_write,
        fs::mj_fs_listdir,
        fs::mj_fs_op,
        fs::mj_os_getenv,
        fs::mj_os_setenv,
        fs::mj_os_unsetenv,
        fs::mj_os_getpid,
        fs::mj_os_getcwd,
    ]
}
