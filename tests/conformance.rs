//! Data-driven conformance runner for the mj compiler (harness = false).
//!
//! Discovers every test under `tests/run`, `tests/fail` and `tests/mir`, runs them on a small
//! thread pool and prints one block per failing test, then a final `N passed, N failed` line
//! (with `, N skipped` when some were skipped). Exits non-zero on any failure.
//!
//! Usage:
//!   cargo test -p mj_cli --test conformance                 # everything
//!   cargo test -p mj_cli --test conformance -- nbody        # tests whose path contains "nbody"
//!   MJ_BLESS=1 cargo test -p mj_cli --test conformance      # (re)write .out / .mir files
//!
//! Environment: `MJ_BIN` overrides the compiler binary, `MJ_TEST_JOBS` the number of workers,
//! `MJ_TEST_TIMEOUT` the per-test timeout in seconds (default 60).
//!
//! Test kinds:
//! * `tests/run/NAME.mj`  — `mj run NAME.mj [ARGS]`; stdout must equal `NAME.out` exactly, the
//!   exit code must be 0 (or `# EXIT: n`), and every `# STDERR: text` must occur in stderr.
//!   With a `# BUILD` header the program is also compiled with `mj build NAME.mj -o EXE` and the
//!   executable is checked the same way. Header lines (`# ARGS: a b`, `# EXIT: n`,
//!   `# STDERR: text`, `# BUILD`, `# SKIP: reason`, `# ENV: NAME=value` to set an environment
//!   variable for the program) are recognised only in the leading block of
//!   `#` lines at the top of the file. Sub-directories of tests/run (e.g. `lib/`) hold modules
//!   imported by tests and are not tests themselves.
//! * `tests/fail/NAME.mj` — `mj check --message-format short NAME.mj`; each `# ERROR: CODE [text]`
//!   (or `# WARNING: CODE [text]`) trailing comment expects a diagnostic with that code on that
//!   line whose message or hint contains `text`. A line holding only such a comment applies to
//!   the next line that is neither blank nor a comment. Unexpected errors fail the test; the
//!   exit code must be 1 when errors are expected and 0 otherwise.
//! * `tests/mir/NAME.mj`  — `mj build --emit mir -o - NAME.mj`; stdout must equal `NAME.mir`.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Run,
    Fail,
    Mir,
}

#[derive(Clone, Debug)]
struct Test {
    kind: Kind,
    path: PathBuf,
    /// Display name, e.g. `run/nbody`.
    name: String,
}

enum Outcome {
    Pass,
    Fail(String),
    Skip(String),
}

struct Config {
    root: PathBuf,
    bin: PathBuf,
    bless: bool,
    timeout: Duration,
    tmp: PathBuf,
}

