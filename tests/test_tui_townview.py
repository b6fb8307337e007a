"""The read model behind every pane: one read of the ledger, on both backends."""

from __future__ import annotations

import sys

from tui_support import CONVOY, MR_FIRST, MR_SECOND, MSG_ESCALATION, MSG_READ, MSG_UNREAD, populate

from gastown_tui.fieldlines import find_fields
from gastown_tui.services.townview import read_town


def test_town_view_of_the_gastown_ledger(town):
    populate(town.ledger)
    snap = read_town(town.ledger, town.root)

    (rig,) = snap.rigs
    assert rig.name == "gastown"
    roles = [a.role for a in rig.agents]
    assert roles[:2] == ["witness", "refinery"] and "polecat" in roles and roles[-1] == "crew"
    ace = snap.agent("gt-gastown-polecat-ace")
    # The hook is the hooked bead assigned to the polecat, which wins over the agent bead's hook_bead field.
    assert (ace.address, ace.hook_bead, ace.hook_title) == ("gastown/polecats/ace", "gt-tui-c", "Session cookies")
    # Its state is what `gt polecat list` computes, not the bead's raw agent_state ("spawning"):
    # hooked, no live session, spawned long ago — a zombie.
    assert ace.session == "gt-gastown-ace" and ace.state == "zombie"
    assert snap.agent("gt-gastown-polecat-nux").state == "nuked"

    (convoy,) = snap.convoys
    assert convoy.id == CONVOY and (convoy.closed, convoy.total) == (2, 4) and convoy.progress == 0.5
    # gt-tui-d is ready, but ace works on gt-tui-c: the convoy has a swarm, so it is not stranded
    # (the same answer as gt convoy status and the witness give)
    assert not convoy.stranded
    assert [t.assignee for t in convoy.tracked if t.status == "hooked"] == ["gastown/polecats/ace"]

    assert [m.id for m in snap.merge_requests] == [MR_FIRST, MR_SECOND]
    first = snap.merge_requests[0]
    assert (first.rig, first.source_title, first.worker, first.branch) == (
        "gastown",
        "Add login form",
        "gastown/polecats/toast",
        "polecat/toast/gt-tui-a",
    )
    assert {m.id for m in snap.inbox} == {MSG_UNREAD, MSG_READ, MSG_ESCALATION}
    assert snap.unread == 2
    assert next(m for m in snap.inbox if m.id == MSG_UNREAD).sender == "gastown/witness"
    assert snap.feed_mark == town.ledger.read(lambda s: s.feed_mark())


def test_stranded_needs_ready_work_and_nobody_on_the_convoy(town):
    populate(town.ledger)
    town.ledger.write("t", lambda tx: tx.update("gt-tui-c", status="open", assignee=None))  # ace leaves
    assert read_town(town.ledger).convoys[0].stranded

    def block(tx):
        tx.create("Blocker", bead_id="gt-tui-x")
        tx.add_dependency("gt-tui-c", "gt-tui-x", "blocks")
        tx.add_dependency("gt-tui-d", "gt-tui-x", "blocks")

    town.ledger.write("t", block)
    assert not read_town(town.ledger).convoys[0].stranded  # nothing ready: waiting, not stranded


def test_fields_after_a_leading_paragraph():
    assert find_fields("title line\n\nrole_type: polecat\nrig: r") == {"role_type": "polecat", "rig": "r"}
    assert find_fields("branch: b\ntarget: main\n\nprose") == {"branch": "b", "target": "main"}
    assert find_fields("Convoy tracking 2 issues\nOwner: mayor/\nNotify: overseer") == {
        "owner": "mayor/",
        "notify": "overseer",
    }
    assert find_fields("just prose") == {}


def test_services_do_not_import_textual():
    import subprocess

    code = "import sys, gastown_tui.services.townview; sys.exit('textual' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_gate_summary_names_the_first_failing_gate():
    from gastown_tui.services.townview import MergeRequestView

    def view(*gates: tuple[str, bool]) -> MergeRequestView:
        return MergeRequestView("gt-mr", "gastown", "gt-a", "A", "polecat/nux/gt-a", "main", "gastown/polecats/nux",
                                "open", 2, (), {}, gates=gates)  # fmt: skip

    assert view(("unit tests", True), ("scripted check", False)).gate_summary == "✗ scripted check"
    assert view(("unit tests", True), ("lint", True)).gate_summary == "✓ 2 passed"
    assert view().gate_summary == ""


def test_the_tui_queue_is_in_gt_mq_list_order(town, gt):
    """One reader of the queue: the TUI's order is the refinery's score order, which is not the
    plain (priority, created_at) order when retries push an MR back."""
    from gastown_tui.fieldlines import with_fields

    populate(town.ledger)
    mr = town.ledger.get(MR_FIRST)
    town.ledger.write(
        "retries", lambda tx: tx.update(MR_FIRST, description=with_fields(mr["description"], retry_count="3"))
    )
    tui = [m.id for m in read_town(town.ledger, town.root).merge_requests]
    cli = [m["id"] for m in gt("mq", "list", "--json").json()]
    assert tui == cli == [MR_SECOND, MR_FIRST]  # P1 with 3 retries (-150) falls behind P2
