"""The one screen: models | config + tensors | source, with the console below.

This screen owns the state (which model and head are shown). Slow work runs in thread workers
that call the core and post a message back; handlers drop answers whose token is stale, so a
newer selection always wins without waiting for older work to finish.
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Input

from hfbrowse.core.errors import NoCheckpoint, as_user_error
from hfbrowse.core.formatting import human_count
from hfbrowse.core.hub.search import SearchQuery
from hfbrowse.core.model import ModelFacts, load_facts, load_source, load_tensors
from hfbrowse.core.model_ref import ModelRef
from hfbrowse.ui.messages import (
    FactsFailed,
    FactsLoaded,
    SourceFailed,
    SourceLoaded,
    TensorsFailed,
    TensorsLoaded,
)
from hfbrowse.ui.panes.analysis import AnalysisPane
from hfbrowse.ui.panes.config import ConfigPane
from hfbrowse.ui.panes.console import ConsolePane
from hfbrowse.ui.panes.models import ModelsPane
from hfbrowse.ui.panes.source import SourcePane
from hfbrowse.ui.panes.tensors import TensorPane
from hfbrowse.ui.screens.analysis_actions import AnalysisActions
from hfbrowse.ui.screens.reading_actions import ReadingActions


class MainScreen(AnalysisActions, ReadingActions, Screen):
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    BINDINGS = [  # tooltips are the long descriptions F1 shows
        Binding(  # priority: acts before the keys typed after it are sent to the old focus
            "slash",
            "search",
            "Search",
            tooltip="Search / filter models",
            id="search",
            priority=True,
        ),
        Binding("z", "zoom", "Zoom", tooltip="Zoom the focused pane (again: restore)", id="zoom"),
        Binding("h", "cycle_head", "Head", tooltip="Show the next supported head", id="cycle_head"),
        Binding(  # priority: acts before the keys typed after it are sent to the old focus
            "colon",
            "focus_console",
            "Console",
            tooltip="Type input for the head",
            id="console",
            priority=True,
        ),
        Binding(
            "escape",
            "leave",
            "Leave",
            show=False,
            tooltip="Stop a run / leave a text box / restore a zoomed pane",
            id="leave",
        ),
        Binding("y", "copy_snippet", "Copy the console's snippet", show=False, id="copy_snippet"),
        Binding(
            "d",
            "diff_heads",
            "Diff",
            tooltip="Diff __init__/forward of two heads or two models",
            id="diff_heads",
        ),
        Binding(
            "D",
            "diff_config",
            "Config diff",
            show=False,
            tooltip="Diff config.json with another model",
            id="diff_config",
        ),
        Binding(
            "r",
            "remote_code",
            "Remote code",
            show=False,
            tooltip="The repo's own .py files as text (auto_map repos; never run)",
            id="remote_code",
        ),
        Binding(
            "k",
            "compat",
            "Compat",
            tooltip="Head compatibility: what each head loads, initialises, ignores",
            id="compat",
        ),
        Binding(
            "m",
            "memory",
            "Memory",
            tooltip="Memory per dtype and KV cache vs free RAM / GPU",
            id="memory",
        ),
        Binding(
            "g",
            "group_tensors",
            "Modules",
            show=False,
            tooltip="Tensors grouped by module, with the __init__ line",
            id="group_tensors",
        ),
    ]

    def __init__(
        self,
        models: list[ModelRef],
        start: ModelRef | None,
        head: str | None,
        search: SearchQuery | None = None,
    ) -> None:
        super().__init__()
        self.search = search
        self.models = models
        self.start = start
        self.wanted_head = head
        self.token = 0
        self.facts: ModelFacts | None = None
        self.head: str | None = None
        self.params_total: int | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="panes"):
            yield ModelsPane(self.models, self.search, id="models", classes="pane")
            with Vertical(id="centre"):
                yield ConfigPane(id="config", classes="pane")
                yield AnalysisPane(id="analysis", classes="pane")
                yield TensorPane(id="tensors", classes="pane")
            yield SourcePane(id="source", classes="pane")
        yield ConsolePane(id="console", classes="pane")
        yield Footer(compact=True, show_command_palette=False)  # ctrl+p: in F1

    def on_mount(self) -> None:
        for pane in self.query(".pane"):
            pane.ALLOW_MAXIMIZE = True  # `z` zooms whole panes, not the widget inside them
        self.query_one(ConfigPane).border_title = "config"
        self.query_one(TensorPane).border_title = "tensors"
        self.query_one(SourcePane).border_title = "source"
        if self.start is not None:
            self.open_model(self.start)
            self.query_one("#config-tree").focus()
        else:
            self.query_one(ConfigPane).show_message("Choose a model on the left (enter opens it).")
            self.add_class("-no-model")  # the models list fills the screen until one is opened
            self.query_one("#models-filter").focus()

    # -- opening a model ----------------------------------------------------------------
    def open_model(self, ref: ModelRef) -> None:
        self.remove_class("-models-open", "-no-model")
        if self.has_class("-narrow"):  # the models list hides: keep the keys on the model
            self.query_one("#config-tree").focus()
        self.token += 1
        self.facts = None
        self.params_total = None
        self.sub_title = ref.display
        self.query_one(ModelsPane).mark_opened(ref)
        self.query_one(ConfigPane).show_header(Text(f"opening {ref.display} …", style="dim"))
        self.query_one(ConfigPane).show_message("loading config.json …")
        self.query_one(TensorPane).show_message("reading safetensors headers …")
        self.query_one(SourcePane).show_message("waiting for the config …")
        self.analysis_reset()
        self._load_model(ref, self.token)

    @work(thread=True, exclusive=True, group="model", exit_on_error=False)
    def _load_model(self, ref: ModelRef, token: int) -> None:
        gateway = self.app.gateway
        try:
            facts = load_facts(ref, gateway)
        except Exception as exc:
            self.post_message(FactsFailed(token, ref, as_user_error(exc)))
            return
        self.post_message(FactsLoaded(token, facts))
        try:
            self.post_message(TensorsLoaded(token, load_tensors(facts, gateway)))
        except NoCheckpoint as exc:
            self._meta_fallback(facts, exc, token)
        except Exception as exc:
            self.post_message(TensorsFailed(token, as_user_error(exc)))

    def _meta_fallback(self, facts: ModelFacts, missing: NoCheckpoint, token: int) -> None:
        """No safetensors: the head built on the meta device (imports torch), labelled so."""
        head = self._head_for(facts)
        self.post_message(TensorsFailed(token, missing, fallback_pending=head is not None))
        if head is None:
            return
        try:
            from hfbrowse.core.heads.meta_model import meta_tensor_table

            table = meta_tensor_table(facts.config, head)
        except Exception as exc:
            self.post_message(TensorsFailed(token, as_user_error(exc)))
            return
        notice = f"{missing} Shapes below are {head} built from config.json."
        self.post_message(TensorsLoaded(token, table, notice))

    def _head_for(self, facts: ModelFacts) -> str | None:
        wanted = self.wanted_head
        if wanted and facts.heads.option(wanted):
            return wanted
        if facts.heads.recommended:
            return facts.heads.recommended
        return facts.heads.supported[0].auto_class if facts.heads.supported else None

    @on(FactsLoaded)
    def _facts_loaded(self, msg: FactsLoaded) -> None:
        if msg.token != self.token:
            return
        facts = msg.facts
        self.facts = facts
        self.query_one(ConfigPane).show_config(facts)
        if facts.offline and not facts.ref.is_local:
            self.notify("No network: showing the local cache.", severity="warning")
        self._draw_header()
        self.head = self._head_for(facts)
        self.show_head(self.head)
        self.load_remote_code(facts, self.token)

    @on(FactsFailed)
    def _facts_failed(self, msg: FactsFailed) -> None:
        if msg.token != self.token:
            return
        text = str(msg.error)
        self.query_one(ConfigPane).show_message(text, error=True)
        self.query_one(TensorPane).show_message("—")
        self.query_one(SourcePane).show_message("—")
        self.notify(text, severity="error", title=msg.ref.display)

    @on(TensorsLoaded)
    def _tensors_loaded(self, msg: TensorsLoaded) -> None:
        if msg.token != self.token:
            return
        self.query_one(TensorPane).show_table(msg.table, msg.notice)
        self.params_total = msg.table.parameters
        self.analysis_tensors(msg.table)
        self._draw_header()

    @on(TensorsFailed)
    def _tensors_failed(self, msg: TensorsFailed) -> None:
        if msg.token != self.token:
            return
        text = str(msg.error)
        if msg.fallback_pending:
            text += " Building the head on the meta device (imports torch) …"
        self.query_one(TensorPane).show_message(text, error=not msg.fallback_pending)
        if self.facts and self.facts.hub and self.facts.hub.safetensors_total:
            self.params_total = self.facts.hub.safetensors_total
            self._draw_header()

    def _draw_header(self) -> None:
        facts = self.facts
        if facts is None:
            return
        heads = facts.heads
        line = Text()
        line.append(heads.model_type or "no model_type", style="bold cyan")
        line.append(" · ")
        line.append(", ".join(heads.architectures) or "no architectures", style="bold")
        line.append(" · ")
        if heads.recommended:
            line.append(heads.recommended, style="bold green")
        else:
            others = ", ".join(heads.other_auto_classes)
            line.append(f"no text head{f' ({others})' if others else ''}", style="bold yellow")
        line.append(" · ")
        line.append(f"{human_count(self.params_total)} params")
        if facts.ref.label:
            line.append(f"  [{facts.ref.label}: random weights]", style="italic yellow")
        if facts.heads.remote_code:
            line.append("  [custom code: auto_map]", style="italic red")
        if facts.offline and not facts.ref.is_local:
            line.append("  [offline: cache]", style="italic yellow")
        self.query_one(ConfigPane).show_header(line)

    # -- heads and source ------------------------------------------------------------------
    def show_head(self, head: str | None) -> None:
        facts = self.facts
        if facts is None:
            return
        self.head = head
        self.query_one(ConsolePane).head_shown(facts, head)
        self.analysis_head(head)
        if head is None:
            self.query_one(SourcePane).show_message(
                f"No text head to show: {facts.heads.reason}.", error=False
            )
            return
        self.query_one(SourcePane).show_message(f"locating {head} …")
        self._load_source(facts, head, self.token)

    @work(thread=True, exclusive=True, group="source", exit_on_error=False)
    def _load_source(self, facts: ModelFacts, head: str, token: int) -> None:
        try:
            self.post_message(SourceLoaded(token, head, load_source(facts, head)))
        except Exception as exc:
            self.post_message(SourceFailed(token, head, as_user_error(exc)))

    @on(SourceLoaded)
    def _source_loaded(self, msg: SourceLoaded) -> None:
        if msg.token != self.token or msg.head != self.head or self.facts is None:
            return
        pane = self.query_one(SourcePane)
        if msg.source is None:
            pane.show_message(f"transformers has no class for {msg.head}.", error=True)
            return
        pane.show_source(msg.head, msg.source, len(self.facts.heads.supported))

    @on(SourceFailed)
    def _source_failed(self, msg: SourceFailed) -> None:
        if msg.token == self.token and msg.head == self.head:
            self.query_one(SourcePane).show_message(str(msg.error), error=True)

    # -- actions ---------------------------------------------------------------------------
    @on(ModelsPane.OpenRequested)
    def _open_requested(self, msg: ModelsPane.OpenRequested) -> None:
        self.open_model(msg.ref)

    def action_cycle_head(self) -> None:
        if self.facts is None:
            return
        nxt = self.facts.heads.next_head(self.head)
        if nxt is None:
            self.notify("This model has no text head to cycle through.")
            return
        self.wanted_head = nxt
        self.show_head(nxt)

    def action_search(self) -> None:
        if self.maximized is not None:
            self.minimize()
        self.add_class("-models-open")  # on narrow terminals the models pane is hidden until asked
        search = self.query_one("#models-filter", Input)
        # At once (Widget.focus() waits for the message queue, where the keys typed right after
        # / already are: the list has s/t/l keys), and again once a hidden (narrow) pane shows.
        self.set_focus(search)
        self.call_after_refresh(search.focus)

    def action_focus_console(self) -> None:
        if self.maximized is not None:
            self.minimize()
        # At once: keys typed right after `:` are already queued behind a focus() callback.
        self.set_focus(self.query_one("#console-input", Input))

    def _pane_of(self, widget: Widget | None) -> Widget | None:
        while widget is not None and not widget.has_class("pane"):
            widget = widget.parent if isinstance(widget.parent, Widget) else None
        return widget

    def action_zoom(self) -> None:
        if self.maximized is not None:
            self.minimize()
            return
        pane = self._pane_of(self.focused)
        if pane is not None:
            self.maximize(pane, container=False)

    def action_copy_snippet(self) -> None:
        self.query_one(ConsolePane).copy_snippet()

    def action_leave(self) -> None:
        if self.query_one(ConsolePane).stop_run():
            return  # escape first stops a running download/generation
        self.remove_class("-models-open")
        if isinstance(self.focused, Input):
            # Leave the text box for the next widget that takes single-letter keys.
            chain = self.focus_chain
            start = chain.index(self.focused) if self.focused in chain else -1
            ordered = chain[start + 1 :] + chain[: start + 1]
            target = next((w for w in ordered if not isinstance(w, Input)), None)
            if target is not None:
                target.focus()
        elif self.maximized is not None:
            self.minimize()
