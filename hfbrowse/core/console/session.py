"""One loaded model at a time: device and dtype choice, loading safely, freeing on switch.

The console keeps the last model loaded so the next run costs only its own compute; asking for
another model, head, device or dtype frees it first (a laptop cannot hold two). Loading rules:
safetensors when the checkpoint has them (``use_safetensors=True``), otherwise torch's
weights-only unpickler (``weights_only=True``, after the user agreed), and repository code only
with ``trust_remote_code``.
"""

from __future__ import annotations

import contextlib
import gc
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hfbrowse.core.console.errors import RunError
from hfbrowse.core.console.preflight import WeightFiles
from hfbrowse.core.errors import HFBrowseError, one_line

DTYPE_NAMES = {
    "auto": "auto",
    "float32": "float32",
    "fp32": "float32",
    "float": "float32",
    "f32": "float32",
    "float16": "float16",
    "fp16": "float16",
    "half": "float16",
    "f16": "float16",
    "bfloat16": "bfloat16",
    "bf16": "bfloat16",
}


@contextlib.contextmanager
def gc_paused(when: bool = True) -> Iterator[None]:
    """Pause the cyclic GC while torch/transformers are imported and a model is loaded.

    Those imports create millions of objects, so full collections run over and over, each
    holding the GIL for 100-200 ms (measured): the UI thread freezes. Afterwards, one
    collection of generation 0 (which, with the GC off, holds exactly what was made meanwhile)
    drops the garbage cycles made during the load — a traceback caught while importing a model
    family holds frames that hold the model (seen with GPT-2), and frozen, it would never be
    freed — then everything alive (modules, classes, the model) is frozen out of later
    collections, which keeps them short. Measured: that collection takes ~0.2 s after the first
    load of a process (torch and transformers imported) and ~0 ms after later loads.
    """
    if not when:
        yield
        return
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.collect(0)
        gc.freeze()
        if was_enabled:
            gc.enable()


def normalise_dtype(name: str | None) -> str:
    """``None`` → ``"auto"`` (the checkpoint's dtype); ``fp16`` → ``float16``; else RunError."""
    key = (name or "auto").strip().lower().removeprefix("torch.")
    if key not in DTYPE_NAMES:
        raise RunError(f"unknown dtype {name!r}; use auto, float32, float16 or bfloat16")
    return DTYPE_NAMES[key]


def resolve_device(requested: str | None) -> str:
    """``None``/``auto`` → cuda, then mps, then cpu; an explicit device must exist here."""
    import torch

    text = (requested or "auto").strip().lower()
    if text == "auto":
        if torch.cuda.is_available():
            return "cuda"
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return "mps"
        return "cpu"
    try:
        device = torch.device(text)
    except (RuntimeError, ValueError):
        raise RunError(
            f"unknown device {requested!r}; use auto, cpu, cuda, cuda:N or mps"
        ) from None
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise RunError(f"--device {requested}: this torch build sees no CUDA GPU")
        if device.index is not None and device.index >= torch.cuda.device_count():
            count = torch.cuda.device_count()
            raise RunError(f"--device {requested}: only {count} CUDA device(s) here")
    if device.type == "mps":
        mps = getattr(torch.backends, "mps", None)
        if mps is None or not mps.is_available():
            raise RunError(f"--device {requested}: MPS is not available here")
    return str(device)


@dataclass(frozen=True)
class LoadKey:
    """What identifies a loaded model: another value of any field means another load."""

    model: str
    revision: str | None
    head: str
    device: str
    dtype: str
    trust_remote_code: bool
    device_map: str | None = None  # accelerate's dispatch ("auto", …); None: all on ``device``
    max_memory: tuple[tuple[str, str], ...] = ()
    adapter: str | None = None  # a PEFT adapter put on the model (its id or folder)
    adapter_revision: str | None = None
    gguf_file: str | None = None  # a GGUF file of ``model``, loaded dequantised

    def placement(self) -> dict[str, Any] | None:
        """``device_map``/``max_memory``/``offload_folder`` for from_pretrained, or None."""
        if self.device_map is None:
            return None
        from hfbrowse.core.console.placement import placement_kwargs

        return placement_kwargs(self.device_map, self.max_memory, self.model)


