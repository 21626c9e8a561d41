"""Helpers every Pilot and snapshot test shares: waiting for the app to settle, reading text."""

from __future__ import annotations

import contextlib
import io

from rich.console import Console
from textual.widgets import Static
from textual.worker import WorkerCancelled


async def settle(
    pilot, *, rounds: int = 3, idle: float = 0.0, delay: float = 0.0, step: float | None = None
) -> None:
    """Wait for workers (a cancelled, superseded one is fine) and the messages they posted.

    ``delay`` first lets timers fire (a debounced search); ``idle`` at the end gives widgets
    that size themselves when idle (DataTable columns) time to get there on a loaded machine;
    ``step`` pauses that long after each round instead of one message-queue turn.
    """
    if delay:
        await pilot.pause(delay)
    await wait_until(pilot, lambda: getattr(pilot.app.screen, "started_up", True))
    for _ in range(rounds):
        with contextlib.suppress(WorkerCancelled):
            await pilot.app.workers.wait_for_complete()
        await pilot.pause(step)
    if idle:
        await pilot.pause(idle)
        await pilot.pause()


async def wait_until(pilot, condition, timeout: float = 20.0, step: float = 0.02) -> None:
    """Pause until ``condition()`` holds; fail with a clear message after ``timeout`` s."""
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout} s for {condition}")
        await pilot.pause(step)


def plain(renderable) -> str:
    """Any Rich renderable (or str) as the plain text a 200-column terminal would show."""
    if isinstance(renderable, str):
        return renderable
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


def text_of(app, selector: str) -> str:
    """The plain text a Static on the current screen shows, whatever renderable it holds."""
    return plain(app.screen.query_one(selector, Static).content)


def new_app(*, gateway=None, models=(), start=None, **options):
    """The app as ``hfbrowse`` starts it, with these launch options (and a test gateway)."""
    from hfbrowse.ui.app import HFBrowseApp
    from hfbrowse.ui.options import LaunchOptions

    launch = LaunchOptions(models=tuple(models), start=start, **options)
    return HFBrowseApp(launch, gateway=gateway)


def open_app(target, gateway=None, **options):
    """The app opened on one model: a ModelRef, or a folder (a local model). Without a
    gateway it runs offline, as a folder needs no Hub."""
    from pathlib import Path

    from hfbrowse.core.hub.gateway import HubGateway
    from hfbrowse.core.model_ref import ModelRef

    ref = target if isinstance(target, ModelRef) else ModelRef("local", str(Path(target)))
    gateway = gateway if gateway is not None else HubGateway(offline=True)
    return new_app(models=[ref], start=ref, gateway=gateway, **options)
