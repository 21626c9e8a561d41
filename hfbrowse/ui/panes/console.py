"""Bottom pane: the console that runs the shown head on typed input.

Enter runs the input through ``core.running.runner.run`` in a thread worker (download, load,
head, snippet); the worker posts progress, streamed text and the result back as messages, and
this pane draws them. One run at a time: Escape / Ctrl+C set the run's cancel event, which stops
a download mid-file and a generation before its next token. Lines starting with ``/`` are
commands (``/set``, ``/snippet``, …), never sent to the model.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from rich.console import Group, RenderableType
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.timer import Timer
from textual.widgets import Input, Label, ProgressBar, Static

from hfbrowse.core.console.settings import (
    GenerationSettings,
    apply_overrides,
    defaults_for,
    model_folder,
    read_generation_config,
)
from hfbrowse.core.errors import HFBrowseError, as_user_error
from hfbrowse.core.formatting import human_bytes
from hfbrowse.core.heads.registry import head_spec
from hfbrowse.core.hub.gateway import HubGateway
from hfbrowse.core.untrusted import printable
from hfbrowse.ui.opened_model import OpenedModel
from hfbrowse.ui.options import LaunchOptions
from hfbrowse.ui.panes.console_messages import (
    BackendProbed,
    RunFailed,
    RunFinished,
    RunNeedsConfirmation,
    RunProgress,
    RunStreamed,
)
from hfbrowse.ui.widgets.console_input import ConsoleInput

if TYPE_CHECKING:
    from hfbrowse.core.checkpoint.tensors import TensorTable
    from hfbrowse.core.console.commands import ConsoleState
    from hfbrowse.core.console.results import RunResult
    from hfbrowse.core.console.runner import RunRequest
    from hfbrowse.core.model import ModelFacts


def _render():
    """The console's renderers, imported when the first thing is written: they import every
    head module and the syntax highlighter, which the first frame does not need."""
    from hfbrowse.render import console_results

    return console_results


MAX_ENTRIES = 60
PHASE_TICK_S = 0.25  # the phase line's elapsed time is redrawn this often while a run works
# A remote run's phase line shows only if no text came this long after Enter: an endpoint
# usually streams within tens of ms, and showing then hiding the line lays the screen out
# twice (~50 ms of CPU a run, measured by benchmarks/console_endpoint: 136 vs 84 ms).
REMOTE_PHASE_AFTER_S = PHASE_TICK_S
CHARS_PER_TOKEN = 4  # to size the room a generation will need before it starts


class ConsoleEntry(Static):
    """One run or command in the console's scrolling output."""


