"""Polecats for real: scripted agents in tmux sessions on a private server, in git worktrees."""

from __future__ import annotations

from pathlib import Path

import pytest
from polecat_support import (  # noqa: F401 (fixtures)
    HANG,
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

from gastown_tui.errors import Conflict, InvalidInput, NotFound
from gastown_tui.fieldlines import parse_fields
from gastown_tui.services import polecats
from gastown_tui.services.rigs import rig_paths


def test_sling_work_done_gives_a_merge_request_on_the_real_branch(lite_town, rig, tmux):
    town = lite_town
    bead = new_bead(town, "Add the frobnicator", priority=1)
    got = polecats.sling(town, bead, rig.name)
    assert got["polecat"] == "furiosa" and got["session"] == "gt-gastown-furiosa"
    assert tmux.has_session(got["session"])
    env = tmux.environment(got["session"])
    assert env["GT_ACTOR"] == "gastown/polecats/furiosa" and env["GT_ROLE"] == "polecat"
    assert env["GT_RIG"] == "gastown" and env["GT_POLECAT"] == "furiosa" and env["GT_TOWN"] == str(town.root)

    wait_for(lambda: mr_for(town, bead) and not tmux.has_session(got["session"]), what="gt done")
    mr = mr_for(town, bead)
    info = parse_fields(mr["description"])
    assert "gt:merge-request" in town.ledger.read(lambda s: s.labels(mr["id"]))
    assert mr["priority"] == 1 and mr["id"].startswith("gt-")
    assert info["branch"] == got["branch"] == f"polecat/furiosa/{bead}"
    assert info["target"] == "main" and info["source_issue"] == bead and info["rig"] == "gastown"
    assert info["worker"] == "gastown/polecats/furiosa" and info["agent_bead"] == "gt-gastown-polecat-furiosa"
    repo = rig_paths(town, rig.name).repo
    # The commit is really the tip of that branch, one commit ahead of main, with the change in it.
    assert git(repo, "rev-parse", info["branch"]) == info["commit_sha"]
    assert git(repo, "rev-list", "--count", f"main..{info['branch']}") == "1"
    assert "Add the frobnicator" in git(repo, "show", f"{info['commit_sha']}:scripted/{bead}.md")

    work = town.ledger.get(bead)
    assert work["status"] == "in_progress" and work["assignee"] == "gastown/polecats/furiosa"
    fields = agent_fields(town, "gt-gastown-polecat-furiosa")
    assert fields["agent_state"] == "done" and fields["hook_bead"] == "" and fields["mr"] == mr["id"]
    inbox = town.ledger.list_beads(issue_type="message", assignee="gastown/witness")
    assert [m["title"] for m in inbox] == ["POLECAT_DONE furiosa"]
    assert f"MR: {mr['id']}" in inbox[0]["description"]
    convoys = town.ledger.read(lambda s: s.dependents(bead, "tracks"))
    assert len(convoys) == 1  # sling made the bead's convoy
    # The worktree let go of the branch (so the refinery may move it) but keeps the commit.
    sandbox = rig_paths(town, rig.name).polecat("furiosa")
    assert git(sandbox, "rev-parse", "HEAD") == info["commit_sha"]
    assert git(sandbox, "rev-parse", "--abbrev-ref", "HEAD") == "HEAD"
    with pytest.raises(Conflict, match="merge queue"):
        polecats.sling(town, bead, rig.name)


def test_title_and_nudge_full_of_shell_metacharacters_arrive_verbatim_and_run_nothing(lite_town, rig, tmux, tmp_path):
    town = lite_town
    trap = tmp_path / "pwned"
    title = f"Fix $(touch {trap}) `touch {trap}` ; touch {trap} && echo \"double\" 'single' | cat > {trap} $HOME \\n"
    bead = new_bead(town, title)
    got = polecats.sling(town, bead, rig.name, runtime=HANG)
    log = wait_for(
        lambda: "hanging on purpose" in scripted_log(town, got["session"]) and scripted_log(town, got["session"])
    )
    assert f"hooked: {bead}: {title}\n" in log
    assert f"— {title} —" in log  # the start-up prompt carried it as one argument
    text = f"nudge $(touch {trap}) `id` ; touch {trap} 'q' \"dq\" \x1b[31m\x07end"
    polecats.nudge("gastown/polecats/furiosa", text)
    heard = wait_for(lambda: [x for x in scripted_log(town, got["session"]).splitlines() if x.startswith("heard: ")])
    assert heard == [f"heard: nudge $(touch {trap}) `id` ; touch {trap} 'q' \"dq\" [31mend"]
    assert not trap.exists()


def test_idle_polecat_is_reused_with_a_fresh_branch(lite_town, rig, tmux):
    town = lite_town
    first = new_bead(town, "First job")
    polecats.sling(town, first, rig.name)
    wait_for(lambda: mr_for(town, first) and not tmux.has_session("gt-gastown-furiosa"), what="first done")
    second = new_bead(town, "Second job")
    got = polecats.sling(town, second, rig.name, runtime=HANG)
    assert got["polecat"] == "furiosa" and got["branch"] == f"polecat/furiosa/{second}"
    sandbox = Path(got["worktree"])
    wait_for(lambda: "hanging" in scripted_log(town, got["session"]))
    assert git(sandbox, "symbolic-ref", "--short", "HEAD") == got["branch"]
    assert git(sandbox, "rev-parse", "HEAD") == git(sandbox, "rev-parse", "main")  # fresh from main
    assert not (sandbox / "scripted" / f"{first}.md").exists()
    # A busy polecat is not reused: the next sling names a new one.
    third = polecats.sling(town, new_bead(town, "Third job"), rig.name, runtime=HANG)
    assert third["polecat"] == "nux"
    rows = {p.name: p for p in polecats.list_polecats(town, rig.name)}
    assert rows["furiosa"].state == "working" and rows["furiosa"].hook_bead == second
    assert rows["nux"].session_alive


def test_sling_refuses_hooked_closed_and_non_work_beads_and_leaves_nothing(lite_town, rig, tmux):
    town = lite_town
    bead = new_bead(town, "Busy")
    polecats.sling(town, bead, rig.name, runtime=HANG)
    with pytest.raises(Conflict, match="already on the hook of gastown/polecats/furiosa"):
        polecats.sling(town, bead, rig.name)
    closed = new_bead(town, "Old")
    town.ledger.write("close", lambda tx: tx.close(closed, "done"))
    with pytest.raises(Conflict, match="closed"):
        polecats.sling(town, closed, rig.name)
    with pytest.raises(InvalidInput, match="not work"):
        polecats.sling(town, "gt-gastown-witness", rig.name)
    with pytest.raises(NotFound):
        polecats.sling(town, "gt-nope", rig.name)
    with pytest.raises(InvalidInput):
        polecats.sling(town, new_bead(town, "x"), rig.name, name="../evil")
    with pytest.raises(InvalidInput, match="unknown runtime"):
        polecats.sling(town, new_bead(town, "y"), rig.name, runtime="nonesuch")
    (town.root / "town.toml").write_text(
        (town.root / "town.toml").read_text() + '\n[runtimes.ghost]\ncommand = ["gt-no-such-agent-cli"]\n'
    )
    town.__dict__.pop("raw", None)
    missing = new_bead(town, "z")
    with pytest.raises(InvalidInput, match="'gt-no-such-agent-cli', which is not installed"):
        polecats.sling(town, missing, rig.name, runtime="ghost")
    assert town.ledger.get(missing)["status"] == "open"
    assert set(tmux.activity()) == {"gt-gastown-furiosa"}


def test_a_failed_sandbox_rolls_the_claim_back(lite_town, rig, tmux):
    town = lite_town
    blocker = rig_paths(town, rig.name).polecat("furiosa")
    blocker.write_text("not a worktree")
    bead = new_bead(town, "Doomed")
    assert polecats.sling(town, new_bead(town, "x"), rig.name, runtime=HANG)["polecat"] == "nux"  # name skipped
    with pytest.raises(Conflict, match="not a worktree"):
        polecats.sling(town, bead, rig.name, name="furiosa")
    after = town.ledger.get(bead)
    assert after["status"] == "open" and after["assignee"] is None
    assert agent_fields(town, "gt-gastown-polecat-furiosa")["agent_state"] == "idle"
    assert set(tmux.activity()) == {"gt-gastown-nux"}


def test_done_refuses_uncommitted_or_empty_work(lite_town, rig, tmux, gt, monkeypatch):
    town = lite_town
    bead = new_bead(town, "Careful")
    got = polecats.sling(town, bead, rig.name, runtime=HANG)
    monkeypatch.setenv("GT_ACTOR", got["address"])
    res = gt("done", "--keep-session")
    assert res.code == 1 and f"no commits on {got['branch']} ahead of main" in res.err
    (Path(got["worktree"]) / "wip.txt").write_text("half done")
    res = gt("done", "--keep-session")
    assert res.code == 1 and "uncommitted changes" in res.err and "wip.txt" in res.err
    assert town.ledger.get(bead)["status"] == "hooked" and mr_for(town, bead) is None
    # DEFERRED hands the bead back to the pool without a merge request, and ends the session.
    res = gt("done", "--exit", "deferred")
    assert res.code == 0, res.err
    work = town.ledger.get(bead)
    assert work["status"] == "open" and work["assignee"] is None and mr_for(town, bead) is None
    assert not tmux.has_session(got["session"])


def test_hook_and_prime_inside_a_session(lite_town, rig, tmux, gt, monkeypatch):
    town = lite_town
    monkeypatch.setenv("GT_ACTOR", "gastown/polecats/furiosa")
    assert gt("hook").out.strip() == "Nothing on the hook."
    bead = new_bead(town, "Primed work", description="Do it well.")
    polecats.sling(town, bead, rig.name, runtime=HANG)
    hooked = gt("hook", "--json").json()
    assert hooked["id"] == bead and hooked["status"] == "hooked"
    text = gt("prime").out
    assert "You are polecat furiosa of rig gastown" in text and bead in text and "Do it well." in text
    assert "gt done" in text
    monkeypatch.delenv("GT_ACTOR")
    res = gt("hook")
    assert res.code == 1 and "GT_ACTOR" in res.err
    assert gt("hook", "--agent", "gastown/polecats/furiosa", "--json").json()["id"] == bead


def test_hook_shows_the_current_step_of_a_molecule(lite_town, rig, tmux, gt, monkeypatch):
    town = lite_town

    def pour(tx):
        mol = tx.create("Release 1.0", prefix="gt", issue_type="molecule", labels=["gt:molecule"])
        tx.create("Tag it", parent=mol)
        return mol

    mol = town.ledger.write("test", pour)
    polecats.sling(town, mol, rig.name, runtime=HANG)
    monkeypatch.setenv("GT_ACTOR", "gastown/polecats/furiosa")
    hooked = gt("hook", "--json").json()
    assert hooked["current_step"]["id"] == f"{mol}.1"
    assert "current step" in gt("hook").out


def test_nuke_removes_session_worktree_and_branch_but_keeps_identity(lite_town, rig, tmux, gt):
    town = lite_town
    bead = new_bead(town, "To be nuked")
    got = polecats.sling(town, bead, rig.name, runtime=HANG)
    res = gt("polecat", "nuke", "gastown/furiosa")
    assert res.code == 1 and "--force" in res.err
    res = gt("polecat", "nuke", "gastown/polecats/furiosa", "--force", "--json")
    assert res.code == 0, res.err
    assert res.json()["branches_deleted"] == [got["branch"]]
    paths = rig_paths(town, rig.name)
    assert not tmux.has_session(got["session"])
    assert not Path(got["worktree"]).exists()
    assert got["branch"] not in git(paths.repo, "branch", "--list")
    agent = town.ledger.get("gt-gastown-polecat-furiosa")
    assert agent["status"] == "open" and parse_fields(agent["description"])["agent_state"] == "nuked"
    assert town.ledger.get(bead)["status"] == "open"
    # The name comes back on the next sling, with a new sandbox.
    again = polecats.sling(town, bead, rig.name, runtime=HANG)
    assert again["polecat"] == "furiosa" and Path(again["worktree"]).is_dir()


def test_restart_and_polecat_list_from_the_cli(lite_town, rig, tmux, gt):
    town = lite_town
    bead = new_bead(town, "Restart me")
    got = polecats.sling(town, bead, rig.name, runtime=HANG)
    wait_for(lambda: "hanging" in scripted_log(town, got["session"]))
    tmux.kill_session(got["session"])
    rows = gt("polecat", "list", "--json").json()
    assert [(r["name"], r["state"], r["hook_bead"]) for r in rows] == [("furiosa", "zombie", bead)]
    res = gt("polecat", "restart", "gastown/furiosa")
    assert res.code == 0, res.err
    wait_for(lambda: scripted_log(town, got["session"]).count("hanging on purpose") == 2, what="second life")
    assert gt("polecat", "list", "--rig", "gastown", "--json").json()[0]["state"] == "working"
    res = gt("nudge", "gastown/polecats/nobody", "hi")
    assert res.code == 1 and "no live session" in res.err
    res = gt("nudge", "not an address", "hi")
    assert res.code == 2


def test_sessions_run_the_preset_command_and_typed_prompts_arrive(lite_town, tmp_path, tmux):
    """A town-defined runtime whose prompt is typed once its ready prompt shows."""
    import json
    import sys

    from polecat_support import add_rig

    town = lite_town
    heard = tmp_path / "heard.txt"
    program = (
        "import sys\nprint('› ready', flush=True)\n"
        f"open({str(heard)!r}, 'a').write(sys.stdin.readline())\nimport time\ntime.sleep(60)\n"
    )
    command = json.dumps([sys.executable, "-c", program])
    extra = f'\n[runtimes.typist]\ncommand = {command}\nprompt = "type"\nready_prefix = "›"\n'
    (town.root / "town.toml").write_text((town.root / "town.toml").read_text() + extra)
    town.__dict__.pop("raw", None)
    config = add_rig(town, tmp_path, "typed", runtime="typist")
    bead = new_bead(town, "Typed $(rm -rf ~) 'x'")
    polecats.sling(town, bead, config.name)
    line = wait_for(lambda: heard.exists() and heard.read_text(), what="typed prompt")
    assert f"assigned:{bead} — Typed $(rm -rf ~) 'x' — Run `gt prime`" in line


def test_concurrent_slings_from_separate_processes_never_share_a_polecat_or_a_bead(lite_town, rig, tmux):
    import subprocess

    from conftest import GT

    town = lite_town
    beads = [new_bead(town, f"Parallel {n}") for n in range(3)]
    argvs = [[GT, "sling", b, rig.name, "--runtime", HANG] for b in beads] + [[GT, "sling", beads[0], rig.name]]
    procs = [subprocess.Popen(a, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for a in argvs]
    results = [(p.wait(timeout=60), p.stderr.read()) for p in procs]
    assert sorted(code for code, _ in results) == [0, 0, 0, 1], results
    assert any("already on the hook of gastown/polecats/" in err for _, err in results)
    hooked = {b: town.ledger.get(b)["assignee"] for b in beads}
    assert len(set(hooked.values())) == 3 and all(a.startswith("gastown/polecats/") for a in hooked.values())
    assert len(tmux.activity()) == 3


def test_misbehaving_switches_crash_fail_the_gates_and_conflict(lite_town, rig, tmux, tmp_path):
    import subprocess
    import sys

    town = lite_town
    crash = polecats.sling(town, new_bead(town, "Crash"), rig.name, runtime="scripted:crash,fast")
    wait_for(lambda: not tmux.has_session(crash["session"]), what="crash")
    assert "crashing on purpose" in scripted_log(town, crash["session"])
    assert [p.state for p in polecats.list_polecats(town, rig.name)] == ["zombie"]

    bead = new_bead(town, "Bad change")
    got = polecats.sling(town, bead, rig.name, runtime="scripted:fail-gates,conflict,fast")
    wait_for(lambda: mr_for(town, bead), what="gt done")
    sha = parse_fields(mr_for(town, bead)["description"])["commit_sha"]
    repo = rig_paths(town, rig.name).repo
    assert git(repo, "show", f"{sha}:scripted/conflict.md") == f"conflict from {bead} by {got['address']}"
    checkout = tmp_path / "check"
    git(repo, "worktree", "add", "-q", "--detach", str(checkout), sha)
    gate = [sys.executable, "-m", "gastown_tui.runtime.scripted", "--gate"]
    failed = subprocess.run(gate, cwd=checkout, capture_output=True, text=True)
    assert failed.returncode == 1 and f"{bead}.md" in failed.stdout
    git(checkout, "checkout", "-q", "--detach", "main")
    assert subprocess.run(gate, cwd=checkout, capture_output=True).returncode == 0


def test_a_runtimes_key_that_is_not_a_table_is_a_clear_error(lite_town):
    from gastown_tui.runtime.presets import resolve

    (lite_town.root / "town.toml").write_text('name = "town"\nruntimes = 5\n\n[ledger]\nurl = "doltlite:ledger.db"\n')
    lite_town.__dict__.pop("raw", None)
    with pytest.raises(InvalidInput, match="runtimes must be a table"):
        resolve(lite_town, "claude")


def test_sling_of_an_unknown_bead_says_so_before_looking_for_the_runtime(lite_town, tmp_path, gt, monkeypatch):
    import shutil

    from polecat_support import add_rig

    config = add_rig(lite_town, tmp_path, runtime="claude")
    bindir = tmp_path / "bin"  # git and nothing else: no claude, whatever this machine has installed
    bindir.mkdir()
    (bindir / "git").symlink_to(shutil.which("git"))
    monkeypatch.setenv("PATH", str(bindir))
    res = gt("sling", "hq-nope", config.name)
    assert res.code == 1
    assert "no bead 'hq-nope'" in res.err and "not installed" not in res.err
    closed = new_bead(lite_town, "Already done")
    lite_town.ledger.write("test", lambda tx: tx.close(closed, "done"))
    assert "is closed" in gt("sling", closed, config.name).err
    assert "not installed" in gt("sling", new_bead(lite_town, "Real work"), config.name).err


def test_a_polecats_state_is_decided_in_one_place_from_its_hook_session_and_agent_state():
    """records.build: what gt polecat list, the witness, dispatch and the TUI all read."""
    import datetime as dt

    from gastown_tui.services.polecats import records

    now = 1_800_000_000.0

    def stamp(ago: float) -> str:
        return dt.datetime.fromtimestamp(now - ago, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def made(agent_state="", hooked=True, quiet=None, age=3600.0, reported=None, reported_ago=0.0):
        hook = records.WorkBead("gt-1", "Work", "task", 2, "hooked", "gastown/polecats/nux") if hooked else None
        live = {} if quiet is None else {"gt-gastown-nux": int(now - quiet)}
        updated = stamp(age)
        info = {"agent_state": agent_state, "branch": "polecat/nux/gt-1"}
        if reported:
            info |= {
                "reported": reported,
                "reported_at": stamp(reported_ago),
                "reason": "Go on? [y/n]",
                "yes_no": "true",
            }
        return records.build("gastown", "nux", "gt-gastown-polecat-nux", info, updated, hook, live, now, 100.0)

    assert made("working", quiet=10).state == "working"
    assert made("working", quiet=500).state == "stalled"
    # Waiting for a person is never stalled, however long; a fresh report is a sign of life too.
    assert made("working", quiet=5000, reported="waiting", reported_ago=5000).state == "waiting"
    assert made("working", quiet=500, reported="working", reported_ago=10).state == "working"
    assert made("working", quiet=500, reported="working", reported_ago=500).state == "stalled"
    assert made("working", reported="waiting").state == "zombie"  # no session: nobody to answer
    asking = made("working", quiet=5, reported="waiting", reported_ago=60).to_json(Path("/x"))
    assert asking["state"] == "waiting" and asking["reason"] == "Go on? [y/n]" and asking["yes_no"]
    assert asking["reported"] == "waiting" and asking["since"] == stamp(60)
    assert made("working").state == "zombie"
    assert made("spawning", age=5).state == "spawning"  # a fresh sling, within SPAWN_GRACE
    assert made("spawning", age=records.SPAWN_GRACE + 5).state == "zombie"
    assert made("done", hooked=False, quiet=10).state == "done"  # gt done ran, its session lingers
    assert made("done", hooked=False).state == "idle"
    assert made("nuked", hooked=False).state == "nuked"
    assert made("", hooked=False).state == "idle" and made("", hooked=False).agent_state == "idle"
    working = made("working", quiet=10)
    assert working.session == "gt-gastown-nux" and working.address == "gastown/polecats/nux"
    assert working.session_alive and working.last_activity == int(now - 10) and working.hook_bead == "gt-1"
    row = working.to_json(Path("/town/gastown/polecats/nux"))
    assert row["state"] == "working" and row["agent_state"] == "working" and row["hook_title"] == "Work"
    assert row["branch"] == "polecat/nux/gt-1" and row["worktree"] == "/town/gastown/polecats/nux"
    assert set(row) == {"rig", "name", "address", "agent_bead", "state", "agent_state", "hook_bead", "hook_title",
                        "session", "session_alive", "last_activity", "branch", "runtime", "worktree", "mr",
                        "reported", "since", "reason", "yes_no"}  # fmt: skip
    assert not made("working").session_alive and made("working").to_json(Path("/x"))["last_activity"] is None
    # The same ledger facts seen again after the session went quiet, then away (no ledger read).
    assert records.restate(working, {"gt-gastown-nux": int(now - 10)}, now + 200, 100.0).state == "stalled"
    assert records.restate(working, {}, now, 100.0) == made("working")


def test_one_read_lists_the_polecats_of_several_rigs_rig_by_rig(lite_town, tmp_path):
    """read_polecats inside one ledger session: every rig's polecats with hook and state (no tmux needed)."""
    from polecat_support import add_rig

    town = lite_town
    calc, web = add_rig(town, tmp_path, "calc"), add_rig(town, tmp_path, "web")
    bead = town.ledger.write("test", lambda tx: tx.create("Calc work", prefix=calc.prefix))

    def seed(tx) -> None:
        polecats.set_agent(tx, web, "nux", agent_state="idle")
        polecats.set_agent(tx, calc, "toast", agent_state="working", hook_bead=bead)
        polecats.set_agent(tx, calc, "ace", agent_state="nuked")
        tx.update(bead, status="hooked", assignee="calc/polecats/toast")

    town.ledger.write("test", seed)
    live = {"gt-calc-toast": 1_000}
    got = town.ledger.read(lambda s: polecats.read_polecats(s, [calc, web], live, 1_010.0))
    assert [(p.rig, p.name, p.state, p.hook_bead) for p in got] == [
        ("calc", "ace", "nuked", ""),
        ("calc", "toast", "working", bead),
        ("web", "nux", "idle", ""),
    ]
    assert got[1].hook == polecats.WorkBead.from_row(town.ledger.get(bead))
    assert town.ledger.read(lambda s: polecats.read_polecats(s, web, live, 1_010.0)) == got[2:]
    assert polecats.list_polecats(town, live=live, now=1_010.0) == got  # the town-wide reader agrees


def test_not_slingable_is_the_ledgers_infrastructure_but_molecules():
    from gastown_tui.ledger.fields import INFRA_TYPES

    assert set(polecats.NOT_SLINGABLE) == set(INFRA_TYPES) - {"molecule"}
