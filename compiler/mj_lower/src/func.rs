//! Lowering of one function body.

use mj_mir::{
    self as mir, BlockId, Callee, Const, Local, Operand, Place, Proj, Rvalue, Stmt, Terminator,
};
use mj_sema::tir::{
    self, LocalId, TArg, TBin, TCmp, TExpr, TExprKind as K, TFunction, TProgram, TStmt, TUn,
};
use mj_sema::ty::Ty;

use crate::lower_ty;

#[path = "drops.rs"]
mod drops;
#[path = "handles.rs"]
mod handles;
mod simd;
#[path = "typed_errors.rs"]
mod typed_errors;

type R<T> = Result<T, String>;

/// Where an error raised at this point goes: store it in `slot`, then jump to `target`.
/// `None` means "raise out of the function".
#[derive(Clone, Copy)]
struct ErrTarget {
    slot: Local,
    target: BlockId,
    /// How many destruction scopes are open at the target.
    scope_depth: usize,
}

struct LoopCx {
    continue_bb: BlockId,
    break_bb: BlockId,
    /// How many `finally` bodies were active when the loop started.
    finally_depth: usize,
    /// How many destruction scopes were open when the loop started.
    scope_depth: usize,
}

struct Fx<'a> {
    tp: &'a TProgram,
    f: &'a TFunction,
    locals: Vec<mir::LocalDecl>,
    blocks: Vec<(Vec<Stmt>, Option<Terminator>)>,
    cur: BlockId,
    loops: Vec<LoopCx>,
    finally_stack: Vec<Vec<TStmt>>,
    err_targets: Vec<ErrTarget>,
    drops: drops::DropState,
}

pub(crate) fn lower_function(tp: &TProgram, f: &TFunction) -> R<mir::Function> {
    let mut fx = Fx {
        tp,
        f,
        locals: Vec::new(),
        blocks: Vec::new(),
        cur: BlockId(0),
        loops: Vec::new(),
        finally_stack: Vec::new(),
        err_targets: Vec::new(),
        drops: Default::default(),
    };
    for l in &f.locals {
        let t = lower_ty(&l.ty).map_err(|e| format!("{} (local `{}` in {})", e, l.name, f.name))?;
        let ty = if l.by_ref { mir::Ty::ptr(t) } else { t };
        let name = if l.name.is_empty() {
            None
        } else {
            Some(l.name.clone())
        };
        fx.locals.push(mir::LocalDecl { ty, name });
    }
    fx.cur = fx.new_block();
    fx.prepare_drops();
    fx.stmts(&f.body)?;
    // Falling off the end returns nothing (the checker rejects it for non-None results).
    if f.ret == Ty::Unit {
        fx.terminate(Terminator::Return(Operand::Const(Const::Unit)));
    } else {
        fx.terminate(Terminator::Abort {
            line: 0,
            message: "reached the end of a function without returning".into(),
        });
    }
    let ret = lower_ty(&f.ret)?;
    let blocks = fx
        .blocks
        .into_iter()
        .map(|(stmts, term)| mir::Block {
            stmts,
            term: term.unwrap_or(Terminator::Unreachable),
        })
        .collect();
    let mut func = mir::Function {
        name: f.name.clone(),
        params: f.params.iter().map(|l| Local(l.0)).collect(),
        ret,
        raises: f.raises,
        locals: fx.locals,
        blocks,
        linkage: if f.export {
            mir::Linkage::Export
        } else {
            mir::Linkage::Internal
        },
        inline: match f.inline {
            Some(true) => mir::Inline::Always,
            Some(false) => mir::Inline::Never,
            None => mir::Inline::Auto,
        },
        file: f.file.clone(),
    };
    mir::passes::remove_unreachable_blocks(&mut func);
    Ok(func)
}

fn int(v: i128) -> Operand {
    Operand::Const(Const::Int(v, mir::Ty::INT))
}

