"""The witness patrol against real scripted polecats on a private tmux server."""

from __future__ import annotations

import time
from pathlib import Path

from polecat_support import (  # noqa: F401 (fixtures)
    FAST,
    HANG,
    add_rig,
    agent_fields,
    git,
    lite_town_fixture,
    mr_for,
    new_bead,
    rig_fixture,
    scripted_log,
    tmux_server,
    wait_for,
)

from gastown_tui.runtime.tmux import Tmux
from gastown_tui.services import attention, polecats, witness
from gastown_tui.services.polecats import reader, set_agent
from gastown_tui.services.rigs import rig_paths

AGENT = "gt-gastown-polecat-furiosa"


def _hanging(town, got):
    wait_for(lambda: "hanging on purpose" in scripted_log(town, got["session"]), what="agent at work")


def _events(town, kind):
    return [e for e in town.ledger.read(lambda s: s.events(AGENT)) if e["event_type"] == f"witness:{kind}"]


def test_killed_session_is_found_zombie_and_restarted_from_its_hook(lite_town, rig, tmux):
    town = lite_town
    bead = new_bead(town, "Survive a crash")
    got = polecats.sling(town, bead, rig.name, runtime=HANG)
    _hanging(town, got)
    tmux.kill_session(got["session"])  # mid-work

    findings = witness.patrol(town, rig.name)
    assert [(f["polecat"], f["kind"], f["action"], f["bead"]) for f in findings] == [
        ("gastown/polecats/furiosa", "zombie", "restart", bead)
    ]
    assert tmux.has_session(got["session"])
    wait_for(lambda: scripted_log(town, got["session"]).count(f"hooked: {bead}:") == 2, what="restarted agent")
    work = town.ledger.get(bead)
    assert work["status"] == "hooked" and work["assignee"] == "gastown/polecats/furiosa"
    assert len([b for b in town.ledger.list_beads(include_closed=True) if b["title"] == "Survive a crash"]) == 1
    assert agent_fields(town, AGENT)["restarts"] == "1"
    assert [e["new_value"] for e in _events(town, "zombie")] == ["restart"]
    assert witness.patrol(town, rig.name) == []  # working again: nothing to do

    # Killed again; this time the restarted agent finishes: one MR, the same bead, nothing lost.
    town.ledger.write("test", lambda tx: set_agent(tx, rig, "furiosa", runtime=FAST))
    tmux.kill_session(got["session"])
    assert [f["action"] for f in witness.patrol(town, rig.name)] == ["restart"]
    wait_for(lambda: mr_for(town, bead) and not tmux.has_session(got["session"]), what="gt done after restart")
    assert town.ledger.get(bead)["status"] == "in_progress"
    assert len(town.ledger.list_beads(issue_type="merge-request")) == 1


def test_done_polecat_is_never_a_zombie_and_settles_idle(lite_town, rig, tmux):
    town = lite_town
    bead = new_bead(town, "Quick one")
    got = polecats.sling(town, bead, rig.name)
    wait_for(lambda: mr_for(town, bead) and not tmux.has_session(got["session"]), what="gt done")
    findings = witness.patrol(town, rig.name)
    assert [(f["kind"], f["action"]) for f in findings] == [("idle", "settle")]
    assert not tmux.has_session(got["session"])
    assert agent_fields(town, AGENT)["agent_state"] == "idle"
    assert witness.patrol(town, rig.name) == []


def test_patrol_archives_the_done_reports_it_has_acted_on(lite_town, rig, tmux):
    from gastown_tui.services import mail

    town = lite_town
    bead = new_bead(town, "Report me")
    got = polecats.sling(town, bead, rig.name)
    wait_for(lambda: mr_for(town, bead) and not tmux.has_session(got["session"]), what="gt done")
    inbox = town.ledger.read(lambda s: mail.inbox(s, f"{rig.name}/witness", unread=True))
    assert [m.subject for m in inbox] == ["POLECAT_DONE furiosa"]
    witness.patrol(town, rig.name)
    assert town.ledger.read(lambda s: mail.inbox(s, f"{rig.name}/witness")) == []
    assert town.ledger.get(inbox[0].id)["status"] == "closed"


def test_lingering_session_after_done_is_killed(lite_town, rig, tmux, gt, monkeypatch):
    town = lite_town
    got = polecats.sling(town, new_bead(town, "Linger"), rig.name, runtime=HANG)
    _hanging(town, got)
    Path(got["worktree"], "work.txt").write_text("done\n")
    git(Path(got["worktree"]), "add", "work.txt")
    git(Path(got["worktree"]), "commit", "-q", "-m", "work")
    monkeypatch.setenv("GT_ACTOR", got["address"])
    assert gt("done", "--keep-session").code == 0
    findings = witness.patrol(town, rig.name)
    assert [(f["kind"], f["action"]) for f in findings] == [("done", "kill-session")]
    assert not tmux.has_session(got["session"])
    assert agent_fields(town, AGENT)["agent_state"] == "idle"
    assert len(_events(town, "done")) == 1


