//! The layout pass: turns physical lines into logical ones. It emits `Newline` at the end of
//! each logical line, `Indent`/`Dedent` around indented blocks, drops newlines inside
//! brackets (implicit line joining), and closes brackets the user forgot so that one missing
//! `)` does not swallow the rest of the file.

use crate::lexer::Tok;
use crate::{Diag, Span};

/// Keywords that can only begin a statement: seeing one at the start of a physical line
/// inside brackets means a bracket above was never closed.
const STMT_ONLY: &[&str] = &[
    "def", "fn", "struct", "trait", "var", "comptime", "alias", "while", "return", "pass", "break",
    "continue", "raise", "try", "except", "finally", "elif", "import", "from", "class", "assert",
    "with", "del", "global", "nonlocal",
];

/// Deeper indentation than this is treated as the same level (keeps the parser's recursion
/// bounded on adversarial input).
const MAX_INDENT_LEVELS: usize = 100;

/// Brackets nested deeper than this, or a longer run of prefix operators (`- - - x`), are
/// an error: every later phase recurses over the nesting, and this bound keeps it within
/// the compiler's stack.
pub const MAX_NESTING: usize = 10_000;

struct Level {
    col: usize,
    /// False for a level pushed while recovering from a bad dedent: it has no `Indent`
    /// token, so leaving it must not emit a `Dedent`.
    emitted: bool,
}

