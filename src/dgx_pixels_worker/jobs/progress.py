"""Live progress of running jobs: progress events at most every `progress_interval_s` (and always the last
step), previews at most every `preview_interval_s`, shrunk to `preview_max_px`."""

from __future__ import annotations

import io
import time

from PIL import Image

from ..backends import Preview, Progress
from ..protocol.messages import JobPreview, JobProgress
from ..serving.publisher import EventPublisher
from ..settings.config import WorkerSettings
from .active import RunningJob
from .record import JobRecord


class ProgressReporter:
    def __init__(self, publisher: EventPublisher, settings: WorkerSettings):
        self._publisher = publisher
        self._settings = settings

    def progress(self, running: RunningJob, index: int, event: Progress) -> None:
        job, live = running.record, running.live
        fraction = event.step / event.total if event.total else 0.0
        live.progress = min(1.0, (index + fraction) / job.count)
        live.image_index, live.step, live.total, live.stage = index, event.step, event.total, event.stage
        now = time.monotonic()
        final = event.step >= event.total
        if final or now - live.last_progress_at >= self._settings.progress_interval_s:
            live.last_progress_at = now
            body = JobProgress(
                job_id=job.id,
                progress=live.progress,
                step=event.step,
                total=event.total,
                stage=event.stage,
                image_index=index,
            )
            self._publisher.publish("job.progress", body, re=job.request_id)

    def requeued(self, job: JobRecord, why: str) -> None:
        """A job sent back to the queue mid-run: one progress event whose stage says why and what it waits for."""
        done = len(job.images)
        body = JobProgress(
            job_id=job.id,
            progress=min(1.0, done / job.count),
            step=0,
            total=0,
            stage=why,
            image_index=min(done, job.count - 1),
        )
        self._publisher.publish("job.progress", body, re=job.request_id)

    def preview(self, running: RunningJob, index: int, event: Preview) -> None:
        job, live = running.record, running.live
        now = time.monotonic()
        if now - live.last_preview_at < self._settings.preview_interval_s:
            return
        live.last_preview_at = now
        image = _fit(event.image, self._settings.preview_max_px)
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
        self._publisher.publish("preview", body, re=job.request_id)


def _fit(image: Image.Image, max_px: int) -> Image.Image:
    """Shrink by an integer factor (nearest neighbour) until it fits, so pixel art stays crisp."""
    factor = max(1, -(-max(image.width, image.height) // max_px))
    if factor == 1:
        return image
    return image.resize((max(1, image.width // factor), max(1, image.height // factor)), Image.Resampling.NEAREST)
