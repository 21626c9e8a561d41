"""Names a model folder or a server supplies, checked before they become paths or are opened.

A commit sha, a revision, a shard name from an index's ``weight_map``, a file a folder claims:
each is data from someone else until it passes here. The rules live in this module only:

- a commit sha is 40 lower-case hex digits (``model_info`` answers become cache file names);
- a revision is a git ref name (``refs/pr/1`` yes, ``../../x`` no): it names a file under
  ``refs/`` in the HF cache;
- a file of a repo is a plain relative name (``model-00001-of-00002.safetensors``,
  ``sub/x.safetensors``): no ``..``, no leading ``/``, no backslash, no control characters;
- a file a local folder claims is opened only when it is inside the folder once symlinks are
  followed (a snapshot of the HF cache may also point into its repo's ``blobs``), is a regular
  file (a FIFO would block for ever) and is no larger than its reader expects.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import BinaryIO

from hfbrowse.core.errors import UnsafeInput

_SHA = re.compile(r"[0-9a-f]{40}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_REF_FORBIDDEN = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]")
MAX_NAME_CHARS = 1000
MAX_PART_CHARS = 255


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:79] + "…"


def is_commit_sha(value: object) -> bool:
    return isinstance(value, str) and _SHA.fullmatch(value) is not None


def check_commit_sha(value: object, source: str) -> str:
    """``value`` when it is a full commit sha, else UnsafeInput naming ``source``."""
    if not is_commit_sha(value):
        raise UnsafeInput(
            f"{source} gave an invalid commit sha, {_shown(value)} (not 40 hex digits);"
            " nothing was written."
        )
    assert isinstance(value, str)
    return value


def revision_problem(revision: str) -> str | None:
    """Why ``revision`` is no branch, tag or commit name (git's ref-name rules), or None."""
    if not revision or len(revision) > MAX_NAME_CHARS:
        return f"it is empty or over {MAX_NAME_CHARS} characters"
    if _REF_FORBIDDEN.search(revision):
        return "it holds a space, a control character or one of ~ ^ : ? * [ \\"
    if revision.startswith("/") or revision.endswith(("/", ".", ".lock")) or "@{" in revision:
        return "it starts with '/', ends with '/', '.' or '.lock', or holds '@{'"
    for part in revision.split("/"):
        if not part or part.startswith(".") or len(part) > MAX_PART_CHARS:
            return "'..', '//' and parts that start with '.' are not allowed"
    return None


def check_revision(revision: str | None) -> str | None:
    """``revision`` unchanged when git would accept it as a ref name (None stays None)."""
    if revision is None:
        return None
    problem = revision_problem(revision)
    if problem is not None:
        raise UnsafeInput(
            f"revision {_shown(revision)} is not a branch, tag or commit name ({problem})."
        )
    return revision


def repo_name_problem(name: object) -> str | None:
    """Why ``name`` is not a plain relative file name inside a repo or folder, or None."""
    if not isinstance(name, str):
        return f"not a file name but {type(name).__name__}"
    if not name or len(name) > MAX_NAME_CHARS:
        return "empty or too long"
    if _CONTROL.search(name) or "\\" in name:
        return "holds a control character or a backslash"
    if name.startswith("/"):
        return "an absolute path"
    if any(part in ("", ".", "..") or len(part) > MAX_PART_CHARS for part in name.split("/")):
        return "not a plain relative name (no '..')"
    return None


def check_repo_name(name: object, what: str) -> str:
    """``name`` when it is a plain relative file name; UnsafeInput naming ``what`` otherwise."""
    problem = repo_name_problem(name)
    if problem is not None:
        raise UnsafeInput(f"{what} names {_shown(name)}: {problem}; refused.")
    assert isinstance(name, str)
    return name


def _allowed_roots(folder: Path) -> list[Path]:
    """The folder, and for a snapshot of the HF cache its repo's ``blobs`` (where the
    snapshot's symlinks point)."""
    roots = [folder]
    for parent in folder.parents:
        if parent.name == "snapshots":
            roots.append(parent.parent / "blobs")
            break
    return roots


def inside_folder(path: Path, folder: Path) -> bool:
    """Whether ``path``, symlinks followed, lies inside ``folder`` (resolved)."""
    try:
        real = path.resolve()
    except (OSError, RuntimeError):  # a symlink loop
        return False
    return any(real.is_relative_to(root) for root in _allowed_roots(folder.resolve()))


def open_in_folder(folder: Path, name: str, what: str | None = None) -> tuple[BinaryIO, int]:
    """Open the file ``name`` that ``folder`` claims, for reading: (file, size in bytes).

    UnsafeInput for a name that is not plain, a path that leads outside the folder, or what is
    not a regular file (opened non-blocking, so a FIFO answers at once); OSError (missing,
    unreadable) is left to the caller, which knows how to word it."""
    what = what or name
    check_repo_name(name, what)
    base = folder.resolve()
    path = base / name
    try:
        real = path.resolve()
    except (OSError, RuntimeError):
        raise UnsafeInput(f"{what} in {base.name} is a symlink loop: not read.") from None
    if not any(real.is_relative_to(root) for root in _allowed_roots(base)):
        raise UnsafeInput(f"{what} points outside {base.name} (to {real}): not read.")
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(real, flags | getattr(os, "O_NOCTTY", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = "a FIFO" if stat.S_ISFIFO(info.st_mode) else "not a regular file"
            raise UnsafeInput(f"{what} in {base.name} is {kind}: not read.")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb"), info.st_size
    except BaseException:
        os.close(fd)
        raise


def read_in_folder(folder: Path, name: str, limit: int, what: str | None = None) -> bytes:
    """The whole file ``name`` of ``folder`` (see ``open_in_folder``), at most ``limit`` bytes."""
    fh, size = open_in_folder(folder, name, what)
    with fh:
        if size > limit:
            raise UnsafeInput(f"{what or name} is {size:,} bytes: over the {limit:,}-byte limit.")
        data = fh.read(limit + 1)
    if len(data) > limit:  # it grew while being read
        raise UnsafeInput(f"{what or name} is over {limit:,} bytes: not read.")
    return data
