//! End-to-end tests of the `mj` command line: argument handling, diagnostics formats,
//! `build` for every `--emit` kind, `run` with arguments, run-time errors and the compile
//! cache. Each test works in its own temporary directory and sets `MJ_CACHE_DIR` there, so
//! tests neither share state nor touch the user's cache.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::*;

const HELLO: &str = "def main():\n    print(\"hello\")\n";

const ARGV: &str = "\
from std.sys import argv

def main():
    var args = argv()
    print(len(args))
    for i in range(1, len(args)):
        print(args[i])
";

const BAD: &str = "\
def main():
    var counter = 0
    counter += 1
    print(countr)
";

const DIV_ZERO: &str = "\
def main():
    var a = 10
    var b = 0
    print(a // b)
";

// ---------------------------------------------------------------------------------------------
// Arguments

#[test]
fn version() {
    let o = mj(&["--version"]);
    assert_eq!(code(&o), 0, "{}", describe(&o));
    assert_eq!(
        stdout(&o).trim(),
        format!("mj {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn no_arguments_prints_usage_and_exits_2() {
    let o = mj(&[]);
    assert_eq!(code(&o), 2, "{}", describe(&o));
    let err = stderr(&o);
    assert!(err.contains("usage: mj"), "{err}");
    for cmd in ["run", "build", "check"] {
        assert!(err.contains(cmd), "usage lacks `{cmd}`:\n{err}");
    }
    assert_no_panic(&o);
}

#[test]
fn help_prints_usage_to_stdout() {
    let o = mj(&["--help"]);
    assert_eq!(code(&o), 0, "{}", describe(&o));
    assert!(stdout(&o).contains("usage: mj"));
}

#[test]
fn unknown_command() {
    let o = mj(&["frobnicate"]);
    assert_ne!(code(&o), 0, "{}", describe(&o));
    assert!(
        stderr(&o).contains("unknown command `frobnicate`"),
        "{}",
        describe(&o)
    );
    assert_no_panic(&o);
}

#[test]
fn unknown_option() {
    let d = TempDir::new("unknown-opt");
    d.write("hello.mj", HELLO);
    for cmd in ["run", "build", "check"] {
        let o = mj_in(&d, &[cmd, "--bogus", "hello.mj"]);
        assert_ne!(code(&o), 0, "{cmd}: {}", describe(&o));
        assert!(
            stderr(&o).contains("unknown option `--bogus`"),
            "{cmd}: {}",
            describe(&o)
        );
        assert_no_panic(&o);
    }
}

#[test]
fn bad_option_values() {
    let d = TempDir::new("bad-values");
    d.write("hello.mj", HELLO);
    let cases: &[(&[&str], &str)] = &[
        (
            &["build", "hello.mj", "--emit", "wasm"],
            "unknown --emit kind `wasm`",
        ),
        (&["build", "hello.mj", "--emit"], "`--emit` needs a value"),
        (&["build", "hello.mj", "-o"], "`-o` needs a value"),
        (
            &["check", "hello.mj", "--message-format", "json"],
            "unknown message format `json`",
        ),
        (&["run"], "missing the source file"),
        (&["build"], "missing the source file"),
        (
            &["build", "hello.mj", "hello.mj"],
            "exactly one source file",
        ),
        (&["check"], "no .mj files"),
    ];
    for (args, msg) in cases {
        let o = mj_in(&d, args);
        assert_ne!(code(&o), 0, "{args:?}: {}", describe(&o));
        assert!(stderr(&o).contains(msg), "{args:?}: {}", describe(&o));
        assert_no_panic(&o);
    }
}

#[test]
fn run_missing_file() {
    let o = mj(&["run", "does_not_exist.mj"]);
    assert_eq!(code(&o), 1, "{}", describe(&o));
    let err = stderr(&o);
    assert!(
        err.contains("cannot read `does_not_exist.mj`"),
        "unclear message:\n{err}"
    );
    assert_no_panic(&o);
    let o = mj(&["check", "does_not_exist.mj"]);
    assert_ne!(code(&o), 0);
    assert!(stderr(&o).contains("does_not_exist.mj"), "{}", describe(&o));
    assert_no_panic(&o);
}

// ---------------------------------------------------------------------------------------------
// check

#[test]
fn check_short_format() {
    let d = TempDir::new("check-short");
    d.write("bad.mj", BAD);
    let o = mj_in(&d, &["check", "--message-format", "short", "bad.mj"]);
    assert_eq!(code(&o), 1, "{}", describe(&o));
    let out = stdout(&o);
    let first = out.lines().next().unwrap_or_default();
    assert_eq!(
        first,
        "bad.mj:4:11: error[E0100]: use of undefined name `countr`",
        "{}",
        describe(&o)
    );
    assert!(out.contains("hint: did you mean `counter`?"), "{out}");
    // Every diagnostic line has the `path:line:col: severity[CODE]: message` shape.
    for line in out.lines().filter(|l| !l.starts_with("  ")) {
        let mut parts = line.splitn(4, ':');
        let (path, l, c, rest) = (parts.next(), parts.next(), parts.next(), parts.next());
        assert_eq!(path, Some("bad.mj"), "{line}");
        assert!(l.is_some_and(|l| l.parse::<u32>().is_ok()), "{line}");
        assert!(c.is_some_and(|c| c.parse::<u32>().is_ok()), "{line}");
        let rest = rest.unwrap_or_default();
        assert!(
            rest.starts_with(" error[E") || rest.starts_with(" warning[W"),
            "{line}"
        );
    }
}

#[test]
fn check_human_format() {
    let d = TempDir::new("check-human");
    d.write("bad.mj", BAD);
    let o = mj_in(&d, &["check", "bad.mj"]);
    assert_eq!(code(&o), 1, "{}", describe(&o));
    let err = stderr(&o);
    assert!(err.contains("E0100"), "no code:\n{err}");
    assert!(err.contains("print(countr)"), "no source line:\n{err}");
    assert!(err.contains("did you mean `counter`?"), "no hint:\n{err}");
    assert!(err.contains("bad.mj"), "no path:\n{err}");
    assert!(
        err.contains("could not compile due to 1 previous error"),
        "no summary:\n{err}"
    );
    // Not a terminal: no color escapes.
    assert!(
        !err.contains('\u{1b}'),
        "color codes in piped output:\n{err}"
    );
}

#[test]
fn check_clean_file() {
    let d = TempDir::new("check-clean");
    d.write("hello.mj", HELLO);
    let o = mj_in(&d, &["check", "hello.mj"]);
    assert_eq!(code(&o), 0, "{}", describe(&o));
    assert!(
        stdout(&o).is_empty() && stderr(&o).is_empty(),
        "{}",
        describe(&o)
    );
}

#[test]
fn check_directory() {
    let d = TempDir::new("check-dir");
    let src = d.path().join("src");
    std::fs::create_dir_all(src.join("nested")).expect("mkdir");
    std::fs::write(src.join("a_ok.mj"), HELLO).expect("write");
    std::fs::write(src.join("nested/b_bad.mj"), BAD).expect("write");
    std::fs::write(src.join("notes.txt"), "not mj").expect("write");
    let o = mj_in(&d, &["check", "--message-format", "short", "src"]);
    assert_eq!(code(&o), 1, "{}", describe(&o));
    let out = stdout(&o);
    assert!(out.contains("b_bad.mj:4:11: error[E0100]"), "{out}");
    assert!(!out.contains("a_ok.mj"), "{out}");
    assert!(!out.contains("notes.txt"), "{out}");
    // Only clean files: success.
    std::fs::remove_file(src.join("nested/b_bad.mj")).expect("rm");
    let o = mj_in(&d, &["check", "src"]);
    assert_eq!(code(&o), 0, "{}", describe(&o));
    // A directory without .mj files is an error.
    std::fs::create_dir_all(d.path().join("empty")).expect("mkdir");
    let o = mj_in(&d, &["check", "empty"]);
    assert_ne!(code(&o), 0, "{}", describe(&o));
    assert!(stderr(&o).contains("no .mj files"), "{}", describe(&o));
}

/// A package's `__init__.mj` checked on its own (as an editor opens it, or `mj check` of
/// a folder) is the package's module: its relative imports name the package's modules.
#[test]
fn check_a_package_init() {
    let d = TempDir::new("check-package");
    let pkg = d.path().join("geo");
    std::fs::create_dir_all(&pkg).expect("mkdir");
    std::fs::write(
        pkg.join("__init__.mj"),
        "from .shapes import area\n\n\ndef doubled(w: Int) -> Int:\n    return area(w, 2)\n",
    )
    .expect("write");
    std::fs::write(
        pkg.join("shapes.mj"),
        "def area(w: Int, h: Int) -> Int:\n    return w * h\n",
    )
    .expect("write");
    for args in [&["check", "geo/__init__.mj"][..], &["check", "geo"]] {
        let o = mj_in(&d, args);
        assert_eq!(code(&o), 0, "{args:?}: {}", describe(&o));
    }
    // An error in the package's module is reported at its path as given.
    std::fs::write(
        pkg.join("shapes.mj"),
        "def area(w: Int, h: Int) -> Int:\n    return w * hh\n",
    )
    .expect("write");
    let o = mj_in(
        &d,
        &["check", "--message-format", "short", "geo/__init__.mj"],
    );
    assert_eq!(code(&o), 1, "{}", describe(&o));
    assert!(
        stdout(&o).contains("geo/shapes.mj:2:16: error[E0100]"),
        "{}",
        describe(&o)
    );
}

// ---------------------------------------------------------------------------------------------
// build

#[test]
fn build_emit_text_kinds_to_stdout() {
    let d = TempDir::new("emit-text");
    d.write("hello.mj", HELLO);
    let expect: &[(&str, &[&str])] = &[
        ("mir", &["hello.main", "entry"]),
        ("llvm", &["define", "@main", "target triple"]),
        ("asm", &["main:", ".text"]),
    ];
    for (kind, needles) in expect {
        let o = mj_in(&d, &["build", "hello.mj", "--emit", kind, "-o", "-"]);
        assert_eq!(code(&o), 0, "--emit {kind}: {}", describe(&o));
        let out = stdout(&o);
        for n in *needles {
            assert!(out.contains(n), "--emit {kind} output lacks `{n}`:\n{out}");
        }
        // Text kinds to a file.
        let file = format!("hello.{kind}.txt");
        let o = mj_in(&d, &["build", "hello.mj", "--emit", kind, "-o", &file]);
        assert_eq!(code(&o), 0, "--emit {kind} -o file: {}", describe(&o));
        let written = std::fs::read_to_string(d.path().join(&file)).expect("emitted file");
        assert!(!written.is_empty());
    }
    // -O0 and -O3 are accepted.
    for opt in ["-O0", "-O3"] {
        let o = mj_in(&d, &["build", opt, "hello.mj", "--emit", "llvm", "-o", "-"]);
        assert_eq!(code(&o), 0, "{opt}: {}", describe(&o));
    }
}

#[test]
fn build_obj() {
    let d = TempDir::new("emit-obj");
    d.write("hello.mj", HELLO);
    let o = mj_in(&d, &["build", "hello.mj", "--emit", "obj", "-o", "out.o"]);
    assert_eq!(code(&o), 0, "{}", describe(&o));
    let bytes = std::fs::read(d.path().join("out.o")).expect("object file");
    assert!(bytes.len() > 16);
    // ELF on Linux, Mach-O elsewhere: just check it is not text.
    if cfg!(target_os = "linux") {
        assert_eq!(&bytes[..4], b"\x7fELF");
    }
    // Without -o the object is named after the source.
    let o = mj_in(&d, &["build", "hello.mj", "--emit", "obj"]);
    assert_eq!(code(&o), 0, "{}", describe(&o));
    assert!(d.path().join("hello.o").is_file());
}

#[test]
fn build_exe_and_run_it() {
    let d = TempDir::new("emit-exe");
    d.write("hello.mj", HELLO);
    d.write("argv.mj", ARGV);
    let o = mj_in(&d, &["build", "hello.mj", "-o", "hello_exe"]);
    assert_eq!(code(&o), 0, "{}", describe(&o));
    let exe = d.path().join("hello_exe");
    let r = Command::new(&exe).output().expect("run built exe");
    assert_eq!(code(&r), 0, "{}", describe(&r));
    assert_eq!(stdout(&r), "hello\n");
    // argv reaches the built program.
    let o = mj_in(&d, &["build", "argv.mj", "--emit", "exe", "-o", "argv_exe"]);
    assert_eq!(code(&o), 0, "{}", describe(&o));
    let r = Command::new(d.path().join("argv_exe"))
        .args(["one", "two words", "--three"])
        .output()
        .expect("run built exe");
    assert_eq!(code(&r), 0, "{}", describe(&r));
    assert_eq!(stdout(&r), "4\none\ntwo words\n--three\n");
}

#[test]
fn build_with_errors_fails() {
    let d = TempDir::new("build-bad");
    d.write("bad.mj", BAD);
    let o = mj_in(&d, &["build", "bad.mj", "-o", "bad_exe"]);
    assert_eq!(code(&o), 1, "{}", describe(&o));
    assert!(stderr(&o).contains("E0100"), "{}", describe(&o));
    assert!(!d.path().join("bad_exe").exists());
    assert_no_panic(&o);
}

#[test]
fn build_exe_without_main() {
    let d = TempDir::new("no-main");
    d.write("lib.mj", "def f() -> Int:\n    return 1\n");
    let o = mj_in(&d, &["build", "lib.mj", "-o", "lib_exe"]);
    assert_ne!(code(&o), 0, "{}", describe(&o));
    assert!(stderr(&o).contains("no `def main()`"), "{}", describe(&o));
    let o = mj_in(&d, &["run", "lib.mj"]);
    assert_ne!(code(&o), 0, "{}", describe(&o));
    assert!(stderr(&o).contains("no `def main()`"), "{}", describe(&o));
    assert_no_panic(&o);
    // A library still builds to an object.
    let o = mj_in(&d, &["build", "lib.mj", "--emit", "obj", "-o", "lib.o"]);
    assert_eq!(code(&o), 0, "{}", describe(&o));
}

// ---------------------------------------------------------------------------------------------
// run

#[test]
fn run_hello_is_fast() {
    let d = TempDir::new("run-hello");
    d.write("hello.mj", HELLO);
    let t = Instant::now();
    let o = mj_in(&d, &["run", "hello.mj"]);
    let cold = t.elapsed();
    assert_eq!(code(&o), 0, "{}", describe(&o));
    assert_eq!(stdout(&o), "hello\n");
    // Generous bounds: debug builds on a loaded machine are slow, but a hello world taking
    // this long means something is badly wrong (a hang, a runaway optimizer).
    assert!(
        cold < Duration::from_secs(30),
        "cold `mj run` took {cold:?}"
    );
    let t = Instant::now();
    let o = mj_in(&d, &["run", "hello.mj"]);
    let warm = t.elapsed();
    assert_eq!(stdout(&o), "hello\n");
    assert!(
        warm < Duration::from_secs(15),
        "warm `mj run` took {warm:?}"
    );
}

#[test]
fn run_passes_arguments() {
    let d = TempDir::new("run-args");
    d.write("argv.mj", ARGV);
    // After the file.
    let o = mj_in(&d, &["run", "argv.mj", "a", "b c", "-O3", "--flag"]);
    assert_eq!(code(&o), 0, "{}", describe(&o));
    assert_eq!(stdout(&o), "5\na\nb c\n-O3\n--flag\n");
    // After `--`.
    let o = mj_in(&d, &["run", "argv.mj", "--", "x", "-y"]);
    assert_eq!(code(&o), 0, "{}", describe(&o));
    assert_eq!(stdout(&o), "3\nx\n-y\n");
    // Options before the file belong to mj.
    let o = mj_in(&d, &["run", "-O0", "argv.mj", "z"]);
    assert_eq!(code(&o), 0, "{}", describe(&o));
    assert_eq!(stdout(&o), "2\nz\n");
    // argv[0] is the program's path.
    let o = mj_in(
        &d,
        &[
            "run",
            "-O1",
            "--message-format",
            "short",
            "argv.mj",
            "--",
            "only",
        ],
    );
    assert_eq!(stdout(&o), "2\nonly\n", "{}", describe(&o));
}

#[test]
fn run_runtime_error_exits_1_with_location() {
    let d = TempDir::new("run-rt-error");
    d.write("divzero.mj", DIV_ZERO);
    let o = mj_in(&d, &["run", "divzero.mj"]);
    assert_eq!(code(&o), 1, "{}", describe(&o));
    let err = stderr(&o);
    assert!(
        err.contains("divzero.mj:4"),
        "no file:line in stderr:\n{err}"
    );
    assert!(err.contains("division by zero"), "{err}");
    assert_no_panic(&o);
    // The same from a built executable.
    let o = mj_in(&d, &["build", "divzero.mj", "-o", "divzero_exe"]);
    assert_eq!(code(&o), 0, "{}", describe(&o));
    let r = Command::new(d.path().join("divzero_exe"))
        .output()
        .expect("run exe");
    assert_eq!(code(&r), 1, "{}", describe(&r));
    assert!(stderr(&r).contains("divzero.mj:4"), "{}", describe(&r));
}

#[test]
fn run_with_compile_errors_exits_1() {
    let d = TempDir::new("run-bad");
    d.write("bad.mj", BAD);
    let o = mj_in(&d, &["run", "bad.mj"]);
    assert_eq!(code(&o), 1, "{}", describe(&o));
    assert!(stderr(&o).contains("E0100"), "{}", describe(&o));
    assert!(stdout(&o).is_empty());
    assert_no_panic(&o);
}

// ---------------------------------------------------------------------------------------------
// The compile cache

fn cache_entries(dir: &Path) -> Vec<(PathBuf, std::time::SystemTime)> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut v: Vec<_> = rd
        .filter_map(|e| e.ok())
        .map(|e| {
            let p = e.path();
            let t = e
                .metadata()
                .and_then(|m| m.modified())
                .unwrap_or(std::time::UNIX_EPOCH);
            (p, t)
        })
        .collect();
    v.sort();
    v
}

#[test]
fn compile_cache_is_reused_and_keyed_by_source() {
    let d = TempDir::new("cache");
    let cache = d.path().join("cache");
    let src = d.write("prog.mj", HELLO);
    assert!(cache_entries(&cache).is_empty());

    let o = mj_in(&d, &["run", "prog.mj"]);
    assert_eq!(stdout(&o), "hello\n", "{}", describe(&o));
    let first = cache_entries(&cache);
    assert_eq!(first.len(), 1, "one entry after the first run: {first:?}");
    assert!(
        first[0].0.extension().is_some_and(|e| e == "o"),
        "{first:?}"
    );
    assert!(std::fs::metadata(&first[0].0).expect("entry").len() > 0);

    // Let the clock move so a rewrite would show in the mtime.
    std::thread::sleep(Duration::from_millis(50));
    let o = mj_in(&d, &["run", "prog.mj"]);
    assert_eq!(stdout(&o), "hello\n", "{}", describe(&o));
    let second = cache_entries(&cache);
    assert_eq!(
        second, first,
        "the second run must reuse the entry untouched"
    );

    // A different optimization level is a different entry.
    let o = mj_in(&d, &["run", "-O0", "prog.mj"]);
    assert_eq!(stdout(&o), "hello\n", "{}", describe(&o));
    assert_eq!(cache_entries(&cache).len(), 2);

    // A changed source: a new entry, and the new program runs (not the stale object).
    std::fs::write(&src, "def main():\n    print(\"changed\")\n").expect("rewrite");
    let o = mj_in(&d, &["run", "prog.mj"]);
    assert_eq!(stdout(&o), "changed\n", "{}", describe(&o));
    let third = cache_entries(&cache);
    assert_eq!(third.len(), 3, "{third:?}");
    for e in &first {
        assert!(third.contains(e), "old entry changed: {third:?}");
    }
    // No temporary files left behind.
    assert!(
        third
            .iter()
            .all(|(p, _)| p.extension().is_some_and(|e| e == "o")),
        "{third:?}"
    );
}

#[test]
fn compile_errors_are_not_cached() {
    let d = TempDir::new("cache-bad");
    let cache = d.path().join("cache");
    d.write("bad.mj", BAD);
    let o = mj_in(&d, &["run", "bad.mj"]);
    assert_eq!(code(&o), 1, "{}", describe(&o));
    assert!(cache_entries(&cache).is_empty());
}
