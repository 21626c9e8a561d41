"""Report sections: ``tokenizer`` (what it is, and what a text becomes) and ``chat_template``
(each template, and what it renders for the sample conversation with and without
``add_generation_prompt``). Both read the same tokenizer files, fetched once per report."""

from __future__ import annotations

import json

from hfbrowse.core.tokenizer.chat_template import (
    SAMPLE_CONVERSATION,
    chat_templates,
    render_samples,
    special_token_values,
)
from hfbrowse.core.tokenizer.files import TokenizerFiles, tokenizer_files
from hfbrowse.core.tokenizer.tokens import (
    SAMPLE_TEXT,
    Tokenization,
    load_tokenizer,
    tokenize,
    tokenizer_info,
)
from hfbrowse.report.context import Document, ReportContext, Section


def files_of(ctx: ReportContext) -> TokenizerFiles:
    if "tokenizer_files" not in ctx.shared:
        hub = ctx.facts.hub
        ctx.shared["tokenizer_files"] = tokenizer_files(
            ctx.facts.ref, ctx.gateway, hub.siblings if hub else None
        )
    return ctx.shared["tokenizer_files"]


def build_tokenizer(ctx: ReportContext, doc: Document) -> None:
    files = files_of(ctx)
    tokenizer = load_tokenizer(files)
    info = tokenizer_info(files, tokenizer)
    sample = tokenize(tokenizer, ctx.options.tokenize or SAMPLE_TEXT)
    doc["tokenizer"] = {
        "files": list(info.files),
        "model": info.model,
        "tokenizer_class": info.tokenizer_class,
        "vocab_size": info.vocab_size,
        "special_tokens": [{"name": k, "token": v} for k, v in info.special_tokens],
        "added_tokens": [
            {"id": t.id, "content": t.content, "special": t.special} for t in info.added_tokens
        ],
        "padding_side": info.padding_side,
        "truncation_side": info.truncation_side,
        "model_max_length": info.model_max_length,
        "sample": tokenization_json(sample),
    }


def tokenization_json(sample: Tokenization) -> dict:
    return {
        "text": sample.text,
        "truncated": sample.truncated,
        "count": sample.count,
        "tokens": [
            {"id": t.id, "token": t.token, "piece": t.piece, "special": t.special}
            for t in sample.tokens
        ],
    }


def build_chat_template(ctx: ReportContext, doc: Document) -> None:
    files = files_of(ctx)
    templates = chat_templates(files)
    if not templates:
        doc["chat_template"] = None
        return
    specials = special_token_values(files)
    out = []
    for template in templates:
        plain, prompt = render_samples(template, specials)
        out.append(
            {
                "name": template.name,
                "source": template.source,
                "template": template.template,
                "rendered": {"text": plain.text, "error": plain.error},
                "rendered_with_generation_prompt": {"text": prompt.text, "error": prompt.error},
            }
        )
    doc["chat_template"] = {"sample_conversation": list(SAMPLE_CONVERSATION), "templates": out}


def tokens_line(tokens: list[dict]) -> str:
    """``⟨[CLS]⟩|H|el|lo`` — pieces between bars, special tokens in angle brackets."""
    parts = []
    for t in tokens:
        shown = t["piece"] or t["token"]
        parts.append(f"⟨{t['token']}⟩" if t["special"] else shown.replace("\n", "↵"))
    return "|".join(parts)


def text_tokenizer(doc: Document) -> list[str]:
    t = doc.get("tokenizer")
    if t is None:
        return []
    out = [""]
    if "error" in t and "model" not in t:
        return [*out, f"Tokenizer: {t['error']}"]
    out.append(
        f"Tokenizer: {t['model']} ({t['tokenizer_class'] or 'no class named'}) · vocab"
        f" {t['vocab_size']:,} · padding {t['padding_side']} · max length"
        f" {t['model_max_length'] if t['model_max_length'] is not None else 'none set'}"
    )
    out.append(
        "  special: "
        + (", ".join(f"{s['name']}={s['token']}" for s in t["special_tokens"]) or "none")
    )
    added = t["added_tokens"]
    shown = ", ".join(f"{a['id']}:{a['content']}{'*' if a['special'] else ''}" for a in added[:12])
    more = f" … ({len(added):,} in all)" if len(added) > 12 else ""
    out.append(f"  added tokens ({len(added)}; * special): {shown or 'none'}{more}")
    if t.get("error"):  # a GGUF tokenizer transformers cannot build: facts from the metadata
        out.append(f"  {t['error']}")
    s = t["sample"]
    if s is None:
        return out
    out.append(f"  {json.dumps(s['text'], ensure_ascii=False)} → {s['count']} tokens:")
    out.append(f"    {tokens_line(s['tokens'])}")
    out.append(f"    ids: {[x['id'] for x in s['tokens']]}")
    return out


def text_chat_template(doc: Document) -> list[str]:
    if "chat_template" not in doc:
        return []
    c = doc["chat_template"]
    if c is None:
        return ["", "Chat template: none (no chat_template.jinja, none in tokenizer_config.json)"]
    if "error" in c:
        return ["", f"Chat template: {c['error']}"]
    out = [""]
    for t in c["templates"]:
        out.append(f"Chat template {t['name']!r} (from {t['source']}):")
        out += ["  " + line for line in t["template"].splitlines()]
        for key, label in (
            ("rendered", "sample conversation"),
            ("rendered_with_generation_prompt", "with add_generation_prompt"),
        ):
            r = t[key]
            out.append(f"  → {label}:")
            if r["error"]:
                out.append(f"    error: {r['error']}")
            else:
                out += ["    " + line for line in r["text"].split("\n")]
    return out


TOKENIZER = Section("tokenizer", build_tokenizer, text_tokenizer)
CHAT_TEMPLATE = Section("chat_template", build_chat_template, text_chat_template)
