"""A deterministic town for the TUI tests and bench: Gas Town's own ledger plus a convoy, MRs and mail.

Every bead written here has a fixed id and a fixed timestamp so that rendered screens
(ages, ids, ordering) are the same on every run; ``FROZEN_NOW`` is the clock the app gets.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import time

import pytest

from conftest import FIXTURE

STAMP = "2026-03-01T10:00:00Z"
FROZEN_NOW = dt.datetime(2026, 3, 1, 12, 0, 0, tzinfo=dt.UTC)
RIG = "gastown"
CONVOY = "hq-cv-tui1"
MR_FIRST, MR_SECOND = "gt-mr-tui1", "gt-mr-tui2"
MSG_UNREAD, MSG_READ, MSG_ESCALATION = "hq-msg-tui1", "hq-msg-tui2", "hq-msg-tui3"


def frozen_clock() -> dt.datetime:
    return FROZEN_NOW


def populate(ledger) -> None:
    """Import the Gas Town backup, then add a convoy, two merge requests and three messages."""
    from gastown_tui.ledger.transfer import import_backup

    import_backup(ledger, str(FIXTURE))
    ledger.write("tui fixture", _add_beads, actor="overseer")


def _add_beads(tx) -> None:
    tx.stamp = STAMP
    # The backup predates rig beads; one makes RIG/witness and RIG/refinery mail addresses resolve.
    tx.create(
        RIG,
        bead_id=f"hq-rig-{RIG}",
        issue_type="rig",
        labels=["gt:rig"],
        description="prefix: gt\nsource: https://github.com/steveyegge/gastown\ndefault_branch: main",
    )
    work = [
        ("gt-tui-a", "Add login form", "closed", ""),
        ("gt-tui-b", "Hash passwords with argon2", "closed", ""),
        ("gt-tui-c", "Session cookies", "hooked", "gastown/polecats/ace"),
        ("gt-tui-d", "Logout endpoint", "open", ""),
    ]
    for bead_id, title, status, assignee in work:
        tx.create(title, bead_id=bead_id, status=status, assignee=assignee or None, issue_type="task")
    tx.create("Auth rewrite", bead_id=CONVOY, issue_type="convoy", labels=["gt:convoy"])
    for bead_id, *_ in work:
        tx.add_dependency(CONVOY, bead_id, "tracks")
    for mr_id, source, worker, priority in (
        (MR_FIRST, "gt-tui-a", "gastown/polecats/toast", 1),
        (MR_SECOND, "gt-tui-b", "gastown/polecats/dag", 2),
    ):
        name = worker.rsplit("/", 1)[1]
        tx.create(
            f"Merge: {source}",
            bead_id=mr_id,
            issue_type="merge-request",
            priority=priority,
            labels=["gt:merge-request"],
            description=(
                f"branch: polecat/{name}/{source}\ntarget: main\nsource_issue: {source}\nrig: {RIG}\n"
                f"commit_sha: 0123abc\nworker: {worker}\nagent_bead: gt-gastown-polecat-{name}\n\nReady to merge."
            ),
        )
    for msg_id, sender, subject, body, read in (
        (MSG_UNREAD, "gastown/witness", "POLECAT_DONE toast", "Exit: MERGED\nIssue: gt-tui-a", False),
        (MSG_READ, "mayor/", "Morning plan", "Auth rewrite first, then the docs.", True),
        (MSG_ESCALATION, "gastown/refinery", "MERGE_FAILED dag", "Failure-Type: tests\nError: 2 failed", False),
    ):
        labels = ["gt:message", f"from:{sender}", "msg-type:notification", f"thread:{msg_id}"]
        tx.create(
            subject,
            bead_id=msg_id,
            issue_type="message",
            assignee="overseer",
            description=body,
            labels=labels + (["read"] if read else []),
        )


def sync(flow):
    """Run an async Pilot flow as a plain test (no async pytest plugin needed)."""

    @functools.wraps(flow)
    def test(*args, **kwargs):
        return asyncio.run(flow(*args, **kwargs))

    return test


def screen_text(app) -> str:
    """The terminal's text as a person reads it, line by line (from Textual's own screenshot)."""
    import html
    import re

    svg = app.export_screenshot()
    rows: dict[float, list[tuple[float, str]]] = {}
    for match in re.finditer(r'<text[^>]*?x="([\d.]+)"[^>]*?y="([\d.]+)"[^>]*>(.*?)</text>', svg):
        x, y, chunk = float(match.group(1)), float(match.group(2)), match.group(3)
        rows.setdefault(y, []).append((x, html.unescape(re.sub(r"<[^>]+>", "", chunk)).replace("\xa0", " ")))
    lines = []
    for y in sorted(rows):
        line = ""
        for x, chunk in sorted(rows[y]):
            line = line.ljust(round(x / 12.2)) + chunk  # Textual's SVG: 12.2 px per cell
        lines.append(line.rstrip())
    return "\n".join(lines)


def toasts(app) -> list[str]:
    """The toasts on screen (run the app with ``notifications=True``), each as one line of text."""
    found, current = [], []
    for line in screen_text(app).splitlines() + [""]:
        bar = line.find("▌")
        if bar < 0:
            if current:
                found.append(" ".join(current))
            current = []
            continue
        text = line[bar + 1 :].rstrip(" │╮╯─").strip()
        if "│" in text:  # a ▌ inside a pane (a cursor), not a toast's edge
            text = ""
        if text:
            current.append(text)
        elif current:
            found.append(" ".join(current))
            current = []
    return found


@pytest.fixture(name="town")
def populated_town(tmp_path, monkeypatch):
    """A town on the embedded ledger with Gas Town's ledger and the fixture beads above."""
    from gastown_tui.town import install

    monkeypatch.delenv("GT_ACTOR", raising=False)
    town = install(str(tmp_path / "town"))
    populate(town.ledger)
    yield town
    town.ledger.close()


async def settle(pilot) -> None:
    """Let the app finish what the last key started (workers, then the repaint they ask for)."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def async_wait_for(predicate, timeout: float = 20.0, what: str = "condition"):
    """Let a running app work (its timers and workers) until ``predicate()`` is truthy; returns it."""
    deadline = time.monotonic() + timeout
    while not (got := predicate()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)
    return got


async def type_text(pilot, text: str) -> None:
    await pilot.press(*["space" if ch == " " else ch for ch in text])


def labels(town, bead_id: str) -> list[str]:
    return town.ledger.read(lambda s: s.labels(bead_id))
