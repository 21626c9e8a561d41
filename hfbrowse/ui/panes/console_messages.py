"""Messages from the console's run worker to the console pane.

Every message carries the ``run_id`` it belongs to; the pane ignores ids other than its current
run. Progress and streamed text are replaceable: when the worker posts faster than the screen
draws, queued updates of the same run collapse into the newest one (toolong's pattern).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from textual.message import Message

if TYPE_CHECKING:  # the messages are made on worker paths, which import these
    from hfbrowse.core.console.preflight import Confirmation
    from hfbrowse.core.console.results import RunResult
    from hfbrowse.core.console.runner import RunRequest


@dataclass
class RunProgress(Message):
    bubble: ClassVar[bool] = False  # for the pane alone
    run_id: int
    label: str
    done: int | None
    total: int | None

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, RunProgress) and message.run_id == self.run_id


@dataclass
class RunStreamed(Message):
    bubble: ClassVar[bool] = False  # for the pane alone
    run_id: int
    text: str  # all generated text so far, not a delta: any newer one supersedes it

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, RunStreamed) and message.run_id == self.run_id


@dataclass
class RunFinished(Message):
    bubble: ClassVar[bool] = False  # for the pane alone
    run_id: int
    result: RunResult


@dataclass
class RunFailed(Message):
    bubble: ClassVar[bool] = False  # for the pane alone
    run_id: int
    error: str
    cancelled: bool = False
    partial: RunResult | None = None  # a stream that broke: the text so far, kept on screen


@dataclass
class BackendProbed(Message):
    """The console's backend was reached (or not): its title words and what to tell."""

    bubble: ClassVar[bool] = False  # for the pane alone
    words: str
    remarks: tuple[str, ...] = ()
    error: str | None = None


@dataclass
class RunNeedsConfirmation(Message):
    bubble: ClassVar[bool] = False  # for the pane alone
    run_id: int
    request: RunRequest
    asks: tuple[Confirmation, ...]
