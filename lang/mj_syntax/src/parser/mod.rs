//! The parser. A hand-written driver walks the layout token stream line by line and block
//! by block; chumsky parses what lies on each logical line (simple statements, compound
//! statement headers, expressions). Recovery therefore happens naturally at statement level:
//! a line that does not parse becomes `StmtKind::Error` and the next line starts afresh,
//! while chumsky's `nested_delimiters` recovers inside brackets.

mod errors;
mod expr;
mod stmt;

use chumsky::input::MappedInput;
use chumsky::prelude::*;

use crate::ast::*;
use crate::lexer::{self, RawFPart, Tok};
use crate::{Diag, Span, layout};
use stmt::StmtParsers;

pub(crate) type Tk = (Tok, SimpleSpan);
pub(crate) type In<'a> = MappedInput<'a, Tok, SimpleSpan, &'a [Tk]>;
pub(crate) type Ex<'a> = extra::Err<Rich<'a, Tok, SimpleSpan>>;
pub(crate) type P<'a, O> = Boxed<'a, 'a, In<'a>, O, Ex<'a>>;

pub(crate) fn sp(s: SimpleSpan) -> Span {
    Span::new(s.start, s.end)
}

pub(crate) fn mk(kind: ExprKind, s: SimpleSpan) -> Expr {
    Expr { kind, span: sp(s) }
}

fn error_expr(span: Span) -> Expr {
    Expr {
        kind: ExprKind::Error,
        span,
    }
}

/// The byte ranges of a file's top-level items as the lexer sees them (the reference for
/// `split::quick_item_ranges`, which finds them without lexing): each starts
/// at a statement at the file's outer level (a decorator with what it decorates; `elif`,
/// `else`, `except` and `finally` with the statement they continue) and runs to the next.
/// One range, the whole text, when lexing or the layout pass reports anything: then the
/// file is parsed whole, so its diagnostics are exactly the whole parse's.
pub(crate) fn item_ranges(text: &str) -> Vec<(usize, usize)> {
    let mut diags = Vec::new();
    let toks = lexer::lex(text, 0, &mut diags);
    let toks = layout::layout(text, toks, &mut diags);
    if !diags.is_empty() {
        return vec![(0, text.len())];
    }
    let mut starts = vec![0usize];
    let mut level = 0i32;
    let mut at_line_start = true;
    let mut prev_decorator = false;
    for (t, sp) in &toks {
        match t {
            Tok::Newline => at_line_start = true,
            Tok::Indent => level += 1,
            Tok::Dedent => level -= 1,
            _ => {
                if at_line_start && level == 0 {
                    let continues = matches!(t, Tok::Kw("elif" | "else" | "except" | "finally"));
                    if !continues && !prev_decorator && sp.start as usize > 0 {
                        starts.push(sp.start as usize);
                    }
                    prev_decorator = matches!(t, Tok::Op("@"));
                }
                at_line_start = false;
            }
        }
    }
    starts.dedup();
    let mut out: Vec<(usize, usize)> = starts.windows(2).map(|w| (w[0], w[1])).collect();
    out.push((*starts.last().unwrap_or(&0), text.len()));
    out
}

/// The statements and diagnostics of one item of a file, `item` being the file's bytes
/// from `start` on with `start` newlines in front (so that spans are the file's and the
/// layout pass sees a fresh line), and whether its tokens and layout were clean.
/// Diagnostics are not yet sorted (`finish_diags`).
pub(crate) fn parse_item(padded: &str, start: usize) -> (Vec<Stmt>, Vec<Diag>, bool) {
    let text = padded;
    let mut diags = Vec::new();
    let toks = lexer::lex(&text[start..], start, &mut diags);
    let toks = layout::layout(text, toks, &mut diags);
    // Errors inside one token (an invalid number or escape, a bad f-string replacement
    // field) leave the token and the item's bounds as they are: the item is still clean.
    // Unterminated strings, brackets and indentation may not be.
    let clean = diags.iter().all(|d| matches!(d.code, "E0005" | "E0001"));
    let toks = cook(text, toks, &mut diags, 0);
    let mut d = Driver {
        text,
        toks: &toks,
        pos: 0,
        diags,
        p: stmt::build(expr::build()),
    };
    let mut body = Vec::new();
    while d.pos < d.toks.len() {
        if d.peek() == Some(&Tok::Dedent) {
            d.pos += 1;
            continue;
        }
        d.stmt(&mut body);
    }
    (body, d.diags, clean)
}

