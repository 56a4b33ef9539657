//! `mj lsp`: the language server, over stdio, on the same salsa database as `mj check`.
//! The only crate that knows the protocol.
//!
//! One owner, the main loop, holds the mutable `Workspace`: it applies the editor's
//! edits to the open documents and sets the database's inputs. Every request and every
//! diagnostics run works on a snapshot (a clone of the database) in a thread of its own.
//! An edit that arrives while a snapshot computes cancels it (salsa unwinds its queries
//! with `Cancelled`): a request then answers `ContentModified`, a diagnostics run is
//! dropped (the edit's own run follows). A panic inside a request is caught and answered
//! as an internal error; the server keeps serving. A pull of a document's diagnostics
//! while the push for its version is computing waits for that run's answer instead of
//! computing the same one beside it (`Pushed`).

mod convert;
mod handlers;
mod modules;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crossbeam_channel::Sender;
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use mj_sema::db::{Database, Program};
use mj_sema::workspace::{Files, Workspace};
use serde_json::{Value, json};

pub use convert::LineIndex;

/// An open document.
struct Doc {
    text: String,
    version: i32,
}

/// The open documents over the disk.
struct Overlay<'a> {
    docs: &'a HashMap<PathBuf, Doc>,
}

impl Files for Overlay<'_> {
    fn read(&self, path: &Path) -> Result<String, String> {
        if let Some(d) = self.docs.get(path) {
            return Ok(d.text.clone());
        }
        let mut t = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
        if t.starts_with('\u{feff}') {
            t.drain(..3);
        }
        Ok(t)
    }

    fn exists(&self, path: &Path) -> bool {
        self.docs.contains_key(path) || path.is_file()
    }
}

/// What a request's thread gets: a snapshot of the database and the program of the
/// document asked about (its file 0), with the document's text.
pub struct Snapshot {
    pub db: Database,
    pub program: Program,
    pub path: PathBuf,
    pub text: String,
    /// The paths of the program's files, by index.
    pub paths: Vec<PathBuf>,
    /// Which of them are not the library's (references and renames stay in these).
    pub user_files: Vec<usize>,
    /// The library's root.
    pub stdlib: PathBuf,
}

struct Server {
    ws: Workspace,
    docs: HashMap<PathBuf, Doc>,
    sender: Sender<Message>,
    pushed: Arc<Mutex<HashMap<PathBuf, Pushed>>>,
}

/// The latest diagnostics run of a document: its version, its answer once done, and the
/// pull requests waiting for it.
struct Pushed {
    version: Option<i32>,
    items: Option<Vec<Value>>,
    waiting: Vec<RequestId>,
}

fn pull_answer(id: RequestId, items: Vec<Value>) -> Message {
    Response::new_ok(id, json!({"kind": "full", "items": items})).into()
}

/// The server's capabilities.
fn capabilities() -> Value {
    json!({
        "positionEncoding": "utf-16",
        "textDocumentSync": {"openClose": true, "change": 2, "save": {"includeText": false}},
        "hoverProvider": true,
        "definitionProvider": true,
        "referencesProvider": true,
        "renameProvider": {"prepareProvider": true},
        "completionProvider": {"triggerCharacters": ["."]},
        "documentSymbolProvider": true,
        "workspaceSymbolProvider": true,
        "documentFormattingProvider": true,
        "inlayHintProvider": true,
        "codeActionProvider": {"codeActionKinds": ["quickfix"]},
        "signatureHelpProvider": {"triggerCharacters": ["(", ","]},
        "semanticTokensProvider": {
            "legend": {"tokenTypes": ["keyword", "type", "function", "parameter", "string", "number",
                                      "comment", "variable", "property", "method", "namespace"],
                       "tokenModifiers": ["readonly"]},
            "full": true,
            "range": true,
        },
        "diagnosticProvider": {"interFileDependencies": true, "workspaceDiagnostics": false},
    })
}

/// Serves the protocol over stdin/stdout until the client says `exit`. `stdlib` is the
/// library's root; `target` what programs are checked for (the host).
pub fn run(stdlib: PathBuf, target: mj_target::Target) -> Result<(), String> {
    let (conn, io) = Connection::stdio();
    conn.initialize(capabilities())
        .map_err(|e| format!("the client did not initialize: {e}"))?;
    let mut s = Server {
        ws: Workspace::for_editor(stdlib, target),
        docs: HashMap::new(),
        sender: conn.sender.clone(),
        pushed: Arc::default(),
    };
    for msg in &conn.receiver {
        match msg {
            Message::Request(req) => {
                if conn.handle_shutdown(&req).unwrap_or(true) {
                    break;
                }
                s.request(req);
            }
            Message::Notification(n) => s.notify(n),
            Message::Response(_) => {}
        }
    }
    drop(s);
    drop(conn);
    io.join().map_err(|e| format!("the connection failed: {e}"))
}

