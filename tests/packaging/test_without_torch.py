"""Without torch: browsing works, and what needs torch says in one line how to install it.

In the normal suite torch is installed, and its absence is simulated where hfbrowse checks for it
(``torch_check.torch_installed``; the demo builder holds its own reference). test_distributions
runs this module again in a venv that really has no torch, where the simulation changes nothing.
The tests that compare against a torch build carry ``@pytest.mark.torch``.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest
from textual.widgets import Input, Static

from hfbrowse.cli.entry import main
from hfbrowse.core import torch_check
from hfbrowse.demo import builder, torchless
from hfbrowse.ui.app import HFBrowseApp
from tests.support.ui import open_app, plain, settle

DEMO_NAMES = [spec.name for spec in builder.DEMO_MODELS]


@pytest.fixture
def no_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch_check, "torch_installed", lambda: False)
    monkeypatch.setattr(builder, "torch_installed", lambda: False)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _message(what: str) -> str:
    return f"{what} needs torch, which is not installed; install "


def _json(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict, str]:
    code = main([*args, "--json"])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


def test_print_browses_and_compat_says_what_to_install(
    no_torch: None, fixtures: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, doc, _ = _json([str(fixtures["tiny-gpt2"])], capsys)
    assert code == 0
    assert doc["tensors"]["count"] == 28 and doc["source"]["class"] == "GPT2LMHeadModel"
    assert doc["modules"] and doc["init_lines"] and doc["memory"]["precisions"]
    error = doc["compatibility"]["error"]
    assert error.startswith(_message("head compatibility"))
    assert error.endswith(torch_check.install_command())


def test_a_repo_without_safetensors_says_the_meta_table_needs_torch(
    no_torch: None, fixtures: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, doc, _ = _json([str(fixtures["config-only"])], capsys)
    assert code == 0 and doc["config"]["model_type"] == "llama"
    error = doc["tensors"]["error"]
    assert error.startswith("No safetensors checkpoint in config-only.")
    assert _message("the tensor table built from config.json (meta device)") in error


def test_run_without_torch_is_one_line_before_any_download(
    no_torch: None, fixtures: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main([str(fixtures["tiny-gpt2"]), "--run", "Hello", "--print"])
    out, err = capsys.readouterr()
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("hfbrowse: " + _message("the console"))
    assert lines[0].endswith(torch_check.install_command())
    assert "Traceback" not in out + err and "unexpected" not in out + err


def test_demo_without_torch(
    no_torch: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("HF_HOME", str(tmp_path))
    code, doc, err = _json(["--demo"], capsys)
    assert code == 0, err
    assert doc["model"].endswith("tiny-gpt2") and doc["tensors"]["count"] == 28
    for name in DEMO_NAMES:
        marker = json.loads((tmp_path / "hfbrowse/demo" / name / builder.MARKER_FILE).read_text())
        assert marker["weights"] == "numpy (built without torch)"


def _screen_text(app: HFBrowseApp) -> str:
    return _one_line(" ".join(plain(w.content) for w in app.screen.query(Static)))


async def test_tui_console_says_what_to_install(no_torch: None, fixtures: dict[str, Path]) -> None:
    app = open_app(fixtures["tiny-gpt2"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("colon")
        box = app.focused
        assert isinstance(box, Input)
        box.value = "Hello"
        await pilot.press("enter")
        await settle(pilot)
        shown = _screen_text(app)
        assert _message("the console") in shown
        assert _one_line(torch_check.install_command()) in shown
        assert "ModuleNotFoundError" not in shown and "unexpected" not in shown


async def test_tui_compat_view_says_what_to_install(
    no_torch: None, fixtures: dict[str, Path]
) -> None:
    app = open_app(fixtures["tiny-bert-mlm"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("k")
        await settle(pilot)
        shown = _screen_text(app)
        assert _message("head compatibility") in shown
        assert _one_line(torch_check.install_command()) in shown


def _header(path: Path) -> bytes:
    raw = path.read_bytes()
    (size,) = struct.unpack("<Q", raw[:8])
    return raw[: 8 + size]


@pytest.mark.torch
def test_numpy_demo_is_the_torch_demo_but_for_weight_values(
    fixtures: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every file byte-identical, the safetensors header too; only the weight bytes differ."""
    monkeypatch.setattr(builder, "torch_installed", lambda: False)
    built = builder.build_demo_models(tmp_path)
    for name in DEMO_NAMES:
        ours, reference = built[name], fixtures[name]
        names = sorted(p.name for p in ours.iterdir())
        assert names == sorted(p.name for p in reference.iterdir())
        for file in names:
            mine, theirs = ours / file, reference / file
            if file == builder.MARKER_FILE:
                assert json.loads(mine.read_text())["weights"] == "numpy (built without torch)"
            elif file == "model.safetensors":
                assert _header(mine) == _header(theirs)
                assert mine.stat().st_size == theirs.stat().st_size
                assert mine.read_bytes() != theirs.read_bytes()
            else:
                assert mine.read_bytes() == theirs.read_bytes(), f"{name}/{file}"


@pytest.mark.torch
def test_a_numpy_demo_is_rebuilt_once_torch_is_installed(tmp_path: Path) -> None:
    folder = tmp_path / "tiny-gpt2"
    folder.mkdir()
    text = builder._marker_text("tiny-gpt2", "AutoModelForCausalLM", numpy_weights=True)
    (folder / builder.MARKER_FILE).write_text(text)
    assert not builder.is_complete(folder, "AutoModelForCausalLM")


def test_a_numpy_demo_counts_while_torch_is_missing(no_torch: None, tmp_path: Path) -> None:
    folder = tmp_path / "tiny-gpt2"
    folder.mkdir()
    text = builder._marker_text("tiny-gpt2", "AutoModelForCausalLM", numpy_weights=True)
    (folder / builder.MARKER_FILE).write_text(text)
    assert builder.is_complete(folder, "AutoModelForCausalLM")


@pytest.mark.torch
def test_weights_manifest_matches_the_torch_build(fixtures: dict[str, Path]) -> None:
    """After changing a recipe: ``python -m hfbrowse.demo.regenerate_manifest`` rewrites it."""
    fresh = torchless.manifest_from_folders({name: fixtures[name] for name in DEMO_NAMES})
    assert torchless.load_manifest()["models"] == fresh["models"]
    assert torchless.dump_manifest(fresh).count("\n") > len(DEMO_NAMES) * 10  # one tensor a line
