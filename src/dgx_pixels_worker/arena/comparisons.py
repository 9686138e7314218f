"""Where a comparison is made, follows its jobs, and takes votes; and where the leaderboard is computed.

A comparison puts one prompt and one seed through 2-4 presets: one job per preset, shuffled into panels so
a viewer cannot tell which side is which. A panel whose exact image exists already (same prompt, seed,
parameters and render identity, see cache_keys.py) reuses it instead of queueing a job.
"""

from __future__ import annotations

import asyncio
import os
import random
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from ..gallery.images import ImageStore
from ..jobs.cache_keys import cache_key
from ..jobs.catalogue import ModelCatalogue
from ..jobs.lifecycle import JobLifecycle
from ..jobs.params import SpriteParams
from ..jobs.queue import JobQueue
from ..jobs.record import JobRecord
from ..jobs.tags import clean_tag
from ..protocol import ErrorCode, JobState, WorkerError
from ..protocol import messages as m
from ..serving.publisher import EventPublisher
from ..settings import paths
from .head_to_head import head_to_head
from .leaderboard import BASE_SCORE, Leaderboard, Vote, build_leaderboard, leaderboard_for_tag, tag_counts
from .records import ArenaRecords, ComparisonRecord, PanelRecord, VoteRecord

_shuffler = random.SystemRandom()


