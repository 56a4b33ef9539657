//! What an editor asks of a program, by byte offsets (the language server converts
//! positions): the definition of the name at a place, its description for hover, every
//! reference to it, the names a completion may offer, and a file's outline.
//!
//! Names are resolved on the syntax trees, scope by scope (the enclosing functions'
//! parameters and bindings, the module's items and imports, the prelude); the types of
//! local variables and of the receivers of `x.member` come from the checked bodies.

mod classify;

pub use classify::{classify, classify_range};

use mj_syntax::Span;
use mj_syntax::ast::{Expr, ExprKind, FnDef, Ident, Module, Stmt, StmtKind, StructDef};
use mj_syntax::visit::{blocks, walk_expr, walk_exprs};

use crate::db::{self, FnKey, Program};

/// What a name stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DefKind {
    Function,
    Method,
    Struct,
    Trait,
    Field,
    Variable,
    Parameter,
    Constant,
    Module,
}

/// A definition: the file (index in the program) and the span of its name.
#[derive(Clone, Debug, PartialEq)]
pub struct Def {
    pub file: usize,
    pub span: Span,
    pub name: String,
    pub kind: DefKind,
    /// Markdown for hover: the declaration and its docstring.
    pub doc: String,
}

/// An entry of a file's outline.
#[derive(Clone, Debug, PartialEq)]
pub struct Symbol {
    pub name: String,
    pub kind: DefKind,
    /// The whole item, and its name.
    pub span: Span,
    pub name_span: Span,
    pub children: Vec<Symbol>,
}

/// A completion candidate.
#[derive(Clone, Debug, PartialEq)]
pub struct Completion {
    pub label: String,
    pub kind: DefKind,
    pub detail: String,
}

/// The language's keywords, offered by completion.
pub const KEYWORDS: &[&str] = &[
    "def", "struct", "trait", "var", "ref", "comptime", "if", "elif", "else", "for", "while", "in",
    "return", "raise", "raises", "try", "except", "finally", "with", "as", "import", "from",
    "pass", "break", "continue", "and", "or", "not", "is", "True", "False", "None", "mut", "out",
    "owned", "read", "deinit", "alias", "assert", "match", "case", "fn",
];

/// Where a place sits: the functions around it (outermost first, each with its
/// statement index and, for a method, the index inside the struct), and the struct.
#[derive(Default)]
struct Scope<'a> {
    defs: Vec<(&'a FnDef, Option<(usize, Option<usize>)>)>,
    strukt: Option<&'a StructDef>,
}

/// What is at a place.
enum Hit<'a> {
    /// A use of a name.
    Name(&'a str, Span),
    /// `base.name`.
    Attr(&'a Expr, &'a Ident),
    /// The name of a declaration.
    Decl(&'a Ident),
}

fn contains(s: Span, off: u32) -> bool {
    s.start <= off && off <= s.end
}

/// The innermost name at `off` in `stmts`, and the scope it is in.
fn find<'a>(stmts: &'a [Stmt], off: u32, top: bool, scope: &mut Scope<'a>) -> Option<Hit<'a>> {
    for (i, s) in stmts.iter().enumerate() {
        if !contains(s.span, off) {
            continue;
        }
        match &s.kind {
            StmtKind::Def(d) => {
                let loc = top.then_some((i, None));
                return find_def(d, loc, off, scope);
            }
            StmtKind::Struct(sd) => {
                if contains(sd.name.span, off) {
                    return Some(Hit::Decl(&sd.name));
                }
                scope.strukt = Some(sd);
                for (j, m) in sd.body.iter().enumerate() {
                    if !contains(m.span, off) {
                        continue;
                    }
                    if let StmtKind::Def(d) = &m.kind {
                        return find_def(d, top.then_some((i, Some(j))), off, scope);
                    }
                    return find(std::slice::from_ref(m), off, false, scope);
                }
                return None;
            }
            StmtKind::Trait(td) => {
                if contains(td.name.span, off) {
                    return Some(Hit::Decl(&td.name));
                }
                return find(&td.body, off, false, scope);
            }
            StmtKind::Var { name, .. } | StmtKind::Comptime { name, .. }
                if contains(name.span, off) =>
            {
                return Some(Hit::Decl(name));
            }
            StmtKind::AnnAssign { target, .. } if contains(target.span, off) => {
                return Some(Hit::Decl(target));
            }
            _ => {}
        }
        // Nested blocks first (they may hold `def`s), then the statement's expressions.
        for block in blocks(s) {
            if block.iter().any(|b| contains(b.span, off)) {
                return find(block, off, false, scope);
            }
        }
        return find_expr(std::slice::from_ref(s), off);
    }
    None
}

fn find_def<'a>(
    d: &'a FnDef,
    loc: Option<(usize, Option<usize>)>,
    off: u32,
    scope: &mut Scope<'a>,
) -> Option<Hit<'a>> {
    if contains(d.name.span, off) {
        return Some(Hit::Decl(&d.name));
    }
    scope.defs.push((d, loc));
    for p in &d.args {
        if contains(p.name.span, off) {
            return Some(Hit::Decl(&p.name));
        }
        for e in p.ty.iter().chain(p.default.iter()) {
            if contains(e.span, off) {
                return expr_hit(e, off);
            }
        }
    }
    if let Some(r) = d.ret.as_ref().filter(|r| contains(r.span, off)) {
        return expr_hit(r, off);
    }
    find(&d.body, off, false, scope)
}

