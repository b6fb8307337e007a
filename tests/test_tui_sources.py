"""The background sources: the output pane captures when its session prints, not on a clock; the
ledger is read less often while the town is quiet, and closely again once it moves."""

from __future__ import annotations

import time

import pytest
from polecat_support import tmux_server  # noqa: F401  (fixture)
from tui_support import async_wait_for, frozen_clock, populated_town, sync  # noqa: F401  (fixture)

from gastown_tui.errors import GtError
from gastown_tui.runtime.tmux import Tmux
from gastown_tui.tui.app import GastownApp
from gastown_tui.tui.sources import PanePoller
from gastown_tui.tui.widgets.convoy_board import ConvoyBoard


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


@sync
async def test_a_quiet_town_is_read_once_a_second_and_a_change_still_shows_within_it(town):
    app = GastownApp(town, clock=frozen_clock)
    async with app.run_test(size=(160, 48)):
        screen = app.screen
        await async_wait_for(lambda: screen.snapshot is not None, what="the first read")
        await async_wait_for(lambda: screen._feed_wait == screen.FEED_QUIET_INTERVAL, what="quiet reads")
        town.ledger.write("test", lambda tx: tx.create("Quiet no more", bead_id="hq-cv-late", issue_type="convoy"))
        board = screen.query_one(ConvoyBoard)
        start = time.monotonic()
        await async_wait_for(lambda: "hq-cv-late" in board._by_key, timeout=5, what="the new convoy")
        assert time.monotonic() - start < 2.5  # a quiet read a second (2.5: a loaded machine)
        assert screen._feed_wait < screen.FEED_QUIET_INTERVAL  # the town moved: read closely again


@sync
async def test_a_quiet_tmux_poll_tells_the_screen_nothing_and_a_session_gone_is_still_seen(
    town, tmux, tmp_path, monkeypatch
):
    from gastown_tui.tui.screens.town import TownScreen

    server = Tmux(socket="quiet-poll")
    server.new_session("agent", str(tmp_path), ["cat"], width=80, height=20)
    heard = []
    told = TownScreen.on_sessions_polled
    monkeypatch.setattr(TownScreen, "on_sessions_polled", lambda screen, m: heard.append(m.live) or told(screen, m))
    app = GastownApp(town, clock=frozen_clock, tmux=server)
    try:
        async with app.run_test(size=(160, 48)) as pilot:
            screen = app.screen
            await async_wait_for(lambda: screen.snapshot is not None and "agent" in screen.live, what="a first poll")
            await screen._poll_sessions().wait()  # the town read since is told once more
            await pilot.pause()
            before = len(heard)
            for _ in range(3):
                await screen._poll_sessions().wait()
                await pilot.pause()
            assert len(heard) == before  # nothing came, went or moved: the UI thread has nothing to do
            server.kill_session("agent")
            await screen._poll_sessions().wait()
            await pilot.pause()
            assert len(heard) == before + 1 and "agent" not in screen.live
    finally:
        server.kill_server()


def test_the_states_are_judged_again_only_when_tmux_the_snapshot_or_the_time_can_move_them(monkeypatch):
    """StateJudge: an idle town's tmux poll judges nothing, and a stall, a session gone or a new read is
    still seen by the poll that follows it."""
    import dataclasses
    import datetime as dt
    import math

    from gastown_tui.services.polecats import records
    from gastown_tui.services.townview import AgentView, RigView, TownSnapshot
    from gastown_tui.tui.sources import StateJudge

    now = 1_800_000_000.0
    stamp = dt.datetime.fromtimestamp(now - 30, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    hook = records.WorkBead("gt-1", "Work", "task", 2, "hooked", "gastown/polecats/nux")
    live = {"gt-gastown-nux": int(now - 10)}
    polecat = records.build("gastown", "nux", "gt-gastown-polecat-nux", {"agent_state": "working"}, stamp, hook,
                            live, now, 100.0)  # fmt: skip
    view = AgentView("gt-gastown-polecat-nux", "gastown/polecats/nux", "gastown", "polecat", "nux", "working",
                     "gt-1", "Work", "gt-gastown-nux")  # fmt: skip
    base = TownSnapshot((RigView("gastown", "gt", (view,)),), (), (), (), 7, (polecat,), {"gastown": 100.0})
    assert base.changes_at() == now - 10 + 100  # a working polecat stalls with time alone
    spawning = records.build("gastown", "nux", "gt-gastown-polecat-nux", {"agent_state": "spawning"}, stamp, hook,
                             {}, now, 100.0)  # fmt: skip
    assert spawning.state == "spawning" and records.changes_at(spawning, 100.0) == now - 30 + records.SPAWN_GRACE
    stalled = records.restate(polecat, live, now + 200, 100.0)
    assert stalled.state == "stalled" and records.changes_at(stalled, 100.0) == math.inf

    judged = []
    restated = TownSnapshot.restated
    monkeypatch.setattr(TownSnapshot, "restated", lambda s, *a: judged.append(a) or restated(s, *a))
    judge = StateJudge()
    assert judge.judge(base, live, now) is None and len(judged) == 1  # nothing moved
    assert judge.judge(base, dict(live), now + 50) is None and len(judged) == 1  # nothing new: not judged
    moved = judge.judge(base, dict(live), now + 91)  # the stall threshold passed: judged, and seen
    assert len(judged) == 2 and moved.rigs[0].agents[0].state == "stalled"
    assert judge.judge(base, {}, now + 1).rigs[0].agents[0].state == "zombie"  # the session went
    assert len(judged) == 3
    again = dataclasses.replace(base)  # a new read of the same town
    assert judge.judge(again, {}, now + 1).rigs[0].agents[0].state == "zombie" and len(judged) == 4
    assert judge.judge(None, live, now) is None
