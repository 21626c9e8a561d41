"""Report section: where ``__init__``/``forward`` of the shown head's class are written."""

from __future__ import annotations

from hfbrowse.core.errors import HFBrowseError
from hfbrowse.core.source.classes import ClassSource
from hfbrowse.report.context import Document, ReportContext, Section


def build(ctx: ReportContext, doc: Document) -> None:
    source = ctx.source
    if isinstance(source, ClassSource):
        doc["source"] = {
            "class": source.class_name,
            "file": source.relative_file,
            "line": source.line,
            "methods": [
                {
                    "name": m.name,
                    "defining_class": m.defining_class,
                    "file": m.file,
                    "start_line": m.start_line,
                    "end_line": m.end_line,
                }
                for m in source.methods
            ],
        }
    elif isinstance(source, HFBrowseError):
        doc["source"] = {"error": str(source)}
    else:
        doc["source"] = None


def text(doc: Document) -> list[str]:
    source = doc["source"]
    out = [""]
    if source is None:
        out.append("Source: no head to show")
    elif "error" in source:
        out.append(f"Source: {source['error']}")
    else:
        out.append(f"Source of {doc['shown_head']} → {source['class']} ({source['file']}):")
        for m in source["methods"]:
            owner = (
                "" if m["defining_class"] == source["class"] else f" (from {m['defining_class']})"
            )
            out.append(f"  {m['name']}: lines {m['start_line']}–{m['end_line']}{owner}")
    return out


SECTION = Section("source", build, text)
