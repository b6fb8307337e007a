"""Molecules: a formula poured into the ledger — a root bead plus one child bead per step.

The root (type molecule, label ``gt:molecule``, ``mol_type`` work) records the
formula and the variable values as ``formula:``/``vars:`` description fields.
Steps are its children ``MOL.1``, ``MOL.2``… in formula order, each knowing its
formula step id (metadata ``step``), with a ``blocks`` dependency on every step
it needs. A step is done when closed; the molecule closes with its last step.

Wisps are ephemeral molecules: the same beads flagged ``ephemeral`` (ids with
``-wisp-``), which never leave the ledger on export.

The API: ``pour`` and ``complete_step`` take a ``Town`` and run in a write of their own
(``pour_in`` and ``complete_step_in`` do the same inside a caller's write); the readers
``status``, ``steps``, ``next_steps``, ``current_step`` and ``hooked_molecule`` take a town
or an open session. ``Molecule``, ``Step`` and ``StepDone`` are built here only.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..display import JsonObject
from ..errors import Conflict, InvalidInput, NotFound
from ..fieldlines import parse_fields
from ..ledger import load_metadata
from ..ledger.reads import Row
from . import convoys, scope

if TYPE_CHECKING:
    from ..ledger import Session
    from ..town import Town
    from .formulas import Formula

LABEL = "gt:molecule"
_WORKING = ("hooked", "in_progress")


@dataclass(frozen=True)
class Step:
    """One step bead of a molecule, with the formula step it comes from and where it stands."""

    id: str
    title: str
    description: str
    status: str
    assignee: str | None
    step: str  # the formula's step id
    state: str  # done, in_progress, ready or blocked
    needs: tuple[str, ...]  # the step bead ids it waits for
    bead: Row = field(repr=False, compare=False)

    def as_json(self) -> JsonObject:
        """The bead's columns with ``step``, ``state`` and ``needs``."""
        return {**self.bead, "step": self.step, "state": self.state, "needs": list(self.needs)}


@dataclass(frozen=True)
class Molecule:
    """A molecule: its root bead, the formula and variable values it was poured with, and its steps."""

    id: str
    title: str
    status: str
    formula: str
    variables: Mapping[str, Any]
    steps: tuple[Step, ...]
    bead: Row = field(repr=False, compare=False)

    @property
    def done(self) -> int:
        return sum(1 for st in self.steps if st.state == "done")

    @property
    def total(self) -> int:
        return len(self.steps)

    def as_json(self) -> JsonObject:
        """The root bead's columns with ``formula``, ``vars``, ``steps``, ``done`` and ``total``."""
        return {
            **self.bead,
            "formula": self.formula,
            "vars": dict(self.variables),
            "steps": [st.as_json() for st in self.steps],
            "done": self.done,
            "total": self.total,
        }


@dataclass(frozen=True)
class StepDone:
    """What closing a step did: the molecule closed with it? which convoys landed? what is ready next?"""

    step: str
    molecule: str
    molecule_closed: bool
    landed: tuple[str, ...]
    next: tuple[Step, ...] = ()

    def as_json(self) -> JsonObject:
        return {
            "step": self.step,
            "molecule": self.molecule,
            "molecule_closed": self.molecule_closed,
            "landed": list(self.landed),
            "next": [st.as_json() for st in self.next],
        }


# -- the town's --------------------------------------------------------------------------------


def pour(
    town: Town,
    formula: Formula,
    variables: Mapping[str, str] | None = None,
    *,
    rig: str | None = None,
    assignee: str | None = None,
    wisp: bool = False,
    priority: int = 2,
) -> Molecule:
    """Pour ``formula``: its beads take ``rig``'s prefix when one is given, else the ledger's."""
    prefix = None
    if rig:
        from .rigpaths import load_rig

        prefix = load_rig(town, rig).prefix

    def write(tx) -> Molecule:
        mol_id = pour_in(tx, formula, variables, prefix=prefix, assignee=assignee, wisp=wisp, priority=priority)
        return status(tx, mol_id)

    return town.ledger.write("mol pour", write)


def complete_step(town: Town, step_id: str, reason: str = "step done") -> StepDone:
    """Close a step (see ``complete_step_in``); the result names the steps ready next."""

    def write(tx) -> StepDone:
        done = complete_step_in(tx, step_id, reason)
        return StepDone(
            done.step, done.molecule, done.molecule_closed, done.landed, tuple(next_steps(tx, done.molecule))
        )

    return town.ledger.write("mol step done", write)


