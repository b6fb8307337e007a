"""A pane switch lays nothing out, lists keep their drawn lines across focus changes, and redraw them when their styles change."""

from __future__ import annotations

from textual.dom import DOMNode
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget
from tui_support import frozen_clock, populated_town, settle, sync  # noqa: F401  (populated_town: fixture)

from gastown_tui.tui.app import GastownApp
from gastown_tui.tui.widgets.merge_queue import MergeQueueTable
from gastown_tui.tui.widgets.rig_tree import RigTree


def _drawn(widget) -> list[Strip]:
    return [widget.render_line(y) for y in range(widget.size.height)]


def _fresh(widget) -> list[Strip]:
    widget.drop_drawn_lines()
    return _drawn(widget)


@sync
async def test_focus_and_theme_changes_draw_what_a_fresh_draw_would(town):
    app = GastownApp(town, clock=frozen_clock, follow=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        tree, queue = app.screen.query_one(RigTree), app.screen.query_one(MergeQueueTable)
        looks = {}
        for key in ("1", "4", "1", "4"):  # each list focused, blurred, focused again: cached lines reused
            await pilot.press(key)
            await settle(pilot)
            for widget in (tree, queue):
                drawn = _drawn(widget)
                assert drawn == _fresh(widget), f"{type(widget).__name__} after {key}"
                looks.setdefault((type(widget).__name__, widget.has_focus), drawn)
        assert looks[("RigTree", True)] != looks[("RigTree", False)]  # the cursor shows where the focus is
        dropped = []
        for widget in (tree, queue):
            widget.drop_drawn_lines = lambda widget=widget: dropped.append(widget)
        for key in ("1", "4"):
            await pilot.press(key)
            await settle(pilot)
            _drawn(tree), _drawn(queue)
        assert dropped == []  # a focus change alone draws nothing again
        del tree.drop_drawn_lines, queue.drop_drawn_lines
        app.theme = "textual-light"
        await settle(pilot)
        for widget in (tree, queue):
            drawn = _drawn(widget)
            assert drawn == _fresh(widget) and drawn != looks[(type(widget).__name__, widget.has_focus)]


@sync
async def test_a_pane_switch_lays_out_nothing(town, monkeypatch):
    """Mounting footer keys, or Textual's Tree restyling, laid out (and so redrew) the whole screen on each switch."""
    app = GastownApp(town, clock=frozen_clock, follow=False)
    laid_out: list[str] = []
    refresh = Widget.refresh

    def spy(self, *regions, layout=False, **kwargs):
        if layout and not type(self).__name__.startswith("ScrollBar"):  # Textual re-sets scrollbar sizes
            laid_out.append(type(self).__name__)
        return refresh(self, *regions, layout=layout, **kwargs)

    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        monkeypatch.setattr(Widget, "refresh", spy)
        for key in "234513":
            await pilot.press(key)
            await settle(pilot)
        monkeypatch.undo()
        assert laid_out == []


@sync
async def test_a_frame_works_out_a_lists_own_style_once(town, monkeypatch):
    """Tree and DataTable ask for their style on every line; each time Textual walks the ancestors."""
    app = GastownApp(town, clock=frozen_clock, follow=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        tree, queue = app.screen.query_one(RigTree), app.screen.query_one(MergeQueueTable)
        walked: list[object] = []
        own_style = DOMNode.rich_style

        def spy(node):
            walked.append(node)
            return own_style.fget(node)

        monkeypatch.setattr(DOMNode, "rich_style", property(spy))
        for widget in (tree, queue):
            widget.drop_drawn_lines()
            widget.refresh()  # every line drawn again
            lines = widget.render_lines(Region(0, 0, *widget.size))
            assert len(lines) == widget.size.height > 2
            assert walked.count(widget) == 1, f"{type(widget).__name__}: {walked.count(widget)}"
        monkeypatch.undo()
        assert tree.rich_style == own_style.fget(tree)  # outside a frame: worked out when asked
