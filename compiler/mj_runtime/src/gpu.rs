//! The CPU device: GPU kernels run on the host with a GPU's semantics.
//!
//! A launch (`mj_gpu_launch`) runs the grid's blocks on the `parallelize` pool, one
//! block at a time per worker thread. The threads of a block are fibers: each has a
//! stack of its own and runs the kernel until it finishes or waits (at `barrier()`, or
//! at a warp exchange), when it switches back to the block's scheduler, which resumes
//! the others in turn. A kernel without barriers therefore runs its threads one after
//! the other, each to the end, with two stack switches per thread.
//!
//! What the GPU guarantees and the fibers reproduce:
//! - `barrier()` returns once every live thread of the block has reached a barrier
//!   (a thread that has returned no longer counts, as on the hardware);
//! - shared memory (`stack_allocation[..., address_space=SHARED]`) is one region per
//!   block: the k-th shared allocation of every thread of a block is the same memory
//!   (`mj_gpu_shared_alloc`), and dynamic shared memory (`external_memory`) too;
//! - warps of `WARP_SIZE` lanes (consecutive linear thread ids) exchange values in
//!   shuffles (`mj_gpu_shuffle`): each lane publishes its value, the warp meets, each lane
//!   reads its source lane's value, and the warp meets again before the slots are reused;
//! - atomics are real atomics (blocks run in parallel on different threads).
//!
//! A block whose threads all wait and none can go on (a barrier that some threads never
//! reach while others wait at a warp exchange) stops the program with a message instead
//! of hanging.

use std::cell::{Cell, RefCell};
use std::ptr;
use std::sync::atomic::{AtomicI32, AtomicI64, AtomicU32, AtomicU64, Ordering};

/// Lanes per warp on the CPU device (NVIDIA's width: the puzzles and kernels written
/// for it assume 32).
pub const WARP_SIZE: usize = 32;
/// The most threads in one block, as on NVIDIA and AMD hardware.
pub const MAX_BLOCK_THREADS: i64 = 1024;
/// Stack of each GPU thread. Pages are committed only when touched, so the size is an
/// upper bound on a kernel's frame (local arrays included), not a cost.
const STACK_SIZE: usize = 512 * 1024;

/// The kernel trampoline the compiler generates: it reads the launch's arguments from
/// `env` and calls the kernel.
pub type KernelEntry = extern "C" fn(*mut u8);

struct Launch {
    entry: KernelEntry,
    env: *mut u8,
    grid: [i64; 3],
    block: [i64; 3],
    dyn_shared: usize,
}

struct Fiber {
    /// The saved stack pointer while the fiber is suspended.
    sp: *mut u8,
    /// The top of its stack (the stack grows down from here).
    top: *mut u8,
    tid: [i64; 3],
    done: bool,
    /// How many shared allocations this thread has made in the current block.
    shared_next: usize,
}

#[derive(Clone)]
struct Warp {
    live: usize,
    arrived: usize,
    generation: u64,
    slots: [u64; WARP_SIZE],
}

/// One worker thread's block: its fibers, barrier counters and shared memory. Kept for
/// the life of the thread so that stacks and shared regions are reused across blocks
/// and launches.
struct Block {
    launch: *const Launch,
    idx: [i64; 3],
    fibers: Vec<Fiber>,
    current: usize,
    sched_sp: *mut u8,
    live: usize,
    arrived: usize,
    generation: u64,
    warps: Vec<Warp>,
    /// Static shared regions `(address, size)`, by allocation order; reused by later
    /// blocks on this worker.
    shared: Vec<(*mut u8, usize)>,
    /// How many of `shared` the current block has claimed.
    shared_used: usize,
    dyn_shared: Vec<u64>,
    /// Counts arrivals, releases and exits: a round of waits that leaves it unchanged
    /// means no thread can go on.
    progress: u64,
    /// `progress` when a wait last saw it change, and the waits since.
    seen_progress: u64,
    idle_waits: usize,
    /// Threads in the current block.
    threads: usize,
}

thread_local! {
    /// The block this worker thread is running, null outside a kernel.
    static CURRENT: Cell<*mut Block> = const { Cell::new(ptr::null_mut()) };
    static BLOCK: RefCell<Option<Box<Block>>> = const { RefCell::new(None) };
}

