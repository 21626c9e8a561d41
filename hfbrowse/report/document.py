"""The facts of one model as one JSON-able document, section by section (``--json``/``--print``).

Each section module (``report/facts.py``, ``tensors.py``, …) has a ``build`` that adds its keys
to the document from the opened model, and a ``text`` that turns those keys into the lines
``--print`` shows; ``--json`` prints the document itself. Both outputs come from the same
document, so they cannot disagree, and the TUI draws the same core dataclasses through the same
render functions. A section that fails says so under its own key (``{"error": "…"}``) and the
others still show; sections that were asked for and failed make the exit status non-zero.

``SCHEMA_VERSION`` is the document's contract with users' scripts (README, "The --json document"):
keys are only added (minor version), never removed or renamed silently.
"""

from __future__ import annotations

from hfbrowse.core.errors import HFBrowseError, as_user_error
from hfbrowse.core.gguf_model import GGUFTarget
from hfbrowse.core.hub.gateway import HubGateway
from hfbrowse.core.model import load_checkpoint, load_facts, load_source
from hfbrowse.core.model_ref import ModelRef
from hfbrowse.core.source.classes import ClassSource
from hfbrowse.report import (
    adapter,
    analysis,
    config_keys,
    diffs,
    facts,
    family,
    gguf,
    remote_code,
    revisions,
    run,
    source,
    tensors,
    tokenizer,
)
from hfbrowse.report.context import Document, ReportContext, ReportOptions, Section

SCHEMA_VERSION = "1.6"


SECTIONS: tuple[Section, ...] = (  # document (and text) order
    facts.SECTION,
    family.SECTION,
    tensors.SECTION,
    adapter.SECTION,
    source.SECTION,
    analysis.SECTION,
    remote_code.SECTION,
    config_keys.SECTION,
    diffs.SECTION,
    revisions.SECTION,
    run.SECTION,
    tokenizer.TOKENIZER,
    tokenizer.CHAT_TEMPLATE,
)

__all__ = [
    "SCHEMA_VERSION",
    "SECTIONS",
    "ReportOptions",
    "build_document",
    "build_gguf_document",
    "render_text",
]


def open_for_report(ref: ModelRef, gateway: HubGateway, options: ReportOptions) -> ReportContext:
    """Facts (an error here is the whole answer: raised), then checkpoint and source, which
    fail in their own sections."""
    model = load_facts(ref, gateway)
    shown = model.heads.shown(options.head)
    checkpoint = load_checkpoint(model, gateway, shown)
    try:
        found: ClassSource | HFBrowseError | None = load_source(model, shown)
    except Exception as exc:
        found = as_user_error(exc)
    return ReportContext(model, checkpoint, shown, found, gateway, options)


def build_document(ctx: ReportContext) -> Document:
    doc: Document = {"schema_version": SCHEMA_VERSION}
    for section in SECTIONS:
        try:
            section.build(ctx, doc)
        except Exception as exc:  # one section's surprise never hides the others
            doc[section.name] = {"error": str(as_user_error(exc))}
    return doc


def render_text(doc: Document) -> str:
    """The ``--print`` text: each section's lines; a section whose text cannot be made (its
    build failed, or left something unexpected) is one line of its own, the others still show.
    Model text in it is raw: the CLI's output makes every line ``printable``."""
    lines: list[str] = []
    for section in SECTIONS:
        try:
            lines += section.text(doc)
        except Exception as exc:
            failed = doc.get(section.name)
            why = failed.get("error") if isinstance(failed, dict) else None
            lines += ["", f"{section.name}: {why or as_user_error(exc)}"]
    return "\n".join(lines)


def build_gguf_document(
    target: GGUFTarget, gateway: HubGateway, options: ReportOptions | None = None
) -> Document:
    """The document of one GGUF file: its header (an error here is the whole answer: raised),
    then transformers' derived config, the tokenizer and the chat template, each failing in
    its own key; with ``options.run``, the console run of the file (``run``)."""
    from hfbrowse.core.gguf_model import derive_with_transformers, gguf_facts, open_gguf

    options = options or ReportOptions()
    info = open_gguf(target, gateway)
    doc: Document = {"schema_version": SCHEMA_VERSION}
    gguf.build(target, info, doc)
    derived = derive_with_transformers(info)
    gguf.build_derived(derived, doc)
    metadata = None
    try:
        metadata = gguf.build_tokenizer(info, doc, options.tokenize)
    except Exception as exc:
        doc["tokenizer"] = {"error": str(as_user_error(exc))}
    try:
        gguf.build_chat_template(info, doc, metadata)
    except Exception as exc:  # its own failure never hides the header
        doc["chat_template"] = {"error": str(as_user_error(exc))}
    if options.run is not None:
        facts = gguf_facts(target, info, derived, gateway.offline)
        head = options.head
        run.record(
            doc,
            lambda: run.run_request(facts, head, info.table, gateway, options, target.filename),
        )
    return doc


def render_gguf_text(doc: Document) -> str:
    lines = gguf.text(doc) + tokenizer.text_tokenizer(doc) + tokenizer.text_chat_template(doc)
    return "\n".join(lines + run.text(doc))