pub(crate) fn layout(
    text: &str,
    tokens: Vec<(Tok, Span)>,
    diags: &mut Vec<Diag>,
) -> Vec<(Tok, Span)> {
    let mut out: Vec<(Tok, Span)> = Vec::with_capacity(tokens.len() + 16);
    let mut levels = vec![Level {
        col: 0,
        emitted: true,
    }];
    let mut brackets: Vec<(&'static str, Span)> = Vec::new();
    let mut in_line = false;
    // True when the previous token was a newline swallowed inside brackets.
    let mut new_phys_line = false;
    let mut tab_reported = false;
    let mut last_end = 0usize;
    let mut last_tok: Option<Tok> = None;
    // Indentation of the logical line being read, and of the line that opened the
    // outermost bracket.
    let mut line_col = 0usize;
    let mut open_col = 0usize;
    // Brackets opened beyond `MAX_NESTING` (their contents are dropped), and the current
    // run of prefix operators.
    let mut skipped = 0usize;
    let mut prefix_run = 0usize;
    // Right-nesting operators (`**`, conditional expressions) in the logical line.
    let mut right_nested = 0usize;

    for (tok, span) in tokens {
        if skipped > 0 {
            match &tok {
                Tok::Op("(" | "[" | "{") => skipped += 1,
                Tok::Op(")" | "]" | "}") => skipped -= 1,
                _ => {}
            }
            continue;
        }
        if tok == Tok::Newline {
            if !brackets.is_empty() {
                new_phys_line = true;
            } else if in_line {
                out.push((Tok::Newline, span));
                in_line = false;
                right_nested = 0;
            }
            continue;
        }
        if !brackets.is_empty()
            && new_phys_line
            && looks_unclosed(text, &tok, span, last_tok.as_ref(), open_col)
        {
            close_brackets(&mut brackets, &mut out, last_end, diags);
            out.push((Tok::Newline, Span::new(last_end, last_end)));
            in_line = false;
        }
        new_phys_line = false;

        if !in_line {
            let line_start = text[..span.start as usize].rfind('\n').map_or(0, |i| i + 1);
            let ws = &text[line_start..span.start as usize];
            let mut col = 0usize;
            for (i, c) in ws.char_indices() {
                match c {
                    '\t' => {
                        if !tab_reported {
                            tab_reported = true;
                            let at = line_start + i;
                            diags.push(
                                Diag::error(
                                    "E0004",
                                    "tab character in indentation",
                                    Span::new(at, at + 1),
                                )
                                .with_hint("indent with spaces (4 per level)"),
                            );
                        }
                        col = (col / 8 + 1) * 8;
                    }
                    ' ' => col += 1,
                    _ => {}
                }
            }
            indent_to(col, span, line_start, &mut levels, &mut out, diags);
            in_line = true;
            line_col = col;
        }

        let prefix = matches!(tok, Tok::Op("-" | "+" | "~") | Tok::Kw("not"))
            && (matches!(&last_tok, None | Some(Tok::Kw(_)))
                || matches!(&last_tok, Some(Tok::Op(o)) if !matches!(*o, ")" | "]" | "}")));
        prefix_run = if prefix { prefix_run + 1 } else { 0 };
        if matches!(tok, Tok::Op("**") | Tok::Kw("if")) {
            right_nested += 1;
            if right_nested == MAX_NESTING + 1 {
                diags.push(too_deep(span, "`**` or `if` operators in one statement"));
            }
            if right_nested > MAX_NESTING {
                continue;
            }
        }
        if prefix_run > MAX_NESTING {
            if prefix_run == MAX_NESTING + 1 {
                diags.push(too_deep(span, "prefix operators in a row"));
            }
            continue;
        }
        match &tok {
            Tok::Op("(" | "[" | "{") if brackets.len() >= MAX_NESTING => {
                diags.push(too_deep(span, "brackets"));
                skipped = 1;
                // Stands for the dropped contents; the parser reports nothing more.
                last_end = span.end as usize;
                last_tok = Some(Tok::Error);
                out.push((Tok::Error, span));
                continue;
            }
            Tok::Op(o @ ("(" | "[" | "{")) => {
                if brackets.is_empty() {
                    open_col = line_col;
                }
                brackets.push((o, span))
            }
            Tok::Op(")" | "]" | "}") => {
                brackets.pop();
            }
            _ => {}
        }
        last_end = span.end as usize;
        last_tok = Some(tok.clone());
        out.push((tok, span));
    }
    let end = text.len();
    if !brackets.is_empty() {
        close_brackets(&mut brackets, &mut out, last_end, diags);
    }
    if in_line {
        out.push((Tok::Newline, Span::new(end, end)));
    }
    for level in levels.iter().skip(1).rev() {
        if level.emitted {
            out.push((Tok::Dedent, Span::new(end, end)));
        }
    }
    out
}

fn too_deep(span: Span, what: &str) -> Diag {
    Diag::error(
        "E0007",
        format!("nested too deeply: more than {MAX_NESTING} {what}"),
        span,
    )
    .with_hint("split the expression into several statements")
}

/// Whether a physical line starting with `tok` inside brackets must really be a new
/// statement: it starts with a statement-only keyword, or it is indented no deeper than
/// the line that opened the bracket while neither it nor the previous line asks for a
/// continuation (an operator, comma, bracket).
fn looks_unclosed(text: &str, tok: &Tok, span: Span, prev: Option<&Tok>, open_col: usize) -> bool {
    // `var` also starts an owned argument on its own line (`def f(\n    var x: T,\n)`).
    let var_arg = matches!(tok, Tok::Kw("var"))
        && matches!(prev, Some(Tok::Op("(" | ",")))
        && annotated_name_follows(&text[span.end as usize..]);
    // `comptime (expr)` on its own line inside brackets is an argument
    // (`f(\n    comptime (layout.size())\n)`).
    let comptime_expr = matches!(tok, Tok::Kw("comptime"))
        && text[span.end as usize..].trim_start().starts_with('(');
    if matches!(tok, Tok::Kw(k) if STMT_ONLY.contains(k)) && !var_arg && !comptime_expr {
        return true;
    }
    let line_start = text[..span.start as usize].rfind('\n').map_or(0, |i| i + 1);
    let col = text[line_start..span.start as usize].chars().count();
    col <= open_col
        && !matches!(
            tok,
            Tok::Op(_) | Tok::Kw("and" | "or" | "not" | "in" | "is" | "if" | "else" | "for")
        )
        && !matches!(prev, Some(Tok::Op(_) | Tok::Kw(_)))
}

/// Whether `rest` starts with ` name:` (an annotated argument after `var`).
fn annotated_name_follows(rest: &str) -> bool {
    let rest = rest.trim_start_matches([' ', '\t']);
    let name_len = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    name_len > 0
        && rest[name_len..]
            .trim_start_matches([' ', '\t'])
            .starts_with(':')
}

fn indent_to(
    col: usize,
    span: Span,
    line_start: usize,
    levels: &mut Vec<Level>,
    out: &mut Vec<(Tok, Span)>,
    diags: &mut Vec<Diag>,
) {
    let top = levels.last().map_or(0, |l| l.col);
    let at = Span::new(span.start as usize, span.start as usize);
    if col > top {
        if levels.len() >= MAX_INDENT_LEVELS {
            if levels.len() == MAX_INDENT_LEVELS {
                diags.push(Diag::error("E0003", "too many levels of indentation", span));
                levels.push(Level {
                    col,
                    emitted: false,
                });
            }
            return;
        }
        levels.push(Level { col, emitted: true });
        out.push((Tok::Indent, Span::new(line_start, span.start as usize)));
        return;
    }
    while levels.last().is_some_and(|l| col < l.col) {
        if let Some(l) = levels.pop()
            && l.emitted
        {
            out.push((Tok::Dedent, at));
        }
    }
    let top = levels.last().map_or(0, |l| l.col);
    if col != top {
        diags.push(
            Diag::error(
                "E0003",
                "unindent does not match any outer indentation level",
                at,
            )
            .with_hint("indent this line like the block it belongs to"),
        );
        // Treat the odd column as the current level so following lines agree with it.
        levels.push(Level {
            col,
            emitted: false,
        });
    }
}

/// Reports every open bracket as unclosed and inserts the missing closers (zero-width, at
/// `at`) so the parser sees a well-formed line.
fn close_brackets(
    brackets: &mut Vec<(&'static str, Span)>,
    out: &mut Vec<(Tok, Span)>,
    at: usize,
    diags: &mut Vec<Diag>,
) {
    while let Some((open, span)) = brackets.pop() {
        let close = match open {
            "(" => ")",
            "[" => "]",
            _ => "}",
        };
        diags.push(
            Diag::error("E0002", format!("unclosed `{open}`"), span)
                .with_label(Span::new(at, at), format!("expected `{close}` here")),
        );
        out.push((Tok::Op(close), Span::new(at, at)));
    }
}
