"""``gt done``: a polecat hands its work over.

A deliberate difference from Gas Town, which closes the work bead at submission: the work bead is
NOT closed — the refinery closes it when the branch is merged, so a convoy lands only when its
work is really on the target branch. On ``--exit MERGED`` the work bead goes ``hooked`` →
``in_progress`` (assignee kept: it says who did the work) and its merge request is submitted to
the refinery (``refinery.submit``: one MR per bead). ``ESCALATED`` → ``blocked``
(assignee kept, someone must look at it); ``DEFERRED`` → ``open`` with no assignee (back in the
pool). In every case the hook is cleared (no bead ``hooked`` to the polecat any more) and the agent
bead says ``agent_state: done``: the witness never calls that a zombie — it kills a lingering
session and settles the polecat to ``idle``. The worktree's HEAD is detached from the branch (same
commit) so the refinery may rebase or delete the branch. When the merge request comes back (failed
gates, a conflict, a rejection), the witness puts the bead back on the polecat's hook, and its next
``gt done`` resubmits that same MR (``rework.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

from ... import addresses
from ...errors import Conflict, InvalidInput, NotFound
from .. import protocol, rework
from ..rigpaths import load_rig, rig_paths
from .naming import my_address, parse_address, set_agent
from .reader import hooked
from .records import WorkBead

if TYPE_CHECKING:
    from ...config import RigConfig
    from ...town import Town
    from ..rigpaths import RigPaths

# Work bead status after ``gt done`` per exit kind (see the module docstring).
DONE_STATUS = {"MERGED": "in_progress", "ESCALATED": "blocked", "DEFERRED": "open"}
EXIT_KINDS = tuple(DONE_STATUS)


class Done(TypedDict):
    """What ``gt done`` did (``--json``)."""

    bead: str
    exit: str
    mr: str | None
    branch: str
    commit: str
    status: str
    agent_bead: str
    messages: list[str]


def done(town: Town, exit_kind: str = "MERGED", address: str | None = None) -> Done:
    """Hand the polecat's work over (see the module docstring); the caller then ends the session."""
    from ...vcs import git  # here, not at the top: gt hook loads this package and reads the ledger only

    exit_kind = exit_kind.upper()
    if exit_kind not in EXIT_KINDS:
        raise InvalidInput(f"unknown exit {exit_kind!r}", "use one of: " + ", ".join(EXIT_KINDS))
    address = address or my_address()
    rig, name = parse_address(address)
    config = load_rig(town, rig)
    paths = rig_paths(town, rig)
    worktree = paths.polecat(name)
    bead = town.ledger.read(lambda s: hooked(s, address))
    if bead is None:
        raise NotFound(f"nothing on {address}'s hook", "gt done hands over hooked work; see gt hook")
    branch, commit = _finished_branch(paths, config, worktree) if exit_kind == "MERGED" else ("", "")
    result = town.ledger.write(
        "done", lambda tx: _record_done(tx, config, name, bead.id, exit_kind, branch, commit), actor=address
    )
    if branch:
        git.detach(worktree)
    return result


def _finished_branch(paths: RigPaths, config: RigConfig, worktree: Path) -> tuple[str, str]:
    """(branch, its tip) of committed work ahead of the default branch; Conflict if there is none."""
    from ...vcs import git

    dirty = git.dirty_paths(worktree)
    if dirty:
        shown = ", ".join(dirty[:5]) + (" …" if len(dirty) > 5 else "")
        raise Conflict(f"uncommitted changes in {worktree}: {shown}", "commit them (git add -A; git commit)")
    branch = git.current_branch(worktree) or ""
    if not branch or branch == config.default_branch:
        raise Conflict(f"{worktree} is not on a polecat branch", "commit on the branch gt sling made for you")
    commits = git.commits_between(paths.repo, config.default_branch, branch)
    if not commits:
        raise Conflict(
            f"no commits on {branch} ahead of {config.default_branch}",
            "commit your work, or use gt done --exit DEFERRED / ESCALATED",
        )
    return branch, commits[0][0]


def _record_done(tx, config: RigConfig, name: str, bead_id: str, exit_kind: str, branch: str, commit: str) -> Done:
    address = addresses.polecat(config.name, name)
    bead = WorkBead.from_row(tx.get(bead_id))
    if bead.status != "hooked" or bead.assignee != address:
        raise Conflict(f"{bead_id} is no longer on {address}'s hook", "see gt hook")
    mr_id = None
    if exit_kind == "MERGED":
        from .. import refinery  # the merge queue: only a submission loads it (gt hook loads this package)

        mr_id = refinery.submit(tx, config, name, bead_id, branch, commit)
    else:
        rework.give_up(tx, bead_id, exit_kind)
    status = DONE_STATUS[exit_kind]
    tx.update(bead_id, status=status, assignee=None if status == "open" else address)
    tx.event(bead_id, "done", "hooked", f"{exit_kind} {mr_id or ''}".strip())
    agent = set_agent(tx, config, name, agent_state="done", hook_bead="", exit_type=exit_kind, mr=mr_id)
    messages = _polecat_done_mail(tx, config, name, bead_id, exit_kind, mr_id, branch)
    return Done(bead=bead_id, exit=exit_kind, mr=mr_id, branch=branch, commit=commit, status=status,
                agent_bead=agent, messages=messages)  # fmt: skip


def _polecat_done_mail(
    tx, config: RigConfig, name: str, bead_id: str, exit_kind: str, mr_id: str | None, branch: str
) -> list[str]:
    message = protocol.PolecatDone(polecat=name, exit=exit_kind, issue=bead_id, mr=mr_id or "", branch=branch)
    return protocol.post(tx, message, sender=addresses.polecat(config.name, name), to=addresses.witness(config.name))
