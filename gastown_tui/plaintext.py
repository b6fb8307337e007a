"""Plain text: control characters taken out before text is stored in the ledger or typed into an agent.

Control characters (C0 and C1, DEL) would drive the terminal that shows the text: ESC starts
colour/cursor sequences, BEL rings, CR overwrites the line. Tabs and line breaks are kept in
text of several lines and become spaces in one-line text. (Text already stored is shown inert by
``display.inert`` instead: that keeps every character visible.)
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_BREAK = re.compile(r"\r\n?|[\t\n]")
_BREAK_RUN = re.compile(r"[\t\n\r]+")


def clean_text(text: str, multiline: bool = False, squeeze: bool = False) -> str:
    """``text`` without control characters; one line unless ``multiline``.

    On one line each break (CR LF counts as one) and each tab becomes a space; with ``squeeze``
    a whole run of them becomes one space (a line typed into an agent's prompt).
    """
    if multiline:
        return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return _CONTROL.sub("", (_BREAK_RUN if squeeze else _BREAK).sub(" ", text))
