"""Talking to the Hub (or a cache of it) through huggingface_hub, and nothing else.

Every step here runs inside a :func:`~hfbrowse.core.hub.transport.network_budget`: the first
answer within PROBE_S, every read within a total deadline, and no library retries. ``model_info``
runs first and decides whether this process is online. Any failure to get a usable answer (no
connection, no answer, too slow, cut, 429/5xx, a page that is not the Hub's API) turns the gateway
offline at once (``fail``: the one place that decides) and the HF cache is served, with one
notice saying why (``offline_reason``). Errors are translated into the core's typed errors with a
message a user can act on. Whatever the server says that becomes a path (commit ids, ETags) is
checked to be hex first.
"""

from __future__ import annotations

import contextvars
import json
import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from hfbrowse.core.checkpoint.safetensors import SafetensorsHeader, header_from_entries
from hfbrowse.core.checkpoint.tensors import index_shards
from hfbrowse.core.errors import (
    GatedModel,
    HFBrowseError,
    MalformedAnswer,
    ModelNotFound,
    NoCheckpoint,
    OfflineError,
    UnsafeServerAnswer,
)
from hfbrowse.core.model_ref import ModelRef, is_hub_id
from hfbrowse.core.paths import header_cache_dir
from hfbrowse.core.safe_paths import check_commit_sha, check_revision
from hfbrowse.core.untrusted import load_json

T = TypeVar("T")

PROBE_TIMEOUT_S = 3.0  # the first answer of a step (a silent server costs this, once)
SLOW_READ_TIMEOUT_S = 20.0  # model_info in all (a big repo's listing on a slow link)
SMALL_FILE_TOTAL_S = 30.0  # config.json, the index, the safetensors headers: all reads of a step
ETAG_TIMEOUT_S = 10.0  # huggingface_hub's default
# The fields the opening ``model_info`` asks for (``expand``): what HubFacts holds, plus the
# model tree (base models, children count) — the family costs no request of its own.
MODEL_INFO_EXPAND: tuple[str, ...] = (
    "sha",
    "pipeline_tag",
    "library_name",
    "transformersInfo",
    "gated",
    "private",
    "downloads",
    "likes",
    "siblings",
    "safetensors",
    "baseModels",
    "childrenModelCount",
)
_ETAG = re.compile(r"[0-9a-fA-F]{8,128}")


@dataclass(frozen=True)
class HubFacts:
    """What the Hub says about a repo beyond its files."""

    repo_id: str
    sha: str | None
    pipeline_tag: str | None = None
    library_name: str | None = None
    auto_model: str | None = None
    gated: str | bool = False
    private: bool = False
    downloads: int | None = None
    likes: int | None = None
    siblings: tuple[str, ...] = ()
    safetensors_total: int | None = None
    # The model tree as the server sent it (checked by core.hub.family, never trusted here):
    # ``baseModels`` ({"relation": …, "models": [{"id": …}]}) and ``childrenModelCount``.
    base_models: Any = field(default=None, compare=False)  # a dict: kept out of hash/eq
    children_count: Any = None


