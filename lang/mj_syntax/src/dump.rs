//! A stable, readable text dump of the AST (and of diagnostics), used by the parser
//! snapshot tests. Statements are one per line, indented by nesting; expressions are
//! S-expressions on one line. Spans are left out so fixtures survive unrelated edits;
//! diagnostics carry `line:col`.

use std::fmt::Write;

use crate::Diag;
use crate::ast::*;

pub fn dump(m: &Module) -> String {
    let mut d = Dumper {
        out: String::new(),
        depth: 0,
    };
    if let Some(doc) = &m.docstring {
        d.line(&format!("docstring {doc:?}"));
    }
    d.stmts(&m.body);
    d.out
}

/// One line per diagnostic: `line:col: error[CODE]: message (hint: ...)`.
pub fn dump_diags(text: &str, diags: &[Diag]) -> String {
    let mut out = String::new();
    for diag in diags {
        let (line, col) = line_col(text, diag.span.start as usize);
        let sev = if diag.is_error() { "error" } else { "warning" };
        let _ = write!(out, "{line}:{col}: {sev}[{}]: {}", diag.code, diag.message);
        if let Some(h) = &diag.hint {
            let _ = write!(out, " (hint: {h})");
        }
        out.push('\n');
    }
    out
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

struct Dumper {
    out: String,
    depth: usize,
}

impl Dumper {
    fn line(&mut self, s: &str) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
        self.out.push_str(s);
        self.out.push('\n');
    }

    fn block(&mut self, head: &str, body: &[Stmt]) {
        self.line(head);
        self.depth += 1;
        self.stmts(body);
        self.depth -= 1;
    }

    fn stmts(&mut self, body: &[Stmt]) {
        for s in body {
            self.stmt(s);
        }
    }

    fn decorators(&mut self, decorators: &[Decorator]) {
        for d in decorators {
            self.line(&format!("@{}", expr(&d.expr)));
        }
    }

    fn stmt(&mut self, s: &Stmt) {
        match &s.kind {
            StmtKind::Expr(e) => self.line(&format!("expr {}", expr(e))),
            StmtKind::Var {
                name,
                ty,
                value,
                is_ref,
            } => self.line(&format!(
                "{} {}{}{}",
                if *is_ref { "ref" } else { "var" },
                name.name,
                opt(" : ", ty),
                opt(" = ", value)
            )),
            StmtKind::Assign { targets, value } => {
                let t: Vec<String> = targets.iter().map(expr).collect();
                self.line(&format!("assign {} = {}", t.join(" = "), expr(value)))
            }
            StmtKind::AnnAssign { target, ty, value } => self.line(&format!(
                "annassign {} : {}{}",
                target.name,
                expr(ty),
                opt(" = ", value)
            )),
            StmtKind::AugAssign { target, op, value } => self.line(&format!(
                "augassign {} {}= {}",
                expr(target),
                op.symbol(),
                expr(value)
            )),
            StmtKind::Comptime {
                name,
                params,
                ty,
                value,
            } => self.line(&format!(
                "comptime {}{}{} = {}",
                name.name,
                gparams(params),
                opt(" : ", ty),
                expr(value)
            )),
            StmtKind::Assert {
                cond,
                msg,
                comptime,
            } => {
                let c = if *comptime { "comptime " } else { "" };
                self.line(&format!("{c}assert {}{}", expr(cond), opt(", ", msg)))
            }
            StmtKind::If {
                branches,
                else_body,
                comptime,
            } => {
                let c = if *comptime { "comptime " } else { "" };
                for (i, (cond, body)) in branches.iter().enumerate() {
                    let kw = if i == 0 { "if" } else { "elif" };
                    self.block(&format!("{c}{kw} {}", expr(cond)), body);
                }
                if let Some(b) = else_body {
                    self.block("else", b);
                }
            }
            StmtKind::While {
                cond,
                body,
                else_body,
            } => {
                self.block(&format!("while {}", expr(cond)), body);
                if let Some(b) = else_body {
                    self.block("else", b);
                }
            }
            StmtKind::For {
                target,
                iter,
                body,
                else_body,
                comptime,
            } => {
                let c = if *comptime { "comptime " } else { "" };
                self.block(&format!("{c}for {} in {}", expr(target), expr(iter)), body);
                if let Some(b) = else_body {
                    self.block("else", b);
                }
            }
            StmtKind::Break => self.line("break"),
            StmtKind::Continue => self.line("continue"),
            StmtKind::Pass => self.line("pass"),
            StmtKind::Return(e) => self.line(&format!("return{}", opt(" ", e))),
            StmtKind::Raise(e) => self.line(&format!("raise{}", opt(" ", e))),
            StmtKind::Try {
                body,
                handlers,
                else_body,
                finally_body,
            } => {
                self.block("try", body);
                for h in handlers {
                    let name = h
                        .name
                        .as_ref()
                        .map_or(String::new(), |n| format!(" as {}", n.name));
                    self.block(&format!("except{}{name}", opt(" ", &h.ty)), &h.body);
                }
                if let Some(b) = else_body {
                    self.block("else", b);
                }
                if let Some(b) = finally_body {
                    self.block("finally", b);
                }
            }
            StmtKind::Match { subject, arms } => {
                self.line(&format!("match {}", expr(subject)));
                self.depth += 1;
                for arm in arms {
                    self.block(
                        &format!("case {}{}", expr(&arm.pattern), opt(" if ", &arm.guard)),
                        &arm.body,
                    );
                }
                self.depth -= 1;
            }
            StmtKind::With { items, body } => {
                let items: Vec<String> = items
                    .iter()
                    .map(|(e, n)| match n {
                        Some(n) => format!("{} as {}", expr(e), n.name),
                        None => expr(e),
                    })
                    .collect();
                self.block(&format!("with {}", items.join(", ")), body);
            }
            StmtKind::Def(f) => self.def(f),
            StmtKind::Struct(st) => {
                self.decorators(&st.decorators);
                let bases: Vec<String> = st
                    .traits
                    .iter()
                    .zip(st.trait_where.iter().chain(std::iter::repeat(&None)))
                    .map(|(t, w)| format!("{}{}", expr(t), opt(" where ", w)))
                    .collect();
                self.line(&format!(
                    "struct {}{} ({})",
                    st.name.name,
                    gparams(&st.params),
                    bases.join(", ")
                ));
                self.depth += 1;
                if let Some(doc) = &st.docstring {
                    self.line(&format!("docstring {doc:?}"));
                }
                self.stmts(&st.body);
                self.depth -= 1;
            }
            StmtKind::Trait(t) => {
                self.decorators(&t.decorators);
                let bases: Vec<String> = t.parents.iter().map(expr).collect();
                self.line(&format!("trait {} ({})", t.name.name, bases.join(", ")));
                self.depth += 1;
                if let Some(doc) = &t.docstring {
                    self.line(&format!("docstring {doc:?}"));
                }
                self.stmts(&t.body);
                self.depth -= 1;
            }
            StmtKind::Import { path, alias } => {
                let alias = alias
                    .as_ref()
                    .map_or(String::new(), |a| format!(" as {}", a.name));
                self.line(&format!("import {}{alias}", dotted(path)))
            }
            StmtKind::FromImport {
                level,
                module,
                names,
                star,
            } => {
                let names: Vec<String> = names
                    .iter()
                    .map(|(n, a)| match a {
                        Some(a) => format!("{} as {}", n.name, a.name),
                        None => n.name.clone(),
                    })
                    .collect();
                let what = if *star {
                    "*".to_string()
                } else {
                    names.join(", ")
                };
                let dots = ".".repeat(*level as usize);
                self.line(&format!("from {dots}{} import {what}", dotted(module)))
            }
            StmtKind::Error => self.line("<error>"),
        }
    }

    fn def(&mut self, f: &FnDef) {
        self.decorators(&f.decorators);
        let kw = match f.keyword {
            DefKeyword::Def => "def",
            DefKeyword::Fn => "fn",
        };
        let args: Vec<String> = f.args.iter().map(param).collect();
        let raises = if f.raises { " raises" } else { "" };
        self.line(&format!(
            "{kw} {}{}({}){raises}{}{}",
            f.name.name,
            gparams(&f.params),
            args.join(", "),
            opt(" -> ", &f.ret),
            opt(" where ", &f.where_clause)
        ));
        self.depth += 1;
        if let Some(doc) = &f.docstring {
            self.line(&format!("docstring {doc:?}"));
        }
        self.stmts(&f.body);
        self.depth -= 1;
    }
}

