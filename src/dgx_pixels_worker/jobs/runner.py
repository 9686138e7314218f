"""Where a job changes state: submit, pick, run on a backend, record images, finish, cancel, recover.

Each state change is written to the store first and published second, so a subscriber never hears of a
state that a crash could take back.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import os
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from . import image_files, params
from ..backends import Backend, Preview, Progress, RenderTask, Result, Submitted
from .cache_keys import cache_key
from .postprocess import finish_image
from ..settings.config import Settings
from ..serving.publisher import EventPublisher
from ..protocol import ErrorCode, WorkerError
from ..protocol.messages import (
    BackendInfo,
    ErrorInfo,
    GenerateParams,
    GenerateRequest,
    ImageInfo,
    JobEvent,
    JobInfo,
    JobPreview,
    JobProgress,
    JobStarted,
    JobState,
    ModelInfo,
)
from .scheduler import Scheduler
from .store import JobRecord, Store, image_id

INLINE_ENCODE_PIXELS = 256 * 256
log = logging.getLogger(__name__)
SEED_SPACE = 2**63
IDLE_RECHECK_S = 1.0


@dataclass
class LiveProgress:
    progress: float = 0.0
    image_index: int = 0
    step: int = 0
    total: int = 0
    stage: str = ""
    last_progress_at: float = 0.0
    last_preview_at: float = 0.0
    began: bool = False  # its task has run at least one step


class JobRunner:
    def __init__(
        self, store: Store, backends: list[Backend], publisher: EventPublisher, settings: Settings, data_dir: Path
    ):
        self.store = store
        self.backends = backends
        self.publisher = publisher
        self.settings = settings
        self.data_dir = data_dir
        self.scheduler = Scheduler()
        self._live: dict[str, LiveProgress] = {}
        self._running: dict[str, tuple[JobRecord, asyncio.Task[None]]] = {}
        self._cancel_requested: set[str] = set()
        self._wakeups: list[asyncio.Event] = []  # one per slot loop, set when work may be waiting
        self._last_checkpoint: dict[str, str | None] = {}  # backend name -> checkpoint of the last job it took
        self._loops: list[asyncio.Task[None]] = []
        self.stopping = False
        self.completed_at: deque[tuple[float, int]] = deque(maxlen=10_000)  # (when, images) per completed job
        self.completed_total = 0
        self.finish_listeners: list[Callable[[JobRecord], None]] = []  # told after a job's terminal event

    # ------------------------------------------------------------ lifecycle

    def recover(self) -> int:
        """Queue again every job a previous run left unfinished; images already stored are kept, not redone."""
        jobs = self.store.unfinished_jobs()
        for job in jobs:
            if job.state is JobState.RUNNING:
                self.store.requeue(job, "worker restarted; resuming")
            self.scheduler.push(job)
        return len(jobs)

    def start(self) -> None:
        for backend in self.backends:
            for slot in range(backend.slots):
                wakeup = asyncio.Event()
                self._wakeups.append(wakeup)
                self._loops.append(asyncio.create_task(self._slot_loop(backend, wakeup), name=f"{backend.name}#{slot}"))

    def _wake_all(self) -> None:
        for wakeup in self._wakeups:
            wakeup.set()

    async def stop(self, grace_s: float) -> None:
        """Stop taking jobs; let running ones finish within `grace_s`, then put the rest back in the queue."""
        self.stopping = True
        self._wake_all()
        running = [task for _, task in self._running.values()]
        if running:
            await asyncio.wait(running, timeout=grace_s)
        for loop in self._loops:
            loop.cancel()
        await asyncio.gather(*self._loops, return_exceptions=True)

    # ------------------------------------------------------------ requests

    def models(self) -> list[ModelInfo]:
        """Each model once, usable when any backend can run it; `where` says how it stands on each backend."""
        merged: dict[str, ModelInfo] = {}
        for backend in self.backends:
            for model in backend.models():
                if not model.where:
                    model = model.model_copy(
                        update={"where": {backend.name: None if model.available else model.reason}}
                    )
                seen = merged.get(model.name)
                if seen is not None:
                    model = seen.model_copy(update={"where": {**seen.where, **model.where}})
                usable = [name for name, why in model.where.items() if why is None]
                reason = None if usable else "; ".join(f"{name}: {why}" for name, why in model.where.items())
                merged[model.name] = model.model_copy(
                    update={"available": bool(usable), "reason": reason, "backend": ", ".join(usable) or model.backend}
                )
        return list(merged.values())

    def submit(self, request: GenerateRequest, client: str, user: str, request_id: str | None) -> JobRecord:
        self._check_accepting()
        job_params = params.resolve(request, self.models(), self.settings.worker.default_model, self.settings.limits)
        return self._enqueue(job_params, request.priority, client, user, request_id, retry_of=None)

    def resolve(self, request: GenerateParams) -> dict[str, Any]:
        """Complete parameters for a job, checked against the models and limits, without queueing it."""
        self._check_accepting()
        return params.resolve(request, self.models(), self.settings.worker.default_model, self.settings.limits)

    def enqueue(
        self, job_params: dict[str, Any], priority: int, client: str, user: str, request_id: str | None
    ) -> JobRecord:
        """Queue a job whose parameters came from resolve()."""
        return self._enqueue(job_params, priority, client, user, request_id, retry_of=None)

    def render_identity(self, model: str) -> str | None:
        """The model's render identity on the first backend that knows it (the same on every server)."""
        return next((i for b in self.backends if (i := b.render_identity(model)) is not None), None)

    def retry(self, job: JobRecord, client: str, user: str, request_id: str | None) -> JobRecord:
        if not job.state.terminal:
            raise WorkerError(
                ErrorCode.INVALID, f"job {job.id} is still {job.state.value}; only finished jobs are retried"
            )
        self._check_accepting()
        params_ = {k: v for k, v in job.params.items() if k != "comparison"}  # a retry stands alone
        return self._enqueue(params_, job.priority, client, user, request_id, retry_of=job.id)

    def _check_accepting(self) -> None:
        if self.stopping:
            raise WorkerError(ErrorCode.SHUTTING_DOWN, "the worker is shutting down; submit again once it is back")
        if len(self.scheduler) >= self.settings.limits.max_queued:
            raise WorkerError(
                ErrorCode.QUEUE_FULL,
                f"the queue already holds {len(self.scheduler)} jobs (limit {self.settings.limits.max_queued}); "
                "wait for some to finish or cancel a few",
            )

    def _enqueue(
        self,
        job_params: dict[str, Any],
        priority: int,
        client: str,
        user: str,
        request_id: str | None,
        retry_of: str | None,
    ) -> JobRecord:
        job = JobRecord(
            id=os.urandom(6).hex(),
            seq=0,
            state=JobState.QUEUED,
            params=job_params,
            priority=priority,
            client=client,
            user=user,
            created_at=time.time(),
            request_id=request_id,
            retry_of=retry_of,
        )
        self.store.insert_job(job)
        self.scheduler.push(job)
        self.publisher.publish("job.queued", JobEvent(job=self.info(job)), re=request_id)
        self._wake_all()
        return job

    def cancel(self, job: JobRecord) -> JobRecord:
        if job.state.terminal:
            raise WorkerError(
                ErrorCode.JOB_FINISHED,
                f"job {job.id} already {job.state.value}; there is nothing to cancel",
                {"state": job.state.value},
            )
        if self.scheduler.remove(job.id) is not None:
            self._finish(job, JobState.CANCELLED, detail="cancelled while queued")
            return job
        running = self._running.get(job.id)
        if running is not None:
            self._cancel_requested.add(job.id)
            running[1].cancel()
            return running[0]
        return job

    def set_priority(self, job: JobRecord, priority: int) -> JobRecord:
        """Move a queued job in the queue; clients hear job.updated. An unchanged priority writes nothing."""
        if job.state is not JobState.QUEUED:
            why = "is already running" if job.state is JobState.RUNNING else f"already {job.state.value}"
            raise WorkerError(
                ErrorCode.INVALID, f"job {job.id} {why}; priority only orders queued jobs", {"state": job.state.value}
            )
        if priority == job.priority:
            return job
        self.store.set_priority(job, priority)
        if self.scheduler.reprioritize(job.id, priority) is None:
            job.priority = priority  # put back while the worker stops: the next run queues it by this priority
        self.publisher.publish("job.updated", JobEvent(job=self.info(job)), re=job.request_id)
        return job

    def resolve_job(self, job_id: str) -> JobRecord:
        """A job by id or by an unambiguous prefix of at least 4 characters; live records win over stored ones."""
        if job_id in self._running:
            return self._running[job_id][0]
        queued = self.scheduler.get(job_id)
        if queued is not None:
            return queued
        job = self.store.job(job_id)
        if job is None and len(job_id) >= 4:
            matches = self.store.job_ids_with_prefix(job_id)
            if len(matches) > 1:
                raise WorkerError(
                    ErrorCode.AMBIGUOUS_JOB,
                    f"{job_id!r} matches several jobs; type more characters",
                    {"matches": matches},
                )
            if matches:
                return self.resolve_job(matches[0])
        if job is None:
            raise WorkerError(
                ErrorCode.UNKNOWN_JOB, f"no job {job_id!r}; `dgx-pixels queue` lists jobs", {"job_id": job_id}
            )
        return job

    def info(self, job: JobRecord) -> JobInfo:
        p = job.params
        live = self._live.get(job.id)
        done = job.state is JobState.COMPLETED
        if live is not None:
            progress, index, step, total, stage = live.progress, live.image_index, live.step, live.total, live.stage
        else:
            progress = 1.0 if done else len(job.images) / job.count
            index = max(0, len(job.images) - 1)
            step = total = p["steps"] if done else 0
            stage = "done" if done else ""
        return JobInfo(
            id=job.id,
            state=job.state,
            prompt=p["prompt"],
            negative=p["negative"],
            model=p["model"],
            seed=p["seed"],
            count=p["count"],
            width=p["width"],
            height=p["height"],
            steps=p["steps"],
            cfg=p["cfg"],
            priority=job.priority,
            tags=p["tags"],
            client=job.client,
            user=job.user,
            backend=job.backend,
            attempts=job.attempts,
            created_at=job.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
            progress=progress,
            image_index=index,
            step=step,
            total=total,
            stage=stage,
            images=list(job.images),
            error=job.error,
            cancel_requested=job.id in self._cancel_requested,
            backend_ms=job.backend_ms,
            request_id=job.request_id,
            retry_of=job.retry_of,
        )

    def snapshot(self, states: set[JobState] | None, finished_limit: int) -> list[JobInfo]:
        """Every running job, every queued job in run order, then up to `finished_limit` recent finished ones."""
        jobs = self.running_jobs() + self.scheduler.queued()
        jobs += self.store.recent_finished(min(finished_limit, self.settings.worker.recent_jobs))
        if states is not None:
            jobs = [job for job in jobs if job.state in states]
        return [self.info(job) for job in jobs]

    def backend_infos(self) -> list[BackendInfo]:
        busy = Counter(job.backend for job in self.running_jobs())
        return [b.info().model_copy(update={"running": busy.get(b.name, 0)}) for b in self.backends]

    def running_jobs(self) -> list[JobRecord]:
        return [job for job, _ in self._running.values()]

    def counts(self) -> dict[str, int]:
        counts = self.store.count_by_state()
        counts["queued"], counts["running"] = len(self.scheduler), len(self._running)
        return counts

    # ------------------------------------------------------------ running

    async def _slot_loop(self, backend: Backend, wakeup: asyncio.Event) -> None:
        while not self.stopping:
            wakeup.clear()
            # Affinity follows the checkpoint of the last job given to this backend: that is what will be
            # loaded when the next prompt starts, even while earlier prompts are still queued inside it.
            last = self._last_checkpoint.get(backend.name)
            idle = self._idle_others(backend)

            def accepts(j: JobRecord) -> bool:
                if not backend.can_run(j.model) or not self._may_take(backend, j):
                    return False
                return not idle or not any(other.can_run(j.model) for other in idle)

            job = self.scheduler.pick(
                accepts,
                # No checkpoint loaded yet (or none at all, procedural): nothing to prefer, take the first.
                prefers=None if last is None else lambda j: backend.checkpoint_of(j.model) == last,
                max_wait_s=self.settings.worker.affinity_max_wait_s,
            )
            if job is None:
                # Woken by new work; and every second regardless, since a backend coming back up or a job
                # aging past affinity can make a queued job runnable without any event here.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wakeup.wait(), IDLE_RECHECK_S)
                continue
            self._last_checkpoint[backend.name] = backend.checkpoint_of(job.model)
            try:
                self.store.mark_running(job, backend.name)
            except WorkerError as exc:
                self._finish(job, JobState.FAILED, ErrorInfo(**exc.to_body()))
                continue
            live = self._live[job.id] = LiveProgress(progress=len(job.images) / job.count, image_index=len(job.images))
            self.publisher.publish(
                "job.started", JobStarted(job_id=job.id, backend=backend.name, attempt=job.attempts), re=job.request_id
            )
            task = asyncio.create_task(self._execute(backend, job), name=f"job {job.id}")
            self._running[job.id] = (job, task)
            try:
                await asyncio.wait([task])  # raises only when this loop itself is cancelled
            except asyncio.CancelledError:
                if not task.done():  # the worker is stopping: the job goes back to the queue, never lost
                    task.cancel()
                    await asyncio.gather(task, return_exceptions=True)
                raise
            finally:
                if task.cancelled() and not live.began:  # cancelled before its first step ran
                    if job.id in self._cancel_requested:
                        self._finish(job, JobState.CANCELLED, detail="cancelled while starting")
                    else:
                        self.store.requeue(job, "worker stopping; will resume")
                # A job sent back to the queue may already run elsewhere: only this attempt's entries go.
                if self._running.get(job.id, (None, None))[1] is task:
                    del self._running[job.id]
                    self._cancel_requested.discard(job.id)
                if self._live.get(job.id) is live:
                    del self._live[job.id]

    def _idle_others(self, backend: Backend) -> list[Backend]:
        """When `backend` is busy, the other backends running nothing: a job one of them can run is left to it,
        so the jobs of a comparison spread over servers before any server gets a second prompt."""
        busy = {running.backend for running, _ in self._running.values()}
        if backend.name not in busy:
            return []
        return [other for other in self.backends if other is not backend and other.name not in busy]

    def _may_take(self, backend: Backend, job: JobRecord) -> bool:
        """A job a backend started before a restart goes back to that backend while it is up, to be reattached."""
        ref = _backend_ref(job)
        if ref is None or ref["backend"] == backend.name:
            return True
        owner = next((b for b in self.backends if b.name == ref["backend"]), None)
        return owner is None or not owner.info().healthy

    async def _execute(self, backend: Backend, job: JobRecord) -> None:
        self._live[job.id].began = True
        try:
            backend_s = job.backend_ms / 1000
            for index in range(len(job.images), job.count):
                backend_s = await self._render_one(backend, job, index, backend_s)
            self._finish(job, JobState.COMPLETED)
        except asyncio.CancelledError:
            if job.id in self._cancel_requested:
                self._finish(job, JobState.CANCELLED, detail="cancelled while running")
                return
            self.store.requeue(job, "worker stopping; will resume")
            raise
        except WorkerError as exc:
            if exc.code == ErrorCode.BACKEND_UNAVAILABLE and job.attempts < self.settings.worker.max_attempts:
                self._requeue(job, f"{backend.name} unavailable ({exc.message}); back in the queue")
                return
            if exc.code == ErrorCode.BACKEND_UNAVAILABLE:
                exc.message = f"gave up after {job.attempts} attempts: {exc.message}"
            self._finish(job, JobState.FAILED, ErrorInfo(**exc.to_body()))
        except Exception as exc:
            log.exception("job %s failed unexpectedly", job.id)
            self._finish(
                job,
                JobState.FAILED,
                ErrorInfo(code=ErrorCode.INTERNAL, message=f"internal error: {exc!r}; see the worker log", details={}),
            )

    def _requeue(self, job: JobRecord, detail: str) -> None:
        """Back into the queue for another backend or a later try; clients hear job.queued again."""
        log.warning("job %s: %s", job.id, detail)
        self.store.requeue(job, detail)
        self.scheduler.push(job)
        self.publisher.publish("job.queued", JobEvent(job=self.info(job)), re=job.request_id)
        self._wake_all()

    async def _render_one(self, backend: Backend, job: JobRecord, index: int, backend_s: float) -> float:
        p = job.params
        ref = _backend_ref(job)
        resume = ref["ref"] if ref and ref["backend"] == backend.name and ref["index"] == index else None
        task = RenderTask(
            job_id=job.id,
            index=index,
            prompt=p["prompt"],
            negative=p["negative"],
            model=p["model"],
            seed=(p["seed"] + index) % SEED_SPACE,
            width=p["width"],
            height=p["height"],
            steps=p["steps"],
            cfg=p["cfg"],
            resume_ref=resume,
        )
        async with contextlib.aclosing(backend.render(task)) as stream:
            while True:
                began = time.perf_counter()
                try:
                    event = await anext(stream)
                except StopAsyncIteration:
                    raise WorkerError(
                        ErrorCode.BACKEND_ERROR, f"backend {backend.name} ended without an image"
                    ) from None
                finally:
                    backend_s += time.perf_counter() - began
                if isinstance(event, Submitted):
                    self.store.set_backend_ref(
                        job, json.dumps({"backend": backend.name, "index": index, "ref": event.ref})
                    )
                elif isinstance(event, Progress):
                    self._on_progress(job, index, event)
                elif isinstance(event, Preview):
                    self._on_preview(job, index, event)
                elif isinstance(event, Result):
                    await self._save_image(job, task, event, backend, backend_s)
                    return backend_s

    def _on_progress(self, job: JobRecord, index: int, event: Progress) -> None:
        live = self._live[job.id]
        fraction = event.step / event.total if event.total else 0.0
        live.progress = min(1.0, (index + fraction) / job.count)
        live.image_index, live.step, live.total, live.stage = index, event.step, event.total, event.stage
        now = time.monotonic()
        final = event.step >= event.total
        if final or now - live.last_progress_at >= self.settings.worker.progress_interval_s:
            live.last_progress_at = now
            body = JobProgress(
                job_id=job.id,
                progress=live.progress,
                step=event.step,
                total=event.total,
                stage=event.stage,
                image_index=index,
            )
            self.publisher.publish("job.progress", body, re=job.request_id)

    def _on_preview(self, job: JobRecord, index: int, event: Preview) -> None:
        live = self._live[job.id]
        now = time.monotonic()
        if now - live.last_preview_at < self.settings.worker.preview_interval_s:
            return
        live.last_preview_at = now
        image = _fit(event.image, self.settings.worker.preview_max_px)
        buffer = io.BytesIO()
        image.save(buffer, "PNG", compress_level=1)
        body = JobPreview(
            job_id=job.id,
            image_index=index,
            step=event.step,
            total=event.total,
            width=image.width,
            height=image.height,
            format="png",
            data=buffer.getvalue(),
        )
        self.publisher.publish("preview", body, re=job.request_id)

    async def _save_image(
        self, job: JobRecord, task: RenderTask, result: Result, backend: Backend, backend_s: float
    ) -> None:
        metadata = {k: job.params[k] for k in ("prompt", "negative", "model", "steps", "cfg", "tags")}
        metadata.update(seed=task.seed, backend=backend.kind)
        metadata.update(result.info)
        steps = job.params.get("postprocess") or []
        if steps or result.image.width * result.image.height > INLINE_ENCODE_PIXELS:
            finished = await asyncio.to_thread(finish_image, result.image, metadata, steps)
        else:  # a small sprite encodes in well under a millisecond: a thread hop would cost more
            finished = finish_image(result.image, metadata, steps)
        relative = image_files.relative_image_path(job.id, task.index, job.created_at)
        raw_relative = None
        if finished.raw_png is not None:
            raw_relative = relative.removesuffix(".png") + ".raw.png"
            image_files.write_atomically(self.data_dir, raw_relative, finished.raw_png)
        image_files.write_atomically(self.data_dir, relative, finished.png)
        info = ImageInfo(
            id=image_id(job.id, task.index),
            job_id=job.id,
            index=task.index,
            seed=task.seed,
            width=finished.width,
            height=finished.height,
            path=relative,
            bytes=len(finished.png),
            sha256=image_files.sha256(finished.png),
            created_at=time.time(),
            params=finished.metadata,
            raw_path=raw_relative,
        )
        identity = backend.render_identity(job.model)
        key = cache_key(identity, job.params, task.seed) if identity else None
        self.store.add_image(job, info, backend_ms=backend_s * 1000, cache_key=key)

    def _finish(self, job: JobRecord, state: JobState, error: ErrorInfo | None = None, detail: str = "") -> None:
        try:
            self.store.finish(job, state, error, detail)
        except WorkerError as exc:  # the disk filled up between the images and the final row
            log.error("could not record %s for job %s: %s", state.value, job.id, exc)
            job.state, job.error = JobState.FAILED, ErrorInfo(**exc.to_body())
            state = JobState.FAILED
        if state is JobState.COMPLETED:
            self.completed_total += 1
            self.completed_at.append((time.time(), job.count))
        self.publisher.publish(f"job.{state.value}", JobEvent(job=self.info(job)), re=job.request_id)
        for listener in self.finish_listeners:
            listener(job)


def _backend_ref(job: JobRecord) -> dict[str, Any] | None:
    if not job.backend_ref:
        return None
    try:
        ref = json.loads(job.backend_ref)
    except ValueError:
        return None
    return ref if isinstance(ref, dict) and {"backend", "index", "ref"} <= ref.keys() else None


def _fit(image: Image.Image, max_px: int) -> Image.Image:
    """Shrink by an integer factor (nearest neighbour) until it fits, so pixel art stays crisp."""
    factor = max(1, -(-max(image.width, image.height) // max_px))
    if factor == 1:
        return image
    return image.resize((max(1, image.width // factor), max(1, image.height // factor)), Image.Resampling.NEAREST)
