"""The TUI against live polecats: a real rig, the scripted runtime, a private tmux server.

Sling from the TUI starts a real session; the output pane follows it; nudge types into it;
``t`` shows the polecat's session from the town's own tmux server, and detaching comes back to
the TUI: outside tmux the app hands over the terminal to ``tmux attach``; inside tmux it opens a
popup over the person's client. Those run the app in real terminals: panes of private servers.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from polecat_support import tmux_server, wait_for  # noqa: F401  (fixture)
from tui_support import async_wait_for, screen_text, sync

from gastown_tui.runtime.tmux import Tmux
from gastown_tui.town import install
from gastown_tui.tui.app import GastownApp
from gastown_tui.tui.screens.text_view import TextViewScreen
from gastown_tui.tui.widgets.polecat_output import PolecatOutput
from gastown_tui.tui.widgets.rig_tree import RigTree

SIZE = (160, 48)
GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"]

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")


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
        await async_wait_for(lambda: agent_id in tree.agents, what="the polecat in the tree")
        session = tree.agents[agent_id].session
        await async_wait_for(lambda: session in app.screen.live, what="the live session")
        # Walk the cursor onto it with j, as a person would; the output pane follows that session.
        tree.focus()
        while tree.selected_agent is None or tree.selected_agent.id != agent_id:
            await pilot.press("j")
        output = app.screen.query_one(PolecatOutput)
        await async_wait_for(lambda: output.session == session, what="the pane capture")
        await async_wait_for(lambda: bead in output.shown_text, what="the agent's screen")
        # enter on the output pane: its scrollback in a view, opened at the newest line
        await pilot.press("2", "enter")
        view = await async_wait_for(
            lambda: isinstance(app.screen, TextViewScreen) and app.screen.body is not None and app.screen,
            what="the scrollback view",
        )
        assert view.title_text == f"Output of {session}" and bead in str(view.body)
        await pilot.press("escape", "1")
        await pilot.press("n")
        await pilot.press(*"hello", "space", *"nux")
        await pilot.press("enter")
        await async_wait_for(lambda: "hello nux" in scripted_log(town, session), what="the nudge in the log")


@sync
async def test_attach_on_a_polecat_without_a_session_says_why(rig_town, tmux):
    from gastown_tui.services.polecats import sling

    town, bead = rig_town
    done = sling(town, bead, "gastown", runtime="scripted:fast")
    name = done["address"].rsplit("/", 1)[-1]
    wait_for(lambda: town.ledger.get(bead)["status"] != "hooked" and not tmux.activity(), what="gt done")
    app = GastownApp(town, tmux=tmux)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        tree = app.screen.query_one(RigTree)
        await async_wait_for(lambda: f"gt-gastown-polecat-{name}" in tree.agents, what="the polecat in the tree")
        tree.focus()
        while tree.selected_agent is None or tree.selected_agent.name != name:
            await pilot.press("j")
        assert app.screen.check_action("attach", ()) is True  # offered, not hidden
        await pilot.press("t")
        await async_wait_for(
            lambda: f"{name} has no live session (state idle)" in screen_text(app),  # as gt polecat list says
            what="the toast saying why",
        )


def _live_polecat(town, bead: str, tmux) -> tuple[str, str]:
    """Sling ``bead`` (the rig's runtime hangs half-way, so the session stays); its session and name."""
    from gastown_tui.services.polecats import sling

    done = sling(town, bead, "gastown")
    session = done["session"]
    wait_for(lambda: bead in tmux.capture(session, ansi=False), what="the agent's screen")
    return session, done["address"].rsplit("/", 1)[-1]


def _tui(town) -> list[str]:
    return [sys.executable, "-m", "gastown_tui.cli.tui", "--town", str(town.root), "--no-daemon"]


def _keys(server: Tmux, session: str, *keys: str) -> None:
    """Keys typed into the terminal ``session`` of ``server`` shows (tmux key names: ``C-b``, ``Enter``)."""
    for key in keys:
        subprocess.run(["tmux", "-L", server.socket, "send-keys", "-t", f"={session}:", key], check=True)


def _clients(server: Tmux) -> list[str]:
    """The sessions the person's clients of ``server`` are attached to (not the app's read-only
    control-mode client, which tells it when the followed pane prints)."""
    args = ["tmux", "-L", server.socket, "list-clients", "-F", "#{client_control_mode} #{client_session}"]
    lines = subprocess.run(args, capture_output=True).stdout.decode().splitlines()
    return [line.split(" ", 1)[1] for line in lines if line.startswith("0 ")]


def test_attach_outside_tmux_hands_over_the_terminal_and_comes_back(rig_town, tmux):
    town, bead = rig_town
    session, name = _live_polecat(town, bead, tmux)
    # The TUI in a real terminal outside tmux: a 160x48 pane of a server standing in for the
    # person's terminal, TMUX unset inside it. `t` suspends the app and runs `tmux -L TOWN attach`.
    terminal = Tmux("gt-test-terminal")
    command = ["env", "-u", "TMUX", *_tui(town)]
    terminal.new_session("tui", str(town.root), command, env={"TMUX_TMPDIR": os.environ["TMUX_TMPDIR"]})

    def screen() -> str:
        return terminal.capture("tui", ansi=False)

    wait_for(lambda: "Gas Town" in screen() and f"● {name}" in screen(), what="the TUI with the live polecat")
    _keys(terminal, "tui", *"jjjjj")  # town → rig → witness → refinery → polecats → the polecat
    wait_for(lambda: "t Attach" in screen(), what="attach offered for the polecat")
    _keys(terminal, "tui", "t")
    wait_for(lambda: "Gas Town" not in screen() and bead in screen(), what="the polecat's session in the terminal")
    assert _clients(town.tmux()) == [session]
    _keys(terminal, "tui", "C-b", "d")  # detach, as a person would
    wait_for(lambda: "Gas Town" in screen() and f"● {name}" in screen(), what="the TUI back after detach")
    assert _clients(town.tmux()) == [] and tmux.has_session(session)  # detaching never kills the agent


def test_attach_inside_tmux_opens_a_popup_and_detach_closes_it(rig_town, tmux):
    town, bead = rig_town
    session, name = _live_polecat(town, bead, tmux)
    # The person works inside tmux: their own server ("person") shows the TUI in a pane, through a
    # client running in a terminal (a pane of a third server, whose screen is what the person sees).
    terminal, person = Tmux("gt-test-terminal"), Tmux("gt-test-person")
    client = ["env", "-u", "TMUX", "tmux", "-L", person.socket, "new-session", "-s", "desk", "--", *_tui(town)]
    terminal.new_session("screen", str(town.root), client, env={"TMUX_TMPDIR": os.environ["TMUX_TMPDIR"]})

    def screen() -> str:
        return terminal.capture("screen", ansi=False)

    wait_for(lambda: "Gas Town" in screen() and f"● {name}" in screen(), what="the TUI inside the person's tmux")
    assert person.environment("desk") is not None and _clients(person) == ["desk"]
    _keys(terminal, "screen", *"jjjjj")
    wait_for(lambda: "t Attach" in screen(), what="attach offered for the polecat")
    _keys(terminal, "screen", "t")
    # A popup over the person's client, attached to the agent's session on the town's server.
    wait_for(lambda: _clients(town.tmux()) == [session], what="the popup's client on the town's server")
    wait_for(lambda: bead in screen() and "┌" in screen(), what="the agent's screen in the popup")
    _keys(terminal, "screen", "C-b", "d")  # detach: ends the popup's client, so the popup
    wait_for(lambda: _clients(town.tmux()) == [], what="the popup's client gone")
    wait_for(lambda: "┌" not in screen() and f"● {name}" in screen(), what="the TUI back, no popup")
    assert _clients(person) == ["desk"]  # the person's own client is still attached
    assert tmux.has_session(session)
    _keys(terminal, "screen", "?")  # and the TUI still answers keys
    wait_for(lambda: "escape to close" in screen(), what="the TUI's help after the popup")


@sync
async def test_a_polecat_whose_session_dies_turns_zombie_in_the_tree_without_a_ledger_write(rig_town, tmux):
    town, bead = rig_town
    session, name = _live_polecat(town, bead, tmux)
    app = GastownApp(town, tmux=tmux)
    async with app.run_test(size=(160, 48)):
        tree = app.screen.query_one(RigTree)

        def state() -> str | None:
            agent = next((a for a in tree.agents.values() if a.name == name), None)
            return agent.state if agent is not None else None

        await async_wait_for(lambda: state() == "working" and session in app.screen.live, what="the polecat at work")
        last_event = town.ledger.read(lambda s: s.last_event_id())
        tmux.kill_session(session)
        await async_wait_for(lambda: state() == "zombie", timeout=10, what="the zombie state from the tmux poll")
        assert town.ledger.read(lambda s: s.last_event_id()) == last_event  # judged from tmux, not read anew
