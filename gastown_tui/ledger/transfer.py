"""Import and export of beads backups.

Two input shapes: a backup folder (one JSONL file per table, like
``shared/fixtures/gastown-ledger``) and a single beads ``issues.jsonl`` export
whose lines carry their own ``labels``, ``dependencies`` and ``comments``.
Everything is parsed and checked before anything is written; the write is one
transaction, so a bad line means nothing is imported.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from pathlib import Path
from typing import Any

from ..errors import GtError, InvalidInput
from . import fields
from .ids import WISP_INFIX
from .ledger import Ledger
from .reads import Session
from .schema import BACKUP_TABLES, ISSUE_COLUMNS, ISSUE_DEFAULTS, ISSUE_FIELDS
from .writes import Tx

# Keys a per-issue export nests inside each issue object, and what each element must be.
_NESTED = {"labels": str, "dependencies": dict, "comments": dict}
_NOTHING = "fix the record; nothing was imported"
_REQUIRED = {
    "issues": ("id", "title"),
    "dependencies": ("issue_id", "depends_on_id"),
    "labels": ("issue_id", "label"),
    "comments": ("issue_id", "text"),
    "events": ("issue_id", "event_type"),
    "config": ("key", "value"),
}
# A record and where it came from ("path:line"), so every complaint can point at its line.
Located = tuple[str, dict[str, Any]]


def _read_jsonl(path: Path) -> list[Located]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}", "check the file's permissions") from None
    records = []
    for number, raw in enumerate(data.split(b"\n"), 1):
        where = f"{path}:{number}"
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput(f"{where}: not UTF-8 text", "save the file as UTF-8; nothing was imported") from None
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InvalidInput(
                f"{where}: malformed JSON ({exc.msg})", "fix or remove that line; nothing was imported"
            ) from None
        if not isinstance(record, dict):
            raise InvalidInput(f"{where}: expected a JSON object", "nothing was imported")
        records.append((where, record))
    return records


def _check(table: str, records: list[Located]) -> None:
    """Every record has its keys, and values a ledger can hold (data from other towns is kept as it is)."""
    for where, record in records:
        missing = [k for k in _REQUIRED[table] if record.get(k) in (None, "")]
        if missing:
            raise InvalidInput(f"{where}: record has no {', '.join(missing)}", _NOTHING)
        try:
            _check_values(table, record)
        except GtError as exc:
            raise InvalidInput(f"{where}: {exc.message}", _NOTHING) from None


def _check_values(table: str, record: dict[str, Any]) -> None:
    if table == "issues":
        fields.check_bead_id(record["id"])
        for column, kind, _ in ISSUE_COLUMNS[1:]:
            value = record.get(column)
            if value is None or column == "metadata":
                continue
            if kind == "int" and (not isinstance(value, int) or isinstance(value, bool)):
                raise InvalidInput(f"{column} {value!r} is not a whole number")
            if kind == "real" and (not isinstance(value, int | float) or isinstance(value, bool)):
                raise InvalidInput(f"{column} {value!r} is not a number")
            if kind in ("key", "text", "longtext", "short", "ts") and not isinstance(value, str):
                raise InvalidInput(f"{column} {value!r} is not a string")
            if kind == "ts" and value:
                _check_time(column, value)
        if "priority" in record:
            fields.check_priority(record["priority"])
        for column in ("status", "issue_type"):
            if column in record:
                _check_word(column, record[column])
    elif table == "config":
        for column in ("key", "value"):
            if not isinstance(record[column], str):
                raise InvalidInput(f"config {column} {record[column]!r} is not a string")
    else:
        fields.check_bead_id(record["issue_id"])
        word = {"dependencies": "depends_on_id", "labels": "label", "events": "event_type"}.get(table)
        if word:
            _check_word(word, record[word])
        if table == "dependencies" and "type" in record:
            _check_word("type", record["type"])
        if table == "comments" and not isinstance(record["text"], str):
            raise InvalidInput(f"comment text {record['text']!r} is not a string")


def _check_word(column: str, value: Any) -> None:
    """Statuses, types, labels: names another town may have that we do not know; still one short line."""
    if not isinstance(value, str) or not value or len(value) > 255 or fields.clean_text(value) != value:
        raise InvalidInput(f"bad {column} {value!r}", "use a short text without control characters")


def _check_time(column: str, value: str) -> None:
    try:
        _dt.datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{column} {value!r} is not an ISO-8601 time", "e.g. 2026-02-28T05:33:08Z") from None


def _split_dependency(record: dict[str, Any]) -> dict[str, Any]:
    """Accept both the legacy ``depends_on_id`` and beads ≥ 1.0.5's typed target columns."""
    if "depends_on_id" not in record:
        for key in ("depends_on_issue_id", "depends_on_wisp_id", "depends_on_external"):
            if record.get(key):
                record = {**record, "depends_on_id": record[key]}
                break
    return record


