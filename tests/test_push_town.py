"""The whole way out, as a person does it: ``gt rig add`` of their repository, beads slung to scripted
polecats in real tmux sessions, merge requests approved, the refinery's pass — and the merges are in
their repository. Slings start from the origin's latest commits."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from polecat_support import (  # noqa: F401 (fixtures)
    FAST,
    git,
    lite_town_fixture,
    make_source,
    tmux_server,
    wait_for,
)

from gastown_tui.services import polecats, refinery
from gastown_tui.services.refinery.push import refresh
from gastown_tui.services.rigs import load_rig, render_rig_toml, rig_paths


def sling_three_and_approve(town, gt, rig: str) -> list[str]:
    prefix = load_rig(town, rig).prefix
    beads = [town.ledger.write("t", lambda tx, n=n: tx.create(f"Feature {n}", prefix=prefix)) for n in range(3)]
    for bead in beads:
        assert gt("sling", bead, rig).code == 0
    mrs = wait_for(lambda: _mrs_of(town, beads), timeout=60, what="three merge requests")
    for mr in mrs:
        assert gt("mq", "approve", mr).code == 0
    return mrs


def _mrs_of(town, beads: list[str]) -> list[str] | None:
    found = [town.ledger.read(lambda s, b=b: refinery.for_source(s, b)) for b in beads]
    return [m.id for m in found] if all(found) else None


def test_a_local_checkout_gets_the_three_merges_and_keeps_its_uncommitted_work(lite_town, tmp_path, tmux, gt):
    town = lite_town
    src = make_source(tmp_path / "src" / "calc")
    (src / "scratch.txt").write_text("my notes, not committed\n")
    assert gt("rig", "add", "calc", str(src), "--runtime", FAST).code == 0

    mrs = sling_three_and_approve(town, gt, "calc")
    summary = refinery.run_once(town, "calc")

    assert sorted(summary["merged"]) == sorted(mrs)
    log = git(src, "log", "--format=%s", "main").splitlines()
    assert sum(1 for subject in log if subject.startswith("Merge ")) == 3
    assert (src / "scratch.txt").read_text() == "my notes, not committed\n"
    assert git(src, "status", "--porcelain") == "?? scratch.txt"  # the checkout moved with main, cleanly
    assert len(list((src / "scripted").glob("*.md"))) == 3


def test_a_checkout_on_another_branch_with_edits_gets_main_and_its_edits_stay(lite_town, tmp_path, tmux, gt):
    town = lite_town
    src = make_source(tmp_path / "src" / "calc")
    git(src, "checkout", "-q", "-b", "my-work")
    (src / "app.py").write_text("print('half done')\n")
    assert gt("rig", "add", "calc", str(src), "--runtime", FAST, "--branch", "main").code == 0

    mrs = sling_three_and_approve(town, gt, "calc")
    refinery.run_once(town, "calc")

    merges = git(src, "log", "--merges", "--format=%s", "main").splitlines()
    assert sorted(s.split(":")[0].removeprefix("Merge ") for s in merges) == sorted(mrs)
    assert (src / "app.py").read_text() == "print('half done')\n"
    assert git(src, "rev-parse", "--abbrev-ref", "HEAD") == "my-work"


def test_a_bare_origin_gets_the_three_merges(lite_town, tmp_path, tmux, gt):
    town = lite_town
    work = make_source(tmp_path / "work")
    origin = tmp_path / "calc.git"
    git(tmp_path, "clone", "-q", "--bare", str(work), str(origin))
    assert gt("rig", "add", "calc", str(origin), "--runtime", FAST).code == 0

    mrs = sling_three_and_approve(town, gt, "calc")
    refinery.run_once(town, "calc")

    merges = git(origin, "log", "--merges", "--format=%s", "main").splitlines()
    assert len(merges) == 3 and all(any(s.startswith(f"Merge {mr}:") for s in merges) for mr in mrs)
    git(work, "pull", "-q", "--ff-only", str(origin), "main")  # the person gets it as from any remote
    assert len(list((work / "scripted").glob("*.md"))) == 3


def test_sling_branches_from_the_origins_latest_commit_and_offline_is_only_a_warning(lite_town, tmp_path, tmux, gt):
    town = lite_town
    src = make_source(tmp_path / "src" / "calc")
    assert gt("rig", "add", "calc", str(src), "--runtime", FAST).code == 0
    (src / "later.txt").write_text("committed after rig add\n")
    git(src, "add", "later.txt")
    git(src, "commit", "-q", "-m", "later")
    later = git(src, "rev-parse", "HEAD")
    prefix = load_rig(town, "calc").prefix
    bead = town.ledger.write("t", lambda tx: tx.create("Work", prefix=prefix))

    got = polecats.sling(town, bead, "calc")

    repo = rig_paths(town, "calc").repo
    assert got["warning"] == ""
    assert git(repo, "merge-base", "--is-ancestor", later, got["branch"]) == ""
    assert git(repo, "rev-parse", "main") == later

    config = replace(load_rig(town, "calc"), **{"source": str(tmp_path / "gone")})
    rig_paths(town, "calc").config.write_text(render_rig_toml(config))
    other = town.ledger.write("t", lambda tx: tx.create("More work", prefix=prefix))
    out = gt("sling", other, "calc")
    assert out.code == 0
    assert "warning: origin not fetched" in out.out and "starts from the town's main" in out.out


@pytest.mark.parametrize("strategy", ["pr"])
def test_pull_request_mode_pushes_the_branch_and_records_the_url_from_gh(
    lite_town, tmp_path, tmux, gt, monkeypatch, strategy
):
    town = lite_town
    calls = tmp_path / "gh-calls.txt"
    fake = tmp_path / "bin"
    fake.mkdir()
    states = tmp_path / "pr-states"  # what the forge says of each PR (`gh pr view`): OPEN unless a file says
    states.mkdir()
    (fake / "gh").write_text(
        "#!/bin/sh\n"
        'if [ "$1 $2" = "pr view" ]; then f="' + str(states) + '/${3##*/}"; '
        '[ -f "$f" ] && cat "$f" || echo OPEN; exit 0; fi\n'
        f'for a in "$@"; do printf "%s\\n" "$a" >> "{calls}"; done\n'
        f'echo "--" >> "{calls}"\n'
        'echo "https://github.com/example/calc/pull/7"\n'
    )
    (fake / "gh").chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake}:{Path('/usr/bin')}:{Path('/bin')}:" + __import__("os").environ["PATH"])
    src = make_source(tmp_path / "src" / "calc")
    start = git(src, "rev-parse", "main")
    assert gt("rig", "add", "calc", str(src), "--runtime", FAST, "--merge-strategy", strategy).code == 0

    mrs = sling_three_and_approve(town, gt, "calc")
    refinery.run_once(town, "calc")

    assert git(src, "rev-parse", "main") == start  # the target is not pushed in PR mode
    argv = calls.read_text().split("--\n")[:-1]
    assert len(argv) == 3
    for mr_id in mrs:
        mr = town.ledger.read(lambda s, m=mr_id: refinery.get(s, m))
        assert mr.state == "merged"
        assert mr.landing.state == "pr" and mr.landing.url == "https://github.com/example/calc/pull/7"
        assert git(src, "rev-parse", mr.branch) == mr.commit_sha  # the polecat's branch was pushed
        call = next(a.splitlines() for a in argv if mr.branch in a.splitlines())
        assert call[:2] == ["pr", "create"]
        assert call[call.index("--base") + 1] == "main" and call[call.index("--head") + 1] == mr.branch
    show = gt("mq", "show", mrs[0]).out
    assert "pull request https://github.com/example/calc/pull/7" in show

    def unlanded():
        return {
            m.id
            for m in town.ledger.read(
                lambda s: refinery.read_queue(s, "calc", include_closed=True, labelled=refinery.UNLANDED_LABEL)
            )
        }

    assert unlanded() == set(mrs)  # the TUI's queue keeps showing them while their PRs are open

    first = town.ledger.read(lambda s: refinery.get(s, mrs[0]))
    git(src, "merge", "-q", "--no-ff", "-m", "Merge pull request #7", first.branch)  # the forge merges one
    assert refresh(town, load_rig(town, "calc")) == ""
    assert unlanded() == set(mrs[1:])

    # the forge squash-merges the PR (its commits never reach the origin), or closes it unmerged
    monkeypatch.setattr("gastown_tui.services.refinery.push.ASK_EVERY", 0.0)
    (states / "7").write_text("MERGED\n")
    assert refresh(town, load_rig(town, "calc")) == "" and unlanded() == set()
    second = town.ledger.read(lambda s: refinery.get(s, mrs[1]))
    assert second.landing.state == "pr"  # merged upstream: it stays a pull request that landed


def test_a_pull_request_closed_unmerged_leaves_the_queue_and_says_so(town, tmp_path, monkeypatch):
    from refinery_support import feature, make_rig

    from gastown_tui.services.refinery.records import UNLANDED_LABEL, Landing
    from gastown_tui.services.refinery.verdicts import note_landing

    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "gh").write_text('#!/bin/sh\n[ "$1 $2 $3" = "pr view https://example.test/pull/3" ] && echo CLOSED\n')
    (fake / "gh").chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake}:" + __import__("os").environ["PATH"])
    monkeypatch.setattr("gastown_tui.services.refinery.push.ASK_EVERY", 0.0)
    rig = make_rig(town, tmp_path)
    rig.submit("cat0", feature(0))
    config = replace(load_rig(town, rig.name), **{"merge_strategy": "pr"})
    rig_paths(town, rig.name).config.write_text(render_rig_toml(config))
    mr_id = rig.mrs[0]
    town.ledger.write("pr opened", lambda tx: note_landing(tx, mr_id, Landing("pr", "origin/main", "0" * 40,
                                                                              url="https://example.test/pull/3")))  # fmt: skip
    assert refresh(town, load_rig(town, rig.name)) == ""
    mr = town.ledger.read(lambda s: refinery.get(s, mr_id))
    assert mr.landing.text() == "pull request https://example.test/pull/3 closed without merging"
    assert not town.ledger.read(
        lambda s: refinery.read_queue(s, rig.name, include_closed=True, labelled=UNLANDED_LABEL)
    )


def test_a_person_commits_to_the_origin_between_sling_and_merge_their_work_is_kept(lite_town, tmp_path, tmux, gt):
    town = lite_town
    src = make_source(tmp_path / "src" / "calc")
    assert gt("rig", "add", "calc", str(src), "--runtime", FAST).code == 0
    prefix = load_rig(town, "calc").prefix
    beads = [town.ledger.write("t", lambda tx, n=n: tx.create(f"Feature {n}", prefix=prefix)) for n in range(3)]
    for bead in beads:
        assert gt("sling", bead, "calc").code == 0
    mrs = wait_for(lambda: _mrs_of(town, beads), timeout=60, what="three merge requests")
    # meanwhile the person commits: one file of their own, and one the first polecat also wrote
    (src / "scripted").mkdir()
    (src / "scripted" / f"{beads[0]}.md").write_text("the person's version\n")
    (src / "mine.txt").write_text("by hand\n")
    git(src, "add", "-A")
    git(src, "commit", "-q", "-m", "the person's commit")
    theirs = git(src, "rev-parse", "HEAD")
    for mr in mrs:
        assert gt("mq", "approve", mr).code == 0

    summary = refinery.run_once(town, "calc")

    assert summary["rework"] == [mrs[0]]  # conflicts with the person's commit: back to its polecat
    assert sorted(summary["merged"]) == sorted(mrs[1:])
    assert git(src, "merge-base", "--is-ancestor", theirs, "main") == ""  # never lost, never forced over
    assert (src / "scripted" / f"{beads[0]}.md").read_text() == "the person's version\n"
    merges = git(src, "log", "--merges", "--format=%s", "main").splitlines()
    assert len(merges) == 2 and git(src, "status", "--porcelain") == ""
    rework = town.ledger.list_beads(issue_type="message", assignee="calc/polecats/furiosa", include_closed=True)
    assert any(m["title"].startswith("REWORK_REQUEST") for m in rework)
