"""The Ledger API on both backends: beads, labels, dependencies, comments, events, ready work."""

from __future__ import annotations

import json

import pytest

from gastown_tui.errors import Conflict, InvalidInput, NotFound
from gastown_tui.ledger import fields, ids


def test_create_and_get_round_trip(ledger):
    bead_id = ledger.write(
        "bead create",
        lambda tx: tx.create("Write docs", description="all of them", priority=1, labels=["docs", "gt:task"]),
    )
    assert bead_id.startswith("gt-") and len(bead_id) == len("gt-") + 3
    bead = ledger.get(bead_id)
    assert bead["title"] == "Write docs"
    assert bead["priority"] == 1 and bead["status"] == "open" and bead["issue_type"] == "task"
    assert bead["created_by"] == "overseer"
    assert bead["created_at"].endswith("Z")
    assert ledger.read(lambda s: s.labels(bead_id)) == ["docs", "gt:task"]
    events = ledger.read(lambda s: s.events(bead_id))
    assert [e["event_type"] for e in events] == ["created", "label_added", "label_added"]


def test_ids_are_unique_and_grow_with_the_ledger():
    assert ids.hash_length(0) == 3
    assert ids.hash_length(200) == 4
    assert ids.hash_length(1000) == 5
    taken = set()
    for _ in range(300):
        taken.add(ids.new_id("gt", "same title", len(taken), taken.__contains__))
    assert len(taken) == 300


def test_child_ids_number_steps(ledger):
    parent = ledger.write("c", lambda tx: tx.create("Molecule", issue_type="molecule"))
    first = ledger.write("c", lambda tx: tx.create("step one", parent=parent))
    second = ledger.write("c", lambda tx: tx.create("step two", parent=parent))
    assert (first, second) == (f"{parent}.1", f"{parent}.2")
    deps = ledger.read(lambda s: s.dependencies(second))
    assert [(d["depends_on_id"], d["type"]) for d in deps] == [(parent, "parent-child")]


def test_update_status_records_events_and_closed_at(ledger):
    bead_id = ledger.write("c", lambda tx: tx.create("Thing"))
    ledger.write("u", lambda tx: tx.update(bead_id, status="in_progress", assignee="gastown/polecats/nux"))
    ledger.write("close", lambda tx: tx.close(bead_id, "done it"))
    bead = ledger.get(bead_id)
    assert bead["status"] == "closed" and bead["closed_at"] and bead["close_reason"] == "done it"
    ledger.write("reopen", lambda tx: tx.reopen(bead_id))
    bead = ledger.get(bead_id)
    assert bead["status"] == "open" and bead["closed_at"] is None
    kinds = [e["event_type"] for e in ledger.read(lambda s: s.events(bead_id))]
    assert kinds == ["created", "status_changed", "closed", "reopened"]
    changed = json.loads(ledger.read(lambda s: s.events(bead_id))[1]["new_value"])
    assert changed == {"assignee": "gastown/polecats/nux", "status": "in_progress"}


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"status": "flying"}, "unknown status"),
        ({"priority": 7}, "bad priority"),
        ({"issue_type": "saga"}, "unknown bead type"),
    ],
)
def test_bad_values_are_refused_and_nothing_written(ledger, kwargs, error):
    before = ledger.read(lambda s: s.last_event_id())
    with pytest.raises(InvalidInput, match=error):
        ledger.write("c", lambda tx: tx.create("Bad", **kwargs))
    assert ledger.read(lambda s: s.last_event_id()) == before
    assert ledger.list_beads(include_closed=True) == []


def test_failed_write_unit_leaves_nothing_half_written(ledger):
    def half(tx):
        tx.create("first half")
        tx.update("gt-nope", status="closed")

    with pytest.raises(NotFound):
        ledger.write("c", half)
    assert ledger.list_beads(include_closed=True) == []


def test_dependencies_ready_and_cycles(ledger):
    a = ledger.write("c", lambda tx: tx.create("A"))
    b = ledger.write("c", lambda tx: tx.create("B"))
    ledger.write("d", lambda tx: tx.add_dependency(b, a, "blocks"))
    ghost = ledger.write("c", lambda tx: tx.create("needs another rig's bead"))
    ledger.write("d", lambda tx: tx.add_dependency(ghost, "zz-elsewhere", "blocks"))
    ready = [r["id"] for r in ledger.read(lambda s: s.ready())]
    assert a in ready and b not in ready and ghost in ready
    with pytest.raises(Conflict, match="cycle"):
        ledger.write("d", lambda tx: tx.add_dependency(a, b, "blocks"))
    with pytest.raises(InvalidInput, match="itself"):
        ledger.write("d", lambda tx: tx.add_dependency(a, a, "blocks"))
    ledger.write("close", lambda tx: tx.close(a))
    assert b in [r["id"] for r in ledger.read(lambda s: s.ready())]


def test_comments_and_events_feed(ledger):
    start = ledger.read(lambda s: s.last_event_id())
    bead_id = ledger.write("c", lambda tx: tx.create("Talk"))
    comment_id = ledger.write("comment", lambda tx: tx.add_comment(bead_id, "hello there"))
    assert ledger.read(lambda s: s.comments(bead_id))[0]["id"] == comment_id
    feed = ledger.events_since(start)
    assert [e["event_type"] for e in feed] == ["created", "commented"]
    assert start < feed[0]["seq"] < feed[1]["seq"] == ledger.read(lambda s: s.last_event_id())
    assert all(len(e["id"]) == 36 for e in feed) and len(comment_id) == 36  # beads' UUID ids
    assert ledger.events_since(feed[-1]["seq"]) == []


