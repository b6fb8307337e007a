"""What went wrong inside the TUI, written down where a person can find it.

A long-running console must not die because one pane failed to draw: the failure goes to
``TOWN/logs/tui.log`` with its traceback, the person gets a toast naming that file, and the
pane is reset so the next refresh draws it afresh. A real crash is logged there too, and
``gastown-tui`` exits non-zero saying where the log is.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path

LOG_NAME = "tui.log"


def log_path(town_root: Path | None) -> Path:
    """``TOWN/logs/tui.log``; outside a town (the welcome screen), one in the temp folder."""
    if town_root is None:
        return Path(tempfile.gettempdir()) / f"gastown-{LOG_NAME}"
    return Path(town_root) / "logs" / LOG_NAME


class IncidentLog:
    def __init__(self, path: Path):
        self.path = path

    def record(self, what: str, error: BaseException) -> Path:
        """Append ``what`` failed, with the traceback of ``error``; returns the log's path."""
        when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        text = "".join(traceback.format_exception(error))
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as log:
                log.write(f"--- {when} {what}\n{text}\n")
        except OSError:
            pass  # a log that cannot be written must not turn a survivable error into a crash
        return self.path


def draw_guarded(widget, what: str, draw: Callable[[], None], log: IncidentLog, toast: Callable[..., None]) -> bool:
    """Run ``draw``; if it raises, log it, toast it, and reset ``widget`` for a clean redraw. True if it drew."""
    try:
        draw()
        return True
    except Exception as exc:  # noqa: BLE001 — any bug in one pane's drawing; the others go on
        path = log.record(f"drawing {what}", exc)
        toast(f"{what} could not be drawn ({type(exc).__name__}: {exc}); details in {path}", "Display error")
        reset = getattr(widget, "reset", None)
        if reset is not None:
            reset()
        return False
