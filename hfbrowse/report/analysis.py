"""Report section, beyond the Hub page: quantisation, head compatibility, memory, the module tree
and each module's ``__init__`` line. Head compatibility imports torch (it builds each head on the
meta device); everything else is arithmetic on the headers and the config.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from hfbrowse.core.checkpoint.module_tree import ModuleNode, module_tree
from hfbrowse.core.checkpoint.quantization import QuantizedCounts
from hfbrowse.core.checkpoint.tensors import SOURCE_HEADERS, TensorTable
from hfbrowse.core.errors import as_user_error
from hfbrowse.core.formatting import human_bytes, human_count
from hfbrowse.core.heads.compat_results import CompatReport
from hfbrowse.core.memory import (
    MemoryEstimate,
    estimate_memory,
    head_parameters_source,
    machine_memory,
)
from hfbrowse.core.model import ModelFacts
from hfbrowse.report.context import Document, ReportContext, Section

TREE_DEPTH = 4


def memory_for(
    facts: ModelFacts,
    head: str | None,
    parameters: int,
    source: str,
    stored_bytes: int | None,
    context: int | None,
    batch: int,
) -> MemoryEstimate:
    return estimate_memory(
        facts.config,
        parameters,
        source,
        causal_lm=head == "AutoModelForCausalLM",
        context=context,
        batch=batch,
        stored_bytes=stored_bytes,
        machine=machine_memory(),
    )


def compat_doc(report: CompatReport) -> dict[str, Any]:
    return {
        "basis": report.basis,
        "notes": list(report.notes),
        "heads": [
            {
                "auto_class": h.auto_class,
                "class": h.class_name,
                "status": h.status,
                "summary": h.summary(),
                "expected": h.expected,
                "loaded": h.loaded,
                "missing": list(h.missing),
                "unexpected": list(h.unexpected),
                "mismatched": [
                    {
                        "name": m.name,
                        "checkpoint_shape": list(m.checkpoint_shape),
                        "expected_shape": list(m.expected_shape),
                    }
                    for m in h.mismatched
                ],
                "tied": list(h.tied),
                "ignored": h.ignored,
                "renamed_at_load": [
                    {"kind": r.kind, "count": r.count, "example": [r.example_from, r.example_to]}
                    for r in h.renamed
                ],
                "head_parameters": h.head_parameters,
                "new_parameters": h.new_parameters,
                "conversion_errors": list(h.conversion_errors),
                "error": h.error,
            }
            for h in report.heads
        ],
    }


def quant_doc(counts: QuantizedCounts) -> dict[str, Any]:
    scheme = counts.scheme
    return {
        "method": scheme.method if scheme else None,
        "label": scheme.label if scheme else None,
        "bits": scheme.bits if scheme else None,
        "interpreted": bool(scheme and scheme.understood),
        "summary": counts.summary(),
        "logical_parameters": counts.logical_parameters,
        "header_parameters": counts.header_parameters,
        "stored_bytes": counts.stored_bytes,
        "packed_tensors": counts.packed_tensors,
        "packed_parameters": counts.packed_parameters,
        "aux_tensors": counts.aux_tensors,
        "aux_bytes": counts.aux_bytes,
        "aux_kinds": list(counts.aux_kinds),
    }


def memory_doc(est: MemoryEstimate) -> dict[str, Any]:
    kv = est.kv
    return {
        "parameters": est.parameters,
        "parameters_source": est.parameters_source,
        "stored_bytes": est.stored_bytes,
        "context": est.context,
        "batch": est.batch,
        "kv_cache": None
        if kv is None
        else {
            "layers": kv.layers,
            "kv_heads": kv.kv_heads,
            "k_head_dim": kv.k_head_dim,
            "v_head_dim": kv.v_head_dim,
            "sliding_layers": kv.sliding_layers,
            "window": kv.window,
            "bytes_per_token_16bit": kv.bytes_per_token(2),
        },
        "kv_note": est.kv_note,
        "precisions": [
            {
                "precision": r.precision,
                "weights_bytes": r.weights,
                "kv_cache_bytes": r.kv_cache,
                "total_bytes": r.total,
                "fits": dict(zip((d.name for d in est.machine.devices), r.fits, strict=True)),
            }
            for r in est.rows
        ],
        "devices": [
            {"name": d.name, "free_bytes": d.free, "total_bytes": d.total}
            for d in est.machine.devices
        ],
        "gpu_note": est.machine.gpu_note,
    }


def tree_doc(node: ModuleNode) -> dict[str, Any]:
    return {
        "name": node.name,
        "path": node.path,
        "parameters": node.parameters,
        "bytes": node.nbytes,
        "tensors": node.tensors,
        "children": [tree_doc(c) for c in node.children],
    }


def module_patterns(table: TensorTable) -> list[str]:
    """One tensor per distinct module pattern (layer numbers as ``*``), in the table's order."""
    seen: dict[str, str] = {}
    for row in table.rows:
        pattern = re.sub(r"\.\d+(?=\.)", ".*", row.name.rpartition(".")[0] or row.name)
        seen.setdefault(pattern, row.name)
    return list(seen.values())


