//! Small MIR programs shared by the executable and JIT tests.

use super::*;

/// `fib(n)`: naive recursion. Function 0.
pub fn fib_fn(name: &str) -> Function {
    let mut b = FnB::new(name, &[("n", Ty::INT)], Ty::INT);
    let n = b.param(0);
    let small = b.local(Ty::Bool);
    let (a, c, n1, n2, r) = (
        b.local(Ty::INT),
        b.local(Ty::INT),
        b.local(Ty::INT),
        b.local(Ty::INT),
        b.local(Ty::INT),
    );
    let (bb0, base, rec, rec2, done) = (b.block(), b.block(), b.block(), b.block(), b.block());
    b.assign(bb0, small, Rvalue::Cmp(CmpOp::Lt, copy(n), int(2)));
    b.term(
        bb0,
        Terminator::Branch {
            cond: copy(small),
            then_bb: base,
            else_bb: rec,
        },
    );
    b.term(base, Terminator::Return(copy(n)));
    b.assign(rec, n1, Rvalue::Binary(BinOp::Sub, copy(n), int(1)));
    b.call(rec, Some(a), Callee::Fn(FuncId(0)), vec![copy(n1)]);
    b.term(rec, Terminator::Goto(rec2));
    b.assign(rec2, n2, Rvalue::Binary(BinOp::Sub, copy(n), int(2)));
    b.call(rec2, Some(c), Callee::Fn(FuncId(0)), vec![copy(n2)]);
    b.assign(rec2, r, Rvalue::Binary(BinOp::Add, copy(a), copy(c)));
    b.term(rec2, Terminator::Goto(done));
    b.term(done, Terminator::Return(copy(r)));
    b.finish()
}

/// Prints `fib(20)`.
pub fn fib_program() -> Program {
    let mut m = FnB::new("main.main", &[], Ty::Unit);
    let bb = m.block();
    let r = m.local(Ty::INT);
    m.call(bb, Some(r), Callee::Fn(FuncId(0)), vec![int(20)]);
    m.print_int(bb, copy(r));
    m.term(bb, Terminator::Return(unit()));
    program(vec![fib_fn("main.fib"), m.finish()], Some(1))
}

/// `sum = 0; i = 0; while i < n: sum += i*i; i += 1`, printing the sum for n = 100.
pub fn loop_program() -> Program {
    let mut m = FnB::new("main.main", &[], Ty::Unit);
    let (sum, i, c, sq) = (
        m.local(Ty::INT),
        m.local(Ty::INT),
        m.local(Ty::Bool),
        m.local(Ty::INT),
    );
    let (entry, head, body, exit) = (m.block(), m.block(), m.block(), m.block());
    m.assign(entry, sum, Rvalue::Use(int(0)));
    m.assign(entry, i, Rvalue::Use(int(0)));
    m.term(entry, Terminator::Goto(head));
    m.assign(head, c, Rvalue::Cmp(CmpOp::Lt, copy(i), int(100)));
    m.term(
        head,
        Terminator::Branch {
            cond: copy(c),
            then_bb: body,
            else_bb: exit,
        },
    );
    m.assign(body, sq, Rvalue::Binary(BinOp::Mul, copy(i), copy(i)));
    m.assign(body, sum, Rvalue::Binary(BinOp::Add, copy(sum), copy(sq)));
    m.assign(body, i, Rvalue::Binary(BinOp::Add, copy(i), int(1)));
    m.term(body, Terminator::Goto(head));
    m.print_int(exit, copy(sum));
    m.term(exit, Terminator::Return(unit()));
    program(vec![m.finish()], Some(0))
}
