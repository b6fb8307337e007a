"""runtime/tmux against a real, private tmux server."""

from __future__ import annotations

import json
import sys
import time

import pytest
from polecat_support import tmux_server, wait_for  # noqa: F401 (fixtures)

from gastown_tui.errors import GtError
from gastown_tui.runtime.tmux import Tmux, TmuxUnavailable, clean_text

ECHO = [sys.executable, "-u", "-c", "import sys\nfor line in sys.stdin: print('got:' + line, end='')"]


def test_sessions_exact_names_and_kill(tmux, tmp_path):
    assert tmux.activity() == {} and not tmux.has_session("gt-r-nux")  # no server yet: nothing, no error
    tmux.new_session("gt-r-nux2", str(tmp_path), ECHO)
    assert not tmux.has_session("gt-r-nux")  # no prefix matching
    tmux.new_session("gt-r-nux", str(tmp_path), ECHO)
    assert tmux.has_session("gt-r-nux")
    with pytest.raises(GtError, match="already exists"):
        tmux.new_session("gt-r-nux", str(tmp_path), ECHO)
    assert tmux.kill_session("gt-r-nux") and not tmux.kill_session("gt-r-nux")
    assert set(tmux.activity()) == {"gt-r-nux2"}


def test_environment_is_set_at_creation_and_seen_by_children(tmux, tmp_path):
    out = tmp_path / "env.json"
    program = f"import json, os; json.dump(dict(os.environ), open({str(out)!r}, 'w'))"
    tmux.new_session(
        "envy", str(tmp_path), [sys.executable, "-c", program], {"GT_ROLE": "polecat", "GT_X": "a b'\"$(x)"}
    )
    env = json.loads(wait_for(lambda: out.exists() and out.read_text(), what="child env"))
    assert env["GT_ROLE"] == "polecat" and env["GT_X"] == "a b'\"$(x)"


def test_sessions_see_their_own_size_not_an_inherited_one(tmux, tmp_path):
    out = tmp_path / "size.txt"
    program = f"import shutil; open({str(out)!r}, 'w').write('%dx%d' % tuple(shutil.get_terminal_size()))"
    tmux.new_session("sized", str(tmp_path), [sys.executable, "-c", program], width=131, height=37)
    assert wait_for(lambda: out.exists() and out.read_text(), what="child size") == "131x37"


def test_a_one_word_command_is_not_run_by_a_shell(tmux, tmp_path):
    trap = tmp_path / "trap"
    tmux.new_session("oneword", str(tmp_path), [f"true; touch {trap}"])
    wait_for(lambda: not tmux.has_session("oneword"), what="session end")
    assert not trap.exists()


@pytest.mark.parametrize("text", ["ends with semi;", "escaped\\;", "two;;", ";"])
def test_semicolons_at_the_end_arrive_as_typed(tmux, tmp_path, text):
    tmux.new_session("semi", str(tmp_path), ECHO)
    tmux.send_text("semi", text)
    screen = wait_for(lambda: "got:" in tmux.capture("semi", ansi=False) and tmux.capture("semi", ansi=False))
    assert f"got:{text}\n" in screen + "\n"


def test_send_text_is_literal_and_stripped_of_control_characters(tmux, tmp_path):
    trap = tmp_path / "trap"
    tmux.new_session("talk", str(tmp_path), ECHO)
    text = f"$(touch {trap}) `touch {trap}`; 'q' \"dq\" \x1b[2J\x03\ttab\nnext"
    tmux.send_text("talk", text)
    screen = wait_for(lambda: "got:" in tmux.capture("talk", ansi=False) and tmux.capture("talk", ansi=False))
    assert f"got:$(touch {trap}) `touch {trap}`; 'q' \"dq\" [2J tab next" in screen
    assert not trap.exists()
    long = "x" * 5000 + "END"
    tmux.send_text("talk", long)
    wait_for(lambda: "END" in tmux.capture("talk", ansi=False, lines=200).replace("\n", ""), what="long text")
    with pytest.raises(GtError, match="no live session"):
        tmux.send_text("nobody", "hi")
    assert clean_text("a\x00b\x7fc\x9bd") == "abcd"


def test_capture_keeps_colours_only_when_asked(tmux, tmp_path):
    program = "import time; print('\\x1b[31mred\\x1b[0m plain', flush=True); time.sleep(30)"
    tmux.new_session("colour", str(tmp_path), [sys.executable, "-c", program])
    wait_for(lambda: "red" in tmux.capture("colour", ansi=False))
    assert "\x1b[31m" in tmux.capture("colour", ansi=True)
    assert "\x1b[" not in tmux.capture("colour", ansi=False)
    with pytest.raises(GtError):
        tmux.capture("gone")