fn text_document_path(params: &Value) -> Option<PathBuf> {
    let uri: lsp_types::Uri = params["textDocument"]["uri"].as_str()?.parse().ok()?;
    convert::path_of(&uri)
}

impl Server {
    fn notify(&mut self, n: Notification) {
        let p = &n.params;
        match n.method.as_str() {
            "textDocument/didOpen" => {
                let Some(path) = text_document_path(p) else {
                    return;
                };
                let doc = Doc {
                    text: p["textDocument"]["text"].as_str().unwrap_or("").to_string(),
                    version: p["textDocument"]["version"].as_i64().unwrap_or(0) as i32,
                };
                self.docs.insert(path.clone(), doc);
                self.publish(&path);
            }
            "textDocument/didChange" => {
                let Some(path) = text_document_path(p) else {
                    return;
                };
                let Some(doc) = self.docs.get_mut(&path) else {
                    return;
                };
                for c in p["contentChanges"].as_array().into_iter().flatten() {
                    let range = serde_json::from_value(c["range"].clone()).ok();
                    convert::apply_change(&mut doc.text, range, c["text"].as_str().unwrap_or(""));
                }
                doc.version = p["textDocument"]["version"].as_i64().unwrap_or(0) as i32;
                self.publish(&path);
            }
            "textDocument/didClose" => {
                let Some(path) = text_document_path(p) else {
                    return;
                };
                self.docs.remove(&path);
                if let Some(p) = lock(&self.pushed).remove(&path) {
                    for id in p.waiting {
                        let _ = self.sender.send(pull_answer(id, Vec::new()));
                    }
                }
                self.send_diagnostics(&path, None, Vec::new());
            }
            "textDocument/didSave" => {
                if let Some(path) = text_document_path(p) {
                    self.publish(&path);
                }
            }
            _ => {}
        }
    }

    /// A snapshot for a request about the document at `path` (opened, or on disk).
    fn snapshot(&mut self, path: &Path) -> Result<Snapshot, String> {
        let overlay = Overlay { docs: &self.docs };
        let program = self.ws.program(path, &overlay)?;
        let db = self.ws.db.clone();
        let files = program.files(&db);
        let paths: Vec<PathBuf> = files.iter().map(|f| PathBuf::from(f.path(&db))).collect();
        let stdlib = self.ws.stdlib().to_path_buf();
        let user_files = (0..paths.len())
            .filter(|&i| !paths[i].starts_with(&stdlib))
            .collect();
        let text = files[0].text(&db).clone();
        Ok(Snapshot {
            db,
            program,
            path: path.to_path_buf(),
            text,
            paths,
            user_files,
            stdlib,
        })
    }

