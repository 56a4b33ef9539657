//! `std.testing.TestSuite` (`TestSuite.discover_tests[__functions_in_module()]().run()`):
//! the compiled `main` calls each `test_*` function of its module and records the outcome
//! here; [`mj_suite_finish`] prints the report in the format of Mojo's `TestSuite`, or
//! raises it as an error when a test failed.

use std::sync::Mutex;

use crate::MjStr;
use crate::str::{bytes, new_str};

struct Record {
    name: String,
    ns: i64,
    error: Option<String>,
}

static RECORDS: Mutex<Vec<Record>> = Mutex::new(Vec::new());

/// Records one test: `name`, started at `start_ns` (`mj_time_monotonic_ns`), failed with
/// `err` (null: passed).
///
/// # Safety
/// `name` must be a valid `MjStr`; `err` null or a valid `MjStr`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_suite_record(name: *const MjStr, start_ns: i64, err: *const MjStr) {
    let ns = (crate::time::mj_time_monotonic_ns() - start_ns).max(0);
    let name = String::from_utf8_lossy(unsafe { bytes(name) }).into_owned();
    let error =
        (!err.is_null()).then(|| String::from_utf8_lossy(unsafe { bytes(err) }).into_owned());
    let mut r = RECORDS.lock().unwrap_or_else(|e| e.into_inner());
    r.push(Record { name, ns, error });
}

/// Milliseconds with three decimals, as Mojo's `_format_nsec` writes them.
fn format_nsec(ns: i64) -> String {
    let ms = ns / 1_000_000;
    let frac = (ns % 1_000_000) * 1000 / 1_000_000;
    if ms == 0 && frac == 0 {
        return "0.001".into();
    }
    format!("{ms}.{frac:03}")
}

/// The suite's report (Mojo's `TestSuiteReport.write_to`, without colors).
fn report(file: &str, records: &[Record]) -> (String, usize) {
    let mut s = String::from("\n");
    s.push_str(&format!("Running {} tests for {file} \n", records.len()));
    let mut total = 0;
    let mut failures = 0;
    for r in records {
        total += r.ns;
        let status = if r.error.is_some() { "FAIL" } else { "PASS" };
        s.push_str(&format!(
            "    {status} [ {} ] {}",
            format_nsec(r.ns),
            r.name
        ));
        if let Some(e) = &r.error {
            failures += 1;
            s.push_str(&format!("\n      {}", e.replace('\n', "\n      ")));
        }
        s.push('\n');
    }
    s.push_str("--------\n");
    s.push_str(&format!(
        "Summary [ {} ] {} tests run: {} passed , {failures} failed , 0 skipped \n",
        format_nsec(total),
        records.len(),
        records.len() - failures
    ));
    if failures > 0 {
        s.push_str(&format!("Test suite' {file} 'failed!\n"));
    }
    (s, failures)
}

/// Ends the suite: prints the report (a failed suite raises it as its error instead).
///
/// # Safety
/// `file` must be a valid `MjStr`; `err` null or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mj_suite_finish(file: *const MjStr, err: *mut *const MjStr) {
    let file = String::from_utf8_lossy(unsafe { bytes(file) }).into_owned();
    let records = std::mem::take(&mut *RECORDS.lock().unwrap_or_else(|e| e.into_inner()));
    let (text, failures) = report(&file, &records);
    if failures > 0 {
        if !err.is_null() {
            unsafe { *err = new_str(text.as_bytes()) };
        }
    } else {
        crate::io::write_bytes(text.as_bytes());
        crate::io::write_bytes(b"\n");
    }
}
