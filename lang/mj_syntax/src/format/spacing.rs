//! Spacing between two tokens of one physical line. Each token gets a [`Role`] from the
//! token before it and the brackets it sits in (a `-` after an operand is binary, after
//! `(` it is unary; a `:` inside a subscript is a slice colon); the space between two
//! tokens is then a function of the two roles alone, which keeps the rules few and makes
//! formatting idempotent: the roles depend on tokens only, never on the spaces already there.

use crate::lexer::Tok;

/// What a token does where it stands, as far as spacing cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Role {
    /// A name, literal, `True`/`False`/`None`, `...` (Ellipsis): something that ends an operand.
    Operand,
    /// Any other keyword (`def`, `in`, `not`, `return`, ...).
    Keyword,
    Open,
    Close,
    Comma,
    Semi,
    /// `tight`: a slice colon inside a subscript (`a[1:n]`), no space after it.
    Colon {
        tight: bool,
    },
    /// `.` of an attribute (`x.y`).
    Dot,
    /// A unary operator (`-x`, `*args`, `**kw`, `~m`), an implicit member's `.` (`.float32`)
    /// or the dots of a relative import (`from ..pkg import x`): glued to what follows.
    Prefix,
    /// Mojo's transfer `x^`.
    Postfix,
    /// Binary and comparison operators, `=` of an assignment, augmented assignments, `->`.
    Binary,
    /// `=` of a keyword argument or of a default without annotation (`f(x=1)`, `def f(y=2)`).
    KwArgEq,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum FrameKind {
    /// The logical line outside any bracket.
    Root,
    Paren,
    /// `[` after an operand: indexing or compile-time parameters (`a[1:n]`, `SIMD[dt, 4]`).
    Subscript,
    /// `[` of a declaration's parameters (`def f[n: Int]`, `struct S[T: AnyType = Int]`).
    DeclParams,
    /// `[` starting a list literal.
    List,
    Brace,
}

struct Frame {
    kind: FrameKind,
    /// `lambda`s whose parameter list is still open in this bracket (their `:` is to come).
    lambdas: usize,
    /// The current item (since the last `,`) has an annotation colon: its `=` is spaced.
    annotated: bool,
}

impl Frame {
    fn new(kind: FrameKind) -> Frame {
        Frame {
            kind,
            lambdas: 0,
            annotated: false,
        }
    }
}

/// Keywords after which `NAME[` opens a declaration's parameter list.
const DECLARING: &[&str] = &["def", "fn", "struct", "trait", "class", "comptime", "alias"];

/// The spacing state of one logical line.
pub(super) struct Line<'a> {
    frames: Vec<Frame>,
    prev: Option<(Role, &'a Tok)>,
    prev2: Option<&'a Tok>,
}

