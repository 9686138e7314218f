"""A `train` request made into a training job's parameters: the name free, the base trainable, the dataset sound,
and the defaults filled in."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping

from ..backends import Backend
from ..jobs.params import DatasetImage, TrainingParams
from ..protocol import ErrorCode, WorkerError
from ..protocol import messages as m
from ..settings.presets import ModelPreset

# Pixel-art styles are narrow: a few hundred steps at a modest rank learn one without burning in the dataset's
# poses, and rank 16 with bf16 leaves most of a DGX Spark's 128 GB unified memory to the checkpoint.
DEFAULT_STEPS = 400
DEFAULT_RANK = 16
DEFAULT_LEARNING_RATE = 2e-4


def training_params(
    request: m.TrainRequest,
    dataset: tuple[DatasetImage, ...],
    bases: Mapping[str, ModelPreset],
    backends: list[Backend],
    taken: Iterable[str],
) -> TrainingParams:
    """Complete parameters, or WorkerError saying what to change."""
    name = request.name.strip()
    if name in set(taken):
        raise WorkerError(
            ErrorCode.INVALID,
            f"the name {name!r} is taken by a preset or a training already; pick another name",
            {"field": "name"},
        )
    base = bases.get(request.base)
    if base is None:
        raise WorkerError(
            ErrorCode.UNKNOWN_MODEL,
            f"no ComfyUI preset {request.base!r} to train on; the base is one of: {', '.join(sorted(bases)) or 'none'}"
            " (see `dgx-pixels models`)",
            {"model": request.base, "field": "base"},
        )
    reasons = [backend.training_unavailable(base.name) for backend in backends]
    if all(reason is not None for reason in reasons):
        said = "; ".join(dict.fromkeys(r for r in reasons if r)) or "no ComfyUI server is configured"
        raise WorkerError(
            ErrorCode.UNKNOWN_MODEL,
            f"no server can train on {base.name} now: {said}",
            {"model": base.name, "field": "base"},
        )
    return TrainingParams(
        name=name,
        base=base.name,
        checkpoint=base.checkpoint,
        dataset=dataset,
        steps=request.steps or DEFAULT_STEPS,
        rank=request.rank or DEFAULT_RANK,
        learning_rate=request.learning_rate or DEFAULT_LEARNING_RATE,
        seed=request.seed if request.seed is not None else secrets.randbelow(2**32),
        size=request.size or min(2048, max(64, base.defaults.width)),
    )
