"""``--run`` with ``--endpoint``/``--provider``/``--device-map``: the same JSON and text as
in-process, flag mistakes as usage errors, a broken stream's text kept in the document."""

from __future__ import annotations

import json

import pytest

from hfbrowse.cli.entry import main
from tests.support.openai_double import OpenAIDouble, Step


def json_run(capsys, *argv: str) -> tuple[int, dict, str]:
    code = main([*argv, "--json"])
    captured = capsys.readouterr()
    return code, json.loads(captured.out) if captured.out.strip() else {}, captured.err


@pytest.mark.torch
def test_run_json_on_transformers_serve(served, chat_gpt2, capsys):
    argv = [str(chat_gpt2), "--endpoint", served.url + "/v1", "--run", "Hello"]
    code, doc, _ = json_run(capsys, *argv)
    assert code == 0
    run = doc["run"]
    assert run["backend"] == "endpoint" and run["model"] == str(chat_gpt2)
    assert run["where"] == f"endpoint 127.0.0.1:{served.port} · transformers serve · {chat_gpt2}"
    assert run["output"]["kind"] == "generation" and run["output"]["new_tokens"] == 50
    assert run["timing"]["tokens_per_s"] > 0 and run["snippet"].startswith("import os")
    code, chat, _ = json_run(capsys, *argv, "--chat", "--system", "Be brief.")
    assert code == 0 and chat["run"]["output"]["kind"] == "chat"
    assert chat["run"]["output"]["messages"][0] == {"role": "system", "content": "Be brief."}


@pytest.mark.torch
def test_run_print_says_where_it_ran(served, chat_gpt2, capsys):
    code = main([str(chat_gpt2), "--endpoint", served.url, "--run", "Hello", "--print"])
    out = capsys.readouterr().out
    assert code == 0
    assert f"on endpoint 127.0.0.1:{served.port} · transformers serve" in out and "tokens/s" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--endpoint", "ftp://x"], "--endpoint needs an http(s) URL"),
        (["--device-map", "auto", "--provider", "together"], "does not apply to --provider"),
        (["--max-memory", "cpu=1GiB"], "--max-memory needs --device-map auto"),
        (["--timeout", "-1"], "--timeout must be more than 0"),
        (["--provider", "together", "--offline"], "--offline refuses them"),
    ],
)
def test_backend_flag_mistakes_are_usage_errors(fixtures, capsys, monkeypatch, argv, message):
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")  # main(--offline) sets it; restored after the test
    code = main([str(fixtures["tiny-gpt2"]), *argv, "--run", "x", "--json"])
    err = capsys.readouterr().err
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_the_environment_names_the_endpoint(fixtures, capsys, monkeypatch):
    double = OpenAIDouble().start()
    try:
        monkeypatch.setenv("HFBROWSE_ENDPOINT", double.url)
        monkeypatch.setenv("HFBROWSE_ENDPOINT_KEY", "sk-from-env")
        code, doc, _ = json_run(capsys, str(fixtures["tiny-gpt2"]), "--run", "Hello")
        assert code == 0 and doc["run"]["output"]["text"] == "ab"
        assert double.log[-1][2]["authorization"] == "Bearer sk-from-env"
        assert "sk-from-env" not in json.dumps(doc)
    finally:
        double.stop()


def test_a_broken_stream_keeps_its_text_in_the_document(fixtures, capsys):
    double = OpenAIDouble().start()
    try:
        double.script = [Step(pieces=("Once", " upon"), stall_s=2.0)]
        argv = [str(fixtures["tiny-gpt2"]), "--endpoint", double.url, "--timeout", "0.5"]
        code, doc, err = json_run(capsys, *argv, "--run", "Hello")
    finally:
        double.stop()
    assert code == 1 and "stalled mid-stream" in err
    assert "stalled mid-stream" in doc["run"]["error"]
    assert doc["run"]["partial"]["output"]["text"] == "Once upon"


def test_the_hf_token_never_reaches_an_openai_compatible_endpoint(fixtures, capsys, monkeypatch):
    """HF_TOKEN set and no endpoint key: the probe and the run carry no authorization at all
    (the token is for Hugging Face hosts only), and the document does not hold it."""
    double = OpenAIDouble().start()
    try:
        monkeypatch.setenv("HF_TOKEN", "hf_secret_never_to_this_host")
        monkeypatch.delenv("HFBROWSE_ENDPOINT_KEY", raising=False)
        argv = [str(fixtures["tiny-gpt2"]), "--endpoint", double.url, "--run", "Hello"]
        code, doc, _ = json_run(capsys, *argv)
        assert code == 0 and doc["run"]["output"]["text"] == "ab"
        paths = [path for _, path, _ in double.log]
        assert any("/v1/models" in p for p in paths) and any("/v1/completions" in p for p in paths)
        assert all("authorization" not in headers for _, _, headers in double.log)
        assert "hf_secret_never_to_this_host" not in json.dumps(double.log) + json.dumps(doc)
    finally:
        double.stop()
