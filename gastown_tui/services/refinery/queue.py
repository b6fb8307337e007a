"""The merge queue in the ledger: THE reader of it (``read_queue``, used by ``gt mq list``, the TUI,
the witness and the refinery's own passes), one MR by id or by its source bead, ``submit`` (what
``gt done`` adds), and ``set_state``, the one function that moves an MR from state to state."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ... import addresses
from ...errors import Conflict, GtError, InvalidInput
from ...fieldlines import parse_fields, with_fields
from .records import (
    ESCALATED_LABEL,
    ISSUE_TYPE,
    LABEL,
    SENT_BACK,
    SETTLED_LABEL,
    STATE_PREFIX,
    STATUS_OF,
    MergeRequest,
)
from .score import in_score_order

if TYPE_CHECKING:
    from ...config import RigConfig
    from ...town import Town
    from ...vcs.merge import MergeWorktree


_IS_MR = (
    f"(issue_type = '{ISSUE_TYPE}' OR EXISTS (SELECT 1 FROM gt_labels l WHERE l.issue_id = gt_issues.id"
    f" AND l.label = '{LABEL}'))"
)
_COLUMNS = "id, title, status, priority, created_at, description, metadata"


def read_queue(
    session,
    rig: str | None = None,
    *,
    include_closed: bool = False,
    states: Iterable[str] | None = None,
    labelled: str | None = None,
) -> list[MergeRequest]:
    """THE reader of the merge queue: ``gt mq list``, the TUI's queue pane, the witness and the
    refinery's passes all read it through here, in one order.

    The MRs (beads labelled ``gt:merge-request`` or typed ``merge-request``) of ``rig`` (every rig's
    with None), open beads only unless ``include_closed``, only those in ``states`` if given; in queue
    order, best score first, each with its ``score`` and its source bead's title and status; only those
    with the label ``labelled`` if given.
    ``session`` is any ledger session: a read of its own, or one the caller shares with other reads."""
    wanted = frozenset(states) if states is not None else None
    where, params = [_IS_MR], []
    if not include_closed:
        where.append("status <> 'closed'")
    if wanted is not None and "pending" not in wanted:  # pending is the absence of a label
        marks = ", ".join("?" * len(wanted))
        where.append(f"EXISTS (SELECT 1 FROM gt_labels s WHERE s.issue_id = gt_issues.id AND s.label IN ({marks}))")
        params += [STATE_PREFIX + state for state in sorted(wanted)]
    if labelled:
        where.append("EXISTS (SELECT 1 FROM gt_labels u WHERE u.issue_id = gt_issues.id AND u.label = ?)")
        params.append(labelled)
    rows = session.rows(f"SELECT {_COLUMNS} FROM gt_issues WHERE {' AND '.join(where)} ORDER BY created_at, id", params)
    labels = session.labels_for(r["id"] for r in rows)
    mrs = [MergeRequest.build(r, labels[r["id"]]) for r in rows]
    mrs = [m for m in mrs if (rig is None or m.rig == rig) and (wanted is None or m.state in wanted)]
    sources = session.get_many(m.source for m in mrs if m.source)
    mrs = [
        dataclasses.replace(m, source_title=sources[m.source]["title"], source_status=sources[m.source]["status"])
        if m.source in sources
        else m
        for m in mrs
    ]
    return in_score_order(session, mrs)


def get(session, mr_id: str) -> MergeRequest:
    """One MR by id; InvalidInput when the bead is something else, NotFound when there is none."""
    bead = session.get(mr_id)
    labels = session.labels(mr_id)
    if LABEL not in labels and bead["issue_type"] != ISSUE_TYPE:
        raise InvalidInput(f"{mr_id} is not a merge request", "list them with: gt mq list")
    return MergeRequest.build(bead, labels)


def for_source(session, bead_id: str, *, open_only: bool = False) -> MergeRequest | None:
    """The newest MR of the source bead ``bead_id`` (only an open one with ``open_only``), found by
    its ``source_issue`` field — by id, never by its title."""
    status = " AND status <> 'closed'" if open_only else ""
    rows = session.rows(
        f"SELECT {_COLUMNS} FROM gt_issues WHERE {_IS_MR} AND description LIKE ?{status}"
        " ORDER BY created_at DESC, id DESC",
        (f"%{bead_id}%",),  # a coarse filter (``_`` matches any character); the field decides
    )
    row = next((r for r in rows if parse_fields(r["description"]).get("source_issue") == bead_id), None)
    return MergeRequest.build(row, session.labels(row["id"])) if row else None


def open_for_source(session, bead_id: str) -> MergeRequest | None:
    """The bead's MR that is still open (waiting, being tested, or sent back), if any."""
    return for_source(session, bead_id, open_only=True)


def submit(tx, config: RigConfig, polecat: str, source_id: str, branch: str, commit: str) -> str:
    """``gt done``: the merge request of bead ``source_id`` for ``branch`` at ``commit``, in the
    caller's transaction; returns its id.

    One MR per bead: the bead's MR again when there is one to reuse (after a send-back it is the next
    attempt; the same commit again changes nothing — ``_resubmit``), else a new pending one.
    Its title is Gas Town's ``Merge: ID``; nothing looks it up by that title."""
    existing = _resubmit(tx, config, polecat, source_id, branch, commit)
    if existing:
        return existing
    bead = tx.get(source_id)
    description = with_fields(
        "",
        branch=branch,
        target=config.default_branch,
        source_issue=source_id,
        rig=config.name,
        commit_sha=commit,
        worker=addresses.polecat(config.name, polecat),
        agent_bead=addresses.agent_bead_id(config.prefix, config.name, "polecat", polecat),
    )
    return tx.create(
        f"Merge: {source_id}",
        prefix=config.prefix,
        issue_type=ISSUE_TYPE,
        labels=[LABEL],
        priority=bead["priority"],
        description=f"{description}\n\n{bead['title']}",
    )


