"""beads' own schema, from its vendored migration SQL (release v1.0.5), made as bd makes it."""

from __future__ import annotations

from bd_support import bd_database, schema_of

from gastown_tui.ledger import beads_schema
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
