"""Focus moving in and out of a list keeps the lines it has drawn.

Tree and DataTable key their caches of drawn lines on the widget's pseudo-classes (focus among
them), yet empty those caches on every restyle, and a focus change is a restyle: each pane switch
drew both lists again, every visible line. Here a restyle keeps them while the styles of the
current pseudo-class state are the ones that state's lines were drawn with; a real change of
style (a theme, a class that changes colours) still empties them.

The check runs when the widget next draws: during a restyle Textual tells the widget before it
has worked out the styles of its components (the cursor, the badges), so only then are they known.
It compares the components' style rules, not their Rich styles: working those out walks the
widget's ancestors once per component.

While a frame draws the widget, its own Rich style is worked out once: Tree and DataTable ask for
it on every line, and each time Textual walks the ancestors again (a tenth of a pane switch's time).
"""

from __future__ import annotations

from rich.style import Style
from textual.geometry import Region
from textual.strip import Strip


class KeepsDrawnLines:
    """Mixin for a Tree or DataTable: its ``notify_style_update`` calls ``restyled()`` instead of dropping its caches."""

    _restyled = True
    _drawn_under: dict[object, tuple[object, ...]] | None = None  # pseudo-class state -> its styles
    _frame_style: Style | None = None  # the widget's own style while a frame draws it

    @property
    def rich_style(self) -> Style:
        return super().rich_style if self._frame_style is None else self._frame_style

    def restyled(self) -> None:
        self._restyled = True
        self.refresh()

    def drop_drawn_lines(self) -> None:
        raise NotImplementedError

    def render_lines(self, crop: Region) -> list[Strip]:
        self._frame_style = super().rich_style
        try:
            if self._restyled:
                self._restyled = False
                if not self.styles_unchanged():
                    self.drop_drawn_lines()
            return super().render_lines(crop)
        finally:
            self._frame_style = None

    def styles_unchanged(self) -> bool:
        """Whether the lines cached for the current pseudo-class state are drawn in its styles.

        Lines are cached per state and used only in their state, so only the current state needs
        checking: entering another state again (a restyle) checks that one. A component's Rich style
        is its rules over the widget's own style, so those two say whether it changed.
        """
        state = self.get_pseudo_class_state()
        components = sorted(self._get_component_classes())
        styles = (self.rich_style, *(self.get_component_styles(name) for name in components))
        drawn = self._drawn_under or {}
        if drawn.get(state, styles) != styles:  # the styles changed under this state's lines
            self._drawn_under = {state: styles}
            return False
        self._drawn_under = {**drawn, state: styles}
        return True
