"""The Hub test double (tests/hub_server.py) against the REAL huggingface_hub client, over HTTP."""

from __future__ import annotations

import json
import math
import os
import struct
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import huggingface_hub
import pytest
from huggingface_hub import HfApi, hf_hub_download, snapshot_download
from huggingface_hub.errors import (
    GatedRepoError,
    RemoteEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)

try:
    from tests.support.hub_server import FakeHub, RepoSpec
except ImportError:  # tests/ is not a package and the repo root is not on sys.path
    from tests.support.hub_server import FakeHub, RepoSpec

TOKEN = "hf_test_token"
BERT_CONFIG = {
    "model_type": "bert",
    "architectures": ["BertModel"],
    "hidden_size": 32,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "intermediate_size": 37,
    "vocab_size": 99,
    "max_position_embeddings": 64,
}
DTYPE_SIZES = {"F32": 4, "F16": 2, "BF16": 2, "I64": 8}
BIG_PAD = 120_000  # header > 100 kB: the client's first 100 kB read then stays inside the header


def write_safetensors(path: Path, tensors: dict[str, tuple[str, list[int]]], pad: int = 0) -> int:
    """Write a safetensors file by hand; return the offset where the weight bytes begin."""
    header: dict = {"__metadata__": {"format": "pt", **({"pad": "x" * pad} if pad else {})}}
    offset = 0
    for name, (dtype, shape) in tensors.items():
        n = math.prod(shape) * DTYPE_SIZES[dtype]
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + n]}
        offset += n
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    data = bytes((i * 7 + 1) % 251 + 1 for i in range(offset))  # non-zero "weights"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + data)
    return 8 + len(raw)


def _folder(root: Path, name: str, files: dict[str, str | dict]) -> Path:
    folder = root / name
    for rel, content in files.items():
        p = folder / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(content if isinstance(content, str) else json.dumps(content))
    return folder


@pytest.fixture(autouse=True)
def hub_client_env(monkeypatch, tmp_path):
    """Online, anonymous client with a throw-away HF_HOME, whatever the outer environment says."""
    for var in (
        "HF_TOKEN",
        "HUGGING_FACE_HUB_TOKEN",
        "HF_HUB_OFFLINE",
        "TRANSFORMERS_OFFLINE",
        "HF_OIDC_RESOURCE",
        "HF_ENDPOINT",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf_home"))
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
    monkeypatch.setenv("NO_COLOR", "1")
    # These are read at import time: patch the module constants too. (get_safetensors_metadata
    # downloads a sharded repo's index into the default cache: it takes no cache_dir.)
    constants = huggingface_hub.constants
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(tmp_path / "no_token"))
    monkeypatch.setattr(constants, "HF_HOME", str(tmp_path / "hf_home"))
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hf_home" / "hub"))


@pytest.fixture(scope="module")
def repos_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("repos")
    tiny = _folder(
        root,
        "tiny",
        {
            "config.json": BERT_CONFIG,
            "README.md": "---\nlicense: mit\n---\n# tiny\n",
            "tokenizer_config.json": {"model_max_length": 64},
            "sub/dir/notes.txt": "nested file\n",
        },
    )
    write_safetensors(
        tiny / "model.safetensors",
        {"embeddings.weight": ("F32", [99, 32]), "pooler.bias": ("F16", [32])},
        pad=BIG_PAD,
    )
    (tiny / "pytorch_model.bin").write_bytes(b"\x80\x02pickled-weights" * 8)
    sharded = _folder(root, "sharded", {"config.json": {**BERT_CONFIG, "num_hidden_layers": 4}})
    weight_map = {
        "a.weight": "model-00001-of-00002.safetensors",
        "b.weight": "model-00002-of-00002.safetensors",
        "c.bias": "model-00002-of-00002.safetensors",
    }
    write_safetensors(sharded / weight_map["a.weight"], {"a.weight": ("BF16", [16, 8])}, BIG_PAD)
    write_safetensors(
        sharded / weight_map["b.weight"],
        {"b.weight": ("BF16", [8, 8]), "c.bias": ("F32", [8])},
        BIG_PAD + 5000,
    )
    (sharded / "model.safetensors.index.json").write_text(
        json.dumps({"metadata": {"total_size": 432}, "weight_map": weight_map})
    )
    small = root / "small"
    write_safetensors(small / "model.safetensors", {"w": ("F32", [4, 4])})
    return root


