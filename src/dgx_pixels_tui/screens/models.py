"""Models: every preset, where it can run (and why not), and its defaults."""

from __future__ import annotations

import textwrap

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from dgx_pixels_worker.protocol import WorkerError

from ..link import LinkUpdate, StateChanged
from .base import PixelsScreen

WHERE_WIDTH = 44  # long "why not" reasons wrap inside the cell instead of pushing the other columns away


class ModelsScreen(PixelsScreen):
    def compose_body(self) -> ComposeResult:
        table: DataTable[object] = DataTable(id="models", cursor_type="row")
        for column in ("model", "defaults", "where", "description"):
            table.add_column(column.upper(), key=column)
        yield table
        yield Static("", id="problems")

    def refresh_from_link(self) -> None:
        self.load()

    def link_update(self, update: LinkUpdate) -> None:
        if isinstance(update, StateChanged):
            self.load()

    @work(exclusive=True, group="models-load")
    async def load(self) -> None:
        try:
            library = await self.pixels.client.model_library()
        except WorkerError as exc:
            self.notify(exc.message, severity="error")
            return
        table = self.query_one("#models", DataTable)
        table.clear()
        for model in library.models:
            lines = []
            for name, why in model.where.items():
                text = f"{name} ✓" if why is None else f"{name} ✗ {why}"
                lines += [(line, "green" if why is None else "red") for line in textwrap.wrap(text, WHERE_WIDTH)]
            where = Text("\n").join(Text(line, style=style) for line, style in lines)
            d = model.defaults
            defaults = f"{d.get('width')}x{d.get('height')} · {d.get('steps')} steps · cfg {d.get('cfg')}"
            table.add_row(Text(model.name, style="" if model.available else "dim"), defaults, where,
                          model.description, height=max(1, len(lines)), key=model.name)
        self.query_one("#problems", Static).update("\n".join(f"skipped {p}" for p in library.problems))
