"""The Compare screen's panels: one image per model of a round, each with its caption, side by side."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Grid, Vertical
from textual.widgets import Static

from ..arena_view import grid_shape
from ..previews.widget import SpritePreview


class ComparePanel(Vertical):
    def __init__(self, index: int) -> None:
        super().__init__(id=f"panel-{index}", classes="compare-panel")
        self.index = index
        self.image_id: str | None = None  # the final image shown; until then, live previews

    def compose(self) -> ComposeResult:
        yield SpritePreview(id=f"panel-preview-{self.index}", checkerboard=True)
        yield Static(
            f"Panel {self.index + 1}", id=f"panel-caption-{self.index}", classes="compare-caption", markup=False
        )

    @property
    def preview(self) -> SpritePreview:
        return self.query_one(SpritePreview)

    @property
    def caption(self) -> Static:
        return self.query_one(Static)

    def clear(self) -> None:
        """Ready for a new round: no image, no winner's mark."""
        self.image_id = None
        self.preview.image = None
        self.remove_class("-winner")


class ComparePanels(Grid, can_focus=True):
    """The panels of a round (compose them inside); focusable so that the vote keys have somewhere to go when the
    form is left."""

    def lay_out(self, n: int) -> None:
        """Show the first `n` panels: a row of two or three, a 2x2 grid for four."""
        rows, columns = grid_shape(n)
        self.styles.grid_size_rows = rows
        self.styles.grid_size_columns = columns
        for panel in self.query(ComparePanel):
            panel.display = panel.index < n

    def panel(self, index: int) -> ComparePanel:
        return self.query_one(f"#panel-{index}", ComparePanel)

    def mark_winner(self, winner: int | None) -> None:
        for panel in self.query(ComparePanel):
            panel.set_class(panel.index == winner, "-winner")
