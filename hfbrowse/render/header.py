"""The model's header line: ``model_type · architectures · head · parameters`` and its labels.

The TUI draws it above the config tree, ``--print`` prints it and ``--json`` carries it as
``header_line``: one function, so the front ends cannot disagree (the tests compare them).
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text

from hfbrowse.core.formatting import human_count
from hfbrowse.core.model import ModelFacts
from hfbrowse.core.untrusted import printable


@dataclass(frozen=True)
class HeaderFacts:
    model_type: str | None
    architectures: tuple[str, ...]
    recommended: str | None
    other_auto_classes: tuple[str, ...]
    parameters: int | None
    label: str | None = None  # "demo" models have random weights
    remote_code: bool = False
    from_cache: bool = False  # a Hub model read from the local cache (offline)
    adapter: str | None = None  # a PEFT adapter: its method (LORA …)

    @classmethod
    def of(cls, facts: ModelFacts, parameters: int | None) -> HeaderFacts:
        heads = facts.heads
        return cls(
            model_type=heads.model_type,
            architectures=tuple(heads.architectures),
            recommended=heads.recommended,
            other_auto_classes=tuple(heads.other_auto_classes),
            parameters=parameters,
            label=facts.ref.label,
            remote_code=heads.remote_code,
            from_cache=facts.offline and not facts.ref.is_local,
            adapter=facts.adapter.method if facts.adapter else None,
        )


def header_line(h: HeaderFacts) -> Text:
    line = Text()
    if h.adapter and not h.model_type:  # an adapter alone: what it is, not what it lacks
        line.append(f"{h.adapter} adapter", style="bold cyan")
        line.append(" · ")
        line.append(f"{human_count(h.parameters)} params added", style="bold")
        line.append("  [a: adapter view · b: open the base]", style="italic")
        return line
    line.append(printable(h.model_type or "no model_type"), style="bold cyan")
    line.append(" · ")
    line.append(printable(", ".join(h.architectures) or "no architectures"), style="bold")
    line.append(" · ")
    if h.recommended:
        line.append(h.recommended, style="bold green")
    else:
        others = printable(", ".join(h.other_auto_classes))
        line.append(f"no text head{f' ({others})' if others else ''}", style="bold yellow")
    line.append(" · ")
    line.append(f"{human_count(h.parameters)} params")
    if h.label:
        line.append(f"  [{printable(h.label)}: random weights]", style="italic yellow")
    if h.remote_code:
        line.append("  [custom code: auto_map]", style="italic red")
    if h.from_cache:
        line.append("  [offline: cache]", style="italic yellow")
    return line


def family_line(summary: str) -> Text:
    """Under the header line when the model has a family (``Family.summary``):
    ``⤷ finetune of org/base · 1,234 derived  [F]`` — the key opens the family view."""
    line = Text()
    line.append("⤷ ", style="bold blue")
    line.append(printable(summary), style="blue")
    line.append("  [F]", style="dim")
    return line


PIN_REASONS = {"--head": "pinned by --head", "h": "chosen with h"}


def pinned_head(head: str, pin: str, recommended: str | None) -> Text:
    """Under the header line when the shown head is not the recommended one, so the header,
    the source and the console never seem to disagree: ``▸ shows QuestionAnswering: chosen
    with h`` (short, to fit the 44 columns the config pane has at 80x24)."""
    line = Text()
    line.append("▸ shows ", style="bold magenta")
    line.append(head.removeprefix("AutoModelFor") or head, style="bold magenta")
    line.append(f": {PIN_REASONS.get(pin, pin)}", style="magenta")
    if recommended is None:
        line.append(" · none recommended", style="dim")
    return line
