"""What every report section gets (the opened model, the options) and what it is made of.

Kept apart from ``document.py``, which lists the sections: a section imports this module, and
the document imports the sections, so nothing imports in a circle.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hfbrowse.core.console.backends.settings import BackendSettings
from hfbrowse.core.errors import HFBrowseError
from hfbrowse.core.hub.gateway import HubGateway
from hfbrowse.core.model import Checkpoint, ModelFacts
from hfbrowse.core.source.classes import ClassSource

Document = dict[str, Any]


@dataclass(frozen=True)
class ReportOptions:
    """What the command line asked the report for (beyond the model itself)."""

    head: str | None = None  # --head (already normalised)
    context: int | None = None
    batch: int = 1
    diff_head: str | None = None
    diff_model: str | None = None
    diff_config: str | None = None
    explain_config: bool = False
    revisions: bool = False  # --revisions: branches, tags, recent commits
    diff_revision: str | None = None  # --diff-revision REV
    family: bool = False  # --family: list the derived models (one request per relation)
    family_limit: int = 20  # --limit: derived models per relation
    run: str | None = None
    device: str | None = None
    dtype: str | None = None
    trust_remote_code: bool = False
    yes: bool = False  # accept what the TUI would ask before loading
    tokenize: str | None = None  # --tokenize: the text the tokenizer section shows
    backend: BackendSettings = field(default_factory=BackendSettings)  # where --run goes
    chat: bool = False  # --chat: --run is one chat turn
    system: str | None = None


@dataclass
class ReportContext:
    """The opened model, handed to every section's ``build``."""

    facts: ModelFacts
    checkpoint: Checkpoint
    head: str | None
    source: ClassSource | HFBrowseError | None
    gateway: HubGateway
    options: ReportOptions
    errors: list[str] = field(default_factory=list)  # asked-for sections that failed
    shared: dict[str, Any] = field(default_factory=dict)  # read once, used by two sections


@dataclass(frozen=True)
class Section:
    name: str
    build: Callable[[ReportContext, Document], None]
    text: Callable[[Document], list[str]]
