"""A recorded worker: a client that answers the TUI from fixed data, for deterministic screenshots and benchmarks.

`RecordedClient` has the async methods the app, the link and the screens call on an `AsyncClient`, and answers
from the fixed queue, models, images and status below. Nothing is random and nothing reads the clock: every
timestamp is fixed (long ago), PNGs are rendered by the procedural generator from (prompt, seed) and encoded by
Pillow, so two runs give the same bytes. `events()` yields one connected Snapshot and then waits forever (the
worker "stays up and quiet"); it never yields Stalled, so the connection bar stays connected.

Actions (generate, cancel, retry, set_priority) answer plausibly without changing the fixed queue, and are
recorded in `calls` so a test can check what was asked.

Screens that show times relative to now (the queue's elapsed and eta) must be run with the clock frozen at
`FROZEN_NOW`; the gallery shows local dates, so run it with TZ=UTC.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
from collections.abc import AsyncIterator
from functools import cache
from typing import Any

from PIL import Image

from dgx_pixels_worker.client import Snapshot
from dgx_pixels_worker.protocol import ErrorCode, WorkerError
from dgx_pixels_worker.protocol import messages as m

ADDRESS = "tcp://127.0.0.1:5555"
EVENTS_ADDRESS = "tcp://127.0.0.1:5556"
EPOCH = "5eed0000c0ffee00"
SEQ = 10
T0 = 1_700_000_000.0  # 2023-11-14 22:13:20 UTC
FROZEN_NOW = T0 + 600.0  # what `time.time()` should answer while a recorded screen is drawn
WORKER_VERSION = "0.1.0"
SPRITE_PX = 32

LIMITS = {"prompt_chars": 2000, "min_size": 16, "max_size": 2048, "max_count": 64, "max_steps": 150,
          "max_cfg": 30.0, "max_tags": 16, "max_queued": 10000}

PROCEDURAL_BACKEND = m.BackendInfo(
    name="procedural", kind="procedural", healthy=True, detail="embedded procedural generator (offline, not AI)",
    running=1, slots=1,
)
SPARK_BACKEND = m.BackendInfo(
    name="spark", kind="comfyui", healthy=False, detail="http://spark.local:8188 unreachable: connection refused",
    running=0, slots=2,
)

HELLO = m.HelloReply(
    worker_version=WORKER_VERSION, protocol=1, supported_protocols=[1], epoch=EPOCH, events=EVENTS_ADDRESS,
    capabilities=["events.seq", "events.preview", "image.bytes", "jobs.snapshot", "retry"],
    backends=[PROCEDURAL_BACKEND, SPARK_BACKEND], default_model="procedural", limits=LIMITS, procedural_only=True,
)

SDXL_REASON = "LoRA pixel-art-xl.safetensors is not installed on spark (installed: none)"
MODELS = [
    m.ModelInfo(
        name="procedural", backend="procedural", kind="procedural", available=True,
        description="Offline procedural pixel sprites (not AI): silhouettes and palettes chosen from prompt words.",
        tags=["character", "item", "tile", "creature"], defaults={"width": 64, "height": 64, "steps": 8, "cfg": 0.0},
        limits={"min_size": 16, "max_size": 128, "max_steps": 100}, where={"procedural": None},
    ),
    m.ModelInfo(
        name="sdxl-pixel-art", backend="spark", kind="comfyui", available=False, reason=f"spark: {SDXL_REASON}",
        description="SDXL base 1.0 with the Pixel Art XL LoRA: crisp sprites; best downscaled 8x afterwards.",
        tags=["character", "item", "creature"], defaults={"width": 1024, "height": 1024, "steps": 30, "cfg": 6.0},
        checkpoint="sd_xl_base_1.0.safetensors", where={"spark": SDXL_REASON},
    ),
]


def _job(job_id: str, state: m.JobState, prompt: str, seed: int, created: float, **fields: Any) -> m.JobInfo:
    values: dict[str, Any] = {
        "id": job_id, "state": state, "prompt": prompt, "negative": "", "model": "procedural", "seed": seed,
        "count": 1, "width": SPRITE_PX, "height": SPRITE_PX, "steps": 8, "cfg": 0.0, "priority": 0, "tags": [],
        "client": "dgx-pixels", "user": "ada", "created_at": T0 + created, "request_id": f"r{job_id[:15]}",
    }
    values.update(fields)
    for key in ("started_at", "finished_at"):
        if values.get(key) is not None:
            values[key] = T0 + values[key]
    return m.JobInfo(**values)


JOBS = [
    _job("0a1b2c3d4e5f", m.JobState.RUNNING, "red knight with a sword", 42, 580.0, started_at=590.0,
         backend="procedural", attempts=1, progress=0.5, image_index=0, step=4, total=8, stage="shaping humanoid"),
    _job("1b2c3d4e5f60", m.JobState.QUEUED, "blue potion bottle", 7, 595.0, priority=10),
    _job("2c3d4e5f6071", m.JobState.QUEUED, "wooden treasure chest", 11, 596.0, count=4, tags=["item"]),
    _job("3d4e5f607182", m.JobState.COMPLETED, "green slime", 1, 100.0, started_at=101.0, finished_at=102.5,
         backend="procedural", attempts=1, progress=1.0, step=8, total=8, stage="done", images=["3d4e5f607182-0"],
         backend_ms=3.3),
    _job("4e5f60718293", m.JobState.COMPLETED, "fire dragon", 2, 290.0, started_at=291.0, finished_at=300.0,
         count=2, backend="procedural", attempts=1, progress=1.0, image_index=1, step=8, total=8, stage="done",
         images=["4e5f60718293-0", "4e5f60718293-1"], tags=["creature"], user="grace", backend_ms=7.1),
    _job("5f6071829304", m.JobState.FAILED, "pixel art wizard casting a spell", 99, 390.0, finished_at=400.0,
         model="sdxl-pixel-art", width=1024, height=1024, steps=30, cfg=6.0,
         error=m.ErrorInfo(code="backend_unavailable", message=f"no server can run sdxl-pixel-art: {SDXL_REASON}")),
    _job("6071829304a5", m.JobState.CANCELLED, "stone wall tile", 5, 440.0, started_at=441.0, finished_at=450.0,
         backend="procedural", attempts=1, progress=0.25, step=2, total=8, stage="shaping tile", tags=["tile"]),
]


def _image(job: m.JobInfo, index: int, created: float) -> m.ImageInfo:
    image_id = f"{job.id}-{index}"
    seed = job.seed + index
    png = sprite_png(job.prompt, seed)
    params = {"prompt": job.prompt, "negative": job.negative, "model": job.model, "steps": job.steps, "cfg": job.cfg,
              "tags": list(job.tags), "seed": seed, "width": job.width, "height": job.height,
              "backend": "procedural", "generator": "procedural/1"}
    return m.ImageInfo(
        id=image_id, job_id=job.id, index=index, seed=seed, width=job.width, height=job.height,
        path=f"images/2023-11-14/{image_id}.png", bytes=len(png), sha256=hashlib.sha256(png).hexdigest(),
        created_at=T0 + created, params=params,
    )


@cache
def sprite_png(prompt: str, seed: int, size: int = SPRITE_PX) -> bytes:
    """The procedural sprite for (prompt, seed) as PNG bytes; the same bytes every time."""
    from dgx_pixels_worker.procedural import render_sprite  # imported late: the generator is not needed to import

    buffer = io.BytesIO()
    Image.fromarray(render_sprite(prompt, seed, size, size), "RGBA").save(buffer, "PNG")
    return buffer.getvalue()


@cache
def images() -> list[m.ImageInfo]:
    """Every stored image, newest first."""
    by_id = {job.id: job for job in JOBS}
    made = [
        _image(by_id["3d4e5f607182"], 0, 102.4),
        _image(by_id["4e5f60718293"], 0, 295.0),
        _image(by_id["4e5f60718293"], 1, 299.9),
    ]
    return sorted(made, key=lambda image: -image.created_at)


STATUS = m.StatusReply(
    worker_version=WORKER_VERSION, epoch=EPOCH, seq=SEQ, uptime_s=5400.0, pid=4242, data_dir="/var/lib/dgx-pixels",
    queue={"queued": 2, "running": 1, "completed": 2, "failed": 1, "cancelled": 1},
    backends=[PROCEDURAL_BACKEND, SPARK_BACKEND],
    throughput=m.Throughput(completed_total=2, jobs_per_min=1.0, images_per_min=3.0),
    procedural_only=True,
    gpus=[m.GpuInfo(
        name="NVIDIA GB10", source="nvml", utilization=37.0, memory_used=38 * 2**30, memory_total=119 * 2**30,
        unified_memory=True, note="unified memory: system RAM shared with the CPU",
    )],
)


class RecordedStream:
    """Like EventStream: the first item is a "connected" snapshot; after it, the stream waits until cancelled."""

    def __init__(self) -> None:
        self.sent = False

    def __aiter__(self) -> AsyncIterator[Snapshot]:
        return self

    async def __anext__(self) -> Snapshot:
        if not self.sent:
            self.sent = True
            return Snapshot(jobs=list(JOBS), seq=SEQ, epoch=EPOCH, reason="connected")
        await asyncio.get_running_loop().create_future()  # never resolved: a quiet worker
        raise StopAsyncIteration

    async def aclose(self) -> None:
        pass


class RecordedClient:
    """Stands in for `AsyncClient` with fixed answers; see the module docstring."""

    def __init__(self, address: str = ADDRESS, name: str = "dgx-pixels") -> None:
        self.address = address
        self.name = name
        self.user = "ada"
        self.timeout = 5.0
        self.hello_reply: m.HelloReply | None = None
        self.jobs_by_id = {job.id: job for job in JOBS}
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self.closed = False

    # ------------------------------------------------------------ connection

    async def hello(self, timeout: float | None = None) -> m.HelloReply:
        self.hello_reply = HELLO
        return HELLO

    async def ping(self, timeout: float | None = None) -> m.PingReply:
        return m.PingReply(time=FROZEN_NOW)

    async def events_address(self) -> str:
        return EVENTS_ADDRESS

    def events(self, *, previews: bool = False, silence_s: float = 5.0) -> RecordedStream:
        """One snapshot of the fixed queue, then silence forever (no events, and no Stalled either)."""
        return RecordedStream()

    async def close(self) -> None:
        self.closed = True

    async def __aenter__(self) -> RecordedClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # ------------------------------------------------------------ reads

    async def job(self, job_id: str) -> m.JobInfo:
        return self._job(job_id)

    async def jobs(self, states: list[m.JobState] | None = None, limit: int = 200) -> m.JobsReply:
        chosen = [job for job in JOBS if not states or job.state in states]
        return m.JobsReply(jobs=chosen, seq=SEQ, epoch=EPOCH)

    async def models(self) -> list[m.ModelInfo]:
        return list(MODELS)

    async def model_library(self) -> m.ModelsReply:
        return m.ModelsReply(models=list(MODELS), problems=[])

    async def images(
        self, query: str = "", model: str | None = None, tag: str | None = None, limit: int = 60,
        before: float | None = None,
    ) -> m.ImagesReply:
        matching = [
            image for image in images()
            if query.lower() in str(image.params.get("prompt", "")).lower()
            and (model is None or image.params.get("model") == model)
            and (tag is None or tag.strip().lower() in image.params.get("tags", []))
        ]
        page = [image for image in matching if before is None or image.created_at < before][:limit]
        return m.ImagesReply(images=page, total=len(matching))

    async def image(self, image_id: str, include_bytes: bool = True, max_px: int | None = None) -> m.ImageReply:
        info = next((image for image in images() if image.id == image_id), None)
        if info is None:
            raise WorkerError(ErrorCode.UNKNOWN_IMAGE, f"no image {image_id!r}; image ids look like JOBID-0",
                              {"image_id": image_id})
        if not include_bytes:
            return m.ImageReply(image=info)
        png = sprite_png(str(info.params["prompt"]), info.seed)
        if max_px is not None:
            from dgx_pixels_worker.outputs import thumbnail_png

            png = thumbnail_png(png, max_px)
        return m.ImageReply(image=info, png=png)

    async def status(self) -> m.StatusReply:
        return STATUS

    # ------------------------------------------------------------ actions (answered, never applied)

    async def generate(self, prompt: str, **params: Any) -> m.JobInfo:
        self.calls.append(("generate", (prompt, params)))
        request = m.GenerateRequest(prompt=prompt, **params)
        return _job("7182930415b6", m.JobState.QUEUED, prompt, request.seed if request.seed is not None else 1234,
                    600.0, count=request.count, width=request.width or 64, height=request.height or 64,
                    steps=request.steps or 8, cfg=request.cfg or 0.0, model=request.model or "procedural",
                    priority=request.priority, tags=list(request.tags))

    async def cancel(self, job_id: str) -> m.JobInfo:
        self.calls.append(("cancel", (job_id,)))
        job = self._job(job_id)
        if job.state.terminal:
            raise WorkerError(ErrorCode.JOB_FINISHED, f"job {job.id} already {job.state.value}")
        if job.state is m.JobState.RUNNING:
            return job.model_copy(update={"cancel_requested": True})
        return job.model_copy(update={"state": m.JobState.CANCELLED, "finished_at": FROZEN_NOW})

    async def retry(self, job_id: str) -> m.JobInfo:
        self.calls.append(("retry", (job_id,)))
        job = self._job(job_id)
        if not job.state.terminal:
            raise WorkerError(ErrorCode.INVALID,
                              f"job {job.id} is still {job.state.value}; only finished jobs are retried")
        return _job("8293041526c7", m.JobState.QUEUED, job.prompt, job.seed, 600.0, count=job.count,
                    model=job.model, width=job.width, height=job.height, steps=job.steps, cfg=job.cfg,
                    retry_of=job.id)

    async def set_priority(self, job_id: str, priority: int) -> m.JobInfo:
        self.calls.append(("priority", (job_id, priority)))
        job = self._job(job_id)
        if job.state is not m.JobState.QUEUED:
            raise WorkerError(ErrorCode.INVALID, f"job {job.id} is {job.state.value}; only queued jobs are reordered")
        return job.model_copy(update={"priority": priority})

    def _job(self, job_id: str) -> m.JobInfo:
        job = self.jobs_by_id.get(job_id)
        if job is None:
            raise WorkerError(ErrorCode.UNKNOWN_JOB, f"no job {job_id!r}", {"job_id": job_id})
        return job
