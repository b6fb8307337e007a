"""The demo rig's sample repository: ``calc``, a small calculator module with a real unittest suite
(the demo rig's "unit tests" gate runs it), made as a fresh git repository with one commit on ``main``.
"""

from __future__ import annotations

from pathlib import Path

from ..vcs.git import git

# Whose commit the sample's first one is (the person's own git identity may be unset).
_GIT_ID = ["-c", "user.name=Demo Owner", "-c", "user.email=owner@demo.gastown.local"]
SOURCE_FILES = {
    "calc.py": '''"""A small calculator: the demo rig's code."""


def add(a, b):
    return a + b


def sub(a, b):
    return a - b


def mul(a, b):
    return a * b


def div(a, b):
    if b == 0:
        raise ZeroDivisionError("cannot divide by zero")
    return a / b
''',
    "test_calc.py": """import unittest

import calc


class CalcTest(unittest.TestCase):
    def test_add(self):
        self.assertEqual(calc.add(2, 3), 5)

    def test_sub(self):
        self.assertEqual(calc.sub(2, 3), -1)

    def test_mul(self):
        self.assertEqual(calc.mul(4, 3), 12)

    def test_div(self):
        self.assertEqual(calc.div(9, 3), 3)
        with self.assertRaises(ZeroDivisionError):
            calc.div(1, 0)


if __name__ == "__main__":
    unittest.main()
""",
    "README.md": "# calc\n\nThe demo rig of gastown-tui: a calculator with a real test suite.\n",
}


def make_source_repo(folder: Path) -> Path:
    """The sample repository at ``folder``: the module and its unittest suite, one commit on main."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in SOURCE_FILES.items():
        (folder / name).write_text(text, encoding="utf-8")
    _git(folder, "init", "-q", "-b", "main")
    _git(folder, "add", "-A")
    _git(folder, "commit", "-q", "-m", "calc: add, sub, mul, div with tests")
    return folder


def _git(cwd: Path, *args: str) -> None:
    git([*_GIT_ID, *args], cwd)
