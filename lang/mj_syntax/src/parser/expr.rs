//! chumsky parsers for expressions, with Python's precedence ladder written out as one
//! fold per level (clearer than a Pratt table, and every level is a reusable entry point:
//! `for` targets stop above comparisons, `case` patterns stop below `if`).

use chumsky::prelude::*;

use super::{Ex, In, P, mk, sp};
use crate::Span;
use crate::ast::*;
use crate::lexer::Tok;

pub(crate) fn op<'a>(s: &'static str) -> impl Parser<'a, In<'a>, Tok, Ex<'a>> + Clone {
    just(Tok::Op(s))
}

pub(crate) fn kw<'a>(s: &'static str) -> impl Parser<'a, In<'a>, Tok, Ex<'a>> + Clone {
    just(Tok::Kw(s))
}

pub(crate) fn ident<'a>() -> impl Parser<'a, In<'a>, Ident, Ex<'a>> + Clone {
    select! { Tok::Name(n) => n }
        .map_with(|name, e| Ident {
            name,
            span: sp(e.span()),
        })
        .labelled("identifier")
}

fn bin(op: BinOp, lhs: Expr, rhs: Expr) -> Expr {
    let span = lhs.span.to(rhs.span);
    Expr {
        kind: ExprKind::Binary {
            op,
            lhs: Box::new(lhs),
            rhs: Box::new(rhs),
        },
        span,
    }
}

/// One left-associative binary precedence level.
fn level<'a>(
    lower: P<'a, Expr>,
    ops: impl Parser<'a, In<'a>, BinOp, Ex<'a>> + Clone + 'a,
) -> P<'a, Expr> {
    lower
        .clone()
        .foldl(ops.then(lower).repeated(), |l, (o, r)| bin(o, l, r))
        .boxed()
}

/// `item, item, ...` with an optional trailing comma; one item without a comma is itself,
/// anything else is a (bare) tuple spanning the list.
pub(crate) fn tuple_or_single<'a>(item: P<'a, Expr>) -> P<'a, Expr> {
    item.clone()
        .then(op(",").ignore_then(item).repeated().collect::<Vec<_>>())
        .then(op(",").or_not())
        .map_with(|((first, rest), comma), e| {
            if rest.is_empty() && comma.is_none() {
                first
            } else {
                let mut items = vec![first];
                items.extend(rest);
                mk(ExprKind::Tuple(items), e.span())
            }
        })
        .boxed()
}

/// Tokens that can begin an operand; `x^` is a transfer only when none of these follows.
fn operand_start<'a>() -> impl Parser<'a, In<'a>, (), Ex<'a>> + Clone {
    select! {
        Tok::Name(_) => (),
        Tok::Int(_) => (),
        Tok::Float(_) => (),
        Tok::Str(_) => (),
        Tok::FStr(_) => (),
        Tok::Kw("True" | "False" | "None" | "not" | "lambda" | "def" | "fn") => (),
        Tok::Op("(" | "[" | "{" | "-" | "+" | "~" | "...") => (),
    }
}

/// The expression entry points. `expr` owns the recursive parser graph: `or_test` and
/// `targets` are built inside `expr`'s [`recursive`] closure and reach back to it through a
/// weak handle, so they may only be used while this struct (or a clone of `expr`) is alive.
/// `StmtParsers` keeps it alongside everything it builds from it.
pub(crate) struct ExprParsers<'a> {
    /// A full expression (lambda, conditional), no bare tuple.
    pub expr: P<'a, Expr>,
    /// `or` level: no conditional expression (for `case` patterns with guards).
    pub or_test: P<'a, Expr>,
    /// Expressions with bare tuples: `return a, b`, `x = 1, 2`.
    pub exprs: P<'a, Expr>,
    /// Assignment-free `for` targets: `|`-level items, bare tuples allowed.
    pub targets: P<'a, Expr>,
}

