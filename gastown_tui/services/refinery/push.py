"""Landed work leaves the town: each time the refinery moves the rig's target to a gated commit, that
commit is pushed to the rig's origin (fast-forward only, never forced); under ``merge_strategy = "pr"``
each merged polecat branch is pushed instead and a pull request opened with ``gh``.

The town's target follows the origin. Before stacking and again just before moving the target, the
refinery fetches the origin's branch; commits a person pushed there are taken in first (a
fast-forward), and a batch gated without them is put back to be stacked and gated again on top of
them (``OriginMoved``), so a conflict with the person's commits goes to the polecat as
REWORK_REQUEST like any other. When the town also has merges the origin lacks (an earlier push
failed), the next push first merges the origin's commits in and gates that (``_reconcile``).

A push that fails leaves the MRs merged in the town: each MR says why (metadata ``push``, a
``Landing``), the rig bead holds the rig's state (metadata ``push``, a ``RigPush``: what waits, why,
when it is tried again), the overseer is mailed once per kind of trouble, and later passes retry
with back-off. A local checkout with uncommitted edits on the branch holds the push
(``gt rig sync RIG`` pushes once they are committed or stashed).

``vcs.remote`` is imported where it is used: ``gt hook`` loads this package and must stay a ledger read.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
import subprocess
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING

from ... import addresses
from ...errors import GtError
from ..rigpaths import rig_bead_id
from .gates import gate_commit
from .pushstate import RigPush, forge_problem, note_join, rig_push, tell_overseer
from .queue import get, read_queue
from .records import ORIGIN_MOVED, UNLANDED_LABEL, Landing, MergeRequest
from .verdicts import note_landing

if TYPE_CHECKING:
    from ...config import RigConfig
    from ...town import Town
    from ...vcs.merge import MergeWorktree
    from ...vcs.remote import Pushed
    from .engine import Pass

BACKOFF = (30.0, 1800.0)  # seconds before the first retry of a failed push, and the most it grows to
GH_SECONDS = 60.0
_URL = re.compile(r"https?://\S+")


class OriginMoved(Exception):
    """The origin's branch gained commits while a batch was gated: the target took them in, and the
    batch must be stacked and gated again on top of them."""


class Outbound:
    """The rig's way out: its origin URL, the branch that receives landed work, the town's target."""

    def __init__(self, town: Town, config: RigConfig, repo: MergeWorktree):
        self.town, self.config, self.repo = town, config, repo
        self.branch = config.landing_branch
        self.dest = f"origin/{self.branch}"
        self.origin_ref = f"refs/gt/origin/{self.branch}"

    def tip(self) -> str | None:
        return self.repo.resolve(f"refs/heads/{self.config.default_branch}")

    def fetch(self) -> str | None:
        from ...vcs import remote

        return remote.fetch_branch(self.repo.repo, self.config.source, self.branch, self.origin_ref)

    def follow(self) -> bool:
        """Take in commits pushed to the origin that the town lacks (fast-forward only). True when
        the town's target moved. GtError when the origin cannot be read."""
        origin, tip = self.fetch(), self.tip()
        if origin and self.config.merge_strategy == "pr":
            self._forget_merged_prs(origin)
        if not origin or not tip or self.repo.is_ancestor(origin, tip) or not self.repo.is_ancestor(tip, origin):
            return False  # nothing new, or diverged (reconciled when pushing)
        return self.repo.advance(self.config.default_branch, origin, tip, f"{ORIGIN_MOVED} {self.dest} {origin[:10]}")

    def _forget_merged_prs(self, origin: str) -> None:
        """Pull requests the forge merged leave the TUI's queue: their commit is on the origin's branch,
        or (a squash or rebase merge makes new commits) ``gh pr view`` says MERGED. One closed unmerged
        leaves it too, its landing saying so."""
        mrs = self.town.ledger.read(
            lambda s: read_queue(s, self.config.name, include_closed=True, labelled=UNLANDED_LABEL)
        )
        verdicts: dict[str, Landing | None] = {}
        for m in mrs:
            if not (m.landing and m.landing.state == "pr"):
                continue
            on_origin = bool(self.repo.resolve(m.landing.commit)) and self.repo.is_ancestor(m.landing.commit, origin)
            state = "MERGED" if on_origin else _asked_state(m.landing.url, self.repo.path)
            if state == "MERGED":
                verdicts[m.id] = None
            elif state == "CLOSED":
                verdicts[m.id] = dataclasses.replace(m.landing, state="pr-closed", at=_stamp())
        if verdicts:

            def apply(tx) -> None:
                for mr_id, closed in verdicts.items():
                    if closed is None:
                        tx.remove_label(mr_id, UNLANDED_LABEL)
                    else:
                        note_landing(tx, mr_id, closed)

            self.town.ledger.write("refinery pr merged", apply, actor=addresses.refinery(self.config.name))

    def push(self, sha: str) -> Pushed:
        from ...vcs import remote

        checkout = remote.checkout_of(self.config.source, self.branch)
        if checkout and checkout.dirty:
            files = ", ".join(checkout.dirty[:3]) + (", …" if len(checkout.dirty) > 3 else "")
            return remote.Pushed(False, "dirty", f"uncommitted changes in {checkout.worktree} ({files})")
        return remote.push(self.repo.repo, self.config.source, sha, self.branch)

    # -- the ledger's side --------------------------------------------------------------------
    def settle(self, result: Pushed, tip: str) -> Landing:
        """Record a push of the town's target at ``tip``: the rig's state, the MRs it took out (or
        that still wait), and mail to the overseer the first time a kind of trouble shows."""
        before = self.town.ledger.read(lambda s: rig_push(s, self.town, self.config.name))
        unlanded = self.town.ledger.read(
            lambda s: read_queue(s, self.config.name, include_closed=True, labelled=UNLANDED_LABEL)
        )
        waiting = [m for m in unlanded if m.state == "merged" and m.landing and m.landing.state in ("waiting", "held")]
        if result.ok:
            landing = Landing("pushed", self.dest, tip, at=_stamp())
            done = [m for m in waiting if m.merge_commit and self.repo.is_ancestor(m.merge_commit, tip)]
            done += self._unrecorded(before.pushed, tip, {m.id for m in done})
            self._write(*self._next_state(result, tip), done, landing)
            return landing
        state, tell = self._next_state(result, tip)
        landing = Landing(
            "held" if state.state == "held" else "waiting", self.dest, tip, error=state.error, at=_stamp()
        )
        self._write(state, tell, waiting, landing)
        return landing

    def _unrecorded(self, pushed: str, tip: str, known: set[str]) -> list[MergeRequest]:
        """Merged MRs this push took out that have no landing yet (a refinery killed between moving the
        target and pushing): found by the refinery's merge commits ("Merge ID: …") since the last push."""
        if not pushed or not self.repo.resolve(pushed):
            return []
        commits = self.repo.commits(pushed, tip)
        ids = [
            c["subject"].split(":", 1)[0].removeprefix("Merge ") for c in commits if c["subject"].startswith("Merge ")
        ]

        def read(s) -> list[MergeRequest]:
            found = []
            for mr_id in dict.fromkeys(i for i in ids if i not in known):
                with contextlib.suppress(GtError):
                    mr = get(s, mr_id)
                    if mr.state == "merged" and mr.landing is None and mr.rig == self.config.name:
                        found.append(mr)
            return found

        return self.town.ledger.read(read)

    def _next_state(self, result: Pushed, tip: str) -> tuple[RigPush, str | None]:
        """The rig's push state after ``result``, and the line to mail the overseer (None: told already)."""
        before = self.town.ledger.read(lambda s: rig_push(s, self.town, self.config.name))
        if result.ok:
            return RigPush(to=self.dest, pushed=tip or before.pushed), None
        held = result.kind == "dirty"
        line = result.line if held else f"{result.kind}: {result.line}"
        attempts = before.attempts + 1
        first_rejection = result.kind == "rejected" and attempts == 1  # retried at once, after a fetch
        delay = 0.0 if first_rejection else min(BACKOFF[0] * 2 ** (attempts - 1), BACKOFF[1])
        state = RigPush("held" if held else "waiting", self.dest, before.pushed, result.kind, line, attempts,
                        time.time() + delay, result.kind)  # fmt: skip
        return state, None if before.told == result.kind else line

    def _write(
        self, state: RigPush, tell: str | None, mrs: list[MergeRequest] = (), landing: Landing | None = None
    ) -> None:
        rig = self.config.name

        def apply(tx) -> None:
            bead_id = rig_bead_id(self.town, rig)
            if tx.exists(bead_id):
                tx.set_metadata(bead_id, push=state.to_json())
            for mr in mrs:
                note_landing(tx, mr.id, landing)
            if tell:
                tell_overseer(tx, self.town, rig, state, tell)

        self.town.ledger.write("refinery push", apply, actor=addresses.refinery(rig))

    def note_prs(self, landings: list[Landing]) -> None:
        """The rig's state after pull requests were opened (or not)."""
        from ...vcs import remote

        trouble = next((lg for lg in landings if lg.state != "pr"), None)
        result = remote.Pushed(False, "pr", trouble.error) if trouble else remote.Pushed(True)
        self._write(*self._next_state(result, ""))

    # -- pull-request mode ------------------------------------------------------------------------
    def open_pr(self, mr: MergeRequest, sha: str) -> Landing:
        """Push the MR's branch to the origin and open a pull request for it (``gh pr create``)."""
        from ...vcs import remote

        if problem := forge_problem(self.config):
            return Landing("waiting", self.dest, sha, error=problem, at=_stamp())
        result = remote.push(self.repo.repo, self.config.source, sha, mr.branch)
        if not result.ok:
            return Landing(
                "waiting", self.dest, sha, error=f"push of {mr.branch}: {result.kind}: {result.line}", at=_stamp()
            )
        title = mr.source_title or mr.title
        body = f"{mr.source}: {title}\n\nGated and merged by the Gas Town refinery of rig {mr.rig} (MR {mr.id})."
        argv = ["gh", "pr", "create", "--base", self.branch, "--head", mr.branch, "--title", title, "--body", body]
        try:
            proc = subprocess.run(argv, cwd=self.repo.path, capture_output=True, text=True, timeout=GH_SECONDS,
                                  stdin=subprocess.DEVNULL)  # fmt: skip
        except (OSError, subprocess.TimeoutExpired) as exc:
            return Landing("waiting", self.dest, sha, error=f"gh pr create: {exc}", at=_stamp())
        urls = _URL.findall(proc.stdout + "\n" + proc.stderr)  # "already exists: URL" on a retry
        if urls and (proc.returncode == 0 or "already exists" in proc.stderr):
            return Landing("pr", self.dest, sha, url=remote.redact(urls[-1]), at=_stamp())
        reason = (proc.stderr.strip() or proc.stdout.strip() or f"exit {proc.returncode}").splitlines()[-1]
        return Landing("waiting", self.dest, sha, error=f"gh pr create: {remote.redact(reason)}", at=_stamp())


