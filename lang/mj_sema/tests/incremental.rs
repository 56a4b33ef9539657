//! Incremental behaviour of the salsa database: editing an input re-derives what depends on
//! it (diagnostics appear and disappear), and an edit that leaves a file's parse unchanged
//! is cut off there: the checker does not run again (salsa "backdating").
//!
//! `mj_sema::db::Database` has no event hook, so this test has its own database type that
//! logs `WillExecute` events; the tracked functions take `&dyn salsa::Database` and work
//! with any database.

use std::sync::{Arc, Mutex};

use mj_sema::db::{self, Program, SourceFile};
use salsa::Setter;

#[salsa::db]
#[derive(Clone)]
struct LoggingDb {
    storage: salsa::Storage<Self>,
    log: Arc<Mutex<Vec<String>>>,
}

impl LoggingDb {
    fn new() -> LoggingDb {
        let log: Arc<Mutex<Vec<String>>> = Arc::default();
        let sink = log.clone();
        LoggingDb {
            storage: salsa::Storage::new(Some(Box::new(move |event: salsa::Event| {
                if let salsa::EventKind::WillExecute { database_key } = event.kind
                    && let Ok(mut l) = sink.lock()
                {
                    l.push(format!("{database_key:?}"));
                }
            }))),
            log,
        }
    }

    /// The queries executed since the last call, e.g. `["parse(Id(0))", "check(Id(800))"]`.
    fn take_log(&self) -> Vec<String> {
        std::mem::take(&mut *self.log.lock().expect("log lock"))
    }
}

#[salsa::db]
impl salsa::Database for LoggingDb {}

fn executed(log: &[String], query: &str) -> usize {
    log.iter()
        .filter(|e| e.starts_with(&format!("{query}(")))
        .count()
}

const MAIN: &str = "\
from helper import double

def main():
    var x = double(21)
    print(x)
";

const HELPER: &str = "\
def double(n: Int) -> Int:
    return n * 2
";

/// Error codes of the program's diagnostics, with the module each belongs to.
fn errors(db: &LoggingDb, program: Program) -> Vec<(String, &'static str)> {
    db::diagnostics(db, program)
        .into_iter()
        .filter(|(_, d)| d.is_error())
        .map(|(f, d)| (f.module(db).clone(), d.code))
        .collect()
}

/// The program's one diagnostic, which must be on the text `x`: where it starts.
fn the_x(db: &LoggingDb, program: Program, text: &str) -> u32 {
    let d = db::diagnostics(db, program);
    assert_eq!(d.len(), 1, "{d:?}");
    let s = d[0].1.span;
    assert_eq!(&text[s.start as usize..s.end as usize], "x", "{d:?}");
    s.start
}

fn setup() -> (LoggingDb, SourceFile, SourceFile, Program) {
    let db = LoggingDb::new();
    let main = SourceFile::new(&db, "main".into(), "main.mj".into(), MAIN.into());
    let helper = SourceFile::new(&db, "helper".into(), "helper.mj".into(), HELPER.into());
    let program = Program::new(&db, vec![main, helper], target(), false);
    (db, main, helper, program)
}

