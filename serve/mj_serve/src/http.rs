//! The HTTP side: request parsing and validation, the OpenAI response shapes, SSE
//! streaming, stop strings, auth and OpenAI-style errors.
//!
//! The checks return the error response itself (`Result<_, Response>`), built once for a
//! failed request; its size does not matter there.
#![allow(clippy::result_large_err)]

use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::sse::{Event, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use tokio::sync::{mpsc as tmpsc, oneshot};
use tokio_stream::wrappers::ReceiverStream;

use crate::Options;
use crate::engine::{Command, Out, Params, Shared, TokenLogprobs};
use crate::logprobs;
use crate::metrics::{EngineCounts, Metrics};

static METRICS: Metrics = Metrics::new();

/// Times one request for the metrics: its first token, the gaps between tokens, its end.
struct Timing {
    start: std::time::Instant,
    last: Option<std::time::Instant>,
}

impl Timing {
    fn new(prompt_tokens: usize) -> Timing {
        METRICS
            .prompt_tokens
            .fetch_add(prompt_tokens as u64, Ordering::Relaxed);
        Timing {
            start: std::time::Instant::now(),
            last: None,
        }
    }

    fn token(&mut self) {
        let now = std::time::Instant::now();
        match self.last {
            None => METRICS.ttft.observe((now - self.start).as_secs_f64()),
            Some(t) => METRICS.itl.observe((now - t).as_secs_f64()),
        }
        self.last = Some(now);
        METRICS.generation_tokens.fetch_add(1, Ordering::Relaxed);
    }

    fn end(&self, reason: &str) {
        METRICS.e2e.observe(self.start.elapsed().as_secs_f64());
        let c = match reason {
            "stop" => &METRICS.finished_stop,
            "length" => &METRICS.finished_length,
            _ => &METRICS.finished_abort,
        };
        c.fetch_add(1, Ordering::Relaxed);
    }
}

struct App {
    o: Options,
    tx: Mutex<mpsc::Sender<Command>>,
    shared: Arc<Shared>,
    ids: AtomicU64,
}

type S = State<Arc<App>>;

pub async fn serve(
    o: Options,
    tx: mpsc::Sender<Command>,
    shared: Arc<Shared>,
) -> Result<(), String> {
    let addr = format!("{}:{}", o.host, o.port);
    let (name, key) = (o.model_name.clone(), o.api_key.clone());
    let app = Arc::new(App {
        o,
        tx: Mutex::new(tx),
        shared,
        ids: AtomicU64::new(0),
    });
    let router = Router::new()
        .route("/", get(chat_page))
        .route("/health", get(health))
        .route("/v1/models", get(models))
        .route("/metrics", get(metrics))
        .route("/v1/completions", post(completions))
        .route("/v1/chat/completions", post(chat))
        .route("/tokenize", post(tokenize))
        .route("/detokenize", post(detokenize))
        .fallback(not_found)
        .with_state(app);
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    eprintln!("mj serve: listening on http://{addr}");
    eprintln!("{}", how_to_ask(&addr, &name, key.is_some()));
    axum::serve(listener, router)
        .await
        .map_err(|e| format!("the server stopped: {e}"))
}

/// How to send the server a request, printed when it starts.
fn how_to_ask(addr: &str, model: &str, key: bool) -> String {
    let auth = if key {
        " -H 'Authorization: Bearer $KEY'"
    } else {
        ""
    };
    format!(
        "  chat page: http://{addr}/\n  a request: curl http://{addr}/v1/chat/completions{auth} \\\n      \
         -H 'Content-Type: application/json' \\\n      \
         -d '{{\"model\": \"{model}\", \"messages\": [{{\"role\": \"user\", \"content\": \"Hello!\"}}]}}'\n  \
         or any OpenAI client with base_url http://{addr}/v1"
    )
}

fn error(status: StatusCode, kind: &str, message: &str, param: Option<&str>) -> Response {
    let body = json!({"error": {"message": message, "type": kind, "param": param, "code": null}});
    (status, axum::Json(body)).into_response()
}

fn bad(message: &str, param: Option<&str>) -> Response {
    error(
        StatusCode::BAD_REQUEST,
        "invalid_request_error",
        message,
        param,
    )
}

/// The chat page: one self-contained file, compiled into the binary.
async fn chat_page() -> Response {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        include_str!("chat.html"),
    )
        .into_response()
}

