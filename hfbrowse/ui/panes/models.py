"""Left pane: search the Hub, or browse what opens offline (given folders, demo models, cache).

Two views share one search box: **hub** (``list_models``, debounced: one request per pause in
typing; a newer search supersedes older ones by token, and its rows page in as the list is
scrolled) and **local** (filtered as you type). Filters come from keys (``o`` author, ``p``
parameter range, ``G`` gated, ``i`` served, ``x`` clear) and from tokens typed in the box
(``author:meta-llama params:1B..8B gated:no served``): the keys set the base query, the typed
tokens override it while they are in the box. Offline — or when the first request finds no
network — only the local view is offered. The pane owns this state; slow work runs in thread
workers that post messages back.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Static

from hfbrowse.core.errors import HFBrowseError, OfflineError
from hfbrowse.core.hub.gateway import HubGateway
from hfbrowse.core.hub.local_cache import (
    LocalModel,
    cached_models,
    filter_local_query,
    local_models,
)
from hfbrowse.core.hub.search import ModelHit, SearchQuery, SearchStream, check_reachable
from hfbrowse.core.hub.search_filters import GATED_CHOICES, SearchFilterError, parse_range
from hfbrowse.core.hub.search_terms import LIBRARIES, SORTS, search_tasks
from hfbrowse.core.model_ref import ModelRef
from hfbrowse.core.untrusted import printable
from hfbrowse.ui import keys
from hfbrowse.ui.widgets.model_rows import (
    HUB_COLUMNS,
    LOCAL_COLUMNS,
    OpenedRow,
    hub_cells,
    hub_status,
    local_cells,
    local_status,
    marks_hint,
    no_match,
    opened_cells,
    restricted_hint,
)
from hfbrowse.ui.widgets.model_table import ModelTable

DEBOUNCE_S = 0.3
PAGE_ROWS = 100  # rows pulled per fetch; the Hub's own page size decides the requests


class ModelsPane(Vertical, can_focus=False):
    BINDINGS: ClassVar[list[BindingType]] = keys.bindings(keys.MODELS)
    DEFAULT_CSS = """
    ModelsPane #models-status { height: 1; padding: 0 1; color: $text-muted; }
    ModelsPane #models-status.-error { color: $text-error; }
    """

    @dataclass
    class OpenRequested(Message):
        ref: ModelRef

    @dataclass
    class _Page(Message):
        token: int
        stream: SearchStream
        hits: tuple[ModelHit, ...]
        first: bool

    @dataclass
    class _Failed(Message):
        token: int
        error: HFBrowseError

    @dataclass
    class _LocalScanned(Message):
        models: tuple[LocalModel, ...]
        cached_ids: frozenset[str]

    def __init__(
        self,
        refs: list[ModelRef],
        gateway: HubGateway,
        search: SearchQuery | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.gateway = gateway
        self.initial_search = search
        self.given = list(refs)
        self.local: tuple[LocalModel, ...] = ()
        self.shown_local: list[LocalModel] = []
        self.local_unapplied: list[str] = []  # active filters the local list cannot apply
        self.local_query = SearchQuery()  # what the local list was filtered by
        self.cached_ids: frozenset[str] = frozenset()
        self.opened: ModelRef | None = None
        self.view = "hub"
        self.search_query = search or SearchQuery()
        # What the keys (and --search's options) chose; the box's tokens go over it.
        self.base_query = replace(self.search_query, text="")
        self.typed_error: str | None = None  # a filter token in the box not understood
        self.hits: list[ModelHit] = []
        self._hub_items: list[ModelHit | OpenedRow] = self.hits  # what the Hub view lists
        self.stream: SearchStream | None = None
        self.token = 0
        self.started = False  # a Hub search ran (or runs) in this session
        self.searching = False
        self.paging = False
        self.error: str | None = None
        self._reached = False  # the Hub answered once: later searches skip the check
        self._debounce: Timer | None = None
        self._cache_stale = False
        # Scanning the HF cache imports most of huggingface_hub (~90 ms of the GIL): with a model
        # to open first, it waits until that model is drawn (``background_ready``).
        self._scan_ready = not any(r for r in refs)
        self._scan_pending = False

    @property
    def entries(self) -> list[ModelRef]:
        """Models the command palette offers: local ones, then the first Hub results."""
        return [m.ref for m in self.local] + [h.ref for h in self.hits[:200]]

    def compose(self) -> ComposeResult:
        yield Input(placeholder="/ search models…", id="models-filter")
        yield Static(id="models-status")
        yield ModelTable(id="model-list")

    def on_mount(self) -> None:
        self.border_title = "models"
        self.local = local_models(self.given, (), sized=False)  # sizes and cache: _scan_local
        if self.gateway.offline or any(r.is_local for r in self.given):
            self.view = "local"
        if self.initial_search is not None:  # --search: the Hub list, with that query
            self.view = "hub"
            self.query_one("#models-filter", Input).value = self.initial_search.text
        self._scan_local()
        self._show()
        if self.view == "hub" and (not self.given or self.initial_search is not None):
            self.start_search()  # no model given: the list is the first thing shown

    # -- local models ----------------------------------------------------------------------
    def background_ready(self) -> None:
        """The screen's first model is drawn: work that waited for it may start now."""
        self._scan_ready = True
        if self._scan_pending:
            self._scan_pending = False
            self._scan_local()

    def _scan_local(self) -> None:
        if not self._scan_ready:
            self._scan_pending = True
            return
        self._scan_worker()

    @work(thread=True, exclusive=True, group="models-local", exit_on_error=False)
    def _scan_worker(self) -> None:
        cached = cached_models()
        models = local_models(list(self.given), cached)
        self.post_message(self._LocalScanned(models, frozenset(c.repo_id for c in cached)))

    @on(_LocalScanned)
    def _local_scanned(self, msg: _LocalScanned) -> None:
        self.local = msg.models
        self.cached_ids = msg.cached_ids
        if self.view == "local":
            self._show(keep_cursor=True)
        else:
            self.table.redraw()  # cache markers
            self._status()

    def mark_opened(self, ref: ModelRef) -> None:
        """Called by the screen when it opens ``ref``: mark it, and list it in both views."""
        self.opened = ref
        if ref not in self.given:
            self.given.insert(0, ref)
        if not any(m.ref.id == ref.id for m in self.local):  # listed now; the scan sizes it
            self.local = (*local_models([ref], (), sized=False), *self.local)
        self._cache_stale = True  # opening a Hub model caches its small files
        if ref.is_local or self.view == "local":
            self._scan_local()
        self._show(keep_cursor=True)  # Hub view: first, unless the results hold it

    def on_descendant_blur(self) -> None:
        self._status()  # the list left: its row's detail gives way to the search's summary

    def on_descendant_focus(self) -> None:
        self._status()  # the highlighted row's detail shows while the list has focus
        if self._cache_stale:  # coming back to the list: show what opening models cached
            self._cache_stale = False
            self._scan_local()

    # -- Hub search ----------------------------------------------------------------------------
    def start_search(self) -> None:
        """Run ``self.search_query`` now; any earlier search's answers will be dropped."""
        if self._debounce is not None:
            self._debounce.stop()
            self._debounce = None
        if self.gateway.offline:
            self._went_offline(None)
            return
        self.token += 1
        self.started = True
        self.searching = True
        self.paging = False
        self.error = None
        if self.view == "hub" and not self.hits:
            self._show()  # an empty list says it is searching; rows stay until new ones come
        else:
            self._status()
        self._search(self.gateway, self.search_query, self.token, not self._reached)

    @work(thread=True, exclusive=True, group="models-search", exit_on_error=False)
    def _search(self, gateway: HubGateway, query: SearchQuery, token: int, check: bool) -> None:
        try:
            if check:
                check_reachable(gateway)
            stream = SearchStream(gateway, query)
            self.post_message(self._Page(token, stream, stream.next_batch(PAGE_ROWS), True))
        except HFBrowseError as exc:
            self.post_message(self._Failed(token, exc))
        except Exception as exc:
            self.post_message(self._Failed(token, HFBrowseError(f"Hub search failed: {exc!r}")))

    @work(thread=True, exclusive=True, group="models-page", exit_on_error=False)
    def _next_page(self, stream: SearchStream, token: int) -> None:
        try:
            self.post_message(self._Page(token, stream, stream.next_batch(PAGE_ROWS), False))
        except HFBrowseError as exc:
            self.post_message(self._Failed(token, exc))
        except Exception as exc:
            self.post_message(self._Failed(token, HFBrowseError(f"Hub search failed: {exc!r}")))

    @on(_Page)
    def _page(self, msg: _Page) -> None:
        if msg.token != self.token:
            return
        self._reached = True
        self.searching = False
        self.paging = False
        if msg.first:
            self.stream = msg.stream
            self.hits = list(msg.hits)
            if self.view == "hub":
                self._show()
        elif msg.stream is self.stream:
            shown = self.table.items is self._hub_items
            if self._hub_items is not self.hits or not shown:
                self.hits.extend(msg.hits)
            if shown:
                self.table.append(msg.hits)  # extends what the table lists, in place
        self._status()

    @on(_Failed)
    def _failed(self, msg: _Failed) -> None:
        if msg.token != self.token:
            return
        self.searching = self.paging = False
        if isinstance(msg.error, OfflineError):
            self._went_offline(str(msg.error))
            return
        self.error = str(msg.error)
        if self.view == "hub":
            self._show(keep_cursor=True)  # the empty list says what failed, not "searching"
        self.notify(self.error, severity="error", title="search")

    def _went_offline(self, reason: str | None) -> None:
        self.searching = False
        if self.view != "local":
            self.view = "local"
            self.notify(reason or "Offline: showing the local cache.", severity="warning")
            self._show()
        self._status()

    @on(ModelTable.NearEnd, "#model-list")
    def _near_end(self, msg: ModelTable.NearEnd) -> None:
        stream = self.stream
        if self.view != "hub" or stream is None or stream.exhausted or self.paging:
            return
        if self.searching:
            return
        self.paging = True
        self._status()
        self._next_page(stream, self.token)

    # -- the search box ------------------------------------------------------------------------
    def _typed_query(self, typed: str) -> SearchQuery | None:
        """The base query with what the box says; None (and the status says why) when one of
        its filter tokens cannot be understood."""
        try:
            query = SearchQuery.typed(typed.strip(), self.base_query)
        except SearchFilterError as exc:
            self.typed_error = str(exc)
            return None
        self.typed_error = None
        return query

    def _requery(self) -> None:
        """The keys changed the base query: search again with the box's text over it."""
        if self.view != "hub":  # the local list reads the box and the base query itself
            self._show(keep_cursor=True)
            return
        query = self._typed_query(self.query_one("#models-filter", Input).value)
        if query is None:
            self._status()
            return
        self.search_query = query
        self.start_search()

    @on(Input.Changed, "#models-filter")
    def _typed(self, event: Input.Changed) -> None:
        if self.view == "local":
            self._show()
            return
        query = self._typed_query(event.value)
        if query is None and self._debounce is not None:  # not what the box says now
            self._debounce.stop()
            self._debounce = None
        if query is None or (query == self.search_query and self.started):
            self._status()
            return
        self.search_query = query
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(DEBOUNCE_S, self.start_search)

    @on(Input.Submitted, "#models-filter")
    def _submitted(self) -> None:
        """Enter opens the highlighted model — the best match of what was typed — once the
        list shows the results for it; typed faster than the search (or after a failed one),
        Enter runs the search at once and moves to the list instead, so nothing unseen opens.
        ↓ moves to the list."""
        if self.view == "hub" and (
            self._debounce is not None or not self.started or self.searching or self.error
        ):
            if not self.searching or self._debounce is not None:
                self.start_search()  # now, not after the pause; alone: the top ones; or again
            self.action_focus_list()
            return
        ref = self._current_ref()
        self.action_focus_list()  # single-letter keys act again once the model is open
        if ref is not None:
            self.post_message(self.OpenRequested(ref))

    def action_focus_list(self) -> None:
        self.table.focus()

    # -- keys on the list ---------------------------------------------------------------------
    def action_cycle(self, field: str) -> None:
        if self.view != "hub":
            self.notify("Sort and filters apply to Hub results (v shows them).")
            return
        options = {"sort": tuple(SORTS), "task": search_tasks(), "library": LIBRARIES}[field]
        self.base_query = self.base_query.cycled(field, options)
        self._requery()

    def _hub_only(self, what: str) -> bool:
        """In the local view, say that ``what`` needs the Hub's data; True when it does."""
        if self.view == "hub":
            return False
        self.notify(f"{what} applies to Hub results (v shows them); not to local models.")
        return True

    def action_author(self) -> None:
        from hfbrowse.ui.screens.model_prompt import ModelPrompt

        def chosen(author: str | None) -> None:
            if author is not None:  # "" clears it; None: escape
                self.base_query = replace(
                    self.base_query, author=author.split()[0] if author else None
                )
                self._requery()

        known = {h.repo_id.split("/")[0]: None for h in self.hits[:500] if "/" in h.repo_id}
        prompt = ModelPrompt(
            "models by author",
            known,
            "a user or organisation, e.g. meta-llama (empty: any author)",
            hint="enter filters · → completes · escape cancels · typed: author:NAME",
            value=self.base_query.author or "",
            empty_clears=True,
        )
        self.app.push_screen(prompt, chosen)

    def action_params(self) -> None:
        from hfbrowse.ui.screens.model_prompt import ModelPrompt

        if self._hub_only("The parameter range"):
            return

        def chosen(text: str | None) -> None:
            if text is None:
                return
            try:
                lo, hi = parse_range(text) if text else (None, None)
            except SearchFilterError as exc:
                self.notify(str(exc), severity="error", title="parameters")
                return
            self.base_query = replace(self.base_query, params_min=lo, params_max=hi)
            self._requery()

        prompt = ModelPrompt(
            "parameter range (the Hub's safetensors count)",
            None,
            "1B..8B, ..500M or 7B.. (empty: any size)",
            hint="enter filters · escape cancels · typed: params:1B..8B",
            value=self.base_query.params_range or "",
            empty_clears=True,
        )
        self.app.push_screen(prompt, chosen)

    def action_cycle_gated(self) -> None:
        if self._hub_only("Gated/ungated"):
            return
        current = self.base_query.gated or "any"
        value = GATED_CHOICES[(GATED_CHOICES.index(current) + 1) % len(GATED_CHOICES)]
        self.base_query = replace(self.base_query, gated=None if value == "any" else value)
        self._requery()

    def action_toggle_served(self) -> None:
        if self._hub_only("Served by a provider"):
            return
        self.base_query = replace(self.base_query, served=not self.base_query.served)
        self._requery()

    def action_clear_filters(self) -> None:
        self.base_query = replace(
            self.base_query, author=None, params_min=None, params_max=None, gated=None, served=False
        )
        self._requery()

    def action_toggle_view(self) -> None:
        if self.view == "hub":
            self.view = "local"
        elif self.gateway.offline:
            self.notify("Offline: the Hub cannot be searched; this is the local cache.")
            return
        else:
            self.view = "hub"
            query = self._typed_query(self.query_one("#models-filter", Input).value)
            if query is not None and (not self.started or query != self.search_query):
                self.search_query = query
                self.start_search()
        self._show()

    def _current_ref(self) -> ModelRef | None:
        item = self.table.current
        if isinstance(item, ModelHit | LocalModel | OpenedRow):
            return item.ref
        return None

    def _highlighted_or_say(self, what: str) -> ModelRef | None:
        ref = self._current_ref()
        if ref is None:
            hint = "/ searches the Hub" if self.view == "hub" else "v shows the Hub results"
            self.notify(f"No model highlighted to show {what} of: {hint}.")
        return ref

    def action_card(self) -> None:
        from hfbrowse.ui.screens.card import ModelCardScreen

        if (ref := self._highlighted_or_say("the card")) is not None:
            self.app.push_screen(ModelCardScreen(ref, self.gateway))

    def action_files(self) -> None:
        from hfbrowse.ui.screens.files import RepoFilesScreen

        if (ref := self._highlighted_or_say("the files")) is not None:
            self.app.push_screen(RepoFilesScreen(ref, self.gateway))

    @on(ModelTable.Selected, "#model-list")
    def _selected(self, msg: ModelTable.Selected) -> None:
        ref = self._current_ref()
        if ref is not None:
            self.post_message(self.OpenRequested(ref))

    @on(ModelTable.Highlighted, "#model-list")
    def _highlighted(self) -> None:
        self._status()

    # -- drawing -------------------------------------------------------------------------------
    @property
    def table(self) -> ModelTable:
        return self.query_one("#model-list", ModelTable)

    def _is_opened(self, ref: ModelRef) -> bool:
        return self.opened is not None and self.opened.id == ref.id

    def _hub_cells(self, hit: ModelHit):
        return hub_cells(hit, hit.repo_id in self.cached_ids, self._is_opened(hit.ref))

    def _local_cells(self, model: LocalModel):
        return local_cells(model, self._is_opened(model.ref))

    def _row_cells(self, item: ModelHit | OpenedRow):
        if isinstance(item, OpenedRow):
            return opened_cells(item, item.ref.id in self.cached_ids)
        return self._hub_cells(item)

    def _hub_rows(self) -> list[ModelHit | OpenedRow]:
        """The results, after the opened model when they do not hold it and it matches the
        typed text (as the local view filters)."""
        opened = self.opened
        if opened is None or any(h.repo_id == opened.id for h in self.hits):
            return self.hits  # type: ignore[return-value]
        words = self.search_query.text.lower().split()
        if not all(w in opened.display_name.lower() for w in words):
            return self.hits  # type: ignore[return-value]
        return [OpenedRow(opened), *self.hits]

    def _show(self, keep_cursor: bool = False) -> None:
        table = self.table
        if self.view == "hub":
            if self.searching:
                empty = "searching the Hub …"
            elif self.error:
                empty = f"✗ {self.error}"
            elif not self.started:
                empty = "Type to search the Hub (enter: most downloaded) · v: local models"
            else:
                empty = no_match(self.search_query)
            self._hub_items = self._hub_rows()
            table.set_rows(HUB_COLUMNS, self._hub_items, self._row_cells, empty, keep_cursor)
        else:
            typed = self.query_one("#models-filter", Input).value
            query = self._typed_query(typed) or replace(self.base_query, text=typed.strip())
            self.local_query = query  # not search_query: that one is what the Hub list shows
            found, self.local_unapplied = filter_local_query(self.local, query)
            self.shown_local = list(found)
            text = query.text
            author = f" by {query.author}" if query.author else ""
            empty = (
                f"No local model matches {text!r}{author}."
                if text or author
                else "No local models: none given, none in the HF cache (try hfbrowse --demo)."
            )
            table.set_rows(LOCAL_COLUMNS, self.shown_local, self._local_cells, empty, keep_cursor)
        self._status()

    def _status(self) -> None:
        status = self.query_one("#models-status", Static)
        status.set_class(bool(self.error) and self.view == "hub", "-error")
        # The highlighted row's detail while the list has focus; the search's summary (its
        # filters) otherwise: in the box, what is searched is what matters.
        item = self.table.current if self.table.has_focus else None
        hint = marks_hint(item) if isinstance(item, ModelHit) else None
        if self.typed_error:
            status.set_class(True, "-error")
            status.update(Text(printable(self.typed_error)))
        elif isinstance(item, ModelHit) and item.restricted:
            status.update(restricted_hint(item.restricted))
        elif hint and self.view == "hub":
            status.update(Text(hint))
        elif self.view == "local":
            q = self.local_query
            status.update(
                local_status(
                    len(self.shown_local),
                    self.gateway.offline,
                    q.author,
                    tuple(self.local_unapplied),
                )
            )
        elif self.error:
            status.update(Text(printable(self.error)))
        elif not self.started:
            status.update(hub_status(self.search_query, 0, False, False, False).rsplit(" · ", 1)[0])
        else:
            more = self.stream is not None and not self.stream.exhausted
            status.update(
                hub_status(self.search_query, len(self.hits), more, self.searching, self.paging)
            )
