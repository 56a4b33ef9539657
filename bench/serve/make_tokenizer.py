"""A Hugging Face tokenizer directory for the load generator, made from a GGUF file's own
vocabulary and merges (byte-level BPE, digits split one by one, as the `smollm`
pre-tokenizer): `aiperf` counts and synthesizes tokens with it, offline.

    python3 bench/serve/make_tokenizer.py MODEL.gguf OUT_DIR
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tests", "model"))
import ref  # noqa: E402
from tokenizers import Tokenizer, decoders, models, pre_tokenizers  # noqa: E402
from transformers import PreTrainedTokenizerFast  # noqa: E402


def main():
    g = ref.Gguf(sys.argv[1])
    vocab = {t: i for i, t in enumerate(g.meta["tokenizer.ggml.tokens"])}
    merges = [tuple(m.split(" ", 1)) for m in g.meta["tokenizer.ggml.merges"]]
    tok = Tokenizer(models.BPE(vocab=vocab, merges=merges))
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
    ])
    tok.decoder = decoders.ByteLevel()
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|im_end|>", bos_token="<|im_start|>")
    fast.save_pretrained(sys.argv[2])
    print(fast.encode("Once upon a time,"))


if __name__ == "__main__":
    main()
