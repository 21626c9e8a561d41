"""Fixtures for end-to-end tests: one HF home shared by every journey, the environments the app
must survive, and hostile Hub doubles.

Why one shared home: building the demo models and caching a Hub model costs seconds; every
journey reads the same home (the app only adds caches to it), so it is built once per session.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.e2e import CACHED_MODEL, ENVIRONMENTS
from tests.support.hostile_hub import HostileHub, hostile_servers


@pytest.fixture(scope="session")
def e2e_home(tmp_path_factory: pytest.TempPathFactory, hub) -> Path:
    """An HF home with the demo models built (as ``--demo`` would) and one Hub model cached."""
    from huggingface_hub import snapshot_download

    from hfbrowse.demo.builder import build_demo_models

    home = tmp_path_factory.mktemp("e2e-home")
    build_demo_models(home / "hfbrowse" / "demo")
    snapshot_download(CACHED_MODEL, cache_dir=str(home / "hub"), endpoint=hub.url)
    return home


@pytest.fixture(params=list(ENVIRONMENTS))
def variant(request: pytest.FixtureRequest) -> dict[str, str]:
    """Each environment the app must work under (normal, NO_COLOR, C locale, TERM=linux)."""
    return ENVIRONMENTS[request.param]


@pytest.fixture
def hostile_hub(hub) -> Iterator[Callable[..., HostileHub]]:
    """Start hostile Hub doubles in front of the session's Hub double; all stop at teardown."""
    with hostile_servers(hub.url) as start:
        yield start
