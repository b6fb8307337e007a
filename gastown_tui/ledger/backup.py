"""Reading every shape of beads export into checked records, before anything is written.

- a backup folder: ``issues/dependencies/labels/comments/events/config.jsonl``, with
  ``backup_state.json`` and ``manifest.json`` kept verbatim;
- a single ``issues.jsonl``: one issue per line with its own ``labels``, ``dependencies`` and
  ``comments``;
- the newer stream: a ``{"_schema": …}`` header line, then lines with a ``_type`` (``issue``,
  ``memory`` = a ``kv.memory.KEY`` config entry; any other type is kept verbatim).
"""

from __future__ import annotations

import datetime as _dt
import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InvalidInput
from . import fields, jsonl
from .jsonl import Line, term
from .schema import BACKUP_TABLES, ISSUE_COLUMNS
from .shapes import FILE, FOLDER, NESTED, Extra, split

MEMORY_PREFIX = "kv.memory."
FOLDER_FILES = ("backup_state.json", "manifest.json")
HEADER = "jsonl_header"
_REQUIRED = {
    "issues": ("id", "title"),
    "dependencies": ("issue_id", "depends_on_id"),
    "labels": ("issue_id", "label"),
    "comments": ("issue_id", "text"),
    "events": ("issue_id", "event_type"),
    "config": ("key", "value"),
}
_KINDS = {name: kind for name, kind, _ in ISSUE_COLUMNS}
_TEXT_KINDS = frozenset(("key", "text", "longtext", "short", "ts"))
_PLAIN_TEXT = frozenset(name for name, kind in _KINDS.items() if kind in _TEXT_KINDS and kind != "ts")
_TYPED_TARGETS = ("depends_on_issue_id", "depends_on_wisp_id", "depends_on_external")


@dataclass
class Record:
    values: dict[str, Any]
    extra: Extra
    line: Line


@dataclass
class Backup:
    """A checked export: records per table, and whole files / lines kept as they came."""

    shape: str
    tables: dict[str, list[Record]] = field(default_factory=lambda: {t: [] for t in BACKUP_TABLES})
    files: dict[str, str] = field(default_factory=dict)


def read(path: str) -> Backup:
    source = Path(path)
    if source.is_dir():
        backup = _read_folder(source)
    elif source.is_file():
        backup = _read_file(source)
    else:
        raise InvalidInput(f"{source} does not exist", "give a backup folder or an issues.jsonl file")
    check(backup)
    return backup


def check(backup: Backup) -> None:
    """Refuse the first record a ledger cannot hold (with its ``file:line:column``)."""
    for table, records in backup.tables.items():
        for record in records:
            _check(table, record)


def _read_folder(source: Path) -> Backup:
    backup = Backup(FOLDER)
    found = False
    for table in BACKUP_TABLES:
        file = source / f"{table}.jsonl"
        if file.is_file():
            found = True
            for line in jsonl.read(file):
                values, extra = split(table, line.record, FOLDER)
                if table == "dependencies":
                    _typed_target(values, line.record)
                backup.tables[table].append(Record(values, extra, line))
    if not found:
        raise InvalidInput(f"{source} holds no beads backup (no issues.jsonl …)", "point at a backup folder or file")
    for name in FOLDER_FILES:
        if (source / name).is_file():
            backup.files[name] = (source / name).read_text(encoding="utf-8", errors="replace")
    return backup


def _read_file(source: Path) -> Backup:
    backup = Backup(FILE)
    for line in jsonl.read(source):
        record = line.record
        kind = record.get("_type")
        if "_schema" in record and "id" not in record:
            backup.files[HEADER] = line.text
        elif kind == "memory":
            memory = {"key": MEMORY_PREFIX + str(record.get("key", "")), "value": record.get("value")}
            backup.tables["config"].append(Record(memory, Extra(), line))
        elif kind not in (None, "issue"):
            backup.files[f"record:{line.number:09d}"] = line.text  # a record type this ledger has no table for
        else:
            _unnest(line, backup)
            values, extra = split("issues", record, FILE)
            backup.tables["issues"].append(Record(values, extra, line))
    return backup


