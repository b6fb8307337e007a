"""Failed work comes back to its polecat: real scripted agents in tmux, real git, real gates,
the real refinery and witness. Each merge request stays one bead across its attempts."""

from __future__ import annotations

import sys

from polecat_support import (  # noqa: F401 (fixtures)
    FAST,
    HANG,
    add_rig,
    git,
    lite_town_fixture,
    mr_for,
    new_bead,
    scripted_log,
    tmux_server,
    wait_for,
)

from gastown_tui.config import Gate
from gastown_tui.services import polecats, refinery, witness
from gastown_tui.services.polecats import set_agent
from gastown_tui.services.rigs import rig_paths

SCRIPTED_GATE = Gate(name="scripted check", command=[sys.executable, "-m", "gastown_tui.runtime.scripted", "--gate"])
ADDRESS = "gastown/polecats/furiosa"


def _rig(town, tmp_path, **settings):
    settings = {"merge_policy": "auto", "gates": [SCRIPTED_GATE], **settings}
    return add_rig(town, tmp_path, **settings)


def _submitted(town, tmux, bead, session):
    wait_for(lambda: mr_for(town, bead) and not tmux.has_session(session), what=f"gt done on {bead}")
    return mr_for(town, bead)["id"]


def _state(town, mr):
    return refinery.show(town, mr)["state"]


def _resubmitted(town, tmux, mr, session, attempt):
    wait_for(
        lambda: _state(town, mr) == "pending" and refinery.show(town, mr)["attempt"] == attempt,
        timeout=30,
        what=f"attempt {attempt} of {mr}",
    )
    wait_for(lambda: not tmux.has_session(session), what="the session to end after gt done")


def _rework_prompt(town, session) -> str:
    log = scripted_log(town, session)
    return next(line for line in log.splitlines() if line.startswith("prompt:") and "REWORK" in line)


def test_failed_gates_wake_the_polecat_with_the_gate_and_its_output_and_its_fix_merges_as_the_same_mr(
    lite_town, tmp_path, tmux, gt
):
    town = lite_town
    config = _rig(town, tmp_path)
    bead = new_bead(town, "Add a modulo helper")
    got = polecats.sling(town, bead, config.name, runtime="scripted:fail-gates,fast")
    mr = _submitted(town, tmux, bead, got["session"])
    assert refinery.run_once(town, config.name)["failed"] == [mr]

    # Held at its hook this time, so we can read what it was told.
    town.ledger.write("test", lambda tx: set_agent(tx, config, "furiosa", runtime=HANG))
    findings = witness.patrol(town, config.name)
    assert [(f["polecat"], f["kind"], f["action"], f["bead"]) for f in findings] == [
        (ADDRESS, "merge-failed", "rework", mr)
    ]
    wait_for(lambda: "hanging on purpose" in scripted_log(town, got["session"]), what="the woken polecat")
    prompt = _rework_prompt(town, got["session"])
    assert "gate 'scripted check' failed" in prompt
    assert f"gate failed: {bead}.md carry 'gate: fail'" in prompt  # the tail of the gate's output
    work = town.ledger.get(bead)
    assert work["status"] == "hooked" and work["assignee"] == ADDRESS
    assert _state(town, mr) == "reworking"
    primed = gt("prime", "--agent", ADDRESS)
    assert primed.code == 0, primed.err
    assert f"## REWORK — merge request {mr} came back (attempt 1" in primed.out
    assert "Output of gate 'scripted check'" in primed.out and f"{bead}.md carry 'gate: fail'" in primed.out
    assert "git rebase main" in primed.out
    hooked = gt("hook", "--agent", ADDRESS, "--json").json()
    assert hooked["rework"]["gate"] == "scripted check" and hooked["rework"]["mr"] == mr
    assert f"rework: {mr} came back (attempt 1): gate 'scripted check' failed" in gt("hook", "--agent", ADDRESS).out
    assert witness.patrol(town, config.name) == []  # sent back once, not again

    # Its session dies; the witness restarts it from the hook, and this time it does the work.
    town.ledger.write("test", lambda tx: set_agent(tx, config, "furiosa", runtime="scripted:fail-gates,fast"))
    tmux.kill_session(got["session"])
    assert [f["action"] for f in witness.patrol(town, config.name)] == ["restart"]
    _resubmitted(town, tmux, mr, got["session"], attempt=2)
    assert f"rework of {mr}" in scripted_log(town, got["session"])
    shown = refinery.show(town, mr)
    assert shown["retry_count"] == 1 and shown["failure"] is None
    assert town.ledger.get(bead)["status"] == "in_progress"
    assert refinery.run_once(town, config.name)["merged"] == [mr]
    assert mr_for(town, bead)["id"] == mr  # one merge request for the bead, all along
    assert town.ledger.get(bead)["status"] == "closed"
    history = [c["text"].splitlines()[0] for c in refinery.show(town, mr)["comments"]]
    assert history[0].startswith("Attempt 1: MERGE_FAILED (tests): gate scripted check failed")
    assert history[1].startswith(f"Attempt 1 sent back to {ADDRESS} for rework: gate 'scripted check' failed")
    assert history[2].startswith(f"Attempt 2 submitted by {ADDRESS} after reworking")
    assert "attempt 2" in refinery.render_details(refinery.details(town, mr))