async fn not_found() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "not_found_error",
        "no such endpoint",
        None,
    )
}

fn authorized(app: &App, headers: &HeaderMap) -> Result<(), Response> {
    let Some(key) = &app.o.api_key else {
        return Ok(());
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if given == Some(key.as_str()) {
        Ok(())
    } else {
        Err(error(
            StatusCode::UNAUTHORIZED,
            "authentication_error",
            "a valid API key is required (Authorization: Bearer KEY)",
            None,
        ))
    }
}

async fn health(State(app): S) -> Response {
    if app.shared.ready.load(Ordering::Acquire) {
        (StatusCode::OK, axum::Json(json!({"status": "ok"}))).into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(json!({"status": "loading"})),
        )
            .into_response()
    }
}

async fn metrics(State(app): S) -> Response {
    let sh = &app.shared;
    let ld = |c: &std::sync::atomic::AtomicI64| c.load(Ordering::Relaxed);
    let counts = EngineCounts {
        running: ld(&sh.running),
        waiting: ld(&sh.waiting).max(0),
        kv_usage: ld(&sh.blocks_used) as f64 / ld(&sh.blocks).max(1) as f64,
        preemptions: ld(&sh.preemptions),
        prefix_queries: ld(&sh.prefix_queries),
        prefix_hits: ld(&sh.prefix_hits),
        spec_drafted: ld(&sh.spec_drafted),
        spec_accepted: ld(&sh.spec_accepted),
    };
    let text = METRICS.render(&app.o.model_name, &counts);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
}

async fn models(State(app): S, headers: HeaderMap) -> Response {
    if let Err(r) = authorized(&app, &headers) {
        return r;
    }
    axum::Json(json!({"object": "list", "data": [
        {"id": app.o.model_name, "object": "model", "created": 0, "owned_by": "mj"}
    ]}))
    .into_response()
}

/// A POST's body as a JSON object, after the API key is checked.
fn request(app: &App, headers: &HeaderMap, body: &Bytes) -> Result<Value, Response> {
    authorized(app, headers)?;
    parse(body)
}

fn parse(body: &Bytes) -> Result<Value, Response> {
    let v: Value = serde_json::from_slice(body)
        .map_err(|e| bad(&format!("the body is not valid JSON: {e}"), None))?;
    if !v.is_object() {
        return Err(bad("the body must be a JSON object", None));
    }
    Ok(v)
}

/// The answer when the engine thread is gone.
fn engine_stopped() -> Response {
    error(
        StatusCode::SERVICE_UNAVAILABLE,
        "server_error",
        "the engine stopped",
        None,
    )
}

fn send(app: &App, c: Command) -> Result<(), Response> {
    app.tx
        .lock()
        .map_err(|_| engine_stopped())?
        .send(c)
        .map_err(|_| engine_stopped())
}

async fn tokens_of(app: &App, text: String) -> Result<Vec<i64>, Response> {
    let (reply, rx) = oneshot::channel();
    send(app, Command::Tokenize { text, reply })?;
    rx.await
        .map_err(|_| engine_stopped())?
        .map_err(|e| bad(&e, Some("prompt")))
}

async fn tokenize(State(app): S, headers: HeaderMap, body: Bytes) -> Response {
    let v = match request(&app, &headers, &body) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let Some(text) = v.get("prompt").and_then(Value::as_str) else {
        return bad("`prompt` (a string) is required", Some("prompt"));
    };
    match tokens_of(&app, text.to_string()).await {
        Ok(ids) => axum::Json(json!({"tokens": ids, "count": ids.len(), "max_model_len": app.shared.context.load(Ordering::Relaxed)})).into_response(),
        Err(r) => r,
    }
}

