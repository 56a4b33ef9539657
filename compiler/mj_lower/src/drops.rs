//! Destruction of values: drop flags, destructor calls and what every exit from a scope
//! destroys. The checker decides which locals own a value with a destructor and where their
//! scopes are (`TStmt::Scope`), which temporaries die at the end of their statement
//! (`TStmt::Drop`) and where values are moved out (`TExprKind::Move`); see
//! `mj_sema/src/check/ownership.rs`.
//!
//! Every owning local gets a `Bool` drop flag: set when a value is stored, cleared when the
//! value is moved out or destroyed. Leaving a scope destroys, in reverse declaration order,
//! the locals whose flag is set, so a value moved on one branch only is destroyed exactly
//! when it was not moved. LLVM folds the flags away where they are constant.
//!
//! Destroying a struct calls its `__del__` (which destroys the fields after its body: its
//! `deinit self` is an owning local that only loses its fields), or, without one, destroys
//! its fields in reverse order; a tuple destroys its elements in reverse order.

use std::collections::{HashMap, HashSet};

use mj_mir::{self as mir, Callee, Const, Local, Operand, Place, Proj, Rvalue, Stmt, Terminator};
use mj_sema::tir::{self, LocalId, TExpr, TExprKind as K, TStmt};
use mj_sema::ty::Ty;

use super::{Fx, R};

/// An open scope: its owning locals and how many `finally` bodies were active when it
/// opened (to interleave destruction and `finally` bodies on the way out).
#[derive(Clone)]
pub(super) struct DropScope {
    locals: Vec<LocalId>,
    finally_depth: usize,
}

#[derive(Default)]
pub(super) struct DropState {
    flags: HashMap<LocalId, Local>,
    pub(super) scopes: Vec<DropScope>,
    /// For each active `finally` body, the number of scopes open when it was pushed.
    pub(super) finally_scopes: Vec<usize>,
}

