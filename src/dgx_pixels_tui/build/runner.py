"""Making the assets a plan says are missing or stale: one job each through the worker's queue, followed with
progress bars, each asset's files landing as soon as its job is done.

A job is recorded in the lock as soon as it is queued, so a build that is interrupted (Ctrl-C, a closed
terminal, a killed process) leaves its jobs running on the worker; the next build takes them up instead of
queueing them again. What landed stays landed; nothing lands half.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console

from dgx_pixels_worker.client import AsyncClient
from dgx_pixels_worker.protocol import ErrorCode, WorkerError
from dgx_pixels_worker.protocol import messages as m

from ..bevy_export import BevyExportError
from ..commands.generate import follow_jobs, postprocess_to_send, queue_generate
from ..palette_lock import palette_to_send
from .landing import LandingError, land
from .lock import Lock, Queued
from .manifest import Asset, Manifest


@dataclass
class BuildReport:
    made: dict[str, list[Path]] = field(default_factory=dict)  # asset -> the files written
    failed: dict[str, str] = field(default_factory=dict)  # asset -> why, and what to do
    taken_up: list[str] = field(default_factory=list)  # assets whose job an interrupted build had queued


def request_of(asset: Asset) -> dict[str, Any]:
    """The generate fields of an asset, palette files read and sent as colours. ValueError for a palette or
    post-processing step that cannot be read."""
    fields = asset.request
    params: dict[str, Any] = {
        key: fields[key]
        for key in ("negative", "model", "seed", "width", "height", "count", "steps", "cfg", "tags")
        if fields.get(key) is not None
    }
    if asset.frames > 1:
        params.update(frames=asset.frames, motion=fields["motion"])
    if fields.get("tile"):
        params["tile"] = True
    if fields.get("post") is not None:
        params["postprocess"] = postprocess_to_send(fields["post"])
    palette = str(asset.palette_file) if asset.palette_file is not None else fields.get("palette")
    if palette is not None and (sent := palette_to_send(str(palette), "")) is not None:
        params["palette"] = sent
    return params


async def run_build(
    client: AsyncClient,
    manifest: Manifest,
    assets: list[Asset],
    lock: Lock,
    console: Console,
    force: bool = False,
    report: BuildReport | None = None,
) -> BuildReport:
    """Make `assets` and land them; the report (`report`, filled as the build goes) says what was made and what
    failed. WorkerError when the worker cannot be reached at all."""
    report = report if report is not None else BuildReport()
    worker_version = (await client.hello()).worker_version
    stream = client.events()
    await anext(stream)  # subscribed before anything is queued, so no job's end is missed
    try:
        running: dict[str, m.JobInfo] = {}
        owner: dict[str, Asset] = {}
        for asset in assets:
            try:
                job, taken_up = await _queue(client, asset, lock)
            except (ValueError, WorkerError) as exc:
                if isinstance(exc, WorkerError) and exc.code in (ErrorCode.TIMEOUT, ErrorCode.ACCESS_DENIED):
                    raise
                report.failed[asset.name] = exc.message if isinstance(exc, WorkerError) else str(exc)
                continue
            if taken_up:
                report.taken_up.append(asset.name)
            owner[job.id] = asset
            if job.state is m.JobState.COMPLETED:
                await _land(client, manifest, asset, job, lock, worker_version, force, report)
            else:
                running[job.id] = job

        async def finished(job: m.JobInfo) -> None:
            asset = owner[job.id]
            if job.state is m.JobState.COMPLETED:
                await _land(client, manifest, asset, job, lock, worker_version, force, report)
                return
            lock.queued.pop(asset.name, None)
            lock.save()
            why = job.error.message if job.error else f"its job {job.id} was {job.state.value}"
            report.failed[asset.name] = why

        if running:
            labels = {job_id: owner[job_id].name for job_id in running}
            await follow_jobs(client, stream, running, console, labels, finished, overall="assets")
    finally:
        await stream.aclose()
    return report


async def _queue(client: AsyncClient, asset: Asset, lock: Lock) -> tuple[m.JobInfo, bool]:
    """The asset's job: the one an interrupted build queued for the same inputs when the worker still has it
    (and it did not fail), else a new one, recorded in the lock at once. True when it was taken up."""
    earlier = lock.queued.get(asset.name)
    if earlier is not None and earlier.inputs_hash == asset.inputs_hash:
        try:
            job = await client.job(earlier.job)
        except WorkerError as exc:
            if exc.code != ErrorCode.UNKNOWN_JOB:
                raise
        else:
            if job.state not in (m.JobState.FAILED, m.JobState.CANCELLED):
                return job, True
    job = await queue_generate(client, asset.prompt, request_of(asset), f"{asset.name}:", asset.own_prompt)
    lock.queued[asset.name] = Queued(job.id, asset.inputs_hash)
    lock.save()
    return job, False


async def _land(
    client: AsyncClient,
    manifest: Manifest,
    asset: Asset,
    job: m.JobInfo,
    lock: Lock,
    worker_version: str,
    force: bool,
    report: BuildReport,
) -> None:
    try:
        report.made[asset.name] = await land(client, manifest, asset, job, lock, worker_version, force)
    except (LandingError, BevyExportError) as exc:
        report.failed[asset.name] = str(exc)
    except WorkerError as exc:
        if exc.code in (ErrorCode.TIMEOUT, ErrorCode.ACCESS_DENIED):
            raise
        report.failed[asset.name] = f"{exc.message}; the next build makes it again"
        lock.queued.pop(asset.name, None)  # its images are gone from the worker: taking the job up again cannot work
        lock.save()
