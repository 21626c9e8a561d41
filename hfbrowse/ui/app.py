"""The Textual application: global keys, help, palette, and the library-log sink."""

from __future__ import annotations

import gc
import threading

from textual.app import App
from textual.binding import Binding

from hfbrowse.core.hub.gateway import HubGateway
from hfbrowse.core.hub.search import SearchQuery
from hfbrowse.core.model_ref import ModelRef
from hfbrowse.ui.commands import HFBrowseCommands
from hfbrowse.ui.messages import LibraryLog
from hfbrowse.ui.screens.help import HelpScreen
from hfbrowse.ui.screens.log import LogScreen
from hfbrowse.ui.screens.main import MainScreen


def _freeze_and_collect_later() -> None:
    gc.freeze()
    gc.enable()  # hfbrowse.cli.entry disables collection until the first frame is drawn


class HFBrowseApp(App[None]):
    TITLE = "hfbrowse"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {HFBrowseCommands}
    BINDINGS = [
        Binding("f1", "help", "Help", id="help"),
        Binding("q", "quit", "Quit", id="quit"),
        Binding("ctrl+c", "interrupt", "Stop / quit", show=False, priority=True, id="interrupt"),
    ]

    def __init__(
        self,
        models: list[ModelRef] | None = None,
        start: ModelRef | None = None,
        head: str | None = None,
        offline: bool = False,
        run_text: str | None = None,
        device: str | None = None,
        dtype: str | None = None,
        trust_remote_code: bool = False,
        gateway: HubGateway | None = None,
        search: SearchQuery | None = None,
    ) -> None:
        super().__init__()
        self.models = list(models or ([] if start is None else [start]))
        self.start = start
        self.head = head
        self.run_text = run_text
        self.device = device
        self.dtype = dtype
        self.trust_remote_code = trust_remote_code
        self._offline = offline
        self._gateway = gateway
        self.library_log: list[tuple[str, str]] = []
        self.search = search  # --search: the list opens with this query run

    @property
    def gateway(self) -> HubGateway:
        if self._gateway is None:
            self._gateway = HubGateway.from_env(offline=self._offline)
        return self._gateway

    def get_default_screen(self) -> MainScreen:
        """The main screen is the app's base screen: no empty default screen drawn first."""
        return MainScreen(self.models, self.start, self.head, self.search)

    def on_mount(self) -> None:
        from hfbrowse.core.log_capture import capture_library_logs

        capture_library_logs(self._library_sink)
        # What is alive after the first frame (modules, widgets) lives all session: frozen, it
        # is no longer walked by each full garbage collection (~90,000 objects, ~90 ms here),
        # which otherwise lands in the middle of typing or scrolling.
        self.call_after_refresh(_freeze_and_collect_later)

    def _library_sink(self, level: str, text: str) -> None:
        """Called from any thread by the logging handler; post_message is thread-safe."""
        if threading.get_ident() == self._thread_id:
            self._record(level, text)
        else:
            self.post_message(LibraryLog(level, text))

    def on_library_log(self, msg: LibraryLog) -> None:
        self._record(msg.level, msg.text)

    def _record(self, level: str, text: str) -> None:
        self.library_log.append((level, text))
        first = text.strip().splitlines()[0] if text.strip() else text
        self.notify(first[:300], severity="warning" if level == "warning" else "error", timeout=6)

    def action_interrupt(self) -> None:
        """Ctrl+C stops a running console run; with nothing running it quits."""
        from hfbrowse.ui.panes.console import ConsolePane

        consoles = self.screen.query(ConsolePane)
        if consoles and consoles.first().stop_run():
            return
        self.exit()

    def action_help(self) -> None:
        rows: list[tuple[str, str]] = []
        seen: set[str] = set()
        for source in (self.screen, self):
            for binding in source.BINDINGS:
                if isinstance(binding, Binding) and binding.description and binding.key not in seen:
                    seen.add(binding.key)
                    rows.append(
                        (
                            binding.key.replace("slash", "/").replace("colon", ":"),
                            binding.tooltip or binding.description,
                        )
                    )
        rows += [
            ("tab / shift+tab", "Move between panes"),
            ("enter", "Open the highlighted model / expand a config node"),
            ("ctrl+c", "Stop a console run (quit when nothing runs)"),
            ("↑ / ↓ (console)", "Earlier inputs; /help lists /set, /snippet, /unload …"),
            ("ctrl+p", "Command palette"),
        ]
        from hfbrowse.ui.panes.models import HELP_ROWS  # keys of the models list, when focused

        rows += HELP_ROWS
        self.push_screen(HelpScreen(rows))

    def action_show_log(self) -> None:
        self.push_screen(LogScreen(self.library_log))
