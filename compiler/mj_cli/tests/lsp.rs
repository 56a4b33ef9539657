//! End-to-end tests of `mj lsp`: the real binary driven over stdio by a small LSP client
//! (Content-Length framing, JSON-RPC), on fixture files with cursor markers (`$0`).
// (A test's failing unwrap, with the message it prints, is the test's failure.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

struct Client {
    child: Child,
    stdin: ChildStdin,
    rx: mpsc::Receiver<Value>,
    next_id: i64,
    /// Notifications and responses read but not yet asked for.
    backlog: Vec<Value>,
}

impl Client {
    fn start(root: &Path) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_mj"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("mj lsp starts");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            loop {
                let mut len = 0usize;
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(v) = line.strip_prefix("Content-Length: ") {
                        len = v.parse().unwrap();
                    }
                }
                let mut buf = vec![0; len];
                if r.read_exact(&mut buf).is_err() {
                    return;
                }
                if tx.send(serde_json::from_slice(&buf).unwrap()).is_err() {
                    return;
                }
            }
        });
        let mut c = Client {
            child,
            stdin,
            rx,
            next_id: 0,
            backlog: Vec::new(),
        };
        let root_uri = uri(root);
        let r = c.request(
            "initialize",
            json!({"processId": null, "rootUri": root_uri, "capabilities": {}}),
        );
        assert!(
            r["result"]["capabilities"]["hoverProvider"]
                .as_bool()
                .unwrap(),
            "{r}"
        );
        c.notify("initialized", json!({}));
        c
    }

    fn send(&mut self, v: Value) {
        let body = v.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    fn send_request(&mut self, method: &str, params: Value) -> i64 {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        id
    }

    /// The first message (read now or earlier) that `want` accepts.
    fn wait(&mut self, what: &str, want: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.backlog.iter().position(&want) {
            return self.backlog.remove(i);
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let v = self
                .rx
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no {what} within 60 s"));
            if want(&v) {
                return v;
            }
            self.backlog.push(v);
        }
    }

    fn response(&mut self, id: i64) -> Value {
        self.wait(&format!("response {id}"), |v| v["id"] == json!(id))
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.send_request(method, params);
        self.response(id)
    }

    /// Opens document `u` at `version` with `text`.
    fn open(&mut self, u: &str, version: i64, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": u, "languageId": "mj", "version": version, "text": text}}),
        );
    }

    fn diagnostics(&mut self, u: &str, version: i64) -> Vec<Value> {
        let v = self.wait("diagnostics", |v| {
            v["method"] == "textDocument/publishDiagnostics"
                && v["params"]["uri"] == u
                && v["params"]["version"] == json!(version)
        });
        v["params"]["diagnostics"].as_array().unwrap().clone()
    }

    fn stop(mut self) {
        let r = self.request("shutdown", Value::Null);
        assert!(r.get("error").is_none(), "{r}");
        self.notify("exit", Value::Null);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(st)) = self.child.try_wait() {
                assert!(st.success(), "mj lsp exits cleanly: {st}");
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        panic!("mj lsp did not exit");
    }
}

fn uri(p: &Path) -> String {
    format!("file://{}", p.display())
}

