"""Models: every preset, where it can run (and why not), and its defaults."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from dgx_pixels_worker.protocol import WorkerError

from ..link import LinkUpdate, StateChanged
from .base import PixelsScreen


class ModelsScreen(PixelsScreen):
    def compose_body(self) -> ComposeResult:
        table: DataTable[object] = DataTable(id="models", cursor_type="row")
        for column in ("model", "where", "defaults", "description"):
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
            where = Text()
            for name, why in model.where.items():
                where.append(f"{name} ✓" if why is None else f"{name} ✗ {why}", style="green" if why is None else "red")
                where.append("\n")
            d = model.defaults
            defaults = f"{d.get('width')}x{d.get('height')} · {d.get('steps')} steps · cfg {d.get('cfg')}"
            height = max(1, len(model.where))
            where.rstrip()  # in place
            table.add_row(Text(model.name, style="" if model.available else "dim"), where, defaults,
                          model.description, height=height, key=model.name)
        self.query_one("#problems", Static).update("\n".join(f"skipped {p}" for p in library.problems))
