"""Convoys on both backends: landing across rigs, one mail, reopening, swarm, stranded, stalled."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest

from gastown_tui.errors import InvalidInput, NotFound
from gastown_tui.services import convoys, mail

NUX = "gastown/polecats/nux"


def _beads(ledger, *specs):
    """Create beads from (title, prefix) pairs in one write; returns their ids."""
    return ledger.write("c", lambda tx: [tx.create(title, prefix=prefix) for title, prefix in specs])


def _landing_mail(ledger, to="overseer"):
    return [m for m in ledger.read(lambda s: mail.inbox(s, to)) if m.subject.startswith("🚚 Convoy landed")]


def test_convoy_across_two_rigs_lands_once_with_one_mail_and_reopens(ledger):
    a, b = _beads(ledger, ("Fix parser", "gt"), ("Fix docs", "bd"))
    cid = ledger.write("convoy", lambda tx: convoys.create_convoy(tx, "Parser batch", [a, b]))
    assert re.fullmatch(r"gt-cv-[0-9a-z]{5}", cid)
    convoy = ledger.get(cid)
    assert convoy["issue_type"] == "convoy" and convoy["status"] == "open"
    assert "gt:convoy" in ledger.read(lambda s: s.labels(cid))
    deps = ledger.read(lambda s: s.dependencies(cid, "tracks"))
    assert sorted(d["depends_on_id"] for d in deps) == sorted([a, b])

    assert ledger.write("close", lambda tx: convoys.close_beads(tx, [a], "done")) == []
    status = ledger.read(lambda s: convoys.status(s, cid))
    assert (status.closed, status.total, status.progress, status.status) == (1, 2, 0.5, "open")
    assert _landing_mail(ledger) == []

    assert ledger.write("close", lambda tx: convoys.close_beads(tx, [b], "done")) == [cid]
    assert ledger.get(cid)["status"] == "closed"
    assert ledger.get(cid)["close_reason"] == convoys.LANDED_REASON
    landed = _landing_mail(ledger)
    assert len(landed) == 1
    assert landed[0].subject == "🚚 Convoy landed: Parser batch"
    assert a in landed[0].body and b in landed[0].body

    # closing again (already closed) neither re-lands nor mails twice
    assert ledger.write("close", lambda tx: convoys.close_beads(tx, [a, b])) == []
    assert len(_landing_mail(ledger)) == 1

    (c,) = _beads(ledger, ("Fix tests", "bd"))
    assert ledger.write("add", lambda tx: convoys.track(tx, cid, [c])) == [c]
    status = ledger.read(lambda s: convoys.status(s, cid))
    assert (status.status, status.closed, status.total) == ("open", 2, 3)

    assert ledger.write("close", lambda tx: convoys.close_beads(tx, [c])) == [cid]
    assert len(_landing_mail(ledger)) == 2


def test_closing_several_tracked_beads_at_once_mails_once(ledger):
    a, b = _beads(ledger, ("A", "gt"), ("B", "bd"))
    cid = ledger.write("convoy", lambda tx: convoys.create_convoy(tx, "Both", [a, b], notify="mayor/"))
    assert ledger.write("close", lambda tx: convoys.close_beads(tx, [a, b])) == [cid]
    assert len(_landing_mail(ledger, "mayor/")) == 1
    assert _landing_mail(ledger) == []


def _edge_elsewhere(tx, convoy: str, target: str) -> None:
    """A tracks edge to a bead beads holds elsewhere (``depends_on_external``), as Gas Town stores one."""
    tx.execute(
        "INSERT INTO dependencies (id, issue_id, depends_on_external, type, created_at, created_by)"
        " VALUES (?, ?, ?, 'tracks', ?, 'mayor')",
        (str(uuid.uuid4()), convoy, target, tx.time("2026-01-02T00:00:00Z")),
    )


def test_empty_convoy_and_missing_targets_never_land(ledger):
    (a,) = _beads(ledger, ("A", "gt"))
    empty = ledger.write("convoy", lambda tx: convoys.create_convoy(tx, "Nothing yet"))
    far = ledger.write("convoy", lambda tx: convoys.create_convoy(tx, "Far", [a]))
    ledger.write("import", lambda tx: _edge_elsewhere(tx, far, "zz-notthere"))  # an imported edge to a gone bead
    ledger.write("close", lambda tx: convoys.close_beads(tx, [a]))
    assert ledger.get(empty)["status"] == "open"
    assert ledger.get(far)["status"] == "open"
    status = ledger.read(lambda s: convoys.status(s, far))
    assert {t.id: t.status for t in status.tracked} == {a: "closed", "zz-notthere": "missing"}
    gone = next(t for t in status.as_json()["tracked"] if t["id"] == "zz-notthere")
    assert gone == {"id": "zz-notthere", "title": "", "status": "missing", "assignee": None, "blocked": False,
                    "ready": False}  # fmt: skip
    assert ledger.read(lambda s: convoys.status(s, empty)).progress == 0.0
    assert _landing_mail(ledger) == []


def test_unknown_beads_are_refused_and_nothing_is_written(ledger):
    (a,) = _beads(ledger, ("A", "gt"))
    before = ledger.read(lambda s: s.rows("SELECT id FROM gt_issues ORDER BY id"))
    with pytest.raises(NotFound) as refused:
        ledger.write("convoy", lambda tx: convoys.create_convoy(tx, "Never lands", [a, "zz-nope"]))
    assert refused.value.message == "no bead zz-nope in the ledger"
    assert ledger.read(lambda s: s.rows("SELECT id FROM gt_issues ORDER BY id")) == before
    cid = ledger.write("convoy", lambda tx: convoys.create_convoy(tx, "Lands", [a]))
    with pytest.raises(NotFound) as refused:
        ledger.write("add", lambda tx: convoys.track(tx, cid, ["zz-one", a, "zz-two"]))
    assert refused.value.message == "no beads zz-one, zz-two in the ledger"
    assert ledger.read(lambda s: convoys.tracked_ids(s, cid)) == [a]


def test_swarm_ready_and_stranded(ledger):
    a, b, c = _beads(ledger, ("A", "gt"), ("B", "gt"), ("C", "bd"))
    ledger.write("dep", lambda tx: tx.add_dependency(c, a, "blocks"))
    cid = ledger.write("convoy", lambda tx: convoys.create_convoy(tx, "Work", [a, b, c]))
    status = ledger.read(lambda s: convoys.status(s, cid))
    assert sorted(status.ready) == sorted([a, b]) and status.swarm == () and status.stranded is True

    ledger.write("hook", lambda tx: tx.update(a, status="hooked", assignee=NUX))
    status = ledger.read(lambda s: convoys.status(s, cid))
    assert [(t.id, t.assignee) for t in status.swarm] == [(a, NUX)]
    assert status.as_json()["swarm"] == [{"bead": a, "assignee": NUX}]
    assert status.ready == (b,) and status.stranded is False
    by_id = {t.id: t for t in status.tracked}
    assert by_id[c].blocked is True and by_id[c].ready is False
    assert [c.id for c in ledger.read(lambda s: convoys.listing(s))] == [cid]


def test_mountain_convoys_get_stall_detection(ledger):
    a, b = _beads(ledger, ("A", "gt"), ("B", "gt"))
    hill = ledger.write("convoy", lambda tx: convoys.create_convoy(tx, "Hill", [a]))
    peak = ledger.write("convoy", lambda tx: convoys.create_convoy(tx, "Peak", [b], labels=["mountain"]))
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=5)
    by_id = {c.id: c for c in ledger.read(lambda s: convoys.listing(s, now=later))}
    assert by_id[peak].mountain and by_id[peak].stalled is True
    assert by_id[hill].stalled is False  # only mountains are watched
    assert ledger.read(lambda s: convoys.status(s, peak, now=soon)).stalled is False
    # the threshold is configurable through the ledger
    ledger.write("cfg", lambda tx: tx.set_config(convoys.STALL_CONFIG_KEY, "2"))
    assert ledger.read(lambda s: convoys.status(s, peak, now=soon)).stalled is True


def test_ensure_convoy_creates_one_and_reuses_it(ledger):
    (a,) = _beads(ledger, ("Polish", "gt"))
    first = ledger.write("sling", lambda tx: convoys.ensure_convoy(tx, a))
    assert ledger.get(first)["title"] == "Work: Polish"
    assert ledger.write("sling", lambda tx: convoys.ensure_convoy(tx, a)) == first
    # landed, then the bead is reopened and slung again: the same convoy reopens
    ledger.write("close", lambda tx: convoys.close_beads(tx, [a]))
    assert ledger.get(first)["status"] == "closed"
    ledger.write("reopen", lambda tx: tx.reopen(a))
    assert ledger.write("sling", lambda tx: convoys.ensure_convoy(tx, a)) == first
    assert ledger.get(first)["status"] == "open"


def test_bad_notify_address_and_non_convoys_are_refused(ledger):
    (a,) = _beads(ledger, ("A", "gt"))
    before = ledger.read(lambda s: s.last_event_id())
    with pytest.raises(InvalidInput, match="unknown address"):
        ledger.write("convoy", lambda tx: convoys.create_convoy(tx, "X", [a], notify="nowhere/witness"))
    assert ledger.read(lambda s: s.last_event_id()) == before
    with pytest.raises(InvalidInput, match="is not a convoy"):
        ledger.read(lambda s: convoys.status(s, a))


def test_cli_convoy_flow_and_bead_close_lands(town, gt):
    a = gt("bead", "create", "Fix parser").out.strip()
    b = gt("bead", "create", "Fix docs").out.strip()
    made = gt("convoy", "create", "Batch", a, b, "--label", "mountain", "--json")
    assert made.code == 0, made.err
    cid = made.json()["id"]
    assert made.json()["total"] == 2 and "mountain" in made.json()["labels"]

    listed = gt("convoy", "list", "--json").json()
    assert [c["id"] for c in listed] == [cid] and listed[0]["stranded"] is True
    assert "0/2 closed" in gt("convoy", "list").out

    assert gt("bead", "close", a).code == 0
    assert gt("convoy", "status", cid, "--json").json()["closed"] == 1
    assert gt("bead", "close", b).code == 0
    assert gt("convoy", "status", cid, "--json").json()["status"] == "closed"
    assert gt("convoy", "list", "--json").json() == []
    assert [c["id"] for c in gt("convoy", "list", "--all", "--json").json()] == [cid]
    assert len(_landing_mail(town.ledger)) == 1

    c = gt("bead", "create", "Fix tests").out.strip()
    added = gt("convoy", "add", cid, c, "--json")
    assert added.code == 0 and added.json()["status"] == "open" and added.json()["total"] == 3
    text = gt("convoy", "status", cid).out
    assert f"🚚 {cid}: Batch" in text and "2/3 closed" in text and "ready" in text

    bad = gt("convoy", "status", a)
    assert bad.code != 0 and "is not a convoy" in bad.err


def test_oldest_convoy_of_each_bead_in_one_read(ledger):
    bead = ledger.write("c", lambda tx: tx.create("Tracked twice", prefix="gt"))
    loner = ledger.write("c", lambda tx: tx.create("In no convoy", prefix="gt"))
    first = ledger.write("c", lambda tx: convoys.create_convoy(tx, "Older", [bead]))
    ledger.write("age", lambda tx: tx.execute(f"UPDATE {tx.owner(first)} SET created_at = ? WHERE id = ?",
                                              (tx.time("2026-01-01T00:00:00Z"), first)))  # fmt: skip
    ledger.write("c", lambda tx: convoys.create_convoy(tx, "Newer", [bead]))
    foreign = ledger.write("c", lambda tx: tx.create("Gas Town style", prefix="bd"))
    ledger.write("c", lambda tx: tx.create("External", issue_type="convoy", bead_id="hq-cv-ext01"))
    ledger.write("import", lambda tx: _edge_elsewhere(tx, "hq-cv-ext01", f"external:bd:{foreign}"))  # cross-rig
    found = ledger.read(lambda s: convoys.oldest_convoy_created(s, [bead, loner, foreign]))
    assert found[bead] == "2026-01-01T00:00:00Z"
    assert loner not in found and foreign in found


def test_convoys_of_one_rigs_prefix(ledger):
    mine = ledger.write("c", lambda tx: tx.create("Mine", prefix="gt"))
    theirs = ledger.write("c", lambda tx: tx.create("Theirs", prefix="bd"))
    first = ledger.write("c", lambda tx: convoys.create_convoy(tx, "Gas Town work", [mine]))
    ledger.write("c", lambda tx: convoys.create_convoy(tx, "Beads work", [theirs]))
    assert [c.id for c in ledger.read(lambda s: convoys.listing(s, prefix="gt"))] == [first]
    assert ledger.read(lambda s: convoys.listing(s, prefix="zz")) == []


def test_town_create_and_add_return_the_convoy(town):
    a, b = _beads(town.ledger, ("A", "hq"), ("B", "hq"))
    made = convoys.create(town, "Both", [a], labels=["mountain"])
    assert (made.title, made.status, made.total, made.mountain, made.ready) == ("Both", "open", 1, True, (a,))
    assert made == convoys.status(town, made.id) and convoys.listing(town) == [made]
    added, grown = convoys.add(town, made.id, [a, b])
    assert added == [b] and (grown.total, grown.closed) == (2, 0)
    town.ledger.write("close", lambda tx: convoys.close_beads(tx, [a, b]))
    assert convoys.status(town, made.id).status == "closed" and convoys.listing(town) == []
