"""What every backend provides, and the events it reports while it renders."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from typing import Any, Protocol

from PIL import Image

from ..protocol.messages import BackendInfo, GpuInfo, ModelInfo
from ..settings.presets import ModelPreset


@dataclass(frozen=True)
class RenderTask:
    """One image of a job: the job's parameters with this image's own seed."""

    job_id: str
    index: int
    prompt: str
    negative: str
    model: str
    seed: int
    width: int
    height: int
    steps: int
    cfg: float
    resume_ref: str | None = None  # the backend's handle on this image from a previous run, to reattach to
    frames: int = 1  # > 1: render an animation as one sheet of `frames` frames of width x height, left to right
    motion: str | None = None
    tile: bool = False  # render a seamless tile
    init_png: bytes | None = None  # vary this image (PNG bytes) ...
    init_prompt: str | None = None  # ... made from this prompt, when it came from the gallery
    strength: float | None = None  # ... this far (0..1)


@dataclass(frozen=True)
class Submitted:
    """The backend accepted the image under `ref`; recorded so a restarted worker can reattach to it."""

    ref: str


@dataclass(frozen=True)
class Progress:
    step: int
    total: int
    stage: str


@dataclass(frozen=True)
class Preview:
    image: Image.Image
    step: int
    total: int


@dataclass(frozen=True)
class Result:
    image: Image.Image
    info: dict[str, Any] = field(default_factory=dict)  # backend facts recorded in the PNG metadata


BackendEvent = Submitted | Progress | Preview | Result


@dataclass(frozen=True)
class TrainingImage:
    png: bytes  # RGB, size x size: the worker made it uniform (docs/training.md)
    caption: str


@dataclass(frozen=True)
class TrainingTask:
    """A LoRA to train on `checkpoint` from `images`; `name` is the preset it becomes."""

    job_id: str
    name: str
    checkpoint: str
    images: tuple[TrainingImage, ...]
    steps: int
    rank: int
    learning_rate: float
    seed: int
    size: int
    resume_ref: str | None = None  # the backend's handle on this training from a previous run, to reattach to


@dataclass(frozen=True)
class TrainedLora:
    """What a training made: the LoRA file's bytes, the name the server lists it under, and the loss curve."""

    lora_name: str
    data: bytes
    loss_png: bytes | None
    info: dict[str, Any] = field(default_factory=dict)  # backend facts kept with its provenance


TrainingEvent = Submitted | Progress | TrainedLora


class Backend(Protocol):
    """A place that can render images. Cancelling the iteration of `render` cancels the render."""

    name: str
    kind: str
    slots: int

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    def info(self) -> BackendInfo: ...

    def models(self) -> list[ModelInfo]: ...

    def can_run(self, model: str) -> bool: ...

    def checkpoint_of(self, model: str) -> str | None:
        """The checkpoint a model loads here, for affinity; None where loading costs nothing."""
        ...

    def render_identity(self, model: str) -> str | None:
        """Everything besides the job's parameters that decides the pixels a model makes here (checkpoint, LoRAs
        and strengths, workflow, sampler; or the generator's version), as a string; None if it cannot run it.
        Two renders with equal identities and equal parameters give the same image, so one can stand for the
        other (the comparison cache)."""
        ...

    def gpus(self) -> list[GpuInfo]:
        """The GPUs this backend reports itself (a remote server's); empty when it has none of its own."""
        ...

    def training_unavailable(self, model: str) -> str | None:
        """None when this backend can train a LoRA on `model`'s checkpoint now, else why not, with what to do."""
        ...

    def train(self, task: TrainingTask) -> AsyncGenerator[TrainingEvent, None]:
        """Yield Submitted, Progress, then exactly one TrainedLora; raise WorkerError on failure, as `render`.
        Cancelling the iteration interrupts the training on the server."""
        ...

    def add_preset(self, preset: ModelPreset) -> None:
        """Offer a preset made here (a trained LoRA on a base) from now on; a backend that cannot run it ignores it."""
        ...

    def render(self, task: RenderTask) -> AsyncGenerator[BackendEvent, None]:
        """Yield Submitted, Progress and Preview events, then exactly one Result; raise WorkerError on failure.

        WorkerError(BACKEND_UNAVAILABLE) means "not this backend, not now": the job goes back to the queue.
        """
        ...
