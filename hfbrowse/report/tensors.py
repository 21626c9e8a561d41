"""Report section: the tensor table (safetensors headers, or the head on the meta device)."""

from __future__ import annotations

from hfbrowse.core.formatting import human_bytes, shape_text
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
        "rows": [
            {
                "name": r.name,
                "shape": list(r.shape),
                "dtype": r.dtype,
                "parameters": r.parameters,
                "bytes": r.nbytes,
                "file": r.file,
            }
            for r in table.rows
        ],
    }
    if checkpoint.notice:
        doc["tensors"]["notice"] = checkpoint.notice


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
        out.append(
            f"  {r['name']:<{width}}  {shape:<20} {r['dtype']:<6}"
            f" {r['parameters']:>14,}  {human_bytes(r['bytes']):>10}"
        )
    out.append("Totals:")
    for t in tensors["totals"]:
        out.append(
            f"  {t['dtype']:<6} {t['tensors']:>6} {_tensors(t['tensors'])}"
            f"  {t['parameters']:>16,} params  {human_bytes(t['bytes']):>10}"
        )
    out.append(
        f"  {'all':<6} {tensors['count']:>6} {_tensors(tensors['count'])}"
        f"  {tensors['parameters']:>16,} params  {human_bytes(tensors['bytes']):>10}"
    )
    return out


def _tensors(n: int) -> str:
    return "tensor " if n == 1 else "tensors"


SECTION = Section("tensors", build, text)
