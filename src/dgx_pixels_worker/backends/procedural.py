"""The embedded procedural backend: offline, deterministic pixel sprites, no AI and no GPU."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from PIL import Image

from .. import procedural
from ..protocol import ErrorCode, WorkerError
from ..protocol.messages import BackendInfo, GpuInfo, ModelInfo
from .base import BackendEvent, Preview, Progress, RenderTask, Result

MODEL_NAME = "procedural"


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
            name=self.name, kind=self.kind, healthy=True, slots=self.slots,
            detail="embedded procedural generator (offline, not AI)",
        )

    def models(self) -> list[ModelInfo]:
        return [
            ModelInfo(
                name=MODEL_NAME,
                backend=self.name,
                kind=self.kind,
                available=True,
                description="Offline procedural pixel sprites (not AI): silhouettes and palettes chosen from prompt words.",
                tags=["character", "item", "tile", "creature"],
                defaults={"width": 64, "height": 64, "steps": self.default_steps, "cfg": 0.0},
                limits={"min_size": procedural.MIN_SIZE, "max_size": procedural.MAX_SIZE, "max_steps": 100},
                where={self.name: None},
            )
        ]

    def can_run(self, model: str) -> bool:
        return model == MODEL_NAME

    def checkpoint_of(self, model: str) -> str | None:
        return None

    def gpus(self) -> list[GpuInfo]:
        return []

    async def render(self, task: RenderTask) -> AsyncIterator[BackendEvent]:
        try:
            frames = await asyncio.to_thread(
                lambda: list(
                    procedural.render_stages(task.prompt, task.seed, task.width, task.height, task.steps, task.negative)
                )
            )
        except ValueError as exc:
            raise WorkerError(ErrorCode.INVALID, str(exc)) from None
        plan = procedural.plan_sprite(task.prompt, task.negative, seed=task.seed)
        total = len(frames)
        for step, frame in enumerate(frames[:-1], start=1):
            yield Progress(step=step, total=total, stage=f"shaping {plan.subject}")
            yield Preview(image=Image.fromarray(frame, "RGBA"), step=step, total=total)
            if self.step_delay_s:
                await asyncio.sleep(self.step_delay_s)
        yield Progress(step=total, total=total, stage="done")
        yield Result(
            image=Image.fromarray(frames[-1], "RGBA"),
            info={"generator": f"procedural/{procedural.GENERATOR_VERSION}", "subject": plan.subject},
        )
