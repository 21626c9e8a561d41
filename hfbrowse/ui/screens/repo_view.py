"""A modal view of one repo whose content loads in a thread worker (the card, the file list).

The subclass says what to fetch (``fetch``, on the worker: it may touch the network) and how to
draw it (``draw``); loading, one-line failures in the status line and closing are shared.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on, work
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Static

from hfbrowse.core.errors import HFBrowseError, as_user_error
from hfbrowse.core.hub.gateway import HubGateway
from hfbrowse.core.model_ref import ModelRef
from hfbrowse.core.untrusted import printable


class RepoViewScreen(ModalScreen[None]):
    STATUS_ID = "status"  # the Static that says what is loading, or what failed

    @dataclass
    class _Loaded(Message):
        value: Any

    @dataclass
    class _Failed(Message):
        error: HFBrowseError

    def __init__(self, ref: ModelRef, gateway: HubGateway) -> None:
        super().__init__()
        self.ref = ref
        self.gateway = gateway

    def fetch(self) -> Any:
        raise NotImplementedError

    def draw(self, value: Any) -> None:
        raise NotImplementedError

    def status(self, text: str) -> Static:
        """The status line, showing ``text`` (plain text: names come from a server)."""
        widget = self.query_one(f"#{self.STATUS_ID}", Static)
        widget.update(Text(printable(text)))
        return widget

    def on_mount(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="repo-view", exit_on_error=False)
    def _load(self) -> None:
        try:
            self.post_message(self._Loaded(self.fetch()))
        except Exception as exc:
            self.post_message(self._Failed(as_user_error(exc)))

    @on(_Loaded)
    async def _loaded(self, msg: _Loaded) -> None:
        result = self.draw(msg.value)
        if result is not None:
            await result

    @on(_Failed)
    def _failed(self, msg: _Failed) -> None:
        self.status(str(msg.error)).add_class("-error")
        self.failed()

    def failed(self) -> None:
        """What else to hide when loading failed."""
