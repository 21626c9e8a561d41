"""Report section: a repo's own code (``auto_map``), fetched and shown as text — never run.

Present for every model whose config.json has ``auto_map``, whatever was asked for.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hfbrowse.core.source.remote_code import RemoteCode, load_remote_code
from hfbrowse.report.context import Document, ReportContext, Section


def build(ctx: ReportContext, doc: Document) -> None:
    facts = ctx.facts
    if not facts.heads.remote_code:
        return  # "remote_code" stays the facts section's False
    siblings = facts.hub.siblings if facts.hub else ()
    remote = load_remote_code(facts.ref, facts.config, ctx.gateway, siblings)
    doc["remote_code"] = remote_doc(remote) if remote else None


def method_doc(m: Any) -> dict[str, Any] | None:
    if m is None:
        return None
    return {"defining_class": m.defining_class, "file": Path(m.file).name,
            "start_line": m.start_line, "end_line": m.end_line}  # fmt: skip


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
                    {**method_doc(m), "name": m.name, "text": m.text} for m in c.source.methods
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


def text(doc: Document) -> list[str]:
    remote = doc.get("remote_code")
    if not isinstance(remote, dict):
        return []
    if "error" in remote:
        return ["", f"Remote code: {remote['error']}"]
    return ["", *_remote_text(remote)]


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


SECTION = Section("remote_code", build, text)
