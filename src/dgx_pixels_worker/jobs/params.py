"""A job's parameters as typed, frozen values (one model per kind of job), and how a request becomes one:
defaults filled from the model, limits checked."""

from __future__ import annotations

import json
import secrets
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from ..pixelart.palette_library import default_library
from ..pixelart.pipeline_spec import PipelineError, validate_pipeline
from ..protocol import ErrorCode, WorkerError
from ..protocol.messages import MAX_FRAMES, GenerateParams, ModelInfo
from ..settings.config import LimitsSettings
from .postprocess import bounded_pipeline
from .tags import clean_tags

SEED_SPACE = 2**63
DEFAULT_STRENGTH = 0.5  # a variation keeps the source's shape and colours, and changes its details


class SpriteParams(BaseModel):
    """A sprite job, complete: `count` images of one prompt, seeds `seed`, `seed + 1`, ..."""

    # Stored rows of older versions may carry keys that are gone (a `comparison` id): they are ignored.
    model_config = ConfigDict(frozen=True, extra="ignore")

    kind: Literal["sprite"] = "sprite"
    prompt: str
    negative: str
    model: str
    seed: int
    count: int
    width: int
    height: int
    steps: int
    cfg: float
    tags: tuple[str, ...] = ()
    postprocess: tuple[dict[str, Any], ...] = ()
    frames: int = 1  # > 1: each image is a sheet of this many frames of `width` x `height`, left to right
    motion: str | None = None
    tile: bool = False
    init_image: str | None = None  # a gallery image id, or "upload:<sha256>" (uploads/ in the data directory)
    strength: float | None = None
    palette: tuple[str, ...] = ()  # the locked palette's colours; the pipeline ends with mapping onto them

    @property
    def sheet_width(self) -> int:
        """The width of one image: its frames side by side."""
        return self.width * self.frames

    def image_seed(self, index: int) -> int:
        return (self.seed + index) % SEED_SPACE


class DatasetImage(BaseModel):
    """One image a LoRA is trained on: a gallery id or "upload:<sha256>", and its caption."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    image: str
    caption: str


class TrainingParams(BaseModel):
    """A training job: a LoRA on the base preset's checkpoint from `dataset`, saved as preset `name`."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    kind: Literal["training"] = "training"
    name: str
    base: str
    checkpoint: str
    dataset: tuple[DatasetImage, ...]
    steps: int
    rank: int
    learning_rate: float
    seed: int
    size: int
    tags: tuple[str, ...] = ()

    # What every job shows in the queue, read the same way for each kind.
    @property
    def model(self) -> str:
        return self.base

    @property
    def count(self) -> int:
        return 1

    @property
    def prompt(self) -> str:
        return f"train LoRA {self.name} on {len(self.dataset)} images"


# Each kind of job is one frozen model with its own `kind`; this union grows with them.
JobParams = SpriteParams | TrainingParams
_PARAMS: TypeAdapter[JobParams] = TypeAdapter(Annotated[JobParams, Field(discriminator="kind")])


def params_from_json(text: str | bytes) -> JobParams:
    """A stored job's parameters (rows written before `kind` existed are sprites)."""
    data = json.loads(text)
    if isinstance(data, dict):
        data.setdefault("kind", "sprite")
    return _PARAMS.validate_python(data)


def complete_sprite_params(
    request: GenerateParams, models: list[ModelInfo], default_model: str, limits: LimitsSettings
) -> SpriteParams:
    """Complete job parameters, or a WorkerError(INVALID or UNKNOWN_MODEL) saying what to change."""
    prompt, negative = request.prompt.strip(), request.negative.strip()
    if not prompt:
        raise _invalid("prompt", "the prompt is empty; describe the sprite, for example 'red knight with a sword'")
    for field, text in (("prompt", prompt), ("negative", negative)):
        if len(text) > limits.prompt_chars:
            what = "prompt" if field == "prompt" else f"{field} prompt"
            raise _invalid(field, f"the {what} is {len(text)} characters; the limit is {limits.prompt_chars}")
    model = _pick_model(request.model or default_model, models)
    defaults, model_limits = model.defaults, model.limits
    width = request.width or defaults.get("width", 64)
    height = request.height or defaults.get("height", 64)
    low = max(limits.min_size, model_limits.get("min_size", limits.min_size))
    high = min(limits.max_size, model_limits.get("max_size", limits.max_size))
    for axis, value in (("width", width), ("height", height)):
        if not low <= value <= high:
            raise _invalid(
                axis,
                f"{width}x{height} is outside {low}..{high} pixels per side for model {model.name!r}; "
                f"ask for a size such as {defaults.get('width', 64)}x{defaults.get('height', 64)}",
            )
    _check_size_multiple(width, height, model, low, high)
    steps = request.steps or defaults.get("steps", 20)
    max_steps = min(limits.max_steps, model_limits.get("max_steps", limits.max_steps))
    if steps > max_steps:
        raise _invalid("steps", f"{steps} steps is more than the {max_steps} allowed for model {model.name!r}")
    if request.count > limits.max_count:
        raise _invalid("count", f"count {request.count} is more than {limits.max_count}; split it into several jobs")
    cfg = request.cfg if request.cfg is not None else defaults.get("cfg", 7.0)
    if cfg > limits.max_cfg:
        raise _invalid("cfg", f"cfg {cfg} is above {limits.max_cfg}; typical values are 4-9")
    try:
        tags = clean_tags(request.tags, limits.max_tags)
    except ValueError as exc:
        raise _invalid("tags", str(exc)) from None
    sheet_high = min(limits.max_size, model_limits.get("max_sheet_width", high))
    frames, motion = _animation(request, width, sheet_high, model.name)
    palette = _locked_palette(request.palette)
    pipeline = _pipeline(request.postprocess, defaults.get("postprocess", []), model.name)
    if frames > 1 and any(step["op"] == "trim" for step in pipeline):
        raise _invalid(
            "postprocess",
            "trim crops the whole sheet and would cut an animation's frames apart; leave trim out of an animation's "
            "post-processing",
        )
    if palette and not (pipeline and pipeline[-1]["op"] == "palette"):
        pipeline.append({"op": "palette", "colors": list(palette)})
    varied = request.init_image is not None or request.init_png is not None
    if request.init_image is not None and request.init_png is not None:
        raise _invalid("init_png", "give one source to vary: init_image (a gallery image) or init_png, not both")
    if request.strength is not None and not varied:
        raise _invalid("strength", "strength is for variations: give init_image (a gallery image) or init_png too")
    if varied and request.tile:
        raise _invalid(
            "tile", "a variation keeps its source's shape, and a tile is drawn to repeat: ask for one of them"
        )
    return SpriteParams(
        prompt=prompt,
        negative=negative,
        model=model.name,
        seed=request.seed if request.seed is not None else secrets.randbelow(2**32),
        count=request.count,
        width=width,
        height=height,
        steps=steps,
        cfg=float(cfg),
        tags=tags,
        postprocess=tuple(bounded_pipeline(pipeline, (width * frames, height), limits, model.name)),
        frames=frames,
        motion=motion,
        tile=request.tile,
        init_image=request.init_image,
        strength=(DEFAULT_STRENGTH if request.strength is None else request.strength) if varied else None,
        palette=palette,
    )