def _unnest(where: str, issue: dict[str, Any], tables: dict[str, list[Located]]) -> None:
    """Move an export line's own labels, dependencies and comments into their tables."""
    for key, kind in _NESTED.items():
        nested = issue.pop(key, None)
        if nested is None:
            continue
        if not isinstance(nested, list) or not all(isinstance(item, kind) for item in nested):
            shape = "texts" if kind is str else "objects"
            raise InvalidInput(f"{where}: {key} must be a list of {shape}, not {nested!r}"[:300], _NOTHING)
        for item in nested:
            owner = {"issue_id": issue.get("id")}
            tables[key].append((where, {**owner, "label": item} if kind is str else {**owner, **item}))


def read_backup(path: str) -> dict[str, list[dict[str, Any]]]:
    """All records of a backup folder or single export file, checked, by table."""
    source = Path(path)
    tables: dict[str, list[Located]] = {name: [] for name in BACKUP_TABLES}
    if source.is_dir():
        found = False
        for name in BACKUP_TABLES:
            file = source / f"{name}.jsonl"
            if file.is_file():
                found = True
                tables[name] = _read_jsonl(file)
        if not found:
            raise InvalidInput(
                f"{source} holds no beads backup (no issues.jsonl …)", "point at a backup folder or file"
            )
    elif source.is_file():
        for where, issue in _read_jsonl(source):
            _unnest(where, issue, tables)
            tables["issues"].append((where, issue))
    else:
        raise InvalidInput(f"{source} does not exist", "give a backup folder or an issues.jsonl file")
    tables["dependencies"] = [(where, _split_dependency(d)) for where, d in tables["dependencies"]]
    for name, records in tables.items():
        _check(name, records)
    return {name: [record for _, record in records] for name, records in tables.items()}


def import_backup(ledger: Ledger, path: str, actor: str | None = None) -> dict[str, int]:
    """Load a backup into the ledger (rows with existing keys are replaced). Returns counts."""
    tables = read_backup(path)

    def load(tx: Tx) -> dict[str, int]:
        counts = {}
        for table, columns in BACKUP_TABLES.items():
            records = tables[table]
            if table == "issues":
                rows = [[_issue_value(r, c) for c in columns] for r in records]
            elif table in ("comments", "events"):
                counts[table] = _append_log(tx, table, columns, records)
                continue
            else:
                rows = [[r.get(c) for c in columns] for r in records]
            _insert(tx, table, columns, rows)
            counts[table] = len(records)
        tx.touched.append(f"import of {os.path.basename(os.path.normpath(path))}")
        return counts

    return ledger.write("import", load, actor=actor)


