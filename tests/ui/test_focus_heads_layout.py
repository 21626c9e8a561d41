"""The main screen through the real keys: focus after a resize, heads that stick (or not) to
the next model, where --demo starts, names the diff prompts accept, footers that fit, the
config pane's rows, and zooming the models list."""

from __future__ import annotations

import pytest
from textual.widgets import Input
from textual.widgets._footer import FooterKey

from hfbrowse.core.model_ref import ModelRef
from hfbrowse.ui.panes.config import ConfigTree
from hfbrowse.ui.panes.console import ConsolePane
from hfbrowse.ui.panes.models import ModelsPane
from tests.support.ui import new_app, open_app, settle, text_of, wait_until


def demo_refs(fixtures, *names: str) -> list[ModelRef]:
    """Folders listed the way --demo lists its models (label "demo")."""
    return [ModelRef("local", str(fixtures[n]), label="demo") for n in names]


@pytest.mark.parametrize("view", ["config", "memory"])
async def test_a_resize_that_hides_the_search_box_moves_the_keys(fixtures, view):
    """120 → 80 columns with the search box focused: the keys go to a shown pane — the config
    tree, or, while an analysis view (m) stands in its place, that view (not the hidden tree)."""
    refs = demo_refs(fixtures, "tiny-gpt2", "tiny-bert-mlm")
    app = new_app(models=refs, start=refs[0])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        if view == "memory":
            await pilot.press("m")
            await settle(pilot)
        search = app.screen.query_one("#models-filter", Input)
        search.focus()
        await pilot.pause()
        assert app.focused is search and not app.screen.has_class("-models-open")
        await pilot.resize_terminal(80, 24)
        await wait_until(pilot, lambda: app.focused is not search)
        assert app.focused in app.screen.focus_chain
        assert app.focused.region.width > 0 and not isinstance(app.focused, Input)
        if view == "config":
            assert isinstance(app.focused, ConfigTree)
        await pilot.press("x", "q")  # single-letter keys act again: q quits
        await wait_until(pilot, lambda: app.return_code is not None or not app.is_running)
        assert search.value == ""


async def test_a_head_chosen_with_h_does_not_stick_to_the_next_model(fixtures):
    refs = demo_refs(fixtures, "tiny-bert-mlm", "tiny-distilbert-sst")
    app = new_app(models=refs, start=refs[0])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        while screen.opened.head != "AutoModelForQuestionAnswering":
            await pilot.press("h")
            await settle(pilot)
        header = text_of(app, "#model-header")
        assert "▸ shows QuestionAnswering: chosen with h" in header
        console = screen.query_one(ConsolePane)
        assert "chosen with h; recommended: AutoModelForMaskedLM" in console.border_title
        screen.open_model(refs[1])
        await settle(pilot)
        recommended = "AutoModelForSequenceClassification"
        assert screen.opened.head == recommended and screen.opened.head_pin is None
        assert "▸ shows" not in text_of(app, "#model-header")
        assert console.border_title == f"console — {recommended}"
        assert "DistilBertForSequenceClassification" in text_of(app, "#source-title")


async def test_a_head_pinned_with_the_option_is_shown_as_pinned(fixtures):
    refs = demo_refs(fixtures, "tiny-bert-mlm", "tiny-gpt2")
    app = new_app(models=refs, start=refs[0], head="AutoModelForQuestionAnswering")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert "QuestionAnswering: pinned by --head" in text_of(app, "#model-header")
        assert "pinned by --head" in screen.query_one(ConsolePane).border_title
        assert "BertForQuestionAnswering" in text_of(app, "#source-title")
        screen.open_model(refs[1])  # gpt2 has a QA head too: the pin applies again
        await settle(pilot)
        assert screen.opened.head == "AutoModelForQuestionAnswering"
        assert "QuestionAnswering: pinned by --head" in text_of(app, "#model-header")


