"""What bd keeps beside a write, kept by gt's writes too (ledger/upkeep.py), on both backends: child
counters, so bd never hands out a child id gt gave, and ``is_blocked``, which ``bd ready`` reads."""

from __future__ import annotations


def blocked(town, bead_id: str) -> int:
    table = town.ledger.read(
        lambda s: "wisps" if s.scalar("SELECT 1 FROM wisps WHERE id = ?", (bead_id,)) else "issues"
    )
    return int(town.ledger.read(lambda s: s.scalar(f"SELECT is_blocked FROM {table} WHERE id = ?", (bead_id,))))


def counter(town, parent: str, table: str = "child_counters") -> int | None:
    return town.ledger.read(lambda s: s.scalar(f"SELECT last_child FROM {table} WHERE parent_id = ?", (parent,)))


def test_child_ids_move_bds_counter_and_follow_one_bd_moved(town):
    parent = town.ledger.write("p", lambda tx: tx.create("Epic"))
    first = town.ledger.write("c", lambda tx: tx.create("Step", parent=parent))
    assert first == f"{parent}.1" and counter(town, parent) == 1
    # bd handed out children up to .5 (and they were deleted since): the counter remembers
    town.ledger.write("bd", lambda tx: tx.execute("UPDATE child_counters SET last_child = 5 WHERE parent_id = ?",
                                                  (parent,)))  # fmt: skip
    assert town.ledger.write("c", lambda tx: tx.create("Next", parent=parent)) == f"{parent}.6"
    assert counter(town, parent) == 6
    agent = town.ledger.write("a", lambda tx: tx.create("Agent", issue_type="agent"))  # a wisp, as bd keeps it
    town.ledger.write("c", lambda tx: tx.create("Its step", parent=agent))
    assert counter(town, agent, "wisp_child_counters") == 1 and counter(town, agent) is None


def test_is_blocked_follows_dependencies_status_and_parents(town):
    a, b, c = (town.ledger.write("n", lambda tx, t=t: tx.create(t)) for t in ("A", "B", "C"))
    assert blocked(town, a) == 0
    town.ledger.write("dep", lambda tx: tx.add_dependency(a, b, "blocks"))  # a waits on b
    assert blocked(town, a) == 1 and blocked(town, b) == 0
    child = town.ledger.write("c", lambda tx: tx.create("Under A", parent=a))
    assert blocked(town, child) == 1  # a blocked parent blocks its children
    town.ledger.write("close", lambda tx: tx.close(b))
    assert blocked(town, a) == 0 and blocked(town, child) == 0
    town.ledger.write("reopen", lambda tx: tx.reopen(b))
    assert blocked(town, a) == 1 and blocked(town, child) == 1
    town.ledger.write("undep", lambda tx: tx.remove_dependency(a, b))
    assert blocked(town, a) == 0 and blocked(town, child) == 0
    town.ledger.write("dep", lambda tx: tx.add_dependency(a, c, "related"))  # not a blocking kind
    assert blocked(town, a) == 0
    town.ledger.write("dep", lambda tx: tx.add_dependency(c, b, "blocks"))
    town.ledger.write("close", lambda tx: tx.close(c))
    assert blocked(town, c) == 0  # a closed bead is never blocked


def test_waits_for_blocks_until_the_spawners_children_are_done(town):
    spawner, waiter = (town.ledger.write("n", lambda tx, t=t: tx.create(t)) for t in ("Spawner", "Waiter"))
    step = town.ledger.write("c", lambda tx: tx.create("Step", parent=spawner))
    town.ledger.write("dep", lambda tx: tx.add_dependency(waiter, spawner, "waits-for"))
    assert blocked(town, waiter) == 1
    town.ledger.write("close", lambda tx: tx.close(step))
    assert blocked(town, waiter) == 0


def test_an_import_leaves_is_blocked_and_child_counters_as_bd_would(town, tmp_path):
    import json

    from gastown_tui.ledger.transfer import import_backup

    def bead(bead_id: str, status: str = "open", on: str = "", kind: str = "blocks") -> dict:
        deps = [{"issue_id": bead_id, "depends_on_id": on, "type": kind}] if on else []
        return {"id": bead_id, "title": bead_id, "status": status, "priority": 2, "issue_type": "task",
                "created_at": "2026-01-01T00:00:00+01:00", "updated_at": "2026-01-01T00:00:00+01:00",
                "dependencies": deps}  # fmt: skip

    rows = [bead("im-a", on="im-b"), bead("im-b"), bead("im-a.3", on="im-a", kind="parent-child"),
            bead("im-c", on="im-d"), bead("im-d", "closed"), bead("im-gone.2")]  # fmt: skip
    export = tmp_path / "issues.jsonl"
    export.write_text("".join(json.dumps(r) + "\n" for r in rows))

    import_backup(town.ledger, str(export))

    assert [blocked(town, i) for i in ("im-a", "im-b", "im-a.3", "im-c", "im-d")] == [1, 0, 1, 0, 0]
    assert counter(town, "im-a") == 3 and counter(town, "im-gone") is None  # no parent, no counter
    assert town.ledger.write("c", lambda tx: tx.create("Next", parent="im-a")) == "im-a.4"
    assert town.ledger.read(lambda s: s.as_written(s.get("im-b")))["updated_at"] == "2026-01-01T00:00:00+01:00"


def test_imported_started_at_and_no_history_land_in_beads_columns(town, tmp_path):
    import datetime as dt
    import json

    from gastown_tui.ledger.transfer import import_backup

    stamp = "2026-01-01T00:00:00Z"
    rows = [
        {"id": "im-s", "title": "Started", "status": "in_progress", "priority": 2, "issue_type": "task",
         "created_at": stamp, "updated_at": stamp, "started_at": "2026-01-02T03:04:05+01:00"},
        {"id": "im-n", "title": "No history", "status": "open", "priority": 2, "issue_type": "task",
         "created_at": stamp, "updated_at": stamp, "no_history": True},
    ]  # fmt: skip
    export = tmp_path / "issues.jsonl"
    export.write_text("".join(json.dumps(r) + "\n" for r in rows))
    import_backup(town.ledger, str(export))

    started = town.ledger.read(lambda s: s.scalar("SELECT started_at FROM issues WHERE id = 'im-s'"))
    when = dt.datetime.fromisoformat(str(started).replace(" ", "T").replace("Z", "+00:00"))
    when = when if when.tzinfo else when.replace(tzinfo=dt.UTC)  # MySQL: a UTC DATETIME, as bd reads it
    assert when == dt.datetime(2026, 1, 2, 2, 4, 5, tzinfo=dt.UTC)
    assert town.ledger.read(lambda s: s.scalar("SELECT no_history FROM wisps WHERE id = 'im-n'")) == 1  # as bd: wisps
    out = tmp_path / "out.jsonl"
    from gastown_tui.ledger.export import export_jsonl

    export_jsonl(town.ledger, str(out))
    back = {r["id"]: r for r in map(json.loads, out.read_text().splitlines())}
    assert back["im-s"]["started_at"] == "2026-01-02T03:04:05+01:00" and back["im-n"]["no_history"] is True
    assert "started_at" not in back["im-n"] and "no_history" not in back["im-s"]
