"""Speculative parallel gates, the conflict pre-check, flaky gates and starvation — against real git
repositories, real gate processes and real ledgers."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import pytest
from polecat_support import wait_for
from refinery_support import PY, UNITTEST, feature, git, make_rig, mr_states

from conftest import GT, run_gt
from gastown_tui.services import refinery

doltlite_only = pytest.mark.parametrize("ledger_url", ["doltlite"], indirect=True)


@pytest.fixture(autouse=True)
def _private_tmux(tmp_path, monkeypatch):
    monkeypatch.setenv("TMUX_TMPDIR", str(tmp_path))
    monkeypatch.delenv("TMUX", raising=False)


# A gate that notes when it ran (start and end, to see two at once) and fails the first time it
# runs on a stack of FLAKE merge requests, whatever they hold: a flaky runner.
CLOCK_GATE = """
import fcntl, subprocess, sys, time
log, flake = sys.argv[1], int(sys.argv[2])
start = time.time()
merges = len(subprocess.run(["git", "log", "--merges", "--format=%h"], capture_output=True, text=True).stdout.split())
with open(log + ".flaked", "a+") as f:
    fcntl.flock(f, fcntl.LOCK_EX)
    f.seek(0)
    fail = merges == flake and not f.read()
    if fail:
        f.write("x")
time.sleep(0.4)
with open(log, "a") as f:
    fcntl.flock(f, fcntl.LOCK_EX)
    f.write(f"{start} {time.time()}\\n")
