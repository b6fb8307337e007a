"""The town screen: five panes, the header and banner, the background sources (actions: town_actions).

The screen coordinates; the pane widgets render. Blocking work (ledger reads, tmux, service
calls) runs in named thread workers that end by posting a message; polls re-arm with
``set_timer`` when they finish, so they never overlap and a slow ledger slows them down.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.reactive import Reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.worker import Worker, WorkerState

from ...errors import GtError, LedgerRefused
from .. import actions
from ..incidents import draw_guarded
from ..messages import PaneCaptured, SessionsPolled, TownRead
from ..sources import FeedFollower, PanePoller, StateJudge
from ..widgets.convoy_board import ConvoyBoard
from ..widgets.key_footer import KeyFooter
from ..widgets.keyed_table import KeyedTable
from ..widgets.mail_inbox import MailInbox
from ..widgets.merge_queue import MergeQueueTable
from ..widgets.pane_strip import PaneStrip
from ..widgets.polecat_output import PolecatOutput
from ..widgets.rig_tree import RigTree
from ..widgets.status_banner import StatusBanner
from ..widgets.town_header import TownHeader
from .attention import ACTIONS as ATTENTION_ACTIONS
from .attention import AttentionActions
from .town_actions import TownActions

if TYPE_CHECKING:  # the services load in the first ledger read's worker, not before the first paint
    from ...services.townview import AgentView, TownSnapshot

PANES = ("rigs", "output", "convoys", "queue", "mail")
PANE_TITLES = ("Rigs", "Polecat output", "Convoys", "Refinery queue", "Mail")
PANE_SHORT_TITLES = ("Rigs", "Output", "Convoys", "Queue", "Mail")  # the narrow layout's pane strip
LEFT_PANES = ("rigs", "convoys")


class TownScreen(AttentionActions, TownActions, Screen):
    BINDINGS = actions.bindings("town")
    # Textual repaints the whole screen when the focus moves; the two panes restyle themselves.
    focused: Reactive[Widget | None] = Reactive(None, repaint=False)
    # Narrow: one pane at a time (the strip names the others); medium: the left column shrinks.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-medium"), (140, "-wide")]
    FEED_INTERVAL = 0.25  # while the town changes; the wait doubles after each quiet read, up to:
    FEED_QUIET_INTERVAL = 1.0  # an idle town costs a read a second (each read costs the UI ~1.5 ms)
    PANE_INTERVAL = 0.2  # agent output shows within 250 ms
    PANE_QUIET_CHECK = 5.0  # a pane that says it printed nothing is captured this often anyway
    SESSIONS_INTERVAL = 2.0
    RETRY_INTERVAL = 2.0
    TICK_INTERVAL = 1.0  # ages, and the ledger watchdog
    LEDGER_PATIENCE = 2.0  # a read this late (a server gone without a word) shows the banner

    def __init__(self, town, *, clock: Callable[[], dt.datetime], tmux=None, follow: bool = True, daemon=None):
        # born with the layout class of the terminal's width: Textual sets it again on the first resize,
        # and a change then would style the whole screen a second time before the first frame
        super().__init__(classes=_layout_class(self.HORIZONTAL_BREAKPOINTS, self.app.size.width))
        self.daemon = daemon
        self.town = town
        self.clock = clock
        self.follower = FeedFollower(town.ledger, town.root)
        self.poller = PanePoller(tmux) if tmux is not None else None
        self.judge = StateJudge()
        self.follow = follow
        self.snapshot: TownSnapshot | None = None
        self.live: frozenset[str] = frozenset()
        self._feed_since: float | None = None  # when the running ledger read started
        self._feed_wait = self.FEED_INTERVAL
        self._polled: tuple[frozenset[str] | None, TownSnapshot | None] = (None, None)  # what the last poll told

    # -- layout -----------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield TownHeader(id="header")
        yield PaneStrip(PANE_SHORT_TITLES, id="pane-strip")
        yield StatusBanner(id="banner")
        with Horizontal(id="panes"):
            with Vertical(id="left"):
                yield RigTree(id="rigs", classes="pane")
                yield ConvoyBoard(id="convoys", classes="pane")
            with Vertical(id="right"):
                yield PolecatOutput(id="output", classes="pane")
                yield MergeQueueTable(id="queue", classes="pane")
                yield MailInbox(id="mail", classes="pane")
        yield KeyFooter(palette_action="command_palette")

    def on_mount(self) -> None:
        for number, (pane, title) in enumerate(zip(PANES, PANE_TITLES, strict=True), 1):
            self.query_one(f"#{pane}").border_title = f"[{number}] {title}"
        header = self.query_one(TownHeader)
        header.town_name = self.town.name
        header.backend = self.town.ledger.describe().replace(f"{self.town.root}/", "")
        self.query_one(PolecatOutput).show_placeholder("select a polecat with a live session")
        self._show_pane("rigs")
        self.query_one(RigTree).focus()
        self.query_one(RigTree).now = self.clock()
        if self.daemon is not None:
            header.daemon = "starting"
        self.call_after_refresh(self._start_sources)

    def _start_sources(self) -> None:
        """The ledger, tmux and the daemon once the frame is on screen: the first read loads the
        services, and that work would hold the frame back."""
        self.set_interval(self.TICK_INTERVAL, self._every_second)
        self._poll_feed()
        if self.poller is not None:
            self._poll_sessions()
        if self.daemon is not None:
            self._host_daemon()

    def on_unmount(self) -> None:
        if self.daemon is not None:
            self.daemon.stop()
        if self.poller is not None:
            self.poller.close()

    @work(thread=True, exclusive=True, group="daemon", exit_on_error=False, description="hosting the daemon")
    def _host_daemon(self) -> None:
        self.daemon.run()

    # -- background sources -------------------------------------------------
    @work(thread=True, exclusive=True, group="feed", exit_on_error=False, description="reading the ledger")
    def _poll_feed(self) -> None:
        self._feed_since = time.monotonic()
        snapshot = self.follower.poll()
        if snapshot is not None:
            self.post_message(TownRead(snapshot))

    @work(thread=True, exclusive=True, group="sessions", exit_on_error=False, description="listing tmux sessions")
    def _poll_sessions(self) -> None:
        """The live sessions, and the polecats' states judged against them (here, not on the UI thread).
        The screen hears of it only when a session came or went, a state moved, or the town was read anew."""
        activity, base = self.poller.activity(), self.snapshot
        self.follower.activity = activity  # the next ledger read judges the states against it
        restated = self.judge.judge(base, activity, time.time())
        live = frozenset(activity)
        if restated is not None or live != self._polled[0] or base is not self._polled[1]:
            self._polled = (live, base)
            self.post_message(SessionsPolled(activity, base, restated))

    @work(thread=True, exclusive=True, group="pane", exit_on_error=False, description="capturing the polecat pane")
    def _poll_pane(self) -> None:
        self.poller.wait_output(self.PANE_QUIET_CHECK)
        captured = self.poller.capture()
        if captured is not None:
            self.post_message(PaneCaptured(*captured))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker, state = event.worker, event.state
        if state not in (WorkerState.SUCCESS, WorkerState.ERROR):
            return
        failed = state == WorkerState.ERROR
        error = _describe(worker.error) if failed else ""
        banner = self.query_one(StatusBanner)
        if worker.group == "feed":
            self._feed_since = None
            banner.ledger_refused = isinstance(worker.error, LedgerRefused)
            banner.ledger_error = error
            if self.daemon is not None:
                self.query_one(TownHeader).daemon = _daemon_state(self.daemon.status)
            if self.follow:
                self.set_timer(self.RETRY_INTERVAL if failed else self._feed_wait, self._poll_feed)
                self._feed_wait = min(2 * self._feed_wait, self.FEED_QUIET_INTERVAL)
        elif worker.group == "sessions":
            banner.tmux_error = error
            self.set_timer(self.RETRY_INTERVAL if failed else self.SESSIONS_INTERVAL, self._poll_sessions)
        elif worker.group == "pane":
            if failed:
                self.poller.focus(None)
                self.query_one(PolecatOutput).show_placeholder(f"session ended: {error}")
            elif self.poller.focused:
                self.set_timer(self.PANE_INTERVAL, self._poll_pane)
        elif worker.group == "action" and failed:
            self.notify(error, title="Failed", severity="error")

    def _draw(self, widget, what: str, draw: Callable[[], None]) -> None:
        """Draw one pane; a failure is logged and toasted, and the next read redraws it whole."""
        if not draw_guarded(widget, what, draw, self.app.incidents, self._toast_error):
            self.follower.invalidate()

    def _toast_error(self, text: str, title: str) -> None:
        self.notify(text, title=title, severity="error", timeout=10)

    def on_town_read(self, message: TownRead) -> None:
        self._feed_wait = self.FEED_INTERVAL  # the town moves: follow it closely again
        self.snapshot = snapshot = message.snapshot
        now = self.clock()
        header, rigs, convoys = self.query_one(TownHeader), self.query_one(RigTree), self.query_one(ConvoyBoard)
        queue, inbox = self.query_one(MergeQueueTable), self.query_one(MailInbox)
        with self.app.batch_update():
            header.unread = snapshot.unread
            self.attend(snapshot)
            self._draw(rigs, "the rig tree", lambda: rigs.show(snapshot, self.town.name))
            self._draw(convoys, "the convoy board", lambda: convoys.show(snapshot))
            self._draw(queue, "the refinery queue", lambda: queue.show(snapshot, now))
            self._draw(inbox, "the mail inbox", lambda: inbox.show(snapshot, now))
        self.refresh_bindings()

    def on_sessions_polled(self, message: SessionsPolled) -> None:
        self.live = message.live
        rigs = self.query_one(RigTree)
        restated = message.restated
        if restated is not None and message.base is self.snapshot:  # states move with tmux between reads
            self.snapshot = restated
            self._draw(rigs, "the rig tree", lambda: rigs.show(restated, self.town.name))
            self.attend(restated)
        self._draw(rigs, "the rig tree", lambda: rigs.show_live(message.live))
        self._watch_agent(rigs.selected_agent)

    def on_pane_captured(self, message: PaneCaptured) -> None:
        if self.poller is not None and message.session == self.poller.focused:
            output = self.query_one(PolecatOutput)
            self._draw(output, "the polecat output", lambda: output.show_screen(message.session, message.text))

    def on_rig_tree_agent_highlighted(self, message: RigTree.AgentHighlighted) -> None:
        self._watch_agent(message.agent)
        self.refresh_bindings()

    def _working_session(self) -> str | None:
        """The live session of the first polecat at work, for when no live agent is selected."""
        for rig in self.snapshot.rigs if self.snapshot else ():
            for agent in rig.agents:
                if agent.role == "polecat" and agent.session in self.live:
                    return agent.session
        return None

    def _watch_agent(self, agent: AgentView | None) -> None:
        """Follow the selected agent's pane (only it is captured often).

        With the cursor on the town, a rig or a group (no agent), the pane follows the first
        working polecat, so there is something to watch from the start.
        """
        session = agent.session if agent is not None and agent.session in self.live else None
        if agent is None:
            session = self._working_session()
        if self.poller is None or session == self.poller.focused:
            return
        self.poller.focus(session)
        output = self.query_one(PolecatOutput)
        if session:
            self._poll_pane()
        elif agent is None:
            output.show_placeholder("select a polecat with a live session")
        else:
            output.show_placeholder(f"{agent.address}: no live session (state {agent.state})")

    def on_descendant_focus(self, event) -> None:
        if event.widget.id in PANES:
            self._show_pane(event.widget.id)
        self.refresh_bindings()

    # -- what applies now ---------------------------------------------------
    @property
    def selected_agent(self) -> AgentView | None:
        return self.query_one(RigTree).selected_agent

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.is_mounted:
            return True
        if action == "approve":  # only what waits for approval (the verb refuses the rest)
            mr = self.query_one(MergeQueueTable).selected
            return mr is not None and mr.state == "pending"
        if action == "reject":  # not on a batch under test, nor a merged MR the queue shows until it lands
            mr = self.query_one(MergeQueueTable).selected
            return mr is not None and mr.state not in ("testing", "merged", "rejected", "superseded")
        if action in ("diff", "details"):
            return self.query_one(MergeQueueTable).selected is not None
        if action == "open_pr":
            mr = self.query_one(MergeQueueTable).selected
            return mr is not None and bool(mr.url)
        if action == "retry":
            mr = self.query_one(MergeQueueTable).selected
            return mr is not None and mr.state in ("failed", "rework")
        if action == "filter":
            return isinstance(self.app.focused, KeyedTable)
        if action == "scrollback":
            return self.poller is not None and self.poller.focused is not None
        if action in ("read", "reply"):
            return self.query_one(MailInbox).selected is not None
        if action in ATTENTION_ACTIONS:
            return self.check_attention(action)
        agent = self.selected_agent if action in ("attach", "nudge", "nuke") else None
        if action == "attach":  # on a polecat without a session, t says why
            return agent is not None and (agent.role == "polecat" or agent.session in self.live)
        if action == "nudge":
            return agent is not None and agent.session in self.live
        if action == "nuke":
            return agent is not None and agent.role == "polecat" and agent.state != "nuked"
        return True

    # -- actions --------------------------------------------------------------
    def action_focus_pane(self, number: int) -> None:
        self._show_pane(PANES[number - 1])
        self.query_one(f"#{PANES[number - 1]}").focus()

    def _show_pane(self, pane: str) -> None:
        """Mark ``pane`` as the one shown when only one fits (narrow terminals).

        The classes matter only to the narrow layout: on a wider one they change silently (a
        restyle of a table pane costs milliseconds per key), and going narrow restyles the
        whole screen, these classes included.
        """
        narrow = self.has_class("-narrow")
        for other in PANES:
            self.query_one(f"#{other}").set_class(other == pane, "-active", update=narrow)
        self.query_one("#panes").set_class(pane in LEFT_PANES, "-on-left", update=narrow)
        self.query_one(PaneStrip).active = PANES.index(pane) + 1

    def action_next_pane(self, step: int = 1) -> None:
        """Tab: the panes in the order of their numbers (1→5, then 1 again), whatever the layout."""
        focused = self.app.focused
        current = PANES.index(focused.id) if focused is not None and focused.id in PANES else -1 if step > 0 else 0
        self.action_focus_pane((current + step) % len(PANES) + 1)

    def _every_second(self) -> None:
        """Ages count on between reads of the ledger; a ledger read that hangs shows the banner."""
        waited = time.monotonic() - self._feed_since if self._feed_since is not None else 0.0
        if waited >= self.LEDGER_PATIENCE:
            self.query_one(StatusBanner).ledger_error = f"no answer for {waited:.0f} s"
        now = self.clock()
        for pane in (self.query_one(MergeQueueTable), self.query_one(MailInbox), self.query_one(RigTree)):
            self._draw(pane, "ages", lambda pane=pane: pane.tick(now))

    def action_refresh(self) -> None:
        self._feed_wait = self.FEED_INTERVAL
        self.follower.invalidate()
        self._poll_feed()


def _layout_class(breakpoints: list[tuple[int, str]], width: int) -> str:
    """The class of the widest breakpoint ``width`` reaches (as Textual picks it on a resize)."""
    return next((name for edge, name in sorted(breakpoints, reverse=True) if width >= edge), "")


def _daemon_state(status) -> str:
    """The header's daemon word: which rigs this app drives, which another daemon holds, the last error."""
    parts = []
    if status.held:
        parts.append("hosting " + ", ".join(status.held))
    if status.elsewhere:
        parts.append("elsewhere: " + ", ".join(status.elsewhere))
    if status.last_error:
        parts.append("⚠ " + status.last_error[:60])
    return " · ".join(parts) or ("idle (no rigs on this machine)" if status.passes else "starting")


def _describe(error: BaseException | None) -> str:
    if isinstance(error, GtError):
        return error.message
    return f"{type(error).__name__}: {error}" if error else ""
