"""The command palette: every action of the registry, offered when it applies to the current selection."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from . import actions


class TownCommands(Provider):
    def _available(self) -> list[tuple[str, actions.UserAction, object]]:
        screen = self.screen
        found = []
        for action in actions.ACTIONS:
            target = self.app if action.scope == "app" else screen
            method = actions.method_name(action)
            if not hasattr(target, f"action_{method}"):
                continue
            if target.check_action(method, ()) is not True:
                continue
            title = f"{action.description}  ({actions.key_display(action.key)})"
            found.append((title, action, target))
        return found

    async def discover(self) -> Hits:
        for title, action, target in self._available():
            yield DiscoveryHit(title, partial(target.run_action, action.name), help=action.label)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, action, target in self._available():
            score = matcher.match(f"{action.label} {title}")
            if score > 0:
                yield Hit(score, matcher.highlight(title), partial(target.run_action, action.name), help=action.label)
