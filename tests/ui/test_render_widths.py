"""Renderables drawn at the widths the panes have: the source title never wraps inside
``file:line``, and the side-by-side diff wraps code under its own indentation."""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console
from rich.text import Text

from hfbrowse.core.source.classes import ClassSource
from hfbrowse.render.diff import HangingCode, render_side_by_side
from hfbrowse.render.source import source_title


def lines_of(renderable, width: int) -> list[str]:
    buffer = io.StringIO()
    Console(file=buffer, width=width, color_system=None).print(renderable)
    return buffer.getvalue().rstrip("\n").split("\n")


def _source(path: str, line: int) -> ClassSource:
    from hfbrowse.core.source.classes import transformers_root

    return ClassSource("DistilBertForQuestionAnswering", str(transformers_root() / path), line, ())


@pytest.mark.parametrize("width", [33, 36, 46, 80])
def test_the_source_title_never_breaks_file_and_line(width):
    source = _source("models/distilbert/modeling_distilbert.py", 521)
    lines = lines_of(source_title("AutoModelForQuestionAnswering", source, 6), width)
    assert all(len(line) <= width for line in lines)
    located = [line for line in lines if ".py" in line]
    assert len(located) == 1 and "modeling_distilbert.py:521" in located[0]
    assert any("h: next of 6 heads" in line for line in lines)
    assert any("DistilBertForQuestionAnswering" in line for line in lines)
    if width >= 80:  # room for everything: two lines, the path in full
        assert "models/distilbert/modeling_distilbert.py:521" in located[0] and len(lines) == 2


def test_wrapped_code_hangs_under_its_indentation():
    code = Text("        self.qa_outputs = nn.Linear(config.dim, config.num_labels)")
    lines = lines_of(HangingCode(code), 30)
    assert lines[0] == "        self.qa_outputs = nn.Li"[:30]
    assert len(lines) > 1 and all(line.startswith(" " * 10) for line in lines[1:])
    pieces = [lines[0]] + [line[10:] for line in lines[1:]]  # the hang taken off
    assert "".join(pieces) == code.plain


def test_side_by_side_keeps_the_line_numbers_in_their_own_column(fixtures):
    from hfbrowse.core.hub.gateway import HubGateway
    from hfbrowse.core.model import load_facts
    from hfbrowse.core.model_ref import ModelRef
    from hfbrowse.core.source.head_diff import compare

    facts = load_facts(ModelRef("local", str(fixtures["tiny-distilbert-sst"])), HubGateway())
    diff = compare(
        facts, "AutoModelForSequenceClassification", facts, "AutoModelForQuestionAnswering",
        HubGateway(offline=True), 3,
    )  # fmt: skip
    lines = lines_of(render_side_by_side(diff), 80)
    rows = [
        line
        for line in lines
        if line.strip()
        and not line.startswith("def ")
        and not re.match(r"^\s+[-+] \w", line)
        and "⋯" not in line
        and "(no difference)" not in line
    ]
    assert len(rows) > 10
    wrapped = [line for line in rows if not line[:6].strip()]
    assert wrapped  # at 80 columns some code lines wrap …
    for line in rows:  # … and the number column holds only numbers, never wrapped code
        assert re.fullmatch(r"\s*\d*\s*", line[:6]), line