def test_silent_agent_is_nudged_once_then_escalated(lite_town, tmp_path, tmux):
    town = lite_town
    config = add_rig(town, tmp_path, stall_after=5, max_restarts=1)
    bead = new_bead(town, "Quiet work")
    got = polecats.sling(town, bead, config.name, runtime=HANG)
    _hanging(town, got)
    later = time.time() + 60
    assert [(f["kind"], f["action"]) for f in witness.patrol(town, config.name, now=later)] == [("stalled", "nudge")]
    heard = wait_for(lambda: "heard: Witness:" in scripted_log(town, got["session"]), what="nudge typed")
    assert heard and tmux.has_session(got["session"])  # never killed for silence
    # The nudge itself made output: the next pass sees it working again.
    assert [f["kind"] for f in witness.patrol(town, config.name)] == ["recovered"]
    # Silent again after one nudge (max_restarts=1): escalated by mail to the overseer, once.
    findings = witness.patrol(town, config.name, now=time.time() + 120)
    assert [(f["kind"], f["action"]) for f in findings] == [("stalled", "escalate")]
    mail = town.ledger.list_beads(issue_type="message", assignee="overseer")
    assert len(mail) == 1 and mail[0]["title"].startswith("ESCALATION [HIGH] gastown/polecats/furiosa stalled")
    assert witness.patrol(town, config.name, now=time.time() + 180) == []
    assert len(town.ledger.list_beads(issue_type="message", assignee="overseer")) == 1


def test_zombie_beyond_max_restarts_is_escalated_not_restarted(lite_town, tmp_path, tmux):
    town = lite_town
    config = add_rig(town, tmp_path, max_restarts=0)
    bead = new_bead(town, "Keeps dying")
    got = polecats.sling(town, bead, config.name, runtime=HANG)
    tmux.kill_session(got["session"])
    findings = witness.patrol(town, config.name)
    assert [(f["kind"], f["action"]) for f in findings] == [("zombie", "escalate")]
    assert not tmux.has_session(got["session"])
    assert town.ledger.get(bead)["status"] == "hooked"  # kept for a person to decide
    assert witness.patrol(town, config.name) == []
    assert len(town.ledger.list_beads(issue_type="message", assignee="overseer")) == 1


def test_cleanup_after_merge_deletes_the_merged_branch_only(lite_town, rig, tmux):
    town = lite_town
    repo = rig_paths(town, rig.name).repo
    merged, rejected = new_bead(town, "Merged work"), new_bead(town, "Rejected work")
    first = polecats.sling(town, merged, rig.name)
    second = polecats.sling(town, rejected, rig.name)
    wait_for(lambda: mr_for(town, merged) and mr_for(town, rejected), what="both done")
    wait_for(lambda: not tmux.activity(), what="sessions ended")
    # The refinery's part, by hand: fast-forward main to the first branch, close both MRs.
    git(repo, "update-ref", "refs/heads/main", first["branch"])
    mr_ids = [mr_for(town, b)["id"] for b in (merged, rejected)]
    town.ledger.write("merge", lambda tx: [tx.close(mr_id, "merged") for mr_id in mr_ids])
    witness.patrol(town, rig.name)  # settles both idle
    findings = {f["polecat"]: f for f in witness.patrol(town, rig.name)}
    assert findings["gastown/polecats/furiosa"]["detail"] == f"branch {first['branch']} deleted"
    assert "kept: not on main" in findings["gastown/polecats/nux"]["detail"]
    branches = git(repo, "branch", "--list")
    assert first["branch"] not in branches and second["branch"] in branches
    assert "mr" not in agent_fields(town, AGENT)
    assert witness.patrol(town, rig.name) == []


def test_a_failed_merge_request_is_escalated_once_when_max_rework_allows_no_send_back(lite_town, tmp_path, tmux):
    town = lite_town
    rig = add_rig(town, tmp_path, max_rework=0)
    bead = new_bead(town, "Breaks the gates")
    polecats.sling(town, bead, rig.name)
    wait_for(lambda: mr_for(town, bead) and not tmux.activity(), what="gt done")
    mr_id = mr_for(town, bead)["id"]
    town.ledger.write("refinery", lambda tx: tx.add_label(mr_id, "mr:failed"))
    findings = witness.patrol(town, rig.name)
    assert ("merge-failed", "escalate", mr_id) in [(f["kind"], f["action"], f["bead"]) for f in findings]
    escalations = town.ledger.list_beads(issue_type="message", assignee="overseer")
    assert len(escalations) == 1 and mr_id in escalations[0]["title"]
    assert "gt mq retry" in escalations[0]["description"]
    assert witness.patrol(town, rig.name) == []
    assert len(town.ledger.list_beads(issue_type="message", assignee="overseer")) == 1


