"""Who holds a lease: ``ROLE:HOST:PID:NONCE``, so a lease left by a process that died on this
host can be taken over at once instead of when it expires (a TUI reopened right after a crash
hosts its daemon straight away; a refinery restarted after ``kill -9`` resumes)."""

from __future__ import annotations

import contextlib
import os
import socket
import uuid
from pathlib import Path


def holder_id(role: str) -> str:
    return f"{role}:{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(OSError, IndexError):
        if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
            return False  # a zombie process holds nothing
    return True


def holder_is_dead(holder: str) -> bool:
    """Was the lease taken by a process of this host that no longer runs? (Other hosts: unknown.)"""
    parts = holder.split(":")
    if len(parts) != 4 or parts[1] != socket.gethostname() or not parts[2].isdigit():
        return False
    return int(parts[2]) != os.getpid() and not _pid_alive(int(parts[2]))
