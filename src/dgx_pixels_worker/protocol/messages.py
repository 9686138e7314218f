"""Pydantic models of every request, reply and event body, and the tables naming them.

Requests are strict (unknown fields are errors, so a typo is reported, not ignored); replies and events
ignore fields they do not know, so an older client keeps working against a newer worker.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict

from .assets import MAX_FRAMES, MAX_UPLOAD_BYTES, MOTIONS, Motion  # noqa: F401 (part of this module's names)
from .states import TERMINAL_EVENTS, JobState  # noqa: F401 (part of this module's names)

PngBytes = bytes  # for a field beside one named `bytes`, which hides the type inside its class
MAX_DATASET = 512  # images of one training dataset
MAX_LIST = 256  # items in a list of a request; [limits] narrows tags and post-processing steps further

# A request's numbers and booleans take only their own MsgPack type: true is not 1, 2.0 is not 2, "5" is not 5 (a
# float field takes an int too). Replies and events are read leniently, so a client keeps working if they change.
Int = Annotated[int, Strict()]
Float = Annotated[float, Strict()]
Bool = Annotated[bool, Strict()]


# defer_build: each model's validator is built on first use, not at import, so a client (the TUI) starts
# drawing sooner; a model a program never touches is never built.
class Request(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class Reply(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)


class EventBody(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)


class ErrorInfo(BaseModel):
    code: str
    message: str
    details: dict[str, Any] = Field(default_factory=dict)


# ---------------------------------------------------------------- shared records


class RenderFields(Request):
    """What every image of a job is made from, shared by `generate` and `compare`. Missing values are filled from
    the model's defaults when the job is queued."""

    prompt: str
    negative: str = ""
    seed: Int | None = Field(default=None, ge=0, le=2**63 - 1)
    width: Int | None = Field(default=None, ge=1)
    height: Int | None = Field(default=None, ge=1)
    steps: Int | None = Field(default=None, ge=1)
    cfg: Float | None = Field(default=None, ge=0)
    tags: list[str] = Field(default_factory=list, max_length=MAX_LIST)
    # Post-processing steps (docs/pixelart.md): nil for the model's own default, [] or "none" for the raw render,
    # a list of {"op": ..., ...} or the short form "grid,background,quantize:colors=16". A palette step names a
    # palette of the worker's library or gives its colours; never a file.
    postprocess: Annotated[list[dict[str, Any]], Field(max_length=MAX_LIST)] | str | None = None
    # Lock every image to a palette: it ends mapped onto it, and its lint counts the colours off it. A palette of
    # the worker's library by name, or the colours themselves ("#rrggbb"); a palette file is read by the client.
    palette: str | Annotated[list[str], Field(min_length=1, max_length=MAX_LIST)] | None = None


class GenerateParams(RenderFields):
    """What a job makes: `count` images of one model."""

    model: str | None = None
    count: Int = Field(default=1, ge=1)
    frames: Int = Field(default=1, ge=1, le=MAX_FRAMES)  # > 1: each image is an animation, its frames left to right
    motion: Motion | None = None  # what the animation shows; idle when frames > 1 and none is given
    tile: Bool = False  # a seamless tile: its left/right and top/bottom edges continue into each other
    init_image: str | None = Field(default=None, min_length=1, max_length=80)  # vary this gallery image
    init_png: bytes | None = Field(default=None, max_length=MAX_UPLOAD_BYTES)  # or this one, sent by the client
    strength: Float | None = Field(default=None, gt=0, le=1)  # how far a variation moves from its source


class JobInfo(Reply):
    id: str
    state: JobState
    prompt: str
    negative: str
    model: str
    seed: int
    count: int
    width: int
    height: int
    steps: int
    cfg: float
    priority: int
    tags: list[str]
    client: str
    user: str
    backend: str | None = None
    attempts: int = 0
    created_at: float
    started_at: float | None = None
    finished_at: float | None = None
    progress: float = 0.0
    image_index: int = 0  # which image of the job the step and stage refer to
    step: int = 0
    total: int = 0
    stage: str = ""
    images: list[str] = Field(default_factory=list)
    error: ErrorInfo | None = None
    cancel_requested: bool = False
    backend_ms: float = 0.0
    request_id: str | None = None
    retry_of: str | None = None
    unused_words: list[str] = Field(default_factory=list)  # prompt words the procedural generator draws nothing for
    frames: int = 1
    motion: str | None = None
    tile: bool = False
    init_image: str | None = None  # the gallery image varied; "upload:<sha256>" for an image the client sent
    strength: float | None = None
    palette: list[str] = Field(default_factory=list)  # the locked palette's colours; empty when not locked
    kind: Literal["sprite", "training"] = "sprite"
    training: TrainingSummary | None = None  # what a training job makes; nil for sprites


