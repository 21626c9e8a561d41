"""transformers' Auto tables (model_type → class name), read without importing torch.

``transformers.models.auto.modeling_auto`` imports torch (~2 s). Its ``*_MAPPING_NAMES`` are plain
``OrderedDict([...])`` literals, so parsing the file with ``ast`` yields the same tables in ~30 ms.
If a future transformers stops writing them as literals, we fall back to importing the module.
"""

from __future__ import annotations

import ast
from functools import lru_cache
from pathlib import Path

from hfbrowse.core.source.ast_tools import parse_python, transformers_root
from hfbrowse.core.source.derived_cache import remembered


def _literal(node: ast.expr) -> dict[str, str] | None:
    """Evaluate ``OrderedDict([...])``, ``{...}`` or ``[(k, v), ...]``; None if not a literal."""
    if isinstance(node, ast.Call) and node.args:
        node = node.args[0]
    try:
        pairs = ast.literal_eval(node)
    except ValueError:
        return None
    try:
        items = pairs.items() if isinstance(pairs, dict) else pairs
        # A few values are tuples of classes; the first is the one the Auto class returns.
        return {k: (v[0] if isinstance(v, list | tuple) else v) for k, v in items}
    except (TypeError, ValueError):
        return None


def _merged(call: ast.Call, tables: dict[str, dict[str, str]]) -> dict[str, str] | None:
    """``OrderedDict(**{...}, **KNOWN_TABLE)``: merge literal dicts and already-known tables."""
    if call.args or not call.keywords:
        return None
    merged: dict[str, str] = {}
    for kw in call.keywords:
        if kw.arg is not None:
            return None
        if isinstance(kw.value, ast.Name) and kw.value.id in tables:
            merged.update(tables[kw.value.id])
        elif (part := _literal(kw.value)) is not None:
            merged.update(part)
        else:
            return None
    return merged


def _literal_tables(paths: list[Path], suffix: str | tuple[str, ...]) -> dict[str, dict[str, str]]:
    """Tables named ``*suffix`` built by literal assignments and ``NAME.update(literal)`` calls,
    replayed in file order across ``paths``."""
    tables: dict[str, dict[str, str]] = {}
    for path in paths:
        if not path.is_file():
            continue
        for stmt in parse_python(path.read_text(encoding="utf-8")).body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
                target = stmt.targets[0]
                if isinstance(target, ast.Name) and target.id.endswith(suffix):
                    table = _literal(stmt.value)
                    if table is None and isinstance(stmt.value, ast.Call):
                        table = _merged(stmt.value, tables)
                    if table is not None:
                        tables[target.id] = table
            elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
                call = stmt.value
                func = call.func
                if (
                    isinstance(func, ast.Attribute)
                    and func.attr == "update"
                    and isinstance(func.value, ast.Name)
                    and func.value.id in tables
                    and call.args
                ):
                    extra = _literal(call.args[0])
                    if extra:
                        tables[func.value.id].update(extra)
    return tables


@lru_cache(maxsize=1)
def model_tables() -> dict[str, dict[str, str]]:
    """All ``MODEL_*_MAPPING_NAMES`` tables of the installed transformers (read once, then
    kept on disk until modeling_auto.py changes)."""
    source = transformers_root() / "models" / "auto" / "modeling_auto.py"
    return remembered(
        "model-tables",
        str(source),
        lambda: (_read_model_tables(source), [source]),
        encode=lambda tables: tables,
        decode=lambda doc: {str(k): dict(v) for k, v in doc.items()},
    )


def _read_model_tables(source: Path) -> dict[str, dict[str, str]]:
    tables = _literal_tables([source], "_MAPPING_NAMES")
    if "MODEL_FOR_CAUSAL_LM_MAPPING_NAMES" not in tables:  # not literals any more: import it
        from transformers.models.auto import modeling_auto

        tables = {
            name: {k: (v[0] if isinstance(v, tuple | list) else v) for k, v in table.items()}
            for name, table in vars(modeling_auto).items()
            if name.endswith("_MAPPING_NAMES") and isinstance(table, dict)
        }
    return tables


@lru_cache(maxsize=1)
def config_tables() -> tuple[dict[str, str], dict[str, str]]:
    """(model_type → config class name, special model_type → module folder)."""
    auto = transformers_root() / "models" / "auto"
    paths = [p for p in (auto / "auto_mappings.py", auto / "configuration_auto.py") if p.is_file()]

    def read() -> tuple[tuple[dict[str, str], dict[str, str]], list[Path]]:
        tables = _literal_tables(paths, ("_NAMES", "_NAME"))
        found = (
            tables.get("CONFIG_MAPPING_NAMES", {}),
            tables.get("SPECIAL_MODEL_TYPE_TO_MODULE_NAME", {}),
        )
        return found, paths

    return remembered(
        "config-tables",
        "|".join(map(str, paths)),
        read,
        encode=list,
        decode=lambda doc: (dict(doc[0]), dict(doc[1])),
    )


def module_name_for(model_type: str) -> str:
    """The folder under ``transformers/models`` for a model_type (their own rule)."""
    _, special = config_tables()
    return special.get(model_type, model_type.replace("-", "_"))
