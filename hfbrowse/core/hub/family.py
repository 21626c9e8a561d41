"""A model's family: the base model(s) it derives from, and the models derived from it.

The Hub's "model tree" in data. Where it comes from:

- **the Hub**: the opening ``model_info`` already asks for ``baseModels`` (``{"relation":
  "finetune"|"adapter"|"quantized"|"merge", "models": [{"id": …}]}``) and
  ``childrenModelCount`` (see ``gateway.MODEL_INFO_EXPAND``), so the family costs no request of
  its own. The children themselves are listed only when asked (the family view, ``--family``):
  one ``list_models(filter="base_model:<relation>:<id>")`` per relation, as the Hub's model tree
  does, bounded like a search page;
- **a local folder** (or a Hub model offline): the card's YAML ``base_model`` (a string or a
  list) and ``base_model_relation``, and a PEFT folder's ``adapter_config.json``
  ``base_model_name_or_path``. No children: only the Hub knows them.

Everything a server or a card says is data: relations outside the four, ids that are no repo
id (``..``, slashes, control characters), wrong types and huge lists are left out with one
note each, never a crash. Nothing here reads a weight byte.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from hfbrowse.core.errors import HFBrowseError
from hfbrowse.core.model_ref import ModelRef, is_hub_id, parse_model_arg
from hfbrowse.core.untrusted import printable

RELATIONS: tuple[str, ...] = ("finetune", "adapter", "quantized", "merge")
# How each relation reads in a sentence ("finetune of X", "3 adapters").
RELATION_OF = {
    "finetune": "finetune of",
    "adapter": "adapter of",
    "quantized": "quantized from",
    "merge": "merge of",
}
RELATION_PLURAL = {
    "finetune": "finetunes",
    "adapter": "adapters",
    "quantized": "quantizations",
    "merge": "merges",
}
MAX_BASES = 20  # a merge names a few; a server that sends thousands is cut here (and says so)
CHILDREN_LIMIT = 20  # children listed per relation when asked
MAX_CHILDREN_LIMIT = 100
CARD_FILE = "README.md"
MAX_CARD_BYTES = 2_000_000
CHILDREN_PAGE_TOTAL_S = 30.0  # every read of one relation's listing
CHILD_EXPAND: tuple[str, ...] = ("downloads", "likes", "pipeline_tag")


@dataclass(frozen=True)
class Relative:
    """One model of the family: its id (a Hub id, or a folder an adapter names) and, for a
    child, its downloads as the Hub counts them."""

    id: str
    downloads: int | None = None
    likes: int | None = None

    @property
    def ref(self) -> ModelRef:
        """What opening it means: a folder when it is one on disk, else a Hub id."""
        return parse_model_arg(self.id)


@dataclass(frozen=True)
class Children:
    """The models derived from this one by one relation (the first ``limit``, most downloaded
    first), or why they could not be listed."""

    relation: str
    models: tuple[Relative, ...] = ()
    limit: int = CHILDREN_LIMIT
    error: str | None = None
    skipped: int = 0  # ids from the server left out (not a repo id)
    more: bool = False  # the server had more than ``limit`` (one more was asked for, to know)


@dataclass(frozen=True)
class Family:
    """Where the model sits in the model tree."""

    relation: str | None  # how it derives from its bases; None: it names none
    bases: tuple[Relative, ...]
    children_count: int | None  # models derived from it (the Hub's count); None: unknown
    source: str  # "hub", "card" (README.md YAML), "adapter_config", or "none"
    notes: tuple[str, ...] = ()  # values left out, offline …
    children: tuple[Children, ...] | None = None  # listed only when asked

    @property
    def is_derived(self) -> bool:
        return bool(self.bases)

    @property
    def base(self) -> Relative | None:
        """The base a diff compares with (the first one named)."""
        return self.bases[0] if self.bases else None

    def summary(self) -> str | None:
        """``finetune of meta-llama/Llama-3.1-8B · 1,234 derived`` (None: nothing to say)."""
        parts = []
        if self.bases:
            names = self.bases[0].id
            if len(self.bases) > 1:
                names += f" + {len(self.bases) - 1} more"
            parts.append(f"{RELATION_OF.get(self.relation or '', 'derived from')} {names}")
        if self.children_count:
            parts.append(f"{self.children_count:,} derived")
        return " · ".join(parts) or None


# -- checking what a server or a card says -------------------------------------------------
def _base_id(value: Any, local_ok: bool = False) -> str | None:
    """A base id as given, when it is a Hub repo id (or, from a local adapter, a folder on
    disk); None otherwise."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if is_hub_id(text):
        return text
    if local_ok and text.startswith(("/", "./", "../", "~")):
        try:
            if Path(text).expanduser().is_dir():
                return text
        except (OSError, ValueError):
            return None
    return None


