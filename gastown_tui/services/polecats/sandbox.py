"""A polecat's sandbox: the worktree ``RIG/polecats/NAME`` on branch ``polecat/NAME/BEAD``. Kept when
the work is done and reused by the next sling (a fresh branch from the rig's default branch);
removed, with its branches, by a nuke. Every change holds the rig repository's lock.

git is imported where it is used: ``gt hook`` loads this package and must stay a ledger read.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from ...errors import Conflict
from ...ledger.ids import base36

if TYPE_CHECKING:
    from ...config import RigConfig
    from ..rigpaths import RigPaths


def new_branch_name(paths: RigPaths, name: str, bead_id: str) -> str:
    from ...vcs import git

    branch = f"polecat/{name}/{bead_id}"
    if git.branch_exists(paths.repo, branch):  # an earlier attempt's branch may still be queued
        branch += "@" + base36(int(time.time() * 1000))
    return branch


def prepare_sandbox(paths: RigPaths, config: RigConfig, name: str, branch: str) -> Path:
    """The polecat's worktree on a fresh ``branch`` from the default branch (reused when it exists)."""
    from ...vcs import git

    worktree = paths.polecat(name)
    with git.repo_lock(paths.repo):
        if git.is_worktree(worktree):
            git.worktree_reset(worktree, branch, config.default_branch)
            return worktree
        if worktree.exists():
            git.worktree_remove(paths.repo, worktree)
            if worktree.exists():
                raise Conflict(f"{worktree} exists and is not a worktree", "move it away, then sling again")
        paths.polecats.mkdir(exist_ok=True)
        git.worktree_add(paths.repo, worktree, branch, config.default_branch)
    return worktree


def restore_sandbox(paths: RigPaths, config: RigConfig, name: str, branch: str) -> Path:
    """The polecat's worktree as it is, or made again on ``branch`` (from the default branch when the
    branch is gone too): what a restart needs."""
    from ...vcs import git

    worktree = paths.polecat(name)
    with git.repo_lock(paths.repo):
        if not git.is_worktree(worktree):
            exists = git.branch_exists(paths.repo, branch)
            git.worktree_add(paths.repo, worktree, branch, None if exists else config.default_branch)
    return worktree


def remove_sandbox(paths: RigPaths, name: str) -> list[str]:
    """The worktree and every ``polecat/NAME/…`` branch gone; returns the branches deleted."""
    from ...vcs import git

    with git.repo_lock(paths.repo):
        git.worktree_remove(paths.repo, paths.polecat(name))
        return [b for b in git.branches(paths.repo, f"polecat/{name}/") if git.delete_branch(paths.repo, b)]
