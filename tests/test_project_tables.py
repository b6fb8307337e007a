"""This project's own tables are ``gt_``-prefixed, beside beads' tables; a ledger made before one
of them existed gets it when opened, and a database without beads' tables is left untouched."""

from __future__ import annotations

from pathlib import Path

import pytest

from gastown_tui.errors import LedgerUnavailable
from gastown_tui.ledger import Ledger
from gastown_tui.ledger.schema import project_tables
from gastown_tui.ledger.transfer import import_backup

SHAPES = Path(__file__).resolve().parent / "fixtures" / "beads-shapes"


def test_a_ledger_from_before_the_project_tables_gets_them_on_open(ledger_url):
    old = Ledger.open(ledger_url)
    old.create()
    tables = project_tables(old.backend.dialect)
    assert all(name.startswith("gt_") for name in tables)

    def drop(tx):
        for name in tables:
            tx.execute(f"DROP TABLE {name}")

    old.write("downgrade", drop)
    old.close()

    reopened = Ledger.open(ledger_url)
    assert reopened.write("lease", lambda tx: tx.take_lease("refinery:x", "me:h:1:n", 30))
    assert import_backup(reopened, str(SHAPES / "single-v1.0.0.jsonl"))["issues"] == 4
    reopened.close()


def test_a_database_without_beads_tables_is_not_written_to(tmp_path):
    import sqlite3

    path = tmp_path / "other.db"
    sqlite3.connect(path).execute("CREATE TABLE notes (x TEXT)").connection.commit()
    other = Ledger.open(f"doltlite://{path}")
    with pytest.raises(LedgerUnavailable, match="has no schema"):
        other.list_beads()
    other.close()
    names = {r[0] for r in sqlite3.connect(path).execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert names == {"notes"}
