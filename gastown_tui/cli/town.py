"""``gt install``: make a town."""

from __future__ import annotations

from .main import add_verb


def register(sub, common) -> None:
    p = add_verb(sub, common, "install", install, "create a town: town.toml, the ledger, rig folders")
    p.add_argument("path", help="folder for the new town (created if missing)")
    p.add_argument(
        "--ledger",
        help="ledger URL: mysql://user:pass@host:port/db for a shared Dolt server "
        "(default: an embedded doltlite file in the town)",
    )
    p.add_argument("--prefix", default="hq", help="bead prefix for town-level beads (default: hq)")
    p.add_argument("--name", help="town name (default: the folder's name)")


def install(ctx) -> None:
    from ..town import install as make_town

    town = make_town(ctx.args.path, ctx.args.ledger, ctx.args.prefix, ctx.args.name)
    ledger = town.ledger
    ctx.emit(
        {"town": str(town.root), "name": town.name, "ledger": ledger.describe(), "prefix": ctx.args.prefix},
        f"Town {town.name!r} created at {town.root}\n  ledger: {ledger.describe()}\n"
        f"  next: cd {town.root} && gt rig add NAME GIT-URL",
    )
