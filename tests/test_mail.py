"""The mail router on both backends: storage as beads, inbox, threads, queues, races, nudges."""

from __future__ import annotations

import pytest
from mail_support import add_agent, add_rig, race
from polecat_support import tmux_server, wait_for  # noqa: F401  (fixture)

from conftest import run_gt
from gastown_tui.errors import Conflict, InvalidInput, NotFound
from gastown_tui.services import mail
from gastown_tui.services.mail.mailbox import mark_read_in
from gastown_tui.town import Town


@pytest.fixture
def town_crew(town):
    """The conftest town with a rig ``gastown``, polecats nux and furiosa, and a witness."""

    def setup(tx):
        add_rig(tx, "gastown")
        add_agent(tx, "gastown", "nux")
        add_agent(tx, "gastown", "furiosa")

    town.ledger.write("setup", setup)
    return town


def send(ledger, to, subject="hello", sender="overseer", **kw):
    """``mail.send_in`` in a write of its own: the message ids."""
    return ledger.write(
        "mail send", lambda tx: mail.send_in(tx, sender=sender, to=to, subject=subject, prefix="hq", **kw)
    )


def message_count(ledger) -> int:
    return ledger.read(lambda s: s.scalar("SELECT COUNT(*) FROM gt_issues WHERE issue_type = 'message'"))


def test_a_message_is_a_bead_the_gas_town_way(ledger):
    (mid,) = send(ledger, "mayor/", "Build failed", body="see the log", priority=1, msg_type="task")
    bead = ledger.get(mid)
    assert mid.startswith("hq-")
    assert (bead["issue_type"], bead["title"], bead["description"]) == ("message", "Build failed", "see the log")
    assert (bead["assignee"], bead["priority"], bead["status"], bead["created_by"]) == ("mayor/", 1, "open", "overseer")
    labels = ledger.read(lambda s: s.labels(mid))
    thread = next(label for label in labels if label.startswith("thread:"))
    assert len(thread) == len("thread:thread-") + 12
    assert set(labels) == {"gt:message", "from:overseer", "msg-type:task", thread}
    got = ledger.read(lambda s: mail.get_message(s, mid))
    assert (got.sender, got.to, got.read, got.archived) == ("overseer", "mayor/", False, False)


def test_inbox_read_unread_archive(town):
    ledger = town.ledger
    first, second = send(ledger, "mayor/", "one")[0], send(ledger, "mayor/", "two")[0]
    send(ledger, "deacon/", "not mine")
    ledger.write("hook", lambda tx: tx.create("work on the hook", assignee="mayor/", status="hooked"))  # not mail
    assert [m.id for m in mail.inbox(town, "mayor/")] == [second, first]  # newest first
    # Gas Town's own mail: issue_type task, kind in the gt:message label.
    imported = ledger.write("import", lambda tx: tx.create("old mail", assignee="mayor/", labels=["gt:message"]))
    assert imported in [m.id for m in mail.inbox(town, "mayor/")]
    mail.archive(town, imported)
    assert mail.mark_read(town, first).read
    assert [m.id for m in mail.inbox(town, "mayor/", unread=True)] == [second]
    assert mail.unread_count(town, "mayor/") == 1
    assert not mail.mark_unread(town, first).read
    assert mail.unread_count(town, "mayor/") == 2
    archived = mail.archive(town, first)
    assert archived.archived and ledger.get(first)["status"] == "closed"
    assert [m.id for m in mail.inbox(town, "mayor/")] == [second]
    # the readers read inside a caller's session too
    assert ledger.read(lambda s: [m.id for m in mail.inbox(s, "mayor/")]) == [second]
    assert ledger.read(lambda s: mail.unread_count(s, "mayor/")) == 1


def test_unknown_address_or_bad_field_sends_nothing(ledger):
    with pytest.raises(InvalidInput, match="unknown address 'gastown/polecats/zed'"):
        send(ledger, "gastown/polecats/zed")
    with pytest.raises(InvalidInput, match="mail list 'ops'"):  # one bad member: no copy to the good ones
        send(ledger, "ops", lists={"ops": ["mayor/", "nobody/witness"]})
    with pytest.raises(InvalidInput, match="needs a subject"):
        send(ledger, "mayor/", subject="  ")
    with pytest.raises(InvalidInput, match="unknown message type"):
        send(ledger, "mayor/", msg_type="gossip")
    with pytest.raises(InvalidInput, match="bad sender"):
        send(ledger, "mayor/", sender="two words")
    assert message_count(ledger) == 0


