"""Snapshots of the models list at 120x40 and 80x24: results, empty results, offline, card.

The HF cache is emptied and refilled with known files whose access times are pinned, so the
cache markers and the offline list's sizes and dates are the same on every run.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest
from huggingface_hub import constants

from hfbrowse.core.hub.gateway import HubGateway
from hfbrowse.core.model_ref import ModelRef
from hfbrowse.ui.panes.models import DEBOUNCE_S
from tests.support.search_hub import search_id, start_search_hub
from tests.support.ui import new_app, settle

SIZES = [(120, 40), (80, 24)]
PINNED = datetime(2026, 3, 14, 12, 0, tzinfo=UTC).timestamp()


@pytest.fixture(scope="module")
def snap_hub(fixtures):
    hub = start_search_hub(fixtures, n=500)
    yield hub
    hub.stop()


@pytest.fixture
def cache(snap_hub, clean_cache):
    """tiny-gpt2 (config + card) and tiny-bert-mlm (config) cached, with pinned times."""
    gateway = HubGateway(endpoint=snap_hub.url)
    gateway.fetch_file(ModelRef("hub", search_id("tiny-gpt2")), "config.json")
    gateway.fetch_file(ModelRef("hub", search_id("tiny-gpt2")), "README.md")
    gateway.fetch_file(ModelRef("hub", search_id("tiny-bert-mlm")), "config.json")
    for root, _dirs, files in os.walk(constants.HF_HUB_CACHE):
        for name in files:
            os.utime(os.path.join(root, name), (PINNED, PINNED))
    return gateway


async def _settle(pilot, delay: float = 0.0) -> None:
    await settle(pilot, rounds=2, delay=delay)


@pytest.mark.parametrize("size", SIZES, ids=["120x40", "80x24"])
def test_results(snap_compare, cache, size):
    assert snap_compare(new_app(gateway=cache), terminal_size=size, run_before=_settle)


@pytest.mark.parametrize("size", SIZES, ids=["120x40", "80x24"])
def test_empty_results(snap_compare, cache, size):
    async def run_before(pilot):
        await _settle(pilot)
        await pilot.press(*"no-such-model")
        await _settle(pilot, DEBOUNCE_S + 0.1)

    assert snap_compare(new_app(gateway=cache), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=["120x40", "80x24"])
def test_offline_list(snap_compare, cache, snap_hub, size):
    offline = HubGateway(endpoint=snap_hub.url, offline=True)
    assert snap_compare(new_app(gateway=offline), terminal_size=size, run_before=_settle)


@pytest.mark.parametrize("size", SIZES, ids=["120x40", "80x24"])
def test_card_view(snap_compare, cache, size):
    async def run_before(pilot):
        await _settle(pilot)
        await pilot.press("down", "c")  # to the list (tiny-gpt2 is first), then its card
        await _settle(pilot)

    assert snap_compare(new_app(gateway=cache), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=["120x40", "80x24"])
def test_opened_by_id(snap_compare, cache, size):
    """A model opened by Hub id, no search yet: the list holds it (/ shows the list)."""
    ref = ModelRef("hub", search_id("tiny-bert-mlm"))

    async def run_before(pilot):
        await _settle(pilot)
        await pilot.press("slash", "down")
        await _settle(pilot)

    app = new_app(models=[ref], start=ref, gateway=cache)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=["120x40", "80x24"])
def test_filters_and_markers(snap_compare, cache, size):
    """Typed filter tokens, the status line naming them, the has column (G/A/P) and a doubtful
    parameter figure (333.3K?, huggingface_hub#4221) whose reason the highlighted row shows."""

    async def run_before(pilot):
        await _settle(pilot)
        await pilot.press(*"synthetic-model-001", "space", *"params", "colon", "full_stop")
        await pilot.press("full_stop", "8", "B", "space", *"gated", "colon", *"no")
        await _settle(pilot, DEBOUNCE_S + 0.1)
        await pilot.press("down")
        await _settle(pilot)

    assert snap_compare(new_app(gateway=cache), terminal_size=size, run_before=run_before)
