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
