"""An imported town: rigs, agents, hooks and merge requests known only from the ledger are shown
at once, marked as not on this machine (their refinery cannot run here)."""

from __future__ import annotations

import json
from pathlib import Path

from tui_support import frozen_clock, screen_text, settle, sync

from gastown_tui.ledger.transfer import import_backup
from gastown_tui.services.townview import read_town
from gastown_tui.tui.app import GastownApp
from gastown_tui.tui.widgets.merge_queue import MergeQueueTable

SHAPES = Path(__file__).resolve().parent / "fixtures" / "beads-shapes"
MR_DESCRIPTION = (
    "branch: polecat/nux/gt-h00k\ntarget: main\nsource_issue: gt-h00k\nrig: gastown\ncommit_sha: abc123\n"
    "worker: gastown/polecats/nux\nagent_bead: gt-gastown-polecat-nux\nretry_count: 0"
)


def _imported(town, tmp_path) -> None:
    import_backup(town.ledger, str(SHAPES / "folder-v0.61"))
    import_backup(town.ledger, str(SHAPES / "stream-v1.0.5.jsonl"))
    mr = {
        "id": "gt-wisp-mr1",
        "title": "Merge: gt-h00k",
        "status": "open",
        "priority": 1,
        "issue_type": "task",
        "ephemeral": True,
        "created_at": "2026-03-02T10:00:00Z",
        "labels": ["gt:merge-request"],
        "description": MR_DESCRIPTION,
    }
    (tmp_path / "mr.jsonl").write_text(json.dumps(mr) + "\n")
    import_backup(town.ledger, str(tmp_path / "mr.jsonl"))


def test_rigs_agents_and_hooks_known_only_from_the_ledger_are_in_the_town_view(town, tmp_path):
    _imported(town, tmp_path)
    snap = read_town(town.ledger, town.root)
    assert {(r.name, r.local) for r in snap.rigs} == {("gastown", False), ("beads", False)}
    nux = snap.agent("gt-gastown-polecat-nux")
    assert (nux.address, nux.hook_bead, nux.hook_title) == ("gastown/polecats/nux", "gt-h00k", "Fix the frobnicator")
    # beads/polecats/ace has hooked work but no agent bead with its rig and role: known by its address
    ace = snap.agent("beads/polecats/ace")
    assert (ace.rig, ace.role, ace.state, ace.hook_bead) == ("beads", "polecat", "unknown", "be-r4t")
    (mr,) = snap.merge_requests
    assert (mr.id, mr.rig, mr.local) == ("gt-wisp-mr1", "gastown", False)


def test_gt_rig_list_shows_ledger_only_rigs_with_their_agents(town, gt, tmp_path):
    _imported(town, tmp_path)
    listed = gt("rig", "list")
    assert listed.code == 0, listed.err
    assert "gastown" in listed.out and "not on this machine (known from the ledger)" in listed.out
    assert "gastown/polecats/nux" in listed.out and "gt-h00k Fix the frobnicator" in listed.out
    rows = {r["name"]: r for r in gt("rig", "list", "--json").json()}
    assert rows["beads"]["local"] is False and rows["beads"]["agents"][0]["hook_bead"] == "be-r4t"


def test_gt_mq_list_shows_merge_requests_of_absent_rigs_read_only(town, gt, tmp_path):
    _imported(town, tmp_path)
    listed = gt("mq", "list", "--all")
    assert listed.code == 0, listed.err
    assert "gt-wisp-mr1" in listed.out and "(read-only)" in listed.out
    assert "rig gastown is not on this machine" in listed.out
    (row,) = gt("mq", "list", "gastown", "--json").json()
    assert row["local"] is False and row["ready"] is False
    assert gt("mq", "list", "nowhere").code != 0


@sync
async def test_the_tui_marks_absent_rigs_and_their_queue(town, tmp_path):
    _imported(town, tmp_path)
    app = GastownApp(town, clock=frozen_clock, follow=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "gastown (not on this machine)" in text and "beads (not on this machine)" in text
        assert "gt-h00k" in text
        queue = app.screen.query_one(MergeQueueTable)
        assert "1 read-only (rig not on this machine" in str(queue.border_subtitle)


def test_the_header_says_no_rig_is_on_this_machine_not_that_there_are_none():
    from gastown_tui.services.daemon import DaemonStatus
    from gastown_tui.tui.screens.town import _daemon_state

    assert _daemon_state(DaemonStatus(passes=1)) == "idle (no rigs on this machine)"
