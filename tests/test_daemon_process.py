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


def test_a_daemon_child_that_dies_is_started_again_and_the_header_says_why(lite_town, rig):
    host = DaemonProcess(lite_town)
    runner = threading.Thread(target=host.run)
    runner.start()
    try:
        wait_for(lambda: host.status.held == [rig.name], timeout=30, what="the child to take the rig's lease")
        first = host._child
        first.kill()  # as the OOM killer would
        wait_for(lambda: host.status.last_error == "restarting in 1 s: it ended (status -9)", timeout=10, what="why")
        wait_for(
            lambda: host._child is not first and host.status.held == [rig.name] and not host.status.last_error,
            timeout=30,
            what="a new child driving the rig (the dead one's lease taken over at once)",
        )
    finally:
        host.stop()
        runner.join(15)
    assert not runner.is_alive() and host._child.poll() is not None


def test_a_daemon_child_that_crashes_at_once_says_why_and_waits_longer_each_time(tmp_path, monkeypatch, lite_town):
    """The child's last line on stderr (a crash's last traceback line) reaches the header; the
    pause before the next start grows while it keeps ending at once."""
    crash = tmp_path / "python"
    crash.write_text(
        "#!/bin/sh\necho 'Traceback (most recent call last):' >&2\necho 'MemoryError: out of memory' >&2\nexit 1\n"
    )
    crash.chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(crash))  # the child's interpreter, crashing as it starts
    host = DaemonProcess(lite_town)
    runner = threading.Thread(target=host.run)
    runner.start()
    try:
        said = "it ended (status 1): MemoryError: out of memory"
        wait_for(lambda: host.status.last_error == f"restarting in 1 s: {said}", timeout=10, what="the first restart")
        wait_for(lambda: host.status.last_error == f"restarting in 2 s: {said}", timeout=10, what="a longer pause")
    finally:
        host.stop()
        runner.join(15)
    assert not runner.is_alive()
