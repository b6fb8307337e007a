"""Landed work leaves the town: the refinery pushes the gated target to the rig's origin — a local
checkout (clean: updated; dirty: held, untouched) or a bare repository — follows commits a person
pushed there, and retries failed pushes; real git everywhere, real ledgers."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pytest
from refinery_support import feature, git, mail_to, make_rig, mr_states

from gastown_tui import addresses
from gastown_tui.services import refinery
from gastown_tui.services.refinery.pushstate import rig_push
from gastown_tui.services.rigs import load_rig, render_rig_toml, rig_paths

doltlite_only = pytest.mark.parametrize("ledger_url", ["doltlite"], indirect=True)


@pytest.fixture(autouse=True)
def _private_tmux(tmp_path, monkeypatch):
    """Mail nudges look for tmux sessions: never on the user's server."""
    monkeypatch.setenv("TMUX_TMPDIR", str(tmp_path))
    monkeypatch.delenv("TMUX", raising=False)


def source_of(rig) -> Path:
    return Path(load_rig(rig.town, rig.name).source)


def configure(rig, **settings) -> None:
    config = replace(load_rig(rig.town, rig.name), **settings)
    rig_paths(rig.town, rig.name).config.write_text(render_rig_toml(config))


def merged_subjects(repo: Path, branch: str = "main") -> list[str]:
    return git(repo, "log", "--merges", "--format=%s", f"refs/heads/{branch}").splitlines()


def push_state(rig):
    return rig.town.ledger.read(lambda s: rig_push(s, rig.town, rig.name))


def landing(rig, mr_id: str):
    return rig.town.ledger.read(lambda s: refinery.get(s, mr_id)).landing


def test_merges_reach_a_clean_local_checkout_and_each_mr_says_where_it_went(town, tmp_path, gt):
    rig = make_rig(town, tmp_path)
    source = source_of(rig)
    (source / "notes.txt").write_text("mine, untracked\n")
    for n in range(3):
        rig.submit(f"cat{n}", feature(n))
    rig.age_in_order()

    summary = refinery.run_once(town, rig.name)

    assert sorted(summary["merged"]) == sorted(rig.mrs)
    assert git(source, "rev-parse", "main") == rig.main()
    assert len(merged_subjects(source)) == 3
    # the checked-out branch was updated as updateInstead does: files there, nothing left modified
    assert (source / "feature_2.py").exists()
    assert git(source, "status", "--porcelain", "--untracked-files=no") == ""
    assert (source / "notes.txt").read_text() == "mine, untracked\n"
    for mr in rig.mrs:
        lg = landing(rig, mr)
        assert (lg.state, lg.to, lg.commit) == ("pushed", "origin/main", rig.main())
    show = gt("mq", "show", rig.mrs[0])
    assert f"pushed {rig.main()[:7]} to origin/main" in show.out
    merged_mail = mail_to(town, addresses.witness(rig.name), "MERGED")
    assert any(f"pushed {rig.main()[:7]} to origin/main" in m["description"] for m in merged_mail)
    assert push_state(rig).pushed == rig.main()


@doltlite_only
def test_a_bare_origin_receives_the_merges_fast_forward(town, tmp_path):
    rig = make_rig(town, tmp_path)
    bare = tmp_path / "origin.git"
    git(tmp_path, "clone", "-q", "--bare", str(source_of(rig)), str(bare))
    configure(rig, source=str(bare))
    before = git(bare, "rev-parse", "main")
    rig.submit("cat0", feature(0))
    rig.submit("cat1", feature(1))

    refinery.run_once(town, rig.name)

    assert git(bare, "rev-parse", "main") == rig.main()
    assert git(bare, "merge-base", "--is-ancestor", before, "main") == ""  # fast-forward: nothing lost
    assert len(merged_subjects(bare)) == 2


