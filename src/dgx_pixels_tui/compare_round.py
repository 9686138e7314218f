"""The model arena's rounds as the Compare screen plays them. Plain Python, no Textual: the screen asks the worker
and draws; this keeps the rounds and decides.

A series of rounds shares one plan (prompt, models, tags); each round is one comparison with its own seed. While the
current round is judged, the next is queued ahead (one at most), so `n` shows it at once. Judging is blind: the
captions name the models once the round has its vote, or while the names are shown on request (`h`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from .arena_view import MAX_PANELS, failed_panels, panel_caption, parse_tags, ready_to_vote, status_line

if TYPE_CHECKING:
    from dgx_pixels_worker.protocol import messages as m


@dataclass(frozen=True)
class RoundPlan:
    """What every round of the current series shares; each round gets a new seed."""

    prompt: str
    models: tuple[str, ...]
    tags: tuple[str, ...]


def plan_from_form(prompt: str, models: list[str], seed_text: str, tags_text: str) -> tuple[RoundPlan, int | None]:
    """The plan and the first round's seed (None: random) from the form; ValueError says what to fix."""
    prompt = prompt.strip()
    if not prompt:
        raise ValueError("type a prompt first, e.g. 'red knight with a sword'")
    if not 2 <= len(models) <= MAX_PANELS:
        raise ValueError(f"tick 2 to 4 models with space ({len(models)} ticked)")
    seed_text = seed_text.strip()
    seed = int(seed_text) if seed_text.isdigit() else None
    if seed_text and seed is None:
        raise ValueError(f"the seed is a whole number from 0, not {seed_text!r}; leave it blank for a random one")
    return RoundPlan(prompt, tuple(models), tuple(parse_tags(tags_text))), seed


def unfinished_jobs(comparison: m.ComparisonInfo) -> list[str]:
    """The jobs to cancel when nobody will judge a round: its panels still without an image (finished ones
    cannot be cancelled, and need not be)."""
    return [panel.job_id for panel in comparison.panels if panel.job_id is not None and panel.image_id is None]


class Next(Enum):
    """What `n` (next round) does."""

    SHOWN = "shown"  # the round queued ahead is the current one now
    WAITING = "waiting"  # the round ahead is on its way; it is shown as soon as it arrives
    START = "start"  # nothing is queued ahead: a new round of the plan is to be started
    NO_PLAN = "no plan"  # nothing was compared yet
    JUDGED = "judged"  # the comparisons given to judge have all been shown


class Ahead(Enum):
    """What became of the round queued ahead once the worker answered."""

    KEPT = "kept"  # it waits for `n`
    ADVANCE = "advance"  # `n` was pressed while it was on its way: show it now (`next_round`)
    STALE = "stale"  # another plan was submitted meanwhile: its jobs are to be cancelled


