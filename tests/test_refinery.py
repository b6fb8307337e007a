"""The refinery against real git repositories, real gate commands and real ledgers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from polecat_support import wait_for
from refinery_support import PY, UNITTEST, feature, git, mail_to, make_rig, mr_states

from conftest import GT, run_gt
from gastown_tui.errors import Conflict, NotFound
from gastown_tui.fieldlines import body_after_fields, parse_fields, with_fields
from gastown_tui.services import refinery

doltlite_only = pytest.mark.parametrize("ledger_url", ["doltlite"], indirect=True)


@pytest.fixture(autouse=True)
def _private_tmux(tmp_path, monkeypatch):
    """Mail nudges look for tmux sessions: never on the user's server."""
    monkeypatch.setenv("TMUX_TMPDIR", str(tmp_path))
    monkeypatch.delenv("TMUX", raising=False)


def _pid_gone(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


def _merges_of(rig, mr_id: str) -> int:
    """How many merge commits on main bring ``mr_id`` in (must be 0 or 1)."""
    subjects = git(rig.bare, "log", "--merges", "--format=%s", "refs/heads/main").splitlines()
    return sum(1 for s in subjects if s.startswith(f"Merge {mr_id}:"))


def test_eight_mrs_one_failing_its_gate_seven_merge_and_main_stays_green(town, tmp_path, gt):
    rig = make_rig(town, tmp_path, batch_size=8, gate_parallelism=1, gate_retries=0)  # today's serial bisect
    first = rig.main()
    for n in range(8):
        rig.submit(f"cat{n}", feature(n, good=n != 5))
    rig.age_in_order()
    bad_mr, bad_source = rig.mrs[5], rig.sources[5]

    summary = refinery.run_once(town, "gastown")

    assert sorted(summary["merged"]) == sorted(m for m in rig.mrs if m != bad_mr)
    assert summary["failed"] == [bad_mr]
    # bisected, not one at a time: all 8 red, 0-3 green, 4-5 red, 4 green (so 5 is the culprit), 6-7 green
    assert summary["gate_runs"] == 5
    assert mr_states(town, rig.mrs) == ["merged"] * 5 + ["failed"] + ["merged"] * 2
    # main is green at every position it ever took, and holds the seven good features only
    history = [e["commit"] for e in gt("refinery", "log", "gastown", "--json").json()]
    assert history[0] == rig.main() and len(history) == 3
    assert all(rig.gate_ok(sha) for sha in [first, *history])
    on_main = rig.files_on_main()
    assert {f"feature_{n}.py" for n in range(8) if n != 5} <= on_main and "feature_5.py" not in on_main
    for mr in rig.mrs:
        assert _merges_of(rig, mr) == (0 if mr == bad_mr else 1)
    # mail: MERGED to the witness per merge, MERGE_FAILED with the gate's output to the bad polecat
    assert len(mail_to(town, "gastown/witness", "MERGED")) == 7
    failed = mail_to(town, "gastown/polecats/cat5", "MERGE_FAILED")
    assert len(failed) == 1
    assert "Failure-Type: tests" in failed[0]["description"] and "5 != 1005" in failed[0]["description"]
    # source beads: the merged ones closed (their convoys landed), the failed one still open
    ledger = town.ledger
    for source in rig.sources:
        bead = ledger.get(source)
        assert (bead["status"] == "closed") == (source != bad_source)
    landed = ledger.list_beads(label="gt:convoy", status="closed")
    assert len(landed) == 7
    # gate results are kept with each MR
    shown = refinery.show(town, bad_mr)
    assert shown["gate_run"]["ok"] is False and "5 != 1005" in shown["gate_run"]["results"][0]["output"]
    assert shown["failure"]["type"] == "tests"
    good = refinery.show(town, rig.mrs[0])
    assert good["gates"] == [
        {"name": "unittest", "ok": True, "exit_code": 0, "timed_out": False, "seconds": good["gates"][0]["seconds"]}
    ]
    assert good["merge_commit"] and git(rig.bare, "merge-base", "--is-ancestor", good["merge_commit"], "main") == ""
    # a second pass has nothing to do
    again = refinery.run_once(town, "gastown")
    assert again["gate_runs"] == 0 and again["after"] == summary["after"]


@doltlite_only
def test_conflict_sends_rework_request_and_merges_nothing_of_that_mr(town, tmp_path, gt):
    rig = make_rig(town, tmp_path)
    alpha = rig.submit("alpha", {"VERSION": "1\nalpha\n"}, priority=1)
    beta = rig.submit("beta", {"VERSION": "1\nbeta\n", "beta_notes.txt": "beta was here\n"}, priority=2)
    gamma = rig.submit("gamma", feature(3), priority=3)

    summary = refinery.run_once(town, "gastown")

    assert summary["rework"] == [beta]
    assert mr_states(town, [alpha, beta, gamma]) == ["merged", "rework", "merged"]
    assert git(rig.bare, "show", "main:VERSION") == "1\nalpha"
    assert "beta_notes.txt" not in rig.files_on_main() and _merges_of(rig, beta) == 0
    rework = mail_to(town, "gastown/polecats/beta", "REWORK_REQUEST")
    assert len(rework) == 1 and "Conflict-Files: VERSION" in rework[0]["description"]
    assert refinery.show(town, beta)["conflict_files"] == ["VERSION"]
    assert town.ledger.get(rig.sources[1])["status"] == "in_progress"

    # the polecat rebases onto main and pushes; the overseer retries; now it merges
    branch = refinery.show(town, beta)["branch"]
    rig.push_branch(branch, {"VERSION": "1\nalpha+beta\n", "beta_notes.txt": "beta was here\n"})
    result = gt("mq", "retry", beta, "--json")
    assert result.code == 0, result.err
    assert result.json()["state"] == "approved" and result.json()["retry_count"] == 1
    assert refinery.run_once(town, "gastown")["merged"] == [beta]
    assert git(rig.bare, "show", "main:VERSION") == "1\nalpha+beta"


@doltlite_only
def test_approve_policy_and_the_mq_verbs(town, tmp_path, gt):
    rig = make_rig(town, tmp_path, policy="approve")
    one = rig.submit("nux", feature(1))
    two = rig.submit("slit", feature(2))
    three = rig.submit("toast", feature(3))

    result = gt("refinery", "run", "gastown", "--once", "--json")
    assert result.code == 0, result.err
    assert result.json()["merged"] == [] and result.json()["waiting"] == 3
    stored = town.ledger.get(three)["metadata"]
    assert '"diffstat"' in stored  # recorded by the pass, so the TUI shows it before approval
    listed = gt("mq", "list", "gastown", "--json").json()
    assert {i["id"]: (i["state"], i["ready"]) for i in listed} == {m: ("pending", False) for m in (one, two, three)}
    assert all(i["diffstat"] == {"files": 2, "insertions": 10, "deletions": 0} for i in listed)

    assert gt("mq", "approve", one).code == 0
    assert gt("mq", "approve", one).code == 0  # twice is harmless
    rejected = gt("mq", "reject", two, "--reason", "duplicate of other work", "--json")
    assert rejected.code == 0 and rejected.json()["state"] == "rejected"
    told = mail_to(town, "gastown/polecats/slit", "MERGE_FAILED")
    assert len(told) == 1 and "duplicate of other work" in told[0]["description"]

    text = gt("refinery", "run", "gastown", "--once")
    assert text.code == 0 and "1 merged" in text.out and "1 waiting for approval" in text.out
    assert mr_states(town, [one, two, three]) == ["merged", "rejected", "pending"]
    assert town.ledger.get(rig.sources[1])["status"] == "in_progress"  # a rejection leaves the work open

    shown = gt("mq", "show", one)
    assert "unittest: pass" in shown.out and "merge commit" in shown.out
    assert "feature_3.py" in gt("mq", "diff", three).out
    assert {i["id"] for i in gt("mq", "list", "--all", "--json").json()} == {one, two, three}
    assert [i["id"] for i in gt("mq", "list", "--json").json()] == [three]

    # user mistakes: one line, a hint, non-zero
    for argv, code, words in [
        (("mq", "reject", three, "--reason", "   "), 2, "needs a reason"),
        (("mq", "approve", "gt-nope"), 1, "no bead"),
        (("mq", "list", "nosuch"), 1, "no rig 'nosuch'"),
        (("mq", "approve", rig.sources[0]), 2, "not a merge request"),
        (("mq", "retry", three), 1, "only failed or rework"),
        (("mq", "approve", one), 1, "is merged"),
        (("mq", "reject", one, "--reason", "late"), 1, "already merged"),
        (("refinery", "run", "nowhere", "--once"), 1, "no rig"),
        (("refinery", "run", "../etc", "--once"), 2, "rig name"),
    ]:
        bad = gt(*argv)
        assert bad.code == code and words in bad.err and "Traceback" not in bad.err, (argv, bad)


@doltlite_only
def test_queue_order_is_priority_then_age(town, tmp_path, gt):
    rig = make_rig(town, tmp_path, policy="approve")
    low = rig.submit("a", feature(1), priority=3)
    high = rig.submit("b", feature(2), priority=0)
    mid = rig.submit("c", feature(3), priority=2)
    older = rig.submit("d", feature(4), priority=2)
    two_hours_ago = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 7200))
    town.ledger.write(
        "age",
        lambda tx: tx.execute(
            f"UPDATE {tx.owner(older)} SET created_at = ? WHERE id = ?", (tx.time(two_hours_ago), older)
        ),
    )
    assert [i["id"] for i in refinery.list_queue(town, "gastown")] == [high, older, mid, low]
    # one reader, one order: gt mq list is read_queue (what the TUI and the witness read), plus git facts
    queue = town.ledger.read(lambda s: refinery.read_queue(s))
    assert [i["id"] for i in gt("mq", "list", "--json").json()] == [m.id for m in queue] == [high, older, mid, low]
    assert [(m.source, m.source_title, m.source_status) for m in queue][0] == (
        rig.sources[1],
        "work for b",
        "in_progress",
    )
    refinery.reject(town, mid, "not this one")
    everything = town.ledger.read(lambda s: refinery.read_queue(s, "gastown", include_closed=True))
    assert [i["id"] for i in gt("mq", "list", "--all", "--json").json()] == [m.id for m in everything]
    assert [
        m.id for m in town.ledger.read(lambda s: refinery.read_queue(s, states={"rejected"}, include_closed=True))
    ] == [mid]
    with pytest.raises(NotFound, match="no rig 'elsewhere'"):
        refinery.list_queue(town, "elsewhere")


