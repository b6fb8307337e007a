"""A rig's configuration and the refinery's worktree of its repository, and what git says of an MR."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from ...errors import GtError
from .records import Diffstat, MergeRequest

if TYPE_CHECKING:
    from ...config import RigConfig
    from ...town import Town
    from ...vcs.merge import MergeWorktree


def rig_repo(town: Town, rig: str) -> tuple[RigConfig, MergeWorktree]:
    from ...vcs.merge import MergeWorktree
    from ..rigpaths import load_rig, rig_paths

    config = load_rig(town, rig)
    paths = rig_paths(town, rig)
    return config, MergeWorktree(paths.repo, paths.refinery)


def gate_worktree(repo: MergeWorktree, slot: int) -> MergeWorktree:
    """Gate worktree ``slot`` (1, 2, …) beside the refinery's own (slot 0): ``TOWN/RIG/.refinery-gates/N``."""
    from ...vcs.merge import MergeWorktree

    return MergeWorktree(repo.repo, repo.path.parent / ".refinery-gates" / str(slot))


def commit_of(repo: MergeWorktree, mr: MergeRequest) -> str | None:
    """The commit to merge: the one submitted (``commit_sha``), else the branch's tip."""
    from ...vcs.merge import check_sha

    sha = mr.commit_sha
    return repo.resolve(check_sha(sha)) if sha else repo.branch_tip(mr.branch)


def target_tip(repo: MergeWorktree, mr: MergeRequest, config: RigConfig) -> str | None:
    return repo.resolve(f"refs/heads/{mr.target(config.default_branch)}")


def measure(repo: MergeWorktree, mr: MergeRequest, tip: str | None) -> Diffstat | None:
    """The MR's diff stat against ``tip`` (None when git cannot tell)."""
    with contextlib.suppress(GtError):
        sha = commit_of(repo, mr)
        if sha and tip:
            return Diffstat.from_json(repo.diffstat(tip, sha))
    return None
