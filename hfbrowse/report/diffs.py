"""Report section: head diff (``--diff-head H`` / ``--diff-model M``) and config diff
(``--diff-config M``). Asked for and failed: the error stands in the section and the exit
status is non-zero."""

from __future__ import annotations

from typing import Any

from hfbrowse.core.config.diff import ConfigDiff, diff_configs, render_diff_lines
from hfbrowse.core.errors import HFBrowseError, as_user_error
from hfbrowse.core.heads.registry import ALIAS_EXAMPLES, normalise_head
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
from hfbrowse.report.context import Document, ReportContext, Section
from hfbrowse.report.remote_code import method_doc

PRINT_CONTEXT = 3


def build(ctx: ReportContext, doc: Document) -> None:
    options, facts = ctx.options, ctx.facts
    if options.diff_head or options.diff_model:
        try:
            diff = _head_diff(facts, ctx.head, options.diff_head, options.diff_model, ctx.gateway)
            doc["head_diff"] = head_diff_doc(diff)
        except Exception as exc:
            error = str(as_user_error(exc))
            doc["head_diff"] = {"error": error}
            ctx.errors.append(error)
    if options.diff_config:
        try:
            other = load_facts(parse_model_arg(options.diff_config), ctx.gateway)
            diff = diff_configs(facts.config, other.config, facts.ref.display, other.ref.display)
            doc["config_diff"] = config_diff_doc(diff)
        except Exception as exc:
            error = str(as_user_error(exc))
            doc["config_diff"] = {"error": error}
            ctx.errors.append(error)


def _head_diff(
    facts: ModelFacts,
    shown: str | None,
    diff_head: str | None,
    diff_model: str | None,
    gateway: HubGateway,
) -> HeadDiff:
    wanted = normalise_head(diff_head) if diff_head else None
    if diff_head and wanted is None:
        raise HFBrowseError(f"unknown head {diff_head!r}; try {ALIAS_EXAMPLES}")
    other = load_facts(parse_model_arg(diff_model), gateway) if diff_model else facts
    right = wanted or head_for_other(other, shown)
    if wanted and other.heads.option(wanted) is None and not other.heads.remote_code:
        raise HFBrowseError(f"{wanted} does not support model_type {other.model_type!r}")
    return compare(facts, shown, other, right, gateway, PRINT_CONTEXT)


def _side(side: DiffSide) -> dict[str, Any]:
    return {"model": side.model, "head": side.head, "class": side.class_name,
            "file": side.file, "remote": side.remote}  # fmt: skip


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
                "left": method_doc(m.left),
                "right": method_doc(m.right),
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


def text(doc: Document) -> list[str]:
    out: list[str] = []
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


SECTION = Section("diffs", build, text)
