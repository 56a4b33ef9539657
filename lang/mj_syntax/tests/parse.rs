//! Data-driven parser snapshots: every `tests/parse/*.mj` at the repository root is parsed
//! and its AST dump plus diagnostics compared with the sibling `.ast` file. Run with
//! `MJ_BLESS=1` to (re)write the expectations.

use std::path::{Path, PathBuf};

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/parse")
}

fn render(text: &str) -> String {
    let (module, diags) = mj_syntax::parse(text);
    let mut out = mj_syntax::dump(&module);
    if !diags.is_empty() {
        out.push_str("--- diagnostics ---\n");
        out.push_str(&mj_syntax::dump_diags(text, &diags));
    }
    out
}

#[test]
fn parse_fixtures() {
    let bless = std::env::var_os("MJ_BLESS").is_some();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(fixture_dir())
        .expect("tests/parse exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "mj"))
        .collect();
    paths.sort();
    assert!(
        paths.len() >= 15,
        "expected at least 15 fixtures, found {}",
        paths.len()
    );
    let mut failures = Vec::new();
    for path in &paths {
        let text = std::fs::read_to_string(path).expect("readable fixture");
        let actual = render(&text);
        let expected_path = path.with_extension("ast");
        if bless {
            std::fs::write(&expected_path, &actual).expect("writable expectation");
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if expected != actual {
            failures.push(format!(
                "=== {} ===\n--- expected ---\n{expected}--- actual ---\n{actual}",
                path.display()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} fixture(s) differ (MJ_BLESS=1 rewrites):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn spans_point_into_the_file() {
    use mj_syntax::ast::{ExprKind, FStringPart, StmtKind};
    let text = "x = 1\ny = f\"a{foo.bar + 1}b\"\n";
    let (module, diags) = mj_syntax::parse(text);
    assert!(diags.is_empty(), "{diags:?}");
    let StmtKind::Assign { value, .. } = &module.body[1].kind else {
        panic!("not an assignment")
    };
    assert_eq!(&text[value.span.range()], "f\"a{foo.bar + 1}b\"");
    let ExprKind::FString(parts) = &value.kind else {
        panic!("not an f-string")
    };
    let FStringPart::Expr { expr, .. } = &parts[1] else {
        panic!("not an expression part")
    };
    assert_eq!(&text[expr.span.range()], "foo.bar + 1");
    assert_eq!(
        &text[module.body[1].span.range()],
        "y = f\"a{foo.bar + 1}b\""
    );
}
