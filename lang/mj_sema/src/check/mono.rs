//! Monomorphization: after the bodies are checked, every instance of a generic function
//! that a checked body calls is checked in turn (through a callback, so the salsa layer
//! can cache each instance), calls are pointed at the instances, and every instance of a
//! generic struct becomes a struct of its own. Lowering sees concrete code only.

use std::collections::HashMap;
use std::sync::Arc;

use mj_syntax::Diag;

use super::Ctx;
use crate::tir::{Callee, FnId, TExprKind as K, TFunction, TStruct, rewrite};
use crate::ty::{CtArg, Targs, Ty};

/// More instances than this means unbounded recursion through compile-time parameters.
const MAX_INSTANCES: usize = 20_000;

pub(crate) type InstanceFn<'a> = dyn FnMut(u32, &Targs) -> (TFunction, Vec<(usize, Diag)>) + 'a;

/// Instances of generic functions by (template, arguments).
pub(crate) type InstanceIds = HashMap<(u32, Targs), u32>;

/// Adds the instances reachable from `functions` and rewrites calls to them. The
/// destructor of every generic struct instance a body uses is instantiated too (the
/// lowering calls it through `TStruct::del`).
pub(crate) fn instantiate_all(
    cx: &Ctx,
    functions: &mut Vec<TFunction>,
    instance: &mut InstanceFn,
    diags: &mut Vec<(usize, Diag)>,
) -> InstanceIds {
    let base = functions.len();
    let mut ids: InstanceIds = HashMap::new();
    let mut i = 0;
    while i < functions.len() {
        // Closures defined in this function join the program right after it.
        let lifted = std::mem::take(&mut functions[i].lifted);
        if !lifted.is_empty() {
            let first = functions.len() as u32;
            let point = |f: &mut TFunction| {
                rewrite(&mut f.body, &mut |e| {
                    if let K::Call(c @ Callee::Closure(_), _) | K::FnAddr(c @ Callee::Closure(_)) =
                        &mut e.kind
                        && let Callee::Closure(k) = c
                    {
                        *c = Callee::Fn(FnId(first + *k));
                    }
                });
            };
            point(&mut functions[i]);
            // A lifted function is named after its body's function (`run.inner`); the
            // parent's full name (module, struct, instance arguments) makes it unique.
            // (Two lifted functions may share a name: a nested `def` copied into each
            // sibling that calls it. They are numbered.)
            let parent = functions[i].name.clone();
            let mut taken = std::collections::HashSet::new();
            for mut f in lifted {
                point(&mut f);
                let own = f
                    .name
                    .split_once('.')
                    .map_or(f.name.as_str(), |(_, rest)| rest);
                let mut name = format!("{parent}.{own}");
                let mut k = 2;
                while !taken.insert(name.clone()) {
                    name = format!("{parent}.{own}#{k}");
                    k += 1;
                }
                f.name = name;
                functions.push(f);
            }
        }
        let mut pending: Vec<(u32, Targs)> = Vec::new();
        let first_new = functions.len();
        let mut slot = |id: u32, a: &Targs, pending: &mut Vec<(u32, Targs)>| -> u32 {
            *ids.entry((id, a.clone())).or_insert_with(|| {
                pending.push((id, a.clone()));
                (first_new + pending.len() - 1) as u32
            })
        };
        rewrite(&mut functions[i].body, &mut |e| match &mut e.kind {
            K::Call(c @ Callee::Inst(..), _) => {
                if let Callee::Inst(id, a) = c {
                    let new = slot(id.0, a, &mut pending);
                    *c = Callee::Fn(FnId(new));
                }
            }
            K::ConstructInst(id, a, args) => {
                let new = slot(id.0, a, &mut pending);
                e.kind = K::Construct(FnId(new), std::mem::take(args));
            }
            _ => {}
        });
        for (id, a) in dels_of(cx, &functions[i]) {
            slot(id, &a, &mut pending);
        }
        for (id, a) in pending {
            if let Some(d) = runaway(cx, id, &a, functions.len() - base) {
                diags.push(d);
                return ids;
            }
            let (f, d) = instance(id, &a);
            functions.push(f);
            diags.extend(d);
        }
        i += 1;
    }
    ids
}

/// The destructors of the generic struct instances a body's locals and expressions use.
fn dels_of(cx: &Ctx, f: &TFunction) -> Vec<(u32, Targs)> {
    let mut dels: Vec<(u32, Targs)> = Vec::new();
    let mut seen: Vec<Ty> = Vec::new();
    for l in &f.locals {
        struct_dels(cx, &l.ty, &mut seen, &mut dels);
    }
    crate::tir::walk(&f.body, &mut |_| {}, &mut |e| {
        struct_dels(cx, &e.ty, &mut seen, &mut dels);
    });
    dels
}

