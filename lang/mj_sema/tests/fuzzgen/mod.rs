//! Shared input generators for the fuzz tests (`lang/mj_sema/tests/fuzz.rs` and
//! `compiler/mj_codegen/tests/fuzz_codegen.rs`, which includes this file by path).
//!
//! Everything is deterministic: a case is a pure function of `(seed, category, index)`, so a
//! failure report names the seed and the case index and can be replayed exactly.

#![allow(dead_code)]

use std::cell::RefCell;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Once;
use std::time::{Duration, Instant};

use mj_sema::db::{self, Database, Program, SourceFile};

// ---------------------------------------------------------------------------------------------
// PRNG

/// xorshift64*: tiny, fast and good enough to drive a fuzzer.
#[derive(Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        // splitmix64 the seed so that neighbouring seeds give unrelated streams (and 0 works).
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        Rng(if z == 0 { 1 } else { z })
    }

    /// The generator of case `index` of `category` under `seed`.
    pub fn for_case(seed: u64, category: u64, index: u64) -> Rng {
        Rng::new(
            seed ^ category.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ index.wrapping_mul(0x9E37_79B1),
        )
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// True with probability `num/den`.
    pub fn chance(&mut self, num: usize, den: usize) -> bool {
        self.below(den) < num
    }

    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }

    pub fn word(&mut self, xs: &[&'static str]) -> &'static str {
        xs[self.below(xs.len())]
    }
}

// ---------------------------------------------------------------------------------------------
// Configuration

pub struct Config {
    pub seed: u64,
    pub budget: Duration,
    pub max_cases: u64,
}

/// `MJ_FUZZ_SEED` (default fixed), `MJ_FUZZ_SECS` (per test, default `default_secs`) and
/// `MJ_FUZZ_CASES` (per test, default `default_cases`).
pub fn config(default_secs: f64, default_cases: u64) -> Config {
    let seed = std::env::var("MJ_FUZZ_SEED")
        .ok()
        .and_then(|s| {
            let s = s.trim();
            s.strip_prefix("0x")
                .map(|h| u64::from_str_radix(h, 16).ok())
                .unwrap_or_else(|| s.parse().ok())
        })
        .unwrap_or(0x6D6A_5EED);
    let secs = std::env::var("MJ_FUZZ_SECS")
        .ok()
        .and_then(|s| s.trim().parse::<f64>().ok())
        .unwrap_or(default_secs);
    // With an explicit time budget the case count is unbounded unless MJ_FUZZ_CASES says so.
    let cases_default = if std::env::var("MJ_FUZZ_SECS").is_ok() {
        u64::MAX
    } else {
        default_cases
    };
    let max_cases = std::env::var("MJ_FUZZ_CASES")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(cases_default);
    Config {
        seed,
        budget: Duration::from_secs_f64(secs.max(0.0)),
        max_cases,
    }
}

// ---------------------------------------------------------------------------------------------
// Panic capture

thread_local! {
    /// Set while a fuzz case runs: the hook records the panic here instead of printing it.
    static CAPTURE: RefCell<Option<Option<String>>> = const { RefCell::new(None) };
}

fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let captured = CAPTURE.with(|c| {
                let mut c = c.borrow_mut();
                match c.as_mut() {
                    Some(slot) => {
                        if slot.is_none() {
                            let msg = info
                                .payload()
                                .downcast_ref::<&str>()
                                .map(|s| s.to_string())
                                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                                .unwrap_or_else(|| "<non-string panic payload>".into());
                            let loc = info
                                .location()
                                .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()))
                                .unwrap_or_default();
                            *slot = Some(format!("{msg} (at {loc})"));
                        }
                        true
                    }
                    None => false,
                }
            });
            if !captured {
                default(info);
            }
        }));
    });
}

/// Runs `f`, returning `Err(panic message with location)` if it panicked. The panic is not
/// printed.
pub fn catch<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    install_hook();
    CAPTURE.with(|c| *c.borrow_mut() = Some(None));
    let r = panic::catch_unwind(AssertUnwindSafe(f));
    let msg = CAPTURE.with(|c| c.borrow_mut().take()).flatten();
    r.map_err(|_| msg.unwrap_or_else(|| "<panic>".into()))
}

// ---------------------------------------------------------------------------------------------
// The pipeline

/// An extra module a case may import (`lib.helpers` of tests/run, say).
#[derive(Clone)]
pub struct Extra {
    pub module: String,
    pub path: String,
    pub text: String,
}

/// Builds a database holding `main` (module `main`) plus every extra module it imports
/// (transitively, looked up among `extras`), like the CLI driver does with the disk.
pub fn program(text: &str, extras: &[Extra]) -> (Database, Program) {
    let db = Database::default();
    let mut files = vec![SourceFile::new(
        &db,
        "main".to_string(),
        "main.mj".to_string(),
        text.to_string(),
    )];
    let mut seen = vec!["main".to_string()];
    let mut i = 0;
    while i < files.len() {
        let imports = db::imports(&db, files[i]).clone();
        for (_, dotted) in imports {
            if seen.contains(&dotted) {
                continue;
            }
            seen.push(dotted.clone());
            if let Some(e) = extras.iter().find(|e| e.module == dotted) {
                files.push(SourceFile::new(
                    &db,
                    e.module.clone(),
                    e.path.clone(),
                    e.text.clone(),
                ));
            }
        }
        i += 1;
    }
    let program = Program::new(&db, files, test_target(), false);
    (db, program)
}

