"""The parts of the core that need torch/transformers objects. Call them from worker threads.

Kept in one module so the rule "torch only in worker code paths" has one place to check.
"""

from __future__ import annotations

import threading
from typing import Any

from hfbrowse.core.checkpoint.tensors import (
    SOURCE_META,
    TensorRow,
    TensorTable,
    dtype_nbytes,
    make_table,
)
from hfbrowse.core.log_capture import quiet_transformers

_import_lock = threading.Lock()

TORCH_TO_SAFETENSORS = {
    "float32": "F32",
    "float16": "F16",
    "bfloat16": "BF16",
    "float64": "F64",
    "int64": "I64",
    "int32": "I32",
    "int16": "I16",
    "int8": "I8",
    "uint8": "U8",
    "bool": "BOOL",
    "float8_e4m3fn": "F8_E4M3",
    "float8_e5m2": "F8_E5M2",
}


def import_transformers() -> Any:
    """Import transformers once (thread-safe) and silence its stderr logging and bars."""
    with _import_lock:
        import transformers

        quiet_transformers()
        return transformers


def import_transformers_class(name: str) -> type | None:
    transformers = import_transformers()
    try:
        return getattr(transformers, name)
    except (AttributeError, ImportError, RuntimeError):
        return None


def config_object(config: dict[str, Any]) -> Any:
    """A transformers config object from the raw dict (no remote code, no network)."""
    import_transformers()
    from transformers import CONFIG_MAPPING

    model_type = config.get("model_type")
    if model_type not in CONFIG_MAPPING:
        from hfbrowse.core.errors import UnsupportedModel

        raise UnsupportedModel(f"transformers has no config class for model_type {model_type!r}.")
    return CONFIG_MAPPING[model_type].from_dict(dict(config))


def meta_model(config: dict[str, Any], auto_class: str) -> Any:
    """Build ``auto_class`` for this config on the meta device: shapes only, no weights."""
    from hfbrowse.core.torch_check import require_torch

    require_torch("the tensor table built from config.json (meta device)")
    import torch

    transformers = import_transformers()
    cfg = config_object(config)
    with torch.device("meta"):
        return getattr(transformers, auto_class).from_config(cfg)


def meta_tensor_table(config: dict[str, Any], auto_class: str) -> TensorTable:
    """The head's parameters as a table, labelled as read from config rather than a checkpoint."""
    model = meta_model(config, auto_class)
    stored = config.get("torch_dtype") or config.get("dtype")
    rows = []
    for name, param in model.named_parameters():
        torch_dtype = stored if isinstance(stored, str) else str(param.dtype).removeprefix("torch.")
        dtype = TORCH_TO_SAFETENSORS.get(torch_dtype, "F32")
        count = param.numel()
        rows.append(
            TensorRow(name, tuple(param.shape), dtype, count, dtype_nbytes(dtype, count), "—")
        )
    return make_table(rows, f"{SOURCE_META} ({auto_class} on the meta device)", ())
