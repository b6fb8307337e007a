"""The daemon the TUI hosts runs in a child process that ends with the app, however the app ends."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

from polecat_support import lite_town_fixture, rig_fixture, tmux_server, wait_for  # noqa: F401  (fixtures)

from gastown_tui.services.daemon_process import DaemonProcess

# An app stand-in: hosts the daemon as the TUI does, says the child's pid once it holds a rig, then waits.
_APP = """
import sys, threading, time
from pathlib import Path
from gastown_tui.town import Town
from gastown_tui.services.daemon_process import DaemonProcess
host = DaemonProcess(Town(Path(sys.argv[1])))
threading.Thread(target=host.run, daemon=True).start()
while not host.status.held:
    time.sleep(0.05)
print(host._child.pid, flush=True)
time.sleep(600)
"""


def _gone(pid: int) -> bool:
    """The process has exited (reaped, or a zombie waiting for its new parent to reap it)."""
    stat = Path(f"/proc/{pid}/stat")
    try:
        return stat.read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def _lease(town, rig: str):
    return town.ledger.read(lambda s: s.lease_holder(f"daemon:{rig}"))


def test_hosted_daemon_drives_the_rigs_in_a_child_and_gives_them_back_on_stop(lite_town, rig):
    host = DaemonProcess(lite_town)
    runner = threading.Thread(target=host.run)
    runner.start()
    wait_for(lambda: host.status.held == [rig.name], timeout=30, what="the child to take the rig's lease")
    child = host._child
    assert _lease(lite_town, rig.name) is not None
    host.stop()
    runner.join(15)
    assert not runner.is_alive() and child.poll() is not None
    assert _lease(lite_town, rig.name) is None  # given back: another daemon may drive the rig at once
    assert host.status.last_error == ""


def test_hosted_daemon_ends_when_the_app_is_killed(lite_town, rig):
    app = subprocess.Popen([sys.executable, "-c", _APP, str(lite_town.root)], stdout=subprocess.PIPE, text=True)
    try:
        child = int(app.stdout.readline())
        assert not _gone(child)
        app.kill()
        app.wait(10)
        wait_for(lambda: _gone(child), timeout=15, what="the daemon child to end with its app")
        wait_for(lambda: _lease(lite_town, rig.name) is None, timeout=5, what="the lease given back")
    finally:
        app.kill()
