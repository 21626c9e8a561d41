"""The Textual application: global keys, help, the command palette, and the library-log sink.

The app holds the session's services (the Hub gateway, the library log) and hands them to the
main screen; panes never read the app's attributes.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterable
from typing import Any

from textual import events
from textual.app import App, SystemCommand
from textual.notifications import SeverityLevel
from textual.screen import Screen

from hfbrowse.core.hub.gateway import HubGateway
from hfbrowse.core.model import Prefetch
from hfbrowse.core.untrusted import printable
from hfbrowse.ui import keys
from hfbrowse.ui.messages import LibraryLog
from hfbrowse.ui.options import LaunchOptions
from hfbrowse.ui.screens.main import MainScreen


def _model_commands() -> type:
    """The palette's models provider, imported when the palette first opens."""
    from hfbrowse.ui.commands import ModelCommands

    return ModelCommands


def _freeze_and_collect_later() -> None:
    gc.freeze()
    gc.enable()  # hfbrowse.cli disables collection until the first frame is drawn


class HFBrowseApp(App[None]):
    TITLE = "hfbrowse"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {_model_commands}
    BINDINGS = keys.bindings(keys.APP)

    def __init__(
        self,
        options: LaunchOptions | None = None,
        gateway: HubGateway | None = None,
        prefetched: Prefetch | None = None,
    ) -> None:
        super().__init__()
        self.options = options or LaunchOptions()
        self.gateway = gateway or HubGateway.from_env(offline=self.options.offline)
        self.prefetched = prefetched  # the start model, opened before the UI was imported
        self.library_log: list[tuple[str, str]] = []

    def get_default_screen(self) -> MainScreen:
        """The main screen is the app's base screen: no empty default screen drawn first."""
        return MainScreen(self.options, self.gateway, self.prefetched)

    def on_mount(self) -> None:
        from hfbrowse.core.log_capture import capture_library_logs

        capture_library_logs(self._library_sink)
        if self.options.gguf is not None:  # FILE.gguf / --gguf: the GGUF view is the start
            from hfbrowse.ui.screens.gguf import GGUFScreen

            run_at_start = self.options.run_text is not None  # --gguf FILE --run TEXT
            self.push_screen(GGUFScreen(self.options.gguf, self.gateway, run_at_start))
        # What is alive after the first frame (modules, widgets) lives all session: frozen, it
        # is no longer walked by each full garbage collection (~90,000 objects, ~90 ms here),
        # which otherwise lands in the middle of typing or scrolling.
        self.call_after_refresh(_freeze_and_collect_later)

    def on_resize(self, event: events.Resize) -> None:
        """Repaint every cell after a terminal resize. A resize and its undo inside Textual's
        1/120 s debounce (a tmux zoom toggled twice, a window dragged back) reach the app as a
        size it has already laid out, which Textual skips, while the terminal cut the rows the
        smaller size hid: the next frame must redraw all of them."""
        self.screen.refresh()

    # -- the library log -------------------------------------------------------------------
    def _library_sink(self, level: str, text: str) -> None:
        """Called from any thread by the logging handler; post_message is thread-safe."""
        if threading.get_ident() == self._thread_id:
            self._record(level, text)
        else:
            self.post_message(LibraryLog(level, text))

    def on_library_log(self, msg: LibraryLog) -> None:
        self._record(msg.level, msg.text)

    def _record(self, level: str, text: str) -> None:
        from hfbrowse.core.log_capture import summarise_log

        self.library_log.append((level, text))
        severity = "warning" if level == "warning" else "error"
        self.notify(summarise_log(text), severity=severity, timeout=6, markup=False)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notification as plain text: messages quote models and servers, so markup is
        never parsed and control characters are shown as escapes (``printable``); every
        ``notify`` of a screen or widget comes here."""
        super().notify(
            printable(message, keep_lines=True),
            title=printable(title),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    # -- keys and the palette --------------------------------------------------------------
    def action_interrupt(self) -> None:
        """Ctrl+C stops a running console run; with nothing running it quits."""
        from hfbrowse.ui.panes.console import ConsolePane

        consoles = self.screen.query(ConsolePane)
        if consoles and consoles.first().stop_run():
            return
        self.exit()

    def action_help(self) -> None:
        from hfbrowse.ui.screens.help import HelpScreen

        self.push_screen(HelpScreen(keys.help_sections()))

    def action_show_log(self) -> None:
        from hfbrowse.ui.screens.log import LogScreen

        self.push_screen(LogScreen(self.library_log))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """hfbrowse's own actions first (from the key table), then Textual's."""
        for key in keys.palette_entries():
            target: Any = self if key.scope == keys.APP else screen
            if key.scope == keys.MODELS and isinstance(screen, MainScreen):
                from hfbrowse.ui.panes.models import ModelsPane

                panes = screen.query(ModelsPane)
                if not panes:
                    continue
                target = panes.first()  # the models list's filters, from anywhere on the screen
            elif key.scope not in (keys.APP, keys.MAIN) or (
                key.scope == keys.MAIN and not isinstance(screen, MainScreen)
            ):
                continue
            shortcut = f" ({keys.display_keys(key.keys)})" if key.keys else ""
            yield SystemCommand(
                key.palette or key.label,
                key.help + shortcut,
                lambda target=target, action=key.action: target.run_action(action),
            )
        yield from super().get_system_commands(screen)
