"""Examples for empty fields, taken from the town on screen (its own rigs, agents and ids)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..addresses import MAYOR, OVERSEER

if TYPE_CHECKING:  # the services load in the first ledger read's worker, not before the first paint
    from ..services.townview import TownSnapshot


def addresses(snapshot: TownSnapshot | None) -> str:
    """``mayor/, calc/witness, calc/polecats/furiosa…``: where mail can go in this town."""
    if not snapshot or not snapshot.rigs:
        return f"{MAYOR}, {OVERSEER}…"
    rig = snapshot.rigs[0]
    roles = {agent.role: agent.address for agent in rig.agents}  # one agent of each role (the last listed)
    found = [MAYOR, roles.get("witness", f"{rig.name}/witness")] + ([roles["polecat"]] if "polecat" in roles else [])
    return ", ".join(found) + "…"


def bead(snapshot: TownSnapshot | None, town_prefix: str) -> str:
    """An open bead of this town to sling (one a convoy tracks), else the shape of its ids."""
    for convoy in snapshot.convoys if snapshot else ():
        for tracked in convoy.tracked:
            if tracked.status == "open":
                return f"e.g. {tracked.id}"
    prefix = snapshot.rigs[0].prefix if snapshot and snapshot.rigs else town_prefix
    return f"a bead id, e.g. {prefix}-abc12"
