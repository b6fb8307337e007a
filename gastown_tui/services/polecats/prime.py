"""What an agent reads when it starts: ``hook`` (the bead on its hook, a molecule's current step, what
came back from the refinery) and ``prime`` (who it is, that work, and what to do with it)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ...display import JsonObject
from .. import rework
from ..rigpaths import load_rig, rig_paths
from .naming import check_address, my_address, parse_address
from .reader import hooked_bead
from .records import WorkBead

if TYPE_CHECKING:
    from ...town import Town
    from ..rework import Brief


@dataclass(frozen=True)
class OnHook:
    """The bead on an agent's hook, with what working on it needs besides."""

    bead: WorkBead
    row: Mapping[str, Any] = field(hash=False)  # every column of the bead, for ``gt hook --json``
    current_step: Mapping[str, Any] | None = field(default=None, hash=False)  # molecules.current_step's JSON
    rework: Brief | None = field(default=None, hash=False)  # what came back from the refinery, if it did

    def to_json(self) -> JsonObject:
        """The bead's columns, plus ``current_step`` for a molecule and ``rework`` when it came back."""
        out = dict(self.row)
        if self.bead.issue_type == "molecule":
            out["current_step"] = self.current_step
        if self.rework:
            out["rework"] = self.rework
        return out


def hook(town: Town, address: str | None = None) -> OnHook | None:
    """The bead on an agent's hook (the current step too, for a molecule), or None."""
    address = check_address(address) if address else my_address()
    return town.ledger.read(lambda s: _on_hook(s, address))


def _on_hook(session, address: str) -> OnHook | None:
    row = hooked_bead(session, address)
    if row is None:
        return None
    step = None
    if row["issue_type"] == "molecule":
        from ..molecules import current_step  # molecules loads convoys and mail: only for a molecule

        step = current_step(session, row["id"])
    return OnHook(WorkBead.from_row(row), row, step, rework.for_bead(session, row["id"]))


def prime(town: Town, address: str | None = None) -> str:
    """What an agent needs to start: who it is, what is on its hook, and what to do."""
    address = address or my_address()
    rig, name = parse_address(address)
    config = load_rig(town, rig)
    on_hook = hook(town, address)
    worktree = rig_paths(town, rig).polecat(name)
    lines = [
        f"# You are polecat {name} of rig {rig} ({address})",
        f"Sandbox: {worktree} (branch from {config.default_branch}). Stay inside it.",
        "",
    ]
    if on_hook is None:
        lines += ["Nothing is on your hook. Check your mail (gt mail inbox) and wait for work."]
        return "\n".join(lines)
    bead = on_hook.bead
    lines += [
        "## AUTONOMOUS WORK MODE — work is on your hook; start now.",
        f"Bead {bead.id} (P{bead.priority}, {bead.issue_type}): {bead.title}",
    ]
    if bead.description:
        lines += ["", bead.description]
    if bead.acceptance_criteria:
        lines += ["", "Acceptance criteria:", bead.acceptance_criteria]
    step = on_hook.current_step
    if step:
        lines += ["", f"Current step {step['id']}: {step['title']}", step.get("description") or ""]
    if on_hook.rework:
        lines += rework.prime_lines(on_hook.rework, config.max_rework)
    lines += [
        "",
        "## When you are done",
        "1. Commit everything on your branch (git add -A && git commit -m '…').",
        "2. Run `gt done` — it hands your branch to the refinery and ends this session.",
        "   Blocked? `gt done --exit ESCALATED`. Not now? `gt done --exit DEFERRED`.",
    ]
    return "\n".join(lines)
