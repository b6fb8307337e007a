"""Agents that wait for a person: seen (reported, or by the screen rules), left alone by the witness,
mailed about once after a while, answered, and finishing their work. Real tmux, git and ledger."""

from __future__ import annotations

import re
import time

from polecat_support import (  # noqa: F401 (fixtures)
    add_rig,
    agent_fields,
    lite_town_fixture,
    mr_for,
    new_bead,
    scripted_log,
    tmux_server,
    wait_for,
)

from gastown_tui.services import attention, mail, polecats, witness

AGENT = "gt-gastown-polecat-furiosa"
ADDRESS = "gastown/polecats/furiosa"
QUESTION = "commit it? [y/n]"


def _row(town):
    return polecats.json_rows(town, polecats.list_polecats(town))[0]


def _kinds(findings):
    return [(f["kind"], f["action"]) for f in findings]


def test_an_asking_agent_reports_waiting_is_never_nudged_is_mailed_about_once_and_finishes_when_answered(
    lite_town, tmp_path, tmux, gt
):
    town = lite_town
    config = add_rig(town, tmp_path, stall_after=5, wait_mail_after=60)
    bead = new_bead(town, "Ask first")
    got = polecats.sling(town, bead, config.name, runtime="scripted:ask,fast")
    row = wait_for(lambda: _row(town)["state"] == "waiting" and _row(town), what="waiting reported")
    assert row["reason"].endswith(QUESTION) and row["yes_no"] and agent_fields(town, AGENT)["reported_by"] == "agent"
    listed = gt("polecat", "list").out
    assert re.search(rf"gastown/furiosa +waiting .*\n    needs you \(\d+ s, since {row['since']}\): \? Write", listed)
    # Mail for it waits in its inbox: a nudge typed now would answer the question meant for a person.
    sent = mail.send(town, sender="mayor/", to=ADDRESS, subject="MERGED: your earlier work")
    assert mail.notify(town.ledger, [m.id for m in sent], tmux=tmux) == []
    # Ten minutes later: still a person's turn. No nudge, no restart; the overseer hears once.
    later = time.time() + 600
    findings = witness.patrol(town, config.name, now=later)
    assert _kinds(findings) == [("waiting", "report")] and "furiosa has waited 10 min: ?" in findings[0]["detail"]
    told = town.ledger.list_beads(issue_type="message", assignee="overseer")
    assert len(told) == 1 and told[0]["title"].startswith("ESCALATION [MEDIUM] furiosa has waited 10 min")
    assert witness.patrol(town, config.name, now=later + 600) == []
    assert len(town.ledger.list_beads(issue_type="message", assignee="overseer")) == 1
    assert "heard" not in scripted_log(town, got["session"]) and tmux.has_session(got["session"])
    polecats.answer(town, ADDRESS, "y")
    wait_for(lambda: mr_for(town, bead), what="the work handed to the refinery")
    assert f"{QUESTION} -> y" in scripted_log(town, got["session"])


def test_a_silent_asker_is_seen_by_the_screen_rules_and_cleared_once_answered(lite_town, tmp_path, tmux):
    town = lite_town
    config = add_rig(town, tmp_path, stall_after=5)
    bead = new_bead(town, "Ask silently")
    got = polecats.sling(town, bead, config.name, runtime="scripted:ask-silent,fast")
    wait_for(lambda: "[y/n]" in tmux.capture(got["session"], ansi=False), what="the question on screen")
    assert _row(town)["reported"] is None  # it said nothing
    assert _kinds(witness.watch(town, config.name)) == [("waiting", "none")]
    row = _row(town)
    assert row["state"] == "waiting" and row["reason"].endswith(QUESTION) and row["yes_no"]
    assert agent_fields(town, AGENT)["reported_by"] == "screen"
    assert witness.patrol(town, config.name, now=time.time() + 300) == []  # not nudged: waiting
    tmux.send_text(got["session"], "n")  # answered by hand in the session: the next look sees the prompt gone
    wait_for(lambda: mr_for(town, bead), what="the work handed to the refinery")
    assert f"{QUESTION} -> n" in scripted_log(town, got["session"])


def test_screen_marks_keep_a_busy_agent_from_stalling_even_when_tmux_activity_is_stale(lite_town, tmp_path, tmux):
    """The tmux release whose window_activity never advances: a changing screen still counts."""
    town = lite_town
    config = add_rig(town, tmp_path, stall_after=30)
    got = polecats.sling(town, new_bead(town, "Busy"), config.name, runtime="scripted:hang,fast")
    wait_for(lambda: "hanging on purpose" in scripted_log(town, got["session"]), what="agent at work")
    start = time.time()
    witness.watch(town, config.name, now=start)  # first sight: dated by tmux
    tmux.send_text(got["session"], "still busy")  # the screen changes (the agent echoes it)
    wait_for(lambda: "heard: still busy" in scripted_log(town, got["session"]), what="echo")
    for second in range(attention.ROUND):  # an idle-looking screen is looked at on its turn in each round
        witness.watch(town, config.name, now=start + 100 + second)  # seen changed at +100…+109
    assert polecats.list_polecats(town, now=start + 120)[0].state == "working"  # tmux alone would say stalled
    assert polecats.list_polecats(town, now=start + 200)[0].state == "stalled"


