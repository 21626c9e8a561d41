"""Main-screen actions for reading code and config: head diff (``d``), config diff (``D``), and
the repo's own code (``r``), mixed into MainScreen so the shared screen stays small.

Handlers use ``on_*`` names: Textual collects ``@on`` handlers only from its own classes, while
``on_*`` methods are found anywhere in the MRO.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import work
from textual.message import Message

from hfbrowse.core.model import ModelFacts
from hfbrowse.core.source.remote_code import RemoteCode


@dataclass
class RemoteCodeLoaded(Message):
    token: int
    remote: RemoteCode | None
    error: str | None = None


class ReadingActions:
    """Needs the host screen's ``facts``, ``head``, ``token`` and ``show_head``."""

    remote_code: RemoteCode | None = None

    # -- head and config diffs ---------------------------------------------------------------
    def action_diff_heads(self) -> None:
        from hfbrowse.ui.screens.diff import DiffScreen

        facts: ModelFacts | None = self.facts
        if facts is None:
            self.notify("Open a model first.")
            return
        if self.head is None and not facts.heads.remote_code:
            self.notify(f"No head to compare: {facts.heads.reason}.", severity="warning")
            return
        self.app.push_screen(DiffScreen(facts, self.head))

    def action_diff_config(self) -> None:
        from hfbrowse.ui.screens.config_diff import ConfigDiffScreen

        if self.facts is None:
            self.notify("Open a model first.")
            return
        self.app.push_screen(ConfigDiffScreen(self.facts))

    def action_diff_heads_other_model(self) -> None:
        """Palette: compare the shown head with the same head of another model."""
        from hfbrowse.ui.screens.diff import DiffScreen
        from hfbrowse.ui.screens.model_prompt import ModelPrompt

        if self.facts is None:
            self.notify("Open a model first.")
            return
        facts, head = self.facts, self.head

        def chosen(text: str | None) -> None:
            if text:
                self.app.push_screen(DiffScreen(facts, head, other_text=text))

        self.app.push_screen(ModelPrompt("Compare this head with another model"), chosen)

    # -- remote code -------------------------------------------------------------------------
    def load_remote_code(self, facts: ModelFacts, token: int) -> None:
        """Fetch (as files) and locate the repo's own code when config.json has auto_map."""
        self.remote_code = None
        if facts.heads.remote_code:
            self._remote_code_worker(facts, token)

    @work(thread=True, exclusive=True, group="remote-code", exit_on_error=False)
    def _remote_code_worker(self, facts: ModelFacts, token: int) -> None:
        from hfbrowse.core.source.remote_code import load_remote_code

        siblings = facts.hub.siblings if facts.hub else ()
        try:
            remote = load_remote_code(facts.ref, facts.config, self.app.gateway, siblings)
        except Exception as exc:  # one line on screen, never a traceback
            self.post_message(RemoteCodeLoaded(token, None, f"{type(exc).__name__}: {exc}"))
        else:
            self.post_message(RemoteCodeLoaded(token, remote))

    def on_remote_code_loaded(self, msg: RemoteCodeLoaded) -> None:
        from hfbrowse.ui.panes.source import SourcePane

        if msg.token != self.token:
            return
        if msg.remote is None:
            self.notify(f"Could not read the repo's code: {msg.error}", severity="error")
            return
        self.remote_code = msg.remote
        if self.head is None:  # no built-in class: the repo's code is the source to read
            self.query_one(SourcePane).show_remote(msg.remote)
        else:
            self.notify("This repo has its own code (auto_map): r shows it, as text.")

    def action_remote_code(self) -> None:
        from hfbrowse.ui.panes.source import SourcePane

        pane = self.query_one(SourcePane)
        if pane.showing_remote:
            self.show_head(self.head)
        elif self.remote_code is not None:
            pane.show_remote(self.remote_code)
        else:
            self.notify("This model has no code of its own (no auto_map in config.json).")
