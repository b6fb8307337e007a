"""A rig's push state, outside its merge requests: whether the town's landed work reached the origin,
held or failing (its rig bead's metadata ``push``, a ``RigPush``), what the TUI's rig tree and
``gt rig show`` say of it, the mail that tells the overseer, and whether the merge strategy can work
here at all (``forge_problem``). Written by ``push.py``."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ... import addresses
from ...errors import GtError
from ...ledger import load_metadata
from ..rigpaths import rig_bead_id

if TYPE_CHECKING:
    from ...config import RigConfig
    from ...town import Town

NO_GH = 'merge_strategy = "pr" needs the GitHub CLI: gh is not on PATH (install it, or set merge_strategy = "merge")'


def forge_problem(config: RigConfig) -> str:
    """What stops the rig's merge strategy from working here ("" when nothing does)."""
    return NO_GH if config.merge_strategy == "pr" and shutil.which("gh") is None else ""


def lands_at(config: RigConfig) -> str:
    """Where the rig's merged work goes, in words."""
    dest = f"origin/{config.landing_branch}"
    return f"pull requests (gh) against {dest}" if config.merge_strategy == "pr" else dest


@dataclass(frozen=True)
class RigPush:
    """A rig's push state (its rig bead's metadata ``push``): ``ok``, ``waiting`` (a push failed; retried
    at ``retry_at``) or ``held`` (the origin's checkout has uncommitted edits)."""

    state: str = "ok"
    to: str = ""
    pushed: str = ""  # the last commit the origin took
    kind: str = ""
    error: str = ""
    attempts: int = 0
    retry_at: float = 0.0
    told: str = ""  # the trouble the overseer was mailed about (once per kind)

    @classmethod
    def from_json(cls, data: object) -> RigPush:
        if not isinstance(data, Mapping):
            return cls()
        text = {k: str(data.get(k) or "") for k in ("state", "to", "pushed", "kind", "error", "told")}
        with contextlib.suppress(TypeError, ValueError):
            return cls(**text, attempts=int(data.get("attempts") or 0), retry_at=float(data.get("retry_at") or 0))
        return cls(**text)

    def to_json(self) -> dict[str, object]:
        return {k: v for k, v in vars(self).items() if v}

    def banner(self, rig: str) -> str:
        """The rig's banner in the TUI's rig tree ("" when all landed work reached the origin)."""
        if self.state == "held":
            return f"push held: gt rig sync {rig}"
        if self.state == "waiting":
            return f"push failing ({self.kind}): gt rig sync {rig}"
        return ""

    def explain(self, rig: str) -> str:
        """``gt rig show``'s line: what waits, why, and what to run."""
        if self.state == "held":
            return f"push to {self.to} held: {self.error}; commit or stash them, then: gt rig sync {rig}"
        if self.state == "waiting":
            return f"push to {self.to} failing: {self.error} (retried with back-off; now: gt rig sync {rig})"
        return ""


def rig_push(session, town: Town, rig: str) -> RigPush:
    """A rig's push state (see ``read_banners`` for every rig's at once)."""
    bead_id = rig_bead_id(town, rig)
    return RigPush.from_json(load_metadata(session.get(bead_id)).get("push")) if session.exists(bead_id) else RigPush()


def gated_joins(session, town: Town, rig: str) -> set[str]:
    """Merges of the origin's commits into the target (``push._reconcile``) whose gates passed: the rig
    bead's metadata ``joins``. They belong to no merge request, so ``gt refinery log`` reads them here."""
    bead_id = rig_bead_id(town, rig)
    joins = load_metadata(session.get(bead_id)).get("joins") if session.exists(bead_id) else None
    return {str(sha) for sha in joins} if isinstance(joins, list) else set()


def note_join(tx, town: Town, rig: str, sha: str) -> None:
    """Record that the gates passed on ``sha``, a merge joining the origin's commits (see ``gated_joins``)."""
    bead_id = rig_bead_id(town, rig)
    if tx.exists(bead_id):
        tx.set_metadata(bead_id, joins=sorted(gated_joins(tx, town, rig) | {sha}))


def read_banners(session) -> dict[str, str]:
    """Rig name → its banner, for each rig whose landed work is held or failing (the TUI's rig tree)."""
    rows = session.rows("SELECT title, metadata FROM gt_issues WHERE issue_type = 'rig' AND status <> 'closed'")
    banners = {r["title"]: RigPush.from_json(load_metadata(r).get("push")).banner(r["title"]) for r in rows}
    return {rig: text for rig, text in banners.items() if text}


def tell_overseer(tx, town: Town, rig: str, state: RigPush, line: str) -> None:
    """Mail the overseer (town.toml's ``escalate_to``) what waits, why, and what to run."""
    from ..mail import send_in

    if state.state == "held":
        subject = f"{rig}: merged work waits for {state.to}"
        body = (f"{line}.\n\nMerged work stays in the town and merging goes on; your edits are untouched. "
                f"Commit or stash them, then run: gt rig sync {rig}")  # fmt: skip
    else:
        what = "pull requests not opened" if state.kind == "pr" else f"push to {state.to} failed ({state.kind})"
        subject = f"{rig}: {what}"
        body = (f"{line}\n\nThe merge requests stay merged in the town; this is retried with back-off "
                f"(or now: gt rig sync {rig}). Nothing is force-pushed.")  # fmt: skip
    to = str(town.raw.get("escalate_to") or addresses.OVERSEER)
    with contextlib.suppress(GtError):  # a push is never held up by mail
        send_in(tx, sender=addresses.refinery(rig), to=to, subject=subject, body=body, priority=1)
