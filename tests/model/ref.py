"""A plain Python + numpy reference for the model code of `stdlib/llm/`: a GGUF v3 reader,
dequantization (F32, F16, BF16, Q8_0, Q4_0, Q4_1), the byte-level BPE tokenizer with the
`smollm` pre-tokenizer, and the llama forward pass in float32 over dequantized weights.
It is the tests' oracle (tests/model/), written from the format's description in
`../shared/design/models.md`, independent of the mj code.

    python3 tests/model/ref.py MODEL.gguf tokens "Once upon a time,"
    python3 tests/model/ref.py MODEL.gguf generate "Once upon a time," 10
    python3 tests/model/ref.py MODEL.gguf logits 6403,1980 OUT.npy
"""

import struct
import sys

import numpy as np

# GGUF metadata value types.
U8, I8, U16, I16, U32, I32, F32, BOOL, STR, ARR, U64, I64, F64 = range(13)
SCALAR = {U8: "<B", I8: "<b", U16: "<H", I16: "<h", U32: "<I", I32: "<i", F32: "<f",
          BOOL: "<?", U64: "<Q", I64: "<q", F64: "<d"}
# Tensor types: (elements per block, bytes per block).
GGML_F32, GGML_F16, GGML_Q4_0, GGML_Q4_1, GGML_Q8_0, GGML_BF16 = 0, 1, 2, 3, 8, 30
GGML_Q5_0, GGML_Q4_K, GGML_Q6_K = 6, 12, 14
BLOCKS = {GGML_F32: (1, 4), GGML_F16: (1, 2), GGML_BF16: (1, 2), GGML_Q4_0: (32, 18),
          GGML_Q4_1: (32, 20), GGML_Q8_0: (32, 34), GGML_Q5_0: (32, 22),
          GGML_Q4_K: (256, 144), GGML_Q6_K: (256, 210)}


