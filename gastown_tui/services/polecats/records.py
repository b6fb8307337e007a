"""The records polecats travel as: a ``Polecat`` (its agent bead, the bead on its hook and its tmux
session, with the state they add up to) and a ``WorkBead`` (work as a polecat sees it).

``build`` is the one place a ``Polecat`` is made (``restate`` re-makes one with other liveness) and
its state decided, so ``gt polecat list``, the witness, dispatch, sling and the TUI agree on it:

- a hook and a live session: ``waiting`` when the agent (or the screen rules) said it waits for a
  person; else ``working``, or ``stalled`` once neither its output (tmux's activity, the witness's
  pane hash) nor its reported state changed for ``stall_after`` seconds;
- a hook and no session: ``spawning`` while a fresh sling is within ``SPAWN_GRACE``, else ``zombie``;
- no hook: ``nuked`` (agent_state says so), ``done`` (gt done ran, its session lingers), else ``idle``.

No ledger, tmux or git here: the reader (``reader.py``) feeds it rows and the tmux activity map.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ... import addresses
from ...display import JsonObject
from ...ledger.fields import parse_stamp
from ..agent_state import Report

# A sling has this long to start its session before the witness may treat it as a zombie.
SPAWN_GRACE = 60.0
STATES = ("working", "waiting", "stalled", "zombie", "spawning", "done", "idle", "nuked")


@dataclass(frozen=True)
class WorkBead:
    """A bead as a polecat works on it: slung, on its hook, named in its prompt."""

    id: str
    title: str
    issue_type: str
    priority: int
    status: str
    assignee: str | None = None
    description: str = ""
    acceptance_criteria: str = ""

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> WorkBead:
        """From a ledger row (``tx.get``, ``SELECT *``); the columns a polecat needs, as stored."""
        return cls(
            id=row["id"],
            title=row["title"],
            issue_type=row["issue_type"],
            priority=row["priority"],
            status=row["status"],
            assignee=row.get("assignee"),
            description=row.get("description") or "",
            acceptance_criteria=row.get("acceptance_criteria") or "",
        )


@dataclass(frozen=True)
class Polecat:
    """One polecat as the ledger and tmux see it right now (made by ``build`` only)."""

    rig: str
    name: str
    agent_id: str
    # The agent bead's description fields: agent_state, hook_bead, branch, runtime, mr, restarts…
    fields: Mapping[str, str] = field(hash=False)
    hook: WorkBead | None
    updated_at: str
    state: str  # one of STATES
    last_activity: int | None  # epoch of the session's last output; None when it has no live session

    @property
    def address(self) -> str:
        return addresses.polecat(self.rig, self.name)

    @property
    def session(self) -> str:
        return addresses.session_name(self.rig, self.name)

    @property
    def session_alive(self) -> bool:
        return self.last_activity is not None

    @property
    def agent_state(self) -> str:
        """What the agent bead says (spawning, working, done, nuked…); ``state`` is what that adds up to."""
        return self.fields.get("agent_state", "") or "idle"

    @property
    def report(self) -> Report | None:
        """What the agent last said it was doing (``gt agent state``, its hooks, the screen rules)."""
        return Report.from_fields(self.fields)

    @property
    def waiting(self) -> Report | None:
        """The report of a polecat waiting for a person (its question in ``reason``), else None."""
        return self.report if self.state == "waiting" else None

    @property
    def hook_bead(self) -> str:
        return self.hook.id if self.hook else ""

    @property
    def branch(self) -> str:
        return self.fields.get("branch", "")

    @property
    def runtime(self) -> str:
        return self.fields.get("runtime", "")

    @property
    def mr(self) -> str:
        return self.fields.get("mr", "")

    def to_json(self, worktree: Path) -> JsonObject:
        """One row of ``gt polecat list --json`` (and ``gt rig show --json``)."""
        return {
            "rig": self.rig,
            "name": self.name,
            "address": self.address,
            "agent_bead": self.agent_id,
            "state": self.state,
            "agent_state": self.agent_state,
            "hook_bead": self.hook_bead,
            "hook_title": self.hook.title if self.hook else "",
            "session": self.session,
            "session_alive": self.session_alive,
            "last_activity": self.last_activity,
            "branch": self.branch,
            "runtime": self.runtime,
            "worktree": str(worktree),
            "mr": self.mr,
            **_reported_json(self.report),
        }


def build(
    rig: str,
    name: str,
    agent_id: str,
    agent_fields: Mapping[str, str],
    updated_at: str,
    hook: WorkBead | None,
    live: Mapping[str, int],
    now: float,
    stall_after: float,
) -> Polecat:
    """The polecat whose agent bead is ``agent_id`` (its description ``agent_fields``, last written at
    ``updated_at``), given the tmux ``live`` map (``{session: epoch of its last output}``,
    ``Tmux.activity()``), ``now`` (an epoch) and the rig's ``stall_after``."""
    last = live.get(addresses.session_name(rig, name))
    agent_state = agent_fields.get("agent_state", "") or "idle"
    report = Report.from_fields(agent_fields)
    return Polecat(
        rig=rig,
        name=name,
        agent_id=agent_id,
        fields=dict(agent_fields),
        hook=hook,
        updated_at=updated_at,
        state=_state(hook is not None, agent_state, last, report, updated_at, now, stall_after),
        last_activity=last,
    )


def restate(polecat: Polecat, live: Mapping[str, int], now: float, stall_after: float) -> Polecat:
    """The same polecat (same ledger facts) seen with another tmux activity map or at another time:
    for a view that polls tmux more often than it reads the ledger (the TUI's town view)."""
    p = polecat
    return build(p.rig, p.name, p.agent_id, p.fields, p.updated_at, p.hook, live, now, stall_after)


def changes_at(polecat: Polecat, stall_after: float) -> float:
    """The epoch after which ``restate`` with the same activity map may give another state, time alone
    moving it (a working polecat stalls, a spawning one becomes a zombie); ``inf`` when time cannot."""
    p = polecat
    if p.state == "working":
        report = p.report
        return max(p.last_activity or 0, report.since if report else 0.0) + stall_after
    if p.state == "spawning":
        return _epoch(p.updated_at) + SPAWN_GRACE
    return math.inf


def _state(
    hooked: bool, agent_state: str, last: int | None, report: Report | None, updated_at: str, now: float,
    stall_after: float,
) -> str:  # fmt: skip
    alive = last is not None
    if hooked:
        if last is not None:
            if report is not None and report.state == "waiting":
                return "waiting"
            moved = max(last, report.since if report else 0.0)
            return "stalled" if now - moved > stall_after else "working"
        if agent_state == "spawning" and now - _epoch(updated_at) < SPAWN_GRACE:
            return "spawning"
        return "zombie"
    if agent_state == "nuked":
        return "nuked"
    if agent_state == "done" and alive:
        return "done"
    return "idle"


def _epoch(stamp: str) -> float:
    when = parse_stamp(stamp)
    return when.timestamp() if when else 0.0


def _reported_json(report: Report | None) -> JsonObject:
    """``reported`` (the agent's own word), ``since`` (when, ISO), ``reason`` (its question) and ``yes_no``."""
    if report is None:
        return {"reported": None, "since": None, "reason": "", "yes_no": False}
    since = _dt.datetime.fromtimestamp(report.since, _dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if report.since else None
    return {"reported": report.state, "since": since, "reason": report.reason, "yes_no": report.yes_no}
