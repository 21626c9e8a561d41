"""Code is drawn exactly as Rich's own Syntax draws it, lexed once per text (and per launch
only the first time: the tokens are remembered on disk)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console
from rich.syntax import Syntax

from hfbrowse.core.source import derived_cache
from hfbrowse.render.theme import SYNTAX_THEME, code

SOURCE = """class Block(nn.Module):
    def __init__(self, config):  # a comment
        super().__init__()
        self.ln = nn.LayerNorm(config.n_embd, eps=1e-5)
        self.name = "block\\t{}".format(1)

    def forward(self, x):
        return self.ln(x) @ x.T
"""


def drawn(renderable, width: int = 60) -> str:
    console = Console(width=width, color_system="truecolor", force_terminal=True)
    with console.capture() as capture:
        console.print(renderable)
    return capture.get()


def rich_syntax(text: str, **kwargs) -> Syntax:
    return Syntax(
        text, "python", theme=SYNTAX_THEME, background_color="default", dedent=False, **kwargs
    )


@pytest.fixture
def cache(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setattr(derived_cache, "cache_dir", lambda: tmp_path)
    return tmp_path


@pytest.mark.parametrize("width", [30, 60, 100])
def test_same_as_rich_first_time_and_from_the_disk(cache: Path, width: int) -> None:
    expected = drawn(rich_syntax(SOURCE, line_numbers=True, start_line=7), width)
    assert drawn(code(SOURCE, start_line=7), width) == expected
    assert list(cache.glob("tokens-*.json")), "the tokens were not remembered"
    assert drawn(code(SOURCE, start_line=7), width) == expected  # a new object: from the disk
    wrapped = drawn(rich_syntax(SOURCE, line_numbers=True, word_wrap=True), width)
    assert drawn(code(SOURCE, word_wrap=True), width) == wrapped


def test_lexed_once_per_object_and_never_when_remembered(cache: Path, monkeypatch) -> None:
    calls: list[str] = []
    real = Syntax.lexer.fget

    def counting(self):
        calls.append("lex")
        return real(self)

    monkeypatch.setattr(Syntax, "lexer", property(counting))
    shown = code(SOURCE)
    for width in (40, 50, 60):  # measure, draw, resize: one lexing
        drawn(shown, width)
    assert len(calls) == 1
    drawn(code(SOURCE), 40)
    assert len(calls) == 1  # another launch, same text: from the disk
    drawn(code(SOURCE.replace("1e-5", "1e-6")), 40)
    assert len(calls) == 2  # other text: lexed


def test_a_broken_cache_entry_is_lexed_again(cache: Path) -> None:
    expected = drawn(rich_syntax(SOURCE, line_numbers=True))
    drawn(code(SOURCE))
    for entry in cache.glob("tokens-*.json"):
        entry.write_text('{"files": [], "value": [[1]]}')
    assert drawn(code(SOURCE)) == expected
    for entry in cache.glob("tokens-*.json"):
        entry.write_text("not json")
    assert drawn(code(SOURCE)) == expected