class Gguf:
    def __init__(self, path):
        self.data = np.memmap(path, dtype=np.uint8, mode="r")
        self.pos = 0
        magic = bytes(self.data[:4])
        assert magic == b"GGUF", "not a GGUF file"
        self.pos = 4
        self.version = self.scalar(U32)
        n_tensors = self.scalar(U64)
        n_kv = self.scalar(U64)
        self.meta = {}
        for _ in range(n_kv):
            key = self.string()
            self.meta[key] = self.value(self.scalar(U32))
        self.tensors = {}
        for _ in range(n_tensors):
            name = self.string()
            dims = [self.scalar(U64) for _ in range(self.scalar(U32))]
            ttype = self.scalar(U32)
            offset = self.scalar(U64)
            self.tensors[name] = (dims, ttype, offset)
        align = self.meta.get("general.alignment", 32)
        self.base = (self.pos + align - 1) // align * align

    def scalar(self, t):
        fmt = SCALAR[t]
        n = struct.calcsize(fmt)
        v = struct.unpack(fmt, bytes(self.data[self.pos:self.pos + n]))[0]
        self.pos += n
        return v

    def string(self):
        n = self.scalar(U64)
        s = bytes(self.data[self.pos:self.pos + n]).decode("utf-8", errors="replace")
        self.pos += n
        return s

    def value(self, t):
        if t == STR:
            return self.string()
        if t == ARR:
            et = self.scalar(U32)
            n = self.scalar(U64)
            return [self.value(et) for _ in range(n)]
        return self.scalar(t)

    def tensor(self, name):
        """The tensor as float32, shaped (rows, cols) with cols = dims[0]."""
        dims, ttype, offset = self.tensors[name]
        n = int(np.prod(dims))
        per, size = BLOCKS[ttype]
        start = self.base + offset
        raw = self.data[start:start + n // per * size]
        flat = dequantize(raw, ttype, n)
        return flat.reshape(list(reversed(dims))) if len(dims) > 1 else flat


def dequantize(raw, ttype, n):
    raw = np.asarray(raw)
    if ttype == GGML_F32:
        return raw.view(np.float32)[:n].copy()
    if ttype == GGML_F16:
        return raw.view(np.float16)[:n].astype(np.float32)
    if ttype == GGML_BF16:
        return (raw.view(np.uint16)[:n].astype(np.uint32) << 16).view(np.float32)
    nb = n // 32
    if ttype == GGML_Q8_0:
        b = raw[:nb * 34].reshape(nb, 34)
        d = b[:, :2].copy().view(np.float16).astype(np.float32)
        q = b[:, 2:].copy().view(np.int8).astype(np.float32)
        return (q * d).reshape(n)
    if ttype in (GGML_Q4_0, GGML_Q4_1):
        size = 18 if ttype == GGML_Q4_0 else 20
        b = raw[:nb * size].reshape(nb, size)
        d = b[:, :2].copy().view(np.float16).astype(np.float32)
        nib = b[:, size - 16:]
        q = np.concatenate([nib & 0x0F, nib >> 4], axis=1).astype(np.float32)
        if ttype == GGML_Q4_0:
            return ((q - 8) * d).reshape(n)
        m = b[:, 2:4].copy().view(np.float16).astype(np.float32)
        return (q * d + m).reshape(n)
    if ttype == GGML_Q5_0:
        b = raw[:nb * 22].reshape(nb, 22)
        d = b[:, :2].copy().view(np.float16).astype(np.float32)
        qh = b[:, 2:6].copy().view(np.uint32).astype(np.int64)
        qs = b[:, 6:].astype(np.int64)
        bits = (qh >> np.arange(32)) & 1
        q = np.concatenate([qs & 0x0F, qs >> 4], axis=1) | (bits << 4)
        return ((q - 16) * d).astype(np.float32).reshape(n)
    if ttype == GGML_Q4_K:
        nb = n // 256
        b = raw[:nb * 144].reshape(nb, 144)
        d = b[:, 0:2].copy().view(np.float16).astype(np.float32)
        dmin = b[:, 2:4].copy().view(np.float16).astype(np.float32)
        sc = b[:, 4:16].astype(np.int64)
        qs = b[:, 16:].astype(np.int64)
        scales = np.zeros((nb, 8), np.int64)
        mins = np.zeros((nb, 8), np.int64)
        for j in range(8):
            if j < 4:
                scales[:, j] = sc[:, j] & 63
                mins[:, j] = sc[:, j + 4] & 63
            else:
                scales[:, j] = (sc[:, j + 4] & 0xF) | ((sc[:, j - 4] >> 6) << 4)
                mins[:, j] = (sc[:, j + 4] >> 4) | ((sc[:, j] >> 6) << 4)
        out = np.zeros((nb, 256), np.float32)
        for g in range(4):
            q = qs[:, 32 * g:32 * g + 32]
            for k, part in enumerate((q & 0xF, q >> 4)):
                j = 2 * g + k
                out[:, 64 * g + 32 * k:64 * g + 32 * k + 32] = (
                    d * scales[:, j:j + 1] * part - dmin * mins[:, j:j + 1])
        return out.reshape(n)
    if ttype == GGML_Q6_K:
        nb = n // 256
        b = raw[:nb * 210].reshape(nb, 210)
        ql = b[:, :128].astype(np.int64)
        qh = b[:, 128:192].astype(np.int64)
        sc = b[:, 192:208].copy().view(np.int8).astype(np.float32)
        d = b[:, 208:210].copy().view(np.float16).astype(np.float32)
        out = np.zeros((nb, 256), np.float32)
        for half in range(2):
            l0 = ql[:, 64 * half:64 * half + 64]
            h0 = qh[:, 32 * half:32 * half + 32]
            s0 = sc[:, 8 * half:8 * half + 8]
            for l in range(32):
                i = l // 16
                q1 = ((l0[:, l] & 0xF) | (((h0[:, l] >> 0) & 3) << 4)) - 32
                q2 = ((l0[:, l + 32] & 0xF) | (((h0[:, l] >> 2) & 3) << 4)) - 32
                q3 = ((l0[:, l] >> 4) | (((h0[:, l] >> 4) & 3) << 4)) - 32
                q4 = ((l0[:, l + 32] >> 4) | (((h0[:, l] >> 6) & 3) << 4)) - 32
                o = 128 * half
                out[:, o + l] = d[:, 0] * s0[:, i] * q1
                out[:, o + l + 32] = d[:, 0] * s0[:, i + 2] * q2
                out[:, o + l + 64] = d[:, 0] * s0[:, i + 4] * q3
                out[:, o + l + 96] = d[:, 0] * s0[:, i + 6] * q4
        return out.reshape(n)
    raise ValueError(f"unsupported tensor type {ttype}")


def random_blocks(rng, ttype, n):
    """Raw bytes of `n` weights of type `ttype` with random contents (finite scales)."""
    if ttype == GGML_F32:
        return rng.standard_normal(n).astype(np.float32).tobytes()
    if ttype == GGML_F16:
        return rng.standard_normal(n).astype(np.float16).tobytes()
    if ttype == GGML_BF16:
        return (rng.standard_normal(n).astype(np.float32).view(np.uint32) >> 16).astype(np.uint16).tobytes()
    if ttype in (GGML_Q4_K, GGML_Q6_K):
        out = bytearray()
        for _ in range(n // 256):
            d = np.float16(rng.uniform(0.001, 0.05)).tobytes()
            if ttype == GGML_Q4_K:
                dmin = np.float16(rng.uniform(0.001, 0.05)).tobytes()
                out += d + dmin + rng.integers(0, 256, 140, dtype=np.uint8).tobytes()
            else:
                out += rng.integers(0, 256, 192, dtype=np.uint8).tobytes()
                out += rng.integers(-64, 64, 16, dtype=np.int8).tobytes() + d
        return bytes(out)
    nb = n // 32
    out = bytearray()
    for _ in range(nb):
        d = np.float16(rng.uniform(0.001, 0.1)).tobytes()
        if ttype == GGML_Q5_0:
            out += d + rng.integers(0, 256, 20, dtype=np.uint8).tobytes()
            continue
        if ttype == GGML_Q8_0:
            out += d + rng.integers(-128, 128, 32, dtype=np.int8).tobytes()
        elif ttype == GGML_Q4_0:
            out += d + rng.integers(0, 256, 16, dtype=np.uint8).tobytes()
        else:
            m = np.float16(rng.uniform(-0.5, 0.5)).tobytes()
            out += d + m + rng.integers(0, 256, 16, dtype=np.uint8).tobytes()
    return bytes(out)


def write_gguf(path, tensors, meta=None, alignment=32, version=3):
    """A GGUF file of `tensors` ((name, dims, type, raw bytes)) and metadata `meta`
    ((key, type, value)); strings and arrays as the format stores them."""
    def pack(t, v):
        if t == STR:
            b = v.encode()
            return struct.pack("<Q", len(b)) + b
        if t == ARR:
            et, vals = v
            return struct.pack("<IQ", et, len(vals)) + b"".join(pack(et, x) for x in vals)
        return struct.pack(SCALAR[t], v)
    meta = list(meta or []) + [("general.alignment", U32, alignment)]
    out = bytearray(b"GGUF" + struct.pack("<IQQ", version, len(tensors), len(meta)))
    for k, t, v in meta:
        out += pack(STR, k) + struct.pack("<I", t) + pack(t, v)
    offset = 0
    offsets = []
    for name, dims, t, raw in tensors:
        offsets.append(offset)
        out += pack(STR, name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims)
        out += struct.pack("<IQ", t, offset)
        offset += (len(raw) + alignment - 1) // alignment * alignment
    out += b"\0" * ((-len(out)) % alignment)
    for (name, dims, t, raw), off in zip(tensors, offsets):
        out += raw + b"\0" * ((-len(raw)) % alignment)
    with open(path, "wb") as f:
        f.write(out)


def synthetic_llama(path, rng, matrix_type, embed_type=GGML_Q8_0, layers=2):
    """A small llama model with random weights of `matrix_type` (dim 256, 4 heads of 64,
    2 KV heads, FFN 512, vocabulary 512), for testing block formats on a whole forward
    pass."""
    dim, ffn, vocab = 256, 512, 512
    tensors = [("token_embd.weight", [dim, vocab], embed_type, random_blocks(rng, embed_type, dim * vocab)),
               ("output_norm.weight", [dim], GGML_F32, rng.uniform(0.5, 1.5, dim).astype(np.float32).tobytes())]
    shapes = {"attn_q": (dim, dim), "attn_k": (dim, 128), "attn_v": (dim, 128), "attn_output": (dim, dim),
              "ffn_gate": (dim, ffn), "ffn_up": (dim, ffn), "ffn_down": (ffn, dim)}
    for i in range(layers):
        for name, (cols, rows) in shapes.items():
            tensors.append((f"blk.{i}.{name}.weight", [cols, rows], matrix_type,
                            random_blocks(rng, matrix_type, cols * rows)))
        for name in ("attn_norm", "ffn_norm"):
            tensors.append((f"blk.{i}.{name}.weight", [dim], GGML_F32,
                            rng.uniform(0.5, 1.5, dim).astype(np.float32).tobytes()))
    meta = [("general.architecture", STR, "llama"), ("llama.block_count", U32, layers),
            ("llama.embedding_length", U32, dim), ("llama.feed_forward_length", U32, ffn),
            ("llama.attention.head_count", U32, 4), ("llama.attention.head_count_kv", U32, 2),
            ("llama.context_length", U32, 64), ("llama.rope.freq_base", F32, 10000.0),
            ("llama.attention.layer_norm_rms_epsilon", F32, 1e-5)]
    write_gguf(path, tensors, meta)


# --- Tokenizer -------------------------------------------------------------------------

def byte_alphabet():
    """GPT-2's map from bytes to printable characters."""
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    chars = keep[:]
    extra = 0
    for b in range(256):
        if b not in keep:
            keep.append(b)
            chars.append(256 + extra)
            extra += 1
    return {b: chr(c) for b, c in zip(keep, chars)}


def pretokenize(text):
    """The `smollm` pre-tokenizer: every digit alone, then GPT-2's pattern
    `'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+`."""
    out = []
    i, n = 0, len(text)

    def is_letter(c):
        return c.isalpha()

    def is_number(c):
        return c.isnumeric()

    while i < n:
        c = text[i]
        if is_number(c):
            # Digits are split one by one before the GPT-2 pattern sees them.
            out.append(c)
            i += 1
            continue
        if c == "'" and i + 1 < n:
            for suf in ("s", "t", "re", "ve", "m", "ll", "d"):
                if text.startswith(suf, i + 1):
                    out.append("'" + suf)
                    i += 1 + len(suf)
                    break
            else:
                suf = None
            if suf is not None:
                continue
        j = i
        if c == " " and i + 1 < n and not text[i + 1].isspace():
            j = i + 1
        d = text[j]
        if is_letter(d):
            k = j
            while k < n and is_letter(text[k]):
                k += 1
            out.append(text[i:k])
            i = k
            continue
        if is_number(d):
            # (a space before a digit: the space is its own piece, the digit alone)
            if j > i:
                out.append(text[i:j])
                i = j
            continue
        if not d.isspace():
            k = j
            while k < n and not (text[k].isspace() or is_letter(text[k]) or is_number(text[k])):
                k += 1
            out.append(text[i:k])
            i = k
            continue
        # Whitespace: a run, leaving its last character for a following non-space.
        k = i
        while k < n and text[k].isspace():
            k += 1
        if k < n and k - i > 1:
            out.append(text[i:k - 1])
            i = k - 1
        else:
            out.append(text[i:k])
            i = k
    return out


class Tokenizer:
    def __init__(self, g):
        self.vocab = g.meta["tokenizer.ggml.tokens"]
        self.ids = {t: i for i, t in enumerate(self.vocab)}
        self.ranks = {}
        for r, m in enumerate(g.meta["tokenizer.ggml.merges"]):
            a, b = m.split(" ", 1)
            self.ranks[(a, b)] = r
        self.bytes = byte_alphabet()
        self.unbytes = {c: b for b, c in self.bytes.items()}
        types = g.meta.get("tokenizer.ggml.token_type", [])
        self.special = {t: i for i, t in enumerate(self.vocab) if i < len(types) and types[i] == 3}

    def bpe(self, piece):
        parts = [self.bytes[b] for b in piece.encode("utf-8")]
        while len(parts) > 1:
            best = None
            for k in range(len(parts) - 1):
                r = self.ranks.get((parts[k], parts[k + 1]))
                if r is not None and (best is None or r < best[0]):
                    best = (r, k)
            if best is None:
                break
            k = best[1]
            parts[k:k + 2] = [parts[k] + parts[k + 1]]
        return [self.ids[p] for p in parts]

    def encode(self, text):
        out = []
        # Special tokens are matched first, the text between them is pre-tokenized.
        i = 0
        while i < len(text):
            hit = next((s for s in self.special if text.startswith(s, i)), None)
            if hit:
                out.append(self.special[hit])
                i += len(hit)
                continue
            j = i
            while j < len(text) and not any(text.startswith(s, j) for s in self.special):
                j += 1
            for piece in pretokenize(text[i:j]):
                out.extend(self.bpe(piece))
            i = j
        return out

    def decode(self, ids):
        bs = bytearray()
        for i in ids:
            t = self.vocab[i]
            if i in self.special.values():
                bs.extend(t.encode())
            else:
                bs.extend(self.unbytes[c] for c in t)
        return bs.decode("utf-8", errors="replace")


# --- The model -------------------------------------------------------------------------

class Llama:
    def __init__(self, g):
        m = g.meta
        arch = m["general.architecture"]
        self.n_layer = m[f"{arch}.block_count"]
        self.dim = m[f"{arch}.embedding_length"]
        self.n_head = m[f"{arch}.attention.head_count"]
        self.n_kv = m[f"{arch}.attention.head_count_kv"]
        self.eps = m[f"{arch}.attention.layer_norm_rms_epsilon"]
        self.base = m.get(f"{arch}.rope.freq_base", 10000.0)
        self.hd = self.dim // self.n_head
        self.emb = g.tensor("token_embd.weight")
        self.out = g.tensor("output.weight") if "output.weight" in g.tensors else self.emb
        self.norm = g.tensor("output_norm.weight")
        self.layers = []
        for i in range(self.n_layer):
            p = f"blk.{i}."
            self.layers.append({k: g.tensor(p + k + ".weight") for k in (
                "attn_norm", "attn_q", "attn_k", "attn_v", "attn_output",
                "ffn_norm", "ffn_gate", "ffn_up", "ffn_down")})

    def rmsnorm(self, x, w):
        return x / np.sqrt(np.mean(x * x) + self.eps) * w

    def rope(self, x, pos):
        # Adjacent pairs (x[2i], x[2i+1]) of each head rotate by pos * base^(-2i/hd).
        hd = self.hd
        x = x.reshape(-1, hd // 2, 2)
        freq = self.base ** (-np.arange(0, hd, 2, dtype=np.float64) / hd)
        ang = pos * freq
        c, s = np.cos(ang).astype(np.float32), np.sin(ang).astype(np.float32)
        a, b = x[..., 0], x[..., 1]
        return np.stack([a * c - b * s, a * s + b * c], axis=-1).reshape(-1)

    def forward(self, tokens):
        """Logits after each token of `tokens`, as a (len, vocab) array."""
        kc = [[] for _ in range(self.n_layer)]
        vc = [[] for _ in range(self.n_layer)]
        out = []
        group = self.n_head // self.n_kv
        for pos, t in enumerate(tokens):
            x = self.emb[t].copy()
            for i, L in enumerate(self.layers):
                h = self.rmsnorm(x, L["attn_norm"])
                q = self.rope(L["attn_q"] @ h, pos).reshape(self.n_head, self.hd)
                k = self.rope(L["attn_k"] @ h, pos).reshape(self.n_kv, self.hd)
                v = (L["attn_v"] @ h).reshape(self.n_kv, self.hd)
                kc[i].append(k)
                vc[i].append(v)
                K = np.stack(kc[i])  # (pos+1, n_kv, hd)
                V = np.stack(vc[i])
                att = np.empty((self.n_head, self.hd), dtype=np.float32)
                for hh in range(self.n_head):
                    kv = hh // group
                    sc = K[:, kv, :] @ q[hh] / np.sqrt(self.hd)
                    sc = np.exp(sc - sc.max())
                    sc /= sc.sum()
                    att[hh] = sc @ V[:, kv, :]
                x = x + L["attn_output"] @ att.reshape(-1)
                h = self.rmsnorm(x, L["ffn_norm"])
                gt = L["ffn_gate"] @ h
                up = L["ffn_up"] @ h
                with np.errstate(over="ignore"):
                    x = x + L["ffn_down"] @ (gt / (1 + np.exp(-gt)) * up)
            out.append(self.out @ self.rmsnorm(x, self.norm))
        return np.stack(out)


def generate(model, tokens, n):
    """Greedy decoding, recomputing from the start each step (slow, simple)."""
    toks = list(tokens)
    for _ in range(n):
        logits = model.forward(toks)[-1]
        toks.append(int(np.argmax(logits)))
    return toks[len(tokens):]


def main():
    path, cmd = sys.argv[1], sys.argv[2]
    g = Gguf(path)
    if cmd == "tokens":
        print(Tokenizer(g).encode(sys.argv[3]))
    elif cmd == "decode":
        print(Tokenizer(g).decode([int(t) for t in sys.argv[3].split(",")]))
    elif cmd == "generate":
        tok = Tokenizer(g)
        model = Llama(g)
        ids = tok.encode(sys.argv[3])
        print(generate(model, ids, int(sys.argv[4])))
    elif cmd == "logits":
        model = Llama(g)
        ids = [int(t) for t in sys.argv[3].split(",")]
        np.save(sys.argv[4], model.forward(ids))
    elif cmd == "meta":
        for k, v in g.meta.items():
            if not isinstance(v, list):
                print(k, v)
            else:
                print(k, f"[{len(v)} values]")
        for name, (dims, t, off) in list(g.tensors.items())[:12]:
            print(name, dims, t, off)
    else:
        raise SystemExit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
