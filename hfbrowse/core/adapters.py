"""PEFT adapters (``adapter_config.json`` + ``adapter_model.safetensors``), read without peft.

An adapter repo or folder is browsed like a model: its tensor table comes from the adapter's
safetensors header (``load_tensors`` already reads any ``*.safetensors``). This module adds what
makes it an adapter: its config (method, rank, alpha, target modules), the base model it was
trained on, which of the base's modules its tensors touch, and how many parameters it adds
relative to the base. The base is opened through the same stages as any model (headers first,
the meta device where it has no safetensors), so no weight byte is read for any of it.

Matching adapter tensors to base modules: PEFT saves ``base_model.model.<module path>.lora_A
.weight``; the module path is what remains once that prefix and the adapter's own parts
(``lora_A``, ``lora_embedding_B``, ``hada_w1_a`` …) are taken off. A base checkpoint may be
saved with or without its wrapper's prefix (``transformer.h.0`` vs ``h.0``), so a path also
matches a base module that is a dotted suffix of it, or that it is a dotted suffix of.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hfbrowse.core.checkpoint.tensors import TensorTable
from hfbrowse.core.config.tree import parse_config_text
from hfbrowse.core.errors import MalformedConfig
from hfbrowse.core.paths import ADAPTER_CONFIG
from hfbrowse.core.safe_paths import read_in_folder

PEFT_PREFIX = "base_model.model."
MAX_CONFIG_BYTES = 1_000_000
# The parameter names adapter methods add inside a wrapped module (lora_A, ia3_l, hada_w1_a …).
_ADAPTER_PART = re.compile(r"^(lora_|ia3_|hada_|lokr_|oft_|boft_|vera_|fourierft_|ln_tuning)")
_PARAM_PART = {"weight", "bias", "default"}


@dataclass(frozen=True)
class AdapterConfig:
    """What ``adapter_config.json`` says, in the fields every front end shows."""

    method: str  # peft_type: LORA, IA3, LOHA, …
    base_model: str | None  # base_model_name_or_path
    task_type: str | None
    rank: int | None  # r
    alpha: float | None  # lora_alpha
    dropout: float | None
    target_modules: tuple[str, ...]  # or one regex, as written
    modules_to_save: tuple[str, ...]
    raw: dict[str, Any]

    @property
    def scaling(self) -> float | None:
        """LoRA's ``alpha / r``: how strongly the update is applied."""
        if self.rank and self.alpha is not None:
            return self.alpha / self.rank
        return None


def peft_installed() -> bool:
    """Whether peft can be imported (found, not imported: it pulls torch in)."""
    from importlib.util import find_spec

    return find_spec("peft") is not None


def run_note() -> str:
    """The one line every front end says about running an adapter."""
    if not peft_installed():
        return (
            "running base + adapter needs peft, which is not installed"
            " (pip install 'hfbrowse[peft]'); b opens the base, which runs without it"
        )
    return "the console runs base + adapter (peft): type in it (:)"


def _names(value: object, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise MalformedConfig(f"{ADAPTER_CONFIG}: {key} is neither a name nor a list of names.")


def _number(raw: dict[str, Any], key: str, kind: type) -> Any:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MalformedConfig(f"{ADAPTER_CONFIG}: {key} is {value!r}, not a number.")
    if kind is int and value != int(value):
        raise MalformedConfig(f"{ADAPTER_CONFIG}: {key} is {value!r}, not a whole number.")
    return kind(value)


def parse_adapter_config(raw: object) -> AdapterConfig:
    """Check and read a parsed ``adapter_config.json``; MalformedConfig names what is wrong."""
    if not isinstance(raw, dict):
        raise MalformedConfig(f"{ADAPTER_CONFIG} is not a JSON object.")
    method = raw.get("peft_type")
    if not isinstance(method, str) or not method:
        raise MalformedConfig(f"{ADAPTER_CONFIG} has no peft_type: is it a PEFT adapter?")
    base = raw.get("base_model_name_or_path")
    if base is not None and not isinstance(base, str):
        raise MalformedConfig(f"{ADAPTER_CONFIG}: base_model_name_or_path is not a string.")
    task = raw.get("task_type")
    return AdapterConfig(
        method=method,
        base_model=base or None,
        task_type=task if isinstance(task, str) else None,
        rank=_number(raw, "r", int),
        alpha=_number(raw, "lora_alpha", float),
        dropout=_number(raw, "lora_dropout", float),
        target_modules=_names(raw.get("target_modules"), "target_modules"),
        modules_to_save=_names(raw.get("modules_to_save"), "modules_to_save"),
        raw=raw,
    )


def read_adapter_config(path: Path) -> AdapterConfig:
    """Read and check one ``adapter_config.json`` file, as config.json is read: bounded, inside
    its folder (no symlink out, no FIFO), any problem one MalformedConfig line."""
    try:
        data = read_in_folder(path.parent, path.name, MAX_CONFIG_BYTES, ADAPTER_CONFIG)
    except OSError as exc:
        raise MalformedConfig(f"{ADAPTER_CONFIG}: cannot read ({exc.strerror or exc}).") from None
    return parse_adapter_config(parse_config_text(data, ADAPTER_CONFIG))


def adapter_module(tensor_name: str) -> str:
    """``base_model.model.transformer.h.0.attn.c_attn.lora_A.weight`` →
    ``transformer.h.0.attn.c_attn`` (the base module the tensor belongs to)."""
    name = tensor_name.removeprefix(PEFT_PREFIX)
    parts = name.split(".")
    while len(parts) > 1 and (parts[-1] in _PARAM_PART or _ADAPTER_PART.match(parts[-1])):
        parts.pop()
    return ".".join(parts)


def module_of(tensor_name: str) -> str:
    """A base checkpoint tensor's module: its name less the last part (``.weight``)."""
    return tensor_name.rpartition(".")[0] or tensor_name


@dataclass(frozen=True)
class TouchedModule:
    """One base module an adapter changes: the adapter's tensors on it and their size."""

    module: str  # the base's own path for it
    tensors: tuple[str, ...]
    parameters: int


@dataclass(frozen=True)
class ModuleMatch:
    touched: tuple[TouchedModule, ...]
    unmatched: tuple[str, ...]  # adapter module paths that name no module of the base


def match_modules(adapter: TensorTable, base_tensor_names: list[str]) -> ModuleMatch:
    """Which base modules the adapter's tensors touch (see the module docstring)."""
    base = {module_of(n) for n in base_tensor_names}
    by_suffix: dict[str, str] = {}
    for module in sorted(base):
        parts = module.split(".")
        for i in range(1, len(parts)):
            by_suffix.setdefault(".".join(parts[i:]), module)
    found: dict[str, list[tuple[str, int]]] = {}
    unmatched: list[str] = []
    for row in adapter.rows:
        path = adapter_module(row.name)
        target = _find(path, base, by_suffix)
        if target is None:
            if path not in unmatched:
                unmatched.append(path)
            continue
        found.setdefault(target, []).append((row.name, row.parameters))
    touched = tuple(
        TouchedModule(m, tuple(n for n, _ in rows), sum(p for _, p in rows))
        for m, rows in found.items()
    )
    return ModuleMatch(touched, tuple(unmatched))


def _find(path: str, base: set[str], by_suffix: dict[str, str]) -> str | None:
    if path in base:
        return path
    parts = path.split(".")
    for i in range(1, len(parts) - 1):  # the adapter's path has a wrapper the base lacks
        if (shorter := ".".join(parts[i:])) in base:
            return shorter
    return by_suffix.get(path)  # the base's path has a wrapper the adapter lacks
