//! `mj fmt PATH... [--check]`: formats `.mj` files with `mj_syntax::format` (docs/fmt.md).

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

use crate::render;

struct FmtOpts {
    check: bool,
    short: bool,
    paths: Vec<String>,
}

fn parse_args(args: &[String]) -> Result<FmtOpts, String> {
    let mut o = FmtOpts {
        check: false,
        short: false,
        paths: Vec::new(),
    };
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        match a.as_str() {
            "--check" => o.check = true,
            "--message-format" => {
                i += 1;
                o.short = match args.get(i).map(String::as_str) {
                    Some("short") => true,
                    Some("human") => false,
                    Some(v) => return Err(format!("unknown message format `{v}`")),
                    None => return Err("`--message-format` needs a value".into()),
                };
            }
            _ if a.starts_with('-') && a != "-" => {
                return Err(format!("unknown option `{a}` for `mj fmt`"));
            }
            _ => o.paths.push(a.clone()),
        }
        i += 1;
    }
    Ok(o)
}

/// Rewrites the files that formatting changes (only those), or with `--check` names them
/// and writes nothing. Exit 1 when a file would change (`--check`), has syntax errors, or
/// cannot be read or written; every file is still looked at.
pub(crate) fn cmd_fmt(args: &[String]) -> Result<ExitCode, String> {
    let o = parse_args(args)?;
    if o.paths.is_empty() {
        return Err("missing the files to format (a file or a directory)".into());
    }
    let mut files = Vec::new();
    for p in &o.paths {
        crate::collect_mj_files(Path::new(p), &mut files)?;
    }
    if files.is_empty() {
        return Err("no .mj files to format".into());
    }
    let mut failed = false;
    for path in &files {
        match fmt_file(path, &o) {
            Ok(changed) => failed |= changed && o.check,
            Err(msg) => {
                eprintln!("error: {msg}");
                failed = true;
            }
        }
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Formats one file; returns whether its text changes (or would, under `--check`).
fn fmt_file(path: &Path, o: &FmtOpts) -> Result<bool, String> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read `{shown}`: {e}"))?;
    let formatted = match mj_syntax::format(&text) {
        Ok(t) => t,
        Err(diags) => {
            print_diags(&shown, &text, &diags, o.short);
            let n = diags.len();
            let s = if n == 1 { "" } else { "s" };
            return Err(format!("`{shown}` left as it is: {n} error{s}"));
        }
    };
    if formatted == text {
        return Ok(false);
    }
    if o.check {
        println!("would reformat {shown}");
    } else {
        std::fs::write(path, formatted).map_err(|e| format!("cannot write `{shown}`: {e}"))?;
        println!("reformatted {shown}");
    }
    Ok(true)
}

/// The diagnostics of one file, as `mj check` prints them.
fn print_diags(path: &str, text: &str, diags: &[mj_syntax::Diag], short: bool) {
    let color = !short && std::io::stderr().is_terminal();
    for diag in diags {
        let fd = render::FileDiag { path, text, diag };
        if short {
            println!("{}", render::short(&fd));
        } else {
            eprint!("{}", render::pretty(&fd, color));
        }
    }
}
