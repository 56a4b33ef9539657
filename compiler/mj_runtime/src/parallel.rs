//! `std.algorithm.parallelize`: runs work items `0..n` on all the machine's cores.
//!
//! The compiler passes a C-ABI trampoline `f(env, i)` and the closure's environment (the
//! addresses of the captured variables). A pool of worker threads, started on first use
//! and kept for the life of the process, takes the next index from a shared counter
//! (dynamic scheduling: uneven items balance themselves); the calling thread works too,
//! and the call returns when every item has run. Keeping the threads matters for kernels
//! that call `parallelize` many times on small work: a decoding step of the default model
//! makes about 150 calls of 20 to 60 microseconds each.
//!
//! So the path from a call to a worker is free of locks and system calls while the
//! workers are awake: the call writes the job into the pool and bumps a generation
//! counter that idle workers spin on, and it waits for the items' completion count by
//! spinning too. A worker sleeps on a condition variable only after spinning for a few
//! milliseconds without work, and only then does a call pay for a wake-up.
//!
//! The job lives in the pool, not in a fresh allocation per call, so the generation
//! works as a sequence lock: it is odd while a call writes the job, and a worker counts
//! itself in `active` before it reads the job and checks the generation again. A call
//! writes only once no worker is active, so a worker late for one job never runs an item
//! of the next with the previous job's function.
//!
//! A `parallelize` inside a work item (or while another thread's call is running) runs its
//! items on the calling thread: the pool serves one call at a time.

use std::cell::Cell;
use std::sync::atomic::{AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, OnceLock};

/// A work item callback: `f(env, i)`.
pub type WorkFn = extern "C" fn(*mut u8, i64);

/// The number of worker threads: `MJ_NUM_THREADS` if set (>= 1), else the number of CPUs
/// the process may run on. Read once: the CPU count comes from cgroup files, and kernels
/// ask for it on every call.
pub fn workers() -> usize {
    static N: OnceLock<usize> = OnceLock::new();
    *N.get_or_init(|| {
        if let Some(n) = std::env::var("MJ_NUM_THREADS")
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
            .filter(|n| *n >= 1)
        {
            return n;
        }
        std::thread::available_parallelism().map_or(1, |n| n.get())
    })
}

/// A value alone on its cache line: the counters are written by different threads, and
/// sharing a line would make every update move it between cores.
#[repr(align(128))]
struct Padded<T>(T);

impl<T> std::ops::Deref for Padded<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

struct Pool {
    /// The current job: the trampoline, the environment's address and the item count,
    /// written only while `generation` is odd and no worker is `active`.
    f: AtomicUsize,
    env: AtomicUsize,
    n: AtomicI64,
    /// The next item to take, and the items finished (the caller waits for `n`).
    next: Padded<AtomicI64>,
    done: Padded<AtomicI64>,
    /// Even: a job is published (or none yet); odd: the job is being written.
    generation: Padded<AtomicU64>,
    /// Workers between their check of `generation` and the end of their part of a job.
    active: Padded<AtomicUsize>,
    /// Workers asleep (or about to sleep) on `wake`.
    sleepers: AtomicUsize,
    lock: Mutex<()>,
    wake: Condvar,
    /// One call at a time uses the pool.
    busy: Mutex<()>,
    threads: usize,
    started: AtomicUsize,
}

/// How long an idle worker spins before it sleeps. Long enough to cover the gaps between
/// the calls of a forward pass (a few microseconds of single-threaded work each), short
/// enough that a worker does not take a core from other busy threads for long (a server's
/// HTTP side, a load generator on the same machine) while its caller does other work.
const SPIN: std::time::Duration = std::time::Duration::from_micros(100);

thread_local! {
    /// Whether this thread is running a work item (a nested call runs inline).
    static IN_ITEM: Cell<bool> = const { Cell::new(false) };
}

fn pool() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(|| Pool {
        f: AtomicUsize::new(0),
        env: AtomicUsize::new(0),
        n: AtomicI64::new(0),
        next: Padded(AtomicI64::new(0)),
        done: Padded(AtomicI64::new(0)),
        generation: Padded(AtomicU64::new(0)),
        active: Padded(AtomicUsize::new(0)),
        sleepers: AtomicUsize::new(0),
        lock: Mutex::new(()),
        wake: Condvar::new(),
        busy: Mutex::new(()),
        threads: workers(),
        started: AtomicUsize::new(0),
    })
}

impl Pool {
    /// Starts the worker threads (all but the caller's share) the first time.
    fn start(&'static self) {
        if self
            .started
            .compare_exchange(0, 1, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            return;
        }
        for _ in 1..self.threads {
            let spawned = std::thread::Builder::new()
                .name("mj-worker".into())
                .spawn(move || self.worker());
            if spawned.is_err() {
                // Fewer workers: the caller and the others still finish every item.
                break;
            }
        }
    }