def test_groups_and_lists_fan_out_one_bead_per_recipient(ledger):
    def setup(tx):
        add_rig(tx, "gastown")
        add_agent(tx, "gastown", "nux")
        add_agent(tx, "gastown", "furiosa")

    ledger.write("setup", setup)
    ids = send(ledger, "@gastown/polecats", "stand down", sender="gastown/witness")
    beads = ledger.read(lambda s: s.get_many(ids))
    assert sorted(b["assignee"] for b in beads.values()) == ["gastown/polecats/furiosa", "gastown/polecats/nux"]
    threads = {m.thread for m in ledger.read(lambda s: [mail.get_message(s, i) for i in ids])}
    assert len(threads) == 1  # one conversation, many copies
    ids = send(ledger, "ops", "status?", lists={"ops": ["mayor/", "@gastown/polecats"]})
    assert len(ids) == 3


def test_reply_keeps_the_thread_and_goes_to_the_sender(town):
    ledger = town.ledger
    (question,) = send(ledger, "mayor/", "Deploy today?", sender="overseer")
    answer = mail.reply(town, question, sender="mayor/", body="yes").id
    again = mail.reply(town, answer, sender="overseer", body="ok").id
    (unrelated,) = send(ledger, "mayor/", "Deploy today?")
    got = [mail.get_message(town, i) for i in (question, answer, again, unrelated)]
    assert (got[1].to, got[1].subject, got[1].reply_to, got[1].msg_type) == (
        "overseer",
        "Re: Deploy today?",
        question,
        "reply",
    )
    assert (got[2].to, got[2].subject, got[2].reply_to) == ("mayor/", "Re: Deploy today?", answer)
    assert got[0].thread == got[1].thread == got[2].thread != got[3].thread
    mail.archive(town, question)
    assert [m.id for m in mail.thread(town, again)] == [question, answer, again]


def test_claim_and_release(town):
    ledger = town.ledger
    low = send(ledger, "queue:work", "later", priority=3)[0]
    urgent = send(ledger, "queue:work", "now", priority=0)[0]
    assert "queue:work" in ledger.read(lambda s: s.labels(low))
    taken = mail.claim(town, "work", "gastown/polecats/nux")
    assert (taken.id, taken.claimed_by, taken.to) == (urgent, "gastown/polecats/nux", "queue:work")
    assert taken.claimed_at.endswith("Z")
    assert mail.claim(town, "queue:work", "w2").id == low
    with pytest.raises(NotFound, match="queue:work has no unclaimed messages"):
        mail.claim(town, "work", "w3")
    with pytest.raises(Conflict, match="claimed by gastown/polecats/nux, not w2"):
        mail.release(town, urgent, "w2")
    released = mail.release(town, urgent, "gastown/polecats/nux")
    assert not released.claimed_by and not any(label.startswith("claimed-") for label in released.labels)
    with pytest.raises(Conflict, match="is not claimed"):
        mail.release(town, urgent, "overseer")
    assert mail.claim(town, "work", "w3").id == urgent
    assert mail.release(town, urgent, "overseer").claimed_by == ""  # the human may
    (plain,) = send(ledger, "mayor/")
    with pytest.raises(InvalidInput, match="not a queue message"):
        mail.release(town, plain, "mayor/")