def set_state(tx, mr_id: str, state: str, *, close_reason: str = "", **changes: Any) -> None:
    """THE one place an MR changes state (``changes`` are other bead columns to set with it).

    Writes the state — its one ``mr:`` label, which is all ``MergeRequest.build`` reads — and what
    beads' lifecycle and Gas Town expect beside it, never read back as the state: the bead status
    (``STATUS_OF``); for a closing state the ``close_reason`` column (``close_reason``, else the state)
    and Gas Town's ``close_reason`` description field, which leaves again when the MR reopens."""
    for label in tx.labels(mr_id):
        if label.startswith(STATE_PREFIX) and label != STATE_PREFIX + state:
            tx.remove_label(mr_id, label)
    tx.add_label(mr_id, STATE_PREFIX + state)
    status = STATUS_OF[state]
    closing = status == "closed"
    if closing:
        changes["close_reason"] = close_reason or state
    description = changes.get("description")
    if description is None:
        description = tx.get(mr_id)["description"] or ""
    if parse_fields(description).get("close_reason", "") != (state if closing else ""):
        changes["description"] = with_fields(description, close_reason=state if closing else None)
    tx.update(mr_id, status=status, **changes)


# -- gt mq list: the queue plus what git and rig.toml say ------------------------------------------


@dataclass(frozen=True)
class QueueRow:
    """One line of ``gt mq list``: the MR, and whether the refinery's next pass would take it."""

    mr: MergeRequest
    ready: bool
    local: bool = True  # False: its rig is not on this machine (an imported ledger's): read-only here

    def to_json(self) -> dict[str, object]:
        return {**self.mr.to_json(), "ready": self.ready, "local": self.local}


def queue_rows(town: Town, rig: str | None = None, *, include_closed: bool = False) -> list[QueueRow]:
    """``read_queue``, with each MR's readiness (its rig's merge policy) and, for an open MR the
    refinery has not measured yet, its diff stat from git. An unknown ``rig`` is an error."""
    from ..rigpaths import RIG_FILE, load_rig
    from .repo import measure, rig_repo, target_tip

    mrs = town.ledger.read(lambda s: read_queue(s, rig, include_closed=include_closed))
    if rig is not None and not mrs:
        load_rig(town, rig)  # an unknown rig is an error, not an empty queue
    repos: dict[str, tuple[RigConfig, MergeWorktree] | None] = {}
    rows = []
    for mr in mrs:
        if mr.rig not in repos:
            try:
                repos[mr.rig] = rig_repo(town, mr.rig)
            except GtError:
                repos[mr.rig] = None
        found = repos[mr.rig]
        ready = bool(found) and (mr.state == "approved" or (mr.state == "pending" and found[0].merge_policy == "auto"))
        if mr.diffstat is None and found and not mr.closed:
            config, repo = found
            mr = dataclasses.replace(mr, diffstat=measure(repo, mr, target_tip(repo, mr, config)))
        rows.append(QueueRow(mr, ready, (town.root / mr.rig / RIG_FILE).is_file()))
    return rows


def list_queue(town: Town, rig: str | None = None, *, include_closed: bool = False) -> list[dict[str, object]]:
    """``gt mq list --json``: ``queue_rows`` as JSON objects, in queue order.

    Keys: id, title, rig, branch, target, source_issue, worker, state, status, priority, score,
    retry_count, attempt, created_at, commit_sha, merge_commit, gates_ok, gates (name/ok/exit_code/
    timed_out/seconds), diffstat (files/insertions/deletions), ready (the next pass would take it).
    """
    return [row.to_json() for row in queue_rows(town, rig, include_closed=include_closed)]


def _resubmit(tx, config: RigConfig, name: str, bead_id: str, branch: str, commit: str) -> str | None:
    """``gt done`` on a bead that already has an MR: that MR again, updated (one MR per bead).
    ``submit`` calls it before making a new MR.

    None when there is none to reuse (first submission, or the last one merged or was superseded).
    Run twice on the same commit, it changes nothing; after a send-back it is the next attempt."""
    mr = for_source(tx, bead_id)
    if mr is None:
        return None
    if mr.state in ("merged", "superseded") or (mr.closed and mr.state not in (*SENT_BACK, "reworking")):
        return None  # done with, or closed by hand: a new MR
    if mr.state == "testing":
        raise Conflict(f"{mr.id} is being tested by the refinery", f"wait for its verdict: gt mq show {mr.id}")
    same = mr.get("commit_sha") == commit and mr.branch == branch
    if mr.state in ("pending", "approved") and same:
        return mr.id
    came_back = mr.state in (*SENT_BACK, "reworking")
    attempt = mr.attempt + (1 if came_back else 0)
    address = addresses.polecat(config.name, name)
    agent = addresses.agent_bead_id(config.prefix, config.name, "polecat", name)
    changes: dict[str, object] = {"branch": branch, "commit_sha": commit, "worker": address, "agent_bead": agent,
                                  "attempt": attempt}  # fmt: skip
    if came_back:
        changes["retry_count"] = mr.retries + 1
    tx.set_metadata(mr.id, failure=None, conflict_files=None, diffstat=None, gates=None, approved_by=None,
                    approved_at=None, batch=None)  # fmt: skip
    for label in (ESCALATED_LABEL, SETTLED_LABEL):
        tx.remove_label(mr.id, label)
    set_state(tx, mr.id, "pending", description=with_fields(mr.description, **changes), assignee=None)
    after = f" after {mr.state}" if came_back else ""
    tx.add_comment(mr.id, f"Attempt {attempt} submitted by {address}{after}: {commit[:10]} on {branch}")
    return mr.id
