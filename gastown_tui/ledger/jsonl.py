"""JSON Lines in and out: each record with the place it came from, and complaints in JSON terms.

A complaint names ``file:line:column`` and shows values as JSON writes them (``true``, not
Python's ``True``), so a person can find and fix the line.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InvalidInput

NOTHING = "fix the record; nothing was imported"


@dataclass
class Line:
    """One record of a JSONL file and where it is."""

    path: Path
    number: int
    text: str
    record: dict[str, Any]

    def at(self, key: str | None = None) -> str:
        """``file:line:column``, the column of ``"key"`` in the line when given."""
        column = 1
        if key is not None:
            found = self.text.find(json.dumps(key))
            column = found + 1 if found >= 0 else 1
        return f"{self.path}:{self.number}:{column}"

    def fail(self, message: str, key: str | None = None, hint: str = NOTHING) -> InvalidInput:
        return InvalidInput(f"{self.at(key)}: {message}", hint)


def term(value: Any, limit: int = 80) -> str:
    """``value`` as JSON writes it, shortened."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def read(path: Path) -> list[Line]:
    """Every non-blank line of ``path``, parsed; the first bad one is an ``InvalidInput``."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}", "check the file's permissions") from None
    lines = []
    for number, raw in enumerate(data.split(b"\n"), 1):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidInput(
                f"{path}:{number}:{exc.start + 1}: not UTF-8 text", "save the file as UTF-8; nothing was imported"
            ) from None
        if not text.strip():
            continue
        try:
            record = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidInput(
                f"{path}:{number}:{exc.colno}: malformed JSON ({exc.msg})",
                "fix or remove that line; nothing was imported",
            ) from None
        if not isinstance(record, dict):
            raise InvalidInput(f"{path}:{number}:1: expected a JSON object, not {term(record, 40)}", NOTHING)
        lines.append(Line(path, number, text, record))
    return lines


@contextmanager
def bulk() -> Iterator[None]:
    """Around an import or export: thousands of records make objects by the hundred thousand, none
    of them in cycles, and the cycle collector's passes over them cost more than the work itself
    (0.6 s of a 6,000-bead import), so it is paused meanwhile."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


DUMPS = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str).encode


# A line of a backup folder's files: keys sorted.
SORTED_DUMPS = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode


def write(path: Path, records: list[dict[str, Any]]) -> None:
    """Write ``records`` one per line, keys sorted (a backup folder's files)."""
    write_lines(path, [SORTED_DUMPS(record) for record in records])


def write_lines(path: Path, lines: list[str]) -> None:
    """Write ``lines`` through a temporary file, so a failed export leaves no half file."""
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.writelines(line + "\n" for line in lines)
    tmp.replace(path)
