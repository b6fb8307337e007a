"""Where imported records go in beads' tables, as ``bd`` would put them.

A bead goes to ``wisps`` when it is ephemeral, has ``no_history``, or is of one of bd's infra
types; its labels, dependencies, comments and events follow it into the ``wisp_*`` tables. A
dependency names its target in ``depends_on_issue_id``, ``depends_on_wisp_id`` or (a bead not in
this ledger) ``depends_on_external``, under a new UUID id. Comment and event ids are kept as the
file wrote them (a number kept as text, its JSON kind in the record's extras); one the ledger
already uses gets a new UUID, the file's id kept to be written back. Times a DATETIME column
cannot hold as written (an offset, a fraction) are stored as their instant and kept verbatim too
(``Extra.times``). A bead without a ``content_hash`` gets the one bd would give it (hashing.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from . import fields, hashing
from .backup import Backup, Record
from .reads import Session
from .schema import BACKUP_TABLES, ISSUE_DEFAULTS
from .views import BD_INFRA_TYPES, TIME_FIELDS, VIEW, wisp_table

if TYPE_CHECKING:
    from .writes import Tx

_CHUNK = 500
_TIMES = {
    "issues": TIME_FIELDS,
    "dependencies": ("created_at",),
    "comments": ("created_at",),
    "events": ("created_at",),
}
# beads' NOT NULL columns without a default, and what a record's null (or missing) value is stored as.
_EPOCH = "1970-01-01T00:00:00Z"
_NOT_NULL = {
    "issues": {
        **dict.fromkeys(("description", "design", "acceptance_criteria", "notes"), ""),
        **dict.fromkeys(("created_at", "updated_at"), _EPOCH),
    },
    # (``metadata`` and ``thread_id`` may be null, but bd writes, and reads, ``{}`` and '')
    "dependencies": {"type": "blocks", "created_at": _EPOCH, "created_by": "", "metadata": "{}", "thread_id": ""},
    "comments": {"author": "", "text": "", "created_at": _EPOCH},
    "events": {"actor": "", "created_at": _EPOCH},
    "config": {"value": ""},
}
# Where the times are in a row of each table (in its ``BACKUP_TABLES`` columns).
_AT = {t: tuple(i for i, c in enumerate(cols) if c == "created_at") for t, cols in BACKUP_TABLES.items()}
_ISSUE_TIMES = tuple(i for i, c in enumerate(ISSUE_DEFAULTS) if c in TIME_FIELDS)
_TARGET_COLUMN = {"issues": "depends_on_issue_id", "wisps": "depends_on_wisp_id", None: "depends_on_external"}


def chunks(items: list[str]) -> Iterable[tuple[list[str], str]]:
    for start in range(0, len(items), _CHUNK):
        chunk = items[start : start + _CHUNK]
        yield chunk, ", ".join("?" * len(chunk))


def fit(session: Session, backup: Backup) -> None:
    """Each record's values as beads' columns will give them back, what the file wrote kept in the
    record's extras where that differs: a value for a null (or missing) NOT NULL column; and on a
    backend whose times are DATETIME, each time in ISO 8601 UTC, whole seconds."""
    for record in backup.tables["issues"]:
        _hash(record)
    for table, fills in _NOT_NULL.items():
        for record in backup.tables[table]:
            for name, fill in fills.items():
                if record.values.get(name) is None:
                    record.values[name] = fill
                    record.extra.filled[name] = fill
    if not session.ledger.backend.has_datetimes:
        return
    for table, names in _TIMES.items():
        for record in backup.tables[table]:
            for name in names:
                written = record.values.get(name)
                when = fields.parse_stamp(written) if isinstance(written, str) and written else None
                if when is not None and fields.stamp(when) != written:
                    record.values[name] = fields.stamp(when)
                    record.extra.times[name] = written


def _hash(record: Record) -> None:
    """A bead the file gives no ``content_hash`` gets bd's, worked out as bd's import does; one the
    file gives is kept as it is (an empty one too: a row an earlier gastown-tui wrote); a null one is
    kept to be written back."""
    values = record.values
    if values.get("content_hash") is not None:
        return
    if "content_hash" in values:
        record.extra.fields["content_hash"] = None
    values["content_hash"] = hashing.content_hash(values, record.extra.fields.get("bonded_from"))


def homes(session: Session, ids: Iterable[str]) -> dict[str, str]:
    """Which of beads' tables holds each of ``ids`` (``issues`` or ``wisps``); absent ids are left out."""
    found: dict[str, str] = {}
    for chunk, marks in chunks(list(dict.fromkeys(ids))):
        for table in ("issues", "wisps"):
            found.update((r["id"], table) for r in session.rows(f"SELECT id FROM {table} WHERE id IN ({marks})", chunk))
    return found