class Arena:
    def __init__(
        self,
        records: ArenaRecords,
        queue: JobQueue,
        lifecycle: JobLifecycle,
        catalogue: ModelCatalogue,
        images: ImageStore,
        publisher: EventPublisher,
        data_dir: Path,
    ):
        self.records = records
        self._queue = queue
        self._catalogue = catalogue
        self._images = images
        self.publisher = publisher
        self.data_dir = data_dir
        # (tag, rounds) -> ((last vote id, trained pairs), board)
        self._boards: dict[tuple[str | None, int], tuple[tuple[int, list[tuple[str, str]]], m.LeaderboardReply]] = {}
        self._votes: list[tuple[Vote, int]] = []  # decoded votes, oldest first (see _all_votes)
        self._votes_lock = threading.Lock()
        # Each trained preset's base (training/), for the head-to-head rows of the leaderboard; set once assembled.
        self.trained_bases: Callable[[], dict[str, str]] = dict
        lifecycle.on_finish(self._job_finished)

    # ------------------------------------------------------------ comparisons

    def compare(self, request: m.CompareRequest, client: str, user: str, request_id: str | None) -> m.ComparisonInfo:
        """A new comparison; or, for a request sent again with the same id (its reply was lost), the comparison the
        first one made, as it is now."""
        earlier = self.records.comparison_made_by(request_id) if request_id else None
        if earlier is not None:
            if earlier.user != user:
                raise WorkerError(
                    ErrorCode.INVALID,
                    f"request id {request_id!r} was used by another request already; send each new request with a "
                    "new id",
                    {"request_id": request_id},
                )
            return self._info(earlier)
        models = [name.strip() for name in request.models]
        if len(set(models)) != len(models):
            raise WorkerError(ErrorCode.INVALID, "each model may appear once in a comparison", {"field": "models"})
        seed = request.seed if request.seed is not None else secrets.randbelow(2**32)
        shared = request.model_dump(include=set(m.RenderFields.model_fields))
        resolved = [
            self._queue.complete(m.GenerateParams(**{**shared, "model": model, "seed": seed})) for model in models
        ]
        _shuffler.shuffle(resolved)
        comparison_id = os.urandom(6).hex()
        panels: list[PanelRecord] = []
        jobs: list[JobRecord] = []
        for panel, params in enumerate(resolved):
            cached = self._cached_image(params) if request.use_cache else None
            if cached is not None:
                panels.append(PanelRecord(panel, params.model, None, cached, True))
                continue
            job = self._queue.new_job(params, request.priority, client, user, request_id)
            jobs.append(job)
            panels.append(PanelRecord(panel, params.model, job.id, None, False))
        first = resolved[0]
        record = ComparisonRecord(
            comparison_id,
            first.prompt,
            first.negative,
            seed,
            list(first.tags),
            user,
            client,
            request_id,
            time.time(),
            panels,
        )
        try:  # the comparison and its jobs in one transaction: a comparison that cannot be recorded queues nothing
            self._queue.add(jobs, self.records.comparison_statements(record))
        except WorkerError as exc:
            raise WorkerError(
                exc.code, f"the comparison was not made and none of its jobs queued: {exc.message}", exc.details
            ) from None
        info = self._info(record)
        self.publisher.publish("comparison.created", m.ComparisonEvent(comparison=info), re=request_id)
        return info

    def open_for(self, user: str, tag: str | None, limit: int) -> list[m.ComparisonInfo]:
        """The comparisons waiting for `user`'s vote (an evaluation made from the command line, rounds left)."""
        return [
            self.info(comparison_id) for comparison_id in self.records.open_for(user, clean_tag(tag) or None, limit)
        ]

    def info(self, comparison_id: str) -> m.ComparisonInfo:
        return self._info(self._record(comparison_id))

    def _record(self, comparison_id: str) -> ComparisonRecord:
        record = self.records.comparison(comparison_id)
        if record is None:
            raise WorkerError(
                ErrorCode.UNKNOWN_COMPARISON,
                f"no comparison {comparison_id!r}; `dgx-pixels compare` prints the ids of the ones it makes",
                {"comparison_id": comparison_id},
            )
        return record

    def _cached_image(self, params: SpriteParams) -> str | None:
        identity = self._catalogue.render_identity(params.model)
        if identity is None:
            return None
        image = self._images.cached_image(cache_key(identity, params, params.seed))
        if image is None or not paths.inside(self.data_dir, image.path).exists():
            return None
        return image.id

    def _info(self, record: ComparisonRecord) -> m.ComparisonInfo:
        jobs = self.records.job_states([p.job_id for p in record.panels if p.job_id])
        panels = []
        for p in record.panels:
            if p.job_id is None:
                panels.append(
                    m.ComparisonPanel(
                        panel=p.panel, model=p.model, image_id=p.image_id, cached=True, state=JobState.COMPLETED
                    )
                )
                continue
            state, image = jobs.get(p.job_id, (JobState.FAILED.value, None))
            panels.append(
                m.ComparisonPanel(panel=p.panel, model=p.model, job_id=p.job_id, image_id=image, state=JobState(state))
            )
        return m.ComparisonInfo(
            id=record.id,
            state=_overall(panels),
            prompt=record.prompt,
            negative=record.negative,
            seed=record.seed,
            tags=record.tags,
            user=record.user,
            created_at=record.created_at,
            panels=panels,
            votes=self.records.vote_count(record.id),
        )

    def _job_finished(self, job: JobRecord) -> None:
        """After a panel's job ended (a finish listener: what it raises is logged and changes nothing of the job)."""
        comparison_id = self.records.comparison_of_job(job.id)
        record = self.records.comparison(comparison_id) if comparison_id else None
        if record is not None:
            info = self._info(record)
            self.publisher.publish("comparison.updated", m.ComparisonEvent(comparison=info), re=job.request_id)

    # ------------------------------------------------------------ votes

    async def vote(self, request: m.VoteRequest, client: str, user: str) -> m.VoteReply:
        """Check and store one vote, then work out its effect on the overall scores in a thread. The same vote sent
        again (its reply was lost) gets the same answer; a different one by the same user is refused."""
        vote, info = self._store_vote(request, client, user)
        changes = await asyncio.to_thread(lambda: score_changes(self._all_votes(), vote))
        return m.VoteReply(vote=vote, comparison=info, changes=changes)

    def _store_vote(self, request: m.VoteRequest, client: str, user: str) -> tuple[m.VoteInfo, m.ComparisonInfo]:
        record = self._record(request.comparison_id)
        info = self._info(record)
        voter = user or client
        if request.outcome == "win":
            if request.winner is None or request.winner >= len(record.panels):
                raise WorkerError(
                    ErrorCode.INVALID,
                    f"a win needs the winning panel, 0..{len(record.panels) - 1}",
                    {"field": "winner"},
                )
        elif request.winner is not None:
            raise WorkerError(
                ErrorCode.INVALID, f"a {request.outcome} names no winner; leave winner out", {"field": "winner"}
            )
        if request.outcome != "skip" and info.state is not JobState.COMPLETED:
            raise WorkerError(
                ErrorCode.INVALID,
                f"comparison {record.id} is {info.state.value}: vote once every panel has its image, or skip it",
                {"state": info.state.value},
            )
        earlier = self.records.vote_of(record.id, voter)
        if earlier is not None:
            if (earlier.outcome, earlier.winner) == (request.outcome, request.winner):
                return _vote_info(earlier), info  # stored before, its reply lost: the same vote sent again
            raise WorkerError(
                ErrorCode.INVALID, f"{voter} has voted on comparison {record.id} already", {"comparison_id": record.id}
            )
        stored = self.records.insert_vote(
            VoteRecord(
                0,
                record.id,
                record.prompt,
                record.seed,
                record.tags,
                [p.model for p in record.panels],
                request.outcome,
                request.winner,
                voter,
                client,
                time.time(),
            )
        )
        info = info.model_copy(update={"votes": info.votes + 1})
        self.publisher.publish("comparison.updated", m.ComparisonEvent(comparison=info))
        return _vote_info(stored), info

    def _all_votes(self) -> list[tuple[Vote, int]]:
        """Every vote as the leaderboard takes it, with its id; run it in a thread. Votes are only ever added,
        so those decoded once are kept and each call reads just the new ones."""
        with self._votes_lock:
            after = self._votes[-1][1] if self._votes else 0
            self._votes.extend(_as_vote(v) for v in self.records.votes_in_thread(after))
            return list(self._votes)

    def votes(self, after_id: int, limit: int) -> tuple[list[m.VoteInfo], int]:
        return [_vote_info(v) for v in self.records.votes(after_id, limit)], self.records.vote_total()

    async def leaderboard(self, tag: str | None, rounds: int) -> m.LeaderboardReply:
        """Fitted in a thread over every vote (or those with `tag`), and kept until the next vote."""
        tag = clean_tag(tag) or None
        last = self.records.last_vote_id()
        pairs = sorted(self.trained_bases().items())
        remembered = self._boards.get((tag, rounds))
        if remembered is not None and remembered[0] == (last, pairs):
            return remembered[1]
        board = await asyncio.to_thread(lambda: compute_board(self._all_votes(), tag, rounds, pairs))
        self._boards[(tag, rounds)] = ((last, pairs), board)
        return board

    async def head_to_heads(self, pairs: list[tuple[str, str]]) -> list[m.HeadToHead]:
        """Each (model, base) of `pairs` head to head, over one read of the votes."""
        votes = [vote for vote, _ in await asyncio.to_thread(self._all_votes)]
        return [head_to_head(votes, model, base) for model, base in pairs]


