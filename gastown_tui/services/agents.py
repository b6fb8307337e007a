"""The town's agents as the ledger records them: every agent bead of a rig (witness, refinery,
polecats, crew) with its hook, and the rigs the ledger knows (rig beads, agents' rigs).

The one reader of agent beads for views that show every role (the TUI's rig tree); a polecat's
*state* (working, stalled, zombie…) is not read here but by ``polecats.read_polecats``, which
adds what tmux says.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import addresses
from ..fieldlines import find_fields
from ..ledger.fields import LIVE

ROLE_ORDER = ("witness", "refinery", "polecat", "crew")
_IS = "(gt_issues.issue_type = ? OR EXISTS (SELECT 1 FROM gt_labels l WHERE l.issue_id = gt_issues.id AND l.label = ?))"


@dataclass(frozen=True)
class Agent:
    id: str
    address: str
    rig: str
    role: str
    name: str
    agent_state: str  # what the agent bead says (idle, spawning, working, done, nuked…)
    hook_bead: str
    hook_title: str
    session: str


def _kind_rows(session, kind: str, columns: str = "id, title, description") -> list:
    return session.rows(f"SELECT {columns} FROM gt_issues WHERE {_IS} AND {LIVE} ORDER BY id", (kind, f"gt:{kind}"))


def read_rig_prefixes(session) -> dict[str, str]:
    """Rigs the ledger has a rig bead for: name → bead prefix ("" when the bead does not say)."""
    return {row["title"]: find_fields(row["description"]).get("prefix", "") for row in _kind_rows(session, "rig")}


def read_agents(session) -> list[Agent]:
    """Every open agent bead of a rig, with the bead on its hook (a hooked bead assigned to it wins
    over the agent bead's ``hook_bead`` field); town-level agents (mayor, deacon) are left out."""
    rows = _kind_rows(session, "agent")
    hooked = {
        r["assignee"]: r
        for r in session.rows("SELECT id, title, assignee FROM gt_issues WHERE status = 'hooked'")
        if r["assignee"]
    }
    parsed = [find_fields(r["description"]) for r in rows]
    hook_ids = [f.get("hook_bead", "") for f in parsed]
    titles = {bead_id: bead["title"] for bead_id, bead in session.get_many(h for h in hook_ids if h).items()}
    agents = []
    for row, fields, hook_id in zip(rows, parsed, hook_ids, strict=True):
        rig, role = fields.get("rig", ""), fields.get("role_type", "")
        if not rig or not role:
            continue
        name = row["id"].rsplit(f"-{role}-", 1)[1] if f"-{role}-" in row["id"] else ""
        if role == "polecat":
            address = addresses.polecat(rig, name)
        elif role in ("witness", "refinery"):
            address = f"{rig}/{role}"
        else:
            address = f"{rig}/{role}/{name}"
        hook = hooked.get(address)
        hook_bead, hook_title = (hook["id"], hook["title"]) if hook else (hook_id, titles.get(hook_id, ""))
        session_name = fields.get("session") or (addresses.session_name(rig, name) if role == "polecat" else "")
        hooked.pop(address, None)
        agents.append(
            Agent(
                id=row["id"],
                address=address,
                rig=rig,
                role=role,
                name=name or role,
                agent_state=fields.get("agent_state", "") or "idle",
                hook_bead=hook_bead,
                hook_title=hook_title,
                session=session_name,
            )
        )
    return agents + _hook_only_agents(hooked)


def _hook_only_agents(hooked: dict) -> list[Agent]:
    """Agents known only as the assignee of hooked work (``RIG/polecats/NAME``, ``RIG/crew/NAME``),
    as in a rig ledger imported without its agent beads: keyed by their address, state unknown."""
    found = []
    for address, hook in sorted(hooked.items()):
        parts = address.split("/")
        if len(parts) != 3 or parts[1] not in ("polecats", "crew") or not all(parts):
            continue
        rig, role, name = parts[0], parts[1].rstrip("s"), parts[2]
        session = addresses.session_name(rig, name) if role == "polecat" else ""
        found.append(Agent(address, address, rig, role, name, "unknown", hook["id"], hook["title"], session))
    return found
