"""Job states and the events that end a job: plain enums and tuples, cheap to import (no pydantic)."""

from __future__ import annotations

from enum import StrEnum


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def terminal(self) -> bool:
        return self in (JobState.COMPLETED, JobState.FAILED, JobState.CANCELLED)


TERMINAL_EVENTS = ("job.completed", "job.failed", "job.cancelled")
