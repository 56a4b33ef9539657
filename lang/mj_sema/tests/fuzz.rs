//! Fuzz/property test: the front end (parser + checker, through the salsa pipeline) never
//! panics, whatever the input.
//!
//! Generators: (a) random bytes, (b) token soup from mj's vocabulary with random
//! indentation, (c) mutations of every corpus file under tests/run, tests/fail, tests/mir
//! (and of the module `tests/run/lib/helpers.mj` a corpus program imports), and (d) random,
//! mostly well-typed programs (see `fuzzgen::typed_program`).
//! Deterministic by default; tune with
//!   MJ_FUZZ_SEED=<u64 or 0xHEX>  the base seed
//!   MJ_FUZZ_SECS=<secs>          time budget per generator (default 1.3; no case cap then)
//!   MJ_FUZZ_CASES=<n>            case cap per generator
//! e.g. `MJ_FUZZ_SECS=120 MJ_FUZZ_SEED=7 cargo test -p mj_sema --test fuzz -- --nocapture`.
//! A failure prints the category, the case index, the panic with its location, the input
//! and a greedily minimized input that still panics at the same place.

mod fuzzgen;

use fuzzgen::{Config, Extra, Rng, catch, check_text, config, drive, report};

fn cfg() -> Config {
    config(1.0, 200_000)
}

fn run_checker(text: &str, extras: &[Extra]) -> Result<(), String> {
    catch(|| {
        check_text(text, extras);
    })
}

#[test]
fn checker_survives_random_bytes() {
    let cfg = cfg();
    let r = drive(&cfg, "bytes", 1, &mut fuzzgen::random_bytes, &mut |t| {
        run_checker(t, &[])
    });
    report(&cfg, "random bytes", &[r]);
}

#[test]
fn checker_survives_token_soup() {
    let cfg = cfg();
    let r = drive(&cfg, "soup", 2, &mut fuzzgen::token_soup, &mut |t| {
        run_checker(t, &[])
    });
    report(&cfg, "token soup", &[r]);
}

#[test]
fn checker_survives_generated_programs() {
    let cfg = cfg();
    let r = drive(&cfg, "typed", 5, &mut fuzzgen::typed_program, &mut |t| {
        run_checker(t, &[])
    });
    report(&cfg, "generated programs", &[r]);
}

#[test]
fn checker_survives_corpus_mutations() {
    let cfg = cfg();
    let corpus = fuzzgen::corpus();
    assert!(!corpus.is_empty(), "no corpus files found");
    let extras = fuzzgen::corpus_extras();
    // The unmutated corpus first: none of it may panic either.
    for (name, text) in &corpus {
        if let Err(m) = run_checker(text, &extras) {
            panic!("corpus file {name} panics the checker: {m}");
        }
    }
    let r = drive(
        &cfg,
        "mutation",
        3,
        &mut |rng: &mut Rng| {
            let (_, text) = rng.pick(&corpus);
            let (_, donor) = rng.pick(&corpus);
            // Sometimes mutate an imported module instead of the main file.
            fuzzgen::mutate(rng, text, donor)
        },
        &mut |t| run_checker(t, &extras),
    );
    // Mutated imported modules: the main program imports a mutated `lib.helpers`.
    let helpers_main = corpus
        .iter()
        .find(|(n, _)| n.ends_with("helpers_import.mj"))
        .map(|(_, t)| t.clone());
    let mut runs = vec![r];
    if let (Some(main), false) = (helpers_main, extras.is_empty()) {
        let sub = Config {
            seed: cfg.seed,
            budget: cfg.budget / 4,
            max_cases: cfg.max_cases / 4,
        };
        let r = drive(
            &sub,
            "mutated-import",
            4,
            &mut |rng: &mut Rng| {
                let (_, donor) = rng.pick(&corpus);
                fuzzgen::mutate(rng, &extras[0].text, donor)
            },
            &mut |t| {
                let mut ex = extras.clone();
                ex[0].text = t.to_string();
                run_checker(&main, &ex)
            },
        );
        runs.push(r);
    }
    report(&cfg, "corpus mutations", &runs);
}

/// The harness itself: a panic is caught with its message and location, and a failing
/// input is minimized while it keeps failing the same way.
#[test]
fn harness_catches_and_minimizes() {
    let r = catch(|| {
        if std::hint::black_box(true) {
            panic!("boom {}", 42);
        }
    });
    let msg = r.expect_err("the panic must be caught");
    assert!(msg.starts_with("boom 42 (at "), "{msg}");
    assert!(msg.contains("fuzz.rs"), "{msg}");

    let cfg = Config {
        seed: 1,
        budget: std::time::Duration::from_secs(5),
        max_cases: 50,
    };
    let (n, failures) = drive(
        &cfg,
        "selftest",
        99,
        &mut |_rng: &mut Rng| "def f():\n    x = 1\n    boom()\n    pass\n".to_string(),
        &mut |t| {
            catch(|| {
                if t.contains("oo") {
                    panic!("found it");
                }
            })
        },
    );
    assert_eq!(n, 50);
    assert_eq!(failures.len(), 1, "one distinct failure");
    assert_eq!(failures[0].minimized, "oo");
}
