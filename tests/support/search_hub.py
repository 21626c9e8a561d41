"""A Hub double sized for the models list: 10,000 metadata-only repos plus a few real fixtures.

Every value is a pure function of the repo's index, so orderings and snapshots are repeatable.
Real fixtures live under ``hfbrowse-search/`` (not the conftest hub's ``hfbrowse-test/``) so the
HF cache entries this module's tests create never mark the other hub's repos as cached.
"""

from __future__ import annotations

from pathlib import Path

from tests.support.hub_server import FakeHub, RepoSpec, RequestRecord

ORG = "hfbrowse-search"
N_SYNTHETIC = 10_000
PAGE_SIZE = 100
SYNTH_TASKS = (
    "text-generation",
    "fill-mask",
    "question-answering",
    "token-classification",
    "text-classification",
    "feature-extraction",
    None,
    "image-classification",
)


def search_id(name: str) -> str:
    return f"{ORG}/{name}"


# Sizes of the synthetic repos that have a safetensors figure (every third one).
SYNTH_SIZES = (124_439_808, 355_000_000, 1_100_000_000, 3_210_000_000, 7_615_616_512, 13e9, 70e9)
BOGUS_TOTAL = 333_312  # huggingface_hub#4221's figure for a 7.6B model
PROVIDERS = ("hf-inference", "together")


def synthetic_markers(i: int) -> dict:
    """What the Hub computes for repo ``i`` besides its listing fields: a safetensors block for
    every third repo (repo 101 and every 1000th after it: the #4221 total; 265 and every 500th:
    GPTQ-style packed I32), GGUF
    files for every 17th, a PEFT adapter for every 19th, providers for every 11th. None of it
    changes which repos a text/task/library search finds or their order."""
    out: dict = {"tags": []}
    if i % 1000 == 101:
        out["safetensors"] = {"parameters": {"BF16": 7_615_616_512}, "total": BOGUS_TOTAL}
        out["used_storage"] = 15_231_233_024
    elif i % 500 == 265:
        packed = {"I32": 875_000_000, "F16": 262_000_000}
        out["safetensors"] = {"parameters": packed, "total": sum(packed.values())}
        out["used_storage"] = 3_762_000_000
    elif i % 3 == 0:
        size = int(SYNTH_SIZES[(i // 3) % len(SYNTH_SIZES)])
        out["safetensors"] = {"parameters": {"BF16": size}, "total": size}
        out["used_storage"] = 2 * size
    if i % 17 == 0:
        out["tags"] += ["gguf"]
        out["gguf"] = {"total": 7_241_732_096, "architecture": "llama", "context_length": 4096}
    if i % 19 == 0:
        out["tags"] += ["peft", f"base_model:adapter:org0/synthetic-model-{i - i % 13:05d}"]
    if i % 11 == 0:
        out["providers"] = PROVIDERS[: 1 + (i // 11) % 2]
    return out


def synthetic_specs(n: int = N_SYNTHETIC) -> list[RepoSpec]:
    return [
        RepoSpec(
            f"org{i % 13}/synthetic-model-{i:05d}",
            None,
            pipeline_tag=SYNTH_TASKS[i % len(SYNTH_TASKS)],
            library_name="diffusers" if i % 10 == 9 else "transformers",
            downloads=(i * 7919) % 100_003,
            likes=(i * 31) % 977,
            trending_score=(i * 13) % 101,
            last_modified=f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}T00:00:00.000Z",
            gated="manual" if i % 97 == 0 else False,
            **synthetic_markers(i),
        )
        for i in range(n)
    ]


def real_specs(fixtures: dict[str, Path]) -> list[RepoSpec]:
    """Real folders, downloaded more than any synthetic repo: they head the default listing."""
    return [
        RepoSpec(
            search_id("tiny-gpt2"),
            fixtures["tiny-gpt2"],
            pipeline_tag="text-generation",
            downloads=900_000,
            likes=40,
            trending_score=50,
        ),
        RepoSpec(
            search_id("tiny-bert-mlm"),
            fixtures["tiny-bert-mlm"],
            pipeline_tag="fill-mask",
            downloads=800_000,
            likes=30,
            trending_score=40,
        ),
        RepoSpec(
            search_id("gated-gpt2"),
            fixtures["tiny-gpt2"],
            pipeline_tag="text-generation",
            downloads=700_000,
            likes=20,
            gated="manual",
        ),
        RepoSpec(
            search_id("private-gpt2"),
            fixtures["tiny-gpt2"],
            pipeline_tag="text-generation",
            downloads=600_000,
            likes=10,
            private=True,
        ),
        RepoSpec(
            search_id("config-only"),
            fixtures["config-only"],
            pipeline_tag="text-generation",
            downloads=500_000,
            likes=5,
        ),
    ]


def start_search_hub(
    fixtures: dict[str, Path], n: int = N_SYNTHETIC, page_size: int = PAGE_SIZE
) -> FakeHub:
    return FakeHub([*real_specs(fixtures), *synthetic_specs(n)], page_size=page_size).start()


def list_requests(hub: FakeHub) -> list[RequestRecord]:
    """The ``GET /api/models`` requests (searches and their pages), in order."""
    return [r for r in hub.requests if r.path == "/api/models"]
