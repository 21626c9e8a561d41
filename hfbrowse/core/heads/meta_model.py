"""The parts of the core that need torch/transformers objects. Call them from worker threads.

Kept in one module so the rule "torch only in worker code paths" has one place to check.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from collections.abc import Iterator
from typing import Any, TypeGuard

from hfbrowse.core.checkpoint.tensors import (
    SOURCE_META,
    TensorRow,
    TensorTable,
    dtype_nbytes,
    make_table,
)
from hfbrowse.core.errors import HFBrowseError, MalformedConfig, one_line
from hfbrowse.core.formatting import grouped
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


# Keys whose value must be a whole number ≥ 0 when config.json gives one (the sizes the memory
# estimate reads and transformers builds layers from); checked before a model is built, so a
# "hidden_size": "abc" is named as such instead of surfacing as a torch error.
SIZE_KEYS = (
    "vocab_size", "hidden_size", "n_embd", "d_model", "dim", "intermediate_size", "n_inner",
    "d_ff", "ffn_dim", "num_hidden_layers", "n_layer", "num_layers", "n_layers",
    "encoder_layers", "decoder_layers", "num_decoder_layers", "num_attention_heads", "n_head",
    "num_heads", "n_heads", "num_key_value_heads", "num_kv_heads", "head_dim", "d_kv",
    "max_position_embeddings", "n_positions", "type_vocab_size", "num_labels",
    "num_experts", "num_local_experts", "n_routed_experts",
)  # fmt: skip
OBJECT_KEYS = ("id2label", "label2id", "quantization_config", "rope_scaling", "text_config")
# (key pattern, most a real model has): n_layer, num_hidden_layers, …; num_experts, … (the
# largest real models have ~130 layers; Switch-C has 2,048 experts).
REPEATS = (
    (re.compile(r"(^|_)layers?$"), 2_000, "layers"),
    (re.compile(r"_experts$"), 10_000, "experts"),
)
# What one meta-device build may cost before it is stopped: modules, parameters and buffers
# registered, and seconds. A 70B Llama registers ~2,000; DeepSeek-V3 unfused ~110,000.
MAX_REGISTRATIONS = 2_000_000
MAX_BUILD_SECONDS = 20.0


def check_buildable(config: dict[str, Any]) -> None:
    """MalformedConfig, worded for config.json, when building a model from it is hopeless or
    endless: a size that is no whole number, a label map or quantisation config that is no
    object, a layer or expert count beyond ``REPEATS`` (10^9 layers would take memory until
    the machine gives out). The config tree and everything else still show; this is only the
    meta-device model's verdict."""
    for scope, cfg in _scopes(config):
        for key in SIZE_KEYS:
            value = cfg.get(key)
            if value is not None and not (_whole(value) and value >= 0):
                raise MalformedConfig(
                    f"config.json: {scope}{key} is {_json_short(value)}, not a whole number ≥ 0;"
                    " the model cannot be built from it."
                )
        for key in OBJECT_KEYS:
            value = cfg.get(key)
            if value is not None and not isinstance(value, dict):
                raise MalformedConfig(
                    f"config.json: {scope}{key} is {_json_short(value)}, not an object;"
                    " the model cannot be built from it."
                )
        for key, value in cfg.items():
            for pattern, most, noun in REPEATS:
                if _whole(value) and value > most and pattern.search(str(key)):
                    raise MalformedConfig(
                        f"config.json: {scope}{key} is {grouped(value)}: no real model has over"
                        f" {most:,} {noun}, and building it would take without end; not built."
                    )


