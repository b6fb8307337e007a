"""Each town's agents on its own tmux server: two towns with a rig and a polecat of the same name
run side by side, and nothing done in one reaches the other (real tmux, git and doltlite)."""

from __future__ import annotations

import os
import re
import shlex

import pytest
from polecat_support import FAST, HANG, add_rig, mr_for, new_bead, scripted_log, tmux_server, wait_for  # noqa: F401

from conftest import run_gt
from gastown_tui.errors import GtError
from gastown_tui.runtime.tmux import Tmux, socket_name
from gastown_tui.services import polecats
from gastown_tui.town import Town, install

SESSION = "gt-calc-furiosa"


def test_socket_names_are_per_town_folder_stable_and_safe(tmp_path):
    a, b = tmp_path / "a" / "gt", tmp_path / "b" / "gt"
    assert socket_name(a) == socket_name(a) == socket_name(tmp_path / "a" / "x" / ".." / "gt")
    assert socket_name(a) != socket_name(b)  # same folder name, other place: another server
    assert re.fullmatch(r"gt-gt-[0-9a-f]{6}", socket_name(a))
    odd = socket_name(tmp_path / "My Town/..;$(x)'ü" / "Demo Town!")
    assert re.fullmatch(r"gt-demo-town-[0-9a-f]{6}", odd)
    assert re.fullmatch(r"gt-town-[0-9a-f]{6}", socket_name(tmp_path / "!!!"))
    assert len(socket_name(tmp_path / ("x" * 200))) <= 34


def test_attach_commands_name_the_server_and_the_exact_session(tmux, tmp_path):
    server = Tmux("gt-x-123abc")
    assert server.attach_hint("gt-calc-furiosa") == "tmux -L gt-x-123abc attach -t '=gt-calc-furiosa'"
    assert shlex.split(server.attach_hint("odd name'$(x)"))[-1] == "=odd name'$(x)"  # quoted, never run
    assert server.attach_argv("gt-calc-furiosa")[1:] == [
        "-L",
        "gt-x-123abc",
        "attach-session",
        "-t",
        "=gt-calc-furiosa",
    ]
    for bad in ("a;b", "-t", "", "a b", "x:1"):
        with pytest.raises(GtError, match="not a session name"):
            server.attach_argv(bad)
    server.new_session("gt-calc-furiosa", str(tmp_path), ["cat"])
    path = server.socket_path()  # the -L socket sits in the test's TMUX_TMPDIR, as tmux puts it
    assert path.startswith(os.path.realpath(os.environ["TMUX_TMPDIR"])) and path.endswith("/gt-x-123abc")
    assert server.attach_argv("gt-calc-furiosa", by_path=True)[1:3] == ["-S", path]


def test_attaching_is_runtimes_job_and_says_why_it_failed(tmux, tmp_path):
    """The TUI's t goes through Tmux.attach / attach_in_popup (tmux is run by runtime/ only); a real
    attach, outside and inside tmux, is test_tui_live's."""
    from gastown_tui.runtime.tmux import inside_client
    from gastown_tui.tui import operations

    server = Tmux("gt-x-123abc")
    server.new_session("gt-calc-furiosa", str(tmp_path), ["cat"])
    assert not inside_client() and not operations.inside_tmux()  # the fixture unset TMUX
    # No client of the person's to put a popup over: the error says how to attach by hand.
    with pytest.raises(GtError, match="could not open a popup") as failed:
        server.attach_in_popup("gt-calc-furiosa")
    assert failed.value.hint.endswith("tmux -L gt-x-123abc attach -t '=gt-calc-furiosa'")
    with pytest.raises(GtError, match="not a session name"):
        server.attach_in_popup("a;b")


def test_town_tmux_is_the_towns_own_server(tmp_path, tmux):
    town = install(str(tmp_path / "demo"))
    try:
        assert town.tmux().socket == socket_name(town.root) and town.tmux().socket.startswith("gt-demo-")
        assert Town(tmp_path / "demo").tmux().socket == town.tmux().socket
    finally:
        town.ledger.close()


@pytest.fixture
def two_towns(tmp_path, tmux, monkeypatch):
    """Towns A and B, each with a rig ``calc``; both in folders named ``town``; no GT_TOWN set."""
    monkeypatch.delenv("GT_TOWN", raising=False)
    towns = []
    for side in ("a", "b"):
        town = install(str(tmp_path / side / "town"))
        add_rig(town, tmp_path / side, "calc")
        towns.append(town)
    yield towns
    for town in towns:
        town.ledger.close()


