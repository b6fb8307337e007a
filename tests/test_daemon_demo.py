"""The demo town driven by the daemon: real scripted agents in tmux, real git, real gates."""

from __future__ import annotations

import pytest
from polecat_support import git, tmux_server, wait_for  # noqa: F401  (fixture)

from gastown_tui.services import demo, polecats, refinery
from gastown_tui.services.convoys import listing
from gastown_tui.services.daemon import Daemon, Timing
from gastown_tui.services.dispatch import runtime_for

FAST = Timing(tick=0.1, patrol=1.0, refinery=0.2, dispatch=0.2)


@pytest.fixture
def demo_town(tmp_path, monkeypatch):
    town = demo.build_demo(str(tmp_path / "demo"), fast=True, max_polecats=3)
    monkeypatch.setenv("GT_TOWN", str(town.root))
    yield town
    town.ledger.close()


def test_demo_town_is_seeded(demo_town):
    convoys = listing(demo_town)
    assert [(c.title, c.total, c.closed) for c in convoys] == [("Calculator v1", 12, 0)]
    labels = demo_town.ledger.read(lambda s: s.labels_for(t.id for t in convoys[0].tracked))
    runtimes = sorted(x for found in labels.values() for x in found)
    assert runtimes.count("runtime:scripted:fail-gates") == 2
    assert runtimes.count("runtime:scripted:conflict") == 2
    assert runtimes.count("runtime:scripted:ask") == 1  # a person approves here, so one polecat asks them
    again = demo.build_demo(str(demo_town.root))
    assert again.root == demo_town.root  # reopening the demo changes nothing


def test_daemon_slings_work_and_merges_only_what_the_overseer_approves(demo_town, tmux):
    daemon = Daemon(demo_town, FAST, tmux=tmux)
    target = demo_town.root / "calc" / ".repo.git"
    start = git(target, "rev-parse", "main")

    def queue():
        daemon.tick()
        return [m for m in refinery.list_queue(demo_town, "calc") if m["state"] == "pending"]

    pending = wait_for(queue, timeout=60, what="a merge request from a scripted polecat")
    working = demo_town.ledger.read(lambda s: s.list_beads(status="hooked"))
    assert len(working) <= 3  # max_polecats
    for _ in range(5):
        daemon.tick()
    assert git(target, "rev-parse", "main") == start  # nothing merges without approval

    labels = demo_town.ledger.read(lambda s: s.labels_for(m["source_issue"] for m in pending))
    chosen = next((m for m in pending if not labels[m["source_issue"]]), None)
    if chosen is None:  # only misbehaving polecats were quick: wait for a well-behaved one
        chosen = wait_for(
            lambda: next(
                (m for m in queue() if not demo_town.ledger.read(lambda s, b=m["source_issue"]: s.labels(b))), None
            ),
            timeout=60,
            what="a well-behaved MR",
        )
    refinery.approve(demo_town, chosen["id"])

    def merged():
        daemon.tick()
        return refinery.show(demo_town, chosen["id"])["state"] == "merged"

    wait_for(merged, timeout=60, what="the approved merge request to merge")
    assert git(target, "rev-parse", "main") != start
    convoy = listing(demo_town)[0]
    assert convoy.closed >= 1
    daemon.stop()


def test_bead_runtime_keeps_the_rig_switches():
    assert runtime_for(None, "scripted:fast") == "scripted:fast"
    assert runtime_for("scripted:conflict", "scripted:fast") == "scripted:conflict,fast"
    assert runtime_for("scripted:conflict", "scripted") == "scripted:conflict"
    assert runtime_for("claude", "scripted:fast") == "claude"


def test_a_second_daemon_leaves_a_held_rig_alone(demo_town, tmux):
    first = Daemon(demo_town, FAST, tmux=tmux)
    second = Daemon(demo_town, FAST, tmux=tmux)
    assert first.tick().held == ["calc"]
    status = second.tick()
    assert status.held == [] and status.elsewhere == ["calc"]


def test_gt_daemon_run_once_reports_its_passes_and_respects_a_held_lease(demo_town, tmux):
    from conftest import run_gt

    first = run_gt("daemon", "run", "--once", "--town", demo_town.root)
    assert first.code == 0, first.err
    loops = {line.split('"loop": "')[1].split('"')[0] for line in first.out.splitlines() if '"loop"' in line}
    assert "dispatch" in loops  # the demo's ready work was slung
    holder = Daemon(demo_town, FAST, tmux=tmux)
    assert holder.tick().held == ["calc"]
    second = run_gt("daemon", "run", "--once", "--town", demo_town.root)
    assert second.code == 0 and "rig calc is driven by another daemon" in second.err
    assert second.out == ""


