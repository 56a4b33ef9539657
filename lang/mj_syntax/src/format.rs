//! The source formatter behind `mj fmt` (rules and decisions: `docs/fmt.md`).
//!
//! It works on tokens and lines, not on the tree: the text is re-lexed (with the lexer the
//! parser uses), and every token is copied byte for byte; only what lies between tokens is
//! rewritten: indentation, spaces, blank lines, the spaces before a comment. It never
//! joins or splits lines, so the token sequence, and with it the tree, stays the same. A
//! last check lexes the result again and compares the tokens the parser would see
//! (`Indent`/`Dedent` included): should a rule ever break that, the file is refused rather
//! than rewritten.

mod spacing;
#[cfg(test)]
mod tests;

use crate::lexer::{self, RawFPart, Tok};
use crate::{Diag, Span, layout};
use spacing::Line;

/// Spaces per block level.
const INDENT: usize = 4;

/// Formats a whole `.mj` file. A file with syntax errors is refused: the errors come back.
pub fn format(text: &str) -> Result<String, Vec<Diag>> {
    let (_, diags) = crate::parse(text);
    let errors: Vec<Diag> = diags.into_iter().filter(Diag::is_error).collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    let toks = tokens(text);
    let out = Formatter::new(text, &toks).run();
    check_same_tokens(text, &out)?;
    Ok(out)
}

/// The comments of a file that lexes without errors, in order, without trailing blanks.
/// (The formatter's tests use it to check that every comment survives.)
pub fn comments(text: &str) -> Vec<&str> {
    let toks = tokens(text);
    let gap_starts = std::iter::once(0).chain(toks.iter().map(|t| t.end));
    let gap_ends = toks.iter().map(|t| t.start).chain([text.len()]);
    gap_starts
        .zip(gap_ends)
        .flat_map(|(start, end)| pieces(text, start, end))
        .filter_map(|p| match p {
            Piece::Comment { start, end } => Some(&text[start..end]),
            _ => None,
        })
        .collect()
}

struct Token<'a> {
    tok: Tok,
    start: usize,
    end: usize,
    text: &'a str,
}

/// What lies between two tokens besides spaces. The lexer skips exactly these (comments,
/// `\`-newlines, blanks) and makes a `Newline` of every other line break, so scanning a gap
/// for them needs no tokenizer of its own.
#[derive(Debug, PartialEq)]
enum Piece {
    /// `start..end`: the comment without its trailing whitespace.
    Comment {
        start: usize,
        end: usize,
    },
    Newline,
    /// A `\` that ends its line, at `at`.
    Continuation {
        at: usize,
    },
}

fn pieces(text: &str, start: usize, end: usize) -> Vec<Piece> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = start;
    while i < end {
        match bytes[i] {
            b'#' => {
                let stop = text[i..end].find('\n').map_or(end, |k| i + k);
                let comment = text[i..stop].trim_end();
                out.push(Piece::Comment {
                    start: i,
                    end: i + comment.len(),
                });
                i = stop;
            }
            b'\n' => {
                out.push(Piece::Newline);
                i += 1;
            }
            b'\\' => {
                out.push(Piece::Continuation { at: i });
                i += 1;
                while i < end && bytes[i] == b'\r' {
                    i += 1;
                }
                if i < end && bytes[i] == b'\n' {
                    i += 1;
                }
            }
            _ => i += 1,
        }
    }
    out
}

/// Where the line holding byte `pos` starts.
fn line_start(text: &str, pos: usize) -> usize {
    text[..pos].rfind('\n').map_or(0, |i| i + 1)
}

/// The indentation column of `pos`, counted as the layout pass counts it (a tab goes to the
/// next multiple of 8, other blanks count nothing), so block levels agree with the parser's.
fn layout_col(text: &str, pos: usize) -> usize {
    text[line_start(text, pos)..pos]
        .chars()
        .fold(0, |col, c| match c {
            ' ' => col + 1,
            '\t' => (col / 8 + 1) * 8,
            _ => col,
        })
}

