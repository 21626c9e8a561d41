"""The TUI with a hostile model: names that are control codes or markup are shown as text (never
applied), counts too large for a float draw, and a pane that cannot draw says so in its place
while the others and the app carry on."""

from __future__ import annotations

import json
import os
import shutil
import struct
import time
from pathlib import Path

import pytest
from rich.text import Text
from textual.widgets import DataTable, Input

from hfbrowse.core.model_ref import ModelRef
from hfbrowse.ui.panes.config import ConfigTree
from tests.support.ui import open_app, settle, text_of, wait_until

TENSORS = {
    "\x1b]0;TITLE\x07h.0.attn.weight": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
    "[reverse]rev[/reverse].x\x1b[2J": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]},
    "[link=https://example.com]l[/link].w": {"dtype": "F32", "shape": [1], "data_offsets": [8, 12]},
}


def _folder(fixtures, tmp_path: Path, tensors: dict, data: int, **config) -> Path:
    folder = tmp_path / "hostile"
    folder.mkdir()
    base = json.loads((fixtures["tiny-gpt2"] / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**base, **config}))
    raw = json.dumps(tensors).encode()
    with (folder / "model.safetensors").open("wb") as fh:
        fh.write(struct.pack("<Q", len(raw)) + raw)
        fh.truncate(8 + len(raw) + data)
    return folder


def _plain_styles(text: Text) -> set[str]:
    return {str(span.style) for span in text.spans}


async def test_names_that_are_escapes_or_markup_are_shown_as_text(fixtures, tmp_path):
    folder = _folder(
        fixtures,
        tmp_path,
        TENSORS,
        12,
        **{"\x1b]0;T\x07key": "[reverse]v[/reverse]\x1b[2J", "[bold]k[/bold]": 1},
    )
    app = open_app(ModelRef("local", str(folder)))
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#tensor-table", DataTable)
        cells = [table.get_row_at(i)[0] for i in range(table.row_count)]
        assert all(isinstance(cell, Text) for cell in cells)  # a str cell would be markup
        shown = {cell.plain for cell in cells}
        assert shown == {
            "\\x1b]0;TITLE\\x07h.0.attn.weight",
            "[reverse]rev[/reverse].x\\x1b[2J",
            "[link=https://example.com]l[/link].w",
        }
        assert not any("reverse" in _plain_styles(c) or "link" in _plain_styles(c) for c in cells)

        tree = app.screen.query_one(ConfigTree)
        labels = {str(n.data.key): n.label for n in tree.root.children}
        hostile = labels["\x1b]0;T\x07key"]
        assert hostile.plain.startswith("\\x1b]0;T\\x07key: ")
        assert '"[reverse]v[/reverse]\\u001b[2J"' in hostile.plain  # JSON-escaped, literal
        assert "reverse" not in _plain_styles(hostile)
        assert labels["[bold]k[/bold]"].plain.startswith("[bold]k[/bold]: ")

        # The origin line of the highlighted tensor quotes the name: as text too.
        table.focus()
        await pilot.press("down")
        await settle(pilot, idle=0.3)
        await wait_until(pilot, lambda: bool(text_of(app, "#tensor-origin").strip()))
        assert "\x1b" not in text_of(app, "#tensor-origin")

        # What the screen would send to the terminal holds no control code from the model.
        screen_text = app.export_screenshot()
        assert "\x1b]0;" not in screen_text and "\x07" not in screen_text


async def test_counts_too_large_for_a_float_and_flags_draw(fixtures, tmp_path):
    """A 16-byte tensor claiming 2^62 elements: flagged, counted as claimed, drawn."""
    tensors = {
        "a.weight": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},
        "b.weight": {"dtype": "F32", "shape": [2**31, 2**31], "data_offsets": [16, 32]},
    }
    app = open_app(ModelRef("local", str(_folder(fixtures, tmp_path, tensors, 32))))
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        totals = text_of(app, "#tensor-totals")
        assert "1 tensor's header entries do not add up" in totals and "b.weight" in totals
        assert "e+18 params" in text_of(app, "#model-header")
        table = app.screen.query_one("#tensor-table", DataTable)
        flagged = table.get_row_at(1)
        assert [str(cell).strip() for cell in flagged[:4]] == [
            "b.weight",
            "2147483648×2147483648",
            "F32",
            "⚠ 4.6e+18",
        ]
        await pilot.press("g")
        await settle(pilot)
        assert app.is_running


async def test_a_pane_that_cannot_draw_says_so_and_the_rest_carries_on(
    fixtures, tmp_path, monkeypatch
):
    from hfbrowse.ui.panes.tensors import TensorPane

    def broken(self, *args, **kwargs):
        raise OverflowError("int too large to convert to float")

    monkeypatch.setattr(TensorPane, "show_table", broken)
    app = open_app(ModelRef("local", str(fixtures["tiny-gpt2"])))
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        assert app.is_running
        assert "int too large to convert to float" in text_of(app, "#tensor-totals")
        assert "GPT2LMHeadModel" in text_of(app, "#source-title")
        assert "gpt2" in text_of(app, "#model-header")


