"""What one console run produced: the run's frame (model, head, timing, snippet) around the
head's own output (defined by each head module).

The TUI renders these, ``--run --json`` prints ``RunResult.to_dict()``, and the tests assert on
them. Probabilities are plain floats, character spans index the input text, so a result means the
same thing wherever it is shown.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Timing:
    """Seconds spent loading (``None`` when the model was already loaded) and running."""

    load_s: float | None
    run_s: float
    new_tokens: int | None = None  # generation heads only

    @property
    def tokens_per_s(self) -> float | None:
        if self.new_tokens is None or self.run_s <= 0:
            return None
        return self.new_tokens / self.run_s


class HeadOutput(Protocol):
    """What a head's runner returns: a frozen, JSON-able dataclass (``dataclasses.asdict``)
    whose ``kind`` names it for the renderers (``render.console_results``). Each head module
    in ``core/console/heads/`` defines its own."""

    kind: str


@dataclass(frozen=True)
class RunResult:
    """One run: which model and head, on what, the output, timings, notices and the snippet."""

    model: str
    head: str
    model_class: str
    device: str
    dtype: str
    input: str
    output: HeadOutput
    timing: Timing
    notices: tuple[str, ...] = ()
    snippet: str = ""
    backend: str = "in-process"  # "in-process", "endpoint" or "provider"
    where: str = ""  # what the console's title says: "cpu", "endpoint 127.0.0.1:8000 · …"
    adapter: str | None = None  # a PEFT adapter run on ``model`` (its base)
    gguf_file: str | None = None  # the GGUF file of ``model`` that ran, dequantised

    def to_dict(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["timing"]["tokens_per_s"] = self.timing.tokens_per_s
        return doc
