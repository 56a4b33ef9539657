//! Lowering of SIMD and raw-memory operations (`tir::Prim`): each becomes one MIR rvalue or
//! statement, with no run-time checks, so vector loops stay straight-line code.

use mj_mir::{self as mir, Const, Operand, Place, Rvalue, Stmt};
use mj_sema::tir::{Prim, ReduceOp, TExpr};

use super::{Fx, R};
use crate::lower_ty;

impl Fx<'_> {
    pub(super) fn prim(
        &mut self,
        op: &Prim,
        args: &[TExpr],
        e: &TExpr,
        dest: Option<Place>,
    ) -> R<()> {
        let mut ops = Vec::with_capacity(args.len());
        for a in args {
            ops.push(self.operand(a)?);
        }
        let arity = |n: usize| -> R<()> {
            if ops.len() == n {
                Ok(())
            } else {
                Err(format!(
                    "internal error: {op:?} with {} operands",
                    ops.len()
                ))
            }
        };
        let rv = match op {
            Prim::PtrOffset => {
                arity(2)?;
                Rvalue::PtrOffset(ops[0].clone(), ops[1].clone())
            }
            Prim::Load => {
                arity(1)?;
                Rvalue::Load(lower_ty(&e.ty)?, ops[0].clone())
            }
            Prim::Store => {
                arity(2)?;
                self.push(Stmt::Store {
                    ptr: ops[0].clone(),
                    value: ops[1].clone(),
                });
                Rvalue::Use(Operand::Const(Const::Unit))
            }
            Prim::Extract => {
                arity(2)?;
                Rvalue::Extract(ops[0].clone(), ops[1].clone())
            }
            Prim::Insert => {
                arity(3)?;
                Rvalue::Insert(ops[0].clone(), ops[1].clone(), ops[2].clone())
            }
            Prim::Shuffle(mask) => {
                arity(2)?;
                Rvalue::Shuffle(ops[0].clone(), ops[1].clone(), mask.clone())
            }
            Prim::Select => {
                arity(3)?;
                Rvalue::Select(ops[0].clone(), ops[1].clone(), ops[2].clone())
            }
            Prim::Reduce(r) => {
                arity(1)?;
                let r = match r {
                    ReduceOp::Add => mir::ReduceOp::Add,
                    ReduceOp::Mul => mir::ReduceOp::Mul,
                    ReduceOp::Min => mir::ReduceOp::Min,
                    ReduceOp::Max => mir::ReduceOp::Max,
                    ReduceOp::And => mir::ReduceOp::And,
                    ReduceOp::Or => mir::ReduceOp::Or,
                };
                Rvalue::Reduce(r, ops[0].clone())
            }
        };
        if let Some(d) = dest {
            self.push(Stmt::Assign(d, rv));
        }
        Ok(())
    }
}
