"""Rich renderables for console results: one function per head's output.

Pure functions of the frozen results (no widgets, no state), so the screen, the snapshot tests
and any future export draw the same thing. Timings are a separate line the pane can hide, which
keeps snapshots deterministic.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from rich.console import Group, RenderableType
from rich.syntax import Syntax
from rich.text import Text

from hfbrowse.core.console.commands import Reply
from hfbrowse.core.console.heads.chat import ChatOutput
from hfbrowse.core.console.heads.extractive_qa import AnswerSpan
from hfbrowse.core.console.heads.features import FeaturesOutput
from hfbrowse.core.console.heads.fill_mask import FillMaskOutput
from hfbrowse.core.console.heads.generate import GenerationOutput
from hfbrowse.core.console.heads.sequence_classes import SequenceClassesOutput
from hfbrowse.core.console.heads.token_classes import TokenClassesOutput
from hfbrowse.core.console.results import HeadOutput, RunResult
from hfbrowse.core.untrusted import printable
from hfbrowse.render.theme import code

BAR_WIDTH = 24
GENERATED = "bold"  # the continuation, against the dim prompt
ENTITY_STYLES = ("bold black on cyan", "bold black on yellow", "bold black on green")
ENTITY_STYLES += ("bold black on magenta", "bold white on blue", "bold white on red")


def bar(fraction: float, width: int = BAR_WIDTH) -> str:
    """A fixed-width bar in eighths: ``███▍          ``."""
    fraction = min(max(fraction, 0.0), 1.0)
    eighths = max(round(fraction * width * 8), 1 if fraction > 0 else 0)  # never hide a p > 0
    full, part = divmod(eighths, 8)
    partial = " ▏▎▍▌▋▊▉"[part] if part else ""
    return ("█" * full + partial).ljust(width)


def percent(p: float) -> str:
    return f"{p * 100:5.1f}%"


def _lines(text: str) -> str:
    """Model output as text a terminal shows as it is (line breaks kept, controls escaped)."""
    return printable(text, keep_lines=True)


def prompt_line(text: str) -> Text:
    line = Text("› ", style="bold cyan")
    line.append(_lines(text), style="bold")
    return line


def streaming(prompt: str, generated: str, continuation: bool = True) -> Text:
    out = Text(_lines(prompt), style="dim") if continuation else Text("→ ", style="bold cyan")
    out.append(_lines(generated), style=GENERATED)
    out.append(" ▌", style="blink bold cyan")
    return out


def render_output(result: RunResult) -> RenderableType:
    """The output drawn by the renderer of its kind (a generic view for a kind without one)."""
    out = result.output
    renderer = RENDERERS.get(out.kind, generic)
    return renderer(out)


def generic(out: HeadOutput) -> Text:
    """Any head's output as ``field: value`` lines, for a head without its own renderer."""
    text = Text()
    for name, value in asdict(out).items():  # type: ignore[call-overload]
        if name != "kind":
            text.append(f"{name}: ", style="bold")
            text.append(f"{_lines(str(value))}\n")
    return text


def generation(out: GenerationOutput) -> Text:
    text = (
        Text(_lines(out.prompt), style="dim") if out.continuation else Text("→ ", style="bold cyan")
    )
    text.append(_lines(out.text), style=GENERATED)
    if not out.text.strip():
        text.append("  (only special tokens were generated)", style="italic dim")
    if out.stopped:
        text.append("  ⏹ stopped", style="bold yellow")
    return text


def chat(out: ChatOutput) -> Text:
    text = Text("assistant › ", style="bold cyan")
    text.append(out.reply, style=GENERATED)
    if not out.reply.strip():
        text.append("  (only special tokens were generated)", style="italic dim")
    if out.stopped:
        text.append("  ⏹ stopped", style="bold yellow")
    return text


def fill_mask(out: FillMaskOutput) -> Group:
    parts: list[RenderableType] = []
    for number, mask in enumerate(out.masks, 1):
        mask_token = printable(out.mask_token)
        where = f" (token {mask.token_index})" if mask.token_index is not None else ""
        parts.append(Text(f"{mask_token} #{number}{where}", style="bold"))
        width = max((len(printable(c.token)) for c in mask.candidates), default=4)
        for c in mask.candidates:
            row = Text(
                f"  {printable(c.token):<{width}}  ",
                style="bold green" if c is mask.candidates[0] else "",
            )
            row.append(bar(c.probability), style="green")
            row.append(f" {percent(c.probability)}")
            parts.append(row)
    filled = Text("filled: ", style="dim")
    filled.append(_lines(out.filled))
    parts.append(filled)
    return Group(*parts)