def score_changes(votes: list[tuple[Vote, int]], vote: m.VoteInfo) -> list[m.ScoreChange]:
    """Each panel's overall score without and with `vote` (no bootstrap: a quick refit). Run it in a thread."""
    before = build_leaderboard([v for v, vid in votes if vid != vote.id], rounds=0)
    after = build_leaderboard([v for v, _ in votes], rounds=0)
    return [
        m.ScoreChange(model=name, before=_score(before, name), after=_score(after, name) or BASE_SCORE)
        for name in vote.presets
    ]


def compute_board(
    votes: list[tuple[Vote, int]], tag: str | None, rounds: int, pairs: Iterable[tuple[str, str]] = ()
) -> m.LeaderboardReply:
    """The leaderboard over `votes` (those with `tag` when given), with each (trained preset, base) of `pairs`
    head to head. Run it in a thread."""
    plain = [vote for vote, _ in votes]
    board = leaderboard_for_tag(plain, tag, rounds=rounds) if tag else build_leaderboard(plain, rounds=rounds)
    chosen = [vote for vote in plain if tag in vote.tags] if tag else plain
    versus = [head_to_head(chosen, model, base) for model, base in pairs]
    return m.LeaderboardReply.model_validate({**board.to_dict(), "tags": tag_counts(plain), "versus": versus})


def _overall(panels: list[m.ComparisonPanel]) -> JobState:
    states = {p.state for p in panels}
    if states <= {JobState.COMPLETED}:
        return JobState.COMPLETED
    if states & {JobState.QUEUED, JobState.RUNNING}:
        return JobState.RUNNING if JobState.RUNNING in states or JobState.COMPLETED in states else JobState.QUEUED
    return JobState.FAILED


def _as_vote(v: VoteRecord) -> tuple[Vote, int]:
    return Vote(tuple(v.presets), v.outcome, v.winner, tuple(v.tags)), v.id


def _score(board: Leaderboard, name: str) -> float | None:
    row = next((r for r in board.rows if r.preset == name), None)
    return None if row is None or row.games == 0 else row.score


def _vote_info(v: VoteRecord) -> m.VoteInfo:
    return m.VoteInfo(
        id=v.id,
        comparison_id=v.comparison_id,
        prompt=v.prompt,
        seed=v.seed,
        tags=v.tags,
        presets=v.presets,
        outcome=v.outcome,
        winner=v.winner,
        user=v.user,
        created_at=v.created_at,
    )
