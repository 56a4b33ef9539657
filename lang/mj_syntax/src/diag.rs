//! Diagnostics as plain values. Every phase returns them; only the CLI renders them
//! (with ariadne) and only the language server converts them to LSP types.

use crate::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// One diagnostic in one file. `span` is the primary location; `labels` add secondary
/// locations in the same file; `hint` is the one-line suggestion printed under the report.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Diag {
    pub severity: Severity,
    /// A stable code such as `E0001`; see `docs/diagnostics.md`.
    pub code: &'static str,
    pub message: String,
    pub span: Span,
    pub labels: Vec<Label>,
    pub hint: Option<String>,
}

impl Diag {
    pub fn error(code: &'static str, message: impl Into<String>, span: Span) -> Diag {
        Diag {
            severity: Severity::Error,
            code,
            message: message.into(),
            span,
            labels: Vec::new(),
            hint: None,
        }
    }

    pub fn warning(code: &'static str, message: impl Into<String>, span: Span) -> Diag {
        Diag {
            severity: Severity::Warning,
            code,
            message: message.into(),
            span,
            labels: Vec::new(),
            hint: None,
        }
    }

    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Diag {
        self.labels.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Diag {
        self.hint = Some(hint.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}
