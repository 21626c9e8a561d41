"""Memory: weights at each precision, the KV cache of a causal LM, and what this machine has free.

Pure arithmetic on the raw config.json and a parameter count; no torch. The only hardware query
that may touch torch is the GPU one, and only when torch is already imported (``machine_memory``
never imports it: importing torch costs ~1.5 s and the answer would be the same).

KV cache per token = 2 (K and V) × layers × kv heads × head dim × bytes per value. Config names
differ by family (``num_hidden_layers``/``n_layer``, ``num_attention_heads``/``n_head``,
``hidden_size``/``n_embd``/``d_model``), grouped-query attention gives ``num_key_value_heads``,
multi-query attention one K/V head, and sliding-window layers cache at most the window.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

from hfbrowse.core.checkpoint.quantization import QuantizedCounts
from hfbrowse.core.formatting import human_count
from hfbrowse.core.heads.compat_results import HeadCompat

# (name, bytes per parameter, bytes per cached K/V value at the compute dtype of that precision)
PRECISIONS: tuple[tuple[str, float, int], ...] = (
    ("fp32", 4, 4),
    ("bf16", 2, 2),
    ("fp16", 2, 2),
    ("int8", 1, 2),
    ("int4", 0.5, 2),
)
DEFAULT_CONTEXT = 4096
MAX_DEFAULT_CONTEXT = 8192
_ALL_SLIDING = {"mistral", "mixtral", "mistral3", "ministral"}
MAX_PLAUSIBLE = 2**40  # no layer count, head count or dimension comes near a trillion


def _first_int(config: dict[str, Any], *names: str) -> tuple[int | None, str | None]:
    for name in names:
        value = config.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value, name
    return None, None


def text_config(config: dict[str, Any]) -> dict[str, Any]:
    """The decoder's config: ``text_config`` of multimodal configs, else the config itself."""
    layers, _ = _first_int(config, "num_hidden_layers", "n_layer", "num_layers", "n_layers")
    nested = config.get("text_config")
    if layers is None and isinstance(nested, dict):
        return nested
    return config


@dataclass(frozen=True)
class KVShape:
    """What one token costs in the cache, from the config's own names."""

    layers: int
    kv_heads: int
    k_head_dim: int
    v_head_dim: int
    sliding_layers: int  # layers whose cache stops growing at ``window`` tokens
    window: int | None
    notes: tuple[str, ...]

    def bytes_per_token(self, value_bytes: int) -> int:
        """Per token, every layer (the growth rate before any sliding window is full)."""
        return self.layers * self.kv_heads * (self.k_head_dim + self.v_head_dim) * value_bytes

    def cache_bytes(self, context: int, batch: int, value_bytes: int) -> int:
        per_layer_token = self.kv_heads * (self.k_head_dim + self.v_head_dim) * value_bytes
        full = self.layers - self.sliding_layers
        windowed = min(context, self.window) if self.window else context
        tokens = full * context + self.sliding_layers * windowed
        return batch * per_layer_token * tokens


