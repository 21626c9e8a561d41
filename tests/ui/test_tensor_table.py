"""The tensor table at the sizes people use: shape, dtype and parameters visible at 120x40, the
shape at 80x24, names shortened to make room (full name under the table), full names, shard and
bytes when zoomed; ``s`` orders by size; rows in the same order as ``--json``."""

from __future__ import annotations

import json

import pytest
from textual.widgets import DataTable

from hfbrowse.cli.entry import main
from hfbrowse.core.checkpoint.tensors import ORDER_SIZE
from hfbrowse.ui.panes.tensors import TensorPane
from hfbrowse.ui.widgets.tensor_columns import compact_shape, cut_middle, initials
from hfbrowse.ui.widgets.tensor_origin import TensorOrigin
from tests.support.ui import open_app, settle, wait_until


def _visible_columns(app) -> tuple[list[str], DataTable]:
    """The keys of the table's columns, after checking that they fit its width (no column is
    scrolled off to the right) and that every cell fits its column."""
    table = app.screen.query_one("#tensor-table", DataTable)
    columns = table.ordered_columns
    used = sum(c.get_render_width(table) for c in columns)
    assert used <= table.scrollable_content_region.width, (used, table.size)
    for index, column in enumerate(columns):
        for row in range(table.row_count):
            cell = table.get_row_at(row)[index]
            assert cell.cell_len <= column.width, (column.key.value, str(cell))
    return [c.key.value for c in columns], table


@pytest.mark.parametrize("name", ["sparse-70b", "tiny-bert-mlm", "tiny-gpt2", "tiny-t5"])
async def test_shape_dtype_and_params_are_visible_at_120x40(name, fixtures):
    async with open_app(fixtures[name]).run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        keys, table = _visible_columns(pilot.app)
        assert keys[:4] == ["name", "shape", "dtype", "params"]
        pane = pilot.app.screen.query_one(TensorPane)
        first = pane.shown_rows[0]
        cells = [str(c).strip() for c in table.get_row_at(0)]
        assert cells[1:4] == [compact_shape(first.shape), first.dtype, cells[3]] and cells[3]


@pytest.mark.parametrize("name", ["sparse-70b", "tiny-bert-mlm"])
async def test_shape_and_dtype_are_visible_at_80x24(name, fixtures):
    async with open_app(fixtures[name]).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        keys, _ = _visible_columns(pilot.app)
        assert keys[:3] == ["name", "shape", "dtype"]


async def test_zoom_gives_full_names_the_shard_and_bytes(fixtures):
    async with open_app(fixtures["sparse-70b"]).run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        pane = pilot.app.screen.query_one(TensorPane)
        table = pilot.app.screen.query_one("#tensor-table", DataTable)
        assert pane.layout_.shortened and "shard" not in pane.layout_.keys
        table.focus()
        await pilot.press("down", "down")
        row = pane.shown_rows[table.cursor_row]
        origin = pilot.app.screen.query_one(TensorOrigin)
        # The highlighted row's full name and its shard, above its __init__ line.
        await wait_until(pilot, lambda: str(origin.render()).startswith(f"{row.name}  {row.file}"))
        await pilot.press("z")
        await wait_until(pilot, lambda: not pane.layout_.shortened)
        keys, table = _visible_columns(pilot.app)
        assert keys == ["name", "shape", "dtype", "params", "shard", "bytes"]
        assert str(table.get_row_at(2)[0]) == pane.shown_rows[2].name
        assert table.cursor_row == 2  # the cursor stays on its row
        await pilot.press("z")
        await wait_until(pilot, lambda: pane.layout_.shortened)


async def test_s_orders_the_rows_by_size_and_back(fixtures):
    async with open_app(fixtures["tiny-bert-mlm"]).run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        pane = pilot.app.screen.query_one(TensorPane)
        by_name = [r.name for r in pane.shown_rows]
        pilot.app.screen.query_one("#tensor-table", DataTable).focus()
        await pilot.press("s")
        sizes = [r.nbytes for r in pane.shown_rows]
        assert pane.order == ORDER_SIZE and sizes == sorted(sizes, reverse=True)
        assert "largest first" in pane.border_title
        await pilot.press("s")
        assert [r.name for r in pane.shown_rows] == by_name


async def test_rows_follow_the_json_order(fixtures, capsys):
    assert main([str(fixtures["sparse-70b"]), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["tensors"]["rows"]
    async with open_app(fixtures["sparse-70b"]).run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        shown = pilot.app.screen.query_one(TensorPane).shown_rows
        assert [r.name for r in shown] == [r["name"] for r in rows]


async def test_totals_say_one_tensor_not_one_tensors(tmp_path):
    from tests.support.checkpoints import write_checkpoint

    folder = write_checkpoint(
        tmp_path / "mixed",
        {"w": ("F32", (4, 4)), "b": ("F32", (4,)), "position_ids": ("I32", (1, 8))},
        None,
    )
    async with open_app(folder).run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        totals = str(pilot.app.screen.query_one("#tensor-totals").render())
        assert "I32 1 tensor ·" in totals and "F32 2 tensors" in totals


def test_names_are_shortened_keeping_the_layer_and_the_end():
    assert initials("model.layers.0.self_attn.q_proj.weight") == "m.l.0.self_attn.q_proj.weight"
    assert initials("encoder.block.0.layer.1.DenseReluDense.wi.weight") == (
        "e.b.0.l.1.DenseReluDense.wi.weight"
    )
    assert initials("lm_head.weight") == "lm_head.weight"
    cut = cut_middle("m.l.79.self_attn.k_proj.weight", 26)
    assert cut == "m.l.79.self_…k_proj.weight" and len(cut) == 26
    assert cut_middle("short", 26) == "short"
