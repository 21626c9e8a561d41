"""The highlighted model's files with their sizes; ``●`` marks those already in the HF cache.

One ``model_info(files_metadata=True)`` request in a thread worker, or the cached snapshot when
offline; weights are listed, never downloaded.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from hfbrowse.core.formatting import human_bytes
from hfbrowse.core.gguf_model import GGUFTarget
from hfbrowse.core.hub.files import RepoFiles, list_files
from hfbrowse.core.paths import GGUF_SUFFIX
from hfbrowse.core.untrusted import printable
from hfbrowse.ui import keys
from hfbrowse.ui.screens.gguf import GGUFScreen
from hfbrowse.ui.screens.repo_view import RepoViewScreen

ORIGINS = {"hub": "listed by the Hub", "cache": "the cached snapshot (offline)", "folder": "local"}


class RepoFilesScreen(RepoViewScreen):
    BINDINGS: ClassVar[list[BindingType]] = keys.bindings(keys.CLOSE, extra_keys="f")
    DEFAULT_CSS = """
    RepoFilesScreen { align: center middle; }
    RepoFilesScreen #files-body {
        width: 90%; height: 90%; border: round $accent; background: $surface; padding: 0 1;
    }
    RepoFilesScreen #files-status { height: auto; color: $text-muted; }
    RepoFilesScreen #files-status.-error { color: $text-error; }
    RepoFilesScreen #files-table { height: 1fr; }
    """

    STATUS_ID = "files-status"

    def compose(self) -> ComposeResult:
        with Vertical(id="files-body") as body:
            body.border_title = Text(f"files — {printable(self.ref.display)}")
            body.border_subtitle = "● cached · enter on a .gguf: its header · escape closes"
            listing = f"listing the files of {printable(self.ref.display)} …"
            yield Static(Text(listing), id="files-status")
            yield DataTable(id="files-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one("#files-table", DataTable)
        table.add_column(" ", key="cached")
        table.add_column("file", key="path")
        table.add_column("size", key="size")
        table.add_column("", key="kind")
        table.focus()
        super().on_mount()

    @on(DataTable.RowSelected, "#files-table")
    def _open_gguf(self, event: DataTable.RowSelected) -> None:
        """Enter on a ``.gguf`` file opens its header (metadata and tensors) over this view."""
        files = getattr(self, "files", None)
        if files is None or event.cursor_row >= len(files.files):
            return
        path = files.files[event.cursor_row].path
        if path.endswith(GGUF_SUFFIX):
            self.app.push_screen(GGUFScreen(GGUFTarget(self.ref, path), self.gateway))

    def fetch(self) -> RepoFiles:
        return list_files(self.ref, self.gateway)

    def draw(self, files: RepoFiles) -> None:
        self.files = files
        table = self.query_one("#files-table", DataTable)
        for f in files.files:
            kind = "weights" if f.is_weights else ("lfs" if f.lfs else "")
            size = Text(human_bytes(f.size), justify="right")
            if f.size is None:
                size = Text("unknown", style="dim", justify="right")
            table.add_row(
                Text("●" if f.cached else " ", style="green"),
                Text(printable(f.path)),
                size,
                Text(kind, style="yellow" if f.is_weights else "dim"),
            )
        self.query_one("#files-status", Static).update(Text(files_summary(files)))


def size_of(sizes: list[int | None]) -> str:
    """What a set of files weighs: ``1.2 MiB``, ``size unknown``, or ``1.2 MiB + 2 of unknown
    size`` — never ``0 B`` for files whose size the Hub did not say."""
    known = [s for s in sizes if s is not None]
    unknown = len(sizes) - len(known)
    if sizes and not known:
        return "size unknown"
    total = human_bytes(sum(known))
    return f"{total} + {unknown} of unknown size" if unknown else total


def files_summary(files: RepoFiles) -> str:
    """``5 files · 1.2 MiB · cached 2 (4.0 KiB) · listed by the Hub``."""
    n = len(files.files)
    cached = [f.size for f in files.files if f.cached]
    return (
        f"{n} file{'s' if n != 1 else ''} · {size_of([f.size for f in files.files])}"
        f" · cached {len(cached)}{f' ({size_of(cached)})' if cached else ''}"
        f" · {ORIGINS.get(files.origin, files.origin)}"
    )
