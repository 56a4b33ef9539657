"""End-to-end tests of `mj serve` with the official `openai` client (PyPI) on loopback:
completions and chat, streaming and not, usage, stop strings, max_tokens, seeds,
concurrent requests against the same requests alone, tokenize/detokenize, log-probabilities
(against the numpy reference of tests/model), and the
error cases (malformed JSON, unknown model, a prompt longer than the context, invalid
parameters, a missing API key), each a 4xx with an OpenAI-style error body.

    MJ_BIN=target/release/mj PYTHONPATH=target/py python3 tests/serve/test_serve.py MODEL
"""

import concurrent.futures
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import openai

MJ = os.environ.get("MJ_BIN", "target/release/mj")
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, model, *extra):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen([MJ, "serve", "--model", model, "--port", str(self.port),
                                      "--context", "256", *extra],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.time() + 300
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit("mj serve exited:\n" + self.proc.stderr.read().decode())
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError):
                pass
            time.sleep(0.2)
        raise SystemExit("mj serve did not become healthy")

    def close(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


def raw(url, body, headers=None):
    """POST raw bytes; (status, JSON body)."""
    req = urllib.request.Request(url, data=body, headers={"content-type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def test_basic(s, name):
    c = openai.OpenAI(base_url=s.url + "/v1", api_key="none")
    check([m.id for m in c.models.list().data] == [name], "GET /v1/models lists the model")
    r = c.completions.create(model=name, prompt="Once upon a time,", max_tokens=10, temperature=0)
    check(r.choices[0].text == " the city of Nova Haven was a thriving metropolis,",
          f"a greedy completion is the model's: {r.choices[0].text!r}")
    check(r.usage.prompt_tokens == 5 and r.usage.completion_tokens == 10 and r.choices[0].finish_reason == "length",
          "usage and finish_reason length")
    r = c.chat.completions.create(model=name, messages=[{"role": "user", "content": "What is the capital of France?"}],
                                  max_tokens=30, temperature=0)
    check("Paris" in r.choices[0].message.content and r.choices[0].finish_reason == "stop",
          f"a chat answer that stops by itself: {r.choices[0].message.content!r}")
    stream = c.chat.completions.create(model=name, messages=[{"role": "user", "content": "What is the capital of France?"}],
                                       max_tokens=30, temperature=0, stream=True, stream_options={"include_usage": True})
    pieces, usage, reasons = [], None, []
    for chunk in stream:
        if chunk.usage:
            usage = chunk.usage
        for ch in chunk.choices:
            if ch.delta.content:
                pieces.append(ch.delta.content)
            if ch.finish_reason:
                reasons.append(ch.finish_reason)
    check("".join(pieces) == r.choices[0].message.content and len(pieces) > 3,
          "the streamed answer equals the whole one, in pieces")
    check(usage is not None and usage.completion_tokens == r.usage.completion_tokens and reasons == ["stop"],
          "stream_options.include_usage gives the usage at the end")
    r = c.completions.create(model=name, prompt="Once upon a time,", max_tokens=30, temperature=0, stop=["Haven"])
    check(r.choices[0].text == " the city of Nova " and r.choices[0].finish_reason == "stop",
          f"a stop string ends the text before it: {r.choices[0].text!r}")
    st = c.completions.create(model=name, prompt="Once upon a time,", max_tokens=30, temperature=0, stop="Haven", stream=True)
    check("".join(ch.choices[0].text for ch in st if ch.choices) == " the city of Nova ", "a stop string while streaming")
    a = c.completions.create(model=name, prompt="The weather today", max_tokens=12, temperature=1.0, seed=42)
    b = c.completions.create(model=name, prompt="The weather today", max_tokens=12, temperature=1.0, seed=42)
    check(a.choices[0].text == b.choices[0].text, "the same seed gives the same text")
    plain = c.completions.create(model=name, prompt="1, 2, 3, 4,", max_tokens=20, temperature=0).choices[0].text
    pen = c.completions.create(model=name, prompt="1, 2, 3, 4,", max_tokens=20, temperature=0,
                               frequency_penalty=2.0, presence_penalty=1.0).choices[0].text
    check(plain != pen, f"frequency and presence penalties change a repetitive answer: {plain!r} / {pen!r}")
    status, body = raw(s.url + "/tokenize", json.dumps({"prompt": "Once upon a time,"}).encode())
    check(status == 200 and body["tokens"] == [6403, 1980, 253, 655, 28], "POST /tokenize")
    status, body = raw(s.url + "/detokenize", json.dumps({"tokens": [6403, 1980, 253, 655, 28]}).encode())
    check(status == 200 and body["prompt"] == "Once upon a time,", "POST /detokenize")


def test_concurrency(s, name):
    c = openai.OpenAI(base_url=s.url + "/v1", api_key="none")
    prompts = [f"Story number {i}: once upon a time" for i in range(32)]

    def one(p):
        out = []
        for chunk in c.completions.create(model=name, prompt=p, max_tokens=16, temperature=0, stream=True):
            out.extend(ch.text for ch in chunk.choices)
        return "".join(out)

    alone = [one(p) for p in prompts[::4]]
    with concurrent.futures.ThreadPoolExecutor(32) as ex:
        together = list(ex.map(one, prompts))
    check(together[::4] == alone and all(len(t) > 0 for t in together),
          "32 concurrent streams are all answered, each as it is alone")


def metrics(s):
    with urllib.request.urlopen(s.url + "/metrics", timeout=10) as r:
        text = r.read().decode()
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, _, v = line.rpartition(" ")
            values[key] = float(v)
    return text, values


def test_metrics(s, name):
    text, v = metrics(s)
    for m in ["vllm:num_requests_running", "vllm:num_requests_waiting", "vllm:kv_cache_usage_perc",
              "vllm:time_to_first_token_seconds_count", "vllm:inter_token_latency_seconds_count",
              "vllm:e2e_request_latency_seconds_count", "vllm:prompt_tokens_total",
              "vllm:generation_tokens_total", "vllm:num_preemptions_total", "vllm:prefix_cache_hits_total"]:
        check(any(k.startswith(m + "{") for k in v), f"/metrics has {m}")
    label = f'{{model_name="{name}"}}'
    before = v.get("vllm:generation_tokens_total" + label, 0)
    c = openai.OpenAI(base_url=s.url + "/v1", api_key="none")
    c.completions.create(model=name, prompt="Once upon a time,", max_tokens=7, temperature=0)
    _, v2 = metrics(s)
    check(v2["vllm:generation_tokens_total" + label] - before == 7, "generated tokens are counted")
    check(v2["vllm:num_requests_running" + label] == 0, "no request runs when all are answered")
    check(v2["vllm:kv_cache_usage_perc" + label] == 0, "no KV block is held when all are answered")
    # A stream the client abandons frees its slot.
    # (240 tokens take over a second to generate; the slot must be free well before.)
    st = c.completions.create(model=name, prompt="Once upon a time,", max_tokens=240, temperature=0, stream=True)
    next(iter(st))
    st.close()
    deadline = time.time() + 0.5
    while time.time() < deadline:
        _, v3 = metrics(s)
        if v3["vllm:num_requests_running" + label] == 0:
            break
        time.sleep(0.1)
    check(v3["vllm:num_requests_running" + label] == 0, "a cancelled stream frees its slot at once")


def test_prefix_cache(s, name):
    c = openai.OpenAI(base_url=s.url + "/v1", api_key="none")
    label = f'{{model_name="{name}"}}'
    system = ("You are a helpful assistant for a museum of natural history. You answer visitors' "
              "questions about the exhibits, the opening hours and the cafe, briefly and kindly.")
    _, before = metrics(s)
    answers = []
    for q in ["Where are the dinosaurs?", "When do you open?", "Is there a cafe?"]:
        r = c.chat.completions.create(model=name, messages=[{"role": "system", "content": system},
                                                            {"role": "user", "content": q}],
                                      max_tokens=8, temperature=0)
        answers.append(r.choices[0].message.content)
    _, after = metrics(s)
    hits = after["vllm:prefix_cache_hits_total" + label] - before["vllm:prefix_cache_hits_total" + label]
    check(hits >= 32, f"a repeated system prompt is read from the prefix cache ({hits:.0f} prompt tokens)")
    check(all(len(a) > 0 for a in answers), "answers with prefix-cached prompts")


def test_preemption(model, name, alone):
    # Too few KV blocks for 8 concurrent requests: some are preempted and recomputed,
    # and every output is still the request's own; with speculative decoding on, which
    # keeps drafted tokens only where they are the model's own choice.
    s = Server(model, "--kv-cache-blocks", "20", "--max-batch-size", "8", "--speculative", "ngram")
    try:
        c = openai.OpenAI(base_url=s.url + "/v1", api_key="none")
        prompts = list(alone)

        def one(p):
            return c.completions.create(model=name, prompt=p, max_tokens=40, temperature=0).choices[0].text

        with concurrent.futures.ThreadPoolExecutor(8) as ex:
            together = list(ex.map(one, prompts))
        _, v = metrics(s)
        pre = v[f'vllm:num_preemptions_total{{model_name="{name}"}}']
        check(pre > 0, f"requests are preempted when the KV cache is full ({pre:.0f} preemptions)")
        check(together == [alone[p] for p in prompts],
              "preempted requests, with speculative decoding, give the same output as alone")
        kept = v[f'vllm:spec_decode_num_accepted_tokens_total{{model_name="{name}"}}']
        check(kept > 0, f"speculative decoding keeps drafted tokens ({kept:.0f})")
    finally:
        s.close()


def test_errors(s, name):
    status, body = raw(s.url + "/v1/completions", b"{not json")
    check(status == 400 and body["error"]["type"] == "invalid_request_error", "malformed JSON is a 400 with an error body")
    c = openai.OpenAI(base_url=s.url + "/v1", api_key="none")
    for what, kwargs, exc in [
        ("an unknown model", dict(model="gpt-4", prompt="hi"), openai.NotFoundError),
        ("a prompt longer than the context", dict(model=name, prompt="word " * 400), openai.BadRequestError),
        ("temperature 5", dict(model=name, prompt="hi", temperature=5), openai.BadRequestError),
        ("max_tokens 0", dict(model=name, prompt="hi", max_tokens=0), openai.BadRequestError),
        ("presence_penalty 3", dict(model=name, prompt="hi", presence_penalty=3), openai.BadRequestError),
    ]:
        try:
            c.completions.create(**kwargs)
            check(False, f"{what} is refused")
        except exc as e:
            check(e.status_code in (400, 404) and "message" in e.body, f"{what} is a {e.status_code} with a message")
    status, body = raw(s.url + "/detokenize", json.dumps({"tokens": ["a", 1]}).encode())
    check(status == 400 and body["error"]["param"] == "tokens", "/detokenize refuses a list that is not all ids")
    status, _ = raw(s.url + "/v1/nowhere", b"{}")
    check(status == 404, "an unknown endpoint is a 404")


def test_logprobs(s, name, model):
    c = openai.OpenAI(base_url=s.url + "/v1", api_key="none")
    # Completions: against the numpy reference's log-softmax of the first token's logits.
    r = c.completions.create(model=name, prompt="Once upon a time,", max_tokens=4, temperature=0, logprobs=5)
    lp = r.choices[0].logprobs
    check("".join(lp.tokens) == r.choices[0].text and len(lp.token_logprobs) == 4,
          "completions: the log-probabilities' tokens make the text")
    check(lp.text_offset == [sum(len(t) for t in lp.tokens[:i]) for i in range(4)], "completions: text offsets")
    try:
        import numpy as np
        sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "model"))
        import ref
        g = ref.Gguf(model)
        logits = ref.Llama(g).forward(ref.Tokenizer(g).encode("Once upon a time,"))[-1].astype(np.float64)
        want = logits - (logits.max() + np.log(np.exp(logits - logits.max()).sum()))
        tok = ref.Tokenizer(g)
        top = sorted(range(len(want)), key=lambda i: -want[i])[:5]
        got = lp.top_logprobs[0]
        names = [tok.decode([i]) for i in top]
        err = max(abs(got[n] - want[i]) for n, i in zip(names, top))
        check(set(got) == set(names) and err < 0.01 and abs(lp.token_logprobs[0] - want[top[0]]) < 0.01,
              f"completions: the top 5 log-probabilities match the reference (largest difference {err:.1e})")
    except ImportError:
        print("SKIPPED the reference log-probabilities (no numpy)")
    # Chat: the chosen token is the most likely at temperature 0; alternatives in order.
    r = c.chat.completions.create(model=name, messages=[{"role": "user", "content": "Say hello"}],
                                  max_tokens=6, temperature=0, logprobs=True, top_logprobs=3)
    content = r.choices[0].logprobs.content
    check("".join(e.token for e in content) == r.choices[0].message.content and len(content) == r.usage.completion_tokens,
          "chat: one entry per token, making the text")
    check(all(len(e.top_logprobs) == 3 and e.top_logprobs[0].token == e.token
              and e.top_logprobs[0].logprob == e.logprob and e.logprob <= 0
              and [t.logprob for t in e.top_logprobs] == sorted((t.logprob for t in e.top_logprobs), reverse=True)
              and bytes(e.bytes).decode("utf-8", "replace") == e.token for e in content),
          "chat: greedy tokens are their first alternative; alternatives most likely first")
    pieces = []
    for ch in c.chat.completions.create(model=name, messages=[{"role": "user", "content": "Say hello"}], max_tokens=6,
                                        temperature=0, logprobs=True, stream=True):
        if ch.choices and ch.choices[0].logprobs:
            pieces += [e.token for e in ch.choices[0].logprobs.content]
    check("".join(pieces) == r.choices[0].message.content, "chat: streamed log-probabilities arrive with their text")
    plain = c.chat.completions.create(model=name, messages=[{"role": "user", "content": "Say hello"}], max_tokens=2)
    check(plain.choices[0].logprobs is None, "no log-probabilities unless asked")
    for what, kwargs in [("top_logprobs without logprobs", dict(top_logprobs=2)),
                         ("top_logprobs 21", dict(logprobs=True, top_logprobs=21))]:
        try:
            c.chat.completions.create(model=name, messages=[{"role": "user", "content": "hi"}], **kwargs)
            check(False, f"{what} is refused")
        except openai.BadRequestError as e:
            check(e.status_code == 400 and "message" in e.body, f"{what} is a 400 with a message")


def test_options(model, name):
    # The KV cache from a fraction of the available memory, on the CPU device.
    avail = next(int(l.split()[1]) * 1024 for l in open("/proc/meminfo") if l.startswith("MemAvailable:"))
    s = Server(model, "--kv-cache-memory-fraction", "0.01", "--device", "cpu")
    try:
        c = openai.OpenAI(base_url=s.url + "/v1", api_key="none")
        r = c.completions.create(model=name, prompt="Once upon a time,", max_tokens=3, temperature=0)
        check(r.choices[0].text == " the city of", "a server with its KV cache sized by memory fraction answers")
    finally:
        s.close()
    log = s.proc.stderr.read().decode()
    mib = [int(l.split("(")[1].split()[0]) for l in log.splitlines() if "KV cache of" in l]
    check(len(mib) == 1 and abs(mib[0] * 2**20 - 0.01 * avail) < 0.1 * 0.01 * avail + 2**20,
          f"--kv-cache-memory-fraction 0.01 gives the KV cache {mib} MiB of {avail / 2**20:.0f} MiB available")
    r = subprocess.run([MJ, "serve", "--model", model, "--kv-cache-memory-fraction", "1.5"], capture_output=True, text=True)
    check(r.returncode != 0 and "at most 1" in r.stderr, "a memory fraction above 1 is refused")
    r = subprocess.run([MJ, "serve", "--model", model, "--device", "cuda", "--port", str(free_port())],
                       capture_output=True, text=True, timeout=60)
    check(r.returncode != 0 and "`--device cuda`" in r.stderr and "panicked" not in r.stderr,
          f"--device cuda says why it does not serve: {r.stderr.strip()[:90]!r}")


def test_auth(model, name):
    s = Server(model, "--api-key", "sekret")
    try:
        status, body = raw(s.url + "/v1/completions", json.dumps({"model": name, "prompt": "hi"}).encode())
        check(status == 401 and "error" in body, "without the API key: 401")
        c = openai.OpenAI(base_url=s.url + "/v1", api_key="sekret")
        r = c.completions.create(model=name, prompt="hi", max_tokens=2)
        check(len(r.choices) == 1, "with the API key: answered")
    finally:
        s.close()


def main():
    model = sys.argv[1]
    name = os.path.splitext(os.path.basename(model))[0]
    s = Server(model, "--enable-prefix-caching")
    try:
        test_basic(s, name)
        test_concurrency(s, name)
        test_metrics(s, name)
        test_prefix_cache(s, name)
        test_errors(s, name)
        test_logprobs(s, name, model)
        c = openai.OpenAI(base_url=s.url + "/v1", api_key="none")
        alone = {}
        for i in range(7):
            p = f"Chapter {i + 1}. The old lighthouse keeper"
            alone[p] = c.completions.create(model=name, prompt=p, max_tokens=40, temperature=0).choices[0].text
        p = "The cat sat on the mat. The cat sat on the mat. The cat sat on the"
        alone[p] = c.completions.create(model=name, prompt=p, max_tokens=40, temperature=0).choices[0].text
    finally:
        s.close()
    test_preemption(model, name, alone)
    test_options(model, name)
    test_auth(model, name)
    if failures:
        print(f"{len(failures)} server test(s) failed")
        sys.exit(1)
    print("server tests: all passed")


if __name__ == "__main__":
    main()
