"""The one screen: models | config (or an analysis view) over tensors | source, console below.

The screen owns one value, the ``OpenedModel``, and hands it down to every pane (``show``);
panes own their workers and post their own messages. Opening a model runs in one thread worker
that posts each stage back (facts, then the checkpoint); answers for a model no longer shown are
dropped by token, so a newer selection always wins without waiting for older work.

With a model to open, the first frame holds what shows it (config, tensors, the source pane
that highlights its head next); the models and console panes start as empty bordered slots
and are mounted (their modules imported) once the source is drawn, and only then does work
that can wait (scanning the HF cache, explaining config keys) start.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, TypeVar

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input

from hfbrowse.core.errors import HFBrowseError, as_user_error
from hfbrowse.core.hub.family import Family
from hfbrowse.core.hub.gateway import HubGateway
from hfbrowse.core.model import (
    Checkpoint,
    ModelFacts,
    Prefetch,
    load_checkpoint,
    load_facts,
)
from hfbrowse.core.model_ref import ModelRef
from hfbrowse.ui import keys
from hfbrowse.ui.opened_model import OpenedModel
from hfbrowse.ui.options import LaunchOptions
from hfbrowse.ui.panes.analysis import AnalysisPane
from hfbrowse.ui.panes.config import ConfigPane
from hfbrowse.ui.panes.source import SourcePane
from hfbrowse.ui.panes.tensors import TensorPane

if TYPE_CHECKING:
    from hfbrowse.core.checkpoint.tensors import TensorTable
    from hfbrowse.core.model import ModelFacts
    from hfbrowse.ui.panes.console import ConsolePane
    from hfbrowse.ui.panes.models import ModelsPane

W = TypeVar("W", bound=Widget)


class PaneSlot(Vertical):
    """An empty, bordered pane place, replaced by the pane once the first model is drawn."""


# The main screen's priority keys that are characters a text box takes instead.
TEXT_BOX_CHARACTERS = frozenset({"search", "focus_console"})


class MainScreen(Screen):
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    BINDINGS = keys.bindings(keys.MAIN)

    @dataclass
    class _FactsLoaded(Message):
        token: int
        facts: ModelFacts

    @dataclass
    class _MetaPending(Message):
        token: int
        head: str

    @dataclass
    class _CheckpointLoaded(Message):
        token: int
        checkpoint: Checkpoint

    @dataclass
    class _FamilyLoaded(Message):
        token: int
        family: Family

    @dataclass
    class _OpenFailed(Message):
        token: int
        error: HFBrowseError

    def __init__(
        self, options: LaunchOptions, gateway: HubGateway, prefetched: Prefetch | None = None
    ) -> None:
        super().__init__()
        self.options = options
        self.gateway = gateway
        self._prefetched = prefetched
        self.opened: OpenedModel | None = None
        self._token = 0
        self._slots_filled = False
        self._filling: asyncio.Future[None] | None = None
        self.started_up = False  # every pane mounted and drawn once (tests wait for it)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """`/` and `:` are priority keys (they act before keys typed right after them reach the
        old focus), but in a text box they are characters: console commands (`/set`,
        `/backend http://host:port`) and Hub ids (`org/name`) need them. False lets the key go
        on to the focused box (number fields take digits only: there the keys still act)."""
        if action in TEXT_BOX_CHARACTERS:
            focused = self.focused
            if isinstance(focused, Input) and focused.type == "text":
                return False
        return True

    # -- layout ---------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        # The breakpoint class Textual would add on the first resize, added now: the styles
        # are then computed once, not twice, before the first frame.
        width = self.app.size.width
        self.add_class(
            next(c for w, c in sorted(self.HORIZONTAL_BREAKPOINTS, reverse=True) if width >= w)
        )
        with Horizontal(id="panes"):
            yield PaneSlot(id="models", classes="pane")
            with Vertical(id="centre"):
                yield ConfigPane(self.gateway, id="config", classes="pane")
                yield AnalysisPane(id="analysis", classes="pane")
                yield TensorPane(id="tensors", classes="pane")
            yield SourcePane(self.gateway, id="source", classes="pane")
        yield PaneSlot(id="console", classes="pane")

    async def on_mount(self) -> None:
        for slot in self.query(PaneSlot):
            slot.border_title = slot.id
        self._allow_maximize()
        if self.options.start is not None:
            self.open_model(self.options.start)
            self.query_one("#config-tree").focus()
        else:
            await self.on_source_pane_settled()  # the models list is the first thing shown
            self.query_one(ConfigPane).show_message("Choose a model on the left (enter opens it).")
            self.add_class("-no-model")  # the models list fills the screen until one is opened
            self.query_one("#models-filter").focus()

    def _allow_maximize(self) -> None:
        for pane in self.query(".pane"):
            pane.ALLOW_MAXIMIZE = True  # `z` zooms whole panes, not the widget inside them

    async def _fill_slots(self) -> None:
        """Put the models and console panes in their places (once; a second caller waits for
        the first: `:` typed during start-up needs the console mounted, not half-way)."""
        if self._slots_filled:
            return
        if self._filling is None:
            self._filling = asyncio.ensure_future(self._mount_slots())
        await asyncio.shield(self._filling)

    async def _mount_slots(self) -> None:
        from hfbrowse.ui.panes.console import ConsolePane
        from hfbrowse.ui.panes.models import ModelsPane

        options, gateway = self.options, self.gateway
        panes: list[Widget] = [
            ModelsPane(list(options.models), gateway, options.search, id="models"),
            ConsolePane(options, gateway, id="console"),
        ]
        tensors = self.query_one(TensorPane)
        tensors.refit_paused = True
        for pane in panes:
            slot = self.query_one(f"#{pane.id}", PaneSlot)
            parent, index = slot.parent, slot.parent.children.index(slot)
            await slot.remove()
            pane.add_class("pane")
            await parent.mount(pane, before=index)
        from hfbrowse.ui.widgets.fit_footer import FitFooter

        await self.mount(FitFooter())
        self.refresh_bindings()  # a footer mounted late learns the keys from this signal
        self._allow_maximize()
        self._slots_filled = True
        tensors.refit_paused = False
        self.call_after_refresh(tensors.refit)
        models = self.query_one(ModelsPane)
        if self.opened is not None:
            models.mark_opened(self.opened.ref)
            self._console_pane().show(self.opened)
        if self.options.start_on_list and not self.has_class("-narrow"):
            focused = self.focused
            if focused is None or focused.id == "config-tree":  # unless the user moved on
                # At once, not focus()'s deferred callback: `:` typed while the slots filled
                # waits for this and then focuses the console; a late callback would undo it.
                self.set_focus(models.table)

    def _pane(self, cls: type[W]) -> W | None:
        """A pane of this screen, or None while its slot is still empty."""
        found = self.query(cls)
        return found.first() if found else None

    def on_resize(self) -> None:
        """A pane that a narrower terminal hides must not keep the keys (q would type)."""
        self.call_after_refresh(self._focus_something_visible)

    def _focus_something_visible(self) -> None:
        """Focus leaves a widget that is no longer shown for the first shown one that takes
        single-letter keys (the config tree, unless an analysis view took its place)."""
        focused = self.focused
        chain = self.focus_chain
        if focused is None or focused in chain:
            return
        target = next((w for w in chain if not isinstance(w, Input)), None)
        if target is not None:
            target.focus()
        else:
            self.set_focus(None)

    # -- opening a model ----------------------------------------------------------------
    def open_model(self, ref: ModelRef) -> None:
        self.remove_class("-models-open", "-no-model")
        if self.has_class("-narrow"):  # the models list hides: keep the keys on the model
            self.query_one("#config-tree").focus()
        self._token += 1
        self.sub_title = ref.display
        if (models := self._models_pane()) is not None:
            models.mark_opened(ref)
        self._show(OpenedModel(self._token, ref))
        prefetched, self._prefetched = self._prefetched, None
        if prefetched is not None and prefetched.ref == ref:
            if prefetched.future.done() and self._take_prefetched(prefetched, self._token):
                return  # drawn in this very frame
            self._open_worker(ref, self._token, prefetched)
        else:
            self._open_worker(ref, self._token)

    def _take_prefetched(self, prefetched: Prefetch, token: int) -> bool:
        """Show a finished prefetch at once (no message round trip); False when its
        checkpoint still needs the meta device or it failed (the worker takes over)."""
        try:
            facts, checkpoint = prefetched.future.result()
        except Exception:
            return False
        if checkpoint is None:
            return False
        self._facts_loaded(self._FactsLoaded(token, facts))
        self._checkpoint_loaded(self._CheckpointLoaded(token, checkpoint))
        return True

    @work(thread=True, exclusive=True, group="model", exit_on_error=False)
    def _open_worker(self, ref: ModelRef, token: int, prefetched: Prefetch | None = None) -> None:
        checkpoint: Checkpoint | None = None
        try:
            if prefetched is not None:
                facts, checkpoint = prefetched.future.result()
            else:
                facts = load_facts(ref, self.gateway)
        except Exception as exc:
            self.post_message(self._OpenFailed(token, as_user_error(exc)))
            return
        self.post_message(self._FactsLoaded(token, facts))
        if checkpoint is not None:
            self.post_message(self._CheckpointLoaded(token, checkpoint))
            return
        head, _ = self._head_for(facts)
        checkpoint = load_checkpoint(
            facts,
            self.gateway,
            head,
            on_meta_fallback=lambda head, _missing: self.post_message(
                self._MetaPending(token, head)
            ),
        )
        self.post_message(self._CheckpointLoaded(token, checkpoint))

    def _head_for(self, facts: ModelFacts) -> tuple[str | None, str | None]:
        """The head to show for a newly opened model, and a note when ``--head`` cannot be.

        A head chosen with ``h`` belongs to the model it was chosen for: a newly opened model
        shows its recommended head again, or the ``--head`` pin where that applies.
        """
        pinned = self.options.head
        head = facts.heads.shown(pinned)
        if pinned is not None and head != pinned:
            shown = head or "no head"
            return head, f"--head {pinned} does not apply to {facts.ref.display}: showing {shown}"
        return head, None

    def _pin(self, facts: ModelFacts, head: str | None, chosen: bool) -> str | None:
        """Why ``head`` is shown rather than the recommended one (None: it is that one)."""
        if head is None or head == facts.heads.recommended:
            return None
        if not chosen and head == self.options.head:
            return "--head"
        return "h" if chosen else None

    def _current(self, token: int) -> OpenedModel | None:
        opened = self.opened
        return opened if opened is not None and opened.token == token else None

    @on(_FactsLoaded)
    def _facts_loaded(self, msg: _FactsLoaded) -> None:
        if (opened := self._current(msg.token)) is None:
            return
        head, note = self._head_for(msg.facts)
        if note:
            self.notify(note, severity="warning")
        notice = self.gateway.offline_notice
        if msg.facts.offline and not msg.facts.ref.is_local and notice:
            self.notify(notice, severity="warning", markup=False)
        pin = self._pin(msg.facts, head, chosen=False)
        self._show(replace(opened, facts=msg.facts, head=head, head_note=note, head_pin=pin))
        self._family_worker(msg.facts, msg.token)

    @work(thread=True, group="family", exit_on_error=False)
    def _family_worker(self, facts: ModelFacts, token: int) -> None:
        """The family (no request: the Hub's answer is in the facts; a folder's card is read
        here, off the first frame's path)."""
        from hfbrowse.core.hub.family import load_family

        try:
            family = load_family(facts, self.gateway)
        except Exception:  # the family is extra: a model without one still shows
            return
        self.post_message(self._FamilyLoaded(token, family))

    @on(_FamilyLoaded)
    def _family_loaded(self, msg: _FamilyLoaded) -> None:
        if (opened := self._current(msg.token)) is not None:
            self._show(replace(opened, family=msg.family))

    @on(_MetaPending)
    def _meta_pending(self, msg: _MetaPending) -> None:
        if (opened := self._current(msg.token)) is not None:
            self._show(replace(opened, meta_pending=msg.head))

    @on(_CheckpointLoaded)
    def _checkpoint_loaded(self, msg: _CheckpointLoaded) -> None:
        if (opened := self._current(msg.token)) is not None:
            self._show(replace(opened, checkpoint=msg.checkpoint, meta_pending=None))

    @on(_OpenFailed)
    def _open_failed(self, msg: _OpenFailed) -> None:
        if (opened := self._current(msg.token)) is None:
            return
        self._show(replace(opened, error=msg.error))
        self.notify(str(msg.error), severity="error", title=opened.ref.display, markup=False)

    async def on_source_pane_settled(self) -> None:
        """The source is drawn: the other panes come, then work that waited for start-up to
        end (scanning the HF cache, explaining config keys)."""
        await self._fill_slots()
        if (models := self._models_pane()) is not None:
            models.background_ready()
        self.query_one(ConfigPane).background_ready()
        self.started_up = True

    def _show(self, opened: OpenedModel) -> None:
        """The one way the panes learn what to draw. A pane that cannot draw this model says so
        in its own place (its one line); the others still draw, and the app stays up."""
        self.opened = opened
        panes: list[Widget] = [
            self.query_one(ConfigPane),
            self.query_one(AnalysisPane),
            self.query_one(TensorPane),
            self.query_one(SourcePane),
        ]
        if self._slots_filled:
            panes.append(self._console_pane())
        for pane in panes:
            try:
                pane.show(opened)  # type: ignore[attr-defined]
            except Exception as exc:
                self._pane_failed(pane, as_user_error(exc))

    def _pane_failed(self, pane: Widget, error: HFBrowseError) -> None:
        show_message = getattr(pane, "show_message", None)
        try:
            if show_message is not None:
                show_message(str(error), error=True)
                return
        except Exception:  # the pane cannot even say so: the notification does
            pass
        self.notify(f"{pane.id}: {error}", severity="error")

    def _models_pane(self) -> ModelsPane | None:
        if not self._slots_filled:
            return None
        from hfbrowse.ui.panes.models import ModelsPane

        return self._pane(ModelsPane)

    def _console_pane(self) -> ConsolePane:
        from hfbrowse.ui.panes.console import ConsolePane

        return self.query_one(ConsolePane)

    # -- actions ---------------------------------------------------------------------------
    def on_models_pane_open_requested(self, msg: ModelsPane.OpenRequested) -> None:
        self.open_model(msg.ref)

    def _facts_or_say(self) -> ModelFacts | None:
        facts = self.opened.facts if self.opened else None
        if facts is None:
            self.notify("Open a model first.")
        return facts

    def action_cycle_head(self) -> None:
        if (facts := self._facts_or_say()) is None or self.opened is None:
            return
        nxt = facts.heads.next_head(self.opened.head)
        if nxt is None:
            self.notify("This model has no text head to cycle through.")
            return
        pin = self._pin(facts, nxt, chosen=True)
        self._show(replace(self.opened, head=nxt, head_note=None, head_pin=pin))

    async def action_search(self) -> None:
        await self._fill_slots()
        if self.maximized is not None:
            self.minimize()
        self.add_class("-models-open")  # on narrow terminals the models pane is hidden until asked
        search = self.query_one("#models-filter", Input)
        # At once (Widget.focus() waits for the message queue, where the keys typed right after
        # / already are: the list has s/t/l keys), and again once a hidden (narrow) pane shows.
        self.set_focus(search)
        self.call_after_refresh(search.focus)

    async def action_focus_console(self) -> None:
        await self._fill_slots()
        if self.maximized is not None:
            self.minimize()
        # At once: keys typed right after `:` are already queued behind a focus() callback.
        self.set_focus(self.query_one("#console-input", Input))

    async def run_gguf_in_console(
        self,
        facts: ModelFacts,
        table: TensorTable | None,
        filename: str,
        has_template: bool | None = None,
    ) -> None:
        """The GGUF view's ``:``: the console runs that file (dequantised) until a model is
        opened; its input gets the focus."""
        self._console_pane().show_gguf(facts, table, filename, has_template)
        await self.action_focus_console()

    async def action_console_backend(self) -> None:
        """The palette's "run on another backend": the console input, with ``/backend `` typed
        (Enter alone shows where runs go now and the choices)."""
        await self.action_focus_console()
        box = self.query_one("#console-input", Input)
        box.value = "/backend "
        box.cursor_position = len(box.value)

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
            shown = self.has_class("-models-open") or self.has_class("-no-model")
            if pane.id == "models" and not shown:
                self.add_class("-models-open", "-zoom-opened")  # hidden at 80 columns
            self.maximize(pane, container=False)

    def minimize(self) -> None:
        """Restoring a zoomed models list hides it again where ``z`` had to show it."""
        super().minimize()
        if self.has_class("-zoom-opened"):
            self.remove_class("-models-open", "-zoom-opened")
            self.call_after_refresh(self._focus_something_visible)

    def action_copy_snippet(self) -> None:
        if self._slots_filled:
            self._console_pane().copy_snippet()

    def action_leave(self) -> None:
        if self._slots_filled and self._console_pane().stop_run():
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

    # -- views of the opened model ---------------------------------------------------------
    async def action_compat(self) -> None:
        await self._toggle_analysis(AnalysisPane.COMPAT)

    async def action_memory(self) -> None:
        await self._toggle_analysis(AnalysisPane.MEMORY)

    async def _toggle_analysis(self, view: str) -> None:
        """``k``/``m`` show an analysis view in the config pane's place; again: the config."""
        if self.maximized is not None:
            self.minimize()
        analysis, config = self.query_one(AnalysisPane), self.query_one(ConfigPane)
        if analysis.current_view == view:
            analysis.display, config.display = False, True
            self.query_one("#config-tree").focus()
            return
        analysis.display, config.display = True, False
        await analysis.open_view(view)

    async def action_group_tensors(self) -> None:
        await self.query_one(TensorPane).toggle_tree()

    def action_remote_code(self) -> None:
        self.query_one(SourcePane).toggle_remote()

    def action_diff_heads(self) -> None:
        from hfbrowse.ui.screens.diff import DiffScreen

        if (facts := self._facts_or_say()) is None or self.opened is None:
            return
        if self.opened.head is None and not facts.heads.remote_code:
            self.notify(f"No head to compare: {facts.heads.reason}.", severity="warning")
            return
        screen = DiffScreen(facts, self.opened.head, self.gateway, known=self.model_names())
        self.app.push_screen(screen)

    def action_diff_heads_other_model(self) -> None:
        """Palette: compare the shown head with the same head of another model."""
        from hfbrowse.ui.screens.diff import DiffScreen
        from hfbrowse.ui.screens.model_prompt import ModelPrompt

        if (facts := self._facts_or_say()) is None or self.opened is None:
            return
        head = self.opened.head

        def chosen(text: str | None) -> None:
            if text:
                self.app.push_screen(
                    DiffScreen(facts, head, self.gateway, other_text=text, known=known)
                )

        known = self.model_names()
        prompt = ModelPrompt("Compare this head with another model", known)
        self.app.push_screen(prompt, chosen)

    def action_tokenizer(self) -> None:
        from hfbrowse.ui.screens.tokenizer import TokenizerScreen

        if (facts := self._facts_or_say()) is not None:
            siblings = facts.hub.siblings if facts.hub else None
            self.app.push_screen(TokenizerScreen(facts.ref, self.gateway, siblings))

    def action_chat_template(self) -> None:
        from hfbrowse.ui.screens.chat_template import ChatTemplateScreen

        if (facts := self._facts_or_say()) is not None:
            siblings = facts.hub.siblings if facts.hub else None
            self.app.push_screen(ChatTemplateScreen(facts.ref, self.gateway, siblings))

    def action_diff_config(self) -> None:
        from hfbrowse.ui.screens.config_diff import ConfigDiffScreen

        if (facts := self._facts_or_say()) is not None:
            self.app.push_screen(ConfigDiffScreen(facts, self.gateway, self.model_names()))

    def action_adapter(self) -> None:
        from hfbrowse.ui.screens.adapter import AdapterScreen

        if (facts := self._facts_or_say()) is None or self.opened is None:
            return
        if facts.adapter is None:
            self.notify(f"{facts.ref.display} is not an adapter (no adapter_config.json).")
            return
        table = self.opened.checkpoint.table if self.opened.checkpoint else None
        self.app.push_screen(AdapterScreen(facts, table, self.gateway))

    def action_open_base(self) -> None:
        from hfbrowse.core.adapter_report import base_ref_of

        if (facts := self._facts_or_say()) is None:
            return
        if facts.adapter is None:
            self.notify(f"{facts.ref.display} is not an adapter: it has no base to open.")
            return
        try:
            ref = base_ref_of(facts.adapter)
        except HFBrowseError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        self.open_model(ref)

    def action_revisions(self) -> None:
        from hfbrowse.ui.screens.revisions import RevisionsScreen

        if (facts := self._facts_or_say()) is None or self.opened is None:
            return
        if facts.ref.is_local:
            self.notify(f"{facts.ref.display_name} is a local folder: revisions are the Hub's.")
            return
        ref = facts.ref

        def chosen(revision: str | None) -> None:
            if revision is not None and revision != (ref.revision or "main"):
                self.open_model(replace(ref, revision=revision))

        screen = RevisionsScreen(facts, self.opened.checkpoint, self.gateway)
        self.app.push_screen(screen, chosen)

    def action_family(self) -> None:
        from hfbrowse.ui.screens.family import FamilyScreen

        if (facts := self._facts_or_say()) is None or self.opened is None:
            return

        def chosen(ref: ModelRef | None) -> None:
            if ref is not None:
                self.open_model(ref)

        screen = FamilyScreen(facts, self.opened.family, self.opened.head, self.gateway)
        self.app.push_screen(screen, chosen)

    def _base_or_say(self) -> str | None:
        """The opened model's (first) base model, or None after saying why there is none."""
        if self._facts_or_say() is None or self.opened is None:
            return None
        family = self.opened.family
        if family is None or family.base is None:
            name = self.opened.ref.display
            self.notify(f"{name} names no base model (F shows its family).", markup=False)
            return None
        return family.base.id

    def action_diff_config_base(self) -> None:
        from hfbrowse.ui.screens.config_diff import ConfigDiffScreen

        if (base := self._base_or_say()) is not None and self.opened and self.opened.facts:
            facts = self.opened.facts
            self.app.push_screen(ConfigDiffScreen(facts, self.gateway, self.model_names(), base))

    def action_diff_heads_base(self) -> None:
        from hfbrowse.ui.screens.diff import DiffScreen

        if (base := self._base_or_say()) is not None and self.opened and self.opened.facts:
            facts, head, known = self.opened.facts, self.opened.head, self.model_names()
            self.app.push_screen(
                DiffScreen(facts, head, self.gateway, other_text=base, known=known)
            )

    def model_names(self) -> dict[str, ModelRef]:
        """Names the models list shows (``tiny-bert-mlm``, ``org/name``) → the model, so a
        prompt accepts what the user sees."""
        return {ref.display_name: ref for ref in self.model_entries()}

    def model_entries(self) -> list[ModelRef]:
        """The models the palette offers (the models list's entries)."""
        models = self._models_pane()
        return models.entries if models is not None else list(self.options.models)