@doltlite_only
def test_an_mrs_state_is_stored_once_in_its_label(town, tmp_path):
    rig = make_rig(town, tmp_path, policy="approve")
    mr = rig.submit("nux", feature(1))
    town.ledger.write("t", lambda tx: refinery.set_state(tx, mr, "rejected", close_reason="rejected: not now"))
    bead = town.ledger.get(mr)
    assert town.ledger.read(lambda s: refinery.get(s, mr).state) == "rejected"
    # what beads' lifecycle and Gas Town expect beside it, written by set_state alone
    assert (bead["status"], bead["close_reason"]) == ("closed", "rejected: not now")
    assert parse_fields(bead["description"])["close_reason"] == "rejected"
    town.ledger.write("t", lambda tx: refinery.set_state(tx, mr, "pending"))
    bead = town.ledger.get(mr)
    assert (bead["status"], bead["close_reason"]) == ("open", "")
    assert "close_reason" not in parse_fields(bead["description"])
    # status and close_reason are never read back as the state: a bead closed by hand keeps its
    # state, but it is out of the queue and cannot be approved
    town.ledger.write("t", lambda tx: tx.update(mr, status="closed", close_reason="merged"))
    closed = town.ledger.read(lambda s: refinery.get(s, mr))
    assert (closed.state, closed.closed) == ("pending", True)
    assert town.ledger.read(lambda s: refinery.read_queue(s, "gastown")) == []
    with pytest.raises(Conflict, match="is closed"):
        refinery.approve(town, mr)


