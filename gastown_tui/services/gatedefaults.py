"""A new rig's gate, proposed from its repository: the test command the layout makes obvious.

Read from the rig's bare clone at its default branch (no checkout needed): a pytest configuration,
a unittest layout, a ``package.json`` test script, a ``Makefile`` ``test`` target, ``go.mod`` or
``Cargo.toml``. The first that matches wins; ``gt rig add`` prints what it chose and how to change it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

GATE_TIMEOUT = 600.0
_NPM_PLACEHOLDER = "no test specified"  # what ``npm init`` writes as the test script


@dataclass(frozen=True)
class Proposal:
    command: tuple[str, ...]
    reason: str  # which file made it obvious: the gate's name

    def gate(self) -> dict[str, object]:
        return {"name": self.reason, "command": list(self.command), "timeout": GATE_TIMEOUT}


def propose(repo: Path, branch: str) -> Proposal | None:
    """The gate the repository's layout suggests at ``branch``, None when nothing is obvious."""
    from ..vcs import git

    paths = git.git(["ls-tree", "-r", "--name-only", f"refs/heads/{branch}", "--"], repo).splitlines()
    top = set(paths)

    def text(path: str) -> str:
        return git.git(["show", f"refs/heads/{branch}:{path}"], repo, check=False) if path in top else ""

    pytest_cfg = (
        {"pytest.ini", "conftest.py"} & top
        or "[tool.pytest" in text("pyproject.toml")
        or "[tool:pytest]" in text("setup.cfg")
        or "[pytest]" in text("tox.ini")
    )
    if pytest_cfg:
        return Proposal(("python3", "-m", "pytest", "-q"), "pytest (pytest configuration)")
    if any(re.fullmatch(r"test_[^/]*\.py|[^/]*_test\.py", p) for p in paths):
        return Proposal(("python3", "-m", "unittest", "-q"), "unittest (test_*.py)")
    if any(re.fullmatch(r"tests?/(.*/)?test_[^/]*\.py", p) for p in paths):
        folder = "tests" if any(p.startswith("tests/") for p in paths) else "test"
        return Proposal(("python3", "-m", "unittest", "discover", "-q", "-s", folder), f"unittest ({folder}/test_*.py)")
    try:
        script = json.loads(text("package.json") or "{}").get("scripts", {}).get("test", "")
    except (ValueError, AttributeError):
        script = ""
    if isinstance(script, str) and script and _NPM_PLACEHOLDER not in script:
        return Proposal(("npm", "test"), "npm test (package.json)")
    if re.search(r"^test\s*:", text("Makefile"), re.MULTILINE):
        return Proposal(("make", "test"), "make test (Makefile)")
    if "go.mod" in top:
        return Proposal(("go", "test", "./..."), "go test (go.mod)")
    if "Cargo.toml" in top:
        return Proposal(("cargo", "test"), "cargo test (Cargo.toml)")
    return None