async fn detokenize(State(app): S, headers: HeaderMap, body: Bytes) -> Response {
    let v = match request(&app, &headers, &body) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let vocab = app.shared.vocab.load(Ordering::Relaxed);
    // Every element must be an id: `["a", 1]` is refused, not read as `[1]`.
    let ids: Option<Vec<i64>> = v
        .get("tokens")
        .and_then(Value::as_array)
        .and_then(|a| a.iter().map(Value::as_i64).collect());
    let Some(ids) = ids.filter(|ids| ids.iter().all(|&t| t >= 0 && t < vocab)) else {
        return bad(
            "`tokens` must be a list of token ids of the vocabulary",
            Some("tokens"),
        );
    };
    let (reply, rx) = oneshot::channel();
    if let Err(r) = send(&app, Command::Detokenize { ids, reply }) {
        return r;
    }
    match rx.await {
        Ok(text) => axum::Json(json!({"prompt": text})).into_response(),
        Err(_) => engine_stopped(),
    }
}

/// The request's common fields, checked.
struct Req {
    params: Params,
    stop: Vec<String>,
    stream: bool,
    include_usage: bool,
}

fn number(v: &Value, key: &str, default: f64, lo: f64, hi: f64) -> Result<f64, Response> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(default),
        Some(x) => match x.as_f64() {
            Some(f) if (lo..=hi).contains(&f) => Ok(f),
            _ => Err(bad(
                &format!("`{key}` must be a number from {lo} to {hi}"),
                Some(key),
            )),
        },
    }
}

