//! Mojo's exclusivity rule: a value may not be mutated while another reference to it is
//! live. Without it, `for p in particles: particles.append(...)` reallocates the list under
//! the loop's reference and `p` reads and writes freed memory, with no `UnsafePointer` in
//! sight.
//!
//! The references tracked are the ones that outlive a single expression:
//! - a `for` loop over a place (`for x in xs`, `for k in d.keys()`): it holds a reference
//!   to the place for its whole body;
//! - a `ref` binding (`ref r = xs[0]`, `ref r = xs.first_ref()`): it holds one to the place
//!   it is rooted in until the last use of `r` in its block (as Mojo ends a reference at
//!   its last use);
//! - within one call, a `mut` argument (or `mut self`) that aliases another argument passed
//!   by reference.
//!
//! A place is a local and a path of fields; an element (`xs[i]`) or a view (`d.items()`)
//! stands for its whole container. Two places conflict when one path is a prefix of the
//! other (`self.items` and `self.items[0]` do; `self.items` and `self.count` do not).

use mj_syntax::ast::{Expr, ExprKind, Stmt, StmtKind};
use mj_syntax::{Diag, Span};

use super::body::FnCx;
use crate::tir::LocalId;

/// Methods whose result refers into their receiver (a view, an iterator).
const VIEWS: &[&str] = &["keys", "values", "items", "__iter__", "__reversed__"];

/// The diagnostic code of an exclusivity violation.
pub(crate) const E_EXCLUSIVE: &str = "E0125";

/// A place: the local it is rooted in (by name, as written) and the fields below it.
#[derive(Clone, Debug)]
pub(crate) struct PlacePath {
    pub root: String,
    pub fields: Vec<String>,
}

impl PlacePath {
    /// The place an expression reads or writes, when it is rooted in a name.
    pub(crate) fn of(e: &Expr) -> Option<PlacePath> {
        PlacePath::walk(e, false)
    }

    /// The place a `ref` binding refers into: also the receiver of any method call (a
    /// method whose result can be bound by `ref` returns a reference, `-> ref[self] T`).
    fn of_ref(e: &Expr) -> Option<PlacePath> {
        PlacePath::walk(e, true)
    }

    fn walk(e: &Expr, any_method: bool) -> Option<PlacePath> {
        match &e.kind {
            ExprKind::Name(n) => Some(PlacePath {
                root: n.clone(),
                fields: Vec::new(),
            }),
            ExprKind::Attr { base, name } => {
                let mut p = PlacePath::walk(base, any_method)?;
                p.fields.push(name.name.clone());
                Some(p)
            }
            // An element, or a view of a container (`d.items()`), is its container. (Other
            // method calls, `xs.copy()` first, make values of their own.)
            ExprKind::Index { base, .. } => PlacePath::walk(base, any_method),
            ExprKind::Call { func, .. } => match &func.kind {
                ExprKind::Attr { base, name }
                    if any_method || VIEWS.contains(&name.name.as_str()) =>
                {
                    PlacePath::walk(base, any_method)
                }
                _ => None,
            },
            _ => None,
        }
    }

    fn overlaps(&self, other: &PlacePath) -> bool {
        self.root == other.root && self.fields.iter().zip(&other.fields).all(|(a, b)| a == b)
    }

    fn text(&self) -> String {
        std::iter::once(self.root.as_str())
            .chain(self.fields.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(".")
    }
}

/// A reference that is live while other code runs.
#[derive(Clone, Debug)]
pub(crate) struct Borrow {
    local: LocalId,
    place: PlacePath,
    /// What holds it (`the loop over `xs``), and where.
    holder: String,
    span: Span,
    /// Where it starts: code inside the expression that takes it (`xs.pop()` in
    /// `for x in xs.pop()`) runs before.
    from: u32,
    /// The end of its last use (for a `ref` binding): a mutation after it is fine.
    until: Option<u32>,
}

impl FnCx<'_> {
    /// Starts the reference a `for` loop over `iter` holds (unless it consumes or builds
    /// its iterable); returns how many borrows there were before, for [`Self::end_borrows`].
    pub(crate) fn borrow_for_loop(&mut self, iter: &Expr) -> usize {
        let mark = self.borrows.len();
        if matches!(iter.kind, ExprKind::Transfer(_)) {
            return mark;
        }
        if let Some(place) = PlacePath::of(iter)
            && let Some(local) = self.lookup_local(&place.root)
        {
            let holder = format!("the loop over `{}`", place.text());
            self.borrows.push(Borrow {
                local,
                place,
                holder,
                span: iter.span,
                from: iter.span.end,
                until: None,
            });
        }
        mark
    }

