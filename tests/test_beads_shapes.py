"""Every shape of beads export (hand-made fixtures in tests/fixtures/beads-shapes) goes through
import and export unchanged: every field of every record, on both backends."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gastown_tui.errors import InvalidInput
from gastown_tui.ledger.export import export_backup, export_jsonl
from gastown_tui.ledger.schema import BACKUP_TABLES
from gastown_tui.ledger.transfer import import_backup

SHAPES = Path(__file__).resolve().parent / "fixtures" / "beads-shapes"
SINGLE_FILES = ("single-v0.45.jsonl", "single-v1.0.0.jsonl", "stream-v1.0.5.jsonl")


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _by_key(records: list[dict]) -> dict:
    keyed = {}
    for r in records:
        key = r.get("id") or r.get("_schema") or (r.get("_type"), r.get("key"))
        keyed[json.dumps(key)] = r
    return keyed


def _row_key(table: str, record: dict):
    if table in ("dependencies", "labels"):
        return record["issue_id"], record["depends_on_id" if table == "dependencies" else "label"]
    return record["key"] if table == "config" else record["id"]


@pytest.mark.parametrize("name", SINGLE_FILES)
def test_single_file_shapes_round_trip_field_by_field(ledger, tmp_path, name):
    source = SHAPES / name
    import_backup(ledger, str(source))
    out = tmp_path / "out.jsonl"
    export_jsonl(ledger, str(out))
    original, exported = _by_key(_lines(source)), _by_key(_lines(out))
    assert exported.keys() == original.keys()
    for key, record in original.items():
        assert exported[key] == record, key


def test_folder_shape_round_trips_every_table_and_its_manifest(ledger, tmp_path):
    source = SHAPES / "folder-v0.61"
    counts = import_backup(ledger, str(source))
    assert counts == {
        "issues": 4,
        "dependencies": 2,
        "labels": 3,
        "comments": 2,
        "events": 2,
        "config": 3,
        "left_alone": 0,
        "config_kept": [],
    }
    out = tmp_path / "out"
    export_backup(ledger, str(out))
    for table in BACKUP_TABLES:
        original = {_row_key(table, r): r for r in _lines(source / f"{table}.jsonl")}
        exported = {_row_key(table, r): r for r in _lines(out / f"{table}.jsonl")}
        assert exported == original, table
    assert (out / "manifest.json").read_text() == (source / "manifest.json").read_text()
    assert json.loads((out / "backup_state.json").read_text()) == json.loads((source / "backup_state.json").read_text())


def test_flags_as_booleans_are_stored_as_flags(ledger):
    import_backup(ledger, str(SHAPES / "single-v1.0.0.jsonl"))
    gate = ledger.get("gt-k3f")
    assert (gate["pinned"], gate["is_template"], gate["timeout_ns"]) == (1, 0, 3600000000000)
    assert json.loads(gate["waiters"]) == ["mayor/", "gastown/witness"]
    assert ledger.get("gt-wisp-q1")["ephemeral"] == 1


def test_string_comment_ids_survive_an_import_into_a_used_ledger(ledger, tmp_path):
    ledger.write("c", lambda tx: tx.add_comment(tx.create("Mine"), "first"))
    import_backup(ledger, str(SHAPES / "folder-v0.61"))
    export_backup(ledger, str(tmp_path / "out"))
    ids = {r["id"] for r in _lines(tmp_path / "out" / "comments.jsonl")}
    assert {"0195c3d2-aaaa-7bbb-8ccc-000000000001", "0195c3d2-aaaa-7bbb-8ccc-000000000002"} <= ids


def test_a_folder_export_of_a_single_file_keeps_unknown_fields(ledger, tmp_path):
    import_backup(ledger, str(SHAPES / "single-v1.0.0.jsonl"))
    export_backup(ledger, str(tmp_path / "out"))
    gate = next(r for r in _lines(tmp_path / "out" / "issues.jsonl") if r["id"] == "gt-k3f")
    assert gate["started_at"] == "2026-01-10T10:30:00Z" and gate["source_formula"] == "mol-ci"
    dep = _lines(tmp_path / "out" / "dependencies.jsonl")[0]
    assert dep["metadata"] == '{"gate":"any-children"}' and dep["thread_id"] == "th-1"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"id": "bd-1", "title": "x", "priority": true}', r"x\.jsonl:1:30: priority true is not a whole number"),
        ('{"id": "bd-1", "title": "x", "labels": [1]}', r"x\.jsonl:1:30: labels must be a list of strings, not \[1\]"),
        ('{"id": "bd-1", "title": null}', r"x\.jsonl:1:1: issue has no title"),
        ('{"id": "bd-1", "title": "x", "status": [null]}', r"x\.jsonl:1:30: status \[null\] is not a string"),
        ('{"id": "bd-1", "title": "x",}', r"x\.jsonl:1:29: malformed JSON"),
        ('{"id": "BAD ID", "title": "x"}', r'x\.jsonl:1:2: malformed bead id "BAD ID"'),
    ],
)
def test_bad_lines_say_where_in_json_terms_and_import_nothing(ledger, tmp_path, line, message):
    bad = tmp_path / "x.jsonl"
    bad.write_text('{"id": "bd-0", "title": "fine"}\n' + line + "\n")
    with pytest.raises(InvalidInput, match=message.replace(":1:", ":2:", 1)):
        import_backup(ledger, str(bad))
    assert ledger.find("bd-0") is None


def test_a_flag_that_is_neither_boolean_nor_number_is_refused_in_json_terms(ledger, tmp_path):
    bad = tmp_path / "x.jsonl"
    bad.write_text('{"id": "bd-1", "title": "x", "pinned": "yes"}\n')
    with pytest.raises(InvalidInput, match=r'x\.jsonl:1:30: pinned "yes" is not a whole number'):
        import_backup(ledger, str(bad))


def test_a_backup_state_that_is_not_json_goes_back_as_it_came(ledger, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "issues.jsonl").write_text('{"id": "bd-1", "title": "x"}\n')
    (folder / "backup_state.json").write_text("not json {")
    import_backup(ledger, str(folder))
    export_backup(ledger, str(tmp_path / "out"))
    assert (tmp_path / "out" / "backup_state.json").read_text() == "not json {"
