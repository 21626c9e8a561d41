"""What end-to-end tests share: the hfbrowse command, the environments, the app's environment."""

from __future__ import annotations

import sys
from pathlib import Path

from tests.support.hostile_hub import dead_loopback_url
from tests.support.models import hub_id

# The environments a user's terminal may give the app; each journey runs under every one.
ENVIRONMENTS: dict[str, dict[str, str]] = {
    "default": {},
    "no-color": {"NO_COLOR": "1"},
    "c-locale": {"LANG": "C", "LC_ALL": "C"},
    "term-linux": {"TERM": "linux"},
}
SIZES: dict[str, tuple[int, int]] = {"120x40": (120, 40), "80x24": (80, 24)}
# Where the size matters too: every environment at 80x24 (the narrow layout, the less room),
# and the normal one at 120x40 as well; the full cross product would double the time for
# nothing an environment changes about layout.
ENV_SIZES = [(env, "80x24") for env in ENVIRONMENTS] + [("default", "120x40")]
CACHED_MODEL = hub_id("tiny-gpt2")  # in the shared home's HF cache: the offline list shows it


def hfbrowse_command() -> list[str]:
    """The installed console script (what a user runs), else ``python -m hfbrowse``."""
    script = Path(sys.executable).with_name("hfbrowse")
    return [str(script)] if script.exists() else [sys.executable, "-m", "hfbrowse"]


def app_env(
    home: Path, *, offline: bool = True, endpoint: str | None = None, **extra: str | None
) -> dict[str, str | None]:
    """The environment of one app process: its own HF home, never the real Hub (``None``
    removes a variable the test process has)."""
    env: dict[str, str | None] = {
        "HF_HOME": str(home),
        "HF_HUB_CACHE": str(home / "hub"),
        "HF_ENDPOINT": endpoint or dead_loopback_url(),
        "HF_HUB_OFFLINE": "1" if offline else None,
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "HF_TOKEN": None,
        "LC_ALL": None,
    }
    env.update(extra)
    return env
