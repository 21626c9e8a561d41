"""A model repo's files with their sizes, and which of them are already in the HF cache.

Online this is one ``model_info(files_metadata=True)`` request (it does not retry, so a dead
network fails fast); offline, or when the Hub cannot be reached, the cached snapshot is listed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hfbrowse.core.errors import ModelNotFound, OfflineError
from hfbrowse.core.hub.gateway import PROBE_TIMEOUT_S, HubGateway
from hfbrowse.core.hub.local_cache import cached_files
from hfbrowse.core.model_ref import ModelRef

WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".ckpt", ".h5", ".msgpack", ".gguf")


@dataclass(frozen=True)
class RepoFile:
    path: str
    size: int | None
    lfs: bool  # stored with Git LFS (large files: weights, tokenizer models)
    cached: bool  # present locally (HF cache, or the folder itself)

    @property
    def is_weights(self) -> bool:
        return self.path.endswith(WEIGHT_SUFFIXES)


@dataclass(frozen=True)
class RepoFiles:
    ref: ModelRef
    files: tuple[RepoFile, ...]
    origin: str  # "hub", "cache" or "folder"

    @property
    def total_bytes(self) -> int:
        return sum(f.size or 0 for f in self.files)

    @property
    def cached_bytes(self) -> int:
        return sum(f.size or 0 for f in self.files if f.cached)

    @property
    def cached_count(self) -> int:
        return sum(1 for f in self.files if f.cached)


def list_files(ref: ModelRef, gateway: HubGateway) -> RepoFiles:
    if ref.is_local:
        return _folder_files(ref)
    info = gateway.online(
        ref,
        "file list",
        lambda: gateway.api().model_info(
            ref.id, revision=ref.revision, files_metadata=True, timeout=PROBE_TIMEOUT_S * 5
        ),
    )
    if info is not None:
        local = cached_files(ref.id, ref.revision)
        files = tuple(
            RepoFile(
                s.rfilename,
                s.size if s.size is not None else (s.lfs.size if s.lfs else None),
                s.lfs is not None,
                s.rfilename in local,
            )
            for s in info.siblings or ()
        )
        return RepoFiles(ref, tuple(sorted(files, key=lambda f: f.path)), "hub")
    local = cached_files(ref.id, ref.revision)
    if not local:
        raise OfflineError(f"Offline, and no file of {ref.id} is in the local cache.")
    files = tuple(
        RepoFile(path, size, path.endswith(WEIGHT_SUFFIXES), True)
        for path, size in sorted(local.items())
    )
    return RepoFiles(ref, files, "cache")


def _folder_files(ref: ModelRef) -> RepoFiles:
    folder = Path(ref.id)
    if not folder.is_dir():
        raise ModelNotFound(f"No such folder: {ref.id}")
    files = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if rel.parts[0].startswith(".") or not path.is_file():
            continue
        try:
            size = path.stat().st_size
        except OSError:
            size = None
        files.append(RepoFile(rel.as_posix(), size, rel.name.endswith(WEIGHT_SUFFIXES), True))
    return RepoFiles(ref, tuple(files), "folder")
