"""Queue: every job of every client, live; cancel, retry, reorder, open a result."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Static

from dgx_pixels_worker.protocol import JobState, WorkerError

from ..messages import QueueChanged
from ..terminal_format import STATE_STYLE, duration, step_text
from .base import PixelsScreen

if TYPE_CHECKING:
    from dgx_pixels_worker.protocol import messages as m

# The progress column shows the step count; the stage, the whole prompt and a failure's reason are in the
# line under the table, for the job under the cursor, so the columns fit 120 cells.
COLUMNS = ("job", "state", "progress", "model", "prompt", "user", "elapsed", "eta")
BAR_WIDTH = 12
PROMPT_WIDTH = 36


def clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def progress_bar(fraction: float, label: str = "") -> Text:
    """The bar and, after it, `label` (say "4/8") or else the percentage."""
    filled = round(max(0.0, min(1.0, fraction)) * BAR_WIDTH)
    bar = Text("█" * filled, style="green") + Text("░" * (BAR_WIDTH - filled), style="dim")
    return bar + Text(f" {label}" if label else f" {fraction * 100:3.0f}%")


def detail_line(job: m.JobInfo) -> Text:
    """Everything about one job that the columns leave out."""
    parts = [Text(job.id, style="bold"), Text(job.state.value, style=STATE_STYLE.get(job.state.value, ""))]
    if job.state is JobState.RUNNING:
        parts.append(Text(step_text(job.image_index, job.count, job.step, job.total, job.stage)))
    if job.state is JobState.FAILED and job.error:
        parts.append(Text(f"{job.error.message} (r retries)", style="red"))
    parts.append(
        Text(
            f"seed {job.seed} · {job.count} image(s) · priority {job.priority}"
            + (f" · on {job.backend}" if job.backend else "")
        )
    )
    parts.append(Text(" ".join(job.prompt.split()), style="italic"))
    return Text(" · ").join(parts)


def timing(job: m.JobInfo, now: float) -> tuple[str, str]:
    """Elapsed running time, and the time left extrapolated from progress so far."""
    if job.started_at is None:
        return "", ""
    end = job.finished_at or now
    elapsed = end - job.started_at
    if job.state is not JobState.RUNNING or job.progress <= 0.02:
        return duration(elapsed), ""
    return duration(elapsed), duration(elapsed * (1 - job.progress) / job.progress)


class QueueScreen(PixelsScreen):
    AUTO_FOCUS = "#jobs"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("x", "cancel", "Cancel"),
        Binding("r", "retry", "Retry"),
        Binding("plus,equals_sign", "priority(10)", "Priority +"),
        Binding("minus", "priority(-10)", "Priority −"),
        Binding("enter", "open", "Open result"),
    ]

    def compose_body(self) -> ComposeResult:
        table: DataTable[object] = DataTable(id="jobs", cursor_type="row", zebra_stripes=True)
        for column in COLUMNS:
            table.add_column(column.upper(), key=column)
        yield table
        yield Static("", id="job-detail")

    def refresh_from_link(self) -> None:
        self.redraw()

    def on_queue_changed(self, message: QueueChanged) -> None:
        self.redraw(message.job_id)

    def redraw(self, job_id: str | None = None) -> None:
        table = self.query_one("#jobs", DataTable)
        jobs = self.pixels.link.mirror.ordered()
        now = time.time()
        if job_id is not None and job_id in table.rows and self._same_order(table, jobs):
            job = self.pixels.link.mirror.jobs[job_id]
            for column, cell in zip(COLUMNS, self._cells(job, now), strict=True):
                table.update_cell(job_id, column, cell)
            if job_id == self.selected_id():
                self.show_detail()
            return
        selected = self.selected_id()
        table.clear()
        for job in jobs:
            table.add_row(*self._cells(job, now), key=job.id)
        if selected is not None and selected in table.rows:
            table.move_cursor(row=table.get_row_index(selected))
        self.show_detail()

    @on(DataTable.RowHighlighted, "#jobs")
    def show_detail(self) -> None:
        job = self._selected_job()
        self.query_one("#job-detail", Static).update(detail_line(job) if job else "")

    def _same_order(self, table: DataTable[object], jobs: list[m.JobInfo]) -> bool:
        return [str(key.value) for key in table.rows] == [job.id for job in jobs]

    def _cells(self, job: m.JobInfo, now: float) -> list[object]:
        elapsed, eta = timing(job, now)
        steps = f"{job.step}/{job.total}" if job.state is JobState.RUNNING and job.total else ""
        return [
            job.id,
            Text(job.state.value, style=STATE_STYLE.get(job.state.value, "")),
            progress_bar(job.progress, steps),
            job.model,
            clip(" ".join(job.prompt.split()), PROMPT_WIDTH),
            job.user,
            elapsed,
            eta,
        ]

    def selected_id(self) -> str | None:
        table = self.query_one("#jobs", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return str(key.value)

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
        job = self._selected_job()
        if job is None or not job.images:
            self.notify("this job has no image yet", severity="warning")
            return
        self.pixels.open_image(job.images[0])