#[test]
fn edits_update_diagnostics() {
    let (mut db, main, helper, program) = setup();
    assert_eq!(errors(&db, program), vec![]);
    assert!(!db::check(&db, program).0.has_errors());
    assert_eq!(
        db::imports(&db, main)
            .iter()
            .map(|(_, m)| m.as_str())
            .collect::<Vec<_>>(),
        ["helper", "helper.double"]
    );

    // Renaming the helper's function breaks the import in main.
    helper
        .set_text(&mut db)
        .to(HELPER.replace("double", "twice"));
    let errs = errors(&db, program);
    assert!(
        !errs.is_empty(),
        "renaming the import target must be an error"
    );
    assert!(errs.iter().all(|(m, _)| m == "main"), "{errs:?}");
    assert!(db::check(&db, program).0.has_errors());

    // Restoring it makes the error go away.
    helper.set_text(&mut db).to(HELPER.to_string());
    assert_eq!(errors(&db, program), vec![]);

    // A type error in main appears...
    main.set_text(&mut db)
        .to(MAIN.replace("double(21)", "double(\"21\")"));
    let errs = errors(&db, program);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].0, "main");
    // ...and a syntax error replaces it (semantic errors of a file with syntax errors are
    // not reported).
    main.set_text(&mut db)
        .to(MAIN.replace("def main():", "def main(:"));
    let errs = errors(&db, program);
    assert!(!errs.is_empty());
    assert!(
        db::parse(&db, main).diags.iter().any(|d| d.is_error()),
        "expected a syntax error"
    );
    // An error in the helper is attributed to the helper.
    main.set_text(&mut db).to(MAIN.to_string());
    helper
        .set_text(&mut db)
        .to(HELPER.replace("n * 2", "n * undefined_name"));
    let errs = errors(&db, program);
    assert_eq!(errs, vec![("helper".to_string(), "E0100")]);
    helper.set_text(&mut db).to(HELPER.to_string());
    assert_eq!(errors(&db, program), vec![]);

    // Changing the program's file list: dropping the helper makes the import unresolved.
    program.set_files(&mut db).to(vec![main]);
    assert!(!errors(&db, program).is_empty());
    program.set_files(&mut db).to(vec![main, helper]);
    assert_eq!(errors(&db, program), vec![]);
}

#[test]
fn results_match_a_fresh_database() {
    // Whatever the edit history, the incremental answer equals a from-scratch one.
    let (mut db, main, helper, program) = setup();
    let edits: &[(bool, String)] = &[
        (true, MAIN.replace("21", "\"x\"")),
        (false, HELPER.replace("Int:", "Float64:")),
        (true, MAIN.to_string()),
        (
            false,
            "def double(n: Int) -> Int:\n    return n\n".to_string(),
        ),
        (false, HELPER.to_string()),
    ];
    let _ = db::check(&db, program);
    for (is_main, text) in edits {
        let f = if *is_main { main } else { helper };
        f.set_text(&mut db).to(text.clone());
        let got = db::check(&db, program).clone();

        let fresh = LoggingDb::new();
        let m = SourceFile::new(
            &fresh,
            "main".into(),
            "main.mj".into(),
            main.text(&db).clone(),
        );
        let h = SourceFile::new(
            &fresh,
            "helper".into(),
            "helper.mj".into(),
            helper.text(&db).clone(),
        );
        let p = Program::new(&fresh, vec![m, h], target(), false);
        let want = db::check(&fresh, p).clone();
        assert_eq!(got, want, "after editing to:\n{text}");
        assert_eq!(
            errors(&db, program).iter().map(|e| e.1).collect::<Vec<_>>(),
            errors(&fresh, p).iter().map(|e| e.1).collect::<Vec<_>>()
        );
    }
}

#[test]
fn unchanged_parse_is_equal_and_only_the_edited_file_reparses() {
    let (mut db, main, helper, program) = setup();
    let _ = db::diagnostics(&db, program);
    let log = db.take_log();
    // (main's two items, the import and `main`, and helper's one.)
    assert_eq!(executed(&log, "parse_item"), 3, "{log:?}");
    assert_eq!(executed(&log, "check_diags"), 1, "{log:?}");
    // The diagnostics do not build the program (`check` copies and rewrites every body).
    assert_eq!(executed(&log, "check"), 0, "{log:?}");

    // Asking again executes nothing.
    let _ = db::diagnostics(&db, program);
    assert_eq!(db.take_log(), Vec::<String>::new());

    // Same-length whitespace change inside a line (a space for a tab between tokens): the
    // text differs, every span stays put, so the parse is equal.
    let before = db::parse(&db, main).clone();
    main.set_text(&mut db).to(TAB_EDIT.to_string());
    let after = db::parse(&db, main).clone();
    assert_eq!(
        before, after,
        "the parse must not depend on that whitespace"
    );
    let _ = db::diagnostics(&db, program);
    let log = db.take_log();
    assert_eq!(
        executed(&log, "parse_item"),
        1,
        "only main is re-parsed: {log:?}"
    );
    assert_eq!(errors(&db, program), vec![]);

    // A comment edit on the last line leaves the spans before it alone too.
    let before = db::parse(&db, helper).clone();
    helper
        .set_text(&mut db)
        .to(format!("{HELPER}# a trailing comment\n"));
    assert_eq!(
        &before,
        db::parse(&db, helper),
        "a trailing comment changed the parse"
    );
    let log = db.take_log();
    assert_eq!(
        executed(&log, "parse_item"),
        1,
        "only helper is re-parsed: {log:?}"
    );

    // A real edit re-parses that file only and re-runs the check.
    main.set_text(&mut db).to(MAIN.replace("21", "22"));
    assert_ne!(&after, db::parse(&db, main));
    let _ = db::diagnostics(&db, program);
    let log = db.take_log();
    assert_eq!(executed(&log, "parse_item"), 1, "{log:?}");
    assert_eq!(executed(&log, "check_diags"), 1, "{log:?}");
    assert_eq!(errors(&db, program), vec![]);
}

