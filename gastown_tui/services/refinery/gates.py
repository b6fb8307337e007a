"""Gate processes: a rig's verification commands, run on a stack checked out in a gate worktree.

Each gate is an argument list (never a shell) in its own process group, killed with its children
at its timeout. The group's leader is coreutils ``timeout`` (when installed), so a gate whose
refinery was killed still ends a second after its timeout; and its pid is written to a file in its
worktree's git dir, so a refinery restarted after ``kill -9`` stops every orphaned gate (one per
worktree) at once, before touching the worktrees again.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from .records import GateResult

if TYPE_CHECKING:
    from ...config import Gate
    from ...vcs.merge import MergeWorktree

OUTPUT_KEEP_FAILED = 3000  # characters of a failing gate's output kept (its tail)
OUTPUT_KEEP_PASSED = 300
PIDFILE = "gt-gate.pid"
WATCHDOG = shutil.which("timeout")  # ends an orphaned gate by itself: a second past its timeout, then SIGKILL


def _tail(text: str, keep: int) -> str:
    return text if len(text) <= keep else f"…({len(text) - keep} characters cut)…\n" + text[-keep:]


def _gate_env() -> dict[str, str]:
    """The refinery's environment minus git's per-repository variables (a gate may run git itself)."""
    return {k: v for k, v in os.environ.items() if k not in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE")}


def run_gate(gate: Gate, cwd: Path, pidfile: Path | None = None) -> GateResult:
    """Run one gate: its argument list (no shell) in ``cwd``, its own process group, killed at the timeout."""
    started = time.monotonic()
    argv = gate.command
    if WATCHDOG:
        argv = [WATCHDOG, "--kill-after=1", f"{gate.timeout + 1:g}", *gate.command]
    with tempfile.TemporaryFile() as out:
        try:
            proc = subprocess.Popen(
                argv,
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=_gate_env(),
                start_new_session=True,
            )
        except OSError as exc:
            return _gate_result(gate, started, 127, False, f"cannot run {gate.command[0]!r}: {exc.strerror or exc}")
        if pidfile:
            pidfile.write_text(str(proc.pid))
        timed_out = False
        try:
            code = proc.wait(timeout=gate.timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            code = -9
        finally:
            # Leftover children of the gate go with it, whether it finished or timed out.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            if pidfile:
                pidfile.unlink(missing_ok=True)
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    if timed_out:
        text += f"\n[gate {gate.name} timed out after {gate.timeout:g}s and was killed]"
    return _gate_result(gate, started, code, timed_out, text)


def _gate_result(gate: Gate, started: float, code: int, timed_out: bool, text: str) -> GateResult:
    ok = code == 0 and not timed_out
    return GateResult(
        name=gate.name,
        command=tuple(gate.command),
        ok=ok,
        exit_code=code,
        timed_out=timed_out,
        seconds=round(time.monotonic() - started, 3),
        output=_tail(text.strip(), OUTPUT_KEEP_PASSED if ok else OUTPUT_KEEP_FAILED),
    )


def gate_commit(gates: list[Gate], slot: MergeWorktree, sha: str) -> list[GateResult]:
    """Check ``sha`` out in the gate worktree ``slot`` and run the gates there in order, up to the first red."""
    slot.reset(sha)
    pidfile = slot.admin_dir / PIDFILE
    results: list[GateResult] = []
    for gate in gates:
        results.append(run_gate(gate, slot.path, pidfile))
        if not results[-1].ok:
            break
    return results


def kill_orphan_gate(pidfile: Path, worktree: Path) -> None:
    """A gate left running by a refinery that was killed: stop it before touching its worktree.

    Only a process whose working directory is the refinery worktree is killed (pids get reused).
    """
    try:
        pid = int(pidfile.read_text().strip())
    except (OSError, ValueError):
        return
    with contextlib.suppress(OSError):
        if Path(os.readlink(f"/proc/{pid}/cwd")).resolve() == worktree.resolve():
            os.killpg(pid, signal.SIGKILL)
    pidfile.unlink(missing_ok=True)