fn expr_hit(e: &Expr, off: u32) -> Option<Hit<'_>> {
    let mut hit = None;
    walk_expr(e, &mut |x| consider(x, off, &mut hit));
    hit
}

fn find_expr(stmts: &[Stmt], off: u32) -> Option<Hit<'_>> {
    let mut hit = None;
    walk_exprs(stmts, &mut |x| consider(x, off, &mut hit));
    hit
}

fn consider<'a>(x: &'a Expr, off: u32, hit: &mut Option<Hit<'a>>) {
    match &x.kind {
        ExprKind::Name(n) if contains(x.span, off) => *hit = Some(Hit::Name(n, x.span)),
        ExprKind::Attr { base, name } if contains(name.span, off) => {
            *hit = Some(Hit::Attr(base, name))
        }
        _ => {}
    }
}

/// The facts a query needs about the program.
struct Cx<'a> {
    db: &'a dyn salsa::Database,
    program: Program,
    modules: Vec<std::sync::Arc<Module>>,
    names: Vec<String>,
    texts: Vec<&'a str>,
}

impl<'a> Cx<'a> {
    fn new(db: &'a dyn salsa::Database, program: Program) -> Cx<'a> {
        let files = program.files(db);
        Cx {
            db,
            program,
            modules: files
                .iter()
                .map(|f| db::parse(db, *f).module.clone())
                .collect(),
            names: files.iter().map(|f| f.module(db).clone()).collect(),
            texts: files.iter().map(|f| f.text(db).as_str()).collect(),
        }
    }

    fn module_index(&self, dotted: &str) -> Option<usize> {
        self.names.iter().position(|n| n == dotted)
    }

    /// The text of a declaration's header: from the start of `stmt` to the `:` that ends
    /// a `def`/`struct`/`trait` header, or to the `=` of a `var` (its type, not its value).
    fn header(&self, file: usize, stmt: Span) -> String {
        let text = self.texts[file];
        let start = (stmt.start as usize).min(text.len());
        let is_var = ["var ", "comptime ", "alias "]
            .iter()
            .any(|k| text[start..].starts_with(k));
        let mut depth = 0i32;
        let mut end = text.len();
        for (i, c) in text[start..].char_indices() {
            match c {
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' => depth -= 1,
                ':' if depth == 0 && !is_var => {
                    end = start + i;
                    break;
                }
                '=' if depth == 0 && is_var => {
                    end = start + i;
                    break;
                }
                '\n' if depth == 0 => {
                    end = start + i;
                    break;
                }
                _ => {}
            }
        }
        let h: Vec<&str> = text[start..end].split_whitespace().collect();
        h.join(" ")
    }

    fn doc(&self, file: usize, stmt: Span, docstring: Option<&String>) -> String {
        let mut s = format!("```mojo\n{}\n```", self.header(file, stmt));
        if let Some(d) = docstring {
            s.push_str("\n\n");
            s.push_str(d.trim());
        }
        s
    }

    fn src(&self, file: usize, span: Span) -> String {
        let t = self.texts[file];
        t.get(span.start as usize..span.end as usize)
            .unwrap_or("")
            .to_string()
    }

    /// A module-level item of `file` named `name` (following imports, a few deep).
    fn item(&self, file: usize, name: &str, depth: u32) -> Option<Def> {
        if depth > 4 {
            return None;
        }
        for s in &self.modules[file].body {
            match &s.kind {
                StmtKind::Def(d) if d.name.name == name => {
                    return Some(self.def(
                        file,
                        &d.name,
                        DefKind::Function,
                        s.span,
                        d.docstring.as_ref(),
                    ));
                }
                StmtKind::Struct(sd) if sd.name.name == name => {
                    return Some(self.def(
                        file,
                        &sd.name,
                        DefKind::Struct,
                        s.span,
                        sd.docstring.as_ref(),
                    ));
                }
                StmtKind::Trait(td) if td.name.name == name => {
                    return Some(self.def(
                        file,
                        &td.name,
                        DefKind::Trait,
                        s.span,
                        td.docstring.as_ref(),
                    ));
                }
                StmtKind::Comptime { name: n, .. } if n.name == name => {
                    return Some(self.def(file, n, DefKind::Constant, s.span, None));
                }
                StmtKind::Var { name: n, .. } | StmtKind::AnnAssign { target: n, .. }
                    if n.name == name =>
                {
                    return Some(self.def(file, n, DefKind::Variable, s.span, None));
                }
                StmtKind::Assign { targets, .. } => {
                    for t in targets {
                        if matches!(&t.kind, ExprKind::Name(n) if n == name) {
                            let id = Ident {
                                name: name.to_string(),
                                span: t.span,
                            };
                            return Some(self.def(file, &id, DefKind::Variable, s.span, None));
                        }
                    }
                }
                StmtKind::FromImport {
                    level,
                    module,
                    names,
                    ..
                } => {
                    for (orig, alias) in names {
                        let shown = alias.as_ref().unwrap_or(orig);
                        if shown.name != name {
                            continue;
                        }
                        let target = self.import_target(file, *level, module)?;
                        // `from pkg import module`, or an item of the module.
                        let sub = format!("{}.{}", self.names[target], orig.name);
                        if let Some(m) = self.module_index(&sub) {
                            return Some(self.module_def(m));
                        }
                        return self.item(target, &orig.name, depth + 1);
                    }
                }
                StmtKind::Import { path, alias } => {
                    let shown = alias.as_ref().map(|a| a.name.clone()).unwrap_or_else(|| {
                        path.first().map(|p| p.name.clone()).unwrap_or_default()
                    });
                    if shown == name {
                        let dotted: Vec<&str> = if alias.is_some() {
                            path.iter().map(|p| p.name.as_str()).collect()
                        } else {
                            path.iter().take(1).map(|p| p.name.as_str()).collect()
                        };
                        let m = self
                            .module_index(&dotted.join("."))
                            .or_else(|| self.module_index(&format!("std.{}", dotted.join("."))))?;
                        return Some(self.module_def(m));
                    }
                }
                _ => {}
            }
        }
        None
    }

    fn import_target(&self, file: usize, level: u32, module: &[Ident]) -> Option<usize> {
        let mut parts: Vec<String> = Vec::new();
        if level > 0 {
            let here = &self.names[file];
            let mut pkg: Vec<&str> = here.split('.').collect();
            for _ in 0..level {
                pkg.pop();
            }
            parts.extend(pkg.iter().map(|s| s.to_string()));
        }
        parts.extend(module.iter().map(|m| m.name.clone()));
        let dotted = parts.join(".");
        self.module_index(&dotted)
            .or_else(|| self.module_index(&format!("std.{dotted}")))
    }

    fn module_def(&self, m: usize) -> Def {
        Def {
            file: m,
            span: Span::new(0, 0),
            name: self.names[m].clone(),
            kind: DefKind::Module,
            doc: format!(
                "```mojo\nmodule {}\n```{}",
                self.names[m],
                self.modules[m]
                    .docstring
                    .as_ref()
                    .map(|d| format!("\n\n{}", d.trim()))
                    .unwrap_or_default()
            ),
        }
    }

    fn def(
        &self,
        file: usize,
        name: &Ident,
        kind: DefKind,
        stmt: Span,
        doc: Option<&String>,
    ) -> Def {
        Def {
            file,
            span: name.span,
            name: name.name.clone(),
            kind,
            doc: self.doc(file, stmt, doc),
        }
    }

    /// A binding of `name` in a function: a parameter, or the first binding in its body.
    /// What local `name` of `d` is (`local`'s kind, without its types).
    fn local_kind(d: &FnDef, name: &str) -> Option<DefKind> {
        if d.args.iter().any(|p| p.name.name == name) {
            return Some(DefKind::Parameter);
        }
        let mut found = false;
        bindings(&d.body, &mut |id, _, _| found |= id == name);
        found.then_some(DefKind::Variable)
    }

    /// Local `name` of `d`, described with its checked types `tys` (`local_types`).
    fn local(
        &self,
        file: usize,
        d: &FnDef,
        name: &str,
        tys: &[(String, Option<String>)],
    ) -> Option<Def> {
        let mk = |name: &str, span: Span, kind: DefKind, annotation: Option<String>| {
            let word = if kind == DefKind::Parameter {
                ""
            } else {
                "var "
            };
            // In a generic function, the declared type (`T`) over its instances' types.
            let generic = tys.iter().any(|(_, inst)| inst.is_some());
            let lines: Vec<String> = match (annotation, tys) {
                (Some(a), _) if generic || tys.is_empty() => vec![format!("{word}{name}: {a}")],
                (_, []) => vec![format!("{word}{name}")],
                _ => tys
                    .iter()
                    .map(|(t, inst)| match inst {
                        Some(i) => format!("{word}{name}: {t}  # in {i}"),
                        None => format!("{word}{name}: {t}"),
                    })
                    .collect(),
            };
            Def {
                file,
                span,
                name: name.to_string(),
                kind,
                doc: format!("```mojo\n{}\n```", lines.join("\n")),
            }
        };
        for p in &d.args {
            if p.name.name == name {
                let ann = p.ty.as_ref().map(|t| self.src(file, t.span));
                return Some(mk(&p.name.name, p.name.span, DefKind::Parameter, ann));
            }
        }
        let mut found = None;
        bindings(&d.body, &mut |id, span, ann| {
            if found.is_none() && id == name {
                found = Some(mk(
                    id,
                    span,
                    DefKind::Variable,
                    ann.map(|t| self.src(file, t.span)),
                ));
            }
        });
        found
    }

    /// The checked bodies of the function at `loc` of `file`: its body, or for a generic
    /// function (checked per instance) the body of each instance the program uses, with
    /// the instance's name (`pick[T=Int]`). None where the program uses no instance.
    fn checked(
        &self,
        file: usize,
        loc: Option<(usize, Option<usize>)>,
    ) -> Vec<(Option<String>, &'a crate::tir::TFunction)> {
        let Some((stmt, method)) = loc else {
            return Vec::new();
        };
        let its = db::items(self.db, self.program);
        let Some(index) = its.function_at(file, stmt, method) else {
            return Vec::new();
        };
        // (Lent, so that a body checked first for the editor depends on the parts of the
        // items it reads, as `check_diags`' bodies do.)
        let _lent = db::Lent::new(self.program, its.clone());
        let own = &db::infer(self.db, FnKey::new(self.db, self.program, index)).function;
        if !own.template {
            return vec![(None, &**own)];
        }
        db::check_diags(self.db, self.program)
            .instances
            .iter()
            .filter(|(i, _)| *i == index)
            .map(|(_, targs)| {
                let key = db::InstKey::new(self.db, self.program, index, targs.clone());
                let name = its.instance_name(index, targs);
                (name, &*db::infer_instance(self.db, key).function)
            })
            .collect()
    }

    /// A type as the user reads it.
    fn type_name(&self, ty: &crate::ty::Ty) -> String {
        db::items(self.db, self.program).type_name(shown(ty))
    }

    /// The checked types of local `name` of the function at `loc` of `file`: one, or for
    /// a generic function one per instance where the instances differ (with their names).
    fn local_types(
        &self,
        file: usize,
        loc: Option<(usize, Option<usize>)>,
        name: &str,
    ) -> Vec<(String, Option<String>)> {
        let types = self.checked(file, loc).into_iter().filter_map(|(inst, f)| {
            let local = f.locals.iter().find(|l| l.name == name)?;
            Some((self.type_name(&local.ty), inst))
        });
        one_or_each(types.collect())
    }

    /// The checked type of local `name` of the function at `loc` of `file`, where it has
    /// one (in a generic function: the same in every instance).
    fn local_type(
        &self,
        file: usize,
        loc: Option<(usize, Option<usize>)>,
        name: &str,
    ) -> Option<String> {
        match self.local_types(file, loc, name).as_slice() {
            [(t, _)] => Some(t.clone()),
            _ => None,
        }
    }

    /// A struct of the program named `name` (the type's name without parameters).
    fn find_struct(&self, name: &str) -> Option<(usize, &StructDef)> {
        let bare = name.split('[').next().unwrap_or(name).trim();
        for (m, module) in self.modules.iter().enumerate() {
            for s in &module.body {
                if let StmtKind::Struct(sd) = &s.kind
                    && sd.name.name == bare
                {
                    return Some((m, sd));
                }
            }
        }
        None
    }

    fn member(&self, file: usize, sd: &StructDef, name: &str) -> Option<Def> {
        for s in &sd.body {
            match &s.kind {
                StmtKind::Def(d) if d.name.name == name => {
                    return Some(self.def(
                        file,
                        &d.name,
                        DefKind::Method,
                        s.span,
                        d.docstring.as_ref(),
                    ));
                }
                StmtKind::Var { name: n, .. } if n.name == name => {
                    return Some(self.def(file, n, DefKind::Field, s.span, None));
                }
                StmtKind::Comptime { name: n, .. } if n.name == name => {
                    return Some(self.def(file, n, DefKind::Constant, s.span, None));
                }
                _ => {}
            }
        }
        None
    }

    /// What `name`, used at a place with `scope`, refers to.
    fn resolve(&self, file: usize, scope: &Scope<'_>, name: &str) -> Option<Def> {
        for (d, loc) in scope.defs.iter().rev() {
            let tys = self.local_types(file, *loc, name);
            if let Some(def) = self.local(file, d, name, &tys) {
                return Some(def);
            }
        }
        if let Some(def) = self.item(file, name, 0) {
            return Some(def);
        }
        for pm in crate::PRELUDE_MODULES {
            if let Some(m) = self.module_index(pm)
                && let Some(def) = self.item(m, name, 0)
            {
                return Some(def);
            }
        }
        None
    }

    /// The type of the receiver `base` of `base.member`, as a struct of the program.
    fn receiver(&self, file: usize, scope: &Scope<'_>, base: &Expr) -> Option<Receiver> {
        let ExprKind::Name(n) = &base.kind else {
            return None;
        };
        if n == "self"
            && let Some(sd) = scope.strukt
        {
            return Some(Receiver::Struct(sd.name.name.clone()));
        }
        if let Some(def) = self.resolve(file, scope, n) {
            if def.kind == DefKind::Module {
                return Some(Receiver::Module(def.file));
            }
            if def.kind == DefKind::Struct {
                return Some(Receiver::Struct(def.name));
            }
        }
        let (_, loc) = scope.defs.last()?;
        let ty = self.local_type(file, *loc, n)?;
        let (_, sd) = self.find_struct(&ty)?;
        Some(Receiver::Struct(sd.name.name.clone()))
    }

    fn attr(&self, file: usize, scope: &Scope<'_>, base: &Expr, name: &str) -> Option<Def> {
        match self.receiver(file, scope, base)? {
            Receiver::Module(m) => self.item(m, name, 0),
            Receiver::Struct(s) => {
                let (m, sd) = self.find_struct(&s)?;
                self.member(m, sd, name)
            }
        }
    }
}

enum Receiver {
    Module(usize),
    /// A struct, by name.
    Struct(String),
}

/// Calls `f` on every name a block binds (its text, where it is, its annotation), in
/// source order, not entering nested `def`s' bodies: `var`, annotated and plain
/// assignments (an assignment to a new name declares it in a `def`), `for` targets,
/// nested `def`s, `with ... as` and `except ... as` names.
fn bindings<'a>(stmts: &'a [Stmt], f: &mut dyn FnMut(&'a str, Span, Option<&'a Expr>)) {
    fn targets<'a>(e: &'a Expr, f: &mut dyn FnMut(&'a str, Span, Option<&'a Expr>)) {
        match &e.kind {
            ExprKind::Name(n) => f(n, e.span, None),
            ExprKind::Tuple(items) | ExprKind::List(items) => {
                for item in items {
                    targets(item, f);
                }
            }
            _ => {}
        }
    }
    for s in stmts {
        match &s.kind {
            StmtKind::Var { name, ty, .. } => f(&name.name, name.span, ty.as_ref()),
            StmtKind::AnnAssign { target, ty, .. } => f(&target.name, target.span, Some(ty)),
            StmtKind::Assign { targets: ts, .. } => {
                for t in ts {
                    targets(t, f);
                }
            }
            StmtKind::For { target, .. } => targets(target, f),
            StmtKind::Def(d) => f(&d.name.name, d.name.span, None),
            StmtKind::With { items, .. } => {
                for n in items.iter().filter_map(|(_, n)| n.as_ref()) {
                    f(&n.name, n.span, None);
                }
            }
            StmtKind::Try { handlers, .. } => {
                for n in handlers.iter().filter_map(|h| h.name.as_ref()) {
                    f(&n.name, n.span, None);
                }
            }
            _ => {}
        }
        for block in blocks(s) {
            bindings(block, f);
        }
    }
}

