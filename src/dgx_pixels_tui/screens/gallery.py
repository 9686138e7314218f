"""Gallery: outputs newest first, filtered by prompt text, model or tag; a large preview with every parameter."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Input, Static

from dgx_pixels_worker.protocol import WorkerError

from ..link import JobFinished, LinkUpdate
from ..previews.widget import SpritePreview
from .base import PREVIEW_PX, PixelsScreen

if TYPE_CHECKING:
    from dgx_pixels_worker.protocol import messages as m

PAGE = 60


class GalleryScreen(PixelsScreen):
    AUTO_FOCUS = "#images"  # arrow keys browse at once; "/" goes to the filter
    BINDINGS = [
        Binding("slash", "filter", "Filter"),
        Binding("r", "regenerate(False)", "Same seed"),
        Binding("n", "regenerate(True)", "New seed"),
        Binding("v", "view", "Full size"),
        Binding("escape", "focus_list", "List", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.images: dict[str, m.ImageInfo] = {}  # what the list shows, by id

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="gallery"):
            with Vertical(id="browse"):
                yield Input(placeholder="filter: words of the prompt, model:NAME, tag:TAG", id="filter")
                table: DataTable[object] = DataTable(id="images", cursor_type="row")
                for column in ("image", "prompt", "model", "size", "made"):
                    table.add_column(column.upper(), key=column)
                yield table
            with Vertical(id="detail"):
                yield SpritePreview(id="large")
                yield Static("", id="params")

    def refresh_from_link(self) -> None:
        self.load()

    def link_update(self, update: LinkUpdate) -> None:
        if isinstance(update, JobFinished) and update.job.images:
            self.load()

    def action_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_focus_list(self) -> None:
        self.query_one("#images", DataTable).focus()

    @on(Input.Submitted, "#filter")
    def filter_submitted(self) -> None:
        self.load()
        self.action_focus_list()

    def _filters(self) -> dict[str, str | None]:
        words, model, tag = [], None, None
        for word in self.query_one("#filter", Input).value.split():
            if word.startswith("model:"):
                model = word[6:] or None
            elif word.startswith("tag:"):
                tag = word[4:] or None
            else:
                words.append(word)
        return {"query": " ".join(words), "model": model, "tag": tag}

    @work(exclusive=True, group="gallery-load")
    async def load(self) -> None:
        try:
            reply = await self.pixels.client.images(limit=PAGE, **self._filters())
        except WorkerError as exc:
            self.notify(exc.message, severity="error")
            return
        table = self.query_one("#images", DataTable)
        wanted = self.pixels.pending_image or self._selected()
        self.pixels.pending_image = None
        table.clear()
        self.images = {image.id: image for image in reply.images}
        for image in reply.images:
            made = time.strftime("%m-%d %H:%M", time.localtime(image.created_at))
            prompt = " ".join(str(image.params.get("prompt", "")).split())[:48]
            table.add_row(image.id, prompt, image.params.get("model", ""), f"{image.width}x{image.height}", made,
                          key=image.id)
        table.border_title = f"{len(reply.images)} of {reply.total}"
        if wanted in table.rows:
            table.move_cursor(row=table.get_row_index(wanted))
        if table.row_count:
            self.show(self._selected())

    def _selected(self) -> str | None:
        table = self.query_one("#images", DataTable)
        if table.row_count == 0:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    @on(DataTable.RowHighlighted, "#images")
    def highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show(str(event.row_key.value))

    @work(exclusive=True, group="gallery-show")
    async def show(self, image_id: str | None) -> None:
        if image_id is None:
            return
        try:
            reply = await self.pixels.client.image(image_id, max_px=PREVIEW_PX)
        except WorkerError as exc:
            self.notify(exc.message, severity="error")
            return
        self.query_one("#large", SpritePreview).show(reply.png or b"")
        params = dict(reply.image.params)
        lines = [f"[b]{reply.image.id}[/b]  {reply.image.width}x{reply.image.height}  seed {reply.image.seed}"]
        lines += [f"[dim]{key}[/] {json.dumps(value) if not isinstance(value, str) else value}"
                  for key, value in sorted(params.items())]
        self.query_one("#params", Static).update("\n".join(lines))

    @work(exclusive=True, group="gallery-view")
    async def action_view(self) -> None:
        image_id = self._selected()
        if image_id is None:
            return
        try:
            reply = await self.pixels.client.image(image_id)
        except WorkerError as exc:
            self.notify(exc.message, severity="error")
            return
        self.pixels.view_full_size(reply.png or b"", f"{image_id}  {reply.image.width}x{reply.image.height}")

    @work(group="gallery-regenerate")
    async def action_regenerate(self, new_seed: bool) -> None:
        image = self.images.get(self._selected() or "")
        if image is None:
            return
        p = image.params
        params = {"negative": p.get("negative", ""), "model": p.get("model"), "width": image.width,
                  "height": image.height, "steps": p.get("steps"), "cfg": p.get("cfg"), "tags": p.get("tags", [])}
        if not new_seed:
            params["seed"] = image.seed
        try:
            job = await self.pixels.client.generate(p.get("prompt", ""), **{k: v for k, v in params.items() if v is not None})
        except WorkerError as exc:
            self.notify(exc.message, severity="error")
            return
        self.notify(f"{job.id} queued with seed {job.seed}")
