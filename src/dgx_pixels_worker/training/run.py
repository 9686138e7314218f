"""A training job's run on one backend: its dataset made ready, the training followed, and its result kept (the
LoRA and loss curve in the data directory, the trained preset in the database and offered by the backends).

Failures, requeues and the job's end are JobExecution's, as for any job (jobs/execution.py)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Mapping
from dataclasses import replace
from statistics import median
from typing import Any

from ..arena.head_to_head import untested
from ..backends import Backend, Progress, Submitted, TrainedLora, TrainingImage, TrainingTask
from ..jobs import image_files
from ..jobs.active import RunningJob
from ..jobs.lifecycle import JobLifecycle
from ..jobs.params import TrainingParams
from ..jobs.progress import ProgressReporter
from ..protocol import ErrorCode, WorkerError
from ..protocol import messages as m
from ..settings.presets import ModelPreset
from .dataset import Datasets
from .presets import trained_preset
from .trained_store import TrainedStore


class TrainingRun:
    def __init__(
        self,
        datasets: Datasets,
        store: TrainedStore,
        lifecycle: JobLifecycle,
        reporter: ProgressReporter,
        backends: list[Backend],
        bases: Mapping[str, ModelPreset],
    ):
        self._datasets = datasets
        self._store = store
        self._lifecycle = lifecycle
        self._reporter = reporter
        self._backends = backends
        self._bases = bases
        self._rates: list[float] | None = None  # seconds per step and image of the trainings kept

    async def run(self, backend: Backend, running: RunningJob, resume: dict[str, Any] | None) -> None:
        """Train, keep what it made and offer the preset; raises WorkerError (or CancelledError) as a render does.
        `resume`: what was recorded on this backend before a restart (the prompt id, when it was submitted)."""
        p = running.record.params
        assert isinstance(p, TrainingParams)
        kept = self._store.get(p.name)
        if kept is not None:
            if kept.job_id == running.record.id:  # kept before a restart that came before the job's end
                return
            raise WorkerError(
                ErrorCode.INVALID,
                f"preset {p.name} was trained already (job {kept.job_id}); train again under another name",
                {"field": "name"},
            )
        self._reporter.progress(running, 0, Progress(0, 0, f"preparing {len(p.dataset)} images"))
        prepared = await asyncio.to_thread(self._datasets.prepared, p.dataset, p.size)
        task = TrainingTask(
            job_id=running.record.id,
            name=p.name,
            checkpoint=p.checkpoint,
            images=tuple(TrainingImage(png, caption) for png, caption in prepared),
            steps=p.steps,
            rank=p.rank,
            learning_rate=p.learning_rate,
            seed=p.seed,
            size=p.size,
            resume_ref=resume["ref"] if resume else None,
        )
        began = float(resume.get("began") or time.time()) if resume else time.time()
        try:
            await self._train(backend, running, p, task, began)
        except WorkerError as exc:
            if not exc.details.get("forgotten"):
                raise
            # The server restarted since and forgot the training: in this same attempt, upload and train again.
            self._lifecycle.record_backend_ref(running, None)
            await self._train(backend, running, p, replace(task, resume_ref=None), time.time())

    async def _train(
        self, backend: Backend, running: RunningJob, p: TrainingParams, task: TrainingTask, began: float
    ) -> None:
        """`began`: when the training was first submitted, across restarts: what the estimate learns from."""
        async with contextlib.aclosing(backend.train(task)) as stream:
            async for event in stream:
                if isinstance(event, Submitted):
                    if event.ref != task.resume_ref:
                        began = time.time()
                    ref = json.dumps({"backend": backend.name, "index": 0, "ref": event.ref, "began": began})
                    self._lifecycle.record_backend_ref(running, ref)
                elif isinstance(event, Progress):
                    self._reporter.progress(running, 0, event)
                elif isinstance(event, TrainedLora):
                    await self._keep(running, backend, p, event, time.time() - began)
                    return
        raise WorkerError(ErrorCode.BACKEND_ERROR, f"{backend.name} ended the training without a LoRA")

    async def _keep(
        self, running: RunningJob, backend: Backend, p: TrainingParams, lora: TrainedLora, duration_s: float
    ) -> None:
        self._reporter.progress(running, 0, Progress(0, 0, "keeping the LoRA"))
        lora_path, loss_path = await asyncio.to_thread(self._store.write_files, p.name, lora.data, lora.loss_png)
        info = m.TrainedInfo(
            name=p.name,
            base=p.base,
            checkpoint=p.checkpoint,
            lora=lora.lora_name,
            file=lora_path,
            loss_png=loss_path,
            bytes=len(lora.data),
            sha256=image_files.sha256(lora.data),
            job_id=running.record.id,
            server=backend.name,
            user=running.record.user,
            created_at=time.time(),
            duration_s=duration_s,
            steps=p.steps,
            rank=p.rank,
            learning_rate=p.learning_rate,
            seed=p.seed,
            size=p.size,
            dataset=[
                m.DatasetEntry(image=item.image, caption=item.caption, width=p.size, height=p.size)
                for item in p.dataset
            ],
            evaluation=untested(p.name, p.base),
        )
        await asyncio.to_thread(self._store.add, info)
        self._rates = None
        base = self._bases.get(p.base)
        if base is not None:
            preset = trained_preset(base, info)
            for each in self._backends:
                each.add_preset(preset)

    def estimate(self, p: TrainingParams) -> float | None:
        """Seconds the training should take: the median seconds per step and image of this worker's earlier
        trainings, times this one's steps and images; None before the first."""
        if self._rates is None:
            self._rates = [t.duration_s / (t.steps * max(1, len(t.dataset))) for t in self._store.all() if t.steps]
        return median(self._rates) * p.steps * len(p.dataset) if self._rates else None
