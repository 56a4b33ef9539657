//! Adversarial input to the command line (issue 8): deep nesting of every recursive
//! construct, floods of errors, a damaged or unsafe compile cache, and paths that are not
//! what they seem. Each case must end with a clear message or the right output: never a
//! crash, a hang or lost data.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::process::Command;
use std::time::{Duration, Instant};

use common::*;

const HELLO: &str = "def main():\n    print(\"hello\")\n";

// ---------------------------------------------------------------------------------------------
// Deep nesting

/// A program whose `main` nests one construct `depth` times.
fn nested(kind: &str, depth: usize) -> String {
    let body = match kind {
        "parens" => format!(
            "var x = {}1{}\n    print(x)",
            "(".repeat(depth),
            ")".repeat(depth)
        ),
        "lists" => format!(
            "var x = {}1{}\n    print(len(x))",
            "[".repeat(depth),
            "]".repeat(depth)
        ),
        "calls" => format!("print({}1{})", "f(".repeat(depth), ")".repeat(depth)),
        "unary" => format!("var x = {}1\n    print(x)", "-".repeat(depth)),
        "not" => format!("var x = {}True\n    print(x)", "not ".repeat(depth)),
        "sum" => format!("var x = {}\n    print(x)", vec!["1"; depth].join(" + ")),
        "power" => format!("var x = {}\n    print(x)", vec!["1"; depth].join(" ** ")),
        "ifexp" => format!(
            "var x = {}\n    print(x)",
            vec!["1"; depth].join(" if True else ")
        ),
        "types" => format!(
            "var x = {}Int{}()\n    print(len(x))",
            "List[".repeat(depth),
            "]".repeat(depth)
        ),
        "elif" => {
            let mut s = String::from("var x = 3\n    if x == 0:\n        print(0)\n");
            for i in 1..depth {
                s.push_str(&format!("    elif x == {i}:\n        print({i})\n"));
            }
            s
        }
        "blocks" => {
            let mut s = String::new();
            for i in 0..depth {
                s.push_str(&format!("{}if True:\n", "    ".repeat(i + 1)));
            }
            s.push_str(&format!("{}print(1)", "    ".repeat(depth + 1)));
            return format!("def main():\n{s}\n");
        }
        // `grow[List[T]]` from `grow[T]`: the type argument deepens with each instance.
        "generic" => {
            return format!(
                "def grow[T: Copyable & Movable](x: T, n: Int) -> Int:\n    if n == 0:\n        return 0\n    var l = List[T]()\n    l.append(x.copy())\n    return grow(l^, n - 1) + 1\n\ndef main():\n    print(grow(1, {depth}))\n"
            );
        }
        _ => unreachable!("unknown construct {kind}"),
    };
    format!("def f(x: Int) -> Int:\n    return x\n\ndef main():\n    {body}\n")
}

/// Every recursive construct at depths below, at and far beyond the limits: `mj check`
/// and `mj run` either succeed or report errors (exit 1), never crash, and answer within
/// a bound.
#[test]
fn deep_nesting_of_every_construct_never_crashes() {
    let d = TempDir::new("deep");
    let kinds = [
        "parens", "lists", "calls", "unary", "not", "sum", "power", "ifexp", "types", "elif",
        "blocks", "generic",
    ];
    for kind in kinds {
        let depths: &[usize] = match kind {
            // (Indentation grows quadratically in text: 150 levels is past the limit.)
            "blocks" => &[50, 150],
            "elif" => &[100, 3_000],
            "generic" => &[3, 10_000],
            _ => &[100, 3_000, 12_000, 60_000],
        };
        for &depth in depths {
            let file = format!("{kind}_{depth}.mj");
            d.write(&file, &nested(kind, depth));
            for cmd in ["check", "run"] {
                let start = Instant::now();
                let args: Vec<&str> = match cmd {
                    "run" => vec!["run", &file],
                    _ => vec!["check", "--message-format", "short", &file],
                };
                let o = mj_in(&d, &args);
                let took = start.elapsed();
                assert_no_panic(&o);
                assert!(matches!(code(&o), 0 | 1), "{cmd} {file}: {}", describe(&o));
                assert!(took < Duration::from_secs(60), "{cmd} {file} took {took:?}");
                if code(&o) == 1 {
                    let all = format!("{}{}", stdout(&o), stderr(&o));
                    assert!(all.contains("error"), "{cmd} {file}: {}", describe(&o));
                }
            }
        }
    }
}