@pytest.fixture(scope="module")
def hub(repos_root) -> FakeHub:
    specs = [
        RepoSpec(
            "org/tiny-bert",
            repos_root / "tiny",
            pipeline_tag="feature-extraction",
            tags=["bert", "safetensors", "en"],
            downloads=500,
            likes=5,
            trending_score=1,
            auto_model="AutoModel",
            card_data={"license": "mit", "language": ["en"]},
            last_modified="2026-02-01T00:00:00.000Z",
            created_at="2025-06-01T00:00:00.000Z",
        ),
        RepoSpec(
            "org/sharded-bert",
            repos_root / "sharded",
            pipeline_tag="fill-mask",
            tags=["bert"],
            downloads=100,
            likes=50,
            trending_score=9,
            created_at="2025-09-01T00:00:00.000Z",
        ),
        RepoSpec(
            "other/small",
            repos_root / "small",
            pipeline_tag="text-classification",
            library_name="timm",
            downloads=300,
            likes=1,
            trending_score=3,
        ),
        RepoSpec(
            "org/gated-bert",
            repos_root / "tiny",
            pipeline_tag="feature-extraction",
            gated="manual",
            downloads=200,
        ),
        RepoSpec(
            "org/secret-bert",
            repos_root / "tiny",
            pipeline_tag="feature-extraction",
            private=True,
            downloads=1000,
        ),
        RepoSpec(
            "no-namespace-gpt",
            None,
            pipeline_tag="text-generation",
            tags=["gpt2"],
            downloads=50,
            likes=500,
            trending_score=2,
        ),
    ]
    with FakeHub(specs, token=TOKEN, page_size=2) as server:
        yield server


@pytest.fixture
def api(hub) -> HfApi:
    hub.clear_log()
    return HfApi(endpoint=hub.url, token=False)


# --- repo metadata ------------------------------------------------------------------------------


def test_model_info(api, hub):
    info = api.model_info("org/tiny-bert")
    assert info.id == "org/tiny-bert" and len(info.sha) == 40
    assert info.sha == hub.repo_sha("org/tiny-bert")
    assert info.pipeline_tag == "feature-extraction" and info.library_name == "transformers"
    assert info.tags == ["bert", "safetensors", "en"] and info.gated is False
    assert info.private is False and info.downloads == 500 and info.likes == 5
    assert info.config == BERT_CONFIG
    assert info.card_data.license == "mit"
    assert info.transformers_info.auto_model == "AutoModel"
    assert info.transformers_info.processor == "AutoTokenizer"
    assert info.safetensors.parameters == {"F32": 99 * 32, "F16": 32}
    assert info.safetensors.total == 99 * 32 + 32
    assert info.last_modified.year == 2026 and info.created_at.month == 6
    names = {s.rfilename for s in info.siblings}
    assert names == {
        "config.json",
        "README.md",
        "tokenizer_config.json",
        "sub/dir/notes.txt",
        "model.safetensors",
        "pytorch_model.bin",
    }
    assert all(s.size is None for s in info.siblings)
    assert hub.requests[-1].path == "/api/models/org/tiny-bert"


