"""Plain-text formatting shared by commands: durations, ages, sizes, job tables."""

from __future__ import annotations

import time

from rich.console import Console
from rich.table import Table

from dgx_pixels_worker.protocol.messages import JobInfo

STATE_STYLE = {"queued": "yellow", "running": "cyan", "completed": "green", "failed": "red", "cancelled": "dim"}


def duration(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.1f}s" if seconds < 10 else f"{seconds:.0f}s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def ago(timestamp: float, now: float | None = None) -> str:
    return duration((now or time.time()) - timestamp) + " ago"


def shorten(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def console() -> Console:
    """A console for tables; when piped, wide enough that nothing a script greps for is cut."""
    out = Console()
    return out if out.is_terminal else Console(width=200)


def job_table(jobs: list[JobInfo], now: float | None = None) -> Table:
    now = now or time.time()
    table = Table(box=None, pad_edge=False, header_style="bold")
    for column in ("JOB", "STATE", "PROGRESS", "MODEL", "SIZE", "N"):
        table.add_column(column, no_wrap=True, min_width=len(column) if column in ("PROGRESS", "MODEL") else None)
    table.add_column("PROMPT", overflow="ellipsis", no_wrap=True, ratio=1)
    table.add_column("USER", no_wrap=True, overflow="ellipsis", max_width=12)
    table.add_column("AGE", no_wrap=True)
    for job in jobs:
        state = job.state.value
        if job.state.value == "running":
            progress = f"{job.progress * 100:3.0f}% {job.step}/{job.total} {job.stage}".rstrip()
        elif job.state.value == "failed" and job.error:
            progress = shorten(job.error.message, 40)
        else:
            progress = f"{job.progress * 100:3.0f}%"
        table.add_row(
            job.id, f"[{STATE_STYLE.get(state, '')}]{state}[/]", progress, job.model, f"{job.width}x{job.height}",
            str(job.count), shorten(job.prompt, 36), job.user, ago(job.created_at, now),
        )
    return table
