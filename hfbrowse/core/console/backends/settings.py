"""Which backend the console uses, as one frozen value: from the command line, the environment,
or ``/backend``; checked here, before anything is fetched, so a wrong flag is one line at once.

``--endpoint URL`` (or ``HFBROWSE_ENDPOINT``) with ``--endpoint-key`` (or
``HFBROWSE_ENDPOINT_KEY``); ``--provider NAME|auto``; ``--device-map auto`` with
``--max-memory cuda:0=20GiB,cpu=64GiB``; ``--timeout S`` for every network read.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

from hfbrowse.core.console.errors import RunError

IN_PROCESS = "in-process"
ENDPOINT = "endpoint"
PROVIDER = "provider"
KINDS = (IN_PROCESS, ENDPOINT, PROVIDER)

ENV_ENDPOINT = "HFBROWSE_ENDPOINT"
ENV_ENDPOINT_KEY = "HFBROWSE_ENDPOINT_KEY"
DEFAULT_TIMEOUT_S = 60.0  # a read that waits longer (first token or mid-stream) is an error
MAX_TIMEOUT_S = 3600.0
DEVICE_MAPS = ("auto", "balanced", "balanced_low_0", "sequential")
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB|KIB|MIB|GIB|TIB)\s*$", re.IGNORECASE)
_DEVICE_KEY = re.compile(r"^(cpu|disk|mps|cuda:\d+|\d+)$")


class BackendSettingsError(RunError):
    """A backend flag or ``/backend`` argument that cannot work (one line, before any fetch)."""


@dataclass(frozen=True)
class BackendSettings:
    """Where runs go. ``endpoint_key`` never appears in a repr, a title or a snippet."""

    kind: str = IN_PROCESS
    endpoint: str | None = None  # normalised base URL, no trailing "/" or "/v1"
    endpoint_key: str | None = field(default=None, repr=False)
    provider: str | None = None  # a provider name, or "auto"
    device_map: str | None = None  # in-process: accelerate's dispatch ("auto", …)
    max_memory: tuple[tuple[str, str], ...] = ()  # (device, size) as typed: ("cuda:0", "20GiB")
    timeout_s: float = DEFAULT_TIMEOUT_S
    offline: bool = False

    @property
    def remote(self) -> bool:
        return self.kind != IN_PROCESS

    def label(self) -> str:
        """Short words for the choice before a backend is probed (``endpoint http://…``)."""
        if self.kind == ENDPOINT:
            return f"endpoint {self.endpoint}"
        if self.kind == PROVIDER:
            return f"provider {self.provider}"
        return IN_PROCESS + (f" (device_map={self.device_map})" if self.device_map else "")


def normalise_endpoint(url: str) -> str:
    """``http://h:8000/v1/`` → ``http://h:8000``; only http(s) URLs with a host."""
    text = url.strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BackendSettingsError(
            f"--endpoint needs an http(s) URL such as http://127.0.0.1:8000, not {url!r}"
        )
    if parts.query or parts.fragment:
        raise BackendSettingsError(f"--endpoint: no query or fragment in the URL ({url!r})")
    path = parts.path.rstrip("/")
    if path.endswith("/v1"):
        path = path[: -len("/v1")]
    return f"{parts.scheme}://{parts.netloc}{path}"


def parse_max_memory(text: str | None) -> tuple[tuple[str, str], ...]:
    """``cuda:0=20GiB,cpu=64GiB`` → ``(("cuda:0", "20GiB"), ("cpu", "64GiB"))``."""
    if not text or not text.strip():
        return ()
    pairs = []
    for part in text.split(","):
        device, sep, size = part.partition("=")
        device = device.strip().lower()
        if not sep or not _DEVICE_KEY.match(device) or not _SIZE.match(size):
            raise BackendSettingsError(
                f"--max-memory: {part.strip()!r} is not DEVICE=SIZE"
                " (e.g. cuda:0=20GiB,cpu=64GiB; devices cpu, disk, mps, cuda:N; sizes in"
                " B, KB, MB, GB, KiB, MiB, GiB)"
            )
        pairs.append((device, size.strip()))
    return tuple(pairs)


def max_memory_for_accelerate(pairs: tuple[tuple[str, str], ...]) -> dict[int | str, str]:
    """accelerate's spelling: GPUs by index (``cuda:1`` → ``1``), ``cpu``/``mps``/``disk``."""
    out: dict[int | str, str] = {}
    for device, size in pairs:
        key: int | str = device
        if device.startswith("cuda:"):
            key = int(device.removeprefix("cuda:"))
        elif device.isdigit():
            key = int(device)
        out[key] = size
    return out


def parse_timeout(value: float | str | None) -> float:
    if value is None:
        return DEFAULT_TIMEOUT_S
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise BackendSettingsError(
            f"--timeout must be a number of seconds, not {value!r}"
        ) from None
    if not math.isfinite(seconds) or not 0 < seconds <= MAX_TIMEOUT_S:
        raise BackendSettingsError(
            f"--timeout must be more than 0 and at most {MAX_TIMEOUT_S:g} s, not {value}"
        )
    return seconds


def settings_from(
    *,
    endpoint: str | None = None,
    endpoint_key: str | None = None,
    provider: str | None = None,
    device_map: str | None = None,
    max_memory: str | None = None,
    timeout: float | str | None = None,
    offline: bool = False,
    env: Mapping[str, str] | None = None,
) -> BackendSettings:
    """The flags (then ``HFBROWSE_ENDPOINT``/``HFBROWSE_ENDPOINT_KEY``) as one checked value."""
    env = env or {}
    endpoint = endpoint or env.get(ENV_ENDPOINT) or None
    endpoint_key = endpoint_key or env.get(ENV_ENDPOINT_KEY) or None
    timeout_s = parse_timeout(timeout)
    if provider and endpoint:
        raise BackendSettingsError("--provider and --endpoint: choose one place to run")
    if device_map and (provider or endpoint):
        raise BackendSettingsError(
            "--device-map places weights in this process; it does not apply to"
            f" {'--provider' if provider else '--endpoint'}"
        )
    if max_memory and not device_map:
        raise BackendSettingsError("--max-memory needs --device-map auto")
    if device_map is not None and device_map not in DEVICE_MAPS:
        raise BackendSettingsError(
            f"--device-map must be one of {', '.join(DEVICE_MAPS)}, not {device_map!r}"
        )
    base = BackendSettings(timeout_s=timeout_s, offline=offline)
    if provider:
        return with_provider(base, provider)
    if endpoint:
        return with_endpoint(base, endpoint, endpoint_key)
    return replace(base, device_map=device_map, max_memory=parse_max_memory(max_memory))


def with_endpoint(base: BackendSettings, url: str, key: str | None = None) -> BackendSettings:
    return replace(
        base,
        kind=ENDPOINT,
        endpoint=normalise_endpoint(url),
        endpoint_key=key if key is not None else base.endpoint_key,
        provider=None,
        device_map=None,
        max_memory=(),
    )


def with_provider(base: BackendSettings, name: str) -> BackendSettings:
    name = name.strip().lower()
    if not re.fullmatch(r"[a-z0-9][a-z0-9_.-]*", name):
        raise BackendSettingsError(f"--provider: {name!r} is not a provider name (or auto)")
    if base.offline:
        raise BackendSettingsError(
            "Inference Providers are reached through the Hub: --offline refuses them"
            " (an --endpoint on this machine still works offline)"
        )
    return replace(
        base, kind=PROVIDER, provider=name, endpoint=None, device_map=None, max_memory=()
    )


def in_process(base: BackendSettings) -> BackendSettings:
    return replace(base, kind=IN_PROCESS, endpoint=None, provider=None)
