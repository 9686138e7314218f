"""Where a job changes state. Each change is one guarded write in the store first; memory (ActiveJobs)
follows the record the store returns, and the event goes out last, so no client hears of a state that the
database does not hold. The allowed changes are written down beside JobState (protocol/states.py).

A write that fails for want of disk space pauses the queue (jobs/pause.py): a job that cannot start stays queued, a
running job that hits it goes back to the queue, and a change that cannot be written meanwhile is held, the job
kept in memory as the store has it, until there is room to write it."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable
from typing import TypeVar

from ..database import Statement
from ..protocol import WorkerError
from ..protocol.messages import ErrorInfo, ImageInfo, JobEvent, JobStarted, JobState
from ..serving.publisher import EventPublisher
from .active import ActiveJobs, LiveProgress, RunningJob
from .params import JobParams
from .pause import QueuePause, disk_full
from .record import JobRecord
from .store import JobStore, StaleJob
from .views import JobViews

log = logging.getLogger(__name__)

FinishListener = Callable[[JobRecord], None]
T = TypeVar("T")


class JobLifecycle:
    def __init__(
        self, store: JobStore, active: ActiveJobs, views: JobViews, publisher: EventPublisher, pause: QueuePause
    ):
        self._store = store
        self._active = active
        self._views = views
        self._publisher = publisher
        self._pause = pause
        self._finish_listeners: list[FinishListener] = []

    def on_finish(self, listener: FinishListener) -> None:
        """Call `listener` after each job's terminal event; what it raises is logged and changes nothing."""
        self._finish_listeners.append(listener)

    def recover(self) -> int:
        """Queue again every job a previous run left unfinished; images already stored are kept, not redone."""
        jobs = self._store.unfinished()
        for job in jobs:
            if job.state is JobState.RUNNING:
                try:
                    job = self._store.requeue(job, "worker restarted; resuming")
                except WorkerError as exc:
                    if not disk_full(exc):
                        raise
                    self._requeue_when_room(job, exc, "worker restarted; resuming", refund=False)
                    continue
            self._active.queued.push(job)
        return len(jobs)

    # ------------------------------------------------------------ queued

    def new_job(
        self,
        params: JobParams,
        priority: int,
        client: str,
        user: str,
        request_id: str | None,
        retry_of: str | None = None,
    ) -> JobRecord:
        """A new queued job, not stored yet: add() stores it."""
        return JobRecord(
            id=os.urandom(6).hex(),
            seq=0,
            state=JobState.QUEUED,
            params=params,
            priority=priority,
            client=client,
            user=user,
            created_at=time.time(),
            request_id=request_id,
            retry_of=retry_of,
        )

    def add(self, jobs: list[JobRecord], also: Iterable[Statement] = ()) -> list[JobRecord]:
        """Store new jobs (from new_job()) and the statements `also` in one transaction, then queue them and
        publish job.queued for each; when the transaction fails, nothing of it is stored, queued or published."""
        stored = self._paused_if_full(lambda: self._store.insert_all(jobs, also))
        for job in stored:
            self._active.queued.push(job)
            self._publisher.publish("job.queued", JobEvent(job=self._views.info(job)), re=job.request_id)
        self._active.wake_slots()
        return stored

    def set_priority(self, job: JobRecord, priority: int) -> JobRecord:
        job = self._paused_if_full(lambda: self._store.set_priority(job, priority))
        self._active.queued.replace(job)
        self._publisher.publish("job.updated", JobEvent(job=self._views.info(job)), re=job.request_id)
        return job

    # ------------------------------------------------------------ running

    def start(self, job: JobRecord, backend: str) -> RunningJob | None:
        """queued -> running; None if the start cannot be recorded: for want of space the job stays queued and the
        queue pauses, otherwise the job fails."""
        try:
            started = self._store.start(job, backend)
        except StaleJob as exc:
            log.error("job %s not started: %s", job.id, exc)
            return None
        except WorkerError as exc:
            if disk_full(exc):  # still queued, as the store has it; it starts once there is room
                self._active.queued.push(job)
                self._pause.disk_full(exc)
            else:
                self.finish_or_log(job, JobState.FAILED, ErrorInfo(**exc.to_body()))
            return None
        running = self._active.running[job.id] = RunningJob(
            started, LiveProgress(progress=len(job.images) / job.count, image_index=len(job.images))
        )
        body = JobStarted(job_id=job.id, backend=backend, attempt=started.attempts)
        self._publisher.publish("job.started", body, re=job.request_id)
        return running

    def record_backend_ref(self, running: RunningJob, ref: str | None) -> None:
        running.record = self._store.set_backend_ref(running.record, ref)

    def record_image(self, running: RunningJob, info: ImageInfo, backend_ms: float, cache_key: str | None) -> None:
        running.record = self._store.add_image(running.record, info, backend_ms, cache_key)

    def requeue(self, running: RunningJob, detail: str, resume: bool, refund: bool = False) -> None:
        """running -> queued. With `resume`, back in the queue now and clients hear job.queued again; without
        (the worker is stopping), the next run of the worker resumes it. With `refund`, the attempt is not counted."""
        job = self._store.requeue(running.record, detail, refund)
        running.record = job
        if resume:
            log.warning("job %s: %s", job.id, detail)
            self._queue_again(job)

    def requeue_or_hold(self, running: RunningJob, detail: str, refund: bool = False) -> None:
        """requeue(resume=True), for the places that cannot pass its refusal on: for want of space it is held
        until there is room (the queue pauses), otherwise logged and the job stays as stored."""
        try:
            self.requeue(running, detail, resume=True, refund=refund)
        except WorkerError as exc:
            if disk_full(exc):
                self._requeue_when_room(running.record, exc, detail, refund)
            else:
                log.error(
                    "could not put job %s back in the queue: %s; the next start of the worker resumes it",
                    running.record.id,
                    exc,
                )
        except StaleJob as exc:
            log.error("could not put job %s back in the queue: %s", running.record.id, exc)

    def set_aside(self, running: RunningJob, cause: WorkerError) -> None:
        """A running job that found the disk full goes back to the queue, that attempt not counted, and the queue
        pauses until there is room."""
        self._pause.disk_full(cause)
        self.requeue_or_hold(running, f"{cause.message}; back in the queue until there is room", refund=True)

    def release(self, running: RunningJob) -> None:
        """Forget a running job's attempt once its task has ended (a requeued job may already run elsewhere)."""
        if self._active.running.get(running.record.id) is running:
            del self._active.running[running.record.id]

    # ------------------------------------------------------------ ending

    def cancel_queued(self, job: JobRecord) -> JobRecord:
        """queued -> cancelled, out of the queue."""
        self._active.queued.remove(job.id)
        try:
            return self._paused_if_full(lambda: self.finish(job, JobState.CANCELLED, detail="cancelled while queued"))
        except WorkerError:
            self._active.queued.push(job)  # not recorded: it stays queued, as the store says
            raise

    def finish(self, job: JobRecord, state: JobState, error: ErrorInfo | None = None, detail: str = "") -> JobRecord:
        """To a terminal state, once: recorded, then published, then the listeners are told.

        Raises WorkerError (a full disk) or StaleJob when it cannot be recorded; nothing is published then,
        and the job stays as the store has it (a running job is resumed by the next start of the worker)."""
        finished = self._store.finish(job, state, error, detail)
        running = self._active.running.get(job.id)
        if running is not None:
            running.record = finished
        self._publisher.publish(f"job.{state.value}", JobEvent(job=self._views.info(finished)), re=job.request_id)
        for listener in self._finish_listeners:
            try:
                listener(finished)
            except Exception:
                log.exception("a listener failed after job %s ended; the job stays %s", job.id, state.value)
        return finished

    def finish_or_log(
        self, job: JobRecord, state: JobState, error: ErrorInfo | None = None, detail: str = ""
    ) -> JobRecord | None:
        """finish(), for the places that cannot pass its refusal on. For want of space it is held until there is
        room (the queue pauses, the job shows as stored meanwhile); any other refusal is logged, and the job stays
        as stored."""
        try:
            return self.finish(job, state, error, detail)
        except WorkerError as exc:
            if disk_full(exc):
                self._hold(job, exc, lambda: self.finish(job, state, error, detail))
                return None
            log.error("could not record job %s as %s: %s; the next start of the worker resumes it", job.id, state, exc)
        except StaleJob as exc:
            log.error("could not record job %s as %s: %s", job.id, state, exc)
        return None

    # ------------------------------------------------------------ a full disk

    def _paused_if_full(self, write: Callable[[], T]) -> T:
        """`write()`; one that fails for want of space pauses the queue, and raises as before."""
        try:
            return write()
        except WorkerError as exc:
            if disk_full(exc):
                self._pause.disk_full(exc)
            raise

    def _queue_again(self, job: JobRecord) -> None:
        self._active.queued.push(job)
        self._publisher.publish("job.queued", JobEvent(job=self._views.info(job)), re=job.request_id)
        self._active.wake_slots()

    def _requeue_when_room(self, job: JobRecord, cause: WorkerError, detail: str, refund: bool) -> None:
        self._hold(job, cause, lambda: self._queue_again(self._store.requeue(job, detail, refund)))

    def _hold(self, job: JobRecord, cause: WorkerError, write: Callable[[], object]) -> None:
        """Keep `job` in memory as stored, and `write` its next state once there is room; the queue pauses."""
        log.warning("job %s stays %s until there is room to record it: %s", job.id, job.state.value, cause.message)
        self._active.held[job.id] = job

        def when_room() -> None:
            try:
                write()
            except (WorkerError, StaleJob) as exc:
                if not disk_full(exc):  # given up: the job is left as stored, for the next start of the worker
                    self._active.held.pop(job.id, None)
                raise
            self._active.held.pop(job.id, None)

        self._pause.hold(job.id, when_room)
        self._pause.disk_full(cause)
