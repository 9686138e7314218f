"""Plain-text formatting shared by commands: durations, ages, sizes, job tables."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
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


def step_text(image_index: int, count: int, step: int, total: int, stage: str) -> str:
    """'step 3/8 shaping knight', or 'image 2/12 · step 3/8 shaping knight' for a batch; the stage alone
    while no step is known (waiting in ComfyUI, requeued)."""
    text = f"step {step}/{total} {stage}".rstrip() if total else stage or "waiting"
    return f"image {image_index + 1}/{count} · {text}" if count > 1 else text


def pipeline_text(record: list[dict[str, Any]]) -> str:
    """'grid 8px 1024x1024→128x128 · background #1d2b53 · quantize 87→16 colours' from a post-processing record."""
    parts = []
    for step in record:
        found, op = step.get("found", {}), step.get("op", "?")
        if op == "grid" and found.get("found") is False:
            parts.append(str(found.get("reason") or "no pixel grid found").split(" (")[0])
        elif op == "grid" and found:
            source = found.get("source_size") or ["?", "?"]
            parts.append(
                f"grid {found.get('pitch_x', 0):g}px {source[0]}x{source[1]}→{found.get('width')}x{found.get('height')}"
            )
        elif op in ("quantize", "palette") and "colors_after" in found:
            name = f" {found['palette']}" if op == "palette" else ""
            parts.append(f"{op}{name} {found.get('colors_before')}→{found['colors_after']} colours")
        elif op == "background":
            parts.append(f"background {found.get('color') or 'none found'}")
        elif op == "recolor" and "colors_after" in found:
            parts.append(
                f"recolor → {found.get('palette')} {found.get('colors_before')}→{found['colors_after']} colours"
            )
        elif op == "mirror":
            parts.append("mirror " + ("left-right" if found.get("axis", "x") == "x" else "top-bottom"))
        else:
            parts.append(op)
    return " · ".join(parts)


def console() -> Console:
    """A console for tables; when piped, wide enough that nothing a script greps for is cut."""
    out = Console()
    return out if out.is_terminal else Console(width=200)


def job_table(jobs: list[JobInfo], now: float | None = None) -> Table:
    """One row per job; short columns never shrink, the prompt and progress give way on narrow terminals."""
    now = now or time.time()
    rows = [_row(job, now) for job in jobs]
    table = Table(box=None, pad_edge=False, header_style="bold")
    for index, column in enumerate(("JOB", "STATE", "PROGRESS", "MODEL", "SIZE", "N", "PROMPT", "AGE", "USER")):
        widest = max([len(column), *(len(_plain(row[index])) for row in rows)])
        if column == "PROGRESS":
            table.add_column(column, no_wrap=True, overflow="ellipsis", min_width=10, max_width=44)
        elif column == "PROMPT":
            table.add_column(column, no_wrap=True, overflow="ellipsis", min_width=12, ratio=1)
        else:
            table.add_column(column, no_wrap=True, min_width=min(widest, 16), max_width=16, overflow="ellipsis")
    for row in rows:
        table.add_row(*row)
    return table


def _row(job: JobInfo, now: float) -> list[str]:
    state = job.state.value
    if job.kind == "training" and state in ("queued", "running", "completed"):
        from .training_view import training_progress  # it draws on this module's durations

        progress = "trained" if state == "completed" else training_progress(job, now)
    elif state == "running":
        progress = f"{job.progress * 100:3.0f}% {step_text(job.image_index, job.count, job.step, job.total, job.stage)}"
    elif state == "failed" and job.error:
        progress = job.error.message
    else:
        progress = f"{job.progress * 100:3.0f}%"
    return [
        job.id,
        f"[{STATE_STYLE.get(state, '')}]{state}[/]",
        progress,
        job.model,
        f"{job.width}x{job.height}",
        str(job.count),
        " ".join(job.prompt.split()),
        ago(job.created_at, now),
        job.user,
    ]


def _plain(cell: str) -> str:
    return Text.from_markup(cell).plain
