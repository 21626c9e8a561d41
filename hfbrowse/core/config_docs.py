"""What each config.json key means: description, type and class default, read with ``ast``.

``import transformers; transformers.GPT2Config`` imports torch (2–3.6 s measured here), but the
facts are all in source files: transformers 5 config classes are dataclasses whose fields are
class-level annotations with defaults (``n_embd: int = 768``), documented either in the class
docstring (the old ``Args:`` layout or a bare list of ``name (type): text`` entries) or, through
``@auto_docstring``, in the shared ``ConfigArgs`` table of ``transformers/utils/auto_docstring.py``.
Fields common to every model (``dtype``, ``id2label``, …) come from ``PreTrainedConfig`` and its
own docstring. Keys a class computes in ``__post_init__`` (T5's ``dense_act_fn``) are "derived";
``attribute_map`` aliases (``hidden_size`` → ``n_embd``) resolve to their field.

Precedence follows ``auto_docstring`` itself: the class's own docstring, then ``ConfigArgs``.
Per-class facts are cached; explaining one config is then a dictionary walk.
"""

from __future__ import annotations

import ast
import inspect
import json
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from hfbrowse.core.auto_tables import config_tables, module_name_for, transformers_root
from hfbrowse.core.source_code import (
    _base_name,
    _find_class,
    _module_file,
    _parse,
    _resolve_import,
)

Status = Literal["field", "alias", "derived", "base", "generation", "unknown"]
BASE_CLASS = "PreTrainedConfig"
_NO_DEFAULT = object()

# Keys PreTrainedConfig.__post_init__ consumes or that the saving machinery writes: what each does.
# (Read from transformers 5.24's configuration_utils.py; tests check them against a live config.)
SPECIAL_KEYS: dict[str, str] = {
    "model_type": "Names the config class; AutoConfig picks the class from it.",
    "torch_dtype": "Old name of `dtype`: read into `dtype` at load (transformers 5).",
    "_name_or_path": "Where the config was loaded from; written by save_pretrained.",
    "name_or_path": "Where the config was loaded from.",
    "output_attentions": "Whether the model returns all attention weights (needs eager attention).",
    "attn_implementation": "Attention kernel to use (eager, sdpa, flash_attention_2, …).",
    "num_labels": "Number of classification labels; stored as the length of `id2label`.",
    "_commit_hash": "Obsolete: written by older versions, ignored by transformers 5.",
    "auto_map": "Custom code: classes in the repo's own .py files (used only with"
    " trust_remote_code).",
    "per_layer_config": "Per-layer overrides of config attributes (heterogeneous models).",
    "transformers_version": "The transformers version that wrote this config.",
}
# Legacy RoPE keys: converted into ``rope_parameters`` when the class has that field.
ROPE_LEGACY = ("rope_scaling", "rope_theta")


@dataclass(frozen=True)
class FieldDoc:
    """One field the config class declares (or inherits)."""

    name: str
    type: str | None  # the annotation as written, e.g. "int | None"
    default: str | None  # the default as JSON text, or the expression; None: no default
    default_json: Any  # the default as a JSON value; _NO_DEFAULT-like: not comparable
    comparable: bool  # whether ``default_json`` is a plain value to compare with
    owner: str  # the class that declares it
    description: str | None
    doc_source: str | None  # "GPT2Config docstring", "ConfigArgs (auto_docstring)", …


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
class ClassDocs:
    """The per-class facts, cached: fields, aliases, derived attributes."""

    class_name: str
    file: str
    fields: tuple[FieldDoc, ...]
    attribute_map: tuple[tuple[str, str], ...]
    derived: tuple[str, ...]
    model_type: str | None = None  # the family, for looking into its modeling files

    def field(self, name: str) -> FieldDoc | None:
        return next((f for f in self.fields if f.name == name), None)


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


