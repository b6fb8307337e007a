"""Mail latencies at 10,000 messages, on the embedded doltlite ledger and on MariaDB.

Run by hand: ``.venv/bin/python bench/mail.py [--messages 10000] [--backend doltlite|mysql|both]``.
Prints, per backend: the time to fill the ledger, the latency of one ``gt mail send``
write unit (resolve + create + labels + Dolt commit), and the latency of reading one
inbox (goal ≤ 50 ms), for a typical mailbox (1 % of the mail) and a hot one (10 %),
with the query plan of the inbox query.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gastown_tui.ledger.embedded import load_sqlite  # noqa: E402

load_sqlite()  # doltlite before sqlite3

from timing import summary, timed  # noqa: E402

from gastown_tui.ledger import Ledger  # noqa: E402
from gastown_tui.services import mail  # noqa: E402

MYSQL = os.environ.get("GT_TEST_MYSQL", "mysql://root@127.0.0.1:3306")
TYPICAL, HOT = "mayor/", "deacon/"


def show(label: str, samples: list[float]) -> None:
    print(f"  {label:<44} {summary(samples)}")


def fill(ledger: Ledger, total: int) -> None:
    """``total`` messages: 10 % to the hot mailbox, 1 % to the typical one, the rest over 89 queues."""

    def recipient(i: int) -> str:
        slot = i % 100
        if slot < 10:
            return HOT
        if slot == 10:
            return TYPICAL
        return f"queue:q{slot}"

    batch = 500
    for start in range(0, total, batch):
        ledger.write(
            "bench fill",
            lambda tx, start=start: [
                mail.send_in(
                    tx, sender="overseer", to=recipient(i), subject=f"message {i}", body="x" * 200, prefix="hq"
                )
                for i in range(start, min(total, start + batch))
            ],
        )


def plan(ledger: Ledger) -> str:
    sql = mail.mailbox_query(unread=True)
    if ledger.backend.dialect == "sqlite":
        rows = ledger.read(lambda s: s.rows("EXPLAIN QUERY PLAN " + sql, (TYPICAL,)))
        return "; ".join(str(r["detail"]) for r in rows)
    rows = ledger.read(lambda s: s.rows("EXPLAIN " + sql, (TYPICAL,)))
    return "; ".join(f"{r['table']}:{r['type']}:{r['key']}" for r in rows)


def run(name: str, url: str, total: int) -> None:
    ledger = Ledger.open(url)
    ledger.create()
    ledger.write("install", lambda tx: tx.set_config("issue_prefix", "hq"))
    print(f"\n{name}: {ledger.describe()}")
    start = time.perf_counter()
    fill(ledger, total)
    print(f"  filled {total} messages in {time.perf_counter() - start:.1f} s")

    def send_one():
        ids = ledger.write("mail send", lambda tx: mail.send_in(tx, sender="overseer", to=TYPICAL, subject="bench"))
        mail.notify(ledger, ids)

    show("send (write unit + notify check)", timed(send_one, 50))
    for who, label in ((TYPICAL, "typical"), (HOT, "hot")):
        count = len(ledger.read(lambda s, who=who: mail.inbox(s, who)))
        show(
            f"inbox of {label} mailbox ({count} messages)",
            timed(lambda who=who: ledger.read(lambda s: mail.inbox(s, who)), 30),
        )
        show(
            f"unread count of {label} mailbox",
            timed(lambda who=who: ledger.read(lambda s: mail.unread_count(s, who)), 30),
        )
    show(
        "inbox of typical mailbox, newest 20",
        timed(lambda: ledger.read(lambda s: mail.inbox(s, TYPICAL, limit=20)), 30),
    )
    print(f"  plan: {plan(ledger)}")
    ledger.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--backend", choices=("doltlite", "mysql", "both"), default="both")
    args = parser.parse_args()
    if args.backend in ("doltlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            run("embedded", f"doltlite://{tmp}/ledger.db", args.messages)
    if args.backend in ("mysql", "both"):
        db = "gt_bench_" + uuid.uuid4().hex[:8]
        try:
            run("MariaDB", f"{MYSQL}/{db}", args.messages)
        finally:
            import pymysql

            conn = pymysql.connect(host="127.0.0.1", port=3306, user="root", password="", autocommit=True)
            conn.cursor().execute(f"DROP DATABASE IF EXISTS `{db}`")
            conn.close()


if __name__ == "__main__":
    main()
