"""Under the tensor table: the ``__init__`` line that creates the highlighted tensor's module, and
the quantisation line (logical parameters beside the stored size).

The origin lookup reads modeling files with ``ast`` in a thread worker, debounced, so moving the
cursor never waits on a parse.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Static

from hfbrowse.core.errors import as_user_error
from hfbrowse.core.formatting import human_bytes, human_count
from hfbrowse.core.untrusted import printable

if TYPE_CHECKING:
    from hfbrowse.core.checkpoint.quantization import QuantizedCounts
    from hfbrowse.core.source.init_lines import InitLine

ORIGIN_DEBOUNCE_S = 0.12


@dataclass
class OriginFound(Message):
    token: int
    tensor: str
    found: InitLine | None
    error: str | None = None


class TensorOrigin(Static):
    """One line: ``transformer.h.0.attn.c_attn → GPT2Attention.__init__ modeling_gpt2.py:107``."""

    DEFAULT_CSS = """
    TensorOrigin {
        display: none; height: auto; max-height: 3; padding: 0 1;
        text-wrap: nowrap; text-overflow: ellipsis;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__("", **kwargs)
        # The table shortens names or leaves out the shard column: the highlighted tensor's full
        # name (and file) come first, then its __init__ line.
        self.show_name = False
        self.files: dict[str, str] = {}  # tensor → shard, for a sharded checkpoint
        self.class_name: str | None = None
        self.model_type: str | None = None
        self._timer: Timer | None = None
        self._token = 0

    def set_head(self, class_name: str | None, model_type: str | None) -> None:
        self.class_name, self.model_type = class_name, model_type
        self.clear()

    def clear(self) -> None:
        """Hidden until a tensor is highlighted in a focused table or tree."""
        if self._timer is not None:
            self._timer.stop()
        self._token += 1
        self.update("")
        self.display = False

    def say(self, text: str) -> None:
        """A line of its own in the origin's place (a flagged tensor's problem)."""
        self.clear()
        self.update(Text(printable(text), style="bold yellow"))
        self.display = True

    def lookup(self, tensor: str | None) -> None:
        if tensor is None or self.class_name is None:
            self.clear()
            return
        if self._timer is not None:
            self._timer.stop()
        self._token += 1
        token = self._token
        self._timer = self.set_timer(ORIGIN_DEBOUNCE_S, lambda: self._find(tensor, token))

    @work(thread=True, exclusive=True, group="tensor-origin", exit_on_error=False)
    def _find(self, tensor: str, token: int) -> None:
        from hfbrowse.core.source.init_lines import init_line

        try:
            found = init_line(tensor, self.class_name or "", self.model_type)
        except Exception as exc:  # a modeling file we cannot parse: one line, never a traceback
            self.post_message(OriginFound(token, tensor, None, str(as_user_error(exc))))
            return
        self.post_message(OriginFound(token, tensor, found))

    def on_origin_found(self, msg: OriginFound) -> None:
        msg.stop()
        if msg.token != self._token:
            return
        text = origin_text(msg.tensor, msg.found, msg.error)
        if self.show_name:
            shard = self.files.get(msg.tensor)
            name = Text.assemble((msg.tensor, "bold"), (f"  {shard}" if shard else "", "dim"))
            text = Text.assemble(name, "\n", text)
        self.update(text)
        self.display = True


def origin_text(tensor: str, found: InitLine | None, error: str | None = None) -> Text:
    shown = printable(tensor.removesuffix(".*"))
    if error:
        return Text(f"{shown}: {printable(error)}", style="red")
    if found is None:
        return Text(f"{shown}: no __init__ line found for it", style="dim")
    file = found.file.rsplit("/", 1)[-1]
    text = Text()
    text.append(f"{file}:{found.line} ", style="cyan")
    text.append(f"{found.class_name}.__init__", style="bold")
    if len(found.lines) > 1:
        text.append(f" (+{len(found.lines) - 1} more)", style="dim")
    if not found.exact:
        where = printable(found.module_path) if found.module_path else shown
        text.append(f" best effort: {where}", style="italic yellow")
    text.append("\n")
    text.append(printable(found.text), style="green")
    return text


def quant_text(counts: QuantizedCounts | None) -> Text:
    """The quantisation line under the totals: logical parameters beside the stored size."""
    if counts is None or counts.scheme is None:
        return Text("")
    text = Text()
    text.append(counts.summary(), style="yellow")
    if counts.quantized:
        text.append(
            f"  logical {human_count(counts.logical_parameters)} params"
            f" (headers say {human_count(counts.header_parameters)})"
            f" · stored {human_bytes(counts.stored_bytes)}"
            f" · aux {human_bytes(counts.aux_bytes)}"
        )
    return text