fn hit_scope(m: &Module, off: u32) -> (Option<Hit<'_>>, Scope<'_>) {
    let mut scope = Scope::default();
    let hit = find(&m.body, off, true, &mut scope);
    (hit, scope)
}

/// The definition of the name at `offset` in file `file` of the program.
pub fn definition(
    db: &dyn salsa::Database,
    program: Program,
    file: usize,
    offset: u32,
) -> Option<Def> {
    definition_in(&Cx::new(db, program), file, offset)
}

fn definition_in(cx: &Cx<'_>, file: usize, offset: u32) -> Option<Def> {
    let module = cx.modules.get(file)?.clone();
    let (hit, scope) = hit_scope(&module, offset);
    match hit? {
        Hit::Name(n, _) => cx.resolve(file, &scope, n),
        Hit::Attr(base, name) => cx.attr(file, &scope, base, &name.name),
        Hit::Decl(id) => {
            // A declaration is its own definition; hover shows its description.
            let mut scope2 = scope;
            let def = cx.resolve(file, &scope2, &id.name);
            scope2.defs.clear();
            def.filter(|d| d.span == id.span || d.file != file)
                .or_else(|| scope2.strukt.and_then(|sd| cx.member(file, sd, &id.name)))
                .or_else(|| {
                    Some(Def {
                        file,
                        span: id.span,
                        name: id.name.clone(),
                        kind: DefKind::Variable,
                        doc: format!("```mojo\n{}\n```", id.name),
                    })
                })
        }
    }
}