#[test]
fn nesting_past_the_limit_is_a_diagnostic() {
    let d = TempDir::new("deep-limit");
    for (kind, want) in [
        ("parens", "E0007"),
        ("unary", "E0007"),
        ("power", "E0007"),
        ("lists", "nests more than 64 levels"),
        ("generic", "nests more than 64 levels"),
    ] {
        let depth = if matches!(kind, "generic" | "lists") {
            100
        } else {
            20_000
        };
        let file = format!("{kind}.mj");
        d.write(&file, &nested(kind, depth));
        let cmd = if kind == "generic" { "run" } else { "check" };
        let o = mj_in(&d, &[cmd, &file]);
        assert_eq!(code(&o), 1, "{kind}: {}", describe(&o));
        assert!(stderr(&o).contains(want), "{kind}: {}", describe(&o));
    }
}

// ---------------------------------------------------------------------------------------------
// Floods of errors

#[test]
fn errors_stop_after_a_hundred_with_a_count() {
    let d = TempDir::new("errors");
    let mut src = String::from("def main():\n");
    for i in 0..5_000 {
        src.push_str(&format!("    var x{i}: Int = \"text\"\n"));
    }
    d.write("many.mj", &src);
    let start = Instant::now();
    let o = mj_in(&d, &["check", "--message-format", "short", "many.mj"]);
    assert!(start.elapsed() < Duration::from_secs(20));
    assert_eq!(code(&o), 1, "{}", describe(&o));
    let out = stdout(&o);
    assert_eq!(out.matches("error[E0101]").count(), 100, "{out}");
    assert!(
        out.contains("stopped after 100 errors; 4900 more not shown"),
        "{out}"
    );
}

// ---------------------------------------------------------------------------------------------
// The compile cache

fn cache_objects(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.retain(|p| p.extension().is_some_and(|e| e == "o"));
    v
}

/// Truncated, emptied, or one byte changed inside its code: a damaged entry is never run;
/// the program is compiled again and prints the right output.
#[test]
fn damaged_cache_entries_are_rebuilt() {
    let d = TempDir::new("cache-damage");
    let cache = d.path().join("cache");
    d.write("prog.mj", HELLO);
    type Damage = fn(&mut Vec<u8>);
    let damages: [(&str, Damage); 3] = [
        ("truncated", |b| b.truncate(b.len() / 2)),
        ("emptied", |b| b.clear()),
        ("one byte flipped", |b| {
            let i = b.len() / 3;
            b[i] ^= 0x40;
        }),
    ];
    for (what, damage) in damages {
        let o = mj_in(&d, &["run", "prog.mj"]);
        assert_eq!(stdout(&o), "hello\n", "{what}: {}", describe(&o));
        let entries = cache_objects(&cache);
        assert_eq!(entries.len(), 1, "{what}: {entries:?}");
        let mut bytes = std::fs::read(&entries[0]).expect("read entry");
        damage(&mut bytes);
        std::fs::write(&entries[0], &bytes).expect("damage entry");
        let o = mj_in(&d, &["run", "prog.mj"]);
        assert_eq!(code(&o), 0, "{what}: {}", describe(&o));
        assert_eq!(stdout(&o), "hello\n", "{what}: {}", describe(&o));
        // The rebuilt entry is sound again.
        let again = std::fs::read(&entries[0]).expect("entry rebuilt");
        assert_ne!(again, bytes, "{what}: the damaged entry was kept");
    }
}

/// Without `HOME`, the cache is a directory of the user's own (mode 0700) under the
/// temporary directory, never a name shared by everyone.
#[test]
fn cache_without_home_is_private() {
    let d = TempDir::new("cache-nohome");
    d.write("prog.mj", HELLO);
    let tmp = d.path().join("tmp");
    std::fs::create_dir(&tmp).expect("tmp");
    let o = Command::new(env!("CARGO_BIN_EXE_mj"))
        .args(["run", "prog.mj"])
        .current_dir(d.path())
        .env_remove("HOME")
        .env_remove("XDG_CACHE_HOME")
        .env_remove("MJ_CACHE_DIR")
        .env("TMPDIR", &tmp)
        .output()
        .expect("run mj");
    assert_eq!(stdout(&o), "hello\n", "{}", describe(&o));
    let dirs: Vec<_> = std::fs::read_dir(&tmp)
        .expect("read tmp")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    assert_eq!(dirs.len(), 1, "{dirs:?}");
    let name = dirs[0].file_name().and_then(|n| n.to_str()).unwrap_or("");
    assert!(
        name.starts_with("mj-cache-") && name != "mj-cache-",
        "{name}"
    );
    let mode = std::fs::metadata(&dirs[0])
        .expect("meta")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o700, "mode {mode:o}");
    assert_eq!(cache_objects(&dirs[0]).len(), 1);
}

