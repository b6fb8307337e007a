"""Ledgers from other beads versions, as a person sees them after ``gt import``: deleted beads
(tombstones) hidden but explainable, re-import as a mirror, time in instant order."""

from __future__ import annotations

import json
from pathlib import Path

from gastown_tui.services.addressing import rigs as ledger_rigs
from gastown_tui.services.agents import read_agents, read_rig_prefixes
from gastown_tui.services.townview import read_town

SHAPES = Path(__file__).resolve().parent / "fixtures" / "beads-shapes"


def _write(path: Path, records: list[dict]) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return str(path)


def _bead(bead_id: str, **fields) -> dict:
    return {"id": bead_id, "title": bead_id, "status": "open", "priority": 2, "issue_type": "task", **fields}


def test_tombstones_are_hidden_but_listed_on_request_and_explained(town, gt):
    assert gt("import", str(SHAPES / "single-v0.45.jsonl")).code == 0
    listed = [b["id"] for b in gt("bead", "list", "--json").json()]
    assert "bd-a3" not in listed and "bd-a1" in listed
    assert [b["id"] for b in gt("bead", "list", "--status", "tombstone", "--json").json()] == ["bd-a3"]
    assert "bd-a3" in [b["id"] for b in gt("bead", "list", "--all", "--json").json()]
    assert "bd-a3" not in [b["id"] for b in gt("bead", "ready", "--json").json()]
    shown = gt("bead", "show", "bd-a3").out
    assert "DELETED (tombstone) at 2025-11-25T12:00:00Z by carol: duplicate of bd-a2 (was a spike)" in shown
    assert gt("bead", "show", "bd-a3", "--json").json()["extras"]["deleted_by"] == "carol"


def test_deleted_agents_and_rigs_are_not_discovered(town, tmp_path):
    agent = "gastown/polecats/ghost"
    records = [
        _bead("gt-rig-old", issue_type="rig", title="oldrig", status="tombstone", description="oldrig\n\nprefix: od"),
        _bead(
            "gt-gastown-polecat-ghost",
            issue_type="agent",
            title=agent,
            status="tombstone",
            description=f"{agent}\n\nrole_type: polecat\nrig: gastown\nagent_state: spawning",
        ),
        _bead("gt-rig-live", issue_type="rig", title="liverig", description="liverig\n\nprefix: lv"),
        _bead("gt-rig-gastown", issue_type="rig", title="gastown", description="gastown\n\nprefix: gt"),
    ]
    from gastown_tui.ledger.transfer import import_backup

    import_backup(town.ledger, _write(tmp_path / "t.jsonl", records))
    assert town.ledger.read(read_rig_prefixes) == {"liverig": "lv", "gastown": "gt"}
    assert town.ledger.read(read_agents) == []
    assert town.ledger.read(ledger_rigs) == {"liverig", "gastown"}
    assert read_town(town.ledger, town.root).polecats == ()  # the deleted polecat is no "spawning" one


def test_show_says_which_way_a_dependency_points(town, gt):
    gt("import", str(SHAPES / "single-v0.45.jsonl"))
    assert "  blocked by bd-a2" in gt("bead", "show", "bd-a1").out
    assert "  blocks bd-a1" in gt("bead", "show", "bd-a2").out


def test_lists_order_times_by_instant_whatever_the_offset(town, gt, tmp_path):
    records = [
        _bead("bd-west", created_at="2026-01-01T10:00:00-08:00"),  # 18:00 UTC
        _bead("bd-east", created_at="2026-01-01T12:00:00+01:00"),  # 11:00 UTC
        _bead("bd-utc", created_at="2026-01-01T15:00:00.5Z"),  # 15:00 UTC
    ]
    gt("import", _write(tmp_path / "t.jsonl", records))
    assert [b["id"] for b in gt("bead", "list", "--json").json()] == ["bd-east", "bd-utc", "bd-west"]
    # The text list reads only what its lines show, in the same order; a limit keeps the first.
    assert [line.split()[0] for line in gt("bead", "list").out.splitlines()] == ["bd-east", "bd-utc", "bd-west"]
    assert [line.split()[0] for line in gt("bead", "list", "--limit", "2").out.splitlines()] == ["bd-east", "bd-utc"]
    assert [b["id"] for b in gt("bead", "list", "--limit", "2", "--json").json()] == ["bd-east", "bd-utc"]
    assert gt("bead", "show", "bd-west", "--json").json()["created_at"] == "2026-01-01T10:00:00-08:00"


