"""Train: a LoRA trained through ComfyUI from a dataset reviewed here, and the presets trained so far with how they
fare against their base. The dataset comes from a gallery query, the winners of a tag, or a folder on this machine
(read here and sent, so it works over SSH); its captions are edited and its bad images dropped before `train`.

The job is then one of the queue's (F3): its stage, elapsed time and estimate; ComfyUI gives no step progress while
it trains. `e` on a trained preset makes blind comparisons against its base and judges them on the Compare screen."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.widgets import DataTable, Input, Select, Static

from dgx_pixels_worker.protocol import WorkerError

from ..dataset_draft import DatasetDraft, Source, parse_source
from ..link import LinkState
from ..messages import ConnectionChanged, JobFinished, StatusArrived
from ..previews.widget import SpritePreview
from ..training_view import (
    DEFAULT_LEARNING_RATE,
    DEFAULT_RANK,
    DEFAULT_STEPS,
    problem_advice,
    size_text,
    verdict_text,
)
from .base import PixelsScreen

if TYPE_CHECKING:
    from dgx_pixels_worker.protocol import messages as m

# Actions on plain letters: they must type into a field that has focus, never act.
KEY_ACTIONS = {"drop", "evaluate"}
NUMBERS = {"steps": (2, 100_000), "rank": (1, 128), "seed": (0, 2**63 - 1)}
HINT = "Name it, choose a base, say where the dataset comes from, then ctrl+l loads it and ctrl+t trains."


class TrainScreen(PixelsScreen):
    DEFAULT_CSS = """
    #train-form { height: auto; }
    #train-name { width: 17; }
    #train-base { width: 24; }
    #train-source { width: 1fr; }
    #train-steps { width: 11; }
    #train-rank { width: 10; }
    #train-lr { width: 18; }
    #train-seed { width: 12; }
    TrainScreen.-narrow #train-form { layout: grid; grid-size: 4; grid-columns: 1fr 1fr 1fr 1fr; grid-rows: auto; }
    TrainScreen.-narrow #train-form > * { width: 1fr; }
    TrainScreen.-narrow #train-source { column-span: 2; }
    #train-status { height: auto; max-height: 2; padding: 0 1; }
    #train-middle { height: 1fr; }
    #train-lists { width: 1fr; }
    #train-dataset { height: 2fr; border: round $primary-darken-2; }
    #train-trained { height: 1fr; min-height: 4; border: round $primary-darken-2; }
    #train-preview { width: 34; border: round $primary-darken-2; }
    TrainScreen.-narrow #train-preview { width: 22; }
    """
    AUTO_FOCUS = "#train-name"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]  # noqa: RUF012 (Textual types it so)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+l", "load_dataset", "Load dataset"),
        Binding("ctrl+t", "train", "Train"),
        Binding("x,delete", "drop", "Drop image"),
        Binding("e", "evaluate", "Evaluate"),
        Binding("escape", "focus_dataset", "Dataset", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.draft: DatasetDraft | None = None
        self.trained: list[m.TrainedInfo] = []
        self.editing: int | None = None  # the dataset row whose caption the caption field edits
        self.job: m.JobInfo | None = None  # the training job queued here last
        self.healthy: tuple[str, ...] = ()  # the servers up, as the last status said
        self.no_base = False  # the line under the form says that no base can train

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="train-form"):
            name = Input(placeholder="knights-v1", id="train-name", max_length=48)
            name.border_title = "Name"
            yield name
            base: Select[str] = Select([], prompt="base preset", allow_blank=True, id="train-base")
            base.border_title = "Base"
            yield base
            source = Input(placeholder="tag:knights · winners:knights · ~/sprites", id="train-source")
            source.border_title = "Dataset (enter loads)"
            yield source
            for field, placeholder in (
                ("steps", str(DEFAULT_STEPS)),
                ("rank", str(DEFAULT_RANK)),
                ("lr", str(DEFAULT_LEARNING_RATE)),
                ("seed", "random"),
            ):
                box = Input(placeholder=placeholder, id=f"train-{field}", type="number" if field == "lr" else "integer")
                box.border_title = {"lr": "Learning rate"}.get(field, field.capitalize())
                yield box
        yield Static(HINT, id="train-status")
        caption = Input(id="train-caption", placeholder="the caption (enter keeps it, escape leaves it)")
        caption.border_title = "Caption"
        yield caption
        with Horizontal(id="train-middle"):
            with Vertical(id="train-lists"):
                dataset: DataTable[str | Text] = DataTable(id="train-dataset", cursor_type="row")
                dataset.border_title = "Dataset (enter edits a caption, x drops)"
                yield dataset
                trained: DataTable[str | Text] = DataTable(id="train-trained", cursor_type="row")
                trained.border_title = "Trained presets (e evaluates against the base)"
                yield trained
            yield SpritePreview(id="train-preview", placeholder="no image")

    def on_mount(self) -> None:
        self.query_one("#train-caption", Input).display = False
        self.query_one("#train-dataset", DataTable).add_columns("image", "size", "caption", "problem")
        self.query_one("#train-trained", DataTable).add_columns("preset", "base", "images", "steps", "vs base")
        self.load_models()
        self.load_trained()

    def refresh_from_link(self) -> None:
        self.load_models()
        self.load_trained()

    def on_connection_changed(self, message: ConnectionChanged) -> None:
        if message.state is LinkState.CONNECTED:
            self.refresh_from_link()

    def on_status_arrived(self, message: StatusArrived) -> None:
        """A server that comes up (or goes down) changes which bases can train: the list follows."""
        healthy = tuple(sorted(b.name for b in message.status.backends if b.healthy))
        if healthy != self.healthy:
            self.healthy = healthy
            self.load_models()

    def on_job_finished(self, message: JobFinished) -> None:
        """A training that ends brings its preset: the bases and the trained presets are asked for again."""
        job = message.job
        if job.kind != "training":
            return
        self.load_models()
        self.load_trained()
        if self.job is not None and job.id == self.job.id and job.training is not None:
            if job.error is not None:
                self.say(Text(f"training {job.training.name} failed: {job.error.message}", style="red"))
            else:
                self.say(f"training {job.training.name} {job.state.value}: e on it below evaluates it blind")

    # ------------------------------------------------------------ keys

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (action in KEY_ACTIONS and isinstance(self.focused, Input))

    def action_focus_dataset(self) -> None:
        if self.editing is not None:
            self._end_edit()
        self.query_one("#train-dataset", DataTable).focus()

    def say(self, text: str | Text) -> None:
        self.query_one("#train-status", Static).update(text)

    # ------------------------------------------------------------ bases and trained presets

    @work(exclusive=True, group="train-models")
    async def load_models(self) -> None:
        try:
            models = await self.pixels.client.models()
        except WorkerError:
            return  # the connection line says why; the list fills on reconnection
        names = [model.name for model in models if model.kind == "comfyui" and model.available]
        try:
            select = self.query_one("#train-base", Select)
            chosen = select.value
            with select.prevent(Select.Changed):
                select.set_options([(name, name) for name in names])
        except NoMatches:  # the app closed while the list was on its way
            return
        with select.prevent(Select.Changed):
            if chosen in names:
                select.value = chosen
            elif names:
                select.value = names[0]
        select.prompt = "base preset" if names else "no base"
        if names and self.no_base:  # a server came up: the warning is stale
            self.say(HINT)
        self.no_base = not names
        if not names:
            self.say(
                Text(
                    "No base can train here: training needs a ComfyUI preset on a reachable server (F5 Models says "
                    "why each is unavailable).",
                    style="yellow",
                )
            )

    @work(exclusive=True, group="train-trained")
    async def load_trained(self) -> None:
        try:
            self.trained = await self.pixels.client.trained()
        except WorkerError:
            return
        table = self.query_one("#train-trained", DataTable)
        table.clear()
        for info in self.trained:
            table.add_row(
                info.name,
                info.base,
                str(len(info.dataset)),
                str(info.steps),
                verdict_text(info.evaluation),
                key=info.name,
            )

    # ------------------------------------------------------------ the dataset

    @on(Input.Submitted, "#train-source")
    def source_submitted(self) -> None:
        self.action_load_dataset()

    def action_load_dataset(self) -> None:
        try:
            source = parse_source(self.query_one("#train-source", Input).value)
        except ValueError as exc:
            self.notify(str(exc), severity="warning")
            self.query_one("#train-source", Input).focus()
            return
        self.load_dataset(source)

    @work(exclusive=True, group="train-dataset")
    async def load_dataset(self, source: Source) -> None:
        client = self.pixels.client
        draft = DatasetDraft(source)
        items: list[dict[str, object]] = []
        if source.folder is not None:
            from dgx_pixels_worker.protocol.messages import MAX_DATASET

            from ..training_folder import read_folder

            try:
                local = read_folder(source.folder, MAX_DATASET)
            except ValueError as exc:
                self.say(Text(str(exc), style="red"))
                return
            for number, image in enumerate(local, 1):
                self.say(f"sending {number}/{len(local)}: {image.path.name}")
                try:
                    sent = await client.upload(image.data)
                except WorkerError as exc:
                    self.say(Text(f"{image.path.name}: {exc.message}", style="red"))
                    return
                draft.local[sent.image] = image.data
                items.append({"image": sent.image, "caption": image.caption})
        try:
            reply = await client.dataset(items, query=source.query, winners=source.winners)
        except WorkerError as exc:
            self.say(Text(exc.message, style="red"))
            return
        draft.entries, draft.problems = list(reply.items), list(reply.problems)
        self.draft = draft
        self.fill_dataset()
        self.query_one("#train-dataset", DataTable).focus()

    @work(exclusive=True, group="train-dataset")
    async def recheck(self) -> None:
        """Ask the worker about the dataset as edited: its problems are the worker's word, not a guess."""
        draft = self.draft
        if draft is None or not draft.entries:
            self.fill_dataset()
            return
        try:
            reply = await self.pixels.client.dataset(draft.items())
        except WorkerError as exc:
            self.say(Text(exc.message, style="red"))
            return
        draft.entries, draft.problems = list(reply.items), list(reply.problems)
        self.fill_dataset()

    def fill_dataset(self, row: int | None = None) -> None:
        table = self.query_one("#train-dataset", DataTable)
        keep = table.cursor_row if row is None else row
        table.clear()
        draft = self.draft
        if draft is None:
            return
        for index, entry in enumerate(draft.entries):
            problem = Text(entry.problem, style="red") if entry.problem else Text("")
            table.add_row(entry.image[:19], size_text(entry), entry.caption, problem, key=str(index))
        if draft.entries:
            table.move_cursor(row=min(keep, len(draft.entries) - 1))
        table.border_title = f"Dataset · {len(draft.entries)} image(s) (enter edits a caption, x drops)"
        self.say_dataset(table.cursor_row)

    def say_dataset(self, row: int) -> None:
        """The line under the form: the highlighted image's problem (the table may be too narrow to show it
        whole), else whether the dataset can be trained on and what to do."""
        draft = self.draft
        if draft is None:
            return
        highlighted = draft.entries[row] if 0 <= row < len(draft.entries) else None
        refusal = draft.refusal
        if highlighted is not None and highlighted.problem:
            self.say(Text(f"{highlighted.problem} (x drops it)", style="red"))
        elif refusal is None:
            self.say(f"{len(draft.entries)} image(s) ready: ctrl+t trains")
        elif draft.problems and not any(entry.problem for entry in draft.entries):
            self.say(Text(problem_advice(draft.problems), style="red"))
        else:
            self.say(Text(refusal, style="red"))

    @on(DataTable.RowHighlighted, "#train-dataset")
    def dataset_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if self.draft is not None and event.cursor_row < len(self.draft.entries):
            self.show_image(self.draft.entries[event.cursor_row].image)
            self.say_dataset(event.cursor_row)

    @on(DataTable.RowHighlighted, "#train-trained")
    def trained_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None and self.query_one("#train-trained", DataTable).has_focus:
            self.show_loss_curve(str(event.row_key.value))

    @on(events.DescendantFocus, "#train-trained")
    def trained_focused(self) -> None:
        table = self.query_one("#train-trained", DataTable)
        if table.row_count:
            self.show_loss_curve(str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value))

    @work(exclusive=True, group="train-preview")
    async def show_loss_curve(self, name: str) -> None:
        """The trained preset's loss curve in the preview, fetched from the worker (it may be another machine)."""
        try:
            [info] = await self.pixels.client.trained(name, loss_curve=True)
        except (WorkerError, ValueError):
            return
        preview = self.query_one("#train-preview", SpritePreview)
        if info.loss_curve is None:
            preview.image = None
        else:
            preview.show(info.loss_curve)
        self.say(f"{name}: its loss curve, as ComfyUI drew it during training (e evaluates it against {info.base})")

    @work(exclusive=True, group="train-preview")
    async def show_image(self, image_id: str) -> None:
        local = self.draft.local.get(image_id) if self.draft is not None else None
        png = local if local is not None else await self.preview_png(image_id)
        preview = self.query_one("#train-preview", SpritePreview)
        if png is None:
            preview.image = None
        else:
            preview.show(png)

    @on(DataTable.RowSelected, "#train-dataset")
    def dataset_selected(self, event: DataTable.RowSelected) -> None:
        if self.draft is None or event.cursor_row >= len(self.draft.entries):
            return
        self.editing = event.cursor_row
        caption = self.query_one("#train-caption", Input)
        caption.value = self.draft.entries[event.cursor_row].caption
        caption.display = True
        caption.focus()

    @on(Input.Submitted, "#train-caption")
    def caption_submitted(self, event: Input.Submitted) -> None:
        if self.draft is not None and self.editing is not None and self.editing < len(self.draft.entries):
            self.draft.caption(self.editing, event.value)
            row = self.editing
            self._end_edit()
            self.fill_dataset(row)
        self.query_one("#train-dataset", DataTable).focus()

    def _end_edit(self) -> None:
        self.editing = None
        self.query_one("#train-caption", Input).display = False

    def action_drop(self) -> None:
        table = self.query_one("#train-dataset", DataTable)
        if self.focused is not table or self.draft is None or not self.draft.entries:
            return
        row = table.cursor_row
        dropped = self.draft.entries[row].image
        self.draft.drop(row)
        self.fill_dataset(row)
        self.notify(f"{dropped} dropped from the dataset")
        self.recheck()

    # ------------------------------------------------------------ training

    def _numbers(self) -> dict[str, object]:
        """steps, rank, learning rate and seed as typed (blank: the worker's default); ValueError says what to fix."""
        values: dict[str, object] = {}
        for field, (low, high) in NUMBERS.items():
            text = self.query_one(f"#train-{field}", Input).value.strip()
            if text:
                value = int(text) if text.lstrip("-").isdigit() else None
                if value is None or not low <= value <= high:
                    raise ValueError(f"{field} is a whole number from {low} to {high}, not {text!r}; blank: default")
                values[field] = value
        text = self.query_one("#train-lr", Input).value.strip()
        if text:
            try:
                rate = float(text)
            except ValueError:
                rate = -1.0
            if not 1e-7 <= rate <= 1.0:
                raise ValueError(f"the learning rate is from 1e-7 to 1, e.g. 0.0002, not {text!r}; blank: default")
            values["learning_rate"] = rate
        return values

    def action_train(self) -> None:
        name = self.query_one("#train-name", Input).value.strip()
        base = self.query_one("#train-base", Select).value
        problem = None
        if not name:
            problem = "name the preset first, e.g. knights-v1"
        elif base is Select.NULL:
            problem = "no base chosen: training needs a ComfyUI preset (F5 Models)"
        elif self.draft is None:
            problem = "load the dataset first (ctrl+l) and review it"
        else:
            problem = self.draft.refusal
        try:
            numbers = self._numbers()
        except ValueError as exc:
            problem = problem or str(exc)
        if problem is not None:
            self.notify(problem, title="not trained", severity="warning", timeout=8)
            return
        assert self.draft is not None
        self.submit(name, str(base), self.draft.items(), numbers)

    @work(group="train-submit")
    async def submit(self, name: str, base: str, items: list[dict[str, object]], numbers: dict[str, object]) -> None:
        from dgx_pixels_worker.protocol import new_id

        try:
            job = await self.pixels.client.train(
                name,
                base,
                images=items,
                steps=_int(numbers.get("steps")),
                rank=_int(numbers.get("rank")),
                learning_rate=_float(numbers.get("learning_rate")),
                seed=_int(numbers.get("seed")),
                request_id=new_id(),
            )
        except WorkerError as exc:
            self.say(Text(exc.message, style="red"))
            self.notify(exc.message, title="not trained", severity="error", timeout=10)
            return
        self.job = job
        if (made := job.training) is not None:  # the fields left blank got the worker's defaults: show those
            for field, key, value in (
                ("steps", "steps", made.steps),
                ("rank", "rank", made.rank),
                ("lr", "learning_rate", f"{made.learning_rate:g}"),
            ):
                if key not in numbers:
                    self.query_one(f"#train-{field}", Input).placeholder = str(value)
        self.say(
            f"training {name} as job {job.id}: F3 Queue shows its stage, elapsed time and estimate "
            "(ComfyUI gives no step progress while it trains)"
        )
        self.notify(f"job {job.id} queued: watch it on the Queue screen (F3)", title=f"training {name}")

    # ------------------------------------------------------------ evaluation

    def action_evaluate(self) -> None:
        table = self.query_one("#train-trained", DataTable)
        if not self.trained:
            self.notify("no preset trained yet: train one first (ctrl+t)", severity="warning")
            return
        row = min(table.cursor_row, len(self.trained) - 1)
        self.evaluate(self.trained[row].name)

    @work(group="train-evaluate")
    async def evaluate(self, name: str) -> None:
        self.say(f"making blind comparisons of {name} against its base…")
        try:
            comparisons = await self.pixels.client.evaluate(name)
        except WorkerError as exc:
            self.say(Text(exc.message, style="red"))
            return
        self.say(f"{len(comparisons)} comparison(s) of {name}: judge them on the Compare screen (F7)")
        self.pixels.judge(comparisons)


def _int(value: object) -> int | None:
    return value if isinstance(value, int) else None


def _float(value: object) -> float | None:
    return value if isinstance(value, float) else None
