"""Rework: a merge request that failed its gates, conflicted, or that a person rejected goes back
to the polecat that wrote it; the polecat fixes it and its next ``gt done`` resubmits the SAME MR.

This module says what failed and how the polecat is told (below polecats, which show it in
``gt prime``); ``sendback`` is the witness's part that wakes the polecat. Who wakes the polecat:
the witness, as in Gas Town (it handles MERGE_FAILED / REWORK_REQUEST for
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

from .refinery.records import ESCALATED_LABEL, SENT_BACK, SETTLED_LABEL

if TYPE_CHECKING:
    from ..config import RigConfig
    from .refinery.records import MergeRequest

__all__ = ["ESCALATED_LABEL", "SENT_BACK", "SETTLED_LABEL"]  # the witness's names for MR facts

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


# -- gt done gives up ---------------------------------------------------------------------------------


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
