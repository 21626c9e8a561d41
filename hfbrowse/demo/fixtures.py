"""Odd-case model folders for the test suite (``build_test_fixtures``), next to the demo models.

Each `FIXTURES` entry is `make(folder, built)`: it fills `folder`, given the already built demo
models (`built`: name -> folder). Everything is deterministic; nothing is downloaded.
"""

from __future__ import annotations

import json
import math
import shutil
import struct
from collections.abc import Callable, Iterable
from pathlib import Path

from hfbrowse.demo import builder

# Written by the remote-code fixture's .py files if they are ever executed (they never should be).
REMOTE_CODE_MARKER = "REMOTE_CODE_WAS_EXECUTED"
# If this environment variable is set, executed remote code also writes the marker to that path.
REMOTE_CODE_MARKER_ENV = "HFBROWSE_REMOTE_CODE_MARKER"

LLAMA_70B = {
    "architectures": ["LlamaForCausalLM"],
    "attention_bias": False,
    "attention_dropout": 0.0,
    "bos_token_id": 128000,
    "eos_token_id": 128001,
    "hidden_act": "silu",
    "hidden_size": 8192,
    "initializer_range": 0.02,
    "intermediate_size": 28672,
    "max_position_embeddings": 8192,
    "mlp_bias": False,
    "model_type": "llama",
    "num_attention_heads": 64,
    "num_hidden_layers": 80,
    "num_key_value_heads": 8,
    "pretraining_tp": 1,
    "rms_norm_eps": 1e-05,
    "rope_scaling": None,
    "rope_theta": 500000.0,
    "tie_word_embeddings": False,
    "torch_dtype": "bfloat16",
    "transformers_version": "4.40.0.dev0",
    "use_cache": True,
    "vocab_size": 128256,
}
SPARSE_SHARDS = 30
_DTYPE_BYTES = {"BF16": 2, "F16": 2, "F32": 4, "I64": 8, "U8": 1}
Tensor = tuple[str, str, tuple[int, ...]]  # name, safetensors dtype, shape


def _dump_json(path: Path, obj: object) -> None:
    path.write_text(json.dumps(obj, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def _nbytes(dtype: str, shape: Iterable[int]) -> int:
    return _DTYPE_BYTES[dtype] * math.prod(shape)


def write_safetensors_header(path: Path, tensors: Iterable[Tensor]) -> int:
    """Write a valid safetensors header for `tensors`, then extend the file to its full length
    with `truncate`: the data region is a hole (all zeros), so the file is sparse. Returns the
    data size in bytes."""
    header: dict[str, object] = {"__metadata__": {"format": "pt"}}
    offset = 0
    for name, dtype, shape in tensors:
        end = offset + _nbytes(dtype, shape)
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, end]}
        offset = end
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)  # pad to 8 bytes, as the safetensors writer does
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)) + raw)
        f.truncate(8 + len(raw) + offset)
    return offset


