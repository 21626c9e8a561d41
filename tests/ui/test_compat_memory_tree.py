"""Pilot: compatibility (k), memory (m), module tree (g) with the __init__ line, quantised line."""

from __future__ import annotations

import json

import pytest
from textual.widgets import DataTable, Input

from hfbrowse.ui.panes.analysis import AnalysisPane
from hfbrowse.ui.panes.config import ConfigPane
from hfbrowse.ui.widgets.module_tree_view import ModuleTreeView
from hfbrowse.ui.widgets.tensor_origin import TensorOrigin
from tests.support.machine import FIXED_MACHINE
from tests.support.ui import open_app, settle


@pytest.fixture(autouse=True)
def fixed_machine(monkeypatch):
    """Free memory differs from run to run: the views get a fixed machine."""
    monkeypatch.setattr("hfbrowse.core.memory.machine_memory", lambda: FIXED_MACHINE)


async def test_compat_view_toggles_and_fills(fixtures):
    app = open_app(fixtures["tiny-bert-mlm"], head="AutoModelForSequenceClassification")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, rounds=4, step=0.05, idle=0.3)
        screen = app.screen
        pane = screen.query_one(AnalysisPane)
        assert not pane.display
        await pilot.press("k")
        await settle(pilot, rounds=4, step=0.05, idle=0.3)
        assert pane.display and not screen.query_one(ConfigPane).display
        compat = pane.compat
        assert set(compat.results) == {o.auto_class for o in screen.opened.facts.heads.supported}
        seq = compat.results["AutoModelForSequenceClassification"]
        assert "classifier.weight" in seq.missing
        # The cursor starts on the shown head; its details name what would be initialised.
        detail = str(compat.query_one("#compat-detail").render())
        assert "BertForSequenceClassification" in detail and "classifier.weight" in detail
        await pilot.press("k")
        assert not pane.display and screen.query_one(ConfigPane).display