def test_model_info_files_metadata_revision_and_expand(api, hub, repos_root):
    sha = hub.repo_sha("org/tiny-bert")
    info = api.model_info("org/tiny-bert", revision=sha, files_metadata=True)
    sib = {s.rfilename: s for s in info.siblings}
    st = sib["model.safetensors"]
    assert st.size == (repos_root / "tiny" / "model.safetensors").stat().st_size
    assert st.lfs is not None and len(st.lfs.sha256) == 64 and st.lfs.size == st.size
    assert sib["config.json"].lfs is None and len(sib["config.json"].blob_id) == 40
    assert hub.requests[-1].path == f"/api/models/org/tiny-bert/revision/{sha}"
    assert "blobs=true" in hub.requests[-1].query

    expanded = api.model_info("org/tiny-bert", expand=["downloads", "safetensors"])
    assert expanded.downloads == 500 and expanded.safetensors.total == 99 * 32 + 32
    assert expanded.pipeline_tag is None and expanded.siblings is None and expanded.sha is None

    meta_only = api.model_info("no-namespace-gpt")
    assert meta_only.siblings == [] and meta_only.safetensors is None and meta_only.config is None


def test_list_models_search_filter_sort_limit(api):
    def ids(**kw):
        return [m.id for m in api.list_models(**kw)]

    assert set(ids(search="BERT")) == {"org/tiny-bert", "org/sharded-bert", "org/gated-bert"}
    assert ids(author="org", sort="downloads") == [
        "org/tiny-bert",
        "org/gated-bert",
        "org/sharded-bert",
    ]
    assert ids(filter="timm") == ["other/small"]  # library_name
    assert set(ids(filter=["bert", "en"])) == {"org/tiny-bert"}  # tags, AND-ed
    assert ids(filter="text-generation") == ["no-namespace-gpt"]  # pipeline tag as filter
    assert ids(pipeline_tag="fill-mask") == ["org/sharded-bert"]
    assert ids(sort="likes")[:2] == ["no-namespace-gpt", "org/sharded-bert"]
    assert ids(sort="trending_score")[0] == "org/sharded-bert"
    assert ids(sort="created_at")[0] == "org/sharded-bert"
    assert ids(sort="last_modified")[0] == "org/tiny-bert"
    assert ids(sort="downloads", limit=3) == ["org/tiny-bert", "other/small", "org/gated-bert"]
    assert "org/secret-bert" not in ids()  # private: hidden from anonymous listing
    assert "org/secret-bert" in [
        m.id for m in HfApi(endpoint=api.endpoint, token=TOKEN).list_models(search="secret")
    ]


def test_list_models_fields_and_paging(api, hub):
    hub.clear_log()
    models = list(api.list_models(sort="downloads"))
    assert len(models) == 5  # page_size=2 -> three pages
    pages = [r for r in hub.requests if r.path == "/api/models"]
    assert len(pages) == 3 and "cursor=2" in pages[1].query and "cursor=4" in pages[2].query
    assert all("sort=downloads" in r.query for r in pages)
    tiny = next(m for m in models if m.id == "org/tiny-bert")
    assert tiny.pipeline_tag == "feature-extraction" and tiny.downloads == 500
    assert tiny.safetensors.total == 99 * 32 + 32 and tiny.trending_score == 1
    assert tiny.created_at.year == 2025 and tiny.siblings is None and tiny.config is None

    hub.clear_log()
    limited = list(api.list_models(sort="downloads", limit=3))
    assert [m.id for m in limited] == ["org/tiny-bert", "other/small", "org/gated-bert"]
    assert len([r for r in hub.requests if r.path == "/api/models"]) == 2

    slim = list(api.list_models(search="tiny", expand=["likes", "config"]))
    assert len(slim) == 1 and slim[0].likes == 5 and slim[0].config == BERT_CONFIG
    assert slim[0].downloads is None and slim[0].pipeline_tag is None

    full = next(iter(api.list_models(search="tiny", full=True, cardData=True)))
    assert {s.rfilename for s in full.siblings} >= {"config.json", "model.safetensors"}
    assert full.card_data.license == "mit" and full.sha == hub.repo_sha("org/tiny-bert")


