"""Table definitions of the ledger, compatible with beads' column names.

The ``issues`` columns are exactly those of a beads backup (see the fixture in
``shared/fixtures/gastown-ledger``), so an import followed by an export gives the
same records back. Timestamps are stored as ISO-8601 UTC text
(``2026-02-28T05:33:08Z``) on both backends: it sorts correctly and round-trips
unchanged, where a MySQL DATETIME would not.
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
    ("quality_score", "real", None),
    ("crystallizes", "int", 0),
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
)
ISSUE_FIELDS = tuple(name for name, _, _ in ISSUE_COLUMNS)
ISSUE_DEFAULTS = {name: default for name, _, default in ISSUE_COLUMNS}

DEPENDENCY_FIELDS = ("issue_id", "depends_on_id", "type", "created_at", "created_by")
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


def _types(dialect: str) -> dict[str, str]:
    if dialect == "mysql":
        return {
            "key": "VARCHAR(255) NOT NULL PRIMARY KEY",
            "text": "TEXT",
            "short": "VARCHAR(64)",
            "longtext": "LONGTEXT",
            "int": "BIGINT",
            "real": "DOUBLE",
            "ts": "VARCHAR(40)",
            "autoid": "BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY",
            "name": "VARCHAR(255) NOT NULL",
            "tag": "VARCHAR(32) NOT NULL",
            "rkey": "VARCHAR(600) NOT NULL",
        }
    return {
        "key": "TEXT NOT NULL PRIMARY KEY",
        "text": "TEXT",
        "short": "TEXT",
        "longtext": "TEXT",
        "int": "INTEGER",
        "real": "REAL",
        "ts": "TEXT",
        "autoid": "INTEGER PRIMARY KEY AUTOINCREMENT",
        "name": "TEXT NOT NULL",
        "tag": "TEXT NOT NULL",
        "rkey": "TEXT NOT NULL",
    }


# Tables every database bd (beads) makes has and this ledger does not: how one is recognised.
BEADS_ONLY_TABLES = ("schema_migrations", "metadata", "child_counters", "wisps")


def project_tables(dialect: str) -> tuple[str, ...]:
    """This project's own tables: beyond beads' tables, and named with a ``gt_`` prefix."""
    return ("gt_leases", "gt_extras", "gt_write_lock") if dialect == "mysql" else ("gt_leases", "gt_extras")


def project_statements(dialect: str) -> list[str]:
    """DDL of ``project_tables`` (idempotent): also run on a ledger made before one of them existed."""
    t = _types(dialect)
    tail = " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin" if dialect == "mysql" else ""
    stmts = [
        # One row per lease (e.g. "refinery:gastown"): who holds it and until when.
        f"""CREATE TABLE IF NOT EXISTS gt_leases (
  name {t["key"]}, holder {t["text"]}, expires_at {t["ts"]}){tail}""",
        # What an imported record held beyond the columns (see ledger/shapes.py), so an export
        # gives it back: one JSON object per record, keyed by table and the record's key.
        f"""CREATE TABLE IF NOT EXISTS gt_extras (
  tbl {t["tag"]}, rkey {t["rkey"]}, body {t["longtext"]}, PRIMARY KEY (tbl, rkey)){tail}""",
    ]
    if dialect == "mysql":  # the row every write locks first (see MysqlBackend.begin_write)
        stmts += [
            "CREATE TABLE IF NOT EXISTS gt_write_lock (id INT PRIMARY KEY) ENGINE=InnoDB",
            "INSERT IGNORE INTO gt_write_lock VALUES (1)",
        ]
    return stmts


def create_statements(dialect: str) -> list[str]:
    """DDL for a fresh ledger. Idempotent (IF NOT EXISTS)."""
    t = _types(dialect)
    issue_cols = ",\n  ".join(f"{n} {t[kind]}" for n, kind, _ in ISSUE_COLUMNS)
    tail = " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin" if dialect == "mysql" else ""
    stmts = [
        f"CREATE TABLE IF NOT EXISTS issues (\n  {issue_cols}\n){tail}",
        f"""CREATE TABLE IF NOT EXISTS dependencies (
  issue_id {t["name"]}, depends_on_id {t["name"]}, type {t["short"]} NOT NULL,
  created_at {t["ts"]}, created_by {t["text"]},
  PRIMARY KEY (issue_id, depends_on_id)){tail}""",
        f"""CREATE TABLE IF NOT EXISTS labels (
  issue_id {t["name"]}, label {t["name"]}, PRIMARY KEY (issue_id, label)){tail}""",
        f"""CREATE TABLE IF NOT EXISTS comments (
  id {t["autoid"]}, issue_id {t["name"]}, author {t["text"]}, text {t["longtext"]},
  created_at {t["ts"]}){tail}""",
        f"""CREATE TABLE IF NOT EXISTS events (
  id {t["autoid"]}, issue_id {t["name"]}, event_type {t["short"]} NOT NULL,
  actor {t["text"]}, old_value {t["longtext"]}, new_value {t["longtext"]},
  comment {t["longtext"]}, created_at {t["ts"]}){tail}""",
        f"CREATE TABLE IF NOT EXISTS config (`key` {t['key']}, value {t['longtext']}){tail}",
        *project_statements(dialect),
    ]
    indexes = [
        ("idx_issues_status", "issues", "status"),
        ("idx_issues_assignee", "issues", "assignee"),
        ("idx_issues_type", "issues", "issue_type"),
        ("idx_issues_created", "issues", "created_at"),
        ("idx_deps_target", "dependencies", "depends_on_id"),
        ("idx_labels_label", "labels", "label"),
        ("idx_comments_issue", "comments", "issue_id"),
        ("idx_events_issue", "events", "issue_id"),
    ]
    for name, table, col in indexes:
        if dialect == "mysql":
            size = "(191)" if col == "assignee" else ""  # a TEXT column needs a prefix length
            stmts.append(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({col}{size})")
        else:
            stmts.append(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({col})")
    return stmts
