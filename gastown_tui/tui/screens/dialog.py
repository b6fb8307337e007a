"""The base of every dialog with fields: Tab moves between them at once, typed-ahead keys arrive."""

from __future__ import annotations

from textual.binding import Binding
from textual.screen import ModalScreen, ScreenResultType


class Dialog(ModalScreen[ScreenResultType]):
    """A modal dialog. Subclasses name the field to focus first in ``FIRST_FIELD``.

    Tab and shift+Tab are priority bindings: the app moves focus while it dispatches the key,
    so the keys typed after a Tab go to the next field even in a fast burst.
    """

    FIRST_FIELD = ""
    BINDINGS = [
        Binding("tab", "app.focus_next", "Next field", show=False, priority=True),
        Binding("shift+tab", "app.focus_previous", "Previous field", show=False, priority=True),
    ]

    def first_field(self) -> str:
        return self.FIRST_FIELD

    def on_mount(self) -> None:
        if self.first_field():
            self.query_one(self.first_field()).focus()
        release = getattr(self.app, "release_keys", None)
        if release is not None:
            self.call_after_refresh(release)
