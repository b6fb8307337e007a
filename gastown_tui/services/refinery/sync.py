"""``gt rig sync RIG``: send the town's landed work to the rig's origin now — after a held push (the
person committed or stashed their edits) or a failing one (no waiting for the back-off)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...errors import Conflict, GtError
from ...ledger import fields
from ...ledger.leases import holder_id
from . import push
from .engine import Pass
from .records import Landing
from .repo import rig_repo

if TYPE_CHECKING:
    from ...town import Town


def sync(town: Town, rig: str) -> Landing | None:
    """Push (or, in pull-request mode, open the waiting pull requests) now; the landing, None when
    nothing waited. Conflict while the origin's checkout still has uncommitted edits."""
    fields.check_name(rig, "rig name")
    config, repo = rig_repo(town, rig)
    landing = push.catch_up(Pass(town, config, repo, holder_id("rig-sync")), force=True)
    if landing is None or landing.state in ("pushed", "pr"):
        return landing
    if landing.state == "held":
        raise Conflict(
            f"push to {landing.to} still held: {landing.error}", f"commit or stash them, then: gt rig sync {rig}"
        )
    raise GtError(f"push to {landing.to} failed: {landing.error}", "the refinery retries it; see gt rig show " + rig)
