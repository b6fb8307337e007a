"""Text from the ledger made inert for a terminal: the one display helper of every output path.

``gt import`` stores text verbatim, so a subject may hold ESC sequences, BEL or CR. Shown
raw they would recolour, move or clear the user's terminal. Each control character becomes
its visible Unicode "control picture" (ESC → ␛, BEL → ␇), one character for one, so what
was there stays visible and the spans of a styled ``rich.text.Text`` keep their places.
Only a polecat's own pane output is shown with its colours, and it never passes here.
"""

from __future__ import annotations

import re
from typing import Any

# A record as --json prints it (built at the edge, from a typed record).
JsonObject = dict[str, Any]

# C0 controls, DEL and C1 controls (a lone 0x9b is CSI to some terminals).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_MULTILINE_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _picture(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code in (0x09, 0x0A):
        return " "
    if code < 0x20:
        return chr(0x2400 + code)
    return "␡" if code == 0x7F else "�"


def inert(text: str, multiline: bool = False) -> str:
    """``text`` with every control character shown as a visible picture (length unchanged).

    ``multiline`` keeps line feeds and tabs (for bodies); otherwise each becomes a space, so
    one record stays on one line.
    """
    pattern = _MULTILINE_CONTROL if multiline else _CONTROL
    return pattern.sub(_picture, text)


def escape_json_controls(text: str) -> str:
    """JSON text with DEL and C1 controls escaped (json.dumps escapes only C0 ones)."""
    return re.sub(r"[\x7f-\x9f]", lambda m: f"\\u{ord(m.group()):04x}", text)