def test_unknown_bead_is_a_clear_error(ledger):
    with pytest.raises(NotFound, match="no bead 'gt-zzz'"):
        ledger.get("gt-zzz")
    with pytest.raises(InvalidInput, match="malformed bead id"):
        ledger.get("not an id; drop table issues")


def test_dolt_commit_per_write_names_verb_actor_and_beads(tmp_path):
    from gastown_tui.ledger import Ledger

    led = Ledger.open(f"doltlite://{tmp_path}/l.db")
    led.create()
    bead_id = led.write("bead create", lambda tx: tx.create("Committed", prefix="gt"), actor="gastown/polecats/nux")
    log = led.read(lambda s: s.rows("SELECT committer, message FROM dolt_log"))
    assert log[0]["committer"] == "gastown/polecats/nux"
    assert log[0]["message"] == f"gt bead create: {bead_id} [by gastown/polecats/nux]"
    with pytest.raises(NotFound):
        led.write("bead close", lambda tx: tx.close("gt-none"))
    assert len(led.read(lambda s: s.rows("SELECT * FROM dolt_log"))) == len(log)


def test_leases_are_exclusive_until_expiry(ledger):
    assert ledger.write("lease", lambda tx: tx.take_lease("refinery:gastown", "pid-1", 60))
    assert not ledger.write("lease", lambda tx: tx.take_lease("refinery:gastown", "pid-2", 60))
    assert ledger.write("lease", lambda tx: tx.take_lease("refinery:gastown", "pid-1", 60))
    ledger.write("lease", lambda tx: tx.release_lease("refinery:gastown", "pid-1"))
    assert ledger.write("lease", lambda tx: tx.take_lease("refinery:gastown", "pid-2", 60))


@pytest.mark.parametrize(
    "check, value",
    [
        (fields.check_name, "p1\n"),
        (fields.check_name, "../x"),
        (fields.check_bead_id, "gt-ab\n"),
        (fields.check_label, "x\n"),
        (fields.check_prefix, "gt\n"),
    ],
)
def test_names_with_a_trailing_newline_or_a_path_are_refused(check, value):
    with pytest.raises(InvalidInput):
        check(value)


def test_control_characters_never_reach_the_ledger(ledger):
    """ESC/BEL/CR would drive the terminal of whoever prints the bead; titles are one line."""
    bead_id = ledger.write(
        "c",
        lambda tx: tx.create(
            "t\x1b[31mred\x07\nnext\tcol",
            description="line\x1b]0;pwn\x07 one\r\nline\ttwo\rthree\x9b",
            assignee="gastown/polecats/\x1bnux",
        ),
    )
    bead = ledger.get(bead_id)
    assert bead["title"] == "t[31mred next col"
    assert bead["description"] == "line]0;pwn one\nline\ttwo\nthree"
    assert bead["assignee"] == "gastown/polecats/nux"
    ledger.write("u", lambda tx: tx.update(bead_id, title="\x1b[2Jnew\n", notes="a\x00b\nc", close_reason="x\x07"))
    bead = ledger.get(bead_id)
    assert (bead["title"], bead["notes"], bead["close_reason"]) == ("[2Jnew", "ab\nc", "x")
    ledger.write("k", lambda tx: tx.add_comment(bead_id, "ok\x1b[0m\nbye", author="w\x1bho"))
    comment = ledger.read(lambda s: s.comments(bead_id))[0]
    assert (comment["text"], comment["author"]) == ("ok[0m\nbye", "who")
    with pytest.raises(InvalidInput, match="a bead needs a title"):
        ledger.write("c", lambda tx: tx.create("\x1b\x07"))
    with pytest.raises(InvalidInput, match="bad label"):
        ledger.write("c", lambda tx: tx.create("labelled", labels=["gt:\x1bx"]))


def test_clean_text_for_one_line_several_lines_and_a_typed_line():
    """The one cleaner of the ledger (one line or several) and of text typed into an agent (squeezed)."""
    from gastown_tui.plaintext import clean_text

    text = "a\x1b[1m\r\n\n\tb\x07\rc\x9b"
    assert clean_text(text) == "a[1m   b c"
    assert clean_text(text, multiline=True) == "a[1m\n\n\tb\nc"
    assert clean_text(text, squeeze=True) == "a[1m b c"


def test_after_commit_runs_only_once_the_write_has_committed(ledger):
    seen = []

    def create(tx):
        tx.create("visible")
        tx.after_commit(lambda: seen.append([b["title"] for b in ledger.list_beads()]))

    ledger.write("c", create)
    assert seen == [["visible"]]  # the callback saw the committed bead

    def fail(tx):
        tx.after_commit(lambda: seen.append("rolled back"))
        tx.get("gt-nope")

    with pytest.raises(NotFound):
        ledger.write("c", fail)
    assert seen == [["visible"]]


def test_ready_work_of_one_prefix(ledger):
    mine = ledger.write("c", lambda tx: tx.create("Mine", prefix="gt"))
    theirs = ledger.write("c", lambda tx: tx.create("Theirs", prefix="bd"))
    assert [b["id"] for b in ledger.read(lambda s: s.ready(id_prefix="gt-"))] == [mine]
    assert {b["id"] for b in ledger.read(lambda s: s.ready())} == {mine, theirs}
