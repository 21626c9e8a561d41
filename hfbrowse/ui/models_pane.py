"""Left pane: the models the user can open — the one(s) given, demo models, the local cache."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from hfbrowse.core.formatting import human_bytes
from hfbrowse.core.local_cache import CachedModel, cached_models
from hfbrowse.core.model_ref import ModelRef


class ModelList(OptionList):
    """Options carry the index of a ModelRef in the pane's list."""


class ModelsPane(Vertical, can_focus=False):
    @dataclass
    class OpenRequested(Message):
        ref: ModelRef

    def __init__(self, refs: list[ModelRef], **kwargs) -> None:
        super().__init__(**kwargs)
        self.given = list(refs)
        self.cached: tuple[CachedModel, ...] = ()
        self.entries: list[ModelRef] = []
        self.opened: ModelRef | None = None

    def compose(self) -> ComposeResult:
        yield Input(placeholder="/ filter models…", id="models-filter")
        yield ModelList(id="model-list")

    def on_mount(self) -> None:
        self.border_title = "models"
        self._render_list()
        self.load_cache()

    @work(thread=True, exclusive=True, group="cache-scan", exit_on_error=False)
    def load_cache(self) -> None:
        found = cached_models()
        self.app.call_from_thread(self._cache_loaded, found)

    def _cache_loaded(self, found: tuple[CachedModel, ...]) -> None:
        self.cached = found
        self._render_list()

    def mark_opened(self, ref: ModelRef) -> None:
        self.opened = ref
        if ref not in self.given and not any(c.repo_id == ref.id for c in self.cached):
            self.given.insert(0, ref)
        self._render_list()

    def _render_list(self) -> None:
        needle = self.query_one("#models-filter", Input).value.strip().lower()
        widget = self.query_one(ModelList)
        highlighted = widget.highlighted
        widget.clear_options()
        self.entries = []
        groups: list[tuple[str, list[tuple[ModelRef, str]]]] = [
            ("opened / given", [(r, "") for r in self.given if r.label != "demo"]),
            ("demo models", [(r, "") for r in self.given if r.label == "demo"]),
            (
                "local cache",
                [(ModelRef("hub", c.repo_id), human_bytes(c.size_on_disk)) for c in self.cached],
            ),
        ]
        for title, items in groups:
            shown = [(r, extra) for r, extra in items if needle in r.display.lower()]
            if not shown:
                continue
            widget.add_option(Option(Text(title, style="bold dim"), disabled=True))
            for ref, extra in shown:
                label = Text("● " if ref == self.opened else "  ", style="green")
                label.append(ref.display.removesuffix(" (demo)"))
                if extra:
                    label.append(f"  {extra}", style="dim")
                widget.add_option(Option(label, id=str(len(self.entries))))
                self.entries.append(ref)
        if not self.entries:
            widget.add_option(
                Option(Text("no models (try hfbrowse MODEL)", style="dim"), disabled=True)
            )
        if highlighted is not None and highlighted < widget.option_count:
            widget.highlighted = highlighted

    @on(Input.Changed, "#models-filter")
    def _filter(self) -> None:
        self._render_list()

    @on(Input.Submitted, "#models-filter")
    def _filter_done(self) -> None:
        widget = self.query_one(ModelList)
        widget.focus()
        for index in range(widget.option_count):
            if not widget.get_option_at_index(index).disabled:
                widget.highlighted = index
                break

    @on(OptionList.OptionSelected, "#model-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self.post_message(self.OpenRequested(self.entries[int(event.option.id)]))
