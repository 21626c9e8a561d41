"""The facts of one model as a JSON-able document, and as readable text (``--json``/``--print``).

Both outputs are rendered from the same document, so they cannot disagree; the TUI draws the same
dataclasses. Scripts, screen readers and the tests use these.
"""

from __future__ import annotations

import json
from typing import Any

from hfbrowse.core.checkpoint.tensors import TensorTable
from hfbrowse.core.errors import HFBrowseError
from hfbrowse.core.formatting import human_bytes, human_count, shape_text
from hfbrowse.core.model import ModelFacts
from hfbrowse.core.source.classes import ClassSource


def build_report(
    facts: ModelFacts,
    tensors: TensorTable | HFBrowseError,
    head: str | None,
    source: ClassSource | HFBrowseError | None,
) -> dict[str, Any]:
    heads = facts.heads
    hub = facts.hub
    doc: dict[str, Any] = {
        "model": facts.ref.id,
        "kind": facts.ref.kind,
        "revision": (hub.sha if hub else None) or facts.ref.revision,
        "label": facts.ref.label,
        "offline": facts.offline,
        "model_type": heads.model_type,
        "architectures": list(heads.architectures),
        "recommended_head": heads.recommended,
        "recommended_reason": heads.reason,
        "supported_heads": [
            {"auto_class": o.auto_class, "class": o.class_name, "task": o.task}
            for o in heads.supported
        ],
        "other_auto_classes": list(heads.other_auto_classes),
        "remote_code": heads.remote_code,
        "hub": None
        if hub is None
        else {
            "pipeline_tag": hub.pipeline_tag,
            "auto_model": hub.auto_model,
            "library_name": hub.library_name,
            "gated": hub.gated,
            "downloads": hub.downloads,
            "likes": hub.likes,
        },
        "config": facts.config,
        "shown_head": head,
    }
    if isinstance(tensors, TensorTable):
        doc["parameters"] = tensors.parameters
        doc["tensors"] = {
            "source": tensors.source,
            "files": list(tensors.files),
            "count": len(tensors.rows),
            "parameters": tensors.parameters,
            "bytes": tensors.nbytes,
            "totals": [
                {
                    "dtype": t.dtype,
                    "tensors": t.tensors,
                    "parameters": t.parameters,
                    "bytes": t.nbytes,
                }
                for t in tensors.totals
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
                for r in tensors.rows
            ],
        }
    else:
        doc["parameters"] = hub.safetensors_total if hub else None
        doc["tensors"] = {"error": str(tensors)}
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
    return doc


def header_line(doc: dict[str, Any]) -> str:
    """``gpt2 · GPT2LMHeadModel · AutoModelForCausalLM · 124.4M params``"""
    parts = [
        doc.get("model_type") or "?",
        ", ".join(doc.get("architectures") or []) or "no architectures",
        doc.get("recommended_head") or "no text head",
        f"{human_count(doc.get('parameters'))} params",
    ]
    return " · ".join(parts)


def render_text(doc: dict[str, Any]) -> str:
    out = [f"{doc['model']}  ({doc['kind']}{', offline' if doc['offline'] else ''})"]
    out.append(header_line(doc))
    out.append("")
    out.append("Config (config.json as written):")
    for key, value in doc["config"].items():
        out.append(f"  {key}: {json.dumps(value, ensure_ascii=False)}")
    out.append("")
    out.append("Heads:")
    out.append(f"  recommended: {doc['recommended_head'] or 'none'} ({doc['recommended_reason']})")
    for head in doc["supported_heads"]:
        mark = "*" if head["auto_class"] == doc["recommended_head"] else " "
        out.append(f"  {mark} {head['auto_class']:<36} → {head['class']}")
    for other in doc["other_auto_classes"]:
        out.append(f"    (architecture served by {other}, not one of the seven text heads)")
    out.append("")
    tensors = doc["tensors"]
    if "error" in tensors:
        out.append(f"Tensors: {tensors['error']}")
    else:
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
                f"  {t['dtype']:<6} {t['tensors']:>6} tensors  {t['parameters']:>16,} params"
                f"  {human_bytes(t['bytes']):>10}"
            )
        out.append(
            f"  {'all':<6} {tensors['count']:>6} tensors  {tensors['parameters']:>16,} params"
            f"  {human_bytes(tensors['bytes']):>10}"
        )
    out.append("")
    source = doc["source"]
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
    from hfbrowse.report.analysis import render_analysis

    out += render_analysis(doc)
    from hfbrowse.report.reading import render_reading

    out += render_reading(doc)
    return "\n".join(out)
