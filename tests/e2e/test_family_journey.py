"""The family in the real process on a real terminal (pty + pyte), at 120x40 and 80x24: a
finetune from the Hub double says what it derives from under its header; F lists the family,
D compares its config with the base's; enter opens the base, whose F lists what derives from
it; q quits with status 0 — and no weight byte was served."""

from __future__ import annotations

import time

import pytest

from tests.support.e2e import app_env, hfbrowse_command
from tests.support.family import BASE, FINETUNE, QUANTIZED, family_hub
from tests.support.terminal import Terminal

START_S = 60.0
STEP_S = 30.0
SIZES = {"120x40": (120, 40), "80x24": (80, 24)}


@pytest.fixture(scope="module")
def fam_hub(fixtures, tmp_path_factory):
    with family_hub(fixtures, tmp_path_factory.mktemp("family-e2e")) as hub:
        yield hub


def _escape(term: Terminal) -> None:
    """escape, then a pause: a key right after it would read as alt+key."""
    term.press("escape")
    time.sleep(0.4)


@pytest.mark.parametrize("size", list(SIZES))
def test_family_journey(fam_hub, tmp_path, size):
    env = app_env(tmp_path / "home", offline=False, endpoint=fam_hub.url)
    with Terminal([*hfbrowse_command(), FINETUNE], size=SIZES[size], env=env) as term:
        term.wait_for_text(f"finetune of {BASE}", timeout=START_S)
        term.press("F")
        term.wait_for_text("esc closes", f"finetune of  {BASE}", timeout=STEP_S)
        term.press("D")
        term.wait_for_text("n_positions: 256 → 128", '- finetuned_for: "chat"', timeout=STEP_S)
        _escape(term)
        term.press("F")
        term.wait_for_text("esc closes", timeout=STEP_S)
        term.press("enter")
        term.wait_for_text("7 derived", timeout=STEP_S)
        term.press("F")
        term.wait_for_text(QUANTIZED[0], timeout=STEP_S)
        _escape(term)
        term.press("q")
        assert term.wait_exit(timeout=5) == 0
        assert "Traceback" not in term.transcript(), term.describe("a traceback was printed")
    assert fam_hub.weight_bytes_sent() == 0