// ---------------------------------------------------------------------------------------
// Stack switching

#[cfg(target_arch = "x86_64")]
#[unsafe(naked)]
/// Saves the callee-saved registers on the current stack, stores the stack pointer in
/// `*from`, and resumes the context saved at `to`. (The floating-point control words are
/// shared by all fibers of a thread: nothing in mj changes them, and reloading them on
/// every switch cost half the time of barrier-heavy kernels.)
unsafe extern "C" fn switch_stack(from: *mut *mut u8, to: *mut u8) {
    core::arch::naked_asm!(
        "push rbp",
        "push rbx",
        "push r12",
        "push r13",
        "push r14",
        "push r15",
        "mov [rdi], rsp",
        "mov rsp, rsi",
        "pop r15",
        "pop r14",
        "pop r13",
        "pop r12",
        "pop rbx",
        "pop rbp",
        "ret",
    )
}

#[cfg(target_arch = "aarch64")]
#[unsafe(naked)]
/// Saves x19-x30 and d8-d15 on the current stack, stores the stack pointer in `*from`,
/// and resumes the context saved at `to`.
unsafe extern "C" fn switch_stack(from: *mut *mut u8, to: *mut u8) {
    core::arch::naked_asm!(
        "sub sp, sp, #160",
        "stp x19, x20, [sp, #0]",
        "stp x21, x22, [sp, #16]",
        "stp x23, x24, [sp, #32]",
        "stp x25, x26, [sp, #48]",
        "stp x27, x28, [sp, #64]",
        "stp x29, x30, [sp, #80]",
        "stp d8, d9, [sp, #96]",
        "stp d10, d11, [sp, #112]",
        "stp d12, d13, [sp, #128]",
        "stp d14, d15, [sp, #144]",
        "mov x9, sp",
        "str x9, [x0]",
        "mov sp, x1",
        "ldp x19, x20, [sp, #0]",
        "ldp x21, x22, [sp, #16]",
        "ldp x23, x24, [sp, #32]",
        "ldp x25, x26, [sp, #48]",
        "ldp x27, x28, [sp, #64]",
        "ldp x29, x30, [sp, #80]",
        "ldp d8, d9, [sp, #96]",
        "ldp d10, d11, [sp, #112]",
        "ldp d12, d13, [sp, #128]",
        "ldp d14, d15, [sp, #144]",
        "add sp, sp, #160",
        "ret",
    )
}

/// Writes the frame that `switch_stack` resumes into a fresh fiber: it "returns" into
/// `fiber_main` with an ABI-aligned stack.
unsafe fn initial_frame(top: *mut u8) -> *mut u8 {
    let entry = fiber_main as *const () as u64;
    #[cfg(target_arch = "x86_64")]
    unsafe {
        // At `fiber_main`'s first instruction the stack pointer must be 8 modulo 16,
        // as after a call: a zero "return address" sits above it.
        let mut sp = top as *mut u64;
        sp = sp.sub(1);
        sp.write(0);
        sp = sp.sub(1);
        sp.write(entry);
        for _ in 0..6 {
            sp = sp.sub(1);
            sp.write(0);
        }
        sp as *mut u8
    }
    #[cfg(target_arch = "aarch64")]
    unsafe {
        let sp = (top as *mut u64).sub(20);
        for i in 0..20 {
            sp.add(i).write(0);
        }
        // x30 (the link register) is restored from offset 88.
        sp.add(11).write(entry);
        sp as *mut u8
    }
}

fn new_stack() -> *mut u8 {
    // SAFETY: an anonymous private mapping; the lowest page stays inaccessible so that
    // an overflow faults instead of writing over another fiber's stack.
    unsafe {
        let base = libc::mmap(
            ptr::null_mut(),
            STACK_SIZE,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
            -1,
            0,
        );
        if base == libc::MAP_FAILED {
            fatal("the CPU device cannot allocate a stack for a GPU thread");
        }
        libc::mprotect(base, 4096, libc::PROT_NONE);
        (base as *mut u8).add(STACK_SIZE)
    }
}

fn fatal(msg: &str) -> ! {
    crate::io::flush_for_crash();
    let text = format!("error: {msg}\n");
    // SAFETY: writing a buffer we own to standard error.
    unsafe { libc::write(2, text.as_ptr().cast(), text.len()) };
    std::process::exit(1);
}

