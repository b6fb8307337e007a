"""The ledger's tables: beads' own (release v1.0.5), and this project's ``gt_`` tables beside them.

beads' tables are made as ``bd`` makes them: on a MySQL-wire server by running beads' vendored
migration SQL (beads_schema.py); on doltlite from ``beads_sql/sqlite.sql``, the same tables,
columns, keys and indexes written for SQLite (tests/test_beads_schema.py checks it against what
beads' SQL makes in MariaDB). Reads go through the ``gt_`` views (views.py).

The record fields below are those of a beads backup (see the fixture in
``shared/fixtures/gastown-ledger``) that beads' ``issues`` table has as columns: an import maps
them onto the columns and keeps anything else verbatim in ``gt_extras`` (shapes.py), so an
export gives the same records back. Times are ISO-8601 UTC text (``2026-02-28T05:33:08Z``) in
this project's code; a MySQL DATETIME column is converted at the edge (reads.py, writes.py).
"""

from __future__ import annotations

# (name, kind, default) — kind is one of text, longtext, int, real, ts
ISSUE_COLUMNS: tuple[tuple[str, str, object], ...] = (
    ("id", "key", None),
    ("title", "text", ""),
    ("description", "longtext", ""),
    ("design", "longtext", ""),
    ("acceptance_criteria", "longtext", ""),
    ("notes", "longtext", ""),
    ("status", "short", "open"),
    ("priority", "int", 2),
    ("issue_type", "short", "task"),
    ("assignee", "text", None),
    ("owner", "text", ""),
    ("estimated_minutes", "int", None),
    ("created_at", "ts", None),
    ("created_by", "text", ""),
    ("updated_at", "ts", None),
    ("closed_at", "ts", None),
    ("closed_by_session", "text", ""),
    ("close_reason", "longtext", ""),
    ("external_ref", "text", None),
    ("spec_id", "text", ""),
    ("content_hash", "short", ""),
    ("compaction_level", "int", 0),
    ("compacted_at", "ts", None),
    ("compacted_at_commit", "short", None),
    ("original_size", "int", None),
    ("sender", "text", ""),
    ("ephemeral", "int", 0),
    ("wisp_type", "short", ""),
    ("pinned", "int", 0),
    ("is_template", "int", 0),
    ("mol_type", "short", ""),
    ("work_type", "short", ""),
    ("source_system", "text", ""),
    ("source_repo", "text", ""),
    ("metadata", "longtext", "{}"),
    ("event_kind", "short", ""),
    ("actor", "text", ""),
    ("target", "text", ""),
    ("payload", "longtext", ""),
    ("await_type", "short", ""),
    ("await_id", "text", ""),
    ("timeout_ns", "int", 0),
    ("waiters", "longtext", ""),
    ("hook_bead", "text", ""),
    ("role_bead", "text", ""),
    ("agent_state", "short", ""),
    ("last_activity", "ts", None),
    ("role_type", "short", ""),
    ("rig", "text", ""),
    ("due_at", "ts", None),
    ("defer_until", "ts", None),
    ("no_history", "int", 0),  # beads 0023: kept in wisps, never in Dolt's history
    ("started_at", "ts", None),  # beads 0027: when work on it began
)
ISSUE_FIELDS = tuple(name for name, _, _ in ISSUE_COLUMNS)
ISSUE_DEFAULTS = {name: default for name, _, default in ISSUE_COLUMNS}

# ``metadata`` (JSON: a waits-for gate's {"gate": "any-children"} …) and ``thread_id``: beads' edge data.
DEPENDENCY_FIELDS = ("issue_id", "depends_on_id", "type", "created_at", "created_by", "metadata", "thread_id")
LABEL_FIELDS = ("issue_id", "label")
COMMENT_FIELDS = ("id", "issue_id", "author", "text", "created_at")
EVENT_FIELDS = (
    "id",
    "issue_id",
    "event_type",
    "actor",
    "old_value",
    "new_value",
    "comment",
    "created_at",
)
CONFIG_FIELDS = ("key", "value")

# Tables a backup folder holds, in import order, with their columns.
BACKUP_TABLES: dict[str, tuple[str, ...]] = {
    "issues": ISSUE_FIELDS,
    "dependencies": DEPENDENCY_FIELDS,
    "labels": LABEL_FIELDS,
    "comments": COMMENT_FIELDS,
    "events": EVENT_FIELDS,
    "config": CONFIG_FIELDS,
}


def beads_statements() -> list[str]:
    """beads' tables for doltlite (SQLite), from ``beads_sql/sqlite.sql``."""
    from importlib import resources

    from .beads_schema import statements

    return statements(resources.files(__package__).joinpath("beads_sql", "sqlite.sql").read_text(encoding="utf-8"))


def project_tables(dialect: str) -> tuple[str, ...]:
    """This project's own tables: beyond beads' tables, and named with a ``gt_`` prefix."""
    own = ("gt_leases", "gt_extras", "gt_feed")
    return (*own, "gt_write_lock") if dialect == "mysql" else own


def project_statements(dialect: str) -> list[str]:
    """DDL of ``project_tables`` (idempotent): also run on a ledger made before one of them existed."""
    if dialect == "mysql":
        key, text, stamp, tag, rkey = (
            "VARCHAR(255) NOT NULL PRIMARY KEY",
            "TEXT",
            "VARCHAR(40)",
            "VARCHAR(32)",
            "VARCHAR(600)",
        )
        seq, name, tail = (
            "BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY",
            "VARCHAR(255)",
            " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
        )
        body = "LONGTEXT"
    else:
        key, text, stamp, tag, rkey = "TEXT NOT NULL PRIMARY KEY", "TEXT", "TEXT", "TEXT", "TEXT"
        seq, name, tail, body = "INTEGER PRIMARY KEY AUTOINCREMENT", "TEXT", "", "TEXT"
    stmts = [
        # One row per lease (e.g. "refinery:gastown"): who holds it and until when.
        f"CREATE TABLE IF NOT EXISTS gt_leases (name {key}, holder {text}, expires_at {stamp}){tail}",
        # What an imported record held beyond the columns (see ledger/shapes.py), so an export
        # gives it back: one JSON object per record, keyed by table and the record's key.
        f"""CREATE TABLE IF NOT EXISTS gt_extras (
  tbl {tag} NOT NULL, rkey {rkey} NOT NULL, body {body}, PRIMARY KEY (tbl, rkey)){tail}""",
        # The change feed: one row per event or comment (``kind``: its table; ``log_id``), numbered in the order written
        # (beads' ids are UUIDs), so followers (the TUI, the daemon) see what is new, and logs of
        # one second keep their order.
        f"""CREATE TABLE IF NOT EXISTS gt_feed (
  seq {seq}, issue_id {name} NOT NULL, kind {tag} NOT NULL, log_id {name} NOT NULL){tail}""",
        "CREATE INDEX IF NOT EXISTS gt_feed_issue ON gt_feed (issue_id)",
        "CREATE INDEX IF NOT EXISTS gt_feed_log ON gt_feed (log_id, kind)",
    ]
    if dialect == "mysql":  # the row every write locks first (see MysqlBackend.begin_write)
        stmts += [
            "CREATE TABLE IF NOT EXISTS gt_write_lock (id INT PRIMARY KEY) ENGINE=InnoDB",
            "INSERT IGNORE INTO gt_write_lock VALUES (1)",
        ]
    return stmts