def kv_shape(config: dict[str, Any]) -> tuple[KVShape | None, str]:
    """(shape, how it was read) — shape None with the reason when the config has no attention."""
    cfg = text_config(config)
    notes: list[str] = []
    layers, layers_key = _first_int(cfg, "num_hidden_layers", "n_layer", "num_layers", "n_layers")
    heads, heads_key = _first_int(cfg, "num_attention_heads", "n_head", "num_heads", "n_heads")
    hidden, hidden_key = _first_int(cfg, "hidden_size", "n_embd", "d_model", "dim")
    if layers is None or heads is None:
        return None, "config.json names no attention layers/heads (not a transformer decoder?)"
    if layers_key == "n_layer" or heads_key == "n_head" or hidden_key == "n_embd":
        notes.append(f"GPT-2 style names: {layers_key}, {heads_key}, {hidden_key}")

    kv_heads, kv_key = _first_int(
        cfg, "num_key_value_heads", "num_kv_heads", "n_head_kv", "multi_query_group_num"
    )
    if kv_key == "num_kv_heads" and not cfg.get("new_decoder_architecture", True):
        kv_heads = None  # Falcon: num_kv_heads only counts with the new decoder architecture
    if kv_heads is None and cfg.get("multi_query"):
        kv_heads = 1
        notes.append("multi_query: one K/V head shared by all heads")
    elif kv_heads is None:
        kv_heads = heads
    elif kv_heads < heads:
        notes.append(f"grouped-query attention: {kv_heads} K/V heads for {heads} query heads")

    k_dim, v_dim = _head_dims(cfg, heads, hidden, notes)
    if k_dim is None or v_dim is None:
        return None, "config.json gives neither head_dim nor a hidden size to derive it"

    sliding, window = _sliding(cfg, config, layers, notes)
    sizes = {"layers": layers, "K/V heads": kv_heads, "head dim": max(k_dim, v_dim)}
    for what, value in sizes.items():
        if value > MAX_PLAUSIBLE:  # a config's 10^300 would make every product meaningless
            return None, f"config.json's {what} ({human_count(value)}) is no real size"
    shape = KVShape(layers, kv_heads, k_dim, v_dim, sliding, window, tuple(notes))
    return shape, "; ".join(notes)


def _head_dims(
    cfg: dict[str, Any], heads: int, hidden: int | None, notes: list[str]
) -> tuple[int | None, int | None]:
    nope, _ = _first_int(cfg, "qk_nope_head_dim")
    rope, _ = _first_int(cfg, "qk_rope_head_dim")
    v_mla, _ = _first_int(cfg, "v_head_dim")
    if cfg.get("kv_lora_rank") and nope and rope and v_mla:
        notes.append(
            f"MLA: transformers caches K ({nope}+{rope}) and V ({v_mla}) per head,"
            " not the compressed latent"
        )
        return nope + rope, v_mla
    head_dim, key = _first_int(cfg, "head_dim", "d_kv", "attention_head_size")
    if head_dim is not None:
        if hidden and head_dim * heads != hidden:
            notes.append(f"{key} {head_dim} given explicitly (≠ hidden/heads)")
        return head_dim, head_dim
    if hidden is None:
        return None, None
    return hidden // heads, hidden // heads


def _sliding(
    cfg: dict[str, Any], config: dict[str, Any], layers: int, notes: list[str]
) -> tuple[int, int | None]:
    window, _ = _first_int(cfg, "sliding_window", "attention_window_size")
    layer_types = cfg.get("layer_types")
    if window is None:
        return 0, None
    if isinstance(layer_types, list) and len(layer_types) == layers:
        sliding = sum(1 for t in layer_types if isinstance(t, str) and "sliding" in t)
        if sliding:
            notes.append(f"sliding window {window} on {sliding} of {layers} layers (layer_types)")
        return sliding, window if sliding else None
    if cfg.get("use_sliding_window") is False:
        return 0, None
    model_type = cfg.get("model_type") or config.get("model_type")
    if model_type in _ALL_SLIDING:
        notes.append(f"sliding window {window} on every layer")
        return layers, window
    notes.append(
        f"sliding_window {window} set but config.json has no layer_types:"
        " counted as full attention (an upper bound)"
    )
    return 0, None


def default_context(config: dict[str, Any]) -> int:
    """The model's own maximum, capped at 8,192 (what a first estimate usually wants)."""
    cfg = text_config(config)
    positions, _ = _first_int(
        cfg, "max_position_embeddings", "n_positions", "max_seq_len", "seq_length"
    )
    return min(positions, MAX_DEFAULT_CONTEXT) if positions else DEFAULT_CONTEXT


@dataclass(frozen=True)
class DeviceMemory:
    name: str  # "RAM", "cuda:0 NVIDIA H100"
    free: int
    total: int