/// The target programs are checked for in these tests: a fixed x86-64 CPU, so results do
/// not depend on the machine the tests run on.
pub fn test_target() -> mj_target::Target {
    mj_target::Target::new("x86_64-unknown-linux-gnu", "x86-64-v3", "+avx,+avx2,+fma")
}

/// Runs the whole front end; returns whether the program is free of errors.
pub fn check_text(text: &str, extras: &[Extra]) -> bool {
    let (db, program) = program(text, extras);
    let diags = db::diagnostics(&db, program);
    let checked = db::check(&db, program);
    // Touch the results so nothing is lazily skipped.
    let _ = checked.0.program.functions.len();
    !diags.iter().any(|(_, d)| d.is_error()) && !checked.0.has_errors()
}

// ---------------------------------------------------------------------------------------------
// Generators

pub const KEYWORDS: &[&str] = &[
    "def", "fn", "struct", "trait", "var", "comptime", "alias", "if", "elif", "else", "while",
    "for", "in", "break", "continue", "pass", "return", "raise", "raises", "try", "except",
    "finally", "import", "from", "as", "and", "or", "not", "is", "True", "False", "None", "lambda",
    "with", "assert", "class", "del", "global", "nonlocal", "yield", "await", "out", "mut",
    "owned", "read", "ref", "inout", "match", "case", "self", "Self",
];

pub const OPS: &[&str] = &[
    "+", "-", "*", "/", "//", "%", "**", "@", "&", "|", "^", "~", "<<", ">>", "<", ">", "<=", ">=",
    "==", "!=", "=", "+=", "-=", "*=", "/=", "//=", "%=", "**=", "@=", "&=", "|=", "^=", "<<=",
    ">>=", "->", "(", ")", "[", "]", "{", "}", ",", ":", ";", ".", "...", "!", ":=", "\\", "$",
    "?", "`",
];

pub const IDENTS: &[&str] = &[
    "x",
    "y",
    "z",
    "i",
    "n",
    "s",
    "a",
    "b",
    "f",
    "g",
    "main",
    "print",
    "len",
    "range",
    "Int",
    "Float64",
    "Float32",
    "String",
    "Bool",
    "List",
    "Dict",
    "Optional",
    "UInt8",
    "Int8",
    "Int32",
    "Int64",
    "UInt64",
    "SIMD",
    "DType",
    "argv",
    "append",
    "pop",
    "abs",
    "min",
    "max",
    "ord",
    "chr",
    "str",
    "int",
    "float",
    "__init__",
    "__copyinit__",
    "__moveinit__",
    "__del__",
    "__add__",
    "__eq__",
    "__str__",
    "Point",
    "Copyable",
    "Movable",
    "Stringable",
    "Error",
    "std",
    "sys",
    "math",
    "sqrt",
    "lib",
    "helpers",
    "square",
    "Accumulator",
    "SCALE",
    "_",
    "é",
    "ünïcode",
];

pub const LITERALS: &[&str] = &[
    "0",
    "1",
    "2",
    "42",
    "-1",
    "255",
    "256",
    "9223372036854775807",
    "9223372036854775808",
    "18446744073709551616",
    "340282366920938463463374607431768211456",
    "0x7fffffffffffffff",
    "0xFF",
    "0o17",
    "0b1011",
    "0x",
    "1_000",
    "3.14",
    "1e10",
    "1e999",
    ".5",
    "0.0",
    "1.",
    "\"\"",
    "\"hello\"",
    "'c'",
    "\"\\n\\t\\\\\"",
    "\"\\u{1F600}\"",
    "\"\\x\"",
    "\"unterminated",
    "f\"{x}\"",
    "f\"a{x + 1:>4}b\"",
    "f\"{\"",
    "f\"{}\"",
    "f\"{x!r}\"",
    "\"\"\"doc\"\"\"",
    "r\"raw\\n\"",
    "b\"bytes\"",
];

/// Larger fragments, so token soup sometimes reaches deep into the checker.
pub const PHRASES: &[&str] = &[
    "def main():",
    "def main() raises:",
    "def f(x: Int) -> Int:",
    "def g(a: Int, b: Float64 = 1.0) -> Float64:",
    "fn h(mut s: String, *args: Int, **kw: Int):",
    "def f[T: Copyable](x: T) -> T:",
    "struct Point:",
    "struct Point(Copyable, Movable):",
    "var x: Int",
    "var x: Int = 0",
    "var s = String(\"a\")",
    "var xs = List[Int]()",
    "var xs: List[Int] = [1, 2, 3]",
    "def __init__(out self, x: Int):",
    "self.x = x",
    "return x",
    "return",
    "print(x)",
    "print(f(1), g(2, 3.0))",
    "for i in range(10):",
    "for c in s:",
    "while x < 10:",
    "if x == 1:",
    "elif x:",
    "else:",
    "try:",
    "except e:",
    "raise Error(\"boom\")",
    "from std.sys import argv",
    "from std.math import sqrt",
    "from lib.helpers import square, Accumulator, SCALE",
    "from . import x",
    "from .. import y",
    "import std.sys as s",
    "comptime N = 4",
    "alias T = Int",
    "x += 1",
    "x = x * 2 + 1",
    "xs.append(x)",
    "xs[0] = xs[1]",
    "p.x = 3",
    "print(xs[i])",
    "print(len(xs))",
    "var p = Point(1, 2)",
    "break",
    "continue",
    "pass",
    "with open(x) as f:",
    "lambda x: x",
    "x if y else z",
    "assert x, \"msg\"",
    "^x",
];