fn main() {
    let cfg = Arc::new(config());
    let filter: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with('-'));

    let mut tests = discover(&cfg.root);
    if let Some(f) = &filter {
        tests.retain(|t| {
            t.name.contains(f.as_str()) || t.path.to_string_lossy().contains(f.as_str())
        });
    }
    if !cfg.bin.exists() {
        eprintln!(
            "warning: compiler binary not found at {} (every test will fail)",
            cfg.bin.display()
        );
    }
    let _ = std::fs::create_dir_all(&cfg.tmp);

    let jobs = std::env::var("MJ_TEST_JOBS")
        .ok()
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or_else(|| {
            thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2)
                .clamp(2, 4)
        })
        .max(1);

    let total = tests.len();
    let queue: Arc<Mutex<VecDeque<(usize, Test)>>> =
        Arc::new(Mutex::new(tests.into_iter().enumerate().collect()));
    let (tx, rx) = mpsc::channel::<(usize, Test, Outcome, Duration)>();
    let mut workers = Vec::new();
    for _ in 0..jobs.min(total.max(1)) {
        let queue = Arc::clone(&queue);
        let tx = tx.clone();
        let cfg = Arc::clone(&cfg);
        workers.push(thread::spawn(move || {
            loop {
                let job = match queue.lock() {
                    Ok(mut q) => q.pop_front(),
                    Err(poisoned) => poisoned.into_inner().pop_front(),
                };
                let Some((idx, test)) = job else { break };
                let start = Instant::now();
                let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    run_test(&cfg, &test)
                }))
                .unwrap_or_else(|e| {
                    let msg = e
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_else(|| "unknown panic".into());
                    Outcome::Fail(format!("runner panicked: {msg}"))
                });
                if tx.send((idx, test, outcome, start.elapsed())).is_err() {
                    break;
                }
            }
        }));
    }
    drop(tx);

    let mut results: Vec<(usize, Test, Outcome, Duration)> = rx.iter().collect();
    for w in workers {
        let _ = w.join();
    }
    results.sort_by_key(|r| r.0);

    let (mut passed, mut failed, mut skipped) = (0usize, 0usize, 0usize);
    for (_, test, outcome, took) in &results {
        match outcome {
            Outcome::Pass => passed += 1,
            Outcome::Skip(why) => {
                skipped += 1;
                println!("SKIP {} ({why})", test.name);
            }
            Outcome::Fail(msg) => {
                failed += 1;
                println!(
                    "FAIL {} [{:.2}s]: {}",
                    test.name,
                    took.as_secs_f64(),
                    first_line(msg)
                );
                for l in msg.lines().skip(1) {
                    println!("    {l}");
                }
            }
        }
    }
    // Tests that never reported back (should not happen) count as failures.
    let missing = total.saturating_sub(results.len());
    if missing > 0 {
        println!("FAIL {missing} test(s) did not report a result");
        failed += missing;
    }
    let _ = std::fs::remove_dir_all(&cfg.tmp);

    if skipped > 0 {
        println!("{passed} passed, {failed} failed, {skipped} skipped");
    } else {
        println!("{passed} passed, {failed} failed");
    }
    if failed > 0 {
        std::process::exit(1);
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

fn config() -> Config {
    let root = match option_env!("CARGO_MANIFEST_DIR") {
        // compiler/mj_cli -> repository root
        Some(dir) => {
            let p = Path::new(dir).join("../..");
            p.canonicalize().unwrap_or(p)
        }
        None => std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
    };
    let bin = match std::env::var_os("MJ_BIN") {
        Some(b) => PathBuf::from(b),
        None => match option_env!("CARGO_BIN_EXE_mj") {
            Some(b) => PathBuf::from(b),
            None => root.join("target/debug/mj"),
        },
    };
    let bless = std::env::var("MJ_BLESS")
        .map(|v| !v.is_empty() && v != "0")
        .unwrap_or(false);
    let timeout = Duration::from_secs(
        std::env::var("MJ_TEST_TIMEOUT")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(60),
    );
    let tmp = std::env::temp_dir().join(format!("mj-conformance-{}", std::process::id()));
    Config {
        root,
        bin,
        bless,
        timeout,
        tmp,
    }
}

fn discover(root: &Path) -> Vec<Test> {
    let mut out = Vec::new();
    for (dir, kind) in [("run", Kind::Run), ("fail", Kind::Fail), ("mir", Kind::Mir)] {
        let d = root.join("tests").join(dir);
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "mj"))
            .collect();
        files.sort();
        for path in files {
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            out.push(Test {
                kind,
                name: format!("{dir}/{stem}"),
                path,
            });
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Process execution with timeout

struct Output {
    status: Option<ExitStatus>,
    stdout: String,
    stderr: String,
    timed_out: bool,
}

impl Output {
    fn code_desc(&self) -> String {
        if self.timed_out {
            return "timed out (killed)".into();
        }
        match self.status {
            Some(s) => match s.code() {
                Some(c) => format!("exit code {c}"),
                None => {
                    #[cfg(unix)]
                    {
                        use std::os::unix::process::ExitStatusExt;
                        if let Some(sig) = s.signal() {
                            return format!("killed by signal {sig}");
                        }
                    }
                    "terminated abnormally".into()
                }
            },
            None => "no exit status".into(),
        }
    }
    fn code(&self) -> Option<i32> {
        self.status.and_then(|s| s.code())
    }
}

fn exec(cfg: &Config, program: &Path, args: &[String], cwd: &Path) -> Result<Output, String> {
    exec_env(cfg, program, args, cwd, &[])
}

fn exec_env(
    cfg: &Config,
    program: &Path,
    args: &[String],
    cwd: &Path,
    env: &[(String, String)],
) -> Result<Output, String> {
    let mut cmd = Command::new(program);
    cmd.args(args)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // Own process group, so that a timeout kills grandchildren too (e.g. the program `mj run`
    // started), which would otherwise keep the pipes open.
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", program.display()))?;
    let (out_tx, out_rx) = mpsc::channel::<Vec<u8>>();
    let (err_tx, err_rx) = mpsc::channel::<Vec<u8>>();
    if let Some(mut s) = child.stdout.take() {
        thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = s.read_to_end(&mut buf);
            let _ = out_tx.send(buf);
        });
    }
    if let Some(mut s) = child.stderr.take() {
        thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = s.read_to_end(&mut buf);
            let _ = err_tx.send(buf);
        });
    }
    let start = Instant::now();
    let mut timed_out = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(st)) => break Some(st),
            Ok(None) => {
                if start.elapsed() > cfg.timeout {
                    timed_out = true;
                    #[cfg(unix)]
                    {
                        let _ = Command::new("kill")
                            .args(["-KILL", "--", &format!("-{}", child.id())])
                            .stdout(Stdio::null())
                            .stderr(Stdio::null())
                            .status();
                    }
                    let _ = child.kill();
                    break child.wait().ok();
                }
                thread::sleep(Duration::from_millis(5));
            }
            Err(_) => break None,
        }
    };
    // Normally the pipes close when the process exits; a leftover grandchild could keep them
    // open, so never wait for them for long.
    let grace = if timed_out {
        Duration::from_secs(2)
    } else {
        cfg.timeout
    };
    let stdout =
        String::from_utf8_lossy(&out_rx.recv_timeout(grace).unwrap_or_default()).into_owned();
    let stderr =
        String::from_utf8_lossy(&err_rx.recv_timeout(grace).unwrap_or_default()).into_owned();
    Ok(Output {
        status,
        stdout,
        stderr,
        timed_out,
    })
}