/// Where every fiber starts: runs the kernel for its thread, then leaves for good.
extern "C" fn fiber_main() -> ! {
    let b = CURRENT.with(Cell::get);
    // SAFETY: a fiber only runs while its worker's block is current.
    unsafe {
        let launch = &*blk_of(b).launch;
        (launch.entry)(launch.env);
        thread_exit(b)
    }
}

/// The current thread has returned from the kernel: it stops counting for barriers and
/// warp exchanges (releasing them if it was the last one missing).
unsafe fn thread_exit(b: *mut Block) -> ! {
    // SAFETY: `b` is this worker's block, only touched by its own fibers.
    unsafe {
        let blk = &mut *b;
        let t = blk.current;
        blk.fibers[t].done = true;
        blk.live -= 1;
        blk.progress += 1;
        if blk.arrived > 0 && blk.arrived == blk.live {
            blk.arrived = 0;
            blk.generation += 1;
        }
        let w = &mut blk.warps[t / WARP_SIZE];
        w.live -= 1;
        if w.arrived > 0 && w.arrived == w.live {
            w.arrived = 0;
            w.generation += 1;
        }
        let mut dead: *mut u8 = ptr::null_mut();
        match next_runnable(blk, t) {
            Some(next) => {
                blk.current = next;
                let to = blk.fibers[next].sp;
                switch_stack(&mut dead, to);
            }
            None => switch_stack(&mut dead, blk.sched_sp),
        }
    }
    unreachable!("a finished GPU thread was resumed")
}

/// Suspends the current fiber and resumes the next one that has not finished (round
/// robin by thread index, switching directly). A full round of waits without progress
/// (no arrival, release or exit) means no thread can go on: the block is deadlocked.
unsafe fn yield_now(b: *mut Block) {
    // SAFETY: as in `thread_exit`; the fiber's own slot keeps its stack pointer.
    unsafe {
        let blk = blk_of(b);
        if blk.progress == blk.seen_progress {
            blk.idle_waits += 1;
        } else {
            blk.seen_progress = blk.progress;
            blk.idle_waits = 0;
        }
        if blk.idle_waits > blk.live + 1 {
            deadlock(blk);
        }
        let t = blk.current;
        let next = next_runnable(blk, t).unwrap_or(t);
        if next == t {
            return;
        }
        blk.current = next;
        let to = blk.fibers[next].sp;
        let slot: *mut *mut u8 = &mut blk_of(b).fibers[t].sp;
        switch_stack(slot, to);
    }
}

/// The first fiber after `t` (cyclically) that has not finished.
fn next_runnable(blk: &Block, t: usize) -> Option<usize> {
    let n = blk.threads;
    (1..=n).map(|k| (t + k) % n).find(|&j| !blk.fibers[j].done)
}

fn deadlock(blk: &Block) -> ! {
    let idx = blk.idx;
    CURRENT.with(|c| c.set(ptr::null_mut()));
    fatal(&format!(
        "deadlock in block ({}, {}, {}): every thread waits, at a barrier() that the others never reach or at a warp operation",
        idx[0], idx[1], idx[2]
    ))
}

/// The block behind the worker's `CURRENT` pointer. Each use is a short-lived reference:
/// fibers of the block run one at a time on this thread, and a reference never lives
/// across a stack switch.
#[allow(clippy::mut_from_ref)]
unsafe fn blk_of<'a>(b: *mut Block) -> &'a mut Block {
    // SAFETY: the caller holds the worker's current block.
    unsafe { &mut *b }
}

// ---------------------------------------------------------------------------------------
// Launch

