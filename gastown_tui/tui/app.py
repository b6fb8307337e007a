"""The Textual app: stylesheets, help, the palette, global keys; the town screen does the rest."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path

from textual import constants, events
from textual.app import App
from textual.driver import Driver

from . import actions
from .escape_key import QuickEscapeDriver, quick_escape
from .gc_pacing import CHECK_EVERY, GcPacer
from .incidents import IncidentLog, log_path
from .typeahead import TypeAhead


def styles_dir() -> Path:
    """``gastown_tui/styles``: the top-level ``styles/`` folder (a symlink in the source tree, files in a wheel)."""
    return Path(__file__).resolve().parent.parent / "styles"


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class GastownApp(TypeAhead, App):
    TITLE = "gastown-tui"
    CSS_PATH = [styles_dir() / "global.tcss", styles_dir() / "town.tcss", styles_dir() / "dialogs.tcss"]
    BINDINGS = actions.bindings("app")

    def __init__(
        self,
        town=None,
        *,
        clock: Callable[[], dt.datetime] = utc_now,
        tmux=None,
        follow: bool = True,
        daemon_factory: Callable | None = None,
    ):
        """``town`` None opens the welcome screen; ``tmux`` None turns the live panes off (snapshots);
        ``daemon_factory(town)`` gives the daemon to host while the town is open (its ``run`` in a thread
        worker; the app's own is a child process, see services/daemon_process; None: no daemon).
        """
        super().__init__()
        quick_escape()
        self.daemon_factory = daemon_factory
        self.town = town
        self.clock = clock
        self.tmux = tmux
        self.follow = follow
        self.incidents = IncidentLog(log_path(getattr(town, "root", None)))
        self._toasted: dict[tuple[str, str, str], float] = {}
        self.gc_pacer = GcPacer()
        self._unsized = ["help", "palette"]  # built screens not laid out yet

    def get_driver_class(self) -> type[Driver]:
        """Textual's driver for a terminal, with a lone escape taken in 25 ms (see escape_key)."""
        if constants.DRIVER is not None:  # chosen in the environment (TEXTUAL_DRIVER)
            return super().get_driver_class()
        return QuickEscapeDriver

    def notify(self, message: str, *, title: str = "", severity="information", timeout=None, markup=False) -> None:
        """A toast, shown as text (never markup); the same toast again while it is up is not stacked."""
        now = time.monotonic()
        shown_for = self.NOTIFICATION_TIMEOUT if timeout is None else timeout
        self._toasted = {key: t for key, t in self._toasted.items() if now - t < shown_for}
        key = (message, title, str(severity))
        if key in self._toasted:
            return
        self._toasted[key] = now
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    def _handle_exception(self, error: Exception) -> None:
        """A crash is written to the incident log before Textual shows it and exits (non-zero)."""
        self.incidents.record("gastown-tui stopped", error)
        super()._handle_exception(error)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.InputEvent):
            self.gc_pacer.note_input()
        await super().on_event(event)

    def on_unmount(self) -> None:
        self.gc_pacer.stop()

    def on_mount(self) -> None:
        self.gc_pacer.start()
        self.set_interval(CHECK_EVERY, self._when_idle)
        if self.town is None:
            from .screens.welcome import WelcomeScreen

            self.push_screen(WelcomeScreen())
        else:
            self.open_town(self.town)

    def open_town(self, town) -> None:
        from .screens.town import TownScreen

        if self.tmux is not None and town is not self.town:  # opened from the welcome screen
            self.tmux = town.tmux()  # its agents live on the town's own tmux server
        self.town = town
        self.incidents = IncidentLog(log_path(town.root))
        daemon = self.daemon_factory(town) if self.daemon_factory else None
        screen = TownScreen(town, clock=self.clock, tmux=self.tmux, follow=self.follow, daemon=daemon)
        if len(self.screen_stack) > 1:  # leaving the welcome screen
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    def _when_idle(self) -> None:
        """Chores for a quiet moment: build help and the palette in the first, lay them out and render
        them in the next (so their first opening is as quick as the next), and the garbage collector's
        full collections."""
        if self.gc_pacer.idle and not self.is_screen_installed("palette"):
            for name in ("help", "palette"):
                self._get_screen(self._built(name))  # composed and mounted now, shown on its key
            return
        if self.gc_pacer.idle and self._unsized:
            self._lay_out_built()
            return
        self.gc_pacer.tick()

    def _lay_out_built(self) -> None:
        """Lay the built screens out at the terminal's size (as Textual does with the screens under the
        current one on a resize) and render them once: help's first opening measured and rendered its
        whole key table cold otherwise (~50 ms of CPU, against ~20 for the next). A screen laid out at
        another size (the terminal resized since) is laid out again on opening."""
        for name in self._unsized[:]:
            screen = self.get_screen(name)
            if screen.is_mounted:
                screen._refresh_layout(self.size)
                screen._compositor.render_update(full=True)  # rendered off screen: its caches filled
                self._unsized.remove(name)

    def _built(self, name: str) -> str:
        """``name`` ("help" or "palette"), installed: each is built once and shown again on each opening."""
        if not self.is_screen_installed(name):
            from .screens.help import HelpScreen
            from .screens.palette import PaletteScreen

            self.install_screen(HelpScreen() if name == "help" else PaletteScreen(), name)
        return name

    def action_help(self) -> None:
        self.push_screen(self._built("help"))  # its text never changes

    def action_command_palette(self) -> None:
        """Our palette (screens/palette), built once and offered what applies now; not Textual's."""
        from .commands import palette_entries
        from .screens.palette import PaletteScreen

        if isinstance(self.screen, PaletteScreen):
            return
        palette = self.get_screen(self._built("palette"))
        palette.offer(palette_entries(self, self.screen))
        self.push_screen(palette)