def test_mail_is_in_the_order_of_the_instants_sent_whatever_the_offset(town, gt, tmp_path):
    """Imported mail carries mixed UTC offsets: as text 10:00-08:00 < 12:00+01:00 < 15:00Z, but in
    time east (11:00 UTC) came first, then utc (15:00 UTC), then west (18:00 UTC)."""
    import json

    stamps = {"west": "2026-01-01T10:00:00-08:00", "east": "2026-01-01T12:00:00+01:00", "utc": "2026-01-01T15:00:00Z"}

    def message(name: str, to: str) -> dict:
        labels = ["gt:message", "from:overseer", "thread:thread-mixed" if to == "mayor/" else "thread:thread-q"]
        return {"id": f"hq-{to[:2]}-{name}", "title": name, "status": "open", "priority": 2, "issue_type": "task",
                "assignee": to, "created_at": stamps[name], "updated_at": stamps[name], "labels": labels}  # fmt: skip

    records = [message(name, to) for to in ("mayor/", "queue:work") for name in ("west", "east", "utc")]
    export = tmp_path / "mail.jsonl"
    export.write_text("".join(json.dumps(r) + "\n" for r in records))
    assert gt("import", str(export)).code == 0
    assert [m.subject for m in mail.inbox(town, "mayor/")] == ["west", "utc", "east"]  # newest first
    assert [m.subject for m in mail.inbox(town, "mayor/", limit=2)] == ["west", "utc"]
    assert [m["title"] for m in gt("mail", "inbox", "mayor/", "--json").json()] == ["west", "utc", "east"]
    assert [m.subject for m in mail.thread(town, "hq-ma-west")] == ["east", "utc", "west"]  # oldest first
    assert [m.subject for m in mail.messages(town, ["hq-ma-west", "hq-ma-utc", "hq-ma-east"])] == [
        "east",
        "utc",
        "west",
    ]
    assert [mail.claim(town, "work", f"w{n}").subject for n in range(3)] == ["east", "utc", "west"]  # oldest first
    assert "sent_seq" not in gt("mail", "inbox", "mayor/", "--json").json()[0]


def test_town_send_reads_lists_from_town_config_and_returns_the_messages(town_crew):
    with open(town_crew.file, "a") as fh:
        fh.write('ops = ["mayor/", "@gastown/polecats"]\n')  # town.toml ends with [mail.lists]
    town = Town(town_crew.root)  # reads town.toml afresh
    sent = mail.send(town, sender="overseer", to="ops", subject="heads up", body="soon", priority="1")
    assert [m.to for m in sent] == ["mayor/", "gastown/polecats/furiosa", "gastown/polecats/nux"]
    assert {(m.subject, m.body, m.priority, m.sender) for m in sent} == {("heads up", "soon", 1, "overseer")}
    assert sent == mail.messages(town, [m.id for m in sent])
    town.ledger.close()


def test_non_message_beads_are_refused(ledger):
    task = ledger.write("c", lambda tx: tx.create("a task"))
    with pytest.raises(InvalidInput, match="not a message"):
        ledger.read(lambda s: mail.get_message(s, task))
    with pytest.raises(NotFound):
        ledger.read(lambda s: mail.get_message(s, "gt-nope"))


SEND_SCRIPT = """
from gastown_tui.ledger import Ledger
from gastown_tui.services import mail
ledger = Ledger.open(sys.argv[2])
ledger.read(lambda s: s.scalar("SELECT 1"))
wait_go()
ids = ledger.write("mail send", lambda tx: mail.send_in(
    tx, sender="worker" + sys.argv[3], to="mayor/", subject="report " + sys.argv[3], prefix="hq"))
print(ids[0])
"""


def test_hundred_processes_send_to_one_inbox_at_once(ledger, ledger_url):
    results = race(SEND_SCRIPT, [[ledger_url, str(i)] for i in range(100)])
    assert [r.returncode for r in results] == [0] * 100, [r.stderr for r in results if r.returncode][:1]
    sent = {r.stdout.split()[-1] for r in results}
    inbox = ledger.read(lambda s: mail.inbox(s, "mayor/"))
    assert len(inbox) == 100 and {m.id for m in inbox} == sent
    assert sorted(m.subject for m in inbox) == sorted(f"report {i}" for i in range(100))
    assert len({m.sender for m in inbox}) == 100


CLAIM_SCRIPT = """
from pathlib import Path
from gastown_tui.errors import NotFound
from gastown_tui.services import mail
from gastown_tui.town import Town
town = Town(Path(sys.argv[2]))
town.ledger.read(lambda s: s.scalar("SELECT 1"))
wait_go()
try:
    print(mail.claim(town, "queue:work", sys.argv[3]).id)
except NotFound:
    print("empty")
"""


