"""Which queued job runs next: highest priority first, then submission order. No I/O here."""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable

from .record import JobRecord


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

    def replace(self, job: JobRecord) -> bool:
        """Put a queued job's new record in place of its old one, moved by its priority: it keeps its submission
        order among jobs of that priority. False if the job is not queued here."""
        if self.remove(job.id) is None:
            return False
        self.push(job)
        return True

    def pick(
        self,
        accepts: Callable[[JobRecord], bool] = lambda _job: True,
        prefers: Callable[[JobRecord], bool] | None = None,
        max_wait_s: float = 60.0,
    ) -> JobRecord | None:
        """Take the next job this backend `accepts`: the first in order, unless a job of the same priority that
        it `prefers` (its model is already loaded there) comes later. A job waiting longer than `max_wait_s`
        is never passed over, so affinity cannot starve anyone."""
        chosen: int | None = None
        now = time.time()
        for index, (neg_priority, _, job_id) in enumerate(self._order):
            job = self._jobs[job_id]
            if not accepts(job):
                continue
            if chosen is None:
                chosen = index
                if prefers is None or prefers(job) or now - job.created_at >= max_wait_s:
                    break
            elif neg_priority != self._order[chosen][0]:
                break  # affinity never jumps a priority band
            elif prefers is not None and prefers(job):
                chosen = index
                break
        if chosen is None:
            return None
        _, _, job_id = self._order.pop(chosen)
        return self._jobs.pop(job_id)

    def queued(self) -> list[JobRecord]:
        return [self._jobs[job_id] for _, _, job_id in self._order]
