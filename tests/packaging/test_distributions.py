"""The wheel and the sdist as a user would get them: built, inspected, installed without torch.

``python -m build`` makes the sdist and then the wheel from it (as PyPI tooling does), from a
copy of the project's files. The wheel must hold every runtime file; the sdist everything the
test suite needs. The wheel then goes into a fresh venv with its ``test`` extra and no torch —
what ``pip install hfbrowse`` gives — where the CLI browses the demo and every fixture exactly as
the torch venv does, says in one line how to install torch where it is needed, and the suite's
read-only part passes when run from the unpacked sdist.

Marked ``packaging`` (``pytest -m packaging`` runs only these). pip resolves the same pinned
releases as scripts/setup (``-c constraints.txt``) with the test venv's pip and cache, so on a
machine that ran the set-up nothing new is downloaded.
"""

from __future__ import annotations

import email.message
import email.parser
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from hfbrowse import __version__
from hfbrowse.cli.entry import main
from hfbrowse.core import torch_check

pytestmark = pytest.mark.packaging

ROOT = Path(__file__).resolve().parents[2]
NAME = f"hfbrowse-{__version__}"
# Tracked files that only serve the repository, not a source distribution.
NOT_IN_SDIST = (".ci/", ".gitignore", ".gitattributes")
SDIST_GENERATED = ("PKG-INFO", "setup.cfg", "hfbrowse.egg-info/")
_SKIP_DIRS = {".git", ".venv", "build", "dist", "__pycache__", ".pytest_cache", ".ruff_cache"}


def project_files() -> list[str]:
    """The files a clean clone has (plus new, not ignored ones): ``git ls-files`` in a checkout;
    in an unpacked sdist, every file there."""
    if (ROOT / ".git").exists():
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT, capture_output=True, check=True,
        ).stdout.decode()  # fmt: skip
        return sorted(f for f in listed.split("\0") if f and (ROOT / f).is_file())
    found = []
    for path in ROOT.rglob("*"):
        rel = path.relative_to(ROOT)
        if path.is_file() and not _SKIP_DIRS & set(rel.parts) and not rel.name.endswith(".pyc"):
            found.append(rel.as_posix())
    return sorted(found)


@dataclass(frozen=True)
class Dists:
    sdist: Path
    wheel: Path
    files: tuple[str, ...]  # the project files they were built from


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> Dists:
    files = project_files()
    src = tmp_path_factory.mktemp("src")
    for rel in files:
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, src / rel)
    out = tmp_path_factory.mktemp("dist")
    # No isolation: the test extra brings setuptools and build, so nothing is downloaded.
    proc = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(src)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    warnings = [
        line for line in (proc.stdout + proc.stderr).splitlines()
        if "Deprecat" in line or "is deprecated" in line
    ]  # fmt: skip
    assert not warnings, "\n".join(warnings)
    return Dists(out / f"{NAME}.tar.gz", out / f"{NAME}-py3-none-any.whl", tuple(files))


def test_sdist_holds_every_project_file(dists: Dists) -> None:
    with tarfile.open(dists.sdist) as tar:
        members = {
            m.name.removeprefix(f"{NAME}/"): tar.extractfile(m).read()  # type: ignore[union-attr]
            for m in tar.getmembers()
            if m.isfile()
        }
    expected = {f for f in dists.files if not f.startswith(NOT_IN_SDIST)}
    shipped = {f for f in members if not f.startswith(SDIST_GENERATED)}
    assert sorted(expected - shipped) == [], "missing from the sdist (see MANIFEST.in)"
    assert sorted(shipped - expected) == [], "in the sdist but not a project file"
    for rel in expected:
        assert members[rel] == (ROOT / rel).read_bytes(), rel
    for needed in ("tests/conftest.py", "tests/support/hub_server.py", "LICENSE", "scripts/test"):
        assert needed in shipped
    assert any(f.startswith("tests/snapshots/__snapshots__/") for f in shipped)


def _metadata(wheel: zipfile.ZipFile) -> email.message.Message:
    raw = wheel.read(f"{NAME}.dist-info/METADATA").decode()
    return email.parser.Parser().parsestr(raw)


def test_wheel_holds_the_runtime_files_and_nothing_else(dists: Dists) -> None:
    with zipfile.ZipFile(dists.wheel) as wheel:
        names = set(wheel.namelist())
        package = {n for n in names if not n.startswith(f"{NAME}.dist-info/")}
        expected = {f for f in dists.files if f.startswith("hfbrowse/")}
        assert package == expected
        for rel in expected:
            assert wheel.read(rel) == (ROOT / rel).read_bytes(), rel
        assert f"{NAME}.dist-info/licenses/LICENSE" in names
        scripts = wheel.read(f"{NAME}.dist-info/entry_points.txt").decode()
        assert "hfbrowse = hfbrowse.cli:main" in scripts
        assert "hf-browse = hfbrowse.cli:main" in scripts


