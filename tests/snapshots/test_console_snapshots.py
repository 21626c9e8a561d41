"""Snapshots of each head's console output at 120x40 (timings hidden, greedy, seeded fixtures).

The console is zoomed (what `z` does), so the snapshots show its output, not the other panes.
"""

from __future__ import annotations

import pytest

from hfbrowse.core.model_ref import ModelRef
from hfbrowse.ui.panes.console import ConsolePane
from tests.support.ui import new_app, settle

RUNS = {
    "causal": ("tiny-gpt2", ["/set max_new_tokens=20", "Hello world"]),
    "fill_mask": ("tiny-bert-mlm", ["the cat sat on the [MASK] ."]),
    "seq2seq": ("tiny-t5", ["/set max_new_tokens=12", "translate English to German: hello"]),
    "qa": ("tiny-bert-qa", ["Who wrote it? ||| Ada Lovelace wrote the first program in 1843."]),
    "token_classes": ("tiny-bert-ner", ["Ada Lovelace lived in London with Charles Babbage."]),
    "sequence_classes": ("tiny-distilbert-sst", ["What a wonderful film!"]),
    "features": ("tiny-bert-base", ["A man is eating food. ||| A man is eating bread."]),
}


async def _settle(pilot) -> None:
    await settle(pilot, rounds=2, idle=0.3)


@pytest.mark.parametrize("case", sorted(RUNS))
def test_head_output(snap_compare, fixtures, clean_cache, case):
    name, lines = RUNS[case]
    ref = ModelRef("local", str(fixtures[name]))

    async def run_before(pilot) -> None:
        await _settle(pilot)
        pane = pilot.app.screen.query_one(ConsolePane)
        pane.show_timings = False  # the one non-deterministic line
        await pilot.press("colon")
        box = pilot.app.screen.query_one("#console-input")
        box.cursor_blink = False
        for line in lines:
            box.value = line
            await pilot.press("enter")
            await _settle(pilot)
        assert pane.last_result is not None
        pilot.app.screen.maximize(pane, container=False)
        await pilot.pause()

    app = new_app(models=[ref], start=ref)
    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)
