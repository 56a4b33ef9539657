//! `mj`: the command-line driver (run, build, check, fmt, test, ...).

mod cache;
mod device;
mod driver;
mod fmt;
mod model;
mod render;
mod test_runner;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use mj_sema::db;

const USAGE: &str = "\
usage: mj <command> [options]

commands:
  run [--device D] FILE [--] [ARGS...]
                               compile and run a program in-process (JIT); D: where
                               `DeviceContext()` runs kernels (cpu, cuda, hip)
  build FILE [-o OUT]          compile to a native executable, or a library of the
        [--emit KIND]          `@export`ed functions; KIND: exe, obj, static-lib,
                               shared-lib, llvm, asm, mir (`-o libx.a`/`libx.so` imply
                               static-lib/shared-lib); the kernels the program launches:
        [--gpu ARCH]           ptx (NVIDIA, --gpu sm_80|sm_90a|sm_100a), gpu-obj (AMD
                               code object, --gpu gfx942|gfx950), gpu-llvm
  test [PATH...] [-k FILTER]   run the `test_*` functions of `test_*.mj` files
  generate [--model PATH] --prompt TEXT [--chat] [--max-tokens N] [--temperature T]
           [--top-k K] [--top-p P] [--min-p P] [--repeat-penalty R] [--seed S]
           [--print-token-ids]     generate text with a GGUF model (default: the
                               SmolLM2-135M-Instruct model, fetched on first use)
  generate --fetch             fetch the default model and print its path
  serve [--model PATH] [--host H] [--port P] [--api-key K] [--max-batch-size N]
        [--max-num-batched-tokens N] [--context N] [--kv-cache-blocks N]
        [--kv-cache-memory-fraction F] [--enable-prefix-caching]
        [--speculative ngram] [--device cpu|cuda]
                               an OpenAI-compatible server (/v1/completions,
                               /v1/chat/completions, /v1/models, /health, /tokenize)
  check PATH                   report diagnostics only (a file or a directory)
  fmt PATH... [--check]        format .mj files in place (files, or directories: every
                               *.mj file under them); --check: write nothing, name the
                               files that would change and exit 1 if there are any
  lsp                          the language server, over stdin/stdout (editors start it)
  --version                    print the version

options:
  -O0 .. -O3                   optimization level (default -O2)
  --message-format human|short diagnostic style (default human)
";

struct Opts {
    opt_level: u8,
    short: bool,
    output: Option<String>,
    emit: String,
    gpu: Option<String>,
    device: Option<String>,
    positional: Vec<String>,
    rest: Vec<String>,
}

fn parse_opts(args: &[String], stop_at_first_positional: bool) -> Result<Opts, String> {
    let mut o = Opts {
        opt_level: 2,
        short: false,
        output: None,
        emit: "exe".into(),
        gpu: None,
        device: None,
        positional: Vec::new(),
        rest: Vec::new(),
    };
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        match a.as_str() {
            "--" => {
                o.rest.extend(args[i + 1..].iter().cloned());
                break;
            }
            "-O0" | "-O1" | "-O2" | "-O3" => o.opt_level = a.as_bytes()[2] - b'0',
            "-o" | "--emit" | "--message-format" | "--gpu" | "--device" => {
                let v = args
                    .get(i + 1)
                    .ok_or_else(|| format!("`{a}` needs a value"))?
                    .clone();
                i += 1;
                match a.as_str() {
                    "-o" => o.output = Some(v),
                    "--gpu" => o.gpu = Some(v),
                    "--device" => match v.as_str() {
                        "cpu" | "cuda" | "hip" => o.device = Some(v),
                        _ => {
                            return Err(format!(
                                "unknown device `{v}` (expected cpu, cuda or hip)"
                            ));
                        }
                    },
                    "--emit" => {
                        o.emit = match v.as_str() {
                            "object" => "obj".into(),
                            "exe" | "obj" | "llvm" | "asm" | "mir" | "static-lib"
                            | "shared-lib" | "ptx" | "gpu-obj" | "gpu-llvm" => v,
                            _ => {
                                return Err(format!(
                                    "unknown --emit kind `{v}` (expected exe, obj, static-lib, shared-lib, llvm, asm, mir, ptx, gpu-obj or gpu-llvm)"
                                ));
                            }
                        };
                    }
                    _ => match v.as_str() {
                        "short" => o.short = true,
                        "human" => o.short = false,
                        _ => return Err(format!("unknown message format `{v}`")),
                    },
                }
            }
            // (`run` stops at its file: what follows is the program's.)
            _ if a.starts_with('-') && a != "-" => {
                return Err(format!("unknown option `{a}`"));
            }
            _ => {
                o.positional.push(a.clone());
                if stop_at_first_positional {
                    o.rest
                        .extend(args[i + 1..].iter().filter(|s| *s != "--").cloned());
                    break;
                }
            }
        }
        i += 1;
    }
    Ok(o)
}

