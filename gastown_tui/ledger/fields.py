"""Allowed values of bead fields, the checks that guard them, and readers of their stored forms."""

from __future__ import annotations

import datetime as _dt
import functools
import json
import re
from typing import Any

from ..errors import InvalidInput
from ..plaintext import clean_text

STATUSES = (
    "open",
    "in_progress",
    "blocked",
    "hooked",
    "pinned",
    "deferred",
    "closed",
    # convoy staging states (Gas Town)
    "staged_ready",
    "staged_warnings",
)

# A deleted bead, as beads before v0.50 kept them (with deleted_at/by, delete_reason, original_type).
TOMBSTONE = "tombstone"
# SQL condition on ``status``: neither closed nor deleted (what lists and discovery show).
LIVE = "status NOT IN ('closed', 'tombstone')"

BUILTIN_TYPES = (
    "task",
    "bug",
    "feature",
    "epic",
    "chore",
    "decision",
    "spike",
    "story",
    "milestone",
    "event",
)
# Types Gas Town registers in every ledger (config ``types.custom``).
GASTOWN_TYPES = (
    "message",
    "molecule",
    "gate",
    "convoy",
    "merge-request",
    "slot",
    "agent",
    "role",
    "rig",
    "queue",
)

# Infrastructure beads are not "work": the ready list and plain listings skip them.
INFRA_TYPES = (
    "message",
    "agent",
    "convoy",
    "merge-request",
    "molecule",
    "rig",
    "role",
    "gate",
    "slot",
    "queue",
    "event",
)

DEPENDENCY_TYPES = (
    "blocks",
    "parent-child",
    "conditional-blocks",
    "waits-for",
    "related",
    "discovered-from",
    "replies-to",
    "relates-to",
    "duplicates",
    "supersedes",
    "tracks",
    "caused-by",
    "validates",
    "delegated-from",
)
# Dependency types that keep a bead out of the ready set while the target is open.
BLOCKING_DEPENDENCY_TYPES = ("blocks", "conditional-blocks", "waits-for")

# Names that become paths, branches and tmux session names (use fullmatch: "$" would let "\n" in).
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,62}")
_BEAD_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*-[A-Za-z0-9_.-]+$")
_LABEL = re.compile(r"^[^\s,\x00-\x1f\x7f-\x9f]{1,255}$")
# Columns (of beads, and a comment's text) that hold text over several lines; every other is one line.
MULTILINE_FIELDS = frozenset(
    ("description", "design", "acceptance_criteria", "notes", "close_reason", "payload", "waiters", "metadata", "text")
)


STAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def now() -> str:
    """The current time as the ledger stores it: ISO-8601 UTC, second precision."""
    return stamp(_dt.datetime.now(_dt.UTC))


def stamp(when: _dt.datetime) -> str:
    """``when`` as the ledger stores times."""
    return when.astimezone(_dt.UTC).strftime(STAMP_FORMAT)


def stamp_of(when: _dt.datetime) -> str:
    """A time a DATETIME column gave (beads keeps them in UTC, without a zone) as the ledger's text."""
    return stamp(when if when.tzinfo else when.replace(tzinfo=_dt.UTC))


def datetime_text(text: Any) -> Any:
    """A ledger time as a DATETIME column takes it (``2026-01-02 03:04:05``, UTC); None and text that
    names no time pass unchanged (the server then says what is wrong)."""
    when = parse_stamp(text) if isinstance(text, str) and text else None
    return when.astimezone(_dt.UTC).strftime("%Y-%m-%d %H:%M:%S") if when else text


def log_order(log_id: Any) -> tuple[int, int, str]:
    """A comment's or event's id for ordering rows of one instant: numbers by value, then UUIDs."""
    text = str(log_id)
    return (0, int(text), "") if text.isdigit() else (1, 0, text)


def parse_stamp(text: str | None) -> _dt.datetime | None:
    """A ledger time (``2026-01-02T03:04:05Z``, or any ISO-8601 form) as an aware datetime; None if unreadable."""
    try:
        when = _dt.datetime.fromisoformat(str(text or "").replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=_dt.UTC)


@functools.lru_cache(maxsize=1 << 16)
def instant(text: str | None) -> float:
    """A stored time as seconds since the epoch, for ordering: offsets and precision compared as
    the instants they are (unreadable or empty: before everything)."""
    when = parse_stamp(text) if text else None
    return when.timestamp() if when else float("-inf")


def clean_field(column: str, value):
    """A bead column's value as it may be stored or printed (non-strings pass unchanged)."""
    if not isinstance(value, str):
        return value
    return clean_text(value, column in MULTILINE_FIELDS)


def load_metadata(bead: dict[str, Any]) -> dict[str, Any]:
    """A bead's JSON ``metadata`` column as a dict ({} when empty or unreadable)."""
    try:
        meta = json.loads(bead.get("metadata") or "{}")
    except json.JSONDecodeError:
        return {}
    return meta if isinstance(meta, dict) else {}


def check_status(status: str) -> str:
    if status not in STATUSES:
        raise InvalidInput(f"unknown status {status!r}", "use one of: " + ", ".join(STATUSES))
    return status


def check_priority(priority: int | str) -> int:
    try:
        value = int(priority)
    except (TypeError, ValueError):
        value = -1
    if not 0 <= value <= 4:
        raise InvalidInput(f"bad priority {priority!r}", "use 0 (highest) to 4 (lowest)")
    return value


def check_type(issue_type: str, allowed: tuple[str, ...]) -> str:
    if issue_type not in allowed:
        raise InvalidInput(f"unknown bead type {issue_type!r}", "use one of: " + ", ".join(allowed))
    return issue_type


def check_dependency_type(dep_type: str) -> str:
    if dep_type not in DEPENDENCY_TYPES:
        raise InvalidInput(f"unknown dependency type {dep_type!r}", "use one of: " + ", ".join(DEPENDENCY_TYPES))
    return dep_type


def check_name(name: str, what: str = "name") -> str:
    """Names that become paths, branches or tmux session names: letters, digits, - and _."""
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise InvalidInput(
            f"bad {what} {name!r}",
            "use letters, digits, '-' and '_' only, starting with a letter or digit, at most 63 characters",
        )
    return name


def check_bead_id(bead_id: str) -> str:
    if not isinstance(bead_id, str) or not _BEAD_ID.fullmatch(bead_id) or len(bead_id) > 255:
        raise InvalidInput(f"malformed bead id {bead_id!r}", "bead ids look like gt-abc12 or gt-abc12.3")
    return bead_id


def check_label(label: str) -> str:
    if not isinstance(label, str) or not _LABEL.fullmatch(label):
        raise InvalidInput(f"bad label {label!r}", "labels are 1–255 characters without spaces or commas")
    return label


def check_prefix(prefix: str) -> str:
    if not isinstance(prefix, str) or not re.fullmatch(r"[a-z][a-z0-9]{0,15}", prefix):
        raise InvalidInput(f"bad bead prefix {prefix!r}", "use 1–16 lower-case letters and digits, e.g. gt")
    return prefix
