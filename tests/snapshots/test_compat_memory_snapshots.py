"""Snapshots at 120x40: head compatibility (k, and zoomed), memory (m), module tree (g) with the
__init__ line of the highlighted module. Fixtures open as local folders (names reach the
screen, not paths); free memory is fixed so the memory view is the same on every machine."""

from __future__ import annotations

import pytest

from tests.support.machine import FIXED_MACHINE
from tests.support.ui import open_app, settle

SIZE = (120, 40)


@pytest.fixture(autouse=True)
def fixed_machine(monkeypatch):
    monkeypatch.setattr("hfbrowse.core.memory.machine_memory", lambda: FIXED_MACHINE)


def test_compat_view(snap_compare, fixtures, clean_cache):
    async def run_before(pilot):
        await settle(pilot, rounds=4, step=0.05, idle=0.3)
        await pilot.press("k")
        await settle(pilot, rounds=4, step=0.05, idle=0.3)

    app = open_app(fixtures["tiny-bert-mlm"], head="AutoModelForSequenceClassification")
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_compat_view_zoomed(snap_compare, fixtures, clean_cache):
    async def run_before(pilot):
        await settle(pilot, rounds=4, step=0.05, idle=0.3)
        await pilot.press("k")
        await settle(pilot, rounds=4, step=0.05, idle=0.3)
        await pilot.press("z")
        await settle(pilot, rounds=4, step=0.05, idle=0.3)

    app = open_app(fixtures["tiny-bert-base"], head="AutoModelForMaskedLM")
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_memory_view(snap_compare, fixtures, clean_cache):
    async def run_before(pilot):
        await settle(pilot, rounds=4, step=0.05, idle=0.3)
        await pilot.press("m")
        await settle(pilot, rounds=4, step=0.05, idle=0.3)

    assert snap_compare(open_app(fixtures["sparse-70b"]), terminal_size=SIZE, run_before=run_before)


def test_module_tree(snap_compare, fixtures, clean_cache):
    async def run_before(pilot):
        await settle(pilot, rounds=4, step=0.05, idle=0.3)
        await pilot.press("g")
        await settle(pilot, rounds=4, step=0.05, idle=0.3)
        await pilot.press("down", "space", "down", "space", "down", "space", "down", "space")
        await pilot.press("down", "down")  # transformer › h › 0 › attn › c_attn
        await pilot.pause(0.3)
        await settle(pilot, rounds=4, step=0.05, idle=0.3)

    assert snap_compare(open_app(fixtures["tiny-gpt2"]), terminal_size=SIZE, run_before=run_before)
