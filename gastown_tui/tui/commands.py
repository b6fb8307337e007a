"""What the command palette offers: every action of the registry that applies to the current
selection, and Textual's system commands (theme, maximize, screenshot, …)."""

from __future__ import annotations

from functools import partial

from . import actions
from .screens.palette import PaletteEntry


def palette_entries(app, screen) -> list[PaletteEntry]:
    """The entries for a palette opened over ``screen``, in the registry's order."""
    found = []
    for action in actions.ACTIONS:
        target = app if action.scope == "app" else screen
        method = actions.method_name(action)
        if method == "command_palette" or not hasattr(target, f"action_{method}"):
            continue
        if target.check_action(method, ()) is not True:
            continue
        key = actions.key_display(action.key)
        found.append(PaletteEntry(action.description, action.label, key, partial(target.run_action, action.name)))
    for command in app.get_system_commands(screen):
        if command.title != "Quit":  # the registry's quit
            found.append(PaletteEntry(command.help, command.title, "", command.callback))
    return found