def test_a_stranded_convoy_is_reported_once_per_episode(lite_town, rig, tmux):
    from gastown_tui.services.convoys import create_convoy

    town = lite_town
    waiting = [new_bead(town, "Nobody on me"), new_bead(town, "Nor me")]
    convoy = town.ledger.write("convoy", lambda tx: create_convoy(tx, "Left alone", waiting))
    findings = witness.patrol(town, rig.name)
    assert [(f["kind"], f["bead"]) for f in findings] == [("convoy-stranded", convoy)]
    reports = town.ledger.list_beads(issue_type="message", assignee="overseer")
    assert len(reports) == 1 and f"convoy {convoy} stranded" in reports[0]["title"]
    assert witness.patrol(town, rig.name) == []  # once per episode
    polecats.sling(town, waiting[0], rig.name, runtime=HANG)  # somebody is on it now
    witness.patrol(town, rig.name)
    assert "stranded-reported" not in town.ledger.read(lambda s: s.labels(convoy))
    assert len(town.ledger.list_beads(issue_type="message", assignee="overseer")) == 1


class CountingTmux(Tmux):
    def __init__(self, socket: str | None):
        super().__init__(socket)
        self.calls: list[str] = []
        self.captured: list[str] = []  # sessions whose screens were captured

    def _run(self, *args, check=True):
        self.calls.append(args[0])
        return super()._run(*args, check=check)

    def capture_many(self, names):
        self.captured += names
        return super().capture_many(names)


def test_a_quiet_pass_costs_two_tmux_calls_whatever_the_number_of_sessions(lite_town, rig, tmux):
    """Activity and marks of every session (one listing), and their screens (one chained capture)."""
    town = lite_town
    for n in range(3):
        _hanging(town, polecats.sling(town, new_bead(town, f"Job {n}"), rig.name, runtime=HANG))
    counting = CountingTmux(town.tmux().socket)
    assert witness.patrol(town, rig.name, tmux=counting) == []
    assert counting.calls == ["list-windows", "display-message", "set-option"]  # first sight
    counting.calls.clear()
    assert witness.patrol(town, rig.name, tmux=counting) == []
    assert counting.calls == ["list-windows", "display-message"]
    # The daemon's every-second watch passes, long after the last output: a screen only on its turn.
    later = time.time() + 600
    captures = 0
    for second in range(attention.ROUND):
        counting.calls.clear()
        witness.watch(town, rig.name, tmux=counting, now=later + second)
        captures += "display-message" in counting.calls
    # three quiet sessions: each on its turn once in the round (and for a few seconds after a change)
    assert 1 <= captures <= attention.ROUND // 2
    # the daemon's watch leaves quiet screens to its patrol (PatrolLooks)
    for second in range(attention.ROUND):
        counting.calls.clear()
        witness.watch(town, rig.name, tmux=counting, now=later + second, turns=False)
        assert counting.calls == ["list-windows"]


def test_a_watch_loop_reads_the_polecats_again_only_when_the_ledger_moved_or_a_session_came_or_went(
    lite_town, rig, tmux, gt, monkeypatch
):
    town = lite_town
    got = polecats.sling(town, new_bead(town, "Watched"), rig.name, runtime=HANG)
    _hanging(town, got)
    reads = []
    real = reader.read_polecats
    monkeypatch.setattr(reader, "read_polecats", lambda *args: reads.append(args) or real(*args))
    watched = polecats.WatchedPolecats()
    assert witness.watch(town, rig.name, watched=watched) == []
    assert witness.watch(town, rig.name, watched=watched) == [] and len(reads) == 1  # nothing moved: not read again
    # a change on the ledger is seen by the very next pass: a wait reported long ago is mailed
    assert gt("agent", "state", "waiting", "--reason", "Go on?", "--agent", "gastown/polecats/furiosa").code == 0
    later = time.time() + rig.wait_mail_after + 60
    assert [f["kind"] for f in witness.watch(town, rig.name, now=later, watched=watched)] == ["waiting"]
    assert len(reads) == 2
    witness.watch(town, rig.name, now=later, watched=watched)  # its own mail moved the ledger
    assert witness.watch(town, rig.name, now=later, watched=watched) == [] and len(reads) == 3
    tmux.kill_session(got["session"])  # a session gone: read again, nothing live to watch
    assert witness.watch(town, rig.name, watched=watched) == [] and len(reads) == 4


