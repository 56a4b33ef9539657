//! `mj test [PATH ...] [-k FILTER]`: discovers `test_*.mj` files and their top-level
//! `def test_*()` functions, compiles each file once, and runs its tests.
//!
//! The selected test functions are given C symbols of their own (`__mj_test_N`, invisible
//! to mj code) in a copy of the checked program, so no synthetic source is needed. Each
//! file's object runs in a child process (`mj __test-child`, this binary) that calls the
//! tests one by one and prints their results; a test that aborts the process (an index out
//! of range, `sys.exit`) only ends that child: the parent reports the test as failed with
//! the abort message and starts a new child for the tests after it.
//!
//! Output (stdout): `PASS path::name`, or `FAIL path::name` followed by the error message
//! indented by four spaces; then a blank line and `N passed, M failed`. Exit status: 0 when
//! every test passed, 1 when a test failed, 2 when a file did not compile or no test was
//! found.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

use mj_sema::db;

use crate::{cache, driver};

/// The hidden sub-command that runs tests in a child process.
pub const CHILD_COMMAND: &str = "__test-child";

struct TestOpts {
    paths: Vec<String>,
    filter: Option<String>,
    opt_level: u8,
}

fn parse(args: &[String]) -> Result<TestOpts, String> {
    let mut o = TestOpts {
        paths: Vec::new(),
        filter: None,
        opt_level: 2,
    };
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        match a.as_str() {
            "-k" => {
                let v = args.get(i + 1).ok_or("`-k` needs a value")?;
                o.filter = Some(v.clone());
                i += 1;
            }
            "-O0" | "-O1" | "-O2" | "-O3" => o.opt_level = a.as_bytes()[2] - b'0',
            _ if a.starts_with('-') => return Err(format!("unknown option `{a}`")),
            _ => o.paths.push(a.clone()),
        }
        i += 1;
    }
    if o.paths.is_empty() {
        o.paths.push(".".into());
    }
    Ok(o)
}

