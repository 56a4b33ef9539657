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
pub mod spans;
mod split;
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

/// Parsing item by item, so that an editor's database re-parses only the item an edit
/// touched: `item_ranges(text)` splits a file into its top-level items by a scan without
/// lexing, `parse_item(padded, start)` parses one (`padded` is `start` bytes and then the
/// item's text; the database passes the item's text alone with `start` 0 and moves the
/// spans, `spans::stmt_spans`) and says whether its tokens and layout were clean, and
/// `assemble` puts the module together. When every item is clean the result equals
/// `parse(text)` (`tests/items.rs` checks this over the corpus); elsewhere the split is a
/// recovery (a bracket left open ends with its item, see `split.rs`).
pub fn item_ranges(text: &str) -> Vec<(usize, usize)> {
    split::quick_item_ranges(text)
}

/// `item_ranges` with every triple-quoted string that runs over a line starting a
/// definition at column 0 ended before that line (`None` when none does): the recovery
/// for a string left open, to take where `item_ranges` gives a broken item.
pub fn string_cut_ranges(text: &str) -> Option<Vec<(usize, usize)>> {
    split::string_cut_ranges(text)
}

/// The item ranges the lexer and layout pass find (one range, the whole text, when they
/// report anything): what `item_ranges` must agree with on clean text.
pub fn lexed_item_ranges(text: &str) -> Vec<(usize, usize)> {
    parser::item_ranges(text)
}

pub fn parse_item(padded: &str, start: usize) -> (Vec<ast::Stmt>, Vec<Diag>, bool) {
    parser::parse_item(padded, start)
}

pub fn assemble(body: Vec<ast::Stmt>, diags: Vec<Diag>) -> (ast::Module, Vec<Diag>) {
    parser::assemble(body, diags)
}

/// What a token is, for an editor's colouring.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenClass {
    Keyword,
    String,
    Number,
    Name,
    Other,
}

/// The byte ranges of a text's tokens and their classes (no layout tokens).
pub fn classify_tokens(text: &str) -> Vec<(usize, usize, TokenClass)> {
    use lexer::Tok;
    let mut diags = Vec::new();
    lexer::lex(text, 0, &mut diags)
        .into_iter()
        .filter_map(|(t, sp)| {
            let class = match t {
                Tok::Kw(_) => TokenClass::Keyword,
                Tok::Str(_) | Tok::FStrRaw(_) | Tok::FStr(_) => TokenClass::String,
                Tok::Int(_) | Tok::Float(_) => TokenClass::Number,
                Tok::Name(_) => TokenClass::Name,
                Tok::Newline | Tok::Indent | Tok::Dedent => return None,
                _ => TokenClass::Other,
            };
            Some((sp.start as usize, sp.end as usize, class))
        })
        .collect()
}

/// `parse` by items (what the database does, without its memo): each item parsed on its
/// own text (its spans from 0), then moved to where it starts. On text whose items are all
/// clean this is `parse(text)`; elsewhere a bracket left open ends with its item, and a
/// triple-quoted string left open ends before the next definition when the plain split
/// has an error (`string_cut_ranges`). Returns also whether every item was clean.
/// For tests.
pub fn parse_by_items(text: &str) -> (ast::Module, Vec<Diag>, bool) {
    let plain = parse_ranges(text, item_ranges(text));
    match string_cut_ranges(text) {
        Some(cut) if plain.1.iter().any(|d| d.is_error()) => parse_ranges(text, cut),
        _ => plain,
    }
}

fn parse_ranges(text: &str, ranges: Vec<(usize, usize)>) -> (ast::Module, Vec<Diag>, bool) {
    let mut body = Vec::new();
    let mut diags = Vec::new();
    let mut all_clean = true;
    for (start, end) in ranges {
        let (b, d, clean) = parse_item(&text[start..end], 0);
        all_clean &= clean;
        for mut s in b {
            spans::shift_stmt(&mut s, start as u32);
            body.push(s);
        }
        for mut d in d {
            spans::shift_diag(&mut d, start as u32);
            diags.push(d);
        }
    }
    let (module, diags) = assemble(body, diags);
    (module, diags, all_clean)
}
