"""Whether torch is installed, and the one line that says how to install it.

torch is an optional extra (``hfbrowse[torch]``): everything that reads a model — config, tensors,
source, search, card, files, diffs, config docs, memory, module tree, remote code — works
without it. The console and head compatibility need it. Every place that needs torch calls
``require_torch`` first, so a missing torch is one ``TorchMissing`` with one message (what to
install and the exact command for *this* environment) instead of a ``ModuleNotFoundError``
half-way through a download or a traceback per head.

No torch import here: ``find_spec`` answers in microseconds, importing torch takes ~1.5 s.
"""

from __future__ import annotations

import importlib.util
import shlex
import shutil
import sys
from pathlib import Path

from hfbrowse.core.errors import HFBrowseError, TorchMissing, translate_with

# The `torch` extra's requirement; tests/packaging checks it against pyproject.toml.
TORCH_REQUIREMENT = "torch>=2.4"
CPU_INDEX = "https://download.pytorch.org/whl/cpu"


def torch_installed() -> bool:
    """True if ``import torch`` would find a module (it is not imported here)."""
    if "torch" in sys.modules:
        return True
    try:
        return importlib.util.find_spec("torch") is not None
    except (ImportError, ValueError):  # a broken or half-removed install
        return False


def nvidia_driver_present() -> bool:
    """An NVIDIA driver is installed (Linux; WSL puts nvidia-smi on PATH but has no /proc entry):
    then the CUDA build of torch is worth its size."""
    return Path("/proc/driver/nvidia/version").exists() or shutil.which("nvidia-smi") is not None


def _pip_available() -> bool:
    try:
        return importlib.util.find_spec("pip") is not None
    except (ImportError, ValueError):
        return False


def install_command(
    python: str | None = None,
    *,
    prefix: str | None = None,
    has_pip: bool | None = None,
    cuda: bool | None = None,
    platform: str | None = None,
) -> str:
    """The shell command that installs torch into the environment this process runs in.

    A tool manager's environment is rebuilt by its upgrades, which drop packages added by hand:
    there the command goes through the manager (``uv tool install`` again, with the extra;
    ``pipx inject``). Otherwise ``python -m pip`` where the environment has pip, and
    ``uv pip --python`` where it has none (uv makes environments without pip; ``hf extensions
    install`` does when uv is on PATH). uv's ``--torch-backend=auto`` picks CPU or the CUDA the
    driver supports. With pip on Linux, PyPI's torch is the CUDA build (~3 GB with its NVIDIA
    wheels), so without an NVIDIA driver the command takes the CPU wheel from PyTorch's own
    index. macOS and Windows wheels on PyPI carry no CUDA libraries: plain pip is right there.
    """
    python = python or sys.executable
    env = Path(prefix or sys.prefix)
    platform = platform or sys.platform
    index = _cpu_index_args(cuda, platform)
    if (uv_tool := _uv_tool_command(env)) is not None:
        return uv_tool
    if (env / "pipx_metadata.json").is_file():
        return f"pipx inject {shlex.quote(env.name)} {shlex.quote(TORCH_REQUIREMENT)}{index}"
    has_pip = _pip_available() if has_pip is None else has_pip
    quoted = shlex.quote(python)
    requirement = shlex.quote(TORCH_REQUIREMENT)
    if not has_pip:
        return f"uv pip install --python {quoted} {requirement} --torch-backend=auto"
    return f"{quoted} -m pip install {requirement}{index}"


def _uv_tool_command(env: Path) -> str | None:
    """``uv tool install`` of what this tool environment was installed from, plus the extra.

    uv records the requirement in ``uv-receipt.toml``; installing the same source with other
    extras replaces the environment, and later ``uv tool upgrade`` keeps the extra."""
    try:
        import tomllib

        receipt = tomllib.loads((env / "uv-receipt.toml").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    requirements = receipt.get("tool", {}).get("requirements", [])
    ours = next((r for r in requirements if r.get("name") == "hfbrowse"), None)
    if not isinstance(ours, dict):
        return None
    extras = ",".join(sorted({*ours.get("extras", []), "torch"}))
    spec = f"hfbrowse[{extras}]"
    editable = ""
    if "editable" in ours:
        spec, editable = f"{spec} @ {ours['editable']}", " --editable"
    elif "directory" in ours or "url" in ours or "path" in ours:
        spec = f"{spec} @ {ours.get('directory') or ours.get('url') or ours.get('path')}"
    else:
        spec += ours.get("specifier", "")
    return f"uv tool install{editable} {shlex.quote(spec)} --torch-backend=auto"


def _cpu_index_args(cuda: bool | None, platform: str) -> str:
    if not platform.startswith("linux"):
        return ""
    cuda = nvidia_driver_present() if cuda is None else cuda
    return "" if cuda else f" --index-url {CPU_INDEX}"


def missing_message(what: str = "this") -> str:
    """One line: what needs torch, and the command that installs it here."""
    command = install_command()
    build = "its CPU build" if CPU_INDEX in command else "it"
    return f"{what} needs torch, which is not installed; install {build} with: {command}"


def require_torch(what: str) -> None:
    """Raise ``TorchMissing`` (one line naming the install command) unless torch is installed."""
    if not torch_installed():
        raise TorchMissing(missing_message(what))


def is_torch_import_error(exc: BaseException) -> bool:
    """A ``ModuleNotFoundError`` for torch itself (or one of its submodules)."""
    name = getattr(exc, "name", None) or ""
    return isinstance(exc, ModuleNotFoundError) and (name == "torch" or name.startswith("torch."))


@translate_with
def _missing_torch(exc: BaseException) -> HFBrowseError | None:
    """A stray ``import torch`` that failed, as the one install line."""
    return TorchMissing(missing_message("this")) if is_torch_import_error(exc) else None
