//! f-strings: each part becomes a `String` (through a format spec when one is given)
//! and the parts are concatenated.

use mj_syntax::ast::FStringPart;

use super::body::FnCx;
use crate::rt::Rt;
use crate::tir::{TExpr, TExprKind as K};
use crate::ty::Ty;

impl FnCx<'_> {
    pub fn fstring(&mut self, parts: &[FStringPart], line: u32) -> TExpr {
        let mut acc: Option<TExpr> = None;
        for p in parts {
            let piece = match p {
                FStringPart::Lit(s) => TExpr::new(K::Str(s.clone()), Ty::Str, line),
                FStringPart::Expr {
                    expr,
                    conversion,
                    spec,
                } => {
                    let v = self.expr(expr, None);
                    let v = if *conversion == Some('r') && v.ty == Ty::Str {
                        self.rt_call(Rt::StrRepr, vec![v], Ty::Str, line)
                    } else {
                        v
                    };
                    match spec.as_deref() {
                        None | Some("") => self.stringify(v, expr.span),
                        Some(spec) => self.format_with_spec(v, spec, expr.span, line),
                    }
                }
            };
            acc = Some(match acc {
                None => piece,
                Some(a) => self.rt_call(Rt::StrConcat, vec![a, piece], Ty::Str, line),
            });
        }
        acc.unwrap_or_else(|| TExpr::new(K::Str(String::new()), Ty::Str, line))
    }

    fn format_with_spec(
        &mut self,
        v: TExpr,
        spec: &str,
        span: mj_syntax::Span,
        line: u32,
    ) -> TExpr {
        let spec_e = TExpr::new(K::Str(spec.to_string()), Ty::Str, line);
        match v.ty.clone() {
            Ty::Int { signed: true, .. } => {
                let v = self.cast(v, Ty::INT);
                self.rt_call(Rt::FmtInt, vec![v, spec_e], Ty::Str, line)
            }
            Ty::Int { signed: false, .. } => {
                let v = self.cast(v, Ty::UINT);
                let v = TExpr::new(K::Cast(Box::new(v)), Ty::INT, line);
                self.rt_call(Rt::FmtUint, vec![v, spec_e], Ty::Str, line)
            }
            Ty::Float { .. } => {
                let v = self.cast(v, Ty::F64);
                self.rt_call(Rt::FmtF64, vec![v, spec_e], Ty::Str, line)
            }
            Ty::Unknown => self.unknown(line),
            _ => {
                let s = self.stringify(v, span);
                self.rt_call(Rt::FmtStr, vec![s, spec_e], Ty::Str, line)
            }
        }
    }
}

impl FnCx<'_> {
    /// `"a {} b {}".format(x, y)` on a string literal with `{}` (or `{0}`-style)
    /// placeholders: the f-string with the arguments in place. `None` for other templates.
    pub fn literal_format(
        &mut self,
        template: &str,
        args: &[mj_syntax::ast::Arg],
        line: u32,
    ) -> Option<TExpr> {
        if args.iter().any(|a| a.name.is_some()) {
            return None;
        }
        let mut parts = Vec::new();
        let mut lit = String::new();
        let mut next = 0usize;
        let mut chars = template.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    lit.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    lit.push('}');
                }
                '{' => {
                    let mut inner = String::new();
                    for d in chars.by_ref() {
                        if d == '}' {
                            break;
                        }
                        inner.push(d);
                    }
                    let idx = if inner.is_empty() {
                        next += 1;
                        next - 1
                    } else {
                        inner.parse::<usize>().ok()?
                    };
                    let a = args.get(idx)?;
                    if !lit.is_empty() {
                        parts.push(FStringPart::Lit(std::mem::take(&mut lit)));
                    }
                    parts.push(FStringPart::Expr {
                        expr: a.value.clone(),
                        conversion: None,
                        spec: None,
                    });
                }
                c => lit.push(c),
            }
        }
        if !lit.is_empty() {
            parts.push(FStringPart::Lit(lit));
        }
        if parts.is_empty() {
            return Some(TExpr::new(K::Str(String::new()), Ty::Str, line));
        }
        Some(self.fstring(&parts, line))
    }
}
