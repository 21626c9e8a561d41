"""Checkpoints written by hand for tests: safetensors headers over a sparse data region."""

from __future__ import annotations

import json
import struct
from pathlib import Path

SIZES = {"F32": 4, "F16": 2, "BF16": 2, "I32": 4, "U8": 1, "I8": 1}


def write_checkpoint(folder: Path, tensors: dict, quantization_config: dict | None) -> Path:
    """A safetensors file whose header is written by hand; the data region is a sparse hole."""
    folder.mkdir(parents=True, exist_ok=True)
    header, offset = {}, 0
    for name, (dtype, shape) in tensors.items():
        n = SIZES[dtype]
        for d in shape:
            n *= d
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + n]}
        offset += n
    raw = json.dumps(header).encode()
    with (folder / "model.safetensors").open("wb") as fh:
        fh.write(struct.pack("<Q", len(raw)) + raw)
        fh.truncate(8 + len(raw) + offset)
    config = {"model_type": "llama"}
    if quantization_config is not None:
        config["quantization_config"] = quantization_config
    (folder / "config.json").write_text(json.dumps(config))
    return folder


# One Linear(in=64, out=128), 4-bit, group 32.
GPTQ = {
    "layer.qweight": ("I32", (64 // 8, 128)),
    "layer.qzeros": ("I32", (64 // 32, 128 // 8)),
    "layer.scales": ("F16", (64 // 32, 128)),
    "layer.g_idx": ("I32", (64,)),
    "layer.bias": ("F16", (128,)),
    "embed.weight": ("F16", (10, 64)),
}