/// `test_*.mj` files under `p` (recursively, sorted), or `p` itself when it is a file.
fn discover(p: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    if p.is_file() {
        out.push(p.to_path_buf());
        return Ok(());
    }
    if !p.is_dir() {
        return Err(format!("`{}` does not exist", p.display()));
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(p)
        .map_err(|e| format!("cannot read `{}`: {e}", p.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for e in entries {
        let name = e.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if e.is_dir() {
            // Hidden directories and build output hold no tests of the project.
            if !name.starts_with('.') && name != "target" {
                discover(&e, out)?;
            }
        } else if name.starts_with("test_") && name.ends_with(".mj") {
            out.push(e);
        }
    }
    Ok(())
}

/// `./a/b.mj` -> `a/b.mj`, so messages name files as a person would.
fn tidy(p: PathBuf) -> PathBuf {
    match p.strip_prefix(".") {
        Ok(r) if !r.as_os_str().is_empty() => r.to_path_buf(),
        _ => p,
    }
}

/// One test to run: its index in the file's selection, whether it raises, its name.
#[derive(Clone)]
struct Test {
    index: usize,
    raises: bool,
    name: String,
}

#[derive(Default)]
struct Tally {
    passed: usize,
    failed: usize,
    errors: usize,
}

pub fn cmd_test(args: &[String]) -> Result<ExitCode, String> {
    let o = match parse(args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let mut files = Vec::new();
    for p in &o.paths {
        if let Err(e) = discover(Path::new(p), &mut files) {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(2));
        }
    }
    let files: Vec<PathBuf> = files.into_iter().map(tidy).collect();
    let mut tally = Tally::default();
    let mut found = 0;
    for f in &files {
        found += run_file(f, &o, &mut tally)?;
    }
    if found == 0 && tally.errors == 0 {
        let what = match &o.filter {
            Some(k) => format!(" matching `{k}`"),
            None => String::new(),
        };
        eprintln!("error: no tests found{what} (files `test_*.mj` with functions `def test_*():`)");
        return Ok(ExitCode::from(2));
    }
    let mut summary = format!("{} passed, {} failed", tally.passed, tally.failed);
    if tally.errors > 0 {
        let s = if tally.errors == 1 { "" } else { "s" };
        summary.push_str(&format!(", {} file{s} with errors", tally.errors));
    }
    println!("\n{summary}");
    Ok(if tally.errors > 0 {
        ExitCode::from(2)
    } else if tally.failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Compiles and runs the tests of one file; returns how many tests it selected.
fn run_file(path: &Path, o: &TestOpts, tally: &mut Tally) -> Result<usize, String> {
    let l = driver::load(path)?;
    if crate::report(&l, false) {
        tally.errors += 1;
        return Ok(0);
    }
    let checked = db::check(&l.db, l.program);
    let mut program = checked.0.program.clone();
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("main")
        .to_string();
    let display = path.display().to_string();
    let mut tests = Vec::new();
    for f in program.functions.iter_mut() {
        let Some(name) = f
            .name
            .strip_prefix(&format!("{stem}."))
            .or(f.export.then_some(f.name.as_str()))
            // (Functions lifted out of a test, such as a kernel launch's trampoline
            // `test_x.kernel$launch0`, are not tests.)
            .filter(|n| n.starts_with("test_") && !n.contains('.'))
            .map(str::to_string)
        else {
            continue;
        };
        if f.file != display {
            continue;
        }
        if !f.params.is_empty() || f.ret != mj_sema::ty::Ty::Unit {
            eprintln!(
                "warning: {display}: `{name}` is not run: test functions take no arguments and return nothing"
            );
            continue;
        }
        if f.raises_ty.is_some() {
            // Its error slot holds a boxed typed error, not the `Error` the child reads.
            eprintln!(
                "warning: {display}: `{name}` is not run: test functions raise `Error`, not a typed error"
            );
            continue;
        }
        if o.filter
            .as_ref()
            .is_some_and(|k| !name.contains(k.as_str()))
        {
            continue;
        }
        let index = tests.len();
        // A C symbol of its own, so the child can call the test directly.
        f.name = format!("__mj_test_{index}");
        f.export = true;
        tests.push(Test {
            index,
            raises: f.raises,
            name,
        });
    }
    if tests.is_empty() {
        return Ok(0);
    }
    program.entry = None;
    let names: Vec<&str> = tests.iter().map(|t| t.name.as_str()).collect();
    // Kernels are embedded for this machine's CUDA device, if any (`MJ_DEVICE=cpu` runs
    // them on the CPU device).
    let gpus = crate::device::embed_arches(None, None)?;
    let key = cache::key(
        &l.files,
        &l.target,
        &format!(
            "test -O{} gpu={} {}",
            o.opt_level,
            gpus.0.join(","),
            names.join(",")
        ),
    );
    let mut cpu_only = false;
    let obj = match cache::get(&key) {
        Some(obj) => obj,
        None => {
            let ice = |e: String| format!("internal compiler error: {e}");
            let mir = mj_lower::lower_program(&program).map_err(ice)?;
            let (gpu_image, no_gpu) = crate::gpu_image(path, &mir, &gpus, o.opt_level)?;
            cpu_only = no_gpu;
            let opts = mj_codegen::Options {
                opt_level: o.opt_level,
                target: program.target.clone(),
                gpu_image,
            };
            let obj = mj_codegen::emit_object(&mir, &opts).map_err(ice)?;
            if !cpu_only {
                cache::put(&key, &obj);
            }
            obj
        }
    };
    let tmp = Temp::new();
    let obj_path = tmp.path("o");
    std::fs::write(&obj_path, &obj)
        .map_err(|e| format!("cannot write `{}`: {e}", obj_path.display()))?;
    let results = tmp.path("results");
    let mut pending: &[Test] = &tests;
    while !pending.is_empty() {
        std::fs::write(&results, "")
            .map_err(|e| format!("cannot write `{}`: {e}", results.display()))?;
        let specs = pending
            .iter()
            .map(|t| format!("{}:{}:{}", t.index, u8::from(t.raises), t.name));
        let exe = std::env::current_exe().map_err(|e| format!("cannot find `mj`: {e}"))?;
        let mut cmd = Command::new(exe);
        if cpu_only {
            cmd.env("MJ_DEVICE", "cpu");
        }
        let child = cmd
            .arg(CHILD_COMMAND)
            .arg(&obj_path)
            .arg(&results)
            .arg(&display)
            .args(specs)
            .stdin(Stdio::null())
            .stdout(Stdio::inherit())
            .stderr(Stdio::piped())
            .output()
            .map_err(|e| format!("cannot start the test process: {e}"))?;
        let log = std::fs::read_to_string(&results).unwrap_or_default();
        let mut started = None;
        let mut done = 0;
        for line in log.lines() {
            match line.split_once(' ') {
                Some(("START", k)) => started = k.parse::<usize>().ok(),
                Some(("PASS", _)) => {
                    tally.passed += 1;
                    done += 1;
                    started = None;
                }
                Some(("FAIL", _)) => {
                    tally.failed += 1;
                    done += 1;
                    started = None;
                }
                _ => {}
            }
        }
        let stderr = String::from_utf8_lossy(&child.stderr)
            .trim_end()
            .to_string();
        let Some(k) = started else {
            if !stderr.is_empty() {
                eprintln!("{stderr}");
            }
            if done < pending.len() {
                // The child ended before starting a test: report the rest as failed.
                for t in &pending[done..] {
                    print_fail(&display, &t.name, &child_failure(&child.status, &stderr));
                    tally.failed += 1;
                }
            }
            break;
        };
        let t = &pending[done];
        debug_assert_eq!(t.index, k);
        print_fail(&display, &t.name, &child_failure(&child.status, &stderr));
        tally.failed += 1;
        pending = &pending[done + 1..];
    }
    Ok(tests.len())
}

/// Why a child process ended in the middle of a test.
fn child_failure(status: &std::process::ExitStatus, stderr: &str) -> String {
    let how = match status.code() {
        Some(c) => format!("the test ended the process with exit status {c}"),
        None => format!("the test crashed ({status})"),
    };
    if stderr.is_empty() {
        how
    } else {
        format!("{stderr}\n({how})")
    }
}

fn print_fail(path: &str, name: &str, msg: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "FAIL {path}::{name}");
    for line in msg.lines() {
        let _ = writeln!(out, "    {line}");
    }
    let _ = out.flush();
}

/// `mj __test-child OBJECT RESULTS PATH INDEX:RAISES:NAME...`: loads the object and runs
/// the listed tests in order, printing each result and logging progress to RESULTS
/// (`START k` before a test, `PASS k`/`FAIL k` after it) for the parent.
pub fn cmd_child(args: &[String]) -> Result<ExitCode, String> {
    let [obj, results, path, specs @ ..] = args else {
        return Err(format!(
            "usage: mj {CHILD_COMMAND} OBJECT RESULTS PATH TESTS..."
        ));
    };
    let obj = std::fs::read(obj).map_err(|e| format!("cannot read `{obj}`: {e}"))?;
    let mut log = std::fs::OpenOptions::new()
        .append(true)
        .open(results)
        .map_err(|e| format!("cannot open `{results}`: {e}"))?;
    let jit = mj_codegen::Jit::new(&obj, &mj_runtime::symbols())?;
    let argv0 = std::ffi::CString::new(path.as_str()).map_err(|_| "bad path".to_string())?;
    let argv = [argv0.as_ptr(), std::ptr::null()];
    // SAFETY: `argv` holds one valid C string followed by a null pointer.
    unsafe { mj_runtime::process::mj_rt_init(1, argv.as_ptr()) };
    for spec in specs {
        let mut parts = spec.splitn(3, ':');
        let (Some(k), Some(raises), Some(name)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(format!("bad test spec `{spec}`"));
        };
        let addr = jit.lookup(&format!("__mj_test_{k}"))?;
        let _ = writeln!(log, "START {k}");
        let _ = log.flush();
        let mut err: *const mj_runtime::MjStr = std::ptr::null();
        // SAFETY: `__mj_test_k` is a compiled test function taking no arguments and
        // returning nothing; a raising one takes the trailing error slot (ABI.md).
        unsafe {
            if raises == "1" {
                let f: extern "C" fn(*mut *const mj_runtime::MjStr) = std::mem::transmute(addr);
                f(&mut err);
            } else {
                let f: extern "C" fn() = std::mem::transmute(addr);
                f();
            }
        }
        mj_runtime::io::flush();
        let mut out = std::io::stdout().lock();
        if err.is_null() {
            let _ = writeln!(out, "PASS {path}::{name}");
            let _ = out.flush();
            let _ = writeln!(log, "PASS {k}");
        } else {
            // SAFETY: a non-null error slot holds a valid `MjStr` (ABI.md).
            let msg = unsafe { mj_runtime::str::bytes(err) };
            drop(out);
            print_fail(path, name, &String::from_utf8_lossy(msg));
            let _ = writeln!(log, "FAIL {k}");
        }
        let _ = log.flush();
    }
    drop(jit);
    Ok(ExitCode::SUCCESS)
}

/// Temporary files of one test file's run, removed on drop.
struct Temp(PathBuf);

impl Temp {
    fn new() -> Temp {
        use std::sync::atomic::{AtomicU64, Ordering};
        static N: AtomicU64 = AtomicU64::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        Temp(std::env::temp_dir().join(format!("mj-test-{}-{n}", std::process::id())))
    }

    fn path(&self, ext: &str) -> PathBuf {
        self.0.with_extension(ext)
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        for ext in ["o", "results"] {
            let _ = std::fs::remove_file(self.path(ext));
        }
    }
}