def _scopes(config: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    nested = config.get("text_config")
    return [("", config)] + ([("text_config.", nested)] if isinstance(nested, dict) else [])


def _whole(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _json_short(value: object) -> str:
    if isinstance(value, dict | list):
        return f"a JSON {'object' if isinstance(value, dict) else 'list'}"
    if _whole(value):
        return grouped(value)
    text = json.dumps(value)
    return text if len(text) <= 40 else text[:39] + "…"


def build_error(exc: BaseException, what: str) -> HFBrowseError:
    """An exception from building ``what`` from config.json, as one line that blames the
    config when the config is at fault (transformers' field validation, torch's size errors)."""
    if isinstance(exc, HFBrowseError):
        return exc
    text = one_line(exc, 200)
    name = type(exc).__name__
    if name == "StrictDataclassFieldValidationError" or "Validation error for field" in text:
        return MalformedConfig(f"config.json: {text}; {what} cannot be built from it.")
    if isinstance(exc, RecursionError):
        return MalformedConfig(f"config.json nests too deeply for {what} to be built.")
    if isinstance(exc, MemoryError):
        return MalformedConfig(f"{what} from config.json needs more memory than there is.")
    if isinstance(exc, RuntimeError | TypeError | ValueError | OverflowError) and any(
        marker in text
        for marker in ("overflow", "negative dimension", "size", "must be", "expected")
    ):
        return MalformedConfig(f"config.json gives sizes {what} cannot be built with ({text}).")
    return MalformedConfig(f"{what} cannot be built from config.json ({name}: {text}).")


def config_object(config: dict[str, Any]) -> Any:
    """A transformers config object from the raw dict (no remote code, no network), after
    ``check_buildable``; whatever transformers says against it is one MalformedConfig line."""
    import_transformers()
    from transformers import CONFIG_MAPPING

    from hfbrowse.core.errors import UnsupportedModel

    model_type = config.get("model_type")
    if not isinstance(model_type, str) or model_type not in CONFIG_MAPPING:
        raise UnsupportedModel(f"transformers has no config class for model_type {model_type!r}.")
    check_buildable(config)
    cls = CONFIG_MAPPING[model_type]
    try:
        return cls.from_dict(dict(config))
    except Exception as exc:
        raise build_error(exc, cls.__name__) from None


class _Budget(threading.local):
    """The build under way in this thread: how much it may still register, and until when."""

    active: bool = False
    left: int = 0
    deadline: float = 0.0
    what: str = ""


_budget = _Budget()
_hooks_installed = False


def _count(*_args: Any) -> None:
    """Registration hook (all threads; only a budgeted build in this thread counts)."""
    budget = _budget
    if not budget.active:
        return
    budget.left -= 1
    if budget.left < 0 or (budget.left % 512 == 0 and time.monotonic() > budget.deadline):
        budget.active = False  # raised once; the build unwinds
        raise MalformedConfig(
            f"{budget.what} from config.json is larger than any real model (over"
            f" {MAX_REGISTRATIONS:,} modules and tensors, or {MAX_BUILD_SECONDS:.0f} s): stopped."
        )


@contextlib.contextmanager
def build_budget(what: str) -> Iterator[None]:
    """Bound a meta-device build in this thread (modules, parameters and buffers registered,
    and time): past either, MalformedConfig ends it instead of memory growing for ever."""
    global _hooks_installed
    from torch.nn.modules import module as torch_module

    with _import_lock:
        if not _hooks_installed:
            torch_module.register_module_module_registration_hook(_count)
            torch_module.register_module_parameter_registration_hook(_count)
            torch_module.register_module_buffer_registration_hook(_count)
            _hooks_installed = True
    budget = _budget
    budget.active, budget.what = True, what
    budget.left = MAX_REGISTRATIONS
    budget.deadline = time.monotonic() + MAX_BUILD_SECONDS
    try:
        yield
    finally:
        budget.active = False


def skip_init_mode() -> Any:
    """A torch function mode that skips ``torch.nn.init.*_`` calls (meta tensors: nothing to fill).

    Torch function modes are thread-local, unlike transformers' ``no_init_weights``, which patches
    torch globally and would race with a model the console is loading at the same time.
    """
    from torch.overrides import TorchFunctionMode

    class SkipInit(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            kwargs = kwargs or {}
            name = getattr(func, "__name__", "")
            if getattr(func, "__module__", None) == "torch.nn.init" and name.endswith("_"):
                return args[0] if args else kwargs.get("tensor")
            return func(*args, **kwargs)

    return SkipInit()


def meta_model(config: dict[str, Any], auto_class: str) -> Any:
    """Build ``auto_class`` for this config on the meta device: shapes only, no weights."""
    from hfbrowse.core.torch_check import require_torch

    require_torch("the tensor table built from config.json (meta device)")
    import torch

    transformers = import_transformers()
    cfg = config_object(config)
    try:
        with build_budget(auto_class), torch.device("meta"), skip_init_mode():
            return getattr(transformers, auto_class).from_config(cfg)
    except Exception as exc:
        raise build_error(exc, auto_class) from None


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
