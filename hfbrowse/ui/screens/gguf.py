"""One GGUF file: its metadata as a tree (general.*, <arch>.*, tokenizer.*; long arrays folded
and counted) beside its tensor table (GGML type per tensor, totals per type, bits per weight).

Opened by ``hfbrowse FILE.gguf`` / ``MODEL --gguf FILE`` and by Enter on a ``.gguf`` row of the
files view. The header is read in a thread worker (ranged reads for a Hub file: never its
tensor data); what transformers derives from it (needs torch) follows in a second worker, so
the header shows at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.console import Group
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Static, Tree

from hfbrowse.core.checkpoint.gguf_file import GGUFInfo, GGUFValue
from hfbrowse.core.errors import HFBrowseError
from hfbrowse.core.formatting import human_bytes, human_count, shape_text
from hfbrowse.core.gguf_model import DerivedModel, GGUFTarget, derive_with_transformers, open_gguf
from hfbrowse.core.hub.gateway import HubGateway
from hfbrowse.render.source import source_body
from hfbrowse.ui import keys
from hfbrowse.ui.screens.repo_view import RepoViewScreen

TYPE_STYLES = {"F32": "cyan", "F16": "cyan", "BF16": "cyan", "Q8_0": "green"}


class GGUFScreen(RepoViewScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        *keys.bindings(keys.CLOSE),
        *keys.bindings(keys.GGUF),
    ]
    DEFAULT_CSS = """
    GGUFScreen { align: center middle; }
    GGUFScreen #gguf-body {
        width: 96%; height: 96%; border: round $accent; background: $surface; padding: 0 1;
    }
    GGUFScreen #gguf-status { height: auto; color: $text-muted; }
    GGUFScreen #gguf-status.-error { color: $text-error; }
    GGUFScreen #gguf-derived { height: auto; max-height: 4; color: $text-muted; }
    GGUFScreen #gguf-panes { height: 1fr; }
    GGUFScreen #gguf-meta { width: 2fr; }
    GGUFScreen #gguf-tensors { width: 3fr; height: 1fr; }
    GGUFScreen #gguf-source { width: 3fr; height: 1fr; display: none; }
    GGUFScreen.-source #gguf-source { display: block; }
    GGUFScreen.-source #gguf-tensors { display: none; }
    GGUFScreen #gguf-totals { height: auto; }
    """

    STATUS_ID = "gguf-status"

    @dataclass
    class _Derived(Message):
        derived: DerivedModel | HFBrowseError

    def __init__(self, target: GGUFTarget, gateway: HubGateway, run_at_start: bool = False) -> None:
        super().__init__(target.ref, gateway)
        self.target = target
        self.run_at_start = run_at_start  # --run TEXT: go to the console once derived
        self.info: GGUFInfo | None = None
        self.derived: DerivedModel | HFBrowseError | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="gguf-body") as body:
            body.border_title = f"GGUF — {self.target.display}"
            body.border_subtitle = (
                ": run · s: source · T: tokenizer · C: chat template · esc closes"
            )
            where = "ranged reads of the header" if not self.ref.is_local else "the header"
            yield Static(Text(f"reading {self.target.filename} ({where}) …"), id="gguf-status")
            yield Static(id="gguf-derived")
            with Horizontal(id="gguf-panes"):
                yield Tree("metadata", id="gguf-meta")
                yield DataTable(id="gguf-tensors", cursor_type="row", zebra_stripes=True)
                with VerticalScroll(id="gguf-source"):
                    yield Static(id="gguf-source-body")
            yield Static(id="gguf-totals")

    def on_mount(self) -> None:
        table = self.query_one("#gguf-tensors", DataTable)
        for label, key in (("name", "name"), ("shape", "shape"), ("type", "type")):
            table.add_column(label, key=key)
        table.add_column(Text("params", justify="right"), key="params")
        table.add_column(Text("bytes", justify="right"), key="bytes")
        self.query_one("#gguf-meta", Tree).focus()
        super().on_mount()

    def fetch(self) -> GGUFInfo:
        return open_gguf(self.target, self.gateway)

    def draw(self, info: GGUFInfo) -> None:
        self.info = info
        self.status(summary_line(info))
        _fill_tree(self.query_one("#gguf-meta", Tree), info)
        table = self.query_one("#gguf-tensors", DataTable)
        for r in info.table.rows:
            table.add_row(
                r.name,
                shape_text(r.shape),
                Text(r.dtype, style=TYPE_STYLES.get(r.dtype, "yellow")),
                Text(f"{r.parameters:,}", justify="right"),
                Text(human_bytes(r.nbytes), justify="right"),
            )
        self.query_one("#gguf-totals", Static).update(totals_text(info))
        self.query_one("#gguf-derived", Static).update(Text("transformers (gguf_file=): …"))
        self._derive(info)

    def failed(self) -> None:
        self.query_one("#gguf-panes").display = False
        self.query_one("#gguf-totals").display = False

    @work(thread=True, exclusive=True, group="gguf-derive", exit_on_error=False)
    def _derive(self, info: GGUFInfo) -> None:
        self.post_message(self._Derived(derive_with_transformers(info)))

    @on(_Derived)
    def _derived(self, msg: _Derived) -> None:
        self.derived = msg.derived
        self.query_one("#gguf-derived", Static).update(derived_text(msg.derived))
        body = self.query_one("#gguf-source-body", Static)
        if isinstance(msg.derived, DerivedModel) and msg.derived.source is not None:
            src = msg.derived.source
            title = Text(f"{msg.derived.heads.recommended} → {src.class_name}", style="bold")
            title.append(f"  {src.relative_file}:{src.line}", style="dim")
            body.update(Group(title, source_body(src)))
        else:
            body.update(Text("no source: transformers derives no head from this file", style="dim"))
        if self.run_at_start:
            self.run_at_start = False
            self.action_run_in_console()

    def action_run_in_console(self) -> None:
        """Close the view; the console runs this file (the config transformers derives from
        it, dequantised), after the memory check on the dequantised size."""
        from hfbrowse.core.gguf_model import gguf_facts

        if self._info_or_say() is None or self.info is None:
            return
        if self.derived is None:
            self.notify("transformers is still reading the file: try again in a moment.")
            return
        facts = gguf_facts(self.target, self.info, self.derived, self.gateway.offline)
        below = self.app.screen_stack[-2]  # the main screen, which holds the console
        table, filename = self.info.table, self.target.filename
        template = isinstance(self.info.get("tokenizer.chat_template"), str)
        self.dismiss()
        below.call_later(below.run_gguf_in_console, facts, table, filename, template)

    def action_tokenizer(self) -> None:
        """The tokenizer view, for the tokenizer this file's metadata describes."""
        from hfbrowse.ui.screens.tokenizer import TokenizerScreen

        if self._info_or_say() is not None:
            self.app.push_screen(TokenizerScreen(self.ref, self.gateway, gguf=self.info))

    def action_chat_template(self) -> None:
        from hfbrowse.ui.screens.chat_template import ChatTemplateScreen

        if self._info_or_say() is not None:
            self.app.push_screen(ChatTemplateScreen(self.ref, self.gateway, gguf=self.info))

    def _info_or_say(self) -> GGUFInfo | None:
        if self.info is None:
            self.notify("The GGUF header is still being read (or could not be).", timeout=3)
        return self.info

    def action_toggle_source(self) -> None:
        """The right side: the tensor table ↔ the derived head's ``__init__``/``forward``."""
        self.toggle_class("-source")


