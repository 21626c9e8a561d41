"""How the models list reads: a Hub result or a local model as a row, and the status line.

Markers before the name: ``▶`` the model open in the other panes, ``●`` in the local HF cache,
``🔒`` gated or private (opening it needs a token, and for gated repos accepted terms).
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text

from hfbrowse.core.formatting import human_bytes, human_count
from hfbrowse.core.hub.local_cache import LocalModel
from hfbrowse.core.hub.search import ModelHit, SearchQuery
from hfbrowse.core.untrusted import printable
from hfbrowse.ui.widgets.model_table import Cell, Column

HUB_COLUMNS = (
    Column("  model", 24, flex=True),
    Column("task", 20),
    Column("downloads", 9, "right"),
    Column("likes", 6, "right"),
    Column("params", 7, "right"),
    Column("updated", 10),
)
LOCAL_COLUMNS = (
    Column("  model", 24, flex=True),
    Column("where", 6),
    Column("size", 10, "right"),
    Column("last used", 10),
)
CACHED = "●"
OPENED = "▶"
LOCKED = "🔒"


def _name(name: str, cached: bool, opened: bool, restricted: str | None = None) -> Text:
    text = Text(no_wrap=True)
    text.append(OPENED if opened else " ", style="bold cyan" if opened else "")
    text.append(CACHED if cached else " ", style="green")
    if restricted:
        text.append(f"{LOCKED} ", style="yellow")
    text.append(printable(name), style="bold" if opened else "")
    return text


def hub_cells(hit: ModelHit, cached: bool, opened: bool) -> tuple[Cell, ...]:
    return (
        _name(hit.repo_id, cached, opened, hit.restricted),
        Text(printable(hit.pipeline_tag or "—"), style="" if hit.pipeline_tag else "dim"),
        human_count(hit.downloads),
        human_count(hit.likes),
        human_count(hit.parameters),
        printable(hit.updated or "—"),
    )


def local_cells(model: LocalModel, opened: bool) -> tuple[Cell, ...]:
    used = datetime.fromtimestamp(model.last_used).date().isoformat() if model.last_used else "—"
    return (
        _name(model.name, model.where == "cache", opened),
        Text(model.where, style="dim" if model.where == "cache" else "cyan"),
        human_bytes(model.size),
        used,
    )


def hub_status(query: SearchQuery, shown: int, more: bool, searching: bool, paging: bool) -> str:
    """``Hub · by downloads · task any · lib transformers · 100+ shown``."""
    parts = [f"Hub · by {query.sort}", f"task {query.task or 'any'}"]
    parts.append(f"lib {query.library or 'any'}")
    if searching:
        parts.append("searching …")
    else:
        parts.append(f"{shown}{'+' if more else ''} shown" + (" …" if paging else ""))
    return " · ".join(parts)


def local_status(count: int, offline: bool) -> str:
    return f"{'offline · ' if offline else ''}local · {count} model{'s' if count != 1 else ''}"


def no_match(query: SearchQuery) -> str:
    words = [repr(query.text)] if query.text else ["the filters"]
    if query.task:
        words.append(f"for task {query.task}")
    return f"No models match {' '.join(words)}."


def restricted_hint(kind: str) -> str:
    """What opening a gated or private model needs (the list's 🔒 rows)."""
    if kind == "private":
        return f"{LOCKED} private: opening it needs HF_TOKEN of an account with access"
    return f"{LOCKED} gated: needs HF_TOKEN of an account that accepted its terms on the Hub"
