"""The console on other backends, through Pilot: the title says where runs go, a streamed run on
a real transformers serve, Escape that frees the server, chat mode, ``/backend`` and its
palette entry, and failures that keep the app alive and the text on screen."""

from __future__ import annotations

import time

import pytest

from hfbrowse.core.console.backends.settings import settings_from
from hfbrowse.ui.panes.console import ConsolePane
from tests.support.openai_double import OpenAIDouble, Step
from tests.support.serve import free_port
from tests.support.ui import open_app, settle, wait_until
from tests.ui.test_console import pane_text, plain, submit


def title(app) -> str:
    return str(app.screen.query_one(ConsolePane).border_title)


@pytest.mark.torch
async def test_a_streamed_run_on_transformers_serve(served, chat_gpt2):
    app = open_app(chat_gpt2, backend=settings_from(endpoint=served.url))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        where = f"endpoint 127.0.0.1:{served.port} · transformers serve · {chat_gpt2}"
        await wait_until(pilot, lambda: where in title(app))
        assert title(app).startswith("console — AutoModelForCausalLM · endpoint")
        await submit(pilot, "/set max_new_tokens=12")
        await submit(pilot, "Once upon a time")
        pane = app.screen.query_one(ConsolePane)
        result = pane.last_result
        assert result is not None and result.backend == "endpoint"
        assert result.output.new_tokens == 12 and result.output.streamed
        shown = pane_text(app)
        assert "› Once upon a time" in shown and "tokens/s" in shown
        assert "ran in" in shown and "loaded in" not in shown  # nothing was loaded here
        assert "runs go to" in shown and "transformers serve" in shown
        await submit(pilot, "/snippet")
        assert "client.completions.create" in pane_text(app)


@pytest.mark.torch
async def test_escape_stops_a_remote_stream_and_frees_the_server(served, chat_gpt2):
    from tests.core.test_endpoint_serve import quick_completion_s

    app = open_app(chat_gpt2, backend=settings_from(endpoint=served.url))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        pane = app.screen.query_one(ConsolePane)
        await submit(pilot, "/set max_new_tokens=900")
        pane.submit("Once upon a time")
        await wait_until(pilot, lambda: pane.busy and "▌" in pane_text(app), timeout=30)
        await pilot.press("escape")
        await settle(pilot)
        out = pane.last_result.output
        assert out.stopped and 0 < out.new_tokens < 900 and "stopped" in pane_text(app)
        assert quick_completion_s(served) < 1.0
        assert app.is_running


@pytest.mark.torch
async def test_chat_mode_in_the_console(served, chat_gpt2):
    app = open_app(chat_gpt2, backend=settings_from(endpoint=served.url), chat=True, system="Hi")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        pane = app.screen.query_one(ConsolePane)
        await submit(pilot, "/set max_new_tokens=6")
        await submit(pilot, "first question")
        await submit(pilot, "second question")
        out = pane.last_result.output
        assert out.kind == "chat" and [m["role"] for m in out.messages] == [
            "system", "user", "assistant", "user",
        ]  # fmt: skip
        assert "assistant › " in pane_text(app)
        await submit(pilot, "/prompt")
        assert '"content": "second question"' in pane_text(app)
        await submit(pilot, "/new")
        await submit(pilot, "/chat off")
        await submit(pilot, "plain again")
        assert pane.last_result.output.kind == "generation"