@dataclass
class HubGateway:
    """The session's view of the Hub: endpoint, token, and whether it is reachable."""

    endpoint: str | None = None
    token: str | None = None
    offline: bool = False
    offline_reason: str | None = None  # why the session went offline (for the one notice)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def from_env(cls, offline: bool = False) -> HubGateway:
        from huggingface_hub import constants

        return cls(
            endpoint=constants.ENDPOINT,
            token=os.environ.get("HF_TOKEN") or None,
            offline=offline or constants.HF_HUB_OFFLINE,
        )

    def api(self) -> Any:
        from huggingface_hub import HfApi

        from hfbrowse.core.hub.transport import install

        install()
        return HfApi(endpoint=self.endpoint, token=self.token)

    # -- going offline: decided here and nowhere else ------------------------------------------
    def go_offline(self, reason: str | None = None) -> None:
        with self._lock:
            if not self.offline:
                self.offline_reason = reason
            self.offline = True

    @property
    def offline_notice(self) -> str | None:
        """The one line that says the session serves the cache because the Hub failed (None
        when it is online, or offline because the user asked)."""
        if not self.offline or not self.offline_reason:
            return None
        return f"{self.offline_reason.rstrip('.')}: showing the local cache."

    def fail(self, exc: BaseException, ref: ModelRef, what: str = "") -> HFBrowseError:
        """A failed Hub call as the core's error; one that shows the Hub cannot give a usable
        answer (no connection, no answer, 5xx/429, not JSON) also turns the session offline,
        so every later call goes to the cache at once."""
        err = self.translate(exc, ref, what)
        if isinstance(err, OfflineError):
            self.go_offline(str(err))
        return err

    def online(self, ref: ModelRef, what: str, call: Callable[[], T]) -> T | None:
        """``call()`` against the Hub, or None when the session is offline or goes offline now
        (the caller then serves the cache). Errors about the model itself (not found, gated,
        bad revision) are raised as the core's typed errors."""
        if self.offline:
            return None
        try:
            return call()
        except Exception as exc:
            err = self.fail(exc, ref, what)
            if isinstance(err, OfflineError):
                return None
            raise err from None

    # -- repo facts -------------------------------------------------------------------------
    def model_facts(self, ref: ModelRef) -> HubFacts | None:
        """``model_info`` or None when offline (a silent server is detected in PROBE_TIMEOUT_S)."""
        info = self.online(ref, "model info", lambda: self._model_info(ref))
        if info is None:
            return None
        tinfo = getattr(info, "transformers_info", None)
        st = getattr(info, "safetensors", None)
        sha = info.sha
        if sha is not None:  # it names cache files and refs: a server's word is checked first
            sha = check_commit_sha(sha, f"the Hub's answer for {ref.id}")
        return HubFacts(
            repo_id=info.id,
            sha=sha,
            pipeline_tag=info.pipeline_tag,
            library_name=info.library_name,
            auto_model=getattr(tinfo, "auto_model", None) if tinfo else None,
            gated=info.gated or False,
            private=bool(info.private),
            downloads=info.downloads,
            likes=info.likes,
            siblings=tuple(s.rfilename for s in info.siblings or ()),
            safetensors_total=getattr(st, "total", None) if st else None,
            base_models=getattr(info, "base_models", None),
            children_count=getattr(info, "children_model_count", None),
        )

    def _model_info(self, ref: ModelRef) -> Any:
        """The first answer within PROBE_TIMEOUT_S (else: offline, "did not answer"); a server that
        answers but is slow to send a big repo's listing has SLOW_READ_TIMEOUT_S in all."""
        from hfbrowse.core.hub.transport import network_budget

        api = self.api()
        with network_budget(PROBE_TIMEOUT_S, SLOW_READ_TIMEOUT_S):
            return api.model_info(
                ref.id,
                revision=ref.revision,
                timeout=SLOW_READ_TIMEOUT_S,
                expand=list(MODEL_INFO_EXPAND),
            )

    def checked_metadata(self, ref: ModelRef, filename: str, revision: str | None) -> Any:
        """The file's metadata (HEAD), refused unless its commit is 40 hex digits and its ETag
        is hex: huggingface_hub makes both into cache paths (a ``../`` there would write outside
        the cache). Call it before any download."""
        from huggingface_hub import get_hf_file_metadata, hf_hub_url

        self.api()  # installs the bounded transport
        url = hf_hub_url(ref.id, filename, revision=revision, endpoint=self.endpoint)
        meta = get_hf_file_metadata(url, token=self.token, timeout=ETAG_TIMEOUT_S)
        if meta.commit_hash is not None:
            check_commit_sha(meta.commit_hash, f"the server's answer for {ref.id}/{filename}")
        if meta.etag is None or not _ETAG.fullmatch(meta.etag):
            raise UnsafeServerAnswer(
                f"{ref.id}: the server sent an invalid ETag for {filename}"
                f" ({_shown(meta.etag)}); nothing was downloaded."
            )
        return meta

    def fetch_file(self, ref: ModelRef, filename: str) -> Path:
        """A small file of the repo, from the cache when offline (or when the Hub is down)."""
        from huggingface_hub import hf_hub_download, try_to_load_from_cache

        from hfbrowse.core.hub.transport import network_budget

        def download() -> str:
            with network_budget(PROBE_TIMEOUT_S, SMALL_FILE_TOTAL_S):
                self.checked_metadata(ref, filename, ref.revision)
                return hf_hub_download(
                    ref.id,
                    filename,
                    revision=ref.revision,
                    endpoint=self.endpoint,
                    token=self.token,
                    etag_timeout=ETAG_TIMEOUT_S,
                )

        fetched = self.online(ref, filename, download)
        if fetched is not None:
            return Path(fetched)
        cached = try_to_load_from_cache(ref.id, filename, revision=ref.revision)
        if isinstance(cached, str):
            return Path(cached)
        raise OfflineError(
            f"{self.offline_reason or 'Offline'}, and {filename} of {ref.id} is not in the"
            " local cache (open it once online to cache it)."
        )

    # -- revisions ----------------------------------------------------------------------------
    def repo_refs(self, ref: ModelRef) -> Any:
        """``HfApi.list_repo_refs`` (branches, tags, converts, PRs); OfflineError offline."""
        return self._need_online(
            ref, "refs", lambda: self.api().list_repo_refs(ref.id, include_pull_requests=True)
        )

    def repo_commits(self, ref: ModelRef) -> list[Any]:
        """``HfApi.list_repo_commits`` of ``ref``'s revision (newest first)."""
        return self._need_online(
            ref,
            "commits",
            lambda: self.api().list_repo_commits(ref.id, revision=ref.revision or "main"),
        )

    def _need_online(self, ref: ModelRef, what: str, call: Callable[[], T]) -> T:
        """A call only the Hub can answer (no cache holds it); an answer of a shape the client
        cannot read (a list where an object belongs, a missing key) is one clear line."""

        def checked() -> T:
            try:
                return call()
            except (KeyError, TypeError, AttributeError) as exc:
                raise MalformedAnswer(
                    f"{ref.id}: the Hub's {what} answer has an unexpected shape"
                    f" ({type(exc).__name__}: {exc})."
                ) from None

        result = self.online(ref, what, checked)
        if result is None:
            raise OfflineError(f"Offline: the {what} of {ref.id} need the Hub.")
        return result

    # -- safetensors headers ----------------------------------------------------------------
    def safetensors_headers(
        self, ref: ModelRef, sha: str | None, siblings: tuple[str, ...] = ()
    ) -> list[SafetensorsHeader]:
        """Headers by exact ranged reads, cached under hfbrowse's folder for offline use."""
        headers = self.online(
            ref, "safetensors headers", lambda: self._fetch_headers(ref, sha, siblings)
        )
        if headers is not None:
            _store_headers(ref, sha, headers)
            return headers
        cached = _load_headers(ref, sha)
        if cached is not None:
            return cached
        snapshot = _cached_checkpoint_folder(ref)
        if snapshot is not None:
            from hfbrowse.core.checkpoint.safetensors import read_local_header
            from hfbrowse.core.checkpoint.tensors import local_safetensors_files

            return [read_local_header(p) for p in local_safetensors_files(snapshot)]
        raise OfflineError(
            f"{self.offline_reason or 'Offline'}, and the tensor headers of {ref.id} were never"
            " cached."
        )

    def _fetch_headers(
        self, ref: ModelRef, sha: str | None, siblings: tuple[str, ...]
    ) -> list[SafetensorsHeader]:
        from hfbrowse.core.hub.remote_headers import fetch_headers, shard_names
        from hfbrowse.core.hub.transport import network_budget

        with network_budget(PROBE_TIMEOUT_S, SMALL_FILE_TOTAL_S):
            return self._read_headers(ref, sha, siblings, fetch_headers, shard_names)

    def _read_headers(self, ref, sha, siblings, fetch_headers, shard_names):
        revision = sha or ref.revision
        index = "model.safetensors.index.json"
        if index in siblings or (not siblings and self._exists(ref, index, revision)):
            files = shard_names(self.fetch_file(ref, index))
        elif "model.safetensors" in siblings or not siblings:
            files = ["model.safetensors"]
        else:
            files = sorted(s for s in siblings if s.endswith(".safetensors") and "/" not in s)
        if not files:
            raise NoCheckpoint(f"No safetensors checkpoint in {ref.id}.")
        return fetch_headers(
            ref.id,
            files,
            revision=revision,
            endpoint=self.endpoint,
            token=self.token,
            timeout=PROBE_TIMEOUT_S * 5,
            context=contextvars.copy_context,
        )

    def _exists(self, ref: ModelRef, filename: str, revision: str | None) -> bool:
        return bool(self.api().file_exists(ref.id, filename, revision=revision))

    # -- errors -----------------------------------------------------------------------------
    def translate(self, exc: Exception, ref: ModelRef, what: str = "") -> HFBrowseError:
        """Map huggingface_hub/httpx exceptions to the core's errors (one readable line). Every
        failure to get a usable answer from the Hub is an :class:`OfflineError` (its text is
        the one-line reason ``fail`` records); errors about the model itself are not."""
        from huggingface_hub import errors as hf

        from hfbrowse.core.hub.transport import HubUnusable

        name = ref.id
        if isinstance(exc, HubUnusable):
            return OfflineError(exc.reason)
        if isinstance(exc, HFBrowseError):
            return exc
        if isinstance(exc, hf.GatedRepoError):
            return GatedModel(
                f"{name} is gated: accept its terms on the Hub page and set HF_TOKEN"
                " (or `hf auth login`)."
            )
        if isinstance(exc, hf.RepositoryNotFoundError):
            return ModelNotFound(
                f"{name}: no such model on the Hub (if it is private, set HF_TOKEN)."
            )
        if isinstance(exc, hf.RevisionNotFoundError):
            return ModelNotFound(f"{name}: revision {ref.revision!r} not found.")
        if isinstance(exc, hf.NotASafetensorsRepoError):
            return NoCheckpoint(f"{name} has no safetensors checkpoint.")
        # LocalEntryNotFoundError subclasses EntryNotFoundError: "not cached and the Hub is
        # unreachable" must be checked before "the Hub says there is no such file".
        if isinstance(exc, hf.OfflineModeIsEnabled | hf.LocalEntryNotFoundError):
            return OfflineError(f"Offline: {name} cannot be fetched ({what or 'model info'})")
        if isinstance(exc, hf.RemoteEntryNotFoundError | hf.EntryNotFoundError):
            return ModelNotFound(f"{name} has no {what or 'such file'}.")
        if isinstance(exc, hf.SafetensorsParsingError):
            from hfbrowse.core.errors import MalformedHeader

            return MalformedHeader(f"{name}: unreadable safetensors header ({exc}).")
        if isinstance(exc, hf.FileMetadataError):
            return OfflineError(f"{self._host()} does not answer like a Hugging Face Hub")
        if isinstance(exc, hf.HfHubHTTPError):
            status = getattr(getattr(exc, "response", None), "status_code", None)
            if status in (401, 403):
                return GatedModel(f"{name}: access denied (HTTP {status}); set HF_TOKEN.")
            if status is None or status == 429 or status >= 500:
                return OfflineError(f"The Hub ({self._host()}) answered HTTP {status}")
            return HFBrowseError(f"{name}: the Hub answered HTTP {status}.")
        if isinstance(exc, json.JSONDecodeError):
            return OfflineError(
                f"The Hub ({self._host()}) sent a page that is not its API (a proxy or sign-in"
                " page?)"
            )
        if _is_connection_error(exc):
            names = {c.__name__ for c in type(exc).__mro__}
            if "ReadTimeout" in names or (
                "TimeoutException" in names and "ConnectTimeout" not in names
            ):
                return OfflineError(f"The Hub ({self._host()}) did not answer in time")
            return OfflineError(f"No network: the Hub ({self._host()}) cannot be reached")
        return HFBrowseError(f"{name}: {type(exc).__name__}: {exc}")

    def _host(self) -> str:
        from urllib.parse import urlsplit

        from huggingface_hub import constants

        endpoint = self.endpoint or constants.ENDPOINT
        return urlsplit(endpoint).netloc or endpoint