def test_wheel_metadata(dists: Dists) -> None:
    with zipfile.ZipFile(dists.wheel) as wheel:
        meta = _metadata(wheel)
    assert meta["License-Expression"] == "Apache-2.0" and meta["License"] is None
    assert meta.get_all("License-File") == ["LICENSE"]
    assert meta["Requires-Python"] == ">=3.11"
    assert meta["Author"] and len(meta.get_all("Classifier")) >= 5
    requires = meta.get_all("Requires-Dist")
    torch_lines = [r for r in requires if re.match(r"torch\b", r)]
    assert torch_lines == [f'{torch_check.TORCH_REQUIREMENT}; extra == "torch"']
    assert any(r.startswith("transformers") and "extra" not in r for r in requires)
    assert "torch" in meta.get_all("Provides-Extra")


# -- a venv with the wheel and no torch --------------------------------------------------------
@dataclass(frozen=True)
class LightVenv:
    root: Path
    python: Path
    bin: Path
    install_s: float

    def env(self, home: Path) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "HF_"))}
        env.pop("PYTHONPATH", None)
        env.update(HF_HOME=str(home), HF_HUB_OFFLINE="1", HF_ENDPOINT="http://127.0.0.1:9")
        return env

    def run(self, args: list[str], home: Path, **kwargs: Any) -> subprocess.CompletedProcess:
        return subprocess.run(
            args, env=self.env(home), capture_output=True, text=True, timeout=600, **kwargs
        )


@pytest.fixture(scope="module")
def light(dists: Dists, tmp_path_factory: pytest.TempPathFactory) -> LightVenv:
    root = tmp_path_factory.mktemp("venv") / "light"
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "venv", str(root)], check=True, timeout=300)
    python = root / "bin" / "python"
    # This venv's own pip would do; the test venv's newer pip shares scripts/setup's cache.
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--progress-bar",
         "off", "-c", str(ROOT / "constraints.txt"), f"{dists.wheel}[test]"],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return LightVenv(root, python, root / "bin", time.perf_counter() - started)


def test_no_torch_was_installed(light: LightVenv, tmp_path: Path) -> None:
    probe = (
        "import importlib.metadata as m, importlib.util as u, json; "
        "print(json.dumps([u.find_spec('torch') is not None, "
        "sorted(d.metadata['Name'] for d in m.distributions())]))"
    )
    proc = light.run([str(light.python), "-c", probe], tmp_path)
    found, names = json.loads(proc.stdout)
    assert found is False
    heavy = [n for n in names if n.lower().startswith(("torch", "nvidia", "triton"))]
    assert heavy == [] and "transformers" in names


def test_demo_print_without_torch(light: LightVenv, tmp_path: Path) -> None:
    first = light.run([str(light.bin / "hfbrowse"), "--demo", "--print"], tmp_path)
    assert first.returncode == 0, first.stderr
    assert "building demo models once" in first.stderr
    started = time.perf_counter()
    again = light.run([str(light.bin / "hfbrowse"), "--demo", "--print"], tmp_path)
    elapsed = time.perf_counter() - started
    assert again.returncode == 0 and again.stderr == "", again.stderr
    out = again.stdout
    assert "gpt2" in out and "transformer.wte.weight" in out and "GPT2LMHeadModel" in out
    compat = next(line for line in out.splitlines() if "head compatibility needs torch" in line)
    command = compat.split(" with: ", 1)[1]
    assert command.startswith(str(light.root)) and " -m pip install 'torch>=2.4'" in command
    assert "no GPU seen (torch not installed)" in out
    print(f"\nhfbrowse --demo --print without torch: {elapsed:.2f} s (demo already built)")


def test_version_and_the_extension_name(light: LightVenv, tmp_path: Path) -> None:
    version = light.run([str(light.bin / "hfbrowse"), "--version"], tmp_path)
    assert version.returncode == 0
    assert version.stdout.startswith(f"hfbrowse {__version__}\ntransformers ")
    assert "\ntorch: not installed (the console and head compatibility need it: " in version.stdout
    usage = light.run([str(light.bin / "hf-browse"), "--help"], tmp_path)
    assert usage.returncode == 0 and usage.stdout.startswith("usage: hf-browse ")


