use crate::*;

fn local(ty: Ty, name: Option<&str>) -> LocalDecl {
    LocalDecl {
        ty,
        name: name.map(String::from),
    }
}

fn copy(l: u32) -> Operand {
    Operand::Copy(Place::local(Local(l)))
}

#[test]
fn prints_a_program() {
    let point = Ty::Struct(StructId(0));
    let add = Function {
        name: "main.add".into(),
        params: vec![Local(0), Local(1)],
        ret: Ty::INT,
        raises: false,
        locals: vec![
            local(Ty::INT, Some("a")),
            local(Ty::INT, Some("b")),
            local(Ty::INT, Some("t")),
        ],
        blocks: vec![Block {
            stmts: vec![Stmt::Assign(
                Place::local(Local(2)),
                Rvalue::Binary(BinOp::Add, copy(0), copy(1)),
            )],
            term: Terminator::Return(copy(2)),
        }],
        linkage: Linkage::Internal,
        inline: Default::default(),
        file: "main.mj".into(),
    };
    let main = Function {
        name: "main.main".into(),
        params: vec![],
        ret: Ty::Unit,
        raises: true,
        locals: vec![
            local(point.clone(), Some("p")),
            local(Ty::ptr(point.clone()), None),
            local(Ty::INT, None),
            local(Ty::Str, None),
            local(Ty::Tuple(vec![Ty::F64]), None),
        ],
        blocks: vec![
            Block {
                stmts: vec![
                    Stmt::Assign(
                        Place::local(Local(0)),
                        Rvalue::Aggregate(
                            point.clone(),
                            vec![
                                Operand::Const(Const::Float(1.0, Ty::F64)),
                                Operand::Const(Const::Float(2.5, Ty::F64)),
                            ],
                        ),
                    ),
                    Stmt::Assign(
                        Place::local(Local(1)),
                        Rvalue::AddrOf(Place::local(Local(0))),
                    ),
                    Stmt::Assign(
                        Place {
                            local: Local(1),
                            proj: vec![Proj::Deref, Proj::Field(1)],
                        },
                        Rvalue::Use(Operand::Const(Const::Float(0.5, Ty::F64))),
                    ),
                    Stmt::Call {
                        dest: None,
                        callee: Callee::Extern("mj_write".into()),
                        args: vec![Operand::Const(Const::Str("hi\n".into()))],
                    },
                ],
                term: Terminator::TryCall {
                    dest: Some(Place::local(Local(2))),
                    callee: Callee::Fn(FuncId(0)),
                    args: vec![
                        Operand::Const(Const::Int(1, Ty::INT)),
                        Operand::Const(Const::Int(2, Ty::INT)),
                    ],
                    next: BlockId(1),
                    err_dest: Place::local(Local(3)),
                    on_error: BlockId(2),
                },
            },
            Block {
                stmts: vec![],
                term: Terminator::Switch {
                    value: copy(2),
                    cases: vec![(3, BlockId(3))],
                    otherwise: BlockId(2),
                },
            },
            Block {
                stmts: vec![],
                term: Terminator::Raise(copy(3)),
            },
            Block {
                stmts: vec![],
                term: Terminator::Abort {
                    line: 9,
                    message: "bad \"x\"".into(),
                },
            },
        ],
        linkage: Linkage::Export,
        inline: Default::default(),
        file: String::new(),
    };
    let p = Program {
        structs: vec![StructDef {
            name: "main.Point".into(),
            fields: vec![("x".into(), Ty::F64), ("y".into(), Ty::F64)],
        }],
        functions: vec![add, main],
        entry: Some(FuncId(1)),
    };
    let expected = r#"struct main.Point { x: f64, y: f64 }

entry main.main

// file: main.mj
fn main.add(_0: i64, _1: i64) -> i64 {
  debug _0 => a
  debug _1 => b
  let _2: i64 // t
bb0:
  _2 = add _0, _1
  return _2
}

fn main.main() raises export {
  let _0: main.Point // p
  let _1: *main.Point
  let _2: i64
  let _3: str
  let _4: (f64,)
bb0:
  _0 = aggregate main.Point(1.0f64, 2.5f64)
  _1 = &_0
  (*_1).1 = 0.5f64
  call extern mj_write("hi\n")
  _2 = try call main.add(1i64, 2i64) -> bb1, error _3 -> bb2
bb1:
  switch _2 [3: bb3], otherwise bb2
bb2:
  raise _3
bb3:
  abort 9, "bad \"x\""
}
"#;
    assert_eq!(print_program(&p), expected);
}

#[test]
fn place_types() {
    let p = Program {
        structs: vec![StructDef {
            name: "S".into(),
            fields: vec![("a".into(), Ty::Bool)],
        }],
        functions: vec![],
        entry: None,
    };
    let f = Function {
        name: "f".into(),
        params: vec![],
        ret: Ty::Unit,
        raises: false,
        locals: vec![local(
            Ty::ptr(Ty::Tuple(vec![Ty::INT, Ty::Struct(StructId(0))])),
            None,
        )],
        blocks: vec![],
        linkage: Linkage::Internal,
        inline: Default::default(),
        file: String::new(),
    };
    let pl = Place {
        local: Local(0),
        proj: vec![Proj::Deref, Proj::Field(1), Proj::Field(0)],
    };
    assert_eq!(p.place_ty(&f, &pl), Ok(Ty::Bool));
    let bad = Place {
        local: Local(0),
        proj: vec![Proj::Field(0)],
    };
    assert!(p.place_ty(&f, &bad).is_err());
    assert!(p.place_ty(&f, &Place::local(Local(7))).is_err());
}
