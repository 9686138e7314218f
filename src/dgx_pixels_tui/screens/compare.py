"""Compare: the model arena. One prompt through 2-4 models side by side, judged blind, then revealed with the vote's
effect on the leaderboard. The next round is queued while this one is judged, so voting never waits on the GPU."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.reactive import reactive
from textual.widgets import Input, SelectionList, Static

from dgx_pixels_worker.protocol import WorkerError

from .. import arena_view
from ..link import (
    ComparisonChanged,
    LinkState,
    LinkUpdate,
    PreviewArrived,
    QueueChanged,
    StateChanged,
)
from ..previews.widget import SpritePreview
from .base import PixelsScreen

if TYPE_CHECKING:
    from dgx_pixels_worker.protocol import messages as m

VOTE_KEYS = Binding.Group("Vote", compact=True)
# Actions on plain letters and digits: they must type into a field that has focus, never act.
KEY_ACTIONS = {"vote", "tie", "both_bad", "skip", "next_round", "new_prompt", "toggle_names"}


@dataclass(frozen=True)
class RoundPlan:
    """What every round of the current series shares; each round gets a new seed."""

    prompt: str
    models: tuple[str, ...]
    tags: tuple[str, ...]


class Arena(Grid, can_focus=True):
    """The panels; focusable so that the vote keys have somewhere to go when the form is left."""


class ComparePanel(Vertical):
    def __init__(self, index: int) -> None:
        super().__init__(id=f"panel-{index}", classes="compare-panel")
        self.index = index
        self.image_id: str | None = None  # the final image shown; until then, live previews

    def compose(self) -> ComposeResult:
        yield SpritePreview(id=f"panel-preview-{self.index}", checkerboard=True)
        yield Static(
            f"Panel {self.index + 1}", id=f"panel-caption-{self.index}", classes="compare-caption", markup=False
        )

    @property
    def preview(self) -> SpritePreview:
        return self.query_one(SpritePreview)

    @property
    def caption(self) -> Static:
        return self.query_one(Static)


class CompareScreen(PixelsScreen):
    AUTO_FOCUS = "#compare-prompt"
    BINDINGS = [
        Binding("ctrl+g", "submit", "Compare now", show=False),  # enter does the same; the footer is full
        Binding("1", "vote(0)", "Panel 1 wins", group=VOTE_KEYS),
        Binding("2", "vote(1)", "Panel 2 wins", group=VOTE_KEYS),
        Binding("3", "vote(2)", "Panel 3 wins", group=VOTE_KEYS),
        Binding("4", "vote(3)", "Panel 4 wins", group=VOTE_KEYS),
        Binding("t", "tie", "Tie"),
        Binding("b", "both_bad", "Both bad"),
        Binding("s", "skip", "Skip"),
        Binding("n", "next_round", "Next"),
        Binding("p", "new_prompt", "Prompt"),
        Binding("h", "toggle_names", "Names"),
        Binding("escape", "focus_arena", "Panels", show=False),
    ]

    show_names: reactive[bool] = reactive(False, init=False)

    def __init__(self) -> None:
        super().__init__()
        self.models: list[m.ModelInfo] = []
        self.chosen: list[str] = []  # the models ticked last, kept across reloads of the list
        self.plan: RoundPlan | None = None
        self.current: m.ComparisonInfo | None = None
        self.ahead: m.ComparisonInfo | None = None  # the next round, queued while this one is judged
        self.vote: m.VoteReply | None = None  # the vote on `current`, once cast
        self.voting: str | None = None  # the comparison whose vote is on its way
        self.queueing = False  # a request for the round ahead is on its way
        self.advance_when_queued = False  # `n` was pressed while it was

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="compare-form"):
            prompt = Input(placeholder="red knight with a sword", id="compare-prompt")
            prompt.border_title = "Prompt (enter compares)"
            yield prompt
            models: SelectionList[str] = SelectionList(id="compare-models")
            models.border_title = "Models (space ticks 2–4)"
            yield models
            seed = Input(placeholder="random", id="compare-seed", type="integer")
            seed.border_title = "Seed"
            yield seed
            tags = Input(placeholder="t1,t2", id="compare-tags")
            tags.border_title = "Tags"
            yield tags
        yield Static(arena_view.status_line(None, None, 0, False), id="compare-status", markup=False)
        with Arena(id="compare-panels"):
            for index in range(arena_view.MAX_PANELS):
                yield ComparePanel(index)

    def on_mount(self) -> None:
        self.lay_out(2)
        self.load_models()

    def refresh_from_link(self) -> None:
        self.load_models()
        self.refresh_comparisons()

    # ------------------------------------------------------------ keys

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Off while a field has focus: the key types into the field instead (hidden from the footer meanwhile).
        return not (action in KEY_ACTIONS and isinstance(self.focused, Input))

    def action_focus_arena(self) -> None:
        self.query_one(Arena).focus()

    def action_new_prompt(self) -> None:
        self.query_one("#compare-prompt", Input).focus()

    def action_toggle_names(self) -> None:
        self.show_names = not self.show_names

    def watch_show_names(self, shown: bool) -> None:
        self.redraw()

    def action_vote(self, panel: int) -> None:
        self.cast("win", panel)

    def action_tie(self) -> None:
        self.cast("tie")

    def action_both_bad(self) -> None:
        self.cast("both_bad")

    def action_skip(self) -> None:
        self.cast("skip")

    # ------------------------------------------------------------ the form

    @work(exclusive=True, group="compare-models")
    async def load_models(self) -> None:
        try:
            self.models = await self.pixels.client.models()
        except WorkerError:
            return  # the connection line says why; the list fills on reconnection
        chooser = self.query_one("#compare-models", SelectionList)
        if chooser.option_count:
            self.chosen = self._ticked()
        names = [model.name for model in self.models if model.available]
        chosen = [name for name in self.chosen if name in names] or names[:2]
        chooser.clear_options()
        chooser.add_options([(name, name, name in chosen) for name in names])
        if names:
            chooser.highlighted = 0  # the first arrow key or space acts on the first model, not on nothing

    def _ticked(self) -> list[str]:
        chooser = self.query_one("#compare-models", SelectionList)
        ticked = set(chooser.selected)
        return [
            str(chooser.get_option_at_index(i).value)
            for i in range(chooser.option_count)
            if chooser.get_option_at_index(i).value in ticked
        ]

    @on(SelectionList.SelectedChanged, "#compare-models")
    def models_ticked(self) -> None:
        self.chosen = self._ticked()

    @on(Input.Submitted)
    def input_submitted(self) -> None:
        self.action_submit()

    def action_submit(self) -> None:
        try:
            plan, seed = self._form()
        except ValueError as exc:
            self.notify(str(exc), severity="warning")
            return
        self.query_one(Arena).focus()  # from here the keys vote
        self.start_round(plan, seed)

    def _form(self) -> tuple[RoundPlan, int | None]:
        prompt = self.query_one("#compare-prompt", Input).value.strip()
        if not prompt:
            raise ValueError("type a prompt first, e.g. 'red knight with a sword'")
        models = self._ticked()
        if not 2 <= len(models) <= arena_view.MAX_PANELS:
            raise ValueError(f"tick 2 to 4 models with space ({len(models)} ticked)")
        seed_text = self.query_one("#compare-seed", Input).value.strip()
        seed = int(seed_text) if seed_text.isdigit() else None
        if seed_text and seed is None:
            raise ValueError(f"the seed is a whole number from 0, not {seed_text!r}; leave it blank for a random one")
        tags = arena_view.parse_tags(self.query_one("#compare-tags", Input).value)
        return RoundPlan(prompt, tuple(models), tuple(tags)), seed

    # ------------------------------------------------------------ rounds

    async def _compare(self, plan: RoundPlan, seed: int | None) -> m.ComparisonInfo:
        params: dict[str, object] = {"tags": list(plan.tags)}
        if seed is not None:
            params["seed"] = seed
        return await self.pixels.client.compare(plan.prompt, list(plan.models), **params)

    @work(group="compare-round")
    async def start_round(self, plan: RoundPlan, seed: int | None) -> None:
        if plan != self.plan and self.ahead is not None:
            # The round ahead was for other models or another prompt: free the GPU before queueing this one.
            await self._drop(self.ahead)
            self.ahead = None
        self.plan = plan
        try:
            comparison = await self._compare(plan, seed)
        except WorkerError as exc:
            self.notify(exc.message, title="not queued", severity="error", timeout=8)
            return
        self.show_round(comparison)
        self.queue_ahead()

    @work(group="compare-ahead")
    async def queue_ahead(self) -> None:
        if self.plan is None or self.ahead is not None or self.queueing:
            return
        plan = self.plan
        self.queueing = True
        self.redraw_status()
        try:
            comparison = await self._compare(plan, None)
        except WorkerError as exc:
            self.notify(f"the next round was not queued: {exc.message}", severity="error")
            self.advance_when_queued = False
            return
        finally:
            self.queueing = False
        if plan != self.plan:  # a new prompt was submitted meanwhile
            await self._drop(comparison)
            self.redraw_status()
            return
        self.ahead = comparison
        if self.advance_when_queued:
            self.advance_when_queued = False
            self.action_next_round()
        else:
            self.redraw_status()

    async def _drop(self, comparison: m.ComparisonInfo) -> None:
        """Cancel the jobs of a queued round nobody will judge (finished ones cannot be, and need not be)."""
        for panel in comparison.panels:
            if panel.job_id is not None and panel.image_id is None:
                try:
                    await self.pixels.client.cancel(panel.job_id)
                except WorkerError:
                    pass

    def action_next_round(self) -> None:
        if self.ahead is not None:
            comparison, self.ahead = self.ahead, None
            self.show_round(comparison)
            self.refresh_comparisons()  # it changed while queued ahead; the events said so, but be sure
            self.queue_ahead()
        elif self.queueing:
            self.advance_when_queued = True
            self.notify("the next round is being queued; it shows as soon as the worker answers")
        elif self.plan is not None:
            self.start_round(self.plan, None)
        else:
            self.notify("type a prompt and press enter first", severity="warning")
            self.action_new_prompt()

    def show_round(self, comparison: m.ComparisonInfo) -> None:
        self.current = comparison
        self.vote = None
        self.lay_out(len(comparison.panels))
        for panel in self.query(ComparePanel):
            panel.image_id = None
            panel.preview.image = None
            panel.remove_class("-winner")
        self.redraw()
        self.load_images()

    def lay_out(self, n: int) -> None:
        rows, columns = arena_view.grid_shape(n)
        arena = self.query_one(Arena)
        arena.styles.grid_size_rows = rows
        arena.styles.grid_size_columns = columns
        for panel in self.query(ComparePanel):
            panel.display = panel.index < n

    @work(group="compare-refresh")
    async def refresh_comparisons(self) -> None:
        for comparison in (self.current, self.ahead):
            if comparison is None:
                continue
            try:
                fresh = await self.pixels.client.comparison(comparison.id)
            except WorkerError as exc:
                self.notify(exc.message, severity="error")
                continue
            self.comparison_changed(fresh)

    # ------------------------------------------------------------ images and progress

    def link_update(self, update: LinkUpdate) -> None:
        if isinstance(update, ComparisonChanged):
            self.comparison_changed(update.comparison)
        elif isinstance(update, PreviewArrived):
            panel = self._panel_of_job(update.preview.job_id)
            if panel is not None and panel.image_id is None:
                panel.preview.show(update.preview.data)
        elif isinstance(update, QueueChanged):
            if update.job_id is None or self._panel_of_job(update.job_id) is not None:
                self.redraw()
        elif isinstance(update, StateChanged) and update.state is LinkState.CONNECTED:
            self.load_models()
            self.refresh_comparisons()
            self.queue_ahead()  # in case queueing it failed while the worker was away

    def comparison_changed(self, comparison: m.ComparisonInfo) -> None:
        if self.ahead is not None and comparison.id == self.ahead.id:
            self.ahead = comparison
        if self.current is None or comparison.id != self.current.id:
            return
        self.current = comparison
        self.redraw()
        self.load_images()

    def _panel_of_job(self, job_id: str) -> ComparePanel | None:
        if self.current is None:
            return None
        for panel in self.current.panels:
            if panel.job_id == job_id and panel.panel < arena_view.MAX_PANELS:
                return self.query_one(f"#panel-{panel.panel}", ComparePanel)
        return None

    # Exclusive: a newer load (another panel done, the next round, a reconnection) replaces one still waiting,
    # which may be waiting on a worker that has gone away; an image counts as shown only once it is.
    @work(exclusive=True, group="compare-images")
    async def load_images(self) -> None:
        comparison = self.current
        if comparison is None:
            return
        for info in comparison.panels[: arena_view.MAX_PANELS]:
            widget = self.query_one(f"#panel-{info.panel}", ComparePanel)
            if info.image_id is None or widget.image_id == info.image_id:
                continue
            png = await self.preview_png(info.image_id)
            if self.current is None or self.current.id != comparison.id:
                return  # the round changed while the image came
            if png is not None and widget.preview.show(png):
                widget.image_id = info.image_id

    # ------------------------------------------------------------ votes

    def cast(self, outcome: str, winner: int | None = None) -> None:
        comparison = self.current
        if comparison is None:
            self.notify("nothing to judge yet: type a prompt and press enter", severity="warning")
            return
        if self.vote is not None or self.voting == comparison.id:
            self.notify("this round has its vote; press n for the next", severity="warning")
            return
        if winner is not None and winner >= len(comparison.panels):
            self.notify(
                f"this round has {len(comparison.panels)} panels; press 1–{len(comparison.panels)}", severity="warning"
            )
            return
        if outcome != "skip" and not arena_view.ready_to_vote(comparison):
            failed = arena_view.failed_panels(comparison)
            message = (
                "a panel failed: s skips this round, n moves on"
                if failed
                else "wait for every panel to have its image, then vote (s skips)"
            )
            self.notify(message, severity="warning")
            return
        self.voting = comparison.id
        self.send_vote(comparison.id, outcome, winner)

    @work(group="compare-vote")
    async def send_vote(self, comparison_id: str, outcome: str, winner: int | None) -> None:
        try:
            reply = await self.pixels.client.vote(comparison_id, outcome, winner)
        except WorkerError as exc:
            self.notify(exc.message, severity="error")
            return
        finally:
            if self.voting == comparison_id:
                self.voting = None
        if self.current is None or self.current.id != comparison_id:
            self.notify(f"vote on {comparison_id} stored: {arena_view.vote_text(reply.vote)}")  # `n` came first
            return
        self.vote = reply
        self.current = reply.comparison
        for panel in self.query(ComparePanel):
            panel.set_class(reply.vote.outcome == "win" and reply.vote.winner == panel.index, "-winner")
        self.redraw()

    # ------------------------------------------------------------ drawing

    def redraw(self) -> None:
        self.redraw_status()
        comparison = self.current
        if comparison is None:
            return
        changes = {change.model: change for change in self.vote.changes} if self.vote else {}
        winner = self.vote.vote.winner if self.vote and self.vote.vote.outcome == "win" else None
        jobs = self.pixels.link.mirror.jobs
        for info in comparison.panels[: arena_view.MAX_PANELS]:
            job = jobs.get(info.job_id) if info.job_id else None
            caption = arena_view.panel_caption(
                info,
                job,
                revealed=self.show_names or self.vote is not None,
                change=changes.get(info.model),
                winner=info.panel == winner,
            )
            self.query_one(f"#panel-caption-{info.panel}", Static).update(caption)

    def redraw_status(self) -> None:
        vote = self.vote.vote if self.vote else None
        line = arena_view.status_line(self.current, vote, int(self.ahead is not None), self.queueing)
        if self.show_names and vote is None and self.current is not None:
            line += " · names shown (h hides)"
        self.query_one("#compare-status", Static).update(line)