/// A blank line or a comment line met between two logical lines, held back until the next
/// logical line shows how deep it is.
enum Pending {
    Blank,
    Comment {
        col: usize,
        start: usize,
        end: usize,
    },
}

struct Formatter<'a> {
    text: &'a str,
    toks: &'a [Token<'a>],
    out: String,
    /// The output line being written has something besides indentation.
    line_has_content: bool,
    /// Inside a logical line (its first token is written, its end not yet).
    in_line: bool,
    /// The logical line starts with `@`: its spaces are kept as they are.
    decorator: bool,
    /// New indentation minus old of the current logical line: its continuation lines move
    /// by as much, which keeps them deeper than the line's start exactly when they were
    /// (the layout pass reads a shallower one as a new statement).
    delta: isize,
    line: Line<'a>,
    /// Empty lines inside brackets not yet written (at most one is).
    blanks_in_line: usize,
    /// The last token of the logical line, and whether that line opens a block (ends
    /// with `:`).
    last_tok: Option<&'a Tok>,
    after_header: bool,
    /// Columns of the open blocks, outermost first, as in the input.
    levels: Vec<usize>,
    pending: Vec<Pending>,
    /// Between logical lines: the current physical line has had nothing but blanks.
    empty_line: bool,
}

fn tokens(text: &str) -> Vec<Token<'_>> {
    let mut diags = Vec::new();
    lexer::lex(text, 0, &mut diags)
        .into_iter()
        .filter(|(t, _)| *t != Tok::Newline)
        .map(|(tok, span)| Token {
            tok,
            start: span.start as usize,
            end: span.end as usize,
            text: &text[span.range()],
        })
        .collect()
}

