"""The daemon: the loops that keep a town moving without a person at the keyboard.

Per rig, on timers: the witness patrol, a refinery pass, and dispatch of ready convoy
work. ``gt daemon run`` runs it headless; the TUI hosts it in a child process (daemon_process).
A lease per rig (``daemon:RIG`` in the ledger, renewed every tick) makes sure one daemon drives a rig:
a TUI opened beside a running ``gt daemon`` leaves that rig's loops to it.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import GtError
from ..ledger.leases import holder_id

if TYPE_CHECKING:
    from ..config import RigConfig
    from ..runtime.tmux import Tmux
    from ..town import Town
    from .attention import PatrolLooks
    from .polecats import WatchedPolecats

LEASE_SECONDS = 30.0
RIGS_REFRESH = 5.0  # seconds between re-reads of the town's rig.toml files
# Keys of a pass summary that say where and how long, not what happened.
_BOOKKEEPING = frozenset({"rig", "target", "before", "after", "seconds"})


def news(result: Any) -> Any:
    """What a pass did or found, or None for an idle pass (no findings, nothing slung, a refinery
    pass with nothing to merge) — a heartbeat, not worth a log line."""
    if isinstance(result, dict):
        kept = {k: v for k, v in result.items() if k not in _BOOKKEEPING and v}
        if result.get("before") != result.get("after"):
            kept["after"] = result["after"]
        return kept or None
    return result or None


@dataclass
class Timing:
    """Seconds between passes of each loop."""

    tick: float = 1.0
    patrol: float = 10.0
    watch: float = 1.0  # the witness's attention pass: who waits for a person
    refinery: float = 3.0
    refinery_quiet: float = 15.0  # while passes find nothing to do and the ledger stands still
    dispatch: float = 2.0


@dataclass
class DaemonStatus:
    """What the daemon is doing, for the TUI's status line."""

    held: list[str] = field(default_factory=list)
    elsewhere: list[str] = field(default_factory=list)
    last_error: str = ""
    passes: int = 0


