//! chumsky parsers for one logical line: simple statements and the parts of compound
//! statement headers. The block structure around them is the driver's job (`mod.rs`).

use chumsky::prelude::*;

use super::expr::{ExprParsers, ident, kw, op, tuple_or_single};
use super::{P, sp};
use crate::ast::*;
use crate::lexer::Tok;

/// `def`/`fn` header after the keyword, without the trailing `:`.
pub(crate) struct DefHeader {
    pub name: Ident,
    pub params: Vec<GenericParam>,
    pub args: Vec<Param>,
    pub raises: bool,
    pub raises_ty: Option<Expr>,
    pub ret: Option<Expr>,
    pub where_clause: Option<Expr>,
    pub ret_ref: bool,
    pub captures: Option<Vec<Capture>>,
}

/// `struct`/`trait` header after the keyword, without the trailing `:`.
pub(crate) struct TypeHeader {
    pub name: Ident,
    pub params: Vec<GenericParam>,
    pub bases: Vec<Expr>,
    pub bases_where: Vec<Option<Expr>>,
}

pub(crate) struct StmtParsers<'a> {
    pub e: ExprParsers<'a>,
    /// A whole line of `;`-separated simple statements.
    pub simple: P<'a, Vec<Stmt>>,
    pub def_header: P<'a, DefHeader>,
    pub type_header: P<'a, TypeHeader>,
    /// `for` header between the keyword and `:`: `targets in iter`.
    pub for_header: P<'a, (Expr, Expr, bool)>,
    /// `except` header between the keyword and `:`.
    pub except_header: P<'a, (Option<Expr>, Option<Ident>)>,
    /// `case` header between the keyword and `:`: pattern and guard.
    pub case_header: P<'a, (Expr, Option<Expr>)>,
    /// `@decorator` line.
    pub decorator: P<'a, Expr>,
    /// `with` header between the keyword and `:`: context expressions with optional names.
    pub with_header: P<'a, Vec<(Expr, Option<Ident>)>>,
}

const CONVENTIONS: &[(&str, Convention)] = &[
    ("read", Convention::Read),
    // `imm` is the spelling capture lists use; as an argument convention it is `read`.
    ("imm", Convention::Read),
    ("mut", Convention::Mut),
    ("out", Convention::Out),
    ("deinit", Convention::Deinit),
    ("owned", Convention::Owned),
    ("inout", Convention::Inout),
    ("borrowed", Convention::Borrowed),
    ("ref", Convention::Ref),
];