def summary_line(info: GGUFInfo) -> str:
    """``GGUF v3 · llama · 6.74B params · 3.5 GiB · 4.50 bits per weight · header 892 KiB``."""
    bpw = info.bits_per_weight
    parts = [
        f"GGUF v{info.version}",
        info.architecture or "no architecture",
        f"{human_count(info.table.parameters)} params",
        human_bytes(info.file_size),
    ]
    if bpw:
        parts.append(f"{bpw:.2f} bits per weight")
    header = f"header {human_bytes(info.header_bytes)}"
    if info.reads:
        header += f" ({info.reads} ranged reads, no tensor data)"
    return " · ".join([*parts, header])


def totals_text(info: GGUFInfo) -> Text:
    """One short line per GGML type (``Q4_0 ×12 65.5K params 36.0 KiB 4.50 bpw``), then all."""
    out = Text()
    for t in info.table.totals:
        bpw = t.nbytes * 8 / t.parameters if t.parameters else 0
        out.append(f"{t.dtype:<7}", style=TYPE_STYLES.get(t.dtype, "yellow"))
        out.append(
            f"×{t.tensors:<4} {human_count(t.parameters):>7} params {human_bytes(t.nbytes):>10}"
            f" {bpw:6.2f} bpw\n"
        )
    bpw = info.bits_per_weight or 0
    out.append(
        f"{'all':<7}×{len(info.table.rows):<4} {human_count(info.table.parameters):>7} params"
        f" {human_bytes(info.table.nbytes):>10} {bpw:6.2f} bpw",
        style="bold",
    )
    return out


def derived_text(derived: DerivedModel | HFBrowseError) -> Text:
    if isinstance(derived, HFBrowseError):
        return Text(f"transformers (gguf_file=): {derived}", style="dim")
    heads = derived.heads
    c = derived.config
    text = Text("transformers (gguf_file=): ", style="dim")
    text.append(f"{heads.model_type} ", style="bold")
    text.append(
        f"· {c.get('num_hidden_layers', '?')} layers · hidden {c.get('hidden_size', '?')}"
        f" · vocab {c.get('vocab_size', '?')} · "
    )
    text.append(heads.recommended or "no text head", style="green")
    if len(heads.supported) > 1:
        text.append(f" (+{len(heads.supported) - 1} heads)", style="dim")
    return text


def _fill_tree(tree: Tree, info: GGUFInfo) -> None:
    """general.*, <arch>.*, tokenizer.* … as branches; arrays as folded, counted nodes."""
    tree.clear()
    tree.root.expand()
    groups: dict[str, list[GGUFValue]] = {}
    for entry in info.metadata:
        groups.setdefault(entry.key.split(".", 1)[0], []).append(entry)
    for prefix, entries in groups.items():
        branch = tree.root.add(Text(f"{prefix} ({len(entries)})", style="bold"), expand=True)
        for entry in entries:
            rest = entry.key[len(prefix) + 1 :] or entry.key
            label = Text(rest, style="cyan")
            if entry.count is not None:
                label.append(f"  {entry.type} · {entry.count:,} items", style="dim")
                node = branch.add(label)
                for i, item in enumerate(entry.value):
                    node.add_leaf(Text(f"[{i}] {_value(item)}"))
                if entry.folded:
                    node.add_leaf(Text(f"… {entry.count - len(entry.value):,} more", style="dim"))
            else:
                label.append(" = ")
                label.append(_value(entry.value), style="green")
                branch.add_leaf(label)


def _value(value: object, width: int = 80) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    text = text.replace("\\n", "↵")
    return text if len(text) <= width else text[: width - 1] + "…"