fn dotted(path: &[Ident]) -> String {
    path.iter()
        .map(|i| i.name.as_str())
        .collect::<Vec<_>>()
        .join(".")
}

fn opt(prefix: &str, e: &Option<Expr>) -> String {
    e.as_ref()
        .map_or(String::new(), |e| format!("{prefix}{}", expr(e)))
}

fn gparams(ps: &[GenericParam]) -> String {
    if ps.is_empty() {
        return String::new();
    }
    let items: Vec<String> = ps
        .iter()
        .map(|p| {
            let mode = match p.mode {
                ParamMode::Normal => "",
                ParamMode::InferOnly => " (infer-only)",
                ParamMode::PosOnly => " (positional-only)",
                ParamMode::KwOnly => " (keyword-only)",
            };
            format!(
                "{}{}{}{}{mode}",
                if p.variadic { "*" } else { "" },
                p.name.name,
                opt(": ", &p.ty),
                opt(" = ", &p.default)
            )
        })
        .collect();
    format!("[{}]", items.join(", "))
}

fn param(p: &Param) -> String {
    let conv = match p.convention {
        Convention::Default => "",
        Convention::Read => "read ",
        Convention::Mut => "mut ",
        Convention::Var => "var ",
        Convention::Out => "out ",
        Convention::Deinit => "deinit ",
        Convention::Owned => "owned ",
        Convention::Inout => "inout ",
        Convention::Borrowed => "borrowed ",
        Convention::Ref => "ref ",
    };
    let kind = match p.kind {
        ParamKind::Normal | ParamKind::Separator => "",
        ParamKind::VarArgs => "*",
        ParamKind::KwArgs => "**",
    };
    format!(
        "{conv}{kind}{}{}{}",
        p.name.name,
        opt(": ", &p.ty),
        opt(" = ", &p.default)
    )
}

