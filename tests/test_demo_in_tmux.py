"""``gt demo`` as a person starts it: in a 160×48 tmux window, driven with keystrokes.

The screen must show all five panes; approving down the queue must get a merge request merged
and move the convoy bar, within a minute; the polecat that asks a question is answered with keys.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from polecat_support import tmux_server, wait_for  # noqa: F401  (fixture)

from gastown_tui.services import refinery
from gastown_tui.town import Town

PANES = ("[1] Rigs", "[2] Polecat output", "[3] Convoys", "[4] Refinery queue", "[5] Mail")
GT = str(Path(sys.executable).with_name("gt"))


def _convoy_closed(screen: str) -> int | None:
    found = re.search(r"Calculator v1\s+\S*\s*(\d+)/12", screen)
    return int(found.group(1)) if found else None


def test_demo_in_a_tmux_window_merges_after_an_approve_keypress(tmux, tmp_path):
    path = tmp_path / "demo"
    tmux.new_session("person", str(tmp_path), [GT, "demo", str(path), "--fast"], width=160, height=48)

    def screen() -> str:
        return tmux.capture("person", ansi=False)

    wait_for(lambda: all(p in screen() for p in PANES), timeout=30, what="all five panes")
    wait_for(lambda: "pending" in screen(), timeout=60, what="a merge request waiting for approval")
    assert _convoy_closed(screen()) == 0
    town = Town(path)
    assert not [m for m in refinery.list_queue(town, include_closed=True) if m["state"] == "merged"]

    # Approve down the queue, as a person does: the demo fails some merge requests on purpose, so
    # the first one alone may be one that goes back for rework.
    tmux.send_text("person", "4", enter=False)
    for _ in range(4):
        tmux.send_text("person", "a", enter=False)
        tmux.send_text("person", "j", enter=False)

    def merged() -> bool:
        done = [m for m in refinery.list_queue(town, include_closed=True) if m["state"] == "merged"]
        return bool(done) and (_convoy_closed(screen()) or 0) >= 1

    wait_for(merged, timeout=60, what="a merge after the approve keypress and the convoy bar moving")

    # One polecat stops to ask the person a question: the header counts it, w jumps to it, y answers.
    wait_for(lambda: "1 needs you (w)" in screen(), timeout=60, what="the header to count the asking polecat")
    tmux.send_text("person", "w", enter=False)
    tmux.send_text("person", "y", enter=False)
    wait_for(lambda: "needs you (w)" not in screen(), timeout=30, what="the answer to end the wait")
    (asked,) = town.ledger.list_beads(label="runtime:scripted:ask")
    wait_for(
        lambda: any(m["source_issue"] == asked["id"] for m in refinery.list_queue(town, include_closed=True)),
        timeout=60,
        what="the answered polecat to finish its work and submit it",
    )
    tmux.send_text("person", "q", enter=False)
    wait_for(lambda: not tmux.has_session("person"), timeout=15, what="q to quit the TUI")
    town.ledger.close()
