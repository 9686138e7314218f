"""Training a LoRA on a ComfyUI server with its native nodes: upload the dataset with its captions, run the
training graph (training_graph.py) as a prompt, then fetch the saved LoRA and its loss curve.

ComfyUI sends no step progress while TrainLoraNode runs (its loop drives a console bar, not the progress hook),
so the events say the stage and never a step count. The LoRA is not among the prompt's /history outputs:
SaveLoRANode writes it under output/loras, which ComfyUI lists among its LoRAs, so it is found there by its
prefix (unique to the job) and downloaded with /view. Files left on the server: the dataset folder in input/
and the LoRA in output/loras (the loss curve is in temp/, which ComfyUI empties when it starts).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import TYPE_CHECKING, Any

from ...protocol import ErrorCode, WorkerError
from ..base import Progress, Submitted, TrainedLora, TrainingEvent, TrainingTask
from .availability import combo_choices, training_problem
from .http_api import ComfyFailed, ComfyRejected, ComfyUnavailable
from .training_graph import TRAIN, GraphRefused, TrainingGraph, lora_basename, training_graph

if TYPE_CHECKING:
    from .backend import ComfyUIBackend

TRAINING_STAGE = "training the LoRA (ComfyUI reports no step progress while it trains)"
STAGES = {
    "CheckpointLoaderSimple": "loading checkpoint",
    "LoadImageTextSetFromFolderNode": "loading the dataset",
    "VAEEncode": "encoding the dataset",
    "TrainLoraNode": TRAINING_STAGE,
    "SaveLoRANode": "saving the LoRA",
    "LossGraphNode": "drawing the loss curve",
}
DISK_FULL = ("No space left on device", "os error 28", "Errno 28")
PREVIEW_METHOD = "none"  # nothing in a training graph draws a preview


async def train_lora(backend: ComfyUIBackend, task: TrainingTask) -> AsyncGenerator[TrainingEvent, None]:
    """Yield Submitted (the prompt id, to reattach to after a worker restart), Progress with stages only, then
    one TrainedLora. With `task.resume_ref`, follow (or fetch) that prompt instead of training again; when ComfyUI
    has forgotten it (it restarted), raise BACKEND_UNAVAILABLE with details["forgotten"] (also when it forgets
    the prompt mid-training): a run without the old ref uploads and trains again. Cancelling interrupts the
    prompt, which ComfyUI only notices once TrainLoraNode ends (nothing is saved then); the iteration ends at once,
    without waiting for it."""
    server = backend.name
    await _refresh(backend)
    bound = _graph(backend, task)
    before_submit = None
    if task.resume_ref is None:
        yield Progress(0, 0, f"uploading {len(task.images)} images to {server}")
        await _upload(backend, task, bound.folder)
    else:
        before_submit = _forgotten(server)

    async def submit(prompt_id: str) -> None:
        await backend.submit_graph(bound.graph, prompt_id, _rejection(server), PREVIEW_METHOD)

    prompt_id, outputs = task.resume_ref or "", None
    try:
        async with contextlib.aclosing(
            # No wait for ComfyUI to confirm a cancel: it cannot before TrainLoraNode ends, however long that takes.
            backend.run_prompt(bound.graph, task.resume_ref, submit, before_submit, None, STAGES, confirm_cancel_s=0)
        ) as events:
            async for item in events:
                if isinstance(item, list):
                    outputs = item
                elif isinstance(item, Submitted):
                    prompt_id = item.ref
                    yield item
                    # A reattached prompt says which node runs only when the next one starts.
                    fresh = item.ref != task.resume_ref
                    yield Progress(0, 0, f"queued on {server}" if fresh else f"reattached to the training on {server}")
                elif isinstance(item, Progress):
                    yield Progress(0, 0, item.stage)
    except WorkerError as exc:
        raise _explained(exc, server) from None
    yield Progress(0, 0, f"fetching the LoRA from {server}")
    yield await _fetch(backend, task, bound, prompt_id, outputs or [])


async def _refresh(backend: ComfyUIBackend) -> None:
    """Read the server's lists and node specs now: the graph is fitted to them, and a checkpoint may be gone."""
    try:
        await backend.refresh_models()
    except ComfyUnavailable as exc:
        backend.healthy, backend.detail = False, str(exc)
        raise WorkerError(
            ErrorCode.BACKEND_UNAVAILABLE, f"{backend.name} is down: {exc}", {"backend": backend.name}
        ) from None
    except ComfyFailed as exc:
        raise WorkerError(ErrorCode.BACKEND_ERROR, f"{backend.name}: {exc}", {"backend": backend.name}) from None


def _graph(backend: ComfyUIBackend, task: TrainingTask) -> TrainingGraph:
    problem = training_problem(task.checkpoint, backend.node_info, backend.name, backend.version)
    if problem is not None:
        raise WorkerError(ErrorCode.BACKEND_ERROR, problem, {"backend": backend.name})
    if not task.images:
        raise WorkerError(ErrorCode.INVALID, "a training needs at least one image")
    try:
        return training_graph(task, backend.node_info, backend.training_options, backend.name)
    except GraphRefused as exc:
        raise WorkerError(ErrorCode.BACKEND_ERROR, str(exc), {"backend": backend.name}) from None