@dataclass
class LoadedModel:
    key: LoadKey
    model: Any
    tokenizer: Any
    folder: Path
    checkpoint: WeightFiles
    load_s: float
    dtype: str  # the dtype the weights ended up in, e.g. "float32"
    generation_config: dict[str, Any] = field(default_factory=dict)
    device_map: dict[str, Any] | None = None  # where a dispatched model's modules went
    # What from_pretrained initialised at random (missing from the checkpoint, or there with
    # another shape): this head's outputs mean nothing until it is trained.
    random_tensors: tuple[str, ...] = ()
    adapter_folder: Path | None = None  # the PEFT adapter put on the model

    @property
    def model_class(self) -> str:
        return type(self.model).__name__

    def random_notice(self) -> str | None:
        """One line for the console when part of the head is random, else None.

        The features head (AutoModel) shows ``last_hidden_state``, never the pooler: a random
        pooler (a BERT saved without one) changes nothing it shows, so it is not reported.
        """
        names = self.random_tensors
        if self.key.head == "AutoModel":
            names = tuple(n for n in names if "pooler." not in n)
        if not names:
            return None
        from hfbrowse.core.heads.compat_results import key_patterns

        n = len(names)
        which = ", ".join(key_patterns(names))
        noun = "tensor" if n == 1 else "tensors"
        return (
            f"{n} {noun} newly initialised (random): {which} — outputs are not meaningful"
            " (this checkpoint was not trained for this head)"
        )

    @property
    def device(self) -> str:
        """``cpu``, or ``cuda:0+cpu+disk (device_map)`` for a dispatched model."""
        from hfbrowse.core.console.placement import describe

        if self.key.device_map is not None and not self.device_map:
            return f"{self.model.device} (device_map)"  # accelerate put it all on one device
        return describe(self.device_map) or self.key.device


