//! Fuzz/property test of code generation: every program the checker accepts without errors
//! lowers to MIR, and LLVM code generation of that MIR (`emit_object`, at -O0 and -O2)
//! returns `Ok` without a panic. An `Err` from either stage is an internal compiler error.
//!
//! Inputs: random mostly well-typed programs and mutations of the corpus (tests/run,
//! tests/fail, tests/mir); the generators are shared with `lang/mj_sema/tests/fuzz.rs`.
//! Each lowered program is also printed as MIR. The whole file takes about 3 s by default.
//! Knobs: MJ_FUZZ_SEED, MJ_FUZZ_SECS (per fuzzing test), MJ_FUZZ_CASES (per fuzzing test), e.g.
//! `MJ_FUZZ_SECS=120 MJ_FUZZ_SEED=3 cargo test --release -p mj_codegen --test fuzz_codegen -- --nocapture`.

#[path = "../../../lang/mj_sema/tests/fuzzgen/mod.rs"]
mod fuzzgen;

use std::sync::atomic::{AtomicU64, Ordering};

use fuzzgen::{Config, Extra, Rng, catch, config, drive, report};
use mj_codegen::{Options, emit_object};
use mj_sema::db;

fn cfg() -> Config {
    // Two fuzzing tests of 1 s each, plus the corpus pass: about 3 s in all.
    config(1.0, 100_000)
}

/// The optimization levels every accepted program is compiled at.
const OPT_LEVELS: [u8; 2] = [0, 2];

/// Checks `text`; when it is error-free, lowers it and emits an object file at each level
/// of [`OPT_LEVELS`]. `Err` on a panic anywhere or an internal compiler error.
fn check_lower_codegen(text: &str, extras: &[Extra], compiled: &AtomicU64) -> Result<(), String> {
    let outcome = catch(|| {
        let (database, program) = fuzzgen::program(text, extras);
        let diags = db::diagnostics(&database, program);
        let checked = db::check(&database, program);
        if diags.iter().any(|(_, d)| d.is_error()) || checked.0.has_errors() {
            return Ok(());
        }
        let mir = mj_lower::lower_program(&checked.0.program)
            .map_err(|e| format!("lowering returned Err (internal compiler error): {e}"))?;
        // The MIR printer must handle whatever the lowering produces.
        let _ = mj_mir::print_program(&mir);
        for opt_level in OPT_LEVELS {
            let obj = emit_object(
                &mir,
                &Options {
                    opt_level,
                    ..Default::default()
                },
            )
            .map_err(|e| {
                format!(
                    "emit_object -O{opt_level} returned Err (internal compiler error): {e} (at {})",
                    error_class(&e)
                )
            })?;
            if obj.is_empty() {
                return Err(format!(
                    "emit_object -O{opt_level} returned an empty object"
                ));
            }
        }
        compiled.fetch_add(1, Ordering::Relaxed);
        Ok(())
    });
    match outcome {
        Ok(r) => r,
        Err(panic) => Err(format!("panic: {panic}")),
    }
}

/// The identity of a code generation error for de-duplication: the harness keys failures on
/// the text from the last `(at `, so the message ends with this class, which drops the
/// input-dependent parts (function and block names, quoted symbols, numbers) and keeps the
/// first 80 characters.
fn error_class(e: &str) -> String {
    let mut rest = e;
    // "in function main.f: bb3: ..." prefixes.
    while let Some(r) = rest.strip_prefix("in function ") {
        rest = r.split_once(": ").map_or(r, |(_, t)| t);
    }
    let mut out = String::from("codegen: ");
    let mut quoted = false;
    // The first two lines: LLVM verifier messages start with a fixed line.
    for c in rest.lines().take(2).collect::<Vec<_>>().join(" ").chars() {
        if c == '`' {
            quoted = !quoted;
            if quoted {
                out.push_str("`_`");
            }
        } else if !quoted && !c.is_ascii_digit() {
            out.push(c);
        }
    }
    out.chars().take(80).collect()
}

#[test]
fn corpus_compiles() {
    let extras = fuzzgen::corpus_extras();
    let n = AtomicU64::new(0);
    let mut failures = Vec::new();
    for (name, text) in fuzzgen::corpus() {
        if let Err(m) = check_lower_codegen(&text, &extras, &n) {
            failures.push(format!("{name}: {m}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(
        n.load(Ordering::Relaxed) > 0,
        "no corpus program checked clean"
    );
}

#[test]
fn generated_programs_compile() {
    let cfg = cfg();
    let compiled = AtomicU64::new(0);
    let r = drive(&cfg, "typed", 5, &mut fuzzgen::typed_program, &mut |t| {
        check_lower_codegen(t, &[], &compiled)
    });
    eprintln!(
        "generated programs: {} of {} checked clean and were compiled",
        compiled.load(Ordering::Relaxed),
        r.0
    );
    report(&cfg, "generated programs (codegen)", &[r]);
}

#[test]
fn corpus_mutations_compile() {
    let cfg = cfg();
    let corpus = fuzzgen::corpus();
    let extras = fuzzgen::corpus_extras();
    let compiled = AtomicU64::new(0);
    let r = drive(
        &cfg,
        "mutation",
        6,
        &mut |rng: &mut Rng| {
            let (_, text) = rng.pick(&corpus);
            let (_, donor) = rng.pick(&corpus);
            fuzzgen::mutate(rng, text, donor)
        },
        &mut |t| check_lower_codegen(t, &extras, &compiled),
    );
    eprintln!(
        "corpus mutations: {} of {} checked clean and were compiled",
        compiled.load(Ordering::Relaxed),
        r.0
    );
    report(&cfg, "corpus mutations (codegen)", &[r]);
}
