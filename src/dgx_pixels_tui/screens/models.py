"""Models: every preset, where it can run (and why not), and its defaults; and the arena's leaderboard."""

from __future__ import annotations

import textwrap
import time

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import DataTable, Input, Label, Static

from dgx_pixels_worker.protocol import WorkerError

from .. import arena_view
from ..messages import ComparisonChanged, ConnectionChanged
from ..training_view import verdict_text
from .base import PixelsScreen

WHERE_WIDTH = 44  # long "why not" reasons wrap inside the cell instead of pushing the other columns away
NARROW = 100  # below this many columns the reasons wrap tighter and the defaults take two lines
BOARD_COLUMNS = ("rank", "preset", "score", "95% CI", "votes", "W-L-T", "both bad")
BOARD_EVERY_S = 1.0  # votes may come in bursts from other clients; the board is recomputed at most this often


class ModelsScreen(PixelsScreen):
    def __init__(self) -> None:
        super().__init__()
        self.board_loaded_at = 0.0  # monotonic time of the last leaderboard request
        self.board_due = False  # a reload waits for BOARD_EVERY_S to pass

    def compose_body(self) -> ComposeResult:
        table: DataTable[object] = DataTable(id="models", cursor_type="row")
        for column in ("model", "defaults", "where", "description"):
            table.add_column(column.upper(), key=column)
        yield table
        yield Static("", id="problems")
        with Horizontal(id="leaderboard-bar"):
            yield Label("Leaderboard · tag")
            yield Input(placeholder="blank: every vote; type a tag and press enter", id="leaderboard-tag")
        board: DataTable[object] = DataTable(id="leaderboard", cursor_type="row", zebra_stripes=True)
        for column in BOARD_COLUMNS:
            board.add_column(column.upper(), key=column)
        yield board
        yield Static("", id="leaderboard-note", markup=False)

    def refresh_from_link(self) -> None:
        self.load()
        self.load_board()

    def on_connection_changed(self, message: ConnectionChanged) -> None:
        self.load()
        self.load_board()

    def on_comparison_changed(self, message: ComparisonChanged) -> None:
        if message.comparison.votes > 0:
            self.board_soon()

    def board_soon(self) -> None:
        """Reload the leaderboard, at most once per BOARD_EVERY_S."""
        if self.board_due:
            return
        wait = self.board_loaded_at + BOARD_EVERY_S - time.monotonic()
        if wait <= 0:
            self.load_board()
            return
        self.board_due = True
        self.set_timer(wait, self._board_timer)

    def _board_timer(self) -> None:
        self.board_due = False
        self.load_board()

    @on(Input.Submitted, "#leaderboard-tag")
    def tag_submitted(self) -> None:
        self.load_board()

    @work(exclusive=True, group="leaderboard-load")
    async def load_board(self) -> None:
        self.board_loaded_at = time.monotonic()
        tag = self.query_one("#leaderboard-tag", Input).value.strip() or None
        try:
            board = await self.pixels.client.leaderboard(tag)
        except WorkerError as exc:
            self.notify(exc.message, severity="error")
            return
        table = self.query_one("#leaderboard", DataTable)
        table.clear()
        for rank, row in enumerate(board.rows, start=1):
            table.add_row(*arena_view.leaderboard_cells(rank, row), key=row.preset)
        versus = [f"{row.model}: {verdict_text(row)}" for row in board.versus]  # each trained preset vs its base
        self.query_one("#leaderboard-note", Static).update("\n".join([arena_view.leaderboard_note(board), *versus]))

    @work(exclusive=True, group="models-load")
    async def load(self) -> None:
        try:
            library = await self.pixels.client.model_library()
        except WorkerError as exc:
            self.notify(exc.message, severity="error")
            return
        table = self.query_one("#models", DataTable)
        table.clear()
        narrow = self.size.width < NARROW
        for model in library.models:
            lines = []
            for name, why in model.where.items():
                text = f"{name} ✓" if why is None else f"{name} ✗ {why}"
                wrapped = textwrap.wrap(text, WHERE_WIDTH // 2 + 4 if narrow else WHERE_WIDTH)
                lines += [(line, "green" if why is None else "red") for line in wrapped]
            where = Text("\n").join(Text(line, style=style) for line, style in lines)
            d = model.defaults
            size, sampler = f"{d.get('width')}x{d.get('height')}", f"{d.get('steps')} steps · cfg {d.get('cfg')}"
            defaults = f"{size}\n{sampler}" if narrow else f"{size} · {sampler}"
            table.add_row(
                Text(model.name, style="" if model.available else "dim"),
                defaults,
                where,
                model.description,
                height=max(2 if narrow else 1, len(lines)),
                key=model.name,
            )
        self.query_one("#problems", Static).update("\n".join(f"skipped {p}" for p in library.problems))
