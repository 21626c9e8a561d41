"""Two revisions of one Hub repo compared: config.json and the tensor table, headers only.

The other revision is opened by the same stages as any model (``load_facts`` then the headers,
never the meta device: a repo without safetensors has no tensor diff, and says so), so both
front ends — the revisions picker's ``d`` and ``--diff-revision`` — read no weight byte.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from hfbrowse.core.checkpoint.tensor_diff import TensorDiff, diff_tables
from hfbrowse.core.config.diff import ConfigDiff, diff_configs
from hfbrowse.core.errors import HFBrowseError
from hfbrowse.core.hub.gateway import HubGateway
from hfbrowse.core.model import Checkpoint, ModelFacts, load_checkpoint, load_facts
from hfbrowse.core.safe_paths import check_revision


@dataclass(frozen=True)
class RevisionDiff:
    left: str  # revision labels, as the user named them
    right: str
    config: ConfigDiff
    tensors: TensorDiff | None
    tensors_error: str | None  # why there is no tensor diff


def diff_revision(
    facts: ModelFacts, checkpoint: Checkpoint, other: str, gateway: HubGateway
) -> RevisionDiff:
    """The opened revision (``facts``/``checkpoint``) against the revision ``other``."""
    if facts.ref.is_local:
        raise HFBrowseError(f"{facts.ref.display_name} is a local folder: it has no revisions.")
    check_revision(other)
    other_facts = load_facts(replace(facts.ref, revision=other), gateway)
    other_checkpoint = load_checkpoint(other_facts, gateway, None)
    left = facts.ref.revision or "main"
    config = diff_configs(facts.config, other_facts.config, left, other)
    tensors, error = None, None
    if checkpoint.table is None or other_checkpoint.table is None:
        why = checkpoint.error if checkpoint.table is None else other_checkpoint.error
        error = f"no tensor diff: {why or 'no tensor table'}"
    else:
        tensors = diff_tables(checkpoint.table, other_checkpoint.table)
    return RevisionDiff(left, other, config, tensors, error)


def tensor_diff_lines(diff: RevisionDiff, limit: int | None = None) -> list[str]:
    """The tensor part as lines (``--print`` and the TUI)."""
    if diff.tensors is None:
        return [diff.tensors_error or "no tensor diff"]
    t = diff.tensors
    out = [
        f"tensors: +{t.count('added')} added, -{t.count('removed')} removed,"
        f" {t.count('reshaped')} reshaped, {t.count('retyped')} re-typed, {t.same} the same"
    ]
    shown = t.changes if limit is None else t.changes[:limit]
    out += [f"  {c.describe()}" for c in shown]
    if len(shown) < len(t.changes):
        out.append(f"  … and {len(t.changes) - len(shown)} more")
    return out
