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
                // Not a name: the type of the expression under the cursor.
                _ => match ide::expr_type(&s.db, s.program, 0, off) {
                    Some((span, ty)) => json!({
                        "contents": {"kind": "markdown", "value": format!("```mojo\n{ty}\n```")},
                        "range": idx.range(span),
                    }),
                    None => Value::Null,
                },
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
            let line = &before[before.rfind('\n').map_or(0, |i| i + 1)..];
            let root = s.path.parent().unwrap_or(std::path::Path::new("."));
            if let Some(items) = crate::modules::import_completions(line, root, &s.stdlib) {
                return Ok(
                    json!({"isIncomplete": false, "items": items.iter().map(|c| json!({
                    "label": c.label, "kind": completion_kind(c.kind), "detail": c.detail,
                })).collect::<Vec<_>>()}),
                );
            }
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
        "textDocument/signatureHelp" => signature_help(s, offset()? as usize),
        "textDocument/semanticTokens/full" => semantic_tokens(s, None),
        "textDocument/semanticTokens/range" => {
            let range: lsp_types::Range = serde_json::from_value(params["range"].clone())
                .map_err(|e| format!("no range: {e}"))?;
            semantic_tokens(s, Some((idx.offset(range.start), idx.offset(range.end))))
        }
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
        if let Some(name) = undefined_name(msg) {
            let root = s.path.parent().unwrap_or(std::path::Path::new("."));
            for m in crate::modules::modules_defining(name, root, &s.stdlib, &s.path) {
                out.push(json!({
                    "title": format!("Add `from {m} import {name}`"),
                    "kind": "quickfix",
                    "diagnostics": [d],
                    "edit": {"changes": {uri.as_str().unwrap_or(""): [import_edit(s, &format!("from {m} import {name}\n"))]}},
                }));
            }
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

/// The name in "use of undefined name `name`".
fn undefined_name(msg: &str) -> Option<&str> {
    quoted_after(msg, "undefined name `")
}

/// The non-empty text between `prefix` (ending in a backtick) and the next backtick.
fn quoted_after<'m>(msg: &'m str, prefix: &str) -> Option<&'m str> {
    let rest = &msg[msg.find(prefix)? + prefix.len()..];
    let name = &rest[..rest.find('`')?];
    (!name.is_empty()).then_some(name)
}

/// An edit inserting an import line: after the file's last top-level import, else before
/// its first statement (after the docstring).
fn import_edit(s: &Snapshot, line: &str) -> Value {
    let module = &db::parse(&s.db, s.program.files(&s.db)[0]).module;
    let is_import = |k: &mj_syntax::ast::StmtKind| {
        matches!(
            k,
            mj_syntax::ast::StmtKind::Import { .. } | mj_syntax::ast::StmtKind::FromImport { .. }
        )
    };
    let at = match module.body.iter().rev().find(|st| is_import(&st.kind)) {
        Some(last) => s.text[last.span.end as usize..]
            .find('\n')
            .map_or(s.text.len(), |i| last.span.end as usize + i + 1),
        None => module.body.first().map_or(0, |first| {
            s.text[..first.span.start as usize]
                .rfind('\n')
                .map_or(0, |i| i + 1)
        }),
    };
    let idx = LineIndex::new(&s.text);
    let pos = idx.position(at.min(s.text.len()));
    let text = if at >= s.text.len() && !s.text.ends_with('\n') && !s.text.is_empty() {
        format!("\n{line}")
    } else {
        line.to_string()
    };
    json!({"range": {"start": pos, "end": pos}, "newText": text})
}

