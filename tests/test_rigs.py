"""Rigs on both ledger backends: gt rig add/list/show/remove, bad input, and a sling on each."""

from __future__ import annotations

import pytest
from polecat_support import FAST, HANG, git, make_source, mr_for, new_bead, tmux_server, wait_for  # noqa: F401

from gastown_tui.config import RigConfig, load_model
from gastown_tui.errors import Conflict
from gastown_tui.fieldlines import parse_fields
from gastown_tui.runtime.presets import resolve
from gastown_tui.services import polecats
from gastown_tui.services.rigs import derive_prefix, rig_paths
from gastown_tui.vcs.git import GitError
from gastown_tui.vcs.git import run as run_git


def test_rig_add_clones_configures_and_registers(town, gt, tmp_path):
    source = make_source(tmp_path / "src", branch="trunk")
    res = gt("rig", "add", "gastown", str(source), "--runtime", "scripted", "--json")
    assert res.code == 0, res.err
    assert res.json()["prefix"] == "gt" and res.json()["default_branch"] == "trunk"
    paths = rig_paths(town, "gastown")
    config = load_model(RigConfig, paths.config)
    assert (config.name, config.source, config.runtime) == ("gastown", str(source), "scripted")
    assert git(paths.repo, "rev-parse", "--is-bare-repository") == "true"
    assert git(paths.repo, "rev-parse", "trunk") == git(source, "rev-parse", "trunk")
    assert git(paths.refinery, "rev-parse", "HEAD") == git(source, "rev-parse", "trunk")
    rig_bead = town.ledger.get("hq-rig-gastown")
    assert rig_bead["issue_type"] == "rig" and parse_fields(rig_bead["description"])["default_branch"] == "trunk"
    for role in ("witness", "refinery"):
        agent = town.ledger.get(f"gt-gastown-{role}")
        assert agent["title"] == f"gastown/{role}" and "gt:agent" in town.ledger.read(
            lambda s, a=agent: s.labels(a["id"])
        )
        assert parse_fields(agent["description"])["role_type"] == role
    listed = gt("rig", "list", "--json").json()
    assert [(r["name"], r["polecats"]) for r in listed] == [("gastown", 0)]
    shown = gt("rig", "show", "gastown")
    assert "gastown  (prefix gt, bead hq-rig-gastown)" in shown.out and "gates: none" in shown.out


@pytest.mark.parametrize("ledger_url", ["doltlite"], indirect=True)
def test_a_checkout_on_a_feature_branch_lands_on_its_mainline_unless_told(town, gt, tmp_path):
    source = make_source(tmp_path / "src")  # on main
    git(source, "checkout", "-q", "-b", "my-work")
    added = gt("rig", "add", "calc", str(source), "--runtime", "scripted")
    assert added.code == 0 and "branch main" in added.out  # not the person's half-done branch
    clone = tmp_path / "clone"  # a clone whose origin says develop is the default, on a feature branch
    git(tmp_path, "clone", "-q", str(source), str(clone))
    for name in ("develop", "main"):
        git(clone, "branch", "-q", name, "origin/main")
    git(clone, "symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/develop")
    git(clone, "checkout", "-q", "-b", "mine")
    assert gt("rig", "add", "two", str(clone), "--runtime", "scripted", "--json").json()["default_branch"] == "develop"
    lone = make_source(tmp_path / "lone", branch="work")  # nothing else to land on: its own branch
    assert gt("rig", "add", "three", str(lone), "--runtime", "scripted", "--json").json()["default_branch"] == "work"
    told = gt("rig", "add", "four", str(source), "--runtime", "scripted", "--branch", "my-work", "--json")
    assert told.json()["default_branch"] == "my-work"


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["bad name", "{src}"], 2, "bad rig name"),
        (["../up", "{src}"], 2, "bad rig name"),
        (["polecats", "{src}"], 2, "reserved"),
        (["ok", "{tmp}/nothing-here"], 1, "not a git repository"),
        (["ok", "--", "-uoops"], 2, "bad repository source"),
        (["ok", "{src}", "--branch", "nope"], 2, "no branch 'nope'"),
        (["ok", "{src}", "--prefix", "Bad!"], 2, "bad bead prefix"),
        (["ok", "{src}", "--prefix", "hq"], 1, "already used by the town"),
        (["ok", "{src}", "--runtime", "nonesuch"], 2, "unknown runtime"),
    ],
)
def test_bad_rig_input_is_one_clear_line_and_leaves_nothing(town, gt, tmp_path, argv, code, message):
    source = make_source(tmp_path / "src")
    argv = [a.format(src=source, tmp=tmp_path) for a in argv]
    res = gt("rig", "add", *argv)
    assert res.code == code and message in res.err, res.err
    assert "Traceback" not in res.err and res.err.startswith("gt: ")
    assert sorted(p.name for p in town.root.iterdir() if p.is_dir()) == [], "half-made rig left behind"
    assert town.ledger.list_beads(issue_type="rig") == []


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (('default_branch = "main"', 'default_branch = "-main"'), "bad branch name '-main'"),
        (('name = "gastown"', 'name = "other"'), "but the rig's folder is 'gastown'"),
        (('merge_policy = "approve"', 'merge_policy = "yolo"'), "merge_policy"),
        (('name = "gastown"', 'name = "gastown'), "malformed TOML"),
    ],
)
def test_a_broken_rig_toml_is_named_with_its_problem(town, gt, tmp_path, edit, message):
    assert gt("rig", "add", "gastown", str(make_source(tmp_path / "src"))).code == 0
    path = town.root / "gastown" / "rig.toml"
    text = path.read_text()
    assert edit[0] in text
    path.write_text(text.replace(edit[0], edit[1]))
    res = gt("rig", "show", "gastown")
    assert res.code != 0 and message in res.err and str(path) in res.err, res.err
    assert "Traceback" not in res.err