def init_lines_doc(table: TensorTable, class_name: str, model_type: str | None) -> list[dict]:
    from hfbrowse.core.source.init_lines import init_line

    out = []
    for tensor in module_patterns(table):
        found = init_line(tensor, class_name, model_type)
        module = re.sub(r"\.\d+(?=\.)", ".*", tensor.rpartition(".")[0] or tensor)
        if found is None:
            out.append({"module": module, "tensor": tensor, "found": False})
            continue
        out.append(
            {
                "module": module,
                "tensor": tensor,
                "found": True,
                "exact": found.exact,
                "class": found.class_name,
                "file": Path(found.file).name,
                "line": found.line,
                "text": found.text,
                "other_lines": [n for n, _ in found.lines[1:]],
            }
        )
    return out


def build(ctx: ReportContext, doc: Document) -> None:
    """``quantization``, ``compatibility``, ``memory``, ``modules``, ``init_lines``."""
    facts, head = ctx.facts, ctx.head
    table, counts = ctx.checkpoint.table, ctx.checkpoint.counts
    doc["quantization"] = quant_doc(counts) if counts is not None else None
    compat: CompatReport | None = None
    if table is None:
        doc["compatibility"] = {"error": f"no tensor table: {ctx.checkpoint.error}"}
    elif table.source != SOURCE_HEADERS:
        doc["compatibility"] = {"error": "needs safetensors headers (this table is from config)"}
    elif not facts.heads.supported:
        doc["compatibility"] = {"error": f"no text head: {facts.heads.reason}"}
    else:
        from hfbrowse.core.heads.compat import compat_report

        try:
            compat = compat_report(facts.config, facts.heads, table, first=head)
            doc["compatibility"] = compat_doc(compat)
        except Exception as exc:
            doc["compatibility"] = {"error": str(as_user_error(exc))}
    shown = compat.head(head) if compat is not None else None
    parameters, source = head_parameters_source(head, shown, counts)
    if parameters is None:
        doc["memory"] = {"error": "no parameter count (no tensor table)"}
    else:
        stored = counts.stored_bytes if counts is not None else None
        est = memory_for(
            facts, head, parameters, source, stored, ctx.options.context, ctx.options.batch
        )
        doc["memory"] = memory_doc(est)
    doc["modules"] = tree_doc(module_tree(table.rows, _logical(counts))) if table else None
    option = facts.heads.option(head)
    doc["init_lines"] = (
        init_lines_doc(table, option.class_name, facts.model_type) if table and option else []
    )


def _logical(counts: QuantizedCounts | None) -> dict[str, int] | None:
    if counts is None or not counts.quantized:
        return None
    return {t.name: t.logical_parameters for t in counts.tensors}