def _list(town) -> dict:
    res = run_gt("polecat", "list", "--json", "--town", town.root)
    assert res.code == 0, res.err
    return {row["name"]: row for row in res.json()}


def test_two_towns_run_a_polecat_of_the_same_name_side_by_side(two_towns, tmp_path):
    a, b = two_towns
    got_a = polecats.sling(a, new_bead(a, "Work in A"), "calc", runtime=HANG, name="furiosa")
    got_b = polecats.sling(b, new_bead(b, "Work in B"), "calc", runtime=HANG, name="furiosa")
    assert got_a["session"] == got_b["session"] == SESSION
    # One session of that name on each town's server, each running its own town's agent.
    assert set(a.tmux().activity()) == {SESSION} and set(b.tmux().activity()) == {SESSION}
    assert a.tmux().environment(SESSION)["GT_TOWN"] == str(a.root)
    assert b.tmux().environment(SESSION)["GT_TOWN"] == str(b.root)
    assert not Tmux().has_session(SESSION)  # and none on the default server
    wait_for(lambda: "Work in A" in a.tmux().capture(SESSION, ansi=False), what="A's agent on A's server")
    wait_for(lambda: "Work in B" in b.tmux().capture(SESSION, ansi=False), what="B's agent on B's server")

    # Each town's listing sees its own, live, with the command that reaches it by hand.
    for town in (a, b):
        row = _list(town)["furiosa"]
        assert row["session_alive"] and row["state"] == "working"
        assert row["attach"] == f"tmux -L {town.tmux().socket} attach -t '=gt-calc-furiosa'"
    text = run_gt("polecat", "list", "--town", a.root).out
    assert f"attach: tmux -L {a.tmux().socket} attach -t '=gt-calc-furiosa'" in text

    # A nudge and a mail nudge in A arrive in A's agent only.
    assert run_gt("nudge", "calc/furiosa", "hello from A", "--town", a.root).code == 0
    sent = run_gt("mail", "send", "calc/polecats/furiosa", "-s", "only for A", "-m", "body", "--town", a.root)
    assert sent.code == 0, sent.err
    wait_for(lambda: "hello from A" in scripted_log(a, SESSION), what="the nudge in A")
    wait_for(lambda: "only for A" in scripted_log(a, SESSION), what="the mail nudge in A")
    assert "hello from A" not in scripted_log(b, SESSION) and "only for A" not in scripted_log(b, SESSION)

    # Nuking B's furiosa leaves A's alone.
    assert run_gt("polecat", "nuke", "calc/furiosa", "--force", "--town", b.root).code == 0
    assert not b.tmux().has_session(SESSION) and a.tmux().has_session(SESSION)
    assert _list(a)["furiosa"]["session_alive"] and not _list(b)["furiosa"]["session_alive"]
    assert _list(b)["furiosa"]["attach"] == ""


def test_gt_done_inside_a_session_ends_its_own_towns_session_only(two_towns):
    a, b = two_towns
    polecats.sling(b, new_bead(b, "Stays in B"), "calc", runtime=HANG, name="furiosa")
    bead = new_bead(a, "Done in A")
    polecats.sling(a, bead, "calc", runtime=FAST, name="furiosa")
    # The agent in A runs `gt done` with only GT_TOWN to tell its town: its session ends, B's lives on.
    wait_for(lambda: mr_for(a, bead) and not a.tmux().has_session(SESSION), what="gt done in A")
    assert b.tmux().has_session(SESSION)
    assert not polecats.end_session("calc/furiosa", tmux=a.tmux())  # A's is already gone
    assert b.tmux().has_session(SESSION)


def test_a_rig_removed_in_one_town_keeps_the_other_towns_sessions(two_towns):
    from gastown_tui.services.rigs import remove_rig

    a, b = two_towns
    polecats.sling(a, new_bead(a, "Keep"), "calc", runtime=HANG, name="furiosa")
    polecats.sling(b, new_bead(b, "Drop"), "calc", runtime=HANG, name="furiosa")
    remove_rig(b, "calc", force=True)
    assert not b.tmux().has_session(SESSION) and a.tmux().has_session(SESSION)
