"""The refinery queue: open merge requests of every rig with state and gate results."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from rich.text import Text

from .. import actions
from .ages import age
from .badges import badge
from .keyed_table import Column, KeyedTable

if TYPE_CHECKING:  # the services load in the first ledger read's worker, not before the first paint
    from ...services.townview import MergeRequestView, TownSnapshot


class MergeQueueTable(actions.ScreenActions, KeyedTable):
    BINDINGS = actions.bindings("queue")
    COLUMNS = (
        Column("MR", 11),
        Column("P", 2, drop=3),
        Column("Rig", 8, drop=4),
        Column("Bead", 9, drop=5),
        Column("Title", 14, flex=True),
        Column("Worker", 7, drop=6),
        Column("State", 8),
        Column("Gates", 12, drop=1),
        Column("Diff", 8, drop=7),
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
        self.border_subtitle = (f"{len(self.requests)} waiting" if self.requests else "empty") + self.filter_note

    def tick(self, now: dt.datetime) -> None:
        self.refresh_column("Age", lambda key: age(self.requests[key].created_at, now))

    def _cells(self, mr: MergeRequestView, now: dt.datetime) -> tuple:
        return (
            Text(mr.id, style="bold"),
            f"P{mr.priority}",
            mr.rig,
            mr.source,
            mr.source_title,
            mr.worker.rsplit("/", 1)[-1],
            badge(self, mr.state),
            mr.gate_summary or "—",
            mr.diffstat.split(" (")[0] or "—",
            age(mr.created_at, now),
        )
