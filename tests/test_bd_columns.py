"""Imported fields land in beads' own columns, so ``bd`` reading the database sees them, while an
export still gives back exactly what was imported (on both backends)."""

from __future__ import annotations

import json

from gastown_tui.ledger import Ledger
from gastown_tui.ledger.export import export_backup, export_jsonl
from gastown_tui.ledger.transfer import import_backup

STAMP = "2026-01-01T00:00:00Z"


def _issue(bead_id: str, title: str, **more) -> dict:
    return {"id": bead_id, "title": title, "status": "open", "priority": 2, "issue_type": "task",
            "created_at": STAMP, "updated_at": STAMP, **more}  # fmt: skip


def _dep(issue_id: str, depends_on: str, dep_type: str, **more) -> dict:
    return {"issue_id": issue_id, "depends_on_id": depends_on, "type": dep_type, "created_at": STAMP,
            "created_by": "max", **more}  # fmt: skip


def _write(path, records) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return str(path)


def _by_id(path) -> dict:
    return {r["id"]: r for r in map(json.loads, path.read_text().splitlines())}


def test_dependency_metadata_and_thread_id_land_in_beads_columns(ledger, tmp_path):
    gate = '{"gate":"any-children"}'
    records = [
        _issue("gt-spawn", "Spawner"),
        _issue("gt-a", "Step A", status="closed", closed_at=STAMP, dependencies=[_dep("gt-a", "gt-spawn", "parent-child")]),
        _issue("gt-b", "Step B", dependencies=[_dep("gt-b", "gt-spawn", "parent-child")]),
        _issue("gt-wait", "Waiter", dependencies=[_dep("gt-wait", "gt-spawn", "waits-for", metadata=gate, thread_id="th-1")]),
        _issue("gt-wisp-w", "Wisp waiter", ephemeral=True,
               dependencies=[_dep("gt-wisp-w", "gt-spawn", "waits-for", metadata=gate, thread_id="th-2")]),
        _issue("gt-odd", "Odd edge", dependencies=[_dep("gt-odd", "gt-spawn", "related", metadata="not json", thread_id=7)]),
        _issue("gt-nan", "NaN edge", dependencies=[_dep("gt-nan", "gt-spawn", "related", metadata='{"x": NaN}')]),
    ]  # fmt: skip
    source = _write(tmp_path / "issues.jsonl", records)
    import_backup(ledger, source)

    def edge(table: str, bead: str) -> dict:
        return ledger.read(lambda s: s.row(f"SELECT metadata, thread_id FROM {table} WHERE issue_id = ?", (bead,)))

    assert edge("dependencies", "gt-wait") == {"metadata": gate, "thread_id": "th-1"}
    assert edge("wisp_dependencies", "gt-wisp-w") == {"metadata": gate, "thread_id": "th-2"}
    assert edge("dependencies", "gt-a") == {"metadata": "{}", "thread_id": ""}  # as bd writes an edge without
    assert edge("dependencies", "gt-odd") == {"metadata": "{}", "thread_id": ""}  # not what the columns hold
    assert edge("dependencies", "gt-nan")["metadata"] == "{}"
    kept = ledger.read(lambda s: s.rows("SELECT rkey, body FROM gt_extras WHERE tbl = 'dependencies'"))
    assert not any("any-children" in r["body"] or "th-1" in r["body"] for r in kept)
    # The gate is read from beads' column: one child closed releases an any-children waiter.
    assert ledger.read(lambda s: s.scalar("SELECT is_blocked FROM issues WHERE id = 'gt-wait'")) == 0

    out = tmp_path / "out.jsonl"
    export_jsonl(ledger, str(out))
    assert _by_id(out) == {r["id"]: r for r in records}  # no metadata key added where there was none


def test_folder_dependency_edge_data_round_trips(ledger, tmp_path):
    folder = tmp_path / "backup"
    folder.mkdir()
    _write(folder / "issues.jsonl", [_issue("gt-x", "X"), _issue("gt-y", "Y")])
    deps = [_dep("gt-x", "gt-y", "waits-for", metadata='{"gate":"all-children"}', thread_id="t-9"),
            _dep("gt-y", "gt-x", "related", metadata=None, thread_id=None)]  # fmt: skip
    _write(folder / "dependencies.jsonl", deps)
    import_backup(ledger, str(folder))
    stored = ledger.read(lambda s: s.rows("SELECT issue_id, metadata, thread_id FROM dependencies ORDER BY issue_id"))
    assert [(r["metadata"], r["thread_id"]) for r in stored] == [('{"gate":"all-children"}', "t-9"), ("{}", "")]
    out = tmp_path / "out"
    export_backup(ledger, str(out))
    lines = [json.loads(line) for line in (out / "dependencies.jsonl").read_text().splitlines()]
    assert sorted(lines, key=lambda r: r["issue_id"]) == deps


def test_a_ledger_with_views_of_an_earlier_release_gets_them_remade(ledger_url):
    led = Ledger.open(ledger_url)
    led.create()
    old = "SELECT issue_id, type FROM dependencies"
    led.write("old view", lambda tx: [tx.execute("DROP VIEW gt_dependencies"),
                                      tx.execute(f"CREATE VIEW gt_dependencies AS {old}")])  # fmt: skip
    led.close()
    again = Ledger.open(ledger_url)
    assert again.read(lambda s: s.rows("SELECT metadata, thread_id FROM gt_dependencies")) == []
    again.close()
