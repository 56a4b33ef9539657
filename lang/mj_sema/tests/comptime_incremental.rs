//! Compile-time calls and the salsa database: a body that evaluates a function of another
//! file at compile time depends on that file, so editing the callee's body changes the
//! folded constant (and a fresh database agrees).

use mj_sema::db::{self, Database, Program, SourceFile};
use salsa::Setter;

const MAIN: &str = "\
from helper import triple

comptime K = triple(5)

def main():
    comptime x = triple(21)
    print(x, K)
";

const HELPER: &str = "\
def triple(n: Int) -> Int:
    return n * 3
";

/// The debug text of `main`'s checked body (it holds the folded constants).
fn main_body(db: &Database, program: Program) -> String {
    let checked = db::check(db, program);
    assert!(!checked.0.has_errors(), "{:?}", checked.0.diags);
    let f = checked
        .0
        .program
        .functions
        .iter()
        .find(|f| f.name.ends_with("main"))
        .expect("main");
    format!("{:?}", f.body)
}

#[test]
fn editing_a_callee_in_another_file_refolds_the_constant() {
    let mut db = Database::default();
    let main = SourceFile::new(&db, "main".into(), "main.mj".into(), MAIN.into());
    let helper = SourceFile::new(&db, "helper".into(), "helper.mj".into(), HELPER.into());
    let program = Program::new(&db, vec![main, helper], target(), false);
    let body = main_body(&db, program);
    assert!(
        body.contains("Int(63)") && body.contains("Int(15)"),
        "{body}"
    );
    assert!(!body.contains("Call(Fn"), "the call must be folded: {body}");

    helper
        .set_text(&mut db)
        .to(HELPER.replace("n * 3", "n + 3"));
    let body = main_body(&db, program);
    assert!(
        body.contains("Int(24)") && body.contains("Int(8)"),
        "{body}"
    );

    // An error in the callee at compile time is reported in the callee's file.
    helper
        .set_text(&mut db)
        .to(HELPER.replace("return n * 3", "print(n)\n    return n"));
    let errs: Vec<(String, &str)> = db::diagnostics(&db, program)
        .into_iter()
        .filter(|(_, d)| d.is_error())
        .map(|(f, d)| (f.module(&db).clone(), d.code))
        .collect();
    assert_eq!(errs, vec![("helper".to_string(), "E0118")]);
}

/// A fixed target, so results do not depend on the machine the tests run on.
fn target() -> mj_target::Target {
    mj_target::Target::new("x86_64-unknown-linux-gnu", "x86-64-v3", "+avx,+avx2,+fma")
}