def test_a_conflicting_merge_request_is_rebased_by_its_polecat_and_merges(lite_town, tmp_path, tmux):
    town = lite_town
    config = _rig(town, tmp_path)
    first, second = new_bead(town, "Add an average function"), new_bead(town, "Add a changelog")
    one = polecats.sling(town, first, config.name, runtime="scripted:conflict,fast")
    two = polecats.sling(town, second, config.name, runtime="scripted:conflict,fast")
    mrs = {_submitted(town, tmux, first, one["session"]): one, _submitted(town, tmux, second, two["session"]): two}
    summary = refinery.run_once(town, config.name)
    assert len(summary["merged"]) == 1 and len(summary["rework"]) == 1
    back = summary["rework"][0]
    polecat = mrs[back]

    findings = [f for f in witness.patrol(town, config.name) if f["kind"] != "idle"]  # the other one settles
    assert [(f["kind"], f["action"], f["bead"]) for f in findings] == [("merge-rework", "rework", back)]
    _resubmitted(town, tmux, back, polecat["session"], attempt=2)
    assert "it conflicts with main in scripted/conflict.md" in _rework_prompt(town, polecat["session"])
    assert "settled conflicts in scripted/conflict.md with both sides" in scripted_log(town, polecat["session"])
    assert refinery.run_once(town, config.name)["merged"] == [back]
    repo = rig_paths(town, config.name).repo
    both = git(repo, "show", "main:scripted/conflict.md").splitlines()
    assert sorted(both) == sorted(f"conflict from {b} by {p['address']}" for b, p in ((first, one), (second, two)))
    assert len(town.ledger.list_beads(issue_type="merge-request", include_closed=True)) == 2


def test_a_rejection_goes_back_to_the_polecat_with_the_reviewers_reason(lite_town, tmp_path, tmux, gt):
    town = lite_town
    config = _rig(town, tmp_path, merge_policy="approve")
    bead = new_bead(town, "Add a percent helper")
    got = polecats.sling(town, bead, config.name)
    mr = _submitted(town, tmux, bead, got["session"])
    res = gt("mq", "reject", mr, "--reason", "percent of what? say so in the docstring")
    assert res.code == 0, res.err
    assert [(f["kind"], f["action"]) for f in witness.patrol(town, config.name)] == [("merge-rejected", "rework")]
    _resubmitted(town, tmux, mr, got["session"], attempt=2)
    prompt = _rework_prompt(town, got["session"])
    assert "rejected it: percent of what? say so in the docstring" in prompt
    refinery.approve(town, mr)
    assert refinery.run_once(town, config.name)["merged"] == [mr]
    assert mr_for(town, bead)["id"] == mr