/// The name in "did you mean `name`?".
fn suggested_name(msg: &str) -> Option<&str> {
    quoted_after(msg, "did you mean `")
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

/// The signature of the call around `off`: the callee is the name before the innermost
/// open `(` (found in the text, which may not parse yet), resolved as hover resolves it;
/// the active parameter is the number of top-level commas before the place.
fn signature_help(s: &Snapshot, off: usize) -> Value {
    let text = &s.text[..off.min(s.text.len())];
    let mut depth = 0i32;
    let mut commas = 0u32;
    let mut open = None;
    for (i, c) in text.char_indices().rev() {
        match c {
            ')' | ']' | '}' => depth += 1,
            '(' | '[' | '{' if depth > 0 => depth -= 1,
            '(' => {
                open = Some(i);
                break;
            }
            '[' | '{' => return Value::Null,
            ',' if depth == 0 => commas += 1,
            '\n' if depth == 0 && text[..i].trim_end().ends_with(':') => return Value::Null,
            _ => {}
        }
    }
    let Some(open) = open else { return Value::Null };
    let name_end = text[..open].trim_end().len();
    if name_end == 0 {
        return Value::Null;
    }
    let Some(def) = ide::definition(&s.db, s.program, 0, (name_end - 1) as u32) else {
        return Value::Null;
    };
    if !matches!(
        def.kind,
        DefKind::Function | DefKind::Method | DefKind::Struct
    ) {
        return Value::Null;
    }
    // The declaration's first line of the hover text is its header.
    let header = def.doc.lines().nth(1).unwrap_or("").to_string();
    let params: Vec<Value> = header
        .find('(')
        .and_then(|a| header.rfind(')').map(|b| &header[a + 1..b]))
        .map(split_params)
        .unwrap_or_default()
        .into_iter()
        .filter(|p| p != "self" && !p.starts_with("mut self") && !p.starts_with("out self"))
        .map(|p| json!({"label": p}))
        .collect();
    let doc = def.doc.split("```").nth(2).map(str::trim).unwrap_or("");
    json!({
        "signatures": [{"label": header, "documentation": {"kind": "markdown", "value": doc}, "parameters": params}],
        "activeSignature": 0,
        "activeParameter": commas,
    })
}

/// The parameters of a parameter list's text, split at top-level commas.
fn split_params(list: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut cur = String::new();
    for c in list.chars() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            ',' if depth == 0 => {
                out.push(cur.trim().to_string());
                cur.clear();
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim().to_string());
    }
    out
}

/// Semantic tokens (the legend is in the capabilities): keywords, strings, numbers,
/// comments from the text; every name whose meaning is known (declarations and uses of
/// functions, methods, types, fields, parameters, variables, constants and modules) from
/// what `ide::classify` resolves it to. With `range` (byte offsets), the tokens that start
/// inside it, from the items that overlap it only.
fn semantic_tokens(s: &Snapshot, range: Option<(usize, usize)>) -> Value {
    let span = range.map(|(a, b)| Span::new(a, b));
    let kinds: std::collections::HashMap<u32, DefKind> =
        ide::classify_range(&s.db, s.program, 0, span)
            .into_iter()
            .map(|(sp, k)| (sp.start, k))
            .collect();
    let idx = LineIndex::new(&s.text);
    let mut position = idx.positions();
    let mut data = Vec::new();
    let (mut last_line, mut last_col) = (0u32, 0u32);
    let inside = |at: usize| range.is_none_or(|(a, b)| (a..b).contains(&at));
    // (A range is lexed from the start of the item it begins in: items start outside
    // strings, so the tokens are the whole text's.)
    let from = range.map_or(0, |(a, _)| {
        mj_syntax::item_ranges(&s.text)
            .iter()
            .rev()
            .find(|(start, _)| *start <= a)
            .map_or(0, |(start, _)| *start)
    });
    let upto = range.map_or(s.text.len(), |(_, b)| {
        s.text[b.min(s.text.len())..]
            .find('\n')
            .map_or(s.text.len(), |i| b + i)
    });
    let lexed = crate::lexical_tokens(&s.text[from..upto]);
    for (start, end, kind) in lexed
        .into_iter()
        .map(|(a, b, k)| (a + from, b + from, k))
        .filter(|(start, _, _)| inside(*start))
    {
        let k = match kind {
            crate::Lexical::Keyword => (0, 0),
            crate::Lexical::String => (4, 0),
            crate::Lexical::Number => (5, 0),
            crate::Lexical::Comment => (6, 0),
            crate::Lexical::Name => match kinds.get(&(start as u32)) {
                Some(k) => token_type(*k),
                None => continue,
            },
        };
        let (k, modifiers) = k;
        // One line at a time (multi-line strings: their first line).
        let p = position(start);
        let line_end = s.text[start..end].find('\n').map_or(end, |i| start + i);
        let len = position(line_end).character - p.character;
        let dl = p.line - last_line;
        let dc = if dl == 0 {
            p.character - last_col
        } else {
            p.character
        };
        data.extend([dl, dc, len, k, modifiers]);
        (last_line, last_col) = (p.line, p.character);
    }
    json!({"data": data})
}

/// A name's token type and modifiers, as indexes into the legend of the capabilities.
fn token_type(k: DefKind) -> (u32, u32) {
    match k {
        DefKind::Struct | DefKind::Trait => (1, 0),
        DefKind::Function => (2, 0),
        DefKind::Parameter => (3, 0),
        DefKind::Variable => (7, 0),
        // `comptime` names: variables that are `readonly` (bit 0 of the modifiers).
        DefKind::Constant => (7, 1),
        DefKind::Field => (8, 0),
        DefKind::Method => (9, 0),
        DefKind::Module => (10, 0),
    }
}
