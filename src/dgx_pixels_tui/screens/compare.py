"""Compare: the model arena. One prompt through 2-4 models side by side, judged blind, then revealed with the vote's
effect on the leaderboard. The next round is queued while this one is judged, so voting never waits on the GPU.

The rounds (which is shown, which waits ahead, the vote, what the captions say) are kept and decided by CompareRounds
(compare_round.py, plain Python); this screen asks the worker and draws."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Input, SelectionList, Static

from dgx_pixels_worker.protocol import WorkerError

from ..arena_view import MAX_PANELS, vote_text
from ..compare_round import Ahead, CompareRounds, Next, RoundPlan, plan_from_form, unfinished_jobs
from ..link import LinkState
from ..messages import ComparisonChanged, ConnectionChanged, PreviewArrived, QueueChanged
from ..widgets.compare_panels import ComparePanel, ComparePanels
from .base import PixelsScreen

if TYPE_CHECKING:
    from dgx_pixels_worker.protocol import messages as m

VOTE_KEYS = Binding.Group("Vote", compact=True)
# Actions on plain letters and digits: they must type into a field that has focus, never act.
KEY_ACTIONS = {"vote", "tie", "both_bad", "skip", "next_round", "new_prompt", "toggle_names", "judge_open"}


class CompareScreen(PixelsScreen):
    AUTO_FOCUS = "#compare-prompt"
    # Under 100 columns the prompt takes a line of its own, above the models, seed and tags (app.tcss).
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]  # noqa: RUF012 (Textual types it so)
    BINDINGS: ClassVar[list[BindingType]] = [
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
        Binding("o", "judge_open", "Open rounds", show=False),  # Help lists it; the status line points to it
        Binding("escape", "focus_arena", "Panels", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.models: list[m.ModelInfo] = []
        self.chosen: list[str] = []  # the models ticked last, kept across reloads of the list
        self.rounds = CompareRounds()

    # The round shown, the one queued ahead, the vote and whether names are shown, as the rounds have them.
    @property
    def current(self) -> m.ComparisonInfo | None:
        return self.rounds.current

    @property
    def ahead(self) -> m.ComparisonInfo | None:
        return self.rounds.ahead

    @property
    def vote(self) -> m.VoteReply | None:
        return self.rounds.vote

    @property
    def show_names(self) -> bool:
        return self.rounds.names_shown

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
        yield Static(self.rounds.status_line(), id="compare-status", markup=False)
        with ComparePanels(id="compare-panels"):
            for index in range(MAX_PANELS):
                yield ComparePanel(index)

    @property
    def panels(self) -> ComparePanels:
        return self.query_one(ComparePanels)

    def on_mount(self) -> None:
        self.panels.lay_out(2)
        self.load_models()

    def refresh_from_link(self) -> None:
        self.load_models()
        if self.pixels.pending_comparisons:
            self.judge_pending()
        else:
            self.refresh_comparisons()

    def judge_pending(self) -> None:
        """Judge the comparisons another screen made (an evaluation's) one after another, blind, as rounds are."""
        comparisons, self.pixels.pending_comparisons = self.pixels.pending_comparisons, []
        if not comparisons:
            return
        stale = self.rounds.judge(comparisons)
        if stale is not None:
            self.drop_round(stale)
        self.panels.focus()
        self.round_shown()
        self.refresh_comparisons()  # they may have finished rendering since they were made
        self.notify(f"{len(comparisons)} comparison(s) to judge: vote on each, n for the next")

    # ------------------------------------------------------------ keys

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Off while a field has focus: the key types into the field instead (hidden from the footer meanwhile).
        return not (action in KEY_ACTIONS and isinstance(self.focused, Input))

    @work(exclusive=True, group="compare-open")
    async def action_judge_open(self) -> None:
        """Judge the comparisons waiting for this person's vote: an evaluation made with `dgx-pixels train
        evaluate`, rounds left unjudged."""
        try:
            waiting = await self.pixels.client.open_comparisons()
        except WorkerError as exc:
            self.notify(f"cannot list the rounds waiting for you: {exc.message}", severity="error")
            return
        shown = self.rounds.current.id if self.rounds.current is not None else None
        waiting = [c for c in waiting if c.id != shown]
        if not waiting:
            self.notify("no comparison waits for your vote")
            return
        self.pixels.pending_comparisons = waiting
        self.judge_pending()

    def action_focus_arena(self) -> None:
        self.panels.focus()

    def action_new_prompt(self) -> None:
        self.query_one("#compare-prompt", Input).focus()

    def action_toggle_names(self) -> None:
        self.rounds.toggle_names()
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
            plan, seed = plan_from_form(
                self.query_one("#compare-prompt", Input).value,
                self._ticked(),
                self.query_one("#compare-seed", Input).value,
                self.query_one("#compare-tags", Input).value,
            )
        except ValueError as exc:
            self.notify(str(exc), severity="warning")
            return
        self.panels.focus()  # from here the keys vote
        self.start_round(plan, seed)

    # ------------------------------------------------------------ rounds

    async def _compare(self, plan: RoundPlan, seed: int | None) -> m.ComparisonInfo:
        params: dict[str, object] = {"tags": list(plan.tags)}
        if self.pixels.palette is not None:
            params["palette"] = self.pixels.palette
        if seed is not None:
            params["seed"] = seed
        return await self.pixels.client.compare(plan.prompt, list(plan.models), **params)

    @work(group="compare-round")
    async def start_round(self, plan: RoundPlan, seed: int | None) -> None:
        stale = self.rounds.replan(plan)
        if stale is not None:
            # The round ahead was for other models or another prompt: free the GPU before queueing this one.
            await self._drop(stale)
        try:
            comparison = await self._compare(plan, seed)
        except WorkerError as exc:
            self.notify(exc.message, title="not queued", severity="error", timeout=8)
            return
        self.show_round(comparison)
        self.queue_ahead()

    @work(group="compare-ahead")
    async def queue_ahead(self) -> None:
        plan = self.rounds.queue_ahead()
        if plan is None:
            return
        self.redraw_status()
        try:
            comparison = await self._compare(plan, None)
        except WorkerError as exc:
            self.rounds.ahead_failed()
            self.notify(f"the next round was not queued: {exc.message}", severity="error")
            return
        arrived = self.rounds.ahead_arrived(plan, comparison)
        if arrived is Ahead.STALE:  # a new prompt was submitted meanwhile
            await self._drop(comparison)
            self.redraw_status()
        elif arrived is Ahead.ADVANCE:
            self.action_next_round()
        else:
            self.redraw_status()

    @work(group="compare-drop")
    async def drop_round(self, comparison: m.ComparisonInfo) -> None:
        await self._drop(comparison)

    async def _drop(self, comparison: m.ComparisonInfo) -> None:
        """Cancel the jobs of a queued round nobody will judge."""
        for job_id in unfinished_jobs(comparison):
            with contextlib.suppress(WorkerError):
                await self.pixels.client.cancel(job_id)

    def action_next_round(self) -> None:
        step = self.rounds.next_round()
        if step is Next.SHOWN:
            self.round_shown()
            self.refresh_comparisons()  # it changed while queued ahead; the events said so, but be sure
            self.queue_ahead()
        elif step is Next.WAITING:
            self.notify("the next round is being queued; it shows as soon as the worker answers")
        elif step is Next.JUDGED:
            self.notify("that was the last comparison to judge; type a prompt for rounds of your own")
        elif step is Next.START and self.rounds.plan is not None:
            self.start_round(self.rounds.plan, None)
        else:
            self.notify("type a prompt and press enter first", severity="warning")
            self.action_new_prompt()

    def show_round(self, comparison: m.ComparisonInfo) -> None:
        self.rounds.show(comparison)
        self.round_shown()

    def round_shown(self) -> None:
        """Draw the round the rounds show now, from blank panels."""
        assert self.rounds.current is not None
        self.panels.lay_out(len(self.rounds.current.panels))
        for panel in self.query(ComparePanel):
            panel.clear()
        self.redraw()
        self.load_images()

    @work(group="compare-refresh")
    async def refresh_comparisons(self) -> None:
        for comparison in (self.rounds.current, self.rounds.ahead):
            if comparison is None:
                continue
            try:
                fresh = await self.pixels.client.comparison(comparison.id)
            except WorkerError as exc:
                self.notify(exc.message, severity="error")
                continue
            self.comparison_changed(fresh)

    # ------------------------------------------------------------ images and progress

    def on_comparison_changed(self, message: ComparisonChanged) -> None:
        self.comparison_changed(message.comparison)

    def on_preview_arrived(self, message: PreviewArrived) -> None:
        panel = self._panel_of_job(message.preview.job_id)
        if panel is not None and panel.image_id is None:
            panel.preview.show(message.preview.data)

    def on_queue_changed(self, message: QueueChanged) -> None:
        if message.job_id is None or self._panel_of_job(message.job_id) is not None:
            self.redraw()

    def on_connection_changed(self, message: ConnectionChanged) -> None:
        if message.state is LinkState.CONNECTED:
            self.load_models()
            self.refresh_comparisons()
            self.queue_ahead()  # in case queueing it failed while the worker was away

    def comparison_changed(self, comparison: m.ComparisonInfo) -> None:
        if self.rounds.comparison_changed(comparison):
            self.redraw()
            self.load_images()

    def _panel_of_job(self, job_id: str) -> ComparePanel | None:
        index = self.rounds.panel_of_job(job_id)
        return None if index is None else self.panels.panel(index)

    # Exclusive: a newer load (another panel done, the next round, a reconnection) replaces one still waiting,
    # which may be waiting on a worker that has gone away; an image counts as shown only once it is.
    @work(exclusive=True, group="compare-images")
    async def load_images(self) -> None:
        comparison = self.rounds.current
        if comparison is None:
            return
        for index, image_id in self.rounds.panel_images():
            widget = self.panels.panel(index)
            if widget.image_id == image_id:
                continue
            png = await self.preview_png(image_id)
            if not self.rounds.is_current(comparison.id):
                return  # the round changed while the image came
            if png is not None and widget.preview.show(png):
                widget.image_id = image_id

    # ------------------------------------------------------------ votes

    def cast(self, outcome: str, winner: int | None = None) -> None:
        refusal = self.rounds.refusal(outcome, winner)
        if refusal is not None:
            self.notify(refusal, severity="warning")
            return
        self.send_vote(self.rounds.start_vote(), outcome, winner)

    @work(group="compare-vote")
    async def send_vote(self, comparison_id: str, outcome: str, winner: int | None) -> None:
        try:
            reply = await self.pixels.client.vote(comparison_id, outcome, winner)
        except WorkerError as exc:
            self.rounds.vote_failed(comparison_id)
            self.notify(exc.message, severity="error")
            return
        if not self.rounds.vote_arrived(comparison_id, reply):
            self.notify(f"vote on {comparison_id} stored: {vote_text(reply.vote)}")  # `n` came first
            return
        self.panels.mark_winner(self.rounds.winner)
        self.redraw()

    # ------------------------------------------------------------ drawing

    def redraw(self) -> None:
        self.redraw_status()
        for index, caption in self.rounds.captions(self.pixels.link.mirror.jobs):
            self.panels.panel(index).caption.update(caption)

    def redraw_status(self) -> None:
        self.query_one("#compare-status", Static).update(self.rounds.status_line())