def test_list_repo_tree(api, hub):
    root = {(type(e).__name__, e.path) for e in api.list_repo_tree("org/tiny-bert")}
    assert ("RepoFolder", "sub") in root and ("RepoFile", "config.json") in root
    assert not any("/" in path for _, path in root)
    everything = list(api.list_repo_tree("org/tiny-bert", recursive=True))
    files = {e.path: e for e in everything if hasattr(e, "size")}
    assert "sub/dir/notes.txt" in files and files["model.safetensors"].lfs is not None
    assert files["config.json"].lfs is None
    assert {e.path for e in everything if not hasattr(e, "size")} == {"sub", "sub/dir"}
    assert [e.path for e in api.list_repo_tree("org/tiny-bert", path_in_repo="sub/dir")] == [
        "sub/dir/notes.txt"
    ]
    tree_pages = [r for r in hub.requests if "/tree/" in r.path and "recursive=true" in r.query]
    assert len(tree_pages) == 4  # 8 entries, page_size=2: paged with Link


def test_list_repo_refs_and_file_exists(api, hub):
    refs = api.list_repo_refs("org/tiny-bert")
    assert [b.name for b in refs.branches] == ["main"]
    assert refs.branches[0].target_commit == hub.repo_sha("org/tiny-bert")
    assert refs.tags == [] and refs.converts == []
    assert api.file_exists("org/tiny-bert", "config.json")
    assert api.file_exists("org/tiny-bert", "sub/dir/notes.txt")
    assert not api.file_exists("org/tiny-bert", "missing.json")
    assert not api.file_exists("org/nope", "config.json")
    assert not api.file_exists("org/tiny-bert", "config.json", revision="v9")
    assert hub.requests[-1].method == "HEAD"


# --- downloads ---------------------------------------------------------------------------------


def test_hf_hub_download_then_cache(hub, tmp_path, repos_root):
    hub.clear_log()
    cache = tmp_path / "cache"
    path = hf_hub_download("org/tiny-bert", "config.json", cache_dir=cache, endpoint=hub.url)
    assert json.loads(Path(path).read_text()) == BERT_CONFIG
    assert hub.repo_sha("org/tiny-bert") in path
    assert [(r.method, r.status) for r in hub.requests] == [("HEAD", 200), ("GET", 200)]
    hub.clear_log()
    again = hf_hub_download("org/tiny-bert", "config.json", cache_dir=cache, endpoint=hub.url)
    assert again == path
    assert [r.method for r in hub.requests] == ["HEAD"]  # etag check only, body from cache
    nested = hf_hub_download(
        "org/tiny-bert", "sub/dir/notes.txt", cache_dir=cache, endpoint=hub.url
    )
    assert Path(nested).read_text() == "nested file\n"
    bin_path = hf_hub_download(
        "org/tiny-bert", "pytorch_model.bin", cache_dir=cache, endpoint=hub.url
    )
    size = (repos_root / "tiny" / "pytorch_model.bin").stat().st_size
    assert Path(bin_path).stat().st_size == size
    assert hub.weight_bytes_sent() == size  # .bin: every byte counts


def test_snapshot_download(hub, tmp_path, repos_root):
    hub.clear_log()
    folder = Path(snapshot_download("org/sharded-bert", cache_dir=tmp_path, endpoint=hub.url))
    src = repos_root / "sharded"
    for f in src.iterdir():
        assert (folder / f.name).read_bytes() == f.read_bytes()
    assert hub.requests[0].path == "/api/models/org/sharded-bert/revision/main"
    assert any(r.path.startswith("/api/models/org/sharded-bert/tree/") for r in hub.requests)
    assert hub.weight_bytes_sent() > 0


