//! No-panic property test: random bytes, random token soup and mutated fixtures must all
//! parse (with diagnostics) without panicking. Bounded by time so it stays a few seconds.

use std::path::Path;
use std::time::{Duration, Instant};

/// xorshift64*: deterministic, dependency-free randomness.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const PIECES: &[&str] = &[
    "def",
    "fn",
    "struct",
    "trait",
    "var",
    "comptime",
    "alias",
    "if",
    "elif",
    "else",
    "while",
    "for",
    "in",
    "return",
    "raise",
    "try",
    "except",
    "finally",
    "match",
    "case",
    "import",
    "from",
    "as",
    "lambda",
    "not",
    "and",
    "or",
    "is",
    "pass",
    "@parameter",
    "x",
    "y",
    "self",
    "out",
    "mut",
    "1",
    "0x1F",
    "1.5e3",
    ".5",
    "\"s\"",
    "f\"{x}\"",
    "f'{",
    "'''",
    "\"\"\"",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ":",
    ",",
    ".",
    "...",
    "^",
    "**",
    "//",
    "->",
    "=",
    "+=",
    "<<=",
    "\n",
    "\n    ",
    "\n        ",
    "\t",
    "\\\n",
    "#c\n",
    " ",
    " ",
    " ",
    "$",
    "é",
    "\r\n",
];

fn fixtures() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/parse");
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "mj"))
                .filter_map(|p| std::fs::read_to_string(p).ok())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// Splits a source into tokens-ish chunks (runs of word characters, single others) so that
/// mutations act at token boundaries.
fn chunks(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for c in s.chars() {
        let word = c.is_alphanumeric() || c == '_';
        match out.last_mut() {
            Some(last) if word && last.chars().all(|d| d.is_alphanumeric() || d == '_') => {
                last.push(c)
            }
            _ => out.push(c.to_string()),
        }
    }
    out
}

fn mutate(rng: &mut Rng, src: &str) -> String {
    let mut toks = chunks(src);
    for _ in 0..1 + rng.below(6) {
        if toks.is_empty() {
            break;
        }
        let i = rng.below(toks.len());
        match rng.below(5) {
            0 => {
                toks.remove(i);
            }
            1 => {
                let t = toks[rng.below(toks.len())].clone();
                toks.insert(i, t);
            }
            2 => {
                let j = rng.below(toks.len());
                toks.swap(i, j);
            }
            3 => toks[i] = PIECES[rng.below(PIECES.len())].to_string(),
            _ => toks.insert(i, PIECES[rng.below(PIECES.len())].to_string()),
        }
    }
    toks.concat()
}

#[test]
fn parser_never_panics() {
    let budget = Duration::from_secs(3);
    let start = Instant::now();
    // `MJ_FUZZ_SEED` explores other inputs; the default keeps CI deterministic.
    let seed = std::env::var("MJ_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x9E37_79B9_7F4A_7C15u64);
    let mut rng = Rng(seed | 1);
    let fixtures = fixtures();
    let mut runs = 0usize;
    while start.elapsed() < budget {
        let text = match runs % 3 {
            0 => {
                let bytes: Vec<u8> = (0..rng.below(200)).map(|_| rng.next() as u8).collect();
                String::from_utf8_lossy(&bytes).into_owned()
            }
            1 => (0..rng.below(60))
                .map(|_| PIECES[rng.below(PIECES.len())])
                .collect(),
            _ if !fixtures.is_empty() => {
                let i = rng.below(fixtures.len());
                mutate(&mut rng, &fixtures[i])
            }
            _ => String::new(),
        };
        let result = std::panic::catch_unwind(|| mj_syntax::parse(&text));
        assert!(result.is_ok(), "parser panicked on input {text:?}");
        if let Ok((_, diags)) = result {
            for d in diags {
                assert!(
                    d.span.start <= d.span.end && d.span.end as usize <= text.len(),
                    "bad span {d:?} in {text:?}"
                );
            }
        }
        runs += 1;
    }
    assert!(runs > 10, "fuzzing made too little progress ({runs} runs)");
    eprintln!("fuzz: {runs} inputs parsed");
}

/// The formatter on the same kinds of input: never a panic; whatever it accepts it formats
/// to text with the same tree that it leaves alone the second time; and it refuses only
/// for syntax errors, never through its own safety check (`E0008`).
#[test]
fn formatter_never_panics_and_keeps_the_tree() {
    let budget = Duration::from_secs(3);
    let start = Instant::now();
    let seed = std::env::var("MJ_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x51_7CC1_B727_220Au64);
    let mut rng = Rng(seed | 1);
    let fixtures = fixtures();
    let (mut runs, mut formatted) = (0usize, 0usize);
    while start.elapsed() < budget {
        let text = match runs % 2 {
            0 => (0..rng.below(60))
                .map(|_| PIECES[rng.below(PIECES.len())])
                .collect(),
            _ if !fixtures.is_empty() => {
                let i = rng.below(fixtures.len());
                mutate(&mut rng, &fixtures[i])
            }
            _ => String::new(),
        };
        runs += 1;
        let result = std::panic::catch_unwind(|| mj_syntax::format(&text));
        let Ok(result) = result else {
            panic!("the formatter panicked on input {text:?}");
        };
        let out = match result {
            Ok(out) => out,
            Err(diags) => {
                assert!(
                    diags.iter().all(|d| d.code != "E0008"),
                    "the formatter broke {text:?}"
                );
                continue;
            }
        };
        formatted += 1;
        assert_eq!(
            mj_syntax::format(&out).as_deref(),
            Ok(out.as_str()),
            "not idempotent on {text:?}"
        );
        assert_eq!(
            mj_syntax::dump(&mj_syntax::parse(&out).0),
            mj_syntax::dump(&mj_syntax::parse(&text).0),
            "the tree changed for {text:?}"
        );
    }
    assert!(
        formatted > 10,
        "too few inputs formatted ({formatted} of {runs})"
    );
    eprintln!("fuzz: {formatted} of {runs} inputs formatted");
}

#[test]
fn deep_nesting_does_not_overflow() {
    for text in [
        "(".repeat(5000),
        "[".repeat(5000) + "x",
        "-".repeat(5000) + "1",
        "not ".repeat(3000) + "x",
        "x".to_string() + &"**x".repeat(3000),
    ] {
        let _ = mj_syntax::parse(&text);
    }
    let deep: String = (0..300)
        .map(|i| format!("{}if x:\n", " ".repeat(i)))
        .collect();
    let _ = mj_syntax::parse(&deep);
}
