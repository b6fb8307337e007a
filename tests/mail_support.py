"""Helpers of the mail tests: agent and rig beads standing for real ones, and racing processes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from gastown_tui import addresses
from gastown_tui.fieldlines import with_fields


def add_rig(tx, name: str, town_prefix: str = "hq") -> str:
    """A rig bead as the rigs service makes it (``hq-rig-NAME``)."""
    return tx.create(
        name,
        bead_id=f"{town_prefix}-rig-{name}",
        issue_type="rig",
        labels=["gt:rig"],
        description=with_fields("", prefix="gt", source="/dev/null", default_branch="main"),
    )


def add_agent(tx, rig: str, name: str, role: str = "polecat", state: str = "working", session: str = "") -> str:
    """An agent bead per the shared contract: title = address, fields role_type / rig / agent_state."""
    address = addresses.polecat(rig, name) if role == "polecat" else f"{rig}/{role}"
    kv = {"role_type": role, "rig": rig, "agent_state": state}
    if session:
        kv["session"] = session
    return tx.create(
        address,
        bead_id=addresses.agent_bead_id("gt", rig, role, name if role == "polecat" else None),
        issue_type="agent",
        labels=["gt:agent"],
        description=with_fields("", **kv),
    )


def race(script: str, args_per_process: list[list[str]], timeout: float = 60) -> list[subprocess.CompletedProcess]:
    """Run one Python process per argument list, all released at the same instant.

    ``script`` gets ``GO`` (a path to wait for) as ``sys.argv[1]`` and its own arguments
    after it; the helper ``wait_go()`` in the preamble blocks until the start signal.
    """
    go = Path(os.environ.get("TMPDIR", "/tmp")) / f"gt-mail-go-{os.getpid()}-{time.monotonic_ns()}"
    preamble = (
        "import os, sys, time\n"
        "def wait_go():\n"
        "    deadline = time.monotonic() + 60\n"
        "    print('ready', flush=True)\n"
        "    while not os.path.exists(sys.argv[1]) and time.monotonic() < deadline:\n"
        "        time.sleep(0.002)\n"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", preamble + script, str(go), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for args in args_per_process
    ]
    try:
        for proc in procs:  # every process connected and waiting at the barrier
            assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
        go.touch()
        results = []
        for proc in procs:
            out, err = proc.communicate(timeout=timeout)
            results.append(subprocess.CompletedProcess(proc.args, proc.returncode, out, err))
        return results
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
        go.unlink(missing_ok=True)
