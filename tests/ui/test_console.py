"""The console through Pilot: type, Enter, read the pane; keys, commands, modals, cancel."""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console

from hfbrowse.core.console import preflight
from hfbrowse.core.model_ref import ModelRef
from hfbrowse.ui.panes.console import ConsoleEntry, ConsolePane
from hfbrowse.ui.screens.confirm import ConfirmScreen
from tests.support.ui import open_app, settle

EXPECTED = {
    "tiny-gpt2": ("Hello world", "tokens/s"),
    "tiny-bert-mlm": ("the [MASK] is red", "[MASK] #1 (token"),
    "tiny-bert-qa": ("Who? ||| Ada wrote the notes.", "answer: '"),
    "tiny-bert-ner": ("Ada lives in Rome", " in/"),
    "tiny-distilbert-sst": ("a fine film", "POSITIVE"),
    "tiny-bert-base": ("a cat ||| a dog", "cosine similarity"),
    "tiny-t5": ("translate: hello", "ran in"),
    "tiny-bart": ("summarize: hello", "ran in"),
}


def plain(renderable) -> str:
    buffer = io.StringIO()
    Console(file=buffer, width=116, color_system=None).print(renderable)
    return buffer.getvalue()


def pane_text(app) -> str:
    return "".join(plain(e.content) for e in app.screen.query(ConsoleEntry))


async def submit(pilot, text: str, *, type_it: bool = False) -> None:
    box = pilot.app.screen.query_one("#console-input")
    if pilot.app.focused is not box:
        await pilot.press("colon")
    assert pilot.app.focused is box
    if type_it:
        await pilot.press(*text)
    else:
        box.value = text
    await pilot.press("enter")
    await settle(pilot)


@pytest.mark.parametrize("name", sorted(EXPECTED))
async def test_every_head_runs_from_the_console(name, fixtures):
    text, expected = EXPECTED[name]
    app = open_app(fixtures[name])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await submit(pilot, text, type_it=name == "tiny-bert-mlm")
        pane = app.screen.query_one(ConsolePane)
        shown = pane_text(app)
        assert pane.last_result is not None, shown
        assert f"› {text}" in shown and expected in shown
        assert "loaded in" in shown and pane.busy is False