async def test_memory_view_follows_context_and_batch(fixtures):
    app = open_app(fixtures["sparse-70b"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, rounds=4, step=0.05, idle=0.3)
        await pilot.press("m")
        await settle(pilot, rounds=4, step=0.05, idle=0.3)
        memory = app.screen.query_one(AnalysisPane).memory
        est = memory.estimate
        assert est.kv.bytes_per_token(2) == 320 * 1024
        assert est.context == 8192 and est.machine is FIXED_MACHINE
        context = memory.query_one("#memory-context", Input)
        context.value = "1024"
        memory.query_one("#memory-batch", Input).value = "2"
        await pilot.pause()
        bf16 = next(r for r in memory.estimate.rows if r.precision == "bf16")
        assert bf16.kv_cache == 320 * 1024 * 1024 * 2
        assert bf16.fits == (False,)  # 131 GiB of weights in 16 GiB free
        assert memory.query_one(DataTable).row_count == 5


async def test_memory_fields_are_typed_into_with_the_keys(fixtures):
    """m opens on the context field: digits edit it, tab reaches batch, letters stay keys."""
    app = open_app(fixtures["sparse-70b"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, rounds=4, step=0.05, idle=0.3)
        await pilot.press("m")
        await settle(pilot, rounds=4, step=0.05, idle=0.3)
        memory = app.screen.query_one(AnalysisPane).memory
        assert app.focused is memory.query_one("#memory-context", Input)
        await pilot.press(*["backspace"] * 4, *"2048", "tab", "backspace", "4")
        await pilot.pause()
        assert app.focused is memory.query_one("#memory-batch", Input)
        assert (memory.estimate.context, memory.estimate.batch) == (2048, 4)
        await pilot.press("m")  # a letter: the view closes, nothing is typed
        await pilot.pause()
        assert not app.screen.query_one(AnalysisPane).display
        assert memory.query_one("#memory-batch", Input).value == "4"


async def test_memory_uses_head_parameters_once_compat_is_known(fixtures):
    app = open_app(fixtures["tiny-bert-mlm"], head="AutoModelForSequenceClassification")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, rounds=4, step=0.05, idle=0.3)
        await pilot.press("m")
        await settle(pilot, rounds=4, step=0.05, idle=0.3)
        memory = app.screen.query_one(AnalysisPane).memory
        assert memory.estimate.parameters_source == "checkpoint headers"
        await pilot.press("k")
        await settle(pilot, rounds=4, step=0.05, idle=0.3)
        await pilot.press("m")
        await settle(pilot, rounds=4, step=0.05, idle=0.3)
        seq = app.screen.query_one(AnalysisPane).compat.results[
            "AutoModelForSequenceClassification"
        ]
        assert memory.estimate.parameters == seq.head_parameters
        assert "built on the meta device" in memory.estimate.parameters_source


async def test_module_tree_and_init_line(fixtures):
    app = open_app(fixtures["tiny-gpt2"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, rounds=4, step=0.05, idle=0.3)
        await pilot.press("g")
        await settle(pilot, rounds=4, step=0.05, idle=0.3)
        tree = app.screen.query_one(ModuleTreeView)
        assert tree.display and tree.has_focus
        assert tree.root.data.parameters == app.screen.opened.checkpoint.parameters
        await pilot.press("down")  # transformer (lm_head is tied to wte: not in the file)
        await pilot.pause(0.3)
        await settle(pilot, rounds=4, step=0.05, idle=0.3)
        origin = app.screen.query_one(TensorOrigin)
        text = str(origin.render())
        assert origin.display
        assert "GPT2LMHeadModel.__init__" in text and "self.transformer = GPT2Model(" in text
        await pilot.press("space", "down")  # expand transformer → its first child, h
        await pilot.pause(0.3)
        await settle(pilot, rounds=4, step=0.05, idle=0.3)
        text = str(origin.render())
        assert "GPT2Model.__init__" in text and "self.h = nn.ModuleList(" in text
        await pilot.press("g")
        assert not tree.display


async def test_table_row_shows_init_line(fixtures):
    app = open_app(fixtures["tiny-gpt2"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, rounds=4, step=0.05, idle=0.3)
        table = app.screen.query_one("#tensor-table", DataTable)
        table.focus()
        names = [r.name for r in app.screen.query_one("#tensors").shown_rows]
        table.move_cursor(row=names.index("transformer.h.0.attn.c_attn.weight"))
        await pilot.pause(0.3)
        await settle(pilot, rounds=4, step=0.05, idle=0.3)
        text = str(app.screen.query_one(TensorOrigin).render())
        assert "GPT2Attention.__init__" in text and "self.c_attn = Conv1D(" in text
        # The table shows "t.h.0.attn.c_attn.weight" at 120x40: the full name comes first.
        assert str(table.get_row_at(table.cursor_row)[0]) == "t.h.0.attn.c_attn.weight"
        assert text.startswith("transformer.h.0.attn.c_attn.weight")


async def test_quantised_checkpoint_line(tmp_path):
    from tests.support.checkpoints import GPTQ, write_checkpoint

    folder = write_checkpoint(
        tmp_path / "gptq", GPTQ, {"quant_method": "gptq", "bits": 4, "group_size": 32}
    )
    config = json.loads((folder / "config.json").read_text())
    config.update(hidden_size=64, num_attention_heads=4, num_hidden_layers=1, vocab_size=10)
    (folder / "config.json").write_text(json.dumps(config))
    app = open_app(folder)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, rounds=4, step=0.05, idle=0.3)
        quant = app.screen.query_one("#tensor-quant")
        assert quant.display
        text = str(quant.render())
        assert "GPTQ 4-bit, group 32" in text and "logical" in text
        # The header's count is the unpacked one (64 × 128 + 128 + 640), not the I32 product.
        assert app.screen.opened.checkpoint.parameters == 64 * 128 + 128 + 640


async def test_help_lists_the_keys(fixtures):
    from hfbrowse.ui import keys as keys_table
    from hfbrowse.ui.screens.help import HelpScreen
    from tests.support.ui import plain

    app = open_app(fixtures["tiny-gpt2"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, rounds=4, step=0.05, idle=0.3)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        sections = dict(app.screen.sections)
        main = dict(sections["Main screen"])
        assert main["k"].startswith("Head compatibility")
        assert main["m"].startswith("Memory") and main["g"].startswith("Tensors grouped by module")
        diff = dict(sections["Head diff (d)"])
        assert set(diff) == {"esc / d", "h", "u", "c", "s", "o"}
        assert dict(sections["Tensor table (when it has focus)"])["s"].startswith("largest first")
        for title, rows in app.screen.sections:  # each key once in its section
            names = [k for k, _ in rows]
            assert len(names) == len(set(names)), (title, names)
        text = "\n".join(plain(w.content) for w in app.screen.query("Static"))
        assert text.count("ctrl+c") == 1 and text.count("ctrl+p") == 1
        bound = {(k.scope, k.id) for k in keys_table.KEYS if k.keys and k.action}
        listed = sum(len(rows) for _, rows in app.screen.sections)
        helpers = sum(1 for k in keys_table.KEYS if k.action is None)
        assert listed == len(bound) + helpers  # every key of every screen, none twice
