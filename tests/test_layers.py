"""Import contracts: the layers import only downwards, and nothing heavy loads at import time.

``cli → {ui, report} → render → core`` (demo stands apart: the CLI and the tests use it, it
uses only the core). Read with ``ast`` from the source files, so a violation is found
whether or not a test happens to execute the import; a subprocess test checks the other half
(what really lands in ``sys.modules``).
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

import hfbrowse

PACKAGE = Path(hfbrowse.__file__).parent
HEAVY = (
    "torch",
    "transformers",
    "accelerate",
    "peft",
    "safetensors.torch",
    "gguf",
    "numpy",
    "tokenizers",
    "jinja2",
)
UI_LIBS = ("textual",)
RICH = ("rich", "pygments")

# layer → hfbrowse layers it may import (besides itself)
ALLOWED = {
    "core": set(),
    "render": {"core"},
    "report": {"render", "core"},
    "ui": {"render", "core"},
    "cli": {"ui", "report", "render", "core", "demo"},
    "demo": {"core"},
    "": {"cli"},  # hfbrowse/__init__.py, __main__.py
}


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # what it imports (absolute, dotted)
    top_level: bool  # at module level (runs on import), not inside a function
    line: int


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(path: Path) -> list[Import]:
    """Every runtime import in a file (``if TYPE_CHECKING:`` blocks excluded)."""
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[Import] = []

    def visit(node: ast.AST, top: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _type_checking(child):
                for sub in child.orelse:
                    visit(sub, top)
                continue
            if isinstance(child, ast.Import):
                for alias in child.names:
                    found.append(Import(module, alias.name, top, child.lineno))
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")
                    base = base[: len(base) - (child.level - 1)]
                    target = ".".join([*base, *([child.module] if child.module else [])])
                else:
                    target = child.module or ""
                found.append(Import(module, target, top, child.lineno))
                # ``from pkg import submodule`` imports the submodule too
                for alias in child.names:
                    found.append(Import(module, f"{target}.{alias.name}", top, child.lineno))
            nested = isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            visit(child, top and not nested)

    visit(ast.parse(path.read_text(encoding="utf-8")), True)
    return found


ALL_FILES = sorted(PACKAGE.rglob("*.py"))
MODULES = {module_name(p) for p in ALL_FILES}
IMPORTS = [imp for p in ALL_FILES for imp in imports_of(p)]


def layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in ALLOWED else ""


def ours(target: str) -> str | None:
    """The hfbrowse module a dotted target names (a symbol's module when it names a symbol)."""
    while target:
        if target in MODULES:
            return target
        target = target.rpartition(".")[0]
    return None


def _is(target: str, libs: tuple[str, ...]) -> bool:
    return any(target == lib or target.startswith(lib + ".") for lib in libs)


def test_the_tree_was_found():
    assert len(ALL_FILES) > 60 and {"core", "render", "report", "ui", "cli"} <= {
        layer(m) for m in MODULES
    }


def test_layers_import_only_downwards():
    wrong = set()
    for imp in IMPORTS:
        target = ours(imp.target)
        if target is None or target == "hfbrowse":  # the root package: __version__
            continue
        here, there = layer(imp.module), layer(target)
        if there != here and there not in ALLOWED[here]:
            wrong.add(f"{imp.module}:{imp.line} ({here or 'top'}) imports {target}")
    assert not wrong, "\n".join(sorted(wrong))


def test_core_imports_neither_textual_nor_rich():
    wrong = [
        f"{i.module}:{i.line} imports {i.target}"
        for i in IMPORTS
        if layer(i.module) == "core" and _is(i.target, (*UI_LIBS, "rich"))
    ]
    assert not wrong, "\n".join(wrong)


def test_render_and_report_import_no_textual():
    wrong = [
        f"{i.module}:{i.line} imports {i.target}"
        for i in IMPORTS
        if layer(i.module) in ("render", "report") and _is(i.target, UI_LIBS)
    ]
    assert not wrong, "\n".join(wrong)


def test_torch_and_transformers_only_inside_functions():
    """Importing any hfbrowse module must not import torch/transformers (~2–6 s)."""
    wrong = [
        f"{i.module}:{i.line} imports {i.target} at module level"
        for i in IMPORTS
        if i.top_level and _is(i.target, HEAVY)
    ]
    assert not wrong, "\n".join(wrong)


def test_no_import_cycles():
    """Between modules, counting imports inside functions too: a cycle means two modules
    that cannot be understood (or moved) one without the other."""
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for imp in IMPORTS:
        target = ours(imp.target)
        if target is not None and target != imp.module:
            # importing a.b.c imports its packages a.b and a too: those are real edges only
            # when the packages' __init__ files import something, which the walk covers
            graph[imp.module].add(target)
    cycles = _cycles(graph)
    assert not cycles, "\n".join(" → ".join(c) for c in cycles)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))

    def strong(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            strong(v)
    return found


@pytest.mark.parametrize(
    "module",
    ["hfbrowse.cli", "hfbrowse.ui.app", "hfbrowse.report.document", "hfbrowse.core.model"],
)
def test_importing_loads_nothing_heavy(module):
    code = textwrap.dedent(
        f"""
        import sys
        import {module}
        heavy = sorted(m for m in {HEAVY!r} if m in sys.modules)
        print(",".join(heavy))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert out.stdout.strip() == "", f"importing {module} imported {out.stdout.strip()}"


def test_opening_a_folder_does_not_import_what_it_does_not_use(fixtures):
    """Start-up time: deciding the arguments name no GGUF file, opening a plain model folder and
    building the parser leave the GGUF reader, the adapter reader and the Hub search unimported
    (each costs milliseconds of every start; they load when a GGUF, an adapter or a search is
    asked for)."""
    code = textwrap.dedent(
        f"""
        import sys
        from hfbrowse.cli.args import build_parser
        from hfbrowse.cli.entry import _gguf_target
        from hfbrowse.core.hub.gateway import HubGateway
        from hfbrowse.core.model import load_facts
        from hfbrowse.core.model_ref import ModelRef
        args = build_parser().parse_args([{str(fixtures["tiny-gpt2"])!r}])
        assert _gguf_target(args) is None
        load_facts(ModelRef("local", args.model), HubGateway(offline=True))
        lazy = ("hfbrowse.core.gguf_model", "hfbrowse.core.checkpoint.gguf_file",
                "hfbrowse.core.adapters", "hfbrowse.core.hub.search")
        print(",".join(m for m in lazy if m in sys.modules))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert out.stdout.strip() == ""