sys.exit(fail)
"""


def _clock_gate(tmp_path: Path, flake: int = 0, rig: str = "gastown") -> tuple[dict, Path]:
    (tmp_path / "clock_gate.py").write_text(CLOCK_GATE)
    log = tmp_path / f"clock-{rig}.log"
    return {"name": "clock", "command": [PY, str(tmp_path / "clock_gate.py"), str(log), str(flake)]}, log


def _audit(gt, rig, summaries: list[dict]) -> None:
    """``gt refinery log``: every commit main moved to passed its gates in a recorded run — and passes them again."""
    log = gt("refinery", "log", rig.name, "--json").json()
    green = {e["commit"] for s in summaries for e in s["gate_log"] if e["ok"]}
    moves = [e["commit"] for e in log]
    assert moves and set(moves) <= green and all(e["gated"] for e in log)
    assert all(rig.gate_ok(sha) for sha in moves)
    assert "NOT GATED" not in gt("refinery", "log", rig.name).out


def test_two_stacks_are_gated_at_once_and_main_only_moves_to_gated_commits(town, tmp_path, gt):
    clock, times = _clock_gate(tmp_path)
    rig = make_rig(town, tmp_path, batch_size=8, gates=[UNITTEST, clock], gate_parallelism=2)
    for n in range(8):
        rig.submit(f"cat{n}", feature(n, good=n != 5))
    rig.age_in_order()
    bad = rig.mrs[5]

    summary = refinery.run_once(town, "gastown")

    assert mr_states(town, rig.mrs) == ["merged"] * 5 + ["failed"] + ["merged"] * 2
    # rounds of two stacks: the whole batch and its first half, first
    log = summary["gate_log"]
    assert [len(e["stack"]) for e in log[:2]] == [8, 4]
    assert len(log) <= 8 and summary["gate_runs"] == len(log)
    spans = [tuple(map(float, line.split())) for line in times.read_text().splitlines()]
    assert any(a[0] < b[1] and b[0] < a[1] for i, a in enumerate(spans) for b in spans[i + 1 :])  # at once
    assert all(bad not in e["stack"] or not e["ok"] for e in log)
    _audit(gt, rig, [summary])
    # gt mq show: each gate run with its commit and outcome, the batch and its latest round
    shown = gt("mq", "show", bad)
    assert shown.code == 0, shown.err
    assert f"gate runs ({len([e for e in log if bad in e['stack']])}):" in shown.out
    assert "red (unittest)" in shown.out and "#6 of 8" in shown.out and "round" in shown.out
    data = gt("mq", "show", bad, "--json").json()
    assert all(r["commit"] in {e["commit"] for e in log} for r in data["gate_runs"])
    assert data["bisection"]["order"] == rig.mrs
    assert data["score_parts"]["priority"] == 200


@doltlite_only
@pytest.mark.parametrize("width", [1, 2])
def test_a_flaky_gate_rejects_no_good_merge_request_and_is_shown_flaky(town, tmp_path, gt, width):
    clock, _ = _clock_gate(tmp_path, flake=4)  # its first run on all four fails
    rig = make_rig(town, tmp_path, batch_size=4, gates=[clock], gate_parallelism=width, gate_retries=1)
    for n in range(4):
        rig.submit(f"p{n}", feature(n))
    rig.age_in_order()

    summary = refinery.run_once(town, "gastown")

    assert mr_states(town, rig.mrs) == ["merged"] * 4 and summary["failed"] == []
    assert summary["flaky"] and any(e["flaky"] for e in summary["gate_log"])
    flaky_mr = next(m for m in rig.mrs if any(r["flaky"] for r in refinery.show(town, m)["gate_runs"]))
    assert "flaky (red, then green on the same commit)" in gt("mq", "show", flaky_mr).out
    _audit(gt, rig, [summary])

    # today's serial bisect trusts one red run: the same flake costs a good MR
    clock, _ = _clock_gate(tmp_path, flake=4, rig="today")
    today = make_rig(town, tmp_path, "today", batch_size=4, gates=[clock], gate_parallelism=1, gate_retries=0)
    for n in range(4):
        today.submit(f"q{n}", feature(n))
    today.age_in_order()
    assert refinery.run_once(town, "today")["failed"]


@doltlite_only
def test_conflicts_cost_no_gate_run_and_mrs_conflicting_with_each_other_go_to_different_batches(town, tmp_path):
    rig = make_rig(town, tmp_path, batch_size=4, gate_parallelism=2)
    stale = rig.submit("stale", {"VERSION": "1\nstale\n"})
    rig.push_branch("main-moved", {"VERSION": "2\n"})
    git(rig.bare, "update-ref", "refs/heads/main", "refs/heads/main-moved")  # now stale conflicts with main
    # alpha is bad and edits NOTES; beta edits NOTES too: they conflict with each other only
    alpha = rig.submit("alpha", {**feature(1, good=False), "NOTES": "alpha\n"})
    beta = rig.submit("beta", {"NOTES": "beta\n"})
    gamma = rig.submit("gamma", feature(3))
    rig.age_in_order()

    summary = refinery.run_once(town, "gastown")

    assert summary["rework"] == [stale]
    assert mr_states(town, [stale, alpha, beta, gamma]) == ["rework", "failed", "merged", "merged"]
    stacks = [set(e["stack"]) for e in summary["gate_log"]]
    assert not any(stale in s for s in stacks)  # the pre-check sent it back without a gate run
    assert not any({alpha, beta} <= s for s in stacks)  # never in one batch
    assert summary["batches"] == 2
    assert git(rig.bare, "show", "main:NOTES") == "beta"
    assert refinery.show(town, stale)["conflict_files"] == ["VERSION"]


@doltlite_only
def test_an_mr_left_out_of_enough_batches_goes_first_whatever_its_score(town, tmp_path):
    rig = make_rig(town, tmp_path, batch_size=1, starvation_passes=2)
    urgent = rig.submit("urgent", feature(1), priority=0)
    slow = rig.submit("slow", feature(2), priority=4)
    rig.age_in_order()

    claimed = run_gt("refinery", "run", "gastown", "--once", env={refinery.CRASH_ENV: "claimed"})
    assert claimed.code == -signal.SIGKILL
    assert refinery.show(town, slow)["waited"] == 1  # left out of the batch that took urgent
    assert refinery.show(town, urgent)["waited"] == 0

    town.ledger.write("starve", lambda tx: tx.set_metadata(slow, waited=3))  # more than starvation_passes
    refinery.run_once(town, "gastown")  # recovers urgent, then takes slow first: it starved
    merges = [e["subject"].split()[1].rstrip(":") for e in reversed(refinery.target_log(town, "gastown"))]
    assert merges == [slow, urgent]  # "Merge MR: branch", oldest first
    assert mr_states(town, [urgent, slow]) == ["merged", "merged"]
    assert refinery.show(town, slow)["waited"] == 0


# A gate that holds (while the hold file exists) in its first two runs, noting each one's pid.
HOLD_TWO = """
import os, pathlib, sys, time
hold, started = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
started.mkdir(exist_ok=True)
if hold.exists() and len(list(started.iterdir())) < 2:
    (started / str(os.getpid())).write_text("")
    deadline = time.monotonic() + 60
    while hold.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
