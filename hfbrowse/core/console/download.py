"""Fetching the files a run needs from the Hub into the HF cache, with progress and cancel.

Only the console calls this, so weights are downloaded when the user runs a model and never to
draw a pane. Files are fetched one by one with ``hf_hub_download`` (the HF cache layout, resumable
``.incomplete`` files); its ``tqdm_class`` hook reports bytes, and raises when the user cancels,
which aborts the transfer mid-file.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hfbrowse.core.console.errors import RunCancelled
from hfbrowse.core.console.preflight import TOKENIZER_FILES, WeightFiles
from hfbrowse.core.errors import HFBrowseError, OfflineError
from hfbrowse.core.hub.gateway import HubGateway
from hfbrowse.core.model_ref import ModelRef

# label, bytes done, bytes total (None: unknown)
ProgressFn = Callable[[str, int, int | None], None]
REPORT_EVERY_S = 0.1
# Everything a tokenizer or generate may read, beside config.json and the weights.
SMALL_FILES = (
    "config.json",
    "generation_config.json",
    *TOKENIZER_FILES,
    "special_tokens_map.json",
    "added_tokens.json",
    "chat_template.jinja",
)


class DownloadCancelled(RunCancelled):
    """Raised from inside a transfer when the user cancels; the partial file stays resumable."""


def fetch_model(
    ref: ModelRef,
    gateway: HubGateway,
    revision: str | None,
    siblings: tuple[str, ...],
    checkpoint: WeightFiles,
    progress: ProgressFn,
    cancel: threading.Event,
) -> Path:
    """The snapshot folder holding config, tokenizer files and every weight file of the run."""
    wanted = [name for name in SMALL_FILES if name in siblings or name == "config.json"]
    wanted += [name for name in checkpoint.files if name not in wanted]
    index = next((f for f in checkpoint.files if f.endswith(".index.json")), None)
    fetched: dict[str, Path] = {}
    for name in wanted:
        number = (len(fetched) + 1, len(wanted), index is not None)
        fetched[name] = _fetch(ref, gateway, revision, name, progress, cancel, number)
    if index is not None:
        shards = _shards(fetched[index])
        total = len(wanted) + len(shards)
        for shard in shards:
            number = (len(fetched) + 1, total, False)
            fetched[shard] = _fetch(ref, gateway, revision, shard, progress, cancel, number)
    return fetched["config.json"].parent


def fetch_files(
    ref: ModelRef,
    gateway: HubGateway,
    revision: str | None,
    names: tuple[str, ...],
    progress: ProgressFn,
    cancel: threading.Event,
) -> Path:
    """The snapshot folder (the repo's root) holding ``names`` and nothing else: a GGUF file
    (its config and tokenizer are in it), or an adapter's config and weights."""
    root: Path | None = None
    for i, name in enumerate(names, 1):
        root = _fetch(ref, gateway, revision, name, progress, cancel, (i, len(names), False))
        for _ in Path(name).parts:  # "sub/model.gguf": the root is two levels up
            root = root.parent
    assert root is not None
    return root


def _shards(index_file: Path) -> list[str]:
    """The index's shard names, each a plain relative name (``index_shards``): a download
    never lands outside the snapshot folder."""
    from hfbrowse.core.checkpoint.tensors import index_shards

    try:
        return index_shards(index_file.read_bytes(), index_file.name)
    except OSError:
        raise HFBrowseError(f"{index_file.name}: unreadable checkpoint index.") from None


def _fetch(
    ref: ModelRef,
    gateway: HubGateway,
    revision: str | None,
    filename: str,
    progress: ProgressFn,
    cancel: threading.Event,
    number: tuple[int, int, bool],
) -> Path:
    """One file; ``number`` is (this file, files known so far, more to come: the shards an
    index names are counted once it is read)."""
    from huggingface_hub import hf_hub_download

    if cancel.is_set():
        raise DownloadCancelled("stopped: download cancelled")
    index, total, more = number
    label = f"{index}/{total}{'+' if more else ''} files: {filename}"
    try:
        if not gateway.offline:  # what becomes a cache path is checked before any byte
            gateway.checked_metadata(ref, filename, revision or ref.revision)
        return Path(
            hf_hub_download(
                ref.id,
                filename,
                revision=revision or ref.revision,
                endpoint=gateway.endpoint,
                token=gateway.token,
                local_files_only=gateway.offline,
                tqdm_class=_bar_class(label, progress, cancel),  # type: ignore[arg-type]
            )
        )
    except DownloadCancelled:
        raise
    except Exception as exc:
        err = gateway.fail(exc, ref, filename)
        if isinstance(err, OfflineError):
            raise OfflineError(
                f"{err}: {filename} of {ref.id} is not in the local cache, so it cannot be loaded."
            ) from None
        raise err from None


def _bar_class(label: str, progress: ProgressFn, cancel: threading.Event) -> type:
    """A tqdm look-alike that huggingface_hub instantiates for one file's transfer."""

    class _Bar:
        def __init__(self, *args: Any, total: int | None = None, initial: int = 0, **kw: Any):
            self.total = total
            self.n = initial or 0
            self._last = 0.0
            progress(label, self.n, total)

        def update(self, n: int | float | None = 1) -> None:
            if cancel.is_set():
                raise DownloadCancelled("stopped: download cancelled")
            self.n += int(n or 0)
            now = time.monotonic()
            if now - self._last >= REPORT_EVERY_S or (self.total and self.n >= self.total):
                self._last = now
                progress(label, self.n, self.total)

        def close(self) -> None:
            progress(label, self.n, self.total)

        def __enter__(self) -> _Bar:
            return self

        def __exit__(self, *exc: object) -> None:
            self.close()

        def __getattr__(self, name: str) -> Callable[..., None]:
            return lambda *args, **kwargs: None  # set_postfix_str, refresh, …

    return _Bar
