"""The worker's status as `status` replies and `worker.status` events carry it."""

from __future__ import annotations

import os
import time
from pathlib import Path

from .. import __version__
from ..backends.gpu_metrics import NvmlReader
from ..jobs.assembly import Jobs
from ..protocol import messages as m
from .publisher import EventPublisher


class WorkerStatus:
    def __init__(
        self, jobs: Jobs, publisher: EventPublisher, data_dir: Path, started_at: float, gpu_reader: NvmlReader | None
    ):
        self._jobs = jobs
        self._publisher = publisher
        self._data_dir = data_dir
        self._started_at = started_at
        self._gpu_reader = gpu_reader

    def status(self) -> m.StatusReply:
        jobs_per_min, images_per_min = self._jobs.throughput.last_minute()
        return m.StatusReply(
            worker_version=__version__,
            epoch=self._publisher.epoch,
            seq=self._publisher.seq,
            uptime_s=time.time() - self._started_at,
            pid=os.getpid(),
            data_dir=str(self._data_dir),
            queue=self._jobs.views.counts(),
            backends=self._jobs.views.backend_infos(),
            throughput=m.Throughput(
                completed_total=self._jobs.throughput.completed_total,
                jobs_per_min=float(jobs_per_min),
                images_per_min=float(images_per_min),
            ),
            procedural_only=self._jobs.catalogue.procedural_only(),
            gpus=self._gpus(),
            paused=self._jobs.pause.state,
        )

    def heartbeat(self) -> m.Heartbeat:
        return m.Heartbeat(
            uptime_s=time.time() - self._started_at,
            queued=len(self._jobs.active.queued),
            running=len(self._jobs.active.running),
        )

    def _gpus(self) -> list[m.GpuInfo]:
        local = self._gpu_reader.read() if self._gpu_reader else []
        return local or [gpu for backend in self._jobs.catalogue.backends for gpu in backend.gpus()]