/// The compiler's stack. Its phases recurse over the tree, so deep input needs a deep
/// stack; the parser bounds nesting (`mj_syntax::MAX_NESTING`) so that every phase fits
/// in this much. Only touched pages cost memory.
const COMPILER_STACK: usize = 1 << 30;

/// What a command asks `main` to do after compiling.
enum Outcome {
    Exit(ExitCode),
    /// Run this object in-process with these arguments, on the main thread: the program
    /// gets the process's ordinary stack, not the compiler's.
    Run(Vec<u8>, Vec<String>, Option<String>),
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(cmd) = args.first() else {
        eprint!("{USAGE}");
        return ExitCode::from(2);
    };
    let result = match cmd.as_str() {
        "--version" | "-V" | "version" => {
            println!("mj {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        "--help" | "-h" | "help" => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        test_runner::CHILD_COMMAND => test_runner::cmd_child(&args[1..]).map(Outcome::Exit),
        _ => on_compiler_stack(|| dispatch(&args)),
    };
    let result = result.and_then(|outcome| match outcome {
        Outcome::Exit(code) => Ok(code),
        Outcome::Run(obj, argv, device) => {
            if let Some(d) = device {
                // `mj run --device D`: where `DeviceContext()` runs kernels (the runtime
                // reads it). Only this thread runs now.
                // SAFETY: no other thread of this process reads the environment here.
                unsafe { std::env::set_var("MJ_DEVICE", d) };
            }
            // The program's own threads get glibc's default arenas again (0: chosen from
            // the number of cores).
            // SAFETY: only sets an allocator parameter.
            unsafe {
                libc::mallopt(libc::M_ARENA_MAX, 0);
            }
            let code = mj_codegen::run_object_in_process(&obj, &argv)
                .map_err(|e| format!("cannot run the program: {e}"))?;
            Ok(ExitCode::from(code.clamp(0, 255) as u8))
        }
    });
    match result {
        Ok(code) => code,
        Err(msg) => {
            eprintln!("error: {msg}");
            ExitCode::from(1)
        }
    }
}

fn dispatch(args: &[String]) -> Result<Outcome, String> {
    let exit = |r: Result<ExitCode, String>| r.map(Outcome::Exit);
    match args[0].as_str() {
        "run" => parse_opts(&args[1..], true).and_then(cmd_run),
        "build" => exit(parse_opts(&args[1..], false).and_then(cmd_build)),
        "check" => exit(parse_opts(&args[1..], false).and_then(cmd_check)),
        "fmt" => exit(fmt::cmd_fmt(&args[1..])),
        "test" => exit(test_runner::cmd_test(&args[1..])),
        "generate" => cmd_generate(&args[1..]),
        "serve" => exit(cmd_serve(&args[1..])),
        "lsp" => exit(
            mj_lsp::run(driver::stdlib_root(), mj_codegen::host_target())
                .map(|()| ExitCode::SUCCESS),
        ),
        other => Err(format!("unknown command `{other}`\n\n{USAGE}")),
    }
}

/// Runs `f` on a thread with the compiler's stack.
fn on_compiler_stack<T: Send>(f: impl FnOnce() -> Result<T, String> + Send) -> Result<T, String> {
    // One malloc arena for all threads: glibc would give the compiler thread an arena of
    // its own, which makes checking about 10% slower than on the main thread.
    // SAFETY: `mallopt` only sets an allocator parameter; no allocation is in flight on
    // another thread yet.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
    std::thread::scope(|s| {
        let worker = std::thread::Builder::new()
            .name("mj".into())
            .stack_size(COMPILER_STACK)
            .spawn_scoped(s, f)
            .map_err(|e| format!("cannot start the compiler thread: {e}"))?;
        worker
            .join()
            .unwrap_or_else(|_| Err("internal compiler error: the compiler panicked".into()))
    })
}

fn one_file(o: &Opts) -> Result<PathBuf, String> {
    match o.positional.as_slice() {
        [f] => Ok(PathBuf::from(f)),
        [] => Err("missing the source file".into()),
        _ => Err("expected exactly one source file".into()),
    }
}

/// Diagnostics after this many errors are counted, not printed.
const MAX_SHOWN_ERRORS: usize = 100;

/// Prints the diagnostics of a loaded program; returns whether there were errors.
fn report(l: &driver::Loaded, short: bool) -> bool {
    let diags = db::diagnostics(&l.db, l.program);
    let files = l.program.files(&l.db);
    let color = !short && std::io::stderr().is_terminal();
    let mut errors = 0;
    let mut unshown = 0;
    for (f, d) in &diags {
        if errors >= MAX_SHOWN_ERRORS {
            unshown += usize::from(d.is_error());
            continue;
        }
        let idx = files.iter().position(|x| x == f).unwrap_or(0);
        let (path, text) = &l.files[idx];
        let fd = render::FileDiag {
            path,
            text,
            diag: d,
        };
        if d.is_error() {
            errors += 1;
        }
        if short {
            println!("{}", render::short(&fd));
        } else {
            eprint!("{}", render::pretty(&fd, color));
        }
    }
    if unshown > 0 {
        let line = format!("error: stopped after {errors} errors; {unshown} more not shown");
        if short {
            println!("{line}");
        } else {
            eprintln!("{line}");
        }
    }
    let errors = errors + unshown;
    if errors > 0 && !short {
        eprintln!(
            "error: could not compile due to {errors} previous error{}",
            if errors == 1 { "" } else { "s" }
        );
    }
    errors > 0
}

/// Checks and lowers a program to MIR, or reports why not.
fn compile_mir(l: &driver::Loaded, short: bool) -> Result<Option<mj_mir::Program>, String> {
    if report(l, short) {
        return Ok(None);
    }
    let checked = db::check(&l.db, l.program);
    let mir = mj_lower::lower_program(&checked.0.program)
        .map_err(|e| format!("internal compiler error: {e}"))?;
    Ok(Some(mir))
}

fn cmd_check(o: Opts) -> Result<ExitCode, String> {
    let mut paths = Vec::new();
    for p in &o.positional {
        collect_mj_files(Path::new(p), &mut paths)?;
    }
    if paths.is_empty() {
        return Err("no .mj files to check".into());
    }
    let mut failed = false;
    for p in paths {
        let l = driver::load(&p)?;
        failed |= report(&l, o.short);
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn collect_mj_files(p: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    if p.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(p)
            .map_err(|e| format!("cannot read `{}`: {e}", p.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        for e in entries {
            // Only directories and regular files: a FIFO named `x.mj` would block a read.
            let Ok(meta) = std::fs::metadata(&e) else {
                continue;
            };
            if meta.is_dir() || (meta.is_file() && e.extension().is_some_and(|x| x == "mj")) {
                collect_mj_files(&e, out)?;
            }
        }
        Ok(())
    } else if p.exists() {
        out.push(p.to_path_buf());
        Ok(())
    } else {
        Err(format!("`{}` does not exist", p.display()))
    }
}

/// Refuses an output path that is one of the program's source files: writing the
/// executable there would destroy the source.
fn refuse_source_as_output(out: &Path, l: &driver::Loaded) -> Result<(), String> {
    let Ok(out) = out.canonicalize() else {
        return Ok(()); // (Does not exist yet: no source is there.)
    };
    for (path, _) in &l.files {
        if Path::new(path).canonicalize().is_ok_and(|p| p == out) {
            return Err(format!(
                "refusing to write the output over the source file `{path}`; choose another path with `-o`"
            ));
        }
    }
    Ok(())
}

fn codegen_opts(
    o: &Opts,
    target: &mj_target::Target,
    gpu_image: Option<Vec<u8>>,
) -> mj_codegen::Options {
    mj_codegen::Options {
        opt_level: o.opt_level,
        target: target.clone(),
        gpu_image,
    }
}

/// The device image for the host code of `file` (`device::host_image`) for `arches`.
/// When the user did not ask for the GPU (`asked`), kernels that do not compile for it
/// are a warning and the program runs them on the CPU device (`Ok((None, true))`).
pub(crate) fn gpu_image(
    file: &Path,
    mir: &mj_mir::Program,
    (arches, asked): &(Vec<String>, bool),
    opt: u8,
) -> Result<(Option<Vec<u8>>, bool), String> {
    match device::host_image(file, mir, arches, opt) {
        Ok(image) => Ok((image, false)),
        Err(e) if !asked => {
            eprintln!("mj: warning: {e}; the kernels run on the CPU device");
            Ok((None, true))
        }
        Err(e) => Err(e),
    }
}

fn cmd_run(o: Opts) -> Result<Outcome, String> {
    let file = one_file(&o)?;
    let l = driver::load(&file)?;
    let gpus = device::embed_arches(o.gpu.as_deref(), o.device.as_deref())?;
    let key = cache::key(
        &l.files,
        &l.target,
        &format!("run -O{} gpu={}", o.opt_level, gpus.0.join(",")),
    );
    let mut device = o.device.clone();
    let obj = match cache::get(&key) {
        Some(obj) => obj,
        None => {
            let Some(mir) = compile_mir(&l, o.short)? else {
                return Ok(Outcome::Exit(ExitCode::from(1)));
            };
            if mir.entry.is_none() {
                return Err(format!("`{}` has no `def main()` to run", file.display()));
            }
            let (image, cpu_only) = gpu_image(&file, &mir, &gpus, o.opt_level)?;
            if cpu_only && device.is_none() {
                device = Some("cpu".into());
            }
            let obj = mj_codegen::emit_object(&mir, &codegen_opts(&o, &l.target, image))
                .map_err(|e| format!("internal compiler error: {e}"))?;
            if !cpu_only {
                cache::put(&key, &obj);
            }
            obj
        }
    };
    let mut argv = vec![file.display().to_string()];
    argv.extend(o.rest.iter().cloned());
    Ok(Outcome::Run(obj, argv, device))
}

/// `mj generate`: runs the library's generation program (`stdlib/llm/main.mj`) with the
/// model's path and the other arguments.
fn cmd_generate(args: &[String]) -> Result<Outcome, String> {
    let rest = model::generate_args(args)?;
    if rest.is_empty() {
        return Ok(Outcome::Exit(ExitCode::SUCCESS));
    }
    // `--device cuda` embeds the kernels' PTX for this machine's GPU.
    let cuda = rest
        .windows(2)
        .any(|w| w[0] == "--device" && w[1] == "cuda");
    let main = driver::stdlib_root().join("llm").join("main.mj");
    // The program runs as a cached executable: no compiler in the process (less memory,
    // a faster start); the JIT is the fallback where no executable can be linked.
    if let Some(exe) = generate_exe(&main, cuda)? {
        let status = std::process::Command::new(&exe)
            .args(&rest)
            .status()
            .map_err(|e| format!("cannot run `{}`: {e}", exe.display()))?;
        return Ok(Outcome::Exit(ExitCode::from(
            status.code().unwrap_or(1).clamp(0, 255) as u8,
        )));
    }
    cmd_run(Opts {
        opt_level: 3,
        short: false,
        output: None,
        emit: "exe".into(),
        gpu: None,
        device: Some(if cuda { "cuda" } else { "cpu" }.into()),
        positional: vec![main.display().to_string()],
        rest,
    })
}

/// `mj serve`: the OpenAI-compatible server (`serve/mj_serve`) over the engine of
/// `stdlib/llm/server_api.mj`, built as a shared library (cached).
fn cmd_serve(args: &[String]) -> Result<ExitCode, String> {
    let mut o = mj_serve::Options {
        engine_lib: PathBuf::new(),
        model: PathBuf::new(),
        model_name: String::new(),
        host: "127.0.0.1".into(),
        port: 8000,
        api_key: None,
        max_batch: 8,
        context: 2048,
        max_batched_tokens: 256,
        max_queue: 256,
        kv_cache_blocks: 0,
        kv_cache_memory: 0,
        prefix_caching: false,
        speculative: false,
    };
    let mut model = None;
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        let v = args.get(i + 1).cloned();
        let need = |v: Option<String>| v.ok_or(format!("`{a}` needs a value"));
        let num = |v: Option<String>| -> Result<i64, String> {
            need(v)?
                .parse::<i64>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or(format!("`{a}` needs a positive integer"))
        };
        match a {
            "--model" => model = Some(PathBuf::from(need(v)?)),
            "--host" => o.host = need(v)?,
            "--port" => {
                o.port = need(v)?
                    .parse()
                    .map_err(|_| "`--port` needs a port number".to_string())?
            }
            "--api-key" => o.api_key = Some(need(v)?),
            "--max-batch-size" => o.max_batch = num(v)?,
            "--max-num-batched-tokens" => o.max_batched_tokens = num(v)?,
            "--context" => o.context = num(v)?,
            "--max-queue" => o.max_queue = num(v)?,
            "--kv-cache-blocks" => o.kv_cache_blocks = num(v)?,
            "--kv-cache-memory-fraction" => {
                let f = need(v)?
                    .parse::<f64>()
                    .ok()
                    .filter(|f| *f > 0.0 && *f <= 1.0)
                    .ok_or("`--kv-cache-memory-fraction` needs a number above 0 and at most 1")?;
                o.kv_cache_memory = (f * available_memory()? as f64) as i64;
            }
            "--device" => match need(v)?.as_str() {
                "cpu" => {}
                "cuda" => return Err(serve_on_cuda()),
                d => return Err(format!("`--device {d}`: use cpu or cuda")),
            },
            "--speculative" => match need(v)?.as_str() {
                "ngram" => o.speculative = true,
                "none" => o.speculative = false,
                k => return Err(format!("`--speculative {k}`: use ngram or none")),
            },
            "--enable-prefix-caching" => {
                o.prefix_caching = true;
                i += 1;
                continue;
            }
            _ => return Err(format!("unknown option `{a}` of `mj serve`")),
        }
        i += 2;
    }
    if o.max_batched_tokens < o.max_batch {
        return Err("`--max-num-batched-tokens` must be at least `--max-batch-size`".into());
    }
    o.model = match model {
        Some(p) if p.is_file() => p,
        Some(p) => return Err(format!("no model file `{}`", p.display())),
        None => model::default_model()?,
    };
    o.model_name = o
        .model
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("model")
        .to_string();
    let api = driver::stdlib_root().join("llm").join("server_api.mj");
    o.engine_lib = engine_lib(&api)?;
    mj_serve::run(o)?;
    Ok(ExitCode::SUCCESS)
}

/// Bytes of memory available to new allocations (`MemAvailable` of /proc/meminfo).
fn available_memory() -> Result<i64, String> {
    let info = std::fs::read_to_string("/proc/meminfo")
        .map_err(|e| format!("`--kv-cache-memory-fraction`: cannot read /proc/meminfo: {e}"))?;
    info.lines()
        .find_map(|l| l.strip_prefix("MemAvailable:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<i64>().ok())
        .map(|kb| kb * 1024)
        .ok_or_else(|| "`--kv-cache-memory-fraction`: no MemAvailable in /proc/meminfo".into())
}

/// Why `mj serve --device cuda` does not start: the serving engine's batched forward pass
/// runs on the CPU only so far (`mj generate --device cuda` runs the model's GPU kernels).
fn serve_on_cuda() -> String {
    if !mj_runtime::cuda::driver_present() {
        return "`--device cuda`: no CUDA driver on this machine (the server runs with `--device cpu`)".into();
    }
    "`--device cuda`: the serving engine runs on the CPU only so far; `mj generate --device cuda` runs the model on the GPU".into()
}

/// The engine library of `mj serve`, built on first use into the compile cache.
fn engine_lib(api: &Path) -> Result<PathBuf, String> {
    cached_binary(api, "serve-lib", &(Vec::new(), false), true)?
        .ok_or_else(|| "cannot build the engine library here (no runtime library, no C compiler, or no cache directory)".into())
}

/// The generation program as an executable in the compile cache, built on first use;
/// `None` when it cannot be linked here (no runtime library or C compiler).
fn generate_exe(main: &Path, cuda: bool) -> Result<Option<PathBuf>, String> {
    let gpus = device::embed_arches(None, Some(if cuda { "cuda" } else { "cpu" }))?;
    cached_binary(main, "generate-exe", &gpus, false)
}

/// `file` compiled at -O3 with the kernels for `gpus`, linked as an executable or (with
/// `shared`) a shared library, kept in the compile cache under a key of its sources; built
/// when missing. `None` when it cannot be linked here.
fn cached_binary(
    file: &Path,
    what: &str,
    gpus: &(Vec<String>, bool),
    shared: bool,
) -> Result<Option<PathBuf>, String> {
    let l = driver::load(file)?;
    let key = cache::key(
        &l.files,
        &l.target,
        &format!("{what} -O3 gpu={}", gpus.0.join(",")),
    );
    let Some(path) = cache::exe_path(&key) else {
        return Ok(None);
    };
    let path = if shared {
        path.with_extension("so")
    } else {
        path
    };
    if path.is_file() {
        return Ok(Some(path));
    }
    let Some(rt) = mj_codegen::find_runtime_lib() else {
        return Ok(None);
    };
    let Some(mir) = compile_mir(&l, false)? else {
        return Err(format!("`{}` does not compile", file.display()));
    };
    let (image, _) = gpu_image(file, &mir, gpus, 3)?;
    let opts = mj_codegen::Options {
        opt_level: 3,
        target: l.target.clone(),
        gpu_image: image,
    };
    let obj = mj_codegen::emit_object(&mir, &opts)
        .map_err(|e| format!("internal compiler error: {e}"))?;
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let linked = if shared {
        mj_codegen::link_shared_lib(&obj, &tmp, &rt)
    } else {
        mj_codegen::link_executable(&obj, &tmp, &rt)
    };
    if linked.is_err() {
        let _ = std::fs::remove_file(&tmp);
        return Ok(None);
    }
    std::fs::rename(&tmp, &path).map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
    Ok(Some(path))
}

fn cmd_build(o: Opts) -> Result<ExitCode, String> {
    let file = one_file(&o)?;
    if matches!(o.emit.as_str(), "ptx" | "gpu-obj" | "gpu-llvm") {
        let ok = device::build(
            &file,
            &o.emit,
            o.gpu.as_deref(),
            o.output.as_deref(),
            o.opt_level,
            o.short,
        )?;
        return Ok(if ok {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        });
    }
    let l = driver::load(&file)?;
    let Some(mir) = compile_mir(&l, o.short)? else {
        return Ok(ExitCode::from(1));
    };
    if let Some(out) = o.output.as_deref().filter(|p| *p != "-") {
        refuse_source_as_output(Path::new(out), &l)?;
    }
    // `--gpu sm_80,sm_90a` embeds the kernels' PTX for those GPUs (by default, for this
    // machine's CUDA device, if any).
    let gpus = device::embed_arches(o.gpu.as_deref(), None)?;
    let (image, _) = gpu_image(&file, &mir, &gpus, o.opt_level)?;
    let opts = codegen_opts(&o, &l.target, image);
    let ice = |e: String| format!("internal compiler error: {e}");
    let stem = file
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("a.out")
        .to_string();
    let mut o = o;
    if o.emit == "exe" {
        // `-o libfoo.a` / `-o libfoo.so` ask for a library, as the file name says.
        match o.output.as_deref() {
            Some(p) if p.ends_with(".a") => o.emit = "static-lib".into(),
            Some(p) if p.ends_with(".so") => o.emit = "shared-lib".into(),
            _ => {}
        }
    }
    let text = match o.emit.as_str() {
        "mir" => Some(mj_mir::print_program(&mir)),
        "llvm" => Some(mj_codegen::emit_llvm_ir(&mir, &opts).map_err(ice)?),
        "asm" => Some(mj_codegen::emit_asm(&mir, &opts).map_err(ice)?),
        _ => None,
    };
    if let Some(text) = text {
        match o.output.as_deref() {
            None | Some("-") => print!("{text}"),
            Some(p) => std::fs::write(p, text).map_err(|e| format!("cannot write `{p}`: {e}"))?,
        }
        return Ok(ExitCode::SUCCESS);
    }
    if mir.entry.is_none() && o.emit == "exe" {
        return Err(format!(
            "`{}` has no `def main()`; use `--emit static-lib`, `--emit shared-lib` or `--emit obj` for a library",
            file.display()
        ));
    }
    let obj = mj_codegen::emit_object(&mir, &opts).map_err(ice)?;
    if o.emit == "obj" {
        let out = o.output.unwrap_or_else(|| format!("{stem}.o"));
        std::fs::write(&out, obj).map_err(|e| format!("cannot write `{out}`: {e}"))?;
        return Ok(ExitCode::SUCCESS);
    }
    let rt = mj_codegen::find_runtime_lib()
        .ok_or("cannot find the runtime library `libmj_runtime.a`; build it with `cargo build -p mj_runtime` or set MJ_RUNTIME_LIB")?;
    match o.emit.as_str() {
        "static-lib" => {
            let out = o.output.unwrap_or_else(|| format!("lib{stem}.a"));
            mj_codegen::link_static_lib(&obj, Path::new(&out), &rt)?;
        }
        "shared-lib" => {
            let out = o.output.unwrap_or_else(|| format!("lib{stem}.so"));
            mj_codegen::link_shared_lib(&obj, Path::new(&out), &rt)?;
        }
        _ => {
            let out = o.output.unwrap_or(stem);
            mj_codegen::link_executable(&obj, Path::new(&out), &rt)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
