"""The jobs in memory: queued ones in the scheduler, running ones with their task and live progress, and held ones,
whose next state waits for disk space to be written (jobs/pause.py). Only jobs/lifecycle.py changes what is here,
after the store has recorded the change."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from .record import JobRecord
from .scheduler import Scheduler


@dataclass
class LiveProgress:
    """Where a running job is, as the last progress event from its backend said."""

    progress: float = 0.0
    image_index: int = 0
    step: int = 0
    total: int = 0
    stage: str = ""
    last_progress_at: float = 0.0
    last_preview_at: float = 0.0
    began: bool = False  # its task has run at least one step


@dataclass
class RunningJob:
    record: JobRecord
    live: LiveProgress
    task: asyncio.Task[None] | None = None
    cancel_requested: bool = False


@dataclass
class ActiveJobs:
    queued: Scheduler = field(default_factory=Scheduler)
    running: dict[str, RunningJob] = field(default_factory=dict)
    held: dict[str, JobRecord] = field(default_factory=dict)  # as stored, until their next state can be written
    _wakeups: list[asyncio.Event] = field(default_factory=list)  # one per slot, set when work may be waiting

    def find(self, job_id: str) -> JobRecord | None:
        running = self.running.get(job_id)
        if running is not None:
            return running.record
        return self.held.get(job_id) or self.queued.get(job_id)

    def ids_with_prefix(self, prefix: str) -> list[str]:
        """The live jobs whose id starts with `prefix`, ignoring case as JobStore.ids_with_prefix (SQL LIKE) does."""
        live = [*self.running, *self.held, *(job.id for job in self.queued.queued())]
        return [job_id for job_id in dict.fromkeys(live) if job_id.lower().startswith(prefix.lower())]

    def running_records(self) -> list[JobRecord]:
        return [running.record for running in self.running.values()]

    def new_wakeup(self) -> asyncio.Event:
        wakeup = asyncio.Event()
        self._wakeups.append(wakeup)
        return wakeup

    def wake_slots(self) -> None:
        for wakeup in self._wakeups:
            wakeup.set()