def _relation(value: Any, notes: list[str]) -> str | None:
    if value is None:
        return None
    if isinstance(value, str) and value.strip().lower() in RELATIONS:
        return value.strip().lower()
    notes.append(f"unknown relation {printable(str(value))[:40]!r} left out")
    return None


def _ids(values: list[Any], notes: list[str], local_ok: bool = False) -> tuple[str, ...]:
    """The valid, distinct ids among ``values`` (dicts ``{"id": …}`` or strings), the first
    MAX_BASES of them; what is left out is one note each."""
    out: list[str] = []
    bad = 0
    for value in values:
        if len(out) >= MAX_BASES:
            break
        if isinstance(value, dict):
            value = value.get("id")
        found = _base_id(value, local_ok)
        if found is None:
            bad += 1
        elif found not in out:
            out.append(found)
    if bad:
        notes.append(f"{bad} base id{'s' if bad != 1 else ''} left out (not a repo id)")
    if len(out) >= MAX_BASES and len(values) > MAX_BASES:
        notes.append(f"{len(values):,} base models named: the first {MAX_BASES} shown")
    return tuple(out)


def _as_list(value: Any, what: str, notes: list[str]) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str | dict):
        return [value]
    if isinstance(value, list | tuple):
        return list(value)  # walked only until MAX_BASES valid ids are found
    notes.append(f"{what} of an unexpected type ({type(value).__name__}) left out")
    return []


def _count(value: Any, notes: list[str]) -> int | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**12:
        return value
    notes.append(f"children count {printable(repr(value))[:30]} left out (not a count)")
    return None


def family_from_hub(base_models: Any, children_count: Any) -> Family:
    """The family from ``model_info``'s ``baseModels`` and ``childrenModelCount`` (raw)."""
    notes: list[str] = []
    relation = None
    if isinstance(base_models, dict):
        relation = _relation(base_models.get("relation"), notes)
        models = _as_list(base_models.get("models"), "base models", notes)
    else:
        models = _as_list(base_models, "base models", notes)
    bases = _ids(models, notes)
    if bases and relation is None:
        relation = "merge" if len(bases) > 1 else "finetune"
    return Family(
        relation=relation if bases else None,
        bases=tuple(Relative(b) for b in bases),
        children_count=_count(children_count, notes),
        source="hub",
        notes=tuple(notes),
    )


def family_from_card(
    metadata: Any, adapter_base: str | None = None, local_ok: bool = False
) -> Family:
    """The family a card's YAML (``base_model``, ``base_model_relation``) and an adapter's
    ``base_model_name_or_path`` name; the relation is inferred as the Hub infers it when the
    card does not say (an adapter → adapter, several bases → merge, else finetune)."""
    notes: list[str] = []
    meta = metadata if isinstance(metadata, dict) else {}
    if metadata is not None and not isinstance(metadata, dict):
        notes.append("the card's YAML metadata is not a mapping")
    bases = _ids(_as_list(meta.get("base_model"), "base_model", notes), notes, local_ok)
    relation = _relation(meta.get("base_model_relation"), notes)
    source = "card" if bases else "none"
    if adapter_base is not None and not bases:
        bases = _ids([adapter_base], notes, local_ok=True)
        source = "adapter_config" if bases else source
    if bases and relation is None:
        if adapter_base is not None:
            relation = "adapter"
        else:
            relation = "merge" if len(bases) > 1 else "finetune"
    return Family(
        relation=relation if bases else None,
        bases=tuple(Relative(b) for b in bases),
        children_count=None,
        source=source,
        notes=tuple(notes),
    )


def card_metadata(text: str) -> Any:
    """The YAML front matter of a README.md (None: none, or unreadable)."""
    import yaml
    from huggingface_hub.repocard import REGEX_YAML_BLOCK

    match = REGEX_YAML_BLOCK.search(text)
    if not match:
        return None
    try:
        return yaml.safe_load(match.group(2))
    except yaml.YAMLError:
        return None


