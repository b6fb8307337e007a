"""A ledger in the layout gastown-tui used before beads' schema (up to commit 8977c34), read for
``gt ledger upgrade`` (upgrade.py) as the records that version's ``gt export DIR`` wrote (a folder
to keep) and as the records its imports were given, each in its shape, so that the ordinary import
(transfer.py) takes them in as it would have taken the original files; no second importer.

That layout had tables of its own named like beads' (``issues``, ``dependencies``, ``labels``,
``comments``, ``events``, ``config``; times as ISO text, integer log ids), and ``gt_extras`` /
``gt_leases`` / ``gt_write_lock`` beside them. Its ``issues`` held the backup record's fields, with
``quality_score`` and ``crystallizes`` (beads' since dropped columns) where beads now has
``no_history`` and ``started_at``.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import jsonl
from .backup import FOLDER_FILES, Backup, Record, check
from .jsonl import Line
from .schema import BACKUP_TABLES, ISSUE_DEFAULTS
from .shapes import DERIVED, FILE, FOLDER, IMPORTED_CONFIG, NESTED, Extra, join, record_key, split

# Every table that layout made (a ledger made before one of the gt_ ones existed lacks it).
TABLES = ("issues", "dependencies", "labels", "comments", "events", "config", "gt_extras", "gt_leases", "gt_write_lock")
# Its issue columns beads has no more, and their defaults; and all of its issue columns.
_DROPPED = {"quality_score": None, "crystallizes": 0}
_ISSUE_DEFAULTS = {**{k: v for k, v in ISSUE_DEFAULTS.items() if k not in ("no_history", "started_at")}, **_DROPPED}
_FLAGS = frozenset(("ephemeral", "pinned", "is_template", "crystallizes"))
_JSON_TEXT = frozenset(("metadata", "waiters"))
_FILE_ONLY = frozenset(("timeout", *NESTED, *DERIVED))
_ORDER = {
    "issues": "id",
    "dependencies": "issue_id, depends_on_id",
    "labels": "issue_id, label",
    "comments": "id",
    "events": "id",
    "config": "`key`",
}


@dataclass
class OldLedger:
    """Every row of the old layout's tables (``gt_`` ones included), read in one transaction."""

    tables: dict[str, list[dict[str, Any]]]

    def counts(self) -> dict[str, int]:
        return {table: len(rows) for table, rows in self.tables.items()}

    def extras(self, *kinds: str) -> list[dict[str, Any]]:
        return [r for r in self.tables["gt_extras"] if r["tbl"] in kinds]

    def rows(self, table: str) -> Iterator[tuple[dict[str, Any], Extra | None, dict[str, Any]]]:
        """Each row of a backup table with its kept extra and the record the old ``gt export DIR``
        wrote for it (config: the keys imports gave, as given, if any; else the town's rows)."""
        kept = {(r["tbl"], r["rkey"]): r["body"] for r in self.tables["gt_extras"]}
        rows = self.tables[table]
        given = {r["rkey"]: json.loads(r["body"])["value"] for r in self.extras(IMPORTED_CONFIG)}
        if table == "config" and given:
            rows = [{"key": key, "value": given[key]} for key in sorted(given)]
        for row in rows:
            body = kept.get((table, record_key(table, row)))
            extra = Extra.loads(body) if body else None
            yield row, extra, _record(table, row, extra, FOLDER)

    def write_folder(self, folder: Path) -> None:
        """The backup folder the old ``gt export DIR`` wrote for this ledger (its ``backup_state.json``
        and ``manifest.json`` only as an import had kept them)."""
        folder.mkdir(parents=True)
        for table in BACKUP_TABLES:
            jsonl.write(folder / f"{table}.jsonl", [record for _, _, record in self.rows(table)])
        for row in self.extras("file"):
            if row["rkey"] in FOLDER_FILES:
                (folder / row["rkey"]).write_text(row["body"], encoding="utf-8")

    def backup(self, folder: Path) -> Backup:
        """The records to import, checked: each as the record it was imported from, in that shape
        (its extra says which), so the import keeps what it would have kept from the original file;
        an issue the old version made itself (no extra) as the row it is. Lines point into ``folder``."""
        backup = Backup(FOLDER)
        for table in BACKUP_TABLES:
            for number, (row, extra, written) in enumerate(self.rows(table), 1):
                line = Line(folder / f"{table}.jsonl", number, jsonl.SORTED_DUMPS(written), written)
                if table == "issues" and extra is None:
                    values = {k: v for k, v in row.items() if k in ISSUE_DEFAULTS}
                    dropped = {k: row[k] for k in _DROPPED if row.get(k, _DROPPED[k]) != _DROPPED[k]}
                    split_extra = Extra(fields=dropped)
                else:
                    shape = _shape(extra) if table == "issues" else FOLDER
                    values, split_extra = split(table, _record(table, row, extra, shape), shape)
                backup.tables[table].append(Record(values, split_extra, line))
        check(backup)
        return backup


def read(backend, conn, found: set[str]) -> OldLedger:
    """The old tables on ``conn`` (tables ``found`` among ``TABLES``), in one consistent read."""
    cur = conn.cursor()
    if backend.dialect == "mysql":
        cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cur.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT")
    else:
        cur.execute("BEGIN")
    tables: dict[str, list[dict[str, Any]]] = {}
    for table in TABLES:
        if table not in found:
            tables[table] = []
            continue
        cur.execute(f"SELECT * FROM `{table}`" + (f" ORDER BY {_ORDER[table]}" if table in _ORDER else ""))
        names = [d[0] for d in cur.description]
        tables[table] = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    conn.rollback()
    return OldLedger(tables)


def _shape(extra: Extra | None) -> str:
    """The shape an imported issue came in: a single file's record lacks some key only that shape
    has (``timeout``, ``labels``, ``comment_count``…). One that had them all reads the same either way."""
    return FILE if extra is not None and not _FILE_ONLY.isdisjoint(extra.absent) else FOLDER


def _record(table: str, row: dict[str, Any], extra: Extra | None, shape: str) -> dict[str, Any]:
    """The record the old export wrote for ``row`` in ``shape`` (the old ``shapes.join``: for an
    issue, over the old columns; a file's issue also says which of its own keys it had)."""
    if table != "issues":
        return join(table, row, extra, FOLDER)
    flipped = set(extra.flipped) if extra else set()
    absent = set(extra.absent) if extra else set()
    out: dict[str, Any] = {}
    for column, default in _ISSUE_DEFAULTS.items():
        key = "timeout" if shape == FILE and column == "timeout_ns" else column
        value = row.get(column, default)
        if key in absent and value == default:
            continue  # not in the record it came from, and not set since
        if value is not None and (shape == FILE) != (key in flipped):  # JSON's kind: true, an object
            if column in _FLAGS:
                value = bool(value)
            elif column in _JSON_TEXT and isinstance(value, str):
                with contextlib.suppress(json.JSONDecodeError):
                    value = json.loads(value) if value else ({} if column == "metadata" else [])
        out[key] = value
    if shape == FILE:  # only whether each was there counts: the rows come from their own tables
        out.update((key, None) for key in (*NESTED, *DERIVED) if key not in absent)
    if extra:
        out.update(extra.fields)
    return out