def load_kwargs(
    checkpoint: WeightFiles,
    dtype: str,
    trust_remote_code: bool,
    placement: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """``from_pretrained`` keyword arguments, as the snippet prints them (dtype as a name);
    ``placement``: accelerate's dispatch (``LoadKey.placement``)."""
    kwargs: dict[str, Any] = {"dtype": dtype}
    if checkpoint.format == "gguf":  # transformers dequantises it while loading
        kwargs["gguf_file"] = checkpoint.files[0]
    elif checkpoint.format == "safetensors":
        kwargs["use_safetensors"] = True
    else:
        kwargs["use_safetensors"] = False
        kwargs["weights_only"] = True
    if trust_remote_code:
        kwargs["trust_remote_code"] = True
    return kwargs | (placement or {})


class ModelSession:
    """Holds the one loaded model; used by one run at a time (the console runs serially)."""

    def __init__(self) -> None:
        self._loaded: LoadedModel | None = None
        self._lock = threading.Lock()
        # (adapter ref, head) → what it runs on (its base, opened once): targets.RunTarget
        self.targets: dict[tuple[Any, str], Any] = {}

    @property
    def loaded(self) -> LoadedModel | None:
        return self._loaded

    def get(self, key: LoadKey) -> LoadedModel | None:
        loaded = self._loaded
        return loaded if loaded is not None and loaded.key == key else None

    def load(
        self,
        key: LoadKey,
        folder: Path,
        checkpoint: WeightFiles,
        adapter_folder: Path | None = None,
    ) -> LoadedModel:
        """Free whatever is loaded, then load tokenizer and model from ``folder`` (and the PEFT
        adapter in ``adapter_folder`` on it)."""
        with self._lock:
            self.unload()
            started = time.perf_counter()
            tokenizer = _load_tokenizer(folder, key.trust_remote_code, key.gguf_file)
            model, random_tensors = _load_model(key, folder, checkpoint, adapter_folder)
            loaded = LoadedModel(
                key=key,
                model=model,
                tokenizer=tokenizer,
                folder=folder,
                checkpoint=checkpoint,
                load_s=time.perf_counter() - started,
                dtype=str(getattr(model, "dtype", "")).removeprefix("torch."),
                generation_config=_generation_dict(model),
                device_map=_device_map_of(model) if key.device_map else None,
                random_tensors=random_tensors,
                adapter_folder=adapter_folder,
            )
            self._loaded = loaded
            return loaded

    def unload(self) -> None:
        """Drop the model and give its memory back (RAM, and the CUDA cache when used)."""
        if self._loaded is None:
            return
        on_cuda = "cuda" in self._loaded.device
        self._loaded = None
        gc.collect()  # cheap: what gc_paused froze is not scanned
        if on_cuda:
            import torch

            torch.cuda.empty_cache()


def _load_tokenizer(folder: Path, trust_remote_code: bool, gguf_file: str | None = None) -> Any:
    """The folder's tokenizer, or the one a GGUF file carries in its metadata."""
    from hfbrowse.core.heads.meta_model import import_transformers

    transformers = import_transformers()
    extra = {"gguf_file": gguf_file} if gguf_file is not None else {}
    try:
        return transformers.AutoTokenizer.from_pretrained(
            str(folder), trust_remote_code=trust_remote_code, **extra
        )
    except Exception as exc:
        raise RunError(f"cannot load a tokenizer from {folder.name}: {one_line(exc)}") from None


def _load_model(
    key: LoadKey, folder: Path, checkpoint: WeightFiles, adapter_folder: Path | None = None
) -> tuple[Any, tuple[str, ...]]:
    """The model on its device (with the PEFT adapter on it), and the names of the tensors it
    initialised at random (transformers' own loading info: missing keys and shape
    mismatches)."""
    import torch

    from hfbrowse.core.config.tree import read_config
    from hfbrowse.core.heads.meta_model import check_buildable, import_transformers

    if key.gguf_file is None:  # a GGUF file's config was derived (and checked) from it
        try:  # a config that no model could be built from (10^9 layers would never finish)
            check_buildable(read_config(folder / "config.json"))
        except HFBrowseError as exc:
            raise RunError(str(exc)) from None
    placement = key.placement()
    if placement is not None:
        from hfbrowse.core.console.placement import require_accelerate

        require_accelerate()
    transformers = import_transformers()
    auto_class = getattr(transformers, key.head)
    kwargs = load_kwargs(checkpoint, key.dtype, key.trust_remote_code, placement)
    if key.dtype != "auto":
        kwargs["dtype"] = getattr(torch, key.dtype)
    try:
        model, info = auto_class.from_pretrained(str(folder), output_loading_info=True, **kwargs)
    except torch.OutOfMemoryError:
        raise RunError(f"out of memory loading the model on {key.device}") from None
    except MemoryError:
        raise RunError("out of memory loading the model (RAM)") from None
    except Exception as exc:
        what = key.gguf_file or folder.name
        raise RunError(f"{key.head} could not load {what}: {one_line(exc)}") from None
    if adapter_folder is not None:
        model = _with_adapter(model, adapter_folder)
    if placement is not None:  # accelerate placed (and hooked) every module: no .to()
        model.eval()
        return model, random_tensor_names(info)
    try:
        model.to(key.device)
    except torch.OutOfMemoryError:
        del model
        gc.collect()
        raise RunError(f"out of memory moving the model to {key.device}") from None
    model.eval()
    return model, random_tensor_names(info)


def _with_adapter(model: Any, adapter_folder: Path) -> Any:
    """``PeftModel.from_pretrained(model, adapter_folder)``: the adapter put on the base."""
    try:
        from peft import PeftModel
    except ImportError:
        from hfbrowse.core.console.targets import peft_missing_line

        raise RunError(peft_missing_line()) from None
    import warnings

    try:
        with warnings.catch_warnings():  # peft calls transformers' deprecated names
            warnings.simplefilter("ignore", FutureWarning)
            return PeftModel.from_pretrained(model, str(adapter_folder))
    except Exception as exc:
        raise RunError(f"peft could not put the adapter on the base: {one_line(exc)}") from None


def random_tensor_names(info: Any) -> tuple[str, ...]:
    """Missing and shape-mismatched keys from ``output_loading_info``, in their order."""
    if not isinstance(info, dict):
        return ()
    names = [str(k) for k in info.get("missing_keys") or ()]
    for entry in info.get("mismatched_keys") or ():
        name = entry[0] if isinstance(entry, tuple | list) and entry else entry
        names.append(str(name))
    return tuple(dict.fromkeys(names))


def _device_map_of(model: Any) -> dict[str, Any] | None:
    """accelerate's record of where each module went (``hf_device_map``)."""
    found = getattr(model, "hf_device_map", None)
    return dict(found) if isinstance(found, dict) else None


def _generation_dict(model: Any) -> dict[str, Any]:
    gen = getattr(model, "generation_config", None)
    if gen is None:
        return {}
    try:
        return dict(gen.to_diff_dict())
    except Exception:
        return {}
