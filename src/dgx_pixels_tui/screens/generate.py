"""Generate: the prompt form, the live preview of the job just submitted, and a strip of recent results.

The screen gets the link's messages only while it is shown, so when it comes back it catches up from the
link's queue mirror (the followed job's progress or end) and from the worker's gallery (the recent strip)."""

from __future__ import annotations

import contextlib
import random
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, HorizontalScroll, Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from dgx_pixels_worker.protocol import ErrorCode, JobState, WorkerError
from dgx_pixels_worker.protocol.assets import MAX_FRAMES, MOTIONS

from ..link import CONFIRM_TRIES, LinkState, generate_confirmed
from ..messages import ConnectionChanged, JobFinished, PreviewArrived, QueueChanged
from ..palette_lock import lock_text
from ..previews.frames import shape_text
from ..previews.widget import SpritePreview
from ..prompt_notes import unused_words_note
from ..size_text import parse_size
from ..terminal_format import step_text
from ..variation_params import source_to_send
from ..widgets.prompt_input import DEFAULT_PROMPT_CHARS, PromptInput
from .base import PixelsScreen

if TYPE_CHECKING:
    from dgx_pixels_worker.protocol import messages as m

RECENT = 6
# Models of these kinds draw without a sampler: steps and cfg change nothing, so the form does not offer them.
NO_SAMPLER_KINDS = frozenset({"procedural"})


def model_label(model: m.ModelInfo) -> Text:
    """What the picker shows: the name, and a mark on a model that cannot run now (it stays choosable)."""
    if model.available:
        return Text(model.name)
    return Text.assemble(model.name, ("  ✗ cannot run now", "dim"))


