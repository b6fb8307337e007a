"""``gt daemon run`` as its own process: quiet while the town is idle, a line when something happens.

Idle passes (an empty patrol, a refinery pass with nothing to merge, nothing to dispatch) are
heartbeats, printed only with --verbose; SIGTERM stops the daemon like ctrl-c, leases given back.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time

from polecat_support import HANG, add_rig, lite_town_fixture, tmux_server, wait_for  # noqa: F401

from conftest import GT
from gastown_tui.services.convoys import create_convoy

IDLE = 7.0  # seconds after it took the rig: two refinery passes, three dispatch passes, a patrol


class Running:
    """``gt daemon run`` in the background, its output collected line by line."""

    def __init__(self, town, *flags: str):
        self.proc = subprocess.Popen(
            [GT, "daemon", "run", "--town", str(town.root), *flags],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.out: list[str] = []
        self._reader = threading.Thread(target=lambda: self.out.extend(self.proc.stdout), daemon=True)
        self._reader.start()

    def stop(self) -> str:
        self.proc.terminate()
        err = self.proc.communicate(timeout=30)[1]
        self._reader.join(timeout=5)
        assert self.proc.returncode == 0, err
        return err


def _loops(lines: list[str]) -> list[str]:
    return [json.loads(line)["loop"] for line in lines]


def test_an_idle_daemon_is_quiet_and_logs_what_happens(lite_town, tmux, tmp_path):
    config = add_rig(lite_town, tmp_path, runtime=HANG, auto_sling=True)
    daemon = Running(lite_town)
    try:
        wait_for(lambda: lite_town.ledger.read(lambda s: s.lease_holder(f"daemon:{config.name}")), what="its lease")
        time.sleep(IDLE)
        assert daemon.out == []  # no heartbeat
        bead = lite_town.ledger.write("c", lambda tx: tx.create("Work for the daemon", prefix=config.prefix))
        lite_town.ledger.write("c", lambda tx: create_convoy(tx, "Batch", [bead]))
        wait_for(lambda: "dispatch" in _loops(daemon.out), what="the dispatch line")
        slung = next(json.loads(line) for line in daemon.out if json.loads(line)["loop"] == "dispatch")
        assert slung["rig"] == config.name and slung["result"][0]["bead"] == bead
    finally:
        err = daemon.stop()
    assert err.splitlines() == [f"daemon for town {lite_town.name}: ctrl-c to stop"]
    assert _loops(daemon.out).count("dispatch") == 1  # the same news is not told twice
    assert lite_town.ledger.read(lambda s: s.lease_holder(f"daemon:{config.name}")) is None


def test_verbose_prints_every_pass(lite_town, tmux, tmp_path):
    add_rig(lite_town, tmp_path)
    daemon = Running(lite_town, "--verbose")
    try:
        wait_for(lambda: len(daemon.out) >= 5, what="five passes")  # idle ones: e.g. two dispatch passes
    finally:
        daemon.stop()
    assert {"patrol", "refinery", "dispatch"} <= set(_loops(daemon.out))