fn tail(s: &str, n: usize) -> String {
    let lines: Vec<&str> = s.lines().collect();
    let start = lines.len().saturating_sub(n);
    lines[start..].join("\n")
}

// ---------------------------------------------------------------------------------------------
// Dispatch

fn run_test(cfg: &Config, test: &Test) -> Outcome {
    let src = match std::fs::read_to_string(&test.path) {
        Ok(s) => s,
        Err(e) => return Outcome::Fail(format!("cannot read {}: {e}", test.path.display())),
    };
    let header = Header::parse(&src);
    if let Some(why) = &header.skip {
        return Outcome::Skip(why.clone());
    }
    let res = match test.kind {
        Kind::Run => run_mode(cfg, test, &header),
        Kind::Fail => fail_mode(cfg, test, &src),
        Kind::Mir => mir_mode(cfg, test),
    };
    match res {
        Ok(()) => Outcome::Pass,
        Err(msg) => Outcome::Fail(msg),
    }
}

#[derive(Default, Debug)]
struct Header {
    args: Vec<String>,
    exit: i32,
    stderr: Vec<String>,
    build: bool,
    skip: Option<String>,
    env: Vec<(String, String)>,
}

impl Header {
    fn parse(src: &str) -> Header {
        let mut h = Header::default();
        for line in src.lines() {
            let t = line.trim();
            if t.is_empty() {
                continue;
            }
            let Some(rest) = t.strip_prefix('#') else {
                break;
            };
            let rest = rest.trim();
            if let Some(a) = rest.strip_prefix("ARGS:") {
                h.args = a.split_whitespace().map(String::from).collect();
            } else if let Some(e) = rest.strip_prefix("EXIT:") {
                h.exit = e.trim().parse().unwrap_or(1);
            } else if let Some(s) = rest.strip_prefix("STDERR:") {
                h.stderr.push(s.trim().to_string());
            } else if rest == "BUILD" || rest.starts_with("BUILD ") {
                h.build = true;
            } else if let Some((k, v)) = rest.strip_prefix("ENV:").and_then(|e| e.split_once('=')) {
                h.env.push((k.trim().to_string(), v.trim().to_string()));
            } else if let Some(s) = rest.strip_prefix("SKIP") {
                let why = s.trim_start_matches(':').trim();
                h.skip = Some(if why.is_empty() {
                    "skipped".into()
                } else {
                    why.into()
                });
            }
        }
        h
    }
}

// ---------------------------------------------------------------------------------------------
// run tests

