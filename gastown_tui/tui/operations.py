"""What the TUI's actions do, as blocking calls into the services (run from thread workers only).

Each returns a short sentence for a toast; user mistakes and service failures raise GtError,
which the screen shows as an error toast. Services are imported lazily, so the app starts fast.
"""

from __future__ import annotations

import os
import subprocess

from ..errors import GtError
from ..ledger import default_actor


def mark_read(town, message_id: str) -> None:
    from ..services import mail

    town.ledger.write("mail read", lambda tx: mail.mark_read(tx, message_id))


def read_thread(town, message_id: str) -> list:
    from ..services import mail

    return town.ledger.read(lambda s: mail.thread(s, message_id))


def reply(town, message_id: str, body: str) -> str:
    from ..services import mail

    new_id = town.ledger.write("mail reply", lambda tx: mail.reply(tx, message_id, sender=default_actor(), body=body))
    return f"Reply {new_id} sent"


def compose(town, to: str, subject: str, body: str) -> str:
    from ..services import mail

    lists = town.config.mail.lists
    ids = town.ledger.write(
        "mail send",
        lambda tx: mail.send(tx, sender=default_actor(), to=to, subject=subject, body=body, lists=lists),
    )
    return f"Sent to {to} ({len(ids)} message{'s' if len(ids) != 1 else ''})"


def approve(town, mr_id: str) -> str:
    from ..services import refinery

    refinery.approve(town, mr_id)
    return f"Approved {mr_id}"


def reject(town, mr_id: str, reason: str) -> str:
    from ..services import refinery

    refinery.reject(town, mr_id, reason)
    return f"Rejected {mr_id}"


def retry(town, mr_id: str) -> str:
    from ..services import refinery

    refinery.retry(town, mr_id)
    return f"{mr_id} is back in the queue"


def diff(town, mr_id: str) -> str:
    from ..services import refinery

    return refinery.diff(town, mr_id)


def details(town, mr_id: str) -> str:
    """What ``gt mq show`` prints: branch, commits, diff stat, gate results with their output."""
    from ..services import refinery

    return refinery.render_details(refinery.show(town, mr_id))


def sling(town, bead_id: str, rig: str) -> str:
    from ..services import polecats

    done = polecats.sling(town, bead_id, rig)
    return f"{bead_id} is on {done['address']}'s hook"


def nudge(town, address: str, text: str) -> str:
    from ..services import polecats

    return f"Nudged {polecats.nudge(address, text, tmux=town.tmux())}"


def nuke(town, rig: str, name: str, force: bool = False) -> str:
    from ..errors import Conflict
    from ..services import polecats

    try:
        polecats.nuke(town, rig, name, force=force)
    except Conflict as exc:
        raise Conflict(exc.message, "press X again and choose Force to nuke it anyway") from exc
    return f"Nuked {rig}/{name}" + (" (forced)" if force else "")


def inside_tmux() -> bool:
    """Whether the TUI runs inside a tmux client of the user's (``TMUX`` set)."""
    return bool(os.environ.get("TMUX"))


def run_attached(town, session: str) -> int:
    """Outside tmux: attach this terminal to ``session`` on the town's server until the user detaches
    (the caller has suspended the TUI). Returns tmux's exit status."""
    return subprocess.run(town.tmux().attach_argv(session)).returncode


def attach_in_popup(town, session: str) -> None:
    """Inside tmux: a popup over the user's own client, attached to ``session`` on the town's server.

    Blocks until the popup closes: detaching (``ctrl-b d``) ends the inner client and with it the
    popup, and the TUI underneath is still there. The inner client runs with ``TMUX`` unset (it is
    a client of another server, not a nested session) and reaches the town's server by socket path.
    Everything is an argument list (tmux 3.2+ runs a popup's arguments without a shell).
    """
    tmux = town.tmux()
    inner = ["env", "-u", "TMUX", *tmux.attach_argv(session, by_path=True)]
    popup = [tmux.binary or "tmux", "display-popup", "-E", "-w", "90%", "-h", "90%", "-T", f" {session} "]
    proc = subprocess.run([*popup, *inner], capture_output=True, text=True, errors="replace")
    if proc.returncode != 0:
        raise GtError(
            f"tmux could not open a popup: {proc.stderr.strip() or proc.returncode}",
            f"tmux 3.2 or newer has popups; or attach by hand: {tmux.attach_hint(session)}",
        )
