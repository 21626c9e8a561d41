"""Report section (``--explain-config``): each config.json key with its docs, type and default
from the config class, non-defaults and unknown keys marked."""

from __future__ import annotations

import json
from typing import Any

from hfbrowse.core.config.explain import explain_model_config
from hfbrowse.core.config.keys import ConfigExplanation
from hfbrowse.report.context import Document, ReportContext, Section


def build(ctx: ReportContext, doc: Document) -> None:
    if not ctx.options.explain_config:
        return
    facts = ctx.facts
    siblings = facts.hub.siblings if facts.hub else ()
    explanation = explain_model_config(facts.ref, facts.config, ctx.gateway, siblings)
    doc["config_explained"] = explanation_doc(explanation, facts.config)


def explanation_doc(e: ConfigExplanation, config: dict[str, Any]) -> dict[str, Any]:
    return {
        "config_class": e.config_class,
        "file": e.file,
        "remote": e.remote,
        "message": e.message,
        "non_default": list(e.non_default),
        "unknown": list(e.unknown),
        "keys": [
            {
                "key": k.key,
                "value": config.get(k.key),
                "status": k.status,
                "type": k.field.type if k.field else None,
                "default": k.field.default if k.field else None,
                "differs": k.differs,
                "description": k.description,
                "doc_source": k.field.doc_source if k.field else None,
                "note": k.note,
            }
            for k in e.keys
        ],
    }


def text(doc: Document) -> list[str]:
    if "config_explained" not in doc:
        return []
    explained = doc["config_explained"]
    if "error" in explained:
        return ["", f"Config keys: {explained['error']}"]
    return ["", *_explained_text(explained)]


def _explained_text(e: dict[str, Any]) -> list[str]:
    if e["config_class"] is None:
        return [f"Config keys: {e['message']}"]
    where = "the repo's own code, read as text" if e["remote"] else e["file"]
    out = [f"Config keys explained by {e['config_class']} ({where}):"]
    for k in e["keys"]:
        value = json.dumps(k["value"], ensure_ascii=False)
        value = value if len(value) <= 60 else value[:59] + "…"
        facts = [f for f in (k["type"], f"default {k['default']}" if k["default"] else "") if f]
        if k["differs"]:
            facts.append("≠ default")
        if k["status"] not in ("field", "base"):
            facts.append(k["status"])
        out.append(f"  {k['key']}: {value}" + (f"  [{', '.join(facts)}]" if facts else ""))
        for text in (k["note"], k["description"]):
            if text:
                out += [f"      {line}" for line in text.splitlines()]
    return out


SECTION = Section("config_explained", build, text)