def test_get_safetensors_metadata_single_file_reads_headers_only(api, hub):
    hub.clear_log()
    meta = api.get_safetensors_metadata("org/tiny-bert")
    assert not meta.sharded
    tensors = meta.files_metadata["model.safetensors"].tensors
    assert tensors["embeddings.weight"].shape == [99, 32]
    assert tensors["pooler.bias"].dtype == "F16"
    assert meta.parameter_count == {"F32": 99 * 32, "F16": 32}
    assert hub.weight_bytes_sent() == 0
    ranges = [r.range for r in hub.requests if r.method == "GET"]
    assert ranges[0] == "bytes=0-100000" and ranges[1].startswith("bytes=8-")
    assert all(r.status == 206 for r in hub.requests if r.method == "GET")


def test_get_safetensors_metadata_sharded_reads_headers_only(api, hub):
    hub.clear_log()
    meta = api.get_safetensors_metadata("org/sharded-bert")
    assert meta.sharded and meta.metadata == {"total_size": 432}
    assert meta.weight_map["c.bias"] == "model-00002-of-00002.safetensors"
    assert meta.parameter_count == {"BF16": 16 * 8 + 8 * 8, "F32": 8}
    assert hub.weight_bytes_sent() == 0
    shard_gets = [r for r in hub.requests if r.method == "GET" and r.path.endswith(".safetensors")]
    assert len(shard_gets) == 4 and all(r.status == 206 and r.range for r in shard_gets)


def test_client_first_100kb_read_carries_weights_of_small_files(api, hub, repos_root):
    """A fact about the client, not the double: its first ranged read is 100 kB, whatever the
    header length, so a small file's weights cross the wire."""
    hub.clear_log()
    meta = api.get_safetensors_metadata("other/small")
    assert meta.parameter_count == {"F32": 16}
    assert hub.weight_bytes_sent() == 16 * 4


# --- errors and access control -----------------------------------------------------------------


def test_error_classes(api, hub, tmp_path):
    with pytest.raises(RepositoryNotFoundError):
        api.model_info("org/does-not-exist")
    with pytest.raises(RepositoryNotFoundError):
        hf_hub_download("org/does-not-exist", "config.json", cache_dir=tmp_path, endpoint=hub.url)
    with pytest.raises(RevisionNotFoundError):
        api.model_info("org/tiny-bert", revision="v1.0")
    with pytest.raises(RevisionNotFoundError):
        hf_hub_download(
            "org/tiny-bert",
            "config.json",
            revision="deadbeef",
            cache_dir=tmp_path,
            endpoint=hub.url,
        )
    with pytest.raises(RemoteEntryNotFoundError):
        hf_hub_download("org/tiny-bert", "nope.json", cache_dir=tmp_path, endpoint=hub.url)
    with pytest.raises(RemoteEntryNotFoundError):
        list(api.list_repo_tree("org/tiny-bert", path_in_repo="no/such/dir"))


def test_gated_repo(api, hub, tmp_path):
    info = api.model_info("org/gated-bert")
    assert info.gated == "manual" and info.config == BERT_CONFIG
    with pytest.raises(GatedRepoError):
        hf_hub_download("org/gated-bert", "config.json", cache_dir=tmp_path, endpoint=hub.url)
    with pytest.raises(GatedRepoError):
        api.file_exists("org/gated-bert", "config.json")
    path = hf_hub_download(
        "org/gated-bert", "config.json", cache_dir=tmp_path, endpoint=hub.url, token=TOKEN
    )
    assert json.loads(Path(path).read_text()) == BERT_CONFIG


def test_private_repo(api, hub, tmp_path):
    with pytest.raises(RepositoryNotFoundError):
        api.model_info("org/secret-bert")
    with pytest.raises(RepositoryNotFoundError):
        hf_hub_download("org/secret-bert", "config.json", cache_dir=tmp_path, endpoint=hub.url)
    with pytest.raises(RepositoryNotFoundError):
        HfApi(endpoint=hub.url, token="hf_wrong").model_info("org/secret-bert")
    authed = HfApi(endpoint=hub.url, token=TOKEN)
    assert authed.model_info("org/secret-bert").private is True
    path = hf_hub_download(
        "org/secret-bert", "config.json", cache_dir=tmp_path, endpoint=hub.url, token=TOKEN
    )
    assert json.loads(Path(path).read_text()) == BERT_CONFIG


