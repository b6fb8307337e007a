"""``gt ledger``: the town's ledger itself (``gt ledger upgrade``: from an earlier gastown-tui's layout)."""

from __future__ import annotations

from .main import add_group, add_verb


def register(sub, common) -> None:
    group = add_group(sub, "ledger", "the town's ledger: upgrade one an earlier gastown-tui made")
    p = add_verb(
        group,
        common,
        "upgrade",
        upgrade,
        "move a ledger an earlier gastown-tui made into beads' schema, in place, keeping the old tables",
    )
    p.add_argument("--dry-run", action="store_true", help="print what would move; change nothing")


def upgrade(ctx) -> None:
    from ..ledger.upgrade import upgrade as run

    town = ctx.town
    report = run(town.ledger.backend, town.root, dry_run=ctx.args.dry_run)
    ctx.emit(report, lambda: _text(report))


_NAMES = {"config": "config rows", "gt_extras": "kept extras", "gt_leases": "leases"}
_SHOWN = ("issues", "dependencies", "labels", "comments", "events", *_NAMES)


def _text(report: dict) -> str:
    ledger, state = report["ledger"], report["state"]
    if state == "current":
        return f"{ledger} is in beads' schema ({report['beads']}): nothing to upgrade"
    moved = ", ".join(f"{n} {_NAMES.get(table, table)}" for table, n in report["counts"].items() if table in _SHOWN)
    if state == "dry-run":
        return (
            f"{ledger} is in the layout of an earlier gastown-tui. gt ledger upgrade would move {moved} "
            f"into beads' schema ({report['beads']}), keep the old ledger as {report['kept']}, "
            f"and write it as a backup folder to {report['export']}. Nothing was changed."
        )
    return (
        f"{ledger} moved into beads' schema ({report['beads']}): {moved}.\n"
        f"  the earlier ledger is kept as {report['kept']}, and as a backup folder in {report['export']}"
    )
