"""A ComfyUI server as a backend: submit a bound workflow, follow it over the websocket, fetch the image."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import io
import json
import logging
import socket
import time
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from typing import Any

from PIL import Image

from ...protocol import ErrorCode, WorkerError
from ...protocol.messages import BackendInfo, GpuInfo, ModelInfo
from ...settings.presets import ModelPreset
from ..base import BackendEvent, Preview, Progress, RenderTask, Result, Submitted, TrainingEvent, TrainingTask
from ..gpu_metrics import from_system_stats
from .animation import sheet_prompt
from .availability import MODEL_NODES, TRAINING_NODES, training_problem, unavailable_reason
from .http_api import ComfyFailed, ComfyHTTP, ComfyRejected, ComfyUnavailable
from .img2img import SOURCE_TITLE, image_to_image, source_png
from .routing import MessageRouter, PromptChannel
from .tile_passes import render_tile
from .training import train_lora
from .training_graph import TrainingOptions
from .uploads import ImageUploads, content_name
from .validation_errors import explain_rejection
from .websocket import ComfyWebSocket
from .workflow import BindParams, WorkflowError, WorkflowTemplate

log = logging.getLogger(__name__)

STAGES = {
    "CheckpointLoaderSimple": "loading checkpoint",
    "LoraLoader": "loading LoRA",
    "CLIPTextEncode": "encoding prompt",
    "EmptyLatentImage": "preparing latent",
    "LoadImage": "loading the source image",
    "ImageScale": "scaling the source image",
    "VAEEncode": "encoding the source image",
    "SetLatentNoiseMask": "masking the seams",
    "ImageCompositeMasked": "keeping the edges",
    "KSampler": "sampling",
    "KSamplerAdvanced": "sampling",
    "LatentUpscale": "upscaling",
    "LatentUpscaleBy": "upscaling",
    "VAEDecode": "decoding",
    "SaveImage": "saving",
}
QUIET_S = 20.0  # no word about our prompt for this long: ask ComfyUI's queue and history directly
RECONNECT_WAIT_S = 15.0
FIRST_CHECK_S = 3.0
CANCEL_CONFIRM_S = 5.0
PREVIEW_METHOD = "auto"  # sent with every prompt: TAESD previews where the server has the decoder, else latent2rgb
UPLOAD_FOLDER = "dgx-pixels"  # subfolder of ComfyUI's input folder for the images variations start from
SIZE_MULTIPLE = 8  # a latent pixel is 8x8 image pixels: ComfyUI renders 65x65 as 64x64 without a word


class ComfyUIBackend:
    kind = "comfyui"

    def __init__(
        self,
        name: str,
        url: str,
        presets: list[ModelPreset],
        workflows: dict[str, WorkflowTemplate],
        *,
        slots: int = 2,
        health_interval_s: float = 5.0,
        request_timeout_s: float = 30.0,
    ):
        self.name = name
        self.url = url.rstrip("/")
        self.slots = slots  # each slot keeps one prompt inside ComfyUI: one runs while the next waits
        self.presets = {p.name: p for p in presets}
        self.workflows = workflows
        self.health_interval_s = health_interval_s
        # Stable across reconnects and worker restarts, so a resumed socket still hears our running prompt.
        self.client_id = f"dgx-pixels-{socket.gethostname()}-{name}"
        self.http = ComfyHTTP(self.url, request_timeout_s)
        self.uploads = ImageUploads(self.http)
        self.router = MessageRouter()
        self.websocket = ComfyWebSocket(self.url, self.client_id, self.router)
        self.healthy = False
        self.detail = "not contacted yet"
        self.system_stats: dict[str, Any] = {}
        self.node_info: dict[str, Any] = {}  # /object_info of MODEL_NODES and TRAINING_NODES as last read
        self.training_options = TrainingOptions()  # dtypes and optimizer of a training (fp32 for a CPU server)
        self.availability: dict[str, str | None] = dict.fromkeys(self.presets, "not contacted yet")
        self._tasks: list[asyncio.Task[None]] = []

    # ------------------------------------------------------------ lifecycle and health

    async def start(self) -> None:
        # One check before the worker says it is ready, so the first `models` is already right; a server
        # that takes longer is reported as still being checked, and the health loop carries on.
        try:
            await asyncio.wait_for(self.check_health(), FIRST_CHECK_S)
        except TimeoutError:
            self.detail = f"no answer from {self.url} yet"
        self._tasks = [
            asyncio.create_task(self.websocket.run(), name=f"{self.name} websocket"),
            asyncio.create_task(self._health_loop(), name=f"{self.name} health"),
        ]

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.http.close()

    async def check_health(self) -> bool:
        try:
            self.system_stats = await self.http.system_stats()
            await self.refresh_models()
        except (ComfyUnavailable, ComfyFailed) as exc:
            if self.healthy:
                log.warning("ComfyUI %s went down: %s", self.name, exc)
            self.uploads.forget()
            self.healthy, self.detail = False, str(exc)
            return False
        if not self.healthy:
            log.info("ComfyUI %s is up (%s)", self.name, self.url)
        self.healthy, self.detail = True, f"ComfyUI {self.version} at {self.url}"
        return True

    async def refresh_models(self) -> None:
        """Read again which checkpoints, LoRAs, samplers and schedulers the server offers: ComfyUI lists its
        folders afresh on every request and says nothing when a file comes or goes."""
        info: dict[str, Any] = {}
        for class_type in (*MODEL_NODES, *TRAINING_NODES):
            info.update(await self.http.node_info(class_type))
        self.node_info = info
        self.availability = {name: unavailable_reason(preset, info, self.name) for name, preset in self.presets.items()}

    async def _health_loop(self) -> None:
        # A server that is down is asked as often as one that is up: a refused connection costs nothing, and
        # a growing pause left users waiting half a minute after their server came back.
        while True:
            await self.check_health()
            await asyncio.sleep(self.health_interval_s)

    def info(self) -> BackendInfo:
        return BackendInfo(name=self.name, kind=self.kind, healthy=self.healthy, detail=self.detail, slots=self.slots)

    def models(self) -> list[ModelInfo]:
        return [
            ModelInfo(
                name=preset.name,
                backend=self.name,
                kind=self.kind,
                available=self.healthy and self.availability.get(preset.name) is None,
                reason=None if self.healthy else f"{self.name} is down: {self.detail}",
                description=preset.description,
                tags=preset.tags,
                defaults={
                    "width": preset.defaults.width,
                    "height": preset.defaults.height,
                    "steps": preset.defaults.steps,
                    "cfg": preset.defaults.cfg,
                    "sampler": preset.defaults.sampler,
                    "scheduler": preset.defaults.scheduler,
                    "postprocess": preset.postprocess,
                },
                where={self.name: self.availability.get(preset.name) if self.healthy else f"down: {self.detail}"},
                checkpoint=preset.checkpoint,
                limits={"size_multiple": SIZE_MULTIPLE},
            )
            for preset in self.presets.values()
        ]

    def can_run(self, model: str) -> bool:
        return self.healthy and model in self.presets and self.availability.get(model) is None

    def gpus(self) -> list[GpuInfo]:
        return from_system_stats(self.name, self.system_stats) if self.healthy else []

    def checkpoint_of(self, model: str) -> str | None:
        preset = self.presets.get(model)
        return preset.checkpoint if preset else None

    def render_identity(self, model: str) -> str | None:
        preset = self.presets.get(model)
        if preset is None:
            return None
        d = preset.defaults
        return json.dumps(["comfyui", preset.identity(), preset.workflow, d.sampler, d.scheduler])

    # ------------------------------------------------------------ training

    def training_unavailable(self, model: str) -> str | None:
        if not self.healthy:
            return f"{self.name} is down: {self.detail}"
        preset = self.presets.get(model)
        if preset is None:
            return f"{self.name} has no preset {model!r}"
        return training_problem(preset.checkpoint, self.node_info, self.name, self.version)

    def train(self, task: TrainingTask) -> AsyncGenerator[TrainingEvent, None]:
        """Train a LoRA on this server (training.py). Cancelling the iteration interrupts the prompt, but ComfyUI
        only notices once TrainLoraNode ends: its training loop never looks at the interrupt flag."""
        return train_lora(self, task)

    @property
    def version(self) -> str:
        return str(self.system_stats.get("system", {}).get("comfyui_version", "?"))

    def add_preset(self, preset: ModelPreset) -> None:
        self.presets[preset.name] = preset
        self.availability[preset.name] = unavailable_reason(preset, self.node_info, self.name)

    # ------------------------------------------------------------ rendering

    async def render(self, task: RenderTask) -> AsyncGenerator[BackendEvent, None]:
        preset = self.presets.get(task.model)
        if preset is None:
            raise WorkerError(ErrorCode.UNKNOWN_MODEL, f"{self.name} has no preset {task.model!r}")
        if task.tile:
            async for event in render_tile(self, task, preset):
                yield event
            return
        graph = self._bind(task, preset)
        # A prompt ComfyUI still has needs no second upload: the source goes up only before a submission.
        upload = None if task.init_png is None else functools.partial(self._upload_source, graph, task.init_png)
        prompt_id = task.resume_ref or ""
        async with contextlib.aclosing(self.prompt_events(graph, task, preset, task.resume_ref, upload)) as events:
            async for item in events:
                if isinstance(item, list):
                    yield await self._result(item, preset, prompt_id, self._negative(task, preset))
                    return
                if isinstance(item, Submitted):
                    prompt_id = item.ref
                yield item

    async def prompt_events(
        self,
        graph: dict[str, Any],
        task: RenderTask,
        preset: ModelPreset,
        ref: str | None,
        before_submit: Callable[[], Awaitable[None]] | None = None,
    ) -> AsyncGenerator[BackendEvent | list[dict[str, Any]], None]:
        """One prompt: reattach to `ref` or submit `graph` (after `before_submit`, an upload it needs); yield
        Submitted with the prompt's id, its Progress and Preview, then the list of its output images. Cancelling
        the iteration interrupts the prompt. An image is one prompt, a tile two (tile_passes.py)."""
        bar = _StepBar(graph, self.workflows[preset.workflow].roles.samplers, task.steps)

        async def submit(prompt_id: str) -> None:
            await self._submit(graph, prompt_id, preset)

        async with contextlib.aclosing(self.run_prompt(graph, ref, submit, before_submit, bar)) as events:
            async for item in events:
                yield item

    async def run_prompt(
        self,
        graph: dict[str, Any],
        ref: str | None,
        submit: Callable[[str], Awaitable[None]],
        before_submit: Callable[[], Awaitable[None]] | None = None,
        bar: _StepBar | None = None,
        stages: dict[str, str] = STAGES,
        confirm_cancel_s: float = CANCEL_CONFIRM_S,
    ) -> AsyncGenerator[BackendEvent | list[dict[str, Any]], None]:
        """prompt_events for any graph: `submit(prompt_id)` queues it, `bar` counts its samplers' steps (None: a
        graph without one, whose Progress says only its stage), `stages` names what each node class does, and a
        cancel waits up to `confirm_cancel_s` for ComfyUI to confirm its interrupt."""
        prompt_id, outputs = await self._resume(ref)
        if prompt_id is None:
            prompt_id = str(uuid.uuid4())
        channel = self.router.open(prompt_id)  # before submitting, so not one message is missed
        try:
            if ref != prompt_id:
                if before_submit is not None:
                    await before_submit()
                await submit(prompt_id)
            yield Submitted(prompt_id)
            if outputs is None:
                async for event in self._follow(channel, graph, bar, stages):
                    if isinstance(event, list):
                        outputs = event
                    else:
                        yield event
            yield outputs or []
        except asyncio.CancelledError:
            await asyncio.shield(self._cancel(channel, confirm_cancel_s))
            raise
        finally:
            self.router.close(prompt_id)

    async def _resume(self, ref: str | None) -> tuple[str | None, list[dict[str, Any]] | None]:
        """For an image a previous run submitted: (its prompt id, outputs if finished), or (None, None) when
        ComfyUI no longer has it and it must be submitted afresh."""
        if ref is None:
            return None, None
        try:
            known, outputs = await self._look_up(ref)
            if known:
                return ref, outputs
        except ComfyUnavailable as exc:
            raise WorkerError(ErrorCode.BACKEND_UNAVAILABLE, str(exc), {"backend": self.name}) from None
        return None, None

    def _bind(self, task: RenderTask, preset: ModelPreset) -> dict[str, Any]:
        template = self.workflows.get(preset.workflow)
        if template is None:
            raise WorkerError(
                ErrorCode.INVALID,
                f"preset {preset.name} names workflow {preset.workflow!r}, which is not loaded",
            )
        graph = template.bind(
            BindParams(
                prompt=sheet_prompt(task.prompt, task.frames, task.motion),
                negative=self._negative(task, preset),
                seed=task.seed,
                steps=task.steps,
                cfg=task.cfg,
                sampler=preset.defaults.sampler,
                scheduler=preset.defaults.scheduler,
                width=task.width * task.frames,
                height=task.height,
                checkpoint=preset.checkpoint,
                loras=tuple(preset.loras),
                filename_prefix=f"dgx-pixels/{task.job_id}-{task.index}",
            )
        )
        if task.init_png is not None:
            name = f"{UPLOAD_FOLDER}/{content_name(source_png(task.init_png))}"
            strength = task.strength if task.strength is not None else 1.0
            try:
                image_to_image(graph, template.roles, name, task.width, task.height, strength)
            except WorkflowError as exc:
                raise WorkerError(ErrorCode.INVALID, f"preset {preset.name}: {exc}") from None
        return graph

    async def _upload_source(self, graph: dict[str, Any], init_png: bytes) -> None:
        """Put the image a variation starts from into ComfyUI's input folder, under the name LoadImage has."""
        data = source_png(init_png)
        try:
            given = await self.uploads.upload_image(data, content_name(data), UPLOAD_FOLDER)
        except ComfyUnavailable as exc:
            self.healthy, self.detail = False, str(exc)
            raise WorkerError(ErrorCode.BACKEND_UNAVAILABLE, str(exc), {"backend": self.name}) from None
        except ComfyFailed as exc:
            raise WorkerError(ErrorCode.BACKEND_ERROR, f"{self.name}: {exc}", {"backend": self.name}) from None
        for node in graph.values():
            if node["class_type"] == "LoadImage" and node.get("_meta", {}).get("title") == SOURCE_TITLE:
                node["inputs"]["image"] = given  # ComfyUI named it otherwise: another file had taken the name

    @staticmethod
    def _negative(task: RenderTask, preset: ModelPreset) -> str:
        """The negative prompt sent: the preset's, then the request's own."""
        return ", ".join(part for part in (preset.defaults.negative, task.negative) if part)

    async def _submit(self, graph: dict[str, Any], prompt_id: str, preset: ModelPreset) -> None:
        def explain(exc: ComfyRejected) -> str:
            return explain_rejection(exc.error, exc.node_errors, preset, self.name, self.node_info)

        await self.submit_graph(graph, prompt_id, explain)

    async def submit_graph(
        self,
        graph: dict[str, Any],
        prompt_id: str,
        explain: Callable[[ComfyRejected], str],
        preview_method: str = PREVIEW_METHOD,
    ) -> None:
        """Queue `graph` as `prompt_id`; WorkerError when refused (in the words of `explain`) or unreachable."""
        try:
            await self.http.submit(graph, self.client_id, prompt_id, preview_method)
        except ComfyRejected as exc:
            if _names_a_missing_choice(exc.node_errors):
                # A file went away (or came) since the last look: read the lists again, so the preset shows as
                # unavailable at once and the sentence below names what is installed now.
                with contextlib.suppress(ComfyUnavailable, ComfyFailed):
                    await self.refresh_models()
            raise WorkerError(
                ErrorCode.BACKEND_ERROR, explain(exc), {"backend": self.name, "node_errors": exc.node_errors}
            ) from None
        except ComfyUnavailable as exc:
            self.healthy, self.detail = False, str(exc)
            raise WorkerError(ErrorCode.BACKEND_UNAVAILABLE, str(exc), {"backend": self.name}) from None
        except ComfyFailed as exc:
            raise WorkerError(ErrorCode.BACKEND_ERROR, f"{self.name}: {exc}", {"backend": self.name}) from None

    async def _follow(
        self, channel: PromptChannel, graph: dict[str, Any], bar: _StepBar | None, stages: dict[str, str]
    ) -> AsyncIterator[Any]:
        """Turn the prompt's messages into events; the last thing yielded is the list of output images.

        Every sampler of the graph counts towards one bar (a hires fix's 4 + 14 steps make 18); a metadata
        preview (format 4) comes before the `progress` of its step, so it belongs to the step after the last
        one announced, while a legacy preview (format 1) comes after its `progress`."""
        outputs: list[dict[str, Any]] = []
        stage, step, total = "queued on " + self.name, 0, bar.total if bar else 0
        while True:
            try:
                kind, data = await asyncio.wait_for(channel.messages.get(), QUIET_S)
            except TimeoutError:
                kind, data = "quiet", None
            if kind in ("quiet", "disconnected"):
                finished = await self._recover_view(channel.prompt_id, kind)
                if finished is not None:
                    yield finished
                    return
                continue
            if kind == "executing" and data.get("node") is not None:
                stage = stages.get(graph.get(str(data["node"]), {}).get("class_type", ""), "running")
                stage = bar.stage(str(data["node"]), stage) if bar else stage
                yield Progress(step, total, stage)
            elif kind == "progress" and bar is not None:
                step, total = bar.at(str(data.get("node")), int(data.get("value", 0)), int(data.get("max") or 0))
                yield Progress(step, total, stage)
            elif kind == "preview":
                try:
                    image = Image.open(io.BytesIO(data.image))
                    image.load()
                except Exception:
                    continue
                yield Preview(image, min(step + 1, total) if data.prompt_id is not None else step, total)
            elif kind == "executed":
                outputs += (data.get("output") or {}).get("images") or []
            elif kind == "execution_success":
                yield outputs
                return
            elif kind == "execution_error":
                raise WorkerError(
                    ErrorCode.BACKEND_ERROR,
                    f"ComfyUI {self.name} failed in node {data.get('node_id')} ({data.get('node_type')}): "
                    f"{str(data.get('exception_message', '')).strip()}",
                    {
                        "backend": self.name,
                        "node_id": data.get("node_id"),
                        "node_type": data.get("node_type"),
                        "exception_type": data.get("exception_type"),
                        "exception_message": str(data.get("exception_message", "")).strip(),
                    },
                )
            elif kind == "execution_interrupted":
                raise WorkerError(
                    ErrorCode.BACKEND_ERROR,
                    f"the prompt was interrupted on {self.name} from outside dgx-pixels; retry the job",
                    {"backend": self.name},
                )

    async def _recover_view(self, prompt_id: str, why: str) -> list[dict[str, Any]] | None:
        """After silence or a dropped socket: outputs if ComfyUI finished the prompt, None if it still has it."""
        if why == "disconnected":
            if not await self.check_health():  # the server itself is gone: no point waiting for the socket
                raise WorkerError(
                    ErrorCode.BACKEND_UNAVAILABLE,
                    f"lost {self.name} while it ran the job: {self.detail}",
                    {"backend": self.name},
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.websocket.connected.wait(), RECONNECT_WAIT_S)
        try:
            known, outputs = await self._look_up(prompt_id)
            if known:
                return outputs
        except ComfyUnavailable as exc:
            self.healthy, self.detail = False, str(exc)
            raise WorkerError(
                ErrorCode.BACKEND_UNAVAILABLE, f"lost {self.name} while it ran the job: {exc}", {"backend": self.name}
            ) from None
        raise WorkerError(
            ErrorCode.BACKEND_UNAVAILABLE,
            f"{self.name} no longer knows the prompt: ComfyUI restarted and forgot its queue",
            {"backend": self.name, "forgotten": prompt_id},
        )

    async def _look_up(self, prompt_id: str) -> tuple[bool, list[dict[str, Any]] | None]:
        """(whether ComfyUI has the prompt, its outputs if it finished). /history is asked again after /queue: a
        prompt finishing between the two looks is in neither list when each is read, and would be run twice."""
        outputs = await self._reattach(prompt_id)
        if outputs is not None or await self._known(prompt_id):
            return True, outputs
        outputs = await self._reattach(prompt_id)
        return outputs is not None, outputs

    async def _reattach(self, prompt_id: str) -> list[dict[str, Any]] | None:
        """The outputs from /history when ComfyUI has finished the prompt, else None."""
        entry = await self.http.history(prompt_id)
        if not entry:
            return None
        status = entry.get("status", {})
        if status.get("status_str") != "success":
            messages = [m for m in status.get("messages", []) if m and m[0] == "execution_error"]
            error = messages[-1][1] if messages else {}
            detail = str(error.get("exception_message", "interrupted")).strip()
            raise WorkerError(
                ErrorCode.BACKEND_ERROR,
                f"ComfyUI {self.name} did not finish the prompt: {detail}",
                {
                    "backend": self.name,
                    "node_id": error.get("node_id"),
                    "node_type": error.get("node_type"),
                    "exception_message": detail,
                },
            )
        return [image for output in entry.get("outputs", {}).values() for image in output.get("images", [])]

    async def _known(self, prompt_id: str) -> bool:
        """Whether the prompt is running or pending in ComfyUI's queue."""
        queue = await self.http.queue()
        items = queue.get("queue_running", []) + queue.get("queue_pending", [])
        return any(len(item) > 1 and item[1] == prompt_id for item in items)

    async def _result(
        self, outputs: list[dict[str, Any]], preset: ModelPreset, prompt_id: str, negative: str
    ) -> Result:
        saved = [o for o in outputs if o.get("type") == "output"] or outputs
        if not saved:
            raise WorkerError(ErrorCode.BACKEND_ERROR, f"{self.name} finished the prompt but saved no image")
        first = saved[0]
        try:
            data = await self.http.view(first["filename"], first.get("subfolder", ""), first.get("type", "output"))
        except (ComfyUnavailable, ComfyFailed) as exc:
            raise WorkerError(
                ErrorCode.BACKEND_UNAVAILABLE, f"could not fetch the image from {self.name}: {exc}"
            ) from None
        image = Image.open(io.BytesIO(data))
        image.load()
        return Result(
            image,
            {
                "backend_name": self.name,
                "checkpoint": preset.checkpoint,
                "prompt_id": prompt_id,
                "loras": [lora.model_dump() for lora in preset.loras],
                "sampler": preset.defaults.sampler,
                "scheduler": preset.defaults.scheduler,
                "negative_sent": negative,  # the preset's negative prompt, then the request's own ("negative")
                "comfyui_files": [f"{o.get('subfolder', '')}/{o['filename']}".lstrip("/") for o in saved],
            },
        )

    async def _cancel(self, channel: PromptChannel, confirm_s: float = CANCEL_CONFIRM_S) -> None:
        """Delete the prompt while it is pending; interrupt it while it runs and wait up to `confirm_s` for ComfyUI
        to confirm."""
        prompt_id = channel.prompt_id
        try:
            await self.http.delete_pending(prompt_id)
            if self.router.running != prompt_id and not await self._known(prompt_id):
                return  # it was still pending: deleting it was enough
            await self.http.interrupt(prompt_id)
            if confirm_s <= 0:
                return
            deadline = time.monotonic() + confirm_s
            while (left := deadline - time.monotonic()) > 0:
                try:
                    kind, _ = await asyncio.wait_for(channel.messages.get(), left)
                except TimeoutError:
                    break
                if kind in ("execution_interrupted", "execution_success", "execution_error"):
                    return
            log.warning("%s did not confirm the interrupt of %s within %gs", self.name, prompt_id, confirm_s)
        except (ComfyUnavailable, ComfyFailed) as exc:
            log.warning("could not cancel prompt %s on %s: %s", prompt_id, self.name, exc)