/// Runs the kernel of trampoline `entry` on a `grid` of `block`s (x, y, z each), with
/// `dyn_shared` bytes of dynamic shared memory per block, on the device of `api` (0 the CPU
/// device, 1 CUDA). The code generator adds the last two arguments: the trampoline's
/// name and the program's device image (null without one), which a CUDA launch needs.
///
/// On the CPU device, `entry(env)` runs once per thread and the call returns when every
/// thread has finished; a CUDA launch is queued on the device's stream.
///
/// # Safety
/// `entry` must be a kernel trampoline that reads its arguments from `env`; `name` a
/// NUL-terminated string; `image` null or a device image (`image.rs`).
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn mj_gpu_launch(
    entry: KernelEntry,
    env: *mut u8,
    gx: i64,
    gy: i64,
    gz: i64,
    bx: i64,
    by: i64,
    bz: i64,
    dyn_shared: i64,
    api: i64,
    name: *const std::ffi::c_char,
    image: *const u8,
) {
    let grid = [gx, gy, gz];
    let block = [bx, by, bz];
    if api == 1 {
        // SAFETY: the code generator's NUL-terminated name.
        let tramp = unsafe { std::ffi::CStr::from_ptr(name) }.to_string_lossy();
        if let Err(e) = crate::cuda::launch(image, &tramp, env, grid, block, dyn_shared) {
            fatal(&format!("kernel launch on the CUDA device failed: {e}"));
        }
        return;
    }
    if grid.iter().chain(block.iter()).any(|&d| d < 1) {
        fatal(&format!(
            "invalid launch: grid_dim ({gx}, {gy}, {gz}) and block_dim ({bx}, {by}, {bz}) must be at least 1 in every dimension"
        ));
    }
    let threads = bx.saturating_mul(by).saturating_mul(bz);
    if threads > MAX_BLOCK_THREADS {
        fatal(&format!(
            "invalid launch: a block of {threads} threads (block_dim ({bx}, {by}, {bz})); a block has at most {MAX_BLOCK_THREADS} threads"
        ));
    }
    if !(0..=(1 << 30)).contains(&dyn_shared) {
        fatal(&format!(
            "invalid launch: {dyn_shared} bytes of dynamic shared memory"
        ));
    }
    if !CURRENT.with(Cell::get).is_null() {
        fatal("a kernel cannot launch another kernel on the CPU device");
    }
    let launch = Launch {
        entry,
        env,
        grid,
        block,
        dyn_shared: dyn_shared as usize,
    };
    let blocks = gx.saturating_mul(gy).saturating_mul(gz);
    let env = &launch as *const Launch as *mut u8;
    if blocks == 1 {
        run_block_item(env, 0);
    } else {
        // SAFETY: `run_block_item` reads the launch, which outlives the call.
        unsafe { crate::parallel::mj_parallel_for(run_block_item, env, blocks) };
    }
}

extern "C" fn run_block_item(env: *mut u8, i: i64) {
    // SAFETY: `env` is the `Launch` of `mj_gpu_launch`, alive until it returns.
    let launch = unsafe { &*(env as *const Launch) };
    let [gx, gy, _] = launch.grid;
    let idx = [i % gx, (i / gx) % gy, i / (gx * gy)];
    BLOCK.with(|cell| {
        let mut slot = cell.borrow_mut();
        let blk = slot.get_or_insert_with(|| {
            Box::new(Block {
                launch: ptr::null(),
                idx: [0; 3],
                fibers: Vec::new(),
                current: 0,
                sched_sp: ptr::null_mut(),
                live: 0,
                arrived: 0,
                generation: 0,
                warps: Vec::new(),
                shared: Vec::new(),
                shared_used: 0,
                dyn_shared: Vec::new(),
                progress: 0,
                seen_progress: 0,
                idle_waits: 0,
                threads: 0,
            })
        });
        run_block(blk, launch, idx);
    });
}

