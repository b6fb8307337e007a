"""What the TUI's actions do, as blocking calls into the services (run from thread workers only).

Each returns a short sentence for a toast; user mistakes and service failures raise GtError,
which the screen shows as an error toast. Services are imported lazily, so the app starts fast.
"""

from __future__ import annotations

from ..addresses import default_actor


def mark_read(town, message_id: str) -> None:
    from ..services import mail

    mail.mark_read(town, message_id)


def read_thread(town, message_id: str) -> list:
    from ..services import mail

    return mail.thread(town, message_id)


def reply(town, message_id: str, body: str) -> str:
    from ..services import mail

    sent = mail.reply(town, message_id, sender=default_actor(), body=body)
    return f"Reply {sent.id} sent"


def compose(town, to: str, subject: str, body: str) -> str:
    from ..services import mail

    sent = mail.send(town, sender=default_actor(), to=to, subject=subject, body=body)
    return f"Sent to {to} ({len(sent)} message{'s' if len(sent) != 1 else ''})"


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


def details(town, mr_id: str, now=None) -> str:
    """What ``gt mq show`` prints: branch, commits, diff stat, place and score (at ``now``), gate runs."""
    from ..services import refinery

    return refinery.render_details(refinery.details(town, mr_id, now))


def open_url(town, url: str) -> str:
    """A pull request in the person's browser (``$BROWSER`` or the system's); the URL in the toast
    either way, to copy when no browser can be started from here."""
    import webbrowser

    return f"Opened {url}" if webbrowser.open(url) else f"No browser to open {url}"


def sling(town, bead_id: str, rig: str) -> str:
    from ..services import polecats

    done = polecats.sling(town, bead_id, rig)
    return f"{bead_id} is on {done['address']}'s hook" + (f" ({done['warning']})" if done["warning"] else "")


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
    from ..runtime.tmux import inside_client

    return inside_client()


def run_attached(town, session: str) -> int:
    """Outside tmux: attach this terminal to ``session`` on the town's server until the user detaches
    (the caller has suspended the TUI). Returns tmux's exit status."""
    return town.tmux().attach(session)


def attach_in_popup(town, session: str) -> None:
    """Inside tmux: a popup over the user's own client, attached to ``session`` on the town's server;
    blocks until the popup closes (``ctrl-b d`` in it detaches and closes it, the TUI is still there).
    A tmux too old for popups raises GtError saying how to attach by hand."""
    town.tmux().attach_in_popup(session)


def answer(town, address: str, text: str) -> str:
    from ..services import polecats

    polecats.answer(town, address, text)
    return f"Answered {address}: {text}"