    /// Ends the borrows started after `mark`.
    pub(crate) fn end_borrows(&mut self, mark: usize) {
        self.borrows.truncate(mark);
    }

    /// Starts the reference of `ref name = value` (statement `i` of `stmts`), live until
    /// the last use of `name` in the rest of the block.
    pub(crate) fn borrow_ref_binding(&mut self, stmts: &[Stmt], i: usize) {
        let StmtKind::Var {
            name,
            value: Some(value),
            is_ref: true,
            ..
        } = &stmts[i].kind
        else {
            return;
        };
        let Some(place) = PlacePath::of_ref(value) else {
            return;
        };
        let Some(local) = self.lookup_local(&place.root) else {
            return;
        };
        let mut last = None;
        mj_syntax::visit::walk_exprs(&stmts[i + 1..], &mut |e: &Expr| {
            if matches!(&e.kind, ExprKind::Name(n) if *n == name.name) {
                last = Some(last.map_or(e.span.end, |l: u32| l.max(e.span.end)));
            }
        });
        let Some(until) = last else { return };
        self.borrows.push(Borrow {
            local,
            place,
            holder: format!("the reference `{}`", name.name),
            span: name.span,
            from: value.span.end,
            until: Some(until),
        });
    }

    /// Reports a mutation of `target` (what `what` says) that conflicts with a live
    /// reference.
    pub(crate) fn check_exclusive(&mut self, target: &Expr, what: &str) {
        if self.borrows.is_empty() {
            return;
        }
        let Some(place) = PlacePath::of(target) else {
            return;
        };
        let Some(local) = self.lookup_local(&place.root) else {
            return;
        };
        let at = target.span;
        let conflict = self
            .borrows
            .iter()
            .find(|b| {
                b.local == local
                    && b.place.overlaps(&place)
                    && at.start >= b.from
                    && b.until.is_none_or(|u| at.start < u)
            })
            .cloned();
        if let Some(b) = conflict {
            let line = self.lines.absolute(self.line(b.span));
            self.error(
                Diag::error(
                    E_EXCLUSIVE,
                    format!(
                        "`{}` is mutated here, by {what}, while {} (line {line}) holds a reference into it",
                        place.text(),
                        b.holder
                    ),
                    at,
                )
                .with_label(b.span, "the reference is taken here")
                .with_hint(
                    "a mutation may move or free what the reference points to: finish with the reference first, or loop over indices (`for i in range(len(xs))`)",
                ),
            );
        }
    }

    /// A call's `mut` argument (or `mut self`) that aliases another argument passed by
    /// reference: `args` are each argument's expression, whether it is `mut`, and whether
    /// it is passed by reference at all (a copied value such as an `Int` aliases nothing).
    pub(crate) fn check_argument_aliasing(&mut self, callee: &str, args: &[(&Expr, bool, bool)]) {
        for (i, (e, is_mut, _)) in args.iter().enumerate() {
            if !is_mut {
                continue;
            }
            let Some(p) = PlacePath::of(e) else { continue };
            if self.lookup_local(&p.root).is_none() {
                continue;
            }
            for (j, (o, other_mut, by_ref)) in args.iter().enumerate() {
                // (A `mut` argument is passed by reference; a pair of `mut` ones is
                // looked at once, from the first.)
                if i == j || !by_ref || (*other_mut && j < i) {
                    continue;
                }
                let Some(q) = PlacePath::of(o) else { continue };
                if p.overlaps(&q) {
                    self.error(
                        Diag::error(
                            E_EXCLUSIVE,
                            format!(
                                "`{}` is passed to `{callee}` as a `mut` argument and also as another argument: the call could change it through one while reading it through the other",
                                p.text()
                            ),
                            e.span,
                        )
                        .with_label(o.span, "the other argument")
                        .with_hint("pass a copy (`.copy()`) as the other argument"),
                    );
                    return;
                }
            }
        }
    }
}
