"""A real rig for refinery tests: a source repository with a unittest suite, a rig made by
``gt rig add``'s code, polecat branches pushed into the rig's bare repo, and MR beads as
``gt done`` writes them (the shared contract)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from gastown_tui import addresses

PY = sys.executable
UNITTEST = {"name": "unittest", "command": [PY, "-m", "unittest", "-q"], "timeout": 60}
_GIT_ENV = {
    "GIT_AUTHOR_NAME": "Polecat",
    "GIT_AUTHOR_EMAIL": "polecat@example.invalid",
    "GIT_COMMITTER_NAME": "Polecat",
    "GIT_COMMITTER_EMAIL": "polecat@example.invalid",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, env={**os.environ, **_GIT_ENV}, check=False
    )
    assert proc.returncode == 0, f"git {' '.join(args)}: {proc.stderr}"
    return proc.stdout.strip()


def feature(n: int, good: bool = True) -> dict[str, str]:
    """A module and its test; a bad one's test fails."""
    expected = n if good else n + 1000
    return {
        f"feature_{n}.py": f"def value():\n    return {n}\n",
        f"test_feature_{n}.py": (
            f"import unittest\n\nimport feature_{n}\n\n\n"
            "class T(unittest.TestCase):\n"
            "    def test_value(self):\n"
            f"        self.assertEqual(feature_{n}.value(), {expected})\n"
        ),
    }


@dataclass
class Rig:
    town: object
    name: str
    root: Path
    bare: Path
    scratch: Path
    polecats: list[str] = field(default_factory=list)
    mrs: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    @property
    def prefix(self) -> str:
        from gastown_tui.services.rigs import load_rig

        return load_rig(self.town, self.name).prefix

    def main(self) -> str:
        return git(self.bare, "rev-parse", "refs/heads/main")

    def tree(self) -> str:
        return git(self.bare, "rev-parse", "refs/heads/main^{tree}")

    def files_on_main(self) -> set[str]:
        return set(git(self.bare, "ls-tree", "--name-only", "refs/heads/main").splitlines())

    def push_branch(self, branch: str, files: dict[str, str], base: str = "origin/main", message: str = "") -> str:
        git(self.scratch, "fetch", "-q", "origin")
        git(self.scratch, "checkout", "-q", "-B", branch, base)
        for path, text in files.items():
            (self.scratch / path).write_text(text)
        git(self.scratch, "add", "-A")
        git(self.scratch, "commit", "-q", "-m", message or f"work on {branch}")
        git(self.scratch, "push", "-q", "-f", "origin", f"{branch}:refs/heads/{branch}")
        return git(self.scratch, "rev-parse", "HEAD")

    def submit(self, polecat: str, files: dict[str, str], priority: int = 2, title: str = "") -> str:
        """What ``gt done`` leaves: a source bead in progress, a pushed branch, an MR bead. Returns the MR id."""
        from gastown_tui.services import refinery
        from gastown_tui.services.convoys import ensure_convoy
        from gastown_tui.services.polecats import set_agent
        from gastown_tui.services.rigs import load_rig

        config = load_rig(self.town, self.name)
        ledger = self.town.ledger
        address = addresses.polecat(self.name, polecat)
        source = ledger.write(
            "test source",
            lambda tx: tx.create(
                title or f"work for {polecat}",
                prefix=config.prefix,
                priority=priority,
                status="in_progress",
                assignee=address,
            ),
        )
        branch = f"polecat/{polecat}/{source}"
        sha = self.push_branch(branch, files)

        def done(tx) -> str:  # what gt done writes: the agent done, the convoy, the MR (refinery.submit)
            set_agent(tx, config, polecat, agent_state="done")
            ensure_convoy(tx, source)
            return refinery.submit(tx, config, polecat, source, branch, sha)

        mr = ledger.write("test done", done, actor=address)
        self.polecats.append(polecat)
        self.mrs.append(mr)
        self.sources.append(source)
        return mr

    def age_in_order(self) -> None:
        """Make queue order = submission order: created a minute apart (ids alone break same-second ties)."""
        now = time.time()
        for i, mr in enumerate(self.mrs):
            stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - 60 * (len(self.mrs) - i)))
            self.town.ledger.write(
                "test age",
                lambda tx, m=mr, s=stamp: tx.execute(
                    f"UPDATE {tx.owner(m)} SET created_at = ? WHERE id = ?", (tx.time(s), m)
                ),
            )

    def gate_ok(self, sha: str, gate: list[str] | None = None) -> bool:
        """Does the unittest gate pass on ``sha``? (Checked in a scratch checkout.)"""
        git(self.scratch, "fetch", "-q", "origin")
        git(self.scratch, "checkout", "-q", "--force", "--detach", sha)
        git(self.scratch, "clean", "-ffdxq")
        return subprocess.run(gate or UNITTEST["command"], cwd=self.scratch, capture_output=True).returncode == 0


def make_rig(
    town,
    tmp: Path,
    name: str = "gastown",
    *,
    policy: str = "auto",
    batch_size: int = 4,
    gates: list[dict] | None = None,
    **settings,
) -> Rig:
    """A source repo (with a passing unittest suite) added as rig ``name``, then configured
    (``settings``: more rig.toml keys, e.g. gate_parallelism)."""
    from gastown_tui.services.rigs import add_rig, render_rig_toml, rig_paths

    source = tmp / f"{name}-source"
    source.mkdir()
    git(source, "init", "-q", "-b", "main")
    (source / "VERSION").write_text("1\nstable\n")
    (source / "test_base.py").write_text(
        "import unittest\n\n\nclass Base(unittest.TestCase):\n    def test_truth(self):\n        self.assertTrue(True)\n"
    )
    git(source, "add", "-A")
    git(source, "commit", "-q", "-m", "base")
    config = add_rig(town, name, str(source), runtime="scripted")
    paths = rig_paths(town, name)
    config = replace(
        config, merge_policy=policy, batch_size=batch_size, gates=[UNITTEST] if gates is None else gates, **settings
    )
    paths.config.write_text(render_rig_toml(config))
    scratch = tmp / f"{name}-scratch"
    git(tmp, "clone", "-q", str(paths.repo), str(scratch))
    return Rig(town, name, paths.root, paths.repo, scratch)


def mr_states(town, mr_ids: list[str]) -> list[str]:
    from gastown_tui.services.refinery import get

    return town.ledger.read(lambda s: [get(s, mr).state for mr in mr_ids])


def mail_to(town, address: str, kind: str) -> list[dict]:
    """Messages to ``address`` whose subject starts with ``kind``."""
    beads = town.ledger.list_beads(label="gt:message", assignee=address, include_closed=True, order="created")
    return [b for b in beads if b["title"].startswith(kind)]