    /// Computes and sends the diagnostics of an open document, in a thread of its own.
    fn publish(&mut self, path: &Path) {
        let version = self.docs.get(path).map(|d| d.version);
        let snap = match self.snapshot(path) {
            Ok(s) => s,
            Err(e) => {
                let d = json!({"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
                    "severity": 1, "source": "mj", "message": e});
                self.send_diagnostics(path, version, vec![d]);
                return;
            }
        };
        // Pulls still waiting for an earlier version's run get this one's answer.
        let waiting = lock(&self.pushed)
            .remove(path)
            .map(|p| p.waiting)
            .unwrap_or_default();
        lock(&self.pushed).insert(
            path.to_path_buf(),
            Pushed {
                version,
                items: None,
                waiting,
            },
        );
        let sender = self.sender.clone();
        let pushed = self.pushed.clone();
        let path = path.to_path_buf();
        spawn(move || {
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                handlers::diagnostics(&snap)
            }));
            // (A cancelled run leaves its waiters to the edit's own run.)
            let cancelled = matches!(&r, Err(p) if p.is::<salsa::Cancelled>());
            let items = match r {
                Ok(items) => items,
                Err(_) if cancelled => return,
                Err(_) => Vec::new(),
            };
            let mut all = lock(&pushed);
            if let Some(p) = all.get_mut(&path)
                && p.version == version
            {
                for id in p.waiting.drain(..) {
                    let _ = sender.send(pull_answer(id, items.clone()));
                }
                p.items = Some(items.clone());
            }
            drop(all);
            send_diagnostics(&sender, &path, version, items);
        });
    }

    fn send_diagnostics(&self, path: &Path, version: Option<i32>, diags: Vec<Value>) {
        send_diagnostics(&self.sender, path, version, diags);
    }

    fn request(&mut self, req: Request) {
        let Request { id, method, params } = req;
        let Some(path) = text_document_path(&params).or_else(|| {
            // (`workspace/symbol` has no document: the open ones are searched.)
            self.docs.keys().next().cloned()
        }) else {
            let r = Response::new_ok(id, Value::Null);
            let _ = self.sender.send(r.into());
            return;
        };
        if method == "textDocument/diagnostic"
            && let Some(p) = lock(&self.pushed).get_mut(&path)
            && p.version == self.docs.get(&path).map(|d| d.version)
        {
            match &p.items {
                Some(items) => {
                    let _ = self.sender.send(pull_answer(id, items.clone()));
                }
                None => p.waiting.push(id),
            }
            return;
        }
        let snap = match self.snapshot(&path) {
            Ok(s) => s,
            Err(e) => {
                let r = Response::new_err(id, ErrorCode::InvalidParams as i32, e);
                let _ = self.sender.send(r.into());
                return;
            }
        };
        let sender = self.sender.clone();
        spawn(move || answer(&sender, id, &method, &params, &snap));
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A thread with the compiler's stack (checking recurses deeply on nested code).
fn spawn(f: impl FnOnce() + Send + 'static) {
    let _ = std::thread::Builder::new()
        .name("mj-lsp-request".into())
        .stack_size(256 << 20)
        .spawn(f);
}

/// Runs one request's handler, turning a cancellation into `ContentModified` and a panic
/// into an internal error.
fn answer(sender: &Sender<Message>, id: RequestId, method: &str, params: &Value, snap: &Snapshot) {
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        handlers::handle(method, params, snap)
    }));
    let resp = match r {
        Ok(Ok(v)) => Response::new_ok(id, v),
        Ok(Err(e)) => Response::new_err(id, ErrorCode::MethodNotFound as i32, e),
        Err(p) if p.is::<salsa::Cancelled>() => Response::new_err(
            id,
            ErrorCode::ContentModified as i32,
            "the document changed".into(),
        ),
        Err(p) => {
            let what = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            Response::new_err(
                id,
                ErrorCode::InternalError as i32,
                format!("mj lsp: internal error in {method}: {what}"),
            )
        }
    };
    let _ = sender.send(resp.into());
}

fn send_diagnostics(
    sender: &Sender<Message>,
    path: &Path,
    version: Option<i32>,
    diags: Vec<Value>,
) {
    let mut p = json!({"uri": convert::uri_of(path).as_str(), "diagnostics": diags});
    if let Some(v) = version {
        p["version"] = json!(v);
    }
    let n = Notification::new("textDocument/publishDiagnostics".into(), p);
    let _ = sender.send(n.into());
}

/// The formatted text of a document (`mj fmt`'s formatter); an error for a text with
/// syntax errors.
fn format_text(text: &str) -> Result<String, ()> {
    mj_syntax::format(text).map_err(|_| ())
}

/// What the lexer says a stretch of text is (for semantic tokens).
pub(crate) enum Lexical {
    Keyword,
    String,
    Number,
    Comment,
    Name,
}

/// The file's tokens worth colouring, with comments, in order.
pub(crate) fn lexical_tokens(text: &str) -> Vec<(usize, usize, Lexical)> {
    let mut out: Vec<(usize, usize, Lexical)> = mj_syntax::classify_tokens(text)
        .into_iter()
        .filter_map(|(s, e, k)| {
            let k = match k {
                mj_syntax::TokenClass::Keyword => Lexical::Keyword,
                mj_syntax::TokenClass::String => Lexical::String,
                mj_syntax::TokenClass::Number => Lexical::Number,
                mj_syntax::TokenClass::Name => Lexical::Name,
                mj_syntax::TokenClass::Other => return None,
            };
            Some((s, e, k))
        })
        .collect();
    for c in mj_syntax::comments(text) {
        let start = c.as_ptr() as usize - text.as_ptr() as usize;
        out.push((start, start + c.len(), Lexical::Comment));
    }
    out.sort_by_key(|t| t.0);
    out
}
