//! Parsing item by item (what the database does, so that an edit re-parses one item)
//! gives the same tree and diagnostics as parsing the whole file, on every `.mj` file of
//! the tests and the library, and on those files cut short at several places.

use std::path::{Path, PathBuf};

use mj_syntax::{dump, dump_diags};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "mj") {
            out.push(p);
        }
    }
}

#[test]
fn by_items_equals_whole() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut all = Vec::new();
    files(&root.join("tests"), &mut all);
    files(&root.join("stdlib"), &mut all);
    assert!(all.len() > 500, "the corpus is there ({} files)", all.len());
    let mut checked = 0;
    for p in &all {
        let Ok(text) = std::fs::read_to_string(p) else {
            continue;
        };
        // The file, and the file cut at a few places (unfinished code, as in an editor).
        let mut variants = vec![text.clone()];
        for frac in [3, 2] {
            let mut cut = text.len() / frac;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            variants.push(text[..cut].to_string());
        }
        for v in variants {
            let (m1, d1) = mj_syntax::parse(&v);
            let (m2, d2, clean) = mj_syntax::parse_by_items(&v);
            if !clean {
                // A recovery (a bracket left open ends with its item): still an error.
                assert!(d2.iter().any(|d| d.is_error()), "{}", p.display());
                continue;
            }
            assert_eq!(dump(&m2), dump(&m1), "tree of {}", p.display());
            assert_eq!(
                dump_diags(&v, &d2),
                dump_diags(&v, &d1),
                "diagnostics of {}",
                p.display()
            );
            assert_eq!(m2, m1, "spans of {}", p.display());
            // The split without lexing finds the lexer's items wherever the lexer finds
            // more than one (elsewhere the file is parsed whole anyway).
            let lexed = mj_syntax::lexed_item_ranges(&v);
            if lexed.len() > 1 {
                assert_eq!(
                    mj_syntax::item_ranges(&v),
                    lexed,
                    "items of {}",
                    p.display()
                );
            }
            checked += 1;
        }
    }
    println!("{checked} texts parsed both ways");
}

/// Texts where a scan without tokens could go wrong: column-0 text inside strings,
/// brackets and continuations, comments with quotes, decorators, `else` at column 0.
#[test]
fn split_without_lexing_agrees_on_hard_cases() {
    let cases = [
        "def f():\n    return 1\n\ndef g():\n    pass\n",
        "x = \"\"\"\ndef not_an_item():\n\"\"\"\ny = 2\n",
        "x = (1,\n2)\ny = [\n]\n",
        "x = 1 + \\\n2\ny = 3\n",
        "# it's a comment with a quote\nx = '#'\ny = \"it's\"\n",
        "@value\n# a comment between\nstruct S:\n    var a: Int\n\nfn main():\n    pass\n",
        "if True:\n    pass\nelif False:\n    pass\nelse:\n    pass\nelsewhere = 1\n",
        "try:\n    pass\nexcept:\n    pass\nfinally:\n    pass\n",
        "s = f\"{d['a']} and {{x}}\"\nt = r'\\''\nu = 1\n",
        "\n\n# leading comments\n\nx = 1\n",
    ];
    for text in cases {
        assert_eq!(
            mj_syntax::item_ranges(text),
            mj_syntax::lexed_item_ranges(text),
            "items of {text:?}"
        );
        let (m1, d1) = mj_syntax::parse(text);
        let (m2, d2, clean) = mj_syntax::parse_by_items(text);
        assert!(clean, "{text:?}");
        assert_eq!((m2, d2), (m1, d1), "parse of {text:?}");
    }
}

