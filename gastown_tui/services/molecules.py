"""Molecules: a formula poured into the ledger — a root bead plus one child bead per step.

The root (type molecule, label ``gt:molecule``, ``mol_type`` work) records the
formula and the variable values as ``formula:``/``vars:`` description fields.
Steps are its children ``MOL.1``, ``MOL.2``… in formula order, each knowing its
formula step id (metadata ``step``), with a ``blocks`` dependency on every step
it needs. A step is done when closed; the molecule closes with its last step.

Wisps are ephemeral molecules: the same beads flagged ``ephemeral`` (ids with
``-wisp-``), which never leave the ledger on export.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..errors import Conflict, InvalidInput, NotFound
from ..fieldlines import parse_fields
from ..ledger import load_metadata
from . import convoys

if TYPE_CHECKING:
    from .formulas import Formula

LABEL = "gt:molecule"
_WORKING = ("hooked", "in_progress")


def pour(
    tx,
    formula: Formula,
    variables: Mapping[str, str] | None = None,
    *,
    prefix: str | None = None,
    assignee: str | None = None,
    wisp: bool = False,
    priority: int = 2,
) -> str:
    """Create the molecule of ``formula``; returns its id. Bad variables raise before anything is written."""
    from .formulas import fill

    values, steps = formula.render(dict(variables or {}))
    description = (
        f"formula: {formula.name}\nvars: {json.dumps(values, sort_keys=True)}\n\n"
        + fill(formula.description, values).strip()
    )
    common: dict[str, Any] = {"priority": priority, "ephemeral": int(wisp)}
    if assignee:
        common["assignee"] = assignee
    required = [values[name] for name, var in formula.vars.items() if var.required and values[name]]
    mol_id = tx.create(
        f"{formula.name}: {required[0]}" if required else formula.name,
        prefix=prefix,
        issue_type="molecule",
        mol_type="work",
        description=description.strip(),
        labels=[LABEL],
        **common,
    )
    bead_of: dict[str, str] = {}
    for step in steps:
        bead_of[step.id] = tx.create(
            step.title,
            parent=mol_id,
            description=step.description.strip(),
            metadata=json.dumps({"step": step.id}),
            **common,
        )
    for step in steps:
        for need in step.needs:
            tx.add_dependency(bead_of[step.id], bead_of[need], "blocks")
    return mol_id


def _child_number(step: dict[str, Any]) -> tuple[int, str]:
    tail = step["id"].rsplit(".", 1)[-1]
    return (int(tail) if tail.isdigit() else 0, step["id"])


def get_molecule(s, mol_id: str) -> dict[str, Any]:
    bead = s.get(mol_id)
    if bead["issue_type"] != "molecule" and LABEL not in s.labels(mol_id):
        raise InvalidInput(f"{mol_id} is not a molecule", "pour one with: gt mol pour FORMULA")
    return bead


def steps(s, mol_id: str) -> list[dict[str, Any]]:
    """The molecule's step beads in order, each with ``step`` (formula step id), ``state``
    (done, in_progress, ready or blocked) and ``needs`` (the step bead ids it waits for)."""
    get_molecule(s, mol_id)
    beads = sorted(s.list_beads(parent=mol_id, include_closed=True), key=_child_number)
    ready = {b["id"] for b in s.ready(parent=mol_id)}
    out = []
    for bead in beads:
        if bead["status"] == "closed":
            state = "done"
        elif bead["status"] in _WORKING:
            state = "in_progress"
        elif bead["id"] in ready:
            state = "ready"
        else:
            state = "blocked"
        needs = [d["depends_on_id"] for d in s.dependencies(bead["id"], "blocks")]
        out.append({**bead, "step": load_metadata(bead).get("step", ""), "state": state, "needs": needs})
    return out


def molecule_status(s, mol_id: str) -> dict[str, Any]:
    """The molecule bead with its formula, variables, steps and done/total counts."""
    mol = get_molecule(s, mol_id)
    found = parse_fields(mol["description"])
    try:
        variables = json.loads(found.get("vars") or "{}")
    except json.JSONDecodeError:
        variables = {}
    all_steps = steps(s, mol_id)
    return {
        **mol,
        "formula": found.get("formula", ""),
        "vars": variables,
        "steps": all_steps,
        "done": sum(1 for st in all_steps if st["state"] == "done"),
        "total": len(all_steps),
    }


def next_steps(s, mol_id: str) -> list[dict[str, Any]]:
    """Steps that can be worked on now: open, with every step they need done."""
    return [st for st in steps(s, mol_id) if st["state"] == "ready"]


def current_step(s, mol_id: str) -> dict[str, Any] | None:
    """The step to work on: the first one in progress, else the first ready one; None when all are done."""
    all_steps = steps(s, mol_id)
    for state in ("in_progress", "ready"):
        for st in all_steps:
            if st["state"] == state:
                return st
    return None


def hooked_molecule(s, actor: str) -> str:
    """The molecule on ``actor``'s hook (status hooked, assignee the actor)."""
    hooked = s.list_beads(status="hooked", assignee=actor)
    for bead in hooked:
        if bead["issue_type"] == "molecule" or LABEL in s.labels(bead["id"]):
            return bead["id"]
    if hooked:
        raise NotFound(
            f"the hook of {actor} holds {hooked[0]['id']}, which is not a molecule", "name one: gt mol next MOLECULE"
        )
    raise NotFound(f"nothing on the hook of {actor}", "name a molecule: gt mol next MOLECULE")


def complete_step(tx, step_id: str, reason: str = "step done") -> dict[str, Any]:
    """Close a step (refused while a step it needs is open); the molecule closes with its last step.

    Returns ``{"step", "molecule", "molecule_closed", "landed"}`` (landed: convoys that landed).
    """
    step = tx.get(step_id)
    parents = [d["depends_on_id"] for d in tx.dependencies(step_id, "parent-child")]
    if not parents:
        raise InvalidInput(f"{step_id} is not a molecule step", "step ids look like MOLECULE.N (see gt mol status)")
    mol_id = parents[0]
    get_molecule(tx, mol_id)
    if step["status"] != "closed":
        waiting = [
            d["depends_on_id"]
            for d in tx.dependencies(step_id, "blocks")
            if (blocker := tx.find(d["depends_on_id"])) and blocker["status"] != "closed"
        ]
        if waiting:
            raise Conflict(
                f"step {step_id} still needs {', '.join(waiting)}",
                "finish those first (gt mol next shows what is ready)",
            )
    landed = convoys.close_beads(tx, [step_id], reason)
    closed_molecule = not tx.list_beads(parent=mol_id) and tx.get(mol_id)["status"] != "closed"
    if closed_molecule:
        landed += convoys.close_beads(tx, [mol_id], "all steps done")
    return {"step": step_id, "molecule": mol_id, "molecule_closed": closed_molecule, "landed": landed}