/// A fixture: the text without its `$0` markers, and the markers' positions in order.
fn fixture(src: &str) -> (String, Vec<Value>) {
    let mut text = String::new();
    let mut marks = Vec::new();
    let (mut line, mut col) = (0, 0);
    let mut rest = src;
    while let Some(i) = rest.find("$0") {
        for c in rest[..i].chars() {
            if c == '\n' {
                line += 1;
                col = 0;
            } else {
                col += c.len_utf16();
            }
        }
        text.push_str(&rest[..i]);
        marks.push(json!({"line": line, "character": col}));
        rest = &rest[i + 2..];
    }
    text.push_str(rest);
    (text, marks)
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("mj-lsp-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

const FIXTURE: &str = r#"from helper import Point, scale


def area(p: Point) -> Int:
    """The area of the box up to `p`."""
    return p.x * p.$0y + 0 $5* 1


def main():
    var pts = List[Int]()
    pts.$1append(3)
    var p = Point(2, 3)
    var total = $2area(p) + scale($3p.x)
    print(total, len(pts))
    p.$4
"#;

const HELPER: &str = r#""""Helpers."""


@fieldwise_init
struct Point(Copyable, Movable):
    """A point on the grid."""

    var x: Int
    var y: Int


def scale(v: Int) -> Int:
    return v * 2
"#;

/// A one-file project in a fresh folder `name`: file `file` holding `src` (its `$0`
/// markers taken out) opened in a started server, with the document's URI and the
/// markers' positions.
fn open_fixture(name: &str, file: &str, src: &str) -> (Client, String, Vec<Value>) {
    let dir = temp_dir(name);
    let (text, marks) = fixture(src);
    let path = dir.join(file);
    std::fs::write(&path, &text).unwrap();
    let u = uri(&path);
    let mut c = Client::start(&dir);
    c.open(&u, 1, &text);
    (c, u, marks)
}

/// The markdown text of a hover answer (empty where there is none).
fn hover_text(h: &Value) -> String {
    h["result"]["contents"]["value"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// The inlay hints of the first 20 lines of document `u`, as (line, label).
fn inlay_hints(c: &mut Client, u: &str) -> Vec<(u64, String)> {
    let r = c.request("textDocument/inlayHint", json!({"textDocument": {"uri": u}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 20, "character": 0}}}));
    r["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["position"]["line"].as_u64().unwrap(),
                h["label"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Semantic tokens as (line, column, length, type), from the protocol's relative form.
fn tokens(r: &Value) -> Vec<(u64, u64, u64, u64)> {
    let data: Vec<u64> = r["result"]["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert_eq!(data.len() % 5, 0);
    let (mut line, mut col, mut toks) = (0, 0, Vec::new());
    for t in data.chunks(5) {
        if t[0] > 0 {
            col = 0;
        }
        line += t[0];
        col += t[1];
        toks.push((line, col, t[2], t[3]));
    }
    toks
}

#[test]
fn features_on_a_project() {
    let dir = temp_dir("features");
    std::fs::write(dir.join("helper.mj"), HELPER).unwrap();
    let src = FIXTURE
        .replace("$1", "$0")
        .replace("$2", "$0")
        .replace("$3", "$0")
        .replace("$4", "$0")
        .replace("$5", "$0");
    let (text, marks) = fixture(&src);
    let main = dir.join("main.mj");
    // The file on disk is the complete program; the editor's copy ends in `p.`.
    std::fs::write(&main, text.replace("    p.\n", "")).unwrap();
    let u = uri(&main);
    let mut c = Client::start(&dir);
    c.open(&u, 1, &text);
    let diags = c.diagnostics(&u, 1);
    assert!(
        !diags.is_empty(),
        "the unfinished `p.` is a syntax error: {diags:?}"
    );
    let at = |i: usize| json!({"textDocument": {"uri": u}, "position": marks[i]});

    // Hover on an expression that is not a name: its checked type, over its span.
    let h = c.request("textDocument/hover", at(1));
    let v = hover_text(&h);
    assert!(v.contains("Int"), "hover on `0 * 1`: {h}");
    let r = &h["result"]["range"];
    assert_eq!(
        (
            r["start"]["character"].as_u64(),
            r["end"]["character"].as_u64()
        ),
        (Some(23), Some(28)),
        "the range of `0 * 1`: {h}"
    );
    // Hover: a field of a struct in another module, with its type.
    let h = c.request("textDocument/hover", at(0));
    let v = hover_text(&h);
    assert!(v.contains("var y: Int"), "hover on p.y: {h}");
    // Hover and definition of a library method: `List.append`, into the library.
    let h = c.request("textDocument/hover", at(2));
    let v = hover_text(&h);
    assert!(v.contains("def append"), "hover on List.append: {h}");
    let d = c.request("textDocument/definition", at(2));
    let target = d["result"]["uri"].as_str().unwrap_or_default();
    assert!(
        target.ends_with("stdlib/std/collections/list.mj"),
        "definition of append: {d}"
    );
    // A function of this file: signature and docstring; definition on its line.
    let h = c.request("textDocument/hover", at(3));
    let v = hover_text(&h);
    assert!(
        v.contains("def area(p: Point) -> Int") && v.contains("The area of the box"),
        "{h}"
    );
    let d = c.request("textDocument/definition", at(3));
    assert_eq!(
        d["result"]["range"]["start"],
        json!({"line": 3, "character": 4}),
        "{d}"
    );
    // A local: its declaration and checked type.
    let h = c.request("textDocument/hover", at(4));
    let v = hover_text(&h);
    assert!(v.contains("var p: Point"), "hover on a local: {h}");
    // Completion after `p.`: the struct's fields.
    let r = c.request("textDocument/completion", at(5));
    let labels: Vec<&str> = r["result"]["items"]
        .as_array()
        .map(|a| a.iter().filter_map(|i| i["label"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        labels.contains(&"x") && labels.contains(&"y"),
        "members of p: {labels:?}"
    );
    // Completion of names in scope.
    let r = c.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": u}, "position": {"line": 12, "character": 4}}),
    );
    let labels: Vec<String> = r["result"]["items"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|i| i["label"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    for want in ["pts", "total", "area", "Point", "print", "while"] {
        assert!(
            labels.iter().any(|l| l == want),
            "{want} offered: {labels:?}"
        );
    }
    // The outline.
    let r = c.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": u}}),
    );
    let names: Vec<&str> = r["result"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(names, ["area", "main"]);

    // Fix the file: no diagnostics; references and rename of `p` in `main`.
    let fixed = text.replace("    p.\n", "");
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": u, "version": 2}, "contentChanges": [{"text": fixed}]}),
    );
    assert_eq!(c.diagnostics(&u, 2), Vec::<Value>::new());
    let refs = c.request("textDocument/references", at(4));
    let lines: Vec<i64> = refs["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["range"]["start"]["line"].as_i64().unwrap())
        .collect();
    assert_eq!(lines, [11, 12, 12], "references of p: {refs}");
    let prep = c.request("textDocument/prepareRename", at(4));
    assert_eq!(prep["result"]["placeholder"], "p", "{prep}");
    let r = c.request(
        "textDocument/rename",
        json!({"textDocument": {"uri": u}, "position": marks[4], "newName": "q"}),
    );
    let edits = r["result"]["changes"][&u].as_array().unwrap();
    assert_eq!(edits.len(), 3, "{r}");
    let bad = c.request(
        "textDocument/rename",
        json!({"textDocument": {"uri": u}, "position": marks[4], "newName": "1x"}),
    );
    assert!(bad.get("error").is_some(), "a bad name is refused: {bad}");
    // Inlay hints: the inferred types of `var` without annotation.
    let r = c.request("textDocument/inlayHint", json!({"textDocument": {"uri": u}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 20, "character": 0}}}));
    let hints: Vec<&str> = r["result"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|h| h["label"].as_str())
        .collect();
    assert!(
        hints.contains(&": Point") && hints.contains(&": Int"),
        "inlay hints: {hints:?}"
    );
    // Signature help inside `scale(`.
    let r = c.request("textDocument/signatureHelp", at(4));
    assert_eq!(
        r["result"]["signatures"][0]["label"], "def scale(v: Int) -> Int",
        "{r}"
    );
    assert_eq!(
        r["result"]["signatures"][0]["parameters"][0]["label"],
        "v: Int"
    );
    assert_eq!(r["result"]["activeParameter"], 0);
    // Semantic tokens: `def` (keyword) and `area` (function) of line 3.
    let r = c.request(
        "textDocument/semanticTokens/full",
        json!({"textDocument": {"uri": u}}),
    );
    let toks = tokens(&r);
    assert!(
        toks.contains(&(3, 0, 3, 0)) && toks.contains(&(3, 4, 4, 2)),
        "{toks:?}"
    );
    // Names by what they resolve to: the parameter `p` and its type `Point` (declared in
    // another module), the field `x` of a use `p.x`, the local variable `pts` and the
    // library method `append`, the function `scale` imported from `helper`.
    for (tok, what) in [
        ((3, 9, 1, 3), "parameter p"),
        ((3, 12, 5, 1), "type Point"),
        ((5, 11, 1, 3), "use of parameter p"),
        ((5, 13, 1, 8), "field x"),
        ((9, 8, 3, 7), "variable pts"),
        ((10, 4, 3, 7), "use of variable pts"),
        ((10, 8, 6, 9), "method append"),
        ((12, 26, 5, 2), "imported function scale"),
    ] {
        assert!(toks.contains(&tok), "{what}: {toks:?}");
    }
    // A range (lines 9 and 10): the same tokens as the whole file's there, and no others.
    let r = c.request(
        "textDocument/semanticTokens/range",
        json!({"textDocument": {"uri": u}, "range": {"start": {"line": 9, "character": 0}, "end": {"line": 11, "character": 0}}}),
    );
    let want: Vec<_> = toks
        .iter()
        .filter(|t| t.0 == 9 || t.0 == 10)
        .copied()
        .collect();
    assert!(want.len() >= 4, "{toks:?}");
    assert_eq!(tokens(&r), want, "{r}");
    // Pull diagnostics agree with the pushed ones.
    let r = c.request(
        "textDocument/diagnostic",
        json!({"textDocument": {"uri": u}}),
    );
    assert_eq!(r["result"]["items"], json!([]));
    c.stop();
}

/// A `for` target (also a tuple of names) and a name first bound by an assignment are
/// locals: definition, references, hover and rename find them.
#[test]
fn loop_targets_and_assignments_are_locals() {
    let src = "def main():\n    var total = 0\n    for i in range(3):\n        total += $0i\n    count = 2\n    for a, b in [(1, 2)]:\n        total += a * $1b\n    print(total + $2count)\n";
    let src = src.replace("$1", "$0").replace("$2", "$0");
    let (mut c, u, marks) = open_fixture("loops", "loops.mj", &src);
    assert_eq!(c.diagnostics(&u, 1), Vec::<Value>::new());
    let at = |i: usize| json!({"textDocument": {"uri": u}, "position": marks[i]});
    let start = |r: &Value| {
        (
            r["start"]["line"].as_i64(),
            r["start"]["character"].as_i64(),
        )
    };
    for (mark, want) in [(0, (2, 8)), (1, (5, 11)), (2, (4, 4))] {
        let d = c.request("textDocument/definition", at(mark));
        assert_eq!(
            start(&d["result"]["range"]),
            (Some(want.0), Some(want.1)),
            "mark {mark}: {d}"
        );
    }
    let refs = c.request("textDocument/references", at(0));
    let found: Vec<(Option<i64>, Option<i64>)> = refs["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| start(&l["range"]))
        .collect();
    assert_eq!(found, [(Some(2), Some(8)), (Some(3), Some(17))], "{refs}");
    let h = c.request("textDocument/hover", at(2));
    let v = hover_text(&h);
    assert!(v.contains("var count: Int"), "{h}");
    let r = c.request(
        "textDocument/rename",
        json!({"textDocument": {"uri": u}, "position": marks[1], "newName": "second"}),
    );
    assert_eq!(
        r["result"]["changes"][&u].as_array().map(Vec::len),
        Some(2),
        "{r}"
    );
    c.stop();
}

#[test]
fn diagnostics_match_mj_check_and_quick_fixes() {
    let dir = temp_dir("diags");
    let text = "def main():\n    var count = 1\n    print(cout)\n    var s: Int = \"x\"\n";
    let main = dir.join("bad.mj");
    std::fs::write(&main, text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_mj"))
        .args(["check", "--message-format", "short"])
        .arg(&main)
        .output()
        .unwrap();
    let check =
        String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
    // `path:line:col: error[CODE]: message` per diagnostic.
    let mut want: Vec<(i64, i64, String)> = check
        .lines()
        .filter(|l| l.starts_with(&main.display().to_string()))
        .map(|l| {
            let rest = &l[main.display().to_string().len() + 1..];
            let mut it = rest.splitn(3, ':');
            let line: i64 = it.next().unwrap().parse().unwrap();
            let col: i64 = it.next().unwrap().parse().unwrap();
            let code = rest[rest.find('[').unwrap() + 1..rest.find(']').unwrap()].to_string();
            (line - 1, col - 1, code)
        })
        .collect();
    want.sort();
    assert!(want.len() >= 2, "mj check finds the errors: {check}");
    let u = uri(&main);
    let mut c = Client::start(&dir);
    c.open(&u, 7, text);
    let diags = c.diagnostics(&u, 7);
    let mut got: Vec<(i64, i64, String)> = diags
        .iter()
        .map(|d| {
            (
                d["range"]["start"]["line"].as_i64().unwrap(),
                d["range"]["start"]["character"].as_i64().unwrap(),
                d["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(got, want, "the same diagnostics as mj check");
    // The did-you-mean fix for `cout`.
    let d = diags
        .iter()
        .find(|d| d["message"].as_str().unwrap().contains("cout"))
        .unwrap()
        .clone();
    let r = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": u}, "range": d["range"], "context": {"diagnostics": [d]}}),
    );
    let fix = &r["result"][0];
    assert_eq!(fix["edit"]["changes"][&u][0]["newText"], "count", "{r}");
    // A request sent in the middle of edits is answered (its result, or ContentModified).
    for v in 8..14 {
        let t = format!("{text}# edit {v}\n");
        c.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": u, "version": v}, "contentChanges": [{"text": t}]}),
        );
        let id = c.send_request(
            "textDocument/hover",
            json!({"textDocument": {"uri": u}, "position": {"line": 1, "character": 9}}),
        );
        let r = c.response(id);
        assert!(
            r.get("result").is_some() || r["error"]["code"] == json!(-32801),
            "{r}"
        );
    }
    // An incremental edit that fixes both errors.
    c.notify("textDocument/didChange", json!({"textDocument": {"uri": u, "version": 20}, "contentChanges": [
        {"range": {"start": {"line": 2, "character": 10}, "end": {"line": 2, "character": 14}}, "text": "count"},
        {"range": {"start": {"line": 3, "character": 17}, "end": {"line": 3, "character": 20}}, "text": "2"},
    ]}));
    assert_eq!(c.diagnostics(&u, 20), Vec::<Value>::new());
    c.stop();
}

#[test]
fn bad_requests_do_not_stop_the_server() {
    let dir = temp_dir("bad");
    let main = dir.join("m.mj");
    std::fs::write(&main, "def main():\n    pass\n").unwrap();
    let u = uri(&main);
    let mut c = Client::start(&dir);
    // Unknown method, a document that does not exist, a position past the end.
    let r = c.request(
        "textDocument/unknownThing",
        json!({"textDocument": {"uri": u}}),
    );
    assert!(r.get("error").is_some(), "{r}");
    let r = c.request("textDocument/hover", json!({"textDocument": {"uri": "file:///no/such/file.mj"}, "position": {"line": 0, "character": 0}}));
    assert!(r.get("error").is_some(), "{r}");
    c.open(&u, 1, "def main():\n    pass\n");
    let _ = c.diagnostics(&u, 1);
    let r = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": u}, "position": {"line": 99, "character": 99}}),
    );
    assert!(r.get("error").is_none(), "{r}");
    let r = c.request(
        "textDocument/definition",
        json!({"textDocument": {"uri": u}}),
    );
    assert!(
        r.get("error").is_some(),
        "a request without a position is an error: {r}"
    );
    // Still serving.
    let r = c.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": u}}),
    );
    assert_eq!(r["result"][0]["name"], "main");
    // Formatting: `mj fmt`'s text as one edit.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": u, "version": 2},
            "contentChanges": [{"text": "def main():\n  var x=1\n  print(x)  # hi\n"}]}),
    );
    let r = c.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": u}, "options": {"tabSize": 4, "insertSpaces": true}}),
    );
    assert_eq!(
        r["result"][0]["newText"], "def main():\n    var x = 1\n    print(x)  # hi\n",
        "{r}"
    );
    c.stop();
}

/// Import lines complete module names (the document's neighbours and the library's) and
/// a module's names; an undefined name gets a quick fix that imports it, from the library
/// or from a module beside the document.
#[test]
fn imports_complete_and_missing_ones_are_added() {
    let dir = temp_dir("imports");
    std::fs::write(dir.join("helper.mj"), HELPER).unwrap();
    let (text, marks) = fixture(
        "from std.collections import $0\nimport std.$0\nfrom math import sq$0\nfrom hel$0\n",
    );
    let lines = dir.join("lines.mj");
    std::fs::write(&lines, &text).unwrap();
    let u = uri(&lines);
    let mut c = Client::start(&dir);
    c.open(&u, 1, &text);
    let labels = |c: &mut Client, at: &Value| -> Vec<String> {
        let r = c.request(
            "textDocument/completion",
            json!({"textDocument": {"uri": u}, "position": at}),
        );
        r["result"]["items"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|i| i["label"].as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    let has = |l: &[String], w: &str| l.iter().any(|x| x == w);
    let l = labels(&mut c, &marks[0]);
    assert!(
        has(&l, "Dict") && has(&l, "List") && has(&l, "deque"),
        "{l:?}"
    );
    assert!(!has(&l, "while"), "no keywords in an import: {l:?}");
    let l = labels(&mut c, &marks[1]);
    assert!(has(&l, "collections") && has(&l, "math"), "{l:?}");
    let l = labels(&mut c, &marks[2]);
    assert!(has(&l, "sqrt"), "{l:?}");
    let l = labels(&mut c, &marks[3]);
    assert!(has(&l, "helper") && has(&l, "math"), "{l:?}");

    // Two undefined names: one from the library, one from the module beside.
    let text = "\"\"\"Doc.\"\"\"\n\ndef main():\n    print(sqrt(4.0))\n    print(scale(3))\n";
    let main = dir.join("main.mj");
    std::fs::write(&main, text).unwrap();
    let u = uri(&main);
    c.open(&u, 1, text);
    let diags = c.diagnostics(&u, 1);
    assert_eq!(diags.len(), 2, "{diags:?}");
    let mut edits = Vec::new();
    for (name, want) in [
        ("sqrt", "from math import sqrt\n"),
        ("scale", "from helper import scale\n"),
    ] {
        let d = diags
            .iter()
            .find(|d| {
                d["message"]
                    .as_str()
                    .unwrap()
                    .contains(&format!("`{name}`"))
            })
            .unwrap();
        let r = c.request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": u}, "range": d["range"], "context": {"diagnostics": [d]}}),
        );
        let fix = r["result"]
            .as_array()
            .and_then(|a| {
                a.iter()
                    .find(|f| f["title"].as_str().unwrap().contains("import"))
            })
            .unwrap_or_else(|| panic!("an import fix for {name}: {r}"))
            .clone();
        let edit = fix["edit"]["changes"][&u][0].clone();
        assert_eq!(edit["newText"], want, "{fix}");
        // After the module's docstring, before its first statement.
        assert_eq!(
            edit["range"]["start"],
            json!({"line": 2, "character": 0}),
            "{fix}"
        );
        // (A text edit's `newText` is a content change's `text`.)
        edits.push(json!({"range": edit["range"], "text": edit["newText"]}));
    }
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": u, "version": 2}, "contentChanges": edits}),
    );
    assert_eq!(c.diagnostics(&u, 2), Vec::<Value>::new());
    c.stop();
}

/// Types the checker found, in the editor: hover on any expression, inlay hints for
/// locals in nested blocks and `for` targets; after typing in an earlier function (an
/// edit that moves this one), hover and diagnostics still point at the right text.
#[test]
fn expression_types_and_hints_follow_edits() {
    let src = "def first() -> Int:\n    return 1\n\n\ndef main():\n    var words = List[String]()\n    for w in words:\n        if len(w) > 2:\n            var n = len(w) $0* 2\n            print(n)\n    print(bad)\n";
    let (mut c, u, marks) = open_fixture("types", "main.mj", src);
    let undefined_at = |diags: &[Value]| -> Value {
        assert_eq!(diags.len(), 1, "{diags:?}");
        diags[0]["range"].clone()
    };
    let before = undefined_at(&c.diagnostics(&u, 1));
    assert_eq!(
        before,
        json!({"start": {"line": 10, "character": 10}, "end": {"line": 10, "character": 13}})
    );
    let hover_range = |c: &mut Client, at: &Value| -> (String, Value) {
        let h = c.request(
            "textDocument/hover",
            json!({"textDocument": {"uri": u}, "position": at}),
        );
        (hover_text(&h), h["result"]["range"].clone())
    };
    let (v, r) = hover_range(&mut c, &marks[0]);
    assert!(v.contains("Int"), "{v}");
    assert_eq!(
        r,
        json!({"start": {"line": 8, "character": 20}, "end": {"line": 8, "character": 30}})
    );
    let hints = inlay_hints(&mut c, &u);
    for want in [(5, ": List[String]"), (6, ": String"), (8, ": Int")] {
        assert!(
            hints.iter().any(|(l, t)| *l == want.0 && t == want.1),
            "{want:?} in {hints:?}"
        );
    }
    // Typing in `first` (the text grows by 4 bytes, no line is added): the diagnostic
    // and the hover of `main` move with the text.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": u, "version": 2}, "contentChanges": [
            {"range": {"start": {"line": 1, "character": 12}, "end": {"line": 1, "character": 12}}, "text": " + 1"}]}),
    );
    assert_eq!(undefined_at(&c.diagnostics(&u, 2)), before);
    let (v, r) = hover_range(&mut c, &marks[0]);
    assert!(v.contains("Int"), "{v}");
    assert_eq!(r["start"]["line"], 8, "{r}");
    c.stop();
}

/// Inside a generic function (checked per instance), hover shows the types of the
/// instances the program uses: one type where they agree, else each with its instance;
/// a parameter keeps its declared type. A single instance is named (its types need not
/// be the template's), and inlay hints only show types every instance agrees on.
#[test]
fn generic_bodies_show_their_instances_types() {
    let src = "def pick[T: Copyable & Movable]($0a: T, b: T, first: Bool) -> T:\n    var chosen = a.copy()\n    if not first:\n        chosen = b.copy()\n    var n = 0\n    print(n $0* 2)\n    return $0chosen^\n\n\ndef twice[T: Copyable & Movable](x: T) -> T:\n    var y = x.copy()\n    return $0y^\n\n\ndef main():\n    print(pick(1, 2, True))\n    print(pick(String(\"x\"), String(\"y\"), False))\n    print(twice(3))\n";
    let (mut c, u, marks) = open_fixture("generic", "generic.mj", src);
    assert_eq!(c.diagnostics(&u, 1), Vec::<Value>::new());
    let hover = |c: &mut Client, i: usize| -> String {
        let h = c.request(
            "textDocument/hover",
            json!({"textDocument": {"uri": u}, "position": marks[i]}),
        );
        hover_text(&h)
    };
    // (Marks: `a`, `*`, `chosen`, `y`.)
    assert!(hover(&mut c, 0).contains("a: T"));
    assert_eq!(hover(&mut c, 1), "```mojo\nInt\n```");
    let v = hover(&mut c, 2);
    assert!(v.contains("var chosen: Int  # in pick[T=Int]"), "{v}");
    assert!(v.contains("var chosen: String  # in pick[T=String]"), "{v}");
    assert_eq!(
        hover(&mut c, 3),
        "```mojo\nvar y: Int  # in twice[T=Int]\n```"
    );
    let hints = inlay_hints(&mut c, &u);
    assert_eq!(hints, [(4, ": Int".to_string())], "{hints:?}");
    c.stop();
}