fn vocab_token(rng: &mut Rng) -> &'static str {
    match rng.below(10) {
        0..=1 => rng.word(KEYWORDS),
        2..=4 => rng.word(OPS),
        5..=7 => rng.word(IDENTS),
        _ => rng.word(LITERALS),
    }
}

/// (a) random bytes, mostly printable, sometimes invalid UTF-8 (replaced lossily) and
/// sometimes arbitrary unicode.
pub fn random_bytes(rng: &mut Rng) -> String {
    let len = match rng.below(4) {
        0 => rng.below(8),
        1 => rng.below(64),
        _ => rng.below(400),
    };
    let mut bytes = Vec::with_capacity(len);
    const INTERESTING: &[u8] = b" \t\n\r\x0c\\\"'#:()[]{}=+-*/%<>!&|^~.,;@0123456789abcxyzdefINT_f";
    for _ in 0..len {
        match rng.below(10) {
            0 => bytes.push(rng.next_u64() as u8),
            1 => {
                let ch = char::from_u32(rng.below(0x11_0000) as u32).unwrap_or('\u{FFFD}');
                let mut buf = [0u8; 4];
                bytes.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
            }
            2..=3 => bytes.push(0x20 + rng.below(95) as u8),
            _ => bytes.push(*rng.pick(INTERESTING)),
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// (b) token soup: lines of vocabulary tokens and phrases with random indentation.
pub fn token_soup(rng: &mut Rng) -> String {
    let lines = 1 + rng.below(30);
    let mut out = String::new();
    let mut depth: usize = 0;
    for _ in 0..lines {
        // Indentation mostly follows a plausible block structure, sometimes not.
        match rng.below(10) {
            0..=5 => {}
            6..=7 => depth += 1,
            8 => depth = depth.saturating_sub(1),
            _ => depth = rng.below(4),
        }
        let indent = match rng.below(20) {
            0 => " ".repeat(rng.below(7)),
            1 => "\t".repeat(rng.below(3)),
            2 => " \t".to_string(),
            _ => "    ".repeat(depth),
        };
        out.push_str(&indent);
        let n = rng.below(9);
        for j in 0..n {
            if j > 0 && rng.chance(9, 10) {
                out.push(' ');
            }
            if rng.chance(1, 4) {
                out.push_str(rng.word(PHRASES));
            } else {
                out.push_str(vocab_token(rng));
            }
        }
        if rng.chance(1, 3) {
            out.push(':');
        }
        if rng.chance(1, 20) {
            out.push_str("  # comment");
        }
        if rng.chance(1, 30) {
            out.push_str(" \\");
        }
        out.push_str(if rng.chance(1, 30) { "\r\n" } else { "\n" });
    }
    if rng.chance(1, 5) {
        out.pop();
    }
    out
}

/// Splits text into rough tokens (runs of identifier characters, single punctuation
/// characters, whitespace runs) keeping byte offsets, for token-level mutations.
fn rough_tokens(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut it = text.char_indices().peekable();
    while let Some((start, c)) = it.next() {
        let mut end = start + c.len_utf8();
        let class = |c: char| {
            if c.is_alphanumeric() || c == '_' {
                0
            } else if c == ' ' || c == '\t' {
                1
            } else {
                2
            }
        };
        let k = class(c);
        if k != 2 {
            while let Some(&(i, d)) = it.peek() {
                if class(d) != k {
                    break;
                }
                end = i + d.len_utf8();
                it.next();
            }
        }
        out.push((start, end));
    }
    out
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// One random mutation of `text`; `donor` supplies lines from other corpus files.
pub fn mutate_once(rng: &mut Rng, text: &str, donor: &str) -> String {
    let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
    let nl = lines.len();
    match rng.below(13) {
        // Delete a line.
        0 => {
            lines.remove(rng.below(nl));
        }
        // Duplicate a line.
        1 => {
            let i = rng.below(nl);
            let l = lines[i].clone();
            lines.insert(rng.below(nl + 1), l);
        }
        // Swap two lines.
        2 => {
            let (i, j) = (rng.below(nl), rng.below(nl));
            lines.swap(i, j);
        }
        // Change a line's indentation.
        3 => {
            let i = rng.below(nl);
            let body = lines[i].trim_start().to_string();
            let cur = lines[i].len() - body.len();
            let new = match rng.below(5) {
                0 => 0,
                1 => cur + 4,
                2 => cur.saturating_sub(4),
                3 => cur + 1,
                _ => rng.below(13),
            };
            let ws = if rng.chance(1, 10) {
                "\t".repeat(new / 4 + 1)
            } else {
                " ".repeat(new)
            };
            lines[i] = format!("{ws}{body}");
        }
        // Truncate the file.
        4 => {
            let cut = floor_char_boundary(text, rng.below(text.len() + 1));
            return text[..cut].to_string();
        }
        // Insert a line from the donor.
        5 => {
            let d: Vec<&str> = donor.split('\n').collect();
            let l = d[rng.below(d.len())].to_string();
            lines.insert(rng.below(nl + 1), l);
        }
        // Insert a phrase line at the indentation of a neighbour.
        6 => {
            let i = rng.below(nl);
            let ws: String = lines[i]
                .chars()
                .take_while(|c| *c == ' ' || *c == '\t')
                .collect();
            lines.insert(i, format!("{ws}{}", rng.word(PHRASES)));
        }
        // Token-level edits.
        _ => {
            let toks = rough_tokens(text);
            if toks.is_empty() {
                return vocab_token(rng).to_string();
            }
            let (s, e) = toks[rng.below(toks.len())];
            let mut out = String::with_capacity(text.len() + 16);
            out.push_str(&text[..s]);
            match rng.below(4) {
                // Delete the token.
                0 => {}
                // Replace it.
                1 => out.push_str(vocab_token(rng)),
                // Insert a token before it.
                2 => {
                    out.push_str(vocab_token(rng));
                    if rng.chance(1, 2) {
                        out.push(' ');
                    }
                    out.push_str(&text[s..e]);
                }
                // Duplicate it.
                _ => {
                    out.push_str(&text[s..e]);
                    out.push_str(&text[s..e]);
                }
            }
            out.push_str(&text[e..]);
            return out;
        }
    }
    lines.join("\n")
}

/// (c) 1-4 mutations of a corpus file.
pub fn mutate(rng: &mut Rng, text: &str, donor: &str) -> String {
    let mut t = text.to_string();
    for _ in 0..1 + rng.below(4) {
        t = mutate_once(rng, &t, donor);
    }
    t
}

// ---------------------------------------------------------------------------------------------
// Corpus

pub fn repo_root() -> PathBuf {
    // Both including crates sit two levels below the workspace root.
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every `tests/run/*.mj` and `tests/fail/*.mj` file: (name, text).
pub fn corpus() -> Vec<(String, String)> {
    let root = repo_root();
    let mut out = Vec::new();
    for dir in ["tests/run", "tests/fail", "tests/mir"] {
        let Ok(rd) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "mj"))
            .collect();
        paths.sort();
        for p in paths {
            if let Ok(t) = std::fs::read_to_string(&p) {
                let name = format!(
                    "{dir}/{}",
                    p.file_name().unwrap_or_default().to_string_lossy()
                );
                out.push((name, t));
            }
        }
    }
    out
}

/// The modules corpus programs import (`tests/run/lib/*.mj` as `lib.NAME`).
pub fn corpus_extras() -> Vec<Extra> {
    let root = repo_root().join("tests/run/lib");
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(&root) else {
        return out;
    };
    let mut paths: Vec<PathBuf> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "mj"))
        .collect();
    paths.sort();
    for p in paths {
        let (Some(stem), Ok(text)) = (
            p.file_stem().and_then(|s| s.to_str()),
            std::fs::read_to_string(&p),
        ) else {
            continue;
        };
        out.push(Extra {
            module: format!("lib.{stem}"),
            path: p.display().to_string(),
            text,
        });
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Driving and minimizing

/// Greedily shrinks `input` while `fails` keeps returning true: drops lines, then chunks of
/// characters, then single characters. Bounded in time.
pub fn minimize(input: &str, fails: &mut dyn FnMut(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut cur = input.to_string();
    // Lines.
    let mut changed = true;
    while changed && Instant::now() < deadline {
        changed = false;
        let lines: Vec<&str> = cur.split('\n').collect();
        for i in 0..lines.len() {
            let mut cand: Vec<&str> = lines.clone();
            cand.remove(i);
            let cand = cand.join("\n");
            if fails(&cand) {
                cur = cand;
                changed = true;
                break;
            }
        }
    }
    // Character chunks, halving.
    let mut chunk = cur.chars().count().max(1);
    while chunk >= 1 && Instant::now() < deadline {
        let chars: Vec<char> = cur.chars().collect();
        let mut i = 0;
        let mut progress = false;
        while i < chars.len() && Instant::now() < deadline {
            let end = (i + chunk).min(chars.len());
            let cand: String = chars[..i].iter().chain(&chars[end..]).collect();
            if fails(&cand) {
                cur = cand;
                progress = true;
                break;
            }
            i += chunk;
        }
        if !progress {
            if chunk == 1 {
                break;
            }
            chunk /= 2;
        }
    }
    cur
}

/// A failure found by [`drive`].
pub struct Failure {
    pub category: &'static str,
    pub index: u64,
    pub message: String,
    pub input: String,
    pub minimized: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "[{} case {}] {}\n--- input ({} bytes) ---\n{}\n--- minimized ---\n{}\n--- minimized (debug) ---\n{:?}\n",
            self.category,
            self.index,
            self.message,
            self.input.len(),
            self.input,
            self.minimized,
            self.minimized
        )
    }
}

/// Runs cases `0..` of a category until the budget or the case limit runs out. `gen` makes
/// the input of a case; `run` returns `Err(message)` on a bug. Distinct failures (by message)
/// are minimized and collected; at most `max_failures`.
pub fn drive(
    cfg: &Config,
    category: &'static str,
    cat_id: u64,
    gen_case: &mut dyn FnMut(&mut Rng) -> String,
    run: &mut dyn FnMut(&str) -> Result<(), String>,
) -> (u64, Vec<Failure>) {
    let start = Instant::now();
    let mut failures: Vec<Failure> = Vec::new();
    let mut n = 0;
    let watchdog = Watchdog::start(category);
    while n < cfg.max_cases && start.elapsed() < cfg.budget {
        let mut rng = Rng::for_case(cfg.seed, cat_id, n);
        let input = gen_case(&mut rng);
        watchdog.enter(n, &input);
        let result = run(&input);
        watchdog.leave();
        if let Err(message) = result {
            let key = message_key(&message);
            if !failures.iter().any(|f| message_key(&f.message) == key) {
                eprintln!("[{category} case {n}] {message}; minimizing this input:\n{input:?}");
                let minimized = minimize(&input, &mut |cand| {
                    watchdog.enter(n, cand);
                    let r = run(cand);
                    watchdog.leave();
                    matches!(r, Err(m) if message_key(&m) == key)
                });
                failures.push(Failure {
                    category,
                    index: n,
                    message,
                    input,
                    minimized,
                });
                if failures.len() >= 20 {
                    break;
                }
            }
        }
        n += 1;
    }
    (n, failures)
}

/// A hang cannot be caught like a panic: a watchdog thread aborts the process (after
/// printing the input) when one case runs longer than `MJ_FUZZ_CASE_TIMEOUT` seconds
/// (default 20).
struct Watchdog {
    state: std::sync::Arc<std::sync::Mutex<Option<(u64, Instant, String)>>>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Watchdog {
    fn start(category: &'static str) -> Watchdog {
        let limit = std::env::var("MJ_FUZZ_CASE_TIMEOUT")
            .ok()
            .and_then(|s| s.trim().parse::<f64>().ok())
            .unwrap_or(20.0);
        let state: std::sync::Arc<std::sync::Mutex<Option<(u64, Instant, String)>>> =
            Default::default();
        let stop: std::sync::Arc<std::sync::atomic::AtomicBool> = Default::default();
        let (st, sp) = (state.clone(), stop.clone());
        std::thread::spawn(move || {
            while !sp.load(std::sync::atomic::Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(100));
                let Ok(g) = st.lock() else { return };
                if let Some((n, t, input)) = g.as_ref()
                    && t.elapsed().as_secs_f64() > limit
                {
                    eprintln!(
                        "\nFUZZ HANG: [{category} case {n}] still running after {limit}s; input:\n{input}\n--- (debug) ---\n{input:?}\n"
                    );
                    std::process::abort();
                }
            }
        });
        Watchdog { state, stop }
    }

    fn enter(&self, n: u64, input: &str) {
        if let Ok(mut g) = self.state.lock() {
            *g = Some((n, Instant::now(), input.to_string()));
        }
    }

    fn leave(&self) {
        if let Ok(mut g) = self.state.lock() {
            *g = None;
        }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

/// The part of a panic message that identifies the bug: its location (messages often embed
/// input-dependent values).
fn message_key(m: &str) -> String {
    match m.rfind("(at ") {
        Some(i) => m[i..].to_string(),
        None => m.to_string(),
    }
}

pub fn report(cfg: &Config, what: &str, runs: &[(u64, Vec<Failure>)]) {
    let total: u64 = runs.iter().map(|r| r.0).sum();
    let failures: Vec<&Failure> = runs.iter().flat_map(|r| r.1.iter()).collect();
    eprintln!(
        "{what}: {total} cases, seed {:#x}, {} distinct failure(s)",
        cfg.seed,
        failures.len()
    );
    if !failures.is_empty() {
        let mut msg = String::new();
        for f in &failures {
            msg.push_str(&f.to_string());
        }
        panic!(
            "{what}: {} distinct failure(s) (seed {:#x}; replay with MJ_FUZZ_SEED):\n{msg}",
            failures.len(),
            cfg.seed
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Well-typed programs (mostly): to get past the checker and exercise the lowering.

#[derive(Clone, Copy, PartialEq, Debug)]
enum T {
    Int,
    Float,
    Bool,
    Str,
    ListInt,
    I8,
    U8,
    Pair,
    Dict,
}

const SCALARS: &[T] = &[T::Int, T::Float, T::Bool, T::Str, T::I8, T::U8];
const ALL_TYPES: &[T] = &[
    T::Int,
    T::Float,
    T::Bool,
    T::Str,
    T::ListInt,
    T::I8,
    T::U8,
    T::Pair,
    T::Dict,
];

impl T {
    fn name(self) -> &'static str {
        match self {
            T::Int => "Int",
            T::Float => "Float64",
            T::Bool => "Bool",
            T::Str => "String",
            T::ListInt => "List[Int]",
            T::I8 => "Int8",
            T::U8 => "UInt8",
            T::Pair => "Pair",
            T::Dict => "Dict[String, Int]",
        }
    }
}

struct Gen<'r> {
    rng: &'r mut Rng,
    out: String,
    /// Variables in scope, innermost last: (name, type, mutable).
    vars: Vec<(String, T)>,
    /// Functions defined so far: (name, params, return type, raises).
    funcs: Vec<(String, Vec<T>, Option<T>, bool)>,
    fresh: usize,
    loop_depth: usize,
    ret: Option<T>,
    raises: bool,
    in_try: usize,
}

impl Gen<'_> {
    fn fresh(&mut self, prefix: &str) -> String {
        self.fresh += 1;
        format!("{prefix}{}", self.fresh)
    }

    fn line(&mut self, indent: usize, s: &str) {
        for _ in 0..indent {
            self.out.push_str("    ");
        }
        self.out.push_str(s);
        self.out.push('\n');
    }

    fn var_of(&mut self, t: T) -> Option<String> {
        let c: Vec<String> = self
            .vars
            .iter()
            .filter(|v| v.1 == t)
            .map(|v| v.0.clone())
            .collect();
        if c.is_empty() {
            None
        } else {
            Some(self.rng.pick(&c).clone())
        }
    }

    fn literal(&mut self, t: T) -> String {
        match t {
            T::Int => (self.rng.word(&[
                "0",
                "1",
                "2",
                "7",
                "-3",
                "100",
                "9223372036854775807",
                "0xff",
                "0b101",
                "1_000",
            ]))
            .to_string(),
            T::Float => (*self
                .rng
                .pick(&["0.0", "1.5", "-2.25", "3.0e2", "0.1", "1e-3"]))
            .to_string(),
            T::Bool => (self.rng.word(&["True", "False"])).to_string(),
            T::Str => {
                (*self
                    .rng
                    .pick(&["\"\"", "\"a\"", "\"hello\"", "\"x,y\"", "\"\\n\"", "\"é\""]))
                .to_string()
            }
            T::ListInt => (*self
                .rng
                .pick(&["[1, 2, 3]", "List[Int]()", "[0]", "[5, -1]"]))
            .to_string(),
            T::I8 => "Int8(5)".to_string(),
            T::U8 => "UInt8(200)".to_string(),
            T::Pair => "Pair(1, 2.0)".to_string(),
            T::Dict => "Dict[String, Int]()".to_string(),
        }
    }

    fn expr(&mut self, t: T, depth: usize) -> String {
        if depth == 0 || self.rng.chance(1, 4) {
            if self.rng.chance(2, 3)
                && let Some(v) = self.var_of(t)
            {
                return v;
            }
            return self.literal(t);
        }
        let d = depth - 1;
        // A call to an earlier function returning t.
        if self.rng.chance(1, 6) {
            let cands: Vec<(String, Vec<T>, bool)> = self
                .funcs
                .iter()
                .filter(|f| f.2 == Some(t) && (!f.3 || self.raises || self.in_try > 0))
                .map(|f| (f.0.clone(), f.1.clone(), f.3))
                .collect();
            if !cands.is_empty() {
                let (name, params, _) = self.rng.pick(&cands).clone();
                let args: Vec<String> = params.iter().map(|p| self.expr(*p, d)).collect();
                return format!("{name}({})", args.join(", "));
            }
        }
        match t {
            T::Int => match self.rng.below(12) {
                0..=3 => {
                    let op = *self
                        .rng
                        .pick(&["+", "-", "*", "//", "%", "&", "|", "^", "<<", ">>"]);
                    let (a, b) = (self.expr(T::Int, d), self.expr(T::Int, d));
                    if op == "<<" || op == ">>" {
                        format!("({a} {op} ({b} & 7))")
                    } else {
                        format!("({a} {op} {b})")
                    }
                }
                4 => format!("len({})", self.expr(T::ListInt, d)),
                5 => format!("len({})", self.expr(T::Str, d)),
                6 => format!("Int({})", self.expr(T::Float, d)),
                7 => {
                    let l = self.expr(T::ListInt, d);
                    format!("({l}[0] if len({l}) > 0 else 0)")
                }
                8 => format!("-{}", self.expr(T::Int, d)),
                9 => match self.rng.below(4) {
                    0 => format!("abs({})", self.expr(T::Int, d)),
                    1 => format!("min({}, {})", self.expr(T::Int, d), self.expr(T::Int, d)),
                    2 => format!("max({}, {})", self.expr(T::Int, d), self.expr(T::Int, d)),
                    _ => format!("{}.scaled(2).a", self.expr(T::Pair, d)),
                },
                10 => format!("{}.a", self.expr(T::Pair, d)),
                _ => format!("Int({})", self.expr(T::I8, d)),
            },
            T::Float => match self.rng.below(5) {
                0..=2 => {
                    let op = self.rng.word(&["+", "-", "*", "/"]);
                    format!(
                        "({} {op} {})",
                        self.expr(T::Float, d),
                        self.expr(T::Float, d)
                    )
                }
                3 => format!("Float64({})", self.expr(T::Int, d)),
                _ => format!("{}.b", self.expr(T::Pair, d)),
            },
            T::Bool => match self.rng.below(7) {
                0..=1 => {
                    let ty = *self.rng.pick(SCALARS);
                    let op = if ty == T::Bool {
                        self.rng.word(&["==", "!="])
                    } else {
                        self.rng.word(&["<", "<=", "==", "!=", ">", ">="])
                    };
                    format!("({} {op} {})", self.expr(ty, d), self.expr(ty, d))
                }
                2 => {
                    let op = self.rng.word(&["and", "or"]);
                    format!("({} {op} {})", self.expr(T::Bool, d), self.expr(T::Bool, d))
                }
                3 => format!("(not {})", self.expr(T::Bool, d)),
                4 => format!("({} in {})", self.expr(T::Str, d), self.expr(T::Dict, d)),
                5 => format!(
                    "({} < {} < {})",
                    self.expr(T::Int, d),
                    self.expr(T::Int, d),
                    self.expr(T::Int, d)
                ),
                _ => format!("{}.startswith(\"a\")", self.expr(T::Str, d)),
            },
            T::Str => match self.rng.below(6) {
                0..=1 => format!("({} + {})", self.expr(T::Str, d), self.expr(T::Str, d)),
                2 => {
                    let t = *self.rng.pick(SCALARS);
                    format!("String({})", self.expr(t, d))
                }
                3 => {
                    // Nothing with quotes inside the braces.
                    let (a, b) = (self.expr(T::Int, 0), self.expr(T::Float, 0));
                    format!("f\"<{{{a}}}|{{{b}:.2f}}>\"")
                }
                4 => format!("{}.upper()", self.expr(T::Str, d)),
                5 => format!("{}[1:]", self.expr(T::Str, d)),
                _ => format!("{}.replace(\"a\", \"b\")", self.expr(T::Str, d)),
            },
            T::I8 => format!("({} + Int8(1))", self.expr(T::I8, d)),
            T::U8 => format!("({} * UInt8(3))", self.expr(T::U8, d)),
            T::ListInt => format!("[{}, {}]", self.expr(T::Int, d), self.expr(T::Int, d)),
            T::Pair => format!("Pair({}, {})", self.expr(T::Int, d), self.expr(T::Float, d)),
            T::Dict => self.literal(T::Dict),
        }
    }

    /// Between 1 and `max` statements.
    fn block(&mut self, indent: usize, max: usize, depth: usize) {
        let n = 1 + self.rng.below(max);
        let scope = self.vars.len();
        let before = self.out.len();
        for _ in 0..n {
            self.stmt(indent, depth);
        }
        if self.out.len() == before {
            self.line(indent, "pass");
        }
        self.vars.truncate(scope);
    }

    fn stmt(&mut self, ind: usize, depth: usize) {
        let k = if depth == 0 {
            self.rng.below(6)
        } else {
            self.rng.below(17)
        };
        match k {
            0..=1 => {
                let t = *self.rng.pick(ALL_TYPES);
                let name = self.fresh("v");
                let e = self.expr(t, 3);
                if self.rng.chance(1, 2) {
                    self.line(ind, &format!("var {name}: {} = {e}", t.name()));
                } else {
                    self.line(ind, &format!("var {name} = {e}"));
                }
                self.vars.push((name, t));
            }
            2 => {
                let t = *self.rng.pick(ALL_TYPES);
                if let Some(v) = self.var_of(t) {
                    let e = self.expr(t, 3);
                    self.line(ind, &format!("{v} = {e}"));
                }
            }
            3 => {
                let t = *self.rng.pick(&[T::Int, T::Float, T::Str, T::I8, T::U8]);
                if let Some(v) = self.var_of(t) {
                    let op = if t == T::Str {
                        "+="
                    } else {
                        self.rng.word(&["+=", "-=", "*="])
                    };
                    let e = self.expr(t, 2);
                    self.line(ind, &format!("{v} {op} {e}"));
                }
            }
            4 => {
                let n = 1 + self.rng.below(3);
                let args: Vec<String> = (0..n)
                    .map(|_| {
                        let t = *self.rng.pick(SCALARS);
                        self.expr(t, 2)
                    })
                    .collect();
                self.line(ind, &format!("print({})", args.join(", ")));
            }
            5 => {
                if let Some(l) = self.var_of(T::ListInt) {
                    match self.rng.below(4) {
                        0 => {
                            let e = self.expr(T::Int, 2);
                            self.line(ind, &format!("{l}.append({e})"));
                        }
                        1 => {
                            self.line(ind, &format!("if len({l}) > 0:"));
                            self.line(ind + 1, &format!("{l}[0] += 1"));
                        }
                        2 => {
                            if let Some(dv) = self.var_of(T::Dict) {
                                self.line(ind, &format!("{dv}[\"k\"] = len({l})"));
                            }
                        }
                        _ => {
                            if let Some(p) = self.var_of(T::Pair) {
                                let e = self.expr(T::Int, 1);
                                self.line(ind, &format!("{p}.a = {e}"));
                            }
                        }
                    }
                }
            }
            6..=7 => {
                let c = self.expr(T::Bool, 2);
                self.line(ind, &format!("if {c}:"));
                self.block(ind + 1, 3, depth - 1);
                if self.rng.chance(1, 3) {
                    let c = self.expr(T::Bool, 2);
                    self.line(ind, &format!("elif {c}:"));
                    self.block(ind + 1, 2, depth - 1);
                }
                if self.rng.chance(1, 2) {
                    self.line(ind, "else:");
                    self.block(ind + 1, 2, depth - 1);
                }
            }
            8 => {
                let i = self.fresh("i");
                let hi = self.rng.below(5);
                if self.rng.chance(1, 2) {
                    self.line(ind, &format!("for {i} in range({hi}):"));
                } else {
                    let l = self.expr(T::ListInt, 1);
                    self.line(ind, &format!("for {i} in {l}:"));
                }
                self.vars.push((i, T::Int));
                self.loop_depth += 1;
                self.block(ind + 1, 3, depth - 1);
                self.loop_depth -= 1;
                self.vars.pop();
            }
            9 => {
                let c = self.fresh("w");
                self.line(ind, &format!("var {c} = 0"));
                self.line(ind, &format!("while {c} < 3:"));
                self.line(ind + 1, &format!("{c} += 1"));
                self.loop_depth += 1;
                self.vars.push((c, T::Int));
                self.block(ind + 1, 3, depth - 1);
                self.vars.pop();
                self.loop_depth -= 1;
            }
            10 => {
                if self.loop_depth > 0 {
                    let c = self.expr(T::Bool, 1);
                    self.line(ind, &format!("if {c}:"));
                    let kw = self.rng.word(&["break", "continue"]);
                    self.line(ind + 1, kw);
                }
            }
            11 => {
                if let Some(t) = self.ret {
                    let c = self.expr(T::Bool, 1);
                    let e = self.expr(t, 2);
                    self.line(ind, &format!("if {c}:"));
                    self.line(ind + 1, &format!("return {e}"));
                } else if self.rng.chance(1, 2) {
                    let c = self.expr(T::Bool, 1);
                    self.line(ind, &format!("if {c}:"));
                    self.line(ind + 1, "return");
                }
            }
            12 => {
                self.line(ind, "try:");
                self.in_try += 1;
                self.block(ind + 1, 3, depth - 1);
                if self.rng.chance(1, 2) {
                    let c = self.expr(T::Bool, 1);
                    self.line(ind + 1, &format!("if {c}:"));
                    self.line(ind + 2, "raise Error(\"boom\")");
                }
                self.in_try -= 1;
                let e = self.fresh("e");
                self.line(ind, &format!("except {e}:"));
                self.line(ind + 1, &format!("print(\"caught\", {e})"));
                if self.rng.chance(1, 3) {
                    self.line(ind, "finally:");
                    self.block(ind + 1, 1, depth - 1);
                }
            }
            13 => {
                if self.raises || self.in_try > 0 {
                    let c = self.expr(T::Bool, 1);
                    self.line(ind, &format!("if {c}:"));
                    self.line(ind + 1, "raise Error(\"bad\")");
                }
            }
            14 => {
                if (self.raises || self.in_try > 0)
                    && let Some(dv) = self.var_of(T::Dict)
                {
                    let k = self.fresh("k");
                    self.line(ind, &format!("for {k} in {dv}:"));
                    self.line(ind + 1, &format!("print({k}, {dv}[{k}])"));
                }
            }
            15 => {
                if let Some(p) = self.var_of(T::Pair) {
                    let e = self.expr(T::Int, 1);
                    self.line(ind, &format!("{p}.bump({e})"));
                } else if self.raises || self.in_try > 0 {
                    let v = self.fresh("v");
                    let s = self.expr(T::Str, 1);
                    self.line(ind, &format!("var {v} = Int({s})"));
                    self.vars.push((v, T::Int));
                }
            }
            _ => {
                let (a, b) = (self.fresh("t"), self.fresh("t"));
                let (x, y) = (self.expr(T::Int, 1), self.expr(T::Str, 1));
                self.line(ind, &format!("{a}, {b} = {x}, {y}"));
                self.vars.push((a, T::Int));
                self.vars.push((b, T::Str));
            }
        }
    }

    fn function(&mut self, name: &str, is_main: bool) {
        let nparams = if is_main { 0 } else { self.rng.below(3) };
        let params: Vec<T> = (0..nparams).map(|_| *self.rng.pick(ALL_TYPES)).collect();
        let ret = if is_main || self.rng.chance(1, 3) {
            None
        } else {
            Some(*self.rng.pick(ALL_TYPES))
        };
        let raises = self.rng.chance(1, 3);
        let mut sig = String::new();
        let mut names = Vec::new();
        for (i, p) in params.iter().enumerate() {
            let n = format!("p{i}");
            // `var` arguments are owned copies, so the body may assign to them.
            sig.push_str(&format!(
                "{}var {n}: {}",
                if i > 0 { ", " } else { "" },
                p.name()
            ));
            names.push((n, *p));
        }
        let kw = if self.rng.chance(1, 5) { "fn" } else { "def" };
        let mut head = format!("{kw} {name}({sig})");
        if raises {
            head.push_str(" raises");
        }
        if let Some(r) = ret {
            head.push_str(&format!(" -> {}", r.name()));
        }
        head.push(':');
        self.line(0, &head);
        self.vars = names;
        self.ret = ret;
        self.raises = raises;
        self.block(1, 6, 3);
        if let Some(r) = ret {
            let e = self.expr(r, 2);
            self.line(1, &format!("return {e}"));
        }
        self.line(0, "");
        self.funcs.push((name.to_string(), params, ret, raises));
    }
}

/// A random program that is well-typed most of the time.
pub fn typed_program(rng: &mut Rng) -> String {
    let mut g = Gen {
        rng,
        out: String::new(),
        vars: Vec::new(),
        funcs: Vec::new(),
        fresh: 0,
        loop_depth: 0,
        ret: None,
        raises: false,
        in_try: 0,
    };
    g.line(0, "@fieldwise_init");
    g.line(0, "struct Pair(Copyable, Movable):");
    g.line(1, "var a: Int");
    g.line(1, "var b: Float64");
    g.line(0, "");
    g.line(1, "def scaled(self, k: Int) -> Pair:");
    g.line(2, "return Pair(self.a * k, self.b * Float64(k))");
    g.line(0, "");
    g.line(1, "def bump(mut self, k: Int):");
    g.line(2, "self.a += k");
    g.line(0, "");
    let n = g.rng.below(4);
    for i in 0..n {
        g.function(&format!("f{i}"), false);
    }
    g.function("main", true);
    g.out
}
