"""Export of the ledger in beads' shapes: a backup folder, or a single ``issues.jsonl``.

Every record goes out, wisps included, with what its import kept beyond the columns (see
shapes.py), so a round trip gives back the records it was given. Derived counts
(``dependency_count`` …) are recomputed.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from ..errors import InvalidInput
from . import jsonl
from .backup import HEADER, MEMORY_PREFIX
from .ids import WISP_INFIX
from .ledger import Ledger
from .reads import Session
from .shapes import DERIVED, FILE, FOLDER, TABLE_COLUMNS, Extra, file_keys_absent, join, record_key

_ORDER = {
    "issues": "id",
    "dependencies": "issue_id, depends_on_id",
    "labels": "issue_id, label",
    "comments": "id",
    "events": "id",
    "config": "`key`",
}


def _dump(session: Session) -> tuple[dict[str, list[dict[str, Any]]], dict[tuple[str, str], str], int]:
    tables = {
        table: session.rows(f"SELECT {', '.join(f'`{c}`' for c in columns)} FROM {table} ORDER BY {_ORDER[table]}")
        for table, columns in TABLE_COLUMNS.items()
    }
    extras = {(r["tbl"], r["rkey"]): r["body"] for r in session.rows("SELECT tbl, rkey, body FROM gt_extras")}
    return tables, extras, session.last_event_id()


def _records(table: str, rows: list[dict[str, Any]], extras: dict[tuple[str, str], str], shape: str):
    for row in rows:
        body = extras.get((table, record_key(table, row)))
        extra = Extra.loads(body) if body else None
        yield row, extra, join(table, row, extra, shape)


def _counts(tables: dict[str, list[dict[str, Any]]]) -> dict[str, int]:
    counts = {table: len(rows) for table, rows in tables.items()}
    counts["wisps"] = sum(f"{WISP_INFIX}-" in r["id"] for r in tables["issues"])
    return counts


def _target(path: str, folder: bool) -> Path:
    target = Path(path)
    if folder and target.exists() and not target.is_dir():
        raise InvalidInput(f"{target} is a file, not a folder", "give a new or existing folder to export into")
    if not folder and target.is_dir():
        raise InvalidInput(f"{target} is a folder", "give a file name for the jsonl export, e.g. issues.jsonl")
    try:
        (target if folder else target.parent).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InvalidInput(f"cannot create {target}: {exc.strerror}", "give a place you can write to") from None
    return target


def _writing(target: Path, write) -> dict[str, int]:
    try:
        return write()
    except OSError as exc:
        raise InvalidInput(
            f"cannot write {exc.filename or target}: {exc.strerror}", "give a place you can write to"
        ) from None


def export_backup(ledger: Ledger, directory: str) -> dict[str, int]:
    """Write the backup-folder shape: one JSONL file per table, keys sorted."""
    target = _target(directory, folder=True)
    tables, extras, last_event_id = ledger.read(_dump)

    def write() -> dict[str, int]:
        for table, rows in tables.items():
            jsonl.write(target / f"{table}.jsonl", [r for _, _, r in _records(table, rows, extras, FOLDER)])
        counts = {table: len(rows) for table, rows in tables.items()}
        (target / "backup_state.json").write_text(
            _state(extras.get(("file", "backup_state.json")), counts, last_event_id), encoding="utf-8"
        )
        if ("file", "manifest.json") in extras:
            (target / "manifest.json").write_text(extras["file", "manifest.json"], encoding="utf-8")
        return _counts(tables)

    return _writing(target, write)


def _state(kept: str | None, counts: dict[str, int], last_event_id: int) -> str:
    """``backup_state.json``: the imported one with today's counts, else a new one (kept verbatim
    when it is not a JSON object)."""
    try:
        state = json.loads(kept) if kept else {"last_event_id": last_event_id}
    except json.JSONDecodeError:
        return kept or ""
    if not isinstance(state, dict):
        return kept or ""
    if "counts" in state or not kept:
        state["counts"] = counts
    return json.dumps(state, indent=2)


def export_jsonl(ledger: Ledger, path: str) -> dict[str, int]:
    """Write beads' single-file shape: one issue per line with its labels, dependencies and
    comments (events have no place in it), then memories (``kv.memory.*`` config) as
    ``_type: memory`` lines and any record kept verbatim from a stream."""
    target = _target(path, folder=False)
    tables, extras, _ = ledger.read(_dump)
    nested: dict[str, dict[str, list[Any]]] = {key: defaultdict(list) for key in ("labels", "dependencies", "comments")}
    dependents: dict[str, int] = defaultdict(int)
    for table in nested:
        for row, _, record in _records(table, tables[table], extras, FILE):
            nested[table][row["issue_id"]].append(row["label"] if table == "labels" else record)
            if table == "dependencies":
                dependents[row["depends_on_id"]] += 1
    lines: list[str] = [extras["file", HEADER]] if ("file", HEADER) in extras else []
    dumps = jsonl.DUMPS
    for row, extra, record in _records("issues", tables["issues"], extras, FILE):
        bead = row["id"]
        for key, items in ((k, nested[k].get(bead, [])) for k in nested):
            if items or (extra is not None and not file_keys_absent(extra, key)):
                record[key] = items
        derived = (
            len(nested["dependencies"].get(bead, ())),
            dependents.get(bead, 0),
            len(nested["comments"].get(bead, ())),
        )
        for key, value in zip(DERIVED, derived, strict=True):
            if not file_keys_absent(extra, key):
                record[key] = value
        lines.append(dumps(record))
    lines += [body for (tbl, key), body in sorted(extras.items()) if tbl == "file" and key.startswith("record:")]
    memories = [r for r in tables["config"] if r["key"].startswith(MEMORY_PREFIX)]
    lines += [dumps({"_type": "memory", "key": r["key"][len(MEMORY_PREFIX) :], "value": r["value"]}) for r in memories]

    def write() -> dict[str, int]:
        jsonl.write_lines(target, lines)
        counts = _counts(tables)
        counts["memories"] = len(memories)
        del counts["events"], counts["config"]
        return counts

    return _writing(target, write)