"""


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@doltlite_only
def test_kill_9_during_a_parallel_gate_run_leaves_no_orphan_and_the_next_pass_ends_like_an_uninterrupted_one(
    town, tmp_path, gt
):
    def scenario(name: str, gates: list[dict]):
        rig = make_rig(town, tmp_path, name, gates=gates, gate_parallelism=2)
        for n in range(4):
            rig.submit(f"p{n}", feature(n, good=n != 2))
        rig.age_in_order()
        return rig

    twin = scenario("twin", [UNITTEST])
    refinery.run_once(town, "twin")
    expected = (mr_states(town, twin.mrs), twin.tree())
    assert expected[0] == ["merged", "merged", "failed", "merged"]

    hold, started = tmp_path / "hold", tmp_path / "started"
    (tmp_path / "hold_two.py").write_text(HOLD_TWO)
    rig = scenario("gastown", [{"name": "hold", "command": [PY, str(tmp_path / "hold_two.py"), str(hold), str(started)]},
                               UNITTEST])  # fmt: skip
    before = rig.main()
    hold.touch()
    proc = subprocess.Popen([GT, "refinery", "run", "gastown", "--once"], stderr=subprocess.PIPE)
    wait_for(lambda: (started.is_dir() and len(list(started.iterdir())) == 2) or proc.poll() is not None,
             timeout=30, what="two gates to start")  # fmt: skip
    assert proc.poll() is None, proc.stderr.read()
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    orphans = [int(p.name) for p in started.iterdir()]
    assert all(_alive(pid) for pid in orphans)  # both gates outlived the refinery (own process groups)
    assert mr_states(town, rig.mrs) == ["testing"] * 4 and rig.main() == before

    result = run_gt("refinery", "run", "gastown", "--once", "--json")
    assert result.code == 0, result.err
    assert sorted(result.json()["recovered"]) == sorted(rig.mrs)
    assert not any(_alive(pid) for pid in orphans)  # stopped before their worktrees were touched again
    assert (mr_states(town, rig.mrs), rig.tree()) == expected
    _audit(gt, rig, [result.json()])


@doltlite_only
def test_the_target_log_flags_a_commit_nobody_gated(town, tmp_path, gt):
    rig = make_rig(town, tmp_path)
    rig.submit("p0", feature(0))
    refinery.run_once(town, "gastown")
    by_hand = rig.push_branch("by-hand", {"VERSION": "pushed past the queue\n"}, message="pushed by hand")
    git(rig.bare, "update-ref", "--create-reflog", "-m", "by hand", "refs/heads/main", by_hand)

    log = gt("refinery", "log", "gastown", "--json").json()
    assert [e["gated"] for e in log] == [False, True]
    text = gt("refinery", "log", "gastown").out.splitlines()
    assert "NOT GATED  pushed by hand" in text[0] and "gated" in text[1]


SLEEPER = """
import os, pathlib, sys, time
pathlib.Path(sys.argv[1]).write_text(str(os.getpid()))
time.sleep(60)
"""


@doltlite_only
def test_a_gate_whose_refinery_was_killed_ends_at_its_timeout_without_a_next_pass(town, tmp_path):
    (tmp_path / "sleeper.py").write_text(SLEEPER)
    pidfile = tmp_path / "sleeper.pid"
    gate = {"name": "sleeper", "command": [PY, str(tmp_path / "sleeper.py"), str(pidfile)], "timeout": 1.5}
    rig = make_rig(town, tmp_path, gates=[gate], gate_parallelism=2)
    rig.submit("p0", feature(0))
    rig.submit("p1", feature(1))
    proc = subprocess.Popen([GT, "refinery", "run", "gastown", "--once"], stderr=subprocess.PIPE)
    wait_for(lambda: pidfile.exists() or proc.poll() is not None, timeout=30, what="the gate to start")
    assert proc.poll() is None, proc.stderr.read()
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    gate_pid = int(wait_for(lambda: pidfile.read_text().strip(), what="the gate's pid"))
    assert _alive(gate_pid)  # the refinery is gone, its gate is not (yet)
    wait_for(lambda: not _alive(gate_pid), timeout=15, what="the orphaned gate to end at its timeout")


@doltlite_only
def test_a_bad_gate_setting_in_rig_toml_is_one_clear_line(town, tmp_path):
    rig = make_rig(town, tmp_path)
    config = rig.root / "rig.toml"
    config.write_text(config.read_text().replace("gate_parallelism = 0", "gate_parallelism = -2"))
    result = run_gt("refinery", "run", "gastown", "--once")
    assert result.code != 0 and "Traceback" not in result.err
    assert "rig.toml: gate_parallelism:" in result.err and "greater than or equal to 0" in result.err