def answer(out: AnswerSpan) -> Group:
    head = Text("answer: ", style="bold")
    head.append(printable(repr(out.answer)), style="bold green")
    head.append(f"  score {out.score:.4f}  chars {out.start}–{out.end}", style="dim")
    context = Text(_lines(out.context[: out.start]))  # escaping changes lengths: piece by piece
    context.append(_lines(out.context[out.start : out.end]), style="bold black on green")
    context.append(_lines(out.context[out.end :]))
    return Group(head, context)


def entity_style(kind: str, kinds: list[str]) -> str:
    if kind not in kinds:
        kinds.append(kind)
    return ENTITY_STYLES[kinds.index(kind) % len(ENTITY_STYLES)]


def token_classes(out: TokenClassesOutput) -> Group:
    kinds: list[str] = []
    inline = Text()
    cursor = 0
    for entity in out.entities:
        inline.append(_lines(out.text[cursor : entity.start]))
        style = entity_style(entity.type, kinds)
        inline.append(_lines(out.text[entity.start : entity.end]), style=style)
        kind_style = style.replace("bold ", "").replace("black", "dim")
        inline.append(f" {printable(entity.type)}", style=kind_style)
        cursor = entity.end
    inline.append(_lines(out.text[cursor:]))
    if not out.entities:
        inline.append("   (no entities)", style="italic dim")
    tokens = Text()
    for token in out.tokens:
        tokens.append(printable(token.token))
        tokens.append("/", style="dim")
        outside = token.label.upper() == "O"
        tokens.append(printable(token.label), style="dim" if outside else "bold")
        tokens.append("  ")
    return Group(inline, tokens)


def sequence_classes(out: SequenceClassesOutput) -> Group:
    width = max((len(printable(s.label)) for s in out.labels), default=5)
    rows: list[RenderableType] = []
    for score in out.labels:
        label = printable(score.label)
        row = Text(f"{label:<{width}}  ", style="bold" if score is out.labels[0] else "")
        row.append(bar(score.probability), style="magenta")
        row.append(f" {percent(score.probability)}")
        rows.append(row)
    if out.multi_label:
        rows.append(Text("multi-label: independent sigmoid per label", style="italic dim"))
    return Group(*rows)


def features(out: FeaturesOutput) -> Group:
    rows: list[RenderableType] = [
        Text(f"{out.shape_of} {tuple(out.shape)}  ({out.axes})", style="bold")
    ]
    for emb in out.embeddings:
        first = ", ".join(f"{v:+.3f}" for v in emb.first)
        row = Text(f"{printable(repr(emb.text))}: ", style="dim")
        pooled = f"mean-pooled over {emb.tokens} tokens" if emb.tokens else "pooled by the server"
        row.append(f"{pooled} · dim {emb.dim} · norm {emb.norm:.3f}")
        row.append(f" · [{first}, …]", style="dim")
        rows.append(row)
    if out.cosine is not None:
        row = Text("cosine similarity ", style="bold")
        row.append(bar((out.cosine + 1) / 2), style="cyan")
        row.append(f" {out.cosine:+.4f}", style="bold")
        rows.append(row)
    return Group(*rows)


def timing_line(result: RunResult) -> Text:
    t = result.timing
    parts = []
    if t.load_s is not None:
        parts.append(f"loaded in {t.load_s:.2f} s")
    parts.append(f"ran in {t.run_s * 1000:.0f} ms" if t.run_s < 1 else f"ran in {t.run_s:.2f} s")
    if t.new_tokens is not None:
        rate = t.tokens_per_s
        parts.append(f"{t.new_tokens} tokens" + (f", {rate:.1f} tokens/s" if rate else ""))
    parts.append(f"{result.device} {result.dtype}")
    return Text(" · ".join(parts), style="dim")


def notices(result: RunResult) -> list[Text]:
    return [Text(f"note: {printable(n)}", style="yellow") for n in result.notices]


RENDERERS: dict[str, Any] = {
    "generation": generation,
    "chat": chat,
    "fill-mask": fill_mask,
    "question-answering": answer,
    "token-classification": token_classes,
    "sequence-classification": sequence_classes,
    "features": features,
}


def snippet(text: str) -> Syntax:
    return code(_lines(text), line_numbers=False, word_wrap=True)


REPLY_STYLES = {"done": "green", "warn": "yellow", "error": "bold red", "info": ""}


def command_reply(reply: Reply) -> RenderableType:
    """A console command's answer: a line in its colour, code, or the /help table."""
    if reply.kind == "snippet":
        return snippet(reply.text)
    if reply.kind == "help":
        text = Text()
        for i, (command, what) in enumerate(reply.rows):
            text.append(("\n" if i else "") + f"{command:<18}", style="bold")
            text.append(what)
        text.append(f"\n{_lines(reply.text)}")
        return text
    return Text(_lines(reply.text), style=REPLY_STYLES.get(reply.kind, ""))
