"""What each config.json key means for its config class: field, alias, derived, unknown….

The class facts (fields, types, defaults, descriptions) come from ``config_class`` (ast, no torch).
This module decides what each top-level key of one config is: a field (and whether its value
differs from the class default), an ``attribute_map`` alias (``hidden_size`` → ``n_embd``), an
attribute the class computes in ``__post_init__`` (T5's ``dense_act_fn``), a key the base class
consumes (``torch_dtype``, legacy RoPE keys), a generation setting transformers 5 drops, or a key
the class does not know (and whether the family's modeling code still reads it). Per-class facts
are cached; explaining one config is then a dictionary walk.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from hfbrowse.core.config.class_docs import (
    BASE_CLASS,
    SPECIAL_KEYS,
    ClassDocs,
    FieldDoc,
    class_docs,
)
from hfbrowse.core.source.ast_tools import parse_file, transformers_root
from hfbrowse.core.source.auto_tables import module_name_for

Status = Literal["field", "alias", "derived", "base", "generation", "unknown"]

# Legacy RoPE keys: converted into ``rope_parameters`` when the class has that field.
ROPE_LEGACY = ("rope_scaling", "rope_theta")


@dataclass(frozen=True)
class KeyDoc:
    """What one top-level key of a config.json is, for this config class."""

    key: str
    status: Status
    field: FieldDoc | None  # the field the key sets (for aliases: the aliased field)
    note: str | None  # for aliases, derived, special and unknown keys
    differs: bool | None  # value ≠ class default (None: not comparable / no default)

    @property
    def description(self) -> str | None:
        return self.field.description if self.field else None


@dataclass(frozen=True)
class ConfigExplanation:
    """Every top-level key of one config explained, plus why, if nothing could be."""

    model_type: str | None
    config_class: str | None
    file: str | None  # relative to site-packages
    keys: tuple[KeyDoc, ...]
    message: str | None = None  # set when the class could not be found
    remote: bool = False  # the class is the repo's own code, read as text (never imported)

    def key(self, name: str) -> KeyDoc | None:
        return next((k for k in self.keys if k.key == name), None)

    @property
    def non_default(self) -> tuple[str, ...]:
        return tuple(k.key for k in self.keys if k.differs)

    @property
    def unknown(self) -> tuple[str, ...]:
        return tuple(k.key for k in self.keys if k.status == "unknown")


@lru_cache(maxsize=1)
def generation_keys() -> frozenset[str]:
    """Keys ``PreTrainedConfig`` drops at load because they belong to generation_config.json."""
    path = transformers_root() / "generation" / "configuration_utils.py"
    if not path.is_file():
        return frozenset()
    tree, _ = parse_file(str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == "_get_default_generation_params":
            for ret in ast.walk(node):
                if isinstance(ret, ast.Return) and isinstance(ret.value, ast.Dict):
                    return frozenset(k.value for k in ret.value.keys if isinstance(k, ast.Constant))
    return frozenset()


# -- one config ------------------------------------------------------------------------------
def _same(value: Any, default: Any) -> bool:
    if isinstance(value, bool) or isinstance(default, bool):
        return value is default or (type(value) is type(default) and value == default)
    if isinstance(value, int | float) and isinstance(default, int | float):
        return float(value) == float(default)
    return value == default


def explain_key(
    docs: ClassDocs, key: str, value: Any, code: tuple[tuple[str, str], ...] | None = None
) -> KeyDoc:
    """What ``key`` is for this class, and whether ``value`` differs from its default."""
    field = docs.field(key)
    if field is not None:
        differs = None if not field.comparable else not _same(value, field.default_json)
        if field.owner == BASE_CLASS and field.default_json is None:
            differs = None  # architectures, dtype, id2label…: "unset" is not a default value
        return KeyDoc(key, "field", field, None, differs)
    aliases = dict(docs.attribute_map)
    if key in aliases and docs.field(aliases[key]):
        target = docs.field(aliases[key])
        return KeyDoc(
            key, "alias", target, f"Alias of `{aliases[key]}` in {docs.class_name}.", None
        )
    if key in docs.derived:
        note = f"Computed by {docs.class_name} from other keys at load (saved back with them)."
        return KeyDoc(key, "derived", None, note, None)
    if key in ROPE_LEGACY and docs.field("rope_parameters"):
        note = "Legacy RoPE key: converted into `rope_parameters` at load (transformers 5)."
        return KeyDoc(key, "base", docs.field("rope_parameters"), note, None)
    if key in SPECIAL_KEYS:
        return KeyDoc(key, "base", None, SPECIAL_KEYS[key], None)
    if key in generation_keys():
        note = (
            "A generation setting: transformers 5 drops it from the model config at load"
            " (it belongs in generation_config.json)."
        )
        return KeyDoc(key, "generation", None, note, None)
    note = f"Not a field of {docs.class_name}: kept as an extra attribute"
    if code is None:
        code = _modeling_texts(docs.model_type) if docs.model_type else ()
    readers = files_reading(code, key)
    if readers:
        note += f"; {', '.join(readers)} still reads config.{key}."
    else:
        note += f", and no modeling file of {docs.model_type or 'the repo'} reads it."
    return KeyDoc(key, "unknown", None, note, None)


@lru_cache(maxsize=16)
def _modeling_texts(model_type: str) -> tuple[tuple[str, str], ...]:
    folder = transformers_root() / "models" / module_name_for(model_type)
    return tuple(
        (p.name, p.read_text(encoding="utf-8")) for p in sorted(folder.glob("modeling_*.py"))
    )


def files_reading(code: tuple[tuple[str, str], ...], key: str) -> tuple[str, ...]:
    """The files (name, text) that mention ``config.<key>`` (a plain text search)."""
    pattern = re.compile(
        rf"config\.{re.escape(key)}\b|getattr\(\s*\w*config\s*,\s*['\"]{re.escape(key)}['\"]"
    )
    return tuple(name for name, text in code if pattern.search(text))


def explain_config(config: dict[str, Any]) -> ConfigExplanation:
    """Every top-level key of a raw config.json explained against its built-in config class."""
    model_type = config.get("model_type") if isinstance(config.get("model_type"), str) else None
    if model_type is None:
        return ConfigExplanation(None, None, None, (), "config.json has no model_type.")
    docs = class_docs(model_type)
    if docs is None:
        why = (
            "its config class is custom code (auto_map), not part of transformers"
            if isinstance(config.get("auto_map"), dict)
            else "transformers has no config class for it"
        )
        return ConfigExplanation(model_type, None, None, (), f"model_type {model_type!r}: {why}.")
    return explain_with(docs, config, model_type)


def explain_with(
    docs: ClassDocs,
    config: dict[str, Any],
    model_type: str | None,
    code: tuple[tuple[str, str], ...] | None = None,
) -> ConfigExplanation:
    """``explain_config`` against given class facts (built-in or a repo's own config class)."""
    keys = tuple(explain_key(docs, str(k), v, code) for k, v in config.items())
    try:
        rel = str(Path(docs.file).relative_to(transformers_root().parent))
    except ValueError:
        rel = Path(docs.file).name
    return ConfigExplanation(model_type, docs.class_name, rel, keys)
