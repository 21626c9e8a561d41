"""A deterministic English corpus made of Python standard-library docstrings (no downloads)."""

from __future__ import annotations

import functools
import importlib
import inspect

# A fixed list, sorted: the corpus must not depend on what happens to be imported already.
_MODULE_NAMES = """
abc argparse ast base64 bisect calendar collections configparser contextlib copy csv dataclasses
datetime decimal difflib enum fractions functools gettext heapq hmac html ipaddress itertools json
logging numbers operator os pathlib pickle pprint queue random re sched secrets shlex shutil
statistics string struct subprocess tarfile tempfile textwrap threading timeit tokenize typing
unittest uuid warnings weakref zipfile
"""
CORPUS_MODULES: tuple[str, ...] = tuple(sorted(_MODULE_NAMES.split()))


def _module_docs(name: str) -> list[str]:
    module = importlib.import_module(name)
    docs = [module.__doc__]
    namespace = vars(module)
    for attr in sorted(namespace):
        obj = namespace[attr]
        if attr.startswith("_") or getattr(obj, "__module__", None) != name:
            continue
        if inspect.isfunction(obj):
            docs.append(obj.__doc__)
        elif inspect.isclass(obj):
            docs.append(obj.__doc__)
            members = vars(obj)
            docs.extend(
                members[m].__doc__
                for m in sorted(members)
                if not m.startswith("_") and inspect.isfunction(members[m])
            )
    return [inspect.cleandoc(d) for d in docs if isinstance(d, str) and d.strip()]


@functools.cache
def corpus_text() -> str:
    """About 300 KB of English text, identical in every process of the same Python install."""
    parts: list[str] = []
    for name in CORPUS_MODULES:
        parts.extend(_module_docs(name))
    return "\n\n".join(parts)
