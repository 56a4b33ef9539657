//! End-to-end tests of `mj fmt`: `--check`, rewriting, directories, and files with syntax
//! errors. Each test works in its own temporary directory.

mod common;

use common::*;

const MESSY: &str = "def main():\n  var x=1+2   \n  if x>2 :\n\n        print( x )  # big\n\n\n\n";
const TIDY: &str = "def main():\n    var x = 1 + 2\n    if x > 2:\n        print(x)  # big\n";

#[test]
fn check_then_rewrite_then_check_again() {
    let d = TempDir::new("fmt");
    let file = d.write("messy.mj", MESSY);

    let o = mj_in(&d, &["fmt", "--check", "messy.mj"]);
    assert_eq!(code(&o), 1, "{}", describe(&o));
    assert!(stdout(&o).contains("messy.mj"), "{}", describe(&o));
    let after_check = std::fs::read_to_string(&file).expect("read back");
    assert_eq!(after_check, MESSY, "--check wrote the file");

    let o = mj_in(&d, &["fmt", "messy.mj"]);
    assert_eq!(code(&o), 0, "{}", describe(&o));
    let rewritten = std::fs::read_to_string(&file).expect("read back");
    assert_eq!(rewritten, TIDY);

    let o = mj_in(&d, &["fmt", "--check", "messy.mj"]);
    assert_eq!(code(&o), 0, "{}", describe(&o));
    assert_eq!(stdout(&o), "", "{}", describe(&o));
    assert_no_panic(&o);
}

#[test]
fn a_directory_means_every_mj_file_under_it_and_only_changed_ones_are_named() {
    let d = TempDir::new("fmt-dir");
    std::fs::create_dir_all(d.path().join("src/sub")).expect("mkdir");
    let messy = d.write("src/sub/a.mj", MESSY);
    let tidy = d.write("src/b.mj", TIDY);
    let other = d.write("src/notes.txt", "x=1\n");

    let o = mj_in(&d, &["fmt", "src"]);
    assert_eq!(code(&o), 0, "{}", describe(&o));
    let out = stdout(&o);
    assert!(
        out.contains("a.mj") && !out.contains("b.mj"),
        "{}",
        describe(&o)
    );
    let read = |p| std::fs::read_to_string(p).expect("read back");
    assert_eq!(read(&messy), TIDY);
    assert_eq!(read(&tidy), TIDY);
    assert_eq!(read(&other), "x=1\n");
}

#[test]
fn a_syntax_error_is_reported_and_the_file_left_alone() {
    let d = TempDir::new("fmt-bad");
    let bad_text = "def main(:\n  pass\n";
    let bad = d.write("bad.mj", bad_text);
    let good = d.write("good.mj", MESSY);

    let o = mj_in(&d, &["fmt", "bad.mj", "good.mj"]);
    assert_eq!(code(&o), 1, "{}", describe(&o));
    let err = stderr(&o);
    assert!(
        err.contains("E0001") && err.contains("bad.mj"),
        "{}",
        describe(&o)
    );
    assert_no_panic(&o);
    assert_eq!(std::fs::read_to_string(&bad).expect("read back"), bad_text);
    // The other files are still formatted.
    assert_eq!(std::fs::read_to_string(&good).expect("read back"), TIDY);

    let o = mj_in(
        &d,
        &["fmt", "--check", "--message-format", "short", "bad.mj"],
    );
    assert_eq!(code(&o), 1, "{}", describe(&o));
    assert!(
        stdout(&o).contains("bad.mj:1:") && stdout(&o).contains("error[E0001]"),
        "{}",
        describe(&o)
    );
}

#[test]
fn usage_and_arguments() {
    let o = mj(&["--help"]);
    assert!(stdout(&o).contains("fmt PATH"), "{}", describe(&o));
    let o = mj(&["fmt"]);
    assert_eq!(code(&o), 1, "{}", describe(&o));
    assert!(stderr(&o).contains("missing"), "{}", describe(&o));
    let o = mj(&["fmt", "--frobnicate", "x.mj"]);
    assert_eq!(code(&o), 1, "{}", describe(&o));
    let o = mj(&["fmt", "does-not-exist.mj"]);
    assert_eq!(code(&o), 1, "{}", describe(&o));
    assert!(stderr(&o).contains("does not exist"), "{}", describe(&o));
}
