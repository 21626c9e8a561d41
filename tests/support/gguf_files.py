"""Small GGUF files written at test time with ``gguf.GGUFWriter`` (the package hfbrowse reads
them with), shaped like llama.cpp's Llama conversions: general.*, llama.*, tokenizer.ggml.*
(with a vocabulary long enough to be folded) and tensors in F32, F16, Q8_0 and Q4_0."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

GGUF_REPO = "hfbrowse-test/tiny-gguf"
VOCAB = 300
HIDDEN = 64
FFN = 128
LAYERS = 2
HEADS = 4
CHAT_TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}</s>{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}"
)


def tokens() -> list[str]:
    return ["<unk>", "<s>", "</s>"] + [f"tok{i}" for i in range(VOCAB - 3)]


def write_llama_gguf(path: Path, *, quantised: bool = True, tokenizer_model: str = "llama") -> Path:
    """A 2-layer Llama in GGUF; with ``quantised`` the big matrices are Q8_0 / Q4_0;
    ``tokenizer_model`` is ``tokenizer.ggml.model`` (one transformers cannot build, e.g.
    ``rwkv``, for the tokenizer view's one line)."""
    from gguf import GGMLQuantizationType

    def tokenizer(w) -> None:
        w.add_tokenizer_model(tokenizer_model)
        w.add_token_list(tokens())
        w.add_token_scores([-float(i) for i in range(VOCAB)])
        w.add_token_types([2, 3, 3] + [1] * (VOCAB - 3))
        w.add_bos_token_id(1)
        w.add_eos_token_id(2)
        w.add_unk_token_id(0)
        w.add_chat_template(CHAT_TEMPLATE)

    f16 = GGMLQuantizationType.F16
    return _write_llama(
        path,
        name="tiny-llama-gguf",
        file_type=7 if quantised else 1,
        context=256,
        shape=(HIDDEN, FFN, LAYERS, HEADS, VOCAB),
        tokenizer=tokenizer,
        seed=0,
        scale=1.0,
        big8=GGMLQuantizationType.Q8_0 if quantised else f16,
        big4=GGMLQuantizationType.Q4_0 if quantised else f16,
    )


def _write_llama(
    path: Path,
    *,
    name: str,
    file_type: int,
    context: int,
    shape: tuple[int, int, int, int, int],
    tokenizer: Callable[[Any], None],
    seed: int,
    scale: float,
    big8: Any,
    big4: Any,
) -> Path:
    """One Llama GGUF as llama.cpp lays it out: the llama.* hyperparameters, the tokenizer
    (``tokenizer(writer)``), then random tensors — norms F32, the output F16, the embedding and
    ``ffn_down`` in ``big8``, attention and the other FFN matrices in ``big4``. ``shape``:
    hidden, ffn, layers, heads, vocabulary."""
    import numpy as np
    from gguf import GGMLQuantizationType, GGUFWriter
    from gguf.quants import quantize

    hidden, ffn, layers, heads, n_vocab = shape
    rng = np.random.default_rng(seed)
    w = GGUFWriter(str(path), "llama")
    w.add_name(name)
    w.add_file_type(file_type)
    w.add_context_length(context)
    w.add_embedding_length(hidden)
    w.add_block_count(layers)
    w.add_feed_forward_length(ffn)
    w.add_head_count(heads)
    w.add_head_count_kv(heads)
    w.add_rope_freq_base(10000.0)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_rope_dimension_count(hidden // heads)
    w.add_vocab_size(n_vocab)
    tokenizer(w)

    def add(name: str, shape: tuple[int, ...], qtype=None) -> None:
        data = (rng.standard_normal(shape) * scale).astype(np.float32)
        if qtype is None:
            w.add_tensor(name, data)
        elif qtype == GGMLQuantizationType.F16:
            w.add_tensor(name, data.astype(np.float16))
        else:
            w.add_tensor(name, quantize(data, qtype), raw_dtype=qtype)

    add("token_embd.weight", (n_vocab, hidden), big8)
    for i in range(layers):
        p = f"blk.{i}."
        add(p + "attn_norm.weight", (hidden,))
        for n in ("attn_q", "attn_k", "attn_v", "attn_output"):
            add(p + n + ".weight", (hidden, hidden), big4)
        add(p + "ffn_norm.weight", (hidden,))
        add(p + "ffn_gate.weight", (ffn, hidden), big4)
        add(p + "ffn_up.weight", (ffn, hidden), big4)
        add(p + "ffn_down.weight", (hidden, ffn), big8)
    add("output_norm.weight", (hidden,))
    add("output.weight", (n_vocab, hidden), GGMLQuantizationType.F16)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path


def write_sparse_llama_gguf(path: Path, *, vocab: int = 32000, layers: int = 32) -> Path:
    """A Llama-7B-shaped GGUF (Q4_K matrices) whose tensor data is a hole: the header is real
    (a 32k-token vocabulary, scores, types, 291 tensor infos), the file has its full size,
    and it takes a few hundred KB of disk. For header-only reads."""
    import numpy as np
    from gguf import GGMLQuantizationType, GGUFWriter
    from gguf.constants import GGML_QUANT_SIZES

    hidden, ffn = 4096, 11008
    w = GGUFWriter(str(path), "llama")
    w.add_name("sparse-llama-7b")
    w.add_context_length(4096)
    w.add_embedding_length(hidden)
    w.add_block_count(layers)
    w.add_feed_forward_length(ffn)
    w.add_head_count(32)
    w.add_head_count_kv(32)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_tokenizer_model("llama")
    w.add_token_list([f"▁word{i:05d}" for i in range(vocab)])
    w.add_token_scores([0.0] * vocab)
    w.add_token_types([1] * vocab)
    total = 0

    def info(name: str, shape: tuple[int, ...], qtype: GGMLQuantizationType) -> None:
        nonlocal total
        block, size = GGML_QUANT_SIZES[qtype]
        nbytes = int(np.prod(shape)) // block * size
        w.add_tensor_info(name, shape, np.dtype(np.float32), nbytes, raw_dtype=qtype)
        total += nbytes + (-nbytes) % 32

    q4, f32 = GGMLQuantizationType.Q4_K, GGMLQuantizationType.F32
    info("token_embd.weight", (vocab, hidden), q4)
    for i in range(layers):
        p = f"blk.{i}."
        info(p + "attn_norm.weight", (hidden,), f32)
        info(p + "ffn_norm.weight", (hidden,), f32)
        for n in ("attn_q", "attn_k", "attn_v", "attn_output"):
            info(p + n + ".weight", (hidden, hidden), q4)
        info(p + "ffn_gate.weight", (ffn, hidden), q4)
        info(p + "ffn_up.weight", (ffn, hidden), q4)
        info(p + "ffn_down.weight", (hidden, ffn), q4)
    info("output_norm.weight", (hidden,), f32)
    info("output.weight", (vocab, hidden), q4)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_ti_data_to_file()
    w.close()
    with path.open("r+b") as f:
        end = f.seek(0, 2)
        f.truncate(end + (-end) % 32 + total)
    return path


CHATML = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}{{ eos_token }}\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
TOOL_USE = "{{ bos_token }}TOOLS{% for m in messages %}[{{ m.role }}] {{ m.content }}{% endfor %}"
LOOPS = "{% for a in 'x' * 99999 %}{% for b in 'x' * 99999 %}{% endfor %}{% endfor %}"


def write_chat_models(dest: Path, gpt2: Path) -> dict[str, Path]:
    """tiny-gpt2 copies with chat templates: ``chat-jinja`` (chat_template.jinja, ChatML-like),
    ``chat-named`` (tokenizer_config.json's list of named templates), ``chat-loops`` (a
    template that loops without writing, which must be stopped)."""
    import json
    import shutil

    out = {}
    for name in ("chat-jinja", "chat-named", "chat-loops"):
        folder = dest / name
        if folder.exists():
            shutil.rmtree(folder)
        shutil.copytree(gpt2, folder)
        out[name] = folder
    (out["chat-jinja"] / "chat_template.jinja").write_text(CHATML, encoding="utf-8")
    config_path = out["chat-named"] / "tokenizer_config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    config["chat_template"] = [
        {"name": "default", "template": CHATML},
        {"name": "tool_use", "template": TOOL_USE},
    ]
    config_path.write_text(json.dumps(config, indent=2), encoding="utf-8")
    (out["chat-loops"] / "chat_template.jinja").write_text(LOOPS, encoding="utf-8")
    return out