/// The type of the innermost expression at `offset` in a function body of file `file`, and
/// the expression's span (from the checked body's `expr_types`, moved to file offsets).
pub fn expr_type(
    db: &dyn salsa::Database,
    program: Program,
    file: usize,
    offset: u32,
) -> Option<(Span, String)> {
    let cx = Cx::new(db, program);
    let module = cx.modules.get(file)?.clone();
    let mut scope = Scope::default();
    find(&module.body, offset, true, &mut scope);
    let (_, loc) = scope.defs.first()?;
    let source = *program.files(db).get(file)?;
    let at = db::item_offset(db, source, offset);
    // (A generic function's instances all have the template's spans.)
    let mut span = None;
    let mut types = Vec::new();
    for (inst, function) in cx.checked(file, *loc) {
        let Some((s, ty)) = function
            .expr_types
            .iter()
            .filter(|(s, _)| s.start <= at && at < s.end.max(s.start + 1))
            .min_by_key(|(s, _)| s.end - s.start)
        else {
            continue;
        };
        span.get_or_insert(*s);
        types.push((cx.type_name(ty), inst));
    }
    let text = one_or_each(types)
        .into_iter()
        .map(|(t, inst)| match inst {
            Some(i) => format!("{t}  # in {i}"),
            None => t,
        })
        .collect::<Vec<_>>()
        .join("\n");
    Some((db::real_span(db, source, span?), text))
}