    /// Takes items of the current job until none is left.
    fn work(&self) {
        // The job's fields are stable while this thread is counted in `active` (or is
        // the caller) and the generation is even.
        let f = self.f.load(Ordering::Relaxed);
        let env = self.env.load(Ordering::Relaxed) as *mut u8;
        let n = self.n.load(Ordering::Relaxed);
        // SAFETY: `f` was stored from a `WorkFn` by `mj_parallel_for`.
        let f: WorkFn = unsafe { std::mem::transmute::<usize, WorkFn>(f) };
        loop {
            let i = self.next.fetch_add(1, Ordering::Relaxed);
            if i >= n {
                break;
            }
            f(env, i);
            self.done.fetch_add(1, Ordering::Release);
        }
    }

    fn worker(&'static self) {
        IN_ITEM.with(|c| c.set(true));
        let mut seen = 0u64;
        loop {
            let mut spins = 0u32;
            let mut since = std::time::Instant::now();
            let g = loop {
                let g = self.generation.load(Ordering::Acquire);
                if g != seen && g.is_multiple_of(2) {
                    break g;
                }
                spins = spins.wrapping_add(1);
                if !spins.is_multiple_of(64) || since.elapsed() < SPIN {
                    std::hint::spin_loop();
                    continue;
                }
                // Sleep until a call publishes a job. The count goes up before the
                // generation is read again, so a call either sees a sleeper (and wakes
                // it) or this thread sees the new generation.
                let Ok(mut guard) = self.lock.lock() else {
                    return;
                };
                self.sleepers.fetch_add(1, Ordering::SeqCst);
                loop {
                    let g = self.generation.load(Ordering::SeqCst);
                    if g != seen && g.is_multiple_of(2) {
                        break;
                    }
                    guard = match self.wake.wait(guard) {
                        Ok(g) => g,
                        Err(_) => return,
                    };
                }
                self.sleepers.fetch_sub(1, Ordering::SeqCst);
                since = std::time::Instant::now();
            };
            self.active.fetch_add(1, Ordering::SeqCst);
            if self.generation.load(Ordering::SeqCst) == g {
                self.work();
            }
            self.active.fetch_sub(1, Ordering::Release);
            seen = g;
        }
    }

    /// Publishes a job: marks the generation odd, waits until no worker is inside the
    /// previous job, writes the job, and marks the generation even again.
    fn publish(&self, f: WorkFn, env: *mut u8, n: i64) {
        let g = self.generation.load(Ordering::Relaxed);
        self.generation.store(g + 1, Ordering::SeqCst);
        while self.active.load(Ordering::SeqCst) != 0 {
            std::hint::spin_loop();
        }
        self.f.store(f as usize, Ordering::Relaxed);
        self.env.store(env as usize, Ordering::Relaxed);
        self.n.store(n, Ordering::Relaxed);
        self.next.store(0, Ordering::Relaxed);
        self.done.store(0, Ordering::Relaxed);
        self.generation.store(g + 2, Ordering::SeqCst);
        if self.sleepers.load(Ordering::SeqCst) > 0 {
            let _g = self.lock.lock();
            self.wake.notify_all();
        }
    }
}

fn run_inline(f: WorkFn, env: *mut u8, n: i64) {
    for i in 0..n {
        f(env, i);
    }
}

/// Runs `f(env, i)` for every `i` in `0..n`, spread over the worker threads.
///
/// # Safety
/// `f` must be a valid function that may run concurrently with itself on `env`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_parallel_for(f: WorkFn, env: *mut u8, n: i64) {
    if n <= 0 {
        return;
    }
    let p = pool();
    if p.threads <= 1 || n == 1 || IN_ITEM.with(|c| c.get()) {
        return run_inline(f, env, n);
    }
    let Ok(_busy) = p.busy.try_lock() else {
        return run_inline(f, env, n);
    };
    p.start();
    p.publish(f, env, n);
    IN_ITEM.with(|c| c.set(true));
    p.work();
    IN_ITEM.with(|c| c.set(false));
    // Wait for the items other threads took: they are running, so spin, yielding the
    // core now and then in case this machine has fewer cores than busy threads.
    let mut spins = 0u32;
    while p.done.load(Ordering::Acquire) < n {
        spins += 1;
        if spins.is_multiple_of(4096) {
            std::thread::yield_now();
        } else {
            std::hint::spin_loop();
        }
    }
}

/// The number of threads `parallelize` uses.
#[unsafe(no_mangle)]
pub extern "C" fn mj_num_workers() -> i64 {
    workers() as i64
}
