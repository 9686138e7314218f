"""Running one job on one backend: its images in order, each rendered, saved and recorded, and the job's end.

A backend that goes away sends the job back to the queue (up to `max_attempts`); a full disk sends it back too,
that attempt not counted, and pauses the queue until there is room (jobs/pause.py); any other failure is final for
the job and says why; a cancel ends it as cancelled; the worker stopping puts it back for the next run.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from ..backends import Backend, Preview, Progress, RenderTask, Result, Submitted
from ..protocol import ErrorCode, WorkerError
from ..protocol.messages import ErrorInfo, JobState
from .active import RunningJob
from .lifecycle import JobLifecycle
from .params import SpriteParams, TrainingParams
from .progress import ProgressReporter
from .record import JobRecord
from .saving import ImageSaver
from .sources import Source, VariationSources
from .store import StaleJob

log = logging.getLogger(__name__)


class JobExecution:
    def __init__(
        self,
        lifecycle: JobLifecycle,
        reporter: ProgressReporter,
        saver: ImageSaver,
        max_attempts: int,
        sources: VariationSources | None = None,
    ):
        self._sources = sources
        self._lifecycle = lifecycle
        self._reporter = reporter
        self._saver = saver
        self._max_attempts = max_attempts
        # Runs a training job (training/run.py), given what was recorded of it on this backend before a restart.
        self.train: Callable[[Backend, RunningJob, dict[str, Any] | None], Awaitable[None]] | None = None

    async def run(self, backend: Backend, running: RunningJob) -> None:
        """Render the job's missing images, then end it; raises CancelledError only when the worker stops."""
        running.live.began = True
        try:
            if isinstance(running.record.params, TrainingParams):
                await self._train(backend, running)
            else:
                await self._render_all(backend, running)
        except asyncio.CancelledError:
            if running.cancel_requested:
                self._lifecycle.finish_or_log(running.record, JobState.CANCELLED, detail="cancelled while running")
                return
            try:
                self._lifecycle.requeue(running, "worker stopping; will resume", resume=False)
            except (WorkerError, StaleJob) as exc:  # it stays running: the next start resumes it
                log.error("could not put job %s back in the queue: %s", running.record.id, exc)
            raise
        except StaleJob as exc:
            log.error("job %s stopped: %s", running.record.id, exc)
        except WorkerError as exc:
            attempts = running.record.attempts
            if exc.code == ErrorCode.DISK_FULL:
                self._lifecycle.set_aside(running, exc)
                return
            if exc.code == ErrorCode.BACKEND_UNAVAILABLE and attempts < self._max_attempts:
                detail = f"{backend.name} unavailable ({exc.message}); back in the queue"
                self._lifecycle.requeue_or_hold(running, detail)
                # Said to the waiting clients too, or they see a job go quiet with no reason given.
                why = exc.message.removeprefix(f"lost {backend.name} while it ran the job: ")
                self._reporter.requeued(
                    running.record,
                    f"requeued: {backend.name} went away ({why.removeprefix(backend.name + ' ')}); "
                    f"waiting for a server that can run {running.record.model}",
                )
                return
            if exc.code == ErrorCode.BACKEND_UNAVAILABLE:
                exc.message = f"gave up after {attempts} attempts: {exc.message}"
            self._lifecycle.finish_or_log(running.record, JobState.FAILED, ErrorInfo(**exc.to_body()))
        except Exception as exc:
            log.exception("job %s failed unexpectedly", running.record.id)
            message = f"internal error: {exc!r}; see the worker log"
            self._lifecycle.finish_or_log(
                running.record, JobState.FAILED, ErrorInfo(code=ErrorCode.INTERNAL, message=message, details={})
            )
        else:  # outside the try: nothing that happens once the job is complete can be taken for its failure
            self._lifecycle.finish_or_log(running.record, JobState.COMPLETED)

    async def _render_all(self, backend: Backend, running: RunningJob) -> None:
        backend_s = running.record.backend_ms / 1000
        init = getattr(running.record.params, "init_image", None)
        source = await self._sources.load(init) if init and self._sources else None  # read once for every image
        for index in range(len(running.record.images), running.record.count):
            backend_s = await self._render_one(backend, running, index, backend_s, source)

    async def _train(self, backend: Backend, running: RunningJob) -> None:
        if self.train is None:
            raise WorkerError(ErrorCode.DISABLED, "this worker does not train LoRAs")
        ref = _backend_ref(running.record)
        await self.train(backend, running, ref if ref and ref["backend"] == backend.name else None)

    async def _render_one(
        self, backend: Backend, running: RunningJob, index: int, backend_s: float, source: Source | None
    ) -> float:
        job = running.record
        p = job.params
        assert isinstance(p, SpriteParams)
        ref = _backend_ref(job)
        resume = ref["ref"] if ref and ref["backend"] == backend.name and ref["index"] == index else None
        task = RenderTask(
            job_id=job.id,
            index=index,
            prompt=p.prompt,
            negative=p.negative,
            model=p.model,
            seed=p.image_seed(index),
            width=p.width,
            height=p.height,
            steps=p.steps,
            cfg=p.cfg,
            resume_ref=resume,
            frames=p.frames,
            motion=p.motion,
            tile=p.tile,
            strength=p.strength,
            init_png=source.png if source else None,
            init_prompt=source.prompt if source else None,
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
                    ref_text = json.dumps({"backend": backend.name, "index": index, "ref": event.ref})
                    self._lifecycle.record_backend_ref(running, ref_text)
                elif isinstance(event, Progress):
                    self._reporter.progress(running, index, event)
                elif isinstance(event, Preview):
                    self._reporter.preview(running, index, event)
                elif isinstance(event, Result):
                    info, key = await self._saver.save(running.record, task, event, backend)
                    self._lifecycle.record_image(running, info, backend_s * 1000, key)
                    return backend_s


def _backend_ref(job: JobRecord) -> dict[str, Any] | None:
    if not job.backend_ref:
        return None
    try:
        ref = json.loads(job.backend_ref)
    except ValueError:
        return None
    return ref if isinstance(ref, dict) and {"backend", "index", "ref"} <= ref.keys() else None


def backend_owning(job: JobRecord) -> str | None:
    """The backend that started the job's current image before a restart, if any."""
    ref = _backend_ref(job)
    return None if ref is None else str(ref["backend"])