/// Types found in the checked bodies of one function (with the instance each comes from,
/// for a generic function): the one type where they all agree, else each distinct one.
/// (One instance keeps its name: its types need not be the template's.)
fn one_or_each(mut types: Vec<(String, Option<String>)>) -> Vec<(String, Option<String>)> {
    if types.len() > 1 && types.iter().all(|(t, _)| *t == types[0].0) {
        types.truncate(1);
        if let Some(first) = types.first_mut() {
            first.1 = None;
        }
    }
    types
}

/// The type a user reads: a reference binding (`for x in list` aliases the element: an
/// internal pointer, never a user's `UnsafePointer`) is shown as the element's type.
fn shown(ty: &crate::ty::Ty) -> &crate::ty::Ty {
    match ty {
        crate::ty::Ty::Ptr(inner) => inner,
        t => t,
    }
}

/// The span of the name at `offset` (the word hover and rename act on).
pub fn name_span(module: &Module, offset: u32) -> Option<Span> {
    let (hit, _) = hit_scope(module, offset);
    Some(match hit? {
        Hit::Name(_, s) => s,
        Hit::Attr(_, id) | Hit::Decl(id) => id.span,
    })
}

/// Every place in the program's files `files` (indices) that refers to the same
/// definition as the name at `offset`, the definition's own name included.
pub fn references(
    db: &dyn salsa::Database,
    program: Program,
    file: usize,
    offset: u32,
    files: &[usize],
) -> Vec<(usize, Span)> {
    let cx = Cx::new(db, program);
    let Some(target) = definition_in(&cx, file, offset) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if files.contains(&target.file) && target.kind != DefKind::Module {
        out.push((target.file, target.span));
    }
    for &f in files {
        let Some(module) = cx.modules.get(f).cloned() else {
            continue;
        };
        let text = cx.texts[f];
        // Candidate places: every occurrence of the name as a word.
        let mut at = 0;
        while let Some(i) = text[at..].find(&target.name) {
            let start = at + i;
            let end = start + target.name.len();
            at = end;
            let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
            if word(text[..start].chars().next_back()) || word(text[end..].chars().next()) {
                continue;
            }
            let (hit, scope) = hit_scope(&module, start as u32);
            let def = match hit {
                Some(Hit::Name(n, _)) => cx.resolve(f, &scope, n),
                Some(Hit::Attr(base, name)) => cx.attr(f, &scope, base, &name.name),
                _ => None,
            };
            if def.is_some_and(|d| d.file == target.file && d.span == target.span) {
                let s = Span::new(start, end);
                if !out.contains(&(f, s)) {
                    out.push((f, s));
                }
            }
        }
    }
    out.sort_by_key(|(f, s)| (*f, s.start));
    out
}

