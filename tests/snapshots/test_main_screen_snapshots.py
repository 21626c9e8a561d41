"""Snapshots of the main screen at 120x40 and 80x24: a causal LM, a seq2seq model, a config-only
model (meta-device table), a Llama-3-70B-shaped sharded checkpoint (long tensor names) and an
error state, each opened from its folder with an empty cache; a head pinned with --head; F1."""

from __future__ import annotations

import pytest

from tests.support.ui import open_app, settle

SIZES = [(120, 40), (80, 24)]
IDS = ["120x40", "80x24"]


async def settled(pilot) -> None:
    await settle(pilot, idle=0.3)
    pilot.app.clear_notifications()


@pytest.mark.parametrize("size", SIZES, ids=IDS)
@pytest.mark.parametrize(
    "name", ["tiny-gpt2", "tiny-t5", "config-only", "sparse-70b", "malformed-config"]
)
def test_main_screen(snap_compare, fixtures, clean_cache, name, size):
    assert snap_compare(open_app(fixtures[name]), terminal_size=size, run_before=settled)


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_pinned_head(snap_compare, fixtures, clean_cache, size):
    """--head qa on a masked LM: the header and the console title say the head is pinned."""
    app = open_app(fixtures["tiny-bert-mlm"], head="AutoModelForQuestionAnswering")
    assert snap_compare(app, terminal_size=size, run_before=settled)


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_help(snap_compare, fixtures, clean_cache, size):
    async def run_before(pilot):
        await settled(pilot)
        await pilot.press("f1")
        await settle(pilot, idle=0.2)

    app = open_app(fixtures["tiny-gpt2"])
    assert snap_compare(app, terminal_size=size, run_before=run_before)
