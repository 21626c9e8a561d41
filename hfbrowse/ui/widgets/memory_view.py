"""Memory view (``m``): the shown head's weights at each precision, the KV cache of a causal LM
for the context length and batch typed here, against this machine's free RAM and GPU memory.

The estimate is arithmetic (``core.memory``) done on the UI thread as the numbers are typed; the
machine's free memory is measured in a worker (``machine_memory`` may ask CUDA, which is slow
the first time).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Input, Label, Static

from hfbrowse.core.formatting import human_bytes, human_count
from hfbrowse.core.memory import (
    MachineMemory,
    MemoryEstimate,
    default_context,
    estimate_memory,
)
from hfbrowse.core.untrusted import printable


@dataclass(frozen=True)
class MemoryInputs:
    """What the estimate needs besides context and batch (set by the screen)."""

    config: dict[str, Any]
    head: str | None
    parameters: int
    parameters_source: str
    stored_bytes: int | None


def _positive(text: str) -> int | None:
    try:
        value = int(text.replace(",", "").replace("_", "").strip())
    except ValueError:
        return None
    return value if value > 0 else None


class NumberInput(Input):
    """A number field that leaves letters to the app: digits and editing keys change it, while
    ``m`` still closes the view, ``q`` quits, ``z`` zooms — so the view can open with the
    context field focused, ready for the number it asks for."""

    def check_consume_key(self, key: str, character: str | None) -> bool:
        return character is not None and character.isdigit()

    async def _on_key(self, event: events.Key) -> None:
        if event.is_printable and not (event.character or "").isdigit():
            event.prevent_default()  # not typed here; it bubbles on to the key bindings
            return
        await super()._on_key(event)


class MemoryView(Vertical):
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.inputs: MemoryInputs | None = None
        self.machine: MachineMemory | None = None
        self.estimate: MemoryEstimate | None = None
        self._context_for: int | None = None  # id of the config the context default came from

    def compose(self) -> ComposeResult:
        with Horizontal(id="memory-knobs"):
            yield Label("context ")
            yield NumberInput(id="memory-context", type="integer", max_length=9)
            yield Label("  batch ")
            yield NumberInput("1", id="memory-batch", type="integer", max_length=6)
            yield Label("  digits edit · tab: next", classes="memory-hint")
        table: DataTable = DataTable(id="memory-table", cursor_type="row", zebra_stripes=True)
        yield table
        with VerticalScroll(id="memory-notes-scroll"):
            yield Static("", id="memory-notes")

    def show_message(self, text: str) -> None:
        self.inputs = None
        self.query_one(DataTable).clear(columns=True)
        self.query_one("#memory-notes", Static).update(Text(printable(text), style="dim"))

    def show(self, inputs: MemoryInputs) -> None:
        if self._context_for != id(inputs.config):  # a new model: its own context default
            self._context_for = id(inputs.config)
            self.query_one("#memory-context", Input).value = str(default_context(inputs.config))
        self.inputs = inputs
        self._recompute()

    def set_machine(self, machine: MachineMemory) -> None:
        self.machine = machine
        self._recompute()

    @on(Input.Changed, "#memory-context, #memory-batch")
    def _knob_changed(self) -> None:
        self._recompute()

    def _recompute(self) -> None:
        inputs = self.inputs
        if inputs is None:
            return
        context = _positive(self.query_one("#memory-context", Input).value)
        batch = _positive(self.query_one("#memory-batch", Input).value) or 1
        machine = self.machine or MachineMemory((), "measuring free memory …")
        est = estimate_memory(
            inputs.config,
            inputs.parameters,
            inputs.parameters_source,
            causal_lm=inputs.head == "AutoModelForCausalLM",
            context=context,
            batch=batch,
            stored_bytes=inputs.stored_bytes,
            machine=machine,
        )
        self.estimate = est
        self._draw(est, inputs)

    def _draw(self, est: MemoryEstimate, inputs: MemoryInputs) -> None:
        """Narrow on purpose (the centre pane is ~44 columns at 120): KV and total only when
        there is a KV cache; one short column per device, its free memory in the notes."""
        table = self.query_one(DataTable)
        table.clear(columns=True)
        kv = est.kv is not None
        table.add_column("dtype", key="precision")
        table.add_column(Text("weights", justify="right"), key="weights")
        if kv:
            table.add_column(Text("+ KV", justify="right"), key="kv")
            table.add_column(Text("total", justify="right"), key="total")
        for device in est.machine.devices:
            table.add_column(device.name.split(" ", 1)[0], key=device.name)
        for row in est.rows:
            cells: list[Text | str] = [
                row.precision,
                Text(human_bytes(row.weights), justify="right"),
            ]
            if kv:
                cells.append(Text(human_bytes(row.kv_cache or 0), justify="right"))
                cells.append(Text(human_bytes(row.total), justify="right"))
            cells += [
                Text("fits", style="green") if fits else Text("no", style="bold red")
                for fits in row.fits
            ]
            table.add_row(*cells, key=row.precision)
        self.query_one("#memory-notes", Static).update(notes(est, inputs.head))


def notes(est: MemoryEstimate, head: str | None) -> Text:
    text = Text()
    text.append(f"{head or 'checkpoint'}: ", style="bold")
    text.append(f"{human_count(est.parameters)} parameters ({est.parameters_source})")
    if est.stored_bytes is not None:
        text.append(f" · stored as {human_bytes(est.stored_bytes)}", style="dim")
    text.append("\n")
    kv = est.kv
    if kv is not None:
        text.append("KV cache ", style="bold")
        text.append(
            f"{kv.layers} layers × {kv.kv_heads} K/V heads × ({kv.k_head_dim}+{kv.v_head_dim})"
            f" dims = {human_bytes(kv.bytes_per_token(2))} per token at 16 bit;"
            f" context {est.context:,} × batch {est.batch}\n"
        )
    if est.kv_note:
        text.append(f"{est.kv_note}\n", style="dim")
    for device in est.machine.devices:
        text.append(f"{device.name}: ", style="bold")
        text.append(f"{human_bytes(device.free)} free of {human_bytes(device.total)}\n")
    text.append("int8/int4: weights only (scales and zeros add a few %); ", style="dim")
    text.append("KV cache at fp32 for fp32, 16 bit otherwise\n", style="dim")
    if est.machine.gpu_note:
        text.append(est.machine.gpu_note, style="italic")
    return text
