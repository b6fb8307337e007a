"""A database bd made (beads' schema, from its own SQL at v1.0.5) opens as it is: gt and the TUI
read it and write it as bd does (wisps apart, UUID ids, DATETIME, split dependency targets), and
not one of beads' tables changes shape."""

from __future__ import annotations

import json

import pytest
from bd_support import bd_database, schema_of
from tui_support import frozen_clock, screen_text, settle, sync

from conftest import MYSQL, run_gt
from gastown_tui.ledger import beads_schema

_ISSUE = (
    "INSERT INTO {table} (id, title, description, design, acceptance_criteria, notes, status, priority, issue_type,"
    " assignee, created_at, created_by, updated_at, ephemeral, sender, metadata)"
    " VALUES (%s, %s, %s, '', '', '', %s, %s, %s, %s, %s, %s, %s, %s, %s, '{{}}')"
)
_NUX = "gastown/polecats/nux"
_MAIL_DESCRIPTION = "The frobnicator is fixed; please review."


def _fill_as_bd(cur) -> None:
    """Rows as bd writes them: rig, agents and mail in the wisps tables (ephemeral), work in issues,
    UUID ids for dependencies/comments/events, DATETIME times, one target column per dependency."""
    rows = [
        (
            "issues",
            "gt-h00k",
            "Fix the frobnicator",
            "",
            "hooked",
            1,
            "task",
            _NUX,
            "2026-03-01 19:00:00",
            "mayor",
            0,
            "",
        ),
        ("issues", "gt-b10k", "Blocks the hook", "", "open", 2, "feature", None, "2026-03-01 09:00:00", "mayor", 0, ""),
        (
            "wisps",
            "hq-rig-gastown",
            "gastown",
            "gastown\n\nrepo: https://example.com/gastown.git\nprefix: gt",
            "open",
            2,
            "rig",
            None,
            "2026-03-01 10:00:00",
            "mayor",
            1,
            "",
        ),
        (
            "wisps",
            "gt-gastown-polecat-nux",
            _NUX,
            f"{_NUX}\n\nrole_type: polecat\nrig: gastown\nagent_state: working\nhook_bead: gt-h00k",
            "open",
            2,
            "agent",
            None,
            "2026-03-01 10:05:00",
            "mayor",
            1,
            "",
        ),
        (
            "wisps",
            "hq-wisp-m41l",
            "Review please",
            _MAIL_DESCRIPTION,
            "open",
            2,
            "message",
            "mayor/",
            "2026-03-01 12:00:00",
            _NUX,
            1,
            _NUX,
        ),
    ]
    for table, bead, title, desc, status, prio, kind, assignee, at, by, eph, sender in rows:
        cur.execute(
            _ISSUE.format(table=table), (bead, title, desc, status, prio, kind, assignee, at, by, at, eph, sender)
        )
        events = "wisp_events" if table == "wisps" else "events"
        cur.execute(
            f"INSERT INTO {events} (id, issue_id, event_type, actor, old_value, new_value, comment, created_at)"
            " VALUES (UUID(), %s, 'created', %s, '', '', NULL, %s)",
            (bead, by, at),
        )
    cur.execute("INSERT INTO labels (issue_id, label) VALUES ('gt-h00k', 'area:frob')")
    cur.execute("INSERT INTO wisp_labels (issue_id, label) VALUES ('hq-wisp-m41l', 'from:gastown/polecats/nux')")
    cur.execute(
        "INSERT INTO dependencies (id, issue_id, depends_on_issue_id, type, created_at, created_by)"
        " VALUES (UUID(), 'gt-h00k', 'gt-b10k', 'blocks', '2026-03-01 19:01:00', 'mayor')"
    )
    cur.execute(
        "INSERT INTO dependencies (id, issue_id, depends_on_external, type, created_at, created_by)"
        " VALUES (UUID(), 'gt-h00k', 'external:beads:be-r4t', 'related', '2026-03-01 19:02:00', 'mayor')"
    )
    cur.execute(
        "INSERT INTO comments (id, issue_id, author, text, created_at)"
        " VALUES (UUID(), 'gt-h00k', 'mayor', 'Look at the gears first.', '2026-03-01 19:03:00')"
    )
    cur.execute("REPLACE INTO config (`key`, value) VALUES ('issue_prefix', 'gt'), ('types.custom', 'gate')")


@pytest.fixture
def bd_town(tmp_path, monkeypatch):
    """A town whose ledger is a database bd made and filled; yields (town root, cursor, shape before)."""
    with bd_database() as (name, cur):
        _fill_as_bd(cur)
        before = schema_of(cur)
        done = run_gt("install", str(tmp_path / "town"), "--ledger", f"{MYSQL}/{name}")
        assert done.code == 0, done.out + done.err
        monkeypatch.setenv("GT_TOWN", str(tmp_path / "town"))
        monkeypatch.delenv("GT_ACTOR", raising=False)
        yield tmp_path / "town", cur, before