class TrainingSummary(Reply):
    """A training job's own facts: `JobInfo.prompt` says it in words, `model` is the base preset."""

    name: str  # the preset it makes
    base: str
    images: int
    steps: int
    rank: int
    learning_rate: float
    size: int  # training images are size x size
    estimate_s: float | None = None  # how long it should train, from this worker's earlier runs; nil on a first run


class ImageLint(Reply):
    """Quality figures of a finished image (docs/pixelart.md#quality-checks)."""

    colors: int  # distinct opaque colours
    opaque: int = 0  # opaque pixels: what off_palette and the orphan share are counted against
    off_palette: float | None = None  # share of opaque pixels not in the locked palette; nil when none is locked
    orphans: int = 0  # opaque pixels with no 4-neighbour of their own colour
    semi_transparent: float = 0.0  # share of pixels neither opaque nor fully transparent
    grid_fit: float | None = None  # the grid step's confidence, 0..1; nil without one or at true size
    seam: float | None = None  # tiles: difference across the wrap edges / difference inside; <= 1 reads seamless


class ImageInfo(Reply):
    id: str
    job_id: str
    index: int
    seed: int
    width: int
    height: int
    path: str  # relative to the worker's data directory; informative only
    bytes: int
    sha256: str
    created_at: float
    params: dict[str, Any]
    raw_path: str | None = None  # the render before post-processing, kept beside the image; nil when none ran
    frames: int = 1  # an animation's frames, left to right, each width / frames pixels wide
    motion: str | None = None
    tile: bool = False
    lint: ImageLint | None = None


class ModelInfo(Reply):
    name: str
    backend: str
    kind: str
    available: bool
    reason: str | None = None
    description: str = ""
    tags: list[str] = Field(default_factory=list)
    defaults: dict[str, Any] = Field(default_factory=dict)
    limits: dict[str, Any] = Field(default_factory=dict)
    checkpoint: str = ""
    where: dict[str, str | None] = Field(default_factory=dict)  # backend name -> None if usable there, else why not


class GpuInfo(Reply):
    name: str
    source: str  # "nvml", or "comfyui:<server>" when read from that server's /system_stats
    utilization: float | None = None  # percent; None when the source cannot tell
    memory_used: int = 0  # bytes
    memory_total: int = 0
    unified_memory: bool = False  # the figures are system memory shared with the CPU (e.g. DGX Spark GB10)
    note: str = ""


class BackendInfo(Reply):
    name: str
    kind: str
    healthy: bool
    detail: str = ""
    running: int = 0
    slots: int = 1


# ---------------------------------------------------------------- requests


class HelloRequest(Request):
    client: str = "unknown"
    user: str = ""
    protocol: Int = 1
    capabilities: list[str] = Field(default_factory=list, max_length=MAX_LIST)


class PingRequest(Request):
    pass


class GenerateRequest(GenerateParams):
    priority: Int = Field(default=0, ge=-100, le=100)


class JobRef(Request):
    job_id: str = Field(min_length=1, max_length=64)


class CancelRequest(JobRef):
    pass


class JobRequest(JobRef):
    pass


class RetryRequest(JobRef):
    pass


class JobsRequest(Request):
    """Every running and queued job, plus up to `limit` of the most recent finished ones."""

    states: list[JobState] | None = Field(default=None, max_length=MAX_LIST)
    limit: Int = Field(default=200, ge=0, le=5000)


class ImageRequest(Request):
    image_id: str = Field(min_length=1, max_length=80)
    include_bytes: Bool = True
    max_px: Int | None = Field(default=None, ge=8, le=4096)  # shrink `png` to fit (integer factor, nearest neighbour)
    raw: Bool = False  # the render as the backend made it, before post-processing


class ImagesRequest(Request):
    """Stored images, newest first, filtered; page with `before` = the last `created_at` of the previous page."""

    query: str = ""  # case-insensitive (ASCII) substring of the prompt
    model: str | None = None
    tag: str | None = None
    limit: Int = Field(default=60, ge=1, le=500)
    before: Float | None = Field(default=None, allow_inf_nan=False)  # only images created strictly before this


class PriorityRequest(JobRef):
    priority: Int = Field(ge=-100, le=100)


class ModelsRequest(Request):
    pass


class StatusRequest(Request):
    pass


class ShutdownRequest(Request):
    reason: str = ""


class PalettesRequest(Request):
    pass


