//! The engine: the mj code of `stdlib/llm/server_api.mj`, built as a shared library by
//! the CLI and loaded here, driven from one thread of its own. Requests arrive through a
//! channel; each step's tokens go back to their requests' channels as text (bytes are
//! held back until they make whole UTF-8 characters).

use std::collections::HashMap;
use std::ffi::c_void;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, mpsc};

use tokio::sync::{mpsc as tmpsc, oneshot};

/// Sampling and stopping of one request.
#[derive(Clone, Debug)]
pub struct Params {
    pub max_tokens: i64,
    pub temperature: f64,
    pub top_k: i64,
    pub top_p: f64,
    pub min_p: f64,
    pub repetition_penalty: f64,
    pub seed: i64,
    pub presence_penalty: f64,
    pub frequency_penalty: f64,
    /// Alternatives to report with each token's log-probability (-1: no log-probabilities).
    pub logprobs: i64,
}

/// A generated token's log-probability and the most likely alternatives' (most likely
/// first), each with the bytes of its token.
#[derive(Clone, Debug, PartialEq)]
pub struct TokenLogprobs {
    pub bytes: Vec<u8>,
    pub logprob: f64,
    pub top: Vec<(Vec<u8>, f64)>,
}

/// What the engine sends a request.
#[derive(Debug)]
pub enum Out {
    /// New text (possibly empty while a character is incomplete) of one token, and its
    /// log-probabilities when the request asked for them.
    Token(String, Option<TokenLogprobs>),
    /// The end: `stop` or `length`, with the token counts.
    Done {
        reason: &'static str,
        prompt_tokens: usize,
        completion_tokens: usize,
    },
    Error(String),
}

pub enum Command {
    Add {
        prompt: Vec<i64>,
        params: Params,
        tx: tmpsc::UnboundedSender<Out>,
    },
    Tokenize {
        text: String,
        reply: oneshot::Sender<Result<Vec<i64>, String>>,
    },
    Detokenize {
        ids: Vec<i64>,
        reply: oneshot::Sender<String>,
    },
}

/// What the HTTP side shares with the engine thread.
pub struct Shared {
    pub ready: AtomicBool,
    pub running: AtomicI64,
    pub waiting: AtomicI64,
    pub vocab: AtomicI64,
    pub context: AtomicI64,
    pub blocks_used: AtomicI64,
    pub blocks: AtomicI64,
    pub preemptions: AtomicI64,
    pub prefix_queries: AtomicI64,
    pub prefix_hits: AtomicI64,
    pub spec_drafted: AtomicI64,
    pub spec_accepted: AtomicI64,
}

type OpenFn = unsafe extern "C" fn(*const u8, i64, i64, i64, i64, i64, i64, i64) -> *mut c_void;
type ErrorFn = unsafe extern "C" fn(*mut c_void, *mut u8, i64) -> i64;
type InfoFn = unsafe extern "C" fn(*mut c_void, *mut i64);
type TokenizeFn = unsafe extern "C" fn(*mut c_void, *const u8, i64, *mut i64, i64) -> i64;
type TokenBytesFn = unsafe extern "C" fn(*mut c_void, i64, *mut u8, i64) -> i64;
type AddFn = unsafe extern "C" fn(
    *mut c_void,
    i64,
    *const i64,
    i64,
    i64,
    f64,
    i64,
    f64,
    f64,
    f64,
    i64,
    *const i64,
    i64,
    f64,
    f64,
    i64,
) -> i64;
type LogprobsFn = unsafe extern "C" fn(*mut c_void, i64, *mut i64, *mut f64, i64) -> i64;
type IdFn = unsafe extern "C" fn(*mut c_void, i64) -> i64;
type CountFn = unsafe extern "C" fn(*mut c_void) -> i64;
type StepFn = unsafe extern "C" fn(*mut c_void, *mut i64, i64) -> i64;