def _append_log(tx: Tx, table: str, columns: tuple[str, ...], records: list[dict[str, Any]]) -> int:
    """Comments and events keep their backup ids when they all follow the ledger's own rows.

    Otherwise they are renumbered after them, oldest first, so the events feed
    stays monotonic; rows identical to ones already present are skipped, so
    importing the same backup twice adds nothing.
    """
    rest = columns[1:]
    present = {tuple(r[c] for c in rest) for r in tx.rows(f"SELECT * FROM {table}")}
    fresh = [r for r in records if tuple(r.get(c) for c in rest) not in present]
    top = int(tx.scalar(f"SELECT MAX(id) FROM {table}") or 0)
    keep_ids = all(isinstance(r.get("id"), int) and r["id"] > top for r in fresh)
    if keep_ids:
        _insert(tx, table, columns, [[r.get(c) for c in columns] for r in fresh])
    else:
        fresh.sort(key=lambda r: (r.get("created_at") or "", r.get("id") or 0))
        _insert(tx, table, rest, [[r.get(c) for c in rest] for r in fresh])
    return len(fresh)


def _issue_value(record: dict[str, Any], column: str) -> Any:
    value = record.get(column, ISSUE_DEFAULTS[column])
    if column == "metadata" and not isinstance(value, str):
        value = json.dumps(value or {}, sort_keys=True)
    return value


def _insert(tx: Tx, table: str, columns: tuple[str, ...], rows: list[list[Any]]) -> None:
    if not rows:
        return
    names = ", ".join(f"`{c}`" for c in columns)
    marks = ", ".join("?" * len(columns))
    tx.cur.executemany(tx.ledger.backend.sql(f"REPLACE INTO {table} ({names}) VALUES ({marks})"), rows)


def export_backup(ledger: Ledger, directory: str) -> dict[str, int]:
    """Write the backup-folder format: one JSONL file per table, keys sorted.

    Wisps (ids with ``-wisp-``, made by ``create(ephemeral=1)``) stay behind; imported
    rows flagged ephemeral under ordinary ids are the backup's own data and go out again.
    """
    target = Path(directory)
    if target.exists() and not target.is_dir():
        raise InvalidInput(f"{target} is a file, not a folder", "give a new or existing folder to export into")
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InvalidInput(f"cannot create {target}: {exc.strerror}", "give a folder you can write to") from None

    def dump(session: Session) -> dict[str, list[dict[str, Any]]]:
        wisp = f"SELECT id FROM issues WHERE id LIKE '%{WISP_INFIX}-%'"
        order = {
            "issues": "id",
            "dependencies": "issue_id, depends_on_id",
            "labels": "issue_id, label",
            "comments": "id",
            "events": "id",
            "config": "`key`",
        }
        out = {}
        for table, columns in BACKUP_TABLES.items():
            names = ", ".join(f"`{c}`" for c in columns)
            key = "id" if table == "issues" else "issue_id"
            where = "" if table == "config" else f" WHERE {key} NOT IN ({wisp})"
            out[table] = session.rows(f"SELECT {names} FROM {table}{where} ORDER BY {order[table]}")
        return out

    tables = ledger.read(dump)
    try:
        return _write_backup(target, tables, ledger.read(lambda session: session.last_event_id()))
    except OSError as exc:
        raise InvalidInput(
            f"cannot write {exc.filename or target}: {exc.strerror}", "give a folder you can write to"
        ) from None


def _write_backup(target: Path, tables: dict[str, list[dict[str, Any]]], last_event_id: int) -> dict[str, int]:
    counts = {}
    for table, rows in tables.items():
        tmp = target / f".{table}.jsonl.tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            for row in rows:
                if table == "issues":
                    row = {k: _plain(row[k], k) for k in ISSUE_FIELDS}
                fh.write(json.dumps(row, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str) + "\n")
        tmp.replace(target / f"{table}.jsonl")
        counts[table] = len(rows)
    with open(target / "backup_state.json", "w", encoding="utf-8") as fh:
        json.dump({"counts": counts, "last_event_id": last_event_id}, fh, indent=2)
    return counts


def _plain(value: Any, column: str) -> Any:
    from decimal import Decimal

    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value