pub(crate) fn build<'a>(e: ExprParsers<'a>) -> StmtParsers<'a> {
    let expr = e.expr.clone();
    let exprs = e.exprs.clone();

    let gparams = generic_params(&expr);

    let convention = select! {
        Tok::Kw("var") => Convention::Var,
        Tok::Name(n) if CONVENTIONS.iter().any(|(c, _)| *c == n) =>
            CONVENTIONS.iter().find(|(c, _)| *c == n).map_or(Convention::Default, |(_, v)| *v),
    };
    // `ref[origin, ...]`: the origin list of a `ref` argument or result (accepted, not kept).
    let origins = expr
        .clone()
        .separated_by(op(","))
        .allow_trailing()
        .collect::<Vec<_>>()
        .delimited_by(op("["), op("]"))
        .ignored()
        .boxed();
    let annot = op(":").ignore_then(expr.clone()).or_not();
    let default = op("=").ignore_then(expr.clone()).or_not();
    let sep_ident = |s: &'static str| {
        op(s).map_with(move |_, x| Ident {
            name: s.to_string(),
            span: sp(x.span()),
        })
    };
    let param = choice((
        op("**")
            .ignore_then(ident())
            .then(annot.clone())
            .map(|(n, t)| (Convention::Default, ParamKind::KwArgs, n, t, None)),
        // `*values: T`, and `var *values: T` (owned elements).
        convention
            .or_not()
            .then_ignore(op("*"))
            .then(ident())
            // `*args: *Ts`: the star before a pack's name is dropped.
            .then(
                op(":")
                    .ignore_then(op("*").or_not().ignore_then(expr.clone()))
                    .or_not(),
            )
            .map(|((c, n), t)| {
                let c = c.unwrap_or(Convention::Default);
                (c, ParamKind::VarArgs, n, t, None)
            }),
        sep_ident("*").map(|n| (Convention::Default, ParamKind::Separator, n, None, None)),
        sep_ident("/").map(|n| (Convention::Default, ParamKind::Separator, n, None, None)),
        // A convention word is only a convention when a name follows (`out: Int` is a name).
        convention
            .then_ignore(origins.clone().or_not())
            .then(ident())
            .or(ident().map(|n| (Convention::Default, n)))
            .then(annot.clone())
            .then(default.clone())
            .map(|(((c, n), t), d)| (c, ParamKind::Normal, n, t, d)),
    ))
    .map_with(|(convention, kind, name, ty, default), x| Param {
        convention,
        kind,
        name,
        ty,
        default,
        span: sp(x.span()),
    });
    let params = param
        .separated_by(op(","))
        .allow_trailing()
        .collect::<Vec<_>>()
        .delimited_by(op("("), op(")"));

    // `capturing` (optionally `capturing[_]`) marks a closure in older Mojo code; closures
    // capture by reference anyway, so it is accepted and ignored.
    let capturing = select! { Tok::Name(n) if n == "capturing" => () }
        .then(
            expr.clone()
                .separated_by(op(","))
                .collect::<Vec<_>>()
                .delimited_by(op("["), op("]"))
                .or_not(),
        )
        .ignored();
    let where_kw = select! { Tok::Name(n) if n == "where" => () };
    // A closure's capture list: `{imm a, mut b, var c, var d^, e}`, `{mut}`, `{var^}`, `{}`
    // (`read a` is Mojo 1.0's spelling of `imm a`).
    let capture_kind = choice((
        select! { Tok::Name(n) if n == "imm" || n == "read" => CaptureKind::Imm },
        select! { Tok::Name(n) if n == "mut" => CaptureKind::Mut },
        select! { Tok::Name(n) if n == "ref" => CaptureKind::Ref },
        kw("var").to(CaptureKind::Var),
    ));
    // A convention with an optional name, or a bare name (`imm`); never empty.
    let capture = choice((
        capture_kind.map(Some).then(ident().or_not()),
        ident().map(|n| (None, Some(n))),
    ))
    .then(op("^").or_not())
    .try_map(|((kind, name), moved), span| {
        let kind = match (kind.unwrap_or(CaptureKind::Imm), moved.is_some()) {
            (CaptureKind::Var, true) => CaptureKind::VarMove,
            (k, false) => k,
            (_, true) => {
                return Err(Rich::custom(
                    span,
                    "`^` moves a value into the closure only with `var` (`var x^`)",
                ));
            }
        };
        Ok(Capture {
            kind,
            name,
            span: sp(span),
        })
    });
    let capture_list = capture
        .separated_by(op(","))
        .allow_trailing()
        .collect::<Vec<_>>()
        .delimited_by(op("{"), op("}"));
    let def_header = ident()
        .then(gparams.clone().or_not())
        .then(params)
        .then_ignore(capturing.or_not())
        .then(capture_list.or_not())
        // `raises T` (a typed error); `raises where ...` has no type.
        .then(
            kw("raises")
                .ignore_then(expr.clone().and_is(where_kw.not()).or_not())
                .or_not(),
        )
        .then(
            op("->")
                .ignore_then(
                    select! { Tok::Name(n) if n == "ref" => () }
                        .then_ignore(origins.clone().or_not())
                        .or_not(),
                )
                .then(expr.clone())
                .or_not(),
        )
        .then(where_kw.ignore_then(expr.clone()).or_not())
        .map(
            |((((((name, params), args), captures), raises), ret), where_clause)| DefHeader {
                name,
                params: params.unwrap_or_default(),
                args,
                captures,
                raises: raises.is_some(),
                raises_ty: raises.flatten(),
                ret_ref: ret.as_ref().is_some_and(|(r, _)| r.is_some()),
                ret: ret.map(|(_, t)| t),
                where_clause,
            },
        )
        .boxed();

    // `Writable where conforms_to(T, Writable)`: a conditional conformance.
    let bases = expr
        .clone()
        .then(where_kw.ignore_then(expr.clone()).or_not())
        .separated_by(op(","))
        .allow_trailing()
        .collect::<Vec<_>>()
        .delimited_by(op("("), op(")"));
    let type_header = ident()
        .then(gparams.clone().or_not())
        .then(bases.or_not())
        .map(|((name, params), bases)| {
            let (bases, bases_where) = bases.unwrap_or_default().into_iter().unzip();
            TypeHeader {
                name,
                params: params.unwrap_or_default(),
                bases,
                bases_where,
            }
        })
        .boxed();

    // `for ref x in xs:` binds references; loop variables over lists already do, so the
    // soft keyword is accepted and dropped (`for ref in refs:` still names a variable).
    // `for var x in xs:` binds an owned copy of each element (`ForTarget::owned`).
    let ref_kw = select! { Tok::Name(n) if n == "ref" => () };
    let for_header = ref_kw
        .ignore_then(e.targets.clone())
        .map(|t| (t, false))
        .or(kw("var").ignore_then(ident()).map_with(|n, x| {
            (
                Expr {
                    kind: ExprKind::Name(n.name),
                    span: sp(x.span()),
                },
                true,
            )
        }))
        .or(e.targets.clone().map(|t| (t, false)))
        .then_ignore(kw("in"))
        .then(exprs.clone())
        .map(|((t, owned), iter)| (t, iter, owned))
        .boxed();
    let except_header = expr
        .clone()
        .then(kw("as").ignore_then(ident()).or_not())
        .or_not()
        .map(|h| match h {
            None => (None, None),
            // Mojo's `except e:` binds the error; a capitalised bare name is a type.
            Some((
                Expr {
                    kind: ExprKind::Name(n),
                    span,
                },
                None,
            )) if !n.starts_with(|c: char| c.is_uppercase()) => {
                (None, Some(Ident { name: n, span }))
            }
            Some((ty, name)) => (Some(ty), name),
        })
        .boxed();
    let case_header = tuple_or_single(e.or_test.clone())
        .then(kw("if").ignore_then(expr.clone()).or_not())
        .boxed();
    let decorator = op("@").ignore_then(expr.clone()).boxed();
    let with_header = expr
        .clone()
        .then(kw("as").ignore_then(ident()).or_not())
        .separated_by(op(","))
        .at_least(1)
        .collect::<Vec<_>>()
        .boxed();

    let simple = simple_stmt(&e)
        .separated_by(op(";"))
        .allow_trailing()
        .at_least(1)
        .collect::<Vec<_>>()
        .boxed();

    StmtParsers {
        e,
        simple,
        def_header,
        type_header,
        for_header,
        except_header,
        case_header,
        decorator,
        with_header,
    }
}

