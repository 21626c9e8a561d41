"""config.json as the file says it: raw JSON in its own key order, turned into tree nodes.

``AutoConfig`` rewrites keys (``rope_theta`` → ``rope_parameters``, ``torch_dtype`` → ``dtype``)
and adds defaults, so the tree is built from the parsed file, never from a config object.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from hfbrowse.core.errors import MalformedConfig
from hfbrowse.core.safe_paths import open_in_folder
from hfbrowse.core.untrusted import load_json

MAX_CONFIG_BYTES = 20_000_000
MAX_CONFIG_DEPTH = 64  # real configs nest 4 or 5 levels; 500 makes recursive readers fail
LIST_FOLD = 20  # lists longer than this show their first items and a "… N more" node

Kind = Literal["object", "list", "string", "number", "bool", "null", "more"]


@dataclass(frozen=True)
class ConfigNode:
    """One key (or list item) of the config: its label, kind, rendered value and children."""

    key: str
    kind: Kind
    value: str  # rendered scalar, or a summary such as "{7 keys}" / "[1,000 items]"
    path: str  # dotted path from the root, e.g. "rope_scaling.factor" or "architectures[0]"
    children: tuple[ConfigNode, ...] = ()


def read_config(path: Path) -> dict[str, Any]:
    """Parse config.json; anything but a JSON object of sane size and depth is a MalformedConfig
    (and a path that leads out of its folder, or a FIFO, an UnsafeInput): never an exception
    of another kind, never a wait."""
    try:
        fh, size = open_in_folder(path.parent, path.name)
        with fh:
            if size > MAX_CONFIG_BYTES:
                raise MalformedConfig(f"{path.name} is {size:,} bytes: too large to be a config.")
            data = fh.read(MAX_CONFIG_BYTES + 1)
    except FileNotFoundError:
        raise MalformedConfig(f"No config.json in {path.parent}.") from None
    except OSError as exc:
        raise MalformedConfig(f"Cannot read {path.name}: {exc.strerror or exc}.") from None
    return parse_config_text(data, path.name)


def parse_config_text(text: str | bytes, source: str = "config.json") -> dict[str, Any]:
    doc = load_json(text, source, max_depth=MAX_CONFIG_DEPTH, error=MalformedConfig)
    if not isinstance(doc, dict):
        raise MalformedConfig(f"{source} must hold a JSON object, not {type(doc).__name__}.")
    return doc


def scalar_kind(value: Any) -> Kind:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "object"
    return "list"


def render_scalar(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def build_tree(doc: dict[str, Any], max_depth: int = 64) -> tuple[ConfigNode, ...]:
    """The top-level nodes of ``doc``; deeper than ``max_depth`` is summarised, not recursed."""
    return tuple(_node(str(k), v, str(k), max_depth) for k, v in doc.items())


def _node(key: str, value: Any, path: str, depth: int) -> ConfigNode:
    kind = scalar_kind(value)
    if kind == "object":
        summary = f"{{{len(value)} key{'s' if len(value) != 1 else ''}}}"
        if depth <= 0:
            return ConfigNode(key, kind, summary, path)
        children = tuple(_node(str(k), v, f"{path}.{k}", depth - 1) for k, v in value.items())
        return ConfigNode(key, kind, summary, path, children)
    if kind == "list":
        summary = f"[{len(value):,} item{'s' if len(value) != 1 else ''}]"
        if depth <= 0:
            return ConfigNode(key, kind, summary, path)
        shown = value[:LIST_FOLD] if len(value) > LIST_FOLD else value
        children = [_node(f"[{i}]", v, f"{path}[{i}]", depth - 1) for i, v in enumerate(shown)]
        if len(value) > LIST_FOLD:
            rest = len(value) - LIST_FOLD
            children.append(ConfigNode("…", "more", f"{rest:,} more", f"{path}[…]"))
        return ConfigNode(key, kind, summary, path, tuple(children))
    return ConfigNode(key, kind, render_scalar(value), path)