class Daemon:
    def __init__(
        self,
        town: Town,
        timing: Timing | None = None,
        tmux: Tmux | None = None,
        on_pass: Callable[[str, str, Any], None] | None = None,
        every_pass: bool = False,
        on_tick: Callable[[DaemonStatus], None] | None = None,
    ):
        """``on_pass(rig, loop, result)`` hears of passes with news different from the loop's last
        (so one stuck error or waiting merge is told once); of every pass with ``every_pass``.
        ``on_tick(status)`` hears the status after each round of ``run``."""
        self.town = town
        self.timing = timing or Timing()
        self.tmux = tmux or town.tmux()
        self.holder = holder_id("daemon")
        self.on_pass = on_pass
        self.every_pass = every_pass
        self.on_tick = on_tick
        self._news: dict[tuple[str, str], Any] = {}
        self.status = DaemonStatus()
        self._due: dict[tuple[str, str], float] = {}
        self._renewed: dict[str, float] = {}
        self._rigs: list[RigConfig] = []
        self._rigs_due = 0.0  # rig → when this daemon last took its lease (monotonic)
        self._watched: dict[str, WatchedPolecats] = {}  # rig → its WatchedPolecats, kept between watch passes
        self._looks: dict[str, PatrolLooks] = {}  # rig → what its patrol remembers of the screens
        self._quiet: dict[str, Any] = {}  # rig → the ledger's feed mark at its last idle refinery pass
        self._stop = threading.Event()

    def _lease(self, rig: str, take: bool) -> bool:
        """Take, renew or give back the rig's lease. A lease taken less than a third of its life ago
        is still ours: no write every tick."""
        name = f"daemon:{rig}"
        if not take:
            self._renewed.pop(rig, None)
            self.town.ledger.write("daemon lease", lambda tx: tx.release_lease(name, self.holder))
            return False
        now = time.monotonic()
        if now - self._renewed.get(rig, -LEASE_SECONDS) < LEASE_SECONDS / 3:
            return True
        held = self.town.ledger.write("daemon lease", lambda tx: tx.take_lease(name, self.holder, LEASE_SECONDS))
        if held:
            self._renewed[rig] = now
        else:
            self._renewed.pop(rig, None)
        return held

    def _run_loop(self, rig: str, loop: str, every: float, fn: Callable[[], Any], now: float) -> Any:
        """Run ``fn`` if the loop is due; its news (``news``), or None."""
        if self._due.get((rig, loop), 0.0) > now:
            return None
        self._due[(rig, loop)] = now + every
        try:
            result = fn()
        except GtError as exc:
            self.status.last_error = f"{loop} {rig}: {exc.message}"
            result = {"error": exc.message}
        except Exception as exc:  # a bug in one loop must not stop the others: report it, go on
            self.status.last_error = f"{loop} {rig}: {type(exc).__name__}: {exc}"
            result = {"error": self.status.last_error}
        latest, before = news(result), self._news.get((rig, loop))
        self._news[(rig, loop)] = latest
        if self.on_pass and (self.every_pass or (latest is not None and latest != before)):
            self.on_pass(rig, loop, result)
        return latest

    def tick(self, now: float | None = None) -> DaemonStatus:
        """One round: renew leases, run every loop that is due on the rigs this daemon holds."""
        from . import witness
        from .attention import PatrolLooks
        from .dispatch import dispatch
        from .rigpaths import list_rigs

        now = time.monotonic() if now is None else now
        if now >= self._rigs_due:  # rig.toml files are read again now and then, not every tick
            self._rigs, self._rigs_due = list_rigs(self.town), now + RIGS_REFRESH
        held, elsewhere = [], []
        for config in self._rigs:
            if not self._lease(config.name, take=True):
                elsewhere.append(config.name)
                continue
            held.append(config.name)
            rig = config.name
            looks = self._looks.setdefault(rig, PatrolLooks())
            self._run_loop(rig, "patrol", self.timing.patrol,
                           lambda r=rig, lk=looks: witness.patrol(self.town, r, self.tmux, looks=lk), now)  # fmt: skip
            self._run_loop(rig, "watch", self.timing.watch, lambda c=config: self._watch(c), now)
            self._refinery(rig, now)
            self._run_loop(
                rig, "dispatch", self.timing.dispatch, lambda c=config: dispatch(self.town, c, self.tmux), now
            )
        self.status.held, self.status.elsewhere = held, elsewhere
        self.status.passes += 1
        return self.status

    def _refinery(self, rig: str, now: float) -> None:
        """A refinery pass every ``timing.refinery`` seconds while passes find work; every
        ``timing.refinery_quiet`` while they find none and the ledger stands still (a new merge request,
        an approval, a retry moves it: the next tick passes)."""
        from . import refinery

        key, quiet = (rig, "refinery"), self._quiet.pop(rig, None)
        due = self._due.get(key, 0.0) <= now
        if quiet is None and not due:
            return
        mark = self.town.ledger.read(lambda s: s.feed_mark())
        if mark == quiet and not due:
            self._quiet[rig] = quiet
            return
        self._due[key] = now
        found = self._run_loop(rig, "refinery", self.timing.refinery, lambda: refinery.run_once(self.town, rig), now)
        if found is None:
            self._quiet[rig], self._due[key] = mark, now + self.timing.refinery_quiet

    def _watch(self, config: RigConfig) -> Any:
        """The witness's watch pass, with what it remembers of the rig since the last one; quiet screens
        are left to the patrol when it runs at least once per attention round (it looks at every screen
        then, on a tmux whose activity does not advance; ``PatrolLooks``)."""
        from . import witness
        from .attention import ROUND
        from .polecats import WatchedPolecats

        watched = self._watched.setdefault(config.name, WatchedPolecats())
        turns = self.timing.patrol > ROUND
        return witness.watch(self.town, config.name, self.tmux, config=config, watched=watched, turns=turns)

    def run(self) -> None:
        """Tick until ``stop()``; ledger or tmux trouble is recorded and retried, never fatal."""
        try:
            while not self._stop.is_set():
                try:
                    self.tick()
                except GtError as exc:
                    self.status.last_error = exc.message
                if self.on_tick:
                    self.on_tick(self.status)
                self._stop.wait(self.timing.tick)
        finally:
            self.release()

    def release(self) -> None:
        """Give up the rigs' leases, so another daemon (or the TUI) can drive them at once."""
        for rig in self.status.held:
            with contextlib.suppress(GtError):
                self._lease(rig, take=False)
        self.status.held = []

    def stop(self) -> None:
        self._stop.set()