/// A cache directory of ours that others may write is closed before it is used.
#[test]
fn cache_directory_open_to_others_is_closed() {
    let d = TempDir::new("cache-open");
    d.write("prog.mj", HELLO);
    let cache = d.path().join("cache");
    std::fs::create_dir(&cache).expect("cache");
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    let o = mj_in(&d, &["run", "prog.mj"]);
    assert_eq!(stdout(&o), "hello\n", "{}", describe(&o));
    let mode = std::fs::metadata(&cache)
        .expect("meta")
        .permissions()
        .mode();
    assert_eq!(mode & 0o077, 0, "mode {mode:o}");
}

// ---------------------------------------------------------------------------------------------
// Paths and options

#[test]
fn build_refuses_to_overwrite_a_source() {
    let d = TempDir::new("overwrite");
    let src = d.write("prog.mj", HELLO);
    let o = mj_in(&d, &["build", "prog.mj", "-o", "prog.mj"]);
    assert_eq!(code(&o), 1, "{}", describe(&o));
    assert!(stderr(&o).contains("source file"), "{}", describe(&o));
    assert_eq!(std::fs::read_to_string(&src).expect("source"), HELLO);
    // Also through another spelling of the same path.
    let o = mj_in(&d, &["build", "prog.mj", "-o", "./prog.mj"]);
    assert_eq!(code(&o), 1, "{}", describe(&o));
    assert_eq!(std::fs::read_to_string(&src).expect("source"), HELLO);
}

#[test]
fn an_unknown_option_after_the_file_is_named() {
    let d = TempDir::new("frob");
    d.write("prog.mj", HELLO);
    for cmd in ["build", "check"] {
        let o = mj_in(&d, &[cmd, "prog.mj", "--frob"]);
        assert_ne!(code(&o), 0, "{}", describe(&o));
        assert!(
            stderr(&o).contains("unknown option `--frob`"),
            "{cmd}: {}",
            describe(&o)
        );
    }
}

#[test]
fn a_fifo_named_like_a_source_does_not_block() {
    let d = TempDir::new("fifo");
    d.write("good.mj", HELLO);
    let fifo = d.path().join("pipe.mj");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipped: mkfifo is not available");
        return;
    }
    let start = Instant::now();
    let o = mj_in(&d, &["check", "."]);
    assert_eq!(code(&o), 0, "{}", describe(&o));
    let o = mj_in(&d, &["check", "pipe.mj"]);
    assert_eq!(code(&o), 1, "{}", describe(&o));
    assert!(
        stderr(&o).contains("not a regular file"),
        "{}",
        describe(&o)
    );
    assert!(start.elapsed() < Duration::from_secs(20));
}

#[test]
fn invalid_utf8_is_reported_with_its_position() {
    let d = TempDir::new("utf8");
    std::fs::write(
        d.path().join("bad.mj"),
        b"def main():\n    print(\"caf\xc3\xa9 \xff\")\n",
    )
    .expect("write");
    let o = mj_in(&d, &["run", "bad.mj"]);
    assert_eq!(code(&o), 1, "{}", describe(&o));
    assert!(
        stderr(&o).contains("bad.mj:2:17: invalid UTF-8 (byte 0xff)"),
        "{}",
        describe(&o)
    );
}

#[test]
fn a_byte_order_mark_is_accepted() {
    let d = TempDir::new("bom");
    let mut src = "\u{feff}".as_bytes().to_vec();
    src.extend_from_slice(HELLO.as_bytes());
    std::fs::write(d.path().join("bom.mj"), src).expect("write");
    let o = mj_in(&d, &["run", "bom.mj"]);
    assert_eq!(stdout(&o), "hello\n", "{}", describe(&o));
}

// ---------------------------------------------------------------------------------------------
// Nothing lost on a crash

/// Builds `src` into an executable in `d` and returns its path.
fn build_exe(d: &TempDir, name: &str, src: &str, opt: &str) -> std::path::PathBuf {
    d.write(&format!("{name}.mj"), src);
    let exe = d.path().join(name);
    let o = mj_in(d, &["build", opt, &format!("{name}.mj"), "-o", name]);
    assert_eq!(code(&o), 0, "{}", describe(&o));
    exe
}

#[test]
fn out_of_memory_flushes_and_exits_1_without_a_backtrace() {
    let d = TempDir::new("oom");
    let doubling = "def main():\n    print(\"start\")\n    var s = String(\"abcdefgh\")\n    while True:\n        s = s + s\n";
    let appending = "def main():\n    print(\"start\")\n    var l = List[Int]()\n    while True:\n        l.append(1)\n";
    for (name, src) in [("doubling", doubling), ("appending", appending)] {
        let exe = build_exe(&d, name, src, "-O2");
        // (A limit on the address space makes the allocation fail quickly, where the
        // machine would otherwise swap or call the OOM killer.)
        let o = Command::new("sh")
            .arg("-c")
            .arg(format!("ulimit -v 1000000; exec {}", exe.display()))
            .output()
            .expect("run");
        assert_eq!(code(&o), 1, "{name}: {}", describe(&o));
        assert_eq!(stdout(&o), "start\n", "{name}: {}", describe(&o));
        let err = stderr(&o);
        assert!(err.contains("error: out of memory"), "{name}: {err}");
        assert!(!err.contains("backtrace"), "{name}: {err}");
    }
}