/// A file's outline: functions, structs (with their fields and methods), traits,
/// constants and variables.
pub fn symbols(module: &Module) -> Vec<Symbol> {
    let mut out = Vec::new();
    for s in &module.body {
        out.extend(symbol(s, false));
    }
    out
}

fn symbol(s: &Stmt, member: bool) -> Option<Symbol> {
    let leaf = |id: &Ident, kind| Symbol {
        name: id.name.clone(),
        kind,
        span: s.span,
        name_span: id.span,
        children: Vec::new(),
    };
    Some(match &s.kind {
        StmtKind::Def(d) => leaf(
            &d.name,
            if member {
                DefKind::Method
            } else {
                DefKind::Function
            },
        ),
        StmtKind::Struct(sd) => Symbol {
            children: sd.body.iter().filter_map(|m| symbol(m, true)).collect(),
            ..leaf(&sd.name, DefKind::Struct)
        },
        StmtKind::Trait(td) => Symbol {
            children: td.body.iter().filter_map(|m| symbol(m, true)).collect(),
            ..leaf(&td.name, DefKind::Trait)
        },
        StmtKind::Comptime { name, .. } => leaf(name, DefKind::Constant),
        StmtKind::Var { name, .. } => leaf(
            name,
            if member {
                DefKind::Field
            } else {
                DefKind::Variable
            },
        ),
        StmtKind::AnnAssign { target, .. } => leaf(target, DefKind::Variable),
        _ => return None,
    })
}

