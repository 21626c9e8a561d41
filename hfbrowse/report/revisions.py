"""Report section: the repo's revisions (``--revisions``) and a diff with another revision
(``--diff-revision REV``: config.json and the tensor table, from headers only).

Both are asked for, not always there: listing refs and commits costs two more Hub requests,
and a local folder has no revisions. Asked for and failed: the error stands in the section and
the exit status is non-zero.
"""

from __future__ import annotations

from hfbrowse.core.config.diff import render_diff_lines
from hfbrowse.core.errors import as_user_error
from hfbrowse.core.hub.revisions import list_revisions
from hfbrowse.core.revision_diff import diff_revision, tensor_diff_lines
from hfbrowse.report.context import Document, ReportContext, Section
from hfbrowse.report.diffs import config_diff_doc


def build(ctx: ReportContext, doc: Document) -> None:
    if ctx.options.revisions:
        try:
            revs = list_revisions(ctx.facts.ref, ctx.gateway)
            doc["revisions"] = {
                "refs": [{"name": r.name, "kind": r.kind, "commit": r.commit} for r in revs.refs],
                "commits": [
                    {
                        "commit": c.commit,
                        "title": c.title,
                        "date": c.date,
                        "authors": list(c.authors),
                    }
                    for c in revs.commits
                ],
                "skipped": revs.skipped,
            }
        except Exception as exc:
            error = str(as_user_error(exc))
            doc["revisions"] = {"error": error}
            ctx.errors.append(error)
    if ctx.options.diff_revision:
        try:
            diff = diff_revision(ctx.facts, ctx.checkpoint, ctx.options.diff_revision, ctx.gateway)
            t = diff.tensors
            doc["revision_diff"] = {
                "left": diff.left,
                "right": diff.right,
                "config": config_diff_doc(diff.config),
                "tensors": None
                if t is None
                else {
                    "added": t.count("added"),
                    "removed": t.count("removed"),
                    "reshaped": t.count("reshaped"),
                    "retyped": t.count("retyped"),
                    "same": t.same,
                    "changes": [
                        {
                            "name": c.name,
                            "change": c.change,
                            "reshaped": c.reshaped,
                            "retyped": c.retyped,
                            "left": None
                            if c.left is None
                            else {"shape": list(c.left.shape), "dtype": c.left.dtype},
                            "right": None
                            if c.right is None
                            else {"shape": list(c.right.shape), "dtype": c.right.dtype},
                        }
                        for c in t.changes
                    ],
                },
                "tensors_error": diff.tensors_error,
                "lines": [
                    *(render_diff_lines(diff.config) or ["  config.json identical"]),
                    *tensor_diff_lines(diff),
                ],
            }
        except Exception as exc:
            error = str(as_user_error(exc))
            doc["revision_diff"] = {"error": error}
            ctx.errors.append(error)


def text(doc: Document) -> list[str]:
    out: list[str] = []
    if (revs := doc.get("revisions")) is not None:
        out.append("")
        if "error" in revs:
            out.append(f"Revisions: {revs['error']}")
        else:
            out.append("Revisions:")
            for r in revs["refs"]:
                out.append(f"  {r['kind']:<7} {r['name']:<24} {r['commit'][:8]}")
            for c in revs["commits"]:
                out.append(f"  commit  {c['commit'][:8]}  {c['date'][:10]}  {c['title']}")
            if revs["skipped"]:
                out.append(f"  ({revs['skipped']} with unsafe names or no commit sha left out)")
    if (diff := doc.get("revision_diff")) is not None:
        out.append("")
        if "error" in diff:
            out.append(f"Revision diff: {diff['error']}")
        else:
            out.append(f"Revision diff: - {diff['left']}  + {diff['right']}")
            out += diff["lines"]
    return out


SECTION = Section("revisions", build, text)
