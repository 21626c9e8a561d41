"""How the models list reads: a Hub result or a local model as a row, and the status line.

Markers before the name: ``▶`` the model open in the other panes, ``●`` in the local HF cache,
``🔒`` gated or private (opening it needs a token, and for gated repos accepted terms).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.text import Text

from hfbrowse.core.formatting import human_bytes, human_count
from hfbrowse.core.hub.local_cache import LocalModel
from hfbrowse.core.hub.search import ModelHit, SearchQuery
from hfbrowse.core.model_ref import ModelRef
from hfbrowse.core.untrusted import printable
from hfbrowse.ui.widgets.model_table import Cell, Column


def fit_repo_id(cell: Text, width: int) -> Text:
    """A name cell too wide for its column keeps the model's name and gives up its owner:
    ``▶●sentence-transformers/all-MiniLM-L6-v2`` → ``▶●sentence-…/all-MiniLM-L6-v2``, then
    ``▶●…/all-MiniLM-L6-v2``; only a name that alone is too long is cut at its end."""
    plain = cell.plain
    start = MARKS + (len(LOCKED) + 1 if plain[MARKS:].startswith(LOCKED) else 0)
    slash = plain.find("/", start)
    if slash < 0:
        return cell
    prefix, tail = cell[:start], cell[slash:]  # tail: "/name"
    room = width - prefix.cell_len - tail.cell_len - 1  # for the owner, beside its "…"
    owner = cell[start:slash]
    owner.truncate(max(room, 0))
    return Text.assemble(prefix, owner, "…", tail, no_wrap=True)


HUB_COLUMNS = (
    Column("  model", 24, flex=True, fit=fit_repo_id),
    Column("task", 20),
    Column("downloads", 9, "right"),
    Column("likes", 6, "right"),
    Column("params", 7, "right"),
    Column("updated", 10),
)
LOCAL_COLUMNS = (
    Column("  model", 24, flex=True, fit=fit_repo_id),
    Column("where", 6),
    Column("size", 10, "right"),
    Column("last used", 10),
)
CACHED = "●"
OPENED = "▶"
LOCKED = "🔒"
MARKS = 2  # the opened and cached marks before every name


def _name(name: str, cached: bool, opened: bool, restricted: str | None = None) -> Text:
    text = Text(no_wrap=True)
    text.append(OPENED if opened else " ", style="bold cyan" if opened else "")
    text.append(CACHED if cached else " ", style="green")
    if restricted:
        text.append(f"{LOCKED} ", style="yellow")
    text.append(printable(name), style="bold" if opened else "")
    return text


@dataclass(frozen=True)
class OpenedRow:
    """The opened model, first in the Hub list while the results do not hold it (a model
    opened by id or from the local list): the list always has the model the panes show."""

    ref: ModelRef


def opened_cells(row: OpenedRow, cached: bool) -> tuple[Cell, ...]:
    """Hub columns for the opened model: its name; the Hub's figures are not fetched for it."""
    where = "folder" if row.ref.is_local else "opened"
    unknown = tuple(Text("—", style="dim") for _ in range(4))  # one Text each: cells are fitted
    return (_name(row.ref.display, cached, True), Text(where, style="dim"), *unknown)


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
