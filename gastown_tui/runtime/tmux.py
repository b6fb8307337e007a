"""tmux, driven with plain ``tmux`` argument lists (never a shell).

Sessions live on the user's own tmux server, so ``tmux ls`` / ``tmux attach`` work as usual;
tests isolate themselves with ``TMUX_TMPDIR`` (and an unset ``TMUX``). Targets use tmux's
``=name`` exact-match form so ``gt-rig-nux`` never matches ``gt-rig-nux2`` by prefix.

Plain subprocesses rather than libtmux: each call is one short ``tmux`` process, which is
what the witness needs at 100 sessions (``activity()`` is one call for all of them).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import Mapping, Sequence

from ..errors import GtError

# Everything a terminal would interpret: C0 controls, DEL, C1 controls. Tabs/newlines become spaces.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_BREAKS = re.compile(r"[\t\n\r]+")
# tmux's client→server messages are limited to 16 KiB; stay well under it per send-keys.
_CHUNK = 2048
# What tmux says when there is no server, or one with no session left (it is exiting).
_NO_SERVER = ("no server running", "error connecting to", "no current session", "no current target", "server exited")


class TmuxUnavailable(GtError):
    """tmux is not installed or its server cannot be reached."""


def clean_text(text: str) -> str:
    """Text as it may be typed into an agent: one line, no control characters."""
    return _CONTROL.sub("", _BREAKS.sub(" ", text))


def _literal(chunk: str) -> str:
    """tmux reads an argument ending in ``;`` as a command separator, even after ``-l``; a
    backslash before that last ``;`` keeps it text (tmux removes the backslash)."""
    return chunk[:-1] + "\\;" if chunk.endswith(";") else chunk


def _target(name: str) -> str:
    return f"={name}"


def _pane(name: str) -> str:
    # "=session:" is the active pane of the exact session.
    return f"={name}:"


class Tmux:
    """The user's tmux server (or the one named by ``socket``, a ``-L`` socket name)."""

    def __init__(self, socket: str | None = None, timeout: float = 10.0):
        self.binary = shutil.which("tmux")
        self.socket = socket
        self.timeout = timeout

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        if not self.binary:
            raise TmuxUnavailable("tmux is not installed", "install tmux (3.0 or newer) and retry")
        argv = [self.binary] + (["-L", self.socket] if self.socket else []) + list(args)
        try:
            proc = subprocess.run(argv, capture_output=True, text=True, timeout=self.timeout, errors="replace")
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise TmuxUnavailable(f"tmux did not answer: {exc}", "check that the tmux server is healthy") from None
        if check and proc.returncode != 0:
            message = proc.stderr.strip() or f"tmux {args[0]} failed"
            raise TmuxUnavailable(f"tmux {args[0]}: {message}", "check `tmux ls`; is the session still there?")
        return proc

    @staticmethod
    def _server_missing(proc: subprocess.CompletedProcess) -> bool:
        return any(text in proc.stderr for text in _NO_SERVER)

    def has_session(self, name: str) -> bool:
        proc = self._run("has-session", "-t", _target(name), check=False)
        return proc.returncode == 0

    def activity(self) -> dict[str, int]:
        """``{session: epoch of the last output in any of its windows}`` for every session, in one call."""
        proc = self._run("list-windows", "-a", "-F", "#{session_name}\t#{window_activity}", check=False)
        if proc.returncode != 0:
            if self._server_missing(proc):
                return {}
            raise TmuxUnavailable(f"tmux list-windows: {proc.stderr.strip()}", "check that the tmux server is healthy")
        out: dict[str, int] = {}
        for line in proc.stdout.splitlines():
            name, _, stamp = line.rpartition("\t")
            if name and stamp.isdigit():
                out[name] = max(out.get(name, 0), int(stamp))
        return out

    def sessions(self) -> list[str]:
        return sorted(self.activity())

    def new_session(
        self,
        name: str,
        cwd: str,
        command: Sequence[str],
        env: Mapping[str, str] | None = None,
        width: int = 200,
        height: int = 50,
    ) -> None:
        """Start ``command`` (an argument list, exec'd directly) in a detached session.

        ``env`` is set at creation (``-e``) so every child process, e.g. ``gt`` calls, sees it.
        """
        if not command:
            raise ValueError("new_session needs a command")
        argv = list(command)
        if len(argv) == 1:
            # tmux runs a single-word command through `sh -c`; `env` makes it an exec again.
            argv = ["env", "--", argv[0]]
        args = ["new-session", "-d", "-s", name, "-c", str(cwd), "-x", str(width), "-y", str(height)]
        # A terminal size inherited from whoever started the tmux server would override the
        # pane's real size in programs that read COLUMNS/LINES first (Python's shutil does).
        for key, value in {"COLUMNS": "", "LINES": "", **(env or {})}.items():
            args += ["-e", f"{key}={value}"]
        proc = self._run(*args, "--", *argv, check=False)
        if proc.returncode != 0:
            if "duplicate session" in proc.stderr:
                raise GtError(f"tmux session {name} already exists", f"attach with: tmux attach -t {name}")
            raise TmuxUnavailable(f"tmux new-session: {proc.stderr.strip()}", "check that tmux works: tmux ls")

    def send_text(self, name: str, text: str, enter: bool = True, enter_delay: float = 0.0) -> None:
        """Type ``text`` literally into the session's active pane, then Enter.

        Control characters are stripped (no escape sequences reach the agent), the pane is taken
        out of copy mode first, and long text goes in chunks under tmux's message limit.
        ``enter_delay`` pauses before Enter, for agents that read a fast Enter as part of a paste.
        """
        if not self.has_session(name):
            raise GtError(f"no live session {name}", "start it first (gt sling / gt polecat restart)")
        text = clean_text(text)
        pane = _pane(name)
        self._run("copy-mode", "-q", "-t", pane, check=False)
        chunks = [text[i : i + _CHUNK] for i in range(0, len(text), _CHUNK)] or [""]
        for index, chunk in enumerate(chunks):
            args = ["send-keys", "-t", pane, "-l", "--", _literal(chunk)] if chunk else []
            if enter and index == len(chunks) - 1 and not enter_delay:
                args += ([";"] if args else []) + ["send-keys", "-t", pane, "Enter"]
            if args:
                self._run(*args)
        if enter and enter_delay:
            time.sleep(enter_delay)
            self._run("send-keys", "-t", pane, "Enter")

    def capture(self, name: str, ansi: bool = True, lines: int | None = None) -> str:
        """The visible pane (plus ``lines`` of history), with colours as escape codes if ``ansi``."""
        args = ["capture-pane", "-p", "-J", "-t", _pane(name)]
        if ansi:
            args.append("-e")
        if lines:
            args += ["-S", f"-{int(lines)}"]
        proc = self._run(*args, check=False)
        if proc.returncode != 0:
            raise GtError(f"no live session {name}", "it may have ended; see gt polecat list")
        return proc.stdout

    def environment(self, name: str) -> dict[str, str]:
        """The session's own environment (the ``-e`` values given at creation, among others)."""
        proc = self._run("show-environment", "-t", _target(name), check=False)
        if proc.returncode != 0:
            return {}
        env = {}
        for line in proc.stdout.splitlines():
            key, sep, value = line.partition("=")
            if sep:
                env[key] = value
        return env

    def kill_session(self, name: str) -> bool:
        """End the session; False if it was not there."""
        return self._run("kill-session", "-t", _target(name), check=False).returncode == 0

    def kill_server(self) -> None:
        self._run("kill-server", check=False)
