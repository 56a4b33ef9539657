//! Ending a program that cannot go on without losing what it printed: out of memory, a
//! fatal signal (stack overflow, an invalid memory access, SIGFPE), or SIGINT/SIGTERM.
//!
//! Each path writes out the stdout buffer first, says what happened on stderr, and ends
//! the process. The code here runs in signal handlers and with the heap exhausted, so it
//! allocates nothing: messages are written with `write(2)` from fixed buffers, and the
//! stdout buffer is taken only if no one holds its lock.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// The system allocator, with allocation failure turned into [`out_of_memory`]: Rust's
/// default would print a backtrace and abort without flushing the program's output.
pub struct Allocator;

// SAFETY: every method forwards to `System`, which upholds the contract; the only change
// is that a failed allocation ends the process instead of returning null.
unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if p.is_null() {
            out_of_memory(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if p.is_null() {
            out_of_memory(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if p.is_null() {
            out_of_memory(new_size);
        }
        p
    }
}

#[global_allocator]
static GLOBAL: Allocator = Allocator;

/// Writes `parts` to stderr without allocating.
pub(crate) fn say(parts: &[&[u8]]) {
    for p in parts {
        let mut rest = *p;
        while !rest.is_empty() {
            // SAFETY: `rest` is a valid buffer of `rest.len()` bytes.
            let n = unsafe { libc::write(2, rest.as_ptr().cast(), rest.len()) };
            if n <= 0 {
                return;
            }
            rest = &rest[n as usize..];
        }
    }
}

/// `n` in decimal, in `buf`.
fn decimal(mut n: usize, buf: &mut [u8; 20]) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return &buf[i..];
        }
    }
}

/// Set while the process is ending on one of these paths: a second failure (an
/// allocation inside the flush, a signal during the message) ends it at once.
static ENDING: AtomicBool = AtomicBool::new(false);

/// The allocation of `size` bytes failed: flush, report, exit with status 1.
pub fn out_of_memory(size: usize) -> ! {
    if !ENDING.swap(true, Ordering::SeqCst) {
        crate::io::flush_for_crash();
        let mut buf = [0u8; 20];
        say(&[
            b"error: out of memory (an allocation of ",
            decimal(size, &mut buf),
            b" bytes failed)\n",
        ]);
    }
    // SAFETY: `_exit` ends the process at once; no destructor or atexit handler runs
    // (they could allocate or wait for a lock this thread holds).
    unsafe { libc::_exit(1) }
}

/// The lowest address the main thread's stack may reach (its top minus its limit), for
/// telling a stack overflow from another invalid access.
static STACK_BOTTOM: AtomicUsize = AtomicUsize::new(0);
static STACK_TOP: AtomicUsize = AtomicUsize::new(0);

/// Room for the handler to run on when the stack itself has overflowed.
const ALT_STACK: usize = 64 * 1024;

/// Installs the handlers (once per process; called by `mj_rt_init`).
pub fn install() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let here = 0u8;
        let top = std::ptr::addr_of!(here) as usize;
        // SAFETY: plain system calls on valid local or freshly mapped memory.
        unsafe {
            let mut lim: libc::rlimit = std::mem::zeroed();
            let limit = if libc::getrlimit(libc::RLIMIT_STACK, &mut lim) == 0
                && lim.rlim_cur != libc::RLIM_INFINITY
            {
                lim.rlim_cur as usize
            } else {
                8 << 20
            };
            STACK_TOP.store(top, Ordering::Relaxed);
            STACK_BOTTOM.store(top.saturating_sub(limit), Ordering::Relaxed);

            let stack = libc::mmap(
                std::ptr::null_mut(),
                ALT_STACK,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            );
            if stack != libc::MAP_FAILED {
                let ss = libc::stack_t {
                    ss_sp: stack,
                    ss_flags: 0,
                    ss_size: ALT_STACK,
                };
                libc::sigaltstack(&ss, std::ptr::null_mut());
            }
            for sig in [
                libc::SIGSEGV,
                libc::SIGBUS,
                libc::SIGFPE,
                libc::SIGILL,
                libc::SIGINT,
                libc::SIGTERM,
            ] {
                let mut sa: libc::sigaction = std::mem::zeroed();
                sa.sa_sigaction = on_signal as *const () as usize;
                sa.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
                libc::sigemptyset(&mut sa.sa_mask);
                libc::sigaction(sig, &sa, std::ptr::null_mut());
            }
        }
    });
}

extern "C" fn on_signal(sig: i32, info: *mut libc::siginfo_t, _ctx: *mut libc::c_void) {
    if !ENDING.swap(true, Ordering::SeqCst) {
        crate::io::flush_for_crash();
        match sig {
            libc::SIGSEGV | libc::SIGBUS => {
                // SAFETY: the kernel passes a valid siginfo to an SA_SIGINFO handler.
                let addr = unsafe { (*info).si_addr() } as usize;
                let (bottom, top) = (
                    STACK_BOTTOM.load(Ordering::Relaxed),
                    STACK_TOP.load(Ordering::Relaxed),
                );
                // (The guard page lies just below the limit.)
                if addr < top && addr + (1 << 20) >= bottom {
                    say(&[b"error: stack overflow (deep recursion, or large local values)\n"]);
                } else {
                    say(&[b"error: invalid memory access (segmentation fault)\n"]);
                }
            }
            libc::SIGFPE => say(&[b"error: arithmetic fault (SIGFPE)\n"]),
            libc::SIGILL => say(&[b"error: illegal instruction (SIGILL)\n"]),
            _ => {}
        }
    }
    // End as the signal would have: its default action, raised again.
    // SAFETY: async-signal-safe calls with valid arguments.
    unsafe {
        libc::signal(sig, libc::SIG_DFL);
        libc::raise(sig);
    }
}
