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
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from hfbrowse.core.source.auto_tables import module_name_for, transformers_root

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


_AST_LOCK = threading.Lock()


def parse_python(text: str) -> ast.Module:
    """``ast.parse`` under one process-wide lock. CPython 3.11 keeps the AST-to-object recursion
    depth per interpreter, so two worker threads parsing at once can fail with "SystemError: AST
    constructor recursion depth mismatch" (seen here: config docs and source loading together)."""
    with _AST_LOCK:
        return ast.parse(text)


@lru_cache(maxsize=64)
def _parse(path: str) -> tuple[ast.Module, tuple[str, ...]]:
    text = Path(path).read_text(encoding="utf-8")
    return parse_python(text), tuple(text.splitlines())


def _module_file(dotted: str) -> Path | None:
    """``transformers.models.llama.modeling_llama`` → its .py file (or package __init__)."""
    parts = dotted.split(".")
    if parts[0] != "transformers":
        return None
    base = transformers_root().joinpath(*parts[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _dotted_of(path: Path) -> str:
    rel = path.relative_to(transformers_root().parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve_import(module_path: Path, tree: ast.Module, name: str) -> Path | None:
    """The file a name imported into ``module_path`` comes from (relative imports included)."""
    here = _dotted_of(module_path).split(".")
    if module_path.name != "__init__.py":
        here = here[:-1]
    for stmt in tree.body:
        if isinstance(stmt, ast.ImportFrom) and any(
            (a.asname or a.name) == name for a in stmt.names
        ):
            if stmt.level:
                package = here[: len(here) - (stmt.level - 1)] if stmt.level > 1 else here
                dotted = ".".join([*package, *([stmt.module] if stmt.module else [])])
            else:
                dotted = stmt.module or ""
            return _module_file(dotted)
    return None


def _find_class(tree: ast.Module, name: str) -> ast.ClassDef | None:
    return next((n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == name), None)


def _base_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _locate(path: Path, class_name: str, method: str, seen: set) -> MethodSource | None:
    key = (str(path), class_name)
    if key in seen or class_name in _STOP_BASES:
        return None
    seen.add(key)
    tree, lines = _parse(str(path))
    cls = _find_class(tree, class_name)
    if cls is None:
        target = _resolve_import(path, tree, class_name)
        return _locate(target, class_name, method, seen) if target else None
    for item in cls.body:
        if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and item.name == method:
            start = min([item.lineno, *(d.lineno for d in item.decorator_list)])
            end = item.end_lineno or item.lineno
            text = "\n".join(lines[start - 1 : end])
            return MethodSource(method, class_name, str(path), start, end, text)
    for base in cls.bases:
        base_name = _base_name(base)
        if base_name is None:
            continue
        found = _locate(path, base_name, method, seen)
        if found:
            return found
    return None


def class_file(class_name: str, model_type: str | None) -> Path | None:
    """The modeling file that defines ``class_name``: the family's file, else a search."""
    models = transformers_root() / "models"
    if model_type:
        folder = models / module_name_for(model_type)
        for candidate in sorted(folder.glob("modeling_*.py")):
            if not candidate.name.startswith(("modeling_tf_", "modeling_flax_")):
                tree, _ = _parse(str(candidate))
                if _find_class(tree, class_name):
                    return candidate
    needle = f"class {class_name}("
    for candidate in sorted(models.glob("*/modeling_*.py")):
        if needle in candidate.read_text(encoding="utf-8"):
            return candidate
    return None


def class_source(class_name: str, model_type: str | None) -> ClassSource:
    """``__init__`` and ``forward`` of ``class_name`` (or of the base that defines each)."""
    path = class_file(class_name, model_type)
    if path is None:
        return ClassSource(class_name, None, None, (), METHODS)
    tree, _ = _parse(str(path))
    cls = _find_class(tree, class_name)
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
