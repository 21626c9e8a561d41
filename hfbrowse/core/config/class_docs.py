"""A transformers config class read with ``ast``: its fields, their types, defaults and docs.

``import transformers; transformers.GPT2Config`` imports torch (2.3 s measured here), but the
facts are all in source files: transformers 5 config classes are dataclasses whose fields are
class-level annotations with defaults (``n_embd: int = 768``; classic configs and most remote code
put them in ``__init__``'s signature, read too), documented either in the class docstring (the
old ``Args:`` layout or a bare list of ``name (type): text`` entries) or, through
``@auto_docstring``, in the shared ``ConfigArgs`` table of ``transformers/utils/auto_docstring.py``.
Fields common to every model (``dtype``, ``id2label``, …) come from ``PreTrainedConfig`` and its
own docstring. The class chain is followed through imports, also from a repo's own file.
Precedence follows ``auto_docstring`` itself: the class's own docstring, then ``ConfigArgs``.
Checked against all 822 config classes of transformers 5.24 (fields, defaults, descriptions).
"""

from __future__ import annotations

import ast
import inspect
import json
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from hfbrowse.core.source.ast_tools import (
    base_name,
    file_defining,
    find_class,
    module_file,
    parse_file,
    resolve_import,
    transformers_root,
)
from hfbrowse.core.source.auto_tables import config_tables, module_name_for

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
    tree, _ = parse_file(str(path))
    cls = find_class(tree, "ConfigArgs")
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


# -- class fields ------------------------------------------------------------------------------
def _is_classvar(annotation: ast.expr) -> bool:
    node = annotation.value if isinstance(annotation, ast.Subscript) else annotation
    return base_name(node) == "ClassVar"


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
            tree, _ = parse_file(str(p))
        except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
            return  # an unreadable file (a repo's own code can be anything): stop here
        cls = find_class(tree, name)
        if cls is None:
            target = _import_target(p, tree, name)
            if target is not None:
                walk(target, name)
            return
        out.append((p, cls))
        if name == BASE_CLASS:
            return
        for base in cls.bases:
            parent = base_name(base)
            if parent:
                walk(p, parent)

    walk(path, class_name)
    return out


def _import_target(path: Path, tree: ast.Module, name: str) -> Path | None:
    """The file ``name`` is imported from, for transformers' files and a repo's own files."""
    try:
        target = resolve_import(path, tree, name)
    except ValueError:  # not under transformers: a repo's own configuration file
        target = None
        for stmt in tree.body:
            if isinstance(stmt, ast.ImportFrom) and any(
                (a.asname or a.name) == name for a in stmt.names
            ):
                if stmt.level == 1 and stmt.module and re.fullmatch(r"\w+", stmt.module):
                    target = path.parent / f"{stmt.module}.py"
                elif stmt.level == 0 and (stmt.module or "").split(".")[0] == "transformers":
                    target = module_file(stmt.module or "")
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
    folder = transformers_root() / "models" / module_name_for(model_type)
    return file_defining(class_name, folder, "configuration_")


@lru_cache(maxsize=64)
def class_docs(model_type: str) -> ClassDocs | None:
    """The built-in config class of ``model_type`` (None when transformers has none)."""
    class_name = config_tables()[0].get(model_type)
    if class_name is None:
        return None
    path = config_class_file(class_name, model_type)
    docs = class_docs_from_file(path, class_name) if path else None
    return replace(docs, model_type=model_type) if docs else None
