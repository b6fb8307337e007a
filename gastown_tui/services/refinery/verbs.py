"""The town-level verbs of the merge queue (``gt mq …`` and the TUI's keys): each owns its transaction.

approve, reject and retry move an MR (see ``queue.set_state``); show, diff and target_log read.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from typing import TYPE_CHECKING

from ...errors import Conflict, GtError, InvalidInput, NotFound
from ...fieldlines import with_fields
from ...ledger import default_actor
from .pushstate import gated_joins
from .queue import get, read_queue, set_state
from .records import CLOSED_STATES, ESCALATED_LABEL, ORIGIN_MOVED, Diffstat, Failure, MergeRequest
from .render import Commit, Details
from .repo import commit_of, rig_repo, target_tip
from .score import in_score_order
from .verdicts import tell_polecat

if TYPE_CHECKING:
    from ...town import Town

NEXT_STEP = {
    "failed": "fix the branch, then: gt mq retry MR",
    "rework": "rebase the branch, then: gt mq retry MR",
    "reworking": "its polecat is fixing it; its next gt done puts it back in the queue",
    "merged": "nothing left to do",
}


def approve(town: Town, mr_id: str) -> MergeRequest:
    """Let a pending MR into the queue (merge_policy approve). Approving twice is harmless."""

    def apply(tx) -> MergeRequest:
        mr = get(tx, mr_id)
        if mr.state in ("approved", "testing"):
            return mr
        if mr.state != "pending":
            raise Conflict(f"{mr_id} is {mr.state}, not waiting for approval", NEXT_STEP.get(mr.state, ""))
        if mr.closed:
            raise Conflict(f"{mr_id} is closed, not waiting for approval", f"reopen it first: gt bead reopen {mr_id}")
        tx.set_metadata(mr_id, approved_by=tx.actor, approved_at=tx.stamp)
        set_state(tx, mr_id, "approved")
        return get(tx, mr_id)

    return town.ledger.write("mq approve", apply, actor=default_actor())


def reject(town: Town, mr_id: str, reason: str) -> MergeRequest:
    """Close an MR unmerged; its polecat gets MERGE_FAILED with the reason, and the witness sends the
    work back to it with that reason (``rework.py``). The source bead stays open: close it to stop there."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidInput("a rejection needs a reason", 'say why with --reason "…"')

    def apply(tx) -> MergeRequest:
        mr = get(tx, mr_id)
        if mr.state == "testing":
            raise Conflict(f"{mr_id} is in a batch being tested", "wait for the batch to end (gt mq show), then reject")
        if mr.state in CLOSED_STATES or mr.closed:
            raise Conflict(f"{mr_id} is already {mr.state if mr.state in CLOSED_STATES else 'closed'}")
        failure = Failure("rejected", reason, tx.stamp, by=tx.actor)
        tx.set_metadata(mr_id, failure=failure.to_json())
        set_state(tx, mr_id, "rejected", close_reason=f"rejected: {reason}")
        tx.add_comment(mr_id, f"Attempt {mr.attempt}: rejected by {tx.actor}: {reason}")
        tell_polecat(tx, mr, "other", f"rejected by {tx.actor}: {reason}", "")
        return get(tx, mr_id)

    return town.ledger.write("mq reject", apply, actor=default_actor())


def retry(town: Town, mr_id: str) -> MergeRequest:
    """Put a failed or rework MR back in the queue, at its branch's current tip.

    Retrying is an overseer's decision, so it counts as approval; each retry lowers the
    MR's score (Gas Town's retry penalty).
    """
    mr = town.ledger.read(lambda s: get(s, mr_id))
    tip = None
    with contextlib.suppress(GtError):
        tip = rig_repo(town, mr.rig)[1].branch_tip(mr.branch)

    def apply(tx) -> MergeRequest:
        current = get(tx, mr_id)
        if current.state not in ("failed", "rework"):
            raise Conflict(f"{mr_id} is {current.state}; only failed or rework MRs can be retried")
        desc = with_fields(current.description, retry_count=current.retries + 1, commit_sha=tip or None)
        tx.set_metadata(
            mr_id, approved_by=tx.actor, approved_at=tx.stamp, failure=None, conflict_files=None, diffstat=None
        )
        tx.remove_label(mr_id, ESCALATED_LABEL)  # a failure after this retry is news again
        set_state(tx, mr_id, "approved", description=desc, assignee=None)
        return get(tx, mr_id)

    return town.ledger.write("mq retry", apply, actor=default_actor())


