"""git between the rig's bare repository and its origin: bounded fetches, fast-forward-only pushes.

A push never forces: git itself refuses a push that is not a fast-forward, and that refusal is a
result (``Pushed.kind == "rejected"``), not an exception. Into a local non-bare checkout whose
branch is checked out, the push asks the receiving side for git's ``updateInstead``: a clean
working tree is moved with the branch, a dirty one makes git refuse (``kind == "dirty"``), so the
person's uncommitted edits are never touched. Every line of git's that may reach the ledger or a
screen goes through ``git.redact`` first: a URL's ``user:password@`` is never shown or stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from . import git as g
from .git import GitError, check_branch, check_source, redact

FETCH_SECONDS = 20.0  # a fetch before slinging or stacking: offline must not stall the town
PUSH_SECONDS = 120.0
_UPDATE_INSTEAD = "git -c receive.denyCurrentBranch=updateInstead receive-pack"
# git's words for each way a push fails, in the order they are checked.
_KINDS = (
    ("dirty", ("working directory has unstaged changes", "working tree has", "updateinstead", "would be overwritten")),
    ("protected", ("protected branch", "gh006", "pre-receive hook declined", "hook declined")),
    ("rejected", ("non-fast-forward", "fetch first", "[rejected]", "stale info")),
    ("auth", ("authentication failed", "permission denied", "could not read username", "403", "401")),
    ("unreachable", ("could not resolve", "unable to access", "connection", "does not appear to be a git",
                     "not a git repository", "timed out", "took longer", "no such file")),
)  # fmt: skip


def local_path(url: str) -> Path | None:
    """The folder a local origin lives in (a path or ``file://`` URL), None for a network URL."""
    path = url[len("file://") :] if url.startswith("file://") else url
    if "://" in path or re.match(r"^[^/]+:", path):  # scheme://… or scp-like host:path
        return None
    folder = Path(path).expanduser()
    return folder if folder.is_dir() else None


@dataclass(frozen=True)
class Checkout:
    """Where a local origin has ``branch`` checked out, and what is uncommitted there."""

    worktree: Path
    dirty: tuple[str, ...]


def checkout_of(url: str, branch: str) -> Checkout | None:
    """The working tree of a local non-bare origin that has ``branch`` checked out (None otherwise)."""
    folder = local_path(url)
    if folder is None or g.git(["rev-parse", "--is-bare-repository"], folder, check=False) != "false":
        return None
    out = g.git(["worktree", "list", "--porcelain"], folder, check=False)
    for block in out.split("\n\n"):
        lines = dict(line.split(" ", 1) for line in block.splitlines() if " " in line)
        if lines.get("branch") == f"refs/heads/{branch}" and "worktree" in lines:
            tree = Path(lines["worktree"])
            # --no-optional-locks: never take the person's index lock (they may be running git right now)
            status = g.git(["--no-optional-locks", "status", "--porcelain", "--untracked-files=no"], tree, check=False)
            return Checkout(tree, tuple(line[3:] for line in status.splitlines() if line))
    return None


def fetch_branch(repo: Path, url: str, branch: str, into: str, timeout: float = FETCH_SECONDS) -> str | None:
    """Fetch ``branch`` of ``url`` into the private ref ``into``; its commit, None when origin has no
    such branch. GitError (its message redacted) when origin cannot be read."""
    check_source(url)
    spec = f"+refs/heads/{check_branch(branch)}:{into}"
    proc = g.run(["fetch", "--quiet", "--no-tags", "--no-write-fetch-head", "--", url, spec], repo, timeout)
    if proc.returncode != 0:
        text = proc.stderr.strip()
        if "couldn't find remote ref" in text.lower():
            return None
        raise GitError(f"fetch from origin failed: {redact(_reason(text, proc.returncode))}")
    return g.git(["rev-parse", "--verify", "--quiet", into], repo, check=False) or None


@dataclass(frozen=True)
class Pushed:
    """One push: done, or which way it failed (dirty, protected, rejected, auth, unreachable, error)
    and git's own line, redacted."""

    ok: bool
    kind: str = ""
    line: str = ""


def push(repo: Path, url: str, sha: str, branch: str, timeout: float = PUSH_SECONDS) -> Pushed:
    """Push commit ``sha`` to ``branch`` of ``url``: fast-forward only (no ``--force``, ever)."""
    check_source(url)
    ref = f"refs/heads/{check_branch(branch)}"
    args = ["push", "--quiet", "--porcelain"]
    if local_path(url) is not None:
        args.append(f"--receive-pack={_UPDATE_INSTEAD}")
    try:
        proc = g.run([*args, "--", url, f"{sha}:{ref}"], repo, timeout)
    except GitError as exc:  # timed out
        return Pushed(False, "unreachable", redact(exc.message))
    if proc.returncode == 0:
        return Pushed(True)
    text = f"{proc.stdout}\n{proc.stderr}"
    low = text.lower()
    kind, words = next(((k, words) for k, words in _KINDS if any(w in low for w in words)), ("error", ()))
    return Pushed(False, kind, redact(_reason(text, proc.returncode, words)))


def _reason(text: str, code: int, words: tuple[str, ...] = ()) -> str:
    """The line of git's output that says what went wrong: the origin's own error, else the ref's
    verdict (``--porcelain``'s ``!`` line, without the commit ids), else the line with the ``words``
    that named the failure (``Permission denied (publickey)``, not the ``fatal:`` line after it),
    else git's fatal/error line."""
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith(("To ", "Done"))]
    said = next((line[len("remote:") :].strip() for line in lines if re.match(r"remote:\s*(error|fatal)", line)), "")
    if said:
        return " ".join(said.split())
    verdict = next((line.split("\t")[-1] for line in lines if line.startswith("!") and "\t" in line), "")
    if verdict:
        return " ".join(verdict.replace("[", "").replace("]", "").split())
    named = next((line for line in lines if any(w in line.lower() for w in words)), "")
    found = named or next((line for line in lines if line.startswith(("fatal:", "error:"))), "")
    return " ".join(found.split()) if found else (lines[-1] if lines else f"exit {code}")