def test_a_queue_message_claimed_by_two_workers_at_once_goes_to_one(town):
    root = str(town.root)
    for round_no in range(3):
        (mid,) = send(town.ledger, "queue:work", f"job {round_no}")
        results = race(CLAIM_SCRIPT, [[root, "w1"], [root, "w2"]])
        outcomes = sorted(r.stdout.strip() for r in results)
        assert outcomes == sorted([mid, "empty"]), [r.stderr for r in results]
        labels = town.ledger.read(lambda s, m=mid: s.labels(m))
        assert len([label for label in labels if label.startswith("claimed-by:")]) == 1


def test_eight_workers_three_jobs_each_job_once(town):
    jobs = {send(town.ledger, "queue:work", f"job {i}")[0] for i in range(3)}
    results = race(CLAIM_SCRIPT, [[str(town.root), f"w{i}"] for i in range(8)])
    won = [r.stdout.strip() for r in results if r.stdout.strip() != "empty"]
    assert sorted(won) == sorted(jobs)


def test_inbox_uses_the_assignee_index(ledger):
    # Twenty mailboxes: one is a small share of the mail, as in a town (MariaDB scans a table
    # when one value covers a quarter of it; bench/mail.py measures that case too).
    ledger.write(
        "fill", lambda tx: [mail.send_in(tx, sender="overseer", to=f"queue:q{i % 20}", subject="m") for i in range(60)]
    )
    sql = mail.mailbox_query(unread=True)
    if ledger.backend.dialect == "sqlite":
        plan = [r["detail"] for r in ledger.read(lambda s: s.rows("EXPLAIN QUERY PLAN " + sql, ("queue:q1",)))]
        for table in ("issues", "wisps"):  # both halves of the gt_issues view
            assert f"SEARCH {table} USING INDEX idx_{table}_assignee (assignee=?)" in plan, plan
    else:
        plan = ledger.read(lambda s: s.rows("EXPLAIN " + sql, ("queue:q1",)))
        keys = {r["table"]: r["key"] for r in plan}
        assert (keys["issues"], keys["wisps"]) == ("idx_issues_assignee", "idx_wisps_assignee"), plan


# -- the CLI -----------------------------------------------------------------


def test_cli_verbs_round_trip(town_crew, gt, monkeypatch):
    sent = gt("mail", "send", "gastown/nux", "-s", "Fix the build", "-m", "tests fail", "--priority", "high", "--json")
    assert sent.code == 0, sent.err
    (message,) = sent.json()
    assert (message["to"], message["from"], message["priority"], message["title"]) == (
        "gastown/polecats/nux",
        "overseer",
        1,
        "Fix the build",
    )
    monkeypatch.setenv("GT_ACTOR", "gastown/polecats/nux")
    mine = gt("mail", "inbox", "--json").json()
    assert [m["id"] for m in mine] == [message["id"]] and mine[0]["read"] is False
    read = gt("mail", "read", message["id"], "--json").json()
    assert read["read"] is True and read["description"] == "tests fail"
    assert gt("mail", "inbox", "--unread", "--json").json() == []
    assert gt("mail", "unread", message["id"], "--json").json()["read"] is False
    assert [m["id"] for m in gt("mail", "inbox", "--unread", "--json").json()] == [message["id"]]
    replied = gt("mail", "reply", message["id"], "-m", "on it", "--json").json()
    assert (replied["to"], replied["thread"], replied["reply_to"]) == ("overseer", message["thread"], message["id"])
    monkeypatch.delenv("GT_ACTOR")
    assert [m["id"] for m in gt("mail", "inbox", "--json").json()] == [replied["id"]]  # overseer by default
    thread = gt("mail", "thread", replied["id"], "--json").json()
    assert [m["id"] for m in thread] == [message["id"], replied["id"]]
    assert gt("mail", "archive", replied["id"], "--json").json()["status"] == "closed"
    assert gt("mail", "inbox", "overseer", "--json").json() == []
    text = gt("mail", "thread", replied["id"])
    assert "Fix the build" in text.out and "Re: Fix the build" in text.out