/// MAIN with one space between tokens replaced by a tab: same length, same lines.
const TAB_EDIT: &str = "\
from helper import double

def main():
    var x =\tdouble(21)
    print(x)
";

/// `db.rs` promises that "an edit that leaves the tree unchanged (whitespace inside a line,
/// say) does not re-run the checker": the re-parse is backdated, so `check` is reused.
#[test]
fn unchanged_parse_does_not_recheck() {
    let (mut db, main, _helper, program) = setup();
    let _ = db::diagnostics(&db, program);
    let _ = db.take_log();
    main.set_text(&mut db).to(TAB_EDIT.to_string());
    let _ = db::diagnostics(&db, program);
    let log = db.take_log();
    assert_eq!(executed(&log, "parse_item"), 1, "{log:?}");
    assert_eq!(executed(&log, "items"), 0, "{log:?}");
    assert_eq!(
        executed(&log, "check_diags"),
        0,
        "check_diags must be backdated: {log:?}"
    );
}

/// An edit inside one function's body (same length, so no item moves) re-infers that
/// function only: the program's items and the other file's functions are reused.
#[test]
fn body_edit_reinfers_only_that_function() {
    let (mut db, main, helper, program) = setup();
    let _ = db::diagnostics(&db, program);
    let log = db.take_log();
    assert!(executed(&log, "infer") >= 2, "{log:?}");

    main.set_text(&mut db)
        .to(MAIN.replace("double(21)", "double(42)"));
    let _ = db::diagnostics(&db, program);
    let log = db.take_log();
    assert_eq!(executed(&log, "parse_item"), 1, "{log:?}");
    assert_eq!(executed(&log, "items"), 0, "items must be reused: {log:?}");
    assert_eq!(
        executed(&log, "infer"),
        1,
        "only main's body is re-inferred: {log:?}"
    );
    assert_eq!(errors(&db, program), vec![]);

    // The same in the helper, with a new error that must show up.
    helper
        .set_text(&mut db)
        .to(HELPER.replace("n * 2", "n * x"));
    let errs = errors(&db, program);
    let log = db.take_log();
    assert_eq!(executed(&log, "items"), 0, "{log:?}");
    assert_eq!(executed(&log, "infer"), 1, "{log:?}");
    assert_eq!(errs, vec![("helper".to_string(), "E0100")]);

    // A signature change re-collects the items and re-infers the caller.
    helper
        .set_text(&mut db)
        .to(HELPER.replace("n: Int", "n: String"));
    let errs = errors(&db, program);
    let log = db.take_log();
    assert_eq!(executed(&log, "items"), 1, "{log:?}");
    assert!(
        !errs.is_empty(),
        "calling double(Int) with a String parameter must fail"
    );
    assert!(errs.iter().any(|(m, _)| m == "main"), "{errs:?}");
}

const GENERIC_MAIN: &str = "\
from helper import scale

def main():
    print(scale[3](2))
    print(scale[4](2))
";

const GENERIC_HELPER: &str = "\
def scale[k: Int](x: Int) -> Int:
    return x * k

def unrelated() -> Int:
    return 1
";

