"""Tensor → module → the line of ``__init__`` that creates it, read with ``ast`` (no torch).

``transformer.h.0.attn.c_attn.weight`` under ``GPT2LMHeadModel``: ``self.transformer =
GPT2Model(config)`` in the head's ``__init__`` names the next class, ``self.h = nn.ModuleList(
[GPT2Block(...)...])`` the next (layer numbers are skipped), ``self.attn = GPT2Attention(...)``
the next, and ``self.c_attn = Conv1D(...)`` is the answer. Each step looks for ``self.<part> =``
(or ``register_buffer``/``register_parameter("<part>", …)``) in the class's ``__init__`` and in
its bases', using the same file/import resolution as ``source_code``. Best effort by attribute
name: a checkpoint whose names differ from the module tree (a base-model prefix added or missing,
MoE experts fused at load) resolves as far as it can and says so (``exact=False``).
"""

from __future__ import annotations

import ast
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from hfbrowse.core.source.ast_tools import base_name, find_class, parse_file, resolve_import
from hfbrowse.core.source.classes import class_file

_STOP = {"Module", "PreTrainedModel", "GenerationMixin", "object", "ModuleUtilsMixin"}
MAX_LINES = 3


@dataclass(frozen=True)
class InitLine:
    """Where a tensor's module (or the parameter itself) is created."""

    tensor: str
    module_path: str  # the part of the tensor name that was resolved
    attribute: str
    class_name: str  # the class whose ``__init__`` holds the line
    file: str
    lines: tuple[tuple[int, str], ...]  # (line number, stripped text); several when conditional
    exact: bool  # False: only part of the path resolved, or found by name alone

    @property
    def line(self) -> int:
        return self.lines[0][0]

    @property
    def text(self) -> str:
        return self.lines[0][1]


@dataclass(frozen=True)
class _Hit:
    path: Path
    class_name: str
    lines: tuple[tuple[int, str], ...]
    next_classes: tuple[tuple[Path, str], ...]  # one per assignment (if/else may differ)
    appended: tuple[tuple[Path, str], ...] = ()  # ``self.x.append(Class(...))``, in order

    def children(self, index: str | None) -> list[tuple[Path, str]]:
        """Classes the module inside may have, likeliest first: ``index`` picks among appended
        ModuleList entries, the others follow (T5 appends cross-attention only in decoders)."""
        if self.appended:
            i = int(index) if index is not None and index.isdigit() else 0
            picked = [self.appended[i]] if i < len(self.appended) else []
            return picked + [c for c in self.appended if c not in picked]
        return list(self.next_classes)


@lru_cache(maxsize=4096)
def _resolve_class(path: Path, name: str, depth: int = 4) -> tuple[Path, str] | None:
    """The file that defines class ``name`` as seen from ``path`` (following imports); kept
    per (file, name): every tensor of a checkpoint asks the same few questions."""
    if depth == 0 or name in _STOP:
        return None
    tree, _ = parse_file(str(path))
    if find_class(tree, name) is not None:
        return path, name
    target = resolve_import(path, tree, name)
    return _resolve_class(target, name, depth - 1) if target else None


def _inits(path: Path, class_name: str) -> tuple[tuple[Path, str, ast.FunctionDef], ...]:
    """``__init__`` of the class, then of its bases (depth-first, as ``source_code`` walks)."""
    found = _resolve_class(path, class_name)
    return _init_chain(found) if found is not None else ()


@lru_cache(maxsize=4096)
def _init_chain(owner: tuple[Path, str]) -> tuple[tuple[Path, str, ast.FunctionDef], ...]:
    out: list[tuple[Path, str, ast.FunctionDef]] = []
    seen: set[tuple[Path, str]] = set()

    def walk(found: tuple[Path, str] | None) -> None:
        if found is None or found in seen:
            return
        seen.add(found)
        file, name = found
        tree, _ = parse_file(str(file))
        cls = find_class(tree, name)
        if cls is None:
            return
        out.extend(
            (file, name, item)
            for item in cls.body
            if isinstance(item, ast.FunctionDef) and item.name == "__init__"
        )
        for base in cls.bases:
            parent = base_name(base)
            if parent and parent not in _STOP:
                walk(_resolve_class(file, parent))

    walk(owner)
    return tuple(out)


_Assignment = tuple[ast.stmt | ast.expr, ast.expr | None]


