//! The requests, each on a snapshot: protocol in, `mj_sema::ide` queries, protocol out.

use lsp_types::Position;
use mj_sema::db;
use mj_sema::ide::{self, DefKind};
use mj_syntax::{Diag, Severity, Span};
use serde_json::{Value, json};

use crate::Snapshot;
use crate::convert::{LineIndex, uri_of};

/// The diagnostics of the snapshot's document, as `mj check` reports them for its file.
pub fn diagnostics(s: &Snapshot) -> Vec<Value> {
    let idx = LineIndex::new(&s.text);
    let file = s.program.files(&s.db)[0];
    db::diagnostics(&s.db, s.program)
        .into_iter()
        .filter(|(f, _)| *f == file)
        .map(|(_, d)| diagnostic(&idx, &d))
        .collect()
}

fn diagnostic(idx: &LineIndex<'_>, d: &Diag) -> Value {
    let mut message = d.message.clone();
    if let Some(h) = &d.hint {
        message.push_str("\nhint: ");
        message.push_str(h);
    }
    json!({
        "range": idx.range(d.span),
        "severity": if d.severity == Severity::Error { 1 } else { 2 },
        "code": d.code,
        "source": "mj",
        "message": message,
    })
}

fn position(params: &Value) -> Result<Position, String> {
    serde_json::from_value(params["position"].clone()).map_err(|e| format!("no position: {e}"))
}

/// The text of file `i` of the snapshot's program.
fn text_of(s: &Snapshot, i: usize) -> &str {
    s.program.files(&s.db)[i].text(&s.db)
}

fn location(s: &Snapshot, file: usize, span: Span) -> Value {
    let idx = LineIndex::new(text_of(s, file));
    json!({"uri": uri_of(&s.paths[file]).as_str(), "range": idx.range(span)})
}

fn symbol_kind(k: DefKind) -> u32 {
    match k {
        DefKind::Function => 12,
        DefKind::Method => 6,
        DefKind::Struct => 23,
        DefKind::Trait => 11,
        DefKind::Field => 8,
        DefKind::Variable | DefKind::Parameter => 13,
        DefKind::Constant => 14,
        DefKind::Module => 2,
    }
}

fn completion_kind(k: DefKind) -> u32 {
    match k {
        DefKind::Function => 3,
        DefKind::Method => 2,
        DefKind::Struct => 22,
        DefKind::Trait => 8,
        DefKind::Field => 5,
        DefKind::Variable | DefKind::Parameter => 6,
        DefKind::Constant => 21,
        DefKind::Module => 9,
    }
}

pub fn handle(method: &str, params: &Value, s: &Snapshot) -> Result<Value, String> {
    let idx = LineIndex::new(&s.text);
    let offset = || position(params).map(|p| idx.offset(p) as u32);
    Ok(match method {
        "textDocument/diagnostic" => json!({"kind": "full", "items": diagnostics(s)}),
        "textDocument/hover" => {
            let off = offset()?;
            let module = db::parse(&s.db, s.program.files(&s.db)[0]).module.clone();
            match (
                ide::definition(&s.db, s.program, 0, off),
                ide::name_span(&module, off),
            ) {
                (Some(d), Some(span)) => json!({
                    "contents": {"kind": "markdown", "value": d.doc},
                    "range": idx.range(span),
                }),
                _ => Value::Null,
            }
        }
        "textDocument/definition" => match ide::definition(&s.db, s.program, 0, offset()?) {
            Some(d) => location(s, d.file, d.span),
            None => Value::Null,
        },
        "textDocument/references" => {
            let refs = ide::references(&s.db, s.program, 0, offset()?, &s.user_files);
            Value::Array(refs.into_iter().map(|(f, sp)| location(s, f, sp)).collect())
        }
        "textDocument/prepareRename" => {
            let off = offset()?;
            let module = db::parse(&s.db, s.program.files(&s.db)[0]).module.clone();
            match (
                ide::definition(&s.db, s.program, 0, off),
                ide::name_span(&module, off),
            ) {
                (Some(d), Some(span))
                    if s.user_files.contains(&d.file) && d.kind != DefKind::Module =>
                {
                    json!({"range": idx.range(span), "placeholder": d.name})
                }
                _ => return Err("only a name defined in this project can be renamed".into()),
            }
        }
        "textDocument/rename" => {
            let new = params["newName"].as_str().unwrap_or("");
            let ok = new
                .chars()
                .next()
                .is_some_and(|c| c.is_alphabetic() || c == '_')
                && new.chars().all(|c| c.is_alphanumeric() || c == '_');
            if !ok || ide::KEYWORDS.contains(&new) {
                return Err(format!("`{new}` is not a name"));
            }
            let refs = ide::references(&s.db, s.program, 0, offset()?, &s.user_files);
            let mut changes = serde_json::Map::new();
            for (f, sp) in refs {
                let l = location(s, f, sp);
                let uri = l["uri"].as_str().unwrap_or("").to_string();
                let edits = changes.entry(uri).or_insert_with(|| json!([]));
                if let Some(a) = edits.as_array_mut() {
                    a.push(json!({"range": l["range"], "newText": new}));
                }
            }
            json!({"changes": changes})
        }
        "textDocument/completion" => {
            let off = offset()? as usize;
            let before = &s.text[..off.min(s.text.len())];
            let word_start = before
                .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
                .map_or(0, |i| i + 1);
            let receiver = before[..word_start].strip_suffix('.').map(|b| {
                let start = b
                    .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .map_or(0, |i| i + 1);
                &b[start..]
            });
            let items = ide::completions(
                &s.db,
                s.program,
                0,
                off as u32,
                receiver.filter(|r| !r.is_empty()),
            );
            json!({"isIncomplete": false, "items": items.iter().map(|c| json!({
                "label": c.label, "kind": completion_kind(c.kind), "detail": c.detail,
            })).collect::<Vec<_>>()})
        }
        "textDocument/documentSymbol" => {
            let module = db::parse(&s.db, s.program.files(&s.db)[0]).module.clone();
            Value::Array(
                ide::symbols(&module)
                    .iter()
                    .map(|x| doc_symbol(&idx, x))
                    .collect(),
            )
        }
        "workspace/symbol" => {
            let q = params["query"].as_str().unwrap_or("").to_lowercase();
            let mut out = Vec::new();
            for &f in &s.user_files {
                let module = db::parse(&s.db, s.program.files(&s.db)[f]).module.clone();
                flat_symbols(&ide::symbols(&module), &mut |sym| {
                    if sym.name.to_lowercase().contains(&q) {
                        out.push(json!({"name": sym.name, "kind": symbol_kind(sym.kind),
                            "location": location(s, f, sym.name_span)}));
                    }
                });
            }
            Value::Array(out)
        }
        "textDocument/formatting" => match crate::format_text(&s.text) {
            Ok(t) if t != s.text => {
                json!([{"range": idx.range(Span::new(0, s.text.len())), "newText": t}])
            }
            Ok(_) => json!([]),
            Err(_) => Value::Null,
        },
        "textDocument/inlayHint" => {
            let hints = ide::inlay_types(&s.db, s.program, 0);
            Value::Array(
                hints
                    .into_iter()
                    .map(|(at, label)| {
                        json!({
                            "position": idx.position(at as usize), "label": label, "kind": 1,
                        })
                    })
                    .collect(),
            )
        }
        "textDocument/codeAction" => code_actions(params, s),
        _ => return Err(format!("mj lsp does not answer `{method}`")),
    })
}