def test_second_rig_with_the_same_prefix_is_refused_and_rig_remove(town, gt, tmp_path):
    source = make_source(tmp_path / "src")
    assert gt("rig", "add", "gastown", str(source)).code == 0
    res = gt("rig", "add", "gasworks", str(source), "--prefix", "gt")
    assert res.code == 1 and "already used by rig gastown" in res.err
    assert not (town.root / "gasworks").exists()
    res = gt("rig", "remove", "gastown")
    assert res.code == 0, res.err
    assert not (town.root / "gastown").exists()
    assert town.ledger.get("hq-rig-gastown")["status"] == "closed"
    assert gt("rig", "show", "gastown").code == 1
    assert gt("rig", "add", "gastown", str(source)).code == 0  # the name can be used again
    assert town.ledger.get("hq-rig-gastown")["status"] == "open"


def test_prefixes_are_derived_like_gas_towns():
    assert derive_prefix("gastown") == "gt"
    assert derive_prefix("my-project") == "mp"
    assert derive_prefix("MyProject") == "mp"
    assert derive_prefix("beads") == "be"
    assert derive_prefix("api") == "api"
    assert derive_prefix("tools-py") == "to"


def test_presets_build_argument_lists():
    prompt = "[GAS TOWN] do $(x) 'now'"
    assert resolve(None, "claude").argv(prompt) == ["claude", "--dangerously-skip-permissions", prompt]
    assert resolve(None, "gemini").argv(prompt)[-2:] == ["-i", prompt]
    assert resolve(None, "opencode").env["OPENCODE_PERMISSION"]
    assert resolve(None, "codex").argv(prompt) == ["codex", "--dangerously-bypass-approvals-and-sandbox"]
    assert resolve(None, "aider").prompt == "type"
    scripted = resolve(None, "scripted:hang,fast").argv(prompt)
    assert scripted[1:5] == ["-m", "gastown_tui.runtime.scripted", "--hang", "--fast"] and scripted[-1] == prompt
    with pytest.raises(Exception, match="only scripted takes switches"):
        resolve(None, "claude:hang")


@pytest.mark.parametrize("ledger_url", ["doltlite"], indirect=True)
def test_a_rig_whose_clone_was_moved_away_says_so(town, gt, tmp_path):
    """A missing folder read as "git is not installed" (git's cwd gone), or as a bare errno."""
    assert gt("rig", "add", "gastown", str(make_source(tmp_path / "src")), "--runtime", "scripted").code == 0
    paths = rig_paths(town, "gastown")
    paths.repo.rename(tmp_path / "moved")
    res = gt("sling", new_bead(town), "gastown")
    assert res.code != 0 and "Traceback" not in res.err
    assert f"{paths.repo} is missing" in res.err and "git is not installed" not in res.err, res.err
    with pytest.raises(GitError, match="is missing"):
        run_git(["status"], cwd=tmp_path / "nowhere")