@doltlite_only
def test_a_dirty_checkout_holds_the_push_tells_the_overseer_once_and_rig_sync_takes_it(town, tmp_path, gt):
    rig = make_rig(town, tmp_path)
    source = source_of(rig)
    start = git(source, "rev-parse", "main")
    (source / "VERSION").write_text("1\nmy local edit\n")
    rig.submit("cat0", feature(0))

    refinery.run_once(town, rig.name)

    assert mr_states(town, rig.mrs) == ["merged"]  # merging goes on in the town
    assert git(source, "rev-parse", "main") == start  # the person's branch did not move
    assert (source / "VERSION").read_text() == "1\nmy local edit\n"  # and their edit is untouched
    state = push_state(rig)
    assert state.state == "held" and "VERSION" in state.error
    assert state.banner(rig.name) == "push held: gt rig sync gastown"
    shown = gt("rig", "show", rig.name).out
    assert "! push to origin/main held: uncommitted changes in" in shown and "VERSION" in shown
    assert landing(rig, rig.mrs[0]).state == "held"
    told = mail_to(town, addresses.OVERSEER, "gastown: merged work waits")
    assert len(told) == 1 and "gt rig sync gastown" in told[0]["description"]

    rig.submit("cat1", feature(1))
    refinery.run_once(town, rig.name)
    assert len(mail_to(town, addresses.OVERSEER, "gastown: merged work waits")) == 1  # once, not per pass

    still = gt("rig", "sync", rig.name)
    assert still.code != 0 and "uncommitted" in still.err and "Traceback" not in still.err

    git(source, "stash", "-q")
    refinery.run_once(town, rig.name)
    assert git(source, "rev-parse", "main") == start  # held until the person says: gt rig sync
    done = gt("rig", "sync", rig.name)
    assert f"pushed {rig.main()[:7]} to origin/main" in done.out
    git(source, "stash", "pop", "-q")
    assert git(source, "rev-parse", "main") == rig.main()
    assert (source / "VERSION").read_text() == "1\nmy local edit\n"
    assert len(merged_subjects(source)) == 2
    assert push_state(rig).state == "ok"
    assert [landing(rig, m).state for m in rig.mrs] == ["pushed", "pushed"]


@doltlite_only
def test_a_commit_pushed_to_the_origin_meanwhile_is_kept_and_the_batch_rebuilt_on_it(town, tmp_path):
    rig = make_rig(town, tmp_path)
    source = source_of(rig)
    rig.submit("cat0", feature(0))
    rig.submit("cat1", {"VERSION": "2\nfrom the polecat\n"})
    rig.age_in_order()
    # a person commits to the origin after the polecats branched, before the refinery merges
    (source / "VERSION").write_text("1\nthe person's line\n")
    (source / "person.txt").write_text("by hand\n")
    git(source, "add", "-A")
    git(source, "commit", "-q", "-m", "a person's commit")
    person = git(source, "rev-parse", "HEAD")

    summary = refinery.run_once(town, rig.name)

    assert summary["merged"] == [rig.mrs[0]]
    assert summary["rework"] == [rig.mrs[1]]  # conflicts with the person's commit: back to the polecat
    assert mail_to(town, addresses.polecat(rig.name, "cat1"), "REWORK_REQUEST")
    assert git(rig.bare, "merge-base", "--is-ancestor", person, "main") == ""  # the town took it in
    assert git(source, "rev-parse", "main") == rig.main()  # and the origin has both, fast-forward
    assert (source / "person.txt").read_text() == "by hand\n"