impl Fx<'_> {
    fn new_block(&mut self) -> BlockId {
        self.blocks.push((Vec::new(), None));
        BlockId(self.blocks.len() as u32 - 1)
    }

    fn push(&mut self, s: Stmt) {
        self.blocks[self.cur.0 as usize].0.push(s);
    }

    /// Ends the current block; code after it goes into a fresh (unreachable) block.
    fn terminate(&mut self, t: Terminator) {
        let b = &mut self.blocks[self.cur.0 as usize];
        if b.1.is_none() {
            b.1 = Some(t);
        }
        self.cur = self.new_block();
    }

    fn goto_new(&mut self, t: Terminator, next: BlockId) {
        self.terminate(t);
        self.cur = next;
    }

    fn temp(&mut self, ty: mir::Ty) -> Local {
        self.locals.push(mir::LocalDecl { ty, name: None });
        Local(self.locals.len() as u32 - 1)
    }

    fn place_of_local(&self, l: LocalId) -> Place {
        let mut p = Place::local(Local(l.0));
        if self.f.locals[l.0 as usize].by_ref {
            p.proj.push(Proj::Deref);
        }
        p
    }

    fn file_const(&self) -> Operand {
        Operand::Const(Const::Str(self.f.file.clone()))
    }

    // ---- statements ----

    fn stmts(&mut self, ss: &[TStmt]) -> R<()> {
        for s in ss {
            self.stmt(s)?;
        }
        Ok(())
    }

    fn stmt(&mut self, s: &TStmt) -> R<()> {
        match s {
            TStmt::Expr(e) => {
                self.discard(e)?;
            }
            TStmt::Assign(target, value) => {
                if target.ty == Ty::Unit {
                    self.discard(value)?;
                    return Ok(());
                }
                if self.assign_owned(target, value)? {
                    return Ok(());
                }
                let v = self.operand(value)?;
                let p = self.place(target)?;
                self.push(Stmt::Assign(p, Rvalue::Use(v)));
            }
            TStmt::If(c, a, b) => {
                let cond = self.operand(c)?;
                let then_bb = self.new_block();
                let else_bb = self.new_block();
                let join = self.new_block();
                self.terminate(Terminator::Branch {
                    cond,
                    then_bb,
                    else_bb,
                });
                self.cur = then_bb;
                self.stmts(a)?;
                self.goto_new(Terminator::Goto(join), else_bb);
                self.stmts(b)?;
                self.goto_new(Terminator::Goto(join), join);
            }
            TStmt::While {
                cond,
                body,
                else_body,
            } => {
                let head = self.new_block();
                let body_bb = self.new_block();
                let else_bb = self.new_block();
                let exit = self.new_block();
                self.goto_new(Terminator::Goto(head), head);
                let c = self.operand(cond)?;
                self.terminate(Terminator::Branch {
                    cond: c,
                    then_bb: body_bb,
                    else_bb,
                });
                self.cur = body_bb;
                self.loops.push(LoopCx {
                    continue_bb: head,
                    break_bb: exit,
                    finally_depth: self.finally_stack.len(),
                    scope_depth: self.scope_depth(),
                });
                self.stmts(body)?;
                self.loops.pop();
                self.goto_new(Terminator::Goto(head), else_bb);
                self.stmts(else_body)?;
                self.goto_new(Terminator::Goto(exit), exit);
            }
            TStmt::Break | TStmt::Continue => {
                let Some(lp) = self.loops.last() else {
                    return Err("internal error: break outside a loop".into());
                };
                let (target, depth, scopes) = match s {
                    TStmt::Break => (lp.break_bb, lp.finally_depth, lp.scope_depth),
                    _ => (lp.continue_bb, lp.finally_depth, lp.scope_depth),
                };
                self.exit_to(depth, scopes)?;
                self.terminate(Terminator::Goto(target));
            }
            TStmt::Return(v) => {
                let op = match v {
                    Some(e) => {
                        // The result is the caller's reference.
                        let op = self.owned_operand(e)?;
                        if self.finally_stack.is_empty() && !self.has_drops() {
                            op
                        } else {
                            // The value is computed before `finally` runs, as in Python.
                            let t = self.temp(lower_ty(&e.ty)?);
                            self.push(Stmt::Assign(Place::local(t), Rvalue::Use(op)));
                            Operand::Copy(Place::local(t))
                        }
                    }
                    None => Operand::Const(Const::Unit),
                };
                self.exit_to(0, 0)?;
                self.terminate(Terminator::Return(op));
            }
            TStmt::Raise(e) => {
                // The error slot holds a reference of its own.
                let op = self.owned_operand(e)?;
                if matches!(e.ty, Ty::Tuple(_)) {
                    self.raise_typed(op, &e.ty)?;
                } else {
                    self.raise(op);
                }
            }
            TStmt::Try {
                body,
                handler,
                else_body,
                finally_body,
            } => self.try_stmt(body, handler, else_body, finally_body)?,
            TStmt::Abort(line, msg) => self.terminate(Terminator::Abort {
                line: *line,
                message: msg.clone(),
            }),
            TStmt::Block(b) => self.stmts(b)?,
            TStmt::Scope { locals, body } => self.scope_stmt(locals, body)?,
            TStmt::Drop(l) => self.drop_if_live(*l),
        }
        Ok(())
    }

    fn raise(&mut self, err: Operand) {
        let depth = self.err_targets.last().map_or(0, |t| t.scope_depth);
        // Keep the error in a temporary while the destructors of the scopes it leaves run.
        let err = if self.scope_depth() > depth && self.has_drops() {
            let t = self.temp(mir::Ty::Str);
            self.push(Stmt::Assign(Place::local(t), Rvalue::Use(err)));
            self.drop_scopes_to(depth);
            Operand::Copy(Place::local(t))
        } else {
            err
        };
        match self.err_targets.last().copied() {
            Some(t) => {
                self.push(Stmt::Assign(Place::local(t.slot), Rvalue::Use(err)));
                self.terminate(Terminator::Goto(t.target));
            }
            None if self.f.raises => self.terminate(Terminator::Raise(err)),
            // The checker proved that nothing escapes a non-raising function; this edge is
            // the re-raise path of a `finally` whose errors are all caught.
            None => self.terminate(Terminator::Unreachable),
        }
    }

    fn try_stmt(
        &mut self,
        body: &[TStmt],
        handler: &Option<(Option<LocalId>, Vec<TStmt>)>,
        else_body: &[TStmt],
        finally_body: &[TStmt],
    ) -> R<()> {
        let normal_exit = self.new_block();
        let has_finally = !finally_body.is_empty();
        // Errors that escape the try statement run `finally`, then propagate outward.
        let scope_depth = self.scope_depth();
        let reraise = if has_finally {
            let slot = self.temp(self.target_err_ty()?);
            let bb = self.new_block();
            Some(ErrTarget {
                slot,
                target: bb,
                scope_depth,
            })
        } else {
            None
        };
        let handler_target = match handler {
            Some((local, _)) => {
                let caught = local.map(|l| self.f.locals[l.0 as usize].ty.clone());
                let slot = match (local, &caught) {
                    (Some(l), Some(Ty::Error)) => Local(l.0),
                    (_, Some(t)) => self.temp(typed_errors::err_slot_ty(Some(t))?),
                    (_, None) => self.temp(mir::Ty::Str),
                };
                Some(ErrTarget {
                    slot,
                    target: self.new_block(),
                    scope_depth,
                })
            }
            None => None,
        };
        if has_finally {
            self.finally_stack.push(finally_body.to_vec());
            self.drops.finally_scopes.push(scope_depth);
        }
        if let Some(t) = handler_target.or(reraise) {
            self.err_targets.push(t);
        }
        self.stmts(body)?;
        if handler_target.or(reraise).is_some() {
            self.err_targets.pop();
        }
        if let Some(t) = reraise {
            self.err_targets.push(t);
        }
        self.stmts(else_body)?;
        self.terminate(Terminator::Goto(normal_exit));
        if let (Some(t), Some((_, hbody))) = (handler_target, handler) {
            self.cur = t.target;
            if let Some((Some(l), _)) = handler {
                if t.slot.0 != l.0 {
                    self.unbox_caught(t.slot, Local(l.0));
                }
                self.set_live(*l);
            }
            self.stmts(hbody)?;
            self.terminate(Terminator::Goto(normal_exit));
        }
        if reraise.is_some() {
            self.err_targets.pop();
        }
        if has_finally {
            self.finally_stack.pop();
            self.drops.finally_scopes.pop();
        }
        if let Some(t) = reraise {
            self.cur = t.target;
            self.stmts(finally_body)?;
            self.raise(Operand::Copy(Place::local(t.slot)));
        }
        self.cur = normal_exit;
        self.stmts(finally_body)?;
        Ok(())
    }

    // ---- expressions ----

    /// Evaluates an expression for its side effects only.
    fn discard(&mut self, e: &TExpr) -> R<()> {
        match &e.kind {
            K::Call(..) | K::Construct(..) | K::Seq(..) | K::Prim(..) => {
                self.value(e, None)?;
            }
            // `x^` whose value nobody takes: the value dies here.
            K::Move(l) => self.drop_if_live(*l),
            _ => {
                if e.ty != Ty::Unit {
                    self.operand(e)?;
                }
            }
        }
        Ok(())
    }

    /// The value of an expression as an operand.
    fn operand(&mut self, e: &TExpr) -> R<Operand> {
        match &e.kind {
            K::Int(v) => Ok(Operand::Const(match &e.ty {
                Ty::Float { .. } => Const::Float(*v as f64, lower_ty(&e.ty)?),
                Ty::Bool => Const::Bool(*v != 0),
                _ => Const::Int(*v, lower_ty(&e.ty)?),
            })),
            K::Float(f) => Ok(Operand::Const(Const::Float(*f, lower_ty(&e.ty)?))),
            K::Bool(b) => Ok(Operand::Const(Const::Bool(*b))),
            K::Str(s) => Ok(Operand::Const(Const::Str(s.clone()))),
            K::Unit => Ok(Operand::Const(Const::Unit)),
            K::Null => Ok(Operand::Const(Const::Null(lower_ty(&e.ty)?))),
            K::FnAddr(tir::Callee::Fn(id)) => Ok(Operand::Const(Const::FnAddr(mir::FuncId(id.0)))),
            // `Int32(0)`: an integer literal converted to another integer type is a
            // constant of that type (intrinsics such as `llvm.prefetch` need constants
            // for some arguments, and LLVM checks that before optimizing).
            K::Cast(inner) if int_literal(inner).is_some() && matches!(e.ty, Ty::Int { .. }) => {
                let v = int_literal(inner).unwrap_or_default();
                Ok(Operand::Const(Const::Int(v, lower_ty(&e.ty)?)))
            }
            K::Move(l) => Ok(self.move_out(*l)),
            K::Local(_) | K::Field(..) | K::Deref(_) if self.is_place(e) => {
                Ok(Operand::Copy(self.place(e)?))
            }
            _ => {
                let ty = lower_ty(&e.ty)?;
                if ty == mir::Ty::Unit {
                    self.value(e, None)?;
                    return Ok(Operand::Const(Const::Unit));
                }
                let t = self.temp(ty);
                self.value(e, Some(Place::local(t)))?;
                Ok(Operand::Copy(Place::local(t)))
            }
        }
    }

    fn is_place(&self, e: &TExpr) -> bool {
        match &e.kind {
            K::Local(_) | K::Deref(_) => true,
            K::Field(b, _) => self.is_place(b) || !matches!(b.kind, K::Seq(..)),
            K::Seq(_, v) => self.is_place(v),
            _ => false,
        }
    }

    /// The storage location an expression denotes (materializing rvalue bases).
    fn place(&mut self, e: &TExpr) -> R<Place> {
        match &e.kind {
            K::Local(l) => Ok(self.place_of_local(*l)),
            K::Field(b, i) => {
                let mut p = if self.is_place(b) {
                    self.place(b)?
                } else {
                    let op = self.operand(b)?;
                    self.materialize(op, &b.ty)?
                };
                p.proj.push(Proj::Field(*i));
                Ok(p)
            }
            K::Deref(p) => {
                let op = self.operand(p)?;
                let mut pl = self.materialize(op, &p.ty)?;
                pl.proj.push(Proj::Deref);
                Ok(pl)
            }
            K::Seq(stmts, v) => {
                self.stmts(stmts)?;
                self.place(v)
            }
            _ => {
                let op = self.operand(e)?;
                self.materialize(op, &e.ty)
            }
        }
    }

    /// Stores an operand in a fresh local so it can be addressed.
    fn materialize(&mut self, op: Operand, ty: &Ty) -> R<Place> {
        if let Operand::Copy(p) = &op
            && p.proj.is_empty()
        {
            return Ok(p.clone());
        }
        let t = self.temp(lower_ty(ty)?);
        self.push(Stmt::Assign(Place::local(t), Rvalue::Use(op)));
        Ok(Place::local(t))
    }

    /// Continues only when `ok` holds; otherwise calls the `noreturn` runtime error
    /// function `abort` with `args`.
    fn guard(&mut self, ok: Operand, abort: &str, args: Vec<Operand>) {
        let good = self.new_block();
        let bad = self.new_block();
        self.terminate(Terminator::Branch {
            cond: ok,
            then_bb: good,
            else_bb: bad,
        });
        self.cur = bad;
        self.push(Stmt::Call {
            dest: None,
            callee: Callee::Extern(abort.into()),
            args,
        });
        self.terminate(Terminator::Unreachable);
        self.cur = good;
    }

    fn args(&mut self, args: &[TArg]) -> R<Vec<Operand>> {
        let mut out = Vec::with_capacity(args.len());
        // An argument moved out of a local (`x^`, an owned temporary) stays the local's
        // until every argument is computed: a later argument that raises then finds it
        // still live and the error path destroys it (the call never took it).
        let mut moved = Vec::new();
        for a in args {
            match a {
                TArg::Value(v) => match moved_local(v) {
                    Some((stmts, l)) => {
                        self.stmts(stmts)?;
                        moved.push(l);
                        out.push(Operand::Copy(self.place_of_local(l)));
                    }
                    None => out.push(self.operand(v)?),
                },
                TArg::Ref(p) => {
                    let pl = self.place(p)?;
                    let t = self.temp(mir::Ty::ptr(lower_ty(&p.ty)?));
                    self.push(Stmt::Assign(Place::local(t), Rvalue::AddrOf(pl)));
                    out.push(Operand::Copy(Place::local(t)));
                }
            }
        }
        for l in moved {
            self.move_out(l);
        }
        Ok(out)
    }

    /// Emits a call, with an error edge when the callee may raise.
    fn call(
        &mut self,
        callee: Callee,
        args: Vec<Operand>,
        dest: Option<Place>,
        raises: bool,
        err_ty: Option<&Ty>,
    ) -> R<()> {
        if !raises {
            self.push(Stmt::Call { dest, callee, args });
            return Ok(());
        }
        let (next, on_error, err) = self.try_call(callee, args, dest, err_ty)?;
        self.cur = on_error;
        let op = self.incoming_error(err, err_ty)?;
        self.raise(op);
        self.cur = next;
        Ok(())
    }

    /// Ends the block with a call that may raise: the block after it, the block the error
    /// goes to, and the local the error is stored in.
    fn try_call(
        &mut self,
        callee: Callee,
        args: Vec<Operand>,
        dest: Option<Place>,
        err_ty: Option<&Ty>,
    ) -> R<(mir::BlockId, mir::BlockId, Local)> {
        let next = self.new_block();
        let on_error = self.new_block();
        let err = self.temp(typed_errors::err_slot_ty(err_ty)?);
        self.terminate(Terminator::TryCall {
            dest,
            callee,
            args,
            next,
            err_dest: Place::local(err),
            on_error,
        });
        Ok((next, on_error, err))
    }

    /// Computes an expression into `dest` (or for effect when `dest` is `None`).
    fn value(&mut self, e: &TExpr, dest: Option<Place>) -> R<()> {
        let rv = match &e.kind {
            K::Call(callee, args) => {
                let mut ops = self.args(args)?;
                // New references a runtime function only borrows die after the call.
                let mut temps = Vec::new();
                let mut err_ty = None;
                let (callee, raises) = match callee {
                    tir::Callee::Fn(id) => {
                        let f = self
                            .tp
                            .functions
                            .get(id.0 as usize)
                            .ok_or_else(|| format!("internal error: no function #{}", id.0))?;
                        err_ty = f.raises_ty.clone();
                        (Callee::Fn(mir::FuncId(id.0)), f.raises)
                    }
                    tir::Callee::Extern(n) => {
                        temps = self.extern_temps(n, args, &e.ty);
                        (Callee::Extern(n.clone()), false)
                    }
                    tir::Callee::Runtime(op) => {
                        let n = crate::rt_symbol(*op);
                        temps = self.extern_temps(n, args, &e.ty);
                        (Callee::Extern(n.into()), op.raises())
                    }
                    tir::Callee::Llvm(n) => (Callee::Intrinsic(n.clone()), false),
                    tir::Callee::Asm(a) => (
                        Callee::Asm {
                            text: a.text.clone(),
                            constraints: a.constraints.clone(),
                            side_effect: a.side_effect,
                        },
                        false,
                    ),
                    tir::Callee::Intrinsic(op) => match crate::intrinsic_name(*op) {
                        "" => return Err(format!("internal error: no intrinsic for {op:?}")),
                        n => (Callee::Intrinsic(n.into()), false),
                    },
                    tir::Callee::Indirect(raises) => {
                        if ops.is_empty() {
                            return Err("internal error: an indirect call without a target".into());
                        }
                        (Callee::Indirect(ops.remove(0)), *raises)
                    }
                    tir::Callee::Inst(..) | tir::Callee::Closure(_) => {
                        return Err("internal error: a generic call reached lowering".into());
                    }
                };
                let dest = match dest {
                    _ if e.ty == Ty::Unit => None,
                    // Codegen derives an extern's or intrinsic's LLVM signature from the
                    // destination, so a discarded non-Unit result still needs a place:
                    // without one, `(2.0 ** x)` as a statement declares `llvm.pow.f64` as
                    // returning void, clashing with its other uses.
                    None if !matches!(callee, Callee::Fn(_)) => {
                        Some(Place::local(self.temp(lower_ty(&e.ty)?)))
                    }
                    d => d,
                };
                if raises && !temps.is_empty() {
                    // A raising runtime function: the new references it only borrowed die
                    // on the error path too (before the error goes on).
                    let (next, on_error, err) = self.try_call(callee, ops.clone(), dest, None)?;
                    self.cur = on_error;
                    self.release_args(&ops, args, &temps);
                    let op = self.incoming_error(err, None)?;
                    self.raise(op);
                    self.cur = next;
                } else {
                    self.call(callee, ops.clone(), dest, raises, err_ty.as_ref())?;
                }
                self.release_args(&ops, args, &temps);
                return Ok(());
            }
            K::Construct(init, args) => {
                let sty = lower_ty(&e.ty)?;
                let obj = self.temp(sty.clone());
                let p = self.temp(mir::Ty::ptr(sty));
                self.push(Stmt::Assign(
                    Place::local(p),
                    Rvalue::AddrOf(Place::local(obj)),
                ));
                let mut ops = vec![Operand::Copy(Place::local(p))];
                ops.extend(self.args(args)?);
                let f = self.tp.functions.get(init.0 as usize);
                let raises = f.is_some_and(|f| f.raises);
                let err_ty = f.and_then(|f| f.raises_ty.clone());
                self.call(
                    Callee::Fn(mir::FuncId(init.0)),
                    ops,
                    None,
                    raises,
                    err_ty.as_ref(),
                )?;
                Rvalue::Use(Operand::Copy(Place::local(obj)))
            }
            K::Seq(stmts, v) => {
                self.stmts(stmts)?;
                if let Some(d) = dest {
                    let op = self.operand(v)?;
                    self.push(Stmt::Assign(d, Rvalue::Use(op)));
                } else {
                    self.discard(v)?;
                }
                return Ok(());
            }
            K::Aggregate(vals) => {
                let mut ops = Vec::new();
                // A new tuple or struct holds references of its own; views (`Entry`,
                // `Span`) only point at their parts.
                let owns = self.has_handles(&e.ty);
                for v in vals {
                    ops.push(if owns {
                        self.owned_operand(v)?
                    } else {
                        self.operand(v)?
                    });
                }
                Rvalue::Aggregate(lower_ty(&e.ty)?, ops)
            }
            K::Binary(op, a, b) => return self.binary(*op, a, b, e, dest),
            K::Prim(op, args) => return self.prim(op, args, e, dest),
            K::Cmp(op, a, b) => {
                let a = self.operand(a)?;
                let b = self.operand(b)?;
                let op = match op {
                    TCmp::Eq => mir::CmpOp::Eq,
                    TCmp::Ne => mir::CmpOp::Ne,
                    TCmp::Lt => mir::CmpOp::Lt,
                    TCmp::Le => mir::CmpOp::Le,
                    TCmp::Gt => mir::CmpOp::Gt,
                    TCmp::Ge => mir::CmpOp::Ge,
                };
                Rvalue::Cmp(op, a, b)
            }
            K::Unary(op, a) => {
                let v = self.operand(a)?;
                Rvalue::Unary(
                    if *op == TUn::Neg {
                        mir::UnOp::Neg
                    } else {
                        mir::UnOp::Not
                    },
                    v,
                )
            }
            K::Cast(a) => {
                let v = self.operand(a)?;
                Rvalue::Cast(v, lower_ty(&e.ty)?)
            }
            K::And(a, b) | K::Or(a, b) => {
                let is_and = matches!(e.kind, K::And(..));
                let r = self.temp(mir::Ty::Bool);
                let av = self.operand(a)?;
                self.push(Stmt::Assign(Place::local(r), Rvalue::Use(av)));
                let rhs_bb = self.new_block();
                let join = self.new_block();
                let (then_bb, else_bb) = if is_and {
                    (rhs_bb, join)
                } else {
                    (join, rhs_bb)
                };
                self.terminate(Terminator::Branch {
                    cond: Operand::Copy(Place::local(r)),
                    then_bb,
                    else_bb,
                });
                self.cur = rhs_bb;
                let bv = self.operand(b)?;
                self.push(Stmt::Assign(Place::local(r), Rvalue::Use(bv)));
                self.goto_new(Terminator::Goto(join), join);
                Rvalue::Use(Operand::Copy(Place::local(r)))
            }
            K::IfExp(c, a, b) => {
                let cond = self.operand(c)?;
                let ty = lower_ty(&e.ty)?;
                let r = self.temp(ty);
                let then_bb = self.new_block();
                let else_bb = self.new_block();
                let join = self.new_block();
                self.terminate(Terminator::Branch {
                    cond,
                    then_bb,
                    else_bb,
                });
                self.cur = then_bb;
                let av = self.operand(a)?;
                self.push(Stmt::Assign(Place::local(r), Rvalue::Use(av)));
                self.goto_new(Terminator::Goto(join), else_bb);
                let bv = self.operand(b)?;
                self.push(Stmt::Assign(Place::local(r), Rvalue::Use(bv)));
                self.goto_new(Terminator::Goto(join), join);
                Rvalue::Use(Operand::Copy(Place::local(r)))
            }
            K::Len(a) => {
                let v = self.operand(a)?;
                if mj_sema::handles::ownership(a) == mj_sema::handles::Own::Owned {
                    // `len(s.split())`: the temporary dies once its length is known.
                    let n = self.temp(mir::Ty::INT);
                    self.push(Stmt::Assign(Place::local(n), Rvalue::Len(v.clone())));
                    if let Operand::Copy(p) = v {
                        self.release_place(p, &a.ty);
                    }
                    Rvalue::Use(Operand::Copy(Place::local(n)))
                } else {
                    Rvalue::Len(v)
                }
            }
            K::SizeOf(t) => Rvalue::SizeOf(lower_ty(t)?),
            K::AddrOf(p) => {
                let pl = self.place(p)?;
                Rvalue::AddrOf(pl)
            }
            K::Local(_) | K::Field(..) | K::Deref(_) => Rvalue::Use(Operand::Copy(self.place(e)?)),
            _ => Rvalue::Use(self.operand(e)?),
        };
        if let Some(d) = dest {
            self.push(Stmt::Assign(d, rv));
        }
        Ok(())
    }

    fn binary(&mut self, op: TBin, a: &TExpr, b: &TExpr, e: &TExpr, dest: Option<Place>) -> R<()> {
        let ty = lower_ty(&e.ty)?;
        let x = self.operand(a)?;
        let y = self.operand(b)?;
        let simple = |op| Rvalue::Binary(op, x.clone(), y.clone());
        let rv = match op {
            TBin::Add => simple(mir::BinOp::Add),
            TBin::Sub => simple(mir::BinOp::Sub),
            TBin::Mul => simple(mir::BinOp::Mul),
            TBin::BitAnd => simple(mir::BinOp::And),
            TBin::BitOr => simple(mir::BinOp::Or),
            TBin::BitXor => simple(mir::BinOp::Xor),
            TBin::Shl => simple(mir::BinOp::Shl),
            TBin::Shr => simple(mir::BinOp::Shr),
            // SIMD division is lane-wise (the checker builds the floor forms from these);
            // integer lanes get the scalar checks (a zero divisor aborts, `MIN / -1` wraps).
            TBin::Div | TBin::Rem if matches!(&ty, mir::Ty::Vector(e, _) if e.is_int()) => {
                return self.vector_division(op, x, y, &ty, e.line, dest);
            }
            TBin::Div if matches!(ty, mir::Ty::Vector(..)) => simple(mir::BinOp::Div),
            TBin::Rem if matches!(ty, mir::Ty::Vector(..)) => simple(mir::BinOp::Rem),
            TBin::Div | TBin::Rem | TBin::FloorDiv | TBin::FloorMod => {
                return self.division(op, x, y, &ty, e.line, dest);
            }
        };
        if let Some(d) = dest {
            self.push(Stmt::Assign(d, rv));
        }
        Ok(())
    }

    /// Lane-wise integer division or remainder (truncating): aborts as the scalar case does
    /// when any lane divides by zero; a lane of `MIN / -1` wraps to `MIN` (remainder 0).
    fn vector_division(
        &mut self,
        op: TBin,
        x: Operand,
        y: Operand,
        ty: &mir::Ty,
        line: u32,
        dest: Option<Place>,
    ) -> R<()> {
        let xl = self.temp(ty.clone());
        self.push(Stmt::Assign(Place::local(xl), Rvalue::Use(x)));
        let yl = self.temp(ty.clone());
        self.push(Stmt::Assign(Place::local(yl), Rvalue::Use(y)));
        self.guard_nonzero_divisor(yl, ty, line);
        let (q, r) = self.truncating_div_rem(xl, yl, ty);
        let result = if matches!(op, TBin::Div) { q } else { r };
        if let Some(d) = dest {
            self.push(Stmt::Assign(
                d,
                Rvalue::Use(Operand::Copy(Place::local(result))),
            ));
        }
        Ok(())
    }

    /// Aborts with `division by zero` (at `line`) when the integer divisor in `yl` is zero,
    /// or, for a vector, when any lane is.
    fn guard_nonzero_divisor(&mut self, yl: Local, ty: &mir::Ty, line: u32) {
        let zero = Operand::Const(Const::Int(0, ty.clone()));
        let lanes = match ty {
            mir::Ty::Vector(_, n) => Some(*n),
            _ => None,
        };
        let flag_ty = match lanes {
            Some(n) => mir::Ty::Vector(Box::new(mir::Ty::Bool), n),
            None => mir::Ty::Bool,
        };
        let mut nonzero = self.temp(flag_ty);
        self.push(Stmt::Assign(
            Place::local(nonzero),
            Rvalue::Cmp(mir::CmpOp::Ne, Operand::Copy(Place::local(yl)), zero),
        ));
        if lanes.is_some() {
            let all = self.temp(mir::Ty::Bool);
            self.push(Stmt::Assign(
                Place::local(all),
                Rvalue::Reduce(mir::ReduceOp::And, Operand::Copy(Place::local(nonzero))),
            ));
            nonzero = all;
        }
        let args = vec![self.file_const(), int(line as i128)];
        self.guard(
            Operand::Copy(Place::local(nonzero)),
            "mj_abort_div_zero",
            args,
        );
    }

    /// Truncating quotient and remainder of the integers (or integer lanes) in `xl` and
    /// `yl`, as new locals. For signed types `MIN / -1` overflows: the machine traps (x86)
    /// and LLVM calls it undefined. Dividing by 1 instead and negating gives the wrapped
    /// quotient (`MIN`) and remainder 0, as the rest of the integer arithmetic wraps.
    fn truncating_div_rem(&mut self, xl: Local, yl: Local, ty: &mir::Ty) -> (Local, Local) {
        let copy = |l: Local| Operand::Copy(Place::local(l));
        let c = |v: i128| Operand::Const(Const::Int(v, ty.clone()));
        let set = |fx: &mut Self, t: mir::Ty, rv: Rvalue| {
            let l = fx.temp(t);
            fx.push(Stmt::Assign(Place::local(l), rv));
            l
        };
        let signed = match ty {
            mir::Ty::Vector(e, _) => e.is_signed(),
            t => t.is_signed(),
        };
        if !signed {
            let q = set(
                self,
                ty.clone(),
                Rvalue::Binary(mir::BinOp::Div, copy(xl), copy(yl)),
            );
            let r = set(
                self,
                ty.clone(),
                Rvalue::Binary(mir::BinOp::Rem, copy(xl), copy(yl)),
            );
            return (q, r);
        }
        let flag_ty = match ty {
            mir::Ty::Vector(_, n) => mir::Ty::Vector(Box::new(mir::Ty::Bool), *n),
            _ => mir::Ty::Bool,
        };
        let by_minus_one = set(self, flag_ty, Rvalue::Cmp(mir::CmpOp::Eq, copy(yl), c(-1)));
        let ysafe = set(
            self,
            ty.clone(),
            Rvalue::Select(copy(by_minus_one), c(1), copy(yl)),
        );
        let q = set(
            self,
            ty.clone(),
            Rvalue::Binary(mir::BinOp::Div, copy(xl), copy(ysafe)),
        );
        let negated = set(
            self,
            ty.clone(),
            Rvalue::Binary(mir::BinOp::Sub, c(0), copy(q)),
        );
        self.push(Stmt::Assign(
            Place::local(q),
            Rvalue::Select(copy(by_minus_one), copy(negated), copy(q)),
        ));
        let r = set(
            self,
            ty.clone(),
            Rvalue::Binary(mir::BinOp::Rem, copy(xl), copy(ysafe)),
        );
        (q, r)
    }

    /// Division and remainder with Python's floor semantics and the zero check for ints.
    fn division(
        &mut self,
        op: TBin,
        x: Operand,
        y: Operand,
        ty: &mir::Ty,
        line: u32,
        dest: Option<Place>,
    ) -> R<()> {
        let copy = |l: Local| Operand::Copy(Place::local(l));
        let set = |fx: &mut Self, l: Local, rv: Rvalue| fx.push(Stmt::Assign(Place::local(l), rv));
        let xl = self.temp(ty.clone());
        set(self, xl, Rvalue::Use(x));
        let yl = self.temp(ty.clone());
        set(self, yl, Rvalue::Use(y));
        let zero = if ty.is_float() {
            Operand::Const(Const::Float(0.0, ty.clone()))
        } else {
            Operand::Const(Const::Int(0, ty.clone()))
        };
        let (q, r) = if ty.is_int() {
            self.guard_nonzero_divisor(yl, ty, line);
            self.truncating_div_rem(xl, yl, ty)
        } else {
            let q = self.temp(ty.clone());
            let r = self.temp(ty.clone());
            set(self, q, Rvalue::Binary(mir::BinOp::Div, copy(xl), copy(yl)));
            set(self, r, Rvalue::Binary(mir::BinOp::Rem, copy(xl), copy(yl)));
            (q, r)
        };
        let floor =
            matches!(op, TBin::FloorDiv | TBin::FloorMod) && (ty.is_float() || ty.is_signed());
        if floor {
            // Adjust when the remainder is non-zero and its sign differs from the divisor's.
            let flag = |fx: &mut Self, rv: Rvalue| {
                let l = fx.temp(mir::Ty::Bool);
                set(fx, l, rv);
                l
            };
            let rnz = flag(self, Rvalue::Cmp(mir::CmpOp::Ne, copy(r), zero.clone()));
            let rneg = flag(self, Rvalue::Cmp(mir::CmpOp::Lt, copy(r), zero.clone()));
            let yneg = flag(self, Rvalue::Cmp(mir::CmpOp::Lt, copy(yl), zero.clone()));
            let differ = flag(
                self,
                Rvalue::Binary(mir::BinOp::Xor, copy(rneg), copy(yneg)),
            );
            let adjust = flag(
                self,
                Rvalue::Binary(mir::BinOp::And, copy(rnz), copy(differ)),
            );
            if ty.is_float() {
                // Float floor division is floor(x / y) computed from the adjusted remainder.
                let r2 = self.temp(ty.clone());
                set(self, r2, Rvalue::Binary(mir::BinOp::Add, copy(r), copy(yl)));
                set(self, r, Rvalue::Select(copy(adjust), copy(r2), copy(r)));
                let num = self.temp(ty.clone());
                set(
                    self,
                    num,
                    Rvalue::Binary(mir::BinOp::Sub, copy(xl), copy(r)),
                );
                set(
                    self,
                    q,
                    Rvalue::Binary(mir::BinOp::Div, copy(num), copy(yl)),
                );
                // The quotient of an exact multiple can still carry rounding noise.
                self.push(Stmt::Call {
                    dest: Some(Place::local(q)),
                    callee: Callee::Intrinsic(crate::intrinsic_name(tir::Intrinsic::Round).into()),
                    args: vec![copy(q)],
                });
            } else {
                let one = Operand::Const(Const::Int(1, ty.clone()));
                let q2 = self.temp(ty.clone());
                set(self, q2, Rvalue::Binary(mir::BinOp::Sub, copy(q), one));
                set(self, q, Rvalue::Select(copy(adjust), copy(q2), copy(q)));
                let r2 = self.temp(ty.clone());
                set(self, r2, Rvalue::Binary(mir::BinOp::Add, copy(r), copy(yl)));
                set(self, r, Rvalue::Select(copy(adjust), copy(r2), copy(r)));
            }
        }
        let result = match op {
            TBin::Div | TBin::FloorDiv => q,
            _ => r,
        };
        if let Some(d) = dest {
            self.push(Stmt::Assign(d, Rvalue::Use(copy(result))));
        }
        Ok(())
    }
}

/// An argument that is a move out of a local (`K::Move`, possibly after statements that
/// fill the local): those statements and the local.
fn moved_local(v: &TExpr) -> Option<(&[tir::TStmt], LocalId)> {
    match &v.kind {
        K::Move(l) => Some((&[], *l)),
        K::Seq(stmts, inner) => match inner.kind {
            K::Move(l) => Some((stmts.as_slice(), l)),
            _ => None,
        },
        _ => None,
    }
}

/// The value of an integer literal of an integer type.
fn int_literal(e: &TExpr) -> Option<i128> {
    match (&e.kind, &e.ty) {
        (K::Int(v), Ty::Int { .. }) => Some(*v),
        _ => None,
    }
}