def test_a_watch_loop_asks_tmux_nothing_while_no_polecat_has_work_on_its_hook(lite_town, rig, tmux):
    town = lite_town
    counting = CountingTmux(town.tmux().socket)
    watched = polecats.WatchedPolecats()
    witness.watch(town, rig.name, tmux=counting, watched=watched)
    counting.calls.clear()
    assert witness.watch(town, rig.name, tmux=counting, watched=watched) == [] and counting.calls == []
    got = polecats.sling(town, new_bead(town, "Work at last"), rig.name, runtime=HANG)  # the ledger moves
    _hanging(town, got)
    witness.watch(town, rig.name, tmux=counting, watched=watched)
    assert counting.calls[:2] == ["list-windows", "display-message"]  # the new screen, captured at once


def test_another_patrol_holding_the_lease_keeps_this_one_from_acting(lite_town, rig, tmux, gt):
    town = lite_town
    got = polecats.sling(town, new_bead(town, "Contended"), rig.name, runtime=HANG)
    tmux.kill_session(got["session"])
    town.ledger.write("lease", lambda tx: tx.take_lease("witness:gastown", "elsewhere:1", 60))
    assert witness.patrol(town, rig.name) == []
    assert not tmux.has_session(got["session"])
    town.ledger.write("lease", lambda tx: tx.release_lease("witness:gastown", "elsewhere:1"))
    res = gt("witness", "patrol", "gastown", "--once", "--json")
    assert res.code == 0, res.err
    assert [f["action"] for f in res.json()] == ["restart"]
    assert "All polecats OK." in gt("witness", "patrol", "gastown", "--once").out
    res = gt("witness", "patrol", "nowhere", "--once")
    assert res.code == 1 and "no rig 'nowhere'" in res.err


def test_a_patrol_loop_captures_only_screens_tmux_saw_output_on_and_every_screen_once_a_full_look(lite_town, rig, tmux):
    town = lite_town
    got = [polecats.sling(town, new_bead(town, f"Job {n}"), rig.name, runtime=HANG) for n in range(3)]
    for one in got:
        _hanging(town, one)
    counting = CountingTmux(town.tmux().socket)
    looks = attention.PatrolLooks()
    start = time.time()
    assert witness.patrol(town, rig.name, tmux=counting, now=start, looks=looks) == []
    assert len(counting.captured) == 3  # the first pass looks at every screen
    counting.calls.clear()
    counting.captured.clear()
    assert witness.patrol(town, rig.name, tmux=counting, now=start + 10, looks=looks) == []
    assert counting.calls == ["list-windows"] and counting.captured == []  # nothing printed since
    at = tmux.activity_and_marks()[1][got[1]["session"]][1]
    # output within the second of its mark is the watch's to see (RECENT): this one comes later
    wait_for(lambda: time.time() >= at + 1.1, what="a second past its mark")
    tmux.send_text(got[1]["session"], "still busy")  # output on one of them
    wait_for(lambda: "heard: still busy" in scripted_log(town, got[1]["session"]), what="echo")
    wait_for(lambda: tmux.activity()[got[1]["session"]] > tmux.activity_and_marks()[1][got[1]["session"]][1],
             what="tmux to see the output after the mark")  # fmt: skip
    witness.patrol(town, rig.name, tmux=counting, now=start + 20, looks=looks)
    assert counting.captured == [got[1]["session"]]  # that one screen
    counting.captured.clear()
    witness.patrol(town, rig.name, tmux=counting, now=start + attention.FULL_LOOK + 1, looks=looks)
    assert len(counting.captured) == 3  # a full look is due again
    assert not looks.stale


def test_a_watch_loop_restates_its_polecats_only_when_activity_or_a_state_threshold_moved(
    lite_town, rig, tmux, monkeypatch
):
    town = lite_town
    got = polecats.sling(town, new_bead(town, "Watched"), rig.name, runtime=HANG)
    _hanging(town, got)
    restated = []
    real = reader.restate
    monkeypatch.setattr(reader, "restate", lambda *args: restated.append(args) or real(*args))
    watched, session = polecats.WatchedPolecats(), got["session"]
    live = tmux.activity()
    [first] = watched.read(town.ledger, rig, live, live[session] + 1)
    assert first.state == "working"
    assert watched.read(town.ledger, rig, dict(live), live[session] + 5) == [first] and restated == []
    moved = live | {session: live[session] + 3}  # output seen
    [again] = watched.read(town.ledger, rig, moved, live[session] + 5)
    assert again.last_activity == live[session] + 3 and len(restated) == 1
    [stalled] = watched.read(town.ledger, rig, moved, moved[session] + rig.stall_after + 1)
    assert stalled.state == "stalled" and len(restated) == 2  # time alone moved it
