"""Snapshots at 120x40: a config key explained, head diff (unified, side by side), config diff,
remote code. Models are the session's tiny fixtures, opened as local folders (names, not paths,
reach the screen). The HF cache is emptied first: the models pane lists what it holds."""

from __future__ import annotations

import contextlib

from textual.widgets import Input
from textual.worker import WorkerCancelled

from hfbrowse.core.hub import HubGateway
from hfbrowse.core.model_ref import ModelRef
from hfbrowse.ui.app import HFBrowseApp
from hfbrowse.ui.config_pane import ConfigTree

SIZE = (120, 40)
OFFLINE = HubGateway(offline=True)


def app_for(fixtures, name: str) -> HFBrowseApp:
    ref = ModelRef("local", str(fixtures[name]))
    return HFBrowseApp(models=[ref], start=ref, gateway=OFFLINE)


async def settle(pilot) -> None:
    for _ in range(3):
        with contextlib.suppress(WorkerCancelled):
            await pilot.app.workers.wait_for_complete()
        await pilot.pause()
    await pilot.pause(0.3)  # widgets that size themselves on idle (DataTable) get there


def test_config_key_explained(snap_compare, fixtures, clean_cache):
    async def run_before(pilot):
        await settle(pilot)
        tree = pilot.app.screen.query_one(ConfigTree)
        tree.focus()
        line = next(i for i, n in enumerate(tree.root.children) if n.data.key == "n_embd")
        await pilot.press(*["down"] * line)
        await settle(pilot)

    assert snap_compare(app_for(fixtures, "tiny-gpt2"), terminal_size=SIZE, run_before=run_before)


def test_head_diff_unified(snap_compare, fixtures, clean_cache):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)

    assert snap_compare(app_for(fixtures, "tiny-gpt2"), terminal_size=SIZE, run_before=run_before)


def test_head_diff_side_by_side(snap_compare, fixtures, clean_cache):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("h", "h", "h")  # → AutoModelForSequenceClassification
        await settle(pilot)
        await pilot.press("u")
        await settle(pilot)

    assert snap_compare(app_for(fixtures, "tiny-gpt2"), terminal_size=SIZE, run_before=run_before)


def test_config_diff(snap_compare, fixtures, clean_cache):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("D")
        await pilot.pause()
        pilot.app.screen.query_one(Input).value = str(fixtures["tiny-bert-mlm"])
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(app_for(fixtures, "tiny-gpt2"), terminal_size=SIZE, run_before=run_before)


def test_remote_code(snap_compare, fixtures, clean_cache):
    assert snap_compare(app_for(fixtures, "remote-code"), terminal_size=SIZE, run_before=settle)
