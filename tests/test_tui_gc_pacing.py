"""Full garbage collections wait for a quiet second (or run when long overdue); the start-up heap is frozen."""

from __future__ import annotations

import gc

from tui_support import frozen_clock, populated_town, settle, sync  # noqa: F401  (populated_town: fixture)

from gastown_tui.tui.app import GastownApp
from gastown_tui.tui.gc_pacing import DUE, NEVER, OVERDUE, QUIET, GcPacer


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_full_collections_run_when_idle_or_long_overdue():
    clock, pending, collected = Clock(), [0], []
    pacer = GcPacer(clock=clock, pending=lambda: pending[0], collect=lambda: collected.append(clock.now))
    pacer.start()
    try:
        assert not pacer.tick()  # input just now (the app starting)
        clock.now += QUIET
        assert pacer.tick() and collected == [clock.now]  # the first quiet moment: collect and freeze
        assert pacer.frozen and gc.get_freeze_count() > 0
        pending[0] = DUE - 1
        clock.now += 10
        assert not pacer.tick()  # idle, but not due
        pending[0] = DUE
        pacer.note_input()
        clock.now += QUIET / 2
        assert not pacer.tick()  # due, but keys are arriving
        clock.now += QUIET
        assert pacer.tick()  # due and quiet
        pending[0] = OVERDUE
        pacer.note_input()
        assert pacer.tick() and len(collected) == 3  # long overdue: even mid-typing, memory stays bounded
    finally:
        pacer.stop()


def test_start_takes_over_full_collections_and_stop_gives_them_back():
    before = gc.get_threshold()
    pacer = GcPacer(collect=lambda: None)
    pacer.start()
    assert gc.get_threshold() == (before[0], before[1], NEVER)
    pacer.frozen = True
    gc.freeze()
    pacer.stop()
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


@sync
async def test_the_app_paces_collections_while_it_runs_and_notes_keys(town):
    before = gc.get_threshold()
    app = GastownApp(town, clock=frozen_clock, follow=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        assert gc.get_threshold()[2] == NEVER
        noted = app.gc_pacer.last_input
        await pilot.press("j")
        assert app.gc_pacer.last_input > noted
    assert gc.get_threshold() == before
