"""The refinery's git: stack merge requests on the target in the refinery's own worktree,
list conflicts, and move the target branch only by compare-and-swap.

Stacking uses one merge commit per MR, in queue order, made in the bare repo with
``git merge-tree --write-tree`` (which is also the conflict pre-check: no worktree is touched);
worktrees only check a stack out to gate it. Why merges rather than rebases:

- the polecat's commits land unchanged, so "is this MR merged?" is a pure git question
  (``merge-base --is-ancestor SHA TARGET``) — which is what lets a refinery killed between
  moving the target and recording it in the ledger finish the job instead of merging twice;
- a conflict belongs to exactly one MR (the one being merged) and comes with its files;
- each merge commit names its MR, so ``git log --merges`` is the merge queue's history.

The worktree never holds a branch: the target branch lives in the bare repo and moves
only with ``git update-ref NEW OLD`` (fast-forward, compare-and-swap, with a reflog so
every commit the target ever pointed to can be audited).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Conflict, InvalidInput
from . import git as g
from .git import check_branch

# Merge commits are the refinery's own: a fixed identity, no signing prompt, no user config needed.
_IDENTITY = (
    "-c",
    "user.name=Gas Town Refinery",
    "-c",
    "user.email=refinery@gastown.invalid",
    "-c",
    "commit.gpgsign=false",
)
_SHA = re.compile(r"^[0-9a-f]{7,64}$")


@dataclass
class MergeOutcome:
    """One MR merged onto the stack (``commit`` is the new HEAD), or why not."""

    ok: bool
    commit: str = ""
    conflicts: list[str] = field(default_factory=list)
    error: str = ""


def check_sha(sha: str) -> str:
    if not _SHA.fullmatch(sha or ""):
        raise InvalidInput(f"bad commit id {sha!r}", "give a hex commit id (7 to 64 characters)")
    return sha


class MergeWorktree:
    """The refinery's worktree at ``path``, hanging off the rig's bare ``repo``."""

    def __init__(self, repo: Path, path: Path):
        self.repo = repo
        self.path = path

    # -- set-up -----------------------------------------------------------
    def ensure(self, start: str) -> None:
        """Create the worktree (detached at ``start``) unless it is already there.

        Call it holding the refinery's lease: lock files left in the worktree's own git folder
        by a refinery that was killed mid-command are removed (no one else uses that folder).
        """
        if g.is_worktree(self.path):
            for name in ("index.lock", "HEAD.lock"):
                (self.admin_dir / name).unlink(missing_ok=True)
            return
        if self.path.exists() and any(self.path.iterdir()):
            raise Conflict(f"{self.path} exists and is not a git worktree", "move it away; the refinery recreates it")
        g.git(["worktree", "prune"], self.repo)
        g.worktree_add_detached(self.repo, self.path, start)

    @property
    def admin_dir(self) -> Path:
        """The worktree's private git folder (``.repo.git/worktrees/NAME``): untouched by reset and clean."""
        return Path(g.git(["rev-parse", "--absolute-git-dir"], self.path))

    # -- reading ------------------------------------------------------------
    def resolve(self, rev: str) -> str | None:
        """The commit ``rev`` names, None if there is none."""
        sha = g.git(
            ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"], self.repo, check=False
        )
        return sha or None

    def branch_tip(self, branch: str) -> str | None:
        return self.resolve(f"refs/heads/{check_branch(branch)}")

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        return g.is_ancestor(self.repo, ancestor, descendant)

    def merge_commit_of(self, sha: str, target: str) -> str | None:
        """The merge commit on ``target`` that brought ``sha`` in (its second parent), if any."""
        out = g.git(["rev-list", "--merges", "--ancestry-path", "--parents", f"{sha}..{target}", "--"], self.repo)
        found = [line.split() for line in out.splitlines()]
        return next((parts[0] for parts in reversed(found) if sha in parts[2:]), None)

    def commits(self, base: str, head: str) -> list[dict[str, str]]:
        """Commits on ``head`` not on ``base``, newest first."""
        return [{"sha": sha, "subject": subject} for sha, subject in g.commits_between(self.repo, base, head)]

    def diffstat(self, base: str, head: str) -> dict[str, int]:
        """Files, insertions, deletions of ``head`` since it forked from ``base``."""
        out = g.git(["diff", "--numstat", f"{base}...{head}", "--"], self.repo)
        stat = {"files": 0, "insertions": 0, "deletions": 0}
        for line in out.splitlines():
            added, deleted, _ = line.split("\t", 2)
            stat["files"] += 1
            stat["insertions"] += int(added) if added.isdigit() else 0
            stat["deletions"] += int(deleted) if deleted.isdigit() else 0
        return stat

    def diff(self, base: str, head: str, three_dot: bool = True) -> str:
        spec = [f"{base}...{head}"] if three_dot else [base, head]
        return g.git(["diff", "--stat", "--patch", *spec, "--"], self.repo)

    def ref_history(self, branch: str) -> list[tuple[str, str, str]]:
        """Every commit ``branch`` pointed to (newest first), from the reflog the refinery keeps: the
        commit, its subject, and the reflog's message of why the branch moved there."""
        ref = f"refs/heads/{check_branch(branch)}"
        out = g.git(["log", "--walk-reflogs", "--format=%H%x00%s%x00%gs", ref, "--"], self.repo)
        return [(sha, subject, why) for sha, subject, why in (line.split("\0", 2) for line in out.splitlines() if line)]

    # -- stacking -----------------------------------------------------------
    def reset(self, sha: str) -> None:
        """A clean detached checkout of ``sha``: any edit or build output a gate left is dropped."""
        g.git(["checkout", "--quiet", "--force", "--detach", check_sha(sha)], self.path)
        g.git(["clean", "-ffdxq"], self.path)

    def stack(self, base: str, sha: str, message: str) -> MergeOutcome:
        """Merge ``sha`` onto ``base`` with a merge commit made in the bare repo (``git merge-tree
        --write-tree`` then ``commit-tree``: no worktree touched, so it is also the conflict pre-check).
        On conflict, the files; nothing is written but unreachable objects."""
        args = ["merge-tree", "--write-tree", "--name-only", "--no-messages", check_sha(base), check_sha(sha)]
        proc = g.run(args, self.repo)
        lines = proc.stdout.splitlines()
        if proc.returncode == 1 and lines:
            files = [line for line in lines[1:] if line]
            return MergeOutcome(False, conflicts=files, error=f"merge conflict in {', '.join(files) or '?'}")
        if proc.returncode != 0 or not lines:
            error = (proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1]
            return MergeOutcome(False, error=f"git merge-tree: {error}")
        commit = g.git([*_IDENTITY, "commit-tree", lines[0], "-p", base, "-p", sha, "-m", message], self.repo)
        return MergeOutcome(True, commit)

    # -- the one write to the target ------------------------------------------
    def advance(self, branch: str, new: str, old: str, message: str) -> bool:
        """Fast-forward ``branch`` from ``old`` to ``new``; False if it no longer points at ``old``."""
        ref = f"refs/heads/{check_branch(branch)}"
        if not self.is_ancestor(old, new):
            raise Conflict(f"{new[:10]} does not fast-forward {branch} from {old[:10]}")
        return g.ok(["update-ref", "--create-reflog", "-m", message, ref, check_sha(new), check_sha(old)], self.repo)
