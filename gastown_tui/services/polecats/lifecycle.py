"""Looking after a polecat: ``restart`` (a fresh session from its hook, in its sandbox) and ``nuke``
(session, worktree and branches gone; the agent bead — identity, history — stays, ``nuked``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

from ... import addresses
from ...errors import Conflict, NotFound
from ...fieldlines import parse_fields
from ...ledger import fields
from ..agent_state import CLEARED
from ..rigpaths import load_rig, rig_paths
from .naming import agent_id, set_agent
from .reader import hooked
from .sandbox import new_branch_name, remove_sandbox, restore_sandbox
from .session import start_session

if TYPE_CHECKING:
    from ...runtime.tmux import Tmux
    from ...town import Town


class Restarted(TypedDict):
    """What ``restart`` did (``gt polecat restart --json``)."""

    address: str
    bead: str
    session: str
    branch: str


class Nuked(TypedDict):
    """What ``nuke`` did (``gt polecat nuke --json``)."""

    address: str
    branches_deleted: list[str]
    unhooked: str | None


def restart(town: Town, rig: str, name: str, tmux: Tmux | None = None) -> Restarted:
    """A fresh session for a polecat from its hook, in its existing sandbox (recreated if gone)."""
    config = load_rig(town, rig)
    fields.check_name(name, "polecat name")
    address = addresses.polecat(config.name, name)
    tmux = tmux or town.tmux()
    bead, agent = town.ledger.read(lambda s: (hooked(s, address), s.find(agent_id(config, name))))
    if bead is None or agent is None:
        raise NotFound(f"{address} has nothing on its hook", f"give it work with: gt sling BEAD {rig}")
    info = parse_fields(agent["description"])
    paths = rig_paths(town, config.name)
    branch = info.get("branch") or new_branch_name(paths, name, bead.id)
    restore_sandbox(paths, config, name, branch)
    spec = info.get("runtime") or config.runtime
    # what its last life said (waiting, its question) is void before the new one can speak
    town.ledger.write("polecat restart", lambda tx: set_agent(tx, config, name, **CLEARED))
    session = start_session(tmux, town, config, name, bead, spec, branch, "restart")
    town.ledger.write(
        "polecat restart",
        lambda tx: set_agent(tx, config, name, agent_state="working", session=session, branch=branch),
    )
    return Restarted(address=address, bead=bead.id, session=session, branch=branch)


def nuke(town: Town, rig: str, name: str, force: bool = False, tmux: Tmux | None = None) -> Nuked:
    """Session, worktree and branches gone; the agent bead (identity, history) stays, ``nuked``."""
    config = load_rig(town, rig)
    fields.check_name(name, "polecat name")
    address = addresses.polecat(config.name, name)
    paths = rig_paths(town, config.name)
    agent = town.ledger.find(agent_id(config, name))
    if agent is None:
        raise NotFound(f"no polecat {address}", f"list them with: gt polecat list --rig {rig}")
    bead = town.ledger.read(lambda s: hooked(s, address))
    mr_id = parse_fields(agent["description"]).get("mr", "")
    mr = town.ledger.find(mr_id) if mr_id else None
    if not force and bead:
        raise Conflict(f"{address} has {bead.id} on its hook", "let it finish, or use --force to unhook it")
    if not force and mr and mr["status"] != "closed":
        raise Conflict(f"{address} has an open merge request {mr_id}", "wait for the refinery, or --force")
    (tmux or town.tmux()).kill_session(addresses.session_name(config.name, name))
    removed = remove_sandbox(paths, name)

    def forget(tx) -> None:
        current = hooked(tx, address)
        if current:
            tx.update(current.id, status="open", assignee=None)
        set_agent(tx, config, name, agent_state="nuked", hook_bead="", session="", branch="")

    town.ledger.write("polecat nuke", forget)
    return Nuked(address=address, branches_deleted=removed, unhooked=bead.id if bead else None)