@doltlite_only
def test_gt_done_submits_through_the_refinery_and_an_mr_is_found_by_its_source_id(town, tmp_path):
    from gastown_tui.services.rigs import load_rig

    rig = make_rig(town, tmp_path)
    config = load_rig(town, "gastown")
    source = town.ledger.write("t", lambda tx: tx.create("Fix it", prefix=config.prefix, priority=1))
    branch = f"polecat/nux/{source}"
    sha = rig.push_branch(branch, feature(1))

    def submit() -> str:
        return town.ledger.write("done", lambda tx: refinery.submit(tx, config, "nux", source, branch, sha))

    mr = submit()
    assert submit() == mr  # the same commit again: the same MR, unchanged
    town.ledger.write("t", lambda tx: tx.update(mr, title="renamed by hand"))  # the title is not how it is found
    found = town.ledger.read(lambda s: refinery.for_source(s, source))
    assert (found.id, found.source, found.branch, found.commit_sha, found.priority) == (mr, source, branch, sha, 1)
    assert (found.state, found.worker, body_after_fields(found.description)) == (
        "pending",
        "gastown/polecats/nux",
        "Fix it",
    )
    assert town.ledger.read(lambda s: refinery.open_for_source(s, source)).id == mr
    assert refinery.run_once(town, "gastown")["merged"] == [mr]
    assert town.ledger.read(lambda s: refinery.open_for_source(s, source)) is None
    assert town.ledger.read(lambda s: refinery.for_source(s, source)).state == "merged"


