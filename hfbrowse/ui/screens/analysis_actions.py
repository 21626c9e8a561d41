"""Main-screen actions for the analysis views: head compatibility (``k``), memory (``m``) and the
tensor pane's module tree (``g``), mixed into MainScreen so the shared screen stays small.

The screen calls three hooks: ``analysis_reset`` (a model is opening), ``analysis_tensors`` (its
tensor table arrived) and ``analysis_head`` (the shown head changed). Compatibility imports
torch, so it runs only once asked for (first ``k``), in a worker that posts one message per head;
results for a model no longer open are dropped by token. Handlers use ``on_*`` names: Textual
collects ``@on`` handlers only from its own classes, while ``on_*`` methods are found anywhere in
the MRO.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import work
from textual.message import Message
from textual.worker import get_current_worker

from hfbrowse.core.checkpoint.quantization import QuantizedCounts
from hfbrowse.core.checkpoint.tensors import SOURCE_HEADERS, TensorTable
from hfbrowse.core.errors import HFBrowseError
from hfbrowse.core.heads.compat_results import HeadCompat
from hfbrowse.core.memory import MachineMemory

COMPAT = "compat-view"
MEMORY = "memory-view"


@dataclass
class CompatHeadReady(Message):
    token: int
    result: HeadCompat


@dataclass
class CompatDone(Message):
    token: int
    basis: str
    notes: tuple[str, ...]


@dataclass
class CompatFailed(Message):
    token: int
    error: str


@dataclass
class MachineMeasured(Message):
    machine: MachineMemory


class AnalysisActions:
    """Needs the host screen's ``facts``, ``head`` and ``token``."""

    analysis_table: TensorTable | None = None
    analysis_counts: QuantizedCounts | None = None
    compat_results: dict[str, HeadCompat] = {}  # replaced per model by analysis_reset
    compat_started_for: int | None = None  # the token compatibility was computed for

    # -- hooks the screen calls ------------------------------------------------------------
    def analysis_reset(self) -> None:
        from hfbrowse.ui.panes.analysis import AnalysisPane
        from hfbrowse.ui.panes.tensors import TensorPane

        self.analysis_table = None
        self.analysis_counts = None
        self.compat_results = {}
        self.compat_started_for = None
        self.workers.cancel_group(self, "compat")
        pane = self.query_one(AnalysisPane)
        pane.compat.show_message("waiting for the safetensors headers …")
        pane.memory.show_message("waiting for the safetensors headers …")
        self.query_one(TensorPane).set_analysis(None, None, None)

    def analysis_tensors(self, table: TensorTable) -> None:
        from hfbrowse.core.checkpoint.quantization import quantized_counts
        from hfbrowse.ui.panes.tensors import TensorPane

        self.analysis_table = table
        facts = self.facts
        counts = quantized_counts(table, facts.config) if facts else None
        self.analysis_counts = counts
        self.query_one(TensorPane).set_analysis(table, counts, self._head_class())
        if counts is not None and counts.quantized:  # the header counts unpacked parameters
            self.params_total = counts.logical_parameters
            self._draw_header()
        self._refresh_open_view()

    def analysis_head(self, head: str | None) -> None:
        from hfbrowse.ui.panes.analysis import AnalysisPane
        from hfbrowse.ui.panes.tensors import TensorPane

        self.query_one(TensorPane).set_head(self._head_class(), self._model_type())
        self.query_one(AnalysisPane).compat.set_shown(head)
        if self._open_view() == MEMORY:
            self._draw_memory()

    # -- actions -----------------------------------------------------------------------------
    def action_compat(self) -> None:
        self._toggle(COMPAT)

    def action_memory(self) -> None:
        self._toggle(MEMORY)

    def action_group_tensors(self) -> None:
        from hfbrowse.ui.panes.tensors import TensorPane

        self.query_one(TensorPane).action_toggle_tree()

    def _open_view(self) -> str | None:
        from hfbrowse.ui.panes.analysis import AnalysisPane

        pane = self.query_one(AnalysisPane)
        return pane.current if pane.display else None

    def _toggle(self, view: str) -> None:
        from hfbrowse.ui.panes.analysis import AnalysisPane
        from hfbrowse.ui.panes.config import ConfigPane

        if self.maximized is not None:
            self.minimize()
        pane = self.query_one(AnalysisPane)
        config = self.query_one(ConfigPane)
        if self._open_view() == view:
            pane.display = False
            config.display = True
            self.query_one("#config-tree").focus()
            return
        pane.switch(view)
        pane.display = True
        config.display = False
        self._refresh_open_view()
        target = "#compat-table" if view == COMPAT else "#memory-table"
        self.call_after_refresh(self.query_one(target).focus)

    def _refresh_open_view(self) -> None:
        view = self._open_view()
        if view == COMPAT:
            self._start_compat()
        elif view == MEMORY:
            self._measure_machine()
            self._draw_memory()

    # -- compatibility -----------------------------------------------------------------------
    def _start_compat(self) -> None:
        from hfbrowse.core.heads.compat import head_order
        from hfbrowse.core.heads.registry import HEAD_NAMES
        from hfbrowse.ui.panes.analysis import AnalysisPane

        view = self.query_one(AnalysisPane).compat
        facts, table = self.facts, self.analysis_table
        if facts is None or table is None:
            return
        if self.compat_started_for == self.token:
            return  # already computed (or computing) for this model
        if table.source != SOURCE_HEADERS:
            view.show_message(
                "Compatibility compares a checkpoint's tensor headers with each head; this"
                " model has no safetensors checkpoint (the table is built from config.json)."
            )
            return
        if not facts.heads.supported:
            view.show_message(f"No text head to compare: {facts.heads.reason}.")
            return
        self.compat_started_for = self.token
        rows = sorted(head_order(facts.heads, self.head), key=lambda r: HEAD_NAMES.index(r[0]))
        view.start(
            rows,
            "building each head on the meta device (imports torch the first time) …",
            self.head,
        )
        self._compat_worker(facts, table, self.head, self.token)

    @work(thread=True, exclusive=True, group="compat", exit_on_error=False)
    def _compat_worker(self, facts, table: TensorTable, first: str | None, token: int) -> None:
        from hfbrowse.core.heads.compat import describe_basis, iter_compat

        worker = get_current_worker()
        try:
            for result in iter_compat(
                facts.config, facts.heads, table, first, cancelled=lambda: worker.is_cancelled
            ):
                self.post_message(CompatHeadReady(token, result))
            basis, notes = describe_basis(table, facts.config)
            self.post_message(CompatDone(token, basis, notes))
        except HFBrowseError as exc:
            self.post_message(CompatFailed(token, str(exc)))
        except Exception as exc:  # one line on screen, never a traceback
            self.post_message(CompatFailed(token, f"unexpected {type(exc).__name__}: {exc}"))

    def on_compat_head_ready(self, msg: CompatHeadReady) -> None:
        from hfbrowse.ui.panes.analysis import AnalysisPane

        if msg.token != self.token:
            return
        self.compat_results[msg.result.auto_class] = msg.result
        self.query_one(AnalysisPane).compat.add_result(msg.result)
        if msg.result.auto_class == self.head and self._open_view() == MEMORY:
            self._draw_memory()

    def on_compat_done(self, msg: CompatDone) -> None:
        from hfbrowse.ui.panes.analysis import AnalysisPane

        if msg.token == self.token:
            self.query_one(AnalysisPane).compat.set_notes(msg.basis, msg.notes)

    def on_compat_failed(self, msg: CompatFailed) -> None:
        from hfbrowse.ui.panes.analysis import AnalysisPane

        if msg.token == self.token:
            self.query_one(AnalysisPane).compat.show_message(msg.error, error=True)

    # -- memory ------------------------------------------------------------------------------
    def _draw_memory(self) -> None:
        from hfbrowse.report.analysis import head_parameters_source
        from hfbrowse.ui.panes.analysis import AnalysisPane
        from hfbrowse.ui.widgets.memory_view import MemoryInputs

        view = self.query_one(AnalysisPane).memory
        facts, counts = self.facts, self.analysis_counts
        if facts is None or counts is None:
            return
        shown = self.compat_results.get(self.head or "")
        parameters, source = head_parameters_source(self.head, shown, counts)
        if parameters is None:
            view.show_message("No parameter count for this model.")
            return
        view.show(MemoryInputs(facts.config, self.head, parameters, source, counts.stored_bytes))

    def _measure_machine(self) -> None:
        self._machine_worker()

    @work(thread=True, exclusive=True, group="machine", exit_on_error=False)
    def _machine_worker(self) -> None:
        from hfbrowse.core.memory import machine_memory

        self.post_message(MachineMeasured(machine_memory()))

    def on_machine_measured(self, msg: MachineMeasured) -> None:
        from hfbrowse.ui.panes.analysis import AnalysisPane

        self.query_one(AnalysisPane).memory.set_machine(msg.machine)

    # -- helpers -----------------------------------------------------------------------------
    def _head_class(self) -> str | None:
        facts = self.facts
        option = facts.heads.option(self.head) if facts else None
        return option.class_name if option else None

    def _model_type(self) -> str | None:
        return self.facts.model_type if self.facts else None