def test_sling_and_done_on_each_backend(town, tmp_path, tmux):
    """The whole claim → session → gt done path, with the agent writing to this backend."""
    from gastown_tui.services.rigs import add_rig

    add_rig(town, "gastown", str(make_source(tmp_path / "src")), runtime=FAST)
    busy = new_bead(town, "Stay busy")
    got = polecats.sling(town, busy, "gastown", runtime=HANG)
    assert town.ledger.get(busy)["status"] == "hooked"
    assert tmux.environment(got["session"])["GT_ACTOR"] == "gastown/polecats/furiosa"
    with pytest.raises(Conflict):
        polecats.sling(town, busy, "gastown")
    bead = new_bead(town, "Finish on this backend")
    done = polecats.sling(town, bead, "gastown")
    assert done["polecat"] == "nux"
    wait_for(lambda: mr_for(town, bead) and not tmux.has_session(done["session"]), what="gt done")
    info = parse_fields(mr_for(town, bead)["description"])
    assert git(rig_paths(town, "gastown").repo, "rev-parse", info["branch"]) == info["commit_sha"]
    rows = {p.name: p.state for p in polecats.list_polecats(town, "gastown")}
    assert rows == {"furiosa": "working", "nux": "idle"}


def test_polecats_never_import_rigs_so_there_is_no_cycle():
    """rigs → polecats → rigpaths: polecats (and rigpaths) reach rig folders and rig.toml through
    rigpaths, never through rigs — not even inside a function."""
    import ast
    import subprocess
    import sys
    from pathlib import Path

    import gastown_tui.services.polecats as package

    def imported(path: Path) -> set[str]:
        """Every services module ``path`` imports, by its last name (``..rigs`` → rigs)."""
        out = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                out |= {(node.module or "").split(".")[-1]} | {alias.name for alias in node.names}
        return out

    folder = Path(package.__file__).parent
    for path in folder.glob("*.py"):
        assert "rigs" not in imported(path), path.name
    assert not {"rigs", "polecats"} & imported(folder.parent / "rigpaths.py")
    probe = "import sys, gastown_tui.services.polecats\nprint('gastown_tui.services.rigs' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_a_rig_toml_read_again_and_again_asks_git_about_its_branch_once(town, gt, tmp_path, monkeypatch):
    """The daemon reads its rigs' rig.toml every few seconds: git checks a branch name once per name."""
    from gastown_tui.errors import InvalidInput
    from gastown_tui.services.rigpaths import load_rig
    from gastown_tui.vcs import git as vcs_git

    assert gt("rig", "add", "gastown", str(make_source(tmp_path / "src"))).code == 0
    vcs_git._ref_format_ok.cache_clear()
    asked = []
    real = vcs_git.run
    monkeypatch.setattr(vcs_git, "run", lambda args, *rest, **kw: asked.append(args[0]) or real(args, *rest, **kw))
    for _ in range(3):
        assert load_rig(town, "gastown").default_branch == "main"
    assert asked == ["check-ref-format"]
    path = town.root / "gastown" / "rig.toml"
    path.write_text(path.read_text().replace('default_branch = "main"', 'default_branch = "a..b"'))
    for _ in range(2):  # a name git refuses stays refused
        with pytest.raises(InvalidInput, match="bad branch name 'a..b'"):
            load_rig(town, "gastown")


def test_git_is_asked_once_whether_one_commit_descends_from_another(tmp_path, monkeypatch):
    """The refinery asks on every pass whether the pushed commit holds the target's tip: commits are
    fixed, so each question about two full commit ids goes to git once; one it cannot answer yet, again."""
    from gastown_tui.vcs import git as vcs_git

    repo = make_source(tmp_path / "src")
    first, second = git(repo, "rev-parse", "HEAD~1"), git(repo, "rev-parse", "HEAD")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    (clone / "more.txt").write_text("more\n")
    git(clone, "add", "more.txt")
    git(clone, "commit", "-q", "-m", "third")
    third = git(clone, "rev-parse", "HEAD")  # not in repo yet
    asked = []
    real = vcs_git.run
    monkeypatch.setattr(vcs_git, "run", lambda args, *rest, **kw: asked.append(args[0]) or real(args, *rest, **kw))
    for _ in range(3):
        assert vcs_git.is_ancestor(repo, first, second) and not vcs_git.is_ancestor(repo, second, first)
    assert asked == ["merge-base", "merge-base"]
    assert not vcs_git.is_ancestor(repo, second, third)  # git does not have it: no answer kept
    git(repo, "fetch", "-q", str(clone), "main")
    assert vcs_git.is_ancestor(repo, second, third)
