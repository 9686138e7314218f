"""FittedTable: a DataTable whose columns fit its width, for the Queue and the Gallery.

Every column but one has a fixed width, wide enough for its widest value (a value that grows, such as a step
count going from 4/8 to 12/40, is never cut); the flexible one (the prompt) takes what is left. Narrower tables
show fewer columns: each layout names the columns shown from a width on. When the columns change, the table
posts `Refitted` and the screen fills the rows again. `home` and `end` go to the first and last row."""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable

SCROLLBAR = 1  # the vertical scroll bar's width (app.tcss keeps these tables' bar this thin)


def clip(text: str, width: int) -> str:
    """`text` cut to `width` cells with an ellipsis."""
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


class FittedTable(DataTable[object]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("home", "scroll_top", "First row", show=False),
        Binding("end", "scroll_bottom", "Last row", show=False),
    ]

    class Refitted(Message):
        """The columns changed: fill the rows again."""

        def __init__(self, table: FittedTable) -> None:
            super().__init__()
            self.table = table

        @property
        def control(self) -> FittedTable:
            return self.table

    def __init__(
        self,
        layouts: list[tuple[int, tuple[str, ...]]],
        widths: dict[str, int],
        flexible: str,
        *,
        min_flexible: int = 12,
        id: str | None = None,
        zebra_stripes: bool = False,
        wrap: bool = False,
    ) -> None:
        """`layouts`: (from this table width on, these columns), in any order; `widths`: every fixed column's;
        `wrap`: rows grow to show the flexible column's whole text (else it is clipped by the caller)."""
        super().__init__(id=id, cursor_type="row", zebra_stripes=zebra_stripes)
        self.wrap = wrap
        self.layouts = sorted(layouts)
        self.widths = widths
        self.flexible = flexible
        self.min_flexible = min_flexible
        self.shown: tuple[str, ...] = ()
        self.flexible_width = 0

    def columns_for(self, width: int) -> tuple[tuple[str, ...], int]:
        """The columns shown at `width` cells, and the flexible column's width (each cell is padded by one cell on
        either side)."""
        columns = self.layouts[0][1]
        for start, layout in self.layouts:
            if width >= start:
                columns = layout
        used = sum(self.widths[c] + 2 for c in columns if c != self.flexible) + 2 + SCROLLBAR
        return columns, max(self.min_flexible, width - used)

    def on_resize(self, event: events.Resize) -> None:
        self.fit(event.size.width)

    def fit(self, width: int) -> None:
        columns, flexible_width = self.columns_for(width)
        if (columns, flexible_width) == (self.shown, self.flexible_width):
            return
        self.shown, self.flexible_width = columns, flexible_width
        self.clear(columns=True)
        for column in columns:
            width = flexible_width if column == self.flexible else self.widths[column]
            self.add_column(column.upper(), key=column, width=width)
        self.post_message(self.Refitted(self))

    def row_cells(self, values: dict[str, object]) -> list[object]:
        """The cells of one row, for the columns shown, from every column's value."""
        return [values[column] for column in self.shown]

    def selected_key(self) -> str | None:
        """The key of the row under the cursor."""
        if self.row_count == 0:
            return None
        return str(self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value)

    def refill(self, rows: list[tuple[str, dict[str, object]]], keep: str | None) -> None:
        """Every row again, the cursor back on the row keyed `keep` when it is still there."""
        self.clear()
        for key, values in rows:
            self.add_row(*self.row_cells(values), key=key, height=None if self.wrap else 1)
        if keep is not None and keep in self.rows:
            self.move_cursor(row=self.get_row_index(keep), animate=False)
