"""Report section: the model's family — base model(s), relation, how many models derive from it,
and (with ``--family``) those models by relation, most downloaded first.

The family itself costs no request (the opening ``model_info`` carries it, or the card does);
listing the children costs one request per relation, so it is asked for: the default document
keeps the opening's request budget.
"""

from __future__ import annotations

from hfbrowse.core.errors import as_user_error
from hfbrowse.core.hub.family import RELATION_PLURAL, Family, load_family, with_children
from hfbrowse.report.context import Document, ReportContext, Section


def family_doc(family: Family) -> Document:
    """The JSON of a family (``--json``'s ``family``)."""
    return {
        "relation": family.relation,
        "bases": [b.id for b in family.bases],
        "children_count": family.children_count,
        "source": family.source,
        "summary": family.summary(),
        "notes": list(family.notes),
        "children": None
        if family.children is None
        else {
            c.relation: {
                "models": [
                    {"id": m.id, "downloads": m.downloads, "likes": m.likes} for m in c.models
                ],
                "limit": c.limit,
                "more": c.more,
                "skipped": c.skipped,
                "error": c.error,
            }
            for c in family.children
        },
    }


def build(ctx: ReportContext, doc: Document) -> None:
    family = load_family(ctx.facts, ctx.gateway)
    if ctx.options.family:
        try:
            family = with_children(family, ctx.gateway, ctx.facts.ref, ctx.options.family_limit)
        except Exception as exc:  # asked for and failed: said, and the exit status says so
            error = str(as_user_error(exc))
            ctx.errors.append(error)
            doc["family"] = {**family_doc(family), "children": {"error": error}}
            return
        errors = [c.error for c in family.children or () if c.error]
        if errors:
            ctx.errors.append(errors[0])
    doc["family"] = family_doc(family)


SOURCES = {
    "hub": "the Hub's model tree",
    "card": "the card's base_model",
    "adapter_config": "adapter_config.json",
    "none": "",
}


def text(doc: Document) -> list[str]:
    fam = doc.get("family")
    if not isinstance(fam, dict):
        return []
    if "error" in fam and "relation" not in fam:
        return ["", f"Family: {fam['error']}"]
    out = ["", "Family:"]
    source = SOURCES.get(fam.get("source") or "none", "")
    if fam["bases"]:
        out.append(f"  {fam['relation']} of:{'  (' + source + ')' if source else ''}")
        out += [f"    {b}" for b in fam["bases"]]
    else:
        out.append("  no base model named (an original model, or a card that does not say)")
    count = fam.get("children_count")
    if count is not None:
        out.append(f"  derived models: {count:,}")
    children = fam.get("children")
    if isinstance(children, dict) and "error" in children:
        out.append(f"  derived models: {children['error']}")
    elif isinstance(children, dict):
        for relation, group in children.items():
            models = group["models"]
            if group.get("error"):
                out.append(f"  {RELATION_PLURAL.get(relation, relation)}: {group['error']}")
                continue
            if not models:
                continue
            more = f", first {group['limit']}" if group.get("more") else ""
            out.append(f"  {RELATION_PLURAL.get(relation, relation)} ({len(models)}{more}):")
            for m in models:
                downloads = m["downloads"]
                shown = f"{downloads:>12,} downloads" if downloads is not None else ""
                out.append(f"    {m['id']:<48} {shown}".rstrip())
    out += [f"  note: {n}" for n in fam.get("notes") or ()]
    return out


SECTION = Section("family", build, text)
