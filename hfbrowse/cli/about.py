"""The program's name as the user called it, and ``--version`` with the libraries that matter.

Kept apart from ``entry`` so that neither needs anything heavy: versions come from installed
package metadata (``importlib.metadata``, imported only for ``--version``: ~20 ms otherwise spent
before the first frame), never from importing torch or transformers.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hfbrowse import __version__

# Printed by --version in this order; torch last, since it is the optional one.
LIBRARIES = ("transformers", "huggingface_hub", "textual", "torch")


def prog_name(argv0: str | None = None) -> str:
    """``hf browse`` when huggingface_hub's CLI runs us as an extension (it executes the
    ``hf-browse`` script in ``…/hf/extensions/hf-browse/venv/bin``), ``hf-browse`` for that script
    called directly, else ``hfbrowse`` (also for ``python -m hfbrowse`` and tests)."""
    path = Path(sys.argv[0] if argv0 is None else argv0)
    if path.name.removesuffix(".exe") != "hf-browse":
        return "hfbrowse"
    folders = path.parts[:-1]
    return "hf browse" if "extensions" in folders and "hf-browse" in folders else "hf-browse"


def _version(distribution: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def version_text() -> str:
    """``hfbrowse 0.1.0`` then one line per library, torch saying how to get it when absent."""
    lines = [f"hfbrowse {__version__}"]
    for name in LIBRARIES:
        found = _version(name)
        if found is not None:
            lines.append(f"{name} {found}")
        elif name == "torch":
            from hfbrowse.core.torch_check import install_command, torch_installed

            if torch_installed():  # importable but without package metadata (e.g. on PYTHONPATH)
                lines.append("torch (version unknown)")
            else:
                lines.append(
                    "torch: not installed (the console and head compatibility need it: "
                    f"{install_command()})"
                )
        else:
            lines.append(f"{name}: not installed")
    import platform

    lines.append(f"python {platform.python_version()} ({sys.prefix})")
    return "\n".join(lines)


class VersionAction(argparse.Action):
    """``--version``: like argparse's own, but the text is computed only when asked for."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        kwargs.setdefault("help", "show the versions of hfbrowse and its libraries, then exit")
        kwargs.setdefault("default", argparse.SUPPRESS)
        super().__init__(option_strings, dest, nargs=0, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *_: Any, **__: Any) -> None:
        print(version_text())
        parser.exit()
