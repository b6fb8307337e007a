"""Dispatch: keep a rig's polecats busy with the ready work of open convoys.

For rigs with ``auto_sling = true``: each pass slings ready beads (open, unassigned,
unblocked, under the rig's prefix, tracked by an open convoy) until the rig has
``max_polecats`` polecats at work. A bead labelled ``runtime:SPEC`` is slung with that
runtime (the demo uses ``runtime:scripted:fail-gates`` to show a red gate).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import GtError
from .polecats import read_polecats, sling

if TYPE_CHECKING:
    from ..config import RigConfig
    from ..runtime.tmux import Tmux
    from ..town import Town

RUNTIME_LABEL = "runtime:"
_BUSY = ("working", "spawning")


@dataclass(frozen=True)
class Candidate:
    """A ready bead this rig may sling, with the runtime its ``runtime:SPEC`` label asks for."""

    id: str
    runtime: str | None


def candidates(session, config: RigConfig) -> list[Candidate]:
    """Ready beads of this rig that an open convoy tracks, in priority order, with their runtime label."""
    ready = [b for b in session.ready(id_prefix=config.prefix + "-") if not b["assignee"]]
    if not ready:
        return []
    ids = [b["id"] for b in ready]
    marks = ", ".join("?" * len(ids))
    tracked = {
        r["depends_on_id"]
        for r in session.rows(
            "SELECT d.depends_on_id FROM gt_dependencies d JOIN gt_issues c ON c.id = d.issue_id"
            f" WHERE d.type = 'tracks' AND c.status <> 'closed' AND d.depends_on_id IN ({marks})",
            ids,
        )
    }
    labels = session.labels_for(ids)
    out = []
    for bead in ready:
        if bead["id"] in tracked:
            runtime = next((x[len(RUNTIME_LABEL) :] for x in labels[bead["id"]] if x.startswith(RUNTIME_LABEL)), None)
            out.append(Candidate(bead["id"], runtime))
    return out


def runtime_for(label_spec: str | None, rig_spec: str) -> str:
    """The bead's runtime, keeping the rig's switches when both name the same runtime.

    A rig on ``scripted:fast`` slinging a bead labelled ``runtime:scripted:conflict`` runs
    ``scripted:conflict,fast``.
    """
    if not label_spec:
        return rig_spec
    name, _, switches = label_spec.partition(":")
    rig_name, _, rig_switches = rig_spec.partition(":")
    if name != rig_name or not rig_switches:
        return label_spec
    merged = dict.fromkeys([*switches.split(","), *rig_switches.split(",")])
    return f"{name}:" + ",".join(s for s in merged if s)


def dispatch(town: Town, config: RigConfig, tmux: Tmux) -> list[dict[str, str]]:
    """One pass; returns what was slung (and what could not be, with the reason)."""
    if not config.auto_sling:
        return []
    live, now = tmux.activity(), time.time()
    polecats, ready = town.ledger.read(lambda s: (read_polecats(s, config, live, now), candidates(s, config)))
    busy = sum(1 for p in polecats if p.hook or p.agent_state in _BUSY)
    out = []
    for bead in ready[: max(0, config.max_polecats - busy)]:
        try:
            done = sling(town, bead.id, config.name, runtime=runtime_for(bead.runtime, config.runtime), tmux=tmux)
            out.append({"bead": bead.id, "polecat": done["polecat"]})
        except GtError as exc:
            out.append({"bead": bead.id, "error": exc.message})
    return out