@pytest.mark.torch
async def test_backend_command_and_palette_entry(served, fixtures):
    app = open_app(fixtures["tiny-gpt2"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert title(app) == "console — AutoModelForCausalLM"  # in-process: said after a run
        from hfbrowse.ui import keys

        entry = next(k for k in keys.palette_entries() if k.action == "console_backend")
        assert entry.palette == "Console: run on another backend…"
        await app.screen.run_action(entry.action)  # what the palette entry runs
        await pilot.pause()
        box = app.screen.query_one("#console-input")
        assert app.focused is box and box.value == "/backend "
        box.value = f"/backend {served.url}"
        await pilot.press("enter")
        await settle(pilot)
        await wait_until(pilot, lambda: "transformers serve" in title(app))
        shown = pane_text(app)
        assert "not tiny-gpt2 (the model on screen)" in shown  # the server holds another model
        await submit(pilot, "/set max_new_tokens=3")
        await submit(pilot, "Hello")
        pane = app.screen.query_one(ConsolePane)
        assert pane.last_result.backend == "endpoint"
        assert any("not tiny-gpt2" in n for n in pane.last_result.notices)
        await submit(pilot, "/backend local")
        assert title(app).endswith("· in-process")
        await submit(pilot, "Hello")
        assert pane.last_result.backend == "in-process" and title(app).endswith("· cpu")


async def test_failures_keep_the_app_and_the_text(fixtures):
    double = OpenAIDouble().start()
    try:
        app = open_app(fixtures["tiny-gpt2"])
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            pane = app.screen.query_one(ConsolePane)
            down = f"http://127.0.0.1:{free_port()}"
            started = time.monotonic()
            await submit(pilot, f"/backend {down}")
            await wait_until(pilot, lambda: "cannot reach the endpoint" in pane_text(app))
            assert time.monotonic() - started < 2.0
            await submit(pilot, "Hello")  # a run asks again, and says it again
            assert pane_text(app).count("cannot reach the endpoint") == 2 and not pane.busy
            await submit(pilot, f"/backend {double.url}")
            await settle(pilot)
            pane.state.backends.get(None).http.timeout_s = 0.5
            pane.state.backends.get(None).http.reset()
            double.script = [Step(pieces=("Once", " upon"), stall_s=2.0)]
            await submit(pilot, "Hello")
            await wait_until(pilot, lambda: "stalled mid-stream" in pane_text(app), timeout=10)
            shown = pane_text(app)
            assert "Once upon" in shown and pane.last_result.output.text == "Once upon"
            double.script = [Step(429, {"error": "slow down"}, {"retry-after": "3"})]
            await submit(pilot, "Hello")
            await wait_until(pilot, lambda: "retry after 3 s" in pane_text(app))
            await submit(pilot, "/help")
            assert "/backend" in plain(pane.query("ConsoleEntry").last().content)
            assert app.is_running
    finally:
        double.stop()


async def test_a_remote_phase_line_shows_only_while_the_endpoint_is_quiet(fixtures, monkeypatch):
    """Not at Enter on an endpoint: its text usually comes before the phase line would (showing
    and hiding it lays the screen out twice a run); a slow one's shows after a tick and names
    where the run waits; Escape before any text says "stopping" at once."""
    from textual.containers import Horizontal

    shown: list[float] = []
    real_add_class = Horizontal.add_class

    def add_class(self, *names, **kwargs):
        if self.id == "console-progress" and "-active" in names:
            shown.append(time.monotonic())
        return real_add_class(self, *names, **kwargs)

    monkeypatch.setattr(Horizontal, "add_class", add_class)
    double = OpenAIDouble().start()
    try:
        app = open_app(fixtures["tiny-gpt2"], backend=settings_from(endpoint=double.url))
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            pane = app.screen.query_one(ConsolePane)
            row = app.screen.query_one("#console-progress")
            label = app.screen.query_one("#console-progress-label")
            await wait_until(pilot, lambda: "double/model" in title(app))
            await submit(pilot, "Hello")
            assert pane.last_result.output.text == "ab"
            entered = pane._run_started  # when Enter started the run
            # Not at Enter; on a loaded machine the text may take longer than a tick to come.
            assert all(t - entered >= 0.2 for t in shown), [t - entered for t in shown]
            double.script = [Step(pieces=("slow",), delay_s=1.5)]
            shown.clear()
            pane.submit("Hello")
            await wait_until(pilot, lambda: row.has_class("-active"), timeout=10)
            assert shown and shown[0] - pane._run_started >= 0.2
            where = f"running AutoModelForCausalLM on endpoint {double.url.removeprefix('http://')}"
            assert str(label.render()).startswith(where), str(label.render())
            await wait_until(pilot, lambda: not pane.busy, timeout=10)
            assert pane.last_result.output.text == "slow" and not row.has_class("-active")
            double.script = [Step(pieces=("late",), delay_s=3.0)]
            pane.submit("Hello")
            await pilot.pause(0.05)
            assert pane.stop_run() and row.has_class("-active")
            assert str(label.render()) == "stopping …"
            await wait_until(pilot, lambda: not pane.busy, timeout=10)
            assert app.is_running
    finally:
        double.stop()
