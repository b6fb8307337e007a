"""How a record of a beads export maps onto the ledger's columns, and back, without loss.

Two shapes of record: ``FOLDER`` (a backup folder: raw table rows, flags as 0/1, ``metadata``
and ``waiters`` as JSON text) and ``FILE`` (a single ``issues.jsonl``: beads' issue JSON, flags
as true/false, ``metadata`` an object, ``waiters`` a list, the gate's ``timeout`` in
nanoseconds, keys left out when empty). What a record holds beyond the columns is kept as an
``Extra`` (stored in the ``gt_extras`` table, never as new columns in beads' tables):

- ``fields``: keys the ledger has no column for, verbatim (``deleted_at``, ``_type``, a comment's
  UUID id, a dependency ``metadata`` that is not JSON text …);
- ``absent``: keys of the shape the record did not have (so they are not added on export);
- ``flipped``: keys whose JSON kind is not the shape's usual one (``"pinned": 1`` in a FILE).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .fields import instant
from .schema import (
    BACKUP_TABLES,
    ISSUE_DEFAULTS,
    ISSUE_FIELDS,
)

FOLDER, FILE = "folder", "file"
# The ``gt_extras`` rows of the config keys imports gave (rkey: the key; body: {"value": the file's
# value, "town": the town keeps its own value}): what an export writes as config, so the town's own
# keys (``issue_prefix`` from ``gt install``) are neither replaced by an import nor added to its export.
IMPORTED_CONFIG = "config:imported"
FLAGS = frozenset(("ephemeral", "pinned", "is_template", "no_history"))
JSON_TEXT = frozenset(("metadata", "waiters"))
NESTED = ("labels", "dependencies", "comments")
DERIVED = ("dependency_count", "dependent_count", "comment_count")
# Keys that beads writes even when empty (no ``omitempty`` in its issue JSON).
_ALWAYS = frozenset(("id", "title", "priority", "created_at", "updated_at", *DERIVED))

# Record key → column, per table and shape.
_KEYS: dict[tuple[str, str], dict[str, str]] = {
    (table, shape): {c: c for c in columns} for table, columns in BACKUP_TABLES.items() for shape in (FOLDER, FILE)
}
_KEYS["issues", FILE] = {("timeout" if c == "timeout_ns" else c): c for c in ISSUE_FIELDS}
# Keys of a FILE issue line that are not columns but are part of the shape.
_NOT_COLUMNS = frozenset((*NESTED, *DERIVED))
_FILE_ISSUE_KEYS = (*_KEYS["issues", FILE], *NESTED, *DERIVED)


def _json_text(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        json.loads(value, parse_constant=_not_json)
    except ValueError:
        return False
    return True


def _not_json(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # Python reads NaN and Infinity; a JSON column refuses them


# A dependency's edge data as beads' columns take it (``metadata`` JSON text, ``thread_id`` text;
# in both shapes, as beads' Dependency writes them).
_EDGE = {"metadata": _json_text, "thread_id": lambda value: isinstance(value, str)}

# Columns whose values need more than a copy, per table: an issue's flags and JSON text, a
# dependency's edge data.
_CARE = {
    "issues": {**dict.fromkeys(FLAGS, "flag"), **dict.fromkeys(JSON_TEXT, "json")},
    "dependencies": dict.fromkeys(_EDGE, "edge"),
}
# Record key → (column, care), per table and shape: one look-up a key.
_PLAN = {ts: {k: (c, _CARE.get(ts[0], {}).get(c)) for k, c in keys.items()} for ts, keys in _KEYS.items()}
_NO_COLUMN = (None, None)

_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
# Go's json.Marshal escapes these (in strings, the only place JSON text can hold them).
_GO_ESCAPES = str.maketrans({c: f"\\u{ord(c):04x}" for c in "<>&\u2028\u2029"})


def _go_json(value: Any) -> str:
    """``value`` as JSON text the way bd writes it (Go: compact, HTML-escaped): the text bd stores,
    and hashes, for an issue's ``metadata`` object or ``waiters`` list."""
    return _ENCODE(value).translate(_GO_ESCAPES)