fn common(app: &App, v: &Value, default_max: i64, chat: bool) -> Result<Req, Response> {
    match v.get("model").and_then(Value::as_str) {
        Some(m) if m == app.o.model_name => {}
        Some(m) => {
            return Err(error(
                StatusCode::NOT_FOUND,
                "invalid_request_error",
                &format!(
                    "the model `{m}` does not exist (this server has `{}`)",
                    app.o.model_name
                ),
                Some("model"),
            ));
        }
        None => return Err(bad("`model` is required", Some("model"))),
    }
    let max_tokens = match v
        .get("max_tokens")
        .or_else(|| v.get("max_completion_tokens"))
    {
        None | Some(Value::Null) => default_max,
        Some(x) => match x.as_i64() {
            Some(n) if n >= 1 => n,
            _ => {
                return Err(bad(
                    "`max_tokens` must be a positive integer",
                    Some("max_tokens"),
                ));
            }
        },
    };
    let temperature = number(v, "temperature", 1.0, 0.0, 2.0)?;
    let top_p = number(v, "top_p", 1.0, 0.0, 1.0)?;
    let min_p = number(v, "min_p", 0.0, 0.0, 1.0)?;
    let repetition_penalty = number(v, "repetition_penalty", 1.0, 0.01, 10.0)?;
    let presence_penalty = number(v, "presence_penalty", 0.0, -2.0, 2.0)?;
    let frequency_penalty = number(v, "frequency_penalty", 0.0, -2.0, 2.0)?;
    let top_k = number(v, "top_k", 0.0, -1.0, 1e9)? as i64;
    let seed = match v.get("seed") {
        None | Some(Value::Null) => {
            static NEXT: AtomicU64 = AtomicU64::new(0x9E37_79B9);
            NEXT.fetch_add(0x9E37_79B9, Ordering::Relaxed) as i64
        }
        Some(x) => x
            .as_i64()
            .ok_or_else(|| bad("`seed` must be an integer", Some("seed")))?,
    };
    let stop = match v.get("stop") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) if a.len() <= 4 && a.iter().all(Value::is_string) => a
            .iter()
            .filter_map(|s| s.as_str().map(str::to_string))
            .collect(),
        _ => {
            return Err(bad(
                "`stop` must be a string or a list of up to 4 strings",
                Some("stop"),
            ));
        }
    };
    if stop.iter().any(String::is_empty) {
        return Err(bad("a stop string must not be empty", Some("stop")));
    }
    let logprobs = logprobs::requested(v, chat).map_err(|(msg, key)| bad(&msg, Some(key)))?;
    let stream = v.get("stream").and_then(Value::as_bool).unwrap_or(false);
    let include_usage = v
        .get("stream_options")
        .and_then(|s| s.get("include_usage"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    Ok(Req {
        params: Params {
            max_tokens,
            temperature,
            top_k: top_k.max(0),
            top_p,
            min_p,
            repetition_penalty,
            seed,
            presence_penalty,
            frequency_penalty,
            logprobs,
        },
        stop,
        stream,
        include_usage,
    })
}

/// The ChatML prompt of a conversation (SmolLM2's template: its own system message when
/// the conversation has none).
fn chat_prompt(messages: &[Value]) -> Result<String, Response> {
    if messages.is_empty() {
        return Err(bad("`messages` must not be empty", Some("messages")));
    }
    let mut s = String::new();
    let first_system = messages[0].get("role").and_then(Value::as_str) == Some("system");
    if !first_system {
        s.push_str("<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n");
    }
    for m in messages {
        let role = m.get("role").and_then(Value::as_str);
        let content = m.get("content").and_then(Value::as_str);
        match (role, content) {
            (Some(r @ ("system" | "user" | "assistant")), Some(c)) => {
                s.push_str(&format!("<|im_start|>{r}\n{c}<|im_end|>\n"));
            }
            _ => {
                return Err(bad(
                    "each message needs a `role` (system, user or assistant) and a string `content`",
                    Some("messages"),
                ));
            }
        }
    }
    s.push_str("<|im_start|>assistant\n");
    Ok(s)
}

async fn completions(State(app): S, headers: HeaderMap, body: Bytes) -> Response {
    let v = match request(&app, &headers, &body) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let req = match common(&app, &v, 16, false) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let Some(prompt) = v.get("prompt").and_then(Value::as_str) else {
        return bad("`prompt` (a string) is required", Some("prompt"));
    };
    generate(app, prompt.to_string(), req, false).await
}

async fn chat(State(app): S, headers: HeaderMap, body: Bytes) -> Response {
    let v = match request(&app, &headers, &body) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let context = app.shared.context.load(Ordering::Relaxed);
    let req = match common(&app, &v, context, true) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let Some(messages) = v.get("messages").and_then(Value::as_array) else {
        return bad("`messages` (a list) is required", Some("messages"));
    };
    let prompt = match chat_prompt(messages) {
        Ok(p) => p,
        Err(r) => return r,
    };
    generate(app, prompt, req, true).await
}

/// Where the text may be sent: before a stop string (then `true`: stop), or all but the
/// tail that could still begin one.
fn cut_at_stop(text: &str, stops: &[String]) -> (usize, bool) {
    if let Some(at) = stops.iter().filter_map(|s| text.find(s.as_str())).min() {
        return (at, true);
    }
    let keep = stops
        .iter()
        .map(|s| s.len().saturating_sub(1))
        .max()
        .unwrap_or(0);
    let mut at = text.len().saturating_sub(keep);
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    (at, false)
}

async fn generate(app: Arc<App>, prompt: String, mut req: Req, chat: bool) -> Response {
    if !app.shared.ready.load(Ordering::Acquire) {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            "server_error",
            "the model is still loading",
            None,
        );
    }
    let ids = match tokens_of(&app, prompt).await {
        Ok(ids) => ids,
        Err(r) => return r,
    };
    let context = app.shared.context.load(Ordering::Relaxed);
    if ids.is_empty() {
        return bad("the prompt has no tokens", Some("prompt"));
    }
    if ids.len() as i64 >= context {
        return bad(
            &format!(
                "the prompt has {} tokens; the context holds {context}",
                ids.len()
            ),
            Some("prompt"),
        );
    }
    req.params.max_tokens = req.params.max_tokens.min(context - ids.len() as i64);
    if app.shared.waiting.load(Ordering::Relaxed) >= app.o.max_queue {
        let mut r = error(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limit_error",
            "the server's queue is full; retry later",
            None,
        );
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        return r;
    }
    let n_prompt = ids.len();
    let (tx, rx) = tmpsc::unbounded_channel();
    if let Err(r) = send(
        &app,
        Command::Add {
            prompt: ids,
            params: req.params.clone(),
            tx,
        },
    ) {
        return r;
    }
    let n = app.ids.fetch_add(1, Ordering::Relaxed);
    let id = if chat {
        format!("chatcmpl-{n}")
    } else {
        format!("cmpl-{n}")
    };
    let created = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let model = app.o.model_name.clone();
    let object = if chat {
        "chat.completion"
    } else {
        "text_completion"
    };
    let mut answer = Answer::new(rx, req.stop.clone(), n_prompt);
    let want_lp = req.params.logprobs >= 0;
    if !req.stream {
        let mut text = String::new();
        let mut lps = Vec::new();
        let reason = loop {
            match answer.next().await {
                Piece::Text(t, l) => {
                    text.push_str(&t);
                    lps.extend(l);
                }
                Piece::End(r) => break r,
                Piece::Failed(e) => {
                    return error(StatusCode::INTERNAL_SERVER_ERROR, "server_error", &e, None);
                }
            }
        };
        let usage = answer.usage;
        let lp = if want_lp {
            logprobs::to_json(&lps, chat, 0)
        } else {
            Value::Null
        };
        let choice = if chat {
            json!({"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": reason, "logprobs": lp})
        } else {
            json!({"index": 0, "text": text, "finish_reason": reason, "logprobs": lp})
        };
        return axum::Json(json!({
            "id": id, "object": object, "created": created, "model": model,
            "choices": [choice],
            "usage": {"prompt_tokens": usage.0, "completion_tokens": usage.1, "total_tokens": usage.0 + usage.1},
        }))
        .into_response();
    }
    // Streaming: one SSE event per piece of text, then the end, the usage if asked, and
    // `[DONE]`. A client that goes away closes the channel, and the engine frees its slot.
    let (etx, erx) = tmpsc::channel::<Result<Event, Infallible>>(64);
    let chunk_object = if chat {
        "chat.completion.chunk"
    } else {
        "text_completion"
    };
    tokio::spawn(async move {
        // Where the next chunk's text begins in the answer (completions' `text_offset`).
        let mut offset = 0;
        let mut chunk = |delta: Option<&str>,
                         lps: &[TokenLogprobs],
                         reason: Option<&str>,
                         first: bool| {
            let lp = if want_lp && !first && delta.is_some() {
                logprobs::to_json(lps, chat, offset)
            } else {
                Value::Null
            };
            offset += delta.map_or(0, str::len);
            let choice = if chat {
                let d = match (first, delta) {
                    (true, _) => json!({"role": "assistant", "content": ""}),
                    (false, Some(t)) => json!({"content": t}),
                    (false, None) => json!({}),
                };
                json!({"index": 0, "delta": d, "finish_reason": reason, "logprobs": lp})
            } else {
                json!({"index": 0, "text": delta.unwrap_or(""), "finish_reason": reason, "logprobs": lp})
            };
            let mut c = json!({"id": id, "object": chunk_object, "created": created, "model": model, "choices": [choice]});
            if req.include_usage {
                c["usage"] = Value::Null;
            }
            Event::default().data(c.to_string())
        };
        if chat && etx.send(Ok(chunk(None, &[], None, true))).await.is_err() {
            return;
        }
        let reason = loop {
            match answer.next().await {
                Piece::Text(t, l) => {
                    if !t.is_empty()
                        && etx
                            .send(Ok(chunk(Some(&t), &l, None, false)))
                            .await
                            .is_err()
                    {
                        // The client went away: dropping the channel frees its slot.
                        answer.abandon();
                        return;
                    }
                }
                Piece::End(r) => break r,
                Piece::Failed(e) => {
                    let body = json!({"error": {"message": e, "type": "server_error"}});
                    let _ = etx.send(Ok(Event::default().data(body.to_string()))).await;
                    return;
                }
            }
        };
        let _ = etx.send(Ok(chunk(None, &[], Some(reason), false))).await;
        if req.include_usage {
            let usage = answer.usage;
            let u = json!({"id": id, "object": chunk_object, "created": created, "model": model, "choices": [],
                "usage": {"prompt_tokens": usage.0, "completion_tokens": usage.1, "total_tokens": usage.0 + usage.1}});
            let _ = etx.send(Ok(Event::default().data(u.to_string()))).await;
        }
        let _ = etx.send(Ok(Event::default().data("[DONE]"))).await;
    });
    Sse::new(ReceiverStream::new(erx)).into_response()
}

