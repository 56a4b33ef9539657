//! Fuzz/property test of the lowering: every program the checker accepts without errors
//! lowers to MIR without an `Err` (an internal compiler error) and without a panic, and the
//! MIR prints.
//!
//! Inputs: random mostly well-typed programs and mutations of the corpus (tests/run,
//! tests/fail, tests/mir); the generators are shared with `lang/mj_sema/tests/fuzz.rs`.
//! Knobs: MJ_FUZZ_SEED, MJ_FUZZ_SECS (per test), MJ_FUZZ_CASES (per test), e.g.
//! `MJ_FUZZ_SECS=120 MJ_FUZZ_SEED=3 cargo test -p mj_lower --test fuzz_lower -- --nocapture`.

#[path = "../../../lang/mj_sema/tests/fuzzgen/mod.rs"]
mod fuzzgen;

use std::sync::atomic::{AtomicU64, Ordering};

use fuzzgen::{Config, Extra, Rng, catch, config, drive, report};
use mj_sema::db;

fn cfg() -> Config {
    config(1.5, 200_000)
}

/// Checks `text`; when it is error-free, lowers it. `Err` on a panic anywhere or an ICE.
fn check_and_lower(text: &str, extras: &[Extra], lowered: &AtomicU64) -> Result<(), String> {
    let outcome = catch(|| {
        let (database, program) = fuzzgen::program(text, extras);
        let diags = db::diagnostics(&database, program);
        let checked = db::check(&database, program);
        if diags.iter().any(|(_, d)| d.is_error()) || checked.0.has_errors() {
            // MJ_FUZZ_DUMP=DIR keeps inputs the checker rejected, to tune the generators.
            if let Ok(dir) = std::env::var("MJ_FUZZ_DUMP") {
                let first = diags
                    .iter()
                    .find(|(_, d)| d.is_error())
                    .map(|(_, d)| format!("{d:?}"))
                    .unwrap_or_default();
                let n = lowered.load(Ordering::Relaxed);
                let _ = std::fs::write(
                    std::path::Path::new(&dir).join(format!("rejected_{n}_{}.mj", text.len())),
                    format!("{text}\n# {first}\n"),
                );
            }
            return Ok(());
        }
        lowered.fetch_add(1, Ordering::Relaxed);
        let mir = mj_lower::lower_program(&checked.0.program)
            .map_err(|e| format!("lowering returned Err (internal compiler error): {e}"))?;
        let _ = mj_mir::print_program(&mir);
        Ok(())
    });
    match outcome {
        Ok(r) => r,
        Err(panic) => Err(format!("panic: {panic}")),
    }
}

#[test]
fn corpus_lowers() {
    let extras = fuzzgen::corpus_extras();
    let n = AtomicU64::new(0);
    for (name, text) in fuzzgen::corpus() {
        if let Err(m) = check_and_lower(&text, &extras, &n) {
            panic!("{name}: {m}");
        }
    }
    assert!(
        n.load(Ordering::Relaxed) > 0,
        "no corpus program checked clean"
    );
}

#[test]
fn generated_programs_lower() {
    let cfg = cfg();
    let lowered = AtomicU64::new(0);
    let r = drive(&cfg, "typed", 5, &mut fuzzgen::typed_program, &mut |t| {
        check_and_lower(t, &[], &lowered)
    });
    eprintln!(
        "generated programs: {} of {} checked clean and were lowered",
        lowered.load(Ordering::Relaxed),
        r.0
    );
    report(&cfg, "generated programs (lowering)", &[r]);
}

#[test]
fn corpus_mutations_lower() {
    let cfg = cfg();
    let corpus = fuzzgen::corpus();
    let extras = fuzzgen::corpus_extras();
    let lowered = AtomicU64::new(0);
    let r = drive(
        &cfg,
        "mutation",
        6,
        &mut |rng: &mut Rng| {
            let (_, text) = rng.pick(&corpus);
            let (_, donor) = rng.pick(&corpus);
            fuzzgen::mutate(rng, text, donor)
        },
        &mut |t| check_and_lower(t, &extras, &lowered),
    );
    eprintln!(
        "corpus mutations: {} of {} checked clean and were lowered",
        lowered.load(Ordering::Relaxed),
        r.0
    );
    report(&cfg, "corpus mutations (lowering)", &[r]);
}
