"""``__init__`` and ``forward`` of two classes compared line by line (difflib, no torch).

Two heads of one model (what ``ForSequenceClassification`` adds over ``AutoModel``) or the same
head of two families (Llama vs Mistral). Each method becomes hunks holding both a unified view
(``-``/``+`` lines) and side-by-side rows, so every renderer (TUI, --print, --json) draws the same
comparison. Line numbers are the files' own, so a reader can find each line in the source.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Literal

from hfbrowse.core.errors import UnsupportedModel
from hfbrowse.core.heads.resolve import HeadReport
from hfbrowse.core.hub.gateway import HubGateway
from hfbrowse.core.model import ModelFacts, load_source
from hfbrowse.core.source.classes import METHODS, ClassSource, MethodSource
from hfbrowse.core.source.remote_code import load_remote_code

LineKind = Literal["same", "removed", "added"]
FULL = 1_000_000  # context that keeps whole methods in one hunk


@dataclass(frozen=True)
class DiffLine:
    """One unified-diff line; numbers are 1-based lines of the left/right file."""

    kind: LineKind
    text: str
    left_no: int | None
    right_no: int | None

    @property
    def marker(self) -> str:
        return {"same": " ", "removed": "-", "added": "+"}[self.kind]


@dataclass(frozen=True)
class DiffRow:
    """One side-by-side row: a left line, a right line, or both (``kind`` of the pair)."""

    kind: Literal["same", "changed", "removed", "added"]
    left_no: int | None
    left: str | None
    right_no: int | None
    right: str | None


@dataclass(frozen=True)
class DiffHunk:
    left_start: int
    left_count: int
    right_start: int
    right_count: int
    lines: tuple[DiffLine, ...]
    rows: tuple[DiffRow, ...]

    @property
    def header(self) -> str:
        return f"@@ -{self.left_start},{self.left_count} +{self.right_start},{self.right_count} @@"


@dataclass(frozen=True)
class MethodDiff:
    name: str
    left: MethodSource | None
    right: MethodSource | None
    hunks: tuple[DiffHunk, ...]

    @property
    def added(self) -> int:
        return sum(1 for h in self.hunks for ln in h.lines if ln.kind == "added")

    @property
    def removed(self) -> int:
        return sum(1 for h in self.hunks for ln in h.lines if ln.kind == "removed")

    @property
    def identical(self) -> bool:
        return self.left is not None and self.right is not None and not self.added + self.removed

    @property
    def shared_definition(self) -> bool:
        """Both sides inherit the very same method (same file and line)."""
        return (
            self.left is not None
            and self.right is not None
            and (self.left.file, self.left.start_line) == (self.right.file, self.right.start_line)
        )


@dataclass(frozen=True)
class DiffSide:
    """What one side shows: which model, which head, which class."""

    model: str  # display name of the model
    head: str | None  # Auto class, e.g. AutoModelForCausalLM
    class_name: str
    file: str | None  # short path for display, e.g. models/gpt2/modeling_gpt2.py
    remote: bool = False  # the class is the repo's own code, read as text

    @property
    def label(self) -> str:
        head = f"{self.head} → " if self.head else ""
        return f"{self.model}: {head}{self.class_name}"


@dataclass(frozen=True)
class HeadDiff:
    left: DiffSide
    right: DiffSide
    methods: tuple[MethodDiff, ...]
    context: int

    @property
    def added(self) -> int:
        return sum(m.added for m in self.methods)

    @property
    def removed(self) -> int:
        return sum(m.removed for m in self.methods)

    def unified_text(self) -> str:
        """The whole comparison as a plain unified diff (for --print and copying)."""
        out = [f"--- {self.left.label}", f"+++ {self.right.label}"]
        for m in self.methods:
            out.append(f"### {m.name}: {method_summary(m)}")
            for hunk in m.hunks:
                out.append(hunk.header)
                out += [f"{ln.marker}{ln.text}" for ln in hunk.lines]
        return "\n".join(out)


def method_summary(m: MethodDiff) -> str:
    if m.left is None and m.right is None:
        return "in neither class"
    if m.left is None:
        return f"only in the right class ({m.right.defining_class})"
    if m.right is None:
        return f"only in the left class ({m.left.defining_class})"
    if m.shared_definition:
        return f"the same inherited method ({m.left.defining_class})"
    if m.identical:
        return "identical text"
    return f"+{m.added} −{m.removed} lines"


def _rows(tag: str, left: list[str], right: list[str], i1: int, i2: int, j1: int, j2: int,
          lstart: int, rstart: int) -> list[DiffRow]:  # fmt: skip
    rows: list[DiffRow] = []
    if tag == "equal":
        for k in range(i2 - i1):
            rows.append(
                DiffRow("same", lstart + i1 + k, left[i1 + k], rstart + j1 + k, right[j1 + k])
            )
        return rows
    n = max(i2 - i1, j2 - j1)
    for k in range(n):
        has_l, has_r = i1 + k < i2, j1 + k < j2
        kind = "changed" if has_l and has_r else ("removed" if has_l else "added")
        rows.append(
            DiffRow(
                kind,
                lstart + i1 + k if has_l else None,
                left[i1 + k] if has_l else None,
                rstart + j1 + k if has_r else None,
                right[j1 + k] if has_r else None,
            )
        )
    return rows


def diff_methods(
    name: str, left: MethodSource | None, right: MethodSource | None, context: int = FULL
) -> MethodDiff:
    """One method of each side compared; a side without the method diffs against nothing."""
    a = left.text.splitlines() if left else []
    b = right.text.splitlines() if right else []
    lstart = left.start_line if left else 1
    rstart = right.start_line if right else 1
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    hunks = []
    for group in matcher.get_grouped_opcodes(context):
        lines: list[DiffLine] = []
        rows: list[DiffRow] = []
        for tag, i1, i2, j1, j2 in group:
            rows += _rows(tag, a, b, i1, i2, j1, j2, lstart, rstart)
            if tag == "equal":
                lines += [
                    DiffLine("same", a[i1 + k], lstart + i1 + k, rstart + j1 + k)
                    for k in range(i2 - i1)
                ]
                continue
            lines += [DiffLine("removed", a[i], lstart + i, None) for i in range(i1, i2)]
            lines += [DiffLine("added", b[j], None, rstart + j) for j in range(j1, j2)]
        first = group[0]
        last = group[-1]
        hunks.append(
            DiffHunk(
                lstart + first[1],
                last[2] - first[1],
                rstart + first[3],
                last[4] - first[3],
                tuple(lines),
                tuple(rows),
            )
        )
    if not hunks and a:  # identical: keep the text visible as one all-"same" hunk
        hunks = [
            DiffHunk(
                lstart,
                len(a),
                rstart,
                len(b),
                tuple(DiffLine("same", t, lstart + i, rstart + i) for i, t in enumerate(a)),
                tuple(DiffRow("same", lstart + i, t, rstart + i, t) for i, t in enumerate(a)),
            )
        ]
        if context < FULL:
            hunks = []
    return MethodDiff(name, left, right, tuple(hunks))


def _method(source: ClassSource, name: str) -> MethodSource | None:
    return next((m for m in source.methods if m.name == name), None)


def diff_sources(
    left_side: DiffSide,
    left: ClassSource,
    right_side: DiffSide,
    right: ClassSource,
    context: int = FULL,
) -> HeadDiff:
    """``__init__`` and ``forward`` of two located classes compared."""
    methods = tuple(
        diff_methods(name, _method(left, name), _method(right, name), context) for name in METHODS
    )
    return HeadDiff(left_side, right_side, methods, context)


def default_partner(heads: HeadReport, shown: str | None) -> str | None:
    """The head to compare ``shown`` with: the recommended one, or AutoModel when ``shown`` is
    recommended, or the next supported head when ``shown`` is both."""
    names = [o.auto_class for o in heads.supported]
    if shown not in names:
        return heads.recommended
    if heads.recommended and heads.recommended != shown and heads.recommended in names:
        return heads.recommended
    if shown != "AutoModel" and "AutoModel" in names:
        return "AutoModel"
    others = [n for n in names if n != shown]
    return others[0] if others else None


# -- sides: a model + head resolved to a located class -------------------------------------------
@dataclass(frozen=True)
class SideSource:
    side: DiffSide
    source: ClassSource


def side_source(facts: ModelFacts, head: str | None, gateway: HubGateway) -> SideSource:
    """The class ``head`` resolves to for this model: built-in (ast) or the repo's own code
    (fetched as text, never run). UnsupportedModel when there is neither."""
    model = facts.ref.display
    option = facts.heads.option(head)
    if option is not None:
        source = load_source(facts, head)
        if source is not None:
            short = (source.relative_file or "").removeprefix("transformers/") or None
            return SideSource(DiffSide(model, head, source.class_name, short), source)
    if facts.heads.remote_code:
        siblings = facts.hub.siblings if facts.hub else ()
        remote = load_remote_code(facts.ref, facts.config, gateway, siblings)
        found = remote.entry_for(head) if remote else None
        if found is None and remote is not None:
            found = next(
                (c for c in remote.classes if c.entry.auto_class.startswith("AutoModel")), None
            )
        if found is not None:
            side = DiffSide(model, found.entry.auto_class, found.entry.class_name, found.file, True)
            return SideSource(side, found.source)
    raise UnsupportedModel(
        f"{model}: no class for {head or 'any text head'} ({facts.heads.reason})."
    )


def head_for_other(other: ModelFacts, wanted: str | None) -> str | None:
    """The head to show for the other model: the same Auto class if it has it, else its own."""
    if wanted and other.heads.option(wanted):
        return wanted
    return other.heads.recommended or (
        other.heads.supported[0].auto_class if other.heads.supported else wanted
    )


def compare(
    left_facts: ModelFacts,
    left_head: str | None,
    right_facts: ModelFacts,
    right_head: str | None,
    gateway: HubGateway,
    context: int = FULL,
) -> HeadDiff:
    """Locate both classes and diff them (same model: two heads; two models: two families)."""
    left = side_source(left_facts, left_head, gateway)
    right = side_source(right_facts, right_head, gateway)
    return diff_sources(left.side, left.source, right.side, right.source, context)
