"""The GGUF view: opened at start (FILE.gguf) and by Enter on a .gguf row of the files view."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Tree

from hfbrowse.core.gguf_model import GGUFTarget
from hfbrowse.core.hub.gateway import HubGateway
from hfbrowse.core.model_ref import ModelRef
from hfbrowse.ui.screens.files import RepoFilesScreen
from hfbrowse.ui.screens.gguf import GGUFScreen
from tests.support.gguf_files import GGUF_REPO, VOCAB
from tests.support.ui import new_app, settle, text_of, wait_until


def _labels(tree: Tree) -> list[str]:
    out, stack = [], [tree.root]
    while stack:
        node = stack.pop()
        out.append(node.label.plain)
        stack.extend(node.children)
    return out


async def test_opens_at_start_with_tree_table_and_totals(gguf_folder):
    target = GGUFTarget(ModelRef("local", str(gguf_folder)), "tiny-q.gguf")
    app = new_app(gateway=HubGateway(offline=True), gguf=target)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, GGUFScreen))
        await settle(pilot)
        screen = app.screen
        assert "GGUF v3 · llama" in text_of(app, "#gguf-status")
        labels = _labels(screen.query_one("#gguf-meta", Tree))
        assert "tokenizer (8)" in labels and any(f"{VOCAB:,} items" in x for x in labels)
        assert any(x.startswith(f"… {VOCAB - 8:,} more") for x in labels)
        table = screen.query_one("#gguf-tensors", DataTable)
        assert table.row_count == 21
        totals = text_of(app, "#gguf-totals")
        assert "Q4_0" in totals and "4.50 bpw" in totals and "Q8_0" in totals
        assert "transformers (gguf_file=)" in text_of(app, "#gguf-derived")
        await pilot.press("escape")
        assert not isinstance(app.screen, GGUFScreen)


async def test_enter_on_a_gguf_file_opens_its_header(gguf_hub):
    gguf_hub.clear_log()
    gateway = HubGateway(endpoint=gguf_hub.url)
    app = new_app(gateway=gateway)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.push_screen(RepoFilesScreen(ModelRef("hub", GGUF_REPO), gateway))
        await settle(pilot)
        table = app.screen.query_one("#files-table", DataTable)
        paths = [f.path for f in app.screen.files.files]
        table.move_cursor(row=paths.index("sparse-7b-Q4_K.gguf"))
        table.focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, GGUFScreen))
        await settle(pilot)
        assert "6.74B params" in text_of(app, "#gguf-status")
        assert "ranged reads, no tensor data" in text_of(app, "#gguf-status")
        assert gguf_hub.weight_bytes_sent() == 0


async def test_hostile_file_says_one_line(gguf_folder):
    target = GGUFTarget(ModelRef("local", str(gguf_folder)), "huge-array.gguf")
    app = new_app(gateway=HubGateway(offline=True), gguf=target)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, GGUFScreen))
        await settle(pilot)
        status = text_of(app, "#gguf-status").strip()
        assert "cannot fit" in status and "\n" not in status
        assert not app.screen.query_one("#gguf-panes").display


@pytest.mark.torch  # transformers' GGUF loader (the derived config) needs torch
async def test_source_of_the_derived_head(gguf_folder):
    target = GGUFTarget(ModelRef("local", str(gguf_folder)), "tiny-q.gguf")
    app = new_app(gateway=HubGateway(offline=True), gguf=target)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, GGUFScreen))
        await wait_until(pilot, lambda: app.screen.derived is not None, timeout=60)
        await settle(pilot)
        assert "AutoModelForCausalLM" in text_of(app, "#gguf-derived")
        await pilot.press("s")
        assert app.screen.query_one("#gguf-source").display
        assert not app.screen.query_one("#gguf-tensors").display
        source = text_of(app, "#gguf-source-body")
        assert "LlamaForCausalLM" in source and "def forward" in source
        await pilot.press("s")
        assert app.screen.query_one("#gguf-tensors").display
