"""A client's copy of the worker's queue, kept current by snapshots and events."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from ..protocol.states import JobState

if TYPE_CHECKING:
    from ..protocol import messages as m
    from .events import StreamItem


class QueueMirror:
    def __init__(self) -> None:
        self.jobs: dict[str, m.JobInfo] = {}

    def apply(self, item: StreamItem) -> str | None:
        """Fold one stream item in; return the id of the job it changed, if any."""
        from ..protocol import (
            messages as m,  # items exist only once the client library is loaded
        )
        from .events import Event, Snapshot

        if isinstance(item, Snapshot):
            self.jobs = {job.id: job for job in item.jobs}
            return None
        if not isinstance(item, Event):
            return None
        body = item.body
        if isinstance(body, m.JobEvent):
            self.jobs[body.job.id] = body.job
            return body.job.id
        if isinstance(body, m.JobStarted) and body.job_id in self.jobs:
            # The worker stamps each attempt's start in its store; the event carries no time, so the start is
            # when the event arrived. A requeued job counts from this attempt, with no progress yet.
            job = self.jobs[body.job_id]
            self.jobs[body.job_id] = job.model_copy(
                update={
                    "state": JobState.RUNNING,
                    "backend": body.backend,
                    "attempts": body.attempt,
                    "started_at": time.time(),
                    "finished_at": None,
                    "progress": 0.0,
                    "image_index": 0,
                    "step": 0,
                    "total": 0,
                    "stage": "",
                }
            )
            return body.job_id
        if isinstance(body, m.JobProgress) and body.job_id in self.jobs:
            job = self.jobs[body.job_id]
            self.jobs[body.job_id] = job.model_copy(
                update={
                    "progress": body.progress,
                    "image_index": body.image_index,
                    "step": body.step,
                    "total": body.total,
                    "stage": body.stage,
                }
            )
            return body.job_id
        return None

    def ordered(self) -> list[m.JobInfo]:
        """Running first, then queued by priority and age, then finished, newest first."""
        rank = {JobState.RUNNING: 0, JobState.QUEUED: 1}

        def key(job: m.JobInfo) -> tuple[int, float, float]:
            group = rank.get(job.state, 2)
            if group == 1:
                return (group, -job.priority, job.created_at)
            return (group, 0.0, -(job.finished_at or job.started_at or job.created_at))

        return sorted(self.jobs.values(), key=key)
