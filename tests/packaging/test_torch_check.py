"""torch is optional: the one install message, ``--version``, and the program's name.

These run in both suites: where torch is installed, a missing torch is simulated by
``torch_check.torch_installed`` answering False (every check goes through it); in the torch-less
venv of test_distributions they meet the real absence.
"""

from __future__ import annotations

import shlex
import sys
import tomllib
from pathlib import Path

import pytest

from hfbrowse.cli import about
from hfbrowse.cli.entry import build_parser, main
from hfbrowse.core import torch_check
from hfbrowse.core.errors import HFBrowseError, TorchMissing, as_user_error

ROOT = Path(__file__).resolve().parents[2]
PY = "/home/u/.venv/bin/python"
CPU = f"--index-url {torch_check.CPU_INDEX}"


@pytest.fixture
def no_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    """As if torch were not installed (import torch itself is never reached: we check first)."""
    monkeypatch.setattr(torch_check, "torch_installed", lambda: False)
    monkeypatch.setattr(about, "_version", lambda name: None if name == "torch" else "1.0")


def test_the_extra_is_the_requirement_the_message_installs() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["optional-dependencies"]["torch"] == [torch_check.TORCH_REQUIREMENT]
    assert not any(dep.startswith("torch") for dep in project["dependencies"])
    assert "transformers>=5.0" in project["dependencies"]  # the source pane reads its files


@pytest.mark.parametrize(
    ("has_pip", "cuda", "platform", "expected"),
    [
        (True, False, "linux", f"{PY} -m pip install 'torch>=2.4' {CPU}"),
        (True, True, "linux", f"{PY} -m pip install 'torch>=2.4'"),
        (True, False, "darwin", f"{PY} -m pip install 'torch>=2.4'"),
        (True, False, "win32", f"{PY} -m pip install 'torch>=2.4'"),
        (False, False, "linux", f"uv pip install --python {PY} 'torch>=2.4' --torch-backend=auto"),
    ],
)  # fmt: skip
def test_install_command_fits_the_environment(
    has_pip: bool, cuda: bool, platform: str, expected: str
) -> None:
    command = torch_check.install_command(
        PY, prefix="/home/u/.venv", has_pip=has_pip, cuda=cuda, platform=platform
    )
    assert command == expected


def test_install_command_quotes_the_interpreter_path() -> None:
    command = torch_check.install_command(
        "/opt/my env/python", prefix="/opt/my env", has_pip=True, cuda=True
    )
    assert shlex.split(command)[:3] == ["/opt/my env/python", "-m", "pip"]


def test_install_command_names_this_interpreter() -> None:
    assert shlex.split(torch_check.install_command())[0] in (sys.executable, "uv")


def test_require_torch_is_one_line_naming_the_command(no_torch: None) -> None:
    with pytest.raises(TorchMissing) as caught:
        torch_check.require_torch("the console")
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("the console needs torch, which is not installed; install ")
    assert message.endswith(torch_check.install_command())


def test_require_torch_passes_where_torch_is(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch_check, "torch_installed", lambda: True)
    torch_check.require_torch("the console")


def test_a_stray_torch_import_error_becomes_the_same_message() -> None:
    err = as_user_error(ModuleNotFoundError("No module named 'torch'", name="torch"))
    assert isinstance(err, TorchMissing) and torch_check.install_command() in str(err)
    other = as_user_error(ModuleNotFoundError("No module named 'yaml'", name="yaml"))
    assert type(other) is HFBrowseError and "yaml" in str(other)


def test_version_lists_the_libraries() -> None:
    text = about.version_text()
    lines = text.splitlines()
    assert lines[0].startswith("hfbrowse ")
    for name in ("transformers", "huggingface_hub", "textual"):
        assert any(line.startswith(f"{name} ") for line in lines), text
    assert lines[-1].startswith("python ")


def test_version_says_torch_is_not_installed_and_how(
    no_torch: None, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "torch: not installed (the console and head compatibility need it: " in out
    assert torch_check.install_command() in out


@pytest.mark.parametrize(
    ("argv0", "prog"),
    [
        ("/home/u/.local/share/hf/extensions/hf-browse/venv/bin/hf-browse", "hf browse"),
        ("/home/u/.venv/bin/hf-browse", "hf-browse"),
        ("/home/u/.venv/bin/hfbrowse", "hfbrowse"),
        ("/home/u/src/hfbrowse/hfbrowse/__main__.py", "hfbrowse"),
    ],
)
def test_prog_name_is_how_it_was_called(argv0: str, prog: str) -> None:
    assert about.prog_name(argv0) == prog


def test_usage_line_uses_the_called_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["/x/hf/extensions/hf-browse/venv/bin/hf-browse", "--help"])
    assert build_parser().format_usage().startswith("usage: hf browse ")


def _receipt(folder: Path, requirement: str) -> Path:
    folder.mkdir()
    (folder / "uv-receipt.toml").write_text(
        f"[tool]\nrequirements = [{requirement}]\nentrypoints = []\n", encoding="utf-8"
    )
    return folder


@pytest.mark.parametrize(
    ("requirement", "expected"),
    [
        ('{ name = "hfbrowse" }', "'hfbrowse[torch]'"),
        ('{ name = "hfbrowse", specifier = ">=0.1" }', "'hfbrowse[torch]>=0.1'"),
        (
            '{ name = "hfbrowse", extras = ["test"], directory = "/src/hfbrowse" }',
            "'hfbrowse[test,torch] @ /src/hfbrowse'",
        ),
        (
            '{ name = "hfbrowse", editable = "/src/hfbrowse" }',
            "--editable 'hfbrowse[torch] @ /src/hfbrowse'",
        ),
    ],
)
def test_a_uv_tool_is_reinstalled_with_the_extra(
    tmp_path: Path, requirement: str, expected: str
) -> None:
    """uv tool upgrade drops what was added by hand: the extra goes into uv's own receipt."""
    env = _receipt(tmp_path / "hfbrowse", requirement)
    command = torch_check.install_command(PY, prefix=str(env), has_pip=False)
    assert command == f"uv tool install {expected} --torch-backend=auto"


def test_a_pipx_venv_gets_torch_injected(tmp_path: Path) -> None:
    env = tmp_path / "hfbrowse"
    env.mkdir()
    (env / "pipx_metadata.json").write_text("{}", encoding="utf-8")
    command = torch_check.install_command(PY, prefix=str(env), cuda=False, platform="linux")
    assert command == f"pipx inject hfbrowse 'torch>=2.4' {CPU}"
