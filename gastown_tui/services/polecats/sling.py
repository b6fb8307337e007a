"""Sling: put a bead on a polecat's hook and start it working.

Sling claims first, in one ledger transaction (the bead becomes ``hooked`` to the polecat's
address, the agent bead ``spawning``), then does git and tmux work; if those fail the claim is
rolled back. The witness leaves ``spawning`` polecats alone for ``SPAWN_GRACE`` seconds.
``sling`` refuses a bead that has an open merge request (its work waits in the refinery).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from ... import addresses
from ...errors import Conflict, InvalidInput
from ...ledger import fields
from ...runtime.presets import resolve
from .. import rework
from ..agent_state import CLEARED
from ..rigpaths import load_rig, rig_paths
from .naming import check_polecat_name, pick_name, set_agent
from .reader import read_polecats
from .records import WorkBead
from .sandbox import new_branch_name, prepare_sandbox
from .session import check_installed, start_session

if TYPE_CHECKING:
    from ...config import RigConfig
    from ...runtime.tmux import Tmux
    from ...town import Town

# Beads that are not work: the ledger's infrastructure types, except molecules (a molecule is slung
# whole, and its polecat works through its steps).
NOT_SLINGABLE = tuple(kind for kind in fields.INFRA_TYPES if kind != "molecule")


class Slung(TypedDict):
    """What ``sling`` did (``gt sling --json``)."""

    bead: str
    rig: str
    polecat: str
    address: str
    session: str
    branch: str
    worktree: str
    runtime: str
    warning: str  # the origin could not be fetched: the work starts from the town's copy


@dataclass(frozen=True)
class Claim:
    """The hook taken for a polecat, and what the bead was before (to roll the claim back)."""

    name: str
    bead: WorkBead


def slingable(session, bead_id: str) -> WorkBead:
    """The bead, if it is work that may go on a hook now; else NotFound / InvalidInput / Conflict."""
    bead = WorkBead.from_row(session.get(bead_id))
    if bead.issue_type in NOT_SLINGABLE:
        raise InvalidInput(f"{bead_id} is a {bead.issue_type} bead, not work", "sling a task, bug, feature…")
    if bead.status == "closed":
        raise Conflict(f"{bead_id} is closed", "reopen it first: gt bead reopen " + bead_id)
    if bead.status in ("hooked", "pinned"):
        raise Conflict(f"{bead_id} is already on the hook of {bead.assignee or 'an agent'}", "see gt polecat list")
    return bead


def claim(
    tx, town: Town, config: RigConfig, bead_id: str, name: str | None, runtime: str, live: Mapping[str, int]
) -> Claim:
    """Hook the bead to a polecat (chosen here, atomically) and mark the agent ``spawning``."""
    from .. import refinery  # the merge queue: only a sling loads it (gt hook loads this package)

    bead = slingable(tx, bead_id)
    mr = refinery.open_for_source(tx, bead_id)
    if mr:
        raise Conflict(f"{bead_id} is waiting in the merge queue as {mr.id}", "let the refinery merge or reject it")
    paths = rig_paths(town, config.name)
    polecats = read_polecats(tx, config, live, time.time())
    working = sum(1 for p in polecats if p.hook)
    if working >= config.max_polecats:
        raise Conflict(f"rig {config.name} already has {working} working polecats", "raise max_polecats in rig.toml")
    if name is None:
        name = pick_name(polecats, paths, rework.awaiting(tx, config))
    else:
        current = next((p for p in polecats if p.name == name), None)
        if current and current.hook:
            raise Conflict(f"{current.address} is busy with {current.hook.id}", "pick another polecat or none")
    address = addresses.polecat(config.name, name)
    tx.update(bead_id, status="hooked", assignee=address)
    tx.event(bead_id, "slung", bead.status, address)
    fresh = {"restarts": 0, "nudges": 0, "escalated": None, "exit_type": None, **CLEARED}
    set_agent(tx, config, name, agent_state="spawning", hook_bead=bead_id, runtime=runtime, **fresh)
    from ..convoys import ensure_convoy  # convoys loads mail: not at the top, gt hook loads this package

    ensure_convoy(tx, bead_id)  # Gas Town's auto-convoy: a bead no convoy tracks gets one
    return Claim(name, bead)


def unclaim(tx, config: RigConfig, claimed: Claim) -> None:
    """Undo ``claim``: the bead back as it was (if still hooked to this polecat), the polecat idle."""
    name, before = claimed.name, claimed.bead
    bead = tx.get(before.id)
    if bead["status"] == "hooked" and bead["assignee"] == addresses.polecat(config.name, name):
        tx.update(before.id, status=before.status, assignee=before.assignee)
    set_agent(tx, config, name, agent_state="idle", hook_bead="", session="")


def sling(
    town: Town,
    bead_id: str,
    rig: str,
    runtime: str | None = None,
    name: str | None = None,
    tmux: Tmux | None = None,
) -> Slung:
    """Put a bead on a polecat's hook and start it working; undone entirely if any step fails."""
    config = load_rig(town, rig)
    fields.check_bead_id(bead_id)
    if name is not None:
        check_polecat_name(name)
    spec = runtime or config.runtime
    town.ledger.read(lambda s: slingable(s, bead_id))  # the cheap, certain facts before the environment
    check_installed(resolve(town, spec), spec)
    from ..refinery.push import refresh

    warning = refresh(town, config)  # bounded fetch of the origin, before the hook is taken
    tmux = tmux or town.tmux()
    live = tmux.activity()
    ledger = town.ledger
    claimed = ledger.write("sling", lambda tx: claim(tx, town, config, bead_id, name, spec, live))
    name = claimed.name
    paths = rig_paths(town, config.name)
    session = addresses.session_name(config.name, name)
    try:
        branch = new_branch_name(paths, name, bead_id)
        worktree = prepare_sandbox(paths, config, name, branch)
        start_session(tmux, town, config, name, claimed.bead, spec, branch, "assigned")
        ledger.write(
            "sling",
            lambda tx: set_agent(tx, config, name, agent_state="working", session=session, branch=branch, mr=None),
        )
    except BaseException:
        tmux.kill_session(session)
        ledger.write("sling rollback", lambda tx: unclaim(tx, config, claimed))
        raise
    return Slung(
        bead=bead_id,
        rig=config.name,
        polecat=name,
        address=addresses.polecat(config.name, name),
        session=session,
        branch=branch,
        worktree=str(worktree),
        runtime=spec,
        warning=warning,
    )