class CompareRounds:
    def __init__(self) -> None:
        self.plan: RoundPlan | None = None
        self.current: m.ComparisonInfo | None = None  # the round shown
        self.ahead: m.ComparisonInfo | None = None  # the next round, queued while this one is judged
        self.vote: m.VoteReply | None = None  # the vote on `current`, once cast
        self.voting: str | None = None  # the comparison whose vote is on its way
        self.queueing = False  # a request for the round ahead is on its way
        self.advance_when_queued = False  # `n` was pressed while it was
        self.names_shown = False  # the models named before the vote (`h`)
        self.given: list[m.ComparisonInfo] = []  # comparisons given to judge (an evaluation's), after `ahead`
        self.judging = 0  # how many comparisons were given to judge; 0: rounds of a plan

    # ------------------------------------------------------------ the series

    def replan(self, plan: RoundPlan) -> m.ComparisonInfo | None:
        """Take `plan` for the rounds to come. A round queued ahead for another plan is forgotten and handed back,
        for its jobs to be cancelled."""
        stale = None
        if self.judging:  # the comparisons given to judge stay, for `vote`; they are not this screen's to cancel
            self.judging, self.given, self.ahead = 0, [], None
        if plan != self.plan and self.ahead is not None:
            stale, self.ahead = self.ahead, None
        self.plan = plan
        return stale

    def judge(self, comparisons: list[m.ComparisonInfo]) -> m.ComparisonInfo | None:
        """Judge `comparisons` one after another instead of rounds of a plan; the first is shown. A round queued
        ahead for a plan is forgotten and handed back, for its jobs to be cancelled."""
        stale = self.ahead if self.plan is not None else None
        self.plan, self.queueing, self.advance_when_queued = None, False, False
        first, *rest = comparisons
        self.ahead = rest[0] if rest else None
        self.given = rest[1:]
        self.judging = len(comparisons)
        self.show(first)
        return stale

    def show(self, comparison: m.ComparisonInfo) -> None:
        """Make `comparison` the round shown, not voted on yet."""
        self.current = comparison
        self.vote = None

    def queue_ahead(self) -> RoundPlan | None:
        """The plan to queue the next round with, marked as on its way; None when no round is wanted ahead (no plan
        yet, one queued ahead already, or one on its way)."""
        if self.plan is None or self.ahead is not None or self.queueing:
            return None
        self.queueing = True
        return self.plan

    def ahead_failed(self) -> None:
        """The worker refused the round ahead; a `n` waiting for it waits no more."""
        self.queueing = False
        self.advance_when_queued = False

    def ahead_arrived(self, plan: RoundPlan, comparison: m.ComparisonInfo) -> Ahead:
        """The round queued ahead with `plan` is there."""
        self.queueing = False
        if plan != self.plan:
            return Ahead.STALE
        self.ahead = comparison
        if self.advance_when_queued:
            self.advance_when_queued = False
            return Ahead.ADVANCE
        return Ahead.KEPT

    def next_round(self) -> Next:
        if self.ahead is not None:
            comparison, self.ahead = self.ahead, None
            self.show(comparison)
            if self.given:
                self.ahead = self.given.pop(0)
            return Next.SHOWN
        if self.judging and self.plan is None:
            return Next.JUDGED
        if self.queueing:
            self.advance_when_queued = True
            return Next.WAITING
        return Next.START if self.plan is not None else Next.NO_PLAN

    def comparison_changed(self, comparison: m.ComparisonInfo) -> bool:
        """Fold in a newer state of a round shown or queued ahead; True when it is the round shown."""
        if self.ahead is not None and comparison.id == self.ahead.id:
            self.ahead = comparison
        self.given = [comparison if given.id == comparison.id else given for given in self.given]
        if not self.is_current(comparison.id):
            return False
        self.current = comparison
        return True

    def is_current(self, comparison_id: str) -> bool:
        return self.current is not None and self.current.id == comparison_id

    def panel_of_job(self, job_id: str) -> int | None:
        """The panel of the round shown that `job_id` renders."""
        if self.current is None:
            return None
        for panel in self.current.panels:
            if panel.job_id == job_id and panel.panel < MAX_PANELS:
                return panel.panel
        return None

    def panel_images(self) -> list[tuple[int, str]]:
        """(panel, image id) of every panel of the round shown that has its image."""
        if self.current is None:
            return []
        return [(p.panel, p.image_id) for p in self.current.panels[:MAX_PANELS] if p.image_id is not None]

    # ------------------------------------------------------------ votes

    def refusal(self, outcome: str, winner: int | None = None) -> str | None:
        """Why this vote cannot be cast now, to tell the user; None when it can."""
        comparison = self.current
        if comparison is None:
            return "nothing to judge yet: type a prompt and press enter, or o for the rounds waiting for your vote"
        if self.vote is not None or self.voting == comparison.id:
            return "this round has its vote; press n for the next"
        panels = len(comparison.panels)
        if winner is not None and winner >= panels:
            return f"this round has {panels} panels; press 1–{panels}"
        if outcome != "skip" and not ready_to_vote(comparison):
            if failed_panels(comparison):
                return "a panel failed: s skips this round, n moves on"
            return "wait for every panel to have its image, then vote (s skips)"
        return None

    def start_vote(self) -> str:
        """Mark the vote on the round shown as on its way (after `refusal` said None); the comparison's id."""
        assert self.current is not None
        self.voting = self.current.id
        return self.voting

    def vote_failed(self, comparison_id: str) -> None:
        if self.voting == comparison_id:
            self.voting = None

    def vote_arrived(self, comparison_id: str, reply: m.VoteReply) -> bool:
        """The worker took the vote. True when it is on the round still shown, which is then revealed with the
        vote's effect; False when `n` came first (the vote is stored all the same)."""
        self.vote_failed(comparison_id)
        if not self.is_current(comparison_id):
            return False
        self.vote = reply
        self.current = reply.comparison
        return True

    # ------------------------------------------------------------ what the screen shows

    def toggle_names(self) -> None:
        self.names_shown = not self.names_shown

    @property
    def revealed(self) -> bool:
        return self.names_shown or self.vote is not None

    @property
    def winner(self) -> int | None:
        """The winning panel, once the vote named one."""
        return self.vote.vote.winner if self.vote is not None and self.vote.vote.outcome == "win" else None

    def captions(self, jobs: Mapping[str, m.JobInfo]) -> list[tuple[int, str]]:
        """(panel, caption) for every panel of the round shown; `jobs` is the queue, for live progress."""
        if self.current is None:
            return []
        changes = {change.model: change for change in self.vote.changes} if self.vote else {}
        captions = []
        for info in self.current.panels[:MAX_PANELS]:
            job = jobs.get(info.job_id) if info.job_id else None
            caption = panel_caption(
                info, job, revealed=self.revealed, change=changes.get(info.model), winner=info.panel == self.winner
            )
            captions.append((info.panel, caption))
        return captions

    def status_line(self) -> str:
        """The line above the panels: the round, what to do next, and whether a round waits ahead."""
        vote = self.vote.vote if self.vote else None
        line = status_line(self.current, vote, int(self.ahead is not None), self.queueing)
        if self.judging and self.current is not None:  # comparisons given to judge: which of them, not what waits
            left = int(self.ahead is not None) + len(self.given)
            where = f"{self.judging - left} of {self.judging} to judge" + (" (n next)" if left else ", the last")
            line = line.rsplit(" · ", 1)[0] + f" · {where}"
            prompt = self.current.prompt if len(self.current.prompt) <= 40 else self.current.prompt[:39] + "…"
            line = f"“{prompt}” · {line}"  # the rounds were not typed here: say what each was asked for
        if self.names_shown and vote is None and self.current is not None:
            line += " · names shown (h hides)"
        return line
