"""The refinery queue: open merge requests of every rig in queue order, with their place, state,
batch and gate results — while a batch is tested, each MR's stack live (running, green, red) and
the batch's round in the pane's subtitle — then merged ones not on the origin yet (a pull request,
a push held or failing)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from rich.text import Text

from .. import actions
from .ages import age
from .badges import badge
from .keyed_table import Column, KeyedTable

AWAY = "rig not on this machine: the refinery here cannot merge them"

if TYPE_CHECKING:  # the services load in the first ledger read's worker, not before the first paint
    from ...services.townview import MergeRequestView, TownSnapshot


class MergeQueueTable(actions.ScreenActions, KeyedTable):
    BINDINGS = actions.bindings("queue")
    COLUMNS = (
        Column("MR", 11),
        Column("#", 3, drop=4),
        Column("P", 2, drop=3),
        Column("Rig", 8, drop=6),
        Column("Bead", 9, drop=7),
        Column("Title", 14, flex=True),
        Column("Worker", 7, drop=8),
        Column("State", 10),  # "superseded", "reworking" whole
        Column("Gates", 12, drop=1),
        Column("Batch", 14, drop=5),
        Column("Diff", 8, drop=9),
        Column("Age", 4, drop=2),
    )

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.requests: dict[str, MergeRequestView] = {}

    @property
    def selected(self) -> MergeRequestView | None:
        key = self.selected_key
        return self.requests.get(key) if key else None

    def show(self, snapshot: TownSnapshot, now: dt.datetime) -> None:
        self.requests = {mr.id: mr for mr in snapshot.merge_requests}
        self.sync({mr.id: self._cells(mr, now) for mr in snapshot.merge_requests})
        waiting = sum(1 for mr in self.requests.values() if mr.state != "merged")  # merged: shown until it lands
        away = sum(not mr.local for mr in snapshot.merge_requests)
        note = f" · {away} read-only ({AWAY})" if away else ""
        rounds = dict.fromkeys(mr.round for mr in snapshot.merge_requests if mr.round)
        live = "".join(f" · {r}" for r in rounds)
        self.border_subtitle = (f"{waiting} waiting" if self.requests else "empty") + note + live + self.filter_note

    def tick(self, now: dt.datetime) -> None:
        self.refresh_column("Age", lambda key: age(self.requests[key].created_at, now))

    def _cells(self, mr: MergeRequestView, now: dt.datetime) -> tuple:
        return (
            Text(mr.id, style="bold"),
            str(mr.position or ""),  # a merged MR waiting to land has no place
            f"P{mr.priority}",
            mr.rig if mr.local else Text(mr.rig, style="dim italic"),
            mr.source,
            mr.source_title,
            mr.worker.rsplit("/", 1)[-1],
            badge(self, mr.state),
            mr.gate_summary or "—",
            mr.batch or "—",
            mr.diffstat.split(" (")[0] or "—",
            age(mr.created_at, now),
        )
