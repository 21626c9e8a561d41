"""User journeys through the real ``hfbrowse`` process in a real (emulated) terminal.

Each journey is what a user does, keys and all, under each environment a terminal may give the
app (normal, ``NO_COLOR``, the C locale, ``TERM=linux``), and at 120x40 and 80x24 where the
layout differs. They check what is on the screen, that keys reach the widget the user sees
focused, that the process exits with status 0 and promptly, and that no traceback was printed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.e2e import (
    CACHED_MODEL,
    ENV_SIZES,
    ENVIRONMENTS,
    SIZES,
    app_env,
    hfbrowse_command,
)
from tests.support.terminal import Terminal

CONFIG_TEXT = "activation_function"  # a config.json key of every gpt2 fixture
TENSOR_ROW = "h.0.attn.c_attn.bias"  # long names may show shortened (t.h.0…)
SOURCE_TEXT = "def forward"
# The source pane's title: which head is shown. At 80x24 the pane is 32 columns wide and the
# title ends "…Caus…", still enough to tell the causal-LM head from any other.
HEAD_TITLE = "source — AutoModelForCaus"
START_S = 60.0  # first frame on a loaded 2-core machine: generous, a pass returns at once
QUIT_S = 5.0  # `q` → process gone


def footer(screen: str) -> str:
    return screen.split("\n")[-1]


def text_box_focused(screen: str) -> bool:
    """The footer of a focused text box: its keys, none of the single-letter ones (checked on
    the positive form: the footer is briefly empty while Textual recomposes it)."""
    keys = footer(screen)
    return "f1 Help" in keys and "z Zoom" not in keys and "q Quit" not in keys


def console_input(screen: str) -> str:
    """The text in the console's input line (the row above the console's bottom border)."""
    lines = screen.split("\n")
    bottom = max(i for i, line in enumerate(lines) if line.startswith("╰"))
    return lines[bottom - 1].strip("│ ")


def drawn_at(columns: int, rows: int, models_pane: bool):
    """A predicate: the app redrew the whole screen for ``columns`` x ``rows``: every row but the
    footer reaches the right edge (no row left from another size), the footer is on the last
    row, and the layout is that size's (the models list shows only on wide terminals)."""

    def check(screen: str) -> bool:
        lines = screen.split("\n")
        return (
            len(lines) == rows
            and all(len(line) == columns for line in lines[:-1])
            and lines[0].startswith("╭")
            and lines[0].endswith("╮")
            and "Quit" in lines[-1]
            and ("─ models ─" in lines[0]) == models_pane
        )

    return check


def letter_keys_active(screen: str) -> bool:
    """The footer offers the main screen's single-letter keys: no text box has focus. (Not
    `q Quit`: with the models list focused the footer is too long to show it at 120 columns.)"""
    return "z Zoom" in footer(screen)


def leave_text_box(term: Terminal) -> None:
    """Escape out of the focused text box, judged by the footer before and after (a footer seen
    only after would pass on a frame drawn before the escape was read)."""
    term.wait_for(text_box_focused, what="a text box focused")
    term.press("escape")
    term.wait_for(letter_keys_active, what="the single-letter keys back in the footer")


def quit_cleanly(term: Terminal, within: float = QUIT_S) -> None:
    """`q` once no text box has focus, then exit 0 with no traceback."""
    term.wait_for(letter_keys_active, what="the single-letter keys in the footer")
    term.press("q")
    assert term.wait_exit(timeout=within) == 0
    assert "Traceback" not in term.transcript(), term.describe("a traceback was printed")


@pytest.fixture
def folder(fixtures: dict[str, Path]) -> Path:
    return fixtures["tiny-gpt2"]


@pytest.mark.parametrize(("environment", "size"), ENV_SIZES)
def test_models_list_offline_then_quit(e2e_home: Path, environment: str, size: str) -> None:
    """No MODEL, offline: the models list shows the cached model; escape leaves the filter box
    (it has focus at launch), then `q` quits with status 0."""
    env = app_env(e2e_home, **ENVIRONMENTS[environment])
    with Terminal(hfbrowse_command(), size=SIZES[size], env=env) as term:
        term.wait_for_text("─ models ─", CACHED_MODEL, "offline", timeout=START_S)
        term.wait_for(text_box_focused, what="the filter focused")
        term.press("escape")
        term.wait_for(lambda s: "s Sort" in footer(s), what="the list's keys in the footer")
        term.press("q")
        assert term.wait_exit(timeout=QUIT_S) == 0
        assert "Traceback" not in term.transcript(), term.describe("a traceback was printed")


