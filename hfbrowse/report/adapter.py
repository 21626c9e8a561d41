"""Report section: a PEFT adapter — its config, the base modules it touches, parameters added.

``"adapter": null`` for a model that is no adapter. The base is opened headers-first (see
``core/adapter_report.py``); a base that cannot be read is said in ``base_error`` and does not
fail the report: the adapter's own facts stand.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from hfbrowse.core.adapter_report import adapter_lines, inspect_adapter
from hfbrowse.core.adapters import run_note
from hfbrowse.core.untrusted import printable
from hfbrowse.report.context import Document, ReportContext, Section

if TYPE_CHECKING:
    from hfbrowse.core.source.init_lines import InitLine


def build(ctx: ReportContext, doc: Document) -> None:
    if ctx.facts.adapter is None:
        doc["adapter"] = None
        return
    report = inspect_adapter(ctx.facts, ctx.checkpoint.table, ctx.gateway)
    c, match = report.config, report.match
    doc["adapter"] = {
        "method": c.method,
        "task_type": c.task_type,
        "rank": c.rank,
        "lora_alpha": c.alpha,
        "dropout": c.dropout,
        "target_modules": list(c.target_modules),
        "modules_to_save": list(c.modules_to_save),
        "base_model": c.base_model,
        "base_parameters": report.base_parameters,
        "base_parameters_source": report.base_source,
        "base_error": report.base_error,
        "added_parameters": report.added_parameters,
        "added_percent": report.added_percent,
        "touched_modules": None
        if match is None
        else [
            {
                "module": t.module,
                "tensors": list(t.tensors),
                "parameters": t.parameters,
                "init_line": _init_line_doc(report.init_lines.get(t.module)),
            }
            for t in match.touched
        ],
        "unmatched_modules": None if match is None else list(match.unmatched),
        "lines": adapter_lines(report),
        "run": run_note(),
    }


def _init_line_doc(found: InitLine | None) -> dict | None:
    """The touched module's ``__init__`` line, in the keys ``init_lines`` uses (null: not found)."""
    if found is None:
        return None
    return {
        "class": found.class_name,
        "file": Path(found.file).name,
        "line": found.line,
        "text": printable(found.text),
        "exact": found.exact,
    }


def text(doc: Document) -> list[str]:
    adapter = doc.get("adapter")
    if adapter is None:
        return []
    if "error" in adapter:
        return ["", f"Adapter: {adapter['error']}"]
    lines = [*adapter["lines"], adapter["run"]]
    return ["", "Adapter (PEFT):", *(f"  {line}" for line in lines)]


SECTION = Section("adapter", build, text)
