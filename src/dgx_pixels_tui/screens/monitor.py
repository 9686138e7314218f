"""Monitor: GPUs, each backend's health, queue depth and throughput over time."""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Label, Sparkline, Static

from dgx_pixels_worker.protocol import WorkerError

from ..messages import HeartbeatArrived, StatusArrived
from ..widgets.fitted_table import FittedTable
from .base import PixelsScreen

if TYPE_CHECKING:
    from dgx_pixels_worker.protocol import messages as m

HISTORY = 120  # samples kept for the sparklines (heartbeats: about two minutes)
# The note and the detail take the width left and wrap, so a narrow terminal shows why a server is down in full.
GPU_WIDTHS = {"gpu": 12, "source": 6, "busy": 4, "memory": 23}
GPU_COLUMNS = ("gpu", "source", "busy", "memory", "note")
BACKEND_WIDTHS = {"backend": 10, "kind": 10, "health": 7, "busy": 4}
BACKEND_COLUMNS = ("backend", "kind", "health", "busy", "detail")


def wrapped(text: str) -> Text:
    """A cell whose text wraps within its column (the row grows)."""
    return Text(text, no_wrap=False, overflow="fold")


def trend(samples: deque[float]) -> list[float]:
    """What a sparkline draws: nothing (a flat baseline) until there are two samples to compare; one sample alone
    would fill the whole box, as if it were a peak."""
    return list(samples) if len(samples) >= 2 else []


class MonitorScreen(PixelsScreen):
    def __init__(self) -> None:
        super().__init__()
        self.status: m.StatusReply | None = None  # the last status, drawn again when the tables change width
        self.depth: deque[float] = deque(maxlen=HISTORY)
        self.rate: deque[float] = deque(maxlen=HISTORY)

    def compose_body(self) -> ComposeResult:
        with Vertical(id="monitor"):
            yield Static("", id="summary")
            for table in (
                FittedTable([(0, GPU_COLUMNS)], GPU_WIDTHS, "note", id="gpus", wrap=True),
                FittedTable([(0, BACKEND_COLUMNS)], BACKEND_WIDTHS, "detail", id="backends", wrap=True),
            ):
                table.show_cursor = False  # figures to read, nothing to pick
                yield table
            with Horizontal(classes="sparks"):
                with Vertical():
                    yield Label("queue depth", id="depth-label")
                    yield Sparkline([], id="depth")
                with Vertical():
                    yield Label("jobs per minute", id="rate-label")
                    yield Sparkline([], id="rate")

    def refresh_from_link(self) -> None:
        self.load()

    @work(exclusive=True, group="monitor-load")
    async def load(self) -> None:
        try:
            self.show_status(await self.pixels.client.status())
        except WorkerError:
            return

    def on_heartbeat_arrived(self, message: HeartbeatArrived) -> None:
        heartbeat = message.heartbeat
        self.depth.append(heartbeat.queued + heartbeat.running)
        self.query_one("#depth", Sparkline).data = trend(self.depth)
        self.query_one("#depth-label", Label).update(
            f"queue depth: {heartbeat.running} running, {heartbeat.queued} queued"
        )

    def on_status_arrived(self, message: StatusArrived) -> None:
        self.show_status(message.status)

    @on(FittedTable.Refitted)
    def refitted(self) -> None:
        if self.status is not None:
            self.fill_tables(self.status)

    def show_status(self, status: m.StatusReply) -> None:
        self.status = status
        self.rate.append(status.throughput.jobs_per_min)
        self.query_one("#rate", Sparkline).data = trend(self.rate)
        self.query_one("#rate-label", Label).update(
            f"jobs per minute: {status.throughput.jobs_per_min:.0f} ({status.throughput.images_per_min:.0f} images)"
        )
        q = status.queue
        self.query_one("#summary", Static).update(
            f"worker {status.worker_version} · up {status.uptime_s / 60:.0f} min · {q['running']} running, "
            f"{q['queued']} queued · {status.throughput.completed_total} completed since start"
            + (f"\n⏸ queue paused: {status.paused.message}" if status.paused else "")
        )
        self.fill_tables(status)

    def fill_tables(self, status: m.StatusReply) -> None:
        gpus = self.query_one("#gpus", FittedTable)
        rows: list[tuple[str, dict[str, object]]] = []
        for n, gpu in enumerate(status.gpus):
            memory = f"{gpu.memory_used / 2**30:.1f}/{gpu.memory_total / 2**30:.1f} GiB"
            busy = f"{gpu.utilization:.0f}%" if gpu.utilization is not None else "?"
            values = {"gpu": gpu.name, "source": gpu.source, "busy": busy, "memory": memory, "note": gpu.note}
            if gpu.unified_memory:
                values["memory"] = memory + " unified"
            rows.append((str(n), {k: wrapped(v) if k == "note" else v for k, v in values.items()}))
        if not status.gpus:
            note = "no NVIDIA GPU here and no ComfyUI server reporting one"
            rows.append(("none", {"gpu": "none", "source": "", "busy": "", "memory": "", "note": wrapped(note)}))
        if gpus.shown:
            gpus.refill(rows, keep=None)
        backends = self.query_one("#backends", FittedTable)
        if backends.shown:
            backends.refill(
                [
                    (
                        backend.name,
                        {
                            "backend": backend.name,
                            "kind": backend.kind,
                            "health": "healthy" if backend.healthy else "down",
                            "busy": f"{backend.running}/{backend.slots}",
                            "detail": wrapped(backend.detail),
                        },
                    )
                    for backend in status.backends
                ],
                keep=backends.selected_key(),
            )
