"""A DataTable whose rows are kept by bead id and updated in place (never cleared and rebuilt).

Subclasses list their columns in ``COLUMNS``; the first column shows the row's key (the bead id).
The table fits its pane: on a narrow pane the columns with the highest ``drop`` go first, and
the ``flex`` column (the title) takes the width left over.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable

from .badges import BADGE_CLASSES
from .inert import inert_text
from .restyle import KeepsDrawnLines


@dataclass(frozen=True)
class Column:
    label: str
    width: int
    drop: int = 0  # 0: always shown; on a narrow pane, higher numbers are dropped first
    flex: bool = False  # takes the width left over


PADDING = 2  # a DataTable cell's padding, both sides


class KeyedTable(KeepsDrawnLines, DataTable):
    COMPONENT_CLASSES = DataTable.COMPONENT_CLASSES | BADGE_CLASSES
    BINDINGS = [Binding("j", "cursor_down", "Down", show=False), Binding("k", "cursor_up", "Up", show=False)]
    COLUMNS: tuple[Column, ...] = ()

    def __init__(self, **kwargs):
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)
        self._rows: dict[str, tuple] = {}  # what is shown
        self._all: dict[str, Sequence[str | Text]] = {}  # what was given, before the filter
        self.row_filter = ""
        self._layout: tuple[tuple[int, int], ...] = ()  # (index in COLUMNS, width) of the shown columns

    def notify_style_update(self) -> None:
        """A restyle (focus moving in or out) keeps the drawn rows and cells unless their styles changed."""
        super(DataTable, self).notify_style_update()
        self._get_styles_to_render_cell.cache_clear()  # keyed on the cell's kind, not on the focus
        self._styles_cache.clear()
        self.restyled()

    def drop_drawn_lines(self) -> None:
        self._get_styles_to_render_cell.cache_clear()
        for cache in (self._row_render_cache, self._cell_render_cache, self._row_renderable_cache, self._line_cache):
            cache.clear()

    def on_mount(self) -> None:
        self._set_layout(tuple((i, c.width) for i, c in enumerate(self.COLUMNS)))

    def on_resize(self) -> None:
        # Room for the vertical scrollbar, shown or not: rows as wide as a pane without it make a
        # horizontal scrollbar appear as soon as the rows outgrow the pane's height.
        layout = fit_columns(self.COLUMNS, self.size.width - self.styles.scrollbar_size_vertical)
        if layout != self._layout:
            selected = self.selected_key
            self.clear(columns=True)
            self._rows.clear()
            self._set_layout(layout)
            self.sync(self._all)
            if selected in self._rows:
                self.move_cursor(row=self.get_row_index(selected), animate=False, scroll=False)

    def _set_layout(self, layout: tuple[tuple[int, int], ...]) -> None:
        self._layout = layout
        for index, width in layout:
            label = self.COLUMNS[index].label
            self.add_column(label, width=width, key=label)

    @property
    def shown_columns(self) -> list[str]:
        return [self.COLUMNS[index].label for index, _ in self._layout]

    @property
    def selected_key(self) -> str | None:
        if not self._rows or self.cursor_row < 0 or self.cursor_row >= self.row_count:
            return None
        return self.coordinate_to_cell_key((self.cursor_row, 0)).row_key.value

    @property
    def filter_note(self) -> str:
        """`` · /TEXT`` while a filter hides rows, for the pane's subtitle."""
        return f" · /{self.row_filter}" if self.row_filter else ""

    def set_filter(self, text: str) -> None:
        """Show only rows whose text contains ``text`` (any case); empty shows all."""
        self.row_filter = text.strip().lower()
        self.sync(self._all)

    def refresh_column(self, column: str, cell_for: Callable[[str], str | Text]) -> None:
        """Recompute one column of every shown row (ages as time passes); only changed cells are redrawn."""
        if column not in self.shown_columns:
            return
        index = self.shown_columns.index(column)
        for key, cells in self._rows.items():
            cell = inert_text(cell_for(key))
            if cells[index] != cell:
                self.update_cell(key, column, cell)
                self._rows[key] = (*cells[:index], cell, *cells[index + 1 :])

    def reset(self) -> None:
        """Forget every row (after a failed draw, the next one starts afresh)."""
        self.clear()
        self._rows.clear()

    def sync(self, rows: dict[str, Sequence[str | Text]]) -> None:
        """Make the table show ``rows`` (in that order, less those the filter hides): changed cells
        updated, stale rows removed."""
        self._all = rows
        if self.row_filter:
            rows = {k: c for k, c in rows.items() if self.row_filter in " ".join(map(str, c)).lower()}
        selected = self.selected_key
        keys = self.shown_columns
        with self.app.batch_update():
            for key in [k for k in self._rows if k not in rows]:
                self.remove_row(key)
                del self._rows[key]
            for key, cells in rows.items():
                cells = tuple(inert_text(cells[index]) for index, _ in self._layout)
                old = self._rows.get(key)
                if old is None:
                    self.add_row(*cells, key=key)
                elif old != cells:
                    for column, before, after in zip(keys, old, cells, strict=True):
                        if before != after:
                            self.update_cell(key, column, after)
                self._rows[key] = cells
            if list(self._rows) != list(rows):
                # The first column is the key, so ordering by it is ordering rows by key.
                rank = {key: index for index, key in enumerate(rows)}
                self.sort(self.COLUMNS[0].label, key=lambda cell: rank[str(cell)])
                self._rows = {k: self._rows[k] for k in rows}
            if selected in self._rows:
                self.move_cursor(row=self.get_row_index(selected), animate=False, scroll=False)


def fit_columns(columns: Sequence[Column], width: int) -> tuple[tuple[int, int], ...]:
    """``(index, width)`` of the columns that fit ``width`` cells: the most droppable go first,
    then the flex column takes what is left."""
    shown = list(range(len(columns)))

    def needed() -> int:
        return sum(columns[i].width + PADDING for i in shown)

    for index in sorted((i for i, c in enumerate(columns) if c.drop), key=lambda i: -columns[i].drop):
        if needed() <= width:
            break
        shown.remove(index)
    spare = max(0, width - needed())
    return tuple((i, columns[i].width + (spare if columns[i].flex else 0)) for i in shown)
