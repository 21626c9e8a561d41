"""--print / --json: the same facts as the screen, one-line errors with a non-zero status."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from hfbrowse.cli.entry import main
from hfbrowse.core.model_ref import ModelRef
from tests.support.ui import open_app, settle, text_of


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_json_document(fixtures, capsys):
    code, out, err = run_cli(capsys, str(fixtures["sharded-gpt2"]), "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["recommended_head"] == "AutoModelForCausalLM"
    assert doc["tensors"]["count"] == len(doc["tensors"]["rows"]) == 28
    assert len(doc["tensors"]["files"]) == 4
    assert doc["parameters"] == sum(r["parameters"] for r in doc["tensors"]["rows"])
    assert doc["source"]["class"] == "GPT2LMHeadModel"
    assert [m["name"] for m in doc["source"]["methods"]] == ["__init__", "forward"]


def test_print_and_json_agree(fixtures, capsys):
    folder = str(fixtures["tiny-t5"])
    _, out_json, _ = run_cli(capsys, folder, "--json")
    _, out_text, _ = run_cli(capsys, folder, "--print")
    doc = json.loads(out_json)
    assert doc["header_line"] in out_text
    for row in doc["tensors"]["rows"]:
        assert row["name"] in out_text
    for key in doc["config"]:
        assert f"  {key}: " in out_text


async def test_screen_and_print_agree(fixtures, gateway, capsys):
    folder = fixtures["tiny-bert-ner"]
    _, out, _ = run_cli(capsys, str(folder), "--json")
    doc = json.loads(out)
    app = open_app(ModelRef("local", str(folder)), gateway)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        header = " ".join(text_of(app, "#model-header").split())
        assert " ".join(doc["header_line"].split()) in header
        pane = app.screen.query_one("#tensors")
        assert [r.name for r in pane.table_data.rows] == [r["name"] for r in doc["tensors"]["rows"]]


def test_config_only_uses_the_meta_device(fixtures, capsys):
    code, out, _ = run_cli(capsys, str(fixtures["config-only"]), "--json")
    doc = json.loads(out)
    assert code == 0 and doc["tensors"]["source"].startswith("from config — no checkpoint read")


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["./no-such-dir", "--print"], 2, "No such folder"),
        (["bad id!", "--json"], 2, "neither a folder nor a valid Hub model id"),
        (["gpt2", "--head", "nonsense", "--print"], 2, "unknown head"),
    ],
)
def test_argument_errors(capsys, args, code, message):
    got, out, err = run_cli(capsys, *args)
    assert got == code and out == ""
    assert err.count("\n") == 1 and message in err


def test_file_errors_are_one_line(fixtures, capsys):
    got, out, err = run_cli(capsys, str(fixtures["malformed-config"]), "--print")
    assert got == 1 and out == "" and err.count("\n") == 1 and "not valid JSON" in err
    got, _, err = run_cli(capsys, str(fixtures["no-config"]), "--json")
    assert got == 1 and "no config.json" in err


def test_no_network_says_so_fast(tmp_path):
    """A real process with the default Hub endpoint pointed at a closed port, empty cache."""
    env = {"HF_HOME": str(tmp_path), "HF_ENDPOINT": "http://127.0.0.1:9", "PATH": "/usr/bin:/bin"}
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "hfbrowse", "org/some-model", "--print"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert time.perf_counter() - start < 10  # interpreter start included; the probe itself ≤ 2 s
    assert out.returncode == 1 and out.stdout == ""
    assert out.stderr.count("\n") == 1 and "not in the local cache" in out.stderr


def test_every_json_key_is_documented(fixtures, capsys):
    """The README's schema table names every top-level key of the document (the contract)."""
    from pathlib import Path

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("### The `--json` document") :]
    for flags in ([], ["--explain-config", "--diff-head", "qa", "--diff-config", "."]):
        _, out, _ = run_cli(capsys, str(fixtures["tiny-bert-mlm"]), "--json", *flags)
        doc = json.loads(out)
        assert doc["schema_version"] == "1.6"
        missing = [key for key in doc if f"`{key}`" not in table]
        assert not missing, f"undocumented --json keys: {missing}"
