"""Import of beads exports (every shape: see backup.py), as a mirror of what the file says.

Everything is read and checked before anything is written; the write is one transaction, so a
bad line means nothing is imported. An issue in the file replaces its row, its labels and its
dependencies (labels or dependencies the newer file dropped go too); issues the file does not
name are left alone. Comments and events are logs: rows already present are not added again.
Config keys the town has of its own (``issue_prefix``…) keep their values; every key a file gives
is recorded with its value (``IMPORTED_CONFIG``) for export to give back.
"""

from __future__ import annotations

import json
import os
from decimal import Decimal
from typing import Any

from . import backup as backups
from . import jsonl, placing, upkeep
from .backup import FOLDER_FILES, HEADER, Backup, Record
from .beads_schema import default_config
from .ledger import Ledger
from .placing import chunks
from .reads import Session
from .schema import BACKUP_TABLES, DEPENDENCY_FIELDS, ISSUE_FIELDS
from .shapes import FOLDER, IMPORTED_CONFIG, record_key
from .views import VIEW
from .writes import Tx


@jsonl.bulk()
def import_backup(ledger: Ledger, path: str, actor: str | None = None, dry_run: bool = False) -> dict[str, Any]:
    """Load a backup folder or export file. Returns rows imported per table and ``left_alone``
    (ledger issues the file does not name); with ``dry_run``, what would change (see ``plan``)."""
    backup = backups.read(path)
    if dry_run:
        return ledger.read(lambda session: plan(session, backup))
    return import_records(ledger, backup, os.path.basename(os.path.normpath(path)), actor)


def import_records(ledger: Ledger, backup: Backup, name: str, actor: str | None = None) -> dict[str, Any]:
    """Write the checked records of ``backup`` (read from ``name``) as ``import_backup`` does."""
    fitted = False

    def load(tx: Tx) -> dict[str, Any]:
        nonlocal fitted
        if not fitted:  # once: a retried write starts again from the records as fitted
            placing.fit(tx, backup)
            fitted = True
        ids = [r.values["id"] for r in backup.tables["issues"]]
        current = tx.get_many(ids)
        left_alone = int(tx.scalar("SELECT COUNT(*) FROM gt_issues") or 0) - len(current)
        same = _unchanged(tx, backup, current)
        dirty = [i for i in ids if i not in same]
        _clear(tx, dirty)
        counts: dict[str, Any] = {}
        known: dict[str, str] = {}  # where each bead is (placing.place)
        for table, columns in BACKUP_TABLES.items():
            records = backup.tables[table]
            counts[table] = len(records)
            if table in ("comments", "events"):
                records = _fresh(tx, table, records)
                placing.log_ids(tx, table, records)
                counts[table] = len(records)
                placing.place(tx, table, records, known)
            elif table == "config":
                rows, counts["config_kept"] = _config(tx, records)
                _insert(tx, table, columns, rows)
            else:
                owner = "id" if table == "issues" else "issue_id"
                records = [r for r in records if r.values.get(owner) not in same]
                placing.place(tx, table, records, known)
            _insert(
                tx,
                "gt_extras",
                ("tbl", "rkey", "body"),
                [[table, record_key(table, r.values), r.extra.dumps()] for r in records if r.extra],
            )
        _keep_files(tx, backup)
        upkeep.refresh_all(tx, ids)
        counts["left_alone"] = left_alone
        tx.touched.append(f"import of {name}")
        return counts

    return ledger.write("import", load, actor=actor)


