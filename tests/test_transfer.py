"""Import and export of beads backups, on both backends, against the real Gas Town ledger."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import FIXTURE
from gastown_tui.errors import InvalidInput
from gastown_tui.ledger.export import export_backup
from gastown_tui.ledger.schema import BACKUP_TABLES
from gastown_tui.ledger.transfer import import_backup

EXPECTED = {"issues": 677, "dependencies": 315, "labels": 169, "comments": 14, "events": 3667, "config": 17}


def _records(folder: Path, table: str) -> list[dict]:
    with open(folder / f"{table}.jsonl", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _key(table: str, record: dict):
    if table == "dependencies":
        return record["issue_id"], record["depends_on_id"]
    if table == "labels":
        return record["issue_id"], record["label"]
    return record["key"] if table == "config" else record["id"]


def test_fixture_round_trip_keeps_every_row_field_by_field(ledger, tmp_path):
    counts = import_backup(ledger, str(FIXTURE))
    assert counts == {**EXPECTED, "left_alone": 0, "config_kept": []}
    out = tmp_path / "export"
    assert export_backup(ledger, str(out)) == {**EXPECTED, "wisps": 0}
    for table in BACKUP_TABLES:
        original = {_key(table, r): r for r in _records(FIXTURE, table)}
        exported = {_key(table, r): r for r in _records(out, table)}
        assert exported.keys() == original.keys(), table
        for key, record in original.items():
            assert exported[key] == record, (table, key)


def test_dependencies_on_absent_beads_are_kept(ledger):
    import_backup(ledger, str(FIXTURE))
    dangling = ledger.read(
        lambda s: s.scalar(
            "SELECT COUNT(*) FROM gt_dependencies d WHERE NOT EXISTS (SELECT 1 FROM gt_issues i WHERE i.id = d.depends_on_id)"
        )
    )
    assert dangling == 233


def test_reimport_adds_no_duplicate_events(ledger):
    import_backup(ledger, str(FIXTURE))
    again = import_backup(ledger, str(FIXTURE))
    assert again["events"] == 0 and again["comments"] == 0
    assert ledger.read(lambda s: s.scalar("SELECT COUNT(*) FROM gt_events")) == 3667


def test_import_into_a_used_ledger_feeds_its_events_after_its_own(ledger):
    bead = ledger.write("c", lambda tx: tx.create("Mine", bead_id="mine-1"))  # an id the fixture has not
    mine = ledger.read(lambda s: s.last_event_id())
    import_backup(ledger, str(FIXTURE))
    feed = ledger.events_since(mine, limit=10000)
    assert len(feed) == 3667 and all(e["seq"] > mine for e in feed)
    assert [e["seq"] for e in feed] == sorted({e["seq"] for e in feed})  # in the order written, each once
    assert ledger.read(lambda s: s.events(bead))[0]["event_type"] == "created"


def test_malformed_line_names_file_and_line_and_imports_nothing(ledger, tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    for table in BACKUP_TABLES:
        (bad / f"{table}.jsonl").write_text((FIXTURE / f"{table}.jsonl").read_text())
    lines = (FIXTURE / "labels.jsonl").read_text().splitlines()
    lines[41] = '{"issue_id": "gt-1", "label": '
    (bad / "labels.jsonl").write_text("\n".join(lines) + "\n")
    with pytest.raises(InvalidInput, match=r"labels\.jsonl:42:31: malformed JSON"):
        import_backup(ledger, str(bad))
    assert ledger.read(lambda s: s.scalar("SELECT COUNT(*) FROM gt_issues")) == 0


def test_single_issues_export_with_embedded_records(ledger, tmp_path):
    export = tmp_path / "issues.jsonl"
    export.write_text(
        "\n".join(
            json.dumps(r)
            for r in [
                {
                    "id": "bd-a1",
                    "title": "Parent",
                    "status": "open",
                    "priority": 1,
                    "issue_type": "epic",
                    "labels": ["core"],
                    "comments": [{"author": "x", "text": "hi", "created_at": "2026-01-01T00:00:00Z"}],
                },
                {
                    "id": "bd-a1.1",
                    "title": "Child",
                    "status": "open",
                    "priority": 2,
                    "issue_type": "task",
                    "dependencies": [
                        {
                            "depends_on_issue_id": "bd-a1",
                            "type": "parent-child",
                            "created_at": "2026-01-01T00:00:00Z",
                            "created_by": "x",
                        }
                    ],
                },
            ]
        )
        + "\n"
    )
    counts = import_backup(ledger, str(export))
    assert counts["issues"] == 2 and counts["labels"] == 1 and counts["comments"] == 1
    assert ledger.read(lambda s: s.dependencies("bd-a1.1"))[0]["depends_on_id"] == "bd-a1"
    assert ledger.read(lambda s: s.labels("bd-a1")) == ["core"]


def test_wisps_are_exported_and_counted(ledger, tmp_path):
    keep = ledger.write("c", lambda tx: tx.create("Keep"))
    wisp = ledger.write("c", lambda tx: tx.create("Wisp", ephemeral=1, labels=["gt:wisp"]))
    assert export_backup(ledger, str(tmp_path / "out"))["wisps"] == 1
    ids = [r["id"] for r in _records(tmp_path / "out", "issues")]
    assert keep in ids and wisp in ids
    assert any(r["issue_id"] == wisp for r in _records(tmp_path / "out", "labels"))
    assert any(r["issue_id"] == wisp for r in _records(tmp_path / "out", "events"))


def test_other_towns_statuses_and_types_are_data_but_bad_records_are_refused(ledger, tmp_path):
    export = tmp_path / "issues.jsonl"
    foreign = {"id": "bd-x1", "title": "Theirs", "status": "triage", "issue_type": "incident", "priority": 0}
    export.write_text(json.dumps(foreign) + "\n")
    assert import_backup(ledger, str(export))["issues"] == 1
    assert ledger.get("bd-x1")["status"] == "triage"

    folder = tmp_path / "backup"
    folder.mkdir()
    (folder / "issues.jsonl").write_text(json.dumps({**foreign, "id": "bd-x2"}) + "\n")
    deps = [{"issue_id": "bd-x2", "depends_on_id": "bd-x1", "type": "blocks"}] * 2
    deps[1] = {**deps[1], "type": ["blocks"]}
    (folder / "dependencies.jsonl").write_text("".join(json.dumps(d) + "\n" for d in deps))
    with pytest.raises(InvalidInput, match=r'dependencies\.jsonl:2:\d+: bad type \["blocks"\]'):
        import_backup(ledger, str(folder))
    assert ledger.find("bd-x2") is None
