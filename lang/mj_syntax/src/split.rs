//! Splitting a file into its top-level items without lexing it: a scan of brackets,
//! strings, comments and line starts. An editor's database splits the file on every edit,
//! so this is the one pass over the whole text an edit costs; the lexer-based
//! `parser::item_ranges` is the reference it is tested against (`tests/items.rs`).
//!
//! On text the lexer accepts the scan finds the lexer's items. On text it rejects, the
//! items are a recovery, as an editor needs while code is being typed: a bracket left open
//! ends at the next line that starts a definition at column 0 (`def`, `fn`, `struct`,
//! `trait`: in valid code such a line is never inside brackets), so that one unfinished
//! call does not swallow the rest of the file. A triple-quoted string that runs over such
//! a line may be one left open (its quotes then pair with the next docstring's, and the
//! rest of the file turns inside out): `string_cut_ranges` splits again with such strings
//! ended before that line, and the database takes that split where the plain one has a
//! broken item (a docstring of valid code may hold such a line).

/// The byte ranges of a file's top-level items: each starts at a line whose first byte
/// is a token at column 0 outside brackets, strings and line continuations (a decorator
/// with what it decorates; `elif`, `else`, `except` and `finally` with the statement
/// they continue), and runs to the next. The ranges cover the text.
pub fn quick_item_ranges(text: &str) -> Vec<(usize, usize)> {
    scan(text, false).0
}

/// The split with every triple-quoted string that runs over a line starting a definition
/// at column 0 ended before that line; `None` when no string does.
pub fn string_cut_ranges(text: &str) -> Option<Vec<(usize, usize)>> {
    let (ranges, crossed) = scan(text, true);
    crossed.then_some(ranges)
}

/// The split, and whether a triple-quoted string ran over a line that starts a
/// definition (ended there when `cut`).
fn scan(text: &str, cut: bool) -> (Vec<(usize, usize)>, bool) {
    let mut crossed = false;
    let b = text.as_bytes();
    let mut starts = vec![0usize];
    let mut depth = 0usize;
    let mut line_start = true;
    let mut prev_decorator = false;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if line_start {
            line_start = false;
            if depth > 0 && starts_definition(&b[i..]) {
                depth = 0;
            }
            let indented_or_blank = matches!(c, b' ' | b'\t' | b'\x0c' | b'\r' | b'\n' | b'#');
            if depth == 0 && !indented_or_blank {
                if i > 0 && !prev_decorator && !continues(&b[i..]) {
                    starts.push(i);
                }
                prev_decorator = c == b'@';
            }
        }
        match c {
            b'\n' => {
                line_start = true;
                i += 1;
            }
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'\\' => {
                // A line continuation joins the next line to this one.
                i += if b.get(i + 1) == Some(&b'\r') { 3 } else { 2 };
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                i += 1;
            }
            b')' | b']' | b'}' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            b'"' | b'\'' => i = skip_string(b, i, cut, &mut crossed),
            _ => i += 1,
        }
    }
    let mut out: Vec<(usize, usize)> = starts.windows(2).map(|w| (w[0], w[1])).collect();
    out.push((*starts.last().unwrap_or(&0), text.len()));
    (out, crossed)
}

/// The index after the string literal whose opening quote is at `i` (a backslash escapes
/// the next byte, raw strings included; a one-quote string also ends at a newline, as the
/// lexer ends it with an error). A triple-quoted string that reaches a line starting a
/// definition sets `crossed`, and ends before that line when `cut`.
fn skip_string(b: &[u8], i: usize, cut: bool, crossed: &mut bool) -> usize {
    let q = b[i];
    let triple = b.get(i + 1) == Some(&q) && b.get(i + 2) == Some(&q);
    let mut j = i + if triple { 3 } else { 1 };
    while j < b.len() {
        match b[j] {
            b'\\' => j += 2,
            b'\n' if !triple => return j,
            b'\n' if starts_definition(&b[j + 1..]) => {
                *crossed = true;
                if cut {
                    return j;
                }
                j += 1;
            }
            c if c == q => {
                if !triple {
                    return j + 1;
                }
                if b.get(j + 1) == Some(&q) && b.get(j + 2) == Some(&q) {
                    return j + 3;
                }
                j += 1;
            }
            _ => j += 1,
        }
    }
    b.len()
}

/// Whether a line starting with `rest` starts a definition (a keyword and a space).
fn starts_definition(rest: &[u8]) -> bool {
    ["def ", "fn ", "struct ", "trait "]
        .iter()
        .any(|kw| rest.starts_with(kw.as_bytes()))
}

/// Whether a line starting with `rest` continues the statement before it.
fn continues(rest: &[u8]) -> bool {
    ["elif", "else", "except", "finally"].iter().any(|kw| {
        rest.starts_with(kw.as_bytes())
            && !rest
                .get(kw.len())
                .is_some_and(|&c| c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80)
    })
}
