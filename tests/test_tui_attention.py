"""The TUI puts agents that need a person first: a scripted:ask and a scripted:ask-silent polecat show
"needs you" (with the header's count and the bell), w jumps to each, y and A answer them without
attaching, and both finish their work; the hosted daemon's witness never nudges them meanwhile."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from polecat_support import (  # noqa: F401 (fixtures)
    add_rig,
    lite_town_fixture,
    mr_for,
    new_bead,
    scripted_log,
    tmux_server,
)
from tui_support import async_wait_for, screen_text, sync

import gastown_tui
from gastown_tui.services import polecats
from gastown_tui.services.daemon import Daemon, Timing
from gastown_tui.tui.app import GastownApp
from gastown_tui.tui.screens.text_prompt import TextPrompt
from gastown_tui.tui.widgets.rig_tree import RigTree
from gastown_tui.tui.widgets.town_header import TownHeader

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")
QUESTION = "commit it? [y/n]"


@sync
async def test_asking_polecats_need_you_are_answered_from_the_tui_and_finish(lite_town, tmp_path, tmux, monkeypatch):
    town = lite_town
    # No desktop here: a stand-in notify-send records what it was asked to show (on, as town.toml allows).
    bin_dir, shown = tmp_path / "bin", tmp_path / "notified.txt"
    bin_dir.mkdir()
    (bin_dir / "notify-send").write_text(f'#!/bin/sh\nprintf "%s|" "$@" >> {shown}\necho >> {shown}\n')
    (bin_dir / "notify-send").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    with open(town.file, "a") as fh:
        fh.write("\n[attention]\nnotify_send = true\n")
    town.__dict__.pop("raw", None)
    # stall_after=2: were a waiting agent taken for a stalled one, the witness would type a nudge into its
    # question (which it would read as its answer)
    config = add_rig(town, tmp_path, stall_after=2)

    def daemon(t):
        return Daemon(t, Timing(tick=0.1, patrol=0.5, watch=0.2, refinery=1e9, dispatch=1e9), tmux=tmux)

    app = GastownApp(town, tmux=tmux, daemon_factory=daemon)
    bells = []
    app.bell = lambda: bells.append(1)
    async with app.run_test(size=(160, 48)) as pilot:
        tree = app.screen.query_one(RigTree)
        header = app.screen.query_one(TownHeader)
        await async_wait_for(lambda: app.screen.snapshot is not None, what="first read")  # then they start asking
        asking = polecats.sling(town, new_bead(town, "Ask out loud"), config.name, runtime="scripted:ask,fast")
        silent = polecats.sling(town, new_bead(town, "Ask silently"), config.name, runtime="scripted:ask-silent,fast")
        await async_wait_for(lambda: header.needing_you == 2, timeout=30, what="two agents need you")
        assert "⚑ 2 need you (w)" in screen_text(app)
        assert bells  # a new wait rings the bell, and the desktop hears of it
        await async_wait_for(lambda: shown.exists() and "needs you: ? Write" in shown.read_text(), what="notify-send")
        ids = {p.name: p.agent_id for p in polecats.list_polecats(town)}
        by_session = {asking["session"]: ids[asking["address"].rsplit("/", 1)[-1]],
                      silent["session"]: ids[silent["address"].rsplit("/", 1)[-1]]}  # fmt: skip
        assert all(tree.agents[i].needs_you and tree.agents[i].question.endswith(QUESTION) for i in by_session.values())
        assert "needs you" in screen_text(app)

        await pilot.press("w")  # the first that needs you
        first = tree.selected_agent
        assert first is not None and first.needs_you and app.focused is tree
        await pilot.press("ctrl+p")  # the next one, from the palette
        await pilot.press(*"next", "space", *"agent")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await async_wait_for(
            lambda: tree.selected_agent is not None and tree.selected_agent.id != first.id, what="jump"
        )
        second = tree.selected_agent
        assert second is not None and second.needs_you and second.id != first.id
        await pilot.press("y")  # yes/no question: y answers it
        await pilot.press("w")  # back round to the first
        assert tree.selected_agent.id == first.id
        await pilot.press("A")  # a typed reply
        await async_wait_for(lambda: isinstance(app.screen, TextPrompt), what="the answer prompt")
        await pilot.press("n", "enter")
        for got in (asking, silent):
            await async_wait_for(lambda got=got: mr_for(town, got["bead"]), timeout=30, what="work handed over")
        await async_wait_for(lambda: header.needing_you == 0, timeout=10, what="nobody waits")
    answers = {got["session"]: scripted_log(town, got["session"]) for got in (asking, silent)}
    assert f"{QUESTION} -> y" in answers[second.session] and f"{QUESTION} -> n" in answers[first.session]
    assert all("Witness:" not in log for log in answers.values())  # never nudged


@sync
async def test_the_needs_you_badge_counts_the_waited_time_on_between_reads():
    import datetime as dt

    from textual.app import App

    from gastown_tui.services.townview import AgentView, RigView, TownSnapshot

    waiting = AgentView("gt-gastown-polecat-nux", "gastown/polecats/nux", "gastown", "polecat", "nux", "waiting",
                        "gt-1", "Work", "gt-gastown-nux", "2026-03-01T11:58:00Z", "Proceed? [y/n]", True)  # fmt: skip
    working = AgentView("gt-gastown-polecat-ace", "gastown/polecats/ace", "gastown", "polecat", "ace", "working",
                        "gt-2", "Other work", "gt-gastown-ace")  # fmt: skip
    snapshot = TownSnapshot((RigView("gastown", "gt", (waiting, working)),), (), (), (), 0)
    assert snapshot.needing_you == (waiting,)

    class Tree(App):
        CSS_PATH = str(Path(gastown_tui.__file__).parent / "styles" / "global.tcss")

        def compose(self):
            yield RigTree()

    app = Tree()
    async with app.run_test(size=(80, 12)) as pilot:
        tree = app.query_one(RigTree)
        tree.tick(dt.datetime(2026, 3, 1, 12, 0, 0, tzinfo=dt.UTC))
        tree.show(snapshot, "town")
        assert "nux          needs you 2m Proceed? [y/n]" in screen_text(app)
        assert "ace          working" in screen_text(app)
        tree.tick(dt.datetime(2026, 3, 1, 13, 0, 0, tzinfo=dt.UTC))  # no read since: only the clock moved
        await pilot.pause()
        assert "needs you 1h Proceed?" in screen_text(app)