def _shown(value: str | None) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:59] + "…"


def _is_connection_error(exc: BaseException) -> bool:
    names = {c.__name__ for c in type(exc).__mro__}
    markers = {"ConnectError", "ConnectTimeout", "TimeoutException", "NetworkError", "ReadTimeout"}
    return bool(names & markers) or isinstance(exc, ConnectionError | TimeoutError)


def _cached_checkpoint_folder(ref: ModelRef) -> Path | None:
    """The cached snapshot folder when the checkpoint itself (all shards) is in the HF cache."""
    from huggingface_hub import try_to_load_from_cache

    for name in ("model.safetensors.index.json", "model.safetensors"):
        cached = try_to_load_from_cache(ref.id, name, revision=ref.revision)
        if isinstance(cached, str):
            folder = Path(cached).parent
            if name.endswith(".json"):
                try:
                    shards = index_shards(Path(cached).read_bytes(), name)
                except (OSError, HFBrowseError):
                    return None
                if not all((folder / s).is_file() for s in shards):
                    return None
            return folder
    return None


def _from_hub_meta(filename: str, file_meta: Any) -> SafetensorsHeader:
    tensors = file_meta.tensors.items()
    entries = [(name, t.dtype, list(t.shape), list(t.data_offsets)) for name, t in tensors]
    return header_from_entries(filename, entries, dict(file_meta.metadata or {}))


