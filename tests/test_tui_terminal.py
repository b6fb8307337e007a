"""The TUI in a real terminal (a pane of a private tmux server), driven as a person types.

Keys arrive in one burst, as from a fast typist or a paste: the app must route each where it
would go had the person waited for the screen.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from polecat_support import HANG, add_rig, lite_town_fixture, new_bead, tmux_server, wait_for  # noqa: F401  (fixtures)

from gastown_tui.runtime.tmux import Tmux
from gastown_tui.town import install

TUI = str(Path(sys.executable).with_name("gastown-tui"))


@pytest.fixture
def terminal(tmux, tmp_path):
    """``(town, term)``: the TUI on a fresh town in a 120×40 pane of its own tmux server."""
    town = install(str(tmp_path / "town"))
    term = Tmux(socket="terminal")
    term.new_session("person", str(tmp_path), [TUI, "--town", str(town.root), "--no-daemon"], width=120, height=40)
    wait_for(lambda: "[5] Mail" in term.capture("person", ansi=False), timeout=30, what="the TUI")
    yield town, term
    term.kill_server()
    town.ledger.close()


def burst(term: Tmux, *keys: str) -> None:
    """Every key in one ``send-keys`` call: they reach the app back to back."""
    subprocess.run(["tmux", "-L", term.socket, "send-keys", "-t", "=person:", *keys], check=True, timeout=10)


def test_keys_typed_right_after_compose_opens_land_in_their_fields(terminal):
    town, term = terminal
    burst(term, "c", *"mayor/", "Tab", *"hello")

    def fields() -> tuple[str, str] | None:
        lines = term.capture("person", ansi=False).splitlines()
        labels = [i for i, line in enumerate(lines) if line.strip("│█ ").startswith("Subject")]
        if not labels:
            return None
        above = "\n".join(lines[: labels[0]])
        below = "\n".join(lines[labels[0] : labels[0] + 4])
        return (above, below) if "hello" in below else None

    above, below = wait_for(fields, timeout=10, what="the compose form with its fields filled")
    assert "mayor/" in above and "mayor/hello" not in above
    assert "mayor/" not in below


ESCAPE_DELAY = "from textual import constants; from gastown_tui.tui.app import GastownApp; GastownApp(); print(constants.ESCAPE_DELAY)"


@pytest.mark.parametrize(("escdelay", "seconds"), [(None, "0.025"), ("150", "0.15")])
def test_a_lone_escape_waits_25_ms_unless_the_person_set_escdelay(escdelay, seconds):
    """Textual waits 100 ms after an escape in case a key sequence follows; the app takes 25 ms,
    but a person's own ESCDELAY (milliseconds, as curses reads it) is kept."""
    env = {key: value for key, value in os.environ.items() if key != "ESCDELAY"}
    if escdelay is not None:
        env["ESCDELAY"] = escdelay
    shown = subprocess.run([sys.executable, "-c", ESCAPE_DELAY], env=env, capture_output=True, text=True, check=True)
    assert shown.stdout.strip() == seconds


def test_the_input_thread_wakes_when_a_pending_escape_times_out():
    """Textual's input thread checked the escape timeout only every 0.1 s (a lone escape took up to
    200 ms whatever ESCDELAY said); the app's driver waits no longer than the pending timeout."""
    from gastown_tui.tui.app import GastownApp
    from gastown_tui.tui.escape_key import QuickEscapeDriver, input_wait

    assert GastownApp().driver_class is QuickEscapeDriver
    assert input_wait(None, 5.0) is None  # nothing pending: until the terminal speaks (Textual woke every 0.1 s)
    assert abs(input_wait(5.025, 5.0) - 0.025) < 1e-9
    assert input_wait(4.9, 5.0) == 0.0  # overdue: look at once


def test_escape_closes_help_in_a_real_terminal(terminal):
    _town, term = terminal
    burst(term, "?")
    wait_for(lambda: "escape to close" in term.capture("person", ansi=False), what="help")
    burst(term, "Escape")
    wait_for(lambda: "escape to close" not in term.capture("person", ansi=False), what="help closed")


def test_a_query_typed_right_after_ctrl_p_lands_in_the_palette_twice(terminal):
    """The letters after ctrl+p go to the palette's query, not to the town's keys (``c`` would
    compose); the palette is built once, and its second opening starts empty again."""
    _town, term = terminal
    for _ in range(2):
        burst(term, "C-p", *"compose")

        def matched() -> bool:
            shown = term.capture("person", ansi=False)
            return "Write a new message" in shown and "Approve" not in shown and "Search for actions" not in shown

        wait_for(matched, timeout=10, what="the palette showing the query's one match")
        assert "Subject" not in term.capture("person", ansi=False)  # no compose form: c reached the query
        burst(term, "Escape")
        wait_for(lambda: "[5] Mail" in term.capture("person", ansi=False), what="the town again")


def test_the_input_thread_sleeps_until_the_terminal_speaks_and_stops_at_once_when_told():
    """With no timeout pending the input thread waits for the terminal alone (an idle app's thread
    slept 0.1 s at a time); stopping it (quit, or a suspend to hand the terminal over) still wakes it,
    and a restarted one reads the keys again."""
    import asyncio
    import pty
    import signal
    import threading
    import tty

    from gastown_tui.tui.escape_key import QuickEscapeDriver

    heard = []

    class Recording(QuickEscapeDriver):
        def process_message(self, message) -> None:
            heard.append(getattr(message, "key", None))

    async def make() -> QuickEscapeDriver:
        return Recording(None)

    handlers = signal.getsignal(signal.SIGTSTP), signal.getsignal(signal.SIGCONT)
    master, slave = pty.openpty()
    tty.setraw(slave)
    driver = asyncio.run(make())
    try:
        driver.fileno = slave
        for key in "xy":  # the second time as after a suspend
            thread = threading.Thread(target=driver.run_input_thread, daemon=True)
            thread.start()
            os.write(master, key.encode())
            wait_for(lambda key=key: key in heard, timeout=10, what=f"the key {key}")
            driver.exit_event.set()
            thread.join(10)
            assert not thread.is_alive()
            driver.exit_event.clear()
        assert heard == ["x", "y"]
    finally:
        driver.close()
        os.close(master)
        os.close(slave)
        signal.signal(signal.SIGTSTP, handlers[0])
        signal.signal(signal.SIGCONT, handlers[1])


def test_the_app_quits_at_once_in_a_real_terminal(terminal):
    _town, term = terminal
    burst(term, "q")
    wait_for(lambda: "person" not in term.activity(), timeout=10, what="the app gone and its pane with it")


def test_closing_the_window_says_which_agents_keep_working(tmux, lite_town, tmp_path):
    """Agents' sessions outlive the window by design; the person is told so, and how to find them."""
    from gastown_tui.services import polecats

    rig = add_rig(lite_town, tmp_path)
    polecats.sling(lite_town, new_bead(lite_town), rig.name, runtime=HANG)
    term = Tmux(socket="terminal")
    then = "echo ended; sleep 60"  # the pane stays, showing what the app printed as it quit
    term.new_session("person", str(tmp_path), ["sh", "-c", f"{TUI} --town {lite_town.root} --no-daemon; {then}"])
    try:
        wait_for(lambda: "[5] Mail" in term.capture("person", ansi=False), timeout=30, what="the TUI")
        burst(term, "q")
        text = wait_for(lambda: "ended" in (s := term.capture("person", ansi=False)) and s, timeout=15, what="quit")
    finally:
        term.kill_server()
    assert "1 agent keeps working in tmux after this window closed" in text, text
    assert "gt polecat list" in text and "Traceback" not in text
