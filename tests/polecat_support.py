"""Fixtures of the rig / polecat / witness tests: a private tmux server, real git repos, rigs.

Test modules import the fixtures by their function names (``tmux_server``, ``lite_town_fixture``,
``rig_fixture``) and use them as ``tmux``, ``lite_town``, ``rig``. Every tmux-using test gets its own
tmux folder (``TMUX_TMPDIR`` in a short temp dir, ``TMUX`` unset) whose servers — the town's own
``tmux -L`` server among them — are killed at teardown, so no session outlives its test.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from gastown_tui.runtime.tmux import Tmux, socket_name

FAST = "scripted:fast"
HANG = "scripted:hang,fast"
GIT_ID = ["-c", "user.name=tester", "-c", "user.email=tester@example.invalid"]


def wait_for(predicate: Callable[[], object], timeout: float = 20.0, what: str = "condition"):
    """Poll ``predicate`` until it returns something truthy (returned), or fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        got = predicate()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *GIT_ID, *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def make_source(folder: Path, branch: str = "main") -> Path:
    """A real repository with two commits on ``branch``."""
    folder.mkdir(parents=True)
    git(folder, "init", "-q", "-b", branch)
    (folder / "README.md").write_text("# demo\n")
    git(folder, "add", "README.md")
    git(folder, "commit", "-q", "-m", "first")
    (folder / "app.py").write_text("print('hello')\n")
    git(folder, "add", "app.py")
    git(folder, "commit", "-q", "-m", "second")
    return folder


class TownServer(Tmux):
    """The tmux server of the town ``GT_TOWN`` names at each call (the test's town, once its fixture
    has run), else the default server: where the services put the test's agent sessions."""

    def _run(self, *args: str, check: bool = True):
        root = os.environ.get("GT_TOWN")
        self.socket = socket_name(root) if root else None
        return super()._run(*args, check=check)


def kill_servers(folder: str) -> None:
    """Every tmux server with a socket under ``folder`` (a test's TMUX_TMPDIR): towns', terminals', default."""
    for sockets in Path(folder).glob("tmux-*"):
        for socket in sockets.iterdir():
            subprocess.run(["tmux", "-S", str(socket), "kill-server"], capture_output=True, timeout=10)


@pytest.fixture(name="tmux")
def tmux_server(monkeypatch):
    """A private tmux folder for this test (``TMUX_TMPDIR``) and its town's server; every server
    in the folder is killed afterwards."""
    folder = tempfile.mkdtemp(prefix="gt-tmux-")
    monkeypatch.setenv("TMUX_TMPDIR", folder)
    monkeypatch.delenv("TMUX", raising=False)
    yield TownServer()
    kill_servers(folder)
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(name="lite_town")
def lite_town_fixture(tmp_path, monkeypatch):
    """A town on the embedded doltlite ledger (fast: the tmux-heavy tests use it)."""
    from gastown_tui.town import install

    town = install(str(tmp_path / "town"))
    monkeypatch.setenv("GT_TOWN", str(town.root))
    monkeypatch.delenv("GT_ACTOR", raising=False)
    yield town
    town.ledger.close()


def add_rig(town, tmp_path: Path, name: str = "gastown", runtime: str = FAST, **settings):
    """A rig cloned from a fresh source repository; extra rig.toml ``settings`` are written in."""
    from gastown_tui.services.rigs import add_rig as make
    from gastown_tui.services.rigs import load_rig, render_rig_toml, rig_paths

    source = make_source(tmp_path / f"src-{name}")
    config = make(town, name, str(source), runtime=runtime)
    if settings:
        config = replace(config, **settings)
        rig_paths(town, name).config.write_text(render_rig_toml(config))
        config = load_rig(town, name)
    return config


@pytest.fixture(name="rig")
def rig_fixture(lite_town, tmp_path, tmux):
    return add_rig(lite_town, tmp_path)


def new_bead(town, title: str = "Add a feature", **columns) -> str:
    return town.ledger.write("test", lambda tx: tx.create(title, prefix="gt", **columns))


def scripted_log(town, session: str) -> str:
    path = Path(town.root) / ".runtime" / "scripted" / f"{session}.log"
    return path.read_text(encoding="utf-8") if path.exists() else ""


def agent_fields(town, agent_id: str) -> dict[str, str]:
    from gastown_tui.fieldlines import parse_fields

    return parse_fields(town.ledger.get(agent_id)["description"])


def mr_for(town, bead_id: str) -> dict | None:
    found = town.ledger.read(
        lambda s: s.rows(
            "SELECT * FROM gt_issues WHERE issue_type = 'merge-request' AND title = ?", (f"Merge: {bead_id}",)
        )
    )
    assert len(found) <= 1, f"duplicate merge requests for {bead_id}"
    return found[0] if found else None