# -- inside a caller's write --------------------------------------------------------------------


def pour_in(
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

    values, rendered = formula.render(dict(variables or {}))
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
    for step in rendered:
        bead_of[step.id] = tx.create(
            step.title,
            parent=mol_id,
            description=step.description.strip(),
            metadata=json.dumps({"step": step.id}),
            **common,
        )
    for step in rendered:
        for need in step.needs:
            tx.add_dependency(bead_of[step.id], bead_of[need], "blocks")
    return mol_id


def complete_step_in(tx, step_id: str, reason: str = "step done") -> StepDone:
    """Close a step (refused while a step it needs is open); the molecule closes with its last step,
    and convoys tracking either land (``landed``). ``next`` is left empty."""
    step = tx.get(step_id)
    parents = [d["depends_on_id"] for d in tx.dependencies(step_id, "parent-child")]
    if not parents:
        raise InvalidInput(f"{step_id} is not a molecule step", "step ids look like MOLECULE.N (see gt mol status)")
    mol_id = parents[0]
    _root(tx, mol_id)
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
    return StepDone(step_id, mol_id, closed_molecule, tuple(landed))


# -- readers: a town or an open session ---------------------------------------------------------


def status(where: Town | Session, mol_id: str) -> Molecule:
    """The molecule with its formula, variables and steps."""

    def read(s) -> Molecule:
        bead = _root(s, mol_id)
        found = parse_fields(bead["description"])
        try:
            variables = json.loads(found.get("vars") or "{}")
        except json.JSONDecodeError:
            variables = {}
        if not isinstance(variables, dict):
            variables = {}
        return Molecule(
            id=bead["id"],
            title=bead["title"],
            status=bead["status"],
            formula=found.get("formula", ""),
            variables=variables,
            steps=tuple(_steps(s, mol_id)),
            bead=bead,
        )

    return scope.read(where, read)


def steps(where: Town | Session, mol_id: str) -> list[Step]:
    """The molecule's steps in order."""
    return scope.read(where, lambda s: _steps(s, mol_id))


def next_steps(where: Town | Session, mol_id: str) -> list[Step]:
    """Steps that can be worked on now: open, with every step they need done."""
    return [st for st in steps(where, mol_id) if st.state == "ready"]


def current_step(where: Town | Session, mol_id: str) -> JsonObject | None:
    """The step to work on, as ``gt hook`` shows it (``Step.as_json``): the first one in progress,
    else the first ready one; None when all are done."""
    all_steps = steps(where, mol_id)
    for state in ("in_progress", "ready"):
        for st in all_steps:
            if st.state == state:
                return st.as_json()
    return None


def hooked_molecule(where: Town | Session, actor: str) -> str:
    """The molecule on ``actor``'s hook (status hooked, assignee the actor)."""

    def read(s) -> str:
        hooked = s.list_beads(status="hooked", assignee=actor)
        for bead in hooked:
            if bead["issue_type"] == "molecule" or LABEL in s.labels(bead["id"]):
                return bead["id"]
        if hooked:
            raise NotFound(
                f"the hook of {actor} holds {hooked[0]['id']}, which is not a molecule",
                "name one: gt mol next MOLECULE",
            )
        raise NotFound(f"nothing on the hook of {actor}", "name a molecule: gt mol next MOLECULE")

    return scope.read(where, read)


def _root(s, mol_id: str) -> Row:
    bead = s.get(mol_id)
    if bead["issue_type"] != "molecule" and LABEL not in s.labels(mol_id):
        raise InvalidInput(f"{mol_id} is not a molecule", "pour one with: gt mol pour FORMULA")
    return bead


def _steps(s, mol_id: str) -> list[Step]:
    _root(s, mol_id)
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
        out.append(
            Step(
                id=bead["id"],
                title=bead["title"],
                description=bead.get("description") or "",
                status=bead["status"],
                assignee=bead.get("assignee"),
                step=load_metadata(bead).get("step", ""),
                state=state,
                needs=tuple(d["depends_on_id"] for d in s.dependencies(bead["id"], "blocks")),
                bead=bead,
            )
        )
    return out


def _child_number(bead: Row) -> tuple[int, str]:
    tail = bead["id"].rsplit(".", 1)[-1]
    return (int(tail) if tail.isdigit() else 0, bead["id"])
