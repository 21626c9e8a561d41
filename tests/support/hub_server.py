"""A test double of the Hugging Face Hub's HTTP wire contract, served on 127.0.0.1.

This is NOT the Hub and does not emulate it beyond what the real ``huggingface_hub`` client
(2.x, over real HTTP) needs: ``/api/models`` listing with search/filter/sort/limit/expand and
``Link`` pagination, ``/api/models/<id>[/revision/<rev>]``, ``/tree``, ``/refs``,
``/commits/<rev>``, and ``HEAD``/``GET /<id>/resolve/<rev>/<path>`` with ranges, ETags and
``X-Repo-Commit``; errors carry ``X-Error-Code`` (RepoNotFound, RevisionNotFound, EntryNotFound,
GatedRepo) like the Hub's.
See ``/work/shared/notes/hub-http-contract.md``. Standard library only (and ``gguf``
to find where a GGUF file's header ends).

Repos are snapshotted (file list, sizes, hashes, commit sha) when added, main and each extra
branch from its own folder (tags name a branch); bytes are read from
disk when served. Every request is logged (:attr:`FakeHub.requests`), and response bytes that
lie past a weights file's header are counted (:meth:`FakeHub.weight_bytes_sent`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import socket
import struct
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, parse_qsl, unquote, urlencode, urlsplit

LFS_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".ckpt", ".h5", ".msgpack", ".onnx", ".gguf")
# Formats without a readable header: every byte of them is a weight byte (GGUF: past its
# header, read with the gguf package).
ALL_WEIGHT_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".h5", ".msgpack", ".onnx", ".gguf")
SORT_KEYS = {
    "downloads": "downloads",
    "likes": "likes",
    "trendingScore": "trending_score",
    "createdAt": "created_at",
    "lastModified": "last_modified",
}  # wire name -> RepoSpec
SORT_KEYS.update({v: v for v in list(SORT_KEYS.values())})  # also accept the snake_case names
LIST_FIELDS = (
    "id",
    "modelId",
    "pipeline_tag",
    "library_name",
    "tags",
    "downloads",
    "likes",
    "trendingScore",
    "lastModified",
    "createdAt",
    "private",
    "gated",
    "safetensors",
)
REPO_SUBROUTES = ("revision", "tree", "refs", "commits", "resolve")
CHUNK = 64 * 1024
LFS_SPEC = "https://git-lfs.github.com/spec/v1"


@dataclass(frozen=True)
class RequestRecord:
    method: str
    path: str  # URL-decoded path, without the query string
    query: str  # raw query string
    range: str | None  # the Range request header
    status: int
    bytes_sent: int  # response body bytes (0 for HEAD)


@dataclass
class RepoSpec:
    """One model repo. Its revision is "main"; its commit sha is sha1(repo_id + file listing)."""

    repo_id: str  # "org/name" or "name"
    folder: Path | None  # files served from here (recursively); None = metadata only
    pipeline_tag: str | None = None
    library_name: str | None = "transformers"
    tags: list[str] = field(default_factory=list)
    downloads: int = 0
    likes: int = 0
    trending_score: int = 0
    last_modified: str = "2026-01-01T00:00:00.000Z"
    created_at: str = "2025-01-01T00:00:00.000Z"
    gated: bool | str = False  # True/"auto"/"manual": resolve needs the token (else 401 GatedRepo)
    private: bool = False  # without the token every endpoint answers 401 RepoNotFound
    auto_model: str | None = None  # transformersInfo.auto_model
    card_data: dict | None = None
    # Branches besides main, each served from its own folder (its own files and commit sha),
    # and tags naming a branch ("main" or one of these); ``refs_answer`` replaces the /refs
    # JSON (a hostile server's answer).
    branches: dict[str, Path] = field(default_factory=dict)
    git_tags: dict[str, str] = field(default_factory=dict)
    refs_answer: object = None
    # The model tree: ``baseModels`` as the Hub sends it ({"relation": "finetune"|"adapter"|
    # "quantized"|"merge", "models": [{"id": "org/base"}]}); the Hub also tags the repo
    # ``base_model:<id>`` and ``base_model:<relation>:<id>``, which ``filter=`` on /api/models
    # matches (the model tree lists children that way). ``children_count`` replaces the
    # counted ``childrenModelCount`` (a hostile server's answer); so does a non-dict
    # ``base_models`` for ``baseModels``.
    base_models: object = None
    children_count: object = None
    # Metadata-only repos can still carry what the Hub computes from files it has: the
    # ``safetensors`` block ({"parameters": {dtype: n}, "total": n} — total may disagree, as on
    # the Hub), the ``gguf`` block, ``usedStorage``, and the inference providers serving it.
    safetensors: dict | None = None
    gguf: dict | None = None
    used_storage: int | None = None
    providers: tuple[str, ...] = ()


@dataclass(frozen=True)
class _File:
    path: Path
    size: int
    blob_id: str  # git blob sha1 (of the LFS pointer for LFS files)
    sha256: str | None  # LFS files only
    pointer_size: int | None
    weights_from: int | None  # offset where weight bytes begin; None = no weights


FULL_HASH_LIMIT = 64 * 1024 * 1024


def _hash_file(path: Path, size: int) -> tuple[str, str]:
    """Content digests; files over 64 MiB (the sparse 70B fixture's 132 GiB of holes) are
    identified by their first MiB and size instead: hashing holes would take minutes."""
    sha1, sha256 = hashlib.sha1(b"blob %d\0" % size), hashlib.sha256()
    with path.open("rb") as f:
        if size > FULL_HASH_LIMIT:
            head = f.read(1024 * 1024) + b"size:%d" % size
            sha1.update(head)
            sha256.update(head)
            return sha1.hexdigest(), sha256.hexdigest()
        while chunk := f.read(CHUNK):
            sha1.update(chunk)
            sha256.update(chunk)
    return sha1.hexdigest(), sha256.hexdigest()


def _safetensors_header(path: Path, size: int) -> tuple[int, dict | None]:
    """(offset where the weights begin, parsed header or None)."""
    with path.open("rb") as f:
        head = f.read(8)
        if len(head) < 8:
            return size, None
        end = min(size, 8 + struct.unpack("<Q", head)[0])
        try:
            return end, json.loads(f.read(end - 8))
        except ValueError:
            return end, None


def _gguf_data_start(path: Path) -> int:
    """Where a GGUF file's tensor data begins, by the ``gguf`` package's own reader (not
    hfbrowse's header walk, which the count checks); 0 (all weights) if it cannot parse."""
    try:
        from gguf import GGUFReader

        return int(GGUFReader(path).data_offset)
    except Exception:
        return 0


class _Repo:
    def __init__(self, spec: RepoSpec, branch: str = "main"):
        self.spec, self.files, self.config, self.branch = spec, {}, None, branch
        params: dict[str, int] = {}
        root = Path(spec.folder) if spec.folder is not None else None
        for p in sorted(root.rglob("*")) if root is not None else ():
            if not p.is_file() or ".git" in p.relative_to(root).parts:
                continue
            rel, size = p.relative_to(root).as_posix(), p.stat().st_size
            blob_id, sha256 = _hash_file(p, size)
            pointer, weights_from = None, None
            if rel.endswith(LFS_SUFFIXES):
                text = f"version {LFS_SPEC}\noid sha256:{sha256}\nsize {size}\n".encode()
                pointer = len(text)
                blob_id = hashlib.sha1(b"blob %d\0%s" % (pointer, text)).hexdigest()
            else:
                sha256 = None
            if rel.endswith(".safetensors"):
                weights_from, header = _safetensors_header(p, size)
                for name, info in (header or {}).items():
                    if name != "__metadata__" and isinstance(info, dict):
                        dtype = info.get("dtype", "?")
                        params[dtype] = params.get(dtype, 0) + math.prod(info.get("shape", []))
            elif rel.endswith(".gguf"):
                weights_from = _gguf_data_start(p)
            elif rel.endswith(ALL_WEIGHT_SUFFIXES):
                weights_from = 0
            self.files[rel] = _File(p, size, blob_id, sha256, pointer, weights_from)
        if "config.json" in self.files:
            try:
                self.config = json.loads(self.files["config.json"].path.read_text())
            except ValueError:
                self.config = None
        self.safetensors = {"parameters": params, "total": sum(params.values())} if params else None
        if spec.safetensors is not None:
            self.safetensors = spec.safetensors
        self.dirs = {f.rsplit("/", i)[0] for f in self.files for i in range(1, f.count("/") + 1)}
        listing = "\n".join(f"{k} {v.blob_id}" for k, v in self.files.items())
        name = spec.repo_id if branch == "main" else f"{spec.repo_id}@{branch}"
        self.sha = hashlib.sha1(f"{name}\n{listing}".encode()).hexdigest()
        self.others: dict[str, _Repo] = {}  # branch name -> its snapshot (main only)
        self.parent: _Repo | None = None  # main, for a branch
        if branch == "main":
            self.others = {
                b: _Repo(replace(spec, folder=folder), b) for b, folder in spec.branches.items()
            }
            for other in self.others.values():
                other.parent = self

    def at(self, rev: str) -> _Repo | None:
        """The snapshot a branch, a tag or a commit sha names (None: no such revision)."""
        rev = self.spec.git_tags.get(rev, rev)
        if rev in ("main", self.sha):
            return self
        if rev in self.others:
            return self.others[rev]
        return next((r for r in self.others.values() if r.sha == rev), None)

    def refs(self) -> dict:
        """``/api/models/<id>/refs`` as the Hub answers it."""

        def ref(name: str, kind: str, target: _Repo) -> dict:
            return {"name": name, "ref": f"refs/{kind}/{name}", "targetCommit": target.sha}

        return {
            "branches": [ref("main", "heads", self)]
            + [ref(b, "heads", r) for b, r in self.others.items()],
            "tags": [ref(t, "tags", self.at(b) or self) for t, b in self.spec.git_tags.items()],
            "converts": [],
            "pullRequests": [],
        }

    def commits(self) -> list[dict]:
        """``/api/models/<id>/commits/<rev>``: this snapshot's commit, then main's history (a
        branch starts from main), newest first; an initial commit ends every history."""

        def commit(sha: str, title: str, date: str) -> dict:
            return {
                "id": sha,
                "title": title,
                "message": "",
                "authors": [{"user": "hfbrowse-test", "avatar": ""}],
                "date": date,
            }

        initial = hashlib.sha1(f"{self.spec.repo_id} initial".encode()).hexdigest()
        out = []
        if self.parent is not None:
            out.append(commit(self.sha, f"Update on {self.branch}", "2026-01-03T00:00:00.000Z"))
        main = self.parent or self
        out.append(commit(main.sha, "Upload main", "2026-01-02T00:00:00.000Z"))
        out.append(commit(initial, "initial commit", "2026-01-01T00:00:00.000Z"))
        return out

    def record(self, blobs: bool = False) -> dict:
        s = self.spec
        siblings = []
        for name, f in self.files.items():
            sib: dict = {"rfilename": name}
            if blobs:
                sib.update(size=f.size, blobId=f.blob_id)
                if f.sha256:
                    sib["lfs"] = {"size": f.size, "sha256": f.sha256, "pointerSize": f.pointer_size}
            siblings.append(sib)
        rec = {
            "id": s.repo_id,
            "modelId": s.repo_id,
            "sha": self.sha,
            "private": s.private,
            "gated": "auto" if s.gated is True else s.gated,
            "disabled": False,
            "downloads": s.downloads,
            "likes": s.likes,
            "trendingScore": s.trending_score,
            "tags": [*s.tags, *base_model_tags(s)],
            "pipeline_tag": s.pipeline_tag,
            "library_name": s.library_name,
            "lastModified": s.last_modified,
            "createdAt": s.created_at,
            "siblings": siblings,
            "spaces": [],
            "usedStorage": s.used_storage
            if s.used_storage is not None
            else sum(f.size for f in self.files.values()),
        }
        if s.gguf is not None:
            rec["gguf"] = s.gguf
        if s.providers:  # list_models' form (model_info answers a dict keyed by provider)
            rec["inference"] = "warm"
            rec["inferenceProviderMapping"] = [
                {
                    "provider": name,
                    "providerId": f"{name}/{s.repo_id}",
                    "status": "live",
                    "task": s.pipeline_tag or "text-generation",
                }
                for name in s.providers
            ]
        if "/" in s.repo_id:
            rec["author"] = s.repo_id.split("/")[0]
        if self.config is not None:
            rec["config"] = self.config
        if s.card_data is not None:
            rec["cardData"] = s.card_data
        if s.auto_model is not None:
            tok = any(n in self.files for n in ("tokenizer.json", "tokenizer_config.json"))
            rec["transformersInfo"] = {
                "auto_model": s.auto_model,
                "pipeline_tag": s.pipeline_tag,
                "processor": "AutoTokenizer" if tok else None,
            }
        if self.safetensors is not None:
            rec["safetensors"] = self.safetensors
        if s.base_models is not None:
            rec["baseModels"] = s.base_models
        return rec

    def tree(self, path: str, recursive: bool) -> list[dict] | None:
        if path and path not in self.dirs:
            return None
        prefix = f"{path}/" if path else ""
        out = []
        for d in sorted(self.dirs):
            if d.startswith(prefix) and (recursive or "/" not in d[len(prefix) :]):
                oid = hashlib.sha1(f"tree {self.sha} {d}".encode()).hexdigest()
                out.append({"type": "directory", "oid": oid, "size": 0, "path": d})
        for name, f in self.files.items():
            if name.startswith(prefix) and (recursive or "/" not in name[len(prefix) :]):
                item: dict = {"type": "file", "oid": f.blob_id, "size": f.size, "path": name}
                if f.sha256:
                    item["lfs"] = {"oid": f.sha256, "size": f.size, "pointerSize": f.pointer_size}
                out.append(item)
        return out


def base_model_tags(spec: RepoSpec) -> list[str]:
    """The tags the Hub derives from a repo's base models (what ``filter=`` matches)."""
    bm = spec.base_models
    if not isinstance(bm, dict) or not isinstance(bm.get("models"), list):
        return []
    relation = bm.get("relation")
    out: list[str] = []
    for m in bm["models"]:
        base = m.get("id") if isinstance(m, dict) else None
        if isinstance(base, str):
            out.append(f"base_model:{base}")
            if isinstance(relation, str):
                out.append(f"base_model:{relation}:{base}")
    return out


_UNITS = {"": 1, "K": 10**3, "M": 10**6, "B": 10**9, "T": 10**12}


def _parameter_range(text: str) -> tuple[int | None, int | None]:
    """The Hub's ``num_parameters``: ``min:6B,max:128B``, ``min:6B`` or ``max:128B``, on the
    ``safetensors.total`` figure (ValueError for anything else)."""
    bounds: dict[str, int] = {}
    for part in text.split(","):
        key, _, value = part.partition(":")
        value = value.strip().upper()
        unit = value[-1] if value[-1:] in _UNITS else ""
        if key not in ("min", "max") or key in bounds:
            raise ValueError(text)
        bounds[key] = round(float(value[: len(value) - len(unit)]) * _UNITS[unit])
    return bounds.get("min"), bounds.get("max")


def _truthy(q: dict, key: str) -> bool:
    return q.get(key, ["false"])[-1].lower() not in ("false", "0", "")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes: avoid 40 ms stalls
    server: _Server

    def log_message(self, format, *args):  # quiet
        pass

    # -- responses ---------------------------------------------------------------------------
    def _send(
        self,
        status: int,
        headers: dict,
        body: bytes = b"",
        file: _File | None = None,
        start: int = 0,
        length: int = 0,
    ) -> None:
        n = length if file is not None else len(body)
        send = self.command != "HEAD"
        wfrom = file.weights_from if file is not None else None
        hub = self.server.hub
        entry = hub._log(
            RequestRecord(
                self.command,
                self._dpath,
                self._query,
                self.headers.get("Range"),
                status,
                n if send else 0,
            ),
            self._weights(wfrom, start, n) if send else 0,
        )
        self.send_response(status)
        for k, v in {**headers, "Content-Length": str(n)}.items():
            self.send_header(k, v)
        self.end_headers()
        if not send:
            return
        written = 0
        try:
            if file is None:
                self.wfile.write(body)
                return
            with file.path.open("rb") as f:
                f.seek(start)
                while written < n:
                    chunk = f.read(min(CHUNK, n - written))
                    if not chunk:
                        break
                    self.wfile.write(chunk)
                    written += len(chunk)
        except OSError:
            self.close_connection = True
        if written != n:  # short or broken write: record what actually went out
            hub._amend(entry, written, self._weights(wfrom, start, written))

    @staticmethod
    def _weights(weights_from: int | None, start: int, n: int) -> int:
        return 0 if weights_from is None else max(0, start + n - max(start, weights_from))

    def _json(self, obj, status: int = 200, headers: dict | None = None) -> None:
        body = json.dumps(obj).encode()
        self._send(status, {"Content-Type": "application/json", **(headers or {})}, body)

    def _error(self, status: int, code: str | None, message: str, headers: dict | None = None):
        h = {**(headers or {}), "X-Error-Message": message}
        if code:
            h["X-Error-Code"] = code
        self._json({"error": message}, status, h)

    # -- routing -----------------------------------------------------------------------------
    def _dispatch(self) -> None:
        split = urlsplit(self.path)
        self._query, self._dpath = split.query, unquote(split.path)
        parts = [unquote(p) for p in split.path.split("/")[1:]]
        q = parse_qs(split.query, keep_blank_values=True)
        try:
            if parts[:2] == ["api", "models"] and len(parts) == 2:
                self._list_models(q, split.path)
            elif parts[:2] == ["api", "models"] and len(parts) > 2:
                self._repo_api(parts[2:], q, split.path)
            elif "resolve" in parts[1:3]:
                self._resolve(parts)
            else:
                self._error(404, None, "Not Found")
        except Exception as exc:  # a bug in the double. 400, not 500: the client retries 5xx
            self._error(400, None, f"test double error: {exc!r}"[:200])

    do_GET = do_HEAD = _dispatch

    def _split_repo(self, parts: list[str]) -> tuple[str, list[str]]:
        repos = self.server.hub._repos
        if len(parts) >= 2 and "/".join(parts[:2]) in repos:
            return "/".join(parts[:2]), parts[2:]
        if parts[0] in repos or len(parts) < 2 or parts[1] in REPO_SUBROUTES:
            return parts[0], parts[1:]
        return "/".join(parts[:2]), parts[2:]

    def _authorized(self) -> bool:
        return self.headers.get("Authorization") == f"Bearer {self.server.hub.token}"

    def _repo(self, repo_id: str, rev: str | None = None) -> _Repo | None:
        repo = self.server.hub._repos.get(repo_id)
        if repo is None or (repo.spec.private and not self._authorized()):
            status = 404 if repo is None else 401
            self._error(status, "RepoNotFound", "Repository not found")
            return None
        if rev is None:
            return repo
        if (snapshot := repo.at(rev)) is None:
            self._error(404, "RevisionNotFound", "Invalid rev id: " + rev)
            return None
        return snapshot

    def _paginate(self, items: list, q: dict, raw_path: str) -> None:
        size, start = self.server.hub.page_size, int(q.get("cursor", ["0"])[-1] or 0)
        headers = {}
        if start + size < len(items):
            pairs = [
                (k, v) for k, v in parse_qsl(self._query, keep_blank_values=True) if k != "cursor"
            ] + [("cursor", str(start + size))]
            headers["Link"] = f'<{self.server.hub.url}{raw_path}?{urlencode(pairs)}>; rel="next"'
        self._json(items[start : start + size], 200, headers)

    def _list_models(self, q: dict, raw_path: str) -> None:
        def first(key):
            return q.get(key, [None])[-1]

        repos = [
            r for r in self.server.hub._repos.values() if not r.spec.private or self._authorized()
        ]
        if search := first("search"):
            repos = [r for r in repos if search.lower() in r.spec.repo_id.lower()]
        if author := first("author"):
            repos = [
                r for r in repos if r.spec.repo_id.split("/")[0] == author and "/" in r.spec.repo_id
            ]
        for flt in q.get("filter", []):
            repos = [
                r
                for r in repos
                if flt
                in (
                    *r.spec.tags,
                    *base_model_tags(r.spec),
                    r.spec.library_name,
                    r.spec.pipeline_tag,
                )
            ]
        if tag := first("pipeline_tag"):
            repos = [r for r in repos if r.spec.pipeline_tag == tag]
        if (gated := first("gated")) is not None:
            repos = [r for r in repos if bool(r.spec.gated) == (gated.lower() == "true")]
        if (provider := first("inference_provider")) is not None:
            repos = [
                r for r in repos if r.spec.providers and provider in ("all", *r.spec.providers)
            ]
        if first("inference") == "warm":
            repos = [r for r in repos if r.spec.providers]
        if (size := first("num_parameters")) is not None:
            try:
                lo, hi = _parameter_range(size)
            except ValueError:
                return self._error(400, None, f"Invalid num_parameters: {size}")
            repos = [
                r
                for r in repos
                if r.safetensors is not None
                and (lo is None or r.safetensors["total"] >= lo)
                and (hi is None or r.safetensors["total"] <= hi)
            ]
        if (sort := first("sort")) is not None:
            if sort not in SORT_KEYS:
                return self._error(400, None, f"Invalid sort: {sort}")
            repos.sort(key=lambda r: getattr(r.spec, SORT_KEYS[sort]), reverse=True)
        if (limit := first("limit")) is not None:
            repos = repos[: int(limit)]
        if expand := q.get("expand"):
            keys = ["id", *expand]
        else:
            keys = list(LIST_FIELDS)
            if _truthy(q, "full"):
                keys += ["sha", "author", "siblings", "disabled", "transformersInfo"]
            keys += ["cardData"] if _truthy(q, "cardData") else []
            keys += ["config"] if _truthy(q, "config") else []
        items = [{k: v for k, v in r.record().items() if k in keys} for r in repos]
        self._paginate(items, q, raw_path)

    def _repo_api(self, parts: list[str], q: dict, raw_path: str) -> None:
        repo_id, rest = self._split_repo(parts)
        if not rest or rest[0] == "revision":
            if rest and len(rest) != 2:
                return self._error(404, None, "Not Found")
            if (repo := self._repo(repo_id, rest[1] if rest else None)) is None:
                return None
            rec = repo.record(blobs=_truthy(q, "blobs"))
            if expand := q.get("expand"):  # the model tree only comes when asked for
                rec["childrenModelCount"] = self.server.hub.children_count(repo.spec)
                rec = {k: v for k, v in rec.items() if k in ("id", *expand)}
            else:
                rec.pop("baseModels", None)
            return self._json(rec)
        if rest[0] == "refs" and len(rest) == 1:
            if (repo := self._repo(repo_id)) is None:
                return None
            answer = repo.spec.refs_answer
            return self._json(repo.refs() if answer is None else answer)
        if rest[0] == "commits" and len(rest) == 2:
            if (repo := self._repo(repo_id, rest[1])) is None:
                return None
            return self._paginate(repo.commits(), q, raw_path)
        if rest[0] == "tree" and len(rest) >= 2:
            if (repo := self._repo(repo_id, rest[1])) is None:
                return None
            path = "/".join(rest[2:]).strip("/")
            items = repo.tree(path, _truthy(q, "recursive"))
            if items is None:
                msg = f"{path} does not exist on main"
                return self._error(404, "EntryNotFound", msg, {"X-Repo-Commit": repo.sha})
            return self._paginate(items, q, raw_path)
        return self._error(404, None, "Not Found")

    def _resolve(self, parts: list[str]) -> None:
        i = parts.index("resolve", 1)
        repo_id, rest = "/".join(parts[:i]), parts[i + 1 :]
        if len(rest) < 2:
            return self._error(404, None, "Not Found")
        if (repo := self._repo(repo_id, rest[0])) is None:
            return None
        commit = {"X-Repo-Commit": repo.sha}
        if repo.spec.gated and not self._authorized():
            msg = "Access to model is restricted. You must have access to it and be authenticated."
            return self._error(401, "GatedRepo", msg, commit)
        name = "/".join(rest[1:])
        f = repo.files.get(name)
        if f is None:
            return self._error(404, "EntryNotFound", "Entry not found", commit)
        headers = {
            **commit,
            "ETag": f'"{f.sha256 or f.blob_id}"',
            "Accept-Ranges": "bytes",
            "Content-Type": "application/octet-stream",
        }
        rng = self.headers.get("Range")
        if not rng:
            return self._send(200, headers, file=f, start=0, length=f.size)
        try:
            unit, spec = rng.split("=", 1)
            a, b = (s.strip() for s in spec.split(",")[0].split("-", 1))
            if unit.strip() != "bytes" or not (a or b):
                raise ValueError(rng)
            start, end = (int(a), int(b or f.size - 1)) if a else (f.size - int(b), f.size - 1)
            start, end = max(start, 0), min(end, f.size - 1)
        except ValueError:
            return self._error(400, None, f"Invalid Range header: {rng}")
        if start > end:
            return self._send(416, {**headers, "Content-Range": f"bytes */{f.size}"})
        headers["Content-Range"] = f"bytes {start}-{end}/{f.size}"
        return self._send(206, headers, file=f, start=start, length=end - start + 1)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    hub: FakeHub

    def get_request(self):
        conn, addr = super().get_request()
        self.hub._conns.add(conn)
        return conn, addr

    def shutdown_request(self, request):
        self.hub._conns.discard(request)
        super().shutdown_request(request)


class FakeHub:
    """Hub-compatible HTTP server on 127.0.0.1 (a test double). Use as a context manager."""

    def __init__(
        self, repos: Iterable[RepoSpec] = (), token: str = "hf_test_token", page_size: int = 50
    ):
        self.token, self.page_size, self.url = token, page_size, ""
        self._repos: dict[str, _Repo] = {}
        self._entries: list[list] = []  # [RequestRecord, weight bytes]
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._conns: set[socket.socket] = set()  # open (keep-alive) client connections
        for spec in repos:
            self.add_repo(spec)

    def add_repo(self, spec: RepoSpec) -> None:
        repo = _Repo(spec)
        with self._lock:
            self._repos = {**self._repos, spec.repo_id: repo}

    def children_count(self, spec: RepoSpec) -> object:
        """``childrenModelCount``: the repos that name ``spec`` as a base (or its override)."""
        if spec.children_count is not None:
            return spec.children_count
        tag = f"base_model:{spec.repo_id}"
        return sum(tag in base_model_tags(r.spec) for r in self._repos.values())

    def repo_sha(self, repo_id: str) -> str:
        return self._repos[repo_id].sha

    def start(self) -> FakeHub:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.hub = self
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            for conn in list(self._conns):  # also end idle keep-alive connections
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._server = self._thread = None

    def __enter__(self) -> FakeHub:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def requests(self) -> list[RequestRecord]:
        """A snapshot of the request log, in arrival order."""
        with self._lock:
            return [e[0] for e in self._entries]

    def clear_log(self) -> None:
        with self._lock:
            self._entries = []

    def weight_bytes_sent(self) -> int:
        """Body bytes sent from weights files beyond their header (safetensors: 8 + header
        length; .bin and other header-less weight formats: every byte)."""
        with self._lock:
            return sum(e[1] for e in self._entries)

    def _log(self, record: RequestRecord, weight: int) -> list:
        entry = [record, weight]
        with self._lock:
            self._entries.append(entry)
        return entry

    def _amend(self, entry: list, sent: int, weight: int) -> None:
        with self._lock:
            entry[0], entry[1] = replace(entry[0], bytes_sent=sent), weight