fn run_mode(cfg: &Config, test: &Test, h: &Header) -> Result<(), String> {
    let expected_path = test.path.with_extension("out");
    let cwd = test.path.parent().unwrap_or(&cfg.root).to_path_buf();
    let file = test.path.to_string_lossy().into_owned();

    let mut args = vec!["run".to_string(), file.clone()];
    args.extend(h.args.iter().cloned());
    let out = exec_env(cfg, &cfg.bin, &args, &cwd, &h.env)?;

    if cfg.bless && out.code() == Some(h.exit) {
        std::fs::write(&expected_path, &out.stdout)
            .map_err(|e| format!("cannot write {}: {e}", expected_path.display()))?;
    }
    let expected = match std::fs::read_to_string(&expected_path) {
        Ok(s) => s,
        Err(_) => {
            return Err(format!(
                "missing expected output {} (run with MJ_BLESS=1 to create it)",
                expected_path.display()
            ));
        }
    };
    check_run_output("mj run", &out, h, &expected)?;

    if h.build {
        let stem = test
            .path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let exe = cfg.tmp.join(format!("{stem}-{}", std::process::id()));
        let bargs = vec![
            "build".to_string(),
            file,
            "-o".to_string(),
            exe.to_string_lossy().into_owned(),
        ];
        let b = exec(cfg, &cfg.bin, &bargs, &cwd)?;
        if b.code() != Some(0) {
            return Err(format!(
                "mj build failed ({})\n{}",
                b.code_desc(),
                tail(&format!("{}{}", b.stdout, b.stderr), 15)
            ));
        }
        if !exe.exists() {
            return Err(format!(
                "mj build succeeded but {} was not written",
                exe.display()
            ));
        }
        let r = exec_env(cfg, &exe, &h.args, &cwd, &h.env);
        let _ = std::fs::remove_file(&exe);
        check_run_output("built executable", &r?, h, &expected)?;
    }
    Ok(())
}

fn check_run_output(what: &str, out: &Output, h: &Header, expected: &str) -> Result<(), String> {
    let mut msg = String::new();
    if out.timed_out {
        let _ = writeln!(msg, "{what}: timed out");
    }
    if out.code() != Some(h.exit) {
        let _ = writeln!(
            msg,
            "{what}: expected exit code {}, got {}",
            h.exit,
            out.code_desc()
        );
        if !out.stderr.trim().is_empty() {
            let _ = writeln!(msg, "stderr (tail):\n{}", indent(&tail(&out.stderr, 12)));
        }
    }
    if out.stdout != expected {
        let _ = writeln!(
            msg,
            "{what}: stdout differs from expected\n{}",
            diff(expected, &out.stdout)
        );
    }
    for s in &h.stderr {
        if !out.stderr.contains(s.as_str()) {
            let _ = writeln!(
                msg,
                "{what}: stderr does not contain {s:?}; stderr was:\n{}",
                indent(&tail(&out.stderr, 12))
            );
        }
    }
    if msg.is_empty() {
        Ok(())
    } else {
        Err(msg.trim_end().to_string())
    }
}

