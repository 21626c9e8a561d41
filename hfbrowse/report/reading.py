"""Head diffs, config diffs, config keys explained and remote code in ``--print`` / ``--json``.

``add_reading`` adds sections to the report document (the same dataclasses the TUI draws);
``render_reading`` turns them into text. Flags: ``--diff-head H`` (the shown head against head H),
``--diff-model M`` (against the same head of model M), ``--diff-config M``, ``--explain-config``.
A repo with ``auto_map`` always gets its ``remote_code`` section: its files as text, never run.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from hfbrowse.core.config.diff import ConfigDiff, diff_configs, render_diff_lines
from hfbrowse.core.config.keys import ConfigExplanation
from hfbrowse.core.errors import HFBrowseError
from hfbrowse.core.hub.gateway import HubGateway
from hfbrowse.core.model import ModelFacts, load_facts
from hfbrowse.core.model_ref import parse_model_arg
from hfbrowse.core.source.head_diff import (
    DiffSide,
    HeadDiff,
    compare,
    head_for_other,
    method_summary,
)
from hfbrowse.core.source.remote_code import RemoteCode, explain_model_config, load_remote_code

PRINT_CONTEXT = 3


def add_reading(
    doc: dict[str, Any],
    facts: ModelFacts,
    shown: str | None,
    gateway: HubGateway,
    args: argparse.Namespace,
) -> list[str]:
    """Add the requested sections to ``doc``; returns one-line errors (the CLI exits ≠ 0)."""
    errors: list[str] = []
    if facts.heads.remote_code:
        siblings = facts.hub.siblings if facts.hub else ()
        remote = load_remote_code(facts.ref, facts.config, gateway, siblings)
        doc["remote_code"] = remote_doc(remote) if remote else None
    if getattr(args, "explain_config", False):
        siblings = facts.hub.siblings if facts.hub else ()
        explanation = explain_model_config(facts.ref, facts.config, gateway, siblings)
        doc["config_explained"] = explanation_doc(explanation, facts.config)
    diff_head, diff_model = getattr(args, "diff_head", None), getattr(args, "diff_model", None)
    if diff_head or diff_model:
        try:
            doc["head_diff"] = head_diff_doc(
                _head_diff(facts, shown, diff_head, diff_model, gateway)
            )
        except HFBrowseError as exc:
            doc["head_diff"] = {"error": str(exc)}
            errors.append(str(exc))
    if getattr(args, "diff_config", None):
        try:
            other = load_facts(parse_model_arg(args.diff_config), gateway)
            diff = diff_configs(facts.config, other.config, facts.ref.display, other.ref.display)
            doc["config_diff"] = config_diff_doc(diff)
        except HFBrowseError as exc:
            doc["config_diff"] = {"error": str(exc)}
            errors.append(str(exc))
    return errors


def _head_diff(
    facts: ModelFacts,
    shown: str | None,
    diff_head: str | None,
    diff_model: str | None,
    gateway: HubGateway,
) -> HeadDiff:
    from hfbrowse.core.heads.registry import ALIAS_EXAMPLES, normalise_head

    wanted = normalise_head(diff_head) if diff_head else None
    if diff_head and wanted is None:
        raise HFBrowseError(f"unknown head {diff_head!r}; try {ALIAS_EXAMPLES}")
    other = load_facts(parse_model_arg(diff_model), gateway) if diff_model else facts
    right = wanted or head_for_other(other, shown)
    if wanted and other.heads.option(wanted) is None and not other.heads.remote_code:
        raise HFBrowseError(f"{wanted} does not support model_type {other.model_type!r}")
    return compare(facts, shown, other, right, gateway, PRINT_CONTEXT)


# -- documents -------------------------------------------------------------------------------
def _side(side: DiffSide) -> dict[str, Any]:
    return {"model": side.model, "head": side.head, "class": side.class_name,
            "file": side.file, "remote": side.remote}  # fmt: skip


def _method(m: Any) -> dict[str, Any] | None:
    if m is None:
        return None
    return {"defining_class": m.defining_class, "file": Path(m.file).name,
            "start_line": m.start_line, "end_line": m.end_line}  # fmt: skip


def head_diff_doc(diff: HeadDiff) -> dict[str, Any]:
    return {
        "left": _side(diff.left),
        "right": _side(diff.right),
        "added": diff.added,
        "removed": diff.removed,
        "context": diff.context,
        "methods": [
            {
                "name": m.name,
                "summary": method_summary(m),
                "added": m.added,
                "removed": m.removed,
                "left": _method(m.left),
                "right": _method(m.right),
                "hunks": [
                    {
                        "header": h.header,
                        "lines": [
                            {
                                "kind": ln.kind,
                                "text": ln.text,
                                "left_no": ln.left_no,
                                "right_no": ln.right_no,
                            }
                            for ln in h.lines
                        ],
                    }
                    for h in m.hunks
                ],
            }
            for m in diff.methods
        ],
        "unified": diff.unified_text(),
    }


def config_diff_doc(diff: ConfigDiff) -> dict[str, Any]:
    return {
        "left": diff.left_label,
        "right": diff.right_label,
        "identical": diff.identical,
        "changed": diff.count("changed"),
        "added": diff.count("added"),
        "removed": diff.count("removed"),
        "changes": [
            {"path": n.path, "change": n.change, "left": n.left, "right": n.right}
            for n in diff.flat()
            if n.change != "same" and not n.children
        ],
        "lines": render_diff_lines(diff),
    }


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


def remote_doc(remote: RemoteCode) -> dict[str, Any]:
    return {
        "banner": remote.banner,
        "classes": [
            {
                "auto_class": c.entry.auto_class,
                "reference": c.entry.reference,
                "class": c.entry.class_name,
                "repo": c.entry.repo,
                "file": c.file,
                "line": c.line,
                "methods": [
                    {**_method(m), "name": m.name, "text": m.text} for m in c.source.methods
                ],
                "missing": list(c.source.missing),
            }
            for c in remote.classes
        ],
        "files": [
            {"name": f.name, "repo": f.repo, "lines": f.lines, "error": f.error, "text": f.text}
            for f in remote.files
        ],
    }


# -- text ------------------------------------------------------------------------------------
def render_reading(doc: dict[str, Any]) -> list[str]:
    out: list[str] = []
    if doc.get("remote_code"):
        out += ["", *_remote_text(doc["remote_code"])]
    if "config_explained" in doc:
        out += ["", *_explained_text(doc["config_explained"])]
    if "head_diff" in doc:
        diff = doc["head_diff"]
        out.append("")
        if "error" in diff:
            out.append(f"Head diff: {diff['error']}")
        else:
            out.append(f"Head diff (+{diff['added']} −{diff['removed']} lines):")
            out += diff["unified"].splitlines()
    if "config_diff" in doc:
        diff = doc["config_diff"]
        out.append("")
        if "error" in diff:
            out.append(f"Config diff: {diff['error']}")
        else:
            out.append(
                f"Config diff: - {diff['left']}  + {diff['right']}  (~{diff['changed']} changed,"
                f" +{diff['added']} added, -{diff['removed']} removed)"
            )
            out += diff["lines"] if not diff["identical"] else ["  identical"]
    return out


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


def _remote_text(r: dict[str, Any]) -> list[str]:
    out = [f"*** {r['banner']} ***"]
    for c in r["classes"]:
        where = f"{c['file']}:{c['line']}" if c["file"] else "not found"
        out.append(f"  {c['auto_class']} → {c['class']} ({where})")
        for m in c["methods"]:
            owner = "" if m["defining_class"] == c["class"] else f" (from {m['defining_class']})"
            out.append(
                f"    {m['name']}: {m['file']} lines {m['start_line']}–{m['end_line']}{owner}"
            )
    for f in r["files"]:
        if f["error"]:
            out.append(f"--- {f['name']}: {f['error']}")
            continue
        out.append(f"--- {f['name']} ({f['lines']} lines, {f['repo']}) ---")
        out += [f"{i:>5}  {line}" for i, line in enumerate(f["text"].splitlines(), 1)]
    return out
