"""beads' own schema, from its vendored migration SQL (release v1.0.5), made as bd makes it."""

from __future__ import annotations

from importlib import resources

import pytest
from bd_support import bd_database, schema_of, sqlite_ddl

from gastown_tui.errors import LedgerUnavailable
from gastown_tui.ledger import Ledger, beads_schema
from gastown_tui.ledger.beads_schema import adapt, migrations, statements


def test_the_vendored_release_is_named_with_its_licence_and_every_migration():
    sql_dir = beads_schema.resources.files("gastown_tui.ledger").joinpath("beads_sql")
    source = sql_dir.joinpath("SOURCE.md").read_text()
    assert "v1.0.5" in source and "6a3f515ced18406c189c55fff789a4925bfaa35c" in source
    assert "MIT License" in sql_dir.joinpath("LICENSE.beads").read_text()
    assert [m.version for m in migrations("migrations")] == list(range(1, 50))
    assert [m.version for m in migrations("migrations/ignored")] == list(range(1, 9))


def test_statements_split_on_semicolons_outside_quotes_and_drop_comments():
    sql = "-- a note; not a statement\nSET @sql = 'a;b''c';\nPREPARE stmt FROM @sql; EXECUTE stmt;\n\n"
    assert statements(sql) == ["SET @sql = 'a;b''c'", "PREPARE stmt FROM @sql", "EXECUTE stmt"]


def test_on_dolt_every_statement_runs_as_written():
    for folder, _ in beads_schema.SOURCES:
        for migration in migrations(folder):
            for statement in statements(migration.sql):
                assert adapt(statement, is_dolt=True) == statement


def test_elsewhere_only_the_named_statements_are_adapted():
    changed = set()
    for folder, _ in beads_schema.SOURCES:
        for migration in migrations(folder):
            for statement in statements(migration.sql):
                if adapt(statement, is_dolt=False) != statement:
                    changed.add(f"{folder.removeprefix('migrations').strip('/')}/{migration.version}")
    # dolt_ignore / dolt_nonlocal_tables / DOLT_COMMIT; CHECK and generated column on cascading FKs;
    # WITH RECURSIVE … UPDATE.
    assert changed == {"/19", "/21", "/28", "/40", "/41", "/46", "/47", "ignored/3", "ignored/7"}


def test_mariadb_gets_beads_tables_at_the_release_and_a_second_run_changes_nothing():
    with bd_database() as (_, cur):
        for _, table in beads_schema.SOURCES:
            assert beads_schema.current_version(cur, table) == beads_schema.latest(
                "migrations" if table == "schema_migrations" else "migrations/ignored"
            )
        assert beads_schema.current_version(cur, "schema_migrations") == 49
        shape = schema_of(cur)
        for table in ("issues", "wisps", "labels", "wisp_labels", "comments", "wisp_comments", "events"):
            assert table in shape
        for table in ("dependencies", "wisp_dependencies"):
            cur.execute(f"SHOW COLUMNS FROM {table}")
            columns = [row[0] for row in cur.fetchall()]
            assert {"id", "depends_on_issue_id", "depends_on_wisp_id", "depends_on_external"} <= set(columns)
            assert "depends_on_id" not in columns
        cur.execute("SHOW COLUMNS FROM events WHERE Field = 'id'")
        assert cur.fetchone()[1] == "char(36)"
        assert beads_schema.migrate(cur.connection, is_dolt=False) == 0
        assert schema_of(cur) == shape


def test_a_mysql_ledger_this_project_makes_has_exactly_beads_tables(ledger_url):
    if not ledger_url.startswith("mysql"):
        pytest.skip("the doltlite twin is checked below")
    import pymysql

    made = Ledger.open(ledger_url)
    made.create()
    made.close()
    conn = pymysql.connect(host="127.0.0.1", user="root", database=ledger_url.rsplit("/", 1)[1])
    try:
        ours = schema_of(conn.cursor())
        assert beads_schema.current_version(conn.cursor(), "schema_migrations") == 49
    finally:
        conn.close()
    with bd_database() as (_, cur):
        theirs = schema_of(cur)
    assert {k: v for k, v in ours.items() if not k.startswith("gt_")} == theirs
    assert all(name.startswith("gt_") for name in set(ours) - set(theirs))


def test_the_doltlite_ddl_is_beads_tables_as_its_sql_makes_them(tmp_path):
    with bd_database() as (_, cur):
        expected = sqlite_ddl(cur)
        cur.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = DATABASE()"
            " AND table_name IN (SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()"
            " AND table_type = 'BASE TABLE') ORDER BY table_name, ordinal_position"
        )
        columns: dict[str, list[str]] = {}
        for table, column in cur.fetchall():
            columns.setdefault(table, []).append(column)
    vendored = resources.files("gastown_tui.ledger").joinpath("beads_sql", "sqlite.sql").read_text()
    assert vendored == expected, "regenerate beads_sql/sqlite.sql with tests/bd_support.py:sqlite_ddl"
    made = Ledger.open(f"doltlite://{tmp_path}/ledger.db")
    made.create()

    def read(session):
        tables = [r["name"] for r in session.rows("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {
            table: [r["name"] for r in session.rows(f"SELECT name FROM pragma_table_info('{table}')")]
            for table in tables
            if not table.startswith(("gt_", "sqlite_", "dolt"))
        }

    assert made.read(read) == columns
    assert made.read(lambda s: s.scalar("SELECT MAX(version) FROM schema_migrations")) == 49
    made.close()


def test_a_ledger_an_earlier_gastown_tui_made_is_one_clear_error(tmp_path):
    import sqlite3

    path = tmp_path / "old.db"
    sqlite3.connect(path).execute("CREATE TABLE issues (id TEXT PRIMARY KEY)").connection.commit()
    old = Ledger.open(f"doltlite://{path}")
    with pytest.raises(LedgerUnavailable, match="layout of an earlier gastown-tui.*run gt ledger upgrade") as caught:
        old.list_beads()
    assert "--dry-run" in caught.value.hint
    old.close()