#[test]
fn generic_instances_are_cached_per_instance() {
    let mut db = LoggingDb::new();
    let main = SourceFile::new(&db, "main".into(), "main.mj".into(), GENERIC_MAIN.into());
    let helper = SourceFile::new(
        &db,
        "helper".into(),
        "helper.mj".into(),
        GENERIC_HELPER.into(),
    );
    let program = Program::new(&db, vec![main, helper], target(), false);
    assert!(!db::check(&db, program).0.has_errors());
    let log = db.take_log();
    assert_eq!(executed(&log, "infer_instance"), 2, "{log:?}");

    // Editing main's body (same instances) re-checks main but no instance.
    main.set_text(&mut db)
        .to(GENERIC_MAIN.replace("print(scale[4](2))", "print(scale[4](5))"));
    assert!(!db::check(&db, program).0.has_errors());
    let log = db.take_log();
    assert_eq!(executed(&log, "infer_instance"), 0, "{log:?}");

    // A new instance is checked on its own; the old ones are reused.
    main.set_text(&mut db)
        .to(GENERIC_MAIN.replace("print(scale[4](2))", "print(scale[5](2))"));
    assert!(!db::check(&db, program).0.has_errors());
    let log = db.take_log();
    assert_eq!(executed(&log, "infer_instance"), 1, "{log:?}");

    // An error inside the generic body shows up through its instances, once.
    helper
        .set_text(&mut db)
        .to(GENERIC_HELPER.replace("x * k", "x * \"k\""));
    let errs = errors(&db, program);
    assert_eq!(errs, vec![("helper".to_string(), "E0106")], "{errs:?}");
}

/// A fixed target, so results do not depend on the machine the tests run on.
fn target() -> mj_target::Target {
    mj_target::Target::new("x86_64-unknown-linux-gnu", "x86-64-v3", "+avx,+avx2,+fma")
}

const THREE: &str = "\
def one(a: Int) -> Int:
    return a + 1


def two(a: Int) -> Int:
    var b = a * 2
    return b


def three(a: Int) -> Int:
    return a - 3


def main():
    print(one(1) + two(2) + three(3))
";

/// An edit inside one function's body (a literal changes, the length stays) re-runs the
/// checker for that function only: the other bodies' syntax (`fn_syntax`) compares equal,
/// so their `infer` is not executed again.
#[test]
fn an_edit_inside_one_body_rechecks_that_body_only() {
    let db = LoggingDb::new();
    let main = SourceFile::new(&db, "main".into(), "main.mj".into(), THREE.into());
    let program = Program::new(&db, vec![main], target(), false);
    assert!(errors(&db, program).is_empty());
    let first = db.take_log();
    assert!(executed(&first, "infer") >= 4, "{first:?}");
    let mut db = db;
    main.set_text(&mut db).to(THREE.replace("a * 2", "a * 5"));
    assert!(errors(&db, program).is_empty());
    let log = db.take_log();
    assert_eq!(
        executed(&log, "infer"),
        1,
        "only `two` is checked again: {log:?}"
    );
    assert_eq!(executed(&log, "items"), 0, "no item changed: {log:?}");
    // A new error in that body is still found.
    main.set_text(&mut db).to(THREE.replace("a * 2", "a * x"));
    let errs = errors(&db, program);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(executed(&db.take_log(), "infer"), 1);
}

