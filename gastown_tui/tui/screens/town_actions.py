"""What the person does on the town screen: each action gathers its input (a dialog) on the UI
thread, then runs the blocking call in a thread worker that ends with a toast."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.text import Text
from textual import work
from textual.app import SuspendNotSupported

from ...display import inert
from ...errors import GtError
from .. import operations, placeholders
from ..messages import ActionFinished, TownRead
from ..widgets.convoy_board import ConvoyBoard
from ..widgets.keyed_table import KeyedTable
from ..widgets.mail_inbox import MailInbox
from ..widgets.merge_queue import MergeQueueTable
from .confirm_dialog import FORCE, ConfirmDialog
from .sling_form import SlingForm, SlingRequest
from .text_prompt import TextPrompt
from .text_view import TextViewScreen, ThreadViewScreen

if TYPE_CHECKING:
    from ...services.mail import Message
    from .compose_form import Draft

SCROLLBACK_LINES = 2000


class TownActions:
    """Mixin of the town screen (which gives ``town``, ``snapshot``, ``live``, ``poller`` and the panes)."""

    @work(thread=True, group="action", exit_on_error=False, description="running an action")
    def _run(self, verb: str, fn: Callable[..., str | None], *args) -> None:
        try:
            text = fn(self.town, *args)
        except GtError as exc:
            self.post_message(ActionFinished(verb, "", str(exc)))
            return
        self.post_message(ActionFinished(verb, text or ""))

    def _ask_then_run(self, prompt: TextPrompt, verb: str, fn: Callable[..., str | None], *args) -> None:
        """Ask with ``prompt``; an answer runs ``fn(town, *args, answer)`` as ``_run`` does (escape: nothing)."""
        self.app.push_screen(prompt, lambda text: self._run(verb, fn, *args, text) if text else None)

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
        question = f"Why reject {mr.id} ({mr.source_title})? The polecat gets this as rework."
        self._ask_then_run(TextPrompt("Reject merge request", question, "reason"), "Reject", operations.reject, mr.id)

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
                lambda: Text(inert(operations.details(self.town, mr.id, self.clock()), multiline=True)),
            )

    def action_open_pr(self) -> None:
        mr = self.query_one(MergeQueueTable).selected
        if mr is not None and mr.url:
            self._run("Open PR", operations.open_url, mr.url)

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

    def _show_text(self, verb: str, title: str, read: Callable[[], RenderableType], at_end: bool = False) -> None:
        """A text view at once, filled with what ``read`` returns in a worker; a failure closes it with a toast."""
        view = TextViewScreen(title, None, at_end=at_end)
        self.app.push_screen(view)
        self._fill_text(view, verb, read)

    @work(thread=True, group="action", exit_on_error=False, description="reading for a text view")
    def _fill_text(self, view: TextViewScreen, verb: str, read: Callable[[], RenderableType]) -> None:
        try:
            body = read()
        except GtError as exc:
            self.app.call_from_thread(view.dismiss_if_shown)
            self.post_message(ActionFinished(verb, "", str(exc)))
            return
        self.app.call_from_thread(view.show, body)

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
        message = next((item for item in thread if item.id == message_id), None)

        def chosen(choice: str | None) -> None:
            if choice == "reply" and message is not None:
                self._reply_to(message)

        self.app.call_from_thread(self.app.push_screen, ThreadViewScreen("Thread", Group(*parts)), chosen)
        self.post_message(ActionFinished("Read", ""))

    def action_reply(self) -> None:
        message = self.query_one(MailInbox).selected
        if message is not None:
            self._reply_to(message)

    def _reply_to(self, message: Message) -> None:
        subject = message.subject if message.subject.lower().startswith("re:") else f"Re: {message.subject}"

        from .compose_form import ComposeForm  # a text area: loaded on first use, not before the first paint

        def written(draft: Draft | None) -> None:
            if draft is not None:
                self._run("Reply", operations.reply, message.id, draft.body)

        self.app.push_screen(ComposeForm(message.sender, subject, reply=True), written)

    def action_compose(self) -> None:
        from .compose_form import ComposeForm

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
        prompt = TextPrompt(f"Nudge {agent.address}", "Type a message for the agent:")
        self._ask_then_run(prompt, "Nudge", operations.nudge, agent.address)

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


def _diff_view(text: str) -> RenderableType:
    from rich.syntax import Syntax  # pygments: loaded with the first diff, not before the first paint

    text = inert(text, multiline=True)  # a repository's files are data too
    return Syntax(text, "diff", theme="ansi_dark", word_wrap=False) if text.strip() else Text("(empty diff)")
