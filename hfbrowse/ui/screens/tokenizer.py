"""The tokenizer view (``T``): what typed text becomes — each token in alternating colours,
special tokens marked, the ids and the count — beside what the tokenizer is (vocabulary size,
special and added tokens, padding side, maximum length).

The files are read in a thread worker (the Hub's small tokenizer files, or the cache); each
edit of the text re-tokenises at once on the UI thread: the Rust tokenizer takes well under a
millisecond for a line, and the text is capped (``MAX_TEXT``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Input, Static

from hfbrowse.core.checkpoint.gguf_file import GGUFInfo
from hfbrowse.core.hub.gateway import HubGateway
from hfbrowse.core.model_ref import ModelRef
from hfbrowse.core.tokenizer.files import tokenizer_files
from hfbrowse.core.tokenizer.tokens import (
    SAMPLE_TEXT,
    Tokenization,
    TokenizerInfo,
    load_tokenizer,
    tokenize,
    tokenizer_info,
)
from hfbrowse.render.theme import SPECIAL_TOKEN_STYLE
from hfbrowse.ui import keys
from hfbrowse.ui.screens.repo_view import RepoViewScreen

ALTERNATE = ("black on #8fbcbb", "black on #ebcb8b")  # token boundaries: alternating backgrounds
SPECIAL = SPECIAL_TOKEN_STYLE


class TokenizerScreen(RepoViewScreen):
    BINDINGS: ClassVar[list[BindingType]] = keys.bindings(keys.CLOSE, extra_keys="T")
    DEFAULT_CSS = """
    TokenizerScreen { align: center middle; }
    TokenizerScreen #tok-body {
        width: 90%; height: 90%; border: round $accent; background: $surface; padding: 0 1;
    }
    TokenizerScreen #tok-status { height: auto; color: $text-muted; }
    TokenizerScreen #tok-status.-error { color: $text-error; }
    TokenizerScreen #tok-input { height: 3; }
    TokenizerScreen #tok-scroll { height: 1fr; }
    TokenizerScreen #tok-tokens, TokenizerScreen #tok-info { height: auto; }
    """

    STATUS_ID = "tok-status"

    def __init__(
        self,
        ref: ModelRef,
        gateway: HubGateway,
        siblings: tuple[str, ...] | None = None,
        *,
        gguf: GGUFInfo | None = None,
    ) -> None:
        super().__init__(ref, gateway)
        self.repo_files = siblings
        self.gguf = gguf  # a GGUF file: its tokenizer comes from its metadata
        self.note: str | None = None  # why a GGUF tokenizer could not be built
        self.tokenizer: Any = None
        self.info: TokenizerInfo | None = None
        self.tokenization: Tokenization | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="tok-body") as body:
            name = self.gguf.file if self.gguf is not None else self.ref.display
            body.border_title = f"tokenizer — {name}"
            body.border_subtitle = "type to tokenise · escape closes"
            yield Static(Text(f"reading the tokenizer of {self.ref.display} …"), id="tok-status")
            yield Input(SAMPLE_TEXT, placeholder="text to tokenise", id="tok-input")
            with VerticalScroll(id="tok-scroll"):
                yield Static(id="tok-tokens")
                yield Static(id="tok-info")

    def on_mount(self) -> None:
        self.query_one("#tok-input", Input).focus()
        super().on_mount()

    def fetch(self) -> tuple[Any, TokenizerInfo]:
        if self.gguf is not None:
            from hfbrowse.core.tokenizer.gguf_tokenizer import gguf_tokenizer

            found = gguf_tokenizer(self.gguf)
            self.note = found.error
            return found.tokenizer, found.info
        files = tokenizer_files(self.ref, self.gateway, self.repo_files)
        tokenizer = load_tokenizer(files)
        return tokenizer, tokenizer_info(files, tokenizer)

    def draw(self, loaded: tuple[Any, TokenizerInfo]) -> None:
        self.tokenizer, self.info = loaded
        self.query_one("#tok-info", Static).update(info_text(self.info))
        if self.tokenizer is None:  # a GGUF tokenizer transformers cannot build
            self.query_one("#tok-input").display = False
            self.status(f"{self.note} · vocab {self.info.vocab_size:,} (from the metadata)")
            return
        self._retokenise(self.query_one("#tok-input", Input).value)

    def failed(self) -> None:
        self.query_one("#tok-input").display = False

    @on(Input.Changed, "#tok-input")
    def _changed(self, event: Input.Changed) -> None:
        if self.tokenizer is not None:
            self._retokenise(event.value)

    def _retokenise(self, text: str) -> None:
        self.tokenization = tokenize(self.tokenizer, text)
        self.query_one("#tok-tokens", Static).update(tokens_text(self.tokenization))
        assert self.info is not None
        self.status(status_line(self.info, self.tokenization))


def status_line(info: TokenizerInfo, tokenization: Tokenization) -> str:
    cut = " (text cut)" if tokenization.truncated else ""
    return (
        f"{tokenization.count} tokens{cut} · {info.model} · vocab {info.vocab_size:,}"
        f" · {', '.join(info.files)}"
    )


def tokens_text(tokenization: Tokenization) -> Text:
    """The text as tokens (alternating backgrounds; special tokens red and bracketed), then
    each token's id under the same colours."""
    pieces, ids = Text(), Text()
    for i, token in enumerate(tokenization.tokens):
        style = SPECIAL if token.special else ALTERNATE[i % 2]
        shown = token.piece or token.token
        if token.special:
            shown = f"⟨{token.token}⟩"
        pieces.append(token.gap.replace("\n", "↵"))
        pieces.append(shown.replace("\n", "↵"), style=style)
        ids.append(str(token.id), style=style)
        ids.append(" ")
    out = Text("text → tokens\n", style="bold")
    out.append_text(pieces)
    out.append("\n\nids\n", style="bold")
    out.append_text(ids)
    out.append("\n\ntokens (as in the vocabulary)\n", style="bold")
    out.append(" ".join(repr(t.token) for t in tokenization.tokens[:200]))
    if tokenization.count > 200:
        out.append(f" … {tokenization.count - 200} more", style="dim")
    return out


def info_text(info: TokenizerInfo) -> Text:
    out = Text("\n")
    rows = [
        ("model", f"{info.model} ({info.tokenizer_class or 'no tokenizer_class'})"),
        ("vocab size", f"{info.vocab_size:,} (with added tokens)"),
        ("padding side", info.padding_side),
        ("truncation side", info.truncation_side),
        ("model max length", str(info.model_max_length or "none set")),
    ]
    for label, value in rows:
        out.append(f"{label:<18}", style="bold")
        out.append(value + "\n")
    out.append(f"{'special tokens':<18}", style="bold")
    out.append(", ".join(f"{k}={v}" for k, v in info.special_tokens) or "none")
    out.append("\n")
    added = info.added_tokens
    out.append(f"{'added tokens':<18}", style="bold")
    out.append(f"{len(added)}: ")
    for token in added[:40]:
        out.append(f"{token.id}:{token.content}", style=SPECIAL if token.special else "")
        out.append(" ")
    if len(added) > 40:
        out.append(f"… {len(added) - 40} more", style="dim")
    return out