def _beads_tables(shape: dict[str, str]) -> dict[str, str]:
    return {name: ddl for name, ddl in shape.items() if not name.startswith("gt_")}


def test_gt_install_adds_only_its_own_prefixed_objects(bd_town):
    _, cur, before = bd_town
    after = schema_of(cur)
    assert _beads_tables(after) == before
    assert {"gt_leases", "gt_extras", "gt_issues", "gt_dependencies"} <= set(after) - set(before)
    assert all(name.startswith("gt_") for name in set(after) - set(before))
    cur.execute("SELECT value FROM config WHERE `key` = 'types.custom'")
    assert cur.fetchone()[0].split(",")[0] == "gate"  # bd's own custom types are kept, Gas Town's added


def test_gt_reads_it_as_bd_wrote_it(bd_town):
    listed = run_gt("bead", "list", "--all", "--include-infra", "--json")
    assert listed.code == 0, listed.err
    ids = {row["id"] for row in json.loads(listed.out)}
    assert {"gt-h00k", "gt-b10k", "hq-rig-gastown", "gt-gastown-polecat-nux", "hq-wisp-m41l"} <= ids
    work = {row["id"] for row in json.loads(run_gt("bead", "list", "--all", "--json").out)}
    assert "gt-h00k" in work and not {"hq-rig-gastown", "gt-gastown-polecat-nux", "hq-wisp-m41l"} & work  # as bd
    shown = run_gt("bead", "show", "gt-h00k", "--json")
    assert shown.code == 0, shown.err
    bead = json.loads(shown.out)
    assert bead["created_at"] == "2026-03-01T19:00:00Z" and bead["labels"] == ["area:frob"]
    targets = {d["depends_on_id"] for d in bead["dependencies"]}
    assert targets == {"gt-b10k", "external:beads:be-r4t"}
    assert [c["text"] for c in bead["comments"]] == ["Look at the gears first."]
    inbox = run_gt("mail", "inbox", "mayor/", "--json")
    assert inbox.code == 0, inbox.err
    assert [m["id"] for m in json.loads(inbox.out)] == ["hq-wisp-m41l"]
    rigs = run_gt("rig", "list")
    assert "gastown" in rigs.out and "gastown/polecats/nux" in rigs.out


def test_gt_writes_it_as_bd_does(bd_town):
    _, cur, before = bd_town
    made = run_gt("bead", "create", "New work from gt", "--json")
    assert made.code == 0, made.err
    work = json.loads(made.out)["id"]
    agent = run_gt("bead", "create", "gastown/polecats/ace", "--type", "agent", "--json")
    assert agent.code == 0, agent.err
    ace = json.loads(agent.out)["id"]
    for argv in (
        ("bead", "update", work, "--priority", "1"),
        ("bead", "dep", "add", work, "gt-h00k"),
        ("bead", "dep", "add", work, ace, "--type", "related"),
        ("bead", "comment", work, "Started."),
        ("bead", "update", ace, "--add-label", "gt:agent"),
        ("bead", "close", work, "--reason", "done"),
    ):
        done = run_gt(*argv)
        assert done.code == 0, (argv, done.out, done.err)
    cur.execute("SELECT status, priority, closed_at IS NOT NULL FROM issues WHERE id = %s", (work,))
    assert cur.fetchone() == ("closed", 1, 1)
    cur.execute("SELECT ephemeral FROM wisps WHERE id = %s", (ace,))
    assert cur.fetchone() == (1,)  # an infra type goes to the wisps, marked ephemeral, as bd does
    cur.execute(
        "SELECT depends_on_issue_id, depends_on_wisp_id, depends_on_external, LENGTH(id) FROM dependencies"
        " WHERE issue_id = %s ORDER BY type",
        (work,),
    )
    assert cur.fetchall() == (("gt-h00k", None, None, 36), (None, ace, None, 36))
    cur.execute("SELECT LENGTH(id), text FROM comments WHERE issue_id = %s", (work,))
    assert cur.fetchall() == ((36, "Started."),)
    cur.execute("SELECT COUNT(*) FROM events WHERE issue_id = %s AND LENGTH(id) = 36", (work,))
    assert cur.fetchone()[0] >= 4
    cur.execute("SELECT label FROM wisp_labels WHERE issue_id = %s", (ace,))
    assert cur.fetchall() == (("gt:agent",),)
    assert run_gt("bead", "dep", "remove", work, ace).code == 0
    cur.execute("SELECT COUNT(*) FROM dependencies WHERE issue_id = %s", (work,))
    assert cur.fetchone()[0] == 1
    assert _beads_tables(schema_of(cur)) == before


