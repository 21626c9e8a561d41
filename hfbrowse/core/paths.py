"""Folders hfbrowse writes to: only under the Hugging Face home (``HF_HOME``), nowhere else;
and the file names that say what a model folder or a path is (kept here, with no imports, so
that the start-up decides "not a GGUF file, not an adapter" without importing those readers)."""

from __future__ import annotations

import os
from pathlib import Path

GGUF_SUFFIX = ".gguf"
ADAPTER_CONFIG = "adapter_config.json"  # a PEFT adapter's config
ADAPTER_WEIGHTS = "adapter_model.safetensors"


def hf_home() -> Path:
    """``HF_HOME`` as huggingface_hub reads it (default ``~/.cache/huggingface``)."""
    env = os.environ.get("HF_HOME")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "huggingface"


def hfbrowse_home() -> Path:
    """hfbrowse's own corner of the HF home: demo models and cached Hub headers."""
    return hf_home() / "hfbrowse"


def demo_dir() -> Path:
    return hfbrowse_home() / "demo"


def header_cache_dir() -> Path:
    return hfbrowse_home() / "headers"
