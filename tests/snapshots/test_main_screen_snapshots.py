"""Snapshots of the main screen at 120x40 and 80x24: a causal LM, a seq2seq model, a config-only
model (meta-device table) and an error state, each opened from its folder with an empty cache."""

from __future__ import annotations

import pytest

from tests.support.ui import open_app, settle

SIZES = [(120, 40), (80, 24)]
IDS = ["120x40", "80x24"]


async def settled(pilot) -> None:
    await settle(pilot, idle=0.3)
    pilot.app.clear_notifications()


@pytest.mark.parametrize("size", SIZES, ids=IDS)
@pytest.mark.parametrize("name", ["tiny-gpt2", "tiny-t5", "config-only", "malformed-config"])
def test_main_screen(snap_compare, fixtures, clean_cache, name, size):
    assert snap_compare(open_app(fixtures[name]), terminal_size=size, run_before=settled)
