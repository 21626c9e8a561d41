"""Helpers shared by the console tests: facts of a fixture, one run, snippets in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from hfbrowse.core.console.results import RunResult
from hfbrowse.core.console.runner import RunHooks, RunRequest, run
from hfbrowse.core.console.session import ModelSession
from hfbrowse.core.hub.gateway import HubGateway
from hfbrowse.core.model import ModelFacts, load_facts
from hfbrowse.core.model_ref import ModelRef

OFFLINE = HubGateway(offline=True)
_MARK = "=== hfbrowse snippet "


def local_facts(folder: Path) -> ModelFacts:
    return load_facts(ModelRef("local", str(folder)), OFFLINE)


def run_local(
    session: ModelSession,
    folder: Path,
    text: str,
    head: str | None = None,
    hooks: RunHooks | None = None,
    **request: object,
) -> RunResult:
    facts = local_facts(folder)
    chosen = head or facts.heads.recommended
    assert chosen is not None
    return run(RunRequest(chosen, text, **request), facts, session, OFFLINE, hooks=hooks)


def run_snippets(codes: list[str], timeout: float = 240) -> list[str]:
    """Execute each snippet in one fresh interpreter (own namespace each); their stdouts."""
    driver = (
        "import json, sys\n"
        "codes = json.loads(sys.stdin.read())\n"
        "for i, code in enumerate(codes):\n"
        f"    print({_MARK!r} + str(i), flush=True)\n"
        "    exec(compile(code, f'snippet{i}', 'exec'), {'__name__': '__main__'})\n"
    )
    env = dict(os.environ, HF_HUB_OFFLINE="1", PYTHONWARNINGS="ignore")
    done = subprocess.run(
        [sys.executable, "-c", driver],
        input=json.dumps(codes),
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    parts = done.stdout.split(_MARK)[1:]
    return [part.split("\n", 1)[1] if "\n" in part else "" for part in parts]
