"""Many writers at once, and a database that goes away: nothing lost, nothing half-written."""

from __future__ import annotations

import subprocess

from conftest import GT


def test_parallel_gt_processes_lose_no_rows(town):
    writers = 24
    procs = [
        subprocess.Popen(
            [GT, "bead", "create", f"parallel {n}", "--label", f"w{n}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(writers)
    ]
    results = [(p.wait(timeout=120), p.stdout.read().strip(), p.stderr.read()) for p in procs]
    assert all(code == 0 for code, _, _ in results), [err for code, _, err in results if code]
    ids = {out for _, out, _ in results}
    assert len(ids) == writers
    ledger = town.ledger
    beads = ledger.list_beads(label=None)
    assert {b["id"] for b in beads} == ids
    events = ledger.read(lambda s: s.rows("SELECT id, issue_id, event_type FROM gt_events ORDER BY id"))
    created = [e for e in events if e["event_type"] == "created"]
    assert sorted(e["issue_id"] for e in created) == sorted(ids)
    assert len({e["id"] for e in events}) == len(events) == 2 * writers
    for bead_id in ids:
        assert len(ledger.read(lambda s, b=bead_id: s.labels(b))) == 1
    if ledger.is_dolt:
        messages = ledger.read(lambda s: s.rows("SELECT message FROM dolt_log"))
        assert sum(m["message"].startswith("gt bead create:") for m in messages) == writers


def test_lost_mysql_connection_is_retried(tmp_path):
    import pymysql

    from conftest import MYSQL
    from gastown_tui.ledger import Ledger

    name = "gt_test_reconnect_" + tmp_path.name[-8:].replace("-", "_")
    ledger = Ledger.open(f"{MYSQL}/{name}")
    ledger.create()
    try:
        ledger.write("c", lambda tx: tx.create("before", prefix="gt"))
        conn_id = ledger.read(lambda s: s.scalar("SELECT CONNECTION_ID()"))
        admin = pymysql.connect(host="127.0.0.1", user="root", autocommit=True)
        admin.cursor().execute(f"KILL {int(conn_id)}")
        bead_id = ledger.write("c", lambda tx: tx.create("after", prefix="gt"))
        assert ledger.get(bead_id)["title"] == "after"
        assert ledger.read(lambda s: s.scalar("SELECT CONNECTION_ID()")) != conn_id
    finally:
        ledger.close()
        admin = pymysql.connect(host="127.0.0.1", user="root", autocommit=True)
        admin.cursor().execute(f"DROP DATABASE IF EXISTS `{name}`")
