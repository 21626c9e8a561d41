"""``d``: the source of two heads (or two models' classes) compared, unified or side by side.

Left is the head shown in the main screen; right starts as its natural partner (the recommended
head, or AutoModel when the shown head is the recommended one). ``h`` picks the right head,
``o`` another model (its config.json is fetched; its class source is the installed transformers'
or its repo's own code, read as text), ``s`` swaps the sides. The diff runs in a thread worker;
an answer for a superseded request is dropped by token.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static

from hfbrowse.core.errors import HFBrowseError, as_user_error
from hfbrowse.core.hub.gateway import HubGateway
from hfbrowse.core.model import ModelFacts, load_facts
from hfbrowse.core.model_ref import ModelRef, parse_model_arg
from hfbrowse.core.source.head_diff import FULL, HeadDiff, compare, default_partner, head_for_other
from hfbrowse.core.untrusted import printable
from hfbrowse.render.diff import diff_title, render_side_by_side, render_unified
from hfbrowse.ui import keys
from hfbrowse.ui.screens.model_prompt import ModelPrompt
from hfbrowse.ui.widgets.fit_footer import FitFooter

SHORT_CONTEXT = 3


class DiffView(VerticalScroll, can_focus=True):
    """The scrollable body (arrows, page keys)."""


class DiffScreen(Screen):
    DEFAULT_CSS = """
    DiffScreen #diff-title { height: auto; padding: 0 1; border-bottom: solid $panel; }
    DiffScreen #diff-view { height: 1fr; overflow-x: auto; }
    DiffScreen #diff-body { width: 100%; }
    """
    BINDINGS = keys.bindings(keys.DIFF)

    @dataclass
    class Ready(Message):
        token: int
        diff: HeadDiff

    @dataclass
    class Failed(Message):
        token: int
        error: HFBrowseError

    @dataclass
    class OtherLoaded(Message):
        token: int
        facts: ModelFacts

    def __init__(
        self,
        facts: ModelFacts,
        head: str | None,
        gateway: HubGateway,
        other: ModelFacts | None = None,
        other_head: str | None = None,
        side_by_side: bool = False,
        other_text: str | None = None,
        known: dict[str, ModelRef] | None = None,
    ) -> None:
        super().__init__()
        self.gateway = gateway
        self.known = known or {}  # names the models list shows, accepted by the prompt
        self.left_facts, self.left_head = facts, head
        self.right_facts = other or facts
        self.right_head = other_head or (
            head_for_other(other, head) if other else default_partner(facts.heads, head)
        )
        self.side_by_side = side_by_side
        self.context = FULL
        self.token = 0
        self.diff: HeadDiff | None = None
        self.other_text = other_text  # another model to open first (id or folder)

    def compose(self) -> ComposeResult:
        yield Static("", id="diff-title")
        with DiffView(id="diff-view"):
            yield Static("", id="diff-body")
        yield FitFooter()

    def on_mount(self) -> None:
        self.query_one(DiffView).focus()
        if self.other_text:
            self.load_other_model(self.other_text)
        else:
            self.refresh_diff()

    # -- computing -------------------------------------------------------------------------
    def refresh_diff(self) -> None:
        self.token += 1
        if self.right_head is None and self.right_facts is self.left_facts:
            self._show_error(
                "No second head in this model to compare with: o compares with another model."
            )
            return
        self.query_one("#diff-title", Static).update(
            Text(f"comparing {self.left_head} with {self.right_head} …", style="dim")
        )
        self._compute(
            self.left_facts, self.left_head, self.right_facts, self.right_head, self.context,
            self.token,
        )  # fmt: skip

    @work(thread=True, exclusive=True, group="head-diff", exit_on_error=False)
    def _compute(self, lf, lh, rf, rh, context: int, token: int) -> None:
        try:
            diff = compare(lf, lh, rf, rh, self.gateway, context)
        except Exception as exc:  # ours or a library surprise: one line, never a traceback
            self.post_message(self.Failed(token, as_user_error(exc)))
        else:
            self.post_message(self.Ready(token, diff))

    @work(thread=True, exclusive=True, group="head-diff-other", exit_on_error=False)
    def _load_other(self, text: str, token: int) -> None:
        try:
            facts = load_facts(parse_model_arg(text, known=self.known), self.gateway)
        except Exception as exc:
            self.post_message(self.Failed(token, as_user_error(exc)))
        else:
            self.post_message(self.OtherLoaded(token, facts))

    @on(Ready)
    def _ready(self, msg: Ready) -> None:
        if msg.token != self.token:
            return
        self.diff = msg.diff
        self._draw()

    @on(Failed)
    def _failed(self, msg: Failed) -> None:
        if msg.token == self.token:
            self._show_error(str(msg.error))
            self.notify(str(msg.error), severity="error", markup=False)

    @on(OtherLoaded)
    def _other_loaded(self, msg: OtherLoaded) -> None:
        if msg.token != self.token:
            return
        self.right_facts = msg.facts
        self.right_head = head_for_other(msg.facts, self.left_head)
        self.refresh_diff()

    def _show_error(self, text: str) -> None:
        self.query_one("#diff-title", Static).update(Text("✗ " + text, style="bold red"))
        self.query_one("#diff-body", Static).update("")

    def _draw(self) -> None:
        if self.diff is None:
            return
        self.query_one("#diff-title", Static).update(diff_title(self.diff, self.side_by_side))
        body = render_side_by_side(self.diff) if self.side_by_side else render_unified(self.diff)
        self.query_one("#diff-body", Static).update(body)

    # -- keys ------------------------------------------------------------------------------
    def action_back(self) -> None:
        self.dismiss()

    def action_toggle_layout(self) -> None:
        self.side_by_side = not self.side_by_side
        self._draw()

    def action_toggle_context(self) -> None:
        self.context = SHORT_CONTEXT if self.context == FULL else FULL
        self.refresh_diff()

    def action_swap(self) -> None:
        self.left_facts, self.right_facts = self.right_facts, self.left_facts
        self.left_head, self.right_head = self.right_head, self.left_head
        self.refresh_diff()

    def action_next_head(self) -> None:
        same_model = self.right_facts is self.left_facts
        names = [
            o.auto_class
            for o in self.right_facts.heads.supported
            if not (same_model and o.auto_class == self.left_head)
        ]
        if not names:
            self.notify("No other head to compare with.")
            return
        current = self.right_head
        self.right_head = (
            names[(names.index(current) + 1) % len(names)] if current in names else names[0]
        )
        self.refresh_diff()

    def action_other_model(self) -> None:
        def chosen(text: str | None) -> None:
            if text:
                self.load_other_model(text)

        self.app.push_screen(ModelPrompt("Compare with another model", known=self.known), chosen)

    def load_other_model(self, text: str) -> None:
        """Open another model (Hub id or folder) and compare the same head of it."""
        self.token += 1
        opening = Text(f"opening {printable(text)} …", style="dim")
        self.query_one("#diff-title", Static).update(opening)
        self._load_other(text, self.token)
