"""The daemon's refinery loop slows down while it finds nothing and the ledger stands still."""

from __future__ import annotations

from polecat_support import lite_town_fixture, new_bead, rig_fixture, tmux_server  # noqa: F401 (fixtures)

from gastown_tui.services.daemon import Daemon, Timing


def test_an_idle_refinery_passes_rarely_until_the_ledger_moves(lite_town, rig):
    passes: list[float] = []
    timing = Timing(patrol=1e9, watch=1e9, dispatch=1e9, refinery=1.0, refinery_quiet=100.0)
    daemon = Daemon(
        lite_town,
        timing,
        every_pass=True,
        on_pass=lambda rig, loop, result: passes.append(loop) if loop == "refinery" else None,
    )
    try:
        for now in (1000.0, 1001.5, 1003.0, 1050.0):
            daemon.tick(now)
        assert passes == ["refinery"]  # one idle pass, then quiet: not every refinery second
        new_bead(lite_town, "news")  # the ledger moved (a merge request would)
        daemon.tick(1051.0)
        assert passes == ["refinery"] * 2  # at once
        daemon.tick(1052.5)
        daemon.tick(1151.0)  # quiet again until refinery_quiet is over
        assert passes == ["refinery"] * 3
    finally:
        daemon.release()