impl Fx<'_> {
    /// Creates the drop flags of every owning local, set at entry for owned arguments.
    pub(super) fn prepare_drops(&mut self) {
        let mut owned: Vec<LocalId> = Vec::new();
        tir::walk(
            &self.f.body,
            &mut |s| {
                if let TStmt::Scope { locals, .. } = s {
                    owned.extend(locals.iter().copied());
                }
            },
            &mut |_| {},
        );
        let params: HashSet<LocalId> = self.f.params.iter().copied().collect();
        for l in owned {
            if self.drops.flags.contains_key(&l) {
                continue;
            }
            let flag = self.temp(mir::Ty::Bool);
            let live = params.contains(&l);
            self.push(Stmt::Assign(
                Place::local(flag),
                Rvalue::Use(Operand::Const(Const::Bool(live))),
            ));
            self.drops.flags.insert(l, flag);
        }
    }

    pub(super) fn needs_drop(&self, t: &Ty) -> bool {
        self.needs_drop_at(t, 0)
    }

    fn needs_drop_at(&self, t: &Ty, depth: u32) -> bool {
        if depth > 64 {
            return false;
        }
        match t {
            Ty::Struct(s, _) => self.tp.structs.get(*s as usize).is_some_and(|st| {
                st.del.is_some()
                    || st
                        .fields
                        .iter()
                        .any(|(_, f)| self.needs_drop_at(f, depth + 1))
            }),
            Ty::Tuple(ts) => ts.iter().any(|t| self.needs_drop_at(t, depth + 1)),
            // Releasing a reference (`handles.rs`).
            t => mj_sema::handles::is_handle(t),
        }
    }

    /// Whether any scope with owning locals is open (a `return` then copies its value
    /// out before the destructors run).
    pub(super) fn has_drops(&self) -> bool {
        self.drops.scopes.iter().any(|s| !s.locals.is_empty())
    }

    /// `TStmt::Scope`: lowers the body, then destroys what is still alive.
    pub(super) fn scope_stmt(&mut self, locals: &[LocalId], body: &[TStmt]) -> R<()> {
        self.drops.scopes.push(DropScope {
            locals: locals.to_vec(),
            finally_depth: self.finally_stack.len(),
        });
        self.stmts(body)?;
        if let Some(s) = self.drops.scopes.pop() {
            self.drop_scope(&s.locals);
        }
        Ok(())
    }

    fn drop_scope(&mut self, locals: &[LocalId]) {
        for &l in locals.iter().rev() {
            self.drop_if_live(l);
        }
    }

    /// Destroys a local if its flag says it holds a value, and clears the flag.
    pub(super) fn drop_if_live(&mut self, l: LocalId) {
        let Some(&flag) = self.drops.flags.get(&l) else {
            return;
        };
        let live_bb = self.new_block();
        let join = self.new_block();
        self.terminate(Terminator::Branch {
            cond: Operand::Copy(Place::local(flag)),
            then_bb: live_bb,
            else_bb: join,
        });
        self.cur = live_bb;
        self.set_flag(flag, false);
        self.drop_local(l);
        self.terminate(Terminator::Goto(join));
        self.cur = join;
    }

    /// Marks an owning local as holding a value (a caught error stored by `raise`).
    pub(super) fn set_live(&mut self, l: LocalId) {
        if let Some(&flag) = self.drops.flags.get(&l) {
            self.set_flag(flag, true);
        }
    }

    fn set_flag(&mut self, flag: Local, v: bool) {
        self.push(Stmt::Assign(
            Place::local(flag),
            Rvalue::Use(Operand::Const(Const::Bool(v))),
        ));
    }

    /// Destroys the value of a local: a `deinit` argument loses only its fields.
    fn drop_local(&mut self, l: LocalId) {
        let ty = self.f.locals[l.0 as usize].ty.clone();
        let place = self.place_of_local(l);
        match &self.f.drops.deinit {
            Some((d, moved)) if *d == l => {
                let moved = moved.clone();
                self.drop_fields(place, &ty, &moved);
            }
            _ => self.drop_place(place, &ty),
        }
    }

    /// Destroys the value stored at `place`.
    pub(super) fn drop_place(&mut self, place: Place, ty: &Ty) {
        if mj_sema::handles::is_handle(ty) {
            self.release_place(place, ty);
            return;
        }
        if let Ty::Struct(s, _) = ty
            && let Some(del) = self.tp.structs.get(*s as usize).and_then(|st| st.del)
        {
            self.push(Stmt::Call {
                dest: None,
                callee: Callee::Fn(mir::FuncId(del.0)),
                args: vec![Operand::Copy(place)],
            });
            return;
        }
        self.drop_fields(place, ty, &[]);
    }

    /// Destroys the fields (or tuple elements) of the value at `place` in reverse order,
    /// except `skip`.
    fn drop_fields(&mut self, place: Place, ty: &Ty, skip: &[u32]) {
        let fields: Vec<Ty> = match ty {
            Ty::Struct(s, _) => match self.tp.structs.get(*s as usize) {
                Some(st) => st.fields.iter().map(|(_, t)| t.clone()).collect(),
                None => return,
            },
            Ty::Tuple(ts) => ts.clone(),
            _ => return,
        };
        for (i, ft) in fields.iter().enumerate().rev() {
            if skip.contains(&(i as u32)) || !self.needs_drop(ft) {
                continue;
            }
            let mut p = place.clone();
            p.proj.push(Proj::Field(i as u32));
            self.drop_place(p, ft);
        }
    }

    /// `x^`: clears the drop flag; the value is read where it is used.
    pub(super) fn move_out(&mut self, l: LocalId) -> Operand {
        if let Some(&flag) = self.drops.flags.get(&l) {
            self.set_flag(flag, false);
        }
        Operand::Copy(self.place_of_local(l))
    }

    /// A store that replaces a value with a destructor: the new value is computed, the old
    /// one destroyed, then the new one stored. Returns false when `target` needs nothing
    /// special (no destructor, an uninitialized `out` argument, a collection element).
    pub(super) fn assign_owned(&mut self, target: &TExpr, value: &TExpr) -> R<bool> {
        if !self.needs_drop(&target.ty) {
            return Ok(false);
        }
        let field_through_pointer = matches!(target.kind, K::Field(..))
            && matches!(&deref_root(target).map(|d| &d.kind), Some(K::Deref(inner)) if !matches!(inner.kind, K::Local(_)));
        let through_ref = matches!(&target.kind, K::Deref(inner) if matches!(inner.kind, K::Call(..) | K::Seq(..)));
        if through_ref || field_through_pointer {
            // (Also a field of a value reached through a pointer, `p[i].value = v`: the
            // value it belongs to is initialized, so the field holds a live value.)
            // A store through a `-> ref` result (`xs[i] = v` on a struct whose
            // `__getitem__` returns a reference): the place holds a live value, which is
            // destroyed before it is overwritten. The address is computed once. (Also the
            // bounds-checked element of a library `List`, whose address is a `Seq`.)
            let v = self.owned_operand(value)?;
            let tmp = self.temp(crate::lower_ty(&value.ty)?);
            self.push(Stmt::Assign(Place::local(tmp), Rvalue::Use(v)));
            let p = self.place(target)?;
            self.drop_place(p.clone(), &target.ty);
            self.push(Stmt::Assign(
                p,
                Rvalue::Use(Operand::Copy(Place::local(tmp))),
            ));
            return Ok(true);
        }
        let Some(root) = field_root(target) else {
            return Ok(false);
        };
        let is_local = matches!(target.kind, K::Local(_));
        let flag = self.drops.flags.get(&root).copied();
        let by_ref = self.f.locals[root.0 as usize].by_ref;
        if self.f.drops.out_params.contains(&root) || (is_local && flag.is_none() && !by_ref) {
            return Ok(false);
        }
        let v = self.owned_operand(value)?;
        let tmp = self.temp(crate::lower_ty(&value.ty)?);
        self.push(Stmt::Assign(Place::local(tmp), Rvalue::Use(v)));
        match (is_local, flag) {
            (true, Some(_)) => self.drop_if_live(root),
            _ => {
                // A field of an initialized value, or a `mut` argument: always alive.
                let p = self.place(target)?;
                self.drop_place(p, &target.ty);
            }
        }
        let p = self.place(target)?;
        self.push(Stmt::Assign(
            p,
            Rvalue::Use(Operand::Copy(Place::local(tmp))),
        ));
        if let (true, Some(flag)) = (is_local, flag) {
            self.set_flag(flag, true);
        }
        Ok(true)
    }

    /// Leaves every scope and `finally` body above the given depths, innermost first
    /// (for `break`, `continue` and `return`).
    pub(super) fn exit_to(&mut self, finally_depth: usize, scope_depth: usize) -> R<()> {
        let saved_finally = self.finally_stack.clone();
        let saved_scopes = self.drops.scopes.clone();
        let saved_fs = self.drops.finally_scopes.clone();
        loop {
            let scope_inner = self.drops.scopes.len() > scope_depth
                && self
                    .drops
                    .scopes
                    .last()
                    .is_some_and(|s| s.finally_depth >= self.finally_stack.len());
            if scope_inner {
                if let Some(s) = self.drops.scopes.pop() {
                    self.drop_scope(&s.locals);
                }
            } else if self.finally_stack.len() > finally_depth {
                let Some(body) = self.finally_stack.pop() else {
                    break;
                };
                let open = self.drops.finally_scopes.pop().unwrap_or(0);
                self.drops.scopes.truncate(open);
                self.stmts(&body)?;
            } else if self.drops.scopes.len() > scope_depth {
                if let Some(s) = self.drops.scopes.pop() {
                    self.drop_scope(&s.locals);
                }
            } else {
                break;
            }
        }
        self.finally_stack = saved_finally;
        self.drops.scopes = saved_scopes;
        self.drops.finally_scopes = saved_fs;
        Ok(())
    }

    /// Destroys what the scopes above `depth` own, for an error leaving them.
    pub(super) fn drop_scopes_to(&mut self, depth: usize) {
        let scopes = self.drops.scopes.clone();
        for s in scopes.iter().skip(depth).rev() {
            self.drop_scope(&s.locals);
        }
    }

    pub(super) fn scope_depth(&self) -> usize {
        self.drops.scopes.len()
    }
}

/// The local a place of fields is rooted in (`x`, `x.a.b`), if it is one.
/// The `Deref` a chain of field accesses starts from, if any.
fn deref_root(e: &TExpr) -> Option<&TExpr> {
    match &e.kind {
        K::Deref(_) => Some(e),
        K::Field(b, _) => deref_root(b),
        _ => None,
    }
}

fn field_root(e: &TExpr) -> Option<LocalId> {
    match &e.kind {
        K::Local(l) => Some(*l),
        K::Field(b, _) => field_root(b),
        _ => None,
    }
}