_ASKED: dict[str, float] = {}  # PR URL → when the forge was last asked (``_asked_state``)
ASK_EVERY = 60.0


def _asked_state(url: str, cwd) -> str:
    """``gh pr view URL``'s state (OPEN, MERGED, CLOSED), asking about one PR at most every
    ``ASK_EVERY`` seconds per process; "" when not asked or gh cannot say (offline, no gh)."""
    now = time.monotonic()
    if not url or now - _ASKED.get(url, -ASK_EVERY) < ASK_EVERY:
        return ""
    _ASKED[url] = now
    argv = ["gh", "pr", "view", url, "--json", "state", "--jq", ".state"]
    try:
        proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=GH_SECONDS,
                              stdin=subprocess.DEVNULL)  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return proc.stdout.strip().upper() if proc.returncode == 0 else ""


def _stamp() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def refresh(town: Town, config: RigConfig) -> str:
    """Before a sling: take in the origin's latest commits, so new work branches from what the person
    has now. A warning when the origin cannot be read (offline is not a failure), else ""."""
    from .repo import rig_repo

    try:
        Outbound(town, config, rig_repo(town, config.name)[1]).follow()
    except GtError as exc:
        return f"origin not fetched ({exc.message}); the polecat starts from the town's {config.default_branch}"
    return ""


