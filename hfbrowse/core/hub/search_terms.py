"""The words a Hub search is made of — sorts, libraries, tasks — apart from the search itself,
so that building the command line's parser imports them and not the search (its gateway,
filters and dataclasses: a few milliseconds of every start-up)."""

from __future__ import annotations

# User-facing sort names (the /models page's) → list_models' ``sort`` values (always descending).
SORTS: dict[str, str] = {
    "downloads": "downloads",
    "likes": "likes",
    "trending": "trending_score",
    "updated": "last_modified",
}
# Library filters offered in the UI ("any" = no library filter).
LIBRARIES: tuple[str, ...] = ("transformers", "sentence-transformers", "any")


def search_tasks() -> tuple[str, ...]:
    """ "any" plus the pipeline tags one of the seven heads serves (the head registry)."""
    from hfbrowse.core.heads.registry import PIPELINE_TO_HEAD

    return ("any", *PIPELINE_TO_HEAD)