@doltlite_only
def test_resubmission_supersedes_the_older_mr(town, tmp_path):
    rig = make_rig(town, tmp_path)
    old = rig.submit("nux", feature(1, good=False))
    assert refinery.run_once(town, "gastown")["failed"] == [old]
    # gt done again for the same source bead: a new MR with a fixed commit
    source = rig.sources[0]
    sha = rig.push_branch(f"polecat/nux/{source}", feature(1))
    description = refinery.show(town, old)["fields"]
    new = town.ledger.write(
        "resubmit",
        lambda tx: tx.create(
            f"Merge: {source}",
            prefix="gt",
            issue_type="merge-request",
            labels=["gt:merge-request"],
            description=with_fields("", **{**description, "commit_sha": sha}),
        ),
    )
    summary = refinery.run_once(town, "gastown")
    assert summary["superseded"] == [old] and summary["merged"] == [new]
    assert mr_states(town, [old, new]) == ["superseded", "merged"]


@doltlite_only
def test_gate_timeout_and_missing_gate_program_fail_the_mr(town, tmp_path):
    rig = make_rig(
        town,
        tmp_path,
        gates=[{"name": "slow", "command": [PY, "-c", "import time; time.sleep(60)"], "timeout": 0.5}],
    )
    mr = rig.submit("nux", feature(1))
    started = time.monotonic()
    assert refinery.run_once(town, "gastown")["failed"] == [mr]
    assert time.monotonic() - started < 20
    run = refinery.show(town, mr)["gate_run"]
    assert run["results"][0]["timed_out"] is True and "timed out after 0.5s" in run["results"][0]["output"]

    rig2 = make_rig(town, tmp_path, "other", gates=[{"name": "lint", "command": ["no-such-linter-xyz"], "timeout": 5}])
    mr2 = rig2.submit("nux", feature(2))
    assert refinery.run_once(town, "other")["failed"] == [mr2]
    assert refinery.show(town, mr2)["gate_run"]["results"][0]["exit_code"] == 127


@doltlite_only
def test_one_refinery_per_rig(town, tmp_path, gt):
    import socket

    rig = make_rig(town, tmp_path)
    mr = rig.submit("nux", feature(1))
    alive = f"refinery:{socket.gethostname()}:{os.getpid()}:other"
    town.ledger.write("lease", lambda tx: tx.take_lease("refinery:gastown", alive, 60))
    result = gt("refinery", "run", "gastown", "--once")
    assert result.code == 1 and "another refinery runs this rig" in result.err
    with pytest.raises(Conflict):
        refinery.run_once(town, "gastown")
    # the long-running loop reports the clash and keeps going instead of dying
    stop = threading.Event()
    passes: list[dict] = []
    refinery.run_forever(town, "gastown", 0.01, on_pass=lambda s: (passes.append(s), stop.set()), stop=stop)
    assert "another refinery runs this rig" in passes[0]["error"]
    assert mr_states(town, [mr]) == ["pending"]
    # once the lease is released the next pass merges it; an idle pass after that takes no lease
    town.ledger.write("lease", lambda tx: tx.release_lease("refinery:gastown", alive))
    assert refinery.run_once(town, "gastown")["merged"] == [mr]
    town.ledger.write("lease", lambda tx: tx.take_lease("refinery:gastown", alive, 60))
    idle = refinery.run_once(town, "gastown")
    assert idle["batches"] == 0 and idle["before"] == idle["after"] == rig.main()


