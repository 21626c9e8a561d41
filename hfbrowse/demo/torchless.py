"""Save a demo model without torch: the files `save_pretrained` writes, with numpy weights.

`hfbrowse --demo` must work where torch is not installed (it is the `hfbrowse[torch]` extra),
and building a transformers model needs torch. What browsing reads does not: config.json,
generation_config.json and the safetensors *header* (names, dtypes, shapes, offsets). This
module writes those exactly as `model.save_pretrained` does — the same config fields, the same
header bytes, through the same safetensors serializer — from `weights_manifest.json`, which
records each demo model's tensors as the torch build saves them. Only the weight values differ:
numpy's seeded normal(0, 0.02) for matrices, ones for 1-D weights (norms), zeros for biases,
instead of torch's initialisers. They are never run: a console needs torch, and with torch
installed the builder rebuilds these folders the torch way.

The manifest is checked against the torch build by the test suite; after changing a recipe,
regenerate it with ``python -m hfbrowse.demo.regenerate_manifest`` (needs torch).
"""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

MANIFEST = Path(__file__).with_name("weights_manifest.json")
MANIFEST_FORMAT = 1
SEED = 0
# safetensors dtype → numpy dtype name (the demo models only use F32; the others are cheap to keep)
_NUMPY_DTYPES = {"F32": "float32", "F16": "float16", "F64": "float64", "I64": "int64"}


def load_manifest(path: Path = MANIFEST) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _weights(tensors: list[list[Any]]) -> dict[str, Any]:
    import numpy as np

    arrays: dict[str, Any] = {}
    for index, (name, dtype, shape) in enumerate(tensors):
        np_dtype = _NUMPY_DTYPES[dtype]
        if len(shape) >= 2:
            rng = np.random.default_rng([SEED, index])
            arrays[name] = rng.normal(0.0, 0.02, size=shape).astype(np_dtype)
        elif name.endswith("bias"):
            arrays[name] = np.zeros(shape, dtype=np_dtype)
        else:
            arrays[name] = np.ones(shape, dtype=np_dtype)
    return arrays


def save_model(name: str, class_name: str, config: Any, folder: Path, **save_kwargs: Any) -> None:
    """Write what ``class_name(config).save_pretrained(folder)`` would, weights from numpy."""
    if save_kwargs:  # sharding etc. serve only the test fixtures, which are built with torch
        raise RuntimeError(f"building {name} with {sorted(save_kwargs)} needs torch")
    entry = load_manifest()["models"][name]
    if entry["class"] != class_name:
        raise RuntimeError(f"weights_manifest.json is stale for {name}: {entry['class']}")
    from safetensors.numpy import save_file

    # What PreTrainedModel.save_pretrained sets on the config before writing it.
    config.architectures = [class_name]
    config.dtype = entry["dtype"]
    config.save_pretrained(folder)
    if entry["generation_config"]:
        from transformers import GenerationConfig

        GenerationConfig.from_model_config(config).save_pretrained(folder)
    save_file(_weights(entry["tensors"]), str(folder / "model.safetensors"), {"format": "pt"})


def header_tensors(path: Path) -> list[list[Any]]:
    """[name, dtype, shape] of each tensor of a safetensors file, in the file's order."""
    with open(path, "rb") as f:
        (size,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(size))
    header.pop("__metadata__", None)
    ordered = sorted(header.items(), key=lambda item: item[1]["data_offsets"][0])
    return [[name, info["dtype"], info["shape"]] for name, info in ordered]


def manifest_from_folders(folders: dict[str, Path]) -> dict[str, Any]:
    """The manifest describing demo folders built with torch (name → folder)."""
    import transformers

    models = {}
    for name, folder in folders.items():
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        models[name] = {
            "class": config["architectures"][0],
            "dtype": config["dtype"],
            "generation_config": (folder / "generation_config.json").exists(),
            "tensors": header_tensors(folder / "model.safetensors"),
        }
    return {
        "format": MANIFEST_FORMAT,
        "written_with": {"transformers": transformers.__version__},
        "models": models,
    }


def dump_manifest(manifest: dict[str, Any]) -> str:
    """One tensor per line: small diffs when a recipe changes."""
    lines = ["{", f'  "format": {manifest["format"]},']
    lines.append(f'  "written_with": {json.dumps(manifest["written_with"])},')
    lines.append('  "models": {')
    names = list(manifest["models"])
    for i, name in enumerate(names):
        entry = manifest["models"][name]
        lines.append(f"    {json.dumps(name)}: {{")
        for key in ("class", "dtype", "generation_config"):
            lines.append(f"      {json.dumps(key)}: {json.dumps(entry[key])},")
        lines.append('      "tensors": [')
        rows = [f"        {json.dumps(t)}" for t in entry["tensors"]]
        lines.append(",\n".join(rows))
        lines.append("      ]")
        lines.append("    }" + ("," if i < len(names) - 1 else ""))
    lines += ["  }", "}"]
    return "\n".join(lines) + "\n"