/// Builds the expression grammar.
///
/// The grammar is mutually recursive (`expr` → atoms → `expr`; list comprehensions need the
/// `|` and `or` levels that are built on top of the atoms; `**` → unary → `**`). Each cycle
/// is closed with chumsky's [`recursive`], nested inside one another, whose handle refers to
/// its own parser weakly. `Recursive::declare`/`define` would instead hold strong `Rc`s in a
/// cycle, leaking the whole parser graph on every `parse` call (chumsky issue #486).
pub(crate) fn build<'a>() -> ExprParsers<'a> {
    let mut levels: Option<(P<'a, Expr>, P<'a, Expr>)> = None;
    let expr = recursive(|expr| {
        let expr_p: P<'a, Expr> = expr.boxed();
        let bor = recursive(|bor| atoms_to_bor(expr_p.clone(), bor.boxed())).boxed();
        let or_test = or_levels(bor.clone());
        let targets = tuple_or_single(bor);
        levels = Some((or_test.clone(), targets));
        expr_levels(expr_p, or_test)
    })
    .boxed();
    let (or_test, targets) = levels.expect("`recursive` calls its closure");
    ExprParsers {
        exprs: tuple_or_single(expr.clone()),
        expr,
        or_test,
        targets,
    }
}

/// Everything from atoms up to the `|` level. `expr_p` and `bor_slot` are (weak) handles on
/// the enclosing recursive parsers; the comprehension's `or` level is built here from
/// `bor_slot`, the same grammar as [`or_levels`] of the finished `|` level.
fn atoms_to_bor<'a>(expr_p: P<'a, Expr>, bor_slot: P<'a, Expr>) -> P<'a, Expr> {
    // Keyword (`name=value`) or positional argument.
    let arg = ident()
        .then_ignore(op("="))
        .then(expr_p.clone())
        .map(|(name, value)| {
            let span = name.span.to(value.span);
            Arg {
                name: Some(name),
                value,
                span,
            }
        })
        .or(expr_p.clone().map(|value| Arg {
            name: None,
            span: value.span,
            value,
        }))
        .boxed();
    let call_args = arg
        .clone()
        .separated_by(op(","))
        .allow_trailing()
        .collect::<Vec<_>>()
        .boxed();

    // Subscript items: slices `lo:hi:step` (each part optional) or arguments.
    // The first expression is parsed once and the `:` decides: re-parsing it on a failed
    // alternative would make nested subscripts exponential.
    let opt_expr = expr_p.clone().or_not();
    let slice_tail = op(":")
        .ignore_then(opt_expr.clone())
        .then(op(":").ignore_then(opt_expr.clone()).or_not());
    // `Type[*_]` unbinds every parameter, like `Type[...]`.
    let star_unbound = op("*")
        .ignore_then(select! { Tok::Name(n) if n == "_" => () })
        .map_with(|_, e| {
            let value = mk(ExprKind::Ellipsis, e.span());
            Arg {
                name: None,
                span: value.span,
                value,
            }
        });
    // `Tuple[*Ts]`: a type pack spread into the arguments, marked by the name `*` (no
    // keyword argument can have that name).
    let star_pack = op("*")
        .ignore_then(expr_p.clone())
        .map_with(|value, e| Arg {
            name: Some(Ident {
                name: "*".into(),
                span: sp(e.span()),
            }),
            span: sp(e.span()),
            value,
        });
    let sub_item = star_unbound.or(star_pack).or(ident()
        .then_ignore(op("="))
        .then(expr_p.clone())
        .map(|(name, value)| {
            let span = name.span.to(value.span);
            Arg {
                name: Some(name),
                value,
                span,
            }
        })
        .or(opt_expr
            .clone()
            .then(slice_tail.or_not())
            .try_map_with(|(lo, tail), e| {
                let value = match (lo, tail) {
                    (Some(v), None) => v,
                    (lo, Some((hi, step))) => mk(
                        ExprKind::Slice {
                            lo: lo.map(Box::new),
                            hi: hi.map(Box::new),
                            step: step.flatten().map(Box::new),
                        },
                        e.span(),
                    ),
                    (None, None) => return Err(Rich::custom(e.span(), "expected expression")),
                };
                Ok(Arg {
                    name: None,
                    span: value.span,
                    value,
                })
            })));
    // `p[]` (no arguments) dereferences a pointer.
    let sub_args = sub_item
        .separated_by(op(","))
        .allow_trailing()
        .at_least(1)
        .collect::<Vec<_>>()
        .or(op("]").rewind().to(Vec::new()));

    let literal = select! {
        Tok::Int(v) => ExprKind::Int(v),
        Tok::Float(v) => ExprKind::Float(v),
        Tok::Kw("True") => ExprKind::Bool(true),
        Tok::Kw("False") => ExprKind::Bool(false),
        Tok::Kw("None") => ExprKind::None,
        Tok::Op("...") => ExprKind::Ellipsis,
        Tok::Name(n) => ExprKind::Name(n),
        // Already reported by the lexer; an Error node avoids a second message.
        Tok::Error => ExprKind::Error,
    }
    .map_with(|k, e| mk(k, e.span()));

    // Adjacent string literals concatenate, as in Python.
    let strings = select! { t @ (Tok::Str(_) | Tok::FStr(_)) => t }
        .repeated()
        .at_least(1)
        .collect::<Vec<Tok>>()
        .map_with(|toks, e| mk(concat_strings(toks), e.span()));

    let paren = op("(")
        .ignore_then(
            expr_p
                .clone()
                .then(
                    op(",")
                        .ignore_then(expr_p.clone())
                        .repeated()
                        .collect::<Vec<_>>(),
                )
                .then(op(",").or_not())
                .or_not(),
        )
        .then_ignore(op(")"))
        .map_with(|inner, e| match inner {
            None => mk(ExprKind::Tuple(vec![]), e.span()),
            Some(((first, rest), comma)) => {
                if rest.is_empty() && comma.is_none() {
                    first
                } else {
                    let mut items = vec![first];
                    items.extend(rest);
                    mk(ExprKind::Tuple(items), e.span())
                }
            }
        });

    let targets = tuple_or_single(bor_slot.clone());
    let or_slot = or_levels(bor_slot);
    let clause = kw("for")
        .ignore_then(targets.clone())
        .then_ignore(kw("in"))
        .then(or_slot.clone())
        .then(kw("if").ignore_then(or_slot.clone()).or_not());
    // The first `for` clause, then any further ones (`CompFor`).
    let comp = clause.clone().then(
        clause
            .map(|((target, iter), cond)| CompFor { target, iter, cond })
            .repeated()
            .collect::<Vec<_>>(),
    );
    let rest_items = op(",")
        .ignore_then(expr_p.clone())
        .repeated()
        .collect::<Vec<_>>()
        .then_ignore(op(",").or_not());
    let list = op("[")
        .ignore_then(
            expr_p
                .clone()
                .then(comp.clone().map(Ok).or(rest_items.clone().map(Err)))
                .map(|(first, tail)| match tail {
                    Ok((((target, iter), cond), more)) => ExprKind::ListComp {
                        elt: Box::new(first),
                        target: Box::new(target),
                        iter: Box::new(iter),
                        cond: cond.map(Box::new),
                        more,
                    },
                    Err(rest) => ExprKind::List(std::iter::once(first).chain(rest).collect()),
                })
                .or_not()
                .map(|k| k.unwrap_or(ExprKind::List(vec![]))),
        )
        .then_ignore(op("]"))
        .map_with(|k, e| mk(k, e.span()));

    let dict_rest = op(",")
        .ignore_then(expr_p.clone().then_ignore(op(":")).then(expr_p.clone()))
        .repeated()
        .collect::<Vec<_>>()
        .then_ignore(op(",").or_not());
    // `{count = 4}`: an initializer list (keyword arguments of the expected type's
    // constructor).
    let init_list = op("{")
        .ignore_then(
            ident()
                .then_ignore(op("="))
                .then(expr_p.clone())
                .map_with(|(name, value), e| Arg {
                    name: Some(name),
                    value,
                    span: sp(e.span()),
                })
                .separated_by(op(","))
                .allow_trailing()
                .at_least(1)
                .collect::<Vec<_>>(),
        )
        .then_ignore(op("}"))
        .map_with(|args, e| mk(ExprKind::InitList(args), e.span()));
    let braces = op("{")
        .ignore_then(
            expr_p
                .clone()
                .then(
                    op(":")
                        .ignore_then(expr_p.clone())
                        .then(comp.clone().map(Ok).or(dict_rest.map(Err)))
                        .map(Ok)
                        .or(comp
                            .clone()
                            .map(Ok)
                            .or(rest_items.clone().map(Err))
                            .map(Err)),
                )
                .map(|(first, tail)| match tail {
                    Ok((value, Ok((((target, iter), cond), more)))) => ExprKind::DictComp {
                        key: Box::new(first),
                        value: Box::new(value),
                        target: Box::new(target),
                        iter: Box::new(iter),
                        cond: cond.map(Box::new),
                        more,
                    },
                    Ok((value, Err(rest))) => {
                        ExprKind::Dict(std::iter::once((first, value)).chain(rest).collect())
                    }
                    Err(Ok((((target, iter), cond), more))) => ExprKind::SetComp {
                        elt: Box::new(first),
                        target: Box::new(target),
                        iter: Box::new(iter),
                        cond: cond.map(Box::new),
                        more,
                    },
                    Err(Err(rest)) => ExprKind::Set(std::iter::once(first).chain(rest).collect()),
                })
                .or_not()
                .map(|k| k.unwrap_or(ExprKind::Dict(vec![]))),
        )
        .then_ignore(op("}"))
        .map_with(|k, e| mk(k, e.span()));

    // `def(Int, Float64) raises -> Int`
    // An argument convention in a function type (`def(var T) -> U`, `def(mut Int)`) is
    // accepted and not kept: a function value matches by its argument types.
    let conv_word = kw("var").ignored().or(select! {
        Tok::Name(n) if matches!(n.as_str(), "mut" | "read" | "imm" | "owned" | "inout" | "borrowed" | "ref" | "out" | "deinit") => ()
    });
    let marker =
        select! { Tok::Name(n) if n == "capturing" || n == "escaping" || n == "thin" => () }
            .then(
                expr_p
                    .clone()
                    .separated_by(op(","))
                    .collect::<Vec<_>>()
                    .delimited_by(op("["), op("]"))
                    .or_not(),
            )
            .ignored();
    let fn_type = kw("def")
        .or(kw("fn"))
        .ignore_then(
            conv_word
                .or_not()
                .ignore_then(expr_p.clone())
                .separated_by(op(","))
                .allow_trailing()
                .collect::<Vec<_>>()
                .delimited_by(op("("), op(")")),
        )
        // `capturing`, `capturing[_]`, `escaping`: closure markers of older Mojo code,
        // accepted and ignored, before or after `raises` (`fn() raises capturing -> None`
        // in Mojo's library); `thin` (a function without captures, which every function
        // value here is) likewise.
        .then_ignore(marker.clone().or_not())
        .then(kw("raises").or_not())
        .then_ignore(marker.or_not())
        .then(op("->").ignore_then(expr_p.clone()).or_not())
        .map_with(|((params, raises), ret), e| {
            mk(
                ExprKind::FnType {
                    params,
                    ret: ret.map(Box::new),
                    raises: raises.is_some(),
                },
                e.span(),
            )
        });

    let recover = |open: &'static str, close: &'static str, others: [(Tok, Tok); 2]| {
        via_parser(nested_delimiters(
            Tok::Op(open),
            Tok::Op(close),
            others,
            |s| mk(ExprKind::Error, s),
        ))
    };
    // `.float32`: an implicit member, Mojo's shorthand where the context expects a
    // `DType` (`SIMD[.float32, 4]`, `x.cast[.int8]()`); it means `DType.float32`.
    let implicit_member = op(".").ignore_then(ident()).map_with(|name, e| {
        let dot = sp(e.span());
        let base = Expr {
            kind: ExprKind::Name("DType".into()),
            span: Span::new(dot.start as usize, dot.start as usize + 1),
        };
        mk(
            ExprKind::Attr {
                base: Box::new(base),
                name,
            },
            e.span(),
        )
    });
    let atom = choice((
        literal,
        strings,
        paren,
        list,
        init_list,
        braces,
        fn_type,
        implicit_member,
    ))
    .recover_with(recover(
        "(",
        ")",
        [(Tok::Op("["), Tok::Op("]")), (Tok::Op("{"), Tok::Op("}"))],
    ))
    .recover_with(recover(
        "[",
        "]",
        [(Tok::Op("("), Tok::Op(")")), (Tok::Op("{"), Tok::Op("}"))],
    ))
    .recover_with(recover(
        "{",
        "}",
        [(Tok::Op("("), Tok::Op(")")), (Tok::Op("["), Tok::Op("]"))],
    ))
    .labelled("expression")
    .boxed();

    #[derive(Clone)]
    enum Post {
        Call(Vec<Arg>),
        Index(Vec<Arg>),
        Attr(Ident),
        Transfer,
    }
    let err_args = |s: SimpleSpan| {
        vec![Arg {
            name: None,
            value: mk(ExprKind::Error, s),
            span: sp(s),
        }]
    };
    let postfix_op = choice((
        call_args
            .clone()
            .delimited_by(op("("), op(")"))
            .recover_with(via_parser(nested_delimiters(
                Tok::Op("("),
                Tok::Op(")"),
                [(Tok::Op("["), Tok::Op("]")), (Tok::Op("{"), Tok::Op("}"))],
                err_args,
            )))
            .map(Post::Call),
        sub_args
            .delimited_by(op("["), op("]"))
            .recover_with(via_parser(nested_delimiters(
                Tok::Op("["),
                Tok::Op("]"),
                [(Tok::Op("("), Tok::Op(")")), (Tok::Op("{"), Tok::Op("}"))],
                err_args,
            )))
            .map(Post::Index),
        op(".")
            .ignore_then(
                select! {
                    Tok::Name(n) => n,
                    Tok::Kw(k) => k.to_string(),
                }
                .labelled("attribute name"),
            )
            .map_with(|name, e| {
                Post::Attr(Ident {
                    name,
                    span: sp(e.span()),
                })
            }),
        op("^")
            .then(operand_start().not().rewind())
            .to(Post::Transfer),
    ))
    .map_with(|p, e| (p, e.span()));
    let postfix = atom
        .foldl(
            postfix_op.repeated(),
            |base, (post, s): (Post, SimpleSpan)| {
                let span = base.span.to(sp(s));
                let b = Box::new(base);
                let kind = match post {
                    Post::Call(args) => ExprKind::Call { func: b, args },
                    Post::Index(args) => ExprKind::Index { base: b, args },
                    Post::Attr(name) => ExprKind::Attr { base: b, name },
                    Post::Transfer => ExprKind::Transfer(b),
                };
                Expr { kind, span }
            },
        )
        .boxed();

    // `**` binds tighter than a unary operator on its left, looser than one on its right:
    // `-2**2 == -(2**2)`, `2**-1 == 2**(-1)`.
    let unary = recursive(|unary| {
        let power = postfix
            .clone()
            .then(op("**").ignore_then(unary).or_not())
            .map(|(l, r)| match r {
                Some(r) => bin(BinOp::Pow, l, r),
                None => l,
            })
            .boxed();
        let unop = select! {
            Tok::Op("-") => UnOp::Neg,
            Tok::Op("+") => UnOp::Pos,
            Tok::Op("~") => UnOp::Invert,
        };
        unop.map_with(|o, e| (o, sp(e.span())))
            .repeated()
            .foldr(power, |(op, s), inner: Expr| {
                let span = s.to(inner.span);
                Expr {
                    kind: ExprKind::Unary {
                        op,
                        expr: Box::new(inner),
                    },
                    span,
                }
            })
    })
    .boxed();

    let term = level(
        unary,
        select! {
            Tok::Op("*") => BinOp::Mul,
            Tok::Op("/") => BinOp::Div,
            Tok::Op("//") => BinOp::FloorDiv,
            Tok::Op("%") => BinOp::Mod,
            Tok::Op("@") => BinOp::MatMul,
        },
    );
    let arith = level(
        term,
        select! { Tok::Op("+") => BinOp::Add, Tok::Op("-") => BinOp::Sub },
    );
    let shift = level(
        arith,
        select! { Tok::Op("<<") => BinOp::Shl, Tok::Op(">>") => BinOp::Shr },
    );
    let band = level(shift, op("&").to(BinOp::BitAnd));
    // A `^` that is a transfer was already taken by the postfix level; the rest is xor.
    let bxor = level(band, op("^").to(BinOp::BitXor));
    level(bxor, op("|").to(BinOp::BitOr))
}

