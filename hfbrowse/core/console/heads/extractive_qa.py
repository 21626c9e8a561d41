"""QuestionAnswering: the answer span decoded from start/end logits (transformers 5 has no QA
pipeline any more).

The rules the old pipeline applied, kept explicit: only context tokens may start or end the
answer (sequence id 1), the end is not before the start, the span is at most
``MAX_ANSWER_TOKENS`` long, and the token span maps back to characters of the context through
the tokenizer's offsets. The score is P(start)·P(end), each softmaxed over context tokens.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hfbrowse.core.console import snippets
from hfbrowse.core.console.errors import RunError
from hfbrowse.core.console.heads import HeadCall
from hfbrowse.core.console.inputs import encode, require_text, split_pair

MAX_ANSWER_TOKENS = 30


@dataclass(frozen=True)
class AnswerSpan:
    question: str
    context: str
    answer: str
    start: int  # character offsets into ``context``
    end: int
    score: float  # P(start) * P(end), each softmaxed over the context tokens
    start_token: int | None  # None: a remote server answered with characters only
    end_token: int | None
    kind: str = "question-answering"


def run(loaded: Any, text: str, call: HeadCall) -> tuple[AnswerSpan, str]:
    notices = call.notices
    import torch

    require_text(text)
    question, context = split_pair(text, "a question and its context, e.g. Who? ||| context")
    model, tokenizer = loaded.model, loaded.tokenizer
    try:
        enc = encode(
            tokenizer, model, question, context, notices, offsets=True, truncation="only_second"
        )
    except Exception as exc:  # the question alone is longer than the model's positions
        raise RunError(f"the question is too long for this model ({exc})") from None
    sequence_ids = enc.encoding.sequence_ids
    offsets = enc.encoding.offsets
    in_context = torch.tensor([s == 1 for s in sequence_ids])
    if not bool(in_context.any()):
        raise RunError("no context left after truncation: shorten the question")
    with torch.inference_mode():
        out = model(**enc.tensors)
    start_logits = out.start_logits[0].float().cpu().masked_fill(~in_context, float("-inf"))
    end_logits = out.end_logits[0].float().cpu().masked_fill(~in_context, float("-inf"))
    start_p = start_logits.softmax(-1)
    end_p = end_logits.softmax(-1)
    n = start_p.shape[0]
    pairs = start_p[:, None] * end_p[None, :]
    ones = torch.ones(n, n, dtype=torch.bool)
    allowed = torch.triu(ones) & ~torch.triu(ones, diagonal=MAX_ANSWER_TOKENS)
    pairs = pairs.masked_fill(~allowed, 0.0)
    best = int(pairs.argmax())
    start_token, end_token = divmod(best, n)
    start, end = offsets[start_token][0], offsets[end_token][1]
    result = AnswerSpan(
        question=question,
        context=context,
        answer=context[start:end],
        start=start,
        end=end,
        score=float(pairs[start_token, end_token]),
        start_token=start_token,
        end_token=end_token,
    )
    return result, qa_body(question, context, enc.call_kwargs, MAX_ANSWER_TOKENS)


def qa_body(question: str, context: str, call_kwargs: dict[str, Any], max_tokens: int) -> str:
    call = snippets.tokenize_call("question, context", call_kwargs, ", return_offsets_mapping=True")
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