def test_a_new_session_forgets_what_the_last_one_said(lite_town, tmp_path, tmux, gt):
    town = lite_town
    config = add_rig(town, tmp_path)
    got = polecats.sling(town, new_bead(town, "Asks, then dies"), config.name, runtime="scripted:hang,fast")
    wait_for(lambda: "hanging on purpose" in scripted_log(town, got["session"]), what="agent at work")
    assert gt("agent", "state", "waiting", "--reason", "Go on?", "--agent", ADDRESS).code == 0
    assert _row(town)["state"] == "waiting"
    polecats.restart(town, config.name, "furiosa")
    row = _row(town)
    assert row["state"] == "working" and row["reported"] is None and row["reason"] == ""


def test_a_watch_pass_captures_screens_that_printed_lately_and_each_other_once_a_round():
    """At 100 quiet polecats a pass must not capture 100 screens a second; a new screen, or one with
    fresh output, is captured at once; every other one on its turn, once per round."""
    sessions = [f"gt-gastown-cat{n}" for n in range(100)]
    marks = {s: ("hash", 1000) for s in sessions[1:]}  # all but the first seen before
    live = dict.fromkeys(sessions, 1000) | {sessions[2]: 1999}  # the third printed a second ago
    now = 2000.0
    picked = attention.due(sessions, marks, live, now)
    assert sessions[0] in picked and sessions[2] in picked  # never seen; printed lately
    assert len(picked) < 20  # the rest wait for their turn
    turns = [attention.due(sessions, marks, live, now + k) for k in range(attention.ROUND)]
    quiet = sessions[3:]
    assert all(sum(s in t for t in turns) == 1 for s in quiet)  # each quiet one exactly once a round


def test_a_line_typed_before_the_question_does_not_answer_it(lite_town, tmp_path, tmux):
    """A nudge typed while the agent works sits in its terminal; the question asked later must not take
    it for the person's answer (as prompts for a person do, the asker drops what was typed before)."""
    town = lite_town
    config = add_rig(town, tmp_path)
    bead = new_bead(town, "Asks after typing")
    got = polecats.sling(town, bead, config.name, runtime="scripted:ask")  # 2 s a step: the question comes later
    wait_for(lambda: "hooked:" in scripted_log(town, got["session"]), what="the agent at work")
    tmux.send_text(got["session"], "n")  # typed ahead, e.g. a mail nudge
    wait_for(lambda: _row(town)["state"] == "waiting", timeout=30, what="the question")
    polecats.answer(town, ADDRESS, "y")
    wait_for(lambda: mr_for(town, bead), timeout=30, what="the work handed to the refinery")
    assert f"{QUESTION} -> y" in scripted_log(town, got["session"])


def test_a_patrol_loop_looks_at_every_screen_once_a_full_look_or_each_pass_when_tmux_activity_is_stale():
    looks = attention.PatrolLooks()
    now = 10_000.0
    assert looks.every(now, stall_after=900)  # the first pass
    assert not looks.every(now + 10, stall_after=900)
    assert looks.every(now + attention.FULL_LOOK, stall_after=100)
    assert not looks.every(now + attention.FULL_LOOK + 20, stall_after=100)
    assert looks.every(now + attention.FULL_LOOK + 25, stall_after=100)  # a quarter of a short stall_after
    marks = {"a": ("h1", 9_000), "b": ("h2", 9_000)}
    # a screen changed after tmux saw output on it (b): tmux is fine; one changed just after its mark: too
    looks.saw({"b": ("h3", 10_000)}, marks, {"a": 9_000, "b": 9_500}, now)
    looks.saw({"a": ("h4", 10_000)}, {"a": ("h1", 9_999)}, {"a": 9_999}, now)
    assert not looks.stale and not looks.every(now + attention.FULL_LOOK + 31, stall_after=900)
    looks.saw({"a": ("h4", 10_000)}, marks, {"a": 9_000, "b": 9_000}, now)  # changed, tmux saw nothing
    assert looks.stale and looks.every(now + 1, stall_after=900) and looks.every(now + 2, stall_after=900)
    assert attention.moved(["a", "b", "c"], marks, {"a": 9_001, "b": 9_000}) == ["a", "c"]  # output after; new
