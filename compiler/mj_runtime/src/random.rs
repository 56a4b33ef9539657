//! `std.random`: one process-wide pseudo-random generator.
//!
//! The generator is xoshiro256** (Blackman and Vigna), whose 256-bit state is filled from
//! the seed with splitmix64, so `seed(n)` gives the same sequence on every machine and in
//! both `mj run` and `mj build`. Without a call to `seed`, the state is seeded from the
//! clock and the process id on first use. The state sits behind a mutex, so threads of
//! `parallelize` can draw numbers safely (in an unspecified interleaving).
//!
//! Every derived value is documented here because programs print seeded sequences:
//! - `mj_random_f64`: the top 53 bits of one draw, times 2^-53, in [0, 1);
//! - `mj_random_range_i64` / `_u64`: one draw per attempt, mapped to the inclusive range by
//!   Lemire's multiply-and-reject method (unbiased);
//! - `mj_random_normal`: Box-Muller with two `f64` draws, `sqrt(-2 ln(1 - u1)) * cos(2 pi u2)`;

use std::sync::Mutex;

static STATE: Mutex<Option<[u64; 4]>> = Mutex::new(None);

fn splitmix64(x: &mut u64) -> u64 {
    *x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *x;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn seeded(seed: u64) -> [u64; 4] {
    let mut x = seed;
    [
        splitmix64(&mut x),
        splitmix64(&mut x),
        splitmix64(&mut x),
        splitmix64(&mut x),
    ]
}

fn clock_seed() -> u64 {
    let t = crate::time::mj_time_unix_ns() as u64;
    t ^ (u64::from(std::process::id()) << 32) ^ crate::time::mj_time_monotonic_ns() as u64
}

fn next(s: &mut [u64; 4]) -> u64 {
    let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
    let t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = s[3].rotate_left(45);
    result
}

fn with_rng<R>(f: impl FnOnce(&mut [u64; 4]) -> R) -> R {
    let mut g = STATE.lock().unwrap_or_else(|e| e.into_inner());
    let st = g.get_or_insert_with(|| seeded(clock_seed()));
    f(st)
}

fn unit(s: &mut [u64; 4]) -> f64 {
    (next(s) >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A uniform value in `0..=span` (Lemire: multiply, reject the biased low products).
fn below_inclusive(s: &mut [u64; 4], span: u64) -> u64 {
    if span == u64::MAX {
        return next(s);
    }
    let range = span + 1;
    let threshold = range.wrapping_neg() % range;
    loop {
        let m = u128::from(next(s)) * u128::from(range);
        if (m as u64) >= threshold {
            return (m >> 64) as u64;
        }
    }
}

/// `seed(a)`: restarts the sequence from `a`.
#[unsafe(no_mangle)]
pub extern "C" fn mj_random_seed(a: i64) {
    let mut g = STATE.lock().unwrap_or_else(|e| e.into_inner());
    *g = Some(seeded(a as u64));
}

/// `seed()`: reseeds from the clock and the process id.
#[unsafe(no_mangle)]
pub extern "C" fn mj_random_seed_clock() {
    let mut g = STATE.lock().unwrap_or_else(|e| e.into_inner());
    *g = Some(seeded(clock_seed()));
}

/// 64 random bits.
#[unsafe(no_mangle)]
pub extern "C" fn mj_random_u64() -> i64 {
    with_rng(next) as i64
}

/// A uniform `Float64` in [0, 1).
#[unsafe(no_mangle)]
pub extern "C" fn mj_random_f64() -> f64 {
    with_rng(unit)
}

/// A uniform `Int64` in [lo, hi] (the bounds are swapped if `lo > hi`).
#[unsafe(no_mangle)]
pub extern "C" fn mj_random_range_i64(lo: i64, hi: i64) -> i64 {
    let (lo, hi) = if lo <= hi { (lo, hi) } else { (hi, lo) };
    let span = hi.wrapping_sub(lo) as u64;
    lo.wrapping_add(with_rng(|s| below_inclusive(s, span)) as i64)
}

/// A uniform `UInt64` in [lo, hi], both read as unsigned (swapped if `lo > hi`).
#[unsafe(no_mangle)]
pub extern "C" fn mj_random_range_u64(lo: i64, hi: i64) -> i64 {
    let (lo, hi) = (lo as u64, hi as u64);
    let (lo, hi) = if lo <= hi { (lo, hi) } else { (hi, lo) };
    lo.wrapping_add(with_rng(|s| below_inclusive(s, hi - lo))) as i64
}

/// A standard normal sample (Box-Muller).
#[unsafe(no_mangle)]
pub extern "C" fn mj_random_normal() -> f64 {
    with_rng(|s| {
        let u1 = 1.0 - unit(s);
        let u2 = unit(s);
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    })
}