@pytest.mark.parametrize(
    ("size", "focused"), [((120, 40), "model-list"), ((80, 24), "config-tree")]
)
async def test_demo_starts_on_the_models_list_where_it_is_shown(fixtures, size, focused):
    refs = demo_refs(fixtures, "tiny-gpt2", "tiny-bert-mlm")
    app = new_app(models=refs, start=refs[0], start_on_list=True)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        assert app.focused.id == focused
        if focused == "model-list":
            await pilot.press("down", "enter")  # the next demo model, straight away
            await settle(pilot)
            assert app.screen.opened.facts.ref == refs[1]


async def test_config_diff_prompt_accepts_a_name_from_the_list(fixtures):
    refs = demo_refs(fixtures, "tiny-bert-mlm", "tiny-bert-qa")
    app = new_app(models=refs, start=refs[0])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("D")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "ModelPrompt")
        await pilot.press(*"tiny-bert-qa", "enter")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "ConfigDiffScreen")
        await settle(pilot)
        title = text_of(app, "#config-diff-title")
        assert "tiny-bert-qa" in title and "not in the local cache" not in title
        assert "✗" not in title


async def test_head_diff_other_model_accepts_a_name_from_the_list(fixtures):
    refs = demo_refs(fixtures, "tiny-bert-mlm", "tiny-bert-qa")
    app = new_app(models=refs, start=refs[0])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("d")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "DiffScreen")
        await settle(pilot)
        await pilot.press("o")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "ModelPrompt")
        await pilot.press(*"tiny-bert-qa", "enter")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "DiffScreen")
        await settle(pilot)
        title = text_of(app, "#diff-title")
        assert "✗" not in title and "tiny-bert-qa" in title


def _footer_keys(app) -> list[FooterKey]:
    return list(app.screen.query(FooterKey))


def _assert_footer_fits(app, *must: str) -> None:
    keys = _footer_keys(app)
    assert keys
    width = app.size.width
    for key in keys:
        assert key.region.right <= width, (key.key, key.region)
    shown = {k.key for k in keys}
    assert set(must) <= shown, shown


async def test_footers_show_whole_keys_only(fixtures):
    refs = demo_refs(fixtures, "tiny-bert-mlm", "tiny-bert-qa")
    app = new_app(models=refs, start=refs[0])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.screen.query_one(ModelsPane).action_focus_list()
        await pilot.pause(0.2)
        _assert_footer_fits(app, "f1", "q", "s", "f")
        await pilot.resize_terminal(80, 24)
        app.screen.query_one("#tensor-table").focus()
        await pilot.pause(0.3)
        _assert_footer_fits(app, "f1", "q", "s")
        await pilot.press("d")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "DiffScreen")
        await settle(pilot, idle=0.2)
        _assert_footer_fits(app, "f1", "q", "o", "u", "s")


async def test_the_config_tree_keeps_its_rows(fixtures):
    async with open_app(fixtures["tiny-gpt2"]).run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        tree = pilot.app.screen.query_one(ConfigTree)
        assert pilot.app.focused is tree
        assert tree.region.height >= 7  # with the key's docs below it (was 4)
        await pilot.press("colon")
        await pilot.pause(0.2)
        assert tree.region.height >= 5  # the console has focus and grows (was 1)


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_z_maximises_the_models_list_and_restores_the_panes(fixtures, size):
    refs = demo_refs(fixtures, "tiny-gpt2", "tiny-bert-mlm")
    app = new_app(models=refs, start=refs[0])
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        screen = app.screen
        models = screen.query_one(ModelsPane)
        await pilot.press("slash", "escape")  # shows the list at 80 columns, then leaves it
        models.action_focus_list()
        await pilot.pause(0.2)
        await pilot.press("z")
        await pilot.pause(0.2)
        assert screen.maximized is models and models.region.width == size[0]
        await pilot.press("z")
        await pilot.pause(0.2)
        assert screen.maximized is None
        assert screen.query_one("#centre").region.width > 0  # the other panes are back
        assert app.focused is not None and app.focused in screen.focus_chain
