"""The Python that reproduces a console run, valid for the installed transformers (5.x).

Each head module builds its body from the exact arguments it used (tokenizer truncation, every
generate setting, the seed), so the snippet prints what the console showed. transformers 5
spellings: ``dtype=`` (not ``torch_dtype=``), no removed pipelines (QA is decoded by hand),
``use_safetensors=True`` / ``weights_only=True`` as the console loaded it. The tests execute
these snippets in a subprocess and compare their output with the run's result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SnippetModel:
    """How the model was loaded, as the snippet's header repeats it."""

    model_id: str
    revision: str | None
    head: str
    device: str
    load_kwargs: dict[str, Any]  # session.load_kwargs(): dtype as a name or "auto"


def _kwargs(values: dict[str, Any]) -> str:
    return ", ".join(f"{k}={_literal(k, v)}" for k, v in values.items())


def _literal(key: str, value: Any) -> str:
    if key == "dtype" and value != "auto":
        return f"torch.{value}"
    return repr(value)


def header(m: SnippetModel) -> str:
    source = {"revision": m.revision} if m.revision else {}
    trust = {"trust_remote_code": True} if m.load_kwargs.get("trust_remote_code") else {}
    tok_args = "".join(f", {kw}" for kw in [_kwargs(source | trust)] if kw)
    model_args = _kwargs(source | m.load_kwargs)
    return (
        "import torch\n"
        f"from transformers import {m.head}, AutoTokenizer\n\n"
        f"model_id = {m.model_id!r}\n"
        f"tokenizer = AutoTokenizer.from_pretrained(model_id{tok_args})\n"
        f"model = {m.head}.from_pretrained(model_id, {model_args}).to({m.device!r})\n"
    )


def full(m: SnippetModel, body: str) -> str:
    return header(m) + "\n" + body.rstrip() + "\n"


def _tokenize(args: str, call_kwargs: dict[str, Any], extra: str = "") -> str:
    rest = _kwargs(call_kwargs)
    return f'tokenizer({args}, return_tensors="pt"{", " + rest if rest else ""}{extra})'


def generation_body(
    text: str,
    call_kwargs: dict[str, Any],
    truncation_side: str,
    generate_kwargs: dict[str, Any],
    seed: int | None,
    seq2seq: bool,
) -> str:
    lines = [f"text = {text!r}"]
    if call_kwargs and truncation_side != "right":
        lines.append(f"tokenizer.truncation_side = {truncation_side!r}  # keep the prompt's end")
    lines.append(f"inputs = {_tokenize('text', call_kwargs)}.to(model.device)")
    if seed is not None:
        lines.append(f"torch.manual_seed({seed})")
    lines.append("with torch.inference_mode():")
    lines.append("    output = model.generate(")
    lines.append("        **inputs,")
    lines += [f"        {k}={v!r}," for k, v in generate_kwargs.items()]
    lines.append("    )")
    if seq2seq:
        lines.append("print(tokenizer.decode(output[0], skip_special_tokens=True))")
    else:
        lines.append('new_tokens = output[0, inputs["input_ids"].shape[1] :]')
        lines.append("print(tokenizer.decode(new_tokens, skip_special_tokens=True))")
    return "\n".join(lines)


def fill_mask_body(text: str, call_kwargs: dict[str, Any], top_k: int) -> str:
    return f"""text = {text!r}
inputs = {_tokenize("text", call_kwargs)}.to(model.device)
with torch.inference_mode():
    logits = model(**inputs).logits
input_ids = inputs["input_ids"][0]
for position in (input_ids == tokenizer.mask_token_id).nonzero().flatten().tolist():
    top = logits[0, position].float().softmax(-1).topk({top_k})
    for p, token_id in zip(top.values.tolist(), top.indices.tolist()):
        print(position, tokenizer.decode([token_id]).strip(), f"{{p:.4f}}")
"""


