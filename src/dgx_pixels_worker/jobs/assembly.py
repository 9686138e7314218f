"""The job domain put together: each part is handed the parts it works with."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..backends import Backend
from ..database import Database
from ..gallery.images import ImageStore
from ..serving.publisher import EventPublisher
from ..settings.config import Settings
from .active import ActiveJobs
from .catalogue import ModelCatalogue
from .execution import JobExecution
from .lifecycle import JobLifecycle
from .pause import QueuePause
from .progress import ProgressReporter
from .queue import JobQueue
from .saving import ImageSaver
from .slots import Slots
from .sources import VariationSources
from .store import JobStore
from .throughput import Throughput
from .views import JobViews


@dataclass(frozen=True)
class Jobs:
    store: JobStore
    active: ActiveJobs
    catalogue: ModelCatalogue
    views: JobViews
    lifecycle: JobLifecycle
    pause: QueuePause
    slots: Slots
    queue: JobQueue
    throughput: Throughput
    execution: JobExecution
    reporter: ProgressReporter
    sources: VariationSources


def assemble_jobs(
    db: Database, backends: list[Backend], publisher: EventPublisher, settings: Settings, data_dir: Path
) -> Jobs:
    store = JobStore(db)
    active = ActiveJobs()
    catalogue = ModelCatalogue(backends, settings)
    views = JobViews(active, store, backends, settings.worker.recent_jobs)
    pause = QueuePause(data_dir, publisher, active.wake_slots)
    lifecycle = JobLifecycle(store, active, views, publisher, pause)
    sources = VariationSources(db, ImageStore(db), data_dir)
    reporter = ProgressReporter(publisher, settings.worker)
    execution = JobExecution(
        lifecycle,
        reporter,
        ImageSaver(data_dir, settings.limits.max_size),
        settings.worker.max_attempts,
        sources,
    )
    slots = Slots(backends, active, lifecycle, execution, pause, settings.worker.affinity_max_wait_s)
    queue = JobQueue(lifecycle, store, active, catalogue, slots, settings, sources)
    throughput = Throughput()
    lifecycle.on_finish(throughput.job_finished)
    return Jobs(
        store, active, catalogue, views, lifecycle, pause, slots, queue, throughput, execution, reporter, sources
    )
