"""tmux, driven with plain ``tmux`` argument lists (never a shell).

Each town's agent sessions live on the town's own tmux server, ``tmux -L NAME`` with NAME from
``socket_name(town root)``, so two towns with a rig of the same name never share a session
(``gt polecat list`` shows the command to attach by hand). The socket sits under ``TMUX_TMPDIR``
as usual, which is how tests isolate themselves (with an unset ``TMUX``). Targets use tmux's
``=name`` exact-match form so ``gt-rig-nux`` never matches ``gt-rig-nux2`` by prefix.

Plain subprocesses rather than libtmux: each call is one short ``tmux`` process, which is
what the witness needs at 100 sessions (``activity()`` is one call for all of them).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import shlex
import shutil
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from ..errors import GtError
from ..plaintext import clean_text

# tmux's client→server messages are limited to 16 KiB; stay well under it per send-keys.
_CHUNK = 2048
# What tmux says when there is no server, or one with no session left (it is exiting).
_NO_SERVER = ("no server running", "error connecting to", "no current session", "no current target", "server exited")
# What a session name may hold when it goes into an attach command (Gas Town's names are narrower).
_SESSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")


def socket_name(root: str | Path) -> str:
    """The town's tmux socket: ``gt-<folder name>-<6 hex digits of the resolved path>``.

    The path makes it unique (two towns both called ``gt`` differ); the folder name only tells
    people whose server it is. Both are fixed while the town stays where it is, so every process
    of the town (the TUI, the daemon, ``gt`` inside agent sessions via ``GT_TOWN``) reaches it.
    """
    resolved = Path(root).resolve()
    label = re.sub(r"[^a-z0-9]+", "-", resolved.name.lower()).strip("-")[:24].strip("-") or "town"
    return f"gt-{label}-{hashlib.sha256(str(resolved).encode()).hexdigest()[:6]}"


def is_session_name(name: str) -> bool:
    return bool(_SESSION.fullmatch(name or ""))


def check_session(name: str) -> str:
    if not is_session_name(name):
        raise GtError(f"not a session name: {name!r}", "session names are letters, digits, - and _")
    return name


def inside_client() -> bool:
    """Whether this process runs inside a tmux client of the user's (``TMUX`` set)."""
    return bool(os.environ.get("TMUX"))


class TmuxUnavailable(GtError):
    """tmux is not installed or its server cannot be reached."""


def _literal(chunk: str) -> str:
    """tmux reads an argument ending in ``;`` as a command separator, even after ``-l``; a
    backslash before that last ``;`` keeps it text (tmux removes the backslash)."""
    return chunk[:-1] + "\\;" if chunk.endswith(";") else chunk


def _split_captures(text: str, nonce: str, names: Sequence[str]) -> dict[str, str]:
    """``capture_many``'s output cut at its ``NONCE NAME`` header lines."""
    out: dict[str, str] = {}
    current, lines = None, []
    # each capture ends with a newline, which the next header line's split takes: the last one's too,
    # so a screen reads the same wherever it stands in the chain (its hash is a sign of life)
    for line in text.removesuffix("\n").split("\n"):
        head, _, name = line.partition(" ")
        if head == nonce and name in names:
            if current is not None:
                out[current] = "\n".join(lines)
            current, lines = name, []
        elif current is not None:
            lines.append(line)
    if current is not None:
        out[current] = "\n".join(lines)
    return out


def _target(name: str) -> str:
    return f"={name}"


def _pane(name: str) -> str:
    # "=session:" is the active pane of the exact session.
    return f"={name}:"


