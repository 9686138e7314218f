"""The views of jobs sent to clients: one job's JobInfo, the queue snapshot, counts and backend load."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from ..backends import Backend
from ..backends.procedural import unused_words
from ..protocol.messages import BackendInfo, JobInfo, JobState, TrainingSummary
from .active import ActiveJobs
from .params import TrainingParams
from .record import JobRecord
from .store import JobStore


class JobViews:
    def __init__(self, active: ActiveJobs, store: JobStore, backends: list[Backend], recent_jobs: int):
        self._active = active
        self._store = store
        self._backends = backends
        self._recent_jobs = recent_jobs
        # How long a training job should take, from earlier runs (training/history.py); set once assembled.
        self.training_estimate: Callable[[TrainingParams], float | None] | None = None

    def info(self, job: JobRecord) -> JobInfo:
        p = job.params
        running = self._active.running.get(job.id)
        live = running.live if running is not None and running.record.state is JobState.RUNNING else None
        done = job.state is JobState.COMPLETED
        common: dict[str, Any] = {  # what every kind of job shows alike
            "id": job.id,
            "state": job.state,
            "prompt": p.prompt,
            "model": p.model,
            "seed": p.seed,
            "count": p.count,
            "steps": p.steps,
            "priority": job.priority,
            "tags": list(p.tags),
            "client": job.client,
            "user": job.user,
            "backend": job.backend,
            "attempts": job.attempts,
            "created_at": job.created_at,
            "started_at": job.started_at,
            "finished_at": job.finished_at,
            "images": list(job.images),
            "error": job.error,
            "cancel_requested": running is not None and running.cancel_requested,
            "backend_ms": job.backend_ms,
            "request_id": job.request_id,
            "retry_of": job.retry_of,
        }
        if isinstance(p, TrainingParams):  # no steps to count while it trains: its stage, and done or not
            return JobInfo(
                **common,
                negative="",
                width=p.size,
                height=p.size,
                cfg=0.0,
                progress=1.0 if done else (live.progress if live is not None else 0.0),
                stage=live.stage if live is not None else ("done" if done else ""),
                kind="training",
                training=self._training_summary(p),
            )
        if live is not None:
            progress, index, step, total, stage = live.progress, live.image_index, live.step, live.total, live.stage
        else:
            progress = 1.0 if done else len(job.images) / job.count
            index = max(0, len(job.images) - 1)
            step = total = p.steps if done else 0
            stage = "done" if done else ""
        return JobInfo(
            **common,
            negative=p.negative,
            width=p.width,
            height=p.height,
            cfg=p.cfg,
            progress=progress,
            image_index=index,
            step=step,
            total=total,
            stage=stage,
            unused_words=unused_words(p.model, p.prompt, p.negative),
            frames=p.frames,
            motion=p.motion,
            tile=p.tile,
            init_image=p.init_image,
            strength=p.strength,
            palette=list(p.palette),
        )

    def _training_summary(self, p: TrainingParams) -> TrainingSummary:
        return TrainingSummary(
            name=p.name,
            base=p.base,
            images=len(p.dataset),
            steps=p.steps,
            rank=p.rank,
            learning_rate=p.learning_rate,
            size=p.size,
            estimate_s=self.training_estimate(p) if self.training_estimate is not None else None,
        )

    def snapshot(self, states: set[JobState] | None, finished_limit: int) -> list[JobInfo]:
        """Every running job (held ones too, as stored), every queued job in run order, then up to `finished_limit`
        recent finished ones; each once."""
        once: dict[str, JobRecord] = {}  # a job on its way from one to another is listed where it was first
        for job in [*self._active.running_records(), *self._active.held.values(), *self._active.queued.queued()]:
            once.setdefault(job.id, job)
        jobs = list(once.values())
        jobs += self._store.recent_finished(min(finished_limit, self._recent_jobs))
        if states is not None:
            jobs = [job for job in jobs if job.state in states]
        return [self.info(job) for job in jobs]

    def backend_infos(self) -> list[BackendInfo]:
        busy = Counter(job.backend for job in self._active.running_records())
        return [b.info().model_copy(update={"running": busy.get(b.name, 0)}) for b in self._backends]

    def counts(self) -> dict[str, int]:
        counts = self._store.count_by_state()
        held = sum(job_id not in self._active.running for job_id in self._active.held)
        counts["queued"], counts["running"] = len(self._active.queued), len(self._active.running) + held
        return counts
