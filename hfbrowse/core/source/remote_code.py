"""A repo's own code (``auto_map`` in config.json), fetched and read as text — never run.

transformers would import these files only with ``trust_remote_code=True``. hfbrowse downloads
them as plain files (``HubGateway.fetch_file``, into the HF cache) or reads them from the model
folder, and parses them with ``ast`` to find the class each Auto class names and its
``__init__``/``forward``, as for built-in classes. Nothing here imports or executes them:
``ast.parse`` builds a syntax tree and nothing else.

``auto_map`` values follow transformers' own format: ``"module.Class"`` for a file of this repo,
``"org/repo--module.Class"`` for a file of another repo, or a list (tokenizers: slow, fast).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hfbrowse.core.errors import HFBrowseError
from hfbrowse.core.model_ref import ModelRef
from hfbrowse.core.source.ast_tools import parse_python
from hfbrowse.core.source.classes import (
    METHODS,
    ClassSource,
    MethodSource,
    class_source,
)

BANNER = "REMOTE CODE — shown as text, not run"
MAX_FILE_BYTES = 2_000_000
MAX_FILES = 24
_MODULE = re.compile(r"^[A-Za-z_][\w]*$")
_STOP_BASES = {"Module", "PreTrainedModel", "PretrainedConfig", "PreTrainedConfig", "object"}


@dataclass(frozen=True)
class RemoteEntry:
    """One ``auto_map`` item: which Auto class maps to which file and class."""

    auto_class: str
    reference: str  # as written in config.json
    repo: str | None  # another repo ("org/repo--module.Class"); None: this one
    module: str
    class_name: str


@dataclass(frozen=True)
class RemoteFile:
    """A .py file of the repo, as text (``error`` says why there is none)."""

    name: str  # "modeling_custom.py"
    repo: str  # the repo id or folder name it came from
    path: str | None  # where it lies on disk (HF cache or the model folder)
    text: str
    error: str | None = None

    @property
    def lines(self) -> int:
        return self.text.count("\n") + (1 if self.text and not self.text.endswith("\n") else 0)


@dataclass(frozen=True)
class RemoteClass:
    """An ``auto_map`` entry located in its file (``source`` has ``__init__``/``forward``)."""

    entry: RemoteEntry
    source: ClassSource
    file: str | None  # the RemoteFile.name holding the class
    line: int | None


@dataclass(frozen=True)
class RemoteCode:
    """Everything shown for a repo with custom code."""

    model: str
    entries: tuple[RemoteEntry, ...]
    classes: tuple[RemoteClass, ...]
    files: tuple[RemoteFile, ...]
    banner: str = BANNER

    def entry_for(self, auto_class: str | None) -> RemoteClass | None:
        return next((c for c in self.classes if c.entry.auto_class == auto_class), None)

    def file(self, name: str) -> RemoteFile | None:
        return next((f for f in self.files if f.name == name), None)


def parse_auto_map(auto_map: Any) -> tuple[RemoteEntry, ...]:
    """``auto_map`` → entries; malformed items are skipped (they could never load either)."""
    if not isinstance(auto_map, dict):
        return ()
    entries = []
    for auto_class, value in auto_map.items():
        refs = value if isinstance(value, list) else [value]
        for ref in refs:
            if not isinstance(ref, str) or "." not in ref:
                continue
            repo, _, local = ref.rpartition("--")
            module, _, class_name = local.rpartition(".")
            if _MODULE.match(module) and _MODULE.match(class_name):
                entries.append(RemoteEntry(str(auto_class), ref, repo or None, module, class_name))
    return tuple(entries)


def _read_local(folder: Path, name: str) -> RemoteFile:
    base = folder.resolve()
    path = (folder / name).resolve()
    if not path.is_relative_to(base):
        return RemoteFile(name, folder.name, None, "", "outside the model folder: not read")
    return _read(path, name, folder.name)


def _read(path: Path, name: str, repo: str) -> RemoteFile:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return RemoteFile(name, repo, str(path), "", f"{size:,} bytes: too large to show")
        text = path.read_bytes().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return RemoteFile(name, repo, None, "", "not in the repo")
    except OSError as exc:
        return RemoteFile(name, repo, None, "", f"unreadable: {exc}")
    return RemoteFile(name, repo, str(path), text)


def _fetch(ref: ModelRef, name: str, gateway: Any) -> RemoteFile:
    if ref.is_local:
        return _read_local(Path(ref.id), name)
    try:
        path = gateway.fetch_file(ref, name)
    except HFBrowseError as exc:
        return RemoteFile(name, ref.id, None, "", str(exc))
    return _read(Path(path), name, ref.id)


def _repo_py_files(ref: ModelRef, siblings: tuple[str, ...]) -> list[str]:
    if ref.is_local:
        return sorted(p.name for p in Path(ref.id).glob("*.py") if p.is_file())
    return sorted(s for s in siblings if s.endswith(".py") and "/" not in s)


def load_remote_code(
    ref: ModelRef, config: dict[str, Any], gateway: Any, siblings: tuple[str, ...] = ()
) -> RemoteCode | None:
    """The repo's code files and its ``auto_map`` classes located in them; None without auto_map.

    ``siblings`` (the Hub's file list, when known) adds the repo's other top-level .py files.
    """
    entries = parse_auto_map(config.get("auto_map"))
    if not entries:
        return None
    wanted: list[tuple[str | None, str]] = []
    for e in entries:
        key = (e.repo, f"{e.module}.py")
        if key not in wanted:
            wanted.append(key)
    for name in _repo_py_files(ref, siblings):
        if (None, name) not in wanted:
            wanted.append((None, name))
    files: dict[tuple[str | None, str], RemoteFile] = {}
    for repo, name in wanted[:MAX_FILES]:
        target = ref if repo is None else ModelRef("hub", repo)
        if repo is not None and ref.is_local:
            files[(repo, name)] = RemoteFile(name, repo, None, "", "in another Hub repo")
            continue
        files[(repo, name)] = _fetch(target, name, gateway)
    classes = tuple(_locate_entry(e, files) for e in entries)
    return RemoteCode(ref.display, entries, classes, tuple(files.values()))


# -- locating classes in files that are never imported -------------------------------------------
def _tree(file: RemoteFile) -> ast.Module | None:
    if file.error or not file.text:
        return None
    try:
        return parse_python(file.text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _locate_entry(
    entry: RemoteEntry, files: dict[tuple[str | None, str], RemoteFile]
) -> RemoteClass:
    repo_files = {name: f for (repo, name), f in files.items() if repo == entry.repo}
    name = f"{entry.module}.py"
    methods: list[MethodSource] = []
    missing: list[str] = []
    for method in METHODS:
        found = _find_method(repo_files, name, entry.class_name, method, set())
        (methods.append(found) if found else missing.append(method))
    file = repo_files.get(name)
    tree = _tree(file) if file else None
    cls = _class_in(tree, entry.class_name) if tree else None
    line = min([cls.lineno, *(d.lineno for d in cls.decorator_list)]) if cls else None
    source = ClassSource(entry.class_name, file.path if file else None, line, tuple(methods),
                         tuple(missing))  # fmt: skip
    return RemoteClass(entry, source, name if cls else None, line)


def _class_in(tree: ast.Module, name: str) -> ast.ClassDef | None:
    return next((n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == name), None)


def _find_method(
    files: dict[str, RemoteFile], name: str, class_name: str, method: str, seen: set
) -> MethodSource | None:
    """``method`` of ``class_name`` in file ``name`` or its bases: same file, another file of the
    repo (``from .x import Base``), or transformers itself (``from transformers import Base``)."""
    if (name, class_name) in seen or class_name in _STOP_BASES:
        return None
    seen.add((name, class_name))
    file = files.get(name)
    tree = _tree(file) if file else None
    if tree is None:
        return None
    cls = _class_in(tree, class_name)
    if cls is None:
        return _follow_import(files, tree, class_name, method, seen)
    for item in cls.body:
        if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and item.name == method:
            start = min([item.lineno, *(d.lineno for d in item.decorator_list)])
            end = item.end_lineno or item.lineno
            text = "\n".join(file.text.splitlines()[start - 1 : end])
            return MethodSource(method, class_name, file.path or name, start, end, text)
    for base in cls.bases:
        base_name = base.id if isinstance(base, ast.Name) else getattr(base, "attr", None)
        if base_name:
            found = _find_method(files, name, base_name, method, seen)
            if found:
                return found
    return None


def _follow_import(
    files: dict[str, RemoteFile], tree: ast.Module, class_name: str, method: str, seen: set
) -> MethodSource | None:
    for stmt in tree.body:
        if not isinstance(stmt, ast.ImportFrom):
            continue
        alias = next((a for a in stmt.names if (a.asname or a.name) == class_name), None)
        if alias is None:
            continue
        if stmt.level == 1 and stmt.module and _MODULE.match(stmt.module):
            return _find_method(files, f"{stmt.module}.py", alias.name, method, seen)
        if stmt.level == 0 and (stmt.module or "").split(".")[0] == "transformers":
            if alias.name in _STOP_BASES:
                return None
            built_in = class_source(alias.name, None)  # a built-in base, read with ast too
            return next((m for m in built_in.methods if m.name == method), None)
    return None