fn run_block(blk: &mut Block, launch: &Launch, idx: [i64; 3]) {
    let [bx, by, bz] = launch.block;
    let n = (bx * by * bz) as usize;
    blk.launch = launch;
    blk.idx = idx;
    while blk.fibers.len() < n {
        let top = new_stack();
        blk.fibers.push(Fiber {
            sp: ptr::null_mut(),
            top,
            tid: [0; 3],
            done: true,
            shared_next: 0,
        });
    }
    for (t, f) in blk.fibers.iter_mut().enumerate().take(n) {
        let t = t as i64;
        f.tid = [t % bx, (t / bx) % by, t / (bx * by)];
        f.done = false;
        f.shared_next = 0;
        // SAFETY: the fiber's stack is ours and not in use.
        f.sp = unsafe { initial_frame(f.top) };
    }
    blk.live = n;
    blk.threads = n;
    blk.arrived = 0;
    blk.seen_progress = blk.progress;
    blk.idle_waits = 0;
    let nwarps = n.div_ceil(WARP_SIZE);
    blk.warps.clear();
    for w in 0..nwarps {
        blk.warps.push(Warp {
            live: WARP_SIZE.min(n - w * WARP_SIZE),
            arrived: 0,
            generation: 0,
            slots: [0; WARP_SIZE],
        });
    }
    blk.shared_used = 0;
    let words = launch.dyn_shared.div_ceil(8);
    if blk.dyn_shared.len() < words {
        blk.dyn_shared.resize(words, 0);
    }
    let b: *mut Block = blk;
    CURRENT.with(|c| c.set(b));
    // SAFETY: the fibers only touch the block through `CURRENT`, and only while the
    // scheduler below is suspended in `switch_stack`.
    unsafe {
        // Fiber 0 starts; each fiber passes control on when it waits or finishes, and the
        // last one to finish comes back here.
        blk_of(b).current = 0;
        let to = blk_of(b).fibers[0].sp;
        switch_stack(&mut blk_of(b).sched_sp, to);
    }
    CURRENT.with(|c| c.set(ptr::null_mut()));
}

// ---------------------------------------------------------------------------------------
// Kernel-side operations

/// `thread_idx` (0), `block_idx` (1), `block_dim` (2), `grid_dim` (3) along `axis`
/// (0 = x, 1 = y, 2 = z). Outside a kernel: 0 for indices, 1 for dimensions.
#[unsafe(no_mangle)]
pub extern "C" fn mj_gpu_dim(which: i64, axis: i64) -> i64 {
    let b = CURRENT.with(Cell::get);
    let a = axis.clamp(0, 2) as usize;
    if b.is_null() {
        return if which >= 2 { 1 } else { 0 };
    }
    // SAFETY: the current block of this worker, read between switches.
    unsafe {
        let blk = &*b;
        match which {
            0 => blk.fibers[blk.current].tid[a],
            1 => blk.idx[a],
            2 => (*blk.launch).block[a],
            _ => (*blk.launch).grid[a],
        }
    }
}

/// The current thread's lane in its warp.
#[unsafe(no_mangle)]
pub extern "C" fn mj_gpu_lane_id() -> i64 {
    let b = CURRENT.with(Cell::get);
    if b.is_null() {
        return 0;
    }
    // SAFETY: as in `mj_gpu_dim`.
    unsafe { (blk_of(b).current % WARP_SIZE) as i64 }
}

/// `barrier()`: waits until every live thread of the block has reached a barrier.
#[unsafe(no_mangle)]
pub extern "C" fn mj_gpu_barrier() {
    let b = CURRENT.with(Cell::get);
    if b.is_null() {
        return;
    }
    // SAFETY: as in `mj_gpu_dim`; other fibers run only inside `yield_now`.
    unsafe {
        blk_of(b).arrived += 1;
        blk_of(b).progress += 1;
        let g = blk_of(b).generation;
        if blk_of(b).arrived == blk_of(b).live {
            blk_of(b).arrived = 0;
            blk_of(b).generation += 1;
            return;
        }
        while blk_of(b).generation == g {
            yield_now(b);
        }
    }
}

/// Waits until every live lane of the current warp has arrived here.
unsafe fn warp_meet(b: *mut Block, w: usize) {
    // SAFETY: as in `mj_gpu_barrier`.
    unsafe {
        let warp = &mut blk_of(b).warps[w];
        warp.arrived += 1;
        blk_of(b).progress += 1;
        let g = warp.generation;
        if warp.arrived == warp.live {
            warp.arrived = 0;
            warp.generation += 1;
            return;
        }
        while blk_of(b).warps[w].generation == g {
            yield_now(b);
        }
    }
}

/// `syncwarp()`: the lanes of the warp meet.
#[unsafe(no_mangle)]
pub extern "C" fn mj_gpu_syncwarp() {
    let b = CURRENT.with(Cell::get);
    if b.is_null() {
        return;
    }
    // SAFETY: as in `mj_gpu_barrier`.
    unsafe { warp_meet(b, blk_of(b).current / WARP_SIZE) }
}