# -- the refinery's calls (engine.py and batch.py) ---------------------------------------------------


def follow_origin(p: Pass) -> None:
    """At the start of a busy pass: take in what a person pushed, so the batch stacks on it. Offline is
    not an error (the pass merges in the town; the push waits)."""
    if not _backing_off(p, "unreachable"):
        with contextlib.suppress(GtError):
            Outbound(p.town, p.config, p.repo).follow()


def before_advance(p: Pass, base: str) -> None:
    """Just before the target moves: raise OriginMoved when the origin gained commits (now taken in)."""
    out = Outbound(p.town, p.config, p.repo)
    if base != out.tip() or _backing_off(p, "unreachable"):
        return  # a batch for another branch (only the default branch goes out), the target moved, or offline
    with contextlib.suppress(GtError):
        if out.follow():
            raise OriginMoved(base)


def land(p: Pass, mrs: list[MergeRequest], tip: str, commits: Mapping[str, str]) -> dict[str, Landing]:
    """The target just moved to ``tip`` (gated), bringing ``mrs``: send them out. Returns each MR's
    landing, for its MERGED record. ``commits`` are the MRs' own commits (pull-request mode)."""
    from ...vcs.remote import Pushed

    out = Outbound(p.town, p.config, p.repo)
    if not mrs or p.target_of(mrs[0]) != p.config.default_branch:
        return {}  # only the rig's default branch goes out
    if p.config.merge_strategy == "pr":
        landings = {m.id: out.open_pr(m, commits[m.id]) for m in mrs}
        out.note_prs(list(landings.values()))
        return landings
    state = p.ledger.read(lambda s: rig_push(s, p.town, p.rig))
    if state.state == "waiting" and time.time() < state.retry_at:  # failing: waits for its retry, untried
        landing = Landing("waiting", out.dest, tip, error=state.error, at=_stamp())
        return dict.fromkeys((m.id for m in mrs), landing)
    # a held push stays held until gt rig sync: the person's checkout moves only when they say so
    result = Pushed(False, "dirty", state.error) if state.state == "held" else out.push(tip)
    landing = out.settle(result, tip)
    return dict.fromkeys((m.id for m in mrs), landing)


