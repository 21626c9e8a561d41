"""How the app was started, as one frozen value the screens and panes are given (never read
back from the app object)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from hfbrowse.core.console.backends.settings import BackendSettings
from hfbrowse.core.model_ref import ModelRef

if TYPE_CHECKING:
    from hfbrowse.core.gguf_model import GGUFTarget
    from hfbrowse.core.hub.search import SearchQuery


@dataclass(frozen=True)
class LaunchOptions:
    models: tuple[ModelRef, ...] = ()  # the models pane's given entries (MODEL, --demo)
    start: ModelRef | None = None  # opened first; None: the models list fills the screen
    head: str | None = None  # --head: pinned for every model that supports it
    offline: bool = False
    run_text: str | None = None  # --run: run once when the head is shown
    device: str | None = None
    dtype: str | None = None
    trust_remote_code: bool = False
    search: SearchQuery | None = None  # --search: the list opens with this query run
    backend: BackendSettings = field(default_factory=BackendSettings)  # --endpoint, …
    chat: bool = False  # --chat: the console starts in chat mode
    system: str | None = None  # --system: the chat's system message
    # The start model was picked for the user (--demo without MODEL): the keys start on the
    # models list, where the other models are, once it is mounted (a wide screen only: at 80
    # columns the list is hidden until / shows it).
    start_on_list: bool = False
    gguf: GGUFTarget | None = None  # FILE.gguf / --gguf FILE: the GGUF view opens at start
