"""Import and export of beads backups.

Two input shapes: a backup folder (one JSONL file per table, like
``shared/fixtures/gastown-ledger``) and a single beads ``issues.jsonl`` export
whose lines carry their own ``labels``, ``dependencies`` and ``comments``.
Everything is parsed and checked before anything is written; the write is one
transaction, so a bad line means nothing is imported.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ..errors import InvalidInput
from .ledger import WISP_INFIX, Ledger, Tx
from .schema import BACKUP_TABLES, ISSUE_DEFAULTS, ISSUE_FIELDS

# Keys a per-issue export nests inside each issue object.
_NESTED = ("labels", "dependencies", "comments")


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    records = []
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InvalidInput(
                    f"{path}:{number}: malformed JSON ({exc.msg})", "fix or remove that line; nothing was imported"
                ) from None
            if not isinstance(record, dict):
                raise InvalidInput(f"{path}:{number}: expected a JSON object", "nothing was imported")
            records.append(record)
    return records


def _check(table: str, path: Path, records: list[dict[str, Any]]) -> None:
    required = {
        "issues": ("id", "title"),
        "dependencies": ("issue_id", "depends_on_id"),
        "labels": ("issue_id", "label"),
        "comments": ("issue_id", "text"),
        "events": ("issue_id", "event_type"),
        "config": ("key", "value"),
    }[table]
    for number, record in enumerate(records, 1):
        missing = [k for k in required if record.get(k) in (None, "")]
        if missing:
            raise InvalidInput(
                f"{path}: record {number} has no {', '.join(missing)}", "fix the record; nothing was imported"
            )


def _split_dependency(record: dict[str, Any]) -> dict[str, Any]:
    """Accept both the legacy ``depends_on_id`` and beads ≥ 1.0.5's typed target columns."""
    if "depends_on_id" not in record:
        for key in ("depends_on_issue_id", "depends_on_wisp_id", "depends_on_external"):
            if record.get(key):
                record = {**record, "depends_on_id": record[key]}
                break
    return record


def read_backup(path: str) -> dict[str, list[dict[str, Any]]]:
    """All records of a backup folder or single export file, checked, by table."""
    source = Path(path)
    tables: dict[str, list[dict[str, Any]]] = {name: [] for name in BACKUP_TABLES}
    if source.is_dir():
        found = False
        for name in BACKUP_TABLES:
            file = source / f"{name}.jsonl"
            if file.is_file():
                found = True
                tables[name] = _read_jsonl(file)
                _check(name, file, tables[name])
        if not found:
            raise InvalidInput(
                f"{source} holds no beads backup (no issues.jsonl …)", "point at a backup folder or file"
            )
    elif source.is_file():
        for issue in _read_jsonl(source):
            for dep in issue.pop("dependencies", None) or []:
                tables["dependencies"].append({"issue_id": issue.get("id"), **dep})
            for label in issue.pop("labels", None) or []:
                tables["labels"].append({"issue_id": issue.get("id"), "label": label})
            for comment in issue.pop("comments", None) or []:
                tables["comments"].append({"issue_id": issue.get("id"), **comment})
            tables["issues"].append(issue)
        for name in ("issues", "labels", "comments"):
            _check(name, source, tables[name])
    else:
        raise InvalidInput(f"{source} does not exist", "give a backup folder or an issues.jsonl file")
    tables["dependencies"] = [_split_dependency(d) for d in tables["dependencies"]]
    _check("dependencies", source, tables["dependencies"])
    return tables


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
    target.mkdir(parents=True, exist_ok=True)

    def dump(s) -> dict[str, list[dict[str, Any]]]:
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
            out[table] = s.rows(f"SELECT {names} FROM {table}{where} ORDER BY {order[table]}")
        return out

    tables = ledger.read(dump)
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
        json.dump({"counts": counts, "last_event_id": ledger.read(lambda s: s.last_event_id())}, fh, indent=2)
    return counts


def _plain(value: Any, column: str) -> Any:
    from decimal import Decimal

    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value
