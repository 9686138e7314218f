"""Queue: every job of every client, live; cancel, retry, reorder, open a result."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import DataTable, Static

from dgx_pixels_worker.protocol import JobState, WorkerError

from ..messages import PreviewArrived, QueueChanged
from ..previews.widget import SpritePreview
from ..terminal_format import STATE_STYLE, duration, step_text
from ..training_view import NO_STEPS, training_progress
from ..widgets.fitted_table import FittedTable, clip
from .base import PixelsScreen

if TYPE_CHECKING:
    from dgx_pixels_worker.protocol import messages as m

# Narrow terminals keep the columns a user decides by, and the prompt; the rest is in the pane under the table,
# for the job under the cursor.
WIDTHS = {"job": 12, "state": 9, "progress": 18, "step": 7, "model": 14, "user": 8, "elapsed": 7, "eta": 6}
LAYOUTS = [
    (0, ("job", "state", "progress", "prompt", "eta")),
    (100, ("job", "state", "progress", "step", "model", "prompt", "user", "elapsed", "eta")),
]
BAR_WIDTH = 8
REFRESH_S = 1.0  # elapsed and eta of running jobs tick this often


def waiting(job: m.JobInfo) -> bool:
    """Running, but no step yet: the backend has the job and has not begun it (ComfyUI's own queue). A training
    job never has steps: it waits until it has a stage."""
    if job.kind == "training":
        return job.state is JobState.RUNNING and not job.stage
    return job.state is JobState.RUNNING and job.total == 0 and job.step == 0


def progress_cell(job: m.JobInfo, where: str) -> Text:
    """The overall bar, and after it the image being made of a batch (`img 3/16`) or the percentage; a job that
    a backend holds without a step yet says so (`waiting in ComfyUI`)."""
    if waiting(job):
        return Text(f"waiting {where}", style="cyan")
    if job.kind == "training":  # ComfyUI says nothing while it trains: the stage, never a bar
        if job.state is JobState.RUNNING:
            return Text(clip(f"{job.stage}: no steps", WIDTHS["progress"]), style="cyan")
        return Text("trained" if job.state is JobState.COMPLETED else "")
    fraction = max(0.0, min(1.0, job.progress))
    filled = round(fraction * BAR_WIDTH)
    bar = Text("█" * filled, style="green") + Text("░" * (BAR_WIDTH - filled), style="dim")
    if job.state is JobState.RUNNING and job.count > 1:
        return bar + Text(f" img {job.image_index + 1}/{job.count}")
    return bar + Text(f" {fraction * 100:3.0f}%")


def step_cell(job: m.JobInfo) -> str:
    """The step of the image being made (`12/40`), while a job runs."""
    return f"{job.step}/{job.total}" if job.state is JobState.RUNNING and job.total else ""


def detail_text(job: m.JobInfo, where: str) -> Text:
    """Everything about one job that the columns leave out, one fact a line."""
    state = Text(job.state.value, style=STATE_STYLE.get(job.state.value, ""))
    head = Text.assemble(Text(job.id, style="bold"), " · ", state)
    if waiting(job):
        head.append(f" · waiting {where}: the server has the job and has not started it")
    elif job.kind == "training" and job.state is JobState.RUNNING:
        head.append(f" · {training_progress(job, time.time())} · {NO_STEPS}")
    elif job.state is JobState.RUNNING:
        head.append(
            f" · {job.progress * 100:.0f}% · " + step_text(job.image_index, job.count, job.step, job.total, job.stage)
        )
    lines = [head]
    if job.state is JobState.FAILED and job.error:
        lines.append(Text(f"{job.error.message} (r retries)", style="red"))
    lines.append(
        Text(
            f"{job.model} · {job.width}x{job.height} · seed {job.seed} · {job.count} image(s) · priority {job.priority}"
            + f" · by {job.user}"
            + (f" · on {job.backend}" if job.backend else "")
        )
    )
    if job.training is not None:
        t = job.training
        lines[-1] = Text(
            f"LoRA {t.name} on {t.base} · {t.images} images · {t.steps} steps · rank {t.rank} · "
            f"learning rate {t.learning_rate:g} · {t.size}x{t.size} · priority {job.priority} · by {job.user}"
            + (f" · on {job.backend}" if job.backend else "")
        )
    lines.append(Text(" ".join(job.prompt.split()), style="italic"))
    return Text("\n").join(lines)


def timing(job: m.JobInfo, now: float) -> tuple[str, str]:
    """Elapsed running time, and the time left extrapolated from progress so far."""
    if job.started_at is None or job.state is JobState.QUEUED:
        return "", ""
    end = job.finished_at or now
    elapsed = end - job.started_at
    if job.training is not None and job.state is JobState.RUNNING:  # no progress to extrapolate: the estimate
        estimate = job.training.estimate_s
        return duration(elapsed), "" if estimate is None else duration(max(0.0, estimate - elapsed))
    if job.state is not JobState.RUNNING or job.progress <= 0.02:
        return duration(elapsed), ""
    return duration(elapsed), duration(elapsed * (1 - job.progress) / job.progress)


class QueueScreen(PixelsScreen):
    AUTO_FOCUS = "#jobs"
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]  # noqa: RUF012 (Textual types it so)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("x", "cancel", "Cancel"),
        Binding("r", "retry", "Retry"),
        Binding("plus,equals_sign", "priority(10)", "Priority +"),
        Binding("minus", "priority(-10)", "Priority −"),
        Binding("enter", "open", "Open result"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.cursor_job: str | None = None  # the job the cursor is on: it stays on it as rows come and go
        self.previews: dict[str, bytes] = {}  # the newest live preview of each running job
        self.images: dict[str, bytes] = {}  # finished images, shrunk for the pane
        self.shown: tuple[str, str] | None = None  # (job, what) the pane's image is of

    def compose_body(self) -> ComposeResult:
        yield FittedTable(LAYOUTS, WIDTHS, "prompt", id="jobs", zebra_stripes=True)
        with Horizontal(id="job-pane"):
            yield SpritePreview(id="job-preview", checkerboard=True, placeholder="no image")
            yield Static("", id="job-detail")

    def on_mount(self) -> None:
        self.set_interval(REFRESH_S, self.tick)

    def refresh_from_link(self) -> None:
        self.redraw()

    def on_queue_changed(self, message: QueueChanged) -> None:
        self.redraw(message.job_id)

    def on_preview_arrived(self, message: PreviewArrived) -> None:
        preview = message.preview
        self.previews[preview.job_id] = preview.data
        if preview.job_id == self.selected_id():
            self.show_image()

    @property
    def table(self) -> FittedTable:
        return self.query_one("#jobs", FittedTable)

    def where(self, job: m.JobInfo) -> str:
        """Where a running job waits before its first step: in ComfyUI when its backend is a ComfyUI server."""
        hello = self.pixels.link.hello
        backends = {b.name: b.kind for b in hello.backends} if hello is not None else {}
        return "in ComfyUI" if backends.get(job.backend or "") == "comfyui" else "to start"

    @on(FittedTable.Refitted, "#jobs")
    def refitted(self) -> None:
        self.redraw()

    def redraw(self, job_id: str | None = None) -> None:
        if not self.table.shown:
            return  # the columns come with the table's first size
        table = self.table
        mirror = self.pixels.link.mirror
        jobs = mirror.ordered()
        now = time.time()
        if job_id is not None and job_id in table.rows and job_id in mirror.jobs and self._same_order(jobs):
            self._update_row(mirror.jobs[job_id], now)
            if job_id == self.selected_id():
                self.show_detail()
            return
        table.refill([(job.id, self._values(job, now)) for job in jobs], keep=self.cursor_job)
        self.cursor_job = self.selected_id()
        self.show_detail()

    def tick(self) -> None:
        """Elapsed and eta of running jobs move on with the clock."""
        now = time.time()
        for job in self.pixels.link.mirror.jobs.values():
            if job.state is JobState.RUNNING and job.id in self.table.rows:
                self._update_row(job, now)

    def _update_row(self, job: m.JobInfo, now: float) -> None:
        for column, cell in zip(self.table.shown, self.table.row_cells(self._values(job, now)), strict=True):
            self.table.update_cell(job.id, column, cell)

    @on(DataTable.RowHighlighted, "#jobs")
    def highlighted(self) -> None:
        self.cursor_job = self.selected_id()
        self.show_detail()

    @on(DataTable.RowSelected, "#jobs")
    def selected(self) -> None:
        self.action_open()

    def show_detail(self) -> None:
        job = self._selected_job()
        self.query_one("#job-detail", Static).update(detail_text(job, self.where(job)) if job else "")
        self.show_image()

    def show_image(self) -> None:
        """The highlighted job's image: its live preview while it runs, else its newest finished image."""
        job = self._selected_job()
        preview = self.query_one("#job-preview", SpritePreview)
        if job is None:
            self.shown = None
            preview.image = None
            return
        if job.state is JobState.RUNNING and job.id in self.previews:
            data = self.previews[job.id]
            self.shown = (job.id, f"preview {hash(data)}")
            preview.show(data, frames=job.frames, tile=job.tile)
            return
        if not job.images:
            self.shown = (job.id, "")
            preview.placeholder = "no image yet" if job.state is JobState.RUNNING else "no image"
            preview.image = None
            return
        image_id = job.images[-1]
        if self.shown == (job.id, image_id):
            return
        self.shown = (job.id, image_id)
        if image_id in self.images:
            preview.show(self.images[image_id], frames=job.frames, tile=job.tile)
        else:
            self.load_image(job, image_id)

    @work(exclusive=True, group="queue-image")
    async def load_image(self, job: m.JobInfo, image_id: str) -> None:
        png = await self.preview_png(image_id)
        if png is None:
            return
        self.images[image_id] = png
        if self.shown == (job.id, image_id):  # an animation plays, a tile shows 3 x 3, as in the Gallery
            self.query_one("#job-preview", SpritePreview).show(png, frames=job.frames, tile=job.tile)

    def _same_order(self, jobs: list[m.JobInfo]) -> bool:
        return [str(key.value) for key in self.table.rows] == [job.id for job in jobs]

    def _values(self, job: m.JobInfo, now: float) -> dict[str, object]:
        elapsed, eta = timing(job, now)
        return {
            "job": job.id,
            "state": Text(job.state.value, style=STATE_STYLE.get(job.state.value, "")),
            "progress": progress_cell(job, self.where(job)),
            "step": step_cell(job),
            "model": clip(job.model, WIDTHS["model"]),
            "prompt": clip(" ".join(job.prompt.split()), self.table.flexible_width),
            "user": clip(job.user, WIDTHS["user"]),
            "elapsed": elapsed,
            "eta": eta,
        }

    def selected_id(self) -> str | None:
        return self.table.selected_key()

    def _selected_job(self) -> m.JobInfo | None:
        job_id = self.selected_id()
        return self.pixels.link.mirror.jobs.get(job_id) if job_id else None

    def action_cancel(self) -> None:
        job = self._selected_job()
        if job is not None:
            self.request("cancel", job.id)

    def action_retry(self) -> None:
        job = self._selected_job()
        if job is not None:
            self.request("retry", job.id)

    def action_priority(self, delta: int) -> None:
        job = self._selected_job()
        if job is not None:
            self.request("priority", job.id, max(-100, min(100, job.priority + delta)))

    @work(group="queue-actions")
    async def request(self, kind: str, job_id: str, priority: int = 0) -> None:
        client = self.pixels.client
        try:
            if kind == "cancel":
                job = await client.cancel(job_id)
                self.notify(f"{job.id} cancelled" if job.state.terminal else f"{job.id} is stopping")
            elif kind == "retry":
                job = await client.retry(job_id)
                self.notify(f"{job.id} queued again as a new job (retry of {job_id})")
            else:
                job = await client.set_priority(job_id, priority)
                self.notify(f"{job.id} priority {job.priority}")
        except WorkerError as exc:
            self.notify(exc.message, severity="error")

    def action_open(self) -> None:
        """The job's newest image in the Gallery."""
        job = self._selected_job()
        if job is None:
            return
        if not job.images:
            self.notify(f"{job.id} has no image yet", severity="warning")
            return
        self.pixels.open_image(job.images[-1])