/// A module from its items' statements (the first item's leading string is the
/// docstring) and their diagnostics, as `parse_module` makes it.
pub(crate) fn assemble(body: Vec<Stmt>, diags: Vec<Diag>) -> (Module, Vec<Diag>) {
    let (docstring, body) = take_docstring(body);
    (Module { docstring, body }, errors::finish(diags))
}

pub(crate) fn parse_module(text: &str) -> (Module, Vec<Diag>) {
    let (body, diags, _) = parse_item(text, 0);
    assemble(body, diags)
}

/// Converts spans to chumsky's and parses the embedded expressions of f-strings, by
/// re-lexing each `{...}` at its real offset so spans point into the file.
fn cook(text: &str, mut toks: Vec<(Tok, Span)>, diags: &mut Vec<Diag>, depth: usize) -> Vec<Tk> {
    legacy_let(&mut toks, diags);
    comptime_exprs(&mut toks);
    toks.into_iter()
        .map(|(t, s)| {
            let t = match t {
                Tok::FStrRaw(parts) => Tok::FStr(
                    parts
                        .into_iter()
                        .map(|p| cook_part(text, p, s, diags, depth))
                        .collect(),
                ),
                t => t,
            };
            (t, SimpleSpan::from(s.range()))
        })
        .collect()
}

/// `let x = ...` at the start of a statement (removed from Mojo): reported once per use and
/// parsed as `var`, so the rest of the function checks normally.
fn legacy_let(toks: &mut [(Tok, Span)], diags: &mut Vec<Diag>) {
    for i in 0..toks.len() {
        let at_stmt_start =
            i == 0 || matches!(toks[i - 1].0, Tok::Newline | Tok::Indent | Tok::Dedent);
        if at_stmt_start
            && matches!(&toks[i].0, Tok::Name(n) if n == "let")
            && matches!(toks.get(i + 1), Some((Tok::Name(_), _)))
        {
            diags.push(
                Diag::error(
                    "E0001",
                    "`let` declarations are not supported (Mojo removed them)",
                    toks[i].1,
                )
                .with_hint("declare the variable with `var`"),
            );
            toks[i].0 = Tok::Kw("var");
        }
    }
}

/// `comptime (expr)` inside an expression (`String(comptime (names[i]))`) asks for
/// compile-time evaluation, which the checker does for whatever is constant anyway: the
/// keyword is dropped there. (At the start of a statement `comptime` keeps its meaning.)
fn comptime_exprs(toks: &mut Vec<(Tok, Span)>) {
    let mut i = 1;
    while i + 1 < toks.len() {
        let in_expr = !matches!(toks[i - 1].0, Tok::Newline | Tok::Indent | Tok::Dedent);
        if in_expr
            && matches!(toks[i].0, Tok::Kw("comptime"))
            && matches!(toks[i + 1].0, Tok::Op("("))
        {
            toks.remove(i);
        } else {
            i += 1;
        }
    }
}