def _header_cache_file(ref: ModelRef, sha: str | None) -> Path | None:
    """Where the headers of ``ref`` at ``sha`` (or at its revision) are cached; None when the
    id or the revision could not be a file name under the cache (the server's sha is checked
    to be 40 hex digits, the revision a git ref name: neither ever leads out of ``HF_HOME``)."""
    if not is_hub_id(ref.id):
        return None
    if sha is not None:
        name = check_commit_sha(sha, f"the Hub's answer for {ref.id}")
    else:
        name = check_revision(ref.revision) or "main"
    return header_cache_dir() / ref.id.replace("/", "--") / f"{name.replace('/', '--')}.json"


def _store_headers(ref: ModelRef, sha: str | None, headers: list[SafetensorsHeader]) -> None:
    doc = {
        h.file: {
            "metadata": h.metadata,
            "tensors": [[t.name, t.dtype, list(t.shape), list(t.data_offsets)] for t in h.tensors],
        }
        for h in headers
    }
    paths = [_header_cache_file(ref, sha)]
    if sha and ref.revision in (None, "main"):
        paths.append(_header_cache_file(ref, None))  # lets offline opens by name find it
    for path in paths:
        if path is None:
            continue
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(doc), encoding="utf-8")
            tmp.replace(path)
        except OSError:
            return  # a read-only cache only costs the offline convenience


def _load_headers(ref: ModelRef, sha: str | None) -> list[SafetensorsHeader] | None:
    """The cached headers, checked as a header read from a file is (a cache file is data)."""
    for path in (_header_cache_file(ref, sha), _header_cache_file(ref, None)):
        if path is None:
            continue
        try:
            doc = load_json(path.read_bytes(), path.name)
            return [
                header_from_entries(file, entry["tensors"], entry.get("metadata"))
                for file, entry in doc.items()
            ]
        except (OSError, HFBrowseError, ValueError, KeyError, TypeError, AttributeError):
            continue
    return None