/// The engine library's entry points.
struct Lib {
    h: *mut c_void,
    error: ErrorFn,
    info: InfoFn,
    tokenize: TokenizeFn,
    token_bytes: TokenBytesFn,
    add: AddFn,
    cancel: IdFn,
    pending: CountFn,
    stats: InfoFn,
    step: StepFn,
    logprobs: LogprobsFn,
}

fn sym<T: Copy>(lib: *mut c_void, name: &str) -> Result<T, String> {
    let c = std::ffi::CString::new(name).map_err(|_| "bad symbol".to_string())?;
    // SAFETY: a handle from dlopen and a NUL-terminated name.
    let p = unsafe { libc::dlsym(lib, c.as_ptr()) };
    if p.is_null() {
        return Err(format!("the engine library has no `{name}`"));
    }
    // SAFETY: the symbol is the function of type `T` (server_api.mj's signature).
    Ok(unsafe { std::mem::transmute_copy::<*mut c_void, T>(&p) })
}

impl Lib {
    fn load(lib: &Path, model: &Path, e: &EngineOptions) -> Result<Lib, String> {
        let c = std::ffi::CString::new(lib.display().to_string()).map_err(|_| "bad path")?;
        // SAFETY: dlopen of a NUL-terminated path.
        let handle = unsafe { libc::dlopen(c.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL) };
        if handle.is_null() {
            return Err(format!("cannot load the engine `{}`", lib.display()));
        }
        let open: OpenFn = sym(handle, "mjs_open")?;
        let path = model.display().to_string();
        // SAFETY: the path's bytes and length; the engine copies them.
        let h = unsafe {
            open(
                path.as_ptr(),
                path.len() as i64,
                e.max_batch,
                e.context,
                e.budget,
                e.blocks,
                i64::from(e.prefix_caching),
                e.kv_bytes,
            )
        };
        if h.is_null() {
            return Err(format!("the engine cannot load the model `{path}`"));
        }
        let set_speculative: IdFn = sym(handle, "mjs_set_speculative")?;
        // SAFETY: the engine's handle.
        unsafe { set_speculative(h, e.speculative) };
        Ok(Lib {
            h,
            error: sym(handle, "mjs_error")?,
            info: sym(handle, "mjs_vocab_eos")?,
            tokenize: sym(handle, "mjs_tokenize")?,
            token_bytes: sym(handle, "mjs_token_bytes")?,
            add: sym(handle, "mjs_add")?,
            cancel: sym(handle, "mjs_cancel")?,
            pending: sym(handle, "mjs_pending")?,
            stats: sym(handle, "mjs_stats")?,
            step: sym(handle, "mjs_step")?,
            logprobs: sym(handle, "mjs_logprobs")?,
        })
    }

    fn last_error(&self) -> String {
        let mut buf = vec![0u8; 4096];
        // SAFETY: a buffer of the length given.
        let n = unsafe { (self.error)(self.h, buf.as_mut_ptr(), buf.len() as i64) };
        String::from_utf8_lossy(&buf[..n.clamp(0, 4096) as usize]).into_owned()
    }

    fn tokenize(&self, text: &str) -> Result<Vec<i64>, String> {
        let mut out = vec![0i64; text.len() + 16];
        // SAFETY: the text's bytes, and an output array of the length given.
        let n = unsafe {
            (self.tokenize)(
                self.h,
                text.as_ptr(),
                text.len() as i64,
                out.as_mut_ptr(),
                out.len() as i64,
            )
        };
        if n < 0 {
            return Err(self.last_error());
        }
        out.truncate(n as usize);
        Ok(out)
    }

    /// Entry `k` of the last step's log-probabilities, for a token of `bytes`.
    fn logprobs_of(&self, k: i64, bytes: Vec<u8>) -> TokenLogprobs {
        let mut ids = [0i64; 21];
        let mut lps = [0f64; 21];
        // SAFETY: 21 slots each.
        let n = unsafe { (self.logprobs)(self.h, k, ids.as_mut_ptr(), lps.as_mut_ptr(), 21) };
        let top = (1..=n.max(0) as usize)
            .map(|i| (self.token_bytes(ids[i]), lps[i]))
            .collect();
        TokenLogprobs {
            bytes,
            logprob: lps[0],
            top,
        }
    }

