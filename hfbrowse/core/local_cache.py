"""Models already in the local Hugging Face cache (``scan_cache_dir``), readable with no network."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CachedModel:
    repo_id: str
    size_on_disk: int
    last_accessed: float
    revisions: int
    has_config: bool


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
        )
        for repo in info.repos
        if repo.repo_type == "model"
    ]
    return tuple(sorted(models, key=lambda m: -m.last_accessed))
