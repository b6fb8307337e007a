"""The town screen: five panes, the header and banner, the background sources and every action.

The screen coordinates; the pane widgets render. Blocking work (ledger reads, tmux, service
calls) runs in named thread workers that end by posting a message; polls re-arm with
``set_timer`` when they finish, so they never overlap and a slow ledger slows them down.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from rich.console import Group, RenderableType
from rich.syntax import Syntax
from rich.text import Text
from textual import work
from textual.app import ComposeResult, SuspendNotSupported
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer
from textual.worker import Worker, WorkerState

from ...display import inert
from ...errors import GtError
from ...services.townview import AgentView, TownSnapshot
from .. import actions, operations, placeholders
from ..incidents import draw_guarded
from ..messages import ActionFinished, PaneCaptured, SessionsPolled, TownRead
from ..sources import FeedFollower, PanePoller
from ..widgets.convoy_board import ConvoyBoard
from ..widgets.keyed_table import KeyedTable
from ..widgets.mail_inbox import MailInbox
from ..widgets.merge_queue import MergeQueueTable
from ..widgets.pane_strip import PaneStrip
from ..widgets.polecat_output import PolecatOutput
from ..widgets.rig_tree import RigTree
from ..widgets.status_banner import StatusBanner
from ..widgets.town_header import TownHeader
from .compose_form import ComposeForm, Draft
from .confirm_dialog import FORCE, ConfirmDialog
from .sling_form import SlingForm, SlingRequest
from .text_prompt import TextPrompt
from .text_view import TextViewScreen

PANES = ("rigs", "output", "convoys", "queue", "mail")
SCROLLBACK_LINES = 2000
PANE_TITLES = ("Rigs", "Polecat output", "Convoys", "Refinery queue", "Mail")
LEFT_PANES = ("rigs", "convoys")


class TownScreen(Screen):
    BINDINGS = actions.bindings("town")
    # Narrow: one pane at a time (the strip names the others); medium: the left column shrinks.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-medium"), (140, "-wide")]
    FEED_INTERVAL = 0.25
    PANE_INTERVAL = 0.2  # agent output shows within 250 ms
    SESSIONS_INTERVAL = 2.0
    RETRY_INTERVAL = 2.0
    AGES_INTERVAL = 1.0

    def __init__(self, town, *, clock: Callable[[], dt.datetime], tmux=None, follow: bool = True, daemon=None):
        super().__init__()
        self.daemon = daemon
        self.town = town
        self.clock = clock
        self.follower = FeedFollower(town.ledger, town.root)
        self.poller = PanePoller(tmux) if tmux is not None else None
        self.follow = follow
        self.snapshot: TownSnapshot | None = None
        self.live: frozenset[str] = frozenset()

    # -- layout -----------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield TownHeader(id="header")
        yield PaneStrip(("Rigs", "Output", "Convoys", "Queue", "Mail"), id="pane-strip")
        yield StatusBanner(id="banner")
        with Horizontal(id="panes"):
            with Vertical(id="left"):
                yield RigTree(id="rigs", classes="pane")
                yield ConvoyBoard(id="convoys", classes="pane")
            with Vertical(id="right"):
                yield PolecatOutput(id="output", classes="pane")
                yield MergeQueueTable(id="queue", classes="pane")
                yield MailInbox(id="mail", classes="pane")
        yield Footer()

    def on_mount(self) -> None:
        for number, (pane, title) in enumerate(zip(PANES, PANE_TITLES, strict=True), 1):
            self.query_one(f"#{pane}").border_title = f"[{number}] {title}"
        header = self.query_one(TownHeader)
        header.town_name = self.town.name
        header.backend = self.town.ledger.describe().replace(f"{self.town.root}/", "")
        self.query_one(PolecatOutput).show_placeholder("select a polecat with a live session")
        self._show_pane("rigs")
        self.query_one(RigTree).focus()
        self.set_interval(self.AGES_INTERVAL, self._tick_ages)
        self._poll_feed()
        if self.poller is not None:
            self._poll_sessions()
        if self.daemon is not None:
            header.daemon = "starting"
            self._host_daemon()

    def on_unmount(self) -> None:
        if self.daemon is not None:
            self.daemon.stop()

    @work(thread=True, exclusive=True, group="daemon", exit_on_error=False, description="hosting the daemon")
    def _host_daemon(self) -> None:
        self.daemon.run()

    # -- background sources -------------------------------------------------
    @work(thread=True, exclusive=True, group="feed", exit_on_error=False, description="reading the ledger")
    def _poll_feed(self) -> None:
        snapshot = self.follower.poll()
        if snapshot is not None:
            self.post_message(TownRead(snapshot))

    @work(thread=True, exclusive=True, group="sessions", exit_on_error=False, description="listing tmux sessions")
    def _poll_sessions(self) -> None:
        self.post_message(SessionsPolled(self.poller.live_sessions()))

    @work(thread=True, exclusive=True, group="pane", exit_on_error=False, description="capturing the polecat pane")
    def _poll_pane(self) -> None:
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
            banner.ledger_error = error
            if self.daemon is not None:
                self.query_one(TownHeader).daemon = _daemon_state(self.daemon.status)
            if self.follow:
                self.set_timer(self.RETRY_INTERVAL if failed else self.FEED_INTERVAL, self._poll_feed)
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
        self.snapshot = snapshot = message.snapshot
        now = self.clock()
        header, rigs, convoys = self.query_one(TownHeader), self.query_one(RigTree), self.query_one(ConvoyBoard)
        queue, inbox = self.query_one(MergeQueueTable), self.query_one(MailInbox)
        with self.app.batch_update():
            header.unread = snapshot.unread
            self._draw(rigs, "the rig tree", lambda: rigs.show(snapshot, self.town.name))
            self._draw(convoys, "the convoy board", lambda: convoys.show(snapshot))
            self._draw(queue, "the refinery queue", lambda: queue.show(snapshot, now))
            self._draw(inbox, "the mail inbox", lambda: inbox.show(snapshot, now))
        self.refresh_bindings()

    def on_sessions_polled(self, message: SessionsPolled) -> None:
        self.live = message.live
        rigs = self.query_one(RigTree)
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
        if action in ("approve", "reject", "diff", "details"):
            return self.query_one(MergeQueueTable).selected is not None
        if action == "retry":
            mr = self.query_one(MergeQueueTable).selected
            return mr is not None and mr.state in ("failed", "rework")
        if action == "filter":
            return isinstance(self.app.focused, KeyedTable)
        if action == "scrollback":
            return self.poller is not None and self.poller.focused is not None
        if action in ("read", "reply"):
            return self.query_one(MailInbox).selected is not None
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
        """Mark ``pane`` as the one shown when only one fits (narrow terminals)."""
        for other in PANES:
            self.query_one(f"#{other}").set_class(other == pane, "-active")
        self.set_class(pane in LEFT_PANES, "-on-left")
        self.query_one(PaneStrip).active = PANES.index(pane) + 1

    def action_next_pane(self, step: int = 1) -> None:
        """Tab: the panes in the order of their numbers (1→5, then 1 again), whatever the layout."""
        focused = self.app.focused
        current = PANES.index(focused.id) if focused is not None and focused.id in PANES else -1 if step > 0 else 0
        self.action_focus_pane((current + step) % len(PANES) + 1)

    def _tick_ages(self) -> None:
        """Ages count on between reads of the ledger (they are relative to now)."""
        now = self.clock()
        for pane in (self.query_one(MergeQueueTable), self.query_one(MailInbox)):
            self._draw(pane, "ages", lambda pane=pane: pane.tick(now))

    def action_refresh(self) -> None:
        self.follower.invalidate()
        self._poll_feed()

    @work(thread=True, group="action", exit_on_error=False, description="running an action")
    def _run(self, verb: str, fn: Callable[..., str | None], *args) -> None:
        try:
            text = fn(self.town, *args)
        except GtError as exc:
            self.post_message(ActionFinished(verb, "", str(exc)))
            return
        self.post_message(ActionFinished(verb, text or ""))

    def on_action_finished(self, message: ActionFinished) -> None:
        if message.error:
            self.notify(message.error, title=f"{message.verb} failed", severity="error")
        elif message.text:
            self.notify(message.text, title=message.verb)
        self.action_refresh()

    def action_approve(self) -> None:
        mr = self.query_one(MergeQueueTable).selected
        if mr is not None:
            self._run("Approve", operations.approve, mr.id)

    def action_retry(self) -> None:
        mr = self.query_one(MergeQueueTable).selected
        if mr is not None:
            self._run("Retry", operations.retry, mr.id)

    def action_reject(self) -> None:
        mr = self.query_one(MergeQueueTable).selected
        if mr is None:
            return

        def rejected(reason: str | None) -> None:
            if reason:
                self._run("Reject", operations.reject, mr.id, reason)

        question = f"Why reject {mr.id} ({mr.source_title})? The polecat gets this as rework."
        self.app.push_screen(TextPrompt("Reject merge request", question, "reason"), rejected)

    def action_diff(self) -> None:
        mr = self.query_one(MergeQueueTable).selected
        if mr is not None:
            self._show_text("Diff", f"Diff of {mr.id}", lambda: _diff_view(operations.diff(self.town, mr.id)))

    def action_details(self) -> None:
        mr = self.query_one(MergeQueueTable).selected
        if mr is not None:
            self._show_text(
                "Details",
                f"Merge request {mr.id}",
                lambda: Text(inert(operations.details(self.town, mr.id), multiline=True)),
            )

    def action_scrollback(self) -> None:
        session = self.poller.focused if self.poller is not None else None
        if session:
            capture = self.poller.tmux.capture
            self._show_text(
                "Scrollback",
                f"Output of {session}",
                lambda: Text.from_ansi(capture(session, lines=SCROLLBACK_LINES).rstrip("\n"), no_wrap=True),
                at_end=True,
            )

    @work(thread=True, group="action", exit_on_error=False, description="reading for a text view")
    def _show_text(self, verb: str, title: str, read: Callable[[], RenderableType], at_end: bool = False) -> None:
        """Run ``read`` in this worker and show what it returns in a text view; a failure is a toast."""
        try:
            body = read()
        except GtError as exc:
            self.post_message(ActionFinished(verb, "", str(exc)))
            return
        self.app.call_from_thread(self.app.push_screen, TextViewScreen(title, body, at_end=at_end))

    def action_read(self) -> None:
        message = self.query_one(MailInbox).selected
        if message is not None:
            self._read_thread(message.id)

    @work(thread=True, group="action", exit_on_error=False, description="reading a message")
    def _read_thread(self, message_id: str) -> None:
        try:
            operations.mark_read(self.town, message_id)
            thread = operations.read_thread(self.town, message_id)
        except GtError as exc:
            self.post_message(ActionFinished("Read", "", str(exc)))
            return
        parts = []
        for item in thread:
            head = Text(f"{inert(item.subject)}\n", style="bold" if item.id == message_id else "")
            head.append(inert(f"from {item.sender} to {item.to} · {item.created_at} · {item.id}") + "\n", style="dim")
            parts += [head, Text(inert(item.body, multiline=True) + "\n")]
        self.app.call_from_thread(self.app.push_screen, TextViewScreen("Thread", Group(*parts)))
        self.post_message(ActionFinished("Read", ""))

    def action_reply(self) -> None:
        message = self.query_one(MailInbox).selected
        if message is None:
            return
        subject = message.subject if message.subject.lower().startswith("re:") else f"Re: {message.subject}"

        def written(draft: Draft | None) -> None:
            if draft is not None:
                self._run("Reply", operations.reply, message.id, draft.body)

        self.app.push_screen(ComposeForm(message.sender, subject, reply=True), written)

    def action_compose(self) -> None:
        def written(draft: Draft | None) -> None:
            if draft is not None:
                self._run("Send", operations.compose, draft.to, draft.subject, draft.body)

        self.app.push_screen(ComposeForm(examples=placeholders.addresses(self.snapshot)), written)

    def action_sling(self) -> None:
        rigs = [rig.name for rig in self.snapshot.rigs] if self.snapshot else []
        board = self.query_one(ConvoyBoard)
        node = board.cursor_node
        bead = node.data.id if node is not None and node.data is not None and hasattr(node.data, "assignee") else ""

        def chosen(request: SlingRequest | None) -> None:
            if request is not None:
                self._run("Sling", operations.sling, request.bead_id, request.rig)

        example = placeholders.bead(self.snapshot, self.town.prefix)
        self.app.push_screen(SlingForm(rigs, bead, example), chosen)

    def action_filter(self) -> None:
        table = self.app.focused
        if not isinstance(table, KeyedTable):
            return

        def chosen(text: str | None) -> None:
            if text is not None:
                table.set_filter(text)
                self._redraw_lists()

        question = "Show the rows containing (empty shows all):"
        self.app.push_screen(TextPrompt("Filter", question, table.row_filter, required=False), chosen)

    def _redraw_lists(self) -> None:
        if self.snapshot is not None:
            self.on_town_read(TownRead(self.snapshot))

    def action_nudge(self) -> None:
        agent = self.selected_agent
        if agent is None or not agent.session:
            return

        def said(text: str | None) -> None:
            if text:
                self._run("Nudge", operations.nudge, agent.address, text)

        self.app.push_screen(TextPrompt(f"Nudge {agent.address}", "Type a message for the agent:"), said)

    def action_nuke(self) -> None:
        agent = self.selected_agent
        if agent is None:
            return

        def confirmed(choice: str | None) -> None:
            if choice:
                self._run("Nuke", operations.nuke, agent.rig, agent.name, choice == FORCE)

        question = f"Kill {agent.address}: its session, worktree and branches."
        if agent.hook_bead:
            question += (
                f" It is at work on {agent.hook_bead}: Nuke refuses while it is; Force nukes it anyway"
                " and puts the bead back to ready work."
            )
        else:
            question += " If its merge request is still open, Nuke refuses; Force nukes it anyway."
        self.app.push_screen(ConfirmDialog("Nuke polecat", question, yes="Nuke", force="Force"), confirmed)

    def action_attach(self) -> None:
        """The agent's session on the town's tmux server; detaching comes back here, in tmux or not."""
        agent = self.selected_agent
        if agent is None:
            return
        if agent.session not in self.live:
            self.notify(f"{agent.name} has no live session (state {agent.state})", severity="warning")
            return
        if operations.inside_tmux():  # a popup over the user's tmux client; the TUI stays under it
            self._run("Attach", operations.attach_in_popup, agent.session)
            return
        try:
            with self.app.suspend():
                code = operations.run_attached(self.town, agent.session)
        except SuspendNotSupported:
            self.notify("this terminal cannot hand over to tmux", severity="error")
            return
        if code:
            self.notify(f"tmux attach to {agent.session} ended with status {code}", severity="warning")
        self.action_refresh()


def _daemon_state(status) -> str:
    """The header's daemon word: which rigs this app drives, which another daemon holds, the last error."""
    parts = []
    if status.held:
        parts.append("hosting " + ", ".join(status.held))
    if status.elsewhere:
        parts.append("elsewhere: " + ", ".join(status.elsewhere))
    if status.last_error:
        parts.append("⚠ " + status.last_error[:60])
    return " · ".join(parts) or ("idle (no rigs)" if status.passes else "starting")


def _describe(error: BaseException | None) -> str:
    if isinstance(error, GtError):
        return error.message
    return f"{type(error).__name__}: {error}" if error else ""


def _diff_view(text: str) -> RenderableType:
    text = inert(text, multiline=True)  # a repository's files are data too
    return Syntax(text, "diff", theme="ansi_dark", word_wrap=False) if text.strip() else Text("(empty diff)")