/// What an answer gives next.
enum Piece {
    /// Text that may be sent (possibly empty: bytes held back), and the log-probabilities
    /// of the tokens whose text it completes.
    Text(String, Vec<TokenLogprobs>),
    /// The end, with its `finish_reason`.
    End(&'static str),
    Failed(String),
}

/// A request's answer as it arrives from the engine: its text released as far as no stop
/// string can still begin in it, its usage, and its timing for the metrics.
struct Answer {
    rx: tmpsc::UnboundedReceiver<Out>,
    stops: Vec<String>,
    held: String,
    /// The log-probabilities of tokens whose text is still (partly) held, each with the
    /// end of its text in `held`.
    held_lp: Vec<(usize, TokenLogprobs)>,
    usage: (usize, usize),
    timing: Timing,
    ended: Option<&'static str>,
}

impl Answer {
    fn new(rx: tmpsc::UnboundedReceiver<Out>, stops: Vec<String>, prompt_tokens: usize) -> Answer {
        Answer {
            rx,
            stops,
            held: String::new(),
            held_lp: Vec::new(),
            usage: (prompt_tokens, 0),
            timing: Timing::new(prompt_tokens),
            ended: None,
        }
    }

    fn finish(&mut self, reason: &'static str) {
        self.timing.end(reason);
        self.ended = Some(reason);
    }

