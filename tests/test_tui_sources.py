"""The output pane's source follows a real tmux session: it captures when the session prints, not on a clock."""

from __future__ import annotations

import time

import pytest
from polecat_support import tmux_server  # noqa: F401  (fixture)

from gastown_tui.errors import GtError
from gastown_tui.runtime.tmux import Tmux
from gastown_tui.tui.sources import PanePoller


def _timed(fn) -> float:
    start = time.monotonic()
    fn()
    return time.monotonic() - start


def test_the_focused_pane_is_captured_when_it_prints_and_left_alone_while_quiet(tmux, tmp_path):
    server = Tmux(socket="sources")
    server.new_session("agent", str(tmp_path), ["cat"], width=80, height=20)
    poller = PanePoller(server)
    try:
        poller.focus("agent")
        assert _timed(lambda: poller.wait_output(5)) < 1  # a new focus is captured at once
        assert poller.capture()[0] == "agent"
        assert _timed(lambda: poller.wait_output(1.5)) >= 1.4  # nothing printed: no reason to capture
        server.send_text("agent", "hello from the agent")
        assert _timed(lambda: poller.wait_output(5)) < 1
        session, screen = poller.capture()
        assert "hello from the agent" in screen
        server.kill_session("agent")
        assert _timed(lambda: poller.wait_output(5)) < 1  # the session ended: the next capture says so
        with pytest.raises(GtError):
            poller.capture()
    finally:
        poller.close()
        server.kill_server()
