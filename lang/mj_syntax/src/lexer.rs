//! The tokenizer. logos recognises the shape of each token; string literals, number values
//! and keyword classification are finished by hand here so that every malformed literal
//! still yields a token (plus a diagnostic) and parsing can carry on.

use logos::Logos;

use crate::ast::FStringPart;
use crate::{Diag, Span};

/// A token as the layout pass and the parser see it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Tok {
    Name(String),
    Int(u128),
    Float(f64),
    Str(String),
    /// An f-string as scanned: literal text and the byte ranges of the embedded expressions.
    /// The parser replaces it by [`Tok::FStr`] once the expressions are parsed.
    FStrRaw(Vec<RawFPart>),
    FStr(Vec<FStringPart>),
    /// A hard keyword (`def`, `if`, `True`, ...). Soft keywords (`out`, `mut`, `match`, ...)
    /// stay `Name`s and are recognised by the parser where they matter.
    Kw(&'static str),
    /// Operators and punctuation.
    Op(&'static str),
    Newline,
    Indent,
    Dedent,
    /// A token the lexer already reported (bad character or literal).
    Error,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum RawFPart {
    Lit(String),
    /// `{expr!c:spec}`: `start..end` is the expression's byte range in the file.
    Expr {
        start: usize,
        end: usize,
        conversion: Option<char>,
        spec: Option<String>,
    },
}

pub(crate) const KEYWORDS: &[&str] = &[
    "def", "fn", "struct", "trait", "var", "comptime", "alias", "if", "elif", "else", "while",
    "for", "in", "break", "continue", "pass", "return", "raise", "raises", "try", "except",
    "finally", "import", "from", "as", "and", "or", "not", "is", "True", "False", "None", "lambda",
    "with", "assert", "class", "del", "global", "nonlocal", "yield", "await",
];

/// Every operator and punctuation token, longest first is not required (logos picks the
/// longest match); this table only interns the matched text as a `&'static str`.
const OPS: &[&str] = &[
    "+", "-", "*", "/", "//", "%", "**", "@", "&", "|", "^", "~", "<<", ">>", "<", ">", "<=", ">=",
    "==", "!=", "=", "+=", "-=", "*=", "/=", "//=", "%=", "**=", "@=", "&=", "|=", "^=", "<<=",
    ">>=", "->", "(", ")", "[", "]", "{", "}", ",", ":", ";", ".", "...", "!", ":=",
];

#[derive(Logos, Clone, Copy, Debug, PartialEq)]
#[logos(skip r"[ \t\f\r]+")]
#[logos(skip(r"#[^\n]*", allow_greedy = true))]
#[logos(skip r"\\\r?\n")]
enum Raw {
    #[token("\n")]
    Newline,
    #[regex(r"[\p{XID_Start}_][\p{XID_Continue}]*")]
    Ident,
    /// A backtick identifier: `` `def` `` is the name `def`, never a keyword.
    #[regex(r"`[^`\n]+`")]
    Quoted,
    #[regex(r"[0-9][0-9_]*")]
    Dec,
    #[regex(r"0[xX][0-9a-fA-F_]*")]
    Hex,
    #[regex(r"0[oO][0-7_]*")]
    Oct,
    #[regex(r"0[bB][01_]*")]
    Bin,
    #[regex(r"[0-9][0-9_]*\.[0-9_]*([eE][+-]?[0-9_]+)?")]
    #[regex(r"\.[0-9][0-9_]*([eE][+-]?[0-9_]+)?")]
    #[regex(r"[0-9][0-9_]*[eE][+-]?[0-9_]+")]
    Float,
    #[regex(r#"[rRfFbBuUtT]{0,2}["']"#)]
    StrStart,
    #[token("+")]
    #[token("-")]
    #[token("*")]
    #[token("/")]
    #[token("//")]
    #[token("%")]
    #[token("**")]
    #[token("@")]
    #[token("&")]
    #[token("|")]
    #[token("^")]
    #[token("~")]
    #[token("<<")]
    #[token(">>")]
    #[token("<")]
    #[token(">")]
    #[token("<=")]
    #[token(">=")]
    #[token("==")]
    #[token("!=")]
    #[token("=")]
    #[token("+=")]
    #[token("-=")]
    #[token("*=")]
    #[token("/=")]
    #[token("//=")]
    #[token("%=")]
    #[token("**=")]
    #[token("@=")]
    #[token("&=")]
    #[token("|=")]
    #[token("^=")]
    #[token("<<=")]
    #[token(">>=")]
    #[token("->")]
    #[token("(")]
    #[token(")")]
    #[token("[")]
    #[token("]")]
    #[token("{")]
    #[token("}")]
    #[token(",")]
    #[token(":")]
    #[token(";")]
    #[token(".")]
    #[token("...")]
    #[token("!")]
    #[token(":=")]
    Op,
}

/// Tokenizes `text` (which starts at byte `base` of the file, for f-string expressions).
/// Newlines outside string literals are `Tok::Newline`; comments and `\`-continuations are
/// dropped. Never fails: bad input becomes `Tok::Error` plus a diagnostic.
pub(crate) fn lex(text: &str, base: usize, diags: &mut Vec<Diag>) -> Vec<(Tok, Span)> {
    let mut out = Vec::new();
    let mut lx = Raw::lexer(text);
    let sp = |r: std::ops::Range<usize>| Span::new(r.start + base, r.end + base);
    while let Some(res) = lx.next() {
        let range = lx.span();
        let slice = lx.slice();
        let tok = match res {
            Err(()) => {
                let ch = text[range.start..].chars().next().unwrap_or('?');
                let msg = if ch == '\\' {
                    "unexpected `\\`: a line continuation must be the last character on its line"
                        .to_string()
                } else {
                    format!(
                        "invalid character `{}` (U+{:04X})",
                        ch.escape_debug(),
                        ch as u32
                    )
                };
                diags.push(Diag::error("E0006", msg, sp(range.clone())));
                Tok::Error
            }
            Ok(Raw::Newline) => Tok::Newline,
            Ok(Raw::Ident) => match KEYWORDS.iter().find(|k| **k == slice) {
                Some(k) => Tok::Kw(k),
                None => Tok::Name(slice.to_string()),
            },
            Ok(Raw::Quoted) => Tok::Name(slice[1..slice.len() - 1].to_string()),
            Ok(Raw::Op) => match OPS.iter().find(|o| **o == slice) {
                Some(o) => Tok::Op(o),
                None => Tok::Error,
            },
            Ok(kind @ (Raw::Dec | Raw::Hex | Raw::Oct | Raw::Bin | Raw::Float)) => {
                // A literal glued to identifier characters (`12ab`, `0b102`) is one bad
                // literal, not a number followed by a name.
                let extra = text[range.end..]
                    .char_indices()
                    .find(|(_, c)| !(c.is_alphanumeric() || *c == '_'))
                    .map_or(text.len() - range.end, |(i, _)| i);
                if extra > 0 {
                    lx.bump(extra);
                    let full = range.start..range.end + extra;
                    diags.push(Diag::error(
                        "E0005",
                        format!("invalid numeric literal `{}`", &text[full.clone()]),
                        sp(full.clone()),
                    ));
                    out.push((Tok::Error, sp(full)));
                    continue;
                }
                number(kind, slice, sp(range.clone()), diags)
            }
            Ok(Raw::StrStart) => {
                let scan = scan_string(text, range.start, slice.len() - 1, base, diags);
                lx.bump(scan.end - range.end);
                out.push((scan.tok, sp(range.start..scan.end)));
                continue;
            }
        };
        out.push((tok, sp(range)));
    }
    out
}

fn number(kind: Raw, slice: &str, span: Span, diags: &mut Vec<Diag>) -> Tok {
    let bad = |diags: &mut Vec<Diag>, why: &str| {
        diags.push(Diag::error(
            "E0005",
            format!("invalid numeric literal `{slice}`: {why}"),
            span,
        ));
        Tok::Error
    };
    let (digits, radix) = match kind {
        Raw::Hex => (&slice[2..], 16),
        Raw::Oct => (&slice[2..], 8),
        Raw::Bin => (&slice[2..], 2),
        Raw::Dec => (slice, 10),
        _ => (slice, 0),
    };
    // `_` may only separate digits: not lead (after a prefix it may), trail, or double.
    let body = if radix == 10 || radix == 0 {
        digits
    } else {
        digits.trim_start_matches('_')
    };
    if body.is_empty() {
        return bad(diags, "missing digits");
    }
    if body.ends_with('_') || body.contains("__") || body.contains("_.") || body.contains("._") {
        return bad(diags, "`_` must separate digits");
    }
    let clean: String = body.chars().filter(|c| *c != '_').collect();
    if radix == 0 {
        return match clean.parse::<f64>() {
            Ok(v) => Tok::Float(v),
            Err(_) => bad(diags, "malformed float"),
        };
    }
    if radix == 10 && clean.len() > 1 && clean.starts_with('0') && clean.chars().any(|c| c != '0') {
        diags.push(
            Diag::error(
                "E0005",
                format!("invalid numeric literal `{slice}`: leading zeros"),
                span,
            )
            .with_hint("write `0o` for an octal literal"),
        );
        return Tok::Int(0);
    }
    match u128::from_str_radix(&clean, radix) {
        Ok(v) => Tok::Int(v),
        Err(_) => {
            diags.push(Diag::error(
                "E0005",
                format!("integer literal `{slice}` is too large"),
                span,
            ));
            Tok::Int(0)
        }
    }
}

struct StrScan {
    end: usize,
    tok: Tok,
}

/// Scans a string literal whose prefix letters take `plen` bytes at `start`. Returns where it
/// ends (never past an unescaped newline for single-quoted strings) and its decoded value.
fn scan_string(
    text: &str,
    start: usize,
    plen: usize,
    base: usize,
    diags: &mut Vec<Diag>,
) -> StrScan {
    let prefix = text[start..start + plen].to_ascii_lowercase();
    let raw = prefix.contains('r');
    // A t-string (`t"..."`, Mojo's template string) formats like an f-string.
    let fmt = prefix.contains('f') || prefix.contains('t');
    let bytes = text.as_bytes();
    let q = bytes[start + plen];
    let triple = bytes.get(start + plen + 1) == Some(&q) && bytes.get(start + plen + 2) == Some(&q);
    let open_len = if triple { 3 } else { 1 };
    let body_start = start + plen + open_len;
    let sp = |a: usize, b: usize| Span::new(a + base, b + base);

    let mut parts: Vec<RawFPart> = Vec::new();
    let mut lit = String::new();
    let mut i = body_start;
    let end;
    loop {
        let Some(c) = text[i..].chars().next() else {
            let what = if triple {
                "unterminated triple-quoted string"
            } else {
                "unterminated string"
            };
            diags.push(
                Diag::error("E0002", what, sp(start, start + plen + open_len)).with_label(
                    sp(text.len(), text.len()),
                    "still open here (no closing quotes before this point)",
                ),
            );
            end = text.len();
            break;
        };
        if c as u32 == q as u32 {
            if !triple {
                end = i + 1;
                break;
            }
            if bytes.get(i + 1) == Some(&q) && bytes.get(i + 2) == Some(&q) {
                end = i + 3;
                break;
            }
        }
        if c == '\n' && !triple {
            diags.push(
                Diag::error("E0002", "unterminated string literal", sp(start, i))
                    .with_hint("close the string on the same line, or use a triple-quoted string"),
            );
            end = i;
            break;
        }
        if c == '\\' {
            let Some(n) = text[i + 1..].chars().next() else {
                i += 1;
                continue;
            };
            if raw {
                lit.push('\\');
                lit.push(n);
                i += 1 + n.len_utf8();
                continue;
            }
            i = escape(text, i, &mut lit, base, diags);
            continue;
        }
        if fmt && c == '{' {
            if bytes.get(i + 1) == Some(&b'{') {
                lit.push('{');
                i += 2;
                continue;
            }
            if !lit.is_empty() {
                parts.push(RawFPart::Lit(std::mem::take(&mut lit)));
            }
            match fstring_field(text, i, q, triple) {
                Ok((part, next)) => {
                    parts.push(match part {
                        RawFPart::Expr {
                            start,
                            end,
                            conversion,
                            spec,
                        } => RawFPart::Expr {
                            start: start + base,
                            end: end + base,
                            conversion,
                            spec,
                        },
                        lit => lit,
                    });
                    i = next;
                }
                Err(stop) => {
                    diags.push(Diag::error(
                        "E0001",
                        "f-string: expected `}` to close this `{`",
                        sp(i, i + 1),
                    ));
                    i = char_boundary(text, stop);
                }
            }
            continue;
        }
        if fmt && c == '}' {
            if bytes.get(i + 1) == Some(&b'}') {
                i += 2;
            } else {
                diags.push(
                    Diag::error("E0001", "f-string: single `}` is not allowed", sp(i, i + 1))
                        .with_hint("write `}}` for a literal `}`"),
                );
                i += 1;
            }
            lit.push('}');
            continue;
        }
        lit.push(c);
        i += c.len_utf8();
    }
    let tok = if fmt {
        if !lit.is_empty() {
            parts.push(RawFPart::Lit(lit));
        }
        Tok::FStrRaw(parts)
    } else {
        Tok::Str(lit)
    };
    StrScan { end, tok }
}

/// The first char boundary at or after `i` (byte scans may stop inside a character).
fn char_boundary(text: &str, i: usize) -> usize {
    let mut i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// Decodes the escape at `text[i] == '\\'`, appends it to `out`, returns the next index.
fn escape(text: &str, i: usize, out: &mut String, base: usize, diags: &mut Vec<Diag>) -> usize {
    let n = text[i + 1..].chars().next().unwrap_or('\\');
    let simple = match n {
        'n' => Some('\n'),
        't' => Some('\t'),
        'r' => Some('\r'),
        '\\' => Some('\\'),
        '\'' => Some('\''),
        '"' => Some('"'),
        '0' => Some('\0'),
        'a' => Some('\x07'),
        'b' => Some('\x08'),
        'f' => Some('\x0c'),
        'v' => Some('\x0b'),
        _ => None,
    };
    if let Some(c) = simple {
        out.push(c);
        return i + 2;
    }
    if n == '\n' {
        // A backslash-newline inside a string joins the lines.
        return i + 2;
    }
    let digits = match n {
        'x' => 2,
        'u' => 4,
        'U' => 8,
        _ => {
            let end = i + 1 + n.len_utf8();
            diags.push(
                Diag::error(
                    "E0005",
                    format!("invalid escape sequence `\\{}`", n.escape_debug()),
                    Span::new(i + base, end + base),
                )
                .with_hint("write `\\\\` for a literal backslash, or use a raw string r\"...\""),
            );
            out.push('\\');
            out.push(n);
            return end;
        }
    };
    let hex: String = text[i + 2..].chars().take(digits).collect();
    let ok = hex.len() == digits && hex.chars().all(|c| c.is_ascii_hexdigit());
    let value = if ok {
        u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32)
    } else {
        None
    };
    let consumed = hex
        .chars()
        .take_while(|c| c.is_ascii_hexdigit())
        .map(char::len_utf8)
        .sum::<usize>();
    let end = i + 2 + consumed;
    match value {
        Some(c) => out.push(c),
        None => diags.push(Diag::error(
            "E0005",
            format!(
                "invalid escape sequence: `\\{n}` needs {digits} hex digits naming a character"
            ),
            Span::new(i + base, end + base),
        )),
    }
    end
}

/// Scans an f-string replacement field starting at the `{` at `open`. Returns the part and
/// the index after its `}`, or `Err(resume_index)` when the field is not closed.
fn fstring_field(text: &str, open: usize, q: u8, triple: bool) -> Result<(RawFPart, usize), usize> {
    let bytes = text.as_bytes();
    let expr_start = open + 1;
    let mut i = expr_start;
    let mut depth = 0usize;
    // Find the end of the expression: `!`, `:` or `}` at depth 0.
    let expr_end = loop {
        let Some(&b) = bytes.get(i) else {
            return Err(i);
        };
        match b {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' if depth > 0 => depth -= 1,
            b'}' => break i,
            b'!' if depth == 0 && bytes.get(i + 1) != Some(&b'=') => break i,
            b':' if depth == 0 => break i,
            b'\n' if !triple => return Err(i),
            b'\'' | b'"' => {
                if b == q {
                    // The outer string's quote ends the literal (as in Python before 3.12).
                    return Err(i);
                }
                // Skip a nested string literal of the other quote kind.
                let mut j = i + 1;
                while let Some(&c) = bytes.get(j) {
                    if c == b || c == b'\n' {
                        break;
                    }
                    j += if c == b'\\' { 2 } else { 1 };
                }
                i = j;
            }
            _ => {}
        }
        i += 1;
    };
    let mut conversion = None;
    let mut spec = None;
    i = expr_end;
    if bytes.get(i) == Some(&b'!') {
        conversion = text[i + 1..].chars().next();
        i += 1 + conversion.map_or(0, char::len_utf8);
    }
    if bytes.get(i) == Some(&b':') {
        let s = i + 1;
        let mut d = 0usize;
        loop {
            match bytes.get(i) {
                None => return Err(i),
                Some(b'{') => d += 1,
                Some(b'}') if d == 0 => break,
                Some(b'}') => d -= 1,
                Some(b'\n') if !triple => return Err(i),
                Some(&c) if c == q => return Err(i),
                _ => {}
            }
            i += 1;
        }
        spec = Some(text[s..i].to_string());
    }
    if bytes.get(i) != Some(&b'}') {
        return Err(i);
    }
    Ok((
        RawFPart::Expr {
            start: expr_start,
            end: expr_end,
            conversion,
            spec,
        },
        i + 1,
    ))
}