def test_cli_queue_claim_release(town_crew, gt, monkeypatch):
    assert gt("mail", "send", "queue:review", "-s", "Review gt-1").code == 0
    monkeypatch.setenv("GT_ACTOR", "gastown/polecats/furiosa")
    claimed = gt("mail", "claim", "review", "--json").json()
    assert claimed["claimed_by"] == "gastown/polecats/furiosa"
    empty = gt("mail", "claim", "review")
    assert empty.code == 1 and "no unclaimed messages" in empty.err
    assert gt("mail", "release", claimed["id"], "--json").json()["claimed_by"] == ""
    listing = gt("mail", "inbox", "queue:review", "--json").json()
    assert [m["id"] for m in listing] == [claimed["id"]]


def test_cli_lists_from_town_config(town_crew, gt):
    with open(town_crew.file, "a") as fh:
        fh.write('ops = ["mayor/", "@gastown/polecats"]\n')  # town.toml ends with [mail.lists]
    sent = gt("mail", "send", "ops", "-s", "heads up", "--json")
    assert sent.code == 0, sent.err
    assert sorted(m["to"] for m in sent.json()) == ["gastown/polecats/furiosa", "gastown/polecats/nux", "mayor/"]


def test_cli_user_mistakes_are_one_line(town_crew, gt):
    bad = gt("mail", "send", "gastown/polecats/zed", "-s", "hi")
    assert bad.code == 2 and bad.out == ""
    assert bad.err.splitlines()[0] == "gt: unknown address 'gastown/polecats/zed': no such agent in this town"
    assert "RIG/polecats/NAME" in bad.err and "Traceback" not in bad.err
    assert message_count(town_crew.ledger) == 0
    assert gt("mail", "send", "mayor/", "-s", "x", "--priority", "9").code == 2
    assert gt("mail", "inbox", "@town").code == 2
    assert gt("mail", "read", "hq-nope").code == 1


# -- nudges into live sessions ------------------------------------------------


def test_a_burst_of_mail_nudges_a_live_session_once(ledger, tmux, tmp_path):
    ledger.write("setup", lambda tx: (add_rig(tx, "gastown"), add_agent(tx, "gastown", "nux")))
    tmux.new_session("gt-gastown-nux", str(tmp_path), ["cat"])

    def screen():
        return tmux.capture("gt-gastown-nux", ansi=False)

    for i in range(5):  # each send nudges by itself once it commits
        send(ledger, "gastown/polecats/nux", f"MERGED job{i}", sender="gastown/refinery")
    assert wait_for(lambda: screen().count("mail from gastown/refinery: MERGED job0") == 2)  # typed, then echoed by cat
    assert screen().count("mail from") == 2
    # A write that rolls back nudges nobody.
    with pytest.raises(InvalidInput):
        ledger.write("x", lambda tx: [mail.send_in(tx, sender="mayor/", to=to, subject="ROLLED BACK")
                                      for to in ("gastown/polecats/nux", "nobody/")])  # fmt: skip
    assert "ROLLED BACK" not in screen()
    # Once the mail is read, the next message is news again.
    ledger.write("read", lambda tx: [mark_read_in(tx, m.id) for m in mail.inbox(tx, "gastown/polecats/nux")])
    send(ledger, "gastown/polecats/nux", "REWORK_REQUEST job9", sender="gastown/refinery")
    assert wait_for(lambda: "REWORK_REQUEST job9" in screen())
    # Nobody to nudge: no session, a queue, or mail to oneself.
    assert mail.notify(ledger, send(ledger, "mayor/", "hi"), tmux=tmux) == []
    assert mail.notify(ledger, send(ledger, "queue:work", "job"), tmux=tmux) == []


def test_gt_mail_send_nudges_from_its_own_process(town_crew, tmux, tmp_path):
    tmux.new_session("gt-gastown-furiosa", str(tmp_path), ["cat"])
    for i in range(3):
        result = run_gt("mail", "send", "gastown/polecats/furiosa", "-s", f"ping {i}")
        assert result.code == 0, result.err

    def screen():
        return tmux.capture("gt-gastown-furiosa", ansi=False)

    assert wait_for(lambda: screen().count("mail from overseer: ping 0") == 2)  # typed, then echoed by cat
    assert "ping 1" not in screen() and "ping 2" not in screen()
