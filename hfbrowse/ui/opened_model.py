"""The model the main screen shows, as one immutable value handed down to every pane.

The screen replaces it as stages arrive (facts, then the checkpoint) or the head changes, and
calls each pane's ``show(opened)``; panes draw from it and never read each other or the app.
``token`` identifies one opening: answers of workers started for an older token are dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

from hfbrowse.core.errors import HFBrowseError
from hfbrowse.core.hub.family import Family
from hfbrowse.core.model import Checkpoint, ModelFacts
from hfbrowse.core.model_ref import ModelRef


@dataclass(frozen=True)
class OpenedModel:
    token: int
    ref: ModelRef
    facts: ModelFacts | None = None  # None while config.json is read (or when it failed)
    checkpoint: Checkpoint | None = None  # None while the headers are read
    head: str | None = None  # the head shown in the source pane and run by the console
    error: HFBrowseError | None = None  # the model could not be opened at all
    meta_pending: str | None = None  # no safetensors: this head is being built on meta
    head_note: str | None = None  # why the shown head is not the one asked for
    # Why the shown head is not the recommended one: "--head" (pinned at launch, for every
    # model that supports it) or "h" (chosen for this model); None: the recommended head.
    head_pin: str | None = None
    family: Family | None = None  # base models and derived count (read after the facts)

    @property
    def ready(self) -> bool:
        """Facts are known (the panes that need only config + heads can draw)."""
        return self.facts is not None
