"""``Session``: the reads of one unit of work on the ledger (``Ledger.read``), over one open cursor.

``Tx`` (writes.py) is a ``Session`` that also writes. Every bead comes back as its row: a dict
keyed by the ``issues`` columns (``services.beads.Bead`` is the typed record built from it).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..errors import NotFound
from . import fields
from .fields import INFRA_TYPES
from .schema import ISSUE_FIELDS
from .views import VIEW

# One row as the ledger returns it: column name → value (what record builders start from).
Row = dict[str, Any]

if TYPE_CHECKING:
    from .ledger import Ledger

_ISSUE_COLS = ", ".join(ISSUE_FIELDS)
# What ``list_beads`` orders on, whatever else it reads.
_ORDER_COLUMNS = ("id", "priority", "created_at", "updated_at")
_FLAGS = ("pinned", "is_template")  # the flag columns a listing may ask to be off


class Session:
    """Queries over one open cursor. ``Tx`` adds the writes."""

    def __init__(self, ledger: Ledger, cur: Any):
        self.ledger = ledger
        self.cur = cur  # a DB-API cursor of the backend

    # -- plumbing ---------------------------------------------------------
    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.cur.execute(self.ledger.backend.sql(sql), tuple(params))

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        self.execute(sql, params)
        names = [d[0] for d in self.cur.description]
        found = self.cur.fetchall()
        if self.ledger.backend.has_datetimes:  # DATETIME columns (beads' own tables) read as the text of the rest
            found = [[fields.stamp_of(v) if isinstance(v, datetime) else v for v in row] for row in found]
        return [dict(zip(names, row, strict=True)) for row in found]

    def row(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        found = self.rows(sql, params)
        return found[0] if found else None

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        self.execute(sql, params)
        got = self.cur.fetchone()
        value = got[0] if got else None
        return fields.stamp_of(value) if isinstance(value, datetime) else value

    # -- beads ------------------------------------------------------------
    def find(self, bead_id: str) -> Row | None:
        return self.row(f"SELECT {_ISSUE_COLS} FROM gt_issues WHERE id = ?", (bead_id,))

    def get(self, bead_id: str) -> Row:
        bead = self.find(bead_id)
        if bead is None:
            fields.check_bead_id(bead_id)
            raise NotFound(f"no bead {bead_id!r} in the ledger", "list beads with: gt bead list --all")
        return bead

    def get_many(self, bead_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        wanted = list(dict.fromkeys(bead_ids))
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            for bead in self.rows(f"SELECT {_ISSUE_COLS} FROM gt_issues WHERE id IN ({marks})", chunk):
                found[bead["id"]] = bead
        return found

    def exists(self, bead_id: str) -> bool:
        return self.scalar("SELECT 1 FROM gt_issues WHERE id = ?", (bead_id,)) is not None

    def list_beads(
        self,
        *,
        status: str | Sequence[str] | None = None,
        issue_type: str | None = None,
        label: str | None = None,
        labels: Sequence[str] = (),
        assignee: str | None = None,
        include_closed: bool = False,
        include_deleted: bool = False,
        include_infra: bool = True,
        exclude_statuses: Sequence[str] = (),
        exclude_types: Sequence[str] = (),
        unflagged: Sequence[str] = (),
        id_prefix: str | None = None,
        parent: str | None = None,
        limit: int | None = None,
        order: str = "priority",
        columns: Sequence[str] = ISSUE_FIELDS,
    ) -> list[Row]:
        """Beads matching every filter given. Without ``status``, closed beads only with ``include_closed``
        and deleted ones (tombstones) only with ``include_deleted`` too. Each row has ``columns``
        (default: all) and the columns that order them. ``unflagged``: flag columns (``pinned``,
        ``is_template``) that must be off."""
        where: list[str] = []
        params: list[Any] = []
        if isinstance(status, str):
            where.append("status = ?")
            params.append(status)
        elif status:
            where.append(f"status IN ({', '.join('?' * len(status))})")
            params.extend(status)
        elif not include_closed:
            where.append(fields.LIVE)
        elif not include_deleted:
            where.append(f"status <> '{fields.TOMBSTONE}'")
        if issue_type:
            where.append("issue_type = ?")
            params.append(issue_type)
        elif not include_infra:
            where.append(f"issue_type NOT IN ({', '.join('?' * len(INFRA_TYPES))})")
            params.extend(INFRA_TYPES)
        for column, values in (("status", exclude_statuses), ("issue_type", exclude_types)):
            if values:
                where.append(f"{column} NOT IN ({', '.join('?' * len(values))})")
                params.extend(values)
        where += [f"COALESCE({flag}, 0) = 0" for flag in unflagged if flag in _FLAGS]
        for one in ([label] if label else []) + list(labels):
            where.append("EXISTS (SELECT 1 FROM gt_labels l WHERE l.issue_id = gt_issues.id AND l.label = ?)")
            params.append(one)
        if assignee is not None:
            where.append("assignee = ?")
            params.append(assignee)
        if id_prefix:
            where.append("id LIKE ?")
            params.append(id_prefix + "%")
        if parent:
            where.append(
                "EXISTS (SELECT 1 FROM gt_dependencies d WHERE d.issue_id = gt_issues.id"
                " AND d.depends_on_id = ? AND d.type = 'parent-child')"
            )
            params.append(parent)
        condition = (" WHERE " + " AND ".join(where)) if where else ""
        picked = ", ".join(dict.fromkeys((*_ORDER_COLUMNS, *columns)))
        if order == "id":
            sql = f"SELECT {picked} FROM gt_issues{condition} ORDER BY id" + (f" LIMIT {int(limit)}" if limit else "")
            return self.rows(sql, params)
        # Times are compared as instants, in Python; whole rows under a limit are read only for the
        # beads kept, after ordering on the few columns that order.
        if limit and columns == ISSUE_FIELDS:
            keys = self.rows(f"SELECT {', '.join(_ORDER_COLUMNS)} FROM gt_issues{condition}", params)
            wanted = [r["id"] for r in _in_time_order(keys, order)][: int(limit)]
            found = self.get_many(wanted)
            return [found[bead_id] for bead_id in wanted]
        return _in_time_order(self.rows(f"SELECT {picked} FROM gt_issues{condition}", params), order)[: limit or None]

    def ready(
        self, *, issue_type: str | None = None, parent: str | None = None, id_prefix: str | None = None
    ) -> list[Row]:
        """Open work beads with no open blocker (a blocker absent from the ledger does not block);
        ``id_prefix`` keeps one rig's (``gt-``)."""
        blocking = ", ".join(f"'{t}'" for t in fields.BLOCKING_DEPENDENCY_TYPES)
        infra = ", ".join(f"'{t}'" for t in INFRA_TYPES)
        where = [
            "i.status = 'open'",
            "i.is_template = 0",
            f"NOT EXISTS (SELECT 1 FROM gt_dependencies d JOIN gt_issues b ON b.id = d.depends_on_id"
            f" WHERE d.issue_id = i.id AND d.type IN ({blocking}) AND b.status NOT IN ('closed', '{fields.TOMBSTONE}'))",
        ]
        params: list[Any] = []
        if issue_type:
            where.append("i.issue_type = ?")
            params.append(issue_type)
        else:
            where.append(f"i.issue_type NOT IN ({infra})")
        if parent:
            where.append(
                "EXISTS (SELECT 1 FROM gt_dependencies p WHERE p.issue_id = i.id"
                " AND p.depends_on_id = ? AND p.type = 'parent-child')"
            )
            params.append(parent)
        if id_prefix:
            where.append("i.id LIKE ?")
            params.append(id_prefix + "%")
        cols = ", ".join(f"i.{c}" for c in ISSUE_FIELDS)
        return _in_time_order(
            self.rows(f"SELECT {cols} FROM gt_issues i WHERE {' AND '.join(where)}", params), "priority"
        )

    def count_with_prefix(self, prefix: str) -> int:
        return int(self.scalar("SELECT COUNT(*) FROM gt_issues WHERE id LIKE ?", (prefix + "-%",)) or 0)

    # -- labels, dependencies, comments, events ---------------------------
    def labels(self, bead_id: str) -> list[str]:
        return [
            r["label"] for r in self.rows("SELECT label FROM gt_labels WHERE issue_id = ? ORDER BY label", (bead_id,))
        ]

    def labels_for(self, bead_ids: Iterable[str]) -> dict[str, list[str]]:
        wanted = list(dict.fromkeys(bead_ids))
        out: dict[str, list[str]] = {bead_id: [] for bead_id in wanted}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            for r in self.rows(
                f"SELECT issue_id, label FROM gt_labels WHERE issue_id IN ({marks}) ORDER BY label", chunk
            ):
                out[r["issue_id"]].append(r["label"])
        return out

    def dependencies(self, bead_id: str, dep_type: str | None = None) -> list[Row]:
        """Edges from ``bead_id`` (what it depends on / tracks / is a child of)."""
        typed = " AND type = ?" if dep_type else ""
        rows = self.rows(
            f"SELECT * FROM gt_dependencies WHERE issue_id = ?{typed}", (bead_id, dep_type) if dep_type else (bead_id,)
        )
        return sorted(rows, key=lambda r: (fields.instant(r["created_at"]), r["depends_on_id"]))

    def dependents(self, bead_id: str, dep_type: str | None = None) -> list[Row]:
        """Edges into ``bead_id`` (who depends on / tracks / is a child of it)."""
        typed = " AND type = ?" if dep_type else ""
        rows = self.rows(
            f"SELECT * FROM gt_dependencies WHERE depends_on_id = ?{typed}",
            (bead_id, dep_type) if dep_type else (bead_id,),
        )
        return sorted(rows, key=lambda r: (fields.instant(r["created_at"]), r["issue_id"]))

    def comments(self, bead_id: str) -> list[Row]:
        """The bead's comments, oldest first (in the order written, where the feed has them)."""
        return self._log("comments", bead_id)

    def events(self, bead_id: str) -> list[Row]:
        """The bead's events, oldest first (in the order written, where the feed has them)."""
        return self._log("events", bead_id)

    def _log(self, table: str, bead_id: str) -> list[Row]:
        rows = self.rows(
            f"SELECT x.*, f.seq FROM {VIEW[table]} x LEFT JOIN gt_feed f ON f.log_id = x.id AND f.kind = ?"
            " WHERE x.issue_id = ?",
            (table, bead_id),
        )
        return sorted(rows, key=log_key)

    def events_since(self, seq: int, limit: int = 1000) -> list[Row]:
        """The change feed: events written after feed position ``seq``, oldest first, each with its ``seq``."""
        return self.rows(
            "SELECT f.seq, e.* FROM gt_feed f JOIN gt_events e ON e.id = f.log_id AND f.kind = 'events'"
            f" WHERE f.seq > ? ORDER BY f.seq LIMIT {int(limit)}",
            (seq,),
        )

    def last_event_id(self) -> int:
        """Where the change feed is (it moves with every write this project makes)."""
        return int(self.scalar("SELECT MAX(seq) FROM gt_feed") or 0)

    def feed_mark(self) -> tuple[int, int]:
        """What changes with every write to the ledger: the feed, and (for writes bd makes, which
        leave the feed alone and add events) how many events beads' tables hold."""
        row = (
            self.row(
                "SELECT (SELECT MAX(seq) FROM gt_feed) AS seq,"
                " (SELECT COUNT(*) FROM events) + (SELECT COUNT(*) FROM wisp_events) AS events"
            )
            or {}
        )
        return int(row.get("seq") or 0), int(row.get("events") or 0)

    def config(self, key: str, default: str | None = None) -> str | None:
        value = self.scalar("SELECT value FROM config WHERE `key` = ?", (key,))
        return default if value is None else value

    def allowed_types(self) -> tuple[str, ...]:
        custom = [t.strip() for t in (self.config("types.custom") or "").split(",") if t.strip()]
        return tuple(dict.fromkeys((*fields.BUILTIN_TYPES, *fields.GASTOWN_TYPES, *custom)))

    def extras(self, table: str, key: str) -> dict[str, Any]:
        """Fields an imported record had beyond the ledger's columns (``deleted_at`` …), verbatim."""
        return self._extra(table, key).get("fields", {})

    def as_written(self, bead: Row) -> Row:
        """The bead with its times as the file it was imported from wrote them (an offset, a fraction
        that a DATETIME column does not keep), where they still name the same instant."""
        written = self._extra("issues", bead["id"]).get("times", {})
        kept = {k: v for k, v in written.items() if fields.instant(bead.get(k)) == math.floor(fields.instant(v))}
        return {**bead, **kept}

    def _extra(self, table: str, key: str) -> dict[str, Any]:
        body = self.scalar("SELECT body FROM gt_extras WHERE tbl = ? AND rkey = ?", (table, key))
        return json.loads(body) if body else {}

    def lease_holder(self, name: str) -> Row | None:
        return self.row("SELECT name, holder, expires_at FROM gt_leases WHERE name = ?", (name,))


def log_key(row: Row) -> tuple:
    """A comment's or event's place among its kind (its ``seq`` in the feed is taken off the row):
    the instant it names, then the order written, then its id."""
    return fields.instant(row["created_at"]), row.pop("seq", None) or 0, fields.log_order(row["id"])


def _in_time_order(rows: list[Row], order: str) -> list[Row]:
    """Rows sorted by the instants their times name (text of mixed offsets does not sort as text)."""
    if order == "updated":
        return sorted(rows, key=lambda r: (-fields.instant(r["updated_at"]), r["id"]))
    if order == "created":
        return sorted(rows, key=lambda r: (fields.instant(r["created_at"]), r["id"]))
    return sorted(rows, key=lambda r: (r["priority"], fields.instant(r["created_at"]), r["id"]))