def test_export_gives_back_what_bd_wrote(bd_town, tmp_path):
    out = tmp_path / "out.jsonl"
    done = run_gt("export", str(out), "--format", "jsonl")
    assert done.code == 0, done.err
    records = {r["id"]: r for r in map(json.loads, out.read_text().splitlines()) if "id" in r}
    hook = records["gt-h00k"]
    assert hook["created_at"] == "2026-03-01T19:00:00Z" and hook["labels"] == ["area:frob"]
    assert {d["depends_on_id"] for d in hook["dependencies"]} == {"gt-b10k", "external:beads:be-r4t"}
    assert records["hq-wisp-m41l"]["issue_type"] == "message"


def test_gt_import_into_it_puts_records_where_bd_would(bd_town, tmp_path):
    _, cur, before = bd_town
    records = [
        {"id": "gt-i1", "title": "Imported work", "created_at": "2026-03-02T10:00:00+01:00",
         "dependencies": [{"issue_id": "gt-i1", "depends_on_id": "gt-gastown-polecat-nux", "type": "related",
                           "created_at": "2026-03-02T10:00:00Z", "created_by": "x"}],
         "comments": [{"id": 7, "issue_id": "gt-i1", "author": "x", "text": "hi", "created_at": "2026-03-02T10:00:00Z"}]},
        {"id": "gt-gastown-polecat-ace", "title": "gastown/polecats/ace", "issue_type": "agent",
         "labels": ["gt:agent"], "created_at": "2026-03-02T10:00:00Z"},
    ]  # fmt: skip
    (tmp_path / "in.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    done = run_gt("import", str(tmp_path / "in.jsonl"))
    assert done.code == 0, done.err
    cur.execute("SELECT created_at FROM issues WHERE id = 'gt-i1'")
    assert str(cur.fetchone()[0]) == "2026-03-02 09:00:00"  # the instant, in UTC
    cur.execute("SELECT id FROM wisps WHERE id = 'gt-gastown-polecat-ace'")
    assert cur.fetchone() is not None
    cur.execute("SELECT label FROM wisp_labels WHERE issue_id = 'gt-gastown-polecat-ace'")
    assert cur.fetchall() == (("gt:agent",),)
    cur.execute("SELECT depends_on_wisp_id, LENGTH(id) FROM dependencies WHERE issue_id = 'gt-i1'")
    assert cur.fetchall() == (("gt-gastown-polecat-nux", 36),)
    cur.execute("SELECT id FROM comments WHERE issue_id = 'gt-i1'")
    assert cur.fetchall() == (("7",),)
    out = tmp_path / "out.jsonl"
    assert run_gt("export", str(out), "--format", "jsonl").code == 0
    back = next(r for r in map(json.loads, out.read_text().splitlines()) if r.get("id") == "gt-i1")
    assert back["created_at"] == "2026-03-02T10:00:00+01:00" and back["comments"][0]["id"] == 7
    assert _beads_tables(schema_of(cur)) == before


def test_a_database_of_a_newer_beads_is_refused_and_left_unchanged(tmp_path):
    with bd_database() as (name, cur):
        cur.execute("INSERT INTO schema_migrations (version) VALUES (%s)", (beads_schema.latest() + 1,))
        before = schema_of(cur)
        done = run_gt("install", str(tmp_path / "town"), "--ledger", f"{MYSQL}/{name}")
        assert done.code == 3 and "newer than the 49 of beads v1.0.5" in done.err, done.err
        assert schema_of(cur) == before and not (tmp_path / "town").exists()


def test_the_tui_feed_sees_writes_bd_makes(bd_town):
    from gastown_tui.town import Town
    from gastown_tui.tui.sources import FeedFollower

    root, cur, _ = bd_town
    town = Town(root)
    try:
        follower = FeedFollower(town.ledger, root)
        first = follower.poll()
        assert first is not None and follower.poll() is None  # nothing changed
        # bd sets the agent's state and records its event, as it does: no gt_feed row
        cur.execute("UPDATE wisps SET agent_state = 'stuck' WHERE id = 'gt-gastown-polecat-nux'")
        cur.execute(
            "INSERT INTO wisp_events (id, issue_id, event_type, actor, created_at)"
            " VALUES (UUID(), 'gt-gastown-polecat-nux', 'updated', 'bd', UTC_TIMESTAMP())"
        )
        assert follower.poll() is not None
    finally:
        town.ledger.close()


@sync
async def test_the_tui_shows_its_rig_agents_and_mail(bd_town):
    from gastown_tui.town import Town
    from gastown_tui.tui.app import GastownApp

    root, _, _ = bd_town
    town = Town(root)
    app = GastownApp(town, clock=frozen_clock, follow=False)
    try:
        async with app.run_test(size=(160, 48)) as pilot:
            await settle(pilot)
            text = screen_text(app)
            assert "gastown" in text and "nux" in text and "gt-h00k" in text
    finally:
        town.ledger.close()
