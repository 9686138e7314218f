"""How many jobs and images this worker finished, in all and in the last minute."""

from __future__ import annotations

import time
from collections import deque

from ..protocol.states import JobState
from .record import JobRecord


class Throughput:
    def __init__(self) -> None:
        self.completed_total = 0
        self._completed_at: deque[tuple[float, int]] = deque(maxlen=10_000)  # (when, images) per completed job

    def job_finished(self, job: JobRecord) -> None:
        if job.state is JobState.COMPLETED:
            self.completed_total += 1
            self._completed_at.append((time.time(), job.count))

    def last_minute(self) -> tuple[int, int]:
        """Jobs and images completed in the last 60 seconds."""
        now = time.time()
        recent = [n for at, n in self._completed_at if now - at <= 60]
        return len(recent), sum(recent)