@doltlite_only
def test_origin_moving_while_the_gates_run_rebuilds_the_batch_and_gates_it_again(town, tmp_path):
    rig = make_rig(town, tmp_path)
    source = source_of(rig)
    marker = tmp_path / "moved-once"
    script = tmp_path / "gate_moves_origin.py"
    script.write_text(
        "import pathlib, subprocess, sys\n"
        f"marker = pathlib.Path({str(marker)!r})\n"
        "if not marker.exists():\n"
        "    marker.write_text('x')\n"
        f"    src = {str(source)!r}\n"
        "    pathlib.Path(src, 'person.txt').write_text('pushed while gating\\n')\n"
        "    git = ['git', '-c', 'user.name=p', '-c', 'user.email=p@x.invalid']\n"
        "    subprocess.run(git + ['add', '-A'], cwd=src, check=True)\n"
        "    subprocess.run(git + ['commit', '-q', '-m', 'person while gating'], cwd=src, check=True)\n"
        "sys.exit(0)\n"
    )
    import sys

    configure(rig, gates=[{"name": "moves", "command": [sys.executable, str(script)], "timeout": 60}])
    rig.submit("cat0", feature(0))

    summary = refinery.run_once(town, rig.name)

    assert summary["merged"] == rig.mrs
    assert summary["gate_runs"] == 2  # gated once before the origin moved, once on top of it
    main = rig.main()
    assert git(source, "rev-parse", "main") == main
    person = git(source, "log", "--format=%H", "--grep", "person while gating", "main")
    assert person and git(rig.bare, "merge-base", "--is-ancestor", person, "main") == ""
    # gt refinery log: the person's commit was taken in from the origin; every move of the town's own was gated
    log = refinery.target_log(town, rig.name)
    assert [e["commit"] for e in log if e["from_origin"]] == [person]
    assert all(e["gated"] for e in log if not e["from_origin"])


@doltlite_only
def test_an_unreachable_origin_leaves_the_mr_merged_and_is_retried_with_back_off(town, tmp_path, gt):
    rig = make_rig(town, tmp_path)
    source = source_of(rig)
    away = tmp_path / "away"
    configure(rig, source="https://user:s3cret@127.0.0.1:9/nowhere.git")
    rig.submit("cat0", feature(0))

    refinery.run_once(town, rig.name)

    assert mr_states(town, rig.mrs) == ["merged"]
    state = push_state(rig)
    assert state.state == "waiting" and state.kind == "unreachable" and state.attempts == 1
    assert state.retry_at > time.time() + 10  # backs off
    show = gt("mq", "show", rig.mrs[0]).out
    assert "not pushed to origin/main yet: unreachable" in show
    told = mail_to(town, addresses.OVERSEER, "gastown: push to origin/main failed")
    assert len(told) == 1
    everything = show + str(town.ledger.get(rig.mrs[0])) + told[0]["description"] + str(state)
    assert "s3cret" not in everything

    rig.submit("cat1", feature(1))
    refinery.run_once(town, rig.name)  # inside the back-off: merged in the town, the origin not asked again
    assert mr_states(town, rig.mrs) == ["merged", "merged"]
    assert push_state(rig).attempts == 1 and landing(rig, rig.mrs[1]).state == "waiting"

    source.rename(away)
    configure(rig, source=str(away))
    gt("rig", "sync", rig.name)
    assert git(away, "rev-parse", "main") == rig.main()
    assert [landing(rig, m).state for m in rig.mrs] == ["pushed", "pushed"]
    assert len(mail_to(town, addresses.OVERSEER, "gastown: push to origin/main failed")) == 1


@doltlite_only
def test_an_origin_that_refuses_the_credentials_is_one_clear_line_and_a_mail(town, tmp_path, gt, monkeypatch):
    """No ssh server can run here: a stand-in ``ssh`` answers as a server refusing the key does."""
    ssh = tmp_path / "ssh-refuses"
    ssh.write_text("#!/bin/sh\necho 'git@forge.invalid: Permission denied (publickey).' >&2\nexit 255\n")
    ssh.chmod(0o755)
    monkeypatch.setenv("GIT_SSH_COMMAND", str(ssh))
    rig = make_rig(town, tmp_path)
    configure(rig, source="ssh://git@forge.invalid/calc.git")
    rig.submit("cat0", feature(0))

    refinery.run_once(town, rig.name)

    assert mr_states(town, rig.mrs) == ["merged"]  # merged in the town; the push waits for its retry
    state = push_state(rig)
    assert state.state == "waiting" and state.kind == "auth" and "Permission denied" in state.error
    assert "not pushed to origin/main yet: auth" in gt("mq", "show", rig.mrs[0]).out
    assert len(mail_to(town, addresses.OVERSEER, "gastown: push to origin/main failed (auth)")) == 1


