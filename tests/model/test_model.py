"""End-to-end tests of the model code (`stdlib/llm/`) against the numpy oracle
(`ref.py`), through `mj run tests/model/probe.mj` and `mj generate`:

- the GGUF reader and the dequantization/dot kernels of every supported type, on
  synthetic files with random blocks; damaged and unsupported files give clear errors;
- the tokenizer: ids of ASCII, digits, whitespace runs, punctuation, accented and CJK
  text and emoji equal the oracle's, decoding gives the text back, and "Once upon a
  time," is [6403, 1980, 253, 655, 28];
- logits after several prompts match the oracle's within a tolerance, on the exact path
  (weights dequantized to float32) and on the quantized kernels;
- greedy generation from "Once upon a time," starts with the model's known ids.

    MJ_BIN=target/release/mj PYTHONPATH=target/py python3 tests/model/test_model.py MODEL
"""

import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import ref  # noqa: E402

MJ = os.environ.get("MJ_BIN", "target/release/mj")
PROBE = os.path.join(os.path.dirname(__file__), "probe.mj")
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


def mj(*args, ok=True):
    r = subprocess.run([MJ, *args], capture_output=True, text=True)
    if ok and r.returncode != 0:
        raise SystemExit(f"`mj {' '.join(args)}` failed:\n{r.stderr}")
    return r


def probe(*args, ok=True):
    return mj("run", PROBE, *args, ok=ok)


