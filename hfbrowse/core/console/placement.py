"""In-process placement over several devices: accelerate's ``device_map`` dispatch.

``--device-map auto`` (with ``--max-memory cuda:0=20GiB,cpu=64GiB``) lets a model larger than
one device load: accelerate fills the GPUs in order, then CPU RAM, then disk (weights kept in
an offload folder and read layer by layer). Measured on a 26M model with ``cpu=40MB``: split
cpu/disk, identical outputs, 2–5× slower. Any ``device_map`` without accelerate raises a
ValueError deep in transformers: it is checked first here, in one line. ``.bin`` checkpoints
need ``offload_folder`` to offload; one is always given (under hfbrowse's folder in HF_HOME).
"""

from __future__ import annotations

import importlib.util
import shlex
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from hfbrowse.core.console.backends.settings import max_memory_for_accelerate
from hfbrowse.core.console.errors import RunError
from hfbrowse.core.paths import hfbrowse_home

ACCELERATE_REQUIREMENT = "accelerate>=1.0"


def accelerate_installed() -> bool:
    if "accelerate" in sys.modules:
        return True
    try:
        return importlib.util.find_spec("accelerate") is not None
    except (ImportError, ValueError):
        return False


def require_accelerate() -> None:
    """One line naming the install command, before transformers' ValueError could."""
    if not accelerate_installed():
        command = f"{shlex.quote(sys.executable)} -m pip install '{ACCELERATE_REQUIREMENT}'"
        raise RunError(
            "--device-map needs accelerate (it spreads the weights over GPUs, CPU and disk),"
            f" which is not installed; install it with: {command}"
        )


def offload_folder(model: str) -> Path:
    """Where disk-offloaded weights go: one folder per model under hfbrowse's home."""
    safe = "".join(c if c.isalnum() or c in "-_." else "--" for c in model.strip("/"))
    return hfbrowse_home() / "offload" / safe[-120:]


def placement_kwargs(
    device_map: str, max_memory: tuple[tuple[str, str], ...], model: str
) -> dict[str, Any]:
    """``from_pretrained`` arguments for a dispatched load (as the snippet repeats them)."""
    kwargs: dict[str, Any] = {"device_map": device_map}
    if max_memory:
        kwargs["max_memory"] = max_memory_for_accelerate(max_memory)
    kwargs["offload_folder"] = str(offload_folder(model))
    return kwargs


def _device_name(value: Any) -> str:
    text = str(value)
    return f"cuda:{text}" if text.isdigit() else text


def devices_in_order(device_map: dict[str, Any]) -> list[str]:
    """The devices a dispatched model uses, in the order its modules run."""
    seen: list[str] = []
    for value in device_map.values():
        name = _device_name(value)
        if name not in seen:
            seen.append(name)
    return seen


def execution_device(model: Any) -> Any:
    """Where a model's inputs go: its device, or for a dispatched model the first GPU it uses
    (else the CPU) — a model whose first layers sit on disk reports ``meta`` as its device."""
    device_map = getattr(model, "hf_device_map", None)
    if not isinstance(device_map, dict) or not device_map:
        return getattr(model, "device", "cpu")
    devices = devices_in_order(device_map)
    fast = [d for d in devices if d.startswith(("cuda", "mps", "xpu"))]
    return fast[0] if fast else "cpu"


def describe(device_map: dict[str, Any] | None) -> str | None:
    """``cuda:0+cuda:1+cpu (device_map)``; None for a model on one device."""
    if not device_map:
        return None
    return "+".join(devices_in_order(device_map)) + " (device_map)"


def split_notice(device_map: dict[str, Any] | None) -> str | None:
    """``device_map: 3 modules on cpu, 2 on disk`` — what the split looks like."""
    if not device_map:
        return None
    counts = Counter(_device_name(v) for v in device_map.values())
    parts = [f"{counts[d]} module{'s' if counts[d] != 1 else ''} on {d}" for d in counts]
    return "device_map: " + ", ".join(parts)
