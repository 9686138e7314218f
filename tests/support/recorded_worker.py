"""A recorded worker: a client that answers the TUI from fixed data, for deterministic screenshots and benchmarks.

`RecordedClient` is a `WorkerClient` (dgx_pixels_worker/client/api.py: what the TUI may call on a client), as
`AsyncClient` is (tests/unit/test_client_api.py checks both), and answers from the fixed queue, models, images and
status below. Nothing is random and nothing reads the clock: every timestamp is fixed (long ago), PNGs are rendered
by the procedural generator from (prompt, seed) and encoded by Pillow, so two runs give the same bytes. `events()`
yields one connected Snapshot and then waits forever (the worker "stays up and quiet"); it never yields Stalled, so
the connection bar stays connected.

Actions (generate, cancel, retry, set_priority) answer plausibly without changing the fixed queue, and are
recorded in `calls` so a test can check what was asked.

The arena answers too: `compare` makes a completed comparison whose panels all look cached (their images rendered
like the others, in each model's palette), numbered in order so that the first, the round queued ahead and so on
get fixed ids and seeds; `vote` moves the fixed LEADERBOARD's scores by fixed amounts; `leaderboard` answers
LEADERBOARD overall, a smaller board for the tag "hero", and an empty one for any other tag.

Screens that show times relative to now (the queue's elapsed and eta) must be run with the clock frozen at
`FROZEN_NOW`; the gallery shows local dates, so run it with TZ=UTC.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
from collections.abc import AsyncIterator, Sequence
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

LIMITS = {
    "prompt_chars": 2000,
    "min_size": 16,
    "max_size": 2048,
    "max_count": 64,
    "max_steps": 150,
    "max_cfg": 30.0,
    "max_tags": 16,
    "max_queued": 10000,
}

PROCEDURAL_BACKEND = m.BackendInfo(
    name="procedural",
    kind="procedural",
    healthy=True,
    detail="embedded procedural generator (offline, not AI)",
    running=1,
    slots=1,
)
SPARK_BACKEND = m.BackendInfo(
    name="spark",
    kind="comfyui",
    healthy=False,
    detail="http://spark.local:8188 unreachable: connection refused",
    running=0,
    slots=2,
)

HELLO = m.HelloReply(
    worker_version=WORKER_VERSION,
    protocol=1,
    supported_protocols=[1],
    epoch=EPOCH,
    events=EVENTS_ADDRESS,
    capabilities=["events.seq", "events.preview", "image.bytes", "jobs.snapshot", "retry"],
    backends=[PROCEDURAL_BACKEND, SPARK_BACKEND],
    default_model="procedural",
    limits=LIMITS,
    procedural_only=True,
)

SDXL_REASON = "LoRA pixel-art-xl.safetensors is not installed on spark (installed: none)"
MODELS = [
    m.ModelInfo(
        name="procedural",
        backend="procedural",
        kind="procedural",
        available=True,
        description="Offline procedural pixel sprites (not AI): silhouettes and palettes chosen from prompt words.",
        tags=["character", "item", "tile", "creature"],
        defaults={"width": 64, "height": 64, "steps": 8, "cfg": 0.0},
        limits={"min_size": 16, "max_size": 128, "max_steps": 100},
        where={"procedural": None},
    ),
    *(
        m.ModelInfo(
            name=f"procedural-{palette}",
            backend="procedural",
            kind="procedural",
            available=True,
            description=f"The procedural sprite in the {title} (offline, not AI).",
            tags=["character", "item", "tile", "creature"],
            defaults={"width": 64, "height": 64, "steps": 8, "cfg": 0.0},
            limits={"min_size": 16, "max_size": 128, "max_steps": 100},
            where={"procedural": None},
        )
        for palette, title in (("pico8", "PICO-8 palette"), ("gameboy", "four greens of the Game Boy"))
    ),
    m.ModelInfo(
        name="sdxl-pixel-art",
        backend="spark",
        kind="comfyui",
        available=False,
        reason=f"spark: {SDXL_REASON}",
        description="SDXL base 1.0 with the Pixel Art XL LoRA: crisp sprites; best downscaled 8x afterwards.",
        tags=["character", "item", "creature"],
        defaults={"width": 1024, "height": 1024, "steps": 30, "cfg": 6.0},
        checkpoint="sd_xl_base_1.0.safetensors",
        where={"spark": SDXL_REASON},
    ),
]


def _job(job_id: str, state: m.JobState, prompt: str, seed: int, created: float, **fields: Any) -> m.JobInfo:
    values: dict[str, Any] = {
        "id": job_id,
        "state": state,
        "prompt": prompt,
        "negative": "",
        "model": "procedural",
        "seed": seed,
        "count": 1,
        "width": SPRITE_PX,
        "height": SPRITE_PX,
        "steps": 8,
        "cfg": 0.0,
        "priority": 0,
        "tags": [],
        "client": "dgx-pixels",
        "user": "ada",
        "created_at": T0 + created,
        "request_id": f"r{job_id[:15]}",
    }
    values.update(fields)
    for key in ("started_at", "finished_at"):
        if values.get(key) is not None:
            values[key] = T0 + values[key]
    return m.JobInfo(**values)


JOBS = [
    _job(
        "0a1b2c3d4e5f",
        m.JobState.RUNNING,
        "red knight with a sword",
        42,
        580.0,
        started_at=590.0,
        backend="procedural",
        attempts=1,
        progress=0.5,
        image_index=0,
        step=4,
        total=8,
        stage="shaping humanoid",
    ),
    _job("1b2c3d4e5f60", m.JobState.QUEUED, "blue potion bottle", 7, 595.0, priority=10),
    _job("2c3d4e5f6071", m.JobState.QUEUED, "wooden treasure chest", 11, 596.0, count=4, tags=["item"]),
    _job(
        "3d4e5f607182",
        m.JobState.COMPLETED,
        "green slime",
        1,
        100.0,
        started_at=101.0,
        finished_at=102.5,
        backend="procedural",
        attempts=1,
        progress=1.0,
        step=8,
        total=8,
        stage="done",
        images=["3d4e5f607182-0"],
        backend_ms=3.3,
    ),
    _job(
        "4e5f60718293",
        m.JobState.COMPLETED,
        "fire dragon",
        2,
        290.0,
        started_at=291.0,
        finished_at=300.0,
        count=2,
        backend="procedural",
        attempts=1,
        progress=1.0,
        image_index=1,
        step=8,
        total=8,
        stage="done",
        images=["4e5f60718293-0", "4e5f60718293-1"],
        tags=["creature"],
        user="grace",
        backend_ms=7.1,
    ),
    _job(
        "5f6071829304",
        m.JobState.FAILED,
        "pixel art wizard casting a spell",
        99,
        390.0,
        finished_at=400.0,
        model="sdxl-pixel-art",
        width=1024,
        height=1024,
        steps=30,
        cfg=6.0,
        error=m.ErrorInfo(code="backend_unavailable", message=f"no server can run sdxl-pixel-art: {SDXL_REASON}"),
    ),
    _job(
        "6071829304a5",
        m.JobState.CANCELLED,
        "stone wall tile",
        5,
        440.0,
        started_at=441.0,
        finished_at=450.0,
        backend="procedural",
        attempts=1,
        progress=0.25,
        step=2,
        total=8,
        stage="shaping tile",
        tags=["tile"],
    ),
]


def _image(job: m.JobInfo, index: int, created: float) -> m.ImageInfo:
    image_id = f"{job.id}-{index}"
    seed = job.seed + index
    png = sprite_png(job.prompt, seed)
    params = {
        "prompt": job.prompt,
        "negative": job.negative,
        "model": job.model,
        "steps": job.steps,
        "cfg": job.cfg,
        "tags": list(job.tags),
        "seed": seed,
        "width": job.width,
        "height": job.height,
        "backend": "procedural",
        "generator": "procedural/1",
    }
    return m.ImageInfo(
        id=image_id,
        job_id=job.id,
        index=index,
        seed=seed,
        width=job.width,
        height=job.height,
        path=f"images/2023-11-14/{image_id}.png",
        bytes=len(png),
        sha256=hashlib.sha256(png).hexdigest(),
        created_at=T0 + created,
        params=params,
    )


@cache
def sprite_png(prompt: str, seed: int, size: int = SPRITE_PX, palette: str | None = None) -> bytes:
    """The procedural sprite for (prompt, seed) as PNG bytes, mapped onto `palette` if one is named (as the
    procedural-pico8 and -gameboy models do); the same bytes every time."""
    from dgx_pixels_worker.procedural import render_sprite  # imported late: the generator is not needed to import

    pixels = render_sprite(prompt, seed, size, size)
    if palette is not None:
        from dgx_pixels_worker.pixelart.palette import map_to_palette, named_palette

        pixels = map_to_palette(pixels, named_palette(palette))
    buffer = io.BytesIO()
    Image.fromarray(pixels, "RGBA").save(buffer, "PNG")
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
    worker_version=WORKER_VERSION,
    epoch=EPOCH,
    seq=SEQ,
    uptime_s=5400.0,
    pid=4242,
    data_dir="/var/lib/dgx-pixels",
    queue={"queued": 2, "running": 1, "completed": 2, "failed": 1, "cancelled": 1},
    backends=[PROCEDURAL_BACKEND, SPARK_BACKEND],
    throughput=m.Throughput(completed_total=2, jobs_per_min=1.0, images_per_min=3.0),
    procedural_only=True,
    gpus=[
        m.GpuInfo(
            name="NVIDIA GB10",
            source="nvml",
            utilization=37.0,
            memory_used=38 * 2**30,
            memory_total=119 * 2**30,
            unified_memory=True,
            note="unified memory: system RAM shared with the CPU",
        )
    ],
)


COMPARISON_IDS = ("c0a1b2c3d4e5", "c1b2c3d4e5f6", "c2c3d4e5f607", "c3d4e5f60718")
COMPARISON_SEED = 4242  # the seed of the first comparison made without one; the next get 4243, 4244...


def _board_row(
    preset: str, score: float, low: float, high: float, wins: int, losses: int, ties: int, both_bad: int
) -> m.LeaderboardRow:
    votes = wins + losses + ties + both_bad
    return m.LeaderboardRow(
        preset=preset,
        score=score,
        ci_low=low,
        ci_high=high,
        votes=votes,
        wins=wins,
        losses=losses,
        ties=ties,
        both_bad=both_bad,
        skips=1,
        games=votes,
    )


LEADERBOARD = m.LeaderboardReply(
    tag=None,
    total_votes=21,
    bootstrap_rounds=200,
    rows=[
        _board_row("procedural-pico8", 1562.4, 1521.0, 1604.9, 9, 4, 2, 1),
        _board_row("procedural", 1497.1, 1455.3, 1540.2, 6, 7, 3, 2),
        _board_row("procedural-gameboy", 1440.5, 1391.8, 1488.0, 4, 8, 1, 1),
    ],
    win_rate={},
    tags=[("hero", 6), ("item", 4)],
)
HERO_LEADERBOARD = m.LeaderboardReply(
    tag="hero",
    total_votes=6,
    bootstrap_rounds=200,
    rows=[
        _board_row("procedural", 1530.0, 1470.2, 1590.6, 3, 1, 1, 0),
        _board_row("procedural-pico8", 1470.0, 1409.4, 1529.8, 1, 3, 1, 0),
    ],
    win_rate={},
    tags=LEADERBOARD.tags,
)


# Training (RecordedClient(training=True)): a ComfyUI base that can train, the preset trained on it, a training job
# running in the queue. The gallery image of one colour (the green slime) is a dataset item with a problem.
TRAINING_BACKEND = SPARK_BACKEND.model_copy(update={"healthy": True, "detail": "http://spark.local:8188"})
BASE_MODEL = m.ModelInfo(
    name="sdxl-base",
    backend="spark",
    kind="comfyui",
    available=True,
    description="SDXL base 1.0: the checkpoint alone, a base to train a LoRA on.",
    tags=["character", "item"],
    defaults={"width": 1024, "height": 1024, "steps": 30, "cfg": 6.0},
    checkpoint="sd_xl_base_1.0.safetensors",
    where={"spark": None},
)
TRAINED_MODEL = BASE_MODEL.model_copy(
    update={"name": "knights-v1", "description": "sdxl-base with the LoRA knights-v1 (trained here)"}
)
ONE_COLOUR = "3d4e5f607182-0"
ONE_COLOUR_PROBLEM = f"{ONE_COLOUR} is a single colour: a LoRA learns nothing from it; leave it out"
TRAINING_JOB = _job(
    "9a0b1c2d3e4f",
    m.JobState.RUNNING,
    "train LoRA knights-v1 on 12 images",
    7,
    500.0,
    started_at=540.0,
    backend="spark",
    attempts=1,
    model="sdxl-base",
    width=512,
    height=512,
    steps=400,
    stage="training",
    kind="training",
    training=m.TrainingSummary(
        name="knights-v1",
        base="sdxl-base",
        images=12,
        steps=400,
        rank=16,
        learning_rate=0.0002,
        size=512,
        estimate_s=900.0,
    ),
)


def _loss_curve() -> bytes:
    """A small falling line on white, as ComfyUI's LossGraphNode draws one."""
    image = Image.new("RGB", (48, 32), "white")
    for x in range(48):
        image.putpixel((x, min(31, 2 + (48 - x) * 28 // 48)), (0, 0, 255))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


LOSS_CURVE = _loss_curve()
TRAINED = m.TrainedInfo(
    name="knights-v1",
    base="sdxl-base",
    checkpoint="sd_xl_base_1.0.safetensors",
    lora="dgx-pixels/knights-v1_00400_.safetensors",
    file="loras/knights-v1.safetensors",
    loss_png="loras/knights-v1-loss.png",
    bytes=45_000_000,
    sha256="0" * 64,
    job_id="8f9e0d1c2b3a",
    server="spark",
    user="ada",
    created_at=T0 + 200.0,
    duration_s=812.0,
    steps=400,
    rank=16,
    learning_rate=0.0002,
    seed=7,
    size=512,
    dataset=[
        m.DatasetEntry(image="4e5f60718293-0", caption="fire dragon", width=32, height=32),
        m.DatasetEntry(image="4e5f60718293-1", caption="fire dragon", width=32, height=32),
    ],
    evaluation=m.HeadToHead(
        model="knights-v1",
        base="sdxl-base",
        wins=7,
        losses=2,
        ties=1,
        games=10,
        win_rate=0.75,
        ci_low=0.46,
        ci_high=0.91,
        verdict="undecided",
    ),
)
EVALUATION_IDS = ("e0a1b2c3d4e5", "e1b2c3d4e5f6", "e2c3d4e5f607", "e3d4e5f60718")


def palette_of(model: str) -> str | None:
    """procedural-pico8 -> pico8: the palette a procedural style maps its sprite onto."""
    return model.removeprefix("procedural-") if model.startswith("procedural-") else None


class RecordedStream:
    """Like EventStream: the first item is a "connected" snapshot; after it, the stream waits until cancelled."""

    def __init__(self, jobs: list[m.JobInfo] | None = None) -> None:
        self.sent = False
        self.jobs = list(JOBS) if jobs is None else jobs

    def __aiter__(self) -> AsyncIterator[Snapshot]:
        return self

    async def __anext__(self) -> Snapshot:
        if not self.sent:
            self.sent = True
            return Snapshot(jobs=list(self.jobs), seq=SEQ, epoch=EPOCH, reason="connected")
        await asyncio.get_running_loop().create_future()  # never resolved: a quiet worker
        raise StopAsyncIteration

    async def aclose(self) -> None:
        pass


class RecordedClient:
    """Stands in for `AsyncClient` with fixed answers; see the module docstring."""

    def __init__(self, address: str = ADDRESS, name: str = "dgx-pixels", training: bool = False) -> None:
        """`training`: the worker also has a ComfyUI base that can train, a preset trained on it, and a training job
        running (see TRAINED); without it, nothing here can train."""
        self.training = training
        self.address = address
        self.name = name
        self.user = "ada"
        self.timeout = 5.0
        self.hello_reply: m.HelloReply | None = None
        self.queue = [*JOBS, TRAINING_JOB] if training else list(JOBS)
        self.jobs_by_id = {job.id: job for job in self.queue}
        self.uploads: dict[str, tuple[int, int]] = {}  # "upload:<sha256>" -> its size
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self.closed = False
        self.comparisons: dict[str, m.ComparisonInfo] = {}
        self.comparison_images: dict[str, m.ImageInfo] = {}  # the panels' images, apart from the gallery's

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
        return RecordedStream(self.queue)

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
        chosen = [job for job in self.queue if not states or job.state in states]
        return m.JobsReply(jobs=chosen, seq=SEQ, epoch=EPOCH)

    async def models(self) -> list[m.ModelInfo]:
        return [*MODELS, BASE_MODEL, TRAINED_MODEL] if self.training else list(MODELS)

    async def model_library(self) -> m.ModelsReply:
        return m.ModelsReply(models=await self.models(), problems=[])

    async def palettes(self) -> list[m.PaletteInfo]:
        self.calls.append(("palettes", ()))
        return [
            m.PaletteInfo(name="gameboy", colors=["#0f380f", "#306230", "#8bac0f", "#9bbc0f"], shipped=True),
            m.PaletteInfo(name="pico8", colors=["#000000", "#1d2b53", "#7e2553", "#008751"], shipped=True),
        ]

    async def images(
        self,
        query: str = "",
        model: str | None = None,
        tag: str | None = None,
        limit: int = 60,
        before: float | None = None,
    ) -> m.ImagesReply:
        matching = [
            image
            for image in images()
            if query.lower() in str(image.params.get("prompt", "")).lower()
            and (model is None or image.params.get("model") == model)
            and (tag is None or tag.strip().lower() in image.params.get("tags", []))
        ]
        page = [image for image in matching if before is None or image.created_at < before][:limit]
        return m.ImagesReply(images=page, total=len(matching))

    async def image(
        self, image_id: str, include_bytes: bool = True, max_px: int | None = None, raw: bool = False
    ) -> m.ImageReply:
        """`raw` is taken, as AsyncClient takes it, and ignored: the recorded images were never post-processed."""
        info = next((image for image in images() if image.id == image_id), self.comparison_images.get(image_id))
        if info is None:
            raise WorkerError(
                ErrorCode.UNKNOWN_IMAGE, f"no image {image_id!r}; image ids look like JOBID-0", {"image_id": image_id}
            )
        if not include_bytes:
            return m.ImageReply(image=info)
        png = sprite_png(str(info.params["prompt"]), info.seed, palette=palette_of(str(info.params["model"])))
        if max_px is not None:
            from dgx_pixels_worker.jobs.image_files import thumbnail_png

            png = thumbnail_png(png, max_px)
        return m.ImageReply(image=info, png=png)

    async def status(self) -> m.StatusReply:
        return STATUS

    # ------------------------------------------------------------ actions (answered, never applied)

    async def generate(self, prompt: str, **params: Any) -> m.JobInfo:
        params.pop("request_id", None)  # the same answer, sent again or not
        self.calls.append(("generate", (prompt, params)))
        request = m.GenerateRequest(prompt=prompt, **params)
        return _job(
            "7182930415b6",
            m.JobState.QUEUED,
            prompt,
            request.seed if request.seed is not None else 1234,
            600.0,
            count=request.count,
            width=request.width or 64,
            height=request.height or 64,
            steps=request.steps or 8,
            cfg=request.cfg or 0.0,
            model=request.model or "procedural",
            priority=request.priority,
            tags=list(request.tags),
        )

    async def cancel(self, job_id: str) -> m.JobInfo:
        self.calls.append(("cancel", (job_id,)))
        job = self._job(job_id)
        if job.state.terminal:
            raise WorkerError(ErrorCode.JOB_FINISHED, f"job {job.id} already {job.state.value}")
        if job.state is m.JobState.RUNNING:
            return job.model_copy(update={"cancel_requested": True})
        return job.model_copy(update={"state": m.JobState.CANCELLED, "finished_at": FROZEN_NOW})

    async def retry(self, job_id: str, request_id: str | None = None) -> m.JobInfo:
        self.calls.append(("retry", (job_id,)))
        job = self._job(job_id)
        if not job.state.terminal:
            raise WorkerError(
                ErrorCode.INVALID, f"job {job.id} is still {job.state.value}; only finished jobs are retried"
            )
        return _job(
            "8293041526c7",
            m.JobState.QUEUED,
            job.prompt,
            job.seed,
            600.0,
            count=job.count,
            model=job.model,
            width=job.width,
            height=job.height,
            steps=job.steps,
            cfg=job.cfg,
            retry_of=job.id,
        )

    async def set_priority(self, job_id: str, priority: int) -> m.JobInfo:
        self.calls.append(("priority", (job_id, priority)))
        job = self._job(job_id)
        if job.state is not m.JobState.QUEUED:
            raise WorkerError(ErrorCode.INVALID, f"job {job.id} is {job.state.value}; only queued jobs are reordered")
        return job.model_copy(update={"priority": priority})

    # ------------------------------------------------------------ the arena (answered, kept per client)

    async def compare(self, prompt: str, models: list[str], **params: Any) -> m.ComparisonInfo:
        """A completed comparison, every panel cached; panels in the order the models were given (no shuffle)."""
        params.pop("request_id", None)
        self.calls.append(("compare", (prompt, list(models), params)))
        request = m.CompareRequest(prompt=prompt, models=models, **params)
        number = len(self.comparisons)
        comparison_id = COMPARISON_IDS[number % len(COMPARISON_IDS)] + (
            "" if number < len(COMPARISON_IDS) else str(number)
        )
        seed = request.seed if request.seed is not None else COMPARISON_SEED + number
        panels = []
        for index, model in enumerate(request.models):
            image_id = hashlib.sha256(f"{prompt}|{seed}|{model}".encode()).hexdigest()[:12] + "-0"
            png = sprite_png(prompt, seed, palette=palette_of(model))
            self.comparison_images[image_id] = m.ImageInfo(
                id=image_id,
                job_id=image_id[:12],
                index=0,
                seed=seed,
                width=SPRITE_PX,
                height=SPRITE_PX,
                path=f"images/2023-11-14/{image_id}.png",
                bytes=len(png),
                sha256=hashlib.sha256(png).hexdigest(),
                created_at=T0 + 500.0,
                params={"prompt": prompt, "model": model, "seed": seed, "tags": request.tags},
            )
            panels.append(
                m.ComparisonPanel(panel=index, model=model, image_id=image_id, cached=True, state=m.JobState.COMPLETED)
            )
        comparison = m.ComparisonInfo(
            id=comparison_id,
            state=m.JobState.COMPLETED,
            prompt=prompt,
            negative=request.negative,
            seed=seed,
            tags=request.tags,
            user=self.user,
            created_at=T0 + 590.0,
            panels=panels,
        )
        self.comparisons[comparison_id] = comparison
        return comparison

    async def comparison(self, comparison_id: str) -> m.ComparisonInfo:
        comparison = self.comparisons.get(comparison_id)
        if comparison is None:
            raise WorkerError(
                ErrorCode.UNKNOWN_COMPARISON, f"no comparison {comparison_id!r}", {"comparison_id": comparison_id}
            )
        return comparison

    async def open_comparisons(self, tag: str | None = None, limit: int = 32) -> list[m.ComparisonInfo]:
        """The comparisons without a vote, oldest first."""
        self.calls.append(("open_comparisons", (tag, limit)))
        waiting = [c for c in self.comparisons.values() if not c.votes and (tag is None or tag in c.tags)]
        return sorted(waiting, key=lambda c: c.created_at)[:limit]

    async def vote(self, comparison_id: str, outcome: str, winner: int | None = None) -> m.VoteReply:
        """The winner gains 16 on LEADERBOARD's score, every other panel loses 8; a tie, both bad or skip moves
        nothing. A model not on LEADERBOARD is new."""
        self.calls.append(("vote", (comparison_id, outcome, winner)))
        comparison = await self.comparison(comparison_id)
        if comparison.votes:
            raise WorkerError(ErrorCode.INVALID, f"{self.user} has voted on comparison {comparison_id} already")
        comparison = comparison.model_copy(update={"votes": 1})
        self.comparisons[comparison_id] = comparison
        scores = {row.preset: row.score for row in LEADERBOARD.rows}
        changes = []
        for panel in comparison.panels:
            before = scores.get(panel.model)
            delta = 0.0 if outcome != "win" else 16.0 if panel.panel == winner else -8.0
            changes.append(m.ScoreChange(model=panel.model, before=before, after=(before or 1500.0) + delta))
        vote = m.VoteInfo(
            id=22,
            comparison_id=comparison_id,
            prompt=comparison.prompt,
            seed=comparison.seed,
            tags=comparison.tags,
            presets=[p.model for p in comparison.panels],
            outcome=outcome,
            winner=winner,  # type: ignore[arg-type]
            user=self.user,
            created_at=FROZEN_NOW,
        )
        return m.VoteReply(vote=vote, comparison=comparison, changes=changes)

    async def leaderboard(self, tag: str | None = None, rounds: int = 200) -> m.LeaderboardReply:
        tag = (tag or "").strip().lower() or None
        if tag is None:
            return LEADERBOARD.model_copy(update={"versus": [TRAINED.evaluation]}) if self.training else LEADERBOARD
        if tag == "hero":
            return HERO_LEADERBOARD
        return LEADERBOARD.model_copy(update={"tag": tag, "total_votes": 0, "rows": []})

    # ------------------------------------------------------------ training (answered, kept per client)

    async def upload(self, png: bytes) -> m.UploadReply:
        """The image read with Pillow, as the worker reads it; refused as the worker refuses what is no image."""
        self.calls.append(("upload", (len(png),)))
        try:
            with Image.open(io.BytesIO(png)) as opened:
                width, height = opened.size
        except OSError:
            raise WorkerError(ErrorCode.INVALID, "the upload is not a PNG, JPEG, WebP or GIF image") from None
        image_id = f"upload:{hashlib.sha256(png).hexdigest()}"
        self.uploads[image_id] = (width, height)
        return m.UploadReply(image=image_id, width=width, height=height)

    async def dataset(
        self,
        images: Sequence[m.DatasetItem | dict[str, Any]] = (),
        query: str | None = None,
        winners: str | None = None,
    ) -> m.DatasetReply:
        """The items given, then the gallery images whose prompt has `query` ("tag:T" for a tag); the one-colour
        slime has a problem. `winners` finds nothing here."""
        self.calls.append(("dataset", ([_item(i) for i in images], query, winners)))
        return self._dataset([_item(i) for i in images], query)

    async def train(
        self,
        name: str,
        base: str,
        *,
        images: Sequence[m.DatasetItem | dict[str, Any]] = (),
        query: str | None = None,
        winners: str | None = None,
        steps: int | None = None,
        rank: int | None = None,
        learning_rate: float | None = None,
        seed: int | None = None,
        size: int | None = None,
        priority: int = 0,
        request_id: str | None = None,
    ) -> m.JobInfo:
        """A queued training job, refused as the worker refuses: a base that cannot train, a dataset with problems."""
        items = [_item(i) for i in images]
        asked = {"query": query, "winners": winners, "steps": steps, "rank": rank, "learning_rate": learning_rate}
        asked |= {"seed": seed, "size": size, "priority": priority}
        self.calls.append(("train", (name, base, items, asked)))
        if base not in {model.name for model in await self.models() if model.kind == "comfyui" and model.available}:
            raise WorkerError(
                ErrorCode.INVALID,
                f"{base} cannot train: only a ComfyUI preset's checkpoint can; see `dgx-pixels models`",
            )
        dataset = self._dataset(items, query)
        if dataset.problems:
            raise WorkerError(ErrorCode.INVALID, "; ".join(dataset.problems), {"problems": dataset.problems})
        summary = m.TrainingSummary(
            name=name,
            base=base,
            images=len(dataset.items),
            steps=steps or 400,
            rank=rank or 16,
            learning_rate=learning_rate or 0.0002,
            size=size or 512,
        )
        return _job(
            "a0b1c2d3e4f5",
            m.JobState.QUEUED,
            f"train LoRA {name} on {len(dataset.items)} images",
            seed if seed is not None else 1234,
            600.0,
            model=base,
            width=summary.size,
            height=summary.size,
            steps=summary.steps,
            priority=priority,
            kind="training",
            training=summary,
        )

    async def trained(self, name: str | None = None, loss_curve: bool = False) -> list[m.TrainedInfo]:
        known = [TRAINED] if self.training else []
        curve = {"loss_curve": LOSS_CURVE} if loss_curve else {}
        return [info.model_copy(update=curve) for info in known if name is None or info.name == name]

    async def evaluate(
        self, model: str, prompts: Sequence[str] = (), rounds: int = 8, seed: int | None = None
    ) -> list[m.ComparisonInfo]:
        """One comparison per prompt (the dataset's captions when none are given), `model` against its base, each
        still rendering; `comparison` answers them completed."""
        self.calls.append(("evaluate", (model, list(prompts), rounds, seed)))
        trained = next((info for info in await self.trained() if info.name == model), None)
        if trained is None:
            raise WorkerError(ErrorCode.UNKNOWN_MODEL, f"{model} is no trained preset; see `dgx-pixels train list`")
        asked = list(prompts) or [entry.caption for entry in trained.dataset][:rounds]
        made = []
        for number, prompt in enumerate(asked):
            comparison = await self.compare(prompt, [model, trained.base], seed=(seed or 77) + number, tags=["eval"])
            evaluation = comparison.model_copy(update={"id": EVALUATION_IDS[number % len(EVALUATION_IDS)]})
            self.comparisons.pop(comparison.id)
            self.comparisons[evaluation.id] = evaluation
            rendering = [
                p.model_copy(update={"image_id": None, "cached": False, "state": m.JobState.RUNNING})
                for p in evaluation.panels
            ]
            made.append(evaluation.model_copy(update={"state": m.JobState.RUNNING, "panels": rendering}))
        return made

    def _dataset(self, items: list[m.DatasetItem], query: str | None) -> m.DatasetReply:
        entries = [self._entry(item.image, item.caption) for item in items]
        if query is not None:
            tag = query.removeprefix("tag:") if query.startswith("tag:") else None
            for image in images():
                prompt = str(image.params.get("prompt", ""))
                found = tag in image.params.get("tags", []) if tag is not None else query.lower() in prompt.lower()
                if found and image.id not in {entry.image for entry in entries}:
                    entries.append(self._entry(image.id, None))
        problems = [entry.problem for entry in entries if entry.problem]  # as the worker lists them
        if not entries:
            problems.append("the dataset is empty: give images, a query that finds some, or a folder")
        return m.DatasetReply(items=entries, problems=problems)

    def _entry(self, image_id: str, caption: str | None) -> m.DatasetEntry:
        if image_id in self.uploads:
            width, height = self.uploads[image_id]
            return m.DatasetEntry(image=image_id, caption=caption or "", width=width, height=height)
        info = next((image for image in images() if image.id == image_id), None)
        if info is None:
            return m.DatasetEntry(
                image=image_id, caption=caption or "", width=0, height=0, problem=f"{image_id} is not in the gallery"
            )
        problem = ONE_COLOUR_PROBLEM if image_id == ONE_COLOUR else None
        caption = caption if caption is not None else str(info.params.get("prompt", ""))
        return m.DatasetEntry(image=image_id, caption=caption, width=info.width, height=info.height, problem=problem)

    def _job(self, job_id: str) -> m.JobInfo:
        job = self.jobs_by_id.get(job_id)
        if job is None:
            raise WorkerError(ErrorCode.UNKNOWN_JOB, f"no job {job_id!r}", {"job_id": job_id})
        return job


def _item(item: m.DatasetItem | dict[str, Any]) -> m.DatasetItem:
    return item if isinstance(item, m.DatasetItem) else m.DatasetItem.model_validate(item)
