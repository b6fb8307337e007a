"""A polecat's identity: its name (Gas Town's Mad Max pool), its address ``RIG/polecats/NAME``, its
tmux session ``gt-RIG-NAME`` and its agent bead ``{rigprefix}-{rig}-polecat-{name}`` (type agent,
label gt:agent), whose description fields carry ``role_type, rig, agent_state, hook_bead, session``
plus our ``branch, runtime, restarts, nudges, escalated, exit_type, mr``. The bead is never closed.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ... import addresses
from ...errors import GtError, InvalidInput
from ...fieldlines import with_fields
from ...ledger import fields

if TYPE_CHECKING:
    from ...config import RigConfig
    from ..rigpaths import RigPaths
    from .records import Polecat

# Gas Town's default theme (mad-max). Overflow names are numbers, as there.
NAMES = (
    "furiosa", "nux", "slit", "rictus", "dementus", "capable", "toast", "cheedo", "dag", "angharad",
    "valkyrie", "keeper", "ace", "morsov", "scrotus", "corpus", "organic", "splendid", "glory", "max",
    "goose", "fifi", "toecutter", "bubba", "johnny", "jessie", "pappagallo", "gyro", "feral", "wez",
    "humungus", "aunty", "ironbar", "blaster", "jedediah", "scrooloose", "gutgash", "doof", "warboy",
    "buzzard", "miss-giddy", "vuvalini", "bullet-farmer", "people-eater", "toadie", "mechanic",
    "nightrider", "cundalini", "savannah", "ghoul",
)  # fmt: skip
RESERVED_NAMES = frozenset({"witness", "refinery", "mayor", "deacon", "crew", "polecats"})


def agent_id(config: RigConfig, name: str) -> str:
    return addresses.agent_bead_id(config.prefix, config.name, "polecat", name)


def check_polecat_name(name: str) -> str:
    """A name a person may give a polecat: a valid name, not one of a rig's roles or folders."""
    fields.check_name(name, "polecat name")
    if name in RESERVED_NAMES:
        raise InvalidInput(f"{name!r} is reserved", "pick another polecat name")
    return name


def parse_address(address: str) -> tuple[str, str]:
    """``RIG/polecats/NAME`` (or the short ``RIG/NAME``) → (rig, name), both validated."""
    parts = (address or "").strip("/").split("/")
    if len(parts) == 3 and parts[1] == "polecats":
        parts = [parts[0], parts[2]]
    if len(parts) != 2 or parts[1] in RESERVED_NAMES:
        raise InvalidInput(f"{address!r} is not a polecat address", "polecat addresses look like RIG/polecats/NAME")
    return fields.check_name(parts[0], "rig name"), fields.check_name(parts[1], "polecat name")


def session_for(address: str) -> str:
    """The tmux session of an agent address (polecat, RIG/witness, RIG/refinery, mayor/, deacon/)."""
    session = addresses.session_for(address)
    if session is None:
        raise InvalidInput(f"{address!r} names no agent session", "addresses look like RIG/polecats/NAME")
    return session


def check_address(address: str) -> str:
    """An agent address (``RIG/polecats/NAME``, ``RIG/witness``, ``mayor/``): names between slashes."""
    parts = address.strip("/").split("/")
    if not address.strip("/") or len(parts) > 3:
        raise InvalidInput(f"{address!r} is not an agent address", "addresses look like RIG/polecats/NAME")
    for part in parts:
        fields.check_name(part, "address part")
    return address


def my_address() -> str:
    """The address of the agent this process runs for (``GT_ACTOR``, set in its session)."""
    actor = os.environ.get("GT_ACTOR", "")
    if not actor:
        raise GtError(
            "no agent identity here (GT_ACTOR is not set)", "run this inside a polecat session, or give --agent ADDRESS"
        )
    return actor


def pick_name(polecats: Sequence[Polecat], paths: RigPaths, keep: set[str]) -> str:
    """Reuse an idle polecat with a sandbox, else a nuked identity, else the next free name.
    Polecats in ``keep`` (work coming back to them for rework) are left free for it."""
    by_name = {p.name: p for p in polecats}
    idle = [
        p.name
        for p in polecats
        if not p.hook
        and p.agent_state in ("idle", "done")
        and not p.session_alive
        and p.name not in keep
        and paths.polecat(p.name).is_dir()
    ]
    if idle:
        return idle[0]
    nuked = [p.name for p in polecats if not p.hook and p.agent_state == "nuked" and not p.session_alive]
    if nuked:
        return nuked[0]
    for name in NAMES:
        if name not in by_name and not paths.polecat(name).exists():
            return name
    number = len(NAMES) + 1
    while str(number) in by_name or paths.polecat(str(number)).exists():
        number += 1
    return str(number)


def set_agent(tx, config: RigConfig, name: str, **changes: object) -> str:
    """Update (or create) a polecat's agent bead fields; returns its id."""
    bead_id = agent_id(config, name)
    current = tx.find(bead_id)
    if current is None:
        base = with_fields("", role_type="polecat", rig=config.name, agent_state="idle", hook_bead="", session="")
        tx.create(
            addresses.polecat(config.name, name),
            bead_id=bead_id,
            issue_type="agent",
            labels=["gt:agent"],
            description=with_fields(base, **changes),
            role_type="polecat",
            rig=config.name,
        )
    else:
        tx.update(bead_id, description=with_fields(current["description"], **changes))
    return bead_id