def _animation(request: GenerateParams, width: int, high: int, model: str) -> tuple[int, str | None]:
    """(frames, motion) of the request, checked: every frame of the sheet is rendered side by side."""
    frames = request.frames
    if frames == 1:
        if request.motion is not None:
            raise _invalid("motion", f"motion {request.motion!r} needs an animation: give frames (2..{MAX_FRAMES})")
        return 1, None
    if request.tile:
        raise _invalid("tile", "a tile is one still image; ask for the tile and the animation separately")
    if request.init_image is not None or request.init_png is not None:
        raise _invalid(
            "frames", "a variation is one still image of its source; ask for the animation without a source to vary"
        )
    if width * frames > high:
        most = max(1, high // width)
        raise _invalid(
            "frames",
            f"{frames} frames of {width} pixels make a sheet {width * frames} wide, beyond the {high} allowed for "
            f"model {model!r}; ask for at most {most} frames or a smaller size",
        )
    return frames, request.motion or "idle"


def _locked_palette(palette: str | list[str] | None) -> tuple[str, ...]:
    """The colours of the palette a request locks to ("#rrggbb"), checked like a palette step's."""
    if palette is None:
        return ()
    step = {"op": "palette", "name": palette} if isinstance(palette, str) else {"op": "palette", "colors": palette}
    try:
        checked = validate_pipeline([step])[0]
    except PipelineError as exc:
        raise _invalid("palette", str(exc).replace("step 1 (palette): ", "palette: ")) from None
    if "colors" in checked:
        return tuple(checked["colors"])
    return tuple(default_library().palette(checked["name"]).hex())


def _check_size_multiple(width: int, height: int, model: ModelInfo, low: int, high: int) -> None:
    """A model that renders only multiples of N (ComfyUI's latents: 8) would quietly return 64x64 for 65x65:
    refuse the size and name the nearest ones that come back as asked."""
    multiple = model.limits.get("size_multiple")
    if not isinstance(multiple, int) or multiple < 2 or (width % multiple == 0 and height % multiple == 0):
        return
    down = (width // multiple * multiple, height // multiple * multiple)
    up = (-(-width // multiple) * multiple, -(-height // multiple) * multiple)
    nearest = [f"{w}x{h}" for w, h in dict.fromkeys((down, up)) if low <= min(w, h) and max(w, h) <= high]
    raise _invalid(
        "width" if width % multiple else "height",
        f"model {model.name!r} renders sizes in multiples of {multiple} pixels: {width}x{height} would come back "
        f"{down[0]}x{down[1]}; ask for " + (" or ".join(nearest) or f"a multiple of {multiple}"),
    )


def _pipeline(
    requested: list[dict[str, Any]] | str | None, default: list[dict[str, Any]], model: str
) -> list[dict[str, Any]]:
    """The post-processing steps: the model's own when none are asked for; [] for the raw render."""
    if requested is None:
        return list(default)
    if isinstance(requested, str) and requested.strip().lower() in ("", "none", "raw"):
        return []
    try:
        return validate_pipeline(requested)
    except PipelineError as exc:
        raise _invalid("postprocess", f"post-processing for {model!r}: {exc}") from None


def _pick_model(name: str, models: list[ModelInfo]) -> ModelInfo:
    usable = [m for m in models if m.available]
    if not name:
        if not usable:
            raise WorkerError(ErrorCode.UNKNOWN_MODEL, "no model is available on any backend; see `dgx-pixels models`")
        return usable[0]
    for model in models:
        if model.name == name:
            if not model.available:
                raise WorkerError(
                    ErrorCode.UNKNOWN_MODEL,
                    f"model {name!r} is not available: {model.reason}; pick another with --model",
                    {"model": name, "available": [m.name for m in usable]},
                )
            return model
    names = ", ".join(m.name for m in usable) or "none"
    raise WorkerError(
        ErrorCode.UNKNOWN_MODEL,
        f"unknown model {name!r}; available: {names} (see `dgx-pixels models`)",
        {"model": name, "available": [m.name for m in usable]},
    )


def _invalid(field: str, message: str) -> WorkerError:
    return WorkerError(ErrorCode.INVALID, message, {"field": field})