async def test_slash_and_colon_are_characters_in_a_text_box(fixtures):
    """`/` (search) and `:` (console) are priority keys, but typed in the console they are
    its commands' characters (`/set`, `/backend http://host:port`), and in the models filter a
    Hub id's; from elsewhere they still jump to the box."""
    app = open_app(fixtures["tiny-gpt2"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        pane = app.screen.query_one(ConsolePane)
        box = app.screen.query_one("#console-input")
        await submit(pilot, "/set max_new_tokens=7", type_it=True)
        assert app.focused is box
        assert "max_new_tokens=7" in plain(pane.query_one("#console-settings").content)
        await pilot.press(*"/backend http://127.0.0.1:9/v1")
        assert box.value == "/backend http://127.0.0.1:9/v1" and app.focused is box
        box.value = ""
        await pilot.press("escape", "slash")  # leaves the console; `/` goes to the filter
        search = app.screen.query_one("#models-filter")
        assert app.focused is search
        await pilot.press(*"org/name:x")
        assert search.value == "org/name:x" and app.focused is search


async def test_history_set_and_snippet_commands(fixtures):
    app = open_app(fixtures["tiny-gpt2"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        pane = app.screen.query_one(ConsolePane)
        await submit(pilot, "/set max_new_tokens=5 temperature=0.5")
        settings = plain(pane.query_one("#console-settings").content)
        assert "max_new_tokens=5" in settings and "temperature=0.5" in settings
        await submit(pilot, "/set top_p=7")
        assert "top_p must be between" in pane_text(app)
        await submit(pilot, "first input")
        assert pane.last_result.output.new_tokens <= 5
        await submit(pilot, "second input")
        await submit(pilot, "/snippet")
        assert "model.generate(" in pane_text(app) and "max_new_tokens=5" in pane_text(app)
        box = app.screen.query_one("#console-input")
        assert app.focused is box  # the input keeps focus after Enter
        for expected in ("/snippet", "second input", "first input"):
            await pilot.press("up")
            assert box.value == expected
        await pilot.press("down", "down", "down")
        assert box.value == ""
        await submit(pilot, "/reset")
        assert "max_new_tokens=50" in plain(pane.query_one("#console-settings").content)
        await submit(pilot, "/bogus")
        assert "unknown command /bogus" in pane_text(app)


async def test_y_copies_the_snippet_of_the_last_run(fixtures):
    app = open_app(fixtures["tiny-distilbert-sst"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("y")
        assert app.clipboard == ""
        await submit(pilot, "nice")
        await pilot.press("escape")  # leave the input: single-letter keys act again
        await pilot.press("y")
        pane = app.screen.query_one(ConsolePane)
        assert app.clipboard == pane.last_result.snippet
        assert "AutoModelForSequenceClassification.from_pretrained" in app.clipboard


async def _start_long_generation(pilot, app) -> ConsolePane:
    pane = app.screen.query_one(ConsolePane)
    await submit(pilot, "/set max_new_tokens=120")
    # What Enter does, without pilot.press: it waits until the screen is idle, i.e. the end.
    pane.submit("Once upon a time")
    for _ in range(500):
        await pilot.pause(0.01)
        if pane.busy and "▌" in pane_text(app):
            return pane
    pytest.fail("generation never streamed")


@pytest.mark.parametrize("key", ["escape", "ctrl+c"])
async def test_escape_and_ctrl_c_stop_a_generation(key, fixtures):
    app = open_app(fixtures["tiny-gpt2"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        pane = await _start_long_generation(pilot, app)
        await pilot.press(key)
        await settle(pilot)
        out = pane.last_result.output
        assert out.stopped and 0 < out.new_tokens < 120
        assert "stopped" in pane_text(app)
        assert app.is_running  # ctrl+c stopped the run, not the app
        if key == "ctrl+c":
            await pilot.press("ctrl+c")  # nothing runs now: quit
            await pilot.pause()
            assert not app.is_running


async def test_memory_confirmation_modal(fixtures, monkeypatch):
    monkeypatch.setattr(preflight, "free_memory", lambda device: (1000, "available RAM"))
    app = open_app(fixtures["tiny-bert-base"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        pane = app.screen.query_one(ConsolePane)
        await submit(pilot, "declined text")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await settle(pilot)
        assert "you declined" in pane_text(app) and pane.state.session.loaded is None
        await submit(pilot, "accepted text")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot)
        assert pane.last_result is not None and pane.last_result.input == "accepted text"


async def test_bin_only_asks_then_runs(fixtures):
    app = open_app(fixtures["bin-only"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await submit(pilot, "a [MASK] b")
        assert isinstance(app.screen, ConfirmScreen)
        assert "pytorch_model.bin" in plain(app.screen.query_one(".confirm-question").content)
        await pilot.click("#confirm-yes")
        await settle(pilot)
        pane = app.screen.query_one(ConsolePane)
        assert pane.last_result.output.kind == "fill-mask"
        await submit(pilot, "c [MASK] d")  # loaded: no second question
        assert not isinstance(app.screen, ConfirmScreen)


async def test_remote_code_model_says_why(fixtures, tmp_path, monkeypatch):
    from hfbrowse.demo.fixtures import REMOTE_CODE_MARKER_ENV

    marker = tmp_path / "marker"
    monkeypatch.setenv(REMOTE_CODE_MARKER_ENV, str(marker))
    app = open_app(fixtures["remote-code"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await submit(pilot, "hello")
        assert "--trust-remote-code" in pane_text(app)
    assert not marker.exists()


async def test_run_option_fills_and_runs_once_at_start(fixtures):
    app = open_app(fixtures["tiny-bert-ner"], run_text="Ada lives in Rome")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        pane = app.screen.query_one(ConsolePane)
        assert pane.last_result is not None and pane.last_result.input == "Ada lives in Rome"
        assert pane_text(app).count("› Ada lives in Rome") == 1
        await pilot.press("h")  # another head shown: the start-up run is not repeated
        await settle(pilot)
        assert pane_text(app).count("› Ada lives in Rome") == 1


async def test_empty_input_is_a_message(fixtures):
    app = open_app(fixtures["tiny-gpt2"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await submit(pilot, "   ")
        assert "empty input" in pane_text(app)


async def test_hub_model_downloads_only_when_run_with_progress(fixtures, gateway, hub, clean_cache):
    from hfbrowse.ui.panes.console_messages import RunProgress
    from tests.support.models import hub_id

    ref = ModelRef("hub", hub_id("tiny-gpt2"))
    seen: list[str] = []

    def hook(message) -> None:
        if isinstance(message, RunProgress):
            seen.append(message.label)

    app = open_app(ref, gateway)
    async with app.run_test(size=(120, 40), message_hook=hook) as pilot:
        await settle(pilot)
        assert hub.weight_bytes_sent() == 0  # drawing the panes reads headers only
        await submit(pilot, "/set max_new_tokens=4")
        await submit(pilot, "Hello")
        pane = app.screen.query_one(ConsolePane)
        assert pane.last_result.output.new_tokens == 4
        assert hub.weight_bytes_sent() > 0
        # Queued progress collapses into the newest, so a short phase may not be seen; those
        # seen come in the runner's order (tests/core checks the full sequence).
        order = ["checking", "importing", "downloading", "loading", "running"]
        phases = [p for p in dict.fromkeys(s.split(" ")[0] for s in seen)]
        assert phases == sorted(phases, key=order.index), seen
        assert {"downloading", "running"} <= set(phases), seen
        # Queued progress collapses into the newest: some file's "n/N files" is seen.
        assert any(re.match(r"downloading \d+/\d+\+? files: \S+", s) for s in seen), seen
        assert not pane.query_one("#console-progress").has_class("-active")


@pytest.mark.torch
async def test_the_phase_line_shows_at_once_and_counts_seconds(fixtures, monkeypatch):
    """A first run shows what it is doing from Enter on, with the time, redrawn while a phase
    lasts (here a load held for 1.2 s), and "running" once the head runs."""
    import time

    from hfbrowse.core.console.session import ModelSession
    from hfbrowse.ui.panes.console_messages import RunProgress

    real_load = ModelSession.load

    def slow_load(self, *args, **kwargs):
        time.sleep(1.2)
        return real_load(self, *args, **kwargs)

    monkeypatch.setattr(ModelSession, "load", slow_load)
    seen: list[str] = []
    app = open_app(fixtures["tiny-t5"])

    def hook(message) -> None:
        if isinstance(message, RunProgress):
            seen.append(message.label)

    async with app.run_test(size=(120, 40), message_hook=hook) as pilot:
        await settle(pilot)
        await pilot.press("colon")
        app.screen.query_one("#console-input").value = "translate: hi"
        await pilot.press("enter")
        label = app.screen.query_one("#console-progress-label")
        row = app.screen.query_one("#console-progress")
        assert row.has_class("-active") and " s  (escape cancels)" in str(label.render())
        shown: list[str] = []
        pane = app.screen.query_one(ConsolePane)
        deadline = time.monotonic() + 90
        while pane.busy and time.monotonic() < deadline:  # until the run ends
            await pilot.pause(0.1)
            text = str(label.render())
            if text.startswith("loading") and text not in shown:
                shown.append(text)
        assert len(shown) >= 2, shown  # the seconds move on during one phase
        await settle(pilot)
        assert not row.has_class("-active")
        assert seen[-1].startswith("running AutoModelForSeq2SeqLM: beam search")


@pytest.mark.torch
async def test_a_partly_random_head_is_said_in_the_console(fixtures):
    app = open_app(fixtures["tiny-gpt2"], head="AutoModelForQuestionAnswering")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await submit(pilot, "Who? ||| Ada wrote the notes.")
        text = " ".join(pane_text(app).split())
        assert "2 tensors newly initialised (random): qa_outputs.* — outputs are not" in text
