"""A tile's two prompts on one ComfyUI server: the render, the upload of its shifted copy, the seam pass.

Progress runs on one bar over both passes. The image's backend reference names the first prompt, then both
(`FIRST+SEAM`), so a worker restarted mid-tile reattaches to the seam pass if ComfyUI still has it, and otherwise
takes the first pass again from ComfyUI's history (or renders it afresh) and repeats the upload and the seam pass.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator
from typing import TYPE_CHECKING, Any

import numpy as np

from ...pixelart.seams import seam_score
from ...protocol import ErrorCode, WorkerError
from ...settings.presets import ModelPreset
from ..base import BackendEvent, Preview, Progress, RenderTask, Result, Submitted
from .http_api import ComfyFailed, ComfyUnavailable
from .tiles import DENOISE, TILE_FOLDER, seam_graph, seam_pass_png
from .uploads import content_name
from .workflow import Graph, WorkflowError

if TYPE_CHECKING:
    from .backend import ComfyUIBackend

FIRST_STAGE = " (tile, first pass)"
SEAM_STAGE = " (repainting the seams)"


async def render_tile(
    backend: ComfyUIBackend, task: RenderTask, preset: ModelPreset
) -> AsyncGenerator[BackendEvent, None]:
    first_ref, seam_ref = _refs(task.resume_ref)
    negative = backend._negative(task, preset)
    if seam_ref is not None and await _still_there(backend, seam_ref):
        first_id, bar = first_ref, task.steps
        first_score = await _first_score(backend, first_ref, preset, negative)
        seam_input = "resumed"  # the graph is only followed, not submitted again
    else:
        first_id, first, bar = None, None, 0
        graph = backend._bind(task, preset)  # never a variation: a tile with a source to vary is refused when queued
        async with contextlib.aclosing(backend.prompt_events(graph, task, preset, first_ref, None)) as events:
            async for event in events:
                if isinstance(event, Submitted):
                    first_id = event.ref
                    yield event
                elif isinstance(event, list):
                    first = await backend._result(event, preset, first_id or "", negative)
                elif isinstance(event, (Progress, Preview)):
                    bar = max(bar, _total(event))
                    yield _shifted(event, 0, 2 * _total(event), FIRST_STAGE)
        if first is None or first_id is None:
            raise WorkerError(ErrorCode.BACKEND_ERROR, f"{backend.name} ended the tile's first pass without an image")
        yield Progress(bar, 2 * bar, "uploading the tile for its seam pass")
        first_score = seam_score(np.asarray(first.image.convert("RGBA")))
        seam_input = await _upload(backend, seam_pass_png(first.image))
        seam_ref = None
    graph = _seam_graph(backend, task, preset, seam_input)
    seam_id, result = None, None
    async with contextlib.aclosing(backend.prompt_events(graph, task, preset, seam_ref)) as events:
        async for event in events:
            if isinstance(event, Submitted):
                seam_id = event.ref
                yield Submitted(f"{first_id}+{seam_id}")
            elif isinstance(event, list):
                result = await backend._result(event, preset, seam_id or "", negative)
            elif isinstance(event, (Progress, Preview)):
                yield _shifted(event, bar, bar + _total(event), SEAM_STAGE)
    if result is None:
        raise WorkerError(ErrorCode.BACKEND_ERROR, f"{backend.name} ended the tile's seam pass without an image")
    info: dict[str, Any] = {
        **result.info,
        "tile_method": f"roll by half a tile, repaint the seams at denoise {DENOISE}",
        "tile_first_prompt_id": first_id,
    }
    if first_score is not None:
        info["seam_first_pass"] = round(first_score, 3)
    yield Result(result.image, info)


def _refs(ref: str | None) -> tuple[str | None, str | None]:
    """(first prompt, seam prompt) from an image's backend reference."""
    if not ref:
        return None, None
    first, _, seam = ref.partition("+")
    return first or None, seam or None


async def _still_there(backend: ComfyUIBackend, seam_ref: str) -> bool:
    """Whether ComfyUI still has the seam pass (running, pending or finished)."""
    prompt_id, _ = await backend._resume(seam_ref)
    return prompt_id is not None


async def _first_score(
    backend: ComfyUIBackend, first_ref: str | None, preset: ModelPreset, negative: str
) -> float | None:
    """The first pass's seam score, read back from ComfyUI's history for a tile resumed in its seam pass; None
    when ComfyUI no longer has it (the tile itself does not need it)."""
    try:
        outputs = await backend._reattach(first_ref) if first_ref else None
        if not outputs:
            return None
        first = await backend._result(outputs, preset, first_ref or "", negative)
    except (WorkerError, ComfyUnavailable, ComfyFailed):
        return None
    return seam_score(np.asarray(first.image.convert("RGBA")))


async def _upload(backend: ComfyUIBackend, png: bytes) -> str:
    try:
        return await backend.uploads.upload_image(png, content_name(png, "dgx-pixels-tile"), TILE_FOLDER)
    except ComfyUnavailable as exc:
        backend.healthy, backend.detail = False, str(exc)
        raise WorkerError(ErrorCode.BACKEND_UNAVAILABLE, str(exc), {"backend": backend.name}) from None
    except ComfyFailed as exc:
        raise WorkerError(ErrorCode.BACKEND_ERROR, f"{backend.name}: {exc}", {"backend": backend.name}) from None


def _seam_graph(backend: ComfyUIBackend, task: RenderTask, preset: ModelPreset, image_name: str) -> Graph:
    graph = backend._bind(task, preset)
    try:
        return seam_graph(graph, backend.workflows[preset.workflow].roles, image_name, task.width, task.height)
    except WorkflowError as exc:
        raise WorkerError(ErrorCode.INVALID, f"preset {preset.name}: {exc}") from None


def _total(event: Progress | Preview) -> int:
    return max(1, event.total)


def _shifted(event: Progress | Preview, before: int, total: int, stage: str) -> Progress | Preview:
    """An event of one pass on the bar over both."""
    if isinstance(event, Progress):
        return Progress(before + event.step, total, event.stage + stage)
    return Preview(event.image, before + event.step, total)