def test_local_folder_focus_zoom_resize(folder: Path, e2e_home: Path, variant: dict) -> None:
    """A local folder: config tree, tensor rows and source on screen; `z` zooms and restores;
    tab moves focus to the tensor filter (typing filters); resizing redraws; `q` quits."""
    env = app_env(e2e_home, **variant)
    with Terminal([*hfbrowse_command(), str(folder)], size=(120, 40), env=env) as term:
        term.wait_for_text(CONFIG_TEXT, TENSOR_ROW, SOURCE_TEXT, timeout=START_S)

        term.press("z")  # the config tree has focus: its pane fills the screen
        term.wait_for(
            lambda s: "─ models ─" not in s and "─ tensors" not in s and "n_embd" in s,
            what="the config pane zoomed",
        )
        term.press("z")
        term.wait_for_text("─ models ─", "─ tensors", TENSOR_ROW)

        term.press("tab")  # → the tensor filter: a text box, so letters are typed into it
        term.wait_for(text_box_focused, what="a text box focused")
        term.type("ln_1")
        # The whole filtered frame: a frame still arriving can show the new title over old rows.
        term.wait_for(
            lambda s: "of 28 match 'ln_1'" in s and "h.0.ln_1.bias" in s and TENSOR_ROW not in s,
            what="only the rows matching 'ln_1'",
        )
        leave_text_box(term)  # for the tensor table
        term.press("z")
        term.wait_for(
            lambda s: "─ config ─" not in s and "─ models ─" not in s and "match 'ln_1'" in s,
            what="the tensors pane zoomed",
        )
        term.press("z")
        term.wait_for_text("─ config ─", "─ models ─")

        for columns, rows in ((80, 24), (120, 40)):
            term.resize(columns, rows)
            term.wait_for(drawn_at(columns, rows, columns >= 110), what=f"{columns}x{rows} drawn")
        term.wait_for_text("─ models ─", CONFIG_TEXT, "h.0.ln_1.bias", SOURCE_TEXT)
        assert term.alive()
        quit_cleanly(term)


def test_command_palette_lists_and_runs_app_actions(e2e_home: Path, variant: dict) -> None:
    """ctrl+p: typing finds hfbrowse's own actions and models (not only Textual's); choosing
    one acts (the library log opens; a model opens)."""
    env = app_env(e2e_home, **variant)
    with Terminal([*hfbrowse_command(), "--demo"], size=(120, 40), env=env) as term:
        term.wait_for_text(CONFIG_TEXT, SOURCE_TEXT, timeout=START_S)
        term.press("ctrl+p")
        term.wait_for_text("for commands")
        term.type("compat")
        term.wait_for_text("Head compatibility")
        # A new query in a fresh palette: backspaces typed in a burst can run after the letters
        # that follow them (a Textual defect pinned in tests/ui/test_key_bursts.py).
        term.press("escape")
        term.wait_for_no_text("Head compatibility")
        term.press("ctrl+p")
        term.wait_for_text("for commands")
        term.type("log")
        term.wait_for_text("Library log")
        term.press("enter")
        term.wait_for_text("library log — escape closes")
        term.press("escape")
        term.wait_for_no_text("library log — escape closes")

        term.press("ctrl+p")
        term.wait_for_text("for commands")
        term.type("tiny-bert-mlm")
        term.wait_for_text("Open tiny-bert-mlm")
        term.press("enter")
        term.wait_for_text("BertForMaskedLM", "AutoModelForMaskedLM")
        quit_cleanly(term)


@pytest.mark.parametrize(("environment", "size"), ENV_SIZES)
def test_keys_typed_right_after_colon_or_slash_reach_the_text_box(
    folder: Path, e2e_home: Path, environment: str, size: str
) -> None:
    """`:` then `hello world` in one burst (a fast typist): every key lands in the console's
    input; none fires a main-screen key (`h` cycles the head, `d` opens the head diff). The
    same for `/` and the models filter (`g` would open the module tree)."""
    env = app_env(e2e_home, **ENVIRONMENTS[environment])
    with Terminal([*hfbrowse_command(), str(folder)], size=SIZES[size], env=env) as term:
        term.wait_for_text(CONFIG_TEXT, SOURCE_TEXT, HEAD_TITLE, timeout=START_S)
        term.type(":hello world")
        screen = term.wait_for(
            lambda s: console_input(s) == "hello world", timeout=15, what="the console input"
        )
        assert HEAD_TITLE in screen  # `h` did not cycle the head
        assert "Other head" not in screen  # `d` did not open the diff
        leave_text_box(term)

        term.type("/gpt2")
        filtered = re.compile(r"^│ gpt2 +│$", re.MULTILINE)
        term.wait_for(lambda s: bool(filtered.search(s)), timeout=15, what="'gpt2' in the filter")
        leave_text_box(term)
        quit_cleanly(term)