def test_reimport_mirrors_the_newer_file_and_dry_run_writes_nothing(town, gt, tmp_path):
    old = [
        _bead(
            "bd-m1", notes="old notes", labels=["a", "b"], dependencies=[{"depends_on_id": "bd-m2", "type": "blocks"}]
        ),
        _bead("bd-m2"),
        _bead("bd-m3"),
    ]
    gt("import", _write(tmp_path / "old.jsonl", old))
    new = [
        _bead(
            "bd-m1",
            title="renamed",
            labels=["b"],
            comments=[{"author": "x", "text": "hi", "created_at": "2026-01-01T00:00:00Z"}],
        ),
        _bead("bd-m2", priority=0),
    ]
    newer = _write(tmp_path / "new.jsonl", new)

    plan = gt("import", newer, "--dry-run", "--json").json()
    assert plan["changed"] == ["bd-m1", "bd-m2"] and plan["left_alone"] == 1
    assert (plan["labels_removed"], plan["dependencies_removed"], plan["comments"]) == (1, 1, 1)
    text = gt("import", newer, "--dry-run").out
    assert "would update 2 issues: bd-m1, bd-m2" in text and "nothing written" in text
    assert gt("bead", "show", "bd-m1", "--json").json()["title"] == "bd-m1"

    done = gt("import", newer)
    assert "1 issues not in the file left as they were" in done.out
    for _ in range(2):  # and again: idempotent
        shown = gt("bead", "show", "bd-m1", "--json").json()
        assert (shown["title"], shown["notes"], shown["labels"], shown["dependencies"]) == ("renamed", "", ["b"], [])
        assert len(shown["comments"]) == 1
        assert gt("bead", "show", "bd-m2", "--json").json()["priority"] == 0
        assert gt("bead", "show", "bd-m3", "--json").json()["title"] == "bd-m3"
        gt("import", newer)


def test_gt_export_writes_the_single_file_shape_and_counts_wisps(town, gt, tmp_path):
    gt("import", str(SHAPES / "single-v1.0.0.jsonl"))
    out = tmp_path / "issues.jsonl"
    done = gt("export", str(out), "--format", "jsonl")
    assert done.code == 0, done.err
    assert "4 issues" in done.out and "(1 of the issues are wisps)" in done.out
    ids = [json.loads(line)["id"] for line in out.read_text().splitlines()]
    assert "gt-wisp-q1" in ids and len(ids) == 4
    refused = gt("export", str(tmp_path), "--format", "jsonl")
    assert refused.code != 0 and "is a folder" in refused.err


def test_convoys_and_the_merge_queue_order_by_instant(town, tmp_path):
    from gastown_tui.services import convoys, refinery

    mr = (
        "branch: b/{0}\ntarget: main\nsource_issue: bd-{0}\nrig: gastown\ncommit_sha: abc\nworker: gastown/polecats/nux"
    )
    records = [
        _bead("hq-cv-west", issue_type="convoy", labels=["gt:convoy"], created_at="2026-01-01T10:00:00-08:00"),
        _bead("hq-cv-east", issue_type="convoy", labels=["gt:convoy"], created_at="2026-01-01T12:00:00+01:00"),
        _bead(
            "bd-mr-west",
            labels=["gt:merge-request"],
            description=mr.format("w"),
            created_at="2026-01-01T10:00:00-08:00",
        ),
        _bead(
            "bd-mr-east",
            labels=["gt:merge-request"],
            description=mr.format("e"),
            created_at="2026-01-01T12:00:00+01:00",
        ),
    ]
    from gastown_tui.ledger.transfer import import_backup

    import_backup(town.ledger, _write(tmp_path / "t.jsonl", records))
    assert [c.id for c in convoys.listing(town)] == ["hq-cv-east", "hq-cv-west"]
    assert [m.id for m in town.ledger.read(refinery.read_queue)] == ["bd-mr-east", "bd-mr-west"]