fn doc_symbol(idx: &LineIndex<'_>, s: &ide::Symbol) -> Value {
    json!({
        "name": s.name,
        "kind": symbol_kind(s.kind),
        "range": idx.range(s.span),
        "selectionRange": idx.range(s.name_span),
        "children": s.children.iter().map(|c| doc_symbol(idx, c)).collect::<Vec<_>>(),
    })
}

fn flat_symbols<'a>(syms: &'a [ide::Symbol], f: &mut dyn FnMut(&'a ide::Symbol)) {
    for s in syms {
        f(s);
        flat_symbols(&s.children, f);
    }
}

/// Quick fixes from the diagnostics the client sends back: a suggested name
/// (`did you mean `x`?`) replaces the wrong one; a function that raises without saying so
/// gets `raises` before its `:` or `->`.
fn code_actions(params: &Value, s: &Snapshot) -> Value {
    let uri = params["textDocument"]["uri"].clone();
    let mut out = Vec::new();
    for d in params["context"]["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let msg = d["message"].as_str().unwrap_or("");
        if let Some(name) = suggested_name(msg) {
            out.push(json!({
                "title": format!("Change to `{name}`"),
                "kind": "quickfix",
                "diagnostics": [d],
                "edit": {"changes": {uri.as_str().unwrap_or(""): [{"range": d["range"], "newText": name}]}},
            }));
        }
        if (msg.contains("raises") && msg.contains("not declared") || msg.contains("add `raises`"))
            && let Some(edit) = add_raises(s, d)
        {
            {
                out.push(json!({
                    "title": "Add `raises`",
                    "kind": "quickfix",
                    "diagnostics": [d],
                    "edit": {"changes": {uri.as_str().unwrap_or(""): [edit]}},
                }));
            }
        }
    }
    Value::Array(out)
}

/// The name in "did you mean `name`?".
fn suggested_name(msg: &str) -> Option<&str> {
    let rest = &msg[msg.find("did you mean `")? + "did you mean `".len()..];
    let name = &rest[..rest.find('`')?];
    (!name.is_empty()).then_some(name)
}

/// `raises` inserted in the header of the function around a diagnostic.
fn add_raises(s: &Snapshot, d: &Value) -> Option<Value> {
    let p: Position = serde_json::from_value(d["range"]["start"].clone()).ok()?;
    let idx = LineIndex::new(&s.text);
    let off = idx.offset(p);
    // The nearest `def` header above the place.
    let head = s.text[..off].rfind("def ")?;
    let mut depth = 0;
    for (i, c) in s.text[head..].char_indices() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            ':' if depth == 0 => {
                let header = &s.text[head..head + i];
                let at = header.find("->").map_or(head + i, |a| head + a);
                let text = if header[..at - head].ends_with(' ') {
                    "raises "
                } else {
                    " raises"
                };
                let pos = idx.position(at);
                return Some(json!({"range": {"start": pos, "end": pos}, "newText": text}));
            }
            _ => {}
        }
    }
    None
}
