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

/// The server's counters.
pub struct Metrics {
    pub ttft: Histogram,
    pub itl: Histogram,
    pub e2e: Histogram,
    pub prompt_tokens: AtomicU64,
    pub generation_tokens: AtomicU64,
    pub preemptions: AtomicU64,
    pub prefix_queries: AtomicU64,
    pub prefix_hits: AtomicU64,
    pub spec_drafted: AtomicU64,
    pub spec_accepted: AtomicU64,
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
            preemptions: AtomicU64::new(0),
            prefix_queries: AtomicU64::new(0),
            prefix_hits: AtomicU64::new(0),
            spec_drafted: AtomicU64::new(0),
            spec_accepted: AtomicU64::new(0),
            finished_stop: AtomicU64::new(0),
            finished_length: AtomicU64::new(0),
            finished_abort: AtomicU64::new(0),
        }
    }

    /// The Prometheus text: gauges of the moment (`running`, `waiting`, KV usage as a
    /// fraction) and the counters and histograms so far.
    pub fn render(&self, model: &str, running: i64, waiting: i64, kv_usage: f64) -> String {
        let l = format!("model_name=\"{model}\"");
        let mut s = String::new();
        let gauge = |s: &mut String, name: &str, help: &str, v: f64| {
            let _ = writeln!(
                s,
                "# HELP {name} {help}\n# TYPE {name} gauge\n{name}{{{l}}} {v}"
            );
        };
        let counter = |s: &mut String, name: &str, help: &str, v: u64| {
            let _ = writeln!(
                s,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name}{{{l}}} {v}"
            );
        };
        gauge(
            &mut s,
            "vllm:num_requests_running",
            "Requests holding a KV slot.",
            running as f64,
        );
        gauge(
            &mut s,
            "vllm:num_requests_waiting",
            "Requests waiting for a KV slot.",
            waiting as f64,
        );
        gauge(
            &mut s,
            "vllm:kv_cache_usage_perc",
            "Fraction of the KV cache in use (1 = full).",
            kv_usage,
        );
        let ld = |c: &AtomicU64| c.load(Ordering::Relaxed);
        counter(
            &mut s,
            "vllm:prompt_tokens_total",
            "Prompt tokens read.",
            ld(&self.prompt_tokens),
        );
        counter(
            &mut s,
            "vllm:generation_tokens_total",
            "Tokens generated.",
            ld(&self.generation_tokens),
        );
        counter(
            &mut s,
            "vllm:num_preemptions_total",
            "Requests preempted for lack of KV cache.",
            ld(&self.preemptions),
        );
        counter(
            &mut s,
            "vllm:prefix_cache_queries_total",
            "Prompt tokens looked up in the prefix cache.",
            ld(&self.prefix_queries),
        );
        counter(
            &mut s,
            "vllm:prefix_cache_hits_total",
            "Prompt tokens found in the prefix cache.",
            ld(&self.prefix_hits),
        );
        counter(
            &mut s,
            "vllm:spec_decode_num_draft_tokens_total",
            "Draft tokens checked by speculative decoding.",
            ld(&self.spec_drafted),
        );
        counter(
            &mut s,
            "vllm:spec_decode_num_accepted_tokens_total",
            "Draft tokens kept by speculative decoding.",
            ld(&self.spec_accepted),
        );
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