def _names_a_missing_choice(node_errors: dict[str, Any]) -> bool:
    return any(
        item.get("type") == "value_not_in_list" for entry in node_errors.values() for item in entry.get("errors", [])
    )


class _StepBar:
    """One progress bar over every sampler of a graph: steps of the samplers that ran before count as done."""

    def __init__(self, graph: dict[str, Any], samplers: tuple[str, ...], default_steps: int):
        self.order = [n for n in samplers if n in graph] or []
        self.steps = {}
        for node_id in self.order:
            value = graph[node_id]["inputs"].get("steps")
            self.steps[node_id] = value if isinstance(value, int) and value > 0 else default_steps
        if not self.order:
            self.steps = {"": default_steps}
        self.current = ""

    @property
    def total(self) -> int:
        return sum(self.steps.values())

    def stage(self, node_id: str, stage: str) -> str:
        if node_id in self.steps and len(self.order) > 1:
            return f"{stage}, pass {self.order.index(node_id) + 1} of {len(self.order)}"
        return stage

    def at(self, node_id: str, value: int, most: int) -> tuple[int, int]:
        """(step, total) on the one bar for `progress {value, max}` from `node_id`."""
        if node_id not in self.steps:
            if len(self.steps) == 1 and not self.order:  # no sampler known: the node's own count is the bar
                self.steps = {"": most or self.total}
                return min(value, self.total), self.total
            node_id = self.current or next(iter(self.steps))  # another node's count (an upscaler): keep the bar
            return self.done_before(node_id), self.total
        if most > 0:
            self.steps[node_id] = most
        self.current = node_id
        return self.done_before(node_id) + min(value, self.steps[node_id]), self.total

    def done_before(self, node_id: str) -> int:
        index = self.order.index(node_id) if node_id in self.order else 0
        return sum(self.steps[n] for n in self.order[:index])
