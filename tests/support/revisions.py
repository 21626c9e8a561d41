"""A Hub repo with history for the revision tests: main is tiny-gpt2; branch ``v2`` changes
config.json (n_positions, one key added) and the tensors (one added, one removed, one reshaped,
one re-typed); tag ``v1.0`` points at main. Built at test time with ``safetensors``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.support.hub_server import RepoSpec
from tests.support.models import hub_id

REPO = hub_id("gpt2-history")


def write_v2(main: Path, dest: Path) -> Path:
    import numpy as np
    from safetensors.numpy import load_file, save_file

    shutil.copytree(main, dest)
    config = json.loads((dest / "config.json").read_text())
    config["n_positions"] = config["n_positions"] * 2
    config["use_cache"] = False
    (dest / "config.json").write_text(json.dumps(config))
    tensors = load_file(str(main / "model.safetensors"))
    del tensors["transformer.h.1.ln_2.bias"]
    tensors["transformer.extra.weight"] = np.zeros((4, 4), dtype=np.float32)
    wpe = tensors["transformer.wpe.weight"]
    tensors["transformer.wpe.weight"] = np.zeros((wpe.shape[0] * 2, wpe.shape[1]), wpe.dtype)
    tensors["transformer.ln_f.weight"] = tensors["transformer.ln_f.weight"].astype(np.float16)
    save_file(tensors, str(dest / "model.safetensors"), metadata={"format": "pt"})
    return dest


def history_spec(fixtures: dict[str, Path], tmp: Path, **extra) -> RepoSpec:
    v2 = tmp / "gpt2-v2"
    if not v2.exists():
        write_v2(fixtures["tiny-gpt2"], v2)
    return RepoSpec(
        REPO, fixtures["tiny-gpt2"], branches={"v2": v2}, git_tags={"v1.0": "main"}, **extra
    )


def history_hub(fixtures: dict[str, Path], tmp: Path):
    """A Hub double serving ``REPO`` with its history, ``bad-refs`` (a /refs answer of the wrong
    shape) and ``odd-refs`` (refs with an unsafe name and a non-sha commit)."""
    from tests.support.hub_server import FakeHub

    bad = history_spec(fixtures, tmp)
    bad.repo_id, bad.refs_answer = hub_id("bad-refs"), [{"branches": "main"}]
    odd = history_spec(fixtures, tmp)
    odd.repo_id = hub_id("odd-refs")
    odd.refs_answer = {
        "branches": [
            {"name": "main", "ref": "refs/heads/main", "targetCommit": "a" * 40},
            {"name": "../../etc", "ref": "refs/heads/x", "targetCommit": "b" * 40},
            {"name": "ok", "ref": "refs/heads/ok", "targetCommit": "not-a-sha"},
        ],
        "tags": [],
        "converts": [],
        "pullRequests": [],
    }
    return FakeHub([history_spec(fixtures, tmp), bad, odd])
