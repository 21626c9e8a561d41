"""Where a model lives: a Hub repository (id + revision) or a folder on disk."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from hfbrowse.core.errors import ModelNotFound
from hfbrowse.core.safe_paths import check_revision

# The Hub's own rule (huggingface_hub.utils.validate_repo_id): one optional namespace.
_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.\-]{0,95}(/[\w.\-]{1,96})?$")


def is_hub_id(text: str) -> bool:
    """Whether ``text`` is a valid Hub repo id (``gpt2``, ``org/name``): the one rule, used
    before an id becomes a request or a cache folder name."""
    return bool(_REPO_ID.fullmatch(text)) and "--" not in text and ".." not in text


@dataclass(frozen=True)
class ModelRef:
    """A model the user asked for, before anything about it is known."""

    kind: Literal["hub", "local"]
    id: str  # Hub repo id, or the absolute folder path
    revision: str | None = None
    label: str | None = None  # e.g. "demo" for the built-in demo models

    def __post_init__(self) -> None:
        check_revision(self.revision)  # it names a file under refs/ in the HF cache

    @property
    def is_local(self) -> bool:
        return self.kind == "local"

    @property
    def display_name(self) -> str:
        """What the models list calls it: the folder's name, or the Hub id."""
        return Path(self.id).name if self.is_local else self.id

    @property
    def display(self) -> str:
        name = self.display_name
        rev = f"@{self.revision}" if self.revision and self.revision != "main" else ""
        tag = f" ({self.label})" if self.label else ""
        return f"{name}{rev}{tag}"


def parse_model_arg(
    arg: str, revision: str | None = None, known: Mapping[str, ModelRef] | None = None
) -> ModelRef:
    """Turn a typed MODEL into a reference: an existing path wins, then a name the user sees in
    the models list (``known``: ``tiny-bert-mlm`` for a demo folder), then a Hub id.

    Anything that looks like a path (``./x``, ``/x``, ``~/x``) but does not exist is an error
    rather than a Hub lookup, so a typo in a folder name never sends a request.
    """
    text = arg.strip()
    if not text:
        raise ModelNotFound("No model given.")
    path = Path(text).expanduser()
    try:
        exists = path.exists()
    except (OSError, ValueError):  # a name too long for the file system, a NUL byte …
        exists = False
    if known and text in known and not exists:
        return known[text]
    if exists:
        if not path.is_dir():
            raise ModelNotFound(f"{text} is a file; give the folder that holds config.json.")
        return ModelRef("local", str(path.resolve()), revision=None)
    looks_like_path = text.startswith((".", "/", "~")) or text.count("/") > 1 or "\\" in text
    if looks_like_path:
        raise ModelNotFound(f"No such folder: {text}")
    if not is_hub_id(text):
        raise ModelNotFound(f"{text!r} is neither a folder nor a valid Hub model id (org/name).")
    return ModelRef("hub", text, revision=revision)
