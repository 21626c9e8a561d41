"""Through Pilot: ``:`` in the GGUF view runs the file in the console (dequantised), and an
opened PEFT adapter runs on its base; both print what transformers / peft print, greedy."""

from __future__ import annotations

import pytest

from hfbrowse.core.gguf_model import GGUFTarget
from hfbrowse.core.hub.gateway import HubGateway
from hfbrowse.core.model_ref import ModelRef
from hfbrowse.ui.panes.console import ConsolePane
from hfbrowse.ui.screens.gguf import GGUFScreen
from tests.support.adapters import write_peft_lora
from tests.support.gguf_files import RUN_GGUF
from tests.support.ui import new_app, open_app, settle, wait_until
from tests.ui.test_console import pane_text, submit

pytestmark = pytest.mark.torch
PROMPT = "def main():"


def _greedy(model, tokenizer, n: int = 12) -> str:
    import torch

    inputs = tokenizer(PROMPT, return_tensors="pt")
    with torch.inference_mode():
        out = model.generate(**inputs, max_new_tokens=n, do_sample=False)
    return tokenizer.decode(out[0, inputs["input_ids"].shape[1] :], skip_special_tokens=True)


async def _run(pilot, pane: ConsolePane) -> None:
    await submit(pilot, "/set max_new_tokens=12")
    await submit(pilot, PROMPT)
    await wait_until(pilot, lambda: pane.last_result is not None and not pane.busy, timeout=120)
    await settle(pilot)


async def test_gguf_view_runs_the_file_in_the_console(run_gguf_folder):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    target = GGUFTarget(ModelRef("local", str(run_gguf_folder)), RUN_GGUF)
    app = new_app(gateway=HubGateway(offline=True), gguf=target)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, GGUFScreen))
        await wait_until(pilot, lambda: app.screen.derived is not None, timeout=60)
        await pilot.press("colon")
        await wait_until(pilot, lambda: not isinstance(app.screen, GGUFScreen))
        pane = app.screen.query_one(ConsolePane)
        assert pane.border_title.startswith(
            f"console — AutoModelForCausalLM · GGUF {RUN_GGUF} (dequantised)"
        )
        assert app.focused is app.screen.query_one("#console-input")
        await _run(pilot, pane)
        result = pane.last_result
        assert result.gguf_file == RUN_GGUF and result.dtype == "float32"
        folder = str(run_gguf_folder)
        model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=RUN_GGUF).eval()
        tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=RUN_GGUF)
        assert result.output.text == _greedy(model, tokenizer)
        shown = pane_text(app)
        assert "dequantised to float32 by transformers" in shown


async def test_an_opened_adapter_runs_on_its_base(fixtures, tmp_path):
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    base = fixtures["tiny-gpt2"]
    lora = write_peft_lora(tmp_path / "tiny-gpt2-lora", base, str(base))
    app = open_app(lora)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        pane = app.screen.query_one(ConsolePane)
        assert pane.border_title.startswith(
            "console — AutoModelForCausalLM · base + adapter (peft)"
        )
        await _run(pilot, pane)
        result = pane.last_result
        assert result.adapter == str(lora) and result.model_class == "PeftModelForCausalLM"
        model = PeftModel.from_pretrained(
            AutoModelForCausalLM.from_pretrained(str(base)), str(lora)
        ).eval()
        assert result.output.text == _greedy(model, AutoTokenizer.from_pretrained(str(base)))
        assert "LORA adapter tiny-gpt2-lora on its base tiny-gpt2 (peft" in pane_text(app)


async def test_gguf_run_option_runs_once_at_start(run_gguf_folder):
    """``hfbrowse FILE.gguf --run TEXT``: the GGUF view opens, then the console runs TEXT."""
    target = GGUFTarget(ModelRef("local", str(run_gguf_folder)), RUN_GGUF)
    app = new_app(gateway=HubGateway(offline=True), gguf=target, run_text=PROMPT)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(
            pilot,
            lambda: not isinstance(app.screen, GGUFScreen) and bool(app.screen.query(ConsolePane)),
            timeout=60,
        )
        pane = app.screen.query_one(ConsolePane)
        await wait_until(pilot, lambda: pane.last_result is not None and not pane.busy, timeout=120)
        assert pane.last_result.gguf_file == RUN_GGUF and pane.last_result.input == PROMPT


async def test_chat_mode_on_a_gguf_uses_the_template_in_its_metadata(run_gguf_folder):
    """A GGUF repo has no tokenizer_config.json: /chat knows the template from the file's
    metadata (tokenizer.chat_template) and the turn is rendered with it."""
    target = GGUFTarget(ModelRef("local", str(run_gguf_folder)), RUN_GGUF)
    app = new_app(gateway=HubGateway(offline=True), gguf=target)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, GGUFScreen))
        await wait_until(pilot, lambda: app.screen.derived is not None, timeout=60)
        await pilot.press("colon")
        await wait_until(pilot, lambda: not isinstance(app.screen, GGUFScreen))
        pane = app.screen.query_one(ConsolePane)
        assert pane.state.has_template is True
        await submit(pilot, "/chat")
        assert pane.state.chat.on
        await submit(pilot, "/set max_new_tokens=4")
        await submit(pilot, "hello there")
        await wait_until(pilot, lambda: pane.last_result is not None and not pane.busy, timeout=120)
        await settle(pilot)
        prompt = pane.state.chat.last_prompt or ""
        assert "<|im_start|>user\nhello there" in prompt
        assert prompt.rstrip().endswith("<|im_start|>assistant")
