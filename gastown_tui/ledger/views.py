"""The ``gt_`` views every read goes through, over either layout of the ledger's tables.

A ledger this project made keeps beads' backup columns in ``issues``, ``dependencies`` (one
``depends_on_id``), ``labels``, ``comments`` and ``events``. A database ``bd`` made (beads'
schema, see beads_schema.py) splits each of them in two: the durable beads, and the wisps
(``wisps``, ``wisp_labels`` …; agents, rigs, roles and messages live there), and a dependency
names its target in one of ``depends_on_issue_id``, ``depends_on_wisp_id`` or
``depends_on_external``. The views give both the same shape, so readers are written once:
``gt_issues`` (the ``ISSUE_FIELDS``), ``gt_dependencies`` (``DEPENDENCY_FIELDS``),
``gt_labels``, ``gt_comments`` and ``gt_events``. Views are this project's own objects: adding
them changes none of beads' tables.
"""

from __future__ import annotations

from .schema import COMMENT_FIELDS, DEPENDENCY_FIELDS, EVENT_FIELDS, ISSUE_COLUMNS, ISSUE_FIELDS, LABEL_FIELDS

GT = "gt"  # the tables this project makes (schema.py)
BEADS = "beads"  # the tables bd makes

# The view each read of a table goes through.
VIEW = {
    "issues": "gt_issues",
    "dependencies": "gt_dependencies",
    "labels": "gt_labels",
    "comments": "gt_comments",
    "events": "gt_events",
    "config": "config",
}
_FIELDS = {
    "issues": ISSUE_FIELDS,
    "dependencies": DEPENDENCY_FIELDS,
    "labels": LABEL_FIELDS,
    "comments": COMMENT_FIELDS,
    "events": EVENT_FIELDS,
}
# Columns of the backup that beads' tables no longer have (dropped by its migration 0038).
_GONE = {"quality_score": "NULL", "crystallizes": "0"}
GONE_COLUMNS = frozenset(_GONE)
# Where beads' dependency names its target: a bead in ``issues``, one in ``wisps``, or elsewhere.
SPLIT_TARGETS = ("depends_on_issue_id", "depends_on_wisp_id", "depends_on_external")
_TARGET = f"COALESCE({', '.join(SPLIT_TARGETS)})"
# The types bd keeps in ``wisps`` (its default infra types, internal/storage/dolt/issues.go).
BD_INFRA_TYPES = ("agent", "rig", "role", "message")
# The bead columns that are DATETIME in beads' tables.
TIME_FIELDS = frozenset(name for name, kind, _ in ISSUE_COLUMNS if kind == "ts")


def _select(table: str, source: str, layout: str) -> str:
    columns = []
    for name in _FIELDS[table]:
        if layout == BEADS and table == "issues" and name in _GONE:
            columns.append(f"{_GONE[name]} AS {name}")
        elif layout == BEADS and name == "depends_on_id":
            columns.append(f"{_TARGET} AS depends_on_id")
        else:
            columns.append(f"`{name}`")
    return f"SELECT {', '.join(columns)} FROM {source}"


def body(table: str, layout: str) -> str:
    """The SELECT a view of ``table`` stands for."""
    if layout == GT:
        return _select(table, table, GT)
    wisp = "wisps" if table == "issues" else f"wisp_{table}"
    return f"{_select(table, table, BEADS)} UNION ALL {_select(table, wisp, BEADS)}"


def statements(layout: str, dialect: str) -> list[str]:
    """DDL that (re)makes every view for ``layout``."""
    out = []
    for table, view in VIEW.items():
        if view == table:
            continue
        if dialect == "mysql":
            out.append(f"CREATE OR REPLACE VIEW {view} AS {body(table, layout)}")
        else:
            out += [f"DROP VIEW IF EXISTS {view}", f"CREATE VIEW {view} AS {body(table, layout)}"]
    return out
