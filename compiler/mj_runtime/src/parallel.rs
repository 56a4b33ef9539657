//! `std.algorithm.parallelize`: runs work items `0..n` on all the machine's cores.
//!
//! The compiler passes a C-ABI trampoline `f(env, i)` and the closure's environment (the
//! addresses of the captured variables). A pool of worker threads, started on first use
//! and kept for the life of the process, takes the next index from a shared counter
//! (dynamic scheduling: uneven items balance themselves); the calling thread works too,
//! and the call returns when every item has run. Keeping the threads matters for kernels
//! that call `parallelize` many times on small work (a matmul of 256x256 takes well under
//! a millisecond; starting threads each time would cost a large part of it).
//!
//! A `parallelize` inside a work item (or while another thread's call is running) runs its
//! items on the calling thread: the pool serves one call at a time.

use std::cell::Cell;
use std::sync::atomic::{AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};

/// A work item callback: `f(env, i)`.
pub type WorkFn = extern "C" fn(*mut u8, i64);

/// The number of worker threads: `MJ_NUM_THREADS` if set (>= 1), else the number of CPUs
/// the process may run on.
pub fn workers() -> usize {
    if let Some(n) = std::env::var("MJ_NUM_THREADS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| *n >= 1)
    {
        return n;
    }
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// A value alone on its cache line: the counters of a job are written by different
/// threads, and sharing a line would make every update move it between cores.
#[repr(align(128))]
struct Padded<T>(T);

impl<T> std::ops::Deref for Padded<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// One `parallelize` call being worked on.
struct Job {
    f: WorkFn,
    /// The environment's address (raw pointers are not `Send`).
    env: usize,
    n: i64,
    next: Padded<AtomicI64>,
    /// Items finished; the caller waits for `n`.
    done: Padded<AtomicI64>,
}

impl Job {
    fn work(&self) {
        loop {
            let i = self.next.fetch_add(1, Ordering::Relaxed);
            if i >= self.n {
                break;
            }
            (self.f)(self.env as *mut u8, i);
            self.done.fetch_add(1, Ordering::Release);
        }
    }
}

struct Pool {
    /// The current job and a generation number that changes with each new job.
    slot: Mutex<(Option<Arc<Job>>, u64)>,
    wake: Condvar,
    /// Signalled when a worker finishes its part of a job.
    finished: Condvar,
    finished_lock: Mutex<()>,
    /// One call at a time uses the pool.
    busy: Mutex<()>,
    threads: usize,
    started: AtomicUsize,
    /// The generation of the latest job, readable without the lock: a worker that just
    /// finished spins on it for a moment before sleeping, since kernels often call
    /// `parallelize` again right away and waking a sleeping thread takes tens of
    /// microseconds.
    generation: AtomicU64,
}

/// How long an idle worker spins before it sleeps (iterations of a pause instruction).
const SPIN: u32 = 200_000;

thread_local! {
    /// Whether this thread is running a work item (a nested call runs inline).
    static IN_ITEM: Cell<bool> = const { Cell::new(false) };
}

fn pool() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(|| Pool {
        slot: Mutex::new((None, 0)),
        wake: Condvar::new(),
        finished: Condvar::new(),
        finished_lock: Mutex::new(()),
        busy: Mutex::new(()),
        threads: workers(),
        started: AtomicUsize::new(0),
        generation: AtomicU64::new(0),
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

    fn worker(&'static self) {
        IN_ITEM.with(|c| c.set(true));
        let mut seen = 0u64;
        loop {
            let mut spins = 0;
            while spins < SPIN && self.generation.load(Ordering::Acquire) == seen {
                spins += 1;
                std::hint::spin_loop();
            }
            let job = {
                let Ok(mut g) = self.slot.lock() else { return };
                while g.1 == seen || g.0.is_none() {
                    g = match self.wake.wait(g) {
                        Ok(g) => g,
                        Err(_) => return,
                    };
                }
                seen = g.1;
                g.0.clone()
            };
            if let Some(job) = job {
                job.work();
                let _g = self.finished_lock.lock();
                self.finished.notify_all();
            }
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
    let job = Arc::new(Job {
        f,
        env: env as usize,
        n,
        next: Padded(AtomicI64::new(0)),
        done: Padded(AtomicI64::new(0)),
    });
    if let Ok(mut g) = p.slot.lock() {
        g.0 = Some(job.clone());
        g.1 = g.1.wrapping_add(1);
        p.generation.store(g.1, Ordering::Release);
        p.wake.notify_all();
    } else {
        return run_inline(f, env, n);
    }
    IN_ITEM.with(|c| c.set(true));
    job.work();
    IN_ITEM.with(|c| c.set(false));
    // Wait for the items other threads took: briefly spinning (they are usually about to
    // finish), then sleeping on the condition variable.
    let mut spins = 0u32;
    while job.done.load(Ordering::Acquire) < n {
        if spins < 2000 {
            spins += 1;
            std::hint::spin_loop();
            continue;
        }
        let Ok(g) = p.finished_lock.lock() else {
            break;
        };
        if job.done.load(Ordering::Acquire) >= n {
            break;
        }
        let _ = p
            .finished
            .wait_timeout(g, std::time::Duration::from_millis(1));
    }
    if let Ok(mut g) = p.slot.lock() {
        g.0 = None;
    }
}

/// The number of threads `parallelize` uses.
#[unsafe(no_mangle)]
pub extern "C" fn mj_num_workers() -> i64 {
    workers() as i64
}
