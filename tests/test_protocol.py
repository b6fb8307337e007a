"""Protocol mail: each kind builds Gas Town's subject and `Key: value` body and parses back typed."""

from __future__ import annotations

import pytest
from mail_support import add_agent, add_rig

from gastown_tui.errors import InvalidInput
from gastown_tui.services import mail, protocol

SAMPLES = [
    protocol.PolecatDone(polecat="nux", exit="MERGED", issue="gt-abc", mr="gt-mr1", branch="polecat/nux/gt-abc"),
    protocol.MergeReady(polecat="nux", branch="polecat/nux/gt-abc", issue="gt-abc", verified="clean git state"),
    protocol.Merged(
        polecat="nux",
        branch="polecat/nux/gt-abc",
        issue="gt-abc",
        rig="gastown",
        target="main",
        merged_at="2026-01-02T03:04:05Z",
        merge_commit="1a2b3c4d",
    ),
    protocol.MergeFailed(
        polecat="nux",
        branch="polecat/nux/gt-abc",
        issue="gt-abc",
        rig="gastown",
        target="main",
        failed_at="2026-01-02T03:04:05Z",
        failure_type="tests",
        error="2 failed,\n 10 passed",
        note="full log:\nFAILED test_x",
    ),
    protocol.ReworkRequest(
        polecat="nux",
        branch="polecat/nux/gt-abc",
        issue="gt-abc",
        rig="gastown",
        target="main",
        requested_at="2026-01-02T03:04:05Z",
        conflict_files=("src/a.py", "README.md"),
        note="Please rebase onto main:\n\n  git rebase origin/main",
    ),
    protocol.Escalation(severity="HIGH", topic="nux stuck on gt-abc", source="gastown/polecats/nux", issue="gt-abc"),
]


@pytest.mark.parametrize("message", SAMPLES, ids=lambda m: m.KIND)
def test_round_trip(message):
    parsed = protocol.parse(message.subject, message.body)
    expected = message
    if isinstance(message, protocol.MergeFailed):  # field values are one line
        expected = protocol.MergeFailed(**{**message.__dict__, "error": "2 failed, 10 passed"})
    assert parsed == expected
    assert type(parsed) is type(message)


def test_wire_format_is_gas_towns():
    merged = SAMPLES[2]
    assert merged.subject == "MERGED nux"
    assert merged.body == (
        "Polecat: nux\nBranch: polecat/nux/gt-abc\nIssue: gt-abc\nRig: gastown\nTarget: main\n"
        "Merged-At: 2026-01-02T03:04:05Z\nMerge-Commit: 1a2b3c4d"
    )
    done = SAMPLES[0]
    assert done.subject == "POLECAT_DONE nux"
    assert done.body.splitlines()[:4] == ["Polecat: nux", "Exit: MERGED", "Issue: gt-abc", "MR: gt-mr1"]
    rework = SAMPLES[4]
    assert "Conflict-Files: src/a.py, README.md\n\nPlease rebase" in rework.body
    escalation = SAMPLES[5]
    assert escalation.subject == "ESCALATION [HIGH] nux stuck on gt-abc"
    assert (escalation.priority, escalation.MSG_TYPE) == (1, "escalation")


def test_parses_hand_written_gas_town_mail():
    body = "Branch: polecat/toast/gt-9\nIssue: gt-9\nPolecat: toast\nVerified: clean git state, issue closed\n"
    ready = protocol.parse("MERGE_READY toast", body)
    assert isinstance(ready, protocol.MergeReady)
    assert (ready.polecat, ready.branch, ready.verified) == (
        "toast",
        "polecat/toast/gt-9",
        "clean git state, issue closed",
    )


def test_ordinary_mail_is_not_protocol():
    assert protocol.parse("hello", "Branch: x") is None
    assert protocol.parse("MERGEDX nux", "") is None
    assert protocol.kind_of("MERGE_FAILED nux") == "MERGE_FAILED"


def test_malformed_protocol_mail_is_invalid_input():
    with pytest.raises(InvalidInput, match="MERGED mail lacks Rig, Target, Merged-At, Merge-Commit"):
        protocol.parse("MERGED nux", "Branch: b\nIssue: gt-1\n")
    with pytest.raises(InvalidInput, match="without a name"):
        protocol.parse("MERGED", "")
    with pytest.raises(InvalidInput, match="bad exit 'DONE'"):
        protocol.PolecatDone(polecat="nux", exit="DONE", issue="gt-1")
    with pytest.raises(InvalidInput, match="bad failure-type"):
        protocol.parse("MERGE_FAILED nux", SAMPLES[3].body.replace("tests", "flaky"))
    with pytest.raises(InvalidInput, match="lacks a \\[SEVERITY\\]"):
        protocol.parse("ESCALATION help", "")
    with pytest.raises(InvalidInput, match="bad severity"):
        protocol.parse("ESCALATION [SOON] help", "")


def test_post_sends_through_mail_and_reads_back(ledger):
    def setup(tx):
        add_rig(tx, "gastown")
        add_agent(tx, "gastown", "nux")

    ledger.write("setup", setup)
    failed = SAMPLES[3]
    (mid,) = ledger.write("done", lambda tx: protocol.post(tx, failed, sender="gastown/refinery", to="gastown/witness"))
    (esc,) = ledger.write("esc", lambda tx: protocol.post(tx, SAMPLES[5], sender="gastown/witness", to="mayor/"))
    got = ledger.read(lambda s: mail.get_message(s, mid))
    assert (got.subject, got.priority, got.msg_type, got.to) == (
        "MERGE_FAILED nux",
        1,
        "notification",
        "gastown/witness",
    )
    assert protocol.parse(got.subject, got.body).failure_type == "tests"
    escalated = ledger.read(lambda s: mail.get_message(s, esc))
    assert escalated.msg_type == "escalation" and "gt:escalation" in escalated.labels
    assert protocol.parse(escalated.subject, escalated.body) == SAMPLES[5]