class DatasetItem(Request):
    image: str = Field(
        min_length=1, max_length=80
    )  # a gallery image id (or a prefix only it has), or "upload:<sha256>"
    caption: str | None = Field(default=None, max_length=2000)  # nil: the image's own prompt


class TrainRequest(Request):
    """Train a LoRA on the base preset's checkpoint and make preset `name` of base + LoRA (docs/training.md).

    The dataset is `images`, plus the gallery images `query` finds, plus the images that won this person's
    votes on comparisons tagged `winners`; each at most once, in that order."""

    name: str = Field(min_length=1, max_length=48, pattern=r"^[a-z0-9][a-z0-9._-]*$")
    base: str = Field(min_length=1, max_length=64)
    images: list[DatasetItem] = Field(default_factory=list, max_length=MAX_DATASET)
    query: str | None = Field(default=None, max_length=200)  # as `images`: "knight", "tag:knights", "model:x"
    winners: str | None = Field(default=None, max_length=64)  # a tag; "" for the winners of every vote
    steps: Int | None = Field(default=None, ge=2, le=100_000)
    rank: Int | None = Field(default=None, ge=1, le=128)
    learning_rate: Float | None = Field(default=None, ge=1e-7, le=1.0)
    seed: Int | None = Field(default=None, ge=0, le=2**63 - 1)
    size: Int | None = Field(default=None, ge=64, le=2048)  # training images are size x size
    priority: Int = Field(default=0, ge=-100, le=100)


class DatasetRequest(Request):
    """What `train` would train on, without training: the items, captions and problems, to review and edit."""

    images: list[DatasetItem] = Field(default_factory=list, max_length=MAX_DATASET)
    query: str | None = Field(default=None, max_length=200)
    winners: str | None = Field(default=None, max_length=64)


class UploadRequest(Request):
    """An image from the client's machine, kept by the worker for a dataset (or a variation) under its hash."""

    png: bytes = Field(max_length=MAX_UPLOAD_BYTES)


class TrainedRequest(Request):
    """The presets this worker trained, with their provenance and how they fare against their base."""

    name: str | None = None
    loss_curve: Bool = False  # with each, the loss curve's PNG (`TrainedInfo.loss_curve`): for a client elsewhere


class EvaluateRequest(Request):
    """One round of blind comparisons, the trained preset against its base with one seed per prompt."""

    model: str = Field(min_length=1, max_length=64)
    prompts: list[Annotated[str, Field(min_length=1, max_length=1000)]] = Field(default_factory=list, max_length=32)
    rounds: Int = Field(default=8, ge=1, le=32)  # comparisons when no prompts are given (from the dataset's captions)
    seed: Int | None = Field(default=None, ge=0, le=2**63 - 1)
    priority: Int = Field(default=0, ge=-100, le=100)


class TestEventsRequest(Request):
    count: Int = Field(ge=1, le=1_000_000)
    payload_bytes: Int = Field(default=0, ge=0, le=4096)


# ---------------------------------------------------------------- replies


class HelloReply(Reply):
    worker_version: str
    protocol: int
    supported_protocols: list[int]
    epoch: str
    events: str
    capabilities: list[str]
    backends: list[BackendInfo]
    default_model: str | None
    limits: dict[str, Any]
    procedural_only: bool
    user: str = ""  # who the worker knows this client as, from its key
    admin: bool = False
    commands: str = ""  # the command endpoint as configured: a client on another port reaches it through a forward


class PingReply(Reply):
    time: float


class JobReply(Reply):
    job: JobInfo


class JobsReply(Reply):
    jobs: list[JobInfo]
    seq: int
    epoch: str


class ImageReply(Reply):
    image: ImageInfo
    png: bytes | None = None


class ImagesReply(Reply):
    images: list[ImageInfo]
    total: int  # images matching the filters, ignoring `limit` and `before`


class ModelsReply(Reply):
    models: list[ModelInfo]
    problems: list[str] = Field(default_factory=list)  # presets and workflows refused at load, with the reason


class Throughput(Reply):
    completed_total: int
    jobs_per_min: float
    images_per_min: float


class QueuePaused(Reply):
    """Why the queue takes no job now, and what to do: a `worker.paused` event, and `paused` in `status`."""

    reason: Literal["disk_full"]
    path: str  # the data directory, on the disk that is full
    message: str  # what happened and what to do, for a person
    since: float


class QueueResumed(EventBody):
    reason: Literal["disk_full"]
    paused_s: float
    message: str


class StatusReply(Reply):
    worker_version: str
    epoch: str
    seq: int
    uptime_s: float
    pid: int
    data_dir: str
    queue: dict[str, int]
    backends: list[BackendInfo]
    throughput: Throughput
    procedural_only: bool
    gpus: list[GpuInfo] = Field(default_factory=list)
    paused: QueuePaused | None = None  # nil while the queue runs


