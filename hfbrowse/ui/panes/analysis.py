"""The centre pane's analysis views, in the config pane's place: compatibility (``k``), memory
(``m``).

Its views are mounted the first time ``k`` or ``m`` asks for one (the first frame needs neither
them nor their modules). Compatibility imports torch (each head is built on the meta device),
so it runs only once asked for, in a worker this pane owns that posts one message per head;
results for a model no longer shown are dropped by token. Memory is arithmetic; the machine's
free memory is measured in a worker (asking CUDA is slow the first time).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.worker import get_current_worker

from hfbrowse.core.checkpoint.tensors import SOURCE_HEADERS
from hfbrowse.core.errors import HFBrowseError, as_user_error
from hfbrowse.ui.opened_model import OpenedModel

if TYPE_CHECKING:
    from hfbrowse.core.heads.compat_results import HeadCompat
    from hfbrowse.core.memory import MachineMemory
    from hfbrowse.core.model import Checkpoint, ModelFacts
    from hfbrowse.ui.widgets.compat_view import CompatView
    from hfbrowse.ui.widgets.memory_view import MemoryView


class AnalysisPane(Vertical):
    COMPAT = "compat-view"
    MEMORY = "memory-view"
    TITLES = {COMPAT: "head compatibility — k closes", MEMORY: "memory — m closes"}
    DEFAULT_CSS = """
    AnalysisPane { display: none; height: 1fr; }
    AnalysisPane ContentSwitcher, AnalysisPane CompatView, AnalysisPane MemoryView {
        height: 1fr;
    }
    #compat-basis { height: auto; max-height: 2; padding: 0 1; }
    #compat-table { height: auto; max-height: 8; }
    #compat-detail-scroll { height: 1fr; padding: 0 1; }
    #memory-knobs { height: 1; padding: 0 1; }
    #memory-knobs Input {
        border: none; height: 1; width: 11; padding: 0 1; background: $boost;
        text-style: underline;
    }
    #memory-knobs Input:focus { background: $accent 40%; }
    #memory-knobs .memory-hint { color: $text-muted; }
    #memory-table { height: auto; max-height: 7; }
    #memory-notes-scroll { height: 1fr; padding: 0 1; }
    """

    @dataclass
    class _CompatHead(Message):
        token: int
        result: HeadCompat

    @dataclass
    class _CompatDone(Message):
        token: int
        basis: str
        notes: tuple[str, ...]

    @dataclass
    class _CompatFailed(Message):
        token: int
        error: HFBrowseError

    @dataclass
    class _Machine(Message):
        machine: MachineMemory

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.opened: OpenedModel | None = None
        self.compat_results: dict[str, HeadCompat] = {}
        self._compat_for: int | None = None  # the token compatibility was computed for

    def compose(self) -> ComposeResult:
        yield from ()  # the views are mounted on first use (open_view)

    @property
    def mounted_views(self) -> bool:
        return bool(self.query("#analysis-switcher"))

    @property
    def compat(self) -> CompatView:
        from hfbrowse.ui.widgets.compat_view import CompatView

        return self.query_one(CompatView)

    @property
    def memory(self) -> MemoryView:
        from hfbrowse.ui.widgets.memory_view import MemoryView

        return self.query_one(MemoryView)

    @property
    def current_view(self) -> str | None:
        """The view on screen; None while the pane is hidden."""
        if not self.display or not self.mounted_views:
            return None
        return self.query_one("#analysis-switcher").current  # type: ignore[attr-defined]

    # -- what is shown ---------------------------------------------------------------------
    def show(self, opened: OpenedModel) -> None:
        previous = self.opened
        self.opened = opened
        if previous is None or previous.token != opened.token:
            self.compat_results = {}
            self._compat_for = None
            self.workers.cancel_group(self, "compat")
            if self.mounted_views:
                self._waiting()
        if self.mounted_views:
            self.compat.set_shown(opened.head)
            self._refresh()

    def _waiting(self) -> None:
        self.compat.show_message("waiting for the safetensors headers …")
        self.memory.show_message("waiting for the safetensors headers …")

    async def open_view(self, view: str) -> None:
        from textual.widgets import ContentSwitcher

        if not self.mounted_views:
            from hfbrowse.ui.widgets.compat_view import CompatView
            from hfbrowse.ui.widgets.memory_view import MemoryView

            views = (CompatView(id=self.COMPAT), MemoryView(id=self.MEMORY))
            await self.mount(ContentSwitcher(*views, initial=view, id="analysis-switcher"))
            self._waiting()
            if self.opened is not None:
                self.compat.set_shown(self.opened.head)
        self.query_one(ContentSwitcher).current = view
        self.border_title = self.TITLES[view]
        self.display = True
        self._refresh()
        # Memory opens on the context field: the number to type (letters still act).
        target = "#compat-table" if view == self.COMPAT else "#memory-context"
        self.call_after_refresh(self.query_one(target).focus)

    def _refresh(self) -> None:
        view, opened = self.current_view, self.opened
        if view is None or opened is None or opened.facts is None:
            return
        if opened.checkpoint is None:
            return  # still reading headers: the views say they wait
        if view == self.COMPAT:
            self._start_compat(opened.facts, opened.checkpoint, opened)
        else:
            self._measure_machine()
            self._draw_memory()

    # -- compatibility -------------------------------------------------------------------------
    def _start_compat(self, facts: ModelFacts, checkpoint: Checkpoint, opened: OpenedModel) -> None:
        from hfbrowse.core.heads.compat import head_order
        from hfbrowse.core.heads.registry import HEAD_NAMES

        if self._compat_for == opened.token:
            return  # already computed (or computing) for this model
        table = checkpoint.table
        if table is None and checkpoint.error is not None:
            self.compat.show_message(f"No tensor table to compare: {checkpoint.error}")
            return
        if table is None or table.source != SOURCE_HEADERS:
            self.compat.show_message(
                "Compatibility compares a checkpoint's tensor headers with each head; this"
                " model has no safetensors checkpoint"
                + (" (the table is built from config.json)." if table is not None else ".")
            )
            return
        if not facts.heads.supported:
            self.compat.show_message(f"No text head to compare: {facts.heads.reason}.")
            return
        self._compat_for = opened.token
        rows = sorted(head_order(facts.heads, opened.head), key=lambda r: HEAD_NAMES.index(r[0]))
        self.compat.start(
            rows,
            "building each head on the meta device (imports torch the first time) …",
            opened.head,
        )
        self._compat_worker(facts, checkpoint, opened.head, opened.token)

    @work(thread=True, exclusive=True, group="compat", exit_on_error=False)
    def _compat_worker(
        self, facts: ModelFacts, checkpoint: Checkpoint, first: str | None, token: int
    ) -> None:
        from hfbrowse.core.heads.compat import describe_basis, iter_compat

        worker = get_current_worker()
        table = checkpoint.table
        assert table is not None
        try:
            for result in iter_compat(
                facts.config, facts.heads, table, first, cancelled=lambda: worker.is_cancelled
            ):
                self.post_message(self._CompatHead(token, result))
            basis, notes = describe_basis(table, facts.config)
            self.post_message(self._CompatDone(token, basis, notes))
        except Exception as exc:  # one line on screen, never a traceback
            self.post_message(self._CompatFailed(token, as_user_error(exc)))

    def _is_current(self, token: int) -> bool:
        return self.opened is not None and self.opened.token == token

    @on(_CompatHead)
    def _compat_head(self, msg: _CompatHead) -> None:
        if not self._is_current(msg.token):
            return
        self.compat_results[msg.result.auto_class] = msg.result
        self.compat.add_result(msg.result)
        if self.opened and msg.result.auto_class == self.opened.head:
            self._draw_memory()  # the head's own parameter count is now known

    @on(_CompatDone)
    def _compat_done(self, msg: _CompatDone) -> None:
        if self._is_current(msg.token):
            self.compat.set_notes(msg.basis, msg.notes)

    @on(_CompatFailed)
    def _compat_failed(self, msg: _CompatFailed) -> None:
        if self._is_current(msg.token):
            self.compat.show_message(str(msg.error), error=True)

    # -- memory --------------------------------------------------------------------------------
    def _draw_memory(self) -> None:
        from hfbrowse.core.memory import head_parameters_source
        from hfbrowse.ui.widgets.memory_view import MemoryInputs

        opened = self.opened
        if opened is None or opened.facts is None or opened.checkpoint is None:
            return
        counts = opened.checkpoint.counts
        shown = self.compat_results.get(opened.head or "")
        parameters, source = head_parameters_source(opened.head, shown, counts)
        if parameters is None and opened.checkpoint.table is not None:
            parameters, source = opened.checkpoint.table.parameters, "tensor table"
        if parameters is None:
            self.memory.show_message("No parameter count for this model.")
            return
        stored = counts.stored_bytes if counts is not None else None
        inputs = MemoryInputs(opened.facts.config, opened.head, parameters, source, stored)
        try:
            self.memory.show(inputs)
        except Exception as exc:  # a config the estimate cannot read: its own line, here
            self.memory.show_message(f"No memory estimate: {as_user_error(exc)}")

    def _measure_machine(self) -> None:
        self._machine_worker()

    @work(thread=True, exclusive=True, group="machine", exit_on_error=False)
    def _machine_worker(self) -> None:
        from hfbrowse.core.memory import machine_memory

        self.post_message(self._Machine(machine_memory()))

    @on(_Machine)
    def _machine(self, msg: _Machine) -> None:
        self.memory.set_machine(msg.machine)