def plan(session: Session, backup: Backup) -> dict[str, Any]:
    """What importing ``backup`` would change, without changing it."""
    placing.fit(session, backup)
    ids = [r.values["id"] for r in backup.tables["issues"]]
    current = session.get_many(ids)
    same = _unchanged(session, backup, current)
    changed = [i for i in ids if i in current and i not in same]
    new_labels = {(r.values["issue_id"], r.values["label"]) for r in backup.tables["labels"]}
    old_labels = {(i, label) for i, labels in session.labels_for(ids).items() for label in labels}
    new_deps = {
        (r.values["issue_id"], r.values["depends_on_id"], r.values.get("type")) for r in backup.tables["dependencies"]
    }
    old_deps = {(d["issue_id"], d["depends_on_id"], d["type"]) for d in _dependencies(session, ids)}
    return {
        "new": [i for i in ids if i not in current],
        "changed": changed,
        "unchanged": len(current) - len(changed),
        "left_alone": int(session.scalar("SELECT COUNT(*) FROM gt_issues") or 0) - len(current),
        "labels_added": len(new_labels - old_labels),
        "labels_removed": len({x for x in old_labels - new_labels if x[0] in current}),
        "dependencies_added": len(new_deps - old_deps),
        "dependencies_removed": len(old_deps - new_deps),
        "comments": len(_fresh(session, "comments", backup.tables["comments"])),
        "events": len(_fresh(session, "events", backup.tables["events"])),
        "config_kept": _kept_own(_own_config(session), backup.tables["config"]),
    }


def _unchanged(session: Session, backup: Backup, current: dict[str, dict[str, Any]]) -> set[str]:
    """Issues of the file the ledger already holds exactly as the file says (row, kept extras,
    labels, dependencies): a re-import leaves them be, so importing the same file again is cheap."""
    if not current:
        return set()
    wanted = list(current)
    kept = _kept(session, "issues", wanted)
    kept_deps = {k: v for k, v in _kept(session, "dependencies").items() if k.split("\n", 1)[0] in current}
    labels_now = session.labels_for(wanted)
    deps_now: dict[str, list[tuple]] = {}
    for d in sorted(_dependencies(session, wanted, "*"), key=lambda d: d["depends_on_id"]):
        key = record_key("dependencies", d)
        deps_now.setdefault(d["issue_id"], []).append((*(d[c] for c in DEPENDENCY_FIELDS), kept_deps.get(key, "")))
    labels_file: dict[str, list[str]] = {}
    for r in backup.tables["labels"]:
        labels_file.setdefault(r.values["issue_id"], []).append(r.values["label"])
    deps_file: dict[str, list[tuple]] = {}
    for r in sorted(backup.tables["dependencies"], key=lambda r: r.values["depends_on_id"]):
        body = r.extra.dumps() if r.extra else ""
        deps_file.setdefault(r.values["issue_id"], []).append((*_row("dependencies", r.values), body))
    same = set()
    for r in backup.tables["issues"]:
        bead = r.values["id"]
        row = current.get(bead)
        if (
            row is not None
            and [_plain(row[c]) for c in ISSUE_FIELDS] == placing.issue_row(r.values)
            and kept.get(bead, "") == (r.extra.dumps() if r.extra else "")
            and labels_now.get(bead, []) == sorted(labels_file.get(bead, []))
            and deps_now.get(bead, []) == deps_file.get(bead, [])
        ):
            same.add(bead)
    return same


def _kept(session: Session, table: str, keys: list[str] | None = None) -> dict[str, str]:
    """``gt_extras`` bodies of ``table`` by record key (of ``keys`` only, when given)."""
    if keys is None:
        return {r["rkey"]: r["body"] for r in session.rows("SELECT rkey, body FROM gt_extras WHERE tbl = ?", (table,))}
    found: dict[str, str] = {}
    for chunk, marks in chunks(keys):
        sql = f"SELECT rkey, body FROM gt_extras WHERE tbl = ? AND rkey IN ({marks})"
        found.update((r["rkey"], r["body"]) for r in session.rows(sql, [table, *chunk]))
    return found


