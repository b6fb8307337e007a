"""git, driven with plain ``git`` argument lists (never a shell).

The hot paths (worktrees, branches, commit listings) are short ``git`` processes: cheap,
leak-free in long-running daemons, and every user-supplied value is one argv element.
A rig keeps a bare clone (``.repo.git``); polecat and refinery worktrees hang off it, so
every branch a polecat commits to is immediately visible to the refinery.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import os
import re
import subprocess
from collections.abc import Iterator, Sequence
from pathlib import Path

from ..errors import GtError, InvalidInput

_USERINFO = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)[^/@\s]+@", re.IGNORECASE)

# No prompts for credentials, and no transport that runs commands (ext::).
_BASE = ["git", "-c", "protocol.ext.allow=never", "-c", "core.hooksPath=/dev/null"]
_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "", "SSH_ASKPASS": "", "LC_ALL": "C"}


class GitError(GtError):
    """A git command failed."""


def redact(text: str) -> str:
    """``text`` with the credentials of any URL in it removed (``https://tok@host`` → ``https://host``):
    what git says may quote a URL, and nothing here shows or stores a credential."""
    return _USERINFO.sub(r"\g<scheme>", text or "")


def must_exist(folder: str | Path) -> Path:
    """``folder``, or a GitError saying it is missing (not errno's bare text, nor "git is not installed")."""
    folder = Path(folder)
    if not folder.is_dir():
        raise GitError(
            f"{folder} is missing",
            "a rig's clone or worktree was moved or deleted: put it back, or remove the rig and add it again "
            "(gt rig remove NAME, gt rig add NAME SOURCE)",
        )
    return folder


def run(args: Sequence[str], cwd: str | Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run ``git ARGS`` in ``cwd`` and return the finished process, whatever its exit code."""
    if cwd is not None:
        must_exist(cwd)
    try:
        return subprocess.run(
            [*_BASE, *args],
            cwd=str(cwd) if cwd else None,
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, **_ENV},
        )
    except FileNotFoundError:
        raise GitError("git is not installed", "install git 2.30 or newer") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"git {args[0]} took longer than {timeout:.0f}s", "check the repository and network") from None


def git(args: Sequence[str], cwd: str | Path | None = None, timeout: float = 300, check: bool = True) -> str:
    """Run ``git ARGS`` in ``cwd``; its stdout (stripped of the final newline)."""
    proc = run(args, cwd, timeout)
    if check and proc.returncode != 0:
        detail = (proc.stderr.strip() or proc.stdout.strip()).splitlines()
        # git's first "fatal:" line says what is wrong; later lines are often generic advice.
        reason = next((line for line in detail if line.startswith(("fatal:", "error:"))), detail[-1] if detail else "")
        raise GitError(f"git {args[0]} failed: {redact(reason) or 'exit ' + str(proc.returncode)}")
    return proc.stdout.rstrip("\n")


def ok(args: Sequence[str], cwd: str | Path | None = None) -> bool:
    """Did ``git ARGS`` succeed?"""
    try:
        git(args, cwd)
    except GitError:
        return False
    return True


def check_source(source: str) -> str:
    """A clone source must not be mistaken for an option."""
    if not source or source.startswith("-") or "\n" in source:
        raise InvalidInput(f"bad repository source {source!r}", "give a git URL or a path to a local repository")
    return source


def remote_head(source: str) -> str | None:
    """The default branch SOURCE advertises (None for an empty repository); GitError if not a repository."""
    check_source(source)
    try:
        out = git(["ls-remote", "--symref", "--", source, "HEAD"], timeout=60)
    except GitError as exc:
        raise GitError(f"{redact(source)} is not a git repository I can read", str(exc.message)) from None
    for line in out.splitlines():
        if line.startswith("ref: ") and line.endswith("\tHEAD"):
            return line[len("ref: refs/heads/") : -len("\tHEAD")]
    return None


MAINLINES = ("main", "master", "trunk")


def mainline(source: str, advertised: str | None) -> str | None:
    """The branch landed work should target in SOURCE. A remote's advertised HEAD is its default; a
    local checkout advertises whatever is checked out, so one on a feature branch gives its own
    origin's default branch, else the first of ``MAINLINES`` it has, else what it has checked out."""
    repo = Path(source)
    if not advertised or advertised in MAINLINES or not repo.is_dir():
        return advertised
    origin_head = git(["symbolic-ref", "--quiet", "refs/remotes/origin/HEAD"], repo, check=False)
    candidates = [origin_head.removeprefix("refs/remotes/origin/")] if origin_head else []
    for name in [*candidates, *MAINLINES]:
        if name and branch_exists(repo, name):
            return name
    return advertised


def clone_bare(source: str, dest: Path) -> None:
    git(["clone", "--bare", "--quiet", "--", check_source(source), str(dest)], timeout=900)


def branch_exists(repo: Path, branch: str) -> bool:
    return ok(["rev-parse", "--verify", "--quiet", f"refs/heads/{branch}"], repo)


def current_branch(worktree: Path) -> str | None:
    """The checked-out branch, None when HEAD is detached."""
    name = git(["symbolic-ref", "--quiet", "--short", "HEAD"], worktree, check=False)
    return name or None


def check_branch(name: str) -> str:
    """A branch name git accepts, that cannot be mistaken for an option."""
    if not name or name.startswith("-") or not _ref_format_ok(f"refs/heads/{name}"):
        raise InvalidInput(f"bad branch name {name!r}", "use a plain branch name such as main")
    return name


@functools.lru_cache(maxsize=256)
def _ref_format_ok(ref: str) -> bool:
    """git's verdict on a ref name, asked once per name: the daemon validates its rigs' branches on
    every read of their rig.toml, and the verdict depends on the name alone."""
    return ok(["check-ref-format", ref])


@contextlib.contextmanager
def repo_lock(repo: Path) -> Iterator[None]:
    """Serialise worktree changes on one repository across processes (git races on its worktree list)."""
    with open(must_exist(repo) / "gt-worktrees.lock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def worktree_add(repo: Path, path: Path, branch: str, start: str | None = None) -> None:
    """A worktree at ``path`` on ``branch``: a new branch made from ``start``, or the existing one."""
    if start is None:
        git(["worktree", "add", "--quiet", str(path), branch], repo)
    else:
        git(["worktree", "add", "--quiet", "-b", branch, str(path), start], repo)


def worktree_add_detached(repo: Path, path: Path, start: str) -> None:
    git(["worktree", "add", "--quiet", "--detach", str(path), start], repo)


def worktree_reset(worktree: Path, branch: str, start: str) -> None:
    """Reuse a sandbox: a fresh ``branch`` at ``start``, local changes and untracked files dropped."""
    git(["checkout", "--quiet", "--force", "-B", branch, start], worktree)
    git(["clean", "-fdq"], worktree)


def worktree_remove(repo: Path, path: Path) -> None:
    git(["worktree", "remove", "--force", "--force", str(path)], repo, check=False)
    git(["worktree", "prune"], repo, check=False)


def is_worktree(path: Path) -> bool:
    return (path / ".git").exists() and ok(["rev-parse", "--is-inside-work-tree"], path)


def detach(worktree: Path) -> None:
    """Leave the branch (HEAD stays on its commit) so others may move or delete it."""
    git(["checkout", "--quiet", "--detach"], worktree)


def delete_branch(repo: Path, branch: str) -> bool:
    return ok(["branch", "-D", "--", branch], repo)


def branches(repo: Path, pattern: str) -> list[str]:
    out = git(["for-each-ref", "--format=%(refname:short)", f"refs/heads/{pattern}"], repo)
    return [line for line in out.splitlines() if line]


def dirty_paths(worktree: Path) -> list[str]:
    """Uncommitted changes (tracked or untracked), as ``git status --porcelain`` paths."""
    out = git(["status", "--porcelain", "--untracked-files=all"], worktree)
    return [line[3:] for line in out.splitlines() if line]


def commits_between(repo: Path, base: str, head: str) -> list[tuple[str, str]]:
    """``(sha, subject)`` of the commits on ``head`` that are not on ``base``, newest first."""
    out = git(["log", "--format=%H%x00%s", f"{base}..{head}", "--"], repo)
    return [tuple(line.split("\x00", 1)) for line in out.splitlines() if line]  # type: ignore[misc]


def is_ancestor(repo: Path, ancestor: str, descendant: str) -> bool:
    if _SHA.fullmatch(ancestor) and _SHA.fullmatch(descendant):
        try:
            return _commit_is_ancestor(str(repo), ancestor, descendant)
        except _Unknown:
            return False
    return ok(["merge-base", "--is-ancestor", ancestor, descendant], repo)


_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")


class _Unknown(Exception):
    """git could not tell (a commit it does not have yet): not an answer to remember."""


@functools.lru_cache(maxsize=1024)
def _commit_is_ancestor(repo: str, ancestor: str, descendant: str) -> bool:
    """Between two commits named by their full ids the answer never changes (a commit's history is
    fixed), so git is asked once: the refinery asks it on every pass, idle or not."""
    code = run(["merge-base", "--is-ancestor", ancestor, descendant], repo).returncode
    if code not in (0, 1):
        raise _Unknown
    return code == 0


def commit_all(worktree: Path, message: str) -> str | None:
    """Stage everything and commit; the new sha, or None when there was nothing to commit."""
    git(["add", "-A"], worktree)
    if not git(["diff", "--cached", "--name-only"], worktree):
        return None
    git(["commit", "--quiet", "--no-verify", "-m", message], worktree)
    return git(["rev-parse", "HEAD"], worktree)
