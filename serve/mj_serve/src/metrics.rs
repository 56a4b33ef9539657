//! `GET /metrics`: Prometheus text with vLLM's metric names, so that dashboards and load
//! generators made for vLLM read mj's server too.

use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// A histogram of seconds with fixed buckets.
pub struct Histogram {
    bounds: &'static [f64],
    inner: Mutex<(Vec<u64>, f64, u64)>,
}

impl Histogram {
    pub const fn new(bounds: &'static [f64]) -> Histogram {
        Histogram {
            bounds,
            inner: Mutex::new((Vec::new(), 0.0, 0)),
        }
    }

    pub fn observe(&self, v: f64) {
        let Ok(mut g) = self.inner.lock() else { return };
        if g.0.is_empty() {
            g.0 = vec![0; self.bounds.len()];
        }
        for (i, b) in self.bounds.iter().enumerate() {
            if v <= *b {
                g.0[i] += 1;
            }
        }
        g.1 += v;
        g.2 += 1;
    }

    fn write(&self, out: &mut String, name: &str, help: &str, labels: &str) {
        let Ok(g) = self.inner.lock() else { return };
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        for (i, b) in self.bounds.iter().enumerate() {
            let c = g.0.get(i).copied().unwrap_or(0);
            let _ = writeln!(out, "{name}_bucket{{{labels},le=\"{b}\"}} {c}");
        }
        let _ = writeln!(out, "{name}_bucket{{{labels},le=\"+Inf\"}} {}", g.2);
        let _ = writeln!(out, "{name}_sum{{{labels}}} {}", g.1);
        let _ = writeln!(out, "{name}_count{{{labels}}} {}", g.2);
    }
}

const LATENCY: &[f64] = &[
    0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
    20.0, 40.0, 80.0,
];

/// What the engine counts (read from it at each `/metrics`).
pub struct EngineCounts {
    pub running: i64,
    pub waiting: i64,
    /// Fraction of the KV cache's blocks held by requests.
    pub kv_usage: f64,
    pub preemptions: i64,
    pub prefix_queries: i64,
    pub prefix_hits: i64,
    pub spec_drafted: i64,
    pub spec_accepted: i64,
}

/// What the HTTP side counts.
pub struct Metrics {
    pub ttft: Histogram,
    pub itl: Histogram,
    pub e2e: Histogram,
    pub prompt_tokens: AtomicU64,
    pub generation_tokens: AtomicU64,
    pub finished_stop: AtomicU64,
    pub finished_length: AtomicU64,
    pub finished_abort: AtomicU64,
}

impl Metrics {
    pub const fn new() -> Metrics {
        Metrics {
            ttft: Histogram::new(LATENCY),
            itl: Histogram::new(LATENCY),
            e2e: Histogram::new(LATENCY),
            prompt_tokens: AtomicU64::new(0),
            generation_tokens: AtomicU64::new(0),
            finished_stop: AtomicU64::new(0),
            finished_length: AtomicU64::new(0),
            finished_abort: AtomicU64::new(0),
        }
    }

    /// The Prometheus text: the engine's gauges and counters of the moment, then this
    /// side's counters and histograms so far.
    pub fn render(&self, model: &str, e: &EngineCounts) -> String {
        let l = format!("model_name=\"{model}\"");
        let mut s = String::new();
        let gauges = [
            (
                "vllm:num_requests_running",
                "Requests holding a KV slot.",
                e.running as f64,
            ),
            (
                "vllm:num_requests_waiting",
                "Requests waiting for a KV slot.",
                e.waiting as f64,
            ),
            (
                "vllm:kv_cache_usage_perc",
                "Fraction of the KV cache in use (1 = full).",
                e.kv_usage,
            ),
        ];
        for (name, help, v) in gauges {
            let _ = writeln!(
                s,
                "# HELP {name} {help}\n# TYPE {name} gauge\n{name}{{{l}}} {v}"
            );
        }
        let ld = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let engine = |v: i64| v.max(0) as u64;
        let counters = [
            (
                "vllm:prompt_tokens_total",
                "Prompt tokens read.",
                ld(&self.prompt_tokens),
            ),
            (
                "vllm:generation_tokens_total",
                "Tokens generated.",
                ld(&self.generation_tokens),
            ),
            (
                "vllm:num_preemptions_total",
                "Requests preempted for lack of KV cache.",
                engine(e.preemptions),
            ),
            (
                "vllm:prefix_cache_queries_total",
                "Prompt tokens looked up in the prefix cache.",
                engine(e.prefix_queries),
            ),
            (
                "vllm:prefix_cache_hits_total",
                "Prompt tokens found in the prefix cache.",
                engine(e.prefix_hits),
            ),
            (
                "vllm:spec_decode_num_draft_tokens_total",
                "Draft tokens checked by speculative decoding.",
                engine(e.spec_drafted),
            ),
            (
                "vllm:spec_decode_num_accepted_tokens_total",
                "Draft tokens kept by speculative decoding.",
                engine(e.spec_accepted),
            ),
        ];
        for (name, help, v) in counters {
            let _ = writeln!(
                s,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name}{{{l}}} {v}"
            );
        }
        let _ = writeln!(
            s,
            "# HELP vllm:request_success_total Requests finished, by reason.\n# TYPE vllm:request_success_total counter"
        );
        for (reason, c) in [
            ("stop", &self.finished_stop),
            ("length", &self.finished_length),
            ("abort", &self.finished_abort),
        ] {
            let _ = writeln!(
                s,
                "vllm:request_success_total{{{l},finished_reason=\"{reason}\"}} {}",
                ld(c)
            );
        }
        self.ttft.write(
            &mut s,
            "vllm:time_to_first_token_seconds",
            "Time to the first token.",
            &l,
        );
        self.itl.write(
            &mut s,
            "vllm:inter_token_latency_seconds",
            "Time between tokens.",
            &l,
        );
        self.e2e.write(
            &mut s,
            "vllm:e2e_request_latency_seconds",
            "Time from request to its end.",
            &l,
        );
        s
    }
}
