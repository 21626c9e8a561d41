"""Snapshots at 120x40 and 80x24: an opened PEFT adapter (main screen) and its adapter view (a),
the base served by the Hub double as ``hfbrowse-test/tiny-gpt2`` (an id, not a temp path, so
the picture is the same on every machine); the revisions picker (R) and a revision diff (d) of
a repo with a branch and a tag."""

from __future__ import annotations

import pytest

from hfbrowse.core.hub.gateway import HubGateway
from hfbrowse.core.model_ref import ModelRef
from tests.support.adapters import write_lora
from tests.support.models import hub_id
from tests.support.revisions import REPO
from tests.support.revisions import history_hub as start_history_hub
from tests.support.ui import open_app, settle, wait_until

SIZES = [(120, 40), (80, 24)]
IDS = ["120x40", "80x24"]


@pytest.fixture(autouse=True)
def no_peft(monkeypatch):
    """The picture says peft is missing on every machine, whether or not it is installed."""
    monkeypatch.setattr("hfbrowse.core.adapters.peft_installed", lambda: False)


@pytest.fixture
def lora(tmp_path):
    return write_lora(tmp_path / "tiny-gpt2-lora", hub_id("tiny-gpt2"))


async def settled(pilot) -> None:
    await settle(pilot, idle=0.3)
    pilot.app.clear_notifications()


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_adapter_opened(snap_compare, lora, gateway, clean_cache, size):
    assert snap_compare(open_app(lora, gateway), terminal_size=size, run_before=settled)


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_adapter_view(snap_compare, lora, gateway, hub, clean_cache, size):
    async def run_before(pilot):
        await settled(pilot)
        await pilot.press("a")
        await wait_until(pilot, lambda: pilot.app.screen.report is not None)
        await settle(pilot, idle=0.2)
        assert hub.weight_bytes_sent() == 0

    assert snap_compare(open_app(lora, gateway), terminal_size=size, run_before=run_before)


@pytest.fixture(scope="module")
def history_hub(fixtures, tmp_path_factory):
    with start_history_hub(fixtures, tmp_path_factory.mktemp("history")) as hub:
        yield hub


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_revisions_picker(snap_compare, history_hub, clean_cache, size):
    async def run_before(pilot):
        await settled(pilot)
        await pilot.press("R")
        await wait_until(pilot, lambda: getattr(pilot.app.screen, "revisions", None) is not None)
        await settle(pilot, idle=0.2)

    app = open_app(ModelRef("hub", REPO), HubGateway(endpoint=history_hub.url))
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_revision_diff(snap_compare, history_hub, clean_cache, size):
    async def run_before(pilot):
        await settled(pilot)
        await pilot.press("R")
        await wait_until(pilot, lambda: getattr(pilot.app.screen, "revisions", None) is not None)
        await pilot.press("down", "d")
        await wait_until(pilot, lambda: getattr(pilot.app.screen, "diff", None) is not None)
        await settle(pilot, idle=0.2)
        assert history_hub.weight_bytes_sent() == 0

    app = open_app(ModelRef("hub", REPO), HubGateway(endpoint=history_hub.url))
    assert snap_compare(app, terminal_size=size, run_before=run_before)
