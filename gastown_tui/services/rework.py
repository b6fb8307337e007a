"""Rework: a merge request that failed its gates, conflicted, or that a person rejected goes back
to the polecat that wrote it; the polecat fixes it and its next ``gt done`` resubmits the SAME MR.

Who wakes the polecat: the witness, as in Gas Town (it handles MERGE_FAILED / REWORK_REQUEST for
its polecats). The refinery only judges branches — it never writes code, starts sessions or
touches sandboxes — and its verdict is already in the ledger (the MR's ``mr:STATE`` label,
``failure`` and ``conflict_files`` metadata, the gate run). The witness already owns polecat
sessions (restarts under its rig lease), retry counters and escalations, so sending work back is
one more thing its patrol finds in the ledger: idempotent, and nothing is lost if mail is.

An MR's life with rework (states of ``refinery``)::

    testing ─▶ failed | rework ─┐                 ┌─▶ pending ─▶ … ─▶ merged
    (gt mq reject) rejected ────┴─▶ reworking ────┘
                     witness: bead back on the   gt done: same MR, attempt + 1
                     polecat's hook, session (re)started with a rework prompt

History stays on the MR bead: ``attempt: N`` (description field; 1 for the first submission),
``retry_count`` (+1 per resubmission: the queue's retry penalty), and a comment per verdict, per
send-back and per resubmission (each also an event). After ``max_rework`` send-backs (rig.toml)
the next failure is escalated instead (label ``escalated``), once.

A polecat with an MR waiting to be sent back gets no new work from sling, so its rework cannot
be starved by a busy convoy; one busy with other work is woken once it is free.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from .. import addresses
from ..errors import Conflict, GtError
from ..fieldlines import parse_fields, with_fields

if TYPE_CHECKING:
    from ..config import RigConfig
    from ..runtime.tmux import Tmux
    from ..town import Town
    from .polecats import Polecat, WorkBead
    from .refinery.records import MergeRequest

# MR states that send the work back, and the witness's name for each.
SENT_BACK = {"failed": "merge-failed", "rework": "merge-rework", "rejected": "merge-rejected"}
ESCALATED_LABEL = "escalated"  # the witness stopped sending it back and told a person
SETTLED_LABEL = "rework-none"  # nothing to rework: its source bead is closed or gone
TAIL_LINES = 30


@dataclass(frozen=True)
class SentBack:
    """An MR of this rig that came back and that the witness has not dealt with yet."""

    mr: str
    state: str
    worker: str
    source: str
    attempt: int
    source_status: str  # "" when the bead is gone

    @property
    def kind(self) -> str:
        return SENT_BACK[self.state]

    @property
    def source_open(self) -> bool:
        return self.source_status not in ("", "closed")


def sent_back(session, config: RigConfig) -> list[SentBack]:
    """MRs of this rig that failed, conflicted or were rejected, not yet sent back nor escalated
    (read through the refinery's queue reader), by id."""
    from .refinery.queue import read_queue

    mrs = read_queue(session, config.name, include_closed=True, states=SENT_BACK)
    out = [
        SentBack(
            mr=mr.id,
            state=mr.state,
            worker=mr.worker,
            source=mr.source,
            attempt=mr.attempt,
            source_status=mr.source_status,
        )  # fmt: skip
        for mr in mrs
        if ESCALATED_LABEL not in mr.labels and SETTLED_LABEL not in mr.labels
    ]
    return sorted(out, key=lambda back: back.mr)


def awaiting(session, config: RigConfig) -> set[str]:
    """Names of this rig's polecats with an MR waiting to be sent back to them (sling skips them)."""
    return {back.worker.rsplit("/", 1)[-1] for back in sent_back(session, config) if back.source_open}


@dataclass(frozen=True)
class Decision:
    back: SentBack
    action: str  # rework | escalate | settle | wait
    polecat: str = ""  # the polecat's name, for rework
    detail: str = ""


def plan(backs: list[SentBack], polecats: list[Polecat], config: RigConfig) -> list[Decision]:
    """What the witness does with each MR that came back (no side effects): at most one wake per polecat."""
    from .polecats import parse_address

    by_name = {p.name: p for p in polecats}
    woken: set[str] = set()
    out = []
    for back in backs:
        if not back.source_open:
            out.append(Decision(back, "settle", detail=f"{back.source or 'its bead'} is closed: nothing to rework"))
            continue
        try:
            rig, name = parse_address(back.worker)
        except GtError:
            rig, name = "", ""
        polecat = by_name.get(name) if rig == config.name else None
        if polecat is None or polecat.agent_state == "nuked":
            out.append(Decision(back, "escalate", detail=f"its polecat {back.worker or '(unknown)'} is gone"))
        elif back.source_status == "blocked":
            out.append(Decision(back, "escalate", detail=f"{back.source} is blocked: its polecat gave up on it "
                                "(gt done --exit ESCALATED), or someone blocked it"))  # fmt: skip
        elif back.attempt > config.max_rework:
            sent = back.attempt - 1
            out.append(Decision(back, "escalate", detail=f"came back {back.attempt} times; sent back {sent} "
                                f"time(s) already (max_rework = {config.max_rework})"))  # fmt: skip
        elif polecat.hook or polecat.agent_state == "spawning" or name in woken:
            out.append(Decision(back, "wait", name, "its polecat is busy"))
        else:
            woken.add(name)
            out.append(Decision(back, "rework", name, f"attempt {back.attempt} sent back to {back.worker}"))
    return out


# -- what failed, for the prompt, gt hook --json and gt prime ------------------------------------


class Brief(TypedDict):
    """What came back and why: ``gt hook --json``'s ``rework`` object, the prompt, ``gt prime``."""

    mr: str
    attempt: int
    kind: str  # tests | conflict | rejected | other
    error: str
    gate: str
    output: str  # the end of the failing gate's output
    conflict_files: list[str]
    by: str
    target: str
    branch: str


def brief(mr: MergeRequest) -> Brief:
    """What came back and why, from the refinery's record on the MR (failure, gate run, conflicts)."""
    from .refinery.records import Failure

    failure = mr.failure or Failure("")
    kind = failure.type or {"rework": "conflict", "rejected": "rejected"}.get(mr.state, "tests")
    gate, output = failure.gate, failure.output
    if kind not in ("conflict", "rejected") and not gate:
        failing = mr.gate_run.first_failure if mr.gate_run else None
        if failing:
            gate, output = failing.name, failing.output
    lines = [line for line in (output or "").splitlines() if line.strip()]
    return Brief(
        mr=mr.id,
        attempt=mr.attempt,
        kind=kind,
        error=failure.error,
        gate=gate,
        output="\n".join(lines[-TAIL_LINES:]),
        conflict_files=list(mr.conflict_files),
        by=failure.by,
        target=mr.get("target") or "main",
        branch=mr.branch,
    )


def summary(info: Brief) -> str:
    """One line: what failed, with the gate's name and the end of its output, the files, or the reason."""
    if info["kind"] == "conflict":
        files = ", ".join(info["conflict_files"]) or "(files not recorded)"
        return f"it conflicts with {info['target']} in {files}"
    if info["kind"] == "rejected":
        return f"{info['by'] or 'a reviewer'} rejected it: {info['error']}"
    if info["gate"]:
        tail = " ⏎ ".join(info["output"].splitlines()[-3:])[-300:]
        return f"gate {info['gate']!r} failed: {info['error']}" + (f"; its output ends: {tail}" if tail else "")
    return f"{info['kind']} failure: {info['error']}"


def prompt_note(info: Brief, limit: int) -> str:
    """What the start-up prompt of a woken polecat adds (one line: prompts travel as one argument)."""
    return (
        f"REWORK: your merge request {info['mr']} came back (attempt {info['attempt']}): {summary(info)}. "
        f"Rebase onto {info['target']}, fix it, commit, and run `gt done` to resubmit it "
        f"(attempt {info['attempt'] + 1} of {limit + 1}); `gt prime` has the details."
    )


def prime_lines(info: Brief, limit: int) -> list[str]:
    lines = [
        "",
        f"## REWORK — merge request {info['mr']} came back (attempt {info['attempt']} of at most {limit + 1})",
        f"What failed: {summary(info).split(';')[0]}",
    ]
    if info["error"] and info["kind"] not in ("conflict", "rejected"):
        lines.append(f"Error: {info['error']}")
    if info["output"]:
        lines += [f"Output of gate {info['gate']!r} (its end):"] + [
            "    " + line for line in info["output"].splitlines()
        ]
    target = info["target"]
    lines += [
        "",
        f"1. Rebase onto {target}: `git rebase {target}` (the rig's branches are in your worktree's repository;",
        "   no fetch needed). Resolve any conflict, `git add` it, `git rebase --continue`.",
        "2. Fix what failed, and commit.",
        f"3. `gt done` resubmits the same merge request {info['mr']} (attempt {info['attempt'] + 1}).",
    ]
    return lines


def for_bead(session, bead_id: str) -> Brief | None:
    """The brief of the bead's MR when it is being reworked (shown by gt hook and gt prime), else None."""
    from .refinery.queue import for_source

    mr = for_source(session, bead_id)
    return brief(mr) if mr and mr.state == "reworking" else None


# -- the witness sends it back -------------------------------------------------------------------


def wake(town: Town, config: RigConfig, name: str, mr_id: str, tmux: Tmux) -> str:
    """Put the MR's bead back on its polecat's hook, its sandbox back on the MR's branch, and (re)start
    its session with a prompt saying what failed. Returns what was done.

    The ledger goes first: if git or tmux fail afterwards, the polecat is hooked with no session,
    which the witness's next passes restart like any zombie (``gt prime`` still shows the rework)."""
    from ..vcs.rebase import switch_to
    from .polecats import start_session
    from .rigpaths import rig_paths

    claim = town.ledger.write("witness rework", lambda tx: _claim(tx, config, name, mr_id), actor=_witness(config))
    paths = rig_paths(town, config.name)
    switch_to(paths.repo, paths.polecat(name), claim.branch, claim.commit or None)
    note = prompt_note(claim.brief, config.max_rework)
    spec = claim.runtime or config.runtime
    session = start_session(tmux, town, config, name, claim.bead, spec, claim.branch, "rework", note=note)
    town.ledger.write("witness rework", lambda tx: _started(tx, config, name, session), actor=_witness(config))
    return summary(claim.brief)


def _witness(config: RigConfig) -> str:
    return addresses.witness(config.name)


@dataclass(frozen=True)
class _Claim:
    """What the witness's write hands to the git and tmux steps of ``wake``."""

    bead: WorkBead
    brief: Brief
    branch: str
    commit: str
    runtime: str


def _claim(tx, config: RigConfig, name: str, mr_id: str) -> _Claim:
    from .polecats import WorkBead, agent_id, hooked, set_agent
    from .refinery.queue import get, set_state

    mr = get(tx, mr_id)
    if mr.state not in SENT_BACK or ESCALATED_LABEL in mr.labels or SETTLED_LABEL in mr.labels:
        raise Conflict(f"{mr_id} is {mr.state} now, not waiting to be sent back")
    address = addresses.polecat(config.name, name)
    busy = hooked(tx, address)
    if busy:
        raise Conflict(f"{address} took {busy.id} meanwhile")
    bead = tx.get(mr.source)
    if bead["status"] == "closed":
        raise Conflict(f"{mr.source} was closed meanwhile")
    info = brief(mr)
    tx.update(mr.source, status="hooked", assignee=address)
    tx.event(mr.source, "rework", bead["status"], f"{mr_id} attempt {mr.attempt}")
    set_state(tx, mr_id, "reworking", assignee=address)
    tx.add_comment(mr_id, f"Attempt {mr.attempt} sent back to {address} for rework: {summary(info)}")
    agent = tx.find(agent_id(config, name))
    runtime = parse_fields(agent["description"]).get("runtime", "") if agent else ""
    fresh = {"restarts": 0, "nudges": 0, "escalated": None, "exit_type": None}
    set_agent(tx, config, name, agent_state="spawning", hook_bead=mr.source, mr=mr_id, branch=mr.branch, **fresh)
    return _Claim(WorkBead.from_row(tx.get(mr.source)), info, mr.branch, mr.commit_sha, runtime)


def _started(tx, config: RigConfig, name: str, session: str) -> None:
    from .polecats import set_agent

    set_agent(tx, config, name, agent_state="working", session=session)


# -- gt done resubmits (or gives up) ------------------------------------------------------------------


def give_up(tx, bead_id: str, exit_kind: str) -> None:
    """``gt done --exit ESCALATED|DEFERRED`` during rework: the MR does not stay ``reworking`` with
    nobody on it. ESCALATED puts it back to its verdict, which the witness escalates (its bead is
    blocked now); DEFERRED retires it (superseded), as its bead goes back to the pool for a new start."""
    from .refinery.queue import for_source, set_state

    mr = for_source(tx, bead_id)
    if mr is None or mr.state != "reworking":
        return
    if exit_kind == "DEFERRED":
        set_state(tx, mr.id, "superseded", close_reason="superseded: rework deferred, its bead is back in the pool",
                   assignee=None)  # fmt: skip
    else:
        verdict = {"conflict": "rework", "rejected": "rejected"}.get(brief(mr)["kind"], "failed")
        set_state(tx, mr.id, verdict, assignee=None)
    tx.add_comment(mr.id, f"Attempt {mr.attempt}: its polecat gave the rework up (gt done --exit {exit_kind})")


def resubmit(tx, config: RigConfig, name: str, bead_id: str, branch: str, commit: str) -> str | None:
    """``gt done`` on a bead that already has an MR: that MR again, updated (one MR per bead).
    ``refinery.submit`` calls it before making a new MR.

    None when there is none to reuse (first submission, or the last one merged or was superseded).
    Run twice on the same commit, it changes nothing; after a send-back it is the next attempt."""
    from .refinery.queue import for_source, set_state

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
