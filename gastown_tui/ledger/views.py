"""The ``gt_`` views every read goes through, over beads' tables.

beads splits each of its tables in two: the durable beads and the wisps (``wisps``,
``wisp_labels`` …; agents, rigs, roles and messages live there), and a dependency names its
target in one of ``depends_on_issue_id``, ``depends_on_wisp_id`` or ``depends_on_external``.
The views give them one shape, so readers are written once: ``gt_issues`` (the
``ISSUE_FIELDS``), ``gt_dependencies`` (``DEPENDENCY_FIELDS``, with one ``depends_on_id``),
``gt_labels``, ``gt_comments`` and ``gt_events``. They are this project's own objects: adding
them changes none of beads' tables.
"""

from __future__ import annotations

from .schema import COMMENT_FIELDS, DEPENDENCY_FIELDS, EVENT_FIELDS, ISSUE_COLUMNS, ISSUE_FIELDS, LABEL_FIELDS

# The view each read of a table goes through.
VIEW = {
    "issues": "gt_issues",
    "dependencies": "gt_dependencies",
    "labels": "gt_labels",
    "comments": "gt_comments",
    "events": "gt_events",
    "config": "config",
}
VIEWS = tuple(view for table, view in VIEW.items() if view != table)
# A query only views of this release answer (an older ``gt_dependencies`` lacks the edge data).
PROBE = "SELECT metadata, thread_id FROM gt_dependencies WHERE 1 = 0"
_FIELDS = {
    "issues": ISSUE_FIELDS,
    "dependencies": DEPENDENCY_FIELDS,
    "labels": LABEL_FIELDS,
    "comments": COMMENT_FIELDS,
    "events": EVENT_FIELDS,
}
# Where beads' dependency names its target: a bead in ``issues``, one in ``wisps``, or elsewhere.
SPLIT_TARGETS = ("depends_on_issue_id", "depends_on_wisp_id", "depends_on_external")
TARGET = f"COALESCE({', '.join(SPLIT_TARGETS)})"
# The types bd keeps in ``wisps`` (its default infra types, internal/storage/dolt/issues.go).
BD_INFRA_TYPES = ("agent", "rig", "role", "message")
# The bead columns that are DATETIME in beads' tables.
TIME_FIELDS = frozenset(name for name, kind, _ in ISSUE_COLUMNS if kind == "ts")


def wisp_table(table: str) -> str:
    """The wisps' half of one of beads' tables."""
    return "wisps" if table == "issues" else f"wisp_{table}"


def _select(table: str, source: str) -> str:
    columns = [f"{TARGET} AS depends_on_id" if name == "depends_on_id" else f"`{name}`" for name in _FIELDS[table]]
    return f"SELECT {', '.join(columns)} FROM {source}"


def statements(dialect: str) -> list[str]:
    """DDL that (re)makes every view."""
    out = []
    for table, view in VIEW.items():
        if view == table:
            continue
        body = f"{_select(table, table)} UNION ALL {_select(table, wisp_table(table))}"
        if dialect == "mysql":
            out.append(f"CREATE OR REPLACE VIEW {view} AS {body}")
        else:
            out += [f"DROP VIEW IF EXISTS {view}", f"CREATE VIEW {view} AS {body}"]
    return out
