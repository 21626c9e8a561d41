"""Test session set-up: an isolated HF home, tiny real models, and a Hub double on 127.0.0.1.

The environment is fixed at import time because huggingface_hub reads HF_HOME/HF_HUB_OFFLINE/
HF_ENDPOINT once, when first imported: no test may touch the user's cache or token, and nothing
may reach beyond loopback.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

_HOME = Path(tempfile.mkdtemp(prefix="hfbrowse-test-home-"))
os.environ["HF_HOME"] = str(_HOME)
os.environ["HF_HUB_CACHE"] = str(_HOME / "hub")
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"
os.environ["HF_ENDPOINT"] = "http://127.0.0.1:9"  # nothing listens: a stray default call fails fast
for var in ("HF_TOKEN", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HUGGING_FACE_HUB_TOKEN"):
    os.environ.pop(var, None)

import pytest  # noqa: E402

from hfbrowse.core.hub.gateway import HubGateway  # noqa: E402
from tests.support.models import hub_id  # noqa: E402


@pytest.fixture(scope="session")
def fixtures(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every tiny model and odd case, built once per session (deterministic).

    ``HFBROWSE_TEST_FIXTURES`` names a folder where a session with torch already built them:
    tests/packaging runs the read-only tests in a venv without torch, which cannot build the
    fixtures that need it (a ``torch.save`` checkpoint, a sharded ``save_pretrained``)."""
    from hfbrowse.demo.fixtures import build_test_fixtures

    prebuilt = os.environ.get("HFBROWSE_TEST_FIXTURES")
    return build_test_fixtures(Path(prebuilt) if prebuilt else tmp_path_factory.mktemp("fixtures"))


@pytest.fixture(scope="session")
def hub(fixtures: dict[str, Path]):
    """The Hub double serving every fixture as ``hfbrowse-test/<name>``, plus gated/private."""
    from tests.support.hub_server import FakeHub, RepoSpec

    pipeline = {
        "tiny-gpt2": "text-generation",
        "sharded-gpt2": "text-generation",
        "tiny-bert-mlm": "fill-mask",
        "tiny-bert-qa": "question-answering",
        "tiny-bert-ner": "token-classification",
        "tiny-distilbert-sst": "text-classification",
        "tiny-bert-base": "feature-extraction",
        "tiny-t5": "text2text-generation",
        "tiny-bart": "summarization",
    }
    specs = [
        RepoSpec(hub_id(name), folder, pipeline_tag=pipeline.get(name), downloads=1000 - i)
        for i, (name, folder) in enumerate(sorted(fixtures.items()))
    ]
    specs.append(RepoSpec(hub_id("gated-gpt2"), fixtures["tiny-gpt2"], gated="manual"))
    specs.append(RepoSpec(hub_id("private-gpt2"), fixtures["tiny-gpt2"], private=True))
    server = FakeHub(specs).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def gguf_folder(tmp_path_factory) -> Path:
    """GGUF files built with gguf's writer: quantised, F16, a sparse 7B header, hostile ones."""
    import struct

    from tests.support.gguf_files import write_llama_gguf, write_sparse_llama_gguf

    folder = tmp_path_factory.mktemp("gguf-repo")
    write_llama_gguf(folder / "tiny-q.gguf")
    write_llama_gguf(folder / "tiny-f16.gguf", quantised=False)
    write_sparse_llama_gguf(folder / "sparse-7b-Q4_K.gguf")
    good = (folder / "tiny-q.gguf").read_bytes()
    (folder / "garbage.gguf").write_bytes(b"PK\x03\x04 not a gguf at all" * 10)
    (folder / "truncated.gguf").write_bytes(good[:3000])
    # A string array claiming 2**60 items, then nothing: must be refused, not looped over.
    huge = b"GGUF" + struct.pack("<IQQ", 3, 0, 1)
    key = b"tokenizer.ggml.tokens"
    huge += struct.pack("<Q", len(key)) + key + struct.pack("<IIQ", 9, 8, 2**60)
    (folder / "huge-array.gguf").write_bytes(huge + b"\0" * 64)
    (folder / "README.md").write_text("---\nlibrary_name: gguf\n---\n# tiny gguf\n")
    return folder


