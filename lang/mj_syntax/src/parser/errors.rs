//! Turning chumsky's `Rich` errors into our diagnostics: short "expected X, found Y"
//! messages that name the offending token as the user wrote it.

use chumsky::error::{RichPattern, RichReason};
use chumsky::input::Input;
use chumsky::prelude::*;

use super::{P, Tk, sp};
use crate::lexer::Tok;
use crate::{Diag, Span};

/// Runs `p` over `toks` (which end at `eoi`, described as `eoi_desc` in messages) and
/// records its errors.
pub(super) fn run<'a, O>(
    p: &P<'a, O>,
    toks: &'a [Tk],
    eoi: SimpleSpan,
    eoi_desc: &str,
    text: &str,
    diags: &mut Vec<Diag>,
) -> Option<O> {
    let (out, errs) = p.parse(toks.split_token_span(eoi)).into_output_errors();
    for e in &errs {
        if let Some(d) = to_diag(e, eoi_desc, text) {
            diags.push(d);
        }
    }
    out
}

/// How a token reads in a message: its source text in backticks, or a phrase.
pub(super) fn describe(tok: &Tok, span: Span, text: &str) -> String {
    match tok {
        Tok::Newline => "end of line".into(),
        Tok::Indent => "an indent".into(),
        Tok::Dedent => "a dedent".into(),
        Tok::Str(_) | Tok::FStr(_) | Tok::FStrRaw(_) => "a string literal".into(),
        Tok::Op(o) => format!("`{o}`"),
        Tok::Kw(k) => format!("`{k}`"),
        _ => {
            let src = text.get(span.range()).unwrap_or("");
            let short: String = src.chars().take(24).collect();
            if short.is_empty() {
                "a token".into()
            } else if short.len() < src.len() {
                format!("`{short}...`")
            } else {
                format!("`{short}`")
            }
        }
    }
}

pub(super) fn describe_at(toks: &[Tk], i: usize, text: &str) -> String {
    match toks.get(i) {
        Some((t, s)) => describe(t, sp(*s), text),
        None => "end of file".into(),
    }
}

/// Tokens worth naming when the full expected set is too long to print.
const KEY_TOKENS: &[&str] = &[":", ")", "]", "}", ",", "=", "->", "in", "import"];

fn to_diag(e: &Rich<'_, Tok, SimpleSpan>, eoi_desc: &str, text: &str) -> Option<Diag> {
    let span = sp(*e.span());
    let (expected, found) = match e.reason() {
        RichReason::Custom(msg) => return Some(Diag::error("E0001", msg.clone(), span)),
        RichReason::ExpectedFound { expected, found } => (expected, found),
    };
    let found = match found.as_deref() {
        // The lexer already reported this token.
        Some(Tok::Error) => return None,
        Some(t) => describe(t, span, text),
        None => eoi_desc.to_string(),
    };
    let mut items: Vec<(bool, String)> = Vec::new();
    for pat in expected {
        let item = match pat {
            RichPattern::Token(t) => (false, describe(t, Span::default(), text)),
            RichPattern::Label(l) => (true, l.to_string()),
            RichPattern::Identifier(s) => (false, format!("`{s}`")),
            RichPattern::EndOfInput => (true, eoi_desc.to_string()),
            RichPattern::Any => (true, "more input".to_string()),
            _ => continue,
        };
        if !items.contains(&item) {
            items.push(item);
        }
    }
    if items.len() > 5 {
        items.retain(|(label, s)| *label || KEY_TOKENS.iter().any(|k| s.trim_matches('`') == *k));
    }
    // Labels first ("expected expression or `)`" reads better than the reverse).
    items.sort_by_key(|(label, _)| !*label);
    let names: Vec<String> = items.into_iter().map(|(_, s)| s).collect();
    let msg = match names.as_slice() {
        [] => format!("unexpected {found}"),
        [one] => format!("expected {one}, found {found}"),
        [init @ .., last] => format!("expected {} or {last}, found {found}", init.join(", ")),
    };
    Some(Diag::error("E0001", msg, span))
}

/// Sorts diagnostics by position and keeps one error per start position (a cascade of
/// messages at one spot is noise).
pub(super) fn finish(mut diags: Vec<Diag>) -> Vec<Diag> {
    diags.sort_by_key(|d| d.span.start);
    let mut seen = std::collections::HashSet::new();
    diags.retain(|d| !d.is_error() || seen.insert(d.span.start));
    diags
}
