"""The daemon hosted by the TUI, run in a child process so its loops never compete with the UI for the GIL.

``DaemonProcess`` has the face of ``Daemon`` the TUI uses (``run`` blocks until ``stop``, ``status``).
Its child (``python -m gastown_tui.services.daemon_process TOWN``) runs the loops and writes its
status as one JSON line whenever it changes. The child's stdin is a pipe from the app: when the
app ends, however it ends (quit, crash, SIGKILL), the pipe closes and the child gives its leases
back and exits, so it never outlives the app. It has a session of its own: a ctrl-c typed while the
app has handed the terminal to tmux does not reach it. A child that ends on its own (a crash, the
OOM killer, a kill) is started again after a pause that grows while it keeps ending quickly; the
header says why it ended (the child's last line on stderr) and when it starts again.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import subprocess
import sys
import threading
import time
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING

from .daemon import DaemonStatus

if TYPE_CHECKING:
    from ..town import Town

STOP_PATIENCE = 10.0  # seconds the child gets to give its leases back before it is killed
RESTART_DELAYS = (1.0, 2.0, 5.0, 15.0, 60.0)  # pauses before starting an ended child again
STEADY_SECONDS = 120.0  # a child that ran this long ended for a fresh reason: the pauses start over


class DaemonProcess:
    def __init__(self, town: Town):
        self.town = town
        self.status = DaemonStatus()
        self._stop = threading.Event()
        self._child: subprocess.Popen | None = None

    def run(self) -> None:
        """Run the child, and again whenever it ends on its own, until ``stop``."""
        quick_ends = 0
        while not self._stop.is_set():
            started = time.monotonic()
            why = self._run_child()
            if self._stop.is_set():
                return
            if time.monotonic() - started > STEADY_SECONDS:
                quick_ends = 0
            pause = RESTART_DELAYS[min(quick_ends, len(RESTART_DELAYS) - 1)]
            quick_ends += 1
            self.status = dataclasses.replace(self.status, held=[], last_error=f"restarting in {pause:.0f} s: {why}")
            self._stop.wait(pause)

    def _run_child(self) -> str:
        """Start the child and follow its status lines until it ends; why it ended."""
        self._child = child = subprocess.Popen(
            [sys.executable, "-m", __name__, str(self.town.root)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        if self._stop.is_set():  # stopped while starting
            self._end(child)
        last_said: deque[str] = deque(maxlen=1)
        listener = threading.Thread(target=_last_line, args=(child.stderr, last_said), daemon=True)
        listener.start()
        for line in child.stdout:
            try:
                self.status = DaemonStatus(**json.loads(line))
            except (ValueError, TypeError):
                continue
        child.wait()
        listener.join(1.0)
        said = f": {last_said[0]}" if last_said else ""
        return f"it ended (status {child.returncode}){said}"

    def stop(self) -> None:
        self._stop.set()
        if self._child is not None:
            threading.Thread(target=self._end, args=(self._child,), daemon=True).start()

    @staticmethod
    def _end(child: subprocess.Popen) -> None:
        """Close the child's stdin (it stops and releases its leases); kill it if it takes too long."""
        with contextlib.suppress(OSError):
            child.stdin.close()
        try:
            child.wait(STOP_PATIENCE)
        except subprocess.TimeoutExpired:
            child.kill()


def _last_line(stream, into: deque[str]) -> None:
    """Keep the last non-empty line ``stream`` gives (the child's stderr, read so it never blocks)."""
    for line in stream:
        if line.strip():
            into.append(line.strip())


def _child_main(root: str) -> None:
    from ..town import Town
    from .daemon import Daemon

    told: list[str] = [""]

    def tell(status: DaemonStatus) -> None:
        """A status line when what the header shows changed (the pass count only from 0 to 1)."""
        line = json.dumps(dataclasses.asdict(status) | {"passes": min(status.passes, 1)})
        if line != told[0]:
            told[0] = line
            print(line, flush=True)

    daemon = Daemon(Town(Path(root)), on_tick=tell)
    daemon.tmux.stand()  # its every-second listing of the sessions without a tmux process each time

    def watch_parent() -> None:
        sys.stdin.read()  # returns at EOF: the app closed the pipe, or is gone
        daemon.stop()

    threading.Thread(target=watch_parent, daemon=True).start()
    with contextlib.suppress(BrokenPipeError):  # the app is gone; run() gave the leases back on its way out
        daemon.run()


if __name__ == "__main__":
    _child_main(sys.argv[1])