class Tmux:
    """A tmux server: the user's default one, or the one named by ``socket`` (a ``-L`` name; a town's is
    ``socket_name(root)``, see ``Town.tmux()``)."""

    def __init__(self, socket: str | None = None, timeout: float = 10.0):
        self.binary = shutil.which("tmux")
        self.socket = socket
        self.timeout = timeout
        self._standing = None  # a StandingClient once ``stand`` was called
        self._sessions: list[str] = []  # as the last listing found them

    def stand(self) -> None:
        """Ask ``activity()`` of a standing control-mode client from now on (for a process that lists
        every second: the daemon, the TUI), not of a tmux process each time; see tmux_control."""
        from .tmux_control import StandingClient

        self._standing = self._standing or StandingClient(self)

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        if not self.binary:
            raise TmuxUnavailable("tmux is not installed", "install tmux (3.0 or newer) and retry")
        argv = [self.binary, *self._server_args(), *args]
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
        """``{session: epoch of the last output in any of its windows}`` for every session, in one call.

        tmux's own ``window_activity`` is not trusted alone (with some tmux releases it never
        advances): the later of it and the session's ``@gt_pane_at`` mark (when the witness last saw
        its screen change, ``mark_panes``) counts."""
        return self.activity_and_marks()[0]

    def activity_and_marks(self) -> tuple[dict[str, int], dict[str, tuple[str, int]]]:
        """``activity()``, and ``{session: (hash of its screen, epoch it last changed)}`` as ``mark_panes``
        left them, in the same one call."""
        fmt = "#{session_name}\t#{@gt_pane_hash}\t#{window_activity}\t#{@gt_pane_at}"
        text = self._standing.ask(f"list-windows -a -F '{fmt}'", self._sessions) if self._standing else None
        if text is None:
            proc = self._run("list-windows", "-a", "-F", fmt, check=False)
            if proc.returncode != 0 and not self._server_missing(proc):
                message = proc.stderr.strip()
                raise TmuxUnavailable(f"tmux list-windows: {message}", "check that the tmux server is healthy")
            text = proc.stdout if proc.returncode == 0 else ""
        out: dict[str, int] = {}
        marks: dict[str, tuple[str, int]] = {}
        for line in text.splitlines():
            name, digest, activity, at = (line.split("\t") + ["", "", ""])[:4]
            stamps = [int(s) for s in (activity, at) if s.isdigit()]
            if name and stamps:
                out[name] = max(out.get(name, 0), *stamps)
            if name and digest and at.isdigit():
                marks[name] = (digest, int(at))
        self._sessions = [name for name in out if is_session_name(name)]
        return out, marks

    def mark_panes(self, marks: Mapping[str, tuple[str, int]]) -> None:
        """Remember each session's screen hash and when it changed, on the session itself (one call)."""
        args: list[str] = []
        for name, (digest, at) in marks.items():
            args += [*([";"] if args else []), "set-option", "-t", _pane(name), "@gt_pane_hash", digest]
            args += [";", "set-option", "-t", _pane(name), "@gt_pane_at", str(at)]
        if args:
            self._run(*args, check=False)  # a session gone meanwhile is marked again next time, if it lives

    def capture_many(self, names: Sequence[str]) -> dict[str, str]:
        """The visible screens (plain text) of several sessions in one tmux call; sessions that are gone
        are left out."""
        out: dict[str, str] = {}
        todo = list(names)
        for _attempt in range(2):
            nonce = os.urandom(6).hex()
            args: list[str] = []
            for name in todo:
                args += [*([";"] if args else []), "display-message", "-p", "-t", _pane(name), f"{nonce} {name}"]
                args += [";", "capture-pane", "-p", "-J", "-t", _pane(name)]
            proc = self._run(*args, check=False) if args else None
            if proc is None or proc.returncode == 0:
                out.update(_split_captures(proc.stdout if proc else "", nonce, todo))
                break
            # tmux stops at the first session that is gone: once more with the ones still alive
            alive = self.activity()
            todo = [name for name in todo if name in alive]
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
                raise GtError(f"tmux session {name} already exists", f"attach with: {self.attach_hint(name)}")
            raise TmuxUnavailable(f"tmux new-session: {proc.stderr.strip()}", "check that tmux works: tmux ls")

    def send_text(self, name: str, text: str, enter: bool = True, enter_delay: float = 0.0) -> None:
        """Type ``text`` literally into the session's active pane, then Enter.

        Control characters are stripped (no escape sequences reach the agent), the pane is taken
        out of copy mode first, and long text goes in chunks under tmux's message limit.
        ``enter_delay`` pauses before Enter, for agents that read a fast Enter as part of a paste.
        """
        if not self.has_session(name):
            raise GtError(f"no live session {name}", "start it first (gt sling / gt polecat restart)")
        text = clean_text(text, squeeze=True)  # one line, no control characters
        with self._writer(name):
            self._type(name, text, enter, enter_delay)

    @contextlib.contextmanager
    def _writer(self, name: str):
        """One writer per session, across processes (the witness, the TUI, ``gt nudge``): a line typed
        in chunks is never interleaved with another."""
        folder = Path(tempfile.gettempdir()) / f"gt-send-{os.getuid()}"
        folder.mkdir(mode=0o700, exist_ok=True)
        with open(folder / f"{self.socket or 'default'}-{name}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    def _type(self, name: str, text: str, enter: bool, enter_delay: float) -> None:
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

    def output_client(self, name: str) -> subprocess.Popen:
        """A control-mode client of session ``name`` (``tmux -C``, read-only, never resizing it) whose
        stdout says ``%output …`` each time a pane of the session prints: output without polling.
        It ends when its stdin is closed (or its session ends)."""
        if not self.binary:
            raise TmuxUnavailable("tmux is not installed", "install tmux (3.0 or newer) and retry")
        argv = [self.binary, *self._server_args(), "-C", "attach-session", "-f", "read-only,ignore-size"]
        return subprocess.Popen(
            [*argv, "-t", _target(name)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )

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

    def socket_path(self) -> str:
        """Where this server listens (what ``-S`` takes), as the running server reports it."""
        return self._run("display-message", "-p", "#{socket_path}").stdout.strip()

    def _server_args(self) -> list[str]:
        return ["-L", self.socket] if self.socket else []

    def attach_argv(self, name: str, by_path: bool = False) -> list[str]:
        """The argument list that attaches a terminal to ``name`` on this server (returns on detach).

        ``by_path`` names the server by its socket's path (``-S``), for a process that may not
        share our ``TMUX_TMPDIR`` (a popup started by the user's own tmux server).
        """
        server = ["-S", self.socket_path()] if by_path else self._server_args()
        return [self.binary or "tmux", *server, "attach-session", "-t", _target(check_session(name))]

    def attach(self, name: str) -> int:
        """Attach this terminal to ``name`` until the user detaches; returns tmux's exit status.

        The caller hands its terminal over first (a Textual app suspends itself) and takes it back after."""
        return subprocess.run(self.attach_argv(name)).returncode

    def attach_in_popup(self, name: str, width: str = "90%", height: str = "90%") -> None:
        """Inside tmux (``inside_client()``): a popup over the user's own client, attached to ``name``
        on this server.

        Blocks until the popup closes: detaching (``ctrl-b d``) ends the inner client and with it the
        popup, and whatever ran underneath is still there. The inner client runs with ``TMUX`` unset (it
        is a client of another server, not a nested session) and reaches this server by socket path.
        Everything is an argument list (tmux 3.2+ runs a popup's arguments without a shell).
        """
        inner = ["env", "-u", "TMUX", *self.attach_argv(name, by_path=True)]
        popup = [self.binary or "tmux", "display-popup", "-E", "-w", width, "-h", height, "-T", f" {name} "]
        proc = subprocess.run([*popup, *inner], capture_output=True, text=True, errors="replace")
        if proc.returncode != 0:
            raise GtError(
                f"tmux could not open a popup: {proc.stderr.strip() or proc.returncode}",
                f"tmux 3.2 or newer has popups; or attach by hand: {self.attach_hint(name)}",
            )

    def attach_hint(self, name: str) -> str:
        """The attach command to type by hand, e.g. ``tmux -L gt-demo-1a2b3c attach -t '=gt-calc-furiosa'``
        (the target is quoted: zsh would expand a bare ``=word``)."""
        target = _target(name)
        quoted = f"'{target}'" if _SESSION.fullmatch(name) else shlex.quote(target)
        return f"{shlex.join(['tmux', *self._server_args(), 'attach', '-t'])} {quoted}"