/// The error for instantiating `id` with `a` when `made` functions have been added
/// already: a type argument nested too deep, or too many instances (unbounded recursion
/// through compile-time parameters).
fn runaway(cx: &Ctx, id: u32, a: &Targs, made: usize) -> Option<(usize, Diag)> {
    let too_deep = a.iter().any(|c| match c {
        CtArg::Type(t) => t.depth() > crate::ty::MAX_TYPE_DEPTH,
        _ => false,
    });
    if !too_deep && made < MAX_INSTANCES {
        return None;
    }
    let f = &cx.funcs[id as usize];
    let what = if too_deep {
        format!(
            "a type argument of `{}` nests more than {} levels deep",
            f.def.name.name,
            crate::ty::MAX_TYPE_DEPTH
        )
    } else {
        format!("more than {MAX_INSTANCES} instances of generic functions")
    };
    Some((
        f.module,
        Diag::error(
            super::generics::E_GENERIC,
            format!(
                "{what}: `{}` recurses through its compile-time parameters",
                f.def.name.name
            ),
            f.def.name.span,
        )
        .with_hint("make the recursion end at a compile-time condition (`comptime if`)"),
    ))
}

/// The diagnostics `instantiate_all` reports, in its order, without building the
/// program: the same instances are found and checked (through `instance`, which the
/// database caches), but no body is copied or rewritten. What `mj check` and the
/// language server report, and the instances found.
pub(crate) fn instance_diags(
    cx: &Ctx,
    functions: Vec<Arc<TFunction>>,
    instance: &mut dyn FnMut(u32, &Targs) -> (Arc<TFunction>, Vec<(usize, Diag)>),
) -> (Vec<(usize, Diag)>, Vec<(u32, Targs)>) {
    // A function to visit: a checked body, or a closure lifted out of one (by path). The
    // bodies in the order they were declared (`Ctx::fn_order`), so that the instances and
    // their diagnostics come in the same order whatever the ids are.
    let mut slots: Vec<Option<Arc<TFunction>>> = functions.into_iter().map(Some).collect();
    let mut queue: Vec<(Arc<TFunction>, Vec<usize>)> = Vec::with_capacity(slots.len());
    for &i in &cx.fn_order {
        if let Some(f) = slots.get_mut(i as usize).and_then(Option::take) {
            queue.push((f, Vec::new()));
        }
    }
    queue.extend(slots.into_iter().flatten().map(|f| (f, Vec::new())));
    let base = queue.len();
    let mut ids: std::collections::HashSet<(u32, Targs)> = std::collections::HashSet::new();
    let mut diags = Vec::new();
    // The instances in the order they were found (the editor reads a generic body's
    // expression types from them).
    let mut found = Vec::new();
    let mut i = 0;
    while i < queue.len() {
        let (root, path) = queue[i].clone();
        let mut f: &TFunction = &root;
        for &k in &path {
            f = &f.lifted[k];
        }
        for k in 0..f.lifted.len() {
            let mut p = path.clone();
            p.push(k);
            queue.push((root.clone(), p));
        }
        let mut pending: Vec<(u32, Targs)> = Vec::new();
        let mut slot = |id: u32, a: &Targs| {
            if ids.insert((id, a.clone())) {
                pending.push((id, a.clone()));
            }
        };
        crate::tir::walk_post(&f.body, &mut |e| match &e.kind {
            K::Call(Callee::Inst(id, a), _) => slot(id.0, a),
            K::ConstructInst(id, a, _) => slot(id.0, a),
            _ => {}
        });
        for (id, a) in dels_of(cx, f) {
            slot(id, &a);
        }
        for (id, a) in pending {
            if let Some(d) = runaway(cx, id, &a, queue.len() - base) {
                diags.push(d);
                return (diags, found);
            }
            let (g, d) = instance(id, &a);
            queue.push((g, Vec::new()));
            diags.extend(d);
            found.push((id, a));
        }
        i += 1;
    }
    (diags, found)
}

