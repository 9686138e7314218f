"""Generate: the prompt form, the live preview of the job just submitted, and a strip of recent results."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, HorizontalScroll, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from dgx_pixels_worker.protocol import ErrorCode, JobState, WorkerError

from ..link import CONFIRM_TRIES, generate_confirmed
from ..messages import ConnectionChanged, JobFinished, PreviewArrived, QueueChanged
from ..previews.widget import SpritePreview
from ..prompt_notes import unused_words_note
from ..size_text import parse_size
from ..terminal_format import step_text
from .base import PixelsScreen

if TYPE_CHECKING:
    from dgx_pixels_worker.protocol import messages as m

RECENT = 6


class GenerateScreen(PixelsScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+g", "submit", "Generate"),
        Binding("ctrl+r", "random_seed", "Random seed"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.job_id: str | None = None  # the job whose progress the live preview follows
        self.models: list[m.ModelInfo] = []

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="generate"):
            with Vertical(id="form"):
                yield Label("Prompt")
                yield Input(placeholder="red knight with a sword", id="prompt")
                yield Label("Negative prompt")
                yield Input(placeholder="what to avoid", id="negative")
                yield Label("Model")
                yield Select([], prompt="model", allow_blank=True, id="model")
                yield Static("", id="unavailable")
                with Horizontal(classes="row"):
                    yield Input(placeholder="random", id="seed", type="integer")
                    yield Button("🎲 seed", id="random-seed")
                with Horizontal(classes="row"):
                    yield Input(placeholder="size", id="size")
                    yield Input(placeholder="steps", id="steps", type="integer")
                    yield Input(placeholder="cfg", id="cfg", type="number")
                    yield Input(placeholder="count 1", id="count", type="integer")
                yield Button("Generate  (enter / ctrl+g)", variant="primary", id="submit")
            with Vertical(id="live"):
                yield SpritePreview(id="live-preview")
                yield Static("Type a prompt and press enter.", id="live-status")
                yield Label("Recent")
                yield HorizontalScroll(id="recent")

    def on_mount(self) -> None:
        self.query_one("#prompt", Input).focus()
        self.load_models()

    def refresh_from_link(self) -> None:
        self.load_models()

    @work(exclusive=True, group="models")
    async def load_models(self) -> None:
        try:
            self.models = await self.pixels.client.models()
        except WorkerError:
            return
        select = self.query_one("#model", Select)
        current = select.value
        usable = [model for model in self.models if model.available]
        select.set_options([(model.name, model.name) for model in usable])
        default = self.pixels.link.hello.default_model if self.pixels.link.hello else None
        names = [model.name for model in usable]
        if current in names:
            select.value = current
        elif default in names:
            select.value = default
        elif names:
            select.value = names[0]
        missing = [f"{model.name}: {model.reason}" for model in self.models if not model.available]
        self.query_one("#unavailable", Static).update("\n".join(missing))

    @on(Select.Changed, "#model")
    def model_chosen(self, event: Select.Changed) -> None:
        model = next((x for x in self.models if x.name == event.value), None)
        if model is None:
            return
        d = model.defaults
        self.query_one("#size", Input).placeholder = f"{d.get('width', 64)}x{d.get('height', 64)}"
        self.query_one("#steps", Input).placeholder = f"steps {d.get('steps', '')}"
        self.query_one("#cfg", Input).placeholder = f"cfg {d.get('cfg', '')}"

    @on(Input.Submitted)
    def input_submitted(self) -> None:
        self.action_submit()

    @on(Button.Pressed, "#submit")
    def submit_pressed(self) -> None:
        self.action_submit()

    @on(Button.Pressed, "#random-seed")
    def random_pressed(self) -> None:
        self.action_random_seed()

    def action_random_seed(self) -> None:
        self.query_one("#seed", Input).value = str(random.randrange(2**32))

    def action_submit(self) -> None:
        try:
            params = self._params()
        except ValueError as exc:
            self.notify(str(exc), severity="error")
            return
        self.submit(params)

    def _params(self) -> dict[str, object]:
        value = {
            name: self.query_one(f"#{name}", Input).value.strip()
            for name in ("prompt", "negative", "seed", "size", "steps", "cfg", "count")
        }
        if not value["prompt"]:
            raise ValueError("type a prompt first, e.g. 'red knight with a sword'")
        width, height = parse_size(value["size"] or None)
        model = self.query_one("#model", Select).value
        params: dict[str, object] = {
            "prompt": value["prompt"],
            "negative": value["negative"],
            "width": width,
            "height": height,
            "model": None if model is Select.NULL else model,
            "seed": int(value["seed"]) if value["seed"] else None,
            "steps": int(value["steps"]) if value["steps"] else None,
            "cfg": float(value["cfg"]) if value["cfg"] else None,
            "count": int(value["count"] or 1),
        }
        return {key: val for key, val in params.items() if val is not None}

    @work(group="submit")
    async def submit(self, params: dict[str, object]) -> None:
        prompt = str(params.pop("prompt"))
        status = self.query_one("#live-status", Static)

        def unconfirmed(tries: int) -> None:  # it may be queued all the same: asked again, it is never made twice
            status.update(
                f"not confirmed yet: the worker has not answered; checking whether it queued {prompt!r} "
                f"(asking again, {tries + 1} of {CONFIRM_TRIES})"
            )

        try:
            job = await generate_confirmed(self.pixels.client, prompt, params, unconfirmed)
        except WorkerError as exc:
            if exc.code != ErrorCode.TIMEOUT:
                self.notify(exc.message, title="not queued", severity="error", timeout=8)
                return
            status.update(
                f"not confirmed: the worker has not answered {CONFIRM_TRIES} times; whether it queued {prompt!r} "
                "shows in the queue (F3) once it answers"
            )
            self.notify(exc.message, title="not confirmed", severity="warning", timeout=8)
            return
        self.job_id = job.id
        self.query_one("#live-preview", SpritePreview).image = None
        status.update(f"{job.id} {job.state.value}: {job.prompt} ({job.model}, seed {job.seed})")
        if job.state.terminal:  # it ended before the answer came, so its end was not followed here
            self.job_finished(job)

    def on_preview_arrived(self, message: PreviewArrived) -> None:
        if message.preview.job_id == self.job_id:
            self.query_one("#live-preview", SpritePreview).show(message.preview.data)

    def on_queue_changed(self, message: QueueChanged) -> None:
        if message.job_id == self.job_id and self.job_id:
            job = self.pixels.link.mirror.jobs.get(self.job_id)
            if job is not None and job.state is JobState.RUNNING:
                detail = step_text(job.image_index, job.count, job.step, job.total, job.stage)
                self.query_one("#live-status", Static).update(f"{job.id} {job.progress * 100:.0f}% · {detail}")

    def on_job_finished(self, message: JobFinished) -> None:
        self.job_finished(message.job)

    def on_connection_changed(self, message: ConnectionChanged) -> None:
        self.load_models()

    @work(group="results")
    async def job_finished(self, job: m.JobInfo) -> None:
        if job.id != self.job_id:
            if job.state is JobState.COMPLETED and job.images:
                await self._add_recent(await self.preview_png(job.images[-1]))
            return
        status = self.query_one("#live-status", Static)
        if job.state is not JobState.COMPLETED:
            reason = job.error.message if job.error else job.state.value
            status.update(f"{job.id} {job.state.value}: {reason}")
            return
        done = f"{job.id} done: {len(job.images)} image(s) · seed {job.seed} · {job.model}"
        note = unused_words_note(job.unused_words)  # words of the prompt the sprite has nothing for
        status.update(f"{done}\n{note}" if note else done)
        first = await self.preview_png(job.images[0])
        if first is not None:
            self.query_one("#live-preview", SpritePreview).show(first)
        for image_id in job.images[-RECENT:]:  # the strip keeps no more; fetching the rest would be wasted
            await self._add_recent(first if image_id == job.images[0] else await self.preview_png(image_id))

    async def _add_recent(self, png: bytes | None) -> None:
        if png is None:
            return
        strip = self.query_one("#recent", HorizontalScroll)
        thumb = SpritePreview(classes="thumb")
        await strip.mount(thumb, before=0)
        thumb.show(png)
        for old in list(strip.query(SpritePreview))[RECENT:]:
            await old.remove()