/// An edit that changes a body's length (typing) re-parses and re-checks that body only:
/// the items after it keep their parse and their trees at their item positions, so their
/// signatures and bodies compare equal. Diagnostics still point into the text as it is.
#[test]
fn typing_inside_one_body_rechecks_that_body_only() {
    let db = LoggingDb::new();
    let broken = THREE.replace("a - 3", "a - x");
    let main = SourceFile::new(&db, "main".into(), "main.mj".into(), broken.clone());
    let program = Program::new(&db, vec![main], target(), false);
    let at = |db: &LoggingDb, text: &str| the_x(db, program, text);
    let before = at(&db, &broken);
    db.take_log();
    let mut db = db;
    for (k, lit) in ["100", "1", "12345", "1"].iter().enumerate() {
        let text = broken.replace("a + 1", &format!("a + {lit}"));
        main.set_text(&mut db).to(text.clone());
        let now = at(&db, &text);
        assert_eq!(now as usize, before as usize + lit.len() - 1, "edit {k}");
        let log = db.take_log();
        if k < 3 {
            assert_eq!(executed(&log, "infer"), 1, "only `one` again: {log:?}");
        }
        assert_eq!(executed(&log, "items"), 0, "no item changed: {log:?}");
        assert!(
            executed(&log, "parse_item") <= 1,
            "moved items keep their parse: {log:?}"
        );
    }
    // A line added above the other functions: their trees still compare equal (no item is
    // collected again), and their typed IR holds lines relative to their item, so only
    // the edited body is checked again; the diagnostic below it is on its new line.
    let text = broken.replace("    return a + 1", "    var z = 0\n    return a + z");
    main.set_text(&mut db).to(text.clone());
    at(&db, &text);
    let log = db.take_log();
    assert_eq!(executed(&log, "items"), 0, "{log:?}");
    assert_eq!(executed(&log, "infer"), 1, "only `one` again: {log:?}");
    // The program lowered from it has the file's lines.
    let checked = db::check(&db, program);
    let three = checked
        .0
        .program
        .functions
        .iter()
        .find(|f| f.name.contains("three"))
        .expect("three");
    let mut lines = Vec::new();
    mj_sema::tir::walk_post(&three.body, &mut |e| lines.push(e.line));
    let want = text
        .lines()
        .position(|l| l.contains("a - x"))
        .expect("line") as u32
        + 1;
    assert!(
        !lines.is_empty() && lines.iter().all(|l| *l == want),
        "{lines:?} in line {want}"
    );
}

const METHODS: &str = "\
@fieldwise_init
struct Box(Copyable, Movable):
    var v: Int

    def one(self) -> Int:
        return self.v + 1

    def two(self) -> Int:
        return self.v * 2

    def three(self) -> Int:
        return self.v - x


def main():
    print(Box(1).one() + Box(2).two())
";

/// The methods of a struct are places of their own: typing in one method's body
/// re-checks that method only, and the others' diagnostics and line numbers stay right.
#[test]
fn typing_inside_one_method_rechecks_that_method_only() {
    let db = LoggingDb::new();
    let main = SourceFile::new(&db, "main".into(), "main.mj".into(), METHODS.into());
    let program = Program::new(&db, vec![main], target(), false);
    let at = |db: &LoggingDb, text: &str| {
        the_x(db, program, text);
    };
    at(&db, METHODS);
    db.take_log();
    let mut db = db;
    for lit in ["100", "12345"] {
        let text = METHODS.replace("self.v + 1", &format!("self.v + {lit}"));
        main.set_text(&mut db).to(text.clone());
        at(&db, &text);
        let log = db.take_log();
        assert_eq!(executed(&log, "infer"), 1, "only `one` again: {log:?}");
        assert_eq!(executed(&log, "items"), 0, "{log:?}");
    }
}

/// A syntax error in one function does not hide a type error in another: only the item
/// with the syntax error (parsed with recovery) keeps its semantic errors to itself.
#[test]
fn type_errors_are_reported_beside_syntax_errors() {
    let text = "\
def broken():
    var x = 1 +


def typed():
    var s: Int = \"text\"
    print(s)


def main():
    typed()
";
    let db = LoggingDb::new();
    let main = SourceFile::new(&db, "main".into(), "main.mj".into(), text.into());
    let program = Program::new(&db, vec![main], target(), false);
    let diags: Vec<(u32, bool)> = db::diagnostics(&db, program)
        .into_iter()
        .map(|(_, d)| (d.span.start, d.is_error()))
        .collect();
    let typed_at = text.find("\"text\"").expect("the literal") as u32;
    let broken_end = text.find("def typed").expect("typed") as u32;
    assert!(
        diags.iter().any(|(at, e)| *e && *at < broken_end),
        "the syntax error: {diags:?}"
    );
    assert!(
        diags
            .iter()
            .any(|(at, e)| *e && *at >= typed_at - 16 && *at <= typed_at + 6),
        "the type error of `typed`: {diags:?}"
    );
}

