"""Snapshots at 120x40 and 80x24: a finetune opened from the Hub double (the family line under
the header) and the family view (F) of its base, listing finetunes, an adapter, quantisations
and a merge, most downloaded first."""

from __future__ import annotations

import pytest

from hfbrowse.core.hub.gateway import HubGateway
from hfbrowse.core.model_ref import ModelRef
from tests.support.family import BASE, FINETUNE, family_hub
from tests.support.ui import open_app, settle, text_of, wait_until

SIZES = [(120, 40), (80, 24)]
IDS = ["120x40", "80x24"]


@pytest.fixture(scope="module")
def fam_hub(fixtures, tmp_path_factory):
    with family_hub(fixtures, tmp_path_factory.mktemp("family-snap")) as hub:
        yield hub


async def settled(pilot, words: str) -> None:
    await settle(pilot, idle=0.3)
    await wait_until(pilot, lambda: words in text_of(pilot.app, "#model-header"))
    await settle(pilot, idle=0.1)
    pilot.app.clear_notifications()


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_finetune_opened(snap_compare, fam_hub, clean_cache, size):
    async def run_before(pilot):
        await settled(pilot, "finetune of")

    app = open_app(ModelRef("hub", FINETUNE), HubGateway(endpoint=fam_hub.url))
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_family_view(snap_compare, fam_hub, clean_cache, size):
    async def run_before(pilot):
        await settled(pilot, "derived")
        await pilot.press("F")
        await wait_until(
            pilot, lambda: getattr(getattr(pilot.app.screen, "family", None), "children", None)
        )
        await settle(pilot, idle=0.2)
        assert fam_hub.weight_bytes_sent() == 0

    app = open_app(ModelRef("hub", BASE), HubGateway(endpoint=fam_hub.url))
    assert snap_compare(app, terminal_size=size, run_before=run_before)
