"""Models already in the local Hugging Face cache (``scan_cache_dir``), readable with no network."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hfbrowse.core.model_ref import ModelRef


@dataclass(frozen=True)
class CachedModel:
    repo_id: str
    size_on_disk: int
    last_accessed: float
    revisions: int
    has_config: bool
    markers: tuple[str, ...] = ()  # "gguf", "adapter": what its cached files show


def file_markers(names: list[str]) -> tuple[str, ...]:
    """``("gguf", "adapter")`` as far as file names show: ``*.gguf`` files, an
    ``adapter_config.json`` (the names only; nothing is read)."""
    gguf = any(n.lower().endswith(".gguf") for n in names)
    adapter = any(n.rsplit("/", 1)[-1] == "adapter_config.json" for n in names)
    return tuple(m for m, on in (("gguf", gguf), ("adapter", adapter)) if on)


def cached_models(cache_dir: str | None = None) -> tuple[CachedModel, ...]:
    """Model repos in the HF cache, most recently used first; empty when there is no cache."""
    from huggingface_hub import scan_cache_dir
    from huggingface_hub.errors import CacheNotFound

    try:
        info = scan_cache_dir(cache_dir)
    except (CacheNotFound, OSError, ValueError):
        return ()
    models = [
        CachedModel(
            repo.repo_id,
            repo.size_on_disk,
            repo.last_accessed,
            len(repo.revisions),
            any(f.file_name == "config.json" for rev in repo.revisions for f in rev.files),
            file_markers([f.file_name for rev in repo.revisions for f in rev.files]),
        )
        for repo in info.repos
        if repo.repo_type == "model"
    ]
    return tuple(sorted(models, key=lambda m: (-m.last_accessed, m.repo_id)))


@dataclass(frozen=True)
class LocalModel:
    """A model that opens without the network: a folder given on the command line, a demo
    model, or a repo in the HF cache."""

    ref: ModelRef
    where: str  # "folder", "demo", "cache", or "hub" (given by id, not cached yet)
    size: int | None  # bytes on disk
    last_used: float | None  # cache: last access (epoch seconds); folders: unknown
    has_config: bool = True
    markers: tuple[str, ...] = ()  # "gguf", "adapter" (from file names)

    @property
    def name(self) -> str:
        return self.ref.display.removesuffix(" (demo)") if self.ref.is_local else self.ref.id


def folder_size(folder: Path) -> int | None:
    """Bytes of the files under ``folder`` (symlinks followed, as the HF cache uses them)."""
    try:
        return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    except OSError:
        return None


def local_models(
    given: list[ModelRef] | tuple[ModelRef, ...],
    cached: tuple[CachedModel, ...],
    *,
    sized: bool = True,
) -> tuple[LocalModel, ...]:
    """Given folders (and demo models) first, then the cache, most recently used first.

    Hub ids given on the command line are listed through the cache when they are in it.
    ``sized`` walks the given folders to size them: call from a worker (without it, the list
    the screen shows at once, before the scan).
    """
    out: list[LocalModel] = []
    cached_ids = {c.repo_id for c in cached}
    for ref in given:
        if ref.is_local:
            folder = Path(ref.id)
            where = "demo" if ref.label == "demo" else "folder"
            size = folder_size(folder) if sized else None
            names = _top_names(folder) if sized else []
            has_config = (folder / "config.json").is_file()
            out.append(LocalModel(ref, where, size, None, has_config, file_markers(names)))
        elif ref.id not in cached_ids:
            out.append(LocalModel(ref, "hub", None, None))  # given by id, not cached (yet)
    for c in cached:
        out.append(
            LocalModel(
                ModelRef("hub", c.repo_id),
                "cache",
                c.size_on_disk,
                c.last_accessed,
                c.has_config,
                c.markers,
            )
        )
    return tuple(out)


def _top_names(folder: Path) -> list[str]:
    """The file names directly in ``folder`` (no walk outside or below it)."""
    try:
        return [p.name for p in folder.iterdir() if p.is_file()]
    except OSError:
        return []


# Filters the local list can apply (the id says the author); the others need the Hub's data.
LOCAL_UNAPPLIED = (
    ("params", "parameter count"),
    ("gated", "gated/ungated"),
    ("served", "served by a provider"),
)


def filter_local_query(
    models: tuple[LocalModel, ...], query
) -> tuple[tuple[LocalModel, ...], list[str]]:
    """``query``'s text and author applied to local models, and the names of its active
    filters that cannot be (parameter range, gated, served: the Hub's knowledge)."""
    found = filter_local(models, query.text)
    if query.author:
        owner = query.author.lower()
        found = tuple(
            m for m in found if not m.ref.is_local and m.ref.id.lower().startswith(owner + "/")
        )
    active = {"params": query.params_range, "gated": query.gated, "served": query.served}
    return found, [words for key, words in LOCAL_UNAPPLIED if active[key]]


def filter_local(models: tuple[LocalModel, ...], text: str) -> tuple[LocalModel, ...]:
    """Case-insensitive substring match on the name (every word must match)."""
    words = text.lower().split()
    if not words:
        return models
    return tuple(m for m in models if all(w in m.name.lower() for w in words))


def cached_files(repo_id: str, revision: str | None = None) -> dict[str, int]:
    """Files of a model repo present in the HF cache (path in repo → bytes), for the revision
    ``revision`` (default main) or, if that ref is unknown, every cached snapshot."""
    from huggingface_hub import constants

    repo_dir = Path(constants.HF_HUB_CACHE) / ("models--" + repo_id.replace("/", "--"))
    snapshots = repo_dir / "snapshots"
    if not snapshots.is_dir():
        return {}
    wanted: list[Path] = []
    ref_file = repo_dir / "refs" / (revision or "main")
    if ref_file.is_file():
        wanted = [snapshots / ref_file.read_text(encoding="utf-8").strip()]
    elif revision and (snapshots / revision).is_dir():
        wanted = [snapshots / revision]
    else:
        wanted = sorted(p for p in snapshots.iterdir() if p.is_dir())
    found: dict[str, int] = {}
    for snap in wanted:
        for path in snap.rglob("*"):
            try:
                if path.is_file():
                    found.setdefault(path.relative_to(snap).as_posix(), path.stat().st_size)
            except OSError:
                continue
    return found
