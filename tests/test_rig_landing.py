"""What ``gt rig add`` decides about landing: the gate it proposes from the repository, the forge
check of pull-request mode, and credentials kept out of output and the ledger."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest
from polecat_support import git, lite_town_fixture, make_source  # noqa: F401 (fixtures)

from gastown_tui.services.gatedefaults import propose
from gastown_tui.services.rigs import load_rig, render_rig_toml, rig_paths
from gastown_tui.vcs.git import redact

LAYOUTS = [
    ({"pyproject.toml": "[tool.pytest.ini_options]\n", "src/a.py": ""}, ["python3", "-m", "pytest", "-q"]),
    ({"conftest.py": "", "a.py": ""}, ["python3", "-m", "pytest", "-q"]),
    ({"test_calc.py": "", "calc.py": ""}, ["python3", "-m", "unittest", "-q"]),
    (
        {"tests/test_calc.py": "", "calc/__init__.py": ""},
        ["python3", "-m", "unittest", "discover", "-q", "-s", "tests"],
    ),
    ({"package.json": '{"scripts": {"test": "jest"}}'}, ["npm", "test"]),
    ({"package.json": '{"scripts": {"test": "echo \\"Error: no test specified\\" && exit 1"}}'}, None),
    ({"Makefile": "build:\n\tcc x.c\n\ntest: build\n\t./run\n"}, ["make", "test"]),
    ({"Makefile": "build:\n\tcc x.c\n"}, None),
    ({"go.mod": "module x\n", "main.go": ""}, ["go", "test", "./..."]),
    ({"Cargo.toml": "[package]\n", "src/main.rs": ""}, ["cargo", "test"]),
    ({"README.md": "# nothing to run\n"}, None),
]


def repo_with(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True)
    git(folder, "init", "-q", "-b", "main")
    for path, text in files.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_text(text)
    git(folder, "add", "-A")
    git(folder, "commit", "-q", "-m", "layout")
    return folder


@pytest.mark.parametrize(("files", "command"), LAYOUTS)
def test_the_gate_proposed_from_each_repository_layout(tmp_path, files, command):
    repo = repo_with(tmp_path / "repo", files)
    got = propose(repo, "main")
    assert (list(got.command) if got else None) == command


def test_rig_add_proposes_the_gate_says_so_and_writes_it_to_rig_toml(lite_town, tmp_path, gt):
    src = repo_with(tmp_path / "calc", {"test_calc.py": "import unittest\n", "calc.py": ""})
    out = gt("rig", "add", "calc", str(src), "--runtime", "scripted")
    assert out.code == 0
    assert "gate unittest (test_*.py): python3 -m unittest -q — proposed from the repository" in out.out
    assert "rig.toml" in out.out and "merged work goes to origin/main" in out.out
    assert f"main is checked out in {src}: it moves with each merge while the tree is clean" in out.out
    gates = load_rig(lite_town, "calc").gates
    assert [(g.name, g.command) for g in gates] == [("unittest (test_*.py)", ["python3", "-m", "unittest", "-q"])]

    src2 = repo_with(tmp_path / "web", {"test_web.py": ""})
    out = gt("rig", "add", "web", str(src2), "--runtime", "scripted", "--no-gates")
    assert "no gate: anything merges" in out.out and load_rig(lite_town, "web").gates == []


def test_pull_request_mode_without_gh_is_refused_up_front_and_leaves_nothing(lite_town, tmp_path, gt, monkeypatch):
    bare_path = tmp_path / "path"
    bare_path.mkdir()
    for tool in ("git", "tmux"):
        target = next(Path(d) / tool for d in os.environ["PATH"].split(":") if (Path(d) / tool).exists())
        (bare_path / tool).symlink_to(target)
    monkeypatch.setenv("PATH", str(bare_path))
    src = make_source(tmp_path / "calc")

    out = gt("rig", "add", "calc", str(src), "--runtime", "scripted", "--merge-strategy", "pr")

    assert out.code != 0 and "Traceback" not in out.err
    assert "gh is not on PATH" in out.err
    assert not (lite_town.root / "calc").exists()

    # set in rig.toml by hand: gt rig show says so
    assert gt("rig", "add", "calc", str(src), "--runtime", "scripted").code == 0
    config = replace(load_rig(lite_town, "calc"), **{"merge_strategy": "pr"})
    rig_paths(lite_town, "calc").config.write_text(render_rig_toml(config))
    show = gt("rig", "show", "calc")
    assert "merged work goes to pull requests (gh) against origin/main" in show.out
    assert '! merge_strategy = "pr" needs the GitHub CLI: gh is not on PATH' in show.out


def test_a_bad_push_branch_in_rig_toml_is_a_clear_error(lite_town, tmp_path, gt):
    src = make_source(tmp_path / "calc")
    assert gt("rig", "add", "calc", str(src), "--runtime", "scripted").code == 0
    path = rig_paths(lite_town, "calc").config
    path.write_text(path.read_text().replace('push_branch = ""', 'push_branch = "-x..y"'))
    out = gt("rig", "show", "calc")
    assert out.code != 0 and "push_branch" in out.err and "bad branch name" in out.err
    assert "Traceback" not in out.err


def test_credentials_are_cut_from_urls_and_nothing_else():
    assert redact("https://me:tok3n@github.com/o/r.git") == "https://github.com/o/r.git"
    assert redact("fatal: unable to access 'https://x-access-token:abc@host/r/': 403") == (
        "fatal: unable to access 'https://host/r/': 403"
    )
    assert redact("ssh://git@host/r.git and /home/me/src") == "ssh://host/r.git and /home/me/src"
    assert redact("git@github.com:o/r.git") == "git@github.com:o/r.git"  # a user name, no secret


def test_a_url_with_a_token_that_cannot_be_read_is_refused_without_showing_the_token(lite_town, gt):
    out = gt("rig", "add", "calc", "https://me:s3cret@127.0.0.1:9/calc.git", "--runtime", "scripted")
    assert out.code != 0 and "Traceback" not in out.err
    assert "https://127.0.0.1:9/calc.git is not a git repository I can read" in out.err
    assert "s3cret" not in out.err + out.out
