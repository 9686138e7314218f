"""Gallery: outputs newest first, filtered by prompt text, model or tag; a large preview with every parameter."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Input, Static

from dgx_pixels_worker.protocol import WorkerError

from ..bevy_export import (
    BevyExportError,
    ExportItem,
    export_item,
    export_to_bevy,
    sheet_item,
    sprite_name,
)
from ..lint_checks import Failure, failures, summary
from ..messages import JobFinished
from ..previews.frames import repeated_png, shape_text
from ..previews.widget import SpritePreview
from ..terminal_format import pipeline_text
from ..variation_params import remade_params, variant_steps, variation_params
from ..widgets.fitted_table import FittedTable, clip
from .base import PREVIEW_PX, PixelsScreen
from .export_dialog import ExportDialog, ExportTarget
from .variant_dialog import VariantDialog, VariantRequest
from .vary_dialog import VaryDialog, VaryRequest

if TYPE_CHECKING:
    from dgx_pixels_worker.protocol import messages as m

PAGE = 60
# The prompt stays readable however narrow: under 60 cells the list is image and prompt, then the model and
# the date join, and from 90 the size (the preview's caption says it in any case).
WIDTHS = {"image": 17, "model": 14, "size": 9, "made": 11}
LAYOUTS = [
    (0, ("image", "prompt")),
    (60, ("image", "prompt", "model", "made")),
    (90, ("image", "prompt", "model", "size", "made")),
]


class GalleryScreen(PixelsScreen):
    AUTO_FOCUS = "#images"  # arrow keys browse at once; "/" goes to the filter
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter", "Filter"),
        Binding("r", "regenerate(False)", "Same seed"),
        Binding("n", "regenerate(True)", "New seed"),
        Binding("V", "vary", "Vary"),
        Binding("c", "variant", "Recolour/mirror"),
        Binding("v", "view", "Full size"),
        Binding("w", "toggle_raw", "Raw/processed"),
        Binding("space", "mark", "Mark"),
        Binding("e", "export", "Export to Bevy"),
        Binding("escape", "focus_list", "List", show=False),
    ]
    # Left out of a narrow footer: the image's caption says what w does, and F1 lists c
    FOOTER_SPARES: ClassVar[frozenset[str]] = frozenset({"toggle_raw", "variant"})

    def __init__(self) -> None:
        super().__init__()
        self.images: dict[str, m.ImageInfo] = {}  # what the list shows, by id
        self.show_raw = False  # the render before post-processing, where there was any
        self.marked: list[str] = []  # images picked for one export or sheet, in the order picked
        self.export_target = ExportTarget(_default_project(), "misc")
        self.varying: set[str] = set()  # variation jobs queued here: the first image of each is shown when done

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="gallery"):
            with Vertical(id="browse"):
                yield Input(placeholder="filter: words of the prompt, model:NAME, tag:TAG", id="filter")
                yield FittedTable(LAYOUTS, WIDTHS, "prompt", id="images")
            with Vertical(id="detail"):
                yield SpritePreview(id="large")
                yield Static("", id="params")

    def refresh_from_link(self) -> None:
        self.load()

    def on_job_finished(self, message: JobFinished) -> None:
        if message.job.id in self.varying and message.job.images:
            self.varying.discard(message.job.id)
            self.pixels.pending_image = message.job.images[0]
        if message.job.images:
            self.load()

    def action_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_focus_list(self) -> None:
        self.query_one("#images", DataTable).focus()

    @on(Input.Submitted, "#filter")
    def filter_submitted(self) -> None:
        self.load()
        self.action_focus_list()

    def _filters(self) -> tuple[str, str | None, str | None]:
        """(words of the prompt, model, tag) from the filter line."""
        words, model, tag = [], None, None
        for word in self.query_one("#filter", Input).value.split():
            if word.startswith("model:"):
                model = word[6:] or None
            elif word.startswith("tag:"):
                tag = word[4:] or None
            else:
                words.append(word)
        return " ".join(words), model, tag

    @work(exclusive=True, group="gallery-load")
    async def load(self) -> None:
        try:
            query, model, tag = self._filters()
            reply = await self.pixels.client.images(query, model, tag, limit=PAGE)
        except WorkerError as exc:
            self.notify(exc.message, severity="error")
            return
        table = self.query_one("#images", FittedTable)
        wanted = self.pixels.pending_image or self._selected()
        self.pixels.pending_image = None
        self.images = {image.id: image for image in reply.images}
        table.border_title = f"{len(reply.images)} of {reply.total}"
        self.fill(wanted)

    @on(FittedTable.Refitted, "#images")
    def refitted(self) -> None:
        self.fill(self._selected())

    def fill(self, wanted: str | None) -> None:
        """The list's rows from the images loaded, the cursor on `wanted` when it is among them."""
        table = self.query_one("#images", FittedTable)
        if not table.shown:
            return  # the columns come with the table's first size
        table.refill([(image.id, self._values(image, table.flexible_width)) for image in self.images.values()], wanted)
        if table.row_count:
            self.show(self._selected())

    def _values(self, image: m.ImageInfo, prompt_width: int) -> dict[str, object]:
        return {
            "image": self._id_cell(image.id),
            "prompt": clip(" ".join(str(image.params.get("prompt", "")).split()), prompt_width),
            "model": clip(str(image.params.get("model", "")), WIDTHS["model"]),
            "size": f"{image.width}x{image.height}",
            "made": time.strftime("%m-%d %H:%M", time.localtime(image.created_at)),
        }

    def _selected(self) -> str | None:
        return self.query_one("#images", FittedTable).selected_key()

    @on(DataTable.RowHighlighted, "#images")
    def highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show(str(event.row_key.value))

    @work(exclusive=True, group="gallery-show")
    async def show(self, image_id: str | None) -> None:
        if image_id is None:
            return
        info = self.images.get(image_id)
        raw = self.show_raw and info is not None and info.raw_path is not None
        try:
            reply = await self.pixels.client.image(image_id, max_px=PREVIEW_PX, raw=raw)
        except WorkerError as exc:
            self.notify(exc.message, severity="error")
            return
        image = reply.image
        self.query_one("#large", SpritePreview).show(reply.png or b"", frames=image.frames, tile=image.tile)
        params = dict(reply.image.params)
        record = params.pop("postprocess", None)
        params.pop("lint", None)  # shown on its own line, as figures
        shown = "raw render" if raw else ("processed; w shows the raw render" if reply.image.raw_path else "")
        shape = shape_text(image.frames, image.motion, image.tile)
        lines = [f"[b]{image.id}[/b]  {image.width}x{image.height}{shape}  seed {image.seed}  {shown}"]
        if reply.image.lint is not None:
            lines.append(f"[dim]quality[/] {self._figures(reply.image.lint.model_dump())}")
        if record:
            lines.append(f"[dim]post-processing[/] {pipeline_text(record)}")
        lines += [
            f"[dim]{key}[/] {json.dumps(value) if not isinstance(value, str) else value}"
            for key, value in sorted(params.items())
        ]
        self.query_one("#params", Static).update("\n".join(lines))

    def _figures(self, lint: dict[str, object]) -> str:
        """The image's quality figures on one line, those past the [lint] thresholds marked."""
        return summary(lint, {f.check for f in self._failures(lint)}, markup=True)

    def _failures(self, lint: dict[str, object]) -> list[Failure]:
        from dgx_pixels_worker.settings.config import LintSettings  # pydantic: loaded after the first frame

        return failures(lint, self.pixels.lint_limits or LintSettings())

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
        png, size = reply.png or b"", f"{reply.image.width}x{reply.image.height}"
        if reply.image.tile:  # as the preview shows it: the seams are where the copies meet
            png, size = await asyncio.to_thread(repeated_png, png), f"{size} tile, shown 3 × 3"
        self.pixels.view_full_size(png, f"{image_id}  {size}")

    def action_toggle_raw(self) -> None:
        self.show_raw = not self.show_raw
        self.show(self._selected())

    def _id_cell(self, image_id: str) -> str:
        return f"✓ {image_id}" if image_id in self.marked else f"  {image_id}"

    def action_mark(self) -> None:
        image_id = self._selected()
        if image_id is None:
            return
        if image_id in self.marked:
            self.marked.remove(image_id)
        else:
            self.marked.append(image_id)
        self.query_one("#images", DataTable).update_cell(image_id, "image", self._id_cell(image_id))
        self.notify(f"{len(self.marked)} marked: e exports them, one by one or as a sheet", timeout=3)

    def action_export(self) -> None:
        selected = self._selected()
        chosen = list(self.marked) or ([selected] if selected else [])
        if not chosen:
            return
        what = chosen[0] if len(chosen) == 1 else f"{len(chosen)} marked images"
        t = self.export_target
        failing: dict[str, str] = {}  # the dialog asks before exporting these
        for image_id in chosen:
            image = self.images.get(image_id)
            found = self._failures(image.lint.model_dump()) if image is not None and image.lint is not None else []
            if found:
                failing[image_id] = ", ".join(f.brief for f in found)
        animated = any(self.images[i].frames > 1 for i in chosen if i in self.images)
        dialog = ExportDialog(
            what, t.project, t.category, offer_sheet=len(chosen) > 1, failing=failing, animated=animated
        )
        self.app.push_screen(dialog, lambda target: self._export(chosen, target))

    def _export(self, image_ids: list[str], target: ExportTarget | None) -> None:
        if target is not None:
            self.export_target = target
            self.export_images(image_ids, target)

    @work(group="gallery-export")
    async def export_images(self, image_ids: list[str], target: ExportTarget) -> None:
        try:
            replies = [await self.pixels.client.image(image_id) for image_id in image_ids]
            items: list[ExportItem] = [
                export_item(
                    sprite_name(r.image.params),
                    r.png or b"",
                    {**r.image.params, "image_id": r.image.id, "frames": r.image.frames, "tile": r.image.tile}
                    | ({"motion": r.image.motion} if r.image.motion else {}),
                )
                for r in replies
            ]
            if target.sheet:
                items = [await asyncio.to_thread(sheet_item, items)]
            written = await asyncio.to_thread(export_to_bevy, Path(target.project), target.category, items)
        except (WorkerError, BevyExportError, ValueError) as exc:
            self.notify(getattr(exc, "message", str(exc)), severity="error", timeout=8)
            return
        self.marked.clear()
        self.load()
        self.notify(f"exported to {written[0]}" + (f" and {len(items) - 1} more" if len(items) > 1 else ""), timeout=6)

    @work(group="gallery-regenerate")
    async def action_regenerate(self, new_seed: bool) -> None:
        image = self.images.get(self._selected() or "")
        if image is None:
            return
        params = remade_params(image.params, (image.width, image.height), image.frames, image.motion, image.tile)
        if not new_seed:
            params["seed"] = image.seed
        try:
            job = await self.pixels.client.generate(image.params.get("prompt", ""), **params)
        except WorkerError as exc:
            self.notify(exc.message, severity="error")
            return
        self.notify(f"{job.id} queued with seed {job.seed}")

    @work(exclusive=True, group="gallery-variant")
    async def action_variant(self) -> None:
        image = self.images.get(self._selected() or "")
        if image is None:
            return
        try:
            palettes = await self.pixels.client.palettes()
        except WorkerError as exc:
            self.notify(exc.message, severity="error")
            return
        names = [palette.name for palette in palettes if palette.colors]
        dialog = VariantDialog(f"{image.id} ({image.width}x{image.height})", names)
        self.app.push_screen(dialog, lambda chosen: self._variant(image, chosen))

    def _variant(self, image: m.ImageInfo, chosen: VariantRequest | None) -> None:
        if chosen is not None:
            self.make_variant(image, chosen)

    @work(group="gallery-variant-make")
    async def make_variant(self, image: m.ImageInfo, chosen: VariantRequest) -> None:
        """The image made again with its own seed and settings, then recoloured and/or mirrored."""
        params = remade_params(image.params, (image.width, image.height), image.frames, image.motion, image.tile)
        params["postprocess"] = [*params.get("postprocess", []), *variant_steps(chosen.recolor_to, chosen.mirror)]
        try:
            job = await self.pixels.client.generate(image.params.get("prompt", ""), seed=image.seed, **params)
        except WorkerError as exc:
            self.notify(exc.message, severity="error", timeout=8)
            return
        self.varying.add(job.id)
        self.notify(f"{job.id} queued: {chosen.describe()} of {image.id}; shown here when done", timeout=6)

    def action_vary(self) -> None:
        image = self.images.get(self._selected() or "")
        if image is None:
            return
        dialog = VaryDialog(f"{image.id} ({image.width}x{image.height})", str(image.params.get("prompt", "")))
        self.app.push_screen(dialog, lambda chosen: self._vary(image, chosen))

    def _vary(self, image: m.ImageInfo, chosen: VaryRequest | None) -> None:
        if chosen is not None:
            self.vary_image(image, chosen)

    @work(group="gallery-vary")
    async def vary_image(self, image: m.ImageInfo, chosen: VaryRequest) -> None:
        size = (image.width, image.height)
        params = variation_params(image.id, image.params, size, image.frames, chosen.count, chosen.strength)
        try:
            job = await self.pixels.client.generate(chosen.prompt, **params)
        except WorkerError as exc:
            self.notify(exc.message, severity="error", timeout=8)
            return
        self.varying.add(job.id)
        self.notify(f"{job.id} queued: {job.count} variations of {image.id}; shown here when done", timeout=6)


def _default_project() -> str:
    """This folder when it is a Rust project (people often start the TUI in their game's folder)."""
    return str(Path.cwd()) if (Path.cwd() / "Cargo.toml").is_file() else ""