/// `[T: Bound, n: Int = 4, //, ...]`: compile-time parameters with their markers.
fn generic_params<'a>(expr: &P<'a, Expr>) -> P<'a, Vec<GenericParam>> {
    // `*Ts: Writable` is a variadic parameter; a bare `*` is the keyword-only marker.
    let gparam = op("*")
        .or_not()
        .then(ident())
        .then(op(":").ignore_then(expr.clone()).or_not())
        .then(op("=").ignore_then(expr.clone()).or_not())
        .map_with(|(((star, name), ty), default), x| GenericParam {
            name,
            ty,
            default,
            mode: ParamMode::Normal,
            variadic: star.is_some(),
            span: sp(x.span()),
        })
        .map(Ok)
        // Mojo's infer-only (`//`), positional-only (`/`) and keyword-only (`*`) markers
        // set the `mode` of the parameters around them.
        .or(choice((op("//").to("//"), op("/").to("/"), op("*").to("*"))).map(Err));
    gparam
        .separated_by(op(","))
        .allow_trailing()
        .collect::<Vec<_>>()
        .delimited_by(op("["), op("]"))
        .map(apply_param_markers)
        .boxed()
}

fn simple_stmt<'a>(e: &ExprParsers<'a>) -> P<'a, Stmt> {
    let expr = e.expr.clone();
    let exprs = e.exprs.clone();
    let annot = op(":").ignore_then(expr.clone()).or_not();

    let assert_tail = expr
        .clone()
        .then(op(",").ignore_then(expr.clone()).or_not());
    // `comptime Element: Movable` without a value declares a trait's associated
    // compile-time member; the value is then `...` (the checker rejects it elsewhere).
    let comptime_def = ident()
        .then(generic_params(&expr).or_not())
        .then(annot.clone())
        .then(op("=").ignore_then(exprs.clone()).or_not())
        .map_with(|(((name, params), ty), value), x| StmtKind::Comptime {
            name,
            params: params.unwrap_or_default(),
            ty,
            value: value.unwrap_or(Expr {
                kind: ExprKind::Ellipsis,
                span: sp(x.span()),
            }),
        });

    let dotted = ident()
        .separated_by(op("."))
        .at_least(1)
        .collect::<Vec<_>>();
    let import = kw("import")
        .ignore_then(dotted.clone())
        .then(kw("as").ignore_then(ident()).or_not())
        .map(|(path, alias)| StmtKind::Import { path, alias });
    let dots = select! { Tok::Op(".") => 1u32, Tok::Op("...") => 3u32 }
        .repeated()
        .collect::<Vec<_>>();
    let name_as = ident().then(kw("as").ignore_then(ident()).or_not());
    let names = name_as
        .clone()
        .separated_by(op(","))
        .at_least(1)
        .collect::<Vec<_>>();
    let paren_names = name_as
        .separated_by(op(","))
        .allow_trailing()
        .at_least(1)
        .collect::<Vec<_>>()
        .delimited_by(op("("), op(")"));
    let from_import = kw("from")
        .ignore_then(dots)
        .then(dotted.or_not())
        .then_ignore(kw("import"))
        .then(op("*").to(None).or(paren_names.or(names).map(Some)))
        .try_map(|((dots, module), names), span| {
            let level = dots.iter().sum();
            let module = module.unwrap_or_default();
            if level == 0 && module.is_empty() {
                return Err(Rich::custom(span, "expected a module name after `from`"));
            }
            Ok(StmtKind::FromImport {
                level,
                module,
                star: names.is_none(),
                names: names.unwrap_or_default(),
            })
        });

    let aug_op = select! {
        Tok::Op("+=") => BinOp::Add,
        Tok::Op("-=") => BinOp::Sub,
        Tok::Op("*=") => BinOp::Mul,
        Tok::Op("/=") => BinOp::Div,
        Tok::Op("//=") => BinOp::FloorDiv,
        Tok::Op("%=") => BinOp::Mod,
        Tok::Op("**=") => BinOp::Pow,
        Tok::Op("@=") => BinOp::MatMul,
        Tok::Op("&=") => BinOp::BitAnd,
        Tok::Op("|=") => BinOp::BitOr,
        Tok::Op("^=") => BinOp::BitXor,
        Tok::Op("<<=") => BinOp::Shl,
        Tok::Op(">>=") => BinOp::Shr,
    };
    enum Tail {
        Aug(BinOp, Expr),
        Assign(Vec<Expr>),
        None,
    }
    let expr_stmt = exprs
        .clone()
        .then(
            choice((
                aug_op.then(exprs.clone()).map(|(o, v)| Tail::Aug(o, v)),
                op("=")
                    .ignore_then(exprs.clone())
                    .repeated()
                    .at_least(1)
                    .collect::<Vec<_>>()
                    .map(Tail::Assign),
            ))
            .or_not(),
        )
        .map(|(first, tail)| match tail.unwrap_or(Tail::None) {
            Tail::None => StmtKind::Expr(first),
            Tail::Aug(op, value) => StmtKind::AugAssign {
                target: first,
                op,
                value,
            },
            Tail::Assign(mut rest) => {
                let value = rest.pop().unwrap_or_else(|| first.clone());
                let mut targets = vec![first];
                targets.extend(rest);
                StmtKind::Assign { targets, value }
            }
        });
    let ann_assign = ident()
        .then_ignore(op(":"))
        .then(expr.clone())
        .then(op("=").ignore_then(exprs.clone()).or_not())
        .map(|((target, ty), value)| StmtKind::AnnAssign { target, ty, value });

    choice((
        kw("pass").to(StmtKind::Pass),
        kw("break").to(StmtKind::Break),
        kw("continue").to(StmtKind::Continue),
        kw("return")
            .ignore_then(exprs.clone().or_not())
            .map(StmtKind::Return),
        kw("raise")
            .ignore_then(expr.clone().or_not())
            .map(StmtKind::Raise),
        kw("assert")
            .ignore_then(assert_tail.clone())
            .map(|(cond, msg)| StmtKind::Assert {
                cond,
                msg,
                comptime: false,
            }),
        kw("comptime")
            .ignore_then(kw("assert"))
            .ignore_then(assert_tail)
            .map(|(cond, msg)| StmtKind::Assert {
                cond,
                msg,
                comptime: true,
            }),
        kw("comptime").or(kw("alias")).ignore_then(comptime_def),
        // `var a, b = f()`: several new names unpacked from one value.
        kw("var")
            .ignore_then(
                ident()
                    .map_with(|i, x| Expr {
                        kind: ExprKind::Name(i.name),
                        span: sp(x.span()),
                    })
                    .separated_by(op(","))
                    .at_least(2)
                    .collect::<Vec<_>>()
                    .map_with(|names, x| Expr {
                        kind: ExprKind::Tuple(names),
                        span: sp(x.span()),
                    }),
            )
            .then_ignore(op("="))
            .then(exprs.clone())
            .map(|(target, value)| StmtKind::Assign {
                targets: vec![target],
                value,
            }),
        // `(var x) = e`, `(var a, var b) = e`: declarations in parentheses.
        kw("var")
            .ignore_then(ident())
            .map_with(|i, x| Expr {
                kind: ExprKind::Name(i.name),
                span: sp(x.span()),
            })
            .separated_by(op(","))
            .at_least(1)
            .allow_trailing()
            .collect::<Vec<_>>()
            .delimited_by(op("("), op(")"))
            .map_with(|mut names, x| {
                if names.len() == 1 {
                    names.remove(0)
                } else {
                    Expr {
                        kind: ExprKind::Tuple(names),
                        span: sp(x.span()),
                    }
                }
            })
            .then_ignore(op("="))
            .then(exprs.clone())
            .map(|(target, value)| match target.kind {
                ExprKind::Name(n) => StmtKind::Var {
                    name: Ident {
                        name: n,
                        span: target.span,
                    },
                    ty: None,
                    value: Some(value),
                    is_ref: false,
                },
                _ => StmtKind::Assign {
                    targets: vec![target],
                    value,
                },
            }),
        kw("var")
            .ignore_then(ident())
            .then(annot)
            .then(op("=").ignore_then(exprs.clone()).or_not())
            .map(|((name, ty), value)| StmtKind::Var {
                name,
                ty,
                value,
                is_ref: false,
            }),
        // `ref x = place`: a reference local (`ref = 1` still assigns a variable `ref`).
        select! { Tok::Name(n) if n == "ref" => () }
            .ignore_then(ident())
            .then_ignore(op("="))
            .then(exprs.clone())
            .map(|(name, value)| StmtKind::Var {
                name,
                ty: None,
                value: Some(value),
                is_ref: true,
            }),
        import,
        from_import,
        ann_assign,
        expr_stmt,
    ))
    .map_with(|kind, x| Stmt {
        kind,
        span: sp(x.span()),
    })
    .labelled("statement")
    .boxed()
}

/// Gives each parameter the mode its markers say: everything before `//` is infer-only,
/// before `/` positional-only, after `*` keyword-only.
fn apply_param_markers(items: Vec<Result<GenericParam, &'static str>>) -> Vec<GenericParam> {
    let infer_end = items.iter().position(|i| *i == Err("//"));
    let pos_end = items.iter().position(|i| *i == Err("/"));
    let kw_start = items.iter().position(|i| *i == Err("*"));
    let mut out = Vec::new();
    for (k, it) in items.into_iter().enumerate() {
        let Ok(mut p) = it else { continue };
        p.mode = if infer_end.is_some_and(|e| k < e) {
            ParamMode::InferOnly
        } else if pos_end.is_some_and(|e| k < e) {
            ParamMode::PosOnly
        } else if kw_start.is_some_and(|s| k > s) {
            ParamMode::KwOnly
        } else {
            ParamMode::Normal
        };
        out.push(p);
    }
    out
}