def _home(record: Record) -> str:
    values = record.values
    wisp = values.get("ephemeral") or values.get("no_history") or values.get("issue_type") in BD_INFRA_TYPES
    return "wisps" if wisp else "issues"


def log_ids(session: Session, table: str, records: list[Record]) -> None:
    """Ids for new comments or events: the file's own, as text, unless the ledger (or an earlier
    record) already uses it; the file's id kept in the extras where the stored one differs."""
    given = [str(r.values["id"]) for r in records if r.values.get("id") is not None]
    taken: set[str] = set()
    for chunk, marks in chunks(given):
        taken.update(str(r["id"]) for r in session.rows(f"SELECT id FROM {VIEW[table]} WHERE id IN ({marks})", chunk))
    for record in records:
        original = record.values.get("id")
        text = None if original is None else str(original)
        if text is None or text in taken or len(text) > 36:
            text = str(uuid.uuid4())
        taken.add(text)
        if original is not None and (text != original):
            record.extra.fields["id"] = original
        record.values["id"] = text


def place(tx: Tx, table: str, records: list[Record], known: dict[str, str]) -> None:
    """Write ``records`` of ``table`` where beads keeps them. ``known`` says where beads are (an
    issue's records placed first add theirs; the others are looked up once, and added)."""
    if not records:
        return
    if table == "issues":
        _place_issues(tx, records)
        known.update((r.values["id"], _home(r)) for r in records)
        return
    wanted = {r.values["issue_id"] for r in records} | (
        {r.values["depends_on_id"] for r in records} if table == "dependencies" else set()
    )
    looked = [bead for bead in wanted if bead not in known]
    known.update(homes(tx, looked))
    known.update((bead, "") for bead in looked if bead not in known)  # not in this ledger
    groups: dict[tuple[str, str], list[list[Any]]] = {}
    for record in records:
        values = record.values
        home = table if known.get(values["issue_id"]) != "wisps" else wisp_table(table)
        row = _times(tx, [values.get(c) for c in BACKUP_TABLES[table]], _AT[table])
        if table == "dependencies":
            target = _TARGET_COLUMN[known.get(values["depends_on_id"]) or None]
            groups.setdefault((home, target), []).append([str(uuid.uuid4()), *row])
        else:
            groups.setdefault((home, ""), []).append(row)
    for (home, target), rows in groups.items():
        columns = list(BACKUP_TABLES[table])
        if table == "dependencies":
            columns = ["id", *(target if c == "depends_on_id" else c for c in columns)]
        verb = tx.ledger.backend.insert_ignore if table == "labels" else "INSERT"
        names = ", ".join(f"`{c}`" for c in columns)
        sql = f"{verb} INTO {home} ({names}) VALUES ({', '.join('?' * len(columns))})"
        tx.cur.executemany(tx.ledger.backend.sql(sql), rows)
    if table in ("comments", "events"):  # the feed: oldest first, the file's order within a second
        ordered = sorted(records, key=lambda r: fields.instant(r.values.get("created_at")))
        feed = [(r.values["issue_id"], table, r.values["id"]) for r in ordered]
        sql = "INSERT INTO gt_feed (issue_id, kind, log_id) VALUES (?, ?, ?)"
        tx.cur.executemany(tx.ledger.backend.sql(sql), feed)


def _place_issues(tx: Tx, records: list[Record]) -> None:
    now = homes(tx, (r.values["id"] for r in records))
    columns = list(ISSUE_DEFAULTS)
    for home in ("issues", "wisps"):
        mine = [r for r in records if _home(r) == home]
        moved = [r.values["id"] for r in mine if now.get(r.values["id"], home) != home]
        for chunk, marks in chunks(moved):
            tx.execute(f"DELETE FROM {'wisps' if home == 'issues' else 'issues'} WHERE id IN ({marks})", chunk)
        rows = [_times(tx, issue_row(r.values), _ISSUE_TIMES) for r in mine]
        if rows:
            tx.cur.executemany(tx.ledger.backend.sql(tx.ledger.backend.upsert(home, columns, "id")), rows)


def _times(tx: Tx, row: list[Any], at: tuple[int, ...]) -> list[Any]:
    """``row`` with the values at positions ``at`` as beads' DATETIME columns take them."""
    if tx.ledger.backend.has_datetimes:
        for i in at:
            row[i] = tx.time(row[i])
    return row


def issue_row(values: dict[str, Any]) -> list[Any]:
    """An issue record's column values, in ``ISSUE_FIELDS`` order (defaults where it has none)."""
    return list({**ISSUE_DEFAULTS, **values}.values())  # values' keys are all columns (shapes.split)