@pytest.mark.parametrize(
    ("update", "words"),
    [({"n_layer": 10**9}, "n_layer is 1,000,000,000"), ({"n_embd": "abc"}, 'n_embd is "abc"')],
)
async def test_a_config_no_model_can_be_built_from(fixtures, tmp_path, update, words):
    """No safetensors: the table would be the meta model; it says why not, the tree shows."""
    folder = tmp_path / "config-only"
    folder.mkdir()
    base = json.loads((fixtures["tiny-gpt2"] / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**base, **update}))
    app = open_app(ModelRef("local", str(folder)))
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        from hfbrowse.core.torch_check import torch_installed

        if torch_installed():
            assert words in text_of(app, "#tensor-totals")
        tree = app.screen.query_one(ConfigTree)
        assert {str(n.data.key) for n in tree.root.children} >= set(update)


async def test_a_fifo_named_model_safetensors_is_never_opened(fixtures, tmp_path):
    """Opening a FIFO blocks until a writer comes: the pane says what it is, the rest shows,
    and ``q`` quits at once (no worker is left waiting on it)."""
    folder = tmp_path / "fifo"
    folder.mkdir()
    shutil.copy(fixtures["tiny-gpt2"] / "config.json", folder / "config.json")
    os.mkfifo(folder / "model.safetensors")
    app = open_app(ModelRef("local", str(folder)))
    started = time.monotonic()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await wait_until(pilot, lambda: "FIFO" in text_of(app, "#tensor-totals"))
        assert text_of(app, "#tensor-totals").count("\n") <= 1  # one line
        assert "GPT2LMHeadModel" in text_of(app, "#source-title")
        tree = app.screen.query_one(ConfigTree)
        assert "n_embd" in {str(n.data.key) for n in tree.root.children}
        await pilot.press("q")
        await wait_until(pilot, lambda: not app.is_running, timeout=5)
    assert time.monotonic() - started < 60


@pytest.mark.parametrize(
    ("target", "words"),
    [("/etc/passwd", "absolute path"), ("../outside.safetensors", "plain relative name")],
)
async def test_an_index_naming_files_outside_the_folder(fixtures, tmp_path, target, words):
    """The index is refused with one line; nothing of the file it names reaches the screen
    (/etc/passwd's first 8 bytes used to show as a header length)."""
    folder = tmp_path / "escaping"
    folder.mkdir()
    shutil.copy(fixtures["tiny-gpt2"] / "config.json", folder / "config.json")
    # A valid checkpoint outside the folder: it must not show as this model's tensors.
    shutil.copy(fixtures["tiny-gpt2"] / "model.safetensors", tmp_path / "outside.safetensors")
    index = {"weight_map": {"h.0.attn.c_attn.weight": target}}
    (folder / "model.safetensors.index.json").write_text(json.dumps(index))
    app = open_app(ModelRef("local", str(folder)))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        totals = text_of(app, "#tensor-totals")
        assert words in totals and "root:" not in totals and "claims" not in totals
        assert app.screen.query_one("#tensor-table", DataTable).row_count == 0
        assert "root:" not in app.export_screenshot()
        assert "gpt2" in text_of(app, "#model-header")
        assert app.is_running


async def test_fifty_thousand_tensors_open_in_bounded_time(fixtures, tmp_path):
    """Names that match no module of the architecture, 50,000 of them: the analyses are
    linear, the table holds its first 2,000 rows (DataTable measures every cell on the UI
    thread) and the filter reaches the rest."""
    from hfbrowse.ui.panes.tensors import MAX_TABLE_ROWS

    n = 50_000
    tensors = {
        f"blocks.{i // 8}.expert_{i % 8}.w": {
            "dtype": "F32",
            "shape": [1],
            "data_offsets": [4 * i, 4 * i + 4],
        }
        for i in range(n)
    }
    folder = _folder(fixtures, tmp_path, tensors, 4 * n)
    app = open_app(ModelRef("local", str(folder)))
    started = time.monotonic()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        pane = app.screen.query_one("#tensors")
        await wait_until(pilot, lambda: pane.table_data is not None, timeout=60)
        took = time.monotonic() - started
        table = app.screen.query_one("#tensor-table", DataTable)
        assert table.row_count == MAX_TABLE_ROWS
        assert f"tensors — {n:,}" in str(pane.border_title)
        assert "first 2,000 shown, filter for the rest" in str(pane.border_title)
        app.screen.query_one("#tensor-filter", Input).value = "blocks.6249."
        await wait_until(pilot, lambda: table.row_count == 8, timeout=10)
        assert app.is_running
    assert took < 60, took  # quadratic before: ~13 ms per tensor, 11 minutes for these
