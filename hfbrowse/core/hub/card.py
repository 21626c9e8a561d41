"""A model's card: README.md split into its YAML metadata (a small table) and Markdown body.

The card is a small file: it comes through the gateway (Hub, or the HF cache when offline) or
from a local folder, never with weights. Broken YAML does not hide the card: the metadata table
then says so and the body is still shown.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hfbrowse.core.errors import HFBrowseError, ModelNotFound
from hfbrowse.core.hub.gateway import HubGateway
from hfbrowse.core.model_ref import ModelRef

CARD_FILE = "README.md"
MAX_BODY_CHARS = 60_000  # the Markdown widget lays out every block; keep huge cards bounded
MAX_VALUE_CHARS = 120


@dataclass(frozen=True)
class ModelCard:
    ref: ModelRef
    metadata: tuple[tuple[str, str], ...]  # (key, value as one short line)
    body: str  # Markdown without the YAML block
    origin: str  # "hub", "cache" or "folder"
    metadata_error: str | None = None
    truncated: bool = False


def load_card(ref: ModelRef, gateway: HubGateway) -> ModelCard:
    """README.md of a folder or Hub repo; ModelNotFound when there is none."""
    if ref.is_local:
        path = Path(ref.id) / CARD_FILE
        if not path.is_file():
            raise ModelNotFound(f"{ref.display} has no model card ({CARD_FILE}).")
        origin = "folder"
    else:
        path = gateway.fetch_file(ref, CARD_FILE)  # errors say what is missing or needed
        origin = "cache" if gateway.offline else "hub"
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise HFBrowseError(f"{ref.display}: cannot read {CARD_FILE} ({exc.strerror}).") from None
    return parse_card(ref, text, origin)


def parse_card(ref: ModelRef, text: str, origin: str) -> ModelCard:
    """Split the front matter (``---`` YAML ``---``) from the Markdown body."""
    import yaml
    from huggingface_hub.repocard import REGEX_YAML_BLOCK

    metadata: tuple[tuple[str, str], ...] = ()
    error = None
    body = text
    match = REGEX_YAML_BLOCK.search(text)
    if match:
        body = text[match.end() :]
        try:
            data = yaml.safe_load(match.group(2))
        except yaml.YAMLError as exc:
            error = f"unreadable YAML metadata: {str(exc).splitlines()[0]}"
        else:
            if isinstance(data, dict):
                metadata = tuple((str(k), _one_line(v)) for k, v in data.items())
            elif data is not None:
                error = "the YAML metadata is not a mapping"
    truncated = len(body) > MAX_BODY_CHARS
    if truncated:
        body = body[:MAX_BODY_CHARS]
    return ModelCard(ref, metadata, body.strip("\n"), origin, error, truncated)


def _one_line(value: Any) -> str:
    if isinstance(value, list | tuple):
        text = ", ".join(_one_line(v) for v in value)
    elif isinstance(value, dict):
        text = json.dumps(value, ensure_ascii=False, default=str)
    else:
        text = str(value)
    text = " ".join(text.split())
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"
