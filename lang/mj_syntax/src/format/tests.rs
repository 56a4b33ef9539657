//! One test per rule: input, expected output. `fmt` also checks what every output must
//! satisfy: formatting it again changes nothing, the tree is the input's, no comment is lost.

use super::{check_same_tokens, format};
use crate::{comments, dump, parse};

#[track_caller]
fn fmt(input: &str) -> String {
    let out = match format(input) {
        Ok(out) => out,
        Err(d) => panic!("refused:\n{}", crate::dump_diags(input, &d)),
    };
    assert_eq!(format(&out).as_deref(), Ok(out.as_str()), "not idempotent");
    assert_eq!(
        dump(&parse(&out).0),
        dump(&parse(input).0),
        "the tree changed"
    );
    assert_eq!(comments(&out), comments(input), "the comments changed");
    out
}

#[track_caller]
fn check(input: &str, expected: &str) {
    assert_eq!(fmt(input), expected, "\n--- input ---\n{input}");
}

#[test]
fn block_indentation_becomes_four_spaces_per_level() {
    check(
        "def f(x: Int):\n  if x:\n        return 1\n  else:\n   return 2\n",
        "def f(x: Int):\n    if x:\n        return 1\n    else:\n        return 2\n",
    );
    check(
        "struct S:\n var a: Int\n def m(self):\n  pass\n",
        "struct S:\n    var a: Int\n    def m(self):\n        pass\n",
    );
}

#[test]
fn trailing_whitespace_final_newline_and_crlf() {
    check("x = 1   \ny = 2\t", "x = 1\ny = 2\n");
    check(
        "x = 1\r\nif x:\r\n    y = 2  \r\n",
        "x = 1\nif x:\n    y = 2\n",
    );
    // Inside a string the bytes are the string's value: a CR there stays.
    check("s = \"\"\"a\r\nb\"\"\"\r\n", "s = \"\"\"a\r\nb\"\"\"\n");
    check("x = 1\n\n\n\n", "x = 1\n");
    check("", "");
    check("\n\n", "");
}

#[test]
fn blank_lines_are_capped() {
    check("\n\nx = 1\n\n\n\n\ny = 2\n", "x = 1\n\n\ny = 2\n");
    check(
        "def f():\n    x = 1\n\n\n\n    y = 2\n",
        "def f():\n    x = 1\n\n    y = 2\n",
    );
    // Before a dedented line the cap is the one of that line's level.
    check(
        "def f():\n    x = 1\n\n\n\n\ndef g():\n    pass\n",
        "def f():\n    x = 1\n\n\ndef g():\n    pass\n",
    );
}

#[test]
fn no_blank_line_right_after_a_block_header() {
    check("def f():\n\n\n    x = 1\n", "def f():\n    x = 1\n");
    // A comment first: the blank line after it stays.
    check(
        "if x:\n\n    # why\n\n    y = 1\n",
        "if x:\n    # why\n\n    y = 1\n",
    );
}

#[test]
fn binary_operators_and_assignments_get_one_space() {
    check("x=1+2*3-4/5//6%7\n", "x = 1 + 2 * 3 - 4 / 5 // 6 % 7\n");
    check("x+=1\ny<<=2\nz  =  a**b\n", "x += 1\ny <<= 2\nz = a ** b\n");
    check(
        "if a<b and c>=d or e!=f:\n    pass\n",
        "if a < b and c >= d or e != f:\n    pass\n",
    );
    check("x = a&b|c^d\n", "x = a & b | c ^ d\n");
    check("x = a  if  b  else  c\n", "x = a if b else c\n");
    check(
        "x = a  not  in  b\ny = a is  not b\n",
        "x = a not in b\ny = a is not b\n",
    );
    check(
        "def f()->Int:\n    return 1\n",
        "def f() -> Int:\n    return 1\n",
    );
}

#[test]
fn keyword_arguments_and_defaults() {
    check("f(a = 1, b =2)\n", "f(a=1, b=2)\n");
    check(
        "def f(x: Int=1, y = 2, *, z : Bool=True):\n    pass\n",
        "def f(x: Int = 1, y=2, *, z: Bool = True):\n    pass\n",
    );
    check(
        "var p = UnsafePointer[Int, mut = True]()\n",
        "var p = UnsafePointer[Int, mut=True]()\n",
    );
    check(
        "struct S[T: AnyType=Int, n = 4]:\n    pass\n",
        "struct S[T: AnyType = Int, n=4]:\n    pass\n",
    );
    // An initializer list is not a call: its `=` stays spaced.
    check(
        "var a = alloc[Int]({count=2})\n",
        "var a = alloc[Int]({count = 2})\n",
    );
}

#[test]
fn commas_colons_and_semicolons() {
    check("f(a ,b,c)\n", "f(a, b, c)\n");
    check("t = (1 ,)\n", "t = (1,)\n");
    check("d = {1:2 , 3 :4}\n", "d = {1: 2, 3: 4}\n");
    check("var x : Int=3\n", "var x: Int = 3\n");
    check("x=1 ;y=2\n", "x = 1; y = 2\n");
    check("if x :return\n", "if x: return\n");
}