# -- reading one MR --------------------------------------------------------------------------------


def details(town: Town, mr_id: str, now: dt.datetime | None = None) -> Details:
    """One MR with its comments, the commits it brings, its place and score (at ``now``) and (when not
    recorded yet) its diff stat."""

    def read(s) -> tuple[MergeRequest, list, int]:
        mr = in_score_order(s, [get(s, mr_id)], now)[0]
        queue = [m.id for m in read_queue(s, mr.rig)] if mr.rig else []
        return mr, s.comments(mr_id), queue.index(mr_id) + 1 if mr_id in queue else 0

    mr, comments, position = town.ledger.read(read)
    commits: tuple[Commit, ...] = ()
    starve_after = 0
    with contextlib.suppress(GtError):
        config, repo = rig_repo(town, mr.rig)
        starve_after = config.starvation_passes
        sha = commit_of(repo, mr)
        tip = target_tip(repo, mr, config)
        if sha and tip:
            base = f"{mr.merge_commit}^1" if mr.state == "merged" and mr.merge_commit else tip
            commits = tuple(Commit(c["sha"], c["subject"]) for c in repo.commits(base, sha))
            if mr.diffstat is None:
                mr = dataclasses.replace(mr, diffstat=Diffstat.from_json(repo.diffstat(tip, sha)))
    return Details(mr, tuple(comments), commits, position, starve_after)


def show(town: Town, mr_id: str) -> dict[str, object]:
    """``gt mq show --json``: ``details(...).to_json()``."""
    return details(town, mr_id).to_json()


def diff(town: Town, mr_id: str) -> str:
    """The MR's patch with a stat header: against its target (or, once merged, what its merge brought in)."""
    mr = town.ledger.read(lambda s: get(s, mr_id))
    config, repo = rig_repo(town, mr.rig)
    if mr.state == "merged" and mr.merge_commit and repo.resolve(mr.merge_commit):
        return repo.diff(f"{mr.merge_commit}^1", mr.merge_commit, three_dot=False)
    sha = commit_of(repo, mr)
    tip = target_tip(repo, mr, config)
    if not sha:
        raise NotFound(
            f"{mr_id}: commit of branch {mr.branch!r} is not in the rig's repository", "ask the polecat to push it"
        )
    if not tip:
        raise NotFound(f"{mr_id}: target branch {mr.target(config.default_branch)!r} does not exist")
    return repo.diff(tip, sha)


def target_log(town: Town, rig: str) -> list[dict[str, object]]:
    """Every commit the rig's target branch pointed to, newest first (its reflog), each ``gated`` when
    the ledger holds a green gate run on that very commit: the audit that it only ever moved to
    commits whose gates passed. ``from_origin``: commits a person pushed to the origin, taken in as
    they are (theirs, not the refinery's to gate)."""
    config, repo = rig_repo(town, rig)
    mrs = town.ledger.read(lambda s: read_queue(s, rig, include_closed=True))
    green = {r.commit for m in mrs for r in m.runs if r.ok}
    green |= {m.gate_run.commit for m in mrs if m.gate_run and m.gate_run.ok}
    green |= town.ledger.read(lambda s: gated_joins(s, town, rig))
    history = repo.ref_history(config.default_branch)
    return [
        {"commit": sha, "subject": subject, "gated": sha in green, "from_origin": why.startswith(ORIGIN_MOVED)}
        for sha, subject, why in history
    ]