def catch_up(p: Pass, force: bool = False, tip: str | None = None) -> Landing | None:
    """End of a pass (and ``gt rig sync``): retry what did not get out, when its back-off is over (at
    once with ``force``). Takes the refinery's lease only when there is something to do. ``tip``: the
    target's commit, when the caller just resolved it."""
    from ...vcs import remote

    out = Outbound(p.town, p.config, p.repo)
    state = p.ledger.read(lambda s: rig_push(s, p.town, p.rig))
    tip = tip or out.tip()
    pr = p.config.merge_strategy == "pr"
    behind = bool(not pr and state.pushed and tip and not p.repo.is_ancestor(tip, state.pushed))
    if not force and (state.state == "held" or time.time() < state.retry_at):
        return None  # held until gt rig sync; a failing push waits for its back-off
    if not tip or (state.state == "ok" and not (behind or force)):
        return None
    p.take_lease()
    try:
        if pr:
            return _retry_prs(p, out)
        result = out.push(tip)
        if not result.ok and result.kind == "rejected":
            try:
                if _reconcile(p, out, tip):
                    tip = out.tip() or tip
                    result = out.push(tip)
            except _Diverged as exc:
                result = remote.Pushed(False, "diverged", str(exc))
        return out.settle(result, tip)
    finally:
        p.release_lease()


def _backing_off(p: Pass, kind: str) -> bool:
    """Is the rig's last push failure of ``kind`` still in its back-off? (Then the origin is not asked.)"""
    state = p.ledger.read(lambda s: rig_push(s, p.town, p.rig))
    return state.state == "waiting" and state.kind == kind and time.time() < state.retry_at


class _Diverged(Exception):
    pass


def _reconcile(p: Pass, out: Outbound, tip: str) -> bool:
    """The origin and the town both moved: merge the origin's commits into the target, gate, advance.
    True when the target moved. _Diverged when the merge conflicts or its gates fail."""
    origin = out.fetch()
    if not origin or p.repo.is_ancestor(origin, tip):
        return False
    branch = p.config.default_branch
    if p.repo.is_ancestor(tip, origin):
        return p.repo.advance(branch, origin, tip, f"{ORIGIN_MOVED} {out.dest} {origin[:10]}")
    merged = p.repo.stack(tip, origin, f"Merge {out.dest} into {branch}\n\nCommits pushed to the origin meanwhile.")
    if not merged.ok:
        where = ", ".join(merged.conflicts) or merged.error
        raise _Diverged(f"{out.dest} has commits that conflict with the town's {branch} ({where}); merge by hand")
    p.repo.ensure(tip)
    results = gate_commit(p.config.gates, p.repo, merged.commit)
    p.summary.gate_runs += 1
    failed = next((r for r in results if not r.ok), None)
    if failed is not None:
        raise _Diverged(f"gate {failed.name} fails once {out.dest}'s new commits are merged in; fix it there")
    p.write("refinery gated join", lambda tx: note_join(tx, p.town, p.rig, merged.commit))
    return p.repo.advance(branch, merged.commit, tip, f"refinery: merge {out.dest}")


def _retry_prs(p: Pass, out: Outbound) -> Landing | None:
    mrs = p.ledger.read(lambda s: read_queue(s, p.rig, include_closed=True, labelled=UNLANDED_LABEL))
    landings = []
    for mr in mrs:
        if mr.state == "merged" and mr.landing and mr.landing.state == "waiting":
            landing = out.open_pr(mr, mr.landing.commit or mr.commit_sha)
            p.write("refinery push", lambda tx, m=mr, lg=landing: note_landing(tx, m.id, lg))
            landings.append(landing)
    out.note_prs(landings)
    return landings[-1] if landings else None
