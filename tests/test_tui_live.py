"""The TUI against live polecats: a real rig, the scripted runtime, a private tmux server.

Sling from the TUI starts a real session; the output pane follows it; nudge types into it;
``t`` hands the terminal to ``tmux attach`` and the TUI comes back when the client detaches
(that one runs the app in a real terminal: a pane of the private tmux server).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from polecat_support import tmux_server, wait_for  # noqa: F401  (fixture)
from tui_support import sync

from gastown_tui.town import install
from gastown_tui.tui.app import GastownApp
from gastown_tui.tui.screens.text_view import TextViewScreen
from gastown_tui.tui.widgets.polecat_output import PolecatOutput
from gastown_tui.tui.widgets.rig_tree import RigTree

SIZE = (160, 48)
GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"]

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")


async def async_wait_for(predicate, timeout: float = 20.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while not (got := predicate()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)
    return got


@pytest.fixture
def rig_town(tmp_path, monkeypatch, tmux):
    """A town with rig ``gastown`` (scripted runtime that hangs half-way, so sessions stay up) and a bead."""
    from gastown_tui.services.rigs import add_rig

    source = tmp_path / "src"
    source.mkdir()
    subprocess.run([*GIT, "init", "-q", "-b", "main"], cwd=source, check=True)
    (source / "README.md").write_text("# demo\n")
    subprocess.run([*GIT, "add", "."], cwd=source, check=True)
    subprocess.run([*GIT, "commit", "-q", "-m", "first"], cwd=source, check=True)
    town = install(str(tmp_path / "town"))
    monkeypatch.setenv("GT_TOWN", str(town.root))
    monkeypatch.delenv("GT_ACTOR", raising=False)
    add_rig(town, "gastown", str(source), runtime="scripted:hang,fast")
    bead = town.ledger.write("t", lambda tx: tx.create("Add a logout button", prefix="gt"))
    yield town, bead
    town.ledger.close()


def scripted_log(town, session: str) -> str:
    path = Path(town.root) / ".runtime" / "scripted" / f"{session}.log"
    return path.read_text(encoding="utf-8") if path.exists() else ""


@sync
async def test_sling_then_follow_and_nudge_the_polecat(rig_town, tmux):
    town, bead = rig_town
    app = GastownApp(town, tmux=tmux)
    async with app.run_test(size=SIZE) as pilot:
        tree = app.screen.query_one(RigTree)
        await async_wait_for(lambda: app.screen.snapshot is not None, what="first read")
        await pilot.press("s")
        await pilot.press(*bead)
        await pilot.press("enter")
        hooked = await async_wait_for(
            lambda: (b := town.ledger.get(bead))["status"] == "hooked" and b["assignee"], what="the hook"
        )
        rig, _, name = hooked.split("/")
        agent_id = f"gt-{rig}-polecat-{name}"
        # The feed follower shows the new polecat without a refresh key; its session turns live.
        await async_wait_for(lambda: agent_id in tree._agents, what="the polecat in the tree")
        session = tree._agents[agent_id].session
        await async_wait_for(lambda: session in app.screen.live, what="the live session")
        # Walk the cursor onto it with j, as a person would; the output pane follows that session.
        tree.focus()
        while tree.selected_agent is None or tree.selected_agent.id != agent_id:
            await pilot.press("j")
        output = app.screen.query_one(PolecatOutput)
        await async_wait_for(lambda: output.session == session, what="the pane capture")
        await async_wait_for(lambda: bead in str(output._view.render()), what="the agent's screen")
        # enter on the output pane: its scrollback in a view, opened at the newest line
        await pilot.press("2", "enter")
        view = await async_wait_for(
            lambda: isinstance(app.screen, TextViewScreen) and app.screen, what="the scrollback view"
        )
        assert view.title_text == f"Output of {session}" and bead in str(view.body)
        await pilot.press("escape", "1")
        await pilot.press("n")
        await pilot.press(*"hello", "space", *"nux")
        await pilot.press("enter")
        await async_wait_for(lambda: "hello nux" in scripted_log(town, session), what="the nudge in the log")


def test_attach_hands_over_the_terminal_and_comes_back(rig_town, tmux):
    from gastown_tui.services.polecats import sling

    town, bead = rig_town
    done = sling(town, bead, "gastown", tmux=tmux)
    session = done["session"]
    wait_for(lambda: tmux.has_session(session), what="the polecat session")
    wait_for(lambda: bead in tmux.capture(session, ansi=False), what="the agent's screen")
    # The TUI in a real terminal: a 160x48 pane of the private server, TMUX unset inside it as for a
    # person's own terminal, so `t` runs `tmux attach` (a nested client) under App.suspend().
    command = [
        "env",
        "-u",
        "TMUX",
        sys.executable,
        "-m",
        "gastown_tui.cli.tui",
        "--town",
        str(town.root),
        "--no-daemon",
    ]
    tmux.new_session(
        "tui", str(town.root), command, env={"TMUX_TMPDIR": os.environ["TMUX_TMPDIR"]}, width=160, height=48
    )

    def screen() -> str:
        return tmux.capture("tui", ansi=False)

    wait_for(lambda: "Gas Town" in screen() and "polecats (1)" in screen(), what="the TUI's first paint")
    for key in ("j", "j", "j", "j", "j"):  # town → rig → witness → refinery → polecats → the polecat
        subprocess.run(["tmux", "send-keys", "-t", "=tui:", key], check=True)
    wait_for(lambda: "t Attach" in screen(), what="attach offered for the live polecat")
    subprocess.run(["tmux", "send-keys", "-t", "=tui:", "t"], check=True)
    wait_for(lambda: "Gas Town" not in screen() and bead in screen(), what="the polecat's session in the terminal")
    subprocess.run(["tmux", "detach-client", "-s", f"={session}"], check=True)
    wait_for(lambda: "Gas Town" in screen() and "polecats (1)" in screen(), what="the TUI back after detach")
    assert tmux.has_session(session)  # detaching never kills the agent