# -- docstrings ------------------------------------------------------------------------------
# The same entry pattern transformers' auto_docstring uses (``_re_param``): ``name (type...): text``
# at the left margin, the text running until the next such entry.
_PARAM = re.compile(
    r"^(\w+)\s*\(\s*([^, \)]*)(\s*.*?)\s*\)\s*:\s*((?:(?!\n^\w+\s*\().)*)", re.DOTALL | re.MULTILINE
)
_STOP = re.compile(r"(?m)^[ \t]*(?=Example|Return|```)")
_ARGS = re.compile(r"(?m)^[ \t]*(?:Args|Arg|Parameters|Attributes):[ \t]*$")
_REF = re.compile(r"\[`~?(?:[\w.]+\.)?(\w+)`\]")


def clean_text(text: str) -> str:
    """Docstring prose → display text: dedented, lines joined, ``[`~a.B`]`` links → ``B``."""
    lines = inspect.cleandoc(text).splitlines()
    out: list[str] = []
    for line in lines:
        stripped = line.strip()
        if not stripped:
            if out and out[-1] != "":
                out.append("")
            continue
        if out and out[-1] != "" and not stripped.startswith(("- ", "* ")):
            out[-1] += " " + stripped
        else:
            out.append(stripped)
    return _REF.sub(r"\1", "\n".join(out).strip())


def parse_param_docs(doc: str | None) -> dict[str, tuple[str, str]]:
    """``{name: (type, description)}`` from a docstring's argument list (both layouts)."""
    if not doc:
        return {}
    stop = _STOP.search(doc)
    text = doc[: stop.start()] if stop else doc
    args = _ARGS.search(text)
    if args:
        text = text[args.end() :]
    text = "\n".join(line for line in text.splitlines() if not line.strip().startswith(">"))
    text = inspect.cleandoc(text)
    return {
        m.group(1): (m.group(2).strip("`"), clean_text(m.group(4)))
        for m in _PARAM.finditer(text)
        if m.group(4).strip()
    }


@lru_cache(maxsize=1)
def shared_config_docs() -> dict[str, str]:
    """transformers' shared ``ConfigArgs`` descriptions (what ``@auto_docstring`` fills in)."""
    path = transformers_root() / "utils" / "auto_docstring.py"
    if not path.is_file():
        return {}
    tree, _ = _parse(str(path))
    cls = _find_class(tree, "ConfigArgs")
    docs: dict[str, str] = {}
    for stmt in cls.body if cls else ():
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1):
            continue
        target = stmt.targets[0]
        if not isinstance(target, ast.Name):
            continue
        if isinstance(stmt.value, ast.Name):  # an alias: ``embed_dim = n_embd``
            if stmt.value.id in docs:
                docs[target.id] = docs[stmt.value.id]
            continue
        try:
            value = ast.literal_eval(stmt.value)
        except ValueError:
            continue
        if isinstance(value, dict) and isinstance(value.get("description"), str):
            docs[target.id] = clean_text(value["description"])
    return docs