    fn token_bytes(&self, id: i64) -> Vec<u8> {
        let mut buf = vec![0u8; 256];
        // SAFETY: a buffer of the length given.
        let n = unsafe { (self.token_bytes)(self.h, id, buf.as_mut_ptr(), buf.len() as i64) };
        buf.truncate(n.clamp(0, 256) as usize);
        buf
    }
}

/// Integers per event of `mjs_step`: request, token, finished, reason, log-probabilities.
const ROW: usize = 5;

/// A request being served.
struct Live {
    tx: tmpsc::UnboundedSender<Out>,
    pending: Vec<u8>,
    prompt_tokens: usize,
    completion_tokens: usize,
}

/// The longest prefix of whole UTF-8 characters of `bytes` (taken out), as text.
fn whole_chars(bytes: &mut Vec<u8>) -> String {
    let cut = match std::str::from_utf8(bytes) {
        Ok(_) => bytes.len(),
        Err(e) if e.error_len().is_none() => e.valid_up_to(),
        // An invalid sequence: emitted as replacement characters.
        Err(_) => bytes.len(),
    };
    let rest = bytes.split_off(cut);
    let text = String::from_utf8_lossy(bytes).into_owned();
    *bytes = rest;
    text
}

/// The engine's sizes.
pub struct EngineOptions {
    pub max_batch: i64,
    pub context: i64,
    pub budget: i64,
    /// KV-cache blocks of 16 positions (0: as many as `kv_bytes` hold, or with that 0
    /// too, enough for every slot to fill its context).
    pub blocks: i64,
    /// Memory for the KV cache in bytes (0: not given).
    pub kv_bytes: i64,
    pub prefix_caching: bool,
    /// Draft tokens by prompt lookup for greedy requests (0: no speculative decoding).
    pub speculative: i64,
}