def test_a_deleted_blocker_blocks_nothing_and_other_towns_statuses_filter(town, gt, tmp_path):
    records = [
        _bead("bd-w1", dependencies=[{"depends_on_id": "bd-gone", "type": "blocks"}]),
        _bead("bd-gone", status="tombstone"),
        _bead("bd-t1", status="triage"),
    ]
    gt("import", _write(tmp_path / "t.jsonl", records))
    assert "bd-w1" in [b["id"] for b in gt("bead", "ready", "--json").json()]
    assert [b["id"] for b in gt("bead", "list", "--status", "triage", "--json").json()] == ["bd-t1"]
    assert "unknown status" in gt("bead", "list", "--status", "opne").err


def _config(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_a_backup_round_trips_its_own_config_and_the_town_keeps_its_prefix(town, gt, tmp_path):
    """The town (``gt install``: issue_prefix hq, types.custom) imports Gas Town's rig backup
    (issue_prefix gt, its own types.custom): new beads stay hq-, and the export's config.jsonl is
    the backup's, no key added, none changed."""
    from conftest import FIXTURE

    assert "the town's own issue_prefix, types.custom would be kept" in gt("import", str(FIXTURE), "--dry-run").out
    imported = gt("import", str(FIXTURE))
    assert imported.code == 0, imported.err
    assert "the town's own issue_prefix, types.custom kept (gt export gives the file's back)" in imported.out
    assert town.ledger.read(lambda s: s.config("issue_prefix")) == "hq"
    assert gt("bead", "create", "Mine").out.startswith("hq-")
    assert gt("export", str(tmp_path / "out")).code == 0
    assert _config(tmp_path / "out" / "config.jsonl") == _config(FIXTURE / "config.jsonl")  # record for record
    # Importing the same backup again changes nothing and still keeps the town's prefix.
    again = gt("import", str(FIXTURE), "--json").json()
    assert again["config_kept"] == ["issue_prefix", "types.custom"]
    assert town.ledger.read(lambda s: s.config("issue_prefix")) == "hq"


def test_a_town_that_imported_no_config_exports_its_own(town, gt, tmp_path):
    gt("import", _write(tmp_path / "t.jsonl", [_bead("bd-1")]))  # issues only
    assert gt("export", str(tmp_path / "out")).code == 0
    keys = [r["key"] for r in _config(tmp_path / "out" / "config.jsonl")]
    beads_defaults = [k for k in keys if k.startswith(("compact", "auto_compact"))]  # beads' SQL (0016) seeds these
    assert len(beads_defaults) == 9 and [k for k in keys if k not in beads_defaults] == ["issue_prefix", "types.custom"]
    assert {r["key"]: r["value"] for r in _config(tmp_path / "out" / "config.jsonl")}["issue_prefix"] == "hq"


def test_config_an_import_gave_is_mirrored_by_the_next_import(town, gt, tmp_path):
    """A key the town did not have is the file's: a newer file's value replaces it (in the
    ledger and on export); the town's own keys stay the town's whatever the files say."""

    def backup(name: str, config: list[dict]) -> str:
        folder = tmp_path / name
        folder.mkdir()
        (folder / "issues.jsonl").write_text(json.dumps(_bead("bd-1")) + "\n")
        (folder / "config.jsonl").write_text("".join(json.dumps(c) + "\n" for c in config))
        return str(folder)

    first = [{"key": "compaction_enabled", "value": "false"}, {"key": "issue_prefix", "value": "bd"}]
    assert gt("import", backup("one", first)).code == 0
    second = [{"key": "compaction_enabled", "value": "true"}, {"key": "issue_prefix", "value": "bx"}]
    assert gt("import", backup("two", second)).code == 0
    assert town.ledger.read(lambda s: (s.config("compaction_enabled"), s.config("issue_prefix"))) == ("true", "hq")
    assert gt("export", str(tmp_path / "out")).code == 0
    assert _config(tmp_path / "out" / "config.jsonl") == second
