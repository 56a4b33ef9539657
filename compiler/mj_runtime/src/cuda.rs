//! The CUDA device: kernels run on an NVIDIA GPU through the driver API, which cudarc
//! loads at run time (`libcuda.so.1`). Building mj needs no CUDA, and on a machine
//! without a driver `DeviceContext(api="cuda")` gets an error while the CPU device works.
//!
//! One context serves the process: the primary context of the device the program opened
//! last. All work goes on the legacy default stream, so a copy (`cuMemcpy`, whose
//! direction the driver reads from the unified addresses) waits for the kernels before it
//! and a kernel for the copies before it; `synchronize` waits for everything.
//!
//! Kernels come from the program's device image (`image.rs`): the CLI compiles the
//! launched kernels to PTX for one or more GPUs and embeds the image; the launch names its
//! trampoline, whose PTX entry the image maps. A module is loaded (and JIT-compiled by the
//! driver) once per image.
//!
//! Every function reports failure through its result and keeps the message for
//! `mj_cuda_error`; a driver missing a symbol panics inside cudarc, which is caught here.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::{CStr, CString, c_void};
use std::ptr;
use std::sync::Mutex;

use cudarc::driver::sys;

thread_local! {
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
}

fn set_error(msg: String) {
    LAST_ERROR.with(|e| *e.borrow_mut() = msg);
}

/// The current device and what was loaded on it.
struct State {
    ctx: sys::CUcontext,
    dev: sys::CUdevice,
    ordinal: i64,
    /// Compute capability (major, minor).
    cc: (i32, i32),
    /// (image address, trampoline name) -> kernel.
    functions: HashMap<(usize, String), sys::CUfunction>,
    /// image address -> its module on this device.
    modules: HashMap<usize, sys::CUmodule>,
}

// SAFETY: the driver's handles may be used from any thread once the context is current
// there (`with_ctx` makes it so).
unsafe impl Send for State {}

static STATE: Mutex<Option<State>> = Mutex::new(None);

/// The driver's name and description of `r`.
fn describe(r: sys::CUresult) -> String {
    let mut name: *const std::ffi::c_char = ptr::null();
    let mut text: *const std::ffi::c_char = ptr::null();
    // SAFETY: the driver writes pointers to static strings.
    unsafe {
        sys::cuGetErrorName(r, &mut name);
        sys::cuGetErrorString(r, &mut text);
    }
    let s = |p: *const std::ffi::c_char| {
        if p.is_null() {
            None
        } else {
            // SAFETY: a NUL-terminated static string of the driver.
            Some(unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
        }
    };
    match (s(name), s(text)) {
        (Some(n), Some(t)) => format!("{n}: {t}"),
        (Some(n), None) => n,
        _ => format!("CUDA error {}", r as i64),
    }
}

fn check(r: sys::CUresult, what: &str) -> Result<(), String> {
    if r == sys::CUresult::CUDA_SUCCESS {
        Ok(())
    } else {
        Err(format!("{what} failed ({})", describe(r)))
    }
}

/// Runs `f` with the driver loaded, turning a panic inside cudarc (a missing library or
/// symbol) into an error.
fn guarded<T>(f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    if !driver_present() {
        return Err("no CUDA driver on this machine (libcuda.so.1 cannot be loaded)".into());
    }
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|p| {
        let msg = p
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "unknown failure".into());
        Err(format!("the CUDA driver failed: {msg}"))
    })
}

/// Whether the driver library loads (asked once: cudarc tries a list of file names).
pub fn driver_present() -> bool {
    static PRESENT: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    // SAFETY: only asks whether the library can be loaded.
    *PRESENT.get_or_init(|| unsafe { sys::is_culib_present() })
}

/// Runs `f` on the open device with its context current on this thread.
fn with_ctx<T>(f: impl FnOnce(&mut State) -> Result<T, String>) -> Result<T, String> {
    guarded(|| {
        let mut g = STATE.lock().unwrap_or_else(|e| e.into_inner());
        let st = g
            .as_mut()
            .ok_or("no CUDA device is open (create a DeviceContext(api=\"cuda\") first)")?;
        // SAFETY: a context retained by `open`.
        check(unsafe { sys::cuCtxSetCurrent(st.ctx) }, "cuCtxSetCurrent")?;
        f(st)
    })
}

fn report<T>(r: Result<T, String>, fail: T) -> T {
    r.unwrap_or_else(|e| {
        set_error(e);
        fail
    })
}