impl<'a> Line<'a> {
    pub(super) fn new() -> Line<'a> {
        Line {
            frames: vec![Frame::new(FrameKind::Root)],
            prev: None,
            prev2: None,
        }
    }

    /// How many brackets are open.
    pub(super) fn depth(&self) -> usize {
        self.frames.len() - 1
    }

    /// Takes the next token of the line. For a `^`, `next` is the token after it when that
    /// one is on the same logical line (it decides whether `^` is a transfer). Returns
    /// whether one space belongs before `tok` when both are on the same physical line.
    pub(super) fn push(&mut self, tok: &'a Tok, next: Option<&Tok>) -> bool {
        let role = self.role(tok, next);
        let space = match self.prev {
            Some(_) if self.capture_clause(tok) => true,
            Some((prev, prev_tok)) => space_between(prev, prev_tok, role, tok),
            None => false,
        };
        self.record(role, tok);
        space
    }

    fn top(&mut self) -> &mut Frame {
        let last = self.frames.len() - 1;
        &mut self.frames[last]
    }

    fn prev_role(&self) -> Option<Role> {
        self.prev.map(|(r, _)| r)
    }

    fn after_operand(&self) -> bool {
        matches!(
            self.prev_role(),
            Some(Role::Operand | Role::Close | Role::Postfix)
        )
    }

    fn role(&mut self, tok: &Tok, next: Option<&Tok>) -> Role {
        match tok {
            Tok::Kw("True" | "False" | "None") => Role::Operand,
            // A keyword used as an attribute name (`x.def`) is just a name.
            Tok::Kw(_) if self.prev_role() == Some(Role::Dot) => Role::Operand,
            Tok::Kw(_) => Role::Keyword,
            Tok::Op("(" | "[" | "{") => Role::Open,
            Tok::Op(")" | "]" | "}") => Role::Close,
            Tok::Op(",") => Role::Comma,
            Tok::Op(";") => Role::Semi,
            Tok::Op(":") => {
                let top = self.top();
                Role::Colon {
                    tight: top.kind == FrameKind::Subscript && top.lambdas == 0,
                }
            }
            Tok::Op(".") if self.after_operand() => Role::Dot,
            Tok::Op(".") => Role::Prefix,
            Tok::Op("...") => {
                let relative_import = matches!(
                    self.prev,
                    Some((_, Tok::Kw("from")) | (Role::Prefix, Tok::Op("." | "...")))
                );
                if relative_import {
                    Role::Prefix
                } else {
                    Role::Operand
                }
            }
            Tok::Op("-" | "+" | "*" | "**") if !self.after_operand() => Role::Prefix,
            Tok::Op("~") => Role::Prefix,
            // The parser reads `^` as a transfer when no operand follows it (`x^`, and
            // `{var^}` in a capture list).
            Tok::Op("^") if !next.is_some_and(starts_operand) => Role::Postfix,
            Tok::Op("=") => {
                let top = self.top();
                let kwarg = match top.kind {
                    FrameKind::Paren | FrameKind::Subscript | FrameKind::DeclParams => {
                        !top.annotated
                    }
                    _ => false,
                };
                if kwarg || top.lambdas > 0 {
                    Role::KwArgEq
                } else {
                    Role::Binary
                }
            }
            Tok::Op(_) => Role::Binary,
            Tok::Name(_) | Tok::Int(_) | Tok::Float(_) | Tok::Str(_) => Role::Operand,
            Tok::FStrRaw(_) | Tok::FStr(_) => Role::Operand,
            Tok::Newline | Tok::Indent | Tok::Dedent | Tok::Error => Role::Binary,
        }
    }

    /// Updates the bracket state after `tok` and makes it the previous token.
    fn record(&mut self, role: Role, tok: &'a Tok) {
        match (role, tok) {
            (Role::Open, Tok::Op(open)) => {
                let kind = match *open {
                    "(" => FrameKind::Paren,
                    "{" => FrameKind::Brace,
                    _ if self.declares_params() => FrameKind::DeclParams,
                    _ if self.after_operand() => FrameKind::Subscript,
                    _ => FrameKind::List,
                };
                self.frames.push(Frame::new(kind));
            }
            (Role::Close, _) if self.frames.len() > 1 => {
                self.frames.pop();
            }
            (Role::Comma, _) => self.top().annotated = false,
            (Role::Colon { .. }, _) => {
                let top = self.top();
                if top.lambdas > 0 {
                    top.lambdas -= 1;
                } else {
                    top.annotated = true;
                }
            }
            (Role::Keyword, Tok::Kw("lambda")) => self.top().lambdas += 1,
            _ => {}
        }
        self.prev2 = self.prev.map(|(_, t)| t);
        self.prev = Some((role, tok));
    }

    /// Whether `tok` is the `[` of a function type's capture clause, which Mojo spells
    /// with a space (`fn() raises capturing [_] -> None`).
    fn capture_clause(&self, tok: &Tok) -> bool {
        *tok == Tok::Op("[")
            && matches!(self.prev, Some((_, Tok::Name(n))) if n == "capturing")
            && matches!(self.prev2, Some(Tok::Op(")") | Tok::Kw("raises")))
    }

    /// Whether a `[` here follows `def NAME`, `struct NAME`, `comptime NAME`, ...
    fn declares_params(&self) -> bool {
        matches!(self.prev, Some((_, Tok::Name(_))))
            && matches!(self.prev2, Some(Tok::Kw(k)) if DECLARING.contains(k))
    }
}

/// The tokens that begin an operand, exactly as the parser's `operand_start` has them.
fn starts_operand(tok: &Tok) -> bool {
    matches!(
        tok,
        Tok::Name(_)
            | Tok::Int(_)
            | Tok::Float(_)
            | Tok::Str(_)
            | Tok::FStrRaw(_)
            | Tok::FStr(_)
            | Tok::Kw("True" | "False" | "None" | "not" | "lambda" | "def" | "fn")
            | Tok::Op("(" | "[" | "{" | "-" | "+" | "~" | "...")
    )
}

/// Whether one space separates a token of role `cur` from the one before it. The order of
/// the arms is the precedence of the rules.
fn space_between(prev: Role, prev_tok: &Tok, cur: Role, cur_tok: &Tok) -> bool {
    use Role::*;
    match (prev, cur) {
        (Open, _) | (_, Close) | (_, Comma | Semi) => false,
        (Comma | Semi, _) => true,
        (_, Colon { .. }) => false,
        (Colon { tight }, _) => !tight,
        (Dot, _) | (_, Dot) => false,
        // `from . import x`: a keyword never sticks to a dot.
        (Prefix, Keyword) => true,
        (Prefix, _) => false,
        (KwArgEq, _) | (_, KwArgEq) => false,
        (_, Prefix) => true,
        (_, Postfix) => false,
        // Calls and subscripts: `f(x)`, `a[i]`, `f[T](x)`.
        (Operand | Close | Postfix, Open) => !matches!(cur_tok, Tok::Op("(" | "[")),
        // Function types and closures: `def(Int) -> Int`.
        (Keyword, Open) => !matches!((prev_tok, cur_tok), (Tok::Kw("def" | "fn"), Tok::Op("("))),
        _ => true,
    }
}
