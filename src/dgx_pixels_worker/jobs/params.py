"""A job's parameters as typed, frozen values (one model per kind of job), and how a request becomes one:
defaults filled from the model, limits checked."""

from __future__ import annotations

import secrets
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from ..pixelart.pipeline_spec import PipelineError, validate_pipeline
from ..protocol import ErrorCode, WorkerError
from ..protocol.messages import GenerateParams, ModelInfo
from ..settings.config import LimitsSettings
from .postprocess import bounded_pipeline
from .tags import clean_tags

SEED_SPACE = 2**63


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

    def image_seed(self, index: int) -> int:
        return (self.seed + index) % SEED_SPACE


# Each kind of job is one frozen model with its own `kind`; this union grows with them.
JobParams = SpriteParams


def params_from_json(text: str | bytes) -> JobParams:
    """A stored job's parameters (rows written before `kind` existed are sprites)."""
    return SpriteParams.model_validate_json(text)


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
        postprocess=tuple(
            bounded_pipeline(
                _pipeline(request.postprocess, defaults.get("postprocess", []), model.name),
                (width, height),
                limits,
                model.name,
            )
        ),
    )


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