fn open(ordinal: i64) -> Result<(), String> {
    guarded(|| {
        // SAFETY: plain driver calls with out-pointers to locals.
        unsafe {
            check(sys::cuInit(0), "cuInit")?;
            let mut n = 0;
            check(sys::cuDeviceGetCount(&mut n), "cuDeviceGetCount")?;
            if ordinal < 0 || ordinal >= i64::from(n) {
                return Err(format!(
                    "there is no CUDA device {ordinal} (this machine has {n})"
                ));
            }
            let mut g = STATE.lock().unwrap_or_else(|e| e.into_inner());
            if g.as_ref().is_some_and(|s| s.ordinal == ordinal) {
                return Ok(());
            }
            let mut dev = 0;
            check(sys::cuDeviceGet(&mut dev, ordinal as i32), "cuDeviceGet")?;
            let mut ctx = ptr::null_mut();
            check(
                sys::cuDevicePrimaryCtxRetain(&mut ctx, dev),
                "cuDevicePrimaryCtxRetain",
            )?;
            check(sys::cuCtxSetCurrent(ctx), "cuCtxSetCurrent")?;
            let attr = |a| {
                let mut v = 0;
                sys::cuDeviceGetAttribute(&mut v, a, dev);
                v
            };
            use sys::CUdevice_attribute::*;
            let cc = (
                attr(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR),
                attr(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR),
            );
            *g = Some(State {
                ctx,
                dev,
                ordinal,
                cc,
                functions: HashMap::new(),
                modules: HashMap::new(),
            });
            Ok(())
        }
    })
}

/// The PTX architecture that suits a GPU of compute capability `cc`: the `a` variants
/// (wgmma, setmaxnreg) where the GPU has them.
pub fn arch_for(cc: (i32, i32)) -> String {
    match cc {
        (9, 0) => "sm_90a".into(),
        (10, 0) => "sm_100a".into(),
        (major, minor) => format!("sm_{major}{minor}"),
    }
}

/// The architecture of CUDA device 0, when a driver and a device are present (the CLI
/// compiles the kernels of `mj run` for it).
pub fn device_arch() -> Option<String> {
    open(0).ok()?;
    let g = STATE.lock().unwrap_or_else(|e| e.into_inner());
    g.as_ref().map(|s| arch_for(s.cc))
}

/// Loads the module of `image` that suits the device, and finds the entry of `tramp`.
fn function(st: &mut State, image: *const u8, tramp: &str) -> Result<sys::CUfunction, String> {
    let key = (image as usize, tramp.to_string());
    if let Some(f) = st.functions.get(&key) {
        return Ok(*f);
    }
    if image.is_null() {
        return Err("this program carries no device code: run it with `mj run`, or build it with `mj build --gpu sm_XX` for the GPU".into());
    }
    // SAFETY: the image is a NUL-terminated constant of the program.
    let text = unsafe { CStr::from_ptr(image.cast()) }.to_bytes();
    let img = crate::image::Image::parse(text)?;
    let entry = img.entry(tramp).ok_or_else(|| {
        format!("the program's device code has no kernel for the launch `{tramp}`")
    })?;
    let module = match st.modules.get(&(image as usize)) {
        Some(m) => *m,
        None => {
            let (arch, ptx) = img.pick(st.cc).ok_or_else(|| {
                format!(
                    "the program's device code is for {}, which a GPU of compute capability {}.{} cannot run; build it with `--gpu {}`",
                    img.arches().join(", "),
                    st.cc.0,
                    st.cc.1,
                    arch_for(st.cc)
                )
            })?;
            let m = load_ptx(ptx).map_err(|e| format!("loading the {arch} kernels: {e}"))?;
            st.modules.insert(image as usize, m);
            m
        }
    };
    let name = CString::new(entry).map_err(|_| "bad kernel name".to_string())?;
    let mut f = ptr::null_mut();
    // SAFETY: a loaded module and a NUL-terminated name.
    check(
        unsafe { sys::cuModuleGetFunction(&mut f, module, name.as_ptr()) },
        &format!("finding the kernel `{entry}`"),
    )?;
    st.functions.insert(key, f);
    Ok(f)
}

/// Loads PTX text, with the JIT's error log in the error.
fn load_ptx(ptx: &[u8]) -> Result<sys::CUmodule, String> {
    let mut src = ptx.to_vec();
    src.push(0);
    let mut log = vec![0u8; 16 << 10];
    let mut opts = [
        sys::CUjit_option::CU_JIT_ERROR_LOG_BUFFER,
        sys::CUjit_option::CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES,
    ];
    let mut vals = [log.as_mut_ptr() as *mut c_void, log.len() as *mut c_void];
    let mut m = ptr::null_mut();
    // SAFETY: NUL-terminated PTX; option values as the driver documents them.
    let r = unsafe {
        sys::cuModuleLoadDataEx(
            &mut m,
            src.as_ptr().cast(),
            opts.len() as u32,
            opts.as_mut_ptr(),
            vals.as_mut_ptr(),
        )
    };
    if r != sys::CUresult::CUDA_SUCCESS {
        let end = log.iter().position(|&b| b == 0).unwrap_or(log.len());
        return Err(format!(
            "cuModuleLoadDataEx failed ({}): {}",
            describe(r),
            String::from_utf8_lossy(&log[..end]).trim()
        ));
    }
    Ok(m)
}