@pytest.fixture(name="refusing_http")
def refusing_http_fixture():
    """A real HTTP server that answers every request as a forge refusing the credentials does (401)."""
    import http.server
    import threading

    class Refuse(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="forge"')
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_POST = do_GET

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Refuse)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()


@doltlite_only
@pytest.mark.parametrize("user", ["", "bot:s3cret@"])
def test_an_https_origin_refusing_the_credentials_is_auth_in_one_line(town, tmp_path, gt, refusing_http, user):
    rig = make_rig(town, tmp_path)
    configure(rig, source=f"http://{user}127.0.0.1:{refusing_http}/calc.git")
    rig.submit("cat0", feature(0))

    refinery.run_once(town, rig.name)  # no prompt for a password: it would stall the daemon

    assert mr_states(town, rig.mrs) == ["merged"]
    state = push_state(rig)
    assert state.state == "waiting" and state.kind == "auth", state
    assert "\n" not in state.error and ("Authentication failed" in state.error or "Username" in state.error)
    told = mail_to(town, addresses.OVERSEER, "gastown: push to origin/main failed (auth)")
    assert len(told) == 1 and "s3cret" not in told[0]["description"] + state.error + gt("mq", "show", rig.mrs[0]).out


@doltlite_only
def test_push_branch_sends_landed_work_to_a_branch_of_its_own(town, tmp_path):
    rig = make_rig(town, tmp_path)
    source = source_of(rig)
    start = git(source, "rev-parse", "main")
    configure(rig, push_branch="gastown/main")
    rig.submit("cat0", feature(0))

    refinery.run_once(town, rig.name)

    assert git(source, "rev-parse", "gastown/main") == rig.main()
    assert git(source, "rev-parse", "main") == start
    assert landing(rig, rig.mrs[0]).text() == f"pushed {rig.main()[:7]} to origin/gastown/main"


@doltlite_only
def test_a_protected_branch_then_a_person_pushing_is_merged_in_gated_and_pushed_without_force(town, tmp_path, gt):
    rig = make_rig(town, tmp_path)
    bare = tmp_path / "origin.git"
    git(tmp_path, "clone", "-q", "--bare", str(source_of(rig)), str(bare))
    configure(rig, source=str(bare))
    hook = bare / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'error: GH006: Protected branch update failed for refs/heads/main.' >&2\nexit 1\n")
    hook.chmod(0o755)
    rig.submit("cat0", feature(0))

    refinery.run_once(town, rig.name)

    town_tip = rig.main()
    assert mr_states(town, rig.mrs) == ["merged"]
    state = push_state(rig)
    assert state.state == "waiting" and state.kind == "protected" and "Protected branch" in state.error
    assert "not pushed to origin/main yet: protected" in gt("mq", "show", rig.mrs[0]).out
    assert len(mail_to(town, addresses.OVERSEER, "gastown: push to origin/main failed (protected)")) == 1

    hook.unlink()  # the person lifts the protection, and pushes a commit of their own meanwhile
    person = tmp_path / "person"
    git(tmp_path, "clone", "-q", str(bare), str(person))
    (person / "PERSON.txt").write_text("by hand\n")
    git(person, "add", "-A")
    git(person, "commit", "-q", "-m", "a person's commit")
    git(person, "push", "-q", "origin", "HEAD:main")
    theirs = git(person, "rev-parse", "HEAD")

    out = gt("rig", "sync", rig.name)

    assert out.code == 0, out.err
    main = rig.main()
    assert git(bare, "rev-parse", "main") == main
    for kept in (town_tip, theirs):  # neither the town's merge nor the person's commit is lost
        assert git(bare, "merge-base", "--is-ancestor", kept, "main") == ""
    assert "Merge origin/main into main" in git(bare, "log", "-1", "--format=%s", "main")
    assert landing(rig, rig.mrs[0]).state == "pushed" and push_state(rig).state == "ok"
    # gt refinery log: the merge joining the person's commit was gated like every other move
    log = refinery.target_log(town, rig.name)
    assert log[0]["commit"] == main and log[0]["gated"]
    assert "NOT GATED" not in gt("refinery", "log", rig.name).out