class GenerateScreen(PixelsScreen):
    # Keys typed while the app starts arrive as soon as the screen mounts: they must land in the prompt.
    AUTO_FOCUS = "#prompt"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+g", "submit", "Generate"),
        Binding("ctrl+r", "random_seed", "Random seed"),
    ]
    # Classes the layout in app.tcss follows: narrower form below 100 columns, one-line fields below 32 rows.
    HORIZONTAL_BREAKPOINTS: list[tuple[int, str]] | None = [(0, "-narrow"), (100, "-wide")]  # noqa: RUF012
    VERTICAL_BREAKPOINTS: list[tuple[int, str]] | None = [(0, "-short"), (32, "-tall")]  # noqa: RUF012

    def __init__(self) -> None:
        super().__init__()
        self.job_id: str | None = None  # the job whose progress the live preview follows
        self.shown_end: str | None = None  # the followed job whose end the live preview shows
        self.models: list[m.ModelInfo] = []
        self.chosen: str | None = None  # the user's model: kept while the worker cannot run it
        self.recent: list[str] = []  # the image ids the strip shows, newest first
        self._thumbs: dict[str, bytes] = {}
        self._shapes: dict[str, tuple[int, bool]] = {}  # each recent image's frames and whether it is a tile

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="generate"):
            with Vertical(id="form"):
                with VerticalScroll(id="fields", can_focus=False):
                    yield Label("Prompt")
                    yield PromptInput(placeholder="red knight with a sword", id="prompt", what="the prompt")
                    yield Label("Negative prompt")
                    yield PromptInput(placeholder="what to avoid", id="negative", what="the negative prompt")
                    yield Label("Model")
                    yield Select([], prompt="model", allow_blank=True, id="model")
                    yield Static("", id="model-note")
                    with Horizontal(classes="row"):
                        with Vertical(classes="field"):
                            yield Label("Seed")
                            yield Input(placeholder="random", id="seed", type="integer")
                        yield Button("🎲 seed", id="random-seed")
                    with Horizontal(classes="row"):
                        for name, kind, hint in (
                            ("size", "text", "64x64"),
                            ("steps", "integer", "steps"),
                            ("cfg", "number", "cfg"),
                            ("count", "integer", "1"),
                        ):
                            with Vertical(classes="field"):
                                yield Label(name.capitalize() if name != "cfg" else "CFG", id=f"{name}-label")
                                yield Input(placeholder=hint, id=name, type=kind)  # type: ignore[arg-type]
                    with Horizontal(classes="row"):  # an animation of N frames, or a seamless tile
                        with Vertical(classes="field"):
                            yield Label("Frames", id="frames-label")
                            yield Input(placeholder="1", id="frames", type="integer")
                        with Vertical(classes="field"):
                            yield Label("Motion", id="motion-label")
                            yield Select(  # left blank, an animation idles: "idle" is that blank, not listed twice
                                [(name, name) for name in MOTIONS if name != "idle"], prompt="idle", id="motion"
                            )
                        yield Checkbox("Tile", id="tile")
                    with Horizontal(classes="row"):  # variations of an image: a file here, or a gallery image
                        with Vertical(classes="field", id="vary-field"):
                            yield Label("Vary (file or image id)", id="vary-label")
                            yield Input(placeholder="sketch.png or JOBID-0", id="vary")
                        with Vertical(classes="field"):
                            yield Label("Strength", id="strength-label")
                            yield Input(placeholder="0.5", id="strength", type="number")
                    yield Static("", id="unavailable")
                yield Button("Generate  (enter / ctrl+g)", variant="primary", id="submit")
            with Vertical(id="live"):
                yield SpritePreview(id="live-preview")
                yield Static("Type a prompt and press enter.", id="live-status")
                yield Label("Recent", id="recent-label")
                yield HorizontalScroll(id="recent")

    def on_mount(self) -> None:
        self.load_models()
        self.load_recent()

    def refresh_from_link(self) -> None:
        """Shown again: messages that came while hidden went to another screen, so catch up from the link."""
        self.load_models()
        self.load_recent()
        self.catch_up()

    def catch_up(self) -> None:
        """The followed job as the link's mirror knows it now: its progress, or its end if it ended meanwhile."""
        if self.job_id is None:
            return
        job = self.pixels.link.mirror.jobs.get(self.job_id)
        if job is None:
            return
        if job.state.terminal:
            if self.shown_end != job.id:
                self.job_finished(job)
        else:
            self._show_progress(job)

    @work(exclusive=True, group="models")
    async def load_models(self) -> None:
        try:
            self.models = await self.pixels.client.models()
        except WorkerError:
            return
        hello = self.pixels.link.hello
        if hello is not None:
            limit = int(hello.limits.get("prompt_chars") or DEFAULT_PROMPT_CHARS)
            for field in self.query(PromptInput):
                field.max_length = limit
        try:
            select = self.query_one("#model", Select)
        except NoMatches:  # the app closed while the list was on its way
            return
        names = [model.name for model in self.models]
        options = [(model_label(model), model.name) for model in self.models]
        chosen = self.chosen
        if chosen is not None and chosen not in names:  # gone from the worker's list: still the user's choice
            options.append((Text.assemble(chosen, ("  ✗ not offered now", "dim")), chosen))
        with select.prevent(Select.Changed):
            try:
                select.set_options(options)
            except NoMatches:  # its overlay is gone: the app is closing
                return
            default = hello.default_model if hello else None
            usable = [model.name for model in self.models if model.available]
            pick = chosen or (default if default in usable else (usable[0] if usable else None))
            if pick is not None:
                select.value = pick
        self._describe_model(pick)
        missing = [
            f"✗ {model.name}: {model.reason or 'cannot run now'}" for model in self.models if not model.available
        ]
        self.query_one("#unavailable", Static).update(Text("cannot run now:\n" + "\n".join(missing)) if missing else "")

    @on(Select.Changed, "#model")
    def model_chosen(self, event: Select.Changed) -> None:
        if event.value is Select.NULL:
            return
        self.chosen = str(event.value)
        self._describe_model(self.chosen)

    def _describe_model(self, name: str | None) -> None:
        """Defaults as hints; steps and cfg off for models that ignore them; why the chosen model cannot run."""
        model = next((x for x in self.models if x.name == name), None)
        note = self.query_one("#model-note", Static)
        if model is None:
            note.update(Text(f"⚠ {name} is not offered by the worker now; pick another model") if name else "")
            return
        d = model.defaults
        self.query_one("#size", Input).placeholder = f"{d.get('width', 64)}x{d.get('height', 64)}"
        ignored = model.kind in NO_SAMPLER_KINDS
        for field in ("steps", "cfg"):
            widget = self.query_one(f"#{field}", Input)
            widget.disabled = ignored
            widget.placeholder = "n/a" if ignored else f"{d.get(field, '')}"
            if ignored:
                widget.value = ""
        lines = []
        if not model.available:
            lines.append(Text(f"⚠ {model.name} cannot run now: {model.reason or 'no backend can take it'}", "yellow"))
        if ignored:
            lines.append(Text("steps and CFG do not apply: the procedural generator has no sampler", "dim"))
        note.update(Text("\n").join(lines))

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
        model = self.query_one("#model", Select).value
        info = next((x for x in self.models if x.name == model), None)
        if model is not Select.NULL and (info is None or not info.available):
            why = info.reason if info is not None and info.reason else "the worker does not offer it now"
            raise ValueError(f"{model} cannot run now ({why}); pick another model or wait until it is back")
        width, height = parse_size(value["size"] or None)
        frames, motion, tile = self._animation()
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
            "palette": self.pixels.palette,
            "frames": frames if frames > 1 else None,
            "motion": motion,
            "tile": tile or None,
            **self._source(),
        }
        return {key: val for key, val in params.items() if val is not None}

    def _source(self) -> dict[str, object]:
        """The image to vary and how far, from the form: a file here is read and sent as its bytes."""
        source = source_to_send(self.query_one("#vary", Input).value.strip(), "Vary:")
        strength = self.query_one("#strength", Input).value.strip()
        if strength and not source:
            raise ValueError("Strength is for variations: name an image file or a gallery image in Vary")
        if strength and not 0 < float(strength) <= 1:
            raise ValueError(f"Strength: more than 0 and at most 1 (0.2 stays close, 1 moves furthest), not {strength}")
        return {**source, "strength": float(strength)} if strength else source

    def _animation(self) -> tuple[int, str | None, bool]:
        """(frames, motion, tile) from the form; a motion without frames to move in is refused."""
        text = self.query_one("#frames", Input).value.strip()
        frames = int(text) if text else 1
        if not 1 <= frames <= MAX_FRAMES:
            raise ValueError(f"frames must be 1 to {MAX_FRAMES} (1 is a still, e.g. 4 for a walk cycle), not {frames}")
        chosen = self.query_one("#motion", Select).value
        motion = None if chosen is Select.NULL else str(chosen)
        if motion is not None and frames < 2:
            raise ValueError(f"motion {motion} needs an animation: set Frames to 2 or more, e.g. 4")
        return frames, motion, self.query_one("#tile", Checkbox).value

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
        self.shown_end = None
        try:
            self.query_one("#live-preview", SpritePreview).image = None
        except NoMatches:  # the app closed while the job was being queued
            return
        locked = f", {lock_text(self.pixels.palette)}" if job.palette else ""
        status.update(f"{job.id} {job.state.value}: {job.prompt} ({job.model}, seed {job.seed}{locked})")
        if job.state.terminal:  # it ended before the answer came, so its end was not followed here
            self.job_finished(job)

    def on_preview_arrived(self, message: PreviewArrived) -> None:
        if message.preview.job_id == self.job_id and self.shown_end != self.job_id:
            self.query_one("#live-preview", SpritePreview).show(message.preview.data)

    def on_queue_changed(self, message: QueueChanged) -> None:
        if message.job_id is None:  # a new snapshot: the followed job may have moved on meanwhile
            self.catch_up()
        elif message.job_id == self.job_id:
            job = self.pixels.link.mirror.jobs.get(message.job_id)
            if job is not None:
                self._show_progress(job)

    def _show_progress(self, job: m.JobInfo) -> None:
        if job.state is JobState.RUNNING:
            detail = step_text(job.image_index, job.count, job.step, job.total, job.stage)
            self.query_one("#live-status", Static).update(f"{job.id} {job.progress * 100:.0f}% · {detail}")

    def on_job_finished(self, message: JobFinished) -> None:
        self.job_finished(message.job)

    def on_connection_changed(self, message: ConnectionChanged) -> None:
        self.load_models()
        if message.state is LinkState.CONNECTED:
            self.load_recent()

    @work(group="results")
    async def job_finished(self, job: m.JobInfo) -> None:
        if job.state is JobState.COMPLETED and job.images:
            self.load_recent()
        if job.id != self.job_id:
            return
        self.shown_end = job.id
        status = self.query_one("#live-status", Static)
        if job.state is not JobState.COMPLETED:
            reason = job.error.message if job.error else job.state.value
            status.update(f"{job.id} {job.state.value}: {reason}")
            return
        done = f"{job.id} done: {len(job.images)} image(s){shape_text(job.frames, job.motion, job.tile)}"
        done += f" · seed {job.seed} · {job.model}"
        if job.palette:
            done += f" · {lock_text(self.pixels.palette or job.palette)}"
        note = unused_words_note(job.unused_words)  # words of the prompt the sprite has nothing for
        status.update(f"{done}\n{note}" if note else done)
        first = await self.preview_png(job.images[0])
        if first is not None:
            with contextlib.suppress(NoMatches):  # the app closed while the image was on its way
                self.query_one("#live-preview", SpritePreview).show(first, frames=job.frames, tile=job.tile)

    @work(exclusive=True, group="recent")
    async def load_recent(self) -> None:
        """The newest images from the worker's gallery: right after a restart too, and whoever made them."""
        try:
            infos = (await self.pixels.client.images(limit=RECENT)).images
        except WorkerError:
            return
        newest = [image.id for image in infos]
        self._shapes = {image.id: (image.frames, image.tile) for image in infos}
        if newest == self.recent:
            return
        for image_id in newest:
            if image_id not in self._thumbs:
                png = await self.preview_png(image_id)
                if png is not None:
                    self._thumbs[image_id] = png
        self._thumbs = {image_id: png for image_id, png in self._thumbs.items() if image_id in newest}
        try:
            strip = self.query_one("#recent", HorizontalScroll)
        except NoMatches:  # the app closed while the images were on their way
            return
        await strip.remove_children()
        thumbs = []
        for image_id in newest:
            if image_id in self._thumbs:
                thumb = SpritePreview(classes="thumb", id=f"recent-{image_id}")
                frames, tile = self._shapes.get(image_id, (1, False))
                thumb.show(self._thumbs[image_id], frames=frames, tile=tile)
                thumbs.append(thumb)
        await strip.mount_all(thumbs)
        self.recent = newest  # last: a load cancelled by a newer one leaves the next to draw the strip