async def _upload(backend: ComfyUIBackend, task: TrainingTask, folder: str) -> None:
    """Every image as NNNN.png with its caption as NNNN.txt: the dataset node pairs them by name, and an image
    without a caption file makes ComfyUI fail on the count of conditions."""
    try:
        for index, image in enumerate(task.images):
            await backend.uploads.replace_file(image.png, f"{index:04d}.png", folder, "image/png")
            await backend.uploads.replace_file(image.caption.encode(), f"{index:04d}.txt", folder, "text/plain")
    except ComfyUnavailable as exc:
        backend.healthy, backend.detail = False, str(exc)
        raise WorkerError(
            ErrorCode.BACKEND_UNAVAILABLE, f"lost {backend.name} while uploading the dataset: {exc}"
        ) from None
    except ComfyFailed as exc:
        raise WorkerError(
            ErrorCode.BACKEND_ERROR, f"{backend.name} did not take the dataset: {exc}", {"backend": backend.name}
        ) from None


def _forgotten(server: str) -> Callable[[], Awaitable[None]]:
    async def refuse() -> None:
        raise WorkerError(
            ErrorCode.BACKEND_UNAVAILABLE,
            f"{server} restarted and forgot the training; it goes back in the queue",
            {"backend": server, "forgotten": True},
        )

    return refuse


def _rejection(server: str) -> Callable[[ComfyRejected], str]:
    def explain(exc: ComfyRejected) -> str:
        problems = [
            f"{entry.get('class_type', node_id)} {item.get('extra_info', {}).get('input_name', '')}: "
            f"{item.get('message', '')} {item.get('details', '')}".strip()
            for node_id, entry in exc.node_errors.items()
            for item in entry.get("errors", [])
        ] or [f"{exc.error.get('message', 'rejected')} {exc.error.get('details', '')}".strip()]
        return f"{server} refused the training graph: {'; '.join(problems)}"

    return explain


def _explained(exc: WorkerError, server: str) -> WorkerError:
    """The prompt's failure in the words of a training: what broke, where, and what to do."""
    details = exc.details
    if exc.code == ErrorCode.BACKEND_UNAVAILABLE:
        if details.get("forgotten"):
            return WorkerError(
                exc.code, f"{server} restarted and forgot the training; it goes back in the queue", details
            )
        return exc
    if exc.code != ErrorCode.BACKEND_ERROR:
        return exc
    text = f"{exc.message} {details.get('exception_message', '')}"
    if any(sign in text for sign in DISK_FULL):
        return WorkerError(
            exc.code,
            f"{server}'s disk is full: ComfyUI could not write the LoRA; free space in its output folder and retry "
            f"the job",
            details,
        )
    node_type = details.get("node_type")
    if node_type:
        message = details.get("exception_message") or exc.message
        return WorkerError(
            exc.code,
            f"{server} failed to train, in node {details.get('node_id')} ({node_type}): {message}; check the "
            f"dataset and settings and retry the job",
            details,
        )
    return exc


async def _fetch(
    backend: ComfyUIBackend, task: TrainingTask, bound: TrainingGraph, prompt_id: str, outputs: list[dict[str, Any]]
) -> TrainedLora:
    server = backend.name
    try:
        await backend.refresh_models()  # the new file is in LoraLoader's list from now on
        name = saved_lora(backend.node_info, lora_basename(task.name, task.job_id), task.steps)
        if name is None:
            raise WorkerError(
                ErrorCode.BACKEND_ERROR,
                f"{server} finished the training but lists no LoRA named {bound.lora_prefix}*: is its output "
                f"folder's loras/ among its LoRA folders (ComfyUI 0.3.6x adds it)?",
                {"backend": server, "prompt_id": prompt_id},
            )
        data = await backend.http.view(name, "loras", "output")
        loss_png = await _loss_png(backend, bound, outputs)
    except (ComfyUnavailable, ComfyFailed) as exc:
        raise WorkerError(
            ErrorCode.BACKEND_UNAVAILABLE, f"could not fetch the LoRA from {server}: {exc}", {"backend": server}
        ) from None
    trained = bound.graph[TRAIN]["inputs"]
    return TrainedLora(
        lora_name=name,
        data=data,
        loss_png=loss_png,
        info={
            "backend_name": server,
            "prompt_id": prompt_id,
            "comfyui_version": backend.version,
            "checkpoint": task.checkpoint,
            "dataset_folder": bound.folder,
            "images": len(task.images),
            "size": task.size,
            "lora_file": f"output/loras/{name}",
            **{key: value for key, value in trained.items() if not isinstance(value, list)},
        },
    )


def saved_lora(object_info: dict[str, Any], basename: str, steps: int) -> str | None:
    """The newest file SaveLoRANode wrote under `basename`: `<basename>_<steps>_steps_<counter:05>_.safetensors`.
    A job trained again on the same server saves a second file with a higher counter."""
    pattern = re.compile(re.escape(basename) + r"_(\d+)_steps_(\d+)_\.safetensors")
    found = []
    for name in combo_choices(object_info, "LoraLoader", "lora_name") or []:
        match = pattern.fullmatch(name)
        if match and int(match[1]) == steps:
            found.append((int(match[2]), name))
    return max(found)[1] if found else None


async def _loss_png(backend: ComfyUIBackend, bound: TrainingGraph, outputs: list[dict[str, Any]]) -> bytes | None:
    """LossGraphNode's picture (in the temp folder, listed among the prompt's images), when there is one."""
    if bound.loss_prefix is None:
        return None
    for image in outputs:
        filename = str(image.get("filename", ""))
        if filename.startswith(bound.loss_prefix):
            return await backend.http.view(filename, str(image.get("subfolder", "")), str(image.get("type", "temp")))
    return None
