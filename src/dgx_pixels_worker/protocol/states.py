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

    def may_become(self, other: JobState) -> bool:
        return other in TRANSITIONS[self]


# Every change of state a job may make; the job store refuses any other (jobs/store.py).
#   queued  -> running    a slot took it
#   queued  -> cancelled  cancelled before it started
#   queued  -> failed     it could not be started (its start could not be recorded)
#   running -> queued     its server went away, or the worker stopped: it resumes at its next missing image
#   running -> completed | failed | cancelled
# A terminal state is final: a retry is a new job.
TRANSITIONS: dict[JobState, frozenset[JobState]] = {
    JobState.QUEUED: frozenset({JobState.RUNNING, JobState.CANCELLED, JobState.FAILED}),
    JobState.RUNNING: frozenset({JobState.QUEUED, JobState.COMPLETED, JobState.FAILED, JobState.CANCELLED}),
    JobState.COMPLETED: frozenset(),
    JobState.FAILED: frozenset(),
    JobState.CANCELLED: frozenset(),
}


TERMINAL_EVENTS = ("job.completed", "job.failed", "job.cancelled")
