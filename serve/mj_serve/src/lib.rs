//! `mj serve`: an OpenAI-compatible HTTP server (axum on tokio) in front of the engine of
//! `stdlib/llm/` (`engine.rs` loads and drives it). The CLI builds the engine library
//! and hands its path here.
//!
//! Endpoints: `POST /v1/completions`, `POST /v1/chat/completions` (streaming as SSE with
//! `data: [DONE]`, and `stream_options.include_usage`, or one JSON answer with usage),
//! `GET /v1/models`, `GET /health` (503 until the model is loaded), `GET /metrics`
//! (Prometheus, vLLM's names), `POST /tokenize`, `POST /detokenize`, and a chat page at
//! `GET /` (`chat.html`). Errors are OpenAI-style JSON bodies with a 4xx status.

mod engine;
mod http;
mod logprobs;
mod metrics;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicI64};
use std::sync::{Arc, mpsc};

pub use engine::Params;

/// How to serve.
#[derive(Clone, Debug)]
pub struct Options {
    /// The engine library (`stdlib/llm/server_api.mj` built as a shared library).
    pub engine_lib: PathBuf,
    pub model: PathBuf,
    /// The name clients give as `model`.
    pub model_name: String,
    pub host: String,
    pub port: u16,
    pub api_key: Option<String>,
    pub max_batch: i64,
    pub context: i64,
    pub max_batched_tokens: i64,
    /// Requests waiting beyond this many get 429.
    pub max_queue: i64,
    /// KV-cache blocks of 16 positions (0: from `kv_cache_memory`, or with that 0 too,
    /// enough for every slot to fill its context).
    pub kv_cache_blocks: i64,
    /// Bytes of memory for the KV cache (`--kv-cache-memory-fraction` of the memory
    /// available at start; 0: not given).
    pub kv_cache_memory: i64,
    pub prefix_caching: bool,
    /// `--speculative ngram`: drafts by prompt lookup for greedy requests.
    pub speculative: bool,
}

/// Serves until the process ends; an error when it cannot start.
pub fn run(o: Options) -> Result<(), String> {
    let shared = Arc::new(engine::Shared {
        ready: AtomicBool::new(false),
        running: AtomicI64::new(0),
        waiting: AtomicI64::new(0),
        vocab: AtomicI64::new(0),
        context: AtomicI64::new(0),
        blocks_used: AtomicI64::new(0),
        blocks: AtomicI64::new(1),
        preemptions: AtomicI64::new(0),
        prefix_queries: AtomicI64::new(0),
        prefix_hits: AtomicI64::new(0),
        spec_drafted: AtomicI64::new(0),
        spec_accepted: AtomicI64::new(0),
    });
    let (tx, rx) = mpsc::channel();
    let eng = {
        let o = o.clone();
        let shared = shared.clone();
        std::thread::Builder::new()
            .name("mj-engine".into())
            .spawn(move || {
                let sizes = engine::EngineOptions {
                    max_batch: o.max_batch,
                    context: o.context,
                    budget: o.max_batched_tokens,
                    blocks: o.kv_cache_blocks,
                    kv_bytes: o.kv_cache_memory,
                    prefix_caching: o.prefix_caching,
                    speculative: if o.speculative { 4 } else { 0 },
                };
                if let Err(e) = engine::run(&o.engine_lib, &o.model, &sizes, rx, shared) {
                    eprintln!("mj serve: {e}");
                    std::process::exit(1);
                }
            })
            .map_err(|e| format!("cannot start the engine thread: {e}"))?
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the HTTP runtime: {e}"))?;
    let r = rt.block_on(http::serve(o, tx, shared));
    drop(eng);
    r
}