/// A bracket left open while a call is being typed ends with its item: the rest of the
/// file is still checked (its type errors reported), typing there re-checks one body, and
/// a name the broken item defines is not reported as undefined elsewhere.
#[test]
fn an_open_bracket_does_not_hide_the_rest_of_the_file() {
    let text = "\
def helper(a: Int) -> Int:
    return a


def broken():
    print(helper(1,


def typed():
    var s: Int = \"text\"
    print(s)


def main():
    broken()
    typed()
";
    let db = LoggingDb::new();
    let main = SourceFile::new(&db, "main".into(), "main.mj".into(), text.into());
    let program = Program::new(&db, vec![main], target(), false);
    let codes = |db: &LoggingDb| -> Vec<&'static str> {
        db::diagnostics(db, program)
            .into_iter()
            .map(|(_, d)| d.code)
            .collect()
    };
    assert_eq!(
        codes(&db),
        ["E0002", "E0002", "E0101"],
        "{:?}",
        db::diagnostics(&db, program)
    );
    db.take_log();
    let mut db = db;
    let edited = text.replace("var s: Int", "var s : Int");
    main.set_text(&mut db).to(edited);
    assert_eq!(codes(&db), ["E0002", "E0002", "E0101"]);
    let log = db.take_log();
    assert_eq!(executed(&log, "infer"), 1, "only `typed` again: {log:?}");
}

const CALLS: &str = "\
from helper import double

def one(a: Int) -> Int:
    return a + 1


def two(a: Int) -> Int:
    return one(a) * 2


def three(a: Int) -> Int:
    return a - 3


def main():
    print(two(1) + three(double(3)))
";

/// A body depends on the parts of the items its check read (`check::tables`,
/// `db::items_part`): editing a signature re-checks that function and its callers, and a
/// function added at the end of the file or renamed re-checks the bodies that name it;
/// the imported module's bodies keep their ids and are not checked again.
#[test]
fn item_edits_recheck_the_bodies_that_read_them() {
    let db = LoggingDb::new();
    let main = SourceFile::new(&db, "main".into(), "main.mj".into(), CALLS.into());
    let helper = SourceFile::new(&db, "helper".into(), "helper.mj".into(), HELPER.into());
    let program = Program::new(&db, vec![main, helper], target(), false);
    assert!(errors(&db, program).is_empty());
    assert!(executed(&db.take_log(), "infer") >= 5);
    let mut db = db;
    let rechecked = |db: &mut LoggingDb, text: String| {
        main.set_text(db).to(text);
        let errs = errors(db, program);
        let log = db.take_log();
        assert_eq!(executed(&log, "items"), 1, "{log:?}");
        (executed(&log, "infer"), errs)
    };
    // A signature: `one` itself and `two`, which calls it.
    let calls = CALLS.replace("def one(a: Int)", "def one(a: Int, b: Int = 0)");
    let (n, errs) = rechecked(&mut db, calls.clone());
    assert_eq!((n, errs.len()), (2, 0), "{errs:?}");
    // A function added at the end: only its own body.
    let added = format!("{calls}\n\ndef four(a: Int) -> Int:\n    return a\n");
    let (n, errs) = rechecked(&mut db, added.clone());
    assert_eq!((n, errs.len()), (1, 0), "{errs:?}");
    // Renamed: itself, and `main`, which calls the old name (now undefined).
    let (n, errs) = rechecked(&mut db, added.replace("def three(", "def tree("));
    assert_eq!(n, 2);
    assert_eq!(errs, vec![("main".to_string(), "E0100")]);
    // A call of a function not yet written, then the function: the caller is re-checked
    // because what its name means changed, though it read no changed row.
    let calls_five = added.replace("two(1) + ", "two(1) + five(1) + ");
    let (_, errs) = rechecked(&mut db, calls_five.clone());
    assert_eq!(errs.len(), 1, "{errs:?}");
    let (n, errs) = rechecked(
        &mut db,
        format!("{calls_five}\n\ndef five(a: Int) -> Int:\n    return a\n"),
    );
    assert_eq!((n, errs.len()), (2, 0), "`five` and `main`: {errs:?}");
}

/// With stable ids (the editor's programs), a function's or a struct's id and places are
/// kept by its name: inserting one before others, or removing one, re-checks only the
/// bodies that name it, and the diagnostics are those of a fresh database with dense ids,
/// in the same order (`check::stable_ids`).
#[test]
fn an_item_inserted_before_others_rechecks_none_of_them() {
    let text = format!(
        "{CALLS}\n\n@fieldwise_init\nstruct P(Copyable, Movable):\n    var x: Int\n\n    def get(self) -> Int:\n        return self.x\n\n\ndef four() -> Int:\n    var s: Int = \"bad\"\n    return P(1).get()\n"
    );
    let db = LoggingDb::new();
    let main = SourceFile::new(&db, "main".into(), "main.mj".into(), text.clone());
    let helper = SourceFile::new(&db, "helper".into(), "helper.mj".into(), HELPER.into());
    let program = Program::new(&db, vec![main, helper], target(), true);
    assert_eq!(errors(&db, program), vec![("main".to_string(), "E0101")]);
    db.take_log();
    let mut db = db;
    let mut edit = |text: String| {
        main.set_text(&mut db).to(text.clone());
        let errs = errors(&db, program);
        let log = db.take_log();
        // The same diagnostics, in the same order, as a fresh database's without stable ids.
        let fresh = salsa::DatabaseImpl::new();
        let m = SourceFile::new(&fresh, "main".into(), "main.mj".into(), text);
        let h = SourceFile::new(&fresh, "helper".into(), "helper.mj".into(), HELPER.into());
        let dense = Program::new(&fresh, vec![m, h], target(), false);
        assert_eq!(
            db::diagnostics(&db, program),
            db::diagnostics(&fresh, dense)
        );
        (executed(&log, "infer"), errs)
    };
    let before_one = "def one(a: Int) -> Int:";
    // A function inserted first: its own body only.
    let inserted = text.replace(
        before_one,
        &format!("def zero(a: Int) -> Int:\n    return a\n\n\n{before_one}"),
    );
    let (n, errs) = edit(inserted.clone());
    assert_eq!((n, errs.len()), (1, 1), "{errs:?}");
    // A struct inserted first: its constructor only.
    let with_struct = inserted.replace(
        "def zero(",
        "struct Q(Copyable, Movable):\n    var y: Int\n\n    def __init__(out self):\n        self.y = 0\n\n\ndef zero(",
    );
    let (n, errs) = edit(with_struct.clone());
    assert_eq!((n, errs.len()), (1, 1), "{errs:?}");
    // The struct removed again: nothing is checked.
    let (n, errs) = edit(inserted.clone());
    assert_eq!((n, errs.len()), (0, 1), "{errs:?}");
    // The function removed: nothing is checked (the others were checked with these ids).
    let (n, errs) = edit(text.clone());
    assert_eq!((n, errs.len()), (0, 1), "{errs:?}");
    // Inserted again with a call of it: the caller only (`zero` has the id it had, and
    // its checked body is still in the memo).
    let called = inserted.replace("return a - 3", "return zero(a) - 3");
    let (n, errs) = edit(called);
    assert_eq!((n, errs.len()), (1, 1), "{errs:?}");
}

/// A docstring left open (its closing quotes not typed yet) ends before the next
/// definition: the functions after it keep their type errors, reported beside it.
#[test]
fn an_open_docstring_does_not_hide_the_rest_of_the_file() {
    let text = "\
def a(x: Int) -> Int:
    \"\"\"
    return x


def b(x: Int) -> Int:
    \"\"\"Doc b.\"\"\"
    var s: Int = \"bad\"
    return x
";
    let db = LoggingDb::new();
    let main = SourceFile::new(&db, "main".into(), "main.mj".into(), text.into());
    let program = Program::new(&db, vec![main], target(), false);
    let codes: Vec<&str> = db::diagnostics(&db, program)
        .iter()
        .filter(|(_, d)| d.is_error())
        .map(|(_, d)| d.code)
        .collect();
    assert_eq!(
        codes,
        ["E0002", "E0101"],
        "the open string, then b's type error"
    );
}