def test_activity_reads_every_session_in_one_call_and_moves_with_output(tmux, tmp_path):
    calls = []

    class Counting(Tmux):
        def _run(self, *args, check=True):
            calls.append(args[0])
            return super()._run(*args, check=check)

    for n in range(5):
        tmux.new_session(f"s{n}", str(tmp_path), ECHO)
    counting = Counting()
    before = counting.activity()
    assert set(before) == {f"s{n}" for n in range(5)} and calls == ["list-windows"]
    wait_for(lambda: int(time.time()) > before["s0"], what="a second to pass")
    tmux.send_text("s0", "wake")
    wait_for(lambda: tmux.activity()["s0"] > before["s0"], what="activity to move")
    assert tmux.activity()["s1"] == before["s1"]


def test_missing_tmux_is_a_clear_error(tmux):
    broken = Tmux()
    broken.binary = None
    with pytest.raises(TmuxUnavailable, match="not installed"):
        broken.activity()


def test_capture_many_reads_several_screens_in_one_call_and_skips_the_gone(tmux, tmp_path):
    for name in ("one", "two"):
        tmux.new_session(
            name, str(tmp_path), [sys.executable, "-c", f"print('I am {name}'); import time; time.sleep(60)"]
        )
    wait_for(lambda: "I am two" in tmux.capture("two", ansi=False), what="output")
    wait_for(lambda: "I am one" in tmux.capture("one", ansi=False), what="output")
    screens = tmux.capture_many(["gone", "one", "also-gone", "two"])
    assert set(screens) == {"one", "two"}
    assert screens["one"].strip() == "I am one" and screens["two"].strip() == "I am two"
    # a screen reads the same first or last in the chain: its hash changes only when it does
    assert tmux.capture_many(["two", "one"]) == tmux.capture_many(["one", "two"]) == screens
    tmux.mark_panes({"one": ("abc123", 1_000), "gone": ("x", 1)})
    assert tmux.activity_and_marks()[1] == {"one": ("abc123", 1_000)}
    tmux.mark_panes({"one": ("abc123", 4_000_000_000)})  # a change seen later than tmux's own activity
    assert tmux.activity()["one"] == 4_000_000_000 and tmux.activity()["two"] < 4_000_000_000


def test_two_writers_never_interleave_their_lines(tmux, tmp_path):
    """Long lines go in several send-keys calls; a second writer waits for the first to finish."""
    import threading

    out = tmp_path / "lines.txt"
    program = f"import sys\nwith open({str(out)!r}, 'a') as fh:\n    for line in sys.stdin: fh.write(line); fh.flush()"
    tmux.new_session("reader", str(tmp_path), [sys.executable, "-c", program])
    lines = {letter: letter * 3500 for letter in "abcd"}  # each line is 2 chunks (a tty line holds 4095)
    writers = [threading.Thread(target=tmux.send_text, args=("reader", text)) for text in lines.values()]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    got = wait_for(lambda: out.exists() and out.read_text().count("\n") == 4 and out.read_text(), what="four lines")
    assert sorted(got.splitlines()) == sorted(lines.values())


def test_a_standing_client_lists_the_sessions_without_a_tmux_process_and_outlives_its_session(tmux, tmp_path):
    """The daemon and the TUI list every second: after the first listing, a control-mode client sitting
    read-only on a session answers; when that session ends, the next listing is still right."""
    calls = []

    class Counting(Tmux):
        def _run(self, *args, check=True):
            calls.append(args[0])
            return super()._run(*args, check=check)

    for name in ("one", "two"):
        tmux.new_session(name, str(tmp_path), ECHO)
    standing = Counting()
    standing.stand()
    try:
        tmux.mark_panes({"two": ("abc123", 4_000_000_000)})
        assert standing.activity_and_marks() == tmux.activity_and_marks()  # the first by a tmux process
        calls.clear()
        for _ in range(3):
            live, marks = standing.activity_and_marks()
            assert set(live) == {"one", "two"} and marks == {"two": ("abc123", 4_000_000_000)}
        assert calls == []  # no tmux process: the standing client answered
        client = standing._standing._proc
        assert client is not None and client.poll() is None
        tmux.kill_session("one")  # the session it sits on (the first listed)
        assert set(standing.activity()) == {"two"}
        wait_for(lambda: client.poll() is not None, what="the client to end with its session")
        assert set(standing.activity()) == {"two"}
    finally:
        standing._standing.close()
    assert calls and set(calls) == {"list-windows"}  # a tmux process once, until it sat on "two"
