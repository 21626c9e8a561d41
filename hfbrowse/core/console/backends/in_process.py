"""In-process: the model loaded here (``core.console.runner``), on one device or spread by
accelerate's ``device_map`` over GPUs, CPU and disk (``--device-map auto --max-memory …``).

It serves every head and chat mode; its title is where the weights ended up (``cpu``,
``cuda:0+cuda:1+cpu (device_map)``), known once a run has loaded them.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from hfbrowse.core.console.backends.base import CAUSAL_LM, RunContext
from hfbrowse.core.console.backends.settings import IN_PROCESS, BackendSettings
from hfbrowse.core.console.results import RunResult

if TYPE_CHECKING:
    from hfbrowse.core.console.runner import RunHooks, RunRequest
    from hfbrowse.core.model import ModelFacts


class InProcessBackend:
    kind = IN_PROCESS

    def __init__(self, settings: BackendSettings) -> None:
        self.settings = settings
        self.where: str | None = None  # the last run's device(s)

    def describe(self) -> str:
        if self.where is not None:
            return self.where
        if self.settings.device_map:
            return f"in-process (device_map={self.settings.device_map})"
        return IN_PROCESS

    def refusal(self, head: str, chat: bool) -> str | None:
        if chat and head != CAUSAL_LM:
            return "chat mode runs a causal LM (AutoModelForCausalLM): /chat off for this head"
        return None

    def remarks(self, facts: ModelFacts) -> list[str]:
        return []

    def run(self, request: RunRequest, ctx: RunContext, hooks: RunHooks) -> RunResult:
        from hfbrowse.core.console.runner import run

        request = replace(
            request, device_map=self.settings.device_map, max_memory=self.settings.max_memory
        )
        result = run(request, ctx.facts, ctx.session, ctx.gateway, ctx.table, hooks)
        self.where = result.where
        return result

    def close(self) -> None:
        return None
