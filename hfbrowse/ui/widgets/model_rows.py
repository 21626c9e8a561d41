"""How the models list reads: a Hub result or a local model as a row, and the status line.

Markers before the name: ``▶`` the model open in the other panes, ``●`` in the local HF cache,
``🔒`` gated or private (opening it needs a token, and for gated repos accepted terms). The
``has`` column's letters (``G`` GGUF files, ``A`` PEFT adapter, ``P`` served by an inference
provider) and a parameter figure's ``?`` (the Hub's count is doubtful) are plain characters like
those marks: they read the same under NO_COLOR and in a LANG=C terminal; the status line says
what they mean for the highlighted row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.text import Text

from hfbrowse.core.formatting import human_bytes, human_count
from hfbrowse.core.hub.local_cache import LocalModel
from hfbrowse.core.hub.search import ModelHit, SearchQuery
from hfbrowse.core.hub.search_filters import MARKER_LETTERS, marker_letters
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


# Narrow panes drop columns from the right: at 80 columns the list keeps whole names (28), the
# markers and the parameter count, and gives up likes and dates first.
HUB_COLUMNS = (
    Column("  model", 28, flex=True, fit=fit_repo_id),
    Column("has", 3),
    Column("task", 20),
    Column("downloads", 9, "right"),
    Column("params", 7, "right"),
    Column("likes", 6, "right"),
    Column("updated", 10),
)
LOCAL_COLUMNS = (
    Column("  model", 24, flex=True, fit=fit_repo_id),
    Column("has", 3),
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
    return (_name(row.ref.display, cached, True), "", Text(where, style="dim"), *unknown)


def hub_cells(hit: ModelHit, cached: bool, opened: bool) -> tuple[Cell, ...]:
    return (
        _name(hit.repo_id, cached, opened, hit.restricted),
        Text(marker_letters(hit.markers), style="magenta"),
        Text(printable(hit.pipeline_tag or "—"), style="" if hit.pipeline_tag else "dim"),
        human_count(hit.downloads),
        _parameters(hit),
        human_count(hit.likes),
        printable(hit.updated or "—"),
    )


def _parameters(hit: ModelHit) -> Cell:
    """``7.62B``, or ``333.3K?`` when the Hub's figure is doubtful (the status line says why)."""
    if hit.parameters_doubt:
        return Text(human_count(hit.parameters) + "?", style="yellow")
    return human_count(hit.parameters)


def local_cells(model: LocalModel, opened: bool) -> tuple[Cell, ...]:
    used = datetime.fromtimestamp(model.last_used).date().isoformat() if model.last_used else "—"
    return (
        _name(model.name, model.where == "cache", opened),
        Text(marker_letters(model.markers), style="magenta"),
        Text(model.where, style="dim" if model.where == "cache" else "cyan"),
        human_bytes(model.size),
        used,
    )


def hub_status(query: SearchQuery, shown: int, more: bool, searching: bool, paging: bool) -> str:
    """``Hub · by downloads · task any · lib transformers · author meta-llama · 100+ shown``."""
    parts = [f"Hub · by {query.sort}", f"task {query.task or 'any'}"]
    parts.append(f"lib {query.library or 'any'}")
    parts += query.filters()
    if searching:
        parts.append("searching …")
    else:
        parts.append(f"{shown}{'+' if more else ''} shown" + (" …" if paging else ""))
    return " · ".join(parts)


def local_status(
    count: int, offline: bool, author: str | None = None, unapplied: tuple[str, ...] = ()
) -> str:
    """``local · 3 models · author meta-llama · not applied here: served``."""
    parts = [f"{'offline · ' if offline else ''}local · {count} model{'s' if count != 1 else ''}"]
    parts += [f"author {author}"] if author else []
    parts += [f"not applied here: {', '.join(unapplied)}"] if unapplied else []
    return " · ".join(parts)


def no_match(query: SearchQuery) -> str:
    words = [repr(query.text)] if query.text else ["the filters"]
    if query.task:
        words.append(f"for task {query.task}")
    if query.filters():
        words.append(f"with {', '.join(query.filters())}")
    return f"No models match {' '.join(words)}."


def marks_hint(hit: ModelHit) -> str | None:
    """The highlighted row's detail: why its parameter figure is doubtful, what its letters mean
    (``G GGUF files · P served by hf-inference, together``); None when it has neither."""
    if hit.parameters_doubt:
        return printable(f"params ? {hit.parameters_doubt}")
    parts = []
    for marker in hit.markers:
        letter, what = MARKER_LETTERS[marker]
        if marker == "served" and hit.providers:
            what = f"served by {', '.join(hit.providers)}"
        parts.append(f"{letter} {what}")
    return printable(" · ".join(parts)) if parts else None


def restricted_hint(kind: str) -> str:
    """What opening a gated or private model needs (the list's 🔒 rows)."""
    if kind == "private":
        return f"{LOCKED} private: opening it needs HF_TOKEN of an account with access"
    return f"{LOCKED} gated: needs HF_TOKEN of an account that accepted its terms on the Hub"
