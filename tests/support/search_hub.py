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