class ShutdownReply(Reply):
    stopping: bool


class PaletteInfo(Reply):
    name: str  # what a palette step's `name` says
    colors: list[str]  # "#rrggbb", in the palette's order; empty when the file cannot be read
    shipped: bool  # one of dgx-pixels' own palettes, not a file of the worker's owner
    error: str | None = None  # why the owner's file cannot be used (the worker's log has the details)


class PalettesReply(Reply):
    palettes: list[PaletteInfo]


class DatasetEntry(Reply):
    image: str  # gallery id or "upload:<sha256>"
    caption: str
    width: int
    height: int
    problem: str | None = None  # why it cannot be trained on (a single colour, gone); nil when it is fine


class DatasetReply(Reply):
    items: list[DatasetEntry]
    problems: list[str]  # what stops `train` with this dataset; empty when it can start


class UploadReply(Reply):
    image: str  # "upload:<sha256>", for a dataset item or `init_image`
    width: int
    height: int


class HeadToHead(Reply):
    """A trained preset against its base, from the votes on comparisons that showed both."""

    model: str
    base: str
    wins: int
    losses: int
    ties: int  # ties and "both bad"
    games: int
    win_rate: float | None  # ties count half; nil before any game
    ci_low: float | None  # 95% Wilson interval of the win rate
    ci_high: float | None
    verdict: Literal["beats", "loses to", "undecided", "untested"]


class TrainedInfo(Reply):
    name: str
    base: str
    checkpoint: str
    lora: str  # the file name ComfyUI lists it under (LoraLoader)
    file: str  # the LoRA in the worker's data directory, relative to it
    loss_png: str | None  # the loss curve ComfyUI drew, relative to the data directory
    bytes: int
    sha256: str
    job_id: str
    server: str  # the ComfyUI server it was trained on
    user: str
    created_at: float
    duration_s: float
    steps: int
    rank: int
    learning_rate: float
    seed: int
    size: int
    dataset: list[DatasetEntry]
    evaluation: HeadToHead
    loss_curve: PngBytes | None = None  # the PNG of `loss_png`, when the request asked for it and it exists


class TrainedReply(Reply):
    trained: list[TrainedInfo]


class EvaluateReply(Reply):
    comparisons: list[ComparisonInfo]


class TestEventsReply(Reply):
    first_seq: int
    last_seq: int


# ---------------------------------------------------------------- events


class JobEvent(EventBody):
    job: JobInfo


class JobStarted(EventBody):
    job_id: str
    backend: str
    attempt: int


class JobProgress(EventBody):
    job_id: str
    progress: float = Field(ge=0.0, le=1.0)
    step: int
    total: int
    stage: str
    image_index: int


class JobPreview(EventBody):
    job_id: str
    image_index: int
    step: int
    total: int
    width: int
    height: int
    format: Literal["png", "jpeg"]
    data: bytes


class Heartbeat(EventBody):
    uptime_s: float
    queued: int
    running: int


class WorkerStopping(EventBody):
    reason: str


class TestEvent(EventBody):
    n: int
    pad: bytes = b""


# ---------------------------------------------------------------- comparisons and votes

VoteOutcome = Literal["win", "tie", "both_bad", "skip"]


class CompareRequest(RenderFields):
    """One prompt through 2-4 presets with one shared seed: a job per preset, grouped as a comparison."""

    models: list[str] = Field(min_length=2, max_length=4)
    priority: Int = Field(default=0, ge=-100, le=100)
    use_cache: Bool = True
    user: str = Field(default="", max_length=64)  # ignored: the worker names the asker from its key


class ComparisonPanel(Reply):
    panel: int  # 0-based position on screen; the worker shuffles presets into panels
    model: str
    job_id: str | None = None  # None when the image came from the cache
    image_id: str | None = None
    cached: bool = False  # the image was made earlier for the same prompt, seed, parameters and preset
    state: JobState = JobState.QUEUED


class ComparisonInfo(Reply):
    id: str
    state: JobState  # queued or running until every panel has ended; completed when all completed, else failed
    prompt: str
    negative: str
    seed: int
    tags: list[str]
    user: str
    created_at: float
    panels: list[ComparisonPanel]
    votes: int = 0  # votes cast on it so far (every user may vote once)


class CompareReply(Reply):
    comparison: ComparisonInfo


class ComparisonRequest(Request):
    comparison_id: str


class OpenComparisonsRequest(Request):
    """The comparisons the asker has not voted on yet, oldest first (an evaluation's rounds, say)."""

    tag: str | None = Field(default=None, max_length=64)  # only those tagged so ("evaluation")
    limit: Int = Field(default=32, ge=1, le=200)