def test_console_generates_then_quits_promptly(e2e_home: Path, variant: dict) -> None:
    """The demo causal LM: `:`, text, Enter → generated text and a timing line; then escape and
    `q` quit within a few seconds even with torch and the model loaded."""
    env = app_env(e2e_home, **variant)
    with Terminal([*hfbrowse_command(), "--demo"], size=(120, 40), env=env) as term:
        term.wait_for_text(CONFIG_TEXT, SOURCE_TEXT, "AutoModelForCausalLM", timeout=START_S)
        term.press("colon")
        term.type("Hello world")
        term.press("enter")
        timing = re.compile(r"ran in [\d.]+ m?s · \d+ tokens, [\d.]+ tokens/s")
        screen = term.wait_for(lambda s: bool(timing.search(s)), timeout=60, what="a timing line")
        lines = screen.split("\n")
        asked = next(i for i, line in enumerate(lines) if "› Hello world" in line)
        timed = next(i for i, line in enumerate(lines) if timing.search(line))
        generated = [line.strip("│ ") for line in lines[asked + 1 : timed]]
        assert any(generated), term.describe("no generated text between input and timing")
        leave_text_box(term)
        quit_cleanly(term, within=3.0)


def test_quit_while_a_hub_request_hangs(tmp_path: Path, hostile_hub, variant: dict) -> None:
    """Opening a Hub model against a server that accepts and never answers: `q` still ends
    the process within ~2 s (the stuck worker thread is abandoned, not joined)."""
    server = hostile_hub("hang", upstream=None)
    env = app_env(tmp_path, offline=False, endpoint=server.url, **variant)
    with Terminal([*hfbrowse_command(), CACHED_MODEL], size=(120, 40), env=env) as term:
        term.wait_for_text(f"opening {CACHED_MODEL}", timeout=START_S)
        quit_cleanly(term, within=2.5)


@pytest.mark.parametrize("mode", ["hang", "trickle", "500", "429", "html", "drop"])
def test_cached_hub_model_opens_while_the_hub_fails(
    e2e_home: Path, hostile_hub, mode: str, tmp_path: Path
) -> None:
    """A cached Hub model against a Hub that fails in ``mode``: the app stays alive, opens the
    model from the cache with one notice saying why, and `q` quits promptly."""
    import shutil

    home = tmp_path / "home"
    shutil.copytree(e2e_home / "hub", home / "hub", symlinks=True)
    server = hostile_hub(mode)
    env = app_env(home, offline=False, endpoint=server.url)
    with Terminal([*hfbrowse_command(), CACHED_MODEL], size=(120, 40), env=env) as term:
        term.wait_for_text("local cache", timeout=START_S)
        term.wait_for_text("offline: cache", timeout=START_S)  # the header, from the cache
        quit_cleanly(term)


def test_quick_resize_and_back_repaints(folder: Path, e2e_home: Path) -> None:
    """A resize and its undo within Textual's 1/120 s resize debounce (a tmux zoom toggle, a
    window dragged back) reach the app as the size it already laid out, which Textual skips;
    the rows the terminal cut meanwhile must be redrawn all the same (HFBrowseApp.on_resize)."""
    env = app_env(e2e_home)
    with Terminal([*hfbrowse_command(), str(folder)], size=(120, 40), env=env) as term:
        term.wait_for_text(CONFIG_TEXT, TENSOR_ROW, SOURCE_TEXT, timeout=START_S)
        term.resize(80, 24)
        term.resize(120, 40)
        term.wait_for(drawn_at(120, 40, models_pane=True), timeout=3, what="120x40 redrawn")


@pytest.mark.parametrize(("environment", "size"), ENV_SIZES)
def test_filtered_search_with_markers(e2e_home: Path, big_hub, environment: str, size: str) -> None:
    """The models list against the 10,000-repo Hub double: filter tokens typed in the search box,
    the status line naming them, a doubtful parameter count (``333.3K?``) and its reason on the
    highlighted row, ``i`` (served) from the list; no weight byte read."""
    env = app_env(e2e_home, offline=False, endpoint=big_hub.url, **ENVIRONMENTS[environment])
    big_hub.clear_log()
    with Terminal(hfbrowse_command(), size=SIZES[size], env=env) as term:
        term.wait_for_text("─ models ─", "shown", timeout=START_S)
        term.type("synthetic-model-001 params:..8B")
        term.wait_for_text("params ..8B", "333.3K?", timeout=30)
        term.press("down")
        term.wait_for_text("the Hub's total 333.3K", timeout=15)
        term.press("i")  # served only: the first row's detail names its providers
        term.wait_for_text("P served by hf-inference", timeout=30)
        term.press("slash")
        term.wait_for_text("params ..8B · served", timeout=15)
        leave_text_box(term)
        quit_cleanly(term)
    assert big_hub.weight_bytes_sent() == 0