#[test]
fn no_spaces_inside_brackets_nor_before_calls() {
    check("print ( x [ 1 ] , ( y ) )\n", "print(x[1], (y))\n");
    check("x = [ 1, 2 ] [ 0 ]\n", "x = [1, 2][0]\n");
    check("f [ T ] ( x ) ( )\n", "f[T](x)()\n");
    check("x = a . b . c ( )\n", "x = a.b.c()\n");
    check("if(x):\n    pass\n", "if (x):\n    pass\n");
    check("x = not(y)\n", "x = not (y)\n");
    check(
        "var g: def ( Int ) -> Int = h\n",
        "var g: def(Int) -> Int = h\n",
    );
}

#[test]
fn slice_colons_are_tight() {
    check(
        "print(a[1 : 2], a[ : -1], a[: : 2], a[i+1 :], a[1, :], a[:, 0])\n",
        "print(a[1:2], a[:-1], a[::2], a[i + 1:], a[1, :], a[:, 0])\n",
    );
    // A declaration's parameters are not a slice.
    check(
        "def f[n:Int, m :Int](x: SIMD[DType.int8, n]):\n    pass\n",
        "def f[n: Int, m: Int](x: SIMD[DType.int8, n]):\n    pass\n",
    );
    check(
        "comptime Pairs[size:Int] = SIMD[DType.int8, size]\n",
        "comptime Pairs[size: Int] = SIMD[DType.int8, size]\n",
    );
}

#[test]
fn unary_operators() {
    check("x = - 1\ny = a - -b\n", "x = -1\ny = a - -b\n");
    check("f(- x, a [- 1], ~ m)\n", "f(-x, a[-1], ~m)\n");
    check("def f():\n    return - x\n", "def f():\n    return -x\n");
    check("x = not  y\n", "x = not y\n");
    check("x = y if z else - w\n", "x = y if z else -w\n");
    check("x = a ** - 1\n", "x = a ** -1\n");
    check(
        "def f(* args, ** kw):\n    pass\n",
        "def f(*args, **kw):\n    pass\n",
    );
}

#[test]
fn transfer_operator_stays_glued() {
    check("return_value = x ^\n", "return_value = x^\n");
    check("f(x ^, y)\n", "f(x^, y)\n");
    // `^` before an operand is the exclusive or.
    check("x = a^b\n", "x = a ^ b\n");
    check(
        "def f():\n    def tag() {var ^} -> String:\n        return s\n",
        "def f():\n    def tag() {var^} -> String:\n        return s\n",
    );
}

#[test]
fn imports_and_implicit_members() {
    check("from . import x\n", "from . import x\n");
    check(
        "from .. pkg . sub import ( a , b as c , )\n",
        "from ..pkg.sub import (a, b as c,)\n",
    );
    check("from ... a import b\n", "from ...a import b\n");
    check("from std.gpu import  *\n", "from std.gpu import *\n");
    check(
        "var v = SIMD[. float32, 4](1)\n",
        "var v = SIMD[.float32, 4](1)\n",
    );
}

#[test]
fn lambdas() {
    check("f = lambda x,y:x+y\n", "f = lambda x, y: x + y\n");
    check("h = lambda : 0\n", "h = lambda: 0\n");
}

#[test]
fn function_types_keep_mojo_spelling() {
    check(
        "def run[f: fn() raises capturing[_] -> None]():\n    pass\n",
        "def run[f: fn() raises capturing [_] -> None]():\n    pass\n",
    );
}

#[test]
fn tokens_that_would_merge_keep_a_space() {
    // `1.real` would lex as the float `1.` and a name.
    check("x = 1 .real\n", "x = 1 .real\n");
    // Three dots of a relative import glued would be one `...`.
    check("from. ..pkg import x\n", "from .. .pkg import x\n");
    check("x = 1.5 .real\n", "x = 1.5.real\n");
}

#[test]
fn decorators_keep_their_spacing() {
    check(
        "struct S:\n  @always_inline( \"nodebug\" )\n  def f(self):\n    pass\n",
        "struct S:\n    @always_inline( \"nodebug\" )\n    def f(self):\n        pass\n",
    );
}

#[test]
fn comments_are_kept_with_two_spaces_before_trailing_ones() {
    check(
        "x = 1 # one\ny = 2       #two  \n#three\n",
        "x = 1  # one\ny = 2  #two\n#three\n",
    );
    check(
        "f(a,   # first\n  b)  # second\n",
        "f(a,  # first\n  b)  # second\n",
    );
}

#[test]
fn comment_lines_follow_the_blocks_around_them() {
    check(
        "def f():\n  x = 1\n  # end of f\n# about g\ndef g():\n      # in g\n      pass\n",
        "def f():\n    x = 1\n    # end of f\n# about g\ndef g():\n    # in g\n    pass\n",
    );
    // Between lines of one block, whatever the column.
    check(
        "if a:\n    x = 1\n# odd\n    y = 2\n",
        "if a:\n    x = 1\n    # odd\n    y = 2\n",
    );
    // At the end of the file: the column picks among the blocks just closed.
    check(
        "def f():\n    if x:\n        y = 1\n        # deep\n    # mid\n",
        "def f():\n    if x:\n        y = 1\n        # deep\n    # mid\n",
    );
}