/// The destructors of the generic struct instances in `t` (fields included).
fn struct_dels(cx: &Ctx, t: &Ty, seen: &mut Vec<Ty>, out: &mut Vec<(u32, Targs)>) {
    match t {
        Ty::Struct(s, a) if !a.is_empty() => {
            if seen.contains(t) || seen.len() > 4096 {
                return;
            }
            seen.push(t.clone());
            if let Some(d) = cx.structs[*s as usize].methods.get("__del__")
                && cx.funcs[d.0 as usize].generics.len() == a.len()
            {
                out.push((d.0, a.clone()));
            }
            for (_, ft) in super::generics::fields_of(cx, t).unwrap_or_default() {
                struct_dels(cx, &ft, seen, out);
            }
        }
        Ty::Struct(s, _) => {
            // A non-generic struct may hold generic ones. (A template named without its
            // arguments has fields that mention its parameters: nothing to instantiate.)
            if seen.contains(t) || !cx.structs[*s as usize].params.is_empty() {
                return;
            }
            seen.push(t.clone());
            for (_, ft) in cx.structs[*s as usize].fields.clone() {
                struct_dels(cx, &ft, seen, out);
            }
        }
        Ty::Ptr(e) | Ty::Vector(e, _) | Ty::Array(e, _) | Ty::Span(e) | Ty::Uninit(e) => {
            struct_dels(cx, e, seen, out)
        }
        Ty::RawPtr(e, _) => struct_dels(cx, e, seen, out),
        Ty::Tuple(ts) => ts.iter().for_each(|t| struct_dels(cx, t, seen, out)),
        _ => {}
    }
}

/// Gives every struct instance its own struct and rewrites all types to refer to it.
pub(crate) fn monomorphize_types(
    cx: &Ctx,
    functions: &mut [TFunction],
    ids: &InstanceIds,
) -> Vec<TStruct> {
    let mut m = Mono {
        cx,
        fn_ids: ids,
        structs: cx
            .structs
            .iter()
            .map(|s| TStruct {
                // (Templates are named like template functions, so dumps can leave them out.)
                name: if s.params.is_empty() {
                    s.name.clone()
                } else {
                    format!("{}<template>", s.name)
                },
                // A template's fields mention its parameters: it is never laid out.
                fields: if s.params.is_empty() {
                    s.fields.clone()
                } else {
                    Vec::new()
                },
                del: s
                    .methods
                    .get("__del__")
                    .copied()
                    .filter(|_| s.params.is_empty()),
            })
            .collect(),
        ids: HashMap::new(),
    };
    // Non-generic structs may hold instances in their fields.
    for s in 0..m.structs.len() {
        let fields = std::mem::take(&mut m.structs[s].fields);
        m.structs[s].fields = fields.into_iter().map(|(n, t)| (n, m.ty(&t))).collect();
    }
    for f in functions.iter_mut() {
        for l in &mut f.locals {
            l.ty = m.ty(&l.ty);
        }
        f.ret = m.ty(&f.ret);
        f.raises_ty = f.raises_ty.as_ref().map(|t| m.ty(t));
        rewrite(&mut f.body, &mut |e| {
            e.ty = m.ty(&e.ty);
            if let K::SizeOf(t) = &mut e.kind {
                *t = m.ty(t);
            }
        });
    }
    m.structs
}

struct Mono<'a> {
    cx: &'a Ctx,
    fn_ids: &'a InstanceIds,
    structs: Vec<TStruct>,
    ids: HashMap<Ty, u32>,
}

impl Mono<'_> {
    fn ty(&mut self, t: &Ty) -> Ty {
        match t {
            Ty::Struct(_, a) if a.is_empty() => t.clone(),
            Ty::Struct(s, _) => {
                if let Some(&id) = self.ids.get(t) {
                    return Ty::st(id);
                }
                let id = self.structs.len() as u32;
                self.ids.insert(t.clone(), id);
                let name = format!(
                    "{}{}",
                    self.cx.structs[*s as usize].name,
                    &t.display(self.cx.struct_names.as_slice()).to_string()
                        [self.cx.struct_names[*s as usize].len()..]
                );
                let del = match t {
                    Ty::Struct(s, a) => self.cx.structs[*s as usize]
                        .methods
                        .get("__del__")
                        .and_then(|d| self.fn_ids.get(&(d.0, a.clone())))
                        .map(|&f| FnId(f)),
                    _ => None,
                };
                self.structs.push(TStruct {
                    name,
                    fields: Vec::new(),
                    del,
                });
                let fields = super::generics::fields_of(self.cx, t).unwrap_or_default();
                let fields = fields
                    .into_iter()
                    .map(|(n, ft)| (n, self.ty(&ft)))
                    .collect();
                self.structs[id as usize].fields = fields;
                Ty::st(id)
            }
            Ty::Ptr(e) => Ty::Ptr(Box::new(self.ty(e))),
            Ty::Tuple(ts) => Ty::Tuple(ts.iter().map(|t| self.ty(t)).collect()),
            Ty::Vector(e, n) => Ty::Vector(Box::new(self.ty(e)), *n),
            Ty::Array(e, n) => Ty::Array(Box::new(self.ty(e)), *n),
            Ty::RawPtr(e, s) => Ty::RawPtr(Box::new(self.ty(e)), *s),
            Ty::Span(e) => Ty::Span(Box::new(self.ty(e))),
            Ty::Uninit(e) => Ty::Uninit(Box::new(self.ty(e))),
            t => t.clone(),
        }
    }
}
