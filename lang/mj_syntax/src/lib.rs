//! The mj syntax layer: tokens (logos), the layout pass that turns indentation into
//! `Indent`/`Dedent`/`Newline` tokens, and the chumsky parser producing [`ast::Module`].
//!
//! This crate is pure: it takes source text and returns values. It never fails: `parse`
//! always returns a module (possibly with `Error` nodes) and every diagnostic it found.

pub mod ast;
mod desugar;
pub mod diag;
mod dump;
mod format;
mod layout;
mod lexer;
mod parser;
pub mod visit;

pub use diag::{Diag, Label, Severity};
pub use dump::{dump, dump_diags, line_col};
pub use format::{comments, format};

/// A byte range in one source file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start: start as u32,
            end: end as u32,
        }
    }

    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// Parses a whole `.mj` file. Never panics, whatever the input.
pub fn parse(text: &str) -> (ast::Module, Vec<Diag>) {
    parser::parse_module(text)
}
