"""Pilot tests: config keys explained, head diff (d), config diff (D), remote code (r)."""

from __future__ import annotations

import sys
from pathlib import Path

from textual.widgets import Input, Static

from hfbrowse.core.model_ref import ModelRef
from hfbrowse.demo.fixtures import REMOTE_CODE_MARKER
from hfbrowse.ui.panes.config import ConfigPane, ConfigTree
from hfbrowse.ui.panes.source import SourcePane
from hfbrowse.ui.screens.config_diff import ConfigDiffScreen
from hfbrowse.ui.screens.diff import DiffScreen
from hfbrowse.ui.screens.main import MainScreen
from hfbrowse.ui.screens.model_prompt import ModelPrompt
from tests.support.models import hub_id
from tests.support.ui import open_app, plain, settle


def static_text(screen, selector: str) -> str:
    return plain(screen.query_one(selector, Static).content)


def local(fixtures, name: str) -> ModelRef:
    return ModelRef("local", str(fixtures[name]))


async def test_config_keys_marked_and_explained(fixtures, gateway):
    async with open_app(local(fixtures, "tiny-gpt2"), gateway).run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        pane = pilot.app.screen.query_one(ConfigPane)
        assert pane.explanation is not None and pane.explanation.config_class == "GPT2Config"
        tree = pilot.app.screen.query_one(ConfigTree)
        labels = {n.data.key: n.label.plain for n in tree.root.children}
        assert labels["n_embd"].endswith("≠ 768")
        assert labels["activation_function"] == 'activation_function: "gelu_new"'
        line = next(i for i, n in enumerate(tree.root.children) if n.data.key == "n_embd")
        tree.focus()
        tree.cursor_line = line
        await pilot.pause()
        doc = static_text(pilot.app.screen, "#config-key-doc")
        assert "n_embd · int · default 768 · ≠ default · GPT2Config" in doc
        assert "Dimensionality of the embeddings and hidden states." in doc
        assert "≠ default" in tree.border_subtitle


async def test_unknown_keys_flagged(fixtures, gateway):
    async with open_app(local(fixtures, "tiny-t5"), gateway).run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        tree = pilot.app.screen.query_one(ConfigTree)
        labels = {n.data.key: n.label.plain for n in tree.root.children}
        assert labels["n_positions"].endswith("? unknown")
        assert not labels["d_kv"].endswith("? unknown")


async def test_head_diff_screen_keys(fixtures, gateway):
    async with open_app(local(fixtures, "tiny-gpt2"), gateway).run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, DiffScreen)
        assert (screen.diff.left.head, screen.diff.right.head) == (
            "AutoModelForCausalLM",
            "AutoModel",
        )
        assert "- tiny-gpt2: AutoModelForCausalLM → GPT2LMHeadModel" in static_text(
            screen, "#diff-title"
        )
        body = static_text(screen, "#diff-body")
        assert "self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)" in body
        await pilot.press("h")
        await settle(pilot)
        assert screen.diff.right.head not in ("AutoModel", "AutoModelForCausalLM")
        await pilot.press("u")
        assert screen.side_by_side and "side by side" in static_text(screen, "#diff-title")
        await pilot.press("s")
        await settle(pilot)
        assert screen.diff.left.head != "AutoModelForCausalLM"
        await pilot.press("c")
        await settle(pilot)
        assert screen.diff.context == 3
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ModelPrompt)
        pilot.app.screen.query_one(Input).value = str(fixtures["tiny-bert-mlm"])
        await pilot.press("enter")
        await settle(pilot)
        assert screen.diff.right.model == "tiny-bert-mlm"
        assert screen.diff.right.class_name.startswith("Bert")
        await pilot.press("escape")
        assert isinstance(pilot.app.screen, MainScreen)


async def test_head_diff_bad_other_model_is_one_line(fixtures, gateway):
    async with open_app(local(fixtures, "tiny-gpt2"), gateway).run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        screen = pilot.app.screen
        screen.load_other_model("/no/such/folder")
        await settle(pilot)
        assert static_text(screen, "#diff-title").strip() == "✗ No such folder: /no/such/folder"


async def test_config_diff_screen(fixtures, gateway):
    async with open_app(local(fixtures, "tiny-gpt2"), gateway).run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("D")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ModelPrompt)
        pilot.app.screen.query_one(Input).value = hub_id("tiny-bert-mlm")
        await pilot.press("enter")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, ConfigDiffScreen)
        diff = screen.diff
        assert diff.right_label == hub_id("tiny-bert-mlm")
        assert (diff.count("changed"), diff.count("added"), diff.count("removed")) == (4, 12, 18)
        title = static_text(screen, "#config-diff-title")
        assert "~4 changed · +12 only in hfbrowse-test/tiny-bert-mlm" in title
        await pilot.press("a")
        assert not screen.only_changes
        await pilot.press("escape")
        assert isinstance(pilot.app.screen, MainScreen)


async def test_remote_code_shown_not_run(gateway, hub):
    ref = ModelRef("hub", hub_id("remote-code"))
    async with open_app(ref, gateway).run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        pane = pilot.app.screen.query_one(SourcePane)
        assert pane.showing_remote
        assert "REMOTE CODE — shown as text, not run" in static_text(pane, "#source-title")
        body = static_text(pane, "#source-body")
        assert "class CustomForCausalLM(PreTrainedModel):" in body
        assert "AutoModelForCausalLM" in body and "modeling_custom.py:13" in body
        explained = pilot.app.screen.query_one(ConfigPane).explanation
        assert explained.remote and explained.config_class == "CustomConfig"
        await pilot.press("r")
        assert not pane.showing_remote
        await pilot.press("r")
        assert pane.showing_remote
        cached = Path(pane.remote.file("modeling_custom.py").path)
    assert not (cached.parent / REMOTE_CODE_MARKER).exists()
    assert not [m for m in sys.modules if m.endswith(("modeling_custom", "configuration_custom"))]


async def test_palette_action_diff_with_another_model(fixtures, gateway):
    async with open_app(local(fixtures, "tiny-gpt2"), gateway).run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.app.screen.run_action("diff_heads_other_model")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ModelPrompt)
        pilot.app.screen.query_one(Input).value = str(fixtures["tiny-bert-mlm"])
        await pilot.press("enter")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, DiffScreen)
        assert screen.diff.left.class_name == "GPT2LMHeadModel"
        assert screen.diff.right.label == "tiny-bert-mlm: AutoModelForCausalLM → BertLMHeadModel"
