"""Snapshots of the main screen at 120x40 and 80x24: a causal LM, a seq2seq model, a config-only
model (meta-device table) and an error state, each opened from its folder with an empty cache."""

from __future__ import annotations

import pytest

from hfbrowse.core.hub.gateway import HubGateway
from hfbrowse.core.model_ref import ModelRef
from hfbrowse.ui.app import HFBrowseApp
from tests.support.ui import new_app, settle

SIZES = [(120, 40), (80, 24)]
IDS = ["120x40", "80x24"]


async def settled(pilot) -> None:
    await settle(pilot, idle=0.3)
    pilot.app.clear_notifications()


def app_for(fixtures, name: str) -> HFBrowseApp:
    ref = ModelRef("local", str(fixtures[name]))
    return new_app(models=[ref], start=ref, gateway=HubGateway(offline=True))


@pytest.mark.parametrize("size", SIZES, ids=IDS)
@pytest.mark.parametrize("name", ["tiny-gpt2", "tiny-t5", "config-only", "malformed-config"])
def test_main_screen(snap_compare, fixtures, clean_cache, name, size):
    assert snap_compare(app_for(fixtures, name), terminal_size=size, run_before=settled)