@pytest.fixture(scope="session")
def gguf_hub(gguf_folder):
    """A Hub double serving them as ``GGUF_REPO`` (one of its own: the main double's repo
    list is pinned by other tests)."""
    from tests.support.gguf_files import GGUF_REPO
    from tests.support.hub_server import FakeHub, RepoSpec

    with FakeHub([RepoSpec(GGUF_REPO, gguf_folder, library_name="gguf")]) as server:
        yield server


@pytest.fixture(scope="session")
def run_gguf_folder(tmp_path_factory) -> Path:
    """A folder holding one GGUF file transformers can load and run (``RUN_GGUF``: a real
    byte-level BPE tokenizer in its metadata, F32/F16/Q8_0 tensors)."""
    from tests.support.gguf_files import RUN_GGUF, write_runnable_llama_gguf

    folder = tmp_path_factory.mktemp("run-gguf")
    write_runnable_llama_gguf(folder / RUN_GGUF)
    (folder / "README.md").write_text("---\nlibrary_name: gguf\n---\n# runnable gguf\n")
    return folder


@pytest.fixture(scope="session")
def chat_models(fixtures, tmp_path_factory) -> dict[str, Path]:
    """tiny-gpt2 with chat templates: a .jinja file, named templates, one that loops."""
    from tests.support.gguf_files import write_chat_models

    return write_chat_models(tmp_path_factory.mktemp("chat"), fixtures["tiny-gpt2"])


@pytest.fixture
def gateway(hub) -> HubGateway:
    """A gateway pointed at the Hub double, online, without a token."""
    hub.clear_log()
    return HubGateway(endpoint=hub.url, token=None, offline=False)


@pytest.fixture
def clean_cache():
    """Empty the isolated HF cache so a test sees what a first open really downloads."""
    shutil.rmtree(_HOME / "hub", ignore_errors=True)
    shutil.rmtree(_HOME / "hfbrowse", ignore_errors=True)
    yield _HOME


@pytest.fixture(scope="module")
def big_hub(fixtures):
    """A Hub double with thousands of synthetic repos besides the fixtures (search tests)."""
    from tests.support.search_hub import start_search_hub

    hub = start_search_hub(fixtures)
    yield hub
    hub.stop()


@pytest.fixture
def gw(big_hub) -> HubGateway:
    """A gateway pointed at ``big_hub``, its request log cleared."""
    big_hub.clear_log()
    return HubGateway(endpoint=big_hub.url)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the tests that need torch (tests/packaging/needs_torch.py); skip them without it."""
    from hfbrowse.core.torch_check import torch_installed
    from tests.packaging.needs_torch import mark_torch_tests

    mark_torch_tests(items, torch_installed())


@pytest.fixture(scope="session")
def chat_gpt2(fixtures: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ~25M-parameter GPT-2 with a chat template (tests/support/serve.py), built once."""
    from tests.support.serve import build_chat_gpt2

    return build_chat_gpt2(tmp_path_factory.mktemp("served") / "chat-gpt2", fixtures["tiny-gpt2"])


@pytest.fixture(scope="session")
def serve_session(chat_gpt2: Path, tmp_path_factory: pytest.TempPathFactory):
    """One real ``transformers serve`` for the session (skipped without transformers[serving])."""
    from tests.support.serve import TransformersServe, serving_missing

    if (why := serving_missing()) is not None:
        pytest.skip(why)
    server = TransformersServe(chat_gpt2, tmp_path_factory.mktemp("serve-log") / "serve.log")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def served(serve_session):
    """The session's ``transformers serve``, restarted first if a test killed it."""
    return serve_session.ensure()
