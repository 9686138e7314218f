"""Which queued job runs next: highest priority first, then submission order. No I/O here."""

from __future__ import annotations

import bisect
from collections.abc import Callable

from .store import JobRecord


class Scheduler:
    def __init__(self) -> None:
        self._order: list[tuple[int, int, str]] = []  # (-priority, seq, job id), kept sorted
        self._jobs: dict[str, JobRecord] = {}

    def __len__(self) -> int:
        return len(self._jobs)

    def __contains__(self, job_id: str) -> bool:
        return job_id in self._jobs

    def get(self, job_id: str) -> JobRecord | None:
        return self._jobs.get(job_id)

    def push(self, job: JobRecord) -> None:
        if job.id in self._jobs:
            return
        self._jobs[job.id] = job
        bisect.insort(self._order, (-job.priority, job.seq, job.id))

    def remove(self, job_id: str) -> JobRecord | None:
        job = self._jobs.pop(job_id, None)
        if job is not None:
            self._order.remove((-job.priority, job.seq, job.id))
        return job

    def pick(self, accepts: Callable[[JobRecord], bool] = lambda _job: True) -> JobRecord | None:
        """Take the first job in order that `accepts` allows (a backend passes what it can run)."""
        for index, (_, _, job_id) in enumerate(self._order):
            job = self._jobs[job_id]
            if accepts(job):
                del self._order[index]
                del self._jobs[job_id]
                return job
        return None

    def queued(self) -> list[JobRecord]:
        return [self._jobs[job_id] for _, _, job_id in self._order]
