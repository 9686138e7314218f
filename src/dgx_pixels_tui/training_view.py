"""What the command line and the TUI say about training: a training job's progress (a stage and the time, never a
step bar: ComfyUI sends no step progress while it trains), a trained preset's verdict against its base, a dataset
item's line. Plain Python, no Textual."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .terminal_format import duration

if TYPE_CHECKING:
    from dgx_pixels_worker.protocol import messages as m

# The worker's defaults (docs/training.md), shown as placeholders until a reply says otherwise.
DEFAULT_STEPS = 400
DEFAULT_RANK = 16
DEFAULT_LEARNING_RATE = 0.0002
NO_STEPS = "no step progress from ComfyUI while training"


def training_progress(job: m.JobInfo, now: float) -> str:
    """'training · 3m12s of about 15m00s', or '… (no estimate yet: a first run)'; the stage alone while queued."""
    stage = job.stage or job.state.value
    if job.started_at is None or job.state.value != "running":
        return stage
    elapsed = duration(now - job.started_at)
    estimate = job.training.estimate_s if job.training is not None else None
    if estimate is None:
        return f"{stage} · {elapsed} (no estimate yet: a first run here)"
    return f"{stage} · {elapsed} of about {duration(estimate)}"


def percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f}%"


def verdict_text(result: m.HeadToHead) -> str:
    """'beats sdxl-base: 75% (46–91%) in 10 games', 'undecided vs sdxl-base: …', 'untested against sdxl-base: …'."""
    if result.verdict == "untested" or not result.games:
        return f"untested against {result.base}: `dgx-pixels train evaluate {result.model}`"
    interval = (
        f" ({result.ci_low * 100:.0f}–{result.ci_high * 100:.0f}%)"
        if result.ci_low is not None and result.ci_high is not None
        else ""
    )
    against = f"{result.verdict} {result.base}" if result.verdict != "undecided" else f"undecided vs {result.base}"
    return f"{against}: {percent(result.win_rate)}{interval} in {result.games} games"


def size_text(entry: m.DatasetEntry) -> str:
    return f"{entry.width}x{entry.height}" if entry.width and entry.height else "–"


def problem_advice(problems: list[str]) -> str:
    """The worker's problems in one message, with what to do."""
    return "the dataset cannot be trained on: " + "; ".join(problems) + " (drop or replace those images)"