def test_hf_cli_runs_it_as_the_browse_extension(light: LightVenv, tmp_path: Path) -> None:
    """``hf browse`` as huggingface_hub dispatches it once ``hf extensions install OWNER/hf-browse``
    has put a venv in ~/.local/share/hf/extensions/hf-browse (GitHub is out of reach here, so the
    install is stood in for: its manifest, and the script at the path the installer uses)."""
    ext = tmp_path / ".local/share/hf/extensions/hf-browse"
    script = ext / "venv/bin/hf-browse"
    script.parent.mkdir(parents=True)
    script.symlink_to(light.bin / "hf-browse")
    manifest = {
        "owner": "OWNER", "repo": "hf-browse", "repo_id": "OWNER/hf-browse",
        "short_name": "browse", "executable_path": str(script), "type": "python",
        "installed_at": "2026-01-01T00:00:00+00:00", "description": None, "commit_sha": None,
    }  # fmt: skip
    (ext / "manifest.json").write_text(json.dumps(manifest))
    env = light.env(tmp_path) | {"HOME": str(tmp_path), "HF_HUB_DISABLE_UPDATE_CHECK": "1"}
    proc = subprocess.run(
        [str(light.bin / "hf"), "browse", "--help"], env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("usage: hf browse "), proc.stdout[:300]


def test_console_says_how_to_install_torch(
    light: LightVenv, fixtures: dict[str, Path], tmp_path: Path
) -> None:
    proc = light.run(
        [str(light.bin / "hfbrowse"), str(fixtures["tiny-bert-qa"]), "--run", "a ||| b", "--print"],
        tmp_path,
    )
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith("hfbrowse: the console needs torch, which is not installed; install")
    assert f"{light.root}/bin/python" in line and "-m pip install 'torch>=2.4'" in line


_EVERY_FOLDER = """
import contextlib, io, json, sys
from hfbrowse.cli.entry import main
out = {}
for folder in sys.argv[1:]:
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main([folder, "--json"])
    out[folder] = [code, stdout.getvalue(), stderr.getvalue()]
print(json.dumps(out))
"""
# Sections that exist only with torch (compatibility; memory then counts the built head).
TORCH_SECTIONS = ("compatibility", "memory")


def _comparable(doc: dict[str, Any]) -> Any:
    """The document without torch-only sections, transformers' files named from site-packages
    (each venv has its own copy of the same release)."""

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items()}
        if isinstance(value, list):
            return [strip(v) for v in value]
        if isinstance(value, str) and "/site-packages/" in value:
            return value.split("/site-packages/", 1)[1]
        return value

    return strip({k: v for k, v in doc.items() if k not in TORCH_SECTIONS})


def test_every_fixture_browses_as_with_torch(
    light: LightVenv, fixtures: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    """The same --json document as the torch venv, torch-only sections aside; where a repo has
    no safetensors, the meta-device table gives way to the install line."""
    folders = [str(fixtures[name]) for name in sorted(fixtures)]
    proc = light.run([str(light.python), "-c", _EVERY_FOLDER, *folders], tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    light_results = json.loads(proc.stdout)
    for folder in folders:
        code, out, err = light_results[folder]
        torch_code = main([folder, "--json"])
        torch_out, torch_err = capsys.readouterr()
        assert (code, err) == (torch_code, torch_err), folder
        if not out:
            assert not torch_out, folder
            continue
        mine, theirs = json.loads(out), json.loads(torch_out)
        assert "memory" in mine and "error" in mine["compatibility"], folder
        if "error" not in theirs["compatibility"]:
            assert mine["compatibility"]["error"].startswith("head compatibility needs torch")
        if theirs["tensors"].get("source", "").startswith("from config"):
            assert "needs torch, which is not installed" in mine["tensors"]["error"], folder
            derived_keys = ("tensors", "parameters", "header_line", "quantization", "modules")
            for derived in (*derived_keys, "init_lines"):
                mine.pop(derived, None), theirs.pop(derived, None)
        assert _comparable(mine) == _comparable(theirs), folder


@pytest.mark.timeout(1500)  # a whole suite run, from the sdist, on a 2-core CI machine
def test_sdist_suite_passes_without_torch(
    dists: Dists, light: LightVenv, fixtures: dict[str, Path], tmp_path: Path
) -> None:
    """The read-only part of the suite, from the unpacked sdist, against the installed wheel."""
    with tarfile.open(dists.sdist) as tar:
        tar.extractall(tmp_path, filter="data")
    src = tmp_path / NAME
    shutil.rmtree(src / "hfbrowse")  # so the installed wheel is what the tests import
    env = light.env(tmp_path / "home")
    env.pop("HF_HUB_OFFLINE")  # conftest sets up its own isolated HF home and Hub double
    env["HFBROWSE_TEST_FIXTURES"] = str(fixtures["tiny-gpt2"].parent)  # built with torch
    proc = subprocess.run(
        [str(light.python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m",
         "not torch and not packaging", "--snapshot-warn-unused",
         "--ignore=tests/e2e"],  # real-terminal journeys: the main run has them
        cwd=src, env=env, capture_output=True, text=True, timeout=1200,
    )  # fmt: skip
    tail = proc.stdout[-6000:] + proc.stderr[-2000:]
    assert proc.returncode == 0, (
        f"{tail}\nA test that needs torch belongs in tests/packaging/needs_torch.py"
        " (or carries @pytest.mark.torch)."
    )
    passed = re.search(r"(\d+) passed", proc.stdout.splitlines()[-1])
    assert passed and int(passed.group(1)) >= 200, tail


def test_needs_torch_entries_name_tests() -> None:
    """An entry that matches no collected test is stale (renamed or moved): fix the list."""
    from tests.packaging.needs_torch import NEEDS_TORCH, entry_matches

    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    ids = [line for line in proc.stdout.splitlines() if "::" in line]
    assert len(ids) > 300, proc.stdout[-2000:]
    stale = [e for e in NEEDS_TORCH if not any(entry_matches(e, i) for i in ids)]
    assert stale == []