def test_kernels(tmp):
    rng = np.random.default_rng(int.from_bytes(os.urandom(4), "little"))
    types = [ref.GGML_F32, ref.GGML_F16, ref.GGML_BF16, ref.GGML_Q8_0, ref.GGML_Q4_0, ref.GGML_Q4_1,
             ref.GGML_Q5_0, ref.GGML_Q4_K, ref.GGML_Q6_K]
    tensors = []
    for t in types:
        per = ref.BLOCKS[t][0] if ref.BLOCKS[t][0] > 1 else 32
        # Some matrices of 16 and 32 rows, so that the tiled kernels run.
        rows = 32 if t in (ref.GGML_Q8_0, ref.GGML_Q4_0, ref.GGML_Q4_1) else int(rng.choice([1, 3, 16]))
        cols = per * int(rng.integers(1, 5))
        tensors.append((f"t{t}", [cols, rows], t, ref.random_blocks(rng, t, rows * cols)))
    meta = [("test.u8", ref.U8, 200), ("test.i8", ref.I8, -5), ("test.u16", ref.U16, 60000),
            ("test.i16", ref.I16, -300), ("test.u32", ref.U32, 4000000000), ("test.i32", ref.I32, -7),
            ("test.u64", ref.U64, 1 << 40), ("test.i64", ref.I64, -(1 << 40)), ("test.f32", ref.F32, 0.5),
            ("test.f64", ref.F64, 0.25), ("test.bool", ref.BOOL, True), ("test.str", ref.STR, "héllo"),
            ("test.strs", ref.ARR, (ref.STR, ["a", "bc"])), ("test.ints", ref.ARR, (ref.I32, [1, -2, 3])),
            ("test.floats", ref.ARR, (ref.F32, [1.5, 2.5]))]
    path = os.path.join(tmp, "kernels.gguf")
    ref.write_gguf(path, tensors, meta)
    out = probe("tensors", path).stdout.splitlines()
    g = ref.Gguf(path)
    i = 0
    for name, dims, t, raw in tensors:
        head = out[i].split()
        i += 1
        want = g.tensor(name).reshape(dims[1], dims[0])
        got = np.array([[float(v) for v in out[i + r].split()] for r in range(dims[1])], dtype=np.float32)
        i += dims[1]
        dots = np.array([float(v) for v in out[i].split()], dtype=np.float32)
        idots = np.array([float(v) for v in out[i + 1].split()], dtype=np.float32)
        tdots, tb0, tb1 = (np.array([float(v) for v in out[i + k].split()], dtype=np.float32) for k in (2, 3, 4))
        i += 5
        x = (np.arange(dims[0]) % 7).astype(np.float32) / np.float32(10) - np.float32(0.3)
        want_dots = want.astype(np.float64) @ x.astype(np.float64)
        check(head[0] == name and int(head[2]) == dims[1] and int(head[3]) == dims[0],
              f"tensor info of {head[1]} ({dims[1]}x{dims[0]})")
        check(np.array_equal(got, want), f"dequantize {head[1]} equals the reference")
        tol = 1e-4 * (np.abs(want).sum(axis=1) + 1)
        check(bool(np.all(np.abs(dots - want_dots) <= tol)), f"dot products of {head[1]} within {tol.max():.2g}")
        # With x in 16 bits (the integer kernels): within the rounding of x (|x| <= 0.3).
        itol = 0.3 / 32767 * np.abs(want).sum(axis=1) + 1e-4
        check(bool(np.all(np.abs(idots - want_dots) <= itol)),
              f"integer-kernel dot products of {head[1]} within {itol.max():.2g}")
        check(bool(np.all(np.abs(tdots - want_dots) <= itol)),
              f"tiled-kernel dot products of {head[1]} ({dims[1]} rows) within {itol.max():.2g}")
        check(np.array_equal(tb0, tdots) and bool(np.all(np.abs(tb1 + want_dots) <= itol)),
              f"tiled kernels of {head[1]}: a batch of two gives each vector's own result")
    # Damaged and unsupported files.
    data = open(path, "rb").read()
    cases = [("truncated.gguf", data[: len(data) // 2], "truncated"),
             ("magic.gguf", b"GGUX" + data[4:], "not a GGUF file"),
             ("version.gguf", data[:4] + (9).to_bytes(4, "little") + data[8:], "version 9"),
             ("short.gguf", data[:6], "too short")]
    for fname, raw, want in cases:
        p = os.path.join(tmp, fname)
        open(p, "wb").write(raw)
        r = probe("info", p, ok=False)
        check(r.returncode == 1 and want in r.stderr and "panicked" not in r.stderr,
              f"{fname}: a clear error mentioning `{want}`")
    iq = os.path.join(tmp, "iq4.gguf")
    ref.write_gguf(iq, [("w", [256, 1], 20, bytes(136))])
    r = probe("tensors", iq, ok=False)
    check(r.returncode == 1 and "type 20 is not supported" in r.stderr, "an unsupported tensor type is named")


TEXTS = ["Once upon a time,", "Hello, world! It's 2024: 3.14159 and 1,000,000 apples.",
         "  leading spaces,   runs   of spaces\tand\ttabs\n\nnew lines  \n",
         "Punctuation!?... (brackets) [x] {y} <z> \"quotes\" 'single' -- dashes; colons: @#$%^&*",
         "Café, naïve, façade, Ångström, São Paulo, Zürich", "東京は日本の首都です。中文测试",
         "Emoji: 😀🎉👍🏽 and ❤️", "I'm you're he'll we've they'd IT'S",
         "<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\n", "x" * 50 + " " + "1234567890"]


def test_tokenizer(model, tmp):
    tok = ref.Tokenizer(ref.Gguf(model))
    p = os.path.join(tmp, "texts.txt")
    with open(p, "w") as f:
        f.write("\0".join(TEXTS))
    out = probe("tokens", model, p).stdout.splitlines()
    for text, line in zip(TEXTS, out):
        got = [int(x) for x in line.split(",")] if line else []
        check(got == tok.encode(text), f"tokens of {text[:30]!r}")
    check(out[len(TEXTS)] == "roundtrip ok", "decoding gives every text back")
    check(out[0] == "6403,1980,253,655,28", "\"Once upon a time,\" is [6403, 1980, 253, 655, 28]")


def test_streaming_text(model):
    # An emoji is several tokens: the streamed text holds its bytes back until the
    # character is whole, and never prints a replacement character in between.
    tok = ref.Tokenizer(ref.Gguf(model))
    ids = tok.encode("ok 😀🎉 done")
    out = probe("detok", model, ",".join(map(str, ids))).stdout.splitlines()
    pieces = [eval(line) for line in out]
    check("".join(pieces) == "ok 😀🎉 done" and all("\ufffd" not in p for p in pieces),
          f"streamed text is whole characters: {pieces}")
    check(any(p == "" for p in pieces[:-1]), "a token inside a character gives no text yet")
    chat = probe("chat", model, "", "Hi").stdout
    want = ("<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face"
            "<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
    check(chat == want, "the ChatML prompt follows the model's template")


def test_logits(model):
    g = ref.Gguf(model)
    llama = ref.Llama(g)
    tok = ref.Tokenizer(g)
    for prompt in ["Once upon a time,", "The capital of France is", "def fib(n):"]:
        ids = tok.encode(prompt)
        want = llama.forward(ids)[-1]
        scale = np.abs(want).max()
        # The quantized path rounds activations to 16 bits: a looser tolerance.
        for path, tol in [("exact", 1e-4), ("quant", 1e-3)]:
            out = probe("logits", model, path, ",".join(map(str, ids))).stdout.split()
            got = np.array([float(v) for v in out], dtype=np.float32)
            err = np.abs(got - want).max() / scale
            check(got.shape == want.shape and err <= tol and got.argmax() == want.argmax(),
                  f"{path} logits after {prompt!r}: max error {err:.2e} of the largest (tolerance {tol})")


def test_block_formats_in_a_model(tmp):
    # Random models whose matrices are each block format: the whole forward pass of
    # `llm.llama` against the oracle's.
    rng = np.random.default_rng(int.from_bytes(os.urandom(4), "little"))
    ids = [int(t) for t in rng.integers(0, 512, 6)]
    for t in [ref.GGML_Q4_1, ref.GGML_Q4_0, ref.GGML_Q8_0, ref.GGML_Q5_0, ref.GGML_Q4_K, ref.GGML_Q6_K, ref.GGML_F16]:
        path = os.path.join(tmp, f"synthetic-{t}.gguf")
        ref.synthetic_llama(path, rng, t)
        want = ref.Llama(ref.Gguf(path)).forward(ids)[-1]
        scale = np.abs(want).max()
        for kind, tol in [("exact", 1e-4), ("quant", 1e-3)]:
            out = probe("logits", path, kind, ",".join(map(str, ids))).stdout.split()
            got = np.array([float(v) for v in out], dtype=np.float32)
            err = np.abs(got - want).max() / scale
            check(got.shape == want.shape and err <= tol,
                  f"{kind} logits of a model of type {t}: max error {err:.2e} (tolerance {tol})")


def test_batch(model):
    tok = ref.Tokenizer(ref.Gguf(model))
    a = tok.encode("Once upon a time, in a land far away,")
    b = tok.encode("The capital of France is")
    worst = float(probe("batch", model, ",".join(map(str, a)), ",".join(map(str, b))).stdout)
    check(worst <= 1e-3, f"a batch of two sequences at different positions gives their logits (largest difference {worst:.2e})")


def test_engine(model):
    out = probe("engine", model).stdout
    check(out.startswith("engine ok"), "requests served together (continuous batching, chunked prompts, a "
          f"cancellation) give each one's output alone: {out.strip()[:300]}")


def test_generate(model):
    r = mj("generate", "--model", model, "--prompt", "Once upon a time,", "--temperature", "0",
           "--max-tokens", "10", "--print-token-ids")
    ids = [int(x) for x in r.stdout.strip().strip("[]").split(",")]
    check(ids[:5] == [260, 2240, 282, 23324, 27108], f"greedy ids start with the model's: {ids}")
    check("tokens/s" in r.stderr, "tokens/s on standard error")
    # The same forward pass through the GPU kernels (llm.gpu) on the CPU device.
    r = mj("generate", "--model", model, "--prompt", "Once upon a time,", "--temperature", "0",
           "--max-tokens", "5", "--print-token-ids", "--device", "cpu")
    ids = [int(x) for x in r.stdout.strip().strip("[]").split(",")]
    check(ids == [260, 2240, 282, 23324, 27108], f"greedy ids through the GPU kernels on the CPU device: {ids}")
    r = mj("generate", "--model", model, "--prompt", "Hi", "--max-tokens", "2", "--device", "cuda", ok=False)
    if r.returncode != 0:
        check("CUDA" in r.stderr and "panicked" not in r.stderr, "--device cuda without a GPU is a clear error")
    # Speculative decoding (prompt lookup) keeps the greedy output, and drafts accepted.
    story = "The history of the city begins in the early middle ages, when a small settlement grew."
    args = ["generate", "--model", model, "--prompt", story, "--temperature", "0", "--max-tokens", "64",
            "--print-token-ids", "--ignore-eos"]
    plain = mj(*args).stdout
    spec = mj(*args, "--speculative", "ngram").stdout
    check(plain == spec and len(plain) > 100, "--speculative ngram gives the same greedy tokens")
    r = mj("generate", "--model", model, "--prompt", "Hi", "--max-tokens", "5", "--seed", "7")
    r2 = mj("generate", "--model", model, "--prompt", "Hi", "--max-tokens", "5", "--seed", "7")
    check(r.stdout == r2.stdout and len(r.stdout.strip()) > 0, "the same seed gives the same text")
    r = mj("generate", "--model", model, "--prompt", "Hi", "--bogus", ok=False)
    check(r.returncode == 1 and "unknown option `--bogus`" in r.stderr, "an unknown option is an error")


def main():
    model = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        test_kernels(tmp)
        test_tokenizer(model, tmp)
        test_streaming_text(model)
        test_logits(model)
        test_block_formats_in_a_model(tmp)
        test_batch(model)
        test_engine(model)
        test_generate(model)
    if failures:
        print(f"{len(failures)} model test(s) failed")
        sys.exit(1)
    print("model tests: all passed")


if __name__ == "__main__":
    main()