def test_after_max_rework_send_backs_the_next_failure_is_escalated_once(lite_town, tmp_path, tmux):
    town = lite_town
    always_red = Gate(name="always red", command=[sys.executable, "-c", "print('still broken'); raise SystemExit(1)"])
    config = _rig(town, tmp_path, gates=[always_red], max_rework=1)
    bead = new_bead(town, "Cannot be fixed")
    got = polecats.sling(town, bead, config.name, runtime=FAST)
    mr = _submitted(town, tmux, bead, got["session"])
    assert refinery.run_once(town, config.name)["failed"] == [mr]
    assert [f["action"] for f in witness.patrol(town, config.name)] == ["rework"]
    _resubmitted(town, tmux, mr, got["session"], attempt=2)
    assert refinery.run_once(town, config.name)["failed"] == [mr]

    findings = witness.patrol(town, config.name)
    assert [(f["kind"], f["action"], f["bead"]) for f in findings] == [
        ("merge-failed", "escalate", mr),
        ("idle", "settle", ""),  # nothing more for it to do
    ]
    mail = town.ledger.list_beads(issue_type="message", assignee="overseer")
    assert len(mail) == 1 and mail[0]["title"] == f"ESCALATION [MEDIUM] {ADDRESS} merge-failed on {mr}"
    assert "max_rework = 1" in mail[0]["description"] and "gt mq retry" in mail[0]["description"]
    assert witness.patrol(town, config.name) == []
    assert len(town.ledger.list_beads(issue_type="message", assignee="overseer")) == 1
    assert not tmux.has_session(got["session"]) and town.ledger.get(bead)["status"] == "in_progress"
    assert _state(town, mr) == "failed"
    # A person's retry that fails again is news again: escalated once more, still not sent back.
    refinery.retry(town, mr)
    assert refinery.run_once(town, config.name)["failed"] == [mr]
    assert [f["action"] for f in witness.patrol(town, config.name)] == ["escalate"]
    assert len(town.ledger.list_beads(issue_type="message", assignee="overseer")) == 2


def test_sling_gives_no_new_work_to_a_polecat_whose_work_is_coming_back(lite_town, tmp_path, tmux):
    town = lite_town
    config = _rig(town, tmp_path)
    bead = new_bead(town, "Breaks the gates")
    got = polecats.sling(town, bead, config.name, runtime="scripted:fail-gates,fast")
    mr = _submitted(town, tmux, bead, got["session"])
    assert refinery.run_once(town, config.name)["failed"] == [mr]
    other = polecats.sling(town, new_bead(town, "Something else"), config.name, runtime=HANG)
    assert other["polecat"] != "furiosa"  # furiosa stays free for its rework


def test_a_polecat_that_gives_up_on_its_rework_is_escalated_not_woken_again(lite_town, tmp_path, tmux, gt):
    town = lite_town
    config = _rig(town, tmp_path)
    bead = new_bead(town, "Too hard")
    got = polecats.sling(town, bead, config.name, runtime="scripted:fail-gates,fast")
    mr = _submitted(town, tmux, bead, got["session"])
    assert refinery.run_once(town, config.name)["failed"] == [mr]
    town.ledger.write("test", lambda tx: set_agent(tx, config, "furiosa", runtime=HANG))
    assert [f["action"] for f in witness.patrol(town, config.name)] == ["rework"]
    wait_for(lambda: "hanging on purpose" in scripted_log(town, got["session"]), what="the woken polecat")
    res = gt("done", "--exit", "ESCALATED", "--agent", ADDRESS)
    assert res.code == 0, res.err
    assert _state(town, mr) == "failed" and town.ledger.get(bead)["status"] == "blocked"
    findings = [f for f in witness.patrol(town, config.name) if f["kind"] != "idle"]
    assert [(f["kind"], f["action"]) for f in findings] == [("merge-failed", "escalate")]
    mail = town.ledger.list_beads(issue_type="message", assignee="overseer")
    assert len(mail) == 1 and "gave up on it" in mail[0]["description"]
    assert witness.patrol(town, config.name) == [] and town.ledger.get(bead)["status"] == "blocked"