def test_a_lease_left_by_a_dead_daemon_is_taken_over_at_once(demo_town, tmux):
    import subprocess
    import sys

    crash = (
        "import os\nfrom gastown_tui.ledger.embedded import load_sqlite\nload_sqlite()\n"
        "from gastown_tui.town import Town\nfrom gastown_tui.services.daemon import Daemon, Timing\n"
        f"d = Daemon(Town(__import__('pathlib').Path({str(demo_town.root)!r})), Timing(patrol=1e9, refinery=1e9,"
        " dispatch=1e9))\nassert d.tick().held == ['calc']\nos._exit(0)\n"
    )
    subprocess.run([sys.executable, "-c", crash], check=True, timeout=60)
    lease = demo_town.ledger.read(lambda s: s.lease_holder("daemon:calc"))
    assert lease is not None  # the dead process never gave it back
    assert Daemon(demo_town, FAST, tmux=tmux).tick().held == ["calc"]


def _landed(town) -> int:
    return listing(town, include_closed=True)[0].closed


def test_auto_demo_lands_the_whole_convoy_hands_free_recovering_every_failure(tmp_path, monkeypatch, tmux):
    town = demo.build_demo(str(tmp_path / "auto"), fast=True, auto=True)
    monkeypatch.setenv("GT_TOWN", str(town.root))
    daemon = Daemon(town, FAST, tmux=tmux)

    def landed():
        daemon.tick()
        return _landed(town) == 12

    try:
        wait_for(landed, timeout=240, what="the convoy to land 12/12")
    finally:
        daemon.stop()
        daemon.release()
    mrs = refinery.list_queue(town, "calc", include_closed=True)
    assert len(mrs) == 12 and {m["state"] for m in mrs} == {"merged"}  # one merge request per bead
    came_back = [m for m in mrs if m["attempt"] > 1]
    assert len(came_back) >= 3  # two red gates and at least one conflict, each fixed by its polecat
    history = [c["text"] for m in came_back for c in refinery.show(town, m["id"])["comments"]]
    assert any("MERGE_FAILED (tests)" in text for text in history)
    assert any("REWORK_REQUEST" in text for text in history)
    check = tmp_path / "main"
    git(tmp_path, "clone", "-q", str(town.root / "calc" / ".repo.git"), str(check))
    import subprocess
    import sys

    for gate in (
        [sys.executable, "-m", "unittest", "-q"],
        [sys.executable, "-m", "gastown_tui.runtime.scripted", "--gate"],
    ):
        assert subprocess.run(gate, cwd=check, capture_output=True).returncode == 0  # main is green
    town.ledger.close()


def test_gt_demo_auto_builds_a_town_that_merges_without_approval(tmp_path, gt):
    from gastown_tui.services.rigs import load_rig
    from gastown_tui.town import Town

    res = gt("demo", str(tmp_path / "hands-free"), "--auto", "--no-tui", "--fast")
    assert res.code == 0, res.err
    town = Town(tmp_path / "hands-free")
    assert load_rig(town, "calc").merge_policy == "auto"
    welcome = town.ledger.list_beads(issue_type="message", assignee="overseer")
    assert "merges their work as soon as its gates pass" in welcome[0]["description"]
    assert town.ledger.list_beads(label="runtime:scripted:ask") == []  # hands-free: no polecat waits for a person
    town.ledger.close()


def test_a_person_approving_every_merge_request_sees_the_convoy_land(tmp_path, monkeypatch, tmux):
    town = demo.build_demo(str(tmp_path / "approve"), fast=True)
    monkeypatch.setenv("GT_TOWN", str(town.root))
    daemon = Daemon(town, FAST, tmux=tmux)
    approvals: dict[str, int] = {}
    answered: set[str] = set()

    def landed():
        daemon.tick()
        for cat in polecats.list_polecats(town, "calc", tmux):
            if cat.waiting is not None:
                polecats.answer(town, cat.address, "y", tmux)
                answered.add(cat.hook_bead)
        for mr in refinery.list_queue(town, "calc"):
            if mr["state"] == "pending":
                refinery.approve(town, mr["id"])
                approvals[mr["id"]] = approvals.get(mr["id"], 0) + 1
        return _landed(town) == 12

    try:
        wait_for(landed, timeout=240, what="the convoy to land 12/12")
    finally:
        daemon.stop()
        daemon.release()
    assert len(approvals) == 12 and sum(approvals.values()) >= 15  # each failure came back and was approved again
    assert len(answered) == 1  # the asking polecat waited for the answer, then finished its work
    mrs = refinery.list_queue(town, "calc", include_closed=True)
    assert {m["state"] for m in mrs} == {"merged"} and len([m for m in mrs if m["attempt"] > 1]) >= 3
    town.ledger.close()
