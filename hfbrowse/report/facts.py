"""Report section: what the model is — its reference, config.json, heads and header line."""

from __future__ import annotations

import json

from hfbrowse.render.header import HeaderFacts, header_line
from hfbrowse.report.context import Document, ReportContext, Section


def build(ctx: ReportContext, doc: Document) -> None:
    facts = ctx.facts
    heads, hub = facts.heads, facts.hub
    parameters = ctx.checkpoint.parameters
    doc.update(
        {
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
            "shown_head": ctx.head,
            "parameters": parameters,
            "header_line": header_line(HeaderFacts.of(facts, parameters)).plain,
        }
    )


def text(doc: Document) -> list[str]:
    out = [f"{doc['model']}  ({doc['kind']}{', offline' if doc['offline'] else ''})"]
    out.append(doc["header_line"])
    out.append("")
    out.append("Config (config.json as written):")
    for key, value in doc["config"].items():
        out.append(f"  {key}: {json.dumps(value, ensure_ascii=False)}")
    out.append("")
    out.append("Heads:")
    out.append(f"  recommended: {doc['recommended_head'] or 'none'} ({doc['recommended_reason']})")
    if doc["shown_head"] and doc["shown_head"] != doc["recommended_head"]:
        out.append(f"  shown: {doc['shown_head']}")
    for head in doc["supported_heads"]:
        mark = "*" if head["auto_class"] == doc["shown_head"] else " "
        out.append(f"  {mark} {head['auto_class']:<36} → {head['class']}")
    for other in doc["other_auto_classes"]:
        out.append(f"    (architecture served by {other}, not one of the seven text heads)")
    return out


SECTION = Section("facts", build, text)
