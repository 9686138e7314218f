"""The slots that run jobs: one loop per backend slot picks the next job it can run (priority, then
submission order, then model affinity) and runs it until it ends."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from ..backends import Backend
from ..protocol import WorkerError
from ..protocol.messages import JobState
from .active import ActiveJobs
from .execution import JobExecution, backend_owning
from .lifecycle import JobLifecycle
from .params import TrainingParams
from .pause import QueuePause
from .record import JobRecord
from .store import StaleJob

IDLE_RECHECK_S = 1.0
log = logging.getLogger(__name__)


class Slots:
    def __init__(
        self,
        backends: list[Backend],
        active: ActiveJobs,
        lifecycle: JobLifecycle,
        execution: JobExecution,
        pause: QueuePause,
        affinity_max_wait_s: float,
    ):
        self._backends = backends
        self._active = active
        self._lifecycle = lifecycle
        self._execution = execution
        self._pause = pause
        self._affinity_max_wait_s = affinity_max_wait_s
        # Affinity follows the checkpoint of the last job given to each backend: that is what will be loaded
        # when its next prompt starts, even while earlier prompts are still queued inside it.
        self._last_checkpoint: dict[str, str | None] = {}
        self._loops: list[asyncio.Task[None]] = []
        self.stopping = False

    def start(self) -> None:
        for backend in self._backends:
            for slot in range(backend.slots):
                wakeup = self._active.new_wakeup()
                name = f"{backend.name}#{slot}"
                self._loops.append(asyncio.create_task(self._slot_loop(backend, wakeup), name=name))

    async def stop(self, grace_s: float) -> None:
        """Take no more jobs; let running ones finish within `grace_s`, then put the rest back in the queue."""
        self.stopping = True
        self._active.wake_slots()
        tasks = [r.task for r in self._active.running.values() if r.task is not None]
        if tasks:
            await asyncio.wait(tasks, timeout=grace_s)
        for loop in self._loops:
            loop.cancel()
        await asyncio.gather(*self._loops, return_exceptions=True)
        await self._pause.close()

    async def _slot_loop(self, backend: Backend, wakeup: asyncio.Event) -> None:
        while not self.stopping:
            wakeup.clear()
            job = None if self._pause.state is not None else self._pick(backend)
            if job is None:
                # Woken by new work or the queue resuming; and every second regardless, since a backend coming
                # back up or a job aging past affinity can make a queued job runnable without any event here.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wakeup.wait(), IDLE_RECHECK_S)
                continue
            self._last_checkpoint[backend.name] = backend.checkpoint_of(job.model)
            running = self._lifecycle.start(job, backend.name)
            if running is None:
                continue
            task = running.task = asyncio.create_task(self._execution.run(backend, running), name=f"job {job.id}")
            try:
                await asyncio.wait([task])  # raises only when this loop itself is cancelled
            except asyncio.CancelledError:
                if not task.done():  # the worker is stopping: the job goes back to the queue, never lost
                    task.cancel()
                    await asyncio.gather(task, return_exceptions=True)
                raise
            finally:
                if task.cancelled() and not running.live.began and running.record.state is JobState.RUNNING:
                    # cancelled before its first step ran
                    if running.cancel_requested:
                        self._lifecycle.finish_or_log(
                            running.record, JobState.CANCELLED, detail="cancelled while starting"
                        )
                    else:
                        try:
                            self._lifecycle.requeue(running, "worker stopping; will resume", resume=False)
                        except (WorkerError, StaleJob) as exc:  # it stays running: the next start resumes it
                            log.error("could not put job %s back in the queue: %s", running.record.id, exc)
                self._lifecycle.release(running)

    def _pick(self, backend: Backend) -> JobRecord | None:
        last = self._last_checkpoint.get(backend.name)
        idle = self._idle_others(backend)
        running_here = [job for job in self._active.running_records() if job.backend == backend.name]
        if any(isinstance(job.params, TrainingParams) for job in running_here):
            return None  # a training holds the whole server: nothing runs beside it
        draining = False

        def accepts(job: JobRecord) -> bool:
            nonlocal draining
            if draining:
                return False
            if isinstance(job.params, TrainingParams):
                if backend.training_unavailable(job.model) is not None or not self._may_take(backend, job):
                    return False
                if running_here:  # it waits for the server to empty, and nothing queued after it starts here
                    draining = True
                    return False
                return True
            if not backend.can_run(job.model) or not self._may_take(backend, job):
                return False
            return not idle or not any(other.can_run(job.model) for other in idle)

        return self._active.queued.pick(
            accepts,
            # No checkpoint loaded yet (or none at all, procedural): nothing to prefer, take the first.
            prefers=None if last is None else lambda job: backend.checkpoint_of(job.model) == last,
            max_wait_s=self._affinity_max_wait_s,
        )

    def _idle_others(self, backend: Backend) -> list[Backend]:
        """When `backend` is busy, the other backends running nothing: a job one of them can run is left to it,
        so the jobs of a comparison spread over servers before any server gets a second prompt."""
        busy = {job.backend for job in self._active.running_records()}
        if backend.name not in busy:
            return []
        return [other for other in self._backends if other is not backend and other.name not in busy]

    def _may_take(self, backend: Backend, job: JobRecord) -> bool:
        """A job a backend started before a restart goes back to that backend while it is up, to be reattached."""
        owner_name = backend_owning(job)
        if owner_name is None or owner_name == backend.name:
            return True
        owner = next((b for b in self._backends if b.name == owner_name), None)
        return owner is None or not owner.info().healthy