@dataclass
class Extra:
    fields: dict[str, Any] = field(default_factory=dict)
    absent: list[str] = field(default_factory=list)
    flipped: list[str] = field(default_factory=list)
    # Times as the record wrote them, where a DATETIME column keeps only the instant (an offset,
    # a fraction): given back while the column still names that instant.
    times: dict[str, str] = field(default_factory=dict)
    # Keys the record left null (or out) where beads' column is NOT NULL, with the value stored
    # instead: given back as null (or left out) while the column still holds that value.
    filled: dict[str, Any] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.fields or self.absent or self.flipped or self.times or self.filled)

    def dumps(self) -> str:
        """JSON; key lists as one space-separated text (keys hold no spaces), cheap for 6,000 records."""
        body: dict[str, Any] = {"fields": self.fields} if self.fields else {}
        if self.absent:
            body["absent"] = " ".join(self.absent)
        if self.flipped:
            body["flipped"] = " ".join(self.flipped)
        if self.times:
            body["times"] = self.times
        if self.filled:
            body["filled"] = self.filled
        return _ENCODE(body)

    @classmethod
    def loads(cls, text: str | None) -> Extra:
        body = json.loads(text) if text else {}
        absent, flipped = body.get("absent", "").split(), body.get("flipped", "").split()
        return cls(body.get("fields", {}), absent, flipped, body.get("times", {}), body.get("filled", {}))


def record_key(table: str, row: Mapping[str, Any]) -> str:
    """The key of a row in ``gt_extras`` (ids hold no newline, so it joins composite keys)."""
    if table == "dependencies":
        return f"{row['issue_id']}\n{row['depends_on_id']}"
    if table == "labels":
        return f"{row['issue_id']}\n{row['label']}"
    return str(row["key"] if table == "config" else row["id"])


def split(table: str, record: Mapping[str, Any], shape: str) -> tuple[dict[str, Any], Extra]:
    """A record as column values (those it has) and what the columns cannot hold."""
    plan = _PLAN[table, shape]
    skipped = _NOT_COLUMNS if (table, shape) == ("issues", FILE) else ()
    values: dict[str, Any] = {}
    extra = Extra()
    for key, value in record.items():
        column, kind = plan.get(key, _NO_COLUMN)
        if column is None:
            if key not in skipped:
                extra.fields[key] = value
            continue
        if kind is None or value is None:
            values[column] = value
        elif kind == "edge":
            if _EDGE[column](value):
                values[column] = value
            else:
                extra.fields[key] = value  # beads' column cannot hold it as given: kept as it is
        else:
            values[column] = _fitted(kind == "flag", key, value, shape, extra)
    known = _FILE_ISSUE_KEYS if (table, shape) == ("issues", FILE) else _KEYS[table, shape]
    extra.absent = [k for k in known if k not in record]
    return values, extra


def _fitted(flag: bool, key: str, value: Any, shape: str, extra: Extra) -> Any:
    """An issue's flag (0/1) or JSON text column from the record's value, its JSON kind noted
    in ``extra`` where it is not the shape's usual one."""
    if flag:
        if not isinstance(value, int):  # bool is an int; anything else is for the checks to refuse
            return value
        if isinstance(value, bool) != (shape == FILE):
            extra.flipped.append(key)
        return int(value)
    if isinstance(value, str) == (shape == FILE):
        extra.flipped.append(key)
    return value if isinstance(value, str) else _go_json(value)


def join(table: str, row: Mapping[str, Any], extra: Extra | None, shape: str) -> dict[str, Any]:
    """The record an export writes for ``row``: the inverse of ``split``."""
    out: dict[str, Any] = {}
    flipped = extra.flipped if extra else ()
    absent = set(extra.absent) if extra else set()
    for key, column in _KEYS[table, shape].items():
        if column not in row:
            continue  # a row of a layout without the column (an earlier gastown-tui's) never had it
        value = row[column]
        if key in absent and (table != "issues" or column == "content_hash" or value == ISSUE_DEFAULTS[column]):
            continue  # not in the record it came from, and not set since (a hash is worked out on import)
        out[key] = _shown(column, value, table == "issues" and (shape == FILE) != (key in flipped))
    if table == "issues" and shape == FILE and extra is None:  # bd's JSON: omitempty; no content_hash
        out = {k: v for k, v in out.items() if k in _ALWAYS or v not in (None, "", 0, False, [], {})}
        out.pop("content_hash", None)
    if extra:
        out.update(extra.fields)
        for key, written in extra.times.items():
            if key in out and instant(out[key]) == math.floor(instant(written)):  # DATETIME keeps whole seconds
                out[key] = written
        for key, stored in extra.filled.items():
            if key in out and out[key] == stored:
                if key in absent:
                    del out[key]
                else:
                    out[key] = None
    return out


def _shown(column: str, value: Any, json_kind: bool) -> Any:
    if isinstance(value, Decimal):
        value = int(value) if value == value.to_integral_value() else float(value)
    if value is None:
        return None
    if column in FLAGS:
        return bool(value) if json_kind else int(value)
    if column in JSON_TEXT and json_kind and isinstance(value, str):
        try:
            return json.loads(value) if value else ({} if column == "metadata" else [])
        except json.JSONDecodeError:
            return value
    return value


def file_keys_absent(extra: Extra | None, key: str) -> bool:
    """Did a FILE line leave ``key`` (``labels``, ``comment_count`` …) out?"""
    return extra is not None and key in extra.absent