impl<'a> Formatter<'a> {
    fn new(text: &'a str, toks: &'a [Token<'a>]) -> Formatter<'a> {
        Formatter {
            text,
            toks,
            out: String::with_capacity(text.len() + text.len() / 16),
            line_has_content: false,
            in_line: false,
            decorator: false,
            delta: 0,
            line: Line::new(),
            blanks_in_line: 0,
            last_tok: None,
            after_header: false,
            levels: vec![0],
            pending: Vec::new(),
            empty_line: true,
        }
    }

    fn run(mut self) -> String {
        let mut prev_end = 0;
        for i in 0..self.toks.len() {
            self.gap(prev_end, self.toks[i].start);
            self.token(i);
            prev_end = self.toks[i].end;
        }
        self.gap(prev_end, self.text.len());
        if self.in_line {
            self.end_logical_line();
        }
        self.flush_pending(None);
        self.out
    }

    /// Writes what lies between two tokens: line ends, comments, continuations.
    fn gap(&mut self, start: usize, end: usize) {
        for piece in pieces(self.text, start, end) {
            match piece {
                Piece::Comment { start, end } if self.in_line => {
                    if self.line_has_content {
                        self.out.push_str("  ");
                    } else {
                        self.continuation_indent(start);
                    }
                    self.out.push_str(&self.text[start..end]);
                    self.line_has_content = true;
                }
                Piece::Comment { start, end } => {
                    let col = layout_col(self.text, start);
                    self.pending.push(Pending::Comment { col, start, end });
                    self.empty_line = false;
                }
                Piece::Newline if self.in_line && self.line.depth() > 0 => {
                    if self.line_has_content {
                        self.out.push('\n');
                        self.line_has_content = false;
                    } else {
                        self.blanks_in_line += 1;
                    }
                }
                Piece::Newline if self.in_line => self.end_logical_line(),
                Piece::Newline => {
                    if self.empty_line {
                        self.pending.push(Pending::Blank);
                    }
                    self.empty_line = true;
                }
                Piece::Continuation { at } if self.in_line => {
                    if self.line_has_content {
                        self.out.push_str(" \\\n");
                    } else {
                        self.continuation_indent(at);
                        self.out.push_str("\\\n");
                    }
                    self.line_has_content = false;
                }
                // A `\` line between statements continues nothing: it goes.
                Piece::Continuation { .. } => {}
            }
        }
    }

    fn token(&mut self, i: usize) {
        let toks = self.toks;
        let t = &toks[i];
        if !self.in_line {
            self.start_logical_line(t);
        } else if !self.line_has_content {
            self.continuation_indent(t.start);
        }
        // The token after a `^`, if the logical line goes on to it (whether an operand
        // follows is what makes it a transfer).
        let next = toks.get(i + 1).filter(|n| {
            t.tok == Tok::Op("^")
                && (self.line.depth() > 0
                    || !pieces(self.text, t.end, n.start).contains(&Piece::Newline))
        });
        let space = self.line.push(&t.tok, next.map(|n| &n.tok));
        if self.line_has_content {
            let prev = &toks[i - 1];
            if self.decorator {
                self.out.push_str(&self.text[prev.end..t.start]);
            } else if space || !can_glue(prev.text, t.text) || !glues_after(&self.out, t.text) {
                self.out.push(' ');
            }
        }
        self.out.push_str(t.text);
        self.line_has_content = true;
        self.last_tok = Some(&t.tok);
    }

    fn start_logical_line(&mut self, t: &Token<'a>) {
        let col = layout_col(self.text, t.start);
        let depth = self.depth_of(col);
        self.flush_pending(Some(depth));
        // The same bookkeeping as the layout pass: deeper opens a block, shallower closes
        // blocks down to its level (the parser has accepted the file: there is one).
        self.levels.retain(|&c| c < col);
        self.levels.push(col);
        self.delta = (depth * INDENT) as isize - col as isize;
        self.push_indent(depth);
        self.in_line = true;
        self.decorator = t.tok == Tok::Op("@");
        self.line = Line::new();
        self.blanks_in_line = 0;
    }

    fn end_logical_line(&mut self) {
        self.out.push('\n');
        self.line_has_content = false;
        self.in_line = false;
        self.after_header = self.last_tok == Some(&Tok::Op(":"));
        self.empty_line = true;
    }

    /// The block depth of a logical line starting at column `col`.
    fn depth_of(&self, col: usize) -> usize {
        match self.levels.iter().rposition(|&c| c <= col) {
            Some(i) if self.levels[i] == col => i,
            Some(i) => i + 1,
            None => 0,
        }
    }

    /// Writes the blank lines and comment lines held back before a logical line of depth
    /// `next` (`None`: the end of the file).
    fn flush_pending(&mut self, next: Option<usize>) {
        let n = next.unwrap_or(0);
        let prev = self.levels.len() - 1;
        let mut blanks = 0;
        for item in std::mem::take(&mut self.pending) {
            match item {
                Pending::Blank => blanks += 1,
                Pending::Comment { col, start, end } => {
                    // A comment stays in the block its column puts it in, among those the
                    // lines around it allow: from the next line's depth up to the deepest
                    // of the two.
                    let own = self.levels.iter().rposition(|&c| c <= col).unwrap_or(0);
                    let depth = own.clamp(n, prev.max(n));
                    self.blank_lines(blanks, depth);
                    blanks = 0;
                    self.push_indent(depth);
                    self.out.push_str(&self.text[start..end]);
                    self.out.push('\n');
                    self.after_header = false;
                }
            }
        }
        if next.is_some() {
            self.blank_lines(blanks, n);
        }
        self.after_header = false;
    }

    /// Writes up to `count` blank lines before a line of depth `depth`: none at the start
    /// of the file or right after a block header, at most 2 at the top level, 1 in a block.
    fn blank_lines(&mut self, count: usize, depth: usize) {
        if self.out.is_empty() || self.after_header {
            return;
        }
        let max = if depth == 0 { 2 } else { 1 };
        for _ in 0..count.min(max) {
            self.out.push('\n');
        }
    }

    fn push_indent(&mut self, depth: usize) {
        for _ in 0..depth * INDENT {
            self.out.push(' ');
        }
    }

    /// Starts a continuation line (inside brackets or after a `\`) whose first item is at
    /// `pos`: its original indentation, moved with its logical line.
    fn continuation_indent(&mut self, pos: usize) {
        if self.blanks_in_line > 0 {
            self.out.push('\n');
            self.blanks_in_line = 0;
        }
        let ws = &self.text[line_start(self.text, pos)..pos];
        if self.delta >= 0 {
            self.out
                .extend(std::iter::repeat_n(' ', self.delta as usize));
            self.out.push_str(ws);
        } else {
            self.out.extend(ws.chars().skip(self.delta.unsigned_abs()));
        }
    }
}

/// Whether two tokens written with nothing between them still lex as the same two tokens
/// (`1 .x` must not become the float `1.`, nor `= =` the operator `==`).
fn can_glue(a: &str, b: &str) -> bool {
    const SINGLE: &[char] = &['(', ')', '[', ']', '{', '}', ',', ';'];
    if a.ends_with(SINGLE) || b.starts_with(SINGLE) {
        return true;
    }
    let joined = format!("{a}{b}");
    let mut diags = Vec::new();
    let toks = lexer::lex(&joined, 0, &mut diags);
    diags.is_empty()
        && toks.len() == 2
        && toks[0].1.end as usize == a.len()
        && toks[1].1.end as usize == joined.len()
}

/// Whether `b` written right after the output so far stays a token of its own together
/// with the glued tokens before it: `.` `.` `.` of a relative import would otherwise
/// become one `...` (each pair alone glues safely).
fn glues_after(out: &str, b: &str) -> bool {
    let start = out.rfind(|c: char| c.is_whitespace()).map_or(0, |i| i + 1);
    let mut tail = &out[start..];
    // A few characters are enough to see a merge; fewer keeps this cheap on long runs.
    while tail.len() > 8 {
        let mut cut = tail.len() - 8;
        while !tail.is_char_boundary(cut) {
            cut += 1;
        }
        tail = &tail[cut..];
    }
    if tail.is_empty() {
        return true;
    }
    let mut diags = Vec::new();
    let alone = lexer::lex(tail, 0, &mut diags).len();
    let joined = format!("{tail}{b}");
    let toks = lexer::lex(&joined, 0, &mut diags);
    toks.len() == alone + 1
        && toks
            .last()
            .is_some_and(|t| t.1.start as usize == tail.len())
}

/// The tokens the parser gets from `text` (after the layout pass), with f-string fields as
/// their source text rather than their offsets.
fn parser_tokens(text: &str) -> (Vec<(Tok, Vec<String>)>, Vec<Span>, usize) {
    let mut diags = Vec::new();
    let toks = lexer::lex(text, 0, &mut diags);
    let toks = layout::layout(text, toks, &mut diags);
    let mut keys = Vec::with_capacity(toks.len());
    let mut spans = Vec::with_capacity(toks.len());
    for (tok, span) in toks {
        let fields = match &tok {
            Tok::FStrRaw(parts) => parts
                .iter()
                .map(|p| match p {
                    RawFPart::Lit(s) => s.clone(),
                    RawFPart::Expr {
                        start,
                        end,
                        conversion,
                        spec,
                    } => format!("{{{}!{conversion:?}:{spec:?}}}", &text[*start..*end]),
                })
                .collect(),
            _ => Vec::new(),
        };
        let tok = match tok {
            Tok::FStrRaw(_) => Tok::FStrRaw(Vec::new()),
            t => t,
        };
        keys.push((tok, fields));
        spans.push(span);
    }
    (keys, spans, diags.len())
}

/// The formatter's own safety check: the result must give the parser the very tokens the
/// input did. A failure is a bug in a rule; the file is then left alone.
fn check_same_tokens(before: &str, after: &str) -> Result<(), Vec<Diag>> {
    let (a, spans, _) = parser_tokens(before);
    let (b, _, new_diags) = parser_tokens(after);
    let differ = a.iter().zip(&b).position(|(x, y)| x != y);
    if new_diags == 0 && differ.is_none() && a.len() == b.len() {
        return Ok(());
    }
    let at = differ
        .and_then(|i| spans.get(i).copied())
        .unwrap_or(Span::new(before.len(), before.len()));
    Err(vec![
        Diag::error(
            "E0008",
            "internal error of the formatter: formatting would change this file's tokens",
            at,
        )
        .with_hint("the file was left as it is; please report this with the file"),
    ])
}
