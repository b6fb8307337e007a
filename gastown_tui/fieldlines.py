"""``key: value`` lines at the top of a bead's description — Gas Town's structured fields.

A merge request's description starts ``branch: polecat/nux/gt-abc``; agent beads
carry ``agent_state: working``; convoys ``Notify: overseer``. Keys are matched
case-insensitively with ``-``/``_`` folded; ``null`` reads as empty.
"""

from __future__ import annotations

import re

_LINE = re.compile(r"^([A-Za-z][A-Za-z0-9_-]*):[ \t]?(.*)$")


def _fold(key: str) -> str:
    return key.lower().replace("-", "_")


def parse_fields(text: str) -> dict[str, str]:
    """The leading block of ``key: value`` lines (stops at the first line that is not one)."""
    out: dict[str, str] = {}
    for line in (text or "").splitlines():
        match = _LINE.match(line)
        if not match:
            if out or line.strip():
                break
            continue
        value = match.group(2).strip()
        out[_fold(match.group(1))] = "" if value == "null" else value
    return out


def find_fields(text: str) -> dict[str, str]:
    """The first block of ``key: value`` lines, at the top or after leading prose (Gas Town puts a
    title line or paragraph first in agent and convoy beads)."""
    lines = (text or "").splitlines()
    for start, line in enumerate(lines):
        if _LINE.match(line):
            return parse_fields("\n".join(lines[start:]))
    return {}


def body_after_fields(text: str) -> str:
    """What follows the field block (free prose)."""
    lines = (text or "").splitlines()
    index = 0
    while index < len(lines) and _LINE.match(lines[index]):
        index += 1
    return "\n".join(lines[index:]).strip("\n")


def with_fields(text: str, **updates: object) -> str:
    """``text`` with the given fields set (None removes one); new keys go at the end of the block."""
    current = parse_fields(text)
    for key, value in updates.items():
        key = _fold(key)
        if value is None:
            current.pop(key, None)
        else:
            current[key] = str(value).replace("\n", " ")
    block = "\n".join(f"{k}: {v}" for k, v in current.items())
    rest = body_after_fields(text)
    return f"{block}\n\n{rest}" if rest else block
