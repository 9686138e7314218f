"""The embedded procedural backend: offline, deterministic pixel sprites, no AI and no GPU."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncGenerator, Iterator
from typing import Any

import numpy as np
from PIL import Image

from .. import procedural
from ..pixelart.palette import map_to_palette, named_palette
from ..procedural.seeding import rng_for
from ..procedural.stages import preview_frames
from ..procedural.variation import varied_sprite
from ..procedural.wrap import quiet_roll
from ..protocol import ErrorCode, WorkerError
from ..protocol.messages import BackendInfo, GpuInfo, ModelInfo
from ..settings.presets import ModelPreset
from .base import BackendEvent, Preview, Progress, RenderTask, Result, TrainingEvent, TrainingTask

MODEL_NAME = "procedural"
# Styles, so that comparisons and the arena work on a machine with no ComfyUI: the same sprite with its colours
# mapped onto a classic palette. name -> (palette, description)
STYLES: dict[str, tuple[str | None, str]] = {
    MODEL_NAME: (None, "Offline procedural pixel sprites (not AI): silhouettes and palettes chosen from prompt words."),
    "procedural-pico8": ("pico8", "The procedural sprite in the PICO-8 palette (offline, not AI)."),
    "procedural-gameboy": ("gameboy", "The procedural sprite in the four greens of the Game Boy (offline, not AI)."),
}


def unused_words(model: str, prompt: str, negative: str) -> list[str]:
    """The prompt's words a procedural model draws nothing for (docs/procedural.md); none for other models."""
    return list(_unused_words(prompt, negative)) if model in STYLES else []


@functools.lru_cache(maxsize=1024)  # asked for each job a snapshot or an event shows
def _unused_words(prompt: str, negative: str) -> tuple[str, ...]:
    return procedural.unused_words(prompt, negative)


def _stages(task: RenderTask) -> Iterator[np.ndarray]:
    """The task's preview frames, then its image: a sprite, a tile, or an animation's sheet."""
    if task.frames > 1:
        return procedural.render_animation_stages(
            task.prompt,
            task.seed,
            task.width,
            task.height,
            task.steps,
            task.frames,
            task.motion or "idle",
            task.negative,
        )
    return procedural.render_stages(
        task.prompt, task.seed, task.width, task.height, task.steps, task.negative, tile=task.tile
    )


def _variation_stages(task: RenderTask) -> tuple[list[np.ndarray], dict[str, Any]]:
    """A variation's preview frames and image (procedural/variation.py), and what its record says of it."""
    strength = task.strength if task.strength is not None else 1.0
    image, info = varied_sprite(task.init_png or b"", task.seed, task.width, task.height, strength)
    return list(preview_frames(image, task.steps, rng_for("vary-stages", task.seed, strength))), info


class ProceduralBackend:
    kind = "procedural"

    def __init__(self, *, steps: int = 8, step_delay_s: float = 0.0, name: str = "procedural"):
        self.name = name
        self.slots = 1
        self.default_steps = steps
        self.step_delay_s = step_delay_s

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    def info(self) -> BackendInfo:
        return BackendInfo(
            name=self.name,
            kind=self.kind,
            healthy=True,
            slots=self.slots,
            detail="embedded procedural generator (offline, not AI)",
        )

    def models(self) -> list[ModelInfo]:
        return [
            ModelInfo(
                name=name,
                backend=self.name,
                kind=self.kind,
                available=True,
                description=description,
                tags=["character", "item", "tile", "creature"],
                defaults={"width": 64, "height": 64, "steps": self.default_steps, "cfg": 0.0, "postprocess": []},
                limits={
                    "min_size": procedural.MIN_SIZE,
                    "max_size": procedural.MAX_SIZE,
                    "max_steps": 100,
                    "max_sheet_width": procedural.MAX_SHEET_WIDTH,
                },
                where={self.name: None},
            )
            for name, (_, description) in STYLES.items()
        ]

    def can_run(self, model: str) -> bool:
        return model in STYLES

    def checkpoint_of(self, model: str) -> str | None:
        return None

    def render_identity(self, model: str) -> str | None:
        return f"{model} {procedural.GENERATOR_VERSION}" if model in STYLES else None

    def gpus(self) -> list[GpuInfo]:
        return []

    def training_unavailable(self, model: str) -> str | None:
        return "the procedural generator draws from rules and learns nothing: train on a ComfyUI server"

    async def train(self, task: TrainingTask) -> AsyncGenerator[TrainingEvent, None]:
        raise WorkerError(ErrorCode.BACKEND_ERROR, self.training_unavailable(task.checkpoint) or "")
        yield  # an async generator, like every backend's

    def add_preset(self, preset: ModelPreset) -> None:
        return None  # it runs only its own drawings

    async def render(self, task: RenderTask) -> AsyncGenerator[BackendEvent, None]:
        varied: dict[str, Any] = {}
        try:
            if task.init_png is not None:
                frames, varied = await asyncio.to_thread(_variation_stages, task)
            else:
                frames = await asyncio.to_thread(lambda: list(_stages(task)))
        except ValueError as exc:
            raise WorkerError(ErrorCode.INVALID, str(exc)) from None
        palette = STYLES.get(task.model, (None, ""))[0]
        if palette is not None:
            frames = await asyncio.to_thread(
                lambda: [map_to_palette(frame, named_palette(palette)) for frame in frames]
            )
            if task.tile:  # other colours make other neighbours alike: the tile is cut again where they differ least
                frames[-1] = quiet_roll(frames[-1], np.random.default_rng(task.seed))
        plan = procedural.plan_sprite(task.prompt, task.negative, seed=task.seed, tile=task.tile)
        total = len(frames)
        for step, frame in enumerate(frames[:-1], start=1):
            yield Progress(step=step, total=total, stage=f"shaping {plan.subject}")
            yield Preview(image=Image.fromarray(frame, "RGBA"), step=step, total=total)
            if self.step_delay_s:
                await asyncio.sleep(self.step_delay_s)
        yield Progress(step=total, total=total, stage="finishing")
        yield Result(
            image=Image.fromarray(frames[-1], "RGBA"),
            info={
                "generator": f"procedural/{procedural.GENERATOR_VERSION}",
                "subject": plan.subject,
                "unused_words": unused_words(task.model, task.prompt, task.negative),
                **({"palette": palette} if palette else {}),
                **varied,
            },
        )