/// A bracket left open (as while a call is being typed) ends at the next definition at
/// column 0: the items after it are parsed as they are, not swallowed.
#[test]
fn an_open_bracket_ends_with_its_item() {
    let text = "def f():\n    print(g(1,\n\n\ndef g(a: Int, b: Int) -> Int:\n    return [a,\n\nstruct S:\n    var x: Int\n\ndef h():\n    pass\n";
    let ranges = mj_syntax::item_ranges(text);
    let names: Vec<&str> = ranges
        .iter()
        .map(|(s, e)| text[*s..*e].split(['(', ':']).next().unwrap_or(""))
        .collect();
    assert_eq!(names, ["def f", "def g", "struct S", "def h"], "{ranges:?}");
    let (m, d, clean) = mj_syntax::parse_by_items(text);
    assert!(!clean);
    let unclosed = d.iter().filter(|d| d.code == "E0002").count();
    assert_eq!(unclosed, 3, "`print(g(` and `[`: {d:?}");
    assert_eq!(m.body.len(), 4, "every definition is there: {m:?}");
    // Inside brackets in valid code, `def` never starts a line with a space after it.
    let valid = "x = (\ndef_value)\ny = [\ndefault]\n";
    assert_eq!(
        mj_syntax::item_ranges(valid),
        mj_syntax::lexed_item_ranges(valid)
    );
}

/// A triple-quoted string left open (a docstring being typed) ends before the next
/// definition at column 0: its quotes do not pair with the next docstring's and turn the
/// rest of the file inside out. A docstring of valid code that holds such a line is kept.
#[test]
fn an_open_docstring_ends_with_its_item() {
    let text = "def a(x: Int) -> Int:\n    \"\"\"\n    return x\n\n\ndef b(x: Int) -> Int:\n    \"\"\"Doc b.\"\"\"\n    return x\n\n\nstruct S:\n    \"\"\"Doc S.\"\"\"\n    var x: Int\n";
    let (m, d, clean) = mj_syntax::parse_by_items(text);
    assert!(!clean);
    let errors: Vec<&str> = d.iter().filter(|d| d.is_error()).map(|d| d.code).collect();
    assert_eq!(errors, ["E0002"], "only the open string: {d:?}");
    assert_eq!(m.body.len(), 3, "a, b and S are there: {m:?}");
    let valid = "\"\"\"Example:\ndef f():\n    pass\n\"\"\"\n\ndef g():\n    pass\n";
    assert!(mj_syntax::string_cut_ranges(valid).is_some());
    let (m1, d1) = mj_syntax::parse(valid);
    let (m2, d2, clean) = mj_syntax::parse_by_items(valid);
    assert!(clean && d1.is_empty());
    assert_eq!((m2, d2), (m1, d1));
}

/// Errors inside one token keep the split: each item is parsed on its own (as an editor's
/// database does while a literal is being typed) and the result is the whole parse's.
#[test]
fn token_errors_keep_items_apart() {
    let cases = [
        "def f() -> Int:\n    return 07\n\ndef g() -> Int:\n    return 1\n",
        "def f():\n    print(\"\\q\")\n\ndef g():\n    print(0x)\n",
        "x = 1\ndef f():\n    print(f\"{}\")\ny = 99999999999999999999999999999999999999999\n",
    ];
    for text in cases {
        let ranges = mj_syntax::item_ranges(text);
        assert!(ranges.len() > 1, "{text:?}");
        for (s, e) in &ranges {
            let (_, _, clean) = mj_syntax::parse_item(&text[*s..*e], 0);
            assert!(clean, "{:?} counts as clean", &text[*s..*e]);
        }
        let (m1, d1) = mj_syntax::parse(text);
        let (m2, d2, _) = mj_syntax::parse_by_items(text);
        assert!(!d1.is_empty(), "{text:?} has errors");
        assert_eq!((m2, d2), (m1, d1), "parse of {text:?}");
    }
}

/// `spans::stmt_spans` (through `shift_stmt`) reaches every span: a tree moved by `k` bytes equals the tree of
/// the same text parsed `k` bytes further on.
#[test]
fn moving_a_tree_moves_every_span() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut all = Vec::new();
    files(&root.join("tests"), &mut all);
    files(&root.join("stdlib"), &mut all);
    for p in &all {
        let Ok(text) = std::fs::read_to_string(p) else {
            continue;
        };
        let (mut moved, _) = mj_syntax::parse(&text);
        for s in &mut moved.body {
            mj_syntax::spans::shift_stmt(s, 7);
        }
        let (padded, _) = mj_syntax::parse(&("\n".repeat(7) + &text));
        assert_eq!(moved, padded, "spans of {}", p.display());
    }
}