#[test]
fn stack_overflow_in_an_executable_is_reported_after_the_output() {
    let d = TempDir::new("overflow");
    let src = "def f(n: Int) -> Int:\n    var l = List[Int]()\n    l.append(n)\n    return f(n + l[0]) + l[0]\n\ndef main():\n    print(\"before\")\n    print(f(1))\n";
    let exe = build_exe(&d, "deep", src, "-O0");
    let o = Command::new(&exe).output().expect("run");
    assert_eq!(stdout(&o), "before\n", "{}", describe(&o));
    assert!(
        stderr(&o).contains("error: stack overflow"),
        "{}",
        describe(&o)
    );
    let o = mj_in(&d, &["run", "-O0", "deep.mj"]);
    assert_eq!(stdout(&o), "before\n", "{}", describe(&o));
    assert!(
        stderr(&o).contains("error: stack overflow"),
        "{}",
        describe(&o)
    );
    // A frame larger than the whole stack (probed page by page, so it cannot jump past
    // the guard page).
    let big = "def main():\n    var a = InlineArray[Int, 1 << 22](fill=7)\n    print(a[5])\n";
    let exe = build_exe(&d, "big_frame", big, "-O2");
    let o = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -s 8192; exec {}", exe.display()))
        .output()
        .expect("run");
    assert!(
        stderr(&o).contains("error: stack overflow"),
        "{}",
        describe(&o)
    );
}

#[test]
fn sigterm_and_sigint_keep_what_was_printed() {
    let d = TempDir::new("signal");
    let src = "from std.time import sleep\n\ndef main():\n    print(\"first\")\n    sleep(20.0)\n    print(\"second\")\n";
    let exe = build_exe(&d, "sleeper", src, "-O2");
    for sig in ["TERM", "INT"] {
        let o = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "{} & p=$!; sleep 1; kill -{sig} $p; wait $p",
                exe.display()
            ))
            .output()
            .expect("run");
        assert_eq!(stdout(&o), "first\n", "SIG{sig}: {}", describe(&o));
        assert_ne!(code(&o), 0, "SIG{sig}: {}", describe(&o));
    }
}

#[test]
fn a_failed_write_to_stdout_is_an_error() {
    if !std::path::Path::new("/dev/full").exists() {
        eprintln!("skipped: no /dev/full");
        return;
    }
    let d = TempDir::new("devfull");
    let exe = build_exe(&d, "hello", HELLO, "-O2");
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("open /dev/full");
    let o = Command::new(&exe).stdout(full).output().expect("run");
    assert_eq!(code(&o), 1, "{}", describe(&o));
    assert!(
        stderr(&o).contains("cannot write to standard output"),
        "{}",
        describe(&o)
    );
}

/// On a terminal each line appears when it is printed, not at exit.
#[test]
fn output_to_a_terminal_is_line_buffered() {
    let has_script = Command::new("script")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_script {
        eprintln!("skipped: `script` (util-linux) is not available");
        return;
    }
    let d = TempDir::new("tty");
    // (A machine without pseudo-terminals, such as some containers, cannot show this.)
    let probe_log = d.path().join("probe");
    let probe = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "timeout -s KILL 5 script -qfc 'echo pty-probe' {} >/dev/null 2>&1; cat {}",
            probe_log.display(),
            probe_log.display()
        ))
        .output()
        .expect("run");
    if !stdout(&probe).contains("pty-probe") {
        eprintln!("skipped: `script` cannot open a pseudo-terminal here");
        return;
    }
    let src = "from std.time import sleep\n\ndef main():\n    print(\"first\")\n    sleep(20.0)\n    print(\"second\")\n";
    let exe = build_exe(&d, "sleeper", src, "-O2");
    let log = d.path().join("typescript");
    // `script` gives the program a pseudo-terminal and logs what it shows; it is stopped
    // while the program sleeps, after its first line (the program then loses its terminal).
    let o = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "timeout -s KILL 2 script -qfc {} {} >/dev/null; cat {}",
            exe.display(),
            log.display(),
            log.display()
        ))
        .output()
        .expect("run");
    assert!(stdout(&o).contains("first"), "{}", describe(&o));
    assert!(!stdout(&o).contains("second"), "{}", describe(&o));
}