RUN_GGUF = "tiny-llama-run.gguf"  # the runnable one (a real tokenizer; F32/F16/Q8_0 tensors)


def write_runnable_llama_gguf(path: Path) -> Path:
    """A 2-layer Llama that transformers can load and run (``gguf_file=``): a real byte-level
    BPE tokenizer in its metadata (the demo's GPT-2 vocabulary and merges, as llama.cpp writes a
    ``gpt2``-model tokenizer: ``tokenizer.ggml.tokens``/``merges``/``token_type``), a chat
    template, and tensors in F32 (norms), F16 (the output) and Q8_0 (the rest)."""
    from gguf import GGMLQuantizationType

    from hfbrowse.demo import tokenizers_offline as toks

    vocab, merges = toks._byte_level_bpe(toks.GPT2_SPECIALS)
    ordered = [t for t, _ in sorted(vocab.items(), key=lambda kv: kv[1])]
    n_vocab = len(ordered)
    eot = ordered.index(toks.GPT2_SPECIALS[0])

    def tokenizer(w) -> None:
        w.add_tokenizer_model("gpt2")
        w.add_tokenizer_pre("gpt-2")
        w.add_token_list(ordered)
        w.add_token_merges([f"{a} {b}" for a, b in merges])
        w.add_token_types([3 if i == eot else 1 for i in range(n_vocab)])
        w.add_bos_token_id(eot)
        w.add_eos_token_id(eot)
        w.add_chat_template(CHATML)

    q8 = GGMLQuantizationType.Q8_0
    return _write_llama(
        path,
        name="tiny-llama-run",
        file_type=7,
        context=128,
        shape=(64, 128, 2, 4, n_vocab),
        tokenizer=tokenizer,
        seed=1,
        scale=0.2,
        big8=q8,
        big4=q8,
    )