/// Comparisons, `not`, `and` and `or` on top of the `|` level.
fn or_levels<'a>(bor: P<'a, Expr>) -> P<'a, Expr> {
    let cmp_op = choice((
        select! {
            Tok::Op("==") => CmpOp::Eq,
            Tok::Op("!=") => CmpOp::Ne,
            Tok::Op("<") => CmpOp::Lt,
            Tok::Op("<=") => CmpOp::Le,
            Tok::Op(">") => CmpOp::Gt,
            Tok::Op(">=") => CmpOp::Ge,
            Tok::Kw("in") => CmpOp::In,
        },
        kw("not").then(kw("in")).to(CmpOp::NotIn),
        kw("is").then(kw("not")).to(CmpOp::IsNot),
        kw("is").to(CmpOp::Is),
    ));
    let comparison = bor
        .clone()
        .then(cmp_op.then(bor).repeated().collect::<Vec<_>>())
        .map(|(first, rest)| {
            if rest.is_empty() {
                first
            } else {
                let span = rest.iter().fold(first.span, |s, (_, e)| s.to(e.span));
                Expr {
                    kind: ExprKind::Compare {
                        first: Box::new(first),
                        rest,
                    },
                    span,
                }
            }
        })
        .boxed();
    let not_test = kw("not")
        .map_with(|_, e| sp(e.span()))
        .repeated()
        .foldr(comparison, |s: Span, inner: Expr| {
            let span = s.to(inner.span);
            Expr {
                kind: ExprKind::Unary {
                    op: UnOp::Not,
                    expr: Box::new(inner),
                },
                span,
            }
        })
        .boxed();
    let and_test = level(not_test, kw("and").to(BinOp::And));
    level(and_test, kw("or").to(BinOp::Or))
}