# -- crashes ------------------------------------------------------------------------------------

HOLD_GATE = """
import os, pathlib, sys, time
hold = pathlib.Path(sys.argv[1])
started = hold.with_suffix(".started")
if hold.exists() and not started.exists():
    started.write_text(str(os.getpid()))
    deadline = time.monotonic() + 60
    while hold.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
"""


def _scenario(town, tmp_path, name: str, gates=None):
    """Four MRs, the third one bad, one batch."""
    rig = make_rig(town, tmp_path, name, gates=gates)
    for n in range(4):
        rig.submit(f"p{n}", feature(n, good=n != 2))
    rig.age_in_order()  # the crash points below are hit while MRs are still in the batch
    return rig


def _final_state(town, rig) -> tuple[list[str], str]:
    return mr_states(town, rig.mrs), rig.tree()


@doltlite_only
def test_kill_9_during_a_gate_then_restart_ends_like_an_uninterrupted_run(town, tmp_path):
    twin = _scenario(town, tmp_path, "twin")
    refinery.run_once(town, "twin")
    expected = _final_state(town, twin)
    assert expected[0] == ["merged", "merged", "failed", "merged"]

    hold = tmp_path / "hold"
    (tmp_path / "hold_gate.py").write_text(HOLD_GATE)
    gates = [{"name": "hold", "command": [PY, str(tmp_path / "hold_gate.py"), str(hold)], "timeout": 60}, UNITTEST]
    rig = _scenario(town, tmp_path, "gastown", gates=gates)
    before = rig.main()
    hold.touch()
    proc = subprocess.Popen(
        [GT, "refinery", "run", "gastown", "--once"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    started = hold.with_suffix(".started")
    wait_for(lambda: started.exists() or proc.poll() is not None, timeout=30, what="the gate to start")
    assert proc.poll() is None, proc.stderr.read()
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    orphan = int(started.read_text())
    assert mr_states(town, rig.mrs) == ["testing"] * 4 and rig.main() == before
    assert not _pid_gone(orphan)  # the killed refinery's gate is still running

    # as if it had died inside a git command too
    admin = Path(git(rig.root / "refinery", "rev-parse", "--absolute-git-dir"))
    (admin / "index.lock").write_text("")

    result = run_gt("refinery", "run", "gastown", "--once", "--json")
    assert result.code == 0, result.err
    assert sorted(result.json()["recovered"]) == sorted(rig.mrs)
    assert wait_for(lambda: _pid_gone(orphan), timeout=30, what="the orphaned gate to be killed")
    assert _final_state(town, rig) == expected
    assert all(_merges_of(rig, mr) == (0 if i == 2 else 1) for i, mr in enumerate(rig.mrs))


@doltlite_only
@pytest.mark.parametrize("step", ["claimed", "stacked", "advanced", "recorded"])
def test_killed_at_any_step_resumes_without_losing_or_double_merging(town, tmp_path, step):
    twin = _scenario(town, tmp_path, "twin")
    refinery.run_once(town, "twin")
    expected = _final_state(town, twin)
    rig = _scenario(town, tmp_path, "gastown")
    before = rig.main()

    crashed = run_gt("refinery", "run", "gastown", "--once", env={refinery.CRASH_ENV: step})
    assert crashed.code == -signal.SIGKILL
    assert "testing" in mr_states(town, rig.mrs)
    assert (rig.main() != before) == (step in ("advanced", "recorded"))

    summary = refinery.run_once(town, "gastown")
    assert summary["recovered"]
    assert _final_state(town, rig) == expected
    assert all(_merges_of(rig, mr) == (0 if i == 2 else 1) for i, mr in enumerate(rig.mrs))
    assert len(mail_to(town, "gastown/witness", "MERGED")) == 3  # one MERGED per merge, never two


def test_the_cli_module_starts_without_services(tmp_path):
    """Agent-facing verbs import lazily: registering gt mq must not load git or the ledger engine."""
    code = "import sys, gastown_tui.cli.refinery; print(sorted(m for m in sys.modules if m.startswith('gastown_tui.services')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
