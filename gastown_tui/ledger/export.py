"""Export of the ledger in beads' shapes: a backup folder, or a single ``issues.jsonl``.

Every record goes out, wisps included (unless asked not to), with what its import kept beyond the columns (see
shapes.py), so a round trip gives back the records it was given. Derived counts
(``dependency_count`` …) are recomputed.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InvalidInput
from . import jsonl
from .backup import HEADER, MEMORY_PREFIX
from .ids import WISP_INFIX
from .ledger import Ledger
from .reads import Session, log_key
from .schema import BACKUP_TABLES
from .shapes import DERIVED, FILE, FOLDER, IMPORTED_CONFIG, Extra, file_keys_absent, join, record_key
from .views import VIEW

_ORDER = {
    "issues": "id",
    "dependencies": "issue_id, depends_on_id",
    "labels": "issue_id, label",
    "config": "`key`",
}


_WISP = f"{WISP_INFIX}-"
# The columns naming the beads a row belongs to: a wisp's rows stay behind with it.
_OWNERS = {"issues": ("id",), "dependencies": ("issue_id", "depends_on_id"), "config": ()}


@dataclass
class _Dump:
    """Every row of every table, with what imports kept beyond the columns."""

    tables: dict[str, list[dict[str, Any]]]
    extras: dict[tuple[str, str], str]
    last_event_id: int
    left_out: int | None = None  # wisps not exported (None: all were)

    def counts(self) -> dict[str, int]:
        counts = {table: len(rows) for table, rows in self.tables.items()}
        counts["wisps"] = sum(_WISP in r["id"] for r in self.tables["issues"])
        if self.left_out is not None:
            counts["wisps_left_out"] = self.left_out
        return counts

    def records(self, table: str, shape: str):
        """Each row of ``table`` with its kept extra and the record an export writes for it."""
        for row in self.tables[table]:
            body = self.extras.get((table, record_key(table, row)))
            extra = Extra.loads(body) if body else None
            yield row, extra, join(table, row, extra, shape)


def _dump(ledger: Ledger, wisps: bool) -> _Dump:
    """The ledger in one read (without wisps and the rows that belong to them, unless ``wisps``)."""

    def read(session: Session) -> _Dump:
        tables = {}
        for table, columns in BACKUP_TABLES.items():
            names = ", ".join(f"x.`{c}`" for c in columns)
            if table in ("comments", "events"):  # oldest first, as written
                sql = (
                    f"SELECT {names}, f.seq FROM {VIEW[table]} x LEFT JOIN gt_feed f ON f.log_id = x.id AND f.kind = ?"
                )
                tables[table] = sorted(session.rows(sql, (table,)), key=log_key)
            else:
                tables[table] = session.rows(f"SELECT {names} FROM {VIEW[table]} x ORDER BY {_ORDER[table]}")
        extras = {(r["tbl"], r["rkey"]): r["body"] for r in session.rows("SELECT tbl, rkey, body FROM gt_extras")}
        given = {key: json.loads(body)["value"] for (tbl, key), body in extras.items() if tbl == IMPORTED_CONFIG}
        if given:  # the config imports gave, as given; not the town's own keys beside it
            tables["config"] = [{"key": key, "value": given[key]} for key in sorted(given)]
        return _Dump(tables, extras, session.last_event_id())

    dump = ledger.read(read)
    if not wisps:
        dump.left_out = sum(_WISP in r["id"] for r in dump.tables["issues"])
        for table, rows in dump.tables.items():
            owners = _OWNERS.get(table, ("issue_id",))
            dump.tables[table] = [r for r in rows if not any(_WISP in (r[k] or "") for k in owners)]
    return dump


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


@jsonl.bulk()
def export_backup(ledger: Ledger, directory: str, wisps: bool = True) -> dict[str, int]:
    """Write the backup-folder shape: one JSONL file per table, keys sorted."""
    target = _target(directory, folder=True)
    dump = _dump(ledger, wisps)

    def write() -> dict[str, int]:
        for table in BACKUP_TABLES:
            jsonl.write(target / f"{table}.jsonl", [r for _, _, r in dump.records(table, FOLDER)])
        counts = {table: len(rows) for table, rows in dump.tables.items()}
        kept = dump.extras.get(("file", "backup_state.json"))
        (target / "backup_state.json").write_text(_state(kept, counts, dump.last_event_id), encoding="utf-8")
        if ("file", "manifest.json") in dump.extras:
            (target / "manifest.json").write_text(dump.extras["file", "manifest.json"], encoding="utf-8")
        return dump.counts()

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


@jsonl.bulk()
def export_jsonl(ledger: Ledger, path: str, wisps: bool = True) -> dict[str, int]:
    """Write beads' single-file shape: one issue per line with its labels, dependencies and
    comments (events have no place in it), then memories (``kv.memory.*`` config) as
    ``_type: memory`` lines and any record kept verbatim from a stream."""
    target = _target(path, folder=False)
    dump = _dump(ledger, wisps)
    tables, extras = dump.tables, dump.extras
    nested: dict[str, dict[str, list[Any]]] = {key: defaultdict(list) for key in ("labels", "dependencies", "comments")}
    dependents: dict[str, int] = defaultdict(int)
    for table in nested:
        for row, _, record in dump.records(table, FILE):
            nested[table][row["issue_id"]].append(row["label"] if table == "labels" else record)
            if table == "dependencies":
                dependents[row["depends_on_id"]] += 1
    lines: list[str] = [extras["file", HEADER]] if ("file", HEADER) in extras else []
    dumps = jsonl.DUMPS
    for row, extra, record in dump.records("issues", FILE):
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
        counts = dump.counts()
        counts["memories"] = len(memories)
        del counts["events"], counts["config"]
        return counts

    return _writing(target, write)