/// Launches `tramp`'s kernel from `image` with the environment tuple `env` (the kernel's
/// one by-value parameter).
#[allow(clippy::too_many_arguments)]
pub(crate) fn launch(
    image: *const u8,
    tramp: &str,
    env: *mut u8,
    grid: [i64; 3],
    block: [i64; 3],
    dyn_shared: i64,
) -> Result<(), String> {
    with_ctx(|st| {
        let f = function(st, image, tramp)?;
        if dyn_shared >= 48 << 10 {
            // Above 48 KiB a kernel must opt in to its dynamic shared memory.
            // SAFETY: a kernel of the current context.
            check(
                unsafe {
                    sys::cuFuncSetAttribute(
                        f,
                        sys::CUfunction_attribute::CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                        dyn_shared as i32,
                    )
                },
                "allowing the kernel's dynamic shared memory",
            )?;
        }
        let dim = |v: i64| u32::try_from(v).map_err(|_| format!("launch extent {v} too large"));
        let mut params = [env as *mut c_void];
        // SAFETY: `params` holds the address of the kernel's one parameter, alive until the
        // call returns (the driver copies it).
        check(
            unsafe {
                sys::cuLaunchKernel(
                    f,
                    dim(grid[0])?,
                    dim(grid[1])?,
                    dim(grid[2])?,
                    dim(block[0])?,
                    dim(block[1])?,
                    dim(block[2])?,
                    dim(dyn_shared)?,
                    ptr::null_mut(),
                    params.as_mut_ptr(),
                    ptr::null_mut(),
                )
            },
            "cuLaunchKernel",
        )
    })
}

// ---------------------------------------------------------------------------------------
// The functions `std.gpu.host` calls (ABI.md). Results: 0 or a pointer on success; on
// failure -1 or null, with the message kept for `mj_cuda_error`.

/// Opens CUDA device `ordinal` and makes it the current one.
#[unsafe(no_mangle)]
pub extern "C" fn mj_cuda_open(ordinal: i64) -> i64 {
    report(open(ordinal).map(|_| 0), -1)
}

/// How many CUDA devices this machine has (0 without a driver).
#[unsafe(no_mangle)]
pub extern "C" fn mj_cuda_device_count() -> i64 {
    guarded(|| {
        // SAFETY: plain driver calls.
        unsafe {
            check(sys::cuInit(0), "cuInit")?;
            let mut n = 0;
            check(sys::cuDeviceGetCount(&mut n), "cuDeviceGetCount")?;
            Ok(i64::from(n))
        }
    })
    .unwrap_or(0)
}

/// Copies the message of the last failure on this thread into `buf` (at most `cap`
/// bytes); returns its length.
///
/// # Safety
/// `buf` must have room for `cap` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_cuda_error(buf: *mut u8, cap: i64) -> i64 {
    LAST_ERROR.with(|e| {
        let e = e.borrow();
        let mut n = e.len().min(cap.max(0) as usize);
        while n > 0 && !e.is_char_boundary(n) {
            n -= 1;
        }
        // SAFETY: the caller's buffer has room for `cap >= n` bytes.
        unsafe { ptr::copy_nonoverlapping(e.as_ptr(), buf, n) };
        n as i64
    })
}

/// `bytes` of device memory, zeroed (as fresh memory reads on the CPU device).
#[unsafe(no_mangle)]
pub extern "C" fn mj_cuda_alloc(bytes: i64) -> *mut u8 {
    let r = with_ctx(|_| {
        let mut p = 0;
        let n = bytes.max(1) as usize;
        // SAFETY: an out-pointer to a local, then a memset of the new allocation.
        unsafe {
            check(sys::cuMemAlloc_v2(&mut p, n), "cuMemAlloc")
                .map_err(|e| format!("allocating {bytes} bytes of device memory: {e}"))?;
            check(sys::cuMemsetD8_v2(p, 0, n), "cuMemsetD8")?;
        }
        Ok(p as usize as *mut u8)
    });
    report(r, ptr::null_mut())
}

/// `bytes` of page-locked host memory that kernels can read and write.
#[unsafe(no_mangle)]
pub extern "C" fn mj_cuda_alloc_host(bytes: i64) -> *mut u8 {
    let r = with_ctx(|_| {
        let mut p = ptr::null_mut();
        // SAFETY: an out-pointer to a local.
        check(
            unsafe { sys::cuMemAllocHost_v2(&mut p, bytes.max(1) as usize) },
            "cuMemAllocHost",
        )
        .map_err(|e| format!("allocating {bytes} bytes of pinned host memory: {e}"))?;
        Ok(p.cast::<u8>())
    });
    report(r, ptr::null_mut())
}