def _assignments(fn: ast.FunctionDef) -> dict[str, list[_Assignment]]:
    """Every ``self.<attr>`` that ``fn`` creates (node, value expression), by attribute, in the
    order ``ast.walk`` meets them: one walk per ``__init__``, however many tensors ask."""
    found: dict[str, list[_Assignment]] = {}
    for node in ast.walk(fn):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if (attr := _self_attr(target)) is not None:
                    found.setdefault(attr, []).append((node, node.value))
        elif isinstance(node, ast.AnnAssign) and (attr := _self_attr(node.target)) is not None:
            found.setdefault(attr, []).append((node, node.value))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in {"register_buffer", "register_parameter"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            value = node.args[1] if len(node.args) > 1 else None
            found.setdefault(node.args[0].value, []).append((node, value))
    return found


def _self_attr(node: ast.expr) -> str | None:
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return node.attr if node.value.id == "self" else None
    return None


class _OwnerIndex:
    """What one class's ``__init__`` chain creates, attribute by attribute (built once)."""

    def __init__(self, owner: tuple[Path, str]) -> None:
        self.first: dict[str, tuple[Path, str, ast.FunctionDef, list[_Assignment]]] = {}
        for file, class_name, fn in _inits(*owner):
            for attr, hits in _assignments(fn).items():
                self.first.setdefault(attr, (file, class_name, fn, hits))
        self.hits: dict[str, _Hit] = {}
        self._lock = threading.Lock()

    def hit(self, attr: str) -> _Hit | None:
        if attr in self.hits:
            return self.hits[attr]
        entry = self.first.get(attr)
        if entry is None:
            return None
        file, class_name, fn, hits = entry
        _, source = parse_file(str(file))
        lines = tuple((node.lineno, source[node.lineno - 1].strip()) for node, _ in hits)
        nxt = tuple(dict.fromkeys(c for _, value in hits for c in _classes_of(value, file, fn)))
        appended = () if nxt else _appended(fn, attr, file)
        found = _Hit(file, class_name, lines[:MAX_LINES], nxt, appended)
        with self._lock:
            self.hits[attr] = found
        return found


@lru_cache(maxsize=4096)
def _owner_index(owner: tuple[Path, str]) -> _OwnerIndex:
    return _OwnerIndex(owner)


def _is_self_attr(node: ast.expr, attr: str) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == attr
        and isinstance(node.value, ast.Name)
        and node.value.id == "self"
    )


def _class_in(value: ast.expr | None, path: Path) -> tuple[Path, str] | None:
    """The first call in ``value`` whose callee is a class we can find (``GPT2Block(...)`` inside
    ``nn.ModuleList([...])``)."""
    if value is None:
        return None
    for node in ast.walk(value):
        if isinstance(node, ast.Call):
            name = base_name(node.func)
            if name and name[:1].isupper():
                found = _resolve_class(path, name)
                if found is not None:
                    return found
    return None


def _classes_of(value: ast.expr | None, path: Path, fn: ast.FunctionDef) -> list[tuple[Path, str]]:
    """The class(es) ``value`` instantiates; ``attention_class(config)`` follows the local
    ``attention_class = A if cond else B`` (the ``else`` branch, usually the default, first)."""
    found = _class_in(value, path)
    if found is not None:
        return [found]
    if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Name)):
        return []
    local = value.func.id
    out: list[tuple[Path, str]] = []
    for node in ast.walk(fn):
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == local for t in node.targets
        ):
            names = [n.id for n in ast.walk(node.value) if isinstance(n, ast.Name)]
            for name in reversed(names):
                if name[:1].isupper() and (cls := _resolve_class(path, name)):
                    out.append(cls)
    return out


def _appended(fn: ast.FunctionDef, attr: str, path: Path) -> tuple[tuple[Path, str], ...]:
    """Classes appended to ``self.<attr>`` (T5: ``self.layer.append(T5LayerFF(config))``)."""
    found = []
    for node in ast.walk(fn):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in {"append", "extend"}
            and _is_self_attr(node.func.value, attr)
            and node.args
            and (cls := _class_in(node.args[0], path))
        ):
            found.append((node.lineno, cls))
    return tuple(cls for _, cls in sorted(found, key=lambda item: item[0]))


def _find_in(owners: list[tuple[Path, str]], attr: str) -> _Hit | None:
    return next((hit for owner in owners if (hit := _find_attr(owner, attr))), None)


