"""Report section: the tensor table (safetensors headers, or the head on the meta device)."""

from __future__ import annotations

from typing import Any

from hfbrowse.core.checkpoint.tensors import TensorRow
from hfbrowse.core.formatting import grouped, human_bytes, shape_text
from hfbrowse.report.context import Document, ReportContext, Section


def build(ctx: ReportContext, doc: Document) -> None:
    checkpoint = ctx.checkpoint
    table = checkpoint.table
    if table is None:
        doc["tensors"] = {"error": str(checkpoint.error or "no tensor table")}
        return
    doc["tensors"] = {
        "source": table.source,
        "files": list(table.files),
        "count": len(table.rows),
        "parameters": table.parameters,
        "bytes": table.nbytes,
        "totals": [
            {"dtype": t.dtype, "tensors": t.tensors, "parameters": t.parameters, "bytes": t.nbytes}
            for t in table.totals
        ],
        "rows": [_row(r) for r in table.rows],
        "flagged": len(table.flagged),
    }
    if checkpoint.notice:
        doc["tensors"]["notice"] = checkpoint.notice


def _row(r: TensorRow) -> dict[str, Any]:
    row = {
        "name": r.name,
        "shape": list(r.shape),
        "dtype": r.dtype,
        "parameters": r.parameters,
        "bytes": r.nbytes,
        "file": r.file,
    }
    if r.problem is not None:  # schema 1.2: only on rows whose header entry does not add up
        row["problem"] = r.problem
    return row


def text(doc: Document) -> list[str]:
    tensors = doc["tensors"]
    out = [""]
    if "error" in tensors:
        out.append(f"Tensors: {tensors['error']}")
        return out
    if tensors.get("notice"):
        out.append(tensors["notice"])
    out.append(f"Tensors ({tensors['count']}, {tensors['source']}):")
    width = max((len(r["name"]) for r in tensors["rows"]), default=4)
    for r in tensors["rows"]:
        shape = shape_text(tuple(r["shape"]))
        flag = f"  ⚠ {r['problem']}" if r.get("problem") else ""
        out.append(
            f"  {r['name']:<{width}}  {shape:<20} {r['dtype']:<6}"
            f" {grouped(r['parameters']):>14}  {human_bytes(r['bytes']):>10}{flag}"
        )
    if tensors.get("flagged"):
        out.append(
            f"⚠ {tensors['flagged']:,} of {tensors['count']:,} tensors: the header's shape and"
            " byte range disagree, or ranges overlap (counted as the header claims)."
        )
    out.append("Totals:")
    for t in tensors["totals"]:
        out.append(
            f"  {t['dtype']:<6} {t['tensors']:>6} {_tensors(t['tensors'])}"
            f"  {grouped(t['parameters']):>16} params  {human_bytes(t['bytes']):>10}"
        )
    out.append(
        f"  {'all':<6} {tensors['count']:>6} {_tensors(tensors['count'])}"
        f"  {grouped(tensors['parameters']):>16} params  {human_bytes(tensors['bytes']):>10}"
    )
    return out


def _tensors(n: int) -> str:
    return "tensor " if n == 1 else "tensors"


SECTION = Section("tensors", build, text)
