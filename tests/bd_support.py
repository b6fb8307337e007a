"""A database as ``bd`` makes it: beads' vendored migrations run on MariaDB (see ledger/beads_schema.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from conftest import _mysql_admin
from gastown_tui.ledger import beads_schema


@contextmanager
def bd_database(prefix: str = "gt_bd_") -> Iterator[tuple[str, object]]:
    """A throwaway database at beads' release schema: its name and an open (autocommit) cursor in it."""
    import pymysql

    name = prefix + uuid.uuid4().hex[:10]
    admin = _mysql_admin()
    admin.cursor().execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    conn = pymysql.connect(host="127.0.0.1", port=3306, user="root", password="", database=name)
    try:
        beads_schema.migrate(conn, is_dolt=False)
        conn.autocommit(True)
        yield name, conn.cursor()
    finally:
        conn.close()
        admin.cursor().execute(f"DROP DATABASE IF EXISTS `{name}`")
        admin.close()


def schema_of(cur) -> dict[str, str]:
    """SHOW CREATE TABLE (or VIEW) of every table and view of the current database, by name."""
    cur.execute("SHOW TABLES")
    shape = {}
    for (table,) in sorted(cur.fetchall()):
        cur.execute(f"SHOW CREATE TABLE `{table}`")
        shape[table] = cur.fetchone()[1]
    return shape