fn cook_part(
    text: &str,
    part: RawFPart,
    whole: Span,
    diags: &mut Vec<Diag>,
    depth: usize,
) -> FStringPart {
    match part {
        RawFPart::Lit(s) => FStringPart::Lit(s),
        RawFPart::Expr {
            start,
            end,
            conversion,
            spec,
        } => {
            let span = Span::new(start, end);
            let sub: Vec<_> = lexer::lex(&text[start..end], start, diags)
                .into_iter()
                .filter(|(t, _)| *t != Tok::Newline)
                .collect();
            let expr = if depth > 4 {
                diags.push(Diag::error("E0001", "f-strings nested too deeply", whole));
                error_expr(span)
            } else if sub.is_empty() {
                diags.push(Diag::error(
                    "E0001",
                    "f-string: expected an expression inside `{}`",
                    span,
                ));
                error_expr(span)
            } else {
                let sub = cook(text, sub, diags, depth + 1);
                let ep = expr::build();
                let eoi = SimpleSpan::from(end..end);
                errors::run(&ep.expr, &sub, eoi, "`}`", text, diags)
                    .unwrap_or_else(|| error_expr(span))
            };
            if let Some(c) = conversion
                && !matches!(c, 'r' | 's' | 'a')
            {
                diags.push(
                    Diag::error(
                        "E0001",
                        format!("f-string: invalid conversion `!{c}`"),
                        span,
                    )
                    .with_hint("use `!r`, `!s` or `!a`"),
                );
            }
            FStringPart::Expr {
                expr,
                conversion,
                spec,
            }
        }
    }
}

/// A leading string-literal statement is the docstring, not part of the body.
fn take_docstring(mut body: Vec<Stmt>) -> (Option<String>, Vec<Stmt>) {
    if let Some(Stmt {
        kind: StmtKind::Expr(Expr {
            kind: ExprKind::Str(s),
            ..
        }),
        ..
    }) = body.first()
    {
        let s = s.clone();
        body.remove(0);
        return (Some(s), body);
    }
    (None, body)
}

struct Driver<'a> {
    text: &'a str,
    toks: &'a [Tk],
    pos: usize,
    diags: Vec<Diag>,
    p: StmtParsers<'a>,
}

