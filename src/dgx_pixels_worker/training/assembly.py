"""Training put together: the parts each request and the training job's run use."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..arena.comparisons import Arena
from ..backends import Backend
from ..database import Database
from ..gallery.images import ImageStore
from ..jobs.assembly import Jobs
from ..jobs.params import TrainingParams
from ..jobs.record import JobRecord
from ..jobs.sources import UPLOADS, VariationSources
from ..protocol import ErrorCode, WorkerError
from ..protocol import messages as m
from ..settings.presets import ModelPreset
from .dataset import Datasets
from .evaluation import Evaluations
from .images import image_size
from .presets import offer_trained
from .run import TrainingRun
from .submission import training_params
from .trained_store import TrainedStore


@dataclass(frozen=True)
class Training:
    jobs: Jobs
    arena: Arena
    backends: list[Backend]
    bases: Mapping[str, ModelPreset]
    sources: VariationSources
    datasets: Datasets
    store: TrainedStore
    run: TrainingRun
    evaluations: Evaluations
    data_dir: Path

    def upload_size(self, digest: str) -> tuple[int, int]:
        return image_size((self.data_dir / UPLOADS / f"{digest}.png").read_bytes())

    def made_by(self, request_id: str | None, user: str) -> JobRecord | None:
        return self.jobs.queue.made_by(request_id, user)

    def submit(
        self, request: m.TrainRequest, entries: list[m.DatasetEntry], client: str, user: str, request_id: str | None
    ) -> JobRecord:
        params = training_params(request, self.datasets.dataset(entries), self.bases, self.backends, self._taken())
        return self.jobs.queue.submit_params(params, request.priority, client, user, request_id)

    async def trained(self, name: str | None, loss_curve: bool = False) -> list[m.TrainedInfo]:
        if name is not None:
            one = self.store.get(name)
            if one is None:
                raise WorkerError(
                    ErrorCode.UNKNOWN_MODEL,
                    f"no trained preset {name!r}; `dgx-pixels train list` shows them",
                    {"model": name},
                )
            found = [one]
        else:
            found = self.store.all()
        evaluations = await self.arena.head_to_heads([(info.name, info.base) for info in found])
        return [
            info.model_copy(
                update={
                    "evaluation": evaluation,
                    "loss_curve": await asyncio.to_thread(self.store.loss_curve, info) if loss_curve else None,
                }
            )
            for info, evaluation in zip(found, evaluations, strict=True)
        ]

    def _taken(self) -> set[str]:
        """Names a new preset may not have: every preset, every trained one, and those being trained."""
        active = self.jobs.active
        unfinished = [*active.running_records(), *active.held.values(), *active.queued.queued()]
        training = {job.params.name for job in unfinished if isinstance(job.params, TrainingParams)}
        return {model.name for model in self.jobs.catalogue.models()} | set(self.store.names()) | training


def assemble_training(
    db: Database, jobs: Jobs, arena: Arena, backends: list[Backend], bases: Mapping[str, ModelPreset], data_dir: Path
) -> Training:
    store = TrainedStore(db, data_dir)
    datasets = Datasets(db, ImageStore(db), jobs.sources, data_dir)
    run = TrainingRun(datasets, store, jobs.lifecycle, jobs.reporter, backends, bases)
    jobs.execution.train = run.run
    jobs.views.training_estimate = run.estimate
    arena.trained_bases = store.names
    offer_trained(backends, bases, store.all())
    return Training(
        jobs, arena, backends, bases, jobs.sources, datasets, store, run, Evaluations(arena, store), data_dir
    )