def qa_body(question: str, context: str, call_kwargs: dict[str, Any], max_tokens: int) -> str:
    call = _tokenize("question, context", call_kwargs, ", return_offsets_mapping=True")
    return f"""question = {question!r}
context = {context!r}
inputs = {call}
offsets = inputs.pop("offset_mapping")[0].tolist()
in_context = torch.tensor([s == 1 for s in inputs.sequence_ids(0)])  # context tokens only
with torch.inference_mode():
    out = model(**inputs.to(model.device))
start_p = out.start_logits[0].float().cpu().masked_fill(~in_context, float("-inf")).softmax(-1)
end_p = out.end_logits[0].float().cpu().masked_fill(~in_context, float("-inf")).softmax(-1)
n = start_p.shape[0]
ones = torch.ones(n, n, dtype=torch.bool)
allowed = torch.triu(ones) & ~torch.triu(ones, diagonal={max_tokens})  # end >= start, short
scores = (start_p[:, None] * end_p[None, :]).masked_fill(~allowed, 0.0)
start_token, end_token = divmod(int(scores.argmax()), n)
start, end = offsets[start_token][0], offsets[end_token][1]
print(repr(context[start:end]), start, end, f"{{float(scores[start_token, end_token]):.4f}}")
"""


def token_classes_body(text: str, call_kwargs: dict[str, Any]) -> str:
    call = _tokenize("text", call_kwargs, ", return_offsets_mapping=True")
    return f"""text = {text!r}
inputs = {call}
offsets = inputs.pop("offset_mapping")[0].tolist()
with torch.inference_mode():
    probs = model(**inputs.to(model.device)).logits[0].float().softmax(-1)
best_p, best_id = probs.max(-1)
special = inputs.encodings[0].special_tokens_mask
for i, token in enumerate(inputs.tokens()):
    if not special[i]:
        start, end = offsets[i]
        label = model.config.id2label[int(best_id[i])]
        print(token, label, f"{{float(best_p[i]):.4f}}", repr(text[start:end]))
# Entities: a B-X label opens one, I-X (or another piece of the same word) extends it, O ends it.
"""


def sequence_classes_body(
    first: str, pair: str | None, call_kwargs: dict[str, Any], multi_label: bool
) -> str:
    texts = f"text = {first!r}\n" + (f"pair = {pair!r}\n" if pair is not None else "")
    args = "text, pair" if pair is not None else "text"
    squash = "sigmoid()  # multi-label: one probability per label" if multi_label else "softmax(-1)"
    return f"""{texts}inputs = {_tokenize(args, call_kwargs)}.to(model.device)
with torch.inference_mode():
    logits = model(**inputs).logits[0].float()
probs = logits.{squash}
for i in sorted(range(len(probs)), key=lambda i: -float(probs[i])):
    print(model.config.id2label[i], f"{{float(probs[i]):.4f}}")
"""


def features_body(texts: list[str], call_kwargs: dict[str, Any], encoder_decoder: bool) -> str:
    network = "model.get_encoder()" if encoder_decoder else "model"
    cosine = (
        '\nprint(f"cosine {torch.nn.functional.cosine_similarity(*pooled, dim=0):.4f}")'
        if len(texts) == 2
        else ""
    )
    return f"""texts = {texts!r}
pooled = []
for text in texts:
    inputs = {_tokenize("text", call_kwargs)}.to(model.device)
    with torch.inference_mode():
        hidden = {network}(**inputs).last_hidden_state
    print(tuple(hidden.shape))
    mask = inputs["attention_mask"].unsqueeze(-1).float()  # mean over real tokens only
    vector = ((hidden.float() * mask).sum(1) / mask.sum(1).clamp(min=1e-9))[0]
    pooled.append(vector)
    first = [round(v, 4) for v in vector[:6].tolist()]
    print(vector.shape[0], f"{{float(vector.norm()):.4f}}", first){cosine}
"""
