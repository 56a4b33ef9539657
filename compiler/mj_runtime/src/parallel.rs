//! `std.algorithm.parallelize`: runs work items `0..n` on all the machine's cores.
//!
//! The compiler passes a C-ABI trampoline `f(env, i)` and the closure's environment (the
//! addresses of the captured variables). Workers take the next index from a shared counter
//! (dynamic scheduling: uneven items balance themselves), and the call returns when every
//! item has run. Threads are scoped to the call, so no state outlives it; spawning two
//! threads costs tens of microseconds, small next to the work `parallelize` is meant for.

use std::sync::atomic::{AtomicI64, Ordering};

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

/// Runs `f(env, i)` for every `i` in `0..n`, spread over the worker threads.
///
/// # Safety
/// `f` must be a valid function that may run concurrently with itself on `env`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_parallel_for(f: WorkFn, env: *mut u8, n: i64) {
    if n <= 0 {
        return;
    }
    let threads = workers().min(n as usize);
    if threads <= 1 {
        for i in 0..n {
            f(env, i);
        }
        return;
    }
    let next = AtomicI64::new(0);
    // Raw pointers are not `Send`; the address travels as an integer.
    let env_addr = env as usize;
    let work = || {
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= n {
                break;
            }
            f(env_addr as *mut u8, i);
        }
    };
    std::thread::scope(|s| {
        for _ in 1..threads {
            s.spawn(work);
        }
        // The calling thread works too.
        work();
    });
}

/// The number of threads `parallelize` uses.
#[unsafe(no_mangle)]
pub extern "C" fn mj_num_workers() -> i64 {
    workers() as i64
}
