"""A standing control-mode client (``tmux -C``) on a server, for a listing a loop asks for every second:
one line written to a pipe instead of a tmux process started each time (about 2 ms of CPU each).

It sits on one session, read-only and without output or a size of its own (``attach-session -f
read-only,ignore-size,no-output``), as the TUI's output follower does. It ends with that session
(the next ask sits on another) or when its stdin closes, which the process's end does. Anything
unexpected and ``ask`` says None: the caller starts a tmux process as it always did.
"""

from __future__ import annotations

import contextlib
import os
import select
import subprocess
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .tmux import Tmux


class _Lost(Exception):
    """The client ended, or did not answer as control mode does."""


class StandingClient:
    def __init__(self, tmux: Tmux):
        self.tmux = tmux
        self._proc: subprocess.Popen | None = None
        self._pending = b""
        self._lock = threading.Lock()

    def ask(self, command: str, sessions: Sequence[str]) -> str | None:
        """The output of ``command`` (a tmux command line of ours, never text from elsewhere), asked of
        the client, which first sits on one of ``sessions`` if it has none; None when it cannot."""
        with self._lock:
            try:
                if self._proc is None and not self._start(sessions):
                    return None
                self._proc.stdin.write(command.encode() + b"\n")
                self._proc.stdin.flush()
                return self._answer()
            except (OSError, ValueError, _Lost):
                self._end()
                return None

    def close(self) -> None:
        with self._lock:
            self._end()

    def _start(self, sessions: Sequence[str]) -> bool:
        """Sit on the first of ``sessions`` (names ``is_session_name`` accepts), if any."""
        if not sessions or not self.tmux.binary:
            return False
        argv = [self.tmux.binary, *self.tmux._server_args(), "-C", "attach-session", "-t", f"={sessions[0]}"]
        self._proc = subprocess.Popen(
            [*argv, "-f", "read-only,ignore-size,no-output"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self._pending = b""
        self._answer()  # the attach's own block
        return True

    def _answer(self) -> str:
        """The next ``%begin … %end`` block's lines; notifications around it are skipped."""
        begun: bytes | None = None
        lines: list[bytes] = []
        while True:
            line = self._line()
            if begun is None:
                if line.startswith(b"%begin "):
                    begun = line[len(b"%begin ") :]
                elif line.startswith(b"%exit"):
                    raise _Lost
            elif line in (b"%end " + begun, b"%error " + begun):
                if line.startswith(b"%error"):
                    raise _Lost
                return b"".join(one + b"\n" for one in lines).decode(errors="replace")
            else:
                lines.append(line)

    def _line(self) -> bytes:
        while b"\n" not in self._pending:
            fd = self._proc.stdout.fileno()
            ready, _, _ = select.select([fd], [], [], self.tmux.timeout)
            chunk = os.read(fd, 65536) if ready else b""
            if not chunk:
                raise _Lost  # ended, or no answer in time
            self._pending += chunk
        line, _, self._pending = self._pending.partition(b"\n")
        return line

    def _end(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            with contextlib.suppress(OSError, ValueError):
                proc.stdin.close()
            with contextlib.suppress(OSError, ValueError):
                proc.stdout.close()
            try:
                proc.wait(1)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