def _row(table: str, values: dict[str, Any]) -> list[Any]:
    return [values.get(c) for c in BACKUP_TABLES[table]]


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _dependencies(
    session: Session, ids: list[str], columns: str = "issue_id, depends_on_id, type"
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for chunk, marks in chunks(ids):
        rows += session.rows(f"SELECT {columns} FROM gt_dependencies WHERE issue_id IN ({marks})", chunk)
    return rows


def _clear(tx: Tx, ids: list[str]) -> None:
    """The labels, dependencies and kept extras of the issues about to be replaced."""
    for chunk, marks in chunks(ids):
        for table in ("labels", "dependencies", "wisp_labels", "wisp_dependencies"):
            tx.execute(f"DELETE FROM {table} WHERE issue_id IN ({marks})", chunk)
        tx.execute(f"DELETE FROM gt_extras WHERE tbl = 'issues' AND rkey IN ({marks})", chunk)
    wanted = set(ids)
    stale = [
        (r["tbl"], r["rkey"])
        for r in tx.rows("SELECT tbl, rkey FROM gt_extras WHERE tbl IN ('labels', 'dependencies')")
        if r["rkey"].split("\n", 1)[0] in wanted
    ]
    if stale:
        tx.cur.executemany(tx.ledger.backend.sql("DELETE FROM gt_extras WHERE tbl = ? AND rkey = ?"), stale)


def _fresh(session: Session, table: str, records: list[Record]) -> list[Record]:
    """Log rows (comments, events) not already in the ledger: same content, whatever the id."""
    rest = BACKUP_TABLES[table][1:]
    names = ", ".join(rest)
    present = {tuple(r.values()) for r in session.rows(f"SELECT {names} FROM {VIEW[table]}")}
    return [r for r in records if tuple(r.values.get(c) for c in rest) not in present]


def _config(tx: Tx, records: list[Record]) -> tuple[list[list[Any]], list[str]]:
    """The config rows to write, and the town's own keys whose values the file would have replaced
    (``_own_config`` keep theirs); every key of the file is recorded with its value, for export."""
    own = _own_config(tx)
    marks = [
        [IMPORTED_CONFIG, r.values["key"], json.dumps({"value": r.values["value"], "town": r.values["key"] in own})]
        for r in records
    ]
    _insert(tx, "gt_extras", ("tbl", "rkey", "body"), marks)
    return [_row("config", r.values) for r in records if r.values["key"] not in own], _kept_own(own, records)


def _own_config(session: Session) -> dict[str, str]:
    """The town's own config: the keys the ledger has that no import wrote (``gt install``'s
    ``issue_prefix`` and ``types.custom``), with their values; not beads' seeded defaults."""
    given = {key: json.loads(body) for key, body in _kept(session, IMPORTED_CONFIG).items()}
    seeded = default_config()
    rows = session.rows("SELECT `key`, value FROM config")
    return {
        r["key"]: r["value"]
        for r in rows
        if (r["key"] not in given or given[r["key"]].get("town")) and seeded.get(r["key"]) != r["value"]
    }


def _kept_own(own: dict[str, str], records: list[Record]) -> list[str]:
    """The town's own keys to which ``records`` give another value."""
    return sorted(r.values["key"] for r in records if own.get(r.values["key"], r.values["value"]) != r.values["value"])


def _keep_files(tx: Tx, backup: Backup) -> None:
    """Whole files (a folder's manifest) and lines (a stream's header) to give back on export."""
    if backup.shape == FOLDER:
        marks = ", ".join("?" * len(FOLDER_FILES))
        tx.execute(f"DELETE FROM gt_extras WHERE tbl = 'file' AND rkey IN ({marks})", FOLDER_FILES)
    else:
        tx.execute("DELETE FROM gt_extras WHERE tbl = 'file' AND (rkey = ? OR rkey LIKE 'record:%')", (HEADER,))
    _insert(tx, "gt_extras", ("tbl", "rkey", "body"), [["file", k, v] for k, v in backup.files.items()])


def _insert(tx: Tx, table: str, columns: tuple[str, ...], rows: list[list[Any]]) -> None:
    if not rows:
        return
    names = ", ".join(f"`{c}`" for c in columns)
    marks = ", ".join("?" * len(columns))
    tx.cur.executemany(tx.ledger.backend.sql(f"REPLACE INTO {table} ({names}) VALUES ({marks})"), rows)