/// Copies `bytes` between any two of device, pinned and ordinary host memory; waits for
/// the work before it.
///
/// # Safety
/// Both ranges must be valid for `bytes` bytes in their memories.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_cuda_copy(dst: *mut u8, src: *const u8, bytes: i64) -> i64 {
    if bytes <= 0 {
        return 0;
    }
    let r = with_ctx(|_| {
        // SAFETY: the caller's ranges; unified addressing tells the direction.
        check(
            unsafe { sys::cuMemcpy(dst as u64, src as u64, bytes as usize) },
            "cuMemcpy",
        )
    });
    report(r.map(|_| 0), -1)
}

/// Waits for all work on the device; reports a kernel's failure (a trap, a bad address).
#[unsafe(no_mangle)]
pub extern "C" fn mj_cuda_synchronize() -> i64 {
    // SAFETY: a plain driver call on the current context.
    let r = with_ctx(|_| check(unsafe { sys::cuCtxSynchronize() }, "synchronize"));
    report(r.map(|_| 0), -1)
}

/// A device attribute (`DeviceAttribute`'s numbers are CUDA's); -1 for one not known.
#[unsafe(no_mangle)]
pub extern "C" fn mj_cuda_attribute(attr: i64) -> i64 {
    use sys::CUdevice_attribute::*;
    let a = match attr {
        1 => CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK,
        2 => CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X,
        3 => CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Y,
        4 => CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Z,
        5 => CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X,
        6 => CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y,
        7 => CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Z,
        8 => CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK,
        10 => CU_DEVICE_ATTRIBUTE_WARP_SIZE,
        12 => CU_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_BLOCK,
        13 => CU_DEVICE_ATTRIBUTE_CLOCK_RATE,
        16 => CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT,
        39 => CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_MULTIPROCESSOR,
        75 => CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR,
        76 => CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR,
        81 => CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_MULTIPROCESSOR,
        82 => CU_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_MULTIPROCESSOR,
        106 => CU_DEVICE_ATTRIBUTE_MAX_BLOCKS_PER_MULTIPROCESSOR,
        _ => return -1,
    };
    let r = with_ctx(|st| {
        let mut v = 0;
        // SAFETY: an out-pointer to a local.
        check(
            unsafe { sys::cuDeviceGetAttribute(&mut v, a, st.dev) },
            "cuDeviceGetAttribute",
        )?;
        Ok(i64::from(v))
    });
    report(r, -1)
}

/// Free and total device memory in bytes, through `out[0]` and `out[1]`.
///
/// # Safety
/// `out` must have room for two `i64`s.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_cuda_memory_info(out: *mut i64) -> i64 {
    let r = with_ctx(|_| {
        let (mut free, mut total) = (0usize, 0usize);
        // SAFETY: out-pointers to locals.
        check(
            unsafe { sys::cuMemGetInfo_v2(&mut free, &mut total) },
            "cuMemGetInfo",
        )?;
        // SAFETY: the caller's two slots.
        unsafe {
            out.write(free as i64);
            out.add(1).write(total as i64);
        }
        Ok(0)
    });
    report(r, -1)
}

/// The device's name into `buf` (at most `cap` bytes); returns its length.
///
/// # Safety
/// `buf` must have room for `cap` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_cuda_device_name(buf: *mut u8, cap: i64) -> i64 {
    let r = with_ctx(|st| {
        let mut name = [0 as std::ffi::c_char; 256];
        // SAFETY: the driver writes a NUL-terminated name into the local array.
        check(
            unsafe { sys::cuDeviceGetName(name.as_mut_ptr(), name.len() as i32, st.dev) },
            "cuDeviceGetName",
        )?;
        // SAFETY: NUL-terminated by the driver.
        let s = unsafe { CStr::from_ptr(name.as_ptr()) }.to_bytes();
        let n = s.len().min(cap.max(0) as usize);
        // SAFETY: the caller's buffer has room for `cap >= n` bytes.
        unsafe { ptr::copy_nonoverlapping(s.as_ptr(), buf, n) };
        Ok(n as i64)
    });
    report(r, 0)
}

/// The driver's version (e.g. 12040 for CUDA 12.4).
#[unsafe(no_mangle)]
pub extern "C" fn mj_cuda_driver_version() -> i64 {
    guarded(|| {
        let mut v = 0;
        // SAFETY: an out-pointer to a local.
        check(
            unsafe { sys::cuDriverGetVersion(&mut v) },
            "cuDriverGetVersion",
        )?;
        Ok(i64::from(v))
    })
    .unwrap_or(0)
}