/// The names completion may offer at `offset` of file `file`: after `receiver.`, the
/// members of the receiver (a module's items, a struct's fields and methods); else the
/// names in scope, the prelude's and built-in names, and keywords. `receiver` is the name
/// before the dot, found by the caller in the text (the line may not parse yet).
pub fn completions(
    db: &dyn salsa::Database,
    program: Program,
    file: usize,
    offset: u32,
    receiver: Option<&str>,
) -> Vec<Completion> {
    let cx = Cx::new(db, program);
    let Some(module) = cx.modules.get(file).cloned() else {
        return Vec::new();
    };
    let mut scope = Scope::default();
    let _ = find(&module.body, offset, true, &mut scope);
    if scope.defs.is_empty() {
        // (A place past the end of a function's last statement: the function above.)
        scope_at_line_end(&module, offset, &mut scope);
    }
    let mut out: Vec<Completion> = Vec::new();
    let mut add = |label: &str, kind: DefKind, detail: String| {
        if !label.is_empty() && !label.starts_with("__") && !out.iter().any(|c| c.label == label) {
            out.push(Completion {
                label: label.to_string(),
                kind,
                detail,
            });
        }
    };
    if let Some(r) = receiver {
        let base = Expr {
            kind: ExprKind::Name(r.to_string()),
            span: Span::new(offset as usize, offset as usize),
        };
        match cx.receiver(file, &scope, &base) {
            Some(Receiver::Module(m)) => {
                for s in symbols(&cx.modules[m]) {
                    add(&s.name, s.kind, cx.names[m].clone());
                }
            }
            Some(Receiver::Struct(name)) => {
                if let Some((m, sd)) = cx.find_struct(&name) {
                    for s in sd.body.iter().filter_map(|s| symbol(s, true)) {
                        let detail = match s.kind {
                            DefKind::Method => cx.header(m, s.span),
                            _ => format!("{}.{}", sd.name.name, s.name),
                        };
                        add(&s.name, s.kind, detail);
                    }
                }
            }
            None => {}
        }
        return out;
    }
    for (d, _) in scope.defs.iter().rev() {
        for p in &d.args {
            add(&p.name.name, DefKind::Parameter, String::new());
        }
        bindings(&d.body, &mut |id, _, _| {
            add(id, DefKind::Variable, String::new())
        });
    }
    for s in symbols(&module) {
        add(&s.name, s.kind, String::new());
    }
    for s in &module.body {
        match &s.kind {
            StmtKind::FromImport { names, .. } => {
                for (orig, alias) in names {
                    add(
                        &alias.as_ref().unwrap_or(orig).name,
                        DefKind::Variable,
                        "import".into(),
                    );
                }
            }
            StmtKind::Import { path, alias } => {
                let n = alias
                    .as_ref()
                    .or(path.first())
                    .map(|i| i.name.clone())
                    .unwrap_or_default();
                add(&n, DefKind::Module, "import".into());
            }
            _ => {}
        }
    }
    for n in crate::PRELUDE_NAMES
        .iter()
        .chain(crate::check::BUILTIN_NAMES)
    {
        add(n, DefKind::Function, "built-in".into());
    }
    for k in KEYWORDS {
        add(k, DefKind::Constant, "keyword".into());
    }
    out
}