# --- the wire itself ---------------------------------------------------------------------------


def _raw(hub, method, path, headers=None):
    req = urllib.request.Request(hub.url + path, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


def test_resolve_headers_and_ranges(hub, repos_root):
    size = (repos_root / "tiny" / "model.safetensors").stat().st_size
    status, headers, body = _raw(hub, "HEAD", "/org/tiny-bert/resolve/main/model.safetensors")
    assert status == 200 and body == b"" and int(headers["Content-Length"]) == size
    assert headers["X-Repo-Commit"] == hub.repo_sha("org/tiny-bert")
    assert headers["ETag"].startswith('"') and len(headers["ETag"]) == 66  # quoted sha256
    assert "X-Xet-Hash" not in headers
    hub.clear_log()
    status, headers, body = _raw(
        hub, "GET", "/org/tiny-bert/resolve/main/model.safetensors", {"Range": "bytes=-4"}
    )
    assert (
        status == 206
        and len(body) == 4
        and headers["Content-Range"] == (f"bytes {size - 4}-{size - 1}/{size}")
    )
    assert hub.weight_bytes_sent() == 4
    assert hub.requests[-1].range == "bytes=-4" and hub.requests[-1].bytes_sent == 4
    status, headers, _ = _raw(
        hub, "GET", "/org/tiny-bert/resolve/main/config.json", {"Range": f"bytes={size}-"}
    )
    assert status == 416
    status, headers, body = _raw(hub, "GET", "/org/tiny-bert/resolve/main/missing.txt")
    assert status == 404 and headers["X-Error-Code"] == "EntryNotFound"
    assert headers["X-Repo-Commit"] == hub.repo_sha("org/tiny-bert")
    assert json.loads(body)["error"]
    status, headers, _ = _raw(hub, "GET", "/no-namespace-gpt/resolve/main/config.json")
    assert status == 404 and headers["X-Error-Code"] == "EntryNotFound"


# --- transformers, in a subprocess (HF_ENDPOINT is read at import) ------------------------------


def test_transformers_autoconfig_from_pretrained(hub, tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("HF_TOKEN", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    }
    env.update(
        HF_ENDPOINT=hub.url,
        HF_HOME=str(tmp_path / "home"),
        NO_COLOR="1",
        HF_HUB_DISABLE_TELEMETRY="1",
        HF_HUB_DISABLE_PROGRESS_BARS="1",
    )
    code = (
        "from transformers import AutoConfig\n"
        "c = AutoConfig.from_pretrained('org/tiny-bert')\n"
        "print(c.model_type, c.hidden_size, c.num_hidden_layers)\n"
    )
    hub.clear_log()
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["bert", "32", "2"]
    # transformers 5 pins the revision first (repo_info), then resolves files at the commit sha.
    sha = hub.repo_sha("org/tiny-bert")
    assert [(r.method, r.path) for r in hub.requests] == [
        ("GET", "/api/models/org/tiny-bert"),
        ("HEAD", f"/org/tiny-bert/resolve/{sha}/config.json"),
        ("GET", f"/org/tiny-bert/resolve/{sha}/config.json"),
    ]
    assert hub.weight_bytes_sent() == 0


def test_stopped_hub_is_unreachable(repos_root):
    import httpx2

    server = FakeHub([RepoSpec("org/x", repos_root / "small")]).start()
    api = HfApi(endpoint=server.url, token=False)
    assert api.model_info("org/x").id == "org/x"  # leaves a pooled keep-alive connection
    server.stop()
    with pytest.raises(httpx2.ConnectError):
        api.model_info("org/x")
    assert [r.path for r in server.requests] == ["/api/models/org/x"]
