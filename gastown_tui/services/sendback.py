"""The witness sends failed work back: which polecat gets which merge request back (``plan``), and
the waking itself (``wake``): the bead back on its hook, its sandbox on the MR's branch, its session
(re)started with what failed. What failed and how it is told lives in ``rework``, below polecats.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .. import addresses
from ..errors import Conflict, GtError
from ..fieldlines import parse_fields
from . import rework
from .agent_state import CLEARED
from .polecats import Polecat, WorkBead, agent_id, hooked, parse_address, set_agent, start_session
from .refinery.queue import get, set_state
from .refinery.records import ESCALATED_LABEL, SENT_BACK, SETTLED_LABEL
from .rigpaths import rig_paths

if TYPE_CHECKING:
    from ..config import RigConfig
    from ..runtime.tmux import Tmux
    from ..town import Town


@dataclass(frozen=True)
class Decision:
    back: rework.SentBack
    action: str  # rework | escalate | settle | wait
    polecat: str = ""  # the polecat's name, for rework
    detail: str = ""


def plan(backs: list[rework.SentBack], polecats: list[Polecat], config: RigConfig) -> list[Decision]:
    """What the witness does with each MR that came back (no side effects): at most one wake per polecat."""
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


def wake(town: Town, config: RigConfig, name: str, mr_id: str, tmux: Tmux) -> str:
    """Put the MR's bead back on its polecat's hook, its sandbox back on the MR's branch, and (re)start
    its session with a prompt saying what failed. Returns what was done.

    The ledger goes first: if git or tmux fail afterwards, the polecat is hooked with no session,
    which the witness's next passes restart like any zombie (``gt prime`` still shows the rework)."""
    from ..vcs.rebase import switch_to

    claim = town.ledger.write("witness rework", lambda tx: _claim(tx, config, name, mr_id), actor=_witness(config))
    paths = rig_paths(town, config.name)
    switch_to(paths.repo, paths.polecat(name), claim.branch, claim.commit or None)
    note = rework.prompt_note(claim.brief, config.max_rework)
    spec = claim.runtime or config.runtime
    session = start_session(tmux, town, config, name, claim.bead, spec, claim.branch, "rework", note=note)
    town.ledger.write("witness rework", lambda tx: _started(tx, config, name, session), actor=_witness(config))
    return rework.summary(claim.brief)


def _witness(config: RigConfig) -> str:
    return addresses.witness(config.name)


@dataclass(frozen=True)
class _Claim:
    """What the witness's write hands to the git and tmux steps of ``wake``."""

    bead: WorkBead
    brief: rework.Brief
    branch: str
    commit: str
    runtime: str


def _claim(tx, config: RigConfig, name: str, mr_id: str) -> _Claim:
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
    info = rework.brief(mr)
    tx.update(mr.source, status="hooked", assignee=address)
    tx.event(mr.source, "rework", bead["status"], f"{mr_id} attempt {mr.attempt}")
    set_state(tx, mr_id, "reworking", assignee=address)
    tx.add_comment(mr_id, f"Attempt {mr.attempt} sent back to {address} for rework: {rework.summary(info)}")
    agent = tx.find(agent_id(config, name))
    runtime = parse_fields(agent["description"]).get("runtime", "") if agent else ""
    fresh = {"restarts": 0, "nudges": 0, "escalated": None, "exit_type": None, **CLEARED}
    set_agent(tx, config, name, agent_state="spawning", hook_bead=mr.source, mr=mr_id, branch=mr.branch, **fresh)
    return _Claim(WorkBead.from_row(tx.get(mr.source)), info, mr.branch, mr.commit_sha, runtime)


def _started(tx, config: RigConfig, name: str, session: str) -> None:
    set_agent(tx, config, name, agent_state="working", session=session)
