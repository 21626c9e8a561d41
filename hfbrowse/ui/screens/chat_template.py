"""The chat-template view (``C``): the template, highlighted as Jinja, and what it renders for
a sample conversation (system + user + assistant; then system + user with
``add_generation_prompt``), with the special tokens marked in the output.

Rendering runs in the thread worker that reads the files: it is the repo's code in a bounded
sandbox (``core/tokenizer/chat_template.py``) and may take up to its deadline before it is
stopped. ``n`` shows the next named template when the model has several.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from hfbrowse.core.checkpoint.gguf_file import GGUFInfo
from hfbrowse.core.hub.gateway import HubGateway
from hfbrowse.core.model_ref import ModelRef
from hfbrowse.core.tokenizer.chat_template import (
    ChatTemplate,
    Rendering,
    chat_templates,
    gguf_template,
    render_samples,
    special_token_values,
)
from hfbrowse.core.tokenizer.files import tokenizer_files
from hfbrowse.render.theme import SPECIAL_TOKEN_STYLE, code
from hfbrowse.ui import keys
from hfbrowse.ui.screens.repo_view import RepoViewScreen

SPECIAL = SPECIAL_TOKEN_STYLE


@dataclass(frozen=True)
class RenderedTemplate:
    template: ChatTemplate
    plain: Rendering
    prompt: Rendering


class ChatTemplateScreen(RepoViewScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        *keys.bindings(keys.CLOSE, extra_keys="C"),
        *keys.bindings(keys.CHAT_TEMPLATE),
    ]
    DEFAULT_CSS = """
    ChatTemplateScreen { align: center middle; }
    ChatTemplateScreen #chat-body {
        width: 90%; height: 90%; border: round $accent; background: $surface; padding: 0 1;
    }
    ChatTemplateScreen #chat-status { height: auto; color: $text-muted; }
    ChatTemplateScreen #chat-status.-error { color: $text-error; }
    ChatTemplateScreen #chat-scroll { height: 1fr; }
    ChatTemplateScreen #chat-content { height: auto; }
    """

    STATUS_ID = "chat-status"

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
        self.gguf = gguf  # a GGUF file: its template is tokenizer.chat_template
        self.rendered: list[RenderedTemplate] = []
        self.specials: list[str] = []
        self.index = 0

    def compose(self) -> ComposeResult:
        with Vertical(id="chat-body") as body:
            name = self.gguf.file if self.gguf is not None else self.ref.display
            body.border_title = f"chat template — {name}"
            body.border_subtitle = "n: next template · escape closes"
            yield Static(
                Text(f"reading the chat template of {self.ref.display} …"), id="chat-status"
            )
            with VerticalScroll(id="chat-scroll"):
                yield Static(id="chat-content")

    def on_mount(self) -> None:
        self.query_one("#chat-scroll").focus()
        super().on_mount()

    def fetch(self) -> tuple[list[RenderedTemplate], list[str]]:
        if self.gguf is not None:
            from hfbrowse.core.tokenizer.gguf_tokenizer import tokenizer_metadata

            template, specials = gguf_template(tokenizer_metadata(self.gguf))
            templates: tuple[ChatTemplate, ...] = (template,) if template else ()
        else:
            files = tokenizer_files(self.ref, self.gateway, self.repo_files)
            specials = special_token_values(files)
            templates = chat_templates(files)
        rendered = [RenderedTemplate(t, *render_samples(t, specials)) for t in templates]
        return rendered, sorted(set(specials.values()), key=len, reverse=True)

    def draw(self, loaded: tuple[list[RenderedTemplate], list[str]]) -> None:
        self.rendered, self.specials = loaded
        if not self.rendered:
            where = (
                "no tokenizer.chat_template in the file's metadata"
                if self.gguf is not None
                else "no chat_template.jinja, none in tokenizer_config.json"
            )
            self.status(f"no chat template: {where}")
            return
        self._show()

    def action_next_template(self) -> None:
        if self.rendered:
            self.index = (self.index + 1) % len(self.rendered)
            self._show()

    def _show(self) -> None:
        item = self.rendered[self.index]
        names = " · ".join(
            f"[{r.template.name}]" if i == self.index else r.template.name
            for i, r in enumerate(self.rendered)
        )
        self.status(f"{names} · from {item.template.source}")
        self.query_one("#chat-content", Static).update(
            Group(
                Text("template", style="bold"),
                code(item.template.template, lexer="jinja", word_wrap=True),
                Text("\nsample conversation (system, user, assistant)", style="bold"),
                rendering_text(item.plain, self.specials),
                Text("\nwith add_generation_prompt (system, user)", style="bold"),
                rendering_text(item.prompt, self.specials),
            )
        )


def rendering_text(rendering: Rendering, specials: list[str]) -> Text:
    """The rendered prompt with special tokens marked and line ends shown (``↵``)."""
    if rendering.error is not None:
        return Text(f"error: {rendering.error}", style="red")
    text = rendering.text or ""
    out = Text()
    pattern = "|".join(re.escape(s) for s in specials if s)
    pos = 0
    for match in re.finditer(pattern, text) if pattern else ():
        out.append(_visible(text[pos : match.start()]))
        out.append(match.group(0), style=SPECIAL)
        pos = match.end()
    out.append(_visible(text[pos:]))
    return out


def _visible(text: str) -> str:
    return text.replace("\n", "↵\n")
