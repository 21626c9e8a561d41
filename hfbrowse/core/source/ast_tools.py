"""Reading transformers' own Python files with ``ast``: one parser lock, one cache, one resolver.

Importing a modeling module imports torch (~2–3 s); parsing it takes milliseconds. Every reader
of transformers' source (Auto tables, head classes, ``__init__`` lines, config classes, a
repo's remote code) goes through these helpers, so the parse lock and the file cache exist once.
"""

from __future__ import annotations

import ast
import importlib.util
import threading
from functools import lru_cache
from pathlib import Path

_AST_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def transformers_root() -> Path:
    """The installed ``transformers`` package folder (found without importing it)."""
    spec = importlib.util.find_spec("transformers")
    if spec is None or spec.origin is None:
        raise RuntimeError("transformers is not installed")
    return Path(spec.origin).parent


def parse_python(text: str) -> ast.Module:
    """``ast.parse`` under one process-wide lock. CPython 3.11 keeps the AST-to-object recursion
    depth per interpreter, so two worker threads parsing at once can fail with "SystemError: AST
    constructor recursion depth mismatch" (seen here: config docs and source loading together)."""
    with _AST_LOCK:
        return ast.parse(text)


@lru_cache(maxsize=64)
def parse_file(path: str) -> tuple[ast.Module, tuple[str, ...]]:
    """A file's tree and its lines, parsed once per process."""
    text = Path(path).read_text(encoding="utf-8")
    return parse_python(text), tuple(text.splitlines())


def module_file(dotted: str) -> Path | None:
    """``transformers.models.llama.modeling_llama`` → its .py file (or package __init__)."""
    parts = dotted.split(".")
    if parts[0] != "transformers":
        return None
    base = transformers_root().joinpath(*parts[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def dotted_of(path: Path) -> str:
    """The dotted module name of a file inside transformers."""
    rel = path.relative_to(transformers_root().parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def resolve_import(module_path: Path, tree: ast.Module, name: str) -> Path | None:
    """The file a name imported into ``module_path`` comes from (relative imports included)."""
    here = dotted_of(module_path).split(".")
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
            return module_file(dotted)
    return None


def find_class(tree: ast.Module, name: str) -> ast.ClassDef | None:
    """The top-level class ``name`` of a module, if it defines one."""
    return next((n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == name), None)


def base_name(node: ast.expr) -> str | None:
    """``Foo`` or ``mod.Foo`` in a bases list → ``Foo``."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def file_defining(class_name: str, folder: Path | None, prefix: str = "modeling_") -> Path | None:
    """The ``<prefix>*.py`` file that defines ``class_name``: the family's folder first, else a
    search of every family (one substring test per file before any parse)."""
    if folder is not None:
        for candidate in sorted(folder.glob(f"{prefix}*.py")):
            if not candidate.name.startswith(("modeling_tf_", "modeling_flax_")):
                tree, _ = parse_file(str(candidate))
                if find_class(tree, class_name):
                    return candidate
    needle = f"class {class_name}("
    for candidate in sorted((transformers_root() / "models").glob(f"*/{prefix}*.py")):
        if needle in candidate.read_text(encoding="utf-8"):
            return candidate
    return None
