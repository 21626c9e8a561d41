"""Where a head's ``__init__`` and ``forward`` are written, read with ``ast`` — no import needed.

Importing a modeling module imports torch (~2–3 s); parsing it takes milliseconds. The class is
found in ``transformers/models/<type>/modeling_<type>.py``; a method the class does not define is
looked up in its bases left to right (a depth-first walk, which matches Python's MRO for the
single-inheritance-plus-mixins shapes transformers uses), following ``from ... import`` lines into
other transformers modules, e.g. ``GenericForSequenceClassification`` in ``modeling_layers.py``.
``inspect`` in a worker is the fallback (``source_via_inspect``) and the tests' reference.
"""

from __future__ import annotations

import ast
import inspect
from dataclasses import asdict, dataclass
from pathlib import Path

from hfbrowse.core.source.ast_tools import (
    base_name,
    file_defining,
    find_class,
    parse_file,
    resolve_import,
    transformers_root,
)
from hfbrowse.core.source.auto_tables import module_name_for
from hfbrowse.core.source.derived_cache import remembered

METHODS = ("__init__", "forward")
_STOP_BASES = {"Module", "PreTrainedModel", "GenerationMixin", "object", "ModuleUtilsMixin"}


@dataclass(frozen=True)
class MethodSource:
    name: str
    defining_class: str  # may differ from the requested class when inherited
    file: str  # absolute path
    start_line: int  # first line, decorators included
    end_line: int
    text: str


@dataclass(frozen=True)
class ClassSource:
    class_name: str
    file: str | None
    line: int | None
    methods: tuple[MethodSource, ...]
    missing: tuple[str, ...] = ()  # methods that could not be located

    @property
    def relative_file(self) -> str | None:
        if self.file is None:
            return None
        root = transformers_root().parent
        try:
            return str(Path(self.file).relative_to(root))
        except ValueError:
            return self.file


def _locate(path: Path, class_name: str, method: str, seen: set) -> MethodSource | None:
    key = (str(path), class_name)
    if key in seen or class_name in _STOP_BASES:
        return None
    seen.add(key)
    tree, lines = parse_file(str(path))
    cls = find_class(tree, class_name)
    if cls is None:
        target = resolve_import(path, tree, class_name)
        return _locate(target, class_name, method, seen) if target else None
    for item in cls.body:
        if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and item.name == method:
            start = min([item.lineno, *(d.lineno for d in item.decorator_list)])
            end = item.end_lineno or item.lineno
            text = "\n".join(lines[start - 1 : end])
            return MethodSource(method, class_name, str(path), start, end, text)
    for base in cls.bases:
        parent = base_name(base)
        if parent is None:
            continue
        found = _locate(path, parent, method, seen)
        if found:
            return found
    return None


def class_file(class_name: str, model_type: str | None) -> Path | None:
    """The modeling file that defines ``class_name``: the family's file, else a search."""
    folder = transformers_root() / "models" / module_name_for(model_type) if model_type else None
    return file_defining(class_name, folder, "modeling_")


def class_source(class_name: str, model_type: str | None) -> ClassSource:
    """``__init__`` and ``forward`` of ``class_name`` (or of the base that defines each); kept
    on disk until one of the files it was read from changes."""

    def read() -> tuple[ClassSource, list[Path]]:
        found = _read_class_source(class_name, model_type)
        files = {m.file for m in found.methods} | ({found.file} if found.file else set())
        return found, [Path(f) for f in sorted(files)]

    return remembered(
        "class-source",
        f"{transformers_root()}|{class_name}|{model_type}",
        read,
        encode=asdict,
        decode=lambda doc: ClassSource(
            doc["class_name"],
            doc["file"],
            doc["line"],
            tuple(MethodSource(**m) for m in doc["methods"]),
            tuple(doc["missing"]),
        ),
    )


def _read_class_source(class_name: str, model_type: str | None) -> ClassSource:
    path = class_file(class_name, model_type)
    if path is None:
        return ClassSource(class_name, None, None, (), METHODS)
    tree, _ = parse_file(str(path))
    cls = find_class(tree, class_name)
    methods, missing = [], []
    for method in METHODS:
        found = _locate(path, class_name, method, set())
        (methods.append(found) if found else missing.append(method))
    line = min([cls.lineno, *(d.lineno for d in cls.decorator_list)]) if cls else None
    return ClassSource(class_name, str(path), line, tuple(methods), tuple(missing))


def source_via_inspect(cls: type) -> ClassSource:
    """The same facts from a live class (imports torch): the fallback and the tests' oracle."""
    methods = []
    missing = []
    for method in METHODS:
        owner = next((k for k in cls.__mro__ if method in vars(k)), None)
        if owner is None or owner.__module__.startswith("torch"):
            missing.append(method)
            continue
        func = inspect.unwrap(vars(owner)[method])
        lines, start = inspect.getsourcelines(func)
        file = inspect.getsourcefile(func) or "?"
        methods.append(
            MethodSource(
                method, owner.__name__, file, start, start + len(lines) - 1, "".join(lines).rstrip()
            )
        )
    file = inspect.getsourcefile(cls)
    line = inspect.getsourcelines(cls)[1]
    return ClassSource(cls.__name__, file, line, tuple(methods), tuple(missing))