def _unnest(line: Line, backup: Backup) -> None:
    """An issue line's own labels, dependencies and comments, as records of their tables."""
    owner = line.record.get("id")
    for key in NESTED:
        nested = line.record.get(key)
        if nested is None:
            continue
        kind = str if key == "labels" else dict
        if not isinstance(nested, list) or not all(isinstance(item, kind) for item in nested):
            raise line.fail(
                f"{key} must be a list of {'strings' if kind is str else 'objects'}, not {term(nested)}", key
            )
        for item in nested:
            if key == "labels":
                values, extra = {"issue_id": owner, "label": item}, Extra()
            else:
                values, extra = split(key, item, FILE)
                values.setdefault("issue_id", owner)
                if key == "dependencies":
                    _typed_target(values, item)
            backup.tables[key].append(Record(values, extra, line))


def _typed_target(values: dict[str, Any], record: dict[str, Any]) -> None:
    """Beads ≥ 1.0.5 splits ``depends_on_id`` into typed target columns: the ledger keeps one."""
    if "depends_on_id" not in values:
        for key in _TYPED_TARGETS:
            if record.get(key):
                values["depends_on_id"] = record[key]
                return


def _check(table: str, record: Record) -> None:
    """Every record has its keys, and values a ledger can hold (data from other towns is kept as it is)."""
    values, line = record.values, record.line
    missing = [k for k in _REQUIRED[table] if values.get(k) in (None, "")]
    if missing:
        raise line.fail(f"{table[:-1] if table != 'dependencies' else 'dependency'} has no {', '.join(missing)}")
    _check_values(table, values, line)


def _check_values(table: str, values: dict[str, Any], line: Line) -> None:
    if table == "issues":
        _check_id("id", values["id"], line)
        for column, value in values.items():
            if value is None or (column in _PLAIN_TEXT and isinstance(value, str)):
                continue
            kind = _KINDS[column]
            key = "timeout" if column == "timeout_ns" and "timeout" in line.record else column
            if kind == "int" and (not isinstance(value, int) or isinstance(value, bool)):
                raise line.fail(f"{key} {term(value)} is not a whole number", key)
            if kind == "real" and (not isinstance(value, int | float) or isinstance(value, bool)):
                raise line.fail(f"{key} {term(value)} is not a number", key)
            if kind in _TEXT_KINDS and not isinstance(value, str):
                raise line.fail(f"{key} {term(value)} is not a string", key)
            if kind == "ts" and value:
                _check_time(column, value, line)
        if "priority" in values and not 0 <= values["priority"] <= 4:
            raise line.fail(f"priority {term(values['priority'])} is not 0 to 4", "priority")
        for column in ("status", "issue_type"):
            if column in values:
                _check_word(column, values[column], line)
    elif table == "config":
        for column in ("key", "value"):
            if not isinstance(values[column], str):
                raise line.fail(f"config {column} {term(values[column])} is not a string", column)
    else:
        _check_id("issue_id", values["issue_id"], line)
        word = {"dependencies": "depends_on_id", "labels": "label", "events": "event_type"}.get(table)
        if word:
            _check_word(word, values[word], line)
        if table == "dependencies" and "type" in values:
            _check_word("type", values["type"], line)
        if table == "comments" and not isinstance(values["text"], str):
            raise line.fail(f"comment text {term(values['text'])} is not a string", "text")
        if table in ("comments", "events") and not isinstance(values.get("id", 0), int | str):
            raise line.fail(f"{table[:-1]} id {term(values['id'])} is not a number or a string", "id")


def _check_id(column: str, value: Any, line: Line) -> None:
    try:
        fields.check_bead_id(value)
    except InvalidInput:
        raise line.fail(
            f"malformed bead id {term(value)} (bead ids look like gt-abc12 or gt-abc12.3)", column
        ) from None


def _check_word(column: str, value: Any, line: Line) -> None:
    """Statuses, types, labels: names another town may have that we do not know; still one short line."""
    if not isinstance(value, str) or not _is_word(value):
        raise line.fail(f"bad {column} {term(value)}: use a short text without control characters", column)


@functools.lru_cache(maxsize=4096)  # a ledger's statuses, types and targets repeat by the thousand
def _is_word(value: str) -> bool:
    return bool(value) and len(value) <= 255 and fields.clean_text(value) == value


def _check_time(column: str, value: str, line: Line) -> None:
    try:
        if len(value) > 40:
            raise ValueError(value)
        _dt.datetime.fromisoformat(value)
    except ValueError:
        raise line.fail(f"{column} {term(value)} is not an ISO-8601 time (e.g. 2026-02-28T05:33:08Z)", column) from None
