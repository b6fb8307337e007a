"""A polecat's git for rework: its sandbox back on its merge request's branch, and that branch
rebased onto the target, with conflicts settled by a rule the caller gives (or not at all).

A rig's worktrees all hang off its bare repository, so the target branch (``main``) is a local
ref in every polecat's worktree: no fetch is needed before a rebase.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import git as g

# path, the target's side ("ours" while rebasing), the branch's side ("theirs"); either may be
# None (the file is missing on that side). Returns the settled text, or None to give up.
Resolver = Callable[[str, str | None, str | None], str | None]


@dataclass
class RebaseOutcome:
    ok: bool
    resolved: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    error: str = ""


def switch_to(repo: Path, worktree: Path, branch: str, start: str | None = None) -> None:
    """Put ``worktree`` on ``branch`` (made at ``start`` when it no longer exists), local changes dropped;
    the worktree is created when it is gone."""
    with g.repo_lock(repo):
        if not g.branch_exists(repo, g.check_branch(branch)):
            if not start:
                raise g.GitError(f"branch {branch} is gone and nothing says where it was")
            g.git(["branch", "--", branch, start], repo)
        if g.is_worktree(worktree):
            g.git(["checkout", "--quiet", "--force", branch, "--"], worktree)
            g.git(["clean", "-fdq"], worktree)
            return
        if worktree.exists():
            g.worktree_remove(repo, worktree)
        worktree.parent.mkdir(parents=True, exist_ok=True)
        g.worktree_add(repo, worktree, branch)


def conflicted(worktree: Path) -> list[str]:
    out = g.git(["diff", "--name-only", "--diff-filter=U"], worktree)
    return [line for line in out.splitlines() if line]


def _side(worktree: Path, stage: int, path: str) -> str | None:
    proc = g.run(["show", f":{stage}:{path}"], worktree)
    return proc.stdout if proc.returncode == 0 else None


def rebase(worktree: Path, onto: str, resolve: Resolver | None = None, max_steps: int = 100) -> RebaseOutcome:
    """Rebase the checked-out branch onto ``onto``. On a conflict, ``resolve`` settles each file (the
    rebase goes on); without it, or when it gives up, the rebase is aborted and the branch is as before."""
    g.check_branch(onto)
    proc = g.run(["rebase", "--quiet", onto], worktree)
    resolved: list[str] = []
    for _ in range(max_steps):
        if proc.returncode == 0:
            return RebaseOutcome(True, resolved)
        files = conflicted(worktree)
        if not files or resolve is None:
            return _abort(worktree, files, proc)
        for path in files:
            text = resolve(path, _side(worktree, 2, path), _side(worktree, 3, path))
            if text is None:
                return _abort(worktree, files, proc)
            (worktree / path).write_text(text, encoding="utf-8")
            g.git(["add", "--", path], worktree)
        resolved += files
        proc = g.run(["-c", "core.editor=true", "rebase", "--continue"], worktree)
    return _abort(worktree, conflicted(worktree), proc)


def _abort(worktree: Path, files: list[str], proc) -> RebaseOutcome:
    g.git(["rebase", "--abort"], worktree, check=False)
    lines = (proc.stdout + proc.stderr).strip().splitlines()
    return RebaseOutcome(False, conflicts=files, error=lines[-1] if lines else f"exit {proc.returncode}")


def both_sides(path: str, ours: str | None, theirs: str | None) -> str:
    """The simplest resolution: every line of the target's side, then the branch's lines it lacks."""
    lines = (ours or "").splitlines()
    lines += [line for line in (theirs or "").splitlines() if line not in lines]
    return "\n".join(lines) + "\n"
