"""Shared fixtures: real ledgers on both backends, towns, and a way to run ``gt``."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import uuid
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest

from gastown_tui.ledger.embedded import load_sqlite

load_sqlite()  # before anything imports sqlite3 (see ledger/embedded.py)

# Gas Town's own ledger backup (MIT, see its LICENSE.gastown), kept inside the repository so that
# a plain clone passes the tests.
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "gastown-ledger"
MYSQL = os.environ.get("GT_TEST_MYSQL", "mysql://root@127.0.0.1:3306")
GT = str(Path(sys.executable).with_name("gt"))


def _mysql_admin():
    import pymysql

    return pymysql.connect(host="127.0.0.1", port=3306, user="root", password="", autocommit=True)


@pytest.fixture(params=["doltlite", "mysql"])
def ledger_url(request, tmp_path):
    """A ledger URL on each backend; MySQL gets a throwaway database."""
    if request.param == "doltlite":
        yield f"doltlite://{tmp_path}/ledger.db"
        return
    name = "gt_test_" + uuid.uuid4().hex[:12]
    yield f"{MYSQL}/{name}"
    conn = _mysql_admin()
    conn.cursor().execute(f"DROP DATABASE IF EXISTS `{name}`")
    conn.close()


@pytest.fixture
def ledger(ledger_url):
    from gastown_tui.ledger import Ledger

    led = Ledger.open(ledger_url)
    led.create()
    led.write("install", lambda tx: tx.set_config("issue_prefix", "gt"))
    yield led
    led.close()


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self):
        return json.loads(self.out)


@pytest.fixture
def town(tmp_path, ledger_url, monkeypatch):
    """A fresh town (on each backend) with GT_TOWN pointing at it."""
    from gastown_tui.town import install

    url = ledger_url if ledger_url.startswith("mysql") else None
    t = install(str(tmp_path / "town"), url)
    monkeypatch.setenv("GT_TOWN", str(t.root))
    monkeypatch.delenv("GT_ACTOR", raising=False)
    yield t
    t.ledger.close()


@pytest.fixture
def gt():
    """Run ``gt`` in-process: gt("bead", "list", "--json") -> Result."""
    from gastown_tui.cli.main import main

    def run(*argv: str) -> Result:
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            try:
                code = main([str(a) for a in argv])
            except SystemExit as exc:
                code = int(exc.code or 0)
        return Result(code, out.getvalue(), err.getvalue())

    return run


def run_gt(*argv: str, env: dict | None = None, cwd: str | None = None, timeout: float = 60) -> Result:
    """Run the installed ``gt`` as its own process."""
    proc = subprocess.run(
        [GT, *map(str, argv)],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        timeout=timeout,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)