/// A warp shuffle of a value of up to 64 bits. `mode`: 0 reads lane `arg`
/// (`shuffle_idx`, `broadcast`), 1 lane `lane - arg` (`shuffle_up`), 2 lane `lane + arg`
/// (`shuffle_down`), 3 lane `lane ^ arg` (`shuffle_xor`). A source outside the warp, or a
/// lane that has returned, gives the caller's own value (as `shfl.sync` does).
#[unsafe(no_mangle)]
pub extern "C" fn mj_gpu_shuffle(value: u64, mode: i64, arg: i64) -> u64 {
    let b = CURRENT.with(Cell::get);
    if b.is_null() {
        return value;
    }
    // SAFETY: as in `mj_gpu_barrier`.
    unsafe {
        let t = blk_of(b).current;
        let (w, lane) = (t / WARP_SIZE, (t % WARP_SIZE) as i64);
        blk_of(b).warps[w].slots[lane as usize] = value;
        warp_meet(b, w);
        let src = match mode {
            0 => arg,
            1 => lane - arg,
            2 => lane + arg,
            _ => lane ^ arg,
        };
        let in_warp = (0..WARP_SIZE as i64).contains(&src);
        let src_t = w * WARP_SIZE + if in_warp { src as usize } else { 0 };
        let r = if in_warp && src_t < blk_of(b).fibers.len() && !blk_of(b).fibers[src_t].done {
            blk_of(b).warps[w].slots[src as usize]
        } else {
            value
        };
        warp_meet(b, w);
        r
    }
}

/// The k-th shared allocation of the calling thread: the block's k-th shared region of
/// `bytes` bytes aligned to `align`, made by the first thread that asks for it.
#[unsafe(no_mangle)]
pub extern "C" fn mj_gpu_shared_alloc(bytes: i64, align: i64) -> *mut u8 {
    let b = CURRENT.with(Cell::get);
    let bytes = bytes.max(1) as usize;
    let align = (align.max(16) as usize).next_power_of_two();
    if b.is_null() {
        // Host code (a kernel body called directly): memory of its own, never freed.
        return alloc_region(bytes, align);
    }
    // SAFETY: as in `mj_gpu_dim`.
    unsafe {
        let blk = &mut *b;
        let t = blk.current;
        let k = blk.fibers[t].shared_next;
        blk.fibers[t].shared_next += 1;
        if k < blk.shared_used {
            return blk.shared[k].0;
        }
        if k < blk.shared.len()
            && blk.shared[k].1 >= bytes
            && (blk.shared[k].0 as usize).is_multiple_of(align)
        {
            blk.shared_used = k + 1;
            return blk.shared[k].0;
        }
        let p = alloc_region(bytes, align);
        if k < blk.shared.len() {
            blk.shared[k] = (p, bytes);
        } else {
            blk.shared.push((p, bytes));
        }
        blk.shared_used = k + 1;
        p
    }
}

fn alloc_region(bytes: usize, align: usize) -> *mut u8 {
    let layout = std::alloc::Layout::from_size_align(bytes, align)
        .unwrap_or_else(|_| fatal("shared memory request too large"));
    // SAFETY: a non-zero size; the region lives for the rest of the process (regions are
    // reused by later blocks on the same worker).
    let p = unsafe { std::alloc::alloc_zeroed(layout) };
    if p.is_null() {
        fatal("out of memory for shared memory");
    }
    p
}

/// The block's dynamic shared memory (`shared_mem_bytes` of the launch).
#[unsafe(no_mangle)]
pub extern "C" fn mj_gpu_dynamic_shared() -> *mut u8 {
    let b = CURRENT.with(Cell::get);
    if b.is_null() {
        return ptr::null_mut();
    }
    // SAFETY: as in `mj_gpu_dim`.
    unsafe { blk_of(b).dyn_shared.as_mut_ptr().cast() }
}

// ---------------------------------------------------------------------------------------
// Atomics (sequentially consistent, as `Atomic`'s default ordering)

