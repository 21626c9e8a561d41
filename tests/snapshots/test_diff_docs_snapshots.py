"""Snapshots at 120x40: a config key explained, head diff (unified, side by side — also at
80x24), config diff,
remote code. Models are the session's tiny fixtures, opened as local folders (names, not paths,
reach the screen). The HF cache is emptied first: the models pane lists what it holds."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from hfbrowse.core.hub.gateway import HubGateway
from hfbrowse.ui.panes.config import ConfigTree
from tests.support.ui import open_app, settle

SIZE = (120, 40)
OFFLINE = HubGateway(offline=True)


def test_config_key_explained(snap_compare, fixtures, clean_cache):
    async def run_before(pilot):
        await settle(pilot, idle=0.3)
        tree = pilot.app.screen.query_one(ConfigTree)
        tree.focus()
        line = next(i for i, n in enumerate(tree.root.children) if n.data.key == "n_embd")
        await pilot.press(*["down"] * line)
        await settle(pilot, idle=0.3)

    assert snap_compare(open_app(fixtures["tiny-gpt2"]), terminal_size=SIZE, run_before=run_before)


def test_head_diff_unified(snap_compare, fixtures, clean_cache):
    async def run_before(pilot):
        await settle(pilot, idle=0.3)
        await pilot.press("d")
        await settle(pilot, idle=0.3)

    assert snap_compare(open_app(fixtures["tiny-gpt2"]), terminal_size=SIZE, run_before=run_before)


@pytest.mark.parametrize("size", [SIZE, (80, 24)], ids=["120x40", "80x24"])
def test_head_diff_side_by_side(snap_compare, fixtures, clean_cache, size):
    """At 80 columns most lines wrap: under their own indentation, beside their numbers."""

    async def run_before(pilot):
        await settle(pilot, idle=0.3)
        await pilot.press("d")
        await settle(pilot, idle=0.3)
        await pilot.press("h", "h", "h")  # → AutoModelForSequenceClassification
        await settle(pilot, idle=0.3)
        await pilot.press("u")
        await settle(pilot, idle=0.3)

    assert snap_compare(open_app(fixtures["tiny-gpt2"]), terminal_size=size, run_before=run_before)


def test_config_diff(snap_compare, fixtures, clean_cache):
    async def run_before(pilot):
        await settle(pilot, idle=0.3)
        await pilot.press("D")
        await pilot.pause()
        pilot.app.screen.query_one(Input).value = str(fixtures["tiny-bert-mlm"])
        await pilot.press("enter")
        await settle(pilot, idle=0.3)

    assert snap_compare(open_app(fixtures["tiny-gpt2"]), terminal_size=SIZE, run_before=run_before)


def test_remote_code(snap_compare, fixtures, clean_cache):
    assert snap_compare(open_app(fixtures["remote-code"]), terminal_size=SIZE, run_before=settle)
