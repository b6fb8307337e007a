"""``gt tui`` and the ``gastown-tui`` command: open the terminal UI on the current town.

Outside any town the UI opens anyway and offers to create one (or the demo).
"""

from __future__ import annotations

import sys

from .main import add_verb


def register(sub, common) -> None:
    p = add_verb(sub, common, "tui", tui, "open the terminal UI (the whole town in one window)")
    p.add_argument("--no-daemon", action="store_true", help="do not host the daemon loops (witness, refinery)")


def _town_or_none(explicit: str | None):
    from ..errors import GtError
    from ..town import find_town

    try:
        return find_town(explicit)
    except GtError:
        if explicit:
            raise
        return None


def tui(ctx) -> int:
    return open_app(_town_or_none(getattr(ctx.args, "town", None)), daemon=not ctx.args.no_daemon)


def open_app(town, daemon: bool = True) -> int:
    """Run the app; it hosts the daemon loops of every rig no ``gt daemon`` holds (lease per rig),
    in a child process that ends with the app."""
    from ..runtime.tmux import Tmux
    from ..tui.app import GastownApp

    # The town's own tmux server (its agents'); with no town yet, the default one until it opens.
    tmux = town.tmux() if town is not None else Tmux()
    tmux.stand()  # the sessions poll lists them without a tmux process each time

    def make_daemon(opened):
        from ..services.daemon_process import DaemonProcess

        return DaemonProcess(opened)  # its loops in a child process; it slings onto the town's server

    app = GastownApp(town, tmux=tmux, daemon_factory=make_daemon if daemon else None)
    app.run()
    if app.town is not None:
        _say_who_keeps_working(app.town)
    return exit_status(app)


def _say_who_keeps_working(town) -> None:
    """Agents' sessions outlive the window by design (nothing is lost between restarts): a person
    who closes it is told they are still at work, and where to find them."""
    from ..errors import GtError

    try:
        sessions = town.tmux().sessions()
    except GtError:  # no tmux server: nothing left running
        return
    if sessions:
        many = f"{len(sessions)} agents keep" if len(sessions) > 1 else "1 agent keeps"
        print(
            f"{many} working in tmux after this window closed: gt polecat list shows them, "
            "gastown-tui follows them again, gt polecat nuke stops one",
            file=sys.stderr,
        )


def exit_status(app) -> int:
    """0 for a quit; after a crash, its status, and where its traceback was logged."""
    if not app.return_code:
        return 0
    print(f"gastown-tui stopped on an unexpected error; the traceback is in {app.incidents.path}", file=sys.stderr)
    return app.return_code


def run_tui() -> None:
    """Entry point of the ``gastown-tui`` console script (``--town PATH`` optional)."""
    import argparse

    from ..errors import GtError

    parser = argparse.ArgumentParser(prog="gastown-tui", description="Gas Town's terminal UI")
    parser.add_argument("--town", help="town folder (default: $GT_TOWN, else search upwards for town.toml)")
    parser.add_argument("--no-daemon", action="store_true", help="do not host the daemon loops (witness, refinery)")
    args = parser.parse_args()
    try:
        sys.exit(open_app(_town_or_none(args.town), daemon=not args.no_daemon))
    except GtError as exc:
        print(f"gastown-tui: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"  → {exc.hint}", file=sys.stderr)
        sys.exit(exc.exit_code)


if __name__ == "__main__":  # python -m gastown_tui.cli.tui (what `gastown-tui` runs)
    run_tui()