class ConsolePane(Vertical, can_focus=False):
    DEFAULT_CSS = """
    ConsolePane #console-progress { height: 1; display: none; padding: 0 1; }
    ConsolePane #console-progress.-active { display: block; }
    ConsolePane #console-progress-label { width: 1fr; height: 1; }
    ConsolePane #console-progress-bar { width: auto; height: 1; }
    ConsolePane #console-settings { height: 1; padding: 0 1; color: $text-muted; }
    ConsolePane ConsoleEntry { height: auto; padding: 0 1; }
    """
    show_timings = True  # snapshot tests turn timings off to stay deterministic

    def __init__(self, options: LaunchOptions, gateway: HubGateway, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.options = options
        self.gateway = gateway
        self._state: ConsoleState | None = None
        self.facts: ModelFacts | None = None
        self.head: str | None = None
        self.table: TensorTable | None = None  # the shown checkpoint's (memory estimate)
        self.confirmed: dict[str, set[str]] = {}
        self.run_id = 0
        self._cancel: threading.Event | None = None
        self._entry: ConsoleEntry | None = None
        self._prompt = ""
        self._run_head: str | None = None
        self._run_chat = False  # the run is a chat turn (streamed as a reply, not a continuation)
        self._stream_lines = 0
        self._auto_ran = False
        self._title: str | None = None  # console_title of the shown model and head
        self._phase = ""  # what the run is doing now (the runner's phase label)
        self._phase_bytes: tuple[int | None, int | None] = (None, None)
        self._run_started = 0.0
        self._ticker: Timer | None = None
        self._phase_held = False  # a remote run's phase line, not shown yet (REMOTE_PHASE_AFTER_S)
        self.gguf_file: str | None = None  # runs go to this GGUF file of facts.ref (show_gguf)
        self._gguf_template: bool | None = None  # that file's metadata has a chat template

    def compose(self) -> ComposeResult:
        yield VerticalScroll(id="console-log")
        with Horizontal(id="console-progress"):
            yield Label("", id="console-progress-label")
            # A finite total: an indeterminate bar animates (15 refreshes/s) even while hidden.
            yield ProgressBar(total=1, id="console-progress-bar", show_eta=False)
        yield Static("", id="console-settings")
        yield ConsoleInput(
            placeholder=": type input for the shown head, Enter runs (/help for commands)",
            id="console-input",
        )

    def on_mount(self) -> None:
        self.border_title = "console"
        self.write(Text("The console runs the shown head on typed input (/help).", style="dim"))

    @property
    def state(self) -> ConsoleState:
        """What console commands read and change (made on first use: it imports the session)."""
        if self._state is None:
            from hfbrowse.core.console.backends.holder import BackendHolder
            from hfbrowse.core.console.commands import ConsoleState

            self._state = ConsoleState(backends=BackendHolder(self.options.backend))
            self._state.chat.on = self.options.chat
            self._state.chat.system = self.options.system
            self._sync_state()
        return self._state

    def _sync_state(self) -> None:
        """What the console commands need to know about the shown model and head."""
        if self._state is None:
            return
        from hfbrowse.core.console.chat import has_chat_template

        self._state.head = self.head
        if self.gguf_file is not None:  # the template travels in the GGUF's metadata
            self._state.has_template = self._gguf_template
            return
        folder = model_folder(self.facts.ref) if self.facts is not None else None
        self._state.has_template = has_chat_template(folder)

    def _retitle(self) -> None:
        """``console — HEAD (a pin, when pinned) · where runs go`` (cpu, an endpoint, a
        provider)."""
        if self.head is None:
            self.border_title = "console"
            return
        where = self._state.backends.words() if self._state is not None else None
        if where is None and self.options.backend.remote:
            where = self.options.backend.label()
        title = self._title or f"console — {self.head}"
        # where: an endpoint's own words (its model's name): server text, shown as text
        self.border_title = title + (f" · {printable(where)}" if where else "")

    @property
    def busy(self) -> bool:
        return self._state is not None and self._state.busy

    @property
    def last_result(self) -> RunResult | None:
        return self._state.last_result if self._state is not None else None

    # -- what is shown -------------------------------------------------------------------------
    def show(self, opened: OpenedModel) -> None:
        """Called by the screen at every stage of an opening and when the head changes."""
        self.table = opened.checkpoint.table if opened.checkpoint else None
        head = opened.head if opened.facts else None
        if head is None and opened.facts is not None and opened.facts.adapter is not None:
            from hfbrowse.core.console.targets import console_head

            head = console_head(opened.facts)  # base + adapter: the head it was trained for
        if opened.facts is self.facts and head == self.head and self.gguf_file is None:
            return
        self.facts = opened.facts
        self.head = head
        self.gguf_file = None
        self._title = console_title(opened) if self.head else None
        if self._title is not None and opened.facts is not None and opened.facts.adapter:
            self._title = f"console — {self.head} · base + adapter (peft)"
        self._sync_state()
        self._retitle()
        self.draw_settings()
        backend = self._state.backends.settings if self._state else self.options.backend
        if backend.remote and self.head is not None:  # the title, and remarks for this model
            self.probe_backend()
        run_text = self.options.run_text
        if run_text and not self._auto_ran and self.head is not None:
            self._auto_ran = True
            self.query_one(ConsoleInput).value = run_text
            self.submit(run_text)

    def show_gguf(
        self,
        facts: ModelFacts,
        table: TensorTable | None,
        filename: str,
        has_template: bool | None = None,
    ) -> None:
        """Runs go to one GGUF file (``facts``: the config transformers derives from it, or no
        head and why), loaded dequantised; opening a model brings the console back to it.
        ``has_template``: whether the file's metadata carries ``tokenizer.chat_template`` (what
        ``/chat`` checks, since a GGUF repo has no tokenizer_config.json)."""
        self.facts, self.table, self.gguf_file = facts, table, filename
        self._gguf_template = has_template
        self.head = facts.heads.shown(None)
        self._title = f"console — {self.head or 'no head'} · GGUF {filename} (dequantised)"
        self._sync_state()
        self._retitle()
        self.draw_settings()
        run_text = self.options.run_text
        if run_text and not self._auto_ran:  # --gguf FILE --run TEXT
            self._auto_ran = True
            self.query_one(ConsoleInput).value = run_text
            self.submit(run_text)

    def settings(self) -> GenerationSettings | None:
        """Effective generation settings for the shown model (None for other heads)."""
        if self.head is None or not head_spec(self.head).generates or self.facts is None:
            return None
        loaded = self._state.session.loaded if self._state is not None else None
        if loaded is not None and loaded.key.model == self.facts.ref.id:
            gen = loaded.generation_config
        else:
            gen = read_generation_config(model_folder(self.facts.ref))
        overrides = self._state.overrides if self._state is not None else {}
        return apply_overrides(defaults_for(self.head, gen), overrides)

    def draw_settings(self) -> None:
        line = Text()
        settings = self.settings()
        if self.facts is None:
            line.append("open a model to run it", style="dim")
        elif self.head is None:
            line.append(f"no text head to run: {printable(self.facts.heads.reason)}", style="dim")
        elif settings is not None:
            line.append(printable(settings.line()))
            line.append("  · /set key=value", style="dim")
        else:
            line.append(head_spec(self.head).hint)
        self.query_one("#console-settings", Static).update(line)

    def write(self, renderable: RenderableType) -> ConsoleEntry:
        log = self.query_one("#console-log", VerticalScroll)
        entry = ConsoleEntry(renderable)
        log.mount(entry)
        entries = log.query(ConsoleEntry)
        for old in list(entries)[:-MAX_ENTRIES]:
            old.remove()
        log.scroll_end(animate=False)
        return entry

    def _update_entry(self, *parts: RenderableType) -> None:
        if self._entry is not None:
            self._entry.styles.min_height = None  # drop lines reserved while streaming
            self._entry.update(Group(_render().prompt_line(self._prompt), *parts))
            self.query_one("#console-log", VerticalScroll).scroll_end(animate=False)
            self._stream_lines = 0

    def _reserve_stream_lines(self, settings: GenerationSettings) -> None:
        """Give a generation's entry the lines it will likely fill (at most a screenful).

        A layout pass of the whole screen costs ~15 ms of the GIL that the generating thread
        needs (measured); reserving the room at Enter (min-height) means streamed text is
        repainted in place, and the screen is laid out again only if the text outgrows it.
        """
        log = self.query_one("#console-log", VerticalScroll)
        width = max(log.size.width - 2, 20)
        chars = len(self._prompt) + settings.max_new_tokens * CHARS_PER_TOKEN
        self._stream_lines = min(2 + -(-chars // width), max(log.size.height, 3))
        if self._entry is not None:
            self._entry.styles.min_height = self._stream_lines

    def _stream_into_entry(self, text: Text) -> None:
        """Streamed text into the entry, re-laying out only when it outgrows its reserved lines."""
        entry = self._entry
        if entry is None:
            return
        prompt = _render().prompt_line(self._prompt)
        width = max(entry.content_region.width, 1)
        lines = len(prompt.wrap(self.app.console, width)) + len(text.wrap(self.app.console, width))
        relayout = lines > self._stream_lines
        if relayout:
            log_height = self.query_one("#console-log", VerticalScroll).size.height
            self._stream_lines = lines + max(log_height // 2, 4)
            entry.styles.min_height = self._stream_lines
        entry.update(Group(prompt, text), layout=relayout)
        if relayout:
            self.query_one("#console-log", VerticalScroll).scroll_end(animate=False)

    # -- input ---------------------------------------------------------------------------------
    @on(Input.Submitted, "#console-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit(event.value)

    def submit(self, text: str) -> None:
        box = self.query_one(ConsoleInput)
        box.remember(text)
        box.value = ""
        from hfbrowse.core.console.commands import (
            REPLY_BACKEND,
            REPLY_CLEAR,
            run_command,
            split_input,
        )

        what, rest = split_input(text)
        if what == "run":
            self.start_run(rest)
            return
        self.state.settings = self.settings()
        reply = run_command(self.state, rest)
        if reply.kind == REPLY_CLEAR:
            for entry in self.query("#console-log > *"):
                entry.remove()
            return
        self.write(_render().command_reply(reply))
        self.draw_settings()
        if reply.kind == REPLY_BACKEND:
            self._retitle()
            self.probe_backend()

    def start_run(self, text: str, confirmed: frozenset[str] = frozenset()) -> None:
        from hfbrowse.core.console.commands import chat_messages
        from hfbrowse.core.console.runner import RunRequest, runnable_head

        if self.busy:
            self.app.notify("A run is in progress: Escape stops it.", severity="warning")
            return
        facts = self.facts
        trust = self.options.trust_remote_code
        if facts is None:
            self.write(Text("cannot run: open a model first", style="bold red"))
            return
        try:
            remote = self.state.backends.settings.remote
            if (facts.adapter is not None or self.gguf_file is not None) and not remote:
                head = self.head or ""  # the runner resolves what loads (base, GGUF) and says
            else:
                head = runnable_head(facts, self.head, trust, remote)
        except HFBrowseError as exc:
            self.write(Text(printable(str(exc)), style="bold red"))
            return
        self._prompt = text
        self._run_head = head
        self._entry = self.write(_render().prompt_line(text))
        settings = self.settings() if head == self.head else None
        if settings is not None and settings.streams:
            self._reserve_stream_lines(settings)
        request = RunRequest(
            head=head,
            text=text,
            overrides=dict(self.state.overrides),
            device=self.options.device,
            dtype=self.options.dtype,
            trust_remote_code=trust,
            confirmed=frozenset(self.confirmed.get(facts.ref.id, set())) | confirmed,
            chat=chat_messages(self.state, text) if head == self.head else None,
            gguf_file=self.gguf_file,
        )
        self._run_chat = request.chat is not None
        self._launch(request, facts)

    def _launch(self, request: RunRequest, facts: ModelFacts) -> None:
        self.run_id += 1
        self.state.busy = True
        self._cancel = threading.Event()
        self._start_phases()
        self._run_worker(self.run_id, request, facts, self.table, self._cancel)

    # -- the phase line ----------------------------------------------------------------------
    def _start_phases(self) -> None:
        """From Enter on, one line says what the run is doing and for how long (a first run
        imports torch and loads for seconds before anything else shows)."""
        self._run_started = time.monotonic()
        self._phase_held = self.state.backends.settings.remote
        self._set_phase("starting", None, None)
        if self._ticker is None:
            self._ticker = self.set_interval(PHASE_TICK_S, self._draw_phase)
        else:
            self._ticker.resume()

    def _set_phase(self, label: str, done: int | None, total: int | None) -> None:
        self._phase = label
        self._phase_bytes = (done, total)
        if self._phase_held:  # the ticker shows it if the run is still quiet by then
            return
        self.query_one("#console-progress", Horizontal).add_class("-active")
        bar = self.query_one("#console-progress-bar", ProgressBar)
        bar.display = bool(total)
        if total:
            bar.update(total=total, progress=done or 0)
        self._draw_phase()

    def _draw_phase(self) -> None:
        if self._phase_held and self._cancel is not None:
            if time.monotonic() - self._run_started < REMOTE_PHASE_AFTER_S:
                return
            self._phase_held = False
            self._set_phase(self._phase, *self._phase_bytes)
            return
        row = self.query_one("#console-progress", Horizontal)
        if not row.has_class("-active") or self._cancel is None:
            return
        if self._cancel.is_set():
            text = "stopping …"
        else:
            done, total = self._phase_bytes
            size = f" · {human_bytes(done or 0)} of {human_bytes(total)}" if total else ""
            elapsed = time.monotonic() - self._run_started
            text = f"{self._phase}{size} · {elapsed:.1f} s  (escape cancels)"
        self.query_one("#console-progress-label", Label).update(Text(printable(text)))

    @work(thread=True, exclusive=True, group="console", exit_on_error=False)
    def _run_worker(
        self,
        run_id: int,
        request: RunRequest,
        facts: ModelFacts,
        table: TensorTable | None,
        cancel: threading.Event,
    ) -> None:
        from hfbrowse.core.console.backends.base import RunContext
        from hfbrowse.core.console.commands import record_failure
        from hfbrowse.core.console.errors import RunCancelled
        from hfbrowse.core.console.runner import NeedsConfirmation, RunHooks

        hooks = RunHooks(
            cancel=cancel,
            progress=lambda label, done, total: self.post_message(
                RunProgress(run_id, label, done, total)
            ),
            on_text=lambda text: self.post_message(RunStreamed(run_id, text)),
        )
        context = RunContext(facts, self.gateway, self.state.session, table)
        try:
            result = self.state.backends.run(request, context, hooks)
        except NeedsConfirmation as exc:
            self.post_message(RunNeedsConfirmation(run_id, request, exc.asks))
        except RunCancelled as exc:
            self.post_message(RunFailed(run_id, str(exc), cancelled=True))
        except Exception as exc:  # ours, or a library surprise: one line, never a traceback
            record_failure(self.state, exc)
            partial = getattr(exc, "partial", None)  # a broken stream keeps its text
            self.post_message(RunFailed(run_id, str(as_user_error(exc)), partial=partial))
        else:
            self.post_message(RunFinished(run_id, result))

    # -- worker messages -----------------------------------------------------------------------
    @on(RunProgress)
    def _progress(self, msg: RunProgress) -> None:
        if msg.run_id == self.run_id and self.busy:
            self._set_phase(msg.label, msg.done, msg.total)

    @on(RunStreamed)
    def _streamed(self, msg: RunStreamed) -> None:
        if msg.run_id == self.run_id:
            self._phase_held = False  # text came first: the phase line never showed
            self._hide_progress()
            continuation = self._run_head != "AutoModelForSeq2SeqLM" and not self._run_chat
            self._stream_into_entry(_render().streaming(self._prompt, msg.text, continuation))

    @on(RunFinished)
    def _finished(self, msg: RunFinished) -> None:
        if msg.run_id != self.run_id:
            return
        self._done()
        result = msg.result
        from hfbrowse.core.console.commands import record_run

        record_run(self.state, result)
        parts: list[RenderableType] = [_render().render_output(result), *_render().notices(result)]
        if self.show_timings:
            parts.append(_render().timing_line(result))
        self._update_entry(*parts)
        self._retitle()
        self.draw_settings()

    @on(RunFailed)
    def _failed(self, msg: RunFailed) -> None:
        if msg.run_id != self.run_id:
            return
        self._done()
        style = "bold yellow" if msg.cancelled else "bold red"
        error = Text(printable(msg.error), style=style)
        if msg.partial is not None:  # the stream broke: what came stays, with why it ended
            self.state.last_result = msg.partial
            self._update_entry(_render().render_output(msg.partial), error)
            return
        self._update_entry(error)

    @on(RunNeedsConfirmation)
    def _confirm(self, msg: RunNeedsConfirmation) -> None:
        if msg.run_id != self.run_id:
            return
        self._done()
        self._update_entry(Text("waiting for your answer …", style="yellow"))
        keys = frozenset(a.key for a in msg.asks)
        model = self.facts.ref.id if self.facts else ""

        def answered(yes: bool | None) -> None:
            if not yes:
                self._update_entry(Text("not loaded: you declined", style="yellow"))
                return
            self.confirmed.setdefault(model, set()).update(keys)
            if self.facts is not None:
                request = replace(msg.request, confirmed=msg.request.confirmed | keys)
                self._update_entry(Text("loading …", style="dim"))
                self._launch(request, self.facts)

        questions = [a.question for a in msg.asks]
        from hfbrowse.ui.screens.confirm import ConfirmScreen

        self.app.push_screen(ConfirmScreen("Load this model?", questions), answered)

    def _done(self) -> None:
        self.state.busy = False
        self._cancel = None
        self._phase_held = False
        if self._ticker is not None:
            self._ticker.pause()
        self._hide_progress()

    def _hide_progress(self) -> None:
        row = self.query_one("#console-progress", Horizontal)
        if row.has_class("-active"):
            row.remove_class("-active")
            self.query_one("#console-progress-bar", ProgressBar).update(total=1, progress=0)

    # -- the backend ---------------------------------------------------------------------------
    def probe_backend(self) -> None:
        """Reach the chosen backend now (an endpoint: which protocol, which model), so the
        title and any remark appear before the first run."""
        self._probe_worker(self.state, self.facts)

    @work(thread=True, exclusive=True, group="console-backend", exit_on_error=False)
    def _probe_worker(self, state: ConsoleState, facts: ModelFacts | None) -> None:
        try:
            backend = state.backends.get(self.gateway)
            remarks = tuple(backend.remarks(facts)) if facts is not None else ()
        except Exception as exc:  # one line, the console stays usable
            self.post_message(BackendProbed(state.backends.words(), error=str(as_user_error(exc))))
            return
        self.post_message(BackendProbed(backend.describe(), remarks))

    @on(BackendProbed)
    def _backend_probed(self, msg: BackendProbed) -> None:
        self._retitle()
        if msg.error is not None:
            self.write(Text(printable(msg.error), style="bold red"))
            return
        line = Text("runs go to ", style="dim")
        line.append(printable(msg.words), style="bold")
        for remark in msg.remarks:
            line.append(f"\n{printable(remark)}", style="yellow")
        self.write(line)

    # -- control -------------------------------------------------------------------------------
    def stop_run(self) -> bool:
        """Cancel the running download/generation; False when nothing runs (Escape/Ctrl+C)."""
        if not self.busy or self._cancel is None:
            return False
        if not self._cancel.is_set():
            self._cancel.set()
            if self._phase_held:  # stopping before any text: say so at once
                self._phase_held = False
                self._set_phase(self._phase, *self._phase_bytes)  # draws "stopping …"
            else:
                self._draw_phase()  # "stopping …"
        return True

    def copy_snippet(self) -> None:
        """``y``: the last run's Python to the clipboard (OSC 52: works over SSH)."""
        if self.last_result is None:
            self.app.notify("Nothing to copy yet: run something in the console first.")
            return
        self.app.copy_to_clipboard(self.last_result.snippet)
        lines = self.last_result.snippet.count("\n")
        self.app.notify(f"Copied the snippet ({lines} lines) to the clipboard; /snippet shows it.")


def console_title(opened: OpenedModel) -> str:
    """``console — AutoModelForQuestionAnswering (pinned by --head; recommended:
    AutoModelForMaskedLM)``: the console runs the shown head, and says so when it is not the
    recommended one."""
    from hfbrowse.render.header import PIN_REASONS

    title = f"console — {opened.head}"
    if opened.head_pin is not None and opened.facts is not None:
        why = PIN_REASONS.get(opened.head_pin, opened.head_pin)
        recommended = opened.facts.heads.recommended or "none"
        title += f" ({why}; recommended: {recommended})"
    return title
