"""The console's current backend: built from the settings on first use (probing an endpoint),
replaced when ``/backend`` changes the settings, closed when replaced.

The TUI's probe worker and run worker may both ask for it at once: one probes, the other
waits for that answer. A probe that fails leaves nothing behind, so the next run asks again
(the server may be up by then).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from hfbrowse.core.console.backends.settings import BackendSettings

if TYPE_CHECKING:
    from hfbrowse.core.console.backends.base import Backend, RunContext
    from hfbrowse.core.console.results import RunResult
    from hfbrowse.core.console.runner import RunHooks, RunRequest
    from hfbrowse.core.hub.gateway import HubGateway


class BackendHolder:
    def __init__(self, settings: BackendSettings | None = None, transport: Any = None) -> None:
        self.settings = settings or BackendSettings()
        self.transport = transport  # tests: a mock HTTP transport for every backend
        self._backend: Backend | None = None
        self._lock = threading.Lock()

    @property
    def current(self) -> Backend | None:
        """The backend built for the current settings, if it has been (no probing here)."""
        backend = self._backend
        return backend if backend is not None and backend.settings == self.settings else None

    def words(self) -> str:
        """What the console title says: the backend's own description once it is known."""
        backend = self.current
        return backend.describe() if backend is not None else self.settings.label()

    def switch(self, settings: BackendSettings) -> bool:
        """Use ``settings`` from now on; True when that is a change."""
        with self._lock:
            if settings == self.settings:
                return False
            old, self._backend = self._backend, None
            self.settings = settings
        if old is not None:
            old.close()
        return True

    def get(self, gateway: HubGateway | None) -> Backend:
        """The backend, probing it first if needed (network: worker paths only)."""
        with self._lock:
            if self._backend is None or self._backend.settings != self.settings:
                from hfbrowse.core.console.backends.choose import choose_backend

                self._backend = choose_backend(self.settings, gateway, self.transport)
            return self._backend

    def run(self, request: RunRequest, ctx: RunContext, hooks: RunHooks) -> RunResult:
        """One run; on a remote backend the phase line says where it waits (in-process, the
        runner reports its own phases: checking, importing, downloading, loading, running)."""
        remote = self.settings.remote
        if remote:
            _phase(hooks, f"reaching {self.words()}")
        backend = self.get(ctx.gateway)
        if remote:
            _phase(hooks, f"running {request.head} on {backend.describe()}")
        return backend.run(request, ctx, hooks)

    def close(self) -> None:
        with self._lock:
            old, self._backend = self._backend, None
        if old is not None:
            old.close()


def _phase(hooks: RunHooks, label: str) -> None:
    if hooks.progress is not None:
        hooks.progress(label, None, None)
