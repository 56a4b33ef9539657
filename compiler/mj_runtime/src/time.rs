//! Clocks and process exit for `std.time` and `std.sys`.

use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

fn origin() -> Instant {
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    *ORIGIN.get_or_init(Instant::now)
}

/// Nanoseconds of a monotonic clock (`perf_counter_ns`, `monotonic_ns`).
#[unsafe(no_mangle)]
pub extern "C" fn mj_time_monotonic_ns() -> i64 {
    i64::try_from(origin().elapsed().as_nanos()).unwrap_or(i64::MAX)
}

/// Nanoseconds since the Unix epoch (`time_ns`).
#[unsafe(no_mangle)]
pub extern "C" fn mj_time_unix_ns() -> i64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_nanos()).unwrap_or(i64::MAX),
        Err(_) => 0,
    }
}

/// Sleeps for `secs` seconds (negative or NaN: no sleep).
#[unsafe(no_mangle)]
pub extern "C" fn mj_sleep(secs: f64) {
    if secs > 0.0 && secs.is_finite() {
        std::thread::sleep(Duration::from_secs_f64(secs.min(1e9)));
    }
}

/// `sys.exit(code)`: flushes stdout and ends the process with `code` (0..=255).
#[unsafe(no_mangle)]
pub extern "C" fn mj_exit(code: i64) -> ! {
    crate::io::flush();
    std::process::exit(code.clamp(0, 255) as i32)
}
