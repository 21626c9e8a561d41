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
from collections.abc import Iterator
from dataclasses import dataclass
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


def _resolve_class(path: Path, name: str, depth: int = 4) -> tuple[Path, str] | None:
    """The file that defines class ``name`` as seen from ``path`` (following imports)."""
    if depth == 0 or name in _STOP:
        return None
    tree, _ = parse_file(str(path))
    if find_class(tree, name) is not None:
        return path, name
    target = resolve_import(path, tree, name)
    return _resolve_class(target, name, depth - 1) if target else None


def _inits(
    path: Path, class_name: str, seen: set | None = None
) -> Iterator[tuple[Path, str, ast.FunctionDef]]:
    """``__init__`` of the class, then of its bases (depth-first, as ``source_code`` walks)."""
    seen = set() if seen is None else seen
    found = _resolve_class(path, class_name)
    if found is None or found in seen:
        return
    seen.add(found)
    file, name = found
    tree, _ = parse_file(str(file))
    cls = find_class(tree, name)
    if cls is None:
        return
    for item in cls.body:
        if isinstance(item, ast.FunctionDef) and item.name == "__init__":
            yield file, name, item
    for base in cls.bases:
        parent = base_name(base)
        if parent and parent not in _STOP:
            yield from _inits(file, parent, seen)


def _assigned(
    fn: ast.FunctionDef, attr: str
) -> Iterator[tuple[ast.stmt | ast.expr, ast.expr | None]]:
    """Statements in ``fn`` that create ``self.<attr>`` (node, value expression)."""
    for node in ast.walk(fn):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if _is_self_attr(target, attr):
                    yield node, node.value
        elif isinstance(node, ast.AnnAssign) and _is_self_attr(node.target, attr):
            yield node, node.value
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in {"register_buffer", "register_parameter"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and node.args[0].value == attr
        ):
            yield node, node.args[1] if len(node.args) > 1 else None


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
    for file, class_name, fn in _inits(*owner):
        hits = list(_assigned(fn, attr))
        if hits:
            _, source = parse_file(str(file))
            lines = tuple((node.lineno, source[node.lineno - 1].strip()) for node, _ in hits)
            nxt = tuple(dict.fromkeys(c for _, value in hits for c in _classes_of(value, file, fn)))
            appended = () if nxt else _appended(fn, attr, file)
            return _Hit(file, class_name, lines[:MAX_LINES], nxt, appended)
    return None


def _attributes(owner: tuple[Path, str]) -> Iterator[tuple[str, tuple[Path, str]]]:
    """(attribute, its class) for every ``self.x = SomeClass(...)`` of the owner's ``__init__``."""
    for file, _, fn in _inits(*owner):
        for node in ast.walk(fn):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
                        found = _class_in(node.value, file)
                        if target.value.id == "self" and found:
                            yield target.attr, found


def _line(tensor: str, path: list[str], hit: _Hit, attr: str, exact: bool) -> InitLine:
    return InitLine(tensor, ".".join(path), attr, hit.class_name, str(hit.path), hit.lines, exact)


def init_line(tensor: str, class_name: str, model_type: str | None) -> InitLine | None:
    """The ``__init__`` line that creates ``tensor``'s module under head ``class_name``."""
    start_file = class_file(class_name, model_type)
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


def _by_name(tensor: str, file: Path, names: list[str]) -> InitLine | None:
    """Last resort: any class of the modeling file that assigns ``self.<name>``."""
    tree, _ = parse_file(str(file))
    for name in reversed(names):
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                hit = _find_attr((file, node.name), name)
                if hit is not None:
                    return _line(tensor, [name], hit, name, False)
    return None