/// The conditional expression and `lambda` on top of the `or` level: a full expression.
fn expr_levels<'a>(
    expr_p: P<'a, Expr>,
    or_test: P<'a, Expr>,
) -> impl Parser<'a, In<'a>, Expr, Ex<'a>> + Clone {
    let if_exp = or_test
        .clone()
        .then(
            kw("if")
                .ignore_then(or_test.clone())
                .then_ignore(kw("else"))
                .then(expr_p.clone())
                .or_not(),
        )
        .map(|(then, rest)| match rest {
            None => then,
            Some((cond, otherwise)) => {
                let span = then.span.to(otherwise.span);
                Expr {
                    kind: ExprKind::IfExp {
                        cond: Box::new(cond),
                        then: Box::new(then),
                        otherwise: Box::new(otherwise),
                    },
                    span,
                }
            }
        });
    let lambda = kw("lambda")
        .ignore_then(
            ident()
                .separated_by(op(","))
                .allow_trailing()
                .collect::<Vec<_>>(),
        )
        .then_ignore(op(":"))
        .then(expr_p.clone())
        .map_with(|(params, body), e| {
            mk(
                ExprKind::Lambda {
                    params,
                    body: Box::new(body),
                },
                e.span(),
            )
        });
    lambda.or(if_exp).labelled("expression")
}

/// Joins adjacent string tokens: plain strings stay a `Str`; any f-string makes the whole
/// run an `FString` with the plain pieces as literal parts.
fn concat_strings(toks: Vec<Tok>) -> ExprKind {
    if toks.iter().all(|t| matches!(t, Tok::Str(_))) {
        let mut s = String::new();
        for t in toks {
            if let Tok::Str(x) = t {
                s.push_str(&x);
            }
        }
        return ExprKind::Str(s);
    }
    let mut parts: Vec<FStringPart> = Vec::new();
    for t in toks {
        let new = match t {
            Tok::Str(s) => vec![FStringPart::Lit(s)],
            Tok::FStr(p) => p,
            _ => vec![],
        };
        for p in new {
            match (parts.last_mut(), p) {
                (Some(FStringPart::Lit(a)), FStringPart::Lit(b)) => a.push_str(&b),
                (_, p) => parts.push(p),
            }
        }
    }
    ExprKind::FString(parts)
}
