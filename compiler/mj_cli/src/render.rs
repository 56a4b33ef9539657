//! Diagnostic output: ariadne reports for people, one-line records for tools and tests.

use ariadne::{Config, IndexType, Label, Report, ReportKind, Source};
use mj_syntax::{Diag, Severity};

/// A diagnostic with the file it belongs to.
pub struct FileDiag<'a> {
    pub path: &'a str,
    pub text: &'a str,
    pub diag: &'a Diag,
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = 1 + before.bytes().filter(|&b| b == b'\n').count();
    (line, 1 + before[line_start..].chars().count())
}

pub fn short(d: &FileDiag<'_>) -> String {
    let (line, col) = line_col(d.text, d.diag.span.start as usize);
    let kind = match d.diag.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut s = format!(
        "{}:{line}:{col}: {kind}[{}]: {}",
        d.path, d.diag.code, d.diag.message
    );
    if let Some(h) = &d.diag.hint {
        s.push_str(&format!("\n  hint: {h}"));
    }
    s
}

pub fn pretty(d: &FileDiag<'_>, color: bool) -> String {
    let kind = match d.diag.severity {
        Severity::Error => ReportKind::Error,
        Severity::Warning => ReportKind::Warning,
    };
    let len = d.text.len();
    let clamp = |r: std::ops::Range<usize>| {
        let s = r.start.min(len);
        s..r.end.clamp(s, len)
    };
    let path = d.path.to_string();
    let span = clamp(d.diag.span.range());
    let mut b = Report::build(kind, (path.clone(), span.clone()))
        .with_config(
            Config::default()
                .with_index_type(IndexType::Byte)
                .with_color(color),
        )
        .with_code(d.diag.code)
        .with_message(&d.diag.message)
        .with_label(Label::new((path.clone(), span)).with_message(&d.diag.message));
    for l in &d.diag.labels {
        b = b
            .with_label(Label::new((path.clone(), clamp(l.span.range()))).with_message(&l.message));
    }
    if let Some(h) = &d.diag.hint {
        b = b.with_help(h);
    }
    let mut out = Vec::new();
    let cache = (path, Source::from(d.text));
    if b.finish().write(cache, &mut out).is_err() {
        return short(d);
    }
    String::from_utf8_lossy(&out).into_owned()
}