fn args(args: &[Arg]) -> String {
    args.iter()
        .map(|a| match &a.name {
            Some(n) => format!(" {}={}", n.name, expr(&a.value)),
            None => format!(" {}", expr(&a.value)),
        })
        .collect()
}

fn list(tag: &str, items: &[Expr]) -> String {
    let inner: String = items.iter().map(|e| format!(" {}", expr(e))).collect();
    format!("({tag}{inner})")
}

fn boxed(e: &Option<Box<Expr>>) -> String {
    e.as_ref().map_or("_".to_string(), |e| expr(e))
}

/// An expression as an S-expression.
pub fn expr(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Int(v) => v.to_string(),
        ExprKind::Float(v) => format!("{v:?}"),
        ExprKind::Str(s) => format!("{s:?}"),
        ExprKind::FString(parts) => {
            let items: String = parts
                .iter()
                .map(|p| match p {
                    FStringPart::Lit(s) => format!(" {s:?}"),
                    FStringPart::Expr {
                        expr: x,
                        conversion,
                        spec,
                    } => {
                        let conv = conversion.map_or(String::new(), |c| format!("!{c}"));
                        let spec = spec.as_ref().map_or(String::new(), |s| format!(":{s:?}"));
                        format!(" {{{}{conv}{spec}}}", expr(x))
                    }
                })
                .collect();
            format!("(f{items})")
        }
        ExprKind::Bool(b) => if *b { "True" } else { "False" }.to_string(),
        ExprKind::None => "None".to_string(),
        ExprKind::Ellipsis => "...".to_string(),
        ExprKind::Name(n) => n.clone(),
        ExprKind::Attr { base, name } => format!("(. {} {})", expr(base), name.name),
        ExprKind::Call { func, args: a } => format!("(call {}{})", expr(func), args(a)),
        ExprKind::Index { base, args: a } => format!("(index {}{})", expr(base), args(a)),
        ExprKind::InitList(a) => format!("(initlist{})", args(a)),
        ExprKind::Slice { lo, hi, step } => {
            format!("(slice {} {} {})", boxed(lo), boxed(hi), boxed(step))
        }
        ExprKind::Unary { op, expr: x } => {
            let o = match op {
                UnOp::Neg => "-",
                UnOp::Pos => "+",
                UnOp::Not => "not",
                UnOp::Invert => "~",
            };
            format!("({o} {})", expr(x))
        }
        ExprKind::Binary { op, lhs, rhs } => {
            format!("({} {} {})", op.symbol(), expr(lhs), expr(rhs))
        }
        ExprKind::Compare { first, rest } => {
            let r: String = rest
                .iter()
                .map(|(o, x)| format!(" {} {}", o.symbol(), expr(x)))
                .collect();
            format!("(cmp {}{r})", expr(first))
        }
        ExprKind::IfExp {
            cond,
            then,
            otherwise,
        } => {
            format!("(if {} {} {})", expr(cond), expr(then), expr(otherwise))
        }
        ExprKind::List(items) => list("list", items),
        ExprKind::Tuple(items) => list("tuple", items),
        ExprKind::Set(items) => list("set", items),
        ExprKind::Dict(items) => {
            let inner: String = items
                .iter()
                .map(|(k, v)| format!(" {}: {}", expr(k), expr(v)))
                .collect();
            format!("(dict{inner})")
        }
        ExprKind::ListComp {
            elt,
            target,
            iter,
            cond,
            more,
        } => {
            let c = cond
                .as_ref()
                .map_or(String::new(), |c| format!(" if {}", expr(c)))
                + &comp_fors(more);
            format!(
                "(listcomp {} for {} in {}{c})",
                expr(elt),
                expr(target),
                expr(iter)
            )
        }
        ExprKind::DictComp {
            key,
            value,
            target,
            iter,
            cond,
            more,
        } => {
            let c = cond
                .as_ref()
                .map_or(String::new(), |c| format!(" if {}", expr(c)))
                + &comp_fors(more);
            format!(
                "(dictcomp {}: {} for {} in {}{c})",
                expr(key),
                expr(value),
                expr(target),
                expr(iter)
            )
        }
        ExprKind::SetComp {
            elt,
            target,
            iter,
            cond,
            more,
        } => {
            let c = cond
                .as_ref()
                .map_or(String::new(), |c| format!(" if {}", expr(c)))
                + &comp_fors(more);
            format!(
                "(setcomp {} for {} in {}{c})",
                expr(elt),
                expr(target),
                expr(iter)
            )
        }
        ExprKind::Transfer(x) => format!("(^ {})", expr(x)),
        ExprKind::FnType {
            params,
            ret,
            raises,
        } => {
            let p: Vec<String> = params.iter().map(expr).collect();
            let r = if *raises { " raises" } else { "" };
            let ret = ret
                .as_ref()
                .map_or(String::new(), |t| format!(" -> {}", expr(t)));
            format!("(def ({}){r}{ret})", p.join(", "))
        }
        ExprKind::Lambda { params, body } => {
            let p: Vec<&str> = params.iter().map(|i| i.name.as_str()).collect();
            format!("(lambda ({}) {})", p.join(", "), expr(body))
        }
        ExprKind::Error => "<error>".to_string(),
    }
}

/// The further `for` clauses of a comprehension, as ` for T in I if C` each.
fn comp_fors(more: &[CompFor]) -> String {
    more.iter()
        .map(|c| {
            let cond = c
                .cond
                .as_ref()
                .map_or(String::new(), |x| format!(" if {}", expr(x)));
            format!(" for {} in {}{cond}", expr(&c.target), expr(&c.iter))
        })
        .collect()
}