impl<'a> Driver<'a> {
    fn peek(&self) -> Option<&'a Tok> {
        self.tok_at(self.pos)
    }

    fn tok_at(&self, i: usize) -> Option<&'a Tok> {
        self.toks.get(i).map(|t| &t.0)
    }

    fn span_at(&self, i: usize) -> Span {
        self.toks
            .get(i)
            .map_or(Span::new(self.text.len(), self.text.len()), |t| sp(t.1))
    }

    /// Index of the `Newline` ending the logical line that contains `from` (or the end).
    fn line_end(&self, from: usize) -> usize {
        (from..self.toks.len())
            .find(|&i| self.toks[i].0 == Tok::Newline)
            .unwrap_or(self.toks.len())
    }

    /// The `:` closing a compound statement header: the first one outside brackets.
    fn header_colon(&self, from: usize, end: usize) -> Option<usize> {
        let mut depth = 0usize;
        for i in from..end {
            match &self.toks[i].0 {
                Tok::Op("(" | "[" | "{") => depth += 1,
                Tok::Op(")" | "]" | "}") => depth = depth.saturating_sub(1),
                Tok::Op(":") if depth == 0 => return Some(i),
                Tok::Kw("lambda") if depth == 0 => return None,
                _ => {}
            }
        }
        None
    }

    /// End of the last real token before `pos` (for statement spans).
    fn prev_end(&self) -> u32 {
        (0..self.pos.min(self.toks.len()))
            .rev()
            .find(|&i| !matches!(self.toks[i].0, Tok::Newline | Tok::Indent | Tok::Dedent))
            .map_or(0, |i| self.toks[i].1.end as u32)
    }

    fn span_from(&self, start: usize) -> Span {
        let s = self.span_at(start);
        Span {
            start: s.start,
            end: self.prev_end().max(s.start),
        }
    }

    fn run<O>(&mut self, p: &P<'a, O>, lo: usize, hi: usize, eoi_desc: &str) -> Option<O> {
        let eoi = self
            .toks
            .get(hi)
            .map_or(SimpleSpan::from(self.text.len()..self.text.len()), |t| t.1);
        errors::run(
            p,
            &self.toks[lo..hi.min(self.toks.len())],
            eoi,
            eoi_desc,
            self.text,
            &mut self.diags,
        )
    }

    fn error(&mut self, code: &'static str, msg: impl Into<String>, span: Span) {
        self.diags.push(Diag::error(code, msg, span));
    }

    /// Statements until the `Dedent` closing this block (consumed) or the end of input.
    fn block(&mut self) -> Vec<Stmt> {
        let mut out = Vec::new();
        while let Some(t) = self.peek() {
            if *t == Tok::Dedent {
                self.pos += 1;
                break;
            }
            self.stmt(&mut out);
        }
        out
    }

    /// Parses one statement (with its decorators and clauses) into `out`. Always advances.
    fn stmt(&mut self, out: &mut Vec<Stmt>) {
        match self.peek() {
            None => return,
            Some(Tok::Newline | Tok::Dedent) => {
                self.pos += 1;
                return;
            }
            Some(Tok::Indent) => {
                let at = self.span_at(self.pos + 1);
                self.diags.push(
                    Diag::error("E0003", "unexpected indent", Span::new(at.start as usize, at.start as usize))
                        .with_hint("this line is indented more than the line before it, which does not end with `:`"),
                );
                self.pos += 1;
                let inner = self.block();
                out.extend(inner);
                return;
            }
            _ => {}
        }
        let mut decorators = Vec::new();
        while self.peek() == Some(&Tok::Op("@")) {
            let nl = self.line_end(self.pos);
            let at = self.span_at(self.pos);
            let p = self.p.decorator.clone();
            if let Some(expr) = self.run(&p, self.pos, nl, "end of line") {
                decorators.push(Decorator {
                    span: at.to(expr.span),
                    expr,
                });
            }
            self.pos = nl + 1;
        }
        if !decorators.is_empty()
            && matches!(
                self.peek(),
                None | Some(Tok::Newline | Tok::Indent | Tok::Dedent)
            )
        {
            let span = decorators.last().map_or(Span::default(), |d| d.span);
            self.error("E0001", "expected a definition after this decorator", span);
            return;
        }

        let start = self.pos;
        let nl = self.line_end(start);
        let comptime_block = self.peek() == Some(&Tok::Kw("comptime"))
            && matches!(self.tok_at(start + 1), Some(Tok::Kw("if" | "for")));
        let kw_idx = if comptime_block { start + 1 } else { start };
        let kw_tok = self.tok_at(kw_idx).cloned();

        // `@parameter` on `if`/`for` is the legacy spelling of `comptime if`/`comptime for`.
        let mut comptime = comptime_block;
        if let Some(Tok::Kw(k @ ("if" | "for"))) = kw_tok {
            let mut legacy = Vec::new();
            decorators.retain(|d| {
                let is_param = matches!(&d.expr.kind, ExprKind::Name(n) if n == "parameter");
                if is_param {
                    legacy.push(d.span);
                }
                comptime |= is_param;
                !is_param
            });
            for span in legacy {
                self.diags.push(
                    Diag::warning("W0001", format!("`@parameter {k}` is deprecated"), span)
                        .with_hint(format!("write `comptime {k}`")),
                );
            }
        }
        if kw_tok == Some(Tok::Kw("alias")) {
            self.diags.push(
                Diag::warning("W0001", "`alias` is deprecated", self.span_at(start))
                    .with_hint("write `comptime` instead"),
            );
        }
        let takes_decorators = matches!(
            kw_tok,
            Some(Tok::Kw("def" | "fn" | "struct" | "trait" | "class"))
        );
        if !takes_decorators && let Some(d) = decorators.first() {
            self.diags.push(
                Diag::error(
                    "E0001",
                    "decorators apply only to `def`, `struct` and `trait`",
                    d.span,
                )
                .with_hint("`@parameter` may also precede `if` and `for`"),
            );
        }

        let stmt = match &kw_tok {
            Some(Tok::Kw("def" | "fn")) => self.def_stmt(decorators, start, nl),
            Some(Tok::Kw(k @ ("struct" | "trait" | "class"))) => {
                self.type_stmt(k, decorators, start, nl)
            }
            Some(Tok::Kw("if")) => self.if_stmt(start, kw_idx, nl, comptime),
            Some(Tok::Kw("while")) => self.while_stmt(start, nl),
            Some(Tok::Kw("for")) => self.for_stmt(start, kw_idx, nl, comptime),
            Some(Tok::Kw("try")) => self.try_stmt(start, nl),
            Some(Tok::Name(n)) if n == "match" && self.is_block_header(start, nl) => {
                self.match_stmt(start, nl)
            }
            Some(Tok::Kw(k @ ("elif" | "else" | "except" | "finally"))) => {
                let what = match *k {
                    "except" | "finally" => "`try`",
                    "elif" => "`if`",
                    _ => "`if`, `for`, `while` or `try`",
                };
                self.orphan(start, nl, format!("`{k}` without a matching {what}"))
            }
            Some(Tok::Name(n)) if n == "case" && self.is_block_header(start, nl) => self.orphan(
                start,
                nl,
                "`case` outside of a `match` statement".to_string(),
            ),
            Some(Tok::Kw("with")) => self.with_stmt(start, nl),
            _ => {
                self.simple_line(start, nl, out);
                return;
            }
        };
        out.push(stmt);
    }

    /// True when the line `start..nl` ends with a header `:` (and so opens a block).
    fn is_block_header(&self, start: usize, nl: usize) -> bool {
        self.header_colon(start + 1, nl)
            .is_some_and(|c| c + 1 == nl)
    }

    fn simple_line(&mut self, start: usize, nl: usize, out: &mut Vec<Stmt>) {
        let p = self.p.simple.clone();
        let res = self.run(&p, start, nl, "end of line");
        self.pos = (nl + 1).min(self.toks.len().max(nl));
        match res {
            Some(stmts) => out.extend(stmts),
            None => {
                out.push(Stmt {
                    kind: StmtKind::Error,
                    span: self.span_from(start),
                });
                // A broken line that looks like a block header (`whle x:`) owns the indented
                // block below it; skip it quietly instead of reporting an unexpected indent.
                if nl > start
                    && self.tok_at(nl - 1) == Some(&Tok::Op(":"))
                    && self.peek() == Some(&Tok::Indent)
                {
                    self.pos += 1;
                    let _ = self.block();
                }
            }
        }
    }

    /// A clause keyword with nothing to attach to: report, parse its block, drop it.
    fn orphan(&mut self, start: usize, nl: usize, msg: String) -> Stmt {
        self.error("E0001", msg, self.span_at(start));
        let colon = self.header_colon(start + 1, nl);
        let _ = self.suite(colon, nl);
        Stmt {
            kind: StmtKind::Error,
            span: self.span_from(start),
        }
    }

    /// Parses a header `kw ... :` on the line `kw_idx..nl` with `p` (which sees the tokens
    /// between the keyword and the colon). Returns the output and the colon's index.
    fn header<O>(&mut self, p: &P<'a, O>, kw_idx: usize, nl: usize) -> (Option<O>, Option<usize>) {
        let colon = self.header_colon(kw_idx + 1, nl);
        let hi = colon.unwrap_or(nl);
        let errs_before = self.diags.len();
        let out = self.run(
            p,
            kw_idx + 1,
            hi,
            if colon.is_some() {
                "`:`"
            } else {
                "end of line"
            },
        );
        if colon.is_none() && self.diags.len() == errs_before {
            let at = self.span_at(nl);
            self.diags.push(
                Diag::error(
                    "E0001",
                    "expected `:`, found end of line",
                    Span::new(at.start as usize, at.start as usize),
                )
                .with_hint("a block header ends with `:`"),
            );
        }
        (out, colon)
    }

    /// `else:`, `try:`, `finally:`: the keyword must be followed directly by `:`.
    fn bare_header(&mut self, kw_idx: usize, nl: usize) -> Option<usize> {
        if self.tok_at(kw_idx + 1) == Some(&Tok::Op(":")) {
            return Some(kw_idx + 1);
        }
        let found = errors::describe_at(self.toks, kw_idx + 1, self.text);
        let kw = errors::describe_at(self.toks, kw_idx, self.text);
        self.error(
            "E0001",
            format!("expected `:` after {kw}, found {found}"),
            self.span_at(kw_idx + 1),
        );
        self.header_colon(kw_idx + 1, nl)
    }

    /// The body after a header whose `:` is at `colon` on the line ending at `nl`: the rest
    /// of the line (`if x: return`) or the indented block below.
    fn suite(&mut self, colon: Option<usize>, nl: usize) -> Vec<Stmt> {
        let len = self.toks.len();
        if let Some(c) = colon
            && c + 1 < nl
        {
            let p = self.p.simple.clone();
            let body = self.run(&p, c + 1, nl, "end of line");
            self.pos = (nl + 1).min(len);
            return body.unwrap_or_else(|| {
                vec![Stmt {
                    kind: StmtKind::Error,
                    span: self.span_at(c + 1),
                }]
            });
        }
        self.pos = (nl + 1).min(len);
        if self.peek() == Some(&Tok::Indent) {
            self.pos += 1;
            return self.block();
        }
        if let Some(c) = colon {
            let at = self.span_at(self.pos);
            let at = if self.peek().is_none() {
                self.span_at(c)
            } else {
                Span::new(at.start as usize, at.start as usize)
            };
            self.diags.push(
                Diag::error("E0003", "expected an indented block", at)
                    .with_label(self.span_at(c), "this `:` opens a block")
                    .with_hint("indent the body by 4 spaces, or write `pass` for an empty block"),
            );
        }
        Vec::new()
    }

    fn def_stmt(&mut self, decorators: Vec<Decorator>, start: usize, nl: usize) -> Stmt {
        let keyword = if self.tok_at(start) == Some(&Tok::Kw("fn")) {
            DefKeyword::Fn
        } else {
            DefKeyword::Def
        };
        let p = self.p.def_header.clone();
        let (h, colon) = self.header(&p, start, nl);
        let body = self.suite(colon, nl);
        let (docstring, body) = take_docstring(body);
        let span = self.span_from(start);
        let Some(h) = h else {
            return Stmt {
                kind: StmtKind::Error,
                span,
            };
        };
        let mut def = FnDef {
            decorators,
            keyword,
            name: h.name,
            params: h.params,
            args: h.args,
            raises: h.raises,
            raises_ty: h.raises_ty,
            ret: h.ret,
            where_clause: h.where_clause,
            ret_ref: h.ret_ref,
            captures: h.captures,
            fn_value_args: Vec::new(),
            docstring,
            body,
            span,
        };
        crate::desugar::fn_header(&mut def);
        Stmt {
            kind: StmtKind::Def(def),
            span,
        }
    }

    fn type_stmt(&mut self, kw: &str, decorators: Vec<Decorator>, start: usize, nl: usize) -> Stmt {
        if kw == "class" {
            self.diags.push(
                Diag::error("E0001", "`class` is not supported", self.span_at(start))
                    .with_hint("write `struct`"),
            );
        }
        let p = self.p.type_header.clone();
        let (h, colon) = self.header(&p, start, nl);
        let body = self.suite(colon, nl);
        let (docstring, body) = take_docstring(body);
        let span = self.span_from(start);
        let Some(h) = h else {
            return Stmt {
                kind: StmtKind::Error,
                span,
            };
        };
        let kind = if kw == "trait" {
            // Traits take no compile-time parameters in the AST; report rather than drop.
            if let Some(p) = h.params.first() {
                self.error(
                    "E0001",
                    "traits cannot have compile-time parameters",
                    p.span,
                );
            }
            StmtKind::Trait(TraitDef {
                decorators,
                name: h.name,
                parents: h.bases,
                docstring,
                body,
                span,
            })
        } else {
            StmtKind::Struct(StructDef {
                decorators,
                name: h.name,
                params: h.params,
                traits: h.bases,
                trait_where: h.bases_where,
                docstring,
                body,
                span,
            })
        };
        Stmt { kind, span }
    }

    /// A condition header (`if`/`elif`/`while`); a broken condition becomes an Error
    /// expression so the block is still parsed and kept.
    fn cond(&mut self, kw_idx: usize, nl: usize) -> (Expr, Option<usize>) {
        let p = self.p.e.expr.clone();
        let (c, colon) = self.header(&p, kw_idx, nl);
        (
            c.unwrap_or_else(|| error_expr(self.span_at(kw_idx + 1))),
            colon,
        )
    }

    fn if_stmt(&mut self, start: usize, kw_idx: usize, nl: usize, comptime: bool) -> Stmt {
        let (cond, colon) = self.cond(kw_idx, nl);
        let body = self.suite(colon, nl);
        let mut branches = vec![(cond, body)];
        let mut else_body = None;
        loop {
            let i = self.pos;
            let nl = self.line_end(i);
            match self.tok_at(i) {
                Some(Tok::Kw("elif")) => {
                    let (cond, colon) = self.cond(i, nl);
                    let body = self.suite(colon, nl);
                    branches.push((cond, body));
                }
                Some(Tok::Kw("else")) => {
                    let colon = self.bare_header(i, nl);
                    else_body = Some(self.suite(colon, nl));
                    break;
                }
                _ => break,
            }
        }
        Stmt {
            kind: StmtKind::If {
                branches,
                else_body,
                comptime,
            },
            span: self.span_from(start),
        }
    }

    /// An optional `else:` clause after a loop.
    fn loop_else(&mut self) -> Option<Vec<Stmt>> {
        let i = self.pos;
        if self.tok_at(i) != Some(&Tok::Kw("else")) {
            return None;
        }
        let nl = self.line_end(i);
        let colon = self.bare_header(i, nl);
        Some(self.suite(colon, nl))
    }

    fn while_stmt(&mut self, start: usize, nl: usize) -> Stmt {
        let (cond, colon) = self.cond(start, nl);
        let body = self.suite(colon, nl);
        let else_body = self.loop_else();
        Stmt {
            kind: StmtKind::While {
                cond,
                body,
                else_body,
            },
            span: self.span_from(start),
        }
    }

    fn for_stmt(&mut self, start: usize, kw_idx: usize, nl: usize, comptime: bool) -> Stmt {
        let p = self.p.for_header.clone();
        let (h, colon) = self.header(&p, kw_idx, nl);
        let (mut target, iter, owned) = h.unwrap_or_else(|| {
            let s = self.span_at(kw_idx + 1);
            (error_expr(s), error_expr(s), false)
        });
        let mut body = self.suite(colon, nl);
        // `for var x in xs:` is `for $x in xs: var x = $x.copy(); ...`: `x` is the body's
        // own mutable copy of the element. (Over `xs^` the loop variable owns each
        // element already: no copy.)
        if owned
            && !matches!(iter.kind, ExprKind::Transfer(_))
            && let ExprKind::Name(n) = &target.kind
        {
            let span = target.span;
            let hidden = format!("$for_var_{n}");
            let name = Ident {
                name: n.clone(),
                span,
            };
            let copy = Expr {
                kind: ExprKind::Call {
                    func: Box::new(Expr {
                        kind: ExprKind::Attr {
                            base: Box::new(Expr {
                                kind: ExprKind::Name(hidden.clone()),
                                span,
                            }),
                            name: Ident {
                                name: "copy".into(),
                                span,
                            },
                        },
                        span,
                    }),
                    args: Vec::new(),
                },
                span,
            };
            body.insert(
                0,
                Stmt {
                    kind: StmtKind::Var {
                        name,
                        ty: None,
                        value: Some(copy),
                        is_ref: false,
                    },
                    span,
                },
            );
            target = Expr {
                kind: ExprKind::Name(hidden),
                span,
            };
        }
        let else_body = self.loop_else();
        Stmt {
            kind: StmtKind::For {
                target,
                iter,
                body,
                else_body,
                comptime,
            },
            span: self.span_from(start),
        }
    }

    fn try_stmt(&mut self, start: usize, nl: usize) -> Stmt {
        let colon = self.bare_header(start, nl);
        let body = self.suite(colon, nl);
        let mut handlers = Vec::new();
        let mut else_body = None;
        let mut finally_body = None;
        loop {
            let i = self.pos;
            let nl = self.line_end(i);
            match self.tok_at(i) {
                Some(Tok::Kw("except")) if else_body.is_none() => {
                    let p = self.p.except_header.clone();
                    let (h, colon) = self.header(&p, i, nl);
                    let body = self.suite(colon, nl);
                    let (ty, name) = h.unwrap_or((None, None));
                    handlers.push(ExceptHandler {
                        ty,
                        name,
                        body,
                        span: self.span_from(i),
                    });
                }
                Some(Tok::Kw("else")) if !handlers.is_empty() && else_body.is_none() => {
                    let colon = self.bare_header(i, nl);
                    else_body = Some(self.suite(colon, nl));
                }
                Some(Tok::Kw("finally")) => {
                    let colon = self.bare_header(i, nl);
                    finally_body = Some(self.suite(colon, nl));
                    break;
                }
                _ => break,
            }
        }
        if handlers.is_empty() && finally_body.is_none() {
            let at = self.span_at(self.pos);
            self.diags.push(
                Diag::error(
                    "E0001",
                    "expected `except` or `finally` after the `try` block",
                    Span::new(at.start as usize, at.start as usize),
                )
                .with_label(self.span_at(start), "this `try`"),
            );
        }
        Stmt {
            kind: StmtKind::Try {
                body,
                handlers,
                else_body,
                finally_body,
            },
            span: self.span_from(start),
        }
    }

    fn with_stmt(&mut self, start: usize, nl: usize) -> Stmt {
        let p = self.p.with_header.clone();
        let (items, colon) = self.header(&p, start, nl);
        let body = self.suite(colon, nl);
        let span = self.span_from(start);
        match items {
            Some(items) => Stmt {
                kind: StmtKind::With { items, body },
                span,
            },
            None => Stmt {
                kind: StmtKind::Error,
                span,
            },
        }
    }

    fn match_stmt(&mut self, start: usize, nl: usize) -> Stmt {
        let p = self.p.e.exprs.clone();
        let (subject, colon) = self.header(&p, start, nl);
        let subject = subject.unwrap_or_else(|| error_expr(self.span_at(start + 1)));
        self.pos = (nl + 1).min(self.toks.len());
        let mut arms = Vec::new();
        if self.peek() != Some(&Tok::Indent) {
            let at = colon.map_or(self.span_at(nl), |c| self.span_at(c));
            self.error("E0003", "expected an indented block of `case` clauses", at);
            return Stmt {
                kind: StmtKind::Match { subject, arms },
                span: self.span_from(start),
            };
        }
        self.pos += 1;
        while let Some(t) = self.peek() {
            match t {
                Tok::Dedent => {
                    self.pos += 1;
                    break;
                }
                Tok::Name(n) if n == "case" => {
                    let i = self.pos;
                    let nl = self.line_end(i);
                    let p = self.p.case_header.clone();
                    let (h, colon) = self.header(&p, i, nl);
                    let body = self.suite(colon, nl);
                    let (pattern, guard) =
                        h.unwrap_or_else(|| (error_expr(self.span_at(i + 1)), None));
                    arms.push(MatchArm {
                        pattern,
                        guard,
                        body,
                        span: self.span_from(i),
                    });
                }
                _ => {
                    let at = self.span_at(self.pos);
                    let found = errors::describe_at(self.toks, self.pos, self.text);
                    self.error("E0001", format!("expected `case`, found {found}"), at);
                    let mut discard = Vec::new();
                    self.stmt(&mut discard);
                }
            }
        }
        Stmt {
            kind: StmtKind::Match { subject, arms },
            span: self.span_from(start),
        }
    }
}
