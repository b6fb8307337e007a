"""The one registry of user actions: it drives key bindings, the footer, the help screen and the palette.

Each action runs on the town screen (``action_<name>``); ``scope`` says which pane's
bindings carry its key ("town" = everywhere on the town screen). The screen's
``check_action`` hides what does not apply to the current selection.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding


@dataclass(frozen=True)
class UserAction:
    name: str
    key: str
    label: str  # short, for the footer
    description: str  # one sentence, for help and the palette
    scope: str = "town"
    show: bool = True
    dialog: bool = False  # opens a dialog with fields (keys typed after it wait for it)


ACTIONS: tuple[UserAction, ...] = (
    UserAction("approve", "a", "Approve", "Approve the selected merge request", "queue"),
    UserAction("reject", "r", "Reject", "Reject the selected merge request (asks for a reason)", "queue", dialog=True),
    UserAction("retry", "R", "Retry", "Retry the selected failed or sent-back merge request", "queue"),
    UserAction("diff", "d", "Diff", "Show the diff of the selected merge request", "queue"),
    UserAction("details", "enter", "Details", "Show details of the selected item", "queue"),
    UserAction("open_pr", "o", "Open PR", "Open the selected merge request's pull request in a browser", "queue"),
    UserAction("read", "enter", "Read", "Read the selected message and its thread", "mail"),
    UserAction("reply", "R", "Reply", "Reply to the selected message", "mail", dialog=True),
    UserAction("scrollback", "enter", "Scrollback", "Show the followed polecat's last 2,000 lines of output", "output"),
    UserAction("attach", "t", "Attach", "Attach to the selected polecat's tmux session (detach to return)", "rigs"),
    # y / n answer a yes/no question; on any other agent n is nudge (the binding that applies wins).
    UserAction("answer_yes", "y", "Yes", "Answer yes to the selected agent's yes/no question", "rigs"),
    UserAction("answer_no", "n", "No", "Answer no to the selected agent's yes/no question", "rigs"),
    UserAction(
        "answer", "A", "Answer", "Type a one-line reply into the selected agent that needs you", "rigs", dialog=True
    ),
    UserAction("nudge", "n", "Nudge", "Type a message into the selected polecat's session", "rigs", dialog=True),
    UserAction(
        "nuke",
        "X",
        "Nuke",
        "Kill the selected polecat's session and worktree (force: even at work)",
        "rigs",
        dialog=True,
    ),
    UserAction("next_waiting", "w", "Needs you", "Jump to the next agent that needs you (waiting for an answer)"),
    UserAction("compose", "c", "Compose", "Write a new message", dialog=True),
    UserAction("filter", "slash", "Filter", "Show only the rows of this list that contain some text", dialog=True),
    UserAction("sling", "s", "Sling", "Sling a bead to a rig (a polecat picks it up)", dialog=True),
    UserAction("focus_pane(1)", "1", "Rigs", "Focus the rig tree", show=False),
    UserAction("focus_pane(2)", "2", "Output", "Focus the polecat output", show=False),
    UserAction("focus_pane(3)", "3", "Convoys", "Focus the convoys", show=False),
    UserAction("focus_pane(4)", "4", "Queue", "Focus the refinery queue", show=False),
    UserAction("focus_pane(5)", "5", "Mail", "Focus the mail inbox", show=False),
    UserAction("next_pane(1)", "tab", "Next pane", "Move to the next pane (1→2→3→4→5)", show=False),
    UserAction("next_pane(-1)", "shift+tab", "Previous pane", "Move to the previous pane (5→4→…→1)", show=False),
    UserAction("refresh", "ctrl+r", "Refresh", "Re-read the ledger now", show=False),
    UserAction("help", "question_mark", "Help", "Show every key binding", "app"),
    UserAction(
        "command_palette", "ctrl+p", "palette", "Command palette: every action by name", "app", show=False, dialog=True
    ),
    UserAction("quit", "q", "Quit", "Quit gastown-tui", "app"),
)

# Keys handled by Textual itself or by the pane widgets, listed in help so it tells the whole truth.
BUILTIN_KEYS: tuple[tuple[str, str], ...] = (
    ("j / k, ↓ / ↑", "Move inside a pane"),
    ("space", "Expand or collapse a tree node"),
    ("escape", "Close a dialog"),
)


def method_name(action: UserAction) -> str:
    """The bare action name (``focus_pane(1)`` -> ``focus_pane``)."""
    return action.name.split("(", 1)[0]


NAMES = frozenset(method_name(a) for a in ACTIONS)
DIALOG_KEYS = frozenset(a.key for a in ACTIONS if a.dialog)
_DIALOG_NAMES = frozenset(a.name for a in ACTIONS if a.dialog)


def opens_dialog(action: str) -> bool:
    """Whether a binding's action (``compose``, ``screen.compose``) opens a dialog with fields."""
    return action.rsplit(".", 1)[-1] in _DIALOG_NAMES


def bindings(scope: str) -> list[Binding]:
    """The key bindings of one scope (a pane widget, the town screen, or the app)."""
    return [
        Binding(a.key, a.name, a.label, show=a.show, id=f"{scope}.{method_name(a)}")
        for a in ACTIONS
        if a.scope == scope
    ]


class ScreenActions:
    """Mixin for pane widgets: they carry the keys, their screen does the work and decides what applies.

    (A ``screen.`` action namespace would ask whichever screen is on top, e.g. a dialog.)
    """

    def __getattr__(self, name: str):
        if name.startswith("action_") and name[len("action_") :] in NAMES:
            return getattr(self.screen, name)
        raise AttributeError(name)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in NAMES:
            return self.screen.check_action(action, parameters)
        return super().check_action(action, parameters)


def key_display(key: str) -> str:
    return {"question_mark": "?", "enter": "enter", "slash": "/"}.get(key, key)
