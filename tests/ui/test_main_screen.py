"""Pilot tests of the main screen: opening, heads, focus, zoom, filter, errors."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from textual.widgets import DataTable, Input

from hfbrowse.core.model_ref import ModelRef
from hfbrowse.ui.panes.config import ConfigTree
from hfbrowse.ui.screens.main import MainScreen
from tests.support.models import hub_id
from tests.support.ui import new_app, open_app, settle, text_of


async def test_open_local_model_shows_all_three_panes(fixtures, gateway):
    app = open_app(ModelRef("local", str(fixtures["tiny-gpt2"])), gateway)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        header = text_of(app, "#model-header")
        assert "gpt2 · GPT2LMHeadModel · AutoModelForCausalLM" in header
        assert "params" in header and "—" not in header
        tree = screen.query_one(ConfigTree)
        keys = [str(n.data.key) for n in tree.root.children]
        assert keys[:3] == list(screen.opened.facts.config)[:3]
        table = screen.query_one("#tensor-table", DataTable)
        assert table.row_count == len(screen.query_one("#tensors").table_data.rows) > 10
        assert "GPT2LMHeadModel" in text_of(app, "#source-title")
        assert "def forward" in text_of(app, "#source-body")


async def test_open_hub_model_and_cycle_heads(gateway):
    app = open_app(ModelRef("hub", hub_id("tiny-t5")), gateway)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert screen.opened.head == "AutoModelForSeq2SeqLM"
        seen = [screen.opened.head]
        for _ in range(len(screen.opened.facts.heads.supported)):
            await pilot.press("h")
            await settle(pilot)
            seen.append(screen.opened.head)
            assert screen.opened.head in text_of(app, "#source-title")
        assert seen[0] == seen[-1] and len(set(seen)) == len(screen.opened.facts.heads.supported)


async def test_head_option_from_cli(fixtures, gateway):
    ref = ModelRef("local", str(fixtures["tiny-bert-mlm"]))
    app = open_app(ref, gateway, head="AutoModelForTokenClassification")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert "BertForTokenClassification" in text_of(app, "#source-title")


async def test_filter_zoom_focus(fixtures, gateway):
    app = open_app(ModelRef("local", str(fixtures["tiny-bert-base"])), gateway)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        table = screen.query_one("#tensor-table", DataTable)
        total = table.row_count
        screen.query_one("#tensor-filter", Input).focus()
        await pilot.press(*"layer.1.", "enter")
        await pilot.pause(0.3)
        assert 0 < table.row_count < total
        shown = screen.query_one("#tensors").shown_rows
        assert len(shown) == table.row_count and all("layer.1." in r.name for r in shown)
        assert screen.focused is table  # enter moves focus into the table
        await pilot.press("z")
        assert screen.maximized is screen.query_one("#tensors")
        await pilot.press("z")
        assert screen.maximized is None
        await pilot.press("tab")
        assert screen.focused is not table
        await pilot.press(":")
        await pilot.pause()
        assert screen.focused.id == "console-input"
        await pilot.press("h")  # typed into the input, not a head change
        assert screen.query_one("#console-input", Input).value == "h"
        await pilot.press("escape")
        assert not isinstance(screen.focused, Input)


async def test_errors_stay_in_their_pane(fixtures, gateway):
    bad = ModelRef("local", str(fixtures["malformed-header"]))
    good = ModelRef("local", str(fixtures["tiny-bert-qa"]))
    app = new_app(models=[bad, good], start=bad, gateway=gateway)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert "not valid JSON" in text_of(app, "#tensor-totals")
        assert "GPT2LMHeadModel" in text_of(app, "#source-title")  # other panes keep working
        screen.open_model(good)
        await settle(pilot)
        assert "BertForQuestionAnswering" in text_of(app, "#source-title")
        assert "not valid JSON" not in text_of(app, "#tensor-totals")


async def test_unknown_hub_model_and_config_only(fixtures, gateway):
    app = open_app(ModelRef("hub", hub_id("nope")), gateway)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert "no such model" in text_of(app, "#model-header")
    app = open_app(ModelRef("local", str(fixtures["config-only"])), gateway)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        totals = text_of(app, "#tensor-totals")
        assert "No safetensors checkpoint" in totals and "AutoModelForCausalLM" in totals
        assert "from config — no checkpoint read" in app.screen.query_one("#tensors").border_title


async def test_newer_selection_wins(fixtures, gateway):
    first = ModelRef("local", str(fixtures["tiny-bart"]))
    second = ModelRef("local", str(fixtures["tiny-bert-ner"]))
    app = new_app(models=[first, second], start=first, gateway=gateway)
    async with app.run_test(size=(120, 40)) as pilot:
        app.screen.open_model(second)  # before the first has finished
        await settle(pilot)
        assert app.screen.opened.facts.ref == second
        assert "BertForTokenClassification" in text_of(app, "#source-title")


async def test_help_and_narrow_layout(fixtures, gateway):
    app = open_app(ModelRef("local", str(fixtures["tiny-gpt2"])), gateway)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert screen.has_class("-narrow")
        assert not screen.query_one("#models").display
        await pilot.press("slash")
        await pilot.pause()
        assert screen.query_one("#models").display
        assert screen.focused.id == "models-filter"
        await pilot.press("escape")
        await pilot.press("f1")
        await pilot.pause()
        assert type(app.screen).__name__ == "HelpScreen"
        await pilot.press("escape")
        assert app.screen is screen


def test_config_and_tensors_drawn_without_importing_torch(fixtures):
    """The budget's rule: the first two panes never wait for torch."""
    script = textwrap.dedent(
        f"""
        import asyncio, sys
        from hfbrowse.core.model_ref import ModelRef
        from hfbrowse.core.hub.gateway import HubGateway
        from hfbrowse.ui.app import HFBrowseApp
        from hfbrowse.ui.options import LaunchOptions

        async def main():
            ref = ModelRef("local", {str(fixtures["tiny-gpt2"])!r})
            options = LaunchOptions(models=(ref,), start=ref)
            app = HFBrowseApp(options, gateway=HubGateway(offline=True))
            async with app.run_test(size=(120, 40)) as pilot:
                for _ in range(50):
                    await pilot.pause(0.05)
                    tensors = app.screen.query_one("#tensors")
                    if tensors.table_data is not None and app.screen.opened.facts is not None:
                        break
                print(tensors.table_data is not None, "torch" in sys.modules)

        asyncio.run(main())
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert out.stdout.split() == ["True", "False"], out.stderr[-2000:]


async def test_console_key_during_start_up_waits_for_the_console(fixtures, monkeypatch):
    """`:` pressed while start-up is still mounting the console pane (it comes after the source
    is drawn) waits for the mount instead of failing to find the console's input. The two are
    run together here, as a fast typist's `:` meets the mount in a real terminal; start-up's
    own mount is held back so that the race is the test's."""
    import asyncio

    async def held_back(self) -> None:
        return None

    monkeypatch.setattr(MainScreen, "on_source_pane_settled", held_back)
    app = open_app(fixtures["tiny-gpt2"])
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert not screen.query("#console-input")
        filling = asyncio.ensure_future(screen._fill_slots())
        await asyncio.sleep(0)  # start-up's mount has begun (it awaits its first removal)
        await screen.action_focus_console()
        await filling
        await pilot.pause()
        await pilot.press(*"hi")
        box = screen.query_one("#console-input", Input)
        assert app.focused is box and box.value == "hi"