macro_rules! atomic_int {
    ($fetch_add:ident, $cas:ident, $max:ident, $min:ident, $xchg:ident, $load:ident, $store:ident, $at:ty, $t:ty) => {
        /// `*p += v`, returning the old value.
        ///
        /// # Safety
        /// `p` must be valid and aligned.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $fetch_add(p: *mut $t, v: $t) -> $t {
            // SAFETY: the caller's pointer, used atomically.
            unsafe { (*(p as *const $at)).fetch_add(v, Ordering::SeqCst) }
        }
        /// Compare and exchange: returns the old value (the swap happened if it equals
        /// `expected`).
        ///
        /// # Safety
        /// As for the fetch-add.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $cas(p: *mut $t, expected: $t, desired: $t) -> $t {
            // SAFETY: as above.
            match unsafe {
                (*(p as *const $at)).compare_exchange(
                    expected,
                    desired,
                    Ordering::SeqCst,
                    Ordering::SeqCst,
                )
            } {
                Ok(v) | Err(v) => v,
            }
        }
        /// `*p = max(*p, v)`, returning the old value.
        ///
        /// # Safety
        /// As for the fetch-add.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $max(p: *mut $t, v: $t) -> $t {
            // SAFETY: as above.
            unsafe { (*(p as *const $at)).fetch_max(v, Ordering::SeqCst) }
        }
        /// `*p = min(*p, v)`, returning the old value.
        ///
        /// # Safety
        /// As for the fetch-add.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $min(p: *mut $t, v: $t) -> $t {
            // SAFETY: as above.
            unsafe { (*(p as *const $at)).fetch_min(v, Ordering::SeqCst) }
        }
        /// `*p = v`, returning the old value.
        ///
        /// # Safety
        /// As for the fetch-add.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $xchg(p: *mut $t, v: $t) -> $t {
            // SAFETY: as above.
            unsafe { (*(p as *const $at)).swap(v, Ordering::SeqCst) }
        }
        /// An atomic load.
        ///
        /// # Safety
        /// As for the fetch-add.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $load(p: *mut $t) -> $t {
            // SAFETY: as above.
            unsafe { (*(p as *const $at)).load(Ordering::SeqCst) }
        }
        /// An atomic store.
        ///
        /// # Safety
        /// As for the fetch-add.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $store(p: *mut $t, v: $t) {
            // SAFETY: as above.
            unsafe { (*(p as *const $at)).store(v, Ordering::SeqCst) }
        }
    };
}

atomic_int!(
    mj_atomic_add_i32,
    mj_atomic_cas_i32,
    mj_atomic_max_i32,
    mj_atomic_min_i32,
    mj_atomic_xchg_i32,
    mj_atomic_load_i32,
    mj_atomic_store_i32,
    AtomicI32,
    i32
);
atomic_int!(
    mj_atomic_add_i64,
    mj_atomic_cas_i64,
    mj_atomic_max_i64,
    mj_atomic_min_i64,
    mj_atomic_xchg_i64,
    mj_atomic_load_i64,
    mj_atomic_store_i64,
    AtomicI64,
    i64
);
atomic_int!(
    mj_atomic_add_u32,
    mj_atomic_cas_u32,
    mj_atomic_max_u32,
    mj_atomic_min_u32,
    mj_atomic_xchg_u32,
    mj_atomic_load_u32,
    mj_atomic_store_u32,
    AtomicU32,
    u32
);
atomic_int!(
    mj_atomic_add_u64,
    mj_atomic_cas_u64,
    mj_atomic_max_u64,
    mj_atomic_min_u64,
    mj_atomic_xchg_u64,
    mj_atomic_load_u64,
    mj_atomic_store_u64,
    AtomicU64,
    u64
);

macro_rules! atomic_float_add {
    ($name:ident, $t:ty, $bits:ty) => {
        /// `*p += v` on a float, returning the old value (a compare-and-swap loop on
        /// its bits).
        ///
        /// # Safety
        /// `p` must be valid and aligned.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $name(p: *mut $t, v: $t) -> $t {
            // SAFETY: the caller's pointer, used atomically through its bits.
            let a = unsafe { &*(p as *const $bits) };
            let mut old = a.load(Ordering::Relaxed);
            loop {
                let new = (<$t>::from_bits(old) + v).to_bits();
                match a.compare_exchange_weak(old, new, Ordering::SeqCst, Ordering::Relaxed) {
                    Ok(_) => return <$t>::from_bits(old),
                    Err(o) => old = o,
                }
            }
        }
    };
}

atomic_float_add!(mj_atomic_add_f32, f32, AtomicU32);
atomic_float_add!(mj_atomic_add_f64, f64, AtomicU64);

// ---------------------------------------------------------------------------------------
// Devices

