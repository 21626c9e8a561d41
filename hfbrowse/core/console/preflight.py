"""Checks before a single weight byte is read: remote code, a tokenizer, checkpoint format,
memory.

A refusal raises ``RunRefused``; anything the user may accept comes back as a ``Confirmation``
(the TUI asks in a modal, the CLI needs ``--yes``). Only the GPU free-memory query touches torch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from hfbrowse.core.checkpoint.safetensors import DTYPE_BYTES
from hfbrowse.core.checkpoint.tensors import TensorTable
from hfbrowse.core.console.errors import RunError, RunRefused
from hfbrowse.core.formatting import human_bytes
from hfbrowse.core.model import ModelFacts

CONFIRM_BIN = "bin"
CONFIRM_MEMORY = "memory"
# Runtime beyond the weights: activations, KV cache, allocator slack.
MEMORY_OVERHEAD = 1.2
_FLOAT_DTYPES = {"F64", "F32", "F16", "BF16", "F8_E4M3", "F8_E5M2"}
_DTYPE_SIZES = {"float32": 4, "float16": 2, "bfloat16": 2, "float64": 8}
_BIN = re.compile(r"^pytorch_model(-\d+-of-\d+)?\.bin(\.index\.json)?$")
# Files a tokenizer is built from (any one of them will do: a fast tokenizer.json, a
# sentencepiece model, a WordPiece/BPE vocabulary, or tokenizer_config.json naming the class).
TOKENIZER_FILES = (
    "tokenizer.json",
    "tokenizer_config.json",
    "vocab.txt",
    "vocab.json",
    "merges.txt",
    "spiece.model",
    "sentencepiece.bpe.model",
    "tokenizer.model",
    "source.spm",
    "target.spm",
)


@dataclass(frozen=True)
class Confirmation:
    key: str  # CONFIRM_BIN or CONFIRM_MEMORY
    question: str


@dataclass(frozen=True)
class WeightFiles:
    """Which weight files a run would load, and in which format."""

    format: str  # "safetensors" or "bin"
    files: tuple[str, ...]


def refuse_remote_code(facts: ModelFacts, trust_remote_code: bool) -> None:
    """Models whose config has ``auto_map`` run only with --trust-remote-code."""
    auto_map = facts.config.get("auto_map")
    if trust_remote_code or not isinstance(auto_map, dict):
        return
    modules = sorted(
        {
            str(target).split("--")[-1].rsplit(".", 1)[0] + ".py"
            for target in _flatten(auto_map.values())
            if isinstance(target, str) and "." in target
        }
    )
    shipped = f" ({', '.join(modules)})" if modules else ""
    raise RunRefused(
        f"{facts.ref.display} ships its own Python code{shipped} via auto_map; hfbrowse never runs"
        " a repository's code unless started with --trust-remote-code, which would let"
        " transformers import and execute those files."
    )


def require_tokenizer(facts: ModelFacts, files: list[str] | tuple[str, ...]) -> None:
    """Refuse before anything is loaded when the model ships no tokenizer files: the weights
    would load (seconds to minutes) and the run then fail inside transformers with an empty
    tokenizer. An empty list means the files are unknown (not listed): nothing is said."""
    top = {f for f in files if "/" not in f}
    if not top or top.intersection(TOKENIZER_FILES):
        return
    where = "in this folder" if facts.ref.is_local else f"in {facts.ref.display}"
    raise RunError(
        f"no tokenizer {where}: it has config.json and weights but none of tokenizer.json,"
        " tokenizer_config.json, vocab.txt, spiece.model, … — the console needs one to turn"
        " text into tokens (copy the base model's tokenizer files next to config.json)"
    )


def _flatten(values: object) -> list[object]:
    out: list[object] = []
    for value in values:  # type: ignore[attr-defined]
        out.extend(value if isinstance(value, list | tuple) else [value])
    return out


def weight_files_of(files: list[str] | tuple[str, ...]) -> WeightFiles | None:
    """safetensors first (index or single files); ``.bin`` only when no safetensors exist."""
    top = [f for f in files if "/" not in f]
    index = "model.safetensors.index.json"
    if index in top:
        return WeightFiles("safetensors", (index,))
    safetensors = tuple(sorted(f for f in top if f.endswith(".safetensors")))
    if safetensors:
        return WeightFiles("safetensors", safetensors)
    if "pytorch_model.bin.index.json" in top:
        return WeightFiles("bin", ("pytorch_model.bin.index.json",))
    bins = tuple(sorted(f for f in top if _BIN.match(f)))
    if bins:
        return WeightFiles("bin", bins)
    return None


def combined_table(base: TensorTable, adapter: TensorTable) -> TensorTable:
    """The base's tensors and the adapter's, weighed together (base + adapter in memory)."""
    from hfbrowse.core.checkpoint.tensors import make_table

    rows = [*base.rows, *adapter.rows]
    return make_table(rows, base.source, sorted({r.file for r in rows}))


def local_files(folder: Path) -> list[str]:
    try:
        return sorted(p.name for p in folder.iterdir() if p.is_file())
    except OSError:
        return []


def estimate_bytes(table: TensorTable, dtype: str | None, overhead: float = MEMORY_OVERHEAD) -> int:
    """Bytes the weights take once loaded in ``dtype`` (``None``/"auto": as stored), plus slack.

    Only floating tensors change size with ``dtype``; integer and packed tensors stay as stored.
    """
    target = _DTYPE_SIZES.get(dtype or "auto")
    total = 0.0
    for row in table.rows:
        if target is not None and row.dtype in _FLOAT_DTYPES:
            total += row.parameters * target
        else:
            total += row.nbytes or row.parameters * DTYPE_BYTES.get(row.dtype, 4)
    return int(total * overhead)


def free_memory(device: str) -> tuple[int | None, str]:
    """Free bytes where the weights will live: the GPU's own memory, otherwise RAM."""
    if device.startswith("cuda"):
        try:
            import torch

            index = torch.device(device).index
            free, _total = torch.cuda.mem_get_info(index if index is not None else 0)
            return int(free), f"free memory on {device}"
        except Exception:
            return None, f"free memory on {device}"
    import psutil

    return int(psutil.virtual_memory().available), "available RAM"


def confirmations(
    facts: ModelFacts,
    checkpoint: WeightFiles | None,
    table: TensorTable | None,
    device: str,
    dtype: str | None,
) -> list[Confirmation]:
    """What the user must accept before this model is loaded (empty: load at once)."""
    asks: list[Confirmation] = []
    if checkpoint is not None and checkpoint.format == "bin":
        asks.append(
            Confirmation(
                CONFIRM_BIN,
                f"{facts.ref.display} has only a pickle checkpoint ({', '.join(checkpoint.files)})"
                ", no safetensors. Pickle files can carry code; it will be loaded with torch's"
                " weights-only unpickler. Load it?",
            )
        )
    if table is not None and table.rows:
        need = estimate_bytes(table, dtype)
        free, where = free_memory(device)
        if free is not None and need > free:
            asks.append(
                Confirmation(
                    CONFIRM_MEMORY,
                    f"Loading {facts.ref.display} needs about {human_bytes(need)} (weights"
                    f" {human_bytes(estimate_bytes(table, dtype, 1.0))}"
                    f" + {MEMORY_OVERHEAD - 1:.0%}) but {where} is"
                    f" {human_bytes(free)}. Loading may swap or fail. Load anyway?",
                )
            )
    return asks