def llama_tensors(cfg: dict) -> list[Tensor]:
    """The real tensor names and shapes of a (non-tied) Llama checkpoint, in Hub order."""
    h, inter, layers = cfg["hidden_size"], cfg["intermediate_size"], cfg["num_hidden_layers"]
    kv = cfg["num_key_value_heads"] * (h // cfg["num_attention_heads"])
    out: list[Tensor] = [("model.embed_tokens.weight", "BF16", (cfg["vocab_size"], h))]
    for i in range(layers):
        p = f"model.layers.{i}."
        layer = {
            "input_layernorm.weight": (h,), "mlp.down_proj.weight": (h, inter),
            "mlp.gate_proj.weight": (inter, h), "mlp.up_proj.weight": (inter, h),
            "post_attention_layernorm.weight": (h,), "self_attn.k_proj.weight": (kv, h),
            "self_attn.o_proj.weight": (h, h), "self_attn.q_proj.weight": (h, h),
            "self_attn.v_proj.weight": (kv, h),
        }  # fmt: skip
        out += [(p + k, "BF16", s) for k, s in layer.items()]
    out += [("model.norm.weight", "BF16", (h,)), ("lm_head.weight", "BF16", (cfg["vocab_size"], h))]
    return out


def make_sparse_70b(folder: Path, built: dict[str, Path]) -> None:
    _dump_json(folder / "config.json", LLAMA_70B)
    tensors = llama_tensors(LLAMA_70B)
    total = sum(_nbytes(d, s) for _, d, s in tensors)
    groups: list[list[Tensor]] = [[] for _ in range(SPARSE_SHARDS)]
    start = 0
    for t in tensors:  # shard by where each tensor starts in the concatenated checkpoint
        groups[start * SPARSE_SHARDS // total].append(t)
        start += _nbytes(t[1], t[2])
    groups = [g for g in groups if g]
    weight_map = {}
    for i, group in enumerate(groups, 1):
        shard = f"model-{i:05d}-of-{len(groups):05d}.safetensors"
        write_safetensors_header(folder / shard, group)
        weight_map.update({name: shard for name, _, _ in group})
    index = {"metadata": {"total_size": total}, "weight_map": weight_map}
    _dump_json(folder / "model.safetensors.index.json", index)
    _dump_json(folder / "generation_config.json", {"bos_token_id": 128000, "eos_token_id": 128001})


def make_sharded_gpt2(folder: Path, built: dict[str, Path]) -> None:
    builder.save_demo_model("tiny-gpt2", folder, max_shard_size="64KB")


def make_config_only(folder: Path, built: dict[str, Path]) -> None:
    from transformers import LlamaConfig

    LlamaConfig(
        vocab_size=1000, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=128,
        architectures=["LlamaForCausalLM"],
    ).save_pretrained(folder)  # fmt: skip


def make_bin_only(folder: Path, built: dict[str, Path]) -> None:
    """transformers 5 dropped `safe_serialization=False`: save normally, swap in a torch.save."""
    import torch

    model = builder.save_demo_model("tiny-bert-mlm", folder)
    (folder / "model.safetensors").unlink()
    torch.save(model.state_dict(), folder / "pytorch_model.bin")


def _gpt2_config(folder: Path, built: dict[str, Path]) -> None:
    shutil.copyfile(built["tiny-gpt2"] / "config.json", folder / "config.json")


def _bad_safetensors(payload: bytes) -> Callable[[Path, dict[str, Path]], None]:
    def make(folder: Path, built: dict[str, Path]) -> None:
        _gpt2_config(folder, built)
        (folder / "model.safetensors").write_bytes(payload)

    return make


_CUT_JSON = b'{"transformer.wte.weight":{"dtype":"F32","shape":[1000,32],"data_offsets":[0,12'
_MALFORMED = struct.pack("<Q", len(_CUT_JSON)) + _CUT_JSON + bytes(64)
_TRUNCATED = struct.pack("<Q", 4096) + _CUT_JSON  # claims 4096 header bytes, has far fewer
_HUGE = struct.pack("<Q", 2**60) + b'{"__metadata__":{"format":"pt"}}'


def make_malformed_config(folder: Path, built: dict[str, Path]) -> None:
    (folder / "config.json").write_text('{"model_type": "gpt2", "n_embd": 32,\n  "n_la', "utf-8")


def make_no_config(folder: Path, built: dict[str, Path]) -> None:
    shutil.copyfile(built["tiny-bert-base"] / "model.safetensors", folder / "model.safetensors")


_REMOTE_PY = '''"""hfbrowse test fixture: hfbrowse must never execute it (no trust_remote_code)."""

import os
from pathlib import Path

for _marker in (Path(__file__).with_name("{marker}"), os.environ.get("{env}")):
    if _marker:
        Path(_marker).write_text("{module}.py was executed\\n", encoding="utf-8")

from transformers import {base}


class {cls}({base}):
    {body}
'''


def make_remote_code(folder: Path, built: dict[str, Path]) -> None:
    for module, cls, base, body in (
        ("configuration_custom", "CustomConfig", "PretrainedConfig", 'model_type = "custom-tiny"'),
        ("modeling_custom", "CustomForCausalLM", "PreTrainedModel", "config_class = None"),
    ):
        text = _REMOTE_PY.format(
            marker=REMOTE_CODE_MARKER, env=REMOTE_CODE_MARKER_ENV, module=module, cls=cls,
            base=base, body=body,
        )  # fmt: skip
        (folder / f"{module}.py").write_text(text, encoding="utf-8")
    config = {
        "architectures": ["CustomForCausalLM"],
        "auto_map": {
            "AutoConfig": "configuration_custom.CustomConfig",
            "AutoModelForCausalLM": "modeling_custom.CustomForCausalLM",
        },
        "hidden_size": 32, "model_type": "custom-tiny", "num_hidden_layers": 2,
        "torch_dtype": "float32", "vocab_size": 64,
    }  # fmt: skip
    _dump_json(folder / "config.json", config)
    tensors = [("lm_head.weight", "F32", (64, 32)), ("model.embed_tokens.weight", "F32", (64, 32))]
    write_safetensors_header(folder / "model.safetensors", tensors)


FIXTURES: dict[str, Callable[[Path, dict[str, Path]], None]] = {
    "sharded-gpt2": make_sharded_gpt2,
    "config-only": make_config_only,
    "bin-only": make_bin_only,
    "malformed-header": _bad_safetensors(_MALFORMED),
    "truncated-header": _bad_safetensors(_TRUNCATED),
    "huge-header-claim": _bad_safetensors(_HUGE),
    "malformed-config": make_malformed_config,
    "no-config": make_no_config,
    "sparse-70b": make_sparse_70b,
    "remote-code": make_remote_code,
}


def build_test_fixtures(dest: Path) -> dict[str, Path]:
    """Everything in build_demo_models plus the odd cases tests need (listed below).

    - sharded-gpt2: tiny-gpt2 saved in 4 shards + model.safetensors.index.json.
    - config-only: only a Llama-shaped config.json (hidden 64, 2 layers).
    - bin-only: tiny-bert-mlm as pytorch_model.bin (torch.save), no .safetensors.
    - malformed-header / truncated-header / huge-header-claim: tiny-gpt2's config.json and a
      model.safetensors whose header is invalid JSON / longer than the file / claims 2**60 bytes.
    - malformed-config: a config.json that is not valid JSON, nothing else.
    - no-config: tiny-bert-base's model.safetensors, no config.json.
    - sparse-70b: Llama-3-70B config, index and 30 SPARSE shards (132 GiB apparent, ~200 KB on
      disk) whose headers hold the real tensor names/shapes. Never copy or read them whole.
    - remote-code: auto_map config + configuration_custom.py / modeling_custom.py that write
      `REMOTE_CODE_MARKER` (and $HFBROWSE_REMOTE_CODE_MARKER) if ever executed.
    Every folder also holds the `.hfbrowse-demo` marker file.
    """
    dest = Path(dest)
    built = builder.build_demo_models(dest)
    for name, make in FIXTURES.items():
        built[name] = builder.ensure_built(
            dest, name, "fixture", lambda d, make=make: make(d, built)
        )
    return built
