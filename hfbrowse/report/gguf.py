"""Report sections of one GGUF file (``hfbrowse FILE.gguf --json``, ``MODEL --gguf FILE``):
``gguf`` (metadata, tensor table, totals per GGML type, bits per weight) and ``gguf_derived``
(the config transformers derives, and its heads — or the one line why not).

A GGUF file has no config.json, so it is a document of its own rather than sections of a
model's document; its keys follow the model document's names where they mean the same
(``tensors`` has the same shape as the model document's).
"""

from __future__ import annotations

import json
from typing import Any

from hfbrowse.core.checkpoint.gguf_file import GGUFInfo
from hfbrowse.core.errors import HFBrowseError
from hfbrowse.core.formatting import human_bytes, human_count, shape_text
from hfbrowse.core.gguf_model import DerivedModel, GGUFTarget
from hfbrowse.report.context import Document


def build(target: GGUFTarget, info: GGUFInfo, doc: Document) -> None:
    table = info.table
    doc["gguf"] = {
        "file": target.filename,
        "model": target.ref.id,
        "kind": target.ref.kind,
        "version": info.version,
        "architecture": info.architecture,
        "file_size": info.file_size,
        "header_bytes": info.header_bytes,
        "ranged_reads": info.reads,
        "metadata": [
            {"key": m.key, "type": m.type, "value": m.value}
            | ({"count": m.count, "folded": m.folded} if m.count is not None else {})
            for m in info.metadata
        ],
        "tensors": {
            "source": table.source,
            "count": len(table.rows),
            "parameters": table.parameters,
            "bytes": table.nbytes,
            "bits_per_weight": info.bits_per_weight,
            "totals": [
                {
                    "type": t.dtype,
                    "tensors": t.tensors,
                    "parameters": t.parameters,
                    "bytes": t.nbytes,
                    "bits_per_weight": t.nbytes * 8 / t.parameters if t.parameters else None,
                }
                for t in table.totals
            ],
            "rows": [
                {
                    "name": r.name,
                    "shape": list(r.shape),
                    "type": r.dtype,
                    "parameters": r.parameters,
                    "bytes": r.nbytes,
                }
                for r in table.rows
            ],
        },
    }


def build_tokenizer(info: GGUFInfo, doc: Document, text: str | None = None) -> dict[str, Any]:
    """``tokenizer``: the tokenizer in the file's metadata (``tokenizer.ggml.*``), rebuilt as
    transformers rebuilds it, in the model document's shape (plus ``error`` and no ``sample``
    when transformers cannot build it). Returns the file's whole tokenizer metadata, which the
    chat template reads too."""
    from hfbrowse.core.tokenizer.gguf_tokenizer import gguf_tokenizer
    from hfbrowse.core.tokenizer.tokens import SAMPLE_TEXT, tokenize
    from hfbrowse.report.tokenizer import tokenization_json

    found = gguf_tokenizer(info)
    t = found.info
    doc["tokenizer"] = {
        "files": list(t.files),
        "model": t.model,
        "tokenizer_class": t.tokenizer_class,
        "vocab_size": t.vocab_size,
        "special_tokens": [{"name": k, "token": v} for k, v in t.special_tokens],
        "added_tokens": [
            {"id": a.id, "content": a.content, "special": a.special} for a in t.added_tokens
        ],
        "padding_side": t.padding_side,
        "truncation_side": t.truncation_side,
        "model_max_length": t.model_max_length,
        "sample": None
        if found.tokenizer is None
        else tokenization_json(tokenize(found.tokenizer, text or SAMPLE_TEXT)),
    } | ({"error": found.error} if found.error else {})
    return found.metadata


def build_chat_template(
    info: GGUFInfo, doc: Document, metadata: dict[str, Any] | None = None
) -> None:
    """``chat_template``: the file's ``tokenizer.chat_template`` rendered for the sample
    conversation, in the same shape as a model document's (null when it has none).
    ``metadata``: the whole tokenizer metadata (special tokens past the folded first items)."""
    from hfbrowse.core.tokenizer.chat_template import (
        SAMPLE_CONVERSATION,
        gguf_template,
        render_samples,
    )

    if metadata is None:
        from hfbrowse.core.tokenizer.gguf_tokenizer import tokenizer_metadata

        metadata = tokenizer_metadata(info)
    template, specials = gguf_template(metadata)
    if template is None:
        doc["chat_template"] = None
        return
    plain, prompt = render_samples(template, specials)
    doc["chat_template"] = {
        "sample_conversation": list(SAMPLE_CONVERSATION),
        "templates": [
            {
                "name": template.name,
                "source": template.source,
                "template": template.template,
                "rendered": {"text": plain.text, "error": plain.error},
                "rendered_with_generation_prompt": {"text": prompt.text, "error": prompt.error},
            }
        ],
    }