# -- text -------------------------------------------------------------------------------------
def text(doc: Document) -> list[str]:
    """The text lines of the keys ``build`` added."""
    out: list[str] = [""]
    quant = doc.get("quantization")
    if quant and quant["method"]:
        out.append(f"Quantisation: {quant['summary']}")
        out.append(
            f"  logical parameters {quant['logical_parameters']:,} (header product"
            f" {quant['header_parameters']:,}) · stored {human_bytes(quant['stored_bytes'])}"
            f" · auxiliary {human_bytes(quant['aux_bytes'])}"
        )
        out.append("")
    out += _render_compat(doc["compatibility"], doc.get("shown_head"))
    out.append("")
    out += _render_memory(doc["memory"], doc.get("shown_head"))
    if doc.get("modules"):
        out.append("")
        out.append("Modules (grouped from tensor names; parameters per module):")
        out += _render_tree(doc["modules"], 1)
    if doc.get("init_lines"):
        out.append("")
        out.append(f"Where each module is created (__init__ of {doc.get('shown_head')}'s classes):")
        for item in doc["init_lines"]:
            if not item["found"]:
                out.append(f"  {item['module']}: not found")
                continue
            mark = "" if item["exact"] else " (best effort)"
            more = f" (+{len(item['other_lines'])} more)" if item["other_lines"] else ""
            out.append(
                f"  {item['module']} → {item['class']}.__init__ {item['file']}:{item['line']}"
                f"{more}{mark}: {item['text']}"
            )
    return out


def _render_compat(compat: dict[str, Any], shown: str | None) -> list[str]:
    if "error" in compat:
        return [f"Head compatibility: {compat['error']}"]
    out = [f"Head compatibility ({compat['basis']}; transformers' own loading rules):"]
    for note in compat["notes"]:
        out.append(f"  note: {note}")
    for h in compat["heads"]:
        mark = "*" if h["auto_class"] == shown else " "
        out.append(f"  {mark} {h['auto_class']:<36} {h['class']}: {h['summary']}")
        for r in h["renamed_at_load"]:
            src, dst = r["example"]
            out.append(f"      renamed at load: {r['count']} × {r['kind']} ({src} → {dst})")
        if h["tied"]:
            out.append(f"      tied, not read: {', '.join(h['tied'])}")
    return out


def _render_memory(mem: dict[str, Any], head: str | None) -> list[str]:
    if "error" in mem:
        return [f"Memory: {mem['error']}"]
    out = [
        f"Memory of {head or 'the checkpoint'}: {mem['parameters']:,} parameters"
        f" ({mem['parameters_source']})"
    ]
    if mem["stored_bytes"] is not None:
        out.append(f"  checkpoint as stored: {human_bytes(mem['stored_bytes'])}")
    kv = mem["kv_cache"]
    if kv:
        out.append(
            f"  KV cache: {kv['layers']} layers × {kv['kv_heads']} K/V heads ×"
            f" ({kv['k_head_dim']}+{kv['v_head_dim']}) dims = "
            f"{human_bytes(kv['bytes_per_token_16bit'])} per token at 16 bit;"
            f" context {mem['context']:,}, batch {mem['batch']}"
        )
    if mem["kv_note"]:
        out.append(f"  ({mem['kv_note']})")
    devices = mem["devices"]
    header = f"  {'precision':<10}{'weights':>12}{'KV cache':>12}{'total':>12}"
    for d in devices:
        header += f"  {d['name']} ({human_bytes(d['free_bytes'])} free)"
    out.append(header)
    for row in mem["precisions"]:
        kv_text = human_bytes(row["kv_cache_bytes"]) if row["kv_cache_bytes"] is not None else "—"
        line = (
            f"  {row['precision']:<10}{human_bytes(row['weights_bytes']):>12}{kv_text:>12}"
            f"{human_bytes(row['total_bytes']):>12}"
        )
        for d in devices:
            line += f"  {'fits' if row['fits'][d['name']] else 'does not fit'}"
        out.append(line)
    if mem["gpu_note"]:
        out.append(f"  {mem['gpu_note']}")
    return out


def _render_tree(node: dict[str, Any], depth: int, indent: str = "  ") -> list[str]:
    out = []
    children = node["children"]
    numbered = len(children) > 1 and all(c["name"].isdigit() for c in children)
    shown = children[:1] if numbered else children
    for child in shown:
        name = child["name"]
        if numbered:
            name = f"{children[0]['name']}…{children[-1]['name']} ({len(children)} ×)"
        out.append(
            f"{indent}{name:<{max(1, 44 - len(indent))}} {human_count(child['parameters']):>8}"
            f"  {human_bytes(child['bytes']):>10}"
        )
        if depth < TREE_DEPTH and child["children"]:
            out += _render_tree(child, depth + 1, indent + "  ")
    return out


SECTION = Section("analysis", build, text)
