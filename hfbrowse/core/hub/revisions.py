"""A Hub repo's revisions: branches, tags and recent commits, checked before they are shown.

``list_repo_refs`` and ``list_repo_commits`` run through the gateway (the only door to the
Hub). Their answers are data from a server: a ref or commit whose name is no git ref name
(``../x``) or whose commit is no 40-hex sha is left out and counted in ``skipped`` (the rules
are ``safe_paths``'s, the one place they live), and an answer of the wrong shape is one
``MalformedAnswer`` line, never a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hfbrowse.core.errors import HFBrowseError
from hfbrowse.core.hub.gateway import HubGateway
from hfbrowse.core.model_ref import ModelRef
from hfbrowse.core.safe_paths import is_commit_sha, revision_problem

RECENT_COMMITS = 20


@dataclass(frozen=True)
class GitRef:
    name: str  # what --revision takes: main, v1.0, refs/pr/1
    kind: str  # branch, tag, convert, pr
    commit: str


@dataclass(frozen=True)
class Commit:
    commit: str
    title: str
    date: str  # ISO 8601
    authors: tuple[str, ...]

    @property
    def short(self) -> str:
        return self.commit[:8]


@dataclass(frozen=True)
class Revisions:
    repo_id: str
    refs: tuple[GitRef, ...]  # branches, then tags, then the rest
    commits: tuple[Commit, ...]  # newest first, of the opened revision
    skipped: int = 0  # refs/commits left out: unsafe names or no commit sha

    def names(self) -> list[str]:
        """Every revision one can open: ref names, then commit shas."""
        return [r.name for r in self.refs] + [c.commit for c in self.commits]


def _ref(item: Any, kind: str) -> GitRef | None:
    name, commit = getattr(item, "name", None), getattr(item, "target_commit", None)
    if not isinstance(name, str) or revision_problem(name) is not None:
        return None
    if not is_commit_sha(commit):
        return None
    return GitRef(name, kind, commit)


def list_revisions(ref: ModelRef, gateway: HubGateway, limit: int = RECENT_COMMITS) -> Revisions:
    """Branches, tags and the ``limit`` most recent commits of ``ref``'s revision."""
    if ref.is_local:
        raise HFBrowseError(f"{ref.display_name} is a local folder: revisions are the Hub's.")
    raw_refs = gateway.repo_refs(ref)
    raw_commits = gateway.repo_commits(ref)
    skipped = 0
    refs: list[GitRef] = []
    for kind, items in (
        ("branch", raw_refs.branches),
        ("tag", raw_refs.tags),
        ("convert", raw_refs.converts),
        ("pr", raw_refs.pull_requests or []),
    ):
        for item in items:
            if (found := _ref(item, kind)) is None:
                skipped += 1
            else:
                refs.append(found)
    commits: list[Commit] = []
    for item in raw_commits[:limit]:
        sha, title = getattr(item, "commit_id", None), getattr(item, "title", None)
        if not is_commit_sha(sha) or not isinstance(title, str):
            skipped += 1
            continue
        created = getattr(item, "created_at", None)
        authors = tuple(a for a in getattr(item, "authors", ()) or () if isinstance(a, str))
        date = created.isoformat() if hasattr(created, "isoformat") else str(created or "")
        commits.append(Commit(sha, " ".join(title.split()), date, authors))
    return Revisions(ref.id, tuple(refs), tuple(commits), skipped)