#[test]
fn strings_are_copied_byte_for_byte() {
    let src = "def f():\n  s = \"\"\"first  \n   inner\t \n\"\"\"\n  t = f\"{x+1}  {y!r:>4}\"\n";
    check(
        src,
        "def f():\n    s = \"\"\"first  \n   inner\t \n\"\"\"\n    t = f\"{x+1}  {y!r:>4}\"\n",
    );
    // A docstring's inner lines are its value: they keep their indentation.
    check(
        "def f():\n  \"\"\"Doc.\n\n  More.\n  \"\"\"\n  pass\n",
        "def f():\n    \"\"\"Doc.\n\n  More.\n  \"\"\"\n    pass\n",
    );
}

#[test]
fn continuation_lines_move_with_their_line() {
    // The first line goes from column 2 to 4: its continuation lines move by 2.
    check(
        "def f():\n  x = g(a,\n        b,\n    c)\n  return x\n",
        "def f():\n    x = g(a,\n          b,\n      c)\n    return x\n",
    );
    // Column 8 to 4: they move back by 4, spaces inside them normalized.
    check(
        "if a:\n        y = [\n            1 ,2,\n\n\n            3  # three\n        ]\n",
        "if a:\n    y = [\n        1, 2,\n\n        3  # three\n    ]\n",
    );
    check("x = 1 + \\\n    2\ny = 3\n", "x = 1 + \\\n    2\ny = 3\n");
}

#[test]
fn lines_are_never_joined_or_split() {
    let src = "x = [\n    1,\n    2,\n]\nif a and \\\n        b:\n    pass\n";
    assert_eq!(fmt(src), src);
}

#[test]
fn refuses_a_file_with_syntax_errors() {
    let errs = format("def f(:\n    pass\n").expect_err("a syntax error");
    assert!(errs.iter().all(|d| d.is_error()));
    assert!(!errs.is_empty());
    let errs = format("if x:\n\ty = 1\n").expect_err("a tab in indentation");
    assert!(errs.iter().any(|d| d.code == "E0004"));
}

#[test]
fn warnings_do_not_stop_formatting() {
    check("alias N=4\n", "alias N = 4\n");
}

#[test]
fn the_safety_check_catches_a_changed_token_or_block() {
    assert!(check_same_tokens("x = 1\n", "x = 1\n").is_ok());
    let e = check_same_tokens("x = 1\n", "x = 2\n").expect_err("a changed literal");
    assert_eq!(e[0].code, "E0008");
    assert!(check_same_tokens("if a:\n    b\n    c\n", "if a:\n    b\nc\n").is_err());
    assert!(check_same_tokens("x = (a\n  b)\n", "x = (a\nb)\n").is_err());
}

/// The output depends on the tokens, not on the spaces between them: every file of the
/// repository, with the spaces inside its lines changed at random, formats to the same text.
#[test]
fn corpus_spacing_does_not_matter() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    let mut dirs = vec![root.join("tests"), root.join("stdlib")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let p = entry.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "mj") {
                files.push(p);
            }
        }
    }
    files.sort();
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut checked = 0;
    for path in &files {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let Ok(expected) = format(&text) else {
            continue;
        };
        let variant = respace(&text, &mut seed);
        if parse(&variant).1.iter().any(|d| d.is_error()) {
            continue;
        }
        checked += 1;
        assert_eq!(
            format(&variant).as_deref(),
            Ok(expected.as_str()),
            "{}: respaced, it formats differently",
            path.display()
        );
    }
    assert!(checked >= 400, "only {checked} files checked");
}

/// `text` with the spaces between two tokens of one line replaced by 0 to 2 spaces (0
/// only where the tokens stay apart). Decorator lines keep theirs: they are left as written.
fn respace(text: &str, seed: &mut u64) -> String {
    let toks = super::tokens(text);
    let mut out = String::with_capacity(text.len());
    let mut prev_end = 0;
    for (i, t) in toks.iter().enumerate() {
        let gap = &text[prev_end..t.start];
        let line = &text[super::line_start(text, t.start)..];
        let same_line = i > 0 && !gap.is_empty() && gap.bytes().all(|b| b == b' ');
        if same_line && !line.trim_start().starts_with('@') {
            // xorshift: a fixed sequence, so a failure reproduces.
            *seed ^= *seed << 13;
            *seed ^= *seed >> 7;
            *seed ^= *seed << 17;
            let mut n = (*seed % 3) as usize;
            if n == 0 && !super::can_glue(toks[i - 1].text, t.text) {
                n = 1;
            }
            out.extend(std::iter::repeat_n(' ', n));
        } else {
            out.push_str(gap);
        }
        out.push_str(t.text);
        prev_end = t.end;
    }
    out.push_str(&text[prev_end..]);
    out
}
