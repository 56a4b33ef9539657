//! What each name of a file is (for an editor's semantic colouring): declarations by
//! their syntax, uses resolved as `definition` resolves them, scope by scope.

use std::collections::HashMap;

use mj_syntax::Span;
use mj_syntax::ast::{Expr, ExprKind, FnDef, Stmt, StmtKind};
use mj_syntax::visit::{blocks, walk_expr, walk_exprs};

use super::{Cx, DefKind, Scope};
use crate::db::Program;

/// The kind of every name of file `file` whose meaning is known: declarations (functions,
/// methods, structs, traits, fields, parameters, variables, constants) and uses (what
/// they resolve to, also in other modules and the library), by the name's span.
pub fn classify(db: &dyn salsa::Database, program: Program, file: usize) -> Vec<(Span, DefKind)> {
    classify_range(db, program, file, None)
}

/// `classify` for the top-level items that overlap `range` only (all of them for
/// `None`): what an editor asks for the lines it shows of a large file.
pub fn classify_range(
    db: &dyn salsa::Database,
    program: Program,
    file: usize,
    range: Option<Span>,
) -> Vec<(Span, DefKind)> {
    let cx = Cx::new(db, program);
    let Some(module) = cx.modules.get(file).cloned() else {
        return Vec::new();
    };
    let mut w = Walk {
        cx: &cx,
        file,
        range,
        out: Vec::new(),
        cache: HashMap::new(),
        globals: HashMap::new(),
    };
    w.block(&module.body, true, &mut Scope::default());
    w.out.sort_by_key(|(s, _)| s.start);
    w.out
}

struct Walk<'c, 'a> {
    cx: &'c Cx<'a>,
    file: usize,
    /// The part of the file asked about (top-level items outside it are skipped).
    range: Option<Span>,
    out: Vec<(Span, DefKind)>,
    /// What a name means in the innermost function (by its address) around a use.
    cache: HashMap<(usize, String), Option<DefKind>>,
    /// What a name that no enclosing function binds means (the module's, an import's, the
    /// prelude's): the same in every function, so found once.
    globals: HashMap<String, Option<DefKind>>,
}

impl<'s> Walk<'_, '_> {
    /// A block of statements in `scope`: its uses, then its declarations and nested scopes.
    fn block(&mut self, stmts: &'s [Stmt], top: bool, scope: &mut Scope<'s>) {
        walk_exprs(stmts, &mut |e| self.use_of(e, scope));
        self.decls(stmts, top, scope);
    }

    fn decls(&mut self, stmts: &'s [Stmt], top: bool, scope: &mut Scope<'s>) {
        for (i, s) in stmts.iter().enumerate() {
            if top
                && let Some(r) = self.range
                && (s.span.end < r.start || s.span.start > r.end)
            {
                continue;
            }
            match &s.kind {
                StmtKind::Def(d) => self.def(d, top.then_some((i, None)), false, scope),
                StmtKind::Struct(sd) => {
                    self.out.push((sd.name.span, DefKind::Struct));
                    let outer = scope.strukt.replace(sd);
                    for (j, m) in sd.body.iter().enumerate() {
                        match &m.kind {
                            StmtKind::Def(d) => {
                                self.def(d, top.then_some((i, Some(j))), true, scope)
                            }
                            StmtKind::Var { name, .. } => {
                                self.out.push((name.span, DefKind::Field))
                            }
                            _ => self.block(std::slice::from_ref(m), false, scope),
                        }
                    }
                    scope.strukt = outer;
                }
                StmtKind::Trait(td) => {
                    self.out.push((td.name.span, DefKind::Trait));
                    for m in &td.body {
                        match &m.kind {
                            StmtKind::Def(d) => self.def(d, None, true, scope),
                            _ => self.block(std::slice::from_ref(m), false, scope),
                        }
                    }
                }
                StmtKind::Var { name, .. } | StmtKind::AnnAssign { target: name, .. } => {
                    self.out.push((name.span, DefKind::Variable))
                }
                StmtKind::Comptime { name, .. } => self.out.push((name.span, DefKind::Constant)),
                _ => {
                    for b in blocks(s) {
                        self.decls(b, false, scope);
                    }
                }
            }
        }
    }

    fn def(
        &mut self,
        d: &'s FnDef,
        loc: Option<(usize, Option<usize>)>,
        method: bool,
        scope: &mut Scope<'s>,
    ) {
        let kind = if method {
            DefKind::Method
        } else {
            DefKind::Function
        };
        self.out.push((d.name.span, kind));
        scope.defs.push((d, loc));
        for p in &d.args {
            self.out.push((p.name.span, DefKind::Parameter));
            for e in p.ty.iter().chain(p.default.iter()) {
                walk_expr(e, &mut |x| self.use_of(x, scope));
            }
        }
        if let Some(r) = &d.ret {
            walk_expr(r, &mut |x| self.use_of(x, scope));
        }
        self.block(&d.body, false, scope);
        scope.defs.pop();
    }

    fn use_of(&mut self, e: &Expr, scope: &Scope<'_>) {
        match &e.kind {
            ExprKind::Name(n) => {
                let key = (
                    scope
                        .defs
                        .last()
                        .map_or(0, |(d, _)| *d as *const FnDef as usize),
                    n.clone(),
                );
                let kind = match self.cache.get(&key) {
                    Some(k) => *k,
                    None => {
                        // (As `Cx::resolve`: the enclosing functions' names, innermost
                        // first, then the module's; kinds only, so no checked types.)
                        let local = scope
                            .defs
                            .iter()
                            .rev()
                            .find_map(|(d, _)| Cx::local_kind(d, n));
                        let (cx, file) = (self.cx, self.file);
                        let k = if n == "self" {
                            Some(DefKind::Parameter)
                        } else if local.is_some() {
                            local
                        } else {
                            *self.globals.entry(n.clone()).or_insert_with(|| {
                                cx.resolve(file, &Scope::default(), n).map(|d| d.kind)
                            })
                        };
                        self.cache.insert(key, k);
                        k
                    }
                };
                if let Some(k) = kind {
                    self.out.push((e.span, k));
                }
            }
            ExprKind::Attr { base, name } => {
                if let Some(d) = self.cx.attr(self.file, scope, base, &name.name) {
                    // (The member's span starts at the dot.)
                    let start = name.span.end - name.name.len() as u32;
                    self.out
                        .push((Span::new(start as usize, name.span.end as usize), d.kind));
                }
            }
            _ => {}
        }
    }
}
