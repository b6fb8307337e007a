"""The refinery queue: open merge requests of every rig with state and gate results."""

from __future__ import annotations

import datetime as dt

from rich.text import Text

from ...services.townview import MergeRequestView, TownSnapshot
from .. import actions
from .ages import age
from .badges import badge
from .keyed_table import KeyedTable


class MergeQueueTable(actions.ScreenActions, KeyedTable):
    BINDINGS = actions.bindings("queue")
    COLUMNS = (
        ("MR", 11),
        ("P", 2),
        ("Rig", 8),
        ("Bead", 9),
        ("Title", 14),
        ("Worker", 7),
        ("State", 8),
        ("Gates", 12),
        ("Diff", 8),
        ("Age", 3),
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
