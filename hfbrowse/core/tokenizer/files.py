"""The tokenizer's files of a model: ``tokenizer.json``, ``tokenizer_config.json``,
``special_tokens_map.json`` and ``chat_template.jinja``, from a folder or through the gateway
(the Hub, or the HF cache offline). Small text files only: never a weight."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hfbrowse.core.errors import HFBrowseError, MalformedConfig
from hfbrowse.core.hub.gateway import HubGateway
from hfbrowse.core.model_ref import ModelRef

TOKENIZER_JSON = "tokenizer.json"
TOKENIZER_CONFIG = "tokenizer_config.json"
SPECIAL_TOKENS_MAP = "special_tokens_map.json"
CHAT_TEMPLATE_JINJA = "chat_template.jinja"
NAMES = (TOKENIZER_JSON, TOKENIZER_CONFIG, SPECIAL_TOKENS_MAP, CHAT_TEMPLATE_JINJA)


@dataclass(frozen=True)
class TokenizerFiles:
    """Which of the files the model has, read: paths for tokenizer.json (parsed by the
    tokenizers library), the JSON files as dicts, the template as text."""

    tokenizer_json: Path | None = None
    config: dict[str, Any] = field(default_factory=dict)
    special_tokens_map: dict[str, Any] = field(default_factory=dict)
    chat_template_jinja: str | None = None
    found: tuple[str, ...] = ()


def tokenizer_files(
    ref: ModelRef, gateway: HubGateway, siblings: tuple[str, ...] | None = None
) -> TokenizerFiles:
    """The files a folder holds, or a Hub repo lists (``siblings``: from model_info; None:
    unknown, each is asked for and a missing one skipped)."""
    paths: dict[str, Path] = {}
    for name in NAMES:
        if ref.is_local:
            path = Path(ref.id) / name
            if path.is_file():
                paths[name] = path
        elif siblings is None or name in siblings:
            try:
                paths[name] = gateway.fetch_file(ref, name)
            except HFBrowseError:
                if siblings is not None:  # listed but unreadable: say so
                    raise
    return TokenizerFiles(
        tokenizer_json=paths.get(TOKENIZER_JSON),
        config=_json(paths.get(TOKENIZER_CONFIG)),
        special_tokens_map=_json(paths.get(SPECIAL_TOKENS_MAP)),
        chat_template_jinja=_text(paths.get(CHAT_TEMPLATE_JINJA)),
        found=tuple(n for n in NAMES if n in paths),
    )


def _json(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise MalformedConfig(f"{path.name}: not valid JSON ({exc}).") from None
    if not isinstance(value, dict):
        raise MalformedConfig(f"{path.name}: not a JSON object.")
    return value


def _text(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise MalformedConfig(f"{path.name}: unreadable ({exc}).") from None