    /// The client left: counted as aborted (the engine frees the slot when it next
    /// finds the channel closed).
    fn abandon(&mut self) {
        if self.ended.is_none() {
            self.finish("abort");
        }
    }

    /// Everything held, at the end.
    fn release_all(&mut self) -> Piece {
        let lps = self.held_lp.drain(..).map(|(_, l)| l).collect();
        Piece::Text(std::mem::take(&mut self.held), lps)
    }

    async fn next(&mut self) -> Piece {
        if let Some(r) = self.ended {
            return Piece::End(r);
        }
        match self.rx.recv().await {
            Some(Out::Token(t, lp)) => {
                self.usage.1 += 1;
                self.timing.token();
                self.held.push_str(&t);
                if let Some(lp) = lp {
                    self.held_lp.push((self.held.len(), lp));
                }
                let (at, stop) = cut_at_stop(&self.held, &self.stops);
                let ready: String = self.held.drain(..at).collect();
                let done = self
                    .held_lp
                    .iter()
                    .take_while(|(end, _)| *end <= at)
                    .count();
                let lps: Vec<TokenLogprobs> = self.held_lp.drain(..done).map(|(_, l)| l).collect();
                for (end, _) in &mut self.held_lp {
                    *end -= at;
                }
                if stop {
                    // Dropping the receiver later ends the request in the engine.
                    self.held.clear();
                    self.held_lp.clear();
                    self.finish("stop");
                }
                Piece::Text(ready, lps)
            }
            Some(Out::Done {
                reason,
                prompt_tokens,
                completion_tokens,
            }) => {
                self.usage = (prompt_tokens, completion_tokens);
                self.finish(reason);
                self.release_all()
            }
            Some(Out::Error(e)) => Piece::Failed(e),
            None => {
                self.finish("length");
                self.release_all()
            }
        }
    }
}