@doltlite_only
def test_pull_request_mode_without_gh_leaves_the_mr_merged_and_says_why_once(town, tmp_path, gt, monkeypatch):
    import os

    tools = tmp_path / "tools"
    tools.mkdir()
    for tool in ("git", "tmux", "sh"):
        target = next(Path(d) / tool for d in os.environ["PATH"].split(":") if (Path(d) / tool).exists())
        (tools / tool).symlink_to(target)
    rig = make_rig(town, tmp_path)
    configure(rig, merge_strategy="pr")
    monkeypatch.setenv("PATH", str(tools))
    rig.submit("cat0", feature(0))

    refinery.run_once(town, rig.name)

    assert mr_states(town, rig.mrs) == ["merged"]
    lg = landing(rig, rig.mrs[0])
    assert lg.state == "waiting" and "gh is not on PATH" in lg.error
    assert "gh is not on PATH" in gt("mq", "show", rig.mrs[0]).out
    assert push_state(rig).banner(rig.name) == "push failing (pr): gt rig sync gastown"
    told = mail_to(town, addresses.OVERSEER, "gastown: pull requests not opened")
    assert len(told) == 1 and "gh is not on PATH" in told[0]["description"]


@doltlite_only
def test_an_mr_for_another_branch_merges_in_the_town_and_pushes_nothing_to_origin_main(town, tmp_path):
    from gastown_tui.fieldlines import with_fields

    rig = make_rig(town, tmp_path)
    source = source_of(rig)
    start = git(source, "rev-parse", "main")
    git(rig.bare, "branch", "release", "main")
    mr = rig.submit("cat0", feature(0))
    town.ledger.write(
        "t", lambda tx: tx.update(mr, description=with_fields(tx.get(mr)["description"], target="release"))
    )

    refinery.run_once(town, rig.name)

    assert mr_states(town, [mr]) == ["merged"]
    assert git(rig.bare, "rev-parse", "release") != rig.main()
    assert git(source, "rev-parse", "main") == start and landing(rig, mr) is None


@doltlite_only
def test_killed_between_moving_the_target_and_pushing_the_next_pass_pushes_and_records_it(town, tmp_path):
    import signal

    from conftest import run_gt

    rig = make_rig(town, tmp_path)
    source = source_of(rig)
    rig.submit("cat0", feature(0))
    rig.submit("cat1", feature(1))

    crashed = run_gt("refinery", "run", rig.name, "--once", env={refinery.CRASH_ENV: "advanced"})

    assert crashed.code == -signal.SIGKILL
    assert git(source, "rev-parse", "main") != rig.main()  # the town moved; the push never happened
    refinery.run_once(town, rig.name)
    assert mr_states(town, rig.mrs) == ["merged", "merged"]
    assert git(source, "rev-parse", "main") == rig.main()
    assert [landing(rig, m).text() for m in rig.mrs] == [f"pushed {rig.main()[:7]} to origin/main"] * 2


def test_an_idle_pass_asks_git_once_for_the_target_tip(town, tmp_path, monkeypatch):
    """The daemon runs a refinery pass every few seconds: with nothing queued it resolves the target once,
    and whether the pushed commit holds it is a fact about two commits git was asked about before."""
    from gastown_tui.vcs import git as vcs_git

    rig = make_rig(town, tmp_path)
    rig.submit("cat0", feature(0))
    refinery.run_once(town, rig.name)
    assert push_state(rig).pushed == rig.main()
    refinery.run_once(town, rig.name)
    asked = []
    real = vcs_git.run
    monkeypatch.setattr(vcs_git, "run", lambda args, *rest, **kw: asked.append(args[0]) or real(args, *rest, **kw))
    summary = refinery.run_once(town, rig.name)
    assert summary["after"] == rig.main() and asked == ["rev-parse"]