# -- from the opened model ---------------------------------------------------------------------
def load_family(facts: Any, gateway: Any) -> Family:
    """The family of an opened model (``core.model.ModelFacts``), with no request of its own:
    the Hub's answer when online, else the card (a folder's, or the HF cache's copy)."""
    adapter_base = facts.adapter.base_model if facts.adapter is not None else None
    ref: ModelRef = facts.ref
    hub = facts.hub
    if hub is not None and (hub.base_models is not None or hub.children_count is not None):
        family = family_from_hub(hub.base_models, hub.children_count)
        if not family.bases and adapter_base is not None:  # the Hub missed an adapter's base
            local = family_from_card(None, adapter_base)
            family = replace(family, relation=local.relation, bases=local.bases)
        return family
    if ref.is_local:
        family = family_from_card(_folder_card(Path(ref.id)), adapter_base, local_ok=True)
        return family
    family = family_from_card(_cached_card(ref), adapter_base)
    if hub is None:  # offline: the cache's card at most, and no children
        why = "offline: from the cached card" if family.bases else "offline"
        family = replace(family, notes=(*family.notes, f"{why}; derived models need the Hub"))
    return family


def _folder_card(folder: Path) -> Any:
    from hfbrowse.core.safe_paths import read_in_folder

    if not (folder / CARD_FILE).exists():
        return None
    try:
        raw = read_in_folder(folder, CARD_FILE, MAX_CARD_BYTES, CARD_FILE)
    except (HFBrowseError, OSError):
        return None
    return card_metadata(raw.decode("utf-8", errors="replace"))


def _cached_card(ref: ModelRef) -> Any:
    """The card of a Hub model from the HF cache (no request)."""
    from huggingface_hub import try_to_load_from_cache

    try:
        cached = try_to_load_from_cache(ref.id, CARD_FILE, revision=ref.revision)
    except Exception:
        return None
    if not isinstance(cached, str):
        return None
    path = Path(cached)
    try:
        if path.stat().st_size > MAX_CARD_BYTES:
            return None
        return card_metadata(path.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return None


# -- children: asked for -------------------------------------------------------------------
def children_filter(relation: str, repo_id: str) -> str:
    """The tag the Hub gives a model derived from ``repo_id`` by ``relation``."""
    return f"base_model:{relation}:{repo_id}"


def list_children(
    gateway: Any,
    ref: ModelRef,
    relation: str,
    limit: int = CHILDREN_LIMIT,
) -> Children:
    """The first ``limit`` models derived from ``ref`` by ``relation``, most downloaded first:
    one request (one page), within a search page's budget; a failure is the group's error."""
    from hfbrowse.core.hub.gateway import PROBE_TIMEOUT_S
    from hfbrowse.core.hub.transport import network_budget

    limit = max(1, min(limit, MAX_CHILDREN_LIMIT))
    if gateway.offline:
        return Children(relation, limit=limit, error="offline: derived models need the Hub")
    models: list[Relative] = []
    skipped = 0
    more = False
    try:
        with network_budget(PROBE_TIMEOUT_S, CHILDREN_PAGE_TOTAL_S):
            infos = gateway.api().list_models(
                filter=children_filter(relation, ref.id),
                sort="downloads",
                limit=limit + 1,  # the one past the limit says whether there are more
                expand=list(CHILD_EXPAND),
            )
            for info in infos:
                if len(models) + skipped >= limit:
                    more = True
                    break
                child = _child(info)
                if child is None:
                    skipped += 1
                else:
                    models.append(child)
    except Exception as exc:
        err = gateway.fail(exc, ref, f"{relation} list")
        return Children(relation, limit=limit, error=str(err))
    return Children(relation, tuple(models), limit, skipped=skipped, more=more)


def _child(info: Any) -> Relative | None:
    repo_id = getattr(info, "id", None)
    if not isinstance(repo_id, str) or not is_hub_id(repo_id):
        return None
    downloads = getattr(info, "downloads", None)
    likes = getattr(info, "likes", None)
    return Relative(
        repo_id,
        downloads if isinstance(downloads, int) and not isinstance(downloads, bool) else None,
        likes if isinstance(likes, int) and not isinstance(likes, bool) else None,
    )


def with_children(
    family: Family,
    gateway: Any,
    ref: ModelRef,
    limit: int = CHILDREN_LIMIT,
    relations: tuple[str, ...] = RELATIONS,
) -> Family:
    """The family with its children listed (one request per relation; none for a model the
    Hub says has no children, or a local folder)."""
    if ref.is_local:
        note = "a local folder: derived models are listed by the Hub only"
        return replace(family, children=(), notes=(*family.notes, note))
    if family.children_count == 0:
        return replace(family, children=tuple(Children(r, limit=limit) for r in relations))
    return replace(family, children=tuple(list_children(gateway, ref, r, limit) for r in relations))
