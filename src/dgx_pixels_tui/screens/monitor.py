"""Monitor: GPUs, each backend's health, queue depth and throughput over time."""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Label, Sparkline, Static

from dgx_pixels_worker.protocol import WorkerError

from ..messages import HeartbeatArrived, StatusArrived
from .base import PixelsScreen

if TYPE_CHECKING:
    from dgx_pixels_worker.protocol import messages as m

HISTORY = 120  # samples kept for the sparklines (heartbeats: about two minutes)


def trend(samples: deque[float]) -> list[float]:
    """What a sparkline draws: nothing (a flat baseline) until there are two samples to compare; one sample alone
    would fill the whole box, as if it were a peak."""
    return list(samples) if len(samples) >= 2 else []


class MonitorScreen(PixelsScreen):
    def __init__(self) -> None:
        super().__init__()
        self.depth: deque[float] = deque(maxlen=HISTORY)
        self.rate: deque[float] = deque(maxlen=HISTORY)

    def compose_body(self) -> ComposeResult:
        with Vertical(id="monitor"):
            yield Static("", id="summary")
            gpus: DataTable[object] = DataTable(id="gpus")
            for column in ("gpu", "source", "busy", "memory", "note"):
                gpus.add_column(column.upper(), key=column)
            yield gpus
            backends: DataTable[object] = DataTable(id="backends")
            for column in ("backend", "kind", "health", "busy", "detail"):
                backends.add_column(column.upper(), key=column)
            yield backends
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

    def show_status(self, status: m.StatusReply) -> None:
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
        gpus = self.query_one("#gpus", DataTable)
        gpus.clear()
        for gpu in status.gpus:
            busy = f"{gpu.utilization:.0f}%" if gpu.utilization is not None else "?"
            memory = f"{gpu.memory_used / 2**30:.1f}/{gpu.memory_total / 2**30:.1f} GiB"
            memory += " unified" if gpu.unified_memory else ""
            gpus.add_row(gpu.name, gpu.source, busy, memory, gpu.note)
        if not status.gpus:
            gpus.add_row("none", "", "", "", "no NVIDIA GPU here and no ComfyUI server reporting one")
        backends = self.query_one("#backends", DataTable)
        backends.clear()
        for backend in status.backends:
            health = "healthy" if backend.healthy else "down"
            backends.add_row(backend.name, backend.kind, health, f"{backend.running}/{backend.slots}", backend.detail)
