//! End-to-end tests of `mj test` (discovery, `-k`, output format, exit codes, aborting
//! tests), of the standard library's own `mj test` suite (`stdlib/tests/`), and of
//! libraries built from `@export` functions and called from C.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A fresh, empty temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let p = std::env::temp_dir().join(format!(
            "mj-test-e2e-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).expect("create temp dir");
        TempDir(p)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.0.join(name);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).expect("create dir");
        }
        std::fs::write(&p, text).expect("write file");
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `mj ARGS` run in `dir` with a private cache directory.
fn mj_in(dir: &Path, cache: &TempDir, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mj"))
        .args(args)
        .current_dir(dir)
        .env("MJ_CACHE_DIR", cache.0.join("cache"))
        .output()
        .expect("run mj")
}

fn mj(dir: &TempDir, args: &[&str]) -> Output {
    mj_in(&dir.0, dir, args)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn describe(o: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        o.status.code(),
        stdout(o),
        stderr(o)
    )
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

const MIXED: &str = "\
from std.testing import assert_equal, assert_true

def add(a: Int, b: Int) -> Int:
    return a + b

def test_add() raises:
    assert_equal(add(1, 2), 3)

def test_add_wrong() raises:
    assert_equal(add(1, 2), 4, msg=\"one plus two\")

def test_raises_error() raises:
    raise Error(\"custom failure\")

def test_no_raises_keyword():
    var x = add(2, 2)
    x += 1

def helper():
    pass
";

#[test]
fn failing_tests_report_location_and_values() {
    let d = TempDir::new("mixed");
    d.write("test_mixed.mj", MIXED);
    let o = mj(&d, &["test"]);
    assert_eq!(code(&o), 1, "{}", describe(&o));
    let expected = "\
PASS test_mixed.mj::test_add
FAIL test_mixed.mj::test_add_wrong
    At test_mixed.mj:10:5: AssertionError: `left == right` comparison failed:
       left: 3
      right: 4
      reason: one plus two
FAIL test_mixed.mj::test_raises_error
    custom failure
PASS test_mixed.mj::test_no_raises_keyword

2 passed, 2 failed
";
    assert_eq!(stdout(&o), expected, "{}", describe(&o));
}

#[test]
fn all_passing_exits_zero_and_test_output_comes_before_the_result() {
    let d = TempDir::new("pass");
    d.write(
        "test_ok.mj",
        "from std.testing import assert_true\n\ndef test_one() raises:\n    print(\"inside\")\n    assert_true(True)\n",
    );
    let o = mj(&d, &["test", "test_ok.mj"]);
    assert_eq!(code(&o), 0, "{}", describe(&o));
    assert_eq!(
        stdout(&o),
        "inside\nPASS test_ok.mj::test_one\n\n1 passed, 0 failed\n"
    );
}

#[test]
fn filter_selects_tests_by_name() {
    let d = TempDir::new("filter");
    d.write("test_mixed.mj", MIXED);
    let o = mj(&d, &["test", "-k", "add"]);
    assert_eq!(code(&o), 1, "{}", describe(&o));
    let out = stdout(&o);
    assert!(out.contains("PASS test_mixed.mj::test_add\n"), "{out}");
    assert!(
        out.contains("FAIL test_mixed.mj::test_add_wrong\n"),
        "{out}"
    );
    assert!(!out.contains("test_raises_error"), "{out}");
    assert!(out.ends_with("\n1 passed, 1 failed\n"), "{out}");

    let o = mj(&d, &["test", "-k", "no_raises"]);
    assert_eq!(code(&o), 0, "{}", describe(&o));
    assert!(
        stdout(&o).ends_with("\n1 passed, 0 failed\n"),
        "{}",
        describe(&o)
    );
}

#[test]
fn no_tests_found_exits_two() {
    let d = TempDir::new("none");
    d.write("helpers.mj", "def test_not_in_a_test_file():\n    pass\n");
    d.write("test_empty.mj", "def helper():\n    pass\n");
    let o = mj(&d, &["test"]);
    assert_eq!(code(&o), 2, "{}", describe(&o));
    assert!(stderr(&o).contains("no tests found"), "{}", describe(&o));

    d.write("test_one.mj", "def test_x():\n    pass\n");
    let o = mj(&d, &["test", "-k", "nothing_matches"]);
    assert_eq!(code(&o), 2, "{}", describe(&o));
    assert!(stderr(&o).contains("no tests found matching `nothing_matches`"));

    let o = mj(&d, &["test", "does_not_exist"]);
    assert_eq!(code(&o), 2, "{}", describe(&o));
    assert!(stderr(&o).contains("does not exist"), "{}", describe(&o));
}

#[test]
fn compile_error_exits_two_with_diagnostics() {
    let d = TempDir::new("bad");
    d.write(
        "test_bad.mj",
        "from std.testing import assert_equal\n\ndef test_x() raises:\n    assert_equal(1, undefined_name)\n",
    );
    d.write("test_good.mj", "def test_fine():\n    pass\n");
    let o = mj(&d, &["test"]);
    assert_eq!(code(&o), 2, "{}", describe(&o));
    let err = stderr(&o);
    assert!(err.contains("E0100"), "{err}");
    assert!(err.contains("undefined_name"), "{err}");
    assert!(err.contains("test_bad.mj:4"), "{err}");
    // The other file still runs.
    let out = stdout(&o);
    assert!(out.contains("PASS test_good.mj::test_fine"), "{out}");
    assert!(
        out.ends_with("1 passed, 0 failed, 1 file with errors\n"),
        "{out}"
    );
}

#[test]
fn aborting_test_fails_alone() {
    let d = TempDir::new("abort");
    d.write(
        "test_abort.mj",
        "\
def test_before():
    pass

def test_index_out_of_range():
    var xs = [1, 2, 3]
    var i = 7
    print(xs[i])

def test_after():
    pass
",
    );
    let o = mj(&d, &["test"]);
    assert_eq!(code(&o), 1, "{}", describe(&o));
    let out = stdout(&o);
    assert!(out.starts_with("PASS test_abort.mj::test_before\nFAIL test_abort.mj::test_index_out_of_range\n    test_abort.mj:7: error: index out of range"), "{out}");
    assert!(out.contains("PASS test_abort.mj::test_after\n"), "{out}");
    assert!(out.ends_with("\n2 passed, 1 failed\n"), "{out}");
}

#[test]
fn discovery_is_recursive_sorted_and_skips_non_tests() {
    let d = TempDir::new("discover");
    d.write("b/test_two.mj", "def test_b():\n    pass\n");
    d.write("a/test_one.mj", "def test_a():\n    pass\n");
    d.write("a/not_a_test.mj", "def test_hidden():\n    pass\n");
    d.write(
        "test_zero.mj",
        "def test_with_args(x: Int):\n    pass\n\ndef test_z():\n    pass\n",
    );
    let o = mj(&d, &["test"]);
    assert_eq!(code(&o), 0, "{}", describe(&o));
    assert_eq!(
        stdout(&o),
        "PASS a/test_one.mj::test_a\nPASS b/test_two.mj::test_b\nPASS test_zero.mj::test_z\n\n3 passed, 0 failed\n"
    );
    assert!(
        stderr(&o).contains("`test_with_args` is not run"),
        "{}",
        describe(&o)
    );
}

#[test]
fn assert_raises_in_tests() {
    let d = TempDir::new("raises");
    d.write(
        "test_r.mj",
        "\
from std.testing import assert_raises

def boom() raises:
    raise Error(\"boom!\")

def test_raises() raises:
    with assert_raises(contains=\"boom\"):
        boom()

def test_does_not_raise() raises:
    with assert_raises():
        pass
",
    );
    let o = mj(&d, &["test"]);
    assert_eq!(code(&o), 1, "{}", describe(&o));
    assert_eq!(
        stdout(&o),
        "PASS test_r.mj::test_raises\nFAIL test_r.mj::test_does_not_raise\n    At test_r.mj:11:10: AssertionError: Didn't raise\n\n1 passed, 1 failed\n"
    );
}

#[test]
fn standard_library_suite_passes() {
    let root = repo_root();
    let cache = TempDir::new("stdlib");
    let o = mj_in(&root, &cache, &["test", "stdlib/tests"]);
    assert_eq!(code(&o), 0, "{}", describe(&o));
    let out = stdout(&o);
    let passed = out.lines().filter(|l| l.starts_with("PASS ")).count();
    assert!(passed >= 30, "only {passed} tests:\n{out}");
    for f in [
        "test_math",
        "test_strings",
        "test_lists",
        "test_dicts",
        "test_linalg",
        "test_random",
        "test_pathlib",
        "test_gpu_kernels",
        "test_llm_sample",
    ] {
        assert!(
            out.contains(&format!("PASS stdlib/tests/{f}.mj::")),
            "{f} did not run:\n{out}"
        );
    }
    assert!(
        out.ends_with(&format!("\n{passed} passed, 0 failed\n")),
        "{out}"
    );
}

const LIB: &str = "\
@export
def mj_add(a: Int, b: Int) -> Int:
    return a + b

@export
def mj_scale(x: Float64, k: Int32) -> Float64:
    return x * Float64(k)

@export
def mj_is_even(n: Int64) -> Bool:
    return n % 2 == 0

@export
def mj_greet(times: Int):
    for i in range(times):
        print(\"hello from mj\", i)

def not_exported(x: Int) -> Int:
    return x
";

const C_MAIN: &str = r#"#include <stdio.h>
#include <stdint.h>
#include <stdbool.h>
int64_t mj_add(int64_t, int64_t);
double mj_scale(double, int32_t);
bool mj_is_even(int64_t);
void mj_greet(int64_t);
int main(void) {
    printf("%lld\n", (long long)mj_add(40, 2));
    printf("%.2f\n", mj_scale(1.25, -4));
    printf("%d %d\n", mj_is_even(10), mj_is_even(7));
    fflush(stdout);
    mj_greet(2);
    return 0;
}
"#;

const C_EXPECTED: &str = "42\n-5.00\n1 0\nhello from mj 0\nhello from mj 1\n";

fn cc(dir: &TempDir, args: &[&str]) -> Output {
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    Command::new(cc)
        .args(args)
        .current_dir(&dir.0)
        .output()
        .expect("run the C compiler")
}

#[test]
fn static_library_called_from_c() {
    let d = TempDir::new("staticlib");
    d.write("mylib.mj", LIB);
    d.write("main.c", C_MAIN);
    let o = mj(
        &d,
        &[
            "build",
            "--emit",
            "static-lib",
            "mylib.mj",
            "-o",
            "libmylib.a",
        ],
    );
    assert_eq!(code(&o), 0, "{}", describe(&o));
    let mut args = vec!["main.c", "libmylib.a", "-o", "main_static"];
    args.extend(["-lpthread", "-ldl", "-lm"]);
    let o = cc(&d, &args);
    assert!(o.status.success(), "{}", describe(&o));
    let run = Command::new(d.0.join("main_static")).output().expect("run");
    assert_eq!(stdout(&run), C_EXPECTED, "{}", describe(&run));
}

#[test]
fn shared_library_called_from_c() {
    let d = TempDir::new("sharedlib");
    d.write("mylib.mj", LIB);
    d.write("main.c", C_MAIN);
    // `-o libNAME.so` implies `--emit shared-lib`.
    let o = mj(&d, &["build", "mylib.mj", "-o", "libmylib.so"]);
    assert_eq!(code(&o), 0, "{}", describe(&o));
    let rpath = format!("-Wl,-rpath,{}", d.0.display());
    let o = cc(
        &d,
        &["main.c", "-L.", "-lmylib", &rpath, "-o", "main_shared"],
    );
    assert!(o.status.success(), "{}", describe(&o));
    let run = Command::new(d.0.join("main_shared")).output().expect("run");
    assert_eq!(stdout(&run), C_EXPECTED, "{}", describe(&run));
}

#[test]
fn object_output_exports_unmangled_symbols() {
    let d = TempDir::new("obj");
    d.write("mylib.mj", LIB);
    d.write("main.c", C_MAIN);
    let o = mj(&d, &["build", "--emit", "obj", "mylib.mj", "-o", "mylib.o"]);
    assert_eq!(code(&o), 0, "{}", describe(&o));
    // The object needs the runtime; linking with it gives the same program.
    let rt = std::env::var("MJ_RUNTIME_LIB")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            Path::new(env!("CARGO_BIN_EXE_mj"))
                .parent()
                .expect("target dir")
                .join("libmj_runtime.a")
        });
    if !rt.is_file() {
        return;
    }
    let rt = rt.display().to_string();
    let o = cc(
        &d,
        &[
            "main.c",
            "mylib.o",
            &rt,
            "-lpthread",
            "-ldl",
            "-lm",
            "-o",
            "main_obj",
        ],
    );
    assert!(o.status.success(), "{}", describe(&o));
    let run = Command::new(d.0.join("main_obj")).output().expect("run");
    assert_eq!(stdout(&run), C_EXPECTED, "{}", describe(&run));
}

#[test]
fn library_without_main_needs_a_library_kind() {
    let d = TempDir::new("nomain");
    d.write("mylib.mj", LIB);
    let o = mj(&d, &["build", "mylib.mj"]);
    assert_eq!(code(&o), 1, "{}", describe(&o));
    assert!(stderr(&o).contains("--emit static-lib"), "{}", describe(&o));
}