def build_derived(derived: DerivedModel | HFBrowseError, doc: Document) -> None:
    if isinstance(derived, HFBrowseError):
        doc["gguf_derived"] = {"error": str(derived)}
        return
    heads = derived.heads
    doc["gguf_derived"] = {
        "config": derived.config,
        "model_type": heads.model_type,
        "recommended_head": heads.recommended,
        "supported_heads": [
            {"auto_class": o.auto_class, "class": o.class_name, "task": o.task}
            for o in heads.supported
        ],
        "source": None
        if derived.source is None
        else {
            "class": derived.source.class_name,
            "file": derived.source.relative_file,
            "line": derived.source.line,
            "methods": [
                {"name": m.name, "start_line": m.start_line, "end_line": m.end_line}
                for m in derived.source.methods
            ],
        },
    }


def metadata_value_text(entry: dict[str, Any], width: int = 60) -> str:
    """One metadata value on one line: arrays as ``[a, b, …] (32,000 items)``."""
    value = entry["value"]
    if entry.get("count") is not None:
        items = ", ".join(_short(v, 24) for v in value)
        more = ", …" if entry.get("folded") else ""
        return f"[{items}{more}] ({entry['count']:,} items)"
    return _short(value, width)


def _short(value: Any, width: int) -> str:
    text = json.dumps(value, ensure_ascii=False) if isinstance(value, str) else str(value)
    text = text.replace("\n", "\\n")
    return text if len(text) <= width else text[: width - 1] + "…"


def text(doc: Document) -> list[str]:
    g = doc["gguf"]
    t = g["tensors"]
    bpw = t["bits_per_weight"]
    summary = (
        f"GGUF v{g['version']} · {g['architecture'] or 'no architecture'} ·"
        f" {human_count(t['parameters'])} params · {human_bytes(g['file_size'])}"
    )
    reads = g["ranged_reads"]
    out = [
        f"{g['file']}  ({g['kind']}: {g['model']})",
        summary + (f" · {bpw:.2f} bits per weight" if bpw else ""),
        f"header: {human_bytes(g['header_bytes'])}"
        + (f" in {reads} ranged reads, no tensor data read" if reads else ""),
        "",
        "Metadata:",
    ]
    width = max((len(m["key"]) for m in g["metadata"]), default=4)
    for m in g["metadata"]:
        out.append(f"  {m['key']:<{width}}  {m['type']:<15} {metadata_value_text(m)}")
    out += ["", f"Tensors ({t['count']}, {t['source']}; shapes in ggml order):"]
    name_w = max((len(r["name"]) for r in t["rows"]), default=4)
    for r in t["rows"]:
        out.append(
            f"  {r['name']:<{name_w}}  {shape_text(tuple(r['shape'])):<16} {r['type']:<7}"
            f" {r['parameters']:>14,}  {human_bytes(r['bytes']):>10}"
        )
    out.append("Totals per type:")
    for tot in t["totals"]:
        out.append(
            f"  {tot['type']:<7} {tot['tensors']:>5} tensors {tot['parameters']:>16,} params"
            f"  {human_bytes(tot['bytes']):>10}  {tot['bits_per_weight'] or 0:.2f} bpw"
        )
    out.append(
        f"  {'all':<7} {t['count']:>5} tensors {t['parameters']:>16,} params"
        f"  {human_bytes(t['bytes']):>10}  {bpw or 0:.2f} bpw"
    )
    derived = doc.get("gguf_derived")
    if derived is not None:
        out.append("")
        if "error" in derived:
            out.append(f"transformers (gguf_file=): {derived['error']}")
        else:
            out.append(
                f"transformers (gguf_file=): model_type {derived['model_type']},"
                f" recommended head {derived['recommended_head'] or 'none'}"
            )
            for key, value in derived["config"].items():
                out.append(f"  {key}: {json.dumps(value, ensure_ascii=False)}")
            if (src := derived.get("source")) is not None:
                out.append(
                    f"  source of {derived['recommended_head']} → {src['class']} ({src['file']}):"
                )
                for m in src["methods"]:
                    out.append(f"    {m['name']}: lines {m['start_line']}–{m['end_line']}")
    return out