fn indent(s: &str) -> String {
    s.lines()
        .map(|l| format!("  | {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A compact diff: the first differing line, then a few lines of context from both sides.
fn diff(expected: &str, actual: &str) -> String {
    let e: Vec<&str> = expected.split_inclusive('\n').collect();
    let a: Vec<&str> = actual.split_inclusive('\n').collect();
    let mut i = 0;
    while i < e.len() && i < a.len() && e[i] == a[i] {
        i += 1;
    }
    let mut s = String::new();
    let show = |l: Option<&&str>| match l {
        Some(l) => format!("{:?}", l),
        None => "<end of output>".to_string(),
    };
    let _ = writeln!(s, "first difference at line {}:", i + 1);
    let _ = writeln!(s, "  expected: {}", show(e.get(i)));
    let _ = writeln!(s, "  actual:   {}", show(a.get(i)));
    let from = i.saturating_sub(2);
    let _ = writeln!(s, "expected ({} lines), from line {}:", e.len(), from + 1);
    for l in e.iter().skip(from).take(8) {
        let _ = writeln!(s, "  - {}", l.trim_end_matches('\n'));
    }
    let _ = writeln!(s, "actual ({} lines), from line {}:", a.len(), from + 1);
    for l in a.iter().skip(from).take(8) {
        let _ = writeln!(s, "  + {}", l.trim_end_matches('\n'));
    }
    s.trim_end().to_string()
}

// ---------------------------------------------------------------------------------------------
// fail tests

#[derive(Debug, Clone)]
struct Expect {
    line: usize,
    severity: &'static str,
    code: String,
    text: Option<String>,
}

#[derive(Debug, Clone)]
struct Diag {
    line: usize,
    col: usize,
    severity: String,
    code: String,
    message: String,
    hints: Vec<String>,
}

impl Diag {
    fn show(&self) -> String {
        let mut s = format!(
            "{}:{}: {}[{}]: {}",
            self.line, self.col, self.severity, self.code, self.message
        );
        for h in &self.hints {
            let _ = write!(s, " / {}", h.trim());
        }
        s
    }
}

fn parse_annotation(comment: &str) -> Option<(&'static str, String, Option<String>)> {
    // comment: text after '#'
    let c = comment.trim();
    let (sev, rest) = if let Some(r) = c.strip_prefix("ERROR:") {
        ("error", r)
    } else if let Some(r) = c.strip_prefix("WARNING:") {
        ("warning", r)
    } else {
        return None;
    };
    let rest = rest.trim();
    let (code, text) = match rest.split_once(char::is_whitespace) {
        Some((c, t)) if !t.trim().is_empty() => (c.to_string(), Some(t.trim().to_string())),
        Some((c, _)) => (c.to_string(), None),
        None => (rest.to_string(), None),
    };
    if code.is_empty() {
        return None;
    }
    Some((sev, code, text))
}

fn parse_expectations(src: &str) -> Vec<Expect> {
    let lines: Vec<&str> = src.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim_start();
        if let Some(comment) = t.strip_prefix('#') {
            // Whole-line annotation: applies to the next line that is neither blank nor a comment.
            if let Some((sev, code, text)) = parse_annotation(comment) {
                let mut j = i + 1;
                while j < lines.len() {
                    let tj = lines[j].trim();
                    if !tj.is_empty() && !tj.starts_with('#') {
                        break;
                    }
                    j += 1;
                }
                out.push(Expect {
                    line: j + 1,
                    severity: sev,
                    code,
                    text,
                });
            }
            continue;
        }
        for marker in ["# ERROR:", "# WARNING:"] {
            if let Some(pos) = line.find(marker)
                && let Some((sev, code, text)) = parse_annotation(&line[pos + 1..])
            {
                out.push(Expect {
                    line: i + 1,
                    severity: sev,
                    code,
                    text,
                });
            }
        }
    }
    out
}

fn parse_diagnostics(text: &str) -> Vec<Diag> {
    let mut out: Vec<Diag> = Vec::new();
    let mut last_was_diag = false;
    for line in text.lines() {
        if let Some(d) = parse_diag_line(line) {
            out.push(d);
            last_was_diag = true;
            continue;
        }
        if last_was_diag
            && (line.starts_with(' ') || line.starts_with('\t'))
            && !line.trim().is_empty()
        {
            if let Some(d) = out.last_mut() {
                d.hints.push(line.trim().to_string());
            }
            continue;
        }
        last_was_diag = false;
    }
    out
}

fn parse_diag_line(line: &str) -> Option<Diag> {
    for sev in ["error", "warning"] {
        let marker = format!(": {sev}[");
        let Some(pos) = line.find(&marker) else {
            continue;
        };
        let loc = &line[..pos];
        let rest = &line[pos + marker.len()..];
        let close = rest.find(']')?;
        let code = rest[..close].to_string();
        let message = rest[close + 1..].trim_start_matches(':').trim().to_string();
        let mut parts = loc.rsplitn(3, ':');
        let col = parts.next()?.trim().parse::<usize>().ok()?;
        let ln = parts.next()?.trim().parse::<usize>().ok()?;
        return Some(Diag {
            line: ln,
            col,
            severity: sev.to_string(),
            code,
            message,
            hints: Vec::new(),
        });
    }
    None
}

fn fail_mode(cfg: &Config, test: &Test, src: &str) -> Result<(), String> {
    let cwd = test.path.parent().unwrap_or(&cfg.root).to_path_buf();
    let args = vec![
        "check".to_string(),
        "--message-format".to_string(),
        "short".to_string(),
        test.path.to_string_lossy().into_owned(),
    ];
    let out = exec(cfg, &cfg.bin, &args, &cwd)?;
    let expects = parse_expectations(src);
    if expects.is_empty() {
        return Err("compile-fail test has no `# ERROR:` / `# WARNING:` annotations".into());
    }
    let combined = format!("{}\n{}", out.stdout, out.stderr);
    let diags = parse_diagnostics(&combined);

    let mut used = vec![false; diags.len()];
    let mut missing = Vec::new();
    for e in &expects {
        let found = diags.iter().enumerate().position(|(k, d)| {
            !used[k]
                && d.line == e.line
                && d.code == e.code
                && d.severity == e.severity
                && e.text.as_ref().is_none_or(|t| {
                    d.message.contains(t.as_str()) || d.hints.iter().any(|h| h.contains(t.as_str()))
                })
        });
        match found {
            Some(k) => used[k] = true,
            None => missing.push(e),
        }
    }
    let unexpected: Vec<&Diag> = diags
        .iter()
        .enumerate()
        .filter(|(k, d)| !used[*k] && d.severity == "error")
        .map(|(_, d)| d)
        .collect();

    let expect_errors = expects.iter().any(|e| e.severity == "error");
    let want_code = if expect_errors { 1 } else { 0 };
    let mut msg = String::new();
    let crashed = out.timed_out || !matches!(out.code(), Some(0) | Some(1));
    if crashed {
        let _ = writeln!(
            msg,
            "mj check crashed or timed out ({})\n{}",
            out.code_desc(),
            indent(&tail(&out.stderr, 12))
        );
    } else if out.code() != Some(want_code) {
        let _ = writeln!(
            msg,
            "expected exit code {want_code}, got {}",
            out.code_desc()
        );
    }
    for e in &missing {
        let near: Vec<String> = diags
            .iter()
            .filter(|d| d.line == e.line)
            .map(|d| d.show())
            .collect();
        let _ = writeln!(
            msg,
            "missing {}[{}]{} at line {}{}",
            e.severity,
            e.code,
            e.text
                .as_ref()
                .map(|t| format!(" containing {t:?}"))
                .unwrap_or_default(),
            e.line,
            if near.is_empty() {
                String::new()
            } else {
                format!(" (on that line: {})", near.join("; "))
            }
        );
    }
    for d in &unexpected {
        let _ = writeln!(msg, "unexpected diagnostic {}", d.show());
    }
    if !msg.is_empty() && diags.is_empty() && !crashed {
        let _ = writeln!(
            msg,
            "(no diagnostics parsed; compiler output:)\n{}",
            indent(&tail(&combined, 12))
        );
    }
    if msg.is_empty() {
        Ok(())
    } else {
        Err(msg.trim_end().to_string())
    }
}

// ---------------------------------------------------------------------------------------------
// mir tests

fn mir_mode(cfg: &Config, test: &Test) -> Result<(), String> {
    let cwd = test.path.parent().unwrap_or(&cfg.root).to_path_buf();
    let args = vec![
        "build".to_string(),
        "--emit".to_string(),
        "mir".to_string(),
        "-o".to_string(),
        "-".to_string(),
        // Relative to `cwd`, so the snapshot does not depend on where the repository lives.
        test.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    ];
    let out = exec(cfg, &cfg.bin, &args, &cwd)?;
    if out.code() != Some(0) {
        return Err(format!(
            "mj build --emit mir failed ({})\n{}",
            out.code_desc(),
            indent(&tail(&format!("{}{}", out.stdout, out.stderr), 15))
        ));
    }
    // The snapshot holds the program's own functions and structs: the library's (under
    // `stdlib/`, `std.*` structs) change with the library and are left out, and a path
    // into the library inside a kept line (a bounds-check message) is named `<stdlib>/`.
    let mut stdout = String::new();
    let mut in_library = false;
    for l in out.stdout.lines() {
        if let Some(file) = l.strip_prefix("// file: ") {
            in_library = file.contains("/stdlib/") || file.starts_with("<stdlib>");
        }
        if in_library || l.starts_with("struct std.") {
            continue;
        }
        let l = match (l.find('"'), l.find("/stdlib/")) {
            (Some(q), Some(i)) if q < i => {
                format!("{}\"<stdlib>/{}", &l[..q], &l[i + "/stdlib/".len()..])
            }
            _ => l.to_string(),
        };
        stdout.push_str(&l);
        stdout.push('\n');
    }
    let expected_path = test.path.with_extension("mir");
    if cfg.bless {
        std::fs::write(&expected_path, &stdout)
            .map_err(|e| format!("cannot write {}: {e}", expected_path.display()))?;
        return Ok(());
    }
    let expected = std::fs::read_to_string(&expected_path).map_err(|_| {
        format!(
            "missing snapshot {} (run with MJ_BLESS=1 to create it)",
            expected_path.display()
        )
    })?;
    if stdout != expected {
        return Err(format!(
            "MIR differs from snapshot\n{}",
            diff(&expected, &stdout)
        ));
    }
    Ok(())
}
