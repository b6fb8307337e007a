"""``gt history``: the Dolt commits that touched one bead, and what each changed."""

from __future__ import annotations

from typing import Any

from ..errors import GtError
from .ledger import Ledger
from .reads import Session
from .schema import ISSUE_FIELDS

# Columns worth showing in a change list (bookkeeping columns are left out).
_SKIP = {"updated_at", "content_hash"}


def bead_history(ledger: Ledger, bead_id: str) -> list[dict[str, Any]]:
    """Newest first: commit, author, date, message, diff type and changed fields (old → new)."""
    if not ledger.is_dolt:
        raise GtError(
            f"history needs a Dolt ledger; {ledger.describe()} keeps no commit history",
            "use the embedded ledger (the default) or a Dolt sql-server; gt bead show ID lists the bead's events",
        )

    def read(session: Session) -> list[dict[str, Any]]:
        session.get(bead_id)
        diffs = session.rows(
            "SELECT * FROM dolt_diff_issues WHERE to_id = ? OR from_id = ? ORDER BY to_commit_date DESC",
            (bead_id, bead_id),
        )
        log = {r["commit_hash"]: r for r in session.rows("SELECT * FROM dolt_log")}
        order = {h: i for i, h in enumerate(log)}
        entries = []
        for d in diffs:
            commit = log.get(d["to_commit"], {})
            changes = {}
            for col in ISSUE_FIELDS:
                if col in _SKIP or col == "id":
                    continue
                old, new = d.get(f"from_{col}"), d.get(f"to_{col}")
                if d["diff_type"] == "added":
                    old = None
                if old != new and not (d["diff_type"] == "added" and new in ("", None, 0)):
                    changes[col] = {"old": old, "new": new}
            entries.append(
                {
                    "commit": d["to_commit"],
                    "author": commit.get("committer", ""),
                    "email": commit.get("email", ""),
                    "date": commit.get("date", d.get("to_commit_date")),
                    "message": commit.get("message", ""),
                    "change": d["diff_type"],
                    "fields": changes,
                }
            )
        entries.sort(key=lambda e: order.get(e["commit"], len(order)))
        return entries

    return ledger.read(read)
