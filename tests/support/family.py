"""A model tree for the family tests: a base, its finetune, adapter, quantisations and a merge,
plus hostile answers. Built at test time from tiny-gpt2 (no weights are ever read).

``BASE`` (tiny-gpt2) has children of every relation; ``FINETUNE`` is tiny-gpt2 with a changed
config (n_positions doubled, one key added) and a README whose YAML names the base, so its
config diff with the base is not empty. Quantisations and merges are metadata-only repos
(``folder=None``): listing them is all the tests do.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.support.adapters import write_lora
from tests.support.hub_server import FakeHub, RepoSpec

BASE = "famtest/base-gpt2"
FINETUNE = "famtest/chat-gpt2"
ADAPTER = "famtest/gpt2-lora"
MERGE = "famtest/merged-gpt2"
OTHER_BASE = "famtest/other-base"
HOSTILE = "evil/bad-tree"
HUGE = "evil/huge-tree"
QUANTIZED = tuple(f"famtest/base-gpt2-q{i}" for i in range(1, 4))
FINETUNES = (FINETUNE, "famtest/base-gpt2-instruct")


def _tree(relation: object, *bases: str) -> dict:
    return {"relation": relation, "models": [{"id": b} for b in bases]}


def write_finetune(base: Path, dest: Path) -> Path:
    """tiny-gpt2 with its config changed and a card naming the base (YAML ``base_model``)."""
    if dest.exists():
        return dest
    shutil.copytree(base, dest)
    config = json.loads((dest / "config.json").read_text())
    config["n_positions"] = config["n_positions"] * 2
    config["finetuned_for"] = "chat"
    (dest / "config.json").write_text(json.dumps(config))
    (dest / "README.md").write_text(
        f"---\nbase_model: {BASE}\nlibrary_name: transformers\n---\n# chat-gpt2\n",
        encoding="utf-8",
    )
    return dest


def family_specs(fixtures: dict[str, Path], tmp: Path) -> list[RepoSpec]:
    gpt2 = fixtures["tiny-gpt2"]
    finetune = write_finetune(gpt2, tmp / "chat-gpt2")
    lora = tmp / "gpt2-lora"
    if not lora.exists():
        write_lora(lora, BASE)
    specs = [
        RepoSpec(BASE, gpt2, pipeline_tag="text-generation", downloads=5000),
        RepoSpec(OTHER_BASE, None, downloads=10),
        RepoSpec(
            FINETUNE,
            finetune,
            pipeline_tag="text-generation",
            downloads=900,
            base_models=_tree("finetune", BASE),
        ),
        RepoSpec(FINETUNES[1], None, downloads=300, base_models=_tree("finetune", BASE)),
        RepoSpec(
            ADAPTER, lora, library_name="peft", downloads=50, base_models=_tree("adapter", BASE)
        ),
        RepoSpec(MERGE, None, downloads=7, base_models=_tree("merge", BASE, OTHER_BASE)),
        RepoSpec(
            HOSTILE,
            gpt2,
            base_models={"relation": "sideways", "models": [{"id": "../../etc"}, {"id": 5}, "x"]},
            children_count="many",
        ),
        RepoSpec(
            HUGE,
            gpt2,
            base_models={"relation": "merge", "models": [{"id": f"m/b{i}"} for i in range(5000)]},
            children_count=-3,
        ),
    ]
    specs += [
        RepoSpec(
            q, None, library_name="gguf", downloads=100 - i, base_models=_tree("quantized", BASE)
        )
        for i, q in enumerate(QUANTIZED)
    ]
    return specs


def family_hub(fixtures: dict[str, Path], tmp: Path) -> FakeHub:
    return FakeHub(family_specs(fixtures, tmp))