/// Whether the driver of `api` (1 = CUDA, 2 = HIP) can be loaded on this machine.
#[unsafe(no_mangle)]
pub extern "C" fn mj_gpu_driver_present(api: i64) -> i64 {
    let name: &[u8] = match api {
        1 => return i64::from(crate::cuda::driver_present()),
        2 => b"libamdhip64.so\0",
        _ => return 1,
    };
    // SAFETY: dlopen of a NUL-terminated name; the handle is kept (loading twice is
    // harmless and the library stays usable).
    let h = unsafe { libc::dlopen(name.as_ptr().cast(), libc::RTLD_LAZY | libc::RTLD_LOCAL) };
    i64::from(!h.is_null())
}

static NOTICE: std::sync::Once = std::sync::Once::new();

/// `DeviceContext()` without `api` chose the CPU device: say so once, on standard error.
#[unsafe(no_mangle)]
pub extern "C" fn mj_gpu_default_notice() {
    NOTICE.call_once(|| {
        let why = if mj_gpu_driver_present(1) != 0 {
            "a CUDA driver is present, but no CUDA device could be opened"
        } else {
            "no CUDA or HIP GPU driver found"
        };
        crate::io::flush_for_crash();
        let text = format!("mj: DeviceContext() uses the CPU device ({why})\n");
        // SAFETY: writing a buffer we own to standard error.
        unsafe { libc::write(2, text.as_ptr().cast(), text.len()) };
    });
}

/// The device `mj run --device D` asked for (`MJ_DEVICE`): 0 none, 1 cpu, 2 cuda, 3 hip.
#[unsafe(no_mangle)]
pub extern "C" fn mj_gpu_requested_api() -> i64 {
    match std::env::var("MJ_DEVICE").as_deref() {
        Ok("cpu") => 1,
        Ok("cuda") => 2,
        Ok("hip") => 3,
        _ => 0,
    }
}

// ---------------------------------------------------------------------------------------
// Memory barriers in shared memory (`mbarrier_*`): a word of expected arrivals and a word
// of (phase << 31 | arrivals). A block's threads run on one OS thread, so plain accesses
// suffice.

/// `mbarrier_init(p, count)`: a barrier that completes a phase after `count` arrivals.
///
/// # Safety
/// `p` must point to 8 writable bytes (the block's shared memory).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_gpu_mbarrier_init(p: *mut u64, count: i64) {
    // SAFETY: the caller's barrier word.
    unsafe {
        let w = p as *mut u32;
        w.write(count.clamp(1, i64::from(u32::MAX >> 1)) as u32);
        w.add(1).write(0);
    }
}

/// `mbarrier_arrive(p)`: counts one arrival; returns the phase it arrived in.
///
/// # Safety
/// As for `mj_gpu_mbarrier_init`, on an initialized barrier.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_gpu_mbarrier_arrive(p: *mut u64) -> u64 {
    // SAFETY: as above.
    unsafe {
        let w = p as *mut u32;
        let expected = w.read();
        let state = w.add(1).read();
        let phase = state >> 31;
        let arrived = (state & 0x7fff_ffff) + 1;
        if arrived >= expected {
            w.add(1).write((phase ^ 1) << 31);
        } else {
            w.add(1).write((phase << 31) | arrived);
        }
        let b = CURRENT.with(Cell::get);
        if !b.is_null() {
            blk_of(b).progress += 1;
        }
        u64::from(phase)
    }
}

/// `mbarrier_test_wait(p, token)`: whether the phase `token` arrived in has completed.
/// It does not block (as on a GPU); on the CPU device a thread whose phase is not
/// complete first lets the block's other threads run once, since fibers only switch when
/// a thread waits.
///
/// # Safety
/// As for `mj_gpu_mbarrier_arrive`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_gpu_mbarrier_test_wait(p: *mut u64, token: u64) -> bool {
    // SAFETY: as above; other fibers run only inside `yield_now`.
    unsafe {
        let w = (p as *mut u32).add(1);
        let done = |w: *mut u32| u64::from(w.read() >> 31) != token & 1;
        if done(w) {
            return true;
        }
        let b = CURRENT.with(Cell::get);
        if !b.is_null() {
            // A yield is progress of its own: the thread goes on afterwards.
            blk_of(b).progress += 1;
            yield_now(b);
        }
        done(w)
    }
}