@dataclass(frozen=True)
class MachineMemory:
    devices: tuple[DeviceMemory, ...]
    gpu_note: str  # why no GPU is listed, or ""


def machine_memory() -> MachineMemory:
    """Free RAM (psutil); each GPU's free memory when torch is already imported and sees CUDA."""
    devices: list[DeviceMemory] = []
    try:
        import psutil

        vm = psutil.virtual_memory()
        devices.append(DeviceMemory("RAM", int(vm.available), int(vm.total)))
    except Exception:  # psutil missing or /proc unreadable: say nothing rather than guess
        pass
    torch = sys.modules.get("torch")
    if torch is None:
        from hfbrowse.core.torch_check import torch_installed

        why = "torch not loaded yet" if torch_installed() else "torch not installed"
        return MachineMemory(tuple(devices), f"no GPU seen ({why})")
    try:
        if not torch.cuda.is_available():
            return MachineMemory(tuple(devices), "no GPU seen")
        for index in range(torch.cuda.device_count()):
            free, total = torch.cuda.mem_get_info(index)
            name = torch.cuda.get_device_name(index)
            devices.append(DeviceMemory(f"cuda:{index} {name}", int(free), int(total)))
    except Exception as exc:
        return MachineMemory(tuple(devices), f"no GPU seen ({type(exc).__name__})")
    return MachineMemory(tuple(devices), "")


@dataclass(frozen=True)
class PrecisionRow:
    precision: str
    weights: int  # bytes
    kv_cache: int | None  # bytes for (context, batch); None when not a causal LM
    fits: tuple[bool, ...]  # weights + KV cache ≤ free memory, per device of the estimate

    @property
    def total(self) -> int:
        return self.weights + (self.kv_cache or 0)


@dataclass(frozen=True)
class MemoryEstimate:
    parameters: int
    parameters_source: str
    stored_bytes: int | None  # the checkpoint as stored (quantised size included)
    rows: tuple[PrecisionRow, ...]
    kv: KVShape | None
    kv_note: str  # how KV was read, or why there is none
    context: int
    batch: int
    machine: MachineMemory


def estimate_memory(
    config: dict[str, Any],
    parameters: int,
    parameters_source: str,
    *,
    causal_lm: bool,
    context: int | None = None,
    batch: int = 1,
    stored_bytes: int | None = None,
    machine: MachineMemory | None = None,
) -> MemoryEstimate:
    """Weights at fp32/bf16/fp16/int8/int4 (+ KV cache for causal LMs) against free memory."""
    context = context if context and context > 0 else default_context(config)
    batch = max(1, batch)
    machine = machine if machine is not None else MachineMemory((), "not measured")
    kv, kv_note = kv_shape(config) if causal_lm else (None, "KV cache: only for causal LM heads")
    rows = []
    for name, per_param, kv_bytes in PRECISIONS:
        weights = parameters * round(per_param * 2) // 2  # integers: any count, no overflow
        cache = kv.cache_bytes(context, batch, kv_bytes) if kv else None
        need = weights + (cache or 0)
        rows.append(
            PrecisionRow(name, weights, cache, tuple(need <= d.free for d in machine.devices))
        )
    return MemoryEstimate(
        parameters,
        parameters_source,
        stored_bytes,
        tuple(rows),
        kv,
        kv_note,
        context,
        batch,
        machine,
    )


def head_parameters_source(
    head: str | None, compat: HeadCompat | None, counts: QuantizedCounts | None
) -> tuple[int | None, str]:
    """The parameter count memory is computed from: the head built on the meta device when
    compatibility was computed, else the checkpoint's (logical) count."""
    if compat is not None and compat.error is None and compat.head_parameters:
        return compat.head_parameters, f"{head} built on the meta device"
    if counts is not None:
        label = "checkpoint headers"
        if counts.quantized:
            label += " (logical, unpacked)"
        return counts.logical_parameters, label
    return None, "no parameter count"
