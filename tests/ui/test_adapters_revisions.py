"""Pilot: the adapter view (a), opening the base (b)."""

from __future__ import annotations

from tests.support.adapters import write_lora
from tests.support.ui import open_app, settle, text_of, wait_until


async def test_adapter_view_and_base(tmp_path, fixtures, clean_cache):
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
