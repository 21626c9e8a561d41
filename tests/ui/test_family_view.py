"""Pilot: the family line under the header, the family view (F and its palette entry), enter
opening a relative, and D / d comparing a finetune with its base through the real keys."""

from __future__ import annotations

import pytest

from hfbrowse.core.hub.gateway import HubGateway
from hfbrowse.core.model_ref import ModelRef
from tests.support.family import BASE, FINETUNE, FINETUNES, QUANTIZED, family_hub
from tests.support.ui import open_app, plain, settle, text_of, wait_until


@pytest.fixture(scope="module")
def fam_hub(fixtures, tmp_path_factory):
    with family_hub(fixtures, tmp_path_factory.mktemp("family-ui")) as hub:
        yield hub


def _rows(app) -> list[str]:
    from textual.widgets import DataTable

    table = app.screen.query_one("#family-table", DataTable)
    rows = (table.get_row_at(i) for i in range(table.row_count))
    return [" ".join(plain(c).strip() for c in row).strip() for row in rows]


def _family_shown(app) -> bool:
    return getattr(app.screen, "family", None) is not None and bool(
        getattr(app.screen.family, "children", None) is not None
    )


async def test_header_says_the_family_and_F_lists_it(fam_hub, clean_cache):
    fam_hub.clear_log()
    app = open_app(ModelRef("hub", BASE), HubGateway(endpoint=fam_hub.url))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await wait_until(pilot, lambda: "7 derived" in text_of(app, "#model-header"))
        assert "⤷ 7 derived  [F]" in text_of(app, "#model-header")
        assert not any(r.path == "/api/models" for r in fam_hub.requests)  # not yet asked
        await pilot.press("F")
        await wait_until(pilot, lambda: _family_shown(app))
        rows = _rows(app)
        assert rows[0] == f"finetunes {FINETUNES[0]} 900"
        assert f"quantizations {QUANTIZED[0]} 100" in rows
        assert any(r.startswith("adapters famtest/gpt2-lora") for r in rows)
        assert "7 derived" in text_of(app, "#family-status")
        await pilot.press("enter")  # opens the highlighted relative
        await wait_until(pilot, lambda: app.screen.sub_title == FINETUNE)
        await settle(pilot)
        await wait_until(pilot, lambda: f"finetune of {BASE}" in text_of(app, "#model-header"))
        assert fam_hub.weight_bytes_sent() == 0


async def test_finetune_diffs_with_its_base(fam_hub, clean_cache):
    app = open_app(ModelRef("hub", FINETUNE), HubGateway(endpoint=fam_hub.url))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await wait_until(pilot, lambda: "finetune of" in text_of(app, "#model-header"))
        await pilot.press("F")
        await wait_until(pilot, lambda: _family_shown(app))
        assert _rows(app)[0] == f"finetune of {BASE}"
        await pilot.press("D")  # config diff with the base, one key
        await wait_until(pilot, lambda: getattr(app.screen, "diff", None) is not None)
        diff = app.screen.diff
        changed = {n.path for n in diff.flat() if n.change != "same"}
        assert {"n_positions", "finetuned_for"} <= changed
        await pilot.press("escape")
        await pilot.press("F")
        await wait_until(pilot, lambda: _family_shown(app))
        await pilot.press("d")  # head diff with the base
        await wait_until(pilot, lambda: type(app.screen).__name__ == "DiffScreen")
        await wait_until(pilot, lambda: getattr(app.screen, "diff", None) is not None)
        assert BASE in text_of(app, "#diff-title")
        await pilot.press("escape")
        await pilot.press("F")
        await wait_until(pilot, lambda: _family_shown(app))
        await pilot.press("enter")  # the base
        await wait_until(pilot, lambda: app.screen.sub_title == BASE)
        assert fam_hub.weight_bytes_sent() == 0


async def test_palette_entry_and_no_base(fam_hub, fixtures, clean_cache):
    app = open_app(fixtures["tiny-gpt2"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        from hfbrowse.ui import keys

        entry = next(k for k in keys.palette_entries() if k.action == "family")
        assert entry.palette == "Family (model tree)…"
        commands = {c.title for c in app.get_system_commands(app.screen)}
        assert entry.palette in commands
        await app.screen.run_action(entry.action)  # what the palette entry runs
        await wait_until(pilot, lambda: _family_shown(app))
        status = text_of(app, "#family-status")
        assert "no base model named" in status and "local folder" in status
        await pilot.press("D")
        await pilot.pause()
        said = [n.message for n in app._notifications]
        assert any("names no base model" in m for m in said)


async def test_B_and_H_diff_a_finetune_with_its_base_from_the_main_screen(fam_hub, clean_cache):
    """One key from the main screen: B the config diff with the base, H the head diff."""
    app = open_app(ModelRef("hub", FINETUNE), HubGateway(endpoint=fam_hub.url))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await wait_until(pilot, lambda: "finetune of" in text_of(app, "#model-header"))
        await pilot.press("B")
        await wait_until(pilot, lambda: getattr(app.screen, "diff", None) is not None)
        assert type(app.screen).__name__ == "ConfigDiffScreen"
        changed = {n.path for n in app.screen.diff.flat() if n.change != "same"}
        assert {"n_positions", "finetuned_for"} <= changed
        await pilot.press("escape")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "MainScreen")
        await pilot.press("H")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "DiffScreen")
        await wait_until(pilot, lambda: getattr(app.screen, "diff", None) is not None)
        assert BASE in text_of(app, "#diff-title")
        assert fam_hub.weight_bytes_sent() == 0