@lru_cache(maxsize=1)
def generation_keys() -> frozenset[str]:
    """Keys ``PreTrainedConfig`` drops at load because they belong to generation_config.json."""
    path = transformers_root() / "generation" / "configuration_utils.py"
    if not path.is_file():
        return frozenset()
    tree, _ = _parse(str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == "_get_default_generation_params":
            for ret in ast.walk(node):
                if isinstance(ret, ast.Return) and isinstance(ret.value, ast.Dict):
                    return frozenset(k.value for k in ret.value.keys if isinstance(k, ast.Constant))
    return frozenset()


# -- class fields ------------------------------------------------------------------------------
def _is_classvar(annotation: ast.expr) -> bool:
    node = annotation.value if isinstance(annotation, ast.Subscript) else annotation
    return _base_name(node) == "ClassVar"


def _default_of(node: ast.expr | None) -> tuple[Any, str | None]:
    """(JSON value or _NO_DEFAULT, display text) of a field default expression."""
    if node is None:
        return _NO_DEFAULT, None
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        pass
    else:
        return _jsonable(value)
    if isinstance(
        node, ast.Call
    ):  # interval(...)(default=0.02), field(default=…/default_factory=…)
        for kw in node.keywords:
            if kw.arg == "default":
                return _default_of(kw.value)
            if kw.arg == "default_factory":
                factory = kw.value
                if isinstance(factory, ast.Name) and factory.id in ("list", "dict", "tuple"):
                    return _jsonable({"list": [], "dict": {}, "tuple": []}[factory.id])
                if isinstance(factory, ast.Lambda):
                    return _default_of(factory.body)
    return _NO_DEFAULT, ast.unparse(node)


def _jsonable(value: Any) -> tuple[Any, str]:
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return _NO_DEFAULT, repr(value)
    return json.loads(text), text


def _chain(path: Path, class_name: str) -> list[tuple[Path, ast.ClassDef]]:
    """The class and its bases (depth-first, left to right) down to PreTrainedConfig."""
    out: list[tuple[Path, ast.ClassDef]] = []
    seen: set[tuple[str, str]] = set()

    def walk(p: Path, name: str) -> None:
        name = BASE_CLASS if name == "PretrainedConfig" else name  # the transformers 4 spelling
        if (str(p), name) in seen or name in ("object", "Generic", "PushToHubMixin"):
            return
        seen.add((str(p), name))
        try:
            tree, _ = _parse(str(p))
        except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
            return  # an unreadable file (a repo's own code can be anything): stop here
        cls = _find_class(tree, name)
        if cls is None:
            target = _import_target(p, tree, name)
            if target is not None:
                walk(target, name)
            return
        out.append((p, cls))
        if name == BASE_CLASS:
            return
        for base in cls.bases:
            base_name = _base_name(base)
            if base_name:
                walk(p, base_name)

    walk(path, class_name)
    return out


def _import_target(path: Path, tree: ast.Module, name: str) -> Path | None:
    """The file ``name`` is imported from, for transformers' files and a repo's own files."""
    try:
        target = _resolve_import(path, tree, name)
    except ValueError:  # not under transformers: a repo's own configuration file
        target = None
        for stmt in tree.body:
            if isinstance(stmt, ast.ImportFrom) and any(
                (a.asname or a.name) == name for a in stmt.names
            ):
                if stmt.level == 1 and stmt.module and re.fullmatch(r"\w+", stmt.module):
                    target = path.parent / f"{stmt.module}.py"
                elif stmt.level == 0 and (stmt.module or "").split(".")[0] == "transformers":
                    target = _module_file(stmt.module or "")
        target = target if target is None or target.is_file() else None
    if name == BASE_CLASS and (target is None or target.name == "__init__.py"):
        target = transformers_root() / "configuration_utils.py"  # a lazy top-level export
    return target


def _class_fields(cls: ast.ClassDef) -> list[tuple[str, str | None, ast.expr | None]]:
    """(name, annotation, default) of dataclass fields, or of ``__init__`` keyword arguments."""
    fields = []
    for stmt in cls.body:
        if (
            isinstance(stmt, ast.AnnAssign)
            and isinstance(stmt.target, ast.Name)
            and not _is_classvar(stmt.annotation)
        ):
            fields.append((stmt.target.id, ast.unparse(stmt.annotation), stmt.value))
    init = next(
        (s for s in cls.body if isinstance(s, ast.FunctionDef) and s.name == "__init__"), None
    )
    if init is not None:  # classic configs (and most remote code): defaults in the signature
        args = init.args
        positional = args.posonlyargs + args.args
        tail = positional[len(positional) - len(args.defaults) :]
        pairs = list(zip(tail, args.defaults, strict=True))
        pairs += [
            (a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d is not None
        ]
        for arg, default in pairs:
            if arg.arg != "self":
                annotation = ast.unparse(arg.annotation) if arg.annotation else None
                fields.append((arg.arg, annotation, default))
    return fields


def _derived(cls: ast.ClassDef) -> list[str]:
    """Attributes ``__post_init__`` (or ``__init__``) sets on ``self``."""
    names = []
    for stmt in cls.body:
        if isinstance(stmt, ast.FunctionDef) and stmt.name in ("__post_init__", "__init__"):
            for node in ast.walk(stmt):
                targets = node.targets if isinstance(node, ast.Assign) else []
                if isinstance(node, ast.AnnAssign | ast.AugAssign):
                    targets = [node.target]
                for t in targets:
                    if (
                        isinstance(t, ast.Attribute)
                        and isinstance(t.value, ast.Name)
                        and t.value.id == "self"
                        and not t.attr.startswith("_")
                    ):
                        names.append(t.attr)
    return names


def _attribute_map(cls: ast.ClassDef) -> dict[str, str]:
    for stmt in cls.body:
        target = (
            stmt.targets[0]
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
            else stmt.target
            if isinstance(stmt, ast.AnnAssign)
            else None
        )
        if isinstance(target, ast.Name) and target.id == "attribute_map" and stmt.value:
            try:
                value = ast.literal_eval(stmt.value)
            except ValueError:
                return {}
            return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}
    return {}


def class_docs_from_file(path: Path, class_name: str) -> ClassDocs | None:
    """Fields (with docs and defaults), aliases and derived keys of a config class in ``path``."""
    chain = _chain(path, class_name)
    if not chain:
        return None
    shared = shared_config_docs()
    fields: dict[str, FieldDoc] = {}
    amap: dict[str, str] = {}
    derived: list[str] = []
    own_docs = {cls.name: parse_param_docs(ast.get_docstring(cls, clean=False)) for _, cls in chain}
    for _, cls in chain:
        for name, annotation, default_node in _class_fields(cls):
            if name in fields:
                continue
            default_json, default_text = _default_of(default_node)
            description, source = _describe(name, cls.name, chain, own_docs, shared)
            fields[name] = FieldDoc(
                name=name,
                type=annotation,
                default=default_text,
                default_json=None if default_json is _NO_DEFAULT else default_json,
                comparable=default_json is not _NO_DEFAULT,
                owner=cls.name,
                description=description,
                doc_source=source,
            )
        for alias, target in _attribute_map(cls).items():
            amap.setdefault(alias, target)
        derived += [d for d in _derived(cls) if d not in derived]
    return ClassDocs(
        class_name,
        str(path),
        tuple(fields.values()),
        tuple(amap.items()),
        tuple(d for d in derived if d not in fields),
    )


def _describe(
    name: str,
    owner: str,
    chain: list[tuple[Path, ast.ClassDef]],
    own_docs: dict[str, dict[str, tuple[str, str]]],
    shared: dict[str, str],
) -> tuple[str | None, str | None]:
    """The class's (or a base's) docstring first, then ``ConfigArgs`` — auto_docstring's order.

    ``PreTrainedConfig``'s own fields are documented by its docstring (auto_docstring leaves them
    out of subclasses; the ConfigArgs entries for ``dtype``/``chunk_size_feed_forward`` are even
    swapped in transformers 5.24), so a field it owns looks there first.
    """
    base = own_docs.get(BASE_CLASS, {})
    if owner == BASE_CLASS and name in base:
        return base[name][1], f"{BASE_CLASS} docstring"
    for _, cls in chain:
        if cls.name == BASE_CLASS:
            break
        if name in own_docs[cls.name]:
            return own_docs[cls.name][name][1], f"{cls.name} docstring"
    if name in shared:
        return shared[name], "transformers' shared config docs (auto_docstring ConfigArgs)"
    if name in base:
        return base[name][1], f"{BASE_CLASS} docstring"
    if name in SPECIAL_KEYS:
        return SPECIAL_KEYS[name], "hfbrowse (undocumented in transformers)"
    return None, None


def config_class_file(class_name: str, model_type: str) -> Path | None:
    """``configuration_<type>.py`` of the family, else any configuration file defining it."""
    models = transformers_root() / "models"
    folder = models / module_name_for(model_type)
    for candidate in sorted(folder.glob("configuration_*.py")):
        tree, _ = _parse(str(candidate))
        if _find_class(tree, class_name):
            return candidate
    needle = f"class {class_name}("
    for candidate in sorted(models.glob("*/configuration_*.py")):
        if needle in candidate.read_text(encoding="utf-8"):
            return candidate
    return None


@lru_cache(maxsize=64)
def class_docs(model_type: str) -> ClassDocs | None:
    """The built-in config class of ``model_type`` (None when transformers has none)."""
    class_name = config_tables()[0].get(model_type)
    if class_name is None:
        return None
    path = config_class_file(class_name, model_type)
    docs = class_docs_from_file(path, class_name) if path else None
    return replace(docs, model_type=model_type) if docs else None


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