class OpenComparisonsReply(Reply):
    comparisons: list[ComparisonInfo]


class VoteRequest(Request):
    comparison_id: str
    outcome: VoteOutcome
    winner: Int | None = Field(default=None, ge=0, le=3)  # the winning panel when outcome is "win"
    user: str = Field(default="", max_length=64)  # ignored: the worker names the voter from its key


class VoteInfo(Reply):
    id: int
    comparison_id: str
    prompt: str
    seed: int
    tags: list[str]
    presets: list[str]  # in display order
    outcome: VoteOutcome
    winner: int | None
    user: str
    created_at: float


class ScoreChange(Reply):
    model: str
    before: float | None  # None: no score yet
    after: float


class VoteReply(Reply):
    vote: VoteInfo
    comparison: ComparisonInfo
    changes: list[ScoreChange]  # the effect of this vote on the overall leaderboard, panel order


class VotesRequest(Request):
    after_id: Int = Field(default=0, ge=0)  # paging: votes with a larger id
    limit: Int = Field(default=1000, ge=1, le=10_000)


class VotesReply(Reply):
    votes: list[VoteInfo]
    total: int


class LeaderboardRequest(Request):
    tag: str | None = None
    rounds: Int = Field(default=200, ge=0, le=2000)  # bootstrap rounds for the confidence intervals


class LeaderboardRow(Reply):
    preset: str
    score: float
    ci_low: float | None
    ci_high: float | None
    votes: int
    wins: int
    losses: int
    ties: int
    both_bad: int
    skips: int
    games: int


class LeaderboardReply(Reply):
    tag: str | None
    total_votes: int
    bootstrap_rounds: int
    rows: list[LeaderboardRow]
    win_rate: dict[str, dict[str, float | None]]
    tags: list[tuple[str, int]]  # every tag with its vote count, most used first
    versus: list[HeadToHead] = Field(default_factory=list)  # each trained preset against its base


class ComparisonEvent(EventBody):
    comparison: ComparisonInfo


REQUESTS: dict[str, tuple[type[Request], type[Reply]]] = {
    "hello": (HelloRequest, HelloReply),
    "ping": (PingRequest, PingReply),
    "generate": (GenerateRequest, JobReply),
    "cancel": (CancelRequest, JobReply),
    "retry": (RetryRequest, JobReply),
    "job": (JobRequest, JobReply),
    "jobs": (JobsRequest, JobsReply),
    "image": (ImageRequest, ImageReply),
    "images": (ImagesRequest, ImagesReply),
    "priority": (PriorityRequest, JobReply),
    "models": (ModelsRequest, ModelsReply),
    "status": (StatusRequest, StatusReply),
    "shutdown": (ShutdownRequest, ShutdownReply),
    "test_events": (TestEventsRequest, TestEventsReply),
    "palettes": (PalettesRequest, PalettesReply),
    "compare": (CompareRequest, CompareReply),
    "comparison": (ComparisonRequest, CompareReply),
    "open_comparisons": (OpenComparisonsRequest, OpenComparisonsReply),
    "vote": (VoteRequest, VoteReply),
    "votes": (VotesRequest, VotesReply),
    "leaderboard": (LeaderboardRequest, LeaderboardReply),
    "upload": (UploadRequest, UploadReply),
    "dataset": (DatasetRequest, DatasetReply),
    "train": (TrainRequest, JobReply),
    "trained": (TrainedRequest, TrainedReply),
    "evaluate": (EvaluateRequest, EvaluateReply),
}

# Topic prefixes: every event on `job.`, `worker.` and `comparison.` carries a sequence number; `preview` does not,
# because a newer preview replaces an older one and losing one is harmless.
EVENTS: dict[str, type[BaseModel]] = {  # event bodies, and the status reply as `worker.status`
    "job.queued": JobEvent,
    "job.started": JobStarted,
    "job.progress": JobProgress,
    "job.completed": JobEvent,
    "job.failed": JobEvent,
    "job.cancelled": JobEvent,
    "job.updated": JobEvent,
    "worker.heartbeat": Heartbeat,
    "worker.status": StatusReply,
    "worker.stopping": WorkerStopping,
    "worker.paused": QueuePaused,
    "worker.resumed": QueueResumed,
    "worker.test": TestEvent,
    "comparison.created": ComparisonEvent,
    "comparison.updated": ComparisonEvent,
    "preview": JobPreview,
}
SEQUENCED_TOPICS = ("job.", "worker.", "comparison.")
ERROR_TYPE = "error"