def _find_attr(owner: tuple[Path, str], attr: str) -> _Hit | None:
    return _owner_index(owner).hit(attr)


@lru_cache(maxsize=4096)
def _attributes(owner: tuple[Path, str]) -> tuple[tuple[str, tuple[Path, str]], ...]:
    """(attribute, its class) for every ``self.x = SomeClass(...)`` of the owner's ``__init__``."""
    out = []
    for file, _, fn in _inits(*owner):
        for node in ast.walk(fn):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
                        found = _class_in(node.value, file)
                        if target.value.id == "self" and found:
                            out.append((target.attr, found))
    return tuple(out)


def _line(tensor: str, path: list[str], hit: _Hit, attr: str, exact: bool) -> InitLine:
    return InitLine(tensor, ".".join(path), attr, hit.class_name, str(hit.path), hit.lines, exact)


def init_line(tensor: str, class_name: str, model_type: str | None) -> InitLine | None:
    """The ``__init__`` line that creates ``tensor``'s module under head ``class_name``.

    Each step is a dictionary lookup in a per-class index (``_OwnerIndex``), so a checkpoint of
    200,000 tensors costs 200,000 lookups, not 200,000 walks of the modeling files."""
    start_file = _start_file(class_name, model_type)
    if start_file is None:
        return None
    parts = tensor.split(".")
    modules, leaf = parts[:-1], parts[-1]
    owners: list[tuple[Path, str]] = [(start_file, class_name)]
    walked: list[str] = []
    last: tuple[_Hit, str] | None = None
    for index, part in enumerate(modules):
        walked.append(part)
        if part.isdigit():
            continue
        if not owners:
            break
        following = parts[index + 1] if index + 1 < len(parts) else None
        hit = _find_in(owners, part)
        if hit is None and index == 0:
            base = _base_model(start_file, model_type)
            if base is not None and following and _find_attr(base, following):
                owners = [base]  # ``self.model`` set dynamically (Generic* heads): the base model
                continue
            hit = _find_attr(base, part) if base is not None else None
            hit = hit or _through_attributes(owners[0], part)
            if hit is None and len(modules) > 1:
                walked.pop()  # a prefix this class does not have: read the rest from here
                continue
        if hit is None:
            walked.pop()
            break
        last = (hit, part)
        owners = hit.children(following)
    else:
        param = _find_in(owners, leaf)
        # A parameter created directly by a class of this model family (MoE experts, BART's
        # final_logits_bias) is the more telling line; nn.Linear/Conv1D internals are not.
        if param is not None and (last is None or param.path.parent == start_file.parent):
            return _line(tensor, walked, param, leaf, True)
        if last is not None:
            return _line(tensor, walked, last[0], last[1], True)
    if last is not None:
        return _line(tensor, walked, last[0], last[1], False)
    return _by_name(tensor, start_file, [p for p in modules if not p.isdigit()] or [leaf])


@lru_cache(maxsize=256)
def _start_file(class_name: str, model_type: str | None) -> Path | None:
    return class_file(class_name, model_type)


@lru_cache(maxsize=256)
def _base_model(start_file: Path, model_type: str | None) -> tuple[Path, str] | None:
    """The family's base model class (``AutoModel`` of the model_type), e.g. ``LlamaModel``."""
    from hfbrowse.core.source.auto_tables import model_tables

    name = model_tables().get("MODEL_MAPPING_NAMES", {}).get(model_type or "")
    return _resolve_class(start_file, name) if name else None


def _through_attributes(owner: tuple[Path, str], part: str) -> _Hit | None:
    """``h`` asked of ``GPT2LMHeadModel``: a GPT2Model checkpoint; look one level down."""
    for _, cls in _attributes(owner):
        hit = _find_attr(cls, part)
        if hit is not None:
            return hit
    return None


@lru_cache(maxsize=256)
def _classes_of_file(file: Path) -> tuple[str, ...]:
    tree, _ = parse_file(str(file))
    return tuple(node.name for node in tree.body if isinstance(node, ast.ClassDef))


def _by_name(tensor: str, file: Path, names: list[str]) -> InitLine | None:
    """Last resort: any class of the modeling file that assigns ``self.<name>``."""
    for name in reversed(names):
        for class_name in _classes_of_file(file):
            hit = _find_attr((file, class_name), name)
            if hit is not None:
                return _line(tensor, [name], hit, name, False)
    return None