/// Runs the engine until the command channel closes.
pub fn run(
    lib: &Path,
    model: &Path,
    e: &EngineOptions,
    rx: mpsc::Receiver<Command>,
    shared: Arc<Shared>,
) -> Result<(), String> {
    let lib = Lib::load(lib, model, e)?;
    let mut info = [0i64; 5];
    // SAFETY: five slots.
    unsafe { (lib.info)(lib.h, info.as_mut_ptr()) };
    eprintln!(
        "mj serve: KV cache of {} blocks of 16 positions ({} MiB)",
        info[3],
        info[3] * info[4] / (1 << 20)
    );
    shared.vocab.store(info[0], Ordering::Relaxed);
    shared.context.store(info[2], Ordering::Relaxed);
    shared.ready.store(true, Ordering::Release);
    let mut live: HashMap<i64, Live> = HashMap::new();
    let mut next_id = 0i64;
    let mut events = vec![0i64; ROW * 1024];
    loop {
        // SAFETY: the engine's handle.
        let pending = unsafe { (lib.pending)(lib.h) };
        let cmd = if pending == 0 {
            match rx.recv() {
                Ok(c) => Some(c),
                Err(_) => return Ok(()),
            }
        } else {
            match rx.try_recv() {
                Ok(c) => Some(c),
                Err(mpsc::TryRecvError::Empty) => None,
                Err(mpsc::TryRecvError::Disconnected) => return Ok(()),
            }
        };
        if let Some(cmd) = cmd {
            match cmd {
                Command::Add { prompt, params, tx } => {
                    let id = next_id;
                    next_id += 1;
                    // SAFETY: the prompt's ids and no stop tokens (stop strings are
                    // matched by the HTTP side).
                    let r = unsafe {
                        (lib.add)(
                            lib.h,
                            id,
                            prompt.as_ptr(),
                            prompt.len() as i64,
                            params.max_tokens,
                            params.temperature,
                            params.top_k,
                            params.top_p,
                            params.min_p,
                            params.repetition_penalty,
                            params.seed,
                            std::ptr::null(),
                            0,
                            params.presence_penalty,
                            params.frequency_penalty,
                            params.logprobs,
                        )
                    };
                    if r != 0 {
                        let _ = tx.send(Out::Error(lib.last_error()));
                    } else {
                        live.insert(
                            id,
                            Live {
                                tx,
                                pending: Vec::new(),
                                prompt_tokens: prompt.len(),
                                completion_tokens: 0,
                            },
                        );
                    }
                }
                Command::Tokenize { text, reply } => {
                    let _ = reply.send(lib.tokenize(&text));
                }
                Command::Detokenize { ids, reply } => {
                    let mut bytes = Vec::new();
                    for id in ids {
                        bytes.extend(lib.token_bytes(id));
                    }
                    let _ = reply.send(String::from_utf8_lossy(&bytes).into_owned());
                }
            }
            continue;
        }
        // SAFETY: an output array of `events.len() / ROW` rows.
        let n = unsafe { (lib.step)(lib.h, events.as_mut_ptr(), (events.len() / ROW) as i64) };
        // The counts first: a client that sees its request end sees it counted.
        publish(&lib, &shared);
        if n < 0 {
            let msg = lib.last_error();
            for (_, l) in live.drain() {
                let _ = l.tx.send(Out::Error(msg.clone()));
            }
            continue;
        }
        for k in 0..n as usize {
            let row = &events[ROW * k..ROW * (k + 1)];
            let (id, token, finished, reason, lp) = (row[0], row[1], row[2], row[3], row[4]);
            let Some(l) = live.get_mut(&id) else { continue };
            let mut gone = false;
            if token >= 0 {
                l.completion_tokens += 1;
                let bytes = lib.token_bytes(token);
                let logprobs = (lp >= 0).then(|| lib.logprobs_of(lp, bytes.clone()));
                l.pending.extend(bytes);
                let text = whole_chars(&mut l.pending);
                gone = l.tx.send(Out::Token(text, logprobs)).is_err();
            }
            if finished != 0 {
                if let Some(l) = live.remove(&id) {
                    let tail = String::from_utf8_lossy(&l.pending).into_owned();
                    if !tail.is_empty() {
                        let _ = l.tx.send(Out::Token(tail, None));
                    }
                    let _ = l.tx.send(Out::Done {
                        reason: if reason == 1 { "stop" } else { "length" },
                        prompt_tokens: l.prompt_tokens,
                        completion_tokens: l.completion_tokens,
                    });
                }
            } else if gone {
                // The client went away: its slot is freed at once.
                // SAFETY: the engine's handle.
                unsafe { (lib.cancel)(lib.h, id) };
                live.remove(&id);
            }
        }
        // Requests whose client left while they waited.
        let dropped: Vec<i64> = live
            .iter()
            .filter(|(_, l)| l.tx.is_closed())
            .map(|(id, _)| *id)
            .collect();
        for id in dropped {
            // SAFETY: the engine's handle.
            unsafe { (lib.cancel)(lib.h, id) };
            live.remove(&id);
        }
        publish(&lib, &shared);
    }
}

/// The engine's counts, for `/metrics` and the queue limit.
fn publish(lib: &Lib, shared: &Shared) {
    let mut st = [0i64; 9];
    // SAFETY: nine slots.
    unsafe { (lib.stats)(lib.h, st.as_mut_ptr()) };
    shared.running.store(st[0], Ordering::Relaxed);
    shared.waiting.store(st[1], Ordering::Relaxed);
    shared.blocks_used.store(st[2], Ordering::Relaxed);
    shared.blocks.store(st[3], Ordering::Relaxed);
    shared.preemptions.store(st[4], Ordering::Relaxed);
    shared.prefix_queries.store(st[5], Ordering::Relaxed);
    shared.prefix_hits.store(st[6], Ordering::Relaxed);
    shared.spec_drafted.store(st[7], Ordering::Relaxed);
    shared.spec_accepted.store(st[8], Ordering::Relaxed);
}
