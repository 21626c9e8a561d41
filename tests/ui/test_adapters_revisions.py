"""Pilot: the adapter view (a), opening the base (b); the revisions picker (R), its diff (d)
and opening a revision (enter); hostile answers as one line."""

from __future__ import annotations

import pytest

from hfbrowse.core.hub.gateway import HubGateway
from hfbrowse.core.model_ref import ModelRef
from tests.support.adapters import write_lora
from tests.support.models import hub_id
from tests.support.revisions import REPO
from tests.support.revisions import history_hub as start_history_hub
from tests.support.ui import open_app, plain, settle, text_of, wait_until


async def test_adapter_view_and_base(tmp_path, fixtures, clean_cache, monkeypatch):
    monkeypatch.setattr("hfbrowse.core.adapters.peft_installed", lambda: False)
    folder = write_lora(tmp_path / "tiny-gpt2-lora", str(fixtures["tiny-gpt2"]))
    app = open_app(folder)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        header = text_of(app, "#model-header")
        assert "LORA adapter · 1.02K params added" in header
        await pilot.press("a")
        await wait_until(pilot, lambda: "parameters added" in text_of(app, "#adapter-lines"))
        lines = text_of(app, "#adapter-lines")
        assert "rank r=4  lora_alpha=8" in lines
        assert "transformer.h.1.attn.c_attn  (2 tensors, 512 params)" in lines
        assert "GPT2Attention.__init__ L" in lines and ": self.c_attn = Conv1D(" in lines
        assert "running base + adapter needs peft" in text_of(app, "#adapter-status")
        await pilot.press("b")
        await wait_until(pilot, lambda: app.screen.sub_title == "tiny-gpt2")
        await settle(pilot)
        assert app.screen.opened.facts.model_type == "gpt2"


async def test_adapter_key_on_a_model_says_so(fixtures, clean_cache):
    app = open_app(fixtures["tiny-gpt2"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await pilot.press("b")
        await pilot.pause()
        said = [n.message for n in app._notifications]
        assert "tiny-gpt2 is not an adapter (no adapter_config.json)." in said
        assert "tiny-gpt2 is not an adapter: it has no base to open." in said


@pytest.fixture(scope="module")
def history_hub(fixtures, tmp_path_factory):
    with start_history_hub(fixtures, tmp_path_factory.mktemp("history")) as hub:
        yield hub


def _table_text(app, selector: str) -> list[str]:
    from textual.widgets import DataTable

    table = app.screen.query_one(selector, DataTable)
    rows = (table.get_row_at(i) for i in range(table.row_count))
    return [" ".join(plain(c).strip() for c in row).strip() for row in rows]


async def test_revisions_picker_diff_and_open(history_hub, clean_cache):
    history_hub.clear_log()
    gateway = HubGateway(endpoint=history_hub.url)
    app = open_app(ModelRef("hub", REPO), gateway)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("R")
        await wait_until(pilot, lambda: getattr(app.screen, "revisions", None) is not None)
        rows = _table_text(app, "#revisions-table")
        assert rows[0].startswith("● main") and rows[1].startswith("v2")
        assert rows[2].startswith("v1.0") and rows[3].endswith("Upload main")
        await pilot.press("down", "d")
        await wait_until(pilot, lambda: getattr(app.screen, "diff", None) is not None)
        lines = text_of(app, "#revdiff-lines")
        assert "~ transformer.wpe.weight  (128, 32) → (256, 32)" in lines
        assert "tensors: +1 added, -1 removed, 1 reshaped, 1 re-typed" in lines
        await pilot.press("escape")
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen.sub_title == f"{REPO}@v2")
        await settle(pilot)
        assert app.screen.opened.facts.config["use_cache"] is False
    assert history_hub.weight_bytes_sent() == 0


async def test_revisions_wrong_shape_and_local(history_hub, fixtures, clean_cache):
    gateway = HubGateway(endpoint=history_hub.url)
    app = open_app(ModelRef("hub", hub_id("bad-refs")), gateway)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("R")
        await wait_until(pilot, lambda: "unexpected shape" in text_of(app, "#revisions-status"))
        status = text_of(app, "#revisions-status").strip()
        assert status.startswith("hfbrowse-test/bad-refs: the Hub's refs answer has an")
        assert status.count("\n") == 0
    app = open_app(fixtures["tiny-gpt2"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("R")
        await pilot.pause()
        said = [n.message for n in app._notifications]
        assert "tiny-gpt2 is a local folder: revisions are the Hub's." in said
