"""Searching the Hub's model list the way its /models page does: text, task, library, sort,
author, parameter range, gated/ungated and "served by an inference provider" — every filter
is sent to ``list_models`` (the server filters; one request per page of results).

Results come from ``HfApi(endpoint=...).list_models``, whose generator requests the next page
(the server's ``Link: rel="next"``) only when it is iterated past the current one. A
:class:`SearchStream` keeps that generator and hands out rows in batches, so a list that is
scrolled to row 250 has requested the pages that hold rows 1–300 and no more.

``list_models`` retries connection errors and 5xx with back-off (about 23 s with no network), so
a search first checks, with one non-retrying request, that the Hub answers at all: with no
network the caller learns it in milliseconds and switches to the local cache.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from hfbrowse.core.errors import HFBrowseError, OfflineError, as_user_error
from hfbrowse.core.hub.gateway import PROBE_TIMEOUT_S, HubGateway, _is_connection_error
from hfbrowse.core.hub.search_filters import (
    hub_range,
    is_adapter,
    is_gguf,
    parameters_doubt,
    providers_of,
    range_text,
    split_tokens,
)
from hfbrowse.core.hub.search_terms import SORTS
from hfbrowse.core.model_ref import ModelRef

SEARCH_PAGE_TOTAL_S = 30.0  # every read of one batch of results
# What each listed model carries: only the fields the list shows (a full record is much larger).
EXPAND: tuple[str, ...] = (
    "pipeline_tag",
    "library_name",
    "downloads",
    "likes",
    "trendingScore",
    "lastModified",
    "gated",
    "private",
    "safetensors",
    "tags",  # gguf / peft / base_model:adapter: markers
    "gguf",
    "inference",
    "inferenceProviderMapping",
    "usedStorage",  # checks the parameter figure (search_filters.parameters_doubt)
)


@dataclass(frozen=True)
class SearchQuery:
    """One search as the user composed it; ``None``/"any" filters are left out of the request."""

    text: str = ""
    sort: str = "downloads"
    task: str | None = None
    library: str | None = "transformers"
    author: str | None = None
    params_min: int | None = None
    params_max: int | None = None
    gated: str | None = None  # None (any), "gated" or "ungated"
    served: bool = False  # only models an inference provider serves

    @classmethod
    def typed(cls, typed: str, base: SearchQuery | None = None) -> SearchQuery:
        """``base`` with what the search box says: its words as the text, its filter tokens
        (``author:… params:1B..8B gated:no served``) over ``base``'s filters; raises
        SearchFilterError for a token that cannot be understood."""
        parsed = split_tokens(typed)
        return replace(base or cls(), text=parsed.text, **parsed.fields)

    @property
    def params_range(self) -> str | None:
        """``1B..8B`` (None: any size)."""
        if self.params_min is None and self.params_max is None:
            return None
        return range_text(self.params_min, self.params_max)

    def filters(self) -> list[str]:
        """The active filters beyond task and library, in words: ``["author meta-llama",
        "params 1B..8B", "ungated", "served"]``."""
        out = [f"author {self.author}"] if self.author else []
        out += [f"params {self.params_range}"] if self.params_range else []
        out += [self.gated] if self.gated else []
        out += ["served"] if self.served else []
        return out

    def cycled(self, field: str, options: tuple[str, ...]) -> SearchQuery:
        """The same query with ``field`` moved to the next of ``options`` ("any" ⇒ None)."""
        current = getattr(self, field) or "any"
        index = options.index(current) if current in options else -1
        value = options[(index + 1) % len(options)]
        return replace(self, **{field: None if value == "any" else value})

    def describe(self) -> str:
        """``"llama" · task text-generation · library transformers · by downloads``."""
        parts = [repr(self.text) if self.text else "all models"]
        parts.append(f"task {self.task or 'any'}")
        parts.append(f"library {self.library or 'any'}")
        parts += self.filters()
        parts.append(f"by {self.sort}")
        return " · ".join(parts)


@dataclass(frozen=True, slots=True)
class ModelHit:
    """One row of a Hub listing (slotted: a list holds tens of thousands of them)."""

    repo_id: str
    pipeline_tag: str | None = None
    library_name: str | None = None
    downloads: int | None = None
    likes: int | None = None
    parameters: int | None = None  # safetensors total, when the Hub knows it
    updated: str | None = None  # YYYY-MM-DD of lastModified
    gated: str | bool = False  # False, "auto" or "manual"
    private: bool = False
    gguf: bool = False  # GGUF files in the repo
    adapter: bool = False  # a PEFT adapter
    providers: tuple[str, ...] = ()  # inference providers serving it live
    parameters_doubt: str | None = None  # why ``parameters`` should not be trusted

    @property
    def markers(self) -> tuple[str, ...]:
        """``("gguf", "adapter", "served")``, those that apply, in that order."""
        flags = (("gguf", self.gguf), ("adapter", self.adapter), ("served", bool(self.providers)))
        return tuple(name for name, on in flags if on)

    @property
    def restricted(self) -> str | None:
        """ "private", "gated" or None: what opening it needs beyond the public Hub."""
        if self.private:
            return "private"
        return "gated" if self.gated else None

    @property
    def ref(self) -> ModelRef:
        return ModelRef("hub", self.repo_id)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.repo_id,
            "pipeline_tag": self.pipeline_tag,
            "library_name": self.library_name,
            "downloads": self.downloads,
            "likes": self.likes,
            "parameters": self.parameters,
            "last_modified": self.updated,
            "gated": self.gated,
            "private": self.private,
            "markers": list(self.markers),
            "providers": list(self.providers),
            "parameters_unreliable": self.parameters_doubt,
        }


def hit_from_info(info: Any) -> ModelHit:
    """A ``huggingface_hub.ModelInfo`` (possibly partial, from ``expand``) → :class:`ModelHit`."""
    st = getattr(info, "safetensors", None)
    modified = getattr(info, "last_modified", None)
    tags = getattr(info, "tags", None)
    library = getattr(info, "library_name", None)
    return ModelHit(
        repo_id=info.id,
        pipeline_tag=getattr(info, "pipeline_tag", None),
        library_name=library,
        downloads=getattr(info, "downloads", None),
        likes=getattr(info, "likes", None),
        parameters=getattr(st, "total", None) if st else None,
        updated=modified.date().isoformat() if modified is not None else None,
        gated=getattr(info, "gated", None) or False,
        private=bool(getattr(info, "private", False)),
        gguf=is_gguf(tags, getattr(info, "gguf", None), library),
        adapter=is_adapter(tags, library),
        providers=providers_of(
            getattr(info, "inference_provider_mapping", None), getattr(info, "inference", None)
        ),
        parameters_doubt=parameters_doubt(st, getattr(info, "used_storage", None)) if st else None,
    )


def check_reachable(gateway: HubGateway) -> None:
    """Raise :class:`OfflineError` (and mark the gateway offline) unless the Hub answers.

    One HEAD on the endpoint, without retries: any HTTP status proves the Hub is reachable; a
    connection failure or timeout (≤ PROBE_TIMEOUT_S) does not.
    """
    if gateway.offline:
        raise OfflineError("Offline: the Hub is not searched; showing the local cache.")
    from huggingface_hub import constants
    from huggingface_hub.utils import get_session

    from hfbrowse.core.hub.transport import HubUnusable, install

    install()
    try:
        get_session().head(gateway.endpoint or constants.ENDPOINT, timeout=PROBE_TIMEOUT_S)
    except HubUnusable as exc:
        raise gateway.fail(exc, ModelRef("hub", "search"), "model list") from None
    except Exception as exc:
        if _is_connection_error(exc):
            raise gateway.fail(exc, ModelRef("hub", "search"), "model list") from None
        raise HFBrowseError(f"Hub search failed: {as_user_error(exc)}") from None


class SearchStream:
    """The rows of one search, pulled page by page as the list needs them (thread-safe)."""

    def __init__(self, gateway: HubGateway, query: SearchQuery, limit: int | None = None):
        self.gateway = gateway
        self.query = query
        self.limit = limit
        self.loaded = 0
        self.exhausted = False
        self._lock = threading.Lock()
        self._items: Iterator[Any] | None = None

    def _start(self) -> Iterator[Any]:
        q = self.query
        kwargs: dict[str, Any] = {
            "sort": SORTS.get(q.sort, "downloads"),
            "expand": list(EXPAND),
        }
        if q.text.strip():
            kwargs["search"] = q.text.strip()
        if q.library:
            kwargs["filter"] = [q.library]
        if q.task:
            kwargs["pipeline_tag"] = q.task
        if q.author:
            kwargs["author"] = q.author
        if (num_parameters := hub_range(q.params_min, q.params_max)) is not None:
            kwargs["num_parameters"] = num_parameters
        if q.gated:
            kwargs["gated"] = q.gated == "gated"
        if q.served:
            kwargs["inference_provider"] = "all"
        if self.limit is not None:
            kwargs["limit"] = self.limit
        return iter(self.gateway.api().list_models(**kwargs))

    def next_batch(self, size: int) -> tuple[ModelHit, ...]:
        """Up to ``size`` more rows; fewer (possibly none) means the listing has ended.

        Requests only the server pages these rows lie on. Errors become the core's one-line
        errors; a connection failure also marks the gateway offline.
        """
        with self._lock:
            if self.exhausted:
                return ()
            hits: list[ModelHit] = []
            from hfbrowse.core.hub.transport import network_budget

            try:
                # One page at a time within a budget: a 429/5xx or a stuck page ends the
                # search at once (list_models would retry it, waiting out Retry-After).
                with network_budget(PROBE_TIMEOUT_S, SEARCH_PAGE_TOTAL_S):
                    if self._items is None:
                        self._items = self._start()
                    for info in self._items:
                        hits.append(hit_from_info(info))
                        if len(hits) >= size:
                            break
                    else:
                        self.exhausted = True
            except Exception as exc:
                self.exhausted = True
                raise _translate(self.gateway, exc) from None
            self.loaded += len(hits)
            return tuple(hits)


def _translate(gateway: HubGateway, exc: Exception) -> HFBrowseError:
    err = gateway.fail(exc, ModelRef("hub", "search"), "model list")
    if isinstance(err, OfflineError):
        return err
    text = str(err).removeprefix("search: ")
    return err if text == str(err) else type(err)(f"Hub search failed: {text}")


def search_models(
    gateway: HubGateway, query: SearchQuery, limit: int = 20, check: bool = True
) -> tuple[ModelHit, ...]:
    """The first ``limit`` results of ``query`` (for ``--print``/``--json``); OfflineError when
    the Hub cannot be reached."""
    if check:
        check_reachable(gateway)
    return SearchStream(gateway, query, limit=limit).next_batch(limit)