/// The functions whose span ends before `offset` on the same indentation block: for a
/// cursor at the end of a function's body (where no statement contains it yet).
fn scope_at_line_end<'a>(module: &'a Module, offset: u32, scope: &mut Scope<'a>) {
    let mut last = None;
    for (i, s) in module.body.iter().enumerate() {
        if s.span.start <= offset {
            last = Some((i, s));
        }
    }
    if let Some((i, s)) = last
        && let StmtKind::Def(d) = &s.kind
    {
        scope.defs.push((d, Some((i, None))));
    }
}

/// Inlay hints: the checked type of each `var x = ...` without an annotation and of each
/// `for x in ...` target, in nested blocks too, as (position after the name, text).
pub fn inlay_types(db: &dyn salsa::Database, program: Program, file: usize) -> Vec<(u32, String)> {
    let cx = Cx::new(db, program);
    let Some(module) = cx.modules.get(file).cloned() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut per_fn = |d: &FnDef, loc: (usize, Option<usize>)| {
        let mut seen = std::collections::HashSet::new();
        let mut each = |name: &str, end: u32| {
            if seen.insert(name.to_string())
                && let [(t, None)] = cx.local_types(file, Some(loc), name).as_slice()
            {
                out.push((end, format!(": {t}")));
            }
        };
        // `var x = ...` without an annotation and `for x in ...`, in the body and its nested
        // blocks (not in nested functions, whose locals are their own).
        fn walk(stmts: &[Stmt], each: &mut dyn FnMut(&str, u32)) {
            for s in stmts {
                match &s.kind {
                    StmtKind::Var { name, ty: None, .. } => each(&name.name, name.span.end),
                    StmtKind::For { target, .. } => {
                        if let ExprKind::Name(n) = &target.kind {
                            each(n, target.span.end);
                        }
                    }
                    _ => {}
                }
                for b in blocks(s) {
                    walk(b, each);
                }
            }
        }
        walk(&d.body, &mut each);
    };
    for (i, s) in module.body.iter().enumerate() {
        match &s.kind {
            StmtKind::Def(d) => per_fn(d, (i, None)),
            StmtKind::Struct(sd) => {
                for (j, m) in sd.body.iter().enumerate() {
                    if let StmtKind::Def(d) = &m.kind {
                        per_fn(d, (i, Some(j)));
                    }
                }
            }
            _ => {}
        }
    }
    out
}
